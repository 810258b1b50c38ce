"""The persistent outbox: rows in, one delivery worker out.

Ordering: within one chat, rows go strictly in id order (a row waiting for a retry holds back
the later rows of its chat); different chats proceed in parallel.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from storage.db import Executor, to_utc_text, utcnow


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    chat_id: int
    method: str
    payload: dict
    ref_type: str | None
    ref_id: int | None
    status: str
    attempts: int
    dedupe_key: str | None
    sent_message_id: int | None
    last_error: str | None
    sent_at: str | None = None


def _row(r) -> OutboxRow:
    return OutboxRow(
        id=r["id"], kind=r["kind"], chat_id=r["chat_id"], method=r["method"],
        payload=json.loads(r["payload"]), ref_type=r["ref_type"], ref_id=r["ref_id"],
        status=r["status"], attempts=r["attempts"], dedupe_key=r["dedupe_key"],
        sent_message_id=r["sent_message_id"], last_error=r["last_error"], sent_at=r["sent_at"],
    )


class OutboxRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def add(
        self, *, kind: str, chat_id: int, method: str, payload: dict,
        dedupe_key: str | None = None, ref_type: str | None = None, ref_id: int | None = None,
        not_before: datetime | None = None,
    ) -> int | None:
        """Insert once per dedupe_key; returns the new id, or None if it was already queued."""
        now = utcnow()
        cur = await self.db.execute(
            "INSERT INTO outbox (dedupe_key, kind, chat_id, method, payload, ref_type, ref_id, "
            "not_before, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(dedupe_key) DO NOTHING",
            (dedupe_key, kind, chat_id, method, json.dumps(payload, ensure_ascii=False),
             ref_type, ref_id, to_utc_text(not_before) if not_before else now, now, now),
        )
        return cur.lastrowid if cur.rowcount else None

    async def get(self, row_id: int) -> OutboxRow:
        r = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,))
        if r is None:
            raise LookupError(row_id)
        return _row(r)

    async def rows(self, kind: str | None = None, ref: tuple[str, int] | None = None) -> list[OutboxRow]:
        """What was queued, oldest first (reports, benchmarks and tests read the outbox here)."""
        where, params = [], []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if ref is not None:
            where += ["ref_type = ?", "ref_id = ?"]
            params += list(ref)
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return [_row(r) for r in await self.db.fetchall(sql, params)]

    async def due(self, limit: int, exclude_chats: set[int] = frozenset()) -> list[OutboxRow]:
        """The head row of each chat's queue, if it is due now."""
        rows = await self.db.fetchall(
            "SELECT o.* FROM outbox o JOIN ("
            "  SELECT chat_id, MIN(id) AS id FROM outbox WHERE status IN ('pending', 'sending') "
            "  GROUP BY chat_id) h ON h.id = o.id "
            "WHERE o.status = 'pending' AND o.not_before <= ? ORDER BY o.id LIMIT ?",
            (utcnow(), limit + len(exclude_chats)),
        )
        return [r for r in map(_row, rows) if r.chat_id not in exclude_chats][:limit]

    async def next_due_at(self) -> datetime | None:
        r = await self.db.fetchone("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'")
        if r is None or r[0] is None:
            return None
        return datetime.strptime(r[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)

    async def mark_sending(self, row_id: int) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?",
            (utcnow(), row_id),
        )

    async def mark_sending_many(self, row_ids: list[int]) -> None:
        if not row_ids:
            return
        marks = ",".join("?" * len(row_ids))
        await self.db.execute(
            f"UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id IN ({marks})",
            (utcnow(), *row_ids),
        )

    async def mark_sent_many(self, sent: list[tuple[int, int | None]]) -> None:
        """One transaction for a batch: a broadcast's throughput is bounded by these writes."""
        now = utcnow()
        await self.db.executemany(
            "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_at = ?, updated_at = ?, "
            "last_error = NULL WHERE id = ?",
            [(message_id, now, now, row_id) for row_id, message_id in sent],
        )

    async def mark_sent(self, row_id: int, message_id: int | None) -> None:
        now = utcnow()
        await self.db.execute(
            "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_at = ?, updated_at = ?, "
            "last_error = NULL WHERE id = ?",
            (message_id, now, now, row_id),
        )

    async def retry_later(self, row_id: int, delay_seconds: float, error: str) -> None:
        when = datetime.now(timezone.utc) + timedelta(seconds=delay_seconds)
        await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (to_utc_text(when), error[:500], utcnow(), row_id),
        )

    async def mark_final(self, row_id: int, status: str, error: str) -> None:
        """'failed' (Telegram refused for good) or 'blocked' (the user blocked the bot)."""
        await self.db.execute(
            "UPDATE outbox SET status = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (status, error[:500], utcnow(), row_id),
        )

    async def update_payload(self, row_id: int, payload: dict) -> None:
        await self.db.execute(
            "UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
            (json.dumps(payload, ensure_ascii=False), utcnow(), row_id),
        )

    async def requeue_interrupted(self) -> int:
        """Rows caught mid-send by a crash: Telegram may or may not have them. Sending again
        risks one duplicate; not sending risks a loss. We choose to send again."""
        cur = await self.db.execute(
            "UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'sending'", (utcnow(),)
        )
        return cur.rowcount

    async def counts(self, ref_type: str | None = None, ref_id: int | None = None) -> dict[str, int]:
        if ref_type is None:
            rows = await self.db.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        else:
            rows = await self.db.fetchall(
                "SELECT status, COUNT(*) FROM outbox WHERE ref_type = ? AND ref_id = ? GROUP BY status",
                (ref_type, ref_id),
            )
        return {r[0]: r[1] for r in rows}

    async def pending_count(self) -> int:
        r = await self.db.fetchone("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
        return int(r[0])
