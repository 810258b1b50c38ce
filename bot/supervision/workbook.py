"""The report as an Excel workbook (XlsxWriter, constant_memory: rows stream to disk, so 50,000
tickets cost no more memory than 50).

Sheets: summary (KPIs, band and RAT tables, native charts), cooperatives, tickets, health
results per aspect, per-kecamatan aggregates, pendamping visits. Every sheet has a frozen,
filtered header row, Indonesian date and number formats ([$-421] = Indonesian) and column
widths fitted to what was written. An empty sheet says why it is empty. All words come from
the templates (`label(key, **values)`, macro supervision.xl).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from bot.supervision.report import ASPECTS, BANDS, RAT_STATUSES, ReportData

Label = Callable[..., str]
DATE = "[$-421]d mmm yyyy"
DATETIME = "[$-421]d mmm yyyy hh:mm"
MAX_WIDTH = 60


NUMERIC = {"int": 12, "dec": 12, "pct": 9, "ticket": 10}
DATES = {"date": 13, "datetime": 18}


class Sheet:
    """One worksheet written row by row. Each column has one kind (text, int, dec, pct, date,
    datetime, bool), fixed by `header`, so a row is written without inspecting its values;
    the widest text of each column sets its width."""

    def __init__(self, book: "Book", name: str) -> None:
        self.book, self.ws = book, book.wb.add_worksheet(name)
        self.name = name
        self.row = 0
        self.header_row, self.columns = 0, 0
        self.kinds: list[str | None] = []
        self.widths: list[int] = []

    def write_row(self, values: list[Any], fmts: list[str | None] | None = None, style: Any = None) -> int:
        """A free-form row (titles, small tables): kinds per call."""
        r, ws, fmt = self.row, self.ws, self.book.fmt
        for c, value in enumerate(values):
            kind = fmts[c] if fmts and c < len(fmts) else None
            if value is None or value == "":
                if style is not None:
                    ws.write_blank(r, c, None, style)
                continue
            if kind in NUMERIC:
                ws.write_number(r, c, value, fmt(kind))
            elif kind in DATES or isinstance(value, (date, datetime)):
                ws.write_datetime(r, c, value, fmt(kind or "date"))
            else:
                text = self.book.label("yes" if value else "no") if isinstance(value, bool) else str(value)
                ws.write_string(r, c, text, style if kind is None else fmt(kind))
                self._fit(c, len(text))
        self.row += 1
        return r

    def _fit(self, col: int, length: int) -> None:
        while len(self.widths) <= col:
            self.widths.append(0)
        if length > self.widths[col]:
            self.widths[col] = length

    def header(self, keys: list[str], kinds: list[str | None] | None = None, freeze: bool = True) -> None:
        names = [self.book.label(f"col_{k}") for k in keys]
        r = self.write_row(names, style=self.book.fmt("header"))
        self.header_row, self.columns = r, len(keys)
        self.kinds = list(kinds) if kinds else [None] * len(keys)
        self.widths = [min(MAX_WIDTH, len(n) + 1) for n in names]
        for c, kind in enumerate(self.kinds):
            self.widths[c] = max(self.widths[c], NUMERIC.get(kind, 0), DATES.get(kind, 0))
        if freeze:
            self.ws.freeze_panes(r + 1, 0)

    def data_row(self, values: list[Any]) -> None:
        """A row of the table under `header` (the hot path: tens of thousands of rows)."""
        r, ws, widths = self.row, self.ws, self.widths
        fmts = self.book.kind_formats
        for c, kind in enumerate(self.kinds):
            value = values[c]
            if value is None or value == "":
                continue
            if kind is None:
                text = value if value.__class__ is str else str(value)
                ws.write_string(r, c, text)
                if len(text) > widths[c]:
                    widths[c] = len(text)
            elif kind == "bool":
                ws.write_string(r, c, self.book.yes if value else self.book.no)
            elif kind in NUMERIC:
                ws.write_number(r, c, value, fmts[kind])
            else:
                ws.write_datetime(r, c, value, fmts[kind])
        self.row += 1

    def finish(self, empty_message: str | None = None) -> None:
        if empty_message is not None and self.row == self.header_row + 1:
            self.write_row([empty_message], style=self.book.fmt("note"))
        if self.row > self.header_row + 1:
            self.ws.autofilter(self.header_row, 0, self.row - 1, self.columns - 1)
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, min(MAX_WIDTH, max(width + 2, 8)))


class Book:
    def __init__(self, path: Path, label: Label) -> None:
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                                  "strings_to_formulas": False, "strings_to_urls": False})
        self.label = label
        self._formats: dict[str, Any] = {}
        specs = {
            "header": {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"},
            "title": {"bold": True, "font_size": 14},
            "note": {"italic": True, "font_color": "#595959"},
            "int": {"num_format": "#,##0"},
            "dec": {"num_format": "#,##0.00"},
            "pct": {"num_format": "0.0%"},
            "ticket": {"num_format": '"#"0000'},  # the ticket's number as the bot writes it: #0123
            "date": {"num_format": DATE},
            "datetime": {"num_format": DATETIME},
            "bold": {"bold": True},
        }
        for name, spec in specs.items():
            self._formats[name] = self.wb.add_format(spec)
        self.kind_formats = {k: self._formats[k] for k in ("int", "dec", "pct", "ticket", "date", "datetime")}
        self.yes, self.no = label("yes"), label("no")

    def fmt(self, name: str | None) -> Any:
        return self._formats.get(name) if name else None

    def sheet(self, key: str) -> Sheet:
        return Sheet(self, self.label(f"sheet_{key}"))

    def close(self) -> None:
        self.wb.close()


def _band(label: Label, code: str | None) -> str:
    return label(f"band_{code}") if code else ""


def write_workbook(data: ReportData, path: Path, label: Label) -> Path:
    book = Book(path, label)
    summary = book.sheet("summary")
    coops = book.sheet("cooperatives")
    tickets = book.sheet("tickets")
    health = book.sheet("health")
    kec = book.sheet("kecamatan")
    visits = book.sheet("visits")
    _summary(book, summary, data, kec.name)
    _cooperatives(book, coops, data)
    _tickets(book, tickets, data)
    _health(book, health, data)
    _kecamatan(book, kec, data)
    _visits(book, visits, data)
    book.close()
    return path


def _summary(book: Book, s: Sheet, data: ReportData, kec_sheet: str) -> None:
    """Longer than 60 lines on purpose: the summary sheet's layout, cell by cell and chart by chart, top to bottom as the office reads it."""
    L, k = book.label, data.kpis
    s.write_row([L("title", period=data.period)], style=book.fmt("title"))
    s.write_row([L("as_of_line"), data.as_of, L("generated_line"), data.generated_at.replace(tzinfo=None, microsecond=0)],
                ["bold", "date", "bold", "datetime"])
    s.row += 1
    s.header(["indicator", "value"], [None, None])
    rows = [
        ("cooperatives", k["cooperatives"], "int"), ("cooperatives_new", k["cooperatives_new"], "int"),
        ("active_managers", k["active_managers"], "int"), ("questions", k["questions"], "int"),
        ("questions_confident", k["questions_confident"], "int"),
        ("questions_answered", k["questions_answered"], "int"), ("tickets_opened", k["tickets_opened"], "int"),
        ("tickets_curative", k["tickets_curative"], "int"), ("tickets_closed", k["tickets_closed"], "int"),
        ("tickets_open_now", k["tickets_open_now"], "int"),
        ("median_first_response_h", k["median_first_response_h"], "dec"),
        ("median_resolution_h", k["median_resolution_h"], "dec"), ("sla_breaches", k["sla_breaches"], "int"),
        ("rating_average", k["rating_average"], "dec"), ("ratings", k["ratings"], "int"),
        ("checks_financial", k["checks_financial"], "int"), ("checks_governance", k["checks_governance"], "int"),
        ("rat_held", k["rat_held"], "int"), ("rat_late", k["rat_late"], "int"),
        ("rat_past_limit", k["rat_past_limit"], "int"), ("rat_report_overdue", k["rat_report_overdue"], "int"),
        ("rat_compliance", k["rat_compliance"], "pct"), ("visits", k["visits"], "int"),
        ("at_risk", k["at_risk"], "int"),
    ]
    for key, value, kind in rows:
        s.write_row([L(f"kpi_{key}"), value if value is not None else L("none")],
                    [None, kind if value is not None else None])
    s.ws.autofilter(s.header_row, 0, s.row - 1, 1)
    s.row += 1
    # band table (checks done in the period)
    band_first = s.row + 1
    s.write_row([L("col_band"), L("col_checks_financial"), L("col_checks_governance")], style=book.fmt("header"))
    for b in BANDS:
        s.write_row([_band(L, b), data.bands["financial"][b], data.bands["governance"][b]], [None, "int", "int"])
    band_last = s.row - 1
    s.row += 1
    rat_first = s.row + 1
    s.write_row([L("col_rat_status"), L("col_cooperatives")], style=book.fmt("header"))
    for status in RAT_STATUSES:
        s.write_row([L(f"rat_{status}"), data.rat[status]], [None, "int"])
    rat_last = s.row - 1
    s.row += 1
    month_first = s.row + 1
    s.write_row([L("col_month"), L("col_tickets_opened"), L("col_checks"), L("col_visits")], style=book.fmt("header"))
    for m in data.months:
        s.write_row([L("month_label", month=m["month"].month, year=m["month"].year), m["opened"], m["checks"],
                     m["visits"]], [None, "int", "int", "int"])
    month_last = s.row - 1
    for col, width in enumerate(s.widths):
        s.ws.set_column(col, col, min(MAX_WIDTH, max(width + 2, 12)))
    name = s.name.replace("'", "''")

    bands = book.wb.add_chart({"type": "column"})
    for col, series in ((1, "col_checks_financial"), (2, "col_checks_governance")):
        bands.add_series({"name": L(series), "categories": [s.name, band_first, 0, band_last, 0],
                          "values": [s.name, band_first, col, band_last, col]})
    bands.set_title({"name": L("chart_bands")})
    bands.set_legend({"position": "bottom"})
    s.ws.insert_chart("F4", bands, {"x_scale": 1.2, "y_scale": 1.0})

    rat = book.wb.add_chart({"type": "pie"})
    rat.add_series({"name": L("chart_rat"), "categories": [s.name, rat_first, 0, rat_last, 0],
                    "values": [s.name, rat_first, 1, rat_last, 1], "data_labels": {"value": True}})
    rat.set_title({"name": L("chart_rat")})
    s.ws.insert_chart("F20", rat, {"x_scale": 1.2, "y_scale": 1.0})

    kec = book.wb.add_chart({"type": "bar"})
    rows = len(data.kecamatan)
    for col, series in ((1, "col_cooperatives"), (14, "col_at_risk")):
        kec.add_series({"name": L(series), "categories": [kec_sheet, 1, 0, rows, 0],
                        "values": [kec_sheet, 1, col, rows, col]})
    kec.set_title({"name": L("chart_kecamatan")})
    kec.set_legend({"position": "bottom"})
    s.ws.insert_chart("F36", kec, {"x_scale": 1.4, "y_scale": 2.0})

    if len(data.months) > 1:
        trend = book.wb.add_chart({"type": "line"})
        for col, series in ((1, "col_tickets_opened"), (2, "col_checks"), (3, "col_visits")):
            trend.add_series({"name": L(series), "categories": [s.name, month_first, 0, month_last, 0],
                              "values": [s.name, month_first, col, month_last, col], "marker": {"type": "circle"}})
        trend.set_title({"name": L("chart_months")})
        s.ws.insert_chart("N4", trend, {"x_scale": 1.2})
    del name


