/*
 * The router: a fixed table of method + pattern → handler, filled before the server
 * starts and only read afterwards (so worker threads read it without a lock).
 *
 * A pattern is split into segments once, at registration. A path is matched segment
 * by segment: a literal must be equal, a "{name}" capture takes any non-empty segment.
 * libmicrohttpd has already percent-decoded the path, so a capture is a decoded
 * segment and is never decoded twice; it never contains '/' because the path is split
 * at '/' before matching.
 */
#include "http.h"
#include "http_int.h"

#include "core/log.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route {
    char method[16];
    char *pattern;
    char *storage; /* pattern copy split into segments */
    const char *seg[HTTP__MAX_SEGMENTS];
    unsigned char capture[HTTP__MAX_SEGMENTS];
    int nseg;
    http_handler handler;
    http_upgrade_fn on_upgrade;
    size_t body_max;
};

static struct route routes[HTTP__MAX_ROUTES];
static int nroutes;

static void fatal(const char *what, const char *method, const char *pattern)
{
    log_printf(LOG_ERR, "http", "msg=\"bad route: %s\" method=%s pattern=%s", what, method,
               pattern);
    abort();
}

/* Splits s (a copy, modified in place) at '/' into at most max segments; -1 if more. */
static int split(char *s, const char **seg, int max)
{
    int n = 0;
    for (char *p = s;;) {
        if (n == max)
            return -1;
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return n;
}

void http_route(const char *method, const char *pattern, http_handler h)
{
    if (!method || !pattern || !h || pattern[0] != '/')
        fatal("pattern must start with '/'", method ? method : "-", pattern ? pattern : "-");
    if (nroutes == HTTP__MAX_ROUTES)
        fatal("too many routes", method, pattern);
    if (strlen(method) >= sizeof(routes[0].method))
        fatal("method too long", method, pattern);
    for (int i = 0; i < nroutes; i++) {
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].pattern, pattern) == 0)
            fatal("duplicate route", method, pattern);
    }
    struct route *r = &routes[nroutes];
    memset(r, 0, sizeof(*r));
    snprintf(r->method, sizeof(r->method), "%s", method);
    r->pattern = xstrdup(pattern);
    r->storage = xstrdup(pattern + 1);
    r->nseg = split(r->storage, r->seg, HTTP__MAX_SEGMENTS);
    if (r->nseg < 0)
        fatal("too many segments", method, pattern);
    int ncap = 0;
    for (int i = 0; i < r->nseg; i++) {
        size_t len = strlen(r->seg[i]);
        if (len >= 2 && r->seg[i][0] == '{' && r->seg[i][len - 1] == '}') {
            r->capture[i] = 1;
            ncap++;
        } else if (strchr(r->seg[i], '{') || strchr(r->seg[i], '}')) {
            fatal("a capture must be a whole segment", method, pattern);
        }
    }
    if (ncap > HTTP_MAX_PARAMS)
        fatal("too many captures", method, pattern);
    r->handler = h;
    nroutes++;
}

void http_route_upgrade(const char *pattern, http_handler check, http_upgrade_fn on_upgrade)
{
    if (!on_upgrade)
        fatal("an upgrade route needs an upgrade function", "GET", pattern ? pattern : "-");
    http_route("GET", pattern, check);
    routes[nroutes - 1].on_upgrade = on_upgrade;
}

void http_route_body_max(const char *method, const char *pattern, size_t max)
{
    for (int i = 0; i < nroutes; i++) {
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].pattern, pattern) == 0) {
            routes[i].body_max = max;
            return;
        }
    }
    log_printf(LOG_WARN, "http", "msg=\"body limit for an unknown route\" method=%s pattern=%s",
               method, pattern);
}

void http__routes_reset(void)
{
    for (int i = 0; i < nroutes; i++) {
        FD_FREE(routes[i].pattern);
        FD_FREE(routes[i].storage);
    }
    nroutes = 0;
}

static int path_matches(const struct route *r, const char *const *seg, int nseg)
{
    if (r->nseg != nseg)
        return 0;
    for (int i = 0; i < nseg; i++) {
        if (r->capture[i]) {
            if (seg[i][0] == '\0')
                return 0;
        } else if (strcmp(r->seg[i], seg[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

/* 1 if a is more specific than b: a literal where b captures, at the first difference. */
static int more_specific(const struct route *a, const struct route *b)
{
    for (int i = 0; i < a->nseg; i++) {
        if (a->capture[i] != b->capture[i])
            return !a->capture[i];
    }
    return 0;
}

static void allow_add(char *allow, size_t n, const char *method)
{
    /* Exact token comparison over the comma-separated list built so far. */
    size_t mlen = strlen(method);
    for (const char *p = allow; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == mlen && memcmp(p, method, mlen) == 0)
            return;
        if (!end)
            break;
        p = end + 2;
    }
    size_t used = strlen(allow);
    snprintf(allow + used, n - used, "%s%s", used ? ", " : "", method);
}

int http__route_match(const char *method, const char *path, struct http__match *m)
{
    memset(m, 0, sizeof(*m));
    if (!path || path[0] != '/')
        return HTTP__MATCH_NOT_FOUND;
    m->storage = xstrdup(path + 1);
    const char *seg[HTTP__MAX_SEGMENTS];
    int nseg = split(m->storage, seg, HTTP__MAX_SEGMENTS);
    if (nseg < 0)
        return HTTP__MATCH_NOT_FOUND;

    const struct route *best = NULL, *best_get = NULL;
    int any = 0;
    for (int i = 0; i < nroutes; i++) {
        const struct route *r = &routes[i];
        if (!path_matches(r, seg, nseg))
            continue;
        any = 1;
        allow_add(m->allow, sizeof(m->allow), r->method);
        if (strcmp(r->method, "GET") == 0)
            allow_add(m->allow, sizeof(m->allow), "HEAD");
        if (strcmp(r->method, method) == 0) {
            if (!best || more_specific(r, best))
                best = r;
        } else if (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0) {
            if (!best_get || more_specific(r, best_get))
                best_get = r;
        }
    }
    if (!best)
        best = best_get;
    if (!best)
        return any ? HTTP__MATCH_METHOD : HTTP__MATCH_NOT_FOUND;

    m->handler = best->handler;
    m->on_upgrade = best->on_upgrade;
    m->pattern = best->pattern;
    m->body_max = best->body_max;
    for (int i = 0; i < nseg; i++) {
        if (best->capture[i])
            m->params[m->nparams++] = seg[i];
    }
    return HTTP__MATCH_OK;
}

void http__match_release(struct http__match *m)
{
    FD_FREE(m->storage);
    m->nparams = 0;
}
