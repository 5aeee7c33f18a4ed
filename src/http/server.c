/*
 * The server glue over libmicrohttpd: daemon start/stop, the access handler (body
 * accumulation with a limit, dispatch to the router, /healthz, /metrics or static
 * files), response building with the common headers, access logs and metrics.
 *
 * Threading: the daemon runs a pool of cfg->threads poll-mode threads; a connection
 * stays on one thread, so the per-request context needs no lock. The access handler
 * never answers on its first call for a request (that would turn keep-alive off),
 * except when a client announced a too-large body with "Expect: 100-continue": then
 * answering at once spares it the upload. Other too-large bodies are read and
 * discarded, then answered 413, so the client reads the answer instead of a reset.
 */
#include "http.h"
#include "http_int.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH_MAX 200
#define STOP_DRAIN_MAX_S 10

struct http_server {
    struct MHD_Daemon *daemon;
    char web_dir[FD_PATH_MAX];
    size_t body_max;
    long drain_s; /* how long stop waits for in-flight requests */
    void *app;
    atomic_int inflight; /* requests between the first handler call and completion */
};

/* Per-request state, from the first access-handler call to the completion callback. */
struct reqctx {
    char id[24];
    int64_t start_us;
    struct buf body;
    size_t limit;
    int too_large;
    int answered;
    int status;
    const char *route; /* metrics/log label: a pattern or a fixed name */
    int match_rc;
    struct http__match match;
    char method[16];
    char path[LOG_PATH_MAX * 3 + 1];
    /* upgrade routes */
    int upgrade;        /* the check accepted: answer 101 */
    int upgraded;       /* the socket was handed over (inflight already decremented) */
    void *upgrade_ctx;  /* from the check, until on_upgrade takes it */
    char ws_accept[32]; /* Sec-WebSocket-Accept */
};

static http_hook before_hook, after_hook;

void http_set_hooks(http_hook before, http_hook after)
{
    before_hook = before;
    after_hook = after;
}

/* ---- request ids ------------------------------------------------------------------ */

static pthread_once_t seed_once = PTHREAD_ONCE_INIT;
static uint32_t id_seed;
static atomic_uint_fast32_t id_counter;

static void make_seed(void)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint32_t)fd_mono_us() ^ (uint32_t)getpid();
    id_seed = v;
}

void http__request_id(char *out, size_t n)
{
    pthread_once(&seed_once, make_seed);
    uint32_t c = (uint32_t)atomic_fetch_add(&id_counter, 1);
    snprintf(out, n, "%08x%08x", id_seed, c);
}

/* ---- request accessors -------------------------------------------------------------- */

const char *http_req_header(const struct http_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(const struct http_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_cookie(const struct http_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* ---- response builders -------------------------------------------------------------- */

void http__resp_release(struct http_resp *resp)
{
    FD_FREE(resp->body);
    resp->body_len = 0;
    for (int i = 0; i < resp->nheaders; i++) {
        FD_FREE(resp->headers[i].name);
        FD_FREE(resp->headers[i].value);
    }
    resp->nheaders = 0;
    resp->content_type = NULL;
    resp->status = 0;
}

static void set_body(struct http_resp *resp, int status, const char *type, char *body, size_t n)
{
    free(resp->body);
    resp->status = status;
    resp->content_type = type;
    resp->body = body;
    resp->body_len = n;
}

static const char JSON_TYPE[] = "application/json; charset=utf-8";
static const char INTERNAL_BODY[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"internal server error\"}}";

static void set_internal(struct http_resp *resp)
{
    set_body(resp, 500, JSON_TYPE, xstrdup(INTERNAL_BODY), sizeof(INTERNAL_BODY) - 1);
}

void http_resp_json(struct http_resp *resp, int status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) {
        log_printf(LOG_ERR, "http", "msg=\"cannot serialise a JSON response\" status=%d", status);
        set_internal(resp);
        return;
    }
    set_body(resp, status, JSON_TYPE, s, strlen(s));
}

void http_resp_error(struct http_resp *resp, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(msg, sizeof(msg), "error");
    json_t *m = json_string(msg);
    if (!m) {
        /* Not valid UTF-8 (e.g. echoed input, or cut mid-character): keep ASCII only. */
        for (char *p = msg; *p; p++) {
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        }
        m = json_string(msg);
    }
    json_t *j = json_pack("{s:{s:s,s:o}}", "error", "code", code ? code : "internal", "message", m);
    http_resp_json(resp, status, j);
}

void http_resp_bytes(struct http_resp *resp, int status, const char *content_type, const void *data,
                     size_t len)
{
    char *p = xmalloc(len + 1);
    if (len)
        memcpy(p, data, len);
    p[len] = '\0';
    set_body(resp, status, content_type, p, len);
}

static int header_ok(const char *s)
{
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n')
            return 0;
    }
    return 1;
}

void http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders >= HTTP_RESP_MAX_HEADERS)
        return;
    if (!name || !value || !name[0] || !header_ok(name) || !header_ok(value)) {
        log_printf(LOG_WARN, "http", "msg=\"response header dropped\" name=%s",
                   name && header_ok(name) ? name : "-");
        return;
    }
    resp->headers[resp->nheaders].name = xstrdup(name);
    resp->headers[resp->nheaders].value = xstrdup(value);
    resp->nheaders++;
}

