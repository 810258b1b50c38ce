"""/profil: a manager sees and edits their own cooperative's profile (never another's: the
cooperative always comes from the manager's membership, never from button data)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.onboarding import service as reg
from bot.core.buttons import Button, callback, grid
from bot.core.services import get_services
from handlers.common import Context, edit_or_reply, label, lang, reply, say, t, text_input
from handlers.flows import current_flow, end_flow, flow, start_flow
from handlers.onboarding import ask_step
from storage.cooperatives import CooperativeRepo
from storage.flows import FlowState

FLOW = "profile"
EDITABLE = ("name", "nik", "kind", "company", "estate", "kecamatan", "members", "fy_end_month", "role")


async def _show(update: Update, context: Context, edit: bool = False) -> None:
    svc = get_services(context)
    coops = CooperativeRepo(svc.db)
    membership = await coops.membership(update.effective_user.id)
    if membership is None:
        await say(update, context, "onboarding.not_registered")
        return
    coop = await coops.get(membership.cooperative_id)
    lang_ = await lang(update, context)
    fields = [f for f in EDITABLE if f != "company" or coop.kind == "karyawan"]
    buttons = [Button(label(context, lang_, "profile.btn_edit", field=f), callback("prof", "edit", f)) for f in fields]
    html = t(context, lang_, "profile.show", cooperative=coop.as_dict(), role=membership.role,
             managers=[m.full_name or "-" for m in await coops.managers(coop.id)])
    if edit:
        await edit_or_reply(update, context, html, grid(buttons, 2))
    else:
        await reply(update, context, html, grid(buttons, 2))


async def profile(update: Update, context: Context) -> None:
    """Lihat & ubah profil koperasi"""
    await _show(update, context)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    lang_ = await lang(update, context)
    membership = await CooperativeRepo(get_services(context).db).membership(update.effective_user.id)
    if membership is None or len(parts) != 3:
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    _, action, value = parts
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
    answer = reg.parse_text_answer(state.step, text)
    if isinstance(answer, reg.Invalid):
        await say(update, context, f"onboarding.invalid_{answer.code}")
        return
    if warning := reg.answer_warning(state.step, answer):
        await say(update, context, f"onboarding.warn_{warning}", **{state.step: answer})
    await _save(update, context, state, answer)


async def _save(update: Update, context: Context, state: FlowState, answer: object) -> None:
    coops = CooperativeRepo(get_services(context).db)
    membership = await coops.membership(update.effective_user.id)
    if membership is None:
        await end_flow(update, context)
        return
    if state.step == "role":
        await coops.set_role(update.effective_user.id, answer)
    else:
        await coops.update_field(membership.cooperative_id, state.step, answer)
    await end_flow(update, context)
    await say(update, context, "profile.saved")
    await _show(update, context)


HANDLERS = [
    CommandHandler("profil", profile, filters=filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_button, pattern=r"^prof:"),
]
PRIVATE_COMMANDS = ["profil"]
