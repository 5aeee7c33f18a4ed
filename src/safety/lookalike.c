/*
 * Look-alike names: what a scammer registers to pass for us. Host names are compared in
 * their Unicode form (punycode decoded by libidn2), folded to a confusable "skeleton"
 * (in the spirit of Unicode TS #39) and then compared by edit distance and by words.
 */
#include "verify.h"

#include "../core/err.h"

#include <ctype.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_BYTES 1024

int verify_host_normalize(const char *in, char *out, size_t n)
{
    char tmp[NAME_MAX_BYTES];
    size_t len = strlen(in);
    if (len == 0 || len >= sizeof(tmp))
        return FD_EINVAL;
    for (size_t i = 0; i <= len; i++)
        tmp[i] = (char)tolower((unsigned char)in[i]);
    if (len > 1 && tmp[len - 1] == '.')
        tmp[--len] = '\0';
    /* UTS #46 mapping (upper- to lower-case for every script) and punycode encoding, then
     * back to Unicode: "XN--80AK6AA92E.COM" and "аррӏе.com" end up the same. */
    char *ace = NULL;
    if (idn2_lookup_u8((const uint8_t *)tmp, (uint8_t **)&ace,
                       IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK) {
        /* IDNA2008 refuses some names registrars still sell (symbols); keep the
         * lower-cased ASCII form of those when it is plain. */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)tmp[i];
            if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
                return FD_EINVAL;
        }
        if (len >= n)
            return FD_EINVAL;
        memcpy(out, tmp, len + 1);
        return 0;
    }
    char *uni = NULL;
    int rc = idn2_to_unicode_8z8z(ace, &uni, 0);
    idn2_free(ace);
    if (rc != IDN2_OK)
        return FD_EINVAL;
    size_t ul = strlen(uni);
    if (ul == 0 || ul >= n || !strchr(uni, '.')) {
        idn2_free(uni);
        return FD_EINVAL;
    }
    memcpy(out, uni, ul + 1);
    idn2_free(uni);
    return 0;
}

/* Decodes one UTF-8 sequence at s (well-formed input: libidn2 or our own checks made it);
 * returns its length and the code point in *cp (a stray byte is itself). */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        *cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
        return 2;
    }
    if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        *cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
        return 3;
    }
    if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
        (s[3] & 0xc0) == 0x80) {
        *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
              (s[3] & 0x3fu);
        return 4;
    }
    *cp = s[0];
    return 1;
}

/* Letters of other scripts (and Latin variants) that render like an ASCII letter. */
static const struct {
    unsigned cp;
    char ascii;
} confusables[] = {
    /* Cyrillic */
    {0x0430, 'a'},
    {0x0410, 'a'},
    {0x0432, 'b'},
    {0x0412, 'b'},
    {0x0435, 'e'},
    {0x0415, 'e'},
    {0x0451, 'e'},
    {0x043a, 'k'},
    {0x041a, 'k'},
    {0x043c, 'm'},
    {0x041c, 'm'},
    {0x043d, 'h'},
    {0x041d, 'h'},
    {0x043e, 'o'},
    {0x041e, 'o'},
    {0x0440, 'p'},
    {0x0420, 'p'},
    {0x0441, 'c'},
    {0x0421, 'c'},
    {0x0442, 't'},
    {0x0422, 't'},
    {0x0443, 'y'},
    {0x0423, 'y'},
    {0x0445, 'x'},
    {0x0425, 'x'},
    {0x0455, 's'},
    {0x0405, 's'},
    {0x0456, 'i'},
    {0x0406, 'i'},
    {0x0457, 'i'},
    {0x0458, 'j'},
    {0x0408, 'j'},
    {0x04bb, 'h'},
    {0x04cf, 'l'},
    {0x0501, 'd'},
    {0x051b, 'q'},
    {0x051d, 'w'},
    {0x0261, 'g'},
    /* Greek */
    {0x03b1, 'a'},
    {0x0391, 'a'},
    {0x03b2, 'b'},
    {0x0392, 'b'},
    {0x03b5, 'e'},
    {0x0395, 'e'},
    {0x03b9, 'i'},
    {0x0399, 'i'},
    {0x03ba, 'k'},
    {0x039a, 'k'},
    {0x03bd, 'v'},
    {0x039d, 'n'},
    {0x03bf, 'o'},
    {0x039f, 'o'},
    {0x03c1, 'p'},
    {0x03a1, 'p'},
    {0x03c4, 't'},
    {0x03a4, 't'},
    {0x03c5, 'u'},
    {0x03c7, 'x'},
    {0x03a7, 'x'},
    {0x0396, 'z'},
    {0x0397, 'h'},
    {0x039c, 'm'},
    /* Latin variants */
    {0x0131, 'i'},
    {0x0269, 'i'},
    {0x01c0, 'l'},
    {0x0251, 'a'},
    {0x00e0, 'a'},
    {0x00e1, 'a'},
    {0x00e2, 'a'},
    {0x00e3, 'a'},
    {0x00e4, 'a'},
    {0x00e5, 'a'},
    {0x00e7, 'c'},
    {0x00e8, 'e'},
    {0x00e9, 'e'},
    {0x00ea, 'e'},
    {0x00eb, 'e'},
    {0x00ec, 'i'},
    {0x00ed, 'i'},
    {0x00ee, 'i'},
    {0x00ef, 'i'},
    {0x00f1, 'n'},
    {0x00f2, 'o'},
    {0x00f3, 'o'},
    {0x00f4, 'o'},
    {0x00f5, 'o'},
    {0x00f6, 'o'},
    {0x00f8, 'o'},
    {0x00f9, 'u'},
    {0x00fa, 'u'},
    {0x00fb, 'u'},
    {0x00fc, 'u'},
    {0x00fd, 'y'},
    {0x00ff, 'y'},
    {0x1e37, 'l'},
    {0x1ecd, 'o'},
    {0x1ea1, 'a'},
};

