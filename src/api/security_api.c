/*
 * Account security over HTTP: two-factor enrolment and settings, sessions (list, revoke),
 * password change, account unlock, the admin audit view, rate limits of the public
 * endpoints, and the client address / TLS as seen through a trusted proxy.
 * See docs/security.md.
 */
#include "../auth/ratelimit.h"
#include "../auth/totp.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../store/store_security.h"
#include "api_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_security_limits(const struct fd_config *cfg, struct auth_limits *lim)
{
    lim->session_idle_ms = cfg->session_idle_s * 1000;
    lim->login_ip_max_failures = cfg->login_ip_max_failures;
    lim->lockout_failures = cfg->lockout_failures;
    lim->lockout_window_ms = cfg->lockout_window_s * 1000;
    lim->challenge_ttl_ms = cfg->twofactor_challenge_s * 1000;
}

/* ---- client address and TLS ---------------------------------------------------- */

static int from_trusted_proxy(const struct http_req *req)
{
    const struct fd_config *cfg = API_APP(req)->cfg;
    return cfg->trusted_proxy[0] && req->remote_ip &&
           strcmp(req->remote_ip, cfg->trusted_proxy) == 0;
}

void api_client_ip(const struct http_req *req, char *out, size_t n)
{
    snprintf(out, n, "%s", req->remote_ip ? req->remote_ip : "");
    if (!from_trusted_proxy(req))
        return;
    /* The proxy appends the address it saw last: that one is the client's. */
    const char *xff = http_req_header(req, "X-Forwarded-For");
    if (!xff || !*xff)
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    size_t len = strcspn(last, " ");
    if (len > 0 && len < n && len < 64)
        snprintf(out, n, "%.*s", (int)len, last);
}

int api_request_is_tls(const struct http_req *req)
{
    const struct fd_config *cfg = API_APP(req)->cfg;
    if (strncmp(cfg->base_url, "https://", 8) == 0)
        return 1;
    const char *proto = from_trusted_proxy(req) ? http_req_header(req, "X-Forwarded-Proto") : NULL;
    return proto && strcmp(proto, "https") == 0;
}

/* ---- rate limits ---------------------------------------------------------------- */

static struct ratelimit *limiter;

enum rl_class { RL_NONE, RL_SIGNIN, RL_SIGNUP, RL_TICKETS, RL_SEARCH, RL_CHAT, RL_VERIFY };

static enum rl_class class_of(const struct http_req *req)
{
    static const struct {
        const char *method, *route;
        enum rl_class c;
    } map[] = {
        {"POST", "/api/v1/auth/login", RL_SIGNIN},
        {"POST", "/api/v1/auth/login/2fa", RL_SIGNIN},
        {"POST", "/api/v1/auth/signup", RL_SIGNUP},
        {"POST", "/api/v1/tickets", RL_TICKETS},
        {"GET", "/api/v1/kb/search", RL_SEARCH},
        {"GET", "/api/v1/kb/suggest", RL_SEARCH},
        {"POST", "/api/v1/kb/deflect", RL_SEARCH},
        {"GET", "/help/search", RL_SEARCH},
        {"POST", "/api/v1/chat", RL_CHAT},
        {"GET", "/api/v1/verify", RL_VERIFY},
        {"GET", "/verify", RL_VERIFY},
    };
    if (!req->route)
        return RL_NONE;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(req->method, map[i].method) == 0 && strcmp(req->route, map[i].route) == 0)
            return map[i].c;
    return RL_NONE;
}

static const char *class_name(enum rl_class c)
{
    switch (c) {
    case RL_SIGNIN: return "signin";
    case RL_SIGNUP: return "signup";
    case RL_TICKETS: return "tickets";
    case RL_SEARCH: return "search";
    case RL_CHAT: return "chat";
    case RL_VERIFY: return "verify";
    case RL_NONE: break;
    }
    return "none";
}

