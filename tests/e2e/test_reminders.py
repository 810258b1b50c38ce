"""Reminders end to end, where the real process matters: the tick job fires on its own, and a
restart or a crash after sending does not make the restarted bot send a reminder again. The
journey's behaviour (Sudah, the RAT date, stale copies, snooze, /jadwal, the consultant alert)
is tested at the handler layer: tests/handlers/test_handlers_reminders.py.

Time is driven through the bot's own clock (setting CLOCK_START, `services.clock`)
with a fast tick (REMINDER_TICK_SECONDS); nothing of ours is patched."""
from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.outbox import OutboxRepo
from tests.e2e.harness import seed_cooperative

WIB = ZoneInfo("Asia/Jakarta")
FAST = dict(reminder_tick_seconds=0.1)


def has(*fragments: str):
    return lambda m: all(f.lower() in m.text.lower() for f in fragments)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def rat_reminders_sent(api, user) -> list:
    return [r for r in api.calls("sendMessage")
            if str(r.params.get("chat_id")) == str(user.id) and "Rapat Anggota Tahunan" in str(r.params.get("text"))]


async def test_restart_does_not_resend(launch, api, people):
    start = wib(2026, 3, 24, 8, 0, 1)
    async with launch(clock_start=start, **FAST) as bot:
        await seed_cooperative(bot.services.db, people.sari.id, good_standing=False)
        await people.sari.wait_for(has("Rapat Anggota Tahunan"), timeout=10)
    # The same moment again after the restart: the reminder is still due and within its grace.
    async with launch(clock_start=start, **FAST):
        await asyncio.sleep(0.6)
    assert len(rat_reminders_sent(api, people.sari)) == 1


async def recorded_as_sent(database_path, fragment: str, timeout: float = 10.0) -> None:
    """Wait until the bot process has recorded its messages containing `fragment` as sent (a
    kill between Telegram's answer and that commit may repeat a message: at least once)."""
    db = await Database.open(database_path)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            rows = [r for r in await OutboxRepo(db).rows() if fragment in str(r.payload.get("text"))]
            if rows and all(r.status == "sent" for r in rows):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"not recorded as sent: {fragment!r}")
    finally:
        await db.close()


async def test_crash_after_sending_does_not_resend_on_restart(api, people, bot_process, database_path):
    db = await Database.open(database_path)
    await seed_cooperative(db, people.sari.id, good_standing=False)
    await db.close()
    env = dict(CLOCK_START="2026-03-24T08:00:01+07:00", REMINDER_TICK_SECONDS="0.1")
    proc = bot_process(**env)
    await proc.start()
    await people.sari.wait_for(has("Rapat Anggota Tahunan"), timeout=15)
    await recorded_as_sent(database_path, "Rapat Anggota Tahunan")
    await proc.kill()  # SIGKILL after the send was recorded: no clean shutdown
    # The restarted bot believes it is the same moment again: the reminder is still due and in grace.
    proc = bot_process(**env)
    await proc.start()
    await asyncio.sleep(1.0)  # ten ticks
    assert len(rat_reminders_sent(api, people.sari)) == 1, proc.log()
    await proc.stop()
