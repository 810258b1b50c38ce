"""Obligation reminders over a real temp database: what the tick queues, once; catch-up after
downtime within the grace period; "Sudah", snooze, the RAT follow-up and the consultant alert."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.onboarding.service import new_join_code
from bot.core.outbox import Outbox
from bot.calendar.reminders import Clock, ReminderService, records_from
from bot.core.texts import Texts
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.meetings import MeetingRepo
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
WIB = ZoneInfo("Asia/Jakarta")
STAFF = -1001234567890
SARI, ANDI, BUDI = 1001, 1002, 2001


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


async def make_coop(db, fy_end_month: int = 12, kecamatan: str = "Cikarang Barat"):
    users, coops = UserRepo(db), CooperativeRepo(db)
    coop = await coops.create(dict(name="Kopkar Maju", nik=None, kind="karyawan", company="PT Maju", estate="MM2100",
                                   kecamatan=kecamatan, members=100, fy_end_month=fy_end_month), new_join_code())
    for uid, name, role, lang in ((SARI, "Sari", "ketua", "id"), (ANDI, "Andi", "bendahara", "en")):
        await users.set_language(uid, lang)
        await users.grant_consent(uid, "test", name, None)
        await coops.add_manager(coop.id, uid, role)
    return coop


def service(db, now: datetime, staff: int | None = STAFF) -> ReminderService:
    return ReminderService(db, Outbox(db), Texts(), WIB, Clock(now), staff)


async def outbox_rows(db) -> list[dict]:
    return [asdict(r) for r in await OutboxRepo(db).rows()]


async def test_tick_queues_the_due_reminder_once_for_every_manager(db):
    coop = await make_coop(db)
    svc = service(db, wib(2026, 3, 1, 8, 0, 30))
    report = await svc.tick()
    assert (report.reminders, report.messages, report.errors) == (1, 2, [])
    rows = await outbox_rows(db)
    assert sorted(r["chat_id"] for r in rows) == [SARI, ANDI]
    sari = next(r for r in rows if r["chat_id"] == SARI)
    assert "RAT tahun buku 2025" in sari["payload"]["text"] and "31 Maret 2026" in sari["payload"]["text"]
    buttons = sari["payload"]["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["rem:done:rat:2025", "rem:snooze:rat:2025"]
    assert [b["text"] for b in buttons] == ["✅ Sudah", "⏰ Ingatkan besok"]
    andi = next(r for r in rows if r["chat_id"] == ANDI)
    assert "financial year 2025" in andi["payload"]["text"]  # each manager in their language
    assert (await svc.tick()).messages == 0
    # A restart: a new service on the same database sends nothing again.
    assert (await service(db, wib(2026, 3, 1, 9)).tick()).messages == 0
    assert len(await outbox_rows(db)) == 2
    assert await ReminderRepo(db).claimed_keys(coop.id) == {f"{coop.id}:rat:2025:30"}


async def test_nothing_before_the_sending_hour(db):
    await make_coop(db)
    assert (await service(db, wib(2026, 3, 1, 7, 59)).tick()).messages == 0


async def test_catch_up_after_downtime_sends_only_the_latest_within_grace(db):
    coop = await make_coop(db)
    # Down from 29 March to 31 March 10:00: the 1-day and the on-the-day reminder were missed.
    await service(db, wib(2026, 3, 31, 10)).tick()
    keys = await ReminderRepo(db).claimed_keys(coop.id)
    assert {k for k in keys if ":rat:" in k} == {f"{coop.id}:rat:2025:0"}
    # The same morning other obligations are due too: the quarter's review, 30 days to the tax return.
    assert keys - {f"{coop.id}:rat:2025:0"} == {f"{coop.id}:pengawas_review:2026-03:0", f"{coop.id}:tax_return:2025:30"}
    texts = [r["payload"]["text"] for r in await outbox_rows(db) if r["chat_id"] == SARI and "RAT" in r["payload"]["text"]]
    assert len(texts) == 1 and "Hari ini" in texts[0]


async def test_after_the_grace_period_a_missed_reminder_is_dropped_but_the_question_comes(db):
    coop = await make_coop(db)
    report = await service(db, wib(2026, 4, 1, 20, 1)).tick()  # 36 h 01 min after the last RAT reminder
    assert report.asks == 1
    keys = await ReminderRepo(db).claimed_keys(coop.id)
    assert {k for k in keys if ":rat:" in k} == {f"{coop.id}:rat:2025:ask:2026-03-31:0"}
    sari = next(r for r in await outbox_rows(db) if r["chat_id"] == SARI and "RAT" in r["payload"]["text"])
    assert "sudah dilaksanakan?" in sari["payload"]["text"]
    assert sari["payload"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rem:done:rat:2025"


async def test_rat_done_stops_rat_reminders_and_starts_the_report_reminder(db):
    coop = await make_coop(db)
    svc = service(db, wib(2026, 3, 20, 9))
    rat = await svc.open_obligation(coop, "rat", "2025")
    assert svc.check_rat_date(coop, rat, date(2026, 3, 21)) == "future"
    assert svc.check_rat_date(coop, rat, date(2025, 12, 31)) == "before_year_end"
    assert svc.check_rat_date(coop, rat, date(2026, 3, 14)) is None
    report = await svc.mark_done(coop, rat, date(2026, 3, 14), SARI)
    assert (report.id, report.period, report.due) == ("rat_report", "2025", date(2026, 4, 14))
    assert await svc.open_obligation(coop, "rat", "2025") is None
    # 24 March: the RAT's 7-day reminder would be due, but it is done; nothing for the RAT, ever.
    for day in (24, 30, 31):
        await service(db, wib(2026, 3, day, 8, 1)).tick()
    await service(db, wib(2026, 4, 8, 9)).tick()
    keys = await ReminderRepo(db).claimed_keys(coop.id)
    assert not any(k.startswith(f"{coop.id}:rat:") for k in keys)
    assert f"{coop.id}:rat_report:2025:7" in keys  # 7 April, 7 days before 14 April


async def test_snooze_sends_tomorrow_morning(db):
    coop = await make_coop(db)
    svc = service(db, wib(2026, 3, 24, 8, 5))
    await svc.tick()
    rat = await svc.open_obligation(coop, "rat", "2025")
    until = await svc.snooze(coop, rat, SARI)
    assert until == wib(2026, 3, 25, 8)
    assert (await service(db, wib(2026, 3, 25, 7, 59)).tick()).reminders == 0
    assert (await service(db, wib(2026, 3, 25, 8, 0, 10)).tick()).reminders == 1
    assert f"{coop.id}:rat:2025:snooze-202603250800" in await ReminderRepo(db).claimed_keys(coop.id)


async def test_other_obligations_done_with_today(db):
    coop = await make_coop(db)
    svc = service(db, wib(2026, 4, 25, 9))
    tax = await svc.open_obligation(coop, "tax_return", "2025")
    assert tax is not None and tax.due == date(2026, 4, 30)
    assert await svc.mark_done(coop, tax, svc.today(), ANDI) is None
    assert await svc.open_obligation(coop, "tax_return", "2025") is None
    assert await svc.open_obligation(coop, "tax_return", "1999") is None  # a forged period


async def test_consultant_alert_after_the_legal_limit_once(db):
    coop = await make_coop(db)
    await ConsultantRepo(db).upsert(BUDI, "Budi", "budi")
    await ConsultantRepo(db).set_areas(BUDI, ["Cikarang Barat"])
    report = await service(db, wib(2026, 7, 1, 9)).tick()
    assert (report.asks, report.alerts) == (1, 1)
    staff = [r for r in await outbox_rows(db) if r["chat_id"] == STAFF]
    assert len(staff) == 1
    text = staff[0]["payload"]["text"]
    assert "Kopkar Maju" in text and "30 Juni 2026" in text and 'tg://user?id=2001' in text
    assert (await service(db, wib(2026, 7, 2, 9)).tick()).alerts == 0


async def test_alert_names_no_one_when_the_kecamatan_is_not_covered_and_waits_without_staff_group(db):
    await make_coop(db, kecamatan="Setu")
    assert (await service(db, wib(2026, 7, 1, 9), staff=None).tick()).alerts == 0
    await service(db, wib(2026, 7, 1, 9)).tick()
    staff = [r for r in await outbox_rows(db) if r["chat_id"] == STAFF]
    assert "/wilayah" in staff[0]["payload"]["text"]


async def test_june_year_end(db):
    coop = await make_coop(db, fy_end_month=6)
    svc = service(db, wib(2026, 9, 1, 8, 30))  # FY 2026 ended 30 June; RAT target 30 September
    await svc.tick()
    assert await ReminderRepo(db).claimed_keys(coop.id) == {f"{coop.id}:rat:2026:30"}


async def test_a_scheduled_rat_meeting_postpones_the_question(db):
    coop = await make_coop(db)
    await MeetingRepo(db).create(coop.id, "rat", wib(2026, 4, 20, 9), "Aula", None, SARI)
    assert (await service(db, wib(2026, 4, 10, 9)).tick()).asks == 0
    assert (await service(db, wib(2026, 4, 21, 9)).tick()).asks == 1


def test_records_from_maps_rat_and_report_dates():
    from storage.reminders import DoneRecord
    done = [DoneRecord(1, "rat", "2025", date(2026, 3, 2), 1, ""), DoneRecord(1, "rat_report", "2025", date(2026, 3, 20), 1, ""),
            DoneRecord(1, "tax_return", "2025", date(2026, 4, 2), 1, "")]
    records = records_from(done, {}, [], 12, WIB)
    assert records.rat_held_on == {2025: date(2026, 3, 2)} and records.rat_reported_on == {2025: date(2026, 3, 20)}
    assert ("tax_return", "2025") in records.done


def test_clock_can_be_set_and_advanced():
    clock = Clock(wib(2026, 3, 1, 8))
    assert abs(clock.now() - wib(2026, 3, 1, 8)) < timedelta(seconds=1)
    clock.advance(timedelta(days=1))
    assert abs(clock.now() - wib(2026, 3, 2, 8)) < timedelta(seconds=1)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 3, 1))


async def test_a_new_cooperative_is_asked_the_next_morning_and_staff_wait_for_the_grace_period(db):
    """Issue 11 point 2: no 'was the RAT held?' in the middle of the first conversation and no
    staff alarm on day one; both come once the cooperative had a fair chance to answer."""
    from datetime import timedelta
    newcomer = await make_coop(db)  # registered just now (wall clock)
    await ConsultantRepo(db).upsert(BUDI, "Budi", "budi")
    await ConsultantRepo(db).set_areas(BUDI, ["Cikarang Barat"])

    def settled(db, now):
        return ReminderService(db, Outbox(db), Texts(), WIB, Clock(now), STAFF, first_question_next_morning=True,
                               staff_alert_grace=timedelta(days=7))
    report = await settled(db, wib(2026, 7, 1, 9)).tick()  # RAT 2025 past its legal limit
    assert (report.asks, report.alerts) == (0, 0)
    claimed = await ReminderRepo(db).claimed_keys(newcomer.id)
    assert not [k for k in claimed if ":ask:" in k or k.endswith(":alert")]  # held back, not dropped
    veteran = await CooperativeRepo(db).create(dict(name="Kopkar Lama", nik=None, kind="karyawan", company="PT Lama",
                                                    estate="MM2100", kecamatan="Cikarang Barat", members=100,
                                                    fy_end_month=12), new_join_code(),
                                               created_at="2026-01-15T00:00:00Z")
    await UserRepo(db).grant_consent(SARI + 100, "test", "Lama", None)
    await CooperativeRepo(db).add_manager(veteran.id, SARI + 100, "ketua")
    report = await settled(db, wib(2026, 7, 1, 9)).tick()
    assert (report.asks, report.alerts) == (1, 1)  # the veteran only
