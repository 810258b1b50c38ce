import pytest

from bot.onboarding import service as reg
from bot.core.texts import Texts, split_message

pytestmark = pytest.mark.unit


def test_company_is_asked_only_of_employee_cooperatives():
    assert "company" in reg.applicable_steps({"kind": "karyawan"})
    assert "company" not in reg.applicable_steps({"kind": "konsumen"})
    assert reg.next_step({"name": "A", "nik": None, "kind": "konsumen"}, "kind") == "estate"
    assert reg.next_step({"name": "A", "nik": None, "kind": "karyawan"}, "kind") == "company"


def test_next_step_finds_gaps_and_completion():
    data = {"name": "A", "kind": "jasa"}
    assert reg.next_step(data, None) == "nik"
    full = {"name": "A", "nik": None, "kind": "jasa", "estate": "EJIP", "kecamatan": "Setu",
            "members": 9, "fy_end_month": 12, "role": "ketua"}
    assert reg.is_complete(full) and reg.next_step(full, "role") is None
    assert reg.progress(full, "kecamatan") == (5, 8)


@pytest.mark.parametrize("text,expected", [
    ("3201 2345 6789 0001", "3201234567890001"), ("3201.2345.6789.0001", "3201234567890001"),
    ("123", reg.Invalid("nik_invalid")), ("32012345678900012", reg.Invalid("nik_invalid")),
    ("abcdefghijklmnop", reg.Invalid("nik_invalid")),
])
def test_nik_is_sixteen_digits(text, expected):
    assert reg.parse_text_answer("nik", text) == expected


@pytest.mark.parametrize("text,expected", [
    ("350", 350), ("1.250", 1250), ("1,250 orang", 1250), ("0", reg.Invalid("members_zero")),
    ("banyak", reg.Invalid("members_invalid")), ("-5", reg.Invalid("members_invalid")),
])
def test_members_count(text, expected):
    assert reg.parse_text_answer("members", text) == expected


def test_choices_reject_forged_values():
    assert reg.parse_choice("kecamatan", "0") == "Setu"
    assert reg.parse_choice("kecamatan", "22") == "Muaragembong"
    for step, value in [("kecamatan", "23"), ("kecamatan", "-1"), ("kind", "bank"),
                        ("fy_end_month", "13"), ("role", "raja"), ("estate", "x")]:
        assert isinstance(reg.parse_choice(step, value), reg.Invalid)


def test_join_codes_are_unambiguous_and_normalised():
    code = reg.new_join_code()
    assert len(code) == 8 and not set(code) & set("01OI")
    assert reg.normalise_join_code(code.lower()[:4] + "-" + code.lower()[4:]) == code
    assert reg.normalise_join_code("O0O0O0O0") is None


def test_templates_escape_user_text_and_exist_in_both_languages():
    texts = Texts()
    html = texts.render("id", "onboarding.registered", cooperative="<b>Kop & Co</b>", join_code="ABCD2345")
    assert "&lt;b&gt;Kop &amp; Co&lt;/b&gt;" in html
    for step in reg.PROFILE_STEPS:
        assert "Langkah 1 dari 9" in texts.render("id", f"onboarding.ask_{step}", number=1, total=9)
        assert "Step 1 of 9" in texts.render("en", f"onboarding.ask_{step}", number=1, total=9)


def test_missing_template_variable_is_an_error_not_a_hole():
    with pytest.raises(Exception):
        Texts().render("id", "onboarding.registered", cooperative="x")


def test_split_message_keeps_parts_under_the_limit():
    text = "\n\n".join(f"Paragraf {i} " + "kata " * 150 for i in range(20))
    parts = split_message(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "".join(p.replace("\n", "") for p in parts).replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert split_message("x" * 10000, limit=4096) and all(len(p) <= 4096 for p in split_message("x" * 10000))
