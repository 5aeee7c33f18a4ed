/*
 * Outgoing mail: composing and recording messages for a ticket, the acknowledgement of
 * new requests, notifications of agents' public replies (read from the event log, so a
 * reply made anywhere is mailed exactly once), and the delivery loop over the persistent
 * outbox with exponential backoff. A background thread runs the steps; a restart picks
 * up where the last one stopped, because every step's progress is in the database.
 */
#include "../auth/auth.h"
#include "../core/blob.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../reports/reports.h"
#include "../safety/verify.h"
#include "../tickets/tickets.h"
#include "mail_int.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTIFY_CURSOR "mail_notify"
#define MAX_BACKOFF_S (6 * 3600)

struct ids {
    const char *v[20];
    char buf[20][256];
    int n;
};

static int collect_id(void *ctx, const char *id)
{
    struct ids *x = ctx;
    if (x->n < 20) {
        snprintf(x->buf[x->n], sizeof(x->buf[x->n]), "%s", id);
        x->v[x->n] = x->buf[x->n];
        x->n++;
    }
    return 0;
}

static int deliverable(const char *email)
{
    const char *at = strrchr(email, '@');
    return at && strcmp(at, "@frontdesk.invalid") != 0;
}

/* The HTML alternative of a plain-text message: escaped, paragraphs kept, links left as
 * text (no markup from any user ever reaches it). Caller frees. */
static char *text_to_html(const char *text)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "<!DOCTYPE html><html><body style=\"font-family:sans-serif;font-size:14px;"
                 "line-height:1.5;color:#1f2937\"><p>");
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&': buf_puts(&b, "&amp;"); break;
        case '<': buf_puts(&b, "&lt;"); break;
        case '>': buf_puts(&b, "&gt;"); break;
        case '"': buf_puts(&b, "&quot;"); break;
        case '\r': break;
        case '\n':
            if (p[1] == '\n') {
                buf_puts(&b, "</p><p>");
                while (p[1] == '\n')
                    p++;
            } else {
                buf_puts(&b, "<br>");
            }
            break;
        default: buf_append(&b, p, 1);
        }
    }
    buf_puts(&b, "</p></body></html>");
    return buf_detach(&b, NULL);
}

int mail_queue(struct db *db, const struct mail_config *cfg, const struct mail_notice *n)
{
    char from[FD_EMAIL_MAX + 1], msgid[160];
    int rc = store_mail_primary_address(db, n->department_id, from, sizeof(from));
    if (rc)
        return rc;
    /* A customer's anti-phishing code goes into every message to them (or it is refused). */
    char *coded = NULL;
    if ((rc = antiphish_mail_apply(db, n->to_email, n->kind, n->text, n->html, &coded)))
        return rc;
    const char *text = coded ? coded : n->text;
    mail_new_message_id(cfg->domain, msgid, sizeof(msgid));
    struct mail_out out = {0};
    out.from_name = "Frontdesk Support";
    out.from_email = from;
    out.to_name = n->to_name;
    out.to_email = n->to_email;
    out.subject = n->subject;
    out.text = text;
    out.message_id = msgid;
    out.in_reply_to = n->in_reply_to;
    out.references = n->references;
    out.nreferences = n->nreferences;
    out.auto_submitted = n->auto_submitted;
    char *html = n->html ? NULL : text_to_html(text);
    out.html = n->html ? n->html : html;
    out.attachments = n->attachments;
    out.nattachments = n->nattachments;
    char *raw = NULL;
    size_t len = 0;
    rc = mail_compose(&out, &raw, &len);
    free(html);
    free(coded);
    if (rc)
        return rc;
    struct mail_rec rec;
    memset(&rec, 0, sizeof(rec));
    rc = mail__raw_put(cfg, raw, len, rec.sha256);
    free(raw);
    if (rc)
        return rc;
    int64_t now = fd_now_ms();
    snprintf(rec.direction, sizeof(rec.direction), "out");
    snprintf(rec.message_id, sizeof(rec.message_id), "%s", msgid);
    rec.ticket_id = n->ticket_id;
    rec.size = (int64_t)len;
    snprintf(rec.from_email, sizeof(rec.from_email), "%s", from);
    snprintf(rec.to_email, sizeof(rec.to_email), "%s", n->to_email);
    snprintf(rec.subject, sizeof(rec.subject), "%.255s", n->subject);
    snprintf(rec.status, sizeof(rec.status), "queued");
    snprintf(rec.kind, sizeof(rec.kind), "message");
    snprintf(rec.source, sizeof(rec.source), "%s", n->kind);
    rec.created_at = now;
    if ((rc = store_mail_insert(db, &rec)))
        return rc;
    return store_outbox_insert(db, rec.id, n->ticket_id, n->kind, from, n->to_email, now);
}