/* ---- dispatch ------------------------------------------------------------------------- */

static int is_get(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* Answers 400/426 unless the request is a WebSocket opening handshake; computes the
 * Accept value. */
static void ws_handshake(struct reqctx *c, struct http_req *req, struct http_resp *resp)
{
    const char *key = http_req_header(req, "Sec-WebSocket-Key");
    int rc = http__ws_handshake_check(http_req_header(req, "Upgrade"),
                                      http_req_header(req, "Connection"),
                                      http_req_header(req, "Sec-WebSocket-Version"), key);
    if (rc == 0 && strcmp(req->method, "GET") != 0)
        rc = 1;
    if (rc == 0 && http__ws_accept(key, c->ws_accept, sizeof(c->ws_accept)) != 0)
        rc = 1;
    if (rc == 2) {
        http_resp_header(resp, "Sec-WebSocket-Version", "13");
        http_resp_error(resp, 426, "upgrade_required", "only WebSocket version 13 is supported");
    } else if (rc) {
        http_resp_error(resp, 400, "not_websocket",
                        "this endpoint takes a WebSocket handshake (GET with Upgrade: websocket, "
                        "Connection: Upgrade, Sec-WebSocket-Version: 13, Sec-WebSocket-Key)");
    }
}

static void serve_api(struct reqctx *c, struct http_req *req, struct http_resp *resp)
{
    if (c->match_rc == HTTP__MATCH_NOT_FOUND) {
        c->route = "unmatched";
        http_resp_error(resp, 404, "not_found", "no such endpoint");
        return;
    }
    if (c->match_rc == HTTP__MATCH_METHOD) {
        c->route = "unmatched";
        http_resp_header(resp, "Allow", c->match.allow);
        http_resp_error(resp, 405, "method_not_allowed", "%s is not allowed here (allowed: %s)",
                        req->method, c->match.allow);
        return;
    }
    c->route = c->match.pattern;
    req->route = c->match.pattern;
    for (int i = 0; i < c->match.nparams; i++)
        req->params[i] = c->match.params[i];
    req->nparams = c->match.nparams;
    if (before_hook)
        before_hook(req, resp);
    if (resp->status == 0 && c->match.on_upgrade)
        ws_handshake(c, req, resp);
    if (resp->status == 0)
        c->match.handler(req, resp);
    if (c->match.on_upgrade) {
        if (resp->status == 0 || resp->status == 101) {
            http__resp_release(resp);
            resp->status = 101;
            c->upgrade = 1;
            c->upgrade_ctx = req->upgrade_ctx;
        } else {
            free(req->upgrade_ctx);
        }
        req->upgrade_ctx = NULL;
    }
    if (after_hook)
        after_hook(req, resp);
}

static void serve_metrics(struct http_server *s, struct http_resp *resp)
{
    struct buf b;
    buf_init(&b, 0);
    http__metrics_write(&b, s->app);
    size_t n;
    char *p = buf_detach(&b, &n);
    set_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8", p, n);
}

static void dispatch(struct http_server *s, struct reqctx *c, struct http_req *req,
                     struct http_resp *resp)
{
    const char *path = req->path;
    if (c->too_large) {
        c->route = c->match_rc == HTTP__MATCH_OK ? c->match.pattern : "unmatched";
        http_resp_header(resp, "Connection", "close");
        http_resp_error(resp, 413, "payload_too_large", "the request body is larger than %zu bytes",
                        c->limit);
        return;
    }
    if (strncmp(path, "/api/", 5) == 0 || c->match_rc != HTTP__MATCH_NOT_FOUND) {
        serve_api(c, req, resp);
    } else if (strcmp(path, "/healthz") == 0) {
        c->route = "healthz";
        if (is_get(req->method)) {
            http_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
        } else {
            http_resp_header(resp, "Allow", "GET, HEAD");
            http_resp_error(resp, 405, "method_not_allowed", "only GET and HEAD are allowed here");
        }
    } else if (strcmp(path, "/metrics") == 0) {
        c->route = "metrics";
        if (is_get(req->method)) {
            serve_metrics(s, resp);
        } else {
            http_resp_header(resp, "Allow", "GET, HEAD");
            http_resp_error(resp, 405, "method_not_allowed", "only GET and HEAD are allowed here");
        }
    } else {
        c->route = "static";
        http__static_serve(s->web_dir, req, resp);
    }
}

/* ---- response ------------------------------------------------------------------------- */

static int has_header(const struct http_resp *resp, const char *name)
{
    for (int i = 0; i < resp->nheaders; i++) {
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return 1;
    }
    return 0;
}

static void add_header(struct MHD_Response *r, const char *name, const char *value)
{
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        log_printf(LOG_WARN, "http", "msg=\"response header rejected\" name=%s", name);
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct reqctx *c, int api,
                             struct http_resp *resp)
{
    struct MHD_Response *r;
    if (resp->body) {
        r = MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (r)
            resp->body = NULL; /* MHD frees it now */
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        log_printf(LOG_ERR, "http", "req=%s msg=\"cannot create a response\"", c->id);
        http__resp_release(resp);
        return MHD_NO;
    }
    for (int i = 0; i < resp->nheaders; i++) {
        if (strcasecmp(resp->headers[i].name, "X-Request-Id") == 0 ||
            strcasecmp(resp->headers[i].name, "Content-Type") == 0)
            continue;
        add_header(r, resp->headers[i].name, resp->headers[i].value);
    }
    if (resp->content_type && resp->status != 304 && resp->status != 204)
        add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    add_header(r, "X-Request-Id", c->id);
    if (!has_header(resp, "X-Content-Type-Options"))
        add_header(r, "X-Content-Type-Options", "nosniff");
    if (!has_header(resp, "X-Frame-Options"))
        add_header(r, "X-Frame-Options", "DENY");
    if (!has_header(resp, "Referrer-Policy"))
        add_header(r, "Referrer-Policy", "same-origin");
    /* Pages set their own policy; everything else (JSON, scripts, errors) gets the
     * strictest one, so that no response can be framed or run as a document. */
    if (!has_header(resp, "Content-Security-Policy"))
        add_header(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (api && !has_header(resp, "Cache-Control"))
        add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");

    c->status = resp->status;
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned int)resp->status, r);
    MHD_destroy_response(r);
    http__resp_release(resp);
    return ok;
}

