"""Cek kesehatan keuangan: score a savings-and-loans cooperative by the seven aspects of
Peraturan Deputi Bidang Pengawasan Kemenkop UKM No. 06/Per/Dep.6/IV/2016.

Everything regulation-specific (weights, formulas, credit scales, the figures to ask, advice)
lives in bot/health/data/health_ratios.toml; this module only applies it.

Scoring rules:
* ratio score = credit (0..100) x sub_weight / 100; aspect score = sum of its ratio scores.
* SKIPPED FIGURES: a ratio that needs a skipped figure is left out ("unscored"), and the
  total is computed on the answered part and rescaled to 100:
  total = sum(scores) / sum(sub_weights of scored ratios) x 100. `coverage` says how many of
  the 100 weight points were scored and `conclusive` whether that reaches the table's
  `min_coverage`. With nothing scored the total is 0.00. Aspect scores are NOT rescaled: an
  aspect shows what it earned against its full weight, with `scored_max` beside it.
* A ratio whose denominator is zero or negative gets the credit its `on_zero` names (best,
  worst) or is unscored with reason "undefined"; with nothing above the line either (0/0, an
  empty balance sheet) it is always unscored: no figure, no credit.
* The total is rounded half-up to 2 decimals, and the band is that of the rounded total.
* `score` does not reject inconsistent figures (the chat checks each figure with
  `validate_figure` as it is typed); any figures give a total within 0..100.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Mapping

from bot.health.table import HUNDRED, Figure, Ratio, Table, Undefined, load_table

__all__ = [
    "Band", "band_for", "Step", "HEALTH_STEPS", "TABLE", "RatioResult", "AspectResult",
    "Unscored", "Weakness", "HealthResult", "score", "validate_figure", "check_figures",
    "problem_question",
]

Figures = Mapping[str, "Decimal | bool | None"]
CENT = Decimal("0.01")


class Band(Enum):
    """The four bands, with their exact inclusive lower bounds; their names are the templates'
    (`health.band`)."""

    SEHAT = ("sehat", "80.00")
    CUKUP_SEHAT = ("cukup_sehat", "66.00")
    DALAM_PENGAWASAN = ("dalam_pengawasan", "51.00")
    DALAM_PENGAWASAN_KHUSUS = ("dalam_pengawasan_khusus", "0")

    def __new__(cls, code: str, lower: str) -> "Band":
        obj = object.__new__(cls)
        obj._value_ = code
        obj.lower = Decimal(lower)
        return obj

    @property
    def needs_alert(self) -> bool:
        """Dalam Pengawasan or worse is posted to the staff group."""
        return self in (Band.DALAM_PENGAWASAN, Band.DALAM_PENGAWASAN_KHUSUS)


def band_for(total: Decimal | int | str) -> Band:
    """Band of a score: >= 80.00 Sehat, >= 66.00 Cukup Sehat, >= 51.00 Dalam Pengawasan."""
    value = Decimal(str(total))
    return next(b for b in Band if value >= b.lower or b is Band.DALAM_PENGAWASAN_KHUSUS)


TABLE: Table = load_table()


@dataclass(frozen=True)
class Step(Figure):
    """A figure of the table as the chat asks for it: `number` is 1-based ("Langkah 5 dari 21"),
    `used_by` the ratios it feeds. Its words are `label_id`/`label_en`, `hint_id`/`hint_en`."""

    number: int = 0
    used_by: tuple[str, ...] = ()


HEALTH_STEPS: tuple[Step, ...] = tuple(
    Step(**{f.name: getattr(figure, f.name) for f in fields(Figure)}, number=n,
         used_by=tuple(r.id for r in TABLE.ratios if figure.id in TABLE.ratio_inputs[r.id]))
    for n, figure in enumerate(TABLE.figures, start=1))
_STEP = {s.id: s for s in HEALTH_STEPS}


@dataclass(frozen=True)
class RatioResult:
    id: str
    aspect: str
    name_id: str
    name_en: str
    sub_weight: Decimal
    value: Decimal | None  # the ratio in percent; None for yes/no, zero denominators, skips
    credit: Decimal | None  # 0..100
    score: Decimal | None  # credit x sub_weight / 100
    reason: str | None = None  # why unscored: "skipped" | "undefined"
    missing: tuple[str, ...] = ()  # skipped figure ids
    side: str = "low"  # "high" when a best-in-the-middle ratio is too high

    @property
    def scored(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class AspectResult:
    id: str
    name_id: str
    name_en: str
    max: Decimal  # the aspect weight
    score: Decimal  # points earned by its scored ratios
    scored_max: Decimal  # sub-weights of its scored ratios (== max when complete)

    @property
    def complete(self) -> bool:
        return self.scored_max == self.max


@dataclass(frozen=True)
class Unscored:
    """A whole aspect (level "aspect") or a single ratio that could not be scored."""

    level: str  # "aspect" | "ratio"
    id: str
    name_id: str
    name_en: str
    reason: str  # "skipped" | "undefined"
    missing: tuple[str, ...]  # skipped figure ids, in step order


@dataclass(frozen=True)
class Weakness:
    ratio_id: str
    aspect_id: str
    name_id: str
    name_en: str
    lost: Decimal  # points below the ratio's maximum
    max: Decimal
    advice_id: str
    advice_en: str
    faq: tuple[str, ...]


@dataclass(frozen=True)
class HealthResult:
    total: Decimal  # 0.00..100.00, rescaled over the scored part
    band: Band
    coverage: Decimal  # weight points scored, 0..100
    conclusive: bool
    aspects: tuple[AspectResult, ...]
    ratios: tuple[RatioResult, ...]
    unscored: tuple[Unscored, ...]

    @property
    def needs_alert(self) -> bool:
        return self.band.needs_alert

    def weakest(self, n: int = 3) -> tuple[Weakness, ...]:
        """The n weak ratios (credit below the table's `weak_credit_below`) that lost most
        points, ties in table order, with advice for the side they miss on."""
        lost = [(r.sub_weight - r.score, i, r) for i, r in enumerate(self.ratios)
                if r.score is not None and r.credit < TABLE.weak_credit_below]  # type: ignore[operator]
        lost.sort(key=lambda t: (-t[0], t[1]))
        by_id = {r.id: r for r in TABLE.ratios}
        out = []
        for points, _, r in lost[:n]:
            adv = by_id[r.id].advice
            high = r.side == "high" and adv.id_high
            out.append(Weakness(
                r.id, r.aspect, r.name_id, r.name_en, points, r.sub_weight,
                adv.id_high if high else adv.id, adv.en_high if high else adv.en,  # type: ignore[arg-type]
                adv.faq_high if high else adv.faq))
        return tuple(out)


def _check_types(figures: Figures) -> None:
    unknown = set(figures) - set(_STEP)
    if unknown:
        raise ValueError(f"unknown figure ids: {sorted(unknown)}")
    for key, value in figures.items():
        if value is not None and _kind_problem(_STEP[key], value):
            raise TypeError(f"{key}: {value!r} does not fit kind {_STEP[key].kind}")


def _kind_problem(step: Step, value: object) -> str | None:
    if step.kind == "yesno":
        return None if isinstance(value, bool) else "not_yes_no"
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return "not_a_number"
    if not Decimal(value).is_finite():
        return "not_a_number"
    return None


def _derive(figures: Figures) -> tuple[dict[str, Decimal], set[str]]:
    """Figures plus derived values; the second set names derived values that divide by 0."""
    env = {k: Decimal(v) for k, v in figures.items() if v is not None and not isinstance(v, bool)}
    undefined: set[str] = set()
    for name, expr in TABLE.derived:
        if expr.names & undefined:
            undefined.add(name)
        elif expr.names <= env.keys():
            try:
                env[name] = expr.evaluate(env)
            except Undefined:
                undefined.add(name)
    return env, undefined


def _score_ratio(ratio: Ratio, figures: Figures, env: dict[str, Decimal],
                 undefined: set[str]) -> RatioResult:
    base = dict(id=ratio.id, aspect=ratio.aspect, name_id=ratio.name_id,
                name_en=ratio.name_en, sub_weight=ratio.sub_weight)
    missing = tuple(s.id for s in HEALTH_STEPS
                    if s.id in TABLE.ratio_inputs[ratio.id] and figures.get(s.id) is None)
    if missing:
        return RatioResult(**base, value=None, credit=None, score=None,
                           reason="skipped", missing=missing)
    value: Decimal | None = None
    if ratio.input is not None:
        credit = ratio.scale.credit(bool(figures[ratio.input]))
    else:
        assert ratio.numerator is not None and ratio.denominator is not None
        num: Decimal | None = None
        try:
            if (ratio.numerator.names | ratio.denominator.names) & undefined:
                raise Undefined(ratio.id)
            den = ratio.denominator.evaluate(env)
            num = ratio.numerator.evaluate(env)
            if den <= 0:
                raise Undefined(ratio.id)
            value = num / den * HUNDRED
        except Undefined:
            # x/0 with something on top (cash but no current debts) may earn the table's credit;
            # 0/0 says nothing at all (an empty balance sheet) and is never scored as the best.
            if ratio.on_zero == "unscored" or (ratio.on_zero == "best" and (num is None or num <= 0)):
                return RatioResult(**base, value=None, credit=None, score=None,
                                   reason="undefined")
            credit = ratio.scale.best if ratio.on_zero == "best" else ratio.scale.worst
        else:
            credit = ratio.scale.credit(value)
    side = "high" if value is not None and ratio.direction == "range" \
        and ratio.scale.is_above_best(value) else "low"
    return RatioResult(**base, value=value, credit=credit,
                       score=credit * ratio.sub_weight / HUNDRED, side=side)


def score(figures: Figures) -> HealthResult:
    """Score the figures (step id -> Decimal, bool for yes/no, None when skipped)."""
    _check_types(figures)
    env, undefined = _derive(figures)
    ratios = tuple(_score_ratio(r, figures, env, undefined) for r in TABLE.ratios)
    aspects, unscored = [], []
    for a in TABLE.aspects:
        mine = [r for r in ratios if r.aspect == a.id]
        done = [r for r in mine if r.scored]
        aspects.append(AspectResult(
            a.id, a.name_id, a.name_en, a.weight,
            sum((r.score for r in done), Decimal(0)),  # type: ignore[misc]
            sum((r.sub_weight for r in done), Decimal(0))))
        left = [r for r in mine if not r.scored]
        if left and not done:
            missing = {m for r in left for m in r.missing}
            unscored.append(Unscored(
                "aspect", a.id, a.name_id, a.name_en,
                "skipped" if missing else "undefined",
                tuple(s.id for s in HEALTH_STEPS if s.id in missing)))
        else:
            unscored.extend(Unscored("ratio", r.id, r.name_id, r.name_en, r.reason or "",
                                     r.missing) for r in left)
    coverage = sum((a.scored_max for a in aspects), Decimal(0))
    points = sum((a.score for a in aspects), Decimal(0))
    total = (points / coverage * HUNDRED if coverage else Decimal(0)).quantize(
        CENT, rounding=ROUND_HALF_UP)
    return HealthResult(total, band_for(total), coverage, coverage >= TABLE.min_coverage,
                        tuple(aspects), ratios, tuple(unscored))


def check_figures(figures: Figures) -> list[str]:
    """Codes of the consistency checks the (non-skipped) figures break, in table order."""
    known = {k: Decimal(v) for k, v in figures.items()
             if v is not None and not isinstance(v, bool)}
    return [c.code for c in TABLE.checks
            if c.names <= known.keys() and not c.lhs.evaluate(known) <= c.rhs.evaluate(known)]


def validate_figure(step_id: str, value: Decimal | bool | None,
                    figures_so_far: Figures) -> str | None:
    """Problem code for an impossible answer to `step_id`, or None when it can be kept.

    Codes: "not_a_number", "not_yes_no", "negative", and the `[[checks]]` codes of the table
    (e.g. "bad_loans_exceed_loans") for checks that involve this figure and whose other
    figures are already known. A skipped figure (None) is always acceptable.
    """
    step = _STEP[step_id]
    if value is None:
        return None
    problem = _kind_problem(step, value)
    if problem or step.kind == "yesno":
        return problem
    if value < 0 and not step.allow_negative:  # type: ignore[operator]
        return "negative"
    merged = {**{k: v for k, v in figures_so_far.items() if k in _STEP}, step_id: value}
    codes = check_figures(merged)
    mine = {c.code for c in TABLE.checks if step_id in c.names}
    return next((c for c in codes if c in mine), None)


def problem_question(code: str) -> dict[str, str]:
    """The question the chat asks back for a problem code, in both languages."""
    question_id, question_en = TABLE.problems[code]
    return {"id": question_id, "en": question_en}
