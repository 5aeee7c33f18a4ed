/*
 * The status page (issue 8, docs/status.md):
 *   GET  /api/v1/status                        public JSON: components, incidents, maintenance
 *   GET  /api/v1/status/banner                 public: live incidents for the widgets' banner
 *   GET  /api/v1/status/incidents/{id}         public: one incident with its timeline
 *   POST /api/v1/status/incidents              supervisors/admins publish
 *   POST /api/v1/status/incidents/{id}/updates supervisors/admins add an update
 *   GET  /status                               server-rendered page (no JavaScript)
 *   GET  /status/feed.atom                     Atom 1.0 feed
 *
 * Pages and the feed are built in one struct html (html.h); html_text() is the one escape for
 * HTML and XML text and attribute values alike: it escapes &, <, >, " and ' and drops
 * the control characters XML 1.0 forbids. No text from the database or the request is
 * written any other way. Staff-only details (keywords, authors) never reach the public
 * outputs.
 */
#include "../core/buf.h"
#include "../core/config.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../status/status.h"
#include "../tickets/tickets.h"
#include "api_int.h"
#include "html.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_MAX (1024 * 1024)
#define FEED_HISTORY_MS (90LL * 24 * 3600 * 1000)

static const char HTML_TYPE[] = "text/html; charset=utf-8";
static const char ATOM_TYPE[] = "application/atom+xml; charset=utf-8";
static const char CSP[] = "default-src 'self'; style-src 'self'; script-src 'self'; "
                          "frame-ancestors 'none'";

/* ---- sending a page -------------------------------------------------------------------- */

static void mk_send(struct html *m, struct http_resp *resp, const char *type)
{
    if (m->overflow) {
        buf_release(&m->b);
        http_resp_error(resp, 500, "internal", "the page could not be built");
        return;
    }
    http_resp_bytes(resp, 200, type, m->b.ptr, m->b.len);
    buf_release(&m->b);
    http_resp_header(resp, "Cache-Control", "no-cache");
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *iso_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char t[32];
    api_iso(ms, t);
    return json_string(t);
}

static json_t *incident_json(const struct status_incident *inc, int staff)
{
    const struct status_incident_rec *r = &inc->rec;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)r->id, "kind", r->kind,
                          "title", r->title, "status", inc->phase, "live", inc->live);
    json_object_set_new(j, "starts_at", iso_or_null(r->starts_at));
    json_object_set_new(j, "ends_at", iso_or_null(r->ends_at));
    json_object_set_new(j, "created_at", iso_or_null(r->created_at));
    json_object_set_new(j, "updated_at", iso_or_null(r->updated_at));
    json_object_set_new(j, "resolved_at", iso_or_null(r->resolved_at));
    if (staff)
        json_object_set_new(j, "keywords", json_string(r->keywords));
    json_t *comps = json_array();
    for (int i = 0; i < inc->naffected; i++)
        json_array_append_new(comps, json_pack("{s:s, s:s, s:s}", "component",
                                               inc->affected[i].slug, "name", inc->affected[i].name,
                                               "state", inc->affected[i].state));
    json_object_set_new(j, "components", comps);
    json_t *ups = json_array();
    for (int i = 0; i < inc->nupdates; i++) {
        const struct status_update *u = &inc->updates[i];
        json_t *uj = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)u->id, "status", u->status,
                               "body", u->body, "created_at", iso_or_null(u->created_at));
        if (staff)
            json_object_set_new(uj, "author", json_string(u->author));
        json_array_append_new(ups, uj);
    }
    json_object_set_new(j, "updates", ups);
    return j;
}

static int is_staff(const struct http_req *req)
{
    const struct auth_actor *a = api_actor(req);
    return a && auth_is_staff(a);
}

static int load_snapshot(struct http_req *req, struct http_resp *resp, int64_t history,
                         struct status_snapshot *s)
{
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_snapshot_load(db, fd_now_ms(), history, s);
    store_release(st, db);
    if (rc) {
        status_snapshot_release(s);
        api_fail(resp, rc, NULL);
    }
    return rc;
}

static void status_get(struct http_req *req, struct http_resp *resp)
{
    struct status_snapshot *s = xcalloc(1, sizeof(*s));
    if (load_snapshot(req, resp, STATUS_HISTORY_MS, s)) {
        free(s);
        return;
    }
    int staff = is_staff(req);
    json_t *comps = json_array();
    for (int i = 0; i < s->ncomponents; i++)
        json_array_append_new(comps, json_pack("{s:s, s:s, s:s, s:s}", "id", s->comps[i].rec.slug,
                                               "name", s->comps[i].rec.name, "group",
                                               s->comps[i].rec.grp, "state", s->comps[i].state));
    json_t *incidents = json_array(), *maint = json_array();
    for (int i = 0; i < s->nincidents; i++) {
        const struct status_incident *inc = &s->incidents[i];
        int m = strcmp(inc->rec.kind, "maintenance") == 0;
        json_array_append_new(m ? maint : incidents, incident_json(inc, staff));
    }
    char now[32];
    api_iso(s->now, now);
    json_t *j = json_pack("{s:{s:s, s:s}, s:s, s:o, s:o, s:o}", "overall", "state", s->overall,
                          "description", status_overall_label(s->overall), "generated_at", now,
                          "components", comps, "incidents", incidents, "maintenance", maint);
    status_snapshot_release(s);
    free(s);
    http_resp_json(resp, 200, j);
    http_resp_header(resp, "Cache-Control", "no-cache");
}

/* What the help center, the portal and the chat widget show before the customer writes:
 * live incidents and maintenance in progress, with the latest public update. */
