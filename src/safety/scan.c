/* The secrets scanner: finds recovery phrases, private keys, passwords, 2FA codes and API
 * secrets in customer text and replaces each with a marker. */
#include "scan.h"

#include "../core/err.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const bip39_words[] = {
#include "bip39_english.inc"
};
#define NWORDS (sizeof(bip39_words) / sizeof(bip39_words[0]))

#define PHRASE_MIN 12
#define PHRASE_MAX 24
#define PHRASE_GAP_MAX 32 /* bytes between two words of a phrase (separators, numbering) */
#define CONTEXT_BYTES 96  /* how far back a keyword may precede a raw hex key */
#define CONTEXT_TOKENS 10
#define LOOKAHEAD_BYTES 48 /* how far after "2FA code" the digits may follow */
#define VALUE_MAX 256

/* ------------------------------------------------------------------ tokens */

struct tok {
    size_t start, end;
    int word;    /* BIP-39 index, or -1 */
    short kword; /* index in keywords[], or -1 */
    unsigned char letters, digits;
    unsigned char marker; /* one of our own markers: "[removed: 2FA code]" */
};

/* Every word the context rules look for, sorted (tokens are matched once, in tokenize). */
static const char *const keywords[] = {
    "2fa",           "api",    "apikey",   "apisecret",    "auth",        "authentication",
    "authenticator", "backup", "code",     "confirmation", "factor",      "google",
    "key",           "login",  "mfa",      "one",          "otp",         "passcode",
    "passphrase",    "passwd", "password", "priv",         "private",     "privatekey",
    "privkey",       "pwd",    "secret",   "secretkey",    "security",    "seed",
    "sms",           "time",   "totp",     "two",          "verification"};
#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

struct span {
    size_t start, end;
    unsigned kind;
};

struct scan {
    const char *text;
    size_t len;
    struct tok *toks;
    size_t ntoks, captoks;
    struct span *spans;
    size_t nspans, capspans;
    unsigned kinds;
};

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
    return is_alpha(c) || is_digit(c);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static size_t tok_len(const struct tok *t)
{
    return t->end - t->start;
}

/* Whether token t is exactly the keyword w (case-insensitive: tokens were lowered). */
static int tok_is(const struct scan *s, const struct tok *t, const char *w)
{
    (void)s;
    return t->kword >= 0 && strcmp(keywords[t->kword], w) == 0;
}

static int lookup(const char *const *list, size_t n, const char *w)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(w, list[mid]);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* Looks the token up in the word list and among the keywords. */
static void classify(const struct scan *s, struct tok *t)
{
    char w[16];
    size_t n = tok_len(t);
    t->word = -1;
    t->kword = -1;
    if (n < 2 || n > 14)
        return;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)lower((unsigned char)s->text[t->start + i]);
    w[n] = 0;
    if (t->letters && !t->digits && n >= 3 && n <= 8)
        t->word = lookup(bip39_words, NWORDS, w);
    t->kword = (short)lookup(keywords, NKEYWORDS, w);
}

static int tokenize(struct scan *s)
{
    size_t i = 0;
    while (i < s->len) {
        struct tok t = {.start = i, .word = -1, .kword = -1};
        /* A marker is one opaque token: the words inside it ("2FA", "key") are not
         * keywords, so that scanning redacted text again finds nothing. */
        if (s->text[i] == '[' && s->len - i > 10 && memcmp(s->text + i, "[removed: ", 10) == 0) {
            const char *close = memchr(s->text + i, ']', s->len - i < 40 ? s->len - i : 40);
            if (close) {
                t.end = (size_t)(close - s->text) + 1;
                t.marker = 1;
                i = t.end;
                goto push;
            }
        }
        if (!is_alnum((unsigned char)s->text[i])) {
            i++;
            continue;
        }
        unsigned letters = 0, digits = 0;
        while (i < s->len && is_alnum((unsigned char)s->text[i])) {
            if (is_digit((unsigned char)s->text[i]))
                digits = 1;
            else
                letters = 1;
            i++;
        }
        t.end = i;
        t.letters = (unsigned char)letters;
        t.digits = (unsigned char)digits;
        classify(s, &t);
    push:
        if (s->ntoks == s->captoks) {
            size_t cap = s->captoks ? s->captoks * 2 : 64;
            struct tok *p = realloc(s->toks, cap * sizeof(*p));
            if (!p)
                return FD_ENOMEM;
            s->toks = p;
            s->captoks = cap;
        }
        s->toks[s->ntoks++] = t;
    }
    return 0;
}

