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
from storage.db import Database
from storage.triage import MissRow

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


async def _load(settings: Settings, limit: int) -> list[MissRow]:
    db = await Database.open(settings.database_path)
    try:
        return await misses(db, limit)
    finally:
        await db.close()


def cmd_misses(settings: Settings, limit: int) -> int:
    path = settings.database_path
    if not path.exists():
        print(f"No database at {path} (DATABASE_PATH): nothing has been asked yet.", file=sys.stderr)
        return 1
    rows = asyncio.run(_load(settings, max(1, limit)))
    if not rows:
        print(f"No misses in {path}: every question so far was answered confidently and not marked unhelpful.")
        return 0
    print(format_misses(rows))
    print(f"\n{len(rows)} question(s); add their wording to the examples of the right entry, "
          "or write a new entry (knowledge/entries/).")
    return 0
