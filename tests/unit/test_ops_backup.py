"""Backups of the live database, their verification and retention, restore, the run lock, and
the backup taken before migrations."""
from __future__ import annotations

import asyncio
import gzip
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.ops.backups import prune, to_keep
from bot.ops.lock import LockedByOther, RunLock, holder
from storage.backup import (BackupError, BackupFile, list_backups, online_backup, parse_name, restore,
                            verify_backup)
from storage.db import Database
from storage.migrations import available_migrations
from storage.outbox import OutboxRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


async def _write_pair(db: Database, i: int) -> None:
    """A user and an outbox row in one transaction: a consistent copy has both or neither."""
    async with db.transaction() as tx:
        await UserRepo(tx).ensure(10_000 + i)
        await OutboxRepo(tx).add(kind="test", chat_id=10_000 + i, method="send_message",
                                 payload={"text": f"row {i}"}, dedupe_key=f"pair:{i}")


async def test_backup_while_writes_go_on_then_restore_finds_every_committed_row(tmp_path):
    db = await Database.open(tmp_path / "live.sqlite3")
    committed = 0
    stop = asyncio.Event()

    async def writer():
        nonlocal committed
        while not stop.is_set():
            await _write_pair(db, committed + 1)
            committed += 1
            await asyncio.sleep(0)

    for i in range(200):  # something to copy before the writer starts
        await _write_pair(db, i + 1)
    committed = 200
    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    backups = []
    for _ in range(3):
        before = committed  # every row committed by now must be in this backup
        made = await asyncio.to_thread(online_backup, db.path, tmp_path / "backups")
        backups.append((before, made))
        await asyncio.sleep(0.02)
    stop.set()
    await task
    await db.close()
    assert committed > backups[-1][0] > backups[0][0] >= 200  # writes went on between and during backups

    for before, made in backups:
        assert made.path.name.startswith("klinik-") and made.path.name.endswith(".sqlite3.gz")
        with gzip.open(made.path) as f:
            assert f.read(16) == b"SQLite format 3\x00"
        fresh = tmp_path / f"restored-{made.path.name}.sqlite3"
        verified, aside = restore(made.path, fresh)
        assert aside is None and verified.schema_version == max(m.version for m in available_migrations())
        conn = sqlite3.connect(fresh)
        users = [r[0] - 10_000 for r in conn.execute("SELECT telegram_id FROM users ORDER BY telegram_id")]
        pairs = [int(r[0].split(":")[1]) for r in conn.execute("SELECT dedupe_key FROM outbox ORDER BY id")]
        conn.close()
        assert users == pairs == list(range(1, len(users) + 1))  # a prefix: nothing torn, no gaps
        assert len(users) >= before  # every row committed before the backup started


def test_verify_refuses_what_is_not_a_good_backup_of_ours(tmp_path):
    garbage = tmp_path / "klinik-20260101T000000Z.sqlite3.gz"
    garbage.write_bytes(gzip.compress(b"this is not sqlite" * 100))
    with pytest.raises(BackupError, match="not a readable SQLite"):
        verify_backup(garbage)
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(gzip.compress(os.urandom(5000))[:100])
    with pytest.raises(BackupError):
        verify_backup(truncated)
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="not a Klinik Koperasi database"):
        verify_backup(other)


async def test_verify_refuses_a_backup_from_a_newer_version_and_a_corrupt_one(tmp_path):
    db = await Database.open(tmp_path / "a.sqlite3")
    await db.execute("INSERT INTO schema_version VALUES (9999, 'future', 'x')")
    await db.close()
    with pytest.raises(BackupError, match="newer version"):
        verify_backup(tmp_path / "a.sqlite3")

    db = await Database.open(tmp_path / "b.sqlite3")
    for i in range(300):
        await UserRepo(db).ensure(i + 1)
    await db.close()
    path = tmp_path / "b.sqlite3"
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # scribble over the b-tree pages
        data[offset + 8:offset + 40] = b"\xff" * 32
    path.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        verify_backup(path)


async def test_restore_keeps_the_current_database_aside_and_a_bad_file_changes_nothing(tmp_path):
    live = tmp_path / "klinik.sqlite3"
    db = await Database.open(live)
    await UserRepo(db).ensure(1)
    await db.close()
    made = online_backup(live, tmp_path / "b")
    db = await Database.open(live)
    await UserRepo(db).ensure(2)  # after the backup
    await db.close()

    bad = tmp_path / "bad.sqlite3.gz"
    bad.write_bytes(b"\x1f\x8bnot really")
    with pytest.raises(BackupError):
        restore(bad, live)
    assert sqlite3.connect(live).execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2
    assert not list(tmp_path.glob("*.before-restore-*")) and not list(tmp_path.glob(".restore-*"))

    verified, aside = restore(made.path, live)
    assert verified.users == 1
    assert sqlite3.connect(live).execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
    assert aside is not None and sqlite3.connect(aside).execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2


def _b(moment: datetime, tag: str | None = None) -> BackupFile:
    return BackupFile(Path(f"klinik-{moment:%Y%m%dT%H%M%SZ}{'-' + tag if tag else ''}.sqlite3.gz"), moment, tag)


