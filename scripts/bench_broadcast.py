"""Benchmark: one office broadcast to N recipients through the real bot (outbox, delivery worker,
PTB over HTTP) against the fake Bot API.

    /work/venv/bin/python scripts/bench_broadcast.py            # both runs, 3,000 recipients
    /work/venv/bin/python scripts/bench_broadcast.py --only limited -n 600

Run 1 ("limited"): the emulator enforces Telegram's limits (30 messages/s overall) and the bot
has its rate limiter on: the achieved rate as a fraction of 30/s (target >= 90%) and the 429s
the server gave (target 0). Run 2 ("unlimited"): both limits off, so the rate is the bot's own
overhead (target >= 500 messages/s).

By default the fake Bot API runs in its own process (`--same-process` puts it in the bot's), so
the figures are the bot's: on a 2-core machine an in-process server takes half the one core the
bot's event loop has.

Both runs also measure the crash window: for each recipient, the time from the server
accepting the message to the bot committing it as sent. A SIGKILL inside that window makes the
outbox send that row again after the restart (one duplicate); expected duplicates per kill =
rate x mean window.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import JOURNEYS, running_application  # noqa: E402
from handlers import broadcasts as broadcast_journey, membership, onboarding, privacy, profile, router, staff  # noqa: E402
from bot.broadcasts.service import Audience, Draft  # noqa: E402
from bot.emulator import FakeBotApi, Limits  # noqa: E402
from bot.onboarding.service import new_join_code  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from storage.broadcasts import BroadcastRepo  # noqa: E402
from storage.cooperatives import CooperativeRepo  # noqa: E402
from storage.db import Database, from_utc_text  # noqa: E402
from storage.outbox import OutboxRepo  # noqa: E402
from storage.users import UserRepo  # noqa: E402

BROADCAST_ONLY = (membership, onboarding, profile, privacy, staff, broadcast_journey, router)

TOKEN = "123456:BENCH"
ADMIN_ID = 42
FIRST_ID = 100_000
TELEGRAM_RATE = 30.0


def add_people(api: FakeBotApi, n: int) -> None:
    api.add_user(ADMIN_ID, "Admin")
    for user_id in range(FIRST_ID, FIRST_ID + n):
        api.add_user(user_id, f"Pengurus {user_id}")


async def seed(path: Path, n: int, per_coop: int = 3) -> list[int]:
    db = await Database.open(path)
    ids = list(range(FIRST_ID, FIRST_ID + n))
    async with db.transaction() as tx:
        users, coops = UserRepo(tx), CooperativeRepo(tx)
        await users.set_language(ADMIN_ID, "id")
        for i in range(0, n, per_coop):
            coop = await coops.create(dict(name=f"Kopkar {i}", nik=None, kind="karyawan", company=None, estate=None,
                                           kecamatan="Setu", members=100, fy_end_month=12), new_join_code())
            for user_id in ids[i:i + per_coop]:
                await users.set_language(user_id, "id")
                await users.grant_consent(user_id, "bench", f"Pengurus {user_id}", None)
                await coops.add_manager(coop.id, user_id, "ketua")
    await db.close()
    return ids


class _Served(FakeBotApi):
    """The fake Bot API in its own process, with one extra route that hands its request log
    to the benchmark."""

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["tail"] == "_bench/requests":
            return web.json_response([
                {"method": r.method, "params": {k: r.params.get(k) for k in ("chat_id", "text")},
                 "status": r.status, "time": r.time} for r in self.requests])
        return await super()._handle(request)


async def serve(n: int, limited: bool) -> None:
    api = _Served(token=TOKEN, limits=Limits() if limited else Limits(enabled=False))
    add_people(api, n)
    print(await api.start(), flush=True)
    await asyncio.Event().wait()


@dataclass
class Seen:
    method: str
    params: dict
    status: int
    time: float

    @property
    def ok(self) -> bool:
        return self.status == 200


@asynccontextmanager
async def fake_api(n: int, limited: bool, same_process: bool):
    """Yields (url, fetch) where `await fetch()` returns the server's request log."""
    if same_process:
        api = FakeBotApi(token=TOKEN, limits=Limits() if limited else Limits(enabled=False))
        add_people(api, n)
        url = await api.start()

        async def fetch() -> list:
            return list(api.requests)
        try:
            yield url, fetch
        finally:
            await api.stop()
        return
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", "-n", str(n), *([] if limited else ["--no-limits"]),
        stdout=asyncio.subprocess.PIPE)
    url = (await proc.stdout.readline()).decode().strip()

    async def fetch() -> list:
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.get(f"{url}/_bench/requests")
        return [Seen(**r) for r in answer.json()]
    try:
        yield url, fetch
    finally:
        proc.kill()
        await proc.wait()


