"""Asking the FAQ through real Updates: a manager's chat-style question gets the answer with
feedback buttons, an off-topic one is offered a consultant (the ticket flow takes over), /faq
browses in place, forged presses change nothing. (`python -m bot kb misses` needs the real
process: tests/e2e/test_ask.py.)"""
from __future__ import annotations

from bot.triage.service import MAX_QUESTION, shipped_knowledge
from storage.flows import FlowRepo
from storage.triage import TriageRepo
from storage.users import UserRepo
from tests.e2e.harness import MANAGER_ID, OUTSIDER_ID, SECOND_MANAGER_ID, seed_cooperative
from tests.factories import button_press, sticker_message, text_message
from tests.handlers.chat import Person

STALE = "Tombol ini sudah tidak berlaku."


def labels(message) -> list[str]:
    return [b["text"] for row in message.keyboard for b in row]


def last_message(person: Person):
    return person.messages()[-1]


async def latest_triage(app, user_id: int):
    return (await TriageRepo(app.bot_data["services"].db).for_user(user_id))[-1]


async def sari_with_cooperative(app, api, **kwargs) -> Person:
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID, **kwargs)
    return Person(app, api, MANAGER_ID)


async def test_confident_answer_and_terjawab_is_recorded(app, api):
    sari = await sari_with_cooperative(app, api)
    coop = await app.bot_data["services"].accounts.cooperative_of(MANAGER_ID)
    await sari.send("gmn cara rat online min?")
    answer = last_message(sari)
    assert "<b>RAT secara daring" in answer.html and "Langkah berikutnya" in answer.text
    shown = labels(answer)
    assert shown[:3] == ["✅ Terjawab", "🙋 Tanya konsultan", "👎 Belum membantu"]
    assert shown[3] == "📖 Baca jawaban lengkap"  # the short answer comes first
    assert 1 <= len(shown) - 4 <= 2 and all(b.startswith("📄 ") and len(b) <= 42 for b in shown[4:])
    assert len(answer.text) < 700 and "Dasar:" not in answer.text
    row = await latest_triage(app, MANAGER_ID)
    assert (row.confident, row.shown_entry, row.cooperative_id, row.feedback) == (True, "rat-daring", coop.id, None)
    await sari.press("📖 Baca jawaban lengkap")
    full = last_message(sari)
    assert full.message_id == answer.message_id and "Dasar:" in full.text and len(full.text) > len(answer.text)
    assert "📖 Baca jawaban lengkap" not in labels(full) and labels(full)[:3] == shown[:3]
    await sari.press("✅ Terjawab")
    assert "terima kasih" in sari.answers()[-1].lower() and "Senang bisa membantu" in sari.last
    row = await latest_triage(app, MANAGER_ID)
    assert (row.feedback, row.answered_entry) == ("answered", "rat-daring")
    assert not next(m for m in sari.messages() if m.message_id == answer.message_id).keyboard  # buttons gone


