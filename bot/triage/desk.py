"""The question desk, with no Telegram: a manager's question triaged against the FAQ and logged
(storage/triage.py), the buttons' follow-ups (another entry shown, answered, not helped, handed
to a consultant), each checked against the question's owner, and what /datasaya and /hapusdata
need of it."""
from __future__ import annotations

from dataclasses import dataclass

from bot.triage.service import Decision, Knowledge
from knowledge.loader import Entry
from storage.cooperatives import CooperativeRepo
from storage.db import Database, Executor
from storage.triage import Triage, TriageRepo


@dataclass(frozen=True)
class Asked:
    triage_id: int | None   # None for small talk (a greeting, thanks, "ok"): not logged
    decision: Decision


class Desk:
    def __init__(self, db: Database, knowledge: Knowledge) -> None:
        self.db = db
        self.knowledge = knowledge

    async def ask(self, user_id: int, question: str) -> Asked:
        """Triage a question and log it (with the asker's cooperative, for the FAQ's editors)."""
        decision = self.knowledge.decide(question)
        if decision.kind == "small_talk":  # not a question: nothing to log, nothing missed
            return Asked(None, decision)
        membership = await CooperativeRepo(self.db).membership(user_id)
        triage_id = await TriageRepo(self.db).create(
            user_id=user_id, cooperative_id=membership.cooperative_id if membership else None,
            question=question, normalized=decision.normalized, ranked=list(decision.ranked),
            confident=decision.confident, shown_entry=decision.entry.id if decision.entry else None)
        return Asked(triage_id, decision)

    async def owned(self, triage_id: int | None, user_id: int) -> Triage | None:
        """The question, if it is this user's (someone else's, made up or erased: None)."""
        return await TriageRepo(self.db).owned(triage_id, user_id) if triage_id is not None else None

    async def show(self, row: Triage, entry_id: str | None) -> Entry | None:
        """The user picked a candidate or a related entry; None when the FAQ no longer has it."""
        entry = self.knowledge.entry(entry_id or "")
        if entry is not None:
            await TriageRepo(self.db).set_shown(row.id, row.user_id, entry.id)
        return entry

    async def answered(self, row: Triage, entry_id: str | None) -> None:
        entry = self.knowledge.entry(entry_id or "")
        await TriageRepo(self.db).set_feedback(row.id, row.user_id, "answered", entry.id if entry else row.shown_entry)

    async def unhelpful(self, row: Triage) -> None:
        await TriageRepo(self.db).set_feedback(row.id, row.user_id, "unhelpful")

    async def to_consultant(self, row: Triage) -> None:
        await TriageRepo(self.db).set_feedback(row.id, row.user_id, "consultant")


async def export_questions(db: Executor, user_id: int) -> tuple[str, object]:
    return "faq_questions", [r.as_dict() for r in await TriageRepo(db).for_user(user_id)]


async def forget_questions(tx: Executor, user_id: int) -> None:
    """The questions stay for improving the FAQ, unlinked from the person."""
    await TriageRepo(tx).forget_user(user_id)


__all__ = ["Asked", "Desk", "export_questions", "forget_questions"]
