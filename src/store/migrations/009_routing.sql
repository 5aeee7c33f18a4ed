-- 009: routing rules, macros and ticket assignment (issue 6).
-- Rule conditions and actions are JSON text validated by src/routing before they are
-- stored; the store keeps them opaque.

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    continue_after INTEGER NOT NULL DEFAULT 0,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_position ON routing_rules(position, id);

-- Named agent replies with placeholders plus optional actions (JSON text).
CREATE TABLE macros (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    actions TEXT NOT NULL DEFAULT '{}',
    updated_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- How a department hands out tickets. No row = round_robin.
CREATE TABLE routing_departments (
    department_id INTEGER PRIMARY KEY REFERENCES departments(id),
    method TEXT NOT NULL CHECK (method IN ('round_robin', 'least_loaded'))
);

-- Per-agent ticket capacity (open tickets assigned at most) and the rotation order:
-- last_ticket_seq grows with every automatic assignment, so the agent with the smallest
-- value has waited longest (a clock could tie; a sequence cannot).
CREATE TABLE routing_agents (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    ticket_capacity INTEGER NOT NULL DEFAULT 10 CHECK (ticket_capacity BETWEEN 1 AND 1000),
    last_ticket_seq BIGINT NOT NULL DEFAULT 0,
    last_ticket_at BIGINT NOT NULL DEFAULT 0
);

-- Tickets waiting for an agent of their department and tier (auto assignment found
-- nobody available); drained when an agent of that department and tier comes online.
CREATE TABLE routing_pool (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    since BIGINT NOT NULL
);
