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
        result: Result = self.matcher.ask(question, k=RANK_DEPTH)
        ranked = tuple((m.id, float(m.score)) for m in result.matches)
        hits = [self.entries[m.id] for m in result.matches if m.id in self.entries]
        normalized = normalize_question(question)
        if result.confident and hits:
            best = hits[0]
            return Decision(question, normalized, True, best, self.related(best), (), ranked)
        # Not one word of the question is FAQ vocabulary ("harga emas hari ini"): the ranking is
        # noise, so offer only the consultant instead of unrelated titles.
        off_topic = result.signals.get("coverage", 1.0) <= 0.0
        candidates = () if off_topic else tuple(hits[:MAX_CANDIDATES])
        return Decision(question, normalized, False, None, (), candidates, ranked)


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


def _versions(entry: Entry) -> dict[str, tuple[str, str, str] | None]:
    """The entry in each language it is written in, as (language, title, answer): an entry is
    English only when its answer is, so a reader never gets an English title over Indonesian."""
    english = ("en", entry.title_en or entry.title, entry.answer_en) if entry.answer_en else None
    return {"id": ("id", entry.title, entry.answer_id), "en": english}


def entry_title(entry: Entry, lang: str) -> str:
    return pick(_versions(entry), lang)[1]  # type: ignore[index]


def category_title(category: Category, lang: str) -> str:
    return str(pick({"id": category.title, "en": category.title_en}, lang))


def render_entry(texts: Texts, lang: str, entry: Entry) -> str:
    """An entry as a Telegram HTML message: title, answer (trusted HTML from the FAQ files),
    and its sources when they still fit in one message. English when asked for and written."""
    written_in, title, answer = pick(_versions(entry), lang)  # type: ignore[misc]
    values = dict(title=title, answer=Markup(answer))
    html = texts.render(written_in, "ask.entry", sources=list(entry.sources), **values)
    if len(html) > TELEGRAM_TEXT_LIMIT:
        html = texts.render(written_in, "ask.entry", sources=[], **values)
    return html


async def misses(db: Executor, limit: int = 50) -> list[MissRow]:
    """Questions the knowledge base did not answer well, most frequent first."""
    return await TriageRepo(db).misses(limit)


__all__ = ["Decision", "Knowledge", "MAX_QUESTION", "Page", "category_title", "entry_title", "misses",
           "normalize_question", "paginate", "render_entry", "shipped_knowledge"]
