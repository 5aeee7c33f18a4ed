/* /api/v1/sla/... (calendars, policies, ticket clocks, breaching soon), a department's
 * calendar, the SLA view of one ticket, and staff notifications. */
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../sla/calendar.h"
#include "../reports/reports.h"
#include "../sla/sla.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BREACHING_LIMIT 200
#define IDS_MAX 200

static json_t *iso_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char s[32];
    api_iso(ms, s);
    return json_string(s);
}

static int id_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    char *end = NULL;
    long long v = req->nparams > 0 ? strtoll(req->params[0], &end, 10) : 0;
    if (req->nparams < 1 || !end || *end || v <= 0) {
        http_resp_error(resp, 404, "not_found", "no such id");
        return -1;
    }
    *id = v;
    return 0;
}

static const struct auth_actor *staff(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (a && !api_require_staff(a, resp))
        return NULL;
    return a;
}

/* ---- calendars ---------------------------------------------------------------------- */

static json_t *calendar_json(const struct sla_calendar_rec *c)
{
    json_t *j = json_loads(c->spec, 0, NULL);
    if (!j)
        j = json_object();
    json_object_set_new(j, "id", json_integer(c->id));
    json_object_set_new(j, "name", json_string(c->name));
    json_object_set_new(j, "default", json_boolean(c->is_default));
    return j;
}

static int add_calendar(void *ctx, const struct sla_calendar_rec *c)
{
    json_array_append_new(ctx, calendar_json(c));
    return 0;
}

static int add_dept_calendar(void *ctx, const char *slug, int64_t calendar_id)
{
    json_object_set_new(ctx, slug, json_integer(calendar_id));
    return 0;
}

/* The calendars, and which department uses which ("departments": {slug: calendar id};
 * a department not listed uses the default calendar). */
static void calendars_list(struct http_req *req, struct http_resp *resp)
{
    if (!staff(req, resp))
        return;
    json_t *arr = json_array(), *depts = json_object();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_sla_calendar_list(db, add_calendar, arr);
    if (rc == 0)
        rc = store_dept_calendar_list(db, add_dept_calendar, depts);
    store_release(API_APP(req)->store, db);
    if (rc) {
        json_decref(arr);
        json_decref(depts);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o, s:o}", "calendars", arr, "departments", depts));
}

static void calendar_answer(struct http_req *req, struct http_resp *resp, int64_t id, int status)
{
    struct sla_calendar_rec c;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_sla_calendar_get(db, id, &c);
    store_release(API_APP(req)->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, status, calendar_json(&c));
    free(c.spec);
}

static void calendar_get(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (!staff(req, resp) || id_param(req, resp, &id))
        return;
    calendar_answer(req, resp, id, 200);
}

static const char *const calendar_keys[] = {"name",     "timezone", "hours",
                                            "holidays", "default",  NULL};

static void calendar_create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    if (!a)
        return;
    json_t *body = api_body_object(req, resp, calendar_keys);
    if (!body)
        return;
    struct fd_error err = {0};
    int64_t id = 0;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = sla_calendar_create(db, a, body, &id, &err);
    if (rc == 0 && reports_calendars_refresh(db))
        log_printf(LOG_WARN, "sla", "msg=\"reports keep their previous calendars\"");
    store_release(API_APP(req)->store, db);
    json_decref(body);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    calendar_answer(req, resp, id, 201);
}

static void calendar_put(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, &id))
        return;
    json_t *body = api_body_object(req, resp, calendar_keys);
    if (!body)
        return;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = sla_calendar_update(db, a, id, body, &err);
    if (rc == 0 && reports_calendars_refresh(db))
        log_printf(LOG_WARN, "sla", "msg=\"reports keep their previous calendars\"");
    store_release(API_APP(req)->store, db);
    json_decref(body);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    calendar_answer(req, resp, id, 200);
}

