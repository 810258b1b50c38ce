"""Reminders end to end: a reminder fires and "Sudah" stops it (the RAT date is asked, the report
reminder starts), snooze, the "RAT sudah dilaksanakan?" question and the consultant alert in the
staff group, and a crash after sending that does not make the restarted bot send it again.

Time is driven through the bot's own clock (setting CLOCK_START, `services.clock`)
with a fast tick (REMINDER_TICK_SECONDS); nothing of ours is patched."""
from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.consultants import ConsultantRepo
from storage.db import Database
from storage.reminders import ReminderRepo
from tests.e2e.harness import CONSULTANT_ID, SECOND_MANAGER_ID, seed_cooperative

WIB = ZoneInfo("Asia/Jakarta")
FAST = dict(reminder_tick_seconds=0.1)


def has(*fragments: str):
    return lambda m: all(f.lower() in m.text.lower() for f in fragments)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


async def test_reminder_fires_and_sudah_stops_it(launch, people):
    sari, andi = people.sari, people.andi
    async with launch(clock_start=wib(2026, 3, 24, 7, 59, 58), **FAST) as bot:
        db = bot.services.db
        coop = await seed_cooperative(db, sari.id, extra_managers={SECOND_MANAGER_ID: "Andi"}, good_standing=False)
        clock = bot.services.clock
        # 7 days before the RAT target (31 March): both managers get it at 08:00 with the buttons.
        reminder = await sari.wait_for(has("Rapat Anggota Tahunan", "7 hari lagi"), timeout=10)
        assert reminder.buttons == [["✅ Sudah", "⏰ Ingatkan besok"]]
        assert "30 Juni 2026" in reminder.text  # the legal limit is named
        andis = await andi.wait_for(has("Rapat Anggota Tahunan"))

        await sari.press("✅ Sudah", reminder)
        await sari.wait_for(has("Tanggal berapa", "RAT tahun buku 2025"))
        await sari.send("31 desember 2025")  # before the year it reports on ended
        await sari.wait_for(has("harus setelah itu"))
        await sari.send("besok lusa")
        await sari.wait_for(has("belum bisa saya baca"))
        await sari.send("kemarin")
        done = await sari.wait_for(has("tercatat dilaksanakan"))
        assert "23 Maret 2026" in done.text and "23 April 2026" in done.text  # report within a month

        # The other manager's copy is stale now: a polite answer, nothing changes.
        toast = await andi.press("✅ Sudah", andis)
        assert toast.text and "sudah tercatat" in toast.text.lower()
        stale = await andi.wait_for(lambda m: m.edited and m.message_id == andis.message_id)
        assert not stale.keyboard and "Rapat Anggota Tahunan" in stale.text

        # The 1-day and on-the-day RAT reminders never come; the report reminder does.
        for moment in (wib(2026, 3, 30, 8, 0, 1), wib(2026, 3, 31, 8, 0, 1)):
            clock.set(moment)
            await asyncio.sleep(0.4)
        clock.set(wib(2026, 4, 9, 8, 0, 1))  # 14 days before 23 April
        report = await sari.wait_for(has("Laporan hasil RAT", "14 hari lagi"), timeout=10)
        keys = await ReminderRepo(db).claimed_keys(coop.id)
        assert {k for k in keys if ":rat:" in k} == {f"{coop.id}:rat:2025:7"}
        assert not [m for m in sari.messages if "Rapat Anggota Tahunan" in m.text and m.date and "1 hari" in m.text]

        # Snooze: the message keeps its text, loses its buttons, and the reminder comes tomorrow.
        await sari.press("⏰ Ingatkan besok", report)
        snoozed = await sari.wait_for(lambda m: m.edited and m.message_id == report.message_id)
        assert "ingatkan lagi" in snoozed.text and "Laporan hasil RAT" in snoozed.text and not snoozed.keyboard
        clock.set(wib(2026, 4, 10, 8, 0, 1))
        again = await sari.wait_for(has("Laporan hasil RAT"), timeout=10)
        assert again.buttons == [["✅ Sudah", "⏰ Ingatkan besok"]]
        await sari.press("✅ Sudah", again)
        await sari.wait_for(lambda m: m.edited and "dicatat sudah selesai" in m.text)

        await sari.command("/jadwal")
        schedule = await sari.wait_for(has("Jadwal Kopkar"))
        assert "selesai (23 Maret 2026)" in schedule.text and "selesai (10 April 2026)" in schedule.text


async def test_rat_question_and_consultant_alert_after_the_legal_limit(launch, people):
    sari = people.sari
    async with launch(clock_start=wib(2026, 7, 1, 9), **FAST) as bot:
        db = bot.services.db
        await ConsultantRepo(db).upsert(CONSULTANT_ID, "Budi", "budi_pendamping")
        await ConsultantRepo(db).set_areas(CONSULTANT_ID, ["Cikarang Barat"])
        # followed since January: a fair chance to answer has passed (a newcomer: tests/unit/test_reminders.py)
        await seed_cooperative(db, sari.id, good_standing=False, registered_at="2026-01-15T00:00:00Z")
        ask = await sari.wait_for(has("sudah dilaksanakan?"), timeout=10)
        assert ask.buttons == [["✅ Sudah", "⏰ Ingatkan besok"]]
        alert = await people.staff.wait_for(has("RAT belum tercatat", "Kopkar Sejahtera Mandiri"))
        assert "Cikarang Barat" in alert.text and f"tg://user?id={CONSULTANT_ID}" in alert.html
        await asyncio.sleep(0.4)
        assert len([m for m in people.staff.messages() if "RAT belum tercatat" in m.text]) == 1
        # Outsiders and stale data: a forged button press from someone without a cooperative.
        await people.eko.command("/jadwal")
        hint = await people.eko.wait_for(has("pengurus koperasi yang sudah terdaftar"))
        toast = await bot.api.press_data(people.eko, hint, "rem:done:rat:2025")
        assert "pengurus" in (toast.text or "")


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


async def test_crash_after_sending_does_not_resend_on_restart(api, people, bot_process, database_path):
    db = await Database.open(database_path)
    await seed_cooperative(db, people.sari.id, good_standing=False)
    await db.close()
    env = dict(CLOCK_START="2026-03-24T08:00:01+07:00", REMINDER_TICK_SECONDS="0.1")
    proc = bot_process(**env)
    await proc.start()
    await people.sari.wait_for(has("Rapat Anggota Tahunan"), timeout=15)
    await proc.kill()  # SIGKILL: no clean shutdown
    # The restarted bot believes it is the same moment again: the reminder is still due and in grace.
    proc = bot_process(**env)
    await proc.start()
    await asyncio.sleep(1.0)  # ten ticks
    assert len(rat_reminders_sent(api, people.sari)) == 1, proc.log()
    await proc.stop()
