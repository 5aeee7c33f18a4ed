#ifndef FD_KB_SEARCH_H
#define FD_KB_SEARCH_H
/*
 * Help-center search: one interface, with an SQLite FTS5 implementation
 * (search_fts5.c: a custom FTS5 tokenizer with Snowball stemming per locale, diacritics
 * folded, CJK bigrams; BM25 with the title weighted above the body; prefix queries for
 * search-as-you-type; typo tolerance by correcting query words against the index's
 * vocabulary). A PostgreSQL implementation would provide the same functions over
 * tsvector/GIN.
 *
 * Only published articles are indexed: the kb module calls kb_search_put when an
 * article is (re)published and kb_search_delete when it is unpublished, inside its own
 * write transaction. Queries are plain user text: no search syntax is ever passed
 * through, so no input can make a query fail with a syntax error.
 *
 * Threads: functions take a connection (struct db) owned by the calling thread.
 */
#include <stddef.h>
#include <stdint.h>

struct db;
struct fd_error;

#define KB_QUERY_MAX 200 /* bytes, after trimming */

/* Prepares a freshly opened connection (registers the tokenizer). Every connection must
 * pass through this before any other call here; main does it via store_on_connect. */
int kb_search_connect(struct db *db);
/* Creates the index if it does not exist (idempotent; run after migrations). */
int kb_search_init(struct db *db);

struct kb_doc {
    int64_t id;         /* kb_articles.id */
    const char *locale; /* "en", "es", "zh", ... */
    const char *title;
    const char *body; /* Markdown source; markup is ignored by the tokenizer */
    const char *tags; /* space-separated */
};

/* Adds or replaces a document. Runs inside the caller's transaction. */
int kb_search_put(struct db *db, const struct kb_doc *d);
int kb_search_delete(struct db *db, int64_t id);
/* Merges the index into as few segments as possible (after bulk imports: queries on a
 * merged index are 1.5–2x faster). Inside a write transaction. */
int kb_search_optimize(struct db *db);
/* Re-indexes every published article from kb_articles. */
int kb_search_rebuild(struct db *db, int64_t *count);

enum kb_search_mode {
    KB_SEARCH_FULL = 0,   /* ranked search, with typo tolerance */
    KB_SEARCH_PREFIX = 1, /* search-as-you-type: the last word is a prefix */
};

struct kb_hit {
    int64_t id;
    double score;  /* higher is better */
    char *snippet; /* HTML: text escaped, matches in <mark>...</mark>; owned */
};

/*
 * Runs a query. locale NULL = all locales. limit 1..50. *hits (caller frees with
 * kb_hits_free) gets at most limit hits, best first. Returns 0, FD_EINVAL (empty query:
 * err says so), FD_ELIMIT (query longer than KB_QUERY_MAX), FD_EDB.
 */
int kb_search_run(struct db *db, const char *query, const char *locale, int limit,
                  enum kb_search_mode mode, struct kb_hit **hits, int *nhits, struct fd_error *err);
void kb_hits_free(struct kb_hit *hits, int n);

/* Ranking variants, for the relevance benchmark (bench/kb_quality): */
enum kb_rank { KB_RANK_FINAL = 0, KB_RANK_PLAIN_BM25 = 1 };
void kb_search_set_rank(enum kb_rank r);

#endif
