"""Fair share at the handler layer (issue 16): a manager's burst to their ticket reaches the
staff group as one combined message without holding another manager's relay back; a flooding
user is told once, kindly, that everything arrives, and nothing is dropped."""
from __future__ import annotations

import re

from bot.tickets.service import TO_STAFF
from storage.outbox import OutboxRepo
from tests.e2e.harness import MANAGER_ID, SECOND_MANAGER_ID, STAFF_CHAT_ID, seed_cooperative
from tests.e2e.test_delivery import wait_rows_done
from tests.factories import sticker_message, text_message


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


async def open_tickets(app) -> tuple[int, int]:
    svc = app.bot_data["services"]
    coops = {MANAGER_ID: await seed_cooperative(svc.db, MANAGER_ID),
             SECOND_MANAGER_ID: await seed_cooperative(svc.db, SECOND_MANAGER_ID, name="Kopkar Lain", full_name="Andi")}
    opened = []
    for manager in (MANAGER_ID, SECOND_MANAGER_ID):  # two cooperatives, one open ticket each
        ticket = await svc.tickets.open(
            cooperative_id=coops[manager].id, manager_user_id=manager,
            service="kuratif", category="lainnya", question=f"Pertanyaan dari {manager}", source="test")
        opened.append(ticket.id)
        await svc.tickets.remember(manager, "ticket", ticket.id)  # in a live exchange with their ticket
    await wait_rows_done(OutboxRepo(svc.db))
    return opened[0], opened[1]


async def test_a_burst_is_relayed_as_one_message_and_does_not_hold_another_managers_relay(app, api):
    first, second = await open_tickets(app)
    svc = app.bot_data["services"]
    await svc.delivery.stop()  # the group is busy: relays queue up
    for i in range(30):
        await app.process_update(text_message(app.bot, MANAGER_ID, f"pesan nomor {i}"))
    await app.process_update(text_message(app.bot, SECOND_MANAGER_ID, "pertanyaan Andi", first_name="Andi"))
    before = len(texts_to(api, STAFF_CHAT_ID))
    await svc.delivery.start()
    await wait_rows_done(OutboxRepo(svc.db))
    relays = texts_to(api, STAFF_CHAT_ID)[before:]
    assert len(relays) == 2  # thirty messages cost the group one message; Andi's keeps its own
    assert "pertanyaan Andi" in relays[1] and f"#{second:04d}" in relays[1]
    combined = relays[0]
    assert [int(n) for n in re.findall(r"pesan nomor (\d+)", combined)] == list(range(30))  # once each, in order
    assert combined.count(f"#{first:04d}") == 30  # each part still carries the ticket's label
    rows = await OutboxRepo(svc.db).rows(kind=TO_STAFF)
    assert len(rows) == 31 and all(r.status == "sent" for r in rows)


async def test_a_flooding_manager_is_told_once_and_everything_still_arrives(app, api):
    first, _ = await open_tickets(app)
    svc = app.bot_data["services"]
    svc.delivery.burst_window = 0.5  # the group's next combined message sooner than the 10 s default
    for i in range(25):
        await app.process_update(text_message(app.bot, MANAGER_ID, f"riwayat {i}"))
    await app.process_update(text_message(app.bot, MANAGER_ID, "/tiketsaya"))
    await wait_rows_done(OutboxRepo(svc.db))
    to_sari = texts_to(api, MANAGER_ID)
    assert sum("sudah kami terima semuanya" in t for t in to_sari) == 1  # told once, kindly
    acks = sum("Diteruskan ke tiket" in t for t in to_sari)
    assert acks == svc.brake.per_burst  # acknowledged one by one only until the brake
    assert "Tiket konsultasi koperasi Anda" in to_sari[-1]  # a command is still answered
    assert not [t for t in to_sari if "gangguan" in t]  # and no error
    relayed = "\n".join(texts_to(api, STAFF_CHAT_ID))
    assert [int(n) for n in re.findall(r"riwayat (\d+)", relayed)] == list(range(25))  # nothing dropped
    assert len(await OutboxRepo(svc.db).rows(kind=TO_STAFF, ref=("ticket", first))) == 25


async def test_a_backlog_of_text_and_media_does_not_hold_another_managers_relay(app, api):
    first, second = await open_tickets(app)
    svc = app.bot_data["services"]
    svc.delivery.burst_window = 0  # no pause between the backlog's combined messages
    await svc.delivery.stop()
    for i in range(30):  # text with a sticker every ten: media keep their own messages
        await app.process_update(text_message(app.bot, MANAGER_ID, f"pesan nomor {i}"))
        if i % 10 == 9:
            await app.process_update(sticker_message(app.bot, MANAGER_ID))
    await app.process_update(text_message(app.bot, SECOND_MANAGER_ID, "pertanyaan Andi", first_name="Andi"))
    before = len(texts_to(api, STAFF_CHAT_ID))
    await svc.delivery.start()
    await wait_rows_done(OutboxRepo(svc.db))
    relays = texts_to(api, STAFF_CHAT_ID)[before:]
    assert "pertanyaan Andi" in relays[1]  # right after the first combined message, not after the backlog
    sari = "\n".join(relays)
    assert [int(n) for n in re.findall(r"pesan nomor (\d+)", sari)] == list(range(30))  # in order, once each
    rows = await OutboxRepo(svc.db).rows(kind=TO_STAFF, ref=("ticket", first))
    assert [r.method for r in rows].count("copy_message") == 3  # the stickers: copies of their own
