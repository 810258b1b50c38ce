"""Telegram-free inline keyboards, so services and templates can describe buttons.

Callback data is "<prefix>:<action>[:<arg>...]" and must stay within Telegram's 64 bytes.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if self.data is not None and len(self.data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over 64 bytes: {self.data!r}")

    def to_api(self) -> dict:
        if self.url:
            return {"text": self.text, "url": self.url}
        return {"text": self.text, "callback_data": self.data}


Keyboard = list[list[Button]]


def keyboard_to_api(keyboard: Keyboard | None) -> dict | None:
    if not keyboard:
        return None
    return {"inline_keyboard": [[b.to_api() for b in row] for row in keyboard]}


def grid(buttons: list[Button], columns: int) -> Keyboard:
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


def callback(*parts: object) -> str:
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over 64 bytes: {data!r}")
    return data
