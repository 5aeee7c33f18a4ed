/* Help-center articles: validation, revisions, visibility, votes, deflection records. */
#include "kb.h"

#include "../auth/auth.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "kb_int.h"
#include "search.h"

#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int kb_can_edit_user(const struct user_rec *u)
{
    return u->role == ROLE_ADMIN || u->role == ROLE_SUPERVISOR ||
           (u->role == ROLE_AGENT && u->kb_editor);
}

int kb_can_edit(const struct auth_actor *a)
{
    /* API tokens carry ticket scopes only: editing stays with signed-in people. */
    if (!a || a->via_token)
        return 0;
    return kb_can_edit_user(&a->user);
}

void kb_article_release(struct kb_article_rec *a)
{
    if (a)
        FD_FREE(a->body);
}

int kb__check_slug(const char *s, const char *field, struct fd_error *err)
{
    size_t n = strlen(s);
    if (n < 1 || n > KB_SLUG_MAX)
        return fd_fail(err, FD_EINVAL, field, "%s must be 1 to %d characters", field, KB_SLUG_MAX);
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return fd_fail(err, FD_EINVAL, field,
                           "%s may only contain lower-case letters, digits and '-'", field);
    return 0;
}

int kb__check_locale(const char *s, struct fd_error *err)
{
    size_t n = strlen(s);
    int ok = n >= 2 && n <= 3;
    for (size_t i = 0; ok && i < n; i++)
        ok = islower((unsigned char)s[i]);
    return ok ? 0
              : fd_fail(err, FD_EINVAL, "locale",
                        "locale must be a 2 or 3 letter lower-case language code like en");
}

static int check_tag(const char *t, struct fd_error *err)
{
    size_t n = strlen(t);
    if (n < 1 || n > FD_TAG_MAX)
        return fd_fail(err, FD_EINVAL, "tags", "each tag must be 1 to %d characters", FD_TAG_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!(islower(c) || isdigit(c) || c == '-' || c == '_' || c == ':'))
            return fd_fail(err, FD_EINVAL, "tags",
                           "tag \"%.40s\": use lower-case letters, digits, '-', '_' or ':'", t);
    }
    return 0;
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
    return strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0);
}

/* Checks the given fields of in (NULL = not given). */
static int check_input(const struct kb_article_input *in, struct fd_error *err)
{
    int rc;
    if (in->slug && (rc = kb__check_slug(in->slug, "slug", err)))
        return rc;
    if (in->locale && (rc = kb__check_locale(in->locale, err)))
        return rc;
    if (in->kind && !one_of(in->kind, "article", "faq", NULL))
        return fd_fail(err, FD_EINVAL, "kind", "kind must be article or faq");
    if (in->status && !one_of(in->status, "draft", "published", "archived"))
        return fd_fail(err, FD_EINVAL, "status", "status must be draft, published or archived");
    if (in->title) {
        size_t n = strlen(in->title);
        const char *p = in->title;
        while (*p == ' ')
            p++;
        if (!*p || n > KB_TITLE_MAX)
            return fd_fail(err, FD_EINVAL, "title", "title must be 1 to %d bytes", KB_TITLE_MAX);
    }
    if (in->body) {
        size_t n = strlen(in->body);
        if (n == 0 || n > KB_BODY_MAX)
            return fd_fail(err, FD_EINVAL, "body", "body must be 1 byte to %d KiB of Markdown",
                           KB_BODY_MAX / 1024);
    }
    if (in->intent && strlen(in->intent) > 63)
        return fd_fail(err, FD_EINVAL, "intent", "intent is at most 63 characters");
    if (in->ntags > FD_TAGS_MAX)
        return fd_fail(err, FD_EINVAL, "tags", "at most %d tags", FD_TAGS_MAX);
    for (int i = 0; i < in->ntags; i++)
        if ((rc = check_tag(in->tags[i], err)))
            return rc;
    if (in->category && (rc = kb__check_slug(in->category, "category", err)))
        return rc;
    if (in->section && (rc = kb__check_slug(in->section, "section", err)))
        return rc;
    return 0;
}

static void join_tags(const struct kb_article_input *in, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < in->ntags; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= strcmp(in->tags[i], in->tags[j]) == 0;
        if (dup)
            continue;
        int w = snprintf(out + o, n - o, "%s%s", o ? " " : "", in->tags[i]);
        if (w < 0 || (size_t)w >= n - o)
            break;
        o += (size_t)w;
    }
}

