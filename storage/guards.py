"""Guessing limits' memory (issue 16): wrong join codes and the refusals admins should see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Executor, to_utc_text, utcnow

WRONG_JOIN_CODE = "join_code_wrong"
JOIN_BLOCKED = "join_code_blocked"
REGISTRATION_CAPPED = "registration_capped"
REFUSALS = (JOIN_BLOCKED, REGISTRATION_CAPPED)


@dataclass(frozen=True)
class Refusal:
    user_id: int
    kind: str            # join_code_blocked | registration_capped
    detail: str | None
    created_at: str


class GuardRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def record(self, user_id: int, kind: str, detail: str | None = None, at: datetime | None = None) -> None:
        await self.db.execute("INSERT INTO guard_events (user_id, kind, detail, created_at) VALUES (?, ?, ?, ?)",
                              (user_id, kind, detail, to_utc_text(at) if at else utcnow()))

    async def times_since(self, user_id: int, kind: str, since: datetime) -> list[str]:
        """When `user_id` had events of `kind` since `since`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT created_at FROM guard_events WHERE user_id = ? AND kind = ? AND created_at >= ? ORDER BY created_at",
            (user_id, kind, to_utc_text(since)))
        return [r[0] for r in rows]

    async def registrations_of(self, user_id: int) -> int:
        """Cooperatives this user registered: those where they were the first manager."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM managers m WHERE m.user_id = ? AND NOT EXISTS ("
            "  SELECT 1 FROM managers o WHERE o.cooperative_id = m.cooperative_id "
            "  AND (o.joined_at < m.joined_at OR (o.joined_at = m.joined_at AND o.id < m.id)))",
            (user_id,))
        return int(row[0])

    async def refusals_since(self, since: datetime) -> list[Refusal]:
        """What the guessing limits refused since `since`, oldest first (for the status report:
        `python -m bot status` and /status)."""
        marks = ",".join("?" * len(REFUSALS))
        rows = await self.db.fetchall(
            f"SELECT user_id, kind, detail, created_at FROM guard_events WHERE kind IN ({marks}) AND created_at >= ? "
            "ORDER BY created_at, id", (*REFUSALS, to_utc_text(since)))
        return [Refusal(r[0], r[1], r[2], r[3]) for r in rows]

    async def refusal_counts_since(self, since: datetime) -> dict[str, int]:
        """{kind: count} of refusals since `since` (one line of a status report)."""
        counts: dict[str, int] = {}
        for refusal in await self.refusals_since(since):
            counts[refusal.kind] = counts.get(refusal.kind, 0) + 1
        return counts
