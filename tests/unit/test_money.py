"""Money as people type it in chat (bot.health.money)."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.formatting import format_money
from bot.health.money import MoneyError, parse_money

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rp 1.250.000.000", "1250000000"),
        ("Rp1.250.000.000,-", "1250000000"),
        ("Rp. 1.250.000.000,00", "1250000000"),
        ("IDR 5.000", "5000"),
        ("1,25 M", "1250000000"),
        ("1,25M", "1250000000"),
        ("1.25 miliar", "1250000000"),
        ("1,5 milyar", "1500000000"),
        ("750 jt", "750000000"),
        ("750 juta", "750000000"),
        ("0,5jt", "500000"),
        ("750rb", "750000"),
        ("750 ribu", "750000"),
        ("750k", "750000"),
        ("750.000,50", "750000.50"),
        ("750000", "750000"),
        ("2,5T", "2500000000000"),
        ("1 triliun", "1000000000000"),
        ("  Rp\u00a0300.000  ", "300000"),
        ("0", "0"),
    ],
)
def test_indonesian_formats(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("1.250", "1250", "one dot followed by three digits groups thousands"),
        ("1,25", "1.25", "one comma is a decimal comma"),
        ("1,250", "1.25", "one comma is a decimal comma even before three digits"),
        ("1.5", "1.5", "one dot not followed by three digits is a decimal point"),
        ("2.500 jt", "2500000000", "thousands dot also before a unit"),
        ("1,250,000", "1250000", "several commas group thousands"),
        ("1,250,000.50", "1250000.50", "the last separator is the decimal one"),
    ],
)
def test_ambiguous_cases_follow_the_documented_rules(text, expected, why):
    assert parse_money(text) == Decimal(expected), why


@pytest.mark.parametrize("text", ["-Rp 5.000", "Rp -5.000", "-5rb", "\u22125.000"])
def test_negative_amounts(text):
    assert parse_money(text) == Decimal(-5000)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Rp", "no_digits"),
        ("banyak", "no_digits"),
        ("12 kambing", "unknown_unit"),
        ("1.25.000", "bad_grouping"),
        ("12.34.567", "bad_grouping"),
        ("1,2,3", "bad_grouping"),
        ("1.250,5,0", "bad_number"),
        ("--5", "bad_number"),
        ("5 + 3", "bad_number"),
    ],
)
def test_unreadable_input_raises_with_a_reason(text, reason):
    with pytest.raises(MoneyError) as info:
        parse_money(text)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1250000000", "Rp 1.250.000.000"),
        ("750000.5", "Rp 750.000,50"),
        ("750000.00", "Rp 750.000"),
        ("999", "Rp 999"),
        ("0", "Rp 0"),
        ("-1500", "-Rp 1.500"),
        ("0.004", "Rp 0"),
        ("1.005", "Rp 1,01"),
    ],
)
def test_format_money(amount, text):
    assert format_money(Decimal(amount), "id") == text


amounts = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2,
                      allow_nan=False, allow_infinity=False)


@given(amounts)
def test_format_then_parse_round_trips(amount):
    assert parse_money(format_money(amount, "id")) == amount


@given(st.integers(min_value=0, max_value=10**15))
def test_plain_digits_and_grouped_digits_agree(n):
    grouped = f"{n:,}".replace(",", ".")
    assert parse_money(str(n)) == parse_money(grouped) == parse_money(f"Rp {grouped},-") == n


@given(st.integers(min_value=0, max_value=999_999), st.sampled_from(
    [("rb", 10**3), ("jt", 10**6), ("M", 10**9), ("T", 10**12)]))
def test_units_multiply(n, unit):
    suffix, factor = unit
    assert parse_money(f"{n} {suffix}") == n * factor


@given(st.text(max_size=20))
def test_any_text_parses_or_raises_money_error(text):
    try:
        value = parse_money(text)
    except MoneyError as exc:
        assert exc.reason in {"empty", "no_digits", "unknown_unit", "bad_grouping", "bad_number"}
    else:
        assert value.is_finite()
