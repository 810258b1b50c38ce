"""Conversation flows kept in SQLite, with no Telegram: which journey owns a user's next private
message in a chat, at which step, with which answers so far. Restarting the bot loses nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage.db import Database, from_utc_text
from storage.flows import FlowRepo, FlowState
from storage.outbox import OutboxRow


class Conversations:
    def __init__(self, db: Database, quiet: timedelta = timedelta(minutes=20),
                 recheck: timedelta = timedelta(seconds=30)) -> None:
        self.db = db
        self.quiet = quiet  # a flow untouched this long is abandoned: what waited for it goes out
        self.recheck = recheck  # how often a held message looks again

    async def busy_until(self, row: OutboxRow) -> datetime | None:
        """Delivery hook for reminders and questions: while the recipient is in the middle of a
        private-chat flow (registration, a consultation, a health check), the message waits and
        looks again after `recheck`; it goes out when the flow ends or has been quiet for `quiet`."""
        if row.chat_id <= 0:
            return None
        state = await FlowRepo(self.db).get(row.chat_id, row.chat_id)
        if state is None or not state.updated_at:
            return None
        now = datetime.now(timezone.utc)
        if now - from_utc_text(state.updated_at) >= self.quiet:
            return None
        return now + self.recheck

    async def current(self, chat_id: int, user_id: int) -> FlowState | None:
        return await FlowRepo(self.db).get(chat_id, user_id)

    async def start(self, chat_id: int, user_id: int, name: str, step: str, data: dict | None = None) -> FlowState:
        """A new flow replaces whatever flow the user had in this chat."""
        state = FlowState(chat_id, user_id, name, step, data or {})
        await FlowRepo(self.db).save(state)
        return state

    async def save(self, state: FlowState) -> None:
        await FlowRepo(self.db).save(state)

    async def end(self, chat_id: int, user_id: int) -> bool:
        """False when there was no flow to end."""
        return await FlowRepo(self.db).clear(chat_id, user_id)


__all__ = ["Conversations"]
