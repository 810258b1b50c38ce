"""Consultation tickets as a service object: open, act on, relay both ways, rate. No Telegram.

`TicketService` is built once in the application's post-init (`Services.tickets`) and holds what
every operation needs (database, outbox, texts, settings) and whether the staff group is a forum.

Every message that must arrive becomes an outbox row in the same transaction as the state it
belongs to (the stored message, the new status), with a dedupe key, so a retried update or a
crash never duplicates or drops it. Staff-side rows carry ref ("ticket", id); the delivery hooks
in bot/tickets/delivery.py put them in the ticket's forum topic and record the staff message
-> ticket mapping when they are sent.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape

from bot.core.buttons import Button, Keyboard, callback
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import TELEGRAM_CAPTION_LIMIT, split_message
from bot.tickets import rules
from bot.tickets.reads import (Detail, HistoryLine, QueueItem, TicketReads, manager_lang,  # noqa: F401  (re-exported)
                               office, staff_lang)
from bot.tickets.routing import Route, TicketRouting  # noqa: F401  (re-exported for callers)
from bot.tickets.sla import TicketServiceLevels
from bot.tickets.rules import Actor, NotAllowed, number  # noqa: F401  (re-exported for callers)
from bot.triage.learn import record_ticket_answer
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.db import Executor, from_utc_text, to_utc_text, utcnow
from storage.flows import FlowRepo
from storage.tickets import Ticket, TicketRepo

CAPTIONED = frozenset({"photo", "document", "voice", "video", "audio", "animation"})
# Outbox kinds. Staff-side kinds go into the ticket's topic (forum mode) and are mapped.
CARD, TO_STAFF, STAFF_NOTE, TO_MANAGER, SLA = "ticket_card", "ticket_in", "ticket_staff", "ticket_out", "ticket_sla"
CARD_EDIT = "ticket_card_edit"
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




def signer_name(settings: Settings, name: str) -> str:
    return "" if settings.consultant_signature == "clinic" else name


# Privacy hooks (they run inside /hapusdata's and /datasaya's own executor) -------------------
async def privacy_export(db: Executor, user_id: int) -> tuple[str, object]:
    return "tickets", await TicketRepo(db).export_for(user_id)


async def privacy_erase(db: Executor, user_id: int) -> None:
    await TicketRepo(db).forget_user(user_id)


class TicketService(TicketReads, TicketRouting, TicketServiceLevels):
    """Opening, lifecycle, relays both ways, ratings and service levels (reads: TicketReads)."""

    # Card: one live view of the ticket in the staff group ------------------------------------
    async def render_card(self, db: Executor, ticket: Ticket) -> tuple[str, Keyboard]:
        lang, texts = self.staff_lang, self.texts
        coop = await CooperativeRepo(db).get(ticket.cooperative_id)
        consultants = ConsultantRepo(db)
        covering = await consultants.covering(coop.kecamatan)
        assignee = await consultants.get(ticket.assignee_id) if ticket.assignee_id else None
        html = texts.render(lang, "tickets.card", ticket=ticket, number=number(ticket.id), coop=coop,
                            covering=covering, assignee=assignee, suggestions=ticket.suggestions,
                            rating=await TicketRepo(db).rating(ticket.id))
        buttons = []
        if ticket.status in rules.OPEN and ticket.assignee_id is None:
            buttons.append(Button(texts.plain(lang, "tickets.btn_claim"), callback("tk", "claim", ticket.id)))
        if ticket.status in rules.OPEN:
            buttons.append(Button(texts.plain(lang, "tickets.btn_resolve"), callback("tk", "resolve", ticket.id)))
        return html, [buttons] if buttons else []

    async def card_now(self, ticket_id: int) -> tuple[Ticket, str, Keyboard]:
        """The card as it should read at this moment (the delivery hooks render it at send time)."""
        ticket = await TicketRepo(self.db).get(ticket_id)
        html, keyboard = await self.render_card(self.db, ticket)
        return ticket, html, keyboard

    async def refresh_card(self, ticket_id: int, db: Executor | None = None) -> bool:
        """Queue an edit of the ticket's card, unless one is already waiting: the waiting edit is
        rendered when it is sent, so it will show this change too. A burst of changes to one
        ticket therefore costs at most two edits (one in flight, one waiting), and a card not yet
        in the group costs none (it is rendered when it is sent). Returns whether a row was queued."""
        db = db or self.db
        ticket = await TicketRepo(db).get(ticket_id)
        if self.staff_chat_id is None or ticket.card_message_id is None:
            return False
        box = self.outbox.bind(db)
        if any(r.status == "pending" for r in await box.repo.rows(CARD_EDIT, ("ticket", ticket_id))):
            return False
        html, keyboard = await self.render_card(db, ticket)
        return await box.edit_text(self.staff_chat_id, ticket.card_message_id, html, kind=CARD_EDIT, keyboard=keyboard,
                                   dedupe_key=None,
                                   ref=("ticket", ticket.id)) is not None

    # Opening --------------------------------------------------------------------------------
    async def open(self, *, cooperative_id: int, manager_user_id: int | None, service: str, category: str,
                   question: str, source: str, triage_id: int | None = None,
                   suggestions: Sequence[tuple[str, str]] = (), messages: Sequence[Incoming] = (),
                   conversation: tuple[int, int] | None = None, tell_manager: bool = False) -> Ticket:
        """Write a ticket and queue its card for the staff group, all or nothing.

        `conversation` (chat_id, user_id) is the manager's /konsultasi flow, ended in the same
        transaction: a crash after the ticket is written cannot leave the flow open to submit twice.

        `messages` are the manager's own messages describing the case: stored with the ticket;
        media among them are relayed (copied) to the group after the card. Text goes in `question`.

        `tell_manager`: the ticket was opened by staff (e.g. from a health alert); the manager is
        told, with its number, through the outbox in the same transaction."""
        if not rules.valid_category(service, category):
            raise ValueError(f"unknown service/category {service}/{category}")
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            ticket = await repo.create(cooperative_id=cooperative_id, manager_user_id=manager_user_id,
                                       service=service, category=category, question=question.strip(),
                                       source=source, triage_id=triage_id, suggestions=[list(s) for s in suggestions])
            await repo.add_message(ticket.id, "event", kind="opened", author_id=manager_user_id, text=source)
            html, keyboard = await self.render_card(tx, ticket)
            box = self.outbox.bind(tx)
            if self.staff_chat_id is not None:
                await box.send_text(self.staff_chat_id, html, kind=CARD, keyboard=keyboard,
                                    dedupe_key=f"card:{ticket.id}", ref=("ticket", ticket.id))
            for msg in messages:
                if await repo.add_message(ticket.id, "in", kind=msg.kind, author_id=msg.author_id,
                                          chat_id=msg.chat_id, message_id=msg.message_id,
                                          media_group_id=msg.media_group_id, text=msg.text) and msg.kind != "text":
                    await self._queue_to_staff(tx, box, ticket, msg)
            if conversation is not None:
                await FlowRepo(tx).clear(*conversation)
            if tell_manager and manager_user_id is not None:
                mlang = await self.manager_lang(manager_user_id, tx)
                await box.send_text(manager_user_id, self.texts.render(mlang, "tickets.opened_for_you",
                                                                       number=number(ticket.id), ticket=ticket),
                                    kind=TO_MANAGER, dedupe_key=f"opened_for:{ticket.id}", ref=("ticket", ticket.id))
        return ticket

    async def _queue_to_staff(self, tx: Executor, box: Outbox, ticket: Ticket, msg: Incoming) -> None:
        """A manager's message to the staff group; every part carries the ticket's label."""
        if self.staff_chat_id is None:
            return
        coop = await CooperativeRepo(tx).get(ticket.cooperative_id)

        def header(part: int = 0, parts: int = 0) -> str:
            return self.texts.render(self.staff_lang, "tickets.relay_in_header", number=number(ticket.id), coop=coop,
                                     part=part, parts=parts)
        await self._relay(box, self.staff_chat_id, TO_STAFF, ticket.id, msg, header, lambda body, label: f"{label}\n{body}")

    async def _relay(self, box: Outbox, chat_id: int, kind: str, ticket_id: int, msg: Incoming, label,
                     join) -> None:
        """Queue `msg` to `chat_id` so that every message that arrives names its ticket: a text
        with its label (split in parts, each labelled, when it is too long for one message); a
        captioned medium with the label in its caption (and its long caption as labelled text
        parts); anything else (a sticker, a video note) after a line with the label.
        `label(part, parts)` renders the label; `join(body, label)` puts them together."""
        key, ref = f"relay:{msg.chat_id}:{msg.message_id}", ("ticket", ticket_id)
        whole = label()
        if msg.kind == "text" and msg.html and len(join(msg.html, whole)) <= TEXT_ROOM:
            await box.send_text(chat_id, join(msg.html, whole), kind=kind, dedupe_key=key, ref=ref,
                                coalesce_key=f"relay:{ticket_id}" if kind == TO_STAFF else None)  # burst: one message (issue 16)
            return
        if msg.kind == "text":
            await self._relay_parts(box, chat_id, kind, ref, key, msg.text or "", label, join)
            return
        if msg.kind not in CAPTIONED:
            await box.send_text(chat_id, whole, kind=kind, dedupe_key=f"{key}:label", ref=ref)
            await box.copy(chat_id, msg.chat_id, msg.message_id, kind=kind, dedupe_key=key, ref=ref)
            return
        combined = join(msg.html, whole) if msg.html else whole
        if len(combined) <= TELEGRAM_CAPTION_LIMIT:
            await box.copy(chat_id, msg.chat_id, msg.message_id, kind=kind, caption_html=combined,
                           dedupe_key=key, ref=ref)
            return
        await box.copy(chat_id, msg.chat_id, msg.message_id, kind=kind, caption_html=whole, dedupe_key=key, ref=ref)
        await self._relay_parts(box, chat_id, kind, ref, f"{key}:caption", msg.text or "", label, join)

    async def _relay_parts(self, box: Outbox, chat_id: int, kind: str, ref: tuple[str, int], key: str, text: str,
                           label, join) -> None:
        """A long text in labelled parts, as plain text (a cut never splits an HTML tag)."""
        room = TEXT_ROOM - len(join("", label(99, 99)))
        parts = split_message(escape(text), room)
        for i, part in enumerate(parts, 1):
            await box.send_text(chat_id, join(part, label(i, len(parts))), kind=kind, dedupe_key=f"{key}:{i}", ref=ref)

    # Lifecycle --------------------------------------------------------------------------------
    async def act(self, ticket_id: int, action: str, actor: Actor, *,
                  assignee_id: int | None = None) -> tuple[Ticket, Ticket]:
        """Apply a lifecycle action after checking who and when; returns (before, after).

        Raises NotAllowed (nothing changed) and storage NotFound (a LookupError)."""
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            before = await repo.get(ticket_id)
            changes = rules.transition(before, action, actor, utcnow(), assignee_id=assignee_id)
            if not changes:
                return before, before
            if not await repo.set_status_if(ticket_id, before.status, **changes):
                raise NotAllowed("stale")
            after = await repo.get(ticket_id)
            await repo.add_message(ticket_id, "event", kind=action, author_id=actor.user_id,
                                   text=str(assignee_id) if assignee_id else None)
            await self._follow_up(tx, self.outbox.bind(tx), before, after, action)
        return before, after

    async def claim(self, ticket_id: int, actor: Actor) -> tuple[Ticket, Ticket]:
        return await self.act(ticket_id, "claim", actor)

    async def transfer(self, ticket_id: int, actor: Actor, assignee_id: int) -> tuple[Ticket, Ticket]:
        return await self.act(ticket_id, "reassign", actor, assignee_id=assignee_id)

    async def resolve(self, ticket_id: int, actor: Actor) -> tuple[Ticket, Ticket]:
        return await self.act(ticket_id, "resolve", actor)

    async def close(self, ticket_id: int, actor: Actor) -> tuple[Ticket, Ticket]:
        return await self.act(ticket_id, "close", actor)

    async def reopen(self, ticket_id: int, actor: Actor) -> tuple[Ticket, Ticket]:
        return await self.act(ticket_id, "reopen", actor)

    async def _follow_up(self, tx: Executor, box: Outbox, before: Ticket, after: Ticket, action: str) -> None:
        lang, staff, texts = self.staff_lang, self.staff_chat_id, self.texts
        ref = ("ticket", after.id)
        await self.refresh_card(after.id, tx)
        rated = action == "close" and await TicketRepo(tx).rating(after.id) is not None
        if action in ("resolve", "close") and after.manager_user_id and not rated:
            # Resolved by the consultant, or closed by the manager: either way, a rating is asked.
            mlang = await self.manager_lang(after.manager_user_id, tx)
            keyboard = [[Button(str(n), callback("tm", "rate", after.id, n)) for n in range(1, 6)]]
            if action == "resolve":
                keyboard.append([Button(texts.plain(mlang, "tickets.btn_reopen"), callback("tm", "reopen", after.id))])
            name = "tickets.rate_request" if action == "resolve" else "tickets.rate_request_closed"
            await box.send_text(after.manager_user_id, texts.render(mlang, name, number=number(after.id)),
                                kind=TO_MANAGER, keyboard=keyboard,
                                dedupe_key=f"rate:{after.id}:{after.resolved_at or after.closed_at}", ref=ref)
        notice = {"close": "closed_by_manager", "reopen": "reopened_by_manager"}.get(action)
        if notice and staff is not None:
            await box.send_text(staff, texts.render(lang, f"tickets.{notice}", number=number(after.id)), kind=STAFF_NOTE,
                                dedupe_key=f"{notice}:{after.id}:{after.updated_at}", ref=ref)

    # Relays -------------------------------------------------------------------------------------
    async def relay_from_manager(self, ticket_id: int, msg: Incoming, actor: Actor) -> bool:
        """A manager's later message: stored, then queued to the staff group. False if it was
        already stored (a retried update); raises NotAllowed for someone else's or a finished ticket."""
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            ticket = await repo.get(ticket_id)
            changes = rules.transition(ticket, "message", actor, utcnow())
            if not await repo.add_message(ticket.id, "in", kind=msg.kind, author_id=msg.author_id, chat_id=msg.chat_id,
                                          message_id=msg.message_id, media_group_id=msg.media_group_id, text=msg.text):
                return False
            if changes:
                await repo.update(ticket.id, **changes)
                await self.refresh_card(ticket.id, tx)
            await self._queue_to_staff(tx, self.outbox.bind(tx), ticket, msg)
        return True

    async def relay_from_consultant(self, ticket_id: int, msg: Incoming, actor: Actor, signer: str) -> bool:
        """A consultant's answer: stored, then queued to the manager as a signed copy."""
        async with self.db.transaction() as tx:
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
                await self.refresh_card(ticket.id, tx)
            await repo.clear_route(ticket.manager_user_id)  # the answer starts a live exchange (route())
            lang = await self.manager_lang(ticket.manager_user_id, tx)
            name, clinic = signer_name(self.settings, signer), self.settings.consultant_signature == "clinic"

            def signature(part: int = 0, parts: int = 0) -> str:
                return self.texts.render(lang, "tickets.signature", number=number(ticket.id), name=name,
                                         clinic=clinic, part=part, parts=parts)
            await self._relay(self.outbox.bind(tx), ticket.manager_user_id, TO_MANAGER, ticket.id, msg, signature,
                              lambda body, label: f"{body}\n\n{label}")
        return True

    async def correct_from_consultant(self, msg: Incoming, actor: Actor, signer: str,
                                      edited_at: int) -> tuple[str, int | None]:
        """A consultant edited a message of theirs in the staff group. Returns what became of it,
        and the ticket:
        "relayed" (the manager gets "✏️ Koreksi ..." as a reply to the answer they have), "internal"
        (an edited note: stays internal), "closed" or "no_manager" (not relayed: the consultant must
        be told why), "unknown" (not a ticket message: ordinary staff talk)."""
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            original = await repo.message_by_source(msg.chat_id, msg.message_id)
            if original is None or original.direction not in ("out", "note"):
                return "unknown", None
            if original.direction == "note":
                return "internal", original.ticket_id
            ticket = await repo.get(original.ticket_id)
            try:
                rules.transition(ticket, "answer", actor, utcnow())
            except NotAllowed as exc:
                return exc.code, ticket.id
            if ticket.manager_user_id is None:
                return "no_manager", ticket.id
            await repo.add_message(ticket.id, "out", kind="correction", author_id=msg.author_id, text=msg.text)
            box = self.outbox.bind(tx)
            relayed = [r for r in await box.repo.rows(TO_MANAGER, ("ticket", ticket.id))
                       if r.dedupe_key and r.dedupe_key.startswith(f"relay:{msg.chat_id}:{msg.message_id}")]
            reply_to = next((r.sent_message_id for r in reversed(relayed) if r.sent_message_id), None)
            lang = await self.manager_lang(ticket.manager_user_id, tx)
            html = self.texts.render(lang, "tickets.correction", number=number(ticket.id), text=msg.text or "",
                                     name=signer_name(self.settings, signer),
                                     clinic=self.settings.consultant_signature == "clinic")
            for i, part in enumerate(split_message(html, TEXT_ROOM)):
                await box.send_text(ticket.manager_user_id, part, kind=TO_MANAGER, reply_to=reply_to if i == 0 else None,
                                    dedupe_key=f"edit:{msg.chat_id}:{msg.message_id}:{edited_at}:{i}",
                                    ref=("ticket", ticket.id))
        return "relayed", ticket.id

    async def add_note(self, ticket_id: int, msg: Incoming, actor: Actor) -> bool:
        """An internal note (`!` in the staff group): stored, never relayed."""
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            rules.transition(await repo.get(ticket_id), "note", actor, utcnow())
            return await repo.add_message(ticket_id, "note", kind=msg.kind, author_id=msg.author_id,
                                          chat_id=msg.chat_id, message_id=msg.message_id, text=msg.text) is not None

    async def answer_with_entry(self, ticket_id: int, actor: Actor, signer: str, entry_id: str, entry_html: str,
                                source: Incoming) -> bool:
        """`/faq <id>` in the topic or as a reply: the knowledge-base entry goes to the manager."""
        msg = Incoming(source.chat_id, source.message_id, source.author_id, "text", text=f"/faq {entry_id}",
                       html=entry_html)
        relayed = await self.relay_from_consultant(ticket_id, msg, actor, signer)
        ticket = await TicketRepo(self.db).get(ticket_id)  # the knowledge base learns from it (bot/triage/learn.py)
        await record_ticket_answer(self.db, ticket_id=ticket.id, question=ticket.question, entry_id=entry_id,
                                   triage_id=ticket.triage_id)
        return relayed

    # Which private messages go to a ticket: bot/tickets/routing.py (TicketRouting) -------------------

    # Ratings ------------------------------------------------------------------------------------
    async def rate(self, ticket_id: int, actor: Actor, score: int) -> Ticket:
        if not 1 <= score <= 5:
            raise NotAllowed("bad_score")
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            ticket = await repo.get(ticket_id)
            changes = rules.transition(ticket, "rate", actor, utcnow())
            if await repo.rating(ticket_id) is not None and ticket.status == "closed":
                raise NotAllowed("already_rated")
            if changes:
                await repo.update(ticket_id, **changes)
            await repo.rate(ticket_id, score, actor.user_id)
            await self.refresh_card(ticket_id, tx)
            if self.staff_chat_id is not None:
                await self.outbox.bind(tx).send_text(
                    self.staff_chat_id, self.texts.render(self.staff_lang, "tickets.rated", number=number(ticket_id),
                                                          score=score, comment=None),
                    kind=STAFF_NOTE, dedupe_key=f"rated:{ticket_id}:{ticket.resolved_at}", ref=("ticket", ticket_id))
            return await repo.get(ticket_id)

    async def comment(self, ticket_id: int, actor: Actor, text: str) -> None:
        async with self.db.transaction() as tx:
            repo = TicketRepo(tx)
            ticket = await repo.get(ticket_id)
            rules.authorize(actor, "rate", ticket)
            rating = await repo.rating(ticket_id)
            if rating is None:
                raise NotAllowed("not_resolved")
            await repo.comment(ticket_id, text)
            if self.staff_chat_id is not None:
                await self.outbox.bind(tx).send_text(
                    self.staff_chat_id, self.texts.render(self.staff_lang, "tickets.rated", number=number(ticket_id),
                                                          score=rating.score, comment=text),
                    kind=STAFF_NOTE, dedupe_key=f"ratedc:{ticket_id}:{rating.created_at}", ref=("ticket", ticket_id))
