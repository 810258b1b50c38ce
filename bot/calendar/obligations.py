"""The obligation calendar: which dates a cooperative must meet, and when to remind it.

Pure functions over an explicit `today`/`now`; the rules come from `bot/calendar/data/obligations.toml`
(schema at its top; loaded and checked by `bot.calendar.rules`). Nothing here knows about
Telegram or storage: the caller records what the cooperative told it in `Records` and makes
sending idempotent with the reminder keys.

Financial years are labelled by the calendar year in which they end: with a December year end,
"2025" is January-December 2025; with a June year end, "2026" is July 2025-June 2026.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from bot.calendar.rules import (
    KINDS,
    Rule,
    Rules,
    RulesError,
    add_months,
    load_rules,
    month_end,
    parse_rules,
)
from bot.core.formatting import format_date  # the one way to write a date (re-exported for callers)

JAKARTA = ZoneInfo("Asia/Jakarta")

Status = Literal["upcoming", "due", "overdue", "done"]


# --------------------------------------------------------------------------- date helpers

def fy_end_date(fiscal_year: int, fy_end_month: int) -> date:
    return month_end(fiscal_year, fy_end_month)


def latest_closed_fy(today: date, fy_end_month: int) -> int:
    """The financial year that most recently ended before `today` (the one whose RAT is next).

    Also tells the caller which financial year a RAT held on `today` belongs to.
    """
    return today.year if today > fy_end_date(today.year, fy_end_month) else today.year - 1


def local_today(now: datetime, tz: tzinfo = JAKARTA) -> date:
    """The calendar date at `now` in the clinic's time zone (UTC evening is Jakarta tomorrow)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


def snooze_until(now: datetime, tz: tzinfo = JAKARTA, send_hour: int = 8) -> datetime:
    """'Ingatkan besok': tomorrow (in the clinic's time zone) at the sending hour."""
    return datetime.combine(local_today(now, tz) + timedelta(days=1), time(send_hour), tzinfo=tz)


# --------------------------------------------------------------------------- calendar

@dataclass(frozen=True)
class CooperativeCalendarInput:
    fy_end_month: int  # 1-12, month in which the financial year ends
    kind: str  # one of KINDS
    nik_certificate_date: date | None = None
    coop_id: int | str = 0  # only used in reminder keys
    # When the clinic started following the cooperative (registration): an earlier year's
    # unrecorded obligation stays on the calendar only if the clinic knew the cooperative then.
    tracked_since: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.fy_end_month <= 12:
            raise ValueError(f"fy_end_month must be 1-12, got {self.fy_end_month}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown cooperative kind {self.kind!r}")


@dataclass(frozen=True)
class Records:
    """What the cooperative has told the bot. Keys of `done`, `snoozes`, `scheduled` are
    (obligation id, period); RAT dates are keyed by financial year."""

    rat_held_on: Mapping[int, date] = field(default_factory=dict)
    rat_reported_on: Mapping[int, date] = field(default_factory=dict)
    done: Collection[tuple[str, str]] = frozenset()
    snoozes: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    scheduled: Mapping[tuple[str, str], date] = field(default_factory=dict)


@dataclass(frozen=True)
class Reminder:
    key: str  # stable: f"{coop_id}:{obligation}:{period}:{lead}" (lead "snooze-YYYYmmddHHMM")
    at: datetime
    lead: int | None  # days before the due date; None for a snoozed reminder
    obligation_id: str
    period: str


