"""The delivery worker: the only code that sends outbox rows to Telegram.

It is infrastructure, not a clinic service, so it may import `telegram`. Global and per-group
rate limits are kept by PTB's AIORateLimiter on the bot; this worker keeps order within a chat,
persists every outcome, retries 429 after `retry_after` and 5xx/network errors with backoff,
and marks users who blocked the bot as inactive.

Fair share (issue 16): in each chat the next row is chosen by `storage.outbox.pick_head` (live
before bulk, then the source served least recently: round robin). A row with a coalescing key
takes the same-key text rows queued right behind it (one message instead of many), and its
source then waits `burst_window` seconds before its next merged message, gathering the rest of
a burst meanwhile while other sources of the chat go on: a flood costs a group one message per
window instead of its whole 20-a-minute allowance. Bulk rows to a group leave `live_reserve` of
the group's 20 messages a minute to live traffic: past that they wait, keeping their place.
"""
from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from storage.db import Database, from_utc_text, to_utc_text
from storage.outbox import LIVE, OutboxRepo, OutboxRow
from storage.users import UserRepo

log = logging.getLogger(__name__)

GROUP_LIMIT, GROUP_WINDOW = 20, 61.0  # Telegram: 20 messages a minute in a group (with our margin)

SentHook = Callable[[OutboxRow, int | None], Awaitable[None]]
FailedHook = Callable[[OutboxRow, str], Awaitable[None]]
ThreadMissingHook = Callable[[OutboxRow], Awaitable[dict | None]]
PrepareHook = Callable[[OutboxRow], Awaitable[dict | None]]
HoldHook = Callable[[OutboxRow], Awaitable[datetime | None]]


@dataclass
class DeliveryHooks:
    """Per-kind follow-ups: e.g. tickets record which staff message maps to which ticket."""
    sent: SentHook | None = None
    failed: FailedHook | None = None
    thread_missing: ThreadMissingHook | None = None
    # Just before sending: may return a new payload (saved with the row), e.g. with the forum
    # topic created for it; Telegram errors raised here are retried like the send's own.
    prepare: PrepareHook | None = None
    # Before anything else: a time to wait until (e.g. the recipient is mid-flow and a reminder
    # would interrupt it), or None to send now. Not a failure: no attempt is spent.
    hold: HoldHook | None = None


