#ifndef FD_KB_SEARCH_INT_H
#define FD_KB_SEARCH_INT_H
/*
 * Internals shared by the files of the SQLite FTS5 search backend (search_fts5.c: index,
 * queries, ranking; search_tok.c: the "fdtext" tokenizer). Nothing outside src/kb/search_*
 * includes this.
 *
 * The locale travels in-band: every indexed value and every query phrase starts with a
 * marker "\x1f<code>\x1f" that the tokenizer consumes and that selects its rules
 * (Snowball stemmer of that language, or none). Codes: a locale ("en", "zh"...), "*" (a
 * query for every language: the word and its stem in each language as colocated
 * alternatives), "-" (no stemming: the text is already an index term) and "L" (the
 * locale column: the text becomes one reserved token "\x01<code>").
 *
 * Threads: a struct kb__conn and its tokenizer instances belong to one connection and so
 * to the thread that holds it.
 */
#include <sqlite3.h>
#include <stddef.h>

#define KB__MARK '\x1f'
#define KB__LANG_NONE (-1)
#define KB__LANG_ALL (-2)
#define KB__LANG_LOC (-3)
#define KB__WORD_MAX 64 /* bytes; longer tokens are indexed but never stemmed or corrected */

enum kb__kind { KB__KIND_WORD = 0, KB__KIND_CJK = 1 };

struct kb__tok;
struct kb__dsz;

/* Per-connection state: the FTS5 API of the connection, the unicode61 tokenizer that
 * fdtext wraps, and a tokenizer instance for analysing queries and documents in C. */
struct kb__conn {
    sqlite3 *h;
    fts5_api *api;
    fts5_tokenizer u61;
    void *u61ctx;
    struct kb__tok *ana;
    /* Column lengths of the indexed documents for the query running on this connection
     * (a reference on the snapshot of the vocabulary cache; NULL: read FTS5's docsize). */
    struct kb__dsz *dsz;
};

/* Receives one token; start/end are byte offsets in the original text. */
typedef int (*kb__emit_fn)(void *ctx, int tflags, const char *tok, int n, int start, int end,
                           int kind);

/* Languages with a Snowball stemmer: index by locale code, or KB__LANG_NONE. */
int kb__lang_index(const char *code, size_t n);
int kb__lang_count(void);

struct kb__tok *kb__tok_new(struct kb__conn *cc);
void kb__tok_free(struct kb__tok *t);
/* Tokenizes text (without marker) with the rules of lang; flags are FTS5_TOKENIZE_*.
 * Returns SQLITE_OK or the first non-zero value returned by emit. */
int kb__tokenize(struct kb__tok *t, int lang, int flags, const char *text, int n, void *ctx,
                 kb__emit_fn emit);
/* Stems a folded word with lang's stemmer into out (NUL-terminated). Returns the length;
 * a word that cannot be stemmed is copied. */
int kb__stem(struct kb__tok *t, int lang, const char *w, int n, char *out, int cap);
/* Registers the "fdtext" tokenizer with cc->api (cc is freed when the connection closes,
 * through destroy). */
int kb__tok_register(struct kb__conn *cc, void (*destroy)(void *));

/*
 * Merges the index into one segment (FTS5 'optimize'). Every query term is looked up in
 * each segment, so after a bulk load through kb_search_put (one segment per transaction,
 * merged only incrementally) queries run about twice as slow until this runs
 * (bench/kb_search). kb_search_rebuild calls it; so should a bulk import, at its end, in
 * its own write transaction. Returns 0, FD_EINVAL (connection not set up) or FD_EDB.
 * Public API: the declaration belongs in search.h (kb/import.c calls it).
 */
struct db;

#endif
