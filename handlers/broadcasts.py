"""Office broadcasts (/siaran): an admin composes a text, picks an audience, sees a preview with
the number of recipients and sends it now or at a set time. Admins only, checked on every step
and every press. Delivery, progress and the report are in bot/broadcasts/service.py and the outbox.

Works in a private chat and in the staff group (where the admin's text is taken by a handler
in group -1 while their /siaran flow is open, so no other journey also reacts to it).
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from telegram import MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.broadcasts.service import (PROGRESS_KIND, RESPONSE_PREFIX, RESPONSE_SETS, Audience, BroadcastService, Draft,
                                    ReplyFrom, forget_responses)
from bot.broadcasts.text import InvalidText, clean_html
from bot.core.buttons import Button, callback, grid, parse_callback
from bot.core.delivery import DeliveryHooks
from bot.core.domain import COOPERATIVE_KINDS, KECAMATAN
from bot.core import jobs
from bot.core.services import SERVICES_KEY, get_services
from bot.core.when import parse_when
from handlers.common import Context, edit_or_reply, is_admin, is_staff_chat, label, lang, markup, reply, say, t
from handlers.flows import current_flow, end_flow, flow, save_flow, start_flow
from storage.broadcasts import RECIPIENT_KIND
from storage.flows import FlowState

log = logging.getLogger(__name__)
FLOW = "broadcast"
TICK_JOB = "broadcast:tick"
TICK_SECONDS = 60  # safety net for scheduled broadcasts besides their own job
FORMATTING = {MessageEntity.BOLD, MessageEntity.ITALIC, MessageEntity.UNDERLINE, MessageEntity.STRIKETHROUGH,
              MessageEntity.SPOILER, MessageEntity.CODE, MessageEntity.PRE, MessageEntity.TEXT_LINK,
              MessageEntity.BLOCKQUOTE, MessageEntity.EXPANDABLE_BLOCKQUOTE}


def service(context: Context) -> BroadcastService:
    return get_services(context).broadcasts


def _allowed_place(update: Update, context: Context) -> bool:
    chat = update.effective_chat
    return bool(chat and (chat.type == ChatType.PRIVATE or is_staff_chat(update, context)))


async def _admin_or_refuse(update: Update, context: Context) -> bool:
    user = update.effective_user
    if user and is_admin(context, user.id) and _allowed_place(update, context):
        return True
    if update.callback_query:
        await update.callback_query.answer(label(context, await lang(update, context), "broadcasts.not_admin"),
                                           show_alert=True)
    else:
        await say(update, context, "broadcasts.not_admin")
    return False


def _audience(data: dict) -> Audience:
    return Audience(data["audience"], data.get("audience_arg"))


# --------------------------------------------------------------------------- /siaran

async def siaran(update: Update, context: Context) -> None:
    """/siaran (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if not await _admin_or_refuse(update, context):
        return
    lang_ = await lang(update, context)
    scheduled = [{"id": b.id, "when": b.scheduled_at,
                  "audience": label(context, lang_, "broadcasts.audience", kind=b.audience, arg=b.audience_arg)}
                 for b in await service(context).scheduled()]
    await start_flow(update, context, FLOW, "text", {"key": secrets.token_hex(8)})
    keyboard = [[Button(label(context, lang_, "broadcasts.btn_cancel_scheduled", id=s["id"]),
                        callback("bc", "cancel", s["id"]))] for s in scheduled]
    answers = await service(context).response_summary()
    await reply(update, context, t(context, lang_, "broadcasts.ask_text", scheduled=scheduled, answers=answers),
                keyboard)


@flow(FLOW)
async def on_message(update: Update, context: Context, state: FlowState) -> None:
    if not await _admin_or_refuse(update, context):
        await end_flow(update, context)
        return
    message = update.effective_message
    if state.step == "text":
        if message is None or message.text is None:
            await say(update, context, "common.need_text")
            return
        formatted = any(e.type in FORMATTING for e in message.entities)
        try:
            state.data["body"] = clean_html(message.text_html if formatted else message.text)
        except InvalidText as exc:
            await say(update, context, "broadcasts.invalid_text", code=exc.code, detail=exc.detail)
            return
        if "audience" in state.data:  # changing the text of a composed broadcast
            state.step = "preview"
            await save_flow(context, state)
            await _preview(update, context, state)
            return
        state.step = "audience"
        await save_flow(context, state)
        await _ask_audience(update, context)
    elif state.step == "when":
        tz = get_services(context).settings.tz
        now = datetime.now(tz)
        when = parse_when(message.text or "", now) if message else None
        if when is None or when <= now + timedelta(seconds=30):
            await say(update, context, "broadcasts.invalid_when")
            return
        state.data["when"] = when.isoformat()
        state.step = "confirm_schedule"
        await save_flow(context, state)
        lang_ = await lang(update, context)
        audience = _audience(state.data)
        await reply(update, context, t(context, lang_, "broadcasts.confirm_schedule", when=when,
                                       audience=_audience_label(context, lang_, audience),
                                       count=await service(context).count(audience)),
                    [[Button(label(context, lang_, "broadcasts.btn_confirm_schedule"), "bc:yes"),
                      Button(label(context, lang_, "common.btn_cancel"), "bc:stop")]])
    else:
        await say(update, context, "common.use_buttons")


async def on_staff_group_message(update: Update, context: Context) -> None:
    """The admin's answers inside the staff group while their /siaran flow is open."""
    if not is_staff_chat(update, context) or update.effective_user is None:
        return
    state = await current_flow(update, context)
    if state is None or state.name != FLOW:
        return
    await on_message(update, context, state)
    raise ApplicationHandlerStop


def _audience_label(context: Context, lang_: str, audience: Audience) -> str:
    return label(context, lang_, "broadcasts.audience", kind=audience.kind, arg=audience.arg)


async def _ask_audience(update: Update, context: Context, edit: bool = False) -> None:
    lang_ = await lang(update, context)
    keyboard = grid([Button(label(context, lang_, f"broadcasts.btn_{a}"), callback("bc", "aud", a))
                     for a in ("all", "kecamatan", "kind", "rat_missing")], 2)
    keyboard.append([Button(label(context, lang_, "common.btn_cancel"), "bc:stop")])
    html = t(context, lang_, "broadcasts.ask_audience")
    await (edit_or_reply(update, context, html, keyboard) if edit else reply(update, context, html, keyboard))


async def _preview(update: Update, context: Context, state: FlowState) -> None:
    lang_, bsvc = await lang(update, context), service(context)
    audience = _audience(state.data)
    count = await bsvc.count(audience)
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    # The broadcast exactly as recipients get it (not split: the outbox sends it whole), then the figures.
    responses = state.data.get("responses")
    sample = bsvc.response_keyboard(lang_, 0, responses)  # as recipients see them (inert here)
    await context.bot.send_message(update.effective_chat.id, bsvc.message_html(lang_, state.data["body"]),
                                   message_thread_id=thread, reply_markup=markup(sample) if sample else None)
    keyboard = [[Button(label(context, lang_, "broadcasts.btn_edit_text"), "bc:edit:text"),
                 Button(label(context, lang_, "broadcasts.btn_edit_audience"), "bc:edit:aud")],
                [Button(label(context, lang_, "broadcasts.btn_responses", responses=responses), "bc:resp")],
                [Button(label(context, lang_, "common.btn_cancel"), "bc:stop")]]
    if count:
        keyboard.insert(0, [Button(label(context, lang_, "broadcasts.btn_send_now"), "bc:now"),
                            Button(label(context, lang_, "broadcasts.btn_schedule"), "bc:sched")])
    await reply(update, context, t(context, lang_, "broadcasts.preview",
                                   audience=_audience_label(context, lang_, audience), count=count,
                                   responses=responses), keyboard)


# --------------------------------------------------------------------------- buttons

STEP_OF_ACTION = {"aud": ("audience",), "kec": ("audience_kecamatan",), "kind": ("audience_kind",),
                  "now": ("preview",), "sched": ("preview",), "edit": ("preview",), "resp": ("preview",),
                  "yes": ("confirm_schedule",)}
RESPONSE_CYCLE = (None, *RESPONSE_SETS)  # "bc:resp" steps through: none, attend, register


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if not await _admin_or_refuse(update, context):
        return
    data = parse_callback(query.data, maxsplit=1)
    action, arg = (data.action, data.arg(0, "")) if data else ("", "")
    lang_ = await lang(update, context)
    if action == "cancel":
        await _cancel_scheduled(update, context, arg)
        return
    state = await current_flow(update, context)
    if state is None or state.name != FLOW or (action != "stop" and state.step not in STEP_OF_ACTION.get(action, ())):
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    await query.answer()
    if action == "stop":
        await end_flow(update, context)
        await edit_or_reply(update, context, t(context, lang_, "common.cancelled"))
    elif action == "aud":
        if arg in ("all", "rat_missing"):
            await _choose(update, context, state, Audience(arg))
        elif arg == "kecamatan":
            state.step = "audience_kecamatan"
            await save_flow(context, state)
            await edit_or_reply(update, context, t(context, lang_, "broadcasts.ask_kecamatan"),
                                grid([Button(k, callback("bc", "kec", i)) for i, k in enumerate(KECAMATAN)], 3))
        elif arg == "kind":
            state.step = "audience_kind"
            await save_flow(context, state)
            await edit_or_reply(update, context, t(context, lang_, "broadcasts.ask_kind"),
                                grid([Button(label(context, lang_, "labels.kind", key=k), callback("bc", "kind", k))
                                      for k in COOPERATIVE_KINDS], 2))
    elif action == "kec" and arg.isdigit() and int(arg) < len(KECAMATAN):
        await _choose(update, context, state, Audience("kecamatan", KECAMATAN[int(arg)]))
    elif action == "kind" and arg in COOPERATIVE_KINDS:
        await _choose(update, context, state, Audience("kind", arg))
    elif action == "edit":
        state.step = "text" if arg == "text" else "audience"
        await save_flow(context, state)
        if arg == "text":
            await edit_or_reply(update, context, t(context, lang_, "broadcasts.ask_text", scheduled=[]))
        else:
            await _ask_audience(update, context, edit=True)
    elif action == "resp":
        now = state.data.get("responses")
        state.data["responses"] = RESPONSE_CYCLE[(RESPONSE_CYCLE.index(now) + 1) % len(RESPONSE_CYCLE)] \
            if now in RESPONSE_CYCLE else None
        await save_flow(context, state)
        await _preview(update, context, state)
    elif action == "sched":
        state.step = "when"
        await save_flow(context, state)
        await edit_or_reply(update, context, t(context, lang_, "broadcasts.ask_when"))
    elif action in ("now", "yes"):
        await _send(update, context, state, lang_)


async def _choose(update: Update, context: Context, state: FlowState, audience: Audience) -> None:
    state.data.update(audience=audience.kind, audience_arg=audience.arg)
    state.step = "preview"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "broadcasts.audience_chosen",
                                           audience=_audience_label(context, lang_, audience)))
    await _preview(update, context, state)


