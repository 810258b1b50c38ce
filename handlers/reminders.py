"""Reminders journey: /jadwal, the [✅ Sudah] [⏰ Ingatkan besok] buttons on every reminder, the
"when was the RAT held?" question, and the tick job that queues what is due.

Scheduling: the database is the source of truth. One named repeating job ("reminders:tick",
looked up and removed by name, rebuilt in `setup`) asks `bot.calendar.reminders.ReminderService` what is
due and queues it in the outbox, claimed by reminder key; nothing is lost while the bot is
down and nothing is sent twice, and no job is ever scheduled in the past for APScheduler to drop.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.calendar.obligations import Obligation, format_date, fy_end_date
from bot.calendar.reminders import PREFIX, ReminderService, export_recorded
from bot.core.buttons import Button, Callback, callback, parse_callback
from bot.core import jobs
from bot.core.delivery import DeliveryHooks
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.core.when import parse_date
from handlers.common import Context, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, start_flow
from storage.cooperatives import Cooperative
from storage.flows import FlowState

log = logging.getLogger(__name__)
TICK_JOB = "reminders:tick"
HELD_KINDS = ("reminder", "ask_if_held")  # outbox kinds that wait for a quiet moment
FLOW = "rat_held"
PRIVATE = filters.ChatType.PRIVATE


def service(context: Context) -> ReminderService:
    return get_services(context).reminders


async def setup(app: Application) -> None:
    svc: Services = app.bot_data[SERVICES_KEY]
    # a reminder or "was the RAT held?" waits while the manager is in the middle of a flow
    for kind in HELD_KINDS:
        svc.delivery.register(kind, DeliveryHooks(hold=svc.conversations.busy_until))
    jobs.every(app, TICK_JOB, _tick, svc.settings.reminder_tick_seconds)


async def teardown(app: Application) -> None:
    jobs.cancel(app, TICK_JOB)


async def _tick(context: Context) -> None:
    report = await service(context).tick()
    if report.messages or report.errors:
        log.info("reminders: %d reminder(s), %d question(s), %d alert(s), %d message(s) queued; errors: %s",
                 report.reminders, report.asks, report.alerts, report.messages, report.errors or "none")


# /jadwal -----------------------------------------------------------------------------------
async def _cooperative(update: Update, context: Context) -> Cooperative | None:
    """Always the user's own cooperative (never one named in callback data)."""
    return await service(context).cooperative_of(update.effective_user.id)


async def schedule(update: Update, context: Context) -> None:
    """/jadwal (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    coop = await _cooperative(update, context)
    if coop is None:
        await say(update, context, "reminders.not_manager")
        return
    lang_ = await lang(update, context)
    svc = service(context)
    today = svc.today()
    shown = await svc.schedule(coop)
    done_on = shown.done_on
    rows = [{"title": ob.rule.title[lang_], "period": ob.period, "due": format_date(ob.due, lang_),
             "status": ob.status, "days": ob.days_left(today),
             "limit": format_date(ob.legal_limit, lang_) if ob.legal_limit else None,
             "past_limit": ob.legal_limit is not None and today > ob.legal_limit,
             "done_on": format_date(done_on[(ob.id, ob.period)], lang_) if (ob.id, ob.period) in done_on else None}
            for ob in shown.obligations]
    meetings = [{"kind": label(context, lang_, "meetings.kind", key=m.kind),
                 "when": label(context, lang_, "meetings.when_text", when=m.starts_at.astimezone(svc.tz))}
                for m in shown.meetings]
    await reply(update, context, t(context, lang_, "reminders.calendar", cooperative=coop.name, rows=rows,
                                   meetings=meetings))


# Buttons -----------------------------------------------------------------------------------
async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data) or Callback(PREFIX, "")
    lang_ = await lang(update, context)
    coop = await _cooperative(update, context)
    if coop is None:
        await query.answer(label(context, lang_, "reminders.not_manager"), show_alert=True)
        return
    if data.action == "held" and len(data.args) == 1:
        await query.answer()
        state = await current_flow(update, context)
        if state is None or state.name != FLOW:
            return
        await _record_rat(update, context, coop, state, data.args[0])
        return
    if len(data.args) != 2 or data.action not in ("done", "snooze"):
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    action, (obligation_id, period) = data.action, data.args
    svc = service(context)
    ob = await svc.open_obligation(coop, obligation_id, period)
    if ob is None:
        await query.answer(label(context, lang_, "reminders.already_done"), show_alert=True)
        await _append(update, context, None)
        return
    await query.answer()
    if action == "snooze":
        until = await svc.snooze(coop, ob, update.effective_user.id)
        shown = label(context, lang_, "meetings.when_text", when=until.astimezone(svc.tz))
        await _append(update, context, t(context, lang_, "reminders.snoozed", title=ob.rule.title[lang_], until=shown))
    elif ob.id == "rat":
        await start_flow(update, context, FLOW, "date", {"period": ob.period})
        await _ask_rat_date(update, context, ob)
    else:
        await svc.mark_done(coop, ob, svc.today(), update.effective_user.id)
        await _append(update, context, t(context, lang_, "reminders.done_recorded", title=ob.rule.title[lang_],
                                         period=ob.period))


async def _append(update: Update, context: Context, html: str | None) -> None:
    """Keep the reminder's text, add the outcome under it, and take its buttons away."""
    message = update.callback_query.message
    if message is None or getattr(message, "text", None) is None:
        if html:
            await reply(update, context, html)
        return
    text = message.text_html + (f"\n\n{html}" if html else "")
    try:
        await update.callback_query.edit_message_text(text, reply_markup=None)
    except TelegramError as exc:
        log.info("could not edit reminder %s: %s", message.message_id, exc)
        if html:
            await reply(update, context, html)


