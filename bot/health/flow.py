"""The chat side of the health checks, without Telegram: which step comes next, reading a
typed answer, and the plain values the templates show (result, history, alert).

Answers are stored as JSON (storage.health): step id -> decimal text for numbers, true/false
for yes/no, a choice id for governance questions, null for a skipped step. The next step is
always the first one without an answer, so the stored answers alone say where a manager is.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Mapping, Sequence

from bot.health.governance import GOVERNANCE_QUESTIONS, GovernanceResult, score_governance, validate_answer
from bot.health.scoring import HEALTH_STEPS, HealthResult, score, validate_figure
from bot.health.money import MoneyError, parse_money

FINANCIAL, GOVERNANCE = "financial", "governance"
KINDS = (FINANCIAL, GOVERNANCE)
SKIP_WORDS = frozenset({"lewati", "lewat", "skip", "-", "tidak tahu", "tidak ada data", "n/a"})
YES_WORDS = frozenset({"ya", "y", "iya", "yes", "yoi", "betul", "benar", "ada", "sudah"})
NO_WORDS = frozenset({"tidak", "tdk", "t", "no", "n", "nggak", "ngga", "gak", "enggak", "belum", "bukan"})
_STEP = {s.id: s for s in HEALTH_STEPS}
_QUESTION = {q.id: q for q in GOVERNANCE_QUESTIONS}


def step_ids(kind: str) -> tuple[str, ...]:
    if kind == FINANCIAL:
        return tuple(s.id for s in HEALTH_STEPS)
    if kind == GOVERNANCE:
        return tuple(q.id for q in GOVERNANCE_QUESTIONS)
    raise ValueError(f"unknown check kind {kind!r}")


@dataclass(frozen=True)
class Prompt:
    """The step to ask: "Langkah <number> dari <total>"."""
    kind: str
    step_id: str
    number: int
    total: int


def next_prompt(kind: str, answers: Mapping[str, object]) -> Prompt | None:
    ids = step_ids(kind)
    for number, step_id in enumerate(ids, start=1):
        if step_id not in answers:
            return Prompt(kind, step_id, number, len(ids))
    return None


def prompt_at(kind: str, number: int) -> Prompt | None:
    ids = step_ids(kind)
    return Prompt(kind, ids[number - 1], number, len(ids)) if 1 <= number <= len(ids) else None


def answered_count(kind: str, answers: Mapping[str, object]) -> int:
    return sum(1 for s in step_ids(kind) if s in answers)


def go_back(kind: str, answers: Mapping[str, object]) -> dict:
    """Forget the answer before the current step, so it is asked again."""
    current = next_prompt(kind, answers)
    ids = step_ids(kind)
    upto = current.number - 1 if current else len(ids)
    out = dict(answers)
    if upto >= 1:
        out.pop(ids[upto - 1], None)
    return out


# ---- reading answers -------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Why an answer cannot be kept: a `bot.health.scoring.problem_question` code; `detail` is the
    money parser's reason when the text was not an amount."""
    code: str
    detail: str | None = None


def is_skip(text: str) -> bool:
    return text.strip().lower().rstrip(".!") in SKIP_WORDS


def read_yes_no(text: str) -> bool | None:
    word = text.strip().lower().rstrip(".!")
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def read_figure(step_id: str, text: str, answers: Mapping[str, object]) -> Decimal | bool | None | Problem:
    """A typed answer to a financial step: the value to keep (None = skipped) or a Problem."""
    step = _STEP[step_id]
    if is_skip(text):
        return None
    if step.kind == "yesno":
        value: Decimal | bool | None = read_yes_no(text)
        if value is None:
            return Problem("not_yes_no")
    else:
        try:
            value = parse_money(text)
        except MoneyError as exc:
            return Problem("not_a_number", exc.reason)
    code = validate_figure(step_id, value, figures(answers))
    return Problem(code) if code else value


def check_figure(step_id: str, value: Decimal | bool | None, answers: Mapping[str, object]) -> Problem | None:
    code = validate_figure(step_id, value, figures(answers))
    return Problem(code) if code else None


INVALID = object()  # button data that is no answer to the step (forged or from another step)


def button_value(prompt: Prompt, raw: str) -> object:
    """The answer a step button carries: "-" skip, "1"/"0" yes/no, a governance choice id."""
    if raw == "-":
        return None
    if prompt.kind == GOVERNANCE:
        return raw if valid_choice(prompt.step_id, raw) else INVALID
    if _STEP[prompt.step_id].kind == "yesno" and raw in ("1", "0"):
        return raw == "1"
    return INVALID


def encode(value: Decimal | bool | str | None) -> str | bool | None:
    if isinstance(value, Decimal):
        return str(value)
    return value


