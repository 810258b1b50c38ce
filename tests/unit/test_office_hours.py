"""Office hours: opening, next opening, SLA deadlines in office hours."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.office_hours import OfficeHours, parse_spec

pytestmark = pytest.mark.unit

WIB = ZoneInfo("Asia/Jakarta")
UTC = timezone.utc


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


# 2026-03-16 is a Monday, 2026-03-20 a Friday.
DEFAULT = OfficeHours()


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (wib(2026, 3, 16, 8, 0), True),  # opening minute counts
        (wib(2026, 3, 16, 7, 59), False),
        (wib(2026, 3, 16, 15, 59), True),
        (wib(2026, 3, 16, 16, 0), False),  # closing minute does not
        (wib(2026, 3, 21, 10, 0), False),  # Saturday
        (wib(2026, 3, 22, 10, 0), False),  # Sunday
    ],
)
def test_is_open_default_week(moment, open_):
    assert DEFAULT.is_open(moment) is open_


def test_is_open_uses_jakarta_wall_clock_for_utc_input():
    # 01:30 UTC Monday = 08:30 WIB Monday: open. 09:30 UTC = 16:30 WIB: closed.
    assert DEFAULT.is_open(datetime(2026, 3, 16, 1, 30, tzinfo=UTC))
    assert not DEFAULT.is_open(datetime(2026, 3, 16, 9, 30, tzinfo=UTC))
    # Sunday 23:30 UTC is already Monday 06:30 WIB: still closed, opens 08:00 WIB.
    assert DEFAULT.next_opening(datetime(2026, 3, 15, 23, 30, tzinfo=UTC)) == wib(2026, 3, 16, 8, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        DEFAULT.is_open(datetime(2026, 3, 16, 9, 0))


def test_next_opening():
    assert DEFAULT.next_opening(wib(2026, 3, 16, 10, 0)) == wib(2026, 3, 16, 10, 0)  # open: now
    assert DEFAULT.next_opening(wib(2026, 3, 16, 6, 0)) == wib(2026, 3, 16, 8, 0)
    assert DEFAULT.next_opening(wib(2026, 3, 16, 17, 0)) == wib(2026, 3, 17, 8, 0)
    assert DEFAULT.next_opening(wib(2026, 3, 20, 16, 0)) == wib(2026, 3, 23, 8, 0)  # Friday close -> Monday
    assert DEFAULT.next_opening(wib(2026, 3, 21, 9, 0)).tzinfo == WIB


def test_holidays_close_whole_days():
    hours = OfficeHours(holidays=[date(2026, 3, 19), "2026-03-20"])  # Nyepi and a cuti bersama
    assert not hours.is_open(wib(2026, 3, 19, 10, 0))
    assert hours.next_opening(wib(2026, 3, 18, 16, 30)) == wib(2026, 3, 23, 8, 0)


def test_spec_with_lunch_break_and_indonesian_days():
    hours = OfficeHours("sen-kam 08:00-16:00; jum 08:00-11:30 13:30-16:00")
    assert hours.is_open(wib(2026, 3, 19, 12, 0))  # Thursday
    assert not hours.is_open(wib(2026, 3, 20, 12, 0))  # Friday prayer break
    assert hours.next_opening(wib(2026, 3, 20, 12, 0)) == wib(2026, 3, 20, 13, 30)
    assert hours.next_closing(wib(2026, 3, 20, 9, 0)) == wib(2026, 3, 20, 11, 30)
    assert hours.office_hours_between(wib(2026, 3, 20, 8, 0), wib(2026, 3, 20, 16, 0)) == 6.0


@pytest.mark.parametrize(
    "spec",
    ["", "mon-fri", "mon-fri 16:00-08:00", "mon-fri 8-16", "xyz 08:00-16:00", "mon 08:00-12:00 11:00-13:00",
     "mon 25:00-26:00"],
)
def test_bad_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_spec(spec)


def test_wrapping_day_range_and_24h():
    week = parse_spec("fri-mon 00:00-24:00")
    assert [d for d, iv in week.items() if iv] == [0, 4, 5, 6]
    hours = OfficeHours("fri-mon 00:00-24:00")
    assert hours.is_open(wib(2026, 3, 22, 23, 59))
    assert hours.office_hours_between(wib(2026, 3, 20, 0, 0), wib(2026, 3, 24, 0, 0)) == 96.0


def test_add_office_hours_default_sla_of_four_hours():
    # Ticket at 14:00 Monday: 2 hours today, 2 hours Tuesday -> 10:00 Tuesday.
    assert DEFAULT.add_office_hours(wib(2026, 3, 16, 14, 0), 4) == wib(2026, 3, 17, 10, 0)
    # Ticket on Friday 15:00: 1 hour Friday, 3 hours Monday.
    assert DEFAULT.add_office_hours(wib(2026, 3, 20, 15, 0), 4) == wib(2026, 3, 23, 11, 0)
    # Ticket on Saturday night counts from Monday's opening.
    assert DEFAULT.add_office_hours(wib(2026, 3, 21, 22, 0), 4) == wib(2026, 3, 23, 12, 0)
    # Ending exactly at closing time stays that day.
    assert DEFAULT.add_office_hours(wib(2026, 3, 16, 12, 0), 4) == wib(2026, 3, 16, 16, 0)
    assert DEFAULT.add_office_hours(wib(2026, 3, 16, 9, 0), 0.5) == wib(2026, 3, 16, 9, 30)
    assert DEFAULT.add_office_hours(wib(2026, 3, 21, 9, 0), 0) == wib(2026, 3, 23, 8, 0)
    with pytest.raises(ValueError):
        DEFAULT.add_office_hours(wib(2026, 3, 16, 9, 0), -1)


def test_add_office_hours_from_utc_returns_jakarta_time():
    deadline = DEFAULT.add_office_hours(datetime(2026, 3, 16, 7, 0, tzinfo=UTC), 4)  # 14:00 WIB
    assert deadline == wib(2026, 3, 17, 10, 0) and deadline.tzinfo == WIB


def test_office_hours_between():
    assert DEFAULT.office_hours_between(wib(2026, 3, 16, 14, 0), wib(2026, 3, 17, 10, 0)) == 4.0
    assert DEFAULT.office_hours_between(wib(2026, 3, 20, 12, 0), wib(2026, 3, 23, 12, 0)) == 8.0
    assert DEFAULT.office_hours_between(wib(2026, 3, 21, 0, 0), wib(2026, 3, 22, 23, 0)) == 0.0
    assert DEFAULT.office_hours_between(wib(2026, 3, 17, 10, 0), wib(2026, 3, 16, 14, 0)) == -4.0
    assert DEFAULT.office_hours_between(wib(2026, 3, 16, 0, 0), wib(2026, 3, 23, 0, 0)) == 40.0


def test_daylight_saving_zone_counts_real_hours():
    # Europe/Amsterdam springs forward on 2026-03-29 at 02:00 -> 03:00.
    ams = ZoneInfo("Europe/Amsterdam")
    night = OfficeHours("sun 00:00-06:00", tz=ams)
    assert night.office_hours_between(datetime(2026, 3, 29, 0, 0, tzinfo=ams),
                                      datetime(2026, 3, 29, 6, 0, tzinfo=ams)) == 5.0
    assert night.add_office_hours(datetime(2026, 3, 29, 1, 0, tzinfo=ams), 2) == datetime(2026, 3, 29, 4, 0, tzinfo=ams)


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(WIB))
SPECS = [OfficeHours(), OfficeHours("sen-kam 08:00-16:00; jum 08:00-11:30 13:30-16:00",
                                    holidays=["2026-03-19", "2027-01-01"])]


@settings(max_examples=150, deadline=None)
@given(start=moments, hours=st.floats(min_value=0, max_value=60, allow_nan=False), which=st.sampled_from(SPECS))
def test_add_then_measure_round_trips(start, hours, which):
    deadline = which.add_office_hours(start, hours)
    assert deadline >= start
    assert which.office_hours_between(start, deadline) == pytest.approx(hours, abs=1e-6)
    assert which.is_open(deadline) or deadline == which.next_closing(deadline - timedelta(microseconds=1))\
        or hours == 0


@settings(max_examples=150, deadline=None)
@given(moment=moments, which=st.sampled_from(SPECS))
def test_next_opening_is_open_and_nothing_open_before_it(moment, which):
    opening = which.next_opening(moment)
    assert which.is_open(opening)
    assert opening >= moment
    assert which.office_hours_between(moment, opening) == 0.0
