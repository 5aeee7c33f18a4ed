/*
 * Text helpers for the MIME parser: charset conversion to UTF-8 that never fails on bad
 * input, and a small HTML-to-text converter for messages that carry only HTML. Both are
 * linear in their input and stop at a caller-given output limit.
 */
#include "mail/mail_int.h"

#include "core/buf.h"

#include <errno.h>
#include <stdint.h>
#include <gmime/gmime.h>
#include <string.h>

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

void mail__utf8_sanitize(const char *in, size_t n, struct buf *out)
{
    while (n > 0) {
        const gchar *end = NULL;
        if (g_utf8_validate_len(in, n, &end)) {
            (void)buf_append(out, in, n);
            return;
        }
        size_t ok = (size_t)(end - in);
        (void)buf_append(out, in, ok);
        (void)buf_append(out, REPLACEMENT, 3);
        in += ok + 1;
        n -= ok + 1;
    }
}

/* The charset to convert from, or NULL for "treat as UTF-8". Undeclared and ASCII text
 * that is not valid UTF-8 is read as Windows-1252, as is ISO-8859-1 (a subset of it for
 * every printable character, and what mislabelled mail usually means). */
static const char *source_charset(const char *charset, const char *in, size_t n)
{
    if (charset && *charset) {
        const char *canon = g_mime_charset_canon_name(charset);
        if (!canon)
            canon = charset;
        if (!g_ascii_strcasecmp(canon, "utf-8") || !g_ascii_strcasecmp(canon, "utf8"))
            return NULL;
        if (!g_ascii_strcasecmp(canon, "iso-8859-1") || !g_ascii_strcasecmp(canon, "latin1"))
            return "windows-1252";
        if (g_ascii_strcasecmp(canon, "us-ascii") && g_ascii_strcasecmp(canon, "ascii") &&
            g_ascii_strcasecmp(canon, "ansi_x3.4-1968"))
            return canon;
    }
    return g_utf8_validate_len(in, n, NULL) ? NULL : "windows-1252";
}

/* Runs iconv over the input into tmp; an unconvertible byte becomes U+FFFD and is skipped.
 * Returns 1 when it stopped at the limit. */
static int convert(iconv_t cd, const char *in, size_t n, struct buf *tmp, size_t limit)
{
    char *inp = (char *)in;
    size_t inleft = n;
    char chunk[4096];
    while (inleft > 0) {
        if (limit && tmp->len > limit)
            return 1;
        char *outp = chunk;
        size_t outleft = sizeof(chunk);
        size_t before = inleft;
        size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
        int e = errno;
        (void)buf_append(tmp, chunk, sizeof(chunk) - outleft);
        if (r != (size_t)-1)
            continue;
        if (e == E2BIG && (inleft != before || outleft != sizeof(chunk)))
            continue;
        /* EILSEQ, EINVAL (truncated sequence at the end) or no progress: skip a byte. */
        (void)buf_append(tmp, REPLACEMENT, 3);
        inp++;
        inleft--;
        (void)iconv(cd, NULL, NULL, NULL, NULL);
    }
    /* Flush the shift state of stateful encodings such as ISO-2022-JP. */
    char *outp = chunk;
    size_t outleft = sizeof(chunk);
    (void)iconv(cd, NULL, NULL, &outp, &outleft);
    (void)buf_append(tmp, chunk, sizeof(chunk) - outleft);
    return 0;
}

int mail__to_utf8(const char *charset, const char *in, size_t n, struct buf *out, size_t limit)
{
    int stopped = 0;
    const char *from = source_charset(charset, in, n);
    iconv_t cd = (iconv_t)-1;
    if (from) {
        cd = g_mime_iconv_open("UTF-8", from);
        if (cd == (iconv_t)-1 && !g_utf8_validate_len(in, n, NULL))
            cd = g_mime_iconv_open("UTF-8", "windows-1252");
    }
    if (cd == (iconv_t)-1) {
        /* UTF-8 in, UTF-8 out: bytes past the limit cannot be kept, so skip them. */
        if (limit && n > limit) {
            n = limit + 1;
            stopped = 1;
        }
        mail__utf8_sanitize(in, n, out);
        return stopped;
    }
    struct buf tmp;
    buf_init(&tmp, 0);
    stopped = convert(cd, in, n, &tmp, limit);
    g_mime_iconv_close(cd);
    mail__utf8_sanitize(tmp.ptr, tmp.len, out);
    buf_release(&tmp);
    return stopped;
}

