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

-- Names stored before bidi controls were refused (issue 10.4): the same characters as
-- bot/core/sanitize.py BIDI_CONTROLS, removed from what staff and managers see.
UPDATE cooperatives SET name = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(name, char(8234), ''), char(8235), ''), char(8236), ''), char(8237), ''), char(8238), ''), char(8294), ''), char(8295), ''), char(8296), ''), char(8297), ''), char(8206), ''), char(8207), ''), char(1564), '') WHERE name IS NOT NULL;
UPDATE cooperatives SET company = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(company, char(8234), ''), char(8235), ''), char(8236), ''), char(8237), ''), char(8238), ''), char(8294), ''), char(8295), ''), char(8296), ''), char(8297), ''), char(8206), ''), char(8207), ''), char(1564), '') WHERE company IS NOT NULL;
UPDATE users SET full_name = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(full_name, char(8234), ''), char(8235), ''), char(8236), ''), char(8237), ''), char(8238), ''), char(8294), ''), char(8295), ''), char(8296), ''), char(8297), ''), char(8206), ''), char(8207), ''), char(1564), '') WHERE full_name IS NOT NULL;
UPDATE consultants SET display_name = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(display_name, char(8234), ''), char(8235), ''), char(8236), ''), char(8237), ''), char(8238), ''), char(8294), ''), char(8295), ''), char(8296), ''), char(8297), ''), char(8206), ''), char(8207), ''), char(1564), '') WHERE display_name IS NOT NULL;
