/* Formal complaints: rows, their append-only record, the compliance flag, retention. */
#include "store_complaints.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "store.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define COMPLAINT_COLS                                                                             \
    "c.id, c.customer_id, u.name, u.email, c.ticket_id, c.channel, c.status, "                     \
    "c.complainant_name, c.complainant_contact, c.account_uid, c.on_behalf, c.on_behalf_of, "      \
    "c.service, c.description, c.incident_dates, c.request, c.linked_tickets, c.admissibility, "   \
    "c.admissibility_reason, c.outcome, c.decision_reasons, c.remedies, c.received_at, "           \
    "c.ack_due_at, c.decision_due_at, c.decision_due_original, c.delay_reason, "                   \
    "c.acknowledged_at, c.investigation_at, c.decided_at, c.closed_at, c.ack_breached, "           \
    "c.decision_breached, c.updated_at "                                                           \
    "FROM complaints c JOIN users u ON u.id = c.customer_id "

static void read_complaint(struct db_stmt *st, struct complaint_rec *c)
{
    memset(c, 0, sizeof(*c));
    c->id = db_col_int64(st, 0);
    c->customer_id = db_col_int64(st, 1);
    STORE_COPY(st, 2, c->customer_name);
    STORE_COPY(st, 3, c->customer_email);
    c->ticket_id = db_col_int64(st, 4);
    STORE_COPY(st, 5, c->channel);
    STORE_COPY(st, 6, c->status);
    STORE_COPY(st, 7, c->complainant_name);
    STORE_COPY(st, 8, c->complainant_contact);
    STORE_COPY(st, 9, c->account_uid);
    c->on_behalf = (int)db_col_int64(st, 10);
    STORE_COPY(st, 11, c->on_behalf_of);
    STORE_COPY(st, 12, c->service);
    STORE_COPY(st, 13, c->description);
    STORE_COPY(st, 14, c->incident_dates);
    STORE_COPY(st, 15, c->request);
    STORE_COPY(st, 16, c->linked_tickets);
    STORE_COPY(st, 17, c->admissibility);
    STORE_COPY(st, 18, c->admissibility_reason);
    STORE_COPY(st, 19, c->outcome);
    STORE_COPY(st, 20, c->decision_reasons);
    STORE_COPY(st, 21, c->remedies);
    c->received_at = db_col_int64(st, 22);
    c->ack_due_at = db_col_int64(st, 23);
    c->decision_due_at = db_col_int64(st, 24);
    c->decision_due_original = db_col_int64(st, 25);
    STORE_COPY(st, 26, c->delay_reason);
    c->acknowledged_at = db_col_int64(st, 27);
    c->investigation_at = db_col_int64(st, 28);
    c->decided_at = db_col_int64(st, 29);
    c->closed_at = db_col_int64(st, 30);
    c->ack_breached = (int)db_col_int64(st, 31);
    c->decision_breached = (int)db_col_int64(st, 32);
    c->updated_at = db_col_int64(st, 33);
}

