"""Obligation reminders: which are due now for which cooperative, queued once.

Telegram-free. The date rules are `bot.calendar.obligations` (data file `bot/calendar/data/obligations.toml`);
this module turns the database records into its `Records`, asks it what is due at `now`, and
queues outbox rows. Idempotency: every reminder, follow-up and alert has a stable key that is
claimed in `sent_reminders` in the same transaction as its outbox rows, so a retried tick, a
crash or a restart never sends one twice. After downtime only the latest missed reminder of an
obligation is sent, and only within the rule's grace period (`Obligation.missed_reminders`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from bot.core.buttons import Button, Keyboard, callback
from bot.calendar.obligations import (
    CooperativeCalendarInput,
    FollowUp,
    Obligation,
    Records,
    Reminder,
    due_dates,
    follow_ups,
    format_date,
    fy_end_date,
    latest_closed_fy,
    load_rules,
    local_today,
    snooze_until,
)
from bot.calendar.rules import Rules
from bot.core.outbox import Outbox
from bot.core.texts import Texts
from storage.consultants import ConsultantRepo
from storage.cooperatives import Cooperative, CooperativeRepo
from storage.db import Database, Executor
from storage.meetings import Meeting, MeetingRepo
from storage.reminders import DoneRecord, ReminderRepo
from storage.users import UserRepo

log = logging.getLogger(__name__)
PREFIX = "rem"  # callback data: rem:<action>:<obligation>:<period>


class Clock:
    """The time the reminder tick believes it is. Production: the real clock. Tests and demos
    start it at a chosen moment (setting CLOCK_START) or move it (`set`, `advance`); it keeps
    running from there, so the rest of the bot behaves normally."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._offset = moment - datetime.now(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


def profile_of(coop: Cooperative) -> CooperativeCalendarInput:
    certificate = coop.nik_certificate_date
    return CooperativeCalendarInput(fy_end_month=coop.fy_end_month, kind=coop.kind, coop_id=coop.id,
                                    nik_certificate_date=date.fromisoformat(certificate) if certificate else None,
                                    tracked_since=_date_of(coop.created_at))


def _moment_of(stamp: str | None) -> datetime | None:
    """A stored timestamp (ISO UTC) as an aware datetime; None when absent or unreadable."""
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None


def _date_of(stamp: str | None) -> date | None:
    """The (UTC) day of a stored timestamp."""
    moment = _moment_of(stamp)
    return moment.date() if moment else None


def records_from(done: list[DoneRecord], snoozes: dict[tuple[str, str], datetime], rat_meetings: list[Meeting],
                 fy_end_month: int, tz: tzinfo) -> Records:
    """The calendar's view of what the cooperative told us. A RAT meeting scheduled with /rapat
    counts as the RAT date of the financial year it belongs to (the "held?" question waits for it)."""
    held = {int(d.period): d.done_on for d in done if d.obligation_id == "rat" and d.period.isdigit()}
    reported = {int(d.period): d.done_on for d in done if d.obligation_id == "rat_report" and d.period.isdigit()}
    scheduled: dict[tuple[str, str], date] = {}
    for m in rat_meetings:
        day = m.starts_at.astimezone(tz).date()
        key = ("rat", str(latest_closed_fy(day, fy_end_month)))
        scheduled[key] = max(scheduled.get(key, day), day)
    return Records(rat_held_on=held, rat_reported_on=reported,
                   done=frozenset((d.obligation_id, d.period) for d in done),
                   snoozes=snoozes, scheduled=scheduled)


def due_reminders(obligations: list[Obligation], now: datetime, tz: tzinfo, send_hour: int,
                  claimed: set[str]) -> list[tuple[Obligation, Reminder]]:
    """The reminder each obligation owes at `now` (the latest one whose time has come, within
    its grace period) and that was not queued before."""
    out = []
    for ob in obligations:
        for r in ob.missed_reminders(now, tz=tz, send_hour=send_hour):
            if r.key not in claimed:
                out.append((ob, r))
    return out


def due_follow_ups(profile: CooperativeCalendarInput, records: Records, now: datetime, tz: tzinfo,
                   rules: Rules, claimed: set[str]) -> list[FollowUp]:
    """"RAT sudah dilaksanakan?" and the consultant alert, sent from the sending hour on."""
    if now.astimezone(tz).hour < rules.send_hour:
        return []
    today = local_today(now, tz)
    return [f for f in follow_ups(profile, today, records, rules) if f.key not in claimed]


