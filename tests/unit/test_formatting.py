"""One way to write dates, times, durations, money and numbers (bot.core.formatting), per locale,
and the template filters that reach it."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.core import formatting as fmt
from bot.core.texts import Texts

pytestmark = pytest.mark.unit

UTC_1AM = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)  # 08.00 in Jakarta


def test_a_datetime_reads_the_same_way_everywhere_in_the_clinic_zone():
    texts = Texts()
    assert texts.datetime("id", UTC_1AM) == "Kamis, 3 Desember 2026 pukul 08.00 WIB"
    assert texts.datetime("en", UTC_1AM) == "Thursday, 3 December 2026 at 08:00 WIB"
    # stored ISO text and naive UTC read the same; never "UTC+07:00", never "03-12-2026"
    assert texts.datetime("id", "2026-12-03T01:00:00Z") == texts.datetime("id", datetime(2026, 12, 3, 1, 0))


def test_the_zone_is_the_indonesian_abbreviation_in_both_languages():
    assert fmt.format_time(UTC_1AM, "en") == "08:00 WIB"
    assert fmt.format_time(UTC_1AM, "id", tz=ZoneInfo("Asia/Makassar")) == "09.00 WITA"
    assert fmt.format_time(time(9, 5), "id") == "09.05"


@pytest.mark.parametrize("style, id_, en", [
    ("long", "3 Desember 2026", "3 December 2026"),
    ("full", "Kamis, 3 Desember 2026", "Thursday, 3 December 2026"),
    ("medium", "3 Des 2026", "3 Dec 2026"),
    ("short", "Kam 3/12", "Thu 3/12"),
    ("month", "Desember 2026", "December 2026"),
])
def test_date_styles(style, id_, en):
    assert fmt.format_date(date(2026, 12, 3), "id", style) == id_
    assert fmt.format_date(date(2026, 12, 3), "en", style) == en


def test_a_late_utc_evening_is_the_next_day_in_jakarta():
    assert fmt.format_date("2026-12-02T20:00:00+00:00", "id") == "3 Desember 2026"


def test_money_is_rupiah_with_the_locale_grouping():
    assert fmt.format_money(Decimal("8500000000"), "id") == "Rp 8.500.000.000"
    assert fmt.format_money(8500000000, "en") == "Rp 8,500,000,000"
    assert fmt.format_money("750000.5", "id") == "Rp 750.000,50"
    assert fmt.format_money(-1250, "id") == "-Rp 1.250"


def test_decimals_use_the_locale_decimal_sign():
    assert fmt.format_decimal(4, "id") == "4,0"  # not "4.0/5" in Indonesian
    assert fmt.format_decimal(4, "en") == "4.0"
    assert fmt.format_decimal(Decimal("78.984"), "id", 2) == "78,98"
    assert fmt.format_decimal(Decimal("15.00"), "id", 2, trim=True) == "15"
    assert fmt.format_decimal(Decimal("12.50"), "id", 2, trim=True) == "12,5"
    assert fmt.format_percent(Decimal("0.125"), "id", 1) == "12,5%"
    assert fmt.format_number(1234567, "id") == "1.234.567"
    assert fmt.format_number(1234567, "en") == "1,234,567"


@pytest.mark.parametrize("hours, id_, en", [
    (0, "< 1 menit", "< 1 minute"),
    (0.004, "< 1 menit", "< 1 minute"),
    (0.5, "30 menit", "30 minutes"),
    (1, "1 jam", "1 hour"),
    (1.25, "1,3 jam", "1.3 hours"),
    (50, "2,1 hari", "2.1 days"),
])
def test_durations_never_read_zero_point_zero_hours(hours, id_, en):
    assert fmt.format_duration(hours, "id") == id_
    assert fmt.format_duration(hours, "en") == en


def test_duration_from_a_timedelta():
    assert fmt.format_duration(timedelta(minutes=90), "id") == "1,5 jam"


def test_month_names_come_from_the_locale():
    assert [fmt.month_name(m, "id") for m in (1, 8)] == ["Januari", "Agustus"]
    assert fmt.month_name(8, "en") == "August"


def test_filters_format_in_the_language_of_the_template_they_are_written_in():
    texts = Texts()
    template = texts.env.from_string("{{ x|money }} {{ 4|decimal }} {{ d|date('full') }} {{ 3|month }}")
    template.name = "id/inline.j2"  # a template's folder is its language
    assert template.render(x=8500000000, d=date(2026, 12, 3)) == \
        "Rp 8.500.000.000 4,0 Kamis, 3 Desember 2026 Maret"
    assert texts.format("en", "datetime", UTC_1AM) == "Thursday, 3 December 2026 at 08:00 WIB"
    assert texts.format("id", "duration", 0.0) == "< 1 menit"


def test_staff_numbers_read_in_the_locale_not_as_python_floats():
    from bot.tickets.stats import compute
    texts = Texts()
    assert "setelah 4 jam kerja" in texts.render("id", "tickets.sla_raise", number="#0001", level=1, hours=4.0)
    rows = [dict(service="kuratif", category="keuangan", status="resolved", created_at="2026-03-02T01:00:00.000000Z",
                 first_answer_at="2026-03-02T01:00:10.000000Z", kecamatan="Setu", score=4)]
    html = texts.render("id", "tickets.stats", s=compute(rows), by=[])
    assert "Nilai rata-rata: 4,0/5" in html  # not "4.0/5"
    assert "pertama: &lt; 1 menit" in html  # not "0.0 jam"
    assert "Pesan Anda terlalu panjang (5.000 karakter)" in texts.render("id", "common.too_long", limit=4000,
                                                                          length=5000)


def test_a_fixed_offset_time_still_reads_wib():
    """A time parsed with a +07:00 offset read "08.00 UTC+07:00" right after a preview saying WIB."""
    fixed = datetime(2026, 12, 3, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    assert fmt.format_time(fixed, "id") == "08.00 WIB"
    assert Texts().datetime("id", fixed) == "Kamis, 3 Desember 2026 pukul 08.00 WIB"


@pytest.mark.parametrize("certificate", [None, "2024-05-01"])
def test_the_profile_keeps_one_line_per_field(certificate):
    """'NIK: -Jenis: ...': an {% endif %} ending a template line ate the newline after it."""
    from types import SimpleNamespace
    coop = SimpleNamespace(name="K", nik=None, nik_certificate_date=certificate, kind="karyawan", company="PT X",
                           estate="MM2100", kecamatan="Setu", members=1250, fy_end_month=12, join_code="ABCD")
    html = Texts().render("id", "profile.show", cooperative=coop, role="ketua", managers=["Sari"])
    nik_line = html.split("\n")[1]
    assert nik_line == ("NIK: belum ada" if certificate is None else "NIK: belum ada (sertifikat 1 Mei 2024)")
    assert "\nJenis: Koperasi karyawan\n" in html and "Jumlah anggota: 1.250" in html


def test_file_sizes_and_seconds():
    assert [fmt.format_size(n, "id") for n in (512, 1536, 12_900_000)] == ["512 byte", "1,5 kB", "12,3 MB"]
    assert fmt.format_size(12_900_000, "en") == "12.3 MB"
    assert fmt.format_duration(5400, "id", unit="second") == "1,5 jam"
