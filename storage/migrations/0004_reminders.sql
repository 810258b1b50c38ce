-- Reminders and meetings: what each cooperative told the bot about its obligations, the
-- reminders already queued (so a restart or a retried tick never sends one twice), meetings
-- and who said they would come.

-- An obligation recorded as done ("Sudah"). For the RAT `done_on` is the date it was held;
-- for the RAT report the date it was reported (it restarts the NIK certificate clock).
CREATE TABLE obligation_done (
    cooperative_id  INTEGER NOT NULL REFERENCES cooperatives(id),
    obligation_id   TEXT NOT NULL,
    period          TEXT NOT NULL,
    done_on         TEXT NOT NULL,            -- YYYY-MM-DD in the clinic's time zone
    recorded_by     INTEGER,                  -- Telegram id of the manager who pressed
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (cooperative_id, obligation_id, period)
);

-- "Ingatkan besok": the latest snooze of an obligation replaces the earlier one.
CREATE TABLE obligation_snoozes (
    cooperative_id  INTEGER NOT NULL REFERENCES cooperatives(id),
    obligation_id   TEXT NOT NULL,
    period          TEXT NOT NULL,
    until           TEXT NOT NULL,            -- ISO UTC with Z
    snoozed_by      INTEGER,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (cooperative_id, obligation_id, period)
);

-- One row per reminder, follow-up or alert that was queued in the outbox; the key is the
-- reminder key from bot/obligations.py or bot/meetings.py.
CREATE TABLE sent_reminders (
    key             TEXT PRIMARY KEY,
    cooperative_id  INTEGER NOT NULL,
    kind            TEXT NOT NULL,            -- reminder, ask_if_held, alert_consultant, meeting
    recipients      INTEGER NOT NULL DEFAULT 0,
    queued_at       TEXT NOT NULL
);
CREATE INDEX sent_reminders_coop ON sent_reminders(cooperative_id, queued_at);

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    cooperative_id  INTEGER NOT NULL REFERENCES cooperatives(id),
    kind            TEXT NOT NULL CHECK (kind IN ('pengurus', 'pengawas', 'rat', 'ralb')),
    starts_at       TEXT NOT NULL,            -- ISO UTC with Z
    place           TEXT NOT NULL,
    agenda          TEXT,
    organiser_id    INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    version         INTEGER NOT NULL DEFAULT 1, -- +1 on every move; reminder keys include it
    scheduled_at    TEXT NOT NULL,            -- when the current time was set (creation or move)
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX meetings_upcoming ON meetings(status, starts_at);
CREATE INDEX meetings_coop ON meetings(cooperative_id, starts_at);

CREATE TABLE meeting_answers (
    meeting_id   INTEGER NOT NULL REFERENCES meetings(id),
    user_id      INTEGER NOT NULL,
    answer       TEXT NOT NULL CHECK (answer IN ('yes', 'no')),
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
