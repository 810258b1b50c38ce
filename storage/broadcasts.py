"""Office broadcasts: the broadcast rows, who they go to, and how far delivery has come.

Recipients are the outbox rows of kind 'broadcast' with ref ('broadcast', id); this module
reads their statuses for the progress figures, it never sends.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Executor, NotFound, from_utc_text, to_utc_text, utcnow

RECIPIENT_KIND = "broadcast"  # the outbox kind of one recipient's copy
RAT_OBLIGATION = "rat"  # obligation_done.obligation_id of a recorded RAT (migration 0004)


@dataclass(frozen=True)
class Broadcast:
    id: int
    compose_key: str
    created_by: int
    body_html: str
    audience: str
    audience_arg: str | None
    status: str  # scheduled, sending, done, cancelled
    scheduled_at: datetime | None
    origin_chat_id: int
    origin_thread_id: int | None
    progress_message_id: int | None
    total: int | None
    created_at: str
    finished_at: str | None
    responses: str | None = None  # the response set on recipients' copies (migration 0014)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    language: str | None


@dataclass(frozen=True)
class Counts:
    """Outcomes of a broadcast's recipient rows so far."""
    total: int
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed

    @property
    def not_delivered(self) -> int:
        return self.blocked + self.failed

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def _broadcast(r) -> Broadcast:
    return Broadcast(
        id=r["id"], compose_key=r["compose_key"], created_by=r["created_by"], body_html=r["body_html"],
        audience=r["audience"], audience_arg=r["audience_arg"], status=r["status"],
        scheduled_at=from_utc_text(r["scheduled_at"]) if r["scheduled_at"] else None,
        origin_chat_id=r["origin_chat_id"], origin_thread_id=r["origin_thread_id"],
        progress_message_id=r["progress_message_id"], total=r["total"], created_at=r["created_at"],
        finished_at=r["finished_at"], responses=r["responses"],
    )


# Active managers who can be reached and have not withdrawn consent, with their cooperative.
_RECIPIENTS = """
SELECT m.user_id AS user_id, u.language AS language
FROM managers m
JOIN users u ON u.telegram_id = m.user_id
JOIN cooperatives c ON c.id = m.cooperative_id
WHERE m.left_at IS NULL AND u.is_active = 1
  AND EXISTS (SELECT 1 FROM consents k WHERE k.user_id = m.user_id AND k.withdrawn_at IS NULL)
"""


class BroadcastRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    # Audiences ---------------------------------------------------------------------------
    def _audience_sql(self, audience: str, arg: str | None,
                      rat_periods: dict[int, str] | None) -> tuple[str, list]:
        if audience == "all":
            return _RECIPIENTS, []
        if audience == "kecamatan":
            return _RECIPIENTS + " AND c.kecamatan = ?", [arg]
        if audience == "kind":
            return _RECIPIENTS + " AND c.kind = ?", [arg]
        if audience == "rat_missing":
            if not rat_periods:
                raise ValueError("rat_missing needs the RAT period for each financial-year end month")
            # The financial year whose RAT is due depends on the month the cooperative's year ends.
            values = ", ".join("(?, ?)" for _ in rat_periods)
            sql = (f"WITH fy(month, period) AS (VALUES {values}) " + _RECIPIENTS +
                   " AND NOT EXISTS (SELECT 1 FROM obligation_done d JOIN fy ON fy.month = c.fy_end_month"
                   " WHERE d.cooperative_id = c.id AND d.obligation_id = ? AND d.period = fy.period)")
            params: list = [x for month, period in sorted(rat_periods.items()) for x in (month, period)]
            return sql, params + [RAT_OBLIGATION]
        raise ValueError(f"unknown audience {audience!r}")

    async def recipients(self, audience: str, arg: str | None = None,
                         rat_periods: dict[int, str] | None = None) -> list[Recipient]:
        sql, params = self._audience_sql(audience, arg, rat_periods)
        rows = await self.db.fetchall(sql + " ORDER BY m.user_id", params)
        return [Recipient(r["user_id"], r["language"]) for r in rows]

    async def count_recipients(self, audience: str, arg: str | None = None,
                               rat_periods: dict[int, str] | None = None) -> int:
        sql, params = self._audience_sql(audience, arg, rat_periods)
        row = await self.db.fetchone(f"SELECT COUNT(*) FROM ({sql})", params)
        return int(row[0])

    # Broadcast rows ----------------------------------------------------------------------
    async def create(self, *, compose_key: str, created_by: int, body_html: str, audience: str,
                     audience_arg: str | None, origin_chat_id: int, origin_thread_id: int | None,
                     scheduled_at: datetime | None, responses: str | None = None) -> int | None:
        """A new broadcast ('scheduled' when a time is given, else 'sending'); None when this
        composition was already turned into a broadcast (a second press of "send")."""
        now = utcnow()
        cur = await self.db.execute(
            "INSERT INTO broadcasts (compose_key, created_by, body_html, audience, audience_arg, status, "
            "scheduled_at, origin_chat_id, origin_thread_id, responses, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(compose_key) DO NOTHING",
            (compose_key, created_by, body_html, audience, audience_arg,
             "scheduled" if scheduled_at else "sending",
             to_utc_text(scheduled_at) if scheduled_at else None, origin_chat_id, origin_thread_id, responses,
             now, now),
        )
        return cur.lastrowid if cur.rowcount else None

    async def get(self, broadcast_id: int) -> Broadcast:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            raise NotFound(f"broadcast {broadcast_id}")
        return _broadcast(row)

    async def with_status(self, *statuses: str) -> list[Broadcast]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self.db.fetchall(
            f"SELECT * FROM broadcasts WHERE status IN ({marks}) ORDER BY id", statuses)
        return [_broadcast(r) for r in rows]

    async def due_scheduled(self, now: datetime) -> list[Broadcast]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, id",
            (to_utc_text(now),))
        return [_broadcast(r) for r in rows]

    async def start_sending(self, broadcast_id: int) -> bool:
        """'scheduled' → 'sending', once: False when another tick or process got there first."""
        cur = await self.db.execute(
            "UPDATE broadcasts SET status = 'sending', updated_at = ? WHERE id = ? AND status = 'scheduled'",
            (utcnow(), broadcast_id))
        return cur.rowcount == 1

    async def set_queued(self, broadcast_id: int, total: int) -> None:
        now = utcnow()
        await self.db.execute(
            "UPDATE broadcasts SET total = ?, queued_at = ?, updated_at = ? WHERE id = ?",
            (total, now, now, broadcast_id))

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await self.db.execute(
            "UPDATE broadcasts SET progress_message_id = ?, updated_at = ? WHERE id = ?",
            (message_id, utcnow(), broadcast_id))

    async def finish(self, broadcast_id: int) -> bool:
        """'sending' → 'done', once (the caller queues the final report in the same transaction)."""
        now = utcnow()
        cur = await self.db.execute(
            "UPDATE broadcasts SET status = 'done', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'",
            (now, now, broadcast_id))
        return cur.rowcount == 1

    async def cancel(self, broadcast_id: int) -> bool:
        """Only a broadcast still waiting for its time can be cancelled."""
        cur = await self.db.execute(
            "UPDATE broadcasts SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'scheduled'",
            (utcnow(), broadcast_id))
        return cur.rowcount == 1

    # Progress ----------------------------------------------------------------------------
    async def counts(self, broadcast_id: int, total: int) -> Counts:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) FROM outbox WHERE ref_type = 'broadcast' AND ref_id = ? AND kind = ? "
            "GROUP BY status", (broadcast_id, RECIPIENT_KIND))
        by = {r[0]: r[1] for r in rows}
        return Counts(total=total, sent=by.get("sent", 0), blocked=by.get("blocked", 0), failed=by.get("failed", 0))

    async def delivered_to(self, broadcast_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT chat_id FROM outbox WHERE ref_type = 'broadcast' AND ref_id = ? AND kind = ? AND status = 'sent' "
            "ORDER BY chat_id", (broadcast_id, RECIPIENT_KIND))
        return [r[0] for r in rows]

    # Answers from managers ---------------------------------------------------------------
    async def remember_message(self, chat_id: int, message_id: int, broadcast_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO broadcast_messages (chat_id, message_id, broadcast_id) VALUES (?, ?, ?)",
            (chat_id, message_id, broadcast_id))

    async def broadcast_of_message(self, chat_id: int, message_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT broadcast_id FROM broadcast_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
        return int(row[0]) if row else None

    async def respond(self, broadcast_id: int, user_id: int, choice: str) -> None:
        await self.db.execute(
            "INSERT INTO broadcast_responses (broadcast_id, user_id, choice, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(broadcast_id, user_id) DO UPDATE SET choice = excluded.choice, answered_at = excluded.answered_at",
            (broadcast_id, user_id, choice, utcnow()))

    async def response_counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT choice, COUNT(*) FROM broadcast_responses WHERE broadcast_id = ? GROUP BY choice", (broadcast_id,))
        return {r[0]: int(r[1]) for r in rows}

    async def recent_with_responses(self, limit: int = 5) -> list[Broadcast]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE responses IS NOT NULL AND status IN ('sending', 'done') "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [_broadcast(r) for r in rows]

    async def forget_responses(self, user_id: int) -> None:
        """/hapusdata: a manager's answers go with their personal data."""
        await self.db.execute("DELETE FROM broadcast_responses WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM broadcast_messages WHERE chat_id = ?", (user_id,))
