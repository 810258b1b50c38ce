"""Load and check the FAQ knowledge base (knowledge/entries/*.md, knowledge/data/categories.toml).

The entry format is the shared contract in knowledge/README.md: TOML front matter between two
lines that are exactly ``+++``, the Indonesian answer, optionally the English answer after a
line that is exactly ``<!-- en -->``. Pure Python: no Telegram, no database.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from knowledge.telegram_html import NAMED_ENTITIES, attributes

PACKAGE_DIR = Path(__file__).resolve().parent
ENTRIES_DIR = PACKAGE_DIR / "entries"
CATEGORIES_PATH = PACKAGE_DIR / "data" / "categories.toml"

FENCE = "+++"
EN_MARKER = "<!-- en -->"
SERVICES = ("preventif", "kuratif")
REQUIRED = ("id", "title", "category", "service", "examples")
MIN_EXAMPLES = 3
MAX_SHORT_TITLE = 40
MAX_SHORT = 500
TELEGRAM_LIMIT = 4096
# FAQ answers use a small subset of Telegram's HTML (knowledge/telegram_html.py): bold, italic, links.
ALLOWED_TAGS = {tag: attributes(tag) for tag in ("b", "i", "a")}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class KnowledgeError(ValueError):
    """An entry file that cannot be parsed at all."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    title_en: str
    category: str
    service: str
    examples: tuple[str, ...]
    synonyms: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[str, ...]
    answer_id: str
    answer_en: str
    # Phone-sized: a title for buttons and lists (<= MAX_SHORT_TITLE, whole words) and a short
    # answer shown first (<= MAX_SHORT: what to do, the rule, the deadline), per language.
    short_title: str = ""
    short_title_en: str = ""
    short_id: str = ""
    short_en: str = ""


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    title_en: str


def _split(text: str, name: str) -> tuple[dict, str, str]:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise KnowledgeError(f"{name}: does not start with a '+++' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise KnowledgeError(f"{name}: front matter has no closing '+++' line") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{name}: front matter is not valid TOML: {exc}") from None
    body = lines[end + 1:]
    marker = next((i for i, line in enumerate(body) if line.strip() == EN_MARKER), None)
    if marker is None:
        return meta, "\n".join(body).strip(), ""
    return meta, "\n".join(body[:marker]).strip(), "\n".join(body[marker + 1:]).strip()


def _strings(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def parse_entry(text: str, name: str = "<entry>") -> Entry:
    meta, answer_id, answer_en = _split(text, name)
    return Entry(
        id=str(meta.get("id", "")),
        title=str(meta.get("title", "")),
        title_en=str(meta.get("title_en", "")),
        category=str(meta.get("category", "")),
        service=str(meta.get("service", "")),
        examples=_strings(meta.get("examples")),
        synonyms=_strings(meta.get("synonyms")),
        related=_strings(meta.get("related")),
        sources=_strings(meta.get("sources")),
        answer_id=answer_id,
        answer_en=answer_en,
        short_title=str(meta.get("short_title", "")),
        short_title_en=str(meta.get("short_title_en", "")),
        short_id=str(meta.get("short", "")),
        short_en=str(meta.get("short_en", "")),
    )


def entry_files(path: str | Path | None = None) -> list[Path]:
    folder = Path(path) if path is not None else ENTRIES_DIR
    return sorted(p for p in folder.glob("*.md") if not p.name.startswith((".", "_")))


def load_entries(path: str | Path | None = None) -> list[Entry]:
    """All entries in ``path`` (default: the shipped knowledge/entries), sorted by file name.

    Raises KnowledgeError on a file that cannot be parsed; use check_knowledge_base to list
    every problem instead.
    """
    return [parse_entry(p.read_text(encoding="utf-8"), p.name) for p in entry_files(path)]


def load_categories(path: str | Path | None = None) -> list[Category]:
    file = Path(path) if path is not None else CATEGORIES_PATH
    if not file.exists():
        return []
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    return [Category(str(c.get("id", "")), str(c.get("title", "")), str(c.get("title_en", "")))
            for c in data.get("category", [])]


def render(title: str, answer: str) -> str:
    """The message a user gets: bold title, blank line, answer (what the 4096 limit applies to)."""
    return f"<b>{title}</b>\n\n{answer}"


class _HtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> not allowed (only b, i, a href)")
            return
        bad = [k for k, _ in attrs if k not in ALLOWED_TAGS[tag]]
        if bad:
            self.problems.append(f"<{tag}> has attributes not allowed: {', '.join(bad)}")
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.problems.append(f"self-closing <{tag}/> not allowed")

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag </{tag}> not allowed")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open tag")
        else:
            self.stack.pop()

    def handle_entityref(self, name):
        if name not in NAMED_ENTITIES:
            self.problems.append(f"entity &{name}; not supported by Telegram")


