/* Automatic assignment within a department and tier, reassignment, and settings. */
#include "routing.h"

#include "../core/timeutil.h"
#include "routing_int.h"

#include <stdlib.h>
#include <string.h>

int routing_pick(const struct routing_agent_rec *v, int n, int least_loaded, int64_t exclude_id)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (v[i].id == exclude_id || v[i].load >= v[i].capacity)
            continue;
        if (best < 0) {
            best = i;
            continue;
        }
        const struct routing_agent_rec *a = &v[i], *b = &v[best];
        if (least_loaded && a->load != b->load) {
            if (a->load < b->load)
                best = i;
            continue;
        }
        if (a->last_seq != b->last_seq) {
            if (a->last_seq < b->last_seq)
                best = i;
            continue;
        }
        if (a->id < b->id)
            best = i;
    }
    return best;
}

struct agent_list {
    struct routing_agent_rec *v;
    int n, cap;
};

static int collect_agent(void *ctx, const struct routing_agent_rec *a)
{
    struct agent_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        struct routing_agent_rec *v = realloc(l->v, (size_t)cap * sizeof(*v));
        if (!v)
            return FD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *a;
    return 0;
}

/* Assigns one ticket (or pools it); see routing_assign_auto. */
static int assign_one(struct db *db, struct ticket_rec *t, int64_t actor_id, int64_t exclude_id,
                      const char *reason, int64_t *agent_id)
{
    char method[16];
    struct agent_list l = {0};
    int64_t now = fd_now_ms();
    int rc = store_routing_dept_method(db, t->department_id, method, sizeof(method));
    if (rc == 0)
        rc = store_routing_agents(db, t->department_id, t->tier, collect_agent, &l);
    if (rc)
        goto out;
    int i = routing_pick(l.v, l.n, strcmp(method, "least_loaded") == 0, exclude_id);
    int64_t before = t->assignee_id;
    *agent_id = i >= 0 ? l.v[i].id : 0;
    if (i < 0) {
        /* Nobody can take it now: it waits in the pool, unassigned. */
        t->assignee_id = 0;
        if ((rc = store_routing_pool_add(db, t->id, now)))
            goto out;
    } else {
        t->assignee_id = l.v[i].id;
        if ((rc = store_routing_agent_assigned(db, l.v[i].id, now)) ||
            (rc = store_routing_pool_remove(db, t->id)))
            goto out;
    }
    if (before == t->assignee_id && i < 0) {
        rc = routing__event(db, t->id, actor_id, "routing_pooled",
                            json_pack("{s:s, s:s, s:s}", "method", method, "reason",
                                      reason ? reason : "", "why",
                                      "no online agent of this department and tier has capacity"),
                            now);
        goto out;
    }
    if ((rc = store_ticket_update(db, t)))
        goto out;
    json_t *d =
        json_pack("{s:o, s:o, s:s, s:s}", "before", before ? json_integer(before) : json_null(),
                  "after", t->assignee_id ? json_integer(t->assignee_id) : json_null(), "via",
                  method, "reason", reason ? reason : "");
    if (i < 0)
        json_object_set_new(d, "pooled", json_true());
    rc = routing__event(db, t->id, actor_id, "assigned", d, now);
out:
    free(l.v);
    return rc;
}

struct ids {
    int64_t *v;
    int n, cap;
};

static int collect_id(void *ctx, int64_t id)
{
    struct ids *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        int64_t *v = realloc(l->v, (size_t)cap * sizeof(*v));
        if (!v)
            return FD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 0;
}

/*
 * Hands pooled tickets of the department and tier, oldest first, to available agents
 * until nobody has room. Tickets that left new/open or were assigned by hand meanwhile
 * leave the pool. *count (may be NULL) is increased by the tickets assigned.
 */
static int drain_pool(struct db *db, int64_t department_id, int tier, int64_t actor_id,
                      int64_t exclude_id, const char *reason, int *count)
{
    struct ids l = {0};
    struct ticket_rec *t = malloc(sizeof(*t));
    int rc;
    if (!t)
        return FD_ENOMEM;
    if ((rc = store_routing_pool_list(db, department_id, tier, collect_id, &l)))
        goto out;
    for (int i = 0; i < l.n; i++) {
        int64_t got = 0;
        if ((rc = store_ticket_get(db, l.v[i], t)))
            goto out;
        if ((strcmp(t->status, "new") && strcmp(t->status, "open")) || t->assignee_id) {
            if ((rc = store_routing_pool_remove(db, t->id)))
                goto out;
            continue;
        }
        if ((rc = assign_one(db, t, actor_id, exclude_id, reason, &got)))
            goto out;
        if (!got)
            break; /* everyone is full: the rest keeps waiting */
        if (count)
            (*count)++;
    }
out:
    free(l.v);
    free(t);
    return rc;
}

