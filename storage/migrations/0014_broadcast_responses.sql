-- Managers answer broadcasts: a reply to a broadcast message reaches the office, and a broadcast
-- may carry response buttons (e.g. Hadir / Tidak hadir) whose counts the admins see.
ALTER TABLE broadcasts ADD COLUMN responses TEXT;  -- a response set: NULL, 'attend' or 'register'

-- Which message in which chat is which broadcast (filled when the copy is delivered), so a
-- Telegram reply to it is recognised and a button press on it is checked.
CREATE TABLE broadcast_messages (
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    PRIMARY KEY (chat_id, message_id)
);

-- One answer per manager and broadcast; pressing again changes it.
CREATE TABLE broadcast_responses (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    user_id       INTEGER NOT NULL,
    choice        TEXT NOT NULL,
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, user_id)
);
