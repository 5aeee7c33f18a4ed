/*
 * Raw RFC 5322 bytes -> struct mail_parsed, with GMime.
 *
 * Everything here treats the input as hostile: it never fails on bad input (a message
 * GMime cannot parse comes back with parse_error = 1, its raw bytes as text and a
 * synthesized Message-ID), every string handed out is valid UTF-8, and the work is
 * bounded: MIME nesting depth, the number of parts visited, attachments kept and the
 * length of the body text all have limits below.
 *
 * Body selection: inside multipart/alternative the text/plain alternative is taken when
 * there is one (the others are still walked for the HTML and inline images); elsewhere
 * every inline text/plain and text/html part is body. The text is the text/plain body when
 * there is any, else the HTML converted to text. Any other leaf part is an attachment,
 * including signatures (multipart/signed), encrypted payloads and DSN parts; message/rfc822
 * parts are re-serialized and attached as .eml files.
 *
 * Thread safety: mail_parse may run on any thread once mail_init() has run (it calls
 * mail_init itself, which is idempotent).
 */
#include "mail/mail.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "mail/mail_int.h"

#include <gmime/gmime.h>
#include <string.h>

#define MAIL_TEXT_MAX ((size_t)1024 * 1024) /* body text kept, bytes */
#define MAIL_MAX_DEPTH 24                   /* MIME nesting walked */
#define MAIL_MAX_PARTS 1000                 /* parts visited */
#define MAIL_HEADER_TEXT_MAX 4096           /* subject and display names, bytes */
#define MAIL_MSGID_MAX 512                  /* longer ids are not trusted */
#define MAIL_SYNTH_HEX 32                   /* hex digits of SHA-256 in a synthesized id */
/* GMime compares every "--" line with each enclosing boundary, so its work grows with
 * nesting depth times size (measured: 1000 levels over 20 MB took 17 s). The number of
 * boundary parameters bounds the depth; past these limits only the headers are parsed. */
#define MAIL_MAX_BOUNDARIES 1000
/* GMime builds an object per part (measured: 200,000 parts in 8 MB took 2.5 s and 400 MB),
 * and every part starts with a "--" line; past this many, only the headers are parsed. */
#define MAIL_MAX_DASH_LINES 10000
#define MAIL_BOUNDARY_BUDGET ((size_t)1 << 29) /* boundaries x bytes: about 1 s */

static const char TRUNCATED_NOTE[] = "\n\n[Message truncated: the text was longer than 1 MiB.]";

struct ctx {
    struct mail_parsed *out;
    GMimeParserOptions *opts;
    struct buf plain;     /* text/plain body */
    struct buf html_text; /* text/html body converted to text */
    int truncated;
    int have_body;
    int nparts;
    int dsn_part;      /* a message/delivery-status part was seen */
    int original_part; /* a message/rfc822 or text/rfc822-headers part was seen */
    char *original_id; /* Message-ID found in the first such part */
};

/* ---- small string helpers ---- */

/* A copy of s made valid UTF-8, with control characters turned into spaces, trimmed and
 * cut to at most max bytes on a character boundary. NULL gives "". */
static char *clean_text(const char *s, size_t max)
{
    struct buf b;
    buf_init(&b, 0);
    (void)buf_append(&b, "", 0); /* allocates, so b.ptr is never NULL below */
    if (s)
        mail__utf8_sanitize(s, strlen(s), &b);
    for (size_t i = 0; i < b.len; i++) {
        unsigned char c = (unsigned char)b.ptr[i];
        if (c < 0x20 || c == 0x7f)
            b.ptr[i] = ' ';
    }
    size_t start = 0, end = b.len;
    while (start < end && b.ptr[start] == ' ')
        start++;
    while (end > start && b.ptr[end - 1] == ' ')
        end--;
    if (end - start > max) {
        end = start + max;
        while (end > start && ((unsigned char)b.ptr[end] & 0xC0) == 0x80)
            end--;
    }
    char *r = xstrndup(b.ptr + start, end - start);
    buf_release(&b);
    return r;
}

static int ascii_ieq(const char *a, const char *b)
{
    return a && b && !g_ascii_strcasecmp(a, b);
}

