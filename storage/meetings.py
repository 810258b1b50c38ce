"""Meetings a manager scheduled with /rapat, and the managers' answers (hadir / tidak hadir)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Executor, NotFound, from_utc_text, to_utc_text, utcnow


@dataclass(frozen=True)
class Meeting:
    id: int
    cooperative_id: int
    kind: str
    starts_at: datetime  # aware, UTC
    place: str
    agenda: str | None
    organiser_id: int
    status: str
    version: int
    scheduled_at: datetime  # when the current time was set (creation or the last move)

    @property
    def is_active(self) -> bool:
        return self.status == "scheduled"


@dataclass(frozen=True)
class Answer:
    user_id: int
    answer: str  # 'yes' | 'no'
    answered_at: str


def _meeting(r) -> Meeting:
    return Meeting(r["id"], r["cooperative_id"], r["kind"], from_utc_text(r["starts_at"]), r["place"], r["agenda"],
                   r["organiser_id"], r["status"], r["version"], from_utc_text(r["scheduled_at"]))


class MeetingRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def create(self, cooperative_id: int, kind: str, starts_at: datetime, place: str, agenda: str | None,
                     organiser_id: int, scheduled_at: datetime | None = None) -> Meeting:
        """`scheduled_at`: the clinic clock's now (reminders due before it are not owed)."""
        now = utcnow()
        cur = await self.db.execute(
            "INSERT INTO meetings (cooperative_id, kind, starts_at, place, agenda, organiser_id, scheduled_at, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cooperative_id, kind, to_utc_text(starts_at), place, agenda, organiser_id,
             to_utc_text(scheduled_at) if scheduled_at else now, now, now),
        )
        return await self.get(cur.lastrowid)

    async def get(self, meeting_id: int) -> Meeting:
        r = await self.db.fetchone("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        if r is None:
            raise NotFound(f"meeting {meeting_id}")
        return _meeting(r)

    async def find(self, meeting_id: int) -> Meeting | None:
        try:
            return await self.get(meeting_id)
        except NotFound:
            return None

    async def move(self, meeting_id: int, starts_at: datetime, scheduled_at: datetime | None = None) -> Meeting:
        """A new time: new version (fresh reminder keys) and the old answers no longer hold."""
        now = utcnow()
        await self.db.execute(
            "UPDATE meetings SET starts_at = ?, version = version + 1, scheduled_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'scheduled'",
            (to_utc_text(starts_at), to_utc_text(scheduled_at) if scheduled_at else now, now, meeting_id),
        )
        await self.db.execute("DELETE FROM meeting_answers WHERE meeting_id = ?", (meeting_id,))
        return await self.get(meeting_id)

    async def cancel(self, meeting_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE meetings SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'scheduled'",
            (utcnow(), meeting_id),
        )
        return bool(cur.rowcount)

    async def upcoming(self, cooperative_id: int, after: datetime) -> list[Meeting]:
        rows = await self.db.fetchall(
            "SELECT * FROM meetings WHERE cooperative_id = ? AND status = 'scheduled' AND starts_at > ? "
            "ORDER BY starts_at", (cooperative_id, to_utc_text(after)),
        )
        return [_meeting(r) for r in rows]

    async def starting_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Scheduled meetings of every cooperative starting in (start, end]: the reminder tick."""
        rows = await self.db.fetchall(
            "SELECT * FROM meetings WHERE status = 'scheduled' AND starts_at > ? AND starts_at <= ? "
            "ORDER BY starts_at", (to_utc_text(start), to_utc_text(end)),
        )
        return [_meeting(r) for r in rows]

    async def of_kind(self, cooperative_id: int, kind: str) -> list[Meeting]:
        rows = await self.db.fetchall(
            "SELECT * FROM meetings WHERE cooperative_id = ? AND kind = ? AND status = 'scheduled' ORDER BY starts_at",
            (cooperative_id, kind),
        )
        return [_meeting(r) for r in rows]

    async def organised_by(self, user_id: int) -> list[Meeting]:
        rows = await self.db.fetchall("SELECT * FROM meetings WHERE organiser_id = ? ORDER BY id", (user_id,))
        return [_meeting(r) for r in rows]

    # Answers ------------------------------------------------------------------------------
    async def answer(self, meeting_id: int, user_id: int, answer: str) -> bool:
        """Record or change an answer; returns False when it is the same answer as before."""
        if answer not in ("yes", "no"):
            raise ValueError(answer)
        cur = await self.db.execute(
            "INSERT INTO meeting_answers (meeting_id, user_id, answer, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(meeting_id, user_id) DO UPDATE SET answer = excluded.answer, "
            "answered_at = excluded.answered_at WHERE meeting_answers.answer <> excluded.answer",
            (meeting_id, user_id, answer, utcnow()),
        )
        return bool(cur.rowcount)

    async def answers(self, meeting_id: int) -> dict[int, Answer]:
        rows = await self.db.fetchall(
            "SELECT user_id, answer, answered_at FROM meeting_answers WHERE meeting_id = ? ORDER BY answered_at",
            (meeting_id,),
        )
        return {r[0]: Answer(r[0], r[1], r[2]) for r in rows}

    async def answers_by(self, user_id: int) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT meeting_id, answer, answered_at FROM meeting_answers WHERE user_id = ? ORDER BY answered_at",
            (user_id,),
        )
        return [dict(r) for r in rows]

    async def forget_answers_of(self, user_id: int) -> None:
        await self.db.execute("DELETE FROM meeting_answers WHERE user_id = ?", (user_id,))
