/*
 * compose.c: struct mail_out → raw RFC 5322 bytes, built with GMime.
 *
 * Shape of what we write:
 *   text only               text/plain; charset=utf-8, quoted-printable
 *   text + html             multipart/alternative (text/plain, text/html)
 *   + attachments           multipart/mixed (the body above, then each attachment, base64)
 * Every line ends in CRLF (GMime writes with the DOS newline format, and a last pass makes
 * sure no bare CR or LF survives), so the bytes can go to SMTP and DKIM as they are.
 *
 * Input hygiene: our own addresses and Message-ID must be well formed (FD_EINVAL). The
 * threading ids come from customers' mail, so a malformed In-Reply-To or References id is
 * dropped rather than failing the reply. Control characters in display names, the subject
 * and file names become spaces (or '_'), so no input can add a header line.
 *
 * Thread safety: any thread may call in after mail_init(); GMime objects are per call.
 */
#include "mail/mail.h"
#include "mail/mail_int.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <gmime/gmime.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPOSE_MAX_ID 250    /* longest Message-ID we accept (without <>) */
#define COMPOSE_MAX_EMAIL 320 /* RFC 5321: 64 + 1 + 255 */

/* ---- validation and cleaning ---- */

/* An addr-spec or msg-id character we are willing to write unquoted: printable ASCII
 * without the specials that would change how a header is read. */
static int id_char_ok(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return 0;
    return strchr("<>()[]\\,;:\"", c) == NULL;
}

