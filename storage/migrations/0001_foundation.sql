-- Foundation: users (Telegram accounts), consent, cooperatives and their managers,
-- conversation flows that survive restarts, and the one outbox for everything that must arrive.

CREATE TABLE users (
    telegram_id      INTEGER PRIMARY KEY,
    language         TEXT,                      -- 'id' or 'en'; a preference, not personal data
    full_name        TEXT,                      -- stored only after consent
    username         TEXT,                      -- stored only after consent
    is_active        INTEGER NOT NULL DEFAULT 1, -- 0 once the user blocked the bot
    inactive_reason  TEXT,
    inactive_at      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(telegram_id),
    version       TEXT NOT NULL,
    granted_at    TEXT NOT NULL,
    withdrawn_at  TEXT
);
CREATE INDEX consents_user ON consents(user_id, withdrawn_at);

CREATE TABLE cooperatives (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    nik           TEXT CHECK (nik IS NULL OR (length(nik) = 16 AND nik NOT GLOB '*[^0-9]*')),
    kind          TEXT NOT NULL,
    company       TEXT,
    estate        TEXT,
    kecamatan     TEXT NOT NULL,
    members       INTEGER NOT NULL CHECK (members >= 0),
    fy_end_month  INTEGER NOT NULL DEFAULT 12 CHECK (fy_end_month BETWEEN 1 AND 12),
    join_code     TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX cooperatives_kecamatan ON cooperatives(kecamatan);

-- A manager (pengurus) belongs to one cooperative at a time; left_at keeps the history
-- after a manager leaves or erases their data.
CREATE TABLE managers (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(telegram_id),
    cooperative_id  INTEGER NOT NULL REFERENCES cooperatives(id),
    role            TEXT NOT NULL,
    joined_at       TEXT NOT NULL,
    left_at         TEXT
);
CREATE UNIQUE INDEX managers_one_active ON managers(user_id) WHERE left_at IS NULL;
CREATE INDEX managers_cooperative ON managers(cooperative_id) WHERE left_at IS NULL;

-- The step a user is at in a multi-message conversation (registration, a ticket, a health
-- check...). Kept here, not in memory, so a restart loses nothing already answered.
CREATE TABLE flows (
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Everything that must arrive (relays, reminders, alerts, broadcasts) is a row here first.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    dedupe_key       TEXT UNIQUE,            -- the same logical message is enqueued once
    kind             TEXT NOT NULL,          -- relay, reminder, alert, broadcast, notice...
    chat_id          INTEGER NOT NULL,
    method           TEXT NOT NULL,          -- send_message, copy_message, send_photo...
    payload          TEXT NOT NULL,          -- JSON arguments for the method
    ref_type         TEXT,                   -- what it belongs to (ticket, broadcast...)
    ref_id           INTEGER,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT NOT NULL,
    last_error       TEXT,
    sent_message_id  INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_pending ON outbox(status, chat_id, id);
CREATE INDEX outbox_ref ON outbox(ref_type, ref_id);

-- Consultants (members of the staff group) and the kecamatan each covers, so that tickets,
-- overdue-RAT alerts and health alerts mention the right facilitator (pendamping).
CREATE TABLE consultants (
    user_id       INTEGER PRIMARY KEY,
    display_name  TEXT NOT NULL,
    username      TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE consultant_areas (
    user_id    INTEGER NOT NULL REFERENCES consultants(user_id) ON DELETE CASCADE,
    kecamatan  TEXT NOT NULL,
    PRIMARY KEY (user_id, kecamatan)
);
CREATE INDEX consultant_areas_kecamatan ON consultant_areas(kecamatan);
