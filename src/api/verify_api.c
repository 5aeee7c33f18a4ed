/*
 * Protection from fake support over HTTP (docs/verify.md):
 *   GET  /verify                               the public "is this really support?" page
 *                                              (server-rendered, works without JavaScript)
 *   GET  /api/v1/verify?q=&kind=               the same answer as JSON (public)
 *   GET  /api/v1/verify/entries                the registry of official contacts (public)
 *   POST /api/v1/verify/entries                add an entry (admins)
 *   DELETE /api/v1/verify/entries/{id}         remove an entry (admins)
 *   GET  /api/v1/verify/agent-code             the signed-in agent's code for today
 *   GET  /api/v1/me/antiphishing               whether I have a code, and the code
 *   PUT  /api/v1/me/antiphishing               set or change it ({code, password})
 *   PUT  /api/v1/customers/{id}/antiphishing   set it for a customer (token with the
 *                                              customers:write scope, or an admin)
 */
#include "../auth/auth.h"
#include "../core/buf.h"
#include "../core/xalloc.h"
#include "../safety/verify.h"
#include "../store/store_verify.h"
#include "api_int.h"
#include "html.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HTML_TYPE[] = "text/html; charset=utf-8";
static const char CSP[] = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                          "script-src 'self'; frame-ancestors 'none'";

static const char *verdict_name(enum verify_verdict v)
{
    switch (v) {
    case VERIFY_OFFICIAL: return "official";
    case VERIFY_LOOKALIKE: return "lookalike";
    case VERIFY_NOT_OFFICIAL: break;
    }
    return "not_official";
}

static json_t *answer_json(const struct verify_answer *a)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "verdict", verdict_name(a->verdict), "kind",
                          a->kind, "value", a->value, "message", a->message);
    if (a->verdict != VERIFY_NOT_OFFICIAL) {
        json_object_set_new(j, "matched",
                            json_pack("{s:s, s:s, s:s}", "kind", a->matched_kind, "value",
                                      a->matched, "note", a->note));
    }
    if (a->verdict == VERIFY_LOOKALIKE)
        json_object_set_new(j, "reason", json_string(verify_look_reason(a->look)));
    if (a->agent_id) {
        json_object_set_new(j, "agent",
                            json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)a->agent_id, "name",
                                      a->matched, "department", a->note, "in_chat_now",
                                      a->agent_in_chat));
    }
    return j;
}

/* Runs a query on its own connection, without a transaction: each read stands alone
 * (so a public page never takes the write lock), and the one write (the agents' code key
 * on first use) commits by itself. Returns 0 or an FD_E code. */
static int run_query(struct store *st, const char *q, const char *kind, struct verify_answer *a,
                     struct fd_error *err)
{
    struct db *db = store_acquire(st);
    int rc = verify_query(db, q, kind, a, err);
    store_release(st, db);
    return rc;
}

static void query(struct http_req *req, struct http_resp *resp)
{
    const char *q = http_req_query(req, "q");
    if (!q) {
        http_resp_error(resp, 400, "missing_field",
                        "q is required: an e-mail address, web "
                        "address, domain, phone, handle or agent code");
        return;
    }
    struct verify_answer *a = xcalloc(1, sizeof(*a));
    struct fd_error err = {0};
    int rc = run_query(API_APP(req)->store, q, http_req_query(req, "kind"), a, &err);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200, answer_json(a));
    free(a);
}

static json_t *entry_json(const struct verify_entry_rec *e)
{
    char at[32];
    api_iso(e->created_at, at);
    return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id, "kind", e->kind, "value",
                     e->value, "note", e->note, "created_at", at);
}

static int add_entry(void *ctx, const struct verify_entry_rec *e)
{
    json_array_append_new(ctx, entry_json(e));
    return 0;
}

static void entries_list(struct http_req *req, struct http_resp *resp)
{
    const char *kind = http_req_query(req, "kind");
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_verify_entry_list(db, kind && *kind ? kind : NULL, add_entry, arr);
    store_release(API_APP(req)->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "entries", arr));
}

