/* Shared API plumbing: authentication hook, CSRF, JSON input checks, error mapping. */
#include "api.h"

#include "../core/config.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../kb/kb.h"
#include "../tickets/tickets.h"
#include "api_int.h"
#include "help_pages.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void api_iso(int64_t ms, char out[32])
{
    fd_iso8601(ms, out, 32);
}

static int is_unsafe(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/*
 * Routes that need no CSRF token: sign-in and sign-up create the session the token
 * belongs to; the help center's "Was this helpful?" form works without JavaScript, so
 * it cannot send the header, and a vote changes nobody's data.
 */
static int csrf_exempt(const char *route)
{
    return strcmp(route, "/api/v1/auth/login") == 0 || strcmp(route, "/api/v1/auth/signup") == 0 ||
           strcmp(route, "/api/v1/auth/login/2fa") == 0 ||
           strcmp(route, "/help/articles/{slug}/vote") == 0 || status_csrf_exempt(route);
}

/*
 * Resolves who is calling: a Bearer token, else the session cookie. Cookie-authenticated
 * unsafe requests must echo the session's CSRF token in X-CSRF-Token (SameSite=Strict is
 * the first line of defence, this the second). Sign-in and sign-up are exempt: they
 * create the session the token belongs to.
 */
static void before(struct http_req *req, struct http_resp *resp)
{
    struct app *app = API_APP(req);
    const char *authz = http_req_header(req, "Authorization");
    const char *cookie = http_req_cookie(req, "fd_session");
    if (!authz && (!cookie || !*cookie)) {
        api_security_limit(req, resp, NULL);
        return;
    }
    struct auth_actor *a = xcalloc(1, sizeof(*a));
    struct db *db = store_acquire(app->store);
    int rc;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) {
            store_release(app->store, db);
            free(a);
            http_resp_error(resp, 401, "unauthorized", "Authorization must be a Bearer token");
            return;
        }
        rc = auth_token_resolve(db, authz + 7, a);
    } else {
        rc = auth_session_resolve_ex(db, &app->limits, cookie, a);
    }
    store_release(app->store, db);
    if (rc == FD_EAUTH && !authz) {
        /* A stale cookie is the same as none: sign-in still works. */
        free(a);
        api_security_limit(req, resp, NULL);
        return;
    }
    if (rc) {
        free(a);
        if (rc == FD_EAUTH)
            http_resp_error(resp, 401, "unauthorized", "the API token is not valid");
        else
            api_fail(resp, rc, NULL);
        return;
    }
    if (!a->via_token && is_unsafe(req->method) && !csrf_exempt(req->route)) {
        const char *sent = http_req_header(req, "X-CSRF-Token");
        if (!sent || strlen(sent) != strlen(a->csrf) ||
            sodium_memcmp(sent, a->csrf, strlen(a->csrf)) != 0) {
            free(a);
            http_resp_error(resp, 403, "csrf",
                            "missing or wrong X-CSRF-Token header for a cookie session");
            return;
        }
    }
    if (api_security_gate(req, resp, a) || api_security_limit(req, resp, a)) {
        free(a);
        return;
    }
    req->auth = a;
}

static void after(struct http_req *req, struct http_resp *resp)
{
    (void)resp;
    FD_FREE(req->auth);
}

const struct auth_actor *api_require(struct http_req *req, struct http_resp *resp, unsigned scope)
{
    const struct auth_actor *a = api_actor(req);
    if (!a) {
        http_resp_error(resp, 401, "unauthorized", "sign in first");
        return NULL;
    }
    if (scope && !auth_has_scope(a, scope)) {
        http_resp_error(resp, 403, "forbidden", "the API token lacks the scope this needs");
        return NULL;
    }
    return a;
}

int api_require_staff(const struct auth_actor *a, struct http_resp *resp)
{
    if (auth_is_staff(a))
        return 1;
    http_resp_error(resp, 403, "forbidden", "only agents may do this");
    return 0;
}

