"""Office broadcasts (siaran Dinas), Telegram-free: the audiences, queueing one outbox row per
recipient, the progress figures and managers' answers (the text an admin may send: text.py).

A broadcast becomes rows of the one outbox in a single transaction (with its status change), so a
crash leaves either nothing or the whole recipient list; the delivery worker sends each row once
and a restart resumes what is left. Progress ("1.240/3.000 terkirim, 3 gagal") is one message in
the admin's chat, edited through the outbox at most every few seconds, then a final report.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from bot.core.domain import COOPERATIVE_KINDS, KECAMATAN
from bot.calendar.obligations import latest_closed_fy
from bot.core.buttons import Button, Keyboard, callback
from bot.core.outbox import Outbox
from bot.core.texts import Texts
from storage.broadcasts import RECIPIENT_KIND, Broadcast, BroadcastRepo, Counts
from storage.db import Database, Executor
from storage.outbox import OutboxRow
from storage.users import UserRepo

PROGRESS_KIND = "broadcast_progress"  # the admin's progress message, its edits and the report
AUDIENCES = ("all", "kecamatan", "kind", "rat_missing")
PRIVATE_EDIT_INTERVAL = 2.0  # seconds between progress edits in a private chat
GROUP_EDIT_INTERVAL = 5.0  # in a group: 12 edits a minute stays under Telegram's 20/min


# ----------------------------------------------------------------------------- audiences

@dataclass(frozen=True)
class Audience:
    kind: str  # all, kecamatan, kind, rat_missing
    arg: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in AUDIENCES:
            raise ValueError(f"unknown audience {self.kind!r}")
        if self.kind == "kecamatan" and self.arg not in KECAMATAN:
            raise ValueError(f"unknown kecamatan {self.arg!r}")
        if self.kind == "kind" and self.arg not in COOPERATIVE_KINDS:
            raise ValueError(f"unknown cooperative kind {self.arg!r}")
        if self.kind in ("all", "rat_missing") and self.arg is not None:
            raise ValueError(f"audience {self.kind} takes no argument")


def rat_periods(today: date) -> dict[int, str]:
    """For each month a financial year may end in: the year whose RAT is due now (the latest
    closed financial year, as the reminders count it; obligation_done.period)."""
    return {month: str(latest_closed_fy(today, month)) for month in range(1, 13)}


# ----------------------------------------------------------------------------- the service

@dataclass(frozen=True)
class Draft:
    """What the admin composed, ready to become a broadcast."""
    created_by: int
    body_html: str
    audience: Audience
    origin_chat_id: int
    origin_thread_id: int | None = None
    compose_key: str = field(default_factory=lambda: secrets.token_hex(8))
    responses: str | None = None  # a key of RESPONSE_SETS: buttons on every recipient's copy


@dataclass
class _Tracker:
    broadcast: Broadcast
    lang: str
    remaining: int  # rows without an outcome at the last count
    seen: int = 0  # outcomes reported by the worker since the last count
    last: float = 0.0
    edit_row: int | None = None  # a queued progress edit not yet sent: updated instead of adding one
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


# Response buttons an admin may put under a broadcast; labels are in broadcasts.j2 (`response`).
RESPONSE_SETS: dict[str, tuple[str, ...]] = {"attend": ("yes", "no"), "register": ("register",)}
RESPONSE_PREFIX = "bcr"  # "bcr:r:<broadcast>:<choice>", pressed by managers (not admins)
REPLY_KIND = "broadcast_reply"  # a manager's reply to a broadcast, posted to the staff group
REPLY_INLINE_MAX = 3500  # a reply up to this long is quoted under its header (Telegram takes 4096)


@dataclass(frozen=True)
class ReplyFrom:
    """Who answered a broadcast, for the staff group's post (names only, as staff see them)."""
    user_id: int
    name: str
    cooperative: str | None
    kecamatan: str | None


