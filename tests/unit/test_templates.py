"""Every template is valid Telegram HTML: a stray '<id>' in a help text makes Telegram refuse
the whole message ("can't parse entities"), and the user gets an error instead of help."""
import re
from importlib import resources

import pytest
from jinja2 import nodes

from bot.emulator import HtmlError, parse_html
from bot.core.texts import Texts

pytestmark = pytest.mark.unit

TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}
TEMPLATES = sorted(f"{lang}/{item.name}" for lang in ("id", "en")
                   for item in resources.files("bot").joinpath("templates", lang).iterdir()
                   if item.name.endswith(".j2"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_only_telegram_tags_in_template_source(name):
    source = resources.files("bot").joinpath("templates", name).read_text(encoding="utf-8")
    tags = set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9-]*)", source))
    assert tags <= TELEGRAM_TAGS, f"{name}: not Telegram HTML: {sorted(tags - TELEGRAM_TAGS)}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_macros_without_arguments_render_to_valid_telegram_html(name):
    texts = Texts()
    lang, journey = name.split("/")[0], name.split("/")[1].removesuffix(".j2")
    tree = texts.env.parse(texts.env.loader.get_source(texts.env, name)[0])
    rendered = 0
    for macro in tree.find_all(nodes.Macro):
        if macro.args or macro.name.startswith("_"):
            continue
        html = texts.render(lang, f"{journey}.{macro.name}")
        try:
            parse_html(html)
        except HtmlError as exc:
            pytest.fail(f"{name}:{macro.name}: {exc}")
        rendered += 1
    assert rendered or journey in {"labels", "menu"}
