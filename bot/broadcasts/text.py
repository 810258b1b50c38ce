"""The text an admin may broadcast: Telegram HTML that cannot break a send (known tags only,
balanced, stray <, > and & escaped). Telegram-free; the tag rules themselves are defined once in
knowledge/telegram_html.py."""
from __future__ import annotations

import html
import re

from knowledge.telegram_html import LANGUAGE_PREFIX, SPOILER_CLASS, TAGS, canonical

MAX_VISIBLE = 3800  # the admin's text; the header and Telegram's 4096 must still fit


class InvalidText(ValueError):
    """The admin's text cannot be sent; `code` names the template, `detail` what was wrong."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
# Tags kept as they are (synonyms shortened); <a> and <span> are checked on their own below, and a
# custom emoji (<tg-emoji>) is refused: only bots with a paid username may send one.
_SIMPLE = {tag: canonical(tag) for tag in TAGS - {"a", "span", "tg-emoji"}}
_URL_SCHEMES = ("http://", "https://", "tg://")


def clean_html(text: str) -> str:
    """Telegram HTML that cannot break a send: known tags only (bold, italic, underline,
    strike, spoiler, code, quote, links), balanced, every stray <, > and & escaped.
    Raises InvalidText for what the admin should fix (an unknown tag, an unclosed tag...)."""
    out: list[str] = []
    stack: list[str] = []
    visible = 0
    pos = 0
    for m in _TAG.finditer(text):
        segment = text[pos:m.start()]
        visible += len(html.unescape(segment))
        out.append(_escape_text(segment))
        pos = m.end()
        closing, name, attrs, self_closing = m.group(1) == "/", m.group(2).lower(), m.group(3), m.group(4)
        if name == "br" and not closing:
            out.append("\n")
            visible += 1
            continue
        if self_closing:
            raise InvalidText("bad_tag", f"<{name}/>")
        if closing:
            tag = _SIMPLE.get(name) or (name if name in ("a", "span") else None)
            if tag is None:
                raise InvalidText("bad_tag", f"</{name}>")
            if not stack or stack[-1] != tag:
                raise InvalidText("unbalanced", f"</{name}>")
            stack.pop()
            out.append(f"</{tag}>")
        else:
            tag, rendered = _opening(name, attrs)
            if tag == "a" and "a" in stack:
                raise InvalidText("nested_link", "<a>")
            stack.append(tag)
            out.append(rendered)
    segment = text[pos:]
    visible += len(html.unescape(segment))
    out.append(_escape_text(segment))
    if stack:
        raise InvalidText("unclosed", f"<{stack[-1]}>")
    result = "".join(out).strip()
    if not re.sub(r"<[^>]*>", "", result).strip():
        raise InvalidText("empty")
    if visible > MAX_VISIBLE:
        raise InvalidText("too_long", str(visible))
    return result


def _escape_text(segment: str) -> str:
    return html.escape(html.unescape(segment), quote=False)


def _opening(name: str, attrs: str) -> tuple[str, str]:
    values = {a.group(1).lower(): next((g for g in a.groups()[1:] if g is not None), "")
              for a in _ATTR.finditer(attrs)}
    if name in _SIMPLE:
        tag = _SIMPLE[name]
        if tag == "code" and values.get("class", "").startswith(LANGUAGE_PREFIX):
            return tag, f'<code class="{html.escape(values["class"])}">'
        if tag == "blockquote" and "expandable" in values:
            return tag, "<blockquote expandable>"
        return tag, f"<{tag}>"
    if name == "span" and values.get("class") == SPOILER_CLASS:
        return "span", f'<span class="{SPOILER_CLASS}">'
    if name == "a":
        href = html.unescape(values.get("href", "")).strip()
        if not href.lower().startswith(_URL_SCHEMES) or any(c in href for c in " <>\"'"):
            raise InvalidText("bad_link", href or "<a>")
        return "a", f'<a href="{html.escape(href)}">'
    raise InvalidText("bad_tag", f"<{name}>")
