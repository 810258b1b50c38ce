"""Findings of a QA pass through the demo as a manager, a consultant and an admin: each test
failed before its fix."""
from __future__ import annotations

from tests.e2e.harness import ADMIN_ID, CONSULTANT_ID, MANAGER_ID, STAFF_CHAT_ID, seed_cooperative
from tests.factories import sticker_message
from tests.handlers.chat import Person


async def sari_with_ticket(app, api) -> tuple[Person, Person]:
    svc = app.bot_data["services"]
    await seed_cooperative(svc.db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/konsultasi")
    await sari.press("Preventif")
    await sari.press("Kepatuhan")
    await sari.send("Kami mau mengubah Anggaran Dasar soal simpanan wajib, bagaimana prosedurnya?")
    await sari.press("Kirim tiket")
    await svc.delivery.drain(10)
    return sari, Person(app, api, CONSULTANT_ID, "Budi").in_group(STAFF_CHAT_ID)


async def test_ticket_history_names_events_in_words_not_codes(app, api):
    sari, budi = await sari_with_ticket(app, api)
    await budi.press("Ambil")
    await budi.send("/tiket 1")
    history = budi.last.split("Riwayat", 1)[1]
    assert "opened" not in history and "claim" not in history
    assert "tiket dibuka" in history and "diambil" in history


async def test_response_buttons_on_the_broadcast_preview_say_preview_not_stale(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    rina = Person(app, api, ADMIN_ID, "Rina")
    await rina.send("/siaran")
    await rina.send("Yth. pengurus, RAT tahun buku 2025 mohon segera dilaporkan lewat ODS.")
    await rina.press("Semua koperasi")
    await rina.press("Tombol jawaban")
    preview = next(m for m in rina.messages() if m.keyboard and m.keyboard[0][0]["text"] == "✅ Hadir")
    await rina.press_data(preview.keyboard[0][0]["callback_data"], preview.message_id, preview.text)
    assert rina.answers()[-1] != "Tombol ini sudah tidak berlaku."
    assert "pratinjau" in rina.answers()[-1].lower()


async def test_rat_deadline_short_answer_gives_both_dates_it_announces(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("kapan batas waktu RAT?")
    answer = sari.last
    assert "Ada dua patokan" in answer and "Baca jawaban lengkap" in str(sari.messages()[-1].keyboard)
    assert "6 bulan" in answer and "31 Maret" in answer  # the legal limit and the ministry's target


async def test_profile_without_nik_says_so_in_words_not_a_dash(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)  # registered without a NIK
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/profil")
    assert "NIK: belum ada" in sari.last and "NIK: -" not in sari.last


async def test_a_case_told_in_several_long_messages_still_reaches_the_staff_group(app, api):
    """The card carried the whole joined description: over Telegram's 4096 characters it was
    refused ("message is too long") and the consultants never saw the ticket."""
    svc = app.bot_data["services"]
    await seed_cooperative(svc.db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/konsultasi")
    await sari.press("Kuratif")
    await sari.press("Lainnya")
    for part in range(3):
        await sari.send(f"Bagian {part + 1}: " + "pinjaman anggota macet sejak pabrik tutup sebagian. " * 30)
    await sari.press("Kirim tiket")
    await svc.delivery.drain(10)
    group = Person(app, api, CONSULTANT_ID, "Budi").in_group(STAFF_CHAT_ID)
    card = next(m for m in group.messages() if "Tiket #0001" in m.text)
    assert len(card.text) <= 4096 and "Bagian 1" in card.text and "/tiket 1" in card.text
    await group.send("/tiket 1")
    assert "Bagian 3" in "".join(m.text for m in group.messages())  # the whole text is one command away


async def test_overlong_broadcast_text_counts_characters_like_every_other_number(app, api):
    rina = Person(app, api, ADMIN_ID, "Rina")
    await rina.send("/siaran")
    await rina.send("x" * 3900)
    assert "(3.900 karakter)" in rina.last and "paling banyak 3.800" in rina.last


async def test_overlong_answer_to_a_one_answer_step_is_not_told_to_split_it(app, api):
    """'...atau kirim dalam beberapa pesan': the next message would be taken as the next step's answer."""
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/rapat")
    await sari.press("Rapat pengurus")
    await sari.send("besok jam 9 " + "pagi " * 100)
    assert "terlalu panjang" in sari.last and "beberapa pesan" not in sari.last


async def test_english_ticket_flow_counts_messages_in_proper_english(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/bahasa")
    await sari.press("English")
    await sari.send("/konsultasi")
    await sari.press("Curative")
    await sari.press("Bad loans")
    await sari.send("Our treasurer disappeared with the savings money")
    assert "Noted (1 message)." in sari.last
    await sari.send("It was about Rp 200 million")
    assert "Noted (2 messages)." in sari.last


async def test_statistics_without_ratings_say_none_yet(app, api):
    sari, budi = await sari_with_ticket(app, api)
    await budi.send("/statistik")
    assert "Nilai rata-rata: belum ada" in budi.last


async def test_a_button_of_the_paused_health_check_does_not_hijack_the_governance_check(app, api):
    """Starting /cektatakelola pauses /cekkesehatan; its old [Lewati] still answered the health
    check, took the buttons off the governance question and switched the flow back unasked."""
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/cekkesehatan")
    health_step = next(m for m in sari.messages() if "Total aset" in m.text)
    await sari.send("/cektatakelola")
    governance_step = sari.messages()[-1]
    assert governance_step.keyboard
    skip = next(b for row in health_step.keyboard for b in row if b["text"] == "Lewati")
    await sari.press_data(skip["callback_data"], health_step.message_id, health_step.text)
    assert sari.answers()[-1]  # told the button is no longer current
    assert next(m for m in sari.messages() if m.message_id == governance_step.message_id).keyboard
    assert not sari.said("Langkah 2 dari 21")


async def test_a_plain_ok_is_answered_in_the_managers_indonesian(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("ok")
    assert sari.last.startswith("Baik 👍") and "All right" not in sari.last


async def test_a_sticker_outside_any_flow_is_not_told_about_a_step(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await app.process_update(sticker_message(app.bot, MANAGER_ID))
    assert "langkah ini" not in sari.last and "/konsultasi" in sari.last


async def test_a_typed_meeting_date_takes_the_date_buttons_away(app, api):
    """They stayed under the question and answered 'Tombol ini sudah tidak berlaku'."""
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/rapat")
    await sari.press("Rapat pengurus")
    picker = sari.messages()[-1]
    assert picker.keyboard
    await sari.send("besok jam 9 pagi")
    assert "Di mana rapatnya" in sari.last
    assert not next(m for m in sari.messages() if m.message_id == picker.message_id).keyboard
