/*
 * Phishing reports: a customer forwards a suspicious e-mail as an attachment to the
 * phishing address; the ticket goes to Account & Security with the tag phishing-report,
 * and this file writes the analysis posted as an internal note: the reported message's
 * From / Reply-To / Return-Path domains, whether it carries Authentication-Results and a
 * DKIM-Signature, the hosts its links point to, and for each domain or host what /verify
 * says (official, a look-alike of an official one, or unknown). GMime reads the attached
 * message; libcurl's URL parser takes the hosts out of links.
 */
#include "phish_report.h"

#include "../auth/auth.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../mail/mail.h"
#include "../tickets/tickets.h"
#include "verify.h"

#include <ctype.h>
#include <curl/curl.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOSTS 25
#define MAX_TEXT (512 * 1024) /* body text scanned for links */
#define HEADER_SHOWN 300

static int same_address(const char *a, const char *b)
{
    return a && b && *a && strcasecmp(a, b) == 0;
}

int phish_report_match(const char *phishing_address, const char *mail_domain,
                       const struct mail_parsed *m, const char *address)
{
    char def[300];
    if (!phishing_address || !*phishing_address) {
        snprintf(def, sizeof(def), "phishing@%s", mail_domain ? mail_domain : "");
        phishing_address = def;
    }
    if (same_address(address, phishing_address))
        return 1;
    for (int i = 0; i < m->nrecipients; i++) {
        if (same_address(m->recipients[i].email, phishing_address))
            return 1;
    }
    return 0;
}

/* ---- reading the reported message ---- */

struct hosts {
    char v[MAX_HOSTS][VERIFY_HOST_MAX * 4 + 1];
    int n;
    int more; /* hosts beyond MAX_HOSTS */
};

static void host_add(struct hosts *h, const char *host)
{
    for (int i = 0; i < h->n; i++) {
        if (!strcmp(h->v[i], host))
            return;
    }
    if (h->n == MAX_HOSTS) {
        h->more = 1;
        return;
    }
    snprintf(h->v[h->n++], sizeof(h->v[0]), "%s", host);
}

/* Every http(s) link in text: its host, normalized (punycode decoded). */
static void links_in(const char *text, struct hosts *h)
{
    const char *p = text;
    while ((p = strcasestr(p, "http")) != NULL) {
        const char *s = p;
        p += 4;
        if (strncasecmp(s, "http://", 7) && strncasecmp(s, "https://", 8))
            continue;
        size_t len = strcspn(s, " \t\r\n\"'<>()[]{}|\\^`");
        if (len > 2000)
            continue;
        char url[2001];
        memcpy(url, s, len);
        url[len] = '\0';
        p = s + len;
        CURLU *u = curl_url();
        char *host = NULL;
        if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
            char norm[VERIFY_HOST_MAX * 4 + 1];
            if (verify_host_normalize(host, norm, sizeof(norm)) == 0)
                host_add(h, norm);
        }
        curl_free(host);
        curl_url_cleanup(u);
    }
}

struct walk {
    struct buf text;
};

static void collect_text(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void)parent;
    struct walk *w = data;
    if (!GMIME_IS_TEXT_PART(part) || w->text.len > MAX_TEXT)
        return;
    char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    if (t) {
        buf_puts(&w->text, t);
        buf_puts(&w->text, "\n");
        g_free(t);
    }
}

/* The domain of an address ("Name <a@b.c>" or "<a@b.c>"), via GMime's address parser. */
static int address_domain(const char *value, char *out, size_t n)
{
    if (!value)
        return FD_ENOTFOUND;
    InternetAddressList *l = internet_address_list_parse(NULL, value);
    int rc = FD_ENOTFOUND;
    if (l && internet_address_list_length(l) > 0) {
        InternetAddress *ia = internet_address_list_get_address(l, 0);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
            const char *at = addr ? strrchr(addr, '@') : NULL;
            if (at && verify_host_normalize(at + 1, out, n) == 0)
                rc = 0;
        }
    }
    if (l)
        g_object_unref(l);
    return rc;
}

static void put_verdict(struct db *db, struct buf *b, const char *host)
{
    struct verify_answer *a = calloc(1, sizeof(*a));
    if (!a)
        return;
    if (verify_query(db, host, "domain", a, NULL) != 0) {
        buf_puts(b, "could not be checked");
    } else if (a->verdict == VERIFY_OFFICIAL) {
        buf_puts(b, "OFFICIAL (");
        buf_puts(b, a->matched);
        buf_puts(b, ")");
    } else if (a->verdict == VERIFY_LOOKALIKE) {
        buf_puts(b, "LOOK-ALIKE of official ");
        buf_puts(b, a->matched);
        buf_puts(b, ": ");
        buf_puts(b, verify_look_reason(a->look));
    } else {
        buf_puts(b, "unknown (not an official domain)");
    }
    free(a);
}