static void banner_get(struct http_req *req, struct http_resp *resp)
{
    /* ?surface=portal|chat (the widgets say where they show it) records a view. */
    const char *surface = http_req_query(req, "surface");
    if (surface && strcmp(surface, "portal") != 0 && strcmp(surface, "chat") != 0) {
        http_resp_error(resp, 400, "invalid_field", "surface must be portal or chat");
        return;
    }
    struct status_snapshot *s = xcalloc(1, sizeof(*s));
    if (load_snapshot(req, resp, 1, s)) {
        free(s);
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < s->nincidents; i++) {
        const struct status_incident *inc = &s->incidents[i];
        if (!inc->live)
            continue;
        const char *msg = inc->nupdates ? inc->updates[inc->nupdates - 1].body : "";
        json_t *comps = json_array();
        for (int k = 0; k < inc->naffected; k++)
            json_array_append_new(comps, json_string(inc->affected[k].slug));
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
                                             (json_int_t)inc->rec.id, "kind", inc->rec.kind,
                                             "title", inc->rec.title, "status", inc->phase,
                                             "message", msg, "components", comps, "updated_at",
                                             iso_or_null(inc->rec.updated_at)));
    }
    status_snapshot_release(s);
    free(s);
    if (surface && json_array_size(arr)) {
        const struct auth_actor *a = api_actor(req);
        struct store *st = API_APP(req)->store;
        struct db *db = store_acquire(st);
        /* Counting is best effort: a failure here must not hide the banner. */
        (void)status_banner_viewed(db, a && !auth_is_staff(a) ? a->user.id : 0, surface,
                                   fd_now_ms());
        store_release(st, db);
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "incidents", arr));
    http_resp_header(resp, "Cache-Control", "no-cache");
}

static int parse_id(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    char *end;
    long long v = strtoll(req->params[0], &end, 10);
    if (*end || end == req->params[0] || v <= 0) {
        http_resp_error(resp, 404, "not_found", "no such incident");
        return -1;
    }
    *id = v;
    return 0;
}

static void incident_get(struct http_req *req, struct http_resp *resp)
{
    int64_t id;
    if (parse_id(req, resp, &id))
        return;
    struct status_incident *inc = xcalloc(1, sizeof(*inc));
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_incident_load(db, id, fd_now_ms(), inc);
    store_release(st, db);
    if (rc) {
        struct fd_error e = {0};
        if (rc == FD_ENOTFOUND)
            fd_fail(&e, rc, "", "no such incident");
        api_fail(resp, rc, &e);
    } else {
        http_resp_json(resp, 200,
                       json_pack("{s:o}", "incident", incident_json(inc, is_staff(req))));
    }
    status_incident_release(inc);
    free(inc);
}

/* Reads "components": [{"component": slug, "state": state}, ...]. */
static int read_components(json_t *body, int *n, struct status_component_input *out,
                           struct http_resp *resp)
{
    json_t *arr = json_object_get(body, "components");
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr)) {
        http_resp_error(resp, 400, "invalid_field", "components must be an array");
        return -1;
    }
    if (json_array_size(arr) > STATUS_COMPONENTS_MAX) {
        http_resp_error(resp, 400, "invalid_field", "components: at most %d",
                        STATUS_COMPONENTS_MAX);
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *c = json_object_get(v, "component"), *s = json_object_get(v, "state");
        if (!json_is_object(v) || !json_is_string(c) || (s && !json_is_string(s)) ||
            json_object_size(v) != (s ? 2u : 1u)) {
            http_resp_error(resp, 400, "invalid_field",
                            "components[%zu] must be {\"component\": slug, \"state\": state}", i);
            return -1;
        }
        out[i].slug = json_string_value(c);
        out[i].state = s ? json_string_value(s) : NULL;
    }
    *n = (int)json_array_size(arr);
    return 0;
}

static int read_time(json_t *body, const char *key, int64_t *out, struct http_resp *resp)
{
    const char *s = NULL;
    if (api_str(body, key, 0, &s, resp))
        return -1;
    if (s && status_parse_time(s, out) != 0) {
        http_resp_error(resp, 400, "invalid_field",
                        "%s must be a UTC time like 2026-11-26T02:00:00Z", key);
        return -1;
    }
    return 0;
}

static const struct auth_actor *require_publisher(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return NULL;
    if (!status_can_publish(a)) {
        http_resp_error(resp, 403, "forbidden", "only supervisors and admins publish incidents");
        return NULL;
    }
    if (a->via_token && !auth_has_scope(a, SCOPE_TICKETS_WRITE)) {
        http_resp_error(resp, 403, "forbidden", "the API token lacks the tickets:write scope");
        return NULL;
    }
    return a;
}

static void respond_incident(struct http_req *req, struct http_resp *resp, int64_t id, int status)
{
    struct status_incident *inc = xcalloc(1, sizeof(*inc));
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_incident_load(db, id, fd_now_ms(), inc);
    store_release(st, db);
    if (rc)
        api_fail(resp, rc, NULL);
    else
        http_resp_json(resp, status, json_pack("{s:o}", "incident", incident_json(inc, 1)));
    status_incident_release(inc);
    free(inc);
}

static void incident_create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_publisher(req, resp);
    if (!a)
        return;
    static const char *const allowed[] = {"kind",      "title",   "status",     "body", "keywords",
                                          "starts_at", "ends_at", "components", NULL};
    json_t *body = api_body_object(req, resp, allowed);
    if (!body)
        return;
    struct status_incident_input *in = xcalloc(1, sizeof(*in));
    int64_t id = 0;
    if (api_str(body, "kind", 0, &in->kind, resp) || api_str(body, "title", 1, &in->title, resp) ||
        api_str(body, "status", 0, &in->status, resp) ||
        api_str(body, "body", 1, &in->body, resp) ||
        api_str(body, "keywords", 0, &in->keywords, resp) ||
        read_time(body, "starts_at", &in->starts_at, resp) ||
        read_time(body, "ends_at", &in->ends_at, resp) ||
        read_components(body, &in->ncomponents, in->components, resp))
        goto out;
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_incident_create(db, a, &API_APP(req)->mail, in, &id, &e);
    store_release(st, db);
    if (rc) {
        api_fail(resp, rc, &e);
        goto out;
    }
    respond_incident(req, resp, id, 201);
out:
    free(in);
    json_decref(body);
}

static void incident_update(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_publisher(req, resp);
    int64_t id;
    if (!a || parse_id(req, resp, &id))
        return;
    static const char *const allowed[] = {"status", "body", "components", NULL};
    json_t *body = api_body_object(req, resp, allowed);
    if (!body)
        return;
    struct status_update_input *in = xcalloc(1, sizeof(*in));
    if (api_str(body, "status", 1, &in->status, resp) ||
        api_str(body, "body", 1, &in->body, resp) ||
        read_components(body, &in->ncomponents, in->components, resp))
        goto out;
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_incident_update(db, a, &API_APP(req)->mail, id, in, &e);
    store_release(st, db);
    if (rc) {
        api_fail(resp, rc, &e);
        goto out;
    }
    respond_incident(req, resp, id, 200);
out:
    free(in);
    json_decref(body);
}