static char confusable(unsigned cp)
{
    for (size_t i = 0; i < sizeof(confusables) / sizeof(confusables[0]); i++) {
        if (confusables[i].cp == cp)
            return confusables[i].ascii;
    }
    return 0;
}

int verify_skeleton(const char *in, char *out, size_t n)
{
    /* Pass 1: every character to one ASCII letter where it has a twin. */
    char tmp[NAME_MAX_BYTES];
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)in;
    while (*s) {
        unsigned cp;
        size_t l = utf8_next(s, &cp);
        char c = cp < 0x80 ? (char)tolower((int)cp) : confusable(cp);
        if (o + l + 1 > sizeof(tmp))
            return FD_ELIMIT;
        if (c) {
            tmp[o++] = c;
        } else {
            memcpy(tmp + o, s, l); /* no twin: kept as it is */
            o += l;
        }
        s += l;
    }
    tmp[o] = '\0';
    /* Pass 2: digits and letter pairs that read as a letter. */
    size_t w = 0;
    for (size_t i = 0; i < o; i++) {
        char c = tmp[i];
        if (w + 2 > n)
            return FD_ELIMIT;
        if (c == 'r' && tmp[i + 1] == 'n') {
            out[w++] = 'm';
            i++;
        } else if (c == 'v' && tmp[i + 1] == 'v') {
            out[w++] = 'w';
            i++;
        } else if (c == 'c' && tmp[i + 1] == 'l') {
            out[w++] = 'd';
            i++;
        } else {
            switch (c) {
            case '0': c = 'o'; break;
            case '1':
            case 'i':
            case '|':
            case '!': c = 'l'; break;
            case '3': c = 'e'; break;
            case '5': c = 's'; break;
            case '$': c = 's'; break;
            case '@': c = 'a'; break;
            default: break;
            }
            out[w++] = c;
        }
    }
    out[w] = '\0';
    return 0;
}

/* Levenshtein distance between a and b, stopping early above limit (returns limit+1). */
static size_t distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    size_t *prev = calloc(lb + 1, sizeof(size_t)), *cur = calloc(lb + 1, sizeof(size_t));
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return limit + 1;
    }
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t best = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
            if (cur[j] < best)
                best = cur[j];
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
        if (best > limit) {
            free(prev);
            free(cur);
            return limit + 1;
        }
    }
    size_t d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

/* Words scammers add to a brand: "frontdesk-support", "help-frontdesk", "frontdeskapp". */
static const char *const extra_words[] = {
    "support", "help",     "helpdesk", "service", "services", "team",     "official", "verify",
    "secure",  "security", "recovery", "login",   "account",  "customer", "contact",  "refund",
    "claim",   "bonus",    "airdrop",  "wallet",  "online",   "care",     "admin",    "center",
    "centre",  "app",      "info",     "live",    "chat",     "www",      "mail",
};
/* Only these are cut off when fused to the name ("frontdesksupport"): long enough not to
 * be the end of a real name. */
#define FUSED_WORDS 13

/* The skeleton of extra word i (names are compared as skeletons: "official" is
 * "offlclal" there). */
static const char *extra_skel(size_t i, char *buf, size_t n)
{
    if (verify_skeleton(extra_words[i], buf, n))
        buf[0] = '\0';
    return buf;
}

