"""Ask journey at the handler layer (issue 13): small talk is answered and not logged, off-topic
gets the clinic's scope and only the consultant, a confident answer comes short first with a
button to the full one."""
from __future__ import annotations

from bot.triage.service import shipped_knowledge
from storage.triage import TriageRepo
from tests.e2e.harness import seed_cooperative
from tests.factories import button_press, text_message

SARI = 1001


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
