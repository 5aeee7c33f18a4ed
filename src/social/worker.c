/*
 * The social outbound worker: turns agents' public replies on social tickets (and,
 * when configured, incident updates) into social_outbox rows, and sends due rows with
 * libcurl, retrying with exponential backoff. Network calls never run inside a database
 * transaction: due rows are copied out first, each outcome is written afterwards.
 */
#include "social.h"

#include "../core/buf.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../store/store_social.h"
#include "../store/store_status.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CURSOR "social_notify"
#define BATCH 20
#define TWEET_MAX 280 /* characters; we count bytes, which is stricter */
#define HTTP_TIMEOUT_S 10L

/* ---- queueing ---------------------------------------------------------------------- */

struct notify {
    struct db *db;
    const struct social_config *c;
    int64_t last;
    int rc;
};

struct find_msg {
    int64_t id;
    char *body;
};

static int find_message(void *ctx, const struct message_rec *m)
{
    struct find_msg *f = ctx;
    if (m->id == f->id) {
        f->body = xstrdup(m->body);
        return 1;
    }
    return 0;
}

/* text cut to max bytes at a UTF-8 boundary, into a new string. */
static char *cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *o = xmalloc(n + 1);
    memcpy(o, s, n);
    o[n] = '\0';
    return o;
}

static int queue_reply(struct notify *n, const struct event_rec *e, json_t *after)
{
    if (json_is_true(json_object_get(after, "internal")))
        return 0;
    int64_t mid = json_integer_value(json_object_get(after, "message_id"));
    struct social_thread_rec th;
    int rc = store_social_thread_get(n->db, e->ticket_id, &th);
    if (rc == FD_ENOTFOUND || !mid)
        return 0; /* not a social ticket */
    if (rc)
        return rc;
    struct user_rec author;
    if (store_user_get(n->db, e->actor_id, &author) != 0 || author.role == ROLE_CUSTOMER)
        return 0; /* the customer's own message came from the platform */
    struct find_msg f = {mid, NULL};
    if ((rc = store_message_list(n->db, e->ticket_id, 0, find_message, &f)) || !f.body)
        return rc;
    char *text;
    if (strcmp(th.kind, "x_mention") == 0) {
        /* A public reply to the tweet names the customer first. */
        struct buf b;
        buf_init(&b, 0);
        buf_printf(&b, "@%s %s", th.target, f.body);
        text = cut(b.ptr, TWEET_MAX);
        buf_release(&b);
    } else {
        text = cut(f.body, SOCIAL_TEXT_MAX);
    }
    rc = store_social_out_insert(n->db, th.kind, th.target, th.reply_to, text, e->ticket_id,
                                 fd_now_ms());
    free(text);
    free(f.body);
    return rc;
}

/* An incident update, cross-posted where configured. */
static int queue_status(struct notify *n, const struct event_rec *e, json_t *d)
{
    const struct social_config *c = n->c;
    int tg = c->telegram_bot_token[0] && c->telegram_channel[0];
    int x = c->x_consumer_secret[0] && c->x_crosspost;
    if (!tg && !x)
        return 0;
    int64_t id = json_integer_value(json_object_get(d, "incident"));
    json_t *after = json_object_get(d, "after");
    const char *status = json_string_value(json_object_get(after ? after : d, "status"));
    struct status_incident_rec inc;
    int rc = store_status_incident_get(n->db, id, &inc);
    if (rc)
        return rc == FD_ENOTFOUND ? 0 : rc;
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "[%s] %s %s/status#incident-%lld", status ? status : inc.status, inc.title,
               c->base_url, (long long)id);
    if (tg)
        rc = store_social_out_insert(n->db, "telegram", c->telegram_channel, "", b.ptr, 0,
                                     fd_now_ms());
    if (rc == 0 && x) {
        char *t = cut(b.ptr, TWEET_MAX);
        rc = store_social_out_insert(n->db, "x_post", "", "", t, 0, fd_now_ms());
        free(t);
    }
    buf_release(&b);
    return rc;
}

static int notify_event(void *ctx, const struct event_rec *e)
{
    struct notify *n = ctx;
    n->last = e->id;
    int reply = strcmp(e->type, "message_added") == 0 && e->ticket_id && e->actor_id;
    int status = strcmp(e->type, "status.incident_created") == 0 ||
                 strcmp(e->type, "status.incident_updated") == 0;
    if ((!reply && !status) || !e->data)
        return 0;
    json_t *d = json_loads(e->data, 0, NULL);
    int rc = reply ? queue_reply(n, e, json_object_get(d, "after")) : queue_status(n, e, d);
    json_decref(d);
    if (rc) {
        n->rc = rc;
        return 1;
    }
    return 0;
}

static int notify_step(struct db *db, const struct social_config *c)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t last = 0;
    if ((rc = store_cursor_get(db, CURSOR, &last)))
        goto out;
    if (last < 0) {
        /* First run: only what happens from now on goes out, not the history. */
        rc = store_cursor_start(db, CURSOR, &last);
    } else {
        struct notify n = {db, c, last, 0};
        if ((rc = store_event_list_after(db, last, 200, notify_event, &n)) || (rc = n.rc))
            goto out;
        if (n.last != last)
            rc = store_cursor_set(db, CURSOR, n.last);
    }
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

/* ---- sending ----------------------------------------------------------------------- */

struct due {
    int n;
    struct social_out_rec v[BATCH];
};

static int collect_due(void *ctx, const struct social_out_rec *r)
{
    struct due *d = ctx;
    if (d->n < BATCH) {
        d->v[d->n] = *r;
        d->v[d->n].body = xstrdup(r->body ? r->body : "");
        d->n++;
    }
    return 0;
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    (void)buf_append(b, p, size * n); /* past the limit the answer is cut, not failed */
    return size * n;
}

