"""Risk ranking: which cooperatives the office should look at first, and why.

The weights live in one data file the office edits (`bot/supervision/data/risk.toml`, its
header explains each reason); `load_config` checks it and names the section and key of any
mistake. `assess` is pure: facts in (bot.supervision.facts), a score and its reasons out. Every
reason carries its evidence (the health check, the tickets, the obligation dates, the last
contact), so a list can always show why a cooperative is on it.
"""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.tickets.rules import number

DEFAULT_PATH = Path(__file__).parent / "data" / "risk.toml"

# section -> allowed keys (all whole numbers); "weight"-like keys are 0..100
SCHEMA: dict[str, tuple[str, ...]] = {
    "health_band": ("dalam_pengawasan", "dalam_pengawasan_khusus"),
    "governance_red_flag": ("weight",),
    "rat_past_legal_limit": ("weight",),
    "rat_report_missing": ("weight",),
    "curative_tickets": ("weight", "min_count", "window_days"),
    "no_contact": ("weight", "days"),
}
WEIGHT_KEYS = {"weight", "dalam_pengawasan", "dalam_pengawasan_khusus"}
REASON_ORDER = ("health_band", "governance_red_flag", "rat_past_legal_limit", "rat_report_missing",
                "curative_tickets", "no_contact")


class RiskConfigError(ValueError):
    """risk.toml is malformed; the message names the section and the key."""


@dataclass(frozen=True)
class RiskConfig:
    band_dp: int
    band_dpk: int
    red_flag: int
    rat_past_limit: int
    rat_report_missing: int
    curative_weight: int
    curative_min: int
    curative_days: int
    no_contact_weight: int
    no_contact_days: int