/* Keeps the search index in step: published articles are indexed, others are not. */
static int reindex(struct db *db, const struct kb_article_rec *a)
{
    if (strcmp(a->status, "published") != 0)
        return kb_search_delete(db, a->id);
    struct kb_doc d = {a->id, a->locale, a->title, a->body ? a->body : "", a->tags};
    return kb_search_put(db, &d);
}

static int log_event(struct db *db, const struct auth_actor *a, const char *type,
                     const struct kb_article_rec *art)
{
    json_t *j = json_pack("{s:{s:I, s:s, s:s, s:i, s:s}}", "after", "article_id",
                          (json_int_t)art->id, "locale", art->locale, "slug", art->slug, "revision",
                          art->revision, "status", art->status);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = store_event_insert(db, 0, a ? a->user.id : 0, type, text, fd_now_ms());
    free(text);
    return rc;
}

static int resolve_section(struct db *db, const char *category, const char *section, int64_t *id,
                           struct fd_error *err)
{
    struct kb_section_rec s;
    int rc = store_kb_section_get(db, category, section, &s);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, FD_EINVAL, "section", "unknown section \"%s/%s\"", category, section);
    if (rc == 0)
        *id = s.id;
    return rc;
}

int kb__article_create_locked(struct db *db, const struct auth_actor *a,
                              const struct kb_article_input *in, struct kb_article_rec *out,
                              struct fd_error *err)
{
    int rc;
    if (!in->category || !in->section)
        return fd_fail(err, FD_EINVAL, in->category ? "section" : "category",
                       "category and section are required");
    if (!in->slug || !in->title || !in->body)
        return fd_fail(err, FD_EINVAL,
                       !in->slug    ? "slug"
                       : !in->title ? "title"
                                    : "body",
                       "%s is required",
                       !in->slug    ? "slug"
                       : !in->title ? "title"
                                    : "body");
    struct kb_article_rec *r = xcalloc(1, sizeof(*r));
    if ((rc = resolve_section(db, in->category, in->section, &r->section_id, err)))
        goto out;
    snprintf(r->kind, sizeof(r->kind), "%s", in->kind ? in->kind : "article");
    snprintf(r->locale, sizeof(r->locale), "%s", in->locale ? in->locale : "en");
    snprintf(r->slug, sizeof(r->slug), "%s", in->slug);
    snprintf(r->title, sizeof(r->title), "%s", in->title);
    snprintf(r->status, sizeof(r->status), "%s", in->status ? in->status : "draft");
    snprintf(r->intent, sizeof(r->intent), "%s", in->intent ? in->intent : "");
    join_tags(in, r->tags, sizeof(r->tags));
    if (in->translation_of) {
        struct kb_article_rec orig;
        rc = store_kb_article_get(db, "en", in->translation_of, 0, &orig);
        if (rc == FD_ENOTFOUND)
            rc = fd_fail(err, FD_EINVAL, "translation_of",
                         "translation_of: no English article \"%s\"", in->translation_of);
        if (rc)
            goto out;
        r->translation_of = orig.translation_of ? orig.translation_of : orig.id;
    }
    r->body = (char *)in->body;
    r->author_id = a ? a->user.id : 0;
    r->revision = 1;
    r->created_at = r->updated_at = fd_now_ms();
    rc = store_kb_article_insert(db, r);
    if (rc == FD_ECONFLICT)
        rc = fd_fail(err, FD_ECONFLICT, "slug", "an article \"%s\" exists in locale %s", r->slug,
                     r->locale);
    if (rc || (rc = store_kb_revision_insert(db, r)) || (rc = reindex(db, r)) ||
        (rc = log_event(db, a, "kb_article_created", r)))
        goto out;
    if (out) {
        r->body = NULL;
        rc = store_kb_article_get_id(db, r->id, 1, out);
    }
out:
    if (r)
        r->body = NULL; /* borrowed from in */
    free(r);
    return rc;
}