/* Accepts "local@domain" ids and addresses made of id_char_ok characters. */
static int atom_at_atom_ok(const char *s, size_t max)
{
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    if (n < 3 || n > max)
        return 0;
    const char *at = strrchr(s, '@');
    if (at == NULL || at == s || at[1] == '\0')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '@' && !id_char_ok((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A copy of s with every ASCII control character (CR, LF, TAB...) replaced by a space,
 * for display names and the subject. NULL becomes "". */
static char *clean_line(const char *s)
{
    char *c = xstrdup(s ? s : "");
    for (char *p = c; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return c;
}

/* A copy of text with CRLF and lone CR turned into LF; GMime writes the newlines. */
static char *to_lf(const char *s)
{
    if (s == NULL)
        return xstrdup("");
    size_t n = strlen(s);
    char *out = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            out[j++] = '\n';
            if (s[i + 1] == '\n')
                i++;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

/* Last path component of a file name, with control characters and separators made safe.
 * Returns NULL for an empty name. */
static char *clean_filename(const char *s)
{
    if (s == NULL || *s == '\0')
        return NULL;
    const char *base = s;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    if (*base == '\0')
        return NULL;
    char *c = xstrdup(base);
    for (char *p = c; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"')
            *p = '_';
    return c;
}

static int token_ok(const char *s, size_t n)
{
    if (n == 0 || n > 127)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
            return 0;
    }
    return 1;
}

/* Splits "type/subtype[; params]" into two tokens; anything else is
 * application/octet-stream. Parameters are dropped (GMime adds name=). */
static GMimePart *part_for_type(const char *content_type)
{
    char type[128], subtype[128];
    const char *ct = content_type ? content_type : "";
    const char *slash = strchr(ct, '/');
    if (slash != NULL) {
        size_t tlen = (size_t)(slash - ct);
        size_t slen = strcspn(slash + 1, "; \t");
        if (token_ok(ct, tlen) && token_ok(slash + 1, slen)) {
            memcpy(type, ct, tlen);
            type[tlen] = '\0';
            memcpy(subtype, slash + 1, slen);
            subtype[slen] = '\0';
            return g_mime_part_new_with_type(type, subtype);
        }
    }
    return g_mime_part_new_with_type("application", "octet-stream");
}

/* ---- building the parts ---- */

static GMimeObject *text_part(const char *subtype, const char *text)
{
    /* The UTF-8 bytes go in as they are: g_mime_text_part_set_text() would re-encode
     * Latin-1-compatible text as iso-8859-1, and we promise utf-8. */
    GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);
    char *lf = to_lf(text);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(lf, strlen(lf));
    free(lf);
    GMimeDataWrapper *w =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(GMIME_PART(tp), w);
    g_object_unref(w);
    g_object_unref(stream);
    g_mime_text_part_set_charset(tp, "utf-8");
    g_mime_part_set_content_encoding(GMIME_PART(tp), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return GMIME_OBJECT(tp);
}

static void utf8_param(GMimeParamList *list, const char *name)
{
    GMimeParam *p = list ? g_mime_param_list_get_parameter(list, name) : NULL;
    if (p != NULL)
        g_mime_param_set_charset(p, "utf-8");
}

/* Adds a mailbox whose display name is encoded (RFC 2047) as UTF-8 when it needs to be. */
static void add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name,
                        const char *addr)
{
    InternetAddress *ia = internet_address_mailbox_new(name, addr);
    internet_address_set_charset(ia, "utf-8");
    internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
    g_object_unref(ia);
}

static GMimeObject *attachment_part(const struct mail_attachment *a)
{
    GMimePart *part = part_for_type(a->content_type);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(a->data ? (const char *)a->data : "",
                                                            a->data ? a->len : 0);
    GMimeDataWrapper *w =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(part, w);
    g_object_unref(w);
    g_object_unref(stream);
    char *fname = clean_filename(a->filename);
    if (fname != NULL)
        g_mime_part_set_filename(part, fname); /* also sets Content-Disposition */
    g_mime_object_set_disposition(GMIME_OBJECT(part), a->inline_part ? "inline" : "attachment");
    if (fname != NULL) {
        /* RFC 2231 in UTF-8 rather than GMime's smallest charset (iso-8859-1...). */
        GMimeContentDisposition *disp = g_mime_object_get_content_disposition(GMIME_OBJECT(part));
        utf8_param(disp ? g_mime_content_disposition_get_parameters(disp) : NULL, "filename");
        GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
        utf8_param(ct ? g_mime_content_type_get_parameters(ct) : NULL, "name");
    }
    free(fname);
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    return GMIME_OBJECT(part);
}

static GMimeObject *body_part(const struct mail_out *m)
{
    GMimeObject *body = text_part("plain", m->text);
    if (m->html != NULL) {
        GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
        GMimeObject *html = text_part("html", m->html);
        g_mime_multipart_add(alt, body);
        g_mime_multipart_add(alt, html);
        g_object_unref(body);
        g_object_unref(html);
        body = GMIME_OBJECT(alt);
    }
    if (m->nattachments > 0) {
        GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
        g_mime_multipart_add(mixed, body);
        g_object_unref(body);
        for (int i = 0; i < m->nattachments; i++) {
            GMimeObject *att = attachment_part(&m->attachments[i]);
            g_mime_multipart_add(mixed, att);
            g_object_unref(att);
        }
        body = GMIME_OBJECT(mixed);
    }
    return body;
}

/* "<a> <b> ..." for the References header. A long chain keeps the first id (the thread's
 * root) and the newest ones, as RFC 5322 section 3.6.4 suggests. */
static void build_references(const struct mail_out *m, struct buf *b)
{
    int first = 0;
    int from = m->nreferences > MAIL_MAX_REFS ? m->nreferences - (MAIL_MAX_REFS - 1) : 0;
    for (int i = 0; i < m->nreferences; i++) {
        if (i > 0 && i < from)
            continue;
        const char *id = m->references[i];
        if (!atom_at_atom_ok(id, COMPOSE_MAX_ID))
            continue;
        if (first++ > 0)
            (void)buf_puts(b, " ");
        (void)buf_printf(b, "<%s>", id);
    }
}

/* Rewrites every line ending to CRLF (GMime already does; this makes it an invariant). */
static char *crlf_normalise(const char *s, size_t n, size_t *outlen)
{
    struct buf b;
    buf_init(&b, 0);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\r' && s[i] != '\n')
            continue;
        (void)buf_append(&b, s + start, i - start);
        (void)buf_append(&b, "\r\n", 2);
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    (void)buf_append(&b, s + start, n - start);
    return buf_detach(&b, outlen);
}

/* ---- public ---- */

int mail_compose(const struct mail_out *m, char **raw, size_t *len)
{
    if (m == NULL || raw == NULL || len == NULL)
        return FD_EINVAL;
    if (!atom_at_atom_ok(m->from_email, COMPOSE_MAX_EMAIL) ||
        !atom_at_atom_ok(m->to_email, COMPOSE_MAX_EMAIL) ||
        !atom_at_atom_ok(m->message_id, COMPOSE_MAX_ID))
        return FD_EINVAL;
    if (m->nreferences < 0 || (m->nreferences > 0 && m->references == NULL) ||
        m->nattachments < 0 || m->nattachments > MAIL_MAX_ATTACHMENTS ||
        (m->nattachments > 0 && m->attachments == NULL))
        return FD_EINVAL;

    int rc = 0;
    char *from_name = clean_line(m->from_name);
    char *to_name = clean_line(m->to_name);
    char *subject = clean_line(m->subject);
    char *str = NULL;
    char *crlf = NULL;
    struct buf refs;
    buf_init(&refs, 0);

    GMimeMessage *msg = g_mime_message_new(TRUE);
    GMimeObject *obj = GMIME_OBJECT(msg);
    add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, from_name, m->from_email);
    add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, to_name, m->to_email);
    g_mime_message_set_subject(msg, subject, "utf-8");
    GDateTime *now = g_date_time_new_now_local();
    g_mime_message_set_date(msg, now);
    g_date_time_unref(now);
    g_mime_message_set_message_id(msg, m->message_id);
    if (atom_at_atom_ok(m->in_reply_to, COMPOSE_MAX_ID)) {
        char irt[COMPOSE_MAX_ID + 3];
        int w = snprintf(irt, sizeof(irt), "<%s>", m->in_reply_to);
        if (w > 0 && (size_t)w < sizeof(irt))
            g_mime_object_set_header(obj, "In-Reply-To", irt, NULL);
    }
    build_references(m, &refs);
    if (refs.len > 0)
        g_mime_object_set_header(obj, "References", refs.ptr, NULL);
    g_mime_object_set_header(obj, "MIME-Version", "1.0", NULL);
    if (m->auto_submitted) {
        /* RFC 3834; the second header keeps Exchange from answering our acknowledgement
         * with an out-of-office reply of its own. */
        g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", NULL);
        g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
    }

    GMimeObject *body = body_part(m);
    g_mime_message_set_mime_part(msg, body);
    g_object_unref(body);

    GMimeFormatOptions *fo = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
    str = g_mime_object_to_string(obj, fo);
    g_mime_format_options_free(fo);
    if (str == NULL) {
        rc = FD_ENOMEM;
        goto out;
    }

    size_t crlf_len = 0;
    crlf = crlf_normalise(str, strlen(str), &crlf_len);

    char *signed_raw = NULL;
    size_t signed_len = 0;
    rc = mail__dkim_sign(crlf, crlf_len, &signed_raw, &signed_len);
    if (rc != 0)
        goto out;
    if (signed_raw != NULL) {
        *raw = signed_raw;
        *len = signed_len;
    } else {
        *raw = crlf;
        *len = crlf_len;
        crlf = NULL;
    }

out:
    g_free(str);
    free(crlf);
    g_object_unref(msg);
    buf_release(&refs);
    free(from_name);
    free(to_name);
    free(subject);
    return rc;
}

void mail_new_message_id(const char *domain, char *out, size_t n)
{
    unsigned char rnd[16];
    char hex[sizeof(rnd) * 2 + 1];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));

    /* A domain that would make a malformed id (or not fit) is replaced: the id must
     * always be usable as our Message-ID. */
    const char *d = domain;
    size_t dlen = d ? strlen(d) : 0;
    int ok = dlen > 0 && dlen + sizeof(hex) + 1 < 128;
    for (size_t i = 0; ok && i < dlen; i++) {
        unsigned char c = (unsigned char)d[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            ok = 0;
    }
    if (!ok)
        d = "frontdesk.invalid";
    if (n == 0)
        return;
    int w = snprintf(out, n, "%s@%s", hex, d);
    if (w < 0 || (size_t)w >= n)
        out[0] = '\0'; /* n below the documented 128: give nothing rather than half an id */
}
