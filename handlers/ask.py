"""Ask journey: free text in a private chat is triaged against the FAQ (bot/triage/service.py), with
feedback buttons and a way to a consultant; /faq browses the FAQ by category.

Callback data: "ask:<e|r>:<triage>:<entry>" (show a candidate in place / a related entry as a new
message), "ask:ok:<triage>:<entry>", "ask:no:<triage>", "ask:cs:<triage>"; every press is checked
against the triage row's owner. "faq:h:<page>", "faq:c:<category>:<page>", "faq:e:<entry>".
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core.buttons import Button, Callback, Keyboard, callback, parse_callback
from bot.core.services import get_services
from bot.triage.desk import export_questions, forget_questions
from bot.triage.service import (MAX_QUESTION, PAGE_SIZE, Knowledge, category_title, entry_title, has_more,
                                paginate, render_entry)
from handlers.common import Context, drop_buttons, edit_or_reply, label, lang, reply, t
from handlers.tickets_manager import begin_ticket
from knowledge.loader import Entry
from storage.triage import Triage

CATEGORIES_PER_PAGE = 8


def knowledge_of(context: Context) -> Knowledge:
    return get_services(context).knowledge


# ---- triage of free text ---------------------------------------------------------------------
async def triage(update: Update, context: Context) -> bool:
    """PRIVATE_FALLBACK: any text outside a flow is a question for the FAQ."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return False  # stickers, photos...: the router answers politely
    question = message.text.strip()
    if not question:
        return False
    return await answer_question(update, context, question)


async def answer_question(update: Update, context: Context, question: str) -> bool:
    """The FAQ's answer to `question` (typed, or kept while the manager chose "Pertanyaan baru")."""
    user = update.effective_user
    lang_ = await lang(update, context)
    if len(question) > MAX_QUESTION:
        await reply(update, context, t(context, lang_, "ask.too_long", limit=MAX_QUESTION, length=len(question)))
        return True
    knowledge = knowledge_of(context)
    asked = await get_services(context).desk.ask(user.id, question)
    decision, triage_id = asked.decision, asked.triage_id
    if decision.kind == "small_talk":  # a greeting, thanks or "ok": a friendly word, nothing logged
        chat_lang = "en" if decision.chat.lang == "en" else lang_
        await reply(update, context, t(context, chat_lang, f"ask.chat_{decision.chat.kind}"))
        return True
    if decision.entry is not None:  # the short answer first; the full one a press away
        html = render_entry(get_services(context).texts, lang_, decision.entry, short=True)
        if decision.second is not None:
            html += "\n\n" + t(context, lang_, "ask.also_asked", title=entry_title(decision.second, lang_))
        await reply(update, context, html,
                    answer_keyboard(context, lang_, triage_id, decision.entry, knowledge,
                                    full=True, related=decision.related))
    elif decision.kind == "off_topic":
        await reply(update, context, t(context, lang_, "ask.off_topic"),
                    [[_consultant_button(context, lang_, triage_id)]])
    else:
        keyboard = [[Button(label(context, lang_, "ask.btn_entry", title=entry_title(e, lang_)),
                            callback("ask", "e", triage_id, e.id))] for e in decision.candidates]
        keyboard.append([_consultant_button(context, lang_, triage_id)])
        if decision.kind == "two_topics":
            html = t(context, lang_, "ask.two_topics", first=entry_title(decision.candidates[0], lang_),
                     second=entry_title(decision.candidates[1], lang_))
        else:
            html = t(context, lang_, "ask.not_sure", count=len(decision.candidates))
        await reply(update, context, html, keyboard)
    return True


def _consultant_button(context: Context, lang_: str, triage_id: int) -> Button:
    return Button(label(context, lang_, "ask.btn_consultant"), callback("ask", "cs", triage_id))


def answer_keyboard(context: Context, lang_: str, triage_id: int, entry: Entry, knowledge: Knowledge,
                    full: bool = False, related: tuple[Entry, ...] | None = None) -> Keyboard:
    """[✅ Terjawab] [🙋 Tanya konsultan] / [👎 Belum membantu] / [📖 Baca jawaban lengkap] when the
    short answer was shown / up to two related entries (a second topic first)."""
    rows: Keyboard = [
        [Button(label(context, lang_, "ask.btn_ok"), callback("ask", "ok", triage_id, entry.id)),
         _consultant_button(context, lang_, triage_id)],
        [Button(label(context, lang_, "ask.btn_unhelpful"), callback("ask", "no", triage_id))],
    ]
    if full and has_more(entry, lang_):
        rows.append([Button(label(context, lang_, "ask.btn_full"), callback("ask", "f", triage_id, entry.id))])
    rows += [[Button(label(context, lang_, "ask.btn_entry", title=entry_title(r, lang_)),
                     callback("ask", "r", triage_id, r.id))]
             for r in (related if related is not None else knowledge.related(entry))]
    return rows


