"""What a test sees of a message: a frozen snapshot, plus the waiting primitive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class BotMessage:
    """A message as it looked at one moment (a send, an edit, or a deletion)."""

    message_id: int
    chat_id: int
    text: str  # what the reader sees: the text, or the caption of a media message, entities decoded
    html: str | None = None  # the text or caption exactly as the bot sent it
    caption: str | None = None
    kind: str = "text"  # text, photo, document, voice, audio, video, sticker, animation, service
    thread_id: int | None = None
    is_topic_message: bool = False
    reply_to: int | None = None
    keyboard: tuple[tuple[dict, ...], ...] = ()  # inline keyboard buttons as sent
    reply_keyboard: tuple[tuple[str, ...], ...] | None = None
    from_bot: bool = True
    sender_id: int = 0
    event: str = "new"  # new | edit | delete
    media_group_id: str | None = None
    date: int = 0
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def buttons(self) -> list[list[str]]:
        return [[b.get("text", "") for b in row] for row in self.keyboard]

    @property
    def edited(self) -> bool:
        return self.event == "edit"

    @property
    def deleted(self) -> bool:
        return self.event == "delete"

    @property
    def photo(self) -> bool:
        return self.kind == "photo"

    @property
    def document(self) -> bool:
        return self.kind == "document"

    def button(self, label: str) -> dict[str, Any] | None:
        """The inline button whose text equals `label`, else the first that contains it."""
        flat = [b for row in self.keyboard for b in row]
        for b in flat:
            if b.get("text") == label:
                return b
        for b in flat:
            if label.lower() in b.get("text", "").lower():
                return b
        return None

    def __str__(self) -> str:
        head = f"#{self.message_id}" + (f" [topic {self.thread_id}]" if self.thread_id else "")
        if self.event != "new":
            head += f" ({self.event})"
        lines = [f"{head} {self.kind}: {self.text}"]
        for row in self.buttons:
            lines.append("   " + " | ".join(f"[{label}]" for label in row))
        return "\n".join(lines)


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a button press (answerCallbackQuery)."""

    text: str | None = None
    show_alert: bool = False
    url: str | None = None


class Signal:
    """Wakes every waiter on each change; waiters re-check their own condition (no sleeps)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, check: Callable[[], T | None], timeout: float | None) -> T:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                result = check()
                if result:
                    return result
                raise