def test_retention_keeps_seven_days_and_four_weeks():
    start = datetime(2026, 9, 1, 19, 0, tzinfo=timezone.utc)  # 02:00 WIB is 19:00 UTC the day before
    nightly = [_b(start + timedelta(days=d)) for d in range(60)]
    extra = _b(start + timedelta(days=59, hours=2), "pre-migration")  # an upgrade on the last day
    keep = to_keep(nightly + [extra], keep_daily=7, keep_weekly=4)
    kept = sorted(b.taken_at for b in nightly + [extra] if b.path in keep)
    days = {m.date() for m in kept}
    assert len(kept) == len(days)  # one per day at most
    last = start + timedelta(days=59)
    assert {last.date() - timedelta(days=d) for d in range(7)} <= days  # the last 7 days
    assert extra.path in keep and nightly[-1].path not in keep  # the newest of the last day
    weeks = {m.isocalendar()[:2] for m in kept}
    last_days_weeks = {(last - timedelta(days=d)).isocalendar()[:2] for d in range(7)}
    assert len(weeks) == 4 and len(kept) == 7 + 4 - len(last_days_weeks)  # + the newest of older weeks


def test_prune_deletes_only_our_old_backups(tmp_path):
    start = datetime(2026, 9, 1, 19, 0, tzinfo=timezone.utc)
    for d in range(20):
        (tmp_path / f"klinik-{start + timedelta(days=d):%Y%m%dT%H%M%SZ}.sqlite3.gz").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("keep me")
    deleted = prune(tmp_path, keep_daily=3, keep_weekly=2)
    assert len(list_backups(tmp_path)) == 20 - len(deleted) and len(deleted) >= 15
    assert (tmp_path / "notes.txt").exists()
    assert parse_name(Path("klinik-20261202T190000Z-pre-migration.1.sqlite3.gz")).tag == "pre-migration"


def test_run_lock_is_exclusive_and_says_who_holds_it(tmp_path):
    db = tmp_path / "k.sqlite3"
    assert holder(db) is None
    with RunLock(db):
        assert holder(db) == str(os.getpid())
        with pytest.raises(LockedByOther) as err:
            RunLock(db).acquire()
        assert err.value.pid == str(os.getpid())
    assert holder(db) is None


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "BACKUP_DIR", "DATABASE_PATH"}}
    env.update(DATABASE_PATH=str(tmp_path / "klinik.sqlite3"), BACKUP_DIR=str(tmp_path / "backups"),
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


async def test_cli_backup_status_and_restore_refused_while_the_bot_runs(tmp_path):
    db = await Database.open(tmp_path / "klinik.sqlite3")
    await UserRepo(db).ensure(5)
    await OutboxRepo(db).add(kind="reminder", chat_id=5, method="send_message", payload={"text": "x"})
    await db.execute("UPDATE outbox SET created_at = '2026-01-01T00:00:00.000000Z'")
    await db.close()

    made = _cli(tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    path, size = made.stdout.strip().split("\t")
    assert Path(path).parent == tmp_path / "backups" and int(size.split()[0]) == Path(path).stat().st_size
    other = _cli(tmp_path, "backup", "--to", str(tmp_path / "elsewhere"))
    assert other.returncode == 0 and "elsewhere" in other.stdout

    status = _cli(tmp_path, "status")
    assert status.returncode == 0, status.stderr
    for line in ("running:         no", "schema version:  ", "users:           1", "cooperatives:    0",
                 "outbox pending:  1", "#1 reminder", "over 10 min", "failed (24 h):   0", Path(path).name):
        assert line in status.stdout, status.stdout
    check = _cli(tmp_path, "status", "--check")
    assert check.returncode == 1 and "not running" in check.stderr

    with RunLock(tmp_path / "klinik.sqlite3"):  # as `python -m bot run` holds it
        refused = _cli(tmp_path, "restore", path)
        assert refused.returncode == 1 and "Refusing to restore: the bot is running" in refused.stderr
        assert "running:         yes, pid " + str(os.getpid()) in _cli(tmp_path, "status").stdout
    done = _cli(tmp_path, "restore", path)
    assert done.returncode == 0, done.stderr
    assert "1 users" in done.stdout and "kept as" in done.stdout


def test_cli_backup_of_a_missing_database_fails_with_one_line(tmp_path):
    proc = _cli(tmp_path, "backup")
    assert proc.returncode == 1 and proc.stderr.strip().startswith("Backup failed: no database at")


def test_migrations_on_a_database_with_data_are_preceded_by_a_backup(tmp_path):
    path = tmp_path / "klinik.sqlite3"
    fresh = _cli(tmp_path, "migrate")  # a new, empty database: nothing worth a backup
    assert fresh.returncode == 0 and not (tmp_path / "backups").exists()
    path.unlink()
    for companion in tmp_path.glob("klinik.sqlite3-*"):
        companion.unlink()

    older = available_migrations()[:-1]  # a database made by the previous version
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for m in older:
        conn.executescript(m.sql)
        conn.execute("INSERT INTO schema_version VALUES (?, ?, 'x')", (m.version, m.name))
    conn.execute("INSERT INTO users (telegram_id, created_at, updated_at) VALUES (7, 'x', 'x')")
    conn.commit()
    conn.close()

    proc = _cli(tmp_path, "migrate")
    assert proc.returncode == 0, proc.stderr
    [made] = list_backups(tmp_path / "backups")
    assert made.tag == "pre-migration" and "backup before migrations" in proc.stderr
    assert verify_backup(made.path).schema_version == older[-1].version  # the schema before migrating
    again = _cli(tmp_path, "migrate")  # nothing left to apply: no new backup
    assert again.returncode == 0 and len(list_backups(tmp_path / "backups")) == 1
