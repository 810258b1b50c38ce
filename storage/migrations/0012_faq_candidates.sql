-- Labelled candidate examples for the knowledge base (issue 13): when a consultant answers a
-- ticket with an FAQ entry (`/faq <id>` in the staff group), the manager's question is a
-- labelled example of that entry. `python -m bot kb misses` lists the new ones; after review,
-- `python -m bot kb learn FILE.tsv` adds them to the entries' examples and marks them learned.

CREATE TABLE faq_candidates (
    id          INTEGER PRIMARY KEY,
    question    TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    source      TEXT NOT NULL,                 -- e.g. 'ticket:42'
    ticket_id   INTEGER,
    triage_id   INTEGER,
    status      TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'learned')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (question, entry_id)
);
CREATE INDEX faq_candidates_status ON faq_candidates(status, id);
