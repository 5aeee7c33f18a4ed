/* Help center: categories, sections, articles, revisions, votes and deflections. */
#include "store.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

int store_kb_category_put(struct db *db, struct kb_category_rec *c)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO kb_categories (slug, name, description, position) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (slug) DO UPDATE SET name = excluded.name, "
                   "description = excluded.description, position = excluded.position "
                   "RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, c->slug);
    db_bind_text(st, 2, c->name);
    db_bind_text(st, 3, c->description);
    db_bind_int64(st, 4, c->position);
    int rc = db_step(st);
    if (rc == 1)
        c->id = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

int store_kb_section_put(struct db *db, struct kb_section_rec *s)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO kb_sections (category_id, slug, name, description, position) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (category_id, slug) DO UPDATE SET "
                   "name = excluded.name, description = excluded.description, "
                   "position = excluded.position RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, s->category_id);
    db_bind_text(st, 2, s->slug);
    db_bind_text(st, 3, s->name);
    db_bind_text(st, 4, s->description);
    db_bind_int64(st, 5, s->position);
    int rc = db_step(st);
    if (rc == 1)
        s->id = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

static void read_category(struct db_stmt *st, struct kb_category_rec *c)
{
    memset(c, 0, sizeof(*c));
    c->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, c->slug);
    STORE_COPY(st, 2, c->name);
    STORE_COPY(st, 3, c->description);
    c->position = (int)db_col_int64(st, 4);
}

int store_kb_category_get(struct db *db, const char *slug, struct kb_category_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, slug, name, description, position FROM kb_categories "
                   "WHERE slug = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, slug);
    int rc = db_step(st);
    if (rc == 1)
        read_category(st, out);
    return store__finish_row(st, rc);
}