/* libmicrohttpd calls this once the 101 answer is sent: the socket changes hands. */
static void on_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
                        size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    struct http_server *s = cls;
    struct reqctx *c = con_cls;
    (void)conn;
    http_upgrade_fn fn = c->match.on_upgrade;
    void *ctx = c->upgrade_ctx;
    c->upgrade_ctx = NULL;
    if (!c->upgraded) {
        c->upgraded = 1;
        atomic_fetch_sub(&s->inflight, 1);
    }
    log_printf(LOG_INFO, "http", "req=%s msg=\"upgraded\" route=%s", c->id, c->route);
    fn(s->app, ctx, (int)sock, extra_in, extra_in_size, (struct http_upgrade *)(void *)urh);
}

int http_upgrade_close(struct http_upgrade *u)
{
    struct MHD_UpgradeResponseHandle *urh = (struct MHD_UpgradeResponseHandle *)(void *)u;
    return MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE) == MHD_YES ? 0 : -1;
}

static enum MHD_Result queue_upgrade(struct http_server *s, struct MHD_Connection *conn,
                                     struct reqctx *c, struct http_resp *resp)
{
    http__resp_release(resp);
    struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgraded, s);
    if (!r) {
        log_printf(LOG_ERR, "http", "req=%s msg=\"cannot create an upgrade response\"", c->id);
        return MHD_NO;
    }
    /* libmicrohttpd adds "Connection: Upgrade" itself. */
    add_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
    add_header(r, "Sec-WebSocket-Accept", c->ws_accept);
    add_header(r, "X-Request-Id", c->id);
    c->status = 101;
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    return ok;
}