def buttons(texts: Texts, lang: str, ob: Obligation) -> Keyboard:
    return [[Button(texts.plain(lang, "reminders.btn_done"), callback(PREFIX, "done", ob.id, ob.period)),
             Button(texts.plain(lang, "reminders.btn_snooze"), callback(PREFIX, "snooze", ob.id, ob.period))]]


@dataclass
class TickReport:
    reminders: int = 0
    asks: int = 0
    alerts: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Schedule:
    """/jadwal: the obligations around today, when each recorded one was done, and the
    cooperative's upcoming meetings."""
    obligations: list[Obligation]
    done_on: dict[tuple[str, str], date]
    meetings: list[Meeting]


class ReminderService:
    def __init__(self, db: Database, outbox: Outbox, texts: Texts, tz: tzinfo, clock: Clock,
                 staff_chat_id: int | None, rules: Rules | None = None, *,
                 first_question_next_morning: bool = False, staff_alert_grace: timedelta = timedelta(0)) -> None:
        self.db, self.outbox, self.texts, self.tz, self.clock = db, outbox, texts, tz, clock
        self.staff_chat_id = staff_chat_id
        self.rules = rules or load_rules()
        # A cooperative that just registered is not asked "was the RAT held?" in the middle of
        # its first conversation, and staff are not alerted before it had a fair chance to answer.
        self.first_question_next_morning = first_question_next_morning
        self.staff_alert_grace = staff_alert_grace

    def _settled(self, coop: Cooperative, now_real: datetime) -> tuple[bool, bool]:
        """(may ask the manager, may alert staff) for a cooperative registered at `created_at`;
        measured on the wall clock, like the registration stamp itself."""
        registered = _moment_of(coop.created_at)
        if registered is None:
            return True, True
        ask = True
        if self.first_question_next_morning:
            next_morning = datetime.combine(registered.astimezone(self.tz).date() + timedelta(days=1),
                                            time(self.rules.send_hour), tzinfo=self.tz)
            ask = now_real >= next_morning
        return ask, now_real >= registered + self.staff_alert_grace

    def today(self) -> date:
        return local_today(self.clock.now(), self.tz)

    async def records(self, coop: Cooperative) -> Records:
        repo = ReminderRepo(self.db)
        rat_meetings = await MeetingRepo(self.db).of_kind(coop.id, "rat")
        return records_from(await repo.done(coop.id), await repo.snoozes(coop.id), rat_meetings,
                            coop.fy_end_month, self.tz)

    async def cooperative_of(self, user_id: int) -> Cooperative | None:
        """Always the user's own cooperative (never one named in callback data)."""
        return await CooperativeRepo(self.db).cooperative_of(user_id)

    async def schedule(self, coop: Cooperative) -> Schedule:
        done_on = {(d.obligation_id, d.period): d.done_on for d in await ReminderRepo(self.db).done(coop.id)}
        meetings = await MeetingRepo(self.db).upcoming(coop.id, self.clock.now())
        return Schedule(await self.calendar(coop), done_on, meetings)

    async def calendar(self, coop: Cooperative) -> list[Obligation]:
        """The cooperative's obligations around today (for /jadwal), by due date."""
        return due_dates(profile_of(coop), self.today(), await self.records(coop), self.rules)

    async def open_obligation(self, coop: Cooperative, obligation_id: str, period: str) -> Obligation | None:
        """The obligation a button names, if it is still open for this cooperative today."""
        for ob in await self.calendar(coop):
            if ob.id == obligation_id and ob.period == period and ob.status != "done":
                return ob
        return None

    # Answers ---------------------------------------------------------------------------
    async def mark_done(self, coop: Cooperative, ob: Obligation, done_on: date, by: int) -> Obligation | None:
        """Record an obligation as done. For the RAT, `done_on` is the day it was held and the
        result is the report obligation that now starts."""
        await ReminderRepo(self.db).mark_done(coop.id, ob.id, ob.period, done_on, by)
        if ob.id != "rat":
            return None
        return next((o for o in await self.calendar(coop) if o.id == "rat_report" and o.period == ob.period), None)

    def check_rat_date(self, coop: Cooperative, ob: Obligation, held_on: date) -> str | None:
        """Why a RAT date cannot be right ('future', 'before_year_end'), or None."""
        if held_on > self.today():
            return "future"
        if ob.fiscal_year is not None and held_on <= fy_end_date(ob.fiscal_year, coop.fy_end_month):
            return "before_year_end"
        return None

    async def snooze(self, coop: Cooperative, ob: Obligation, by: int) -> datetime:
        until = snooze_until(self.clock.now(), self.tz, self.rules.send_hour)
        await ReminderRepo(self.db).snooze(coop.id, ob.id, ob.period, until, by)
        return until

    # The tick ------------------------------------------------------------------------------
    async def tick(self) -> TickReport:
        now = self.clock.now()
        report = TickReport()
        for coop in await CooperativeRepo(self.db).all():
            try:
                await self._tick_one(coop, now, report)
            except Exception as exc:  # one cooperative's bad data must not stop the others
                log.exception("reminders: cooperative %s", coop.id)
                report.errors.append(f"{coop.id}: {exc!r}")
        return report

    async def _tick_one(self, coop: Cooperative, now: datetime, report: TickReport) -> None:
        profile = profile_of(coop)
        records = await self.records(coop)
        claimed = await ReminderRepo(self.db).claimed_keys(coop.id)
        today = local_today(now, self.tz)
        obligations = due_dates(profile, today, records, self.rules)
        due = due_reminders(obligations, now, self.tz, self.rules.send_hour, claimed)
        follows = due_follow_ups(profile, records, now, self.tz, self.rules, claimed)
        may_ask, may_alert = self._settled(coop, datetime.now(timezone.utc))
        # not claimed: a held-back question or alert comes on a later tick
        follows = [f for f in follows if (may_ask if f.kind == "ask_if_held" else may_alert)]
        if not due and not follows:
            return
        managers = await self._recipients(coop.id)
        for ob, reminder in due:
            messages = [(uid, self.texts.render(lang, "reminders.reminder", text=ob.render(lang, coop.name, today),
                                                title=ob.rule.title[lang], due=format_date(ob.due, lang)),
                         buttons(self.texts, lang, ob)) for uid, lang in managers]
            if await self._queue(reminder.key, coop.id, "reminder", messages):
                report.reminders += 1
                report.messages += len(messages)
        for f in follows:
            if f.kind == "ask_if_held":
                messages = [(uid, self.texts.render(lang, "reminders.ask_if_held", text=f.render(lang, coop.name, today)),
                             buttons(self.texts, lang, f.obligation)) for uid, lang in managers]
                if await self._queue(f.key, coop.id, f.kind, messages):
                    report.asks += 1
                    report.messages += len(messages)
            elif self.staff_chat_id is not None:
                lang = self.texts.default_language
                consultants = await ConsultantRepo(self.db).covering(coop.kecamatan)
                html = self.texts.render(lang, "reminders.alert_consultant", text=f.render(lang, coop.name, today),
                                         kecamatan=coop.kecamatan, consultants=consultants)
                if await self._queue(f.key, coop.id, f.kind, [(self.staff_chat_id, html, None)]):
                    report.alerts += 1
                    report.messages += 1

    async def _recipients(self, cooperative_id: int) -> list[tuple[int, str]]:
        """Active managers of the cooperative with their language."""
        users = UserRepo(self.db)
        out = []
        for m in await CooperativeRepo(self.db).managers(cooperative_id):
            user = await users.find(m.user_id)
            out.append((m.user_id, (user.language if user and user.language else None) or self.texts.default_language))
        return out

    async def _queue(self, key: str, cooperative_id: int, kind: str,
                     messages: list[tuple[int, str, Keyboard | None]]) -> bool:
        """Claim the key and queue its messages in one transaction; False if already claimed."""
        async with self.db.transaction() as tx:
            if not await ReminderRepo(tx).claim(key, cooperative_id, kind, len(messages)):
                return False
            outbox = self.outbox.bind(tx)
            for chat_id, html, keyboard in messages:
                await outbox.send_text(chat_id, html, kind=kind,
                                       keyboard=keyboard, dedupe_key=f"{key}:{chat_id}",
                                       ref=("cooperative", cooperative_id))
        return True


async def export_recorded(db: Executor, user_id: int) -> tuple[str, object]:
    """Privacy: the obligations this person recorded as done. Nothing is erased: a record that
    the RAT was held belongs to the cooperative; the manager's numeric id stays on it as a
    pseudonym, as elsewhere (see UserRepo.erase_personal_data)."""
    return "obligations_recorded", [
        {"cooperative_id": d.cooperative_id, "obligation": d.obligation_id, "period": d.period,
         "done_on": d.done_on.isoformat(), "recorded_at": d.recorded_at}
        for d in await ReminderRepo(db).done_by(user_id)]
