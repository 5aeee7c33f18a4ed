/*
 * imap.c: polls one IMAP mailbox with libcurl and hands every unseen message to
 * mail_intake, the same path the mailgate uses.
 *
 * One poll is one easy handle, so one connection (libcurl keeps it open across the
 * commands of the poll and re-selects the mailbox only when it has to):
 *   UID SEARCH OR UNSEEN KEYWORD $FrontdeskPending NOT KEYWORD $FrontdeskTooLarge
 *   then for each UID, oldest first, at most IMAP_MAX_PER_POLL of them:
 *     UID FETCH n (RFC822.SIZE)           too large: flag $FrontdeskTooLarge, skip
 *     UID STORE n +FLAGS ($FrontdeskPending)
 *     UID FETCH n BODY[]                  (libcurl's ;UID=n URL; sets \Seen implicitly)
 *     mail_intake(...)
 *     committed: UID STORE n +FLAGS (\Seen), then -FLAGS ($FrontdeskPending)
 *     failed:    UID STORE n -FLAGS (\Seen $FrontdeskPending), logged, next UID
 *
 * Why the keyword: libcurl fetches with BODY[] (not BODY.PEEK[]), and the server sets
 * \Seen as it hands the bytes out, before our transaction has committed. A failed intake
 * takes the flag back; a crash in between would leave a seen message nobody stored.
 * $FrontdeskPending, set before the fetch and cleared only after the commit, makes the
 * next poll pick such a message up again (the Message-ID dedupe makes that harmless).
 * A server that refuses keywords still works, without that protection.
 *
 * A message that fails to parse is still stored by mail_intake (raw, flagged), so it is
 * marked seen like any other; only a failure to store leaves a message unseen, and it
 * never stops the messages after it. Message bodies are never logged, nor the URL's
 * credentials.
 */
#include "mail.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "mail_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMAP_MAX_PER_POLL 200
#define IMAP_TIMEOUT_S 120L
#define IMAP_CONNECT_TIMEOUT_S 15L
#define IMAP_ANSWER_MAX ((size_t)1 << 20) /* SEARCH / FETCH answers (not bodies) */
#define KW_PENDING "$FrontdeskPending"
#define KW_TOO_LARGE "$FrontdeskTooLarge"

struct session {
    CURL *c;
    char *mailbox;   /* the mailbox URL, no query or ;params */
    char shown[256]; /* the URL without user info, for logs */
    struct buf out;  /* what the last command wrote */
    char errbuf[CURL_ERROR_SIZE];
    int keywords_ok; /* the server took $FrontdeskPending */
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    if (buf_append(b, p, size * n) != 0)
        return 0; /* over the cap: libcurl stops with CURLE_WRITE_ERROR */
    return size * n;
}

/* The mailbox URL: the given one without "?search" or ";UID=..." parts, INBOX if none. */
static char *mailbox_url(const char *url)
{
    size_t n = strcspn(url, "?#");
    const char *scheme_end = strstr(url, "://");
    const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    if (path && (size_t)(path - url) < n) {
        const char *semi = memchr(path, ';', n - (size_t)(path - url));
        if (semi)
            n = (size_t)(semi - url);
    }
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (!path || (size_t)(path - url) >= n)
        return xasprintf("%.*s/INBOX", (int)n, url);
    return xstrndup(url, n);
}

/* The host part of an URL: after "scheme://" and any "user:pass@" (the last '@' before
 * the path ends the user info, since a password may contain one). */
static const char *authority_host(const char *url, const char **end)
{
    const char *s = strstr(url, "://");
    if (!s)
        return NULL;
    s += 3;
    const char *e = s + strcspn(s, "/?#");
    const char *host = s;
    for (const char *p = s; p < e; p++)
        if (*p == '@')
            host = p + 1;
    *end = e;
    return host;
}

/* The URL as it may appear in a log: scheme://host:port/path without "user:pass@". */
static void shown_url(const char *url, char *out, size_t size)
{
    const char *end;
    const char *host = authority_host(url, &end);
    const char *s = strstr(url, "://");
    if (!host || !s) {
        snprintf(out, size, "(invalid url)");
        return;
    }
    snprintf(out, size, "%.*s%s", (int)(s + 3 - url), url, host);
}

/* A loopback host: plain-text credentials are tolerated there (tests, a local server). */
static int loopback(const char *url)
{
    const char *end;
    const char *host = authority_host(url, &end);
    if (!host)
        return 0;
    size_t n = (size_t)(end - host);
    if (*host == '[')
        return n >= 5 && strncmp(host, "[::1]", 5) == 0 && (n == 5 || host[5] == ':');
    n = strcspn(host, ":/?#") < n ? strcspn(host, ":/?#") : n;
    return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
           (n >= 8 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n);
}

