/* Live chat, the domain part: the queue, routing, messages and the chat's lifecycle. */
#include "chat.h"

#include "../auth/auth.h"
#include "../safety/verify.h"
#include "../core/blob.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../mail/mail.h"
#include "../routing/routing.h"
#include "../status/status.h"
#include "../safety/clamd.h"
#include "../safety/scan.h"
#include "../store/store.h"
#include "../sla/sla.h"
#include "../tickets/tickets.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CAPACITY 3
#define DEFAULT_HANDLING_S 300
#define CLIENT_ID_MAX 64
#define COMMENT_MAX 1000
#define HOURS_MAX 28

/* ---- helpers ------------------------------------------------------------------ */

static void token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

static int check_text(const char *s, const char *field, size_t max, struct fd_error *err)
{
    if (!s)
        return fd_fail(err, FD_EINVAL, field, "%s is required", field);
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!*p)
        return fd_fail(err, FD_EINVAL, field, "%s must not be empty", field);
    size_t n = strlen(s);
    if (n > max)
        return fd_fail(err, FD_EINVAL, field, "%s is too long (%zu bytes, at most %zu)", field, n,
                       max);
    return 0;
}

/* Writes the event row of a chat change: data is {"chat_id":id, ...extra}. */
static int chat_event(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type,
                      int64_t chat_id, json_t *extra, int64_t now)
{
    json_t *d = extra ? extra : json_object();
    json_object_set_new(d, "chat_id", json_integer(chat_id));
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, actor_id, type, text, now);
    free(text);
    return rc;
}

/* Appends a message with the chat's next sequence number. */
static int add_msg(struct db *db, int64_t chat_id, int64_t author_id, const char *kind,
                   const char *body, const char *client_id, int64_t attachment_id, int64_t now,
                   int64_t *seq_out)
{
    struct chat_msg_rec m;
    memset(&m, 0, sizeof(m));
    char *clean = NULL;
    unsigned secrets = 0;
    int rc = author_id ? safety_chat_redact(&body, &clean, &secrets) : 0;
    if (rc || (rc = store_chat_next_seq(db, chat_id, &m.seq)))
        goto out;
    m.chat_id = chat_id;
    m.author_id = author_id;
    snprintf(m.kind, sizeof(m.kind), "%s", kind);
    m.body = body;
    m.attachment_id = attachment_id;
    m.created_at = now;
    if ((rc = store_chat_msg_insert(db, &m, client_id)) ||
        (rc = safety_chat_record(db, chat_id, author_id, secrets, now)))
        goto out;
    if (seq_out)
        *seq_out = m.seq;
out:
    free(clean);
    return rc;
}

