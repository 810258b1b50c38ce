"""The running bot's operations: the nightly backup and its retention, the status report, and
telling the admins (through the outbox, once per problem) when the outbox is stuck or the
nightly backup failed. Telegram-free; handlers/admin.py schedules it and answers /status."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.ops.backups import prune
from bot.ops.status import OUTBOX_STUCK_AFTER, Status, collect, human_age
from storage.backup import BackupError, BackupFile, online_backup
from storage.db import Database
from storage.users import UserRepo

log = logging.getLogger(__name__)
ALERT_KIND = "ops_alert"


@dataclass(frozen=True)
class LoggedError:
    at: datetime
    logger: str
    message: str


class RecentErrors(logging.Handler):
    """The last few ERROR lines, for /status (messages only: tracebacks stay in the log)."""

    def __init__(self, size: int = 5) -> None:
        super().__init__(level=logging.ERROR)
        self.items: deque[LoggedError] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage().splitlines()[0][:200]
        except Exception:  # a log call with bad arguments must not break logging
            message = str(record.msg)[:200]
        if record.exc_info and record.exc_info[1] is not None:
            message += f" ({type(record.exc_info[1]).__name__}: {str(record.exc_info[1])[:120]})"
        self.items.append(LoggedError(datetime.fromtimestamp(record.created, timezone.utc), record.name, message))


class OpsService:
    def __init__(self, settings: Settings, db: Database, outbox: Outbox, texts: Texts) -> None:
        self.settings, self.db, self.outbox, self.texts = settings, db, outbox, texts
        self.started_at = datetime.now(timezone.utc)
        self.errors = RecentErrors()
        self.last_backup_error: str | None = None
        self._head: tuple[int, datetime] | None = None  # the oldest pending row and when first seen so


    # -- backups
    async def backup(self, tag: str | None = None) -> BackupFile:
        return await asyncio.to_thread(online_backup, self.db.path, self.settings.backups, tag=tag)

    async def nightly_backup(self) -> BackupFile | None:
        """Back up, prune by retention; on failure tell the admins once for that day."""
        try:
            made = await self.backup()
            deleted = await asyncio.to_thread(prune, self.settings.backups, self.settings.backup_keep_daily,
                                              self.settings.backup_keep_weekly)
        except (BackupError, OSError, sqlite3.Error) as exc:
            self.last_backup_error = str(exc)
            log.error("nightly backup failed: %s", exc)
            day = datetime.now(self.settings.tz).date().isoformat()
            await self.alert("alert_backup_failed", f"backup_failed:{day}", error=str(exc)[:300],
                             folder=str(self.settings.backups))
            return None
        self.last_backup_error = None
        log.info("nightly backup %s (%d bytes); %d old backup(s) deleted", made.path, made.size, len(deleted))
        return made

    # -- status and alerts
    async def status(self) -> Status:
        return await asyncio.to_thread(collect, self.db.path, self.settings.backups)

    def uptime(self) -> str:
        return human_age(datetime.now(timezone.utc) - self.started_at)

    async def check_outbox(self, now: datetime | None = None) -> bool:
        """Stuck = the same row has been the oldest pending one for OUTBOX_STUCK_AFTER while this
        process ran (a long broadcast moves the head on; a backlog after downtime gets its 10
        minutes). Then the admins are told, once per stuck row."""
        status = await self.status()
        now = now or status.now
        f = status.figures
        if f is None or f.oldest_pending_id is None:
            self._head = None
            return False
        if self._head is None or self._head[0] != f.oldest_pending_id:
            self._head = (f.oldest_pending_id, now)
        if now - self._head[1] < OUTBOX_STUCK_AFTER:
            return False
        waited = now - (f.oldest_pending_at or self._head[1])
        await self.alert("alert_outbox_stuck", f"outbox_stuck:{f.oldest_pending_id}", pending=f.outbox_pending,
                         waited=int(waited.total_seconds()), kind=f.oldest_pending_kind or "?")
        return True

    async def alert(self, macro: str, key: str, **values: object) -> None:
        """To every admin's private chat, through the outbox; the dedupe key makes it once."""
        users = UserRepo(self.db)
        for admin_id in self.settings.admin_ids:
            user = await users.find(admin_id)
            lang = (user.language if user and user.language else None) or self.settings.default_language
            await self.outbox.send_text(admin_id, self.texts.render(lang, f"admin.{macro}", **values),
                                        kind=ALERT_KIND, dedupe_key=f"ops:{key}:{admin_id}")
