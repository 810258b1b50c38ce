"""Which backups to keep: the newest of each of the last KEEP_DAILY days that have one, and the
newest of each of the last KEEP_WEEKLY ISO weeks that have one (days and weeks in UTC, as the
names). Everything else of ours in the folder is deleted; other files are never touched."""
from __future__ import annotations

from pathlib import Path

from storage.backup import BackupFile, list_backups


def to_keep(backups: list[BackupFile], keep_daily: int, keep_weekly: int) -> set[Path]:
    newest_first = sorted(backups, key=lambda b: (b.taken_at, b.path.name), reverse=True)
    keep: set[Path] = set()
    days: list = []
    weeks: list = []
    for b in newest_first:
        day = b.taken_at.date()
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(b.path)
        week = b.taken_at.isocalendar()[:2]
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(b.path)
    return keep


def prune(directory: Path, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Delete the backups retention does not keep; returns the deleted paths."""
    backups = list_backups(directory)
    keep = to_keep(backups, keep_daily, keep_weekly)
    deleted = []
    for b in backups:
        if b.path not in keep:
            b.path.unlink(missing_ok=True)
            deleted.append(b.path)
    return deleted