static int queue_ticket(struct db *db, const struct mail_config *cfg, const struct ticket_rec *t,
                        const char *kind, const char *text, const char *in_reply_to,
                        int auto_submitted, const struct mail_attachment *atts, int natts);

int mail_queue_ticket(struct db *db, const struct mail_config *cfg, const struct ticket_rec *t,
                      const char *kind, const char *text, const char *in_reply_to,
                      int auto_submitted)
{
    return queue_ticket(db, cfg, t, kind, text, in_reply_to, auto_submitted, NULL, 0);
}

static int queue_ticket(struct db *db, const struct mail_config *cfg, const struct ticket_rec *t,
                        const char *kind, const char *text, const char *in_reply_to,
                        int auto_submitted, const struct mail_attachment *atts, int natts)
{
    char ref[32], subject[300];
    tickets_format_ref(t->id, ref, sizeof(ref));
    if (strstr(t->subject, ref))
        snprintf(subject, sizeof(subject), "%s", t->subject);
    else
        snprintf(subject, sizeof(subject), "[%s] %s", ref, t->subject);
    /* References: the ticket's mail, oldest first (the store gives newest first). */
    struct ids *ids = xcalloc(1, sizeof(*ids));
    int rc = store_mail_ticket_ids(db, t->id, collect_id, ids);
    if (rc) {
        free(ids);
        return rc;
    }
    const char *refs[20];
    for (int i = 0; i < ids->n; i++)
        refs[i] = ids->v[ids->n - 1 - i];
    struct mail_notice n = {0};
    n.ticket_id = t->id;
    n.department_id = t->department_id;
    n.to_name = t->requester_name;
    n.to_email = t->requester_email;
    n.subject = subject;
    n.text = text;
    n.kind = kind;
    n.in_reply_to = in_reply_to ? in_reply_to : ids->n ? ids->v[0] : NULL;
    n.references = refs;
    n.nreferences = ids->n;
    n.auto_submitted = auto_submitted;
    n.attachments = atts;
    n.nattachments = natts;
    rc = mail_queue(db, cfg, &n);
    free(ids);
    return rc;
}

int mail__queue_ack(struct db *db, const struct mail_config *cfg, const struct ticket_rec *t,
                    const struct mail_parsed *m, int *queued)
{
    *queued = 0;
    if (!deliverable(t->requester_email))
        return 0;
    int64_t recent = 0;
    int rc =
        store_outbox_count_since(db, t->requester_email, "ack", fd_now_ms() - 3600 * 1000, &recent);
    if (rc || recent >= cfg->ack_per_hour)
        return rc;
    char ref[32];
    tickets_format_ref(t->id, ref, sizeof(ref));
    struct department_rec dept;
    if (store_department_by_slug(db, t->department, &dept) != 0)
        snprintf(dept.name, sizeof(dept.name), "%s", t->department);
    char expect[256];
    reports_expect_sentence(db, t->department, "email", t->priority, expect, sizeof(expect));
    char *text = xasprintf(
        "Hello %s,\n\nWe received your request %s (\"%s\"); it is with our %s team.\n"
        "%s Urgent account-security issues "
        "are answered first.\n\nTo add information, reply to this email and keep [%s] in "
        "the subject. You can also follow the request at %s/support#/tickets/%s\n\n"
        "Frontdesk staff will never ask for your password, 2FA codes, seed phrase or private "
        "keys, and will never ask you to move funds.\n",
        t->requester_name, ref, t->subject, dept.name,
        expect[0] ? expect : "An agent usually replies within one business day.", ref,
        cfg->base_url, ref);
    rc = mail_queue_ticket(db, cfg, t, "ack", text, m->message_id, 1);
    free(text);
    if (rc == 0)
        *queued = 1;
    return rc;
}

/* ---- notifications of agents' public replies ---------------------------------- */

struct notify_ctx {
    struct db *db;
    const struct mail_config *cfg;
    int64_t last;
    int rc;
};

struct find_msg {
    int64_t id;
    char *body;
};

/* The files of one message, read back from the attachment store for the email. */
struct msg_files {
    const struct mail_config *cfg;
    int64_t message_id;
    struct mail_attachment v[MAIL_MAX_ATTACHMENTS];
    int n;
};