/* ---- the page ------------------------------------------------------------------------ */

static void page_head(struct html *m, const char *title)
{
    html_raw(m, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"referrer\" content=\"same-origin\">\n<title>");
    html_text(m, title);
    html_raw(m, " — Frontdesk</title>\n"
                "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
                "<link rel=\"stylesheet\" href=\"/static/status.css\">\n"
                "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Status updates\" "
                "href=\"/status/feed.atom\">\n</head>\n<body class=\"app-status\">\n"
                "<header class=\"topbar\"><div class=\"topbar-inner\"><a class=\"brand\" "
                "href=\"/status\"><span class=\"brand-mark\" aria-hidden=\"true\">FD</span>"
                "<span class=\"brand-name\">Frontdesk</span><span class=\"brand-product\">"
                "Status</span></a><nav class=\"topnav\" aria-label=\"Main\">"
                "<a href=\"/help\">Help center</a><a href=\"/support\">Contact support</a>"
                "<a href=\"/status/feed.atom\">Atom feed</a></nav></div></header>\n"
                "<main id=\"main\" class=\"main st-main\"><div class=\"container\">\n");
}

static void page_foot(struct html *m)
{
    html_raw(m, "</div></main>\n<footer class=\"help-footer\"><div class=\"container\">"
                "<p>We will never ask for your password, 2FA codes, seed phrase or private keys. "
                "<a href=\"/api/v1/status\">JSON</a> · <a href=\"/status/feed.atom\">Atom feed"
                "</a></p></div></footer>\n</body>\n</html>\n");
}

/* The e-mail subscription form (works without JavaScript: a plain POST). */
static void subscribe_form(struct html *m, const struct status_snapshot *s)
{
    html_raw(m, "<section class=\"st-section\" aria-labelledby=\"st-sub\">"
                "<h2 id=\"st-sub\">Get e-mail about incidents</h2>"
                "<form class=\"st-subscribe\" method=\"post\" action=\"/status/subscribe\">"
                "<p><label for=\"st-email\">E-mail address</label> "
                "<input id=\"st-email\" name=\"email\" type=\"email\" required "
                "autocomplete=\"email\"></p><fieldset><legend>Components (none ticked: all)"
                "</legend>");
    for (int i = 0; i < s->ncomponents; i++) {
        html_raw(m,
                 "<label class=\"st-pick\"><input type=\"checkbox\" name=\"component\" value=\"");
        html_text(m, s->comps[i].rec.slug);
        html_raw(m, "\"> ");
        html_text(m, s->comps[i].rec.name);
        html_raw(m, "</label>");
    }
    html_raw(m, "</fieldset><p><button class=\"btn btn-primary\" type=\"submit\">Subscribe"
                "</button></p><p class=\"st-note\">We send a confirmation link first; every "
                "mail has an unsubscribe link.</p></form></section>\n");
}

static void date_text(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%d %b %Y, %H:%M UTC", &tm);
}

static const char *phase_label(const char *phase)
{
    static const char *const map[][2] = {
        {"investigating", "Investigating"}, {"identified", "Identified"},
        {"monitoring", "Monitoring"},       {"resolved", "Resolved"},
        {"scheduled", "Scheduled"},         {"in_progress", "In progress"},
        {"completed", "Completed"},         {"cancelled", "Cancelled"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], phase) == 0)
            return map[i][1];
    return phase;
}

static void page_incident(struct html *m, const struct status_incident *inc)
{
    char when[48];
    html_fmt(m, "<article class=\"st-incident st-%s\" id=\"incident-%lld\"><h3>", inc->phase,
             (long long)inc->rec.id);
    html_text(m, inc->rec.title);
    html_fmt(m, " <span class=\"st-phase\">%s</span></h3>", phase_label(inc->phase));
    if (strcmp(inc->rec.kind, "maintenance") == 0) {
        char from[48], to[48];
        date_text(inc->rec.starts_at, from, sizeof(from));
        date_text(inc->rec.ends_at, to, sizeof(to));
        html_raw(m, "<p class=\"st-window\">Scheduled from ");
        html_text(m, from);
        html_raw(m, " to ");
        html_text(m, to);
        html_raw(m, "</p>");
    }
    if (inc->naffected) {
        html_raw(m, "<p class=\"st-affects\">Affects: ");
        for (int i = 0; i < inc->naffected; i++) {
            if (i)
                html_raw(m, ", ");
            html_text(m, inc->affected[i].name);
        }
        html_raw(m, "</p>");
    }
    html_raw(m, "<ol class=\"st-timeline\" reversed>");
    for (int i = inc->nupdates - 1; i >= 0; i--) {
        const struct status_update *u = &inc->updates[i];
        date_text(u->created_at, when, sizeof(when));
        html_fmt(m, "<li><strong>%s</strong> — ", phase_label(u->status));
        html_text(m, u->body);
        html_raw(m, " <time datetime=\"");
        char iso[32];
        api_iso(u->created_at, iso);
        html_text(m, iso);
        html_raw(m, "\">");
        html_text(m, when);
        html_raw(m, "</time></li>");
    }
    html_raw(m, "</ol></article>\n");
}

