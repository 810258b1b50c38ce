"""Rupiah amounts as Indonesian managers type them, and back.

`parse_money` accepts what people write in chat: "Rp 1.250.000.000", "Rp1.250.000.000,-",
"1,25 M", "1.25 miliar", "1,5 milyar", "750 jt", "750rb", "750.000,50", "2,5T", "-Rp 5.000".

Decisions for the ambiguous cases (Indonesian conventions first):

* "." and "," both present: the one that comes LAST is the decimal separator and the other
  one groups thousands ("750.000,50" = 750000.50; "1,250,000.50" = 1250000.50).
* Only commas: one comma is a decimal comma ("1,25" = 1.25, "1,250" = 1.25); two or more
  commas group thousands ("1,250,000" = 1250000).
* Only dots: two or more dots group thousands ("1.250.000"); a single dot groups thousands
  when exactly three digits follow it ("1.250" = 1250, "2.500 jt" = 2,500 juta), otherwise
  it is a decimal point ("1.25 miliar", "1.5jt").
* Units: rb/ribu/k = 10^3, jt/juta = 10^6, M/miliar/milyar/B = 10^9 ("M" is miliar, as in
  Indonesian; not million), T/triliun/trilyun = 10^12. The unit may follow with or without a
  space.
* A minus sign in front (before or after "Rp") makes the amount negative.

Errors raise `MoneyError` (a ValueError) whose `reason` is a short code the chat can turn
into a question: "empty", "no_digits", "unknown_unit", "bad_grouping", "bad_number".
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MoneyError", "parse_money"]

_UNITS: dict[str, int] = {
    "rb": 10**3, "ribu": 10**3, "k": 10**3,
    "jt": 10**6, "juta": 10**6,
    "m": 10**9, "miliar": 10**9, "milyar": 10**9, "milyard": 10**9, "miliard": 10**9,
    "mlyr": 10**9, "mly": 10**9, "b": 10**9,
    "t": 10**12, "triliun": 10**12, "trilyun": 10**12, "tn": 10**12,
}

_SHAPE = re.compile(r"^(?P<sign>-?)(?P<num>[0-9][0-9.,]*)(?P<unit>[a-z]*)$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{3})+$")


class MoneyError(ValueError):
    """Raised by `parse_money`; `reason` is a stable code, the message says why in English."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _clean(text: str) -> str:
    s = text.strip().lower().replace("\u00a0", "").replace("\u2212", "-")
    s = re.sub(r"\s+", "", s)
    # A trailing ",-" or ".-" means "no cents" on Indonesian invoices.
    s = re.sub(r"[.,]-$", "", s)
    sign = ""
    if s.startswith("-"):
        sign, s = "-", s[1:]
    for prefix in ("rp.", "rp", "idr"):
        if s.startswith(prefix):
            s = s[len(prefix):]
            break
    if s.startswith("-"):
        if sign:
            raise MoneyError("bad_number", f"two minus signs in {text!r}")
        sign, s = "-", s[1:]
    s = s.rstrip(".")  # "750 jt." / "Rp 5.000."
    return sign + s


def _plain_number(num: str, original: str) -> str:
    """Turn "1.250.000,50" into "1250000.50" following the module's separator rules."""
    has_dot, has_comma = "." in num, "," in num
    if has_dot and has_comma:
        decimal_sep = "." if num.rfind(".") > num.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        whole, _, frac = num.rpartition(decimal_sep)
        if decimal_sep in whole or not frac:
            raise MoneyError("bad_number", f"more than one decimal separator in {original!r}")
        if not _GROUPED.match(whole):
            raise MoneyError("bad_grouping", f"thousands not grouped by three in {original!r}")
        return whole.replace(group_sep, "") + "." + frac
    sep = "," if has_comma else "." if has_dot else ""
    if not sep:
        return num
    count = num.count(sep)
    single_decimal = count == 1 and (sep == "," or len(num.rpartition(".")[2]) != 3)
    if single_decimal:
        whole, _, frac = num.partition(sep)
        if not frac:
            raise MoneyError("bad_number", f"nothing after the separator in {original!r}")
        return whole + "." + frac
    if not _GROUPED.match(num):
        raise MoneyError("bad_grouping", f"thousands not grouped by three in {original!r}")
    return num.replace(sep, "")


def parse_money(text: str) -> Decimal:
    """Parse an amount of rupiah typed by a person; see the module docstring for the rules."""
    if not text or not text.strip():
        raise MoneyError("empty", "no amount given")
    s = _clean(text)
    if not any(ch.isdigit() for ch in s):
        raise MoneyError("no_digits", f"no digits in {text!r}")
    m = _SHAPE.match(s)
    if not m:
        raise MoneyError("bad_number", f"cannot read {text!r} as an amount")
    unit = m["unit"]
    if unit and unit not in _UNITS:
        raise MoneyError("unknown_unit", f"unknown unit {unit!r} in {text!r}")
    value = Decimal(_plain_number(m["num"], text)) * _UNITS.get(unit, 1)
    if m["sign"]:
        value = -value
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value
