/*
 * The "fdtext" FTS5 tokenizer: FTS5's unicode61 (remove_diacritics 2: lower case for every
 * cased script, diacritics folded, so "Café" and "cafe" are one term) wrapped with
 *   - Snowball stemming in the language of the locale marker (see search_int.h),
 *   - CJK (Han, Hiragana, Katakana, Hangul) runs cut into overlapping character bigrams, a
 *     lone character standing for itself, because those scripts do not separate words.
 * Query words followed by '*' (FTS5_TOKENIZE_PREFIX) are not stemmed: a prefix is not a
 * word. Offsets always point into the original text, so highlight() and snippet() mark
 * the right bytes.
 */
#include "search_int.h"

#include "../core/xalloc.h"

#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- languages ----------------------------------------------------------------------- */

static const struct {
    const char *code;
    const char *algo;
} langs[] = {
    {"en", "english"},    {"es", "spanish"},   {"fr", "french"},     {"de", "german"},
    {"pt", "portuguese"}, {"it", "italian"},   {"nl", "dutch"},      {"ru", "russian"},
    {"tr", "turkish"},    {"sv", "swedish"},   {"da", "danish"},     {"no", "norwegian"},
    {"nb", "norwegian"},  {"nn", "norwegian"}, {"fi", "finnish"},    {"hu", "hungarian"},
    {"ro", "romanian"},   {"el", "greek"},     {"ar", "arabic"},     {"ca", "catalan"},
    {"eu", "basque"},     {"ga", "irish"},     {"id", "indonesian"}, {"lt", "lithuanian"},
    {"sr", "serbian"},    {"hi", "hindi"},     {"ne", "nepali"},     {"ta", "tamil"},
    {"hy", "armenian"},   {"yi", "yiddish"},
};
#define NLANG ((int)(sizeof(langs) / sizeof(langs[0])))

int kb__lang_index(const char *code, size_t n)
{
    for (int i = 0; i < NLANG; i++)
        if (strlen(langs[i].code) == n && memcmp(langs[i].code, code, n) == 0)
            return i;
    return KB__LANG_NONE;
}

int kb__lang_count(void)
{
    return NLANG;
}

/* ---- tokenizer instance ---------------------------------------------------------------- */

/*
 * Stems are cached per tokenizer instance: a query stems its words several times (typo
 * check, document-frequency estimate, FTS5's parse of each phrase) and its snippets stem
 * every word of each returned article again, mostly the same few hundred words. Snowball
 * was 11% of the CPU time of bench/kb_search at 100k articles; a direct-mapped cache of
 * STEM_SLOTS short words turns most of those calls into one hash and one memcmp.
 */
#define STEM_SLOTS 2048 /* power of two */
#define STEM_WORD 23    /* longest word (and stem) cached, in bytes */
struct stem_slot {
    signed char lang; /* -1: empty */
    unsigned char wn, sn;
    char w[STEM_WORD], s[STEM_WORD];
};

struct kb__tok {
    struct kb__conn *cc;
    Fts5Tokenizer *inner;             /* unicode61 remove_diacritics 2 */
    struct sb_stemmer *stem[NLANG];   /* created on first use */
    unsigned char stem_failed[NLANG]; /* sb_stemmer_new returned NULL once */
    struct stem_slot *cache;          /* STEM_SLOTS entries, allocated on first use */
};

struct kb__tok *kb__tok_new(struct kb__conn *cc)
{
    static const char *args[] = {"remove_diacritics", "2"};
    struct kb__tok *t = xcalloc(1, sizeof(*t));
    t->cc = cc;
    if (cc->u61.xCreate(cc->u61ctx, args, 2, &t->inner) != SQLITE_OK) {
        free(t);
        return NULL;
    }
    return t;
}

void kb__tok_free(struct kb__tok *t)
{
    if (!t)
        return;
    if (t->inner)
        t->cc->u61.xDelete(t->inner);
    for (int i = 0; i < NLANG; i++)
        if (t->stem[i])
            sb_stemmer_delete(t->stem[i]);
    free(t->cache);
    free(t);
}

static struct sb_stemmer *stemmer(struct kb__tok *t, int lang)
{
    if (lang < 0 || lang >= NLANG || t->stem_failed[lang])
        return NULL;
    if (!t->stem[lang]) {
        t->stem[lang] = sb_stemmer_new(langs[lang].algo, "UTF_8");
        if (!t->stem[lang])
            t->stem_failed[lang] = 1;
    }
    return t->stem[lang];
}

/* Words made of digits only (amounts, codes) are left alone. */
static int has_letter(const char *w, int n)
{
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 0x80 || (c >= 'a' && c <= 'z'))
            return 1;
    }
    return 0;
}