static void department_calendar(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    if (!a)
        return;
    static const char *const keys[] = {"calendar_id", NULL};
    json_t *body = api_body_object(req, resp, keys);
    if (!body)
        return;
    json_t *v = json_object_get(body, "calendar_id");
    if (!v || !(json_is_null(v) || (json_is_integer(v) && json_integer_value(v) > 0))) {
        json_decref(body);
        http_resp_error(resp, 400, "invalid_field",
                        "calendar_id must be a calendar id, or null for the default calendar");
        return;
    }
    int64_t cid = json_is_null(v) ? 0 : json_integer_value(v);
    json_decref(body);
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = sla_department_calendar_set(db, a, req->params[0], cid, &err);
    if (rc == 0 && reports_calendars_refresh(db))
        log_printf(LOG_WARN, "sla", "msg=\"reports keep their previous calendars\"");
    store_release(API_APP(req)->store, db);
    if (rc == FD_ENOTFOUND && !err.message[0]) {
        http_resp_error(resp, 404, "not_found", "no such department");
        return;
    }
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:s, s:o}", "department", req->params[0], "calendar_id",
                             cid ? json_integer(cid) : json_null()));
}

/* ---- policies ------------------------------------------------------------------------ */

static json_t *int_or_null(int v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *policy_json(const struct sla_policy_rec *p)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:b, s:i, s:b}", "id", (json_int_t)p->id, "name",
                          p->name, "priority", p->priority, "enabled", p->enabled, "warn_min",
                          p->warn_min, "notify", p->notify);
    json_object_set_new(j, "department",
                        p->department[0] ? json_string(p->department) : json_null());
    json_object_set_new(j, "vip_min", int_or_null(p->vip_min));
    json_object_set_new(j, "calendar_id",
                        p->calendar_id ? json_integer(p->calendar_id) : json_null());
    json_object_set_new(j, "first_reply_min", int_or_null(p->first_reply_min));
    json_object_set_new(j, "next_reply_min", int_or_null(p->next_reply_min));
    json_object_set_new(j, "resolution_min", int_or_null(p->resolution_min));
    json_object_set_new(j, "escalate_priority",
                        p->escalate_priority[0] ? json_string(p->escalate_priority) : json_null());
    json_object_set_new(j, "escalate_tier",
                        p->escalate_tier ? json_integer(p->escalate_tier) : json_null());
    return j;
}

static int add_policy(void *ctx, const struct sla_policy_rec *p)
{
    json_array_append_new(ctx, policy_json(p));
    return 0;
}

static void policies_list(struct http_req *req, struct http_resp *resp)
{
    if (!staff(req, resp))
        return;
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_sla_policy_list(db, add_policy, arr);
    store_release(API_APP(req)->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "policies", arr));
}

static void policy_answer(struct http_req *req, struct http_resp *resp, int64_t id, int status)
{
    struct sla_policy_rec p;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_sla_policy_get(db, id, &p);
    store_release(API_APP(req)->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, status, policy_json(&p));
}

static json_t *policy_body(struct http_req *req, struct http_resp *resp)
{
    static const char *const keys[] = {"name",           "priority",
                                       "department",     "vip_min",
                                       "calendar_id",    "first_reply_min",
                                       "next_reply_min", "resolution_min",
                                       "warn_min",       "escalate_priority",
                                       "escalate_tier",  "notify",
                                       "enabled",        NULL};
    return api_body_object(req, resp, keys);
}

static void policy_create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    if (!a)
        return;
    json_t *body = policy_body(req, resp);
    if (!body)
        return;
    struct fd_error err = {0};
    int64_t id = 0;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = sla_policy_create(db, a, body, &id, &err);
    store_release(API_APP(req)->store, db);
    json_decref(body);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    policy_answer(req, resp, id, 201);
}

static void policy_put(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, &id))
        return;
    json_t *body = policy_body(req, resp);
    if (!body)
        return;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = sla_policy_update(db, a, id, body, &err);
    store_release(API_APP(req)->store, db);
    json_decref(body);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    policy_answer(req, resp, id, 200);
}

