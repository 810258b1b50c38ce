"""UU PDP 27/2022 rights in the chat: /datasaya (see everything stored) and /hapusdata (erase
personal data and withdraw consent, keeping the cooperative's records without the name).
The work, across every journey, is bot/privacy/service.py's."""
from __future__ import annotations

from io import BytesIO

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.buttons import Button, callback, parse_callback
from bot.core.services import get_services
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t
from handlers.flows import current_flow, end_flow, flow, start_flow
from storage.flows import FlowState

PREFIX = "priv"


async def my_data(update: Update, context: Context) -> None:
    """/datasaya (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    user_id = update.effective_user.id
    document = await get_services(context).privacy.export_json(user_id)
    await say(update, context, "privacy.export_intro")
    await context.bot.send_document(update.effective_chat.id, BytesIO(document), filename=f"data-saya-{user_id}.json")


ERASE_FLOW = "erase"
# /batal at the confirmation cancels the deletion; the old "Ya, hapus" button then refuses
FLOW_CANCELLED = {ERASE_FLOW: "privacy.erase_cancelled"}


@flow(ERASE_FLOW)
async def on_message(update: Update, context: Context, state: FlowState) -> None:
    await say(update, context, "common.use_buttons")


async def erase(update: Update, context: Context) -> None:
    """/hapusdata (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    await start_flow(update, context, ERASE_FLOW, "confirm")
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "privacy.erase_confirm"),
                [[Button(label(context, lang_, "privacy.btn_erase"), callback(PREFIX, "erase", "yes")),
                  Button(label(context, lang_, "common.btn_cancel"), callback(PREFIX, "erase", "no"))]])


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await query.answer()
    lang_ = await lang(update, context)
    state = await current_flow(update, context)
    if state is None or state.name != ERASE_FLOW:  # cancelled with /batal, or an old message
        await edit_or_reply(update, context, t(context, lang_, "privacy.erase_not_pending"))
        return
    data = parse_callback(query.data)
    if data is None or (data.action, data.arg()) != ("erase", "yes"):
        await end_flow(update, context)
        await edit_or_reply(update, context, t(context, lang_, "privacy.erase_cancelled"))
        return
    await get_services(context).privacy.erase(update.effective_user.id)
    await edit_or_reply(update, context, t(context, lang_, "privacy.erased"))


HANDLERS = [
    CommandHandler("datasaya", my_data, filters=filters.ChatType.PRIVATE),
    CommandHandler("hapusdata", erase, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
]
PRIVATE_COMMANDS = ["datasaya", "hapusdata"]
