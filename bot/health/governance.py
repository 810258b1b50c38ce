"""Cek tata kelola: the governance questionnaire for every cooperative.

Questions, points, red flags and the scale live in bot/health/data/governance.toml (its header
states the scale). In short: points earned / points possible x 100, rounded half-up to 2
decimals; "does not apply" answers leave the question out of the maximum; unanswered
questions count 0; the four bands are the health check's (`bot.health.scoring.band_for`); any red
flag caps the band at Dalam Pengawasan and makes `needs_alert` true.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Mapping

from bot.health.scoring import Band, band_for

__all__ = [
    "Choice", "Question", "RedFlag", "Answer", "GovernanceResult", "GOVERNANCE_QUESTIONS",
    "RED_FLAGS", "RED_FLAG_BAND_CAP", "load_questionnaire", "score_governance",
    "validate_answer",
]

DEFAULT_PATH = Path(__file__).parent / "data" / "governance.toml"
_BAND_ORDER = list(Band)  # best first


@dataclass(frozen=True)
class Choice:
    id: str
    label_id: str
    label_en: str
    points: Decimal | None  # None: "does not apply", the question leaves the maximum


@dataclass(frozen=True)
class Question:
    id: str
    number: int  # 1-based, for "Langkah 3 dari 10"
    text_id: str
    text_en: str
    advice_id: str
    advice_en: str
    faq: tuple[str, ...]
    choices: tuple[Choice, ...]

    @property
    def max_points(self) -> Decimal:
        return max(c.points for c in self.choices if c.points is not None)

    def choice(self, choice_id: str) -> Choice:
        return next(c for c in self.choices if c.id == choice_id)


@dataclass(frozen=True)
class RedFlag:
    id: str
    question: str
    answers: frozenset[str]
    text_id: str
    text_en: str


@dataclass(frozen=True)
class Answer:
    question: Question
    choice: Choice | None  # None when unanswered

    @property
    def points(self) -> Decimal:
        return Decimal(0) if self.choice is None or self.choice.points is None \
            else self.choice.points

    @property
    def applicable(self) -> bool:
        return self.choice is None or self.choice.points is not None

    @property
    def lost(self) -> Decimal:
        return self.question.max_points - self.points if self.applicable else Decimal(0)


@dataclass(frozen=True)
class GovernanceResult:
    total: Decimal  # 0.00..100.00
    band: Band  # after the red-flag cap
    points: Decimal
    max_points: Decimal  # over applicable questions
    answers: tuple[Answer, ...]
    red_flags: tuple[RedFlag, ...]
    unanswered: tuple[str, ...]  # question ids

    @property
    def needs_alert(self) -> bool:
        """Post to the staff group: Dalam Pengawasan or worse, or any red flag."""
        return self.band.needs_alert or bool(self.red_flags)

    def weakest(self, n: int = 3) -> tuple[Answer, ...]:
        """The n answers that lost most points (ties in question order)."""
        weak = [a for a in self.answers if a.lost > 0]
        return tuple(sorted(weak, key=lambda a: -a.lost)[:n])


def load_questionnaire(path: Path = DEFAULT_PATH) -> tuple[tuple[Question, ...],
                                                           tuple[RedFlag, ...], Band]:
    """Read and check governance.toml; raises ValueError naming the inconsistency."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    questions = []
    for n, q in enumerate(raw["questions"], start=1):
        choices = tuple(
            Choice(c["id"], c["label_id"], c["label_en"],
                   Decimal(str(c["points"])) if c.get("applicable", True) else None)
            for c in q["choices"])
        if len({c.id for c in choices}) != len(choices) or all(c.points is None for c in choices):
            raise ValueError(f"question {q['id']!r}: duplicate choice ids or no scored choice")
        questions.append(Question(q["id"], n, q["text_id"], q["text_en"], q["advice_id"],
                                  q["advice_en"], tuple(q.get("faq", ())), choices))
    by_id = {q.id: q for q in questions}
    flags = tuple(RedFlag(f["id"], f["question"], frozenset(f["answers"]), f["text_id"],
                          f["text_en"]) for f in raw.get("red_flags", []))
    for f in flags:
        if f.question not in by_id or not f.answers <= {c.id for c in by_id[f.question].choices}:
            raise ValueError(f"red flag {f.id!r} names an unknown question or answer")
    return tuple(questions), flags, Band(raw["scale"]["red_flag_band_cap"])


GOVERNANCE_QUESTIONS, RED_FLAGS, RED_FLAG_BAND_CAP = load_questionnaire()
_QUESTION = {q.id: q for q in GOVERNANCE_QUESTIONS}


def validate_answer(question_id: str, choice_id: str) -> str | None:
    """"unknown_question" / "unknown_choice", or None when the answer is one of the choices."""
    question = _QUESTION.get(question_id)
    if question is None:
        return "unknown_question"
    return None if any(c.id == choice_id for c in question.choices) else "unknown_choice"


def score_governance(answers: Mapping[str, str | None]) -> GovernanceResult:
    """Score answers (question id -> choice id; missing or None = unanswered)."""
    for qid, cid in answers.items():
        if cid is not None and validate_answer(qid, cid):
            raise ValueError(f"{qid}={cid!r}: {validate_answer(qid, cid)}")
    results = tuple(Answer(q, q.choice(answers[q.id]) if answers.get(q.id) else None)
                    for q in GOVERNANCE_QUESTIONS)
    points = sum((a.points for a in results), Decimal(0))
    max_points = sum((a.question.max_points for a in results if a.applicable), Decimal(0))
    total = (points / max_points * 100 if max_points else Decimal(0)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    flags = tuple(f for f in RED_FLAGS if answers.get(f.question) in f.answers)
    band = band_for(total)
    if flags and _BAND_ORDER.index(band) < _BAND_ORDER.index(RED_FLAG_BAND_CAP):
        band = RED_FLAG_BAND_CAP
    unanswered = tuple(a.question.id for a in results if a.choice is None)
    return GovernanceResult(total, band, points, max_points, results, flags, unanswered)
