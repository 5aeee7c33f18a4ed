/*
 * The live-chat hub (see hub.h): one thread, one epoll set, every chat WebSocket.
 *
 * Connections. Each upgraded socket becomes a struct conn, non-blocking, watched for
 * input (and output while wslay has queued frames). A wslay server context frames it,
 * but only while there is something in flight: a context costs ~8.8 KiB, so the hub
 * frees it when the connection is idle (no partial frame read, nothing queued to send)
 * and makes a new one on the next event. To know that no partial frame sits inside
 * wslay, the hub counts the bytes it gave wslay and the bytes of the frames wslay
 * finished (frame start/end callbacks). Pings to idle connections are written as a raw
 * 2-byte frame without a context. So an idle connection costs its struct conn, its
 * identity and subscriptions (~1 KiB) plus the kernel's socket and the HTTP server's
 * connection record.
 *
 * Flow control. Frames to a client are queued in its wslay context; when its queue
 * would pass cfg.sendq_max bytes the client is too slow and is closed (1008) instead of
 * stalling the others. The kernel send buffer is capped (SO_SNDBUF) so that the queue
 * actually fills for a client that stopped reading.
 *
 * Closing. A close frame is queued (wslay stops reading); once it is sent the hub shuts
 * down the write side and discards input until the peer closes or close_wait_ms passes,
 * then gives the socket back with http_upgrade_close (never close()).
 *
 * Never destroyed inside a wslay callback: callbacks only queue frames and mark
 * connections; the loop flushes and destroys afterwards.
 *
 * The database: each operation acquires a connection from the store and releases it
 * at once. These are short SQLite calls, but they block the hub thread (and so every
 * chat socket) while they run, including any wait for a free pool connection or the
 * write lock; keep them short.
 *
 * Group commit. A durable commit (fsync) per chat message would serialise the messages
 * behind each other's fsync. So "message" frames are not posted as they are parsed: they
 * wait in h->pend until the round's input has been read, then flush_posts stores all of
 * them in one write transaction (chat_post_batch) and only then sends the acks and the
 * broadcasts, in arrival order: a message is still committed before it is acknowledged
 * or delivered. To keep each connection's frames in order, anything else that touches the
 * database or the chat's state (hello, typing, read, a close) flushes the pending messages
 * first, so the outcome is the one of handling the frames one by one.
 */
#include "hub.h"

#include "../core/err.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../http/http.h"
#include "../safety/scan.h"
#include "../store/store.h"
#include "hub_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#define HUB_MAX_SUBS 64
#define HUB_SNDBUF (64 * 1024)
#define HUB_EVENTS 256
#define HUB_PEND_MAX 512 /* messages in one group commit */

/* ---- pure parts (hub_int.h) ------------------------------------------------------ */

static int get_chat(json_t *root, const char *key, int required, int64_t *out)
{
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v))
        return required ? -1 : 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

int hub__parse(const char *text, size_t len, struct hub_in *in, char *err, size_t errlen)
{
    memset(in, 0, sizeof(*in));
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "malformed JSON");
        return HUB_PARSE_MALFORMED;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "a message must be a JSON object");
        return HUB_PARSE_MALFORMED;
    }
    const char *type = json_string_value(json_object_get(root, "type"));
    if (!type) {
        json_decref(root);
        snprintf(err, errlen, "type must be a string");
        return HUB_PARSE_MALFORMED;
    }
    const char *bad = NULL;
    if (strcmp(type, "hello") == 0) {
        in->type = HUB_HELLO;
        json_t *agent = json_object_get(root, "agent");
        if (agent && !json_is_boolean(agent))
            bad = "agent must be true or false";
        else
            in->agent = agent && json_is_true(agent);
        if (!bad && get_chat(root, "chat", 0, &in->chat) != 0)
            bad = "chat must be a chat id";
        if (!bad && get_chat(root, "last_seq", 0, &in->last_seq) != 0)
            bad = "last_seq must be an integer >= 0";
        if (!bad && in->chat <= 0 && !in->agent)
            bad = "hello needs a chat (or agent:true)";
    } else if (strcmp(type, "message") == 0) {
        in->type = HUB_MESSAGE;
        json_t *body = json_object_get(root, "body");
        json_t *cid = json_object_get(root, "client_id");
        if (get_chat(root, "chat", 1, &in->chat) != 0 || in->chat <= 0)
            bad = "chat must be a chat id";
        else if (!json_is_string(body) ||
                 strlen(json_string_value(body)) != json_string_length(body))
            bad = "body must be a string";
        else if (cid && !json_is_null(cid) &&
                 (!json_is_string(cid) || json_string_length(cid) == 0 ||
                  json_string_length(cid) > HUB_CLIENT_ID_MAX ||
                  strlen(json_string_value(cid)) != json_string_length(cid)))
            bad = "client_id must be a string of 1 to 64 characters";
        if (!bad) {
            in->body = json_string_value(body);
            in->client_id = json_is_string(cid) ? json_string_value(cid) : NULL;
        }
    } else if (strcmp(type, "typing") == 0) {
        in->type = HUB_TYPING;
        if (get_chat(root, "chat", 1, &in->chat) != 0 || in->chat <= 0)
            bad = "chat must be a chat id";
    } else if (strcmp(type, "read") == 0) {
        in->type = HUB_READ;
        if (get_chat(root, "chat", 1, &in->chat) != 0 || in->chat <= 0)
            bad = "chat must be a chat id";
        else if (get_chat(root, "seq", 1, &in->seq) != 0)
            bad = "seq must be an integer >= 0";
    } else {
        json_decref(root);
        snprintf(err, errlen, "unknown message type");
        return HUB_PARSE_UNKNOWN;
    }
    if (bad) {
        json_decref(root);
        snprintf(err, errlen, "%s", bad);
        memset(in, 0, sizeof(*in));
        return HUB_PARSE_MALFORMED;
    }
    in->root = root;
    return HUB_PARSE_OK;
}