int routing_assign_auto(struct db *db, struct ticket_rec *t, int64_t actor_id, int64_t exclude_id,
                        const char *reason, int64_t *agent_id)
{
    /* Tickets already waiting go first: a new ticket does not overtake the pool. */
    int rc = drain_pool(db, t->department_id, t->tier, actor_id, exclude_id, "pool", NULL);
    return rc ? rc : assign_one(db, t, actor_id, exclude_id, reason, agent_id);
}

int routing_agent_availability(struct db *db, int64_t agent_id, const char *status,
                               int64_t actor_id, int *moved)
{
    struct ids l = {0};
    struct ticket_rec *t = malloc(sizeof(*t));
    int count = 0, rc;
    if (!t)
        return FD_ENOMEM;
    if (strcmp(status, "online") == 0) {
        struct user_rec u;
        if ((rc = store_user_get(db, agent_id, &u)))
            goto out;
        if (!u.department_id || !u.tier || u.disabled)
            goto out;
        rc = drain_pool(db, u.department_id, u.tier, actor_id, 0, "agent online", &count);
        goto out;
    }
    char reason[32];
    snprintf(reason, sizeof(reason), "agent %s", status);
    if ((rc = store_routing_open_tickets(db, agent_id, collect_id, &l)))
        goto out;
    for (int i = 0; i < l.n; i++) {
        int64_t got = 0;
        if ((rc = store_ticket_get(db, l.v[i], t)) ||
            (rc = routing_assign_auto(db, t, actor_id, agent_id, reason, &got)))
            goto out;
        count++;
    }
out:
    if (rc == 0 && moved)
        *moved = count;
    free(l.v);
    free(t);
    return rc;
}

