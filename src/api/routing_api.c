/* /api/v1/routing (rules, dry runs, assignment settings, customer attributes) and
 * /api/v1/macros. Managing is for admins; agents list and apply macros. */
#include "../core/xalloc.h"
#include "../routing/routing.h"
#include "../store/store_routing.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers 403 unless an admin is signed in (401 when nobody is). */
static const struct auth_actor *require_admin(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return NULL;
    if (a->user.role != ROLE_ADMIN) {
        http_resp_error(resp, 403, "forbidden", "only admins may manage routing");
        return NULL;
    }
    return a;
}

/* The numeric {id} path parameter; answers 404 when it is not one. */
static int id_param(struct http_req *req, struct http_resp *resp, int i, const char *what,
                    int64_t *id)
{
    char *end;
    long long v = req->nparams > i ? strtoll(req->params[i], &end, 10) : 0;
    if (req->nparams <= i || *end || v < 1) {
        http_resp_error(resp, 404, "not_found", "no such %s", what);
        return -1;
    }
    *id = v;
    return 0;
}

/* Runs a domain call that produces JSON, answering status with {key: result}. */
static void answer(struct http_resp *resp, int rc, const struct fd_error *err, int status,
                   const char *key, json_t *result)
{
    if (rc) {
        api_fail(resp, rc, err);
        return;
    }
    http_resp_json(resp, status, key ? json_pack("{s:o}", key, result) : result);
}

/* ---- rules ---- */

static void rules_list(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    json_t *out = NULL;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_rule_list(db, a, &out);
    store_release(API_APP(req)->store, db);
    answer(resp, rc, NULL, 200, "rules", out);
}

static const char *const rule_keys[] = {"name",       "enabled", "continue",
                                        "conditions", "actions", NULL};

static void rules_create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    json_t *o = api_body_object(req, resp, rule_keys);
    if (!o)
        return;
    json_t *out = NULL;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_rule_create(db, a, o, &out, &err);
    store_release(API_APP(req)->store, db);
    json_decref(o);
    answer(resp, rc, &err, 201, "rule", out);
}

static void rules_patch(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, 0, "rule", &id))
        return;
    json_t *o = api_body_object(req, resp, rule_keys);
    if (!o)
        return;
    json_t *out = NULL;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_rule_update(db, a, id, o, &out, &err);
    store_release(API_APP(req)->store, db);
    json_decref(o);
    if (rc == FD_ENOTFOUND && !err.message[0])
        snprintf(err.message, sizeof(err.message), "no rule %lld", (long long)id);
    answer(resp, rc, &err, 200, "rule", out);
}

static void rules_delete(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, 0, "rule", &id))
        return;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_rule_delete(db, a, id, &err);
    store_release(API_APP(req)->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200, json_pack("{s:I}", "deleted", (json_int_t)id));
}

static void rules_reorder(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    static const char *const keys[] = {"ids", NULL};
    json_t *o = api_body_object(req, resp, keys);
    if (!o)
        return;
    json_t *ids = json_object_get(o, "ids");
    if (!json_is_array(ids) || json_array_size(ids) > ROUTING_RULES_MAX) {
        http_resp_error(resp, 400, "invalid_field", "ids must be an array of rule ids");
        json_decref(o);
        return;
    }
    int n = (int)json_array_size(ids);
    int64_t *v = xcalloc((size_t)n + 1, sizeof(*v));
    for (int i = 0; i < n; i++) {
        json_t *x = json_array_get(ids, (size_t)i);
        if (!json_is_integer(x)) {
            http_resp_error(resp, 400, "invalid_field", "ids[%d] must be an integer", i);
            goto out;
        }
        v[i] = json_integer_value(x);
    }
    struct fd_error err = {0};
    json_t *list = NULL;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_rule_reorder(db, a, v, n, &err);
    if (rc == 0)
        rc = routing_rule_list(db, a, &list);
    store_release(API_APP(req)->store, db);
    answer(resp, rc, &err, 200, "rules", list);
out:
    free(v);
    json_decref(o);
}

/* ---- dry run ---- */

static int dry_text(json_t *o, const char *key, size_t max, const char **out,
                    struct http_resp *resp)
{
    if (api_str(o, key, 0, out, resp))
        return -1;
    if (*out && strlen(*out) > max) {
        http_resp_error(resp, 400, "invalid_field", "%s is too long (at most %zu bytes)", key, max);
        return -1;
    }
    return 0;
}

/* Keeps the first message's body. */
static int first_body(void *ctx, const struct message_rec *m)
{
    *(char **)ctx = xstrdup(m->body ? m->body : "");
    return 1;
}

