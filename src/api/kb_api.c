/* The help center's JSON API: /api/v1/kb/... (docs/kb.md). */
#include "../core/xalloc.h"
#include "../kb/kb.h"
#include "../kb/search.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *locale_q(struct http_req *req)
{
    const char *l = http_req_query(req, "locale");
    return l && *l ? l : "en";
}

static int check_locale_q(struct http_req *req, struct http_resp *resp, const char *l)
{
    (void)req;
    size_t n = strlen(l);
    int ok = n >= 2 && n <= 3;
    for (size_t i = 0; ok && i < n; i++)
        ok = l[i] >= 'a' && l[i] <= 'z';
    if (!ok)
        http_resp_error(resp, 400, "invalid_field", "locale must be a language code like en");
    return ok ? 0 : -1;
}

static json_t *tags_json(const char *tags)
{
    json_t *arr = json_array();
    char t[KB_TAGS_TEXT_MAX + 1], *save = NULL;
    snprintf(t, sizeof(t), "%s", tags);
    for (char *p = strtok_r(t, " ", &save); p; p = strtok_r(NULL, " ", &save))
        json_array_append_new(arr, json_string(p));
    return arr;
}

static json_t *summary_json(const struct kb_article_rec *a)
{
    char at[32], url[160];
    api_iso(a->updated_at, at);
    snprintf(url, sizeof(url), "/help/articles/%s%s%s", a->slug,
             strcmp(a->locale, "en") ? "?locale=" : "", strcmp(a->locale, "en") ? a->locale : "");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:s}", "slug",
                     a->slug, "locale", a->locale, "kind", a->kind, "title", a->title, "status",
                     a->status, "category", a->category, "section", a->section, "tags",
                     tags_json(a->tags), "updated_at", at, "views", (json_int_t)a->views,
                     "helpful_yes", (json_int_t)a->helpful_yes, "helpful_no",
                     (json_int_t)a->helpful_no, "url", url);
}

static int add_translation(void *ctx, const struct kb_article_rec *a)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s}", "locale", a->locale, "slug", a->slug));
    return 0;
}

static json_t *article_json(struct db *db, const struct kb_article_rec *a)
{
    json_t *j = summary_json(a);
    char *html = NULL;
    if (kb_render(a->body, strlen(a->body), &html) != 0)
        html = NULL;
    json_object_set_new(j, "body", json_string(a->body));
    json_object_set_new(j, "html", json_string(html ? html : ""));
    free(html);
    json_object_set_new(j, "revision", json_integer(a->revision));
    json_object_set_new(j, "author",
                        a->author_id ? json_pack("{s:I, s:s}", "id", (json_int_t)a->author_id,
                                                 "name", a->author_name)
                                     : json_null());
    json_object_set_new(j, "intent", a->intent[0] ? json_string(a->intent) : json_null());
    json_t *tr = json_array();
    kb_translations(db, a, add_translation, tr);
    json_object_set_new(j, "translations", tr);
    return j;
}

struct cat_ctx {
    json_t *cats;
};

static int add_category(void *ctx, const struct kb_category_rec *c)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:[]}", "slug", c->slug, "name", c->name,
                                         "description", c->description, "sections"));
    return 0;
}

static int add_section(void *ctx, const struct kb_section_rec *s, int64_t count)
{
    json_t *cats = ctx;
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "slug")), s->category) == 0)
            json_array_append_new(json_object_get(c, "sections"),
                                  json_pack("{s:s, s:s, s:s, s:I}", "slug", s->slug, "name",
                                            s->name, "description", s->description, "article_count",
                                            (json_int_t)count));
    }
    return 0;
}

static void categories(struct http_req *req, struct http_resp *resp)
{
    const char *locale = locale_q(req);
    if (check_locale_q(req, resp, locale))
        return;
    struct app *app = API_APP(req);
    json_t *cats = json_array();
    struct db *db = store_acquire(app->store);
    int rc = db_begin_read(db);
    if (rc == 0)
        rc = kb_category_list(db, add_category, cats);
    if (rc == 0)
        rc = kb_section_list(db, NULL, locale, add_section, cats);
    db_rollback(db);
    store_release(app->store, db);
    if (rc) {
        json_decref(cats);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "categories", cats));
}

struct list_ctx {
    json_t *arr;
    int64_t last;
    int n;
};

static int add_summary(void *ctx, const struct kb_article_rec *a)
{
    struct list_ctx *l = ctx;
    json_array_append_new(l->arr, summary_json(a));
    l->last = a->id;
    l->n++;
    return 0;
}

