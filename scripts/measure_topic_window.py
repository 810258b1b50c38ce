"""Measure the window in which a crash would leave a forum topic that the database does not know:
from the moment createForumTopic returns (Telegram has made the topic) until the topic's id is
committed. Without the note in storage (topic_attempts) a kill -9 in that window, or a dropped
answer, left an empty second topic; with it the next attempt finds and deletes the duplicate.

    /work/venv/bin/python scripts/measure_topic_window.py --count 40
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import running_application  # noqa: E402
from bot.core.delivery import DeliveryHooks  # noqa: E402
from bot.core.services import SERVICES_KEY  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.emulator import FakeBotApi  # noqa: E402
from bot.tickets import service  # noqa: E402
from bot.tickets.delivery import TicketDelivery  # noqa: E402
from handlers.tickets_group import BotTopics  # noqa: E402
from storage.cooperatives import CooperativeRepo  # noqa: E402

STAFF = -1001234567890


async def measure(count: int) -> None:
    api = FakeBotApi(token="123456:WINDOW")
    await api.start()
    api.add_group(STAFF, "Staf", forum=True, members=[api.add_user(2001, "Budi")])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, bot_token=api.token, staff_chat_id=STAFF, rate_limit=False,
                            database_path=Path(tmp) / "w.sqlite3", telegram_api_url=api.url)
        async with running_application(settings) as app:
            svc = app.bot_data[SERVICES_KEY]
            delivery = TicketDelivery(svc.tickets, BotTopics(app.bot))
            committed: list[float] = []
            original = delivery.topics.create

            async def create(chat_id, name, store):
                async def timed_store(tx, thread):
                    await store(tx, thread)
                    committed.append(time.time())  # inside the transaction: an upper bound
                return await original(chat_id, name, timed_store)
            delivery.topics.create = create
            hooks = DeliveryHooks(**delivery.staff_hooks())
            for kind in service.STAFF_KINDS:
                svc.delivery.register(kind, hooks)
            coop = await CooperativeRepo(svc.db).create(dict(name="Kop", kind="jasa", kecamatan="Setu", members=9,
                                                             fy_end_month=12), "W1")
            for i in range(count):
                await svc.tickets.open(cooperative_id=coop.id, manager_user_id=None, service="kuratif",
                                       category="lainnya", question=f"q{i}", source="measure")
                await svc.delivery.drain()
            made = [r.time for r in api.calls("createForumTopic")]  # when the emulator had made each topic
    await api.stop()
    windows = sorted((c - r) * 1000 for r, c in zip(made, committed))
    print(f"topics created: {len(windows)}; Telegram made it -> id committed: median {statistics.median(windows):.2f} ms, "
          f"p90 {windows[int(len(windows) * 0.9)]:.2f} ms, max {windows[-1]:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    asyncio.run(measure(parser.parse_args().count))