static void page_get(struct http_req *req, struct http_resp *resp)
{
    struct status_snapshot *s = xcalloc(1, sizeof(*s));
    if (load_snapshot(req, resp, STATUS_HISTORY_MS, s)) {
        free(s);
        return;
    }
    struct html m = {0};
    buf_init(&m.b, PAGE_MAX);
    page_head(&m, "System status");
    html_fmt(&m, "<p class=\"st-overall st-%s\" role=\"status\">%s</p>\n", s->overall,
             status_overall_label(s->overall));
    int live = 0, upcoming = 0, past = 0;
    for (int i = 0; i < s->nincidents; i++) {
        const struct status_incident *inc = &s->incidents[i];
        if (inc->live)
            live++;
        else if (strcmp(inc->phase, "scheduled") == 0)
            upcoming++;
        else
            past++;
    }
    if (live) {
        html_raw(&m, "<section class=\"st-section\" aria-labelledby=\"st-live\">"
                     "<h2 id=\"st-live\">Current incidents</h2>\n");
        for (int i = 0; i < s->nincidents; i++)
            if (s->incidents[i].live)
                page_incident(&m, &s->incidents[i]);
        html_raw(&m, "</section>\n");
    }
    html_raw(&m, "<section class=\"st-section\" aria-labelledby=\"st-comps\">"
                 "<h2 id=\"st-comps\">Components</h2>\n");
    const char *grp = NULL;
    for (int i = 0; i < s->ncomponents; i++) {
        const struct status_component *c = &s->comps[i];
        if (!grp || strcmp(grp, c->rec.grp) != 0) {
            if (grp)
                html_raw(&m, "</ul>\n");
            grp = c->rec.grp;
            html_raw(&m, "<h3 class=\"st-group\">");
            html_text(&m, grp);
            html_raw(&m, "</h3><ul class=\"st-components\">");
        }
        html_raw(&m, "<li class=\"st-component\" data-component=\"");
        html_text(&m, c->rec.slug);
        html_raw(&m, "\"><span class=\"st-name\">");
        html_text(&m, c->rec.name);
        html_fmt(&m, "</span> <span class=\"st-state st-%s\">%s</span></li>", c->state,
                 status_state_label(c->state));
    }
    if (grp)
        html_raw(&m, "</ul>\n");
    html_raw(&m, "</section>\n");
    if (upcoming) {
        html_raw(&m, "<section class=\"st-section\" aria-labelledby=\"st-up\">"
                     "<h2 id=\"st-up\">Scheduled maintenance</h2>\n");
        for (int i = s->nincidents - 1; i >= 0; i--)
            if (!s->incidents[i].live && strcmp(s->incidents[i].phase, "scheduled") == 0)
                page_incident(&m, &s->incidents[i]);
        html_raw(&m, "</section>\n");
    }
    html_raw(&m, "<section class=\"st-section\" aria-labelledby=\"st-past\">"
                 "<h2 id=\"st-past\">Past incidents (14 days)</h2>\n");
    if (!past)
        html_raw(&m, "<p class=\"st-none\">No incidents reported.</p>\n");
    for (int i = 0; i < s->nincidents; i++)
        if (!s->incidents[i].live && strcmp(s->incidents[i].phase, "scheduled") != 0)
            page_incident(&m, &s->incidents[i]);
    html_raw(&m, "</section>\n");
    subscribe_form(&m, s);
    page_foot(&m);
    status_snapshot_release(s);
    free(s);
    mk_send(&m, resp, HTML_TYPE);
    http_resp_header(resp, "Content-Security-Policy", CSP);
}

/* ---- Atom 1.0 -------------------------------------------------------------------------- */

static void atom_el(struct html *m, const char *name, const char *text)
{
    html_fmt(m, "<%s>", name);
    html_text(m, text);
    html_fmt(m, "</%s>\n", name);
}

static void atom_time(struct html *m, const char *name, int64_t ms)
{
    char t[32];
    api_iso(ms, t);
    atom_el(m, name, t);
}

