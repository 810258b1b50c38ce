"""Small helpers every journey uses: the user's language, sending rendered text, keyboards,
staff checks, and input checks that answer politely instead of failing."""
from __future__ import annotations

import asyncio
import hashlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.core.buttons import Keyboard
from bot.core.services import Services, get_services
from bot.core.texts import split_message

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
MAX_TEXT = 4000  # what we accept from a user in one message (Telegram allows 4096)
STAFF_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER,
                  ChatMemberStatus.RESTRICTED}


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, url=b.url) if b.url else InlineKeyboardButton(b.text, callback_data=b.data)
          for b in row] for row in keyboard]
    )


async def language_of(context: Context, user_id: int | None) -> str:
    return await get_services(context).accounts.language_of(user_id)


async def lang(update: Update, context: Context) -> str:
    return await language_of(context, update.effective_user.id if update.effective_user else None)


def t(context: Context, lang_: str, name: str, /, **values: object) -> str:
    return get_services(context).texts.render(lang_, name, **values)


def label(context: Context, lang_: str, name: str, /, **values: object) -> str:
    return get_services(context).texts.plain(lang_, name, **values)


async def reply(update: Update, context: Context, html: str, keyboard: Keyboard | None = None) -> Message | None:
    """Answer in the chat the update came from (and its forum topic); long text is split."""
    chat = update.effective_chat
    if chat is None:
        return None
    thread_id = None
    if update.effective_message and update.effective_message.is_topic_message:
        thread_id = update.effective_message.message_thread_id
    parts = split_message(html)
    sent = None
    for i, part in enumerate(parts):
        sent = await send_direct(update, context, chat.id, part, thread_id,
                                 keyboard if i == len(parts) - 1 else None)
    return sent


# A direct reply may take this long (waiting out a 429, retrying a dropped connection) before
# it is handed to the outbox instead; the update's other work has already been committed.
REPLY_BUDGET = 8.0
REPLY_ATTEMPTS = 3


async def send_direct(update: Update, context: Context, chat_id: int, html: str, thread_id: int | None = None,
                      keyboard: Keyboard | None = None) -> Message | None:
    """Send now; a 429 or a transient failure (dropped connection, 5xx, timeout) is waited out
    and retried within REPLY_BUDGET, then the message goes through the outbox (returns None),
    so a failed reply never fails the step it answers. Errors that retrying cannot fix
    (BadRequest, Forbidden) are raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_BUDGET
    for attempt in range(1, REPLY_ATTEMPTS + 1):
        try:
            return await context.bot.send_message(chat_id, html, message_thread_id=thread_id,
                                                  reply_markup=markup(keyboard))
        except RetryAfter as exc:
            wait, problem = _seconds(exc._retry_after) + 0.1, exc  # noqa: SLF001 (avoids PTB's deprecation path)
        except BadRequest:
            raise
        except NetworkError as exc:  # includes TimedOut and 5xx; the message may or may not have arrived
            wait, problem = 0.3 * attempt, exc
        if attempt == REPLY_ATTEMPTS or loop.time() + wait > deadline:
            break
        log.info("reply to %s failed (%s); retrying in %.1fs", chat_id, problem, wait)
        await asyncio.sleep(wait)
    log.warning("reply to %s failed (%s); it goes through the outbox", chat_id, problem)
    key = hashlib.sha1(f"{chat_id}:{thread_id}:{html}".encode()).hexdigest()[:16]
    await get_services(context).outbox.send_text(
        chat_id, html, kind="reply", keyboard=keyboard, thread_id=thread_id,
        dedupe_key=f"reply:{update.update_id}:{key}")
    return None


def _seconds(value: object) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]


async def say(update: Update, context: Context, name: str, keyboard: Keyboard | None = None, /, **values: object) -> Message | None:
    return await reply(update, context, t(context, await lang(update, context), name, **values), keyboard)


async def edit_or_reply(update: Update, context: Context, html: str, keyboard: Keyboard | None = None) -> None:
    """After a button press, replace the buttons' message so old buttons cannot be pressed twice."""
    query = update.callback_query
    if query and query.message and getattr(query.message, "text", None) is not None:
        try:
            await query.edit_message_text(html, reply_markup=markup(keyboard))
            return
        except TelegramError as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("edit failed (%s); sending a new message", exc)
    await reply(update, context, html, keyboard)


async def drop_buttons(update: Update, context: Context | None = None, message_id: int | None = None) -> None:
    """Remove a message's buttons so it cannot be answered twice: the pressed message (after a
    press that settles it), or `message_id` in the update's chat. Failing is harmless: logged."""
    try:
        if message_id is not None and context is not None and update.effective_chat is not None:
            await context.bot.edit_message_reply_markup(update.effective_chat.id, message_id, reply_markup=None)
        elif update.callback_query is not None:
            await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove buttons: %s", exc)


def is_private(update: Update) -> bool:
    return bool(update.effective_chat and update.effective_chat.type == ChatType.PRIVATE)


def is_staff_chat(update: Update, context: Context) -> bool:
    chat = update.effective_chat
    return bool(chat and chat.id == get_services(context).settings.staff_chat_id)


async def is_consultant(context: Context, user_id: int) -> bool:
    """Members of the staff group are consultants; asked of Telegram, remembered briefly."""
    svc: Services = get_services(context)
    if svc.settings.staff_chat_id is None:
        return False
    cached = svc.staff_cache.get(user_id)
    if cached is not None:
        return cached
    try:
        member = await context.bot.get_chat_member(svc.settings.staff_chat_id, user_id)
        answer = member.status in STAFF_STATUSES
    except TelegramError as exc:
        log.info("membership check for %s failed: %s", user_id, exc)
        answer = False
    svc.staff_cache.put(user_id, answer)
    return answer


def is_admin(context: Context, user_id: int) -> bool:
    return get_services(context).settings.is_admin(user_id)


async def text_input(update: Update, context: Context, max_len: int = MAX_TEXT) -> str | None:
    """The message's text if it is usable; otherwise answer politely and return None."""
    message = update.effective_message
    text = message.text if message else None
    if text is None:
        await say(update, context, "common.need_text")
        return None
    text = text.strip()
    if not text:
        await say(update, context, "common.empty_text")
        return None
    if len(text) > max_len:
        await say(update, context, "common.too_long", limit=max_len, length=len(text))
        return None
    return text