size_t mail__unix_newlines(char *s, size_t n)
{
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        if (s[r] == '\r') {
            s[w++] = '\n';
            if (r + 1 < n && s[r + 1] == '\n')
                r++;
        } else {
            s[w++] = s[r];
        }
    }
    if (w < n)
        s[w] = '\0';
    return w;
}

/* ---- HTML to text ---- */

struct h2t {
    struct buf *out;
    size_t start;
    int space;  /* whitespace seen since the last text */
    int breaks; /* line breaks wanted before the next text (0..2) */
};

static void want_break(struct h2t *h, int k)
{
    if (k > h->breaks)
        h->breaks = k;
    h->space = 0;
}

static void want_space(struct h2t *h)
{
    if (!h->breaks)
        h->space = 1;
}

static void emit(struct h2t *h, const char *p, size_t n)
{
    if (h->out->len > h->start) {
        if (h->breaks)
            (void)buf_append(h->out, "\n\n", (size_t)h->breaks);
        else if (h->space)
            (void)buf_append(h->out, " ", 1);
    }
    h->breaks = 0;
    h->space = 0;
    (void)buf_append(h->out, p, n);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Case-insensitive search for needle (ASCII) in in[from, n); returns its offset or n. */
static size_t find_ci(const char *in, size_t n, size_t from, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = from; i + m <= n; i++)
        if (!g_ascii_strncasecmp(in + i, needle, m))
            return i;
    return n;
}

static const struct {
    const char *name;
    const char *utf8;
} ENTITIES[] = {
    {"amp", "&"},
    {"lt", "<"},
    {"gt", ">"},
    {"quot", "\""},
    {"apos", "'"},
    {"nbsp", " "},
    {"copy", "\xC2\xA9"},
    {"reg", "\xC2\xAE"},
    {"euro", "\xE2\x82\xAC"},
    {"pound", "\xC2\xA3"},
    {"hellip", "\xE2\x80\xA6"},
    {"mdash", "\xE2\x80\x94"},
    {"ndash", "\xE2\x80\x93"},
    {"lsquo", "\xE2\x80\x98"},
    {"rsquo", "\xE2\x80\x99"},
    {"ldquo", "\xE2\x80\x9C"},
    {"rdquo", "\xE2\x80\x9D"},
    {"bull", "\xE2\x80\xA2"},
    {"middot", "\xC2\xB7"},
    {"trade", "\xE2\x84\xA2"},
    {"laquo", "\xC2\xAB"},
    {"raquo", "\xC2\xBB"},
};

/* Decodes the entity at in[i] == '&'. Returns the bytes consumed (0: not an entity). */
static size_t entity(struct h2t *h, const char *in, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && in[j] == '#') {
        j++;
        int hex = 0;
        if (j < n && (in[j] == 'x' || in[j] == 'X')) {
            hex = 1;
            j++;
        }
        size_t d0 = j;
        uint32_t cp = 0;
        while (j < n && j - d0 < 8 && (hex ? g_ascii_isxdigit(in[j]) : g_ascii_isdigit(in[j]))) {
            cp = cp * (hex ? 16u : 10u) +
                 (uint32_t)(hex ? g_ascii_xdigit_value(in[j]) : g_ascii_digit_value(in[j]));
            j++;
        }
        if (j == d0)
            return 0;
        if (j < n && in[j] == ';')
            j++;
        if (cp == 9 || cp == 10 || cp == 13 || cp == 32 || cp == 160) {
            want_space(h);
        } else if (cp < 32 || (cp >= 127 && cp < 160)) {
            /* Control characters carry nothing readable. */
        } else if (!g_unichar_validate(cp)) {
            emit(h, REPLACEMENT, 3);
        } else {
            char u[8];
            int len = g_unichar_to_utf8(cp, u);
            emit(h, u, (size_t)len);
        }
        return j - i;
    }
    size_t s = j;
    while (j < n && j - s < 10 && g_ascii_isalnum(in[j]))
        j++;
    if (j == s || j >= n || in[j] != ';')
        return 0;
    for (size_t k = 0; k < G_N_ELEMENTS(ENTITIES); k++) {
        if (strlen(ENTITIES[k].name) == j - s && !memcmp(ENTITIES[k].name, in + s, j - s)) {
            if (!strcmp(ENTITIES[k].name, "nbsp"))
                want_space(h);
            else
                emit(h, ENTITIES[k].utf8, strlen(ENTITIES[k].utf8));
            return j + 1 - i;
        }
    }
    return 0;
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return 1;
    return 0;
}

