/*
 * Help-center search on SQLite FTS5 (see search.h for the contract).
 *
 * Index: one FTS5 table kb_fts(title, body, tags, loc) with the "fdtext" tokenizer
 * (search_tok.c) and prefix indexes of 2..4 bytes for search-as-you-type. Every value
 * starts with the locale marker "\x1f<locale>\x1f", so one table holds every language and
 * each document is stemmed in its own; loc holds one reserved token per locale, which turns
 * the locale filter into a cheap AND inside the full-text query. The body is stored as
 * plain text (Markdown punctuation and link targets dropped) so that snippets read well.
 *
 * Vocabulary: kb_search_vocab(grp, word, stem, df) counts the folded surface words of
 * the indexed documents per locale. Queries consult an in-process copy of it (rebuilt
 * when the generation in kb_search_meta moves) to correct typos (a word of 4+ characters
 * found neither as a word nor as a stem goes to the nearest word within edit distance 1,
 * or 2 from 8 characters; candidates are filtered by length and a 64-bit letter-set
 * signature before the bounded Damerau distance runs) and to complete the last word of a
 * prefix query when the prefix is longer than the word's stem ("withdrawa" -> withdraw).
 *
 * Queries: user text is never FTS5 syntax. It is cut into words by the same tokenizer, and
 * every word becomes a quoted phrase ("..." with quotes doubled) carrying the locale
 * marker; the phrases are OR-ed. KB_RANK_PLAIN_BM25 orders by bm25 with column weights
 * 10:1:3 (title:body:tags). KB_RANK_FINAL drops stopwords, adds synonyms of exchange
 * vocabulary, and orders by fdrank(), an FTS5 auxiliary function defined here: BM25F over
 * the three columns with each query word scored once (by its best alternative), times a
 * bonus for the share of the query's weight a document covers, plus a bonus for the share
 * the title covers.
 */
#include "search.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "search_int.h"

#include <ctype.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 48   /* query words considered */
#define MAX_ALTS 6     /* alternatives (synonyms, corrections, completions) per word */
#define MAX_PHRASES 96 /* phrases in one MATCH expression */
#define SNIPPET_TOKENS 24
#define ANCHOR_BUDGET 600 /* rows the final ranking is willing to score (measured) */
#define CANDIDATES 200    /* rows the final ranking scores per tier (full, title) at most */
#define TIER_SCAN 3000    /* rows the title tier may have to scan at most (estimated) */

/* ---- connections ---------------------------------------------------------------------- */

/*
 * The per-connection state is found from the sqlite3 handle. SQLite 3.40 has no client
 * data slot on a connection, so a small registry maps handles to state; an entry is
 * removed by FTS5 when the connection closes (the tokenizer's destroy callback).
 */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct kb__conn **reg;
static size_t nreg, capreg;

static struct kb__conn *conn_of(struct db *db)
{
    sqlite3 *h = db_native(db);
    struct kb__conn *cc = NULL;
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nreg && !cc; i++)
        if (reg[i]->h == h)
            cc = reg[i];
    pthread_mutex_unlock(&reg_mu);
    return cc;
}

static void conn_destroy(void *p)
{
    struct kb__conn *cc = p;
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nreg; i++) {
        if (reg[i] == cc) {
            reg[i] = reg[--nreg];
            break;
        }
    }
    if (nreg == 0) {
        FD_FREE(reg);
        capreg = 0;
    }
    pthread_mutex_unlock(&reg_mu);
    kb__tok_free(cc->ana);
    free(cc);
}

static fts5_api *fts5_api_from_db(sqlite3 *h)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

static void rank_fn(const Fts5ExtensionApi *x, Fts5Context *fc, sqlite3_context *ctx, int argc,
                    sqlite3_value **argv);

static _Atomic int rank_mode = -1;

void kb_search_set_rank(enum kb_rank r)
{
    atomic_store(&rank_mode, (int)r);
}

static enum kb_rank current_rank(void)
{
    int r = atomic_load(&rank_mode);
    if (r < 0) {
        const char *e = getenv("FRONTDESK_KB_RANK");
        r = e && strcmp(e, "plain") == 0 ? KB_RANK_PLAIN_BM25 : KB_RANK_FINAL;
        int expected = -1;
        atomic_compare_exchange_strong(&rank_mode, &expected, r);
        r = atomic_load(&rank_mode);
    }
    return (enum kb_rank)r;
}

