"""The bot object the application uses: PTB's ExtBot with one forgiving change.

A button press that waited in the queue (a restart, a slow moment) can be older than Telegram's
answer window; answering it then fails with "query is too old". The press itself is still
valid and must be handled, so that failure is logged and ignored here, once, instead of in
every handler."""
from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


class ClinicBot(ExtBot):
    async def answer_callback_query(self, callback_query_id: str, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except BadRequest as exc:
            text = str(exc).lower()
            if "query is too old" in text or "query id is invalid" in text:
                log.info("late answer to button press %s ignored: %s", callback_query_id, exc)
                return False
            raise
