-- 010: learned triage (issue 6). Trained classifier models and per-ticket suggestions.
-- A model's bytes live in a content-addressed file DATA_DIR/triage/xx/<sha256>; the row
-- names it. kind is 'department' (trained from solved/closed tickets) or 'intent'
-- (Banking77-style intents, from a labelled CSV). The newest row of a kind is in use.
CREATE TABLE triage_models (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('department', 'intent')),
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    labels INTEGER NOT NULL,
    examples INTEGER NOT NULL,
    info TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, version)
);

-- What the classifier said about a ticket when it was created. suggestion is JSON:
-- {"department":{"slug","p"},"intents":[{"intent","p"}...],"models":{...}}.
-- auto_applied: the department was set automatically (p >= triage_auto_confidence);
-- applied_by/applied_at: an agent applied the suggestion later.
CREATE TABLE ticket_triage (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    department TEXT,
    department_p INTEGER,
    suggestion TEXT NOT NULL,
    auto_applied INTEGER NOT NULL DEFAULT 0,
    applied_by INTEGER REFERENCES users(id),
    applied_at BIGINT,
    created_at BIGINT NOT NULL
);
