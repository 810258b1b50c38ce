"""Where a manager's later message goes (issue 11.1): the choice between an open ticket and a
new question, the messages kept while it is pending, reopening a finished ticket, writing to a
ticket from /tiketsaya, and a file sent outside any flow offered as a consultation."""
from __future__ import annotations

from telegram import Update

from bot.core.buttons import Button, callback
from bot.tickets import rules, service
from handlers import fair_share
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t
from handlers.flows import end_flow, start_flow
from handlers.tickets_common import FLOW, PICK, actor, denied, flow_at, tickets


async def offer(update: Update, context: Context, kind: str, choices: list, messages: list[service.Incoming]) -> None:
    """[Tambahkan ke tiket #0002] … [❓ Pertanyaan baru] (or [Buka lagi tiket #0001] …); the
    message waits in the PICK flow with the ones that follow until the manager chooses."""
    await start_flow(update, context, PICK, kind, {"messages": [m.as_dict() for m in messages]})
    lang_ = await lang(update, context)
    action = "pick" if kind == "ask" else "again"
    name = "tickets.btn_add_to" if kind == "ask" else "tickets.btn_reopen_with"
    keyboard = [[Button(label(context, lang_, name, number=rules.number(tk.id)), callback("tm", action, tk.id))]
                for tk in choices[:8]]
    keyboard.append([Button(label(context, lang_, "tickets.btn_new_question"), callback("tm", "new"))])
    items = [{"number": rules.number(tk.id), "ticket": tk} for tk in choices[:8]]
    await reply(update, context, t(context, lang_, f"tickets.route_{kind}", items=items), keyboard)


async def offer_consultation(update: Update, context: Context, msg: service.Incoming) -> None:
    """Issue 11.9: a file outside any flow starts /konsultasi with the file kept as its first attachment."""
    if await tickets(context).cooperative_of(update.effective_user.id) is None:
        await say(update, context, "tickets.need_cooperative")
        return
    await start_flow(update, context, FLOW, "service", {"question": "", "triage_id": None,
                                                        "messages": [msg.as_dict()]})
    lang_ = await lang(update, context)
    keyboard = [[Button(label(context, lang_, "tickets.service", key=s), callback("tm", "svc", s)) for s in rules.SERVICES],
                [Button(label(context, lang_, "common.btn_cancel"), "tm:cancel")]]
    await reply(update, context, t(context, lang_, "tickets.file_offer", kind=msg.kind), keyboard)


async def relay(update: Update, context: Context, ticket_id: int, messages: list[service.Incoming]) -> None:
    desk = tickets(context)
    manager = await actor(context, update.effective_user.id)
    acknowledge = False
    for msg in messages:
        album_seen = await desk.album_seen(ticket_id, msg.media_group_id)
        try:
            stored = await desk.relay_from_manager(ticket_id, msg, manager)
        except rules.NotAllowed as exc:
            await denied(update, context, exc)
            return
        acknowledge = acknowledge or (stored and not album_seen)
    if acknowledge and not fair_share.quiet(context, update.effective_user.id):  # issue 16: one notice said it
        sent = await say(update, context, "tickets.relayed", number=rules.number(ticket_id))
        if sent is not None:  # a reply to the acknowledgement goes to the ticket too
            await desk.mark_manager_message(sent.chat_id, sent.message_id, ticket_id)


async def pending(update: Update, context: Context) -> list[service.Incoming] | None:
    state = await flow_at(update, context, PICK)
    if state is None:
        return None
    await end_flow(update, context)
    return [service.Incoming(**m) for m in state.data.get("messages", [])]


async def _chosen(update: Update, context: Context, args: list[str]) -> tuple[int, list[service.Incoming]] | None:
    """The ticket a choice button names and the messages kept while it was pending (None: a
    forged or stale press, already answered)."""
    ticket_id = rules.parse_number(args[0] if args else None)
    if ticket_id is None:
        await update.callback_query.answer()
        return None
    messages = await pending(update, context)
    return None if messages is None else (ticket_id, messages)


async def on_pick(update: Update, context: Context, args: list[str]) -> None:
    if (chosen := await _chosen(update, context, args)) is None:
        return
    ticket_id, messages = chosen
    await tickets(context).remember(update.effective_user.id, "ticket", ticket_id)
    await edit_or_reply(update, context, t(context, await lang(update, context), "tickets.route_chosen",
                                           number=rules.number(ticket_id)))
    await relay(update, context, ticket_id, messages)


async def on_again(update: Update, context: Context, args: list[str]) -> None:
    """[Buka lagi tiket #0001]: reopen, then the kept messages go to it."""
    if (chosen := await _chosen(update, context, args)) is None:
        return
    ticket_id, messages = chosen
    try:
        await tickets(context).act(ticket_id, "reopen", await actor(context, update.effective_user.id))
    except (rules.NotAllowed, LookupError):
        pass  # already open again (a second press): the messages still go to it
    await tickets(context).remember(update.effective_user.id, "ticket", ticket_id)
    await edit_or_reply(update, context, t(context, await lang(update, context), "tickets.reopened_ok",
                                           number=rules.number(ticket_id)))
    await relay(update, context, ticket_id, messages)


async def on_new(update: Update, context: Context, args: list[str]) -> None:
    """[❓ Pertanyaan baru]: the kept messages are a question for the FAQ (never the staff group)."""
    messages = await pending(update, context)
    if messages is None:
        return
    await tickets(context).remember(update.effective_user.id, "faq")
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "tickets.route_new"))
    question = "\n".join(m.text for m in messages if m.kind == "text" and m.text).strip()
    if question:
        from handlers import ask  # ask imports this module (its "Tanya konsultan" starts /konsultasi)
        await ask.answer_question(update, context, question)
    files = [m for m in messages if m.kind not in ("text", "other")]
    if files:
        await offer_consultation(update, context, files[0])


async def on_write(update: Update, context: Context, args: list[str]) -> None:
    """/tiketsaya's [✍️ Tulis ke #0001]: the next messages go to that ticket."""
    ticket_id = rules.parse_number(args[0] if args else None)
    ticket = await tickets(context).get(ticket_id) if ticket_id else None
    if ticket is None or ticket.manager_user_id != update.effective_user.id or ticket.status not in rules.OPEN:
        await update.callback_query.answer(label(context, await lang(update, context), "common.stale_button"))
        return
    await update.callback_query.answer()
    await tickets(context).remember(update.effective_user.id, "ticket", ticket_id)
    await say(update, context, "tickets.write_to", number=rules.number(ticket_id))
