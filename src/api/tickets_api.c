/* /api/v1/tickets and /api/v1/attachments. */
#include "../core/config.h"
#include "../core/xalloc.h"
#include "../kb/kb.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the {ref} path parameter; answers 404 when it is not a ticket reference. */
static int ref_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], id)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return -1;
    }
    return 0;
}

static int read_tags(json_t *o, const char **tags, int *ntags, int *present, struct http_resp *resp)
{
    json_t *v = json_object_get(o, "tags");
    if (!v)
        return 0;
    if (!json_is_array(v)) {
        http_resp_error(resp, 400, "invalid_field", "tags must be an array of strings");
        return -1;
    }
    if (json_array_size(v) > FD_TAGS_MAX) {
        http_resp_error(resp, 400, "invalid_field", "tags: at most %d tags", FD_TAGS_MAX);
        return -1;
    }
    size_t i;
    json_t *t;
    *ntags = 0;
    json_array_foreach(v, i, t)
    {
        if (!json_is_string(t)) {
            http_resp_error(resp, 400, "invalid_field", "tags[%zu] must be a string", i);
            return -1;
        }
        tags[(*ntags)++] = json_string_value(t);
    }
    if (present)
        *present = 1;
    return 0;
}

static int messages_json(struct db *db, const struct auth_actor *a, const struct ticket_rec *t,
                         json_t **out);

/* The message with id mid in an array from messages_json (borrowed), or JSON null. */
static json_t *find_message(json_t *msgs, int64_t mid)
{
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
    {
        if (json_integer_value(json_object_get(m, "id")) == mid)
            return m;
    }
    return json_null();
}

static void create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    if (!a)
        return;
    static const char *const fields[] = {
        "subject",         "body",           "department", "priority",         "tags", "exchange",
        "requester_email", "requester_name", "channel",    "deflection_token", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    const char *deflection = NULL;
    if (api_str(o, "deflection_token", 0, &deflection, resp))
        goto out;
    if (api_str(o, "subject", 1, &in.subject, resp) || api_str(o, "body", 1, &in.body, resp) ||
        api_str(o, "department", 1, &in.department, resp) ||
        api_str(o, "priority", 0, &in.priority, resp) ||
        api_str(o, "requester_email", 0, &in.requester_email, resp) ||
        api_str(o, "requester_name", 0, &in.requester_name, resp) ||
        api_str(o, "channel", 0, &in.channel, resp) || read_tags(o, in.tags, &in.ntags, NULL, resp))
        goto out;
    json_t *ex = json_object_get(o, "exchange");
    if (ex && !json_is_null(ex)) {
        if (!json_is_object(ex)) {
            http_resp_error(resp, 400, "invalid_field", "exchange must be an object");
            goto out;
        }
        const char *k;
        json_t *v;
        static const char *const exf[] = {"uid",    "txid",     "asset", "network",
                                          "amount", "order_id", NULL};
        json_object_foreach(ex, k, v)
        {
            int ok = 0;
            for (int i = 0; exf[i]; i++)
                ok |= strcmp(exf[i], k) == 0;
            if (!ok) {
                http_resp_error(resp, 400, "unknown_field", "unknown field \"exchange.%s\"", k);
                goto out;
            }
            if (!json_is_string(v) && !json_is_null(v)) {
                http_resp_error(resp, 400, "invalid_field", "exchange.%s must be a string", k);
                goto out;
            }
        }
        const char **dst[] = {&in.exchange_uid, &in.txid,   &in.asset,
                              &in.network,      &in.amount, &in.order_id};
        /* null means "not given"; an empty string is a value, and an invalid one. */
        for (int i = 0; exf[i]; i++) {
            json_t *s = json_object_get(ex, exf[i]);
            if (json_is_string(s))
                *dst[i] = json_string_value(s);
        }
    }
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    int64_t mid = 0;
    struct db *db = store_acquire(app->store);
    json_t *msgs = NULL;
    int rc = tickets_create(db, a, &in, t, &mid, &err);
    /* The customer saw help-center suggestions and filed anyway: counts against the
     * deflection rate. An unknown token is ignored; the ticket is what matters. */
    if (rc == 0 && deflection)
        kb_deflection_filed(db, deflection, t->id);
    if (rc == 0)
        rc = messages_json(db, a, t, &msgs);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        json_t *answer = json_pack("{s:o, s:O}", "ticket", api_ticket_json(t), "message",
                                   find_message(msgs, mid));
        api_safety_warn(answer, in.subject, in.body);
        http_resp_json(resp, 201, answer);
        json_decref(msgs);
    }
    free(t);