async def _send(update: Update, context: Context, state: FlowState, lang_: str) -> None:
    message = update.effective_message
    audience = _audience(state.data)
    draft = Draft(created_by=update.effective_user.id, body_html=state.data["body"], audience=audience,
                  origin_chat_id=update.effective_chat.id,
                  origin_thread_id=message.message_thread_id if message and message.is_topic_message else None,
                  compose_key=state.data["key"], responses=state.data.get("responses"))
    when = datetime.fromisoformat(state.data["when"]) if state.step == "confirm_schedule" else None
    broadcast_id = await service(context).create(draft, when)
    await end_flow(update, context)
    if broadcast_id is None:
        await edit_or_reply(update, context, t(context, lang_, "broadcasts.already_sent"))
        return
    if when is None:
        await edit_or_reply(update, context, t(context, lang_, "broadcasts.started", id=broadcast_id,
                                               audience=_audience_label(context, lang_, audience)))
    else:
        schedule_job(context.application, broadcast_id, when)
        await edit_or_reply(update, context, t(context, lang_, "broadcasts.scheduled_ok", id=broadcast_id,
                                               when=when))


async def _cancel_scheduled(update: Update, context: Context, arg: str) -> None:
    lang_ = await lang(update, context)
    await update.callback_query.answer()
    if not arg.isdigit():
        return
    if await service(context).cancel(int(arg)):
        jobs.cancel(context.application, _job_name(int(arg)))
        await reply(update, context, t(context, lang_, "broadcasts.cancelled_scheduled", id=int(arg)))
    else:
        await reply(update, context, t(context, lang_, "broadcasts.cannot_cancel", id=int(arg)))


