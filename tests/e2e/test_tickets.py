"""Consultation tickets end to end against the fake Bot API, in a plain staff group (replies to
the card or to relayed messages) and in a forum (a topic per ticket)."""
from __future__ import annotations

from storage.outbox import OutboxRepo
from storage.tickets import TicketRepo
from storage.users import UserRepo
from tests.e2e.harness import STAFF_CHAT_ID, seed_cooperative


def has(fragment: str):
    return lambda m: fragment.lower() in (m.text or "").lower()


async def open_ticket_as(user, staff, text="Ada pinjaman macet Rp200 juta, bagaimana?", photo=True, album=False):
    await user.command("/konsultasi")
    await user.wait_for(has("Pilih jenis layanan"))
    await user.press("Kuratif")
    await user.wait_for(has("Pilih kategorinya"))
    await user.press("Pinjaman macet")
    await user.wait_for(has("Ceritakan kasusnya"))
    await user.send(text)
    await user.wait_for(has("Tercatat (1 pesan)"))
    if photo:
        await user.send_photo("foto buku pinjaman")
        await user.wait_for(has("Tercatat (2 pesan)"))
    if album:  # three photos in one album count as one message
        await user.send_album(3, "album bukti")
        await user.wait_for(has("Tercatat (2 pesan)"))
    await user.press("Kirim tiket")
    return await user.wait_for(has("sudah kami terima"))


async def test_plain_group_open_claim_answer_note_rating(bot, people):
    sari, budi, eko, staff = people.sari, people.budi, people.eko, people.staff
    db = bot.services.db
    await seed_cooperative(db, sari.id, name="Kopkar Sejahtera Mandiri", kecamatan="Cikarang Barat")
    opened = await open_ticket_as(sari, staff)
    assert "#0001" in opened.text and "WIB" in opened.text

    card = await staff.wait_for(has("Tiket #0001"))
    for needle in ("Kuratif", "Pinjaman macet", "Kopkar Sejahtera Mandiri", "Cikarang Barat", "350 anggota",
                   "Rp200 juta"):
        assert needle in card.text, needle
    assert card.buttons == [["🙋 Ambil", "✅ Selesai"]]
    photo = await staff.wait_for(lambda m: m.photo)
    assert "#0001" in photo.text and "foto buku pinjaman" in photo.text

    # Someone outside the staff group presses [Ambil]: nothing changes.
    answer = await eko.press("Ambil", card, group=staff)
    assert "Hanya konsultan" in answer.text
    assert (await TicketRepo(db).get(1)).status == "new"

    answer = await budi.press("Ambil", card, group=staff)
    assert "diambil" in answer.text
    edited = await staff.wait_for(lambda m: m.edited and "ditangani · konsultan: Budi" in m.text)
    assert edited.message_id == card.message_id

    await budi.send_in(staff, "Silakan kirim laporan kolektibilitas <terbaru>.", reply_to=card)
    relayed = await sari.wait_for(has("kolektibilitas"))
    assert "<terbaru>" in relayed.text and "Budi" in relayed.text and "#0001" in relayed.text
    await budi.send_photo("contoh format", group=staff, reply_to=photo)
    copied = await sari.wait_for(lambda m: m.photo)
    assert "contoh format" in copied.text
    await budi.send_in(staff, "!catatan internal: cek ke pendamping", reply_to=card)

    await sari.send("Baik, laporannya menyusul")  # no flow: goes to the open ticket
    await sari.wait_for(has("Diteruskan ke tiket #0001"))
    follow = await staff.wait_for(has("laporannya menyusul"))
    assert "#0001" in follow.text
    assert (await TicketRepo(db).get(1)).status == "waiting"
    # A reply to the relayed follow-up routes back too (mapping is in the database).
    await budi.send_in(staff, "Terima kasih, kami tunggu.", reply_to=follow)
    await sari.wait_for(has("kami tunggu"))

    await budi.press("Selesai", card, group=staff)
    ask = await sari.wait_for(has("Seberapa membantu"))
    await sari.press("5", ask)
    await sari.wait_for(has("nilai 5/5"))
    await staff.wait_for(has("dinilai 5/5"))
    await sari.send("Sangat jelas")
    await staff.wait_for(has("Sangat jelas"))
    await bot.drain_outbox()
    assert not any("catatan internal" in m.text for m in sari.messages)
    ticket = await TicketRepo(db).get(1)
    assert ticket.status == "closed" and ticket.first_answer_at and (await TicketRepo(db).rating(1)).score == 5
    assert [m.direction for m in await TicketRepo(db).messages(1) if m.direction != "event"] == \
        ["in", "in", "out", "out", "note", "in", "out"]


