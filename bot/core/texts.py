"""User-facing text: Jinja2 macros per journey and language, rendered for Telegram HTML.

`texts.render("id", "onboarding.welcome", name=...)` calls macro `welcome` in
templates/id/onboarding.j2. Autoescaping makes user text safe inside a message; StrictUndefined
turns a missing variable into an error in tests instead of an empty hole in a user's message.
A macro missing in English falls back to Indonesian, the clinic's first language.

Dates, times, durations, money and numbers are written by `bot.core.formatting` (Babel), reached
from every template through filters; a filter formats in the language of the template it is
written in (templates/id/... in Indonesian), so a template never passes the language around:

    {{ when|datetime }}       Kamis, 3 Desember 2026 pukul 08.00 WIB (joined by labels.at_time)
    {{ when|date }}           3 Desember 2026          (styles: full, medium, short, month)
    {{ when|time }}           08.00 WIB
    {{ hours|duration }}      1,5 jam / 45 menit / < 1 menit   (unit="minute"/"day" for other numbers)
    {{ amount|money }}        Rp 8.500.000.000
    {{ score|decimal(2) }}    78,98                    (trim=True drops trailing zeros)
    {{ ratio|percent }}       13%
    {{ count|number }}        1.234
    {{ size|filesize }}       12,3 MB
    {{ 3|month }}             Maret

Words that live in data files (the health table, the governance questionnaire, the obligation
calendar, FAQ entries) come in both languages, as `x_id`/`x_en` fields or an {"id": .., "en": ..}
mapping; the `local` filter picks the template's language (`{{ step|local("label") }}`,
`{{ titles|local }}`), falling back to Indonesian. `pick` is the same rule for the few places
outside a template (button labels, a chart), so no module switches on the language itself.
"""
from __future__ import annotations

import html
import re

from collections.abc import Callable, Mapping
from datetime import tzinfo

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from bot.core import formatting
from bot.core.sanitize import strip_bidi
from bot.core.settings import LANGUAGES

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
_BLANK_RUNS = re.compile(r"\n{3,}")


class Texts:
    def __init__(self, default_language: str = "id", tz: tzinfo = formatting.CLINIC_ZONE) -> None:
        self.default_language = default_language
        self.tz = tz
        self.env = Environment(
            loader=PackageLoader("bot", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(self._filters())

    # ---- formatting filters ------------------------------------------------------------------
    def _lang_of(self, context: Context) -> str:
        folder = (context.name or "").partition("/")[0]
        return folder if folder in LANGUAGES else self.default_language

    def _filters(self) -> dict[str, Callable]:
        tz = self.tz

        def localised(fn: Callable) -> Callable:
            return pass_context(lambda context, value, *args, **kwargs: fn(value, self._lang_of(context),
                                                                            *args, **kwargs))

        return {
            "date": localised(lambda v, lang, style="long": formatting.format_date(v, lang, style, tz)),
            "time": localised(lambda v, lang, zone=True: formatting.format_time(v, lang, tz, zone)),
            "datetime": localised(lambda v, lang, style="full": self.datetime(lang, v, style)),
            "duration": localised(formatting.format_duration),
            "money": localised(formatting.format_money),
            "decimal": localised(formatting.format_decimal),
            "percent": localised(formatting.format_percent),
            "number": localised(formatting.format_number),
            "filesize": localised(formatting.format_size),
            "month": localised(formatting.month_name),
            "local": localised(lambda v, lang, field=None: pick(v, lang, field, self.default_language)),
        }

    def datetime(self, lang: str, value: object, style: str = "full") -> str:
        """"Kamis, 3 Desember 2026 pukul 08.00 WIB": the parts from `formatting`, the joining word
        from the language's `labels.at_time`."""
        day, clock = formatting.datetime_parts(value, lang, style, self.tz)  # type: ignore[arg-type]
        return self.plain(lang, "labels.at_time", date=day, time=clock)

    def format(self, lang: str, kind: str, value: object, *args: object, **kwargs: object) -> str:
        """The filter `kind` applied outside a template (e.g. a chart's labels, a button)."""
        return self.env.filters[kind](_LangContext(lang), value, *args, **kwargs)

    def _macro(self, lang: str, name: str):
        journey, _, macro = name.partition(".")
        if not macro:
            raise ValueError(f"text names are 'journey.macro', got {name!r}")
        for candidate in dict.fromkeys((lang if lang in LANGUAGES else self.default_language, "id")):
            try:
                module = self.env.get_template(f"{candidate}/{journey}.j2").module
            except TemplateNotFound:
                continue
            found = getattr(module, macro, None)
            if found is not None:
                return found
        raise KeyError(f"no text {name!r} for language {lang!r}")

    def render(self, lang: str, name: str, /, **values: object) -> str:
        """HTML for parse_mode=HTML: everything passed in is escaped."""
        out = strip_bidi(str(self._macro(lang, name)(**values))).strip()  # user text never reorders ours
        return _BLANK_RUNS.sub("\n\n", out)

    def plain(self, lang: str, name: str, /, **values: object) -> str:
        """Text for places Telegram does not parse as HTML (button labels, topic names)."""
        rendered = self.render(lang, name, **values)
        return Markup(rendered).striptags() if "<" in rendered else html.unescape(rendered)


def pick(value: object, lang: str, field: str | None = None, default: str = "id") -> object:
    """The `lang` version of a bilingual value, else the `default` language's.

    `value` is a mapping {"id": ..., "en": ...}, or an object with `<field>_id`/`<field>_en`
    attributes (a plain `<field>` attribute is the Indonesian one, as in FAQ entries); anything
    else is returned as it is (text that exists in one language only)."""
    if field is None:
        if isinstance(value, Mapping):
            return value.get(lang) or value.get(default)
        return value
    for name in (f"{field}_{lang}", f"{field}_{default}", field):
        found = getattr(value, name, None)
        if found:
            return found
    return None


class _LangContext:
    """Stands in for a template's context when a filter is called from Python."""

    def __init__(self, lang: str) -> None:
        self.name = f"{lang}/"


def escape(text: object) -> str:
    return str(Markup.escape(text))


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split at paragraph boundaries, then lines, so no part exceeds Telegram's limit."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        pieces = [block] if len(block) <= limit else _split_block(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _split_block(block: str, limit: int) -> list[str]:
    out, current = [], ""
    for line in block.split("\n"):
        while len(line) > limit:  # a single enormous line: cut on a space if possible
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out
