"""The chat side of the health checks without Telegram: step order and going back, reading typed
answers, the values the templates show, the history trend, the repository, and finishing a
check (result stored, flow closed, one staff alert in the outbox)."""
from __future__ import annotations

import json
from datetime import timezone
from decimal import Decimal

import pytest

from bot.health import alerts as health_checks
from bot.health import flow as hf
from bot.health.governance import GOVERNANCE_QUESTIONS
from bot.core.outbox import Outbox
from bot.core.texts import Texts
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.flows import FlowRepo, FlowState
from storage.health import HealthRepo
from storage.outbox import OutboxRepo
from storage.users import UserRepo
from tests.unit.test_health import EXAMPLE_A, EXAMPLE_C

pytestmark = pytest.mark.unit
D = Decimal


def stored(figures: dict) -> dict:
    return {k: hf.encode(v) for k, v in figures.items()}


def test_steps_are_asked_in_order_and_back_forgets_the_previous_answer():
    first = hf.next_prompt(hf.FINANCIAL, {})
    assert (first.step_id, first.number, first.total) == ("total_aset", 1, 21)
    answers = {"total_aset": "1000", "modal_sendiri": None}
    assert hf.next_prompt(hf.FINANCIAL, answers).number == 3  # a skip counts as answered
    assert hf.answered_count(hf.FINANCIAL, answers) == 2
    assert hf.go_back(hf.FINANCIAL, answers) == {"total_aset": "1000"}
    assert hf.go_back(hf.FINANCIAL, {}) == {}
    assert hf.next_prompt(hf.FINANCIAL, stored(EXAMPLE_A)) is None
    assert len(hf.go_back(hf.FINANCIAL, stored(EXAMPLE_A))) == 20
    gov = hf.next_prompt(hf.GOVERNANCE, {})
    assert (gov.step_id, gov.total) == (GOVERNANCE_QUESTIONS[0].id, len(GOVERNANCE_QUESTIONS))
    assert hf.prompt_at(hf.FINANCIAL, 21).step_id == "mgmt_likuiditas" and hf.prompt_at(hf.FINANCIAL, 22) is None


@pytest.mark.parametrize("text, value", [
    ("Rp 1.250.000.000", D(1_250_000_000)), ("1,25 M", D(1_250_000_000)), ("750 jt", D(750_000_000)),
    ("750rb", D(750_000)), ("750.000,50", D("750000.50")), ("Lewati", None), ("skip", None), ("-", None),
])
def test_money_as_people_type_it(text, value):
    assert hf.read_figure("total_aset", text, {}) == value


def test_impossible_answers_become_problems_not_crashes():
    assert hf.read_figure("total_aset", "banyak", {}) == hf.Problem("not_a_number", "no_digits")
    assert hf.read_figure("total_aset", "5 juta-an", {}).code == "not_a_number"
    assert hf.read_figure("total_aset", "-5 jt", {}) == hf.Problem("negative")
    assert hf.read_figure("shu_sebelum_pajak", "-5 jt", {}) == D(-5_000_000)  # a loss may be negative
    so_far = {"total_aset": "1000000000"}
    assert hf.read_figure("modal_sendiri", "2 M", so_far) == hf.Problem("equity_exceeds_assets")
    assert hf.read_figure("mgmt_umum", "iya", {}) is True
    assert hf.read_figure("mgmt_umum", "tdk", {}) is False
    assert hf.read_figure("mgmt_umum", "mungkin", {}) == hf.Problem("not_yes_no")
    assert hf.check_figure("mgmt_umum", True, {}) is None


def test_stored_answers_round_trip_to_the_engine():
    answers = json.loads(json.dumps(stored(EXAMPLE_A)))
    assert hf.figures(answers) == EXAMPLE_A
    assert hf.score_financial(answers).total == D("89.40")
    assert hf.figures({"total_aset": "rubbish", "unknown": "1"}) == {"total_aset": None}
    assert hf.governance_answers({"rat": "2thn", "pisah_uang": "forged", "nope": "x"}) == {"rat": "2thn"}


def test_result_views_are_language_free_and_the_templates_word_them():
    view = hf.financial_view(hf.score_financial(stored(EXAMPLE_A)))
    assert (view["total"], view["band"], view["coverage"], view["conclusive"]) == (D("89.40"), "sehat", 100, True)
    assert view["aspects"][0]["name"] == {"id": "Permodalan", "en": "Capital"}
    assert view["weakest"][0]["faq"] and view["weakest"][0]["advice"]["id"]
    texts = Texts()
    assert "Skor: <b>89,4</b> dari 100 → <b>Sehat</b>" in texts.render("id", "health.result_financial",
                                                                     cooperative="K", view=view)
    assert "Score: <b>89.4</b> of 100 → <b>Healthy</b>" in texts.render("en", "health.result_financial",
                                                                       cooperative="K", view=view)
    partial = {**stored(EXAMPLE_A), "kas_bank": None}
    unscored = hf.financial_view(hf.score_financial(partial))["unscored"]
    assert any({"id": "Kas dan bank", "en": "Cash and bank"} in u["missing"] for u in unscored)
    gov = hf.governance_view(hf.score_gov({"rat": "2thn"}))
    assert gov["needs_alert"] and gov["red_flags"] and gov["band"] == "dalam_pengawasan_khusus"
    assert hf.faq_ids(view) == list(dict.fromkeys(f for w in view["weakest"] for f in w["faq"]))