async def test_forum_topic_per_ticket_and_a_deleted_topic_is_recreated(launch, api, people_forum):
    sari, budi, staff = people_forum.sari, people_forum.budi, people_forum.staff
    async with launch() as bot:
        await seed_cooperative(bot.services.db, sari.id, name="Kopkar Maju 0812345678")
        await open_ticket_as(sari, staff, photo=False, album=True)
        card = await staff.wait_for(has("Tiket #0001"))
        topic = staff.topic("#0001")
        await bot.drain_outbox()
        assert len([m for m in staff.messages(topic.thread_id) if m.photo]) == 3
        acks = [e.text for e in api.events if e.chat_id == sari.id and e.event == "new" and "Tercatat" in e.text]
        assert acks == ["Tercatat (1 pesan). Tambahkan lagi, atau tekan Kirim tiket.",
                        "Tercatat (2 pesan). Tambahkan lagi, atau tekan Kirim tiket."]
        assert topic.name.startswith("#0001 · Kuratif · Kopkar Maju") and "0812345678" not in topic.name
        assert card.thread_id == topic.thread_id

        await budi.send_in(staff, "Jawaban di topik", thread_id=topic.thread_id)
        await sari.wait_for(has("Jawaban di topik"))
        await budi.send_photo("grafik", group=staff, thread_id=topic.thread_id)
        await sari.wait_for(lambda m: m.photo and "grafik" in m.text)
        await budi.send_in(staff, "! jangan diteruskan", thread_id=topic.thread_id)

        staff.chat.topics[topic.thread_id].deleted = True  # someone deleted the topic
        await sari.send("Pertanyaan lanjutan")
        # the new topic opens with the card and a notice; with the live card's edits counted in
        # the group's 20/min (1 s apart), that takes a few seconds more
        again = await staff.wait_for(has("Pertanyaan lanjutan"), timeout=15)
        new_topic = staff.topic("#0001")
        assert new_topic.thread_id != topic.thread_id and again.thread_id == new_topic.thread_id
        await budi.send_in(staff, "Dijawab di topik baru", thread_id=new_topic.thread_id)
        await sari.wait_for(has("topik baru"))
        await bot.drain_outbox()
        assert not any("jangan diteruskan" in m.text for m in sari.messages)


async def test_several_open_tickets_ask_which_and_managers_see_only_their_own(bot, people):
    sari, andi, eko = people.sari, people.andi, people.eko
    db = bot.services.db
    await seed_cooperative(db, sari.id)
    await seed_cooperative(db, eko.id, name="Koperasi Lain", full_name="Eko")
    await open_ticket_as(sari, people.staff, photo=False)
    await open_ticket_as(sari, people.staff, text="Pertanyaan kedua", photo=False)
    await sari.send("Untuk yang kedua")
    ask = await sari.wait_for(has("tiket yang mana"))
    await sari.press("#0002", ask)
    await people.staff.wait_for(lambda m: "#0002" in m.text and "Untuk yang kedua" in m.text)

    await eko.command("/tiketsaya")
    assert "belum punya tiket" in (await eko.wait_for(has("tiket"))).text
    await sari.command("/tiketsaya")
    listing = await sari.wait_for(has("Tiket konsultasi koperasi Anda"))
    assert "#0001" in listing.text and "#0002" in listing.text
    # A forged press by another cooperative's manager changes nothing.
    forged = await api_press(eko, listing, "tm:close:1")
    assert "bukan milik koperasi Anda" in forged.text
    assert (await TicketRepo(db).get(1)).status == "new"
    await sari.press("Tutup #0001", listing)
    await sari.wait_for(has("Tiket #0001 ditutup"))
    await people.staff.wait_for(has("Pengurus menutup tiket #0001"))


