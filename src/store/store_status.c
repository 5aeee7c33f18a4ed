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
                   "SELECT a.incident_id, a.component_id, c.slug, c.name, a.state, c.match_terms "
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
        STORE_COPY(st, 5, a.terms);
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

/* ---- incident mode ------------------------------------------------------------------ */

int store_status_incident_live(struct db *db, int64_t now, int limit,
                               int (*cb)(void *, const struct status_incident_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " INCIDENT_COLS "WHERE (kind = 'incident' AND status <> 'resolved') "
                   "OR (kind = 'maintenance' AND status = 'scheduled' AND starts_at <= ? "
                   "AND ends_at > ?) ORDER BY id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, limit);
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

int store_status_link_insert(struct db *db, const struct status_link_rec *l)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT 1 FROM status_incident_tickets WHERE incident_id = ? AND ticket_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, l->incident_id);
    db_bind_int64(st, 2, l->ticket_id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return FD_ECONFLICT;
    if (db_prepare(db,
                   "INSERT INTO status_incident_tickets (incident_id, ticket_id, how, reason, "
                   "linked_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, l->incident_id);
    db_bind_int64(st, 2, l->ticket_id);
    db_bind_text(st, 3, l->how);
    db_bind_text(st, 4, l->reason);
    bind_opt_ms(st, 5, l->linked_by);
    db_bind_int64(st, 6, l->created_at);
    return store__step_done(st);
}

int store_status_link_delete(struct db *db, int64_t incident_id, int64_t ticket_id)
{
    struct db_stmt *st;
    if (db_prepare(
            db, "DELETE FROM status_incident_tickets WHERE incident_id = ? AND ticket_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, ticket_id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        return FD_ENOTFOUND;
    return rc;
}

int store_status_link_list_ticket(struct db *db, int64_t ticket_id,
                                  int (*cb)(void *, const struct status_link_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT l.incident_id, l.ticket_id, i.title, i.status, l.how, l.reason, "
                   "l.linked_by, l.created_at FROM status_incident_tickets l "
                   "JOIN status_incidents i ON i.id = l.incident_id WHERE l.ticket_id = ? "
                   "ORDER BY l.incident_id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    struct status_link_rec l;
    while ((rc = db_step(st)) == 1) {
        memset(&l, 0, sizeof(l));
        l.incident_id = db_col_int64(st, 0);
        l.ticket_id = db_col_int64(st, 1);
        STORE_COPY(st, 2, l.title);
        STORE_COPY(st, 3, l.incident_status);
        STORE_COPY(st, 4, l.how);
        STORE_COPY(st, 5, l.reason);
        l.linked_by = db_col_int64(st, 6);
        l.created_at = db_col_int64(st, 7);
        if ((rc = cb(ctx, &l)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_status_link_open_tickets(struct db *db, int64_t incident_id,
                                   int (*cb)(void *, int64_t ticket_id), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT l.ticket_id FROM status_incident_tickets l "
                   "JOIN tickets t ON t.id = l.ticket_id WHERE l.incident_id = ? "
                   "AND t.status NOT IN ('solved', 'closed') ORDER BY l.ticket_id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    int rc;
    while ((rc = db_step(st)) == 1)
        if ((rc = cb(ctx, db_col_int64(st, 0))) != 0)
            break;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_status_chat_link_insert(struct db *db, int64_t incident_id, int64_t chat_id,
                                  const char *reason, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO status_incident_chats (incident_id, chat_id, reason, created_at) "
                   "VALUES (?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, chat_id);
    db_bind_text(st, 3, reason);
    db_bind_int64(st, 4, now);
    return store__step_done(st);
}

int store_status_ticket_tag(struct db *db, int64_t ticket_id, const char *tag, int add)
{
    struct db_stmt *st;
    if (!add) {
        if (db_prepare(db, "DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?", &st))
            return FD_EDB;
        db_bind_int64(st, 1, ticket_id);
        db_bind_text(st, 2, tag);
        return store__step_done(st);
    }
    if (db_prepare(db, "SELECT 1 FROM ticket_tags WHERE ticket_id = ? AND tag = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, tag);
    int rc = db_step(st);
    db_finalize(st);
    if (rc != 0)
        return rc < 0 ? rc : 0; /* already tagged */
    if (db_prepare(db, "INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, tag);
    return store__step_done(st);
}

int store_status_banner_view(struct db *db, int64_t incident_id, int64_t user_id,
                             const char *surface, int64_t now)
{
    struct db_stmt *st;
    /* INSERT ... ON CONFLICT DO UPDATE runs on SQLite (3.24+) and PostgreSQL alike. */
    if (db_prepare(db,
                   "INSERT INTO status_banner_counts (incident_id, surface, views) "
                   "VALUES (?, ?, 1) ON CONFLICT (incident_id, surface) "
                   "DO UPDATE SET views = status_banner_counts.views + 1",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, surface);
    int rc = store__step_done(st);
    if (rc || !user_id)
        return rc;
    if (db_prepare(db,
                   "INSERT INTO status_banner_views (incident_id, user_id, first_seen_at, "
                   "last_seen_at, views) VALUES (?, ?, ?, ?, 1) "
                   "ON CONFLICT (incident_id, user_id) DO UPDATE SET "
                   "last_seen_at = excluded.last_seen_at, views = status_banner_views.views + 1",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, now);
    return store__step_done(st);
}

/* A viewer "contacted" when they opened a ticket or a chat in [from, to). */
#define CONTACT_SQL(from, to)                                                                      \
    "(EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = v.user_id AND t.created_at >= " from  \
    " AND t.created_at < " to ") OR EXISTS (SELECT 1 FROM chats c WHERE c.customer_id = "          \
    "v.user_id AND c.created_at >= " from " AND c.created_at < " to "))"

#define NOT_BEFORE CONTACT_SQL("v.first_seen_at - ?", "v.first_seen_at")
#define AFTER CONTACT_SQL("v.first_seen_at", "v.first_seen_at + ?")
static const char REPORT_SQL[] =
    "SELECT i.id, i.title, i.kind, i.status, i.created_at, i.resolved_at, "
    "(SELECT COUNT(*) FROM status_incident_tickets l WHERE l.incident_id = i.id), "
    "(SELECT COUNT(*) FROM status_incident_tickets l WHERE l.incident_id = i.id "
    "AND l.how = 'auto'), "
    "(SELECT COALESCE(SUM(b.views), 0) FROM status_banner_counts b WHERE b.incident_id = i.id), "
    "(SELECT COUNT(*) FROM status_incident_chats c WHERE c.incident_id = i.id), "
    "(SELECT COUNT(*) FROM status_banner_views v WHERE v.incident_id = i.id AND NOT " NOT_BEFORE
    "), "
    "(SELECT COUNT(*) FROM status_banner_views v WHERE v.incident_id = i.id AND NOT " NOT_BEFORE
    " AND " AFTER ") "
    "FROM status_incidents i WHERE i.created_at >= ? ORDER BY i.id DESC LIMIT ?";

int store_status_report(struct db *db, int64_t since, int64_t window_ms, int limit,
                        int (*cb)(void *, const struct status_report_row *), void *ctx)
{
    struct db_stmt *st;
    /* Eligible viewers had not already written in the window before their first view
     * (they were not there to be deflected); of those, "contacted" wrote within the
     * window after it. */
    if (db_prepare(db, REPORT_SQL, &st))
        return FD_EDB;
    int k = 1;
    for (int i = 0; i < 4; i++) /* the "before" window, twice per CONTACT_SQL pair */
        db_bind_int64(st, k++, window_ms);
    for (int i = 0; i < 2; i++)
        db_bind_int64(st, k++, window_ms);
    db_bind_int64(st, k++, since);
    db_bind_int64(st, k++, limit);
    int rc;
    struct status_report_row r;
    while ((rc = db_step(st)) == 1) {
        memset(&r, 0, sizeof(r));
        r.id = db_col_int64(st, 0);
        STORE_COPY(st, 1, r.title);
        STORE_COPY(st, 2, r.kind);
        STORE_COPY(st, 3, r.status);
        r.created_at = db_col_int64(st, 4);
        r.resolved_at = db_col_int64(st, 5);
        r.linked = db_col_int64(st, 6);
        r.auto_linked = db_col_int64(st, 7);
        r.banner_views = db_col_int64(st, 8);
        r.chats = db_col_int64(st, 9);
        r.viewers = db_col_int64(st, 10);
        r.contacted = db_col_int64(st, 11);
        if ((rc = cb(ctx, &r)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}
