"""Meeting rules (which reminder is owed when, who may change a meeting) and the meeting
service over a real temp database: invitations, answers, moves, cancellations, reminders once."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.meetings import MeetingService, can_manage, check_start, date_choices, due_reminder, reminder_key, tally
from bot.onboarding.service import new_join_code
from bot.core.outbox import Outbox
from bot.calendar.reminders import Clock
from bot.core.texts import Texts
from storage.cooperatives import CooperativeRepo, Manager
from storage.meetings import Answer, Meeting, MeetingRepo
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
WIB = ZoneInfo("Asia/Jakarta")
SARI, ANDI, DEWI = 1001, 1002, 1003


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def meeting(start: datetime, scheduled: datetime, status: str = "scheduled", version: int = 1) -> Meeting:
    return Meeting(7, 1, "pengurus", start, "Aula", None, SARI, status, version, scheduled)


START = wib(2026, 3, 25, 9)


@pytest.mark.parametrize("now, expected", [
    (START - timedelta(days=3, minutes=1), None),
    (START - timedelta(days=3), "3d"),
    (START - timedelta(days=2), "3d"),  # still the latest owed; sending is idempotent by key
    (START - timedelta(days=1), "1d"),
    (START - timedelta(hours=12, minutes=1), "1d"),
    (START - timedelta(hours=11, minutes=59), None),  # the 1-day one missed by more than its 12 h grace
    (START - timedelta(hours=2), "2h"),
    (START - timedelta(minutes=61), "2h"),
    (START - timedelta(minutes=59), None),  # the 2-hour one is worth sending for 1 hour
    (START, None),  # started: nothing
])
def test_due_reminder_for_a_meeting_planned_a_week_ahead(now, expected):
    got = due_reminder(meeting(START, START - timedelta(days=7)), now)
    assert (got[0] if got else None) == expected


def test_reminders_older_than_the_meeting_itself_are_not_owed():
    planned_late = meeting(START, START - timedelta(hours=30))  # created 30 h before: no 3-day reminder
    assert due_reminder(planned_late, START - timedelta(hours=29)) is None
    assert due_reminder(planned_late, START - timedelta(hours=24))[0] == "1d"
    assert due_reminder(meeting(START, START - timedelta(days=7), status="cancelled"), START - timedelta(hours=2)) is None


def test_keys_change_with_the_version():
    assert reminder_key(meeting(START, START, version=1), "1d") != reminder_key(meeting(START, START, version=2), "1d")


def test_check_start_and_permissions():
    now = wib(2026, 3, 20, 10)
    assert check_start(now - timedelta(hours=1), now) == "past"
    assert check_start(now + timedelta(minutes=2), now) == "past"
    assert check_start(now + timedelta(days=2), now) is None
    assert check_start(now + timedelta(days=500), now) == "too_far"
    m = meeting(START, now)
    assert can_manage(m, SARI, "bendahara") and can_manage(m, ANDI, "ketua") and not can_manage(m, ANDI, "bendahara")
    assert date_choices(now.date())[0] == now.date() and len(date_choices(now.date())) == 9


def test_tally():
    managers = [Manager(uid, 1, "ketua", "", str(uid), True) for uid in (SARI, ANDI, DEWI)]
    result = tally(managers, {ANDI: Answer(ANDI, "yes", ""), DEWI: Answer(DEWI, "no", "")})
    assert ([m.user_id for m in result.yes], [m.user_id for m in result.no], [m.user_id for m in result.pending]) == (
        [ANDI], [DEWI], [SARI])


# --------------------------------------------------------------------------- the service

async def make_coop(db):
    users, coops = UserRepo(db), CooperativeRepo(db)
    coop = await coops.create(dict(name="Kopkar Maju", nik=None, kind="karyawan", company=None, estate="MM2100",
                                   kecamatan="Setu", members=100, fy_end_month=12), new_join_code())
    for uid, name, role in ((SARI, "Sari", "ketua"), (ANDI, "Andi", "bendahara"), (DEWI, "Dewi", "pengawas")):
        await users.set_language(uid, "id")
        await users.grant_consent(uid, "test", name, None)
        await coops.add_manager(coop.id, uid, role)
    return coop


async def rows(db, kind: str | None = None) -> list[dict]:
    return [asdict(r) for r in await OutboxRepo(db).rows(kind)]


async def test_invite_answer_move_cancel(db):
    coop = await make_coop(db)
    clock = Clock(wib(2026, 3, 18, 10))
    svc = MeetingService(db, Outbox(db), Texts(), WIB, clock)
    m = await svc.create(coop.id, SARI, "pengurus", wib(2026, 3, 25, 9), "Ruang <rapat>", "SHU & anggaran", )
    invites = await rows(db, "meeting_invite")
    assert sorted(r["chat_id"] for r in invites) == [SARI, ANDI, DEWI]
    text = invites[0]["payload"]["text"]
    assert "Rabu, 25 Maret 2026 pukul 09.00 WIB" in text and "Ruang &lt;rapat&gt;" in text and "SHU &amp; anggaran" in text
    assert [b["callback_data"] for b in invites[0]["payload"]["reply_markup"]["inline_keyboard"][0]] == [
        f"mtg:rsvp:{m.id}:1:yes", f"mtg:rsvp:{m.id}:1:no"]

    assert await svc.answer(m, ANDI, "yes") is True
    assert await svc.answer(m, ANDI, "yes") is False  # a retried press tells nobody twice
    assert await svc.answer(m, SARI, "yes") is True  # the organiser is not told of their own answer
    notices = await rows(db, "meeting_answer")
    assert len(notices) == 1 and notices[0]["chat_id"] == SARI
    assert "Andi menjawab <b>hadir</b>" in notices[0]["payload"]["text"] and "Belum menjawab (2)" in notices[0]["payload"]["text"]
    counts, _ = await svc.status(m)
    assert sorted(x.user_id for x in counts.yes) == [SARI, ANDI]

    moved = await svc.move(m, wib(2026, 3, 26, 13))
    assert moved.version == 2 and await MeetingRepo(db).answers(m.id) == {}
    notices = await rows(db, "meeting_moved")
    assert len(notices) == 3 and "Semula Rabu, 25 Maret 2026" in notices[0]["payload"]["text"]
    assert notices[0]["payload"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"mtg:rsvp:{m.id}:2:yes"

    assert await svc.cancel(moved) is True
    assert await svc.cancel(moved) is False
    assert len(await rows(db, "meeting_cancelled")) == 3
    assert (await MeetingRepo(db).get(m.id)).status == "cancelled"


async def test_meeting_reminders_once_not_to_those_who_declined(db):
    coop = await make_coop(db)
    clock = Clock(wib(2026, 3, 18, 10))
    svc = MeetingService(db, Outbox(db), Texts(), WIB, clock)
    m = await svc.create(coop.id, SARI, "rat", wib(2026, 3, 25, 9), "Aula", None)
    await svc.answer(m, DEWI, "no")
    await svc.answer(m, ANDI, "yes")
    assert await svc.tick() == 0
    clock.set(wib(2026, 3, 22, 9, 0, 30))
    assert await svc.tick() == 1
    assert await svc.tick() == 0
    # A restart (a new service, same database) sends nothing again.
    assert await MeetingService(db, Outbox(db), Texts(), WIB, clock).tick() == 0
    reminders = await rows(db, "meeting_reminder")
    assert sorted(r["chat_id"] for r in reminders) == [SARI, ANDI]
    by_chat = {r["chat_id"]: r["payload"] for r in reminders}
    assert "3 hari lagi" in by_chat[ANDI]["text"] and "reply_markup" not in by_chat[ANDI]  # already answered
    assert "belum menjawab" in by_chat[SARI]["text"] and "reply_markup" in by_chat[SARI]
    clock.set(wib(2026, 3, 25, 7, 0, 30))
    assert await svc.tick() == 1
    keys = {k for k in await ReminderRepo(db).claimed_keys(coop.id) if k.startswith("meeting:")}
    assert keys == {f"meeting:{m.id}:v1:3d", f"meeting:{m.id}:v1:2h"}  # the 1-day one was missed beyond grace
    # Moved: fresh reminders with the new version.
    moved = await svc.move(m, wib(2026, 3, 27, 9))
    clock.set(wib(2026, 3, 26, 9, 0, 30))
    assert await svc.tick() == 1
    assert reminder_key(moved, "1d") in await ReminderRepo(db).claimed_keys(coop.id)
