"""Asking the FAQ end to end: a manager's chat-style question gets the answer with feedback
buttons, an off-topic one is offered a consultant, /faq browses in place, forged presses change
nothing, and `python -m bot kb misses` lists what the FAQ missed."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.triage.service import MAX_QUESTION
from storage.flows import FlowRepo
from storage.triage import TriageRepo
from storage.users import UserRepo
from tests.e2e.harness import seed_cooperative

ROOT = Path(__file__).resolve().parents[2]


def has(fragment: str):
    return lambda m: fragment.lower() in m.text.lower()


def labels(message) -> list[str]:
    return [label for row in message.buttons for label in row]


async def latest_triage(db, user_id: int):
    rows = await TriageRepo(db).for_user(user_id)
    return rows[-1]


async def test_manager_question_gets_the_answer_and_terjawab_is_recorded(bot, people):
    sari = people.sari
    coop = await seed_cooperative(bot.services.db, sari.id)
    await sari.send("gmn cara rat online min?")
    answer = await sari.wait_for(has("RAT secara daring"))
    assert "<b>RAT secara daring" in answer.html and "Langkah berikutnya" in answer.text
    shown = labels(answer)
    assert shown[:3] == ["✅ Terjawab", "🙋 Tanya konsultan", "👎 Belum membantu"]
    assert 1 <= len(shown) - 3 <= 2 and all(b.startswith("📄 ") for b in shown[3:])

    row = await latest_triage(bot.services.db, sari.id)
    assert (row.confident, row.shown_entry, row.cooperative_id, row.feedback) == (True, "rat-daring", coop.id, None)
    assert row.ranked[0][0] == "rat-daring"

    toast = await sari.press("✅ Terjawab", answer)
    assert toast.text and "terima kasih" in toast.text.lower()
    await sari.wait_for(has("Senang bisa membantu"))
    row = await latest_triage(bot.services.db, sari.id)
    assert (row.feedback, row.answered_entry) == ("answered", "rat-daring")
    assert not next(m for m in sari.messages if m.message_id == answer.message_id).keyboard  # buttons gone


async def test_related_question_opens_as_a_new_message_with_feedback_buttons(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("gmn cara rat online min?")
    answer = await sari.wait_for(has("RAT secara daring"))
    related = labels(answer)[3]
    await sari.press(related, answer)
    second = await sari.wait_for(lambda m: m.event == "new" and m.message_id != answer.message_id)
    assert related.removeprefix("📄 ") in second.text and "✅ Terjawab" in labels(second)
    await sari.press("👎 Belum membantu", second)
    offer = await sari.wait_for(has("belum membantu"))
    assert labels(offer) == ["🙋 Tanya konsultan"]
    row = await latest_triage(bot.services.db, sari.id)
    assert row.feedback == "unhelpful" and row.shown_entry != "rat-daring"


async def test_off_topic_question_is_offered_a_consultant(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("harga emas hari ini")
    offer = await sari.wait_for(has("Tanya konsultan"))
    assert "Maaf" in offer.text
    assert labels(offer) == ["🙋 Tanya konsultan"]  # no unrelated guesses for an off-topic question
    row = await latest_triage(bot.services.db, sari.id)
    assert row.confident is False and row.shown_entry is None

    await sari.press("🙋 Tanya konsultan", offer)
    row = await latest_triage(bot.services.db, sari.id)
    assert row.feedback == "consultant"
    # the ticket flow takes over with the question prefilled
    await sari.wait_for(lambda m: m.event == "new" and m.message_id != offer.message_id)
    flow = await FlowRepo(bot.services.db).get(sari.id, sari.id)
    assert flow is not None and flow.data.get("question") == "harga emas hari ini"
    assert flow.data.get("triage_id") == row.id


async def test_candidate_button_shows_that_entry_in_place(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("anggota")  # one word, many entries: never a confident answer
    offer = await sari.wait_for(has("Tanya konsultan"))
    assert 2 <= len(labels(offer)) <= 4 and "belum yakin" in offer.text
    candidate = labels(offer)[0]
    assert candidate.startswith("📄 ")
    await sari.press(candidate, offer)
    edited = await sari.wait_for(lambda m: m.edited and m.message_id == offer.message_id)
    assert candidate.removeprefix("📄 ") in edited.text and "✅ Terjawab" in labels(edited)
    row = await latest_triage(bot.services.db, sari.id)
    assert row.shown_entry == row.ranked[0][0]
    await sari.press("✅ Terjawab", edited)
    await sari.wait_for(has("Senang bisa membantu"))
    row = await latest_triage(bot.services.db, sari.id)
    assert (row.feedback, row.answered_entry) == ("answered", row.ranked[0][0])


async def test_forged_press_on_someone_elses_question_changes_nothing(bot, people):
    sari, andi = people.sari, people.andi
    await seed_cooperative(bot.services.db, sari.id, extra_managers={andi.id: "Andi"})
    await sari.send("gmn cara rat online min?")
    await sari.wait_for(has("RAT secara daring"))
    sari_row = await latest_triage(bot.services.db, sari.id)
    await andi.send("harga emas hari ini")
    andi_msg = await andi.wait_for(has("Tanya konsultan"))
    for data in (f"ask:ok:{sari_row.id}:rat-daring", f"ask:cs:{sari_row.id}", f"ask:no:{sari_row.id}",
                 f"ask:e:{sari_row.id}:rat-kuorum", "ask:ok:999999", "ask:ok:abc"):
        toast = await bot.api.press_data(andi, andi_msg, data)
        assert "tidak berlaku" in (toast.text or "")
    assert await TriageRepo(bot.services.db).get(sari_row.id) == sari_row
    assert (await latest_triage(bot.services.db, andi.id)).feedback is None
    andi.skip()
    await asyncio.sleep(0.2)
    assert [m for m in andi.skip() if m.event == "new"] == []


async def test_faq_browses_categories_and_pages_in_place(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.command("/faq")
    home = await sari.wait_for(has("Pilih kategori"))
    assert "Pendirian & badan hukum" in labels(home)
    await sari.press("RAT & rapat anggota", home)
    page1 = await sari.wait_for(lambda m: m.edited and m.message_id == home.message_id)
    assert "Pilih pertanyaan" in page1.text and "halaman 1/" in page1.text
    assert "Berikutnya ▶️" in labels(page1)
    await sari.press("Berikutnya ▶️", home)
    page2 = await sari.wait_for(lambda m: m.edited and "halaman 2/" in m.text)
    assert "◀️ Sebelumnya" in labels(page2)
    entry_label = next(b for b in labels(page2) if b.startswith("📄 "))
    await sari.press(entry_label, home)
    entry = await sari.wait_for(lambda m: m.edited and entry_label.removeprefix("📄 ") in m.text and m.html.startswith("<b>"))
    assert "⬅️ RAT & rapat anggota" in labels(entry)
    await sari.press("⬅️ RAT & rapat anggota", home)
    back = await sari.wait_for(lambda m: m.edited and "halaman 2/" in m.text)
    assert entry_label in labels(back)
    await sari.press("🗂 Semua kategori", home)
    await sari.wait_for(lambda m: m.edited and "Pilih kategori" in m.text)


async def test_faq_with_an_id_or_words(bot, people):
    # (in the staff group /faq <id> belongs to the tickets journey: it answers a ticket with the entry)
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.command("/faq rat-kuorum")
    direct = await sari.wait_for(lambda m: m.html and m.html.startswith("<b>"))
    assert "kuorum" in direct.text.lower()
    await sari.command("/faq rat online")
    await sari.wait_for(has("RAT secara daring"))
    await sari.command("/faq harga emas")
    await sari.wait_for(lambda m: "harga emas" in m.text)


async def test_english_manager_gets_the_english_answer(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await UserRepo(bot.services.db).set_language(sari.id, "en")
    await sari.send("RAT online boleh gk?")
    answer = await sari.wait_for(has("online or hybrid"))
    assert labels(answer)[:2] == ["✅ Answered", "🙋 Ask a consultant"]


async def test_overlong_question_and_sticker_are_answered_politely(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("koperasi " * (MAX_QUESTION // 8))
    await sari.wait_for(has("/konsultasi"))
    await sari.send_sticker()
    await sari.wait_for(has("teks"))
    assert await TriageRepo(bot.services.db).for_user(sari.id) == []


async def test_unregistered_user_is_asked_to_start_first(bot, people):
    await people.eko.send("gmn cara rat online min?")
    await people.eko.wait_for(has("/start"))
    assert await TriageRepo(bot.services.db).for_user(people.eko.id) == []


async def test_kb_misses_prints_the_miss(bot, people, database_path):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("harga emas hari ini")
    await sari.wait_for(has("Tanya konsultan"))
    await sari.send("gmn cara rat online min?")
    await sari.wait_for(has("RAT secara daring"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "STAFF_", "ADMIN_"))}
    env["DATABASE_PATH"] = str(database_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "kb", "misses", env=env, cwd=str(database_path.parent),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert "harga emas hari ini" in text and "gmn cara rat" not in text


async def test_erasing_personal_data_unlinks_the_questions(bot, people):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("harga emas hari ini")
    offer = await sari.wait_for(has("Tanya konsultan"))
    row = await latest_triage(bot.services.db, sari.id)
    await sari.command("/hapusdata")
    await sari.wait_for(lambda m: m.button("Ya, hapus data saya"))
    await sari.press("Ya, hapus data saya")
    await sari.wait_for(has("sudah dihapus"))
    assert await TriageRepo(bot.services.db).for_user(sari.id) == []
    assert (await TriageRepo(bot.services.db).get(row.id)).question == "harga emas hari ini"
    toast = await sari.press("🙋 Tanya konsultan", offer)  # an old button no longer acts for her
    assert "tidak berlaku" in (toast.text or "")
