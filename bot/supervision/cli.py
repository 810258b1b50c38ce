"""`python -m bot report --period 2026-11 -o FILE.xlsx`: the same workbook as /laporan, from the
database, without a token (the office's IT schedules it or runs it by hand)."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.calendar.reminders import Clock
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.supervision import period as periods
from bot.supervision.service import SupervisionService
from storage.db import Database


async def _write(settings: Settings, period_text: str, output: Path, chart: Path | None) -> periods.Period:
    db = await Database.open(settings.database_path)
    try:
        svc = SupervisionService(db, Outbox(db), Texts(settings.default_language), settings,
                                 Clock(settings.clock_start), reports_dir=output.parent / ".laporan-tmp")
        period = periods.parse(period_text, svc.today())
        report = await svc.report(period)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(report.path), output)
        if chart is not None:
            shutil.move(str(report.chart_path), chart)
        else:
            report.chart_path.unlink(missing_ok=True)
        shutil.rmtree(report.path.parent, ignore_errors=True)
        return period
    finally:
        await db.close()


def write_report(settings: Settings, period_text: str, output: Path, chart: str | None = None) -> int:
    if not Path(settings.database_path).exists():
        raise ValueError(f"no database at {settings.database_path} (set DATABASE_PATH)")
    period = asyncio.run(_write(settings, period_text, output, Path(chart) if chart else None))
    print(f"{output}: laporan {period.key}")
    return 0
