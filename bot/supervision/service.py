"""Supervision as a service (no Telegram): the cooperative card, the risk list, a pendamping's
cooperatives, visits, the report, and the scheduled work (monthly report to the admins, weekly
digest to each pendamping, follow-up reminders).

Scheduled work is idempotent the same way reminders are: each batch has a ledger key
(`supervision_sent`) claimed in the same transaction as its outbox rows, so a retried tick, a
crash or a restart never sends it twice, and a tick after downtime still sends what is owed.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.calendar.reminders import Clock, ReminderService
from bot.core.buttons import Button, callback
from bot.core.office_hours import OfficeHours
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts, split_message
from bot.supervision import facts as fx
from bot.supervision import period as periods
from bot.supervision.chart import render_summary
from bot.supervision.report import ReportData, build
from bot.supervision.risk import Assessment, RiskConfig, load_config, rank
from bot.supervision.workbook import write_workbook
from bot.tickets.rules import number as ticket_number
from bot.tickets.service import TicketService
from storage.consultants import ConsultantRepo
from storage.cooperatives import Cooperative, CooperativeRepo
from storage.db import Database, NotFound, to_utc_text
from storage.health import HealthRepo
from storage.supervision import SupervisionRepo
from storage.tickets import TicketRepo

log = logging.getLogger(__name__)
PREFIX = "sv"
REPORT_KIND, DIGEST_KIND, FOLLOWUP_KIND = "report", "digest", "followup"
SEND_AT = time(8)
DIGEST_ITEMS = 15


class Labels:
    """Workbook and chart words from the templates, remembered (a report asks for the same
    few hundred labels tens of thousands of times)."""

    def __init__(self, texts: Texts, lang: str) -> None:
        self.texts, self.lang = texts, lang
        self._cache: dict[tuple, str] = {}

    def __call__(self, name: str, **values: Any) -> str:
        key = (name, *sorted(values.items()))
        hit = self._cache.get(key)
        if hit is None:
            if name == "kind":
                hit = self.texts.plain(self.lang, "labels.kind", key=values["key"])
            elif name in ("service", "category", "status"):
                hit = self.texts.plain(self.lang, f"tickets.{name}", key=values["key"])
            else:
                hit = self.texts.plain(self.lang, "supervision.xl", name=name, values=values)
            self._cache[key] = hit
        return hit


@dataclass
class Report:
    data: ReportData
    path: Path
    chart_path: Path


@dataclass
class Card:
    coop: Cooperative
    today: date
    managers: list[str]
    obligations: list
    checks: dict[str, list[dict]]   # per kind, newest first: {id, kind, total, band, on}
    trend: dict[str, str | None]
    tickets: list[dict]             # with `on` (local date opened)
    meetings: list[dict]
    last_visit: dict | None         # with `on`
    risk: Assessment | None
    followups: list[dict] = field(default_factory=list)  # with `due`


def _on(value: str, tz) -> date:
    return fx.local_date(value, tz)


def check_view(check, tz) -> dict:
    return {"id": check.id, "kind": check.kind, "total": check.total or "0", "band": check.band,
            "on": _on(check.finished_at, tz)}


def visit_view(visit: dict, tz) -> dict:
    return {**visit, "on": date.fromisoformat(visit["visited_on"]),
            "followups": [{**f, "due": date.fromisoformat(f["due_on"])} for f in visit.get("followups", [])]}


@dataclass
class TickReport:
    reports: int = 0
    digests: int = 0
    followups: int = 0
    errors: list[str] = field(default_factory=list)


class SupervisionService:
    def __init__(self, db: Database, outbox: Outbox, texts: Texts, settings: Settings, clock: Clock | None = None,
                 reports_dir: Path | None = None, cfg: RiskConfig | None = None,
                 tickets: TicketService | None = None) -> None:
        self.tickets = tickets or TicketService(db, outbox, texts, settings)
        self.db, self.outbox, self.texts, self.settings = db, outbox, texts, settings
        self.clock = clock or Clock(settings.clock_start)
        self.tz = settings.tz
        self.office = OfficeHours(settings.office_hours, tz=self.tz)
        self.reports_dir = reports_dir or Path(settings.database_path).parent / "reports"
        self.cfg = cfg or load_config()
        self.lang = settings.default_language
        self._ranked: tuple[tuple, list[Assessment]] | None = None  # (data fingerprint, ranking)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def labels(self, lang: str | None = None) -> Labels:
        return Labels(self.texts, lang or self.lang)

    # ---- finding and the card ----------------------------------------------------------------
    async def search(self, text: str) -> list[dict]:
        return await SupervisionRepo(self.db).search(text)

    async def own_cooperative(self, user_id: int) -> Cooperative | None:
        """The cooperative a manager acts for (the only one a manager may see)."""
        return await CooperativeRepo(self.db).cooperative_of(user_id)

    async def cooperative(self, cooperative_id: int) -> Cooperative | None:
        try:
            return await CooperativeRepo(self.db).get(cooperative_id)
        except NotFound:
            return None

    async def card(self, cooperative_id: int) -> Card | None:
        coop = await self.cooperative(cooperative_id)
        if coop is None:
            return None
        reminders = ReminderService(self.db, self.outbox, self.texts, self.tz, self.clock, None)
        obligations = await reminders.calendar(coop)
        managers = [m.full_name for m in await CooperativeRepo(self.db).managers(coop.id, active_only=False)
                    if m.full_name]
        history = await HealthRepo(self.db).history(coop.id, limit=20)
        raw = {k: [c for c in history if c.kind == k][:2] for k in ("financial", "governance")}
        trend = {k: fx.trend(*(fx.check_fact(c.as_dict(), self.tz) for c in v)) if len(v) == 2 else None
                 for k, v in raw.items()}
        checks = {k: [check_view(c, self.tz) for c in v] for k, v in raw.items()}
        repo = SupervisionRepo(self.db)
        extra = await repo.card_facts(coop.id)
        tickets = [{**t, "on": _on(t["created_at"], self.tz), "number": ticket_number(t["id"])} for t in extra["tickets"]]
        ranked = await self.ranking([coop.kecamatan], include_zero=True)
        risk = next((a for a in ranked if a.id == coop.id), None)
        last = visit_view(extra["last_visit"], self.tz) if extra["last_visit"] else None
        return Card(coop, self.today(), managers, obligations, checks, trend, tickets, extra["meetings"], last, risk,
                    last["followups"] if last else [])

    async def history(self, cooperative_id: int) -> dict:
        repo = SupervisionRepo(self.db)
        checks = await HealthRepo(self.db).history(cooperative_id, limit=10)
        return {"visits": [visit_view(v, self.tz) for v in await repo.visits_of(cooperative_id, limit=10)],
                "checks": [check_view(c, self.tz) for c in checks]}

    # ---- risk ----------------------------------------------------------------------------------
    async def ranking(self, kecamatan: list[str] | None = None, include_zero: bool = False) -> list[Assessment]:
        """Every cooperative (or those of `kecamatan`) ranked, highest risk first. The whole
        regency's ranking is remembered until the data it reads changes (or the day does), so
        twenty pendamping asking /binaan cost one computation."""
        now = self.now()
        today = now.astimezone(self.tz).date()
        repo = SupervisionRepo(self.db)
        key = (today, await repo.risk_fingerprint())
        if self._ranked is None or self._ranked[0] != key:
            since = to_utc_text(datetime.combine(today - timedelta(days=self.cfg.curative_days), time(0),
                                                 tzinfo=self.tz))
            inputs = await repo.risk_inputs(None, since, to_utc_text(now + timedelta(seconds=1)),
                                            fx.RED_FLAG_QUESTIONS, previous=False)
            self._ranked = (key, rank(fx.build_facts(inputs, today, self.tz), self.cfg, today, include_zero=True))
        wanted = set(kecamatan) if kecamatan is not None else None
        return [a for a in self._ranked[1]
                if (wanted is None or a.facts.kecamatan in wanted) and (include_zero or a.score > 0)]

    async def areas_of(self, user_id: int) -> list[str]:
        return await ConsultantRepo(self.db).areas_of(user_id)

    # ---- visits ----------------------------------------------------------------------------------
    async def save_visit(self, *, cooperative_id: int, pendamping_id: int, visited_on: date, kind: str, findings: str,
                         followups: list[tuple[str, date]], photos: list[str], source_key: str) -> int | None:
        async with self.db.transaction() as tx:
            return await SupervisionRepo(tx).add_visit(
                cooperative_id=cooperative_id, pendamping_id=pendamping_id, visited_on=visited_on, kind=kind,
                findings=findings, followups=followups, photos=photos, source_key=source_key)

    async def finish_followup(self, followup_id: int, user_id: int, is_admin: bool) -> bool:
        repo = SupervisionRepo(self.db)
        item = await repo.followup(followup_id)
        if item is None or (item.pendamping_id != user_id and not is_admin):
            return False
        return await repo.mark_followup_done(followup_id)

    # ---- preventive ticket from the card ---------------------------------------------------------
    async def open_preventive_ticket(self, cooperative_id: int) -> tuple[str, bool]:
        """Through the tickets capability (as the health alerts do); one open supervision ticket
        per cooperative: a second press names the open one."""
        for t in await TicketRepo(self.db).of_cooperative(cooperative_id, limit=50):
            if t.source == "supervision" and t.is_open:
                return ticket_number(t.id), True
        coop = await CooperativeRepo(self.db).get(cooperative_id)
        ranked = await self.ranking([coop.kecamatan], include_zero=True)
        risk = next((a for a in ranked if a.id == coop.id), None)
        question = self.texts.plain(self.lang, "supervision.ticket_question", coop=coop,
                                    reasons=[r.code for r in risk.reasons] if risk else [])
        ticket = await self.tickets.open(cooperative_id=coop.id, manager_user_id=None, service="preventif",
                                         category="kepatuhan", question=question, source="supervision")
        return ticket_number(ticket.id), False

    # ---- the report ----------------------------------------------------------------------------
    async def report(self, period: periods.Period, lang: str | None = None) -> Report:
        """Build the workbook and the chart on disk (the outbox sends files by path)."""
        now = self.now()
        data = await build(self.db, period, office=self.office, sla_hours=self.settings.ticket_sla_office_hours,
                           now=now, cfg=self.cfg)
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        stamp = now.astimezone(self.tz).strftime("%Y%m%d-%H%M%S-%f")
        path = self.reports_dir / f"laporan-klinik-{period.key}-{stamp}.xlsx"
        chart_path = path.with_suffix(".png")
        labels = self.labels(lang)
        await asyncio.to_thread(write_workbook, data, path, labels)
        png = await asyncio.to_thread(render_summary, data, labels)
        chart_path.write_bytes(png)
        return Report(data, path, chart_path)

    def filename(self, period: periods.Period) -> str:
        return f"laporan-klinik-koperasi-{period.key}.xlsx"

    async def queue_report(self, report: Report, chat_ids: list[int], key: str, *, thread_id: int | None = None,
                           lang: str | None = None) -> bool:
        """The workbook and its chart to each chat, once per key (False: already queued)."""
        lang = lang or self.lang
        caption = self.texts.render(lang, "supervision.report_caption", period=report.data.period,
                                    k=report.data.kpis, as_of=report.data.as_of)
        async with self.db.transaction() as tx:
            if not await SupervisionRepo(tx).claim(key, REPORT_KIND, str(report.path)):
                return False
            box = self.outbox.bind(tx)
            for chat_id in chat_ids:
                await box.send_photo(chat_id, kind=REPORT_KIND, photo_path=str(report.chart_path),
                                     caption_html=caption, thread_id=thread_id, dedupe_key=f"{key}:{chat_id}:chart")
                await box.send_document(chat_id, kind=REPORT_KIND, document_path=str(report.path),
                                        filename=self.filename(report.data.period), thread_id=thread_id,
                                        dedupe_key=f"{key}:{chat_id}:xlsx")
        return True

    # ---- scheduled work ----------------------------------------------------------------------------
    def first_working_day(self, day: date) -> date:
        first = date(day.year, day.month, 1)
        return self.office.next_opening(datetime.combine(first, time(0), tzinfo=self.tz)).date()

    async def tick(self) -> TickReport:
        now = self.now()
        out = TickReport()
        for step in (self._monthly, self._digests, self._followups):
            try:
                await step(now, out)
            except Exception as exc:  # one part's failure must not stop the others
                log.exception("supervision tick: %s", step.__name__)
                out.errors.append(f"{step.__name__}: {exc!r}")
        return out

    async def _monthly(self, now: datetime, out: TickReport) -> None:
        local = now.astimezone(self.tz)
        if local < datetime.combine(self.first_working_day(local.date()), SEND_AT, tzinfo=self.tz):
            return
        period = periods.previous_month(local.date())
        key = f"report:monthly:{period.key}"
        admins = list(self.settings.admin_ids)
        repo = SupervisionRepo(self.db)
        if not admins or await repo.is_claimed(key):
            return
        if not await repo.registered_before(period.bounds(self.tz).end_utc):
            return  # the clinic had no cooperative yet that month: nothing to report
        report = await self.report(period)
        if await self.queue_report(report, admins, key):
            out.reports += 1

    async def _digests(self, now: datetime, out: TickReport) -> None:
        local = now.astimezone(self.tz)
        monday = local.date() - timedelta(days=local.weekday())
        if local < datetime.combine(monday, SEND_AT, tzinfo=self.tz):
            return
        repo = SupervisionRepo(self.db)
        snapshot_key = f"snapshot:{monday.isoformat()}"
        if await repo.is_claimed(snapshot_key):
            return
        ranked = {a.id: a for a in await self.ranking(None, include_zero=True)}
        before = await repo.snapshots()
        soon = local.date() + timedelta(days=7)
        followups = await repo.followups_due(soon)
        for p in await repo.pendampings():
            key = f"digest:{monday.isoformat()}:{p['user_id']}"
            areas = set(p["areas"])
            worse = [a for a in ranked.values() if a.facts.kecamatan in areas and a.score > before.get(a.id, 0)]
            worse.sort(key=lambda a: (-a.score, a.facts.name))
            mine = [{"cooperative": f.cooperative, "action": f.action, "due": date.fromisoformat(f.due_on)}
                    for f in followups if f.pendamping_id == p["user_id"]]
            async with self.db.transaction() as tx:
                if not await SupervisionRepo(tx).claim(key, DIGEST_KIND):
                    continue
                if worse or mine:
                    html = self.texts.render(self.lang, "supervision.digest", name=p["name"], monday=monday,
                                             worse=worse[:DIGEST_ITEMS], more=max(0, len(worse) - DIGEST_ITEMS),
                                             before=before, followups=mine[:DIGEST_ITEMS],
                                             more_followups=max(0, len(mine) - DIGEST_ITEMS), today=local.date())
                    box = self.outbox.bind(tx)
                    for i, part in enumerate(split_message(html)):  # Telegram takes 4096 characters a message
                        await box.send_text(p["user_id"], part, kind=DIGEST_KIND, dedupe_key=f"{key}:{i}")
                    out.digests += 1
        async with self.db.transaction() as tx:
            r = SupervisionRepo(tx)
            if await r.claim(snapshot_key, "snapshot"):
                await r.save_snapshots({cid: a.score for cid, a in ranked.items()})

    async def _followups(self, now: datetime, out: TickReport) -> None:
        local = now.astimezone(self.tz)
        if local.time() < SEND_AT:
            return
        repo = SupervisionRepo(self.db)
        for item in await repo.followups_due(local.date()):
            if item.pendamping_id is None:
                continue
            key = f"followup:{item.id}"
            async with self.db.transaction() as tx:
                if not await SupervisionRepo(tx).claim(key, FOLLOWUP_KIND):
                    continue
                html = self.texts.render(self.lang, "supervision.followup_due", item=item,
                                         due=date.fromisoformat(item.due_on))
                keyboard = [[Button(self.texts.plain(self.lang, "supervision.btn_followup_done"),
                                    callback(PREFIX, "fd", item.id))]]
                await self.outbox.bind(tx).send_text(item.pendamping_id, html, kind=FOLLOWUP_KIND, keyboard=keyboard,
                                                     dedupe_key=key, ref=("cooperative", item.cooperative_id))
                out.followups += 1