static int add_span(struct scan *s, size_t start, size_t end, unsigned kind)
{
    if (s->nspans == s->capspans) {
        size_t cap = s->capspans ? s->capspans * 2 : 8;
        struct span *p = realloc(s->spans, cap * sizeof(*p));
        if (!p)
            return FD_ENOMEM;
        s->spans = p;
        s->capspans = cap;
    }
    s->spans[s->nspans++] = (struct span){start, end, kind};
    s->kinds |= kind;
    return 0;
}

/* ------------------------------------------------------------------ BIP-39 */

/* Whether n word indices (n in 12..24, a multiple of 3) carry a valid BIP-39 checksum. */
static int bip39_valid(const int *idx, size_t n)
{
    unsigned char bits[33];
    size_t nb = 0;
    uint32_t acc = 0;
    unsigned have = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 11) | (uint32_t)idx[i];
        have += 11;
        while (have >= 8) {
            have -= 8;
            bits[nb++] = (unsigned char)(acc >> have);
        }
        acc &= (1u << have) - 1;
    }
    size_t ent = n * 11 * 32 / 33, cs = n / 3;
    unsigned char last = (unsigned char)(have ? acc << (8 - have) : 0);
    if (nb == ent / 8)
        bits[nb] = last; /* 12..21 words: the checksum bits are left in acc */
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, bits, ent / 8);
    return (bits[ent / 8] >> (8 - cs)) == (h[0] >> (8 - cs));
}

/* Numbering between phrase words: "1." "12)" "#3". */
static int is_numbering(const struct tok *t)
{
    return t->digits && !t->letters && tok_len(t) <= 2;
}

/* Whether the words of run[a..b) look written down as a phrase: all lower case or all
 * upper case, separated only by spaces, line breaks, commas, periods, semicolons,
 * hyphens, closing parentheses and numbering. */
static int phrase_shaped(const struct scan *s, const size_t *run, size_t a, size_t b)
{
    int upper = 0, lowr = 0;
    for (size_t i = a; i < b; i++) {
        const struct tok *t = &s->toks[run[i]];
        for (size_t j = t->start; j < t->end; j++) {
            if (s->text[j] >= 'A' && s->text[j] <= 'Z')
                upper = 1;
            else
                lowr = 1;
        }
        if (upper && lowr)
            return 0;
        if (i + 1 < b)
            for (size_t j = t->end; j < s->toks[run[i + 1]].start; j++)
                if (!is_space((unsigned char)s->text[j]) && !is_digit((unsigned char)s->text[j]) &&
                    !strchr(",.;-)", s->text[j]))
                    return 0;
    }
    return 1;
}

/* A run of 12 to 24 wordlist words that no valid phrase explains, written down like a
 * phrase: flagged as one with a word wrong or out of order. Ordinary prose has no such
 * runs: the commonest English words ("the", "and", "is", "to", "of") are not on the list.
 * The longest in the 1,047-message email corpus is a Title-Case form ("Name* / Web
 * Address / Company Name* ..."), which the shape rule excludes. */
static int flush_uncovered(struct scan *s, const size_t *run, size_t a, size_t b)
{
    if (b - a < PHRASE_MIN || b - a > PHRASE_MAX || !phrase_shaped(s, run, a, b))
        return 0;
    return add_span(s, s->toks[run[a]].start, s->toks[run[b - 1]].end, SAFETY_SEED);
}