def test_shown_values():
    assert hf.shown_value(hf.FINANCIAL, "total_aset", "1250000000") == D("1250000000")
    assert hf.shown_value(hf.FINANCIAL, "mgmt_umum", True) is True
    assert hf.shown_value(hf.FINANCIAL, "total_aset", None) is None
    assert hf.shown_value(hf.GOVERNANCE, "rat", "2thn")["en"] == "Two years or more without a RAT"


def test_an_answer_is_echoed_as_understood():
    texts = Texts()
    amount = hf.shown_value(hf.FINANCIAL, "total_aset", "8500000000")
    assert texts.render("id", "health.answered", label=hf.title(hf.FINANCIAL, "total_aset"), value=amount) \
        .endswith("<b>Rp 8.500.000.000</b> ✓")
    # a question keeps its own question mark: not "secara rutin?: Ya ✓"
    echo = texts.render("id", "health.answered", label=hf.title(hf.FINANCIAL, "mgmt_kelembagaan"), value=True)
    assert echo.endswith("secara rutin? <b>Ya</b> ✓") and "?:" not in echo
    choice = hf.shown_value(hf.GOVERNANCE, "rat", "2thn")
    assert texts.render("en", "health.answered", label=hf.title(hf.GOVERNANCE, "rat"), value=choice) \
        .endswith("<b>Two years or more without a RAT</b> ✓")


def test_governance_score_is_said_once():
    texts = Texts()
    full = hf.governance_view(hf.score_gov({q.id: q.choices[0].id for q in GOVERNANCE_QUESTIONS}))
    html = texts.render("id", "health.result_governance", cooperative="K", view=full)
    assert "dari 100 (" not in html and "poin)" not in html  # not "75,00 dari 100 (75 dari 100 poin)"
    assert f"Skor: <b>{texts.format('id', 'decimal', full['total'], 2, trim=True)}</b> dari 100 →" in html


def test_history_trend_against_the_previous_check_of_the_same_kind():
    checks = [
        hf.FinishedCheck(1, "financial", "2025-01-10T03:00:00.000000Z", "70.00", "cukup_sehat"),
        hf.FinishedCheck(2, "governance", "2025-02-10T03:00:00.000000Z", "90.00", "sehat"),
        hf.FinishedCheck(3, "financial", "2025-03-10T20:00:00.000000Z", "62.50", "dalam_pengawasan"),
        hf.FinishedCheck(4, "financial", None, None, None),  # unfinished: not listed
    ]
    rows = hf.history_view(checks)
    assert [(r["id"], r["delta"], r["trend"]) for r in rows] == [(3, D("-7.50"), "down"), (2, None, None),
                                                                (1, None, None)]
    html = Texts().render("id", "health.history", cooperative="K", rows=rows)
    # 20:00 UTC on 10 March is 11 March in the clinic's zone
    assert "• 11 Maret 2025 · Cek kesehatan keuangan: <b>62,5</b> (Dalam Pengawasan) ↓ -7,5" in html


async def _coop(db, user_id=1001, kecamatan="Cikarang Barat"):
    await UserRepo(db).set_language(user_id, "id")
    await UserRepo(db).grant_consent(user_id, "test", "Sari", None)
    coop = await CooperativeRepo(db).create(dict(name="Kopkar Uji", nik=None, kind="karyawan", company="PT X",
                                                 estate="MM2100", kecamatan=kecamatan, members=100,
                                                 fy_end_month=12), "ABCD2345")
    await CooperativeRepo(db).add_manager(coop.id, user_id, "ketua")
    return coop