def parse_config(data: dict[str, Any], source: str = "risk.toml") -> RiskConfig:
    unknown = set(data) - set(SCHEMA)
    if unknown:
        raise RiskConfigError(f"{source}: unknown section [{sorted(unknown)[0]}]")
    values: dict[str, int] = {}
    for section, keys in SCHEMA.items():
        table = data.get(section)
        if not isinstance(table, dict):
            raise RiskConfigError(f"{source}: section [{section}] is missing")
        extra = set(table) - set(keys)
        if extra:
            raise RiskConfigError(f"{source}: [{section}] unknown key {sorted(extra)[0]!r}")
        for key in keys:
            value = table.get(key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise RiskConfigError(f"{source}: [{section}] {key} must be a whole number, got {value!r}")
            if key in WEIGHT_KEYS and not 0 <= value <= 100:
                raise RiskConfigError(f"{source}: [{section}] {key} must be 0-100, got {value}")
            if key not in WEIGHT_KEYS and not 1 <= value <= 3650:
                raise RiskConfigError(f"{source}: [{section}] {key} must be 1-3650, got {value}")
            values[f"{section}.{key}"] = value
    return RiskConfig(
        band_dp=values["health_band.dalam_pengawasan"], band_dpk=values["health_band.dalam_pengawasan_khusus"],
        red_flag=values["governance_red_flag.weight"], rat_past_limit=values["rat_past_legal_limit.weight"],
        rat_report_missing=values["rat_report_missing.weight"], curative_weight=values["curative_tickets.weight"],
        curative_min=values["curative_tickets.min_count"], curative_days=values["curative_tickets.window_days"],
        no_contact_weight=values["no_contact.weight"], no_contact_days=values["no_contact.days"])


@functools.lru_cache(maxsize=4)
def load_config(path: Path = DEFAULT_PATH) -> RiskConfig:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RiskConfigError(f"{Path(path).name}: not valid TOML: {exc}") from None
    return parse_config(data, Path(path).name)


# ---- facts and assessment -------------------------------------------------------------------
@dataclass(frozen=True)
class CheckFact:
    id: int
    kind: str            # financial | governance
    total: str           # decimal text
    band: str            # bot.health.scoring.Band value
    finished_on: date
    red_flags: tuple[str, ...] = ()
    score_band: str = ""  # the band its score earns (before a red flag's cap); see `score_band`


@dataclass(frozen=True)
class RatFact:
    fiscal_year: int
    status: str                 # held | not_due | late | past_limit
    due: date
    legal_limit: date | None
    held_on: date | None = None
    report_status: str | None = None  # reported | pending | overdue | None (no RAT held yet)
    report_due: date | None = None
    reported_on: date | None = None
    report_year: int | None = None     # the financial year whose report the status is about (an
    report_held_on: date | None = None  # older, unreported RAT comes first) and its meeting date


@dataclass(frozen=True)
class CoopFacts:
    id: int
    name: str
    kecamatan: str
    kind: str
    registered: date
    financial: CheckFact | None = None
    financial_prev: CheckFact | None = None
    governance: CheckFact | None = None
    governance_prev: CheckFact | None = None
    rat: RatFact | None = None
    curative: tuple[tuple[int, date], ...] = ()   # (ticket id, opened on) within the window
    last_contact: date | None = None


@dataclass(frozen=True)
class Evidence:
    kind: str                 # check | ticket | obligation | contact
    ref: int | None = None    # check id or ticket id
    on: date | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Assessment:
    facts: CoopFacts
    score: int
    reasons: tuple[Reason, ...]

    @property
    def id(self) -> int:
        return self.facts.id


_BAND_RANK = {"sehat": 0, "cukup_sehat": 1, "dalam_pengawasan": 2, "dalam_pengawasan_khusus": 3}


def band_rank(band: str | None) -> int:
    return _BAND_RANK.get(band or "", -1)


def score_band(check: CheckFact) -> str:
    """The band the check's score earns. A governance red flag caps the stored band at Dalam
    Pengawasan; that cap is the red-flag reason's to count, not the band reason's as well."""
    if check.score_band:
        return check.score_band
    from bot.health.scoring import band_for
    try:
        return band_for(check.total).value
    except (ArithmeticError, ValueError):
        return check.band


def worst_check(f: CoopFacts) -> CheckFact | None:
    checks = [c for c in (f.financial, f.governance) if c is not None]
    return max(checks, key=lambda c: (band_rank(score_band(c)), c.finished_on), default=None)


def assess(f: CoopFacts, cfg: RiskConfig, today: date) -> Assessment:
    reasons: list[Reason] = []

    def add(code: str, points: int, *evidence: Evidence) -> None:
        if points > 0:
            reasons.append(Reason(code, points, tuple(evidence)))

    worst = worst_check(f)
    band = score_band(worst) if worst is not None else None
    if worst is not None and band in ("dalam_pengawasan", "dalam_pengawasan_khusus"):
        points = cfg.band_dpk if band == "dalam_pengawasan_khusus" else cfg.band_dp
        add("health_band", points, Evidence("check", worst.id, worst.finished_on,
                                            {"kind": worst.kind, "total": worst.total, "band": band}))
    if f.governance is not None and f.governance.red_flags:
        add("governance_red_flag", cfg.red_flag,
            Evidence("check", f.governance.id, f.governance.finished_on,
                     {"kind": "governance", "flags": list(f.governance.red_flags)}))
    rat = f.rat
    if rat is not None and rat.status == "past_limit":
        add("rat_past_legal_limit", cfg.rat_past_limit,
            Evidence("obligation", None, rat.legal_limit, {"year": rat.fiscal_year, "due": rat.due}))
    if rat is not None and rat.report_status == "overdue":
        add("rat_report_missing", cfg.rat_report_missing,
            Evidence("obligation", None, rat.report_due, {"year": rat.report_year or rat.fiscal_year,
                                                          "held_on": rat.report_held_on or rat.held_on}))
    if len(f.curative) >= cfg.curative_min:
        add("curative_tickets", cfg.curative_weight,
            *(Evidence("ticket", tid, opened, {"number": number(tid)}) for tid, opened in f.curative))
    contact = f.last_contact or f.registered
    if (today - contact).days >= cfg.no_contact_days:
        add("no_contact", cfg.no_contact_weight, Evidence("contact", None, contact, {"days": (today - contact).days}))
    reasons.sort(key=lambda r: REASON_ORDER.index(r.code))
    return Assessment(f, sum(r.points for r in reasons), tuple(reasons))


def rank(facts: list[CoopFacts], cfg: RiskConfig, today: date, include_zero: bool = False) -> list[Assessment]:
    """Highest score first; ties: worse health band, then more reasons, then name."""
    out = [assess(f, cfg, today) for f in facts]
    if not include_zero:
        out = [a for a in out if a.score > 0]
    def worst_band(a: Assessment) -> int:
        check = worst_check(a.facts)
        return band_rank(score_band(check)) if check else -1

    out.sort(key=lambda a: (-a.score, -worst_band(a), -len(a.reasons), a.facts.name.lower(), a.id))
    return out