async def api_press(user, message, data):
    return await user.api.press_data(user, message, data)


async def test_faults_on_the_staff_group_and_a_blocked_manager(launch, api, people):
    sari, budi, staff = people.sari, people.budi, people.staff
    async with launch(rate_limit=False) as bot:
        db = bot.services.db
        await seed_cooperative(db, sari.id)
        api.inject("sendMessage", 429, retry_after=1, chat_id=STAFF_CHAT_ID)
        api.inject("sendMessage", 502, times=2, chat_id=STAFF_CHAT_ID)
        await open_ticket_as(sari, staff, photo=False)
        await open_ticket_as(sari, staff, text="kedua", photo=False)
        await bot.drain_outbox()
        cards = [m for m in staff.messages() if "Tiket #" in m.text]
        assert [c.text.split()[2] for c in cards] == ["#0001", "#0002"]  # each once, in order
        statuses = [r.status for r in api.calls("sendMessage") if r.params.get("chat_id") == str(STAFF_CHAT_ID)]
        assert 429 in statuses and 502 in statuses

        api.block(sari)
        await budi.send_in(staff, "Jawaban yang tak sampai", reply_to=cards[0])
        await staff.wait_for(has("memblokir bot"), timeout=10)
        assert not (await UserRepo(db).get(sari.id)).is_active
        counts = await OutboxRepo(db).counts("ticket", 1)
        assert counts.get("blocked") == 1 and not counts.get("pending")


async def test_staff_commands_areas_queue_detail_move_stats_and_faq(bot, people):
    sari, budi, rina, staff = people.sari, people.budi, people.rina, people.staff
    db = bot.services.db
    await seed_cooperative(db, sari.id, kecamatan="Setu")
    await budi.command("/wilayah", group=staff)
    areas = await staff.wait_for(has("Wilayah dampingan Budi"))
    await budi.press("Setu", areas, group=staff)
    await staff.wait_for(lambda m: m.edited and "Wilayah dampingan" in m.text and "Setu" in m.text.split("\n")[1])
    await budi.command("/staf", group=staff)
    await staff.wait_for(has("Wilayah: Setu"))
    await rina.command("/antrian", group=staff)  # any staff action registers a consultant
    await staff.wait_for(has("Tidak ada tiket terbuka"))

    await open_ticket_as(sari, staff, photo=False)
    card = await staff.wait_for(has("Tiket #0001"))
    assert "Pendamping Kec. Setu: Budi" in card.text
    assert 'href="tg://user?id=2001"' in card.html

    await budi.command("/antrian", group=staff)
    queue = await staff.wait_for(has("Antrian tiket terbuka"))
    assert "#0001" in queue.text and "belum diambil" in queue.text
    await budi.command("/pindah 1", group=staff)
    ask = await staff.wait_for(has("Alihkan tiket #0001"))
    await budi.press("Rina", ask, group=staff)
    await staff.wait_for(has("dialihkan ke Rina"))
    assert (await TicketRepo(db).get(1)).assignee_id == rina.id

    await budi.command("/faq pinjaman-macet", group=staff, reply_to=card)
    await staff.wait_for(has("dikirim ke pengurus tiket #0001"))
    entry = await sari.wait_for(has("Menangani pinjaman anggota yang menunggak atau macet"))
    assert "Langkah berikutnya" in entry.text  # the entry's answer, rendered as in the FAQ
    for usage in ("/tiket", "/pindah", "/faq"):  # help texts Telegram must accept
        await budi.command(usage, group=staff)
        await staff.wait_for(has("Pakai"))
    assert bot.api.rejected() == []
    await budi.command("/tiket 1", group=staff)
    detail = await staff.wait_for(has("Riwayat"))
    assert "/faq pinjaman-macet" in detail.text and "dialihkan" in detail.text
    await budi.command("/statistik", group=staff)
    stats = await staff.wait_for(has("Statistik klinik"))
    assert "Terbuka: 1" in stats.text and "Setu" in stats.text

    # A consultant's private message is not a staff action (and the staff never sees it).
    await budi.send("Halo bot, ini pesan pribadi")
    await budi.next_message()
    await bot.drain_outbox()
    assert not any("pesan pribadi" in m.text for m in staff.messages())