/* The first word of a header value (up to ';', ',' or whitespace), for comparisons. */
static void first_token(const char *v, char *tok, size_t n)
{
    size_t k = 0;
    if (v) {
        while (*v == ' ' || *v == '\t')
            v++;
        while (*v && *v != ';' && *v != ',' && *v != ' ' && *v != '\t' && *v != '\r' &&
               *v != '\n' && k + 1 < n)
            tok[k++] = *v++;
    }
    tok[k] = '\0';
}

/* A message id is kept only when it looks like one: printable, no spaces, bounded. */
static char *clean_msgid(const char *id)
{
    if (!id)
        return NULL;
    size_t n = strlen(id);
    if (n == 0 || n > MAIL_MSGID_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
            return NULL;
    }
    if (!g_utf8_validate_len(id, n, NULL))
        return NULL;
    return xstrdup(id);
}

/* Parses the first message id of a header value (raw, folded or not). */
static char *first_msgid(GMimeParserOptions *opts, const char *raw)
{
    if (!raw)
        return NULL;
    GMimeReferences *refs = g_mime_references_parse(opts, raw);
    if (!refs)
        return NULL;
    char *r = NULL;
    int n = g_mime_references_length(refs);
    for (int i = 0; i < n && !r; i++)
        r = clean_msgid(g_mime_references_get_message_id(refs, i));
    g_mime_references_free(refs);
    return r;
}

static char *synth_msgid(const char *raw, size_t len)
{
    gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw, len);
    char *r = xasprintf("%.*s@frontdesk.invalid", MAIL_SYNTH_HEX, hex);
    g_free(hex);
    return r;
}

/* ---- addresses ---- */

static void add_recipient(struct mail_parsed *m, const char *name, const char *addr)
{
    if (!addr || !*addr || m->nrecipients >= MAIL_MAX_ADDRS)
        return;
    char *email = clean_text(addr, MAIL_HEADER_TEXT_MAX);
    if (!*email || strchr(email, ' ')) {
        free(email);
        return;
    }
    for (char *p = email; *p; p++)
        *p = g_ascii_tolower(*p);
    for (int i = 0; i < m->nrecipients; i++) {
        if (!strcmp(m->recipients[i].email, email)) {
            free(email);
            return;
        }
    }
    m->recipients[m->nrecipients].email = email;
    m->recipients[m->nrecipients].name = clean_text(name, MAIL_HEADER_TEXT_MAX);
    m->nrecipients++;
}

static void add_recipients(struct mail_parsed *m, InternetAddressList *l, int depth)
{
    if (!l || depth > 2)
        return;
    int n = internet_address_list_length(l);
    for (int i = 0; i < n && m->nrecipients < MAIL_MAX_ADDRS; i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a))
            add_recipient(m, internet_address_get_name(a),
                          internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
        else if (INTERNET_ADDRESS_IS_GROUP(a))
            add_recipients(m, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
                           depth + 1);
    }
}

/* The first mailbox of a list (groups searched too) into *out; email NULL if none. */
static void first_mailbox(InternetAddressList *l, struct mail_addr *out, int depth)
{
    if (!l || depth > 2)
        return;
    int n = internet_address_list_length(l);
    for (int i = 0; i < n && !out->email; i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
            if (!addr || !*addr)
                continue;
            out->email = clean_text(addr, MAIL_HEADER_TEXT_MAX);
            for (char *p = out->email; *p; p++)
                *p = g_ascii_tolower(*p);
            out->name = clean_text(internet_address_get_name(a), MAIL_HEADER_TEXT_MAX);
        } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
            first_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out,
                          depth + 1);
        }
    }
}

/* ---- body text ---- */

/* The decoded (transfer-encoding removed) content of a part; *len its length. The array
 * is NUL-terminated and the caller's. */
static unsigned char *part_bytes(GMimePart *part, size_t *len)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (w)
        (void)g_mime_data_wrapper_write_to_stream(w, mem);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    *len = ba ? ba->len : 0;
    unsigned char *r = xmalloc(*len + 1);
    if (*len)
        memcpy(r, ba->data, *len);
    r[*len] = '\0';
    g_object_unref(mem);
    return r;
}

/* Appends a converted text segment to a body buffer, with a blank line between
 * segments, keeping the total within MAIL_TEXT_MAX (+1 so a cut is noticed). */
