/*
 * kb_search: help-center search at scale, in process and over HTTP. Builds a fresh store
 * in a temporary directory with N published articles (default 100,000) generated from the
 * Banking77 questions (title: one question; body: it and three other questions of the same
 * intent plus a sentence naming the intent; tags: the intent), imported as JSON Lines
 * through kb_import_path like an operator's bulk import, then re-indexed with
 * kb_search_rebuild, whose time is the index build time (every article re-indexed, then
 * the index merged into one segment). Then it times Q queries (default 2000) in FULL mode
 * (a Banking77 question; again with one word in five carrying a typo) and PREFIX mode (the
 * first words of a question, the last one cut short), with the final ranking:
 *   - in process: kb_search_run on one connection;
 *   - over HTTP: the same queries against the real server (`frontdesk serve` on
 *     127.0.0.1, port chosen by the kernel, the same data directory) through one
 *     keep-alive connection: GET /api/v1/kb/search (FULL, limit 10) and
 *     GET /api/v1/kb/suggest (PREFIX, limit 8), timed at the client from the request to
 *     the last byte of the parsed JSON answer; the server's CPU time per request comes
 *     from /proc/<pid>/stat.
 * Prints the build time and p50/p99/max latency of each, and RESULT lines for scripts.
 *
 * Usage: kb_search [--csv FILE] [--articles N] [--queries Q] [--tmp DIR] [--data DIR]
 *                  [--slow K] [--optimize] [--server BIN] [--no-http]
 * Loops are bounded by N and Q; the temporary directory is removed at the end and the
 * server is stopped (SIGTERM, then SIGKILL after 10 s). --data DIR keeps the store in DIR
 * instead (created if missing) and reuses the articles and index found there (built with
 * the same --articles), which saves the build when iterating. --slow K prints the K
 * slowest in-process queries of each mode. --optimize merges a reused index. --server
 * names the binary (default $FRONTDESK_BIN, else build/frontdesk); --no-http skips HTTP.
 * Latencies are wall time and, less sensitive to other processes on a shared machine, the
 * CPU time of the querying thread (in process) or of the server (HTTP, mean per request).
 */
#include "core/err.h"
#include "kb/kb.h"
#include "kb/search.h"
#include "store/store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ROWS 20000
#define LINE_MAX_LEN 1024

struct row {
    char *text;
    int intent;
};

static struct row rows[MAX_ROWS];
static int nrows;
static char *intents[128];
static int nintents;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread: unlike wall time, it does not count the time other processes of
 * a shared machine hold the cores, so it separates the cost of a query from the noise. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int intent_id(const char *name)
{
    for (int i = 0; i < nintents; i++)
        if (strcmp(intents[i], name) == 0)
            return i;
    if (nintents == 128)
        return -1;
    intents[nintents] = strdup(name);
    return nintents++;
}

/* Reads "text,category" rows; text may be quoted with "" escapes. */
static int load_csv(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[LINE_MAX_LEN];
    int first = 1;
    while (nrows < MAX_ROWS && fgets(line, sizeof(line), f)) {
        if (first) {
            first = 0;
            continue;
        }
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        char text[LINE_MAX_LEN];
        size_t t = 0, i = 0;
        if (line[0] == '"') {
            for (i = 1; line[i]; i++) {
                if (line[i] == '"' && line[i + 1] == '"') {
                    text[t++] = '"';
                    i++;
                } else if (line[i] == '"') {
                    i++;
                    break;
                } else {
                    text[t++] = line[i];
                }
            }
        } else {
            for (; line[i] && line[i] != ','; i++)
                text[t++] = line[i];
        }
        text[t] = '\0';
        if (line[i] != ',')
            continue;
        int id = intent_id(line + i + 1);
        if (id < 0 || t == 0)
            continue;
        rows[nrows].text = strdup(text);
        rows[nrows].intent = id;
        nrows++;
    }
    fclose(f);
    return nrows > 0 ? 0 : -1;
}