static void feed_get(struct http_req *req, struct http_resp *resp)
{
    struct status_snapshot *s = xcalloc(1, sizeof(*s));
    if (load_snapshot(req, resp, FEED_HISTORY_MS, s)) {
        free(s);
        return;
    }
    const char *base = API_APP(req)->cfg->base_url;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    char root[300];
    snprintf(root, sizeof(root), "%.*s", (int)bl, base);
    int64_t updated = 0;
    for (int i = 0; i < s->nincidents; i++)
        if (s->incidents[i].rec.updated_at > updated)
            updated = s->incidents[i].rec.updated_at;
    struct html m = {0};
    buf_init(&m.b, PAGE_MAX);
    char url[400];
    html_raw(&m, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                 "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    atom_el(&m, "title", "Frontdesk system status");
    snprintf(url, sizeof(url), "%s/status", root);
    atom_el(&m, "id", url);
    html_raw(&m, "<link rel=\"alternate\" type=\"text/html\" href=\"");
    html_text(&m, url);
    html_raw(&m, "\"/>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    snprintf(url, sizeof(url), "%s/status/feed.atom", root);
    html_text(&m, url);
    html_raw(&m, "\"/>\n");
    atom_time(&m, "updated", updated ? updated : s->now);
    html_raw(&m, "<author><name>Frontdesk</name></author>\n");
    for (int i = 0; i < s->nincidents; i++) {
        const struct status_incident *inc = &s->incidents[i];
        html_raw(&m, "<entry>\n");
        snprintf(url, sizeof(url), "%s/status/incidents/%lld", root, (long long)inc->rec.id);
        atom_el(&m, "id", url);
        char title[STATUS_TITLE_MAX + 40];
        snprintf(title, sizeof(title), "[%s] %s", phase_label(inc->phase), inc->rec.title);
        atom_el(&m, "title", title);
        atom_time(&m, "published", inc->rec.created_at);
        atom_time(&m, "updated", inc->rec.updated_at);
        html_raw(&m, "<link rel=\"alternate\" type=\"text/html\" href=\"");
        snprintf(url, sizeof(url), "%s/status#incident-%lld", root, (long long)inc->rec.id);
        html_text(&m, url);
        html_raw(&m, "\"/>\n");
        for (int k = 0; k < inc->naffected; k++) {
            html_raw(&m, "<category term=\"");
            html_text(&m, inc->affected[k].slug);
            html_raw(&m, "\" label=\"");
            html_text(&m, inc->affected[k].name);
            html_raw(&m, "\"/>\n");
        }
        /* The timeline, newest first, as plain text (escaped like every text node). */
        html_raw(&m, "<content type=\"text\">");
        for (int k = inc->nupdates - 1; k >= 0; k--) {
            const struct status_update *u = &inc->updates[k];
            char when[48];
            date_text(u->created_at, when, sizeof(when));
            html_text(&m, phase_label(u->status));
            html_raw(&m, " (");
            html_text(&m, when);
            html_raw(&m, "): ");
            html_text(&m, u->body);
            if (k)
                html_raw(&m, "\n\n");
        }
        html_raw(&m, "</content>\n</entry>\n");
    }
    html_raw(&m, "</feed>\n");
    status_snapshot_release(s);
    free(s);
    mk_send(&m, resp, ATOM_TYPE);
}

/* ---- subscriptions ---------------------------------------------------------------------- */

#define FORM_FIELDS_MAX 80
#define FORM_BODY_MAX 8192

/* An application/x-www-form-urlencoded body split into decoded pairs (libcurl decodes). */
struct form {
    int n;
    char *k[FORM_FIELDS_MAX];
    char *v[FORM_FIELDS_MAX];
};

static char *form_decode(const char *p, size_t n)
{
    char *tmp = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        tmp[i] = p[i] == '+' ? ' ' : p[i];
    tmp[n] = '\0';
    int outlen = 0;
    char *c = curl_easy_unescape(NULL, tmp, (int)n, &outlen);
    free(tmp);
    if (!c)
        return NULL;
    char *out = NULL;
    if (strlen(c) == (size_t)outlen) /* refuse %00 */
        out = xstrdup(c);
    curl_free(c);
    return out;
}

static void form_release(struct form *f)
{
    for (int i = 0; i < f->n; i++) {
        free(f->k[i]);
        free(f->v[i]);
    }
    f->n = 0;
}

/* Returns 0, or -1 when the body is not a form we take (too many fields, bad encoding). */
static int form_parse(const char *body, size_t len, struct form *f)
{
    memset(f, 0, sizeof(*f));
    const char *p = body, *end = body + len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
        const char *eq = memchr(p, '=', n);
        if (n) {
            if (f->n == FORM_FIELDS_MAX)
                return -1;
            size_t kn = eq ? (size_t)(eq - p) : n;
            char *k = form_decode(p, kn);
            char *v = form_decode(eq ? eq + 1 : p + n, eq ? n - kn - 1 : 0);
            if (!k || !v) {
                free(k);
                free(v);
                return -1;
            }
            f->k[f->n] = k;
            f->v[f->n] = v;
            f->n++;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static const char *form_get(const struct form *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->k[i], name) == 0)
            return f->v[i];
    return NULL;
}

static int id_of(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

/* A short page with one message (and maybe a form). */
static void message_page(struct http_resp *resp, int status, const char *title, const char *text,
                         const char *action, int64_t id, const char *token, const char *button)
{
    struct html m = {0};
    buf_init(&m.b, PAGE_MAX);
    page_head(&m, title);
    html_raw(&m, "<section class=\"st-section st-message\"><h1>");
    html_text(&m, title);
    html_raw(&m, "</h1><p>");
    html_text(&m, text);
    html_raw(&m, "</p>");
    if (action) {
        html_raw(&m, "<form method=\"post\" action=\"");
        html_text(&m, action);
        html_fmt(&m, "\"><input type=\"hidden\" name=\"id\" value=\"%lld\">", (long long)id);
        html_raw(&m, "<input type=\"hidden\" name=\"t\" value=\"");
        html_text(&m, token);
        html_raw(&m, "\"><button class=\"btn btn-primary\" type=\"submit\">");
        html_text(&m, button);
        html_raw(&m, "</button></form>");
    }
    html_raw(&m, "<p><a href=\"/status\">Back to the status page</a></p></section>\n");
    page_foot(&m);
    mk_send(&m, resp, HTML_TYPE);
    resp->status = m.overflow ? 500 : status;
    http_resp_header(resp, "Content-Security-Policy", CSP);
}

static const char SUB_SENT[] =
    "If the address can receive mail, a confirmation link is on its way. Nothing is sent "
    "about incidents until you follow it.";

static void sub_create(struct http_req *req, struct http_resp *resp)
{
    static const char *const allowed[] = {"email", "components", NULL};
    json_t *body = api_body_object(req, resp, allowed);
    if (!body)
        return;
    const char *email = NULL;
    const char *slugs[STATUS_COMPONENTS_MAX];
    int n = 0;
    json_t *arr = json_object_get(body, "components");
    if (api_str(body, "email", 1, &email, resp))
        goto out;
    if (arr && !json_is_null(arr)) {
        if (!json_is_array(arr) || json_array_size(arr) > STATUS_COMPONENTS_MAX) {
            http_resp_error(resp, 400, "invalid_field",
                            "components must be an array of at most %d component ids",
                            STATUS_COMPONENTS_MAX);
            goto out;
        }
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
            if (!json_is_string(v)) {
                http_resp_error(resp, 400, "invalid_field", "components[%zu] must be a string", i);
                goto out;
            }
            slugs[n++] = json_string_value(v);
        }
    }
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_subscribe(db, &API_APP(req)->mail, email, n, slugs, &e);
    store_release(st, db);
    if (rc)
        api_fail(resp, rc, &e);
    else
        http_resp_json(resp, 202, json_pack("{s:s}", "message", SUB_SENT));
out:
    json_decref(body);
}

static json_t *sub_json(const struct status_subscription_rec *r)
{
    json_t *comps = json_array();
    if (strcmp(r->components, "*") != 0) {
        const char *p = r->components;
        while (*p) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            json_array_append_new(comps, json_stringn(p, n));
            p = c ? c + 1 : p + n;
        }
    }
    return json_pack("{s:I, s:s, s:b, s:o}", "id", (json_int_t)r->id, "email", r->email, "all",
                     strcmp(r->components, "*") == 0, "components", comps);
}

/* Shared by the JSON and the form routes: 0 done, else the error (e filled). */
static int sub_act(struct http_req *req, int confirm, int64_t id, const char *token,
                   struct status_subscription_rec *out, struct fd_error *e)
{
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = confirm ? status_subscription_confirm(db, id, token, out, e)
                     : status_unsubscribe(db, id, token, e);
    store_release(st, db);
    return rc;
}

static void sub_json_action(struct http_req *req, struct http_resp *resp, int confirm)
{
    int64_t id;
    if (id_of(req->params[0], &id)) {
        http_resp_error(resp, 404, "not_found", "no such subscription");
        return;
    }
    static const char *const allowed[] = {"token", NULL};
    json_t *body = api_body_object(req, resp, allowed);
    if (!body)
        return;
    const char *token = NULL;
    if (api_str(body, "token", 1, &token, resp) == 0) {
        struct status_subscription_rec *r = xcalloc(1, sizeof(*r));
        struct fd_error e = {0};
        int rc = sub_act(req, confirm, id, token, r, &e);
        if (rc == FD_EAUTH)
            http_resp_error(resp, 403, "invalid_token", "%s", e.message);
        else if (rc)
            api_fail(resp, rc, &e);
        else if (confirm)
            http_resp_json(resp, 200, json_pack("{s:o}", "subscription", sub_json(r)));
        else
            http_resp_json(resp, 200, json_pack("{s:b}", "unsubscribed", 1));
        free(r);
    }
    json_decref(body);
}

static void sub_confirm_json(struct http_req *req, struct http_resp *resp)
{
    sub_json_action(req, resp, 1);
}

static void sub_unsubscribe_json(struct http_req *req, struct http_resp *resp)
{
    sub_json_action(req, resp, 0);
}

/* GET /status/confirm and /status/unsubscribe: a button, never the change itself (mail
 * scanners open links). */
static void sub_link_page(struct http_req *req, struct http_resp *resp, int confirm)
{
    int64_t id;
    const char *t = http_req_query(req, "t");
    if (id_of(http_req_query(req, "id"), &id) || !t || strlen(t) != STATUS_TOKEN_HEX) {
        message_page(resp, 400, "Link not valid",
                     "This link is incomplete. Copy the whole link from the mail.", NULL, 0, NULL,
                     NULL);
        return;
    }
    if (confirm)
        message_page(resp, 200, "Confirm your subscription",
                     "Press the button to start getting e-mail about incidents and maintenance.",
                     "/status/confirm", id, t, "Confirm subscription");
    else
        message_page(resp, 200, "Unsubscribe",
                     "Press the button to stop all e-mail from the status page.",
                     "/status/unsubscribe", id, t, "Unsubscribe");
}

static void confirm_page(struct http_req *req, struct http_resp *resp)
{
    sub_link_page(req, resp, 1);
}

static void unsubscribe_page(struct http_req *req, struct http_resp *resp)
{
    sub_link_page(req, resp, 0);
}

static void sub_form_action(struct http_req *req, struct http_resp *resp, int confirm)
{
    struct form f;
    int64_t id;
    if (form_parse(req->body ? req->body : "", req->body_len, &f) != 0 ||
        id_of(form_get(&f, "id"), &id) != 0) {
        form_release(&f);
        message_page(resp, 400, "Link not valid", "This form was not sent as expected.", NULL, 0,
                     NULL, NULL);
        return;
    }
    struct status_subscription_rec *r = xcalloc(1, sizeof(*r));
    struct fd_error e = {0};
    int rc = sub_act(req, confirm, id, form_get(&f, "t"), r, &e);
    form_release(&f);
    if (rc == FD_EAUTH)
        message_page(resp, 403, "Link not valid", e.message, NULL, 0, NULL, NULL);
    else if (rc)
        message_page(resp, 500, "Something went wrong", "Please try again in a minute.", NULL, 0,
                     NULL, NULL);
    else if (confirm)
        message_page(resp, 200, "Subscribed",
                     "You will get e-mail about incidents and maintenance. Every mail has an "
                     "unsubscribe link.",
                     NULL, 0, NULL, NULL);
    else
        message_page(resp, 200, "Unsubscribed", "You will get no more e-mail from the status page.",
                     NULL, 0, NULL, NULL);
    free(r);
}

static void confirm_form(struct http_req *req, struct http_resp *resp)
{
    sub_form_action(req, resp, 1);
}

static void unsubscribe_form(struct http_req *req, struct http_resp *resp)
{
    sub_form_action(req, resp, 0);
}

/* POST /status/subscribe: the form on the status page. */
static void subscribe_post(struct http_req *req, struct http_resp *resp)
{
    struct form f;
    if (form_parse(req->body ? req->body : "", req->body_len, &f) != 0) {
        form_release(&f);
        message_page(resp, 400, "Not subscribed", "This form was not sent as expected.", NULL, 0,
                     NULL, NULL);
        return;
    }
    const char *slugs[FORM_FIELDS_MAX];
    int n = 0;
    for (int i = 0; i < f.n; i++)
        if (strcmp(f.k[i], "component") == 0)
            slugs[n++] = f.v[i];
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_subscribe(db, &API_APP(req)->mail, form_get(&f, "email"), n, slugs, &e);
    store_release(st, db);
    form_release(&f);
    if (rc == FD_EINVAL || rc == FD_ERATE)
        message_page(resp, rc == FD_ERATE ? 429 : 400, "Not subscribed", e.message, NULL, 0, NULL,
                     NULL);
    else if (rc)
        message_page(resp, 500, "Something went wrong", "Please try again in a minute.", NULL, 0,
                     NULL, NULL);
    else
        message_page(resp, 200, "Check your mailbox", SUB_SENT, NULL, 0, NULL, NULL);
}

/* ---- incident mode: ticket links, bulk reply, banner views, report -------------------- */

static int ticket_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], id)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return -1;
    }
    return 0;
}

