"""The knowledge base learns from the clinic's own work (issue 13). Telegram-free.

1. A consultant answers a ticket with an FAQ entry (`/faq <id>` in the staff group): the
   manager's question becomes a labelled candidate (``record_ticket_answer``).
2. `python -m bot kb misses` lists the candidates with their label, and `--tsv FILE` writes them
   as a TSV (columns: question, entry) for review: delete the rows that should not be learned,
   fix a label where the consultant's entry was only close.
3. `python -m bot kb learn FILE.tsv` adds the reviewed questions to the entries' `examples`
   (knowledge/entries/<id>.md, front matter rewritten in place), runs `kb check`, restores the
   files if the check fails, and marks the candidates learned.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import ENTRIES_DIR, FENCE, check_knowledge_base, parse_entry
from storage.db import Executor
from storage.triage import Candidate, CandidateRepo

MAX_EXAMPLE = 300   # a longer question is cut at a word boundary before it becomes an example


async def record_ticket_answer(db: Executor, *, ticket_id: int, question: str | None, entry_id: str,
                               triage_id: int | None = None) -> bool:
    """A consultant answered ticket ``ticket_id`` with ``entry_id``: keep the question as a candidate."""
    question = " ".join((question or "").split())
    if not question or question.startswith("/"):
        return False
    return await CandidateRepo(db).add(question=question, entry_id=entry_id, source=f"ticket:{ticket_id}",
                                       ticket_id=ticket_id, triage_id=triage_id)


def write_tsv(candidates: list[Candidate], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(["question", "entry"])
        for c in candidates:
            writer.writerow([" ".join(c.question.split()), c.entry_id])


def read_tsv(path: str | Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        return [(" ".join(r["question"].split()), r["entry"].strip()) for r in rows
                if (r.get("question") or "").strip() and (r.get("entry") or "").strip()]


def _clip(question: str) -> str:
    if len(question) <= MAX_EXAMPLE:
        return question
    return question[:MAX_EXAMPLE].rsplit(" ", 1)[0]


def add_examples(text: str, examples: list[str]) -> str:
    """The entry file with ``examples`` appended to its front-matter `examples` array."""
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    start = next((i for i in range(1, end) if lines[i].lstrip().startswith("examples")), None)
    new = [f"  {json.dumps(e, ensure_ascii=False)}," for e in examples]
    if start is None:
        lines[end:end] = ["examples = [", *new, "]"]
        return "\n".join(lines)
    if lines[start].rstrip().endswith("]"):  # one-line array: open it up
        head, _, rest = lines[start].partition("[")
        items = rest.rstrip()[:-1].strip()
        body = [f"  {items.rstrip(',')},"] if items else []
        lines[start:start + 1] = [f"{head}[", *body, *new, "]"]
        return "\n".join(lines)
    close = next(i for i in range(start + 1, end) if lines[i].strip() == "]")
    if close > start + 1 and not lines[close - 1].rstrip().endswith(","):
        lines[close - 1] = lines[close - 1].rstrip() + ","
    lines[close:close] = new
    return "\n".join(lines)


@dataclass(frozen=True)
class Learned:
    added: list[tuple[str, str]]        # (question, entry) now in the entries
    skipped: list[tuple[str, str, str]]  # (question, entry, why)
    problems: list[str]                  # kb check problems (files restored when any)


def learn(pairs: list[tuple[str, str]], entries_dir: str | Path | None = None) -> Learned:
    folder = Path(entries_dir) if entries_dir is not None else ENTRIES_DIR
    by_entry: dict[str, list[str]] = {}
    skipped: list[tuple[str, str, str]] = []
    added: list[tuple[str, str]] = []
    originals: dict[Path, str] = {}
    for question, entry_id in pairs:
        path = folder / f"{entry_id}.md"
        if not path.exists():
            skipped.append((question, entry_id, "no such entry"))
            continue
        if path not in originals:
            originals[path] = path.read_text(encoding="utf-8")
        known = {e.casefold() for e in parse_entry(originals[path], path.name).examples}
        example = _clip(question)
        if example.casefold() in known or example in by_entry.get(entry_id, []):
            skipped.append((question, entry_id, "already an example"))
            continue
        by_entry.setdefault(entry_id, []).append(example)
        added.append((question, entry_id))
    for entry_id, examples in by_entry.items():
        path = folder / f"{entry_id}.md"
        path.write_text(add_examples(originals[path], examples), encoding="utf-8")
    problems = check_knowledge_base(folder) if by_entry else []
    if problems:  # leave the knowledge base as it was
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        added = []
    return Learned(added, skipped, problems)