@dataclass(frozen=True)
class Obligation:
    id: str
    period: str
    due: date
    status: Status
    rule: Rule = field(repr=False)
    coop_id: int | str = 0
    fiscal_year: int | None = None
    legal_limit: date | None = None
    snoozed_until: datetime | None = None

    @property
    def lead_days(self) -> tuple[int, ...]:
        return self.rule.lead_days

    def key(self, lead: int | str) -> str:
        return f"{self.coop_id}:{self.id}:{self.period}:{lead}"

    def days_left(self, today: date) -> int:
        return (self.due - today).days

    def _all_reminders(self, tz: tzinfo, send_hour: int) -> list[Reminder]:
        if self.status == "done":
            return []
        out = [Reminder(self.key(lead), datetime.combine(self.due - timedelta(days=lead), time(send_hour), tzinfo=tz),
                        lead, self.id, self.period) for lead in self.rule.lead_days]
        if self.snoozed_until is not None:
            until = self.snoozed_until
            out = [r for r in out if r.at >= until]
            out.append(Reminder(self.key(f"snooze-{until.astimezone(tz):%Y%m%d%H%M}"), until.astimezone(tz),
                                None, self.id, self.period))
        return sorted(out, key=lambda r: r.at)

    def reminders(self, tz: tzinfo = JAKARTA, now: datetime | None = None, send_hour: int = 8) -> list[Reminder]:
        """Reminders at `send_hour` local time on each lead day, strictly after `now` if given.
        A snooze replaces the reminders before it with one at the snooze time."""
        out = self._all_reminders(tz, send_hour)
        return out if now is None else [r for r in out if r.at > now]

    def reminder_times(self, tz: tzinfo = JAKARTA, send_hour: int = 8, now: datetime | None = None) -> list[datetime]:
        return [r.at for r in self.reminders(tz, now, send_hour)]

    def missed_reminders(self, now: datetime, grace: timedelta | float | None = None, tz: tzinfo = JAKARTA,
                         send_hour: int = 8) -> list[Reminder]:
        """After downtime: the latest reminder at or before `now` missed by at most `grace`
        (hours or timedelta; default the rule's grace_hours). Earlier ones are superseded by
        it, so at most one is returned."""
        if grace is None:
            grace = self.rule.grace_hours
        if not isinstance(grace, timedelta):
            grace = timedelta(hours=grace)
        late = [r for r in self._all_reminders(tz, send_hour) if r.at <= now and now - r.at <= grace]
        return late[-1:]

    def render(self, locale: str, cooperative: str, today: date) -> str:
        """The reminder text from the data file, filled in (the due-day and overdue variants
        when the file has them)."""
        days = self.days_left(today)
        template = None
        if days == 0:
            template = self.rule.message_today.get(locale)
        elif days < 0:
            template = self.rule.message_overdue.get(locale)
        template = template or self.rule.message[locale]
        return template.format(**_context(self, locale, cooperative, days))


def _context(ob: Obligation, locale: str, cooperative: str, days: int) -> dict[str, object]:
    return {"cooperative": cooperative, "title": ob.rule.title[locale], "due_date": format_date(ob.due, locale),
            "days_left": days, "period": ob.period,
            "legal_limit": format_date(ob.legal_limit, locale) if ob.legal_limit else "-"}


def _status(due: date, today: date, done: bool, lead_days: tuple[int, ...]) -> Status:
    """done; overdue after the due date; due within the reminder window; else upcoming."""
    if done:
        return "done"
    if today > due:
        return "overdue"
    return "due" if (due - today).days <= max(lead_days, default=0) else "upcoming"


def _make(rule: Rule, profile: CooperativeCalendarInput, today: date, records: Records, period: str,
          due: date, *, done: bool, fiscal_year: int | None = None, legal_limit: date | None = None) -> Obligation:
    done = done or (rule.id, period) in records.done
    return Obligation(rule.id, period, due, _status(due, today, done, rule.lead_days), rule, profile.coop_id,
                      fiscal_year, legal_limit, records.snoozes.get((rule.id, period)))