_BARE_AMP = re.compile(rf"&(?!(?:{'|'.join(NAMED_ENTITIES)}|#\d+|#x[0-9a-fA-F]+);)")
_BARE_LT = re.compile(rf"<(?!/?(?:{'|'.join(ALLOWED_TAGS)})\b)")


def html_problems(text: str) -> list[str]:
    """Problems with Telegram's HTML subset: allowed tags only, balanced, & and < escaped."""
    problems = []
    if _BARE_AMP.search(text):
        problems.append("bare '&' (write &amp;)")
    if _BARE_LT.search(text):
        problems.append("bare '<' or a tag that is not allowed (write &lt;)")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    problems += checker.problems
    if checker.stack:
        problems.append(f"unclosed tag(s): {', '.join('<' + t + '>' for t in checker.stack)}")
    return problems


def _entry_problems(entry: Entry, stem: str, categories: set[str]) -> list[str]:
    out = []
    if entry.id != stem:
        out.append(f"id '{entry.id}' differs from the file name '{stem}'")
    if entry.id and not ID_RE.match(entry.id):
        out.append(f"id '{entry.id}' is not lowercase-hyphen")
    for field in REQUIRED:
        if not getattr(entry, field):
            out.append(f"required field '{field}' is missing or empty")
    if entry.examples and len(entry.examples) < MIN_EXAMPLES:
        out.append(f"{len(entry.examples)} examples, need at least {MIN_EXAMPLES}")
    if entry.category and categories and entry.category not in categories:
        out.append(f"category '{entry.category}' does not exist")
    if entry.service and entry.service not in SERVICES:
        out.append(f"service '{entry.service}' is not one of {', '.join(SERVICES)}")
    if not entry.answer_id:
        out.append("Indonesian answer is empty")
    for lang, title, answer in (("id", entry.title, entry.answer_id),
                                ("en", entry.title_en or entry.title, entry.answer_en)):
        if not answer:
            continue
        size = len(render(title, answer))
        if size > TELEGRAM_LIMIT:
            out.append(f"{lang} title+answer is {size} characters (limit {TELEGRAM_LIMIT})")
        out += [f"{lang} answer: {p}" for p in html_problems(answer)]
    for name, value, required in (("short_title", entry.short_title, True),
                                  ("short_title_en", entry.short_title_en, bool(entry.answer_en))):
        if not value:
            if required:
                out.append(f"required field '{name}' is missing or empty")
        elif len(value) > MAX_SHORT_TITLE:
            out.append(f"{name} is {len(value)} characters (limit {MAX_SHORT_TITLE})")
        elif "<" in value or "\n" in value:
            out.append(f"{name} must be plain text on one line")
    for name, value, required in (("short", entry.short_id, True),
                                  ("short_en", entry.short_en, bool(entry.answer_en))):
        if not value:
            if required:
                out.append(f"required field '{name}' is missing or empty")
            continue
        if len(value) > MAX_SHORT:
            out.append(f"{name} is {len(value)} characters (limit {MAX_SHORT})")
        out += [f"{name}: {p}" for p in html_problems(value)]
    return out


def check_knowledge_base(path: str | Path | None = None,
                         categories_path: str | Path | None = None) -> list[str]:
    """Every problem in the knowledge base as 'file: problem' lines; empty when all is well."""
    problems: list[str] = []
    files = entry_files(path)
    if not files:
        return [f"{Path(path) if path else ENTRIES_DIR}: no entry files"]
    cats_file = Path(categories_path) if categories_path else CATEGORIES_PATH
    try:
        categories = {c.id for c in load_categories(cats_file)}
        if not categories:
            problems.append(f"{cats_file.name}: no categories")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        categories = set()
        problems.append(f"{cats_file.name}: cannot be read: {exc}")
    entries: list[tuple[str, Entry]] = []
    for file in files:
        try:
            entry = parse_entry(file.read_text(encoding="utf-8"), file.name)
        except (KnowledgeError, UnicodeDecodeError) as exc:
            problems.append(str(exc) if isinstance(exc, KnowledgeError) else f"{file.name}: {exc}")
            continue
        entries.append((file.name, entry))
        problems += [f"{file.name}: {p}" for p in _entry_problems(entry, file.stem, categories)]
    seen: dict[str, str] = {}
    for name, entry in entries:
        if entry.id in seen:
            problems.append(f"{name}: id '{entry.id}' also used by {seen[entry.id]}")
        seen.setdefault(entry.id, name)
    for name, entry in entries:
        for rel in entry.related:
            if rel not in seen:
                problems.append(f"{name}: related id '{rel}' does not exist")
            elif rel == entry.id:
                problems.append(f"{name}: related lists the entry itself")
    return problems