static int random_row_of(int intent)
{
    for (int tries = 0; tries < 1000; tries++) {
        int r = (int)(next_rand() % (uint64_t)nrows);
        if (rows[r].intent == intent)
            return r;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct timed {
    double ms;
    long qi;
};

static int cmp_timed(const void *a, const void *b)
{
    double x = ((const struct timed *)a)->ms, y = ((const struct timed *)b)->ms;
    return x > y ? -1 : x < y;
}

static void report(const char *label, double *ms, double *cpu, int n, int64_t hits,
                   const int64_t agree[2])
{
    qsort(ms, (size_t)n, sizeof(double), cmp_double);
    qsort(cpu, (size_t)n, sizeof(double), cmp_double);
    double p50 = ms[n / 2], p99 = ms[(int)((double)n * 0.99)], max = ms[n - 1];
    printf("%-22s %5d queries  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%.1f hits/query)\n", label,
           n, p50, p99, max, (double)hits / n);
    printf("%-22s    (CPU time)  p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", "", cpu[n / 2],
           cpu[(int)((double)n * 0.99)], cpu[n - 1]);
    printf("RESULT kb_search_%s_p50_ms=%.3f p99_ms=%.3f cpu_p50_ms=%.3f cpu_p99_ms=%.3f\n", label,
           p50, p99, cpu[n / 2], cpu[(int)((double)n * 0.99)]);
    /* A relevance check at this scale (kb_quality measures it on its own small set): the
     * share of first hits, and of all hits, about the intent of the query's question. */
    printf("%-22s    (relevance)  first hit on the intent %.3f  hits on the intent %.3f\n", "",
           (double)agree[0] / n, hits ? (double)agree[1] / (double)hits : 0.0);
    printf("RESULT kb_search_%s_intent_first=%.3f intent_hits=%.3f\n", label, (double)agree[0] / n,
           hits ? (double)agree[1] / (double)hits : 0.0);
}

/* A copy of s with one letter in five words swapped with its neighbour. */
static void typo_variant(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    for (size_t i = 0; i + 3 < n; i++) {
        if (out[i] != ' ')
            continue;
        if (next_rand() % 5 == 0 && out[i + 2] != ' ' && out[i + 3] != ' ' && out[i + 2] &&
            out[i + 3]) {
            char c = out[i + 2];
            out[i + 2] = out[i + 3];
            out[i + 3] = c;
        }
    }
}

/* The query number qi of a mode (0 full, 1 full with typos, 2 prefix) draws from rng,
 * which the caller resets to the same seed before each mode, so that the in-process and the
 * HTTP runs send the same queries. Returns the Banking77 row the query comes from. */
static int make_query(int mode, char *q, size_t cap)
{
    int qrow = (int)(next_rand() % (uint64_t)nrows);
    const char *text = rows[qrow].text;
    if (mode == 1) {
        typo_variant(text, q, cap);
    } else if (mode == 2) {
        /* The first three words and half of the fourth, as typed so far. */
        size_t n = 0, words = 0, len = strlen(text);
        while (n < len && words < 3)
            if (text[n++] == ' ')
                words++;
        size_t rest = strcspn(text + n, " ");
        n += rest > 1 ? rest / 2 + 1 : rest;
        if (n >= cap)
            n = cap - 1;
        memcpy(q, text, n);
        q[n] = '\0';
    } else {
        snprintf(q, cap, "%s", text);
    }
    return qrow;
}

static const char *const mode_label[3] = {"full", "full_typos", "prefix"};

static void intent_tag(int intent, char *out, size_t cap, char sep)
{
    snprintf(out, cap, "%s", intents[intent]);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = sep;
}

/* Writes the articles as JSON Lines (a category, a section, then narticles articles whose
 * slug "q-<i>" names the question i % nrows they come from) to path. */
static int write_jsonl(const char *path, long narticles)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = 0;
    json_t *head[2] = {
        json_pack("{s:s, s:s, s:s}", "type", "category", "slug", "bench", "name", "Benchmark"),
        json_pack("{s:s, s:s, s:s, s:s}", "type", "section", "category", "bench", "slug",
                  "questions", "name", "Questions")};
    for (int i = 0; i < 2; i++) {
        if (json_dumpf(head[i], f, JSON_COMPACT) || fputc('\n', f) == EOF)
            rc = -1;
        json_decref(head[i]);
    }
    char body[4096], words[256], slug[32], *save = NULL;
    for (long i = 0; i < narticles && rc == 0; i++) {
        const struct row *r = &rows[i % nrows];
        int o1 = random_row_of(r->intent), o2 = random_row_of(r->intent),
            o3 = random_row_of(r->intent);
        intent_tag(r->intent, words, sizeof(words), ' ');
        snprintf(body, sizeof(body),
                 "%s\n\nCustomers also ask: %s %s %s\n\nThis article covers **%s** (edition "
                 "%ld).",
                 r->text, rows[o1].text, rows[o2].text, rows[o3].text, words, i / nrows + 1);
        snprintf(slug, sizeof(slug), "q-%ld", i);
        /* Articles take titles of KB_TITLE_MAX bytes at most: 158 of the 10,003 questions
         * are longer and are cut at the last space before it (the body has them whole). */
        char title[KB_TITLE_MAX + 1];
        snprintf(title, sizeof(title), "%s", r->text);
        if (strlen(r->text) > KB_TITLE_MAX && strrchr(title, ' '))
            *strrchr(title, ' ') = '\0';
        /* Tags: the words of the intent (tags are [a-z0-9_:-], 40 bytes at most). */
        json_t *tags = json_array();
        for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            char t[FD_TAG_MAX + 1];
            size_t tn = 0;
            for (; *w && tn < FD_TAG_MAX; w++)
                if ((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9'))
                    t[tn++] = *w;
            t[tn] = '\0';
            if (tn && json_array_size(tags) < FD_TAGS_MAX)
                json_array_append_new(tags, json_string(t));
        }
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "type", "article",
                      "category", "bench", "section", "questions", "slug", slug, "locale", "en",
                      "status", "published", "title", title, "body", body, "tags", tags);
        if (!o || json_dumpf(o, f, JSON_COMPACT) || fputc('\n', f) == EOF)
            rc = -1;
        json_decref(o);
    }
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

static int64_t count_rows(struct db *db, const char *sql)
{
    int64_t n = -1;
    struct db_stmt *st;
    if (db_prepare(db, sql, &st) == 0) {
        if (db_step(st) == 1)
            n = db_col_int64(st, 0);
        db_finalize(st);
    }
    return n;
}

/* Imports the articles, then re-indexes them (timed: the index build). */
static int build(struct db *db, const char *dir, long narticles)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/kb_search-articles.jsonl", dir);
    double t0 = now_ms();
    if (write_jsonl(path, narticles)) {
        fprintf(stderr, "kb_search: cannot write %s\n", path);
        return -1;
    }
    double t1 = now_ms();
    size_t imported = 0;
    struct fd_error err = {0};
    int rc = kb_import_path(db, path, NULL, &imported, &err);
    unlink(path);
    if (rc) {
        fprintf(stderr, "kb_search: import failed: %s (%s)\n", err.message, fd_strerror(rc));
        return -1;
    }
    double t2 = now_ms();
    printf("import                 %ld articles in %.1f s (JSON Lines written in %.1f s; "
           "articles, revisions, events and index in one transaction)\n",
           narticles, (t2 - t1) / 1e3, (t1 - t0) / 1e3);
    int64_t count = 0;
    if (kb_search_rebuild(db, &count)) {
        fprintf(stderr, "kb_search: rebuild failed: %s\n", db_errmsg(db));
        return -1;
    }
    double build_ms = now_ms() - t2;
    printf("index build            %lld articles in %.1f s (%.0f articles/s; kb_search_rebuild: "
           "every article re-indexed, then merged into one segment)\n",
           (long long)count, build_ms / 1e3, (double)count / (build_ms / 1e3));
    printf("RESULT kb_search_import_s=%.2f build_s=%.2f\n", (t2 - t1) / 1e3, build_ms / 1e3);
    return count == narticles ? 0 : -1;
}

/* The article id i + 1 must be the one of slug q-<i> (the relevance checks rely on it). */
static int check_ids(struct db *db, long narticles)
{
    long probe[3] = {0, narticles / 2, narticles - 1};
    for (int k = 0; k < 3; k++) {
        struct kb_article_rec a;
        if (kb_article_get_id(db, NULL, probe[k] + 1, &a) != 0)
            return -1;
        char want[32];
        snprintf(want, sizeof(want), "q-%ld", probe[k]);
        int ok = strcmp(a.slug, want) == 0;
        kb_article_release(&a);
        if (!ok)
            return -1;
    }
    return 0;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

struct server {
    pid_t pid;
    char url[128];
};

static long proc_cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the command name (which may hold spaces): state is field 3, utime 14,
     * stime 15. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    long utime = -1, stime = -1;
    int field = 2;
    for (char *t = p + 1; *t && field < 15;) {
        while (*t == ' ')
            t++;
        field++;
        char *end;
        long v = strtol(t, &end, 10);
        if (field == 14)
            utime = v;
        if (field == 15)
            stime = v;
        t = end > t ? end : t + 1;
        while (*t && *t != ' ')
            t++;
    }
    return utime < 0 || stime < 0 ? -1 : utime + stime;
}

static void server_stop(struct server *sv)
{
    if (sv->pid <= 0)
        return;
    kill(sv->pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(sv->pid, NULL, WNOHANG) == sv->pid) {
            sv->pid = 0;
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(sv->pid, SIGKILL);
    waitpid(sv->pid, NULL, 0);
    sv->pid = 0;
}

/* Starts `bin serve --listen 127.0.0.1:0 --data-dir dir`, its output going to dir/server.log,
 * and waits (30 s at most) for the line naming its address. */
static int server_start(const char *bin, const char *dir, struct server *sv)
{
    char log[600];
    snprintf(log, sizeof(log), "%s/server.log", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    char *argv[] = {(char *)bin,  "serve",     "--listen", "127.0.0.1:0",
                    "--data-dir", (char *)dir, NULL};
    /* One client sends every query: the per-address search limit would answer 429. */
    setenv("FRONTDESK_RATE_SEARCH_IP", "0/1", 0);
    setenv("FRONTDESK_RATE_SEARCH_ACCOUNT", "0/1", 0);
    int rc = posix_spawn(&sv->pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "kb_search: cannot start %s: %s\n", bin, strerror(rc));
        sv->pid = 0;
        return -1;
    }
    for (int i = 0; i < 3000; i++) {
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof(line), f)) {
            const char *m = strstr(line, "listening on http://127.0.0.1:");
            if (m) {
                snprintf(sv->url, sizeof(sv->url), "%s", m + strlen("listening on "));
                sv->url[strcspn(sv->url, "\r\n")] = '\0';
                fclose(f);
                return 0;
            }
        }
        if (f)
            fclose(f);
        if (waitpid(sv->pid, NULL, WNOHANG) == sv->pid) {
            sv->pid = 0;
            break;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "kb_search: the server did not start (see %s)\n", log);
    server_stop(sv);
    return -1;
}

struct body {
    char *p;
    size_t n;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct body *b = ctx;
    size_t n = size * nmemb;
    char *p = realloc(b->p, b->n + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, data, n);
    b->n += n;
    p[b->n] = '\0';
    b->p = p;
    return n;
}

/* Sends the queries of every mode to the server; returns 0 when all answered 200. */
static int http_bench(const struct server *sv, long nqueries, double *ms)
{
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    struct body b = {0};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    long ticks = sysconf(_SC_CLK_TCK);
    int status = 0;
    for (int mode = 0; mode < 3 && status == 0; mode++) {
        int64_t hits = 0, agree[2] = {0, 0};
        long cpu0 = proc_cpu_ticks(sv->pid);
        double w0 = now_ms();
        rng = 12345;
        for (long qi = 0; qi < nqueries && status == 0; qi++) {
            char q[KB_QUERY_MAX + 1], url[1024];
            int qrow = make_query(mode, q, sizeof(q));
            char *e = curl_easy_escape(c, q, 0);
            snprintf(url, sizeof(url), "%s/api/v1/kb/%s?q=%s&locale=en&limit=%d", sv->url,
                     mode == 2 ? "suggest" : "search", e ? e : "", mode == 2 ? 8 : 10);
            curl_free(e);
            curl_easy_setopt(c, CURLOPT_URL, url);
            b.n = 0;
            double a = now_ms();
            CURLcode cr = curl_easy_perform(c);
            long code = 0;
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
            json_t *o = cr == CURLE_OK && b.p ? json_loadb(b.p, b.n, 0, NULL) : NULL;
            ms[qi] = now_ms() - a;
            json_t *arr = json_object_get(o, mode == 2 ? "suggestions" : "results");
            if (cr != CURLE_OK || code != 200 || !json_is_array(arr)) {
                fprintf(stderr, "kb_search: GET %s: %s, HTTP %ld\n", url, curl_easy_strerror(cr),
                        code);
                status = -1;
            }
            size_t k;
            json_t *h;
            json_array_foreach(arr, k, h)
            {
                const char *slug = json_string_value(json_object_get(h, "slug"));
                long i = slug && strncmp(slug, "q-", 2) == 0 ? strtol(slug + 2, NULL, 10) : -1;
                int same = i >= 0 && rows[i % nrows].intent == rows[qrow].intent;
                agree[0] += k == 0 && same;
                agree[1] += same;
                hits++;
            }
            json_decref(o);
        }
        if (status)
            break;
        double wall = now_ms() - w0;
        long cpu1 = proc_cpu_ticks(sv->pid);
        qsort(ms, (size_t)nqueries, sizeof(double), cmp_double);
        double p50 = ms[nqueries / 2], p99 = ms[(long)((double)nqueries * 0.99)];
        double scpu = cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - cpu0) * 1e3 / (double)ticks : -1;
        char label[32];
        snprintf(label, sizeof(label), "http_%s", mode_label[mode]);
        printf("%-22s %5ld queries  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%.1f hits/query)\n",
               label, nqueries, p50, p99, ms[nqueries - 1], (double)hits / (double)nqueries);
        printf("%-22s   (server CPU)  %.3f ms/request  (%.0f requests/s on one connection)\n", "",
               scpu / (double)nqueries, (double)nqueries / (wall / 1e3));
        printf("%-22s    (relevance)  first hit on the intent %.3f  hits on the intent %.3f\n", "",
               (double)agree[0] / (double)nqueries, hits ? (double)agree[1] / (double)hits : 0.0);
        printf("RESULT kb_search_%s_p50_ms=%.3f p99_ms=%.3f server_cpu_ms=%.3f intent_first=%.3f\n",
               label, p50, p99, scpu / (double)nqueries, (double)agree[0] / (double)nqueries);
    }
    free(b.p);
    curl_easy_cleanup(c);
    return status;
}

