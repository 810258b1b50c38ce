"""Text messages: send, edit, delete, copy, forward, and answering button presses."""

from __future__ import annotations

from typing import Any

from . import errors as e
from .calls import Call, bot_message, caption_of, deliver, place, target_chat
from .errors import bad_request
from .validation import check_markup, format_text


def send_message(call: Call) -> dict:
    chat = target_chat(call)
    params = call.params
    source = params.raw("text")
    text, entities = format_text(source, params.str("parse_mode"), params.json("entities"),
                                 strict=call.strict_html)
    return deliver(call, chat, text=text, entities=entities, source=str(source)).to_json()


def _finish_edit(call: Call, message, changed: bool, new_markup: dict | None) -> dict:
    if not changed and new_markup == message.reply_markup:
        raise bad_request(e.NOT_MODIFIED)
    message.reply_markup = new_markup
    message.edit_date = call.world.now()
    call.world.emit(message, "edit")
    return message.to_json()


def edit_message_text(call: Call) -> dict:
    message = bot_message(call, e.EDIT_NOT_FOUND)
    params = call.params
    if not message.from_bot:
        raise bad_request(e.CANT_EDIT)
    if message.text is None:
        raise bad_request(e.NO_TEXT_TO_EDIT)
    source = params.raw("text")
    text, entities = format_text(source, params.str("parse_mode"), params.json("entities"),
                                 strict=call.strict_html)
    # Like Telegram: an edit without reply_markup removes the inline keyboard.
    markup = check_markup(params.json("reply_markup", "reply keyboard markup")).inline
    changed = (text, entities) != (message.text, message.entities)
    message.text, message.entities, message.source = text, entities, str(source)
    return _finish_edit(call, message, changed, markup)


def edit_message_caption(call: Call) -> dict:
    message = bot_message(call, e.EDIT_NOT_FOUND)
    if not message.from_bot:
        raise bad_request(e.CANT_EDIT)
    if not message.media:
        raise bad_request(e.NO_CAPTION_TO_EDIT)
    caption, entities = caption_of(call)
    markup = check_markup(call.params.json("reply_markup", "reply keyboard markup")).inline
    changed = (caption, entities) != (message.caption, message.caption_entities)
    message.caption, message.caption_entities = caption, entities
    message.source = call.params.str("caption")
    return _finish_edit(call, message, changed, markup)


def edit_message_reply_markup(call: Call) -> dict:
    message = bot_message(call, e.EDIT_NOT_FOUND)
    if not message.from_bot:
        raise bad_request(e.CANT_EDIT)
    markup = check_markup(call.params.json("reply_markup", "reply keyboard markup")).inline
    return _finish_edit(call, message, False, markup)


def delete_message(call: Call) -> bool:
    message = bot_message(call, e.DELETE_NOT_FOUND)
    _delete(call, message)
    return True


def delete_messages(call: Call) -> bool:
    chat = call.world.chat(call.params.require("chat_id"))
    for message_id in call.params.json("message_ids") or []:
        message = chat.messages.get(int(message_id))
        if message is not None and not message.deleted:
            _delete(call, message)
    return True


def _delete(call: Call, message) -> None:
    if message.service.get("forum_topic_created"):
        raise bad_request("message can't be deleted")
    message.deleted = True
    call.world.emit(message, "delete")


def _source_message(call: Call, not_found: str):
    params = call.params
    source_chat = call.world.chat(params.require("from_chat_id"))
    message = source_chat.messages.get(params.int("message_id") or 0)
    if message is None or message.deleted:
        raise bad_request(not_found)
    return message


def copy_message(call: Call) -> dict:
    original = _source_message(call, e.COPY_NOT_FOUND)
    if original.service:
        raise bad_request("message can't be copied")
    chat = target_chat(call)
    fields: dict[str, Any] = {"media": dict(original.media)}
    if original.text is not None:
        fields.update(text=original.text, entities=list(original.entities), source=original.source)
    elif call.params.has("caption"):
        caption, entities = caption_of(call)
        fields.update(caption=caption, caption_entities=entities, source=call.params.str("caption"))
    else:
        fields.update(caption=original.caption, caption_entities=list(original.caption_entities),
                      source=original.source)
    return {"message_id": deliver(call, chat, **fields).message_id}


def forward_message(call: Call) -> dict:
    original = _source_message(call, e.FORWARD_NOT_FOUND)
    if original.service:
        raise bad_request("message can't be forwarded")
    chat = target_chat(call)
    origin = original.forward_origin or {"type": "user", "sender_user": original.sender.to_json(),
                                         "date": original.date}
    call.params.values.pop("reply_markup", None)
    message = deliver(call, chat, text=original.text, entities=list(original.entities),
                      caption=original.caption, caption_entities=list(original.caption_entities),
                      media=dict(original.media), forward_origin=origin, source=original.source)
    return message.to_json()


def answer_callback_query(call: Call) -> bool:
    query = call.world.callbacks.get(str(call.params.require("callback_query_id")))
    if query is None or query.answer is not None:
        raise bad_request(e.QUERY_TOO_OLD)
    text = call.params.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {"text": text, "show_alert": call.params.bool("show_alert"),
                    "url": call.params.str("url")}
    call.world.signal.notify()
    return True


def send_chat_action(call: Call) -> bool:
    chat = target_chat(call)
    place(chat, call.params.int("message_thread_id"), None)
    return True


def acknowledge_in_chat(call: Call) -> bool:
    """pinChatMessage, unpinChatMessage, setMessageReaction...: checked chat, nothing kept."""
    call.world.chat(call.params.require("chat_id"))
    return True


METHODS = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
    "pinChatMessage": acknowledge_in_chat,
    "unpinChatMessage": acknowledge_in_chat,
    "unpinAllChatMessages": acknowledge_in_chat,
    "setMessageReaction": acknowledge_in_chat,
}
