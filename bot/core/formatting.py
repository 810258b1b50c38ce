"""One way to write dates, times, durations, money and numbers, per locale.

Everything a user reads that is a date, a time, an amount or a number goes through these
functions, built on Babel (CLDR data): the locale supplies month and day names, digit grouping
("8.500.000.000" in id, "8,500,000,000" in en) and the decimal sign ("4,0" / "4.0"). Templates
reach them as Jinja filters registered in `bot.core.texts` (`{{ when|datetime }}`,
`{{ amount|money }}`, `{{ score|decimal(2) }}`); Python code that must format outside a template
(a chart's labels) calls them with the user's language.

Conventions, the same in every message:
- a datetime is shown in the clinic's time zone, followed by the zone's Indonesian abbreviation
  ("WIB", "WITA", "WIT"; CLDR's Indonesian short name, used in both languages because that is
  what the clinic's users read on every Indonesian clock); a naive datetime is taken as UTC;
- a time is 24-hour ("08.00" in id, "08:00" in en);
- a date is day-month-year with the month's name ("3 Desember 2026"); the joining word between a
  date and a time ("pukul" / "at") is the template's, `labels.at_time`;
- money is rupiah: "Rp 8.500.000.000", cents only when there are any;
- a duration is minutes under an hour, hours (one decimal) under two days, then days; never
  "0.0 jam": anything under a minute reads "< 1 menit".

The functions take `lang` ("id" or "en"; anything else formats as Indonesian) and accept ISO
strings as stored in the database, so a template needs no parsing of its own.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as _dates
from babel import numbers as _numbers
from babel import units as _units

CLINIC_ZONE = ZoneInfo("Asia/Jakarta")
LOCALES = ("id", "en")

# Patterns, not words: the locale fills in names and digits.
DATE_PATTERNS = {
    "long": "d MMMM y",          # 3 Desember 2026
    "full": "EEEE, d MMMM y",    # Kamis, 3 Desember 2026
    "medium": "d MMM y",         # 3 Des 2026
    "short": "EEE d/M",          # Kam 3/12 (buttons)
    "month": "MMMM y",           # Desember 2026
    "day_month": "d MMMM",       # 3 Desember
}
DATE_STYLES = tuple(DATE_PATTERNS)
_TIME_SKELETON = "Hm"            # 08.00 (id) / 08:00 (en)


def _locale(lang: str) -> str:
    return lang if lang in LOCALES else "id"


# ---- dates and times -------------------------------------------------------------------------
def to_moment(value: datetime | date | str, tz: tzinfo = CLINIC_ZONE) -> datetime | date:
    """A date stays a date; a datetime (or ISO text) becomes aware in `tz` (naive means UTC)."""
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(tz)
    if isinstance(value, date):
        return value
    raise TypeError(f"cannot read {value!r} as a date")


def format_date(value: datetime | date | str, lang: str = "id", style: str = "long",
                tz: tzinfo = CLINIC_ZONE) -> str:
    """"3 Desember 2026"; styles: long, full (with the weekday), medium, short (buttons), month."""
    if style not in DATE_PATTERNS:
        raise ValueError(f"unknown date style {style!r}; one of {DATE_STYLES}")
    return _dates.format_date(to_moment(value, tz), DATE_PATTERNS[style], locale=_locale(lang))


def zone_name(moment: datetime, tz: tzinfo = CLINIC_ZONE) -> str:
    """"WIB" for Asia/Jakarta (CLDR's Indonesian short name; "+0100" style for zones without one)."""
    return _dates.format_time(moment.astimezone(tz), "z", tzinfo=tz, locale="id")


def format_time(value: datetime | time | str, lang: str = "id", tz: tzinfo = CLINIC_ZONE,
                zone: bool = True) -> str:
    """"08.00 WIB" (id) / "08:00 WIB" (en); a bare `time` has no zone."""
    if isinstance(value, time):
        return _dates.format_skeleton(_TIME_SKELETON, datetime.combine(date(2000, 1, 1), value),
                                      locale=_locale(lang))
    moment = to_moment(value, tz)
    if not isinstance(moment, datetime):
        raise TypeError(f"a time needs a datetime, got {value!r}")
    text = _dates.format_skeleton(_TIME_SKELETON, moment, tzinfo=tz, locale=_locale(lang))
    return f"{text} {zone_name(moment, tz)}" if zone else text


def datetime_parts(value: datetime | str, lang: str = "id", style: str = "full",
                   tz: tzinfo = CLINIC_ZONE) -> tuple[str, str]:
    """The date and the time of `value`, formatted, for a template to join ("pukul" / "at")."""
    moment = to_moment(value, tz)
    if not isinstance(moment, datetime):
        raise TypeError(f"a date and time needs a datetime, got {value!r}")
    return format_date(moment, lang, style, tz), format_time(moment, lang, tz)


def month_name(number: int, lang: str = "id") -> str:
    """1 -> "Januari" / "January"."""
    if not 1 <= int(number) <= 12:
        raise ValueError(f"month must be 1-12, got {number!r}")
    return Locale.parse(_locale(lang)).months["format"]["wide"][int(number)]


# ---- numbers ---------------------------------------------------------------------------------
def _decimal(value: object) -> Decimal:
    result = value if isinstance(value, Decimal) else Decimal(str(value))
    if not result.is_finite():
        raise ValueError(f"cannot format {value!r}")
    return result


def format_number(value: int | Decimal | float | str, lang: str = "id") -> str:
    """A whole number with the locale's grouping: 1234567 -> "1.234.567" / "1,234,567"."""
    whole = _decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return _numbers.format_decimal(whole, "#,##0", locale=_locale(lang))


def format_decimal(value: Decimal | float | int | str, lang: str = "id", places: int = 1,
                   trim: bool = False) -> str:
    """4 -> "4,0" (id) / "4.0" (en) with `places` digits; `trim` drops trailing zeros ("4")."""
    pattern = "#,##0" + ("." + ("#" if trim else "0") * places if places > 0 else "")
    quantum = Decimal(1).scaleb(-places)
    return _numbers.format_decimal(_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP), pattern,
                                   locale=_locale(lang), decimal_quantization=False)


