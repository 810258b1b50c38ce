"""Consultation tickets: the tickets, their messages, the staff-message mapping, forum topics,
ratings, and the staff group's forum flag."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from storage.db import Executor, NotFound, utcnow

OPEN_STATUSES = ("new", "claimed", "answered", "waiting")


@dataclass(frozen=True)
class Ticket:
    id: int
    cooperative_id: int
    manager_user_id: int | None
    service: str
    category: str
    question: str
    source: str
    triage_id: int | None
    suggestions: list
    status: str
    assignee_id: int | None
    topic_id: int | None
    card_message_id: int | None
    sla_level: int
    created_at: str
    updated_at: str
    claimed_at: str | None
    first_answer_at: str | None
    resolved_at: str | None
    closed_at: str | None
    topic_lost: int = 0  # its forum topic was deleted: the next topic starts with the card

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TicketMessage:
    id: int
    ticket_id: int
    direction: str
    author_id: int | None
    chat_id: int | None
    message_id: int | None
    media_group_id: str | None
    kind: str
    text: str | None
    created_at: str


@dataclass(frozen=True)
class Rating:
    ticket_id: int
    score: int
    comment: str | None
    rated_by: int | None
    created_at: str


def _ticket(row) -> Ticket:
    values = {k: row[k] for k in Ticket.__dataclass_fields__}
    values["suggestions"] = json.loads(values["suggestions"] or "[]")
    return Ticket(**values)


UPDATABLE = frozenset({"status", "assignee_id", "topic_id", "card_message_id", "sla_level", "claimed_at",
                       "first_answer_at", "resolved_at", "closed_at", "manager_user_id", "topic_lost"})


def _assignments(fields: dict) -> str:
    """`a = ?, b = ?` for columns a caller may set; any other name is refused, never pasted into SQL."""
    bad = set(fields) - UPDATABLE
    if bad or not fields:
        raise ValueError(f"not updatable: {sorted(bad) or 'nothing'}")
    return ", ".join(f"{name} = ?" for name in fields)


def _message(row) -> TicketMessage:
    return TicketMessage(**{k: row[k] for k in TicketMessage.__dataclass_fields__})


class TicketRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def create(self, *, cooperative_id: int, manager_user_id: int | None, service: str, category: str,
                     question: str, source: str, triage_id: int | None = None,
                     suggestions: list | tuple = ()) -> Ticket:
        now = utcnow()
        cur = await self.db.execute(
            "INSERT INTO tickets (cooperative_id, manager_user_id, service, category, question, source, "
            "triage_id, suggestions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cooperative_id, manager_user_id, service, category, question, source, triage_id,
             json.dumps(list(suggestions)), now, now),
        )
        return await self.get(cur.lastrowid)

    async def get(self, ticket_id: int) -> Ticket:
        row = await self.db.fetchone("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if row is None:
            raise NotFound(f"ticket {ticket_id}")
        return _ticket(row)

    async def find(self, ticket_id: int) -> Ticket | None:
        try:
            return await self.get(ticket_id)
        except NotFound:
            return None

    async def update(self, ticket_id: int, **fields: object) -> None:
        """Set lifecycle fields; names are checked against the table's columns."""
        sets = _assignments(fields)
        await self.db.execute(f"UPDATE tickets SET {sets}, updated_at = ? WHERE id = ?",
                              (*fields.values(), utcnow(), ticket_id))

    async def set_status_if(self, ticket_id: int, expected: str, **fields: object) -> bool:
        """Compare-and-set on status: a replayed button press finds the state moved on."""
        sets = _assignments(fields)
        cur = await self.db.execute(
            f"UPDATE tickets SET {sets}, updated_at = ? WHERE id = ? AND status = ?",
            (*fields.values(), utcnow(), ticket_id, expected),
        )
        return cur.rowcount == 1

    async def by_topic(self, chat_topic_id: int) -> Ticket | None:
        row = await self.db.fetchone("SELECT * FROM tickets WHERE topic_id = ?", (chat_topic_id,))
        return _ticket(row) if row else None

    async def open_of_manager(self, user_id: int) -> list[Ticket]:
        rows = await self.db.fetchall(
            f"SELECT * FROM tickets WHERE manager_user_id = ? AND status IN {OPEN_STATUSES} ORDER BY id",
            (user_id,),
        )
        return [_ticket(r) for r in rows]

    async def of_cooperative(self, cooperative_id: int, limit: int = 20) -> list[Ticket]:
        rows = await self.db.fetchall(
            "SELECT * FROM tickets WHERE cooperative_id = ? ORDER BY id DESC LIMIT ?", (cooperative_id, limit)
        )
        return [_ticket(r) for r in rows]

    async def of_manager(self, user_id: int) -> list[Ticket]:
        rows = await self.db.fetchall("SELECT * FROM tickets WHERE manager_user_id = ? ORDER BY id", (user_id,))
        return [_ticket(r) for r in rows]

    async def open_queue(self) -> list[Ticket]:
        rows = await self.db.fetchall(
            f"SELECT * FROM tickets WHERE status IN {OPEN_STATUSES} ORDER BY created_at, id"
        )
        return [_ticket(r) for r in rows]

    async def unclaimed_below_level(self, level: int) -> list[Ticket]:
        rows = await self.db.fetchall(
            "SELECT * FROM tickets WHERE status = 'new' AND sla_level < ? ORDER BY id", (level,)
        )
        return [_ticket(r) for r in rows]

    async def for_statistics(self) -> list[dict]:
        """Every ticket with its cooperative's kecamatan and its rating (if any)."""
        rows = await self.db.fetchall(
            "SELECT t.id, t.service, t.category, t.status, t.created_at, t.first_answer_at, "
            "c.kecamatan, r.score FROM tickets t JOIN cooperatives c ON c.id = t.cooperative_id "
            "LEFT JOIN ticket_ratings r ON r.ticket_id = t.id ORDER BY t.id"
        )
        return [dict(r) for r in rows]

    # Messages --------------------------------------------------------------------------
    async def add_message(self, ticket_id: int, direction: str, *, kind: str, author_id: int | None = None,
                          chat_id: int | None = None, message_id: int | None = None,
                          media_group_id: str | None = None, text: str | None = None) -> int | None:
        """Store once per (chat, message): returns None when a retried update brings it again."""
        cur = await self.db.execute(
            "INSERT INTO ticket_messages (ticket_id, direction, author_id, chat_id, message_id, media_group_id, "
            "kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(chat_id, message_id) WHERE message_id IS NOT NULL DO NOTHING",
            (ticket_id, direction, author_id, chat_id, message_id, media_group_id, kind, text, utcnow()),
        )
        return cur.lastrowid if cur.rowcount else None

    async def messages(self, ticket_id: int, limit: int = 200) -> list[TicketMessage]:
        rows = await self.db.fetchall(
            "SELECT * FROM (SELECT * FROM ticket_messages WHERE ticket_id = ? ORDER BY id DESC LIMIT ?) "
            "ORDER BY id", (ticket_id, limit))
        return [_message(r) for r in rows]

    async def album_seen(self, ticket_id: int, media_group_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM ticket_messages WHERE ticket_id = ? AND media_group_id = ? LIMIT 1",
            (ticket_id, media_group_id),
        )
        return row is not None

    # Staff-group mapping -----------------------------------------------------------------
    async def map_staff_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        await self.db.execute(
            "INSERT INTO ticket_staff_messages (chat_id, message_id, ticket_id) VALUES (?, ?, ?) "
            "ON CONFLICT(chat_id, message_id) DO NOTHING",
            (chat_id, message_id, ticket_id),
        )

    async def highest_staff_message(self, chat_id: int) -> int:
        """The newest message id the bot knows in the staff group (mapped messages and topics)."""
        row = await self.db.fetchone(
            "SELECT MAX(m) FROM (SELECT MAX(message_id) AS m FROM ticket_staff_messages WHERE chat_id = ? "
            "UNION ALL SELECT MAX(topic_id) FROM tickets)", (chat_id,))
        return int(row[0] or 0)

    # Forum topics being created (see bot/tickets/delivery.py: Topics) ----------------------
    async def topic_attempt(self, chat_id: int, name: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT after_message_id FROM topic_attempts WHERE chat_id = ? AND name = ?", (chat_id, name))
        return int(row[0]) if row else None

    async def start_topic_attempt(self, chat_id: int, name: str, after_message_id: int) -> None:
        await self.db.execute(
            "INSERT INTO topic_attempts (chat_id, name, after_message_id, started_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(chat_id, name) DO NOTHING", (chat_id, name, after_message_id, utcnow()))

    async def end_topic_attempt(self, chat_id: int, name: str) -> None:
        await self.db.execute("DELETE FROM topic_attempts WHERE chat_id = ? AND name = ?", (chat_id, name))

    async def message_by_source(self, chat_id: int, message_id: int) -> TicketMessage | None:
        """The stored ticket message that came from this chat message (e.g. to relay its edit)."""
        row = await self.db.fetchone(
            "SELECT * FROM ticket_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
        return _message(row) if row else None

    async def by_staff_message(self, chat_id: int, message_id: int) -> Ticket | None:
        row = await self.db.fetchone(
            "SELECT t.* FROM tickets t JOIN ticket_staff_messages m ON m.ticket_id = t.id "
            "WHERE m.chat_id = ? AND m.message_id = ?", (chat_id, message_id))
        return _ticket(row) if row else None

    # Ratings -----------------------------------------------------------------------------
    async def rate(self, ticket_id: int, score: int, rated_by: int | None) -> None:
        await self.db.execute(
            "INSERT INTO ticket_ratings (ticket_id, score, rated_by, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(ticket_id) DO UPDATE SET score = excluded.score, comment = NULL, "
            "rated_by = excluded.rated_by, created_at = excluded.created_at",
            (ticket_id, score, rated_by, utcnow()),
        )

    async def comment(self, ticket_id: int, text: str) -> None:
        await self.db.execute("UPDATE ticket_ratings SET comment = ? WHERE ticket_id = ?", (text, ticket_id))

    async def rating(self, ticket_id: int) -> Rating | None:
        row = await self.db.fetchone("SELECT * FROM ticket_ratings WHERE ticket_id = ?", (ticket_id,))
        return Rating(**{k: row[k] for k in Rating.__dataclass_fields__}) if row else None

    # Manager side: which private messages belong to a ticket, and the exchange's choice ----
    async def map_manager_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        await self.db.execute(
            "INSERT INTO ticket_manager_messages (chat_id, message_id, ticket_id) VALUES (?, ?, ?) "
            "ON CONFLICT(chat_id, message_id) DO NOTHING", (chat_id, message_id, ticket_id))

    async def by_manager_message(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a private-chat message belongs to: one the bot sent for it, or the manager's own."""
        row = await self.db.fetchone(
            "SELECT t.* FROM tickets t JOIN ticket_manager_messages m ON m.ticket_id = t.id "
            "WHERE m.chat_id = ? AND m.message_id = ?", (chat_id, message_id))
        if row is None:
            row = await self.db.fetchone(
                "SELECT t.* FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id "
                "WHERE m.chat_id = ? AND m.message_id = ? AND m.direction = 'in'", (chat_id, message_id))
        return _ticket(row) if row else None

    async def last_answer_at(self, ticket_id: int) -> str | None:
        """When the consultant last wrote to the manager on this ticket (UTC text)."""
        row = await self.db.fetchone(
            "SELECT MAX(created_at) FROM ticket_messages WHERE ticket_id = ? AND direction = 'out'", (ticket_id,))
        return row[0] if row and row[0] else None

    async def resolved_of_manager_since(self, user_id: int, since: str) -> list[Ticket]:
        rows = await self.db.fetchall(
            "SELECT * FROM tickets WHERE manager_user_id = ? AND status IN ('resolved', 'closed') "
            "AND resolved_at IS NOT NULL AND resolved_at >= ? ORDER BY resolved_at DESC", (user_id, since))
        return [_ticket(r) for r in rows]

    async def route(self, user_id: int, now: str) -> tuple[str, int | None] | None:
        row = await self.db.fetchone("SELECT choice, ticket_id FROM ticket_routes WHERE user_id = ? AND until > ?",
                                     (user_id, now))
        return (row[0], row[1]) if row else None

    async def clear_route(self, user_id: int) -> None:
        await self.db.execute("DELETE FROM ticket_routes WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM ticket_manager_messages WHERE chat_id = ?", (user_id,))

    async def set_route(self, user_id: int, choice: str, ticket_id: int | None, until: str) -> None:
        await self.db.execute(
            "INSERT INTO ticket_routes (user_id, choice, ticket_id, until) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET choice = excluded.choice, ticket_id = excluded.ticket_id, "
            "until = excluded.until", (user_id, choice, ticket_id, until))

    # Privacy -----------------------------------------------------------------------------
    async def export_for(self, user_id: int) -> list[dict]:
        out = []
        for ticket in await self.of_manager(user_id):
            rows = await self.db.fetchall(
                "SELECT direction, kind, text, created_at FROM ticket_messages WHERE ticket_id = ? "
                "AND (author_id = ? OR direction = 'out') ORDER BY id", (ticket.id, user_id))
            rating = await self.rating(ticket.id)
            out.append({"ticket": ticket.as_dict(), "messages": [dict(r) for r in rows],
                        "rating": asdict(rating) if rating else None})
        return out

    async def forget_user(self, user_id: int) -> None:
        """Keep the cooperative's consultation record, without the person (privacy notice)."""
        await self.db.execute("UPDATE tickets SET manager_user_id = NULL WHERE manager_user_id = ?", (user_id,))
        await self.db.execute("UPDATE ticket_messages SET author_id = NULL WHERE author_id = ?", (user_id,))
        await self.db.execute("UPDATE ticket_ratings SET rated_by = NULL WHERE rated_by = ?", (user_id,))
        await self.db.execute("DELETE FROM ticket_routes WHERE user_id = ?", (user_id,))


class StaffChatRepo:
    """Whether the staff group is a forum, as Telegram said at the last start."""

    def __init__(self, db: Executor) -> None:
        self.db = db

    async def set_forum(self, chat_id: int, is_forum: bool) -> None:
        await self.db.execute(
            "INSERT INTO staff_chat_info (chat_id, is_forum, checked_at) VALUES (?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET is_forum = excluded.is_forum, checked_at = excluded.checked_at",
            (chat_id, int(is_forum), utcnow()),
        )

    async def is_forum(self, chat_id: int) -> bool | None:
        row = await self.db.fetchone("SELECT is_forum FROM staff_chat_info WHERE chat_id = ?", (chat_id,))
        return bool(row[0]) if row else None

    async def system_topic(self, chat_id: int) -> int | None:
        row = await self.db.fetchone("SELECT system_topic_id FROM staff_chat_info WHERE chat_id = ?", (chat_id,))
        return row[0] if row else None

    async def set_system_topic(self, chat_id: int, thread_id: int | None) -> None:
        await self.db.execute(
            "INSERT INTO staff_chat_info (chat_id, is_forum, checked_at, system_topic_id) VALUES (?, 1, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET system_topic_id = excluded.system_topic_id",
            (chat_id, utcnow(), thread_id),
        )
