"""Health checks (financial and governance): answers saved step by step, results when finished."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from storage.db import Executor, NotFound, utcnow

KINDS = ("financial", "governance")


@dataclass(frozen=True)
class HealthCheck:
    id: int
    cooperative_id: int
    user_id: int | None
    kind: str
    answers: dict = field(default_factory=dict)  # JSON-able: step id -> str | bool | None
    started_at: str = ""
    updated_at: str = ""
    finished_at: str | None = None
    total: str | None = None
    band: str | None = None
    coverage: str | None = None
    ticket_id: int | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def as_dict(self) -> dict:
        return asdict(self)


def _check(row) -> HealthCheck:
    values = {k: row[k] for k in HealthCheck.__dataclass_fields__}
    values["answers"] = json.loads(row["answers"])
    return HealthCheck(**values)


def _json(answers: dict) -> str:
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)


class HealthRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def create(self, cooperative_id: int, user_id: int, kind: str) -> HealthCheck:
        """A new unfinished check; an unfinished one of the same kind by this user is dropped."""
        if kind not in KINDS:
            raise ValueError(f"unknown check kind {kind!r}")
        now = utcnow()
        await self.db.execute(
            "DELETE FROM health_checks WHERE user_id = ? AND kind = ? AND finished_at IS NULL",
            (user_id, kind))
        cur = await self.db.execute(
            "INSERT INTO health_checks (cooperative_id, user_id, kind, answers, started_at, updated_at) "
            "VALUES (?, ?, ?, '{}', ?, ?)", (cooperative_id, user_id, kind, now, now))
        return await self.get(cur.lastrowid)

    async def get(self, check_id: int) -> HealthCheck:
        row = await self.db.fetchone("SELECT * FROM health_checks WHERE id = ?", (check_id,))
        if row is None:
            raise NotFound(f"health check {check_id}")
        return _check(row)

    async def find(self, check_id: int) -> HealthCheck | None:
        row = await self.db.fetchone("SELECT * FROM health_checks WHERE id = ?", (check_id,))
        return _check(row) if row else None

    async def unfinished(self, user_id: int, kind: str) -> HealthCheck | None:
        row = await self.db.fetchone(
            "SELECT * FROM health_checks WHERE user_id = ? AND kind = ? AND finished_at IS NULL",
            (user_id, kind))
        return _check(row) if row else None

    async def save_answers(self, check_id: int, answers: dict) -> None:
        await self.db.execute(
            "UPDATE health_checks SET answers = ?, updated_at = ? WHERE id = ? AND finished_at IS NULL",
            (_json(answers), utcnow(), check_id))

    async def discard(self, check_id: int) -> None:
        await self.db.execute("DELETE FROM health_checks WHERE id = ? AND finished_at IS NULL", (check_id,))

    async def finish(self, check_id: int, answers: dict, total: str, band: str, coverage: str) -> bool:
        """Store the result; False when the check was already finished (a retried update)."""
        now = utcnow()
        cur = await self.db.execute(
            "UPDATE health_checks SET answers = ?, total = ?, band = ?, coverage = ?, finished_at = ?, "
            "updated_at = ? WHERE id = ? AND finished_at IS NULL",
            (_json(answers), total, band, coverage, now, now, check_id))
        return cur.rowcount > 0

    async def set_ticket(self, check_id: int, ticket_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE health_checks SET ticket_id = ? WHERE id = ? AND ticket_id IS NULL", (ticket_id, check_id))
        return cur.rowcount > 0

    async def history(self, cooperative_id: int, limit: int = 20) -> list[HealthCheck]:
        """Finished checks of a cooperative, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM health_checks WHERE cooperative_id = ? AND finished_at IS NOT NULL "
            "ORDER BY finished_at DESC, id DESC LIMIT ?", (cooperative_id, limit))
        return [_check(r) for r in rows]

    async def for_user(self, user_id: int) -> list[HealthCheck]:
        rows = await self.db.fetchall("SELECT * FROM health_checks WHERE user_id = ? ORDER BY id", (user_id,))
        return [_check(r) for r in rows]

    async def erase_user(self, user_id: int) -> None:
        """UU PDP erasure: unfinished checks go; finished ones stay with the cooperative, nameless."""
        await self.db.execute("DELETE FROM health_checks WHERE user_id = ? AND finished_at IS NULL", (user_id,))
        await self.db.execute("UPDATE health_checks SET user_id = NULL WHERE user_id = ?", (user_id,))
