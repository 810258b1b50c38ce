"""Consultation tickets as a service: open, act on, relay both ways, rate. No Telegram here.

Every message that must arrive becomes an outbox row in the same transaction as the state it
belongs to (the stored message, the new status), with a dedupe key, so a retried update or a
crash never duplicates or drops it. Staff-side rows carry ref ("ticket", id); the delivery hooks
in handlers/tickets_staff.py put them in the ticket's forum topic and record the staff message
-> ticket mapping when they are sent.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.tickets import rules
from bot.core.buttons import Button, Keyboard, callback
from bot.core.office_hours import OfficeHours
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import TELEGRAM_CAPTION_LIMIT, Texts
from bot.tickets.rules import Actor, NotAllowed, number  # noqa: F401  (re-exported for callers)
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.db import Database, Executor, from_utc_text, utcnow
from storage.flows import FlowRepo
from storage.tickets import Ticket, TicketRepo
from storage.users import UserRepo

CAPTIONED = frozenset({"photo", "document", "voice", "video", "audio", "animation"})
# Outbox kinds. Staff-side kinds go into the ticket's topic (forum mode) and are mapped.
CARD, TO_STAFF, STAFF_NOTE, TO_MANAGER, SLA = "ticket_card", "ticket_in", "ticket_staff", "ticket_out", "ticket_sla"
STAFF_KINDS = (CARD, TO_STAFF, STAFF_NOTE)
TEXT_ROOM = 4000


@dataclass(frozen=True)
class Incoming:
    """One chat message, as the handlers saw it."""
    chat_id: int
    message_id: int
    author_id: int
    kind: str                 # text, photo, document, voice, video, audio, sticker, ...
    text: str | None = None   # plain text or caption
    html: str | None = None   # text or caption as Telegram HTML (keeps the formatting)
    media_group_id: str | None = None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def office(settings: Settings) -> OfficeHours:
    return OfficeHours(settings.office_hours, tz=settings.tz)


def staff_lang(settings: Settings) -> str:
    return settings.default_language


async def manager_lang(db: Executor, settings: Settings, user_id: int | None) -> str:
    user = await UserRepo(db).find(user_id) if user_id else None
    return (user.language if user and user.language else None) or settings.default_language


# Card ---------------------------------------------------------------------------------------
async def render_card(db: Executor, texts: Texts, settings: Settings, ticket: Ticket) -> tuple[str, Keyboard]:
    lang = staff_lang(settings)
    coop = await CooperativeRepo(db).get(ticket.cooperative_id)
    consultants = ConsultantRepo(db)
    covering = await consultants.covering(coop.kecamatan)
    assignee = await consultants.get(ticket.assignee_id) if ticket.assignee_id else None
    html = texts.render(lang, "tickets.card", ticket=ticket, number=number(ticket.id), coop=coop,
                        covering=covering, assignee=assignee, suggestions=ticket.suggestions)
    keyboard: Keyboard = []
    if ticket.status in rules.OPEN:
        keyboard = [[Button(texts.plain(lang, "tickets.btn_claim"), callback("tk", "claim", ticket.id)),
                     Button(texts.plain(lang, "tickets.btn_resolve"), callback("tk", "resolve", ticket.id))]]
    return html, keyboard


async def open_ticket(db: Database, outbox: Outbox, texts: Texts, settings: Settings, *, cooperative_id: int,
                      manager_user_id: int | None, service: str, category: str, question: str, source: str,
                      triage_id: int | None = None, suggestions: Sequence[tuple[str, str]] = (),
                      messages: Sequence[Incoming] = (), conversation: tuple[int, int] | None = None) -> Ticket:
    """Write a ticket and queue its card for the staff group, all or nothing.

    `conversation` (chat_id, user_id) is the manager's /konsultasi flow, ended in the same
    transaction: a crash after the ticket is written cannot leave the flow open to submit twice.

    `messages` are the manager's own messages describing the case: stored with the ticket;
    media among them are relayed (copied) to the group after the card. Text goes in `question`."""
    if not rules.valid_category(service, category):
        raise ValueError(f"unknown service/category {service}/{category}")
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        ticket = await repo.create(cooperative_id=cooperative_id, manager_user_id=manager_user_id, service=service,
                                   category=category, question=question.strip(), source=source,
                                   triage_id=triage_id, suggestions=[list(s) for s in suggestions])
        await repo.add_message(ticket.id, "event", kind="opened", author_id=manager_user_id, text=source)
        html, keyboard = await render_card(tx, texts, settings, ticket)
        box = outbox.bind(tx)
        if settings.staff_chat_id is not None:
            await box.send_text(settings.staff_chat_id, html, kind=CARD, keyboard=keyboard,
                                dedupe_key=f"card:{ticket.id}", ref=("ticket", ticket.id))
        for msg in messages:
            if await repo.add_message(ticket.id, "in", kind=msg.kind, author_id=msg.author_id, chat_id=msg.chat_id,
                                      message_id=msg.message_id, media_group_id=msg.media_group_id,
                                      text=msg.text) and msg.kind != "text":
                await _queue_to_staff(tx, box, texts, settings, ticket, msg)
        if conversation is not None:
            await FlowRepo(tx).clear(*conversation)
    return ticket


async def _queue_to_staff(tx: Executor, box: Outbox, texts: Texts, settings: Settings, ticket: Ticket,
                          msg: Incoming) -> None:
    if settings.staff_chat_id is None:
        return
    coop = await CooperativeRepo(tx).get(ticket.cooperative_id)
    header = texts.render(staff_lang(settings), "tickets.relay_in_header", number=number(ticket.id), coop=coop)
    key, ref = f"relay:{msg.chat_id}:{msg.message_id}", ("ticket", ticket.id)
    if msg.kind == "text" and msg.html and len(header) + len(msg.html) < TEXT_ROOM:
        await box.send_text(settings.staff_chat_id, f"{header}\n{msg.html}", kind=TO_STAFF, dedupe_key=key, ref=ref,
                            coalesce_key=f"relay:{ticket.id}")  # a burst goes as one message (issue 16)
        return
    caption = None
    if msg.kind in CAPTIONED:
        combined = f"{header}\n{msg.html}" if msg.html else header
        caption = combined if len(combined) <= TELEGRAM_CAPTION_LIMIT else None
    await box.copy(settings.staff_chat_id, msg.chat_id, msg.message_id, kind=TO_STAFF, caption_html=caption,
                   dedupe_key=key, ref=ref)


# Lifecycle ----------------------------------------------------------------------------------
async def act(db: Database, outbox: Outbox, texts: Texts, settings: Settings, ticket_id: int, action: str,
              actor: Actor, *, assignee_id: int | None = None) -> tuple[Ticket, Ticket]:
    """Apply a lifecycle action after checking who and when; returns (before, after).

    Raises NotAllowed (nothing changed) and storage NotFound."""
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        before = await repo.get(ticket_id)
        now = utcnow()
        changes = rules.transition(before, action, actor, now, assignee_id=assignee_id)
        if not changes:
            return before, before
        if not await repo.set_status_if(ticket_id, before.status, **changes):
            raise NotAllowed("stale")
        after = await repo.get(ticket_id)
        await repo.add_message(ticket_id, "event", kind=action, author_id=actor.user_id,
                               text=str(assignee_id) if assignee_id else None)
        await _follow_up(tx, outbox.bind(tx), texts, settings, before, after, action, actor)
    return before, after


async def _follow_up(tx: Executor, box: Outbox, texts: Texts, settings: Settings, before: Ticket, after: Ticket,
                     action: str, actor: Actor) -> None:
    lang, staff = staff_lang(settings), settings.staff_chat_id
    ref = ("ticket", after.id)
    if staff is not None and after.card_message_id and (before.status, before.assignee_id) != (after.status, after.assignee_id):
        html, keyboard = await render_card(tx, texts, settings, after)
        await box.edit_text(staff, after.card_message_id, html, kind="ticket_card_edit", keyboard=keyboard,
                            dedupe_key=f"cardedit:{after.id}:{after.updated_at}", ref=ref)
    if action == "resolve" and after.manager_user_id:
        mlang = await manager_lang(tx, settings, after.manager_user_id)
        keyboard = [[Button(str(n), callback("tm", "rate", after.id, n)) for n in range(1, 6)],
                    [Button(texts.plain(mlang, "tickets.btn_reopen"), callback("tm", "reopen", after.id))]]
        await box.send_text(after.manager_user_id, texts.render(mlang, "tickets.rate_request", number=number(after.id)),
                            kind=TO_MANAGER, keyboard=keyboard, dedupe_key=f"rate:{after.id}:{after.resolved_at}", ref=ref)
    notice = {"close": "closed_by_manager", "reopen": "reopened_by_manager"}.get(action)
    if notice and staff is not None:
        await box.send_text(staff, texts.render(lang, f"tickets.{notice}", number=number(after.id)), kind=STAFF_NOTE,
                            dedupe_key=f"{notice}:{after.id}:{after.updated_at}", ref=ref)


# Relays -------------------------------------------------------------------------------------
async def relay_in(db: Database, outbox: Outbox, texts: Texts, settings: Settings, ticket_id: int,
                   msg: Incoming, actor: Actor) -> bool:
    """A manager's later message: stored, then queued to the staff group. False if it was
    already stored (a retried update); raises NotAllowed for someone else's or a finished ticket."""
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        ticket = await repo.get(ticket_id)
        changes = rules.transition(ticket, "message", actor, utcnow())
        if not await repo.add_message(ticket.id, "in", kind=msg.kind, author_id=msg.author_id, chat_id=msg.chat_id,
                                      message_id=msg.message_id, media_group_id=msg.media_group_id, text=msg.text):
            return False
        if changes:
            await repo.update(ticket.id, **changes)
        await _queue_to_staff(tx, outbox.bind(tx), texts, settings, ticket, msg)
    return True


