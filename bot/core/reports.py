"""Error reports for the office, through the outbox (they must arrive): to the staff group (its
"Sistem" topic in forum mode, see bot/tickets/delivery.py) and privately to the admins who have
started the bot (Telegram refuses a bot's first message to anyone else: 403 "bot can't initiate
conversation"). The same error is reported once per hour, however many updates it breaks."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from storage.db import Executor
from storage.users import UserRepo

KIND = "error_report"


class ErrorReports:
    def __init__(self, db: Executor, outbox: Outbox, texts: Texts, settings: Settings) -> None:
        self.db, self.outbox, self.texts, self.settings = db, outbox, texts, settings

    async def recipients(self) -> list[int]:
        users = UserRepo(self.db)
        admins = [a for a in self.settings.admin_ids if (u := await users.find(a)) is not None and u.is_active]
        staff = [self.settings.staff_chat_id] if self.settings.staff_chat_id is not None else []
        return staff + admins

    async def report(self, error: BaseException, trace: str, now: datetime | None = None) -> int:
        """Queue the report; returns how many rows were queued now (0: already reported this hour)."""
        now = now or datetime.now(timezone.utc)
        what = f"{type(error).__name__}: {error}"[:300]
        digest = hashlib.sha1(f"{type(error).__name__}:{str(error)[:200]}".encode()).hexdigest()[:16]
        html = self.texts.render(self.settings.default_language, "common.error_report", error=what,
                                 trace=trace[-3000:])
        queued = 0
        for chat_id in await self.recipients():
            row = await self.outbox.send_text(chat_id, html, kind=KIND,
                                              dedupe_key=f"error:{digest}:{now:%Y%m%d%H}:{chat_id}")
            queued += row is not None
        return queued
