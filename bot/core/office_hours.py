"""The clinic's office hours: is it open, when does it open, and SLA arithmetic in office hours.

A spec is one or more segments separated by ";", each "<days> <HH:MM>-<HH:MM> [<HH:MM>-<HH:MM> ...]":
    "mon-fri 08:00-16:00"                       (the default)
    "mon-thu 08:00-16:00; fri 08:00-11:30 13:30-16:00"
Days: mon tue wed thu fri sat sun (or sen sel rab kam jum sab min), as a range "mon-fri" or a
list "mon,wed". Holidays are whole dates on which the clinic is closed. All times are wall-clock
times in the clinic's time zone (Asia/Jakarta by default); datetimes passed in may be in any
time zone but must be aware. Durations are measured in real elapsed time (UTC), so they stay
right in zones with daylight saving.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
DEFAULT_SPEC = "mon-fri 08:00-16:00"

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
         "sen": 0, "sel": 1, "rab": 2, "kam": 3, "jum": 4, "sab": 5, "min": 6}
_INTERVAL = re.compile(r"^(\d{1,2})[:.](\d{2})-(\d{1,2})[:.](\d{2})$")
_SEARCH_DAYS = 400  # a year of holidays cannot hide every opening


def _days(spec: str) -> set[int]:
    days: set[int] = set()
    for part in spec.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in _DAYS for e in ends):
            raise ValueError(f"unknown day(s) {part!r}; use mon..sun or sen..min")
        first, last = _DAYS[ends[0]], _DAYS[ends[-1]]
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def _interval(text: str) -> tuple[time, time]:
    m = _INTERVAL.match(text)
    if not m:
        raise ValueError(f"bad hours {text!r}; expected HH:MM-HH:MM")
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"bad hours {text!r}")
    start, end = time(h1, m1), (time.max if h2 == 24 else time(h2, m2))
    if end <= start:
        raise ValueError(f"hours {text!r} end before they start")
    return start, end


def parse_spec(spec: str) -> dict[int, list[tuple[time, time]]]:
    """Weekday (0 = Monday) -> sorted, non-overlapping (start, end) intervals."""
    week: dict[int, list[tuple[time, time]]] = {d: [] for d in range(7)}
    for segment in filter(None, (s.strip() for s in spec.lower().split(";"))):
        words = segment.split()
        if len(words) < 2:
            raise ValueError(f"segment {segment!r} needs days and hours")
        for day in _days(words[0]):
            week[day].extend(_interval(w) for w in words[1:])
    for day, intervals in week.items():
        intervals.sort()
        for (_, end), (start, _) in zip(intervals, intervals[1:]):
            if start < end:
                raise ValueError(f"overlapping hours on day {day} in {spec!r}")
    if not any(week.values()):
        raise ValueError(f"office hours {spec!r} are never open")
    return week


class OfficeHours:
    def __init__(self, spec: str = DEFAULT_SPEC, holidays: Iterable[date | str] = (),
                 tz: tzinfo = JAKARTA) -> None:
        self.spec = spec
        self.tz = tz
        self.week = parse_spec(spec)
        self.holidays = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in holidays)

    def __repr__(self) -> str:
        return f"OfficeHours({self.spec!r}, holidays={len(self.holidays)}, tz={self.tz})"

    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            raise ValueError("datetime must be timezone-aware")
        return dt.astimezone(self.tz)

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of a local calendar day, as aware datetimes."""
        if day in self.holidays:
            return []
        out = []
        for start, end in self.week[day.weekday()]:
            close = (datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz) if end == time.max
                     else datetime.combine(day, end, tzinfo=self.tz))
            out.append((datetime.combine(day, start, tzinfo=self.tz), close))
        return out

    def _walk(self, dt: datetime) -> Iterable[tuple[datetime, datetime]]:
        """Open intervals that end after `dt`, in order, starting from dt's local day."""
        local = self._local(dt)
        for offset in range(-1, _SEARCH_DAYS):
            for start, end in self._intervals(local.date() + timedelta(days=offset)):
                if _utc(end) > _utc(local):
                    yield start, end

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of a local calendar day (none on a holiday), for callers that
        measure many durations at once (bot/supervision/officetime.py)."""
        return self._intervals(day)

    def is_open(self, dt: datetime) -> bool:
        local = self._local(dt)
        return any(_utc(s) <= _utc(local) < _utc(e) for s, e in self._intervals(local.date()))

    def next_opening(self, dt: datetime) -> datetime:
        """`dt` itself (in the clinic's zone) when open, else the start of the next open period."""
        local = self._local(dt)
        for start, _ in self._walk(local):
            return max(start, local, key=_utc)
        raise ValueError("no opening within a year (holidays cover everything?)")

    def next_closing(self, dt: datetime) -> datetime:
        """When the open period containing `dt` (or the next one) ends."""
        for _, end in self._walk(dt):
            return end
        raise ValueError("no opening within a year")

    def add_office_hours(self, start: datetime, hours: float) -> datetime:
        """The moment at which `hours` office hours have elapsed since `start` (an SLA deadline).

        Time outside office hours does not count; 0 hours gives the next opening."""
        if hours < 0:
            raise ValueError("hours must be >= 0")
        remaining = timedelta(hours=hours)
        local = self._local(start)
        for open_, close in self._walk(local):
            begin = max(open_, local, key=_utc)
            available = _utc(close) - _utc(begin)
            if remaining <= available:
                return (_utc(begin) + remaining).astimezone(self.tz)
            remaining -= available
        raise ValueError("deadline beyond the search horizon")

    def office_hours_between(self, a: datetime, b: datetime) -> float:
        """Office hours elapsed from `a` to `b` (negative if b is before a)."""
        if _utc(self._local(b)) < _utc(self._local(a)):
            return -self.office_hours_between(b, a)
        a, b = self._local(a), self._local(b)
        total = timedelta()
        for day_offset in range(-1, (b.date() - a.date()).days + 2):
            for start, end in self._intervals(a.date() + timedelta(days=day_offset)):
                lo, hi = max(_utc(start), _utc(a)), min(_utc(end), _utc(b))
                if hi > lo:
                    total += hi - lo
        return total.total_seconds() / 3600


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