out:
    json_decref(o);
}

/* Builds the list filter from the query string. Returns -1 after answering 400. */
static int read_filter(struct http_req *req, struct http_resp *resp, const struct auth_actor *a,
                       struct db *db, struct ticket_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->limit = 25;
    const char *s = http_req_query(req, "status");
    if (s && *s) {
        char *copy = xstrdup(s), *save = NULL;
        for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
            int i = fd_status_index(p);
            if (i < 0) {
                http_resp_error(resp, 400, "invalid_field", "status: unknown status \"%s\"", p);
                free(copy);
                return -1;
            }
            f->status_mask |= 1u << i;
        }
        free(copy);
    }
    const char *dept = http_req_query(req, "department");
    if (dept && *dept) {
        struct department_rec d;
        if (store_department_by_slug(db, dept, &d)) {
            http_resp_error(resp, 400, "invalid_field", "department: unknown department \"%s\"",
                            dept);
            return -1;
        }
        f->department_id = d.id;
    }
    const char *as = http_req_query(req, "assignee");
    if (as && *as) {
        if (strcmp(as, "me") == 0) {
            f->assignee_id = a->user.id;
        } else if (strcmp(as, "none") == 0) {
            f->assignee_id = -1;
        } else if (api_query_int(req, resp, "assignee", 1, INT64_MAX, &f->assignee_id)) {
            return -1;
        }
    }
    if (api_query_int(req, resp, "requester", 1, INT64_MAX, &f->requester_id))
        return -1;
    const char *tag = http_req_query(req, "tag");
    if (tag && *tag)
        f->tag = tag;
    const char *q = http_req_query(req, "q");
    if (q && *q) {
        if (strlen(q) > 200) {
            http_resp_error(resp, 400, "invalid_field", "q: at most 200 characters");
            return -1;
        }
        f->text = q;
    }
    int64_t limit = 25, cursor = 0;
    if (api_query_int(req, resp, "limit", 1, 100, &limit) ||
        api_query_int(req, resp, "cursor", 1, INT64_MAX, &cursor))
        return -1;
    f->limit = (int)limit;
    f->before_id = cursor;
    return 0;
}

struct list_ctx {
    json_t *arr;
    int64_t last_id;
    int n;
};

static int add_ticket(void *ctx, const struct ticket_rec *t)
{
    struct list_ctx *l = ctx;
    json_array_append_new(l->arr, api_ticket_json(t));
    l->last_id = t->id;
    l->n++;
    return 0;
}

static void list(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    struct ticket_filter f;
    if (read_filter(req, resp, a, db, &f)) {
        store_release(app->store, db);
        return;
    }
    struct list_ctx l = {json_array(), 0, 0};
    int limit = f.limit;
    int rc = tickets_list(db, a, &f, add_ticket, &l);
    store_release(app->store, db);
    if (rc) {
        json_decref(l.arr);
        api_fail(resp, rc, NULL);
        return;
    }
    json_t *j = json_pack("{s:o}", "tickets", l.arr);
    if (l.n == limit && l.last_id > 1) {
        char cur[32];
        snprintf(cur, sizeof(cur), "%lld", (long long)l.last_id);
        json_object_set_new(j, "next_cursor", json_string(cur));
    } else {
        json_object_set_new(j, "next_cursor", json_null());
    }
    http_resp_json(resp, 200, j);
}

