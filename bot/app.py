"""The composition root (style.md #1): the only place that builds the Application.

`run`, `demo` and the tests all use `build_application`; `running_application` is the same
lifecycle as `run_polling` (initialize, post_init, polling, start ... and back) for code that
owns its own event loop.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from types import ModuleType

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults

from bot.core.clinic_bot import ClinicBot
from bot.core.delivery import DeliveryWorker
from bot.core.http import AiohttpRequest
from bot.core.outbox import Outbox
from bot.core.ratelimit import TelegramFloodLimiter
from bot.core.services import SERVICES_KEY, Services, get_services
from bot.core.settings import Settings
from bot.core.texts import Texts
from storage.db import Database

log = logging.getLogger(__name__)

# Journeys in registration order. Earlier modules' handlers win inside the same group, so
# specific handlers come before the catch-all router (always last).
JOURNEYS: tuple[str, ...] = (
    "handlers.membership",
    "handlers.onboarding",
    "handlers.profile",
    "handlers.privacy",
    "handlers.staff",
    "handlers.router",
)
# Optional journeys, registered when their module exists (they land issue by issue).
OPTIONAL_JOURNEYS: tuple[str, ...] = (
    "handlers.tickets_manager",
    "handlers.tickets_staff",
    "handlers.ask",
    "handlers.reminders",
    "handlers.meetings",
    "handlers.broadcasts",
    "handlers.health",
    "handlers.supervision",  # issue 14: /koperasi /risiko /binaan /laporan /kunjungan
)


def journey_modules() -> list[ModuleType]:
    modules = [importlib.import_module(name) for name in JOURNEYS[:-1]]
    for name in OPTIONAL_JOURNEYS:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    modules.append(importlib.import_module(JOURNEYS[-1]))  # the router: last
    return modules


def _declared(modules: list[ModuleType], name: str) -> list:
    return [getattr(m, name) for m in modules if hasattr(m, name)]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; one chat's updates run in order, so a
    user's two quick messages never race each other through a flow."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
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
            await coroutine
        if not lock.locked() and not getattr(lock, "_waiters", None):
            self._locks.pop(key, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def build_application(settings: Settings) -> Application:
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
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app = builder.build()
    app.bot_data["settings"] = settings
    modules = journey_modules()
    app.bot_data["journeys"] = modules
    from handlers import privacy, router, staff  # hooks the journeys declare, collected in journey order
    router.PRIVATE_FALLBACKS[:] = _declared(modules, "PRIVATE_FALLBACK")
    privacy.EXPORT_SECTIONS[:] = _declared(modules, "PRIVACY_EXPORT")
    privacy.ERASE_STEPS[:] = _declared(modules, "PRIVACY_ERASE")
    staff.STAFF_DETAILS[:] = _declared(modules, "STAFF_DETAIL")
    for module in modules:
        for entry in getattr(module, "HANDLERS", []):
            handler, group = entry if isinstance(entry, tuple) else (entry, 0)
            app.add_handler(handler, group)
    from handlers.errors import on_error
    app.add_error_handler(on_error)
    return app


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    db = await Database.open(settings.database_path)
    worker = DeliveryWorker(app.bot, db)
    services = Services(settings=settings, db=db, texts=Texts(settings.default_language),
                        outbox=Outbox(db, worker.wake), delivery=worker)
    app.bot_data[SERVICES_KEY] = services
    for module in app.bot_data["journeys"]:
        setup = getattr(module, "setup", None)
        if setup is not None:
            await setup(app)
    await worker.start()
    await _set_command_menus(app)


async def _post_shutdown(app: Application) -> None:
    services: Services | None = app.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    for module in reversed(app.bot_data["journeys"]):
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
    private, staff = [], []
    for module in app.bot_data["journeys"]:
        private += [c for c in getattr(module, "PRIVATE_COMMANDS", []) if c not in private]
        staff += [c for c in getattr(module, "STAFF_COMMANDS", []) if c not in staff]
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
async def running_application(settings: Settings, poll_timeout: float = 1.0) -> AsyncIterator[Application]:
    """Run the bot inside an existing event loop (demo, tests), like `run_polling` does."""
    app = build_application(settings)
    await app.initialize()
    try:
        await _post_init(app)
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
    finally:
        await app.shutdown()
        await _post_shutdown(app)


__all__ = ["build_application", "running_application", "get_services", "journey_modules"]
