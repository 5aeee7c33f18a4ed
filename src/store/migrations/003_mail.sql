-- 003: the email channel: department addresses, the record of every message in and out
-- (raw bytes in content-addressed files under DATA_DIR/mail), thread participants, the
-- persistent outbox with its attempts, and cursors for background workers.

CREATE TABLE department_addresses (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    address TEXT NOT NULL UNIQUE,
    is_primary INTEGER NOT NULL DEFAULT 0
);

INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'account@frontdesk.test', 1 FROM departments WHERE slug = 'account';
INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'security@frontdesk.test', 0 FROM departments WHERE slug = 'account';
INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'deposits@frontdesk.test', 1 FROM departments WHERE slug = 'deposits';
INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'withdrawals@frontdesk.test', 0 FROM departments WHERE slug = 'deposits';
INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'trading@frontdesk.test', 1 FROM departments WHERE slug = 'trading';
INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'technical@frontdesk.test', 1 FROM departments WHERE slug = 'technical';
INSERT INTO department_addresses (department_id, address, is_primary)
    SELECT id, 'kyc@frontdesk.test', 1 FROM departments WHERE slug = 'kyc';

-- One row per message received or sent. status, for 'in': ticket (opened a ticket),
-- reply (joined one), follow_up (reply to a closed ticket), mismatch (sender not on the
-- ticket: opened a linked ticket), bounce, bounce_unmatched, auto_reply; for 'out':
-- queued, sent, failed.
CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    message_id TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    message_row_id INTEGER REFERENCES messages(id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    from_email TEXT NOT NULL,
    to_email TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'message',
    parse_error INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (direction, message_id)
);
CREATE INDEX mail_messages_ticket ON mail_messages(ticket_id, id);
CREATE INDEX mail_messages_message_id ON mail_messages(message_id);

CREATE TABLE ticket_participants (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    email TEXT NOT NULL,
    PRIMARY KEY (ticket_id, email)
);

-- The persistent outbox: one row per message to deliver; kind is reply, ack or notice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES mail_messages(id),
    ticket_id INTEGER REFERENCES tickets(id),
    kind TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_rcpt ON outbox(rcpt, kind, created_at);

CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    at BIGINT NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);

-- Where each background worker has got to in the event log.
CREATE TABLE worker_cursors (
    name TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL
);
