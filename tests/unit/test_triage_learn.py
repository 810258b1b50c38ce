"""bot/triage/learn.py: examples appended to an entry's front matter, check-or-restore."""
import shutil

from bot.triage.learn import add_examples, learn, read_tsv, write_tsv
from knowledge.loader import ENTRIES_DIR, parse_entry
from storage.triage import Candidate


def test_add_examples_to_multi_line_and_one_line_arrays():
    multi = '+++\nid = "x"\nexamples = [\n  "satu",\n  "dua"\n]\n+++\nJawab.'
    out = parse_entry(add_examples(multi, ['tiga "kutip"', "empat"]), "x.md")
    assert out.examples == ("satu", "dua", 'tiga "kutip"', "empat") and out.answer_id == "Jawab."
    one = '+++\nid = "x"\nexamples = ["satu", "dua"]\nrelated = []\n+++\nJawab.'
    assert parse_entry(add_examples(one, ["tiga"]), "x.md").examples == ("satu", "dua", "tiga")
    none = '+++\nid = "x"\n+++\nJawab.'
    assert parse_entry(add_examples(none, ["satu"]), "x.md").examples == ("satu",)


def test_learn_adds_skips_and_restores_on_a_failed_check(tmp_path):
    entries = tmp_path / "entries"
    shutil.copytree(ENTRIES_DIR, entries)
    result = learn([("rat kami telat 2 bulan, kena apa", "rat-sanksi"), ("x", "tidak-ada"),
                    ("min rat boleh lewat zoom gk?", "rat-daring")], entries)
    assert result.added == [("rat kami telat 2 bulan, kena apa", "rat-sanksi")] and result.problems == []
    assert [why for *_, why in result.skipped] == ["no such entry", "already an example"]
    assert "rat kami telat 2 bulan, kena apa" in (entries / "rat-sanksi.md").read_text(encoding="utf-8")

    broken = (entries / "rat-kuorum.md").read_text(encoding="utf-8").replace('related = [', 'related = ["hilang", ')
    (entries / "rat-kuorum.md").write_text(broken, encoding="utf-8")
    before = (entries / "rat-daring.md").read_text(encoding="utf-8")
    failed = learn([("rapat tahunan via gmeet sah?", "rat-daring")], entries)
    assert failed.added == [] and any("hilang" in p for p in failed.problems)
    assert (entries / "rat-daring.md").read_text(encoding="utf-8") == before  # restored


def test_tsv_round_trip(tmp_path):
    path = tmp_path / "c.tsv"
    write_tsv([Candidate(1, "gmn  cara\trat", "rat-daring", "ticket:1", 1, "new", "2026")], path)
    assert read_tsv(path) == [("gmn cara rat", "rat-daring")]
