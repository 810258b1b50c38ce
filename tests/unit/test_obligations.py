"""The obligation calendar: due dates, reminders, catch-up and follow-ups."""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar.obligations import (
    KINDS,
    CooperativeCalendarInput,
    Records,
    RulesError,
    add_months,
    due_dates,
    follow_ups,
    latest_closed_fy,
    load_rules,
    local_today,
    parse_rules,
    snooze_until,
)

pytestmark = pytest.mark.unit

WIB = ZoneInfo("Asia/Jakarta")
UTC = timezone.utc
DECEMBER = CooperativeCalendarInput(fy_end_month=12, kind="karyawan", coop_id=7)
JUNE = CooperativeCalendarInput(fy_end_month=6, kind="simpan_pinjam", coop_id=8)
FEBRUARY = CooperativeCalendarInput(fy_end_month=2, kind="serba_usaha", coop_id=9)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def by_id(obligations, oid):
    found = [o for o in obligations if o.id == oid]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- the data file

def test_bundled_rules_load_with_defaults():
    rules = load_rules()
    assert [r.id for r in rules.obligations] == ["rat", "rat_report", "nik_renewal", "pengawas_review", "tax_return"]
    assert rules.get("rat").lead_days == (30, 7, 1, 0)
    assert rules.get("rat").follow_up.alert_consultant
    assert rules.send_hour == 8
    assert all(r.title["id"] and r.title["en"] for r in rules.obligations)
    assert load_rules() is load_rules()  # read once
    assert load_rules(Path("bot/calendar/data/obligations.toml")).get("tax_return").due.months == 4


MINIMAL = """
[[obligation]]
id = "{oid}"
title_id = "Judul"
title_en = "Title"
message_id = "{message}"
message_en = "Due {{due_date}}"
applies_to = {applies}
[obligation.due]
basis = "{basis}"
months = 3
month_end = true
"""


def minimal(oid="laporan", message="Tenggat {due_date}", applies='"all"', basis="fy_end"):
    return MINIMAL.format(oid=oid, message=message, applies=applies, basis=basis)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (minimal(applies='["karyawan", "bank"]'), "unknown kind"),
        (minimal(message="Tenggat {tanggal}"), "unknown placeholder"),
        (minimal(message="Tenggat {due_date"), "message_id"),
        (minimal(basis="fy_start"), "basis"),
        (minimal() + minimal(), "duplicate"),
        (minimal(oid="bad id"), "simple name"),
        ("[[obligation]\nid=", "not valid TOML"),
        ("[defaults]\nlead_days = [1]\n", "has no"),
        (minimal().replace('title_en = "Title"\n', ""), "missing title_en"),
        (minimal().replace("months = 3", "months = 3\nevery_months = 5"), "every_months"),
        ("[defaults]\nlead_days = [-1]\n" + minimal(), "lead_days"),
    ],
)
def test_broken_rules_are_refused_with_a_useful_message(text, complaint):
    with pytest.raises(RulesError, match=complaint):
        parse_rules(text)


