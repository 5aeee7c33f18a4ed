/* The status page's tables: components, incidents, affected components, updates. */
#include "store_status.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

int store_status_component_list(struct db *db,
                                int (*cb)(void *, const struct status_component_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, slug, name, grp, position FROM status_components "
                   "ORDER BY position, id",
                   &st))
        return FD_EDB;
    int rc;
    struct status_component_rec c;
    while ((rc = db_step(st)) == 1) {
        memset(&c, 0, sizeof(c));
        c.id = db_col_int64(st, 0);
        STORE_COPY(st, 1, c.slug);
        STORE_COPY(st, 2, c.name);
        STORE_COPY(st, 3, c.grp);
        c.position = (int)db_col_int64(st, 4);
        if ((rc = cb(ctx, &c)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_status_component_by_slug(struct db *db, const char *slug,
                                   struct status_component_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT id, slug, name, grp, position FROM status_components WHERE slug = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, slug);
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->slug);
        STORE_COPY(st, 2, out->name);
        STORE_COPY(st, 3, out->grp);
        out->position = (int)db_col_int64(st, 4);
    }
    return store__finish_row(st, rc);
}

#define INCIDENT_COLS                                                                              \
    "id, kind, status, title, keywords, starts_at, ends_at, created_by, created_at, updated_at, "  \
    "resolved_at FROM status_incidents "

static void read_incident(struct db_stmt *st, struct status_incident_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, r->kind);
    STORE_COPY(st, 2, r->status);
    STORE_COPY(st, 3, r->title);
    STORE_COPY(st, 4, r->keywords);
    r->starts_at = db_col_int64(st, 5);
    r->ends_at = db_col_int64(st, 6);
    r->created_by = db_col_int64(st, 7);
    r->created_at = db_col_int64(st, 8);
    r->updated_at = db_col_int64(st, 9);
    r->resolved_at = db_col_int64(st, 10);
}