int kb_search_connect(struct db *db)
{
    if (conn_of(db))
        return 0;
    sqlite3 *h = db_native(db);
    fts5_api *api = fts5_api_from_db(h);
    if (!api || api->iVersion < 2)
        return FD_EDB;
    struct kb__conn *cc = xcalloc(1, sizeof(*cc));
    cc->h = h;
    cc->api = api;
    if (api->xFindTokenizer(api, "unicode61", &cc->u61ctx, &cc->u61) != SQLITE_OK) {
        free(cc);
        return FD_EDB;
    }
    cc->ana = kb__tok_new(cc);
    if (!cc->ana) {
        free(cc);
        return FD_EDB;
    }
    if (kb__tok_register(cc, conn_destroy)) {
        kb__tok_free(cc->ana);
        free(cc);
        return FD_EDB;
    }
    /* From here cc belongs to the connection (conn_destroy frees it). */
    pthread_mutex_lock(&reg_mu);
    if (nreg == capreg) {
        capreg = capreg ? 2 * capreg : 16;
        reg = xrealloc(reg, capreg * sizeof(*reg));
    }
    reg[nreg++] = cc;
    pthread_mutex_unlock(&reg_mu);
    if (api->xCreateFunction(api, "fdrank", cc, rank_fn, NULL) != SQLITE_OK)
        return FD_EDB;
    /* Queries read the index pages scattered over the file; with the default page cache
     * (2 MB per connection) a large index is re-read by pread() for every query. Memory
     * mapping shares the OS page cache between connections instead (measured with
     * bench/kb_search: p50 halved at 100k articles). Best effort: SQLite may refuse. */
    sqlite3_exec(h, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
    current_rank();
    return 0;
}

int kb_search_init(struct db *db)
{
    if (!conn_of(db))
        return FD_EINVAL;
    static const char *ddl =
        "CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5("
        "title, body, tags, loc, tokenize = 'fdtext', prefix = '2 3 4');"
        "CREATE TABLE IF NOT EXISTS kb_search_vocab ("
        "grp TEXT NOT NULL, word TEXT NOT NULL, stem TEXT NOT NULL, df INTEGER NOT NULL,"
        "PRIMARY KEY (grp, word)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS kb_search_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
        "INSERT OR IGNORE INTO kb_search_meta VALUES ('inst', abs(random()) + 1);"
        "INSERT OR IGNORE INTO kb_search_meta VALUES ('gen', 0);";
    return db_exec(db, ddl) ? FD_EDB : 0;
}

/* ---- documents ------------------------------------------------------------------------ */

/* The locale as index group: its primary subtag in lower case ("und" if unusable). */
static void norm_locale(const char *in, char out[8])
{
    size_t n = 0;
    while (in && in[n] && n < 8 && isalpha((unsigned char)in[n]))
        n++;
    if (n < 2 || n > 3 || (in[n] && in[n] != '-' && in[n] != '_')) {
        memcpy(out, "und", 4);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[n] = '\0';
}

/* Appends the marker and text; Markdown (md != 0) is reduced to its readable text. */
static void put_marked(struct buf *b, const char *loc, const char *s, int md)
{
    buf_reset(b);
    buf_printf(b, "%c%s%c", KB__MARK, loc, KB__MARK);
    if (!s)
        return;
    if (!md) {
        buf_puts(b, s);
        return;
    }
    int bol = 1;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (bol) {
            while (*p == ' ' || *p == '\t')
                p++;
            while (*p == '#' || *p == '>')
                p++;
            if ((*p == '-' || *p == '+' || *p == '*') && (p[1] == ' ' || p[1] == '\t'))
                p++;
            c = *p;
            if (!c)
                break;
            bol = 0;
        }
        if (c == '\n') {
            buf_append(b, "\n", 1);
            bol = 1;
        } else if (c == '*' || c == '`' || c == '|' || c == '~') {
            continue;
        } else if (c == '!' && p[1] == '[') {
            continue;
        } else if (c == ']' && p[1] == '(') {
            /* [text](target): keep the text, drop the target. */
            const char *q = strchr(p + 2, ')');
            const char *nl = strchr(p + 2, '\n');
            if (q && (!nl || q < nl))
                p = q;
        } else if (c == '[' || c == ']') {
            continue;
        } else if (c == KB__MARK) {
            buf_append(b, " ", 1);
        } else {
            buf_append(b, &c, 1);
        }
    }
}

struct words {
    char **w;
    int n, cap;
};

static int collect_word(void *p, int tflags, const char *tok, int n, int start, int end, int kind)
{
    struct words *ws = p;
    if (kind != KB__KIND_WORD || n < 3 || n > KB__WORD_MAX || (tflags & FTS5_TOKEN_COLOCATED))
        return 0;
    int letters = 0;
    for (int i = 0; i < n; i++)
        letters |= ((unsigned char)tok[i] >= 0x80 || isalpha((unsigned char)tok[i]));
    if (!letters)
        return 0;
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? 2 * ws->cap : 64;
        ws->w = xrealloc(ws->w, (size_t)ws->cap * sizeof(char *));
    }
    ws->w[ws->n++] = xstrndup(tok, (size_t)n);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct surface words of the three columns. */
static void doc_words(struct kb__conn *cc, const char *title, const char *body, const char *tags,
                      struct words *ws)
{
    const char *parts[3] = {title, body, tags};
    for (int i = 0; i < 3; i++)
        if (parts[i])
            kb__tokenize(cc->ana, KB__LANG_NONE, FTS5_TOKENIZE_DOCUMENT, parts[i],
                         (int)strlen(parts[i]), ws, collect_word);
    if (ws->n > 1)
        qsort(ws->w, (size_t)ws->n, sizeof(char *), cmp_str);
    int k = 0;
    for (int i = 0; i < ws->n; i++) {
        if (k > 0 && strcmp(ws->w[k - 1], ws->w[i]) == 0) {
            free(ws->w[i]);
            continue;
        }
        ws->w[k++] = ws->w[i];
    }
    ws->n = k;
}

static void words_release(struct words *ws)
{
    for (int i = 0; i < ws->n; i++)
        free(ws->w[i]);
    FD_FREE(ws->w);
    ws->n = ws->cap = 0;
}

/* Adds delta to the document frequency of each word of the group. */
static int vocab_add(struct db *db, struct kb__conn *cc, const char *grp, const struct words *ws,
                     int delta)
{
    int lang = kb__lang_index(grp, strlen(grp));
    for (int i = 0; i < ws->n; i++) {
        struct db_stmt *st;
        int rc;
        if (delta > 0) {
            char stem[KB__WORD_MAX + 1];
            kb__stem(cc->ana, lang, ws->w[i], (int)strlen(ws->w[i]), stem, (int)sizeof(stem));
            if (db_prepare(db,
                           "INSERT INTO kb_search_vocab (grp, word, stem, df) VALUES (?, ?, ?, 1) "
                           "ON CONFLICT (grp, word) DO UPDATE SET df = df + 1",
                           &st))
                return FD_EDB;
            db_bind_text(st, 1, grp);
            db_bind_text(st, 2, ws->w[i]);
            db_bind_text(st, 3, stem);
        } else {
            if (db_prepare(db,
                           "UPDATE kb_search_vocab SET df = df - 1 WHERE grp = ? AND word = ? "
                           "RETURNING df",
                           &st))
                return FD_EDB;
            db_bind_text(st, 1, grp);
            db_bind_text(st, 2, ws->w[i]);
        }
        rc = db_step(st);
        int gone = delta < 0 && rc == 1 && db_col_int64(st, 0) <= 0;
        if (rc == 1)
            rc = db_step(st);
        db_finalize(st);
        if (rc < 0)
            return FD_EDB;
        if (gone) {
            if (db_prepare(db, "DELETE FROM kb_search_vocab WHERE grp = ? AND word = ?", &st))
                return FD_EDB;
            db_bind_text(st, 1, grp);
            db_bind_text(st, 2, ws->w[i]);
            rc = db_step(st);
            db_finalize(st);
            if (rc < 0)
                return FD_EDB;
        }
    }
    return 0;
}

static int bump_gen(struct db *db)
{
    /* A random value rather than v + 1, so that the generation of a transaction that rolls
     * back (whose state a query on its connection may have cached) is not reused. */
    return db_exec(db, "UPDATE kb_search_meta SET v = random() & 0x7fffffffffffffff "
                       "WHERE k = 'gen'")
               ? FD_EDB
               : 0;
}

/* Removes document id from the index and its words from the vocabulary. */
static int remove_doc(struct db *db, struct kb__conn *cc, int64_t id, int *found)
{
    struct db_stmt *st;
    *found = 0;
    if (db_prepare(db, "SELECT title, body, tags, loc FROM kb_fts WHERE rowid = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1) {
        struct words ws = {0};
        const char *loc = db_col_text(st, 3);
        char grp[8];
        /* loc is "\x1fL\x1f<grp>". */
        norm_locale(loc && strlen(loc) > 3 ? loc + 3 : "und", grp);
        const char *t = db_col_text(st, 0), *b = db_col_text(st, 1), *g = db_col_text(st, 2);
        /* Skip the markers: they hold no words. */
        doc_words(cc, t ? strchr(t + 1, KB__MARK) : NULL, b ? strchr(b + 1, KB__MARK) : NULL,
                  g ? strchr(g + 1, KB__MARK) : NULL, &ws);
        db_finalize(st);
        rc = vocab_add(db, cc, grp, &ws, -1);
        words_release(&ws);
        if (rc)
            return rc;
        if (db_prepare(db, "DELETE FROM kb_fts WHERE rowid = ?", &st))
            return FD_EDB;
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        db_finalize(st);
        if (rc < 0)
            return FD_EDB;
        *found = 1;
        return 0;
    }
    db_finalize(st);
    return rc < 0 ? FD_EDB : 0;
}

static int put_doc(struct db *db, struct kb__conn *cc, const struct kb_doc *d)
{
    int found;
    int rc = remove_doc(db, cc, d->id, &found);
    if (rc)
        return rc;
    char grp[8];
    norm_locale(d->locale, grp);
    struct buf t, b, g, l;
    buf_init(&t, 0);
    buf_init(&b, 0);
    buf_init(&g, 0);
    buf_init(&l, 0);
    put_marked(&t, grp, d->title, 0);
    put_marked(&b, grp, d->body, 1);
    put_marked(&g, grp, d->tags, 0);
    buf_printf(&l, "%cL%c%s", KB__MARK, KB__MARK, grp);
    struct db_stmt *st;
    rc = FD_EDB;
    if (db_prepare(db, "INSERT INTO kb_fts (rowid, title, body, tags, loc) VALUES (?, ?, ?, ?, ?)",
                   &st) == 0) {
        db_bind_int64(st, 1, d->id);
        db_bind_text(st, 2, t.ptr);
        db_bind_text(st, 3, b.ptr);
        db_bind_text(st, 4, g.ptr);
        db_bind_text(st, 5, l.ptr);
        rc = db_step(st) < 0 ? FD_EDB : 0;
        db_finalize(st);
    }
    if (rc == 0) {
        struct words ws = {0};
        doc_words(cc, t.ptr + strlen(grp) + 2, b.ptr + strlen(grp) + 2, g.ptr + strlen(grp) + 2,
                  &ws);
        rc = vocab_add(db, cc, grp, &ws, 1);
        words_release(&ws);
    }
    buf_release(&t);
    buf_release(&b);
    buf_release(&g);
    buf_release(&l);
    return rc;
}

int kb_search_put(struct db *db, const struct kb_doc *d)
{
    struct kb__conn *cc = conn_of(db);
    if (!cc || !d)
        return FD_EINVAL;
    int rc = put_doc(db, cc, d);
    return rc ? rc : bump_gen(db);
}

int kb_search_delete(struct db *db, int64_t id)
{
    struct kb__conn *cc = conn_of(db);
    if (!cc)
        return FD_EINVAL;
    int found;
    int rc = remove_doc(db, cc, id, &found);
    return rc ? rc : bump_gen(db);
}

int kb_search_rebuild(struct db *db, int64_t *count)
{
    struct kb__conn *cc = conn_of(db);
    if (!cc)
        return FD_EINVAL;
    int own = sqlite3_get_autocommit(cc->h);
    if (own && db_begin_write(db))
        return FD_EDB;
    int rc = 0;
    int64_t n = 0;
    if (db_exec(db, "DELETE FROM kb_fts") || db_exec(db, "DELETE FROM kb_search_vocab"))
        rc = FD_EDB;
    struct db_stmt *st = NULL;
    if (!rc && db_prepare(db,
                          "SELECT id, locale, title, body_md, tags FROM kb_articles "
                          "WHERE status = 'published' ORDER BY id",
                          &st))
        rc = FD_EDB;
    while (!rc) {
        int s = db_step(st);
        if (s <= 0) {
            rc = s < 0 ? FD_EDB : 0;
            break;
        }
        struct kb_doc d = {db_col_int64(st, 0), db_col_text(st, 1), db_col_text(st, 2),
                           db_col_text(st, 3), db_col_text(st, 4)};
        rc = put_doc(db, cc, &d);
        n++;
    }
    db_finalize(st);
    /* One segment after a full rebuild: every query term is looked up in each segment, so
     * their number drives query time (bench/kb_search --optimize: p50 and p99 about halved
     * at 100k articles). */
    if (!rc)
        rc = kb_search_optimize(db);
    if (!rc)
        rc = bump_gen(db);
    if (own) {
        if (rc || db_commit(db)) {
            db_rollback(db);
            return rc ? rc : FD_EDB;
        }
    }
    if (!rc && count)
        *count = n;
    return rc;
}

int kb_search_optimize(struct db *db)
{
    if (!conn_of(db))
        return FD_EINVAL;
    return db_exec(db, "INSERT INTO kb_fts (kb_fts) VALUES ('optimize')") ? FD_EDB : 0;
}

/* ---- vocabulary cache ----------------------------------------------------------------- */

struct vword {
    const char *w, *stem;
    int64_t df;
    int len; /* code points */
    uint64_t sig;
};

struct vgrp {
    char code[8];
    int lang;
    struct vword *v; /* sorted by word */
    struct vword **by_stem;
    size_t n;
    char *pool;
};

struct vcache {
    int64_t inst, gen;
    int ok;
    struct vgrp *g;
    size_t ng;
    struct kb__dsz *dsz;
    char only[8]; /* the locale of every indexed document, "" if several or unknown */
};

static pthread_mutex_t vmu = PTHREAD_MUTEX_INITIALIZER;
static struct vcache vc;

/*
 * Column lengths (in tokens) of every indexed document, loaded with the vocabulary from
 * FTS5's docsize table. The ranking needs them for every candidate row, and xColumnSize
 * reads them with one docsize lookup per row (bench/kb_search at 100k articles: about
 * 0.6 ms per query). A snapshot is shared by reference: the cache holds one, and so does
 * each running query, so a reload never frees it under a query. A query reads the
 * generation and the index in one transaction (kb_search_run), so the snapshot it takes is
 * the one of the index it reads; a row missing from it anyway falls back to xColumnSize.
 * Loading costs about 15 ms at 100k articles, once per change of the index.
 */
#define NCOL 3
#define DSZ_NONE UINT32_MAX
struct kb__dsz {
    atomic_int refs;
    int64_t base, n; /* entries; dense (ids NULL): rowid base + i */
    int64_t docs;    /* rows loaded */
    int64_t *ids;    /* sparse: sorted rowids */
    uint32_t *len;   /* NCOL per entry, DSZ_NONE first: no such row */
};

static void dsz_release(struct kb__dsz *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
        return;
    free(d->ids);
    free(d->len);
    free(d);
}

/* Decodes the first NCOL varints of a docsize record (SQLite varints); 0 if short. */
static int dsz_decode(const unsigned char *p, int nb, uint32_t *out)
{
    int off = 0;
    for (int c = 0; c < NCOL; c++) {
        uint32_t v = 0;
        int done = 0;
        for (int k = 0; k < 5 && off < nb && !done; k++) {
            unsigned b = p[off++];
            v = (v << 7) | (b & 0x7f);
            done = !(b & 0x80);
        }
        if (!done || v == DSZ_NONE)
            return 0;
        out[c] = v;
    }
    return 1;
}

/* Loads the column lengths, or returns NULL (queries then use xColumnSize). */
static struct kb__dsz *dsz_load(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h, "SELECT id, sz FROM kb_fts_docsize ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    size_t n = 0, cap = 0;
    int64_t *ids = NULL;
    uint32_t *len = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            ids = xrealloc(ids, cap * sizeof(*ids));
            len = xrealloc(len, cap * NCOL * sizeof(*len));
        }
        const unsigned char *p = sqlite3_column_blob(st, 1);
        int nb = sqlite3_column_bytes(st, 1);
        ids[n] = sqlite3_column_int64(st, 0);
        if (!p || !dsz_decode(p, nb, &len[n * NCOL]))
            len[n * NCOL] = DSZ_NONE;
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(ids);
        free(len);
        return NULL;
    }
    struct kb__dsz *d = xcalloc(1, sizeof(*d));
    atomic_init(&d->refs, 1);
    d->n = d->docs = (int64_t)n;
    d->ids = ids;
    d->len = len;
    /* Dense (indexed by rowid) when the rowids are not too sparse. */
    if (n && ids[n - 1] - ids[0] < 4 * (int64_t)n + 1024) {
        int64_t range = ids[n - 1] - ids[0] + 1;
        uint32_t *dense = xmalloc((size_t)range * NCOL * sizeof(*dense));
        for (int64_t i = 0; i < range; i++)
            dense[i * NCOL] = DSZ_NONE;
        for (size_t i = 0; i < n; i++)
            memcpy(&dense[(ids[i] - ids[0]) * NCOL], &len[i * NCOL], NCOL * sizeof(*len));
        d->base = ids[0];
        d->n = range;
        free(ids);
        free(len);
        d->ids = NULL;
        d->len = dense;
    }
    return d;
}