static const struct auth_actor *require_agent(struct http_req *req, struct http_resp *resp,
                                              unsigned scope)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return NULL;
    if (a->via_token && !auth_has_scope(a, scope)) {
        http_resp_error(resp, 403, "forbidden", "the API token lacks the scope this needs");
        return NULL;
    }
    return a;
}

static int add_link(void *ctx, const struct status_link_rec *l)
{
    char at[32];
    api_iso(l->created_at, at);
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
                                         (json_int_t)l->incident_id, "title", l->title, "status",
                                         l->incident_status, "how", l->how, "reason", l->reason,
                                         "linked_at", at));
    return 0;
}

static void ticket_incidents(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_agent(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ticket_param(req, resp, &id))
        return;
    json_t *arr = json_array();
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_ticket_links(db, a, id, add_link, arr);
    store_release(st, db);
    if (rc) {
        json_decref(arr);
        struct fd_error e = {0};
        if (rc == FD_ENOTFOUND)
            fd_fail(&e, rc, "", "no such ticket");
        api_fail(resp, rc, &e);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "incidents", arr));
}

static void ticket_link_change(struct http_req *req, struct http_resp *resp, int link)
{
    const struct auth_actor *a = require_agent(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id, incident = 0;
    if (!a || ticket_param(req, resp, &id))
        return;
    if (link) {
        static const char *const allowed[] = {"incident_id", NULL};
        json_t *body = api_body_object(req, resp, allowed);
        if (!body)
            return;
        int bad = api_int(body, "incident_id", 1, &incident, NULL, resp);
        json_decref(body);
        if (bad)
            return;
        if (incident <= 0) {
            http_resp_error(resp, 400, "invalid_field", "incident_id must be a positive integer");
            return;
        }
    } else if (id_of(req->params[1], &incident)) {
        http_resp_error(resp, 404, "not_found", "no such incident");
        return;
    }
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = status_ticket_link(db, a, id, incident, link, &e);
    json_t *arr = json_array();
    if (rc == 0)
        rc = status_ticket_links(db, a, id, add_link, arr);
    store_release(st, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, &e);
        return;
    }
    http_resp_json(resp, link ? 201 : 200, json_pack("{s:o}", "incidents", arr));
}

