#ifndef FD_HTTP_HTTP_INT_H
#define FD_HTTP_HTTP_INT_H
/*
 * Declarations shared by the files of src/http (server.c, router.c, static.c,
 * metrics.c) and by tests/unit/test_http.c. Nothing outside src/http includes this.
 *
 * The pure helpers (route matching, path checks, content types, ETag and
 * Accept-Encoding parsing, gzip) take no libmicrohttpd types, so they are unit-tested
 * without a server.
 */
#include "http.h"

#include <stddef.h>
#include <stdint.h>

struct buf;

/* ---- router.c ---------------------------------------------------------------- */

#define HTTP__MAX_ROUTES 256
#define HTTP__MAX_SEGMENTS 16

enum http__match_result {
    HTTP__MATCH_OK = 0,        /* a route for this method matched */
    HTTP__MATCH_NOT_FOUND = 1, /* no pattern matches the path */
    HTTP__MATCH_METHOD = 2,    /* the path matches, but only for other methods */
};

/*
 * The outcome of matching one request. params point into storage (owned, a copy of
 * the path split at '/'); release with http__match_release.
 */
struct http__match {
    http_handler handler;
    http_upgrade_fn on_upgrade; /* non-NULL for upgrade routes */
    const char *pattern;        /* the registered pattern (lives as long as the process) */
    size_t body_max;            /* 0 = the server's default */
    const char *params[HTTP_MAX_PARAMS];
    int nparams;
    char allow[96]; /* for 405: "GET, HEAD, POST" */
    char *storage;
};

/*
 * Matches method + decoded path against the registered routes. Literal segments beat
 * captures at the first position where two matching patterns differ, whatever the
 * registration order. HEAD falls back to GET. Returns an enum http__match_result; m
 * is always initialised and must be released.
 */
int http__route_match(const char *method, const char *path, struct http__match *m);
void http__match_release(struct http__match *m);
/* Forgets every route (tests). */
void http__routes_reset(void);

/* ---- static.c ---------------------------------------------------------------- */

/*
 * Returns 1 if rel (a path relative to a web directory, without the leading '/') is
 * safe to join to it: not empty, no "..", no "//", no backslash, no control bytes, no
 * segment starting with '.', no trailing '/'. Otherwise 0.
 */
int http__path_safe(const char *rel);
/* Content type for a file name by extension ("application/octet-stream" if unknown);
 * *compressible (may be NULL) is set to 1 for text-ish types worth gzipping. */
const char *http__content_type(const char *name, int *compressible);
/* 1 if an Accept-Encoding header value accepts gzip (q > 0), else 0. NULL → 0. */
int http__accepts_gzip(const char *accept_encoding);
/* 1 if an If-None-Match header value matches etag ("*", or a weak/strong match). */
int http__etag_match(const char *if_none_match, const char *etag);
/* Gzips data (windowBits 31). Returns 0 and a malloc'd *out, or FD_EIO. */
int http__gzip(const void *data, size_t len, char **out, size_t *out_len);
/*
 * Serves GET/HEAD for a non-API path from web_dir: "/" redirects to /support, pages
 * map to <page>/index.html, /static/<path> to static/<path>. Fills resp (404/405 JSON
 * errors included). Reads If-None-Match and Accept-Encoding through http_req_header.
 */
void http__static_serve(const char *web_dir, struct http_req *req, struct http_resp *resp);
/* Drops the file cache (at server stop). */
void http__static_cache_clear(void);

/* ---- metrics.c --------------------------------------------------------------- */

/* Records one finished request. route and method are copied. Thread-safe. */
void http__metrics_record(const char *route, const char *method, int status, int64_t us);
/* Appends the Prometheus text (own metrics, then the application's fn if set). */
void http__metrics_write(struct buf *b, void *app);
/* Zeroes every counter (tests). */
void http__metrics_reset(void);

/* ---- server.c ---------------------------------------------------------------- */

/*
 * Checks a WebSocket opening handshake's headers (any may be NULL). Returns 0 when it
 * is one, 1 when it is not a WebSocket request at all or is malformed (400), 2 when only
 * the version is unsupported (426).
 */
int http__ws_handshake_check(const char *upgrade, const char *connection, const char *version,
                             const char *key);
/* Sec-WebSocket-Accept for key: base64(SHA-1(key + GUID)) into out (>= 29 bytes).
 * Returns 0 or -1. */
int http__ws_accept(const char *key, char *out, size_t n);
/* The pure part of http_req_origin_ok (origin, host may be NULL). */
int http__origin_ok(const char *origin, const char *host, const char *base_url);

/* Formats a 16-hex-digit request id into out (>= 17 bytes). Thread-safe. */
void http__request_id(char *out, size_t n);
/* Resets resp to empty, freeing what it owns. */
void http__resp_release(struct http_resp *resp);

#endif
