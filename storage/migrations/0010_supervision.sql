-- Supervision for the office (issue 14): pendamping visits and their follow-ups, a ledger of
-- what the supervision jobs queued (monthly report, weekly digest, follow-up reminders), so a
-- retried tick or a restart never sends one twice, and the risk score each cooperative had at
-- the last weekly digest ("got worse" compares against it). Indexes for the report's period
-- queries.

CREATE TABLE visits (
    id              INTEGER PRIMARY KEY,
    cooperative_id  INTEGER NOT NULL REFERENCES cooperatives(id),
    pendamping_id   INTEGER,                  -- the consultant's Telegram id; NULL after /hapusdata
    visited_on      TEXT NOT NULL,            -- YYYY-MM-DD in the clinic's time zone
    kind            TEXT NOT NULL CHECK (kind IN ('kunjungan', 'telepon', 'rapat')),
    findings        TEXT NOT NULL,
    source_key      TEXT UNIQUE,              -- the flow that saved it: a repeated "Simpan" saves once
    created_at      TEXT NOT NULL
);
CREATE INDEX visits_cooperative ON visits(cooperative_id, visited_on);
CREATE INDEX visits_date ON visits(visited_on);
CREATE INDEX visits_pendamping ON visits(pendamping_id, visited_on);

CREATE TABLE visit_followups (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    due_on      TEXT NOT NULL,                -- YYYY-MM-DD in the clinic's time zone
    done_at     TEXT
);
CREATE INDEX visit_followups_visit ON visit_followups(visit_id);
CREATE INDEX visit_followups_due ON visit_followups(due_on) WHERE done_at IS NULL;

CREATE TABLE visit_photos (
    visit_id    INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    file_id     TEXT NOT NULL,
    PRIMARY KEY (visit_id, file_id)
);

-- One row per message batch the supervision jobs queued; the key names it:
-- report:<period>, digest:<monday>:<user>, followup:<id>.
CREATE TABLE supervision_sent (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_path   TEXT,                         -- the workbook a report row sent, kept for audit
    queued_at   TEXT NOT NULL
);

CREATE TABLE risk_snapshots (
    cooperative_id  INTEGER PRIMARY KEY REFERENCES cooperatives(id),
    score           INTEGER NOT NULL,
    taken_at        TEXT NOT NULL
);

-- Each finished financial check's score per aspect, as the health scoring gives it for the
-- data table of `table_version` (a finished check's answers never change; a corrected table
-- gets a new version and the scores are computed again). The report reads it instead of
-- re-scoring thousands of checks every time.
CREATE TABLE health_aspect_scores (
    check_id       INTEGER PRIMARY KEY REFERENCES health_checks(id) ON DELETE CASCADE,
    table_version  TEXT NOT NULL,
    scores         TEXT NOT NULL              -- JSON: aspect id -> points
);

CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_cooperative_created ON tickets(cooperative_id, created_at);
CREATE INDEX tickets_curative ON tickets(service, created_at);
CREATE INDEX health_checks_finished ON health_checks(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX triages_created ON triages(created_at);
