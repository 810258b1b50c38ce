"""Consultation tickets, the staff group's side: the card's [Ambil] [Selesai], consultants'
replies relayed to the manager (`!` = internal note), /antrian, /tiket, /pindah, /wilayah,
/statistik, /faq <id> as an answer, the SLA job, and the delivery hooks that put a ticket's
traffic in its forum topic and remember which staff message belongs to which ticket."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.tickets import rules
from bot.tickets import service
from bot.core import jobs
from bot.core.buttons import Button, callback, grid
from bot.core.delivery import DeliveryHooks
from bot.core.domain import KECAMATAN
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.tickets.stats import compute
from bot.triage.learn import record_ticket_answer
from bot.triage.service import render_entry
from bot.core.sanitize import clean_name
from handlers.common import Context, edit_or_reply, is_consultant, is_staff_chat, label, reply, t
from handlers.tickets_manager import incoming
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.db import from_utc_text
from storage.outbox import OutboxRow
from storage.tickets import StaffChatRepo, Ticket, TicketRepo

log = logging.getLogger(__name__)
JOB_NAME = "tickets:sla"


def _lang(context: Context) -> str:
    return service.staff_lang(get_services(context).settings)


async def _consultant(update: Update, context: Context) -> rules.Actor | None:
    """A staff action: the user must be a member of the staff group (asked of Telegram), and is
    then registered as a consultant. Private chats are never staff actions."""
    user = update.effective_user
    if user is None or not is_staff_chat(update, context) or not await is_consultant(context, user.id):
        return None
    await ConsultantRepo(get_services(context).db).upsert(user.id, clean_name(user.full_name), user.username)
    return rules.Actor(user.id, is_consultant=True)


async def _say(update: Update, context: Context, name: str, **values: object) -> None:
    await reply(update, context, t(context, _lang(context), name, **values))


async def _ticket_of(update: Update, context: Context) -> Ticket | None:
    """The ticket a staff message belongs to: a reply to a mapped message, or its forum topic."""
    svc = get_services(context)
    repo, msg = TicketRepo(svc.db), update.effective_message
    if msg.reply_to_message:
        found = await repo.by_staff_message(msg.chat_id, msg.reply_to_message.message_id)
        if found:
            return found
    if msg.is_topic_message and msg.message_thread_id:
        return await repo.by_topic(msg.message_thread_id)
    return None


# Messages in the group ----------------------------------------------------------------
async def on_staff_message(update: Update, context: Context) -> None:
    if not is_staff_chat(update, context) or update.effective_message is None:
        return
    ticket = await _ticket_of(update, context)
    if ticket is None:
        return  # ordinary talk among the staff
    actor = await _consultant(update, context)
    if actor is None:
        return
    svc, msg = get_services(context), incoming(update.effective_message)
    try:
        if (msg.text or "").lstrip().startswith("!"):
            await service.add_note(svc.db, ticket.id, msg, actor)
        else:
            await service.relay_out(svc.db, svc.outbox, svc.texts, svc.settings, ticket.id, msg, actor,
                                    update.effective_user.full_name)
    except rules.NotAllowed as exc:
        await _say(update, context, "tickets.cannot_relay", reason=label(context, _lang(context), f"tickets.denied_{exc.code}"))


# Buttons ------------------------------------------------------------------------------------
async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    lang_ = _lang(context)
    actor = await _consultant(update, context)
    if actor is None:
        await query.answer(label(context, lang_, "tickets.denied_not_consultant"), show_alert=True)
        return
    action, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
    if action == "area":
        await _toggle_area(update, context, args)
        return
    ticket_id = rules.parse_number(args[0] if args else None)
    if action not in ("claim", "resolve", "move") or ticket_id is None:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    svc = get_services(context)
    assignee = int(args[1]) if action == "move" and len(args) > 1 and args[1].isdigit() else None
    if action == "move" and (assignee is None or await ConsultantRepo(svc.db).get(assignee) is None):
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    try:
        before, after = await service.act(svc.db, svc.outbox, svc.texts, svc.settings, ticket_id,
                                          "reassign" if action == "move" else action, actor, assignee_id=assignee)
    except rules.NotAllowed as exc:
        await query.answer(label(context, lang_, f"tickets.denied_{exc.code}"), show_alert=True)
        return
    except LookupError:
        await query.answer(label(context, lang_, "tickets.not_found", number=rules.number(ticket_id)), show_alert=True)
        return
    number, name = rules.number(ticket_id), update.effective_user.full_name
    if before == after:
        await query.answer(label(context, lang_, "tickets.unchanged", number=number))
    elif action == "claim":
        await query.answer(label(context, lang_, "tickets.claimed", number=number, name=name))
    elif action == "resolve":
        await query.answer(label(context, lang_, "tickets.resolved", number=number, name=name))
    else:
        target = await ConsultantRepo(svc.db).get(assignee)
        await query.answer()
        await edit_or_reply(update, context, t(context, lang_, "tickets.moved", number=number, name=target.display_name))


# Commands -----------------------------------------------------------------------------------
async def queue(update: Update, context: Context) -> None:
    """/antrian (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    svc = get_services(context)
    now, coops, consultants = datetime.now(timezone.utc), CooperativeRepo(svc.db), ConsultantRepo(svc.db)
    items = []
    for tk in (await TicketRepo(svc.db).open_queue())[:40]:
        assignee = await consultants.get(tk.assignee_id) if tk.assignee_id else None
        items.append({"number": rules.number(tk.id), "ticket": tk, "coop": (await coops.get(tk.cooperative_id)).name,
                      "age": label(context, _lang(context), "tickets.age",
                                   hours=rules.age_hours(from_utc_text(tk.created_at), now)),
                      "assignee": assignee.display_name if assignee else None})
    await _say(update, context, "tickets.queue", items=items)


async def detail(update: Update, context: Context) -> None:
    """/tiket (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    ticket_id = rules.parse_number(context.args[0] if context.args else None)
    if ticket_id is None:
        await _say(update, context, "tickets.usage_ticket")
        return
    svc = get_services(context)
    repo = TicketRepo(svc.db)
    ticket = await repo.find(ticket_id)
    if ticket is None:
        await _say(update, context, "tickets.not_found", number=rules.number(ticket_id))
        return
    assignee = await ConsultantRepo(svc.db).get(ticket.assignee_id) if ticket.assignee_id else None
    await _say(update, context, "tickets.detail", ticket=ticket, number=rules.number(ticket.id),
               coop=await CooperativeRepo(svc.db).get(ticket.cooperative_id),
               assignee=assignee.display_name if assignee else None,
               history=await repo.messages(ticket.id, limit=25), rating=await repo.rating(ticket.id))


async def move(update: Update, context: Context) -> None:
    """/pindah (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    ticket_id = rules.parse_number(context.args[0] if context.args else None)
    if ticket_id is None:
        await _say(update, context, "tickets.usage_move")
        return
    consultants = await ConsultantRepo(get_services(context).db).all()
    if not consultants:
        await _say(update, context, "tickets.no_consultants")
        return
    keyboard = grid([Button(c.display_name, callback("tk", "move", ticket_id, c.user_id)) for c in consultants], 2)
    await reply(update, context, t(context, _lang(context), "tickets.ask_move", number=rules.number(ticket_id)), keyboard)


async def _areas_view(context: Context, user_id: int, name: str) -> tuple[str, list]:
    covered = await ConsultantRepo(get_services(context).db).areas_of(user_id)
    keyboard = grid([Button(("✓ " if k in covered else "") + k, callback("tk", "area", i)) for i, k in enumerate(KECAMATAN)], 3)
    return t(context, _lang(context), "tickets.areas", name=name, covered=covered), keyboard


async def areas(update: Update, context: Context) -> None:
    """/wilayah (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    html, keyboard = await _areas_view(context, update.effective_user.id, update.effective_user.full_name)
    await reply(update, context, html, keyboard)


async def _toggle_area(update: Update, context: Context, args: list[str]) -> None:
    index = int(args[0]) if args and args[0].isdigit() else -1
    if not 0 <= index < len(KECAMATAN):
        await update.callback_query.answer()
        return
    user = update.effective_user
    await ConsultantRepo(get_services(context).db).toggle_area(user.id, KECAMATAN[index])
    await update.callback_query.answer()
    html, keyboard = await _areas_view(context, user.id, user.full_name)
    await edit_or_reply(update, context, html, keyboard)


async def statistics(update: Update, context: Context) -> None:
    """/statistik (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    lang_ = _lang(context)
    stats = compute(await TicketRepo(get_services(context).db).for_statistics())
    by = [(label(context, lang_, "tickets.stats_by_service"),
           [(label(context, lang_, "tickets.service", key=k), g) for k, g in stats.by_service.items()]),
          (label(context, lang_, "tickets.stats_by_category"),
           [(label(context, lang_, "tickets.category", key=k), g) for k, g in stats.by_category.items()]),
          (label(context, lang_, "tickets.stats_by_kecamatan"), list(stats.by_kecamatan.items()))]
    await _say(update, context, "tickets.stats", s=stats, by=by)


@lru_cache(maxsize=1)
async def faq_answer(update: Update, context: Context) -> None:
    """/faq <id> in the staff group: send an FAQ entry as the answer of a ticket."""
    actor = await _consultant(update, context)
    if actor is None:
        return
    ticket = await _ticket_of(update, context)
    if ticket is None or not context.args:
        await _say(update, context, "tickets.faq_usage")
        return
    entry = get_services(context).knowledge.entry(context.args[0].strip().lower())
    if entry is None:
        await _say(update, context, "tickets.faq_unknown", entry_id=context.args[0])
        return
    svc = get_services(context)
    manager_lang = await service.manager_lang(svc.db, svc.settings, ticket.manager_user_id)
    html = render_entry(svc.texts, manager_lang, entry)  # the same rendering as the manager's own FAQ answers
    try:
        await service.answer_with_entry(svc.db, svc.outbox, svc.texts, svc.settings, ticket.id, actor,
                                        update.effective_user.full_name, entry.id, html,
                                        incoming(update.effective_message))
    except rules.NotAllowed as exc:
        await _say(update, context, "tickets.cannot_relay", reason=label(context, _lang(context), f"tickets.denied_{exc.code}"))
        return
    await record_ticket_answer(svc.db, ticket_id=ticket.id, question=ticket.question, entry_id=entry.id,
                               triage_id=ticket.triage_id)  # the KB learns from it (bot/triage/learn.py)
    await _say(update, context, "tickets.faq_sent", entry_id=entry.id, number=rules.number(ticket.id))


# Delivery hooks: forum topics and the staff message -> ticket mapping ----------------------
def _hooks(app: Application, svc: Services) -> DeliveryHooks:
    staff = svc.settings.staff_chat_id

    async def prepare(row: OutboxRow) -> dict | None:
        if not svc.staff_forum or row.chat_id != staff or row.ref_type != "ticket":
            return None
        repo = TicketRepo(svc.db)
        ticket = await repo.get(row.ref_id)
        thread = ticket.topic_id
        if thread is None:
            coop = await CooperativeRepo(svc.db).get(ticket.cooperative_id)
            name = rules.topic_name(ticket.id, svc.texts.plain(service.staff_lang(svc.settings), "tickets.service",
                                                                key=ticket.service), coop.name)
            topic = await app.bot.create_forum_topic(staff, name=name)
            thread = topic.message_thread_id
            await repo.update(ticket.id, topic_id=thread)
        return {**row.payload, "message_thread_id": thread}

    async def sent(row: OutboxRow, message_id: int | None) -> None:
        if message_id is None or row.ref_type != "ticket" or row.chat_id != staff:
            return
        repo = TicketRepo(svc.db)
        await repo.map_staff_message(row.chat_id, message_id, row.ref_id)
        if row.kind == service.CARD:
            await repo.update(row.ref_id, card_message_id=message_id)

    async def thread_missing(row: OutboxRow) -> dict | None:
        """The topic was deleted: forget it; `prepare` creates a new one on the retry."""
        if row.ref_type != "ticket":
            return None
        repo = TicketRepo(svc.db)
        ticket = await repo.get(row.ref_id)
        if ticket.topic_id is not None and ticket.topic_id == row.payload.get("message_thread_id"):
            await repo.update(ticket.id, topic_id=None)
        return {k: v for k, v in row.payload.items() if k != "message_thread_id"}

    return DeliveryHooks(sent=sent, thread_missing=thread_missing, prepare=prepare)


def _manager_hooks(svc: Services) -> DeliveryHooks:
    async def failed(row: OutboxRow, error: str) -> None:
        """A relay the manager will never get (e.g. they blocked the bot): the staff must know."""
        if row.ref_type != "ticket" or svc.settings.staff_chat_id is None:
            return
        html = svc.texts.render(service.staff_lang(svc.settings), "tickets.undeliverable",
                                number=rules.number(row.ref_id), blocked="block" in error.lower())
        await svc.outbox.send_text(svc.settings.staff_chat_id, html, kind=service.STAFF_NOTE,
                                   dedupe_key=f"undeliverable:{row.id}", ref=("ticket", row.ref_id))

    return DeliveryHooks(failed=failed)


async def _detect_forum(app: Application, svc: Services) -> None:
    staff = svc.settings.staff_chat_id
    if staff is None:
        return
    repo = StaffChatRepo(svc.db)
    try:
        chat = await app.bot.get_chat(staff)
        svc.staff_forum = bool(chat.is_forum)
        await repo.set_forum(staff, bool(chat.is_forum))
    except TelegramError as exc:
        svc.staff_forum = bool(await repo.is_forum(staff))
        log.warning("could not ask whether the staff group is a forum (%s); using %s", exc, svc.staff_forum)


async def sla_job(context: Context) -> None:
    svc = get_services(context)
    raised = await service.check_sla(svc.db, svc.outbox, svc.texts, svc.settings)
    if raised:
        log.info("tickets: raised %s", raised)


async def _staff_detail(context: Context, user_id: int) -> dict:
    covered = await ConsultantRepo(get_services(context).db).areas_of(user_id)
    return {"areas": ", ".join(covered) or "-"}  # worded by staff.whoami


async def setup(app: Application) -> None:
    svc: Services = app.bot_data[SERVICES_KEY]
    await _detect_forum(app, svc)
    hooks = _hooks(app, svc)
    for kind in service.STAFF_KINDS:
        svc.delivery.register(kind, hooks)
    svc.delivery.register(service.TO_MANAGER, _manager_hooks(svc))
    jobs.every(app, JOB_NAME, sla_job, svc.settings.ticket_sla_check_seconds, first=10)


async def teardown(app: Application) -> None:
    jobs.cancel(app, JOB_NAME)


STAFF_DETAIL = _staff_detail

GROUPS = filters.ChatType.GROUPS
HANDLERS = [
    CommandHandler("antrian", queue, filters=GROUPS),
    CommandHandler("tiket", detail, filters=GROUPS),
    CommandHandler("pindah", move, filters=GROUPS),
    CommandHandler("wilayah", areas, filters=GROUPS),
    CommandHandler("statistik", statistics, filters=GROUPS),
    CommandHandler("faq", faq_answer, filters=GROUPS),
    CallbackQueryHandler(on_button, pattern=r"^tk:"),
    # Group 3: consultants' messages in the staff group are relayed whatever other journeys do
    # with group messages in group 0.
    (MessageHandler(GROUPS & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_staff_message), 3),
]
STAFF_COMMANDS = ["antrian", "tiket", "pindah", "wilayah", "statistik", "faq"]
