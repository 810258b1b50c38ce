"""One sanitiser for text the bot takes from users and shows to others (issue 10, point 4).

Unicode bidirectional controls (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069,
the marks U+200E, U+200F and U+061C) make a name display reversed or swallow the text around
it ("Kopkar \u202eamaleS" shows as "Kopkar Selama"). Names of cooperatives, people and
companies never need them, so they are removed where such text is stored (onboarding, profile,
consent, consultants) and again where anything is rendered for others (Texts.render, topic
names), which also covers rows stored before this rule existed.
"""
from __future__ import annotations

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
_DELETE = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi(text: str) -> str:
    """`text` without bidi controls (everything else unchanged)."""
    return text.translate(_DELETE)


def clean_name(text: str | None) -> str | None:
    """A name as stored and shown: no bidi controls, single spaces, trimmed."""
    if text is None:
        return None
    return " ".join(strip_bidi(text).split())


__all__ = ["BIDI_CONTROLS", "strip_bidi", "clean_name"]
