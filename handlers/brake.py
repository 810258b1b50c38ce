"""The polite brake (issue 16): a user writing faster than a conversation is told once, kindly,
that everything arrives; while they keep that pace, per-message acknowledgements pause (see
`quiet`). Nothing is dropped: this handler runs in group -2, before every journey, and only
counts; the message then goes on to its journey as usual."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.core.brake import Brake, Pace
from bot.core.services import get_services
from handlers.common import Context, say


async def on_private_message(update: Update, context: Context) -> None:
    brake = get_services(context).brake
    if brake is None or update.effective_user is None:
        return
    if brake.note(update.effective_user.id) is Pace.STARTED:
        await say(update, context, "brake.notice")


def quiet(context: Context, user_id: int) -> bool:
    """True while the user floods: skip acknowledging each of their messages (one notice said it)."""
    brake = get_services(context).brake
    return brake is not None and brake.flooding(user_id)


async def setup(app: Application) -> None:
    svc = app.bot_data["services"]
    svc.brake = Brake(svc.settings.brake_messages_per_minute)


# Group -2: before every journey (and the update log), counting only; new messages, not edits.
HANDLERS = [(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_private_message), -2)]
