"""Consultation tickets, the manager's side (private chat): /konsultasi (service, category,
describe in one or more messages, send), later messages to the open ticket, /tiketsaya
(list, close), rating. Decisions are in bot/tickets/service.py and bot/tickets/rules.py."""
from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.buttons import Button, callback, grid, parse_callback
from bot.core.services import get_services
from bot.tickets import rules, service
from bot.tickets.service import TicketService
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, save_flow, start_flow
from storage.flows import FlowState

log = logging.getLogger(__name__)
FLOW, PICK, COMMENT = "ticket", "ticket_pick", "ticket_comment"
MEDIA_KINDS = ("photo", "animation", "video", "document", "audio", "voice", "video_note", "sticker")
NO_TEXT = "—"


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


async def _actor(context: Context, user_id: int) -> rules.Actor:
    return await tickets(context).manager(user_id)


async def _denied(update: Update, context: Context, exc: rules.NotAllowed) -> None:
    lang_ = await lang(update, context)
    text = label(context, lang_, f"tickets.denied_{exc.code}")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, t(context, lang_, f"tickets.denied_{exc.code}"))


# /konsultasi ---------------------------------------------------------------------------------
async def begin_ticket(update: Update, context: Context, question: str | None = None,
                       triage_id: int | None = None) -> None:
    """Start the /konsultasi flow, optionally with the question already written (FAQ triage)."""
    user = update.effective_user
    if await tickets(context).cooperative_of(user.id) is None:
        await say(update, context, "tickets.need_cooperative")
        return
    await start_flow(update, context, FLOW, "service", {"question": (question or "").strip(), "triage_id": triage_id,
                                                       "messages": []})
    lang_ = await lang(update, context)
    keyboard = [[Button(label(context, lang_, "tickets.service", key=s), callback("tm", "svc", s)) for s in rules.SERVICES]]
    await reply(update, context, t(context, lang_, "tickets.ask_service", question=question), keyboard)


