"""Telegram's HTML parse mode, the rules: which tags exist, their synonyms, the attributes each
takes, the entity a formatting tag becomes, and the named character references Telegram decodes.

One definition for every place that writes or checks Telegram HTML: the FAQ loader
(knowledge/loader.py, which allows a subset), the broadcast sanitiser (bot/broadcasts/service.py)
and the Bot API emulator's parser (bot/emulator/html.py), and the template tests. It lives in
knowledge/ because that is the lowest package that needs it: knowledge/ may not import from bot/,
and bot/ may import from knowledge/. It imports nothing of the project.

Source: https://core.telegram.org/bots/api#html-style and TDLib's parse_html.
"""
from __future__ import annotations

# Formatting tags and the entity type each becomes; synonyms map to the same entity.
ENTITY_TYPES: dict[str, str] = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",  # <span class="tg-spoiler">
    "blockquote": "blockquote",
}
# Tags whose entity needs more than the tag (a link, code with a language, a custom emoji).
SPECIAL_TAGS = frozenset({"a", "code", "pre", "tg-emoji"})
TAGS = frozenset(ENTITY_TYPES) | SPECIAL_TAGS

# The attributes Telegram reads; any other attribute is ignored by Telegram.
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),        # class="language-python" inside <pre>
    "span": frozenset({"class"}),        # class="tg-spoiler", required
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
SPOILER_CLASS = "tg-spoiler"
LANGUAGE_PREFIX = "language-"

# Named character references Telegram decodes; numeric ones (&#38; &#x26;) are decoded too.
NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_CANONICAL = {"strong": "b", "em": "i", "ins": "u", "strike": "s", "del": "s"}


def canonical(tag: str) -> str:
    """The short name of a tag with synonyms: strong -> b, em -> i, ins -> u, strike/del -> s."""
    return _CANONICAL.get(tag, tag)


def attributes(tag: str) -> frozenset[str]:
    return ATTRIBUTES.get(tag, frozenset())


__all__ = ["ATTRIBUTES", "ENTITY_TYPES", "LANGUAGE_PREFIX", "NAMED_ENTITIES", "SPECIAL_TAGS", "SPOILER_CLASS",
           "TAGS", "attributes", "canonical"]