static int update_locked(struct db *db, const struct auth_actor *a, struct kb_article_rec *cur,
                         const struct kb_article_input *in, struct fd_error *err)
{
    int rc;
    if (in->category || in->section) {
        if (!in->category || !in->section)
            return fd_fail(err, FD_EINVAL, "section",
                           "give both category and section to move an article");
        if ((rc = resolve_section(db, in->category, in->section, &cur->section_id, err)))
            return rc;
    }
    if (in->kind)
        snprintf(cur->kind, sizeof(cur->kind), "%s", in->kind);
    if (in->title)
        snprintf(cur->title, sizeof(cur->title), "%s", in->title);
    if (in->status)
        snprintf(cur->status, sizeof(cur->status), "%s", in->status);
    if (in->intent)
        snprintf(cur->intent, sizeof(cur->intent), "%s", in->intent);
    if (in->has_tags)
        join_tags(in, cur->tags, sizeof(cur->tags));
    if (in->body) {
        free(cur->body);
        cur->body = xstrdup(in->body);
    }
    cur->revision++;
    cur->author_id = a ? a->user.id : cur->author_id;
    cur->updated_at = fd_now_ms();
    if ((rc = store_kb_article_update(db, cur)) || (rc = store_kb_revision_insert(db, cur)) ||
        (rc = reindex(db, cur)) || (rc = log_event(db, a, "kb_article_updated", cur)))
        return rc;
    return 0;
}

int kb__article_put_locked(struct db *db, const struct kb_article_input *in, struct fd_error *err)
{
    struct kb_article_rec cur;
    const char *locale = in->locale ? in->locale : "en";
    int rc = check_input(in, err);
    if (rc)
        return rc;
    if (!in->slug)
        return fd_fail(err, FD_EINVAL, "slug", "slug is required");
    rc = store_kb_article_get(db, locale, in->slug, 1, &cur);
    if (rc == FD_ENOTFOUND)
        return kb__article_create_locked(db, NULL, in, NULL, err);
    if (rc)
        return rc;
    rc = update_locked(db, NULL, &cur, in, err);
    kb_article_release(&cur);
    return rc;
}

int kb_article_create(struct db *db, const struct auth_actor *a, const struct kb_article_input *in,
                      struct kb_article_rec *out, struct fd_error *err)
{
    if (a && !kb_can_edit(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "editing the help center needs kb_editor");
    int rc = check_input(in, err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    rc = kb__article_create_locked(db, a, in, out, err);
    if (rc == 0 && (rc = db_commit(db)) && out)
        kb_article_release(out);
    db_rollback(db);
    return rc;
}

static int visible(const struct auth_actor *a, const struct kb_article_rec *r)
{
    return strcmp(r->status, "published") == 0 || kb_can_edit(a);
}

int kb_article_update(struct db *db, const struct auth_actor *a, const char *locale,
                      const char *slug, const struct kb_article_input *in,
                      struct kb_article_rec *out, struct fd_error *err)
{
    if (!kb_can_edit(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "editing the help center needs kb_editor");
    int rc = check_input(in, err);
    if (rc)
        return rc;
    if (in->slug || in->locale || in->translation_of)
        return fd_fail(err, FD_EINVAL,
                       in->slug     ? "slug"
                       : in->locale ? "locale"
                                    : "translation_of",
                       "slug, locale and translation_of cannot be changed");
    struct kb_article_rec cur = {0};
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = store_kb_article_get(db, locale, slug, 1, &cur)) ||
        (rc = update_locked(db, a, &cur, in, err)) || (rc = db_commit(db)))
        goto out;
    if (out)
        rc = store_kb_article_get_id(db, cur.id, 1, out);
out:
    db_rollback(db);
    kb_article_release(&cur);
    return rc;
}

int kb_article_get(struct db *db, const struct auth_actor *a, const char *locale, const char *slug,
                   struct kb_article_rec *out)
{
    int rc = store_kb_article_get(db, locale, slug, 1, out);
    if (rc)
        return rc;
    if (!visible(a, out)) {
        kb_article_release(out);
        return FD_ENOTFOUND;
    }
    return 0;
}

int kb_article_get_any(struct db *db, const struct auth_actor *a, const char *slug,
                       struct kb_article_rec *out)
{
    int rc = store_kb_article_get_any(db, slug, out);
    if (rc)
        return rc;
    if (!visible(a, out)) {
        kb_article_release(out);
        return FD_ENOTFOUND;
    }
    return 0;
}

int kb_article_get_id(struct db *db, const struct auth_actor *a, int64_t id,
                      struct kb_article_rec *out)
{
    int rc = store_kb_article_get_id(db, id, 1, out);
    if (rc)
        return rc;
    if (!visible(a, out)) {
        kb_article_release(out);
        return FD_ENOTFOUND;
    }
    return 0;
}

int kb_article_list(struct db *db, const struct auth_actor *a, const struct kb_filter *f,
                    kb_article_cb cb, void *ctx)
{
    struct kb_list_filter lf = {0};
    lf.category = f->category;
    lf.section = f->section;
    lf.locale = f->locale;
    lf.kind = f->kind;
    lf.intent = f->intent;
    lf.status = kb_can_edit(a) ? f->status : "published";
    lf.order_by_views = f->order_by_views;
    lf.after_id = f->after_id;
    lf.limit = f->limit;
    return store_kb_article_list(db, &lf, cb, ctx);
}

static int check_name(const char *name, const char *desc, struct fd_error *err)
{
    size_t n = strlen(name);
    if (n < 1 || n > 120)
        return fd_fail(err, FD_EINVAL, "name", "name must be 1 to 120 bytes");
    if (desc && strlen(desc) > 300)
        return fd_fail(err, FD_EINVAL, "description", "description is at most 300 bytes");
    return 0;
}

int kb_category_put(struct db *db, const char *slug, const char *name, const char *description,
                    int position, struct fd_error *err)
{
    int rc;
    if ((rc = kb__check_slug(slug, "slug", err)) || (rc = check_name(name, description, err)))
        return rc;
    struct kb_category_rec c = {0};
    snprintf(c.slug, sizeof(c.slug), "%s", slug);
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.description, sizeof(c.description), "%s", description ? description : "");
    c.position = position;
    return store_kb_category_put(db, &c);
}