/* The lengths of row id, or NULL when the snapshot does not have them. */
static const uint32_t *dsz_find(const struct kb__dsz *d, int64_t id)
{
    if (!d)
        return NULL;
    int64_t i = -1;
    if (!d->ids) {
        if (id >= d->base && id - d->base < d->n)
            i = id - d->base;
    } else {
        int64_t lo = 0, hi = d->n;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (d->ids[mid] < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < d->n && d->ids[lo] == id)
            i = lo;
    }
    if (i < 0 || d->len[i * NCOL] == DSZ_NONE)
        return NULL;
    return &d->len[i * NCOL];
}

static int utf8_cps(const char *s, uint32_t *out, int cap)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = 0;
    for (size_t i = 0; u[i] && n < cap;) {
        uint32_t c = u[i];
        int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (c >= 0xC0) {
            c &= len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07;
            for (int k = 1; k < len && u[i + (size_t)k]; k++)
                c = (c << 6) | (u[i + (size_t)k] & 0x3F);
        } else {
            len = 1;
        }
        out[n++] = c;
        for (int k = 0; k < len && u[i]; k++)
            i++;
    }
    return n;
}

static uint64_t signature(const uint32_t *c, int n)
{
    uint64_t s = 0;
    for (int i = 0; i < n; i++) {
        uint32_t x = c[i];
        unsigned bit = x >= 'a' && x <= 'z'   ? x - 'a'
                       : x >= '0' && x <= '9' ? 26 + (x - '0')
                                              : 36 + x % 28;
        s |= (uint64_t)1 << bit;
    }
    return s;
}

static int cmp_stem(const void *a, const void *b)
{
    return strcmp((*(struct vword *const *)a)->stem, (*(struct vword *const *)b)->stem);
}

static void vcache_free(void)
{
    for (size_t i = 0; i < vc.ng; i++) {
        free(vc.g[i].v);
        free(vc.g[i].by_stem);
        free(vc.g[i].pool);
    }
    FD_FREE(vc.g);
    vc.ng = 0;
    vc.ok = 0;
    dsz_release(vc.dsz);
    vc.dsz = NULL;
}

/* The number of indexed documents of locale code, or -1. */
static int64_t count_locale(sqlite3 *h, const char *code)
{
    char tok[16];
    snprintf(tok, sizeof(tok), "\"%cL%c%s\"", KB__MARK, KB__MARK, code);
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM kb_fts WHERE kb_fts MATCH ?1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Loads the vocabulary into vc. Called with vmu held. */
static int vcache_load(struct db *db, int64_t inst, int64_t gen)
{
    vcache_free();
    struct db_stmt *st;
    if (db_prepare(db, "SELECT grp, word, stem, df FROM kb_search_vocab ORDER BY grp, word", &st))
        return FD_EDB;
    struct buf pool;
    buf_init(&pool, 0);
    struct vgrp *cur = NULL;
    size_t cap = 0;
    /* Offsets into the pool while loading; turned into pointers once it stops moving. */
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *grp = db_col_text(st, 0), *w = db_col_text(st, 1), *stem = db_col_text(st, 2);
        if (!grp || !w || !stem)
            continue;
        if (!cur || strcmp(cur->code, grp) != 0) {
            vc.g = xrealloc(vc.g, (vc.ng + 1) * sizeof(*vc.g));
            cur = &vc.g[vc.ng++];
            memset(cur, 0, sizeof(*cur));
            norm_locale(grp, cur->code);
            cur->lang = kb__lang_index(cur->code, strlen(cur->code));
            cap = 0;
        }
        if (cur->n == cap) {
            cap = cap ? 2 * cap : 256;
            cur->v = xrealloc(cur->v, cap * sizeof(*cur->v));
        }
        struct vword *vw = &cur->v[cur->n++];
        uint32_t cps[KB__WORD_MAX];
        vw->len = utf8_cps(w, cps, KB__WORD_MAX);
        vw->sig = signature(cps, vw->len);
        vw->df = db_col_int64(st, 3);
        vw->w = (const char *)(uintptr_t)pool.len;
        buf_append(&pool, w, strlen(w) + 1);
        vw->stem = (const char *)(uintptr_t)pool.len;
        buf_append(&pool, stem, strlen(stem) + 1);
    }
    db_finalize(st);
    if (rc < 0) {
        buf_release(&pool);
        vcache_free();
        return FD_EDB;
    }
    char *base = buf_detach(&pool, NULL);
    for (size_t i = 0; i < vc.ng; i++) {
        struct vgrp *g = &vc.g[i];
        g->pool = i == 0 ? base : NULL;
        g->by_stem = xmalloc((g->n ? g->n : 1) * sizeof(*g->by_stem));
        for (size_t k = 0; k < g->n; k++) {
            g->v[k].w = base + (uintptr_t)g->v[k].w;
            g->v[k].stem = base + (uintptr_t)g->v[k].stem;
            g->by_stem[k] = &g->v[k];
        }
        qsort(g->by_stem, g->n, sizeof(*g->by_stem), cmp_stem);
    }
    if (vc.ng == 0)
        free(base);
    vc.dsz = dsz_load(db_native(db));
    vc.only[0] = '\0';
    if (vc.ng == 1 && vc.dsz && count_locale(db_native(db), vc.g[0].code) == vc.dsz->docs)
        memcpy(vc.only, vc.g[0].code, sizeof(vc.only));
    vc.inst = inst;
    vc.gen = gen;
    vc.ok = 1;
    return 0;
}

/* Locks the cache, loading it first if the index changed. Unlock with vmu. */
static int vcache_lock(struct db *db)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT (SELECT v FROM kb_search_meta WHERE k = 'inst'), "
                   "(SELECT v FROM kb_search_meta WHERE k = 'gen')",
                   &st))
        return FD_EDB;
    int64_t inst = 0, gen = 0;
    if (db_step(st) == 1) {
        inst = db_col_int64(st, 0);
        gen = db_col_int64(st, 1);
    }
    db_finalize(st);
    pthread_mutex_lock(&vmu);
    if (!vc.ok || vc.inst != inst || vc.gen != gen) {
        int rc = vcache_load(db, inst, gen);
        if (rc) {
            pthread_mutex_unlock(&vmu);
            return rc;
        }
    }
    return 0;
}

static struct vword *find_word(struct vgrp *g, const char *w)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(g->v[mid].w, w);
        if (c == 0)
            return &g->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int has_stem(struct vgrp *g, const char *stem)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(g->by_stem[mid]->stem, stem);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Optimal string alignment distance (adjacent transpositions count 1), or max+1 once it
 * exceeds max. */