static void ticket_link(struct http_req *req, struct http_resp *resp)
{
    ticket_link_change(req, resp, 1);
}

static void ticket_unlink(struct http_req *req, struct http_resp *resp)
{
    ticket_link_change(req, resp, 0);
}

struct ids {
    int n, cap;
    int64_t *v;
};

static int add_id(void *ctx, int64_t id)
{
    struct ids *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = xrealloc(l->v, (size_t)l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = id;
    return 0;
}

/*
 * POST /api/v1/status/incidents/{id}/solve-linked {"body": text}: once the incident is
 * resolved, one public reply (the supervisor's text) to every linked ticket that is not
 * solved or closed, and each is marked solved. Each ticket changes in its own
 * transaction through the tickets module (reply, then status), so its mail and events go
 * out as for any reply; the customer reopens by replying, as always. A ticket that
 * fails is reported and left as it was; the others are done.
 */
static void solve_linked(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_publisher(req, resp);
    int64_t id;
    if (!a || parse_id(req, resp, &id))
        return;
    static const char *const allowed[] = {"body", NULL};
    json_t *body = api_body_object(req, resp, allowed);
    if (!body)
        return;
    const char *text = NULL;
    if (api_str(body, "body", 1, &text, resp)) {
        json_decref(body);
        return;
    }
    const char *p = text;
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    if (!*p) {
        json_decref(body);
        http_resp_error(resp, 400, "invalid_field", "body must not be empty");
        return;
    }
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    struct status_incident_rec inc;
    struct ids ids = {0};
    int rc = store_status_incident_get(db, id, &inc);
    if (rc == 0 && strcmp(inc.status, "resolved") != 0 && strcmp(inc.status, "completed") != 0) {
        store_release(st, db);
        json_decref(body);
        http_resp_error(resp, 409, "invalid_transition",
                        "resolve the incident first; then its linked tickets can be solved");
        return;
    }
    if (rc == 0)
        rc = store_status_link_open_tickets(db, id, add_id, &ids);
    if (rc) {
        store_release(st, db);
        json_decref(body);
        free(ids.v);
        struct fd_error e = {0};
        if (rc == FD_ENOTFOUND)
            fd_fail(&e, rc, "", "no such incident");
        api_fail(resp, rc, &e);
        return;
    }
    json_t *solved = json_array(), *failed = json_array();
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    for (int i = 0; i < ids.n; i++) {
        struct fd_error e = {0};
        int64_t mid = 0;
        char ref[32];
        tickets_format_ref(ids.v[i], ref, sizeof(ref));
        int r = tickets_reply(db, a, ids.v[i], text, 0, NULL, 0, t, &mid, &e);
        if (r == 0) {
            struct ticket_patch patch;
            memset(&patch, 0, sizeof(patch));
            patch.status = "solved";
            r = tickets_update(db, a, ids.v[i], &patch, t, &e);
        }
        if (r == 0)
            json_array_append_new(solved, json_string(ref));
        else
            json_array_append_new(failed, json_pack("{s:s, s:s}", "ticket", ref, "error",
                                                    e.message[0] ? e.message : fd_strerror(r)));
    }
    free(t);
    /* One event for the incident: who solved what, in the same log as everything else. */
    json_t *d = json_pack("{s:I, s:O, s:O}", "incident", (json_int_t)id, "solved", solved, "failed",
                          failed);
    char *dtext = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (dtext && db_begin_write(db) == 0) {
        if (store_event_insert(db, 0, a->user.id, "status.linked_tickets_solved", dtext,
                               fd_now_ms()) != 0 ||
            db_commit(db) != 0)
            db_rollback(db);
    }
    free(dtext);
    store_release(st, db);
    free(ids.v);
    json_decref(body);
    http_resp_json(resp, 200, json_pack("{s:o, s:o}", "solved", solved, "failed", failed));
}

/* GET /api/v1/reports/incidents: contacts caused per incident and banner deflection. */
#define REPORT_WINDOW_MS (24LL * 3600 * 1000)

static void csv_cell(struct buf *b, const char *s)
{
    /* Quoted when needed (RFC 4180); a leading = + - @ is neutralised for spreadsheets. */
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_puts(b, "\"");
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
        buf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '"')
            buf_puts(b, "\"\"");
        else
            buf_append(b, s, 1);
    }
    if (quote)
        buf_puts(b, "\"");
}

static int add_report_row(void *ctx, const struct status_report_row *r)
{
    char started[32], resolved[32];
    api_iso(r->created_at, started);
    if (r->resolved_at)
        api_iso(r->resolved_at, resolved);
    json_t *row = json_pack("[I, s, s, s, s, s, I, I, I, I, I, I, I]", (json_int_t)r->id, r->title,
                            r->kind, r->status, started, r->resolved_at ? resolved : "",
                            (json_int_t)r->linked, (json_int_t)r->auto_linked, (json_int_t)r->chats,
                            (json_int_t)r->banner_views, (json_int_t)r->viewers,
                            (json_int_t)r->contacted, (json_int_t)(r->viewers - r->contacted));
    json_array_append_new(ctx, row);
    return 0;
}