static int depth_of(json_t *j)
{
    int max = 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            int d = depth_of(v);
            if (d > max)
                max = d;
        }
        return max + 1;
    }
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            int d = depth_of(v);
            if (d > max)
                max = d;
        }
        return max + 1;
    }
    return 0;
}

json_t *api_body_object(struct http_req *req, struct http_resp *resp, const char *const *allowed)
{
    const char *ct = http_req_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "application/json", 16) != 0) {
        http_resp_error(resp, 415, "unsupported_media_type",
                        "send the request body as application/json");
        return NULL;
    }
    json_error_t e;
    json_t *j = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        http_resp_error(resp, 400, "bad_json",
                        "the body is not valid JSON: %s (line %d, column %d)", e.text, e.line,
                        e.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_resp_error(resp, 400, "bad_json", "the body must be a JSON object");
        return NULL;
    }
    long max = API_APP(req)->cfg->json_depth;
    if (depth_of(j) > max) {
        json_decref(j);
        http_resp_error(resp, 400, "bad_json", "the JSON is nested deeper than %ld levels", max);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        int ok = 0;
        for (const char *const *p = allowed; *p && !ok; p++)
            ok = strcmp(*p, k) == 0;
        if (!ok) {
            http_resp_error(resp, 400, "unknown_field", "unknown field \"%s\"", k);
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

int api_str(json_t *o, const char *key, int required, const char **out, struct http_resp *resp)
{
    json_t *v = json_object_get(o, key);
    if (!v || (json_is_null(v) && !required)) {
        if (required) {
            http_resp_error(resp, 400, "missing_field", "%s is required", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        http_resp_error(resp, 400, "invalid_field", "%s must be a string", key);
        return -1;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        http_resp_error(resp, 400, "invalid_field", "%s must not contain NUL characters", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int api_int(json_t *o, const char *key, int required, int64_t *out, int *present,
            struct http_resp *resp)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required) {
            http_resp_error(resp, 400, "missing_field", "%s is required", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_integer(v)) {
        http_resp_error(resp, 400, "invalid_field", "%s must be an integer", key);
        return -1;
    }
    *out = json_integer_value(v);
    if (present)
        *present = 1;
    return 0;
}

int api_bool(json_t *o, const char *key, int *out, struct http_resp *resp)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        http_resp_error(resp, 400, "invalid_field", "%s must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

void api_send_stored_file(struct http_resp *resp, const char *path, int64_t size,
                          const char *content_type, const char *filename)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        http_resp_error(resp, 500, "internal", "the attachment's file is missing");
        return;
    }
    char *data = xmalloc((size_t)size + 1);
    size_t n = fread(data, 1, (size_t)size, f);
    fclose(f);
    if (n != (size_t)size) {
        free(data);
        http_resp_error(resp, 500, "internal", "the attachment's file is damaged");
        return;
    }
    /* Only the accepted types are served as themselves (they were checked on upload). */
    http_resp_bytes(resp, 200, tickets_attachment_serve_type(content_type), data, n);
    free(data);
    char disp[200];
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
    http_resp_header(resp, "Content-Disposition", disp);
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    http_resp_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
}

void api_fail(struct http_resp *resp, int rc, const struct fd_error *err)
{
    const char *msg = err && err->message[0] ? err->message : NULL;
    switch (rc) {
    case FD_EINVAL:
        http_resp_error(resp, 400, "invalid_field", "%s", msg ? msg : "invalid input");
        break;
    case FD_EPARSE:
        http_resp_error(resp, 400, "bad_json", "%s", msg ? msg : "malformed input");
        break;
    case FD_ENOTFOUND:
        http_resp_error(resp, 404, "not_found", "%s", msg ? msg : "not found");
        break;
    case FD_ECONFLICT:
        if (err && strcmp(err->field, "status") == 0)
            http_resp_error(resp, 409, "invalid_transition", "%s", msg ? msg : "not allowed now");
        else
            http_resp_error(resp, 409, "conflict", "%s", msg ? msg : "conflict");
        break;
    case FD_ELIMIT:
        http_resp_error(resp, 413, "payload_too_large", "%s", msg ? msg : "too large");
        break;
    case FD_EAUTH:
        http_resp_error(resp, 401, "unauthorized", "%s", msg ? msg : "sign in first");
        break;
    case FD_EFORBIDDEN:
        http_resp_error(resp, 403, "forbidden", "%s", msg ? msg : "not allowed");
        break;
    case FD_ERATE: http_resp_error(resp, 429, "rate_limited", "%s", msg ? msg : "slow down"); break;
    case FD_ETYPE:
        http_resp_error(resp, 415, "unsupported_media_type", "%s", msg ? msg : "unsupported type");
        break;
    case FD_EINFECTED:
        http_resp_error(resp, 422, "infected", "%s", msg ? msg : "the file contains malware");
        break;
    case FD_EUNAVAIL:
        http_resp_error(resp, 503, "scanner_unavailable", "%s",
                        msg ? msg : "the virus scanner is unavailable; try again later");
        break;
    default: http_resp_error(resp, 500, "internal", "internal error (%s)", fd_strerror(rc)); break;
    }
}

json_t *api_user_json(const struct user_rec *u)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)u->id, "email", u->email,
                          "name", u->name, "role", fd_role_name(u->role));
    json_object_set_new(j, "department",
                        u->department[0] ? json_string(u->department) : json_null());
    json_object_set_new(j, "tier", u->tier ? json_integer(u->tier) : json_null());
    json_object_set_new(j, "kb_editor", json_boolean(kb_can_edit_user(u)));
    return j;
}

static json_t *opt(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *api_ticket_json(const struct ticket_rec *t)
{
    char ref[32], created[32], updated[32];
    tickets_format_ref(t->id, ref, sizeof(ref));
    api_iso(t->created_at, created);
    api_iso(t->updated_at, updated);
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "id", (json_int_t)t->id,
                  "reference", ref, "subject", t->subject, "status", t->status, "priority",
                  t->priority, "department", t->department, "tier", t->tier, "channel", t->channel,
                  "created_at", created, "updated_at", updated);
    json_object_set_new(j, "requester",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)t->requester_id, "name",
                                  t->requester_name, "email", t->requester_email));
    json_object_set_new(j, "assignee",
                        t->assignee_id ? json_pack("{s:I, s:s}", "id", (json_int_t)t->assignee_id,
                                                   "name", t->assignee_name)
                                       : json_null());
    json_t *tags = json_array();
    for (int i = 0; i < t->ntags; i++)
        json_array_append_new(tags, json_string(t->tags[i]));
    json_object_set_new(j, "tags", tags);
    json_t *ex = json_object();
    json_object_set_new(ex, "uid", opt(t->exchange_uid));
    json_object_set_new(ex, "txid", opt(t->txid));
    json_object_set_new(ex, "asset", opt(t->asset));
    json_object_set_new(ex, "network", opt(t->network));
    json_object_set_new(ex, "amount", opt(t->amount));
    json_object_set_new(ex, "order_id", opt(t->order_id));
    json_object_set_new(j, "exchange", ex);
    if (t->follow_up_of) {
        tickets_format_ref(t->follow_up_of, ref, sizeof(ref));
        json_object_set_new(j, "follow_up_of", json_string(ref));
    } else {
        json_object_set_new(j, "follow_up_of", json_null());
    }
    return j;
}

int api_query_int(struct http_req *req, struct http_resp *resp, const char *name, int64_t lo,
                  int64_t hi, int64_t *out)
{
    const char *s = http_req_query(req, name);
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        http_resp_error(resp, 400, "invalid_field", "%s must be an integer from %lld to %lld", name,
                        (long long)lo, (long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

void api_register(size_t attachment_max, size_t mail_max)
{
    api_mail_register(mail_max);
    http_set_hooks(before, after);
    api_auth_register();
    api_tickets_register(attachment_max);
    api_directory_register();
    api_kb_register();
    api_chat_register(attachment_max);
    api_routing_register();
    api_help_register();
    api_complaints_register();
    api_sla_register();
    api_reports_register();
    api_csat_register();
    api_status_register();
    api_social_register();
    api_triage_register();
    api_safety_register();
    api_verify_register();
    api_security_register();
}