async def on_ask_button(update: Update, context: Context) -> None:
    query = update.callback_query
    data = parse_callback(query.data) or Callback("ask", "")
    action = data.action
    lang_ = await lang(update, context)
    row = await get_services(context).desk.owned(data.int_arg(0), update.effective_user.id)
    if row is None:  # someone else's question, a made-up id, or erased data: change nothing
        await query.answer(label(context, lang_, "common.stale_button"))
        return
    entry_id = data.arg(1)
    if action in ("e", "r"):
        await _show_candidate(update, context, lang_, row, entry_id, in_place=action == "e")
    elif action == "f":
        await _show_full(update, context, lang_, row, entry_id)
    elif action == "ok":
        await _answered(update, context, lang_, row, entry_id)
    elif action == "no":
        await _unhelpful(update, context, lang_, row)
    elif action == "cs":
        await _to_consultant(update, context, lang_, row)
    else:
        await query.answer(label(context, lang_, "common.stale_button"))


async def _show_candidate(update: Update, context: Context, lang_: str, row: Triage, entry_id: str | None,
                          in_place: bool) -> None:
    knowledge = knowledge_of(context)
    entry = await get_services(context).desk.show(row, entry_id)
    if entry is None:
        await update.callback_query.answer(label(context, lang_, "ask.faq_gone"))
        return
    await update.callback_query.answer()
    html = render_entry(get_services(context).texts, lang_, entry, short=True)
    keyboard = answer_keyboard(context, lang_, row.id, entry, knowledge, full=True)
    if in_place:  # the candidates' message becomes the answer
        await edit_or_reply(update, context, html, keyboard)
    else:  # a related entry: the first answer stays readable above
        await reply(update, context, html, keyboard)


async def _show_full(update: Update, context: Context, lang_: str, row: Triage, entry_id: str | None) -> None:
    """📖 pressed: the message becomes the full answer with its sources (same buttons, minus 📖)."""
    knowledge = knowledge_of(context)
    entry = knowledge.entry(entry_id or "")
    if entry is None:
        await update.callback_query.answer(label(context, lang_, "ask.faq_gone"))
        return
    await update.callback_query.answer()
    await edit_or_reply(update, context, render_entry(get_services(context).texts, lang_, entry),
                        answer_keyboard(context, lang_, row.id, entry, knowledge))


async def _answered(update: Update, context: Context, lang_: str, row: Triage, entry_id: str | None) -> None:
    await get_services(context).desk.answered(row, entry_id)
    await update.callback_query.answer(label(context, lang_, "ask.thanks_toast"))
    await drop_buttons(update)
    await reply(update, context, t(context, lang_, "ask.thanks"))


async def _unhelpful(update: Update, context: Context, lang_: str, row: Triage) -> None:
    await get_services(context).desk.unhelpful(row)
    await update.callback_query.answer()
    await drop_buttons(update)
    await reply(update, context, t(context, lang_, "ask.unhelpful"), [[_consultant_button(context, lang_, row.id)]])


async def _to_consultant(update: Update, context: Context, lang_: str, row: Triage) -> None:
    """Hand the question to the ticket flow (handlers/tickets_manager.begin_ticket)."""
    await get_services(context).desk.to_consultant(row)
    await update.callback_query.answer()
    await drop_buttons(update)
    await begin_ticket(update, context, question=row.question, triage_id=row.id)


# ---- /faq browsing ---------------------------------------------------------------------------
async def faq(update: Update, context: Context) -> None:
    """/faq (its menu entry and help line: menu.describe in templates/*/menu.j2)"""
    lang_ = await lang(update, context)
    knowledge = knowledge_of(context)
    query = " ".join(context.args or []).strip()
    if not query:
        html, keyboard = _home(context, lang_, knowledge, 0)
        await reply(update, context, html, keyboard)
        return
    entry = knowledge.entry(query.lower())
    if entry is None:
        decision = knowledge.decide(query[:MAX_QUESTION])
        entry = decision.entry
        if entry is None:
            if decision.candidates:
                keyboard = [[Button(label(context, lang_, "ask.btn_entry", title=entry_title(e, lang_)),
                                    callback("faq", "e", e.id))] for e in decision.candidates]
                await reply(update, context, t(context, lang_, "ask.faq_results", query=query), keyboard)
            else:
                await reply(update, context, t(context, lang_, "ask.faq_not_found", query=query))
            return
    await reply(update, context, render_entry(get_services(context).texts, lang_, entry),
                _entry_keyboard(context, lang_, knowledge, entry))