static void counts(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    struct ticket_filter f;
    if (read_filter(req, resp, a, db, &f)) {
        store_release(app->store, db);
        return;
    }
    int64_t c[FD_NSTATUS];
    int rc = tickets_counts(db, a, &f, c);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    json_t *o = json_object();
    for (int i = 0; i < FD_NSTATUS; i++)
        json_object_set_new(o, fd_ticket_statuses[i], json_integer(c[i]));
    http_resp_json(resp, 200, json_pack("{s:o}", "counts", o));
}

struct msg_ctx {
    json_t *arr;
    json_t *by_message; /* message id (string) -> attachments array */
};

static int add_attachment(void *ctx, const struct attachment_rec *att)
{
    json_t *by = ctx;
    char key[32], url[64];
    snprintf(key, sizeof(key), "%lld", (long long)att->message_id);
    snprintf(url, sizeof(url), "/api/v1/attachments/%lld", (long long)att->id);
    json_t *arr = json_object_get(by, key);
    if (!arr) {
        arr = json_array();
        json_object_set_new(by, key, arr);
    }
    json_array_append_new(arr,
                          json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)att->id,
                                    "filename", att->filename, "content_type", att->content_type,
                                    "size", (json_int_t)att->size, "url", url));
    return 0;
}

static int add_message(void *ctx, const struct message_rec *m)
{
    struct msg_ctx *c = ctx;
    char at[32], key[32];
    api_iso(m->created_at, at);
    snprintf(key, sizeof(key), "%lld", (long long)m->id);
    json_t *atts = json_object_get(c->by_message, key);
    json_array_append_new(
        c->arr, json_pack("{s:I, s:{s:I, s:s, s:s}, s:s, s:b, s:s, s:o}", "id", (json_int_t)m->id,
                          "author", "id", (json_int_t)m->author_id, "name", m->author_name, "role",
                          fd_role_name(m->author_role), "body", m->body ? m->body : "", "internal",
                          m->internal, "created_at", at, "attachments",
                          atts ? json_incref(atts) : json_array()));
    return 0;
}

/* Appends the visible messages (with their attachments) of t to a new array. */
static int messages_json(struct db *db, const struct auth_actor *a, const struct ticket_rec *t,
                         json_t **out)
{
    struct msg_ctx c = {json_array(), json_object()};
    int rc = store_attachment_list(db, t->id, add_attachment, c.by_message);
    if (rc == 0)
        rc = tickets_messages(db, a, t, add_message, &c);
    if (rc == 0)
        rc = api_mailauth_annotate(db, a, t->id, c.arr);
    json_decref(c.by_message);
    if (rc) {
        json_decref(c.arr);
        return rc;
    }
    *out = c.arr;
    return 0;
}

static void get_one(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    json_t *msgs = NULL;
    struct db *db = store_acquire(app->store);
    int rc = db_begin_read(db);
    if (rc == 0)
        rc = tickets_get(db, a, id, t);
    if (rc == 0)
        rc = messages_json(db, a, t, &msgs);
    db_rollback(db);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, NULL);
    else
        http_resp_json(resp, 200,
                       json_pack("{s:o, s:o}", "ticket", api_ticket_json(t), "messages", msgs));
    free(t);
}

static void apply_patch(struct http_req *req, struct http_resp *resp, json_t *o,
                        const struct ticket_patch *p)
{
    const struct auth_actor *a = api_actor(req);
    int64_t id;
    if (ref_param(req, resp, &id))
        return;
    (void)o;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct db *db = store_acquire(app->store);
    int rc = tickets_update(db, a, id, p, t, &err);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200, json_pack("{s:o}", "ticket", api_ticket_json(t)));
    free(t);
}

static int read_assignee(json_t *o, struct ticket_patch *p, struct http_resp *resp)
{
    json_t *v = json_object_get(o, "assignee_id");
    if (!v)
        return 0;
    p->has_assignee = 1;
    if (json_is_null(v)) {
        p->assignee_id = 0;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        http_resp_error(resp, 400, "invalid_field", "assignee_id must be a user id or null");
        return -1;
    }
    p->assignee_id = json_integer_value(v);
    return 0;
}