static void dry_run(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    char *body = NULL;
    char language[36] = "";
    struct routing_subject s = {t, NULL, NULL, 0, language};
    json_t *o = NULL, *out = NULL;
    struct db *db = NULL;
    int rc = 0;
    const char *ref = http_req_query(req, "ticket");
    if (ref && *ref) {
        /* An existing ticket as it is now, with its first message. */
        int64_t id;
        if (tickets_parse_ref(ref, &id)) {
            http_resp_error(resp, 404, "not_found", "no such ticket");
            goto out;
        }
        db = store_acquire(app->store);
        rc = store_ticket_get(db, id, t);
        if (rc == 0)
            rc = store_routing_user_attrs(db, t->requester_id, &s.vip_level, language,
                                          sizeof(language));
        if (rc == 0 && (rc = store_message_list(db, t->id, 0, first_body, &body)) > 0)
            rc = 0;
    } else {
        static const char *const keys[] = {"subject",    "body",      "channel",  "recipient",
                                           "department", "priority",  "tags",     "asset",
                                           "network",    "vip_level", "language", NULL};
        o = api_body_object(req, resp, keys);
        if (!o)
            goto out;
        const char *subject = NULL, *channel = NULL, *dept = NULL, *prio = NULL, *asset = NULL,
                   *network = NULL, *lang = NULL, *b = NULL, *recipient = NULL;
        int64_t vip = 0;
        int has_vip = 0;
        if (dry_text(o, "subject", FD_SUBJECT_MAX, &subject, resp) ||
            dry_text(o, "body", FD_BODY_MAX, &b, resp) ||
            dry_text(o, "channel", sizeof(t->channel) - 1, &channel, resp) ||
            dry_text(o, "recipient", FD_EMAIL_MAX, &recipient, resp) ||
            dry_text(o, "department", sizeof(t->department) - 1, &dept, resp) ||
            dry_text(o, "priority", sizeof(t->priority) - 1, &prio, resp) ||
            dry_text(o, "asset", sizeof(t->asset) - 1, &asset, resp) ||
            dry_text(o, "network", sizeof(t->network) - 1, &network, resp) ||
            dry_text(o, "language", sizeof(language) - 1, &lang, resp) ||
            api_int(o, "vip_level", 0, &vip, &has_vip, resp))
            goto out;
        if (vip < 0 || vip > 5) {
            http_resp_error(resp, 400, "invalid_field", "vip_level must be from 0 to 5");
            goto out;
        }
        json_t *tags = json_object_get(o, "tags");
        if (tags && (!json_is_array(tags) || json_array_size(tags) > FD_TAGS_MAX)) {
            http_resp_error(resp, 400, "invalid_field", "tags must be an array of at most %d tags",
                            FD_TAGS_MAX);
            goto out;
        }
        size_t i;
        json_t *tag;
        json_array_foreach(tags, i, tag)
        {
            if (!json_is_string(tag) || json_string_length(tag) > FD_TAG_MAX) {
                http_resp_error(resp, 400, "invalid_field", "tags[%zu] must be a tag", i);
                goto out;
            }
            snprintf(t->tags[t->ntags++], FD_TAG_MAX + 1, "%s", json_string_value(tag));
        }
        db = store_acquire(app->store);
        struct department_rec d;
        rc = store_department_by_slug(db, dept ? dept : "account", &d);
        if (rc == FD_ENOTFOUND) {
            http_resp_error(resp, 400, "invalid_field", "department: unknown department");
            goto out;
        }
        t->department_id = d.id;
        snprintf(t->department, sizeof(t->department), "%s", d.slug);
        snprintf(t->subject, sizeof(t->subject), "%s", subject ? subject : "");
        snprintf(t->channel, sizeof(t->channel), "%s", channel ? channel : "web");
        snprintf(t->priority, sizeof(t->priority), "%s", prio ? prio : "normal");
        snprintf(t->asset, sizeof(t->asset), "%s", asset ? asset : "");
        snprintf(t->network, sizeof(t->network), "%s", network ? network : "");
        snprintf(language, sizeof(language), "%s", lang ? lang : "");
        t->tier = 1;
        s.vip_level = (int)vip;
        s.recipient = recipient;
        body = xstrdup(b ? b : "");
    }
    if (rc == 0) {
        s.body = body;
        rc = routing_dry_run(db, a, &s, &out);
    }
    if (rc) {
        api_fail(resp, rc, NULL);
        goto out;
    }
    http_resp_json(resp, 200, out);
out:
    if (db)
        store_release(app->store, db);
    json_decref(o);
    free(body);
    free(t);
}

/* ---- settings and customer attributes ---- */

static void settings(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    json_t *out = NULL;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_settings(db, a, &out);
    store_release(API_APP(req)->store, db);
    answer(resp, rc, NULL, 200, NULL, out);
}

static void dept_patch(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    static const char *const keys[] = {"method", NULL};
    json_t *o = api_body_object(req, resp, keys);
    if (!o)
        return;
    const char *method = NULL;
    if (api_str(o, "method", 1, &method, resp)) {
        json_decref(o);
        return;
    }
    struct fd_error err = {0};
    json_t *out = NULL;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_dept_set_method(db, a, req->params[0], method, &err);
    if (rc == 0)
        rc = routing_settings(db, a, &out);
    store_release(API_APP(req)->store, db);
    json_decref(o);
    answer(resp, rc, &err, 200, NULL, out);
}

