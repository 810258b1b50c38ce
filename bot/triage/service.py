"""FAQ triage, Telegram-free: from a question to what the manager sees.

Confident → the best entry's answer plus up to two related entries. Not confident → up to three
candidate entries and the way to a consultant. Also the FAQ browser's paging and the data behind
`python -m bot kb misses`. No SQL here (storage/triage.py), no Telegram (handlers/ask.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from bot.core.texts import TELEGRAM_TEXT_LIMIT, Texts, pick
from knowledge.chat import SmallTalk, off_topic, small_talk
from knowledge.loader import Category, Entry, load_categories, load_entries
from knowledge.matcher import Matcher, Result
from knowledge.normalize import normalize_text
from storage.db import Executor
from storage.triage import MissRow, TriageRepo

MAX_QUESTION = 1000   # longer questions: ask to shorten, or to use /konsultasi
MAX_RELATED = 2
MAX_CANDIDATES = 3
RANK_DEPTH = 5        # how many ranked ids the triage log keeps
PAGE_SIZE = 6         # entries per /faq page


@dataclass(frozen=True)
class Decision:
    question: str
    normalized: str
    confident: bool
    entry: Entry | None            # the answer, when confident
    related: tuple[Entry, ...]     # up to MAX_RELATED, when confident
    candidates: tuple[Entry, ...]  # up to MAX_CANDIDATES, when not confident
    ranked: tuple[tuple[str, float], ...]
    # "answer" | "candidates" | "two_topics" (candidates, the first two both asked about)
    # | "off_topic" (not about cooperatives: only the consultant)
    # | "small_talk" (greeting, thanks, ok: a friendly reply, nothing logged)
    kind: str = "answer"
    second: Entry | None = None    # a second topic the question also asks about
    chat: SmallTalk | None = None


@dataclass(frozen=True)
class Page:
    items: tuple
    number: int   # 0-based, clamped into range
    count: int    # number of pages (at least 1)

    @property
    def has_prev(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.count


class Knowledge:
    """The FAQ entries, their categories and the matcher, loaded once per process."""

    def __init__(self, entries: list[Entry], categories: list[Category], matcher: Matcher) -> None:
        self.entries = {e.id: e for e in entries}
        self.matcher = matcher
        used = {e.category for e in entries}
        self.categories = [c for c in categories if c.id in used]
        known = {c.id for c in self.categories}
        # entries whose category is not listed still get a home at the end
        self.categories += [Category(cid, cid, cid) for cid in sorted(used - known)]
        self._by_category: dict[str, list[Entry]] = {}
        for e in entries:
            self._by_category.setdefault(e.category, []).append(e)

    @classmethod
    def from_entries(cls, entries: list[Entry], categories: list[Category] | None = None) -> "Knowledge":
        return cls(entries, categories if categories is not None else load_categories(),
                   Matcher.from_entries(entries))

    def entry(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def in_category(self, category_id: str) -> list[Entry]:
        return list(self._by_category.get(category_id, ()))

    def related(self, entry: Entry, limit: int = MAX_RELATED) -> tuple[Entry, ...]:
        found = [self.entries[r] for r in entry.related if r in self.entries and r != entry.id]
        return tuple(found[:limit])

    def decide(self, question: str) -> Decision:
        normalized = normalize_question(question)
        chat = small_talk(question)
        if chat is not None:
            return Decision(question, normalized, False, None, (), (), (), "small_talk", chat=chat)
        result: Result = self.matcher.ask(question, k=RANK_DEPTH)
        ranked = tuple((m.id, float(m.score)) for m in result.matches)
        hits = [self.entries[m.id] for m in result.matches if m.id in self.entries]
        if result.confident and hits:
            best = hits[0]
            second = hits[1] if result.two_topics and len(hits) > 1 else None
            related = self.related(best)
            if second is not None:
                related = (second, *[r for r in related if r.id != second.id])[:MAX_RELATED]
            return Decision(question, normalized, True, best, related, (), ranked, "answer", second)
        # Clearly not about cooperatives ("resep nasi goreng", "cara perpanjang SIM"): the
        # ranking is noise, so offer only the consultant instead of unrelated titles.
        if not hits or off_topic(result):
            return Decision(question, normalized, False, None, (), (), ranked, "off_topic")
        # Two different entries both strong and the question asks twice: say so, both first.
        kind = "two_topics" if result.two_topics and len(hits) > 1 else "candidates"
        return Decision(question, normalized, False, None, (), tuple(hits[:MAX_CANDIDATES]), ranked, kind)


@lru_cache(maxsize=1)
def shipped_knowledge() -> Knowledge:
    """The shipped knowledge base (entries are read-only at run time, so one copy serves all)."""
    return Knowledge.from_entries(load_entries(), load_categories())


def normalize_question(question: str) -> str:
    """The key that groups repeated misses: case, punctuation, letter runs, reduplication."""
    words = normalize_text(question)
    return " ".join(words) if words else question.strip().lower()


def paginate(items: list, number: int, size: int = PAGE_SIZE) -> Page:
    count = max(1, math.ceil(len(items) / size))
    number = min(max(number, 0), count - 1)
    return Page(tuple(items[number * size:(number + 1) * size]), number, count)


def _versions(entry: Entry) -> dict[str, tuple[str, str, str, str, str | None] | None]:
    """The entry in each language it is written in, as (language, title, answer, short title,
    short answer): an entry is English only when its answer is, so a reader never gets an
    English title over Indonesian."""
    english = ("en", entry.title_en or entry.title, entry.answer_en,
               entry.short_title_en or entry.title_en or entry.title, entry.short_en) if entry.answer_en else None
    return {"id": ("id", entry.title, entry.answer_id, entry.short_title or entry.title, entry.short_id),
            "en": english}


def entry_title(entry: Entry, lang: str) -> str:
    """The short title for buttons and lists (whole words, at most 40 characters)."""
    return pick(_versions(entry), lang)[3]  # type: ignore[index]


def full_title(entry: Entry, lang: str) -> str:
    return pick(_versions(entry), lang)[1]  # type: ignore[index]


def category_title(category: Category, lang: str) -> str:
    return str(pick({"id": category.title, "en": category.title_en}, lang))


def render_entry(texts: Texts, lang: str, entry: Entry, short: bool = False) -> str:
    """An entry as a Telegram HTML message: title, answer (trusted HTML from the FAQ files),
    and its sources when they still fit in one message. English when asked for and written.
    ``short``: the phone-sized answer (what to do, the rule, the deadline) without sources."""
    written_in, title, answer, _, short_answer = pick(_versions(entry), lang)  # type: ignore[misc]
    if short:
        return texts.render(written_in, "ask.entry", sources=[], title=title, answer=Markup(short_answer or answer))
    values = dict(title=title, answer=Markup(answer))
    html = texts.render(written_in, "ask.entry", sources=list(entry.sources), **values)
    if len(html) > TELEGRAM_TEXT_LIMIT:
        html = texts.render(written_in, "ask.entry", sources=[], **values)
    return html


def has_more(entry: Entry, lang: str) -> bool:
    """Whether the full answer says more than the short one."""
    _, _, answer, _, short = pick(_versions(entry), lang)  # type: ignore[misc]
    return bool(short) and short != answer


async def misses(db: Executor, limit: int = 50) -> list[MissRow]:
    """Questions the knowledge base did not answer well, most frequent first."""
    return await TriageRepo(db).misses(limit)


__all__ = ["Decision", "Knowledge", "MAX_QUESTION", "Page", "category_title", "entry_title", "misses",
           "normalize_question", "paginate", "render_entry", "shipped_knowledge", "full_title", "has_more"]