/* Finds checksum-valid phrases in one run of consecutive wordlist words. */
static int scan_run(struct scan *s, const size_t *run, size_t n)
{
    static const size_t lengths[] = {24, 21, 18, 15, 12};
    int idx[PHRASE_MAX];
    size_t i = 0, uncovered = 0;
    int rc = 0;
    while (n - i >= PHRASE_MIN && !rc) {
        int found = 0;
        for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]) && !found; k++) {
            size_t l = lengths[k];
            if (l > n - i)
                continue;
            for (size_t j = 0; j < l; j++)
                idx[j] = s->toks[run[i + j]].word;
            if (!bip39_valid(idx, l))
                continue;
            if ((rc = flush_uncovered(s, run, uncovered, i)))
                return rc;
            /* Numbering before the first word ("1. abandon") goes with the phrase. */
            size_t start = s->toks[run[i]].start;
            if (run[i] > 0 && is_numbering(&s->toks[run[i] - 1]) &&
                start - s->toks[run[i] - 1].end <= 3)
                start = s->toks[run[i] - 1].start;
            rc = add_span(s, start, s->toks[run[i + l - 1]].end, SAFETY_SEED);
            i += l;
            uncovered = i;
            found = 1;
        }
        if (!found)
            i++;
    }
    return rc ? rc : flush_uncovered(s, run, uncovered, n);
}

static int scan_phrases(struct scan *s)
{
    size_t *run = malloc((s->ntoks ? s->ntoks : 1) * sizeof(*run));
    if (!run)
        return FD_ENOMEM;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i <= s->ntoks && !rc; i++) {
        const struct tok *t = i < s->ntoks ? &s->toks[i] : NULL;
        if (t && n && is_numbering(t))
            continue;
        int joins =
            t && t->word >= 0 && (n == 0 || t->start - s->toks[run[n - 1]].end <= PHRASE_GAP_MAX);
        if (joins) {
            run[n++] = i;
            continue;
        }
        if (n >= PHRASE_MIN)
            rc = scan_run(s, run, n);
        n = 0;
        if (t && t->word >= 0)
            run[n++] = i;
    }
    free(run);
    return rc;
}

/* ------------------------------------------------------------------ Base58Check keys */

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Decodes n Base58 characters into exactly want bytes and checks the 4-byte double-SHA-256
 * checksum. Returns 1 when valid; payload (want - 4 bytes) is then in out. */
static int b58check(const char *p, size_t n, unsigned char *out, size_t want)
{
    unsigned char buf[96];
    if (want > sizeof(buf) || want < 5)
        return 0;
    memset(buf, 0, want);
    for (size_t i = 0; i < n; i++) {
        const char *c = memchr(b58_alphabet, p[i], sizeof(b58_alphabet) - 1);
        if (!c)
            return 0;
        unsigned carry = (unsigned)(c - b58_alphabet);
        for (size_t j = want; j-- > 0;) {
            carry += 58u * buf[j];
            buf[j] = (unsigned char)(carry & 0xff);
            carry >>= 8;
        }
        if (carry)
            return 0; /* longer than want */
    }
    unsigned char h1[crypto_hash_sha256_BYTES], h2[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h1, buf, want - 4);
    crypto_hash_sha256(h2, h1, sizeof(h1));
    if (memcmp(h2, buf + want - 4, 4) != 0)
        return 0;
    memcpy(out, buf, want - 4);
    return 1;
}

/* Whether token t is a Base58Check private key (WIF, BIP-38 or extended private key). */
static int is_b58_privkey(const struct scan *s, const struct tok *t)
{
    const char *p = s->text + t->start;
    size_t n = tok_len(t);
    unsigned char pl[96];
    if (n == 51 && (p[0] == '5' || p[0] == '9'))
        return b58check(p, n, pl, 37) && (pl[0] == 0x80 || pl[0] == 0xef);
    if (n == 52 && (p[0] == 'K' || p[0] == 'L' || p[0] == 'c'))
        return b58check(p, n, pl, 38) && (pl[0] == 0x80 || pl[0] == 0xef) && pl[33] == 0x01;
    if (n == 58 && p[0] == '6' && p[1] == 'P')
        return b58check(p, n, pl, 43) && pl[0] == 0x01 && (pl[1] == 0x42 || pl[1] == 0x43);
    if (n == 111 && strchr("xyztuvYZUV", p[0]) && memcmp(p + 1, "prv", 3) == 0)
        return b58check(p, n, pl, 82);
    return 0;
}

