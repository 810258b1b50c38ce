"""Supervision (issue 14): the office's view over every cooperative. The only SQL of the
supervision capability: one query per report sheet (never one per cooperative), the inputs of
the risk ranking, pendamping visits with their follow-ups, and the ledger of what the jobs queued.

Names of managers come only from active managers who still consent; a user erased with
/hapusdata has left the cooperative and lost their name, so they appear in nothing read here.
No query returns Telegram usernames; ids only where the bot itself must address someone
(a pendamping's follow-up reminder), never into a report.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.db import Executor, utcnow

VISIT_KINDS = ("kunjungan", "telepon", "rapat")
TICKET_COLUMNS = ("id", "created_at", "service", "category", "status", "source", "claimed_at", "first_answer_at",
                  "done_at", "cooperative", "kecamatan", "score")
OPEN_STATUSES = "('new', 'claimed', 'answered', 'waiting')"

_ACTIVE_NAMED_MANAGERS = """
    SELECT m.cooperative_id, u.full_name, m.role FROM managers m JOIN users u ON u.telegram_id = m.user_id
    WHERE m.left_at IS NULL AND u.full_name IS NOT NULL
      AND EXISTS (SELECT 1 FROM consents k WHERE k.user_id = u.telegram_id AND k.withdrawn_at IS NULL)
