-- Consultation tickets: a manager's question, its traffic both ways, the staff-group messages
-- that route replies back to it, and the manager's rating. The ticket's id is its number (#0123):
-- SQLite hands ids out inside the writing transaction, so numbers are unique under concurrency.

CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY,
    cooperative_id   INTEGER NOT NULL REFERENCES cooperatives(id),
    manager_user_id  INTEGER,                   -- who opened it; NULL after they erased their data
    service          TEXT NOT NULL CHECK (service IN ('preventif', 'kuratif')),
    category         TEXT NOT NULL,
    question         TEXT NOT NULL,
    source           TEXT NOT NULL,             -- konsultasi, triage, health...
    triage_id        INTEGER,
    suggestions      TEXT NOT NULL DEFAULT '[]', -- JSON: knowledge-base entry ids the matcher offered
    status           TEXT NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'claimed', 'answered', 'waiting', 'resolved', 'closed')),
    assignee_id      INTEGER,
    topic_id         INTEGER,                   -- forum mode: the ticket's topic in the staff group
    card_message_id  INTEGER,                   -- the ticket card in the staff group
    sla_level        INTEGER NOT NULL DEFAULT 0, -- 1 raised again in the group, 2 admins told
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    claimed_at       TEXT,
    first_answer_at  TEXT,
    resolved_at      TEXT,
    closed_at        TEXT
);
CREATE INDEX tickets_status ON tickets(status, created_at);
CREATE INDEX tickets_cooperative ON tickets(cooperative_id, status);
CREATE INDEX tickets_manager ON tickets(manager_user_id, status);
CREATE UNIQUE INDEX tickets_topic ON tickets(topic_id) WHERE topic_id IS NOT NULL;

-- Every message of a ticket, stored before it is relayed. direction: 'in' from the manager,
-- 'out' from a consultant to the manager, 'note' internal (never relayed), 'event' lifecycle.
CREATE TABLE ticket_messages (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out', 'note', 'event')),
    author_id       INTEGER,
    chat_id         INTEGER,
    message_id      INTEGER,
    media_group_id  TEXT,
    kind            TEXT NOT NULL,              -- text, photo, document, voice..., or the event name
    text            TEXT,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX ticket_messages_source ON ticket_messages(chat_id, message_id)
    WHERE message_id IS NOT NULL;
CREATE INDEX ticket_messages_ticket ON ticket_messages(ticket_id, id);

-- Staff-group message -> ticket, so a reply to the card or to any relayed message routes back
-- to the right manager, also after a restart.
CREATE TABLE ticket_staff_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    PRIMARY KEY (chat_id, message_id)
);

CREATE TABLE ticket_ratings (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets(id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    rated_by    INTEGER,
    created_at  TEXT NOT NULL
);

-- What Telegram said about the staff group (asked once at start): forum or not.
CREATE TABLE staff_chat_info (
    chat_id     INTEGER PRIMARY KEY,
    is_forum    INTEGER NOT NULL,
    checked_at  TEXT NOT NULL
);