/* POSTs json to url. Returns the HTTP status, or 0 when it could not be reached. */
static long post_json(const char *url, const char *bearer, const char *json, char *err, size_t n)
{
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, n, "curl_easy_init failed");
        return 0;
    }
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[400];
    if (bearer && *bearer) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
        hdr = curl_slist_append(hdr, auth);
    }
    struct buf answer;
    buf_init(&answer, 4096);
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    long status = 0;
    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK)
        snprintf(err, n, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
    else if (status >= 300)
        snprintf(err, n, "HTTP %ld: %.200s", status, answer.ptr ? answer.ptr : "");
    buf_release(&answer);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return status;
}

/* Sends one row. Returns the HTTP status (0: not reached). */
static long send_one(const struct social_config *c, const struct social_out_rec *r, char *err,
                     size_t n)
{
    char url[700];
    json_t *j;
    const char *bearer = NULL;
    if (strcmp(r->kind, "telegram") == 0) {
        snprintf(url, sizeof(url), "%s/bot%s/sendMessage", c->telegram_api_url,
                 c->telegram_bot_token);
        j = json_pack("{s:s, s:s}", "chat_id", r->target, "text", r->body);
        if (r->reply_to[0])
            json_object_set_new(j, "reply_parameters",
                                json_pack("{s:I, s:b}", "message_id",
                                          (json_int_t)strtoll(r->reply_to, NULL, 10),
                                          "allow_sending_without_reply", 1));
    } else if (strcmp(r->kind, "x_dm") == 0) {
        char *who = curl_easy_escape(NULL, r->target, 0);
        snprintf(url, sizeof(url), "%s/2/dm_conversations/with/%s/messages", c->x_api_url,
                 who ? who : "");
        curl_free(who);
        j = json_pack("{s:s}", "text", r->body);
        bearer = c->x_bearer_token;
    } else {
        snprintf(url, sizeof(url), "%s/2/tweets", c->x_api_url);
        j = json_pack("{s:s}", "text", r->body);
        if (strcmp(r->kind, "x_mention") == 0 && r->reply_to[0])
            json_object_set_new(j, "reply",
                                json_pack("{s:s}", "in_reply_to_tweet_id", r->reply_to));
        bearer = c->x_bearer_token;
    }
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    long status = body ? post_json(url, bearer, body, err, n) : 0;
    free(body);
    return status;
}

static int send_step(struct store *s, const struct social_config *c)
{
    struct due *d = xcalloc(1, sizeof(*d));
    struct db *db = store_acquire(s);
    int rc = db_begin_read(db);
    if (rc == 0) {
        rc = store_social_out_due(db, fd_now_ms(), BATCH, collect_due, d);
        db_rollback(db);
    }
    store_release(s, db);
    for (int i = 0; rc == 0 && i < d->n; i++) {
        const struct social_out_rec *r = &d->v[i];
        char err[300] = "";
        long status = send_one(c, r, err, sizeof(err));
        int attempts = r->attempts + 1;
        int64_t now = fd_now_ms();
        const char *st = "sent";
        int64_t next = now;
        if (status < 200 || status >= 300) {
            /* 4xx other than 408/429 will not get better by waiting. */
            int permanent = status >= 400 && status < 500 && status != 408 && status != 429;
            if (permanent || attempts >= c->max_attempts) {
                st = "failed";
            } else {
                st = "queued";
                int shift = attempts - 1 < 20 ? attempts - 1 : 20;
                next = now + c->retry_base_s * 1000LL * (1LL << shift);
            }
            log_printf(LOG_WARN, "social",
                       "msg=\"send failed\" outbox=%lld kind=%s attempt=%d "
                       "status=%s error=\"%s\"",
                       (long long)r->id, r->kind, attempts, st, err);
        }
        db = store_acquire(s);
        if ((rc = db_begin_write(db)) == 0) {
            rc = store_social_out_attempt(db, r->id, st, attempts, next,
                                          strcmp(st, "sent") == 0 ? "" : err, now);
            if (rc == 0)
                rc = db_commit(db);
            if (rc)
                db_rollback(db);
        }
        store_release(s, db);
    }
    for (int i = 0; i < d->n; i++)
        free(d->v[i].body);
    free(d);
    return rc;
}

int social_worker_run_once(struct store *s, const struct social_config *c)
{
    struct db *db = store_acquire(s);
    int rc = notify_step(db, c);
    store_release(s, db);
    if (rc == 0)
        rc = send_step(s, c);
    return rc;
}

/* ---- the thread -------------------------------------------------------------------- */

struct social_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    struct store *store;
    const struct social_config *cfg;
};

static void *worker_main(void *arg)
{
    struct social_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        int rc = social_worker_run_once(w->store, w->cfg);
        if (rc)
            log_printf(LOG_ERR, "social", "msg=\"worker pass failed\" error=%s", fd_strerror(rc));
        pthread_mutex_lock(&w->mu);
        if (w->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ms = w->cfg->poll_ms;
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int social_worker_start(struct store *s, const struct social_config *c, struct social_worker **out)
{
    *out = NULL;
    if (!c->telegram_bot_token[0] && !c->x_consumer_secret[0])
        return 0; /* nothing to send to */
    struct social_worker *w = xcalloc(1, sizeof(*w));
    w->store = s;
    w->cfg = c;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return FD_ENOMEM;
    }
    *out = w;
    return 0;
}

void social_worker_stop(struct social_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
