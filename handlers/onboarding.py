"""Onboarding journey: language, privacy consent (UU PDP 27/2022), registering a cooperative
or joining one with a code. Every answer is saved in `flows` at once, and the cooperative row is
written only at the end, in one transaction: a restart never leaves half a cooperative."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.buttons import Button, callback, grid, parse_callback
from bot.onboarding import service as reg
from bot.onboarding.accounts import AlreadyMember
from bot.core.domain import COOPERATIVE_KINDS, INDUSTRIAL_ESTATES, KECAMATAN, MANAGER_ROLES
from bot.core.services import get_services
from bot.core.settings import LANGUAGES
from handlers import fair_share
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, save_flow, start_flow
from storage.flows import FlowState

FLOW = "registration"
# /batal mid registration: the answers are dropped, so say how to start again (not "nothing changed")
FLOW_CANCELLED = {FLOW: "onboarding.registration_cancelled"}
PRIVATE = filters.ChatType.PRIVATE


def step_keyboard(context: Context, lang_: str, step: str, prefix: str = "reg") -> list:
    """Buttons for a step; the same keyboards serve registration and profile editing."""
    def b(text: str, value: object) -> Button:
        return Button(text, callback(prefix, step, value))
    if step == "kind":
        return grid([b(label(context, lang_, "labels.kind", key=k), k) for k in COOPERATIVE_KINDS], 2)
    if step == "estate":
        return grid([b(label(context, lang_, "labels.estate", name=e), i) for i, e in enumerate(INDUSTRIAL_ESTATES)], 2)
    if step == "kecamatan":
        return grid([b(k, i) for i, k in enumerate(KECAMATAN)], 3)
    if step == "fy_end_month":
        return grid([b(label(context, lang_, "labels.month", number=m), m) for m in range(1, 13)], 3)
    if step == "role":
        return grid([b(label(context, lang_, "labels.role", key=r), r) for r in MANAGER_ROLES], 2)
    if step in reg.OPTIONAL_STEPS:
        return [[b(label(context, lang_, "common.btn_skip"), "-")]]
    return []


async def ask_step(update: Update, context: Context, state: FlowState, prefix: str = "reg",
                   edit: bool = False) -> None:
    lang_ = await lang(update, context)
    # editing one field (/profil) is not "step 7 of 9"
    number, total = reg.progress(state.data, state.step) if prefix == "reg" else (None, None)
    html = t(context, lang_, f"onboarding.ask_{state.step}", number=number, total=total)
    keyboard = step_keyboard(context, lang_, state.step, prefix)
    if edit:
        await edit_or_reply(update, context, html, keyboard)
    else:
        await reply(update, context, html, keyboard)


async def start(update: Update, context: Context) -> None:
    """/start (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    svc = get_services(context)
    user = update.effective_user
    known = await svc.accounts.arrive(user.id)
    state = await current_flow(update, context)
    if state and state.name == FLOW:
        await say(update, context, "onboarding.resume")
        await resume(update, context, state)
        return
    coop = await svc.accounts.cooperative_of(user.id)
    if known.has_consented and coop:
        await say(update, context, "onboarding.welcome_back", name=user.first_name, cooperative=coop.name)
        return
    if known.has_consented:
        await start_flow(update, context, FLOW, "path")
        await ask_path(update, context)
        return
    await start_flow(update, context, FLOW, "language")
    await reply(update, context, t(context, known.language or svc.settings.default_language, "onboarding.choose_language"),
                _language_buttons(context))


def _language_buttons(context: Context) -> list[list[Button]]:
    """Each language named in itself, from its own labels.j2."""
    return [[Button(label(context, code, "labels.language"), f"reg:language:{code}") for code in LANGUAGES]]


async def resume(update: Update, context: Context, state: FlowState) -> None:
    if state.step == "language":
        await reply(update, context, t(context, await lang(update, context), "onboarding.choose_language"),
                    _language_buttons(context))
    elif state.step == "consent":
        await ask_consent(update, context)
    elif state.step == "path":
        await ask_path(update, context)
    elif state.step == "join_code":
        await say(update, context, "onboarding.ask_join_code")
    elif state.step == "confirm":
        await ask_confirm(update, context, state)
    else:
        await ask_step(update, context, state)


async def ask_consent(update: Update, context: Context, edit: bool = False) -> None:
    lang_ = await lang(update, context)
    keyboard = [[Button(label(context, lang_, "onboarding.btn_agree"), "reg:consent:yes"),
                 Button(label(context, lang_, "onboarding.btn_disagree"), "reg:consent:no")]]
    html = t(context, lang_, "onboarding.privacy_notice")
    if edit:
        await edit_or_reply(update, context, html, keyboard)
    else:
        await reply(update, context, html, keyboard)


async def ask_path(update: Update, context: Context, edit: bool = False) -> None:
    lang_ = await lang(update, context)
    keyboard = [[Button(label(context, lang_, "onboarding.btn_new"), "reg:path:new")],
                [Button(label(context, lang_, "onboarding.btn_join"), "reg:path:join")]]
    html = t(context, lang_, "onboarding.ask_path")
    if edit:
        await edit_or_reply(update, context, html, keyboard)
    else:
        await reply(update, context, html, keyboard)


async def ask_confirm(update: Update, context: Context, state: FlowState, edit: bool = False) -> None:
    lang_ = await lang(update, context)
    html = t(context, lang_, "onboarding.confirm", profile=reg.profile_from(state.data), role=state.data["role"])
    keyboard = [[Button(label(context, lang_, "onboarding.btn_save"), "reg:confirm:save"),
                 Button(label(context, lang_, "onboarding.btn_restart"), "reg:confirm:restart")]]
    if edit:
        await edit_or_reply(update, context, html, keyboard)
    else:
        await reply(update, context, html, keyboard)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data, maxsplit=1)
    step, value = (data.action, data.arg(0, "")) if data else ("", "")
    state = await current_flow(update, context)
    lang_ = await lang(update, context)
    if state is None or state.name != FLOW or not _button_matches(state.step, step):
        await query.answer(label(context, lang_, "common.stale_button"), show_alert=False)
        return
    choice = None
    if step not in ("language", "consent", "path", "confirm"):
        choice = None if value == "-" and step in reg.OPTIONAL_STEPS else reg.parse_choice(step, value)
        if isinstance(choice, reg.Invalid):  # forged data, or a text step's "button"
            await query.answer(label(context, lang_, "common.stale_button"), show_alert=False)
            return
    await query.answer()
    svc = get_services(context)
    if step == "language":
        if value not in ("id", "en"):
            return
        await svc.accounts.set_language(update.effective_user.id, value)
        state.step = "consent"
        await save_flow(context, state)
        await ask_consent(update, context, edit=True)
    elif step == "consent":
        if value == "yes":
            user = update.effective_user
            await svc.accounts.consent(user.id, user.full_name, user.username)
            state.step = "path"
            await save_flow(context, state)
            await edit_or_reply(update, context, t(context, lang_, "onboarding.consent_thanks"))
            await ask_path(update, context)
        else:
            await end_flow(update, context)
            await edit_or_reply(update, context, t(context, lang_, "onboarding.consent_refused"))
    elif step == "path":
        if value == "join":
            state.step = "join_code"
            await save_flow(context, state)
            await edit_or_reply(update, context, t(context, lang_, "onboarding.ask_join_code"))
        elif not await fair_share.registration_refused(update, context):  # per-user cap (issue 16)
            state.step = "name"
            state.data = {}
            await save_flow(context, state)
            await edit_or_reply(update, context, t(context, lang_, "onboarding.new_intro"))
            await ask_step(update, context, state)
    elif step == "confirm":
        if value == "save":
            await finish_new(update, context, state)
        else:
            state.step, state.data = "name", {}
            await save_flow(context, state)
            await ask_step(update, context, state, edit=True)
    else:
        await _record_answer(update, context, state, step, choice, edit=True)


