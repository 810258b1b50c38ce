"""User-facing text: Jinja2 macros per journey and language, rendered for Telegram HTML.

`texts.render("id", "onboarding.welcome", name=...)` calls macro `welcome` in
templates/id/onboarding.j2. Autoescaping makes user text safe inside a message; StrictUndefined
turns a missing variable into an error in tests instead of an empty hole in a user's message.
A macro missing in English falls back to Indonesian, the clinic's first language.
"""
from __future__ import annotations

import html
import re

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup

from bot.core.sanitize import strip_bidi
from bot.core.settings import LANGUAGES

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
_BLANK_RUNS = re.compile(r"\n{3,}")


class Texts:
    def __init__(self, default_language: str = "id") -> None:
        self.default_language = default_language
        self.env = Environment(
            loader=PackageLoader("bot", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

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