static int is_extra(const char *w, size_t len)
{
    char sk[32];
    for (size_t i = 0; i < sizeof(extra_words) / sizeof(extra_words[0]); i++) {
        const char *e = extra_skel(i, sk, sizeof(sk));
        if (strlen(e) == len && !memcmp(e, w, len))
            return 1;
    }
    return 0;
}

/* Keeps the words of a skeleton that are not extra words, without separators; a word
 * that starts or ends with an extra word ("frontdesksupport") has it cut off. */
static void strip_words(const char *in, char *out, size_t n)
{
    size_t w = 0;
    const char *p = in;
    while (*p) {
        size_t len = strcspn(p, ".-_");
        const char *word = p;
        size_t wl = len;
        if (!is_extra(word, wl)) {
            /* a fused extra word at either end */
            for (size_t i = 0; i < FUSED_WORDS; i++) {
                char sk[32];
                const char *e = extra_skel(i, sk, sizeof(sk));
                size_t el = strlen(e);
                if (wl > el + 3 && !memcmp(word + wl - el, e, el)) {
                    wl -= el;
                    break;
                }
                if (wl > el + 3 && !memcmp(word, e, el)) {
                    word += el;
                    wl -= el;
                    break;
                }
            }
            if (w + wl + 1 <= n) {
                memcpy(out + w, word, wl);
                w += wl;
            }
        }
        p += len;
        if (*p)
            p++;
    }
    out[w < n ? w : n - 1] = '\0';
}

/* Removes separators (so "front-desk" and "frontdesk" compare equal). */
static void squash(const char *in, char *out, size_t n)
{
    size_t w = 0;
    for (; *in && w + 1 < n; in++) {
        if (*in != '.' && *in != '-' && *in != '_')
            out[w++] = *in;
    }
    out[w] = '\0';
}

/* The name without its last label: "frontdesk.example" -> "frontdesk". */
static void drop_tld(const char *in, char *out, size_t n)
{
    const char *dot = strrchr(in, '.');
    size_t len = dot ? (size_t)(dot - in) : strlen(in);
    if (len >= n)
        len = n - 1;
    memcpy(out, in, len);
    out[len] = '\0';
}

enum verify_look verify_lookalike(const char *cand, const char *official, int is_domain)
{
    if (!*cand || !*official || strcmp(cand, official) == 0)
        return VERIFY_LOOK_NONE;
    char sc[NAME_MAX_BYTES], so[NAME_MAX_BYTES];
    if (verify_skeleton(cand, sc, sizeof(sc)) || verify_skeleton(official, so, sizeof(so)))
        return VERIFY_LOOK_NONE;
    if (strcmp(sc, so) == 0)
        return VERIFY_LOOK_HOMOGLYPH;
    /* Short names collide by chance: two edits only from 6 characters on, one from 4. */
    size_t ol = strlen(so);
    size_t limit = ol >= 6 ? 2 : ol >= 4 ? 1 : 0;
    if (limit && distance(sc, so, limit) <= limit)
        return VERIFY_LOOK_EDIT;
    char cc[NAME_MAX_BYTES], oc[NAME_MAX_BYTES];
    if (is_domain) {
        drop_tld(sc, cc, sizeof(cc));
        drop_tld(so, oc, sizeof(oc));
    } else {
        snprintf(cc, sizeof(cc), "%s", sc);
        snprintf(oc, sizeof(oc), "%s", so);
    }
    char cw[NAME_MAX_BYTES], ow[NAME_MAX_BYTES];
    strip_words(cc, cw, sizeof(cw));
    strip_words(oc, ow, sizeof(ow));
    if (strlen(ow) < 4)
        return VERIFY_LOOK_NONE;
    char cs[NAME_MAX_BYTES];
    squash(cc, cs, sizeof(cs));
    if (strcmp(cw, ow) == 0 || (strlen(ow) >= 6 && distance(cw, ow, 1) <= 1)) {
        /* another TLD only ("frontdesk.io" for "frontdesk.example") also lands here */
        return is_domain && strcmp(cs, ow) == 0 ? VERIFY_LOOK_TLD : VERIFY_LOOK_WORDS;
    }
    if (strlen(ow) >= 5 && strstr(cs, ow))
        return VERIFY_LOOK_EMBEDS;
    return VERIFY_LOOK_NONE;
}

const char *verify_look_reason(enum verify_look l)
{
    switch (l) {
    case VERIFY_LOOK_HOMOGLYPH: return "uses look-alike characters";
    case VERIFY_LOOK_EDIT: return "differs by one or two characters";
    case VERIFY_LOOK_WORDS: return "adds words to the official name";
    case VERIFY_LOOK_EMBEDS: return "hides the official name inside another name";
    case VERIFY_LOOK_TLD: return "uses the official name under another ending";
    case VERIFY_LOOK_NONE: break;
    }
    return "";
}