void hub__rate_init(struct hub_rate *r, int rate, int64_t now_ms)
{
    r->last_ms = now_ms;
    r->milli = rate * 1000;
}

int hub__rate_take(struct hub_rate *r, int rate, int64_t now_ms)
{
    int64_t cap = (int64_t)rate * 1000;
    int64_t dt = now_ms - r->last_ms;
    if (dt > 0) {
        int64_t m = (int64_t)r->milli + dt * rate; /* rate tokens/s = rate milli-tokens/ms */
        r->milli = (int32_t)(m > cap ? cap : m);
        r->last_ms = now_ms;
    }
    if (r->milli < 1000)
        return 0;
    r->milli -= 1000;
    return 1;
}

int hub__sendq_full(size_t queued, size_t add, size_t cap)
{
    if (queued == 0)
        return 0;
    return queued > cap || add > cap - queued;
}

size_t hub__frame_header_len(uint64_t payload_len)
{
    size_t n = 2 + 4; /* base header + mask key */
    if (payload_len > 65535)
        n += 8;
    else if (payload_len > 125)
        n += 2;
    return n;
}

/* ---- state ----------------------------------------------------------------------- */

struct sub {
    int64_t chat;
    int64_t last_seq; /* highest message seq sent on this connection */
};

enum { OPEN = 0, CLOSE_QUEUED = 1, DRAINING = 2 };

struct conn {
    struct chat_hub *h;
    int fd;
    int idx; /* in h->conns */
    struct http_upgrade *u;
    wslay_event_context_ptr ws; /* NULL while idle */
    struct chat_hub_ident *id;
    char *extra; /* bytes read by the HTTP server after the handshake */
    size_t extra_len, extra_off;
    uint64_t fed, framed, cur_frame; /* byte accounting, see the top comment */
    int frag;                        /* a fragmented data message is being received */
    int agent;                       /* hello with agent:true */
    int state;
    int dirty; /* in h->dirty */
    int dead;  /* to destroy */
    uint32_t evmask;
    int64_t last_rx_ms, next_ping_ms, close_deadline_ms;
    struct hub_rate rate;
    struct sub *subs;
    int nsubs;
};

/* A parsed "message" frame waiting for flush_posts (in.root owned). */
struct pend {
    struct conn *c;
    struct hub_in in;
};

enum cmd_kind { CMD_ADOPT, CMD_CHAT, CMD_USER, CMD_AGENTS };

struct cmd {
    struct cmd *next;
    enum cmd_kind kind;
    int64_t id;
    char dept[32];
    char *json;
    /* adopt */
    struct chat_hub_ident *ident;
    int fd;
    struct http_upgrade *u;
    char *extra;
    size_t extra_len;
};

struct chat_hub {
    struct store *store;
    struct chat_hub_config cfg;
    int ep, evfd;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    struct cmd *head, *tail; /* under mu */
    int stopping;            /* under mu */
    int stopped;             /* under mu: adoptions are refused */
    struct conn **conns;
    int n, cap;
    struct conn **dirty;
    int ndirty, capdirty;
    struct pend *pend; /* messages waiting for the round's group commit */
    int npend, cappend;
    int flushing;
    atomic_long nconn;
    atomic_llong in, out, slow, policy;
};

void chat_hub_config_defaults(struct chat_hub_config *c)
{
    c->ping_s = 30;
    c->idle_s = 75;
    c->msg_max = 16 * 1024;
    c->rate_per_s = 20;
    c->sendq_max = 256 * 1024;
    c->close_wait_ms = 2000;
}

static int64_t now_ms(void)
{
    return fd_mono_us() / 1000;
}

