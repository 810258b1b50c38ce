"""Incoming updates, recorded before Telegram is told they arrived (see bot/core/intake.py)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from storage.db import Executor, to_utc_text, utcnow


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    payload: dict
    replays: int


class UpdateRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def record(self, update_id: int, payload: dict) -> bool:
        """Store a newly delivered update; False when its id is already known (a redelivery)."""
        cur = await self.db.execute(
            "INSERT INTO updates (update_id, payload, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT(update_id) DO NOTHING",
            (update_id, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), utcnow()),
        )
        return bool(cur.rowcount)

    async def mark_done(self, update_id: int) -> None:
        await self.db.execute(
            "UPDATE updates SET status = 'done', done_at = ? WHERE update_id = ? AND status = 'pending'",
            (utcnow(), update_id))

    async def pending(self, limit: int = 10_000) -> list[StoredUpdate]:
        rows = await self.db.fetchall(
            "SELECT update_id, payload, replays FROM updates WHERE status = 'pending' "
            "ORDER BY update_id LIMIT ?", (limit,))
        return [StoredUpdate(r["update_id"], json.loads(r["payload"]), r["replays"]) for r in rows]

    async def count_replay(self, update_id: int) -> None:
        await self.db.execute("UPDATE updates SET replays = replays + 1 WHERE update_id = ?", (update_id,))

    async def give_up(self, update_id: int) -> None:
        """A poison update (it was replayed too often): done, so it stops being replayed."""
        await self.mark_done(update_id)

    async def status(self, update_id: int) -> str | None:
        row = await self.db.fetchone("SELECT status FROM updates WHERE update_id = ?", (update_id,))
        return row["status"] if row else None

    async def prune(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Forget done updates handled more than `older_than` ago; returns how many."""
        cutoff = to_utc_text((now or datetime.now(timezone.utc)) - older_than)
        cur = await self.db.execute("DELETE FROM updates WHERE status = 'done' AND done_at < ?", (cutoff,))
        return cur.rowcount or 0
