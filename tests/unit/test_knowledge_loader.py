"""Entry parsing and the knowledge-base checker (fixtures under tests/fixtures/kb/)."""
from pathlib import Path

import pytest

from knowledge.loader import (Entry, KnowledgeError, check_knowledge_base, html_problems,
                              load_categories, load_entries, parse_entry)

KB = Path(__file__).resolve().parents[1] / "fixtures" / "kb"
CATS = KB / "categories.toml"


def test_load_entries_parses_front_matter_and_both_answers():
    entries = {e.id: e for e in load_entries(KB / "good")}
    assert sorted(entries) == ["rat-online", "shu-bagi", "simpanan"]
    rat = entries["rat-online"]
    assert isinstance(rat, Entry)
    assert rat.title == "RAT secara daring" and rat.title_en == "Online annual meeting"
    assert rat.examples[1] == "rat online sah gk" and len(rat.examples) == 3
    assert rat.synonyms == ("rat zoom",) and rat.related == ("shu-bagi",)
    assert rat.answer_id.startswith("Boleh, <b>asal</b>")
    assert rat.answer_id.rstrip().endswith("cek Anggaran Dasar.")
    assert "<!-- en -->" not in rat.answer_id
    assert rat.answer_en == "Yes, if the <i>bylaws</i> allow it."
    assert entries["shu-bagi"].answer_en == "" and entries["shu-bagi"].sources == ()


def test_entry_is_frozen():
    entry = load_entries(KB / "good")[0]
    with pytest.raises(AttributeError):
        entry.title = "x"  # type: ignore[misc]


def test_load_categories():
    cats = load_categories(CATS)
    assert [c.id for c in cats] == ["rat", "keuangan"]
    assert cats[0].title_en == "Annual meeting"


def test_unparseable_entry_raises():
    with pytest.raises(KnowledgeError, match="closing"):
        parse_entry('+++\nid = "x"\n', "x.md")
    with pytest.raises(KnowledgeError, match="start"):
        parse_entry("no front matter", "x.md")


def test_check_passes_on_good_fixtures():
    assert check_knowledge_base(KB / "good", CATS) == []


def test_check_reports_each_problem():
    problems = "\n".join(check_knowledge_base(KB / "bad", CATS))
    expected = [
        "broken.md: front matter has no closing",
        "wrong-name.md: id 'other-id' differs from the file name 'wrong-name'",
        "wrong-name.md: 2 examples, need at least 3",
        "wrong-name.md: category 'tidak-ada' does not exist",
        "wrong-name.md: service 'darurat' is not one of",
        "wrong-name.md: related id 'hilang' does not exist",
        "wrong-name.md: id answer: bare '&'",
        "wrong-name.md: id answer: tag <u> not allowed",
        "wrong-name.md: id answer: unclosed tag(s): <b>",
        "no-answer.md: required field 'title' is missing",
        "no-answer.md: Indonesian answer is empty",
        "too-long.md: id title+answer is",
        "dup-b.md: id 'dup-a' also used by dup-a.md",
    ]
    for fragment in expected:
        assert fragment in problems
    assert "dup-a.md: id" not in problems.replace("used by dup-a.md", "")


@pytest.mark.parametrize("text, ok", [
    ("<b>tebal</b> dan <i>miring</i> &amp; &lt;5", True),
    ('<a href="https://x.id">tautan</a>', True),
    ("<b>tidak ditutup", False),
    ("<b><i>silang</b></i>", False),
    ("<p>paragraf</p>", False),
    ("A & B", False),
    ("a < b", False),
    ('<a name="x">tanpa href</a>', False),
    ("<br/>", False),
])
def test_html_subset(text, ok):
    assert (html_problems(text) == []) is ok


def test_shipped_knowledge_base_passes_check():
    assert check_knowledge_base() == []
    assert len(load_entries()) >= 50


def test_short_title_and_short_answer_are_checked(tmp_path):
    good = (KB / "good" / "shu-bagi.md").read_text(encoding="utf-8")
    (tmp_path / "rat-online.md").write_text((KB / "good" / "rat-online.md").read_text(), "utf-8")
    (tmp_path / "simpanan.md").write_text((KB / "good" / "simpanan.md").read_text(), "utf-8")
    long_title = good.replace('short_title = "Pembagian SHU"',
                              'short_title = "Pembagian sisa hasil usaha kepada para anggota koperasi"')
    (tmp_path / "shu-bagi.md").write_text(long_title, "utf-8")
    problems = check_knowledge_base(tmp_path, CATS)
    assert any("short_title is 55 characters (limit 40)" in p for p in problems), problems
    too_long = good.replace('short = "SHU dibagi sesuai keputusan RAT."', f'short = "{"x" * 501}"')
    (tmp_path / "shu-bagi.md").write_text(too_long, "utf-8")
    assert any("short is 501 characters (limit 500)" in p for p in check_knowledge_base(tmp_path, CATS))
    missing = good.replace('short = "SHU dibagi sesuai keputusan RAT."\n', "")
    (tmp_path / "shu-bagi.md").write_text(missing, "utf-8")
    assert any("required field 'short'" in p for p in check_knowledge_base(tmp_path, CATS))


def test_every_shipped_entry_has_phone_sized_title_and_answer():
    assert check_knowledge_base() == []
    for entry in load_entries():
        assert 0 < len(entry.short_title) <= 40 and 0 < len(entry.short_id) <= 500, entry.id
        assert entry.short_en and entry.short_title_en, entry.id
