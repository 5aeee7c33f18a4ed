/* Sign-up, sign-in, sign-out, the current user, and API tokens. */
#include "../auth/totp.h"
#include "../core/config.h"
#include "../core/log.h"
#include "api_int.h"

#include <stdio.h>
#include <string.h>

static void set_cookie(struct http_req *req, struct http_resp *resp, const char *token,
                       long max_age)
{
    int secure = api_request_is_tls(req);
    char v[256];
    snprintf(v, sizeof(v), "fd_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", token,
             max_age, secure ? "; Secure" : "");
    http_resp_header(resp, "Set-Cookie", v);
}

static json_t *session_json(const struct auth_actor *a)
{
    return json_pack("{s:o, s:s}", "user", api_user_json(&a->user), "csrf_token", a->csrf);
}

static void signup(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"email", "name", "password", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *email = NULL, *name = NULL, *password = NULL;
    if (api_str(o, "email", 1, &email, resp) || api_str(o, "name", 1, &name, resp) ||
        api_str(o, "password", 1, &password, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct user_rec u;
    struct db *db = store_acquire(app->store);
    int rc = auth_user_create(db, email, name, ROLE_CUSTOMER, NULL, 0, password, &u, &err);
    struct auth_actor a;
    char token[AUTH_TOKEN_HEX + 1];
    if (rc == 0)
        rc = auth_session_start(db, &app->limits, &u, &a, token);
    if (rc == 0) {
        char ip[64];
        api_client_ip(req, ip, sizeof(ip));
        auth_session_describe(db, token, ip, http_req_header(req, "User-Agent"));
    }
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        goto out;
    }
    set_cookie(req, resp, token, app->cfg->session_ttl_s);
    http_resp_json(resp, 201, session_json(&a));
    log_printf(LOG_INFO, "auth", "req=%s msg=\"signed up\" user=%lld", req->request_id,
               (long long)u.id);
out:
    json_decref(o);
}

static void login(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"email", "password", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *email = NULL, *password = NULL;
    if (api_str(o, "email", 1, &email, resp) || api_str(o, "password", 1, &password, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct auth_actor a;
    char token[AUTH_TOKEN_HEX + 1], ip[64];
    int need_code = 0;
    api_client_ip(req, ip, sizeof(ip));
    struct db *db = store_acquire(app->store);
    int rc = auth_login_ex(db, &app->limits, email, password, ip, &a, token, &need_code, &err);
    if (rc == 0 && !need_code)
        auth_session_describe(db, token, ip, http_req_header(req, "User-Agent"));
    store_release(app->store, db);
    if (rc == FD_EFORBIDDEN && strcmp(err.field, "locked") == 0) {
        http_resp_error(resp, 423, "account_locked", "%s", err.message);
        goto out;
    }
    if (rc == 0 && need_code) {
        /* Password right; the session waits for the second factor. */
        http_resp_json(resp, 200,
                       json_pack("{s:b, s:s, s:I}", "two_factor_required", 1, "challenge", token,
                                 "expires_in", (json_int_t)(app->limits.challenge_ttl_ms / 1000)));
        goto out;
    }
    if (rc) {
        log_printf(LOG_INFO, "auth", "req=%s msg=\"sign-in refused\" ip=%s reason=%s",
                   req->request_id, req->remote_ip ? req->remote_ip : "-", fd_strerror(rc));
        api_fail(resp, rc, &err);
        goto out;
    }
    set_cookie(req, resp, token, app->cfg->session_ttl_s);
    http_resp_json(resp, 200, session_json(&a));
out:
    json_decref(o);
}

static void login_2fa(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"challenge", "code", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *challenge = NULL, *code = NULL;
    if (api_str(o, "challenge", 1, &challenge, resp) || api_str(o, "code", 1, &code, resp))
        goto out;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct auth_actor a;
    char token[AUTH_TOKEN_HEX + 1], ip[64];
    api_client_ip(req, ip, sizeof(ip));
    struct db *db = store_acquire(app->store);
    int rc = auth_login_code(db, &app->limits, challenge, code, ip, &a, token, &err);
    if (rc == 0)
        auth_session_describe(db, token, ip, http_req_header(req, "User-Agent"));
    store_release(app->store, db);
    if (rc == FD_EAUTH) {
        log_printf(LOG_INFO, "auth", "req=%s msg=\"two-factor code refused\" ip=%s",
                   req->request_id, ip);
        http_resp_error(resp, 401,
                        strcmp(err.field, "challenge") == 0 ? "challenge_expired" : "invalid_code",
                        "%s", err.message);
        goto out;
    }
    if (rc) {
        api_fail(resp, rc, &err);
        goto out;
    }
    set_cookie(req, resp, token, app->cfg->session_ttl_s);
    http_resp_json(resp, 200, session_json(&a));
out:
    json_decref(o);
}

static void logout(struct http_req *req, struct http_resp *resp)
{
    const char *cookie = http_req_cookie(req, "fd_session");
    if (cookie && *cookie) {
        struct app *app = API_APP(req);
        struct db *db = store_acquire(app->store);
        int rc = auth_logout(db, cookie);
        store_release(app->store, db);
        if (rc) {
            api_fail(resp, rc, NULL);
            return;
        }
    }
    set_cookie(req, resp, "", 0);
    resp->status = 204;
}

static void me(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    json_t *j = json_pack("{s:o}", "user", api_user_json(&a->user));
    json_object_set_new(j, "csrf_token", a->via_token ? json_null() : json_string(a->csrf));
    json_object_set_new(j, "two_factor_enrolment_required", json_boolean(a->must_enrol));
    http_resp_json(resp, 200, j);
}

static void token_create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    if (a->via_token) {
        http_resp_error(resp, 403, "forbidden", "API tokens cannot create API tokens");
        return;
    }
    static const char *const fields[] = {"name", "scopes", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *name = NULL;
    if (api_str(o, "name", 1, &name, resp))
        goto out;
    if (!*name || strlen(name) > 80) {
        http_resp_error(resp, 400, "invalid_field", "name must be 1 to 80 characters");
        goto out;
    }
    json_t *scopes = json_object_get(o, "scopes");
    if (!json_is_array(scopes) || json_array_size(scopes) == 0) {
        http_resp_error(resp, 400, scopes ? "invalid_field" : "missing_field",
                        "scopes must be a non-empty array of tickets:read, tickets:write, "
                        "users:read");
        goto out;
    }
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(scopes, i, v)
    {
        unsigned b = json_is_string(v) ? auth_scope_parse(json_string_value(v)) : 0;
        if (!b) {
            http_resp_error(resp, 400, "invalid_field", "scopes[%zu] is not a known scope", i);
            goto out;
        }
        bits |= b;
    }
    struct app *app = API_APP(req);
    char token[AUTH_TOKEN_HEX + 8];
    int64_t id = 0;
    struct db *db = store_acquire(app->store);
    int rc = auth_token_create(db, a, name, bits, token, &id);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        goto out;
    }
    json_t *j = json_pack("{s:s, s:I, s:s, s:O}", "token", token, "id", (json_int_t)id, "name",
                          name, "scopes", scopes);
    http_resp_json(resp, 201, j);
out:
    json_decref(o);
}

void api_auth_register(void)
{
    http_route("POST", "/api/v1/auth/signup", signup);
    http_route("POST", "/api/v1/auth/login", login);
    http_route("POST", "/api/v1/auth/login/2fa", login_2fa);
    http_route("POST", "/api/v1/auth/logout", logout);
    http_route("GET", "/api/v1/me", me);
    http_route("POST", "/api/v1/tokens", token_create);
}