def format_percent(value: Decimal | float | int | str, lang: str = "id", places: int = 0) -> str:
    """A ratio as a percentage: 0.125 -> "13%" / with places=1 "12,5%"."""
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "") + "%"
    return _numbers.format_percent(_decimal(value), pattern, locale=_locale(lang))


def format_money(value: Decimal | int | float | str, lang: str = "id") -> str:
    """Rupiah: "Rp 8.500.000.000" (id) / "Rp 8,500,000,000" (en); cents only when present."""
    amount = _decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    number = _numbers.format_decimal(abs(amount), pattern, locale=_locale(lang), decimal_quantization=True)
    symbol = _numbers.get_currency_symbol("IDR", locale="id")
    return f"{'-' if amount < 0 else ''}{symbol} {number}"


def format_size(size: int, lang: str = "id") -> str:
    """A file size: 512 byte, 1,5 kB, 12,3 MB, 2 GB (steps of 1024, one decimal at most)."""
    value = _decimal(size)
    for unit in ("byte", "kilobyte", "megabyte", "gigabyte"):
        if value < 1024 or unit == "gigabyte":
            break
        value /= 1024
    return _units.format_unit(_one_place(value), f"digital-{unit}", length="short", locale=_locale(lang),
                              format="#,##0.#")


# ---- durations -------------------------------------------------------------------------------
def format_duration(value: timedelta | float | int | Decimal, lang: str = "id", unit: str = "hour") -> str:
    """A length of time, `value` a timedelta or a number of `unit`s ("hour", "minute", "second", "day").

    Under an hour: whole minutes ("45 menit"; under one minute "< 1 menit"); under two days:
    hours with at most one decimal ("1,5 jam"); beyond: days ("2,5 hari")."""
    if isinstance(value, timedelta):
        minutes = Decimal(str(value.total_seconds())) / 60
    else:
        minutes = _decimal(value) * {"second": Decimal(1) / 60, "minute": 1, "hour": 60, "day": 1440}[unit]
    loc = _locale(lang)
    if minutes < 1:
        return "< " + _units.format_unit(1, "duration-minute", locale=loc)
    if minutes < 59.5:
        return _units.format_unit(int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP)), "duration-minute",
                                  locale=loc)
    hours = minutes / 60
    if hours < 48:
        return _units.format_unit(_one_place(hours), "duration-hour", locale=loc, format="#,##0.#")
    return _units.format_unit(_one_place(hours / 24), "duration-day", locale=loc, format="#,##0.#")


def _one_place(value: Decimal) -> Decimal | int:
    """One decimal, or a whole number when that is what it is (so English says "1 hour")."""
    rounded = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else rounded


__all__ = [
    "CLINIC_ZONE", "DATE_STYLES", "datetime_parts", "format_date", "format_decimal", "format_duration",
    "format_money", "format_number", "format_percent", "format_size", "format_time", "month_name", "to_moment",
    "zone_name",
]
