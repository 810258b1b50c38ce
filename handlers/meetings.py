"""Meetings journey (/rapat): schedule a meeting (kind, date and time typed or picked, place or
link, agenda), every manager of the cooperative is invited with [Hadir] [Tidak hadir], the
organiser sees who answered, and the organiser (or the chair) can move or cancel it.

The rules and the messages are in `bot.calendar.meetings`; reminders 3 days, 1 day and 2 hours before
come from a named repeating job ("meetings:tick") rebuilt in `setup`.
"""
from __future__ import annotations

from datetime import date, datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.calendar import meetings as rules
from bot.calendar.meetings import PREFIX, MeetingService, export_meetings, forget_answers
from bot.core.buttons import Button, Callback, callback, grid, parse_callback
from bot.core import jobs
from bot.core.delivery import DeliveryHooks
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.core.when import parse_when
from handlers.common import Context, drop_buttons, edit_or_reply, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, save_flow, start_flow
from storage.cooperatives import Manager
from storage.flows import FlowState
from storage.meetings import Meeting

TICK_JOB = "meetings:tick"
FLOW, MOVE_FLOW = "meeting", "meeting_move"
PRIVATE = filters.ChatType.PRIVATE


def service(context: Context) -> MeetingService:
    return get_services(context).meetings


async def setup(app: Application) -> None:
    svc: Services = app.bot_data[SERVICES_KEY]
    # a meeting reminder waits while the manager is in the middle of a flow
    svc.delivery.register("meeting_reminder", DeliveryHooks(hold=svc.conversations.busy_until))
    jobs.every(app, TICK_JOB, _tick, svc.settings.reminder_tick_seconds)


async def teardown(app: Application) -> None:
    jobs.cancel(app, TICK_JOB)


async def _tick(context: Context) -> None:
    await service(context).tick()


async def _membership(update: Update, context: Context) -> Manager | None:
    """The user's own cooperative decides what they may see and change, never callback data."""
    return await service(context).membership(update.effective_user.id)


async def _own_meeting(update: Update, context: Context, meeting_id: int | None) -> tuple[Manager, Meeting] | None:
    return await service(context).own_meeting(update.effective_user.id, meeting_id)


def _now_local(context: Context) -> datetime:
    svc = service(context)
    return svc.local(svc.clock.now())


