"""Private messages that are not commands: the user's open flow gets them first, then the
journeys' fallbacks in the order of bot/app.py's JOURNEYS (e.g. an open ticket, then FAQ triage)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.core.services import get_services
from handlers.common import Context, say
from handlers.flows import current_flow, end_flow, flow_handler


async def on_private_message(update: Update, context: Context) -> None:
    if update.effective_user is None or update.effective_message is None:
        return
    state = await current_flow(update, context)
    if state is not None:
        handler = flow_handler(context, state.name)
        if handler is None:  # a flow from an older version of the bot: start clean
            await end_flow(update, context)
        else:
            await handler(update, context, state)
            return
    if not await get_services(context).accounts.has_consented(update.effective_user.id):
        await say(update, context, "onboarding.please_start")
        return
    for fallback in get_services(context).journeys.private_fallbacks:
        if await fallback(update, context):
            return
    if update.effective_message.text:
        await say(update, context, "common.not_understood")
    else:  # no step is waiting for an answer here: say what the bot can do with media
        await say(update, context, "common.media_outside_flow")


async def on_unknown_command(update: Update, context: Context) -> None:
    await say(update, context, "common.unknown_command")


async def on_edited_message(update: Update, context: Context) -> None:
    """An edit is not a new answer: it would otherwise be taken for the current step's reply,
    and a relayed message cannot be changed at the consultant's end."""
    await say(update, context, "common.edit_not_forwarded")


NEW_MESSAGE = filters.UpdateType.MESSAGE
HANDLERS = [
    MessageHandler(filters.ChatType.PRIVATE & NEW_MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                   on_private_message),
    MessageHandler(filters.ChatType.PRIVATE & NEW_MESSAGE & filters.COMMAND, on_unknown_command),
    MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edited_message),
]