async def relay_out(db: Database, outbox: Outbox, texts: Texts, settings: Settings, ticket_id: int,
                    msg: Incoming, actor: Actor, signer: str) -> bool:
    """A consultant's answer: stored, then queued to the manager as a signed copy."""
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        ticket = await repo.get(ticket_id)
        changes = rules.transition(ticket, "answer", actor, utcnow())
        if ticket.manager_user_id is None:
            raise NotAllowed("no_manager")
        if not await repo.add_message(ticket.id, "out", kind=msg.kind, author_id=msg.author_id, chat_id=msg.chat_id,
                                      message_id=msg.message_id, media_group_id=msg.media_group_id, text=msg.text):
            return False
        if changes:
            await repo.update(ticket.id, **changes)
        lang = await manager_lang(tx, settings, ticket.manager_user_id)
        signature = texts.render(lang, "tickets.signature", number=number(ticket.id), name=signer_name(settings, signer),
                                 clinic=settings.consultant_signature == "clinic")
        box, key, ref = outbox.bind(tx), f"relay:{msg.chat_id}:{msg.message_id}", ("ticket", ticket.id)
        if msg.kind == "text" and msg.html and len(signature) + len(msg.html) < TEXT_ROOM:
            await box.send_text(ticket.manager_user_id, f"{msg.html}\n\n{signature}", kind=TO_MANAGER,
                                dedupe_key=key, ref=ref)
        else:
            caption = None
            if msg.kind in CAPTIONED:
                combined = f"{msg.html}\n\n{signature}" if msg.html else signature
                caption = combined if len(combined) <= TELEGRAM_CAPTION_LIMIT else None
            await box.copy(ticket.manager_user_id, msg.chat_id, msg.message_id, kind=TO_MANAGER,
                           caption_html=caption, dedupe_key=key, ref=ref)
    return True


