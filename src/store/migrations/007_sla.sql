-- 007: business-hours calendars, SLA policies, each ticket's SLA clocks, the persisted
-- job scheduler and agents' notifications (issue 6). See docs/sla.md.

-- spec: the calendar's JSON form (timezone, hours, holidays; src/sla/calendar.h).
-- Exactly one calendar is the default (24x7 UTC until an admin changes it).
CREATE TABLE sla_calendars (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO sla_calendars (name, spec, is_default, created_at, updated_at)
    VALUES ('24x7', '{"timezone":"UTC","hours":"24x7","holidays":[]}', 1, 0, 0);

-- A department's business calendar (none: the default calendar).
CREATE TABLE department_calendars (
    department_id INTEGER PRIMARY KEY REFERENCES departments(id),
    calendar_id INTEGER NOT NULL REFERENCES sla_calendars(id)
);

-- Targets in business minutes (NULL = no target for that metric). A policy applies to
-- tickets of its priority, narrowed optionally to one department and to customers whose
-- users.vip_level >= vip_min; the most specific enabled policy wins.
CREATE TABLE sla_policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    department_id INTEGER REFERENCES departments(id),
    vip_min INTEGER CHECK (vip_min IS NULL OR vip_min BETWEEN 0 AND 5),
    calendar_id INTEGER REFERENCES sla_calendars(id),
    first_reply_min INTEGER,
    next_reply_min INTEGER,
    resolution_min INTEGER,
    warn_min INTEGER NOT NULL DEFAULT 30,
    escalate_priority TEXT CHECK (escalate_priority IS NULL OR
                                  escalate_priority IN ('low', 'normal', 'high', 'urgent')),
    escalate_tier INTEGER CHECK (escalate_tier IS NULL OR escalate_tier BETWEEN 1 AND 3),
    notify INTEGER NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sla_policies_priority ON sla_policies(priority);

-- One row per ticket and metric, recomputed on every change of the ticket.
-- state: running (due_at set), paused (waiting on the customer; remaining_ms kept),
-- met (stopped_at set). breached_at / warned_at are set once per cycle (started_at).
CREATE TABLE ticket_sla (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    metric TEXT NOT NULL CHECK (metric IN ('first_reply', 'next_reply', 'resolution')),
    policy_id INTEGER REFERENCES sla_policies(id),
    target_min INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'met')),
    due_at BIGINT,
    remaining_ms BIGINT,
    stopped_at BIGINT,
    warned_at BIGINT,
    breached_at BIGINT,
    PRIMARY KEY (ticket_id, metric)
);
CREATE INDEX ticket_sla_due ON ticket_sla(due_at);

-- The scheduler's persisted jobs. A job is claimed and its effect written in one
-- transaction, so a restart neither loses nor repeats one. dedupe_key: at most one
-- queued job per key (a later schedule replaces the earlier one).
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    dedupe_key TEXT,
    due_at BIGINT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, due_at);
CREATE UNIQUE INDEX jobs_queued_key ON jobs(dedupe_key) WHERE state = 'queued';

-- Notices for staff shown in the agent console (SLA warnings and breaches...).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    ticket_id INTEGER REFERENCES tickets(id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