static void patch(struct http_req *req, struct http_resp *resp)
{
    if (!api_require(req, resp, SCOPE_TICKETS_WRITE))
        return;
    static const char *const fields[] = {"status",      "priority", "department", "tier",
                                         "assignee_id", "tags",     "subject",    NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    int64_t tier = 0;
    if (api_str(o, "status", 0, &p.status, resp) || api_str(o, "priority", 0, &p.priority, resp) ||
        api_str(o, "department", 0, &p.department, resp) ||
        api_str(o, "subject", 0, &p.subject, resp) ||
        api_int(o, "tier", 0, &tier, &p.has_tier, resp) || read_assignee(o, &p, resp) ||
        read_tags(o, p.tags, &p.ntags, &p.has_tags, resp))
        goto out;
    if (json_object_size(o) == 0) {
        http_resp_error(resp, 400, "missing_field", "send at least one field to change");
        goto out;
    }
    p.tier = (int)(tier > 3 || tier < 0 ? -1 : tier);
    apply_patch(req, resp, o, &p);
out:
    json_decref(o);
}

static void assign(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    if (!a || !api_require_staff(a, resp))
        return;
    static const char *const fields[] = {"assignee_id", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    if (!json_object_get(o, "assignee_id"))
        http_resp_error(resp, 400, "missing_field", "assignee_id is required (null unassigns)");
    else if (read_assignee(o, &p, resp) == 0)
        apply_patch(req, resp, o, &p);
    json_decref(o);
}

static void reply(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    static const char *const fields[] = {"body", "internal", "attachment_ids", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *body = NULL;
    int internal = 0;
    int64_t att[16];
    int natt = 0;
    if (api_str(o, "body", 1, &body, resp) || api_bool(o, "internal", &internal, resp) ||
        (!internal && api_safety_guard(resp, a, body, "body")))
        goto out;
    json_t *ids = json_object_get(o, "attachment_ids");
    if (ids) {
        if (!json_is_array(ids) || json_array_size(ids) > 16) {
            http_resp_error(resp, 400, "invalid_field",
                            "attachment_ids must be an array of at most 16 ids");
            goto out;
        }
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            if (!json_is_integer(v)) {
                http_resp_error(resp, 400, "invalid_field", "attachment_ids[%zu] must be an id", i);
                goto out;
            }
            att[natt++] = json_integer_value(v);
        }
    }
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    int64_t mid = 0;
    json_t *msgs = NULL;
    struct db *db = store_acquire(app->store);
    int rc = tickets_reply(db, a, id, body, internal, att, natt, t, &mid, &err);
    if (rc == 0)
        rc = messages_json(db, a, t, &msgs);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        json_t *answer = json_pack("{s:O, s:o}", "message", find_message(msgs, mid), "ticket",
                                   api_ticket_json(t));
        api_safety_warn(answer, body, NULL);
        http_resp_json(resp, 201, answer);
        json_decref(msgs);
    }
    free(t);
out:
    json_decref(o);
}

static int add_event(void *ctx, const struct event_rec *e)
{
    char at[32];
    api_iso(e->created_at, at);
    json_t *data = e->data ? json_loads(e->data, 0, NULL) : NULL;
    json_t *actor =
        e->actor_id ? json_pack("{s:I, s:s}", "id", (json_int_t)e->actor_id, "name", e->actor_name)
                    : json_null();
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)e->id,
                                         "type", e->type, "actor", actor, "created_at", at, "data",
                                         data ? data : json_object()));
    return 0;
}

static void events(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    json_t *arr = json_array();
    struct db *db = store_acquire(app->store);
    int rc = tickets_get(db, a, id, t);
    if (rc == 0 && !auth_can_see_internal(a))
        rc = fd_fail(NULL, FD_EFORBIDDEN, NULL, "-");
    if (rc == 0)
        rc = store_event_list(db, id, add_event, arr);
    store_release(app->store, db);
    if (rc == FD_EFORBIDDEN)
        http_resp_error(resp, 403, "forbidden", "the event log is for agents");
    else if (rc)
        api_fail(resp, rc, NULL);
    else {
        http_resp_json(resp, 200, json_pack("{s:O}", "events", arr));
    }
    json_decref(arr);
    free(t);
}

