"""Meetings (/rapat): the rules, and the messages every manager of the cooperative receives.

Telegram-free. Invitations, answers, moves, cancellations and reminders (3 days, 1 day and
2 hours before) are outbox rows; reminders are claimed in `sent_reminders` with a key that
includes the meeting's version, so a moved meeting gets fresh reminders and a restart never
repeats one. Reminders whose time fell before the meeting was (re)scheduled are not owed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.core.buttons import Button, Keyboard, callback
from bot.core.outbox import Outbox
from bot.calendar.reminders import Clock
from bot.core.texts import Texts
from bot.core.when import meeting_reminder_times
from storage.cooperatives import CooperativeRepo, Manager
from storage.db import Database, Executor
from storage.meetings import Answer, Meeting, MeetingRepo
from storage.reminders import ReminderRepo
from storage.users import UserRepo

log = logging.getLogger(__name__)
PREFIX = "mtg"
KINDS: tuple[str, ...] = ("pengurus", "pengawas", "rat", "ralb")
TIME_CHOICES: tuple[str, ...] = ("08.00", "09.00", "10.00", "13.00", "14.00", "15.00", "16.00", "19.00")
DAYS_OFFERED = 9
LEADS: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=1), timedelta(hours=2))
MAX_AHEAD = timedelta(days=400)
MIN_AHEAD = timedelta(minutes=5)
PLACE_MAX, AGENDA_MAX = 300, 1500
MANAGING_ROLES = frozenset({"ketua"})  # besides the organiser, who may move or cancel a meeting


def date_choices(today: date, days: int = DAYS_OFFERED, now: datetime | None = None) -> list[date]:
    """The days offered as buttons; today only while one of its times is still ahead of `now`."""
    out = [today + timedelta(days=i) for i in range(days)]
    if now is not None and not time_choices(today, now):
        out = out[1:] + [today + timedelta(days=days)]
    return out


def time_choices(day: date, now: datetime) -> list[str]:
    """The keyboard's times that are still ahead of `now` on `day` (never a time already past)."""
    return [c for c in TIME_CHOICES
            if datetime.combine(day, parse_choice_time(c), tzinfo=now.tzinfo) >= now + MIN_AHEAD]


def short_notice(kind: str, start: datetime, now: datetime, notice_days: int) -> bool:
    """A members' meeting (RAT, RALB) called with less notice than the usual invitation period:
    Anggaran Dasar commonly ask for the invitation some days ahead, and members must be able to come."""
    return kind in ("rat", "ralb") and start - now < timedelta(days=notice_days)


def parse_choice_time(text: str) -> time | None:
    """A time from the keyboard ("09.00")."""
    if text not in TIME_CHOICES:
        return None
    hour, minute = text.split(".")
    return time(int(hour), int(minute))


def check_start(start: datetime, now: datetime) -> str | None:
    """Why a meeting cannot start then ('past', 'too_far'), or None."""
    if start < now + MIN_AHEAD:
        return "past"
    if start > now + MAX_AHEAD:
        return "too_far"
    return None


def can_manage(meeting: Meeting, user_id: int, role: str | None) -> bool:
    return meeting.organiser_id == user_id or role in MANAGING_ROLES


def reminder_key(meeting: Meeting, label: str) -> str:
    return f"meeting:{meeting.id}:v{meeting.version}:{label}"


def grace(lead: timedelta) -> timedelta:
    """After downtime a meeting reminder is still worth sending for half its lead time
    (36 h for the 3-day one, 1 h for the 2-hour one), and never once the meeting started."""
    return lead / 2


def due_reminder(meeting: Meeting, now: datetime, leads: tuple[timedelta, ...] = LEADS) -> tuple[str, datetime] | None:
    """The reminder the meeting owes at `now`: the latest one whose time has come, that was
    ahead when the meeting was (re)scheduled, within its grace, before the start."""
    if not meeting.is_active or now >= meeting.starts_at:
        return None
    owed = meeting_reminder_times(meeting.starts_at, meeting.scheduled_at, leads)
    late = [(label, at) for label, at in owed if at <= now and now - at <= grace(meeting.starts_at - at)]
    return late[-1] if late else None


@dataclass(frozen=True)
class Tally:
    yes: list[Manager]
    no: list[Manager]
    pending: list[Manager]