/* ---- wslay callbacks ------------------------------------------------------------- */

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user);

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void)flags;
    struct conn *c = user;
    if (c->extra_off < c->extra_len) {
        size_t n = c->extra_len - c->extra_off;
        if (n > len)
            n = len;
        memcpy(buf, c->extra + c->extra_off, n);
        c->extra_off += n;
        if (c->extra_off == c->extra_len) {
            FD_FREE(c->extra);
            c->extra_len = c->extra_off = 0;
        }
        c->fed += n;
        return (ssize_t)n;
    }
    ssize_t r = recv(c->fd, buf, len, 0);
    if (r > 0) {
        c->fed += (uint64_t)r;
        c->last_rx_ms = now_ms();
        return r;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    c->dead = 1; /* EOF or a socket error */
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    struct conn *c = user;
    ssize_t r = send(c->fd, data, len, MSG_NOSIGNAL | ((flags & WSLAY_MSG_MORE) ? MSG_MORE : 0));
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    c->dead = 1;
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
    (void)ctx;
    (void)user;
    memset(buf, 0, len); /* servers do not mask */
    return 0;
}

static int is_ctrl(uint8_t opcode)
{
    return (opcode & 0x8) != 0;
}

static void frame_start(wslay_event_context_ptr ctx,
                        const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
    (void)ctx;
    struct conn *c = user;
    c->cur_frame = hub__frame_header_len(arg->payload_length) + arg->payload_length;
    if (!is_ctrl(arg->opcode))
        c->frag = !arg->fin;
}

static void frame_end(wslay_event_context_ptr ctx, void *user)
{
    (void)ctx;
    struct conn *c = user;
    c->framed += c->cur_frame;
    c->cur_frame = 0;
}

static const struct wslay_event_callbacks callbacks = {
    recv_cb, send_cb, genmask_cb, frame_start, NULL, frame_end, on_msg,
};

static int ensure_ws(struct conn *c)
{
    if (c->ws)
        return 0;
    if (wslay_event_context_server_init(&c->ws, &callbacks, c) != 0) {
        c->ws = NULL;
        c->dead = 1;
        return -1;
    }
    wslay_event_config_set_max_recv_msg_length(c->ws, c->h->cfg.msg_max);
    c->fed = c->framed = c->cur_frame = 0;
    c->frag = 0;
    return 0;
}

/* ---- sending ---------------------------------------------------------------------- */

static void mark_dirty(struct conn *c)
{
    struct chat_hub *h = c->h;
    if (c->dirty)
        return;
    if (h->ndirty == h->capdirty) {
        h->capdirty = h->capdirty ? h->capdirty * 2 : 64;
        h->dirty = xrealloc(h->dirty, (size_t)h->capdirty * sizeof(*h->dirty));
    }
    h->dirty[h->ndirty++] = c;
    c->dirty = 1;
}

static void flush_posts(struct chat_hub *h);

static void conn_close(struct conn *c, uint16_t code, const char *reason)
{
    if (c->state != OPEN || c->dead)
        return;
    flush_posts(c->h); /* acks of messages read before the close go out before it */
    if (ensure_ws(c) != 0)
        return;
    size_t rlen = reason ? strlen(reason) : 0;
    if (rlen > 120)
        rlen = 120;
    if (code == HUB_CLOSE_POLICY)
        atomic_fetch_add(&c->h->policy, 1);
    wslay_event_queue_close(c->ws, code, (const uint8_t *)reason, rlen);
    wslay_event_shutdown_read(c->ws);
    c->state = CLOSE_QUEUED;
    c->close_deadline_ms = now_ms() + c->h->cfg.close_wait_ms;
    mark_dirty(c);
}

static void conn_send(struct conn *c, const char *text, size_t len)
{
    if (c->state != OPEN || c->dead || ensure_ws(c) != 0)
        return;
    if (hub__sendq_full(wslay_event_get_queued_msg_length(c->ws), len, c->h->cfg.sendq_max)) {
        atomic_fetch_add(&c->h->slow, 1);
        log_printf(LOG_WARN, "chat", "msg=\"websocket closed: client too slow\" fd=%d", c->fd);
        conn_close(c, HUB_CLOSE_POLICY, "too slow: send queue full");
        return;
    }
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)text, len};
    if (wslay_event_queue_msg(c->ws, &m) == 0) {
        atomic_fetch_add(&c->h->out, 1);
        mark_dirty(c);
    }
}

static void conn_send_json(struct conn *c, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (s)
        conn_send(c, s, strlen(s));
    free(s);
}

static void send_error(struct conn *c, const char *code, const char *message)
{
    conn_send_json(c, json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message",
                                message && *message ? message : code));
}

/* ---- subscriptions ---------------------------------------------------------------- */

static struct sub *find_sub(struct conn *c, int64_t chat)
{
    for (int i = 0; i < c->nsubs; i++) {
        if (c->subs[i].chat == chat)
            return &c->subs[i];
    }
    return NULL;
}

static struct sub *add_sub(struct conn *c, int64_t chat)
{
    struct sub *s = find_sub(c, chat);
    if (s)
        return s;
    if (c->nsubs == HUB_MAX_SUBS)
        return NULL;
    c->subs = xrealloc(c->subs, (size_t)(c->nsubs + 1) * sizeof(*c->subs));
    s = &c->subs[c->nsubs++];
    s->chat = chat;
    s->last_seq = 0;
    return s;
}

