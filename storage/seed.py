"""Bulk inserts for generated data (the demo's regency, the report benchmark): rows prepared by
bot/supervision/seed.py written table by table with executemany in one transaction. Only the
tables and columns listed here can be written."""
from __future__ import annotations

from storage.db import Database

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("telegram_id", "language", "full_name", "username", "is_active", "created_at", "updated_at"),
    "consents": ("user_id", "version", "granted_at"),
    "cooperatives": ("id", "name", "nik", "kind", "company", "estate", "kecamatan", "members", "fy_end_month",
                     "join_code", "created_at", "updated_at"),
    "managers": ("user_id", "cooperative_id", "role", "joined_at"),
    "consultants": ("user_id", "display_name", "username", "created_at", "updated_at"),
    "consultant_areas": ("user_id", "kecamatan"),
    "obligation_done": ("cooperative_id", "obligation_id", "period", "done_on", "recorded_by", "recorded_at"),
    "meetings": ("cooperative_id", "kind", "starts_at", "place", "agenda", "organiser_id", "status", "version",
                 "scheduled_at", "created_at", "updated_at"),
    "tickets": ("id", "cooperative_id", "manager_user_id", "service", "category", "question", "source", "status",
                "assignee_id", "sla_level", "created_at", "updated_at", "claimed_at", "first_answer_at",
                "resolved_at", "closed_at"),
    "ticket_ratings": ("ticket_id", "score", "rated_by", "created_at"),
    "health_checks": ("cooperative_id", "user_id", "kind", "answers", "started_at", "updated_at", "finished_at",
                      "total", "band", "coverage"),
    "triages": ("user_id", "cooperative_id", "question", "normalized", "ranked", "confident", "shown_entry",
                "feedback", "answered_entry", "feedback_at", "created_at", "updated_at"),
    "visits": ("id", "cooperative_id", "pendamping_id", "visited_on", "kind", "findings", "source_key", "created_at"),
    "visit_followups": ("visit_id", "action", "due_on", "done_at"),
    "supervision_sent": ("key", "kind", "file_path", "queued_at"),
}
ORDER = tuple(COLUMNS)  # parents before children


class SeedRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_empty(self) -> bool:
        row = await self.db.fetchone("SELECT count(*) FROM cooperatives")
        return int(row[0]) == 0

    async def insert(self, tables: dict[str, list[dict]]) -> dict[str, int]:
        unknown = set(tables) - set(COLUMNS)
        if unknown:
            raise ValueError(f"not a seedable table: {sorted(unknown)}")
        counts = {}
        async with self.db.transaction() as tx:
            for table in ORDER:
                rows = tables.get(table) or []
                if not rows:
                    continue
                cols = [c for c in COLUMNS[table] if c in rows[0]]
                sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})")
                await tx.executemany(sql, [tuple(r.get(c) for c in cols) for r in rows])
                counts[table] = len(rows)
        return counts
