"""The one way out for everything that must arrive (house.md: relays, reminders, alerts,
broadcasts). Callers describe a message; the delivery worker sends it, once.

Fair share (issue 16): rows of kinds in BULK_KINDS (or `bulk=True`) go in the bulk lane and
yield to live traffic in the same chat and across chats, keeping their own order. A text row
with a `coalesce_key` (e.g. "relay:12": one ticket, one destination) may be sent together with
the rows right behind it that carry the same key, as one message (storage/outbox.py)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.buttons import Keyboard, keyboard_to_api
from storage.db import Executor
from storage.outbox import BULK, LIVE, OutboxRepo

# Bulk traffic: many recipients or long reports that can wait a little for a live conversation.
BULK_KINDS = frozenset({"broadcast", "broadcast_progress", "report", "digest", "reminder", "meeting_reminder",
                        "ask_if_held", "alert_consultant"})
BULK_PREFIXES = ("report", "digest")


def lane_of(kind: str, bulk: bool | None = None) -> int:
    if bulk is None:
        bulk = kind in BULK_KINDS or kind.startswith(BULK_PREFIXES)
    return BULK if bulk else LIVE


class Outbox:
    def __init__(self, db: Executor, wake: Callable[[], None] = lambda: None) -> None:
        self.repo = OutboxRepo(db)
        self._wake = wake

    def bind(self, db: Executor) -> "Outbox":
        """The same outbox inside a transaction, so a row is written with the state it belongs to."""
        return Outbox(db, self._wake)

    async def _add(self, kind: str, chat_id: int, method: str, payload: dict, *, dedupe_key: str | None,
                   ref: tuple[str, int] | None, not_before: datetime | None, bulk: bool | None = None,
                   coalesce_key: str | None = None) -> int | None:
        row_id = await self.repo.add(
            kind=kind, chat_id=chat_id, method=method, payload=payload, dedupe_key=dedupe_key,
            ref_type=ref[0] if ref else None, ref_id=ref[1] if ref else None, not_before=not_before,
            lane=lane_of(kind, bulk), coalesce_key=coalesce_key,
        )
        self._wake()
        return row_id

    async def send_text(self, chat_id: int, html: str, *, kind: str, keyboard: Keyboard | None = None,
                        thread_id: int | None = None, reply_to: int | None = None,
                        dedupe_key: str | None = None, ref: tuple[str, int] | None = None,
                        not_before: datetime | None = None, disable_preview: bool = True,
                        bulk: bool | None = None, coalesce_key: str | None = None) -> int | None:
        """`coalesce_key`: rows with the same key queued right behind each other may go out as
        one message (each row's text keeps its own label); `bulk`: overrides the kind's lane."""
        payload: dict = {"text": html, "parse_mode": "HTML"}
        if keyboard:
            payload["reply_markup"] = keyboard_to_api(keyboard)
        if thread_id:
            payload["message_thread_id"] = thread_id
        if reply_to:
            payload["reply_to_message_id"] = reply_to
        if disable_preview:
            payload["disable_web_page_preview"] = True
        return await self._add(kind, chat_id, "send_message", payload, dedupe_key=dedupe_key,
                               ref=ref, not_before=not_before, bulk=bulk, coalesce_key=coalesce_key)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int, *, kind: str,
                   caption_html: str | None = None, thread_id: int | None = None,
                   reply_to: int | None = None, keyboard: Keyboard | None = None,
                   dedupe_key: str | None = None, ref: tuple[str, int] | None = None) -> int | None:
        payload: dict = {"from_chat_id": from_chat_id, "message_id": message_id}
        if caption_html is not None:
            payload["caption"] = caption_html
            payload["parse_mode"] = "HTML"
        if thread_id:
            payload["message_thread_id"] = thread_id
        if reply_to:
            payload["reply_to_message_id"] = reply_to
        if keyboard:
            payload["reply_markup"] = keyboard_to_api(keyboard)
        return await self._add(kind, chat_id, "copy_message", payload, dedupe_key=dedupe_key,
                               ref=ref, not_before=None)

    async def send_photo(self, chat_id: int, *, kind: str, photo_path: str | None = None,
                         file_id: str | None = None, caption_html: str | None = None,
                         thread_id: int | None = None, dedupe_key: str | None = None,
                         ref: tuple[str, int] | None = None) -> int | None:
        """A photo from a file on disk (e.g. a rendered chart) or an existing Telegram file_id."""
        payload: dict = {"photo_path": photo_path} if photo_path else {"photo": file_id}
        return await self._file(kind, chat_id, "send_photo", payload, caption_html, thread_id, dedupe_key, ref)

    async def send_document(self, chat_id: int, *, kind: str, document_path: str, filename: str,
                            caption_html: str | None = None, thread_id: int | None = None,
                            dedupe_key: str | None = None, ref: tuple[str, int] | None = None) -> int | None:
        """A file written to disk before the row (e.g. a report workbook); read when sent."""
        payload: dict = {"document_path": document_path, "filename": filename}
        return await self._file(kind, chat_id, "send_document", payload, caption_html, thread_id, dedupe_key, ref)

    async def _file(self, kind: str, chat_id: int, method: str, payload: dict, caption_html: str | None,
                    thread_id: int | None, dedupe_key: str | None, ref: tuple[str, int] | None) -> int | None:
        """A photo or document row: the caption (HTML) and forum topic the same way for both."""
        if caption_html is not None:
            payload.update(caption=caption_html, parse_mode="HTML")
        if thread_id:
            payload["message_thread_id"] = thread_id
        return await self._add(kind, chat_id, method, payload, dedupe_key=dedupe_key, ref=ref, not_before=None)

    async def edit_text(self, chat_id: int, message_id: int, html: str, *, kind: str,
                        keyboard: Keyboard | None = None, dedupe_key: str | None = None,
                        ref: tuple[str, int] | None = None) -> int | None:
        payload: dict = {"message_id": message_id, "text": html, "parse_mode": "HTML",
                         "disable_web_page_preview": True}
        if keyboard:
            payload["reply_markup"] = keyboard_to_api(keyboard)
        return await self._add(kind, chat_id, "edit_message_text", payload, dedupe_key=dedupe_key,
                               ref=ref, not_before=None)
