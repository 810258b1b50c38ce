"""The real `python -m bot run` process as an operator meets it: SIGTERM in the middle of a
broadcast (graceful: nothing lost, nothing repeated after the restart), JSON logs, and the
backup / status / restore commands next to the running bot."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from storage.db import Database
from storage.outbox import OutboxRepo
from tests.e2e.test_broadcasts import QUIET_CLOCK, broadcasts_to, compose, has, seed_many

ROOT = Path(__file__).resolve().parents[2]


async def test_sigterm_mid_broadcast_finishes_in_flight_and_the_restart_sends_the_rest_once(
        bot_process, people, api, database_path):
    db = await Database.open(database_path)
    ids = await seed_many(api, db, 7000, 90)
    await db.close()
    proc = bot_process(CLOCK_START=QUIET_CLOCK, LOG_FORMAT="json")
    await proc.start()
    await _operator_commands_while_running(proc, database_path)
    rina = people.rina
    await compose(rina, "Siaran <b>penting</b> untuk semua", "Semua koperasi")
    await rina.press("Kirim sekarang")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while sum(broadcasts_to(api, ids).values()) < 20:
        assert loop.time() < deadline, proc.log()
        await asyncio.sleep(0.01)
    started = loop.time()
    assert await proc.stop() == 0, proc.log()  # SIGTERM
    took = loop.time() - started
    before = broadcasts_to(api, ids)
    assert 20 <= sum(before.values()) < len(ids), "the stop came too late to test anything"
    assert took < 12, took
    stopped = await asyncio.to_thread(_cli, proc, "status", "--check")
    assert stopped.returncode == 1 and "not running" in stopped.stderr  # what a HEALTHCHECK sees

    db = await Database.open(database_path)
    rows = await OutboxRepo(db).rows("broadcast")
    await db.close()
    assert not [r for r in rows if r.status == "sending"], "a delivery was left half-done"
    assert {r.chat_id for r in rows if r.status == "sent"} == set(before)  # what arrived is recorded
    assert all(n == 1 for n in before.values())

    log = proc.log()
    events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert events and len(events) == len([line for line in log.splitlines() if line.strip()]), log[-3000:]
    handled = [e for e in events if e["message"].startswith("update handled")]
    assert handled and all({"update_id", "chat_id", "journey"} <= set(e) for e in handled)
    assert "Siaran" not in "".join(json.dumps(e) for e in handled)  # the admin's text is not logged

    await proc.start()
    await rina.wait_for(has("Laporan siaran"), timeout=30)
    await asyncio.sleep(0.5)  # room for a duplicate to show up, if there were one
    after = broadcasts_to(api, ids)
    assert after == Counter({u: 1 for u in ids}), "lost or repeated"
    print(f"\nSIGTERM after {sum(before.values())} of {len(ids)}: stopped in {took:.2f} s, "
          f"{len(ids) - sum(before.values())} sent after the restart, none twice")
    assert await proc.stop() == 0


def _cli(proc, *args: str) -> subprocess.CompletedProcess:
    env = proc.env()
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=str(proc.database_path.parent),
                          capture_output=True, text=True, timeout=60)


async def _operator_commands_while_running(proc, database_path: Path) -> None:
    """What an operator runs next to the bot: status (the HEALTHCHECK), a backup, and a restore
    or a second `run`, both refused."""
    status = await asyncio.to_thread(_cli, proc, "status", "--check")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"running:         yes, pid {proc.proc.pid}" in status.stdout and "users:           90 (90 active)" in status.stdout
    made = await asyncio.to_thread(_cli, proc, "backup")
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.split("\t")[0])
    assert backup.parent == database_path.parent / "backups" and backup.stat().st_size > 0
    refused = await asyncio.to_thread(_cli, proc, "restore", str(backup))
    assert refused.returncode == 1 and "the bot is running" in refused.stderr
    second = await asyncio.to_thread(_cli, proc, "run")  # two pollers would fight over the updates
    assert second.returncode == 1 and "already running" in second.stderr
