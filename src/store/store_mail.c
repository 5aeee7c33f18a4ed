/* Email: department addresses, the mail record, participants, the outbox, cursors. */
#include "store.h"

#include "../core/err.h"
#include "store_int.h"

#include <string.h>

int store_mail_address_department(struct db *db, const char *email, struct department_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT d.id, d.slug, d.name FROM department_addresses a "
                   "JOIN departments d ON d.id = a.department_id WHERE a.address = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    int rc = db_step(st);
    if (rc == 1) {
        out->id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->slug);
        STORE_COPY(st, 2, out->name);
    }
    return store__finish_row(st, rc);
}

int store_mail_primary_address(struct db *db, int64_t department_id, char *out, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT address FROM department_addresses WHERE department_id = ? "
                   "ORDER BY is_primary DESC, id LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc = db_step(st);
    if (rc == 1)
        store__copy_col(st, 0, out, n);
    return store__finish_row(st, rc);
}

#define MAIL_COLS                                                                                  \
    "id, direction, message_id, ticket_id, message_row_id, sha256, size, from_email, to_email, "   \
    "subject, status, kind, parse_error, source, created_at "

int store_mail_find(struct db *db, const char *direction, const char *message_id,
                    struct mail_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " MAIL_COLS "FROM mail_messages WHERE message_id = ? "
                   "AND (? IS NULL OR direction = ?) ORDER BY id LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, message_id);
    db_bind_text(st, 2, direction);
    db_bind_text(st, 3, direction);
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->direction);
        STORE_COPY(st, 2, out->message_id);
        out->ticket_id = db_col_int64(st, 3);
        out->message_row_id = db_col_int64(st, 4);
        STORE_COPY(st, 5, out->sha256);
        out->size = db_col_int64(st, 6);
        STORE_COPY(st, 7, out->from_email);
        STORE_COPY(st, 8, out->to_email);
        STORE_COPY(st, 9, out->subject);
        STORE_COPY(st, 10, out->status);
        STORE_COPY(st, 11, out->kind);
        out->parse_error = (int)db_col_int64(st, 12);
        STORE_COPY(st, 13, out->source);
        out->created_at = db_col_int64(st, 14);
    }
    return store__finish_row(st, rc);
}

int store_mail_insert(struct db *db, struct mail_rec *m)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO mail_messages (direction, message_id, ticket_id, message_row_id, "
                   "sha256, size, from_email, to_email, subject, status, kind, parse_error, "
                   "source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, m->direction);
    db_bind_text(st, 2, m->message_id);
    if (m->ticket_id)
        db_bind_int64(st, 3, m->ticket_id);
    else
        db_bind_null(st, 3);
    if (m->message_row_id)
        db_bind_int64(st, 4, m->message_row_id);
    else
        db_bind_null(st, 4);
    db_bind_text(st, 5, m->sha256);
    db_bind_int64(st, 6, m->size);
    db_bind_text(st, 7, m->from_email);
    db_bind_text(st, 8, m->to_email);
    db_bind_text(st, 9, m->subject);
    db_bind_text(st, 10, m->status);
    db_bind_text(st, 11, m->kind);
    db_bind_int64(st, 12, m->parse_error);
    db_bind_text(st, 13, m->source);
    db_bind_int64(st, 14, m->created_at);
    return store__step_id(st, &m->id);
}

int store_mail_set_ticket(struct db *db, int64_t mail_id, int64_t ticket_id, int64_t message_row_id,
                          const char *status)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE mail_messages SET ticket_id = ?, message_row_id = ?, status = ? "
                   "WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    if (message_row_id)
        db_bind_int64(st, 2, message_row_id);
    else
        db_bind_null(st, 2);
    db_bind_text(st, 3, status);
    db_bind_int64(st, 4, mail_id);
    return store__step_done(st);
}

