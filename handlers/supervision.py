"""Supervision for the office (issue 14): /koperasi, /risiko, /binaan, /laporan, /kunjungan, and
the jobs (monthly report, weekly digest, follow-up reminders).

Who: consultants (members of the staff group) and admins, checked on every command and every
button press (callback data can be forged or replayed). A manager who types /koperasi sees
their own cooperative's card, nothing else.

Callback data "sv:<action>:<arg>": card, tk (open a preventive ticket), vs (log a visit),
hs (history), vc (flow: cooperative), vd (flow: today), vk (flow: kind), vn (flow: no more
follow-ups), vp (flow: save), fd (follow-up done).
"""
from __future__ import annotations

import logging
import uuid
from datetime import date

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core import jobs
from bot.core.buttons import Button, callback, parse_callback
from bot.core.domain import KECAMATAN
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.core.when import parse_date
from bot.supervision import period as periods
from bot.supervision import privacy
from bot.supervision.service import PREFIX, SupervisionService
from handlers.common import (Context, edit_or_reply, is_admin, is_consultant, is_private, is_staff_chat, label, lang,
                             markup, reply, say, t, text_input)
from handlers.flows import current_flow, end_flow, flow, save_flow, start_flow
from storage.flows import FlowState
from storage.supervision import VISIT_KINDS
from handlers.supervision_keyboards import (card_buttons, kind_buttons, list_buttons, next_button, save_button,
                                            today_button)

log = logging.getLogger(__name__)
FLOW = "visit"
TICK_JOB = "supervision:tick"
LIST_LIMIT = 10


def service(context: Context) -> SupervisionService:
    return get_services(context).supervision


async def is_staff(update: Update, context: Context) -> bool:
    """An admin anywhere; a consultant in the staff group or in a private chat with the bot."""
    user = update.effective_user
    if user is None:
        return False
    if is_admin(context, user.id):
        return True
    if not (is_staff_chat(update, context) or is_private(update)):
        return False
    return await is_consultant(context, user.id)


async def _refuse(update: Update, context: Context) -> None:
    if update.callback_query:
        await update.callback_query.answer(label(context, await lang(update, context), "supervision.staff_only_short"),
                                           show_alert=True)
    else:
        await say(update, context, "supervision.staff_only")


# ---- /koperasi ------------------------------------------------------------------------------------
async def cooperative(update: Update, context: Context) -> None:
    """Kartu koperasi: /koperasi nama"""
    lang_ = await lang(update, context)
    svc = service(context)
    if not await is_staff(update, context):
        own = await svc.own_cooperative(update.effective_user.id) if is_private(update) else None
        if own is None:
            if is_private(update):
                await say(update, context, "supervision.manager_no_coop")
            else:
                await _refuse(update, context)
            return
        card = await svc.card(own.id)  # a manager: only their own cooperative, without the office's notes
        await reply(update, context, t(context, lang_, "supervision.card", c=card, staff=False))
        return
    text = " ".join(context.args or []).strip()
    if not text:
        await say(update, context, "supervision.koperasi_usage")
        return
    found = await svc.search(text)
    if not found:
        await say(update, context, "supervision.not_found", text=text)
        return
    if len(found) > 1:
        keyboard = [[Button(f"{f['name']} · {f['kecamatan']}"[:60], callback(PREFIX, "card", f["id"]))] for f in found]
        await reply(update, context, t(context, lang_, "supervision.pick", text=text, results=found), keyboard)
        return
    await _send_card(update, context, found[0]["id"], edit=False)


async def _send_card(update: Update, context: Context, coop_id: int, edit: bool) -> None:
    lang_ = await lang(update, context)
    card = await service(context).card(coop_id)
    if card is None:
        await say(update, context, "supervision.stale")
        return
    html = t(context, lang_, "supervision.card", c=card, staff=True)
    keyboard = card_buttons(context, lang_, coop_id)
    await (edit_or_reply(update, context, html, keyboard) if edit else reply(update, context, html, keyboard))