static int osa_bounded(const uint32_t *a, int na, const uint32_t *b, int nb, int max)
{
    int d0[KB__WORD_MAX + 1], d1[KB__WORD_MAX + 1], d2[KB__WORD_MAX + 1];
    int *pp = d0, *p = d1, *c = d2;
    for (int j = 0; j <= nb; j++)
        p[j] = j;
    for (int i = 1; i <= na; i++) {
        c[0] = i;
        int rowmin = c[0];
        for (int j = 1; j <= nb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = p[j - 1] + cost;
            if (p[j] + 1 < v)
                v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            return max + 1;
        int *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[nb];
}

/* ---- query analysis ------------------------------------------------------------------- */

struct alt {
    char text[KB__WORD_MAX + 1];
    const char *mark; /* locale code, "*" or "-" */
    int prefix;
    int weight; /* percent */
    int64_t df; /* estimated document frequency, -1 unknown */
};

struct qword {
    char text[KB__WORD_MAX + 1];
    int kind;
    int stop;
    int weight; /* percent */
    struct alt alt[MAX_ALTS];
    int nalt;
};

struct query {
    struct qword w[MAX_WORDS];
    int n;
};

static int collect_query(void *p, int tflags, const char *tok, int n, int start, int end, int kind)
{
    struct query *q = p;
    if (q->n >= MAX_WORDS || n > KB__WORD_MAX || (tflags & FTS5_TOKEN_COLOCATED))
        return 0;
    struct qword *w = &q->w[q->n++];
    memset(w, 0, sizeof(*w));
    memcpy(w->text, tok, (size_t)n);
    w->text[n] = '\0';
    w->kind = kind;
    w->weight = 100;
    return 0;
}

static const char *const stop_en[] = {
    "a",     "about", "after", "again", "all",    "am",    "an",   "and",    "any",    "are",
    "as",    "at",    "be",    "been",  "but",    "by",    "can",  "could",  "did",    "do",
    "does",  "doing", "for",   "from",  "get",    "got",   "had",  "has",    "have",   "he",
    "her",   "here",  "him",   "his",   "how",    "i",     "if",   "im",     "in",     "into",
    "is",    "it",    "its",   "just",  "me",     "might", "more", "my",     "myself", "need",
    "of",    "on",    "or",    "our",   "please", "s",     "she",  "should", "so",     "some",
    "t",     "than",  "that",  "the",   "their",  "them",  "then", "there",  "these",  "they",
    "this",  "those", "to",    "too",   "u",      "up",    "us",   "very",   "was",    "we",
    "were",  "what",  "when",  "where", "which",  "while", "who",  "why",    "will",   "with",
    "would", "you",   "your",  "ve",    "m",      "d",     "ll",   "re",     "there",  "want",
};

static int is_stop(const char *w)
{
    for (size_t i = 0; i < sizeof(stop_en) / sizeof(stop_en[0]); i++)
        if (strcmp(stop_en[i], w) == 0)
            return 1;
    return 0;
}

/* Exchange vocabulary: a query word (or two-word phrase) and what else to look for. The
 * alternatives are scored below the word itself. */
static const struct {
    const char *from, *from2; /* from2: second word of a phrase, or NULL */
    const char *to[3];
} synonyms[] = {
    {"top", "up", {"deposit", "topup", NULL}},
    {"topup", NULL, {"deposit", "top", NULL}},
    {"refill", NULL, {"deposit", "topup", NULL}},
    {"fund", NULL, {"deposit", NULL, NULL}},
    {"transfer", NULL, {"withdrawal", "send", NULL}},
    {"cash", "out", {"withdrawal", "withdraw", NULL}},
    {"cashout", NULL, {"withdrawal", "withdraw", NULL}},
    {"payout", NULL, {"withdrawal", NULL, NULL}},
    {"verify", NULL, {"kyc", "verification", "identity"}},
    {"verification", NULL, {"kyc", "verify", "identity"}},
    {"identity", NULL, {"kyc", "verification", NULL}},
    {"kyc", NULL, {"verification", "identity", NULL}},
    {"id", NULL, {"identity", "kyc", NULL}},
    {"2fa", NULL, {"authenticator", "two", NULL}},
    {"authenticator", NULL, {"2fa", NULL, NULL}},
    {"fee", NULL, {"charge", "commission", NULL}},
    {"charge", NULL, {"fee", NULL, NULL}},
    {"commission", NULL, {"fee", NULL, NULL}},
    {"frozen", NULL, {"locked", "blocked", "suspended"}},
    {"locked", NULL, {"frozen", "blocked", NULL}},
    {"blocked", NULL, {"locked", "frozen", NULL}},
    {"suspended", NULL, {"locked", "frozen", NULL}},
    {"coin", NULL, {"crypto", "token", NULL}},
    {"crypto", NULL, {"cryptocurrency", "coin", NULL}},
    {"money", NULL, {"funds", "balance", NULL}},
    {"passcode", NULL, {"password", "pin", NULL}},
    {"stolen", NULL, {"lost", "compromised", NULL}},
    {"hacked", NULL, {"compromised", "stolen", NULL}},
    {"refund", NULL, {"reversal", "reverse", NULL}},
    {"wire", NULL, {"bank", "transfer", NULL}},
};

static void add_alt(struct qword *w, const char *text, const char *mark, int prefix, int weight)
{
    for (int i = 0; i < w->nalt; i++)
        if (strcmp(w->alt[i].text, text) == 0 && w->alt[i].prefix == prefix &&
            strcmp(w->alt[i].mark, mark) == 0)
            return;
    if (w->nalt >= MAX_ALTS)
        return;
    struct alt *a = &w->alt[w->nalt++];
    size_t n = strlen(text);
    if (n > KB__WORD_MAX)
        n = KB__WORD_MAX;
    memcpy(a->text, text, n);
    a->text[n] = '\0';
    a->mark = mark;
    a->prefix = prefix;
    a->weight = weight;
    a->df = -1;
}

/* Which vocabulary groups a query in locale (NULL = all) looks at. */
static int grp_selected(const struct vgrp *g, const char *locale)
{
    return !locale || strcmp(g->code, locale) == 0;
}

/* Corrects w against the vocabulary (vmu held). Returns 1 and fills out when corrected. */
static int correct(struct kb__conn *cc, const char *locale, const char *w, char *out)
{
    uint32_t a[KB__WORD_MAX];
    int na = utf8_cps(w, a, KB__WORD_MAX);
    if (na < 4)
        return 0;
    for (const char *p = w; *p; p++)
        if (*p >= '0' && *p <= '9')
            return 0;
    int max = na >= 8 ? 2 : 1;
    for (size_t gi = 0; gi < vc.ng; gi++) {
        struct vgrp *g = &vc.g[gi];
        if (!grp_selected(g, locale))
            continue;
        if (find_word(g, w))
            return 0;
        char stem[KB__WORD_MAX + 1];
        kb__stem(cc->ana, g->lang, w, (int)strlen(w), stem, (int)sizeof(stem));
        if (has_stem(g, stem))
            return 0;
    }
    uint64_t sig = signature(a, na);
    int best = max + 1;
    int64_t best_df = -1;
    const char *best_w = NULL;
    for (size_t gi = 0; gi < vc.ng; gi++) {
        struct vgrp *g = &vc.g[gi];
        if (!grp_selected(g, locale))
            continue;
        for (size_t k = 0; k < g->n; k++) {
            const struct vword *v = &g->v[k];
            int dl = v->len - na;
            if (dl < -max || dl > max || __builtin_popcountll(v->sig ^ sig) > 2 * max)
                continue;
            uint32_t b[KB__WORD_MAX];
            int nb = utf8_cps(v->w, b, KB__WORD_MAX);
            int d = osa_bounded(a, na, b, nb, best < max ? best : max);
            if (d < best || (d == best && d <= max && v->df > best_df)) {
                best = d;
                best_df = v->df;
                best_w = v->w;
            }
        }
    }
    if (!best_w || best > max)
        return 0;
    size_t n = strlen(best_w);
    memcpy(out, best_w, n + 1);
    return 1;
}

/*
 * Completes the last word of a prefix query from the vocabulary (vmu held). When few
 * vocabulary words start with w's text, the prefix phrase stays (it finds them all) and
 * the stems of those whose stem is shorter than the text are added ("withdrawa" ->
 * withdraw). When many do, expanding the prefix in FTS5 would merge the posting lists of
 * all of them (every term starting with "a"), so the prefix phrase becomes the word itself
 * and the PREFIX_TOP most frequent completions (their stems, the indexed terms) are added.
 */
#define PREFIX_TOP (MAX_ALTS - 1)
#define PREFIX_FEW PREFIX_TOP /* up to this many completions: keep the FTS5 prefix phrase */
#define PREFIX_SCAN 20000     /* vocabulary entries looked at per group */
static void complete(const char *locale, struct qword *w)
{
    size_t pl = strlen(w->text);
    const struct vword *top[PREFIX_TOP];
    int ntop = 0;
    size_t count = 0;
    for (size_t gi = 0; gi < vc.ng; gi++) {
        struct vgrp *g = &vc.g[gi];
        if (!grp_selected(g, locale))
            continue;
        size_t lo = 0, hi = g->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(g->v[mid].w, w->text) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < g->n && k - lo < PREFIX_SCAN; k++) {
            const struct vword *v = &g->v[k];
            if (strncmp(v->w, w->text, pl) != 0)
                break;
            count++;
            /* Keep the most frequent distinct stems, best first. */
            int dup = -1;
            for (int i = 0; i < ntop && dup < 0; i++)
                if (strcmp(top[i]->stem, v->stem) == 0)
                    dup = i;
            if (dup >= 0) {
                if (v->df <= top[dup]->df)
                    continue;
                memmove(&top[dup], &top[dup + 1], (size_t)(ntop - dup - 1) * sizeof(top[0]));
                ntop--;
            }
            int at = ntop;
            while (at > 0 && top[at - 1]->df < v->df)
                at--;
            if (at >= PREFIX_TOP)
                continue;
            if (ntop == PREFIX_TOP)
                ntop--;
            memmove(&top[at + 1], &top[at], (size_t)(ntop - at) * sizeof(top[0]));
            top[at] = v;
            ntop++;
        }
    }
    int many = count > PREFIX_FEW;
    if (many && w->nalt > 0 && w->alt[0].prefix)
        w->alt[0].prefix = 0;
    for (int i = 0; i < ntop; i++)
        if (many || strncmp(top[i]->stem, w->text, pl) != 0)
            add_alt(w, top[i]->stem, "-", 0, 100);
}

/* Documents of the group holding a word with this stem (the sum over its surface forms:
 * an upper bound). vmu held. */
static int64_t stem_df(struct vgrp *g, const char *stem)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(g->by_stem[mid]->stem, stem) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t df = 0;
    for (size_t k = lo; k < g->n && strcmp(g->by_stem[k]->stem, stem) == 0; k++)
        df += g->by_stem[k]->df;
    return df;
}