static void rules_of(const struct fd_config *cfg, enum rl_class c, const char **ip,
                     const char **account)
{
    *ip = *account = NULL;
    switch (c) {
    case RL_SIGNIN:
        *ip = cfg->rate_signin_ip;
        *account = cfg->rate_signin_account;
        break;
    case RL_SIGNUP: *ip = cfg->rate_signup_ip; break;
    case RL_TICKETS:
        *ip = cfg->rate_tickets_ip;
        *account = cfg->rate_tickets_account;
        break;
    case RL_SEARCH:
        *ip = cfg->rate_search_ip;
        *account = cfg->rate_search_account;
        break;
    case RL_CHAT:
        *ip = cfg->rate_chat_ip;
        *account = cfg->rate_chat_account;
        break;
    case RL_VERIFY: *ip = cfg->rate_verify_ip; break;
    case RL_NONE: break;
    }
}

/* Takes a token of rule for key; answers 429 with Retry-After and returns -1 when empty. */
static int take(struct http_req *req, struct http_resp *resp, const char *rule, const char *key)
{
    int64_t n = 0, w = 0, retry = 0;
    if (!rule || ratelimit_rule_parse(rule, &n, &w) || n == 0)
        return 0;
    if (ratelimit_take(limiter, key, n, w, fd_now_ms(), &retry) == 0)
        return 0;
    long secs = (long)((retry + 999) / 1000);
    if (secs < 1)
        secs = 1;
    char v[24];
    snprintf(v, sizeof(v), "%ld", secs);
    http_resp_header(resp, "Retry-After", v);
    http_resp_error(resp, 429, "rate_limited", "too many requests; try again in %ld seconds", secs);
    log_printf(LOG_INFO, "security", "req=%s msg=\"rate limited\" key=%s", req->request_id, key);
    return -1;
}

/* For sign-in, the account is the email in the body (before anyone is signed in). */
static void signin_email(const struct http_req *req, char *out, size_t n)
{
    out[0] = '\0';
    json_t *o = req->body ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
    const char *e = json_string_value(json_object_get(o, "email"));
    if (e) {
        size_t i = 0;
        for (; e[i] && i + 1 < n; i++)
            out[i] = (char)((e[i] >= 'A' && e[i] <= 'Z') ? e[i] - 'A' + 'a' : e[i]);
        out[i] = '\0';
    }
    json_decref(o);
}

int api_security_limit(struct http_req *req, struct http_resp *resp, const struct auth_actor *actor)
{
    enum rl_class c = class_of(req);
    if (c == RL_NONE || !limiter)
        return 0;
    const struct fd_config *cfg = API_APP(req)->cfg;
    const char *ip_rule, *acct_rule;
    rules_of(cfg, c, &ip_rule, &acct_rule);
    char key[128], ip[64];
    api_client_ip(req, ip, sizeof(ip));
    snprintf(key, sizeof(key), "%s:ip:%s", class_name(c), ip);
    if (take(req, resp, ip_rule, key))
        return -1;
    if (actor) {
        snprintf(key, sizeof(key), "%s:user:%lld", class_name(c), (long long)actor->user.id);
        return take(req, resp, acct_rule, key);
    }
    if (c == RL_SIGNIN) {
        char email[FD_EMAIL_MAX + 1];
        signin_email(req, email, sizeof(email));
        if (email[0]) {
            snprintf(key, sizeof(key), "signin:acct:%.100s", email);
            return take(req, resp, acct_rule, key);
        }
    }
    return 0;
}

/* Staff who must enrol may reach only these until they have. */
int api_security_gate(struct http_req *req, struct http_resp *resp, const struct auth_actor *a)
{
    if (!a->must_enrol || !req->route)
        return 0;
    if (strcmp(req->route, "/api/v1/me") == 0 || strncmp(req->route, "/api/v1/me/2fa", 14) == 0 ||
        strcmp(req->route, "/api/v1/auth/logout") == 0)
        return 0;
    http_resp_error(resp, 403, "two_factor_enrolment_required",
                    "two-factor sign-in is required: enrol at /api/v1/me/2fa/enrol first");
    return -1;
}

/* ---- two-factor ----------------------------------------------------------------- */

static const struct auth_actor *require_session(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (a && a->via_token) {
        http_resp_error(resp, 403, "forbidden", "API tokens cannot manage account security");
        return NULL;
    }
    return a;
}

