"""What the manager's ticket journey and its routing share: the Telegram-free description of a
chat message, the service, the acting manager, and the polite refusal."""
from __future__ import annotations

from telegram import Message, Update

from bot.core.services import get_services
from bot.tickets import rules, service
from bot.tickets.service import TicketService
from handlers.common import Context, label, lang, reply, t
from handlers.flows import current_flow
from storage.flows import FlowState

FLOW, PICK, COMMENT = "ticket", "ticket_pick", "ticket_comment"
MEDIA_KINDS = ("photo", "animation", "video", "document", "audio", "voice", "video_note", "sticker")
FILE_KINDS = frozenset({"photo", "document", "video", "audio", "voice", "video_note", "animation"})


def incoming(message: Message) -> service.Incoming:
    """The Telegram-free description of a chat message (the staff side uses it too)."""
    if message.text is not None:
        kind, text, html = "text", message.text, message.text_html
    else:
        kind = next((k for k in MEDIA_KINDS if getattr(message, k, None)), "other")
        text = message.caption
        html = message.caption_html if message.caption else None
    return service.Incoming(message.chat_id, message.message_id, message.from_user.id if message.from_user else 0,
                            kind, text, html, message.media_group_id)


def tickets(context: Context) -> TicketService:
    return get_services(context).tickets


async def actor(context: Context, user_id: int) -> rules.Actor:
    return await tickets(context).manager(user_id)


async def denied(update: Update, context: Context, exc: rules.NotAllowed) -> None:
    lang_ = await lang(update, context)
    text = label(context, lang_, f"tickets.denied_{exc.code}")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, t(context, lang_, f"tickets.denied_{exc.code}"))


async def flow_at(update: Update, context: Context, name: str, step: str | None = None) -> FlowState | None:
    state = await current_flow(update, context)
    if state is None or state.name != name or (step and state.step != step):
        lang_ = await lang(update, context)
        await update.callback_query.answer(label(context, lang_, "common.stale_button"))
        return None
    await update.callback_query.answer()
    return state
