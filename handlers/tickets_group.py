"""The Bot API's part of the staff group for the tickets capability: forum topics (the TopicApi of
bot/tickets/delivery.py), whether the group is a forum, and its administrators for the roster."""
from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.core.buttons import Keyboard
from bot.core.services import Services
from bot.tickets.service import TicketService
from handlers.common import markup

log = logging.getLogger(__name__)
ADMINS_CHECKED = ("tickets", "admins-checked")


class BotTopics:
    """bot.tickets.delivery.TopicApi over the Bot API."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def create(self, chat_id: int, name: str) -> int:
        return (await self.bot.create_forum_topic(chat_id, name=name)).message_thread_id

    async def post(self, chat_id: int, thread_id: int, html: str, keyboard: Keyboard | None = None) -> int:
        return (await self.bot.send_message(chat_id, html, message_thread_id=thread_id,
                                            reply_markup=markup(keyboard))).message_id

    async def named(self, chat_id: int, thread_id: int, name: str) -> bool:
        """An edit that changes nothing is refused with TOPIC_NOT_MODIFIED by a live topic only
        (any other message id: thread not found); then renaming it to `name` is refused the same
        way only if that is already its name. (A topic someone else created in the same seconds
        would be renamed: the one risk left, see docs/DEVELOPING.md.)"""
        for change in ({}, {"name": name}):
            try:
                await self.bot.edit_forum_topic(chat_id, thread_id, **change)
            except BadRequest as exc:
                if "topic_not_modified" not in str(exc).lower().replace(" ", "_"):
                    return False
            else:
                return False
        return True

    async def delete(self, chat_id: int, thread_id: int) -> None:
        await self.bot.delete_forum_topic(chat_id, thread_id)


async def detect_forum(bot: Bot, desk: TicketService) -> None:
    if desk.staff_chat_id is None:
        return
    try:
        chat = await bot.get_chat(desk.staff_chat_id)
        await desk.set_forum(bool(chat.is_forum))
    except TelegramError as exc:
        log.warning("could not ask whether the staff group is a forum (%s); using %s", exc,
                    await desk.forum_as_last_known())


async def sync_admins(bot: Bot, svc: Services) -> None:
    staff = svc.settings.staff_chat_id
    if staff is None:
        return
    try:
        admins = await bot.get_chat_administrators(staff)
    except TelegramError as exc:
        log.info("could not list the staff group's administrators: %s", exc)
        return
    for member in admins:
        if not member.user.is_bot:
            await svc.tickets.on_roster(member.user.id, member.user.full_name, member.user.username, "admin")
    svc.staff_cache.put(ADMINS_CHECKED, True)
