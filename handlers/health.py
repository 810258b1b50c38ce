"""Health checks in the chat (issue 6): /cekkesehatan (financial, savings-and-loans
cooperatives), /cektatakelola (governance, every cooperative) and /riwayat (past checks and the
trend). One step at a time; every answer is saved in `health_checks` at once, so the manager
can stop (/batal, or just leave) and continue later, across restarts.

Callback data "hc:<action>[:<check>[:<step>[:<value>]]]": go (start a kind), resume, restart,
a (answer a step: yes/no "1"/"0", a governance choice id, "-" = skip), b (back one step),
ct (manager: consultation), tk (staff: open a preventive ticket from an alert).
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.buttons import Button, Callback, Keyboard, callback, parse_callback
from bot.core.services import get_services
from bot.health import flow as hf
from bot.health.alerts import TicketsUnavailable
from bot.health.chart import render_chart
from bot.health.checks import HealthChecks, export_checks, forget_checks
from bot.health.governance import GOVERNANCE_QUESTIONS
from bot.health.scoring import HEALTH_STEPS, problem_question
from bot.core.texts import pick
from bot.triage.service import entry_title
from handlers.common import (Context, drop_buttons, edit_or_reply, is_consultant, is_private, is_staff_chat, label,
                             lang, reply, say, t, text_input)
from handlers.flows import current_flow, end_flow, flow, save_flow
from handlers.tickets_manager import begin_ticket
from storage.cooperatives import Cooperative
from storage.flows import FlowState
from storage.health import HealthCheck

FLOW = "health"
# /batal mid check: the answers are already stored, so say so and how to go on
FLOW_CANCELLED = {FLOW: "health.cancelled_kept"}
PRIVATE = filters.ChatType.PRIVATE
_STEP = {s.id: s for s in HEALTH_STEPS}
_QUESTION = {q.id: q for q in GOVERNANCE_QUESTIONS}


def checks(context: Context) -> HealthChecks:
    return get_services(context).health


# ---- starting and resuming -------------------------------------------------------------------
async def health_check(update: Update, context: Context) -> None:
    """/cekkesehatan (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    await begin(update, context, hf.FINANCIAL)


async def governance_check(update: Update, context: Context) -> None:
    """/cektatakelola (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    await begin(update, context, hf.GOVERNANCE)


async def begin(update: Update, context: Context, kind: str) -> None:
    if not is_private(update):
        await say(update, context, "health.private_only")
        return
    opening = await checks(context).open(update.effective_user.id, kind)
    coop, check = opening.cooperative, opening.check
    if coop is None:
        await say(update, context, "health.need_cooperative")
        return
    lang_ = await lang(update, context)
    if not opening.eligible:
        await reply(update, context, t(context, lang_, "health.not_savings_loans", cooperative=coop.name, kind=coop.kind),
                    [[Button(label(context, lang_, "health.btn_governance"), callback("hc", "go", hf.GOVERNANCE))]])
        return
    if opening.resumable:
        await reply(update, context, t(context, lang_, "health.resume_offer", kind=kind,
                                       answered=hf.answered_count(kind, check.answers), total=len(hf.step_ids(kind))),
                    [[Button(label(context, lang_, "health.btn_resume"), callback("hc", "resume", check.id)),
                      Button(label(context, lang_, "health.btn_restart"), callback("hc", "restart", check.id))]])
        return
    await start(update, context, coop, check, intro=True)


async def start(update: Update, context: Context, coop: Cooperative, check: HealthCheck, intro: bool) -> None:
    lang_ = await lang(update, context)
    if intro:
        await reply(update, context, t(context, lang_, f"health.intro_{check.kind}", cooperative=coop.name,
                                       total=len(hf.step_ids(check.kind))))
    await ask(update, context, check)


async def ask(update: Update, context: Context, check: HealthCheck, echo: str | None = None) -> None:
    """Ask the first unanswered step, or finish when there is none. `echo`: the previous
    answer as understood ("Kas dan bank: Rp 8.500.000.000 ✓"), shown above the question."""
    prompt = hf.next_prompt(check.kind, check.answers)
    if prompt is None:
        if echo:
            await reply(update, context, echo)
        await finish(update, context, check)
        return
    lang_ = await lang(update, context)
    html = question_html(context, lang_, prompt)
    await keyed_reply(update, context, check, prompt, f"{echo}\n\n{html}" if echo else html,
                      step_keyboard(context, lang_, check, prompt))


async def keyed_reply(update: Update, context: Context, check: HealthCheck, prompt: hf.Prompt, html: str,
                      keyboard: Keyboard) -> None:
    """Send a step's buttons and take them off the previous message that had them, so only
    the current step shows [Lewati]; the flow remembers which message that is."""
    chat_id = update.effective_chat.id
    state = await current_flow(update, context)
    old = state.data.get("msg") if state and state.name == FLOW else None
    pressed = update.callback_query.message.message_id if update.callback_query and update.callback_query.message else None
    if old and old != pressed:
        await drop_buttons(update, context, old)
    sent = await reply(update, context, html, keyboard)
    await save_flow(context, FlowState(chat_id, update.effective_user.id, FLOW, prompt.step_id,
                                       {"check_id": check.id, "msg": sent.message_id if sent else None}))


def question_html(context: Context, lang_: str, prompt: hf.Prompt) -> str:
    if prompt.kind == hf.GOVERNANCE:
        return t(context, lang_, "health.ask_question", number=prompt.number, total=prompt.total,
                 text=hf.title(prompt.kind, prompt.step_id))
    step = _STEP[prompt.step_id]
    if step.kind == "yesno":
        return t(context, lang_, "health.ask_yesno", number=prompt.number, total=prompt.total, step=step)
    return t(context, lang_, "health.ask_money", number=prompt.number, total=prompt.total, step=step)


def step_keyboard(context: Context, lang_: str, check: HealthCheck, prompt: hf.Prompt) -> Keyboard:
    def answer(text: str, value: str) -> Button:
        return Button(text, callback("hc", "a", check.id, prompt.number, value))
    keyboard: Keyboard = []
    if prompt.kind == hf.GOVERNANCE:
        keyboard = [[answer(str(pick(c, lang_, "label")), c.id)] for c in _QUESTION[prompt.step_id].choices]
    elif _STEP[prompt.step_id].kind == "yesno":
        keyboard = [[answer(label(context, lang_, "common.yes"), "1"), answer(label(context, lang_, "common.no"), "0")]]
    last = [answer(label(context, lang_, "common.btn_skip"), "-")]
    if prompt.number > 1:
        last.append(Button(label(context, lang_, "health.btn_back"), callback("hc", "b", check.id, prompt.number)))
    return keyboard + [last]


# ---- answers -----------------------------------------------------------------------------------
async def _live_check(update: Update, context: Context, check_id: int | None) -> HealthCheck | None:
    """The user's own unfinished check with this id, or None (stale, forged or finished)."""
    return await checks(context).live(check_id, update.effective_user.id)


@flow(FLOW)
async def on_message(update: Update, context: Context, state: FlowState) -> None:
    check = await _live_check(update, context, state.data.get("check_id"))
    if check is None:
        await end_flow(update, context)
        await say(update, context, "common.not_understood")
        return
    prompt = hf.next_prompt(check.kind, check.answers)
    if prompt is None:
        await finish(update, context, check)
        return
    text = await text_input(update, context, max_len=100)
    if text is None:
        return
    lang_ = await lang(update, context)
    keyboard = step_keyboard(context, lang_, check, prompt)
    if prompt.kind == hf.GOVERNANCE:
        if hf.is_skip(text):
            await record(update, context, check, prompt, None)
        else:
            await keyed_reply(update, context, check, prompt, t(context, lang_, "health.use_choice_buttons"), keyboard)
        return
    value = hf.read_figure(prompt.step_id, text, check.answers)
    if isinstance(value, hf.Problem):
        await keyed_reply(update, context, check, prompt, problem_html(context, lang_, prompt.step_id, value),
                          keyboard)
        return
    await record(update, context, check, prompt, value)


def problem_html(context: Context, lang_: str, step_id: str, problem: hf.Problem) -> str:
    step = _STEP[step_id]
    if problem.code == "not_yes_no":
        return t(context, lang_, "health.use_buttons")
    if problem.code == "not_a_number":
        return t(context, lang_, "health.not_money", detail=problem.detail or "", example=step.example)
    return t(context, lang_, "health.problem", question=problem_question(problem.code))


async def record(update: Update, context: Context, check: HealthCheck, prompt: hf.Prompt, value: object,
                 pressed: bool = False) -> None:
    check = await checks(context).record(check, prompt.step_id, value)
    lang_ = await lang(update, context)
    understood = t(context, lang_, "health.answered", label=hf.title(prompt.kind, prompt.step_id),
                   value=hf.shown_value(prompt.kind, prompt.step_id, value))
    if pressed:  # show the answer in place of the buttons, so they cannot be pressed twice
        await edit_or_reply(update, context, understood)
        await ask(update, context, check)
    else:  # a typed figure is echoed as understood ("Rp 8.500.000.000 ✓") above the next question
        await ask(update, context, check, echo=understood)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data) or Callback("hc", "")
    action = data.action
    lang_ = await lang(update, context)
    if action == "tk":
        await _open_ticket(update, context, data)
        return
    if not is_private(update):
        await query.answer(label(context, lang_, "health.stale"))
        return
    if action == "go" and data.arg(0) in hf.KINDS:
        await query.answer()
        await drop_buttons(update)
        await begin(update, context, data.arg(0))
        return
    if action == "ct":
        await _consult(update, context, data)
        return
    check = await _live_check(update, context, data.int_arg(0))
    if check is None or action not in ("resume", "restart", "a", "b"):
        await query.answer(label(context, lang_, "health.stale"))
        return
    if action in ("resume", "restart"):
        await query.answer()
        await drop_buttons(update)
        coop, check = await checks(context).reopen(check, restart=action == "restart")
        if action == "resume":
            await say(update, context, "health.resumed")
        await start(update, context, coop, check, intro=action == "restart")
        return
    await _step_button(update, context, check, data)


