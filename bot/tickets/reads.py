"""What the handlers read about tickets and the staff desk (the queue, a ticket's detail in the
clinic's zone, the roster and its coverage, statistics), and the state every TicketService holds.
No Telegram."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from bot.core.office_hours import OfficeHours
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.tickets import rules
from bot.tickets.rules import Actor
from bot.tickets.stats import Stats, compute
from storage.consultants import Consultant, ConsultantRepo
from storage.cooperatives import Cooperative, CooperativeRepo
from storage.db import Database, Executor, from_utc_text
from storage.tickets import Rating, StaffChatRepo, Ticket, TicketMessage, TicketRepo
from storage.users import UserRepo


@dataclass(frozen=True)
class QueueItem:
    ticket: Ticket
    coop_name: str
    age_hours: float
    assignee: str | None


@dataclass(frozen=True)
class HistoryLine:
    at: datetime  # in the clinic's zone
    message: TicketMessage


@dataclass(frozen=True)
class Detail:
    ticket: Ticket
    coop: Cooperative
    assignee: str | None
    created: datetime  # in the clinic's zone
    history: list[HistoryLine]
    rating: Rating | None


def office(settings: Settings) -> OfficeHours:
    return OfficeHours(settings.office_hours, tz=settings.tz)


def staff_lang(settings: Settings) -> str:
    return settings.default_language


async def manager_lang(db: Executor, settings: Settings, user_id: int | None) -> str:
    user = await UserRepo(db).find(user_id) if user_id else None
    return (user.language if user and user.language else None) or settings.default_language


class TicketReads:
    """The state a TicketService holds, and the reads handlers need (no writes but the roster's)."""

    def __init__(self, db: Database, outbox: Outbox, texts: Texts, settings: Settings, *, forum: bool = False) -> None:
        self.db, self.outbox, self.texts, self.settings = db, outbox, texts, settings
        self.forum = forum  # the staff group is a forum: a topic per ticket (asked of Telegram at start)

    @property
    def staff_chat_id(self) -> int | None:
        return self.settings.staff_chat_id

    @property
    def staff_lang(self) -> str:
        return staff_lang(self.settings)

    def office(self) -> OfficeHours:
        return office(self.settings)

    async def manager_lang(self, user_id: int | None, db: Executor | None = None) -> str:
        return await manager_lang(db or self.db, self.settings, user_id)

    def expectation(self, now: datetime | None = None) -> rules.Expectation:
        return rules.expectation(now or datetime.now(timezone.utc), self.settings.ticket_sla_office_hours, self.office())

    # Who ----------------------------------------------------------------------------------
    async def cooperative_of(self, user_id: int) -> Cooperative | None:
        return await CooperativeRepo(self.db).cooperative_of(user_id)

    async def manager(self, user_id: int) -> Actor:
        coop = await self.cooperative_of(user_id)
        return Actor(user_id, cooperative_id=coop.id if coop else None)

    async def consultant(self, user_id: int, display_name: str, username: str | None) -> Actor:
        """A member of the staff group acting: remembered as a consultant."""
        await ConsultantRepo(self.db).upsert(user_id, display_name, username)
        return Actor(user_id, is_consultant=True)

    # Reading --------------------------------------------------------------------------------
    async def get(self, ticket_id: int) -> Ticket | None:
        return await TicketRepo(self.db).find(ticket_id)

    async def open_of_manager(self, user_id: int) -> list[Ticket]:
        return await TicketRepo(self.db).open_of_manager(user_id)

    async def album_seen(self, ticket_id: int, media_group_id: str | None) -> bool:
        return bool(media_group_id) and await TicketRepo(self.db).album_seen(ticket_id, media_group_id)

    async def of_cooperative(self, cooperative_id: int, limit: int = 10) -> list[Ticket]:
        return await TicketRepo(self.db).of_cooperative(cooperative_id, limit=limit)

    async def for_staff_message(self, chat_id: int, reply_to: int | None, thread_id: int | None) -> Ticket | None:
        """The ticket a staff message belongs to: a reply to a mapped message, or its forum topic."""
        repo = TicketRepo(self.db)
        if reply_to is not None:
            found = await repo.by_staff_message(chat_id, reply_to)
            if found:
                return found
        if thread_id:
            return await repo.by_topic(thread_id)
        return None

    async def queue(self, now: datetime | None = None, limit: int = 40) -> list[QueueItem]:
        now = now or datetime.now(timezone.utc)
        coops, consultants = CooperativeRepo(self.db), ConsultantRepo(self.db)
        items = []
        for tk in (await TicketRepo(self.db).open_queue())[:limit]:
            assignee = await consultants.get(tk.assignee_id) if tk.assignee_id else None
            items.append(QueueItem(tk, (await coops.get(tk.cooperative_id)).name,
                                   rules.age_hours(from_utc_text(tk.created_at), now),
                                   assignee.display_name if assignee else None))
        return items

    async def detail(self, ticket_id: int) -> Detail | None:
        repo = TicketRepo(self.db)
        ticket = await repo.find(ticket_id)
        if ticket is None:
            return None
        assignee = await ConsultantRepo(self.db).get(ticket.assignee_id) if ticket.assignee_id else None
        history = [HistoryLine(self.local(m.created_at), m) for m in await repo.messages(ticket.id, limit=25)]
        return Detail(ticket, await CooperativeRepo(self.db).get(ticket.cooperative_id),
                      assignee.display_name if assignee else None, self.local(ticket.created_at), history,
                      await repo.rating(ticket.id))

    def local(self, utc_text: str) -> datetime:
        """A stored UTC time in the clinic's zone (TIMEZONE), for staff views."""
        return from_utc_text(utc_text).astimezone(self.settings.tz)

    async def consultants(self) -> list[Consultant]:
        """The staff roster (administrators, members who spoke, people added with /konsultan,
        consultants who used the desk), without those an admin removed."""
        return await ConsultantRepo(self.db).all()

    async def on_roster(self, user_id: int, display_name: str, username: str | None, source: str) -> None:
        """Seen in the staff group (an administrator, or a member who spoke): on the roster."""
        await ConsultantRepo(self.db).upsert(user_id, display_name, username, source)

    async def set_on_roster(self, user_id: int, display_name: str, username: str | None, active: bool) -> None:
        await ConsultantRepo(self.db).set_active(user_id, display_name, username, active)

    async def coverage(self) -> list[tuple[Consultant, list[str]]]:
        """The roster with each member's kecamatan (/wilayah)."""
        areas = await ConsultantRepo(self.db).areas()
        return [(c, areas.get(c.user_id, [])) for c in await self.consultants()]

    async def consultant_named(self, user_id: int) -> Consultant | None:
        return await ConsultantRepo(self.db).get(user_id)

    async def areas_of(self, user_id: int) -> list[str]:
        return await ConsultantRepo(self.db).areas_of(user_id)

    async def toggle_area(self, user_id: int, kecamatan: str) -> bool:
        return await ConsultantRepo(self.db).toggle_area(user_id, kecamatan)

    async def statistics(self) -> Stats:
        return compute(await TicketRepo(self.db).for_statistics())

    # The staff group ------------------------------------------------------------------------
    async def set_forum(self, is_forum: bool) -> None:
        """What Telegram said at start: remembered, so a start without an answer uses the last one."""
        self.forum = is_forum
        if self.staff_chat_id is not None:
            await StaffChatRepo(self.db).set_forum(self.staff_chat_id, is_forum)

    async def forum_as_last_known(self) -> bool:
        known = await StaffChatRepo(self.db).is_forum(self.staff_chat_id) if self.staff_chat_id is not None else None
        self.forum = bool(known)
        return self.forum