static void list(struct http_req *req, struct http_resp *resp)
{
    struct kb_filter f = {0};
    f.category = http_req_query(req, "category");
    f.section = http_req_query(req, "section");
    f.locale = http_req_query(req, "locale");
    f.kind = http_req_query(req, "kind");
    f.status = http_req_query(req, "status");
    f.intent = http_req_query(req, "intent");
    int64_t limit = 50, cursor = 0;
    if (api_query_int(req, resp, "limit", 1, 500, &limit) ||
        api_query_int(req, resp, "cursor", 1, INT64_MAX, &cursor))
        return;
    f.limit = (int)limit;
    f.after_id = cursor;
    const char *sort = http_req_query(req, "sort");
    f.order_by_views = sort && strcmp(sort, "popular") == 0;
    struct app *app = API_APP(req);
    struct list_ctx l = {json_array(), 0, 0};
    struct db *db = store_acquire(app->store);
    int rc = kb_article_list(db, api_actor(req), &f, add_summary, &l);
    store_release(app->store, db);
    if (rc) {
        json_decref(l.arr);
        api_fail(resp, rc, NULL);
        return;
    }
    json_t *j = json_pack("{s:o}", "articles", l.arr);
    char cur[32];
    snprintf(cur, sizeof(cur), "%lld", (long long)l.last);
    json_object_set_new(j, "next_cursor",
                        l.n == f.limit && !f.order_by_views ? json_string(cur) : json_null());
    http_resp_json(resp, 200, j);
}

static void get_one(struct http_req *req, struct http_resp *resp)
{
    const char *locale = locale_q(req);
    if (check_locale_q(req, resp, locale))
        return;
    struct app *app = API_APP(req);
    struct kb_article_rec a = {0};
    struct db *db = store_acquire(app->store);
    int rc = kb_article_get(db, api_actor(req), locale, req->params[0], &a);
    json_t *j = rc == 0 ? article_json(db, &a) : NULL;
    store_release(app->store, db);
    kb_article_release(&a);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "article", j));
}

/* Reads the article fields of a create/patch body. Returns -1 after answering 400. */
static int read_input(json_t *o, struct kb_article_input *in, struct http_resp *resp)
{
    if (api_str(o, "category", 0, &in->category, resp) ||
        api_str(o, "section", 0, &in->section, resp) || api_str(o, "kind", 0, &in->kind, resp) ||
        api_str(o, "locale", 0, &in->locale, resp) || api_str(o, "slug", 0, &in->slug, resp) ||
        api_str(o, "title", 0, &in->title, resp) || api_str(o, "body", 0, &in->body, resp) ||
        api_str(o, "status", 0, &in->status, resp) || api_str(o, "intent", 0, &in->intent, resp) ||
        api_str(o, "translation_of", 0, &in->translation_of, resp))
        return -1;
    json_t *tags = json_object_get(o, "tags");
    if (tags) {
        if (!json_is_array(tags) || json_array_size(tags) > FD_TAGS_MAX) {
            http_resp_error(resp, 400, "invalid_field", "tags must be an array of at most %d",
                            FD_TAGS_MAX);
            return -1;
        }
        size_t i;
        json_t *t;
        in->has_tags = 1;
        json_array_foreach(tags, i, t)
        {
            if (!json_is_string(t)) {
                http_resp_error(resp, 400, "invalid_field", "tags[%zu] must be a string", i);
                return -1;
            }
            in->tags[in->ntags++] = json_string_value(t);
        }
    }
    return 0;
}

static const struct auth_actor *require_editor(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (a && !kb_can_edit(a)) {
        http_resp_error(resp, 403, "forbidden", "editing the help center needs kb_editor");
        return NULL;
    }
    return a;
}

static void respond_article(struct http_req *req, struct http_resp *resp, int status, int rc,
                            struct kb_article_rec *a, const struct fd_error *err)
{
    if (rc) {
        api_fail(resp, rc, err);
        return;
    }
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    json_t *j = article_json(db, a);
    store_release(app->store, db);
    kb_article_release(a);
    http_resp_json(resp, status, json_pack("{s:o}", "article", j));
}

