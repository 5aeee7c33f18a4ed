-- 008: formal complaints (MiCA Art. 31; ESMA/EBA complaint-handling guidelines) with
-- their own lifecycle and clocks, an append-only record of every step, the compliance
-- permission of staff, and a retention guard: nothing about a complaint can be deleted
-- before complaint_settings.retention_ms has passed since it was received.

ALTER TABLE users ADD COLUMN compliance INTEGER NOT NULL DEFAULT 0;

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES users(id),
    ticket_id INTEGER REFERENCES tickets(id),
    channel TEXT NOT NULL CHECK (channel IN ('portal', 'agent')),
    status TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'under_investigation',
                                           'decided', 'closed')),
    complainant_name TEXT NOT NULL,
    complainant_contact TEXT NOT NULL,
    account_uid TEXT,
    on_behalf INTEGER NOT NULL DEFAULT 0,
    on_behalf_of TEXT,
    service TEXT NOT NULL,
    description TEXT NOT NULL,
    incident_dates TEXT,
    request TEXT NOT NULL,
    linked_tickets TEXT NOT NULL DEFAULT '',
    admissibility TEXT CHECK (admissibility IS NULL OR admissibility IN ('admissible',
                                                                        'inadmissible')),
    admissibility_reason TEXT,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('upheld', 'partly_upheld', 'rejected')),
    decision_reasons TEXT,
    remedies TEXT,
    received_at BIGINT NOT NULL,
    ack_due_at BIGINT NOT NULL,
    decision_due_at BIGINT NOT NULL,
    decision_due_original BIGINT NOT NULL,
    delay_reason TEXT,
    acknowledged_at BIGINT,
    investigation_at BIGINT,
    decided_at BIGINT,
    closed_at BIGINT,
    ack_breached INTEGER NOT NULL DEFAULT 0,
    decision_breached INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE INDEX complaints_customer ON complaints(customer_id, id);
CREATE INDEX complaints_status ON complaints(status, id);
CREATE INDEX complaints_ticket ON complaints(ticket_id);
-- The breach check looks for open steps past their due time.
CREATE INDEX complaints_ack_due ON complaints(ack_breached, ack_due_at);
CREATE INDEX complaints_decision_due ON complaints(decision_breached, decision_due_at);

-- The complaint's own record: filing, each transition, delays, notices to the customer,
-- breaches and corrections (a correction keeps the original value in data.before).
CREATE TABLE complaint_events (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    actor_id INTEGER REFERENCES users(id),
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, id);

-- One row: the retention period, written at start-up from complaint_retention_years
-- (never below 5 years of 1827 days; this is the default).
CREATE TABLE complaint_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    retention_ms BIGINT NOT NULL CHECK (retention_ms >= 157852800000)
);
INSERT INTO complaint_settings (id, retention_ms) VALUES (1, 157852800000);

CREATE TRIGGER complaints_retention BEFORE DELETE ON complaints
WHEN OLD.received_at > CAST(strftime('%s', 'now') AS INTEGER) * 1000 -
                       (SELECT retention_ms FROM complaint_settings WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'complaint records are kept for the retention period');
END;

CREATE TRIGGER complaint_events_retention BEFORE DELETE ON complaint_events
WHEN (SELECT received_at FROM complaints WHERE id = OLD.complaint_id) >
     CAST(strftime('%s', 'now') AS INTEGER) * 1000 -
     (SELECT retention_ms FROM complaint_settings WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'complaint records are kept for the retention period');
END;

CREATE TRIGGER complaint_events_append_only BEFORE UPDATE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'the complaint record is append-only');
END;