def _cooperatives(book: Book, s: Sheet, data: ReportData) -> None:
    L = book.label
    s.header(["id", "name", "kind", "kecamatan", "estate", "company", "members", "nik", "managers", "rat_year",
              "rat_status", "rat_held_on", "rat_report", "financial_score", "financial_band", "financial_on",
              "trend", "governance_score", "governance_band", "red_flags", "tickets_period", "curative_period",
              "tickets_open", "visits_period", "last_visit", "risk_score", "risk_reasons"],
             ["int", None, None, None, None, None, "int", None, None, "int", None, "date", None, "dec", None, "date",
              None, "dec", None, "int", "int", "int", "int", "int", "date", "int", None])
    for c in data.cooperatives:
        rat, fin, gov = c["rat"], c["financial"], c["governance"]
        s.data_row([
            c["id"], c["name"], L("kind", key=c["kind"]), c["kecamatan"], c["estate"], c["company"],
            c["members"], c["nik"], c["managers"],
            rat.fiscal_year if rat else None, L(f"rat_{rat.status}") if rat else None,
            rat.held_on if rat else None,
            L(f"report_{rat.report_status}") if rat and rat.report_status else None,
            float(fin.total) if fin else None, _band(L, fin.band) if fin else None, fin.finished_on if fin else None,
            L(f"trend_{c['trend_financial']}") if c["trend_financial"] else None,
            float(gov.total) if gov else None, _band(L, gov.band) if gov else None,
            len(gov.red_flags) if gov else None,
            c["tickets_period"], c["curative_period"], c["tickets_open"], c["visits_period"],
            date.fromisoformat(c["last_visit"]) if c["last_visit"] else None,
            c["risk_score"], "; ".join(L(f"reason_{r}") for r in c["reasons"]),
        ])
    s.finish(L("empty_cooperatives"))


