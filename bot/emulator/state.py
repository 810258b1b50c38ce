"""The emulated Telegram world: users, chats, messages, topics, files and the update queue."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import CHAT_NOT_FOUND, bad_request
from .views import BotMessage, Signal

# Update types delivered when the bot never said which ones it wants (as on Telegram).
ALL_UPDATE_TYPES = frozenset(
    "message edited_message channel_post edited_channel_post business_connection business_message "
    "edited_business_message deleted_business_messages message_reaction message_reaction_count "
    "inline_query chosen_inline_result callback_query shipping_query pre_checkout_query "
    "purchased_paid_media poll poll_answer my_chat_member chat_member chat_join_request "
    "chat_boost removed_chat_boost".split()
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}
GROUP_TYPES = ("group", "supergroup")


@dataclass(eq=False)
class UserRecord:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "id"
    last_name: str | None = None
    is_bot: bool = False
    blocked: bool = False  # the user blocked the bot
    started: bool = True  # the user has opened a private chat with the bot

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(eq=False)
class FileRecord:
    file_id: str
    file_unique_id: str
    kind: str  # photo, document, voice, audio, video, sticker, animation
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    thumb: FileRecord | None = None  # photos come in two sizes; this is the small one

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                                "file_size": len(self.data)}
        if self.kind == "photo":
            return base | {"width": self.width, "height": self.height}
        if self.kind == "sticker":
            return base | {"width": self.width, "height": self.height, "is_animated": False,
                           "is_video": False, "type": "regular", "emoji": "\U0001F44D"}
        if self.kind in ("video", "animation"):
            base |= {"width": self.width, "height": self.height, "duration": self.duration}
        elif self.kind in ("voice", "audio"):
            base["duration"] = self.duration
        if self.file_name and self.kind != "voice":
            base["file_name"] = self.file_name
        if self.mime_type:
            base["mime_type"] = self.mime_type
        return base


@dataclass(eq=False)
class TopicRecord:
    thread_id: int
    name: str
    icon_color: int = 0x6FB9F0
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message_thread_id": self.thread_id, "name": self.name,
                                "icon_color": self.icon_color}
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass(eq=False)
class MessageRecord:
    chat: ChatRecord
    message_id: int
    sender: UserRecord
    date: int
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict] = field(default_factory=list)
    source: str | None = None  # text or caption as sent, before entity parsing
    reply_markup: dict | None = None  # inline keyboard only; Telegram echoes no other markup
    thread_id: int | None = None
    is_topic_message: bool = False
    reply_to: MessageRecord | None = None
    media: dict[str, Any] = field(default_factory=dict)  # e.g. {"photo": [...]} or {"document": {...}}
    media_group_id: str | None = None
    service: dict[str, Any] = field(default_factory=dict)  # e.g. {"forum_topic_created": {...}}
    forward_origin: dict | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def kind(self) -> str:
        if self.service:
            return "service"
        return next(iter(self.media), "text")

    def to_json(self, nested: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_json(),
            "chat": self.chat.to_json(),
            "date": self.date,
        }
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
        if self.is_topic_message:
            data["is_topic_message"] = True
        if self.reply_to is not None and not nested:
            data["reply_to_message"] = self.reply_to.to_json(nested=True)
        if self.forward_origin:
            data["forward_origin"] = self.forward_origin
        if self.edit_date:
            data["edit_date"] = self.edit_date
        if self.media_group_id:
            data["media_group_id"] = self.media_group_id
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        data.update(self.media)
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        data.update(self.service)
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data

    def snapshot(self, event: str = "new", reply_keyboard: Any = None) -> BotMessage:
        keyboard = (self.reply_markup or {}).get("inline_keyboard", [])
        return BotMessage(
            message_id=self.message_id,
            chat_id=self.chat.id,
            text=(self.text if self.text is not None else self.caption) or "",
            html=self.source,
            caption=self.caption,
            kind=self.kind,
            thread_id=self.thread_id,
            is_topic_message=self.is_topic_message,
            reply_to=self.reply_to.message_id if self.reply_to else None,
            keyboard=tuple(tuple(row) for row in keyboard),
            reply_keyboard=reply_keyboard,
            from_bot=self.from_bot,
            sender_id=self.sender.id,
            event=event,
            media_group_id=self.media_group_id,
            date=self.date,
            raw=self.to_json(),
        )


@dataclass(eq=False)
class ChatRecord:
    id: int
    type: str  # private | supergroup
    title: str | None = None
    user: UserRecord | None = None  # the other party of a private chat
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)  # user id -> member/administrator/creator/left/kicked
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    topics: dict[int, TopicRecord] = field(default_factory=dict)
    reply_keyboard: tuple[tuple[str, ...], ...] | None = None  # the keyboard the user currently sees
    next_id: int = 1

    def new_message_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def to_json(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            data = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            for key in ("last_name", "username"):
                if getattr(self.user, key):
                    data[key] = getattr(self.user, key)
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> dict[str, Any]:
        gifts = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                 "premium_subscription": False, "gifts_from_channels": False}
        return self.to_json() | {"accent_color_id": abs(self.id) % 7, "max_reaction_count": 11,
                                 "accepted_gift_types": gifts}

    def live_messages(self) -> list[MessageRecord]:
        return [m for m in self.messages.values() if not m.deleted]


@dataclass(eq=False)
class CallbackRecord:
    id: str
    user: UserRecord
    message: MessageRecord
    data: str
    answer: dict | None = None


class World:
    """All state of the emulated Telegram, shared by the HTTP methods and the scenario helpers."""

    def __init__(self, bot_user: UserRecord, clock: Callable[[], float]) -> None:
        self.bot = bot_user
        self.clock = clock
        self.users: dict[int, UserRecord] = {bot_user.id: bot_user}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self.updates: list[dict] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.callbacks: dict[str, CallbackRecord] = {}
        self.events: list[BotMessage] = []  # every send, edit and deletion by the bot, in order
        self.listeners: list[Callable[[BotMessage], None]] = []
        self.signal = Signal()
        self.commands: dict[str, list[dict]] = {}
        self.descriptions: dict[str, str] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token, sent as X-Telegram-Bot-Api-Secret-Token
        self._counter = 0

    def now(self) -> int:
        return int(self.clock())

    def serial(self) -> int:
        self._counter += 1
        return self._counter

    def chat(self, chat_id: object) -> ChatRecord:
        try:
            return self.chats[int(str(chat_id))]
        except (KeyError, ValueError):
            raise bad_request(CHAT_NOT_FOUND) from None

    def push_update(self, kind: str, payload: dict) -> dict | None:
        """Queue an update unless the bot's allowed_updates exclude it (then Telegram drops it)."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.signal.notify()
        return update

    def emit(self, message: MessageRecord, event: str) -> BotMessage:
        snap = message.snapshot(event, message.chat.reply_keyboard)
        if message.from_bot and not message.service:
            self.events.append(snap)
            for listener in list(self.listeners):
                listener(snap)
        self.signal.notify()
        return snap

    def add_message(self, chat: ChatRecord, sender: UserRecord, **fields: Any) -> MessageRecord:
        message = MessageRecord(chat=chat, message_id=chat.new_message_id(), sender=sender,
                                date=self.now(), **fields)
        chat.messages[message.message_id] = message
        return message

    def add_file(self, kind: str, data: bytes, *, file_name: str | None = None,
                 mime_type: str | None = None, width: int = 0, height: int = 0,
                 duration: int = 0) -> FileRecord:
        n = self.serial()
        digest = hashlib.sha1(data + str(n).encode()).hexdigest()
        unique = "AQAD" + hashlib.sha1(data).hexdigest()[:12]
        file_id = f"{kind[:2].upper()}ACAgEAAx{n:05d}{digest[:20]}"
        extension = (file_name or "").rsplit(".", 1)[-1] if file_name and "." in file_name else {
            "photo": "jpg", "voice": "oga", "audio": "mp3", "video": "mp4", "sticker": "webp",
            "animation": "mp4"}.get(kind, "bin")
        folder = {"photo": "photos", "voice": "voice", "audio": "music", "video": "videos",
                  "sticker": "stickers", "animation": "animations"}.get(kind, "documents")
        record = FileRecord(file_id=file_id, file_unique_id=f"{unique}{n}", kind=kind, data=data,
                            file_path=f"{folder}/file_{n}.{extension}", file_name=file_name,
                            mime_type=mime_type, width=width, height=height, duration=duration)
        self.files[file_id] = record
        return record

    def file_by_path(self, path: str) -> FileRecord | None:
        return next((f for f in self.files.values() if f.file_path == path), None)