/* Estimates a->df from the vocabulary (vmu held); CJK stays unknown (-1). */
static void estimate_df(struct kb__conn *cc, const char *locale, struct alt *a, int kind)
{
    if (kind == KB__KIND_CJK)
        return;
    int64_t df = 0;
    size_t pl = strlen(a->text);
    for (size_t gi = 0; gi < vc.ng; gi++) {
        struct vgrp *g = &vc.g[gi];
        if (!grp_selected(g, locale))
            continue;
        if (a->prefix) {
            size_t lo = 0, hi = g->n;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (strcmp(g->v[mid].w, a->text) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t k = lo;
            for (; k < g->n && k - lo < 1024 && strncmp(g->v[k].w, a->text, pl) == 0; k++)
                df += g->v[k].df;
            if (k - lo >= 1024)
                df += INT32_MAX; /* too many to count: treat as very common */
        } else if (strcmp(a->mark, "-") == 0) {
            df += stem_df(g, a->text);
        } else {
            char stem[KB__WORD_MAX + 1];
            kb__stem(cc->ana, g->lang, a->text, (int)pl, stem, (int)sizeof(stem));
            df += stem_df(g, stem);
        }
    }
    a->df = df;
}

/* ---- MATCH expression ----------------------------------------------------------------- */

static int append_phrase(struct buf *e, const char *mark, const char *text, int prefix)
{
    int rc = buf_printf(e, "%s\"%c%s%c", e->len ? " OR " : "", KB__MARK, mark, KB__MARK);
    for (const char *p = text; *p && !rc; p++)
        rc = *p == '"' ? buf_puts(e, "\"\"") : buf_append(e, p, 1);
    if (!rc)
        rc = buf_puts(e, prefix ? "\" *" : "\"");
    return rc;
}

/* ---- ranking function ---------------------------------------------------------------- */

static const double col_w[NCOL] = {3.0, 1.0, 1.5}; /* BM25F weights: title, body, tags */
static const double col_b[NCOL] = {0.5, 0.75, 0.5};
#define K1 1.2
#define COVER_BONUS 1.5
#define TITLE_BONUS 0.6

struct rank_data {
    int nphrase, nterm;
    int *term;        /* phrase -> term (-1: filter) */
    double *alt_w;    /* phrase weight */
    double *term_w;   /* term weight */
    double *idf;      /* per phrase */
    double *term_idf; /* per term: the best idf of its phrases */
    double avg[NCOL]; /* average column length */
    double *tf;       /* scratch: nphrase * NCOL */
    double *best, *in_title;
    const struct kb__dsz *dsz; /* column lengths (the connection's reference) */
};

static void rank_data_free(void *p)
{
    struct rank_data *r = p;
    if (!r)
        return;
    free(r->term);
    free(r->alt_w);
    free(r->term_w);
    free(r->idf);
    free(r->term_idf);
    free(r->tf);
    free(r->best);
    free(r->in_title);
    free(r);
}

/* Natural logarithm of x > 0 (the build does not link libm): x = m * 2^e with m in [1, 2),
 * ln m = 2 atanh((m - 1) / (m + 1)), whose series converges fast for z <= 1/3. */
static double ln(double x)
{
    if (!(x > 0))
        return -1e300;
    uint64_t bits;
    memcpy(&bits, &x, sizeof(bits));
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1023 << 52);
    double m;
    memcpy(&m, &bits, sizeof(m));
    double z = (m - 1.0) / (m + 1.0), z2 = z * z, term = z, sum = 0;
    for (int k = 0; k < 20; k++) {
        sum += term / (2 * k + 1);
        term *= z2;
    }
    return e * 0.69314718055994530942 + 2.0 * sum;
}

static int count_cb(const Fts5ExtensionApi *x, Fts5Context *fc, void *p)
{
    (*(sqlite3_int64 *)p)++;
    return SQLITE_OK;
}

/* Parses up to n space-separated integers. */
static void parse_ints(const char *s, int *out, int n, int dflt)
{
    for (int i = 0; i < n; i++) {
        char *end;
        long v = s ? strtol(s, &end, 10) : 0;
        if (!s || end == s) {
            out[i] = dflt;
            s = NULL;
            continue;
        }
        out[i] = (int)v;
        s = end;
    }
}

static struct rank_data *rank_setup(const Fts5ExtensionApi *x, Fts5Context *fc, int argc,
                                    sqlite3_value **argv)
{
    struct rank_data *r = xcalloc(1, sizeof(*r));
    r->dsz = ((struct kb__conn *)x->xUserData(fc))->dsz;
    int np = x->xPhraseCount(fc);
    r->nphrase = np;
    r->term = xcalloc((size_t)np + 1, sizeof(int));
    r->alt_w = xcalloc((size_t)np + 1, sizeof(double));
    r->idf = xcalloc((size_t)np + 1, sizeof(double));
    r->tf = xcalloc(((size_t)np + 1) * NCOL, sizeof(double));
    int *tmp = xcalloc((size_t)np + 1, sizeof(int));
    parse_ints(argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL, r->term, np, -1);
    parse_ints(argc > 1 ? (const char *)sqlite3_value_text(argv[1]) : NULL, tmp, np, 100);
    for (int i = 0; i < np; i++) {
        r->alt_w[i] = tmp[i] / 100.0;
        if (r->term[i] >= r->nterm)
            r->nterm = r->term[i] + 1;
    }
    free(tmp);
    r->term_w = xcalloc((size_t)r->nterm + 1, sizeof(double));
    r->best = xcalloc((size_t)r->nterm + 1, sizeof(double));
    r->in_title = xcalloc((size_t)r->nterm + 1, sizeof(double));
    tmp = xcalloc((size_t)r->nterm + 1, sizeof(int));
    parse_ints(argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : NULL, tmp, r->nterm, 100);
    for (int i = 0; i < r->nterm; i++)
        r->term_w[i] = tmp[i] / 100.0;
    free(tmp);
    sqlite3_int64 nrow = 0;
    x->xRowCount(fc, &nrow);
    if (nrow < 1)
        nrow = 1;
    for (int c = 0; c < NCOL; c++) {
        sqlite3_int64 tot = 0;
        x->xColumnTotalSize(fc, c, &tot);
        r->avg[c] = (double)tot / (double)nrow;
        if (r->avg[c] < 1)
            r->avg[c] = 1;
    }
    /* Document frequencies estimated by the caller (argument 4); -1: count them here. */
    const char *dfs = argc > 3 ? (const char *)sqlite3_value_text(argv[3]) : NULL;
    for (int i = 0; i < np; i++) {
        char *end = NULL;
        long long n = dfs ? strtoll(dfs, &end, 10) : -1;
        if (dfs)
            dfs = end;
        if (r->term[i] < 0)
            continue;
        if (n < 0 || n > nrow) {
            sqlite3_int64 c = 0;
            if (n < 0)
                x->xQueryPhrase(fc, i, &c, count_cb);
            n = n > nrow ? nrow : c;
        }
        double idf = ln(((double)nrow - (double)n + 0.5) / ((double)n + 0.5) + 1.0);
        r->idf[i] = idf > 1e-6 ? idf : 1e-6;
    }
    r->term_idf = xcalloc((size_t)r->nterm + 1, sizeof(double));
    for (int p = 0; p < np; p++)
        if (r->term[p] >= 0 && r->idf[p] > r->term_idf[r->term[p]])
            r->term_idf[r->term[p]] = r->idf[p];
    return r;
}

