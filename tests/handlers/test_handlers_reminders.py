"""Reminders through real Updates: a reminder comes due and "Sudah" stops it (the RAT date is
asked, the report reminder starts), the other manager's copy goes stale, snooze, /jadwal, the
"RAT sudah dilaksanakan?" question with the consultant alert, and forged presses.

Time is the bot's own clock (`services.clock`); the tick that the job queue runs in production
is called directly, and the outbox drained, so nothing waits. (That the job itself fires, and a
restart or a crash sends nothing twice: tests/e2e/test_reminders.py.)"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage.consultants import ConsultantRepo
from storage.reminders import ReminderRepo
from tests.e2e.harness import CONSULTANT_ID, MANAGER_ID, OUTSIDER_ID, SECOND_MANAGER_ID, STAFF_CHAT_ID, seed_cooperative
from tests.handlers.chat import Person

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


async def at(app, moment: datetime) -> None:
    """The clock moves to `moment`, one reminder tick runs and what it queued is delivered."""
    svc = app.bot_data["services"]
    svc.clock.set(moment)
    await svc.reminders.tick()
    await svc.delivery.drain(10)


def with_text(person: Person, *fragments: str) -> list:
    return [m for m in person.messages() if all(f.lower() in m.text.lower() for f in fragments)]


def labels(message) -> list[str]:
    return [b["text"] for row in message.keyboard for b in row]


async def test_reminder_sudah_rat_date_stale_copy_snooze_and_schedule(app, api):
    db = app.bot_data["services"].db
    coop = await seed_cooperative(db, MANAGER_ID, extra_managers={SECOND_MANAGER_ID: "Andi"}, good_standing=False)
    sari, andi = Person(app, api, MANAGER_ID), Person(app, api, SECOND_MANAGER_ID, "Andi")
    await at(app, wib(2026, 3, 24, 8, 0, 1))  # 7 days before the RAT target (31 March)
    [reminder] = with_text(sari, "Rapat Anggota Tahunan", "7 hari lagi")
    assert labels(reminder) == ["✅ Sudah", "⏰ Ingatkan besok"] and "30 Juni 2026" in reminder.text
    [andis] = with_text(andi, "Rapat Anggota Tahunan")

    await sari.press("✅ Sudah")
    assert "Tanggal berapa" in sari.last and "RAT tahun buku 2025" in sari.last
    for typed, answer in (("31 desember 2025", "harus setelah itu"), ("besok lusa", "belum bisa saya baca")):
        await sari.send(typed)
        assert answer in sari.last
    await sari.send("kemarin")
    assert "tercatat dilaksanakan" in sari.last and "23 Maret 2026" in sari.last and "23 April 2026" in sari.last

    await andi.press("✅ Sudah")  # the other manager's copy is stale now
    assert "sudah tercatat" in andi.answers()[-1].lower()
    stale = next(m for m in andi.messages() if m.message_id == andis.message_id)
    assert not stale.keyboard and "Rapat Anggota Tahunan" in stale.text

    for moment in (wib(2026, 3, 30, 8, 0, 1), wib(2026, 3, 31, 8, 0, 1)):  # no more RAT reminders
        await at(app, moment)
    await at(app, wib(2026, 4, 9, 8, 0, 1))  # 14 days before 23 April
    [report] = with_text(sari, "Laporan hasil RAT", "14 hari lagi")
    assert {k for k in await ReminderRepo(db).claimed_keys(coop.id) if ":rat:" in k} == {f"{coop.id}:rat:2025:7"}

    await sari.press("⏰ Ingatkan besok")
    snoozed = next(m for m in sari.messages() if m.message_id == report.message_id)
    assert "ingatkan lagi" in snoozed.text and "Laporan hasil RAT" in snoozed.text and not snoozed.keyboard
    await at(app, wib(2026, 4, 10, 8, 0, 1))
    again = with_text(sari, "Laporan hasil RAT")[-1]
    assert again.message_id != report.message_id and labels(again) == ["✅ Sudah", "⏰ Ingatkan besok"]
    await sari.press("✅ Sudah")
    assert with_text(sari, "dicatat sudah selesai")

    await sari.send("/jadwal")
    assert "selesai (23 Maret 2026)" in sari.last and "selesai (10 April 2026)" in sari.last


async def test_rat_question_consultant_alert_once_and_forged_presses(app, api):
    db = app.bot_data["services"].db
    await ConsultantRepo(db).upsert(CONSULTANT_ID, "Budi", "budi_pendamping")
    await ConsultantRepo(db).set_areas(CONSULTANT_ID, ["Cikarang Barat"])
    # followed since January: a fair chance to answer has passed (a newcomer: tests/unit/test_reminders.py)
    coop = await seed_cooperative(db, MANAGER_ID, good_standing=False, registered_at="2026-01-15T00:00:00Z")
    sari = Person(app, api, MANAGER_ID)
    for _ in range(2):  # a second tick at the same moment queues nothing again
        await at(app, wib(2026, 7, 1, 9))
    [ask] = with_text(sari, "sudah dilaksanakan?")
    assert labels(ask) == ["✅ Sudah", "⏰ Ingatkan besok"]
    staff = Person(app, api, CONSULTANT_ID, "Budi").in_group(STAFF_CHAT_ID)
    [alert] = with_text(staff, "RAT belum tercatat", "Kopkar Sejahtera Mandiri")
    assert "Cikarang Barat" in alert.text and f"tg://user?id={CONSULTANT_ID}" in alert.html

    eko = Person(app, api, OUTSIDER_ID, "Eko")
    await eko.send("/jadwal")
    assert "pengurus koperasi yang sudah terdaftar" in eko.last
    await eko.press_data("rem:done:rat:2025")
    assert "pengurus" in eko.answers()[-1]
    for data in ("rem:done:rat", "rem:done:no-such:2025", "rem:held:2026-06-30", "rem"):
        await sari.press_data(data)
    assert not with_text(sari, "tercatat dilaksanakan")
    assert await app.bot_data["services"].reminders.open_obligation(coop, "rat", "2025") is not None
