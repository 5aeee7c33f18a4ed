/* Live chat's REST API: /api/v1/chat/..., /api/v1/agent/..., department hours
 * (docs/chat.md). Changes that can queue a chat or free an agent run the router and tell
 * the chat hub (when main wired one into struct app) who was assigned and where the
 * queue stands. */
#include "../chat/chat.h"
#include "../core/config.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROUTE_BATCH 32
#define ROUTE_ROUNDS 16

/* ---- the hub ------------------------------------------------------------------- */

static int has_hub(const struct app *app)
{
    return app->publish_chat || app->publish_user;
}

/* Sends j (decref'd) to a chat's subscribers. */
static void tell_chat(struct app *app, int64_t chat_id, json_t *j)
{
    if (app->publish_chat && j) {
        char *text = json_dumps(j, JSON_COMPACT);
        if (text)
            app->publish_chat(app->hub, chat_id, text);
        free(text);
    }
    json_decref(j);
}

static void tell_user(struct app *app, int64_t user_id, json_t *j)
{
    if (app->publish_user && j) {
        char *text = json_dumps(j, JSON_COMPACT);
        if (text)
            app->publish_user(app->hub, user_id, text);
        free(text);
    }
    json_decref(j);
}

static json_t *iso_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char at[32];
    api_iso(ms, at);
    return json_string(at);
}

static json_t *msg_json(const struct chat_msg_rec *m, const char *type)
{
    char at[32];
    api_iso(m->created_at, at);
    json_t *author = m->author_id
                         ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)m->author_id, "name",
                                     m->author_name, "role", fd_role_name(m->author_role))
                         : json_null();
    /* Stored kind "note" is shown as an internal system message (docs/chat.md). */
    int note = strcmp(m->kind, "note") == 0;
    json_t *j = json_pack("{s:I, s:o, s:s, s:s, s:b, s:s}", "seq", (json_int_t)m->seq, "author",
                          author, "body", m->body ? m->body : "", "kind", note ? "system" : m->kind,
                          "internal", note, "created_at", at);
    /* The same shape as the hub's frames (chat_attachment_json), or null. */
    json_object_set_new(j, "attachment", chat_attachment_json(m));
    if (type) {
        json_object_set_new(j, "type", json_string(type));
        json_object_set_new(j, "chat", json_integer(m->chat_id));
    }
    return j;
}

static json_t *chat_json(struct db *db, const struct chat_rec *c)
{
    char at[32];
    api_iso(c->created_at, at);
    json_t *j = json_pack("{s:I, s:s, s:s, s:i, s:s}", "id", (json_int_t)c->id, "status", c->status,
                          "department", c->department, "tier", c->tier, "created_at", at);
    json_object_set_new(
        j, "agent",
        c->agent_id ? json_pack("{s:I, s:s}", "id", (json_int_t)c->agent_id, "name", c->agent_name)
                    : json_null());
    json_object_set_new(j, "customer",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->customer_id, "name",
                                  c->customer_name, "email", c->customer_email));
    json_object_set_new(j, "queued_at", iso_or_null(c->queued_at));
    json_object_set_new(j, "assigned_at", iso_or_null(c->assigned_at));
    json_object_set_new(j, "ended_at", iso_or_null(c->ended_at));
    int pos = 0;
    int64_t est = 0;
    if (strcmp(c->status, "queued") == 0 && chat_position(db, c, &pos, &est) == 0) {
        json_object_set_new(j, "position", json_integer(pos));
        json_object_set_new(j, "estimate_s", json_integer(est));
    } else {
        json_object_set_new(j, "position", json_null());
        json_object_set_new(j, "estimate_s", json_null());
    }
    json_object_set_new(j, "rating", c->rating ? json_integer(c->rating) : json_null());
    if (c->ticket_id) {
        char ref[32];
        tickets_format_ref(c->ticket_id, ref, sizeof(ref));
        json_object_set_new(j, "ticket", json_string(ref));
    } else {
        json_object_set_new(j, "ticket", json_null());
    }
    return j;
}