static int system_msg(struct db *db, int64_t chat_id, const char *kind, int64_t now,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int system_msg(struct db *db, int64_t chat_id, const char *kind, int64_t now,
                      const char *fmt, ...)
{
    char text[CHAT_BODY_MAX + 200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return add_msg(db, chat_id, 0, kind, text, NULL, 0, now, NULL);
}

int chat_role(struct db *db, const struct chat_who *w, const struct chat_rec *c, int64_t *user_id)
{
    const struct auth_actor *a = w ? w->actor : NULL;
    if (a) {
        int64_t me = a->user.id;
        if (user_id)
            *user_id = me;
        if (me == c->customer_id)
            return CHAT_ROLE_CUSTOMER;
        if (auth_is_staff(a) && c->agent_id == me)
            return CHAT_ROLE_AGENT;
        if (auth_sees_all(a))
            return CHAT_ROLE_SUPERVISOR;
    }
    if (w && w->token && strlen(w->token) == CHAT_TOKEN_HEX) {
        char stored[80] = "", hash[65];
        if (store_chat_token_hash(db, c->id, stored, sizeof(stored)) || strlen(stored) != 64)
            return CHAT_ROLE_NONE;
        token_hash(w->token, hash);
        if (sodium_memcmp(hash, stored, 64) == 0) {
            if (user_id)
                *user_id = c->customer_id;
            return CHAT_ROLE_CUSTOMER;
        }
    }
    return CHAT_ROLE_NONE;
}

/* Reads a chat w may see; *role gets w's role. */
static int get_visible(struct db *db, const struct chat_who *w, int64_t id, struct chat_rec *c,
                       int *role, int64_t *user_id)
{
    int rc = store_chat_get(db, id, c);
    if (rc)
        return rc;
    int r = chat_role(db, w, c, user_id);
    if (r == CHAT_ROLE_NONE)
        return FD_ENOTFOUND;
    if (role)
        *role = r;
    return 0;
}

static int is_open_status(const struct chat_rec *c)
{
    return strcmp(c->status, "queued") == 0 || strcmp(c->status, "active") == 0;
}

/* ---- availability and estimates ---------------------------------------------- */

struct agent_count {
    int online, available;
    int64_t free_slots;          /* the sum of capacity - active over the online agents */
    struct chat_agent_rec first; /* the first agent with spare capacity */
};

static int count_agent(void *ctx, const struct chat_agent_rec *a)
{
    struct agent_count *c = ctx;
    c->online++;
    if (a->active < a->capacity) {
        if (c->available == 0)
            c->first = *a;
        c->available++;
        c->free_slots += a->capacity - a->active;
    }
    return 0;
}

static int count_chat(void *ctx, const struct chat_rec *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

int chat_estimate(struct db *db, int64_t department_id, int tier, int position, int64_t *estimate_s)
{
    struct agent_count ac;
    memset(&ac, 0, sizeof(ac));
    int64_t mean_ms = 0;
    int n = 0;
    int rc = store_chat_agents(db, department_id, tier, count_agent, &ac);
    if (rc == 0)
        rc = store_chat_handling_ms(db, department_id, &mean_ms, &n);
    if (rc)
        return rc;
    int64_t mean_s = n ? (mean_ms + 500) / 1000 : DEFAULT_HANDLING_S;
    int64_t k = ac.online > 1 ? ac.online : 1;
    /* The first free_slots chats of the queue are taken at once. Any other waits for
     * chats to end: with nobody free the chat at the head waits for the first end
     * (position + 1 endings, k agents ending chats in parallel). */
    int64_t waiting = (int64_t)position - ac.free_slots + 1;
    int64_t rounds = waiting > 0 ? (waiting + k - 1) / k : 0;
    *estimate_s = rounds * mean_s;
    return 0;
}

struct hours_ctx {
    int64_t now_ms;
    int n, open;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int check_hours(void *ctx, const struct dept_hours_rec *h)
{
    struct hours_ctx *c = ctx;
    c->n++;
    int64_t local_min = floor_div(c->now_ms, 60000) + h->offset_min;
    int64_t days = floor_div(local_min, 1440);
    int minute = (int)(local_min - days * 1440);
    int day = (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4) */
    if (day == h->day && minute >= h->open_min && minute < h->close_min)
        c->open = 1;
    return 0;
}

static int availability_impl(struct db *db, const struct department_rec *d, int64_t now_ms,
                             struct chat_availability *out)
{
    struct hours_ctx hc = {now_ms, 0, 0};
    struct agent_count ac;
    memset(&ac, 0, sizeof(ac));
    int queued = 0;
    int rc = store_dept_hours_list(db, d->id, check_hours, &hc);
    if (rc == 0)
        rc = store_chat_agents(db, d->id, 1, count_agent, &ac);
    if (rc == 0)
        rc = store_chat_queue(db, d->id, 1, count_chat, &queued);
    int64_t est = 0;
    if (rc == 0)
        rc = chat_estimate(db, d->id, 1, queued, &est);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    out->agents_available = ac.available;
    out->queue_length = queued;
    out->estimate_s = est;
    if (hc.n > 0 && !hc.open)
        out->reason = "closed";
    else if (ac.online == 0)
        out->reason = "no_agents";
    else if (ac.available == 0)
        out->reason = "full";
    else
        out->reason = "ok";
    out->online = strcmp(out->reason, "ok") == 0;
    return 0;
}

static int department(struct db *db, const char *slug, struct department_rec *d,
                      struct fd_error *err)
{
    if (!slug || !*slug)
        return fd_fail(err, FD_EINVAL, "department", "department is required");
    int rc = store_department_by_slug(db, slug, d);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, FD_EINVAL, "department", "unknown department \"%.40s\"", slug);
    return rc;
}

int chat_availability(struct db *db, const char *dept, int64_t now_ms,
                      struct chat_availability *out, struct fd_error *err)
{
    struct department_rec d;
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    if ((rc = department(db, dept, &d, err)) == 0)
        rc = availability_impl(db, &d, now_ms, out);
    db_rollback(db);
    return rc;
}

int chat_position(struct db *db, const struct chat_rec *c, int *position, int64_t *estimate_s)
{
    if (strcmp(c->status, "queued") != 0) {
        *position = 0;
        *estimate_s = 0;
        return 0;
    }
    int ahead = 0;
    int64_t est = 0;
    int rc = store_chat_queue_ahead(db, c, &ahead);
    if (rc == 0)
        rc = chat_estimate(db, c->department_id, c->tier, ahead, &est);
    if (rc)
        return rc;
    *position = ahead;
    *estimate_s = est;
    return 0;
}

/* Stores the estimate of a chat that was just queued. */
static int store_estimate(struct db *db, struct chat_rec *c)
{
    int pos;
    int64_t est;
    int rc = chat_position(db, c, &pos, &est);
    if (rc)
        return rc;
    c->estimate_s = est;
    return store_chat_update(db, c);
}

/* ---- starting ----------------------------------------------------------------- */

/* The customer a visitor chats as: found or created by email. Staff addresses are
 * refused, so nobody can open a chat in an agent's name. */
static int visitor(struct db *db, const char *email, const char *name, struct user_rec *u,
                   struct fd_error *err)
{
    if (!email || !*email)
        return fd_fail(err, FD_EINVAL, "email", "email is required unless you sign in");
    if (name && strlen(name) > FD_NAME_MAX)
        return fd_fail(err, FD_EINVAL, "name", "name is too long (at most %d bytes)", FD_NAME_MAX);
    int rc = tickets_customer_for_email(db, email, name, u, err);
    if (rc) {
        if (rc == FD_EINVAL)
            snprintf(err->field, sizeof(err->field), "email");
        return rc;
    }
    if (u->role != ROLE_CUSTOMER || u->disabled)
        return fd_fail(err, FD_EFORBIDDEN, "email", "sign in to use this email address");
    return 0;
}

int chat_start(struct db *db, const struct auth_actor *a, const char *email, const char *name,
               const char *dept, const char *message, struct chat_rec *out, char *token_out,
               struct fd_error *err)
{
    int rc;
    if ((rc = check_text(message, "message", CHAT_BODY_MAX, err)))
        return rc;
    if (a && auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "agents cannot start a chat");
    if ((rc = db_begin_write(db)))
        return rc;
    struct department_rec d;
    struct chat_availability av;
    struct user_rec cust;
    int64_t now = fd_now_ms();
    if ((rc = department(db, dept, &d, err)) || (rc = availability_impl(db, &d, now, &av)))
        goto out;
    /* Online (a free slot), or busy (every online agent at capacity): then the customer
     * may wait in the queue, told their position and estimate. Outside business hours or
     * with nobody online the answer is "leave a message". */
    if (!av.online && strcmp(av.reason, "full") != 0) {
        rc = fd_fail(err, FD_ECONFLICT, "department",
                     "live chat is not available now (%s): leave a message instead", av.reason);
        goto out;
    }
    if (a)
        cust = a->user;
    else if ((rc = visitor(db, email, name, &cust, err)))
        goto out;
    char token[CHAT_TOKEN_HEX + 1] = "", hash[65];
    if (!a) {
        unsigned char r[32];
        randombytes_buf(r, sizeof(r));
        sodium_bin2hex(token, sizeof(token), r, sizeof(r));
        sodium_memzero(r, sizeof(r));
        token_hash(token, hash);
    }
    struct chat_rec c;
    memset(&c, 0, sizeof(c));
    c.department_id = d.id;
    c.tier = 1;
    c.customer_id = cust.id;
    snprintf(c.status, sizeof(c.status), "queued");
    c.created_at = c.queued_at = now;
    if ((rc = store_chat_insert(db, &c, a ? NULL : hash)) || (rc = store_estimate(db, &c)) ||
        (rc = add_msg(db, c.id, cust.id, "message", message, NULL, 0, now, NULL)) ||
        (rc = status_chat_autolink(db, c.id, message, now, NULL)) || /* incident mode */
        (rc = chat_event(db, 0, cust.id, "chat_started", c.id,
                         json_pack("{s:s, s:i, s:I}", "department", d.slug, "tier", 1, "estimate_s",
                                   (json_int_t)c.estimate_s),
                         now)) ||
        (rc = db_commit(db)))
        goto out;
    rc = store_chat_get(db, c.id, out);
    if (token_out)
        memcpy(token_out, token, sizeof(token));
out:
    db_rollback(db);
    return rc;
}

int chat_get(struct db *db, const struct chat_who *w, int64_t id, struct chat_rec *out)
{
    return get_visible(db, w, id, out, NULL, NULL);
}

/* ---- messages ----------------------------------------------------------------- */

int chat_post(struct db *db, const struct chat_who *w, int64_t chat_id, const char *body,
              const char *client_id, int64_t attachment_id, int64_t *seq, int *duplicate,
              struct fd_error *err)
{
    int rc;
    if (attachment_id && (!body || !*body))
        body = "(attachment)";
    if ((rc = check_text(body, "body", CHAT_BODY_MAX, err)))
        return rc;
    if (client_id && (!*client_id || strlen(client_id) > CLIENT_ID_MAX))
        return fd_fail(err, FD_EINVAL, "client_id", "client_id must be 1 to %d characters",
                       CLIENT_ID_MAX);
    if ((rc = db_begin_write(db)))
        return rc;
    struct chat_rec c;
    int role = 0;
    int64_t me = 0;
    int64_t now = fd_now_ms();
    if ((rc = get_visible(db, w, chat_id, &c, &role, &me)))
        goto out;
    if (role == CHAT_ROLE_SUPERVISOR) {
        rc = fd_fail(err, FD_EFORBIDDEN, NULL, "only the chat's customer and agent may write");
        goto out;
    }
    if (role != CHAT_ROLE_CUSTOMER && (rc = safety_outbound_check(body, "body", err)))
        goto out;
    if (client_id) {
        int64_t first = 0;
        rc = store_chat_msg_by_client(db, chat_id, me, client_id, &first);
        if (rc == 0) {
            *seq = first;
            if (duplicate)
                *duplicate = 1;
            goto out;
        }
        if (rc != FD_ENOTFOUND)
            goto out;
    }
    int open = role == CHAT_ROLE_CUSTOMER ? is_open_status(&c) : strcmp(c.status, "active") == 0;
    if (!open) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "the chat is %s", c.status);
        goto out;
    }
    int64_t s = 0;
    if ((rc = add_msg(db, chat_id, me, "message", body, client_id, attachment_id, now, &s)) ||
        (rc = chat_event(db, 0, me, "chat_message", chat_id, json_pack("{s:I}", "seq", s), now)) ||
        (rc = db_commit(db)))
        goto out;
    *seq = s;
    if (duplicate)
        *duplicate = 0;
out:
    db_rollback(db);
    return rc;
}

int chat_messages(struct db *db, const struct chat_who *w, int64_t chat_id, int64_t after,
                  chat_msg_cb cb, void *ctx)
{
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    struct chat_rec c;
    int role = 0;
    if ((rc = get_visible(db, w, chat_id, &c, &role, NULL)) == 0)
        rc = store_chat_msg_list(db, chat_id, after, role != CHAT_ROLE_CUSTOMER, cb, ctx);
    db_rollback(db);
    return rc;
}

int chat_read(struct db *db, const struct chat_who *w, int64_t chat_id, int64_t seq)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct chat_rec c;
    int64_t me = 0;
    if ((rc = get_visible(db, w, chat_id, &c, NULL, &me)))
        goto out;
    if (seq < 0 || seq > c.last_seq) {
        rc = FD_EINVAL;
        goto out;
    }
    if ((rc = store_chat_read_set(db, chat_id, me, seq)) == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

/* ---- files --------------------------------------------------------------------- */

/* Keeps printable ASCII except separators and quotes: the name goes into a
 * Content-Disposition header (the same rule as ticket attachments). */
static int safe_filename(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (const char *p = in; *p && j + 1 < n; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f || c == '/' || c == '\\' || c == '"' || c == ';')
            out[j++] = '_';
        else
            out[j++] = (char)c;
    }
    out[j] = '\0';
    return j ? 0 : FD_EINVAL;
}

static void blob_dir(const char *data_dir, char *out, size_t n)
{
    snprintf(out, n, "%s/attachments", data_dir);
}

void chat_file_url(int64_t chat_id, int64_t file_id, char *out, size_t n)
{
    snprintf(out, n, "/api/v1/chat/%lld/attachments/%lld", (long long)chat_id, (long long)file_id);
}

struct json_t *chat_attachment_json(const struct chat_msg_rec *m)
{
    if (!m->attachment_id)
        return json_null();
    char url[96];
    chat_file_url(m->chat_id, m->attachment_id, url, sizeof(url));
    return json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)m->attachment_id, "filename",
                     m->attachment_filename, "content_type", m->attachment_content_type, "size",
                     (json_int_t)m->attachment_size, "url", url);
}

