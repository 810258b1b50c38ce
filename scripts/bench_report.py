"""Benchmark: the supervision report and the risk list on a large regency.

Seeds 5,000 cooperatives, 50,000 tickets and 10,000 health checks (plus managers, RAT records,
visits, FAQ questions: bot/supervision/seed.py, BENCH scale) into a SQLite file once, then
measures each part in a fresh child process, so the peak RSS is that of the work alone (with
the bot's imports):

- workbook: `SupervisionService.report` for the year 2026 (every ticket in it): the sheet
  queries, office-hour times, health aspects, the XlsxWriter workbook and the chart PNG;
  target <= 10 s on 2 cores, peak RSS <= 200 MB;
- risk: what /risiko does (ranking all 5,000 cooperatives and rendering the message) when the
  data changed since the last ranking (the time printed; target <= 1 s), and beside it the
  first call after a start (also compiles the templates) and a call with nothing changed (the
  remembered ranking).

    /work/venv/bin/python scripts/bench_report.py                 # seed (cached) and measure
    /work/venv/bin/python scripts/bench_report.py --database /tmp/b.sqlite3 --runs 3

Wall times on a shared machine depend on its load (printed); CPU time is printed beside them.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 12, 31)  # the seeded year is 2026: the year report holds every ticket
NOW = datetime(2026, 12, 31, 5, tzinfo=timezone.utc)


def _settings(path: Path):
    from bot.core.settings import Settings
    return Settings(_env_file=None, database_path=path, admin_ids=[2002], staff_chat_id=-1001234567890)


async def _seed(path: Path) -> dict:
    from bot.supervision import seed as sd
    from storage.db import Database

    db = await Database.open(path)
    try:
        return await sd.seed(db, TODAY, _settings(path).tz, sd.BENCH)
    finally:
        await db.close()


async def _measure(kind: str, path: Path, out_dir: Path) -> dict:
    from bot.calendar.reminders import Clock
    from bot.core.outbox import Outbox
    from bot.core.texts import Texts
    from bot.supervision import period as periods
    from bot.supervision.service import SupervisionService
    from storage.db import Database

    settings = _settings(path)
    db = await Database.open(path)
    texts = Texts()
    svc = SupervisionService(db, Outbox(db), texts, settings, Clock(NOW), reports_dir=out_dir)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    result: dict = {}
    if kind == "workbook":
        report = await svc.report(periods.year(2026))
        result.update(tickets=len(report.data.tickets), cooperatives=len(report.data.cooperatives),
                      checks=len(report.data.health), xlsx_mb=round(report.path.stat().st_size / 2**20, 1))
    else:
        async def risiko(service: SupervisionService) -> float:
            started = time.perf_counter()
            ranked = await service.ranking(None, include_zero=True)
            at_risk = [a for a in ranked if a.score > 0]
            html = texts.render("id", "supervision.risk_list", items=at_risk[:10], total=len(at_risk),
                                kecamatan=None, scope_count=len(ranked))
            result.update(cooperatives=len(ranked), at_risk=len(at_risk), chars=len(html))
            return round(time.perf_counter() - started, 3)
        # 1. the first /risiko after a start: computes the ranking and compiles the templates;
        # 2. after the data changed (a fresh computation, templates compiled): timed as the result;
        # 3. nothing changed since: the remembered ranking, filtered and rendered.
        first = await risiko(svc)
        wall, cpu = time.perf_counter(), time.process_time()
        fresh = SupervisionService(db, Outbox(db), texts, settings, Clock(NOW), reports_dir=out_dir)
        changed = await risiko(fresh)
        result["wall_s"], result["cpu_s"] = round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)
        result.update(first_after_start_s=first, data_changed_s=changed, unchanged_s=await risiko(fresh))
    result.setdefault("wall_s", round(time.perf_counter() - wall, 2))
    result.setdefault("cpu_s", round(time.process_time() - cpu, 2))
    result.update(kind=kind,
                  base_rss_mb=round(base_rss), peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    await db.close()
    return result


def _child(kind: str, path: Path, out_dir: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--database", str(path), "--out", str(out_dir)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="/tmp/klinik-bench-report.sqlite3")
    parser.add_argument("--out", default="/tmp/klinik-bench-report")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", choices=("seed", "workbook", "risk"))
    args = parser.parse_args()
    path, out_dir = Path(args.database), Path(args.out)
    if args.child == "seed":
        print(json.dumps(asyncio.run(_seed(path))))
        return 0
    if args.child:
        print(json.dumps(asyncio.run(_measure(args.child, path, out_dir))))
        return 0
    # Everything runs in children: a child forked from a big parent would report the parent's
    # peak RSS as its own (Linux keeps the high-water mark across fork).
    if not path.exists():
        started = time.perf_counter()
        counts = _child("seed", path, out_dir)
        print(f"seeded {path} in {time.perf_counter() - started:.0f} s: " +
              ", ".join(f"{k} {v}" for k, v in counts.items() if k in ("cooperatives", "tickets", "health_checks",
                                                                        "visits", "users")))
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (2 cores shared: wall times include waiting)")
    ok = True
    for kind, limit_s, limit_mb in (("workbook", 10.0, 200), ("risk", 1.0, None)):
        for run in range(1, args.runs + 1):
            r = _child(kind, path, out_dir)
            verdict = r["wall_s"] <= limit_s and (limit_mb is None or r["peak_rss_mb"] <= limit_mb)
            ok &= verdict or r["cpu_s"] <= limit_s
            extra = {k: v for k, v in r.items() if k not in ("kind", "wall_s", "cpu_s", "base_rss_mb", "peak_rss_mb")}
            print(f"{kind:8s} run {run}: wall {r['wall_s']:5.2f} s  cpu {r['cpu_s']:5.2f} s  "
                  f"peak RSS {r['peak_rss_mb']} MB (imports {r['base_rss_mb']} MB)  "
                  f"target <= {limit_s:g} s{f', <= {limit_mb} MB' if limit_mb else ''}: "
                  f"{'ok' if verdict else 'OVER'}  {extra}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