struct pub_ctx {
    struct app *app;
};

static int publish_msg(void *ctx, const struct chat_msg_rec *m)
{
    struct pub_ctx *p = ctx;
    /* Internal notes are for staff: they are read through GET, never fanned out to a
     * chat's subscribers (the customer is one). */
    if (strcmp(m->kind, "note") != 0)
        tell_chat(p->app, m->chat_id, msg_json(m, "message"));
    return 0;
}

/* Publishes a chat's messages with seq > after. */
static void publish_after(struct app *app, struct db *db, int64_t chat_id, int64_t after)
{
    if (!app->publish_chat)
        return;
    struct pub_ctx p = {app};
    store_chat_msg_list(db, chat_id, after, 0, publish_msg, &p);
}

struct queue_pub {
    struct app *app;
    struct db *db;
    json_t *groups; /* "dept/tier" -> {department_id, tier, department, waiting:[...]} */
};

static int publish_queued(void *ctx, const struct chat_rec *c)
{
    struct queue_pub *q = ctx;
    int pos = 0;
    int64_t est = 0;
    if (chat_position(q->db, c, &pos, &est) == 0)
        tell_chat(q->app, c->id,
                  json_pack("{s:s, s:I, s:i, s:I}", "type", "queue", "chat", (json_int_t)c->id,
                            "position", pos, "estimate_s", (json_int_t)est));
    char key[48];
    snprintf(key, sizeof(key), "%lld/%d", (long long)c->department_id, c->tier);
    json_t *g = json_object_get(q->groups, key);
    if (!g) {
        g = json_pack("{s:I, s:i, s:s, s:[]}", "department_id", (json_int_t)c->department_id,
                      "tier", c->tier, "department", c->department, "waiting");
        json_object_set_new(q->groups, key, g);
    }
    char at[32];
    api_iso(c->queued_at, at);
    json_array_append_new(json_object_get(g, "waiting"),
                          json_pack("{s:I, s:i, s:s, s:s, s:i}", "id", (json_int_t)c->id, "tier",
                                    c->tier, "customer", c->customer_name, "queued_at", at,
                                    "position", pos));
    return 0;
}

struct agent_pub {
    struct app *app;
    const char *frame;
};

static int tell_agent(void *ctx, const struct chat_agent_rec *a)
{
    struct agent_pub *p = ctx;
    p->app->publish_user(p->app->hub, a->id, p->frame);
    return 0;
}

/* Every queued chat gets its position; the online agents of each queue get the list of
 * who is waiting. Departments whose queue just emptied are told by `dept`/`tier`. */
static void publish_queues(struct app *app, struct db *db, int64_t dept, int tier,
                           const char *dept_slug)
{
    struct queue_pub q = {app, db, json_object()};
    if (db_begin_read(db) == 0) {
        store_chat_queue(db, 0, 0, publish_queued, &q);
        char key[48];
        snprintf(key, sizeof(key), "%lld/%d", (long long)dept, tier);
        if (dept && !json_object_get(q.groups, key))
            json_object_set_new(q.groups, key,
                                json_pack("{s:I, s:i, s:s, s:[]}", "department_id",
                                          (json_int_t)dept, "tier", tier, "department",
                                          dept_slug ? dept_slug : "", "waiting"));
        const char *k;
        json_t *g;
        json_object_foreach(q.groups, k, g)
        {
            if (!app->publish_user)
                break;
            json_t *frame =
                json_pack("{s:s, s:O, s:O, s:O}", "type", "queue_update", "department",
                          json_object_get(g, "department"), "tier", json_object_get(g, "tier"),
                          "waiting", json_object_get(g, "waiting"));
            char *text = json_dumps(frame, JSON_COMPACT);
            json_decref(frame);
            struct agent_pub p = {app, text};
            if (text)
                store_chat_agents(db, json_integer_value(json_object_get(g, "department_id")),
                                  (int)json_integer_value(json_object_get(g, "tier")), tell_agent,
                                  &p);
            free(text);
        }
        db_rollback(db);
    }
    json_decref(q.groups);
}