static void append_body(struct ctx *c, struct buf *body, const struct buf *seg)
{
    size_t s = 0, e = seg->len;
    while (s < e && (seg->ptr[s] == '\n' || seg->ptr[s] == ' '))
        s++;
    while (e > s && (seg->ptr[e - 1] == '\n' || seg->ptr[e - 1] == ' ' || seg->ptr[e - 1] == '\t'))
        e--;
    if (s == e)
        return;
    if (body->len)
        (void)buf_append(body, "\n\n", 2);
    if (body->len + (e - s) > MAIL_TEXT_MAX + 1) {
        e = s + (MAIL_TEXT_MAX + 1 > body->len ? MAIL_TEXT_MAX + 1 - body->len : 0);
        c->truncated = 1;
    }
    (void)buf_append(body, seg->ptr + s, e - s);
}

static int charset_known(const char *charset)
{
    if (!charset || !*charset)
        return 0;
    iconv_t cd = g_mime_iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return 0;
    g_mime_iconv_close(cd);
    return 1;
}

/* The charset an HTML document declares in a <meta> near its start, into cs. */
static int html_meta_charset(const unsigned char *data, size_t len, char *cs, size_t n)
{
    size_t end = len < 2048 ? len : 2048;
    for (size_t i = 0; i + 8 < end; i++) {
        if (g_ascii_strncasecmp((const char *)data + i, "charset=", 8))
            continue;
        size_t j = i + 8, k = 0;
        while (j < end && (data[j] == '"' || data[j] == '\'' || data[j] == ' '))
            j++;
        while (j < end && k + 1 < n &&
               (g_ascii_isalnum(data[j]) || data[j] == '-' || data[j] == '_' || data[j] == '.' ||
                data[j] == ':'))
            cs[k++] = (char)data[j++];
        cs[k] = '\0';
        return k > 0;
    }
    return 0;
}

static void text_part(struct ctx *c, GMimePart *part, int html, int alt)
{
    size_t len = 0;
    unsigned char *raw = part_bytes(part, &len);
    const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    char meta[48];
    if (html && !charset_known(charset) && html_meta_charset(raw, len, meta, sizeof(meta)) &&
        charset_known(meta))
        charset = meta;
    struct buf utf8;
    buf_init(&utf8, 0);
    (void)buf_append(&utf8, "", 0);
    /* HTML is converted whole (it is kept raw in ->html); plain text only up to the cap. */
    if (mail__to_utf8(charset, (const char *)raw, len, &utf8, html ? 0 : MAIL_TEXT_MAX + 1))
        c->truncated = 1;
    free(raw);
    utf8.len = mail__unix_newlines(utf8.ptr, utf8.len);
    if (html) {
        if (!c->out->html)
            c->out->html = xstrndup(utf8.ptr, utf8.len);
        if (!alt) {
            struct buf t;
            buf_init(&t, 0);
            if (mail__html_to_text(utf8.ptr, utf8.len, &t, MAIL_TEXT_MAX + 1))
                c->truncated = 1;
            append_body(c, &c->html_text, &t);
            buf_release(&t);
        }
    } else if (!alt) {
        append_body(c, &c->plain, &utf8);
    }
    buf_release(&utf8);
}

/* ---- attachments ---- */

/* Keeps the last path component of a filename, without control characters. */
static char *clean_filename(const char *name)
{
    if (!name)
        return xstrdup("");
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    return clean_text(base, 255);
}

static void add_attachment(struct ctx *c, char *filename, const char *ctype, unsigned char *data,
                           size_t len, int inline_part)
{
    struct mail_parsed *m = c->out;
    if (m->nattachments >= MAIL_MAX_ATTACHMENTS) {
        free(filename);
        free(data);
        return;
    }
    struct mail_attachment *a = &m->attachments[m->nattachments++];
    a->filename = filename;
    a->content_type = xstrdup(ctype);
    for (char *p = a->content_type; *p; p++)
        *p = g_ascii_tolower(*p);
    a->data = data;
    a->len = len;
    a->inline_part = inline_part;
}

static char *mime_type(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *s = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    char *r = xasprintf("%s/%s", t && *t ? t : "application", s && *s ? s : "octet-stream");
    char *clean = clean_text(r, 255);
    free(r);
    return clean;
}

static int is_type(GMimeObject *obj, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    return ct && g_mime_content_type_is_type(ct, type, subtype);
}

