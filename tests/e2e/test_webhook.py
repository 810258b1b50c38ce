"""Webhook mode (issue 15): `python -m bot run` with WEBHOOK_URL registers the webhook and serves
it; the fake Bot API posts updates there like Telegram, with the secret-token header. A request
with a wrong or missing secret is refused (403) and never handled; an update is on disk before
the webhook answers 200, so a kill right after the 200 loses nothing."""
from __future__ import annotations

import asyncio
import socket

from storage.db import Database
from tests.e2e.harness import STAFF_CHAT_ID
from tests.e2e.test_intake_kill import kill_when_delivered, open_ticket

SECRET = "rahasia-kantor_2026"


def webhook_env() -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return dict(WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/hook", WEBHOOK_LISTEN=f"127.0.0.1:{port}",
                WEBHOOK_SECRET=SECRET)


def forged_update(update_id: int, user_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 9999, "date": 1_790_000_000, "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "Sari"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Sari"}}}


async def stored_update(database_path, update_id: int) -> str | None:
    db = await Database.open(database_path)
    try:
        row = await db.fetchone("SELECT status FROM updates WHERE update_id = ?", (update_id,))
        return row["status"] if row else None
    finally:
        await db.close()


async def test_webhook_serves_updates_and_refuses_a_wrong_secret(api, people, bot_process, database_path):
    sari = people.sari
    proc = bot_process(**webhook_env())
    await proc.start()
    assert api.world.webhook_url.endswith("/telegram/hook") and api.world.webhook_secret == SECRET
    assert not api.calls("getUpdates")  # no long polling in webhook mode

    await sari.command("/start")
    await sari.wait_for(lambda m: "bahasa" in m.text.lower(), timeout=15)
    assert api.webhook_answers[-1][1] == 200

    before = len(sari.messages)
    for secret in ("salah", None):
        assert await api.post_webhook(forged_update(90_000, sari.id, "/start"), secret) == 403
    await asyncio.sleep(1.0)
    assert len(sari.messages) == before  # refused requests are not handled...
    assert await stored_update(database_path, 90_000) is None  # ...nor recorded
    await proc.stop()


async def test_webhook_update_recorded_before_200_survives_a_kill(api, people, bot_process, database_path):
    sari, staff = people.sari, people.staff
    await open_ticket(api, database_path, sari.id)
    proc = bot_process(**webhook_env())
    await proc.start()
    await staff.wait_for(lambda m: "Tiket #0001" in m.text, timeout=15)

    api.inject("sendMessage", 502, times=10**6, chat_id=STAFF_CHAT_ID)
    armed = kill_when_delivered(api, proc, "Pesan lewat webhook", 0.0)  # SIGKILL as soon as the 200 arrives
    sent = await sari.send("Pesan lewat webhook")
    await asyncio.wait_for(armed.wait(), 15)
    await asyncio.wait_for(proc.proc.wait(), 10)
    update_id = max(u for u, status in api.webhook_answers if status == 200)
    assert await stored_update(database_path, update_id) in ("pending", "done"), proc.log()

    api.faults.pending.clear()
    await proc.start()
    await staff.wait_for(lambda m: "Pesan lewat webhook" in m.text, timeout=30)
    await asyncio.sleep(1.0)
    relayed = [m for m in staff.messages() if "Pesan lewat webhook" in m.text]
    print(f"\nFAULT kill -9 right after the webhook's 200: sent=1 lost=0 duplicated={len(relayed) - 1}")
    assert len(relayed) == 1 and sent is not None
    await proc.stop()
