"""Ticket journeys through the handlers: the manager's /konsultasi, relays both ways, the card's
buttons, staff commands. Real PTB Updates through app.process_update(); fake Bot API answers."""
from __future__ import annotations

import pytest
from telegram import Update
from telegram.ext import CallbackContext

from bot.tickets.service import TicketService
from handlers import tickets_staff
from tests.e2e.harness import STAFF_CHAT_ID
from tests.handlers.desk import has, start_desk, stop_desk


@pytest.fixture
async def desk(api, tmp_path):
    d = await start_desk(api, tmp_path)
    yield d
    await stop_desk(d)


async def test_services_hold_a_typed_ticket_service(desk):
    assert isinstance(desk.svc.tickets, TicketService)
    assert desk.svc.tickets.forum is False


async def test_konsultasi_opens_a_ticket_and_the_card_reaches_the_group(desk):
    opened = await desk.open_ticket()
    assert "#0001" in opened.text
    card = desk.card(1)
    assert "Pinjaman macet" in card.text and "Rp200 juta" in card.text
    assert card.buttons == [["🙋 Ambil", "✅ Selesai"]]
    assert (await desk.svc.tickets.get(1)).card_message_id == card.message_id


async def test_a_manager_without_a_cooperative_is_sent_to_start(api, tmp_path):
    d = await start_desk(api, tmp_path, seed=False)
    try:
        await d.say(d.people.sari, "/konsultasi")
        assert "/start" in d.last_to(d.people.sari.id)
    finally:
        await stop_desk(d)


async def test_relay_both_ways_note_and_resolve_with_rating(desk):
    sari, budi = desk.people.sari, desk.people.budi
    await desk.open_ticket()
    card = desk.card()
    await desk.say_in(budi, "Kirim laporan kolektibilitas.", reply_to=card)
    assert "kolektibilitas" in desk.last_to(sari.id) and "#0001" in desk.last_to(sari.id)
    await desk.say_in(budi, "!cek dulu ke pendamping", reply_to=card)
    assert not any("cek dulu" in t for t in desk.texts_to(sari.id))
    await desk.say(sari, "Baik, menyusul")
    assert "Diteruskan ke tiket #0001" in desk.last_to(sari.id)
    follow = desk.find(STAFF_CHAT_ID, "menyusul")
    assert "#0001" in follow.text
    await desk.say_in(budi, "Kami tunggu.", reply_to=follow)
    assert "Kami tunggu" in desk.last_to(sari.id)
    answer = await desk.press(budi, "Selesai", card, group=desk.staff)
    assert "ditandai selesai" in answer["text"]
    await desk.press(sari, "4")
    assert "nilai 4/5" in desk.last_to(sari.id)
    assert "dinilai 4/5" in desk.last_to(STAFF_CHAT_ID)
    await desk.say(sari, "Jelas sekali")
    assert "Jelas sekali" in desk.last_to(STAFF_CHAT_ID)
    assert (await desk.svc.tickets.get(1)).status == "closed"


async def test_claim_by_an_outsider_is_refused_and_a_forged_button_is_stale(desk):
    eko, budi = desk.people.eko, desk.people.budi
    await desk.open_ticket()
    card = desk.card()
    answer = await desk.press_data(eko, desk.api.message_record(card, desk.api.world.chats[STAFF_CHAT_ID]), "tk:claim:1")
    assert "Hanya konsultan" in answer["text"]
    record = desk.api.message_record(card, desk.api.world.chats[STAFF_CHAT_ID])
    answer = await desk.press_data(budi, record, "tk:claim:x")
    assert answer["text"] == "Tombol ini sudah tidak berlaku."
    answer = await desk.press_data(budi, record, "tk:nonsense")
    assert answer["text"] == "Tombol ini sudah tidak berlaku."
    answer = await desk.press(budi, "Ambil", card, group=desk.staff)
    assert "diambil oleh Budi" in answer["text"]
    assert (await desk.svc.tickets.get(1)).assignee_id == budi.id


async def test_transfer_with_pindah(desk):
    budi, rina = desk.people.budi, desk.people.rina
    await desk.open_ticket()
    await desk.say_in(rina, "/antrian")  # Rina is registered as a consultant by using the desk
    await desk.say_in(budi, "/pindah 1")
    assert "Alihkan tiket #0001" in desk.last_to(STAFF_CHAT_ID)
    await desk.press(budi, "Rina", group=desk.staff)
    desk.find(STAFF_CHAT_ID, "#0001 dialihkan ke Rina")
    assert (await desk.svc.tickets.get(1)).assignee_id == rina.id


async def test_staff_commands_queue_detail_statistics_areas(desk):
    budi = desk.people.budi
    await desk.open_ticket()
    await desk.say_in(budi, "/antrian")
    assert "#0001" in desk.last_to(STAFF_CHAT_ID) and "belum diambil" in desk.last_to(STAFF_CHAT_ID)
    await desk.say_in(budi, "/tiket 1")
    assert "Riwayat" in desk.last_to(STAFF_CHAT_ID)
    await desk.say_in(budi, "/tiket 99")
    assert "#0099 tidak ditemukan" in desk.last_to(STAFF_CHAT_ID)
    await desk.say_in(budi, "/statistik")
    assert "Statistik klinik" in desk.last_to(STAFF_CHAT_ID)
    await desk.say_in(budi, "/wilayah")
    await desk.press(budi, "Cikarang Barat", group=desk.staff)
    assert await desk.svc.tickets.areas_of(budi.id) == ["Cikarang Barat"]


async def test_my_tickets_and_close(desk):
    sari = desk.people.sari
    await desk.open_ticket()
    await desk.say(sari, "/tiketsaya")
    assert "#0001" in desk.last_to(sari.id)
    await desk.press(sari, "Tutup #0001")
    assert any("#0001 ditutup" in t for t in desk.texts_to(sari.id))
    assert "Pengurus menutup tiket #0001" in desk.last_to(STAFF_CHAT_ID)


async def test_a_manager_who_closes_their_ticket_is_asked_for_a_rating(desk):
    """Issue 11.10: closing one's own ticket asks for a rating, as the consultant's Selesai does."""
    sari = desk.people.sari
    await desk.open_ticket()
    await desk.say(sari, "/tiketsaya")
    await desk.press(sari, "Tutup #0001")
    assert "Seberapa membantu" in desk.last_to(sari.id)
    await desk.press(sari, "5")
    assert "nilai 5/5" in desk.last_to(sari.id)
    assert "dinilai 5/5" in desk.last_to(STAFF_CHAT_ID)


async def test_faq_answer_in_a_ticket_twice(desk):
    """Issue 9: @lru_cache on the async /faq handler cached a coroutine, so the same call twice
    failed ("cannot reuse already awaited coroutine")."""
    sari, budi = desk.people.sari, desk.people.budi
    await desk.open_ticket()
    card = desk.card()
    sent = await budi.command("/faq anggota-keluar", group=desk.staff, reply_to=card)
    await desk.feed()
    raw = [u for u in desk.api.pending_updates() if u.get("message", {}).get("message_id") == sent.message_id][0]
    update = Update.de_json(raw, desk.app.bot)
    context = CallbackContext.from_update(update, desk.app)
    context.args = ["anggota-keluar"]
    for _ in range(2):  # the same call twice (e.g. a retried delivery) must not raise
        await tickets_staff.faq_answer(update, context)
    await desk.drain()
    assert sum("dikirim ke pengurus tiket #0001" in t for t in desk.texts_to(STAFF_CHAT_ID)) >= 2
    assert any("Konsultan Klinik" in t for t in desk.texts_to(sari.id))
