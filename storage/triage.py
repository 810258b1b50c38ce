"""Triage log: each question put to the knowledge base, its ranking and the manager's feedback."""
from __future__ import annotations

import json
from dataclasses import dataclass

from storage.db import Executor, NotFound, utcnow

FEEDBACK = ("answered", "unhelpful", "consultant")
_MISS = "(confident = 0 OR feedback IN ('unhelpful', 'consultant'))"


@dataclass(frozen=True)
class Triage:
    id: int
    user_id: int | None
    cooperative_id: int | None
    question: str
    normalized: str
    ranked: list[tuple[str, float]]
    confident: bool
    shown_entry: str | None
    feedback: str | None
    answered_entry: str | None
    feedback_at: str | None
    created_at: str

    def as_dict(self) -> dict:
        return {"id": self.id, "question": self.question, "confident": self.confident,
                "ranked": [{"id": i, "score": s} for i, s in self.ranked],
                "shown_entry": self.shown_entry, "feedback": self.feedback,
                "answered_entry": self.answered_entry, "feedback_at": self.feedback_at,
                "created_at": self.created_at}


@dataclass(frozen=True)
class MissRow:
    """Misses grouped by normalised question."""
    normalized: str
    count: int
    example: str            # the latest wording
    last_asked: str
    not_confident: int
    unhelpful: int
    consultant: int
    ranked: list[tuple[str, float]]  # the latest ranking
    answered_by: list[str]  # entries managers confirmed after all (add the wording there)


def _ranked(text: str | None) -> list[tuple[str, float]]:
    return [(r["id"], float(r["score"])) for r in json.loads(text or "[]")]


def _triage(row) -> Triage:
    return Triage(
        id=row["id"], user_id=row["user_id"], cooperative_id=row["cooperative_id"],
        question=row["question"], normalized=row["normalized"], ranked=_ranked(row["ranked"]),
        confident=bool(row["confident"]), shown_entry=row["shown_entry"], feedback=row["feedback"],
        answered_entry=row["answered_entry"], feedback_at=row["feedback_at"], created_at=row["created_at"],
    )


class TriageRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def create(self, *, user_id: int, cooperative_id: int | None, question: str, normalized: str,
                     ranked: list[tuple[str, float]], confident: bool, shown_entry: str | None) -> int:
        now = utcnow()
        cur = await self.db.execute(
            "INSERT INTO triages (user_id, cooperative_id, question, normalized, ranked, confident, "
            "shown_entry, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, cooperative_id, question, normalized,
             json.dumps([{"id": i, "score": s} for i, s in ranked]), int(confident), shown_entry, now, now),
        )
        return cur.lastrowid

    async def get(self, triage_id: int) -> Triage:
        row = await self.db.fetchone("SELECT * FROM triages WHERE id = ?", (triage_id,))
        if row is None:
            raise NotFound(f"triage {triage_id}")
        return _triage(row)

    async def owned(self, triage_id: int, user_id: int) -> Triage | None:
        """The row if it belongs to `user_id`; None for someone else's (or a made-up) id."""
        row = await self.db.fetchone("SELECT * FROM triages WHERE id = ? AND user_id = ?",
                                     (triage_id, user_id))
        return _triage(row) if row else None

    async def set_shown(self, triage_id: int, user_id: int, entry_id: str) -> bool:
        cur = await self.db.execute(
            "UPDATE triages SET shown_entry = ?, updated_at = ? WHERE id = ? AND user_id = ?",
            (entry_id, utcnow(), triage_id, user_id),
        )
        return cur.rowcount > 0

    async def set_feedback(self, triage_id: int, user_id: int, feedback: str,
                           answered_entry: str | None = None) -> bool:
        """Record the manager's verdict (the latest one counts); only the asker's own row."""
        if feedback not in FEEDBACK:
            raise ValueError(f"unknown feedback {feedback!r}")
        now = utcnow()
        cur = await self.db.execute(
            "UPDATE triages SET feedback = ?, answered_entry = ?, feedback_at = ?, updated_at = ? "
            "WHERE id = ? AND user_id = ?",
            (feedback, answered_entry if feedback == "answered" else None, now, now, triage_id, user_id),
        )
        return cur.rowcount > 0

    async def for_user(self, user_id: int) -> list[Triage]:
        rows = await self.db.fetchall("SELECT * FROM triages WHERE user_id = ? ORDER BY id", (user_id,))
        return [_triage(r) for r in rows]

    async def forget_user(self, user_id: int) -> None:
        """UU PDP erasure: the questions stay for improving the FAQ, unlinked from the person."""
        await self.db.execute(
            "UPDATE triages SET user_id = NULL, cooperative_id = NULL, updated_at = ? WHERE user_id = ?",
            (utcnow(), user_id),
        )

    async def misses(self, limit: int = 50) -> list[MissRow]:
        """Questions not answered confidently or not helped, most frequent first."""
        rows = await self.db.fetchall(
            f"""
            SELECT normalized, COUNT(*) AS n, MAX(created_at) AS last_asked,
                   SUM(confident = 0) AS not_confident,
                   SUM(feedback = 'unhelpful') AS unhelpful,
                   SUM(feedback = 'consultant') AS consultant,
                   GROUP_CONCAT(DISTINCT answered_entry) AS answered_by,
                   MAX(id) AS latest
            FROM triages WHERE {_MISS}
            GROUP BY normalized
            ORDER BY n DESC, last_asked DESC
            LIMIT ?""",
            (limit,),
        )
        out = []
        for r in rows:
            latest = await self.db.fetchone("SELECT question, ranked FROM triages WHERE id = ?", (r["latest"],))
            out.append(MissRow(
                normalized=r["normalized"], count=r["n"], example=latest["question"],
                last_asked=r["last_asked"], not_confident=r["not_confident"], unhelpful=r["unhelpful"],
                consultant=r["consultant"], ranked=_ranked(latest["ranked"]),
                answered_by=sorted(filter(None, (r["answered_by"] or "").split(","))),
            ))
        return out


@dataclass(frozen=True)
class Candidate:
    """A manager's question labelled with the entry a consultant answered it with."""
    id: int
    question: str
    entry_id: str
    source: str
    ticket_id: int | None
    status: str
    created_at: str


class CandidateRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def add(self, *, question: str, entry_id: str, source: str, ticket_id: int | None = None,
                  triage_id: int | None = None) -> bool:
        """Store one labelled question; the same question with the same entry is kept once."""
        now = utcnow()
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO faq_candidates (question, entry_id, source, ticket_id, triage_id, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (question, entry_id, source, ticket_id, triage_id, now, now))
        return cur.rowcount > 0

    async def pending(self, limit: int = 200) -> list[Candidate]:
        rows = await self.db.fetchall(
            "SELECT * FROM faq_candidates WHERE status = 'new' ORDER BY id LIMIT ?", (limit,))
        return [Candidate(r["id"], r["question"], r["entry_id"], r["source"], r["ticket_id"], r["status"],
                          r["created_at"]) for r in rows]

    async def mark_learned(self, pairs: list[tuple[str, str]]) -> int:
        """Mark (question, entry_id) pairs learned; returns how many rows changed."""
        changed = 0
        for question, entry_id in pairs:
            cur = await self.db.execute(
                "UPDATE faq_candidates SET status = 'learned', updated_at = ? "
                "WHERE question = ? AND entry_id = ? AND status = 'new'", (utcnow(), question, entry_id))
            changed += cur.rowcount
        return changed