int main(int argc, char **argv)
{
    const char *csv = "/work/shared/corpora/banking77/train.csv", *tmp = getenv("TMPDIR");
    const char *data = NULL, *bin = getenv("FRONTDESK_BIN");
    long narticles = 100000, nqueries = 2000, nslow = 0;
    int optimize = 0, http = 1;
    if (!bin || !*bin)
        bin = "build/frontdesk";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
            csv = argv[++i];
        else if (strcmp(argv[i], "--articles") == 0 && i + 1 < argc)
            narticles = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
            nqueries = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--tmp") == 0 && i + 1 < argc)
            tmp = argv[++i];
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
            bin = argv[++i];
        else if (strcmp(argv[i], "--no-http") == 0)
            http = 0;
        else if (strcmp(argv[i], "--optimize") == 0)
            optimize = 1;
        else if (strcmp(argv[i], "--slow") == 0 && i + 1 < argc)
            nslow = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: kb_search [--csv FILE] [--articles N] [--queries Q] "
                            "[--tmp DIR] [--data DIR] [--slow K] [--optimize] [--server BIN] "
                            "[--no-http]\n");
            return 2;
        }
    }
    if (narticles < 1 || narticles > 1000000 || nqueries < 1 || nqueries > 100000) {
        fprintf(stderr, "kb_search: --articles 1..1000000, --queries 1..100000\n");
        return 2;
    }
    if (http && access(bin, X_OK) != 0) {
        fprintf(stderr,
                "kb_search: %s is not executable (build it, pass --server BIN or "
                "--no-http)\n",
                bin);
        return 2;
    }
    if (load_csv(csv)) {
        fprintf(stderr, "kb_search: cannot read %s\n", csv);
        return 1;
    }
    if (nslow < 0 || nslow > nqueries)
        nslow = nqueries;
    char dir[512];
    int dn = data ? snprintf(dir, sizeof(dir), "%s", data)
                  : snprintf(dir, sizeof(dir), "%s/fd-kbsearch-XXXXXX", tmp ? tmp : "/tmp");
    if (data && dn > 0 && (size_t)dn < sizeof(dir))
        mkdir(dir, 0700);
    if (dn < 0 || (size_t)dn >= sizeof(dir) || (!data && !mkdtemp(dir))) {
        fprintf(stderr, "kb_search: cannot create a temporary directory\n");
        return 1;
    }
    int status = 1;
    struct store *s = NULL;
    struct server sv = {0};
    double *ms = NULL, *cpu = NULL;
    struct timed *tq = NULL;
    char(*qtext)[KB_QUERY_MAX + 1] = NULL;
    if (store_open(dir, 1, &s) || store_on_connect(s, kb_search_connect)) {
        fprintf(stderr, "kb_search: cannot open the store\n");
        goto out;
    }
    struct db *db = store_acquire(s);
    int applied;
    if (store_migrate(db, &applied) || kb_search_init(db)) {
        fprintf(stderr, "kb_search: cannot migrate or init\n");
        store_release(s, db);
        goto out;
    }
    printf("kb_search: %d Banking77 questions, %d intents, %ld articles, %ld queries\n", nrows,
           nintents, narticles, nqueries);

    /* ---- articles and index ---- */
    int64_t have = count_rows(db, "SELECT count(*) FROM kb_fts");
    int64_t have_articles = count_rows(db, "SELECT count(*) FROM kb_articles");
    if ((have > 0 || have_articles > 0) && (have != narticles || have_articles != narticles)) {
        fprintf(stderr,
                "kb_search: %s holds %lld articles and %lld indexed, not %ld of each "
                "(use an empty --data directory)\n",
                dir, (long long)have_articles, (long long)have, narticles);
        store_release(s, db);
        goto out;
    }
    if (!have && build(db, dir, narticles)) {
        store_release(s, db);
        goto out;
    }
    if (have && optimize) {
        double o0 = now_ms();
        if (db_begin_write(db) || kb_search_optimize(db) || db_commit(db)) {
            fprintf(stderr, "kb_search: optimize failed: %s\n", db_errmsg(db));
            db_rollback(db);
        }
        printf("index optimize         %.1f s\n", (now_ms() - o0) / 1e3);
    }
    if (have)
        printf("index reused           %ld articles in %s\n", narticles, dir);
    if (check_ids(db, narticles)) {
        fprintf(stderr, "kb_search: article ids do not follow the import order\n");
        store_release(s, db);
        goto out;
    }

    /* ---- queries, in process ---- */
    ms = calloc((size_t)nqueries, sizeof(double));
    cpu = calloc((size_t)nqueries, sizeof(double));
    tq = calloc((size_t)nqueries, sizeof(*tq));
    qtext = nslow ? calloc((size_t)nqueries, sizeof(*qtext)) : NULL;
    for (int mode = 0; mode < 3; mode++) {
        int64_t hits = 0, agree[2] = {0, 0};
        rng = 12345;
        for (long qi = 0; qi < nqueries; qi++) {
            char q[KB_QUERY_MAX + 1];
            int qrow = make_query(mode, q, sizeof(q));
            enum kb_search_mode m = mode == 2 ? KB_SEARCH_PREFIX : KB_SEARCH_FULL;
            struct kb_hit *h = NULL;
            int nh = 0;
            struct fd_error err = {0};
            double a = now_ms(), c = cpu_ms();
            int rc = kb_search_run(db, q, "en", 10, m, &h, &nh, &err);
            ms[qi] = now_ms() - a;
            cpu[qi] = cpu_ms() - c;
            tq[qi].ms = ms[qi];
            tq[qi].qi = qi;
            if (qtext)
                memcpy(qtext[qi], q, sizeof(q));
            if (rc) {
                fprintf(stderr, "kb_search: query \"%s\" failed: %s\n", q, fd_strerror(rc));
                store_release(s, db);
                goto out;
            }
            hits += nh;
            /* Article id i + 1 was generated from question i % nrows (check_ids). */
            for (int k = 0; k < nh; k++) {
                int same = h[k].id >= 1 && rows[(h[k].id - 1) % nrows].intent == rows[qrow].intent;
                agree[0] += k == 0 && same;
                agree[1] += same;
            }
            kb_hits_free(h, nh);
        }
        report(mode_label[mode], ms, cpu, (int)nqueries, hits, agree);
        if (nslow) {
            qsort(tq, (size_t)nqueries, sizeof(*tq), cmp_timed);
            for (long k = 0; k < nslow; k++)
                printf("  slow %8.3f ms  \"%s\"\n", tq[k].ms, qtext[tq[k].qi]);
        }
    }
    store_release(s, db);
    store_close(s);
    s = NULL;

    /* ---- the same queries over HTTP ---- */
    if (http) {
        if (server_start(bin, dir, &sv))
            goto out;
        printf("server                 %s (%s)\n", sv.url, bin);
        if (http_bench(&sv, nqueries, ms))
            goto out;
    }
    status = 0;
out:
    server_stop(&sv);
    free(ms);
    free(cpu);
    free(tq);
    free(qtext);
    store_close(s);
    if (data)
        return status;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "kb_search: could not remove %s\n", dir);
    return status;
}