async def consult(update: Update, context: Context) -> None:
    """/konsultasi (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    await begin_ticket(update, context)


def _send_keyboard(context: Context, lang_: str) -> list:
    return [[Button(label(context, lang_, "tickets.btn_send"), "tm:send"),
             Button(label(context, lang_, "common.btn_cancel"), "tm:cancel")]]


@flow(FLOW)
async def on_flow_message(update: Update, context: Context, state: FlowState) -> None:
    lang_ = await lang(update, context)
    if state.step != "describe":
        await say(update, context, "common.use_buttons")
        return
    msg = incoming(update.effective_message)
    if msg.kind == "other":
        await say(update, context, "common.need_text")
        return
    messages = state.data.setdefault("messages", [])
    if any(m["message_id"] == msg.message_id for m in messages):
        return  # a retried update
    album_seen = bool(msg.media_group_id) and any(m.get("media_group_id") == msg.media_group_id for m in messages)
    messages.append(msg.as_dict())
    await save_flow(context, state)
    if album_seen:
        return  # an album counts as one message
    count = len({m.get("media_group_id") or f"m{m['message_id']}" for m in messages})
    await reply(update, context, t(context, lang_, "tickets.described", count=count), _send_keyboard(context, lang_))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data)
    handler = {"svc": _on_service, "cat": _on_category, "send": _on_send, "cancel": _on_cancel,
               "pick": _on_pick, "close": _on_close, "reopen": _on_reopen, "rate": _on_rate,
               "skip": _on_skip}.get(data.action if data else "")
    if handler is None:
        await query.answer()
        return
    await handler(update, context, list(data.args))


async def _flow_at(update: Update, context: Context, name: str, step: str | None = None) -> FlowState | None:
    state = await current_flow(update, context)
    if state is None or state.name != name or (step and state.step != step):
        lang_ = await lang(update, context)
        await update.callback_query.answer(label(context, lang_, "common.stale_button"))
        return None
    await update.callback_query.answer()
    return state


async def _on_service(update: Update, context: Context, args: list[str]) -> None:
    state = await _flow_at(update, context, FLOW, "service")
    if state is None or not args or args[0] not in rules.SERVICES:
        return
    state.data["service"], state.step = args[0], "category"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    keyboard = grid([Button(label(context, lang_, "tickets.category", key=c), callback("tm", "cat", c))
                     for c in rules.CATEGORIES[args[0]]], 2)
    await edit_or_reply(update, context, t(context, lang_, "tickets.ask_category", service_key=args[0]), keyboard)


async def _on_category(update: Update, context: Context, args: list[str]) -> None:
    state = await _flow_at(update, context, FLOW, "category")
    if state is None or not args or not rules.valid_category(state.data.get("service", ""), args[0]):
        return
    state.data["category"], state.step = args[0], "describe"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    question = state.data.get("question")
    await edit_or_reply(update, context, t(context, lang_, "tickets.ask_describe", category_key=args[0],
                                           question=question), _send_keyboard(context, lang_) if question else None)


async def _on_send(update: Update, context: Context, args: list[str]) -> None:
    state = await _flow_at(update, context, FLOW, "describe")
    if state is None:
        return
    svc = get_services(context)
    user = update.effective_user
    messages = [service.Incoming(**m) for m in state.data.get("messages", [])]
    parts = [state.data.get("question") or ""] + [m.text or "" for m in messages]
    question = "\n\n".join(p.strip() for p in parts if p.strip())
    if not question and not messages:
        await say(update, context, "tickets.need_description")
        return
    coop = await svc.tickets.cooperative_of(user.id)
    if coop is None:
        await end_flow(update, context)
        await say(update, context, "tickets.need_cooperative")
        return
    suggestions = []
    if question:
        try:
            suggestions = [(m.id, m.title) for m in svc.knowledge.matcher.ask(question, k=3).matches]
        except Exception:  # suggestions are a help for consultants, never a reason to lose a ticket
            log.exception("matcher failed on a ticket question")
    ticket = await svc.tickets.open(
        cooperative_id=coop.id, manager_user_id=user.id,
        service=state.data["service"], category=state.data["category"], question=question or NO_TEXT,
        source="triage" if state.data.get("triage_id") else "konsultasi", triage_id=state.data.get("triage_id"),
        suggestions=suggestions, messages=messages, conversation=(state.chat_id, state.user_id))
    exp = svc.tickets.expectation()
    await edit_or_reply(update, context, t(context, await lang(update, context), "tickets.opened",
                                           number=rules.number(ticket.id), exp=exp))


async def _on_cancel(update: Update, context: Context, args: list[str]) -> None:
    if await _flow_at(update, context, FLOW) is None:
        return
    await end_flow(update, context)
    await edit_or_reply(update, context, t(context, await lang(update, context), "common.cancelled"))


# Later messages ---------------------------------------------------------------------------
async def on_private_message(update: Update, context: Context) -> bool:
    """PRIVATE_FALLBACK: a manager's message while a ticket of theirs is open goes to it."""
    user = update.effective_user
    open_tickets = await tickets(context).open_of_manager(user.id)
    if not open_tickets:
        return False
    msg = incoming(update.effective_message)
    if len(open_tickets) == 1:
        await _relay(update, context, open_tickets[0].id, [msg])
        return True
    await start_flow(update, context, PICK, "pick", {"messages": [msg.as_dict()]})
    lang_ = await lang(update, context)
    keyboard = [[Button(f"{rules.number(tk.id)} · {tk.question[:40]}", callback("tm", "pick", tk.id))]
                for tk in open_tickets[:8]]
    await reply(update, context, t(context, lang_, "tickets.pick_ticket"), keyboard)
    return True


async def _relay(update: Update, context: Context, ticket_id: int, messages: list[service.Incoming]) -> None:
    desk = tickets(context)
    actor = await _actor(context, update.effective_user.id)
    acknowledge = False
    for msg in messages:
        album_seen = await desk.album_seen(ticket_id, msg.media_group_id)
        try:
            stored = await desk.relay_from_manager(ticket_id, msg, actor)
        except rules.NotAllowed as exc:
            await _denied(update, context, exc)
            return
        acknowledge = acknowledge or (stored and not album_seen)
    if acknowledge:
        await say(update, context, "tickets.relayed", number=rules.number(ticket_id))


@flow(PICK)
async def on_pick_message(update: Update, context: Context, state: FlowState) -> None:
    state.data.setdefault("messages", []).append(incoming(update.effective_message).as_dict())
    await save_flow(context, state)