static const struct auth_actor *require_admin(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (a && a->user.role != ROLE_ADMIN) {
        http_resp_error(resp, 403, "forbidden", "only an admin may do this");
        return NULL;
    }
    return a;
}

static void twofa_status(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    int on = 0, enforced = 0;
    int64_t left = 0;
    int rc = auth_totp_status(db, a->user.id, &on, &left);
    if (rc == 0)
        rc = auth_2fa_enforced(db, &enforced);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:b, s:I, s:b, s:b}", "enabled", on, "recovery_codes_left",
                             (json_int_t)left, "enforced", enforced && auth_is_staff(a),
                             "available", auth_is_staff(a)));
}

static void twofa_enrol(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct totp_enrolment en;
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = auth_totp_enrol(db, &a->user, "Frontdesk", &en, &err);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 201,
                   json_pack("{s:s, s:s, s:i, s:i}", "secret", en.secret_b32, "otpauth_uri", en.uri,
                             "digits", TOTP_DIGITS, "period", TOTP_STEP_S));
    sodium_memzero(&en, sizeof(en));
}

static int read_code(struct http_req *req, struct http_resp *resp, json_t **o, const char **code,
                     int required)
{
    static const char *const fields[] = {"code", NULL};
    *o = api_body_object(req, resp, fields);
    if (!*o)
        return -1;
    *code = NULL;
    if (api_str(*o, "code", required, code, resp))
        return -1;
    return 0;
}

static void twofa_confirm(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    json_t *o = NULL;
    const char *code;
    if (read_code(req, resp, &o, &code, 1))
        goto out;
    struct app *app = API_APP(req);
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1];
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = auth_totp_confirm(db, &a->user, code, codes, &err);
    store_release(app->store, db);
    if (rc == FD_EAUTH) {
        http_resp_error(resp, 400, "invalid_code", "%s", err.message);
        goto out;
    }
    if (rc) {
        api_fail(resp, rc, &err);
        goto out;
    }
    json_t *arr = json_array();
    for (int i = 0; i < TOTP_RECOVERY_CODES; i++)
        json_array_append_new(arr, json_string(codes[i]));
    sodium_memzero(codes, sizeof(codes));
    http_resp_json(resp, 200, json_pack("{s:b, s:o}", "enabled", 1, "recovery_codes", arr));
out:
    json_decref(o);
}

static void twofa_disable(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    json_t *o = NULL;
    const char *code;
    if (read_code(req, resp, &o, &code, 1))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = auth_totp_disable(db, &a->user, a->user.id, code, &err);
    store_release(app->store, db);
    if (rc == FD_EAUTH) {
        http_resp_error(resp, 400, "invalid_code", "%s", err.message);
        goto out;
    }
    if (rc) {
        api_fail(resp, rc, &err);
        goto out;
    }
    resp->status = 204;
out:
    json_decref(o);
}

static int path_id(struct http_req *req, struct http_resp *resp, int i, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = req->nparams > i ? strtoll(req->params[i], &end, 10) : 0;
    if (req->nparams <= i || errno || *end || v <= 0) {
        http_resp_error(resp, 404, "not_found", "no such id");
        return -1;
    }
    *out = v;
    return 0;
}

static void user_twofa_delete(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || path_id(req, resp, 0, &id))
        return;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = auth_totp_disable(db, &a->user, id, NULL, &err);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    resp->status = 204;
}

static void settings_get(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    int on = 0;
    int rc = auth_2fa_enforced(db, &on);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    const struct fd_config *c = app->cfg;
    http_resp_json(resp, 200,
                   json_pack("{s:b, s:I, s:I, s:I, s:I}", "enforce_2fa", on, "session_ttl_s",
                             (json_int_t)c->session_ttl_s, "session_idle_s",
                             (json_int_t)c->session_idle_s, "lockout_failures",
                             (json_int_t)c->lockout_failures, "login_ip_max_failures",
                             (json_int_t)c->login_ip_max_failures));
}

