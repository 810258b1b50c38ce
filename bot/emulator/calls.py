"""What every message-sending method shares: the target chat, the thread, the reply, delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors as e
from .errors import bad_request, forbidden
from .state import GROUP_TYPES, ChatRecord, MessageRecord, World
from .validation import Markup, Params, check_markup, format_text


@dataclass
class Call:
    world: World
    params: Params
    strict_html: bool = True


Method = Callable[[Call], Any]


def target_chat(call: Call, name: str = "chat_id") -> ChatRecord:
    """The chat a bot wants to post into, refused like Telegram when it may not."""
    chat = call.world.chat(call.params.require(name))
    if chat.type == "private" and chat.user is not None:
        if chat.user.blocked:
            raise forbidden(e.BLOCKED)
        if not chat.user.started:
            raise forbidden(e.NOT_STARTED)
    elif chat.members.get(call.world.bot.id) in ("left", "kicked", None):
        raise forbidden("bot is not a member of the supergroup chat")
    return chat


def place(chat: ChatRecord, thread_id: int | None, reply: MessageRecord | None
          ) -> tuple[int | None, bool, MessageRecord | None]:
    """(message_thread_id, is_topic_message, reply_to_message) for a new message, as Telegram
    assigns them: in a forum topic the reply defaults to the topic's creation message; in a
    plain supergroup a reply carries the id of its thread's first message (not a topic!)."""
    if thread_id is not None:
        topic = chat.topics.get(thread_id) if chat.is_forum else None
        if topic is None or topic.deleted:
            raise bad_request(e.THREAD_NOT_FOUND)
    if chat.is_forum:
        if thread_id is None and reply is not None and reply.is_topic_message:
            thread_id = reply.thread_id
        if thread_id is not None:
            return thread_id, True, reply or chat.messages.get(thread_id)
        return None, False, reply
    if chat.type in GROUP_TYPES and reply is not None:
        return (reply.thread_id or reply.message_id), False, reply
    return None, False, reply


def reply_target(call: Call, chat: ChatRecord) -> MessageRecord | None:
    params = call.params
    reply = params.json("reply_parameters") or {}
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    if message_id is None:
        message_id = params.int("reply_to_message_id")
    if message_id is None:
        return None
    source = chat
    if isinstance(reply, dict) and reply.get("chat_id") not in (None, chat.id, str(chat.id)):
        source = call.world.chat(reply["chat_id"])
    found = source.messages.get(int(message_id))
    if found is None or found.deleted:
        allow = (isinstance(reply, dict) and reply.get("allow_sending_without_reply")) or \
            params.bool("allow_sending_without_reply")
        if allow:
            return None
        raise bad_request(e.REPLY_NOT_FOUND)
    return found


def caption_of(call: Call, name: str = "caption", parse_mode: str | None = None,
               entities_name: str = "caption_entities") -> tuple[str | None, list[dict]]:
    params = call.params
    return format_text(params.raw(name), parse_mode or params.str("parse_mode"),
                       params.json(entities_name), caption=True, strict=call.strict_html)


def deliver(call: Call, chat: ChatRecord, **fields: Any) -> MessageRecord:
    """Store a bot message in its chat (thread, reply and markup from the call) and announce it."""
    params = call.params
    markup = check_markup(params.json("reply_markup", "reply keyboard markup"))
    thread_id, is_topic, reply = place(chat, params.int("message_thread_id"), reply_target(call, chat))
    apply_reply_keyboard(chat, markup)
    message = call.world.add_message(chat, call.world.bot, thread_id=thread_id, is_topic_message=is_topic,
                                     reply_to=reply, reply_markup=markup.inline, **fields)
    call.world.emit(message, "new")
    return message


def apply_reply_keyboard(chat: ChatRecord, markup: Markup) -> None:
    if markup.reply_keyboard is not None:
        chat.reply_keyboard = markup.reply_keyboard
    elif markup.removes_keyboard:
        chat.reply_keyboard = None


def bot_message(call: Call, not_found: str) -> MessageRecord:
    """The message named by chat_id + message_id (inline messages are not emulated)."""
    params = call.params
    if params.has("inline_message_id") and not params.has("chat_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = call.world.chat(params.require("chat_id"))
    message = chat.messages.get(params.int("message_id") or 0)
    if message is None or message.deleted:
        raise bad_request(not_found)
    return message
