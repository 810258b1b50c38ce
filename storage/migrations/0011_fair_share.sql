-- Fair share (issue 16). The outbox serves the sources of one chat in turn (a ticket's backlog
-- cannot hold another ticket's relay), live traffic before bulk, and sends a burst of text rows
-- with the same coalescing key as one message. Guessing limits record their refusals.
ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;  -- 0 live (relays, replies), 1 bulk (broadcasts, reports, digests)
ALTER TABLE outbox ADD COLUMN source TEXT NOT NULL DEFAULT '';  -- the queue inside a chat that keeps its order: 'ticket:12', '' for unreferenced rows
ALTER TABLE outbox ADD COLUMN coalesce_key TEXT;                -- pending text rows with the same key may go out as one message
ALTER TABLE outbox ADD COLUMN merged_into INTEGER;              -- set when this row's text went out inside that row's message
UPDATE outbox SET source = ref_type || ':' || ref_id WHERE ref_type IS NOT NULL;
UPDATE outbox SET lane = 1 WHERE kind IN ('broadcast', 'broadcast_progress');
CREATE INDEX outbox_source ON outbox(status, chat_id, source, id);
CREATE INDEX outbox_merged ON outbox(merged_into) WHERE merged_into IS NOT NULL;

-- What a guessing limit refused, and the wrong guesses it counts (join codes, registrations);
-- the status report shows the refusals to admins.
CREATE TABLE guard_events (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,   -- join_code_wrong, join_code_blocked, registration_capped
    detail      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX guard_events_user ON guard_events(user_id, kind, created_at);
CREATE INDEX guard_events_time ON guard_events(created_at);