async def _on_pick(update: Update, context: Context, args: list[str]) -> None:
    state = await _flow_at(update, context, PICK)
    ticket_id = rules.parse_number(args[0] if args else None)
    if state is None or ticket_id is None:
        return
    await end_flow(update, context)
    messages = [service.Incoming(**m) for m in state.data.get("messages", [])]
    await edit_or_reply(update, context, t(context, await lang(update, context), "tickets.relayed",
                                           number=rules.number(ticket_id)))
    await _relay(update, context, ticket_id, messages)


# /tiketsaya, close, reopen, rating ------------------------------------------------------
async def my_tickets(update: Update, context: Context) -> None:
    """/tiketsaya (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    desk = tickets(context)
    coop = await desk.cooperative_of(update.effective_user.id)
    if coop is None:
        await say(update, context, "tickets.need_cooperative")
        return
    mine = await desk.of_cooperative(coop.id, limit=10)
    if not mine:
        await say(update, context, "tickets.no_tickets")
        return
    lang_ = await lang(update, context)
    items = [{"number": rules.number(tk.id), "ticket": tk} for tk in mine]
    keyboard = grid([Button(label(context, lang_, "tickets.btn_close", number=rules.number(tk.id)),
                            callback("tm", "close", tk.id)) for tk in mine if tk.status != "closed"], 2)
    await reply(update, context, t(context, lang_, "tickets.my_tickets", items=items), keyboard)


async def _lifecycle(update: Update, context: Context, args: list[str], action: str, done: str) -> None:
    ticket_id = rules.parse_number(args[0] if args else None)
    if ticket_id is None:
        await update.callback_query.answer()
        return
    try:
        await tickets(context).act(ticket_id, action, await _actor(context, update.effective_user.id))
    except (rules.NotAllowed, LookupError) as exc:
        await _denied(update, context, exc if isinstance(exc, rules.NotAllowed) else rules.NotAllowed("not_yours"))
        return
    await update.callback_query.answer()
    await reply(update, context, t(context, await lang(update, context), done, number=rules.number(ticket_id)))


async def _on_close(update: Update, context: Context, args: list[str]) -> None:
    await _lifecycle(update, context, args, "close", "tickets.closed_ok")


async def _on_reopen(update: Update, context: Context, args: list[str]) -> None:
    await _lifecycle(update, context, args, "reopen", "tickets.reopened_ok")


async def _on_rate(update: Update, context: Context, args: list[str]) -> None:
    ticket_id = rules.parse_number(args[0] if args else None)
    score = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
    if ticket_id is None:
        await update.callback_query.answer()
        return
    try:
        await tickets(context).rate(ticket_id, await _actor(context, update.effective_user.id), score)
    except (rules.NotAllowed, LookupError) as exc:
        await _denied(update, context, exc if isinstance(exc, rules.NotAllowed) else rules.NotAllowed("not_yours"))
        return
    await update.callback_query.answer()
    await start_flow(update, context, COMMENT, "comment", {"ticket_id": ticket_id})
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "tickets.rate_thanks", score=score),
                        [[Button(label(context, lang_, "common.btn_skip"), callback("tm", "skip", ticket_id))]])


async def _on_skip(update: Update, context: Context, args: list[str]) -> None:
    if await _flow_at(update, context, COMMENT) is None:
        return
    await end_flow(update, context)
    await edit_or_reply(update, context, t(context, await lang(update, context), "tickets.comment_thanks"))


@flow(COMMENT)
async def on_comment(update: Update, context: Context, state: FlowState) -> None:
    text = await text_input(update, context, max_len=1000)
    if text is None:
        return
    try:
        await tickets(context).comment(state.data["ticket_id"], await _actor(context, update.effective_user.id), text)
    except rules.NotAllowed as exc:
        await _denied(update, context, exc)
    await end_flow(update, context)
    await say(update, context, "tickets.comment_thanks")


# Privacy: what tickets keep about a manager ------------------------------------------------
PRIVACY_EXPORT = service.privacy_export
PRIVACY_ERASE = service.privacy_erase

PRIVATE = filters.ChatType.PRIVATE
HANDLERS = [
    CommandHandler("konsultasi", consult, filters=PRIVATE),
    CommandHandler("tiketsaya", my_tickets, filters=PRIVATE),
    CallbackQueryHandler(on_button, pattern=r"^tm:"),
]
PRIVATE_COMMANDS = ["konsultasi", "tiketsaya"]
PRIVATE_FALLBACK = on_private_message