"""


@dataclass(frozen=True)
class Bounds:
    """A report period: [start, end) as ISO UTC text (timestamps) and local dates (visits)."""
    start_utc: str
    end_utc: str
    start_date: str
    end_date: str

    def params(self) -> dict:
        return {"a": self.start_utc, "b": self.end_utc, "ad": self.start_date, "bd": self.end_date}


@dataclass(frozen=True)
class FollowUpDue:
    id: int
    visit_id: int
    action: str
    due_on: str
    cooperative_id: int
    cooperative: str
    pendamping_id: int | None


def _dicts(rows) -> list[dict]:
    return [dict(r) for r in rows]


class SupervisionRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    # Finding a cooperative --------------------------------------------------------------
    async def search(self, text: str, limit: int = 8) -> list[dict]:
        """Cooperatives whose name contains the text (case-insensitive), exact and prefix first."""
        needle = text.strip().lower()
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            "SELECT id, name, kecamatan, kind FROM cooperatives WHERE lower(name) LIKE ? ESCAPE '\\' "
            "ORDER BY lower(name) = ? DESC, lower(name) LIKE ? DESC, name LIMIT ?",
            (like, needle, needle + "%", limit))
        return _dicts(rows)

    # The card ---------------------------------------------------------------------------
    async def card_facts(self, cooperative_id: int) -> dict:
        """Everything of one cooperative's card that other repositories do not already give."""
        p = {"c": cooperative_id}
        meetings = await self.db.fetchall(
            "SELECT kind, count(*) AS n, max(starts_at) AS last FROM meetings WHERE cooperative_id = :c "
            "AND status = 'scheduled' AND starts_at < :now GROUP BY kind", {**p, "now": utcnow()})
        tickets = await self.db.fetchall(
            f"SELECT id, service, category, status, created_at, source, status IN {OPEN_STATUSES} AS is_open "
            "FROM tickets WHERE cooperative_id = :c ORDER BY is_open DESC, id DESC LIMIT 8", p)
        visits = await self.visits_of(cooperative_id, limit=1)
        return {"meetings": _dicts(meetings), "tickets": _dicts(tickets), "last_visit": visits[0] if visits else None}

    async def risk_fingerprint(self) -> tuple:
        """Changes whenever anything the risk ranking reads changes (a few index look-ups)."""
        row = await self.db.fetchone(
            "SELECT (SELECT count(*) FROM cooperatives), (SELECT max(updated_at) FROM cooperatives), "
            "(SELECT max(id) FROM tickets), (SELECT max(finished_at) FROM health_checks WHERE finished_at IS NOT NULL), "
            "(SELECT count(*) FROM obligation_done), (SELECT max(recorded_at) FROM obligation_done), "
            "(SELECT max(id) FROM visits), (SELECT max(updated_at) FROM meetings)")
        return tuple(row)

    # Risk inputs: one query each, for all (or some kecamatan's) cooperatives ----------------
    async def risk_inputs(self, kecamatan: list[str] | None, curative_since: str, as_of: str,
                          answer_keys: tuple[str, ...] = (), previous: bool = True,
                          obligations: tuple[str, ...] = ("rat", "rat_report")) -> dict:
        """`answer_keys`: the governance answers the caller needs (its red-flag questions), read
        only from each cooperative's latest governance check; `previous`: also the check before
        the latest of each kind (for the trend); `obligations`: whose records to read."""
        where, params = "", {"since": curative_since, "asof": as_of, "keep": 2 if previous else 1}
        params.update({f"o{i}": o for i, o in enumerate(obligations)})
        params.update({f"q{i}": f"$.{key}" for i, key in enumerate(answer_keys)})
        if kecamatan is not None:
            marks = ", ".join(f":k{i}" for i in range(len(kecamatan)))
            where = f" WHERE c.kecamatan IN ({marks})" if kecamatan else " WHERE 0"
            params.update({f"k{i}": k for i, k in enumerate(kecamatan)})
        coops = await self.db.fetchall(
            f"SELECT c.id, c.name, c.kind, c.kecamatan, c.fy_end_month, c.created_at FROM cooperatives c{where} "
            "ORDER BY c.id", params)
        scope = f"cooperative_id IN (SELECT c.id FROM cooperatives c{where})" if where else "1"
        picks = "".join(f", CASE WHEN x.kind = 'governance' AND x.rn = 1 THEN json_extract(h.answers, :q{i}) END "
                        f"AS a{i}" for i in range(len(answer_keys)))
        rows = await self.db.fetchall(
            f"SELECT x.*{picks} FROM ("
            "SELECT id, cooperative_id, kind, total, band, finished_at, row_number() OVER ("
            "PARTITION BY cooperative_id, kind ORDER BY finished_at DESC, id DESC) AS rn FROM health_checks "
            f"WHERE finished_at IS NOT NULL AND finished_at < :asof AND {scope}) AS x "
            "JOIN health_checks h ON h.id = x.id WHERE x.rn <= :keep", params)
        checks = []
        for r in rows:
            row = {k: r[k] for k in ("id", "cooperative_id", "kind", "total", "band", "finished_at", "rn")}
            row["answers"] = {key: r[f"a{i}"] for i, key in enumerate(answer_keys) if r[f"a{i}"] is not None}
            checks.append(row)
        done = await self.db.fetchall(
            "SELECT cooperative_id, obligation_id, period, done_on, recorded_by, recorded_at FROM obligation_done "
            f"WHERE obligation_id IN ({', '.join(f':o{i}' for i in range(len(obligations)))}) AND {scope}", params)
        rat_meetings = await self.db.fetchall(
            f"SELECT cooperative_id, starts_at FROM meetings WHERE kind = 'rat' AND status = 'scheduled' AND {scope}",
            params)
        curative = await self.db.fetchall(
            "SELECT cooperative_id, id, created_at FROM tickets WHERE service = 'kuratif' AND created_at >= :since "
            f"AND created_at < :asof AND {scope} ORDER BY id", params)
        contact = await self.db.fetchall(
            "SELECT cooperative_id, max(at) AS at FROM ("
            f"SELECT cooperative_id, max(created_at) AS at FROM tickets WHERE {scope} GROUP BY cooperative_id "
            "UNION ALL SELECT cooperative_id, max(finished_at) FROM health_checks WHERE finished_at IS NOT NULL "
            f"AND {scope} GROUP BY cooperative_id "
            f"UNION ALL SELECT cooperative_id, max(visited_on) FROM visits WHERE {scope} GROUP BY cooperative_id "
            f"UNION ALL SELECT cooperative_id, max(recorded_at) FROM obligation_done WHERE {scope} "
            "GROUP BY cooperative_id) GROUP BY cooperative_id", params)
        return {"cooperatives": _dicts(coops), "checks": checks, "done": _dicts(done),
                "rat_meetings": _dicts(rat_meetings), "curative": _dicts(curative), "contact": _dicts(contact)}

    # Report sheets ----------------------------------------------------------------------------
    async def kpis(self, bounds: Bounds) -> dict:
        row = await self.db.fetchone(
            "SELECT "
            "(SELECT count(*) FROM cooperatives WHERE created_at < :b) AS cooperatives, "
            "(SELECT count(*) FROM cooperatives WHERE created_at >= :a AND created_at < :b) AS cooperatives_new, "
            "(SELECT count(*) FROM managers m JOIN users u ON u.telegram_id = m.user_id "
            " WHERE m.left_at IS NULL AND u.is_active = 1) AS active_managers, "
            "(SELECT count(*) FROM triages WHERE created_at >= :a AND created_at < :b) AS questions, "
            "(SELECT count(*) FROM triages WHERE created_at >= :a AND created_at < :b AND confident = 1) "
            " AS questions_confident, "
            "(SELECT count(*) FROM triages WHERE created_at >= :a AND created_at < :b AND feedback = 'answered') "
            " AS questions_answered, "
            "(SELECT count(*) FROM tickets WHERE coalesce(resolved_at, closed_at) >= :a "
            " AND coalesce(resolved_at, closed_at) < :b) AS tickets_closed, "
            f"(SELECT count(*) FROM tickets WHERE status IN {OPEN_STATUSES} AND created_at < :b) AS tickets_open_now",
            bounds.params())
        return dict(row)

    async def registered_before(self, moment_utc: str) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM cooperatives WHERE created_at < ?", (moment_utc,))
        return int(row[0])

    async def cooperatives_sheet(self, bounds: Bounds) -> list[dict]:
        rows = await self.db.fetchall(
            "WITH mgr AS (SELECT cooperative_id, group_concat(full_name || ' (' || role || ')', '; ') AS managers, "
            f"count(*) AS managers_n FROM ({_ACTIVE_NAMED_MANAGERS}) GROUP BY cooperative_id), "
            "tk AS (SELECT cooperative_id, sum(created_at >= :a AND created_at < :b) AS tickets_period, "
            "sum(service = 'kuratif' AND created_at >= :a AND created_at < :b) AS curative_period, "
            f"sum(status IN {OPEN_STATUSES}) AS tickets_open FROM tickets GROUP BY cooperative_id), "
            "vs AS (SELECT cooperative_id, max(visited_on) AS last_visit, "
            "sum(visited_on >= :ad AND visited_on < :bd) AS visits_period FROM visits "
            "WHERE visited_on < :bd GROUP BY cooperative_id) "
            "SELECT c.id, c.name, c.nik, c.kind, c.company, c.estate, c.kecamatan, c.members, c.fy_end_month, "
            "c.created_at, coalesce(mgr.managers, '') AS managers, coalesce(mgr.managers_n, 0) AS managers_n, "
            "coalesce(tk.tickets_period, 0) AS tickets_period, coalesce(tk.curative_period, 0) AS curative_period, "
            "coalesce(tk.tickets_open, 0) AS tickets_open, vs.last_visit, coalesce(vs.visits_period, 0) AS visits_period "
            "FROM cooperatives c LEFT JOIN mgr ON mgr.cooperative_id = c.id LEFT JOIN tk ON tk.cooperative_id = c.id "
            "LEFT JOIN vs ON vs.cooperative_id = c.id WHERE c.created_at < :b ORDER BY c.kecamatan, c.name",
            bounds.params())
        return _dicts(rows)

    async def tickets_sheet(self, bounds: Bounds, after_id: int = 0, limit: int = 5000) -> list[tuple]:
        """Tickets opened in the period, in id order, one page (keyset: ids above `after_id`),
        so 50,000 tickets never sit in memory as rows at once. Tuples in the order of
        TICKET_COLUMNS."""
        rows = await self.db.fetchall(
            "SELECT t.id, t.created_at, t.service, t.category, t.status, t.source, t.claimed_at, t.first_answer_at, "
            "coalesce(t.resolved_at, t.closed_at), c.name, c.kecamatan, r.score "
            "FROM tickets t JOIN cooperatives c ON c.id = t.cooperative_id "
            "LEFT JOIN ticket_ratings r ON r.ticket_id = t.id "
            "WHERE t.created_at >= :a AND t.created_at < :b AND t.id > :after ORDER BY t.id LIMIT :limit",
            {**bounds.params(), "after": after_id, "limit": limit})
        return [tuple(r) for r in rows]

    async def health_sheet(self, bounds: Bounds, table_version: str) -> list[dict]:
        """Checks finished in the period. `aspects` holds the stored per-aspect scores of
        `table_version` (JSON) when there are any; `answers` is read only when they are not."""
        rows = await self.db.fetchall(
            "SELECT h.id, h.cooperative_id, h.kind, h.finished_at, h.total, h.band, h.coverage, "
            "s.scores AS aspects, CASE WHEN s.scores IS NULL THEN h.answers END AS answers, "
            "c.name AS cooperative, c.kecamatan FROM health_checks h JOIN cooperatives c ON c.id = h.cooperative_id "
            "LEFT JOIN health_aspect_scores s ON s.check_id = h.id AND s.table_version = :tv "
            "WHERE h.finished_at >= :a AND h.finished_at < :b ORDER BY h.finished_at, h.id",
            {**bounds.params(), "tv": table_version})
        return _dicts(rows)

    async def save_aspect_scores(self, table_version: str, scores: dict[int, str]) -> None:
        """Per-aspect scores (JSON) of finished checks, for `table_version`."""
        if scores:
            await self.db.executemany(
                "INSERT INTO health_aspect_scores (check_id, table_version, scores) VALUES (?, ?, ?) "
                "ON CONFLICT(check_id) DO UPDATE SET table_version = excluded.table_version, scores = excluded.scores",
                [(check_id, table_version, text) for check_id, text in scores.items()])

    async def visits_sheet(self, bounds: Bounds) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT v.id, v.visited_on, v.kind, v.findings, v.cooperative_id, c.name AS cooperative, c.kecamatan, "
            "k.display_name AS pendamping, "
            "(SELECT group_concat(f.action || ' (' || f.due_on || CASE WHEN f.done_at IS NULL THEN '' ELSE ', selesai' "
            " END || ')', '; ') FROM visit_followups f WHERE f.visit_id = v.id) AS followups, "
            "(SELECT count(*) FROM visit_photos p WHERE p.visit_id = v.id) AS photos "
            "FROM visits v JOIN cooperatives c ON c.id = v.cooperative_id "
            "LEFT JOIN consultants k ON k.user_id = v.pendamping_id "
            "WHERE v.visited_on >= :ad AND v.visited_on < :bd ORDER BY v.visited_on, v.id", bounds.params())
        return _dicts(rows)

    # Visits ------------------------------------------------------------------------------------
    async def add_visit(self, *, cooperative_id: int, pendamping_id: int | None, visited_on: date, kind: str,
                        findings: str, followups: list[tuple[str, date]] = (), photos: list[str] = (),
                        source_key: str | None = None) -> int | None:
        """Store a visit with its follow-ups and photos (call inside a transaction); None when
        the same flow already saved it."""
        if kind not in VISIT_KINDS:
            raise ValueError(f"unknown visit kind {kind!r}")
        cur = await self.db.execute(
            "INSERT INTO visits (cooperative_id, pendamping_id, visited_on, kind, findings, source_key, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source_key) DO NOTHING",
            (cooperative_id, pendamping_id, visited_on.isoformat(), kind, findings, source_key, utcnow()))
        if not cur.rowcount:
            return None
        visit_id = cur.lastrowid
        for action, due in followups:
            await self.db.execute("INSERT INTO visit_followups (visit_id, action, due_on) VALUES (?, ?, ?)",
                                  (visit_id, action, due.isoformat()))
        for file_id in dict.fromkeys(photos):
            await self.db.execute("INSERT INTO visit_photos (visit_id, file_id) VALUES (?, ?)", (visit_id, file_id))
        return visit_id

    async def visits_of(self, cooperative_id: int, limit: int = 10) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT v.id, v.visited_on, v.kind, v.findings, k.display_name AS pendamping, "
            "(SELECT count(*) FROM visit_photos p WHERE p.visit_id = v.id) AS photos "
            "FROM visits v LEFT JOIN consultants k ON k.user_id = v.pendamping_id "
            "WHERE v.cooperative_id = ? ORDER BY v.visited_on DESC, v.id DESC LIMIT ?", (cooperative_id, limit))
        visits = _dicts(rows)
        if visits:
            ids = [v["id"] for v in visits]
            follow = await self.db.fetchall(
                f"SELECT visit_id, action, due_on, done_at FROM visit_followups WHERE visit_id IN "
                f"({', '.join('?' * len(ids))}) ORDER BY due_on", ids)
            for v in visits:
                v["followups"] = [dict(f) for f in follow if f["visit_id"] == v["id"]]
        return visits

    async def followups_due(self, today: date) -> list[FollowUpDue]:
        rows = await self.db.fetchall(
            "SELECT f.id, f.visit_id, f.action, f.due_on, v.cooperative_id, c.name, v.pendamping_id "
            "FROM visit_followups f JOIN visits v ON v.id = f.visit_id JOIN cooperatives c ON c.id = v.cooperative_id "
            "WHERE f.done_at IS NULL AND f.due_on <= ? ORDER BY f.due_on, f.id", (today.isoformat(),))
        return [FollowUpDue(*tuple(r)) for r in rows]

    async def followup(self, followup_id: int) -> FollowUpDue | None:
        r = await self.db.fetchone(
            "SELECT f.id, f.visit_id, f.action, f.due_on, v.cooperative_id, c.name, v.pendamping_id "
            "FROM visit_followups f JOIN visits v ON v.id = f.visit_id JOIN cooperatives c ON c.id = v.cooperative_id "
            "WHERE f.id = ? AND f.done_at IS NULL", (followup_id,))
        return FollowUpDue(*tuple(r)) if r else None

    async def mark_followup_done(self, followup_id: int) -> bool:
        cur = await self.db.execute("UPDATE visit_followups SET done_at = ? WHERE id = ? AND done_at IS NULL",
                                    (utcnow(), followup_id))
        return bool(cur.rowcount)

    async def pendampings(self) -> list[dict]:
        """Consultants who cover at least one kecamatan, with their kecamatan."""
        rows = await self.db.fetchall(
            "SELECT k.user_id, k.display_name, group_concat(a.kecamatan, '|') AS areas FROM consultants k "
            "JOIN consultant_areas a ON a.user_id = k.user_id GROUP BY k.user_id ORDER BY k.display_name")
        return [{"user_id": r["user_id"], "name": r["display_name"], "areas": sorted(r["areas"].split("|"))}
                for r in rows]

    # Ledger and snapshots -------------------------------------------------------------------
    async def claim(self, key: str, kind: str, file_path: str | None = None) -> bool:
        """True the first time; the caller queues its messages in the same transaction."""
        cur = await self.db.execute(
            "INSERT INTO supervision_sent (key, kind, file_path, queued_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO NOTHING", (key, kind, file_path, utcnow()))
        return bool(cur.rowcount)

    async def is_claimed(self, key: str) -> bool:
        return await self.db.fetchone("SELECT 1 FROM supervision_sent WHERE key = ?", (key,)) is not None

    async def snapshots(self) -> dict[int, int]:
        rows = await self.db.fetchall("SELECT cooperative_id, score FROM risk_snapshots")
        return {r[0]: r[1] for r in rows}

    async def save_snapshots(self, scores: dict[int, int]) -> None:
        now = utcnow()
        await self.db.executemany(
            "INSERT INTO risk_snapshots (cooperative_id, score, taken_at) VALUES (?, ?, ?) "
            "ON CONFLICT(cooperative_id) DO UPDATE SET score = excluded.score, taken_at = excluded.taken_at",
            [(cid, score, now) for cid, score in scores.items()])

    # Privacy -----------------------------------------------------------------------------------
    async def export_for(self, user_id: int) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT id, cooperative_id, visited_on, kind, findings, created_at FROM visits WHERE pendamping_id = ? "
            "ORDER BY id", (user_id,))
        return _dicts(rows)

    async def forget(self, user_id: int) -> None:
        """The visit stays the office's record; who made it is forgotten."""
        await self.db.execute("UPDATE visits SET pendamping_id = NULL WHERE pendamping_id = ?", (user_id,))