static void policy_delete(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, &id))
        return;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = sla_policy_delete(db, a, id, &err);
    store_release(API_APP(req)->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

/* ---- ticket clocks ----------------------------------------------------------------- */

struct sla_view {
    json_t *metrics;
    int64_t now;
    int64_t policy_id;
    int64_t next_due; /* soonest due of a running, unbreached clock (0 = none) */
    int breached;
};

static int add_clock(void *ctx, const struct ticket_sla_rec *r)
{
    struct sla_view *v = ctx;
    int breached = r->breached_at != 0;
    json_t *j = json_pack("{s:s, s:s, s:i}", "metric", r->metric, "state", r->state, "target_min",
                          r->target_min);
    json_object_set_new(j, "started_at", iso_or_null(r->started_at));
    json_object_set_new(j, "due_at", iso_or_null(r->due_at));
    json_object_set_new(j, "stopped_at", iso_or_null(r->stopped_at));
    json_object_set_new(j, "warned_at", iso_or_null(r->warned_at));
    json_object_set_new(j, "breached_at", iso_or_null(r->breached_at));
    json_object_set_new(j, "breached", json_boolean(breached));
    json_object_set_new(j, "remaining_ms",
                        strcmp(r->state, "running") == 0 && r->due_at
                            ? json_integer(r->due_at - v->now)
                            : json_integer(strcmp(r->state, "paused") == 0 ? r->remaining_ms : 0));
    json_array_append_new(v->metrics, j);
    if (r->policy_id)
        v->policy_id = r->policy_id;
    if (breached && strcmp(r->state, "met") != 0)
        v->breached = 1;
    if (strcmp(r->state, "running") == 0 && r->due_at && (!v->next_due || r->due_at < v->next_due))
        v->next_due = r->due_at;
    return 0;
}

/* The staff view of a ticket's clocks (within the caller's read). */
static json_t *sla_json(struct db *db, int64_t ticket_id, int64_t now, int *rc)
{
    struct sla_view v = {json_array(), now, 0, 0, 0};
    *rc = store_ticket_sla_list(db, ticket_id, add_clock, &v);
    json_t *j = json_pack("{s:o, s:b}", "metrics", v.metrics, "breached", v.breached);
    json_object_set_new(j, "policy_id", v.policy_id ? json_integer(v.policy_id) : json_null());
    json_object_set_new(j, "next_due_at", iso_or_null(v.next_due));
    return j;
}

struct expect {
    int64_t due;
};

static int customer_clock(void *ctx, const struct ticket_sla_rec *r)
{
    struct expect *e = ctx;
    if (strcmp(r->metric, "resolution") != 0 && strcmp(r->state, "running") == 0 && r->due_at &&
        !r->breached_at)
        e->due = r->due_at;
    return 0;
}

static void ticket_sla(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a)
        return;
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], &id)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return;
    }
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (!t) {
        api_fail(resp, FD_ENOMEM, NULL);
        return;
    }
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = tickets_get(db, a, id, t);
    json_t *out = NULL;
    if (rc == 0 && auth_is_staff(a)) {
        out = sla_json(db, id, fd_now_ms(), &rc);
    } else if (rc == 0) {
        /* Customers see when to expect our next answer, not our targets, breaches or
         * escalations. */
        struct expect e = {0};
        rc = store_ticket_sla_list(db, id, customer_clock, &e);
        out = json_pack("{s:o}", "expected_reply_by", iso_or_null(e.due));
    }
    store_release(API_APP(req)->store, db);
    free(t);
    if (rc) {
        json_decref(out);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, out);
}

/* GET /api/v1/sla/tickets?ids=1,2,3 — the clocks of several tickets (the queue). */
static void tickets_sla(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    if (!a)
        return;
    const char *ids = http_req_query(req, "ids");
    if (!ids || !*ids) {
        http_resp_error(resp, 400, "missing_field", "ids: a comma-separated list of ticket ids");
        return;
    }
    json_t *map = json_object();
    struct ticket_rec *t = calloc(1, sizeof(*t));
    int rc = t ? 0 : FD_ENOMEM, n = 0;
    int64_t now = fd_now_ms();
    struct db *db = store_acquire(API_APP(req)->store);
    const char *p = ids;
    while (rc == 0 && *p) {
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (end == p || v <= 0 || (*end && *end != ',') || ++n > IDS_MAX) {
            rc = FD_EINVAL;
            break;
        }
        p = *end ? end + 1 : end;
        if (tickets_get(db, a, v, t) != 0)
            continue; /* not visible: left out */
        char key[24];
        snprintf(key, sizeof(key), "%lld", v);
        json_object_set_new(map, key, sla_json(db, v, now, &rc));
    }
    store_release(API_APP(req)->store, db);
    free(t);
    if (rc == FD_EINVAL) {
        json_decref(map);
        http_resp_error(resp, 400, "invalid_field", "ids must be up to %d positive ticket ids",
                        IDS_MAX);
        return;
    }
    if (rc) {
        json_decref(map);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "tickets", map));
}

