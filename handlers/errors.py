"""One error handler: log with the update's context first, answer the user briefly and
politely (never a traceback), report it to the office (bot/core/reports.py: the staff group and
the admins who started the bot, once an hour per error)."""
from __future__ import annotations

import json
import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.core.logs import describe
from bot.core.reports import ErrorReports
from bot.core.services import SERVICES_KEY
from handlers.common import Context, language_of, reply

log = logging.getLogger("klinik.errors")


async def on_error(update: object, context: Context) -> None:
    # the update's ids at ERROR; its full content (a manager's text) only at DEBUG (privacy)
    log.error("update failed: %s", _summary(update), exc_info=context.error)
    log.debug("the failed update: %s", _describe(update))
    services = context.application.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    if isinstance(update, Update) and update.effective_chat:
        # Only work that did not happen gets here: a direct reply that fails after the work was
        # committed is retried or queued by handlers.common.send_direct and never raises. The
        # message itself goes the same robust way (a 429 right now must not swallow it).
        try:
            lang_ = await language_of(context, update.effective_user.id if update.effective_user else None)
            if update.callback_query:
                try:
                    await update.callback_query.answer()
                except TelegramError:
                    pass
            await reply(update, context, services.texts.render(lang_, "common.error"))
        except Exception:  # the error path must never raise
            log.warning("could not tell the user about the error", exc_info=True)
    trace = "".join(traceback.format_exception(None, context.error, context.error.__traceback__))
    try:  # to the staff group and the admins who started the bot, once an hour per error
        await ErrorReports(services.db, services.outbox, services.texts, services.settings).report(context.error, trace)
    except Exception:  # the error path must never raise
        log.warning("could not queue the error report", exc_info=True)


def _summary(update: object) -> str:
    if isinstance(update, Update):
        chat = update.effective_chat.id if update.effective_chat else None
        user = update.effective_user.id if update.effective_user else None
        return f"update {update.update_id} chat {chat} user {user}: {describe(update)}"
    return type(update).__name__


def _describe(update: object) -> str:
    if isinstance(update, Update):
        try:
            return json.dumps(update.to_dict(), ensure_ascii=False)[:2000]
        except Exception:
            return repr(update)[:2000]
    return repr(update)[:500]