def test_applies_to_limits_obligations_to_kinds(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(minimal(applies='["simpan_pinjam"]'), encoding="utf-8")
    rules = load_rules(path)
    assert [o.id for o in due_dates(JUNE, date(2026, 8, 1), Records(), rules)] == ["laporan"]
    assert due_dates(DECEMBER, date(2026, 8, 1), Records(), rules) == []


def test_profile_is_checked():
    with pytest.raises(ValueError):
        CooperativeCalendarInput(fy_end_month=13, kind="karyawan")
    with pytest.raises(ValueError):
        CooperativeCalendarInput(fy_end_month=12, kind="bank")
    assert KINDS == {"karyawan", "simpan_pinjam", "serba_usaha", "konsumen", "produsen", "jasa", "lainnya"}


def test_kinds_match_the_profile_lists():
    domain = pytest.importorskip("bot.core.domain")
    assert KINDS == set(domain.COOPERATIVE_KINDS)


# --------------------------------------------------------------------------- due dates

def test_december_year_end():
    obs = due_dates(DECEMBER, date(2026, 1, 15), Records())
    rat = by_id(obs, "rat")
    assert (rat.period, rat.fiscal_year, rat.due, rat.legal_limit) == ("2025", 2025, date(2026, 3, 31), date(2026, 6, 30))
    assert rat.status == "upcoming"
    assert by_id(obs, "tax_return").due == date(2026, 4, 30)
    assert {o.id for o in obs} == {"rat", "tax_return", "pengawas_review"}  # no NIK date, no RAT recorded
    assert [o.due for o in obs] == sorted(o.due for o in obs)


def test_june_year_end():
    obs = due_dates(JUNE, date(2026, 7, 20), Records())
    rat = by_id(obs, "rat")
    assert (rat.period, rat.due, rat.legal_limit) == ("2026", date(2026, 9, 30), date(2026, 12, 31))
    assert by_id(obs, "tax_return").due == date(2026, 10, 31)
    # Before the year ends, the previous year's calendar applies.
    assert by_id(due_dates(JUNE, date(2026, 6, 30), Records()), "rat").due == date(2025, 9, 30)


def test_february_year_end_in_leap_years():
    assert latest_closed_fy(date(2028, 2, 29), 2) == 2027  # the year ends at the end of 29 Feb
    assert latest_closed_fy(date(2028, 3, 1), 2) == 2028
    obs = due_dates(FEBRUARY, date(2028, 3, 1), Records())
    assert by_id(obs, "rat").due == date(2028, 5, 31)
    assert by_id(obs, "rat").legal_limit == date(2028, 8, 31)
    assert by_id(obs, "tax_return").due == date(2028, 6, 30)
    # Quarter ends of a February year end: May, Aug, Nov, Feb (29 Feb in a leap year).
    review = by_id(due_dates(FEBRUARY, date(2027, 12, 10), Records(done={("pengawas_review", "2027-11")})),
                   "pengawas_review")
    assert review.due == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_month_arithmetic_clamps(start, months, expected):
    assert add_months(start, months) == expected


def test_rat_already_held_stops_rat_reminders_and_starts_report():
    records = Records(rat_held_on={2025: date(2026, 2, 14)})
    obs = due_dates(DECEMBER, date(2026, 2, 20), records)
    rat = by_id(obs, "rat")
    assert rat.status == "done"
    assert rat.reminder_times(WIB) == []
    report = by_id(obs, "rat_report")
    assert (report.period, report.due, report.status) == ("2025", date(2026, 3, 14), "upcoming")
    # Leads 14/7/1/0 from 14 March; the 14-day one (28 Feb) is still ahead on 20 Feb.
    assert report.reminder_times(WIB, now=wib(2026, 2, 20, 9, 0)) == [
        wib(2026, 2, 28, 8), wib(2026, 3, 7, 8), wib(2026, 3, 13, 8), wib(2026, 3, 14, 8)]
    assert follow_ups(DECEMBER, date(2026, 8, 1), records) == []


def test_rat_held_on_31_january_reports_by_end_of_february():
    records = Records(rat_held_on={2026: date(2027, 1, 31)})
    assert by_id(due_dates(DECEMBER, date(2027, 2, 1), records), "rat_report").due == date(2027, 2, 28)


def test_report_recorded_completes_it_and_renews_the_nik_clock():
    profile = CooperativeCalendarInput(12, "karyawan", nik_certificate_date=date(2024, 2, 29), coop_id=7)
    before = by_id(due_dates(profile, date(2026, 1, 10), Records()), "nik_renewal")
    assert before.due == date(2026, 2, 28)  # 29 Feb + 2 years, clamped
    records = Records(rat_held_on={2025: date(2026, 3, 2)}, rat_reported_on={2025: date(2026, 3, 20)})
    obs = due_dates(profile, date(2026, 3, 25), records)
    assert by_id(obs, "rat_report").status == "done"
    nik = by_id(obs, "nik_renewal")
    assert (nik.due, nik.period) == (date(2028, 3, 20), "2028-03-20")


def test_late_rat_of_previous_year_still_gets_its_report_reminder():
    records = Records(rat_held_on={2025: date(2026, 12, 20)})
    obs = due_dates(DECEMBER, date(2027, 1, 2), records)
    assert [(o.id, o.period, o.status) for o in obs if o.id.startswith("rat")] == [
        ("rat_report", "2025", "upcoming"), ("rat", "2026", "upcoming")]
    assert by_id(obs, "rat_report").due == date(2027, 1, 20)


def test_statuses():
    def status(today):
        return by_id(due_dates(DECEMBER, today, Records()), "rat").status
    assert status(date(2026, 1, 31)) == "upcoming"
    assert status(date(2026, 3, 1)) == "due"  # 30 days before: reminders have started
    assert status(date(2026, 3, 31)) == "due"
    assert status(date(2026, 4, 1)) == "overdue"
    assert by_id(due_dates(DECEMBER, date(2026, 4, 1), Records(done={("tax_return", "2025")})),
                 "tax_return").status == "done"


def test_quarterly_review_keeps_the_missed_quarter_until_done():
    obs = due_dates(DECEMBER, date(2026, 4, 10), Records())
    assert [(o.period, o.status) for o in obs if o.id == "pengawas_review"] == [
        ("2026-03", "overdue"), ("2026-06", "upcoming")]
    done = Records(done={("pengawas_review", "2026-03")})
    assert [o.period for o in due_dates(DECEMBER, date(2026, 4, 10), done) if o.id == "pengawas_review"] == ["2026-06"]


# --------------------------------------------------------------------------- reminders

def test_reminders_are_at_eight_jakarta_with_stable_keys():
    rat = by_id(due_dates(DECEMBER, date(2026, 1, 15), Records()), "rat")
    reminders = rat.reminders(WIB)
    assert [r.at for r in reminders] == [wib(2026, 3, 1, 8), wib(2026, 3, 24, 8), wib(2026, 3, 30, 8), wib(2026, 3, 31, 8)]
    assert [r.key for r in reminders] == ["7:rat:2025:30", "7:rat:2025:7", "7:rat:2025:1", "7:rat:2025:0"]
    assert rat.reminders(WIB) == reminders  # same input, same keys
    assert rat.reminder_times(WIB, send_hour=9)[0] == wib(2026, 3, 1, 9)


def test_utc_now_against_jakarta_dates():
    # 23:30 UTC on 30 March is 06:30 on 31 March in Jakarta: the due day itself.
    now = datetime(2026, 3, 30, 23, 30, tzinfo=UTC)
    today = local_today(now)
    assert today == date(2026, 3, 31)
    rat = by_id(due_dates(DECEMBER, today, Records()), "rat")
    assert rat.status == "due" and rat.days_left(today) == 0
    # Only the on-the-day reminder (08:00 WIB = 01:00 UTC) is still ahead.
    assert rat.reminder_times(WIB, now=now) == [datetime(2026, 3, 31, 1, 0, tzinfo=UTC)]
    # A naive date taken from UTC would wrongly say one day is left.
    assert rat.days_left(now.date()) == 1
    with pytest.raises(ValueError):
        local_today(datetime(2026, 3, 30, 23, 30))


def test_catch_up_within_grace_sends_only_the_latest_missed():
    rat = by_id(due_dates(DECEMBER, date(2026, 3, 29), Records()), "rat")
    # Down from 29 March to 31 March 10:00: the 1-day and the on-the-day reminders were missed.
    missed = rat.missed_reminders(wib(2026, 3, 31, 10, 0))
    assert [m.key for m in missed] == ["7:rat:2025:0"]
    assert rat.reminders(WIB, now=wib(2026, 3, 31, 10, 0)) == []


def test_catch_up_after_grace_sends_nothing():
    rat = by_id(due_dates(DECEMBER, date(2026, 3, 29), Records()), "rat")
    assert rat.rule.grace_hours == 36
    assert rat.missed_reminders(wib(2026, 4, 1, 19, 59)) != []  # 35h59m late
    assert rat.missed_reminders(wib(2026, 4, 1, 20, 1)) == []  # 36h01m late
    assert rat.missed_reminders(wib(2026, 4, 1, 20, 1), grace=timedelta(days=2)) != []
    assert rat.missed_reminders(wib(2026, 3, 31, 9, 0), grace=0) == []
    # UTC clock, same instant as 31 March 10:00 WIB.
    assert [m.lead for m in rat.missed_reminders(datetime(2026, 3, 31, 3, 0, tzinfo=UTC))] == [0]


def test_snooze_replaces_earlier_reminders():
    until = snooze_until(wib(2026, 3, 24, 8, 5))  # "Ingatkan besok" pressed on the 7-day reminder
    assert until == wib(2026, 3, 25, 8, 0)
    records = Records(snoozes={("rat", "2025"): until})
    rat = by_id(due_dates(DECEMBER, date(2026, 3, 24), records), "rat")
    upcoming = rat.reminders(WIB, now=wib(2026, 3, 24, 8, 5))
    assert [(r.lead, r.at) for r in upcoming] == [(None, until), (1, wib(2026, 3, 30, 8)), (0, wib(2026, 3, 31, 8))]
    assert upcoming[0].key == "7:rat:2025:snooze-202603250800"
    # Snoozed past the due date: the snooze still fires, with the overdue text.
    late = Records(snoozes={("rat", "2025"): wib(2026, 4, 1, 8)})
    rat = by_id(due_dates(DECEMBER, date(2026, 3, 31), late), "rat")
    assert [r.lead for r in rat.reminders(WIB, now=wib(2026, 3, 31, 9))] == [None]
    assert "sudah lewat tenggat 31 Maret 2026" in rat.render("id", "Kopkar Maju", date(2026, 4, 1))


def test_snooze_from_utc_evening_is_jakarta_tomorrow():
    # 20:00 UTC on 23 March is 03:00 on 24 March in Jakarta: "tomorrow" is the 25th.
    assert snooze_until(datetime(2026, 3, 23, 20, 0, tzinfo=UTC)) == wib(2026, 3, 25, 8, 0)


def test_rendered_texts():
    rat = by_id(due_dates(DECEMBER, date(2026, 3, 24), Records()), "rat")
    text = rat.render("id", "Kopkar Maju", date(2026, 3, 24))
    assert "Kopkar Maju" in text and "31 Maret 2026" in text and "7 hari" in text and "30 Juni 2026" in text
    assert "Hari ini" in rat.render("id", "Kopkar Maju", date(2026, 3, 31))
    assert "31 March 2026" in rat.render("en", "Kopkar Maju", date(2026, 3, 24))


# --------------------------------------------------------------------------- follow-ups

def test_ask_after_target_and_alert_after_legal_limit():
    assert follow_ups(DECEMBER, date(2026, 3, 31), Records()) == []
    first = follow_ups(DECEMBER, date(2026, 4, 1), Records())
    assert [(f.kind, f.key) for f in first] == [("ask_if_held", "7:rat:2025:ask:2026-03-31:0")]
    assert "sudah dilaksanakan?" in first[0].render("id", "Kopkar Maju", date(2026, 4, 1))
    # Asked again a week later (a new key), not every day.
    assert follow_ups(DECEMBER, date(2026, 4, 7), Records())[0].key.endswith(":0")
    assert follow_ups(DECEMBER, date(2026, 4, 8), Records())[0].key.endswith(":1")
    assert [f.kind for f in follow_ups(DECEMBER, date(2026, 6, 30), Records())] == ["ask_if_held"]
    late = follow_ups(DECEMBER, date(2026, 7, 1), Records())
    assert [(f.kind, f.key) for f in late] == [("ask_if_held", "7:rat:2025:ask:2026-03-31:13"),
                                               ("alert_consultant", "7:rat:2025:alert")]
    assert "30 Juni 2026" in late[1].render("id", "Kopkar Maju", date(2026, 7, 1))


def test_ask_follows_the_scheduled_rat_date():
    records = Records(scheduled={("rat", "2025"): date(2026, 3, 14)})
    assert follow_ups(DECEMBER, date(2026, 3, 14), records) == []
    assert follow_ups(DECEMBER, date(2026, 3, 15), records)[0].anchor == date(2026, 3, 14)
    # Scheduled after the target: nobody is asked before the meeting.
    later = Records(scheduled={("rat", "2025"): date(2026, 4, 20)})
    assert follow_ups(DECEMBER, date(2026, 4, 10), later) == []


def test_june_year_end_alert_after_31_december():
    assert [f.kind for f in follow_ups(JUNE, date(2026, 12, 31), Records())] == ["ask_if_held"]
    assert [f.kind for f in follow_ups(JUNE, date(2027, 1, 1), Records())] == ["ask_if_held", "alert_consultant"]


# --------------------------------------------------------------------------- properties

@settings(max_examples=300)
@given(month=st.integers(1, 12), today=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
       kind=st.sampled_from(sorted(KINDS)))
def test_rat_dates_for_any_year_end(month, today, kind):
    profile = CooperativeCalendarInput(month, kind)
    rat = by_id(due_dates(profile, today, Records()), "rat")
    fy_end = add_months(date(rat.fiscal_year, month, 1), 0, to_month_end=True)
    assert fy_end < today <= add_months(fy_end, 12, to_month_end=True)  # the latest year that ended
    assert rat.due == add_months(fy_end, 3, to_month_end=True)
    assert rat.legal_limit == add_months(fy_end, 6, to_month_end=True)
    assert (rat.due + timedelta(days=1)).day == 1 and (rat.legal_limit + timedelta(days=1)).day == 1
    times = rat.reminder_times(WIB)
    assert times == sorted(times) and all(t.hour == 8 and t.tzinfo is WIB for t in times)
    assert times[-1].date() == rat.due


@settings(max_examples=300)
@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), months=st.integers(0, 60))
def test_add_months_properties(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == start.day or (result.day < start.day and (result + timedelta(days=1)).day == 1)


@settings(max_examples=200)
@given(now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
       month=st.integers(1, 12))
def test_upcoming_and_missed_reminders_never_overlap(now, month):
    profile = CooperativeCalendarInput(month, "jasa", nik_certificate_date=date(2025, 6, 1), coop_id=1)
    for ob in due_dates(profile, local_today(now), Records()):
        ahead = {r.key for r in ob.reminders(WIB, now=now)}
        missed = {r.key for r in ob.missed_reminders(now, grace=timedelta(days=400))}
        assert not ahead & missed
        assert all(r.at > now for r in ob.reminders(WIB, now=now))


# --------------------------------------------------------------------------- a new year (issue 11 point 4)

def test_an_unrecorded_rat_stays_overdue_when_the_next_year_begins():
    followed = CooperativeCalendarInput(fy_end_month=12, kind="karyawan", coop_id=7, tracked_since=date(2026, 12, 2))
    today = date(2027, 3, 1)
    rats = [o for o in due_dates(followed, today) if o.id == "rat"]
    assert [(o.period, o.status) for o in rats] == [("2025", "overdue"), ("2026", "due")]
    assert rats[0].legal_limit == date(2026, 6, 30)
    # recorded: it leaves the calendar
    held = Records(rat_held_on={2025: date(2026, 5, 20)})
    assert [o.period for o in due_dates(followed, today, held) if o.id == "rat"] == ["2026"]
    # the weekly "was it held?" question goes on for the old year too
    assert any(f.obligation.period == "2025" and f.kind == "ask_if_held" for f in follow_ups(followed, today))


def test_a_year_before_the_clinic_knew_the_cooperative_is_not_raised():
    newcomer = CooperativeCalendarInput(fy_end_month=12, kind="karyawan", coop_id=7, tracked_since=date(2027, 2, 1))
    assert [o.period for o in due_dates(newcomer, date(2027, 3, 1)) if o.id == "rat"] == ["2026"]