/* ------------------------------------------------------------------ context rules */

static int is_hex_key(const struct scan *s, const struct tok *t, size_t *start)
{
    const char *p = s->text + t->start;
    size_t n = tok_len(t);
    size_t off = 0;
    if (n == 66 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        off = 2;
    else if (n != 64)
        return 0;
    for (size_t i = off; i < n; i++) {
        unsigned char c = lower((unsigned char)p[i]);
        if (!is_digit(c) && !(c >= 'a' && c <= 'f'))
            return 0;
    }
    *start = t->start;
    return 1;
}

enum ctx { CTX_NONE, CTX_PRIVKEY, CTX_API };

/* Whether tokens i, i+1 are the keyword pair a b (b NULL: one token a). */
static int kw(const struct scan *s, size_t i, const char *a, const char *b)
{
    if (!tok_is(s, &s->toks[i], a))
        return 0;
    if (!b)
        return 1;
    return i + 1 < s->ntoks && tok_is(s, &s->toks[i + 1], b);
}

/* What the tokens shortly before token i say about a secret value at i. */
static enum ctx context_before(const struct scan *s, size_t i)
{
    size_t from = i > CONTEXT_TOKENS ? i - CONTEXT_TOKENS : 0;
    int priv = 0, api = 0, secret = 0;
    for (size_t j = from; j < i; j++) {
        if (s->toks[i].start - s->toks[j].end > CONTEXT_BYTES)
            continue;
        if (kw(s, j, "private", "key") || kw(s, j, "priv", "key") || kw(s, j, "privkey", NULL) ||
            kw(s, j, "privatekey", NULL) || kw(s, j, "private", NULL))
            priv = 1;
        if (kw(s, j, "secret", NULL) || kw(s, j, "secretkey", NULL) || kw(s, j, "seed", NULL))
            secret = 1;
        if (kw(s, j, "api", NULL) || kw(s, j, "apisecret", NULL) || kw(s, j, "apikey", NULL))
            api = 1;
    }
    if (api)
        return CTX_API;
    return priv || secret ? CTX_PRIVKEY : CTX_NONE;
}

/*
 * The value stated after a keyword ending at byte pos: "<kw>: value", "<kw> = value",
 * "<kw> is value", "<kw> was: value". Sets [*vs, *ve) to the whole non-space run and
 * [*cs, *ce) to it without surrounding quotes and trailing punctuation; *quoted when it
 * was quoted. Returns 0 when no value is stated that way.
 */
static int stated_value(const struct scan *s, size_t pos, size_t *vs, size_t *ve, size_t *cs,
                        size_t *ce, int *quoted)
{
    const char *p = s->text;
    size_t n = s->len, i = pos;
    int stated = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i < n && (p[i] == ':' || p[i] == '=')) {
        stated = 1;
        i++;
    } else {
        static const char *const verbs[] = {"is", "was", "are", NULL};
        for (int k = 0; verbs[k] && !stated; k++) {
            size_t l = strlen(verbs[k]);
            if (i + l < n && lower((unsigned char)p[i]) == (unsigned char)verbs[k][0] &&
                lower((unsigned char)p[i + 1]) == (unsigned char)verbs[k][1] &&
                (l < 3 || lower((unsigned char)p[i + 2]) == (unsigned char)verbs[k][2]) &&
                (p[i + l] == ' ' || p[i + l] == '\t' || p[i + l] == ':')) {
                stated = 1;
                i += l;
                if (i < n && p[i] == ':')
                    i++;
            }
        }
    }
    if (!stated)
        return 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    /* Filler words between "is" and the value. */
    static const char *const fillers[] = {"now ", "still ", "currently ", "just ", NULL};
    for (int k = 0; fillers[k]; k++) {
        size_t l = strlen(fillers[k]);
        if (i + l <= n && strncasecmp(p + i, fillers[k], l) == 0) {
            i += l;
            while (i < n && (p[i] == ' ' || p[i] == '\t'))
                i++;
            break;
        }
    }
    size_t start = i;
    /* Already removed: scanning redacted text again must change nothing. */
    if (n - i >= 9 && memcmp(p + i, "[removed:", 9) == 0)
        return 0;
    while (i < n && !is_space((unsigned char)p[i]) && i - start < VALUE_MAX)
        i++;
    if (i == start)
        return 0;
    *vs = start;
    *ve = i;
    size_t a = start, b = i;
    *quoted = 0;
    if (p[a] == '"' || p[a] == '\'' || p[a] == '`') {
        *quoted = 1;
        a++;
    }
    while (b > a && strchr(".,;!?)\"'`", p[b - 1]))
        b--;
    *cs = a;
    *ce = b;
    return b > a;
}