/* Sends text to every subscriber of chat (except skip). seq > 0: a message event, not
 * sent again to a connection that already has it. staff_only: an internal note. */
static void deliver_chat(struct chat_hub *h, int64_t chat, const char *text, int64_t seq,
                         int staff_only, const struct conn *skip)
{
    size_t len = strlen(text);
    for (int i = 0; i < h->n; i++) {
        struct conn *c = h->conns[i];
        if (c == skip)
            continue;
        if (staff_only && !(c->id->has_actor && auth_is_staff(&c->id->actor)))
            continue;
        struct sub *s = find_sub(c, chat);
        if (!s)
            continue;
        if (seq > 0) {
            if (seq <= s->last_seq)
                continue;
            s->last_seq = seq;
        }
        conn_send(c, text, len);
    }
}

/* ---- protocol --------------------------------------------------------------------- */

static struct chat_who who_of(const struct conn *c)
{
    struct chat_who w;
    w.actor = c->id->has_actor ? &c->id->actor : NULL;
    w.token = c->id->has_actor ? NULL : c->id->token;
    return w;
}

static json_t *who_json(const struct conn *c)
{
    return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)c->id->who_id, "name", c->id->who_name,
                     "role", c->id->who_role);
}

char *chat_hub_message_json(const struct chat_msg_rec *m)
{
    char created[32];
    fd_iso8601(m->created_at, created, sizeof(created));
    json_t *j = json_pack("{s:s,s:I,s:I,s:{s:I,s:s,s:s},s:s,s:s,s:s}", "type", "message", "chat",
                          (json_int_t)m->chat_id, "seq", (json_int_t)m->seq, "author", "id",
                          (json_int_t)m->author_id, "name", m->author_name, "role",
                          fd_role_name(m->author_role), "body", m->body ? m->body : "", "kind",
                          m->kind, "created_at", created);
    /* The same shape as the REST answers (chat_attachment_json). */
    if (j && m->attachment_id)
        json_object_set_new(j, "attachment", chat_attachment_json(m));
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

struct history {
    struct conn *c;
    struct sub *s;
    int64_t only_seq; /* > 0: keep this seq only */
    char *text;       /* only_seq: the message's JSON */
};

static int history_cb(void *ctx, const struct chat_msg_rec *m)
{
    struct history *hi = ctx;
    if (hi->only_seq) {
        if (m->seq == hi->only_seq && !hi->text)
            hi->text = chat_hub_message_json(m);
        return 0;
    }
    if (m->seq <= hi->s->last_seq)
        return 0;
    char *s = chat_hub_message_json(m);
    if (s) {
        hi->s->last_seq = m->seq;
        conn_send(hi->c, s, strlen(s));
        free(s);
    }
    return 0;
}

static int may_use(struct conn *c, struct db *db, int64_t chat)
{
    if (find_sub(c, chat))
        return 1;
    struct chat_who w = who_of(c);
    struct chat_rec rec;
    return chat_get(db, &w, chat, &rec) == 0;
}

static void do_hello(struct conn *c, struct db *db, const struct hub_in *in)
{
    if (in->agent) {
        if (!c->id->has_actor || !auth_is_staff(&c->id->actor)) {
            conn_close(c, HUB_CLOSE_POLICY, "agent updates are for agents");
            return;
        }
        c->agent = 1;
    }
    if (in->chat <= 0)
        return;
    struct chat_who w = who_of(c);
    struct chat_rec rec;
    if (chat_get(db, &w, in->chat, &rec) != 0) {
        conn_close(c, HUB_CLOSE_POLICY, "no such chat for you");
        return;
    }
    struct sub *s = add_sub(c, in->chat);
    if (!s) {
        conn_close(c, HUB_CLOSE_POLICY, "too many chats on one connection");
        return;
    }
    if (s->last_seq < in->last_seq)
        s->last_seq = in->last_seq;
    struct history hi = {c, s, 0, NULL};
    chat_messages(db, &w, in->chat, in->last_seq, history_cb, &hi);
    if (strcmp(rec.status, "queued") == 0) {
        int pos = 0;
        int64_t est = 0;
        if (chat_position(db, &rec, &pos, &est) == 0)
            conn_send_json(c, json_pack("{s:s,s:I,s:i,s:I}", "type", "queue", "chat",
                                        (json_int_t)rec.id, "position", pos, "estimate_s",
                                        (json_int_t)est));
    }
}

/* Answers one posted message (after the commit): ack, then the broadcast. */
static void answer_post(struct conn *c, const struct hub_in *in, struct chat_batch_item *it)
{
    if (it->rc == FD_ENOTFOUND) {
        conn_close(c, HUB_CLOSE_POLICY, "no such chat for you");
        return;
    }
    if (it->rc) {
        int rc = it->rc;
        const char *code = rc == FD_EINVAL      ? "invalid_field"
                           : rc == FD_ECONFLICT ? "conflict"
                           : rc == FD_ERATE     ? "rate_limited"
                                                : "internal";
        send_error(c, code, it->err.message[0] ? it->err.message : fd_strerror(rc));
        return;
    }
    json_t *ack = json_pack("{s:s,s:I}", "type", "ack", "seq", (json_int_t)it->seq);
    json_object_set_new(ack, "client_id", in->client_id ? json_string(in->client_id) : json_null());
    if (it->secrets)
        json_object_set_new(ack, "safety_warning", safety_warning_json(it->secrets));
    conn_send_json(c, ack);
    if (it->duplicate || !it->json)
        return;
    deliver_chat(c->h, in->chat, it->json, it->seq, 0, NULL);
}

/* The group commit: stores every pending message in one transaction, then answers them
 * in arrival order. */
static void flush_posts(struct chat_hub *h)
{
    if (h->npend == 0 || h->flushing)
        return;
    h->flushing = 1;
    int n = h->npend;
    struct chat_batch_item *items = xcalloc((size_t)n, sizeof(*items));
    for (int i = 0; i < n; i++) {
        struct pend *p = &h->pend[i];
        items[i].who = who_of(p->c);
        items[i].chat_id = p->in.chat;
        items[i].body = p->in.body;
        items[i].client_id = p->in.client_id;
    }
    struct db *db = store_acquire(h->store); /* blocks the hub thread: see the top */
    chat_post_batch(db, items, (size_t)n);
    store_release(h->store, db);
    /* conn_close below must not flush again: the list is emptied only at the end */
    for (int i = 0; i < n; i++) {
        answer_post(h->pend[i].c, &h->pend[i].in, &items[i]);
        free(items[i].json);
        json_decref(h->pend[i].in.root);
    }
    free(items);
    h->npend = 0;
    h->flushing = 0;
}

static void queue_post(struct conn *c, struct hub_in *in)
{
    struct chat_hub *h = c->h;
    if (h->npend == h->cappend) {
        h->cappend = h->cappend ? h->cappend * 2 : 64;
        h->pend = xrealloc(h->pend, (size_t)h->cappend * sizeof(*h->pend));
    }
    h->pend[h->npend].c = c;
    h->pend[h->npend].in = *in;
    h->npend++;
    if (h->npend >= HUB_PEND_MAX)
        flush_posts(h);
}

static void do_relay(struct conn *c, struct db *db, const struct hub_in *in)
{
    if (!may_use(c, db, in->chat)) {
        conn_close(c, HUB_CLOSE_POLICY, "no such chat for you");
        return;
    }
    json_t *j;
    if (in->type == HUB_READ) {
        struct chat_who w = who_of(c);
        int rc = chat_read(db, &w, in->chat, in->seq);
        if (rc) {
            send_error(c, rc == FD_EINVAL ? "invalid_field" : "internal", fd_strerror(rc));
            return;
        }
        j = json_pack("{s:s,s:I,s:I,s:o}", "type", "read", "chat", (json_int_t)in->chat, "seq",
                      (json_int_t)in->seq, "who", who_json(c));
    } else {
        j = json_pack("{s:s,s:I,s:o}", "type", "typing", "chat", (json_int_t)in->chat, "who",
                      who_json(c));
    }
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (s)
        deliver_chat(c->h, in->chat, s, 0, 0, c);
    free(s);
}

static void handle_text(struct conn *c, const char *text, size_t len)
{
    struct chat_hub *h = c->h;
    atomic_fetch_add(&h->in, 1);
    if (!hub__rate_take(&c->rate, h->cfg.rate_per_s, now_ms())) {
        conn_close(c, HUB_CLOSE_POLICY, "rate limit: too many messages per second");
        return;
    }
    struct hub_in in;
    char err[128];
    int rc = hub__parse(text, len, &in, err, sizeof(err));
    if (rc != HUB_PARSE_OK) {
        conn_close(c, rc == HUB_PARSE_UNKNOWN ? HUB_CLOSE_POLICY : HUB_CLOSE_MALFORMED, err);
        return;
    }
    if (in.type == HUB_MESSAGE) {
        queue_post(c, &in); /* stored at the end of the round: see the top */
        return;
    }
    /* Keep the order of frames: the pending messages first. */
    flush_posts(h);
    struct db *db = store_acquire(h->store); /* blocks the hub thread: see the top */
    switch (in.type) {
    case HUB_HELLO: do_hello(c, db, &in); break;
    case HUB_MESSAGE: break;
    case HUB_TYPING:
    case HUB_READ: do_relay(c, db, &in); break;
    }
    store_release(h->store, db);
    json_decref(in.root);
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user)
{
    (void)ctx;
    struct conn *c = user;
    if (c->state != OPEN)
        return;
    if (arg->opcode == WSLAY_TEXT_FRAME)
        handle_text(c, (const char *)arg->msg, arg->msg_length);
    else if (arg->opcode == WSLAY_BINARY_FRAME)
        conn_close(c, HUB_CLOSE_POLICY, "text frames only");
    /* pings are answered by wslay; pongs only count as activity */
}

/* ---- connection lifecycle ---------------------------------------------------------- */

static void set_events(struct conn *c)
{
    uint32_t ev = EPOLLRDHUP;
    if (c->state == DRAINING) {
        ev |= EPOLLIN;
    } else if (!c->ws) {
        ev |= EPOLLIN;
    } else {
        if (wslay_event_get_read_enabled(c->ws))
            ev |= EPOLLIN;
        if (wslay_event_want_write(c->ws))
            ev |= EPOLLOUT;
    }
    if (ev == c->evmask)
        return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(c->h->ep, EPOLL_CTL_MOD, c->fd, &e) != 0)
        c->dead = 1;
    c->evmask = ev;
}

