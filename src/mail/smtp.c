/*
 * smtp.c: hands one raw message to an SMTP server with libcurl (one easy handle, one
 * connection per message; the outbox thread is the only caller and mail volume is low).
 *
 * libcurl does the SMTP dialogue, dot-stuffing and the final ".". Every server reply
 * line reaches the header callback, so the text of the last reply can be given back in
 * err->message ("550 5.1.1 No such user"), which is what an agent needs to see.
 *
 * Classification (what the outbox does next):
 *   FD_EIO    try again later: no connection, timeout, TLS or login problems (our
 *             configuration, not the message), and any 4xx reply.
 *   FD_EINVAL give up: a 5xx reply to MAIL FROM, RCPT TO or DATA. Authentication replies
 *             (530, 534, 535, 538) stay FD_EIO: fixing our credentials fixes them.
 *
 * Credentials: with a username on a plain smtp:// URL, STARTTLS is required, so the
 * password never crosses the network in the clear; without one, STARTTLS is used when
 * offered.
 */
#include "mail/mail.h"

#include "core/err.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define SMTP_DEFAULT_TIMEOUT_S 60L
#define SMTP_CONNECT_TIMEOUT_S 30L

struct upload {
    const char *data;
    size_t len, pos;
};

/* The reply being read: its text joined across continuation lines ("250-..."). */
struct reply {
    char text[sizeof(((struct fd_error *)0)->message)];
    size_t len;
    int complete; /* the last line read ended a reply ("250 ..." with a space) */
    long code;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nmemb;
    size_t n = u->len - u->pos < room ? u->len - u->pos : room;
    memcpy(dst, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static size_t reply_cb(char *line, size_t size, size_t nmemb, void *arg)
{
    struct reply *r = arg;
    size_t n = size * nmemb;
    size_t len = n;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9')
        return n;
    /* The reply to QUIT (sent after a failure too) must not hide the one that failed. */
    if (line[0] == '2' && line[1] == '2' && line[2] == '1')
        return n;
    if (r->complete) {
        r->len = 0;
        r->text[0] = '\0';
    }
    r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    r->complete = len == 3 || line[3] != '-';
    /* The first line carries the code; continuations add only their text. */
    const char *p = r->len == 0 ? line : line + (len > 4 ? 4 : len);
    size_t plen = (size_t)(line + len - p);
    if (r->len > 0 && r->len + 1 < sizeof(r->text))
        r->text[r->len++] = ' ';
    for (size_t i = 0; i < plen && r->len + 1 < sizeof(r->text); i++) {
        unsigned char c = (unsigned char)p[i];
        r->text[r->len++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    r->text[r->len] = '\0';
    return n;
}

static int auth_reply(long code)
{
    return code == 530 || code == 534 || code == 535 || code == 538;
}

int mail_smtp_send(const struct mail_smtp *s, const char *mail_from, const char *rcpt,
                   const char *raw, size_t len, struct fd_error *err)
{
    if (s == NULL || s->url == NULL || mail_from == NULL || rcpt == NULL || *rcpt == '\0' ||
        raw == NULL)
        return fd_fail(err, FD_EINVAL, "smtp", "missing SMTP URL, sender or recipient");
    if (strncmp(s->url, "smtp://", 7) != 0 && strncmp(s->url, "smtps://", 8) != 0)
        return fd_fail(err, FD_EINVAL, "smtp_url",
                       "the SMTP URL must start with smtp:// or smtps://");
    if (strpbrk(mail_from, "\r\n") != NULL || strpbrk(rcpt, "\r\n") != NULL)
        return fd_fail(err, FD_EINVAL, "smtp", "line break in an envelope address");

    CURL *c = curl_easy_init();
    if (c == NULL)
        return fd_fail(err, FD_ENOMEM, "smtp", "curl_easy_init failed");
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    if (rcpts == NULL) {
        curl_easy_cleanup(c);
        return fd_fail(err, FD_ENOMEM, "smtp", "out of memory");
    }
    struct upload up = {raw, len, 0};
    struct reply rep = {.complete = 1};
    char errbuf[CURL_ERROR_SIZE] = "";
    long timeout = s->timeout_s > 0 ? s->timeout_s : SMTP_DEFAULT_TIMEOUT_S;
    int plain = strncmp(s->url, "smtp://", 7) == 0;

    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     timeout < SMTP_CONNECT_TIMEOUT_S ? timeout : SMTP_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, reply_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &rep);
    if (s->username != NULL) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
    if (plain)
        curl_easy_setopt(c, CURLOPT_USE_SSL,
                         s->username ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);

    CURLcode res = curl_easy_perform(c);
    long code = rep.code;
    if (code == 0 && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
        code = 0;

    int rc = 0;
    if (res == CURLE_OK) {
        rc = 0;
    } else if (code >= 500 && code < 600 && res != CURLE_LOGIN_DENIED && !auth_reply(code)) {
        rc = fd_fail(err, FD_EINVAL, "smtp", "%s",
                     rep.len > 0 ? rep.text : (errbuf[0] ? errbuf : curl_easy_strerror(res)));
    } else if (code >= 400 && code < 600 && rep.len > 0) {
        rc = fd_fail(err, FD_EIO, "smtp", "%s", rep.text);
    } else {
        rc = fd_fail(err, FD_EIO, "smtp", "%s", errbuf[0] ? errbuf : curl_easy_strerror(res));
    }
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(c);
    return rc;
}
