from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.app import _post_init, _post_shutdown, build_application
from tests.e2e.harness import add_people, settings_for


@pytest.fixture
async def app(api, tmp_path) -> Application:
    """The real Application and services, without polling: tests feed updates themselves."""
    add_people(api)
    application = build_application(settings_for(api, tmp_path / "h.sqlite3", rate_limit=False))
    await application.initialize()
    await _post_init(application)
    yield application
    await application.shutdown()
    await _post_shutdown(application)
