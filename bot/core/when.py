"""Dates and times as users type them, in Indonesian ("25/3 09.00", "besok jam 1 siang") or in
English ("tomorrow 10am", "25 March 9:00", "March 25 at 3 pm", "next Monday 9:30"): both
vocabularies are always accepted, because a user who chose English still writes "besok" now and
then, and vice versa.

`parse_when` is for scheduling (/rapat): it needs a time, and a date without a year means its
next occurrence. `parse_date` is for answers about the past ("RAT diadakan tanggal berapa?"):
a date without a year means its latest occurrence on or before today. Both return None for
anything they cannot read whole (leftover words, 31/2, 25:00), so the caller can ask again.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8, "aug": 8, "september": 9, "sep": 9,
    "sept": 9, "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nopember": 11, "nov": 11,
    "nop": 11, "desember": 12, "des": 12, "dec": 12,
    # English names not already above
    "january": 1, "february": 2, "march": 3, "june": 6, "july": 7, "august": 8, "october": 10,
    "december": 12,
}
WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
RELATIVE = {"kemarin": -1, "hari ini": 0, "sekarang": 0, "besok": 1, "lusa": 2,
            "yesterday": -1, "today": 0, "now": 0, "tomorrow": 1, "day after tomorrow": 2}
FILLER = {"hari", "tanggal", "tgl", "pada", "pukul", "jam", "pkl", "wib", "nanti", "di", "on", "at",
          "the", "of", "o'clock", "oclock"}
# English qualifiers map onto the Indonesian ones the weekday rules read.
_QUALIFIER = {"depan": "depan", "ini": "ini", "lalu": "lalu", "kemarin": "kemarin",
              "next": "depan", "this": "ini", "last": "lalu"}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(WEEKDAYS)
_YEAR = r"(\d{4}|\d{2})"

# Dates. Each pattern's groups are read by _date_from_match.
_NUMERIC = re.compile(rf"(?<![\d.:])(\d{{1,2}})[/-](\d{{1,2}})(?:[/-]{_YEAR})?(?![\d:/-])")
_DOTTED = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.:])")
_NAMED = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?({_MONTH_RE})\b(?:\s*(\d{{4}})(?![.:\d]))?")
# English order: "March 25", "March 25th 2027"
_NAMED_MONTH_FIRST = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*[.:]\d)(?:\s*(\d{{4}})(?![.:\d]))?")
_WEEKDAY = re.compile(rf"\b(?:(next|this|last)\s+)?(?:hari\s+)?({_WEEKDAY_RE})(?:\s+(depan|ini|lalu|kemarin))?\b")
_RELATIVE = re.compile(r"\b(kemarin|hari ini|sekarang|besok|lusa|yesterday|today|now|day after tomorrow|tomorrow)\b")
_DAY_ONLY = re.compile(r"\b(?:tanggal|tgl)\s*(\d{1,2})\b(?![/.:-])")

# Times: "setengah 10" (9:30), or an hour with a "jam" prefix, minutes or a part of day.
_PERIOD_RE = r"(pagi|siang|sore|malam|subuh|a\.?m\.?|p\.?m\.?)"
_HALF = re.compile(rf"\b(?:(?:jam|pukul|pkl)\s*)?setengah\s*(\d{{1,2}})(?:\s*{_PERIOD_RE})?\b")
_TIME = re.compile(rf"(?:\b(jam|pukul|pkl)\.?\s*)?(?<![\d/.-])(\d{{1,2}})(?:\s*[.:]\s*(\d{{2}}))?(?![\d/-])"
                   rf"(?:\s*{_PERIOD_RE}(?=\W|$))?")

Prefer = Literal["future", "past"]


def _normalize(text: str) -> str:
    s = text.lower().replace("jum'at", "jumat").replace("’", "'")
    s = re.sub(r"[,;]", " ", s)
    s = re.sub(r"(?<=\d)\s*wib\b", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _occurrence(month: int, day: int, today: date, prefer: Prefer) -> date | None:
    """The next (or latest past) existing day/month; 29/2 waits for a leap year."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    step = 1 if prefer == "future" else -1
    for offset in range(9):
        d = _valid(today.year + step * offset, month, day)
        if d is not None and (d >= today if prefer == "future" else d <= today):
            return d
    return None


def _day_of_month(day: int, today: date, prefer: Prefer) -> date | None:
    step = 1 if prefer == "future" else -1
    year, month = today.year, today.month
    for _ in range(13):
        d = _valid(year, month, day)
        if d is not None and (d >= today if prefer == "future" else d <= today):
            return d
        month += step
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    return None