int chat_attach(struct db *db, const struct chat_who *w, int64_t chat_id, const char *data_dir,
                const char *filename, const void *data, size_t len, size_t max,
                struct chat_file_rec *out, int64_t *seq, struct fd_error *err)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct chat_rec c;
    struct chat_file_rec f;
    memset(&f, 0, sizeof(f));
    int role = 0;
    int64_t me = 0, now = fd_now_ms(), s = 0;
    /* Who may write comes first: someone else's chat is 404 whatever they send. */
    if ((rc = get_visible(db, w, chat_id, &c, &role, &me)))
        goto out;
    if (role == CHAT_ROLE_SUPERVISOR) {
        rc = fd_fail(err, FD_EFORBIDDEN, NULL, "only the chat's customer and agent may write");
        goto out;
    }
    int open = role == CHAT_ROLE_CUSTOMER ? is_open_status(&c) : strcmp(c.status, "active") == 0;
    if (!open) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "the chat is %s", c.status);
        goto out;
    }
    if (len == 0) {
        rc = fd_fail(err, FD_EINVAL, "body", "the file is empty");
        goto out;
    }
    if (len > max) {
        rc = fd_fail(err, FD_ELIMIT, "body", "files may be at most %zu bytes", max);
        goto out;
    }
    if (safe_filename(filename && *filename ? filename : "attachment", f.filename,
                      sizeof(f.filename))) {
        rc = fd_fail(err, FD_EINVAL, "filename", "filename is empty");
        goto out;
    }
    int sniffed = tickets_sniff_type(data, len, f.content_type, sizeof(f.content_type));
    if (sniffed || !tickets_attachment_type_allowed(f.content_type)) {
        rc = fd_fail(err, FD_ETYPE, "body",
                     "files must be PNG, JPEG, GIF, WebP, PDF or plain text (this file is %s)",
                     sniffed ? "of an unknown type" : f.content_type);
        goto out;
    }
    if ((rc = safety_clamd_scan(data, len, NULL, 0, err)))
        goto out;
    char dir[2048];
    blob_dir(data_dir, dir, sizeof(dir));
    fd_sha256_hex(data, len, f.sha256);
    /* Durable before the row that names it is committed. */
    if ((rc = fd_blob_put(dir, f.sha256, data, len)))
        goto out;
    f.chat_id = chat_id;
    f.uploader_id = me;
    f.size = (int64_t)len;
    f.created_at = now;
    if ((rc = store_chat_file_insert(db, &f)) ||
        (rc = add_msg(db, chat_id, me, "message", f.filename, NULL, f.id, now, &s)) ||
        (rc = chat_event(db, 0, me, "chat_message", chat_id,
                         json_pack("{s:I, s:I, s:I, s:s}", "seq", (json_int_t)s, "file_id",
                                   (json_int_t)f.id, "size", (json_int_t)f.size, "content_type",
                                   f.content_type),
                         now)) ||
        (rc = db_commit(db)))
        goto out;
    *out = f;
    *seq = s;