static void rank_fn(const Fts5ExtensionApi *x, Fts5Context *fc, sqlite3_context *ctx, int argc,
                    sqlite3_value **argv)
{
    struct rank_data *r = x->xGetAuxdata(fc, 0);
    if (!r) {
        r = rank_setup(x, fc, argc, argv);
        if (x->xSetAuxdata(fc, r, rank_data_free) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, SQLITE_NOMEM);
            return;
        }
    }
    int np = r->nphrase;
    memset(r->tf, 0, (size_t)np * NCOL * sizeof(double));
    /* Term frequencies per column, phrase by phrase: xPhraseFirst walks each phrase's
     * position list of the row as it is, where xInstCount would first merge the lists of
     * every phrase into one sorted array (about 15% of a query's instructions at 100k
     * articles, bench/kb_search under callgrind). Filter phrases (term -1) are skipped. */
    for (int p = 0; p < np; p++) {
        if (r->term[p] < 0)
            continue;
        Fts5PhraseIter it;
        int col = -1, off = 0;
        if (x->xPhraseFirst(fc, p, &it, &col, &off) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, SQLITE_ERROR);
            return;
        }
        for (; col >= 0; x->xPhraseNext(fc, &it, &col, &off))
            if (col < NCOL)
                r->tf[p * NCOL + col] += 1;
    }
    double len[NCOL];
    const uint32_t *known = dsz_find(r->dsz, x->xRowid(fc));
    for (int c = 0; c < NCOL; c++) {
        int l = 0;
        if (known)
            l = (int)known[c];
        else
            x->xColumnSize(fc, c, &l);
        len[c] = l;
    }
    for (int t = 0; t < r->nterm; t++)
        r->best[t] = r->in_title[t] = 0;
    for (int p = 0; p < np; p++) {
        int t = r->term[p];
        if (t < 0)
            continue;
        double tfw = 0;
        for (int c = 0; c < NCOL; c++) {
            double f = r->tf[p * NCOL + c];
            if (f > 0)
                tfw += col_w[c] * f / (1.0 - col_b[c] + col_b[c] * len[c] / r->avg[c]);
        }
        if (tfw <= 0)
            continue;
        double s = r->alt_w[p] * r->idf[p] * tfw * (K1 + 1.0) / (tfw + K1);
        if (s > r->best[t])
            r->best[t] = s;
        if (r->tf[p * NCOL] > 0 && r->alt_w[p] > r->in_title[t])
            r->in_title[t] = r->alt_w[p];
    }
    /* Coverage: the share of the query's weight (word weight x best idf) that matched. */
    double sum = 0, cover = 0, total = 0, title = 0;
    for (int t = 0; t < r->nterm; t++) {
        double tw = r->term_w[t], idf = r->term_idf[t];
        total += tw * idf;
        if (r->best[t] > 0) {
            sum += tw * r->best[t];
            cover += tw * idf;
            title += tw * idf * r->in_title[t];
        }
    }
    double share = total > 0 ? cover / total : 0;
    double tshare = total > 0 ? title / total : 0;
    double score = sum * (1.0 + COVER_BONUS * share * share) + TITLE_BONUS * tshare * total;
    sqlite3_result_double(ctx, -score);
}

/* ---- running a query --------------------------------------------------------------------- */

/* Appends s[0..n) as HTML text: escaped, locale markers and control characters dropped,
 * line breaks and tabs as spaces. */
static void html_text(struct buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* Plain bytes go in runs (one append per run rather than per byte). */
        size_t run = i;
        while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != 0x7f && s[run] != '&' &&
               s[run] != '<' && s[run] != '>' && s[run] != '"' && s[run] != '\'' &&
               s[run] != KB__MARK)
            run++;
        if (run > i) {
            buf_append(out, s + i, run - i);
            i = run - 1;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case KB__MARK: {
            const char *q = memchr(s + i + 1, KB__MARK, n - i - 1);
            if (q && q - (s + i) < 12)
                i = (size_t)(q - s);
            break;
        }
        case '&': buf_puts(out, "&amp;"); break;
        case '<': buf_puts(out, "&lt;"); break;
        case '>': buf_puts(out, "&gt;"); break;
        case '"': buf_puts(out, "&quot;"); break;
        case '\'': buf_puts(out, "&#39;"); break;
        case '\n':
        case '\r':
        case '\t': buf_append(out, " ", 1); break;
        default:
            if (c >= 0x20 && c != 0x7f)
                buf_append(out, s + i, 1);
        }
    }
}

static int trim_len(const char *q, const char **start, size_t *len)
{
    const char *a = q, *b = q + strlen(q);
    while (a < b && isspace((unsigned char)*a))
        a++;
    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    *start = a;
    *len = (size_t)(b - a);
    return 0;
}

/*
 * What a query runs: the MATCH expression; for the final ranking the arguments of fdrank()
 * (phrase -> word map, phrase weights, word weights, document frequencies) and, when the
 * candidate set is estimated above CANDIDATES rows, a second expression with the same
 * phrases in the same order whose anchor must occur in the title (tried first: those are
 * the rows the ranking favours); for plain BM25 the rank function.
 */
struct plan {
    struct buf expr, texpr, map, altw, termw, dfs, rk;
    int64_t est; /* estimated candidate rows, INT64_MAX if unknown */
};

static void plan_init(struct plan *p)
{
    buf_init(&p->expr, 0);
    buf_init(&p->texpr, 0);
    buf_init(&p->map, 0);
    buf_init(&p->altw, 0);
    buf_init(&p->termw, 0);
    buf_init(&p->dfs, 0);
    buf_init(&p->rk, 0);
    p->est = 0;
}

static void plan_release(struct plan *p)
{
    buf_release(&p->expr);
    buf_release(&p->texpr);
    buf_release(&p->map);
    buf_release(&p->altw);
    buf_release(&p->termw);
    buf_release(&p->dfs);
    buf_release(&p->rk);
}

/* A word the vocabulary cannot count (shorter than 3 bytes, or without letters): its
 * document frequency is unknown, so it never anchors a query. */
static int uncounted(const struct qword *w)
{
    if (w->kind != KB__KIND_WORD || strlen(w->text) < 3)
        return 1;
    for (const char *p = w->text; *p; p++)
        if ((unsigned char)*p >= 0x80 || isalpha((unsigned char)*p))
            return 0;
    return 1;
}

/* Builds the plan for q. */
static int build(struct db *db, struct kb__conn *cc, struct query *q, const char *loc,
                 enum kb_search_mode mode, enum kb_rank rank, struct plan *pl)
{
    const char *mark = loc ? loc : "*";
    int final = rank == KB_RANK_FINAL;
    /* Stopwords only go when something else is left. */
    int content = 0;
    for (int i = 0; i < q->n; i++) {
        q->w[i].stop = final && q->w[i].kind == KB__KIND_WORD && is_stop(q->w[i].text);
        content += !q->w[i].stop;
    }
    if (content == 0)
        for (int i = 0; i < q->n; i++)
            q->w[i].stop = 0;
    int last = q->n - 1;
    int locked = 0, all_loc = 0;
    if ((mode == KB_SEARCH_FULL || mode == KB_SEARCH_PREFIX) && q->n > 0) {
        if (vcache_lock(db) == 0)
            locked = 1;
    }
    for (int i = 0; i < q->n; i++) {
        struct qword *w = &q->w[i];
        int prefix = mode == KB_SEARCH_PREFIX && i == last;
        if (w->kind == KB__KIND_CJK) {
            /* A lone CJK character only occurs inside bigrams: look for it as a prefix. */
            int one = (unsigned char)w->text[0] >= 0xC0 && strlen(w->text) <= 4;
            add_alt(w, w->text, mark, prefix || one, 100);
            continue;
        }
        add_alt(w, w->text, mark, prefix, 100);
        if (locked && prefix)
            complete(loc, w);
        if (locked && mode == KB_SEARCH_FULL && !prefix) {
            char fix[KB__WORD_MAX + 1];
            if (correct(cc, loc, w->text, fix))
                add_alt(w, fix, mark, 0, 90);
        }
        if (final && !prefix) {
            for (size_t k = 0; k < sizeof(synonyms) / sizeof(synonyms[0]); k++) {
                if (strcmp(synonyms[k].from, w->text) != 0)
                    continue;
                if (synonyms[k].from2) {
                    if (i + 1 >= q->n || strcmp(synonyms[k].from2, q->w[i + 1].text) != 0)
                        continue;
                    q->w[i + 1].stop = 1; /* the phrase counts once */
                }
                for (int a = 0; a < 3 && synonyms[k].to[a]; a++)
                    add_alt(w, synonyms[k].to[a], mark, 0, 60);
            }
        }
    }
    if (locked) {
        for (int i = 0; i < q->n; i++)
            for (int a = 0; a < q->w[i].nalt; a++)
                estimate_df(cc, loc, &q->w[i].alt[a], q->w[i].kind);
        /* Every document has the query's locale: its filter would only cost a walk of a
         * doclist as long as the index. */
        all_loc = loc && strcmp(vc.only, loc) == 0;
        if (final && !cc->dsz && vc.dsz) {
            cc->dsz = vc.dsz; /* released by kb_search_run */
            atomic_fetch_add(&cc->dsz->refs, 1);
        }
        pthread_mutex_unlock(&vmu);
    }

    /* A word repeated in the query takes part once, with the weights of its occurrences
     * summed (the same score as scoring each occurrence, for less work). */
    for (int i = 0; i < q->n && final; i++) {
        if (q->w[i].stop || q->w[i].nalt == 0)
            continue;
        for (int j = i + 1; j < q->n; j++) {
            if (!q->w[j].stop && q->w[j].kind == q->w[i].kind &&
                !(mode == KB_SEARCH_PREFIX && j == last) &&
                strcmp(q->w[j].text, q->w[i].text) == 0) {
                q->w[i].weight += q->w[j].weight;
                q->w[j].stop = 1;
            }
        }
    }

