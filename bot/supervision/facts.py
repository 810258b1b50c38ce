"""From the rows `storage.supervision.SupervisionRepo.risk_inputs` reads (one query each, all
cooperatives at once) to one `CoopFacts` per cooperative. The RAT status uses the reminders'
own rules and records (bot.calendar: the same data file, the same `records_from`), so the
office and the manager's reminders never disagree about what is late."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, tzinfo
from types import SimpleNamespace

from bot.calendar.obligations import CooperativeCalendarInput, Obligation, Records, due_dates
from bot.calendar.reminders import records_from
from bot.calendar.rules import Rules, load_rules
from bot.core.domain import COOPERATIVE_KINDS
from bot.health.governance import RED_FLAGS
from bot.supervision.risk import CheckFact, CoopFacts, RatFact, score_band
from storage.db import from_utc_text
from storage.reminders import DoneRecord

RAT_RULES = ("rat", "rat_report")
RED_FLAG_QUESTIONS = tuple(dict.fromkeys(f.question for f in RED_FLAGS))


def rat_rules(rules: Rules | None = None) -> Rules:
    """The reminders' rules, only the RAT and its report (what the risk list needs)."""
    rules = rules or load_rules()
    return replace(rules, obligations=tuple(r for r in rules.obligations if r.id in RAT_RULES))


def local_date(utc_text: str, tz: tzinfo) -> date:
    if len(utc_text) == 10:  # already a local date (visits)
        return date.fromisoformat(utc_text)
    return datetime.fromisoformat(utc_text).astimezone(tz).date()


def red_flags(answers: dict) -> tuple[str, ...]:
    return tuple(f.id for f in RED_FLAGS if answers.get(f.question) in f.answers)


def check_fact(row: dict, tz: tzinfo) -> CheckFact:
    answers = row.get("answers")
    flags = ()
    if row["kind"] == "governance" and answers:
        flags = red_flags(json.loads(answers) if isinstance(answers, str) else answers)
    fact = CheckFact(row["id"], row["kind"], row["total"] or "0", row["band"] or "", local_date(row["finished_at"], tz),
                     flags)
    return replace(fact, score_band=score_band(fact))


def records_of(done: list[dict], meetings: list[dict], fy_end_month: int, tz: tzinfo) -> Records:
    done_records = [DoneRecord(d["cooperative_id"], d["obligation_id"], d["period"], date.fromisoformat(d["done_on"]),
                               d.get("recorded_by"), d.get("recorded_at") or "") for d in done]
    rat_meetings = [SimpleNamespace(starts_at=from_utc_text(m["starts_at"])) for m in meetings]
    return records_from(done_records, {}, rat_meetings, fy_end_month, tz)


def rat_fact(obligations: list[Obligation], records: Records, today: date) -> RatFact | None:
    rat = next((o for o in obligations if o.id == "rat"), None)
    if rat is None:
        return None
    year = rat.fiscal_year or int(rat.period)
    if rat.status == "done":
        status = "held"
    elif rat.legal_limit is not None and today > rat.legal_limit:
        status = "past_limit"
    elif today > rat.due:
        status = "late"
    else:
        status = "not_due"
    report = next((o for o in obligations if o.id == "rat_report" and o.period == str(year)), None)
    # an older, unreported RAT (the year before) also counts as a missing report
    older = next((o for o in obligations if o.id == "rat_report" and o.period != str(year) and o.status == "overdue"),
                 None)
    report_status = report_due = None
    report_year = year
    if older is not None:
        report_status, report_due, report_year = "overdue", older.due, int(older.period)
    elif report is not None:
        report_status = {"done": "reported", "overdue": "overdue"}.get(report.status, "pending")
        report_due = report.due
    return RatFact(year, status, rat.due, rat.legal_limit, records.rat_held_on.get(year), report_status, report_due,
                   records.rat_reported_on.get(year), report_year, records.rat_held_on.get(report_year))


def build_facts(inputs: dict, today: date, tz: tzinfo, rules: Rules | None = None) -> list[CoopFacts]:
    rules = rules or rat_rules()
    checks: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in inputs["checks"]:
        checks[row["cooperative_id"]][row["kind"]].append(row)
    done: dict[int, list[dict]] = defaultdict(list)
    for row in inputs["done"]:
        done[row["cooperative_id"]].append(row)
    meetings: dict[int, list[dict]] = defaultdict(list)
    for row in inputs["rat_meetings"]:
        meetings[row["cooperative_id"]].append(row)
    curative: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for row in inputs["curative"]:
        curative[row["cooperative_id"]].append((row["id"], local_date(row["created_at"], tz)))
    contact = {row["cooperative_id"]: local_date(row["at"], tz) for row in inputs["contact"] if row["at"]}
    out = []
    for c in inputs["cooperatives"]:
        by_kind = checks.get(c["id"], {})
        fin = sorted(by_kind.get("financial", []), key=lambda r: r["rn"])
        gov = sorted(by_kind.get("governance", []), key=lambda r: r["rn"])
        kind = c["kind"] if c["kind"] in COOPERATIVE_KINDS else "lainnya"
        records = records_of(done.get(c["id"], []), meetings.get(c["id"], []), c["fy_end_month"], tz)
        obligations = due_dates(CooperativeCalendarInput(c["fy_end_month"], kind, coop_id=c["id"]), today, records,
                                rules)
        out.append(CoopFacts(
            id=c["id"], name=c["name"], kecamatan=c["kecamatan"], kind=c["kind"],
            registered=local_date(c["created_at"], tz),
            financial=check_fact(fin[0], tz) if fin else None,
            financial_prev=check_fact(fin[1], tz) if len(fin) > 1 else None,
            governance=check_fact(gov[0], tz) if gov else None,
            governance_prev=check_fact(gov[1], tz) if len(gov) > 1 else None,
            rat=rat_fact(obligations, records, today),
            curative=tuple(curative.get(c["id"], ())),
            last_contact=contact.get(c["id"]),
        ))
    return out


def trend(latest: CheckFact | None, previous: CheckFact | None) -> str | None:
    """up / down / same against the check before it (None with fewer than two)."""
    if latest is None or previous is None:
        return None
    a, b = float(latest.total), float(previous.total)
    return "up" if a > b + 0.005 else "down" if a < b - 0.005 else "same"


def now_local(now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date()
