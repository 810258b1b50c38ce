from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.app import initialized_application
from bot.emulator import FakeBotApi, Limits
from tests.e2e.harness import add_people, settings_for


@pytest.fixture
async def api():
    """The fake Bot API without Telegram's flood limits: at this layer a person answers a
    21-step form in a fraction of a second. The limits, and the bot keeping within them, are
    tested in tests/unit (rate limiter, delivery) and tests/e2e (emulator, broadcasts)."""
    fake = FakeBotApi(token="123456:TEST", limits=Limits(enabled=False))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def app(api, tmp_path) -> Application:
    """The real Application and services, without polling: tests feed updates themselves."""
    add_people(api)
    async with initialized_application(settings_for(api, tmp_path / "h.sqlite3", rate_limit=False)) as application:
        yield application
