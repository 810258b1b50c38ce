"""/statistik: open and finished counts, median time to first answer, by service, category and
kecamatan, and the average rating. Plain Python over rows from storage.tickets."""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from bot.tickets.rules import OPEN
from storage.db import from_utc_text


@dataclass
class Group:
    open: int = 0
    done: int = 0
    answer_hours: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        return round(median(self.answer_hours), 1) if self.answer_hours else None

    def add(self, row: dict) -> None:
        if row["status"] in OPEN:
            self.open += 1
        else:
            self.done += 1
        if row.get("first_answer_at"):
            delta = from_utc_text(row["first_answer_at"]) - from_utc_text(row["created_at"])
            self.answer_hours.append(max(0.0, delta.total_seconds() / 3600))


@dataclass
class Stats:
    total: Group
    by_service: dict[str, Group]
    by_category: dict[str, Group]
    by_kecamatan: dict[str, Group]
    average_rating: float | None
    ratings: int


def compute(rows: list[dict]) -> Stats:
    """rows: dicts with service, category, status, created_at, first_answer_at, kecamatan, score."""
    total = Group()
    by: dict[str, dict[str, Group]] = {"service": {}, "category": {}, "kecamatan": {}}
    scores = []
    for row in rows:
        total.add(row)
        for key, groups in by.items():
            groups.setdefault(row[key], Group()).add(row)
        if row.get("score"):
            scores.append(row["score"])
    ordered = {k: dict(sorted(v.items())) for k, v in by.items()}
    return Stats(total, ordered["service"], ordered["category"], ordered["kecamatan"],
                 round(sum(scores) / len(scores), 2) if scores else None, len(scores))