# ---- /risiko and /binaan ---------------------------------------------------------------------------
async def risk(update: Update, context: Context) -> None:
    """Koperasi berisiko: /risiko [kecamatan]"""
    if not await is_staff(update, context):
        await _refuse(update, context)
        return
    text = " ".join(context.args or []).strip()
    kecamatan = None
    if text:
        kecamatan = next((k for k in KECAMATAN if k.lower() == text.lower()), None)
        if kecamatan is None:
            await say(update, context, "supervision.risk_bad_kecamatan", text=text, names=KECAMATAN)
            return
    ranked = await service(context).ranking([kecamatan] if kecamatan else None, include_zero=True)
    at_risk = [a for a in ranked if a.score > 0]
    items = at_risk[:LIST_LIMIT]
    await reply(update, context, t(context, await lang(update, context), "supervision.risk_list", items=items,
                                   total=len(at_risk), kecamatan=kecamatan, scope_count=len(ranked)),
                list_buttons(items))


async def assigned(update: Update, context: Context) -> None:
    """Koperasi binaan saya, terburuk dulu"""
    if not await is_staff(update, context):
        await _refuse(update, context)
        return
    user = update.effective_user
    areas = await service(context).areas_of(user.id)
    if not areas:
        await say(update, context, "supervision.binaan_no_areas")
        return
    ranked = await service(context).ranking(areas, include_zero=True)
    at_risk = [a for a in ranked if a.score > 0]
    items = at_risk[:LIST_LIMIT]
    await reply(update, context, t(context, await lang(update, context), "supervision.binaan", name=user.full_name,
                                   areas=areas, items=items, total=len(at_risk), scope_count=len(ranked)),
                list_buttons(items))


# ---- /laporan -------------------------------------------------------------------------------------
async def report(update: Update, context: Context) -> None:
    """Laporan Excel: /laporan [bulan|triwulan|tahun|2026-11]"""
    if not await is_staff(update, context):
        await _refuse(update, context)
        return
    svc = service(context)
    try:
        period = periods.parse(" ".join(context.args or []) or "bulan", svc.today())
    except ValueError:
        await say(update, context, "supervision.report_usage")
        return
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "supervision.report_wait", period=period))
    built = await svc.report(period, lang_)
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    await svc.queue_report(built, [update.effective_chat.id], f"report:asked:{update.effective_chat.id}:{update.update_id}",
                           thread_id=thread, lang=lang_)


# ---- buttons ----------------------------------------------------------------------------------------
async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data)
    if data is None:
        await query.answer()
        return
    if data.action in ("vc", "vd", "vk", "vn", "vp"):
        await _flow_button(update, context, data.action, data.arg())
        return
    if not await is_staff(update, context):
        await _refuse(update, context)
        return
    svc = service(context)
    lang_ = await lang(update, context)
    if data.action == "fd":
        done = await svc.finish_followup(data.int_arg() or 0, update.effective_user.id,
                                         is_admin(context, update.effective_user.id))
        await query.answer(label(context, lang_, "supervision.followup_marked" if done else "supervision.stale"))
        if done:
            try:
                await query.edit_message_reply_markup(None)
            except TelegramError:
                pass
        return
    coop_id = data.int_arg()
    coop = await svc.cooperative(coop_id) if coop_id else None
    if coop is None:
        await query.answer(label(context, lang_, "supervision.stale"))
        return
    if data.action == "card":
        await query.answer()
        await _send_card(update, context, coop.id, edit=False)
    elif data.action == "tk":
        number, existed = await svc.open_preventive_ticket(coop.id)
        await query.answer()
        await reply(update, context, t(context, lang_, "supervision.ticket_exists" if existed
                                       else "supervision.ticket_opened", number=number, coop=coop.name))
    elif data.action == "hs":
        await query.answer()
        hist = await svc.history(coop.id)
        await reply(update, context, t(context, lang_, "supervision.history", coop=coop, **hist))
    elif data.action == "vs":
        await _start_visit_elsewhere(update, context, coop.id, coop.name)
    else:
        await query.answer()


