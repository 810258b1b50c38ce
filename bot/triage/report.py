"""`python -m bot kb misses`: the questions the FAQ did not answer well, for the office to grow it.

Offline: reads DATABASE_PATH, needs no token. A miss is a question the matcher was not confident
about, or one the manager marked unhelpful or took to a consultant. Grouped by the normalised
question, most frequent first.
"""
from __future__ import annotations

import asyncio
import sys

from bot.core.settings import Settings
from bot.triage.service import misses
from bot.triage.learn import learn, read_tsv, write_tsv
from storage.db import Database
from storage.triage import Candidate, CandidateRepo, MissRow

QUESTION_WIDTH = 60


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def format_misses(rows: list[MissRow]) -> str:
    """A plain-text table: times asked, why it is a miss, the best guess, the latest wording."""
    header = ("TIMES", "NOT-CONF", "UNHELPFUL", "CONSULT", "LAST ASKED", "TOP GUESS", "ANSWERED BY", "QUESTION")
    table = [header]
    for r in rows:
        guess = f"{r.ranked[0][0]} ({r.ranked[0][1]:.2f})" if r.ranked else "-"
        table.append((str(r.count), str(r.not_confident), str(r.unhelpful), str(r.consultant),
                      r.last_asked[:10], guess, ",".join(r.answered_by) or "-",
                      _clip(r.example, QUESTION_WIDTH)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1] for row in table]
    return "\n".join(line.rstrip() for line in lines)


def format_candidates(rows: list[Candidate]) -> str:
    table = [("ID", "LABEL (ENTRY)", "FROM", "QUESTION")]
    table += [(str(c.id), c.entry_id, c.source, _clip(c.question, QUESTION_WIDTH)) for c in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    return "\n".join(("  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1]).rstrip()
                     for row in table)


async def _load(settings: Settings, limit: int) -> tuple[list[MissRow], list[Candidate]]:
    db = await Database.open(settings.database_path)
    try:
        return await misses(db, limit), await CandidateRepo(db).pending(limit)
    finally:
        await db.close()


def cmd_misses(settings: Settings, limit: int, tsv: str | None = None) -> int:
    path = settings.database_path
    if not path.exists():
        print(f"No database at {path} (DATABASE_PATH): nothing has been asked yet.", file=sys.stderr)
        return 1
    rows, candidates = asyncio.run(_load(settings, max(1, limit)))
    if candidates:
        print("Labelled by consultants (the entry they answered the ticket with):")
        print(format_candidates(candidates))
        if tsv:
            write_tsv(candidates, tsv)
            print(f"\n{len(candidates)} candidate(s) written to {tsv}: review it, then "
                  f"python -m bot kb learn {tsv}")
        print()
    if not rows:
        print(f"No misses in {path}: every question so far was answered confidently and not marked unhelpful.")
        return 0
    print(format_misses(rows))
    print(f"\n{len(rows)} question(s); add their wording to the examples of the right entry, "
          "or write a new entry (knowledge/entries/).")
    return 0


async def _mark_learned(settings: Settings, pairs: list[tuple[str, str]]) -> int:
    db = await Database.open(settings.database_path)
    try:
        return await CandidateRepo(db).mark_learned(pairs)
    finally:
        await db.close()


def cmd_learn(settings: Settings, tsv: str, entries_dir: str | None = None) -> int:
    """Add the reviewed questions of ``tsv`` (question, entry) to the entries' examples, run the
    knowledge-base check, and mark the candidates learned."""
    try:
        pairs = read_tsv(tsv)
    except (OSError, KeyError) as exc:
        print(f"{tsv}: cannot read it as a TSV with columns question, entry ({exc})", file=sys.stderr)
        return 1
    result = learn(pairs, entries_dir)
    for question, entry_id, why in result.skipped:
        print(f"skipped ({why}): {entry_id}: {_clip(question, QUESTION_WIDTH)}")
    if result.problems:
        for problem in result.problems:
            print(problem)
        print("kb check failed: nothing was changed", file=sys.stderr)
        return 1
    marked = asyncio.run(_mark_learned(settings, result.added)) if settings.database_path.exists() else 0
    print(f"added {len(result.added)} example(s); knowledge base OK; {marked} candidate(s) marked learned")
    return 0