def _button_matches(flow_step: str, button_step: str) -> bool:
    """A button counts only at the step that showed it; older buttons are stale."""
    return flow_step == button_step or (button_step == "role" and flow_step == "join_role")


async def _record_answer(update: Update, context: Context, state: FlowState, step: str, answer: object,
                         edit: bool = False) -> None:
    if state.step == "join_role":
        state.data["join_role"] = answer
        await finish_join(update, context, state)
        return
    state.data[step] = answer
    lang_ = await lang(update, context)
    if edit:  # show what was chosen in place of the buttons
        shown = _shown_value(context, lang_, step, answer)
        await edit_or_reply(update, context, t(context, lang_, "onboarding.answered", step=step, value=shown))
    nxt = reg.next_step(state.data, step)
    if nxt is None:
        state.step = "confirm"
        await save_flow(context, state)
        await ask_confirm(update, context, state)
    else:
        state.step = nxt
        await save_flow(context, state)
        await ask_step(update, context, state)


def _shown_value(context: Context, lang_: str, step: str, answer: object) -> str:
    if answer is None:
        return label(context, lang_, "common.skipped")
    if step == "kind":
        return label(context, lang_, "labels.kind", key=answer)
    if step == "role":
        return label(context, lang_, "labels.role", key=answer)
    if step == "fy_end_month":
        return label(context, lang_, "labels.month", number=answer)
    if step == "estate":
        return label(context, lang_, "labels.estate", name=answer)
    return str(answer)


