"""The clinic's report for a period, as plain data (the workbook and the chart draw it).

Reads each sheet with one query (storage.supervision), then computes in Python: office-hour
times per ticket (bot.supervision.officetime), the health result per aspect (the health
capability's own scoring, re-run on the stored answers), the RAT status and risk of every
cooperative (bot.supervision.facts / risk), and the per-kecamatan aggregates.

No Telegram usernames or ids leave this module: managers appear by name only (active managers
who still consent), tickets and checks by number and cooperative.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime, timedelta, tzinfo
from statistics import median

from bot.core.domain import KECAMATAN
from bot.core.office_hours import OfficeHours
from bot.health import flow as hf
from bot.health.scoring import TABLE
from bot.supervision import facts as fx
from bot.supervision.officetime import OfficeIndex, parse_utc
from bot.supervision.period import Period
from bot.supervision.risk import Assessment, RiskConfig, assess, load_config
from bot.tickets.rules import OPEN
from storage.db import Executor, to_utc_text
from storage.supervision import SupervisionRepo

BANDS = ("sehat", "cukup_sehat", "dalam_pengawasan", "dalam_pengawasan_khusus")
RAT_STATUSES = ("held", "not_due", "late", "past_limit")
ASPECTS = tuple(a.id for a in TABLE.aspects)


@dataclass
class ReportData:
    period: Period
    as_of: date
    generated_at: datetime
    kpis: dict
    bands: dict[str, Counter]
    rat: Counter
    cooperatives: list[dict]
    tickets: list[TicketLine]
    health: list[dict]
    kecamatan: list[dict]
    visits: list[dict]
    months: list[dict] = field(default_factory=list)
    aspect_names: dict[str, str] = field(default_factory=dict)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(max(value, 0.0), 2)


def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None


class TicketLine(NamedTuple):
    """One ticket of the period, compact (tens of thousands are held at once)."""
    id: int
    opened: datetime          # local wall-clock time, naive (Excel has no time zones)
    cooperative: str
    kecamatan: str
    service: str
    category: str
    status: str
    source: str
    first_response_h: float | None   # office hours to the first answer
    resolution_h: float | None       # office hours to resolved/closed
    sla_breach: bool                 # unclaimed and unanswered for the SLA's office hours
    score: int | None


async def ticket_lines(repo: SupervisionRepo, bounds, office: OfficeHours, sla_hours: float, now: datetime,
                       period: Period, page: int = 5000) -> list[TicketLine]:
    index = OfficeIndex(office, period.start - timedelta(days=1), max(now.astimezone(office.tz).date(), period.end))
    tz, sla_seconds, now_ts = office.tz, sla_hours * 3600, now.timestamp()
    shared: dict[str, str] = {}
    same = shared.setdefault  # one string object per distinct name/label

    def at(text: str | None) -> float | None:
        return parse_utc(text).timestamp() if text else None

    def between(a: float, ca: float | None, b: float) -> float:
        cb = index.cumulative(b)
        if ca is None or cb is None:  # outside the indexed range: the slow, exact way
            return office.office_hours_between(datetime.fromtimestamp(a, tz), datetime.fromtimestamp(b, tz)) * 3600
        return cb - ca

    lines: list[TicketLine] = []
    after = 0
    while True:
        rows = await repo.tickets_sheet(bounds, after, page)
        for tid, created_at, service, category, status, source, claimed, first_at, done_at, coop, kec, score in rows:
            created_dt = parse_utc(created_at)
            created = created_dt.timestamp()
            c0 = index.cumulative(created)
            first, done = at(first_at), at(done_at)
            picked = at(claimed or first_at)
            until = picked if picked else (now_ts if status in OPEN or not done else done)
            lines.append(TicketLine(
                tid, created_dt.astimezone(tz).replace(tzinfo=None), same(coop, coop), same(kec, kec),
                same(service, service), same(category, category), same(status, status), same(source, source),
                round(max(between(created, c0, first), 0) / 3600, 2) if first else None,
                round(max(between(created, c0, done), 0) / 3600, 2) if done else None,
                between(created, c0, until) >= sla_seconds, score))
        if len(rows) < page:
            return lines
        after = rows[-1][0]


TABLE_VERSION = hashlib.sha1(repr(TABLE).encode()).hexdigest()[:16]  # changes when the data table is corrected


def health_rows(rows: list[dict], tz: tzinfo) -> tuple[list[dict], dict[int, str]]:
    """Rows for the health sheet, and the per-aspect scores computed now (to be stored)."""
    out, computed = [], {}
    for r in rows:
        row = {"id": r["id"], "finished_on": fx.local_date(r["finished_at"], tz), "cooperative": r["cooperative"],
               "cooperative_id": r["cooperative_id"], "kecamatan": r["kecamatan"], "kind": r["kind"],
               "total": float(r["total"] or 0), "band": r["band"], "coverage": float(r["coverage"] or 0),
               "aspects": {}, "red_flags": ()}
        if r["kind"] == "financial":
            if r["aspects"]:
                row["aspects"] = json.loads(r["aspects"])
            else:
                result = hf.score_financial(json.loads(r["answers"]) if r["answers"] else {})
                row["aspects"] = {a.id: float(a.score) for a in result.aspects}
                computed[r["id"]] = json.dumps(row["aspects"])
        elif r["answers"]:
            row["red_flags"] = fx.red_flags(json.loads(r["answers"]))
        out.append(row)
    return out, computed


async def build(db: Executor, period: Period, *, office: OfficeHours, sla_hours: float, now: datetime,
                cfg: RiskConfig | None = None) -> ReportData:
    """Longer than 60 lines on purpose: one query per sheet, in the workbook's order, so a reader sees every query the report makes (no N+1) in one place."""
    tz = office.tz
    cfg = cfg or load_config()
    bounds = period.bounds(tz)
    today = now.astimezone(tz).date()
    as_of = min(today, period.end - timedelta(days=1))
    as_of_utc = min(bounds.end_utc, to_utc_text(now))
    repo = SupervisionRepo(db)
    kpis = await repo.kpis(bounds)
    coops = await repo.cooperatives_sheet(bounds)
    tickets = await ticket_lines(repo, bounds, office, sla_hours, now, period)
    checks, computed = health_rows(await repo.health_sheet(bounds, TABLE_VERSION), tz)
    await repo.save_aspect_scores(TABLE_VERSION, computed)
    visits = await repo.visits_sheet(bounds)
    since = to_utc_text(datetime.combine(as_of - timedelta(days=cfg.curative_days), datetime.min.time(), tzinfo=tz))
    facts = {f.id: f for f in fx.build_facts(await repo.risk_inputs(None, since, as_of_utc, fx.RED_FLAG_QUESTIONS), as_of, tz)}

    # cooperatives: compliance, health, risk --------------------------------------------------
    assessments: dict[int, Assessment] = {}
    rat = Counter()
    report_overdue = 0
    bands_latest: dict[str, Counter] = {"financial": Counter(), "governance": Counter()}
    for c in coops:
        f = facts.get(c["id"])
        a = assess(f, cfg, as_of) if f else None
        assessments[c["id"]] = a
        c["rat"] = f.rat if f else None
        c["financial"] = f.financial if f else None
        c["governance"] = f.governance if f else None
        c["trend_financial"] = fx.trend(f.financial, f.financial_prev) if f else None
        c["risk_score"] = a.score if a else 0
        c["reasons"] = [r.code for r in a.reasons] if a else []
        if f and f.rat:
            rat[f.rat.status] += 1
            report_overdue += f.rat.report_status == "overdue"
        for kind in ("financial", "governance"):
            if c[kind] is not None:
                bands_latest[kind][c[kind].band] += 1
    rat["report_overdue"] = report_overdue

    # checks done in the period, by band ------------------------------------------------------
    bands = {"financial": Counter(), "governance": Counter()}
    for h in checks:
        bands[h["kind"]][h["band"]] += 1

    # tickets ------------------------------------------------------------------------------------
    firsts = [t.first_response_h for t in tickets if t.first_response_h is not None]
    resolutions = [t.resolution_h for t in tickets if t.resolution_h is not None]
    scores = [t.score for t in tickets if t.score]
    held = rat["held"]
    due_total = sum(rat[s] for s in ("held", "late", "past_limit"))
    kpis.update(
        tickets_opened=len(tickets),
        tickets_curative=sum(t.service == "kuratif" for t in tickets),
        median_first_response_h=_median(firsts), median_resolution_h=_median(resolutions),
        sla_breaches=sum(t.sla_breach for t in tickets),
        rating_average=round(sum(scores) / len(scores), 2) if scores else None, ratings=len(scores),
        checks_financial=sum(bands["financial"].values()), checks_governance=sum(bands["governance"].values()),
        rat_held=held, rat_late=rat["late"], rat_past_limit=rat["past_limit"], rat_report_overdue=report_overdue,
        rat_compliance=round(held / due_total, 4) if due_total else None,
        visits=len(visits), at_risk=sum(1 for a in assessments.values() if a and a.score > 0),
    )

    # per month (for the chart) -------------------------------------------------------------------
    per_month = {kind: Counter() for kind in ("opened", "checks", "visits")}
    for t in tickets:
        per_month["opened"][(t.opened.year, t.opened.month)] += 1
    for h in checks:
        per_month["checks"][(h["finished_on"].year, h["finished_on"].month)] += 1
    for v in visits:
        per_month["visits"][(int(v["visited_on"][:4]), int(v["visited_on"][5:7]))] += 1
    months = [{"month": m, **{kind: c[(m.year, m.month)] for kind, c in per_month.items()}} for m in period.months]

    # per kecamatan ---------------------------------------------------------------------------------
    agg: dict[str, dict] = {}
    for name in list(KECAMATAN) + sorted({c["kecamatan"] for c in coops} - set(KECAMATAN)):
        agg[name] = dict(kecamatan=name, cooperatives=0, members=0, managers=0, tickets=0, curative=0, open=0,
                         checks=0, score_sum=0.0, scored=0, under_supervision=0, rat_held=0, rat_due=0,
                         rat_past_limit=0, visits=0, at_risk=0)
    for c in coops:
        k = agg[c["kecamatan"]]
        k["cooperatives"] += 1
        k["members"] += c["members"] or 0
        k["managers"] += c["managers_n"]
        k["tickets"] += c["tickets_period"]
        k["curative"] += c["curative_period"]
        k["open"] += c["tickets_open"]
        k["visits"] += c["visits_period"]
        if c["financial"] is not None:
            k["score_sum"] += float(c["financial"].total)
            k["scored"] += 1
        worst = max((x.band for x in (c["financial"], c["governance"]) if x is not None),
                    key=lambda b: BANDS.index(b) if b in BANDS else -1, default=None)
        k["under_supervision"] += worst in ("dalam_pengawasan", "dalam_pengawasan_khusus")
        if c["rat"] is not None:
            k["rat_held"] += c["rat"].status == "held"
            k["rat_due"] += c["rat"].status in ("held", "late", "past_limit")
            k["rat_past_limit"] += c["rat"].status == "past_limit"
        k["at_risk"] += c["risk_score"] > 0
    for h in checks:
        agg[h["kecamatan"]]["checks"] += 1
    rows = []
    for k in agg.values():
        k["score_avg"] = round(k.pop("score_sum") / k["scored"], 2) if k["scored"] else None
        k["rat_compliance"] = round(k["rat_held"] / k["rat_due"], 4) if k["rat_due"] else None
        rows.append(k)

    return ReportData(period=period, as_of=as_of, generated_at=now.astimezone(tz), kpis=kpis, bands=bands,
                      rat=rat, cooperatives=coops, tickets=tickets, health=checks, kecamatan=rows, visits=visits,
                      months=months, aspect_names={a.id: a.name_id for a in TABLE.aspects})