async def test_repository_one_open_check_per_kind_and_erasure(db):
    coop = await _coop(db)
    repo = HealthRepo(db)
    first = await repo.create(coop.id, 1001, "financial")
    await repo.save_answers(first.id, {"total_aset": "1000"})
    assert (await repo.unfinished(1001, "financial")).answers == {"total_aset": "1000"}
    gov = await repo.create(coop.id, 1001, "governance")  # another kind may be open beside it
    again = await repo.create(coop.id, 1001, "financial")  # starting over drops the unfinished one
    assert await repo.find(first.id) is None and (await repo.unfinished(1001, "financial")).id == again.id
    assert await repo.finish(again.id, stored(EXAMPLE_A), "89.40", "sehat", "100")
    assert not await repo.finish(again.id, {}, "0", "sehat", "0")  # finished once only
    assert [c.id for c in await repo.history(coop.id)] == [again.id]
    assert await repo.set_ticket(again.id, 7) and not await repo.set_ticket(again.id, 8)
    await repo.erase_user(1001)
    assert await repo.find(gov.id) is None  # unfinished: gone
    kept = await repo.get(again.id)
    assert kept.user_id is None and kept.total == "89.40"  # the cooperative's record stays, nameless


async def test_finish_stores_the_result_closes_the_flow_and_alerts_once(db, make_settings):
    settings = make_settings()
    texts = Texts("id")
    coop = await _coop(db)
    await ConsultantRepo(db).upsert(2001, "Budi", "budi")
    await ConsultantRepo(db).set_areas(2001, ["Cikarang Barat"])
    repo = HealthRepo(db)
    check = await repo.create(coop.id, 1001, "financial")
    await repo.save_answers(check.id, stored(EXAMPLE_C))
    await FlowRepo(db).save(FlowState(1001, 1001, "health", "mgmt_likuiditas", {"check_id": check.id}))
    done = await health_checks.finish(db, Outbox(db), texts, settings, check.id, 1001)
    assert done.newly and done.needs_alert and done.view["band"] == "dalam_pengawasan_khusus"
    assert (await repo.get(check.id)).band == "dalam_pengawasan_khusus"
    assert await FlowRepo(db).get(1001, 1001) is None
    again = await health_checks.finish(db, Outbox(db), texts, settings, check.id, 1001)
    assert not again.newly
    rows = await OutboxRepo(db).rows("alert")
    assert len(rows) == 1 and rows[0].dedupe_key == f"health-alert:{check.id}"
    payload = rows[0].payload
    assert "tg://user?id=2001" in payload["text"] and "Kopkar Uji" in payload["text"]
    assert payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"hc:tk:{check.id}"
    assert rows[0].chat_id == settings.staff_chat_id

    healthy = await repo.create(coop.id, 1001, "financial")
    await repo.save_answers(healthy.id, stored(EXAMPLE_A))
    done = await health_checks.finish(db, Outbox(db), texts, settings, healthy.id, 1001)
    assert not done.needs_alert and done.view["band"] == "sehat"
    assert len(await OutboxRepo(db).rows("alert")) == 1


@pytest.mark.parametrize("lang", ["id", "en"])
def test_templates_render_in_both_languages(lang):
    texts = Texts("id")
    fin = hf.financial_view(hf.score_financial({**stored(EXAMPLE_C), "kas_bank": None}))
    gov = hf.governance_view(hf.score_gov({"rat": "2thn", "pisah_uang": "tidak"}))
    assert "30" in texts.render(lang, "health.result_financial", cooperative="K <&>", view=fin)
    assert "K &lt;&amp;&gt;" in texts.render(lang, "health.result_governance", cooperative="K <&>", view=gov)
    for kind in hf.KINDS:
        texts.render(lang, f"health.intro_{kind}", cooperative="K", total=3)
        texts.render(lang, "health.resume_offer", kind=kind, answered=2, total=3)
    step = hf._STEP["total_aset"]
    assert step.label_en in texts.render("en", "health.ask_money", number=5, total=21, step=step)
    for value in (None, True, False, D("1"), {"id": "Ya", "en": "Yes"}):
        texts.render(lang, "health.answered", label="L", value=value)
    for detail in ("unknown_unit", "bad_grouping", "no_digits", ""):
        texts.render(lang, "health.not_money", detail=detail, example="Rp 1")
    coop = type("C", (), dict(name="K", kind="karyawan", kecamatan="Setu"))()
    assert "/wilayah" in texts.render(lang, "health.alert", coop=coop, kind="governance", view=gov, manager_id=None,
                                      manager_name=None, covering=[])
    assert "Tanda bahaya" in texts.plain(lang, "health.ticket_question", coop=coop, kind="governance", view=gov)


def test_button_values_and_forged_data():
    money, yesno = hf.prompt_at(hf.FINANCIAL, 1), hf.prompt_at(hf.FINANCIAL, 17)
    gov = hf.prompt_at(hf.GOVERNANCE, 1)
    assert hf.button_value(money, "-") is None and hf.button_value(money, "1") is hf.INVALID
    assert hf.button_value(yesno, "1") is True and hf.button_value(yesno, "0") is False
    assert hf.button_value(yesno, "x") is hf.INVALID
    assert hf.button_value(gov, "2thn") == "2thn" and hf.button_value(gov, "nope") is hf.INVALID
