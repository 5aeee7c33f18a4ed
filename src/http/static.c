/*
 * Static files from web_dir: the pages (/support, /agent, ... → <page>/index.html) and
 * /static/<path> → static/<path>. GET and HEAD only.
 *
 * Paths arrive percent-decoded by libmicrohttpd, so "%2e%2e" is already ".." here and
 * is rejected like a literal one. Files are cached in memory with their strong ETag
 * (BLAKE2b of the bytes) and, for text types, a gzipped copy with its own ETag; an
 * entry is reused only while the file's inode, size and mtime are unchanged. The
 * cache is bounded (entries and bytes); past the bound files are read per request.
 */
#include "http.h"
#include "http_int.h"

#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define STATIC_FILE_MAX (32L << 20)
#define CACHE_ENTRIES_MAX 512
#define CACHE_BYTES_MAX (64L << 20)
#define ETAG_LEN 48

/* Pages served as <name>/index.html for /<name> and /<name>/... */
static const char *const pages[] = {"support", "agent", "help", "status"};

static const char CSP[] = "default-src 'self'; img-src 'self' data:; style-src 'self' "
                          "'unsafe-inline'; object-src 'none'; base-uri 'none'; "
                          "frame-ancestors 'none'; form-action 'self'";

/* ---- pure helpers -------------------------------------------------------------- */

static const struct {
    const char *ext;
    const char *type;
    int text;
} types[] = {
    {"html", "text/html; charset=utf-8", 1},
    {"htm", "text/html; charset=utf-8", 1},
    {"css", "text/css; charset=utf-8", 1},
    {"js", "text/javascript; charset=utf-8", 1},
    {"mjs", "text/javascript; charset=utf-8", 1},
    {"json", "application/json; charset=utf-8", 1},
    {"map", "application/json; charset=utf-8", 1},
    {"txt", "text/plain; charset=utf-8", 1},
    {"svg", "image/svg+xml", 1},
    {"png", "image/png", 0},
    {"jpg", "image/jpeg", 0},
    {"jpeg", "image/jpeg", 0},
    {"gif", "image/gif", 0},
    {"webp", "image/webp", 0},
    {"ico", "image/x-icon", 0},
    {"woff2", "font/woff2", 0},
};

const char *http__content_type(const char *name, int *compressible)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    if (compressible)
        *compressible = 0;
    if (dot && dot != base) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcasecmp(dot + 1, types[i].ext) == 0) {
                if (compressible)
                    *compressible = types[i].text;
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

int http__path_safe(const char *rel)
{
    if (!rel || rel[0] == '\0' || rel[0] == '/')
        return 0;
    if (strlen(rel) >= 512)
        return 0;
    const char *seg = rel;
    for (const char *p = rel;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == '\0') {
            if (p == seg) /* empty segment: "//" or a trailing '/' */
                return 0;
            if (seg[0] == '.') /* ".", "..", dot files */
                return 0;
            if (c == '\0')
                return 1;
            seg = p + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\') {
            return 0;
        }
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* q-value of one Accept-Encoding element's parameters: 0 if "q=0[.000]", else 1. */
static int q_positive(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ';'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            int nonzero = 0;
            while (p < end && !is_space(*p) && *p != ';') {
                if (*p >= '1' && *p <= '9')
                    nonzero = 1;
                p++;
            }
            return nonzero;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1;
}

int http__accepts_gzip(const char *ae)
{
    if (!ae)
        return 0;
    int gzip = -1, star = -1;
    const char *p = ae;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && is_space(*p))
            p++;
        const char *name = p;
        while (p < end && *p != ';' && !is_space(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        int q = q_positive(p, end);
        if ((nlen == 4 && strncasecmp(name, "gzip", 4) == 0) ||
            (nlen == 6 && strncasecmp(name, "x-gzip", 6) == 0))
            gzip = q;
        else if (nlen == 1 && name[0] == '*')
            star = q;
        p = *end ? end + 1 : end;
    }
    if (gzip >= 0)
        return gzip;
    return star > 0;
}

int http__etag_match(const char *inm, const char *etag)
{
    if (!inm || !etag)
        return 0;
    const char *want = etag;
    if (strncmp(want, "W/", 2) == 0)
        want += 2;
    size_t wlen = strlen(want);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (*p != '"')
            return 0; /* malformed: treat as no match */
        const char *close = strchr(p + 1, '"');
        if (!close)
            return 0;
        size_t len = (size_t)(close - p) + 1;
        if (len == wlen && memcmp(p, want, len) == 0)
            return 1;
        p = close + 1;
    }
    return 0;
}

int http__gzip(const void *data, size_t len, char **out, size_t *out_len)
{
    if (len > (size_t)STATIC_FILE_MAX)
        return FD_EIO;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return FD_EIO;
    uLong cap = deflateBound(&zs, (uLong)len);
    char *dst = xmalloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)dst;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = (size_t)zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(dst);
        return FD_EIO;
    }
    *out = dst;
    *out_len = n;
    return 0;
}