struct due_list {
    int64_t ids[BREACHING_LIMIT];
    int n;
};

static int add_due(void *ctx, int64_t ticket_id, int64_t due)
{
    struct due_list *d = ctx;
    if (d->n < BREACHING_LIMIT)
        d->ids[d->n++] = ticket_id;
    return 0;
}

/* GET /api/v1/sla/breaching?within_min=60 — open clocks due within the window or
 * already breached, soonest first, within the caller's scope. */
static void breaching(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    int64_t within = 60;
    if (!a || api_query_int(req, resp, "within_min", 0, 7 * 24 * 60, &within))
        return;
    int64_t now = fd_now_ms();
    struct due_list *d = calloc(1, sizeof(*d));
    struct ticket_rec *t = calloc(1, sizeof(*t));
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = d && t ? store_ticket_sla_due(db, now + within * 60000, BREACHING_LIMIT, add_due, d)
                    : FD_ENOMEM;
    for (int i = 0; rc == 0 && d && i < d->n; i++) {
        if (tickets_get(db, a, d->ids[i], t) != 0)
            continue;
        json_t *j = api_ticket_json(t);
        json_object_set_new(j, "sla", sla_json(db, t->id, now, &rc));
        json_array_append_new(arr, j);
    }
    store_release(API_APP(req)->store, db);
    free(d);
    free(t);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o, s:I}", "tickets", arr, "within_min", within));
}

/* ---- notifications --------------------------------------------------------------------- */

static int add_note(void *ctx, const struct notification_rec *n)
{
    json_t *j =
        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)n->id, "kind", n->kind, "text", n->text);
    if (n->ticket_id) {
        char ref[32];
        tickets_format_ref(n->ticket_id, ref, sizeof(ref));
        json_object_set_new(j, "ticket", json_string(ref));
    } else {
        json_object_set_new(j, "ticket", json_null());
    }
    json_object_set_new(j, "created_at", iso_or_null(n->created_at));
    json_object_set_new(j, "read_at", iso_or_null(n->read_at));
    json_array_append_new(ctx, j);
    return 0;
}

static void notifications(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    int64_t unread = 0, limit = 50;
    if (!a || api_query_int(req, resp, "unread", 0, 1, &unread) ||
        api_query_int(req, resp, "limit", 1, 200, &limit))
        return;
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_notification_list(db, a->user.id, (int)unread, (int)limit, add_note, arr);
    store_release(API_APP(req)->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "notifications", arr));
}

static void notification_read(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = staff(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, &id))
        return;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = db_begin_write(db);
    if (rc == 0)
        rc = store_notification_read(db, a->user.id, id, fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    store_release(API_APP(req)->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "read", 1));
}

void api_sla_register(void)
{
    http_route("GET", "/api/v1/sla/calendars", calendars_list);
    http_route("POST", "/api/v1/sla/calendars", calendar_create);
    http_route("GET", "/api/v1/sla/calendars/{id}", calendar_get);
    http_route("PUT", "/api/v1/sla/calendars/{id}", calendar_put);
    http_route("PUT", "/api/v1/departments/{slug}/calendar", department_calendar);
    http_route("GET", "/api/v1/sla/policies", policies_list);
    http_route("POST", "/api/v1/sla/policies", policy_create);
    http_route("PUT", "/api/v1/sla/policies/{id}", policy_put);
    http_route("DELETE", "/api/v1/sla/policies/{id}", policy_delete);
    http_route("GET", "/api/v1/sla/tickets", tickets_sla);
    http_route("GET", "/api/v1/sla/breaching", breaching);
    http_route("GET", "/api/v1/tickets/{ref}/sla", ticket_sla);
    http_route("GET", "/api/v1/notifications", notifications);
    http_route("POST", "/api/v1/notifications/{id}/read", notification_read);
}
