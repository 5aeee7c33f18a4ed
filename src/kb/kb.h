#ifndef FD_KB_KB_H
#define FD_KB_KB_H
/*
 * The help center: categories → sections → articles (and FAQs), each save a revision;
 * Markdown rendered to safe HTML with cmark-gfm; helpful votes and views; deflection
 * records; JSON Lines import/export. Search is in search.h and is kept in step here:
 * a published article is indexed, anything else is not.
 *
 * Visibility: anonymous visitors and customers see published articles only; editors
 * (kb_can_edit) see and change everything. An article a caller may not see is
 * FD_ENOTFOUND. Writes run in their own write transaction with an event row.
 */
#include "../store/records.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct db;
struct auth_actor;
struct fd_error;

/* actor may be NULL (anonymous). */
int kb_can_edit(const struct auth_actor *a);
/* Whether the user (signed in with a session) may edit the help center. */
int kb_can_edit_user(const struct user_rec *u);

/* Renders Markdown (GFM tables, autolinks, strikethrough) to HTML in safe mode: raw HTML
 * is dropped and javascript:/vbscript:/data: links are removed. *html is the caller's. */
int kb_render(const char *md, size_t len, char **html);
/* The first paragraph as plain text, at most max bytes (for listings and meta tags). */
char *kb_excerpt(const char *md, size_t max);

void kb_article_release(struct kb_article_rec *a);

/* Optional fields are NULL when not given. For an update, NULL keeps the current value. */
struct kb_article_input {
    const char *category, *section; /* slugs (both or neither on update) */
    const char *kind, *locale, *slug, *title, *body, *status, *intent;
    const char *tags[FD_TAGS_MAX];
    int ntags;
    int has_tags;
    const char *translation_of; /* en slug */
};

int kb_category_put(struct db *db, const char *slug, const char *name, const char *description,
                    int position, struct fd_error *err);
int kb_section_put(struct db *db, const char *category, const char *slug, const char *name,
                   const char *description, int position, struct fd_error *err);

/* Creates an article (FD_ECONFLICT if locale+slug exists). actor NULL = system import. */
int kb_article_create(struct db *db, const struct auth_actor *a, const struct kb_article_input *in,
                      struct kb_article_rec *out, struct fd_error *err);
/* Updates (a new revision). FD_ENOTFOUND, FD_EINVAL, FD_EFORBIDDEN. */
int kb_article_update(struct db *db, const struct auth_actor *a, const char *locale,
                      const char *slug, const struct kb_article_input *in,
                      struct kb_article_rec *out, struct fd_error *err);
/* Reads an article the caller may see (out->body owned: kb_article_release). */
int kb_article_get(struct db *db, const struct auth_actor *a, const char *locale, const char *slug,
                   struct kb_article_rec *out);
/* The article with this slug in whatever locale has it (links shared across languages). */
int kb_article_get_any(struct db *db, const struct auth_actor *a, const char *slug,
                       struct kb_article_rec *out);
int kb_article_get_id(struct db *db, const struct auth_actor *a, int64_t id,
                      struct kb_article_rec *out);

struct kb_filter {
    const char *category, *section, *locale, *kind, *status; /* NULL = any (status: editors) */
    const char *intent;
    int order_by_views; /* popular first instead of position/title */
    int64_t after_id;   /* cursor */
    int limit;
};
/* Lists articles (body not loaded: a->body is NULL). Non-editors: published only. */
typedef int (*kb_article_cb)(void *ctx, const struct kb_article_rec *a);
int kb_article_list(struct db *db, const struct auth_actor *a, const struct kb_filter *f,
                    kb_article_cb cb, void *ctx);

typedef int (*kb_category_cb)(void *ctx, const struct kb_category_rec *c);
typedef int (*kb_section_cb)(void *ctx, const struct kb_section_rec *s, int64_t published);
int kb_category_list(struct db *db, kb_category_cb cb, void *ctx);
/* Sections of a category (NULL = all), with their count of published articles in locale. */
int kb_section_list(struct db *db, const char *category, const char *locale, kb_section_cb cb,
                    void *ctx);
int kb_section_get(struct db *db, const char *category, const char *slug,
                   struct kb_section_rec *out);
int kb_category_get(struct db *db, const char *slug, struct kb_category_rec *out);

/* Other locales of the same article (translations), as (locale, slug) via cb. */
int kb_translations(struct db *db, const struct kb_article_rec *a, kb_article_cb cb, void *ctx);

typedef int (*kb_revision_cb)(void *ctx, const struct kb_revision_rec *r);
int kb_revision_list(struct db *db, const struct auth_actor *a, const char *locale,
                     const char *slug, kb_revision_cb cb, void *ctx);
/* out->body is the caller's to free. */
int kb_revision_get(struct db *db, const struct auth_actor *a, const char *locale, const char *slug,
                    int revision, struct kb_revision_rec *out);
int kb_article_restore(struct db *db, const struct auth_actor *a, const char *locale,
                       const char *slug, int revision, struct kb_article_rec *out,
                       struct fd_error *err);

/* Counts a view / a vote on a published article. actor may be NULL. */
int kb_article_viewed(struct db *db, int64_t id);
int kb_article_vote(struct db *db, const struct auth_actor *a, int64_t id, int helpful);

/* Deflection: records what was shown for a draft (token_out: 33 bytes, new unless
 * token_in names an existing record of the same user), an opened article, and a ticket
 * filed afterwards. */
int kb_deflection_shown(struct db *db, const struct auth_actor *a, const char *token_in,
                        const char *channel, const char *query, const int64_t *ids, int n,
                        char *token_out);
int kb_deflection_opened(struct db *db, const char *token, int64_t article_id);
int kb_deflection_filed(struct db *db, const char *token, int64_t ticket_id);
struct kb_deflection_stats {
    int64_t shown, opened, filed, deflected; /* deflected: opened and no ticket filed */
};
int kb_deflection_stats(struct db *db, struct kb_deflection_stats *out);

/* Import (all-or-nothing; err->message is "FILE:LINE: what") and export (JSON Lines).
 * progress (may be NULL) is called with done/total. */
int kb_import_path(struct db *db, const char *path, void (*progress)(size_t done, size_t total),
                   size_t *imported, struct fd_error *err);
int kb_export(struct db *db, FILE *out);

#endif
