"""The real `python -m bot run` process killed (SIGKILL) at a grid of instants after Telegram
handed it a manager's message: after the restarts, every message reached the staff group
exactly once (issue 10, point 1). The staff group answers 502 until the last start, so a relay
is never in flight at a kill: what is measured is the intake alone, not the outbox."""
from __future__ import annotations

import asyncio

from bot.core.outbox import Outbox
from bot.core.texts import Texts
from bot.tickets.service import TicketService
from storage.db import Database
from tests.e2e.harness import STAFF_CHAT_ID, seed_cooperative, settings_for

GRID_MS = (0, 5, 10, 20, 35, 50, 100, 200)


async def open_ticket(api, database_path, manager_id: int) -> None:
    db = await Database.open(database_path)
    coop = await seed_cooperative(db, manager_id)
    desk = TicketService(db, Outbox(db), Texts(), settings_for(api, database_path))
    ticket = await desk.open(cooperative_id=coop.id, manager_user_id=manager_id, service="preventif",
                             category="perencanaan", question="Kapan RAT?", source="test")
    await desk.remember(manager_id, "ticket", ticket.id)  # she chose "add to the ticket" (issue 11 routing)
    await db.close()


def kill_when_delivered(api, proc, text: str, delay: float) -> asyncio.Event:
    """SIGKILL the process `delay` seconds after the update carrying `text` reaches it."""
    loop = asyncio.get_running_loop()
    armed = asyncio.Event()

    def listener(batch: list[dict]) -> None:
        if armed.is_set() or not any((u.get("message") or {}).get("text") == text for u in batch):
            return
        armed.set()
        loop.call_later(delay, lambda: proc.proc.returncode is None and proc.proc.kill())
    api.on_delivered(listener)
    return armed


def tally(staff, texts: list[str]) -> tuple[int, int, int]:
    relayed = [m.text for m in staff.messages()]
    counts = [sum(text in r for r in relayed) for text in texts]
    return len(texts), sum(c == 0 for c in counts), sum(c > 1 for c in counts)


async def test_kill_at_a_grid_of_instants_after_delivery_loses_nothing(api, people, bot_process, database_path):
    sari, staff = people.sari, people.staff
    await open_ticket(api, database_path, sari.id)
    proc = bot_process()
    await proc.start()
    await staff.wait_for(lambda m: "Tiket #0001" in m.text, timeout=15)
    api.inject("sendMessage", 502, times=10**6, chat_id=STAFF_CHAT_ID)  # relays wait in the outbox

    texts = []
    for delay_ms in GRID_MS:
        text = f"Pesan kill {delay_ms} ms"
        texts.append(text)
        armed = kill_when_delivered(api, proc, text, delay_ms / 1000)
        await sari.send(text)
        await asyncio.wait_for(armed.wait(), 15)
        await asyncio.wait_for(proc.proc.wait(), 10)
        await proc.start()
        await api.settle(quiet=0.5, timeout=5)  # the restarted bot catches up before the next kill
    api.faults.pending.clear()  # the staff group is reachable again: the outbox delivers
    db = await Database.open(database_path)  # and the retries its backoff scheduled are due now
    await db.execute("UPDATE outbox SET not_before = '2000-01-01T00:00:00.000000Z' WHERE status = 'pending'")
    await db.close()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while tally(staff, texts)[1] and loop.time() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # room for a duplicate to show up, if there were one
    sent, lost, duplicated = tally(staff, texts)
    print(f"\nFAULT kill -9 after delivery at {GRID_MS} ms: sent={sent} lost={lost} duplicated={duplicated}")
    assert (lost, duplicated) == (0, 0), [t for t in texts if sum(t in m.text for m in staff.messages()) != 1]
    await proc.stop()