def _for_rule(rule: Rule, profile: CooperativeCalendarInput, today: date, records: Records) -> list[Obligation]:
    fy = latest_closed_fy(today, profile.fy_end_month)
    fy_end = fy_end_date(fy, profile.fy_end_month)
    basis = rule.due.basis
    if basis == "fy_end" and rule.due.every_months:
        # Recurring (e.g. quarterly): the next due date, and the previous one while not done.
        step = rule.due.every_months
        dues = [rule.due.apply(add_months(fy_end, k * step, to_month_end=True)) for k in range(-2, 12 // step + 3)]
        nxt = min(d for d in dues if d >= today)
        prev = [d for d in dues if d < today][-1:]
        out = [_make(rule, profile, today, records, f"{d:%Y-%m}", d, done=False) for d in prev + [nxt]]
        return [o for o in out if o.status != "done" or o.due == nxt]
    if basis == "fy_end":
        # The latest closed year, and the one before while it is not recorded: a new year must
        # not make an unrecorded obligation disappear from /jadwal (it is still overdue).
        out = []
        for year in (fy - 1, fy):
            end = fy_end_date(year, profile.fy_end_month)
            limit = rule.legal_limit.apply(end) if rule.legal_limit else None
            held = rule.id == "rat" and year in records.rat_held_on
            ob = _make(rule, profile, today, records, str(year), rule.due.apply(end), done=held,
                       fiscal_year=year, legal_limit=limit)
            if year == fy or (ob.status == "overdue" and profile.tracked_since is not None
                               and profile.tracked_since <= fy_end_date(fy, profile.fy_end_month)):
                out.append(ob)
        return out
    if basis == "rat_held":
        # Every recent RAT that is recorded: the latest year's (done or not), and an older one not yet reported.
        out = []
        for year in sorted(records.rat_held_on):
            reported = year in records.rat_reported_on
            if year == fy or (year == fy - 1 and not reported):
                held_on = records.rat_held_on[year]
                out.append(_make(rule, profile, today, records, str(year), rule.due.apply(held_on),
                                 done=reported, fiscal_year=year))
        return out
    # nik_base: the later of the certificate date and the last RAT report.
    anchors = [d for d in (profile.nik_certificate_date, *records.rat_reported_on.values()) if d is not None]
    if not anchors:
        return []
    due = rule.due.apply(max(anchors))
    return [_make(rule, profile, today, records, due.isoformat(), due, done=False)]


def due_dates(profile: CooperativeCalendarInput, today: date, records: Records | None = None,
              rules: Rules | None = None) -> list[Obligation]:
    """The cooperative's obligations around `today` (a date in the clinic's time zone), by due date."""
    rules = rules or load_rules()
    records = records or Records()
    out = [ob for rule in rules.obligations if rule.applies(profile.kind)
           for ob in _for_rule(rule, profile, today, records)]
    return sorted(out, key=lambda o: (o.due, o.id))


# --------------------------------------------------------------------------- follow-ups

FollowUpKind = Literal["ask_if_held", "alert_consultant"]


@dataclass(frozen=True)
class FollowUp:
    kind: FollowUpKind
    key: str  # stable; send each key once
    obligation: Obligation
    anchor: date  # the date that passed: scheduled date, or the due date

    def render(self, locale: str, cooperative: str, today: date) -> str:
        follow = self.obligation.rule.follow_up
        assert follow is not None
        template = (follow.ask if self.kind == "ask_if_held" else follow.alert)[locale]
        return template.format(**_context(self.obligation, locale, cooperative, self.obligation.days_left(today)))


def follow_ups(profile: CooperativeCalendarInput, today: date, records: Records | None = None,
               rules: Rules | None = None) -> list[FollowUp]:
    """For obligations with a follow_up rule (RAT) not recorded as done: once the scheduled date
    (or, if none, the due date) has passed, an `ask_if_held` every `ask_every_days` days (the key
    changes each round); once the legal limit has passed, one `alert_consultant`."""
    records = records or Records()
    out = []
    for ob in due_dates(profile, today, records, rules):
        follow = ob.rule.follow_up
        if follow is None or ob.status == "done":
            continue
        anchor = records.scheduled.get((ob.id, ob.period), ob.due)
        if today > anchor:
            round_ = ((today - anchor).days - 1) // follow.ask_every_days if follow.ask_every_days else 0
            out.append(FollowUp("ask_if_held", f"{ob.key('ask')}:{anchor.isoformat()}:{round_}", ob, anchor))
        if follow.alert_consultant and ob.legal_limit is not None and today > ob.legal_limit:
            out.append(FollowUp("alert_consultant", ob.key("alert"), ob, ob.legal_limit))
    return out


__all__ = [
    "JAKARTA", "KINDS", "CooperativeCalendarInput", "FollowUp", "Obligation", "Records", "Reminder", "Rule",
    "Rules", "RulesError", "add_months", "due_dates", "follow_ups", "format_date", "latest_closed_fy",
    "load_rules", "local_today", "month_end", "parse_rules", "snooze_until",
]