/* ---- file cache ---------------------------------------------------------------- */

struct entry {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *data;
    size_t len;
    char etag[ETAG_LEN];
    char *gz; /* NULL if not compressible or not smaller */
    size_t gz_len;
    char gz_etag[ETAG_LEN];
    struct entry *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *cache;
static int cache_entries;
static size_t cache_bytes;
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void init_sodium(void)
{
    /* Idempotent; main normally did it already. */
    if (sodium_init() < 0)
        log_printf(LOG_ERR, "http", "msg=\"sodium_init failed\"");
}

static void entry_free(struct entry *e)
{
    if (!e)
        return;
    free(e->path);
    free(e->data);
    free(e->gz);
    free(e);
}

void http__static_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    struct entry *e = cache;
    cache = NULL;
    cache_entries = 0;
    cache_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
    while (e) {
        struct entry *next = e->next;
        entry_free(e);
        e = next;
    }
}

static void make_etag(char *out, const void *data, size_t len, const char *suffix)
{
    unsigned char h[16];
    char hex[33];
    pthread_once(&sodium_once, init_sodium);
    crypto_generichash(h, sizeof(h), data, len, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, ETAG_LEN, "\"%s%s\"", hex, suffix);
}

static int same_file(const struct entry *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Copies what a response needs out of an entry. */
struct file_view {
    char *data;
    size_t len;
    char etag[ETAG_LEN];
    int gz;
};

static void view_from(const struct entry *e, int want_gz, struct file_view *v)
{
    const char *src = e->data;
    size_t n = e->len;
    v->gz = 0;
    snprintf(v->etag, sizeof(v->etag), "%s", e->etag);
    if (want_gz && e->gz) {
        src = e->gz;
        n = e->gz_len;
        v->gz = 1;
        snprintf(v->etag, sizeof(v->etag), "%s", e->gz_etag);
    }
    v->data = xmalloc(n + 1);
    memcpy(v->data, src, n);
    v->data[n] = '\0';
    v->len = n;
}

static int read_all(int fd, char *dst, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, dst + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return FD_EIO;
        got += (size_t)r;
    }
    return 0;
}

/*
 * Loads path (through the cache) into v. Returns 0, FD_ENOTFOUND (missing, not a
 * regular file) or FD_EIO.
 */
static int load(const char *path, int compressible, int want_gz, struct file_view *v)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return (errno == ENOENT || errno == ENOTDIR || errno == EACCES) ? FD_ENOTFOUND : FD_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return FD_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return FD_ENOTFOUND;
    }
    if (st.st_size > STATIC_FILE_MAX) {
        close(fd);
        log_printf(LOG_WARN, "http", "msg=\"static file too large\" size=%lld",
                   (long long)st.st_size);
        return FD_EIO;
    }

    pthread_mutex_lock(&cache_lock);
    for (struct entry *e = cache; e; e = e->next) {
        if (strcmp(e->path, path) == 0 && same_file(e, &st)) {
            view_from(e, want_gz, v);
            pthread_mutex_unlock(&cache_lock);
            close(fd);
            return 0;
        }
    }
    pthread_mutex_unlock(&cache_lock);

    /* Miss: read and prepare outside the lock. */
    struct entry *e = xcalloc(1, sizeof(*e));
    e->path = xstrdup(path);
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->size = st.st_size;
    e->mtime = st.st_mtim;
    e->len = (size_t)st.st_size;
    e->data = xmalloc(e->len + 1);
    int rc = read_all(fd, e->data, e->len);
    close(fd);
    if (rc) {
        entry_free(e);
        return rc;
    }
    e->data[e->len] = '\0';
    make_etag(e->etag, e->data, e->len, "");
    if (compressible && e->len > 0) {
        char *gz;
        size_t gz_len;
        if (http__gzip(e->data, e->len, &gz, &gz_len) == 0) {
            if (gz_len < e->len) {
                e->gz = gz;
                e->gz_len = gz_len;
                make_etag(e->gz_etag, e->data, e->len, "-gz");
            } else {
                free(gz);
            }
        }
    }
    view_from(e, want_gz, v);

    size_t bytes = e->len + e->gz_len;
    pthread_mutex_lock(&cache_lock);
    /* Drop a stale entry for the same path, then insert if there is room. */
    for (struct entry **pp = &cache; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->path, path) == 0) {
            struct entry *old = *pp;
            *pp = old->next;
            cache_entries--;
            cache_bytes -= old->len + old->gz_len;
            entry_free(old);
            break;
        }
    }
    if (cache_entries < CACHE_ENTRIES_MAX && cache_bytes + bytes <= (size_t)CACHE_BYTES_MAX) {
        e->next = cache;
        cache = e;
        cache_entries++;
        cache_bytes += bytes;
        e = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    entry_free(e);
    return 0;
}

