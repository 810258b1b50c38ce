"""Consultation tickets, the manager's side (private chat): /konsultasi (service, category,
describe in one or more messages, send), later messages to the open ticket, /tiketsaya
(list, close), rating. Decisions are in bot/tickets/service.py and bot/tickets/rules.py."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.buttons import Button, callback, grid, parse_callback
from bot.core.services import get_services
from bot.tickets import rules, service
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, save_flow, start_flow
from handlers.ticket_routing import offer, offer_consultation, on_again, on_new, on_pick, on_write, relay
from handlers.tickets_common import (COMMENT, FILE_KINDS, FLOW, PICK, actor, denied, flow_at, incoming,
                                     tickets)
from storage.flows import FlowState

log = logging.getLogger(__name__)
NO_TEXT = "—"










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
               "pick": on_pick, "again": on_again, "new": on_new, "write": on_write, "close": _on_close, "reopen": _on_reopen, "rate": _on_rate,
               "skip": _on_skip}.get(data.action if data else "")
    if handler is None:
        await query.answer()
        return
    await handler(update, context, list(data.args))




async def _on_service(update: Update, context: Context, args: list[str]) -> None:
    state = await flow_at(update, context, FLOW, "service")
    if state is None or not args or args[0] not in rules.SERVICES:
        return
    state.data["service"], state.step = args[0], "category"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    keyboard = grid([Button(label(context, lang_, "tickets.category", key=c), callback("tm", "cat", c))
                     for c in rules.CATEGORIES[args[0]]], 2)
    await edit_or_reply(update, context, t(context, lang_, "tickets.ask_category", service_key=args[0]), keyboard)


async def _on_category(update: Update, context: Context, args: list[str]) -> None:
    state = await flow_at(update, context, FLOW, "category")
    if state is None or not args or not rules.valid_category(state.data.get("service", ""), args[0]):
        return
    state.data["category"], state.step = args[0], "describe"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    question = state.data.get("question")
    await edit_or_reply(update, context, t(context, lang_, "tickets.ask_describe", category_key=args[0],
                                           question=question), _send_keyboard(context, lang_) if question else None)


async def _on_send(update: Update, context: Context, args: list[str]) -> None:
    state = await flow_at(update, context, FLOW, "describe")
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
    if update.callback_query.message is not None:  # a reply to "sudah kami terima" goes to the ticket
        await svc.tickets.mark_manager_message(update.effective_chat.id, update.callback_query.message.message_id,
                                               ticket.id)


async def _on_cancel(update: Update, context: Context, args: list[str]) -> None:
    if await flow_at(update, context, FLOW) is None:
        return
    await end_flow(update, context)
    await edit_or_reply(update, context, t(context, await lang(update, context), "common.cancelled"))


# Later messages: which ones go to a ticket (issue 11.1) ----------------------------------------
async def on_private_message(update: Update, context: Context) -> bool:
    """PRIVATE_FALLBACK (outside any flow): a remembered choice or a live exchange goes to the
    ticket; otherwise, with a ticket open (or finished recently), the manager chooses, and the
    messages written meanwhile are kept. No ticket near: a file is offered as a consultation."""
    user = update.effective_user
    route = await tickets(context).route(user.id)
    msg = incoming(update.effective_message)
    if route.kind == "ticket":
        await tickets(context).remember(user.id, "ticket", route.tickets[0].id)  # the exchange goes on
        await relay(update, context, route.tickets[0].id, [msg])
        return True
    if route.kind in ("ask", "reopen"):
        await offer(update, context, route.kind, list(route.tickets), [msg])
        return True
    if msg.kind in FILE_KINDS:  # "faq" or "none": a file is no FAQ question
        await offer_consultation(update, context, msg)
        return True
    return False








async def on_reply(update: Update, context: Context) -> None:
    """Group -3 (before broadcasts' replies, flows and journeys): a Telegram reply to a ticket
    message (a relayed answer, "Diteruskan", the manager's own) goes to that ticket, even inside
    another flow, which stays where it was. A reply to anything else is left to the others."""
    message, user = update.effective_message, update.effective_user
    replied = message.reply_to_message if message else None
    if replied is None or user is None:
        return
    desk = tickets(context)
    ticket = await desk.ticket_of_reply(update.effective_chat.id, replied.message_id)
    if ticket is None or ticket.manager_user_id != user.id:
        return
    if not await get_services(context).accounts.has_consented(user.id):
        return
    if ticket.status in rules.OPEN:
        await desk.remember(user.id, "ticket", ticket.id)
        await relay(update, context, ticket.id, [incoming(message)])
        raise ApplicationHandlerStop
    state = await current_flow(update, context)
    if state is None or state.name == PICK:  # a finished ticket: offer to reopen it
        kept = [service.Incoming(**m) for m in state.data.get("messages", [])] if state else []
        await offer(update, context, "reopen", [ticket], kept + [incoming(message)])
        raise ApplicationHandlerStop


@flow(PICK)
async def on_pick_message(update: Update, context: Context, state: FlowState) -> None:
    """While the choice is pending, messages are kept (and said to be) until it is made."""
    messages = state.data.setdefault("messages", [])
    msg = incoming(update.effective_message)
    if any(m["message_id"] == msg.message_id for m in messages):
        return  # a retried update
    album_seen = bool(msg.media_group_id) and any(m.get("media_group_id") == msg.media_group_id for m in messages)
    messages.append(msg.as_dict())
    await save_flow(context, state)
    if not album_seen:  # an album is acknowledged once
        count = len({m.get("media_group_id") or f"m{m['message_id']}" for m in messages})
        await say(update, context, "tickets.kept_pending", count=count)












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
    keyboard = [[Button(label(context, lang_, "tickets.btn_write", number=rules.number(tk.id)),
                        callback("tm", "write", tk.id)),
                 Button(label(context, lang_, "tickets.btn_close", number=rules.number(tk.id)),
                        callback("tm", "close", tk.id))] for tk in mine if tk.status in rules.OPEN]
    keyboard += grid([Button(label(context, lang_, "tickets.btn_close", number=rules.number(tk.id)),
                             callback("tm", "close", tk.id)) for tk in mine if tk.status == "resolved"], 2)
    await reply(update, context, t(context, lang_, "tickets.my_tickets", items=items), keyboard)


async def _lifecycle(update: Update, context: Context, args: list[str], action: str, done: str) -> None:
    ticket_id = rules.parse_number(args[0] if args else None)
    if ticket_id is None:
        await update.callback_query.answer()
        return
    try:
        await tickets(context).act(ticket_id, action, await actor(context, update.effective_user.id))
    except (rules.NotAllowed, LookupError) as exc:
        await denied(update, context, exc if isinstance(exc, rules.NotAllowed) else rules.NotAllowed("not_yours"))
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
        await tickets(context).rate(ticket_id, await actor(context, update.effective_user.id), score)
    except (rules.NotAllowed, LookupError) as exc:
        await denied(update, context, exc if isinstance(exc, rules.NotAllowed) else rules.NotAllowed("not_yours"))
        return
    await update.callback_query.answer()
    await start_flow(update, context, COMMENT, "comment", {"ticket_id": ticket_id})
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "tickets.rate_thanks", score=score),
                        [[Button(label(context, lang_, "common.btn_skip"), callback("tm", "skip", ticket_id))]])


async def _on_skip(update: Update, context: Context, args: list[str]) -> None:
    if await flow_at(update, context, COMMENT) is None:
        return
    await end_flow(update, context)
    await edit_or_reply(update, context, t(context, await lang(update, context), "tickets.comment_thanks"))


@flow(COMMENT)
async def on_comment(update: Update, context: Context, state: FlowState) -> None:
    text = await text_input(update, context, max_len=1000)
    if text is None:
        return
    try:
        await tickets(context).comment(state.data["ticket_id"], await actor(context, update.effective_user.id), text)
    except rules.NotAllowed as exc:
        await denied(update, context, exc)
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
    # Group -3: a reply to a ticket message, before broadcasts' replies (-2), flows and journeys.
    (MessageHandler(PRIVATE & filters.REPLY & ~filters.COMMAND & filters.UpdateType.MESSAGE, on_reply), -3),
]
PRIVATE_COMMANDS = ["konsultasi", "tiketsaya"]
PRIVATE_FALLBACK = on_private_message
