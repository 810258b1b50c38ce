"""Report periods: a month, a quarter or a year, in the clinic's time zone.

`parse("2026-11")`, `parse("2026-Q4")`, `parse("2026")`, or relative to today:
`parse("bulan", today)` (this month so far), `"triwulan"`, `"tahun"`; `previous_month(today)`
is what the monthly report covers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone, tzinfo

from storage.supervision import Bounds

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[qQ]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
RELATIVE = {"bulan": "month", "month": "month", "triwulan": "quarter", "quarter": "quarter",
            "tahun": "year", "year": "year"}


@dataclass(frozen=True)
class Period:
    kind: str      # month | quarter | year
    start: date    # first day
    end: date      # first day after

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def months(self) -> list[date]:
        out, d = [], self.start
        while d < self.end:
            out.append(d)
            d = _add_months(d, 1)
        return out

    def bounds(self, tz: tzinfo) -> Bounds:
        def utc(d: date) -> str:
            return datetime.combine(d, time(0), tzinfo=tz).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return Bounds(utc(self.start), utc(self.end), self.start.isoformat(), self.end.isoformat())


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month(year: int, number: int) -> Period:
    start = date(year, number, 1)
    return Period("month", start, _add_months(start, 1))


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * (number - 1) + 1, 1)
    return Period("quarter", start, _add_months(start, 3))


def year(number: int) -> Period:
    return Period("year", date(number, 1, 1), date(number + 1, 1, 1))


def previous_month(today: date) -> Period:
    first = date(today.year, today.month, 1)
    start = _add_months(first, -1)
    return Period("month", start, first)


def parse(text: str | None, today: date | None = None) -> Period:
    """A period from the office's words; ValueError with a readable reason otherwise."""
    raw = (text or "bulan").strip().lower()
    if raw in RELATIVE:
        if today is None:
            raise ValueError("relative period needs today")
        kind = RELATIVE[raw]
        if kind == "month":
            return month(today.year, today.month)
        if kind == "quarter":
            return quarter(today.year, (today.month - 1) // 3 + 1)
        return year(today.year)
    if m := _MONTH.match(raw):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise ValueError(f"bulan {mo} tidak ada")
        return month(y, mo)
    if m := _QUARTER.match(raw):
        return quarter(int(m[1]), int(m[2]))
    if m := _YEAR.match(raw):
        return year(int(m[1]))
    raise ValueError(f"periode {text!r} tidak dikenal")