def _tickets(book: Book, s: Sheet, data: ReportData) -> None:
    L = book.label
    s.header(["number", "opened", "cooperative", "kecamatan", "service", "category", "status", "source",
              "first_response_h", "resolution_h", "sla_breach", "rating"],
             ["ticket", "datetime", None, None, None, None, None, None, "dec", "dec", "bool", "int"])
    service, category, status = ({}, {}, {})
    for t in data.tickets:
        s.data_row([t.id, t.opened, t.cooperative, t.kecamatan,
                    service.get(t.service) or service.setdefault(t.service, L("service", key=t.service)),
                    category.get(t.category) or category.setdefault(t.category, L("category", key=t.category)),
                    status.get(t.status) or status.setdefault(t.status, L("status", key=t.status)),
                    t.source, t.first_response_h, t.resolution_h, t.sla_breach, t.score])
    s.finish(L("empty_tickets"))


def _health(book: Book, s: Sheet, data: ReportData) -> None:
    L = book.label
    s.header(["check", "finished", "cooperative", "kecamatan", "check_kind", "score", "band", "coverage"]
             + [f"aspect_{a}" for a in ASPECTS] + ["red_flags"],
             ["int", "date", None, None, None, "dec", None, "dec"] + ["dec"] * len(ASPECTS) + [None])
    for h in data.health:
        s.data_row([h["id"], h["finished_on"], h["cooperative"], h["kecamatan"], L(f"check_{h['kind']}"), h["total"],
                    _band(L, h["band"]), h["coverage"]] + [h["aspects"].get(a) for a in ASPECTS]
                   + ["; ".join(L(f"flag_{f}") for f in h["red_flags"])])
    s.finish(L("empty_health"))