/* The Message-ID in a text/rfc822-headers body (the headers of the bounced message). */
static char *headers_msgid(struct ctx *c, const unsigned char *data, size_t len)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)data, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg = g_mime_parser_construct_message(p, c->opts);
    char *r = NULL;
    if (msg) {
        r = clean_msgid(g_mime_message_get_message_id(msg));
        g_object_unref(msg);
    }
    g_object_unref(p);
    g_object_unref(s);
    return r;
}

static void message_part(struct ctx *c, GMimeMessagePart *mp)
{
    GMimeMessage *inner = g_mime_message_part_get_message(mp);
    GMimeStream *mem = g_mime_stream_mem_new();
    if (inner)
        (void)g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    size_t len = ba ? ba->len : 0;
    unsigned char *data = xmalloc(len + 1);
    if (len)
        memcpy(data, ba->data, len);
    data[len] = '\0';
    g_object_unref(mem);

    c->original_part = 1;
    if (inner && !c->original_id)
        c->original_id = clean_msgid(g_mime_message_get_message_id(inner));

    GMimeContentDisposition *d = g_mime_object_get_content_disposition(GMIME_OBJECT(mp));
    const char *fname = d ? g_mime_content_disposition_get_parameter(d, "filename") : NULL;
    char *filename;
    if (fname && *fname) {
        filename = clean_filename(fname);
    } else {
        char *subj = clean_text(inner ? g_mime_message_get_subject(inner) : NULL, 80);
        for (char *p = subj; *p; p++)
            if (*p == '/' || *p == '\\')
                *p = '_';
        filename = xasprintf("%s.eml", *subj ? subj : "message");
        free(subj);
    }
    add_attachment(c, filename, "message/rfc822", data, len,
                   d && !g_mime_content_disposition_is_attachment(d));
}

static void leaf_part(struct ctx *c, GMimePart *part, int alt)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    int attachment = d && g_mime_content_disposition_is_attachment(d);
    const char *fname = g_mime_part_get_filename(part);
    int named_extra = fname && *fname && c->have_body;
    int plain = is_type(obj, "text", "plain");
    int html = is_type(obj, "text", "html");

    if ((plain || html) && !attachment && !named_extra) {
        text_part(c, part, html, alt);
        if (!alt)
            c->have_body = 1;
        return;
    }
    if (c->out->nattachments >= MAIL_MAX_ATTACHMENTS && !is_type(obj, "text", "rfc822-headers"))
        return;
    size_t len = 0;
    unsigned char *data = part_bytes(part, &len);
    if (is_type(obj, "message", "delivery-status") ||
        is_type(obj, "message", "global-delivery-status"))
        c->dsn_part = 1;
    if (is_type(obj, "text", "rfc822-headers")) {
        c->original_part = 1;
        if (!c->original_id)
            c->original_id = headers_msgid(c, data, len);
    }
    int inline_part = d ? !attachment : (g_mime_object_get_content_id(obj) != NULL);
    char *ctype = mime_type(obj);
    add_attachment(c, clean_filename(fname), ctype, data, len, inline_part);
    free(ctype);
}

/* The child of a multipart/alternative to read as the body: text/plain first, then a
 * multipart (e.g. related HTML with images), then HTML, else the first. */
static int pick_alternative(GMimeMultipart *mp)
{
    int n = g_mime_multipart_get_count(mp);
    int multi = -1, html = -1;
    for (int i = 0; i < n; i++) {
        GMimeObject *o = g_mime_multipart_get_part(mp, i);
        GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
        if (d && g_mime_content_disposition_is_attachment(d))
            continue;
        if (is_type(o, "text", "plain"))
            return i;
        if (GMIME_IS_MULTIPART(o) && multi < 0)
            multi = i;
        if (is_type(o, "text", "html") && html < 0)
            html = i;
    }
    return multi >= 0 ? multi : html >= 0 ? html : 0;
}

static void walk(struct ctx *c, GMimeObject *obj, int depth, int alt)
{
    if (!obj || depth > MAIL_MAX_DEPTH || c->nparts >= MAIL_MAX_PARTS)
        return;
    c->nparts++;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        int pick = -1;
        if (!alt && is_type(obj, "multipart", "alternative"))
            pick = pick_alternative(mp);
        for (int i = 0; i < n; i++)
            walk(c, g_mime_multipart_get_part(mp, i), depth + 1, alt || (pick >= 0 && i != pick));
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        message_part(c, GMIME_MESSAGE_PART(obj));
    } else if (GMIME_IS_PART(obj)) {
        leaf_part(c, GMIME_PART(obj), alt);
    }
}

