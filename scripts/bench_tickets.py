"""Benchmark: a burst of new tickets against the staff group's 20-messages-per-minute limit.

Runs the real bot (outbox, delivery worker, the flood limiter) against the fake Bot API with
Telegram's limits switched on (edits in the group count against its 20 a minute, as Telegram
counts them), opens N tickets at once through the same service the journeys use, and while the
cards arrive a consultant claims every k-th one (each claim edits a live card) and then makes a
burst of changes to one ticket. It measures how long until every card is in the group, whether
they arrived in order, how many card edits were sent, and how many 429s Telegram (the emulator)
had to give.

    /work/venv/bin/python scripts/bench_tickets.py            # 60 tickets, plain group
    /work/venv/bin/python scripts/bench_tickets.py --count 25 --forum --claim-every 0
"""
from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import running_application  # noqa: E402
from bot.emulator import FakeBotApi, Limits  # noqa: E402
from bot.core.services import SERVICES_KEY  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.tickets.rules import Actor  # noqa: E402
from storage.cooperatives import CooperativeRepo  # noqa: E402
from storage.users import UserRepo  # noqa: E402

STAFF = -1001234567890
GROUP_PER_MINUTE = 20


async def bench(count: int, forum: bool, claim_every: int, burst: int) -> int:
    api = FakeBotApi(token="123456:BENCH", limits=Limits(group_edits=True))
    await api.start()
    manager = api.add_user(1001, "Sari")
    consultant = api.add_user(2001, "Budi")
    api.add_group(STAFF, "Klinik Koperasi - Staf", forum=forum, members=[consultant])
    arrivals: list[tuple[float, int]] = []

    def on_message(message) -> None:
        found = re.search(r"Tiket #(\d+)", message.text or "")
        if message.chat_id == STAFF and message.event == "new" and found:
            arrivals.append((time.monotonic(), int(found[1])))

    api.on_bot_message(on_message)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, bot_token=api.token, staff_chat_id=STAFF,
                            database_path=Path(tmp) / "bench.sqlite3", telegram_api_url=api.url, rate_limit=True)
        async with running_application(settings) as app:
            svc = app.bot_data[SERVICES_KEY]
            users, coops = UserRepo(svc.db), CooperativeRepo(svc.db)
            await users.grant_consent(manager.id, "bench", "Sari", None)
            coop = await coops.create(dict(name="Kopkar Bench", kind="karyawan", kecamatan="Setu", members=100,
                                           fy_end_month=12), "BENCH1")
            await coops.add_manager(coop.id, manager.id, "ketua")
            await asyncio.sleep(1.0)  # start-up traffic out of the way
            api.clear_requests()
            started = time.monotonic()
            opened = await asyncio.gather(*(
                svc.tickets.open(cooperative_id=coop.id, manager_user_id=manager.id, service="kuratif",
                                 category="lainnya", question=f"Pertanyaan nomor {i}", source="bench")
                for i in range(count)))
            queued = time.monotonic() - started
            budi = Actor(consultant.id, is_consultant=True)
            await svc.tickets.on_roster(consultant.id, "Budi", None, "admin")
            await svc.tickets.on_roster(2002, "Rina", None, "admin")
            claimed = await claim_as_they_arrive(svc, budi, arrivals, count, claim_every, started)
            changes = len(claimed)
            elapsed = arrivals[-1][0] - started if arrivals else float("nan")
            first = min(t.id for t in opened)
            for i in range(burst):  # a burst of changes to one ticket: transfers back and forth
                await svc.tickets.transfer(first, budi, consultant.id if i % 2 else 2002)
                changes += 1
            await svc.delivery.drain(300)
            settled = time.monotonic() - started
            card = api.world.chats[STAFF].messages.get((await svc.tickets.get(first)).card_message_id)
            outbox = await svc.delivery.repo.counts()
    await api.stop()
    status = report(api, count, forum, arrivals, sorted(t.id for t in opened), queued, elapsed, outbox)
    edits = [r for r in api.calls("editMessageText") if r.status == 200 and str(r.params.get("chat_id")) == str(STAFF)]
    last_name = "Budi" if burst % 2 == 0 else "Rina"  # the burst's last transfer
    print(f"card changes / edits sent   : {changes} changes ({len(claimed)} claims while the cards arrived, "
          f"{burst} transfers in a burst) -> {len(edits)} card edits sent")
    print(f"card shows the last change  : {f'konsultan: {last_name}' in (card.text or '') if card else False}; "
          f"everything (cards and edits) delivered after {settled:.1f}s")
    return status


async def claim_as_they_arrive(svc, budi: Actor, arrivals: list, count: int, every: int, started: float) -> set[int]:
    """A consultant takes every k-th card as it arrives (each claim edits a card in the group)."""
    claimed: set[int] = set()
    while len(arrivals) < count and time.monotonic() - started < 30 * 60:
        for _, number in list(arrivals):
            if every and number % every == 0 and number not in claimed:
                claimed.add(number)
                await svc.tickets.claim(number, budi)
        await asyncio.sleep(0.2)
    return claimed


def report(api: FakeBotApi, count: int, forum: bool, arrivals: list, expected: list[int], queued: float,
           elapsed: float, outbox: dict) -> int:
    numbers = [n for _, n in arrivals]
    rejected = api.rejected()
    floor_sliding = (math.ceil(count / GROUP_PER_MINUTE) - 1) * 60
    print(f"tickets opened in one burst : {count} ({'forum' if forum else 'plain group'}); all queued in {queued:.2f}s")
    print(f"cards in the staff group    : {len(arrivals)}/{count}, in order: {numbers == expected}, "
          f"duplicates: {len(numbers) - len(set(numbers))}")
    print(f"time to the last card       : {elapsed:.1f}s")
    print(f"20-per-minute floor         : {count / GROUP_PER_MINUTE * 60:.0f}s at an even 20/min "
          f"({floor_sliding}s is the least a sliding 60-s window allows)")
    print(f"429 answers from Telegram   : {sum(1 for r in rejected if r.status == 429)}; other errors: "
          f"{sum(1 for r in rejected if r.status != 429)}")
    print(f"outbox rows by status       : {outbox}")
    ok = numbers == expected and outbox.get("failed", 0) == 0 and not outbox.get("pending")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--forum", action="store_true", help="staff group is a forum: a topic per ticket")
    parser.add_argument("--claim-every", type=int, default=3, help="claim every k-th card as it arrives (0: none)")
    parser.add_argument("--burst", type=int, default=10, help="changes to one ticket in a burst at the end")
    args = parser.parse_args()
    return asyncio.run(bench(args.count, args.forum, args.claim_every, args.burst))


if __name__ == "__main__":
    raise SystemExit(main())
