"""bot/triage/service.py with the real matcher and the shipped FAQ: what a question turns into."""
from __future__ import annotations

import pytest

from bot.core.texts import TELEGRAM_TEXT_LIMIT, Texts, escape
from bot.triage.service import (MAX_CANDIDATES, MAX_RELATED, Knowledge, entry_title, normalize_question, paginate,
                        render_entry, shipped_knowledge)
from knowledge.loader import Entry

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return shipped_knowledge()


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts("id")


def test_informal_question_gets_the_confident_answer_and_related(kb):
    decision = kb.decide("gmn cara rat online min?")
    assert decision.confident
    assert decision.entry.id == "rat-daring"
    assert decision.candidates == ()
    assert 1 <= len(decision.related) <= MAX_RELATED
    assert all(r.id in kb.entry("rat-daring").related for r in decision.related)
    assert decision.ranked[0][0] == "rat-daring" and isinstance(decision.ranked[0][1], float)


@pytest.mark.parametrize("question", ["harga emas hari ini", "cara bikin paspor", "zzz qqq"])
def test_off_topic_questions_are_not_answered_confidently(kb, question):
    decision = kb.decide(question)
    assert not decision.confident
    assert decision.entry is None and decision.related == ()
    assert len(decision.candidates) <= MAX_CANDIDATES
    assert [c.id for c in decision.candidates] == [i for i, _ in decision.ranked[:len(decision.candidates)]]


def test_no_candidates_when_no_word_is_faq_vocabulary(kb):
    decision = kb.decide("harga emas hari ini")
    assert decision.ranked and decision.candidates == ()  # ranked for the log, not shown


def test_unsure_in_domain_question_gets_up_to_three_candidates(kb):
    decision = kb.decide("kapan rat harus diadakan")
    assert not decision.confident
    assert 1 <= len(decision.candidates) <= MAX_CANDIDATES
    assert "rat-batas-waktu" in [c.id for c in decision.candidates]


def test_every_related_id_resolves_and_never_the_entry_itself(kb):
    for entry in kb.entries.values():
        related = kb.related(entry)
        assert len(related) <= MAX_RELATED
        assert entry not in related


def test_normalised_question_groups_variants():
    assert normalize_question("Harga EMAS hari iniii??") == normalize_question("harga emas  hari ini")
    assert normalize_question("anggota2 keluar") == normalize_question("Anggota-anggota keluar!")
    assert normalize_question("???") == "???"


def test_paginate_clamps_and_counts():
    items = list(range(13))
    first = paginate(items, 0, 6)
    assert first.items == (0, 1, 2, 3, 4, 5) and first.count == 3 and not first.has_prev and first.has_next
    last = paginate(items, 99, 6)
    assert last.number == 2 and last.items == (12,) and last.has_prev and not last.has_next
    assert paginate([], 5).count == 1 and paginate([], 5).items == ()


def test_categories_cover_every_entry_in_order(kb):
    listed = [e.id for c in kb.categories for e in kb.in_category(c.id)]
    assert sorted(listed) == sorted(kb.entries)


def test_render_entry_keeps_the_trusted_html_and_adds_sources(kb, texts):
    entry = kb.entry("rat-daring")
    html = render_entry(texts, "id", entry)
    assert html.startswith(f"<b>{escape(entry.title)}</b>")
    assert "<b>Langkah berikutnya:</b>" in html  # answer HTML is not escaped
    assert "Permenkop 19/PER/M.KUKM/IX/2015" in html.split("Dasar:")[-1]
    assert len(html) <= TELEGRAM_TEXT_LIMIT


def test_render_entry_in_english_when_written(kb, texts):
    entry = kb.entry("rat-daring")
    html = render_entry(texts, "en", entry)
    assert html.startswith(f"<b>{escape(entry.title_en)}</b>") and "<b>Next step:</b>" in html
    assert entry_title(entry, "en") == entry.short_title_en  # buttons: the short title


def test_short_answer_is_phone_sized_and_has_the_next_step(kb, texts):
    for entry in kb.entries.values():
        for lang, step in (("id", "Langkah berikutnya"), ("en", "Next step")):
            html = render_entry(texts, lang, entry, short=True)
            body = html.split("</b>", 1)[1]
            assert len(body.strip()) <= 500 and step in html, (entry.id, lang)
            assert len(entry_title(entry, lang)) <= 40


def test_greetings_are_small_talk_and_off_topic_gets_no_candidates(kb):
    assert kb.decide("makasih min 🙏").kind == "small_talk"
    assert kb.decide("assalamualaikum").chat.kind == "greeting"
    for question in ("resep nasi goreng", "cara perpanjang SIM"):
        decision = kb.decide(question)
        assert decision.kind == "off_topic" and decision.candidates == () and decision.entry is None


def test_two_topic_question_offers_the_second_entry_first_among_related(kb):
    # the issue's own example: story first, two asks at the end
    decision = kb.decide("Kami pengurus koperasi karyawan sebuah pabrik di Cikarang. Tahun lalu ketua kami "
                         "mengundurkan diri sebelum masa jabatannya habis dan sejak itu wakil ketua yang "
                         "menjalankan tugas. Apakah kami wajib melapor ke Dinas, dan apakah perlu akta perubahan?")
    shown = [decision.entry, *decision.related] if decision.entry else list(decision.candidates)
    ids = {e.id for e in shown[:3]}
    assert {"pengurus-pergantian", "perubahan-anggaran-dasar"} <= ids


def test_english_user_gets_indonesian_when_no_english_answer(texts):
    entry = Entry(id="x", title="Judul & isi", title_en="Title", category="c", service="preventif",
                  examples=(), synonyms=(), related=(), sources=(), answer_id="Jawab <i>ini</i>.", answer_en="")
    html = render_entry(texts, "en", entry)
    assert html == "<b>Judul &amp; isi</b>\n\nJawab <i>ini</i>."
    assert entry_title(entry, "en") == "Judul & isi"


def test_every_shipped_entry_renders_within_one_message(kb, texts):
    for entry in kb.entries.values():
        for lang in ("id", "en"):
            assert len(render_entry(texts, lang, entry)) <= TELEGRAM_TEXT_LIMIT, entry.id
