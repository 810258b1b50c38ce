"""Log lines: one per event, with the update id, chat and journey; text for people or JSON for a
log collector (LOG_FORMAT); never a manager's message text at INFO (privacy).

`setup_logging` configures the root logger. `log_updates(app)` wraps every registered handler's
callback so that each handled update logs one line `update handled` (update id, chat, user,
journey = the handler's module, what kind of update, duration), and every line logged while it
runs carries the same update id, chat and journey (context variables, per asyncio task).
What kind of update: the command name, the button's callback prefix, or just "text"/"photo":
message text and captions are never logged.
"""
from __future__ import annotations

import contextvars
import functools
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
_chat_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("chat_id", default=None)
_journey: contextvars.ContextVar[str | None] = contextvars.ContextVar("journey", default=None)

log = logging.getLogger("klinik.updates")
CONTEXT_FIELDS = ("update_id", "chat_id", "journey")


class ContextFilter(logging.Filter):
    """Adds update_id, chat_id and journey (None outside an update) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (("update_id", _update_id), ("chat_id", _chat_id), ("journey", _journey)):
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ctx = [f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if getattr(record, k, None) is not None]
        if ctx:
            first, nl, rest = line.partition("\n")
            line = f"{first} [{' '.join(ctx)}]{nl}{rest}"
        return line


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context and any `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                out[key] = value if isinstance(value, (int, float, str, bool)) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx/aiohttp log every request at INFO (URLs carry the token); PTB's own INFO is useful
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def describe(update: object) -> str:
    """What kind of update this is, without any text a person wrote."""
    from telegram import Update

    if not isinstance(update, Update):
        return type(update).__name__
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        return f"button {data.split(':', 1)[0]}"
    message = update.effective_message
    if message is not None:
        kind = "edited " if update.edited_message is not None else ""
        text = message.text or ""
        if text.startswith("/"):
            return f"{kind}command {text.split()[0].split('@')[0]}"
        for attr in ("text", "photo", "document", "voice", "video", "sticker", "contact", "location"):
            if getattr(message, attr, None):
                return kind + attr
        return kind + "message"
    if update.my_chat_member is not None:
        return "my_chat_member"
    return "update"


def _wrap(callback, journey: str):
    if getattr(callback, "__logged__", False):
        return callback

    @functools.wraps(callback)
    async def logged(update: object, context: Any) -> Any:
        from telegram import Update

        is_update = isinstance(update, Update)
        tokens = (_update_id.set(update.update_id if is_update else None),
                  _chat_id.set(update.effective_chat.id if is_update and update.effective_chat else None),
                  _journey.set(journey))
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await callback(update, context)
            outcome = "ok"
            return result
        finally:
            user = update.effective_user.id if is_update and update.effective_user else None
            log.info("update handled: %s by %s (%s) in %.0f ms", describe(update), callback.__name__, outcome,
                     (time.perf_counter() - started) * 1000,
                     extra={"user_id": user, "event": describe(update), "handler": callback.__name__,
                            "outcome": outcome})
            for var, token in zip((_update_id, _chat_id, _journey), tokens):
                var.reset(token)

    logged.__logged__ = True  # type: ignore[attr-defined]
    return logged


def log_updates(app: Any) -> None:
    """Wrap every handler registered on `app` (and a ConversationHandler's inner ones)."""
    for handlers in app.handlers.values():
        for handler in handlers:
            _wrap_handler(handler)


def _wrap_handler(handler: Any) -> None:
    inner = [*getattr(handler, "entry_points", []), *getattr(handler, "fallbacks", []),
             *[h for hs in getattr(handler, "states", {}).values() for h in hs]]
    for h in inner:
        _wrap_handler(h)
    callback = getattr(handler, "callback", None)
    if callback is not None:
        module = getattr(callback, "__module__", "") or ""
        handler.callback = _wrap(callback, module.removeprefix("handlers."))
