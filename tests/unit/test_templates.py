"""Every template is valid Telegram HTML: a stray '<id>' in a help text makes Telegram refuse
the whole message ("can't parse entities"), and the user gets an error instead of help."""
import re
from datetime import datetime, timezone
from importlib import resources

import pytest
from jinja2 import nodes

from bot.emulator import HtmlError, parse_html
from bot.core.texts import Texts
from knowledge.telegram_html import TAGS

pytestmark = pytest.mark.unit

TELEGRAM_TAGS = TAGS
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


# Dates, times and numbers are written by bot.core.formatting through the template filters
# (date, time, datetime, duration, money, decimal, percent, number, month), never by hand.
RAW_FORMATTING = {
    "strftime": re.compile(r"strftime"),
    "printf-style number (.1f, %02d)": re.compile(r"%[-0-9.]*[dfs]\b|\{:[^}]*[.,]\d*f?\}|\.\d+f\b"),
    "str.format of a number": re.compile(r"\"\{:[^\"]*\}\"\.format"),
    "round filter (use decimal/duration)": re.compile(r"\|\s*round\b"),
    "hand-swapped decimal sign": re.compile(r"replace\(\s*[\"'][.,][\"']\s*,\s*[\"'][.,][\"']\s*\)"),
    "hand-read date parts": re.compile(r"\.(weekday|isoweekday|tzname)\(\)|\.(hour|minute)\b"),
    "hand-written month names": re.compile(r"\"(Januari|January)\",\s*\"(Februari|February)\""),
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_hand_written_dates_or_numbers_in_templates(name):
    source = resources.files("bot").joinpath("templates", name).read_text(encoding="utf-8")
    found = [f"{what}: {m.group(0)!r}" for what, pattern in RAW_FORMATTING.items()
             for m in pattern.finditer(source)]
    assert not found, f"{name}: format through the filters of bot.core.texts: {found}"


def test_the_lint_catches_what_issue_11_saw():
    samples = ['{{ dt.strftime("%d-%m-%Y pukul %H:%M") }}', '{{ "%.1f" % x }}', '{{ "{:,}".format(x) }}',
               '{{ hours|round(1) }} jam', '{{ x|replace(".", ",") }}', '{{ "%02d.%02d" % (when.hour, when.minute) }}']
    for sample in samples:
        assert any(p.search(sample) for p in RAW_FORMATTING.values()), sample
    assert not any(p.search('{{ when|datetime }} {{ x|decimal(1) }} {{ 3|month }} <b>{{ n|number }}</b>')
                   for p in RAW_FORMATTING.values())


def test_each_command_is_described_once_per_language_in_menu_j2():
    """The menu, /bantuan and the handlers agree: a description lives in menu.j2 only."""
    from telegram.ext import CommandHandler

    from bot.app import JOURNEYS
    from bot.core.journeys import Journeys
    texts = Texts()
    journeys = Journeys.of(JOURNEYS)
    for command in {*journeys.private_commands, *journeys.staff_commands}:
        for lang in ("id", "en"):
            assert texts.plain(lang, "menu.describe", command=command) != command, (lang, command)
    for lang in ("id", "en"):
        help_text = texts.plain(lang, "onboarding.help")
        for command in journeys.private_commands:
            if f"/{command} — " in help_text:
                assert f"/{command} — {texts.plain(lang, 'menu.describe', command=command)}" in help_text
    described = {texts.plain("id", "menu.describe", command=c) for c in journeys.private_commands}
    for module in JOURNEYS:
        for handler in getattr(module, "HANDLERS", []):
            handler = handler[0] if isinstance(handler, tuple) else handler
            if isinstance(handler, CommandHandler):
                doc = (handler.callback.__doc__ or "").strip()
                assert doc not in described, f"{handler.callback.__name__}: menu text repeated in a docstring"


# trim_blocks drops the newline after any block tag, also one that closes a line of text:
# "📍 {{ place }}{% if agenda %}\n📝 Agenda" glued the agenda to the place. Such a tag ends in "+%}".
EATS_NEWLINE = re.compile(r"^(?:[^{\s]|\{\{).*\{%[^%]*[^+]%\}$")


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_line_of_text_loses_its_newline_to_a_block_tag(name):
    source = resources.files("bot").joinpath("templates", name).read_text(encoding="utf-8")
    eaten = [f"{n}: {line[-50:]}" for n, line in enumerate(source.split("\n"), start=1)
             if EATS_NEWLINE.match(line) and not line.endswith("endmacro %}")]
    assert not eaten, f"{name}: end these block tags with +%}} to keep the line break: {eaten}"


def test_lines_stay_apart():
    texts = Texts()
    preview = texts.render("id", "broadcasts.preview", audience="semua koperasi", count=0)
    assert preview.endswith("grup staf.\nBelum ada penerima untuk pilihan ini; silakan ubah penerima.")
    invitation = texts.render("id", "meetings.invitation_for_members", kind="rat", when=datetime(2026, 12, 3, 1,
                              tzinfo=timezone.utc), place="Aula", agenda="Laporan", organiser="Sari", cooperative="K")
    assert "📍 Aula\n📝 Agenda: Laporan\n\n" in invitation
