"""Where each user is in a multi-message conversation; survives restarts."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage.db import Executor, utcnow


@dataclass
class FlowState:
    chat_id: int
    user_id: int
    name: str
    step: str
    data: dict = field(default_factory=dict)
    updated_at: str = ""


class FlowRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def get(self, chat_id: int, user_id: int) -> FlowState | None:
        row = await self.db.fetchone(
            "SELECT * FROM flows WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        if row is None:
            return None
        return FlowState(row["chat_id"], row["user_id"], row["name"], row["step"],
                         json.loads(row["data"]), row["updated_at"])

    async def save(self, state: FlowState) -> None:
        """Start or advance a flow; one flow per user per chat, a new one replaces the old."""
        now = utcnow()
        await self.db.execute(
            "INSERT INTO flows (chat_id, user_id, name, step, data, started_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id, user_id) DO UPDATE SET "
            "name = excluded.name, step = excluded.step, data = excluded.data, "
            "updated_at = excluded.updated_at, "
            "started_at = CASE WHEN flows.name = excluded.name THEN flows.started_at ELSE excluded.started_at END",
            (state.chat_id, state.user_id, state.name, state.step,
             json.dumps(state.data, ensure_ascii=False), now, now),
        )
        state.updated_at = now

    async def clear(self, chat_id: int, user_id: int) -> bool:
        cur = await self.db.execute(
            "DELETE FROM flows WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        return cur.rowcount > 0

    async def for_user(self, user_id: int) -> list[FlowState]:
        rows = await self.db.fetchall("SELECT * FROM flows WHERE user_id = ?", (user_id,))
        return [FlowState(r["chat_id"], r["user_id"], r["name"], r["step"], json.loads(r["data"]),
                          r["updated_at"]) for r in rows]
