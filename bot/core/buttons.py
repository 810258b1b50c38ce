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


@dataclass(frozen=True)
class Callback:
    """Parsed callback data. Parsing only splits: the handler must still re-check who pressed
    and whether the state still allows it, because data can be forged or stale."""
    prefix: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int = 0, default: str | None = None) -> str | None:
        return self.args[index] if index < len(self.args) else default

    def int_arg(self, index: int = 0) -> int | None:
        """The argument as an int, or None when it is missing or not a number (a forged press)."""
        value = self.arg(index)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


def parse_callback(data: str | None, maxsplit: int = -1) -> Callback | None:
    """The one parser for what `callback()` builds; None for data that is not ours."""
    if not data or ":" not in data:
        return None
    prefix, action, *args = data.split(":", maxsplit + 1 if maxsplit >= 0 else -1)
    return Callback(prefix, action, tuple(args))