/* Runs the router until nothing more can be assigned, and tells everyone concerned. */
static void route_and_publish(struct app *app, struct db *db, int64_t dept, int tier,
                              const char *dept_slug)
{
    int64_t ids[ROUTE_BATCH];
    int n = 0;
    for (int round = 0; round < ROUTE_ROUNDS; round++) {
        if (chat_route(db, ids, ROUTE_BATCH, &n) != 0)
            break;
        for (int i = 0; i < n && has_hub(app); i++) {
            struct chat_rec c;
            if (store_chat_get(db, ids[i], &c) != 0)
                continue;
            tell_chat(app, c.id,
                      json_pack("{s:s, s:I, s:{s:I, s:s}}", "type", "assigned", "chat",
                                (json_int_t)c.id, "agent", "id", (json_int_t)c.agent_id, "name",
                                c.agent_name));
            publish_after(app, db, c.id, c.last_seq - 1);
            tell_user(app, c.agent_id,
                      json_pack("{s:s, s:o}", "type", "new_chat", "chat", chat_json(db, &c)));
        }
        if (n < ROUTE_BATCH)
            break;
    }
    if (has_hub(app))
        publish_queues(app, db, dept, tier, dept_slug);
}

/* ---- request helpers ------------------------------------------------------------ */

static int id_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = req->nparams > 0 ? strtoll(req->params[0], &end, 10) : 0;
    if (req->nparams < 1 || errno || *end || v < 1) {
        http_resp_error(resp, 404, "not_found", "no such chat");
        return -1;
    }
    *id = v;
    return 0;
}

/* The caller: the signed-in actor, and a visitor's token from ?token= or X-Chat-Token. */
static struct chat_who who_of(struct http_req *req)
{
    struct chat_who w = {api_actor(req), http_req_query(req, "token")};
    if (!w.token)
        w.token = http_req_header(req, "X-Chat-Token");
    return w;
}

/* Answers with {chat} after a change. */
static void answer_chat(struct http_resp *resp, struct db *db, const struct chat_who *w, int64_t id,
                        int status)
{
    struct chat_rec c;
    int rc = store_chat_get(db, id, &c);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    (void)w;
    http_resp_json(resp, status, json_pack("{s:o}", "chat", chat_json(db, &c)));
}

/* ---- handlers ------------------------------------------------------------------- */

static void availability(struct http_req *req, struct http_resp *resp)
{
    const char *dept = http_req_query(req, "department");
    struct app *app = API_APP(req);
    struct chat_availability av;
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = chat_availability(db, dept, fd_now_ms(), &av, &err);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:s, s:b, s:s, s:i, s:i, s:I}", "department", dept, "online",
                             av.online, "reason", av.reason, "agents_available",
                             av.agents_available, "queue_length", av.queue_length, "estimate_s",
                             (json_int_t)av.estimate_s));
}