/* A stated password looks like one: quoted, or with a digit, a symbol or inner capitals. */
static int password_like(const struct scan *s, size_t a, size_t b, int quoted)
{
    if (b - a < 4)
        return 0;
    if (quoted)
        return 1;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)s->text[i];
        if (is_digit(c) || c >= 0x80 || (!is_alpha(c) && c != '-'))
            return 1;
        if (i > a && c >= 'A' && c <= 'Z')
            return 1;
    }
    return 0;
}

/* An API secret or key: 16+ characters of a token alphabet, with letters and digits. */
static int secret_like(const struct scan *s, size_t a, size_t b)
{
    if (b - a < 16)
        return 0;
    int letters = 0, digits = 0;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)s->text[i];
        if (is_digit(c))
            digits = 1;
        else if (is_alpha(c))
            letters = 1;
        else if (!strchr("+/=_-", c))
            return 0;
    }
    return letters && digits;
}

static int is_otp_keyword(const struct scan *s, size_t i, size_t *kw_end)
{
    static const char *const one[] = {"2fa", "otp", "totp", "mfa", "authenticator", NULL};
    static const char *const two[][2] = {
        {"verification", "code"}, {"security", "code"},       {"sms", "code"},
        {"auth", "code"},         {"authentication", "code"}, {"one", "time"},
        {"two", "factor"},        {"backup", "code"},         {"login", "code"},
        {"confirmation", "code"}, {"google", "auth"},         {NULL, NULL}};
    for (int k = 0; one[k]; k++)
        if (kw(s, i, one[k], NULL)) {
            *kw_end = s->toks[i].end;
            return 1;
        }
    for (int k = 0; two[k][0]; k++)
        if (kw(s, i, two[k][0], two[k][1])) {
            *kw_end = s->toks[i + 1].end;
            return 1;
        }
    return 0;
}

static int all_digits(const struct tok *t)
{
    return t->digits && !t->letters;
}

/* After a 2FA keyword: the first 6- or 8-digit code (also "123 456", "1234-5678"). */
static int scan_otp_after(struct scan *s, size_t i, size_t kw_end)
{
    for (size_t j = i + 1; j < s->ntoks && s->toks[j].start <= kw_end + LOOKAHEAD_BYTES; j++) {
        const struct tok *t = &s->toks[j];
        if (t->start < kw_end)
            continue; /* the keyword's second word */
        if (t->marker)
            return 0; /* a code was stated here and is already removed */
        if (!all_digits(t))
            continue;
        size_t n = tok_len(t);
        if (n == 6 || n == 8)
            return add_span(s, t->start, t->end, SAFETY_OTP);
        if ((n == 3 || n == 4) && j + 1 < s->ntoks) {
            const struct tok *u = &s->toks[j + 1];
            if (all_digits(u) && tok_len(u) == n && u->start == t->end + 1 &&
                (s->text[t->end] == ' ' || s->text[t->end] == '-'))
                return add_span(s, t->start, u->end, SAFETY_OTP);
        }
        return 0; /* some other number came first */
    }
    return 0;
}

