"""Issue 10.4: bidi controls never reach what the bot stores from users or shows to others."""
import pytest

from bot.core.sanitize import BIDI_CONTROLS, clean_name, strip_bidi
from bot.core.texts import Texts
from bot.onboarding.service import parse_text_answer
from bot.tickets.rules import topic_name
from storage.db import Database

pytestmark = pytest.mark.unit
RLO, PDF, RLI, PDI, LRM, RLM = "\u202e", "\u202c", "\u2067", "\u2069", "\u200e", "\u200f"
DIRTY = f"Kopkar {RLO}amaleS{PDF} {RLI}Jaya{PDI}{LRM}{RLM}"


def clean(text: str) -> bool:
    return not (set(text) & BIDI_CONTROLS)


def test_every_listed_control_is_removed_and_nothing_else():
    every = "".join(sorted(BIDI_CONTROLS))
    assert {f"{c:04X}" for c in map(ord, every)} >= {"202A", "202B", "202C", "202D", "202E", "2066", "2067",
                                                      "2068", "2069", "200E", "200F"}
    assert strip_bidi(f"a{every}b") == "ab"
    assert strip_bidi("Koperasi Sejahtera – بنك ✓") == "Koperasi Sejahtera – بنك ✓"
    assert clean_name(f"  Sari {RLO}  Wulandari ") == "Sari Wulandari" and clean_name(None) is None


def test_names_are_stored_without_controls():
    assert parse_text_answer("name", DIRTY) == "Kopkar amaleS Jaya"
    assert parse_text_answer("company", f"PT {RLO}ayaJ") == "PT ayaJ"
    assert parse_text_answer("name", f"{RLO}{RLO}ab{PDF}").code == "name_short"  # controls are not letters


def test_rendered_for_others_without_controls_even_from_old_rows():
    texts = Texts()
    card = texts.render("id", "staff.whoami", name=DIRTY, user_id=5, consultant=True, admin=False, details={})
    assert clean(card) and "Kopkar amaleS Jaya" in card
    assert clean(topic_name(7, "Kuratif", DIRTY))


async def test_migration_cleans_names_stored_before(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path)
    await db.execute("INSERT INTO users (telegram_id, full_name, created_at, updated_at) VALUES (1, ?, 'x', 'x')",
                     (f"Sari{RLO}",))
    await db.execute("DELETE FROM schema_version WHERE version = 7")
    await db.execute("DROP TABLE updates")
    await db.close()
    db = await Database.open(path)  # 0007 runs again, as on a database from before it
    row = await db.fetchone("SELECT full_name FROM users WHERE telegram_id = 1")
    await db.close()
    assert row[0] == "Sari"