# /rapat ------------------------------------------------------------------------------------
async def meetings_command(update: Update, context: Context) -> None:
    """/rapat (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    manager = await _membership(update, context)
    if manager is None:
        await say(update, context, "reminders.not_manager")
        return
    upcoming = await service(context).upcoming(manager.cooperative_id)
    if not upcoming:
        await _start_new(update, context)
        return
    lang_ = await lang(update, context)
    local = service(context).local
    items = [{"kind": m.kind, "when": local(m.starts_at)} for m in upcoming[:10]]
    keyboard = [[Button(label(context, lang_, "meetings.item_button", index=i + 1, kind=m.kind, when=local(m.starts_at)),
                        callback(PREFIX, "show", m.id))] for i, m in enumerate(upcoming[:10])]
    keyboard.append([Button(label(context, lang_, "meetings.btn_new"), callback(PREFIX, "new"))])
    await reply(update, context, t(context, lang_, "meetings.list", items=items), keyboard)


async def _start_new(update: Update, context: Context) -> None:
    await start_flow(update, context, FLOW, "kind")
    lang_ = await lang(update, context)
    keyboard = grid([Button(label(context, lang_, "meetings.kind", key=k), callback(PREFIX, "kind", k))
                     for k in rules.KINDS], 2)
    await reply(update, context, t(context, lang_, "meetings.ask_kind"), keyboard)


def _day_keyboard(context: Context, lang_: str) -> list:
    now = _now_local(context)
    days = rules.date_choices(now.date(), now=now)
    return grid([Button(label(context, lang_, "meetings.day_short", d=d), callback(PREFIX, "day", f"{d:%Y%m%d}"))
                 for d in days], 3)


def _time_keyboard(context: Context, day: date) -> list:
    """Only times still ahead: a time that already passed today is never offered."""
    choices = rules.time_choices(day, _now_local(context))
    return grid([Button(c, callback(PREFIX, "time", c.replace(".", ""))) for c in choices], 4)


async def _ask_when(update: Update, context: Context, state: FlowState, edit: bool = False) -> None:
    lang_ = await lang(update, context)
    if state.name == MOVE_FLOW:
        html = t(context, lang_, "meetings.ask_new_when", kind=state.data["kind"],
                 when=datetime.fromisoformat(state.data["old"]).astimezone(service(context).tz))
    else:
        html = t(context, lang_, "meetings.ask_when", kind=state.data["kind"])
    if edit:
        await edit_or_reply(update, context, html, _day_keyboard(context, lang_))
        pressed = update.callback_query.message if update.callback_query else None
        picker = pressed.message_id if pressed else None
    else:
        sent = await reply(update, context, html, _day_keyboard(context, lang_))
        picker = sent.message_id if sent else None
    # a date typed instead of picked takes the picker's buttons away (see _take_when)
    state.data["picker"] = picker
    await save_flow(context, state)


# Typed answers -----------------------------------------------------------------------------
@flow(FLOW)
@flow(MOVE_FLOW)
async def on_message(update: Update, context: Context, state: FlowState) -> None:
    if state.step in ("kind", "confirm"):
        await say(update, context, "common.use_buttons")
        return
    limit = {"place": rules.PLACE_MAX, "agenda": rules.AGENDA_MAX}.get(state.step, 100)
    text = await text_input(update, context, max_len=limit)
    if text is None:
        return
    if state.step == "when":
        await _take_when(update, context, state, parse_when(text, _now_local(context)))
    elif state.step == "time":
        day = date.fromisoformat(state.data["day"])
        await _take_when(update, context, state, parse_when(f"{day.day}/{day.month}/{day.year} {text}",
                                                            _now_local(context)))
    elif state.step == "place":
        state.data["place"], state.step = text, "agenda"
        await save_flow(context, state)
        lang_ = await lang(update, context)
        await reply(update, context, t(context, lang_, "meetings.ask_agenda"),
                    [[Button(label(context, lang_, "common.btn_skip"), callback(PREFIX, "skip"))]])
    elif state.step == "agenda":
        state.data["agenda"] = text
        await _confirm(update, context, state)


async def _take_when(update: Update, context: Context, state: FlowState, start: datetime | None,
                     edit: bool = False) -> None:
    if start is None:
        await say(update, context, "meetings.invalid_when")
        return
    start = start.astimezone(service(context).tz)
    problem = rules.check_start(start, _now_local(context))
    if problem:
        await say(update, context, f"meetings.when_{problem}")
        return
    lang_ = await lang(update, context)
    picker = state.data.pop("picker", None)
    if picker and not edit:  # typed: the day/time buttons above would only answer "no longer valid"
        await drop_buttons(update, context, picker)
    if state.name == MOVE_FLOW:
        found = await _own_meeting(update, context, state.data["meeting_id"])
        await end_flow(update, context)
        if found is None or not found[1].is_active or found[1].version != state.data["version"]:
            await say(update, context, "meetings.gone")
            return
        moved = await service(context).move(found[1], start)
        await (edit_or_reply if edit else reply)(update, context,
                                                 t(context, lang_, "meetings.moved_done", when=service(context).local(moved.starts_at)))
        return
    state.data["start"], state.step = start.isoformat(), "place"
    await save_flow(context, state)
    await (edit_or_reply if edit else reply)(update, context, t(context, lang_, "meetings.ask_place", when=start))


async def _confirm(update: Update, context: Context, state: FlowState, edit: bool = False) -> None:
    state.step = "confirm"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    manager = await _membership(update, context)
    cooperative = await service(context).cooperative_name(manager.cooperative_id) if manager else "-"
    start = datetime.fromisoformat(state.data["start"]).astimezone(service(context).tz)
    notice_days = get_services(context).settings.meeting_notice_days
    html = t(context, lang_, "meetings.confirm", kind=state.data["kind"], when=start,
             place=state.data["place"], agenda=state.data.get("agenda"), cooperative=cooperative,
             organiser=update.effective_user.full_name)
    if rules.short_notice(state.data["kind"], start, _now_local(context), notice_days):
        html += "\n\n" + t(context, lang_, "meetings.short_notice", kind=state.data["kind"], days=notice_days)
    keyboard = [[Button(label(context, lang_, "meetings.btn_send"), callback(PREFIX, "send")),
                 Button(label(context, lang_, "common.btn_cancel"), callback(PREFIX, "drop"))]]
    await (edit_or_reply if edit else reply)(update, context, html, keyboard)


# Buttons -----------------------------------------------------------------------------------
FLOW_STEPS = {"kind": ("kind",), "day": ("when",), "time": ("time",), "skip": ("agenda",), "send": ("confirm",),
              "drop": ("confirm",)}


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data) or Callback(PREFIX, "")
    action = data.action
    lang_ = await lang(update, context)
    if await _membership(update, context) is None:
        await query.answer(label(context, lang_, "reminders.not_manager"), show_alert=True)
        return
    if action in FLOW_STEPS:
        state = await current_flow(update, context)
        if state is None or state.name not in (FLOW, MOVE_FLOW) or state.step not in FLOW_STEPS[action]:
            await query.answer(label(context, lang_, "common.stale_button"))
            return
        await query.answer()
        await _flow_button(update, context, state, action, data.arg(0, ""))
        return
    handler = {"new": _on_new, "show": _on_show, "text": _on_invitation_text, "rsvp": _on_rsvp, "move": _on_move, "cancel": _on_cancel,
               "cancelok": _on_cancel_ok, "keep": _on_keep}.get(action)
    if handler is None:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    await handler(update, context, lang_, data)


async def _flow_button(update: Update, context: Context, state: FlowState, action: str, value: str) -> None:
    lang_ = await lang(update, context)
    if action == "kind" and value in rules.KINDS:
        state.data["kind"], state.step = value, "when"
        await save_flow(context, state)
        await _ask_when(update, context, state, edit=True)
    elif action == "day" and value.isdigit() and len(value) == 8:
        day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        state.data["day"], state.step = day.isoformat(), "time"
        await save_flow(context, state)
        await edit_or_reply(update, context, t(context, lang_, "meetings.ask_time", when=day),
                            _time_keyboard(context, day))
    elif action == "time" and f"{value[:2]}.{value[2:]}" in rules.TIME_CHOICES:
        day = date.fromisoformat(state.data["day"])
        clock = rules.parse_choice_time(f"{value[:2]}.{value[2:]}")
        await _take_when(update, context, state, datetime.combine(day, clock, tzinfo=service(context).tz), edit=True)
    elif action == "skip":
        state.data["agenda"] = None
        await _confirm(update, context, state, edit=True)
    elif action == "send":
        await _send(update, context, state)
    elif action == "drop":
        await end_flow(update, context)
        await edit_or_reply(update, context, t(context, lang_, "common.cancelled"))


async def _send(update: Update, context: Context, state: FlowState) -> None:
    manager = await _membership(update, context)
    await end_flow(update, context)
    svc = service(context)
    start = datetime.fromisoformat(state.data["start"]).astimezone(svc.tz)
    if rules.check_start(start, _now_local(context)):
        await say(update, context, "meetings.when_past")
        return
    meeting = await svc.create(manager.cooperative_id, manager.user_id, state.data["kind"], start,
                               state.data["place"], state.data.get("agenda"))
    count = await svc.invited(manager.cooperative_id)
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "meetings.created", count=count),
                        [[Button(label(context, lang_, "meetings.btn_invitation_text"),
                                 callback(PREFIX, "text", meeting.id))]])


async def _on_new(update: Update, context: Context, lang_: str, data: Callback) -> None:
    await update.callback_query.answer()
    await _start_new(update, context)


async def _found(update: Update, context: Context, lang_: str, data: Callback, active: bool = True):
    found = await _own_meeting(update, context, data.int_arg(0))
    if found is None or (active and (not found[1].is_active or found[1].starts_at <= service(context).clock.now())):
        await update.callback_query.answer(label(context, lang_, "meetings.gone"), show_alert=True)
        return None
    return found


async def _on_show(update: Update, context: Context, lang_: str, data: Callback) -> None:
    found = await _found(update, context, lang_, data)
    if found is None:
        return
    await update.callback_query.answer()
    manager, meeting = found
    svc = service(context)
    counts, names = await svc.status(meeting)
    manage = rules.can_manage(meeting, manager.user_id, manager.role)
    keyboard = rules.rsvp_buttons(svc.texts, lang_, meeting)
    if manage:
        keyboard.append([Button(label(context, lang_, "meetings.btn_move"), callback(PREFIX, "move", meeting.id)),
                         Button(label(context, lang_, "meetings.btn_cancel_meeting"), callback(PREFIX, "cancel", meeting.id))])
    await reply(update, context, t(context, lang_, "meetings.detail", tally=counts, names=names, can_manage=manage,
                                   **await svc.details(meeting)), keyboard)


async def _on_invitation_text(update: Update, context: Context, lang_: str, data: Callback) -> None:
    """A ready invitation to forward to members who are not in the bot (no buttons: plain text)."""
    found = await _found(update, context, lang_, data)
    if found is None:
        return
    await update.callback_query.answer()
    await reply(update, context, t(context, lang_, "meetings.invitation_for_members",
                                   **await service(context).details(found[1])))


async def _on_rsvp(update: Update, context: Context, lang_: str, data: Callback) -> None:
    found = await _found(update, context, lang_, data)
    if found is None:
        return
    manager, meeting = found
    args = data.args
    if len(args) != 3 or args[1] != str(meeting.version) or args[2] not in ("yes", "no"):
        await update.callback_query.answer(label(context, lang_, "meetings.gone"), show_alert=True)
        return
    svc = service(context)
    await svc.answer(meeting, manager.user_id, args[2])
    await update.callback_query.answer(label(context, lang_, "meetings.rsvp_recorded", answer=args[2]))
    html = t(context, lang_, "meetings.invitation", **await svc.details(meeting)) + "\n\n" + \
        t(context, lang_, "meetings.rsvp_footer", answer=args[2])
    await edit_or_reply(update, context, html, rules.rsvp_buttons(svc.texts, lang_, meeting))


async def _manageable(update: Update, context: Context, lang_: str, data: Callback) -> Meeting | None:
    found = await _found(update, context, lang_, data)
    if found is None:
        return None
    manager, meeting = found
    if not rules.can_manage(meeting, manager.user_id, manager.role):
        await update.callback_query.answer(label(context, lang_, "meetings.not_allowed"), show_alert=True)
        return None
    await update.callback_query.answer()
    return meeting


async def _on_move(update: Update, context: Context, lang_: str, data: Callback) -> None:
    meeting = await _manageable(update, context, lang_, data)
    if meeting is None:
        return
    state = await start_flow(update, context, MOVE_FLOW, "when", {
        "meeting_id": meeting.id, "version": meeting.version, "kind": meeting.kind,
        "old": service(context).local(meeting.starts_at).isoformat()})
    await _ask_when(update, context, state)


async def _on_cancel(update: Update, context: Context, lang_: str, data: Callback) -> None:
    meeting = await _manageable(update, context, lang_, data)
    if meeting is None:
        return
    keyboard = [[Button(label(context, lang_, "meetings.btn_confirm_cancel"), callback(PREFIX, "cancelok", meeting.id)),
                 Button(label(context, lang_, "meetings.btn_keep"), callback(PREFIX, "keep", meeting.id))]]
    await reply(update, context, t(context, lang_, "meetings.confirm_cancel", kind=meeting.kind,
                                   when=service(context).local(meeting.starts_at)), keyboard)


async def _on_cancel_ok(update: Update, context: Context, lang_: str, data: Callback) -> None:
    meeting = await _manageable(update, context, lang_, data)
    if meeting is None:
        return
    await service(context).cancel(meeting)
    await edit_or_reply(update, context, t(context, lang_, "meetings.cancelled_done"))


async def _on_keep(update: Update, context: Context, lang_: str, data: Callback) -> None:
    await update.callback_query.answer()
    await edit_or_reply(update, context, t(context, lang_, "meetings.kept"))


# Privacy: bot/calendar/meetings.py ------------------------------------------------------------
PRIVACY_EXPORT = export_meetings
PRIVACY_ERASE = forget_answers

HANDLERS = [
    CommandHandler("rapat", meetings_command, filters=PRIVATE),
    CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
]
PRIVATE_COMMANDS = ["rapat"]