async def _step_button(update: Update, context: Context, check: HealthCheck, data: Callback) -> None:
    """hc:a:<check>:<step number>:<value> answers a step, hc:b:<check>:<step number> goes back;
    only the current step's buttons count."""
    query = update.callback_query
    lang_ = await lang(update, context)
    prompt = hf.next_prompt(check.kind, check.answers)
    state = await current_flow(update, context)
    in_flow = state is not None and state.name == FLOW and state.data.get("check_id") == check.id
    # a button of an earlier step, or of a check paused by /batal or by starting the other check
    if prompt is None or data.arg(1, "") != str(prompt.number) or not in_flow:
        await query.answer(label(context, lang_, "health.stale"))
        return
    if data.action == "b":
        await query.answer()
        await drop_buttons(update)
        earlier = await checks(context).go_back(check)
        undone = [k for k in check.answers if k not in earlier.answers]  # the step asked again
        previous = hf.shown_value(check.kind, undone[0], check.answers[undone[0]]) if undone else None
        await say(update, context, "health.went_back", answered=bool(undone), previous=previous)
        await ask(update, context, earlier)
        return
    value = hf.button_value(prompt, data.arg(2, ""))
    if value is hf.INVALID or (prompt.kind == hf.FINANCIAL and hf.check_figure(prompt.step_id, value, check.answers)):
        await query.answer(label(context, lang_, "health.stale"))  # forged data
        return
    await query.answer()
    await record(update, context, check, prompt, value, pressed=True)


