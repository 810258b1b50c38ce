-- Knowledge base triage: every free-text question a manager asks, what the matcher ranked,
-- whether it was confident, and what the manager said about the answer. The office grows the
-- FAQ from the misses (`python -m bot kb misses`).

CREATE TABLE triages (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER REFERENCES users(telegram_id),   -- NULL after the user erased their data
    cooperative_id  INTEGER REFERENCES cooperatives(id),
    question        TEXT NOT NULL,
    normalized      TEXT NOT NULL,                 -- lower-cased words; groups repeated misses
    ranked          TEXT NOT NULL DEFAULT '[]',    -- JSON [{"id": ..., "score": ...}], best first
    confident       INTEGER NOT NULL CHECK (confident IN (0, 1)),
    shown_entry     TEXT,                          -- the entry last shown for this question
    feedback        TEXT CHECK (feedback IN ('answered', 'unhelpful', 'consultant')),
    answered_entry  TEXT,                          -- the entry the manager confirmed, if any
    feedback_at     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX triages_user ON triages(user_id, id);
CREATE INDEX triages_misses ON triages(normalized) WHERE confident = 0 OR feedback IN ('unhelpful', 'consultant');