/* ---- serving ------------------------------------------------------------------- */

static void not_found(struct http_resp *resp)
{
    http_resp_error(resp, 404, "not_found", "no such page or file");
}

/* Maps a request path to a file under web_dir; returns 0 and rel, or FD_ENOTFOUND. */
static int map_path(const char *path, char *rel, size_t n)
{
    if (strncmp(path, "/static/", 8) == 0) {
        if (!http__path_safe(path + 8))
            return FD_ENOTFOUND;
        int w = snprintf(rel, n, "static/%s", path + 8);
        return (w < 0 || (size_t)w >= n) ? FD_ENOTFOUND : 0;
    }
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        size_t plen = strlen(pages[i]);
        if (strncmp(path + 1, pages[i], plen) != 0)
            continue;
        const char *rest = path + 1 + plen;
        if (*rest != '\0' && *rest != '/')
            continue;
        /* The rest is not used to open a file, but is held to the same rules. */
        char check[512];
        int w = snprintf(check, sizeof(check), "%s", path + 1);
        if (w < 0 || (size_t)w >= sizeof(check))
            return FD_ENOTFOUND;
        size_t clen = (size_t)w;
        if (clen > 0 && check[clen - 1] == '/')
            check[clen - 1] = '\0';
        if (!http__path_safe(check))
            return FD_ENOTFOUND;
        w = snprintf(rel, n, "%s/index.html", pages[i]);
        return (w < 0 || (size_t)w >= n) ? FD_ENOTFOUND : 0;
    }
    return FD_ENOTFOUND;
}

void http__static_serve(const char *web_dir, struct http_req *req, struct http_resp *resp)
{
    const char *path = req->path;
    int is_get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

    char rel[600];
    if (strcmp(path, "/") == 0) {
        if (!is_get)
            goto method;
        resp->status = 302;
        http_resp_header(resp, "Location", "/support");
        return;
    }
    if (map_path(path, rel, sizeof(rel)) != 0) {
        not_found(resp);
        return;
    }
    if (!is_get)
        goto method;

    char full[2048];
    int w = snprintf(full, sizeof(full), "%s/%s", web_dir, rel);
    if (w < 0 || (size_t)w >= sizeof(full)) {
        not_found(resp);
        return;
    }
    int compressible;
    const char *type = http__content_type(rel, &compressible);
    int want_gz = compressible && http__accepts_gzip(http_req_header(req, "Accept-Encoding"));
    struct file_view v;
    int rc = load(full, compressible, want_gz, &v);
    if (rc == FD_ENOTFOUND) {
        not_found(resp);
        return;
    }
    if (rc) {
        http_resp_error(resp, 500, "internal", "cannot read the file");
        return;
    }

    int html = strncmp(type, "text/html", 9) == 0;
    http_resp_header(resp, "ETag", v.etag);
    http_resp_header(resp, "Cache-Control", html ? "no-cache" : "public, max-age=300");
    if (compressible)
        http_resp_header(resp, "Vary", "Accept-Encoding");
    if (html)
        http_resp_header(resp, "Content-Security-Policy", CSP);

    if (http__etag_match(http_req_header(req, "If-None-Match"), v.etag)) {
        free(v.data);
        resp->status = 304;
        return;
    }
    if (v.gz)
        http_resp_header(resp, "Content-Encoding", "gzip");
    free(resp->body);
    resp->status = 200;
    resp->body = v.data;
    resp->body_len = v.len;
    resp->content_type = type;
    return;

method:
    http_resp_header(resp, "Allow", "GET, HEAD");
    http_resp_error(resp, 405, "method_not_allowed", "only GET and HEAD are allowed here");
}
