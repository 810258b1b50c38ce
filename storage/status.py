"""Figures for `python -m bot status` and /status, read on a read-only connection of its own
(plain `sqlite3`), so they can be taken while the bot runs and without a token."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storage.guards import REFUSALS


@dataclass(frozen=True)
class DatabaseFigures:
    schema_version: int
    size_bytes: int            # the file plus its write-ahead log
    users: int                 # everyone who has talked to the bot
    active_users: int          # not blocked
    cooperatives: int
    outbox_pending: int        # pending or being sent
    oldest_pending_at: datetime | None
    oldest_pending_kind: str | None
    oldest_pending_id: int | None
    failed_24h: int            # Telegram refused for good in the last 24 hours
    blocked_24h: int           # the recipient had blocked the bot
    refusals_24h: dict[str, int] = field(default_factory=dict)  # guessing limits: {kind: count}


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_figures(path: Path, now: datetime | None = None) -> DatabaseFigures:
    """Raises FileNotFoundError when there is no database, sqlite3.Error when it is unreadable."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    now = now or datetime.now(timezone.utc)
    size = path.stat().st_size + (Path(f"{path}-wal").stat().st_size if Path(f"{path}-wal").exists() else 0)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        one = lambda sql, *p: conn.execute(sql, p).fetchone()  # noqa: E731
        version = one("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0]
        users, active = one("SELECT COUNT(*), COALESCE(SUM(is_active), 0) FROM users")
        coops = one("SELECT COUNT(*) FROM cooperatives")[0]
        pending = one("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")[0]
        oldest = one("SELECT id, kind, created_at FROM outbox WHERE status IN ('pending', 'sending') "
                     "ORDER BY id LIMIT 1")
        since = _utc_text(now - timedelta(hours=24))
        failed = dict(conn.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE status IN ('failed', 'blocked') AND updated_at >= ? "
            "GROUP BY status", (since,)).fetchall())
        marks = ",".join("?" * len(REFUSALS))
        refusals = dict(conn.execute(
            f"SELECT kind, COUNT(*) FROM guard_events WHERE kind IN ({marks}) AND created_at >= ? GROUP BY kind",
            (*REFUSALS, since)).fetchall())
    finally:
        conn.close()
    return DatabaseFigures(
        schema_version=int(version), size_bytes=size, users=int(users), active_users=int(active),
        cooperatives=int(coops), outbox_pending=int(pending),
        oldest_pending_at=_parse(oldest[2]) if oldest else None,
        oldest_pending_kind=oldest[1] if oldest else None,
        oldest_pending_id=int(oldest[0]) if oldest else None,
        failed_24h=int(failed.get("failed", 0)), blocked_24h=int(failed.get("blocked", 0)),
        refusals_24h={k: int(v) for k, v in refusals.items()},
    )
