-- Which private messages go to a ticket (issue 11.1).
-- A message in a manager's private chat that belongs to a ticket: a relayed consultant answer,
-- a rating request, the "Diteruskan" acknowledgement. A Telegram reply to it goes to that ticket
-- (the manager's own ticket messages are found through ticket_messages' source columns).
CREATE TABLE ticket_manager_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    PRIMARY KEY (chat_id, message_id)
);
-- The manager's choice for the current exchange: 'ticket' (ticket_id) or 'faq', valid until
-- `until` (UTC text); each message that follows the choice extends it.
CREATE TABLE ticket_routes (
    user_id    INTEGER PRIMARY KEY,
    choice     TEXT NOT NULL CHECK (choice IN ('ticket', 'faq')),
    ticket_id  INTEGER,
    until      TEXT NOT NULL
);
