/*
 * /api/v1/tickets/{ref}/triage and /api/v1/triage/models: the classifier's suggestion
 * for a ticket (department, top intents with their help article) and an agent applying
 * it. Staff only: a customer never sees what the classifier thought of their ticket.
 */
#include "../core/xalloc.h"
#include "../kb/kb.h"
#include "../store/store_triage.h"
#include "../tickets/tickets.h"
#include "../triage/triage.h"
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

static int ref_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], id)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return -1;
    }
    return 0;
}

static int first_article(void *ctx, const struct kb_article_rec *a)
{
    json_t **out = ctx;
    char url[128 + KB_SLUG_MAX];
    snprintf(url, sizeof(url), "/help/articles/%s", a->slug);
    *out = json_pack("{s:s, s:s, s:s}", "slug", a->slug, "title", a->title, "url", url);
    return 1;
}

/* Adds "article" (or null) to each intent of the suggestion: the published help article
 * written for that intent. */
static void link_articles(struct db *db, const struct auth_actor *a, json_t *sug)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(sug, "intents"), i, it)
    {
        json_t *article = NULL;
        struct kb_filter f = {0};
        f.intent = json_string_value(json_object_get(it, "intent"));
        f.status = "published";
        f.limit = 1;
        if (f.intent)
            kb_article_list(db, a, &f, first_article, &article);
        json_object_set_new(it, "article", article ? article : json_null());
    }
}

static json_t *triage_json(const struct ticket_triage_rec *r, json_t *sug)
{
    char at[32];
    api_iso(r->created_at, at);
    json_t *o =
        json_pack("{s:O?, s:O, s:b, s:O?, s:O?, s:s}", "department",
                  json_object_get(sug, "department"), "intents", json_object_get(sug, "intents"),
                  "auto_applied", r->auto_applied, "threshold", json_object_get(sug, "threshold"),
                  "models", json_object_get(sug, "models"), "created_at", at);
    if (r->applied_by) {
        api_iso(r->applied_at, at);
        json_object_set_new(o, "applied",
                            json_pack("{s:I, s:s}", "by", (json_int_t)r->applied_by, "at", at));
    } else {
        json_object_set_new(o, "applied", json_null());
    }
    return o;
}

static void get_triage(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct ticket_triage_rec r = {0};
    json_t *sug = NULL;
    struct db *db = store_acquire(app->store);
    int rc = tickets_get(db, a, id, t);
    if (rc == 0 && !auth_is_staff(a))
        rc = FD_EFORBIDDEN;
    int none = 0;
    if (rc == 0 && (rc = store_triage_suggestion_get(db, id, &r)) == FD_ENOTFOUND)
        none = 1;
    if (rc == 0 && !(sug = json_loads(r.suggestion, 0, NULL)))
        rc = FD_EDB;
    if (rc == 0)
        link_articles(db, a, sug);
    store_release(app->store, db);
    if (rc == FD_EFORBIDDEN)
        http_resp_error(resp, 403, "forbidden", "triage suggestions are for agents");
    else if (none)
        http_resp_error(resp, 404, "not_found", "no triage suggestion for this ticket");
    else if (rc)
        api_fail(resp, rc, NULL);
    else
        http_resp_json(resp, 200, triage_json(&r, sug));
    json_decref(sug);
    free(r.suggestion);
    free(t);
}

static void apply(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    if (!api_require_staff(a, resp))
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = triage_ticket_apply(db, a, id, t, &err);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200, json_pack("{s:o}", "ticket", api_ticket_json(t)));
    free(t);
}

static void models(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a || !api_require_staff(a, resp))
        return;
    struct app *app = API_APP(req);
    json_t *out = json_object();
    struct db *db = store_acquire(app->store);
    int rc = 0;
    static const char *const kinds[] = {"department", "intent"};
    for (int k = 0; k < 2 && rc == 0; k++) {
        struct triage_model_rec m;
        rc = store_triage_model_latest(db, kinds[k], &m);
        if (rc == FD_ENOTFOUND) {
            json_object_set_new(out, kinds[k], json_null());
            rc = 0;
            continue;
        }
        if (rc)
            break;
        char at[32];
        api_iso(m.created_at, at);
        json_t *info = json_loads(m.info, 0, NULL);
        json_object_set_new(out, kinds[k],
                            json_pack("{s:I, s:I, s:I, s:I, s:s, s:o}", "version",
                                      (json_int_t)m.version, "size", (json_int_t)m.size, "labels",
                                      (json_int_t)m.labels, "examples", (json_int_t)m.examples,
                                      "created_at", at, "info", info ? info : json_object()));
    }
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, NULL);
    else
        http_resp_json(resp, 200, json_incref(out));
    json_decref(out);
}

void api_triage_register(void)
{
    http_route("GET", "/api/v1/tickets/{ref}/triage", get_triage);
    http_route("POST", "/api/v1/tickets/{ref}/triage/apply", apply);
    http_route("GET", "/api/v1/triage/models", models);
}