static void report_incidents(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    if (!auth_sees_all(a)) {
        http_resp_error(resp, 403, "forbidden", "reports are for supervisors and admins");
        return;
    }
    if (a->via_token && !auth_has_scope(a, SCOPE_TICKETS_READ)) {
        http_resp_error(resp, 403, "forbidden", "the API token lacks the tickets:read scope");
        return;
    }
    int64_t days = 30;
    if (api_query_int(req, resp, "days", 1, 366, &days))
        return;
    const char *format = http_req_query(req, "format");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        http_resp_error(resp, 400, "invalid_field", "format must be json or csv");
        return;
    }
    json_t *rows = json_array();
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    int rc = db_begin_read(db);
    if (rc == 0) {
        rc = store_status_report(db, fd_now_ms() - days * 24 * 3600 * 1000, REPORT_WINDOW_MS, 500,
                                 add_report_row, rows);
        db_rollback(db);
    }
    store_release(st, db);
    if (rc) {
        json_decref(rows);
        api_fail(resp, rc, NULL);
        return;
    }
    json_t *cols =
        json_pack("[s, s, s, s, s, s, s, s, s, s, s, s, s]", "incident", "title", "kind", "status",
                  "started", "resolved", "linked_tickets", "auto_linked", "linked_chats",
                  "banner_views", "banner_viewers", "viewers_who_contacted", "deflected");
    if (format && strcmp(format, "csv") == 0) {
        struct buf b;
        buf_init(&b, 8 * 1024 * 1024);
        size_t i, j;
        json_t *v, *row;
        json_array_foreach(cols, i, v)
        {
            if (i)
                buf_puts(&b, ",");
            csv_cell(&b, json_string_value(v));
        }
        buf_puts(&b, "\r\n");
        json_array_foreach(rows, i, row)
        {
            json_array_foreach(row, j, v)
            {
                if (j)
                    buf_puts(&b, ",");
                if (json_is_integer(v))
                    buf_printf(&b, "%lld", (long long)json_integer_value(v));
                else
                    csv_cell(&b, json_string_value(v));
            }
            buf_puts(&b, "\r\n");
        }
        http_resp_bytes(resp, 200, "text/csv; charset=utf-8", b.ptr, b.len);
        http_resp_header(resp, "Content-Disposition", "attachment; filename=\"incidents.csv\"");
        buf_release(&b);
        json_decref(cols);
        json_decref(rows);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:s, s:s, s:s, s:o, s:o}", "title", "Contacts caused per incident",
                             "unit", "contacts", "chart", "table", "columns", cols, "rows", rows));
}

void api_status_register(void)
{
    http_route("GET", "/api/v1/status", status_get);
    http_route("GET", "/api/v1/status/banner", banner_get);
    http_route("GET", "/api/v1/status/incidents/{id}", incident_get);
    http_route("POST", "/api/v1/status/incidents", incident_create);
    http_route("POST", "/api/v1/status/incidents/{id}/updates", incident_update);
    http_route("GET", "/status", page_get);
    http_route("GET", "/status/feed.atom", feed_get);
    http_route("POST", "/api/v1/status/subscriptions", sub_create);
    http_route("POST", "/api/v1/status/subscriptions/{id}/confirm", sub_confirm_json);
    http_route("POST", "/api/v1/status/subscriptions/{id}/unsubscribe", sub_unsubscribe_json);
    http_route("GET", "/status/confirm", confirm_page);
    http_route("POST", "/status/confirm", confirm_form);
    http_route("GET", "/status/unsubscribe", unsubscribe_page);
    http_route("POST", "/status/unsubscribe", unsubscribe_form);
    http_route("POST", "/status/subscribe", subscribe_post);
    http_route("GET", "/api/v1/tickets/{ref}/incidents", ticket_incidents);
    http_route("POST", "/api/v1/tickets/{ref}/incidents", ticket_link);
    http_route("DELETE", "/api/v1/tickets/{ref}/incidents/{id}", ticket_unlink);
    http_route("POST", "/api/v1/status/incidents/{id}/solve-linked", solve_linked);
    http_route("GET", "/api/v1/reports/incidents", report_incidents);
    http_route_body_max("POST", "/status/confirm", FORM_BODY_MAX);
    http_route_body_max("POST", "/status/unsubscribe", FORM_BODY_MAX);
    http_route_body_max("POST", "/status/subscribe", FORM_BODY_MAX);
}

/*
 * The status page's forms post without JavaScript, so they cannot send X-CSRF-Token.
 * None acts for the signed-in user: a subscription request only mails a confirmation
 * link, and confirm/unsubscribe are authorised by the signed token in the form.
 */
int status_csrf_exempt(const char *route)
{
    return strcmp(route, "/status/subscribe") == 0 || strcmp(route, "/status/confirm") == 0 ||
           strcmp(route, "/status/unsubscribe") == 0;
}

int api_status_banner_html(struct store *st, int64_t user_id, struct buf *b)
{
    struct status_snapshot *s = xcalloc(1, sizeof(*s));
    struct db *db = store_acquire(st);
    int rc = status_snapshot_load(db, fd_now_ms(), 1, s);
    store_release(st, db);
    int live = 0;
    for (int i = 0; rc == 0 && i < s->nincidents; i++)
        live += s->incidents[i].live;
    if (rc || !live) {
        /* Nothing to say, or the database failed: the page goes out without a banner. */
        status_snapshot_release(s);
        free(s);
        return 0;
    }
    struct html m = {0};
    buf_init(&m.b, PAGE_MAX);
    /* A stylesheet link is allowed in the body; the pages that call this have their own. */
    html_raw(&m, "<link rel=\"stylesheet\" href=\"/static/status.css\">\n"
                 "<div class=\"status-banners\" role=\"region\" aria-label=\"Service status\">"
                 "<div class=\"container\">");
    for (int i = 0; i < s->nincidents; i++) {
        const struct status_incident *inc = &s->incidents[i];
        if (!inc->live)
            continue;
        int maint = strcmp(inc->rec.kind, "maintenance") == 0;
        html_fmt(&m, "<div class=\"status-banner%s\" data-incident=\"%lld\"><strong>",
                 maint ? " status-banner-maintenance" : "", (long long)inc->rec.id);
        html_text(&m, inc->rec.title);
        html_raw(&m, "</strong> <span class=\"status-banner-text\">");
        if (inc->nupdates)
            html_text(&m, inc->updates[inc->nupdates - 1].body);
        html_fmt(&m, "</span> <a href=\"/status#incident-%lld\">Status page</a></div>",
                 (long long)inc->rec.id);
    }
    html_raw(&m, "</div></div>\n");
    status_snapshot_release(s);
    free(s);
    db = store_acquire(st);
    (void)status_banner_viewed(db, user_id, "help", fd_now_ms()); /* best effort */
    store_release(st, db);
    rc = m.overflow ? FD_ELIMIT : buf_append(b, m.b.ptr, m.b.len);
    buf_release(&m.b);
    return rc;
}
