/* SLA calendars and policies, each ticket's SLA clocks, the scheduler's jobs and staff
 * notifications. */
#include "store.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static void bind_opt_id(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

static void bind_opt_int(struct db_stmt *st, int idx, int v)
{
    if (v >= 0)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

static int col_opt_int(struct db_stmt *st, int col)
{
    return db_col_is_null(st, col) ? -1 : (int)db_col_int64(st, col);
}

/* ---- calendars ---------------------------------------------------------------- */

#define CAL_COLS "id, name, spec, is_default, created_at, updated_at FROM sla_calendars "

static void read_calendar(struct db_stmt *st, struct sla_calendar_rec *c, int copy_spec)
{
    memset(c, 0, sizeof(*c));
    c->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, c->name);
    const char *spec = db_col_text(st, 2);
    c->spec = copy_spec ? xstrdup(spec ? spec : "{}") : (char *)(spec ? spec : "{}");
    c->is_default = (int)db_col_int64(st, 3);
    c->created_at = db_col_int64(st, 4);
    c->updated_at = db_col_int64(st, 5);
}

int store_sla_calendar_insert(struct db *db, const char *name, const char *spec, int64_t now,
                              int64_t *id)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO sla_calendars (name, spec, is_default, created_at, updated_at) "
                   "VALUES (?, ?, 0, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, spec);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, now);
    return store__step_id(st, id);
}

int store_sla_calendar_update(struct db *db, int64_t id, const char *name, const char *spec,
                              int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE sla_calendars SET name = ?, spec = ?, updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, spec);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_sla_calendar_set_default(struct db *db, int64_t id)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE sla_calendars SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    return store__step_done(st);
}

int store_sla_calendar_get(struct db *db, int64_t id, struct sla_calendar_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " CAL_COLS "WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_calendar(st, out, 1);
    return store__finish_row(st, rc);
}

int store_sla_calendar_get_default(struct db *db, struct sla_calendar_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " CAL_COLS "WHERE is_default = 1 ORDER BY id LIMIT 1", &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1)
        read_calendar(st, out, 1);
    return store__finish_row(st, rc);
}

