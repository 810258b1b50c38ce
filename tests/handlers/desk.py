"""Ticket journeys at the handler layer: people talk through the fake Bot API's scenario helpers
(so replies, topics and buttons refer to real messages in the emulator's world), and each update
they cause is fed as a real PTB `Update` to `app.process_update()` (no polling)."""
from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application

from bot.core.services import SERVICES_KEY, Services
from bot.emulator import FakeBotApi, FakeGroup, FakeUser
from bot.emulator.state import CallbackRecord
from bot.emulator.views import BotMessage
from tests.e2e.harness import STAFF_CHAT_ID, People, add_people, seed_cooperative, settings_for

from bot.app import initialized_application


def has(fragment: str):
    return lambda m: fragment.lower() in (m.text or "").lower()


@dataclass
class Desk:
    app: Application
    api: FakeBotApi
    people: People
    fed: int = 0  # the last update_id given to the application
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    @property
    def svc(self) -> Services:
        return self.app.bot_data[SERVICES_KEY]

    @property
    def staff(self) -> FakeGroup:
        return self.people.staff

    async def feed(self) -> None:
        """Process every update the people caused since the last feed, in order."""
        for raw in [u for u in self.api.pending_updates() if u["update_id"] > self.fed]:
            self.fed = raw["update_id"]
            await self.app.process_update(Update.de_json(raw, self.app.bot))

    async def drain(self) -> None:
        await self.svc.delivery.drain()

    async def settle(self) -> None:
        await self.feed()
        await self.drain()

    async def say(self, user: FakeUser, text: str, **kw) -> BotMessage:
        sent = await (user.command(text, **kw) if text.startswith("/") else user.send(text, **kw))
        await self.settle()
        return sent

    async def say_in(self, user: FakeUser, text: str, **kw) -> BotMessage:
        if text.startswith("/"):
            sent = await user.command(text, group=self.staff, **kw)
        else:
            sent = await user.send_in(self.staff, text, **kw)
        await self.settle()
        return sent

    async def press(self, user: FakeUser, label: str, message=None, *, group: FakeGroup | None = None) -> dict | None:
        """Press a button and return the bot's answerCallbackQuery parameters (None: no answer)."""
        world = self.api.world
        chat = world.chats[group.id if group else user.id]
        record, button = self.api.find_button(chat, label, message)
        return await self.press_data(user, record, button["callback_data"])

    async def press_data(self, user: FakeUser, record, data: str) -> dict | None:
        world = self.api.world
        query = CallbackRecord(str(4_000_000_000_000 + world.serial()), user.record, record, data)
        world.callbacks[query.id] = query
        world.push_update("callback_query", {"id": query.id, "from": user.to_json(), "message": record.to_json(),
                                             "chat_instance": "ci", "data": data})
        await self.settle()
        return query.answer

    async def edit_in_group(self, user: FakeUser, message: BotMessage, text: str) -> None:
        """A member edits their own message in the staff group (an edited_message update)."""
        record = self.api.message_record(message, self.api.world.chats[STAFF_CHAT_ID])
        record.text, record.source, record.entities, record.edit_date = text, text, [], self.api.world.now()
        self.api.world.push_update("edited_message", record.to_json())
        await self.settle()

    def texts_to(self, chat_id: int, thread_id: int | None = None) -> list[str]:
        """What the bot sent to the chat, and what it wrote there by editing, in order."""
        return [e.text for e in self.api.events if e.chat_id == chat_id and e.event in ("new", "edit")
                and (thread_id is None or e.thread_id == thread_id)]

    def last_to(self, chat_id: int) -> str:
        return self.texts_to(chat_id)[-1]

    def find(self, chat_id: int, fragment: str, event: str | None = None) -> BotMessage:
        """The latest send (or edit) in the chat containing `fragment`."""
        found = [e for e in self.api.events if e.chat_id == chat_id and e.event in ((event,) if event else ("new", "edit"))
                 and fragment in e.text]
        assert found, f"no {event} message with {fragment!r} in {chat_id}: {self.texts_to(chat_id)[-5:]}"
        return found[-1]

    def card(self, ticket_id: int = 1) -> BotMessage:
        """The ticket's card as the staff group sees it now (edits applied)."""
        for m in self.staff.messages():
            if m.text.startswith(f"🎫 Tiket #{ticket_id:04d}") and m.from_bot:
                return m
        raise AssertionError(f"no card for #{ticket_id:04d}")

    async def open_ticket(self, text: str = "Ada pinjaman macet Rp200 juta, bagaimana?") -> BotMessage:
        """Sari opens a ticket through /konsultasi and the card reaches the staff group."""
        sari = self.people.sari
        await self.say(sari, "/konsultasi")
        await self.press(sari, "Kuratif")
        await self.press(sari, "Pinjaman macet")
        await self.say(sari, text)
        await self.press(sari, "Kirim tiket")
        return self.find(sari.id, "sudah kami terima")


async def start_desk(api: FakeBotApi, tmp_path, *, forum: bool = False, seed: bool = True,
                     people: People | None = None, **overrides) -> Desk:
    """A desk on a fresh database; `people` again (and seed=False) for a restart on the same one."""
    people = people or add_people(api, forum=forum)
    stack = AsyncExitStack()
    app = await stack.enter_async_context(
        initialized_application(settings_for(api, tmp_path / "desk.sqlite3", rate_limit=False, **overrides)))
    desk = Desk(app, api, people, stack=stack)
    if seed:
        await seed_cooperative(desk.svc.db, people.sari.id)
    return desk


async def stop_desk(desk: Desk) -> None:
    await desk.stack.aclose()