/* The cache slot of (lang, w): FNV-1a of the word, mixed with the language. */
static struct stem_slot *stem_slot(struct kb__tok *t, int lang, const char *w, int n)
{
    if (!t->cache) {
        t->cache = xmalloc(STEM_SLOTS * sizeof(*t->cache));
        for (int i = 0; i < STEM_SLOTS; i++)
            t->cache[i].lang = -1;
    }
    uint32_t h = 2166136261u ^ (uint32_t)lang;
    for (int i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return &t->cache[h & (STEM_SLOTS - 1)];
}

int kb__stem(struct kb__tok *t, int lang, const char *w, int n, char *out, int cap)
{
    struct sb_stemmer *s = n <= KB__WORD_MAX && has_letter(w, n) ? stemmer(t, lang) : NULL;
    const char *r = w;
    int rn = n;
    struct stem_slot *slot = s && n <= STEM_WORD ? stem_slot(t, lang, w, n) : NULL;
    if (slot && slot->lang == lang && slot->wn == n && memcmp(slot->w, w, (size_t)n) == 0) {
        r = slot->s;
        rn = slot->sn;
    } else if (s) {
        const sb_symbol *st = sb_stemmer_stem(s, (const sb_symbol *)w, n);
        if (st) {
            r = (const char *)st;
            rn = sb_stemmer_length(s);
        }
        if (slot && rn <= STEM_WORD) {
            slot->lang = (signed char)lang;
            slot->wn = (unsigned char)n;
            slot->sn = (unsigned char)rn;
            memcpy(slot->w, w, (size_t)n);
            memcpy(slot->s, r, (size_t)rn);
        }
    }
    if (rn >= cap)
        rn = cap - 1;
    memcpy(out, r, (size_t)rn);
    out[rn] = '\0';
    return rn;
}

/* ---- UTF-8 and CJK ----------------------------------------------------------------------- */

/* Decodes one code point at s[*i] (advancing *i); malformed bytes decode as themselves. */
static unsigned decode(const unsigned char *s, int n, int *i)
{
    unsigned c = s[*i];
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c < 0xC0 || *i + len > n) {
        (*i)++;
        return c;
    }
    unsigned cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    *i += len;
    return cp;
}

static int is_cjk(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x11FF) || /* Hangul Jamo */
           (cp >= 0x3040 && cp <= 0x30FF) || /* Hiragana, Katakana */
           (cp >= 0x3130 && cp <= 0x318F) || /* Hangul compatibility Jamo */
           (cp >= 0x31F0 && cp <= 0x31FF) || /* Katakana phonetic extensions */
           (cp >= 0x3400 && cp <= 0x4DBF) || /* Han extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) || /* Han */
           (cp >= 0xAC00 && cp <= 0xD7AF) || /* Hangul syllables */
           (cp >= 0xF900 && cp <= 0xFAFF) || /* Han compatibility */
           (cp >= 0xFF66 && cp <= 0xFF9F) || /* half-width Katakana */
           (cp >= 0x20000 && cp <= 0x3FFFF); /* Han extensions B.. */
}

static int has_cjk(const char *tok, int n)
{
    const unsigned char *s = (const unsigned char *)tok;
    for (int i = 0; i < n;) {
        if (s[i] < 0xE1) {
            i++;
            continue;
        }
        if (is_cjk(decode(s, n, &i)))
            return 1;
    }
    return 0;
}

/* ---- tokenizing -------------------------------------------------------------------------- */

struct run {
    struct kb__tok *t;
    int lang, flags;
    const char *text; /* the text handed to unicode61 */
    int base;         /* offset of text in the caller's text */
    void *ctx;
    kb__emit_fn emit;
};

static int word_cb(void *p, int tflags, const char *tok, int n, int start, int end);

/* Emits the bigrams of the CJK run [a, b) of r->text, and its lone character if single. */
static int cjk_run(struct run *r, int a, int b)
{
    const unsigned char *s = (const unsigned char *)r->text;
    int prev = a, i = a;
    decode(s, b, &i);
    if (i >= b)
        return r->emit(r->ctx, 0, r->text + a, b - a, r->base + a, r->base + b, KB__KIND_CJK);
    while (i < b) {
        int next = i;
        decode(s, b, &next);
        int rc = r->emit(r->ctx, 0, r->text + prev, next - prev, r->base + prev, r->base + next,
                         KB__KIND_CJK);
        if (rc)
            return rc;
        prev = i;
        i = next;
    }
    return 0;
}

/* A unicode61 token with CJK characters: cut the original bytes into CJK runs (bigrams)
 * and other runs (tokenized again by unicode61; they hold no CJK, so this ends). */
static int split_mixed(struct run *r, int start, int end)
{
    const unsigned char *s = (const unsigned char *)r->text;
    int i = start;
    while (i < end) {
        int a = i;
        int c0 = is_cjk(decode(s, end, &i));
        int b = i;
        while (b < end) {
            int j = b;
            if (is_cjk(decode(s, end, &j)) != c0)
                break;
            b = j;
        }
        int rc;
        if (c0) {
            rc = cjk_run(r, a, b);
        } else {
            struct run sub = *r;
            sub.text = r->text + a;
            sub.base = r->base + a;
            rc = r->t->inner ? r->t->cc->u61.xTokenize(r->t->inner, &sub, r->flags, sub.text, b - a,
                                                       word_cb)
                             : SQLITE_OK;
        }
        if (rc)
            return rc;
        i = b;
    }
    return 0;
}

