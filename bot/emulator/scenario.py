"""Scenario helpers: people who talk to the bot, and ways to wait for what it answers.

    manager = api.add_user(1001, "Sari")
    staff = api.add_group(-1001234567890, "Konsultan", forum=True, members=[budi])
    await manager.command("/start")
    hello = await manager.next_message()
    await manager.press("Bahasa Indonesia")

Every wait is a condition on the emulator's state, woken by each change; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .calls import place
from .methods_chats import member_json
from .methods_media import store_upload
from .samples import SAMPLE_PDF, SAMPLE_STICKER, SAMPLE_VOICE, sample_png
from .state import CallbackRecord, ChatRecord, MessageRecord, UserRecord, World
from .views import BotMessage, CallbackAnswer

if TYPE_CHECKING:
    from .server import FakeBotApi

GENERAL = 0  # as a thread_id filter: only messages outside any forum topic
MessageRef = BotMessage | MessageRecord | int


@dataclass(frozen=True)
class TopicInfo:
    thread_id: int
    name: str
    closed: bool
    deleted: bool
    icon_color: int


def in_thread(message_thread: int | None, wanted: int | None) -> bool:
    """Thread filter: None matches everything, GENERAL (0) only messages outside topics."""
    if wanted is None:
        return True
    return message_thread is None if wanted == GENERAL else message_thread == wanted


class _Inbox:
    """A reading position in the bot's outgoing messages (sends, edits, deletions) of one chat."""

    def __init__(self, api: FakeBotApi, chat_id: int, thread_id: int | None = None) -> None:
        self.api, self.chat_id, self.thread_id, self.cursor = api, chat_id, thread_id, 0

    def _matches(self, event: BotMessage) -> bool:
        return event.chat_id == self.chat_id and in_thread(event.thread_id, self.thread_id)

    async def take(self, predicate: Callable[[BotMessage], Any] | None, timeout: float, who: str) -> BotMessage:
        events = self.api.world.events

        def find() -> tuple[int, BotMessage] | None:
            for index in range(self.cursor, len(events)):
                event = events[index]
                if self._matches(event) and (predicate is None or predicate(event)):
                    return index, event
            return None

        try:
            index, event = await self.api.world.signal.wait_until(find, timeout)
        except TimeoutError:
            seen = [str(e) for e in events[self.cursor:] if self._matches(e)][-5:]
            raise TimeoutError(
                f"no {'matching ' if predicate else ''}bot message for {who} within {timeout}s."
                f"\n  unread here: {seen or 'none'}{self.api.rejection_summary()}") from None
        self.cursor = index + 1
        return event

    def drain(self) -> list[BotMessage]:
        events = self.api.world.events
        unread = [e for e in events[self.cursor:] if self._matches(e)]
        self.cursor = len(events)
        return unread


