"""The real `python -m bot run` process killed between a manager's message and its relay to the
staff group: after the restart the message arrives, exactly once."""
from __future__ import annotations

import asyncio

from bot.tickets.service import TicketService
from bot.core.outbox import Outbox
from bot.core.texts import Texts
from storage.db import Database
from tests.e2e.harness import STAFF_CHAT_ID, seed_cooperative, settings_for


async def _stored(path, text: str) -> int:
    db = await Database.open(path)
    try:
        row = await db.fetchone("SELECT COUNT(*) FROM ticket_messages WHERE text = ?", (text,))
        return int(row[0])
    finally:
        await db.close()


async def test_kill_between_message_and_relay_loses_nothing_and_sends_once(api, people, bot_process, database_path):
    sari, staff = people.sari, people.staff
    db = await Database.open(database_path)
    coop = await seed_cooperative(db, sari.id)
    settings = settings_for(api, database_path)
    await TicketService(db, Outbox(db), Texts(), settings).open(
        cooperative_id=coop.id, manager_user_id=sari.id, service="preventif", category="perencanaan",
        question="Kapan RAT?", source="test")
    await db.close()

    proc = bot_process()
    await proc.start()
    await staff.wait_for(lambda m: "Tiket #0001" in m.text, timeout=15)

    api.inject("sendMessage", 502, times=10_000, chat_id=STAFF_CHAT_ID)  # the group is unreachable
    await sari.send("Pesan penting sebelum crash")
    offer = await sari.wait_for(lambda m: "Tambahkan ke tiket #0001" in str(m.keyboard), timeout=15)
    await sari.press("Tambahkan ke tiket #0001", offer)  # not a live exchange yet: the manager chooses
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while not await _stored(database_path, "Pesan penting sebelum crash"):
        assert loop.time() < deadline, proc.log()
        await asyncio.sleep(0.1)
    await proc.kill()
    api.faults.pending.clear()

    await proc.start()
    await staff.wait_for(lambda m: "Pesan penting sebelum crash" in m.text, timeout=30)
    await asyncio.sleep(1.5)  # room for a duplicate to show up, if there were one
    relayed = [m for m in staff.messages() if "Pesan penting sebelum crash" in m.text]
    assert len(relayed) == 1
    assert await _stored(database_path, "Pesan penting sebelum crash") == 1
    await proc.stop()