static void put_header_domain(struct db *db, struct buf *b, GMimeMessage *msg, const char *name)
{
    const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), name);
    char dom[VERIFY_HOST_MAX * 4 + 1];
    buf_puts(b, "- ");
    buf_puts(b, name);
    buf_puts(b, ": ");
    if (!v) {
        buf_puts(b, "absent\n");
        return;
    }
    if (address_domain(v, dom, sizeof(dom)) != 0) {
        buf_puts(b, "no usable address\n");
        return;
    }
    buf_puts(b, dom);
    buf_puts(b, " — ");
    put_verdict(db, b, dom);
    buf_puts(b, "\n");
}

static void put_header_presence(struct buf *b, GMimeMessage *msg, const char *name)
{
    const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), name);
    buf_puts(b, "- ");
    buf_puts(b, name);
    if (!v) {
        buf_puts(b, ": absent\n");
        return;
    }
    buf_puts(b, ": present (");
    char shown[HEADER_SHOWN + 1];
    snprintf(shown, sizeof(shown), "%s", v);
    for (char *p = shown; *p; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\t')
            *p = ' ';
    }
    buf_puts(b, shown);
    buf_puts(b, strlen(v) > HEADER_SHOWN ? "…)\n" : ")\n");
}

static int analyze_one(struct db *db, const struct mail_attachment *att, struct buf *b)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer((const char *)att->data, att->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(stream);
    if (!msg) {
        buf_puts(b, "The attached message could not be read.\n");
        return 0;
    }
    const char *subject = g_mime_message_get_subject(msg);
    buf_puts(b, "Reported message: ");
    buf_puts(b, subject && *subject ? subject : "(no subject)");
    buf_puts(b, "\n\nSender domains:\n");
    put_header_domain(db, b, msg, "From");
    put_header_domain(db, b, msg, "Reply-To");
    put_header_domain(db, b, msg, "Return-Path");
    buf_puts(b, "\nAuthentication:\n");
    put_header_presence(b, msg, "Authentication-Results");
    put_header_presence(b, msg, "DKIM-Signature");

    struct walk w;
    buf_init(&w.text, MAX_TEXT * 2);
    g_mime_message_foreach(msg, collect_text, &w);
    struct hosts *h = calloc(1, sizeof(*h));
    if (h) {
        links_in(w.text.ptr ? w.text.ptr : "", h);
        buf_puts(b, "\nLinks in the body:\n");
        if (!h->n)
            buf_puts(b, "- none\n");
        for (int i = 0; i < h->n; i++) {
            buf_puts(b, "- ");
            buf_puts(b, h->v[i]);
            buf_puts(b, " — ");
            put_verdict(db, b, h->v[i]);
            buf_puts(b, "\n");
        }
        if (h->more)
            buf_puts(b, "- (more hosts not listed)\n");
        free(h);
    }
    buf_release(&w.text);
    g_object_unref(msg);
    return 0;
}

int phish_report_analyze(struct db *db, const struct mail_parsed *m, char **note)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "Phishing report — automatic analysis\n\n");
    int found = 0;
    for (int i = 0; i < m->nattachments; i++) {
        const struct mail_attachment *att = &m->attachments[i];
        if (!att->content_type || strcasecmp(att->content_type, "message/rfc822") != 0)
            continue;
        if (found++)
            buf_puts(&b, "\n---\n\n");
        analyze_one(db, att, &b);
    }
    if (!found)
        buf_puts(&b, "No forwarded message was attached. Ask the reporter to forward the "
                     "suspicious e-mail as an attachment (.eml), so that its headers and links "
                     "can be checked.\n");
    *note = buf_detach(&b, NULL);
    return *note ? 0 : FD_ENOMEM;
}

int phish_report_post(struct db *db, const struct user_rec *system_user, int64_t ticket_id,
                      const struct mail_parsed *m, struct fd_error *err)
{
    char *note = NULL;
    int rc = phish_report_analyze(db, m, &note);
    if (rc)
        return rc;
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    a.user = *system_user;
    a.scopes = SCOPE_ALL;
    struct ticket_rec *t = calloc(1, sizeof(*t));
    int64_t msg = 0;
    rc = t ? tickets_reply_in_txn(db, &a, "email", ticket_id, note, 1, t, &msg, err) : FD_ENOMEM;
    free(t);
    free(note);
    return rc;
}