static void remote_ip(struct MHD_Connection *conn, char *out, size_t n)
{
    snprintf(out, n, "-");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

static enum MHD_Result respond(struct http_server *s, struct MHD_Connection *conn, struct reqctx *c,
                               const char *url, const char *method)
{
    char ip[INET6_ADDRSTRLEN];
    remote_ip(conn, ip, sizeof(ip));
    if (!c->body.ptr)
        buf_append(&c->body, "", 0); /* the body is always a NUL-terminated string */

    struct http_req req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = url;
    req.body = c->body.ptr ? c->body.ptr : "";
    req.body_len = c->body.len;
    snprintf(req.request_id, sizeof(req.request_id), "%s", c->id);
    req.remote_ip = ip;
    req.conn = conn;
    req.app = s->app;

    struct http_resp resp;
    memset(&resp, 0, sizeof(resp));
    dispatch(s, c, &req, &resp);

    if (resp.status < 100 || resp.status > 599) {
        log_printf(LOG_ERR, "http", "req=%s msg=\"handler left no valid status\" status=%d", c->id,
                   resp.status);
        http__resp_release(&resp);
        set_internal(&resp);
    }
    if (c->upgrade)
        return queue_upgrade(s, conn, c, &resp);
    int api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/healthz") == 0 ||
              strcmp(url, "/metrics") == 0;
    return queue(conn, c, api, &resp);
}

/* Copies s into out for a log line: bytes outside a safe set become %XX, cut at max. */
static void log_escape(char *out, size_t n, const char *s, size_t max)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < max && s[i] && o + 4 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("/-._~{}:@!$&'()*+,;=", ch)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct reqctx *c = *con_cls;
    if (!c) {
        c = xcalloc(1, sizeof(*c));
        *con_cls = c;
        atomic_fetch_add(&s->inflight, 1);
        http__request_id(c->id, sizeof(c->id));
        c->start_us = fd_mono_us();
        log_escape(c->method, sizeof(c->method), method, 12);
        log_escape(c->path, sizeof(c->path), url, LOG_PATH_MAX);
        c->route = "unmatched";
        c->limit = s->body_max;
        c->match_rc = HTTP__MATCH_NOT_FOUND;
        /* Every path is matched against the routes: the API, and server-rendered pages
         * (the help center) registered with http_route. Unmatched non-API paths fall
         * through to the static files. */
        c->match_rc = http__route_match(method, url, &c->match);
        if (c->match_rc == HTTP__MATCH_OK && c->match.body_max)
            c->limit = c->match.body_max;
        buf_init(&c->body, c->limit);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (errno == ERANGE || v > c->limit)
                c->too_large = 1;
        }
        if (c->too_large) {
            const char *expect =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
            if (expect && strcasecmp(expect, "100-continue") == 0) {
                /* The client waits for a go-ahead: refuse now instead of reading it all. */
                c->answered = 1;
                return respond(s, conn, c, url, method);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!c->too_large && !c->answered &&
            buf_append(&c->body, upload_data, *upload_data_size) != 0) {
            c->too_large = 1;
            buf_release(&c->body);
        }
        *upload_data_size = 0; /* consumed (or discarded) */
        return MHD_YES;
    }
    if (c->answered)
        return MHD_YES;
    c->answered = 1;
    return respond(s, conn, c, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct reqctx *c = *con_cls;
    if (!c)
        return;
    *con_cls = NULL;
    if (!c->upgraded)
        atomic_fetch_sub(&s->inflight, 1);
    free(c->upgrade_ctx);
    long long us = (long long)(fd_mono_us() - c->start_us);
    log_printf(LOG_INFO, "http", "req=%s method=%s path=%s route=%s status=%d us=%lld", c->id,
               c->method, c->path, c->route, c->status, us);
    if (c->status)
        http__metrics_record(c->route, c->method, c->status, us);
    buf_release(&c->body);
    http__match_release(&c->match);
    free(c);
}

/* ---- start / stop ----------------------------------------------------------------- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
#pragma GCC diagnostic pop
    if (n < 0)
        return;
    for (char *p = msg; *p; p++) {
        if (*p == '"' || *p == '\n' || *p == '\r')
            *p = (*p == '"') ? '\'' : ' ';
    }
    size_t len = strlen(msg);
    while (len && msg[len - 1] == ' ')
        msg[--len] = '\0';
    log_printf(LOG_WARN, "http", "msg=\"libmicrohttpd: %s\"", msg);
}

/* Parses "host:port" or "[v6]:port" into ss. Returns 0 or FD_EINVAL. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6)
{
    char host[128];
    const char *port;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            return FD_EINVAL;
        size_t hlen = (size_t)(close - listen - 1);
        if (hlen >= sizeof(host))
            return FD_EINVAL;
        memcpy(host, listen + 1, hlen);
        host[hlen] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon)
            return FD_EINVAL;
        size_t hlen = (size_t)(colon - listen);
        if (hlen >= sizeof(host))
            return FD_EINVAL;
        memcpy(host, listen, hlen);
        host[hlen] = '\0';
        port = colon + 1;
    }
    if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
        return FD_EINVAL;
    long pn = strtol(port, NULL, 10);
    if (pn < 0 || pn > 65535)
        return FD_EINVAL;
    if (host[0] == '\0' || strcmp(host, "*") == 0)
        snprintf(host, sizeof(host), "0.0.0.0");

    /* IPv4 first, so "localhost" means 127.0.0.1 where both exist. */
    static const int families[] = {AF_INET, AF_INET6};
    for (size_t i = 0; i < 2; i++) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = families[i];
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
            continue;
        memset(ss, 0, sizeof(*ss));
        memcpy(ss, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
        if (families[i] == AF_INET) {
            ((struct sockaddr_in *)(void *)ss)->sin_port = htons((uint16_t)pn);
            *v6 = 0;
        } else {
            ((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons((uint16_t)pn);
            *v6 = 1;
        }
        return 0;
    }
    return FD_EINVAL;
}

int http_server_start(const struct fd_config *cfg, void *app, struct http_server **out,
                      int *port_out)
{
    struct sockaddr_storage ss;
    int v6 = 0;
    if (parse_listen(cfg->listen, &ss, &v6) != 0) {
        log_printf(LOG_ERR, "http", "msg=\"bad listen address\" listen=%s", cfg->listen);
        return FD_EINVAL;
    }
    struct http_server *s = xcalloc(1, sizeof(*s));
    snprintf(s->web_dir, sizeof(s->web_dir), "%s", cfg->web_dir);
    s->body_max = cfg->body_max > 0 ? (size_t)cfg->body_max : 0;
    s->app = app;
    s->drain_s = cfg->timeout_s < STOP_DRAIN_MAX_S ? cfg->timeout_s : STOP_DRAIN_MAX_S;
    atomic_init(&s->inflight, 0);

    /* Upgrade (WebSocket) support needs suspend/resume: libmicrohttpd parks an upgraded
     * connection as suspended until http_upgrade_close resumes it to be closed. */
    unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                         MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE;
    if (v6)
        flags |= MHD_USE_IPv6;
    unsigned int threads = cfg->threads > 0 ? (unsigned int)cfg->threads : 1;
    /* libmicrohttpd's default limit is about 1020 connections, and an upgraded
     * (WebSocket) connection still counts: allow what the open file limit allows. */
    unsigned int conn_limit = 1020;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur > 1020 + 128)
        conn_limit = (unsigned int)(rl.rlim_cur - 128 < 1000000 ? rl.rlim_cur - 128 : 1000000);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, conn_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->header_max,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->daemon) {
        log_printf(LOG_ERR, "http", "msg=\"cannot listen\" listen=%s", cfg->listen);
        free(s);
        return FD_EIO;
    }
    int port = 0;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (di)
        port = di->port;
    if (port_out)
        *port_out = port;
    log_printf(LOG_INFO, "http", "msg=\"listening\" listen=%s port=%d threads=%u", cfg->listen,
               port, threads);
    *out = s;
    return 0;
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    /*
     * Stop accepting, then give requests already started (headers read) a bounded time
     * to be answered and sent: MHD_stop_daemon closes every connection, so a response
     * still queued would be lost. Idle keep-alive connections hold no request and do
     * not delay the stop. MHD_stop_daemon joins the workers, so a handler still
     * running after the wait finishes before it returns. The quiesced socket is ours.
     */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    int64_t deadline = fd_mono_us() + (int64_t)s->drain_s * 1000000;
    while (atomic_load(&s->inflight) > 0 && fd_mono_us() < deadline) {
        struct timespec ts = {0, 10000000L}; /* 10 ms */
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&s->inflight) > 0)
        log_printf(LOG_WARN, "http", "msg=\"stopping with requests in flight\" n=%d",
                   atomic_load(&s->inflight));
    MHD_stop_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    http__static_cache_clear();
    free(s);
}
