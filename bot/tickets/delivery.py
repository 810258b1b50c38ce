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
from bot.tickets.service import CARD, STAFF_NOTE, TicketService
from storage.cooperatives import CooperativeRepo
from storage.outbox import OutboxRow
from storage.tickets import TicketRepo

log = logging.getLogger(__name__)


class TopicApi(Protocol):
    """Forum topics in the staff group (implemented over the Bot API by handlers/tickets_staff)."""

    async def create(self, chat_id: int, name: str) -> int: ...


Hook = Callable[..., Awaitable[object]]


class TicketDelivery:
    def __init__(self, tickets: TicketService, topics: TopicApi) -> None:
        self.tickets, self.topics = tickets, topics

    def staff_hooks(self) -> dict[str, Hook]:
        """Keyword arguments for bot.core.delivery.DeliveryHooks, for the staff-side kinds."""
        return dict(prepare=self.prepare, sent=self.sent, thread_missing=self.thread_missing)

    def manager_hooks(self) -> dict[str, Hook]:
        return dict(failed=self.failed)

    def _ours(self, row: OutboxRow) -> bool:
        return row.ref_type == "ticket" and row.chat_id == self.tickets.staff_chat_id

    async def topic_name(self, ticket_id: int) -> str:
        svc = self.tickets
        ticket = await TicketRepo(svc.db).get(ticket_id)
        coop = await CooperativeRepo(svc.db).get(ticket.cooperative_id)
        return rules.topic_name(ticket.id, svc.texts.plain(svc.staff_lang, "tickets.service", key=ticket.service),
                                coop.name)

    async def prepare(self, row: OutboxRow) -> dict | None:
        if not self.tickets.forum or not self._ours(row):
            return None
        repo = TicketRepo(self.tickets.db)
        ticket = await repo.get(row.ref_id)
        thread = ticket.topic_id
        if thread is None:
            thread = await self.topics.create(row.chat_id, await self.topic_name(ticket.id))
            await repo.update(ticket.id, topic_id=thread)
        return {**row.payload, "message_thread_id": thread}

    async def sent(self, row: OutboxRow, message_id: int | None) -> None:
        if message_id is None or not self._ours(row):
            return
        repo = TicketRepo(self.tickets.db)
        await repo.map_staff_message(row.chat_id, message_id, row.ref_id)
        if row.kind == CARD:
            await repo.update(row.ref_id, card_message_id=message_id)

    async def thread_missing(self, row: OutboxRow) -> dict | None:
        """The topic was deleted: forget it; `prepare` creates a new one on the retry."""
        if row.ref_type != "ticket":
            return None
        repo = TicketRepo(self.tickets.db)
        ticket = await repo.get(row.ref_id)
        if ticket.topic_id is not None and ticket.topic_id == row.payload.get("message_thread_id"):
            await repo.update(ticket.id, topic_id=None)
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