static void conn_destroy(struct conn *c)
{
    struct chat_hub *h = c->h;
    epoll_ctl(h->ep, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->ws)
        wslay_event_context_free(c->ws);
    h->conns[c->idx] = h->conns[h->n - 1];
    h->conns[c->idx]->idx = c->idx;
    h->n--;
    if (http_upgrade_close(c->u) != 0)
        log_printf(LOG_WARN, "chat", "msg=\"upgraded socket already closed\" fd=%d", c->fd);
    atomic_fetch_sub(&h->nconn, 1);
    free(c->id);
    free(c->extra);
    free(c->subs);
    free(c);
}

/* Sends what is queued, moves a closing connection on, frees an idle wslay context. */
static void conn_flush(struct conn *c)
{
    if (c->dead || !c->ws)
        goto events;
    if (wslay_event_want_write(c->ws) && wslay_event_send(c->ws) != 0) {
        c->dead = 1;
        return;
    }
    if (c->state == OPEN && !wslay_event_get_read_enabled(c->ws)) {
        /* wslay itself queued a close (peer's close, protocol error, too big, bad UTF-8) */
        c->state = CLOSE_QUEUED;
        c->close_deadline_ms = now_ms() + c->h->cfg.close_wait_ms;
    }
    if (c->state == CLOSE_QUEUED && wslay_event_get_close_sent(c->ws)) {
        if (wslay_event_get_close_received(c->ws)) {
            c->dead = 1;
            return;
        }
        shutdown(c->fd, SHUT_WR);
        c->state = DRAINING;
    }
    if (c->state == OPEN && !wslay_event_want_write(c->ws) && c->fed == c->framed && !c->frag &&
        c->extra_len == 0) {
        wslay_event_context_free(c->ws);
        c->ws = NULL;
    }
events:
    if (!c->dead)
        set_events(c);
}

