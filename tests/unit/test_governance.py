"""Cek tata kelola (bot.health.governance): the questionnaire's scale, bands and red flags."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.governance import (GOVERNANCE_QUESTIONS, RED_FLAG_BAND_CAP, RED_FLAGS,
                            score_governance, validate_answer)
from bot.health.scoring import Band

pytestmark = pytest.mark.unit
D = Decimal

BEST = {"rat": "tepat", "lapor_rat": "ya", "rapat_pengurus": "bulan", "pengawas": "ya",
        "sop": "ya", "pisah_uang": "ya", "potong_gaji": "ya", "audit": "ya",
        "analisis_pinjaman": "ya", "tutup_buku": "bulan"}


def test_questionnaire_shape():
    assert 8 <= len(GOVERNANCE_QUESTIONS) <= 10
    assert [q.id for q in GOVERNANCE_QUESTIONS] == list(BEST)
    assert sum(q.max_points for q in GOVERNANCE_QUESTIONS) == 100
    assert [q.number for q in GOVERNANCE_QUESTIONS] == list(range(1, 11))
    for q in GOVERNANCE_QUESTIONS:
        assert q.text_id and q.text_en and q.advice_id and q.faq
        for c in q.choices:
            # Choices travel in Telegram callback data (64 bytes at most).
            assert len(f"gov:{q.id}:{c.id}".encode()) <= 64
            assert c.label_id and c.label_en
    assert {f.id for f in RED_FLAGS} == {
        "no_rat_two_years", "money_mixed", "deductions_not_remitted"}
    assert RED_FLAG_BAND_CAP is Band.DALAM_PENGAWASAN


def test_best_answers_score_100_sehat():
    result = score_governance(BEST)
    assert (result.total, result.band, result.red_flags) == (D("100.00"), Band.SEHAT, ())
    assert not result.needs_alert and result.weakest() == ()


def test_a_typical_cooperative_by_hand():
    # rat telat 5, lapor_rat telat 5, rapat 3bln 5, pengawas kadang 5, sop sebagian 5,
    # pisah_uang ya 10, potong_gaji n/a, audit n/a, analisis ya 10, tutup_buku 3bln 5
    # = 50 points of 80 possible (two questions do not apply) = 62.50 -> Dalam Pengawasan.
    answers = {"rat": "telat", "lapor_rat": "telat", "rapat_pengurus": "3bln",
               "pengawas": "kadang", "sop": "sebagian", "pisah_uang": "ya", "potong_gaji": "na",
               "audit": "na", "analisis_pinjaman": "ya", "tutup_buku": "3bln"}
    result = score_governance(answers)
    assert (result.points, result.max_points, result.total) == (D(50), D(80), D("62.50"))
    assert result.band is Band.DALAM_PENGAWASAN and result.needs_alert
    assert result.red_flags == () and result.unanswered == ()
    # Six answers lost 5 points each; the first three in question order are listed.
    assert [a.question.id for a in result.weakest()] == ["rat", "lapor_rat", "rapat_pengurus"]


def test_80_boundary_and_not_applicable_questions():
    # sop and tutup_buku at 0: 80 of 100 = 80.00, exactly on the Sehat boundary.
    exactly = score_governance({**BEST, "sop": "tidak", "tutup_buku": "tahun"})
    assert (exactly.total, exactly.band) == (D("80.00"), Band.SEHAT)
    # The same with audit "does not apply": 70 of 90 = 77.78, Cukup Sehat.
    cukup = score_governance({**BEST, "audit": "na", "sop": "tidak", "tutup_buku": "tahun"})
    assert (cukup.max_points, cukup.total, cukup.band) == (D(90), D("77.78"), Band.CUKUP_SEHAT)


def test_unanswered_questions_count_zero():
    half = {k: v for k, v in list(BEST.items())[:5]}
    result = score_governance(half)
    assert (result.total, result.band) == (D("50.00"), Band.DALAM_PENGAWASAN_KHUSUS)
    assert result.unanswered == ("pisah_uang", "potong_gaji", "audit", "analisis_pinjaman",
                                 "tutup_buku")
    assert score_governance({}).total == D("0.00")


@pytest.mark.parametrize(
    ("question", "answer", "flag"),
    [
        ("rat", "2thn", "no_rat_two_years"),
        ("pisah_uang", "tidak", "money_mixed"),
        ("pisah_uang", "sebagian", "money_mixed"),
        ("potong_gaji", "tidak", "deductions_not_remitted"),
    ],
)
def test_red_flags_cap_the_band_and_alert(question, answer, flag):
    result = score_governance({**BEST, question: answer})
    assert result.total >= D("90")  # would be Sehat on points alone
    assert [f.id for f in result.red_flags] == [flag]
    assert result.band is Band.DALAM_PENGAWASAN
    assert result.needs_alert
    assert result.red_flags[0].text_id and result.red_flags[0].text_en


def test_one_year_without_rat_is_not_yet_a_red_flag():
    result = score_governance({**BEST, "rat": "1thn"})
    assert result.red_flags == () and result.band is Band.SEHAT  # 90.00


def test_the_cap_never_improves_a_worse_band():
    answers = {q.id: q.choices[-1].id for q in GOVERNANCE_QUESTIONS}
    answers.update(rat="2thn", potong_gaji="tidak", audit="belum", analisis_pinjaman="tidak")
    result = score_governance(answers)
    assert result.total == D("0.00")
    assert result.band is Band.DALAM_PENGAWASAN_KHUSUS
    assert {f.id for f in result.red_flags} == {
        "no_rat_two_years", "money_mixed", "deductions_not_remitted"}


def test_answer_validation():
    assert validate_answer("rat", "tepat") is None
    assert validate_answer("rat", "kemarin") == "unknown_choice"
    assert validate_answer("rapat_direksi", "ya") == "unknown_question"
    with pytest.raises(ValueError):
        score_governance({"rat": "kemarin"})


answers_strategy = st.fixed_dictionaries({
    q.id: st.one_of(st.none(), st.sampled_from([c.id for c in q.choices]))
    for q in GOVERNANCE_QUESTIONS})


@given(answers_strategy)
def test_any_answers_score_within_0_and_100(answers):
    result = score_governance(answers)
    assert D(0) <= result.total <= D(100)
    assert result.points <= result.max_points
    if result.red_flags:
        assert result.needs_alert and result.band is not Band.SEHAT
