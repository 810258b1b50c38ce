"""Benchmark: one noisy manager against ten quiet ones, with Telegram's limits enforced (issue 16).

The fake Bot API runs in its own process (as in scripts/bench_broadcast.py) and plays the users
on its own clock: one manager sends 300 messages in 30 s to their open ticket while 10 other
managers each send one message to their own ticket at a random moment of the same minute. The
real bot (outbox, delivery worker, rate limiter on) runs here.

    /work/venv/bin/python scripts/bench_fair.py                 # the issue's scenario
    /work/venv/bin/python scripts/bench_fair.py --private-per-second 1   # also 1 msg/s per private chat
    /work/venv/bin/python scripts/bench_fair.py --flood 120 --flood-seconds 5 --seed 7

Prints, for the 10: time from their message to its relay in the staff group (median, max; goal
max <= 10 s); for the flood: messages received, relayed (and as how many staff-group
messages), lost (goal 0), duplicated (goal 0); and error messages any user saw (goal 0).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.tickets.service import TO_STAFF, TicketService  # noqa: E402
from bot.app import running_application  # noqa: E402
from bot.core.outbox import Outbox  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.core.texts import Texts  # noqa: E402
from bot.emulator import FakeBotApi, Limits  # noqa: E402
from bot.onboarding.service import new_join_code  # noqa: E402
from storage.cooperatives import CooperativeRepo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.outbox import OutboxRepo  # noqa: E402
from storage.reminders import ReminderRepo  # noqa: E402
from storage.users import UserRepo  # noqa: E402

TOKEN = "123456:BENCHFAIR"
STAFF = -1001234567890
CONSULTANT = 2001
FLOODER = 1000
QUIET = list(range(1001, 1011))
QUIET_CLOCK = "2026-11-10T10:00:00+07:00"  # as in the end-to-end tests: no reminder is due that day
ERROR_MARKS = ("terjadi gangguan", "something went wrong", "Bot error")
FLOOD_RE = re.compile(r"banjir (\d+)\b")
QUIET_RE = re.compile(r"salam dari (\d+)\b")


# -- the fake Bot API and its users, in their own process ------------------------------------
class _Scenario(FakeBotApi):
    """The emulator plus two routes: start the users' minute; read what happened."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(token=TOKEN, limits=Limits(private_per_second=args.private_per_second))
        self.args = args
        self.users = {uid: self.add_user(uid, f"Pengurus {uid}") for uid in [FLOODER, *QUIET]}
        consultant = self.add_user(CONSULTANT, "Budi")
        self.staff = self.add_group(STAFF, "Klinik Koperasi - Staf", members=[consultant])
        self.sent: dict[str, list] = {"flood": [], "quiet": []}
        self.arrivals: list[dict] = []
        self.private: list[dict] = []
        self.started_at: float | None = None
        self.on_bot_message(self._seen)

    def _seen(self, message) -> None:
        if message.event != "new":
            return
        entry = {"t": time.monotonic(), "chat": message.chat_id, "text": message.text or ""}
        (self.arrivals if message.chat_id == STAFF else self.private).append(entry)

    async def _play(self) -> None:
        rng = random.Random(self.args.seed)
        self.started_at = t0 = time.monotonic()

        async def at(delay: float, user_id: int, text: str, bucket: str, n: int) -> None:
            await asyncio.sleep(max(0.0, t0 + delay - time.monotonic()))
            self.sent[bucket].append({"n": n, "user": user_id, "t": time.monotonic()})
            await self.users[user_id].send(text)

        step = self.args.flood_seconds / self.args.flood
        jobs = [at(i * step, FLOODER, f"banjir {i}: baris riwayat obrolan yang diteruskan, nomor {i}", "flood", i)
                for i in range(self.args.flood)]
        jobs += [at(rng.uniform(0, self.args.window), uid, f"salam dari {uid}: mohon bantuan soal RAT", "quiet", uid)
                 for uid in QUIET]
        await asyncio.gather(*jobs)

    async def _handle(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        if tail == "_bench/start":
            asyncio.get_running_loop().create_task(self._play())
            return web.json_response({"ok": True})
        if tail == "_bench/report":
            rejected = [{"method": r.method, "status": r.status, "chat_id": r.params.get("chat_id")}
                        for r in self.requests if not r.ok]
            return web.json_response({"sent": self.sent, "arrivals": self.arrivals, "private": self.private,
                                      "started_at": self.started_at, "rejected": rejected})
        return await super()._handle(request)


async def serve(args: argparse.Namespace) -> None:
    api = _Scenario(args)
    print(await api.start(), flush=True)
    await asyncio.Event().wait()


# -- the bot, here --------------------------------------------------------------------------
async def seed(path: Path) -> dict[int, int]:
    """Eleven cooperatives, one manager each, each with an open ticket (opened earlier: no cards
    now, so the staff group's minute belongs to the scenario). Returns manager -> ticket id."""
    db = await Database.open(path)
    settings = Settings(_env_file=None, staff_chat_id=None, database_path=path)
    texts, outbox = Texts(settings.default_language), Outbox(db)
    opened = {}
    for uid in [FLOODER, *QUIET]:
        users, coops = UserRepo(db), CooperativeRepo(db)
        await users.set_language(uid, "id")
        await users.grant_consent(uid, "bench", f"Pengurus {uid}", None)
        coop = await coops.create(dict(name=f"Kopkar {uid}", nik=None, kind="karyawan", company=None, estate=None,
                                       kecamatan="Setu", members=100, fy_end_month=12), new_join_code())
        await coops.add_manager(coop.id, uid, "ketua")
        for key, period, day in (("rat", "2025", date(2026, 3, 20)), ("rat_report", "2025", date(2026, 4, 10)),
                                 ("pengawas_review", "2026-09", date(2026, 10, 5)), ("tax_return", "2025", date(2026, 4, 20))):
            await ReminderRepo(db).mark_done(coop.id, key, period, day, uid)  # in good standing: no reminders now
        ticket = await TicketService(db, outbox, texts, settings).open(
            cooperative_id=coop.id, manager_user_id=uid, service="kuratif", category="lainnya",
            question=f"Pertanyaan {uid}", source="bench")
        opened[uid] = ticket.id
        await TicketService(db, outbox, texts, settings).remember(uid, "ticket", ticket.id)  # writing to it now
    await db.close()
    return opened


async def bench(args: argparse.Namespace) -> int:
    cmd = [sys.executable, __file__, "--serve", "--seed", str(args.seed), "--flood", str(args.flood),
           "--flood-seconds", str(args.flood_seconds), "--window", str(args.window),
           "--private-per-second", str(args.private_per_second or 0)]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    url = (await proc.stdout.readline()).decode().strip()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.sqlite3"
            opened = await seed(path)
            settings = Settings(_env_file=None, bot_token=TOKEN, staff_chat_id=STAFF, admin_ids=[CONSULTANT],
                                database_path=path, telegram_api_url=url, rate_limit=True,
                                clock_start=QUIET_CLOCK)
            async with running_application(settings) as app, httpx.AsyncClient(timeout=60) as client:
                svc = app.bot_data["services"]
                await asyncio.sleep(1.0)  # start-up calls out of the way
                await client.get(f"{url}/_bench/start")
                started = time.monotonic()
                report: dict = {}
                while time.monotonic() - started < args.window + args.timeout:
                    await asyncio.sleep(1.0)
                    report = (await client.get(f"{url}/_bench/report")).json()
                    relayed = {int(n) for a in report["arrivals"] for n in FLOOD_RE.findall(a["text"])}
                    quiet = {int(n) for a in report["arrivals"] for n in QUIET_RE.findall(a["text"])}
                    done = len(report["sent"]["flood"]) == args.flood and len(report["sent"]["quiet"]) == len(QUIET)
                    if done and len(relayed) == args.flood and quiet == set(QUIET) and not await svc.outbox.repo.pending_count():
                        break
                finished = time.monotonic() - started
                rows = await OutboxRepo(svc.db).rows(kind=TO_STAFF, ref=("ticket", opened[FLOODER]))
    finally:
        proc.kill()
        await proc.wait()
    return show(args, report, rows, finished)


def show(args: argparse.Namespace, report: dict, flood_rows: list, finished: float) -> int:
    arrivals = report["arrivals"]
    first_seen: dict[int, float] = {}
    for a in arrivals:
        for n in QUIET_RE.findall(a["text"]):
            first_seen.setdefault(int(n), a["t"])
    latencies = sorted(first_seen[q["n"]] - q["t"] for q in report["sent"]["quiet"] if q["n"] in first_seen)
    missing_quiet = len(QUIET) - len(latencies)
    flood_counts: dict[int, int] = {}
    flood_messages = 0
    for a in arrivals:
        found = FLOOD_RE.findall(a["text"])
        flood_messages += bool(found)
        for n in found:
            flood_counts[int(n)] = flood_counts.get(int(n), 0) + 1
    sent = len(report["sent"]["flood"])
    lost = sent - len(flood_counts)
    duplicated = sum(c - 1 for c in flood_counts.values())
    errors = [p for p in report["private"] if any(mark in p["text"] for mark in ERROR_MARKS)]
    notices = [p for p in report["private"] if p["chat"] == FLOODER and "sudah kami terima semuanya" in p["text"]]
    acks = [p for p in report["private"] if p["chat"] == FLOODER and "Diteruskan ke tiket" in p["text"]]
    r429 = [r for r in report["rejected"] if r["status"] == 429]
    median = statistics.median(latencies) if latencies else float("nan")
    worst = max(latencies) if latencies else float("nan")
    print(f"scenario: {args.flood} messages in {args.flood_seconds:.0f} s from one manager; 10 others once each "
          f"at random in {args.window:.0f} s (seed {args.seed}); limits: 30/s, 20/min per group"
          + (f", {args.private_per_second}/s per private chat" if args.private_per_second else ""))
    print(f"the 10: message -> relay in the staff group: median {median:.1f} s, max {worst:.1f} s "
          f"(goal max <= 10 s){'; NOT relayed: ' + str(missing_quiet) if missing_quiet else ''}")
    print(f"flood: received {len(flood_rows)} of {sent} sent, relayed {len(flood_counts)} as {flood_messages} "
          f"staff-group messages, lost {lost} (goal 0), duplicated {duplicated} (goal 0); "
          f"all relayed after {finished:.0f} s")
    print(f"flooding manager's chat: {len(notices)} brake notice, {len(acks)} per-message acknowledgements")
    print(f"error messages users saw: {len(errors)} (goal 0); 429 answers from Telegram: {len(r429)}; "
          f"other rejected calls: {len(report['rejected']) - len(r429)}")
    print(f"staff-group messages in all: {len(arrivals)}")
    if args.verbose:
        t0 = report["started_at"]
        for q in sorted(report["sent"]["quiet"], key=lambda q: q["t"]):
            seen = first_seen.get(q["n"])
            print(f"  manager {q['n']}: wrote at {q['t'] - t0:5.1f} s, relayed after "
                  f"{(seen - q['t']) if seen else float('nan'):5.1f} s")
        for p in report["private"]:
            if p["chat"] == FLOODER:
                print(f"  flooder {p['t'] - t0:6.1f} s: {p['text'][:50]!r}")
        for a in arrivals:
            print(f"  staff {a['t'] - t0:6.1f} s: {a['text'][:70]!r}")
    ok = latencies and worst <= 10 and not lost and not duplicated and not errors and not missing_quiet
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=300, help="messages from the noisy manager (300)")
    parser.add_argument("--flood-seconds", type=float, default=30.0, help="in how many seconds (30)")
    parser.add_argument("--window", type=float, default=60.0, help="the minute the 10 write in (60)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--private-per-second", type=int, default=None,
                        help="also enforce this many messages per second in a private chat")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up this long after the minute")
    parser.add_argument("-v", "--verbose", action="store_true", help="each quiet manager and staff message")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.private_per_second == 0:
        args.private_per_second = None
    if args.serve:
        asyncio.run(serve(args))
        return 0
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
