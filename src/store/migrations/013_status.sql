-- 013: the status page (issue 8): components, incidents and scheduled maintenance,
-- their timeline of updates, and e-mail subscriptions.
-- States of a component: operational, degraded, partial_outage, major_outage, maintenance.
-- An incident's status: investigating, identified, monitoring, resolved. A maintenance
-- window's stored status: scheduled, completed (ended early) or cancelled; while scheduled,
-- it is "in progress" between starts_at and ends_at (computed from the clock).

CREATE TABLE status_components (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    grp TEXT NOT NULL,
    position INTEGER NOT NULL,
    -- Comma-separated, lower-case: a new ticket whose network or asset is one of these is
    -- linked to a live incident affecting the component (incident mode).
    match_terms TEXT NOT NULL DEFAULT ''
);

INSERT INTO status_components (slug, name, grp, position, match_terms) VALUES
    ('chain-btc', 'Bitcoin (BTC)', 'Deposits & withdrawals', 10, 'bitcoin,btc'),
    ('chain-eth', 'Ethereum (ETH, ERC-20)', 'Deposits & withdrawals', 20, 'ethereum,eth,erc20,erc-20'),
    ('chain-tron', 'TRON (TRX, TRC-20)', 'Deposits & withdrawals', 30, 'tron,trx,trc20,trc-20'),
    ('chain-sol', 'Solana (SOL, SPL)', 'Deposits & withdrawals', 40, 'solana,sol,spl'),
    ('chain-bsc', 'BNB Smart Chain (BEP-20)', 'Deposits & withdrawals', 50, 'bsc,bnb,bep20,bep-20'),
    ('chain-ltc', 'Litecoin (LTC)', 'Deposits & withdrawals', 60, 'litecoin,ltc'),
    ('fiat', 'Fiat deposits & withdrawals', 'Deposits & withdrawals', 70, ''),
    ('spot', 'Spot trading', 'Trading', 110, ''),
    ('derivatives', 'Derivatives trading', 'Trading', 120, ''),
    ('api', 'REST & WebSocket API', 'Platform', 210, ''),
    ('website', 'Website', 'Platform', 220, ''),
    ('mobile-app', 'Mobile app', 'Platform', 230, ''),
    ('kyc', 'Identity verification', 'Account', 310, ''),
    ('login', 'Sign-in & 2FA', 'Account', 320, '');

CREATE TABLE status_incidents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'maintenance')),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring',
                                           'resolved', 'scheduled', 'completed', 'cancelled')),
    keywords TEXT,
    starts_at BIGINT,
    ends_at BIGINT,
    created_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX status_incidents_status ON status_incidents(status, id);

CREATE TABLE status_incident_components (
    incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    component_id INTEGER NOT NULL REFERENCES status_components(id),
    state TEXT NOT NULL CHECK (state IN ('operational', 'degraded', 'partial_outage',
                                         'major_outage', 'maintenance')),
    PRIMARY KEY (incident_id, component_id)
);

CREATE TABLE status_updates (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX status_updates_incident ON status_updates(incident_id, id);

-- E-mail subscriptions (double opt-in). components: comma-separated slugs, '*' = all.
-- A request stores what was asked for in pending_components and mails a confirmation link;
-- following it moves pending_components into components and sets confirmed_at. So nobody
-- can change another person's subscription without access to their mailbox.
CREATE TABLE status_subscriptions (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    components TEXT NOT NULL DEFAULT '',
    pending_components TEXT,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    unsubscribed_at BIGINT
);

-- Keys made on first use (the HMAC key that signs confirmation and unsubscribe links).
CREATE TABLE status_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Incident mode: tickets linked to an incident (automatically when they match it at
-- creation, or by an agent). how: auto | manual. linked_by NULL for automatic links.
CREATE TABLE status_incident_tickets (
    incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    how TEXT NOT NULL CHECK (how IN ('auto', 'manual')),
    reason TEXT NOT NULL DEFAULT '',
    linked_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (incident_id, ticket_id)
);
CREATE INDEX status_incident_tickets_ticket ON status_incident_tickets(ticket_id);

-- Banner views, for the deflection report. Signed-in viewers: one row per incident and
-- user (first and last view). Anonymous views are only counted per incident and surface.
CREATE TABLE status_banner_views (
    incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    views INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (incident_id, user_id)
);
CREATE TABLE status_banner_counts (
    incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    surface TEXT NOT NULL CHECK (surface IN ('help', 'portal', 'chat')),
    views INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, surface)
);

-- Social channels (Telegram, X). Every update or event id a platform sent, so that a
-- replayed webhook changes nothing.
CREATE TABLE social_seen (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (platform, event_id)
);

-- One customer record per platform handle (users.email is a frontdesk.invalid address,
-- which the mail channel never writes to).
CREATE TABLE social_handles (
    platform TEXT NOT NULL,
    handle_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (platform, handle_id)
);

-- Where a social ticket's replies go: kind telegram (target = chat id, reply_to = the
-- last message id), x_dm (target = the user id), x_mention (target = @handle, reply_to =
-- the last tweet id).
CREATE TABLE social_threads (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    platform TEXT NOT NULL,
    handle_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('telegram', 'x_dm', 'x_mention')),
    target TEXT NOT NULL,
    reply_to TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
CREATE INDEX social_threads_handle ON social_threads(platform, handle_id, ticket_id);

-- The persisted outbound queue: agents' public replies and cross-posted incident updates.
CREATE TABLE social_outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('telegram', 'x_dm', 'x_mention', 'x_post')),
    target TEXT NOT NULL,
    reply_to TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX social_outbox_due ON social_outbox(status, next_attempt_at);

-- Live chats linked to an incident when they start (keywords in the first message).
CREATE TABLE status_incident_chats (
    incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (incident_id, chat_id)
);
