"""A user who blocks the bot is marked inactive (kept, not deleted); unblocking reactivates."""
from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler

from bot.core.services import get_services
from handlers.common import Context
from storage.users import UserRepo


async def on_my_chat_member(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    users = UserRepo(get_services(context).db)
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        await users.mark_inactive(change.chat.id, "blocked")
    elif change.new_chat_member.status == ChatMember.MEMBER:
        await users.mark_active(change.chat.id)


HANDLERS = [ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)]