def signer_name(settings: Settings, name: str) -> str:
    return "" if settings.consultant_signature == "clinic" else name


async def add_note(db: Database, ticket_id: int, msg: Incoming, actor: Actor) -> bool:
    """An internal note (`!` in the staff group): stored, never relayed."""
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        rules.transition(await repo.get(ticket_id), "note", actor, utcnow())
        return await repo.add_message(ticket_id, "note", kind=msg.kind, author_id=msg.author_id, chat_id=msg.chat_id,
                                      message_id=msg.message_id, text=msg.text) is not None


async def answer_with_entry(db: Database, outbox: Outbox, texts: Texts, settings: Settings, ticket_id: int,
                            actor: Actor, signer: str, entry_id: str, entry_html: str, source: Incoming) -> bool:
    """`/faq <id>` in the topic or as a reply: the knowledge-base entry goes to the manager."""
    msg = Incoming(source.chat_id, source.message_id, source.author_id, "text", text=f"/faq {entry_id}",
                   html=entry_html)
    return await relay_out(db, outbox, texts, settings, ticket_id, msg, actor, signer)


# Ratings ------------------------------------------------------------------------------------
async def rate(db: Database, outbox: Outbox, texts: Texts, settings: Settings, ticket_id: int, actor: Actor,
               score: int) -> Ticket:
    if not 1 <= score <= 5:
        raise NotAllowed("bad_score")
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        ticket = await repo.get(ticket_id)
        changes = rules.transition(ticket, "rate", actor, utcnow())
        if await repo.rating(ticket_id) is not None and ticket.status == "closed":
            raise NotAllowed("already_rated")
        if changes:
            await repo.update(ticket_id, **changes)
        await repo.rate(ticket_id, score, actor.user_id)
        if settings.staff_chat_id is not None:
            await outbox.bind(tx).send_text(
                settings.staff_chat_id, texts.render(staff_lang(settings), "tickets.rated", number=number(ticket_id),
                                                     score=score, comment=None),
                kind=STAFF_NOTE, dedupe_key=f"rated:{ticket_id}:{ticket.resolved_at}", ref=("ticket", ticket_id))
        return await repo.get(ticket_id)


