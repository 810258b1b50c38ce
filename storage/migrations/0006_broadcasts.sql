-- Office broadcasts (siaran Dinas). The broadcast row holds what was composed and for whom;
-- each recipient is one outbox row (kind 'broadcast', ref ('broadcast', id), dedupe key
-- 'broadcast:<id>:<user_id>'), queued in the same transaction that moves the broadcast to
-- 'sending', so a crash never leaves half a recipient list and a restart resumes it.
CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY,
    compose_key          TEXT NOT NULL UNIQUE,   -- one broadcast per composition, however often "send" is pressed
    created_by           INTEGER NOT NULL,       -- the admin's Telegram id
    body_html            TEXT NOT NULL,          -- validated Telegram HTML
    audience             TEXT NOT NULL CHECK (audience IN ('all', 'kecamatan', 'kind', 'rat_missing')),
    audience_arg         TEXT,                   -- the kecamatan, the kind, or the RAT year
    status               TEXT NOT NULL
                         CHECK (status IN ('scheduled', 'sending', 'done', 'cancelled')),
    scheduled_at         TEXT,                   -- ISO UTC with Z; NULL = sent at once
    origin_chat_id       INTEGER NOT NULL,       -- where the admin composed it: progress goes there
    origin_thread_id     INTEGER,
    progress_message_id  INTEGER,                -- the message edited in place ("1.240/3.000 terkirim")
    total                INTEGER,                -- recipients queued
    created_at           TEXT NOT NULL,
    queued_at            TEXT,
    finished_at          TEXT,
    updated_at           TEXT NOT NULL
);
CREATE INDEX broadcasts_status ON broadcasts(status, scheduled_at);