/* ---- headers ---- */

static int has_token(const char *v, const char *const *tokens)
{
    if (!v)
        return 0;
    char **parts = g_strsplit_set(v, ", \t\r\n", -1);
    int found = 0;
    for (int i = 0; parts[i] && !found; i++)
        for (int k = 0; tokens[k] && !found; k++)
            found = ascii_ieq(parts[i], tokens[k]);
    g_strfreev(parts);
    return found;
}

/* Return-Path as given, without the angle brackets ("" for <>). */
static char *return_path(const char *v)
{
    char *t = clean_text(v, MAIL_HEADER_TEXT_MAX);
    char *lt = strchr(t, '<');
    char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) {
        char *inner = xstrndup(lt + 1, (size_t)(gt - lt - 1));
        char *r = clean_text(inner, MAIL_HEADER_TEXT_MAX);
        free(inner);
        free(t);
        return r;
    }
    return t;
}

struct signals {
    int auto_reply;
    const char *in_reply_to, *references, *return_path;
};

static void scan_headers(struct ctx *c, GMimeMessage *msg, struct signals *sig)
{
    static const char *const suppress[] = {"all", "oof", "autoreply", NULL};
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        if (!name)
            continue;
        const char *raw = g_mime_header_get_raw_value(h);
        char tok[32];
        first_token(raw, tok, sizeof(tok));
        if (ascii_ieq(name, "Delivered-To") || ascii_ieq(name, "X-Original-To")) {
            if (c->out->nrecipients >= MAIL_MAX_ADDRS)
                continue;
            InternetAddressList *l = internet_address_list_parse(c->opts, raw ? raw : "");
            add_recipients(c->out, l, 0);
            if (l)
                g_object_unref(l);
        } else if (ascii_ieq(name, "Auto-Submitted")) {
            if (tok[0] && !ascii_ieq(tok, "no"))
                sig->auto_reply = 1;
        } else if (ascii_ieq(name, "Precedence")) {
            if (ascii_ieq(tok, "bulk") || ascii_ieq(tok, "junk") || ascii_ieq(tok, "list"))
                sig->auto_reply = 1;
        } else if (ascii_ieq(name, "X-Autoreply") || ascii_ieq(name, "X-Autorespond") ||
                   ascii_ieq(name, "List-Id")) {
            sig->auto_reply = 1;
        } else if (ascii_ieq(name, "X-Auto-Response-Suppress")) {
            if (has_token(raw, suppress))
                sig->auto_reply = 1;
        } else if (ascii_ieq(name, "In-Reply-To") && !sig->in_reply_to) {
            sig->in_reply_to = raw ? raw : "";
        } else if (ascii_ieq(name, "References") && !sig->references) {
            sig->references = raw ? raw : "";
        } else if (ascii_ieq(name, "Return-Path") && !sig->return_path) {
            sig->return_path = raw ? raw : "";
        }
    }
}

static void set_references(struct mail_parsed *m, GMimeParserOptions *opts, const char *raw)
{
    if (!raw)
        return;
    GMimeReferences *refs = g_mime_references_parse(opts, raw);
    if (!refs)
        return;
    int n = g_mime_references_length(refs);
    char *ids[MAIL_MAX_REFS];
    int k = 0;
    /* Newest last: walk back from the end to keep the MAIL_MAX_REFS newest. */
    for (int i = n - 1; i >= 0 && k < MAIL_MAX_REFS; i--) {
        char *id = clean_msgid(g_mime_references_get_message_id(refs, i));
        if (id)
            ids[k++] = id;
    }
    g_mime_references_free(refs);
    for (int i = 0; i < k; i++)
        m->references[i] = ids[k - 1 - i];
    m->nreferences = k;
}