# --------------------------------------------------------------------------- managers answer

async def on_response(update: Update, context: Context) -> None:
    """A manager's response button under a broadcast (checked against the message it came on)."""
    query = update.callback_query
    data = parse_callback(query.data)
    lang_ = await lang(update, context)
    broadcast_id = data.int_arg(0) if data else None
    choice = data.arg(1) if data else None
    message_id = query.message.message_id if query.message else None
    if broadcast_id == 0:  # the admin's preview (see _preview): inert, but not "stale"
        await query.answer(label(context, lang_, "broadcasts.response_preview"))
        return
    if broadcast_id is None or choice is None or not await service(context).respond(
            update.effective_user.id, update.effective_chat.id, message_id, broadcast_id, choice):
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    await query.answer(label(context, lang_, "broadcasts.response_recorded", choice=choice), show_alert=False)


async def on_reply(update: Update, context: Context) -> None:
    """A Telegram reply to a broadcast reaches the office (even inside a flow), not the FAQ."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is None or update.effective_user is None:
        return
    bsvc = service(context)
    broadcast_id = await bsvc.broadcast_replied_to(update.effective_chat.id, replied.message_id)
    if broadcast_id is None:
        return  # a reply to something else: the other journeys decide
    accounts = get_services(context).accounts
    user = update.effective_user
    coop = await accounts.cooperative_of(user.id)
    sender = ReplyFrom(user.id, user.full_name, coop.name if coop else None, coop.kecamatan if coop else None)
    if await bsvc.relay_reply(broadcast_id, sender, update.effective_chat.id, message.message_id,
                              message.text_html if message.text else None):
        await say(update, context, "broadcasts.reply_forwarded")
    else:
        await say(update, context, "broadcasts.reply_no_office")
    raise ApplicationHandlerStop


# --------------------------------------------------------------------------- scheduling

async def _release(context: Context) -> None:
    released = await service(context).release_due(datetime.now(get_services(context).settings.tz))
    if released:
        log.info("broadcasts released: %s", released)


def _job_name(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def schedule_job(app: Application, broadcast_id: int, when: datetime) -> None:
    """Named job (style.md #8) at the broadcast's time; the database stays the source of truth."""
    jobs.once(app, _job_name(broadcast_id), _release, when)


async def setup(app: Application) -> None:
    svc = app.bot_data[SERVICES_KEY]
    bsvc = svc.broadcasts
    svc.delivery.register(RECIPIENT_KIND, DeliveryHooks(sent=bsvc.on_recipient_sent,
                                                        failed=lambda row, _err: bsvc.on_recipient_done(row)))
    svc.delivery.register(PROGRESS_KIND, DeliveryHooks(sent=bsvc.on_progress_sent))
    await bsvc.resume()
    # Scheduled broadcasts whose time passed while the bot was down go out now (APScheduler
    # would silently drop a job in the past); the others get their job back.
    await bsvc.release_due(datetime.now(svc.settings.tz))
    for b in await bsvc.scheduled():
        schedule_job(app, b.id, b.scheduled_at)
    jobs.every(app, TICK_JOB, _release, TICK_SECONDS, first=TICK_SECONDS)


async def teardown(app: Application) -> None:
    jobs.cancel(app, TICK_JOB)


HANDLERS = [
    CommandHandler("siaran", siaran),
    CallbackQueryHandler(on_button, pattern=r"^bc:"),
    CallbackQueryHandler(on_response, pattern=rf"^{RESPONSE_PREFIX}:"),
    # Group -2: a reply to a broadcast is the office's, before any flow or journey takes it.
    (MessageHandler(filters.ChatType.PRIVATE & filters.REPLY & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                    on_reply), -2),
    # Group -1: before the staff journeys, and it stops the update when it took it.
    (MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                    on_staff_group_message), -1),
]
# Not in the private menu: managers must not see it; admins type it.
STAFF_COMMANDS = ["siaran"]
PRIVACY_ERASE = forget_responses
