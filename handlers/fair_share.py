"""Fair share (issue 16), the user-facing parts.

The polite brake: a user writing faster than a conversation is told once, kindly, that
everything arrives; while they keep that pace, per-message acknowledgements pause (see `quiet`).
Nothing is dropped: the handler runs in group -2, before every journey, and only counts; the
message then goes on to its journey as usual.

Limits on guessing, called by the onboarding journey: `join_refused` / `join_wrong` (too many
wrong join codes) and `registration_refused` (too many cooperatives registered). Each answers
the user itself and returns True when the try is refused."""
from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.core.brake import Pace
from bot.core.services import get_services
from bot.onboarding.guard import GuessGuard, Refused
from handlers.common import Context, say


async def on_private_message(update: Update, context: Context) -> None:
    brake = get_services(context).brake
    if brake is None or update.effective_user is None:
        return
    sent = update.effective_message.date if update.effective_message else None
    if brake.note(update.effective_user.id, sent.timestamp() if sent else None) is Pace.STARTED:
        await say(update, context, "fairshare.brake_notice")


async def _refuse(update: Update, context: Context, refused: Refused | None) -> bool:
    if refused is None:
        return False
    await say(update, context, f"fairshare.{refused.code}", **(
        {"minutes": refused.minutes} if refused.code == "join_blocked" else {"limit": refused.limit}))
    return True


def _guard(context: Context) -> GuessGuard:
    svc = get_services(context)
    return GuessGuard(svc.db, svc.settings)


async def join_refused(update: Update, context: Context) -> bool:
    """Before a join code is looked up: refused (and told so) while too many were wrong."""
    return await _refuse(update, context, await _guard(context).join_allowed(update.effective_user.id))


async def join_wrong(update: Update, context: Context) -> bool:
    """After a wrong join code: True (and the user told about the block) if it used up the tries."""
    return await _refuse(update, context, await _guard(context).join_failed(update.effective_user.id))


async def registration_refused(update: Update, context: Context) -> bool:
    """Before registering a new cooperative: refused (and told so) past the per-user cap."""
    return await _refuse(update, context, await _guard(context).registration_allowed(update.effective_user.id))


def quiet(context: Context, user_id: int) -> bool:
    """True while the user floods: skip acknowledging each of their messages (one notice said it)."""
    brake = get_services(context).brake
    return brake is not None and brake.flooding(user_id)


# Group -2: before every journey (and the update log), counting only; new messages, not edits.
HANDLERS = [(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_private_message), -2)]
