"""Consultation tickets, the staff group's side: the card's [Ambil] [Selesai], consultants'
replies relayed to the manager (`!` = internal note, acknowledged with a reaction) and their
edits, /antrian, /tiket, /pindah, /wilayah, /konsultan, /statistik, /faq <id> as an answer, the
SLA job. The delivery hooks (forum topics, the live card) live in bot/tickets/delivery.py; the
Bot's part of them is in handlers/tickets_group.py."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core import jobs
from bot.core import reports
from bot.core.buttons import Button, callback, grid, parse_callback
from bot.core.delivery import DeliveryHooks
from bot.core.domain import KECAMATAN
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.tickets import rules, service
from bot.tickets.delivery import TicketDelivery
from bot.tickets.service import TicketService
from bot.triage.service import render_entry
from bot.core.sanitize import clean_name
from handlers.common import Context, edit_or_reply, is_consultant, is_staff_chat, label, reply, t
from handlers.tickets_group import ADMINS_CHECKED, BotTopics, detect_forum, sync_admins
from handlers.tickets_common import incoming
from storage.tickets import Ticket

log = logging.getLogger(__name__)
JOB_NAME = "tickets:sla"
NOTE_REACTION = "✍"  # Telegram allows only some emoji as reactions; 📝 is not one of them


def tickets(context: Context) -> TicketService:
    return get_services(context).tickets


def _lang(context: Context) -> str:
    return tickets(context).staff_lang


async def _consultant(update: Update, context: Context) -> rules.Actor | None:
    """A staff action: the user must be a member of the staff group (asked of Telegram), and is
    then registered as a consultant. Private chats are never staff actions."""
    user = update.effective_user
    if user is None or not is_staff_chat(update, context) or not await is_consultant(context, user.id):
        return None
    return await tickets(context).consultant(user.id, clean_name(user.full_name), user.username)


async def _say(update: Update, context: Context, macro: str, /, **values: object) -> None:
    await reply(update, context, t(context, _lang(context), macro, **values))


async def _ticket_of(update: Update, context: Context) -> Ticket | None:
    """The ticket a staff message belongs to: a reply to a mapped message, or its forum topic."""
    msg = update.effective_message
    reply_to = msg.reply_to_message.message_id if msg.reply_to_message else None
    thread = msg.message_thread_id if msg.is_topic_message else None
    return await tickets(context).for_staff_message(msg.chat_id, reply_to, thread)


# Messages in the group ----------------------------------------------------------------
async def on_staff_message(update: Update, context: Context) -> None:
    if not is_staff_chat(update, context) or update.effective_message is None:
        return
    user = update.effective_user
    if user is not None and not user.is_bot:  # a member who speaks is on the roster
        await tickets(context).on_roster(user.id, user.full_name, user.username, "spoke")
    ticket = await _ticket_of(update, context)
    if ticket is None:
        return  # ordinary talk among the staff
    actor = await _consultant(update, context)
    if actor is None:
        return
    desk, msg = tickets(context), incoming(update.effective_message)
    try:
        if (msg.text or "").lstrip().startswith("!"):
            if await desk.add_note(ticket.id, msg, actor):
                await _acknowledge_note(update, context)
        else:
            await desk.relay_from_consultant(ticket.id, msg, actor, update.effective_user.full_name)
    except rules.NotAllowed as exc:
        await _say(update, context, "tickets.cannot_relay", reason=label(context, _lang(context), f"tickets.denied_{exc.code}"))


async def _acknowledge_note(update: Update, context: Context) -> None:
    """A ✍ reaction on the note (no message in the group's 20/min); a short reply where
    reactions are not allowed."""
    msg = update.effective_message
    try:
        await context.bot.set_message_reaction(msg.chat_id, msg.message_id, NOTE_REACTION)
    except TelegramError as exc:
        log.info("note reaction refused (%s); replying instead", exc)
        await _say(update, context, "tickets.note_saved")


async def on_staff_edit(update: Update, context: Context) -> None:
    """A consultant edited a message in the group: the correction is relayed, or they are told
    why not. Edits of ordinary talk and of notes stay in the group."""
    if not is_staff_chat(update, context) or update.edited_message is None:
        return
    actor = await _consultant(update, context)
    if actor is None:
        return
    message = update.edited_message
    edited_at = int(message.edit_date.timestamp()) if message.edit_date else 0
    desk = tickets(context)
    outcome, ticket_id = await desk.correct_from_consultant(incoming(message), actor, update.effective_user.full_name,
                                                           edited_at)
    if outcome not in ("relayed", "internal", "unknown"):
        await _say(update, context, "tickets.edit_not_relayed", number=rules.number(ticket_id),
                   reason=label(context, _lang(context), f"tickets.denied_{outcome}"))


# Buttons ------------------------------------------------------------------------------------
async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data)
    lang_ = _lang(context)
    actor = await _consultant(update, context)
    if actor is None:
        await query.answer(label(context, lang_, "tickets.denied_not_consultant"), show_alert=True)
        return
    if data is not None and data.action == "area":
        await _toggle_area(update, context, data.int_arg(0))
        return
    ticket_id = rules.parse_number(data.arg(0)) if data else None
    if data is None or data.action not in ("claim", "resolve", "move") or ticket_id is None:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    desk = tickets(context)
    assignee = data.int_arg(1) if data.action == "move" else None
    target = await desk.consultant_named(assignee) if assignee is not None else None
    if data.action == "move" and target is None:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    try:
        if data.action == "move":
            before, after = await desk.transfer(ticket_id, actor, assignee)
        elif data.action == "claim":
            before, after = await desk.claim(ticket_id, actor)
        else:
            before, after = await desk.resolve(ticket_id, actor)
    except rules.NotAllowed as exc:
        await query.answer(label(context, lang_, f"tickets.denied_{exc.code}"), show_alert=True)
        return
    except LookupError:
        await query.answer(label(context, lang_, "tickets.not_found", number=rules.number(ticket_id)), show_alert=True)
        return
    number, name = rules.number(ticket_id), update.effective_user.full_name
    if before == after:
        await query.answer(label(context, lang_, "tickets.unchanged", number=number))
    elif data.action == "claim":
        await query.answer(label(context, lang_, "tickets.claimed", number=number, name=name))
    elif data.action == "resolve":
        await query.answer(label(context, lang_, "tickets.resolved", number=number, name=name))
    else:
        await query.answer()
        await edit_or_reply(update, context, t(context, lang_, "tickets.moved", number=number, name=target.display_name))


# Commands -----------------------------------------------------------------------------------
async def queue(update: Update, context: Context) -> None:
    """/antrian (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    lang_ = _lang(context)
    items = [{"number": rules.number(it.ticket.id), "ticket": it.ticket, "coop": it.coop_name,
              "age": label(context, lang_, "tickets.age", hours=it.age_hours), "assignee": it.assignee}
             for it in await tickets(context).queue()]
    await _say(update, context, "tickets.queue", items=items)


async def detail(update: Update, context: Context) -> None:
    """/tiket (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    ticket_id = rules.parse_number(context.args[0] if context.args else None)
    if ticket_id is None:
        await _say(update, context, "tickets.usage_ticket")
        return
    found = await tickets(context).detail(ticket_id)
    if found is None:
        await _say(update, context, "tickets.not_found", number=rules.number(ticket_id))
        return
    await _say(update, context, "tickets.detail", ticket=found.ticket, number=rules.number(ticket_id),
               coop=found.coop, assignee=found.assignee, created=found.created, history=found.history,
               rating=found.rating)


async def move(update: Update, context: Context) -> None:
    """/pindah (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    await _sync_admins(context)
    ticket_id = rules.parse_number(context.args[0] if context.args else None)
    if ticket_id is None:
        await _say(update, context, "tickets.usage_move")
        return
    consultants = await tickets(context).consultants()
    if not consultants:
        await _say(update, context, "tickets.no_consultants")
        return
    keyboard = grid([Button(c.display_name, callback("tk", "move", ticket_id, c.user_id)) for c in consultants], 2)
    await reply(update, context, t(context, _lang(context), "tickets.ask_move", number=rules.number(ticket_id)), keyboard)


async def _areas_view(context: Context, user_id: int, name: str) -> tuple[str, list]:
    desk = tickets(context)
    covered = await desk.areas_of(user_id)
    keyboard = grid([Button(("✓ " if k in covered else "") + k, callback("tk", "area", i)) for i, k in enumerate(KECAMATAN)], 3)
    return t(context, _lang(context), "tickets.areas", name=name, covered=covered,
             roster=await desk.coverage()), keyboard


async def areas(update: Update, context: Context) -> None:
    """/wilayah (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    await _sync_admins(context)
    html, keyboard = await _areas_view(context, update.effective_user.id, update.effective_user.full_name)
    await reply(update, context, html, keyboard)


async def _toggle_area(update: Update, context: Context, index: int | None) -> None:
    if index is None or not 0 <= index < len(KECAMATAN):
        await update.callback_query.answer()
        return
    user = update.effective_user
    await tickets(context).toggle_area(user.id, KECAMATAN[index])
    await update.callback_query.answer()
    html, keyboard = await _areas_view(context, user.id, user.full_name)
    await edit_or_reply(update, context, html, keyboard)


async def statistics(update: Update, context: Context) -> None:
    """/statistik (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if await _consultant(update, context) is None:
        return
    lang_ = _lang(context)
    stats = await tickets(context).statistics()
    by = [(label(context, lang_, "tickets.stats_by_service"),
           [(label(context, lang_, "tickets.service", key=k), g) for k, g in stats.by_service.items()]),
          (label(context, lang_, "tickets.stats_by_category"),
           [(label(context, lang_, "tickets.category", key=k), g) for k, g in stats.by_category.items()]),
          (label(context, lang_, "tickets.stats_by_kecamatan"), list(stats.by_kecamatan.items()))]
    await _say(update, context, "tickets.stats", s=stats, by=by)


# The roster ----------------------------------------------------------------------------------
async def _sync_admins(context: Context) -> None:
    """The group's administrators are on the roster (asked of Telegram, at most every 5 minutes)."""
    svc = get_services(context)
    if svc.staff_cache.get(ADMINS_CHECKED):
        return
    await sync_admins(context.bot, svc)


async def _may_manage_roster(context: Context, user_id: int) -> bool:
    svc = get_services(context)
    if svc.settings.is_admin(user_id):
        return True
    try:
        member = await context.bot.get_chat_member(svc.settings.staff_chat_id, user_id)
    except TelegramError:
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def roster(update: Update, context: Context) -> None:
    """Tambah/hapus konsultan: balas pesannya dengan /konsultan atau /konsultan hapus"""
    if not is_staff_chat(update, context) or update.effective_user is None:
        return
    target = update.effective_message.reply_to_message
    target_user = target.from_user if target else None
    if target_user is None or target_user.is_bot:
        await _sync_admins(context)
        await _say(update, context, "tickets.roster", roster=await tickets(context).coverage())
        return
    if not await _may_manage_roster(context, update.effective_user.id):
        await _say(update, context, "tickets.roster_admins_only")
        return
    remove = bool(context.args) and context.args[0].lower() in ("hapus", "remove", "keluar")
    await tickets(context).set_on_roster(target_user.id, target_user.full_name, target_user.username, not remove)
    await _say(update, context, "tickets.roster_removed" if remove else "tickets.roster_added", name=target_user.full_name)


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
    desk = tickets(context)
    # the same rendering as the manager's own FAQ answers, in the manager's language
    html = render_entry(desk.texts, await desk.manager_lang(ticket.manager_user_id), entry)
    try:
        await desk.answer_with_entry(ticket.id, actor, update.effective_user.full_name, entry.id, html,
                                     incoming(update.effective_message))
    except rules.NotAllowed as exc:
        await _say(update, context, "tickets.cannot_relay", reason=label(context, _lang(context), f"tickets.denied_{exc.code}"))
        return
    await _say(update, context, "tickets.faq_sent", entry_id=entry.id, number=rules.number(ticket.id))


# Setup: the Bot's part of the delivery hooks, the forum flag, the SLA job ---------------------
async def sla_job(context: Context) -> None:
    raised = await tickets(context).check_sla()
    if raised:
        log.info("tickets: raised %s", raised)


async def _staff_detail(context: Context, user_id: int) -> dict:
    covered = await tickets(context).areas_of(user_id)
    return {"areas": ", ".join(covered) or "-"}  # worded by staff.whoami


async def setup(app: Application) -> None:
    svc: Services = app.bot_data[SERVICES_KEY]
    await detect_forum(app.bot, svc.tickets)
    delivery = TicketDelivery(svc.tickets, BotTopics(app.bot))
    staff_hooks = DeliveryHooks(**delivery.staff_hooks())
    for kind in service.STAFF_KINDS:
        svc.delivery.register(kind, staff_hooks)
    svc.delivery.register(reports.KIND, DeliveryHooks(**delivery.system_hooks()))
    await sync_admins(app.bot, svc)
    svc.delivery.register(service.CARD_EDIT, DeliveryHooks(**delivery.card_edit_hooks()))
    svc.delivery.register(service.TO_MANAGER, DeliveryHooks(**delivery.manager_hooks()))
    jobs.every(app, JOB_NAME, sla_job, interval=svc.settings.ticket_sla_check_seconds, first=10)


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
    CommandHandler("konsultan", roster, filters=GROUPS),
    CallbackQueryHandler(on_button, pattern=r"^tk:"),
    # Group 3: consultants' messages in the staff group are relayed whatever other journeys do
    # with group messages in group 0.
    (MessageHandler(GROUPS & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_staff_message), 3),
    (MessageHandler(GROUPS & filters.UpdateType.EDITED_MESSAGE, on_staff_edit), 3),
]
STAFF_COMMANDS = ["antrian", "tiket", "pindah", "wilayah", "statistik", "faq", "konsultan"]