# ---- /kunjungan: a restart-safe flow in the private chat ---------------------------------------------
async def visit(update: Update, context: Context) -> None:
    """Catat kunjungan pendamping"""
    if not await is_staff(update, context):
        await _refuse(update, context)
        return
    if not is_private(update):
        await say(update, context, "supervision.v_private_only")
        return
    await start_flow(update, context, FLOW, "coop", _new_visit())
    await say(update, context, "supervision.v_ask_coop")


def _new_visit(coop_id: int | None = None, coop_name: str | None = None) -> dict:
    return {"token": uuid.uuid4().hex, "coop": coop_id, "coop_name": coop_name, "date": None, "kind": None,
            "findings": None, "followups": [], "photos": []}


async def _start_visit_elsewhere(update: Update, context: Context, coop_id: int, coop_name: str) -> None:
    """The card's button in the group: the flow continues in the pendamping's private chat."""
    query, user = update.callback_query, update.effective_user
    lang_ = await lang(update, context)
    try:
        await context.bot.send_message(user.id, t(context, lang_, "supervision.v_ask_date", coop=coop_name),
                                       reply_markup=markup(today_button(context, lang_)))
    except (Forbidden, TelegramError) as exc:
        log.info("cannot open a private chat with %s: %s", user.id, exc)
        await query.answer(label(context, lang_, "supervision.v_need_start"), show_alert=True)
        return
    await get_services(context).conversations.start(user.id, user.id, FLOW, "date", _new_visit(coop_id, coop_name))
    await query.answer(label(context, lang_, "supervision.v_continued_private"))


@flow(FLOW)
async def visit_step(update: Update, context: Context, state: FlowState) -> None:
    lang_ = await lang(update, context)
    svc = service(context)
    message = update.effective_message
    if state.step == "photos":
        if message.photo:
            state.data["photos"].append(message.photo[-1].file_id)
            await save_flow(context, state)
            await reply(update, context, t(context, lang_, "supervision.v_ask_photos", count=len(state.data["photos"])),
                        save_button(context, lang_))
            return
        await reply(update, context, t(context, lang_, "supervision.v_ask_photos", count=len(state.data["photos"])),
                    save_button(context, lang_))
        return
    text = await text_input(update, context)
    if text is None:
        return
    if state.step == "coop":
        found = await svc.search(text)
        if not found:
            await say(update, context, "supervision.not_found", text=text)
            return
        if len(found) > 1:
            await reply(update, context, t(context, lang_, "supervision.v_pick_coop"),
                        [[Button(f"{f['name']} · {f['kecamatan']}"[:60], callback(PREFIX, "vc", f["id"]))]
                         for f in found])
            return
        await _choose_coop(update, context, state, found[0]["id"], found[0]["name"])
    elif state.step == "date":
        day = parse_date(text, svc.today(), "past")
        if day is None or day > svc.today():
            await reply(update, context, t(context, lang_, "supervision.v_bad_date"), today_button(context, lang_))
            return
        await _choose_date(update, context, state, day)
    elif state.step == "kind":
        await reply(update, context, t(context, lang_, "common.use_buttons"), kind_buttons(context, lang_))
    elif state.step == "findings":
        state.data["findings"] = text
        state.step = "followups"
        await save_flow(context, state)
        await reply(update, context, t(context, lang_, "supervision.v_ask_followup", count=0), next_button(context, lang_))
    elif state.step == "followups":
        action, _, when = text.rpartition(";")
        visited = date.fromisoformat(state.data["date"])
        due = parse_date(when.strip(), svc.today(), "future") if action.strip() else None
        if due is None or due < visited:
            await reply(update, context, t(context, lang_, "supervision.v_bad_followup"), next_button(context, lang_))
            return
        state.data["followups"].append([action.strip()[:300], due.isoformat()])
        await save_flow(context, state)
        await reply(update, context, t(context, lang_, "supervision.v_ask_followup", count=len(state.data["followups"])),
                    next_button(context, lang_))


