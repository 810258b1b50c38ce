"""Where a manager's later private message goes (issue 11.1), Telegram-free: a remembered choice
for the exchange, a live exchange with the consultant, an offer to choose, or to reopen a ticket
finished recently. A part of TicketService (it shares the service's database and settings)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.core.settings import Settings
from storage.db import Database, to_utc_text
from storage.tickets import Ticket, TicketRepo


@dataclass(frozen=True)
class Route:
    """Where a manager's private message (not a reply, outside any flow) goes (issue 11.1):
    "ticket" (relay to `tickets[0]`), "faq" (the FAQ's triage), "ask" (offer the open `tickets`
    or a new question), "reopen" (offer to reopen `tickets[0]`, finished recently, or a new
    question), "none" (no ticket anywhere near: the other journeys decide)."""
    kind: str
    tickets: tuple[Ticket, ...] = ()


class TicketRouting:
    db: Database
    settings: Settings

    async def route(self, user_id: int, now: datetime | None = None) -> Route:
        """A remembered choice for the exchange first, then a live exchange (the consultant wrote
        within TICKET_LIVE_MINUTES), then a choice to offer; a ticket resolved within
        TICKET_REOPEN_HOURS is offered to reopen."""
        now = now or datetime.now(timezone.utc)
        repo = TicketRepo(self.db)
        open_ = await repo.open_of_manager(user_id)
        chosen = await repo.route(user_id, to_utc_text(now))
        if chosen is not None and chosen[0] == "faq":
            return Route("faq")
        if chosen is not None:
            ticket = next((tk for tk in open_ if tk.id == chosen[1]), None)
            if ticket is not None:
                return Route("ticket", (ticket,))
        if open_:
            live_since = to_utc_text(now - timedelta(minutes=self.settings.ticket_live_minutes))
            live = []
            for tk in open_:
                last = await repo.last_answer_at(tk.id)
                if last is not None and last >= live_since:
                    live.append((last, tk))
            if live:
                return Route("ticket", (max(live, key=lambda pair: pair[0])[1],))
            return Route("ask", tuple(open_))
        if self.settings.ticket_reopen_hours > 0:
            since = to_utc_text(now - timedelta(hours=self.settings.ticket_reopen_hours))
            recent = await repo.resolved_of_manager_since(user_id, since)
            if recent:
                return Route("reopen", (recent[0],))
        return Route("none")

    async def remember(self, user_id: int, choice: str, ticket_id: int | None = None,
                       now: datetime | None = None) -> None:
        """The manager's choice holds for the exchange (TICKET_LIVE_MINUTES from now)."""
        now = now or datetime.now(timezone.utc)
        until = to_utc_text(now + timedelta(minutes=self.settings.ticket_live_minutes))
        await TicketRepo(self.db).set_route(user_id, choice, ticket_id, until)

    async def ticket_of_reply(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a replied-to private message belongs to (None: not a ticket message)."""
        return await TicketRepo(self.db).by_manager_message(chat_id, message_id)

    async def mark_manager_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        """A message the bot sent the manager for a ticket (e.g. "Diteruskan"): replies to it go there."""
        await TicketRepo(self.db).map_manager_message(chat_id, message_id, ticket_id)