static int collect_file(void *ctx, const struct attachment_rec *a)
{
    struct msg_files *f = ctx;
    if (a->message_id != f->message_id || f->n == MAIL_MAX_ATTACHMENTS)
        return 0;
    char dir[2048];
    snprintf(dir, sizeof(dir), "%s/attachments", f->cfg->data_dir);
    char *data = NULL;
    size_t len = 0;
    if (fd_blob_get(dir, a->sha256, &data, &len) != 0)
        return 0; /* a missing file is left out rather than blocking the reply */
    struct mail_attachment *m = &f->v[f->n++];
    m->filename = xstrdup(a->filename);
    m->content_type = xstrdup(a->content_type);
    m->data = (unsigned char *)data;
    m->len = len;
    return 0;
}

static void free_files(struct msg_files *f)
{
    for (int i = 0; i < f->n; i++) {
        free(f->v[i].filename);
        free(f->v[i].content_type);
        free(f->v[i].data);
    }
}

static int find_message(void *ctx, const struct message_rec *m)
{
    struct find_msg *f = ctx;
    if (m->id == f->id) {
        f->body = xstrdup(m->body ? m->body : "");
        return 1;
    }
    return 0;
}

static int notify_event(void *ctx, const struct event_rec *e)
{
    struct notify_ctx *n = ctx;
    n->last = e->id;
    if (strcmp(e->type, "message_added") != 0 || !e->ticket_id || !e->actor_id || !e->data)
        return 0;
    json_t *d = json_loads(e->data, 0, NULL);
    json_t *after = json_object_get(d, "after");
    int internal = json_is_true(json_object_get(after, "internal"));
    int64_t mid = json_integer_value(json_object_get(after, "message_id"));
    json_decref(d);
    if (internal || !mid)
        return 0;
    struct user_rec author;
    if (store_user_get(n->db, e->actor_id, &author) != 0 || author.role == ROLE_CUSTOMER ||
        author.disabled)
        return 0; /* customers' own messages and system notes are not mailed back */
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct find_msg f = {mid, NULL};
    int rc = store_ticket_get(n->db, e->ticket_id, t);
    if (rc == 0 && deliverable(t->requester_email))
        rc = store_message_list(n->db, t->id, 0, find_message, &f);
    if (rc == 0 && f.body) {
        char ref[32];
        tickets_format_ref(t->id, ref, sizeof(ref));
        char *text = xasprintf("%s\n\n-- \n%s from Frontdesk Support replied to your request %s.\n"
                               "Reply to this email to answer, or follow it at "
                               "%s/support#/tickets/%s\n",
                               f.body, author.name, ref, n->cfg->base_url, ref);
        struct msg_files *files = xcalloc(1, sizeof(*files));
        files->cfg = n->cfg;
        files->message_id = mid;
        rc = store_attachment_list(n->db, t->id, collect_file, files);
        if (rc == 0)
            rc = queue_ticket(n->db, n->cfg, t, "reply", text, NULL, 0, files->v, files->n);
        free_files(files);
        free(files);
        free(text);
    }
    free(f.body);
    free(t);
    if (rc) {
        n->rc = rc;
        return 1;
    }
    return 0;
}

static int notify_step(struct db *db, const struct mail_config *cfg)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t last = 0;
    if ((rc = store_cursor_get(db, NOTIFY_CURSOR, &last)))
        goto out;
    if (last < 0) {
        /* First run: only what happens from now on is mailed, not the history. */
        rc = store_cursor_start(db, NOTIFY_CURSOR, &last);
        goto commit;
    }
    struct notify_ctx n = {db, cfg, last, 0};
    if ((rc = store_event_list_after(db, last, 200, notify_event, &n)) || (rc = n.rc))
        goto out;
    if (n.last != last)
        rc = store_cursor_set(db, NOTIFY_CURSOR, n.last);
commit:
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

/* ---- deliveries ------------------------------------------------------------- */

struct due {
    struct outbox_rec *v;
    int n, cap;
};

static int collect_due(void *ctx, const struct outbox_rec *o)
{
    struct due *d = ctx;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = xrealloc(d->v, (size_t)d->cap * sizeof(*d->v));
    }
    d->v[d->n++] = *o;
    return 0;
}

static int record_failure_note(struct db *db, const struct outbox_rec *o, const char *error)
{
    if (!o->ticket_id)
        return 0;
    struct user_rec sys;
    int rc = mail__system_user(db, &sys);
    if (rc)
        return rc;
    struct auth_actor a = {.user = sys, .scopes = SCOPE_ALL};
    char note[512];
    snprintf(note, sizeof(note), "Email to %.200s could not be delivered (%s): %.250s", o->rcpt,
             o->kind, error);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    rc = tickets_reply_in_txn(db, &a, "email", o->ticket_id, note, 1, t, NULL, NULL);
    free(t);
    return rc;
}

