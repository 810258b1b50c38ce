from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.app import initialized_application
from tests.e2e.harness import add_people, settings_for


@pytest.fixture
async def app(api, tmp_path) -> Application:
    """The real Application and services, without polling: tests feed updates themselves."""
    add_people(api)
    async with initialized_application(settings_for(api, tmp_path / "h.sqlite3", rate_limit=False)) as application:
        yield application