def figures(answers: Mapping[str, object]) -> dict[str, Decimal | bool | None]:
    """Stored financial answers back to the engine's figures (unknown keys dropped)."""
    out: dict[str, Decimal | bool | None] = {}
    for key, raw in answers.items():
        step = _STEP.get(key)
        if step is None:
            continue
        if raw is None or isinstance(raw, bool):
            out[key] = raw  # type: ignore[assignment]
        else:
            try:
                out[key] = Decimal(str(raw))
            except InvalidOperation:
                out[key] = None
    return out


def governance_answers(answers: Mapping[str, object]) -> dict[str, str | None]:
    return {k: v for k, v in answers.items()
            if k in _QUESTION and (v is None or (isinstance(v, str) and validate_answer(k, v) is None))}


def valid_choice(question_id: str, choice_id: str) -> bool:
    return validate_answer(question_id, choice_id) is None


def _both(item: object, field: str) -> dict[str, str]:
    """`item.<field>_id` / `<field>_en` as one bilingual value; the template picks by the user's language."""
    return {"id": getattr(item, f"{field}_id"), "en": getattr(item, f"{field}_en")}


def title(kind: str, step_id: str) -> dict[str, str]:
    """A step's question or figure name in both languages (the template picks one)."""
    return _both(_QUESTION[step_id], "text") if kind == GOVERNANCE else _both(_STEP[step_id], "label")


def shown_value(kind: str, step_id: str, value: object) -> Decimal | dict[str, str] | bool | None:
    """The answer as the manager reads it back: an amount (the template writes it as money), a
    choice's label in both languages; yes/no stays a bool for the template to word; None when
    skipped."""
    if value is None or isinstance(value, bool):
        return value  # type: ignore[return-value]
    if kind == GOVERNANCE:
        return _both(_QUESTION[step_id].choice(str(value)), "label")
    return Decimal(str(value))


# ---- results ---------------------------------------------------------------------------------
def score_financial(answers: Mapping[str, object]) -> HealthResult:
    return score(figures(answers))


def score_gov(answers: Mapping[str, object]) -> GovernanceResult:
    return score_governance(governance_answers(answers))


def financial_view(result: HealthResult) -> dict:
    """Plain values for the result templates: numbers stay Decimals (the templates format them),
    words are {"id": .., "en": ..} (the templates pick the language), the band is its code."""
    return {
        "total": result.total, "band": result.band.value, "coverage": result.coverage,
        "conclusive": result.conclusive, "needs_alert": result.needs_alert,
        "aspects": [{"name": _both(a, "name"), "score": a.score, "max": a.max, "complete": a.complete,
                     "scored_max": a.scored_max} for a in result.aspects],
        "weakest": [{"name": _both(w, "name"), "advice": _both(w, "advice"), "faq": list(w.faq),
                     "lost": w.lost, "max": w.max} for w in result.weakest(3)],
        "unscored": [{"name": _both(u, "name"), "level": u.level, "reason": u.reason,
                      "missing": [_both(_STEP[m], "label") for m in u.missing]}
                     for u in result.unscored],
    }


def governance_view(result: GovernanceResult) -> dict:
    return {
        "total": result.total, "band": result.band.value, "points": result.points,
        "max_points": result.max_points, "needs_alert": result.needs_alert,
        "red_flags": [_both(f, "text") for f in result.red_flags],
        "weakest": [{"name": _both(a.question, "text"), "advice": _both(a.question, "advice"),
                     "faq": list(a.question.faq), "answer": _both(a.choice, "label") if a.choice else None}
                    for a in result.weakest(3)],
        "unanswered": [_both(_QUESTION[q], "text") for q in result.unanswered],
    }


def faq_ids(view: dict, limit: int = 6) -> list[str]:
    """The knowledge-base entries the weakest points link to, first mention first."""
    seen: dict[str, None] = {}
    for weak in view["weakest"]:
        for entry in weak["faq"]:
            seen.setdefault(entry, None)
    return list(seen)[:limit]


# ---- history ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FinishedCheck:
    """What /riwayat needs of a stored check (storage.health.HealthCheck fits)."""
    id: int
    kind: str
    finished_at: str | None
    total: str | None
    band: str | None


def history_view(checks: Sequence[FinishedCheck]) -> list[dict]:
    """Rows newest first, each with the change against the previous check of the same kind
    (`finished_at` stays the stored UTC text: the template writes it in the clinic's zone)."""
    done = [c for c in checks if c.finished_at and c.total is not None]
    done.sort(key=lambda c: (c.finished_at, c.id), reverse=True)
    rows = []
    for i, check in enumerate(done):
        previous = next((c for c in done[i + 1:] if c.kind == check.kind), None)
        delta = Decimal(check.total) - Decimal(previous.total) if previous else None
        rows.append({
            "id": check.id, "kind": check.kind, "date": check.finished_at,
            "total": Decimal(check.total), "band": check.band, "delta": delta,
            "trend": None if delta is None else ("up" if delta > 0 else "down" if delta < 0 else "same"),
        })
    return rows
