"""UU PDP 27/2022 rights in the chat: /datasaya (see everything stored) and /hapusdata (erase
personal data and withdraw consent, keeping the cooperative's records without the name)."""
from __future__ import annotations

import json
from io import BytesIO

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.buttons import Button
from bot.core.services import get_services
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t
from storage.cooperatives import CooperativeRepo
from storage.db import Database
from storage.flows import FlowRepo
from storage.users import UserRepo



async def _core_export(db: Database, user_id: int) -> tuple[str, object]:
    user = await UserRepo(db).find(user_id)
    coops = CooperativeRepo(db)
    membership = await coops.membership(user_id)
    return "account", {
        "user": user.__dict__ if user else None,
        "consents": await UserRepo(db).consents(user_id),
        "membership": membership.__dict__ if membership else None,
        "cooperative": (await coops.get(membership.cooperative_id)).as_dict() if membership else None,
        "open_conversation": [f.__dict__ for f in await FlowRepo(db).for_user(user_id)],
    }


async def my_data(update: Update, context: Context) -> None:
    """Lihat semua data Anda yang tersimpan"""
    svc = get_services(context)
    db, user_id = svc.db, update.effective_user.id
    export: dict[str, object] = {}
    # the other journeys' PRIVACY_EXPORT: what they store about a user (tickets, meetings...)
    for section in (_core_export, *svc.journeys.export_sections):
        name, value = await section(db, user_id)
        export[name] = value
    await say(update, context, "privacy.export_intro")
    document = BytesIO(json.dumps(export, ensure_ascii=False, indent=2, default=str).encode())
    await context.bot.send_document(update.effective_chat.id, document, filename=f"data-saya-{user_id}.json")


async def erase(update: Update, context: Context) -> None:
    """Hapus data pribadi Anda"""
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "privacy.erase_confirm"),
                [[Button(label(context, lang_, "privacy.btn_erase"), "priv:erase:yes"),
                  Button(label(context, lang_, "common.btn_cancel"), "priv:erase:no")]])


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await query.answer()
    lang_ = await lang(update, context)
    if query.data != "priv:erase:yes":
        await edit_or_reply(update, context, t(context, lang_, "common.cancelled"))
        return
    svc = get_services(context)
    user_id = update.effective_user.id
    async with svc.db.transaction() as tx:  # all or nothing: a failure halfway erases nothing
        for step in svc.journeys.erase_steps:  # the other journeys' PRIVACY_ERASE
            await step(tx, user_id)
        await UserRepo(tx).erase_personal_data(user_id)
        await CooperativeRepo(tx).leave(user_id)
        for state in await FlowRepo(tx).for_user(user_id):
            await FlowRepo(tx).clear(state.chat_id, user_id)
    await edit_or_reply(update, context, t(context, lang_, "privacy.erased"))


HANDLERS = [
    CommandHandler("datasaya", my_data, filters=filters.ChatType.PRIVATE),
    CommandHandler("hapusdata", erase, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_button, pattern=r"^priv:"),
]
PRIVATE_COMMANDS = ["datasaya", "hapusdata"]