# ---- the result ----------------------------------------------------------------------------------
async def finish(update: Update, context: Context, check: HealthCheck) -> None:
    svc = get_services(context)
    lang_ = await lang(update, context)
    done = await svc.health.finish(check, update.effective_chat.id)
    view = done.view
    await reply(update, context, t(context, lang_, f"health.result_{check.kind}", cooperative=done.cooperative.name,
                                   view=view))
    chat_id = update.effective_chat.id
    if check.kind == hf.FINANCIAL:
        png = await asyncio.to_thread(render_chart, done.result, svc.texts, lang_)
        await context.bot.send_photo(chat_id, png, caption=t(context, lang_, "health.chart_caption",
                                                             total=view["total"], band=view["band"]))
    reading = _faq_buttons(context, lang_, hf.faq_ids(view))
    if reading:
        await reply(update, context, t(context, lang_, "health.further_reading"), reading)
    if done.needs_alert:
        await reply(update, context, t(context, lang_, "health.offer_consultation", band=view["band"]),
                    [[Button(label(context, lang_, "health.btn_consult"), callback("hc", "ct", check.id))]])


def _faq_buttons(context: Context, lang_: str, entry_ids: list[str]) -> Keyboard:
    """Buttons opening the FAQ entries (handlers/ask.py answers "faq:e:<id>" by editing this
    message, so they sit on a message of their own). Entries the knowledge base lacks are left out."""
    knowledge = get_services(context).knowledge
    rows = []
    for entry_id in entry_ids:
        entry = knowledge.entry(entry_id)
        if entry is not None:
            rows.append([Button(f"📖 {entry_title(entry, lang_)}"[:60], callback("faq", "e", entry_id))])
    return rows