async def comment(db: Database, outbox: Outbox, texts: Texts, settings: Settings, ticket_id: int, actor: Actor,
                  text: str) -> None:
    async with db.transaction() as tx:
        repo = TicketRepo(tx)
        ticket = await repo.get(ticket_id)
        rules.authorize(actor, "rate", ticket)
        rating = await repo.rating(ticket_id)
        if rating is None:
            raise NotAllowed("not_resolved")
        await repo.comment(ticket_id, text)
        if settings.staff_chat_id is not None:
            await outbox.bind(tx).send_text(
                settings.staff_chat_id, texts.render(staff_lang(settings), "tickets.rated", number=number(ticket_id),
                                                     score=rating.score, comment=text),
                kind=STAFF_NOTE, dedupe_key=f"ratedc:{ticket_id}:{rating.created_at}", ref=("ticket", ticket_id))


# Service levels -----------------------------------------------------------------------------
async def check_sla(db: Database, outbox: Outbox, texts: Texts, settings: Settings,
                    now: datetime | None = None) -> list[tuple[int, int]]:
    """Raise unclaimed tickets again in the group after the SLA, tell the admins after twice
    that. Returns the (ticket id, level) raised now; each level is raised once."""
    now = now or datetime.now(timezone.utc)
    hours, oh, lang = settings.ticket_sla_office_hours, office(settings), staff_lang(settings)
    raised = []
    for ticket in await TicketRepo(db).unclaimed_below_level(2):
        level = rules.sla_level(from_utc_text(ticket.created_at), now, hours, oh)
        if level <= ticket.sla_level:
            continue
        async with db.transaction() as tx:
            repo = TicketRepo(tx)
            if not await repo.set_status_if(ticket.id, "new", sla_level=level):
                continue
            box = outbox.bind(tx)
            age = round(oh.office_hours_between(from_utc_text(ticket.created_at), now), 1)
            if settings.staff_chat_id is not None:
                await box.send_text(settings.staff_chat_id,
                                    texts.render(lang, "tickets.sla_raise", number=number(ticket.id), level=level,
                                                 hours=age),
                                    kind=SLA, dedupe_key=f"sla:{ticket.id}:{level}", ref=("ticket", ticket.id))
            if level >= 2:
                for admin in settings.admin_ids:
                    await box.send_text(admin, texts.render(lang, "tickets.sla_admin", number=number(ticket.id),
                                                            hours=age),
                                        kind=SLA, dedupe_key=f"sla:{ticket.id}:{level}:{admin}", ref=("ticket", ticket.id))
        raised.append((ticket.id, level))
    return raised