def _home(context: Context, lang_: str, knowledge: Knowledge, number: int) -> tuple[str, Keyboard]:
    page = paginate(knowledge.categories, number, CATEGORIES_PER_PAGE)
    keyboard: Keyboard = [[Button(category_title(c, lang_), callback("faq", "c", c.id, 0))] for c in page.items]
    keyboard += _pager(context, lang_, page, lambda n: callback("faq", "h", n))
    return t(context, lang_, "ask.faq_home", page=page.number + 1, pages=page.count), keyboard


def _category(context: Context, lang_: str, knowledge: Knowledge, category_id: str,
              number: int) -> tuple[str, Keyboard] | None:
    category = knowledge.category(category_id)
    if category is None:
        return None
    page = paginate(knowledge.in_category(category_id), number)
    keyboard: Keyboard = [[Button(label(context, lang_, "ask.btn_entry", title=entry_title(e, lang_)),
                                  callback("faq", "e", e.id))] for e in page.items]
    keyboard += _pager(context, lang_, page, lambda n: callback("faq", "c", category_id, n))
    keyboard.append([Button(label(context, lang_, "ask.btn_categories"), callback("faq", "h", 0))])
    html = t(context, lang_, "ask.faq_category", title=category_title(category, lang_),
             page=page.number + 1, pages=page.count)
    return html, keyboard


def _pager(context: Context, lang_: str, page, data) -> Keyboard:
    nav = []
    if page.has_prev:
        nav.append(Button(label(context, lang_, "ask.btn_prev"), data(page.number - 1)))
    if page.has_next:
        nav.append(Button(label(context, lang_, "ask.btn_next"), data(page.number + 1)))
    return [nav] if nav else []


def _entry_keyboard(context: Context, lang_: str, knowledge: Knowledge, entry: Entry) -> Keyboard:
    keyboard: Keyboard = [[Button(label(context, lang_, "ask.btn_entry", title=entry_title(r, lang_)),
                                  callback("faq", "e", r.id))] for r in knowledge.related(entry)]
    category = knowledge.category(entry.category)
    if category is not None:
        position = [e.id for e in knowledge.in_category(category.id)].index(entry.id)
        keyboard.append([Button(label(context, lang_, "ask.btn_back", title=category_title(category, lang_)),
                                callback("faq", "c", category.id, position // PAGE_SIZE))])
    keyboard.append([Button(label(context, lang_, "ask.btn_categories"), callback("faq", "h", 0))])
    return keyboard


async def on_faq_button(update: Update, context: Context) -> None:
    """Browsing is public FAQ content: anyone may press, in any chat; the message is edited."""
    query = update.callback_query
    data = parse_callback(query.data) or Callback("faq", "")
    lang_ = await lang(update, context)
    knowledge = knowledge_of(context)
    action = data.action
    shown: tuple[str, Keyboard] | None = None
    if action == "h":
        shown = _home(context, lang_, knowledge, data.int_arg(0) or 0)
    elif action == "c" and data.args:
        shown = _category(context, lang_, knowledge, data.args[0], data.int_arg(1) or 0)
    elif action == "e" and data.args:
        entry = knowledge.entry(data.args[0])
        if entry is not None:
            shown = (render_entry(get_services(context).texts, lang_, entry),
                     _entry_keyboard(context, lang_, knowledge, entry))
    if shown is None:
        await query.answer(label(context, lang_, "ask.faq_gone"))
        return
    await query.answer()
    await edit_or_reply(update, context, *shown)


# privacy (UU PDP): what this journey stores about a user (bot/triage/desk.py)
PRIVACY_EXPORT = export_questions
PRIVACY_ERASE = forget_questions

PRIVATE_FALLBACK = triage
HANDLERS = [
    CommandHandler("faq", faq),
    CallbackQueryHandler(on_ask_button, pattern=r"^ask:"),
    CallbackQueryHandler(on_faq_button, pattern=r"^faq:"),
]
PRIVATE_COMMANDS = ["faq"]
STAFF_COMMANDS = ["faq"]
