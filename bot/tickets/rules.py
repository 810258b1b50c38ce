"""The rules of a consultation ticket, with no Telegram and no database: numbers, services and
categories, who may do what, the lifecycle, and service levels in office hours.

Lifecycle: new -> claimed -> answered <-> waiting -> resolved -> closed, and reopen.
  answered = a consultant answered, the manager's turn; waiting = the manager wrote, the clinic's turn.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.office_hours import OfficeHours
from bot.core.sanitize import strip_bidi

SERVICES = ("preventif", "kuratif")
CATEGORIES: dict[str, tuple[str, ...]] = {
    "preventif": ("perencanaan", "tata_kelola", "kepatuhan", "keuangan", "lainnya"),
    "kuratif": ("pinjaman_macet", "dana_hilang", "sengketa", "likuiditas", "lainnya"),
}
OPEN = frozenset({"new", "claimed", "answered", "waiting"})
STATUSES = ("new", "claimed", "answered", "waiting", "resolved", "closed")

CONSULTANT_ACTIONS = frozenset({"claim", "answer", "note", "resolve", "reassign", "reopen_staff"})
MANAGER_ACTIONS = frozenset({"message", "close", "rate", "reopen"})

_NUMBER = re.compile(r"^#?0*(\d{1,9})$")
_LONG_DIGITS = re.compile(r"\+?\d[\d\s.-]{5,}\d")  # phone-number or id-like runs


class NotAllowed(Exception):
    """The actor may not do this to this ticket, or not in its current state. `code` names a
    template macro explaining why (tickets.denied_<code>)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def number(ticket_id: int) -> str:
    """Readable ticket number: #0007, #0123, #12345."""
    return f"#{ticket_id:04d}"


def parse_number(text: str | None) -> int | None:
    """'#0123', '0123' or '123' -> 123; anything else -> None."""
    if not text:
        return None
    m = _NUMBER.match(text.strip())
    return int(m[1]) if m and int(m[1]) > 0 else None


def valid_category(service: str, category: str) -> bool:
    return category in CATEGORIES.get(service, ())


@dataclass(frozen=True)
class Actor:
    """Who presses or writes: a consultant (a member of the staff group) or a manager, whose
    cooperative decides which tickets they see."""
    user_id: int
    is_consultant: bool = False
    cooperative_id: int | None = None


@dataclass(frozen=True)
class TicketView:
    """What the rules need of a ticket (storage.tickets.Ticket fits)."""
    status: str
    cooperative_id: int
    assignee_id: int | None = None
    first_answer_at: str | None = None


def authorize(actor: Actor, action: str, ticket: TicketView) -> None:
    if action in CONSULTANT_ACTIONS:
        if not actor.is_consultant:
            raise NotAllowed("not_consultant")
    elif action in MANAGER_ACTIONS:
        if actor.cooperative_id is None or actor.cooperative_id != ticket.cooperative_id:
            raise NotAllowed("not_yours")
    else:
        raise ValueError(f"unknown action {action!r}")


def transition(ticket: TicketView, action: str, actor: Actor, now: str,
               assignee_id: int | None = None) -> dict:
    """The field updates `action` makes, after checking who may do it and when.

    Raises NotAllowed; returns {} when the action changes nothing (e.g. claiming one's own).
    Longer than 60 lines on purpose: the whole ticket state machine reads top to bottom here,
    one action per block, and splitting it would scatter the rules a reviewer checks together."""
    authorize(actor, action, ticket)
    status = ticket.status
    if action == "note":
        if status == "closed":
            raise NotAllowed("closed")
        return {}
    if action == "claim":
        if status not in OPEN:
            raise NotAllowed("not_open")
        if ticket.assignee_id == actor.user_id:
            return {}
        if ticket.assignee_id is not None:
            raise NotAllowed("taken")
        new = "claimed" if status == "new" else status
        return {"status": new, "assignee_id": actor.user_id, "claimed_at": now}
    if action == "reassign":
        if status not in OPEN:
            raise NotAllowed("not_open")
        if assignee_id is None:
            raise ValueError("reassign needs the new assignee")
        if assignee_id == ticket.assignee_id:
            return {}
        return {"status": "claimed" if status == "new" else status, "assignee_id": assignee_id, "claimed_at": now}
    if action == "answer":
        if status == "closed":
            raise NotAllowed("closed")
        changes: dict = {}
        if status != "resolved":
            changes["status"] = "answered"
        if ticket.assignee_id is None:
            changes.update(assignee_id=actor.user_id, claimed_at=now)
        if ticket.first_answer_at is None:
            changes["first_answer_at"] = now
        return changes
    if action == "resolve":
        if status not in OPEN:
            raise NotAllowed("not_open")
        changes = {"status": "resolved", "resolved_at": now}
        if ticket.assignee_id is None:
            changes.update(assignee_id=actor.user_id, claimed_at=now)
        return changes
    if action == "message":
        if status not in OPEN:
            raise NotAllowed("not_open")
        return {"status": "waiting"} if status == "answered" else {}
    if action == "close":
        if status == "closed":
            raise NotAllowed("closed")
        return {"status": "closed", "closed_at": now}
    if action == "rate":
        if status not in ("resolved", "closed"):
            raise NotAllowed("not_resolved")
        return {"status": "closed", "closed_at": now} if status == "resolved" else {}
    if action in ("reopen", "reopen_staff"):
        if status not in ("resolved", "closed"):
            raise NotAllowed("still_open")
        return {"status": "claimed" if ticket.assignee_id else "new", "resolved_at": None,
                "closed_at": None, "sla_level": 0}
    raise ValueError(f"unknown action {action!r}")


# Service levels ---------------------------------------------------------------------------
def sla_level(created_at: datetime, now: datetime, hours: float, office: OfficeHours) -> int:
    """0 in time; 1 after `hours` office hours unclaimed (raise in the group); 2 after twice
    that (tell the admins)."""
    elapsed = office.office_hours_between(created_at, now)
    if elapsed >= 2 * hours:
        return 2
    if elapsed >= hours:
        return 1
    return 0


@dataclass(frozen=True)
class Expectation:
    open_now: bool
    opens_at: datetime   # now when open
    answer_by: datetime  # the SLA deadline in office hours


def expectation(now: datetime, hours: float, office: OfficeHours) -> Expectation:
    """What the manager is told when the ticket is opened."""
    return Expectation(office.is_open(now), office.next_opening(now), office.add_office_hours(now, hours))


def age_hours(created_at: datetime, now: datetime) -> float:
    return max(0.0, (now - created_at).total_seconds() / 3600)


def topic_name(ticket_id: int, service_label: str, cooperative_name: str, limit: int = 128) -> str:
    """Number, service and cooperative only: no phone numbers or Telegram ids in topic names."""
    cooperative_name = _LONG_DIGITS.sub("…", strip_bidi(cooperative_name))  # issue 10.4
    name = f"{number(ticket_id)} · {service_label} · {cooperative_name}"
    name = re.sub(r"\s+", " ", name).strip()
    return name if len(name) <= limit else name[: limit - 1] + "…"