    /* The words that take part, with an estimate of how many documents each matches. */
    int order[MAX_WORDS], nt = 0;
    int64_t tdf[MAX_WORDS];
    for (int i = 0; i < q->n; i++) {
        if (q->w[i].stop || q->w[i].nalt == 0)
            continue;
        tdf[i] = 0;
        for (int a = 0; a < q->w[i].nalt; a++)
            tdf[i] += q->w[i].alt[a].df > 0 ? q->w[i].alt[a].df : 0;
        if (!locked || uncounted(&q->w[i]))
            tdf[i] = INT32_MAX;
        order[nt++] = i;
    }
    /*
     * Anchoring (final ranking): scoring a row costs a few microseconds, so rather than
     * score every row that holds any query word, require the rarest words, as many as fit
     * in ANCHOR_BUDGET estimated rows, and let the other words only add to the score:
     * (rare1 OR rare2) AND (every word). When even the rarest word is too common, the two
     * rarest must both occur. Documents holding only common words of the query are the
     * ones this gives up; they would rank low anyway.
     */
    for (int i = 1; i < nt; i++)
        for (int j = i; j > 0 && tdf[order[j]] < tdf[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int anchor[MAX_WORDS] = {0}, nanchor = 0, both = 0;
    /* Words found in no document (counted: a typo nothing corrected) cannot anchor. */
    int k0 = 0;
    while (k0 < nt && tdf[order[k0]] == 0)
        k0++;
    if (final && nt - k0 > 1) {
        int64_t sum = 0;
        for (int k = k0; k < nt && (k == k0 || sum + tdf[order[k]] <= ANCHOR_BUDGET); k++) {
            sum += tdf[order[k]];
            anchor[order[k]] = 1;
            nanchor++;
        }
        if (nanchor == 1 && tdf[order[k0]] > ANCHOR_BUDGET) {
            anchor[order[k0 + 1]] = 1;
            nanchor = 2;
            both = 1;
        }
        if (nanchor == nt - k0 && !both)
            nanchor = 0; /* every word is rare enough: a plain OR */
    }

    /* Estimated candidates: the anchor's rows, or every word's. */
    pl->est = 0;
    for (int k = 0; k < nt; k++)
        if (!nanchor || anchor[order[k]])
            pl->est += tdf[order[k]];
    /* The title tier scans the rows of the anchor (with a column filter, FTS5 reads every
     * row of the anchor until enough have it in the title): at most those of the rarest
     * anchor word when both must occur. Past TIER_SCAN rows it costs more than it is worth
     * (bench/kb_search at 100k articles: p50 -25%, prefix p99 -40% with 3000). */
    int64_t scan = both ? tdf[order[k0]] : pl->est;
    if (both)
        pl->est = INT64_MAX;
    int tier = final && pl->est > CANDIDATES && scan <= TIER_SCAN;

    int nphrase = 0, rc = 0;
    struct buf part;
    buf_init(&part, 0);
    /* Pass 0 writes the anchor (if any), pass 1 every word. */
    for (int pass = nanchor ? 0 : 1; pass < 2 && !rc; pass++) {
        buf_reset(&part);
        for (int ti = 0; ti < nt && !rc; ti++) {
            struct qword *w = &q->w[order[ti]];
            if (pass == 0 && !anchor[order[ti]])
                continue;
            if (pass == 0 && both && part.len)
                rc = buf_puts(&part, " AND ");
            if (pass == 0 && both)
                rc = rc ? rc : buf_puts(&part, "(");
            struct buf one;
            buf_init(&one, 0);
            for (int a = 0; a < w->nalt && nphrase < MAX_PHRASES && !rc; a++) {
                rc = append_phrase(both && pass == 0 ? &one : &part, w->alt[a].mark, w->alt[a].text,
                                   w->alt[a].prefix);
                buf_printf(&pl->map, "%d ", ti);
                buf_printf(&pl->altw, "%d ", w->alt[a].weight);
                buf_printf(&pl->dfs, "%lld ", (long long)w->alt[a].df);
                nphrase++;
            }
            if (pass == 0 && both) {
                rc = rc ? rc : buf_printf(&part, "%s)", one.ptr);
            }
            buf_release(&one);
            if (pass == 1)
                buf_printf(&pl->termw, "%d ", w->weight);
        }
        if (!rc && part.len) {
            const char *and = pl->expr.len ? " AND " : "";
            rc = buf_printf(&pl->expr, "%s(%s)", and, part.ptr);
            /* The title tier: the first group (the anchor) restricted to the title. */
            if (!rc && tier)
                rc = buf_printf(&pl->texpr, pl->texpr.len ? "%s(%s)" : "%s{title} : (%s)", and,
                                part.ptr);
        }
    }
    buf_release(&part);
    if (!rc && loc && pl->expr.len && !all_loc) {
        rc = buf_printf(&pl->expr, " AND \"%cL%c%s\"", KB__MARK, KB__MARK, loc);
        if (!rc && tier)
            rc = buf_printf(&pl->texpr, " AND \"%cL%c%s\"", KB__MARK, KB__MARK, loc);
        buf_printf(&pl->map, "-1 ");
        buf_printf(&pl->altw, "0 ");
        buf_printf(&pl->dfs, "0 ");
    }
    if (!rc && !final)
        rc = buf_puts(&pl->rk, "bm25(10.0, 1.0, 3.0, 0.0)");
    return rc ? FD_ELIMIT : 0;
}

/*
 * Snippets, computed here for the returned hits only (rather than with FTS5's snippet(),
 * which re-parses and re-runs the MATCH expression for every row): the index terms of the
 * query's phrases are collected once, each hit's stored body is tokenized like the index
 * did it, and the window of SNIPPET_TOKENS tokens with the most distinct query words (then
 * the most matches) is kept, moved back to a sentence start when one is close, with the
 * matched tokens in <mark>.
 */
#define SNIP_TERMS 128
struct snip_terms {
    char tok[SNIP_TERMS][KB__WORD_MAX + 1];
    unsigned char len[SNIP_TERMS], prefix[SNIP_TERMS];
    int word[SNIP_TERMS];
    int n, cur_word, cur_prefix;
};

static int collect_term(void *p, int tflags, const char *tok, int n, int start, int end, int kind)
{
    struct snip_terms *t = p;
    if (t->n >= SNIP_TERMS || n <= 0 || n > KB__WORD_MAX)
        return 0;
    memcpy(t->tok[t->n], tok, (size_t)n);
    t->tok[t->n][n] = '\0';
    t->len[t->n] = (unsigned char)n;
    t->prefix[t->n] = (unsigned char)t->cur_prefix;
    t->word[t->n] = t->cur_word;
    t->n++;
    return 0;
}

static void snip_terms_of(struct kb__conn *cc, const struct query *q, struct snip_terms *t)
{
    t->n = 0;
    for (int i = 0; i < q->n; i++) {
        const struct qword *w = &q->w[i];
        if (w->stop)
            continue;
        for (int a = 0; a < w->nalt; a++) {
            const struct alt *al = &w->alt[a];
            int lang = strcmp(al->mark, "-") == 0   ? KB__LANG_NONE
                       : strcmp(al->mark, "*") == 0 ? KB__LANG_ALL
                                                    : kb__lang_index(al->mark, strlen(al->mark));
            t->cur_word = i;
            t->cur_prefix = al->prefix;
            kb__tokenize(cc->ana, lang,
                         FTS5_TOKENIZE_QUERY | (al->prefix ? FTS5_TOKENIZE_PREFIX : 0), al->text,
                         (int)strlen(al->text), t, collect_term);
        }
    }
}

struct snip_tok {
    int start, end, word; /* word: the query word matched, or -1 */
};

struct snip_doc {
    const struct snip_terms *terms;
    struct snip_tok *tok;
    int n, cap, base;
};

static int snip_match(const struct snip_terms *t, const char *tok, int n)
{
    for (int i = 0; i < t->n; i++) {
        if (t->prefix[i] ? n >= t->len[i] && memcmp(tok, t->tok[i], t->len[i]) == 0
                         : n == t->len[i] && memcmp(tok, t->tok[i], (size_t)n) == 0)
            return t->word[i];
    }
    return -1;
}

static int collect_doc_tok(void *p, int tflags, const char *tok, int n, int start, int end,
                           int kind)
{
    struct snip_doc *d = p;
    int w = snip_match(d->terms, tok, n);
    if (tflags & FTS5_TOKEN_COLOCATED) {
        if (d->n > 0 && w >= 0 && d->tok[d->n - 1].word < 0)
            d->tok[d->n - 1].word = w;
        return 0;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->tok = xrealloc(d->tok, (size_t)d->cap * sizeof(*d->tok));
    }
    d->tok[d->n++] = (struct snip_tok){d->base + start, d->base + end, w};
    return 0;
}

/* Distinct query words (x 1000) plus matches in the window [s, s + SNIPPET_TOKENS). */
static int window_score(const struct snip_doc *d, int s)
{
    int score = 0, seen[MAX_WORDS] = {0};
    for (int i = s; i < d->n && i < s + SNIPPET_TOKENS; i++) {
        int w = d->tok[i].word;
        if (w < 0)
            continue;
        score += seen[w] ? 1 : 1000;
        seen[w] = 1;
    }
    return score;
}

static int sentence_start(const char *text, const struct snip_doc *d, int i)
{
    if (i == 0)
        return 1;
    for (int k = d->tok[i - 1].end; k < d->tok[i].start; k++)
        if (text[k] == '.' || text[k] == '!' || text[k] == '?' || text[k] == '\n')
            return 1;
    return 0;
}

static char *make_snippet(struct kb__conn *cc, const struct snip_terms *terms, const char *body,
                          struct snip_doc *d)
{
    struct buf out;
    buf_init(&out, 0);
    if (!body)
        return buf_detach(&out, NULL);
    int len = (int)strlen(body), off = 0, lang = KB__LANG_NONE;
    if (len >= 2 && body[0] == KB__MARK) {
        const char *e = memchr(body + 1, KB__MARK, (size_t)(len - 1));
        if (e && e - body < 12) {
            lang = kb__lang_index(body + 1, (size_t)(e - body - 1));
            off = (int)(e - body) + 1;
        }
    }
    d->terms = terms;
    d->n = 0;
    d->base = off;
    kb__tokenize(cc->ana, lang, FTS5_TOKENIZE_DOCUMENT, body + off, len - off, d, collect_doc_tok);
    int s = 0, best = -1;
    for (int i = 0; i < d->n; i++) {
        if (d->tok[i].word < 0)
            continue;
        int sc = window_score(d, i);
        if (sc > best) {
            best = sc;
            s = i;
        }
    }
    if (best > 0) {
        /* Centre the matches of the window, then prefer a sentence start before them. */
        int first = s, last = s;
        for (int i = s; i < d->n && i < s + SNIPPET_TOKENS; i++)
            if (d->tok[i].word >= 0)
                last = i;
        int c = first - (SNIPPET_TOKENS - (last - first + 1)) / 2;
        if (c + SNIPPET_TOKENS > d->n)
            c = d->n - SNIPPET_TOKENS;
        s = c < 0 ? 0 : c;
        for (int i = s; i <= first; i++) {
            if (sentence_start(body, d, i)) {
                s = i;
                break;
            }
        }
    }
    int e = s + SNIPPET_TOKENS < d->n ? s + SNIPPET_TOKENS : d->n;
    int pos = 0;
    if (s > 0) {
        buf_puts(&out, "…");
        pos = d->tok[s].start;
    }
    for (int i = s; i < e; i++) {
        /* CJK bigrams overlap: each token writes what its predecessors did not. */
        const struct snip_tok *t = &d->tok[i];
        int a = t->start > pos ? t->start : pos;
        if (t->end <= a)
            continue;
        html_text(&out, body + pos, (size_t)(a - pos));
        if (t->word >= 0)
            buf_puts(&out, "<mark>");
        html_text(&out, body + a, (size_t)(t->end - a));
        if (t->word >= 0)
            buf_puts(&out, "</mark>");
        pos = t->end;
    }
    if (e < d->n)
        buf_puts(&out, "…");
    else
        html_text(&out, body + pos, (size_t)(len - pos));
    return buf_detach(&out, NULL);
}

/* Adds the snippet of each hit (computed for the returned rows only). */
static int add_snippets(struct db *db, struct kb__conn *cc, const struct query *q,
                        struct kb_hit *out, int n)
{
    struct snip_terms *terms = xmalloc(sizeof(*terms));
    snip_terms_of(cc, q, terms);
    struct snip_doc d = {0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        struct db_stmt *st;
        /* The stored body, read from FTS5's content table (as dsz_load reads its docsize
         * table) rather than through the virtual table, whose cursor costs more than the
         * row lookup itself. */
        if (db_prepare(db, "SELECT c1 FROM kb_fts_content WHERE id = ?", &st)) {
            rc = FD_EDB;
            break;
        }
        db_bind_int64(st, 1, out[i].id);
        int s = db_step(st);
        if (s < 0)
            rc = FD_EDB;
        out[i].snippet = make_snippet(cc, terms, s == 1 ? db_col_text(st, 0) : NULL, &d);
        db_finalize(st);
    }
    free(d.tok);
    free(terms);
    return rc;
}

/* Keeps the best limit rows seen (score descending, then id ascending). */
static void keep_best(struct kb_hit *out, int *n, int limit, int64_t id, double score)
{
    int k = *n;
    if (k == limit) {
        const struct kb_hit *w = &out[k - 1];
        if (score < w->score || (score == w->score && id > w->id))
            return;
        k--;
    }
    while (k > 0 &&
           (out[k - 1].score < score || (out[k - 1].score == score && out[k - 1].id > id))) {
        out[k] = out[k - 1];
        k--;
    }
    out[k].id = id;
    out[k].score = score;
    out[k].snippet = NULL;
    if (*n < limit)
        (*n)++;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Final ranking: fdrank() on the rows of the full expression in rowid order (all of them
 * when there are at most CANDIDATES, the usual case thanks to anchoring: then the result is
 * exact), keeping the best limit in C; snippets are computed for those only. When the full
 * expression has more rows and a title tier exists, up to CANDIDATES rows whose anchor is
 * in the title are scored as well (the column filter limits their instances to the title,
 * so their scores are lower bounds).
 */
static int run_final(struct db *db, struct plan *pl, int limit, struct kb_hit *out, int *nout)
{
    int64_t *seen = xmalloc((CANDIDATES + 1) * sizeof(*seen));
    int nseen = 0, rc = 0, n = 0;
    for (int t = 0; t < 2 && !rc; t++) {
        if (t == 1 && (nseen <= CANDIDATES || !pl->texpr.len))
            break;
        struct db_stmt *st;
        if (db_prepare(db,
                       "SELECT rowid, CAST(fdrank(kb_fts, ?2, ?3, ?4, ?5) * -1e9 AS INTEGER) "
                       "FROM kb_fts WHERE kb_fts MATCH ?1 LIMIT ?6",
                       &st)) {
            rc = FD_EDB;
            break;
        }
        db_bind_text(st, 1, t == 0 ? pl->expr.ptr : pl->texpr.ptr);
        db_bind_text(st, 2, pl->map.ptr);
        db_bind_text(st, 3, pl->altw.ptr);
        db_bind_text(st, 4, pl->termw.ptr);
        db_bind_text(st, 5, pl->dfs.ptr);
        db_bind_int64(st, 6, t == 0 ? CANDIDATES + 1 : CANDIDATES);
        if (t == 1)
            qsort(seen, (size_t)nseen, sizeof(*seen), cmp_i64);
        int s;
        while ((s = db_step(st)) == 1) {
            int64_t id = db_col_int64(st, 0);
            if (t == 0)
                seen[nseen++] = id;
            else if (bsearch(&id, seen, (size_t)nseen, sizeof(*seen), cmp_i64))
                continue;
            keep_best(out, &n, limit, id, (double)db_col_int64(st, 1) / 1e9);
        }
        if (s < 0)
            rc = FD_EDB;
        db_finalize(st);
    }
    free(seen);
    *nout = n;
    return rc;
}

int kb_search_run(struct db *db, const char *query, const char *locale, int limit,
                  enum kb_search_mode mode, struct kb_hit **hits, int *nhits, struct fd_error *err)
{
    struct kb__conn *cc = conn_of(db);
    if (!cc)
        return fd_fail(err, FD_EINVAL, "q", "search is not set up on this connection");
    const char *start;
    size_t len;
    trim_len(query ? query : "", &start, &len);
    if (len == 0)
        return fd_fail(err, FD_EINVAL, "q", "the search query is empty");
    if (len > KB_QUERY_MAX)
        return fd_fail(err, FD_ELIMIT, "q", "the search query is longer than %d bytes",
                       KB_QUERY_MAX);
    if (limit < 1 || limit > 50)
        return fd_fail(err, FD_EINVAL, "limit", "limit must be 1..50");
    char loc[8];
    if (locale)
        norm_locale(locale, loc);

    struct query *q = xcalloc(1, sizeof(*q));
    kb__tokenize(cc->ana, KB__LANG_NONE, FTS5_TOKENIZE_QUERY, start, (int)len, q, collect_query);
    struct kb_hit *out = NULL;
    int n = 0, rc = 0;
    if (q->n == 0)
        goto done;
    struct plan pl;
    plan_init(&pl);
    enum kb_rank rank = current_rank();
    /* One read transaction, so that the generation read by vcache_lock and the index the
     * query reads are the same: the column lengths and the locale shortcut of the cache are
     * then exact. */
    int own = sqlite3_get_autocommit(cc->h) && db_begin_read(db) == 0;
    rc = build(db, cc, q, locale ? loc : NULL, mode, rank, &pl);
    if (rc == 0 && pl.expr.len > 0 && rank == KB_RANK_FINAL) {
        out = xcalloc((size_t)limit, sizeof(*out));
        rc = run_final(db, &pl, limit, out, &n);
        if (rc == 0)
            rc = add_snippets(db, cc, q, out, n);
    } else if (rc == 0 && pl.expr.len > 0) {
        struct db_stmt *st;
        if (db_prepare(db,
                       "SELECT rowid, rank FROM kb_fts WHERE kb_fts MATCH ? AND rank MATCH ? "
                       "ORDER BY rank LIMIT ?",
                       &st)) {
            rc = FD_EDB;
        } else {
            db_bind_text(st, 1, pl.expr.ptr);
            db_bind_text(st, 2, pl.rk.ptr);
            db_bind_int64(st, 3, limit);
            out = xcalloc((size_t)limit, sizeof(*out));
            int s = 0;
            while (n < limit && (s = db_step(st)) == 1) {
                const char *r = db_col_text(st, 1);
                out[n].id = db_col_int64(st, 0);
                out[n].score = r ? -strtod(r, NULL) : 0;
                out[n].snippet = NULL;
                n++;
            }
            if (n < limit && s < 0)
                rc = FD_EDB;
            db_finalize(st);
            if (rc == 0)
                rc = add_snippets(db, cc, q, out, n);
        }
    }
    plan_release(&pl);
    dsz_release(cc->dsz);
    cc->dsz = NULL;
    if (own && db_commit(db))
        db_rollback(db);
done:
    free(q);
    if (rc) {
        kb_hits_free(out, n);
        if (rc == FD_EDB)
            fd_fail(err, rc, "q", "search failed");
        return rc;
    }
    *hits = out;
    *nhits = n;
    return 0;
}

void kb_hits_free(struct kb_hit *hits, int n)
{
    if (!hits)
        return;
    for (int i = 0; i < n; i++)
        free(hits[i].snippet);
    free(hits);
}