static int scan_context(struct scan *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->ntoks && !rc; i++) {
        const struct tok *t = &s->toks[i];
        size_t vs, ve, cs, ce, kw_end;
        int quoted;
        if (t->letters && t->digits && is_b58_privkey(s, t)) {
            rc = add_span(s, t->start, t->end, SAFETY_PRIVKEY);
            continue;
        }
        size_t hs;
        if (is_hex_key(s, t, &hs)) {
            enum ctx c = context_before(s, i);
            if (c == CTX_API)
                rc = add_span(s, hs, t->end, SAFETY_API_SECRET);
            else if (c == CTX_PRIVKEY)
                rc = add_span(s, hs, t->end, SAFETY_PRIVKEY);
            continue;
        }
        if (t->kword < 0)
            continue;
        if (kw(s, i, "password", NULL) || kw(s, i, "passwd", NULL) || kw(s, i, "pwd", NULL) ||
            kw(s, i, "passcode", NULL) || kw(s, i, "passphrase", NULL)) {
            if (stated_value(s, t->end, &vs, &ve, &cs, &ce, &quoted) &&
                password_like(s, cs, ce, quoted))
                rc = add_span(s, vs, ve, SAFETY_PASSWORD);
            continue;
        }
        size_t end = 0;
        if (kw(s, i, "api", "secret") || kw(s, i, "api", "key") || kw(s, i, "secret", "key") ||
            kw(s, i, "private", "key") || kw(s, i, "priv", "key"))
            end = s->toks[i + 1].end;
        else if (kw(s, i, "apisecret", NULL) || kw(s, i, "apikey", NULL) ||
                 kw(s, i, "secretkey", NULL) || kw(s, i, "privkey", NULL) ||
                 kw(s, i, "privatekey", NULL))
            end = t->end;
        if (end) {
            unsigned kind = (kw(s, i, "private", "key") || kw(s, i, "priv", "key") ||
                             kw(s, i, "privkey", NULL) || kw(s, i, "privatekey", NULL))
                                ? SAFETY_PRIVKEY
                                : SAFETY_API_SECRET;
            if (stated_value(s, end, &vs, &ve, &cs, &ce, &quoted) && secret_like(s, cs, ce))
                rc = add_span(s, vs, ve, kind);
            continue;
        }
        if (is_otp_keyword(s, i, &kw_end))
            rc = scan_otp_after(s, i, kw_end);
    }
    return rc;
}

/* ------------------------------------------------------------------ output */

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? 1 : x->end > y->end ? -1 : 0;
}

/* The more serious of two kinds, for overlapping findings. */
static unsigned graver(unsigned a, unsigned b)
{
    return a < b ? a : b; /* bit order is the order of gravity */
}

static char *render(struct scan *s, size_t *outlen)
{
    qsort(s->spans, s->nspans, sizeof(*s->spans), span_cmp);
    size_t k = 0;
    for (size_t i = 1; i < s->nspans; i++) {
        if (s->spans[i].start < s->spans[k].end) {
            if (s->spans[i].end > s->spans[k].end)
                s->spans[k].end = s->spans[i].end;
            s->spans[k].kind = graver(s->spans[k].kind, s->spans[i].kind);
        } else {
            s->spans[++k] = s->spans[i];
        }
    }
    s->nspans = s->nspans ? k + 1 : 0;
    size_t cap = s->len + 1;
    for (size_t i = 0; i < s->nspans; i++)
        cap += strlen(safety_marker(s->spans[i].kind));
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0, at = 0;
    for (size_t i = 0; i < s->nspans; i++) {
        memcpy(out + o, s->text + at, s->spans[i].start - at);
        o += s->spans[i].start - at;
        const char *m = safety_marker(s->spans[i].kind);
        memcpy(out + o, m, strlen(m));
        o += strlen(m);
        at = s->spans[i].end;
    }
    memcpy(out + o, s->text + at, s->len - at);
    o += s->len - at;
    out[o] = 0;
    if (outlen)
        *outlen = o;
    return out;
}