static void conn_readable(struct conn *c)
{
    if (c->state == DRAINING) {
        char buf[4096];
        for (;;) {
            ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
            if (r > 0)
                continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return;
            c->dead = 1;
            return;
        }
    }
    if (ensure_ws(c) != 0)
        return;
    if (wslay_event_recv(c->ws) != 0)
        c->dead = 1;
}

static void adopt(struct chat_hub *h, struct cmd *m)
{
    struct conn *c = xcalloc(1, sizeof(*c));
    c->h = h;
    c->fd = m->fd;
    c->u = m->u;
    c->id = m->ident;
    c->extra = m->extra;
    c->extra_len = m->extra_len;
    m->ident = NULL;
    m->extra = NULL;
    int64_t now = now_ms();
    c->last_rx_ms = now;
    c->next_ping_ms = now + (int64_t)h->cfg.ping_s * 1000;
    hub__rate_init(&c->rate, h->cfg.rate_per_s, now);
    int fl = fcntl(c->fd, F_GETFL);
    if (fl >= 0)
        fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
    int sndbuf = HUB_SNDBUF;
    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->conns = xrealloc(h->conns, (size_t)h->cap * sizeof(*h->conns));
    }
    c->idx = h->n;
    h->conns[h->n++] = c;
    atomic_fetch_add(&h->nconn, 1);
    c->evmask = EPOLLIN | EPOLLRDHUP;
    struct epoll_event e = {.events = c->evmask, .data.ptr = c};
    if (epoll_ctl(h->ep, EPOLL_CTL_ADD, c->fd, &e) != 0) {
        log_printf(LOG_ERR, "chat", "msg=\"epoll_ctl failed\" errno=%d", errno);
        conn_destroy(c);
        return;
    }
    if (c->extra_len) {
        conn_readable(c);
        mark_dirty(c);
    }
}

/* ---- commands ------------------------------------------------------------------------- */

static void cmd_free(struct cmd *m)
{
    if (m->kind == CMD_ADOPT && m->ident) {
        free(m->ident);
        http_upgrade_close(m->u);
    }
    free(m->extra);
    free(m->json);
    free(m);
}

