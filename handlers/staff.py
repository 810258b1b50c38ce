"""The staff group: who the bot thinks you are."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.core.services import get_services
from handlers.common import Context, is_admin, is_consultant, is_staff_chat, say


async def whoami(update: Update, context: Context) -> None:
    """/staf (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if not is_staff_chat(update, context):
        await say(update, context, "staff.only_in_group")
        return
    user = update.effective_user
    details: dict = {}
    for detail in get_services(context).journeys.staff_details:  # journeys' STAFF_DETAIL
        details.update(await detail(context, user.id))
    await say(update, context, "staff.whoami", name=user.full_name, user_id=user.id,
              consultant=await is_consultant(context, user.id), admin=is_admin(context, user.id),
              details=details)


HANDLERS = [CommandHandler("staf", whoami)]
STAFF_COMMANDS = ["staf"]
