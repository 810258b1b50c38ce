"""Load and check the health-check data table (bot/health/data/health_ratios.toml).

The table is data a consultant edits, so the loader is strict: every inconsistency (weights
that do not add up, a scale with a gap, a formula naming an unknown figure) fails at load with
a message naming the entry, instead of producing a wrong score later.

Formulas are small arithmetic expressions (+ - * /, brackets, numbers, names, min(), max())
evaluated with Decimal; nothing else is allowed, so a typo cannot run code.
"""
from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Mapping

DEFAULT_PATH = Path(__file__).parent / "data" / "health_ratios.toml"

FIGURE_KINDS = ("money", "count", "percent", "yesno")
DIRECTIONS = ("higher_better", "lower_better", "range")
ON_ZERO = ("best", "worst", "unscored")
HUNDRED = Decimal(100)


class TableError(ValueError):
    """The data table is inconsistent; the message names the offending entry."""


class Undefined(Exception):
    """An expression divided by zero."""


def _dec(x: object) -> Decimal:
    return Decimal(str(x)) if isinstance(x, float) else Decimal(x)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Expr:
    """A parsed arithmetic formula over named inputs."""

    source: str
    tree: ast.expr
    names: frozenset[str]

    @classmethod
    def parse(cls, source: str) -> "Expr":
        try:
            tree = ast.parse(source, mode="eval").body
        except SyntaxError as exc:
            raise TableError(f"bad formula {source!r}: {exc.msg}") from None
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Call):
                if not (isinstance(node.func, ast.Name) and node.func.id in ("min", "max")
                        and node.args and not node.keywords):
                    raise TableError(f"only min() and max() may be called in {source!r}")
            elif not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Add, ast.Sub,
                                       ast.Mult, ast.Div, ast.USub, ast.UAdd, ast.Load)):
                raise TableError(f"{type(node).__name__} not allowed in formula {source!r}")
            if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
                raise TableError(f"only numbers may appear in formula {source!r}")
        names -= {"min", "max"}
        return cls(source, tree, frozenset(names))

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        """Evaluate with `values` (must hold every name); raises Undefined on x / 0."""
        return _eval(self.tree, values)


