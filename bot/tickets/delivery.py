"""The tickets' delivery hooks, Telegram-free: the delivery worker calls them with outbox rows.

- prepare: in forum mode a staff-side row goes into its ticket's topic; the topic is created
  first when the ticket has none (through `TopicApi`, which the staff journey implements with
  the Bot: the only part that needs Telegram).
- sent: remember which staff message belongs to which ticket (replies route back), and the card.
- thread_missing: the topic was deleted; forget it so `prepare` opens a new one on the retry.
- failed (manager-side rows): a relay the manager will never get is reported to the staff.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.tickets import rules
from bot.core.buttons import Keyboard, keyboard_to_api
from bot.tickets.service import CARD, STAFF_NOTE, TicketService
from storage.cooperatives import CooperativeRepo
from storage.db import Executor
from storage.outbox import OutboxRow
from storage.tickets import StaffChatRepo, TicketRepo

log = logging.getLogger(__name__)


class TopicApi(Protocol):
    """Forum topics in the staff group (implemented over the Bot API by handlers/tickets_staff)."""

    async def create(self, chat_id: int, name: str) -> int: ...

    async def post(self, chat_id: int, thread_id: int, html: str, keyboard: Keyboard | None = None) -> int: ...

    async def named(self, chat_id: int, thread_id: int, name: str) -> bool:
        """Whether `thread_id` is a live topic called exactly `name`."""

    async def delete(self, chat_id: int, thread_id: int) -> None: ...


MAX_PROBES = 50  # message ids looked at for a topic whose creation's answer was lost


class Topics:
    """Creating a forum topic without leaving empty duplicates.

    createForumTopic has no idempotency key: when its answer is lost (the connection dropped
    after Telegram created the topic) or the process dies before the topic's id is stored, the
    retry creates a second one. The Bot API cannot list topics, but a topic's id is the id of its
    creation message, and message ids in a group only grow. So before each creation the newest
    message id we know is written down (storage: topic_attempts) and removed once the topic's id
    is stored. A retry that finds the note left behind creates the topic, then asks each id
    between the note and the new topic whether it is a live topic of the same name; one that is
    is an empty duplicate (nothing was ever sent there) and is deleted."""

    def __init__(self, api: TopicApi, tickets: TicketService) -> None:
        self.api, self.tickets = api, tickets

    async def create(self, chat_id: int, name: str, store: Callable[[Executor, int], Awaitable[None]]) -> int:
        """Create the topic `name` and `store(tx, thread_id)` it; returns the thread id."""
        repo = TicketRepo(self.tickets.db)
        uncertain_after = await repo.topic_attempt(chat_id, name)
        if uncertain_after is None:
            await repo.start_topic_attempt(chat_id, name, await repo.highest_staff_message(chat_id))
        thread = await self.api.create(chat_id, name)
        if uncertain_after is not None:
            await self._delete_duplicates(chat_id, name, uncertain_after, thread)
        async with self.tickets.db.transaction() as tx:
            await store(tx, thread)
            await TicketRepo(tx).end_topic_attempt(chat_id, name)
        return thread

    async def _delete_duplicates(self, chat_id: int, name: str, after: int, created: int) -> None:
        for candidate in range(max(after + 1, created - MAX_PROBES), created):
            try:
                if await self.api.named(chat_id, candidate, name):
                    await self.api.delete(chat_id, candidate)
                    log.warning("deleted forum topic %s, an empty duplicate of %s (%r)", candidate, created, name)
            except Exception:  # cleaning up is best effort; the ticket's own topic is fine
                log.info("could not check topic %s for a duplicate", candidate, exc_info=True)


class TicketDelivery:
    def __init__(self, tickets: TicketService, topics: TopicApi) -> None:
        self.tickets, self.api = tickets, topics
        self.topics = Topics(topics, tickets)

    def staff_hooks(self) -> dict[str, Hook]:
        """Keyword arguments for bot.core.delivery.DeliveryHooks, for the staff-side kinds."""
        return dict(prepare=self.prepare, sent=self.sent, thread_missing=self.thread_missing)

    def card_edit_hooks(self) -> dict[str, Hook]:
        return dict(prepare=self.prepare_edit)

    def manager_hooks(self) -> dict[str, Hook]:
        return dict(failed=self.failed, sent=self.sent_to_manager)

    async def sent_to_manager(self, row: OutboxRow, message_id: int | None) -> None:
        """A message the manager got for a ticket: a Telegram reply to it goes to that ticket."""
        if message_id is not None and row.ref_type == "ticket" and row.ref_id is not None:
            await TicketRepo(self.tickets.db).map_manager_message(row.chat_id, message_id, row.ref_id)

    def _ours(self, row: OutboxRow) -> bool:
        return row.ref_type == "ticket" and row.chat_id == self.tickets.staff_chat_id

    async def topic_name(self, ticket_id: int) -> str:
        svc = self.tickets
        ticket = await TicketRepo(svc.db).get(ticket_id)
        coop = await CooperativeRepo(svc.db).get(ticket.cooperative_id)
        return rules.topic_name(ticket.id, svc.texts.plain(svc.staff_lang, "tickets.service", key=ticket.service),
                                coop.name)

    async def _card_payload(self, row: OutboxRow) -> dict:
        """The card as the ticket is now, not as it was when the row was queued."""
        _, html, keyboard = await self.tickets.card_now(row.ref_id)
        payload = {k: v for k, v in row.payload.items() if k != "reply_markup"}
        payload["text"] = html
        if keyboard:
            payload["reply_markup"] = keyboard_to_api(keyboard)
        return payload

    async def prepare(self, row: OutboxRow) -> dict | None:
        if not self._ours(row):
            return None
        payload = await self._card_payload(row) if row.kind == CARD else dict(row.payload)
        if not self.tickets.forum:
            return payload
        repo = TicketRepo(self.tickets.db)
        ticket = await repo.get(row.ref_id)
        thread = ticket.topic_id
        if thread is None:
            thread = await self.topics.create(row.chat_id, await self.topic_name(ticket.id),
                                              lambda tx, thread_id: TicketRepo(tx).update(ticket.id, topic_id=thread_id))
        if ticket.topic_lost:
            await self._open_again(row, thread)
        return {**payload, "message_thread_id": thread}

    async def _open_again(self, row: OutboxRow, thread: int) -> None:
        """A topic made for a ticket whose earlier topic was deleted starts with the card (with
        its buttons) and a line saying the earlier topic was deleted, then the traffic that was
        on its way. (Sent here, before the row, because the outbox keeps a chat's rows in order.)"""
        svc, repo = self.tickets, TicketRepo(self.tickets.db)
        if row.kind != CARD:  # a card on its way is that card
            _, html, keyboard = await svc.card_now(row.ref_id)
            message_id = await self.api.post(row.chat_id, thread, html, keyboard)
            await repo.map_staff_message(row.chat_id, message_id, row.ref_id)
            await repo.update(row.ref_id, card_message_id=message_id)
        notice = svc.texts.render(svc.staff_lang, "tickets.topic_recreated", number=rules.number(row.ref_id))
        await self.api.post(row.chat_id, thread, notice)
        await repo.update(row.ref_id, topic_lost=0)

    # The "Sistem" topic (forum mode): error reports and other notices about the bot itself ----
    def system_hooks(self) -> dict[str, Hook]:
        return dict(prepare=self.prepare_system, thread_missing=self.system_missing)

    async def prepare_system(self, row: OutboxRow) -> dict | None:
        svc = self.tickets
        if not svc.forum or row.chat_id != svc.staff_chat_id:
            return None
        repo = StaffChatRepo(svc.db)
        thread = await repo.system_topic(row.chat_id)
        if thread is None:
            thread = await self.topics.create(row.chat_id, svc.texts.plain(svc.staff_lang, "tickets.system_topic"),
                                              lambda tx, thread_id: StaffChatRepo(tx).set_system_topic(row.chat_id, thread_id))
        return {**row.payload, "message_thread_id": thread}

    async def system_missing(self, row: OutboxRow) -> dict | None:
        await StaffChatRepo(self.tickets.db).set_system_topic(row.chat_id, None)
        return {k: v for k, v in row.payload.items() if k != "message_thread_id"}

    async def prepare_edit(self, row: OutboxRow) -> dict | None:
        """A card edit shows the latest state, on the card's current message."""
        if not self._ours(row):
            return None
        ticket, html, keyboard = await self.tickets.card_now(row.ref_id)
        payload = {k: v for k, v in row.payload.items() if k != "reply_markup"}
        payload.update(text=html, message_id=ticket.card_message_id or payload.get("message_id"))
        if keyboard:  # an edit without reply_markup removes the buttons (a finished ticket)
            payload["reply_markup"] = keyboard_to_api(keyboard)
        return payload

    async def sent(self, row: OutboxRow, message_id: int | None) -> None:
        if message_id is None or not self._ours(row):
            return
        repo = TicketRepo(self.tickets.db)
        await repo.map_staff_message(row.chat_id, message_id, row.ref_id)
        if row.kind == CARD:
            await repo.update(row.ref_id, card_message_id=message_id)
            _, html, _ = await self.tickets.card_now(row.ref_id)
            if html != row.payload.get("text"):  # the ticket changed while its card was on the way
                await self.tickets.refresh_card(row.ref_id)

    async def thread_missing(self, row: OutboxRow) -> dict | None:
        """The topic was deleted: forget it; `prepare` creates a new one on the retry."""
        if row.ref_type != "ticket":
            return None
        repo = TicketRepo(self.tickets.db)
        ticket = await repo.get(row.ref_id)
        if ticket.topic_id is not None and ticket.topic_id == row.payload.get("message_thread_id"):
            await repo.update(ticket.id, topic_id=None, topic_lost=1)
        return {k: v for k, v in row.payload.items() if k != "message_thread_id"}

    async def failed(self, row: OutboxRow, error: str) -> None:
        """A relay the manager will never get (e.g. they blocked the bot): the staff must know."""
        svc = self.tickets
        if row.ref_type != "ticket" or svc.staff_chat_id is None:
            return
        html = svc.texts.render(svc.staff_lang, "tickets.undeliverable", number=rules.number(row.ref_id),
                                blocked="block" in error.lower())
        await svc.outbox.send_text(svc.staff_chat_id, html, kind=STAFF_NOTE,
                                   dedupe_key=f"undeliverable:{row.id}", ref=("ticket", row.ref_id))