static int deliver(struct db *db, const struct mail_worker_config *cfg, const struct outbox_rec *o)
{
    char *raw = NULL;
    size_t len = 0;
    struct fd_error err = {0};
    int rc = mail_raw_get(&cfg->mail, o->sha256, &raw, &len);
    int sent;
    if (rc) {
        sent = FD_EINVAL;
        fd_fail(&err, FD_EINVAL, NULL, "the recorded message is missing");
    } else {
        sent = mail_smtp_send(&cfg->smtp, o->mail_from, o->rcpt, raw, len, &err);
    }
    free(raw);
    int64_t now = fd_now_ms();
    int attempts = o->attempts + 1;
    const char *status = "sent";
    int64_t next = now;
    if (sent) {
        int permanent = sent == FD_EINVAL || attempts >= cfg->max_attempts;
        status = permanent ? "failed" : "queued";
        long delay = cfg->retry_base_s;
        for (int i = 1; i < attempts && delay < MAX_BACKOFF_S; i++)
            delay *= 2;
        if (delay > MAX_BACKOFF_S)
            delay = MAX_BACKOFF_S;
        next = now + delay * 1000;
        log_printf(LOG_WARN, "mail", "msg=\"delivery failed\" outbox=%lld attempt=%d final=%d",
                   (long long)o->id, attempts, permanent);
    }
    if ((rc = db_begin_write(db)))
        return rc;
    rc = store_outbox_attempt(db, o->id, sent == 0, sent ? err.message : "", status, next, now);
    if (rc == 0 && strcmp(status, "failed") == 0)
        rc = record_failure_note(db, o, err.message[0] ? err.message : "delivery failed");
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

static int deliver_step(struct db *db, const struct mail_worker_config *cfg)
{
    if (!cfg->smtp.url || !*cfg->smtp.url)
        return 0; /* no SMTP server configured: deliveries wait in the outbox */
    struct due d = {0};
    int rc = store_outbox_due(db, fd_now_ms(), 20, collect_due, &d);
    for (int i = 0; rc == 0 && i < d.n; i++)
        rc = deliver(db, cfg, &d.v[i]);
    free(d.v);
    return rc;
}

static int imap_step(struct store *s, const struct mail_worker_config *cfg)
{
    /* Each mailbox logs its own failures (imap.c); one down server does not stop the
     * others, nor the worker's other steps. */
    for (int i = 0; cfg->imap_urls && cfg->imap_urls[i]; i++)
        mail__imap_poll(s, cfg, cfg->imap_urls[i]);
    return 0;
}

int mail_worker_run_once(struct store *s, const struct mail_worker_config *cfg)
{
    struct db *db = store_acquire(s);
    int rc = notify_step(db, &cfg->mail);
    rc = rc ? rc : csat_mail_step(db, &cfg->mail); /* surveys of solved tickets */
    int rc2 = deliver_step(db, cfg);
    store_release(s, db);
    imap_step(s, cfg);
    return rc ? rc : rc2;
}

struct mail_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    struct store *store;
    struct mail_worker_config cfg;
};

static void *worker_main(void *arg)
{
    struct mail_worker *w = arg;
    int64_t next_imap = 0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        struct db *db = store_acquire(w->store);
        int rc = notify_step(db, &w->cfg.mail);
        rc = rc ? rc : csat_mail_step(db, &w->cfg.mail); /* surveys of solved tickets */
        int rc2 = deliver_step(db, &w->cfg);
        store_release(w->store, db);
        if (!rc)
            rc = rc2;
        if (fd_mono_us() / 1000 >= next_imap) {
            imap_step(w->store, &w->cfg);
            next_imap = fd_mono_us() / 1000 + w->cfg.imap_poll_ms;
        }
        if (rc)
            log_printf(LOG_WARN, "mail", "msg=\"worker step failed\" err=\"%s\"", fd_strerror(rc));
        pthread_mutex_lock(&w->mu);
        if (w->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += w->cfg.poll_ms / 1000;
        ts.tv_nsec += (w->cfg.poll_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int mail_worker_start(struct store *s, const struct mail_worker_config *cfg,
                      struct mail_worker **out)
{
    struct mail_worker *w = xcalloc(1, sizeof(*w));
    w->store = s;
    w->cfg = *cfg;
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

void mail_worker_stop(struct mail_worker *w)
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
