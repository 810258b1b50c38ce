"""Command line: `python -m bot --help`.

Only `run` needs BOT_TOKEN; every other command works offline without a token.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys
from pathlib import Path

from bot.core.settings import Settings, SettingsError, exit_on_bad_settings, load_settings


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        exit_on_bad_settings(exc)


def _logging(level: str, fmt: str = "text") -> None:
    from bot.core.logs import setup_logging

    setup_logging(level, fmt)


async def _migrate(path: Path) -> list[str]:
    from storage.db import Database

    db = await Database.open(path)  # opening applies what is missing
    await db.close()
    return [str(path)]


def _backup_before_migrations(settings: Settings) -> None:
    """An existing database with data gets a backup before any migration touches it; if that
    backup fails, nothing is migrated (exit 1)."""
    from storage.backup import BackupError, has_data, online_backup, pending_migrations

    path = settings.database_path
    try:
        if not has_data(path) or not pending_migrations(path):
            return
        made = online_backup(path, settings.backups, tag="pre-migration")
    except (BackupError, sqlite3.Error, OSError) as exc:
        print(f"Backup before migrations failed, nothing migrated: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    logging.getLogger("klinik").info("backup before migrations: %s", made.path)
    print(f"backup before migrations: {made.path} ({made.size} bytes)", file=sys.stderr)


def _open_database_or_exit(path: Path, settings: Settings | None = None) -> None:
    if settings is not None:
        _backup_before_migrations(settings)
    try:
        asyncio.run(_migrate(path))
    except (sqlite3.Error, OSError) as exc:
        print(f"Configuration error: DATABASE_PATH: cannot open {path}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    try:
        settings.require_for_run()
    except SettingsError as exc:
        exit_on_bad_settings(exc)
    _logging(settings.log_level, settings.log_format)
    from bot.ops.lock import LockedByOther, RunLock

    try:  # held until the process ends: `restore` refuses while it is held
        lock = RunLock(settings.database_path).acquire()
    except LockedByOther as exc:
        print(f"The bot is already running on {settings.database_path} (process {exc.pid}).", file=sys.stderr)
        return 1
    _open_database_or_exit(settings.database_path, settings)
    from telegram import Update

    from bot.app import build_application

    app = build_application(settings)
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    if settings.webhook_url:
        host, port = settings.webhook_bind
        logging.getLogger("klinik").info("starting the webhook server on %s:%s for %s", host, port,
                                         settings.webhook_url)
        # PTB's webhook server answers 200 only after update_queue.put, which records the
        # update durably (bot/core/intake.py); a wrong or missing secret header gets 403.
        try:
            app.run_webhook(listen=host, port=port, url_path=settings.webhook_path, webhook_url=settings.webhook_url,
                            secret_token=settings.webhook_secret.get_secret_value(),
                            allowed_updates=Update.ALL_TYPES, stop_signals=stop_signals)
        finally:
            lock.release()
        logging.getLogger("klinik").info("stopped")
        return 0
    logging.getLogger("klinik").info("starting long polling against %s", settings.telegram_api_url)
    try:
        app.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=stop_signals)
    finally:
        lock.release()
    logging.getLogger("klinik").info("stopped")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings()
    _logging("WARNING" if not args.verbose else "DEBUG")
    from bot.demo import run_demo

    path = Path(args.database) if args.database else Path("data/demo.sqlite3")
    try:
        asyncio.run(run_demo(path, forum=not args.no_forum))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings()
    _open_database_or_exit(settings.database_path, settings)

    async def version() -> int:
        import aiosqlite

        from storage.migrations import current_version
        async with aiosqlite.connect(settings.database_path) as conn:
            return await current_version(conn)

    print(f"{settings.database_path}: schema version {asyncio.run(version())}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from storage.backup import BackupError, online_backup

    settings = _settings()
    target = Path(args.to) if args.to else settings.backups
    try:
        made = online_backup(settings.database_path, target)
    except (BackupError, OSError) as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"{made.path}\t{made.size} bytes")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.ops.lock import LockedByOther, RunLock
    from storage.backup import BackupError, restore

    settings = _settings()
    try:
        lock = RunLock(settings.database_path).acquire()
    except LockedByOther as exc:
        print(f"Refusing to restore: the bot is running on {settings.database_path} (process {exc.pid}). "
              "Stop it first (systemctl stop klinik-koperasi / docker compose stop bot).", file=sys.stderr)
        return 1
    try:
        verified, aside = restore(Path(args.file), settings.database_path)
    except (BackupError, OSError) as exc:
        print(f"Not restored: {exc}", file=sys.stderr)
        return 1
    finally:
        lock.release()
    print(f"restored {args.file} -> {settings.database_path}: schema version {verified.schema_version}, "
          f"{verified.users} users, {verified.cooperatives} cooperatives")
    if aside is not None:
        print(f"the previous database is kept as {aside}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from bot.ops.status import collect, render_text

    settings = _settings()
    status = collect(settings.database_path, settings.backups)
    print(render_text(status))
    problems = status.problems() if args.check else ([status.database_error] if status.database_error else [])
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_kb(args: argparse.Namespace) -> int:
    from knowledge import cli as kb

    if args.kb_command == "check":
        return kb.cmd_check()
    if args.kb_command == "ask":
        return kb.cmd_ask(args.question, args.k, args.json)
    if args.kb_command == "eval":
        return kb.cmd_eval(args.file, ablations=args.ablations)
    if args.kb_command == "misses":
        from bot.triage.report import cmd_misses

        return cmd_misses(_settings(), limit=args.limit, tsv=args.tsv)
    if args.kb_command == "learn":
        from bot.triage.report import cmd_learn

        return cmd_learn(_settings(), args.file, args.entries)
    return 2


def cmd_report(args: argparse.Namespace) -> int:
    """The office's report workbook straight from the database (no token, no Telegram)."""
    settings = _settings()
    from bot.supervision.cli import write_report

    try:
        return write_report(settings, args.period, Path(args.output), chart=args.chart)
    except ValueError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Klinik Koperasi Telegram bot")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("run", help="long polling (or a webhook server, with WEBHOOK_URL) against Telegram "
                                   "(needs BOT_TOKEN, STAFF_CHAT_ID)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("demo", help="the whole bot offline in this terminal (no token, no network)")
    p.add_argument("--database", help="SQLite file for the demo (default data/demo.sqlite3)")
    p.add_argument("--no-forum", action="store_true", help="staff group without forum topics")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("migrate", help="apply database migrations (also done at start)")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("backup", help="a consistent, compressed copy of the database (also while the bot runs)")
    p.add_argument("--to", metavar="DIR", help="folder for the backup (default BACKUP_DIR)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the database with a backup (the bot must be stopped)")
    p.add_argument("file", help="a backup made by `backup` (.sqlite3.gz) or a plain SQLite file")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("status", help="version, database, outbox, failures, last backup (no token needed)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless the bot runs and the database reads (health checks)")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("report", help="the supervision report workbook (.xlsx) from the database, offline")
    p.add_argument("--period", default="bulan", help="2026-11, 2026-Q4, 2026, or bulan|triwulan|tahun (default bulan)")
    p.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
    p.add_argument("--chart", help="also write the summary chart (PNG) here")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("kb", help="knowledge base tools (offline)")
    kb = p.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    kb.add_parser("check", help="validate every FAQ entry")
    q = kb.add_parser("ask", help="ranked matches for a question")
    q.add_argument("question")
    q.add_argument("-k", type=int, default=5)
    q.add_argument("--json", action="store_true")
    e = kb.add_parser("eval", help="accuracy and latency on a labelled TSV")
    e.add_argument("file")
    e.add_argument("--ablations", action="store_true", help="also with each pipeline part switched off")
    m = kb.add_parser("misses", help="questions the knowledge base did not answer well")
    m.add_argument("--limit", type=int, default=50)
    m.add_argument("--tsv", help="also write the consultants' labelled questions to this TSV for review")
    lr = kb.add_parser("learn", help="add reviewed labelled questions (TSV: question, entry) to the entries")
    lr.add_argument("file")
    lr.add_argument("--entries", help="entries folder (default: knowledge/entries)")
    p.set_defaults(func=cmd_kb)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
