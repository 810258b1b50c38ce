"""Loading and checking the obligation rules data file (`bot/calendar/data/obligations.toml`).

Kept apart from the calendar so that the office's data file and its validation have one home.
"""

from __future__ import annotations

import calendar
import functools
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

KINDS = frozenset({"karyawan", "simpan_pinjam", "serba_usaha", "konsumen", "produsen", "jasa", "lainnya"})
BASES = frozenset({"fy_end", "rat_held", "nik_base"})
PLACEHOLDERS = frozenset({"cooperative", "title", "due_date", "days_left", "legal_limit", "period"})
DEFAULT_RULES_PATH = Path(__file__).parent / "data" / "obligations.toml"
LOCALES = ("id", "en")


class RulesError(ValueError):
    """The obligations data file is malformed; the message names the obligation and field."""


@functools.lru_cache(maxsize=4096)  # pure; the supervision risk list asks it ~50,000 times
def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(d: date, months: int, *, to_month_end: bool = False) -> date:
    """Shift by whole months; the day is clamped (31 Jan + 1 month = 28/29 Feb)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if to_month_end:
        return month_end(year, month)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DateRule:
    basis: str
    months: int
    month_end: bool
    every_months: int | None = None

    def apply(self, anchor: date) -> date:
        return add_months(anchor, self.months, to_month_end=self.month_end)


@dataclass(frozen=True)
class FollowUpRule:
    ask_every_days: int
    alert_consultant: bool
    ask: Mapping[str, str]
    alert: Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    id: str
    title: Mapping[str, str]
    message: Mapping[str, str]
    message_today: Mapping[str, str]
    message_overdue: Mapping[str, str]
    applies_to: frozenset[str] | None  # None = all kinds
    lead_days: tuple[int, ...]
    grace_hours: float
    due: DateRule
    legal_limit: DateRule | None = None
    follow_up: FollowUpRule | None = None

    def applies(self, kind: str) -> bool:
        return self.applies_to is None or kind in self.applies_to


@dataclass(frozen=True)
class Rules:
    obligations: tuple[Rule, ...]
    send_hour: int = 8

    def get(self, obligation_id: str) -> Rule:
        for rule in self.obligations:
            if rule.id == obligation_id:
                return rule
        raise KeyError(obligation_id)


def _texts(raw: dict, key: str, where: str, *, required: bool = True) -> dict[str, str]:
    texts = {}
    for locale in LOCALES:
        value = raw.get(f"{key}_{locale}")
        if value is None:
            if required:
                raise RulesError(f"{where}: missing {key}_{locale}")
            continue
        if not isinstance(value, str):
            raise RulesError(f"{where}: {key}_{locale} must be text")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise RulesError(f"{where}: {key}_{locale}: {exc}") from None
        unknown = names - PLACEHOLDERS
        if unknown:
            raise RulesError(f"{where}: {key}_{locale} uses unknown placeholder(s) {sorted(unknown)}; "
                             f"allowed: {sorted(PLACEHOLDERS)}")
        texts[locale] = value
    return texts


def _date_rule(raw: object, where: str) -> DateRule:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be a table")
    basis = raw.get("basis")
    if basis not in BASES:
        raise RulesError(f"{where}.basis: {basis!r} is not one of {sorted(BASES)}")
    months, every = raw.get("months", 0), raw.get("every_months")
    if not isinstance(months, int) or months < 0:
        raise RulesError(f"{where}.months: must be a whole number >= 0")
    if every is not None and (not isinstance(every, int) or not 1 <= every <= 12 or 12 % every):
        raise RulesError(f"{where}.every_months: must divide 12 (1, 2, 3, 4, 6 or 12)")
    if every is not None and basis != "fy_end":
        raise RulesError(f"{where}.every_months: only for basis 'fy_end'")
    return DateRule(basis, months, bool(raw.get("month_end", False)), every)


def _rule(raw: dict, defaults: dict, index: int) -> Rule:
    oid = raw.get("id")
    if not isinstance(oid, str) or not oid.isidentifier():
        raise RulesError(f"obligation #{index + 1}: id must be a simple name, got {oid!r}")
    where = f"obligation {oid!r}"
    applies = raw.get("applies_to", "all")
    if applies == "all":
        applies_to = None
    elif isinstance(applies, list) and applies:
        unknown = set(applies) - KINDS
        if unknown:
            raise RulesError(f"{where}: applies_to has unknown kind(s) {sorted(unknown)}; "
                             f"known: {sorted(KINDS)}")
        applies_to = frozenset(applies)
    else:
        raise RulesError(f"{where}: applies_to must be \"all\" or a list of kinds")
    lead = raw.get("lead_days", defaults.get("lead_days", [30, 7, 1, 0]))
    if not isinstance(lead, list) or not all(isinstance(x, int) and x >= 0 for x in lead):
        raise RulesError(f"{where}: lead_days must be a list of whole numbers >= 0")
    grace = raw.get("grace_hours", defaults.get("grace_hours", 36))
    if not isinstance(grace, (int, float)) or grace < 0:
        raise RulesError(f"{where}: grace_hours must be a number >= 0")
    if "due" not in raw:
        raise RulesError(f"{where}: missing [obligation.due]")
    follow = raw.get("follow_up")
    follow_up = None
    if follow is not None:
        every = follow.get("ask_every_days", 7)
        if not isinstance(every, int) or every < 0:
            raise RulesError(f"{where}.follow_up.ask_every_days: must be a whole number >= 0")
        follow_up = FollowUpRule(every, bool(follow.get("alert_consultant", False)),
                                 _texts(follow, "ask", f"{where}.follow_up"),
                                 _texts(follow, "alert", f"{where}.follow_up"))
    return Rule(
        id=oid,
        title=_texts(raw, "title", where),
        message=_texts(raw, "message", where),
        message_today=_texts(raw, "message_today", where, required=False),
        message_overdue={**_texts(defaults, "message_overdue", "defaults", required=False),
                         **_texts(raw, "message_overdue", where, required=False)},
        applies_to=applies_to,
        lead_days=tuple(sorted(set(lead), reverse=True)),
        grace_hours=float(grace),
        due=_date_rule(raw["due"], f"{where}.due"),
        legal_limit=_date_rule(raw["legal_limit"], f"{where}.legal_limit") if "legal_limit" in raw else None,
        follow_up=follow_up,
    )


def parse_rules(text: str) -> Rules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"obligations file is not valid TOML: {exc}") from None
    defaults = data.get("defaults", {})
    raws = data.get("obligation", [])
    if not isinstance(raws, list) or not raws:
        raise RulesError("obligations file has no [[obligation]] entries")
    rules = tuple(_rule(raw, defaults, i) for i, raw in enumerate(raws))
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RulesError(f"duplicate obligation id(s): {sorted(duplicates)}")
    send_hour = defaults.get("send_hour", 8)
    if not isinstance(send_hour, int) or not 0 <= send_hour <= 23:
        raise RulesError("defaults.send_hour must be an hour 0-23")
    return Rules(rules, send_hour)


@functools.lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return parse_rules(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def load_rules(path: str | Path | None = None) -> Rules:
    """Rules from `path`, or the bundled data file (read once) when `path` is None."""
    if path is None:
        return _default_rules()
    return parse_rules(Path(path).read_text(encoding="utf-8"))
