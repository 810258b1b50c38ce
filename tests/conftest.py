"""Shared fixtures: settings built explicitly (never from the developer's .env) and a fresh
SQLite file per test."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.emulator import FakeBotApi
from bot.core.settings import Settings
from storage.db import Database

STAFF_CHAT_ID = -1001234567890
ADMIN_ID = 2002


LAYERS = ("unit", "handlers", "e2e")  # the folders under tests/, one marker each (pyproject.toml)


def pytest_collection_modifyitems(items):
    """`-m unit` / `-m handlers` / `-m e2e` run one layer: the folder decides the marker."""
    for item in items:
        parts = item.path.relative_to(item.config.rootpath).parts
        if len(parts) > 1 and parts[0] == "tests" and parts[1] in LAYERS:
            item.add_marker(parts[1])


@pytest.fixture
def make_settings(tmp_path: Path):
    def make(**overrides: object) -> Settings:
        values: dict = dict(
            _env_file=None, bot_token="123456:TEST", staff_chat_id=STAFF_CHAT_ID,
            admin_ids=[ADMIN_ID], database_path=tmp_path / "klinik.sqlite3",
        )
        values.update(overrides)
        return Settings(**values)
    return make


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "unit.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def api():
    """The fake Bot API on a free local port, for handler and end-to-end tests."""
    fake = FakeBotApi(token="123456:TEST")
    await fake.start()
    yield fake
    await fake.stop()