static void create(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_editor(req, resp);
    if (!a)
        return;
    static const char *const fields[] = {"category", "section", "kind",           "locale",
                                         "slug",     "title",   "body",           "tags",
                                         "status",   "intent",  "translation_of", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    struct kb_article_input in = {0};
    if (read_input(o, &in, resp) == 0) {
        struct app *app = API_APP(req);
        struct fd_error err = {0};
        struct kb_article_rec art = {0};
        struct db *db = store_acquire(app->store);
        int rc = kb_article_create(db, a, &in, &art, &err);
        store_release(app->store, db);
        respond_article(req, resp, 201, rc, &art, &err);
    }
    json_decref(o);
}

static void patch(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_editor(req, resp);
    const char *locale = locale_q(req);
    if (!a || check_locale_q(req, resp, locale))
        return;
    static const char *const fields[] = {"category", "section", "kind",   "title", "body",
                                         "tags",     "status",  "intent", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    struct kb_article_input in = {0};
    if (read_input(o, &in, resp) == 0) {
        struct app *app = API_APP(req);
        struct fd_error err = {0};
        struct kb_article_rec art = {0};
        struct db *db = store_acquire(app->store);
        int rc = kb_article_update(db, a, locale, req->params[0], &in, &art, &err);
        store_release(app->store, db);
        respond_article(req, resp, 200, rc, &art, &err);
    }
    json_decref(o);
}

static int add_revision(void *ctx, const struct kb_revision_rec *r)
{
    char at[32];
    api_iso(r->created_at, at);
    json_array_append_new(
        ctx, json_pack("{s:i, s:s, s:s, s:s, s:o}", "revision", r->revision, "title", r->title,
                       "status", r->status, "created_at", at, "author",
                       r->author_id ? json_pack("{s:I, s:s}", "id", (json_int_t)r->author_id,
                                                "name", r->author_name)
                                    : json_null()));
    return 0;
}

static void revisions(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_editor(req, resp);
    const char *locale = locale_q(req);
    if (!a || check_locale_q(req, resp, locale))
        return;
    struct app *app = API_APP(req);
    json_t *arr = json_array();
    struct db *db = store_acquire(app->store);
    int rc = kb_revision_list(db, a, locale, req->params[0], add_revision, arr);
    store_release(app->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "revisions", arr));
}

static void revision_one(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_editor(req, resp);
    const char *locale = locale_q(req);
    if (!a || check_locale_q(req, resp, locale))
        return;
    char *end;
    long n = strtol(req->params[1], &end, 10);
    if (*end || n < 1 || n > 1000000) {
        http_resp_error(resp, 404, "not_found", "no such revision");
        return;
    }
    struct app *app = API_APP(req);
    struct kb_revision_rec r = {0};
    struct db *db = store_acquire(app->store);
    int rc = kb_revision_get(db, a, locale, req->params[0], (int)n, &r);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    char at[32];
    api_iso(r.created_at, at);
    http_resp_json(resp, 200,
                   json_pack("{s:{s:i, s:s, s:s, s:s, s:o, s:s, s:s}}", "revision", "revision",
                             r.revision, "title", r.title, "body", r.body, "kind", r.kind, "tags",
                             tags_json(r.tags), "status", r.status, "created_at", at));
    free(r.body);
}

static void restore(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = require_editor(req, resp);
    const char *locale = locale_q(req);
    if (!a || check_locale_q(req, resp, locale))
        return;
    static const char *const fields[] = {"revision", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int64_t rev = 0;
    if (api_int(o, "revision", 1, &rev, NULL, resp) == 0) {
        struct app *app = API_APP(req);
        struct fd_error err = {0};
        struct kb_article_rec art = {0};
        struct db *db = store_acquire(app->store);
        int rc = rev < 1 || rev > 1000000
                     ? fd_fail(&err, FD_EINVAL, "revision", "revision must be positive")
                     : kb_article_restore(db, a, locale, req->params[0], (int)rev, &art, &err);
        store_release(app->store, db);
        respond_article(req, resp, 200, rc, &art, &err);
    }
    json_decref(o);
}

static void render(struct http_req *req, struct http_resp *resp)
{
    if (!require_editor(req, resp))
        return;
    static const char *const fields[] = {"body", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *body = NULL;
    if (api_str(o, "body", 1, &body, resp) == 0) {
        char *html = NULL;
        int rc = strlen(body) > KB_BODY_MAX ? FD_ELIMIT : kb_render(body, strlen(body), &html);
        if (rc)
            api_fail(resp, rc, NULL);
        else
            http_resp_json(resp, 200, json_pack("{s:s}", "html", html));
        free(html);
    }
    json_decref(o);
}

static void vote(struct http_req *req, struct http_resp *resp)
{
    const char *locale = locale_q(req);
    if (check_locale_q(req, resp, locale))
        return;
    static const char *const fields[] = {"helpful", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int helpful = -1;
    if (api_bool(o, "helpful", &helpful, resp) == 0) {
        if (helpful < 0) {
            http_resp_error(resp, 400, "missing_field", "helpful is required (true or false)");
        } else {
            struct app *app = API_APP(req);
            struct kb_article_rec a = {0};
            struct db *db = store_acquire(app->store);
            int rc = kb_article_get(db, api_actor(req), locale, req->params[0], &a);
            if (rc == 0)
                rc = kb_article_vote(db, api_actor(req), a.id, helpful);
            store_release(app->store, db);
            kb_article_release(&a);
            if (rc)
                api_fail(resp, rc, NULL);
            else
                resp->status = 204;
        }
    }
    json_decref(o);
}

/* Runs a search and appends {slug,title,locale,kind,snippet,score,url} per visible hit. */
static int search_json(struct db *db, const struct auth_actor *a, const char *q, const char *locale,
                       int limit, enum kb_search_mode mode, json_t *arr, int64_t *ids, int *nids,
                       struct fd_error *err)
{
    struct kb_hit *hits = NULL;
    int n = 0;
    int rc = kb_search_run(db, q, locale, limit, mode, &hits, &n, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++) {
        struct kb_article_rec r;
        if (kb_article_get_id(db, a, hits[i].id, &r) != 0)
            continue;
        json_t *s = summary_json(&r);
        json_t *j = json_pack(
            "{s:O, s:O, s:O, s:O, s:s, s:f, s:O}", "slug", json_object_get(s, "slug"), "title",
            json_object_get(s, "title"), "locale", json_object_get(s, "locale"), "kind",
            json_object_get(s, "kind"), "snippet", hits[i].snippet ? hits[i].snippet : "", "score",
            hits[i].score, "url", json_object_get(s, "url"));
        json_decref(s);
        json_array_append_new(arr, j);
        if (ids && nids)
            ids[(*nids)++] = r.id;
        kb_article_release(&r);
    }
    kb_hits_free(hits, n);
    return 0;
}

static int query_params(struct http_req *req, struct http_resp *resp, const char **q,
                        const char **locale, int64_t *limit)
{
    *q = http_req_query(req, "q");
    if (!*q) {
        http_resp_error(resp, 400, "missing_field", "q is required");
        return -1;
    }
    *locale = http_req_query(req, "locale");
    if (*locale && !**locale)
        *locale = NULL;
    if (*locale && check_locale_q(req, resp, *locale))
        return -1;
    return api_query_int(req, resp, "limit", 1, 50, limit);
}

static void search_fail(struct http_resp *resp, int rc, const struct fd_error *err)
{
    if (rc == FD_ELIMIT)
        http_resp_error(resp, 400, "query_too_long", "%s",
                        err->message[0] ? err->message : "the query is too long");
    else if (rc == FD_EINVAL)
        http_resp_error(resp, 400, "invalid_query", "%s",
                        err->message[0] ? err->message : "the query is empty");
    else
        api_fail(resp, rc, err);
}

static void search(struct http_req *req, struct http_resp *resp)
{
    const char *q, *locale;
    int64_t limit = 10;
    if (query_params(req, resp, &q, &locale, &limit))
        return;
    struct app *app = API_APP(req);
    json_t *arr = json_array();
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = search_json(db, api_actor(req), q, locale, (int)limit, KB_SEARCH_FULL, arr, NULL, NULL,
                         &err);
    store_release(app->store, db);
    if (rc) {
        json_decref(arr);
        search_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "results", arr));
}

static void suggest(struct http_req *req, struct http_resp *resp)
{
    const char *q, *locale;
    int64_t limit = 8;
    if (query_params(req, resp, &q, &locale, &limit))
        return;
    struct app *app = API_APP(req);
    json_t *arr = json_array();
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = search_json(db, api_actor(req), q, locale, limit > 8 ? 8 : (int)limit,
                         KB_SEARCH_PREFIX, arr, NULL, NULL, &err);
    store_release(app->store, db);
    if (rc) {
        json_decref(arr);
        search_fail(resp, rc, &err);
        return;
    }
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_array_append_new(out, json_pack("{s:O, s:O, s:O}", "slug", json_object_get(v, "slug"),
                                             "title", json_object_get(v, "title"), "url",
                                             json_object_get(v, "url")));
    }
    json_decref(arr);
    http_resp_json(resp, 200, json_pack("{s:o}", "suggestions", out));
}

static void deflect(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"text", "channel", "token", "locale", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *text = NULL, *channel = "ticket", *token = NULL, *locale = NULL;
    if (api_str(o, "text", 1, &text, resp) || api_str(o, "channel", 0, &channel, resp) ||
        api_str(o, "token", 0, &token, resp) || api_str(o, "locale", 0, &locale, resp))
        goto out;
    if (strcmp(channel, "ticket") != 0 && strcmp(channel, "chat") != 0) {
        http_resp_error(resp, 400, "invalid_field", "channel must be ticket or chat");
        goto out;
    }
    /* Drafts are long; search uses their first KB_QUERY_MAX bytes, cut on a space. */
    char q[KB_QUERY_MAX + 1];
    snprintf(q, sizeof(q), "%s", text);
    if (strlen(text) > KB_QUERY_MAX) {
        char *sp = strrchr(q, ' ');
        if (sp)
            *sp = '\0';
    }
    struct app *app = API_APP(req);
    json_t *arr = json_array();
    int64_t ids[5];
    int nids = 0;
    struct fd_error err = {0};
    char tok[33] = "";
    struct db *db = store_acquire(app->store);
    int rc = search_json(db, api_actor(req), q, locale, 5, KB_SEARCH_FULL, arr, ids, &nids, &err);
    if (rc == 0)
        rc = kb_deflection_shown(db, api_actor(req), token, channel, q, ids, nids, tok);
    store_release(app->store, db);
    if (rc) {
        json_decref(arr);
        search_fail(resp, rc, &err);
        goto out;
    }
    http_resp_json(resp, 200, json_pack("{s:s, s:o}", "token", tok, "articles", arr));
out:
    json_decref(o);
}

static void deflect_opened(struct http_req *req, struct http_resp *resp)
{
    static const char *const fields[] = {"slug", "locale", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *slug = NULL, *locale = "en";
    if (api_str(o, "slug", 1, &slug, resp) == 0 && api_str(o, "locale", 0, &locale, resp) == 0) {
        struct app *app = API_APP(req);
        struct kb_article_rec a = {0};
        struct db *db = store_acquire(app->store);
        int rc = kb_article_get(db, api_actor(req), locale, slug, &a);
        if (rc == 0)
            rc = kb_deflection_opened(db, req->params[0], a.id);
        store_release(app->store, db);
        kb_article_release(&a);
        if (rc)
            api_fail(resp, rc, NULL);
        else
            resp->status = 204;
    }
    json_decref(o);
}

static void stats(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    struct app *app = API_APP(req);
    struct list_ctx l = {json_array(), 0, 0};
    struct kb_filter f = {0};
    f.order_by_views = 1;
    f.limit = 500;
    struct kb_deflection_stats d = {0};
    struct db *db = store_acquire(app->store);
    int rc = kb_article_list(db, a, &f, add_summary, &l);
    if (rc == 0)
        rc = kb_deflection_stats(db, &d);
    store_release(app->store, db);
    if (rc) {
        json_decref(l.arr);
        api_fail(resp, rc, NULL);
        return;
    }
    double rate = d.shown ? (double)d.deflected / (double)d.shown : 0.0;
    http_resp_json(resp, 200,
                   json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:f}}", "articles", l.arr, "deflection",
                             "shown", (json_int_t)d.shown, "opened", (json_int_t)d.opened, "filed",
                             (json_int_t)d.filed, "deflected", (json_int_t)d.deflected, "rate",
                             rate));
}

void api_kb_register(void)
{
    http_route("GET", "/api/v1/kb/categories", categories);
    http_route("GET", "/api/v1/kb/articles", list);
    http_route("POST", "/api/v1/kb/articles", create);
    http_route("GET", "/api/v1/kb/articles/{slug}", get_one);
    http_route("PATCH", "/api/v1/kb/articles/{slug}", patch);
    http_route("GET", "/api/v1/kb/articles/{slug}/revisions", revisions);
    http_route("GET", "/api/v1/kb/articles/{slug}/revisions/{n}", revision_one);
    http_route("POST", "/api/v1/kb/articles/{slug}/restore", restore);
    http_route("POST", "/api/v1/kb/articles/{slug}/vote", vote);
    http_route("POST", "/api/v1/kb/render", render);
    http_route("GET", "/api/v1/kb/search", search);
    http_route("GET", "/api/v1/kb/suggest", suggest);
    http_route("POST", "/api/v1/kb/deflect", deflect);
    http_route("POST", "/api/v1/kb/deflect/{token}/opened", deflect_opened);
    http_route("GET", "/api/v1/kb/stats", stats);
}