out:
    db_rollback(db);
    return rc;
}

int chat_file_get(struct db *db, const struct chat_who *w, int64_t chat_id, int64_t file_id,
                  const char *data_dir, struct chat_file_rec *out, char *path, size_t pathlen)
{
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    struct chat_rec c;
    struct chat_file_rec f;
    if ((rc = get_visible(db, w, chat_id, &c, NULL, NULL)) == 0 &&
        (rc = store_chat_file_get(db, chat_id, file_id, &f)) == 0) {
        *out = f;
        char dir[2048];
        blob_dir(data_dir, dir, sizeof(dir));
        fd_blob_path(dir, f.sha256, path, pathlen);
    }
    db_rollback(db);
    return rc;
}

/* ---- search --------------------------------------------------------------------- */

int chat_search(struct db *db, const struct auth_actor *a, const char *dept, struct chat_search *s,
                int (*cb)(void *, const struct chat_rec *), void *ctx, struct fd_error *err)
{
    static const char *const statuses[] = {"queued", "active", "ended", "converted", NULL};
    if (s->text && strlen(s->text) > CHAT_SEARCH_TEXT_MAX)
        return fd_fail(err, FD_EINVAL, "q", "q: at most %d characters", CHAT_SEARCH_TEXT_MAX);
    if (s->status) {
        int ok = 0;
        for (int i = 0; statuses[i]; i++)
            ok |= strcmp(s->status, statuses[i]) == 0;
        if (!ok)
            return fd_fail(err, FD_EINVAL, "status",
                           "status must be queued, active, ended or converted");
    }
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    s->department_id = 0;
    s->customer_id = 0;
    s->include_notes = auth_is_staff(a);
    if (dept && *dept) {
        struct department_rec d;
        if ((rc = department(db, dept, &d, err)))
            goto out;
        s->department_id = d.id;
    }
    if (!auth_is_staff(a)) {
        s->customer_id = a->user.id;
    } else if (!auth_sees_all(a)) {
        /* Agents search their department's chats; asking for another finds nothing. */
        if (!a->user.department_id ||
            (s->department_id && s->department_id != a->user.department_id))
            goto out;
        s->department_id = a->user.department_id;
    }
    rc = store_chat_search(db, s, cb, ctx);
out:
    db_rollback(db);
    return rc;
}

/* ---- agents ------------------------------------------------------------------- */

static int agent_event(struct db *db, int64_t user_id, const char *status, int capacity,
                       int64_t now)
{
    json_t *d = json_pack("{s:s, s:i}", "status", status, "capacity", capacity);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    int rc = text ? store_event_insert(db, 0, user_id, "chat_agent_status", text, now) : FD_ENOMEM;
    free(text);
    return rc;
}

