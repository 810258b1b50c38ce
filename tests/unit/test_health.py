"""Cek kesehatan keuangan (bot.health.scoring): worked examples computed by hand, band boundaries,
skipped and impossible figures, and properties over any input.

Scales used below (from bot/health/data/health_ratios.toml; [lower, upper) in percent -> credit):
  modal_aset 20/40/60/80 -> 25,50,100,50,25 | modal/berisiko linear credit = ratio
  CAR (modal / (aset - kas)) <4 25, <6 50, <8 75, else 100
  pinjaman anggota <25 0, <50 50, <75 75, else 100 | NPL linear 100 - 2 x ratio
  cadangan/bermasalah linear credit = ratio | berisiko <21 100, <26 75, <31 50, else 25
  manajemen yes 100 / no 0 | beban operasi <90 100, <95 75, <100 50, else 25
  beban usaha / SHU kotor <40 100, <60 75, <80 50, else 25 | biaya karyawan / pinjaman
  <5 100, <10 75, <15 50, else 25 | kas <10 25, <15 100, <20 50, else 25
  pinjaman / dana diterima <50 25, <75 50, <100 75, else 100 | ROA, ROE, PEA <5 25,
  <7.5 50, <10 75, else 100 | kemandirian operasional <100 25, <125 50, <150 75, else 100
  partisipasi bruto <25 25, <50 50, <75 75, else 100.
score = credit x sub_weight / 100. All amounts below in millions of rupiah.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.health.scoring import (HEALTH_STEPS, TABLE, Band, band_for, check_figures, problem_question,
                        score, validate_figure)
from bot.core.texts import Texts
from bot.health.table import DEFAULT_PATH, TableError, load_table
from bot.health.money import parse_money

pytestmark = pytest.mark.unit
D = Decimal


def jt(n) -> Decimal:
    return D(str(n)) * 1_000_000


def figures(*, mgmt=(True,) * 5, **amounts) -> dict:
    out = {k: jt(v) for k, v in amounts.items()}
    for step, answer in zip(("mgmt_umum", "mgmt_kelembagaan", "mgmt_permodalan",
                             "mgmt_aktiva", "mgmt_likuiditas"), mgmt):
        out[step] = answer
    return out


# Example A, "Kopkar Maju", Sehat.
#   modal_aset        1000/2000 = 50%            -> 100 x 6 = 6.00
#   modal/berisiko    berisiko = 32+0+0 = 32; 1000/32 = 3125% -> 100 (cap) x 6 = 6.00
#   CAR               1000/(2000-300) = 58.8%    -> 100 x 3 = 3.00      Permodalan 15.00
#   pinj. anggota     1600/1600 = 100%           -> 100 x 10 = 10.00
#   NPL               bermasalah = .5x32 = 16; 16/1600 = 1% -> 98 x 5 = 4.90
#   cadangan          16/16 = 100%               -> 100 x 5 = 5.00
#   berisiko          32/1600 = 2%               -> 100 x 5 = 5.00      KAP 24.90
#   manajemen         4 yes, likuiditas no       -> 4 x 3 = 12.00       Manajemen 12.00
#   beban operasi     (400-220)/400 = 45%        -> 100 x 4 = 4.00
#   beban/SHU kotor   100/(220+100) = 31.25%     -> 100 x 4 = 4.00
#   efisiensi pel.    40/1600 = 2.5%             -> 100 x 2 = 2.00      Efisiensi 10.00
#   kas               300/1000 = 30%             -> 25 x 10 = 2.50 (too much idle cash)
#   pinjaman/dana     1600/(2000-1000) = 160%    -> 100 x 5 = 5.00      Likuiditas 7.50
#   ROA 220/2000 = 11% -> 3.00; ROE 110/1000 = 11% -> 3.00
#   kemandirian op.   (220+100) x 1600/1600 / 100 = 320% -> 100 x 4 = 4.00  Kemandirian 10.00
#   partisipasi       1600/1600 = 100% -> 7.00; PEA 110/500 = 22% -> 3.00   Jatidiri 10.00
#   total = 15 + 24.9 + 12 + 10 + 7.5 + 10 + 10 = 89.40 -> Sehat
EXAMPLE_A = figures(
    total_aset=2000, modal_sendiri=1000, simpanan_pokok_wajib=500, kas_bank=300,
    kewajiban_lancar=1000, pinjaman_diberikan=1600, pinjaman_anggota=1600,
    pinjaman_kurang_lancar=32, pinjaman_diragukan=0, pinjaman_macet=0, cadangan_risiko=16,
    pendapatan_usaha=400, beban_usaha=100, biaya_karyawan=40, shu_sebelum_pajak=220,
    shu_bagian_anggota=110, mgmt=(True, True, True, True, False))

# Example B, "Kopkar Sejahtera", Cukup Sehat.
#   modal_aset        300/1000 = 30%             -> 50 x 6 = 3.00
#   modal/berisiko    berisiko = 40+40+20 = 100; 300% -> 100 x 6 = 6.00
#   CAR               300/(1000-50) = 31.6%      -> 100 x 3 = 3.00      Permodalan 12.00
#   pinj. anggota     720/800 = 90%              -> 100 x 10 = 10.00
#   NPL               bermasalah = 20+30+20 = 70; 70/800 = 8.75% -> 82.5 x 5 = 4.125
#   cadangan          35/70 = 50%                -> 50 x 5 = 2.50
#   berisiko          100/800 = 12.5%            -> 100 x 5 = 5.00      KAP 21.625
#   manajemen         umum, kelembagaan, likuiditas yes -> 9.00
#   beban operasi     (200-30)/200 = 85%         -> 100 x 4 = 4.00
#   beban/SHU kotor   90/(30+90) = 75%           -> 50 x 4 = 2.00
#   efisiensi pel.    48/800 = 6%                -> 75 x 2 = 1.50       Efisiensi 7.50
#   kas               50/400 = 12.5%             -> 100 x 10 = 10.00
#   pinjaman/dana     800/(1000-300) = 114%      -> 100 x 5 = 5.00      Likuiditas 15.00
#   ROA 30/1000 = 3% -> 25 x 3 = 0.75; ROE 15/300 = 5% -> 50 x 3 = 1.50
#   kemandirian op.   120 x 720/800 / 90 = 120%  -> 50 x 4 = 2.00       Kemandirian 4.25
#   partisipasi       90% -> 7.00; PEA 15/200 = 7.5% -> 75 x 3 = 2.25     Jatidiri 9.25
#   total = 12 + 21.625 + 9 + 7.5 + 15 + 4.25 + 9.25 = 78.625 -> 78.63 (half up) Cukup Sehat
EXAMPLE_B = figures(
    total_aset=1000, modal_sendiri=300, simpanan_pokok_wajib=200, kas_bank=50,
    kewajiban_lancar=400, pinjaman_diberikan=800, pinjaman_anggota=720,
    pinjaman_kurang_lancar=40, pinjaman_diragukan=40, pinjaman_macet=20, cadangan_risiko=35,
    pendapatan_usaha=200, beban_usaha=90, biaya_karyawan=48, shu_sebelum_pajak=30,
    shu_bagian_anggota=15, mgmt=(True, True, False, False, True))

# Example C, "Kopkar Terpuruk", Dalam Pengawasan Khusus.
#   modal_aset        60/1200 = 5%               -> 25 x 6 = 1.50
#   modal/berisiko    berisiko = 100+100+200 = 400; 60/400 = 15% -> 15 x 6 = 0.90
#   CAR               60/(1200-24) = 5.1%        -> 50 x 3 = 1.50       Permodalan 3.90
#   pinj. anggota     400/1000 = 40%             -> 50 x 10 = 5.00
#   NPL               bermasalah = 50+75+200 = 325; 32.5% -> 100-65 = 35 x 5 = 1.75
#   cadangan          65/325 = 20%               -> 20 x 5 = 1.00
#   berisiko          400/1000 = 40%             -> 25 x 5 = 1.25       KAP 9.00
#   manajemen         all no                     -> 0.00
#   beban operasi     (150-6)/150 = 96%          -> 50 x 4 = 2.00
#   beban/SHU kotor   114/(6+114) = 95%          -> 25 x 4 = 1.00
#   efisiensi pel.    80/1000 = 8%               -> 75 x 2 = 1.50       Efisiensi 4.50
#   kas               24/960 = 2.5%              -> 25 x 10 = 2.50
#   pinjaman/dana     1000/(1200-60) = 87.7%     -> 75 x 5 = 3.75       Likuiditas 6.25
#   ROA 6/1200 = 0.5% -> 0.75; ROE 0/60 = 0% -> 0.75
#   kemandirian op.   120 x 400/1000 / 114 = 42% -> 25 x 4 = 1.00       Kemandirian 2.50
#   partisipasi       40% -> 50 x 7 = 3.50; PEA 0/150 -> 25 x 3 = 0.75   Jatidiri 4.25
#   total = 3.9 + 9 + 0 + 4.5 + 6.25 + 2.5 + 4.25 = 30.40 -> Dalam Pengawasan Khusus
EXAMPLE_C = figures(
    total_aset=1200, modal_sendiri=60, simpanan_pokok_wajib=150, kas_bank=24,
    kewajiban_lancar=960, pinjaman_diberikan=1000, pinjaman_anggota=400,
    pinjaman_kurang_lancar=100, pinjaman_diragukan=100, pinjaman_macet=200,
    cadangan_risiko=65, pendapatan_usaha=150, beban_usaha=114, biaya_karyawan=80,
    shu_sebelum_pajak=6, shu_bagian_anggota=0, mgmt=(False,) * 5)


def aspect_scores(result) -> dict[str, Decimal]:
    return {a.id: a.score for a in result.aspects}


def test_example_a_is_sehat():
    result = score(EXAMPLE_A)
    assert aspect_scores(result) == {
        "permodalan": D("15"), "kap": D("24.9"), "manajemen": D("12"), "efisiensi": D("10"),
        "likuiditas": D("7.5"), "kemandirian": D("10"), "jatidiri": D("10")}
    assert result.total == D("89.40")
    assert result.band is Band.SEHAT
    assert (result.coverage, result.conclusive, result.unscored) == (D(100), True, ())
    assert not result.needs_alert


def test_example_b_is_cukup_sehat():
    result = score(EXAMPLE_B)
    assert aspect_scores(result) == {
        "permodalan": D("12"), "kap": D("21.625"), "manajemen": D("9"), "efisiensi": D("7.5"),
        "likuiditas": D("15"), "kemandirian": D("4.25"), "jatidiri": D("9.25")}
    assert result.total == D("78.63")
    assert result.band is Band.CUKUP_SEHAT
    assert not result.needs_alert


def test_example_c_is_dalam_pengawasan_khusus():
    result = score(EXAMPLE_C)
    assert aspect_scores(result) == {
        "permodalan": D("3.9"), "kap": D("9"), "manajemen": D("0"), "efisiensi": D("4.5"),
        "likuiditas": D("6.25"), "kemandirian": D("2.5"), "jatidiri": D("4.25")}
    assert result.total == D("30.40")
    assert result.band is Band.DALAM_PENGAWASAN_KHUSUS
    assert result.needs_alert


def test_ratio_details_of_example_b():
    ratios = {r.id: r for r in score(EXAMPLE_B).ratios}
    npl = ratios["pinjaman_bermasalah_rasio"]
    assert (npl.value, npl.credit, npl.score) == (D("8.75"), D("82.5"), D("4.125"))
    assert ratios["rasio_kas"].value == D("12.5")
    assert ratios["mgmt_aktiva"].value is None and ratios["mgmt_aktiva"].score == 0


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("100", Band.SEHAT), ("80.00", Band.SEHAT), ("79.99", Band.CUKUP_SEHAT),
        ("66.00", Band.CUKUP_SEHAT), ("65.99", Band.DALAM_PENGAWASAN),
        ("51.00", Band.DALAM_PENGAWASAN), ("50.99", Band.DALAM_PENGAWASAN_KHUSUS),
        ("0", Band.DALAM_PENGAWASAN_KHUSUS), (80, Band.SEHAT), (66, Band.CUKUP_SEHAT),
        (51, Band.DALAM_PENGAWASAN),
    ],
)
def test_band_boundaries(total, band):
    assert band_for(total) is band


def test_band_names_come_from_the_templates_and_alerts():
    texts = Texts()
    assert [texts.render("id", "health.band_name", code=b.value) for b in Band] == [
        "Sehat", "Cukup Sehat", "Dalam Pengawasan", "Dalam Pengawasan Khusus"]
    assert texts.render("en", "health.band_name", code=Band.DALAM_PENGAWASAN.value) == "Under supervision"
    assert [b.needs_alert for b in Band] == [False, False, True, True]


def test_score_exactly_on_the_80_boundary_is_sehat():
    # Only the management questions answered: 4 of 5 yes = 12 of 15 points, rescaled to
    # 12 / 15 x 100 = 80.00 exactly; 3 of 5 = 60.00.
    result = score({"mgmt_umum": True, "mgmt_kelembagaan": True, "mgmt_permodalan": True,
                    "mgmt_aktiva": True, "mgmt_likuiditas": False})
    assert (result.total, result.band, result.coverage) == (D("80.00"), Band.SEHAT, D(15))
    assert not result.conclusive  # 15 of 100 weight points is below min_coverage
    three = score({"mgmt_umum": True, "mgmt_kelembagaan": True, "mgmt_permodalan": True,
                   "mgmt_aktiva": False, "mgmt_likuiditas": False})
    assert (three.total, three.band) == (D("60.00"), Band.DALAM_PENGAWASAN)


def test_skipped_figures_are_left_out_and_the_rest_rescaled():
    # Example A without kas_bank and kewajiban_lancar: the cash ratio (10, scored 2.5) and
    # CAR (3, scored 3) cannot be computed. Scored: 89.4 - 2.5 - 3 = 83.9 of 100 - 13 = 87
    # points; 83.9 / 87 x 100 = 96.436... -> 96.44.
    result = score({**EXAMPLE_A, "kas_bank": None, "kewajiban_lancar": None})
    assert result.total == D("96.44")
    assert result.coverage == D(87) and result.conclusive
    assert [(u.level, u.id, u.reason, u.missing) for u in result.unscored] == [
        ("ratio", "kecukupan_modal", "skipped", ("kas_bank",)),
        ("ratio", "rasio_kas", "skipped", ("kas_bank", "kewajiban_lancar")),
    ]
    likuiditas = next(a for a in result.aspects if a.id == "likuiditas")
    assert (likuiditas.score, likuiditas.scored_max, likuiditas.max) == (D(5), D(5), D(15))
    assert not likuiditas.complete


def test_a_wholly_skipped_aspect_is_reported_as_an_aspect():
    result = score({**EXAMPLE_A, **{s.id: None for s in HEALTH_STEPS if s.kind == "yesno"}})
    assert [(u.level, u.id) for u in result.unscored] == [("aspect", "manajemen")]
    assert result.unscored[0].missing == (
        "mgmt_umum", "mgmt_kelembagaan", "mgmt_permodalan", "mgmt_aktiva", "mgmt_likuiditas")
    # 77.4 of 85 scored points -> 91.06
    assert result.total == D("91.06")


def test_nothing_answered_scores_zero_and_is_not_conclusive():
    result = score({})
    assert (result.total, result.coverage, result.conclusive) == (D("0.00"), D(0), False)
    assert len(result.unscored) == len(TABLE.aspects)
    assert all(u.level == "aspect" for u in result.unscored)


def test_zero_denominators_follow_on_zero():
    # No current liabilities but cash: cash ratio "best"; no problem loans and no reserve (0/0):
    # nothing to measure, unscored as "undefined", never "best" (issue 11 point 11); no loans
    # at all: loan ratios are unscored as "undefined".
    no_bad = {**EXAMPLE_A, "pinjaman_kurang_lancar": D(0), "cadangan_risiko": D(0),
              "kewajiban_lancar": D(0)}
    ratios = {r.id: r for r in score(no_bad).ratios}
    assert ratios["cadangan_risiko_rasio"].credit is None and ratios["cadangan_risiko_rasio"].reason == "undefined"
    assert ratios["modal_pinjaman_berisiko"].credit == 100
    assert ratios["rasio_kas"].credit == 100 and ratios["rasio_kas"].value is None
    no_loans = {**no_bad, "pinjaman_diberikan": D(0), "pinjaman_anggota": D(0)}
    result = score(no_loans)
    undefined = {r.id for r in result.ratios if r.credit is None and r.reason == "undefined"}
    assert {"pinjaman_anggota_rasio", "pinjaman_bermasalah_rasio", "pinjaman_berisiko_rasio",
            "efisiensi_pelayanan", "partisipasi_bruto_rasio"} <= undefined
    assert 0 <= result.total <= 100


def test_negative_equity_and_loss_get_the_lowest_credits():
    result = score({**EXAMPLE_C, "modal_sendiri": jt(-50), "shu_sebelum_pajak": jt(-20)})
    ratios = {r.id: r for r in result.ratios}
    assert ratios["modal_aset"].credit == 25
    assert ratios["rentabilitas_modal"].credit == 25  # on_zero = worst for equity <= 0
    assert ratios["modal_pinjaman_berisiko"].credit == 0
    assert result.band is Band.DALAM_PENGAWASAN_KHUSUS


def test_weakest_points_come_with_advice_and_links():
    weak = score(EXAMPLE_C).weakest()
    assert [w.ratio_id for w in weak] == [
        "rasio_kas", "modal_pinjaman_berisiko", "pinjaman_anggota_rasio"]
    assert [w.lost for w in weak] == [D("7.5"), D("5.10"), D(5)]
    assert weak[0].advice_id.startswith("Kas terlalu sedikit")
    assert weak[0].faq == ("likuiditas-penarikan-simpanan",)
    assert weak[2].advice_en.startswith("Much of the lending")


def test_too_much_cash_gets_the_high_side_advice():
    # Example A: cash ratio 30% is above the best band; NPL at credit 98 is not a weak point.
    weak = score(EXAMPLE_A).weakest()
    assert [w.ratio_id for w in weak] == ["rasio_kas", "mgmt_likuiditas"]
    assert weak[0].advice_id.startswith("Kas menganggur")


def test_steps_are_ordered_and_complete():
    assert 15 <= len(HEALTH_STEPS) <= 22
    assert [s.number for s in HEALTH_STEPS] == list(range(1, len(HEALTH_STEPS) + 1))
    assert HEALTH_STEPS[0].id == "total_aset"
    for step in HEALTH_STEPS:
        assert step.used_by, step.id
        assert step.label_id and step.label_en and step.example and step.hint_id
    assert [s.id for s in HEALTH_STEPS if s.kind == "yesno"] == [
        "mgmt_umum", "mgmt_kelembagaan", "mgmt_permodalan", "mgmt_aktiva", "mgmt_likuiditas"]
    assert "pinjaman_bermasalah_rasio" in next(
        s for s in HEALTH_STEPS if s.id == "pinjaman_macet").used_by


def test_step_examples_are_worked_example_a():
    typed = {s.id: (s.example == "Ya") if s.kind == "yesno" else parse_money(s.example)
             for s in HEALTH_STEPS}
    assert typed == {**EXAMPLE_A, "mgmt_likuiditas": True}


def test_table_matches_the_regulation_weights():
    assert {a.id: a.weight for a in TABLE.aspects} == {
        "permodalan": 15, "kap": 25, "manajemen": 15, "efisiensi": 10, "likuiditas": 15,
        "kemandirian": 10, "jatidiri": 10}
    assert [r.sub_weight for r in TABLE.ratios if r.aspect == "permodalan"] == [6, 6, 3]
    assert [r.sub_weight for r in TABLE.ratios if r.aspect == "kap"] == [10, 5, 5, 5]
    assert [r.sub_weight for r in TABLE.ratios if r.aspect == "efisiensi"] == [4, 4, 2]
    assert [r.sub_weight for r in TABLE.ratios if r.aspect == "likuiditas"] == [10, 5]
    assert [r.sub_weight for r in TABLE.ratios if r.aspect == "kemandirian"] == [3, 3, 4]
    assert [r.sub_weight for r in TABLE.ratios if r.aspect == "jatidiri"] == [7, 3]
    assert {r.id for r in TABLE.ratios if r.sub_weight_verified} == {
        "modal_pinjaman_berisiko", "kecukupan_modal", "pinjaman_bermasalah_rasio",
        "cadangan_risiko_rasio", "pinjaman_berisiko_rasio"}


FAQ_IDS = {
    "kesehatan-koperasi", "pinjaman-macet", "analisis-pinjaman",
    "likuiditas-penarikan-simpanan", "dana-cadangan", "laporan-keuangan-standar",
    "audit-akuntan-publik", "modal-penyertaan-pinjaman", "shu-pengertian-pembagian",
    "pengawas-tugas", "rat-batas-waktu", "potong-gaji", "penyelewengan-dana",
    "anggota-vs-nasabah"}


def test_every_ratio_has_advice_linking_known_faq_entries():
    for ratio in TABLE.ratios:
        assert ratio.advice.id and ratio.advice.en and ratio.advice.faq, ratio.id
        assert set(ratio.advice.faq) <= FAQ_IDS, ratio.id
        if ratio.direction == "range":
            assert ratio.advice.id_high and ratio.advice.en_high, ratio.id


# --- impossible figures -------------------------------------------------------------------

def test_negative_figures_are_refused_unless_allowed():
    assert validate_figure("total_aset", D(-1), {}) == "negative"
    assert validate_figure("pinjaman_macet", jt(-5), {}) == "negative"
    assert validate_figure("modal_sendiri", jt(-50), {"total_aset": jt(100)}) is None
    assert validate_figure("shu_sebelum_pajak", jt(-15), {}) is None


def test_bad_loans_above_total_loans_are_caught_when_the_last_one_is_typed():
    so_far = {"pinjaman_diberikan": jt(1000), "pinjaman_kurang_lancar": jt(500)}
    assert validate_figure("pinjaman_diragukan", jt(400), so_far) is None
    so_far["pinjaman_diragukan"] = jt(400)
    assert validate_figure("pinjaman_macet", jt(200), so_far) == "bad_loans_exceed_loans"
    assert validate_figure("pinjaman_macet", jt(100), so_far) is None


@pytest.mark.parametrize(
    ("step", "value", "so_far", "code"),
    [
        ("modal_sendiri", 3000, {"total_aset": 2000}, "equity_exceeds_assets"),
        ("kas_bank", 2500, {"total_aset": 2000}, "cash_exceeds_assets"),
        ("kewajiban_lancar", 1500, {"total_aset": 2000, "modal_sendiri": 1000},
         "current_liabilities_exceed_liabilities"),
        ("pinjaman_diberikan", 2100, {"total_aset": 2000}, "loans_exceed_assets"),
        ("pinjaman_anggota", 900, {"pinjaman_diberikan": 800}, "member_loans_exceed_loans"),
        ("cadangan_risiko", 900, {"pinjaman_diberikan": 800}, "reserve_exceeds_loans"),
        ("biaya_karyawan", 120, {"beban_usaha": 100}, "staff_costs_exceed_expenses"),
        ("shu_bagian_anggota", 5, {"shu_sebelum_pajak": -20}, "member_shu_exceeds_shu"),
        ("shu_bagian_anggota", 0, {"shu_sebelum_pajak": -20}, None),
        ("pinjaman_anggota", 900, {}, None),  # nothing to compare with yet
    ],
)
def test_consistency_checks(step, value, so_far, code):
    assert validate_figure(step, jt(value), {k: jt(v) for k, v in so_far.items()}) == code
    if code:
        assert all(problem_question(code).values())


def test_a_check_is_reported_only_for_the_figure_just_typed():
    # An earlier broken pair (kas > aset) is not blamed on an unrelated new figure.
    so_far = {"total_aset": jt(100), "kas_bank": jt(500)}
    assert validate_figure("beban_usaha", jt(10), so_far) is None
    assert check_figures(so_far) == ["cash_exceeds_assets"]


def test_skips_and_wrong_kinds():
    assert validate_figure("total_aset", None, {}) is None
    assert validate_figure("total_aset", True, {}) == "not_a_number"
    assert validate_figure("total_aset", "12", {}) == "not_a_number"
    assert validate_figure("total_aset", D("NaN"), {}) == "not_a_number"
    assert validate_figure("mgmt_umum", D(1), {}) == "not_yes_no"
    assert validate_figure("mgmt_umum", False, {}) is None
    for code in ("negative", "not_a_number", "not_yes_no"):
        assert problem_question(code)["id"]
    with pytest.raises(KeyError):
        validate_figure("no_such_step", D(1), {})


def test_score_rejects_unknown_ids_and_wrong_kinds():
    with pytest.raises(ValueError):
        score({"totl_aset": D(1)})
    with pytest.raises(TypeError):
        score({"mgmt_umum": D(1)})


def test_the_worked_examples_pass_every_check():
    for example in (EXAMPLE_A, EXAMPLE_B, EXAMPLE_C):
        assert check_figures(example) == []


# --- the table loader refuses inconsistent edits --------------------------------------------

@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("weight = 25", "weight = 24", "sum to 100"),
        ("bands = [[-inf, 4, 25], [4, 6, 50]", "bands = [[-inf, 4, 25], [5, 6, 50]", "gap"),
        ('denominator = "total_aset"', 'denominator = "total_asset"', "unknown names"),
        ('numerator = "modal_sendiri"', 'numerator = "__import__(\'os\')"', "called"),
        ("sub_weight = 10\nsub_weight_verified = false\nnumerator = \"kas_bank\"",
         "sub_weight = 9\nsub_weight_verified = false\nnumerator = \"kas_bank\"", "sub-weights"),
    ],
)
def test_loader_rejects_broken_tables(tmp_path: Path, old, new, message):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "health_ratios.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TableError, match=message):
        load_table(broken)


# --- properties -------------------------------------------------------------------------------

def _figure_strategy(step):
    if step.kind == "yesno":
        return st.one_of(st.none(), st.booleans())
    low = D("-1e13") if step.allow_negative else D(0)
    return st.one_of(st.none(), st.decimals(min_value=low, max_value=D("1e13"), places=2,
                                            allow_nan=False, allow_infinity=False))


any_figures = st.fixed_dictionaries({s.id: _figure_strategy(s) for s in HEALTH_STEPS})


@settings(max_examples=200, deadline=None)
@given(any_figures)
def test_total_stays_within_0_and_100_for_any_input(figs):
    result = score(figs)
    assert D(0) <= result.total <= D(100)
    assert result.band is band_for(result.total)
    for aspect in result.aspects:
        assert D(0) <= aspect.score <= aspect.scored_max <= aspect.max
    for ratio in result.ratios:
        assert ratio.score is None or D(0) <= ratio.score <= ratio.sub_weight
    assert len(result.weakest()) <= 3


@settings(max_examples=200, deadline=None)
@given(any_figures)
def test_complete_answers_total_is_the_plain_sum(figs):
    complete = {s.id: figs[s.id] if figs[s.id] is not None
                else (True if s.kind == "yesno" else D(0)) for s in HEALTH_STEPS}
    result = score(complete)
    if not result.unscored:
        assert result.coverage == 100
        assert result.total == sum(a.score for a in result.aspects).quantize(
            D("0.01"), rounding=ROUND_HALF_UP)


def test_an_all_zero_balance_sheet_earns_no_liquidity_credit():
    """Issue 11 point 11: 0/0 was credited as the best value (Likuiditas 15,00 / 15)."""
    zeros = {k: (v if isinstance(v, bool) else D(0)) for k, v in EXAMPLE_A.items()}
    result = score(zeros)
    liquidity = [r for r in result.ratios if r.id in ("rasio_kas", "pinjaman_dana_diterima")]
    assert liquidity and all(r.credit is None and r.reason == "undefined" for r in liquidity)
    assert not [r for r in result.ratios if r.aspect == "likuiditas" and r.credit is not None]


def test_every_finding_links_to_existing_entries_about_that_finding():
    """Issue 11 point 11: walk every finding -> entry link, both sides of a best-in-the-middle
    ratio and every governance question; "too much idle cash" must not link to the liquidity
    shortage entry."""
    from bot.health.governance import GOVERNANCE_QUESTIONS
    from knowledge.loader import load_entries
    ids = {e.id for e in load_entries()}
    for ratio in TABLE.ratios:
        adv = ratio.advice
        assert adv.faq and set(adv.faq) <= ids, ratio.id
        assert set(adv.faq_high) <= ids, ratio.id
        if adv.id_high:
            assert adv.faq_high != adv.faq, f"{ratio.id}: the too-high finding needs its own entries"
    cash = next(r for r in TABLE.ratios if r.id == "rasio_kas").advice
    assert "likuiditas-penarikan-simpanan" in cash.faq and "likuiditas-penarikan-simpanan" not in cash.faq_high
    for question in GOVERNANCE_QUESTIONS:
        assert set(question.faq) <= ids, question.id


def test_a_too_high_cash_ratio_points_to_lending_not_to_a_shortage():
    rich = {**EXAMPLE_A, "kas_bank": EXAMPLE_A["kewajiban_lancar"] * 5}
    weak = {w.ratio_id: w for w in score(rich).weakest(10)}
    assert "rasio_kas" in weak and "menganggur" in weak["rasio_kas"].advice_id
    assert "likuiditas-penarikan-simpanan" not in weak["rasio_kas"].faq