static int word_cb(void *p, int tflags, const char *tok, int n, int start, int end)
{
    struct run *r = p;
    if (n <= 0)
        return SQLITE_OK;
    if (has_cjk(tok, n))
        return split_mixed(r, start, end);
    int s0 = r->base + start, e0 = r->base + end;
    char buf[KB__WORD_MAX + 1];
    if (r->lang == KB__LANG_NONE || (r->flags & FTS5_TOKENIZE_PREFIX) || n > KB__WORD_MAX ||
        !has_letter(tok, n))
        return r->emit(r->ctx, tflags, tok, n, s0, e0, KB__KIND_WORD);
    if (r->lang >= 0) {
        int sn = kb__stem(r->t, r->lang, tok, n, buf, (int)sizeof(buf));
        return r->emit(r->ctx, tflags, buf, sn, s0, e0, KB__KIND_WORD);
    }
    /* KB__LANG_ALL (queries over every locale): the word and each distinct stem. */
    int rc = r->emit(r->ctx, tflags, tok, n, s0, e0, KB__KIND_WORD);
    char seen[8][KB__WORD_MAX + 1];
    int nseen = 0;
    for (int l = 0; l < NLANG && rc == 0; l++) {
        int sn = kb__stem(r->t, l, tok, n, buf, (int)sizeof(buf));
        if (sn == n && memcmp(buf, tok, (size_t)n) == 0)
            continue;
        int dup = 0;
        for (int k = 0; k < nseen && !dup; k++)
            dup = strcmp(seen[k], buf) == 0;
        if (dup)
            continue;
        if (nseen < 8)
            memcpy(seen[nseen++], buf, (size_t)sn + 1);
        rc = r->emit(r->ctx, FTS5_TOKEN_COLOCATED, buf, sn, s0, e0, KB__KIND_WORD);
    }
    return rc;
}

int kb__tokenize(struct kb__tok *t, int lang, int flags, const char *text, int n, void *ctx,
                 kb__emit_fn emit)
{
    if (lang == KB__LANG_LOC) {
        /* The locale column: one reserved token that no word can produce. */
        char tok[16];
        if (n <= 0 || n > 8)
            return SQLITE_OK;
        tok[0] = '\x01';
        memcpy(tok + 1, text, (size_t)n);
        return emit(ctx, 0, tok, n + 1, 0, n, KB__KIND_WORD);
    }
    struct run r = {t, lang, flags, text, 0, ctx, emit};
    return t->cc->u61.xTokenize(t->inner, &r, flags, text, n, word_cb);
}

/* ---- FTS5 glue ---------------------------------------------------------------------------- */

static int x_create(void *pctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    struct kb__tok *t = kb__tok_new(pctx);
    if (!t)
        return SQLITE_ERROR;
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void x_delete(Fts5Tokenizer *p)
{
    kb__tok_free((struct kb__tok *)p);
}

struct fts_sink {
    void *pctx;
    int (*xtoken)(void *, int, const char *, int, int, int);
    int base;
};

static int fts_emit(void *p, int tflags, const char *tok, int n, int start, int end, int kind)
{
    struct fts_sink *s = p;
    return s->xtoken(s->pctx, tflags, tok, n, s->base + start, s->base + end);
}

static int x_tokenize(Fts5Tokenizer *p, void *pctx, int flags, const char *text, int n,
                      int (*xtoken)(void *, int, const char *, int, int, int))
{
    struct kb__tok *t = (struct kb__tok *)p;
    int lang = KB__LANG_NONE, off = 0;
    if (n >= 2 && text[0] == KB__MARK) {
        int e = 1;
        while (e < n && e < 12 && text[e] != KB__MARK)
            e++;
        if (e < n && text[e] == KB__MARK) {
            const char *code = text + 1;
            int cn = e - 1;
            if (cn == 1 && code[0] == '*')
                lang = KB__LANG_ALL;
            else if (cn == 1 && code[0] == 'L')
                lang = KB__LANG_LOC;
            else
                lang = kb__lang_index(code, (size_t)cn);
            off = e + 1;
        }
    }
    struct fts_sink s = {pctx, xtoken, off};
    return kb__tokenize(t, lang, flags, text + off, n - off, &s, fts_emit);
}

int kb__tok_register(struct kb__conn *cc, void (*destroy)(void *))
{
    static fts5_tokenizer methods = {x_create, x_delete, x_tokenize};
    return cc->api->xCreateTokenizer(cc->api, "fdtext", cc, &methods, destroy) == SQLITE_OK ? 0
                                                                                            : -1;
}
