"""Durable intake: no update Telegram delivered is lost, whenever the process dies (issue 10).

Telegram forgets an update once the bot confirms it: with long polling, by the next getUpdates
call's offset; with a webhook, by answering 200. PTB does both right after
`await update_queue.put(update)` (telegram/ext/_updater.py polling_action_cb and
_utils/webhookhandler.py), long before a handler has stored anything. So that `put` is the seam:
`DurableUpdateQueue.put` commits the update (id + JSON) to SQLite before it returns, and the
processor wrapper marks it done when its handler has finished. At start, `Intake.attach` puts
what was recorded but not done back into the queue; a redelivery of an update we already know
(Telegram resends what was not confirmed when we died) is not queued twice. Handlers are
idempotent where it matters (relays and outbox rows have dedupe keys), so an update replayed
after a crash mid-handler does its remaining work and no more.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes

from bot.core import jobs
from storage.db import Database
from storage.updates import UpdateRepo

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(days=2)    # Telegram keeps an unconfirmed update for 24 h at most
PRUNE_EVERY = 3600.0             # seconds
MAX_REPLAYS = 5                  # an update whose handling kills the process every time is given up after this


class DurableUpdateQueue(asyncio.Queue):
    """The Application's update queue; `put` returns only once the update is on disk."""

    def __init__(self) -> None:
        super().__init__()
        self.repo: UpdateRepo | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.repo is not None:
            if not await self.repo.record(item.update_id, item.to_dict()):
                log.info("update %s was delivered again; already recorded, not queued twice", item.update_id)
                return
        await super().put(item)


class DurableUpdateProcessor(BaseUpdateProcessor):
    """Wraps the real processor (per-chat ordering etc.) and marks each update done after it."""

    def __init__(self, inner: BaseUpdateProcessor, queue: DurableUpdateQueue) -> None:
        super().__init__(inner.max_concurrent_updates)
        self.inner = inner
        self.queue = queue

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        await self.inner.do_process_update(update, coroutine)  # handler errors are handled inside
        if isinstance(update, Update) and self.queue.repo is not None:
            await self.queue.repo.mark_done(update.update_id)

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class Intake:
    """Built with the Application: `.update_queue(intake.queue)` and
    `.concurrent_updates(intake.processor(...))`; then `attach` once the database is open."""

    def __init__(self) -> None:
        self.queue = DurableUpdateQueue()

    def processor(self, inner: BaseUpdateProcessor) -> DurableUpdateProcessor:
        return DurableUpdateProcessor(inner, self.queue)


async def attach(app: Application, db: Database) -> int:
    """Start recording; queue what an earlier run recorded but did not finish. Returns how many."""
    queue = app.update_queue
    if not isinstance(queue, DurableUpdateQueue):
        raise TypeError("the Application was not built with Intake's update queue")
    repo = UpdateRepo(db)
    queue.repo = repo
    replayed = 0
    for stored in await repo.pending():
        if stored.replays >= MAX_REPLAYS:
            log.error("update %s was replayed %d times without finishing; giving up on it",
                      stored.update_id, stored.replays)
            await repo.give_up(stored.update_id)
            continue
        await repo.count_replay(stored.update_id)
        queue.put_nowait(Update.de_json(stored.payload, app.bot))  # already recorded: straight in
        replayed += 1
    if replayed:
        log.warning("intake: %d update(s) received before a stop but not finished are processed again", replayed)
    await repo.prune(KEEP_DONE)
    jobs.every(app, "intake-prune", _prune, PRUNE_EVERY, first=PRUNE_EVERY, data=repo)
    return replayed


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    repo: UpdateRepo = context.job.data
    pruned = await repo.prune(KEEP_DONE)
    if pruned:
        log.info("intake: forgot %d handled update(s)", pruned)


__all__ = ["DurableUpdateQueue", "DurableUpdateProcessor", "Intake", "attach"]