static const struct auth_actor *require_admin(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return NULL;
    if (a->user.role != ROLE_ADMIN || a->via_token) {
        http_resp_error(resp, 403, "forbidden", "only an administrator may change the registry");
        return NULL;
    }
    return a;
}

static void entries_add(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    static const char *const fields[] = {"kind", "value", "note", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *kind = NULL, *value = NULL, *note = "";
    if (api_str(o, "kind", 1, &kind, resp) == 0 && api_str(o, "value", 1, &value, resp) == 0 &&
        api_str(o, "note", 0, &note, resp) == 0) {
        struct verify_entry_rec *e = xcalloc(1, sizeof(*e));
        struct fd_error err = {0};
        struct db *db = store_acquire(API_APP(req)->store);
        int rc = verify_entry_add(db, a->user.id, kind, value, note, e, &err);
        store_release(API_APP(req)->store, db);
        if (rc)
            api_fail(resp, rc, &err);
        else
            http_resp_json(resp, 201, entry_json(e));
        free(e);
    }
    json_decref(o);
}

static void entries_del(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_admin(req, resp);
    if (!a)
        return;
    char *end = NULL;
    long long id = strtoll(req->params[0], &end, 10);
    if (!end || *end || id <= 0) {
        http_resp_error(resp, 400, "invalid_field", "id must be a positive integer");
        return;
    }
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = verify_entry_remove(db, a->user.id, (int64_t)id);
    store_release(API_APP(req)->store, db);
    if (rc == FD_ENOTFOUND)
        http_resp_error(resp, 404, "not_found", "no registry entry %lld", id);
    else if (rc)
        api_fail(resp, rc, NULL);
    else
        http_resp_json(resp, 200, json_pack("{s:b}", "removed", 1));
}

static void agent_code(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    char code[16];
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = db_begin_write(db);
    if (rc == 0) {
        rc = verify_agent_code(db, a->user.id, code, sizeof(code));
        if (rc == 0)
            rc = db_commit(db);
        if (rc)
            db_rollback(db);
    }
    store_release(API_APP(req)->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:s, s:s}", "code", code, "message",
                             "Customers can check this code on /verify. It changes every day "
                             "(UTC)."));
}

/* ---- anti-phishing codes ---- */

static void my_code(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    if (a->user.role != ROLE_CUSTOMER || a->via_token) {
        http_resp_error(resp, 403, "forbidden", "anti-phishing codes are for customers' sessions");
        return;
    }
    char code[ANTIPHISH_MAX + 1];
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = antiphish_get(db, a->user.id, code, sizeof(code));
    store_release(API_APP(req)->store, db);
    if (rc && rc != FD_ENOTFOUND) {
        api_fail(resp, rc, NULL);
        return;
    }
    char line[64] = "";
    if (rc == 0)
        antiphish_line(code, line, sizeof(line));
    http_resp_json(resp, 200,
                   json_pack("{s:b, s:o, s:o}", "has_code", rc == 0, "code",
                             rc == 0 ? json_string(code) : json_null(), "line",
                             rc == 0 ? json_string(line) : json_null()));
    sodium_memzero(code, sizeof(code));
    sodium_memzero(line, sizeof(line));
}

