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


def _logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _migrate(path: Path) -> list[str]:
    from storage.db import Database

    db = await Database.open(path)  # opening applies what is missing
    await db.close()
    return [str(path)]


def _open_database_or_exit(path: Path) -> None:
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
    _logging(settings.log_level)
    _open_database_or_exit(settings.database_path)
    from telegram import Update

    from bot.app import build_application

    app = build_application(settings)
    logging.getLogger("klinik").info("starting long polling against %s", settings.telegram_api_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=(signal.SIGINT, signal.SIGTERM))
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
    _open_database_or_exit(settings.database_path)

    async def version() -> int:
        import aiosqlite

        from storage.migrations import current_version
        async with aiosqlite.connect(settings.database_path) as conn:
            return await current_version(conn)

    print(f"{settings.database_path}: schema version {asyncio.run(version())}")
    return 0


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

        return cmd_misses(_settings(), limit=args.limit)
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
    p = sub.add_parser("run", help="long polling against Telegram (needs BOT_TOKEN, STAFF_CHAT_ID)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("demo", help="the whole bot offline in this terminal (no token, no network)")
    p.add_argument("--database", help="SQLite file for the demo (default data/demo.sqlite3)")
    p.add_argument("--no-forum", action="store_true", help="staff group without forum topics")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("migrate", help="apply database migrations (also done at start)")
    p.set_defaults(func=cmd_migrate)
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
    p.set_defaults(func=cmd_kb)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