static void agent_patch(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, 0, "agent", &id))
        return;
    static const char *const keys[] = {"ticket_capacity", NULL};
    json_t *o = api_body_object(req, resp, keys);
    if (!o)
        return;
    int64_t cap = 0;
    int present = 0;
    if (api_int(o, "ticket_capacity", 1, &cap, &present, resp)) {
        json_decref(o);
        return;
    }
    struct fd_error err = {0};
    json_t *out = NULL;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_agent_set_capacity(
        db, a, id, cap > ROUTING_CAPACITY_MAX || cap < 0 ? -1 : (int)cap, &err);
    if (rc == 0)
        rc = routing_settings(db, a, &out);
    store_release(API_APP(req)->store, db);
    json_decref(o);
    answer(resp, rc, &err, 200, NULL, out);
}

static void customer_patch(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    static const char *const keys[] = {"email", "vip_level", "language", NULL};
    json_t *o = api_body_object(req, resp, keys);
    if (!o)
        return;
    const char *email = NULL, *language = NULL;
    int64_t vip = -1;
    int has_vip = 0;
    json_t *lj = json_object_get(o, "language");
    if (api_str(o, "email", 1, &email, resp) || api_int(o, "vip_level", 0, &vip, &has_vip, resp))
        goto out;
    if (lj && json_is_null(lj)) {
        language = "";
    } else if (api_str(o, "language", 0, &language, resp)) {
        goto out;
    }
    if (has_vip && (vip < 0 || vip > 5)) {
        http_resp_error(resp, 400, "invalid_field", "vip_level must be from 0 to 5");
        goto out;
    }
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int vip_out = 0;
    char lang[36] = "";
    struct user_rec u;
    int rc = routing_user_set_attrs(db, a, email, has_vip ? (int)vip : -1, language, &err);
    if (rc == 0 && (rc = store_user_by_email(db, email, &u, NULL, 0)) == 0)
        rc = store_routing_user_attrs(db, u.id, &vip_out, lang, sizeof(lang));
    store_release(API_APP(req)->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200,
                       json_pack("{s:{s:I, s:s, s:i, s:o}}", "customer", "id", (json_int_t)u.id,
                                 "email", u.email, "vip_level", vip_out, "language",
                                 lang[0] ? json_string(lang) : json_null()));
out:
    json_decref(o);
}

/* ---- macros ---- */

static void macros_list(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a || !api_require_staff(a, resp))
        return;
    json_t *out = NULL;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_macro_list(db, a, &out);
    store_release(API_APP(req)->store, db);
    answer(resp, rc, NULL, 200, "macros", out);
}

static const char *const macro_keys[] = {"name", "body", "actions", NULL};

static void macros_create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    json_t *o = api_body_object(req, resp, macro_keys);
    if (!o)
        return;
    json_t *out = NULL;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_macro_create(db, a, o, &out, &err);
    store_release(API_APP(req)->store, db);
    json_decref(o);
    answer(resp, rc, &err, 201, "macro", out);
}

static void macros_patch(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, 0, "macro", &id))
        return;
    json_t *o = api_body_object(req, resp, macro_keys);
    if (!o)
        return;
    json_t *out = NULL;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_macro_update(db, a, id, o, &out, &err);
    store_release(API_APP(req)->store, db);
    json_decref(o);
    answer(resp, rc, &err, 200, "macro", out);
}

static void macros_delete(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || id_param(req, resp, 0, "macro", &id))
        return;
    struct fd_error err = {0};
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_macro_delete(db, a, id, &err);
    store_release(API_APP(req)->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200, json_pack("{s:I}", "deleted", (json_int_t)id));
}

static void macro_apply(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t tid, mid;
    if (!a || !api_require_staff(a, resp))
        return;
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], &tid)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return;
    }
    if (id_param(req, resp, 1, "macro", &mid))
        return;
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    int64_t msg = 0;
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = routing_macro_apply(db, a, tid, mid, t, &msg, &err);
    store_release(API_APP(req)->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(
            resp, 200,
            json_pack("{s:o, s:I}", "ticket", api_ticket_json(t), "message_id", (json_int_t)msg));
    free(t);
}

void api_routing_register(void)
{
    http_route("GET", "/api/v1/routing/rules", rules_list);
    http_route("POST", "/api/v1/routing/rules", rules_create);
    http_route("POST", "/api/v1/routing/rules/reorder", rules_reorder);
    http_route("PATCH", "/api/v1/routing/rules/{id}", rules_patch);
    http_route("DELETE", "/api/v1/routing/rules/{id}", rules_delete);
    http_route("POST", "/api/v1/routing/dry-run", dry_run);
    http_route("GET", "/api/v1/routing/settings", settings);
    http_route("PATCH", "/api/v1/routing/departments/{slug}", dept_patch);
    http_route("PATCH", "/api/v1/routing/agents/{id}", agent_patch);
    http_route("PATCH", "/api/v1/routing/customers", customer_patch);
    http_route("GET", "/api/v1/macros", macros_list);
    http_route("POST", "/api/v1/macros", macros_create);
    http_route("PATCH", "/api/v1/macros/{id}", macros_patch);
    http_route("DELETE", "/api/v1/macros/{id}", macros_delete);
    http_route("POST", "/api/v1/tickets/{ref}/macros/{id}", macro_apply);
}
