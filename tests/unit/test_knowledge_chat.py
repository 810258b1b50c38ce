"""Small talk and off-topic messages (knowledge/chat.py), measured on the labelled sets."""
from pathlib import Path

import pytest

from knowledge.chat import off_topic, small_talk
from knowledge.evaluate import read_cases
from knowledge.matcher import Matcher

TESTS = Path(__file__).resolve().parents[1]
SETS = ["kb_eval", "kb_dev", "kb_dev2", "kb_long_dev", "kb_holdout"]


@pytest.fixture(scope="module")
def matcher():
    return Matcher.load()


@pytest.mark.parametrize("text, kind, lang", [
    ("assalamualaikum", "greeting", "id"), ("Assalamu'alaikum wr wb", "greeting", "id"),
    ("pagi min", "greeting", "id"), ("halo min, mau tanya", "greeting", "id"),
    ("makasih min 🙏", "thanks", "id"), ("Terima kasih banyak atas infonya pak", "thanks", "id"),
    ("🙏", "thanks", "id"), ("👍", "ack", "id"), ("ok siap", "ack", "id"), ("oke min", "ack", "id"),
    ("ok", "ack", "id"), ("okay", "ack", "id"), ("thank you", "thanks", "en"), ("good morning", "greeting", "en"), ("ok noted", "ack", "en"),
])
def test_small_talk(text, kind, lang):
    found = small_talk(text)
    assert found is not None and (found.kind, found.lang) == (kind, lang)


@pytest.mark.parametrize("text", ["ok siap, rat online boleh?", "makasih, terus shu kapan dibagi",
                                  "pagi min, simpanan wajib bisa ditarik gk", "", "rat", "?"])
def test_questions_are_not_small_talk(text):
    assert small_talk(text) is None


def test_no_labelled_question_is_small_talk():
    for name in SETS:
        for case in read_cases(TESTS / f"{name}.tsv"):
            assert small_talk(case.question) is None, case.question


@pytest.mark.parametrize("text", ["cara perpanjang SIM", "resep nasi goreng",
                                  "Cara perpanjang SIM yang sudah mati bagaimana ya?",
                                  "harga emas hari ini", "jadwal krl bekasi ke jakarta"])
def test_off_topic(matcher, text):
    assert off_topic(matcher.ask(text))


def test_no_in_scope_question_is_off_topic_and_most_out_of_scope_are(matcher):
    flagged_out = total_out = 0
    for name in SETS:
        for case in read_cases(TESTS / f"{name}.tsv"):
            result = matcher.ask(case.question)
            if case.accept:
                assert not off_topic(result), case.question
            else:
                total_out += 1
                flagged_out += off_topic(result)
    assert flagged_out / total_out >= 0.6, (flagged_out, total_out)