static void bind_time(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

/* Binds the 25 mutable columns, in the order of the INSERT and UPDATE below. */
static void bind_mutable(struct db_stmt *st, const struct complaint_rec *c)
{
    db_bind_text(st, 1, c->status);
    db_bind_text(st, 2, c->complainant_name);
    db_bind_text(st, 3, c->complainant_contact);
    store__bind_opt(st, 4, c->account_uid);
    db_bind_int64(st, 5, c->on_behalf ? 1 : 0);
    store__bind_opt(st, 6, c->on_behalf_of);
    db_bind_text(st, 7, c->service);
    db_bind_text(st, 8, c->description);
    store__bind_opt(st, 9, c->incident_dates);
    db_bind_text(st, 10, c->request);
    db_bind_text(st, 11, c->linked_tickets);
    store__bind_opt(st, 12, c->admissibility);
    store__bind_opt(st, 13, c->admissibility_reason);
    store__bind_opt(st, 14, c->outcome);
    store__bind_opt(st, 15, c->decision_reasons);
    store__bind_opt(st, 16, c->remedies);
    db_bind_int64(st, 17, c->decision_due_at);
    store__bind_opt(st, 18, c->delay_reason);
    bind_time(st, 19, c->acknowledged_at);
    bind_time(st, 20, c->investigation_at);
    bind_time(st, 21, c->decided_at);
    bind_time(st, 22, c->closed_at);
    db_bind_int64(st, 23, c->ack_breached ? 1 : 0);
    db_bind_int64(st, 24, c->decision_breached ? 1 : 0);
    db_bind_int64(st, 25, c->updated_at);
}

int store_complaint_insert(struct db *db, struct complaint_rec *c)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO complaints (status, complainant_name, complainant_contact, "
                   "account_uid, on_behalf, on_behalf_of, service, description, incident_dates, "
                   "request, linked_tickets, admissibility, admissibility_reason, outcome, "
                   "decision_reasons, remedies, decision_due_at, delay_reason, acknowledged_at, "
                   "investigation_at, decided_at, closed_at, ack_breached, decision_breached, "
                   "updated_at, customer_id, ticket_id, channel, received_at, ack_due_at, "
                   "decision_due_original) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    bind_mutable(st, c);
    db_bind_int64(st, 26, c->customer_id);
    bind_time(st, 27, c->ticket_id);
    db_bind_text(st, 28, c->channel);
    db_bind_int64(st, 29, c->received_at);
    db_bind_int64(st, 30, c->ack_due_at);
    db_bind_int64(st, 31, c->decision_due_original);
    return store__step_id(st, &c->id);
}

int store_complaint_update(struct db *db, const struct complaint_rec *c)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE complaints SET status = ?, complainant_name = ?, "
                   "complainant_contact = ?, account_uid = ?, on_behalf = ?, on_behalf_of = ?, "
                   "service = ?, description = ?, incident_dates = ?, request = ?, "
                   "linked_tickets = ?, admissibility = ?, admissibility_reason = ?, "
                   "outcome = ?, decision_reasons = ?, remedies = ?, decision_due_at = ?, "
                   "delay_reason = ?, acknowledged_at = ?, investigation_at = ?, "
                   "decided_at = ?, closed_at = ?, ack_breached = ?, decision_breached = ?, "
                   "updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    bind_mutable(st, c);
    db_bind_int64(st, 26, c->id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    return db_changes(db) == 0 ? FD_ENOTFOUND : 0;
}

int store_complaint_get(struct db *db, int64_t id, struct complaint_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " COMPLAINT_COLS "WHERE c.id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_complaint(st, out);
    return store__finish_row(st, rc);
}

int store_complaint_list(struct db *db, int64_t customer_id, const char *status,
                         int (*cb)(void *ctx, const struct complaint_rec *c), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " COMPLAINT_COLS "WHERE (? = 0 OR c.customer_id = ?) "
                   "AND (? IS NULL OR c.status = ?) ORDER BY c.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, customer_id);
    db_bind_int64(st, 2, customer_id);
    db_bind_text(st, 3, status);
    db_bind_text(st, 4, status);
    struct complaint_rec *c = xmalloc(sizeof(*c));
    int rc;
    while ((rc = db_step(st)) == 1) {
        read_complaint(st, c);
        if (cb(ctx, c)) {
            rc = 0;
            break;
        }
    }
    free(c);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_complaint_page(struct db *db, int64_t customer_id, const char *status, int64_t before_id,
                         int limit, int (*cb)(void *ctx, const struct complaint_rec *c), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " COMPLAINT_COLS "WHERE (? = 0 OR c.customer_id = ?) "
                   "AND (? IS NULL OR c.status = ?) AND (? = 0 OR c.id < ?) "
                   "ORDER BY c.id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, customer_id);
    db_bind_int64(st, 2, customer_id);
    db_bind_text(st, 3, status);
    db_bind_text(st, 4, status);
    db_bind_int64(st, 5, before_id);
    db_bind_int64(st, 6, before_id);
    db_bind_int64(st, 7, limit);
    struct complaint_rec *c = xmalloc(sizeof(*c));
    int rc;
    while ((rc = db_step(st)) == 1) {
        read_complaint(st, c);
        if (cb(ctx, c)) {
            rc = 0;
            break;
        }
    }
    free(c);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_complaint_overdue(struct db *db, int64_t now, int limit, int (*cb)(void *ctx, int64_t id),
                            void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id FROM complaints WHERE (ack_breached = 0 AND acknowledged_at IS NULL "
                   "AND ack_due_at < ?) OR (decision_breached = 0 AND decided_at IS NULL AND "
                   "closed_at IS NULL AND (admissibility IS NULL OR admissibility <> "
                   "'inadmissible') AND decision_due_at < ?) ORDER BY id LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, limit);
    int rc;
    while ((rc = db_step(st)) == 1)
        if (cb(ctx, db_col_int64(st, 0))) {
            rc = 0;
            break;
        }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_complaint_delete(struct db *db, int64_t id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM complaint_events WHERE complaint_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db, "DELETE FROM complaints WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    if ((rc = store__step_done(st)))
        return rc;
    return db_changes(db) == 0 ? FD_ENOTFOUND : 0;
}

int store_complaint_event_insert(struct db *db, int64_t complaint_id, int64_t actor_id,
                                 const char *type, const char *data_json, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO complaint_events (complaint_id, actor_id, type, data, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, complaint_id);
    bind_time(st, 2, actor_id);
    db_bind_text(st, 3, type);
    db_bind_text(st, 4, data_json);
    db_bind_int64(st, 5, now);
    return store__step_done(st);
}

int store_complaint_event_list(struct db *db, int64_t complaint_id,
                               int (*cb)(void *ctx, const struct event_rec *e), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT e.id, e.complaint_id, e.actor_id, u.name, e.type, e.data, e.created_at "
                   "FROM complaint_events e LEFT JOIN users u ON u.id = e.actor_id "
                   "WHERE e.complaint_id = ? ORDER BY e.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, complaint_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct event_rec e;
        store__read_event(st, &e);
        if (cb(ctx, &e)) {
            rc = 0;
            break;
        }
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_user_compliance_get(struct db *db, int64_t user_id, int *on)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT compliance FROM users WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1)
        *on = (int)db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

int store_user_compliance_set(struct db *db, int64_t user_id, int on)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE users SET compliance = ? WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, on ? 1 : 0);
    db_bind_int64(st, 2, user_id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    return db_changes(db) == 0 ? FD_ENOTFOUND : 0;
}

int store_complaint_retention_set(struct db *db, int64_t retention_ms)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE complaint_settings SET retention_ms = ? WHERE id = 1", &st))
        return FD_EDB;
    db_bind_int64(st, 1, retention_ms);
    return store__step_done(st);
}