static int scan_once(const char *text, size_t len, unsigned *kinds, char **out, size_t *outlen)
{
    struct scan s = {.text = text ? text : "", .len = text ? len : 0};
    int rc = tokenize(&s);
    if (!rc)
        rc = scan_phrases(&s);
    if (!rc)
        rc = scan_context(&s);
    char *red = NULL;
    if (!rc && s.kinds && out && !(red = render(&s, outlen)))
        rc = FD_ENOMEM;
    if (!rc) {
        *kinds = s.kinds;
        if (out)
            *out = red;
    }
    free(s.toks);
    free(s.spans);
    return rc;
}

/* Rounds of rescanning the redacted text: a marker is shorter or longer than what it
 * replaced, which can bring a keyword within reach of a value ("secret ... 0x<64 hex>").
 * Each round turns at least one token into a marker, so this ends; in practice one extra
 * scan, and only when something was found. */
#define SCAN_ROUNDS 8

int safety_scan(const char *text, size_t len, unsigned *kinds, char **out, size_t *outlen)
{
    unsigned found = 0;
    char *red = NULL;
    size_t redlen = 0;
    int rc = scan_once(text, len, &found, &red, &redlen);
    for (int round = 1; rc == 0 && red && round < SCAN_ROUNDS; round++) {
        unsigned more = 0;
        char *again = NULL;
        size_t againlen = 0;
        if ((rc = scan_once(red, redlen, &more, &again, &againlen)) || !again)
            break;
        found |= more;
        free(red);
        red = again;
        redlen = againlen;
    }
    if (rc) {
        free(red);
        return rc;
    }
    *kinds = found;
    if (out)
        *out = red;
    else
        free(red);
    if (out && red && outlen)
        *outlen = redlen;
    return 0;
}

unsigned safety_redact(const char **s, char **owned)
{
    *owned = NULL;
    if (!*s)
        return 0;
    unsigned kinds = 0;
    char *red = NULL;
    if (safety_scan(*s, strlen(*s), &kinds, &red, NULL) != 0)
        abort(); /* out of memory: x*alloc policy (STYLE.md section 3) */
    if (red) {
        *owned = red;
        *s = red;
    }
    return kinds;
}

/* ------------------------------------------------------------------ names */

static const struct {
    unsigned kind;
    const char *name, *slug, *marker;
} kinds_tab[SAFETY_NKINDS] = {
    {SAFETY_SEED, "recovery phrase", "recovery_phrase", "[removed: recovery phrase]"},
    {SAFETY_PRIVKEY, "private key", "private_key", "[removed: private key]"},
    {SAFETY_PASSWORD, "password", "password", "[removed: password]"},
    {SAFETY_OTP, "2FA code", "2fa_code", "[removed: 2FA code]"},
    {SAFETY_API_SECRET, "API secret", "api_secret", "[removed: API secret]"},
};

const char *safety_kind_name(unsigned kind)
{
    for (int i = 0; i < SAFETY_NKINDS; i++)
        if (kinds_tab[i].kind == kind)
            return kinds_tab[i].name;
    return NULL;
}

const char *safety_kind_slug(unsigned kind)
{
    for (int i = 0; i < SAFETY_NKINDS; i++)
        if (kinds_tab[i].kind == kind)
            return kinds_tab[i].slug;
    return NULL;
}

const char *safety_marker(unsigned kind)
{
    for (int i = 0; i < SAFETY_NKINDS; i++)
        if (kinds_tab[i].kind == kind)
            return kinds_tab[i].marker;
    return "[removed]";
}

const char *safety_priority(unsigned kinds)
{
    return (kinds & (SAFETY_SEED | SAFETY_PRIVKEY)) ? "urgent" : "high";
}

const char *safety_warning_text(unsigned kinds)
{
    if (kinds & (SAFETY_SEED | SAFETY_PRIVKEY))
        return "Your message contained a wallet recovery phrase or private key. We removed it "
               "and did not store it. Never share it with anyone: our support will never ask "
               "for it. Anyone who has it can take your funds. If you shared it anywhere else, "
               "move your funds to a new wallet now.";
    return "Your message contained a password, 2FA code or API secret. We removed it and did "
           "not store it. Never share it with anyone: our support will never ask for it. If "
           "you shared it anywhere else, change it now (and revoke the API key).";
}
