"""Registering a cooperative: the order of questions, what counts as a valid answer, join codes.

Plain Python so the rules are tested directly; the handler only asks and stores.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from bot.core.when import parse_date
from bot.core.domain import COOPERATIVE_KINDS, INDUSTRIAL_ESTATES, KECAMATAN, MANAGER_ROLES
from bot.core.sanitize import strip_bidi

CONSENT_VERSION = "2026-11"
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on a shop floor
JOIN_CODE_LENGTH = 8
NAME_MAX = 120
MAX_MEMBERS = 1_000_000
# UU 6/2023 (Cipta Kerja): a primary cooperative is founded by at least 9 people. Fewer is
# accepted (a register may lag) but the manager is told.
LEGAL_MINIMUM_MEMBERS = 9

# The questions of a new cooperative, in order. "company" is asked only of employee cooperatives.
# "nik_certificate_date" is asked only when a NIK was given (the calendar counts its renewal).
PROFILE_STEPS: tuple[str, ...] = (
    "name", "nik", "nik_certificate_date", "kind", "company", "estate", "kecamatan", "members", "fy_end_month",
    "role",
)
CHOICE_STEPS = {"kind", "estate", "kecamatan", "fy_end_month", "role"}
OPTIONAL_STEPS = {"nik", "nik_certificate_date", "company"}


@dataclass(frozen=True)
class Invalid:
    """Why an answer was refused; `code` names the template that explains it."""
    code: str


def applicable_steps(data: dict) -> list[str]:
    steps = list(PROFILE_STEPS)
    if data.get("kind") not in (None, "karyawan"):
        steps.remove("company")
    if not data.get("nik") and "nik" in data:  # no NIK: no certificate date to ask
        steps.remove("nik_certificate_date")
    return steps


def next_step(data: dict, after: str | None) -> str | None:
    """The first step after `after` that is still unanswered; None means ready to confirm."""
    steps = applicable_steps(data)
    start = steps.index(after) + 1 if after in steps else 0
    for step in steps[start:]:
        if step not in data:
            return step
    for step in steps:  # anything skipped earlier (e.g. after a restart)
        if step not in data:
            return step
    return None


def progress(data: dict, step: str) -> tuple[int, int]:
    """(number, total) for "Langkah 2 dari 9". The certificate date belongs to the NIK's step
    (it is asked only when a NIK was given), so the total never jumps when it drops out."""
    steps = [s for s in applicable_steps(data) if s != "nik_certificate_date"]
    if step == "nik_certificate_date":
        step = "nik"
    return (steps.index(step) + 1 if step in steps else len(steps), len(steps))


def parse_text_answer(step: str, text: str, today: date | None = None) -> object | Invalid:
    text = strip_bidi(text).strip()  # names are shown to staff and in topic names (issue 10.4)
    if step == "nik_certificate_date":
        today = today or date.today()
        day = parse_date(text, today)
        if day is None:
            return Invalid("date_invalid")
        if day > today or day.year < 2000:
            return Invalid("date_out_of_range")
        return day.isoformat()
    if step == "name":
        if len(text) < 3:
            return Invalid("name_short")
        if len(text) > NAME_MAX:
            return Invalid("name_long")
        if sum(c.isalpha() for c in text) < 3:  # "🙂🙂🙂🙂🙂" or "123" is not a name
            return Invalid("name_letters")
        return " ".join(text.split())
    if step == "company":
        if len(text) < 2:
            return Invalid("name_short")
        if len(text) > NAME_MAX:
            return Invalid("name_long")
        return " ".join(text.split())
    if step == "nik":
        digits = re.sub(r"[\s.\-]", "", text)
        if not digits.isdigit() or len(digits) != 16:
            return Invalid("nik_invalid")
        return digits
    if step == "members":
        cleaned = re.sub(r"[\s.,]", "", text.lower().removesuffix("orang").strip())
        if not cleaned.isdigit():
            return Invalid("members_invalid")
        number = int(cleaned)
        if number == 0:
            return Invalid("members_zero")
        if number > MAX_MEMBERS:
            return Invalid("members_too_many")
        return number
    return Invalid("use_buttons")


def answer_warning(step: str, answer: object) -> str | None:
    """A valid answer the manager should still hear about (the template's name), e.g. fewer
    members than the law's minimum for founding a primary cooperative."""
    if step == "members" and isinstance(answer, int) and answer < LEGAL_MINIMUM_MEMBERS:
        return "members_below_minimum"
    return None


def parse_choice(step: str, value: str) -> object | Invalid:
    """Values from buttons are checked too: callback data can be forged."""
    if step == "kind" and value in COOPERATIVE_KINDS:
        return value
    if step == "role" and value in MANAGER_ROLES:
        return value
    if step in ("kecamatan", "estate", "fy_end_month") and value.isdigit():
        index = int(value)
        if step == "kecamatan" and 0 <= index < len(KECAMATAN):
            return KECAMATAN[index]
        if step == "estate" and 0 <= index < len(INDUSTRIAL_ESTATES):
            return INDUSTRIAL_ESTATES[index]
        if step == "fy_end_month" and 1 <= index <= 12:
            return index
    return Invalid("stale_button")


def profile_from(data: dict) -> dict:
    """The cooperative row from the answers; absent optional answers become None."""
    profile = {k: data.get(k) for k in ("name", "nik", "kind", "company", "estate", "kecamatan", "members",
                                        "fy_end_month", "nik_certificate_date")}
    if profile["kind"] != "karyawan":
        profile["company"] = None
    if not profile["nik"]:
        profile["nik_certificate_date"] = None
    for key in ("nik", "company", "nik_certificate_date"):
        if profile[key] == "":
            profile[key] = None
    return profile


def is_complete(data: dict) -> bool:
    return next_step(data, None) is None


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str | None:
    code = re.sub(r"[\s\-]", "", text.upper())
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    return code