async def test_related_entry_opens_as_a_new_message_then_unhelpful(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("gmn cara rat online min?")
    related = labels(last_message(sari))[4]
    await sari.press(related)
    second = last_message(sari)
    assert "✅ Terjawab" in labels(second)
    shown_entry = (await latest_triage(app, MANAGER_ID)).shown_entry
    assert related == "📄 " + shipped_knowledge().entry(shown_entry).short_title  # buttons: short titles
    await sari.press("👎 Belum membantu")
    assert "belum membantu" in sari.last.lower() and labels(last_message(sari)) == ["🙋 Tanya konsultan"]
    row = await latest_triage(app, MANAGER_ID)
    assert row.feedback == "unhelpful" and row.shown_entry != "rat-daring"


async def test_off_topic_question_goes_to_a_consultant_through_the_ticket_flow(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("harga emas hari ini")
    assert "di luar hal yang ditangani" in sari.last and labels(last_message(sari)) == ["🙋 Tanya konsultan"]
    row = await latest_triage(app, MANAGER_ID)
    assert row.confident is False and row.shown_entry is None
    await sari.press("Tanya konsultan")
    assert (await latest_triage(app, MANAGER_ID)).feedback == "consultant"
    flow = await FlowRepo(app.bot_data["services"].db).get(MANAGER_ID, MANAGER_ID)
    assert flow is not None and flow.data.get("question") == "harga emas hari ini"
    assert flow.data.get("triage_id") == row.id


async def test_candidate_button_shows_that_entry_in_place(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("anggota")  # one word, many entries: never a confident answer
    offer = last_message(sari)
    assert 2 <= len(labels(offer)) <= 4 and "belum yakin" in offer.text
    candidate = labels(offer)[0]
    await sari.press(candidate)
    edited = next(m for m in sari.messages() if m.message_id == offer.message_id)
    assert edited.event == "edit" and "✅ Terjawab" in labels(edited)
    row = await latest_triage(app, MANAGER_ID)
    assert row.shown_entry == row.ranked[0][0]
    assert candidate == "📄 " + shipped_knowledge().entry(row.shown_entry).short_title
    await sari.press("✅ Terjawab")
    row = await latest_triage(app, MANAGER_ID)
    assert (row.feedback, row.answered_entry) == ("answered", row.ranked[0][0])


async def test_forged_press_on_someone_elses_question_changes_nothing(app, api):
    sari = await sari_with_cooperative(app, api, extra_managers={SECOND_MANAGER_ID: "Andi"})
    await sari.send("gmn cara rat online min?")
    sari_row = await latest_triage(app, MANAGER_ID)
    andi = Person(app, api, SECOND_MANAGER_ID, "Andi")
    await andi.send("harga emas hari ini")
    sent_before = len(andi.messages())
    for data in (f"ask:ok:{sari_row.id}:rat-daring", f"ask:cs:{sari_row.id}", f"ask:no:{sari_row.id}",
                 f"ask:e:{sari_row.id}:rat-kuorum", "ask:ok:999999", "ask:ok:abc", "ask"):
        await andi.press_data(data)
        assert andi.answers()[-1] == STALE
    assert await TriageRepo(app.bot_data["services"].db).get(sari_row.id) == sari_row
    assert (await latest_triage(app, SECOND_MANAGER_ID)).feedback is None
    assert len(andi.messages()) == sent_before


async def test_faq_browses_categories_and_pages_in_place(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("/faq")
    home = last_message(sari)
    assert "Pilih kategori" in home.text and "Pendirian & badan hukum" in labels(home)
    await sari.press("RAT & rapat anggota")
    page1 = last_message(sari)
    assert page1.message_id == home.message_id and "halaman 1/" in page1.text and "Berikutnya ▶️" in labels(page1)
    await sari.press("Berikutnya ▶️")
    page2 = last_message(sari)
    assert "halaman 2/" in page2.text and "◀️ Sebelumnya" in labels(page2)
    entry_label = next(b for b in labels(page2) if b.startswith("📄 "))
    await sari.press(entry_label)
    entry = last_message(sari)
    assert entry.html.startswith("<b>") and "Pilih pertanyaan" not in entry.text
    await sari.press("⬅️ RAT & rapat anggota")
    assert entry_label in labels(last_message(sari)) and "halaman 2/" in sari.last
    await sari.press("🗂 Semua kategori")
    assert "Pilih kategori" in sari.last and len(sari.messages()) == 1  # all in place
    await sari.press_data("faq:e:no-such-entry", home.message_id)
    assert sari.answers()[-1] and "Pilih kategori" in sari.last


async def test_faq_with_an_id_or_words(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("/faq rat-kuorum")
    assert last_message(sari).html.startswith("<b>") and "kuorum" in sari.last.lower()
    await sari.send("/faq rat online")
    assert "RAT secara daring" in sari.last
    await sari.send("/faq harga emas")
    assert "harga emas" in sari.last


async def test_english_manager_gets_the_english_answer(app, api):
    sari = await sari_with_cooperative(app, api)
    await UserRepo(app.bot_data["services"].db).set_language(MANAGER_ID, "en")
    await sari.send("RAT online boleh gk?")
    assert "online or hybrid" in sari.last
    assert labels(last_message(sari))[:2] == ["✅ Answered", "🙋 Ask a consultant"]


async def test_overlong_question_sticker_and_strangers_are_answered_politely(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("koperasi " * (MAX_QUESTION // 8))
    assert "/konsultasi" in sari.last
    await app.process_update(sticker_message(app.bot, MANAGER_ID))
    assert "teks" in sari.last
    assert await TriageRepo(app.bot_data["services"].db).for_user(MANAGER_ID) == []
    eko = Person(app, api, OUTSIDER_ID, "Eko")
    await eko.send("gmn cara rat online min?")
    assert "/start" in eko.last
    assert await TriageRepo(app.bot_data["services"].db).for_user(OUTSIDER_ID) == []


async def test_erasing_personal_data_unlinks_the_questions(app, api):
    sari = await sari_with_cooperative(app, api)
    await sari.send("harga emas hari ini")
    row = await latest_triage(app, MANAGER_ID)
    await sari.send("/hapusdata")
    await sari.press("Ya, hapus data saya")
    assert "sudah dihapus" in sari.last
    triages = TriageRepo(app.bot_data["services"].db)
    assert await triages.for_user(MANAGER_ID) == []
    assert (await triages.get(row.id)).question == "harga emas hari ini"
    await sari.press("Tanya konsultan")  # an old button no longer acts for her
    assert sari.answers()[-1] == STALE


# ---- issue 13: small talk, off-topic, short answers, two topics -------------------------------
SARI = MANAGER_ID


def sent_to(api, chat_id: int):
    return [m for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


async def _manager(app):
    await seed_cooperative(app.bot_data["services"].db, SARI)


async def test_small_talk_gets_a_reply_in_the_users_language_and_no_triage_row(app, api):
    await _manager(app)
    for text, fragment in (("assalamualaikum", "selamat datang"), ("makasih min 🙏", "Sama-sama"),
                           ("ok siap", "Baik"), ("good morning", "welcome")):
        await app.process_update(text_message(app.bot, SARI, text))
        last = sent_to(api, SARI)[-1]
        assert fragment.lower() in last.text.lower() and last.buttons == []
    assert await TriageRepo(app.bot_data["services"].db).for_user(SARI) == []


async def test_off_topic_gets_scope_and_consultant_only(app, api):
    await _manager(app)
    await app.process_update(text_message(app.bot, SARI, "resep nasi goreng"))
    last = sent_to(api, SARI)[-1]
    assert "di luar hal yang ditangani Klinik Koperasi" in last.text
    assert last.buttons == [["🙋 Tanya konsultan"]]
    rows = await TriageRepo(app.bot_data["services"].db).for_user(SARI)
    assert len(rows) == 1 and rows[0].shown_entry is None  # still logged: it reaches the misses list


async def test_short_answer_first_then_the_full_one(app, api):
    await _manager(app)
    await app.process_update(text_message(app.bot, SARI, "rat boleh lewat zoom gk min"))
    answer = sent_to(api, SARI)[-1]
    entry = shipped_knowledge().entry("rat-daring")
    assert answer.text.startswith(entry.title) and len(answer.text) <= len(entry.title) + 520
    assert ["📖 Baca jawaban lengkap"] in answer.buttons
    row = (await TriageRepo(app.bot_data["services"].db).for_user(SARI))[-1]
    await app.process_update(button_press(app.bot, SARI, f"ask:f:{row.id}:rat-daring",
                                          message_id=answer.message_id, message_text=answer.text))
    edit = [m for m in api.world.events if m.chat_id == SARI and m.event == "edit"][-1]
    assert "Dasar:" in edit.text and ["📖 Baca jawaban lengkap"] not in edit.buttons


async def test_a_two_topic_question_names_both_topics_first(app, api):
    await _manager(app)
    question = ("Kami pengurus koperasi karyawan sebuah pabrik di Cikarang. Tahun lalu ketua kami mengundurkan "
                "diri sebelum masa jabatannya habis dan sejak itu wakil ketua yang menjalankan tugas. Apakah kami "
                "wajib melapor ke Dinas, dan apakah perlu akta perubahan?")
    await app.process_update(text_message(app.bot, SARI, question))
    last = sent_to(api, SARI)[-1]
    knowledge = shipped_knowledge()
    titles = {knowledge.entry(i).short_title for i in ("pengurus-pergantian", "perubahan-anggaran-dasar")}
    assert "dua topik" in last.text and all(t in last.text for t in titles)
    assert {b[0].removeprefix("📄 ") for b in last.buttons[:2]} == titles
    assert last.buttons[-1] == ["🙋 Tanya konsultan"]