static void run_cmd(struct chat_hub *h, struct cmd *m)
{
    switch (m->kind) {
    case CMD_ADOPT: adopt(h, m); break;
    case CMD_CHAT: {
        int64_t seq = 0;
        int note = 0;
        json_t *j = json_loads(m->json, 0, NULL);
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *kind = json_string_value(json_object_get(j, "kind"));
        json_t *sq = json_object_get(j, "seq");
        if (type && strcmp(type, "message") == 0 && json_is_integer(sq))
            seq = json_integer_value(sq);
        if (type && strcmp(type, "message") == 0 && kind && strcmp(kind, "note") == 0)
            note = 1; /* an internal note: staff only, never to customers */
        json_decref(j);
        deliver_chat(h, m->id, m->json, seq, note, NULL);
        break;
    }
    case CMD_USER:
    case CMD_AGENTS: {
        size_t len = strlen(m->json);
        for (int i = 0; i < h->n; i++) {
            struct conn *c = h->conns[i];
            if (!c->id->has_actor)
                continue;
            if (m->kind == CMD_USER
                    ? c->id->actor.user.id == m->id
                    : c->agent &&
                          (!m->dept[0] || strcmp(c->id->actor.user.department, m->dept) == 0))
                conn_send(c, m->json, len);
        }
        break;
    }
    }
    cmd_free(m);
}

