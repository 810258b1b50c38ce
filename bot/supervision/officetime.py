"""Office-hour durations for thousands of tickets at once. `OfficeHours.office_hours_between`
walks the calendar for every pair; the report instead counts the open seconds before each day
once, so each duration is two look-ups. Same definition, same answers (tests compare them)."""
from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta

from bot.core.office_hours import OfficeHours


def parse_utc(text: str) -> datetime:
    """Stored timestamps (ISO UTC with Z), quickly."""
    return datetime.fromisoformat(text)


class OfficeIndex:
    def __init__(self, office: OfficeHours, first: date, last: date) -> None:
        self.office = office
        self.first, self.last = first - timedelta(days=1), last + timedelta(days=1)
        self._starts: list[float] = []   # every open interval of the range, in order (UTC seconds)
        self._ends: list[float] = []
        self._before: list[float] = []   # open seconds before each interval
        total, day = 0.0, self.first
        while day <= self.last:
            for start, end in office.open_intervals(day):
                s, e = start.timestamp(), end.timestamp()
                self._starts.append(s)
                self._ends.append(e)
                self._before.append(total)
                total += e - s
            day += timedelta(days=1)
        self._lo = datetime.combine(self.first + timedelta(days=1), datetime.min.time(), tzinfo=office.tz).timestamp()
        self._hi = datetime.combine(self.last, datetime.min.time(), tzinfo=office.tz).timestamp()

    def _cumulative(self, ts: float) -> float:
        i = bisect_right(self._starts, ts) - 1
        if i < 0:
            return 0.0
        return self._before[i] + min(ts, self._ends[i]) - self._starts[i]

    def cumulative(self, ts: float) -> float | None:
        """Open seconds from the start of the range to the UTC timestamp `ts` (None outside it)."""
        if not self._lo <= ts <= self._hi:
            return None
        return self._cumulative(ts)

    def hours_between(self, a: datetime, b: datetime) -> float:
        ta, tb = a.timestamp(), b.timestamp()
        if not (self._lo <= ta <= self._hi and self._lo <= tb <= self._hi):
            return self.office.office_hours_between(a, b)
        return (self._cumulative(tb) - self._cumulative(ta)) / 3600