async def run(label: str, n: int, limited: bool, same_process: bool = False, journeys=JOURNEYS) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        async with fake_api(n, limited, same_process) as (url, fetch):
            recipients = set(await seed(path, n))
            settings = Settings(_env_file=None, bot_token=TOKEN, admin_ids=[ADMIN_ID], database_path=path,
                                telegram_api_url=url, rate_limit=limited)
            async with running_application(settings, journeys=journeys) as app:
                services = app.bot_data["services"]
                broadcasts = services.broadcasts
                started = time.perf_counter()
                broadcast_id = await broadcasts.create(Draft(ADMIN_ID, "<b>Bench</b> siaran", Audience("all"),
                                                             origin_chat_id=ADMIN_ID))
                queued = time.perf_counter()
                repo = BroadcastRepo(services.db)
                while (await repo.get(broadcast_id)).status != "done":
                    await asyncio.sleep(0.05)
                finished = time.perf_counter()
                sent_at = {}
                for row in await OutboxRepo(services.db).rows("broadcast", ("broadcast", broadcast_id)):
                    sent_at[row.chat_id] = from_utc_text(row.sent_at).timestamp() if row.sent_at else None
                counts = await broadcasts.progress(broadcast_id)
            requests = await fetch()
    sends = [r for r in requests if r.method == "sendMessage" and int(r.params.get("chat_id", 0)) in recipients
             and "Bench" in str(r.params.get("text"))]
    ok = [r for r in sends if r.ok]
    got = {}
    for r in ok:
        chat = int(r.params["chat_id"])
        got[chat] = got.get(chat, 0) + 1
    span = max(r.time for r in ok) - min(r.time for r in ok)
    windows = [(sent_at[int(r.params["chat_id"])] - r.time) * 1000 for r in ok
               if sent_at.get(int(r.params["chat_id"]))]
    rate = n / (finished - started)
    result = {
        "label": label, "n": n, "sent": counts.sent, "failed": counts.not_delivered,
        "twice": sum(1 for v in got.values() if v > 1), "missing": len(recipients - set(got)),
        "queue_s": queued - started, "total_s": finished - started, "rate": rate, "send_span_rate": (len(ok) - 1) / span,
        "429": sum(1 for r in requests if r.status == 429),
        "429_at": [round(r.time - min(x.time for x in ok), 2) for r in requests if r.status == 429],
        "rejected": sum(1 for r in requests if not r.ok),
        "window_ms_median": statistics.median(windows), "window_ms_p99": sorted(windows)[int(len(windows) * .99)],
        "window_ms_max": max(windows), "window_ms_mean": statistics.fmean(windows),
    }
    result["dup_per_kill"] = rate * result["window_ms_mean"] / 1000
    return result


def show(r: dict) -> None:
    print(f"\n== {r['label']}: {r['n']} recipients ==")
    print(f"delivered {r['sent']}, failed {r['failed']}, missing {r['missing']}, received twice {r['twice']}")
    print(f"queueing (one transaction): {r['queue_s']:.2f} s; broadcast done after {r['total_s']:.1f} s")
    print(f"rate: {r['rate']:.1f} messages/s end to end ({r['send_span_rate']:.1f}/s between first and last send)")
    if r["label"] == "limited":
        print(f"fraction of Telegram's 30 messages/s: {r['rate'] / TELEGRAM_RATE:.1%} (target >= 90%)")
        print(f"429 answers from the server: {r['429']} (target 0); all rejected requests: {r['rejected']}"
              + (f"; at seconds {r['429_at'][:10]}" if r["429_at"] else ""))
    else:
        print(f"target >= 500 messages/s: {'met' if r['rate'] >= 500 else 'NOT met'}; rejected requests: {r['rejected']}")
    print(f"crash window (server accepted -> committed as sent): median {r['window_ms_median']:.1f} ms, "
          f"p99 {r['window_ms_p99']:.1f} ms, max {r['window_ms_max']:.1f} ms; "
          f"expected duplicates per SIGKILL at this rate: {r['dup_per_kill']:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3000, help="recipients (default 3000)")
    parser.add_argument("--only", choices=("limited", "unlimited"))
    parser.add_argument("--same-process", action="store_true",
                        help="run the fake Bot API inside the bot's process (it then shares the bot's core)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-limits", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--all-journeys", action="store_true",
                        help="also run the other journeys (their start-up reminders to the same managers share the rate)")
    args = parser.parse_args()
    if args.serve:
        await serve(args.n, limited=not args.no_limits)
        return
    # the broadcast alone by default: no RAT reminders to the 3,000 seeded managers
    journeys = JOURNEYS if args.all_journeys else BROADCAST_ONLY
    logging.basicConfig(level=logging.ERROR)
    for label, limited in (("limited", True), ("unlimited", False)):
        if args.only in (None, label):
            show(await run(label, args.n, limited, args.same_process, journeys))
    print(f"\n(fake Bot API {'in the same process' if args.same_process else 'in its own process'})")


if __name__ == "__main__":
    asyncio.run(main())