static void related(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct list_ctx l = {json_array(), 0, 0};
    struct db *db = store_acquire(app->store);
    int rc = tickets_get(db, a, id, t);
    if (rc == 0 && !auth_is_staff(a))
        rc = FD_EFORBIDDEN;
    if (rc == 0) {
        struct ticket_filter f;
        memset(&f, 0, sizeof(f));
        f.requester_id = t->requester_id;
        f.limit = 50;
        rc = tickets_list(db, a, &f, add_ticket, &l);
    }
    store_release(app->store, db);
    if (rc) {
        json_decref(l.arr);
        if (rc == FD_EFORBIDDEN)
            http_resp_error(resp, 403, "forbidden", "related tickets are for agents");
        else
            api_fail(resp, rc, NULL);
    } else {
        /* The ticket itself is not "related". */
        size_t i;
        json_t *v;
        json_array_foreach(l.arr, i, v)
        {
            if (json_integer_value(json_object_get(v, "id")) == id) {
                json_array_remove(l.arr, i);
                break;
            }
        }
        http_resp_json(resp, 200, json_pack("{s:o}", "tickets", l.arr));
    }
    free(t);
}

static void upload(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    const char *filename = http_req_query(req, "filename");
    const char *declared = http_req_header(req, "Content-Type");
    if (declared && !tickets_attachment_type_allowed(declared)) {
        http_resp_error(resp, 415, "unsupported_media_type",
                        "attachments must be PNG, JPEG, GIF, WebP, PDF or plain text (the "
                        "request says %.60s)",
                        declared);
        return;
    }
    struct fd_error err = {0};
    struct attachment_rec att;
    struct db *db = store_acquire(app->store);
    int rc = tickets_attachment_add(db, a, id, app->cfg->data_dir, filename, req->body,
                                    req->body_len, (size_t)app->cfg->attachment_max, &att, &err);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    char url[64];
    snprintf(url, sizeof(url), "/api/v1/attachments/%lld", (long long)att.id);
    http_resp_json(resp, 201,
                   json_pack("{s:{s:I, s:s, s:s, s:I, s:s}}", "attachment", "id",
                             (json_int_t)att.id, "filename", att.filename, "content_type",
                             att.content_type, "size", (json_int_t)att.size, "url", url));
}

static void download(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a)
        return;
    char *end;
    long long id = strtoll(req->params[0], &end, 10);
    if (*end || id < 1) {
        http_resp_error(resp, 404, "not_found", "no such attachment");
        return;
    }
    struct app *app = API_APP(req);
    struct attachment_rec att;
    char path[2048];
    struct db *db = store_acquire(app->store);
    int rc = tickets_attachment_get(db, a, id, app->cfg->data_dir, &att, path, sizeof(path));
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    api_send_stored_file(resp, path, att.size, att.content_type, att.filename);
}

void api_tickets_register(size_t attachment_max)
{
    http_route("POST", "/api/v1/tickets", create);
    http_route("GET", "/api/v1/tickets", list);
    http_route("GET", "/api/v1/tickets/counts", counts);
    http_route("GET", "/api/v1/tickets/{ref}", get_one);
    http_route("PATCH", "/api/v1/tickets/{ref}", patch);
    http_route("POST", "/api/v1/tickets/{ref}/assign", assign);
    http_route("POST", "/api/v1/tickets/{ref}/messages", reply);
    http_route("GET", "/api/v1/tickets/{ref}/events", events);
    http_route("GET", "/api/v1/tickets/{ref}/related", related);
    http_route("POST", "/api/v1/tickets/{ref}/attachments", upload);
    http_route("GET", "/api/v1/attachments/{id}", download);
    /* Screenshots are bigger than JSON bodies: the upload route has its own limit, one
     * byte above the attachment maximum so that the domain answers with its own 413. */
    http_route_body_max("POST", "/api/v1/tickets/{ref}/attachments", attachment_max + 1);
}
