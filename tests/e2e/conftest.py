"""Fixtures for end-to-end journeys. Typical use:

    async def test_x(bot, people):                 # bot running in-process, staff group not a forum
        await people.sari.command("/start")
        msg = await people.sari.wait_for(lambda m: "bahasa" in m.text.lower())

    async def test_y(launch, api, people_forum):   # custom settings or a forum staff group
        async with launch(rate_limit=False) as bot: ...

    async def test_z(bot_process):                 # the real `python -m bot run` process
        proc = bot_process(); await proc.start(); await proc.kill(); await proc.start()

`seed_cooperative(bot.services.db, people.sari.id, ...)` registers a cooperative directly.
"""
from __future__ import annotations

import pytest

from tests.e2e.harness import BotProcess, add_people, bot_in_process


@pytest.fixture
def people(api):
    return add_people(api, forum=False)


@pytest.fixture
def people_forum(api):
    return add_people(api, forum=True)


@pytest.fixture
def database_path(tmp_path):
    return tmp_path / "klinik.sqlite3"


@pytest.fixture
def launch(api, database_path):
    """`async with launch(**setting_overrides) as bot:`; call again to restart on the same DB."""
    def start(**overrides):
        return bot_in_process(api, database_path, **overrides)
    return start


@pytest.fixture
async def bot(launch, people):
    async with launch() as harness:
        yield harness


@pytest.fixture
async def bot_process(api, database_path):
    started: list[BotProcess] = []

    def make(**env_overrides) -> BotProcess:
        proc = BotProcess(api, database_path, env_overrides)
        started.append(proc)
        return proc
    yield make
    for proc in started:
        await proc.kill()