class BroadcastService:
    def __init__(self, db: Database, outbox: Outbox, texts: Texts, *, default_language: str = "id",
                 today: callable = None, staff_chat_id: int | None = None) -> None:  # type: ignore[valid-type]
        self.staff_chat_id = staff_chat_id
        self.db = db
        self.outbox = outbox
        self.texts = texts
        self.default_language = default_language
        self._today = today or date.today
        self.repo = BroadcastRepo(db)
        self._trackers: dict[int, _Tracker] = {}

    # Composing ---------------------------------------------------------------------------
    def _audience_args(self, audience: Audience) -> tuple[str, str | None, dict[int, str] | None]:
        periods = rat_periods(self._today()) if audience.kind == "rat_missing" else None
        return audience.kind, audience.arg, periods

    async def count(self, audience: Audience) -> int:
        return await self.repo.count_recipients(*self._audience_args(audience))

    def message_html(self, lang: str, body_html: str) -> str:
        """The broadcast as a recipient sees it (also the admin's preview)."""
        return self.texts.render(lang, "broadcasts.message", body=Markup(body_html))

    async def create(self, draft: Draft, at: datetime | None = None) -> int | None:
        """Send now (queue every recipient) or keep for `at`. None if this draft was already
        turned into a broadcast (a double press)."""
        async with self.db.transaction() as tx:
            broadcast_id = await BroadcastRepo(tx).create(
                compose_key=draft.compose_key, created_by=draft.created_by, body_html=draft.body_html,
                audience=draft.audience.kind, audience_arg=draft.audience.arg,
                origin_chat_id=draft.origin_chat_id, origin_thread_id=draft.origin_thread_id, scheduled_at=at,
                responses=draft.responses if draft.responses in RESPONSE_SETS else None)
            if broadcast_id is not None and at is None:
                await self._queue(tx, await BroadcastRepo(tx).get(broadcast_id))
        return broadcast_id

    async def release_due(self, now: datetime) -> list[int]:
        """Scheduled broadcasts whose time has come start sending (a tick and the start-up both
        call this; each broadcast is released once)."""
        released = []
        for b in await self.repo.due_scheduled(now):
            async with self.db.transaction() as tx:
                if await BroadcastRepo(tx).start_sending(b.id):
                    await self._queue(tx, b)
                    released.append(b.id)
        return released

    async def cancel(self, broadcast_id: int) -> bool:
        return await self.repo.cancel(broadcast_id)

    async def scheduled(self) -> list[Broadcast]:
        return await self.repo.with_status("scheduled")

    async def _admin_lang(self, db: Executor, user_id: int) -> str:
        user = await UserRepo(db).find(user_id)
        return (user.language if user and user.language else None) or self.default_language

    async def _queue(self, tx: Executor, b: Broadcast) -> int:
        repo, out = BroadcastRepo(tx), self.outbox.bind(tx)
        kind, arg, periods = self._audience_args(Audience(b.audience, b.audience_arg))
        recipients = await repo.recipients(kind, arg, periods)
        lang = await self._admin_lang(tx, b.created_by)
        total = len(recipients)
        # The progress message first: the lowest id, so the worker picks it before the recipients.
        await out.send_text(b.origin_chat_id, self.progress_html(lang, b.id, Counts(total)), kind=PROGRESS_KIND,
                            thread_id=b.origin_thread_id, ref=("broadcast", b.id),
                            dedupe_key=f"broadcast:{b.id}:progress")
        rendered: dict[str, str] = {}
        for r in recipients:
            rlang = r.language or self.default_language
            if rlang not in rendered:
                rendered[rlang] = self.message_html(rlang, b.body_html)
            await out.send_text(r.user_id, rendered[rlang], kind=RECIPIENT_KIND, ref=("broadcast", b.id),
                                keyboard=self.response_keyboard(rlang, b.id, b.responses),
                                dedupe_key=f"broadcast:{b.id}:{r.user_id}")
        await repo.set_queued(b.id, total)
        if total == 0:
            await self._finish_in(tx, await repo.get(b.id), lang, Counts(0))
        return total

    # Answers from managers ---------------------------------------------------------------
    def response_keyboard(self, lang: str, broadcast_id: int, responses: str | None) -> Keyboard | None:
        choices = RESPONSE_SETS.get(responses or "")
        if not choices:
            return None
        return [[Button(self.texts.plain(lang, "broadcasts.response", choice=c),
                        callback(RESPONSE_PREFIX, "r", broadcast_id, c)) for c in choices]]

    async def on_recipient_sent(self, row: OutboxRow, message_id: int | None) -> None:
        """A copy arrived: remember which message it is (replies and presses are checked
        against it), then count it."""
        if message_id is not None and row.ref_id is not None:
            await self.repo.remember_message(row.chat_id, message_id, row.ref_id)
        await self.on_recipient_done(row)

    async def respond(self, user_id: int, chat_id: int, message_id: int | None, broadcast_id: int,
                      choice: str) -> bool:
        """A manager's button: only on the very message that carried this broadcast, and only a
        choice of its response set (callback data can be forged)."""
        if message_id is None or await self.repo.broadcast_of_message(chat_id, message_id) != broadcast_id:
            return False
        b = await self.repo.get(broadcast_id)
        if choice not in RESPONSE_SETS.get(b.responses or "", ()):
            return False
        await self.repo.respond(broadcast_id, user_id, choice)
        return True

    async def broadcast_replied_to(self, chat_id: int, message_id: int) -> int | None:
        return await self.repo.broadcast_of_message(chat_id, message_id)

    async def relay_reply(self, broadcast_id: int, sender: ReplyFrom, chat_id: int, message_id: int,
                          text: str | None) -> bool:
        """A manager's reply to a broadcast goes to the staff group, tagged with the broadcast,
        through the outbox (a retried update does not post twice). False without a staff group."""
        if self.staff_chat_id is None:
            return False
        lang = self.default_language
        if text is not None and len(text) > REPLY_INLINE_MAX:
            text = None  # too long to go under a header: the message itself follows, copied
        header = self.texts.render(lang, "broadcasts.reply_to_office", id=broadcast_id, name=sender.name,
                                   cooperative=sender.cooperative, kecamatan=sender.kecamatan, text=text)
        async with self.db.transaction() as tx:
            out = self.outbox.bind(tx)
            await out.send_text(self.staff_chat_id, header, kind=REPLY_KIND, ref=("broadcast", broadcast_id),
                                dedupe_key=f"bcreply:{chat_id}:{message_id}")
            if text is None:  # a photo, a document or a long text: the message itself follows its header
                await out.copy(self.staff_chat_id, chat_id, message_id, kind=REPLY_KIND,
                               ref=("broadcast", broadcast_id), dedupe_key=f"bcreply:{chat_id}:{message_id}:file")
        return True

    async def response_summary(self, limit: int = 5) -> list[dict]:
        """The latest broadcasts with response buttons and their counts, for the admins."""
        return [{"id": b.id, "responses": b.responses, "counts": await self.repo.response_counts(b.id),
                 "choices": RESPONSE_SETS[b.responses]}
                for b in await self.repo.recent_with_responses(limit) if b.responses in RESPONSE_SETS]

    # Progress ----------------------------------------------------------------------------
    def progress_html(self, lang: str, broadcast_id: int, counts: Counts, final: bool = False) -> str:
        return self.texts.render(lang, "broadcasts.progress", id=broadcast_id, total=counts.total,
                                 sent=counts.sent, failed=counts.not_delivered, final=final)

    async def progress(self, broadcast_id: int) -> Counts:
        b = await self.repo.get(broadcast_id)
        return await self.repo.counts(broadcast_id, b.total or 0)

    async def _tracker(self, broadcast_id: int) -> _Tracker | None:
        tracker = self._trackers.get(broadcast_id)
        if tracker is None:
            b = await self.repo.get(broadcast_id)
            if b.status != "sending":
                return None
            counts = await self.repo.counts(b.id, b.total or 0)
            tracker = self._trackers.setdefault(broadcast_id, _Tracker(
                b, await self._admin_lang(self.db, b.created_by), counts.total - counts.done,
                last=time.monotonic()))
        return tracker

    async def on_recipient_done(self, row: OutboxRow) -> None:
        """Delivery hook (sent, blocked or failed): count, and now and then show it."""
        if row.ref_type != "broadcast" or row.ref_id is None:
            return
        tracker = await self._tracker(row.ref_id)
        if tracker is None:
            return
        tracker.seen += 1
        interval = GROUP_EDIT_INTERVAL if tracker.broadcast.origin_chat_id < 0 else PRIVATE_EDIT_INTERVAL
        if tracker.seen < tracker.remaining and time.monotonic() - tracker.last < interval:
            return
        async with tracker.lock:
            if row.ref_id not in self._trackers:
                return  # finished meanwhile
            await self._refresh(tracker)

    async def _refresh(self, tracker: _Tracker) -> None:
        b = tracker.broadcast
        counts = await self.repo.counts(b.id, b.total or 0)
        tracker.last, tracker.seen, tracker.remaining = time.monotonic(), 0, counts.total - counts.done
        if counts.complete:
            await self.finish(b.id)
            return
        if b.progress_message_id is None:
            return  # the progress message is not out yet; the next refresh edits it
        html_ = self.progress_html(tracker.lang, b.id, counts)
        if tracker.edit_row is not None:
            row = await self.outbox.repo.get(tracker.edit_row)
            if row.status == "pending":
                await self.outbox.repo.update_payload(row.id, {**row.payload, "text": html_})
                return
        tracker.edit_row = await self.outbox.edit_text(b.origin_chat_id, b.progress_message_id, html_,
                                                       kind=PROGRESS_KIND, ref=("broadcast", b.id))

    async def on_progress_sent(self, row: OutboxRow, message_id: int | None) -> None:
        """Delivery hook: remember the progress message so it can be edited in place."""
        if row.method != "send_message" or row.ref_id is None or message_id is None:
            return
        await self.repo.set_progress_message(row.ref_id, message_id)
        tracker = self._trackers.get(row.ref_id)
        if tracker is not None:
            tracker.broadcast = await self.repo.get(row.ref_id)
        b = await self.repo.get(row.ref_id)
        if b.status == "done":  # a small broadcast may finish before its progress message is out
            lang = await self._admin_lang(self.db, b.created_by)
            counts = await self.repo.counts(b.id, b.total or 0)
            await self.outbox.edit_text(b.origin_chat_id, message_id,
                                        self.progress_html(lang, b.id, counts, final=True), kind=PROGRESS_KIND,
                                        ref=("broadcast", b.id), dedupe_key=f"broadcast:{b.id}:progress-final")

    async def finish(self, broadcast_id: int) -> bool:
        """Mark done and queue the final figures and the report, once."""
        async with self.db.transaction() as tx:
            b = await BroadcastRepo(tx).get(broadcast_id)
            counts = await BroadcastRepo(tx).counts(b.id, b.total or 0)
            if not counts.complete:
                return False
            done = await self._finish_in(tx, b, await self._admin_lang(tx, b.created_by), counts)
        self._trackers.pop(broadcast_id, None)
        return done

    async def _finish_in(self, tx: Executor, b: Broadcast, lang: str, counts: Counts) -> bool:
        if not await BroadcastRepo(tx).finish(b.id):
            return False
        out = self.outbox.bind(tx)
        if b.progress_message_id is not None:
            await out.edit_text(b.origin_chat_id, b.progress_message_id,
                                self.progress_html(lang, b.id, counts, final=True), kind=PROGRESS_KIND,
                                ref=("broadcast", b.id), dedupe_key=f"broadcast:{b.id}:progress-final")
        await out.send_text(b.origin_chat_id, self.texts.render(
            lang, "broadcasts.report", id=b.id, total=counts.total, sent=counts.sent, blocked=counts.blocked,
            failed=counts.failed), kind=PROGRESS_KIND, thread_id=b.origin_thread_id,
            ref=("broadcast", b.id), dedupe_key=f"broadcast:{b.id}:report")
        return True

    async def resume(self) -> None:
        """At start: a broadcast whose last rows went out just before a stop is finished now;
        the others carry on as the worker sends their remaining rows."""
        for b in await self.repo.with_status("sending"):
            counts = await self.repo.counts(b.id, b.total or 0)
            if counts.complete:
                await self.finish(b.id)
            else:
                await self._tracker(b.id)


async def forget_responses(tx: Executor, user_id: int) -> None:
    """/hapusdata step: a manager's answers to broadcasts go with their personal data."""
    await BroadcastRepo(tx).forget_responses(user_id)