static void set_common(struct http_req *req, struct http_resp *resp, int64_t user_id,
                       int64_t actor_id, int need_password)
{
    static const char *const fields[] = {"code", "password", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *code = NULL, *password = NULL;
    json_t *cv = json_object_get(o, "code");
    if (!cv || !(json_is_string(cv) || json_is_null(cv))) {
        http_resp_error(resp, 400, cv ? "invalid_field" : "missing_field",
                        "code must be 4 to 20 letters or digits, or null to remove it");
        json_decref(o);
        return;
    }
    code = json_is_string(cv) ? json_string_value(cv) : NULL;
    if (api_str(o, "password", need_password, &password, resp) == 0) {
        if (!need_password && password) {
            http_resp_error(resp, 400, "invalid_field", "password is only for customers");
        } else {
            struct fd_error err = {0};
            struct db *db = store_acquire(API_APP(req)->store);
            int rc =
                antiphish_set(db, user_id, code, need_password ? password : NULL, actor_id, &err);
            store_release(API_APP(req)->store, db);
            if (rc == FD_EAUTH)
                http_resp_error(resp, 403, "wrong_password", "%s", err.message);
            else if (rc)
                api_fail(resp, rc, &err);
            else
                http_resp_json(resp, 200, json_pack("{s:b}", "has_code", code != NULL));
        }
    }
    json_decref(o);
}

static void my_code_set(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    if (a->user.role != ROLE_CUSTOMER || a->via_token) {
        http_resp_error(resp, 403, "forbidden", "anti-phishing codes are for customers' sessions");
        return;
    }
    set_common(req, resp, a->user.id, a->user.id, 1);
}

static void customer_code_set(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    int allowed = a->via_token ? auth_has_scope(a, SCOPE_CUSTOMERS_WRITE) && auth_is_staff(a)
                               : a->user.role == ROLE_ADMIN;
    if (!allowed) {
        http_resp_error(resp, 403, "forbidden",
                        "needs an API token with the customers:write scope (or an admin)");
        return;
    }
    char *end = NULL;
    long long id = strtoll(req->params[0], &end, 10);
    if (!end || *end || id <= 0) {
        http_resp_error(resp, 400, "invalid_field", "id must be a positive integer");
        return;
    }
    set_common(req, resp, (int64_t)id, a->user.id, 0);
}

/* ---- the /verify page ---- */

static const char *const kind_titles[][2] = {
    {"domain", "Websites"},   {"email", "E-mail addresses"}, {"phone", "Phone numbers"},
    {"telegram", "Telegram"}, {"x", "X (Twitter)"},
};

struct page_list {
    struct html *h;
    const char *kind;
    int n;
};

static int page_entry(void *ctx, const struct verify_entry_rec *e)
{
    struct page_list *l = ctx;
    if (strcmp(e->kind, l->kind))
        return 0;
    if (!l->n++)
        html_raw(l->h, "<ul>");
    html_raw(l->h, "<li><code>");
    if (!strcmp(e->kind, "telegram") || !strcmp(e->kind, "x"))
        html_raw(l->h, "@");
    html_text(l->h, e->value);
    html_raw(l->h, "</code>");
    if (e->note[0]) {
        html_raw(l->h, " — ");
        html_text(l->h, e->note);
    }
    html_raw(l->h, "</li>");
    return 0;
}

static void page(struct http_req *req, struct http_resp *resp)
{
    const char *q = http_req_query(req, "q");
    struct html h;
    html_init(&h, 1 << 20);
    html_raw(&h, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<meta name=\"referrer\" content=\"no-referrer\">\n"
                 "<title>Is this really Frontdesk support? — Verify</title>\n"
                 "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
                 "<link rel=\"stylesheet\" href=\"/static/help.css\">\n</head>\n"
                 "<body class=\"app-help\">\n<header class=\"topbar\"><div class=\"topbar-inner\">"
                 "<a class=\"brand\" href=\"/help\"><span class=\"brand-mark\" "
                 "aria-hidden=\"true\">FD</span><span class=\"brand-name\">Frontdesk</span>"
                 "<span class=\"brand-product\">Verify</span></a><nav class=\"topnav\" "
                 "aria-label=\"Main\"><a href=\"/help\">Help center</a><a href=\"/verify\" "
                 "aria-current=\"page\">Verify</a><a href=\"/support\">Contact support</a>"
                 "</nav></div></header>\n<main id=\"main\" class=\"container\">\n"
                 "<h1>Is this really Frontdesk support?</h1>\n"
                 "<p>Scammers pretend to be exchange support. Check an e-mail address, web "
                 "address, phone number, Telegram or X account, or the agent code shown in "
                 "your chat.</p>\n"
                 "<form class=\"verify-form\" method=\"get\" action=\"/verify\" role=\"search\">"
                 "<label for=\"verify-q\">Address, number, handle or agent code</label> "
                 "<input id=\"verify-q\" name=\"q\" type=\"text\" maxlength=\"1000\" "
                 "autocomplete=\"off\" required value=\"");
    html_text(&h, q);
    html_raw(&h, "\"> <button class=\"btn btn-primary\" type=\"submit\">Check</button>"
                 "</form>\n");
    int status = 200;
    if (q) {
        struct verify_answer *a = xcalloc(1, sizeof(*a));
        struct fd_error err = {0};
        int rc = run_query(API_APP(req)->store, q, http_req_query(req, "kind"), a, &err);
        if (rc == FD_EINVAL) {
            status = 400;
            html_raw(&h, "<section class=\"verify-result verify-error card\" role=\"alert\">"
                         "<p>");
            html_text(&h, err.message);
            html_raw(&h, "</p></section>\n");
        } else if (rc) {
            status = 500;
            html_raw(&h, "<section class=\"verify-result verify-error card\" role=\"alert\">"
                         "<p>The check failed. Please try again in a moment.</p></section>\n");
        } else {
            const char *v = verdict_name(a->verdict);
            const char *title = a->verdict == VERIFY_OFFICIAL    ? "Official"
                                : a->verdict == VERIFY_LOOKALIKE ? "Warning: a look-alike"
                                                                 : "Not official";
            html_raw(&h, "<section class=\"verify-result verify-");
            html_raw(&h, v);
            html_raw(&h, " card\" role=\"status\" data-verdict=\"");
            html_raw(&h, v);
            html_raw(&h, "\"><h2>");
            html_raw(&h, title);
            html_raw(&h, "</h2><p class=\"verify-message\">");
            html_text(&h, a->message);
            html_raw(&h, "</p>");
            if (a->verdict != VERIFY_OFFICIAL)
                html_raw(&h, "<p>If someone contacted you this way, <a href=\"/support\">open a "
                             "ticket</a> or forward the message to our phishing address. We "
                             "will never ask for your password, 2FA codes, seed phrase or "
                             "private keys.</p>");
            html_raw(&h, "</section>\n");
        }
        free(a);
    }
    html_raw(&h, "<section class=\"verify-official\"><h2>Our official channels</h2>\n");
    struct db *db = store_acquire(API_APP(req)->store);
    int any = 0;
    for (size_t i = 0; i < sizeof(kind_titles) / sizeof(kind_titles[0]); i++) {
        struct html sec;
        html_init(&sec, 1 << 19);
        struct page_list l = {&sec, kind_titles[i][0], 0};
        if (store_verify_entry_list(db, kind_titles[i][0], page_entry, &l) == 0 && l.n) {
            html_raw(&h, "<h3>");
            html_raw(&h, kind_titles[i][1]);
            html_raw(&h, "</h3>");
            html_rawn(&h, sec.b.ptr, sec.b.len);
            if (sec.overflow)
                h.overflow = 1;
            html_raw(&h, "</ul>\n");
            any = 1;
        }
        html_release(&sec);
    }
    store_release(API_APP(req)->store, db);
    if (!any)
        html_raw(&h, "<p>No official channels are listed yet.</p>\n");
    html_raw(&h, "<p>Set an <strong>anti-phishing code</strong> in <a href=\"/support\">your "
                 "account</a>: every genuine message from us shows it as “Your "
                 "anti-phishing code: …”.</p></section>\n</main>\n</body>\n</html>\n");
    if (h.overflow) {
        html_release(&h);
        http_resp_error(resp, 500, "internal", "the page could not be built");
        return;
    }
    http_resp_bytes(resp, status, HTML_TYPE, h.b.ptr, h.b.len);
    html_release(&h);
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_header(resp, "Content-Security-Policy", CSP);
}

void api_verify_register(void)
{
    http_route("GET", "/verify", page);
    http_route("GET", "/api/v1/verify", query);
    http_route("GET", "/api/v1/verify/entries", entries_list);
    http_route("POST", "/api/v1/verify/entries", entries_add);
    http_route("DELETE", "/api/v1/verify/entries/{id}", entries_del);
    http_route("GET", "/api/v1/verify/agent-code", agent_code);
    http_route("GET", "/api/v1/me/antiphishing", my_code);
    http_route("PUT", "/api/v1/me/antiphishing", my_code_set);
    http_route("PUT", "/api/v1/customers/{id}/antiphishing", customer_code_set);
}