int store_mail_ticket_ids(struct db *db, int64_t ticket_id, int (*cb)(void *, const char *),
                          void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT message_id FROM mail_messages WHERE ticket_id = ? "
                   "AND kind = 'message' ORDER BY id DESC LIMIT 20",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *id = db_col_text(st, 0);
        if (id && (rc = cb(ctx, id)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_participant_add(struct db *db, int64_t ticket_id, const char *email)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO ticket_participants (ticket_id, email) VALUES (?, ?) "
                   "ON CONFLICT DO NOTHING",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, email);
    return store__step_done(st);
}

int store_participant_is(struct db *db, int64_t ticket_id, const char *email, int *yes)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT count(*) FROM ticket_participants WHERE ticket_id = ? AND email = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, email);
    int rc = db_step(st);
    *yes = rc == 1 && db_col_int64(st, 0) > 0;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_outbox_insert(struct db *db, int64_t mail_id, int64_t ticket_id, const char *kind,
                        const char *mail_from, const char *rcpt, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO outbox (mail_id, ticket_id, kind, mail_from, rcpt, status, "
                   "next_attempt_at, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, mail_id);
    if (ticket_id)
        db_bind_int64(st, 2, ticket_id);
    else
        db_bind_null(st, 2);
    db_bind_text(st, 3, kind);
    db_bind_text(st, 4, mail_from);
    db_bind_text(st, 5, rcpt);
    db_bind_int64(st, 6, now);
    db_bind_int64(st, 7, now);
    db_bind_int64(st, 8, now);
    return store__step_done(st);
}

int store_outbox_due(struct db *db, int64_t now, int limit,
                     int (*cb)(void *, const struct outbox_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT o.id, o.mail_id, o.ticket_id, o.kind, o.mail_from, o.rcpt, o.status, "
                   "o.attempts, o.next_attempt_at, o.last_error, m.sha256 FROM outbox o "
                   "JOIN mail_messages m ON m.id = o.mail_id WHERE o.status = 'queued' "
                   "AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.id LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, limit);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct outbox_rec o;
        memset(&o, 0, sizeof(o));
        o.id = db_col_int64(st, 0);
        o.mail_id = db_col_int64(st, 1);
        o.ticket_id = db_col_int64(st, 2);
        STORE_COPY(st, 3, o.kind);
        STORE_COPY(st, 4, o.mail_from);
        STORE_COPY(st, 5, o.rcpt);
        STORE_COPY(st, 6, o.status);
        o.attempts = (int)db_col_int64(st, 7);
        o.next_attempt_at = db_col_int64(st, 8);
        STORE_COPY(st, 9, o.last_error);
        STORE_COPY(st, 10, o.sha256);
        if ((rc = cb(ctx, &o)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_outbox_attempt(struct db *db, int64_t id, int ok, const char *error, const char *status,
                         int64_t next_attempt_at, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "INSERT INTO outbox_attempts (outbox_id, at, ok, error) VALUES (?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, ok);
    db_bind_text(st, 4, error ? error : "");
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db,
                   "UPDATE outbox SET attempts = attempts + 1, status = ?, next_attempt_at = ?, "
                   "last_error = ?, updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, next_attempt_at);
    db_bind_text(st, 3, error ? error : "");
    db_bind_int64(st, 4, now);
    db_bind_int64(st, 5, id);
    if ((rc = store__step_done(st)))
        return rc;
    if (db_prepare(db,
                   "UPDATE mail_messages SET status = ? WHERE id = "
                   "(SELECT mail_id FROM outbox WHERE id = ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, id);
    return store__step_done(st);
}

int store_outbox_count_since(struct db *db, const char *rcpt, const char *kind, int64_t since,
                             int64_t *count)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT count(*) FROM outbox WHERE rcpt = ? AND kind = ? AND created_at > ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, rcpt);
    db_bind_text(st, 2, kind);
    db_bind_int64(st, 3, since);
    int rc = db_step(st);
    *count = rc == 1 ? db_col_int64(st, 0) : 0;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_outbox_bounced(struct db *db, const char *message_id, const char *error, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ? "
                   "WHERE mail_id IN (SELECT id FROM mail_messages WHERE direction = 'out' "
                   "AND message_id = ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, error);
    db_bind_int64(st, 2, now);
    db_bind_text(st, 3, message_id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db,
                   "UPDATE mail_messages SET status = 'failed' WHERE direction = 'out' "
                   "AND message_id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, message_id);
    return store__step_done(st);
}

int store_cursor_get(struct db *db, const char *name, int64_t *last)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT last_event_id FROM worker_cursors WHERE name = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    int rc = db_step(st);
    *last = rc == 1 ? db_col_int64(st, 0) : -1;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_cursor_start(struct db *db, const char *name, int64_t *last)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT coalesce(max(id), 0) FROM events", &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1)
        *last = db_col_int64(st, 0);
    if ((rc = store__finish_row(st, rc)))
        return rc;
    return store_cursor_set(db, name, *last);
}

int store_cursor_set(struct db *db, const char *name, int64_t last)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO worker_cursors (name, last_event_id) VALUES (?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    db_bind_int64(st, 2, last);
    return store__step_done(st);
}

int store_event_list_after(struct db *db, int64_t after, int limit, store_event_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " STORE_EVENT_COLS "WHERE e.id > ? ORDER BY e.id LIMIT ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, after);
    db_bind_int64(st, 2, limit);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct event_rec e;
        store__read_event(st, &e);
        if ((rc = cb(ctx, &e)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}