static void bind_opt_ms(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

int store_status_incident_insert(struct db *db, struct status_incident_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO status_incidents (kind, status, title, keywords, starts_at, "
                   "ends_at, created_by, created_at, updated_at, resolved_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, r->kind);
    db_bind_text(st, 2, r->status);
    db_bind_text(st, 3, r->title);
    store__bind_opt(st, 4, r->keywords);
    bind_opt_ms(st, 5, r->starts_at);
    bind_opt_ms(st, 6, r->ends_at);
    bind_opt_ms(st, 7, r->created_by);
    db_bind_int64(st, 8, r->created_at);
    db_bind_int64(st, 9, r->updated_at);
    bind_opt_ms(st, 10, r->resolved_at);
    return store__step_id(st, &r->id);
}

int store_status_incident_update(struct db *db, const struct status_incident_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE status_incidents SET title = ?, status = ?, keywords = ?, "
                   "starts_at = ?, ends_at = ?, updated_at = ?, resolved_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, r->title);
    db_bind_text(st, 2, r->status);
    store__bind_opt(st, 3, r->keywords);
    bind_opt_ms(st, 4, r->starts_at);
    bind_opt_ms(st, 5, r->ends_at);
    db_bind_int64(st, 6, r->updated_at);
    bind_opt_ms(st, 7, r->resolved_at);
    db_bind_int64(st, 8, r->id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        return FD_ENOTFOUND;
    return rc;
}

int store_status_incident_get(struct db *db, int64_t id, struct status_incident_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " INCIDENT_COLS "WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_incident(st, out);
    return store__finish_row(st, rc);
}

int store_status_incident_list(struct db *db, int64_t since, int limit,
                               int (*cb)(void *, const struct status_incident_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " INCIDENT_COLS
                   "WHERE status NOT IN ('resolved', 'completed', 'cancelled') "
                   "OR COALESCE(resolved_at, ends_at, updated_at) >= ? "
                   "ORDER BY id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, since);
    db_bind_int64(st, 2, limit);
    int rc;
    struct status_incident_rec r;
    while ((rc = db_step(st)) == 1) {
        read_incident(st, &r);
        if ((rc = cb(ctx, &r)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_status_affected_set(struct db *db, int64_t incident_id, int64_t component_id,
                              const char *state)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "DELETE FROM status_incident_components WHERE incident_id = ? "
                   "AND component_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, component_id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db,
                   "INSERT INTO status_incident_components (incident_id, component_id, state) "
                   "VALUES (?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, component_id);
    db_bind_text(st, 3, state);
    return store__step_done(st);
}

int store_status_affected_list(struct db *db, int64_t incident_id,
                               int (*cb)(void *, const struct status_affected_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT a.incident_id, a.component_id, c.slug, c.name, a.state "
                   "FROM status_incident_components a "
                   "JOIN status_components c ON c.id = a.component_id "
                   "WHERE a.incident_id = ? ORDER BY c.position, c.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    int rc;
    struct status_affected_rec a;
    while ((rc = db_step(st)) == 1) {
        memset(&a, 0, sizeof(a));
        a.incident_id = db_col_int64(st, 0);
        a.component_id = db_col_int64(st, 1);
        STORE_COPY(st, 2, a.slug);
        STORE_COPY(st, 3, a.name);
        STORE_COPY(st, 4, a.state);
        if ((rc = cb(ctx, &a)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_status_update_insert(struct db *db, int64_t incident_id, const char *status,
                               const char *body, int64_t author_id, int64_t now, int64_t *id)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO status_updates (incident_id, status, body, author_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, status);
    db_bind_text(st, 3, body);
    bind_opt_ms(st, 4, author_id);
    db_bind_int64(st, 5, now);
    return store__step_id(st, id);
}

int store_status_update_list(struct db *db, int64_t incident_id,
                             int (*cb)(void *, const struct status_update_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT s.id, s.incident_id, s.status, s.body, u.name, s.created_at "
                   "FROM status_updates s LEFT JOIN users u ON u.id = s.author_id "
                   "WHERE s.incident_id = ? ORDER BY s.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    int rc;
    struct status_update_rec u;
    while ((rc = db_step(st)) == 1) {
        memset(&u, 0, sizeof(u));
        u.id = db_col_int64(st, 0);
        u.incident_id = db_col_int64(st, 1);
        STORE_COPY(st, 2, u.status);
        u.body = db_col_text(st, 3);
        STORE_COPY(st, 4, u.author);
        u.created_at = db_col_int64(st, 5);
        if ((rc = cb(ctx, &u)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* ---- subscriptions ------------------------------------------------------------------ */

#define SUB_COLS                                                                                   \
    "id, email, components, pending_components, created_at, confirmed_at, unsubscribed_at "        \
    "FROM status_subscriptions "

static void read_sub(struct db_stmt *st, struct status_subscription_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, r->email);
    STORE_COPY(st, 2, r->components);
    STORE_COPY(st, 3, r->pending);
    r->created_at = db_col_int64(st, 4);
    r->confirmed_at = db_col_int64(st, 5);
    r->unsubscribed_at = db_col_int64(st, 6);
}

static int sub_one(struct db_stmt *st, struct status_subscription_rec *out)
{
    int rc = db_step(st);
    if (rc == 1)
        read_sub(st, out);
    return store__finish_row(st, rc);
}

int store_status_sub_get(struct db *db, int64_t id, struct status_subscription_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " SUB_COLS "WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    return sub_one(st, out);
}

int store_status_sub_by_email(struct db *db, const char *email, struct status_subscription_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " SUB_COLS "WHERE email = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    return sub_one(st, out);
}

int store_status_sub_insert(struct db *db, struct status_subscription_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO status_subscriptions (email, components, pending_components, "
                   "created_at, confirmed_at, unsubscribed_at) VALUES (?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, r->email);
    db_bind_text(st, 2, r->components);
    store__bind_opt(st, 3, r->pending);
    db_bind_int64(st, 4, r->created_at);
    bind_opt_ms(st, 5, r->confirmed_at);
    bind_opt_ms(st, 6, r->unsubscribed_at);
    return store__step_id(st, &r->id);
}

int store_status_sub_update(struct db *db, const struct status_subscription_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE status_subscriptions SET components = ?, pending_components = ?, "
                   "confirmed_at = ?, unsubscribed_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, r->components);
    store__bind_opt(st, 2, r->pending);
    bind_opt_ms(st, 3, r->confirmed_at);
    bind_opt_ms(st, 4, r->unsubscribed_at);
    db_bind_int64(st, 5, r->id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        return FD_ENOTFOUND;
    return rc;
}

int store_status_sub_list_active(struct db *db,
                                 int (*cb)(void *, const struct status_subscription_rec *),
                                 void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SUB_COLS "WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL "
                   "ORDER BY id",
                   &st))
        return FD_EDB;
    int rc;
    struct status_subscription_rec *r = xmalloc(sizeof(*r));
    while ((rc = db_step(st)) == 1) {
        read_sub(st, r);
        if ((rc = cb(ctx, r)) != 0)
            break;
    }
    free(r);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_status_secret_get(struct db *db, const char *name, char *out, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT value FROM status_secrets WHERE name = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    int rc = db_step(st);
    if (rc == 1)
        store__copy_col(st, 0, out, n);
    return store__finish_row(st, rc);
}

int store_status_secret_put(struct db *db, const char *name, const char *value)
{
    struct db_stmt *st;
    if (db_prepare(db, "INSERT INTO status_secrets (name, value) VALUES (?, ?)", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, value);
    return store__step_done(st);
}
