-- 004: live chat: agents' presence, departments' business hours, chats with their
-- sequenced messages, read marks, canned responses.

CREATE TABLE agent_presence (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('online', 'away', 'offline')),
    capacity INTEGER NOT NULL DEFAULT 3,
    last_assigned_at BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- No rows for a department = always open.
CREATE TABLE department_hours (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    day INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),
    open_min INTEGER NOT NULL,
    close_min INTEGER NOT NULL,
    offset_min INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX department_hours_dept ON department_hours(department_id);

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    tier INTEGER NOT NULL DEFAULT 1,
    customer_id INTEGER NOT NULL REFERENCES users(id),
    agent_id INTEGER REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'active', 'ended', 'converted')),
    token_hash TEXT,
    created_at BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    assigned_at BIGINT,
    ended_at BIGINT,
    estimate_s BIGINT NOT NULL DEFAULT 0,
    rating INTEGER,
    rating_comment TEXT,
    ticket_id INTEGER REFERENCES tickets(id),
    last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chats_queue ON chats(status, department_id, tier, queued_at, id);
CREATE INDEX chats_agent ON chats(agent_id, status);
CREATE INDEX chats_customer ON chats(customer_id, id);

CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    seq INTEGER NOT NULL,
    author_id INTEGER REFERENCES users(id),
    kind TEXT NOT NULL DEFAULT 'message',
    body TEXT NOT NULL,
    client_id TEXT,
    attachment_id INTEGER REFERENCES attachments(id),
    created_at BIGINT NOT NULL,
    UNIQUE (chat_id, seq),
    UNIQUE (chat_id, author_id, client_id)
);

CREATE TABLE chat_reads (
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    seq INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE canned_responses (
    id INTEGER PRIMARY KEY,
    department_id INTEGER REFERENCES departments(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL
);

INSERT INTO canned_responses (department_id, title, body) VALUES
    (NULL, 'Greeting', 'Hello, thanks for contacting support. I am looking into this for you now.'),
    (NULL, 'Never share secrets', 'Please never share your password, 2FA codes, seed phrase or private keys with anyone, including us: we will never ask for them.'),
    (NULL, 'Anything else?', 'Is there anything else I can help you with today?'),
    ((SELECT id FROM departments WHERE slug = 'deposits'), 'Need the TXID', 'Could you send me the transaction ID (TXID) and the network you used? I will check it on the blockchain.'),
    ((SELECT id FROM departments WHERE slug = 'deposits'), 'Network congestion', 'Your withdrawal has been broadcast; the network is congested right now, so confirmations are slower than usual. It will arrive once the required confirmations are reached.'),
    ((SELECT id FROM departments WHERE slug = 'kyc'), 'Document photo tips', 'Please take the photo in good light without glare, with all four corners of the document visible and the text readable.'),
    ((SELECT id FROM departments WHERE slug = 'account'), 'Unlock steps', 'For your security I have started the unlock process: you will get an email to confirm it is you, then you can sign in and set a new password.');