def _take_date(s: str, today: date, prefer: Prefer) -> tuple[date | None, str, str | None]:
    """(date or None, text without the date, how it was given: 'weekday' or None). A date
    pattern that matches but names no real day gives ("invalid") so the caller rejects."""
    for pattern in (_DOTTED, _NUMERIC, _NAMED, _NAMED_MONTH_FIRST):
        m = pattern.search(s)
        if m:
            if pattern is _NAMED_MONTH_FIRST:
                day, month = int(m.group(2)), MONTHS[m.group(1)]
            else:
                day = int(m.group(1))
                month = MONTHS[m.group(2)] if pattern is _NAMED else int(m.group(2))
            year = _year(m.group(3))
            d = _valid(year, month, day) if year else _occurrence(month, day, today, prefer)
            rest = _cut(s, m)
            named = re.search(rf"\b(?:hari\s+)?({_WEEKDAY_RE})\b", rest)
            if d is not None and named:  # "Jumat, 20 Maret": the weekday must agree
                if WEEKDAYS[named.group(1)] != d.weekday():
                    return None, s, "invalid"
                rest = _cut(rest, named)
            return d, rest, None if d else "invalid"
    m = _RELATIVE.search(s)
    if m:
        return today + timedelta(days=RELATIVE[m.group(1)]), _cut(s, m), None
    m = _WEEKDAY.search(s)
    if m:
        name = m.group(2)
        qualifier = _QUALIFIER.get(m.group(1) or m.group(3) or "")
        if name == "minggu" and qualifier == "depan" and not m.group(0).startswith("hari"):
            return None, s, "invalid"  # "minggu depan": next week or next Sunday? ask again
        ahead = (WEEKDAYS[name] - today.weekday()) % 7
        if qualifier in ("lalu", "kemarin") or (qualifier is None and prefer == "past"):
            back = (today.weekday() - WEEKDAYS[name]) % 7 or (7 if qualifier else 0)
            return today - timedelta(days=back), _cut(s, m), None
        if qualifier == "depan":
            ahead = ahead or 7
        return today + timedelta(days=ahead), _cut(s, m), "weekday"
    m = _DAY_ONLY.search(s)
    if m:
        d = _day_of_month(int(m.group(1)), today, prefer)
        return d, _cut(s, m), None if d else "invalid"
    return None, s, None


def _cut(s: str, m: re.Match[str]) -> str:
    return (s[: m.start()] + " " + s[m.end():]).strip()


def _hour24(hour: int, period: str | None) -> int | None:
    """Apply the part of day: 1 siang = 13, 3 sore = 15, 7 malam = 19, 12 siang = 12, 3 pm = 15,
    12 am = 0."""
    if period is None:
        return hour if 0 <= hour <= 23 else None
    meridiem = period.replace(".", "")
    if meridiem in ("am", "pm"):  # English: a 12-hour clock only
        if not 1 <= hour <= 12:
            return None
        return (hour % 12) + (12 if meridiem == "pm" else 0)
    if hour >= 13:  # already 24-hour: accept only when it agrees with the part of day
        ok = {"pagi": False, "subuh": False, "siang": hour <= 15, "sore": 15 <= hour <= 18,
              "malam": 18 <= hour <= 23}[period]
        return hour if ok and hour <= 23 else None
    if period == "subuh":
        return hour if 1 <= hour <= 6 else None
    if period == "pagi":
        return hour if 1 <= hour <= 11 else None
    if period == "siang":
        return hour if 10 <= hour <= 12 else (hour + 12 if 1 <= hour <= 4 else None)
    if period == "sore":
        return hour + 12 if 2 <= hour <= 7 else None
    return hour + 12 if 6 <= hour <= 11 else None  # malam


def _take_time(s: str) -> tuple[time | None, str, bool]:
    """(time or None, text without it, whether something looked like a time but was invalid)."""
    m = _HALF.search(s)
    if m:
        hour = _hour24(int(m.group(1)), m.group(2))
        if hour is None or hour == 0:
            return None, s, True
        return time(hour - 1, 30), _cut(s, m), False
    for m in _TIME.finditer(s):
        prefix, hour, minute, period = m.groups()
        if not (prefix or minute or period):
            continue  # a bare number is not a time
        h = _hour24(int(hour), period)
        if h is None or (minute is not None and int(minute) > 59):
            return None, s, True
        return time(h, int(minute or 0)), _cut(s, m), False
    return None, s, False


def _only_filler(rest: str) -> bool:
    return all(word in FILLER for word in rest.split())


def parse_when(text: str, now: datetime) -> datetime | None:
    """A meeting's date and time, aware in `now`'s time zone; None if unreadable or without time.

    No date: today, or tomorrow if that time has passed. A bare weekday: the next one (today if
    the time is still ahead); "<weekday> depan": the next one after today. A date without a year:
    its next occurrence (today counts). The result may lie in the past when the user gave a past
    date explicitly; the caller decides what to do with that.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    s = _normalize(text)
    today = now.date()
    day, s, how = _take_date(s, today, "future")
    if how == "invalid":
        return None
    clock, s, bad = _take_time(s)
    if bad or clock is None or not _only_filler(s):
        return None
    if day is None:
        result = datetime.combine(today, clock, tzinfo=now.tzinfo)
        return result if result > now else datetime.combine(today + timedelta(days=1), clock, tzinfo=now.tzinfo)
    result = datetime.combine(day, clock, tzinfo=now.tzinfo)
    if how == "weekday" and result <= now:
        result += timedelta(days=7)
    return result


def parse_date(text: str, today: date, prefer: Prefer = "past") -> date | None:
    """A date such as "15/3", "15 maret 2026", "kemarin", "hari ini"; None if unreadable.

    Without a year, `prefer="past"` picks the latest occurrence on or before `today` (for "when
    was the RAT held?"), `prefer="future"` the next one on or after it.
    """
    s = _normalize(text)
    day, s, how = _take_date(s, today, prefer)
    if how == "invalid" or day is None or not _only_filler(s):
        return None
    return day


def meeting_reminder_times(start: datetime, now: datetime,
                           before: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=1),
                                                            timedelta(hours=2))) -> list[tuple[str, datetime]]:
    """Reminders for a meeting at `start` (3 days, 1 day and 2 hours before by default), as
    (label, time) pairs still ahead of `now`; the label ("3d", "1d", "2h") makes stable keys."""
    out = []
    for delta in sorted(set(before), reverse=True):
        at = start - delta
        if at > now:
            out.append((_label(delta), at))
    return out


def _label(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