static int session_open(struct session *ss, const struct mail_worker_config *cfg, const char *url)
{
    memset(ss, 0, sizeof(*ss));
    buf_init(&ss->out, IMAP_ANSWER_MAX);
    shown_url(url, ss->shown, sizeof(ss->shown));
    if (strncasecmp(url, "imap://", 7) != 0 && strncasecmp(url, "imaps://", 8) != 0) {
        log_printf(LOG_ERR, "mail", "msg=\"imap url must start with imap:// or imaps://\" url=%s",
                   ss->shown);
        return FD_EINVAL;
    }
    ss->c = curl_easy_init();
    if (!ss->c)
        return FD_ENOMEM;
    ss->mailbox = mailbox_url(url);
    CURL *c = ss->c;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, IMAP_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, IMAP_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ss->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ss->out);
    if (cfg->imap_username) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->imap_username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->imap_password ? cfg->imap_password : "");
    }
    /* A password goes over a plain connection only to a loopback server: anywhere else
     * STARTTLS is required (imaps:// is TLS from the start anyway). */
    if (strncasecmp(url, "imap://", 7) == 0)
        curl_easy_setopt(c, CURLOPT_USE_SSL,
                         cfg->imap_username && !loopback(url) ? (long)CURLUSESSL_ALL
                                                              : (long)CURLUSESSL_TRY);
    return 0;
}

static void session_close(struct session *ss)
{
    if (ss->c)
        curl_easy_cleanup(ss->c);
    free(ss->mailbox);
    buf_release(&ss->out);
}

/* Runs one command on the mailbox (libcurl SELECTs it first when needed). */
static CURLcode command(struct session *ss, const char *cmd)
{
    buf_reset(&ss->out);
    ss->out.max = IMAP_ANSWER_MAX;
    ss->errbuf[0] = '\0';
    curl_easy_setopt(ss->c, CURLOPT_URL, ss->mailbox);
    curl_easy_setopt(ss->c, CURLOPT_CUSTOMREQUEST, cmd);
    return curl_easy_perform(ss->c);
}

static CURLcode store_flags(struct session *ss, unsigned long long uid, const char *op,
                            const char *flags)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "UID STORE %llu %s.SILENT (%s)", uid, op, flags);
    return command(ss, cmd);
}

/* An error that concerns the connection rather than one message: end the poll. */
static int session_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_WEIRD_SERVER_REPLY: return 1;
    default: return 0;
    }
}

static const char *why(const struct session *ss, CURLcode cc)
{
    return ss->errbuf[0] ? ss->errbuf : curl_easy_strerror(cc);
}

static int cmp_uid(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

/* Reads the UIDs of "* SEARCH 3 5 7" lines; returns how many (at most max), sorted. */
static int parse_search(const char *s, unsigned long long *uids, int max)
{
    int n = 0;
    for (const char *line = s; line && *line;
         line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncasecmp(line, "* SEARCH", 8) != 0)
            continue;
        const char *p = line + 8;
        while (n < max) {
            while (*p == ' ')
                p++;
            if (*p < '0' || *p > '9')
                break;
            char *end;
            errno = 0;
            unsigned long long v = strtoull(p, &end, 10);
            if (errno || end == p)
                break;
            if (v > 0)
                uids[n++] = v;
            p = end;
        }
    }
    qsort(uids, (size_t)n, sizeof(*uids), cmp_uid);
    return n;
}

/* RFC822.SIZE out of "* 4 FETCH (UID 9 RFC822.SIZE 1234)"; -1 if absent. */
static long long parse_size(const char *s)
{
    const char *p = s;
    while ((p = strstr(p, "RFC822.SIZE ")) != NULL) {
        p += 12;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (!errno && end != p && v >= 0)
            return v;
    }
    return -1;
}