/* A qmail-style bounce quotes the original headers in its text: find "Message-ID:". */
static char *msgid_in_text(GMimeParserOptions *opts, const char *text)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!g_ascii_strncasecmp(p, "Message-ID:", 11)) {
            const char *e = strchr(p, '\n');
            char *line = e ? xstrndup(p + 11, (size_t)(e - p - 11)) : xstrdup(p + 11);
            char *id = first_msgid(opts, line);
            free(line);
            if (id)
                return id;
        }
    }
    return NULL;
}

static int is_daemon(const char *email)
{
    if (!email)
        return 0;
    return !g_ascii_strncasecmp(email, "mailer-daemon", 13) ||
           !g_ascii_strncasecmp(email, "postmaster", 10);
}

/* ---- the parse ---- */

/* The body text: text/plain when there is any, else the converted HTML; capped. */
static char *finish_text(struct ctx *c)
{
    struct buf *b = c->plain.len ? &c->plain : &c->html_text;
    if (b->len > MAIL_TEXT_MAX)
        c->truncated = 1;
    if (c->truncated) {
        size_t cut = b->len > MAIL_TEXT_MAX ? MAIL_TEXT_MAX : b->len;
        while (cut > 0 && ((unsigned char)b->ptr[cut] & 0xC0) == 0x80)
            cut--;
        b->len = cut;
        b->ptr[cut] = '\0';
        (void)buf_puts(b, TRUNCATED_NOTE);
    }
    return buf_detach(b, NULL);
}

static void parse_failed(struct mail_parsed *m, const char *raw, size_t len)
{
    struct ctx c = {.out = m};
    buf_init(&c.plain, 0);
    buf_init(&c.html_text, 0);
    struct buf utf8;
    buf_init(&utf8, 0);
    if (mail__to_utf8(NULL, raw, len, &utf8, MAIL_TEXT_MAX + 1))
        c.truncated = 1;
    utf8.len = mail__unix_newlines(utf8.ptr, utf8.len);
    (void)buf_append(&c.plain, utf8.ptr, utf8.len);
    buf_release(&utf8);
    m->text = finish_text(&c);
    buf_release(&c.plain);
    buf_release(&c.html_text);
    m->parse_error = 1;
}

/* Counts boundary parameters ("boundary" then '=' after optional blanks; any case) and
 * lines that start with "--" (each MIME part needs one), both up to cap. */
static void count_structure(const char *raw, size_t len, size_t cap, size_t *boundaries,
                            size_t *dash_lines)
{
    size_t nb = 0, nd = 0;
    for (size_t i = 0; i + 8 < len && nb < cap && nd < cap; i++) {
        if (raw[i] == '-' && raw[i + 1] == '-' && (i == 0 || raw[i - 1] == '\n')) {
            nd++;
            continue;
        }
        if ((raw[i] | 0x20) != 'b' || g_ascii_strncasecmp(raw + i, "boundary", 8))
            continue;
        size_t j = i + 8;
        while (j < len && (raw[j] == ' ' || raw[j] == '\t'))
            j++;
        if (j < len && raw[j] == '=')
            nb++;
    }
    *boundaries = nb;
    *dash_lines = nd;
}

/* The length of the header block including the blank line that ends it (len if none). */
static size_t header_block_len(const char *raw, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (raw[i] != '\n')
            continue;
        if (raw[i + 1] == '\n')
            return i + 2;
        if (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')
            return i + 3;
    }
    return len;
}

/* An mbox "From " separator line (as MTAs and archives prepend) is not part of the
 * message: skip it so the parse and the synthesized id do not depend on it. */
static size_t skip_mbox_from(const char *raw, size_t len)
{
    if (len < 5 || memcmp(raw, "From ", 5) != 0)
        return 0;
    const char *nl = memchr(raw, '\n', len);
    return nl ? (size_t)(nl - raw) + 1 : len;
}