async def _consult(update: Update, context: Context, data: Callback) -> None:
    """The manager accepts the offered consultation: the ticket flow, with the result as its question."""
    query = update.callback_query
    lang_ = await lang(update, context)
    check = await checks(context).finished_for(data.int_arg(0), update.effective_user.id)
    if check is None:
        await query.answer(label(context, lang_, "health.stale"))
        return
    await query.answer()
    await drop_buttons(update)
    question = label(context, lang_, "health.consult_question", kind=check.kind,
                     total=Decimal(check.total), band=check.band)
    await begin_ticket(update, context, question=question)


async def _open_ticket(update: Update, context: Context, data: Callback) -> None:
    """Staff alert button: only consultants, only in the staff group."""
    query = update.callback_query
    svc = get_services(context)
    staff_lang = svc.settings.default_language
    if not is_staff_chat(update, context) or not await is_consultant(context, update.effective_user.id):
        await query.answer(label(context, staff_lang, "health.consultants_only"), show_alert=True)
        return
    try:
        opened = await svc.health.open_ticket(data.int_arg(0))
    except TicketsUnavailable:
        await query.answer(label(context, staff_lang, "health.ticket_unavailable"), show_alert=True)
        return
    if opened is None:
        await query.answer(label(context, staff_lang, "health.stale"))
        return
    if opened.existed:
        await query.answer(label(context, staff_lang, "health.ticket_exists", number=opened.number))
        return
    await query.answer()
    await drop_buttons(update)
    user = update.effective_user
    await reply(update, context, t(context, staff_lang, "health.ticket_opened", number=opened.number,
                                   by_id=user.id, by_name=user.full_name))


# ---- history ---------------------------------------------------------------------------------
async def history(update: Update, context: Context) -> None:
    """/riwayat (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    if not is_private(update):
        await say(update, context, "health.private_only")
        return
    svc = get_services(context)
    coop, done = await svc.health.history(update.effective_user.id)
    if coop is None:
        await say(update, context, "health.need_cooperative")
        return
    rows = hf.history_view(done)
    if not rows:
        await say(update, context, "health.history_empty")
        return
    await say(update, context, "health.history", cooperative=coop.name, rows=rows)


# ---- privacy (UU PDP): bot/health/checks.py -------------------------------------------------------
PRIVACY_EXPORT = export_checks
PRIVACY_ERASE = forget_checks

HANDLERS = [
    CommandHandler("cekkesehatan", health_check),
    CommandHandler("cektatakelola", governance_check),
    CommandHandler("riwayat", history),
    CallbackQueryHandler(on_button, pattern=r"^hc:"),
]
PRIVATE_COMMANDS = ["cekkesehatan", "cektatakelola", "riwayat"]