int chat_agent_set_status(struct db *db, const struct auth_actor *a, const char *status,
                          int capacity, struct fd_error *err)
{
    if (!auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only agents take chats");
    if (!a->user.department_id || !a->user.tier)
        return fd_fail(err, FD_EINVAL, "status",
                       "only staff with a department and a tier can take chats");
    if (!status ||
        (strcmp(status, "online") && strcmp(status, "away") && strcmp(status, "offline")))
        return fd_fail(err, FD_EINVAL, "status", "status must be online, away or offline");
    if (capacity && (capacity < 1 || capacity > 20))
        return fd_fail(err, FD_EINVAL, "capacity", "capacity must be from 1 to 20");
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    char old[12] = "offline";
    int cap = DEFAULT_CAPACITY, active = 0;
    rc = store_agent_presence_get(db, a->user.id, old, sizeof(old), &cap, &active);
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    if (capacity)
        cap = capacity;
    int64_t now = fd_now_ms();
    if ((rc = store_agent_presence_set(db, a->user.id, status, cap, now)) ||
        (rc = agent_event(db, a->user.id, status, cap, now)) ||
        (rc = routing_agent_availability(db, a->user.id, status, a->user.id, NULL)) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}

int chat_agent_get_status(struct db *db, int64_t agent_id, char *status, size_t n, int *capacity,
                          int *active)
{
    int rc = store_agent_presence_get(db, agent_id, status, n, capacity, active);
    if (rc == FD_ENOTFOUND) {
        snprintf(status, n, "offline");
        *capacity = DEFAULT_CAPACITY;
        *active = 0;
        return 0;
    }
    return rc;
}

/* ---- routing ------------------------------------------------------------------ */

struct queue_list {
    struct chat_rec *v;
    int n, cap;
};

static int collect_chat(void *ctx, const struct chat_rec *c)
{
    struct queue_list *q = ctx;
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 16;
        q->v = xrealloc(q->v, (size_t)q->cap * sizeof(*q->v));
    }
    q->v[q->n++] = *c;
    return 0;
}

/* Assigns chat c to agent ag inside the caller's transaction. */
static int assign(struct db *db, struct chat_rec *c, const struct chat_agent_rec *ag, int64_t now)
{
    c->agent_id = ag->id;
    c->assigned_at = now;
    snprintf(c->status, sizeof(c->status), "active");
    int rc;
    char greeting[800];
    if ((rc = store_chat_update(db, c)) || (rc = store_agent_assigned(db, ag->id, now)) ||
        (snprintf(greeting, sizeof(greeting), "%s joined the chat.", ag->name) < 0) ||
        (rc = verify_chat_greeting(db, ag->id, c->customer_id, greeting, greeting,
                                   sizeof(greeting))) ||
        (rc = system_msg(db, c->id, "system", now, "%s", greeting)))
        return rc;
    return chat_event(db, 0, 0, "chat_assigned", c->id,
                      json_pack("{s:I, s:I}", "agent_id", (json_int_t)ag->id, "wait_s",
                                (json_int_t)((now - c->queued_at) / 1000)),
                      now);
}

int chat_route(struct db *db, int64_t *assigned, int max, int *n)
{
    *n = 0;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct queue_list q = {0};
    int64_t now = fd_now_ms();
    int count = 0;
    /* Oldest first across all queues. Within one department and tier a chat that finds
     * no agent means none of the later ones can: nobody is skipped. */
    if ((rc = store_chat_queue(db, 0, 0, collect_chat, &q)))
        goto out;
    for (int i = 0; i < q.n && count < max; i++) {
        struct agent_count ac;
        memset(&ac, 0, sizeof(ac));
        if ((rc = store_chat_agents(db, q.v[i].department_id, q.v[i].tier, count_agent, &ac)))
            goto out;
        if (!ac.available)
            continue;
        if ((rc = assign(db, &q.v[i], &ac.first, now)))
            goto out;
        assigned[count++] = q.v[i].id;
    }
    if ((rc = db_commit(db)))
        goto out;
    *n = count;
out:
    db_rollback(db);
    free(q.v);
    return rc;
}

/* ---- transfer, escalation, conversion, end, rating ------------------------------ */

/* Opens a write transaction and reads a chat the staff member a handles (its agent or
 * a supervisor). On failure the transaction is rolled back. */
static int begin_staff(struct db *db, const struct auth_actor *a, int64_t chat_id,
                       struct chat_rec *c, struct fd_error *err)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct chat_who w = {a, NULL};
    int role = 0;
    if ((rc = get_visible(db, &w, chat_id, c, &role, NULL)) == 0 && role == CHAT_ROLE_CUSTOMER)
        rc = fd_fail(err, FD_EFORBIDDEN, NULL, "only the chat's agent or a supervisor may do this");
    if (rc == 0 && !is_open_status(c))
        rc = fd_fail(err, FD_ECONFLICT, "status", "the chat is %s", c->status);
    if (rc)
        db_rollback(db);
    return rc;
}