int routing_agent_release_email(struct db *db, const char *email, int *moved)
{
    struct user_rec u;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    if ((rc = store_user_by_email(db, email, &u, NULL, 0)) ||
        (rc = routing_agent_availability(db, u.id, "disabled", 0, moved)) || (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}

/* ---- settings ---- */

int routing_dept_set_method(struct db *db, const struct auth_actor *a, const char *dept,
                            const char *method, struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    if (!method || (strcmp(method, "round_robin") && strcmp(method, "least_loaded")))
        return fd_fail(err, FD_EINVAL, "method", "method must be round_robin or least_loaded");
    if ((rc = db_begin_write(db)))
        return rc;
    struct department_rec d;
    char before[16];
    rc = store_department_by_slug(db, dept, &d);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_ENOTFOUND, "department", "no department \"%.40s\"", dept);
    if (rc || (rc = store_routing_dept_method(db, d.id, before, sizeof(before))) ||
        (rc = store_routing_dept_set_method(db, d.id, method)) ||
        (rc = routing__event(
             db, 0, a->user.id, "routing_method_changed",
             json_pack("{s:s, s:s, s:s}", "department", d.slug, "before", before, "after", method),
             fd_now_ms())) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}

struct settings_ctx {
    struct db *db;
    json_t *arr;
    int rc;
};

static int add_dept(void *ctx, const struct department_rec *d)
{
    struct settings_ctx *s = ctx;
    char method[16];
    if ((s->rc = store_routing_dept_method(s->db, d->id, method, sizeof(method))))
        return 1;
    json_array_append_new(
        s->arr, json_pack("{s:s, s:s, s:s}", "slug", d->slug, "name", d->name, "method", method));
    return 0;
}

static int add_agent(void *ctx, const struct user_rec *u)
{
    struct settings_ctx *s = ctx;
    if (u->role == ROLE_CUSTOMER)
        return 0;
    int cap = 0;
    if ((s->rc = store_routing_agent_capacity(s->db, u->id, &cap)))
        return 1;
    json_array_append_new(s->arr, json_pack("{s:I, s:s, s:s, s:s, s:i, s:b, s:i}", "id",
                                            (json_int_t)u->id, "email", u->email, "name", u->name,
                                            "department", u->department, "tier", u->tier,
                                            "disabled", u->disabled, "ticket_capacity", cap));
    return 0;
}

int routing_settings(struct db *db, const struct auth_actor *a, json_t **out)
{
    int rc = routing__admin(a, NULL);
    if (rc)
        return rc;
    struct settings_ctx depts = {db, json_array(), 0}, agents = {db, json_array(), 0};
    if ((rc = store_department_list(db, add_dept, &depts)) >= 0 && depts.rc)
        rc = depts.rc;
    if (rc == 0 && (rc = store_user_list(db, 1, add_agent, &agents)) >= 0 && agents.rc)
        rc = agents.rc;
    if (rc) {
        json_decref(depts.arr);
        json_decref(agents.arr);
        return rc < 0 ? rc : FD_EDB;
    }
    *out = json_pack("{s:o, s:o}", "departments", depts.arr, "agents", agents.arr);
    return 0;
}

int routing_agent_set_capacity(struct db *db, const struct auth_actor *a, int64_t user_id,
                               int capacity, struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    if (capacity < 1 || capacity > ROUTING_CAPACITY_MAX)
        return fd_fail(err, FD_EINVAL, "ticket_capacity", "ticket_capacity must be from 1 to %d",
                       ROUTING_CAPACITY_MAX);
    if ((rc = db_begin_write(db)))
        return rc;
    struct user_rec u;
    int before = 0;
    rc = store_user_get(db, user_id, &u);
    if (rc == 0 && u.role == ROLE_CUSTOMER)
        rc = FD_ENOTFOUND;
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_ENOTFOUND, "id", "no agent %lld", (long long)user_id);
    if (rc || (rc = store_routing_agent_capacity(db, user_id, &before)) ||
        (rc = store_routing_agent_set_capacity(db, user_id, capacity)) ||
        (rc = routing__event(db, 0, a->user.id, "ticket_capacity_changed",
                             json_pack("{s:I, s:i, s:i}", "user_id", (json_int_t)user_id, "before",
                                       before, "after", capacity),
                             fd_now_ms())) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}

/* A BCP 47-ish tag: letters, digits and '-', starting with 2-3 letters. */
static int language_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 35)
        return 0;
    size_t letters = 0;
    while (letters < n &&
           ((s[letters] >= 'a' && s[letters] <= 'z') || (s[letters] >= 'A' && s[letters] <= 'Z')))
        letters++;
    if (letters < 2 || letters > 3)
        return 0;
    for (size_t i = letters; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
    }
    return s[letters] == '\0' || s[letters] == '-';
}

int routing_user_set_attrs(struct db *db, const struct auth_actor *a, const char *email,
                           int vip_level, const char *language, struct fd_error *err)
{
    int rc = a ? routing__admin(a, err) : 0; /* NULL: the command line */
    if (rc)
        return rc;
    if (vip_level > 5)
        return fd_fail(err, FD_EINVAL, "vip_level", "vip_level must be from 0 to 5");
    if (language && *language && !language_ok(language))
        return fd_fail(err, FD_EINVAL, "language",
                       "language must be a language tag such as \"en\" or \"pt-BR\"");
    if ((rc = db_begin_write(db)))
        return rc;
    struct user_rec u;
    int vip = 0;
    char lang[36] = "";
    rc = store_user_by_email(db, email ? email : "", &u, NULL, 0);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_ENOTFOUND, "email", "no user %.60s", email ? email : "");
    if (rc || (rc = store_routing_user_attrs(db, u.id, &vip, lang, sizeof(lang))))
        goto out;
    int new_vip = vip_level >= 0 ? vip_level : vip;
    const char *new_lang = language ? language : lang;
    if ((rc = store_routing_user_set_attrs(db, u.id, new_vip, new_lang)) ||
        (rc = routing__event(db, 0, a ? a->user.id : 0, "user_attrs_changed",
                             json_pack("{s:I, s:{s:i, s:s}, s:{s:i, s:s}}", "user_id",
                                       (json_int_t)u.id, "before", "vip_level", vip, "language",
                                       lang, "after", "vip_level", new_vip, "language", new_lang),
                             fd_now_ms())) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}