int kb_section_put(struct db *db, const char *category, const char *slug, const char *name,
                   const char *description, int position, struct fd_error *err)
{
    int rc;
    if ((rc = kb__check_slug(slug, "slug", err)) || (rc = check_name(name, description, err)))
        return rc;
    struct kb_category_rec c;
    rc = store_kb_category_get(db, category, &c);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, FD_EINVAL, "category", "unknown category \"%s\"", category);
    if (rc)
        return rc;
    struct kb_section_rec s = {0};
    s.category_id = c.id;
    snprintf(s.slug, sizeof(s.slug), "%s", slug);
    snprintf(s.name, sizeof(s.name), "%s", name);
    snprintf(s.description, sizeof(s.description), "%s", description ? description : "");
    s.position = position;
    return store_kb_section_put(db, &s);
}

int kb_category_list(struct db *db, kb_category_cb cb, void *ctx)
{
    return store_kb_category_list(db, cb, ctx);
}

int kb_section_list(struct db *db, const char *category, const char *locale, kb_section_cb cb,
                    void *ctx)
{
    return store_kb_section_list(db, category, locale, cb, ctx);
}

int kb_section_get(struct db *db, const char *category, const char *slug,
                   struct kb_section_rec *out)
{
    return store_kb_section_get(db, category, slug, out);
}

int kb_category_get(struct db *db, const char *slug, struct kb_category_rec *out)
{
    return store_kb_category_get(db, slug, out);
}

struct trans_ctx {
    const struct kb_article_rec *self;
    kb_article_cb cb;
    void *ctx;
};

static int trans_cb(void *ctx, const struct kb_article_rec *r)
{
    struct trans_ctx *t = ctx;
    if (r->id == t->self->id)
        return 0;
    return t->cb(t->ctx, r);
}

int kb_translations(struct db *db, const struct kb_article_rec *a, kb_article_cb cb, void *ctx)
{
    struct kb_list_filter lf = {0};
    lf.status = "published";
    lf.translation_group = a->translation_of ? a->translation_of : a->id;
    lf.limit = 50;
    struct trans_ctx t = {a, cb, ctx};
    return store_kb_article_list(db, &lf, trans_cb, &t);
}

static int editable_id(struct db *db, const struct auth_actor *a, const char *locale,
                       const char *slug, int64_t *id)
{
    if (!kb_can_edit(a))
        return FD_EFORBIDDEN;
    struct kb_article_rec r;
    int rc = store_kb_article_get(db, locale, slug, 0, &r);
    if (rc == 0)
        *id = r.id;
    return rc;
}