int store_kb_category_list(struct db *db, int (*cb)(void *, const struct kb_category_rec *),
                           void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, slug, name, description, position FROM kb_categories "
                   "ORDER BY position, name",
                   &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct kb_category_rec c;
        read_category(st, &c);
        if ((rc = cb(ctx, &c)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

#define SECTION_COLS "s.id, s.category_id, c.slug, s.slug, s.name, s.description, s.position "

static void read_section(struct db_stmt *st, struct kb_section_rec *s)
{
    memset(s, 0, sizeof(*s));
    s->id = db_col_int64(st, 0);
    s->category_id = db_col_int64(st, 1);
    STORE_COPY(st, 2, s->category);
    STORE_COPY(st, 3, s->slug);
    STORE_COPY(st, 4, s->name);
    STORE_COPY(st, 5, s->description);
    s->position = (int)db_col_int64(st, 6);
}

int store_kb_section_get(struct db *db, const char *category, const char *slug,
                         struct kb_section_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SECTION_COLS "FROM kb_sections s JOIN kb_categories c "
                   "ON c.id = s.category_id WHERE c.slug = ? AND s.slug = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, category);
    db_bind_text(st, 2, slug);
    int rc = db_step(st);
    if (rc == 1)
        read_section(st, out);
    return store__finish_row(st, rc);
}

int store_kb_section_list(struct db *db, const char *category, const char *locale,
                          int (*cb)(void *, const struct kb_section_rec *, int64_t), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SECTION_COLS ", (SELECT count(*) FROM kb_articles a WHERE "
                   "a.section_id = s.id AND a.status = 'published' AND (? IS NULL OR "
                   "a.locale = ?)) FROM kb_sections s JOIN kb_categories c "
                   "ON c.id = s.category_id WHERE (? IS NULL OR c.slug = ?) "
                   "ORDER BY c.position, c.name, s.position, s.name",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, locale);
    db_bind_text(st, 2, locale);
    db_bind_text(st, 3, category);
    db_bind_text(st, 4, category);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct kb_section_rec s;
        read_section(st, &s);
        if ((rc = cb(ctx, &s, db_col_int64(st, 7))) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

#define ARTICLE_COLS                                                                               \
    "a.id, a.section_id, c.slug, s.slug, a.kind, a.locale, a.slug, a.title, a.tags, a.status, "    \
    "a.intent, a.translation_of, a.author_id, u.name, a.revision, a.views, a.helpful_yes, "        \
    "a.helpful_no, a.created_at, a.updated_at "
#define ARTICLE_FROM                                                                               \
    "FROM kb_articles a JOIN kb_sections s ON s.id = a.section_id "                                \
    "JOIN kb_categories c ON c.id = s.category_id LEFT JOIN users u ON u.id = a.author_id "

static void read_article(struct db_stmt *st, struct kb_article_rec *a)
{
    memset(a, 0, sizeof(*a));
    a->id = db_col_int64(st, 0);
    a->section_id = db_col_int64(st, 1);
    STORE_COPY(st, 2, a->category);
    STORE_COPY(st, 3, a->section);
    STORE_COPY(st, 4, a->kind);
    STORE_COPY(st, 5, a->locale);
    STORE_COPY(st, 6, a->slug);
    STORE_COPY(st, 7, a->title);
    STORE_COPY(st, 8, a->tags);
    STORE_COPY(st, 9, a->status);
    STORE_COPY(st, 10, a->intent);
    a->translation_of = db_col_int64(st, 11);
    a->author_id = db_col_int64(st, 12);
    STORE_COPY(st, 13, a->author_name);
    a->revision = (int)db_col_int64(st, 14);
    a->views = db_col_int64(st, 15);
    a->helpful_yes = db_col_int64(st, 16);
    a->helpful_no = db_col_int64(st, 17);
    a->created_at = db_col_int64(st, 18);
    a->updated_at = db_col_int64(st, 19);
}

static void bind_opt_id(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

/* The 12 mutable columns, in the order of INSERT and UPDATE below. */
static void bind_article(struct db_stmt *st, const struct kb_article_rec *a)
{
    db_bind_int64(st, 1, a->section_id);
    db_bind_text(st, 2, a->kind);
    db_bind_text(st, 3, a->title);
    db_bind_text(st, 4, a->body ? a->body : "");
    db_bind_text(st, 5, a->tags);
    db_bind_text(st, 6, a->status);
    store__bind_opt(st, 7, a->intent);
    bind_opt_id(st, 8, a->translation_of);
    bind_opt_id(st, 9, a->author_id);
    db_bind_int64(st, 10, a->revision);
    db_bind_int64(st, 11, a->updated_at);
}

int store_kb_article_insert(struct db *db, struct kb_article_rec *a)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO kb_articles (section_id, kind, title, body_md, tags, status, "
                   "intent, translation_of, author_id, revision, updated_at, locale, slug, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    bind_article(st, a);
    db_bind_text(st, 12, a->locale);
    db_bind_text(st, 13, a->slug);
    db_bind_int64(st, 14, a->created_at);
    return store__step_id(st, &a->id);
}

int store_kb_article_update(struct db *db, const struct kb_article_rec *a)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE kb_articles SET section_id = ?, kind = ?, title = ?, body_md = ?, "
                   "tags = ?, status = ?, intent = ?, translation_of = ?, author_id = ?, "
                   "revision = ?, updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    bind_article(st, a);
    db_bind_int64(st, 12, a->id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ENOTFOUND;
}

static int get_article(struct db *db, struct db_stmt *st, int with_body, struct kb_article_rec *out)
{
    int rc = db_step(st);
    if (rc == 1) {
        read_article(st, out);
        if (with_body) {
            const char *b = db_col_text(st, 20);
            out->body = xstrdup(b ? b : "");
        }
    }
    (void)db;
    return store__finish_row(st, rc);
}

int store_kb_article_get(struct db *db, const char *locale, const char *slug, int with_body,
                         struct kb_article_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " ARTICLE_COLS ", a.body_md " ARTICLE_FROM
                   "WHERE a.locale = ? AND a.slug = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, locale);
    db_bind_text(st, 2, slug);
    return get_article(db, st, with_body, out);
}

int store_kb_article_get_any(struct db *db, const char *slug, struct kb_article_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " ARTICLE_COLS ", a.body_md " ARTICLE_FROM
                   "WHERE a.slug = ? ORDER BY a.status = 'published' DESC, a.locale = 'en' DESC, "
                   "a.id LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, slug);
    return get_article(db, st, 1, out);
}

int store_kb_article_get_id(struct db *db, int64_t id, int with_body, struct kb_article_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " ARTICLE_COLS ", a.body_md " ARTICLE_FROM "WHERE a.id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    return get_article(db, st, with_body, out);
}

int store_kb_article_list(struct db *db, const struct kb_list_filter *f,
                          int (*cb)(void *, const struct kb_article_rec *), void *ctx)
{
    struct db_stmt *st;
    const char *sql = f->order_by_views
                          ? "SELECT " ARTICLE_COLS ARTICLE_FROM
                            "WHERE (? IS NULL OR c.slug = ?) AND (? IS NULL OR s.slug = ?) "
                            "AND (? IS NULL OR a.locale = ?) AND (? IS NULL OR a.kind = ?) "
                            "AND (? IS NULL OR a.status = ?) AND (? IS NULL OR a.intent = ?) "
                            "AND (? = 0 OR a.id = ? OR a.translation_of = ?) "
                            "AND (? = 0 OR a.id > ?) ORDER BY a.views DESC, a.id LIMIT ?"
                          : "SELECT " ARTICLE_COLS ARTICLE_FROM
                            "WHERE (? IS NULL OR c.slug = ?) AND (? IS NULL OR s.slug = ?) "
                            "AND (? IS NULL OR a.locale = ?) AND (? IS NULL OR a.kind = ?) "
                            "AND (? IS NULL OR a.status = ?) AND (? IS NULL OR a.intent = ?) "
                            "AND (? = 0 OR a.id = ? OR a.translation_of = ?) "
                            "AND (? = 0 OR a.id > ?) ORDER BY a.id LIMIT ?";
    if (db_prepare(db, sql, &st))
        return FD_EDB;
    const char *texts[] = {f->category, f->section, f->locale, f->kind, f->status, f->intent};
    for (int i = 0; i < 6; i++) {
        db_bind_text(st, 2 * i + 1, texts[i]);
        db_bind_text(st, 2 * i + 2, texts[i]);
    }
    db_bind_int64(st, 13, f->translation_group);
    db_bind_int64(st, 14, f->translation_group);
    db_bind_int64(st, 15, f->translation_group);
    db_bind_int64(st, 16, f->after_id);
    db_bind_int64(st, 17, f->after_id);
    db_bind_int64(st, 18, f->limit > 0 ? f->limit : 100);
    int rc;
    struct kb_article_rec *a = xmalloc(sizeof(*a));
    while ((rc = db_step(st)) == 1) {
        read_article(st, a);
        if ((rc = cb(ctx, a)) != 0)
            break;
    }
    free(a);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_kb_revision_insert(struct db *db, const struct kb_article_rec *a)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO kb_revisions (article_id, revision, section_id, kind, title, "
                   "body_md, tags, status, author_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, a->id);
    db_bind_int64(st, 2, a->revision);
    db_bind_int64(st, 3, a->section_id);
    db_bind_text(st, 4, a->kind);
    db_bind_text(st, 5, a->title);
    db_bind_text(st, 6, a->body ? a->body : "");
    db_bind_text(st, 7, a->tags);
    db_bind_text(st, 8, a->status);
    bind_opt_id(st, 9, a->author_id);
    db_bind_int64(st, 10, a->updated_at);
    return store__step_done(st);
}

#define REV_COLS                                                                                   \
    "r.article_id, r.revision, r.section_id, r.kind, r.title, r.tags, r.status, r.author_id, "     \
    "u.name, r.created_at, r.body_md FROM kb_revisions r LEFT JOIN users u ON u.id = r.author_id "

static void read_revision(struct db_stmt *st, struct kb_revision_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->article_id = db_col_int64(st, 0);
    r->revision = (int)db_col_int64(st, 1);
    r->section_id = db_col_int64(st, 2);
    STORE_COPY(st, 3, r->kind);
    STORE_COPY(st, 4, r->title);
    STORE_COPY(st, 5, r->tags);
    STORE_COPY(st, 6, r->status);
    r->author_id = db_col_int64(st, 7);
    STORE_COPY(st, 8, r->author_name);
    r->created_at = db_col_int64(st, 9);
}

int store_kb_revision_list(struct db *db, int64_t article_id,
                           int (*cb)(void *, const struct kb_revision_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " REV_COLS "WHERE r.article_id = ? ORDER BY r.revision DESC", &st))
        return FD_EDB;
    db_bind_int64(st, 1, article_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct kb_revision_rec r;
        read_revision(st, &r);
        r.body = (char *)db_col_text(st, 10);
        if ((rc = cb(ctx, &r)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_kb_revision_get(struct db *db, int64_t article_id, int revision,
                          struct kb_revision_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " REV_COLS "WHERE r.article_id = ? AND r.revision = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, article_id);
    db_bind_int64(st, 2, revision);
    int rc = db_step(st);
    if (rc == 1) {
        read_revision(st, out);
        const char *b = db_col_text(st, 10);
        out->body = xstrdup(b ? b : "");
    }
    return store__finish_row(st, rc);
}

static int exec_id(struct db *db, const char *sql, int64_t id)
{
    struct db_stmt *st;
    if (db_prepare(db, sql, &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ENOTFOUND;
}

int store_kb_article_viewed(struct db *db, int64_t id)
{
    return exec_id(db, "UPDATE kb_articles SET views = views + 1 WHERE id = ?", id);
}

int store_kb_vote_insert(struct db *db, int64_t article_id, int helpful, int64_t user_id,
                         int64_t now)
{
    int rc = exec_id(db,
                     helpful ? "UPDATE kb_articles SET helpful_yes = helpful_yes + 1 WHERE id = ?"
                             : "UPDATE kb_articles SET helpful_no = helpful_no + 1 WHERE id = ?",
                     article_id);
    if (rc)
        return rc;
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO kb_votes (article_id, helpful, user_id, created_at) "
                   "VALUES (?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, article_id);
    db_bind_int64(st, 2, helpful ? 1 : 0);
    bind_opt_id(st, 3, user_id);
    db_bind_int64(st, 4, now);
    rc = db_step(st);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_kb_deflection_insert(struct db *db, const char *token, int64_t user_id,
                               const char *channel, const char *query, const char *shown_json,
                               int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO kb_deflections (token, user_id, channel, query, shown, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token);
    bind_opt_id(st, 2, user_id);
    db_bind_text(st, 3, channel);
    db_bind_text(st, 4, query);
    db_bind_text(st, 5, shown_json);
    db_bind_int64(st, 6, now);
    db_bind_int64(st, 7, now);
    return store__step_done(st);
}

int store_kb_deflection_update(struct db *db, const char *token, int64_t user_id, const char *query,
                               const char *shown_json, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE kb_deflections SET query = ?, shown = ?, updated_at = ? "
                   "WHERE token = ? AND coalesce(user_id, 0) = ? AND ticket_id IS NULL",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, query);
    db_bind_text(st, 2, shown_json);
    db_bind_int64(st, 3, now);
    db_bind_text(st, 4, token);
    db_bind_int64(st, 5, user_id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ENOTFOUND;
}

int store_kb_deflection_set(struct db *db, const char *token, const char *column, int64_t v,
                            int64_t now)
{
    /* Two fixed statements: the column name is never built from input. */
    const char *sql =
        strcmp(column, "ticket_id") == 0
            ? "UPDATE kb_deflections SET ticket_id = ?, updated_at = ? WHERE token = ? "
              "AND ticket_id IS NULL"
            : "UPDATE kb_deflections SET opened_article_id = ?, updated_at = ? WHERE token = ?";
    struct db_stmt *st;
    if (db_prepare(db, sql, &st))
        return FD_EDB;
    db_bind_int64(st, 1, v);
    db_bind_int64(st, 2, now);
    db_bind_text(st, 3, token);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ENOTFOUND;
}

int store_kb_deflection_stats(struct db *db, int64_t out[4])
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT count(*), count(opened_article_id), count(ticket_id), "
                   "sum(CASE WHEN opened_article_id IS NOT NULL AND ticket_id IS NULL "
                   "THEN 1 ELSE 0 END) FROM kb_deflections",
                   &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1)
        for (int i = 0; i < 4; i++)
            out[i] = db_col_int64(st, i);
    db_finalize(st);
    return rc == 1 ? 0 : rc < 0 ? rc : FD_EDB;
}