static const char *const SKIP_TAGS[] = {"script", "style", "title", "template", NULL};
static const char *const PARA_TAGS[] = {"p",  "h1", "h2",         "h3",  "h4", "h5",    "h6", "ul",
                                        "ol", "dl", "blockquote", "pre", "hr", "table", NULL};
static const char *const LINE_TAGS[] = {
    "br",     "div",        "li",   "tr",      "dt",      "dd",     "section", "article",
    "header", "footer",     "nav",  "aside",   "address", "center", "form",    "fieldset",
    "figure", "figcaption", "main", "caption", "option",  "body",   NULL};

/* Handles the tag starting at in[i] == '<'. Returns the index after it. */
static size_t tag(struct h2t *h, const char *in, size_t n, size_t i)
{
    if (n - i >= 4 && !memcmp(in + i, "<!--", 4)) {
        size_t e = find_ci(in, n, i + 4, "-->");
        want_space(h);
        return e >= n ? n : e + 3;
    }
    size_t j = i + 1;
    int closing = 0;
    if (j < n && in[j] == '/') {
        closing = 1;
        j++;
    }
    if (j < n && (in[j] == '!' || in[j] == '?')) {
        const char *gt = memchr(in + j, '>', n - j);
        return gt ? (size_t)(gt - in) + 1 : n;
    }
    if (j >= n || !g_ascii_isalpha(in[j])) {
        emit(h, "<", 1);
        return i + 1;
    }
    char name[16];
    size_t k = 0;
    while (j < n && (g_ascii_isalnum(in[j]) || in[j] == '-' || in[j] == ':')) {
        if (k < sizeof(name) - 1)
            name[k++] = g_ascii_tolower(in[j]);
        j++;
    }
    name[k] = '\0';
    char quote = 0;
    while (j < n) {
        if (quote) {
            if (in[j] == quote)
                quote = 0;
        } else if (in[j] == '"' || in[j] == '\'') {
            quote = in[j];
        } else if (in[j] == '>') {
            break;
        }
        j++;
    }
    if (j >= n)
        return n;
    j++; /* past '>' */
    if (!closing && name_in(name, SKIP_TAGS)) {
        char end[20];
        int len = snprintf(end, sizeof(end), "</%s", name);
        if (len < 0 || (size_t)len >= sizeof(end))
            return n;
        size_t e = find_ci(in, n, j, end);
        if (e >= n)
            return n;
        const char *gt = memchr(in + e, '>', n - e);
        return gt ? (size_t)(gt - in) + 1 : n;
    }
    if (name_in(name, PARA_TAGS)) {
        want_break(h, 2);
    } else if (name_in(name, LINE_TAGS)) {
        want_break(h, 1);
        if (!closing && !strcmp(name, "li")) {
            emit(h, "-", 1);
            h->space = 1;
        }
    } else if (!strcmp(name, "td") || !strcmp(name, "th")) {
        want_space(h);
    }
    return j;
}

int mail__html_to_text(const char *in, size_t n, struct buf *out, size_t limit)
{
    struct h2t h = {.out = out, .start = out->len};
    size_t i = 0;
    while (i < n) {
        if (limit && out->len - h.start > limit)
            return 1;
        char c = in[i];
        if (c == '<') {
            i = tag(&h, in, n, i);
        } else if (c == '&') {
            size_t used = entity(&h, in, n, i);
            if (!used) {
                emit(&h, "&", 1);
                used = 1;
            }
            i += used;
        } else if (is_space(c)) {
            want_space(&h);
            i++;
        } else {
            size_t s = i;
            while (i < n && in[i] != '<' && in[i] != '&' && !is_space(in[i]))
                i++;
            emit(&h, in + s, i - s);
        }
    }
    return 0;
}
