-- Health checks (issue 6): the financial check (Per Dep 06/2016) and the governance
-- questionnaire. The answers are saved after every step, so a manager can stop and continue
-- later and a restart loses nothing; the result columns are filled when the check finishes.

CREATE TABLE health_checks (
    id              INTEGER PRIMARY KEY,
    cooperative_id  INTEGER NOT NULL REFERENCES cooperatives(id),
    user_id         INTEGER,                   -- who filled it in; NULL after /hapusdata
    kind            TEXT NOT NULL CHECK (kind IN ('financial', 'governance')),
    answers         TEXT NOT NULL DEFAULT '{}', -- JSON: step id -> answer (null = skipped)
    started_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT,
    total           TEXT,                      -- decimal text, 0.00..100.00
    band            TEXT,                      -- bot.health.Band value
    coverage        TEXT,                      -- weight points scored (financial), 100 for governance
    ticket_id       INTEGER                    -- the preventive ticket a consultant opened from the alert
);
-- One unfinished check of each kind per user: /cekkesehatan offers to continue it.
CREATE UNIQUE INDEX health_checks_one_open ON health_checks(user_id, kind) WHERE finished_at IS NULL;
CREATE INDEX health_checks_cooperative ON health_checks(cooperative_id, finished_at);
