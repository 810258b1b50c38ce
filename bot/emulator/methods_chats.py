"""Chats, members and forum topics."""

from __future__ import annotations

from typing import Any

from . import errors as e
from .calls import Call
from .errors import bad_request
from .state import GROUP_TYPES, ChatRecord, TopicRecord, UserRecord

TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
_ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                 "can_restrict_members", "can_promote_members", "can_change_info",
                 "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
                 "can_pin_messages", "can_manage_topics")


def member_json(user: UserRecord, status: str) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status, "user": user.to_json()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update({"can_be_edited": False, "is_anonymous": False})
        data.update({right: True for right in _ADMIN_RIGHTS})
    elif status == "kicked":
        data["until_date"] = 0
    return data


def status_in(chat: ChatRecord, user: UserRecord) -> str:
    if chat.type == "private":
        return "member"
    return chat.members.get(user.id, "left")


def get_chat(call: Call) -> dict:
    return call.world.chat(call.params.require("chat_id")).full_info()


def get_chat_member(call: Call) -> dict:
    chat = call.world.chat(call.params.require("chat_id"))
    user = call.world.users.get(call.params.int("user_id") or 0)
    if user is None:
        raise bad_request(e.USER_NOT_FOUND)
    return member_json(user, status_in(chat, user))


def get_chat_administrators(call: Call) -> list[dict]:
    chat = call.world.chat(call.params.require("chat_id"))
    if chat.type not in GROUP_TYPES:
        return [member_json(u, "member") for u in (chat.user, call.world.bot) if u is not None]
    return [member_json(call.world.users[uid], status) for uid, status in chat.members.items()
            if status in ("creator", "administrator")]


def get_chat_member_count(call: Call) -> int:
    chat = call.world.chat(call.params.require("chat_id"))
    if chat.type == "private":
        return 2
    return sum(1 for status in chat.members.values() if status not in ("left", "kicked"))


def leave_chat(call: Call) -> bool:
    chat = call.world.chat(call.params.require("chat_id"))
    chat.members[call.world.bot.id] = "left"
    return True


def _forum(call: Call) -> ChatRecord:
    chat = call.world.chat(call.params.require("chat_id"))
    if not chat.is_forum:
        raise bad_request(e.NOT_A_FORUM)
    return chat


def _topic(call: Call) -> tuple[ChatRecord, TopicRecord]:
    chat = _forum(call)
    topic = chat.topics.get(call.params.int("message_thread_id") or 0)
    if topic is None or topic.deleted:
        raise bad_request(e.THREAD_NOT_FOUND)
    return chat, topic


def _service(call: Call, chat: ChatRecord, topic: TopicRecord, payload: dict) -> None:
    root = chat.messages.get(topic.thread_id)
    message = call.world.add_message(chat, call.world.bot, thread_id=topic.thread_id,
                                     is_topic_message=True, reply_to=root, service=payload)
    call.world.emit(message, "new")


def create_forum_topic(call: Call) -> dict:
    chat = _forum(call)
    name = (call.params.str("name") or "").strip()
    if not name:
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_TOO_LONG")
    color = call.params.int("icon_color") or TOPIC_COLORS[len(chat.topics) % len(TOPIC_COLORS)]
    if color not in TOPIC_COLORS:
        raise bad_request("invalid icon_color specified")
    created = {"name": name, "icon_color": color}
    emoji = call.params.str("icon_custom_emoji_id")
    if emoji:
        created["icon_custom_emoji_id"] = emoji
    root = call.world.add_message(chat, call.world.bot, service={"forum_topic_created": created})
    root.thread_id, root.is_topic_message = root.message_id, True
    topic = TopicRecord(thread_id=root.message_id, name=name, icon_color=color, icon_custom_emoji_id=emoji)
    chat.topics[topic.thread_id] = topic
    call.world.emit(root, "new")
    return topic.to_json()


def edit_forum_topic(call: Call) -> bool:
    chat, topic = _topic(call)
    name = call.params.str("name")
    emoji = call.params.str("icon_custom_emoji_id")
    if name is not None and not name.strip():
        raise bad_request("TOPIC_TITLE_EMPTY")
    if (name is None or name == topic.name) and (emoji is None or emoji == (topic.icon_custom_emoji_id or "")):
        raise bad_request(e.TOPIC_NOT_MODIFIED)
    edited: dict[str, Any] = {}
    if name is not None:
        topic.name = edited["name"] = name
    if emoji is not None:
        topic.icon_custom_emoji_id = emoji or None
        edited["icon_custom_emoji_id"] = emoji
    _service(call, chat, topic, {"forum_topic_edited": edited})
    return True


def _set_closed(call: Call, closed: bool) -> bool:
    chat, topic = _topic(call)
    if topic.closed == closed:
        raise bad_request(e.TOPIC_NOT_MODIFIED)
    topic.closed = closed
    _service(call, chat, topic, {"forum_topic_closed" if closed else "forum_topic_reopened": {}})
    return True


def close_forum_topic(call: Call) -> bool:
    return _set_closed(call, True)


def reopen_forum_topic(call: Call) -> bool:
    return _set_closed(call, False)


def delete_forum_topic(call: Call) -> bool:
    chat, topic = _topic(call)
    topic.deleted = True
    for message in chat.messages.values():
        if message.thread_id == topic.thread_id and not message.deleted:
            message.deleted = True
            call.world.emit(message, "delete")
    return True


def unpin_all_forum_topic_messages(call: Call) -> bool:
    _topic(call)
    return True


def get_forum_topic_icon_stickers(call: Call) -> list:
    return []


METHODS = {
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": close_forum_topic,
    "reopenForumTopic": reopen_forum_topic,
    "deleteForumTopic": delete_forum_topic,
    "unpinAllForumTopicMessages": unpin_all_forum_topic_messages,
    "getForumTopicIconStickers": get_forum_topic_icon_stickers,
}
