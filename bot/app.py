"""The composition root (style.md #1): the only place that builds the Application and its services.

`run`, `demo` and the tests all use `build_application`; `running_application` is the same
lifecycle as `run_polling` (initialize, post_init, polling, start ... and back) for code that
owns its own event loop, and `initialized_application` the same without polling (handler tests
feed updates themselves).
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from types import ModuleType

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults

from bot.broadcasts.service import BroadcastService
from bot.calendar.meetings import MeetingService
from bot.calendar.reminders import Clock, ReminderService
from bot.core.brake import Brake
from bot.core.clinic_bot import ClinicBot
from bot.core.conversations import Conversations
from bot.core.delivery import DeliveryWorker
from bot.core.http import AiohttpRequest
from bot.core import intake  # durable intake (issue 10)
from bot.core.journeys import Journeys
from bot.core.logs import log_updates
from bot.core.outbox import Outbox
from bot.core.ratelimit import TelegramFloodLimiter
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.health.checks import HealthChecks
from bot.onboarding.accounts import Accounts
from bot.ops.service import OpsService
from bot.privacy.service import Privacy
from bot.supervision.service import SupervisionService
from bot.triage.desk import Desk
from bot.triage.service import shipped_knowledge
from bot.tickets.service import TicketService
from handlers import (admin, ask, broadcasts, fair_share, health, meetings, membership, onboarding, privacy,
                      profile, reminders, router, staff, supervision, tickets_manager, tickets_staff)
from handlers.errors import on_error
from storage.db import Database

log = logging.getLogger(__name__)
JOURNEYS_KEY = "journeys"

# Journeys in registration order. Earlier modules' handlers win inside the same group, and
# private fallbacks are offered in this order (an open ticket before FAQ triage), so specific
# handlers come before the catch-all router (always last).
JOURNEYS: tuple[ModuleType, ...] = (
    membership, onboarding, profile, privacy, staff,
    tickets_manager, tickets_staff, ask, reminders, meetings, broadcasts, health, admin,
    supervision,
    fair_share,  # issue 16: the polite brake (a group -2 counter) and the guessing limits
    router,
)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; one chat's updates run in order, so a
    user's two quick messages never race each other through a flow.

    The `max_concurrent_updates` slots are taken after the chat's turn has come, not before
    (issue 16): a flooding chat's backlog waits outside them instead of taking them all from
    everyone else. PTB's own semaphore (taken before the chat is known, also by the intake's
    wrapper) is therefore left wide."""

    WIDE = 100_000

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(self.WIDE)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = 0
        if isinstance(update, Update):
            if update.effective_chat:
                key = update.effective_chat.id
            elif update.effective_user:
                key = update.effective_user.id
        lock = self._locks[key]
        async with lock:
            async with self._slots:
                await coroutine
        if not lock.locked() and not getattr(lock, "_waiters", None):
            self._locks.pop(key, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def build_application(settings: Settings, journeys: Iterable[ModuleType] = JOURNEYS) -> Application:
    """The Application with `journeys`' handlers registered; its services are built in post-init."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else "1:offline"
    bot = ClinicBot(
        token,
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz,
                          link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=TelegramFloodLimiter() if settings.rate_limit else None,
        # requests wait for a free connection rather than fail after PTB's default 1 s
        request=AiohttpRequest(connection_pool_size=32, pool_timeout=30.0),
        # the long poll holds one connection; shutdown's final getUpdates needs a second
        get_updates_request=AiohttpRequest(connection_pool_size=2),
    )
    durable = intake.Intake()  # every update on disk before Telegram is told it arrived (issue 10)
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .update_queue(durable.queue)
        .concurrent_updates(durable.processor(PerChatUpdateProcessor()))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    app = builder.build()
    app.bot_data["settings"] = settings
    registry = app.bot_data[JOURNEYS_KEY] = Journeys.of(tuple(journeys))
    for module in registry.modules:
        for entry in getattr(module, "HANDLERS", []):
            handler, group = entry if isinstance(entry, tuple) else (entry, 0)
            app.add_handler(handler, group)
    app.add_error_handler(on_error)
    log_updates(app)  # one log line per handled update: update id, chat, journey (never a manager's text)
    return app


async def build_services(settings: Settings, bot: Bot, journeys: Journeys) -> Services:
    """Every long-lived object, built in one place (the delivery worker is started by the caller)."""
    db = await Database.open(settings.database_path)
    worker = DeliveryWorker(bot, db, burst_window=settings.relay_burst_seconds,  # fair share: issue 16
                            live_reserve=settings.group_live_reserve)
    texts, outbox = Texts(settings.default_language, settings.tz), Outbox(db, worker.wake)
    clock = Clock(settings.clock_start)
    tz = settings.tz
    knowledge = await asyncio.to_thread(shipped_knowledge)  # about half a second, once per process
    tickets = TicketService(db, outbox, texts, settings)
    return Services(
        settings=settings, db=db, texts=texts, outbox=outbox, delivery=worker, journeys=journeys, clock=clock,
        conversations=Conversations(db, quiet=timedelta(minutes=settings.flow_quiet_minutes)), accounts=Accounts(db, settings.default_language),
        privacy=Privacy(db, journeys.export_sections, journeys.erase_steps),
        knowledge=knowledge, desk=Desk(db, knowledge),
        reminders=ReminderService(db, outbox, texts, tz, clock, settings.staff_chat_id,
                                  first_question_next_morning=settings.first_question_next_morning,
                                  staff_alert_grace=timedelta(days=settings.staff_alert_grace_days)),
        meetings=MeetingService(db, outbox, texts, tz, clock),
        broadcasts=BroadcastService(db, outbox, texts, default_language=settings.default_language,
                                    staff_chat_id=settings.staff_chat_id,
                                    today=lambda: datetime.now(tz).date()),
        health=HealthChecks(db, outbox, texts, settings),
        ops=OpsService(settings, db, outbox, texts),
        tickets=tickets,
        supervision=SupervisionService(db, outbox, texts, settings, clock, tickets=tickets),
        brake=Brake(settings.brake_messages_per_minute),
    )


async def _post_init(app: Application) -> None:
    services = await build_services(app.bot_data["settings"], app.bot, app.bot_data[JOURNEYS_KEY])
    app.bot_data[SERVICES_KEY] = services
    for module in services.journeys.modules:
        setup = getattr(module, "setup", None)
        if setup is not None:
            await setup(app)
    await services.delivery.start()
    await intake.attach(app, services.db)  # replays what a crash left unfinished (issue 10)
    await _set_command_menus(app)


async def _post_stop(app: Application) -> None:
    """Updates are no longer taken and handlers are done: let in-flight deliveries finish
    (at most 10 s) while the bot's HTTP client is still open, so nothing is left half-sent."""
    services: Services | None = app.bot_data.get(SERVICES_KEY)
    if services is not None:
        await services.delivery.stop(timeout=10.0)


async def _post_shutdown(app: Application) -> None:
    services: Services | None = app.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    for module in reversed(services.journeys.modules):
        teardown = getattr(module, "teardown", None)
        if teardown is not None:
            await teardown(app)
    await services.delivery.stop()
    await services.db.close()
    app.bot_data.pop(SERVICES_KEY, None)


async def _set_command_menus(app: Application) -> None:
    """Managers see their commands in private chats; consultants see theirs in the staff group."""
    services = get_services_from_app(app)
    texts, settings = services.texts, services.settings
    private, staff = services.journeys.private_commands, services.journeys.staff_commands
    try:
        for lang, code in (("id", None), ("en", "en")):
            menu = lambda names: [BotCommand(n, texts.plain(lang, "menu.describe", command=n)) for n in names]  # noqa: E731
            await app.bot.set_my_commands(menu(private), scope=BotCommandScopeAllPrivateChats(), language_code=code)
            if settings.staff_chat_id is not None:
                await app.bot.set_my_commands(menu(staff), scope=BotCommandScopeChat(settings.staff_chat_id),
                                              language_code=code)
    except TelegramError as exc:  # menus are a convenience; the bot works without them
        log.warning("could not set command menus: %s", exc)


def get_services_from_app(app: Application) -> Services:
    return app.bot_data[SERVICES_KEY]


@asynccontextmanager
async def initialized_application(settings: Settings, journeys: Iterable[ModuleType] = JOURNEYS
                                  ) -> AsyncIterator[Application]:
    """The Application initialized with its services built (post-init run), not polling:
    for tests that feed updates through `app.process_update` themselves."""
    app = build_application(settings, journeys)
    await app.initialize()
    try:
        await _post_init(app)
        yield app
    finally:
        await app.shutdown()
        await _post_shutdown(app)


@asynccontextmanager
async def running_application(settings: Settings, poll_timeout: float = 1.0,
                              journeys: Iterable[ModuleType] = JOURNEYS) -> AsyncIterator[Application]:
    """Run the bot inside an existing event loop (demo, tests), like `run_polling` does."""
    async with initialized_application(settings, journeys) as app:
        await app.updater.start_polling(poll_interval=0.0, timeout=int(max(1, poll_timeout)),
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                await _post_stop(app)


__all__ = ["JOURNEYS", "build_application", "build_services", "get_services", "get_services_from_app",
           "initialized_application", "running_application"]
