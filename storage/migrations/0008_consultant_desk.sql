-- The consultant's desk (issue 12).
-- A ticket whose forum topic was deleted: the next topic starts with the card and a notice.
ALTER TABLE tickets ADD COLUMN topic_lost INTEGER NOT NULL DEFAULT 0;
-- The staff roster: group administrators, members who spoke in the group, people an admin added
-- with /konsultan, and consultants who used the desk. `active` = 0: removed with /konsultan hapus.
ALTER TABLE consultants ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE consultants ADD COLUMN source TEXT NOT NULL DEFAULT 'used';
-- Forum mode: the "Sistem" topic where error reports go.
ALTER TABLE staff_chat_info ADD COLUMN system_topic_id INTEGER;
-- A forum topic being created: written before createForumTopic, removed once its id is stored.
-- A row left behind means the outcome is unknown (a lost answer, a crash): the next attempt for
-- that name looks for an empty duplicate among the messages after `after_message_id`.
CREATE TABLE topic_attempts (
    chat_id           INTEGER NOT NULL,
    name              TEXT NOT NULL,
    after_message_id  INTEGER NOT NULL,
    started_at        TEXT NOT NULL,
    PRIMARY KEY (chat_id, name)
);
