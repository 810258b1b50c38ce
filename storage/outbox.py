"""The persistent outbox: rows in, one delivery worker out.

Ordering (issue 16, fair share): a chat's rows form queues by source (`ticket:12`, `broadcast:3`;
unreferenced rows share one), each kept strictly in id order. When a chat is free, its next row
is the head of a live-lane queue before any bulk one, and among those the queue served least
recently (round robin), so one ticket's backlog never holds another ticket's relay and a
broadcast yields to a relay without losing its place. A row waiting for a retry holds back the
whole chat (Telegram's 429 is per chat); different chats proceed in parallel.

Merging: a pending text row with a `coalesce_key` takes the text of the rows right behind it in
its queue with the same key (up to Telegram's 4096 characters); those rows are marked
`merged_into` it and share its outcome, so a burst of relays costs the group one message.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from storage.db import Executor, to_utc_text, utcnow

LIVE, BULK = 0, 1          # lanes: relays and replies of live conversations; broadcasts, reports, digests
MESSAGE_LIMIT = 4096       # Telegram's text length (counted on the HTML, which is never shorter)
MERGE_SEPARATOR = "\n\n"


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
    lane: int = LIVE
    source: str = ""
    coalesce_key: str | None = None
    merged_into: int | None = None
    not_before: str = ""
    merged: int = 0            # rows merged into this one when the worker picked it (not stored)


def _row(r) -> OutboxRow:
    return OutboxRow(
        id=r["id"], kind=r["kind"], chat_id=r["chat_id"], method=r["method"],
        payload=json.loads(r["payload"]), ref_type=r["ref_type"], ref_id=r["ref_id"],
        status=r["status"], attempts=r["attempts"], dedupe_key=r["dedupe_key"],
        sent_message_id=r["sent_message_id"], last_error=r["last_error"], sent_at=r["sent_at"],
        lane=r["lane"], source=r["source"], coalesce_key=r["coalesce_key"], merged_into=r["merged_into"],
        not_before=r["not_before"],
    )


def source_of(ref_type: str | None, ref_id: int | None) -> str:
    return f"{ref_type}:{ref_id}" if ref_type is not None else ""


def pick_head(heads: list[OutboxRow], now: str, turns: Mapping[tuple[int, str], int],
              holds: Mapping[tuple[int, str], str]) -> tuple[OutboxRow | None, list[OutboxRow]]:
    """The next row of one chat from the heads of its queues, and the heads held back to gather
    a burst (`holds`: (chat, source) -> when its next merged message may go).

    Live before bulk; then a row back from a retry; then the queue served least recently (`turns`: (chat, source) -> a counter
    of the last time it was served, 0 = never); then the oldest row."""
    if any(h.status == "sending" for h in heads):
        return None, []  # the chat is in flight
    if any(h.attempts and h.last_error and h.not_before > now for h in heads):
        return None, []  # a retry (429, 5xx) holds back the whole chat
    ready = [h for h in heads if h.status == "pending" and h.not_before <= now]
    held = [h for h in ready if h.coalesce_key and not h.attempts and holds.get((h.chat_id, h.source), "") > now]
    ready = [h for h in ready if h not in held]
    if not ready:
        return None, held
    # a row back from a retry was already chosen: it keeps its turn
    return min(ready, key=lambda h: (h.lane, not (h.attempts and h.last_error),
                                     turns.get((h.chat_id, h.source), 0), h.id)), held


def merged_text(texts: list[str]) -> str:
    return MERGE_SEPARATOR.join(texts)


class OutboxRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def add(
        self, *, kind: str, chat_id: int, method: str, payload: dict,
        dedupe_key: str | None = None, ref_type: str | None = None, ref_id: int | None = None,
        not_before: datetime | None = None, lane: int = LIVE, coalesce_key: str | None = None,
    ) -> int | None:
        """Insert once per dedupe_key; returns the new id, or None if it was already queued."""
        now = utcnow()
        cur = await self.db.execute(
            "INSERT INTO outbox (dedupe_key, kind, chat_id, method, payload, ref_type, ref_id, "
            "not_before, created_at, updated_at, lane, source, coalesce_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING",
            (dedupe_key, kind, chat_id, method, json.dumps(payload, ensure_ascii=False),
             ref_type, ref_id, to_utc_text(not_before) if not_before else now, now, now,
             lane, source_of(ref_type, ref_id), coalesce_key),
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

    async def due(self, limit: int, exclude_chats: set[int] = frozenset(),
                  turns: Mapping[tuple[int, str], int] | None = None,
                  holds: Mapping[tuple[int, str], str] | None = None,
                  held: list[OutboxRow] | None = None) -> list[OutboxRow]:
        """The next row of up to `limit` chats (see the module's ordering), chats with live rows
        first. Heads held back to gather a burst are appended to `held`."""
        now = utcnow()
        # 1. Which chats: those with a due queue head, live lanes first, then the oldest head.
        chats = await self.db.fetchall(
            "SELECT o.chat_id FROM outbox o JOIN ("
            "  SELECT MIN(id) AS id FROM outbox WHERE status IN ('pending', 'sending') "
            "  GROUP BY chat_id, source) h ON h.id = o.id "
            "WHERE o.status = 'pending' AND o.not_before <= ? "
            "GROUP BY o.chat_id ORDER BY MIN(o.lane), MIN(o.id) LIMIT ?",
            (now, limit + len(exclude_chats)),
        )
        chat_ids = [r[0] for r in chats if r[0] not in exclude_chats][:limit]
        if not chat_ids:
            return []
        # 2. All queue heads of those chats (one, mostly), then the fair pick in each.
        marks = ",".join("?" * len(chat_ids))
        rows = await self.db.fetchall(
            "SELECT o.* FROM outbox o JOIN ("
            f"  SELECT MIN(id) AS id FROM outbox WHERE status IN ('pending', 'sending') AND chat_id IN ({marks}) "
            "  GROUP BY chat_id, source) h ON h.id = o.id",
            chat_ids,
        )
        heads: dict[int, list[OutboxRow]] = {}
        for row in map(_row, rows):
            heads.setdefault(row.chat_id, []).append(row)
        picked = []
        for chat in chat_ids:
            row, waiting = pick_head(heads.get(chat, []), now, turns or {}, holds or {})
            if row is not None:
                picked.append(row)
            if held is not None:
                held += waiting
        return picked

    async def hold(self, row_id: int, until: datetime) -> None:
        """Not before `until` (a queue gathering a burst); not a retry, so the chat's other queues go on."""
        await self.db.execute("UPDATE outbox SET not_before = ?, updated_at = ? WHERE id = ?",
                              (to_utc_text(until), utcnow(), row_id))

    async def merge_burst(self, row: OutboxRow, max_chars: int = MESSAGE_LIMIT) -> OutboxRow:
        """`row` (being sent) takes the text of the pending rows right behind it in its queue with
        the same coalescing key, as long as the whole fits in one message. One transaction: the
        merged rows are marked `merged_into` and share the row's outcome (sent, failed, blocked)."""
        if not row.coalesce_key or row.method != "send_message" or "reply_markup" in row.payload:
            return row
        followers = await self.db.fetchall(
            "SELECT * FROM outbox WHERE status = 'pending' AND chat_id = ? AND source = ? AND id > ? "
            "ORDER BY id LIMIT 200", (row.chat_id, row.source, row.id),
        )
        texts, taken, size = [row.payload["text"]], [], len(row.payload["text"])
        for follower in map(_row, followers):
            text = follower.payload.get("text", "")
            if (follower.coalesce_key != row.coalesce_key or follower.method != "send_message"
                    or "reply_markup" in follower.payload or follower.not_before > utcnow()
                    or size + len(MERGE_SEPARATOR) + len(text) > max_chars):
                break
            texts.append(text)
            taken.append(follower.id)
            size += len(MERGE_SEPARATOR) + len(text)
        if not taken:
            return row
        payload = {**row.payload, "text": merged_text(texts)}
        marks = ",".join("?" * len(taken))
        async with self.db.transaction() as tx:
            now = utcnow()
            await tx.execute("UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
                             (json.dumps(payload, ensure_ascii=False), now, row.id))
            await tx.execute(
                f"UPDATE outbox SET status = 'sending', merged_into = ?, attempts = attempts + 1, updated_at = ? "
                f"WHERE id IN ({marks}) AND status = 'pending'", (row.id, now, *taken),
            )
        return OutboxRow(**{**row.__dict__, "payload": payload, "merged": row.merged + len(taken)})

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

    async def mark_sent_many(self, sent: list[tuple[int, int | None]], merged: set[int] = frozenset()) -> None:
        """One transaction for a batch: a broadcast's throughput is bounded by these writes.
        `merged`: ids of rows that carried others' text; those rows are marked sent with them."""
        now = utcnow()
        params = [(message_id, now, now, row_id) for row_id, message_id in sent]
        carried = [p for p in params if p[3] in merged]
        if not carried:
            await self.db.executemany(
                "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_at = ?, updated_at = ?, "
                "last_error = NULL WHERE id = ?", params)
            return
        async with self.db.transaction() as tx:  # a carrier and the rows it carried: together
            await tx.executemany(
                "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_at = ?, updated_at = ?, "
                "last_error = NULL WHERE id = ?", params)
            await tx.executemany(
                "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_at = ?, updated_at = ? "
                "WHERE merged_into = ? AND status = 'sending'", carried)

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

    async def postpone(self, row_id: int, until: datetime, reason: str) -> None:
        """Back to pending until `until` without spending an attempt (a hold, not a failure)."""
        await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, attempts = MAX(attempts - 1, 0), "
            "last_error = ?, updated_at = ? WHERE id = ?",
            (to_utc_text(until), reason[:500], utcnow(), row_id),
        )

    async def mark_final(self, row_id: int, status: str, error: str) -> None:
        """'failed' (Telegram refused for good) or 'blocked' (the user blocked the bot)."""
        await self.db.execute(
            "UPDATE outbox SET status = ?, last_error = ?, updated_at = ? "
            "WHERE id = ? OR (merged_into = ? AND status = 'sending')",
            (status, error[:500], utcnow(), row_id, row_id),
        )

    async def update_payload(self, row_id: int, payload: dict) -> None:
        await self.db.execute(
            "UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
            (json.dumps(payload, ensure_ascii=False), utcnow(), row_id),
        )

    async def requeue_interrupted(self) -> int:
        """Rows caught mid-send by a crash: Telegram may or may not have them. Sending again
        risks one duplicate; not sending risks a loss. We choose to send again. Rows merged into
        another stay with it: its payload carries their text."""
        now = utcnow()
        cur = await self.db.execute(
            "UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'sending' AND merged_into IS NULL",
            (now,),
        )
        # safety net: a carried row follows its carrier if the carrier has its outcome already
        await self.db.execute(
            "UPDATE outbox SET status = (SELECT p.status FROM outbox p WHERE p.id = outbox.merged_into), "
            "sent_message_id = (SELECT p.sent_message_id FROM outbox p WHERE p.id = outbox.merged_into), "
            "updated_at = ? WHERE merged_into IS NOT NULL AND status = 'sending' AND "
            "(SELECT p.status FROM outbox p WHERE p.id = outbox.merged_into) IN ('sent', 'failed', 'blocked')",
            (now,),
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
