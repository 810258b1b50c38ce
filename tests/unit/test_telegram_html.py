"""Telegram's HTML rules are written once (knowledge/telegram_html.py) and the three places that
write or check Telegram HTML agree with it: the FAQ loader, the broadcast sanitiser and the
Bot API emulator's parser."""
import pytest

from bot.broadcasts.text import InvalidText, clean_html
from bot.core.texts import Texts
from bot.emulator import HtmlError, parse_html
from bot.emulator.html import SUPPORTED_TAGS
from knowledge import loader, telegram_html
from knowledge.telegram_html import ATTRIBUTES, TAGS

pytestmark = pytest.mark.unit

SAMPLES = {
    "a": '<a href="https://dinas.bekasikab.go.id">x</a>',
    "span": '<span class="tg-spoiler">x</span>',
    "code": '<pre><code class="language-python">x</code></pre>',
    "blockquote": "<blockquote expandable>x</blockquote>",
    "tg-emoji": '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
}


def sample(tag):
    return SAMPLES.get(tag, f"<{tag}>x</{tag}>")


def test_one_definition():
    assert SUPPORTED_TAGS is TAGS
    assert set(loader.ALLOWED_TAGS) <= TAGS
    assert all(attrs <= ATTRIBUTES.get(tag, frozenset()) for tag, attrs in loader.ALLOWED_TAGS.items())


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_every_telegram_tag_parses_in_the_emulator(tag):
    parse_html(sample(tag))


@pytest.mark.parametrize("tag", sorted(TAGS - {"tg-emoji"}))
def test_what_the_broadcast_sanitiser_keeps_is_telegram_html(tag):
    cleaned = clean_html(f"Siaran {sample(tag)} selesai")
    text, entities = parse_html(cleaned)
    assert "x" in text and entities, cleaned


def test_the_sanitiser_refuses_custom_emoji_and_the_emulator_refuses_unknown_tags():
    with pytest.raises(InvalidText):
        clean_html(sample("tg-emoji"))
    with pytest.raises(HtmlError):
        parse_html("<div>x</div>")


def test_the_faq_subset_passes_all_three():
    faq = 'Lihat <b>RAT</b>, <i>AD/ART</i> dan <a href="https://ods.kemenkop.go.id">ODS</a> &amp; lainnya.'
    assert loader.html_problems(faq) == []
    parse_html(faq)
    assert clean_html(faq) == faq
    assert loader.html_problems("<u>garis</u>")  # Telegram HTML, but not in the FAQ subset


def test_named_entities_are_telegrams():
    assert parse_html("&lt;&gt;&amp;&quot;")[0] == "".join(telegram_html.NAMED_ENTITIES.values())
    assert loader.html_problems("&nbsp;")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_sanitiser_has_no_words_of_its_own(lang):
    """Its refusals are codes; the broadcast template words each one (no Indonesian in Python)."""
    with pytest.raises(InvalidText) as exc:
        clean_html('<a href="https://a.id">x <a href="https://b.id">y</a></a>')
    worded = Texts().render(lang, "broadcasts.invalid_text", code=exc.value.code, detail=exc.value.detail)
    assert ("tautan lain" if lang == "id" else "another link") in worded
    assert "di dalam" not in exc.value.detail
