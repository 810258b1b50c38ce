"""Backups of the live database and their restore: the SQLite side (plain `sqlite3`, so the CLI
and a worker thread of the running bot use the same code).

A backup uses SQLite's online backup API on a read-only connection: one step, so the copy is
the database as of one committed transaction, while the bot goes on writing (WAL readers do
not block writers). The copy is checked with `PRAGMA integrity_check`, gzip-compressed and
named with the UTC time: `klinik-20261202T190000Z.sqlite3.gz` (a tag such as
`-pre-migration` may follow the time). Files appear atomically (written aside, then renamed).
"""
from __future__ import annotations

import gzip
import os
import re
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from storage.migrations import available_migrations

PREFIX = "klinik-"
SUFFIX = ".sqlite3.gz"
_NAME = re.compile(r"^klinik-(\d{8}T\d{6}Z)(?:-([a-z0-9-]+))?(?:\.\d+)?\.sqlite3\.gz$")
# Tables every database of ours has (foundation); a file without them is not a Klinik database.
REQUIRED_TABLES = frozenset({"schema_version", "users", "cooperatives", "managers", "outbox"})


class BackupError(Exception):
    """A backup could not be made or a file is not a usable backup; one line for the operator."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: datetime  # UTC, from the name
    tag: str | None

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def parse_name(path: Path) -> BackupFile | None:
    m = _NAME.match(path.name)
    if not m:
        return None
    taken = datetime.strptime(m[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    return BackupFile(path, taken, m[2])


def list_backups(directory: Path) -> list[BackupFile]:
    """Our backups in `directory`, newest first (other files are left alone)."""
    if not directory.is_dir():
        return []
    found = [b for p in directory.iterdir() if p.is_file() and (b := parse_name(p)) is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def _connect_ro(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise BackupError(f"no database at {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def has_data(path: Path) -> bool:
    """An existing database with at least one applied migration (a backup is worth taking)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        conn = _connect_ro(path)
        try:
            row = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
            if not row[0]:
                return False
            return bool(conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def pending_migrations(path: Path) -> list[int]:
    """Migration numbers this code has and the database has not applied yet."""
    applied: set[int] = set()
    if path.exists() and path.stat().st_size:
        conn = _connect_ro(path)
        try:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone():
                applied = {int(r[0]) for r in conn.execute("SELECT version FROM schema_version")}
        finally:
            conn.close()
    return [m.version for m in available_migrations() if m.version not in applied]


def _integrity(conn: sqlite3.Connection) -> str:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    return "ok" if rows == ["ok"] else "; ".join(map(str, rows[:5]))


def backup_name(moment: datetime, tag: str | None = None) -> str:
    stamp = moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{PREFIX}{stamp}{'-' + tag if tag else ''}{SUFFIX}"


def _free_name(directory: Path, moment: datetime, tag: str | None) -> Path:
    base = backup_name(moment, tag)
    target = directory / base
    n = 1
    while target.exists():  # two backups in one second: klinik-...Z.1.sqlite3.gz
        target = directory / base.replace(SUFFIX, f".{n}{SUFFIX}")
        n += 1
    return target


def online_backup(database: Path, directory: Path, *, tag: str | None = None,
                  now: datetime | None = None) -> BackupFile:
    """Copy the live database into `directory` (created if needed); returns the new file."""
    database, directory = Path(database), Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    moment = now or datetime.now(timezone.utc)
    fd, raw_name = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite3", dir=directory)
    os.close(fd)
    raw = Path(raw_name)
    part = raw.with_suffix(".gz.part")
    try:
        src = _connect_ro(database)
        try:
            dst = sqlite3.connect(raw)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                verdict = _integrity(dst)
            finally:
                dst.close()
        finally:
            src.close()
        if verdict != "ok":
            raise BackupError(f"integrity check of the copy failed: {verdict}")
        with open(raw, "rb") as plain, gzip.open(part, "wb", compresslevel=6) as packed:
            shutil.copyfileobj(plain, packed, 1 << 20)
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        target = _free_name(directory, moment, tag)
        os.replace(part, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {database} failed: {exc}") from exc
    finally:
        raw.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return BackupFile(target, moment.replace(microsecond=0), tag)


@dataclass(frozen=True)
class Verified:
    schema_version: int
    tables: int
    users: int
    cooperatives: int


def _unpack(file: Path, directory: Path) -> Path:
    """The backup as a plain SQLite file in `directory` (a gzip or an uncompressed copy)."""
    fd, name = tempfile.mkstemp(prefix=".restore-", suffix=".sqlite3", dir=directory)
    os.close(fd)
    out = Path(name)
    try:
        with open(file, "rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        with (gzip.open(file, "rb") if gz else open(file, "rb")) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        out.unlink(missing_ok=True)
        raise BackupError(f"{file}: cannot read it ({exc})") from exc
    return out


def verify_database(path: Path) -> Verified:
    """Integrity and our schema: the foundation tables and only migrations this code knows."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = _integrity(conn)
            if verdict != "ok":
                raise BackupError(f"integrity check failed: {verdict}")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = REQUIRED_TABLES - tables
            if missing:
                raise BackupError(f"not a Klinik Koperasi database (no table {', '.join(sorted(missing))})")
            versions = {int(r[0]) for r in conn.execute("SELECT version FROM schema_version")}
            unknown = versions - {m.version for m in available_migrations()}
            if unknown:
                raise BackupError(f"made by a newer version of the bot (migrations {sorted(unknown)} unknown here); "
                                  "install that version first")
            users = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
            coops = conn.execute("SELECT COUNT(*) FROM cooperatives").fetchone()[0]
            return Verified(max(versions, default=0), len(tables), users, coops)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"not a readable SQLite database ({exc})") from exc


def verify_backup(file: Path) -> Verified:
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"no file {file}")
    plain = _unpack(file, file.parent if os.access(file.parent, os.W_OK) else Path(tempfile.gettempdir()))
    try:
        return verify_database(plain)
    finally:
        plain.unlink(missing_ok=True)


def _companions(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def restore(file: Path, database: Path, *, now: datetime | None = None) -> tuple[Verified, Path | None]:
    """Replace `database` with the backup `file`; the caller makes sure the bot is not running.

    The file is unpacked and verified next to the database first; only then is the current
    database (with its -wal/-shm) moved aside to `<name>.before-restore-<UTC time>` and the
    verified copy renamed into place. Returns what was restored and where the old one went."""
    file, database = Path(file), Path(database)
    if not file.is_file():
        raise BackupError(f"no file {file}")
    database.parent.mkdir(parents=True, exist_ok=True)
    plain = _unpack(file, database.parent)
    try:
        verified = verify_database(plain)
        aside: Path | None = None
        if database.exists():
            stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
            aside = database.with_name(f"{database.name}.before-restore-{stamp}")
            for src in _companions(database):
                if src.exists():
                    os.replace(src, Path(str(src).replace(str(database), str(aside), 1)))
        else:
            for src in _companions(database)[1:]:
                src.unlink(missing_ok=True)
        os.replace(plain, database)
    finally:
        plain.unlink(missing_ok=True)
    return verified, aside


__all__ = ["BackupError", "BackupFile", "Verified", "online_backup", "verify_backup", "verify_database",
           "restore", "list_backups", "parse_name", "backup_name", "has_data", "pending_migrations"]