static void settings_put(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    static const char *const fields[] = {"enforce_2fa", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int on = -1;
    if (api_bool(o, "enforce_2fa", &on, resp))
        goto out;
    if (on < 0) {
        http_resp_error(resp, 400, "missing_field", "enforce_2fa is required");
        goto out;
    }
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    int rc = auth_2fa_set_enforced(db, &a->user, on);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        goto out;
    }
    settings_get(req, resp);
out:
    json_decref(o);
}

static void user_unlock(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id;
    if (!a || path_id(req, resp, 0, &id))
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    int rc = auth_user_unlock(db, &a->user, id);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    resp->status = 204;
}

/* ---- sessions --------------------------------------------------------------------- */

struct sess_list {
    json_t *arr;
    int64_t current;
};

static int sess_cb(void *ctx, const struct session_rec *s)
{
    struct sess_list *l = ctx;
    char created[32], seen[32], expires[32];
    api_iso(s->created_at, created);
    api_iso(s->last_seen_at, seen);
    api_iso(s->expires_at, expires);
    json_array_append_new(l->arr, json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s, s:b}", "id",
                                            (json_int_t)s->id, "ip", s->ip[0] ? s->ip : NULL,
                                            "user_agent", s->user_agent[0] ? s->user_agent : NULL,
                                            "created_at", created, "last_seen_at", seen,
                                            "expires_at", expires, "current", s->id == l->current));
    return 0;
}

static void sessions_list(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    struct app *app = API_APP(req);
    struct sess_list l = {json_array(), a->session_id};
    struct db *db = store_acquire(app->store);
    int rc = store_session_list_user(db, a->user.id, fd_now_ms(), sess_cb, &l);
    store_release(app->store, db);
    if (rc) {
        json_decref(l.arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "sessions", l.arr));
}

/* Deletes sessions of user (one id, all but keep, or all) with an event, in one
 * transaction. */
static int revoke(struct db *db, int64_t actor, int64_t user, int64_t id, int64_t keep, int64_t *n)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    *n = 1;
    if (id)
        rc = store_session_delete_id(db, user, id);
    else
        rc = store_session_delete_others(db, user, keep, n);
    if (rc == 0) {
        char data[96];
        snprintf(data, sizeof(data), "{\"user_id\":%lld,\"sessions\":%lld}", (long long)user,
                 (long long)*n);
        rc = store_event_insert(db, 0, actor, "sessions_revoked", data, fd_now_ms());
    }
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

static void session_delete(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    int64_t id, n = 0;
    if (!a || path_id(req, resp, 0, &id))
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    int rc = revoke(db, a->user.id, a->user.id, id, 0, &n);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    resp->status = 204;
}

static void sessions_revoke_others(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    struct app *app = API_APP(req);
    int64_t n = 0;
    struct db *db = store_acquire(app->store);
    int rc = revoke(db, a->user.id, a->user.id, 0, a->session_id, &n);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:I}", "revoked", (json_int_t)n));
}

static void user_sessions_delete(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    int64_t id, n = 0;
    if (!a || path_id(req, resp, 0, &id))
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    struct user_rec u;
    int rc = store_user_get(db, id, &u);
    if (rc == 0)
        rc = revoke(db, a->user.id, id, 0, id == a->user.id ? a->session_id : 0, &n);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:I}", "revoked", (json_int_t)n));
}