def _eval(node: ast.expr, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, ast.Constant):
        return _dec(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        args = [_eval(a, values) for a in node.args]
        return max(args) if node.func.id == "max" else min(args)  # type: ignore[attr-defined]
    assert isinstance(node, ast.BinOp)
    left, right = _eval(node.left, values), _eval(node.right, values)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    if right == 0:
        raise Undefined(node)
    return left / right


@dataclass(frozen=True)
class Aspect:
    id: str
    name_id: str
    name_en: str
    weight: Decimal


@dataclass(frozen=True)
class Figure:
    id: str
    kind: str
    label_id: str
    label_en: str
    hint_id: str
    hint_en: str
    example: str
    allow_negative: bool


@dataclass(frozen=True)
class Scale:
    """Credit value (0..100) for a ratio in percent, or for a yes/no answer."""

    kind: str  # bands | linear | yesno
    verified: bool
    bands: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()
    intercept: Decimal = Decimal(0)
    slope: Decimal = Decimal(0)
    yes: Decimal = HUNDRED
    no: Decimal = Decimal(0)

    def credit(self, value: Decimal | bool) -> Decimal:
        if self.kind == "yesno":
            return self.yes if value else self.no
        assert not isinstance(value, bool)
        if self.kind == "linear":
            return min(HUNDRED, max(Decimal(0), self.intercept + self.slope * value))
        for lower, upper, credit in self.bands:
            if lower <= value < upper:
                return credit
        return self.bands[-1][2]  # value == +inf

    @property
    def best(self) -> Decimal:
        return self._extreme(max)

    @property
    def worst(self) -> Decimal:
        return self._extreme(min)

    def _extreme(self, pick) -> Decimal:  # type: ignore[no-untyped-def]
        if self.kind == "yesno":
            return pick(self.yes, self.no)
        if self.kind == "linear":
            return pick(HUNDRED, Decimal(0))
        return pick(b[2] for b in self.bands)

    def is_above_best(self, value: Decimal) -> bool:
        """True when `value` lies above the best band (too much of a good thing)."""
        if self.kind != "bands":
            return False
        best_upper = max(b[1] for b in self.bands if b[2] == self.best)
        return value >= best_upper


@dataclass(frozen=True)
class Advice:
    id: str
    en: str
    id_high: str | None
    en_high: str | None
    faq: tuple[str, ...]
    faq_high: tuple[str, ...] = ()  # entries about the "too high" finding (default: `faq`)


@dataclass(frozen=True)
class Ratio:
    id: str
    aspect: str
    name_id: str
    name_en: str
    sub_weight: Decimal
    sub_weight_verified: bool
    direction: str
    scale: Scale
    advice: Advice
    numerator: Expr | None = None  # None for yes/no ratios, which read `input`
    denominator: Expr | None = None
    input: str | None = None
    on_zero: str = "unscored"


@dataclass(frozen=True)
class Check:
    code: str
    lhs: Expr
    rhs: Expr
    question_id: str
    question_en: str

    @property
    def names(self) -> frozenset[str]:
        return self.lhs.names | self.rhs.names


@dataclass(frozen=True)
class Table:
    regulation: str
    min_coverage: Decimal
    weak_credit_below: Decimal
    aspects: tuple[Aspect, ...]
    figures: tuple[Figure, ...]
    derived: tuple[tuple[str, Expr], ...]
    ratios: tuple[Ratio, ...]
    checks: tuple[Check, ...]
    problems: Mapping[str, tuple[str, str]]  # code -> (question_id, question_en)
    ratio_inputs: Mapping[str, frozenset[str]]  # ratio id -> the figure ids it needs


def _scale(raw: dict, where: str) -> Scale:
    kind, verified = raw["kind"], bool(raw["verified"])
    if kind == "yesno":
        return Scale(kind, verified, yes=_dec(raw["yes"]), no=_dec(raw["no"]))
    if kind == "linear":
        return Scale(kind, verified, intercept=_dec(raw["intercept"]), slope=_dec(raw["slope"]))
    if kind != "bands":
        raise TableError(f"{where}: unknown scale kind {kind!r}")
    bands = tuple((_dec(lo), _dec(hi), _dec(v)) for lo, hi, v in raw["bands"])
    if not bands or bands[0][0] != Decimal("-Infinity") or bands[-1][1] != Decimal("Infinity"):
        raise TableError(f"{where}: bands must run from -inf to inf")
    for (_, hi, _), (lo, _, _) in zip(bands, bands[1:]):
        if hi != lo:
            raise TableError(f"{where}: bands leave a gap or overlap at {hi} / {lo}")
    if any(not lo < hi or not 0 <= v <= 100 for lo, hi, v in bands):
        raise TableError(f"{where}: each band needs lower < upper and a credit in 0..100")
    return Scale(kind, verified, bands=bands)


def _ratio(raw: dict, known: set[str], figure_kinds: dict[str, str]) -> Ratio:
    where = f"ratio {raw.get('id')!r}"
    adv = raw["advice"]
    advice = Advice(adv["id"], adv["en"], adv.get("id_high"), adv.get("en_high"),
                    tuple(adv.get("faq", ())), tuple(adv.get("faq_high", adv.get("faq", ()))))
    common = dict(
        id=raw["id"], aspect=raw["aspect"], name_id=raw["name_id"], name_en=raw["name_en"],
        sub_weight=_dec(raw["sub_weight"]), sub_weight_verified=bool(raw["sub_weight_verified"]),
        direction=raw["direction"], scale=_scale(raw["scale"], where), advice=advice,
    )
    if raw["direction"] not in DIRECTIONS:
        raise TableError(f"{where}: direction must be one of {DIRECTIONS}")
    if common["scale"].kind == "yesno":
        if figure_kinds.get(raw.get("input", "")) != "yesno":
            raise TableError(f"{where}: a yes/no scale needs `input` naming a yesno figure")
        return Ratio(**common, input=raw["input"])
    num, den = Expr.parse(raw["numerator"]), Expr.parse(raw["denominator"])
    unknown = (num.names | den.names) - known
    if unknown:
        raise TableError(f"{where}: unknown names {sorted(unknown)}")
    if raw.get("on_zero") not in ON_ZERO:
        raise TableError(f"{where}: on_zero must be one of {ON_ZERO}")
    return Ratio(**common, numerator=num, denominator=den, on_zero=raw["on_zero"])


def _figures(raw: dict) -> tuple[Figure, ...]:
    figures = tuple(
        Figure(f["id"], f["kind"], f["label_id"], f["label_en"], f["hint_id"], f["hint_en"],
               f["example"], bool(f.get("allow_negative", False)))
        for f in raw["figures"])
    for f in figures:
        if f.kind not in FIGURE_KINDS:
            raise TableError(f"figure {f.id!r}: kind must be one of {FIGURE_KINDS}")
    if len({f.id for f in figures}) != len(figures):
        raise TableError("figure ids must be unique")
    return figures


def _derived(raw: dict, known: set[str]) -> list[tuple[str, Expr]]:
    """[derived] names, each over figures or earlier derived names (adds them to `known`)."""
    derived = []
    for name, source in raw.get("derived", {}).items():
        expr = Expr.parse(source)
        if expr.names - known:
            raise TableError(f"derived {name!r}: unknown names {sorted(expr.names - known)}")
        derived.append((name, expr))
        known.add(name)
    return derived


def _checks(raw: dict, figures: tuple[Figure, ...]) -> list[Check]:
    checks = []
    for c in raw.get("checks", []):
        lhs, op, rhs = c["rule"].partition("<=")
        if not op:
            raise TableError(f"check {c['code']!r}: rule must read 'lhs <= rhs'")
        check = Check(c["code"], Expr.parse(lhs.strip()), Expr.parse(rhs.strip()),
                      c["question_id"], c["question_en"])
        if check.names - {f.id for f in figures}:
            raise TableError(f"check {check.code!r}: rules may only name figures")
        checks.append(check)
    return checks


def _ratio_inputs(figures: tuple[Figure, ...], derived: list[tuple[str, Expr]],
                  ratios: tuple[Ratio, ...]) -> dict[str, frozenset[str]]:
    """Which figures each ratio uses (through derived names); every figure must be used."""
    base: dict[str, frozenset[str]] = {f.id: frozenset({f.id}) for f in figures}
    for name, expr in derived:
        base[name] = frozenset().union(*(base[n] for n in expr.names))
    inputs = {
        r.id: base[r.input] if r.input else
        frozenset().union(*(base[n] for n in r.numerator.names | r.denominator.names))  # type: ignore[union-attr]
        for r in ratios}
    unused = {f.id for f in figures} - frozenset().union(*inputs.values())
    if unused:
        raise TableError(f"figures asked but used by no ratio: {sorted(unused)}")
    return inputs


def load_table(path: Path = DEFAULT_PATH) -> Table:
    """Read and check the table; raises TableError naming the first inconsistency."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    aspects = tuple(Aspect(a["id"], a["name_id"], a["name_en"], _dec(a["weight"]))
                    for a in raw["aspects"])
    if sum(a.weight for a in aspects) != 100:
        raise TableError("aspect weights must sum to 100")
    figures = _figures(raw)
    known = {f.id for f in figures}
    derived = _derived(raw, known)
    kinds = {f.id: f.kind for f in figures}
    ratios = tuple(_ratio(r, known, kinds) for r in raw["ratios"])
    aspect_ids = {a.id for a in aspects}
    for a in aspects:
        subs = sum(r.sub_weight for r in ratios if r.aspect == a.id)
        if subs != a.weight:
            raise TableError(f"aspect {a.id!r}: sub-weights sum to {subs}, not {a.weight}")
    if any(r.aspect not in aspect_ids for r in ratios):
        raise TableError("a ratio names an unknown aspect")
    checks = _checks(raw, figures)
    ratio_inputs = _ratio_inputs(figures, derived, ratios)
    problems = {code: (p["question_id"], p["question_en"])
                for code, p in raw.get("problems", {}).items()}
    problems.update({c.code: (c.question_id, c.question_en) for c in checks})
    meta = raw["meta"]
    return Table(meta["regulation"], _dec(meta["min_coverage"]),
                 _dec(meta["weak_credit_below"]), aspects, figures,
                 tuple(derived), ratios, tuple(checks), problems, ratio_inputs)