class FakeUser:
    """A Telegram user: a manager in a private chat, or a consultant in the staff group."""

    def __init__(self, api: FakeBotApi, record: UserRecord) -> None:
        self.api = api
        self.record = record
        self._inbox = _Inbox(api, record.id)

    id = property(lambda self: self.record.id)
    first_name = property(lambda self: self.record.first_name)
    username = property(lambda self: self.record.username)
    chat_id = property(lambda self: self.record.id)

    def __repr__(self) -> str:
        return f"FakeUser({self.id}, {self.first_name!r})"

    def to_json(self) -> dict:
        return self.record.to_json()

    # -- talking -----------------------------------------------------------------------------
    async def send(self, text: str, *, reply_to: MessageRef | None = None) -> BotMessage:
        return await self._post(None, text=text, reply_to=reply_to)

    async def send_in(self, group: FakeGroup, text: str, reply_to: MessageRef | None = None,
                      thread_id: int | None = None) -> BotMessage:
        return await self._post(group, text=text, reply_to=reply_to, thread_id=thread_id)

    async def command(self, command: str, *, group: FakeGroup | None = None,
                      thread_id: int | None = None, reply_to: MessageRef | None = None) -> BotMessage:
        """`/start`, `/start ref_1` or `/tiket@bot`: text with a proper bot_command entity."""
        text = command if command.startswith("/") else "/" + command
        length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
        return await self._post(group, text=text, reply_to=reply_to, thread_id=thread_id,
                                entities=[{"type": "bot_command", "offset": 0, "length": length}])

    async def send_photo(self, caption: str | None = None, *, data: bytes | None = None,
                         group: FakeGroup | None = None, thread_id: int | None = None,
                         reply_to: MessageRef | None = None) -> BotMessage:
        media = self._media("photo", data or sample_png())
        return await self._post(group, media=media, caption=caption, thread_id=thread_id, reply_to=reply_to)

    async def send_document(self, filename: str = "laporan.pdf", data: bytes | None = None, *,
                            mime_type: str | None = None, caption: str | None = None,
                            group: FakeGroup | None = None, thread_id: int | None = None,
                            reply_to: MessageRef | None = None) -> BotMessage:
        media = self._media("document", data or SAMPLE_PDF, filename, mime_type)
        return await self._post(group, media=media, caption=caption, thread_id=thread_id, reply_to=reply_to)

    async def send_sticker(self, *, group: FakeGroup | None = None, thread_id: int | None = None) -> BotMessage:
        return await self._post(group, media=self._media("sticker", SAMPLE_STICKER), thread_id=thread_id)

    async def send_voice(self, duration: int = 3, *, caption: str | None = None,
                         group: FakeGroup | None = None, thread_id: int | None = None) -> BotMessage:
        record = store_upload(self.api.world, "voice", SAMPLE_VOICE, "voice.ogg", "audio/ogg")
        record.duration = duration
        return await self._post(group, media={"voice": record.to_json()}, caption=caption, thread_id=thread_id)

    async def send_album(self, n: int = 2, caption: str | None = None, *, group: FakeGroup | None = None,
                         thread_id: int | None = None) -> list[BotMessage]:
        """`n` photos sharing a media_group_id (the caption on the first, as Telegram clients do)."""
        group_id = str(14_000_000_000_000_000 + self.api.world.serial())
        shades = [(46, 125, 50), (21, 101, 192), (198, 40, 40), (249, 168, 37)]
        sent = []
        for i in range(n):
            media = self._media("photo", sample_png(rgb=shades[i % len(shades)]))
            sent.append(await self._post(group, media=media, caption=caption if i == 0 else None,
                                         thread_id=thread_id, media_group_id=group_id))
        return sent

    async def edit(self, message: MessageRef, text: str) -> BotMessage:
        """Edit one of this user's own text messages (an edited_message update)."""
        record = self.api.message_record(message, self.api.world.chats[self.id])
        if record.sender is not self.record:
            raise ValueError("a user can only edit their own messages")
        record.text, record.entities, record.edit_date = text, [], self.api.world.now()
        self.api.world.push_update("edited_message", record.to_json())
        self.api.world.signal.notify()
        await asyncio.sleep(0)
        return record.snapshot("edit")

    async def press(self, label: str, message: MessageRef | None = None, *, group: FakeGroup | None = None,
                    timeout: float = 5.0) -> CallbackAnswer:
        """Press the inline button labelled `label` (exact, else contained) on `message`, or on
        the newest bot message that has one (in the private chat, or in `group`); returns the
        bot's answerCallbackQuery once it comes."""
        chat = self.api.world.chats[group.id if group else self.id]
        record, button = self.api.find_button(chat, label, message)
        if "callback_data" not in button:
            raise ValueError(f"button {button.get('text')!r} is not a callback button: {button}")
        return await self.api.press_data(self, record, button["callback_data"], timeout=timeout)

    # -- reading -----------------------------------------------------------------------------
    async def next_message(self, timeout: float = 5.0) -> BotMessage:
        """The next unread bot message, edit or deletion in this user's private chat."""
        return await self._inbox.take(None, timeout, f"{self.first_name} (private chat)")

    async def wait_for(self, predicate: Callable[[BotMessage], Any], timeout: float = 5.0) -> BotMessage:
        """The first unread event in the private chat satisfying `predicate` (earlier unread ones
        are passed over)."""
        return await self._inbox.take(predicate, timeout, f"{self.first_name} (private chat)")

    def skip(self) -> list[BotMessage]:
        """Mark every event so far as read; returns them."""
        return self._inbox.drain()

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in the private chat as they are now (edits applied, deletions gone)."""
        chat = self.api.world.chats[self.id]
        return [m.snapshot() for m in chat.live_messages() if m.from_bot and not m.service]

    @property
    def last_message(self) -> BotMessage | None:
        found = self.messages
        return found[-1] if found else None

    @property
    def keyboard(self) -> tuple[tuple[str, ...], ...] | None:
        """The reply keyboard the user currently sees under the input field."""
        return self.api.world.chats[self.id].reply_keyboard

    # -- internals ---------------------------------------------------------------------------
    def _media(self, kind: str, data: bytes, filename: str | None = None, mime: str | None = None) -> dict:
        record = store_upload(self.api.world, kind, data, filename, mime)
        if kind == "photo":
            sizes = [record.thumb.to_json()] if record.thumb else []
            return {"photo": sizes + [record.to_json()]}
        return {kind: record.to_json()}

    async def _post(self, group: FakeGroup | None, *, text: str | None = None, entities: list | None = None,
                    media: dict | None = None, caption: str | None = None, reply_to: MessageRef | None = None,
                    thread_id: int | None = None, media_group_id: str | None = None) -> BotMessage:
        world: World = self.api.world
        chat = world.chats[group.id if group else self.id]
        if group is None:
            if self.record.blocked:
                raise RuntimeError(f"{self.first_name} has blocked the bot; call api.unblock(user) first")
            self.record.started = True
        elif chat.members.get(self.id) not in ("member", "administrator", "creator"):
            raise RuntimeError(f"{self.first_name} is not a member of {chat.title!r}")
        reply = self.api.message_record(reply_to, chat) if reply_to is not None else None
        thread, is_topic, reply = place(chat, thread_id, reply)
        topic = chat.topics.get(thread) if thread else None
        if topic and topic.closed and chat.members.get(self.id) not in ("administrator", "creator"):
            raise RuntimeError(f"topic {topic.name!r} is closed; only admins may write there")
        message = world.add_message(chat, self.record, text=text, entities=entities or [], media=media or {},
                                    caption=caption, reply_to=reply, thread_id=thread, is_topic_message=is_topic,
                                    media_group_id=media_group_id, source=text if text is not None else caption)
        world.push_update("message", message.to_json())
        world.emit(message, "new")
        await asyncio.sleep(0)
        return message.snapshot()


class FakeGroup:
    """A staff supergroup, optionally a forum with one topic per ticket."""

    def __init__(self, api: FakeBotApi, chat: ChatRecord) -> None:
        self.api = api
        self.chat = chat
        self._inboxes: dict[Any, _Inbox] = {}

    id = property(lambda self: self.chat.id)
    title = property(lambda self: self.chat.title)
    forum = property(lambda self: self.chat.is_forum)

    def __repr__(self) -> str:
        return f"FakeGroup({self.id}, {self.title!r}, forum={self.forum})"

    def messages(self, thread_id: int | None = None) -> list[BotMessage]:
        """The bot's live messages: all, or those of one topic (GENERAL: outside any topic)."""
        return [m.snapshot() for m in self.chat.live_messages()
                if m.from_bot and not m.service and in_thread(m.thread_id, thread_id)]

    @property
    def topics(self) -> list[TopicInfo]:
        return [TopicInfo(t.thread_id, t.name, t.closed, t.deleted, t.icon_color) for t in self.chat.topics.values()]

    def topic(self, name: str) -> TopicInfo:
        live = [t for t in self.topics if not t.deleted]
        found = [t for t in live if t.name == name] or [t for t in live if name.lower() in t.name.lower()]
        if not found:
            raise LookupError(f"no topic named {name!r}; topics: {[t.name for t in live]}")
        return found[-1]

    async def next_message(self, timeout: float = 5.0, thread_id: int | None = None) -> BotMessage:
        return await self._inbox(thread_id).take(None, timeout, f"group {self.title!r}")

    async def wait_for(self, predicate: Callable[[BotMessage], Any], timeout: float = 5.0,
                       thread_id: int | None = None) -> BotMessage:
        return await self._inbox(thread_id).take(predicate, timeout, f"group {self.title!r}")

    def skip(self, thread_id: int | None = None) -> list[BotMessage]:
        return self._inbox(thread_id).drain()

    def add_member(self, user: FakeUser, admin: bool = False) -> None:
        self._set_status(user, "administrator" if admin else "member")

    def remove_member(self, user: FakeUser) -> None:
        self._set_status(user, "left")

    def _inbox(self, thread_id: int | None) -> _Inbox:
        if thread_id not in self._inboxes:
            self._inboxes[thread_id] = _Inbox(self.api, self.id, thread_id)
        return self._inboxes[thread_id]

    def _set_status(self, user: FakeUser, status: str) -> None:
        old = self.chat.members.get(user.id, "left")
        self.chat.members[user.id] = status
        self.api.world.push_update("chat_member", {
            "chat": self.chat.to_json(), "from": user.to_json(), "date": self.api.world.now(),
            "old_chat_member": member_json(user.record, old), "new_chat_member": member_json(user.record, status)})


