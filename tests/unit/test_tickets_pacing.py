"""How live ticket cards are paced: edits in a group count against its per-minute window, and a
burst of changes to one ticket waits as one edit rendered at send time."""
import asyncio

import pytest

from bot.core.outbox import Outbox
from bot.core.ratelimit import TelegramFloodLimiter
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.tickets.rules import Actor
from bot.tickets.service import CARD_EDIT, TicketService
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.outbox import OutboxRepo
from storage.tickets import TicketRepo

pytestmark = pytest.mark.unit


class TinyGroupWindow(TelegramFloodLimiter):
    GROUP = (2, 0.3, 0.0)


async def _times(limiter, endpoint: str, chat_id: int, n: int) -> list[float]:
    loop = asyncio.get_running_loop()
    start, stamps = loop.time(), []

    async def call():
        stamps.append(loop.time() - start)
    for _ in range(n):
        await limiter.process_request(call, (), {}, endpoint, {"chat_id": chat_id}, None)
    return stamps


async def test_edits_in_a_group_count_against_its_window_but_not_in_private_chats():
    limiter = TinyGroupWindow()
    group = await _times(limiter, "editMessageText", -100, 3)
    assert group[1] < 0.05 and group[2] >= 0.29
    private = await _times(limiter, "editMessageText", 100, 5)
    assert private[-1] < 0.05


async def test_a_burst_of_changes_queues_one_card_edit(tmp_path):
    from storage.db import Database
    db = await Database.open(tmp_path / "p.sqlite3")
    try:
        settings = Settings(_env_file=None, staff_chat_id=-1001, database_path=tmp_path / "x")
        coop = await CooperativeRepo(db).create(dict(name="Kop", kind="jasa", kecamatan="Setu", members=9,
                                                     fy_end_month=12), "J1")
        for uid, name in ((901, "Budi"), (902, "Rina")):
            await ConsultantRepo(db).upsert(uid, name, None)
        desk = TicketService(db, Outbox(db), Texts(), settings)
        ticket = await desk.open(cooperative_id=coop.id, manager_user_id=None, service="kuratif",
                                 category="lainnya", question="?", source="test")
        await TicketRepo(db).update(ticket.id, card_message_id=77)
        budi = Actor(901, is_consultant=True)
        await desk.claim(ticket.id, budi)
        for target in (902, 901, 902, 901):
            await desk.transfer(ticket.id, budi, target)
        edits = await OutboxRepo(db).rows(CARD_EDIT, ("ticket", ticket.id))
        assert len(edits) == 1 and edits[0].payload["message_id"] == 77
    finally:
        await db.close()