int mail_parse(const char *raw, size_t len, struct mail_parsed *out)
{
    static const char *fallback[] = {"UTF-8", "windows-1252", NULL};
    memset(out, 0, sizeof(*out));
    mail_init();
    if (!raw) {
        raw = "";
        len = 0;
    }
    size_t skip = skip_mbox_from(raw, len);
    raw += skip;
    len -= skip;

    struct ctx c = {.out = out};
    buf_init(&c.plain, 0);
    buf_init(&c.html_text, 0);
    c.opts = g_mime_parser_options_new();
    g_mime_parser_options_set_fallback_charsets(c.opts, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);

    size_t nb, nd;
    count_structure(raw, len, MAIL_MAX_DASH_LINES + 1, &nb, &nd);
    int headers_only = nb > MAIL_MAX_BOUNDARIES || nd > MAIL_MAX_DASH_LINES ||
                       (nb && len > MAIL_BOUNDARY_BUDGET / nb);
    size_t parse_len = headers_only ? header_block_len(raw, len) : len;

    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, parse_len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, c.opts);
    g_object_unref(parser);
    g_object_unref(stream);

    if (!msg) {
        parse_failed(out, raw, len);
        goto out;
    }

    out->message_id = clean_msgid(g_mime_message_get_message_id(msg));
    out->subject = clean_text(g_mime_message_get_subject(msg), MAIL_HEADER_TEXT_MAX);
    first_mailbox(g_mime_message_get_from(msg), &out->from, 0);
    first_mailbox(g_mime_message_get_reply_to(msg), &out->reply_to, 0);
    add_recipients(out, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), 0);
    add_recipients(out, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC), 0);
    GDateTime *date = g_mime_message_get_date(msg);
    if (date)
        out->date_ms = (int64_t)g_date_time_to_unix(date) * 1000;

    struct signals sig = {0};
    scan_headers(&c, msg, &sig);
    out->in_reply_to = first_msgid(c.opts, sig.in_reply_to);
    set_references(out, c.opts, sig.references);
    if (sig.return_path)
        out->return_path = return_path(sig.return_path);

    GMimeObject *top = g_mime_message_get_mime_part(msg);
    if (headers_only) {
        /* Too hostile to parse the body: its raw bytes are the text. */
        parse_failed(out, raw + parse_len, len - parse_len);
    } else {
        walk(&c, top, 0, 0);
        out->text = finish_text(&c);
    }

    /* Bounces first: they often carry Auto-Submitted too. */
    GMimeContentType *ct = top ? g_mime_object_get_content_type(top) : NULL;
    int report = ct && g_mime_content_type_is_type(ct, "multipart", "report");
    const char *rtype = report ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;
    int daemon = out->return_path && !*out->return_path && is_daemon(out->from.email);
    int bounce = report && ascii_ieq(rtype, "delivery-status");
    if (!bounce && daemon) {
        /* From a mailer daemon to <>: a bounce when it carries DSN parts, or quotes the
         * original headers in its text (qmail). */
        if (!c.dsn_part && !c.original_part)
            c.original_id = msgid_in_text(c.opts, out->text);
        bounce = c.dsn_part || c.original_part || c.original_id;
    }
    if (bounce) {
        out->kind = MAIL_BOUNCE;
    } else if (sig.auto_reply || report) {
        /* A report that is not a DSN (a read receipt, say) is machine-made as well. */
        out->kind = MAIL_AUTO_REPLY;
    }
    if (out->kind == MAIL_BOUNCE) {
        out->bounced_message_id = c.original_id;
        c.original_id = NULL;
    }
    g_object_unref(msg);

out:
    if (!out->message_id)
        out->message_id = synth_msgid(raw, len);
    if (!out->subject)
        out->subject = xstrdup("");
    if (!out->from.email)
        out->from.email = xstrdup("");
    if (!out->from.name)
        out->from.name = xstrdup("");
    if (!out->text)
        out->text = xstrdup("");
    free(c.original_id);
    buf_release(&c.plain);
    buf_release(&c.html_text);
    g_mime_parser_options_free(c.opts);
    return 0;
}

void mail_parsed_release(struct mail_parsed *m)
{
    if (!m)
        return;
    free(m->message_id);
    free(m->in_reply_to);
    for (int i = 0; i < m->nreferences; i++)
        free(m->references[i]);
    free(m->subject);
    free(m->from.name);
    free(m->from.email);
    free(m->reply_to.name);
    free(m->reply_to.email);
    for (int i = 0; i < m->nrecipients; i++) {
        free(m->recipients[i].name);
        free(m->recipients[i].email);
    }
    free(m->return_path);
    free(m->text);
    free(m->html);
    for (int i = 0; i < m->nattachments; i++) {
        free(m->attachments[i].filename);
        free(m->attachments[i].content_type);
        free(m->attachments[i].data);
    }
    free(m->bounced_message_id);
    memset(m, 0, sizeof(*m));
}