static void start(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"department", "message", "email", "name", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const struct auth_actor *a = api_actor(req);
    const char *dept = NULL, *message = NULL, *email = NULL, *name = NULL;
    if (api_str(o, "department", 1, &dept, resp) || api_str(o, "message", 1, &message, resp) ||
        api_str(o, "email", 0, &email, resp) || api_str(o, "name", 0, &name, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct chat_rec c;
    char token[CHAT_TOKEN_HEX + 1] = "";
    struct db *db = store_acquire(app->store);
    int rc = chat_start(db, a, email, name, dept, message, &c, token, &err);
    if (rc == FD_ECONFLICT && strcmp(err.field, "department") == 0) {
        struct chat_availability av;
        const char *reason = "closed";
        if (chat_availability(db, dept, fd_now_ms(), &av, NULL) == 0)
            reason = av.reason;
        http_resp_json(resp, 409,
                       json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "unavailable", "message",
                                 err.message, "reason", reason));
    } else if (rc) {
        api_fail(resp, rc, &err);
    } else {
        json_t *cj = chat_json(db, &c);
        /* The estimate given at queue time is the one stored (and reported on). */
        json_object_set_new(cj, "estimate_s", json_integer(c.estimate_s));
        json_t *answer = json_pack("{s:o, s:o}", "chat", cj, "token",
                                   token[0] ? json_string(token) : json_null());
        api_safety_warn(answer, message, NULL);
        http_resp_json(resp, 201, answer);
        route_and_publish(app, db, c.department_id, c.tier, c.department);
    }
    store_release(app->store, db);
out:
    json_decref(o);
}

static void leave_message(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"department", "message", "email", "name", "subject", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *dept = NULL, *message = NULL, *email = NULL, *name = NULL, *subject = NULL;
    if (api_str(o, "department", 1, &dept, resp) || api_str(o, "message", 1, &message, resp) ||
        api_str(o, "email", 0, &email, resp) || api_str(o, "name", 0, &name, resp) ||
        api_str(o, "subject", 0, &subject, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct db *db = store_acquire(app->store);
    int rc = chat_leave_message(db, &app->mail, api_actor(req), email, name, dept, subject, message,
                                t, &err);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 201, json_pack("{s:o}", "ticket", api_ticket_json(t)));
    free(t);
out:
    json_decref(o);
}

static int add_msg_json(void *ctx, const struct chat_msg_rec *m)
{
    json_array_append_new(ctx, msg_json(m, NULL));
    return 0;
}

static void get_chat(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct chat_who w = who_of(req);
    struct chat_rec c;
    json_t *msgs = json_array();
    int64_t after = 0;
    if (api_query_int(req, resp, "after", 0, INT64_MAX, &after)) {
        json_decref(msgs);
        return;
    }
    struct db *db = store_acquire(app->store);
    int rc = chat_get(db, &w, id, &c);
    if (rc == 0)
        rc = chat_messages(db, &w, id, after, add_msg_json, msgs);
    if (rc) {
        json_decref(msgs);
        api_fail(resp, rc, NULL);
    } else {
        http_resp_json(resp, 200,
                       json_pack("{s:o, s:o}", "chat", chat_json(db, &c), "messages", msgs));
    }
    store_release(app->store, db);
}

static void post_message(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    static const char *const fields[] = {"body", "client_id", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *body = NULL, *client_id = NULL;
    if (api_str(o, "body", 1, &body, resp) || api_str(o, "client_id", 0, &client_id, resp) ||
        api_safety_guard(resp, api_actor(req), body, "body"))
        goto out;
    struct app *app = API_APP(req);
    struct chat_who w = who_of(req);
    struct fd_error err = {0};
    int64_t seq = 0;
    int dup = 0;
    struct db *db = store_acquire(app->store);
    int rc = chat_post(db, &w, id, body, client_id, 0, &seq, &dup, &err);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        json_t *answer = json_pack("{s:I, s:b}", "seq", (json_int_t)seq, "duplicate", dup);
        api_safety_warn(answer, body, NULL);
        http_resp_json(resp, dup ? 200 : 201, answer);
        if (!dup)
            publish_after(app, db, id, seq - 1);
    }
    store_release(app->store, db);
out:
    json_decref(o);
}

static void upload(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    const char *filename = http_req_query(req, "filename");
    const char *declared = http_req_header(req, "Content-Type");
    /* As for ticket attachments a declared type must be an accepted one; a browser that
     * cannot tell says octet-stream, and the sniffed type decides. */
    if (declared && strncasecmp(declared, "application/octet-stream", 24) != 0 &&
        !tickets_attachment_type_allowed(declared)) {
        http_resp_error(resp, 415, "unsupported_media_type",
                        "files must be PNG, JPEG, GIF, WebP, PDF or plain text (the request "
                        "says %.60s)",
                        declared);
        return;
    }
    struct chat_who w = who_of(req);
    struct fd_error err = {0};
    struct chat_file_rec f;
    int64_t seq = 0;
    struct db *db = store_acquire(app->store);
    int rc = chat_attach(db, &w, id, app->cfg->data_dir, filename, req->body, req->body_len,
                         (size_t)app->cfg->attachment_max, &f, &seq, &err);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        char url[96];
        chat_file_url(id, f.id, url, sizeof(url));
        http_resp_json(resp, 201,
                       json_pack("{s:{s:I, s:s, s:s, s:I, s:s}, s:I}", "attachment", "id",
                                 (json_int_t)f.id, "filename", f.filename, "content_type",
                                 f.content_type, "size", (json_int_t)f.size, "url", url, "seq",
                                 (json_int_t)seq));
        publish_after(app, db, id, seq - 1);
    }
    store_release(app->store, db);
}

static void download(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    char *end;
    errno = 0;
    long long fid = req->nparams > 1 ? strtoll(req->params[1], &end, 10) : 0;
    if (req->nparams < 2 || errno || *end || fid < 1) {
        http_resp_error(resp, 404, "not_found", "no such attachment");
        return;
    }
    struct app *app = API_APP(req);
    struct chat_who w = who_of(req);
    struct chat_file_rec f;
    char path[2048];
    struct db *db = store_acquire(app->store);
    int rc = chat_file_get(db, &w, id, fid, app->cfg->data_dir, &f, path, sizeof(path));
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    api_send_stored_file(resp, path, f.size, f.content_type, f.filename);
}

struct search_ctx {
    struct db *db;
    json_t *arr;
    int64_t last_id;
    int n;
};

static int add_found(void *ctx, const struct chat_rec *c)
{
    struct search_ctx *l = ctx;
    json_array_append_new(l->arr, chat_json(l->db, c));
    l->last_id = c->id;
    l->n++;
    return 0;
}

/* GET /api/v1/chat?q=&status=&department=&limit=&cursor= */
static void search(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    int64_t limit = 25, cursor = 0;
    if (api_query_int(req, resp, "limit", 1, 100, &limit) ||
        api_query_int(req, resp, "cursor", 1, INT64_MAX, &cursor))
        return;
    struct chat_search s;
    memset(&s, 0, sizeof(s));
    const char *q = http_req_query(req, "q"), *st = http_req_query(req, "status");
    s.text = q && *q ? q : NULL;
    s.status = st && *st ? st : NULL;
    s.before_id = cursor;
    s.limit = (int)limit;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    struct search_ctx l = {db, json_array(), 0, 0};
    int rc = chat_search(db, a, http_req_query(req, "department"), &s, add_found, &l, &err);
    store_release(app->store, db);
    if (rc) {
        json_decref(l.arr);
        api_fail(resp, rc, &err);
        return;
    }
    json_t *j = json_pack("{s:o}", "chats", l.arr);
    if (l.n == (int)limit && l.last_id > 1) {
        char cur[32];
        snprintf(cur, sizeof(cur), "%lld", (long long)l.last_id);
        json_object_set_new(j, "next_cursor", json_string(cur));
    } else {
        json_object_set_new(j, "next_cursor", json_null());
    }
    http_resp_json(resp, 200, j);
}

/* Reads a chat before a change (for the seq to publish from). 0 when it cannot. */
static int64_t seq_before(struct db *db, int64_t id, struct chat_rec *c)
{
    if (store_chat_get(db, id, c) != 0) {
        memset(c, 0, sizeof(*c));
        return 0;
    }
    return c->last_seq;
}

static void transfer(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    int64_t id;
    /* Agents only: a customer is refused before the body is read. */
    if (!a || !api_require_staff(a, resp) || id_param(req, resp, &id))
        return;
    static const char *const fields[] = {"agent_id", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int64_t to = 0;
    if (api_int(o, "agent_id", 1, &to, NULL, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct chat_rec before, c;
    struct db *db = store_acquire(app->store);
    int64_t seq = seq_before(db, id, &before);
    int rc = chat_transfer(db, a, id, to, &err);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        answer_chat(resp, db, NULL, id, 200);
        if (store_chat_get(db, id, &c) == 0 && has_hub(app)) {
            tell_chat(app, id,
                      json_pack("{s:s, s:I, s:{s:I, s:s}}", "type", "transferred", "chat",
                                (json_int_t)id, "agent", "id", (json_int_t)c.agent_id, "name",
                                c.agent_name));
            publish_after(app, db, id, seq);
            tell_user(app, c.agent_id,
                      json_pack("{s:s, s:o}", "type", "new_chat", "chat", chat_json(db, &c)));
        }
        /* The previous agent has a free slot now. */
        route_and_publish(app, db, before.department_id, before.tier, before.department);
    }
    store_release(app->store, db);
out:
    json_decref(o);
}

static void escalate(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    int64_t id;
    if (!a || id_param(req, resp, &id))
        return;
    static const char *const fields[] = {"note", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *note = NULL;
    if (api_str(o, "note", 0, &note, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct chat_rec before, c;
    struct db *db = store_acquire(app->store);
    int64_t seq = seq_before(db, id, &before);
    int rc = chat_escalate(db, a, id, note, &err);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        answer_chat(resp, db, NULL, id, 200);
        if (store_chat_get(db, id, &c) == 0) {
            tell_chat(app, id,
                      json_pack("{s:s, s:I, s:i}", "type", "escalated", "chat", (json_int_t)id,
                                "tier", c.tier));
            publish_after(app, db, id, seq);
            route_and_publish(app, db, before.department_id, before.tier, before.department);
        }
    }
    store_release(app->store, db);
out:
    json_decref(o);
}

static void convert(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    int64_t id;
    if (!a || id_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct chat_rec before;
    int64_t ticket_id = 0;
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct db *db = store_acquire(app->store);
    int64_t seq = seq_before(db, id, &before);
    int rc = chat_convert(db, a, id, &ticket_id, &err);
    if (rc == 0)
        rc = store_ticket_get(db, ticket_id, t);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        http_resp_json(resp, 201, json_pack("{s:o}", "ticket", api_ticket_json(t)));
        char ref[32];
        tickets_format_ref(ticket_id, ref, sizeof(ref));
        publish_after(app, db, id, seq);
        tell_chat(app, id,
                  json_pack("{s:s, s:I, s:s, s:s}", "type", "ended", "chat", (json_int_t)id,
                            "reason", "converted", "ticket", ref));
        route_and_publish(app, db, before.department_id, before.tier, before.department);
    }
    free(t);
    store_release(app->store, db);
}

static void end(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct chat_who w = who_of(req);
    struct fd_error err = {0};
    struct chat_rec before;
    struct db *db = store_acquire(app->store);
    int64_t seq = seq_before(db, id, &before);
    int role = before.id ? chat_role(db, &w, &before, NULL) : CHAT_ROLE_NONE;
    int rc = chat_end(db, &w, id, &err);
    if (rc) {
        api_fail(resp, rc, &err);
    } else {
        answer_chat(resp, db, &w, id, 200);
        publish_after(app, db, id, seq);
        tell_chat(app, id,
                  json_pack("{s:s, s:I, s:s}", "type", "ended", "chat", (json_int_t)id, "reason",
                            role == CHAT_ROLE_CUSTOMER ? "customer" : "agent"));
        route_and_publish(app, db, before.department_id, before.tier, before.department);
    }
    store_release(app->store, db);
}

static void rate(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    static const char *const fields[] = {"rating", "comment", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int64_t rating = 0;
    const char *comment = NULL;
    if (api_int(o, "rating", 1, &rating, NULL, resp) || api_str(o, "comment", 0, &comment, resp))
        goto out;
    struct app *app = API_APP(req);
    struct chat_who w = who_of(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = chat_rate(db, &w, id, rating < 1 || rating > 5 ? 0 : (int)rating, comment, &err);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        resp->status = 204;
out:
    json_decref(o);
}

static void transcript(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (id_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct chat_who w = who_of(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = chat_transcript_mail(db, &app->mail, &w, id, &err);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 202, json_pack("{s:s}", "status", "queued"));
}

static void agent_status(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    static const char *const fields[] = {"status", "capacity", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *status = NULL;
    int64_t capacity = 0;
    int has_cap = 0;
    if (api_str(o, "status", 1, &status, resp) ||
        api_int(o, "capacity", 0, &capacity, &has_cap, resp))
        goto out;
    if (has_cap && (capacity < 1 || capacity > 20)) {
        http_resp_error(resp, 400, "invalid_field", "capacity must be from 1 to 20");
        goto out;
    }
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = chat_agent_set_status(db, a, status, (int)capacity, &err);
    if (rc == 0 && strcmp(status, "online") == 0)
        route_and_publish(app, db, a->user.department_id, a->user.tier, a->user.department);
    char st[12];
    int cap = 0, active = 0;
    if (rc == 0)
        rc = chat_agent_get_status(db, a->user.id, st, sizeof(st), &cap, &active);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(
            resp, 200,
            json_pack("{s:s, s:i, s:i}", "status", st, "capacity", cap, "active_chats", active));
out:
    json_decref(o);
}

struct list_ctx {
    struct db *db;
    json_t *arr;
};

static int add_chat(void *ctx, const struct chat_rec *c)
{
    struct list_ctx *l = ctx;
    json_array_append_new(l->arr, chat_json(l->db, c));
    return 0;
}

static void agent_chats(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    struct list_ctx chats = {db, json_array()}, queue = {db, json_array()};
    char st[12] = "offline";
    int cap = 0, active = 0;
    int rc = db_begin_read(db);
    if (rc == 0)
        rc = store_chat_agent_active(db, a->user.id, add_chat, &chats);
    if (rc == 0 && a->user.department_id)
        rc = store_chat_queue(db, a->user.department_id, a->user.tier ? a->user.tier : 1, add_chat,
                              &queue);
    if (rc == 0)
        rc = chat_agent_get_status(db, a->user.id, st, sizeof(st), &cap, &active);
    db_rollback(db);
    store_release(app->store, db);
    if (rc) {
        json_decref(chats.arr);
        json_decref(queue.arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:o, s:o, s:{s:s, s:i, s:i}}", "chats", chats.arr, "queue",
                             queue.arr, "presence", "status", st, "capacity", cap, "active_chats",
                             active));
}

static int add_canned(void *ctx, int64_t id, const char *title, const char *body)
{
    json_array_append_new(
        ctx, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "title", title, "body", body));
    return 0;
}

static void canned(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    struct app *app = API_APP(req);
    json_t *arr = json_array();
    struct db *db = store_acquire(app->store);
    int rc = store_canned_list(db, a->user.department_id, add_canned, arr);
    store_release(app->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "canned", arr));
}

/* "HH:MM" (00:00..24:00) → minutes. */
static int parse_hhmm(const char *s, int *out)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    *out = h * 60 + m;
    return 0;
}

static void put_hours(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    if (a->user.role != ROLE_ADMIN) {
        http_resp_error(resp, 403, "forbidden", "only admins set business hours");
        return;
    }
    static const char *const fields[] = {"hours", "timezone_offset_min", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int64_t offset = 0;
    struct chat_hours h[28];
    int n = 0;
    json_t *arr = json_object_get(o, "hours");
    if (api_int(o, "timezone_offset_min", 0, &offset, NULL, resp))
        goto out;
    if (!json_is_array(arr) || json_array_size(arr) > 28) {
        http_resp_error(resp, 400, "invalid_field", "hours must be an array of at most 28 ranges");
        goto out;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *day = json_object_get(v, "day");
        const char *open = json_string_value(json_object_get(v, "open"));
        const char *close = json_string_value(json_object_get(v, "close"));
        if (!json_is_object(v) || json_object_size(v) != 3 || !json_is_integer(day) ||
            parse_hhmm(open, &h[n].open_min) || parse_hhmm(close, &h[n].close_min)) {
            http_resp_error(resp, 400, "invalid_field",
                            "hours[%zu] must be {day:0..6, open:\"HH:MM\", close:\"HH:MM\"}", i);
            goto out;
        }
        int64_t d = json_integer_value(day);
        h[n].day = d < 0 || d > 6 ? -1 : (int)d;
        n++;
    }
    if (offset < -720 || offset > 840) {
        http_resp_error(resp, 400, "invalid_field", "timezone_offset_min must be from -720 to 840");
        goto out;
    }
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = chat_hours_set(db, req->params[0], h, n, (int)offset, &err);
    store_release(app->store, db);
    if (rc == FD_EINVAL && strcmp(err.field, "department") == 0)
        http_resp_error(resp, 404, "not_found", "no such department");
    else if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(
            resp, 200,
            json_pack("{s:O, s:I}", "hours", arr, "timezone_offset_min", (json_int_t)offset));
out:
    json_decref(o);
}

struct report_ctx {
    json_t *arr;
    int64_t sum_err;
    int n;
};

static int add_report(void *ctx, const struct chat_rec *c)
{
    struct report_ctx *r = ctx;
    int64_t actual = (c->assigned_at - c->queued_at) / 1000;
    if (actual < 0)
        actual = 0;
    int64_t e = actual - c->estimate_s;
    r->sum_err += e < 0 ? -e : e;
    r->n++;
    json_array_append_new(r->arr, json_pack("{s:I, s:s, s:i, s:I, s:I}", "id", (json_int_t)c->id,
                                            "department", c->department, "tier", c->tier,
                                            "estimate_s", (json_int_t)c->estimate_s,
                                            "actual_wait_s", (json_int_t)actual));
    return 0;
}

static void report(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    if (!auth_sees_all(a)) {
        http_resp_error(resp, 403, "forbidden", "the chat report is for supervisors");
        return;
    }
    struct app *app = API_APP(req);
    struct report_ctx r = {json_array(), 0, 0};
    struct db *db = store_acquire(app->store);
    int rc = store_chat_report(db, 500, add_report, &r);
    store_release(app->store, db);
    if (rc) {
        json_decref(r.arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:o, s:f, s:i}", "chats", r.arr, "mean_abs_error_s",
                             r.n ? (double)r.sum_err / r.n : 0.0, "n", r.n));
}

void api_chat_register(size_t attachment_max)
{
    http_route("GET", "/api/v1/chat/availability", availability);
    http_route("GET", "/api/v1/chat", search);
    http_route("POST", "/api/v1/chat", start);
    http_route("POST", "/api/v1/chat/leave-message", leave_message);
    http_route("GET", "/api/v1/chat/canned", canned);
    http_route("GET", "/api/v1/chat/report", report);
    http_route("GET", "/api/v1/chat/{id}", get_chat);
    http_route("POST", "/api/v1/chat/{id}/messages", post_message);
    http_route("POST", "/api/v1/chat/{id}/attachments", upload);
    http_route("GET", "/api/v1/chat/{id}/attachments/{aid}", download);
    http_route("POST", "/api/v1/chat/{id}/transfer", transfer);
    http_route("POST", "/api/v1/chat/{id}/escalate", escalate);
    http_route("POST", "/api/v1/chat/{id}/convert", convert);
    http_route("POST", "/api/v1/chat/{id}/end", end);
    http_route("POST", "/api/v1/chat/{id}/rating", rate);
    http_route("POST", "/api/v1/chat/{id}/transcript", transcript);
    http_route("PUT", "/api/v1/agent/status", agent_status);
    http_route("GET", "/api/v1/agent/chats", agent_chats);
    http_route("PUT", "/api/v1/departments/{slug}/hours", put_hours);
    /* One byte above the maximum, so that the domain answers with its own 413. */
    http_route_body_max("POST", "/api/v1/chat/{id}/attachments", attachment_max + 1);
}
