"""One error handler: log with the update's context first, answer the user briefly and
politely (never a traceback), tell the office's admins in chunks under Telegram's limit."""
from __future__ import annotations

import json
import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.core.services import SERVICES_KEY
from handlers.common import Context, language_of

log = logging.getLogger("klinik.errors")


async def on_error(update: object, context: Context) -> None:
    log.error("update failed: %s", _describe(update), exc_info=context.error)
    services = context.application.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    if isinstance(update, Update) and update.effective_chat:
        try:
            lang_ = await language_of(context, update.effective_user.id if update.effective_user else None)
            if update.callback_query:
                await update.callback_query.answer()
            await context.bot.send_message(update.effective_chat.id, services.texts.render(lang_, "common.error"))
        except Exception:  # the error path must never raise
            log.warning("could not tell the user about the error", exc_info=True)
    trace = "".join(traceback.format_exception(None, context.error, context.error.__traceback__))
    text = services.texts.render("en", "common.error_report", error=str(context.error)[:300], trace=trace[-3000:])
    for admin_id in services.settings.admin_ids:
        try:
            await context.bot.send_message(admin_id, text)
        except TelegramError:
            pass


def _describe(update: object) -> str:
    if isinstance(update, Update):
        try:
            return json.dumps(update.to_dict(), ensure_ascii=False)[:2000]
        except Exception:
            return repr(update)[:2000]
    return repr(update)[:500]