static int push(struct chat_hub *h, struct cmd *m)
{
    pthread_mutex_lock(&h->mu);
    if (h->stopped) {
        pthread_mutex_unlock(&h->mu);
        cmd_free(m);
        return FD_EINVAL;
    }
    if (h->tail)
        h->tail->next = m;
    else
        h->head = m;
    h->tail = m;
    pthread_mutex_unlock(&h->mu);
    uint64_t one = 1;
    if (write(h->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_printf(LOG_WARN, "chat", "msg=\"eventfd write failed\" errno=%d", errno);
    return 0;
}

void chat_hub_adopt(struct chat_hub *h, struct chat_hub_ident *ident, int sock, const char *extra,
                    size_t extra_len, struct http_upgrade *u)
{
    struct cmd *m = xcalloc(1, sizeof(*m));
    m->kind = CMD_ADOPT;
    m->ident = ident;
    m->fd = sock;
    m->u = u;
    if (extra_len) {
        m->extra = xmalloc(extra_len);
        memcpy(m->extra, extra, extra_len);
        m->extra_len = extra_len;
    }
    push(h, m); /* a stopped hub closes it (cmd_free) */
}

static int publish(struct chat_hub *h, enum cmd_kind kind, int64_t id, const char *dept,
                   const char *json)
{
    if (!h || !json)
        return FD_EINVAL;
    struct cmd *m = xcalloc(1, sizeof(*m));
    m->kind = kind;
    m->id = id;
    if (dept)
        snprintf(m->dept, sizeof(m->dept), "%s", dept);
    m->json = xstrdup(json);
    return push(h, m);
}

int chat_hub_publish_chat(struct chat_hub *h, int64_t chat_id, const char *json)
{
    return publish(h, CMD_CHAT, chat_id, NULL, json);
}

int chat_hub_publish_user(struct chat_hub *h, int64_t user_id, const char *json)
{
    return publish(h, CMD_USER, user_id, NULL, json);
}

int chat_hub_publish_agents(struct chat_hub *h, const char *department, const char *json)
{
    return publish(h, CMD_AGENTS, 0, department, json);
}

/* ---- the loop ---------------------------------------------------------------------------- */

static void flush_dirty(struct chat_hub *h)
{
    /* conn_flush never adds to dirty, but destroy must wait until the list is walked */
    for (int i = 0; i < h->ndirty; i++) {
        h->dirty[i]->dirty = 0;
        conn_flush(h->dirty[i]);
    }
    h->ndirty = 0;
}

static void reap(struct chat_hub *h)
{
    for (int i = 0; i < h->n;) {
        if (h->conns[i]->dead)
            conn_destroy(h->conns[i]); /* moves the last one to i */
        else
            i++;
    }
}

static void tick(struct chat_hub *h, int64_t now)
{
    static const uint8_t ping[2] = {0x89, 0x00};
    for (int i = 0; i < h->n; i++) {
        struct conn *c = h->conns[i];
        if (c->state != OPEN) {
            if (now >= c->close_deadline_ms)
                c->dead = 1;
            continue;
        }
        if (now - c->last_rx_ms > (int64_t)h->cfg.idle_s * 1000) {
            conn_close(c, HUB_CLOSE_GOING_AWAY, "idle");
            continue;
        }
        if (now < c->next_ping_ms)
            continue;
        c->next_ping_ms = now + (int64_t)h->cfg.ping_s * 1000;
        if (!c->ws) {
            /* Nothing is queued: a raw unmasked empty ping needs no context. */
            ssize_t r = send(c->fd, ping, sizeof(ping), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (r != (ssize_t)sizeof(ping))
                c->dead = 1;
            continue;
        }
        struct wslay_event_msg m = {WSLAY_PING, NULL, 0};
        wslay_event_queue_msg(c->ws, &m);
        mark_dirty(c);
    }
}

static void *hub_main(void *arg)
{
    struct chat_hub *h = arg;
    struct epoll_event ev[HUB_EVENTS];
    int64_t next_tick = now_ms() + 1000;
    for (;;) {
        int64_t now = now_ms();
        int timeout = next_tick > now ? (int)(next_tick - now) : 0;
        int n = epoll_wait(h->ep, ev, HUB_EVENTS, timeout);
        if (n < 0 && errno != EINTR) {
            log_printf(LOG_ERR, "chat", "msg=\"epoll_wait failed\" errno=%d", errno);
            break;
        }
        int stop = 0;
        for (int i = 0; i < n; i++) {
            struct conn *c = ev[i].data.ptr;
            if (!c) {
                uint64_t v;
                if (read(h->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                    log_printf(LOG_WARN, "chat", "msg=\"eventfd read failed\" errno=%d", errno);
                continue;
            }
            if (c->dead)
                continue;
            if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                conn_readable(c);
            if ((ev[i].events & EPOLLERR) ||
                (c->state == CLOSE_QUEUED && (ev[i].events & (EPOLLRDHUP | EPOLLHUP)))) {
                conn_flush(c); /* last chance for the close frame; the peer has gone */
                c->dead = 1;
            }
            mark_dirty(c);
        }
        flush_posts(h); /* the round's messages: one commit, then acks and broadcasts */
        /* Commands (adoptions, publications): take the whole list at once. */
        pthread_mutex_lock(&h->mu);
        struct cmd *list = h->head;
        h->head = h->tail = NULL;
        stop = h->stopping;
        pthread_mutex_unlock(&h->mu);
        while (list) {
            struct cmd *next = list->next;
            run_cmd(h, list);
            list = next;
        }
        flush_posts(h); /* messages read from adopted sockets' extra bytes */
        now = now_ms();
        if (now >= next_tick) {
            tick(h, now);
            next_tick = now + 1000;
        }
        flush_dirty(h);
        reap(h);
        if (stop)
            break;
    }
    /* Stopping: a close frame to everyone (best effort), then give every socket back. */
    for (int i = 0; i < h->n; i++)
        conn_close(h->conns[i], HUB_CLOSE_GOING_AWAY, "server stopping");
    flush_dirty(h);
    while (h->n)
        conn_destroy(h->conns[0]);
    return NULL;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        log_printf(LOG_INFO, "chat", "msg=\"raised the open file limit\" from=%llu to=%llu",
                   (unsigned long long)old, (unsigned long long)rl.rlim_max);
}

int chat_hub_start(struct store *s, const struct chat_hub_config *cfg, struct chat_hub **out)
{
    raise_nofile();
    struct chat_hub *h = xcalloc(1, sizeof(*h));
    h->store = s;
    if (cfg)
        h->cfg = *cfg;
    else
        chat_hub_config_defaults(&h->cfg);
    pthread_mutex_init(&h->mu, NULL);
    h->ep = epoll_create1(EPOLL_CLOEXEC);
    h->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
    if (h->ep < 0 || h->evfd < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->evfd, &e) != 0 ||
        pthread_create(&h->thread, NULL, hub_main, h) != 0) {
        log_printf(LOG_ERR, "chat", "msg=\"cannot start the chat hub\" errno=%d", errno);
        if (h->ep >= 0)
            close(h->ep);
        if (h->evfd >= 0)
            close(h->evfd);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return FD_EIO;
    }
    h->started = 1;
    *out = h;
    return 0;
}

void chat_hub_stop(struct chat_hub *h)
{
    if (!h || !h->started)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    pthread_mutex_unlock(&h->mu);
    uint64_t one = 1;
    if (write(h->evfd, &one, sizeof(one)) < 0)
        log_printf(LOG_WARN, "chat", "msg=\"eventfd write failed\" errno=%d", errno);
    pthread_join(h->thread, NULL);
    h->started = 0;
    /* Refuse what comes later; close what arrived after the thread's last look. */
    pthread_mutex_lock(&h->mu);
    h->stopped = 1;
    struct cmd *list = h->head;
    h->head = h->tail = NULL;
    pthread_mutex_unlock(&h->mu);
    while (list) {
        struct cmd *next = list->next;
        cmd_free(list);
        list = next;
    }
}

void chat_hub_free(struct chat_hub *h)
{
    if (!h)
        return;
    chat_hub_stop(h);
    close(h->ep);
    close(h->evfd);
    pthread_mutex_destroy(&h->mu);
    free(h->conns);
    free(h->dirty);
    free(h->pend);
    free(h);
}

void chat_hub_stats(struct chat_hub *h, struct chat_hub_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!h)
        return;
    out->connections = atomic_load(&h->nconn);
    out->messages_in = atomic_load(&h->in);
    out->messages_out = atomic_load(&h->out);
    out->closed_slow = atomic_load(&h->slow);
    out->closed_policy = atomic_load(&h->policy);
}
