"""Reading request parameters and checking texts and keyboards the way Telegram does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import errors as e
from .errors import bad_request
from .html import HtmlError, parse_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# Inline button fields that give a button something to do; exactly one is required.
BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                  "copy_text", "callback_game", "pay")


@dataclass
class Upload:
    filename: str
    content_type: str | None
    data: bytes


class Params:
    """A method's parameters: form fields (strings, complex values JSON-encoded), JSON bodies
    (typed values) and uploaded files, as PTB's HTTPXRequest sends them."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.files

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"{name} is invalid") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None or not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def require(self, name: str) -> Any:
        if not self.has(name):
            raise bad_request(f"{name} is empty")
        return self.values.get(name)

    def loggable(self) -> dict[str, Any]:
        shown = dict(self.values)
        for name, upload in self.files.items():
            shown[name] = f"<upload {upload.filename!r} {len(upload.data)} bytes>"
        return shown


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading and trailing spaces and newlines from texts and captions."""
    stripped = text.rstrip(" \n")
    lead = len(stripped) - len(stripped.lstrip(" \n"))
    stripped = stripped[lead:]
    if lead or len(stripped) != len(text):
        limit = sum(2 if ord(c) > 0xFFFF else 1 for c in stripped)
        kept = []
        for entity in entities:
            start = max(entity["offset"] - lead, 0)
            end = min(entity["offset"] + entity["length"] - lead, limit)
            if end > start:
                kept.append(entity | {"offset": start, "length": end - start})
        entities = kept
    return stripped, entities


def format_text(source: Any, parse_mode: str | None, entities: Any, *, caption: bool = False,
                strict: bool = True) -> tuple[str | None, list[dict]]:
    """Text or caption after entity parsing, checked against Telegram's limits."""
    if source is None or (caption and source == ""):
        if caption:
            return None, []
        raise bad_request(e.TEXT_EMPTY)
    source = str(source)
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            text, parsed = parse_html(source, strict=strict)
        except HtmlError as err:
            raise bad_request(e.PARSE_PREFIX + str(err)) from None
    elif mode in ("", "markdown", "markdownv2"):
        text, parsed = source, list(entities or [])
    else:
        raise bad_request("unsupported parse_mode")
    text, parsed = _trim(text, parsed)
    if caption:
        if len(text) > MAX_CAPTION:
            raise bad_request(e.CAPTION_TOO_LONG)
        return (text or None), parsed
    if not text:
        raise bad_request(e.TEXT_EMPTY)
    if len(text) > MAX_TEXT:
        raise bad_request(e.TEXT_TOO_LONG)
    return text, parsed


@dataclass
class Markup:
    """A reply_markup parameter: the inline keyboard to store, and what it does to the user's
    reply keyboard (None: unchanged, (): removed, rows of labels: shown)."""

    inline: dict | None = None
    reply_keyboard: tuple[tuple[str, ...], ...] | None = None
    removes_keyboard: bool = False


def check_markup(raw: Any) -> Markup:
    if raw is None:
        return Markup()
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return Markup(inline={"inline_keyboard": _check_inline(raw["inline_keyboard"])})
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        labels = tuple(tuple(b if isinstance(b, str) else str(b.get("text", "")) for b in row)
                       for row in rows)
        return Markup(reply_keyboard=labels)
    if raw.get("remove_keyboard"):
        return Markup(removes_keyboard=True)
    if raw.get("force_reply"):
        return Markup()
    raise bad_request("can't find field \"inline_keyboard\"")


def _check_inline(rows: Any) -> list[list[dict]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if not str(button.get("text", "")).strip():
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            actions = [a for a in BUTTON_ACTIONS if a in button]
            if not actions:
                raise bad_request(e.TEXT_BUTTONS_UNALLOWED)
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise bad_request(e.BUTTON_DATA_INVALID)
            if "url" in button:
                url = str(button["url"])
                if not url.startswith(("http://", "https://", "tg://")) or not url.split("://", 1)[1]:
                    raise bad_request("BUTTON_URL_INVALID")
    return rows
