"""What an operator asks first: is it alive, is anything stuck, when was the last backup.
One collection for `python -m bot status` (no token, the bot may or may not run) and /status."""
from __future__ import annotations

import sqlite3
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

from bot.ops.lock import holder
from storage.backup import BackupFile, list_backups
from storage.status import DatabaseFigures, read_figures

OUTBOX_STUCK_AFTER = timedelta(minutes=10)  # the oldest pending row waited longer: something is wrong
BACKUP_STALE_AFTER = timedelta(hours=26)    # the nightly backup did not happen


def bot_version() -> str:
    try:
        return metadata.version("klinik-koperasi")
    except metadata.PackageNotFoundError:  # run from a checkout
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


@dataclass(frozen=True)
class Status:
    version: str
    database_path: Path
    figures: DatabaseFigures | None
    database_error: str | None
    running_pid: str | None       # the process holding the run lock
    backup_dir: Path
    last_backup: BackupFile | None
    now: datetime

    @property
    def outbox_wait(self) -> timedelta | None:
        """How long the oldest pending outbox row has waited."""
        if self.figures is None or self.figures.oldest_pending_at is None:
            return None
        return self.now - self.figures.oldest_pending_at

    @property
    def outbox_stuck(self) -> bool:
        return self.outbox_wait is not None and self.outbox_wait > OUTBOX_STUCK_AFTER

    @property
    def backup_age(self) -> timedelta | None:
        return None if self.last_backup is None else self.now - self.last_backup.taken_at

    def problems(self) -> list[str]:
        """What `status --check` (the container's HEALTHCHECK) fails on: the process and the
        database. A slow outbox is not a reason to call the process unhealthy (a restart would
        not help; a long broadcast or a backlog after downtime is normal): admins get an alert."""
        found = []
        if self.database_error:
            found.append(f"database: {self.database_error}")
        if self.running_pid is None:
            found.append("the bot is not running")
        return found


def collect(database_path: Path, backup_dir: Path, now: datetime | None = None) -> Status:
    now = now or datetime.now(timezone.utc)
    figures, error = None, None
    try:
        figures = read_figures(database_path, now)
    except FileNotFoundError:
        error = f"no database at {database_path}"
    except sqlite3.Error as exc:
        error = f"cannot read {database_path}: {exc}"
    backups = list_backups(backup_dir)
    return Status(bot_version(), database_path, figures, error, holder(database_path), backup_dir,
                  backups[0] if backups else None, now)


def human_age(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def render_text(status: Status) -> str:
    """The operator's report (English, like the rest of the CLI)."""
    f = status.figures
    lines = [
        f"Klinik Koperasi {status.version}",
        f"running:         {'yes, pid ' + status.running_pid if status.running_pid else 'no'}",
        f"database:        {status.database_path}",
    ]
    if f is None:
        lines.append(f"                 ERROR: {status.database_error}")
    else:
        oldest = "-"
        if f.oldest_pending_at is not None:
            oldest = (f"#{f.oldest_pending_id} {f.oldest_pending_kind}, waiting {human_age(status.outbox_wait)}"
                      + (" (over 10 min: see the log if it stays)" if status.outbox_stuck else ""))
        lines += [
            f"schema version:  {f.schema_version}",
            f"database size:   {human_size(f.size_bytes)}",
            f"users:           {f.users} ({f.active_users} active)",
            f"cooperatives:    {f.cooperatives}",
            f"outbox pending:  {f.outbox_pending}",
            f"oldest pending:  {oldest}",
            f"failed (24 h):   {f.failed_24h} failed, {f.blocked_24h} blocked by the recipient",
            "refused (24 h):  " + (", ".join(f"{n} {kind}" for kind, n in sorted(f.refusals_24h.items())) or "none"),
        ]
    if status.last_backup is None:
        lines.append(f"last backup:     none in {status.backup_dir}")
    else:
        b = status.last_backup
        stale = " (STALE)" if status.backup_age and status.backup_age > BACKUP_STALE_AFTER else ""
        lines.append(f"last backup:     {b.path} ({human_size(b.size)}), {human_age(status.backup_age)} ago{stale}")
    return "\n".join(lines)