async def _ask_rat_date(update: Update, context: Context, ob: Obligation) -> None:
    lang_ = await lang(update, context)
    today = service(context).today()
    keyboard = [[Button(label(context, lang_, "reminders.btn_today"), callback(PREFIX, "held", today.isoformat())),
                 Button(label(context, lang_, "reminders.btn_yesterday"),
                        callback(PREFIX, "held", (today - timedelta(days=1)).isoformat()))]]
    await reply(update, context, t(context, lang_, "reminders.ask_rat_date", period=ob.period), keyboard)


@flow(FLOW)
async def on_rat_date(update: Update, context: Context, state: FlowState) -> None:
    text = await text_input(update, context, max_len=100)
    if text is None:
        return
    coop = await _cooperative(update, context)
    if coop is None:
        await end_flow(update, context)
        await say(update, context, "reminders.not_manager")
        return
    held = parse_date(text, service(context).today(), "past")
    await _record_rat(update, context, coop, state, held.isoformat() if held else "")


async def _record_rat(update: Update, context: Context, coop: Cooperative, state: FlowState, value: str) -> None:
    svc = service(context)
    lang_ = await lang(update, context)
    ob = await svc.open_obligation(coop, "rat", str(state.data.get("period")))
    if ob is None:
        await end_flow(update, context)
        await say(update, context, "reminders.already_done")
        return
    try:
        held_on = date.fromisoformat(value)
    except ValueError:
        await say(update, context, "reminders.invalid_rat_date")
        return
    problem = svc.check_rat_date(coop, ob, held_on)
    if problem == "future":
        await say(update, context, "reminders.rat_date_future")
        return
    if problem:
        year_end = fy_end_date(ob.fiscal_year or held_on.year, coop.fy_end_month)
        await say(update, context, "reminders.rat_date_before_year_end", year_end=format_date(year_end, lang_))
        return
    report = await svc.mark_done(coop, ob, held_on, update.effective_user.id)
    await end_flow(update, context)
    await reply(update, context, t(context, lang_, "reminders.rat_recorded", period=ob.period,
                                   held_on=format_date(held_on, lang_),
                                   report_due=format_date(report.due, lang_) if report else None))


# Privacy: what this journey stores about a user (nothing to erase: see export_recorded)
PRIVACY_EXPORT = export_recorded

HANDLERS = [
    CommandHandler("jadwal", schedule, filters=PRIVATE),
    CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
]
PRIVATE_COMMANDS = ["jadwal"]
