/* Routing rules, macros, assignment settings and the pool (migration 009). */
#include "store_routing.h"

#include "store_int.h"

#include <stdlib.h>

/* ---- rules ---- */

#define RULE_COLS                                                                                  \
    "SELECT id, position, name, enabled, continue_after, conditions, actions, updated_by, "        \
    "created_at, updated_at FROM routing_rules "

static void read_rule(struct db_stmt *st, struct routing_rule_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->id = db_col_int64(st, 0);
    r->position = (int)db_col_int64(st, 1);
    STORE_COPY(st, 2, r->name);
    r->enabled = (int)db_col_int64(st, 3);
    r->cont = (int)db_col_int64(st, 4);
    r->conditions = (char *)db_col_text(st, 5);
    r->actions = (char *)db_col_text(st, 6);
    r->updated_by = db_col_int64(st, 7);
    r->created_at = db_col_int64(st, 8);
    r->updated_at = db_col_int64(st, 9);
}

int store_routing_rule_insert(struct db *db, struct routing_rule_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(
            db,
            "INSERT INTO routing_rules (position, name, enabled, continue_after, conditions, "
            "actions, updated_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            &st))
        return FD_EDB;
    db_bind_int64(st, 1, r->position);
    db_bind_text(st, 2, r->name);
    db_bind_int64(st, 3, r->enabled);
    db_bind_int64(st, 4, r->cont);
    db_bind_text(st, 5, r->conditions);
    db_bind_text(st, 6, r->actions);
    if (r->updated_by)
        db_bind_int64(st, 7, r->updated_by);
    else
        db_bind_null(st, 7);
    db_bind_int64(st, 8, r->created_at);
    db_bind_int64(st, 9, r->updated_at);
    return store__step_id(st, &r->id);
}

int store_routing_rule_update(struct db *db, const struct routing_rule_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE routing_rules SET name = ?, enabled = ?, continue_after = ?, "
                   "conditions = ?, actions = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, r->name);
    db_bind_int64(st, 2, r->enabled);
    db_bind_int64(st, 3, r->cont);
    db_bind_text(st, 4, r->conditions);
    db_bind_text(st, 5, r->actions);
    if (r->updated_by)
        db_bind_int64(st, 6, r->updated_by);
    else
        db_bind_null(st, 6);
    db_bind_int64(st, 7, r->updated_at);
    db_bind_int64(st, 8, r->id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_routing_rule_set_position(struct db *db, int64_t id, int position)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE routing_rules SET position = ? WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, position);
    db_bind_int64(st, 2, id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_routing_rule_delete(struct db *db, int64_t id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM routing_rules WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_routing_rule_get(struct db *db, int64_t id, struct routing_rule_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, RULE_COLS "WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1) {
        read_rule(st, out);
        out->conditions = strdup(out->conditions ? out->conditions : "{}");
        out->actions = strdup(out->actions ? out->actions : "{}");
        if (!out->conditions || !out->actions) {
            free(out->conditions);
            free(out->actions);
            db_finalize(st);
            return FD_ENOMEM;
        }
    }
    return store__finish_row(st, rc);
}

int store_routing_rule_list(struct db *db, int (*cb)(void *, const struct routing_rule_rec *),
                            void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, RULE_COLS "ORDER BY position, id", &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct routing_rule_rec r;
        read_rule(st, &r);
        if ((rc = cb(ctx, &r)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_routing_rule_next_position(struct db *db, int *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT COALESCE(MAX(position), 0) + 1 FROM routing_rules", &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1)
        *out = (int)db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

/* ---- macros ---- */

#define MACRO_COLS "SELECT id, name, body, actions, updated_by, created_at, updated_at FROM macros "

static void read_macro(struct db_stmt *st, struct macro_rec *m)
{
    memset(m, 0, sizeof(*m));
    m->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, m->name);
    m->body = (char *)db_col_text(st, 2);
    m->actions = (char *)db_col_text(st, 3);
    m->updated_by = db_col_int64(st, 4);
    m->created_at = db_col_int64(st, 5);
    m->updated_at = db_col_int64(st, 6);
}

int store_macro_insert(struct db *db, struct macro_rec *m)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO macros (name, body, actions, updated_by, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, m->name);
    db_bind_text(st, 2, m->body);
    db_bind_text(st, 3, m->actions);
    if (m->updated_by)
        db_bind_int64(st, 4, m->updated_by);
    else
        db_bind_null(st, 4);
    db_bind_int64(st, 5, m->created_at);
    db_bind_int64(st, 6, m->updated_at);
    return store__step_id(st, &m->id);
}

int store_macro_update(struct db *db, const struct macro_rec *m)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE macros SET name = ?, body = ?, actions = ?, updated_by = ?, "
                   "updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, m->name);
    db_bind_text(st, 2, m->body);
    db_bind_text(st, 3, m->actions);
    if (m->updated_by)
        db_bind_int64(st, 4, m->updated_by);
    else
        db_bind_null(st, 4);
    db_bind_int64(st, 5, m->updated_at);
    db_bind_int64(st, 6, m->id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_macro_delete(struct db *db, int64_t id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM macros WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_macro_get(struct db *db, int64_t id, struct macro_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, MACRO_COLS "WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1) {
        read_macro(st, out);
        out->body = strdup(out->body ? out->body : "");
        out->actions = strdup(out->actions ? out->actions : "{}");
        if (!out->body || !out->actions) {
            free(out->body);
            free(out->actions);
            db_finalize(st);
            return FD_ENOMEM;
        }
    }
    return store__finish_row(st, rc);
}

int store_macro_list(struct db *db, int (*cb)(void *, const struct macro_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, MACRO_COLS "ORDER BY name, id", &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct macro_rec m;
        read_macro(st, &m);
        if ((rc = cb(ctx, &m)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* ---- departments, users, agents ---- */

int store_routing_dept_method(struct db *db, int64_t department_id, char *out, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT method FROM routing_departments WHERE department_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc = db_step(st);
    store__copy_col(st, 0, out, n);
    if (rc != 1)
        snprintf(out, n, "round_robin");
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_routing_dept_set_method(struct db *db, int64_t department_id, const char *method)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO routing_departments (department_id, method) VALUES (?, ?) "
                   "ON CONFLICT (department_id) DO UPDATE SET method = excluded.method",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_text(st, 2, method);
    return store__step_done(st);
}

int store_routing_user_attrs(struct db *db, int64_t user_id, int *vip_level, char *language,
                             size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT vip_level, language FROM users WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1) {
        *vip_level = (int)db_col_int64(st, 0);
        store__copy_col(st, 1, language, n);
    }
    return store__finish_row(st, rc);
}

int store_routing_user_set_attrs(struct db *db, int64_t user_id, int vip_level,
                                 const char *language)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE users SET vip_level = ?, language = ? WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, vip_level);
    store__bind_opt(st, 2, language);
    db_bind_int64(st, 3, user_id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_routing_agent_capacity(struct db *db, int64_t user_id, int *capacity)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT ticket_capacity FROM routing_agents WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    *capacity = rc == 1 ? (int)db_col_int64(st, 0) : 10;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_routing_agent_set_capacity(struct db *db, int64_t user_id, int capacity)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO routing_agents (user_id, ticket_capacity) VALUES (?, ?) "
                   "ON CONFLICT (user_id) DO UPDATE SET ticket_capacity = excluded.ticket_capacity",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, capacity);
    return store__step_done(st);
}

int store_routing_agent_assigned(struct db *db, int64_t user_id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO routing_agents (user_id, last_ticket_seq, last_ticket_at) "
                   "VALUES (?, (SELECT COALESCE(MAX(last_ticket_seq), 0) + 1 FROM routing_agents), "
                   "?) ON CONFLICT (user_id) DO UPDATE SET last_ticket_seq = "
                   "excluded.last_ticket_seq, last_ticket_at = excluded.last_ticket_at",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, now);
    return store__step_done(st);
}

int store_routing_agents(struct db *db, int64_t department_id, int tier,
                         int (*cb)(void *, const struct routing_agent_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT u.id, u.name, COALESCE(r.ticket_capacity, 10), "
                   "COALESCE(r.last_ticket_seq, 0), (SELECT count(*) FROM tickets t WHERE "
                   "t.assignee_id = u.id AND t.status IN ('new', 'open')) "
                   "FROM agent_presence p JOIN users u ON u.id = p.user_id "
                   "LEFT JOIN routing_agents r ON r.user_id = u.id "
                   "WHERE p.status = 'online' AND u.disabled = 0 AND u.role <> 'customer' AND "
                   "u.department_id = ? AND u.tier = ? ORDER BY u.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, tier);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct routing_agent_rec a;
        memset(&a, 0, sizeof(a));
        a.id = db_col_int64(st, 0);
        STORE_COPY(st, 1, a.name);
        a.capacity = (int)db_col_int64(st, 2);
        a.last_seq = db_col_int64(st, 3);
        a.load = (int)db_col_int64(st, 4);
        if ((rc = cb(ctx, &a)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

static int id_rows(struct db_stmt *st, int (*cb)(void *, int64_t), void *ctx)
{
    int rc;
    while ((rc = db_step(st)) == 1)
        if ((rc = cb(ctx, db_col_int64(st, 0))) != 0)
            break;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_routing_open_tickets(struct db *db, int64_t user_id, int (*cb)(void *, int64_t ticket_id),
                               void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id FROM tickets WHERE assignee_id = ? AND status IN ('new', 'open') "
                   "ORDER BY id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    return id_rows(st, cb, ctx);
}

int store_routing_pool_add(struct db *db, int64_t ticket_id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO routing_pool (ticket_id, since) VALUES (?, ?) "
                   "ON CONFLICT (ticket_id) DO NOTHING",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_int64(st, 2, now);
    return store__step_done(st);
}

int store_routing_pool_remove(struct db *db, int64_t ticket_id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM routing_pool WHERE ticket_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    return store__step_done(st);
}

int store_routing_pool_list(struct db *db, int64_t department_id, int tier,
                            int (*cb)(void *, int64_t ticket_id), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT p.ticket_id FROM routing_pool p JOIN tickets t ON t.id = p.ticket_id "
                   "WHERE t.department_id = ? AND t.tier = ? ORDER BY p.since, p.ticket_id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, tier);
    return id_rows(st, cb, ctx);
}
