-- 017: the tamper-evident record (docs/audit.md). Every row of events and of
-- complaint_events carries hash = BLAKE2b-256(prev_hash || canonical encoding of the
-- row), where prev_hash is the hash of the row before it in the same table (NULL for the
-- first row). fd_chain_hash() is an SQL function the store registers on every
-- connection (src/store/audit_chain.c); a connection without it (a stray sqlite3 shell)
-- cannot insert an event at all while the triggers below exist.

ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;
ALTER TABLE complaint_events ADD COLUMN prev_hash TEXT;
ALTER TABLE complaint_events ADD COLUMN hash TEXT;

-- Backfill: the existing rows, oldest first, each chained to the one before it.
CREATE TEMP TABLE audit_backfill (id INTEGER PRIMARY KEY, prev TEXT, h TEXT NOT NULL);
INSERT INTO audit_backfill (id, prev, h)
WITH RECURSIVE c(id, prev, h) AS (
    SELECT e.id, NULL, fd_chain_hash('events', NULL, e.id, e.ticket_id, e.actor_id, e.type,
                                     e.data, e.created_at)
    FROM events e WHERE e.id = (SELECT min(id) FROM events)
    UNION ALL
    SELECT e.id, c.h, fd_chain_hash('events', c.h, e.id, e.ticket_id, e.actor_id, e.type,
                                    e.data, e.created_at)
    FROM c JOIN events e ON e.id = (SELECT min(n.id) FROM events n WHERE n.id > c.id)
)
SELECT id, prev, h FROM c;
UPDATE events SET prev_hash = (SELECT b.prev FROM audit_backfill b WHERE b.id = events.id),
                  hash = (SELECT b.h FROM audit_backfill b WHERE b.id = events.id);
DELETE FROM audit_backfill;

-- complaint_events is append-only (008); the guard now lets exactly one kind of update
-- through: setting the chain columns of a row that has none yet, content unchanged.
DROP TRIGGER complaint_events_append_only;
CREATE TRIGGER complaint_events_append_only BEFORE UPDATE ON complaint_events
WHEN NOT (OLD.hash IS NULL AND NEW.id IS OLD.id AND NEW.complaint_id IS OLD.complaint_id
          AND NEW.actor_id IS OLD.actor_id AND NEW.type IS OLD.type AND NEW.data IS OLD.data
          AND NEW.created_at IS OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'the complaint record is append-only');
END;

INSERT INTO audit_backfill (id, prev, h)
WITH RECURSIVE c(id, prev, h) AS (
    SELECT e.id, NULL, fd_chain_hash('complaint_events', NULL, e.id, e.complaint_id, e.actor_id,
                                     e.type, e.data, e.created_at)
    FROM complaint_events e WHERE e.id = (SELECT min(id) FROM complaint_events)
    UNION ALL
    SELECT e.id, c.h, fd_chain_hash('complaint_events', c.h, e.id, e.complaint_id, e.actor_id,
                                    e.type, e.data, e.created_at)
    FROM c JOIN complaint_events e
         ON e.id = (SELECT min(n.id) FROM complaint_events n WHERE n.id > c.id)
)
SELECT id, prev, h FROM c;
UPDATE complaint_events
SET prev_hash = (SELECT b.prev FROM audit_backfill b WHERE b.id = complaint_events.id),
    hash = (SELECT b.h FROM audit_backfill b WHERE b.id = complaint_events.id);
DROP TABLE audit_backfill;

-- The event log is append-only too: the chain makes a change visible afterwards, these
-- guards refuse it in the first place (for anyone who does not drop them first).
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
WHEN NOT (OLD.hash IS NULL AND NEW.id IS OLD.id AND NEW.ticket_id IS OLD.ticket_id
          AND NEW.actor_id IS OLD.actor_id AND NEW.type IS OLD.type AND NEW.data IS OLD.data
          AND NEW.created_at IS OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

-- New rows: chained to the newest row before them. Writers are serialized (one write
-- transaction at a time), so "the row before" is well defined.
CREATE TRIGGER events_chain AFTER INSERT ON events
BEGIN
    UPDATE events
    SET prev_hash = (SELECT p.hash FROM events p WHERE p.id < NEW.id ORDER BY p.id DESC LIMIT 1),
        hash = fd_chain_hash('events',
                             (SELECT p.hash FROM events p WHERE p.id < NEW.id
                              ORDER BY p.id DESC LIMIT 1),
                             NEW.id, NEW.ticket_id, NEW.actor_id, NEW.type, NEW.data,
                             NEW.created_at)
    WHERE id = NEW.id;
END;
CREATE TRIGGER complaint_events_chain AFTER INSERT ON complaint_events
BEGIN
    UPDATE complaint_events
    SET prev_hash = (SELECT p.hash FROM complaint_events p WHERE p.id < NEW.id
                     ORDER BY p.id DESC LIMIT 1),
        hash = fd_chain_hash('complaint_events',
                             (SELECT p.hash FROM complaint_events p WHERE p.id < NEW.id
                              ORDER BY p.id DESC LIMIT 1),
                             NEW.id, NEW.complaint_id, NEW.actor_id, NEW.type, NEW.data,
                             NEW.created_at)
    WHERE id = NEW.id;
END;
