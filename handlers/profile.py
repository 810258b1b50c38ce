"""/profil: a manager sees and edits their own cooperative's profile (never another's: the
cooperative always comes from the manager's membership, never from button data)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.onboarding import service as reg
from bot.core.buttons import Button, callback, grid, parse_callback
from bot.core.services import get_services
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, start_flow
from handlers.onboarding import ask_step
from storage.flows import FlowState

FLOW = "profile"
EDITABLE = ("name", "nik", "nik_certificate_date", "kind", "company", "estate", "kecamatan", "members",
            "fy_end_month", "role")


async def _show(update: Update, context: Context, edit: bool = False) -> None:
    shown = await get_services(context).accounts.profile(update.effective_user.id)
    if shown is None:
        await say(update, context, "onboarding.not_registered")
        return
    coop = shown.cooperative
    lang_ = await lang(update, context)
    fields = [f for f in EDITABLE if f != "company" or coop.kind == "karyawan"]
    buttons = [Button(label(context, lang_, "profile.btn_edit", field=f), callback("prof", "edit", f)) for f in fields]
    keyboard = grid(buttons, 2) + [[Button(label(context, lang_, "profile.btn_language"), callback(LANG, "menu"))]]
    html = t(context, lang_, "profile.show", cooperative=coop.as_dict(), role=shown.role, managers=shown.managers)
    if edit:
        await edit_or_reply(update, context, html, keyboard)
    else:
        await reply(update, context, html, keyboard)


async def profile(update: Update, context: Context) -> None:
    """/profil (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    await _show(update, context)


# /bahasa: switch the language at any time (registered or not) -----------------------------
LANG = "lang"
LANGUAGES = ("id", "en")


def _language_keyboard(context: Context) -> list:
    return [[Button(label(context, code, "profile.language_name"), callback(LANG, "set", code))] for code in LANGUAGES]


async def language_command(update: Update, context: Context) -> None:
    """Ganti bahasa / change language"""
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "profile.choose_language"), _language_keyboard(context))


async def on_language_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data)
    lang_ = await lang(update, context)
    if data is not None and data.action == "menu":
        await query.answer()
        await reply(update, context, t(context, lang_, "profile.choose_language"), _language_keyboard(context))
        return
    chosen = data.arg() if data is not None and data.action == "set" else None
    if chosen not in LANGUAGES:  # forged data
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    await query.answer()
    accounts = get_services(context).accounts
    await accounts.arrive(update.effective_user.id)
    await accounts.set_language(update.effective_user.id, chosen)
    await edit_or_reply(update, context, t(context, chosen, "profile.language_set"))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data)
    lang_ = await lang(update, context)
    membership = await get_services(context).accounts.membership(update.effective_user.id)
    if membership is None or data is None or len(data.args) != 1:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    action, value = data.action, data.args[0]
    if action == "edit":
        if value not in EDITABLE:
            await query.answer(label(context, lang_, "common.stale_button"))
            return
        await query.answer()
        state = await start_flow(update, context, FLOW, value, {"field": value})
        await ask_step(update, context, state, prefix="prof")
        return
    state = await current_flow(update, context)
    if state is None or state.name != FLOW or state.step != action:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    await query.answer()
    answer = None if value == "-" and action in reg.OPTIONAL_STEPS else reg.parse_choice(action, value)
    if isinstance(answer, reg.Invalid):
        await say(update, context, f"onboarding.invalid_{answer.code}")
        return
    await _save(update, context, state, answer)


@flow(FLOW)
async def on_message(update: Update, context: Context, state: FlowState) -> None:
    if state.step in reg.CHOICE_STEPS:
        await say(update, context, "common.use_buttons")
        return
    text = await text_input(update, context, max_len=200)
    if text is None:
        return
    answer = reg.parse_text_answer(state.step, text, today=get_services(context).reminders.today())
    if isinstance(answer, reg.Invalid):
        await say(update, context, f"onboarding.invalid_{answer.code}")
        return
    if warning := reg.answer_warning(state.step, answer):
        await say(update, context, f"onboarding.warn_{warning}", **{state.step: answer})
    await _save(update, context, state, answer)


async def _save(update: Update, context: Context, state: FlowState, answer: object) -> None:
    saved = await get_services(context).accounts.save_profile(update.effective_user.id, state.step, answer)
    if not saved:
        await end_flow(update, context)
        return
    await end_flow(update, context)
    await say(update, context, "profile.saved")
    await _show(update, context)


HANDLERS = [
    CommandHandler("profil", profile, filters=filters.ChatType.PRIVATE),
    CommandHandler(["bahasa", "language"], language_command, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_button, pattern=r"^prof:"),
    CallbackQueryHandler(on_language_button, pattern=rf"^{LANG}:"),
]
PRIVATE_COMMANDS = ["profil", "bahasa"]
