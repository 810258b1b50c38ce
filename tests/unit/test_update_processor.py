"""One chat's backlog of updates cannot take every processing slot (issue 16)."""
from __future__ import annotations

import asyncio

import pytest
from telegram import Bot

from bot.app import PerChatUpdateProcessor
from bot.core import intake
from tests.factories import text_message

pytestmark = pytest.mark.unit


async def test_a_flooding_chat_waits_outside_the_shared_slots():
    bot = Bot("1:offline")
    processor = intake.Intake().processor(PerChatUpdateProcessor(max_concurrent_updates=4))  # as in bot/app.py
    release, done = asyncio.Event(), []

    async def slow(n: int) -> None:
        await release.wait()  # e.g. an acknowledgement waiting out Telegram's per-chat limit
        done.append(n)

    async def quick() -> None:
        done.append("other chat")

    flood = [asyncio.create_task(processor.process_update(text_message(bot, 1, f"m{i}"), slow(i)))
             for i in range(10)]
    await asyncio.sleep(0.05)
    await asyncio.wait_for(processor.process_update(text_message(bot, 2, "halo"), quick()), timeout=1)
    assert done == ["other chat"]  # served while chat 1 still had nine updates waiting
    release.set()
    await asyncio.gather(*flood)
    assert done[1:] == list(range(10))  # and chat 1's own updates kept their order
