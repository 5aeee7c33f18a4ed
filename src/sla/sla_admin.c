/* Administration of calendars, department calendars and SLA policies (admins only). */
#include "sla/sla.h"

#include "auth/auth.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "sla/calendar.h"
#include "store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define TARGET_MAX_MIN (366 * 24 * 60)
#define WARN_MAX_MIN (7 * 24 * 60)

static int require_admin(const struct auth_actor *a, struct fd_error *err)
{
    if (a->user.role != ROLE_ADMIN)
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only admins may change SLA settings");
    return 0;
}

/* An event without a ticket: {"id":id, "before":before, "after":after}. */
static int admin_event(struct db *db, const struct auth_actor *a, const char *type, int64_t id,
                       json_t *before, json_t *after, int64_t now)
{
    json_t *d = json_pack("{s:I}", "id", (json_int_t)id);
    if (before)
        json_object_set_new(d, "before", before);
    if (after)
        json_object_set_new(d, "after", after);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, 0, a->user.id, type, text, now);
    free(text);
    return rc;
}

static int check_name(json_t *body, int required, const char **out, struct fd_error *err)
{
    json_t *v = json_object_get(body, "name");
    if (!v) {
        if (required)
            return fd_fail(err, FD_EINVAL, "name", "name is required");
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > SLA_NAME_MAX)
        return fd_fail(err, FD_EINVAL, "name", "name must be 1 to %d characters", SLA_NAME_MAX);
    *out = s;
    return 0;
}

/* The calendar part of body, normalized (hours merged and sorted). */
static int calendar_spec(json_t *body, char **spec, struct fd_error *err)
{
    struct sla_calendar *c = NULL;
    int rc = sla_calendar_from_json(body, &c, err);
    if (rc)
        return rc;
    json_t *j = sla_calendar_to_json(c);
    sla_calendar_free(c);
    *spec = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return *spec ? 0 : FD_ENOMEM;
}

static int default_flag(json_t *body, int *out, struct fd_error *err)
{
    json_t *v = json_object_get(body, "default");
    *out = 0;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return fd_fail(err, FD_EINVAL, "default", "default must be true or false");
    *out = json_is_true(v);
    return 0;
}

static json_t *spec_json(const char *name, const char *spec)
{
    json_t *j = json_loads(spec, 0, NULL);
    if (!j)
        j = json_object();
    json_object_set_new(j, "name", json_string(name));
    return j;
}

