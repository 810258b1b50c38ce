"""A user who blocks the bot is marked inactive (kept, not deleted); unblocking reactivates."""
from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler

from bot.core.services import get_services
from handlers.common import Context


async def on_my_chat_member(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    accounts = get_services(context).accounts
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        await accounts.blocked(change.chat.id)
    elif change.new_chat_member.status == ChatMember.MEMBER:
        await accounts.unblocked(change.chat.id)


HANDLERS = [ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)]