int store_sla_calendar_list(struct db *db, int (*cb)(void *, const struct sla_calendar_rec *),
                            void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " CAL_COLS "ORDER BY id", &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct sla_calendar_rec c;
        read_calendar(st, &c, 0);
        if ((rc = cb(ctx, &c)))
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_dept_calendar_set(struct db *db, int64_t department_id, int64_t calendar_id)
{
    struct db_stmt *st;
    if (calendar_id == 0) {
        if (db_prepare(db, "DELETE FROM department_calendars WHERE department_id = ?", &st))
            return FD_EDB;
        db_bind_int64(st, 1, department_id);
        return store__step_done(st);
    }
    if (db_prepare(db,
                   "INSERT INTO department_calendars (department_id, calendar_id) VALUES (?, ?) "
                   "ON CONFLICT (department_id) DO UPDATE SET calendar_id = excluded.calendar_id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, calendar_id);
    return store__step_done(st);
}

int store_dept_calendar_get(struct db *db, int64_t department_id, int64_t *calendar_id)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT calendar_id FROM department_calendars WHERE department_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc = db_step(st);
    if (rc == 1)
        *calendar_id = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

/* ---- policies ------------------------------------------------------------------ */

#define POLICY_COLS                                                                                \
    "p.id, p.name, p.priority, p.department_id, d.slug, p.vip_min, p.calendar_id, "                \
    "p.first_reply_min, p.next_reply_min, p.resolution_min, p.warn_min, p.escalate_priority, "     \
    "p.escalate_tier, p.notify, p.enabled, p.created_at, p.updated_at "                            \
    "FROM sla_policies p LEFT JOIN departments d ON d.id = p.department_id "

static void read_policy(struct db_stmt *st, struct sla_policy_rec *p)
{
    memset(p, 0, sizeof(*p));
    p->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, p->name);
    STORE_COPY(st, 2, p->priority);
    p->department_id = db_col_int64(st, 3);
    STORE_COPY(st, 4, p->department);
    p->vip_min = col_opt_int(st, 5);
    p->calendar_id = db_col_int64(st, 6);
    p->first_reply_min = col_opt_int(st, 7);
    p->next_reply_min = col_opt_int(st, 8);
    p->resolution_min = col_opt_int(st, 9);
    p->warn_min = (int)db_col_int64(st, 10);
    STORE_COPY(st, 11, p->escalate_priority);
    p->escalate_tier = (int)db_col_int64(st, 12);
    p->notify = (int)db_col_int64(st, 13);
    p->enabled = (int)db_col_int64(st, 14);
    p->created_at = db_col_int64(st, 15);
    p->updated_at = db_col_int64(st, 16);
}

/* Binds the 13 mutable columns in the order of the INSERT and UPDATE below. */
static void bind_policy(struct db_stmt *st, const struct sla_policy_rec *p)
{
    db_bind_text(st, 1, p->name);
    db_bind_text(st, 2, p->priority);
    bind_opt_id(st, 3, p->department_id);
    bind_opt_int(st, 4, p->vip_min);
    bind_opt_id(st, 5, p->calendar_id);
    bind_opt_int(st, 6, p->first_reply_min);
    bind_opt_int(st, 7, p->next_reply_min);
    bind_opt_int(st, 8, p->resolution_min);
    db_bind_int64(st, 9, p->warn_min);
    store__bind_opt(st, 10, p->escalate_priority);
    bind_opt_id(st, 11, p->escalate_tier);
    db_bind_int64(st, 12, p->notify);
    db_bind_int64(st, 13, p->enabled);
}

int store_sla_policy_insert(struct db *db, const struct sla_policy_rec *p, int64_t *id)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO sla_policies (name, priority, department_id, vip_min, calendar_id, "
                   "first_reply_min, next_reply_min, resolution_min, warn_min, escalate_priority, "
                   "escalate_tier, notify, enabled, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    bind_policy(st, p);
    db_bind_int64(st, 14, p->created_at);
    db_bind_int64(st, 15, p->updated_at);
    return store__step_id(st, id);
}

int store_sla_policy_update(struct db *db, const struct sla_policy_rec *p)
{
    struct db_stmt *st;
    if (db_prepare(
            db,
            "UPDATE sla_policies SET name = ?, priority = ?, department_id = ?, vip_min = ?, "
            "calendar_id = ?, first_reply_min = ?, next_reply_min = ?, resolution_min = ?, "
            "warn_min = ?, escalate_priority = ?, escalate_tier = ?, notify = ?, "
            "enabled = ?, updated_at = ? WHERE id = ?",
            &st))
        return FD_EDB;
    bind_policy(st, p);
    db_bind_int64(st, 14, p->updated_at);
    db_bind_int64(st, 15, p->id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_sla_policy_delete(struct db *db, int64_t id)
{
    struct db_stmt *st;
    /* Clocks keep their history; they no longer point at the policy. */
    if (db_prepare(db, "UPDATE ticket_sla SET policy_id = NULL WHERE policy_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db, "DELETE FROM sla_policies WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_sla_policy_get(struct db *db, int64_t id, struct sla_policy_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " POLICY_COLS "WHERE p.id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_policy(st, out);
    return store__finish_row(st, rc);
}

int store_sla_policy_list(struct db *db, int (*cb)(void *, const struct sla_policy_rec *),
                          void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " POLICY_COLS "ORDER BY p.id", &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct sla_policy_rec p;
        read_policy(st, &p);
        if ((rc = cb(ctx, &p)))
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_sla_policy_match(struct db *db, const char *priority, int64_t department_id,
                           int vip_level, struct sla_policy_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " POLICY_COLS "WHERE p.enabled = 1 AND p.priority = ? "
                   "AND (p.department_id IS NULL OR p.department_id = ?) "
                   "AND (p.vip_min IS NULL OR p.vip_min <= ?) "
                   "ORDER BY CASE WHEN p.department_id IS NULL THEN 1 ELSE 0 END, "
                   "COALESCE(p.vip_min, -1) DESC, p.id LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, priority);
    db_bind_int64(st, 2, department_id);
    db_bind_int64(st, 3, vip_level);
    int rc = db_step(st);
    if (rc == 1)
        read_policy(st, out);
    return store__finish_row(st, rc);
}

int store_user_vip_level(struct db *db, int64_t user_id, int *vip)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT vip_level FROM users WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1)
        *vip = (int)db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

/* ---- ticket clocks ----------------------------------------------------------------- */

#define TSLA_COLS                                                                                  \
    "ticket_id, metric, policy_id, target_min, started_at, state, due_at, remaining_ms, "          \
    "stopped_at, warned_at, breached_at FROM ticket_sla "

static void read_tsla(struct db_stmt *st, struct ticket_sla_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->ticket_id = db_col_int64(st, 0);
    STORE_COPY(st, 1, r->metric);
    r->policy_id = db_col_int64(st, 2);
    r->target_min = (int)db_col_int64(st, 3);
    r->started_at = db_col_int64(st, 4);
    STORE_COPY(st, 5, r->state);
    r->due_at = db_col_int64(st, 6);
    r->remaining_ms = db_col_int64(st, 7);
    r->stopped_at = db_col_int64(st, 8);
    r->warned_at = db_col_int64(st, 9);
    r->breached_at = db_col_int64(st, 10);
}

int store_ticket_sla_put(struct db *db, const struct ticket_sla_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO ticket_sla (ticket_id, metric, policy_id, target_min, started_at, "
                   "state, due_at, remaining_ms, stopped_at, warned_at, breached_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, metric) DO "
                   "UPDATE SET policy_id = excluded.policy_id, target_min = excluded.target_min, "
                   "started_at = excluded.started_at, state = excluded.state, "
                   "due_at = excluded.due_at, remaining_ms = excluded.remaining_ms, "
                   "stopped_at = excluded.stopped_at, warned_at = excluded.warned_at, "
                   "breached_at = excluded.breached_at",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, r->ticket_id);
    db_bind_text(st, 2, r->metric);
    bind_opt_id(st, 3, r->policy_id);
    db_bind_int64(st, 4, r->target_min);
    db_bind_int64(st, 5, r->started_at);
    db_bind_text(st, 6, r->state);
    bind_opt_id(st, 7, r->due_at);
    db_bind_int64(st, 8, r->remaining_ms);
    bind_opt_id(st, 9, r->stopped_at);
    bind_opt_id(st, 10, r->warned_at);
    bind_opt_id(st, 11, r->breached_at);
    return store__step_done(st);
}

int store_ticket_sla_get(struct db *db, int64_t ticket_id, const char *metric,
                         struct ticket_sla_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " TSLA_COLS "WHERE ticket_id = ? AND metric = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, metric);
    int rc = db_step(st);
    if (rc == 1)
        read_tsla(st, out);
    return store__finish_row(st, rc);
}

int store_ticket_sla_delete(struct db *db, int64_t ticket_id, const char *metric)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM ticket_sla WHERE ticket_id = ? AND metric = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, metric);
    return store__step_done(st);
}

int store_ticket_sla_list(struct db *db, int64_t ticket_id,
                          int (*cb)(void *, const struct ticket_sla_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " TSLA_COLS "WHERE ticket_id = ? ORDER BY CASE metric "
                   "WHEN 'first_reply' THEN 0 WHEN 'next_reply' THEN 1 ELSE 2 END",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct ticket_sla_rec r;
        read_tsla(st, &r);
        if ((rc = cb(ctx, &r)))
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_ticket_sla_due(struct db *db, int64_t before, int limit,
                         int (*cb)(void *, int64_t, int64_t), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT ticket_id, MIN(due_at) AS d FROM ticket_sla "
                   "WHERE state = 'running' AND due_at IS NOT NULL AND due_at <= ? "
                   "GROUP BY ticket_id ORDER BY d, ticket_id LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, before);
    db_bind_int64(st, 2, limit);
    int rc;
    while ((rc = db_step(st)) == 1)
        if ((rc = cb(ctx, db_col_int64(st, 0), db_col_int64(st, 1))))
            break;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_ticket_status_changes(struct db *db, int64_t ticket_id,
                                int (*cb)(void *, int64_t, const char *), void *ctx)
{
    struct db_stmt *st;
    /* data is {"before":"new","after":"open"} as written by tickets.c. */
    if (db_prepare(db,
                   "SELECT created_at, data FROM events WHERE ticket_id = ? "
                   "AND type = 'status_changed' ORDER BY id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *data = db_col_text(st, 1);
        if ((rc = cb(ctx, db_col_int64(st, 0), data ? data : "{}")))
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_ticket_message_times(struct db *db, int64_t ticket_id,
                               int (*cb)(void *, int64_t, int, int, int64_t), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT m.id, CASE WHEN u.role = 'customer' THEN 0 ELSE 1 END, m.internal, "
                   "m.created_at FROM messages m JOIN users u ON u.id = m.author_id "
                   "WHERE m.ticket_id = ? ORDER BY m.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = db_step(st)) == 1)
        if ((rc = cb(ctx, db_col_int64(st, 0), (int)db_col_int64(st, 1), (int)db_col_int64(st, 2),
                     db_col_int64(st, 3))))
            break;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_event_count_since(struct db *db, int64_t ticket_id, const char *type, int64_t since,
                            int64_t *count)
{
    struct db_stmt *st;
    if (db_prepare(
            db, "SELECT COUNT(*) FROM events WHERE ticket_id = ? AND type = ? AND created_at >= ?",
            &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, type);
    db_bind_int64(st, 3, since);
    int rc = db_step(st);
    if (rc == 1)
        *count = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

int store_dept_supervisors(struct db *db, int64_t department_id,
                           int (*cb)(void *, const struct user_rec *), void *ctx)
{
    static const char *const sql[2] = {
        "SELECT id, email, name FROM users WHERE role = 'supervisor' AND disabled = 0 "
        "AND department_id = ? ORDER BY id",
        "SELECT id, email, name FROM users WHERE role = 'admin' AND disabled = 0 AND ? IS NOT NULL "
        "ORDER BY id"};
    for (int pass = 0; pass < 2; pass++) {
        struct db_stmt *st;
        if (db_prepare(db, sql[pass], &st))
            return FD_EDB;
        db_bind_int64(st, 1, department_id);
        int rc, n = 0;
        while ((rc = db_step(st)) == 1) {
            struct user_rec u;
            memset(&u, 0, sizeof(u));
            u.id = db_col_int64(st, 0);
            STORE_COPY(st, 1, u.email);
            STORE_COPY(st, 2, u.name);
            u.role = pass == 0 ? ROLE_SUPERVISOR : ROLE_ADMIN;
            u.department_id = pass == 0 ? department_id : 0;
            n++;
            if ((rc = cb(ctx, &u)))
                break;
        }
        db_finalize(st);
        if (rc != 0)
            return rc < 0 ? rc : 0;
        if (n > 0)
            return 0;
    }
    return 0;
}

/* ---- jobs ------------------------------------------------------------------------- */

int store_job_put(struct db *db, const char *kind, const char *dedupe_key, int64_t due_at,
                  const char *payload, int64_t now, int64_t *id)
{
    int rc;
    if (dedupe_key && (rc = store_job_cancel(db, dedupe_key)))
        return rc;
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO jobs (kind, dedupe_key, due_at, payload, state, attempts, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, dedupe_key);
    db_bind_int64(st, 3, due_at);
    db_bind_text(st, 4, payload ? payload : "{}");
    db_bind_int64(st, 5, now);
    db_bind_int64(st, 6, now);
    int64_t tmp;
    return store__step_id(st, id ? id : &tmp);
}

int store_job_cancel(struct db *db, const char *dedupe_key)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM jobs WHERE dedupe_key = ? AND state = 'queued'", &st))
        return FD_EDB;
    db_bind_text(st, 1, dedupe_key);
    return store__step_done(st);
}

int store_job_next(struct db *db, int64_t now, struct job_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, kind, dedupe_key, due_at, payload, attempts FROM jobs "
                   "WHERE state = 'queued' AND due_at <= ? ORDER BY due_at, id LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->kind);
        STORE_COPY(st, 2, out->dedupe_key);
        out->due_at = db_col_int64(st, 3);
        const char *p = db_col_text(st, 4);
        out->payload = xstrdup(p ? p : "{}");
        out->attempts = (int)db_col_int64(st, 5);
    }
    return store__finish_row(st, rc);
}

int store_job_finish(struct db *db, int64_t id, const char *state, int attempts, int64_t due_at,
                     const char *error, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE jobs SET state = ?, attempts = ?, due_at = ?, last_error = ?, "
                   "updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, state);
    db_bind_int64(st, 2, attempts);
    db_bind_int64(st, 3, due_at);
    store__bind_opt(st, 4, error);
    db_bind_int64(st, 5, now);
    db_bind_int64(st, 6, id);
    return store__step_done(st);
}

int store_job_list(struct db *db,
                   int (*cb)(void *, int64_t, const char *, const char *, int64_t, const char *,
                             int),
                   void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT id, kind, dedupe_key, due_at, state, attempts FROM jobs ORDER BY id",
                   &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *key = db_col_text(st, 2);
        if ((rc = cb(ctx, db_col_int64(st, 0), db_col_text(st, 1), key ? key : "",
                     db_col_int64(st, 3), db_col_text(st, 4), (int)db_col_int64(st, 5))))
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* ---- notifications ------------------------------------------------------------------- */

int store_notification_insert(struct db *db, int64_t user_id, int64_t ticket_id, const char *kind,
                              const char *text, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO notifications (user_id, ticket_id, kind, text, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    bind_opt_id(st, 2, ticket_id);
    db_bind_text(st, 3, kind);
    db_bind_text(st, 4, text);
    db_bind_int64(st, 5, now);
    return store__step_done(st);
}

int store_notification_list(struct db *db, int64_t user_id, int unread_only, int limit,
                            int (*cb)(void *, const struct notification_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, user_id, ticket_id, kind, text, created_at, read_at "
                   "FROM notifications WHERE user_id = ? AND (? = 0 OR read_at IS NULL) "
                   "ORDER BY id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, unread_only);
    db_bind_int64(st, 3, limit);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct notification_rec n;
        memset(&n, 0, sizeof(n));
        n.id = db_col_int64(st, 0);
        n.user_id = db_col_int64(st, 1);
        n.ticket_id = db_col_int64(st, 2);
        STORE_COPY(st, 3, n.kind);
        STORE_COPY(st, 4, n.text);
        n.created_at = db_col_int64(st, 5);
        n.read_at = db_col_int64(st, 6);
        if ((rc = cb(ctx, &n)))
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_notification_read(struct db *db, int64_t user_id, int64_t id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE notifications SET read_at = COALESCE(read_at, ?) "
                   "WHERE id = ? AND user_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, id);
    db_bind_int64(st, 3, user_id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}
