"""A person talking to the bot at the handler layer: each message or press is one real PTB
`Update` through `app.process_update()`, and the bot's answers are read back from the fake Bot
API. No polling, no waiting: when `process_update` returns, the handler has answered."""
from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Chat, MessageEntity
from telegram.ext import Application

from bot.emulator import FakeBotApi
from tests.factories import button_press, group_chat, text_message


@dataclass
class Person:
    app: Application
    api: FakeBotApi
    user_id: int
    name: str = "Sari"
    chat: Chat | None = field(default=None)  # None: the private chat

    @property
    def chat_id(self) -> int:
        return self.chat.id if self.chat is not None else self.user_id

    def in_group(self, chat_id: int) -> "Person":
        return Person(self.app, self.api, self.user_id, self.name, group_chat(chat_id))

    async def send(self, text: str, entities: list[MessageEntity] | None = None) -> None:
        await self.app.process_update(text_message(self.app.bot, self.user_id, text, chat=self.chat,
                                                   first_name=self.name, entities=entities))

    async def press_data(self, data: str, message_id: int = 1, text: str = "pertanyaan") -> None:
        await self.app.process_update(button_press(self.app.bot, self.user_id, data, message_id, text,
                                                   chat=self.chat, first_name=self.name))

    async def press(self, label: str) -> None:
        """Press the button whose text contains `label` on the newest message showing one."""
        for message in reversed(self.messages()):
            for row in message.keyboard:
                for button in row:
                    if label.lower() in button["text"].lower() and "callback_data" in button:
                        await self.press_data(button["callback_data"], message.message_id, message.text)
                        return
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}: {[m.text[:40] for m in self.messages()]}")

    def messages(self) -> list:
        """The bot's messages in this chat, as they look now (edits applied)."""
        latest: dict[int, object] = {}
        for event in self.api.world.events:
            if event.chat_id == self.chat_id and event.event in ("new", "edit"):
                latest[event.message_id] = event
            elif event.chat_id == self.chat_id and event.event == "delete":
                latest.pop(event.message_id, None)
        return list(latest.values())

    @property
    def last(self) -> str:
        messages = [e for e in self.api.world.events if e.chat_id == self.chat_id and e.event in ("new", "edit")]
        return messages[-1].text if messages else ""

    def said(self, fragment: str) -> bool:
        return any(fragment.lower() in m.text.lower() for m in self.messages())

    def answers(self) -> list[str]:
        """What the bot said in answer to button presses (toasts), in order."""
        return [c.params.get("text") or "" for c in self.api.calls("answerCallbackQuery")]
