#ifndef FD_HTTP_HTTP_H
#define FD_HTTP_HTTP_H
/*
 * The HTTP edge: a libmicrohttpd server (thread pool, internal poll mode), a router
 * from method + path pattern to handlers, static files from web/, /healthz, /metrics,
 * request ids and access logs.
 *
 * Handlers run on the server's worker threads. They get a struct http_req (borrowed,
 * valid during the call) and fill a struct http_resp. They never see libmicrohttpd.
 * A handler returns nothing; it must set resp->status and a body (http_resp_json,
 * http_resp_error, http_resp_bytes...). The server logs the outcome once.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct fd_config;
struct http_server;

/* Path parameters captured by the router: "{ref}" segments, in order. */
#define HTTP_MAX_PARAMS 4

struct http_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* decoded path, without the query string */
    const char *route;  /* the matched pattern, e.g. "/api/v1/tickets/{ref}" (for metrics) */
    const char *params[HTTP_MAX_PARAMS];
    int nparams;
    const char *body; /* request body (NUL-terminated; may contain NULs) */
    size_t body_len;
    char request_id[24];
    const char *remote_ip;
    void *conn; /* the server's connection handle (for header/query lookups) */
    void *app;  /* the application context given to http_server_start */
    void *auth; /* set by the application's before-hook (e.g. the signed-in user) */
    /* Upgrade routes only: what the check handler hands to the upgrade function (one
     * malloc'd block, freed with free() by the server if the upgrade does not happen). */
    void *upgrade_ctx;
};

#define HTTP_RESP_MAX_HEADERS 8

struct http_resp {
    int status;
    char *body; /* owned; freed by the server */
    size_t body_len;
    const char *content_type; /* static string */
    struct {
        char *name;
        char *value;
    } headers[HTTP_RESP_MAX_HEADERS];
    int nheaders;
};

/* A request header, or NULL (case-insensitive name). Borrowed for the request. */
const char *http_req_header(const struct http_req *req, const char *name);
/* A query argument (decoded), or NULL. */
const char *http_req_query(const struct http_req *req, const char *name);
/* A cookie value, or NULL. */
const char *http_req_cookie(const struct http_req *req, const char *name);

/* Sets a JSON body (takes ownership of j: it is decref'd) with the status. */
void http_resp_json(struct http_resp *resp, int status, json_t *j);
/* Sets the error body {"error":{"code":code,"message":message}} with the status. */
void http_resp_error(struct http_resp *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets a raw body (copied). content_type must be a static string. */
void http_resp_bytes(struct http_resp *resp, int status, const char *content_type, const void *data,
                     size_t len);
/* Adds a response header (both copied). Ignored past HTTP_RESP_MAX_HEADERS. */
void http_resp_header(struct http_resp *resp, const char *name, const char *value);

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp);

/*
 * Registers a handler for method + pattern. Patterns are literal segments and
 * "{name}" segments that capture one path segment (no '/'). Must be called before
 * http_server_start. The router answers 404 (no pattern matches the path) or 405
 * (the path matches with another method) with JSON errors itself.
 */
void http_route(const char *method, const char *pattern, http_handler h);

/*
 * Sets the request body limit, in bytes, for one registered route (for example
 * attachment uploads up to cfg->attachment_max); other routes keep cfg->body_max.
 * Call after http_route and before http_server_start; an unknown method + pattern is
 * ignored. A larger body is answered 413 payload_too_large by the server.
 */
void http_route_body_max(const char *method, const char *pattern, size_t max);

/*
 * Called before every routed (API) handler; may answer by setting resp->status != 0
 * (e.g. 401/403), in which case the handler is not called. Used for authentication
 * and CSRF checks. after_hook releases what before_hook set (req->auth).
 */
typedef void (*http_hook)(struct http_req *req, struct http_resp *resp);
void http_set_hooks(http_hook before, http_hook after);

/*
 * WebSocket upgrade routes (live chat). http_route_upgrade registers "GET pattern". A
 * request is handled like any routed GET (the before-hook runs first), then:
 *   - not a WebSocket handshake (Upgrade: websocket, Connection: upgrade,
 *     Sec-WebSocket-Version: 13, a 16-byte base64 Sec-WebSocket-Key) → 400
 *     not_websocket (426 with Sec-WebSocket-Version: 13 for another version);
 *   - check runs: it may refuse with any 4xx (resp->status set), or accept by leaving
 *     resp->status 0 (or 101) and, if it wants, a context in req->upgrade_ctx;
 *   - the server answers 101 with Sec-WebSocket-Accept and, once the answer is sent,
 *     calls on_upgrade on a server thread with the socket. on_upgrade owns ctx and the
 *     socket from then on; it must not block and must never close() sock: the socket
 *     is given back with http_upgrade_close(u), exactly once, from any thread.
 * Every upgraded socket must be closed before http_server_stop (the server cannot stop
 * while one is open). The after-hook runs before on_upgrade: copy what ctx needs.
 */
struct http_upgrade; /* an upgraded connection (libmicrohttpd's handle) */
typedef void (*http_upgrade_fn)(void *app, void *ctx, int sock, const char *extra_in,
                                size_t extra_in_size, struct http_upgrade *u);
void http_route_upgrade(const char *pattern, http_handler check, http_upgrade_fn on_upgrade);
/* Closes an upgraded socket (libmicrohttpd closes it). u and sock are invalid after.
 * Thread-safe. Returns 0, or -1 if it was already closed. */
int http_upgrade_close(struct http_upgrade *u);
/*
 * 1 when the request's Origin header is absent or names this server: the origin
 * (scheme://host[:port]) of base_url, or any scheme with the request's Host header.
 * Used by upgrade checks (browsers do not apply the same-origin policy to WebSockets).
 */
int http_req_origin_ok(const struct http_req *req, const char *base_url);

/* Metrics: the application adds lines to /metrics (called on each scrape). */
typedef void (*http_metrics_fn)(void *app, void *buf /* struct buf * */);
void http_set_metrics_fn(http_metrics_fn fn);

/*
 * Starts the server. Listens on cfg->listen (port 0 = any free port); *port_out gets
 * the bound port. Returns 0, FD_EIO (cannot bind), FD_EINVAL (bad address).
 */
int http_server_start(const struct fd_config *cfg, void *app, struct http_server **out,
                      int *port_out);
/* Stops accepting, lets in-flight requests finish, and frees the server. */
void http_server_stop(struct http_server *s);

#endif