@flow(FLOW)
async def on_message(update: Update, context: Context, state: FlowState) -> None:
    if state.step in ("language", "consent", "path", "confirm") or state.step in reg.CHOICE_STEPS or state.step == "join_role":
        await say(update, context, "common.use_buttons")
        await resume(update, context, state)
        return
    text = await text_input(update, context, max_len=200)
    if text is None:
        return
    if state.step == "join_code":
        await _join_with_code(update, context, state, text)
        return
    answer = reg.parse_text_answer(state.step, text, today=get_services(context).reminders.today())
    if isinstance(answer, reg.Invalid):
        await say(update, context, f"onboarding.invalid_{answer.code}")
        return
    if warning := reg.answer_warning(state.step, answer):
        await say(update, context, f"onboarding.warn_{warning}", **{state.step: answer})
    await _record_answer(update, context, state, state.step, answer)


async def _join_with_code(update: Update, context: Context, state: FlowState, text: str) -> None:
    if await fair_share.join_refused(update, context):  # too many wrong codes (issue 16)
        return
    coop = await get_services(context).accounts.by_join_code(text)
    if coop is None:
        if not await fair_share.join_wrong(update, context):
            await say(update, context, "onboarding.invalid_join_code")
        return
    state.data = {"cooperative_id": coop.id}
    state.step = "join_role"
    await save_flow(context, state)
    lang_ = await lang(update, context)
    await reply(update, context, t(context, lang_, "onboarding.join_found", cooperative=coop.name),
                step_keyboard(context, lang_, "role"))


async def finish_new(update: Update, context: Context, state: FlowState) -> None:
    svc = get_services(context)
    if await fair_share.registration_refused(update, context):  # per-user cap (issue 16)
        return
    if not reg.is_complete(state.data):
        state.step = reg.next_step(state.data, None)
        await save_flow(context, state)
        await ask_step(update, context, state)
        return
    try:
        coop = await svc.accounts.register(update.effective_user.id, state.chat_id, state.data)
    except AlreadyMember:
        await end_flow(update, context)
        await say(update, context, "onboarding.already_member")
        return
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "onboarding.registered", cooperative=coop.name,
                                           join_code=coop.join_code))


async def finish_join(update: Update, context: Context, state: FlowState) -> None:
    coop = await get_services(context).accounts.join(update.effective_user.id, state.chat_id,
                                                     state.data["cooperative_id"], state.data["join_role"])
    lang_ = await lang(update, context)
    await edit_or_reply(update, context, t(context, lang_, "onboarding.joined", cooperative=coop.name,
                                           role=label(context, lang_, "labels.role", key=state.data["join_role"])))


async def cancel(update: Update, context: Context) -> None:
    """/batal (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    state = await current_flow(update, context)
    if state is None or not await end_flow(update, context):
        await say(update, context, "common.nothing_to_cancel")
        return
    # each flow says what cancelling it really means (kept answers, a deletion not done)
    await say(update, context, get_services(context).journeys.cancel_texts.get(state.name, "common.cancelled"))


async def help_command(update: Update, context: Context) -> None:
    """/bantuan /help (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    await say(update, context, "onboarding.help")


HANDLERS = [
    CommandHandler("start", start, filters=PRIVATE),
    CommandHandler("batal", cancel),
    CommandHandler("bantuan", help_command),
    CommandHandler("help", help_command),
    CallbackQueryHandler(on_button, pattern=r"^reg:"),
]
PRIVATE_COMMANDS = ["start", "bantuan", "batal"]
STAFF_COMMANDS = ["bantuan", "batal"]