static void password_change(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_session(req, resp);
    if (!a)
        return;
    static const char *const fields[] = {"current_password", "new_password", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *cur = NULL, *nw = NULL;
    if (api_str(o, "current_password", 1, &cur, resp) || api_str(o, "new_password", 1, &nw, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    int64_t n = 0;
    struct db *db = store_acquire(app->store);
    int rc = auth_password_change(db, &a->user, cur, nw, a->session_id, &n, &err);
    store_release(app->store, db);
    if (rc == FD_EAUTH) {
        http_resp_error(resp, 400, "invalid_field", "current_password is wrong");
        goto out;
    }
    if (rc) {
        api_fail(resp, rc, &err);
        goto out;
    }
    http_resp_json(resp, 200, json_pack("{s:I}", "sessions_revoked", (json_int_t)n));
out:
    json_decref(o);
}

/* ---- audit ------------------------------------------------------------------------- */

static int audit_cb(void *ctx, const struct event_rec *e)
{
    json_t *arr = ctx;
    char at[32];
    api_iso(e->created_at, at);
    json_t *data = json_loads(e->data ? e->data : "{}", 0, NULL);
    json_t *j = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)e->id, "type", e->type,
                          "created_at", at, "data", data ? data : json_object());
    json_object_set_new(
        j, "actor",
        e->actor_id ? json_pack("{s:I, s:s}", "id", (json_int_t)e->actor_id, "name", e->actor_name)
                    : json_null());
    json_array_append_new(arr, j);
    return 0;
}

static int query_time(struct http_req *req, struct http_resp *resp, const char *name, int64_t *out)
{
    const char *s = http_req_query(req, name);
    if (!s)
        return 0;
    /* Accepts Unix milliseconds or YYYY-MM-DD (UTC midnight). */
    int y, m, d;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && end != s && !*end && v >= 0) {
        *out = v;
        return 0;
    }
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        y = (int)strtol(s, NULL, 10);
        m = (int)strtol(s + 5, NULL, 10);
        d = (int)strtol(s + 8, NULL, 10);
        if (y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
            /* Days from civil (H. Hinnant). */
            int yy = y - (m <= 2);
            int era = yy / 400;
            int yoe = yy - era * 400;
            int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
            int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            int64_t days = (int64_t)era * 146097 + doe - 719468;
            *out = days * 86400000LL;
            return 0;
        }
    }
    http_resp_error(resp, 400, "invalid_field", "%s must be Unix milliseconds or YYYY-MM-DD", name);
    return -1;
}

static void audit(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    struct audit_filter f = {.limit = 50};
    int64_t limit = 50;
    const char *type = http_req_query(req, "type");
    if (api_query_int(req, resp, "actor", 1, INT64_MAX, &f.actor_id) ||
        api_query_int(req, resp, "before", 1, INT64_MAX, &f.before_id) ||
        api_query_int(req, resp, "limit", 1, 200, &limit) ||
        query_time(req, resp, "since", &f.since) || query_time(req, resp, "until", &f.until))
        return;
    if (type && (!*type || strlen(type) > 31)) {
        http_resp_error(resp, 400, "invalid_field", "type must be 1 to 31 characters");
        return;
    }
    f.type = type;
    f.limit = (int)limit + 1;
    struct app *app = API_APP(req);
    json_t *arr = json_array();
    struct db *db = store_acquire(app->store);
    int rc = store_audit_list(db, &f, audit_cb, arr);
    store_release(app->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    json_t *next = json_null();
    if (json_array_size(arr) > (size_t)limit) {
        json_array_remove(arr, (size_t)limit);
        json_t *last = json_array_get(arr, (size_t)limit - 1);
        next = json_integer(json_integer_value(json_object_get(last, "id")));
    }
    http_resp_json(resp, 200, json_pack("{s:o, s:o}", "events", arr, "next_before", next));
}

void api_security_register(void)
{
    if (!limiter)
        limiter = ratelimit_new(1 << 14);
    http_route("GET", "/api/v1/me/2fa", twofa_status);
    http_route("POST", "/api/v1/me/2fa/enrol", twofa_enrol);
    http_route("POST", "/api/v1/me/2fa/confirm", twofa_confirm);
    http_route("POST", "/api/v1/me/2fa/disable", twofa_disable);
    http_route("GET", "/api/v1/me/sessions", sessions_list);
    http_route("DELETE", "/api/v1/me/sessions/{id}", session_delete);
    http_route("POST", "/api/v1/me/sessions/revoke-others", sessions_revoke_others);
    http_route("POST", "/api/v1/me/password", password_change);
    http_route("DELETE", "/api/v1/users/{id}/2fa", user_twofa_delete);
    http_route("DELETE", "/api/v1/users/{id}/sessions", user_sessions_delete);
    http_route("POST", "/api/v1/users/{id}/unlock", user_unlock);
    http_route("GET", "/api/v1/security/settings", settings_get);
    http_route("PUT", "/api/v1/security/settings", settings_put);
    http_route("GET", "/api/v1/audit", audit);
}
