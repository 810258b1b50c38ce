"""Risk ranking rules (issue 14): the data file's validation, each reason and its evidence, the
order, and that RAT lateness follows the reminders' own rules."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.obligations import CooperativeCalendarInput, Records, due_dates, load_rules
from bot.core.office_hours import OfficeHours
from bot.supervision import facts as fx
from bot.supervision import period as periods
from bot.supervision.officetime import OfficeIndex
from bot.supervision.risk import (CheckFact, CoopFacts, RatFact, RiskConfigError, assess, load_config,
                                  parse_config, rank)

pytestmark = pytest.mark.unit
JKT = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 11, 10)
CFG = load_config()


def coop(**kw) -> CoopFacts:
    base = dict(id=1, name="Kopkar Uji", kecamatan="Setu", kind="karyawan", registered=date(2025, 1, 1),
                last_contact=TODAY - timedelta(days=3))
    base.update(kw)
    return CoopFacts(**base)


def check(kind="financial", total="70.00", band="cukup_sehat", flags=(), id_=7, on=date(2026, 10, 1)) -> CheckFact:
    return CheckFact(id_, kind, total, band, on, tuple(flags))


def codes(a) -> list[str]:
    return [r.code for r in a.reasons]


# ---- the data file ------------------------------------------------------------------------------
def test_the_shipped_file_loads_with_the_documented_weights():
    assert (CFG.band_dp, CFG.band_dpk, CFG.red_flag, CFG.rat_past_limit, CFG.rat_report_missing) == (30, 50, 25, 40, 20)
    assert (CFG.curative_min, CFG.curative_days, CFG.no_contact_days) == (2, 90, 180)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("no_contact"), "section [no_contact] is missing"),
    (lambda d: d["health_band"].update(dalam_pengawasan=150), "[health_band] dalam_pengawasan must be 0-100"),
    (lambda d: d["curative_tickets"].update(min_count="dua"), "[curative_tickets] min_count must be a whole number"),
    (lambda d: d["rat_report_missing"].update(weight=True), "[rat_report_missing] weight must be a whole number"),
    (lambda d: d["no_contact"].update(hari=3), "[no_contact] unknown key 'hari'"),
    (lambda d: d.update(bonus={"weight": 1}), "unknown section [bonus]"),
    (lambda d: d["no_contact"].update(days=0), "[no_contact] days must be 1-3650"),
])
def test_a_broken_file_is_refused_naming_section_and_key(change, message):
    import tomllib
    data = tomllib.loads(Path("bot/supervision/data/risk.toml").read_text())
    change(data)
    with pytest.raises(RiskConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(data)


def test_bad_toml_is_refused(tmp_path):
    bad = tmp_path / "risk.toml"
    bad.write_text("[health_band\n")
    with pytest.raises(RiskConfigError, match="not valid TOML"):
        load_config(bad)


# ---- each reason ---------------------------------------------------------------------------------
def test_a_healthy_cooperative_in_touch_has_no_reason():
    a = assess(coop(financial=check(total="85.00", band="sehat"),
                    rat=RatFact(2025, "held", date(2026, 3, 31), date(2026, 6, 30), date(2026, 3, 20), "reported")),
               CFG, TODAY)
    assert a.score == 0 and a.reasons == ()


def test_band_dalam_pengawasan_or_worse_with_the_check_as_evidence():
    a = assess(coop(financial=check(total="58.20", band="dalam_pengawasan")), CFG, TODAY)
    assert codes(a) == ["health_band"] and a.score == 30
    evidence = a.reasons[0].evidence[0]
    assert (evidence.kind, evidence.ref, evidence.on, evidence.detail["total"]) == ("check", 7, date(2026, 10, 1), "58.20")
    worse = assess(coop(financial=check(total="40.00", band="dalam_pengawasan_khusus")), CFG, TODAY)
    assert worse.score == 50
    assert assess(coop(financial=check(total="66.00", band="cukup_sehat")), CFG, TODAY).score == 0  # 66.00 is Cukup Sehat


def test_a_red_flag_counts_once_not_again_through_the_band_it_caps():
    gov = check("governance", total="88.00", band="dalam_pengawasan", flags=["money_mixed"], id_=9)
    a = assess(coop(governance=gov), CFG, TODAY)
    assert codes(a) == ["governance_red_flag"] and a.score == 25
    assert a.reasons[0].evidence[0].detail["flags"] == ["money_mixed"]
    low = check("governance", total="45.00", band="dalam_pengawasan", flags=["money_mixed"], id_=9)
    assert codes(assess(coop(governance=low), CFG, TODAY)) == ["health_band", "governance_red_flag"]


def test_rat_past_legal_limit_and_report_missing():
    past = RatFact(2025, "past_limit", date(2026, 3, 31), date(2026, 6, 30))
    a = assess(coop(rat=past), CFG, TODAY)
    assert codes(a) == ["rat_past_legal_limit"] and a.reasons[0].evidence[0].on == date(2026, 6, 30)
    late_but_legal = RatFact(2025, "late", date(2026, 3, 31), date(2026, 6, 30))
    assert assess(coop(rat=late_but_legal), CFG, date(2026, 5, 1)).score == 0
    missing = RatFact(2025, "held", date(2026, 3, 31), date(2026, 6, 30), date(2026, 3, 20), "overdue",
                      date(2026, 4, 20))
    a = assess(coop(rat=missing), CFG, TODAY)
    assert codes(a) == ["rat_report_missing"] and a.reasons[0].evidence[0].on == date(2026, 4, 20)


def test_repeated_curative_tickets_need_the_minimum_count():
    one = assess(coop(curative=((11, date(2026, 10, 1)),)), CFG, TODAY)
    assert one.score == 0
    two = assess(coop(curative=((11, date(2026, 10, 1)), (15, date(2026, 11, 2)))), CFG, TODAY)
    assert codes(two) == ["curative_tickets"] and [e.ref for e in two.reasons[0].evidence] == [11, 15]


def test_no_contact_for_long_counts_from_registration_when_never_heard_of():
    quiet = assess(coop(last_contact=TODAY - timedelta(days=200)), CFG, TODAY)
    assert codes(quiet) == ["no_contact"] and quiet.reasons[0].evidence[0].detail["days"] == 200
    new = assess(coop(last_contact=None, registered=TODAY - timedelta(days=30)), CFG, TODAY)
    assert new.score == 0
    assert codes(assess(coop(last_contact=None, registered=TODAY - timedelta(days=400)), CFG, TODAY)) == ["no_contact"]


def test_a_zero_weight_switches_a_reason_off():
    cfg = replace(CFG, rat_past_limit=0)
    assert assess(coop(rat=RatFact(2025, "past_limit", date(2026, 3, 31), date(2026, 6, 30))), cfg, TODAY).score == 0


def test_ranking_highest_score_first_then_worse_band_then_name():
    facts = [
        coop(id=1, name="B", rat=RatFact(2025, "past_limit", date(2026, 3, 31), date(2026, 6, 30))),      # 40
        coop(id=2, name="A", financial=check(total="40.00", band="dalam_pengawasan_khusus")),                # 50
        coop(id=3, name="C", curative=((1, TODAY), (2, TODAY)), last_contact=TODAY - timedelta(days=190),
             financial=check(total="60.00", band="dalam_pengawasan")),                                       # 55
        coop(id=4, name="D"),                                                                                # 0
        coop(id=5, name="A2", rat=RatFact(2025, "past_limit", date(2026, 3, 31), date(2026, 6, 30)),
             financial=check(total="70.00", band="cukup_sehat")),                                            # 40
    ]
    ranked = rank(facts, CFG, TODAY)
    assert [a.id for a in ranked] == [3, 2, 5, 1]
    assert [a.id for a in rank(facts, CFG, TODAY, include_zero=True)][-1] == 4


# ---- RAT status: the reminders' own rules ---------------------------------------------------------
def rat_of(records: Records, today: date, fy_end_month: int = 12) -> RatFact:
    obligations = due_dates(CooperativeCalendarInput(fy_end_month, "karyawan", coop_id=1), today, records,
                            fx.rat_rules())
    return fx.rat_fact(obligations, records, today)


def test_rat_status_uses_the_same_dates_as_the_reminders():
    full = {o.id: o for o in due_dates(CooperativeCalendarInput(12, "karyawan"), date(2026, 7, 5), Records(),
                                       load_rules())}
    fact = rat_of(Records(), date(2026, 7, 5))
    assert (fact.fiscal_year, fact.due, fact.legal_limit) == (2025, full["rat"].due, full["rat"].legal_limit)
    assert fact.status == "past_limit"                       # 6 months after 31 Dec 2025 have passed
    assert rat_of(Records(), date(2026, 4, 5)).status == "late"
    assert rat_of(Records(), date(2026, 2, 1)).status == "not_due"
    assert rat_of(Records(), date(2026, 7, 5), fy_end_month=6).status == "not_due"  # FY ends June: due 30 Sep


def test_rat_report_overdue_one_month_after_the_meeting():
    held = Records(rat_held_on={2025: date(2026, 3, 20)}, done={("rat", "2025")})
    fact = rat_of(held, date(2026, 5, 1))
    assert (fact.status, fact.report_status, fact.report_due) == ("held", "overdue", date(2026, 4, 20))
    assert rat_of(held, date(2026, 4, 10)).report_status == "pending"
    reported = Records(rat_held_on={2025: date(2026, 3, 20)}, rat_reported_on={2025: date(2026, 4, 2)},
                       done={("rat", "2025"), ("rat_report", "2025")})
    assert rat_of(reported, date(2026, 5, 1)).report_status == "reported"


def test_an_older_unreported_rat_is_the_evidence_of_its_own_year():
    records = Records(rat_held_on={2024: date(2025, 3, 10), 2025: date(2026, 3, 20)},
                      rat_reported_on={2025: date(2026, 4, 1)},
                      done={("rat", "2024"), ("rat", "2025"), ("rat_report", "2025")})
    fact = rat_of(records, date(2026, 5, 1))
    assert (fact.report_status, fact.report_year, fact.report_held_on, fact.report_due) == (
        "overdue", 2024, date(2025, 3, 10), date(2025, 4, 10))
    evidence = assess(coop(rat=fact), CFG, date(2026, 5, 1)).reasons[0].evidence[0]
    assert (evidence.detail["year"], evidence.detail["held_on"], evidence.on) == (2024, date(2025, 3, 10),
                                                                                  date(2025, 4, 10))


def test_red_flags_read_from_the_governance_answers():
    assert fx.red_flags({"pisah_uang": "sebagian", "rat": "tepat"}) == ("money_mixed",)
    assert fx.red_flags({"pisah_uang": "ya", "potong_gaji": "tidak", "rat": "2thn"}) == (
        "no_rat_two_years", "deductions_not_remitted")


# ---- periods and office hours ---------------------------------------------------------------------
def test_periods():
    assert periods.parse("2026-11").key == "2026-11"
    q = periods.parse("2026-q4")
    assert (q.start, q.end, q.key) == (date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")
    assert periods.parse("2026").months[-1] == date(2026, 12, 1)
    assert periods.parse("bulan", TODAY).key == "2026-11"
    assert periods.parse("triwulan", TODAY).key == "2026-Q4"
    assert periods.previous_month(date(2026, 1, 5)).key == "2025-12"
    b = periods.parse("2026-11").bounds(JKT)
    assert (b.start_utc, b.end_date) == ("2026-10-31T17:00:00.000000Z", "2026-12-01")
    for bad in ("2026-13", "minggu", "26-1"):
        with pytest.raises(ValueError):
            periods.parse(bad, TODAY)


def test_the_office_hour_index_agrees_with_office_hours():
    import random
    office = OfficeHours("mon-thu 08:00-16:00; fri 08:00-11:30 13:30-16:00", holidays=["2026-11-17"], tz=JKT)
    index = OfficeIndex(office, date(2026, 10, 1), date(2026, 12, 31))
    r = random.Random(3)
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    for _ in range(300):
        a = start + timedelta(minutes=r.randint(0, 80 * 24 * 60))
        b = a + timedelta(minutes=r.randint(0, 20 * 24 * 60))
        assert index.hours_between(a, b) == pytest.approx(office.office_hours_between(a, b), abs=1e-6)
    outside = datetime(2027, 3, 1, 2, tzinfo=timezone.utc)  # beyond the range: still right (slow path)
    assert index.hours_between(start, outside) == pytest.approx(office.office_hours_between(start, outside))