class Scenario:
    """The scenario half of FakeBotApi: people, groups, presses, blocking."""

    world: World

    def __init__(self) -> None:
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}

    def add_user(self, user_id: int, first_name: str, username: str | None = None,
                 language_code: str | None = "id", *, last_name: str | None = None,
                 started: bool = True) -> FakeUser:
        """A user with a private chat (`started=False`: never opened it, so the bot gets 403)."""
        record = UserRecord(user_id, first_name, username, language_code, last_name, started=started)
        self.world.users[user_id] = record
        self.world.chats[user_id] = ChatRecord(id=user_id, type="private", user=record)
        self._users[user_id] = FakeUser(self, record)  # type: ignore[arg-type]
        return self._users[user_id]

    def add_group(self, chat_id: int, title: str, forum: bool = False, members: Sequence[FakeUser] = (),
                  admins: Sequence[FakeUser] = (), *, bot_admin: bool = True) -> FakeGroup:
        if chat_id >= 0:
            raise ValueError("supergroup ids are negative, like -1001234567890")
        chat = ChatRecord(id=chat_id, type="supergroup", title=title, is_forum=forum)
        chat.members[self.world.bot.id] = "administrator" if bot_admin else "member"
        chat.members.update({u.id: "member" for u in members})
        chat.members.update({u.id: "administrator" for u in admins})
        self.world.chats[chat_id] = chat
        self._groups[chat_id] = FakeGroup(self, chat)  # type: ignore[arg-type]
        return self._groups[chat_id]

    def user(self, user_id: int) -> FakeUser:
        return self._users[user_id]

    def group(self, chat_id: int) -> FakeGroup:
        return self._groups[chat_id]

    def block(self, user: FakeUser) -> None:
        """The user blocks the bot: sends fail with 403 and a my_chat_member update arrives."""
        self._set_blocked(user, True)

    def unblock(self, user: FakeUser) -> None:
        self._set_blocked(user, False)

    def _set_blocked(self, user: FakeUser, blocked: bool) -> None:
        if user.record.blocked == blocked:
            return
        user.record.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self.world.push_update("my_chat_member", {
            "chat": self.world.chats[user.id].to_json(), "from": user.to_json(), "date": self.world.now(),
            "old_chat_member": member_json(self.world.bot, old),
            "new_chat_member": member_json(self.world.bot, new)})

    def message_record(self, ref: MessageRef, chat: ChatRecord) -> MessageRecord:
        if isinstance(ref, MessageRecord):
            return ref
        chat_id, message_id = (ref.chat_id, ref.message_id) if isinstance(ref, BotMessage) else (chat.id, ref)
        record = self.world.chats[chat_id].messages.get(message_id)
        if record is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        return record

    def find_button(self, chat: ChatRecord, label: str, message: MessageRef | None) -> tuple[MessageRecord, dict]:
        if message is not None:
            candidates = [self.message_record(message, chat)]
        else:
            candidates = [m for m in reversed(chat.live_messages()) if m.from_bot and m.reply_markup]
        snapshots = [(m, m.snapshot()) for m in candidates]
        for exact in (True, False):
            for record, snap in snapshots:
                button = snap.button(label)
                if button and (not exact or button.get("text") == label):
                    return record, button
        offered = {f"#{s.message_id}": s.buttons for _, s in snapshots[:5]}
        raise LookupError(f"no button {label!r} in chat {chat.id}; buttons on recent messages: {offered or 'none'}")

    async def press_data(self, user: FakeUser, message: MessageRef, data: str, timeout: float = 5.0) -> CallbackAnswer:
        """Send a callback_query with any `data` (even one no button carries) and wait for the answer."""
        record = self.message_record(message, self.world.chats[user.id])
        query = CallbackRecord(str(4_000_000_000_000 + self.world.serial()), user.record, record, data)
        self.world.callbacks[query.id] = query
        update = self.world.push_update("callback_query", {
            "id": query.id, "from": user.to_json(), "message": record.to_json(),
            "chat_instance": str(abs(record.chat.id) * 7 + 3), "data": data})
        if update is None:
            raise RuntimeError("the bot's allowed_updates exclude callback_query")
        try:
            await self.world.signal.wait_until(lambda: query.answer, timeout)
        except TimeoutError:
            raise TimeoutError(f"the bot did not answer the callback query {data!r} within {timeout}s"
                               f" (no answerCallbackQuery){self.rejection_summary()}") from None
        return CallbackAnswer(**query.answer)  # type: ignore[arg-type]

    def rejection_summary(self) -> str:
        rejected = [r for r in getattr(self, "requests", []) if not r.ok][-3:]
        if not rejected:
            return ""
        return "\n  rejected requests: " + "; ".join(f"{r.method}: {r.description}" for r in rejected)