class DeliveryWorker:
    def __init__(self, bot: Bot, db: Database, *, concurrency: int = 32, max_attempts: int = 10,
                 idle_poll: float = 1.0, burst_window: float = 10.0, live_reserve: int = 5) -> None:
        self.bot = bot
        self.repo = OutboxRepo(db)
        self.users = UserRepo(db)
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.idle_poll = idle_poll
        self._hooks: dict[str, DeliveryHooks] = {}
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task] = {}  # chat_id -> task
        # Sent rows waiting to be recorded in one batch (status stays 'sending' until then,
        # so a crash in between re-sends them: the same at-least-once rule as a crash mid-call).
        self._sent: list[tuple[OutboxRow, int | None]] = []
        self._recording = 0  # batches whose sent-hooks are running (they may queue more rows)
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.burst_window = burst_window
        self._turn = 0
        self._turns: dict[tuple[int, str], int] = {}   # (chat, source) -> when last served (live lane)
        self._holds: dict[tuple[int, str], str] = {}   # (chat, source) -> next merged message not before
        self.live_reserve = live_reserve
        self._group_sends: dict[int, deque[float]] = {}  # group chat -> monotonic times of recent sends

    def register(self, kind: str, hooks: DeliveryHooks) -> None:
        self._hooks[kind] = hooks

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        requeued = await self.repo.requeue_interrupted()
        if requeued:
            log.warning("outbox: %d row(s) interrupted by a stop are queued again", requeued)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-delivery")

    async def stop(self, timeout: float = 10.0) -> None:
        """Graceful: no new rows, let in-flight sends finish so nothing is left half-sent."""
        self._stopping = True
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(self._task, timeout)
            except asyncio.TimeoutError:
                self._task.cancel()
            self._task = None

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing is pending (tests, demo, shutdown of one-shot commands)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end and (self._busy() or await self.repo.pending_count()):
            self.wake()
            await asyncio.sleep(0.05)

    def _busy(self) -> bool:
        """Sends in flight, or sent rows whose follow-ups (hooks, which may queue more) still run."""
        return bool(self._inflight or self._sent or self._recording)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # cleared before looking for work, so no wake-up is lost
            try:
                await self._record_sent()
                free = self.concurrency - len(self._inflight)
                rows = await self._pick(free) if free > 0 else []
                for row in rows:
                    task = asyncio.create_task(self._deliver(row), name=f"outbox:{row.id}")
                    self._inflight[row.chat_id] = task
                    task.add_done_callback(lambda _t, chat=row.chat_id: self._inflight.pop(chat, None) and self._wake.set())
                if rows and len(rows) == free:
                    await asyncio.sleep(0)  # full: go round again when a slot frees
                await self._sleep_until_work()
            except Exception:  # the worker must outlive any single failure
                log.exception("outbox: delivery loop error")
                await asyncio.sleep(1)
        if self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        await self._record_sent()

    async def _pick(self, free: int) -> list[OutboxRow]:
        """The next row of up to `free` chats, marked sending; bursts merged (module docstring)."""
        held: list[OutboxRow] = []
        rows = await self.repo.due(free, exclude_chats=set(self._inflight), turns=self._turns,
                                   holds=self._holds, held=held)
        for row in held:  # not due until its hold ends, so the loop sleeps instead of spinning
            await self.repo.hold(row.id, from_utc_text(self._holds[(row.chat_id, row.source)]))
        waiting = [(row, self._group_budget_wait(row.chat_id)) for row in rows if row.lane != LIVE and row.chat_id < 0]
        for row, wait in waiting:  # bulk leaves the group's last messages of the minute to live traffic
            if wait > 0:
                await self.repo.hold(row.id, datetime.now(timezone.utc) + timedelta(seconds=wait))
        rows = [row for row in rows if not any(row is r and w > 0 for r, w in waiting)]
        await self.repo.mark_sending_many([row.id for row in rows])
        if len(self._turns) > 5000:  # forget the oldest turns; they only matter among busy sources
            self._turns = dict(sorted(self._turns.items(), key=lambda kv: kv[1])[-1000:])
        picked = []
        for row in rows:
            if row.lane == LIVE and row.source:
                self._turn += 1
                self._turns[(row.chat_id, row.source)] = self._turn
            if row.coalesce_key:
                row = await self.repo.merge_burst(row)
                if self.burst_window > 0:
                    until = datetime.now(timezone.utc) + timedelta(seconds=self.burst_window)
                    self._holds[(row.chat_id, row.source)] = to_utc_text(until)
            picked.append(row)
        if len(self._holds) > 1000:
            now = to_utc_text(datetime.now(timezone.utc))
            self._holds = {k: v for k, v in self._holds.items() if v > now}
        return picked

    def _group_budget_wait(self, chat_id: int) -> float:
        """Seconds until a bulk row may use the group's allowance (20 in any 61 s, minus the reserve)."""
        stamps = self._group_sends.get(chat_id)
        if not stamps:
            return 0.0
        now = time.monotonic()
        while stamps and stamps[0] <= now - GROUP_WINDOW:
            stamps.popleft()
        allowed = max(1, GROUP_LIMIT - self.live_reserve)
        if len(stamps) < allowed:
            return 0.0
        return stamps[len(stamps) - allowed] + GROUP_WINDOW - now

    async def _record_sent(self) -> None:
        if not self._sent:
            return
        batch, self._sent = self._sent, []
        self._recording += 1
        try:
            await self._record_batch(batch)
        finally:
            self._recording -= 1

    async def _record_batch(self, batch: list[tuple[OutboxRow, int | None]]) -> None:
        await self.repo.mark_sent_many([(row.id, message_id) for row, message_id in batch],
                                       merged={row.id for row, _ in batch if row.coalesce_key})
        for row, message_id in batch:
            hooks = self._hooks.get(row.kind)
            if hooks and hooks.sent:
                try:
                    await hooks.sent(row, message_id)
                except Exception:
                    log.exception("outbox %s: sent-hook failed", row.id)

    async def _sleep_until_work(self) -> None:
        next_at = await self.repo.next_due_at()
        delay = self.idle_poll
        if next_at is not None:
            delay = max(0.0, min(delay, (next_at - datetime.now(timezone.utc)).total_seconds()))
        if delay <= 0 and not self._inflight:
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.01))
        except asyncio.TimeoutError:
            pass

    async def _deliver(self, row: OutboxRow) -> None:
        hooks = self._hooks.get(row.kind, DeliveryHooks())
        if hooks.hold and (until := await hooks.hold(row)) is not None:
            await self.repo.postpone(row.id, until, "held: the recipient is in the middle of a conversation")
            return
        try:
            if hooks.prepare:
                prepared = await hooks.prepare(row)
                if prepared is not None and prepared != row.payload:
                    await self.repo.update_payload(row.id, prepared)
                    row = replace(row, payload=prepared)
            message_id = await self._call(row)
        except RetryAfter as exc:
            wait = _retry_seconds(exc)
            log.info("outbox %s: 429, retry after %.1fs", row.id, wait)
            await self.repo.retry_later(row.id, wait, f"429 retry after {wait}")
            return
        except Forbidden as exc:
            await self._final(row, hooks, "blocked" if row.chat_id > 0 else "failed", str(exc))
            if row.chat_id > 0:
                await self.users.mark_inactive(row.chat_id, "blocked")
            return
        except BadRequest as exc:
            text = str(exc).lower()
            if "thread not found" in text and hooks.thread_missing:
                new_payload = await hooks.thread_missing(row)
                if new_payload is not None:
                    await self.repo.update_payload(row.id, new_payload)
                    await self.repo.retry_later(row.id, 0, str(exc))
                    return
            if "chat not found" in text and row.chat_id > 0:
                await self.users.mark_inactive(row.chat_id, "chat not found")
            await self._final(row, hooks, "failed", str(exc))
            return
        except (NetworkError, TelegramError, OSError) as exc:  # 5xx, timeouts, connection errors
            if row.attempts >= self.max_attempts:
                await self._final(row, hooks, "failed", f"gave up: {exc}")
                return
            backoff = min(300.0, 0.5 * (2 ** max(0, row.attempts - 1)))
            log.warning("outbox %s: %s; retry in %.1fs", row.id, exc, backoff)
            await self.repo.retry_later(row.id, backoff, str(exc))
            return
        except Exception as exc:  # a bug in a payload must not wedge the chat's queue
            log.exception("outbox %s: unexpected error", row.id)
            await self._final(row, hooks, "failed", repr(exc))
            return
        self._sent.append((row, message_id))
        if row.chat_id < 0:
            self._group_sends.setdefault(row.chat_id, deque()).append(time.monotonic())
        self._wake.set()

    async def _final(self, row: OutboxRow, hooks: DeliveryHooks, status: str, error: str) -> None:
        log.warning("outbox %s (%s to %s): %s: %s", row.id, row.kind, row.chat_id, status, error)
        await self.repo.mark_final(row.id, status, error)
        if hooks.failed:
            try:
                await hooks.failed(row, error)
            except Exception:
                log.exception("outbox %s: failed-hook failed", row.id)

    async def _call(self, row: OutboxRow) -> int | None:
        p = dict(row.payload)
        if "reply_markup" in p:
            p["reply_markup"] = InlineKeyboardMarkup.de_json(p["reply_markup"], self.bot)
        if p.pop("disable_web_page_preview", False):
            p["link_preview_options"] = LinkPreviewOptions(is_disabled=True)
        if row.method == "send_message":
            msg = await self.bot.send_message(chat_id=row.chat_id, **p)
        elif row.method == "copy_message":
            msg = await self.bot.copy_message(chat_id=row.chat_id, **p)
        elif row.method == "send_photo":
            path = p.pop("photo_path", None)
            if path:
                p["photo"] = Path(path).read_bytes()
            msg = await self.bot.send_photo(chat_id=row.chat_id, **p)
        elif row.method == "send_document":
            p["document"] = Path(p.pop("document_path")).read_bytes()
            msg = await self.bot.send_document(chat_id=row.chat_id, **p)
        elif row.method == "edit_message_text":
            try:
                msg = await self.bot.edit_message_text(chat_id=row.chat_id, **p)
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return p.get("message_id")
                raise
        else:
            raise ValueError(f"unknown outbox method {row.method}")
        return getattr(msg, "message_id", None)


def _retry_seconds(exc: RetryAfter) -> float:
    """PTB 22 returns seconds now and a timedelta in a future major version; accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