/* Fetches, ingests and flags one message. Returns 0 when the poll may go on. */
static int one_message(struct session *ss, struct store *s, const struct mail_worker_config *cfg,
                       unsigned long long uid)
{
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "UID FETCH %llu (RFC822.SIZE)", uid);
    CURLcode cc = command(ss, cmd);
    if (cc != CURLE_OK) {
        log_printf(LOG_WARN, "mail",
                   "msg=\"imap size query failed\" mailbox=%s uid=%llu err=\"%s\"", ss->shown, uid,
                   why(ss, cc));
        return session_error(cc) ? FD_EIO : 0;
    }
    long long size = parse_size(ss->out.ptr);
    if (size < 0) {
        /* Expunged meanwhile, or a server that does not answer: nothing to do. */
        log_printf(LOG_DEBUG, "mail", "msg=\"imap message vanished\" mailbox=%s uid=%llu",
                   ss->shown, uid);
        return 0;
    }
    if ((unsigned long long)size > cfg->mail.mail_max) {
        /* Left unseen for a person to deal with, and kept out of later searches. */
        log_printf(LOG_WARN, "mail",
                   "msg=\"imap message too large, left unseen\" mailbox=%s uid=%llu size=%lld "
                   "max=%zu",
                   ss->shown, uid, size, cfg->mail.mail_max);
        cc = store_flags(ss, uid, "+FLAGS", KW_TOO_LARGE);
        return cc != CURLE_OK && session_error(cc) ? FD_EIO : 0;
    }
    if (ss->keywords_ok) {
        cc = store_flags(ss, uid, "+FLAGS", KW_PENDING);
        if (cc != CURLE_OK) {
            if (session_error(cc))
                return FD_EIO;
            ss->keywords_ok = 0;
            log_printf(LOG_INFO, "mail",
                       "msg=\"imap server refuses keywords; a crash during intake may leave a "
                       "message seen but not stored\" mailbox=%s",
                       ss->shown);
        }
    }

    char *url = xasprintf("%s/;UID=%llu", ss->mailbox, uid);
    buf_reset(&ss->out);
    ss->out.max = cfg->mail.mail_max + 1;
    ss->errbuf[0] = '\0';
    curl_easy_setopt(ss->c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(ss->c, CURLOPT_URL, url);
    cc = curl_easy_perform(ss->c);
    free(url);
    if (cc != CURLE_OK) {
        log_printf(LOG_WARN, "mail", "msg=\"imap fetch failed\" mailbox=%s uid=%llu err=\"%s\"",
                   ss->shown, uid, why(ss, cc));
        if (session_error(cc))
            return FD_EIO;
        /* The server may have set \Seen while sending part of it. */
        (void)store_flags(ss, uid, "-FLAGS", "\\Seen " KW_PENDING);
        return 0;
    }

    struct mail_intake_result res;
    struct fd_error err = {0};
    struct db *db = store_acquire(s);
    int rc = mail_intake(db, &cfg->mail, ss->out.ptr, ss->out.len, "imap", NULL, &res, &err);
    store_release(s, db);
    if (rc) {
        log_printf(LOG_WARN, "mail",
                   "msg=\"imap message not stored, left unseen\" mailbox=%s uid=%llu size=%zu "
                   "err=\"%s\" detail=\"%s\"",
                   ss->shown, uid, ss->out.len, fd_strerror(rc), err.message);
        cc = store_flags(ss, uid, "-FLAGS", "\\Seen " KW_PENDING);
        return cc != CURLE_OK && session_error(cc) ? FD_EIO : 0;
    }
    log_printf(LOG_INFO, "mail",
               "msg=\"imap message stored\" mailbox=%s uid=%llu mail_id=%lld "
               "ticket_id=%lld status=%s",
               ss->shown, uid, (long long)res.mail_id, (long long)res.ticket_id, res.status);
    /* Committed: now, and only now, the message counts as seen. */
    cc = store_flags(ss, uid, "+FLAGS", "\\Seen");
    if (cc == CURLE_OK && ss->keywords_ok)
        cc = store_flags(ss, uid, "-FLAGS", KW_PENDING);
    if (cc != CURLE_OK) {
        /* Stored but not flagged: the next poll fetches it again and finds a duplicate. */
        log_printf(LOG_WARN, "mail", "msg=\"imap flagging failed\" mailbox=%s uid=%llu err=\"%s\"",
                   ss->shown, uid, why(ss, cc));
        return session_error(cc) ? FD_EIO : 0;
    }
    return 0;
}

int mail__imap_poll(struct store *s, const struct mail_worker_config *cfg, const char *url)
{
    if (!url || !*url)
        return FD_EINVAL;
    struct session ss;
    int rc = session_open(&ss, cfg, url);
    if (rc) {
        session_close(&ss);
        return rc;
    }
    ss.keywords_ok = 1;
    CURLcode cc =
        command(&ss, "UID SEARCH OR UNSEEN KEYWORD " KW_PENDING " NOT KEYWORD " KW_TOO_LARGE);
    if (cc != CURLE_OK) {
        log_printf(LOG_WARN, "mail", "msg=\"imap poll failed\" mailbox=%s err=\"%s\"", ss.shown,
                   why(&ss, cc));
        session_close(&ss);
        return FD_EIO;
    }
    unsigned long long *uids = xmalloc(IMAP_MAX_PER_POLL * sizeof(*uids));
    int n = parse_search(ss.out.ptr, uids, IMAP_MAX_PER_POLL);
    for (int i = 0; i < n && rc == 0; i++)
        rc = one_message(&ss, s, cfg, uids[i]);
    free(uids);
    session_close(&ss);
    return rc;
}