async def _choose_coop(update: Update, context: Context, state: FlowState, coop_id: int, name: str) -> None:
    state.data.update(coop=coop_id, coop_name=name)
    state.step = "date"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "supervision.v_ask_date", coop=name), today_button(context, lang_))


async def _choose_date(update: Update, context: Context, state: FlowState, day: date) -> None:
    state.data["date"] = day.isoformat()
    state.step = "kind"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "supervision.v_ask_kind", day=day), kind_buttons(context, lang_))


async def _flow_button(update: Update, context: Context, action: str, arg: str | None) -> None:
    """A press inside the visit flow: only in the chat whose flow is at the matching step."""
    query = update.callback_query
    lang_ = await lang(update, context)
    state = await current_flow(update, context)
    expected = {"vc": "coop", "vd": "date", "vk": "kind", "vn": "followups", "vp": "photos"}[action]
    if state is None or state.name != FLOW or state.step != expected:
        await query.answer(label(context, lang_, "supervision.stale"))
        return
    if not await is_staff(update, context):
        await end_flow(update, context)
        await _refuse(update, context)
        return
    svc = service(context)
    await query.answer()
    if action == "vc":
        coop = await svc.cooperative(int(arg)) if arg and arg.isdigit() else None
        if coop is None:
            return
        await _choose_coop(update, context, state, coop.id, coop.name)
    elif action == "vd":
        await _choose_date(update, context, state, svc.today())
    elif action == "vk":
        if arg not in VISIT_KINDS:
            return
        state.data["kind"] = arg
        state.step = "findings"
        await save_flow(context, state)
        await reply(update, context, t(context, lang_, "supervision.v_ask_findings", kind=arg))
    elif action == "vn":
        state.step = "photos"
        await save_flow(context, state)
        await reply(update, context, t(context, lang_, "supervision.v_ask_photos", count=0), save_button(context, lang_))
    elif action == "vp":
        d = state.data
        visit_id = await svc.save_visit(
            cooperative_id=d["coop"], pendamping_id=update.effective_user.id, visited_on=date.fromisoformat(d["date"]),
            kind=d["kind"], findings=d["findings"], followups=[(a, date.fromisoformat(due)) for a, due in d["followups"]],
            photos=d["photos"], source_key=f"flow:{d['token']}")
        await end_flow(update, context)
        if visit_id is None:
            await reply(update, context, t(context, lang_, "supervision.v_already_saved"))
            return
        await edit_or_reply(update, context, t(context, lang_, "supervision.v_saved", coop=d["coop_name"],
                                               day=date.fromisoformat(d["date"]), kind=d["kind"],
                                               followups=len(d["followups"]), photos=len(d["photos"])))


# ---- jobs, privacy, wiring ---------------------------------------------------------------------------
async def _tick(context: Context) -> None:
    svc = service(context)
    if svc is not None:
        done = await svc.tick()
        if done.reports or done.digests or done.followups or done.errors:
            log.info("supervision tick: %s", done)


async def setup(app: Application) -> None:
    svc: Services = app.bot_data[SERVICES_KEY]
    jobs.every(app, TICK_JOB, _tick, svc.settings.supervision_tick_seconds, first=5)


async def teardown(app: Application) -> None:
    jobs.cancel(app, TICK_JOB)


PRIVACY_EXPORT = privacy.export_visits
PRIVACY_ERASE = privacy.forget_pendamping

HANDLERS = [
    CommandHandler("koperasi", cooperative),
    CommandHandler("risiko", risk),
    CommandHandler("binaan", assigned),
    CommandHandler("laporan", report),
    CommandHandler("kunjungan", visit),
    CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
]
STAFF_COMMANDS = ["koperasi", "risiko", "binaan", "laporan", "kunjungan"]
