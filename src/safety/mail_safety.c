/*
 * Mail intake's safety hook: secrets are removed from the parsed message and from the
 * raw MIME record before either is stored. The raw message is rewritten with GMime
 * (each text part's decoded text is redacted and re-encoded, the Subject re-set), then
 * parsed again, so that the ticket, the mail record, the attachments and the raw bytes
 * all come from the same cleaned message.
 */
#include "scan.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "../mail/mail.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

static unsigned kinds_of(const char *s)
{
    unsigned k = 0;
    if (s && safety_scan(s, strlen(s), &k, NULL, NULL) != 0)
        abort(); /* out of memory: the x*alloc policy */
    return k;
}

static unsigned parsed_kinds(const struct mail_parsed *m)
{
    unsigned k = kinds_of(m->subject) | kinds_of(m->text) | kinds_of(m->html);
    for (int i = 0; i < m->nattachments; i++) {
        const struct mail_attachment *a = &m->attachments[i];
        /* Text attachments are kept as files: the same rule applies to them. */
        if (a->content_type && strncmp(a->content_type, "text/", 5) == 0 && a->data &&
            !memchr(a->data, 0, a->len)) {
            unsigned ak = 0;
            if (safety_scan((const char *)a->data, a->len, &ak, NULL, NULL) != 0)
                abort();
            k |= ak;
        }
    }
    return k;
}

struct walk {
    int drop_html; /* second pass: HTML a secret is split across tags in is replaced */
};

static void redact_part(GMimeObject *parent, GMimeObject *part, gpointer data);

static void redact_message(GMimeMessage *msg, struct walk *w)
{
    const char *subject = g_mime_message_get_subject(msg);
    if (subject) {
        char *red = NULL;
        unsigned k = 0;
        if (safety_scan(subject, strlen(subject), &k, &red, NULL) != 0)
            abort();
        if (red)
            g_mime_message_set_subject(msg, red, "utf-8");
        free(red);
    }
    g_mime_message_foreach(msg, redact_part, w);
}

static void redact_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    struct walk *w = data;
    (void)parent;
    if (GMIME_IS_MESSAGE_PART(part)) {
        /* A forwarded message inside: its parts are customer text too. */
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
        if (inner)
            redact_message(inner, w);
        return;
    }
    if (!GMIME_IS_TEXT_PART(part))
        return;
    GMimeTextPart *tp = GMIME_TEXT_PART(part);
    GMimeContentType *ct = g_mime_object_get_content_type(part);
    int html = ct && g_mime_content_type_is_type(ct, "text", "html");
    char *text = g_mime_text_part_get_text(tp);
    if (!text)
        return;
    char *red = NULL;
    unsigned k = 0;
    if (safety_scan(text, strlen(text), &k, &red, NULL) != 0)
        abort();
    if (html && w->drop_html) {
        free(red);
        red = xstrdup("<p>[removed: this part held a secret; see the plain-text part]</p>");
    }
    if (red) {
        g_mime_text_part_set_text(tp, red);
        GMimePart *p = GMIME_PART(part);
        g_mime_part_set_content_encoding(
            p, g_mime_part_get_best_content_encoding(p, GMIME_ENCODING_CONSTRAINT_7BIT));
    }
    free(red);
    g_free(text);
}

/* Rewrites raw through GMime; returns the new bytes (malloc'd) or NULL when GMime cannot
 * read the message. */
static char *rewrite(const char *raw, size_t len, struct walk *w, size_t *outlen)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
    g_object_unref(p);
    g_object_unref(s);
    if (!msg)
        return NULL;
    redact_message(msg, w);
    char *str = g_mime_object_to_string(GMIME_OBJECT(msg), NULL);
    g_object_unref(msg);
    if (!str)
        return NULL;
    *outlen = strlen(str);
    char *out = xmalloc(*outlen + 1);
    memcpy(out, str, *outlen + 1);
    g_free(str);
    return out;
}

/* Last resort for what GMime could not reach: the strings themselves. */
static void redact_string(char **s)
{
    const char *p = *s;
    char *owned = NULL;
    if (p && safety_redact(&p, &owned)) {
        free(*s);
        *s = owned;
    }
}

int safety_mail_redact(struct mail_parsed *m, const char **raw, size_t *len, char **owned,
                       unsigned *kinds)
{
    *owned = NULL;
    *kinds = parsed_kinds(m);
    if (!*kinds)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        struct walk w = {.drop_html = pass};
        size_t n = 0;
        char *clean = rewrite(*raw, *len, &w, &n);
        if (!clean)
            break;
        struct mail_parsed again;
        if (mail_parse(clean, n, &again) != 0) {
            free(clean);
            break;
        }
        mail_parsed_release(m);
        *m = again;
        free(*owned);
        *owned = clean;
        *raw = clean;
        *len = n;
        if (!parsed_kinds(m))
            return 0;
    }
    /* GMime could not read it, or the secret survived both passes (an attachment, an
     * encoding GMime does not decode): redact the stored bytes and strings directly. */
    const char *bytes = *raw;
    char *red = NULL;
    size_t n = 0;
    unsigned k = 0;
    int rc = safety_scan(bytes, *len, &k, &red, &n);
    if (rc)
        return rc;
    if (red) {
        free(*owned);
        *owned = red;
        *raw = red;
        *len = n;
    }
    redact_string(&m->subject);
    redact_string(&m->text);
    redact_string(&m->html);
    for (int i = 0; i < m->nattachments; i++) {
        struct mail_attachment *a = &m->attachments[i];
        if (a->content_type && strncmp(a->content_type, "text/", 5) == 0 && a->data &&
            !memchr(a->data, 0, a->len)) {
            unsigned ak = 0;
            char *ared = NULL;
            size_t an = 0;
            if ((rc = safety_scan((const char *)a->data, a->len, &ak, &ared, &an)))
                return rc;
            if (ared) {
                free(a->data);
                a->data = (unsigned char *)ared;
                a->len = an;
            }
        }
    }
    return 0;
}