int sla_calendar_create(struct db *db, const struct auth_actor *a, json_t *body, int64_t *id,
                        struct fd_error *err)
{
    const char *name = NULL;
    char *spec = NULL;
    int def = 0;
    int rc;
    if ((rc = require_admin(a, err)) || (rc = check_name(body, 1, &name, err)) ||
        (rc = default_flag(body, &def, err)) || (rc = calendar_spec(body, &spec, err)))
        return rc;
    int64_t now = fd_now_ms();
    if ((rc = db_begin_write(db)))
        goto out;
    rc = store_sla_calendar_insert(db, name, spec, now, id);
    if (rc == FD_ECONFLICT)
        rc = fd_fail(err, FD_ECONFLICT, "name", "a calendar named \"%s\" exists", name);
    if (rc || (def && (rc = store_sla_calendar_set_default(db, *id))) ||
        (rc = admin_event(db, a, "sla_calendar_created", *id, NULL, spec_json(name, spec), now)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    free(spec);
    return rc;
}

int sla_calendar_update(struct db *db, const struct auth_actor *a, int64_t id, json_t *body,
                        struct fd_error *err)
{
    const char *name = NULL;
    char *spec = NULL;
    int def = 0;
    int rc;
    if ((rc = require_admin(a, err)) || (rc = check_name(body, 0, &name, err)) ||
        (rc = default_flag(body, &def, err)) || (rc = calendar_spec(body, &spec, err)))
        return rc;
    int64_t now = fd_now_ms();
    struct sla_calendar_rec old = {0};
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = store_sla_calendar_get(db, id, &old)))
        goto out;
    if (!name)
        name = old.name;
    rc = store_sla_calendar_update(db, id, name, spec, now);
    if (rc == FD_ECONFLICT)
        rc = fd_fail(err, FD_ECONFLICT, "name", "a calendar named \"%s\" exists", name);
    if (rc || (def && (rc = store_sla_calendar_set_default(db, id))) ||
        (rc = admin_event(db, a, "sla_calendar_updated", id, spec_json(old.name, old.spec),
                          spec_json(name, spec), now)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    free(old.spec);
    free(spec);
    return rc;
}

int sla_department_calendar_set(struct db *db, const struct auth_actor *a, const char *slug,
                                int64_t calendar_id, struct fd_error *err)
{
    int rc = require_admin(a, err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct department_rec d;
    struct sla_calendar_rec c = {0};
    int64_t before = 0;
    if ((rc = store_department_by_slug(db, slug, &d)))
        goto out;
    if (calendar_id && (rc = store_sla_calendar_get(db, calendar_id, &c))) {
        if (rc == FD_ENOTFOUND)
            rc = fd_fail(err, FD_EINVAL, "calendar_id", "no calendar %lld", (long long)calendar_id);
        goto out;
    }
    rc = store_dept_calendar_get(db, d.id, &before);
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    if ((rc = store_dept_calendar_set(db, d.id, calendar_id)) ||
        (rc = admin_event(db, a, "department_calendar_set", d.id,
                          before ? json_integer(before) : json_null(),
                          calendar_id ? json_integer(calendar_id) : json_null(), fd_now_ms())))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    free(c.spec);
    return rc;
}

/* ---- policies ------------------------------------------------------------------------ */

static const char *const prios[] = {"low", "normal", "high", "urgent"};

static int is_prio(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, prios[i]) == 0)
            return 1;
    return 0;
}

/* An optional integer in [lo, hi]; JSON null gives -1 (when nullable). */
static int opt_int(json_t *body, const char *key, int lo, int hi, int nullable, int *out,
                   struct fd_error *err)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return 0;
    if (json_is_null(v) && nullable) {
        *out = -1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return fd_fail(err, FD_EINVAL, key, "%s must be an integer from %d to %d%s", key, lo, hi,
                       nullable ? " or null" : "");
    *out = (int)json_integer_value(v);
    return 0;
}

static int opt_bool(json_t *body, const char *key, int *out, struct fd_error *err)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return fd_fail(err, FD_EINVAL, key, "%s must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

/* Applies body to p (a new policy or the stored one), checking every field. */
static int policy_apply(struct db *db, json_t *body, struct sla_policy_rec *p, int creating,
                        struct fd_error *err)
{
    static const char *const allowed[] = {"name",           "priority",
                                          "department",     "vip_min",
                                          "calendar_id",    "first_reply_min",
                                          "next_reply_min", "resolution_min",
                                          "warn_min",       "escalate_priority",
                                          "escalate_tier",  "notify",
                                          "enabled",        NULL};
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (!ok)
            return fd_fail(err, FD_EINVAL, key, "unknown field \"%s\"", key);
    }
    const char *name = NULL;
    int rc = check_name(body, creating, &name, err);
    if (rc)
        return rc;
    if (name)
        snprintf(p->name, sizeof(p->name), "%s", name);
    v = json_object_get(body, "priority");
    if (v || creating) {
        if (!is_prio(json_string_value(v)))
            return fd_fail(err, FD_EINVAL, "priority",
                           "priority must be low, normal, high or urgent");
        snprintf(p->priority, sizeof(p->priority), "%s", json_string_value(v));
    }
    v = json_object_get(body, "department");
    if (v && json_is_null(v)) {
        p->department_id = 0;
        p->department[0] = '\0';
    } else if (v) {
        struct department_rec d;
        if (!json_is_string(v) || store_department_by_slug(db, json_string_value(v), &d) != 0)
            return fd_fail(err, FD_EINVAL, "department", "department must be a known slug or null");
        p->department_id = d.id;
        snprintf(p->department, sizeof(p->department), "%s", d.slug);
    }
    int cal = p->calendar_id ? (int)p->calendar_id : -1;
    if ((rc = opt_int(body, "vip_min", 0, 5, 1, &p->vip_min, err)) ||
        (rc = opt_int(body, "calendar_id", 1, INT32_MAX, 1, &cal, err)) ||
        (rc = opt_int(body, "first_reply_min", 1, TARGET_MAX_MIN, 1, &p->first_reply_min, err)) ||
        (rc = opt_int(body, "next_reply_min", 1, TARGET_MAX_MIN, 1, &p->next_reply_min, err)) ||
        (rc = opt_int(body, "resolution_min", 1, TARGET_MAX_MIN, 1, &p->resolution_min, err)) ||
        (rc = opt_int(body, "warn_min", 0, WARN_MAX_MIN, 0, &p->warn_min, err)) ||
        (rc = opt_int(body, "escalate_tier", 1, 3, 1, &p->escalate_tier, err)) ||
        (rc = opt_bool(body, "notify", &p->notify, err)) ||
        (rc = opt_bool(body, "enabled", &p->enabled, err)))
        return rc;
    if (p->escalate_tier < 0)
        p->escalate_tier = 0;
    p->calendar_id = cal > 0 ? cal : 0;
    if (p->calendar_id) {
        struct sla_calendar_rec c;
        if (store_sla_calendar_get(db, p->calendar_id, &c) != 0)
            return fd_fail(err, FD_EINVAL, "calendar_id", "no calendar %lld",
                           (long long)p->calendar_id);
        free(c.spec);
    }
    v = json_object_get(body, "escalate_priority");
    if (v && json_is_null(v)) {
        p->escalate_priority[0] = '\0';
    } else if (v) {
        if (!is_prio(json_string_value(v)))
            return fd_fail(err, FD_EINVAL, "escalate_priority",
                           "escalate_priority must be low, normal, high, urgent or null");
        snprintf(p->escalate_priority, sizeof(p->escalate_priority), "%s", json_string_value(v));
    }
    if (p->first_reply_min < 0 && p->next_reply_min < 0 && p->resolution_min < 0)
        return fd_fail(err, FD_EINVAL, "first_reply_min",
                       "a policy needs at least one target (first_reply_min, next_reply_min or "
                       "resolution_min)");
    return 0;
}

static json_t *policy_json(const struct sla_policy_rec *p)
{
    return json_pack("{s:s, s:s, s:s?, s:i, s:I, s:i, s:i, s:i, s:i, s:s?, s:i, s:b, s:b}", "name",
                     p->name, "priority", p->priority, "department",
                     p->department[0] ? p->department : NULL, "vip_min", p->vip_min, "calendar_id",
                     (json_int_t)p->calendar_id, "first_reply_min", p->first_reply_min,
                     "next_reply_min", p->next_reply_min, "resolution_min", p->resolution_min,
                     "warn_min", p->warn_min, "escalate_priority",
                     p->escalate_priority[0] ? p->escalate_priority : NULL, "escalate_tier",
                     p->escalate_tier, "notify", p->notify, "enabled", p->enabled);
}

int sla_policy_create(struct db *db, const struct auth_actor *a, json_t *body, int64_t *id,
                      struct fd_error *err)
{
    int rc = require_admin(a, err);
    if (rc)
        return rc;
    struct sla_policy_rec p;
    memset(&p, 0, sizeof(p));
    p.vip_min = p.first_reply_min = p.next_reply_min = p.resolution_min = -1;
    p.warn_min = 30;
    p.notify = p.enabled = 1;
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = policy_apply(db, body, &p, 1, err)))
        goto out;
    p.created_at = p.updated_at = fd_now_ms();
    if ((rc = store_sla_policy_insert(db, &p, id)) ||
        (rc = admin_event(db, a, "sla_policy_created", *id, NULL, policy_json(&p), p.created_at)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

int sla_policy_update(struct db *db, const struct auth_actor *a, int64_t id, json_t *body,
                      struct fd_error *err)
{
    int rc = require_admin(a, err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct sla_policy_rec p, old;
    if ((rc = store_sla_policy_get(db, id, &p)))
        goto out;
    old = p;
    if ((rc = policy_apply(db, body, &p, 0, err)))
        goto out;
    p.updated_at = fd_now_ms();
    if ((rc = store_sla_policy_update(db, &p)) ||
        (rc = admin_event(db, a, "sla_policy_updated", id, policy_json(&old), policy_json(&p),
                          p.updated_at)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

int sla_policy_delete(struct db *db, const struct auth_actor *a, int64_t id, struct fd_error *err)
{
    int rc = require_admin(a, err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct sla_policy_rec p;
    if ((rc = store_sla_policy_get(db, id, &p)) || (rc = store_sla_policy_delete(db, id)) ||
        (rc = admin_event(db, a, "sla_policy_deleted", id, policy_json(&p), NULL, fd_now_ms())))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}
