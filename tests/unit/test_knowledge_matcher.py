"""Matcher behaviour on small fixture entries: typos, confident flag, switches, CLI output."""
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from knowledge.cli import cmd_ask
from knowledge.loader import load_entries
from knowledge.matcher import Calibration, Match, Matcher, Result

KB = Path(__file__).resolve().parents[1] / "fixtures" / "kb" / "good"


@pytest.fixture(scope="module")
def entries():
    return load_entries(KB)


@pytest.fixture(scope="module")
def matcher(entries):
    return Matcher.from_entries(entries)


def test_result_shape(matcher):
    result = matcher.ask("rat online boleh?", k=2)
    assert isinstance(result, Result) and result.query == "rat online boleh?"
    assert all(isinstance(m, Match) and isinstance(m.score, float) for m in result.matches)
    assert len(result.matches) <= 2
    assert [m.score for m in result.matches] == sorted((m.score for m in result.matches),
                                                       reverse=True)
    assert result.matches[0].id == "rat-online" and result.matches[0].title == "RAT secara daring"


@pytest.mark.parametrize("question, expected", [
    ("Apakah rapat anggota tahunan boleh lewat video conference?", "rat-online"),
    ("gmn cara rat lwt gmeet", "rat-online"),
    ("sisa hasil usaha dibagiin kapan", "shu-bagi"),
    ("SHU", "shu-bagi"),
    ("iuran wajib anggota", "simpanan"),
])
def test_finds_the_entry(matcher, question, expected):
    assert matcher.ask(question).matches[0].id == expected


def test_typo_is_corrected_towards_known_words(matcher):
    assert matcher.correct("simpnan") in {"simpanan", "simpan"}
    assert matcher.correct("sukarla") == "sukarela"
    assert matcher.correct("simpanan") is None          # known word
    assert matcher.correct("harga") is None             # dictionary word, not a typo
    assert matcher.correct("paspor") is None            # nothing close
    assert matcher.ask("simpnan sukarla").matches[0].id == "simpanan"


def test_typo_switch(entries):
    off = Matcher.from_entries(entries, typos=False, char_weight=0.0)  # word level only
    assert off.ask("simpnan sukarla").matches == []
    assert Matcher.from_entries(entries).ask("simpnan sukarla").matches


def test_slang_switch_changes_terms(entries):
    assert "gmn" in Matcher.from_entries(entries, slang=False).ask("gmn rat").terms
    assert "gmn" not in Matcher.from_entries(entries).ask("gmn rat").terms


def test_raw_baseline_matches_raw_words_only(entries):
    raw = Matcher.from_entries(entries, raw=True)
    assert raw.ask("rat online").matches[0].id == "rat-online"
    assert raw.ask("sisa hasil usaha").matches[0].id == "shu-bagi"
    assert raw.ask("SHU dibagiin").matches[0].id == "shu-bagi"       # 'shu' is a raw word
    assert raw.ask("gmn rat").terms == ("gmn", "rat")


def test_confident_only_for_clear_domain_questions(matcher):
    assert matcher.ask("rat boleh online gk").confident
    for question in ["harga emas hari ini", "cara bikin paspor", "resep rendang", "", "?!",
                     "halo min"]:
        assert not matcher.ask(question).confident, question


def test_each_calibration_gate_can_withhold_confidence(entries):
    question = "rat boleh online gk"
    for gate in [Calibration(min_ratio=0.99), Calibration(min_coverage=1.01),
                 Calibration(min_margin=0.99)]:
        assert not Matcher(entries, calibration=gate).ask(question).confident
    signals = Matcher(entries).ask(question).signals
    assert set(signals) == {"ratio", "coverage", "margin"}
    assert all(0.0 <= v <= 1.0 for v in signals.values())


def test_empty_question(matcher):
    result = matcher.ask("   ")
    assert result.matches == [] and not result.confident


def test_concurrent_asks_give_the_same_answers(matcher):
    questions = ["rat online", "simpnan wajib", "shu kapan dibagi", "paspor"] * 50
    expected = [matcher.ask(q).as_dict() for q in questions]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: matcher.ask(q).as_dict(), questions))
    assert got == expected


def test_cmd_ask_json_on_the_shipped_base(capsys):
    assert cmd_ask("gmn cara RAT online min?", 3, True) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"query", "confident", "matches"}
    assert data["query"] == "gmn cara RAT online min?" and data["confident"] is True
    assert data["matches"][0]["id"] == "rat-daring" and len(data["matches"]) == 3
    assert all(set(m) == {"id", "title", "score"} for m in data["matches"])


def test_cmd_ask_text(capsys):
    assert cmd_ask("harga emas hari ini", 2, False) == 0
    out = capsys.readouterr().out
    assert "confident: no" in out


def test_adjacent_terms_add_a_phrase_bonus(entries):
    with_pairs = Matcher.from_entries(entries)
    without = Matcher.from_entries(entries, bigram_weight=0.0)
    assert any(" " in t for t in with_pairs.postings) and not any(" " in t for t in without.postings)
    question = "rat online boleh?"
    assert with_pairs.ask(question).matches[0].score > without.ask(question).matches[0].score


def test_negated_terms_rank_but_do_not_count_in_the_signals(matcher):
    plain, negated = matcher.ask("shu dibagi"), matcher.ask("shu gk dibagi")
    assert "tidak_bagi" in negated.terms
    assert negated.signals["coverage"] == plain.signals["coverage"]
