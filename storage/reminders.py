"""What cooperatives told the bot about their obligations, and which reminders were queued."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.db import Executor, from_utc_text, to_utc_text, utcnow


@dataclass(frozen=True)
class DoneRecord:
    cooperative_id: int
    obligation_id: str
    period: str
    done_on: date
    recorded_by: int | None
    recorded_at: str


def _done(r) -> DoneRecord:
    return DoneRecord(r["cooperative_id"], r["obligation_id"], r["period"], date.fromisoformat(r["done_on"]),
                      r["recorded_by"], r["recorded_at"])


class ReminderRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    # Obligations done ------------------------------------------------------------------
    async def mark_done(self, cooperative_id: int, obligation_id: str, period: str, done_on: date,
                        recorded_by: int | None) -> bool:
        """Record once; returns False if it was already recorded (the first answer stands)."""
        cur = await self.db.execute(
            "INSERT INTO obligation_done (cooperative_id, obligation_id, period, done_on, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (cooperative_id, obligation_id, period, done_on.isoformat(), recorded_by, utcnow()),
        )
        if cur.rowcount:
            await self.db.execute(
                "DELETE FROM obligation_snoozes WHERE cooperative_id = ? AND obligation_id = ? AND period = ?",
                (cooperative_id, obligation_id, period),
            )
        return bool(cur.rowcount)

    async def done(self, cooperative_id: int) -> list[DoneRecord]:
        rows = await self.db.fetchall(
            "SELECT * FROM obligation_done WHERE cooperative_id = ? ORDER BY done_on", (cooperative_id,)
        )
        return [_done(r) for r in rows]

    async def done_by(self, user_id: int) -> list[DoneRecord]:
        rows = await self.db.fetchall(
            "SELECT * FROM obligation_done WHERE recorded_by = ? ORDER BY recorded_at", (user_id,)
        )
        return [_done(r) for r in rows]

    # Snoozes -----------------------------------------------------------------------------
    async def snooze(self, cooperative_id: int, obligation_id: str, period: str, until: datetime,
                     snoozed_by: int | None) -> None:
        await self.db.execute(
            "INSERT INTO obligation_snoozes (cooperative_id, obligation_id, period, until, snoozed_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(cooperative_id, obligation_id, period) DO UPDATE SET "
            "until = excluded.until, snoozed_by = excluded.snoozed_by, created_at = excluded.created_at",
            (cooperative_id, obligation_id, period, to_utc_text(until), snoozed_by, utcnow()),
        )

    async def snoozes(self, cooperative_id: int) -> dict[tuple[str, str], datetime]:
        rows = await self.db.fetchall(
            "SELECT obligation_id, period, until FROM obligation_snoozes WHERE cooperative_id = ?",
            (cooperative_id,),
        )
        return {(r[0], r[1]): from_utc_text(r[2]) for r in rows}

    # Sent reminders (idempotency) ----------------------------------------------------------
    async def claim(self, key: str, cooperative_id: int, kind: str, recipients: int = 0) -> bool:
        """True the first time a key is claimed: the caller then queues its messages in the
        same transaction. A second claim (a retried tick, a restart) returns False."""
        cur = await self.db.execute(
            "INSERT INTO sent_reminders (key, cooperative_id, kind, recipients, queued_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            (key, cooperative_id, kind, recipients, utcnow()),
        )
        return bool(cur.rowcount)

    async def is_claimed(self, key: str) -> bool:
        return await self.db.fetchone("SELECT 1 FROM sent_reminders WHERE key = ?", (key,)) is not None

    async def claimed_keys(self, cooperative_id: int) -> set[str]:
        rows = await self.db.fetchall("SELECT key FROM sent_reminders WHERE cooperative_id = ?", (cooperative_id,))
        return {r[0] for r in rows}

    async def count(self, kind: str | None = None) -> int:
        if kind is None:
            row = await self.db.fetchone("SELECT COUNT(*) FROM sent_reminders")
        else:
            row = await self.db.fetchone("SELECT COUNT(*) FROM sent_reminders WHERE kind = ?", (kind,))
        return int(row[0])