def _kecamatan(book: Book, s: Sheet, data: ReportData) -> None:
    s.header(["kecamatan", "cooperatives", "members", "managers_n", "tickets_opened", "curative_period", "tickets_open",
              "checks", "score_avg", "under_supervision", "rat_held", "rat_past_limit", "rat_compliance", "visits",
              "at_risk"],
             [None, "int", "int", "int", "int", "int", "int", "int", "dec", "int", "int", "int", "pct", "int", "int"])
    for k in data.kecamatan:
        s.data_row([k["kecamatan"], k["cooperatives"], k["members"], k["managers"], k["tickets"], k["curative"],
                    k["open"], k["checks"], k["score_avg"], k["under_supervision"], k["rat_held"],
                    k["rat_past_limit"], k["rat_compliance"], k["visits"], k["at_risk"]])
    s.finish(book.label("empty_kecamatan"))


def _visits(book: Book, s: Sheet, data: ReportData) -> None:
    L = book.label
    s.header(["visit_on", "cooperative", "kecamatan", "visit_kind", "pendamping", "findings", "followups", "photos"],
             ["date", None, None, None, None, None, None, "int"])
    for v in data.visits:
        s.data_row([date.fromisoformat(v["visited_on"]), v["cooperative"], v["kecamatan"], L(f"visit_{v['kind']}"),
                    v["pendamping"] or L("unknown_pendamping"), v["findings"], v["followups"], v["photos"]])
    s.finish(L("empty_visits", kind=data.period.kind))
