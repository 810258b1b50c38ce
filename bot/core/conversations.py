"""Conversation flows kept in SQLite, with no Telegram: which journey owns a user's next private
message in a chat, at which step, with which answers so far. Restarting the bot loses nothing."""
from __future__ import annotations

from storage.db import Database
from storage.flows import FlowRepo, FlowState


class Conversations:
    def __init__(self, db: Database) -> None:
        self.db = db

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