def tally(managers: list[Manager], answers: dict[int, Answer]) -> Tally:
    def having(a: str) -> list[Manager]:
        return [m for m in managers if m.user_id in answers and answers[m.user_id].answer == a]
    return Tally(having("yes"), having("no"), [m for m in managers if m.user_id not in answers])


def rsvp_buttons(texts: Texts, lang: str, meeting: Meeting) -> Keyboard:
    return [[Button(texts.plain(lang, "meetings.btn_yes"), callback(PREFIX, "rsvp", meeting.id, meeting.version, "yes")),
             Button(texts.plain(lang, "meetings.btn_no"), callback(PREFIX, "rsvp", meeting.id, meeting.version, "no"))]]


class MeetingService:
    def __init__(self, db: Database, outbox: Outbox, texts: Texts, tz: tzinfo, clock: Clock) -> None:
        self.db, self.outbox, self.texts, self.tz, self.clock = db, outbox, texts, tz, clock

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    async def language(self, user_id: int) -> str:
        user = await UserRepo(self.db).find(user_id)
        return (user.language if user and user.language else None) or self.texts.default_language

    async def recipients(self, cooperative_id: int) -> list[tuple[Manager, str]]:
        return [(m, await self.language(m.user_id)) for m in await CooperativeRepo(self.db).managers(cooperative_id)]

    async def details(self, meeting: Meeting, db: Executor | None = None) -> dict:
        """Values every meeting text takes (`db`: the transaction, when inside one)."""
        db = db or self.db
        coop = await CooperativeRepo(db).get(meeting.cooperative_id)
        user = await UserRepo(db).find(meeting.organiser_id)
        return {"kind": meeting.kind, "when": self.local(meeting.starts_at), "place": meeting.place,
                "agenda": meeting.agenda, "cooperative": coop.name,
                "organiser": (user.full_name if user else None) or str(meeting.organiser_id)}

    # What a manager may see: always their own cooperative's, never one named in button data --
    async def membership(self, user_id: int) -> Manager | None:
        return await CooperativeRepo(self.db).membership(user_id)

    async def own_meeting(self, user_id: int, meeting_id: int | None) -> tuple[Manager, Meeting] | None:
        """The meeting with the user's membership, if it is their cooperative's (else None)."""
        manager = await self.membership(user_id)
        meeting = await MeetingRepo(self.db).find(meeting_id) if meeting_id is not None else None
        if manager is None or meeting is None or meeting.cooperative_id != manager.cooperative_id:
            return None
        return manager, meeting

    async def upcoming(self, cooperative_id: int) -> list[Meeting]:
        return await MeetingRepo(self.db).upcoming(cooperative_id, self.clock.now())

    async def cooperative_name(self, cooperative_id: int) -> str:
        return (await CooperativeRepo(self.db).get(cooperative_id)).name

    async def invited(self, cooperative_id: int) -> int:
        """How many managers an invitation of this cooperative reaches."""
        return len(await CooperativeRepo(self.db).managers(cooperative_id))

    async def status(self, meeting: Meeting) -> tuple[Tally, dict[int, str]]:
        """Who answered what, and everyone's display name."""
        managers = await CooperativeRepo(self.db).managers(meeting.cooperative_id, active_only=False)
        answers = await MeetingRepo(self.db).answers(meeting.id)
        return tally(managers, answers), {m.user_id: m.full_name or str(m.user_id) for m in managers}

    # Changes, each told to every manager ----------------------------------------------------
    async def create(self, cooperative_id: int, organiser_id: int, kind: str, starts_at: datetime, place: str,
                     agenda: str | None) -> Meeting:
        if kind not in KINDS:
            raise ValueError(kind)
        recipients = await self.recipients(cooperative_id)
        async with self.db.transaction() as tx:
            meeting = await MeetingRepo(tx).create(cooperative_id, kind, starts_at, place, agenda, organiser_id,
                                                   self.clock.now())
            await self._tell(tx, meeting, recipients, "invite", "meetings.invitation", with_buttons=True)
        return meeting

    async def move(self, meeting: Meeting, starts_at: datetime) -> Meeting:
        recipients = await self.recipients(meeting.cooperative_id)
        async with self.db.transaction() as tx:
            old = self.local(meeting.starts_at)
            moved = await MeetingRepo(tx).move(meeting.id, starts_at, self.clock.now())
            await self._tell(tx, moved, recipients, "moved", "meetings.moved", with_buttons=True, old=old)
        return moved

    async def cancel(self, meeting: Meeting) -> bool:
        recipients = await self.recipients(meeting.cooperative_id)
        async with self.db.transaction() as tx:
            if not await MeetingRepo(tx).cancel(meeting.id):
                return False
            await self._tell(tx, meeting, recipients, "cancelled", "meetings.cancelled_notice", with_buttons=False)
        return True

    async def answer(self, meeting: Meeting, user_id: int, answer: str) -> bool:
        """Record the answer; when it changed, tell the organiser who answered what so far."""
        changed = await MeetingRepo(self.db).answer(meeting.id, user_id, answer)
        if changed and user_id != meeting.organiser_id:
            counts, names = await self.status(meeting)
            lang = await self.language(meeting.organiser_id)
            html = self.texts.render(lang, "meetings.answer_notice", who=names.get(user_id, str(user_id)),
                                     answer=answer, tally=counts, names=names, **await self.details(meeting))
            await self.outbox.send_text(meeting.organiser_id, html, kind="meeting_answer", ref=("meeting", meeting.id))
        return changed

    async def _tell(self, tx: Executor, meeting: Meeting, recipients: list[tuple[Manager, str]], event: str, template: str,
                    with_buttons: bool, **extra: object) -> None:
        values = {**await self.details(meeting, tx), **extra}
        outbox = self.outbox.bind(tx)
        for manager, lang in recipients:
            keyboard = rsvp_buttons(self.texts, lang, meeting) if with_buttons else None
            html = self.texts.render(lang, template, **values)
            await outbox.send_text(manager.user_id, html, kind=f"meeting_{event}", keyboard=keyboard,
                                   dedupe_key=f"meeting:{meeting.id}:v{meeting.version}:{event}:{manager.user_id}",
                                   ref=("meeting", meeting.id))

    # The tick ------------------------------------------------------------------------------
    async def tick(self) -> int:
        """Queue the meeting reminders owed now; returns how many meetings were reminded."""
        now = self.clock.now()
        sent = 0
        for meeting in await MeetingRepo(self.db).starting_between(now, now + max(LEADS) + timedelta(minutes=1)):
            try:
                due = due_reminder(meeting, now)
                if due is None or await ReminderRepo(self.db).is_claimed(reminder_key(meeting, due[0])):
                    continue
                sent += await self._remind(meeting, due[0])
            except Exception:
                log.exception("meeting reminder %s", meeting.id)
        return sent

    async def _remind(self, meeting: Meeting, label: str) -> int:
        answers = await MeetingRepo(self.db).answers(meeting.id)
        recipients = [(m, lang) for m, lang in await self.recipients(meeting.cooperative_id)
                      if not (m.user_id in answers and answers[m.user_id].answer == "no")]
        key = reminder_key(meeting, label)
        async with self.db.transaction() as tx:
            if not await ReminderRepo(tx).claim(key, meeting.cooperative_id, "meeting", len(recipients)):
                return 0
            values = await self.details(meeting, tx)
            outbox = self.outbox.bind(tx)
            for manager, lang in recipients:
                answered = manager.user_id in answers
                html = self.texts.render(lang, "meetings.reminder", lead=label, answered=answered, **values)
                await outbox.send_text(manager.user_id, html, kind="meeting_reminder",
                                       keyboard=None if answered else rsvp_buttons(self.texts, lang, meeting),
                                       dedupe_key=f"{key}:{manager.user_id}", ref=("meeting", meeting.id))
        return 1


# Privacy: what meetings keep about a person ----------------------------------------------------
async def export_meetings(db: Executor, user_id: int) -> tuple[str, object]:
    repo = MeetingRepo(db)
    organised = [{"id": m.id, "kind": m.kind, "starts_at": m.starts_at.isoformat(), "place": m.place,
                  "agenda": m.agenda, "status": m.status} for m in await repo.organised_by(user_id)]
    return "meetings", {"organised": organised, "answers": await repo.answers_by(user_id)}


async def forget_answers(tx: Executor, user_id: int) -> None:
    """Attendance answers are the person's; meetings they organised stay with the cooperative."""
    await MeetingRepo(tx).forget_answers_of(user_id)
