"""Parsing meeting dates and times as Indonesian users type them."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.when import meeting_reminder_times, parse_date, parse_when

pytestmark = pytest.mark.unit

WIB = ZoneInfo("Asia/Jakarta")
# Thursday 19 March 2026, 10:15 WIB.
NOW = datetime(2026, 3, 19, 10, 15, tzinfo=WIB)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/3 09.00", wib(2026, 3, 25, 9, 0)),
        ("25/03/2027 9:00", wib(2027, 3, 25, 9, 0)),
        ("25-3 jam 9", wib(2026, 3, 25, 9, 0)),
        ("besok jam 1 siang", wib(2026, 3, 20, 13, 0)),
        ("lusa jam 10 pagi", wib(2026, 3, 21, 10, 0)),
        ("senin depan jam 14.00", wib(2026, 3, 23, 14, 0)),
        ("hari ini 15:30", wib(2026, 3, 19, 15, 30)),
        ("jam 7 malam", wib(2026, 3, 19, 19, 0)),
        ("25 maret jam 9", wib(2026, 3, 25, 9, 0)),
        ("25 mar 2027 09.00", wib(2027, 3, 25, 9, 0)),
        ("25 Maret 2026 pukul 09.00 WIB", wib(2026, 3, 25, 9, 0)),
        ("Jum'at, 20 Maret 2026 pukul 13.30", wib(2026, 3, 20, 13, 30)),
        ("jam 3 sore", wib(2026, 3, 19, 15, 0)),
        ("jam 12 siang", wib(2026, 3, 19, 12, 0)),
        ("Besok jam 7 malam", wib(2026, 3, 20, 19, 0)),
        ("besok jam 13.00", wib(2026, 3, 20, 13, 0)),
        ("jam 9 besok", wib(2026, 3, 20, 9, 0)),  # time first
        ("09.00 25/3", wib(2026, 3, 25, 9, 0)),
        ("besok jam setengah 10", wib(2026, 3, 20, 9, 30)),  # "half ten" = 9:30
        ("tgl 5 jam 8", wib(2026, 4, 5, 8, 0)),  # the 5th has passed this month
        ("tanggal 25 jam 8", wib(2026, 3, 25, 8, 0)),
        ("1/1/27 08.00", wib(2027, 1, 1, 8, 0)),
        ("3/1 08.00", wib(2027, 1, 3, 8, 0)),  # without year: the next 3 January
        ("kamis jam 11", wib(2026, 3, 19, 11, 0)),  # today is Thursday, 11:00 still ahead
        ("kamis jam 9", wib(2026, 3, 26, 9, 0)),  # 09:00 has passed: next Thursday
        ("kamis depan jam 11", wib(2026, 3, 26, 11, 0)),
        ("hari minggu depan jam 10", wib(2026, 3, 22, 10, 0)),
        ("29/2 10.00", wib(2028, 2, 29, 10, 0)),  # next 29 February is in 2028
        ("  JAM 7   MALAM ", wib(2026, 3, 19, 19, 0)),
    ],
)
def test_examples(text, expected):
    result = parse_when(text, NOW)
    assert result == expected
    assert result.tzinfo is WIB


@pytest.mark.parametrize(
    "text",
    [
        "31/2 10.00",  # no such day
        "29/2/2027 10.00",  # not a leap year
        "31 april jam 9",
        "besok",  # no time
        "25/3",
        "jam 25",
        "jam 9.75",
        "jam 13 pagi",  # contradicts itself
        "jam 12 malam",
        "Senin, 20 Maret 2026 pukul 13.30",  # 20 March 2026 is a Friday
        "minggu depan jam 10",  # next week or next Sunday?
        "rapat enak jam 9",
        "besok 9",  # a bare number is not a time
        "",
        "besok jam 9-11",
    ],
)
def test_nonsense_is_refused(text):
    assert parse_when(text, NOW) is None


def test_time_only_rolls_to_tomorrow_when_passed():
    evening = wib(2026, 3, 19, 20, 0)
    assert parse_when("jam 7 malam", evening) == wib(2026, 3, 20, 19, 0)
    assert parse_when("jam 9", evening) == wib(2026, 3, 20, 9, 0)


def test_date_without_year_on_the_day_itself_stays_this_year():
    # Typed on 25 March at 10:00: "25/3 09.00" is this morning (past); the caller decides.
    assert parse_when("25/3 09.00", wib(2026, 3, 25, 10, 0)) == wib(2026, 3, 25, 9, 0)
    assert parse_when("24/3 09.00", wib(2026, 3, 25, 10, 0)) == wib(2027, 3, 24, 9, 0)


def test_year_rollover_at_new_year():
    new_years_eve = wib(2026, 12, 31, 21, 0)
    assert parse_when("besok jam 9", new_years_eve) == wib(2027, 1, 1, 9, 0)
    assert parse_when("2/1 jam 9", new_years_eve) == wib(2027, 1, 2, 9, 0)


def test_result_follows_now_timezone_and_date():
    # 18:00 UTC on 19 March is already 01:00 on 20 March in Jakarta: "besok" depends on the zone
    # of `now`, so callers convert to the clinic's zone first.
    utc_now = datetime(2026, 3, 19, 18, 0, tzinfo=timezone.utc)
    assert parse_when("besok jam 9", utc_now.astimezone(WIB)) == wib(2026, 3, 21, 9, 0)
    in_utc = parse_when("besok jam 9", utc_now)
    assert in_utc == datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        parse_when("besok jam 9", datetime(2026, 3, 19, 10, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/3", date(2026, 3, 15)),
        ("15 maret 2026", date(2026, 3, 15)),
        ("15 Maret 2025", date(2025, 3, 15)),
        ("kemarin", date(2026, 3, 18)),
        ("hari ini", date(2026, 3, 19)),
        ("25/3", date(2025, 3, 25)),  # no year, answering about the past: last year's
        ("19/3", date(2026, 3, 19)),
        ("tanggal 10", date(2026, 3, 10)),
        ("tgl 25", date(2026, 2, 25)),
        ("senin lalu", date(2026, 3, 16)),
        ("kamis lalu", date(2026, 3, 12)),
        ("15-03-2026", date(2026, 3, 15)),
        ("15.03.2026", date(2026, 3, 15)),
        ("29/2", date(2024, 2, 29)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text, NOW.date()) == expected


@pytest.mark.parametrize("text", ["31/2", "RAT 15/3", "kapan ya", "", "15/13", "32 maret"])
def test_parse_date_refuses(text):
    assert parse_date(text, NOW.date()) is None


def test_parse_date_future_preference():
    assert parse_date("15/3", NOW.date(), prefer="future") == date(2027, 3, 15)
    assert parse_date("besok", NOW.date(), prefer="future") == date(2026, 3, 20)


def test_meeting_reminder_times():
    start = wib(2026, 3, 25, 9, 0)
    assert meeting_reminder_times(start, NOW) == [
        ("3d", wib(2026, 3, 22, 9, 0)), ("1d", wib(2026, 3, 24, 9, 0)), ("2h", wib(2026, 3, 25, 7, 0))]
    # Scheduled late: only the reminders still ahead.
    assert meeting_reminder_times(start, wib(2026, 3, 24, 12, 0)) == [("2h", wib(2026, 3, 25, 7, 0))]
    assert meeting_reminder_times(start, NOW, (timedelta(minutes=30),)) == [("30m", wib(2026, 3, 25, 8, 30))]


MONTH_NAMES = ["januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september",
               "oktober", "november", "desember"]
now_strategy = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(WIB))


@settings(max_examples=200)
@given(now=now_strategy, day=st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)),
       hour=st.integers(0, 23), minute=st.integers(0, 59), style=st.integers(0, 3))
def test_any_written_date_time_round_trips(now, day, hour, minute, style):
    text = [f"{day.day}/{day.month}/{day.year} {hour:02d}.{minute:02d}",
            f"{day.day:02d}-{day.month:02d}-{day.year} jam {hour}:{minute:02d}",
            f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year} pukul {hour:02d}.{minute:02d}",
            f"jam {hour}.{minute:02d} {day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"][style]
    assert parse_when(text, now) == datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


@settings(max_examples=200)
@given(now=now_strategy, month=st.integers(1, 12), day=st.integers(1, 31), hour=st.integers(0, 23))
def test_date_without_year_is_next_existing_occurrence(now, month, day, hour):
    result = parse_when(f"{day}/{month} jam {hour}", now)
    if result is None:  # only days that exist in no year, not even a leap year
        with pytest.raises(ValueError):
            date(2028, month, day)
        return
    assert (result.month, result.day, result.hour) == (month, day, hour)
    assert now.date() <= result.date() < date(now.year + 5, 1, 1)
    # no earlier existing occurrence on or after today
    for year in range(now.year, result.year):
        try:
            assert date(year, month, day) < now.date()
        except ValueError:
            pass


@settings(max_examples=200)
@given(text=st.text(max_size=30), now=now_strategy)
def test_never_crashes_and_result_is_aware(text, now):
    result = parse_when(text, now)
    assert result is None or result.tzinfo is WIB
    parsed = parse_date(text, now.date())
    assert parsed is None or isinstance(parsed, date)


# English mode (issue 11 point 7): a manager who chose English types dates in English.
@pytest.mark.parametrize("text, expected", [
    ("tomorrow 10am", (2026, 12, 3, 10, 0)),
    ("tomorrow at 10 a.m.", (2026, 12, 3, 10, 0)),
    ("25 March 9:00", (2027, 3, 25, 9, 0)),
    ("the 25th of March 9:00", (2027, 3, 25, 9, 0)),
    ("March 25 at 3 pm", (2027, 3, 25, 15, 0)),
    ("next Monday 9:30", (2026, 12, 7, 9, 30)),
    ("friday 10am", (2026, 12, 4, 10, 0)),
    ("today 5pm", (2026, 12, 2, 17, 0)),
    ("12 am tomorrow", (2026, 12, 3, 0, 0)),
])
def test_parse_when_reads_english(text, expected):
    now = datetime(2026, 12, 2, 14, 0, tzinfo=WIB)
    assert parse_when(text, now) == datetime(*expected, tzinfo=WIB)


@pytest.mark.parametrize("text", ["13 pm", "0 am", "March 25", "tomorrow"])
def test_parse_when_rejects_english_without_a_valid_time(text):
    assert parse_when(text, datetime(2026, 12, 2, 14, 0, tzinfo=WIB)) is None


@pytest.mark.parametrize("text, expected", [
    ("yesterday", date(2026, 12, 1)), ("last friday", date(2026, 11, 27)),
    ("March 15", date(2026, 3, 15)), ("march 15th 2026", date(2026, 3, 15)), ("today", date(2026, 12, 2)),
])
def test_parse_date_reads_english(text, expected):
    assert parse_date(text, date(2026, 12, 2)) == expected
