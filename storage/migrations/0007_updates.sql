-- Durable intake (issue 10): every update Telegram delivers is written here before the long
-- poll's offset moves past it (or before the webhook answers 200), marked done when its handler
-- has finished, and replayed at start while still pending. Done rows are pruned after a while
-- (Telegram never redelivers a confirmed update; the row only guards against a redelivery of an
-- update that was handled but not yet confirmed when the process died).
CREATE TABLE updates (
    update_id    INTEGER PRIMARY KEY,       -- Telegram's update_id
    payload      TEXT NOT NULL,             -- the update's JSON, as Telegram sent it
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    replays      INTEGER NOT NULL DEFAULT 0, -- times it was replayed at a start (a poison update is given up)
    received_at  TEXT NOT NULL,
    done_at      TEXT
);
CREATE INDEX updates_pending ON updates(status, update_id);