int chat_transfer(struct db *db, const struct auth_actor *a, int64_t chat_id, int64_t to_agent,
                  struct fd_error *err)
{
    struct chat_rec c;
    int rc = begin_staff(db, a, chat_id, &c, err);
    if (rc)
        return rc;
    struct user_rec to;
    char status[12] = "";
    int cap = 0, active = 0;
    int64_t now = fd_now_ms();
    rc = store_user_get(db, to_agent, &to);
    if (rc == FD_ENOTFOUND || (rc == 0 && (to.role == ROLE_CUSTOMER || to.disabled))) {
        rc = fd_fail(err, FD_EINVAL, "agent_id", "agent_id %lld is not an active agent",
                     (long long)to_agent);
        goto out;
    }
    if (rc)
        goto out;
    if (to.id == c.agent_id) {
        rc = fd_fail(err, FD_ECONFLICT, "agent_id", "the chat is already with %s", to.name);
        goto out;
    }
    rc = store_agent_presence_get(db, to.id, status, sizeof(status), &cap, &active);
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    if (rc == FD_ENOTFOUND || strcmp(status, "online") != 0 || active >= cap) {
        rc = fd_fail(err, FD_ECONFLICT, "agent_id", "%s is not online with a free chat slot",
                     to.name);
        goto out;
    }
    int64_t from = c.agent_id;
    char greeting[800];
    c.agent_id = to.id;
    if (!c.assigned_at)
        c.assigned_at = now;
    snprintf(c.status, sizeof(c.status), "active");
    if ((rc = store_chat_update(db, &c)) || (rc = store_agent_assigned(db, to.id, now)) ||
        (snprintf(greeting, sizeof(greeting), "The chat was transferred to %s.", to.name) < 0) ||
        (rc = verify_chat_greeting(db, to.id, c.customer_id, greeting, greeting,
                                   sizeof(greeting))) ||
        (rc = system_msg(db, c.id, "system", now, "%s", greeting)) ||
        (rc = chat_event(db, 0, a->user.id, "chat_transferred", c.id,
                         json_pack("{s:I, s:I}", "from", (json_int_t)from, "to", (json_int_t)to.id),
                         now)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

int chat_escalate(struct db *db, const struct auth_actor *a, int64_t chat_id, const char *note,
                  struct fd_error *err)
{
    if (note && strlen(note) > CHAT_BODY_MAX)
        return fd_fail(err, FD_EINVAL, "note", "note is too long (at most %d bytes)",
                       CHAT_BODY_MAX);
    struct chat_rec c;
    int rc = begin_staff(db, a, chat_id, &c, err);
    if (rc)
        return rc;
    int64_t now = fd_now_ms();
    if (c.tier >= 3) {
        rc = fd_fail(err, FD_ECONFLICT, "tier", "the chat is already with tier 3");
        goto out;
    }
    c.tier++;
    c.agent_id = 0;
    c.assigned_at = 0;
    c.queued_at = now;
    snprintf(c.status, sizeof(c.status), "queued");
    if ((rc = store_chat_update(db, &c)) || (rc = store_estimate(db, &c)))
        goto out;
    /* The note is for staff (kind "note"); the customer is told what happens. */
    char *text = note && *note ? xasprintf("Escalated to tier %d: %s", c.tier, note)
                               : xasprintf("Escalated to tier %d.", c.tier);
    rc = add_msg(db, c.id, a->user.id, "note", text, NULL, 0, now, NULL);
    free(text);
    if (rc)
        goto out;
    if ((rc = system_msg(db, c.id, "system", now,
                         "Your chat is being passed to a tier %d specialist. Please stay here.",
                         c.tier)) ||
        (rc = chat_event(db, 0, a->user.id, "chat_escalated", c.id,
                         json_pack("{s:i}", "tier", c.tier), now)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

struct transcript_msg {
    int64_t author_id;
    enum fd_role role;
    char author_name[FD_NAME_MAX + 1];
    char kind[8];
    char *body;
    int64_t created_at;
    struct chat_file_rec *file; /* NULL = none */
};

struct transcript {
    struct transcript_msg *v;
    int n, cap;
};

static int collect_msg(void *ctx, const struct chat_msg_rec *m)
{
    struct transcript *t = ctx;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->v = xrealloc(t->v, (size_t)t->cap * sizeof(*t->v));
    }
    struct transcript_msg *x = &t->v[t->n++];
    x->author_id = m->author_id;
    x->role = m->author_role;
    snprintf(x->author_name, sizeof(x->author_name), "%s", m->author_name);
    snprintf(x->kind, sizeof(x->kind), "%s", m->kind);
    x->body = xstrdup(m->body ? m->body : "");
    x->created_at = m->created_at;
    x->file = NULL;
    if (m->attachment_id) {
        x->file = xcalloc(1, sizeof(*x->file));
        x->file->id = m->attachment_id;
        x->file->chat_id = m->chat_id;
        x->file->uploader_id = m->author_id;
        snprintf(x->file->sha256, sizeof(x->file->sha256), "%s", m->attachment_sha256);
        snprintf(x->file->filename, sizeof(x->file->filename), "%s", m->attachment_filename);
        snprintf(x->file->content_type, sizeof(x->file->content_type), "%s",
                 m->attachment_content_type);
        x->file->size = m->attachment_size;
        x->file->created_at = m->created_at;
    }
    return 0;
}

static void transcript_free(struct transcript *t)
{
    for (int i = 0; i < t->n; i++) {
        free(t->v[i].body);
        free(t->v[i].file);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

/* "Live chat: <the first line of the first message>", cut at a character boundary. */
static void chat_subject(const char *first, char *out, size_t n)
{
    char line[81];
    size_t len = strcspn(first, "\r\n");
    if (len > sizeof(line) - 1) {
        len = sizeof(line) - 1;
        while (len > 0 && ((unsigned char)first[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(line, first, len);
    line[len] = '\0';
    snprintf(out, n, "Live chat: %s", len ? line : "(no text)");
}

/* A chat file becomes an attachment of the converted ticket: a new row naming the same
 * blob (same sha256), linked to the ticket message made of the chat message. */
static int copy_file(struct db *db, int64_t ticket_id, int64_t message_id,
                     const struct transcript_msg *x)
{
    if (!x->file)
        return 0;
    struct attachment_rec att;
    memset(&att, 0, sizeof(att));
    att.ticket_id = ticket_id;
    att.message_id = message_id;
    att.uploader_id = x->file->uploader_id;
    snprintf(att.sha256, sizeof(att.sha256), "%s", x->file->sha256);
    snprintf(att.filename, sizeof(att.filename), "%s", x->file->filename);
    snprintf(att.content_type, sizeof(att.content_type), "%s", x->file->content_type);
    att.size = x->file->size;
    att.created_at = x->file->created_at;
    return store_attachment_insert(db, &att);
}

int chat_convert(struct db *db, const struct auth_actor *a, int64_t chat_id, int64_t *ticket_id,
                 struct fd_error *err)
{
    struct chat_rec c;
    int rc = begin_staff(db, a, chat_id, &c, err);
    if (rc)
        return rc;
    struct transcript tr = {0};
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    struct auth_actor *cust = xcalloc(1, sizeof(*cust));
    int64_t now = fd_now_ms();
    if ((rc = store_chat_msg_list(db, c.id, 0, 1, collect_msg, &tr)) ||
        (rc = store_user_get(db, c.customer_id, &cust->user)))
        goto out;
    cust->scopes = SCOPE_ALL;
    int first = -1;
    for (int i = 0; i < tr.n && first < 0; i++)
        if (strcmp(tr.v[i].kind, "message") == 0 && tr.v[i].author_id == c.customer_id)
            first = i;
    if (first < 0) {
        rc = fd_fail(err, FD_ECONFLICT, NULL, "the customer has not written anything yet");
        goto out;
    }
    char subject[FD_SUBJECT_MAX + 1];
    chat_subject(tr.v[first].body, subject, sizeof(subject));
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = subject;
    in.body = tr.v[first].body;
    in.department = c.department;
    if ((rc = tickets_create_in_txn(db, cust, "chat", &in, t, NULL, err)))
        goto out;
    /* The rest of the transcript keeps its authors and times. Agents' lines are public
     * replies; system lines and internal notes become internal notes of the converting
     * staff member. They are recorded with one "chat_converted" event rather than a
     * message_added event each, so the customer (who was there) is not mailed every
     * line again. */
    int replies = 0;
    for (int i = 0; i < tr.n; i++) {
        if (i == first)
            continue;
        struct message_rec m;
        memset(&m, 0, sizeof(m));
        m.ticket_id = t->id;
        m.created_at = tr.v[i].created_at;
        char *sys = NULL;
        if (strcmp(tr.v[i].kind, "message") == 0 && tr.v[i].author_id) {
            m.author_id = tr.v[i].author_id;
            m.body = tr.v[i].body;
        } else {
            sys = xasprintf("[chat %s] %s", tr.v[i].kind, tr.v[i].body);
            m.author_id = a->user.id;
            m.body = sys;
            m.internal = 1;
        }
        rc = store_message_insert(db, &m);
        free(sys);
        if (rc || (rc = copy_file(db, t->id, m.id, &tr.v[i])))
            goto out;
        replies++;
    }
    /* The first customer message is the ticket's own body; its file (if any) stays
     * with the ticket, unlinked. */
    if ((rc = copy_file(db, t->id, 0, &tr.v[first])))
        goto out;
    if (c.agent_id) {
        t->assignee_id = c.agent_id;
        snprintf(t->status, sizeof(t->status), "open");
    }
    t->updated_at = now;
    char ref[32];
    tickets_format_ref(t->id, ref, sizeof(ref));
    snprintf(c.status, sizeof(c.status), "converted");
    c.ended_at = now;
    c.ticket_id = t->id;
    if ((rc = store_ticket_update(db, t)) || (rc = sla_ticket_changed(db, t->id, now)) ||
        (rc = store_chat_update(db, &c)) ||
        (rc = system_msg(db, c.id, "system", now,
                         "This chat is now ticket %s; we will answer there and by email.", ref)) ||
        (rc = chat_event(db, t->id, a->user.id, "chat_converted", c.id,
                         json_pack("{s:s, s:i}", "ticket", ref, "messages", replies), now)) ||
        (rc = db_commit(db)))
        goto out;
    if (ticket_id)
        *ticket_id = t->id;
out:
    db_rollback(db);
    transcript_free(&tr);
    free(t);
    free(cust);
    return rc;
}

int chat_end(struct db *db, const struct chat_who *w, int64_t chat_id, struct fd_error *err)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct chat_rec c;
    int role = 0;
    int64_t me = 0, now = fd_now_ms();
    if ((rc = get_visible(db, w, chat_id, &c, &role, &me)))
        goto out;
    if (!is_open_status(&c)) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "the chat is %s", c.status);
        goto out;
    }
    const char *reason = role == CHAT_ROLE_CUSTOMER ? "customer" : "agent";
    snprintf(c.status, sizeof(c.status), "ended");
    c.ended_at = now;
    if ((rc = store_chat_update(db, &c)) ||
        (rc = system_msg(db, c.id, "system", now, "The chat was ended by %s.",
                         role == CHAT_ROLE_CUSTOMER ? "the customer" : "the agent")) ||
        (rc = chat_event(db, 0, me, "chat_ended", c.id, json_pack("{s:s}", "reason", reason),
                         now)) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}

int chat_rate(struct db *db, const struct chat_who *w, int64_t chat_id, int rating,
              const char *comment, struct fd_error *err)
{
    if (rating < 1 || rating > 5)
        return fd_fail(err, FD_EINVAL, "rating", "rating must be from 1 to 5");
    if (comment && strlen(comment) > COMMENT_MAX)
        return fd_fail(err, FD_EINVAL, "comment", "comment is too long (at most %d bytes)",
                       COMMENT_MAX);
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct chat_rec c;
    int role = 0;
    int64_t me = 0, now = fd_now_ms();
    if ((rc = get_visible(db, w, chat_id, &c, &role, &me)))
        goto out;
    if (role != CHAT_ROLE_CUSTOMER) {
        rc = fd_fail(err, FD_EFORBIDDEN, NULL, "only the customer rates a chat");
        goto out;
    }
    if (is_open_status(&c)) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "rate the chat after it has ended");
        goto out;
    }
    rc = store_chat_rate(db, c.id, rating, comment);
    if (rc == FD_ECONFLICT)
        rc = fd_fail(err, FD_ECONFLICT, "rating", "the chat was already rated");
    if (rc ||
        (rc = chat_event(db, 0, me, "chat_rated", c.id, json_pack("{s:i}", "rating", rating),
                         now)) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    return rc;
}

/* ---- business hours ------------------------------------------------------------ */

int chat_hours_set(struct db *db, const char *dept, const struct chat_hours *h, int n,
                   int offset_min, struct fd_error *err)
{
    if (n < 0 || n > HOURS_MAX)
        return fd_fail(err, FD_EINVAL, "hours", "at most %d ranges", HOURS_MAX);
    if (offset_min < -720 || offset_min > 840)
        return fd_fail(err, FD_EINVAL, "timezone_offset_min",
                       "timezone_offset_min must be from -720 to 840");
    struct dept_hours_rec r[HOURS_MAX];
    for (int i = 0; i < n; i++) {
        if (h[i].day < 0 || h[i].day > 6)
            return fd_fail(err, FD_EINVAL, "hours", "hours[%d].day must be 0 (Sunday) to 6", i);
        if (h[i].open_min < 0 || h[i].close_min > 1440 || h[i].open_min >= h[i].close_min)
            return fd_fail(err, FD_EINVAL, "hours",
                           "hours[%d]: open must be before close, within the day (split a "
                           "range over midnight in two)",
                           i);
        r[i].day = h[i].day;
        r[i].open_min = h[i].open_min;
        r[i].close_min = h[i].close_min;
        r[i].offset_min = offset_min;
    }
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct department_rec d;
    if ((rc = department(db, dept, &d, err)) || (rc = store_dept_hours_replace(db, d.id, r, n)))
        goto out;
    json_t *data =
        json_pack("{s:s, s:i, s:i}", "department", d.slug, "ranges", n, "offset_min", offset_min);
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    rc = text ? store_event_insert(db, 0, 0, "chat_hours_set", text, fd_now_ms()) : FD_ENOMEM;
    free(text);
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

/* ---- leaving a message, transcripts --------------------------------------------- */

static int deliverable(const char *email)
{
    const char *at = strrchr(email, '@');
    return at && strcmp(at, "@frontdesk.invalid") != 0;
}

int chat_leave_message(struct db *db, const struct mail_config *mail, const struct auth_actor *a,
                       const char *email, const char *name, const char *dept, const char *subject,
                       const char *message, struct ticket_rec *out, struct fd_error *err)
{
    int rc;
    if ((rc = check_text(message, "message", FD_BODY_MAX, err)))
        return rc;
    if (a && auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "agents cannot leave a message here");
    if ((rc = db_begin_write(db)))
        return rc;
    struct auth_actor *who = xcalloc(1, sizeof(*who));
    struct department_rec d;
    if ((rc = department(db, dept, &d, err)))
        goto out;
    if (a)
        *who = *a;
    else if ((rc = visitor(db, email, name, &who->user, err)))
        goto out;
    who->scopes = SCOPE_ALL;
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = subject && *subject ? subject : "Message left in the chat widget";
    in.body = message;
    in.department = d.slug;
    if ((rc = tickets_create_in_txn(db, who, "chat", &in, out, NULL, err)))
        goto out;
    if (!a && mail && deliverable(out->requester_email)) {
        char ref[32];
        tickets_format_ref(out->id, ref, sizeof(ref));
        char *text = xasprintf(
            "Hello %s,\n\nNo agent could chat just now, so we kept your message as request %s "
            "with our %s team. We will answer by email; reply to this email to add "
            "information.\n\nFrontdesk staff will never ask for your password, 2FA codes, seed "
            "phrase or private keys, and will never ask you to move funds.\n",
            out->requester_name, ref, d.name);
        rc = mail_queue_ticket(db, mail, out, "ack", text, NULL, 1);
        free(text);
        if (rc)
            goto out;
    }
    rc = db_commit(db);
out:
    db_rollback(db);
    free(who);
    return rc;
}

/* Queues a mail to the chat's customer (no ticket needed). */
static int queue_transcript(struct db *db, const struct mail_config *cfg, const struct chat_rec *c,
                            const char *text)
{
    char subject[120];
    snprintf(subject, sizeof(subject), "Transcript of your chat #%lld", (long long)c->id);
    struct mail_notice n = {0};
    n.ticket_id = c->ticket_id;
    n.department_id = c->department_id;
    n.to_name = c->customer_name;
    n.to_email = c->customer_email;
    n.subject = subject;
    n.text = text;
    n.kind = "notice";
    n.auto_submitted = 1;
    return mail_queue(db, cfg, &n);
}

int chat_transcript_mail(struct db *db, const struct mail_config *mail, const struct chat_who *w,
                         int64_t chat_id, struct fd_error *err)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct chat_rec c;
    struct transcript tr = {0};
    char *text = NULL;
    int role = 0;
    int64_t me = 0, now = fd_now_ms();
    if ((rc = get_visible(db, w, chat_id, &c, &role, &me)))
        goto out;
    if (role != CHAT_ROLE_CUSTOMER) {
        rc = fd_fail(err, FD_EFORBIDDEN, NULL, "the transcript is mailed to the customer only");
        goto out;
    }
    if (!deliverable(c.customer_email)) {
        rc = fd_fail(err, FD_ECONFLICT, NULL, "there is no email address to send it to");
        goto out;
    }
    if ((rc = store_chat_msg_list(db, c.id, 0, 0, collect_msg, &tr)))
        goto out;
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b,
               "Hello %s,\n\nhere is the transcript of your chat #%lld with our %s team "
               "(times in UTC).\n\n",
               c.customer_name, (long long)c.id, c.department);
    for (int i = 0; i < tr.n; i++) {
        char at[32];
        fd_iso8601(tr.v[i].created_at, at, sizeof(at));
        const char *who = strcmp(tr.v[i].kind, "message") != 0 ? "Frontdesk"
                          : tr.v[i].role == ROLE_CUSTOMER      ? "You"
                                                               : tr.v[i].author_name;
        buf_printf(&b, "[%s] %s: %s\n", at, who, tr.v[i].body);
    }
    buf_puts(&b, "\nFrontdesk staff will never ask for your password, 2FA codes, seed phrase "
                 "or private keys, and will never ask you to move funds.\n");
    text = buf_detach(&b, NULL);
    if (mail && (rc = queue_transcript(db, mail, &c, text)))
        goto out;
    if ((rc = chat_event(db, 0, me, "chat_transcript_mailed", c.id, NULL, now)) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    transcript_free(&tr);
    free(text);
    return rc;
}