int kb_revision_list(struct db *db, const struct auth_actor *a, const char *locale,
                     const char *slug, kb_revision_cb cb, void *ctx)
{
    int64_t id;
    int rc = editable_id(db, a, locale, slug, &id);
    return rc ? rc : store_kb_revision_list(db, id, cb, ctx);
}

int kb_revision_get(struct db *db, const struct auth_actor *a, const char *locale, const char *slug,
                    int revision, struct kb_revision_rec *out)
{
    int64_t id;
    int rc = editable_id(db, a, locale, slug, &id);
    return rc ? rc : store_kb_revision_get(db, id, revision, out);
}

int kb_article_restore(struct db *db, const struct auth_actor *a, const char *locale,
                       const char *slug, int revision, struct kb_article_rec *out,
                       struct fd_error *err)
{
    struct kb_revision_rec rev = {0};
    int rc = kb_revision_get(db, a, locale, slug, revision, &rev);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, FD_ENOTFOUND, "revision", "no revision %d", revision);
    if (rc)
        return rc;
    struct kb_article_input in = {0};
    in.title = rev.title;
    in.body = rev.body;
    in.status = rev.status;
    in.kind = rev.kind;
    char tags[KB_TAGS_TEXT_MAX + 1];
    snprintf(tags, sizeof(tags), "%s", rev.tags);
    in.has_tags = 1;
    char *save = NULL;
    for (char *t = strtok_r(tags, " ", &save); t && in.ntags < FD_TAGS_MAX;
         t = strtok_r(NULL, " ", &save))
        in.tags[in.ntags++] = t;
    /* The section may have moved since; restore it too. */
    struct kb_article_rec cur = {0};
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = store_kb_article_get(db, locale, slug, 1, &cur)))
        goto out;
    cur.section_id = rev.section_id;
    if ((rc = update_locked(db, a, &cur, &in, err)) || (rc = db_commit(db)))
        goto out;
    if (out)
        rc = store_kb_article_get_id(db, cur.id, 1, out);
out:
    db_rollback(db);
    kb_article_release(&cur);
    free(rev.body);
    return rc;
}

int kb_article_viewed(struct db *db, int64_t id)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = store_kb_article_viewed(db, id);
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int kb_article_vote(struct db *db, const struct auth_actor *a, int64_t id, int helpful)
{
    struct kb_article_rec r;
    int rc = store_kb_article_get_id(db, id, 0, &r);
    if (rc)
        return rc;
    if (strcmp(r.status, "published") != 0)
        return FD_ENOTFOUND;
    if ((rc = db_begin_write(db)))
        return rc;
    rc = store_kb_vote_insert(db, id, helpful, a ? a->user.id : 0, fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int kb_deflection_shown(struct db *db, const struct auth_actor *a, const char *token_in,
                        const char *channel, const char *query, const int64_t *ids, int n,
                        char *token_out)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(ids[i]));
    char *shown = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    int64_t user = a ? a->user.id : 0, now = fd_now_ms();
    int rc = db_begin_write(db);
    if (rc)
        goto out;
    rc = FD_ENOTFOUND;
    if (token_in && strlen(token_in) == 32)
        rc = store_kb_deflection_update(db, token_in, user, query, shown, now);
    if (rc == 0) {
        snprintf(token_out, 33, "%s", token_in);
    } else if (rc == FD_ENOTFOUND) {
        unsigned char r[16];
        randombytes_buf(r, sizeof(r));
        sodium_bin2hex(token_out, 33, r, sizeof(r));
        rc = store_kb_deflection_insert(db, token_out, user, channel, query, shown, now);
    }
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    free(shown);
    return rc;
}

static int deflection_set(struct db *db, const char *token, const char *column, int64_t v)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = store_kb_deflection_set(db, token, column, v, fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int kb_deflection_opened(struct db *db, const char *token, int64_t article_id)
{
    return deflection_set(db, token, "opened_article_id", article_id);
}

int kb_deflection_filed(struct db *db, const char *token, int64_t ticket_id)
{
    return deflection_set(db, token, "ticket_id", ticket_id);
}

int kb_deflection_stats(struct db *db, struct kb_deflection_stats *out)
{
    int64_t v[4];
    int rc = store_kb_deflection_stats(db, v);
    if (rc)
        return rc;
    out->shown = v[0];
    out->opened = v[1];
    out->filed = v[2];
    out->deflected = v[3];
    return 0;
}
