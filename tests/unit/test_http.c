/*
 * Unit tests of src/http: route matching, path checks, content types, ETag and
 * Accept-Encoding parsing, gzip, metrics text, response builders, static serving
 * from a temporary web directory, and a real server on an ephemeral loopback port
 * driven over a plain socket.
 */
#include "http/http.h"
#include "http/http_int.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- router ---------------------------------------------------------------------- */

static void h_a(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 200;
}
static void h_b(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 201;
}
static void h_c(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 202;
}

Test(router, literal_and_capture)
{
    http_route("GET", "/api/v1/tickets/{ref}", h_a);
    http_route("GET", "/api/v1/tickets/{ref}/messages/{id}", h_b);
    struct http__match m;
    cr_assert_eq(http__route_match("GET", "/api/v1/tickets/FD-10001", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_a);
    cr_assert_str_eq(m.pattern, "/api/v1/tickets/{ref}");
    cr_assert_eq(m.nparams, 1);
    cr_assert_str_eq(m.params[0], "FD-10001");
    http__match_release(&m);

    cr_assert_eq(http__route_match("GET", "/api/v1/tickets/FD-1/messages/42", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_b);
    cr_assert_eq(m.nparams, 2);
    cr_assert_str_eq(m.params[0], "FD-1");
    cr_assert_str_eq(m.params[1], "42");
    http__match_release(&m);
}

Test(router, literal_beats_capture_in_any_order)
{
    http_route("GET", "/api/v1/tickets/{ref}", h_a);
    http_route("GET", "/api/v1/tickets/counts", h_b);
    http_route("GET", "/api/v1/{x}/counts", h_c);
    struct http__match m;
    cr_assert_eq(http__route_match("GET", "/api/v1/tickets/counts", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_b);
    cr_assert_eq(m.nparams, 0);
    http__match_release(&m);
    cr_assert_eq(http__route_match("GET", "/api/v1/tickets/FD-2", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_a);
    http__match_release(&m);
    cr_assert_eq(http__route_match("GET", "/api/v1/users/counts", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_c);
    cr_assert_str_eq(m.params[0], "users");
    http__match_release(&m);
}

Test(router, not_found_vs_method_not_allowed)
{
    http_route("GET", "/api/v1/tickets", h_a);
    http_route("POST", "/api/v1/tickets", h_b);
    http_route("PATCH", "/api/v1/tickets/{ref}", h_c);
    struct http__match m;
    cr_assert_eq(http__route_match("POST", "/api/v1/tickets", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_b);
    http__match_release(&m);

    cr_assert_eq(http__route_match("DELETE", "/api/v1/tickets", &m), HTTP__MATCH_METHOD);
    cr_assert_str_eq(m.allow, "GET, HEAD, POST");
    http__match_release(&m);

    cr_assert_eq(http__route_match("GET", "/api/v1/tickets/FD-1", &m), HTTP__MATCH_METHOD);
    cr_assert_str_eq(m.allow, "PATCH");
    http__match_release(&m);

    cr_assert_eq(http__route_match("GET", "/api/v1/nope", &m), HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
    /* Trailing slash, empty capture, extra segments: no match. */
    cr_assert_eq(http__route_match("GET", "/api/v1/tickets/", &m), HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
    cr_assert_eq(http__route_match("PATCH", "/api/v1/tickets/", &m), HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
    cr_assert_eq(http__route_match("PATCH", "/api/v1/tickets/a/b", &m), HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
    cr_assert_eq(http__route_match("GET", "api/v1/tickets", &m), HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
    cr_assert_eq(http__route_match("GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w", &m),
                 HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
}

Test(router, head_falls_back_to_get)
{
    http_route("GET", "/api/v1/me", h_a);
    struct http__match m;
    cr_assert_eq(http__route_match("HEAD", "/api/v1/me", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_a);
    http__match_release(&m);
    http_route("HEAD", "/api/v1/me", h_b);
    cr_assert_eq(http__route_match("HEAD", "/api/v1/me", &m), HTTP__MATCH_OK);
    cr_assert_eq(m.handler, h_b);
    http__match_release(&m);
}

Test(router, capture_is_one_segment_and_body_max)
{
    http_route("POST", "/api/v1/tickets/{ref}/attachments", h_a);
    http_route_body_max("POST", "/api/v1/tickets/{ref}/attachments", 10u << 20);
    struct http__match m;
    /* A decoded "%2F" is a real '/' by the time the router sees it: two segments. */
    cr_assert_eq(http__route_match("POST", "/api/v1/tickets/a/b/attachments", &m),
                 HTTP__MATCH_NOT_FOUND);
    http__match_release(&m);
    cr_assert_eq(http__route_match("POST", "/api/v1/tickets/a b/attachments", &m), HTTP__MATCH_OK);
    cr_assert_str_eq(m.params[0], "a b");
    cr_assert_eq(m.body_max, 10u << 20);
    http__match_release(&m);
}

Test(router, bad_pattern_aborts, .signal = SIGABRT)
{
    http_route("GET", "/api/v1/x{y}", h_a);
}

Test(router, duplicate_aborts, .signal = SIGABRT)
{
    http_route("GET", "/api/v1/x", h_a);
    http_route("GET", "/api/v1/x", h_b);
}

/* ---- pure static helpers -------------------------------------------------------------- */

Test(static_helpers, path_safe)
{
    const char *good[] = {"app.css", "img/logo.png", "a/b/c.js", "x..y.txt", "a-b_c~d.js"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_assert(http__path_safe(good[i]), "%s should be safe", good[i]);
    const char *bad[] = {"",      "..",    "../etc/passwd", "a/../b",        "a/..",   "a//b",
                         "a\\b",  "..\\x", ".env",          "a/.git/config", "a/",     "/abs",
                         "a/./b", ".",     "a\x01b",        "a\nb",          "a/b\x7f"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(http__path_safe(bad[i]), "'%s' should be rejected", bad[i]);
}

Test(static_helpers, content_type)
{
    int c;
    cr_assert_str_eq(http__content_type("index.html", &c), "text/html; charset=utf-8");
    cr_assert_eq(c, 1);
    cr_assert_str_eq(http__content_type("a/app.css", &c), "text/css; charset=utf-8");
    cr_assert_str_eq(http__content_type("a/app.js", &c), "text/javascript; charset=utf-8");
    cr_assert_eq(c, 1);
    cr_assert_str_eq(http__content_type("m.mjs", NULL), "text/javascript; charset=utf-8");
    cr_assert_str_eq(http__content_type("d.json", NULL), "application/json; charset=utf-8");
    cr_assert_str_eq(http__content_type("i.svg", &c), "image/svg+xml");
    cr_assert_eq(c, 1);
    cr_assert_str_eq(http__content_type("i.PNG", &c), "image/png");
    cr_assert_eq(c, 0);
    cr_assert_str_eq(http__content_type("p.jpg", NULL), "image/jpeg");
    cr_assert_str_eq(http__content_type("p.gif", NULL), "image/gif");
    cr_assert_str_eq(http__content_type("p.webp", NULL), "image/webp");
    cr_assert_str_eq(http__content_type("favicon.ico", NULL), "image/x-icon");
    cr_assert_str_eq(http__content_type("f.woff2", NULL), "font/woff2");
    cr_assert_str_eq(http__content_type("r.txt", NULL), "text/plain; charset=utf-8");
    cr_assert_str_eq(http__content_type("app.js.map", NULL), "application/json; charset=utf-8");
    cr_assert_str_eq(http__content_type("x.exe", &c), "application/octet-stream");
    cr_assert_eq(c, 0);
    cr_assert_str_eq(http__content_type("Makefile", NULL), "application/octet-stream");
    cr_assert_str_eq(http__content_type("dir.css/file", NULL), "application/octet-stream");
}

Test(static_helpers, accepts_gzip)
{
    cr_assert(http__accepts_gzip("gzip, deflate, br"));
    cr_assert(http__accepts_gzip("br;q=1.0, gzip;q=0.5"));
    cr_assert(http__accepts_gzip("GZIP"));
    cr_assert(http__accepts_gzip("x-gzip"));
    cr_assert(http__accepts_gzip("*"));
    cr_assert(http__accepts_gzip("deflate, *;q=0.1"));
    cr_assert_not(http__accepts_gzip(NULL));
    cr_assert_not(http__accepts_gzip(""));
    cr_assert_not(http__accepts_gzip("deflate, br"));
    cr_assert_not(http__accepts_gzip("gzip;q=0"));
    cr_assert_not(http__accepts_gzip("gzip; q=0.000, br"));
    cr_assert_not(http__accepts_gzip("*;q=0"));
    cr_assert_not(http__accepts_gzip("gzip;q=0, *"));
    cr_assert_not(http__accepts_gzip("gzipx"));
    cr_assert_not(http__accepts_gzip("identity"));
}

Test(static_helpers, etag_match)
{
    const char *e = "\"abc\"";
    cr_assert(http__etag_match("\"abc\"", e));
    cr_assert(http__etag_match("\"x\", \"abc\"", e));
    cr_assert(http__etag_match("W/\"abc\"", e));
    cr_assert(http__etag_match("*", e));
    cr_assert_not(http__etag_match("\"abcd\"", e));
    cr_assert_not(http__etag_match("\"ab\"", e));
    cr_assert_not(http__etag_match("abc", e));
    cr_assert_not(http__etag_match("\"abc", e));
    cr_assert_not(http__etag_match("", e));
    cr_assert_not(http__etag_match(NULL, e));
    cr_assert_not(http__etag_match("\"abc-gz\"", e));
}

Test(static_helpers, gzip_round_trip)
{
    char in[4096];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (char)('a' + (i % 7));
    char *gz;
    size_t gz_len;
    cr_assert_eq(http__gzip(in, sizeof(in), &gz, &gz_len), 0);
    cr_assert_lt(gz_len, sizeof(in));
    cr_assert_eq((unsigned char)gz[0], 0x1f); /* gzip magic */
    cr_assert_eq((unsigned char)gz[1], 0x8b);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    cr_assert_eq(inflateInit2(&zs, 31), Z_OK);
    char out[8192];
    zs.next_in = (Bytef *)gz;
    zs.avail_in = (uInt)gz_len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = sizeof(out);
    cr_assert_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
    cr_assert_eq(zs.total_out, sizeof(in));
    cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
    inflateEnd(&zs);
    free(gz);
}

/* ---- metrics ----------------------------------------------------------------------- */

static void app_metrics(void *app, void *b)
{
    buf_printf(b, "frontdesk_app_value %d\n", *(int *)app);
}

Test(metrics, counter_and_histogram)
{
    http__metrics_reset();
    http__metrics_record("/api/v1/tickets/{ref}", "GET", 200, 700);
    http__metrics_record("/api/v1/tickets/{ref}", "GET", 200, 30000);
    http__metrics_record("static", "BREW", 404, 6000000);
    int v = 7;
    http_set_metrics_fn(app_metrics);
    struct buf b;
    buf_init(&b, 0);
    http__metrics_write(&b, &v);
    const char *t = b.ptr;
    cr_assert(strstr(t, "# TYPE frontdesk_http_requests_total counter\n"));
    cr_assert(strstr(t, "frontdesk_http_requests_total{route=\"/api/v1/tickets/{ref}\","
                        "method=\"GET\",status=\"200\"} 2\n"),
              "%s", t);
    cr_assert(strstr(t, "frontdesk_http_requests_total{route=\"static\",method=\"other\","
                        "status=\"404\"} 1\n"),
              "%s", t);
    cr_assert(strstr(t, "# TYPE frontdesk_http_request_duration_seconds histogram\n"));
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"), "%s",
              t);
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_bucket{le=\"0.025\"} 1\n"), "%s",
              t);
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_bucket{le=\"0.05\"} 2\n"), "%s",
              t);
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_bucket{le=\"5\"} 2\n"), "%s", t);
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"), "%s",
              t);
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_sum 6.030700\n"), "%s", t);
    cr_assert(strstr(t, "frontdesk_http_request_duration_seconds_count 3\n"), "%s", t);
    cr_assert(strstr(t, "frontdesk_app_value 7\n"), "%s", t);
    buf_release(&b);
}

Test(metrics, label_escaping)
{
    http__metrics_reset();
    http__metrics_record("a\"b\\c", "GET", 200, 1);
    struct buf b;
    buf_init(&b, 0);
    http__metrics_write(&b, NULL);
    cr_assert(strstr(b.ptr, "route=\"a\\\"b\\\\c\""), "%s", b.ptr);
    buf_release(&b);
}

/* ---- response builders -------------------------------------------------------------- */

Test(resp, error_body_and_headers)
{
    struct http_resp r;
    memset(&r, 0, sizeof(r));
    http_resp_error(&r, 400, "invalid_field", "field %s is bad", "email");
    cr_assert_eq(r.status, 400);
    cr_assert_str_eq(r.body,
                     "{\"error\":{\"code\":\"invalid_field\",\"message\":\"field email is bad\"}}");
    cr_assert_str_eq(r.content_type, "application/json; charset=utf-8");
    /* Invalid UTF-8 in the message still gives a valid JSON body. */
    http_resp_error(&r, 400, "bad_json", "bad byte \xff here");
    cr_assert(strstr(r.body, "bad byte ? here"), "%s", r.body);
    for (int i = 0; i < HTTP_RESP_MAX_HEADERS + 3; i++)
        http_resp_header(&r, "X-N", "v");
    cr_assert_eq(r.nheaders, HTTP_RESP_MAX_HEADERS);
    http__resp_release(&r);
    http_resp_header(&r, "X-Evil", "a\r\nSet-Cookie: x=y");
    cr_assert_eq(r.nheaders, 0);
    http_resp_json(&r, 201, json_pack("{s:i}", "id", 5));
    cr_assert_eq(r.status, 201);
    cr_assert_str_eq(r.body, "{\"id\":5}");
    http_resp_bytes(&r, 200, "text/plain", "a\0b", 3);
    cr_assert_eq(r.body_len, 3);
    cr_assert_eq(memcmp(r.body, "a\0b", 4), 0);
    http__resp_release(&r);
    cr_assert_null(r.body);
}

Test(resp, request_ids)
{
    char a[24], b[24];
    http__request_id(a, sizeof(a));
    http__request_id(b, sizeof(b));
    cr_assert_eq(strlen(a), 16);
    cr_assert_eq(strspn(a, "0123456789abcdef"), 16);
    cr_assert_str_neq(a, b);
}

/* ---- static serving from a temporary directory ---------------------------------------- */

static char webdir[256];

static void write_file(const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", webdir, rel);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(content, f);
    fclose(f);
}

static void make_webdir(void)
{
    snprintf(webdir, sizeof(webdir), "/tmp/fd-test-web-XXXXXX");
    cr_assert_not_null(mkdtemp(webdir));
    char p[512];
    const char *dirs[] = {"support", "agent", "static", "static/img"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", webdir, dirs[i]);
        mkdir(p, 0755);
    }
    write_file("support/index.html", "<!doctype html><title>support</title>");
    write_file("agent/index.html", "<!doctype html><title>agent</title>");
    write_file("static/app.css", "body { color: red; }");
    write_file("static/.hidden", "secret");
    write_file("secret.txt", "top secret");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_webdir(void)
{
    if (webdir[0])
        nftw(webdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    webdir[0] = '\0';
}

static void serve(const char *method, const char *path, struct http_resp *r)
{
    struct http_req req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = path;
    memset(r, 0, sizeof(*r));
    http__static_serve(webdir, &req, r);
}

static const char *hdr(const struct http_resp *r, const char *name)
{
    for (int i = 0; i < r->nheaders; i++) {
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    }
    return NULL;
}

Test(static_serve, pages_files_and_rejections, .init = make_webdir, .fini = remove_webdir)
{
    struct http_resp r;
    serve("GET", "/", &r);
    cr_assert_eq(r.status, 302);
    cr_assert_str_eq(hdr(&r, "Location"), "/support");
    http__resp_release(&r);

    const char *support[] = {"/support", "/support/", "/support/tickets/FD-10001"};
    for (size_t i = 0; i < 3; i++) {
        serve("GET", support[i], &r);
        cr_assert_eq(r.status, 200, "%s", support[i]);
        cr_assert(strstr(r.body, "<title>support</title>"));
        cr_assert_str_eq(r.content_type, "text/html; charset=utf-8");
        cr_assert_str_eq(hdr(&r, "Cache-Control"), "no-cache");
        cr_assert_not_null(hdr(&r, "Content-Security-Policy"));
        http__resp_release(&r);
    }
    serve("HEAD", "/agent/x", &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "<title>agent</title>"));
    http__resp_release(&r);

    serve("GET", "/static/app.css", &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "body { color: red; }");
    cr_assert_str_eq(r.content_type, "text/css; charset=utf-8");
    cr_assert_str_eq(hdr(&r, "Cache-Control"), "public, max-age=300");
    cr_assert_str_eq(hdr(&r, "Vary"), "Accept-Encoding");
    const char *etag = hdr(&r, "ETag");
    cr_assert_not_null(etag);
    cr_assert_eq(etag[0], '"');
    cr_assert_null(hdr(&r, "Content-Encoding"));
    char saved[64];
    snprintf(saved, sizeof(saved), "%s", etag);
    http__resp_release(&r);
    /* Cached: same ETag. */
    serve("GET", "/static/app.css", &r);
    cr_assert_str_eq(hdr(&r, "ETag"), saved);
    http__resp_release(&r);
    /* Changed content: new ETag. */
    write_file("static/app.css", "body { color: blue; }");
    serve("GET", "/static/app.css", &r);
    cr_assert_str_eq(r.body, "body { color: blue; }");
    cr_assert_str_neq(hdr(&r, "ETag"), saved);
    http__resp_release(&r);

    const char *missing[] = {"/static/nope.js",  "/static/../secret.txt",  "/static/img/../app.css",
                             "/static//app.css", "/static/.hidden",        "/static/img",
                             "/static/",         "/support/../secret.txt", "/supportx",
                             "/secret.txt",      "/static/a\\b",           "/favicon.ico"};
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        serve("GET", missing[i], &r);
        cr_assert_eq(r.status, 404, "%s -> %d", missing[i], r.status);
        cr_assert(strstr(r.body, "\"not_found\""));
        http__resp_release(&r);
    }
    serve("POST", "/support", &r);
    cr_assert_eq(r.status, 405);
    cr_assert_str_eq(hdr(&r, "Allow"), "GET, HEAD");
    http__resp_release(&r);
    http__static_cache_clear();
}

/* ---- a real server ------------------------------------------------------------------ */

static void h_ticket(struct http_req *req, struct http_resp *resp)
{
    const char *q = http_req_query(req, "q");
    const char *ck = http_req_cookie(req, "fd_session");
    http_resp_json(resp, 200,
                   json_pack("{s:s,s:s,s:s?,s:s?,s:I}", "ref", req->params[0], "route", req->route,
                             "q", q, "cookie", ck, "len", (json_int_t)req->body_len));
    http_resp_header(resp, "X-Handler", "yes");
}

static void h_nothing(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    (void)resp;
}

static int after_calls;

static void before(struct http_req *req, struct http_resp *resp)
{
    if (http_req_header(req, "X-Deny"))
        http_resp_error(resp, 401, "unauthorized", "no");
}

static void after(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    (void)resp;
    after_calls++;
}

static struct http_server *srv;
static int port;

static void start_server(void)
{
    make_webdir();
    http_route("GET", "/api/v1/tickets/{ref}", h_ticket);
    http_route("POST", "/api/v1/tickets/{ref}", h_ticket);
    http_route("GET", "/api/v1/nothing", h_nothing);
    http_set_hooks(before, after);
    struct fd_config cfg;
    config_defaults(&cfg);
    snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
    snprintf(cfg.web_dir, sizeof(cfg.web_dir), "%s", webdir);
    cfg.threads = 2;
    cr_assert_eq(http_server_start(&cfg, NULL, &srv, &port), 0);
    cr_assert_gt(port, 0);
}

static void stop_server(void)
{
    http_server_stop(srv);
    srv = NULL;
    remove_webdir();
}

/* Sends raw bytes (request head, then body_len bytes of 'x'); returns the response. */
static char *exchange(const char *head, size_t body_len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    char chunk[65536];
    memset(chunk, 'x', sizeof(chunk));
    while (body_len) {
        size_t n = body_len < sizeof(chunk) ? body_len : sizeof(chunk);
        ssize_t w = send(fd, chunk, n, MSG_NOSIGNAL);
        cr_assert_gt(w, 0);
        body_len -= (size_t)w;
    }
    struct buf b;
    buf_init(&b, 0);
    for (;;) {
        ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
        if (r <= 0)
            break;
        buf_append(&b, chunk, (size_t)r);
    }
    close(fd);
    return buf_detach(&b, NULL);
}

static char *get(const char *method, const char *path, const char *extra)
{
    char head[1024];
    snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n", method,
             path, extra ? extra : "");
    return exchange(head, 0);
}

static int status_of(const char *resp)
{
    int st = 0;
    if (strncmp(resp, "HTTP/1.1 ", 9) == 0)
        st = (int)strtol(resp + 9, NULL, 10);
    return st;
}

TestSuite(server, .init = start_server, .fini = stop_server);

Test(server, healthz_and_common_headers)
{
    char *r = get("GET", "/healthz", NULL);
    cr_assert_eq(status_of(r), 200, "%s", r);
    cr_assert(strstr(r, "{\"status\":\"ok\"}"), "%s", r);
    cr_assert(strcasestr(r, "\r\nX-Request-Id: "), "%s", r);
    cr_assert(strcasestr(r, "\r\nX-Content-Type-Options: nosniff\r\n"), "%s", r);
    cr_assert(strcasestr(r, "\r\nContent-Type: application/json; charset=utf-8\r\n"), "%s", r);
    free(r);
}

Test(server, api_routes)
{
    char *r = get("GET", "/api/v1/tickets/FD-7?q=a%20b", "Cookie: fd_session=s1; other=2\r\n");
    cr_assert_eq(status_of(r), 200, "%s", r);
    cr_assert(strstr(r, "\"ref\":\"FD-7\""), "%s", r);
    cr_assert(strstr(r, "\"route\":\"/api/v1/tickets/{ref}\""), "%s", r);
    cr_assert(strstr(r, "\"q\":\"a b\""), "%s", r);
    cr_assert(strstr(r, "\"cookie\":\"s1\""), "%s", r);
    cr_assert(strcasestr(r, "\r\nCache-Control: no-store\r\n"), "%s", r);
    cr_assert(strcasestr(r, "\r\nX-Handler: yes\r\n"), "%s", r);
    free(r);

    r = get("GET", "/api/v1/tickets/FD%2D8", NULL);
    cr_assert(strstr(r, "\"ref\":\"FD-8\""), "%s", r);
    free(r);

    r = get("GET", "/api/v1/nope", NULL);
    cr_assert_eq(status_of(r), 404, "%s", r);
    cr_assert(strstr(r, "\"code\":\"not_found\""), "%s", r);
    free(r);

    r = get("DELETE", "/api/v1/tickets/FD-7", NULL);
    cr_assert_eq(status_of(r), 405, "%s", r);
    cr_assert(strstr(r, "\"code\":\"method_not_allowed\""), "%s", r);
    cr_assert(strcasestr(r, "\r\nAllow: GET, HEAD, POST\r\n"), "%s", r);
    free(r);

    r = get("GET", "/api/v1/tickets/FD-7", "X-Deny: 1\r\n");
    cr_assert_eq(status_of(r), 401, "%s", r);
    free(r);

    r = get("GET", "/api/v1/nothing", NULL);
    cr_assert_eq(status_of(r), 500, "%s", r);
    cr_assert(strstr(r, "\"code\":\"internal\""), "%s", r);
    free(r);
}

Test(server, bodies_and_limits)
{
    char head[512];
    snprintf(head, sizeof(head),
             "POST /api/v1/tickets/FD-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Length: 1000\r\n\r\n");
    char *r = exchange(head, 1000);
    cr_assert_eq(status_of(r), 200, "%s", r);
    cr_assert(strstr(r, "\"len\":1000"), "%s", r);
    free(r);

    /* 2 MiB, announced: read, discarded, then 413. */
    snprintf(head, sizeof(head),
             "POST /api/v1/tickets/FD-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Length: %d\r\n\r\n",
             2 << 20);
    r = exchange(head, 2u << 20);
    cr_assert_eq(status_of(r), 413, "%.300s", r);
    cr_assert(strstr(r, "\"code\":\"payload_too_large\""), "%s", r);
    free(r);

    /* 2 MiB chunked (no Content-Length): 413 once the limit is crossed. */
    snprintf(head, sizeof(head),
             "POST /api/v1/tickets/FD-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Transfer-Encoding: chunked\r\n\r\n200000\r\n");
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, head);
    char *big = xmalloc(0x200000);
    memset(big, 'y', 0x200000);
    buf_append(&b, big, 0x200000);
    buf_puts(&b, "\r\n0\r\n\r\n");
    free(big);
    r = exchange(b.ptr, 0);
    cr_assert_eq(status_of(r), 413, "%.300s", r);
    free(r);
    buf_release(&b);

    /* Expect: 100-continue with a too-large length: refused before the upload. */
    snprintf(head, sizeof(head),
             "POST /api/v1/tickets/FD-1 HTTP/1.1\r\nHost: x\r\n"
             "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n",
             50 << 20);
    r = exchange(head, 0);
    cr_assert_eq(status_of(r), 413, "%.300s", r);
    free(r);
}

Test(server, static_gzip_etag_and_metrics)
{
    char big_css[8192];
    size_t o = 0;
    while (o + 40 < sizeof(big_css))
        o += (size_t)snprintf(big_css + o, sizeof(big_css) - o, ".c%zu { color: red; }\n", o);
    write_file("static/big.css", big_css);

    char *r = get("GET", "/static/big.css", "Accept-Encoding: gzip, br\r\n");
    cr_assert_eq(status_of(r), 200, "%.300s", r);
    cr_assert(strcasestr(r, "\r\nContent-Encoding: gzip\r\n"), "%.400s", r);
    cr_assert(strcasestr(r, "\r\nVary: Accept-Encoding\r\n"), "%.400s", r);
    const char *e = strcasestr(r, "\r\nETag: ");
    cr_assert_not_null(e);
    char etag[80];
    size_t n = strcspn(e + 8, "\r");
    cr_assert_lt(n, sizeof(etag));
    memcpy(etag, e + 8, n);
    etag[n] = '\0';
    cr_assert(strstr(etag, "-gz\""), "%s", etag);
    free(r);

    char extra[256];
    snprintf(extra, sizeof(extra), "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", etag);
    r = get("GET", "/static/big.css", extra);
    cr_assert_eq(status_of(r), 304, "%.300s", r);
    free(r);
    /* The gzip ETag does not validate the identity variant. */
    snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
    r = get("GET", "/static/big.css", extra);
    cr_assert_eq(status_of(r), 200, "%.300s", r);
    cr_assert_null(strcasestr(r, "Content-Encoding"));
    free(r);

    r = get("GET", "/static/%2e%2e/secret.txt", NULL);
    cr_assert_eq(status_of(r), 404, "%.300s", r);
    free(r);
    r = get("GET", "/", NULL);
    cr_assert_eq(status_of(r), 302, "%.300s", r);
    cr_assert(strcasestr(r, "\r\nLocation: /support\r\n"), "%.300s", r);
    free(r);

    r = get("GET", "/metrics", NULL);
    cr_assert_eq(status_of(r), 200, "%.300s", r);
    cr_assert(strstr(r, "frontdesk_http_requests_total{route=\"static\",method=\"GET\","
                        "status=\"304\"} 1\n"),
              "%s", r);
    cr_assert(strstr(r, "frontdesk_http_request_duration_seconds_count "), "%s", r);
    free(r);
}
