"""The labelled question set (tests/kb_eval.tsv) and the accuracy targets on the shipped base."""
from pathlib import Path

import pytest

from knowledge.cli import cmd_check, cmd_eval
from knowledge.evaluate import evaluate, read_cases
from knowledge.loader import load_entries
from knowledge.matcher import Matcher
from knowledge.normalize import Lexicon, normalize_text

EVAL = Path(__file__).resolve().parents[1] / "kb_eval.tsv"


@pytest.fixture(scope="module")
def cases():
    return read_cases(EVAL)


@pytest.fixture(scope="module")
def entries():
    return load_entries()


@pytest.fixture(scope="module")
def matcher(entries):
    return Matcher.from_entries(entries)


def test_eval_set_composition(cases, entries, matcher):
    ids = {e.id for e in entries}
    in_scope = [c for c in cases if c.accept]
    out = [c for c in cases if not c.accept]
    assert len(cases) >= 230 and len(out) >= 25
    assert {a for c in in_scope for a in c.accept} <= ids
    assert {a for c in in_scope for a in c.accept} == ids  # every entry is asked about
    lex = Lexicon.load()

    def informal(question):
        return any((t in lex.slang and t not in lex.verbatim) or matcher.correct(t)
                   for t in normalize_text(question))
    assert sum(informal(c.question) for c in cases) >= len(cases) / 3
    questions = [" ".join(normalize_text(c.question)) for c in cases]
    assert len(set(questions)) == len(questions), "duplicate questions"


def test_eval_questions_are_not_entry_examples(cases, entries):
    def norm(text):
        return " ".join(normalize_text(text))
    examples = {norm(x) for e in entries for x in (*e.examples, *e.synonyms, e.title)}
    copies = [c.question for c in cases if norm(c.question) in examples]
    assert copies == []


def test_accuracy_targets(cases, matcher):
    report = evaluate(matcher, cases)
    assert report.top1 >= 0.90, report.misses
    assert report.top3 >= 0.97
    assert report.out_confident <= 0.05
    assert report.confident_precision >= 0.90   # a confident answer is nearly always right
    assert report.confident_in >= 0.60          # and most in-scope questions get one


def test_each_pipeline_part_helps_over_raw_bm25(cases, entries, matcher):
    full = evaluate(matcher, cases)
    raw = evaluate(Matcher.from_entries(entries, raw=True), cases)
    no_slang = evaluate(Matcher.from_entries(entries, slang=False), cases)
    assert full.top1 > no_slang.top1 > raw.top1
    assert full.top3 > raw.top3


def test_cmd_check_and_eval(capsys):
    assert cmd_check() == 0
    assert "knowledge base OK" in capsys.readouterr().out
    assert cmd_eval(str(EVAL)) == 0
    out = capsys.readouterr().out
    assert "top1" in out and "oos-conf" in out and "p99" in out
    assert cmd_eval("does-not-exist.tsv") == 1


def test_issue13_features_do_not_lose_on_the_tuning_sets(entries):
    """Focus weighting and character n-grams were kept because, on every set they were tuned on,
    the full matcher is at least as good as the issue-3 matcher (held-out sets are not used here)."""
    from knowledge.evaluate import FEATURES, read_cases
    sets = ["kb_eval", "kb_dev", "kb_dev2", "kb_long_dev"]
    cases = [c for name in sets for c in read_cases(EVAL.parent / f"{name}.tsv")]
    full = evaluate(Matcher(entries), cases)
    before = evaluate(Matcher(entries, **FEATURES["issue-3 matcher"]), cases)
    assert full.top1 >= before.top1 and full.top3 >= before.top3
    long = evaluate(Matcher(entries), read_cases(EVAL.parent / "kb_long_dev.tsv"))
    assert long.top1 >= 0.95 and long.top3 >= 0.97 and long.out_confident == 0.0


def test_no_labelled_set_is_pasted_into_the_entries(entries):
    """Held-out and development questions (real ones included) stay out of the entries. (kb_dev is a
    tuning set and one of its questions, "beda pengurus sm pengelola apa", was added to an entry as
    an example before issue 13; it is not checked here.)"""
    def norm(text):
        return " ".join(normalize_text(text))
    examples = {norm(x) for e in entries for x in (*e.examples, *e.synonyms, e.title)}
    for name in ("kb_dev2", "kb_holdout", "kb_long_dev", "kb_real"):
        copies = [c.question for c in read_cases(EVAL.parent / f"{name}.tsv") if norm(c.question) in examples]
        assert copies == [], name


def test_real_questions_carry_their_public_source():
    import csv
    with open(EVAL.parent / "kb_real.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows and all(r["source"].startswith("https://") and r["accept"] for r in rows)
