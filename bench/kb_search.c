/*
 * kb_search: help-center search at scale, in process. Builds a fresh store in a temporary
 * directory, indexes N articles (default 100,000) generated from the Banking77 questions
 * (title: one question; body: it and three other questions of the same intent plus a
 * sentence naming the intent; tags: the intent's words), then times kb_search_run over
 * Q queries (default 2000) in FULL mode (a Banking77 question, one word in five with a
 * typo) and PREFIX mode (the first words of a question, the last one cut short), with the
 * final ranking. Prints build time and p50/p99/max latency, and RESULT lines for scripts.
 *
 * Usage: kb_search [--csv FILE] [--articles N] [--queries Q] [--tmp DIR] [--data DIR]
 *                  [--slow K] [--optimize]
 * Loops are bounded by N and Q; the temporary directory is removed at the end. --data DIR
 * keeps the store in DIR instead (created if missing) and reuses the index found there
 * (built with the same --articles), which saves the build when iterating. --slow K prints
 * the K slowest queries of each mode. A fresh index is merged into one segment after the
 * build (kb_search_optimize, as a bulk import does); --optimize merges a reused one too.
 * Latencies are wall time and, less sensitive to other processes on a shared machine, the
 * CPU time of the querying thread.
 */
#include "core/err.h"
#include "kb/search.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

/* Declared in src/kb/search_int.h until search.h does (see the report of this change). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    const char *csv = "/work/shared/corpora/banking77/train.csv", *tmp = getenv("TMPDIR");
    const char *data = NULL;
    long narticles = 100000, nqueries = 2000, nslow = 0;
    int optimize = 0;
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
        else if (strcmp(argv[i], "--optimize") == 0)
            optimize = 1;
        else if (strcmp(argv[i], "--slow") == 0 && i + 1 < argc)
            nslow = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: kb_search [--csv FILE] [--articles N] [--queries Q] "
                            "[--tmp DIR] [--data DIR] [--slow K] [--optimize]\n");
            return 2;
        }
    }
    if (narticles < 1 || narticles > 1000000 || nqueries < 1 || nqueries > 100000) {
        fprintf(stderr, "kb_search: --articles 1..1000000, --queries 1..100000\n");
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

    /* ---- index ---- */
    int64_t have = 0;
    struct db_stmt *cst;
    if (db_prepare(db, "SELECT count(*) FROM kb_fts", &cst) == 0) {
        if (db_step(cst) == 1)
            have = db_col_int64(cst, 0);
        db_finalize(cst);
    }
    if (have > 0 && have != narticles) {
        fprintf(stderr, "kb_search: %s holds %lld articles, not %ld\n", dir, (long long)have,
                narticles);
        store_release(s, db);
        goto out;
    }
    double t0 = now_ms();
    char body[4096], tags[256];
    for (long i = have ? narticles : 0; i < narticles; i++) {
        if (i % 1000 == 0 && db_begin_write(db))
            break;
        const struct row *r = &rows[i % nrows];
        int o1 = random_row_of(r->intent), o2 = random_row_of(r->intent),
            o3 = random_row_of(r->intent);
        snprintf(tags, sizeof(tags), "%s", intents[r->intent]);
        for (char *p = tags; *p; p++)
            if (*p == '_')
                *p = ' ';
        snprintf(body, sizeof(body),
                 "%s\n\nCustomers also ask: %s %s %s\n\nThis article covers **%s** (edition "
                 "%ld).",
                 r->text, rows[o1].text, rows[o2].text, rows[o3].text, tags, i / nrows + 1);
        struct kb_doc d = {i + 1, "en", r->text, body, tags};
        if (kb_search_put(db, &d)) {
            fprintf(stderr, "kb_search: put failed at %ld: %s\n", i, db_errmsg(db));
            db_rollback(db);
            store_release(s, db);
            goto out;
        }
        if ((i % 1000 == 999 || i == narticles - 1) && db_commit(db)) {
            fprintf(stderr, "kb_search: commit failed\n");
            store_release(s, db);
            goto out;
        }
    }
    double build_ms = now_ms() - t0;
    printf("index build            %ld articles in %.1f s (%.0f articles/s)\n", narticles,
           build_ms / 1e3, (double)narticles / (build_ms / 1e3));
    /* A bulk import ends by merging the index (kb/import.c, kb_search_rebuild): so does
     * this build, and --optimize merges a reused index too. */
    if (optimize || !have) {
        double o0 = now_ms();
        if (db_begin_write(db) || kb_search_optimize(db) || db_commit(db)) {
            fprintf(stderr, "kb_search: optimize failed: %s\n", db_errmsg(db));
            db_rollback(db);
        }
        printf("index optimize         %.1f s\n", (now_ms() - o0) / 1e3);
        if (!have)
            printf("RESULT kb_search_optimize_s=%.2f\n", (now_ms() - o0) / 1e3);
    }
    if (have)
        printf("index reused           %ld articles in %s\n", narticles, dir);
    else
        printf("RESULT kb_search_build_s=%.2f\n", build_ms / 1e3);

    /* ---- queries ---- */
    double *ms = calloc((size_t)nqueries, sizeof(double));
    double *cpu = calloc((size_t)nqueries, sizeof(double));
    struct timed *tq = calloc((size_t)nqueries, sizeof(*tq));
    char(*qtext)[KB_QUERY_MAX + 1] = nslow ? calloc((size_t)nqueries, sizeof(*qtext)) : NULL;
    for (int mode = 0; mode < 3; mode++) {
        int64_t hits = 0, agree[2] = {0, 0};
        rng = 12345;
        for (long qi = 0; qi < nqueries; qi++) {
            int qrow = (int)(next_rand() % (uint64_t)nrows);
            const char *text = rows[qrow].text;
            char q[KB_QUERY_MAX + 1];
            enum kb_search_mode m = KB_SEARCH_FULL;
            if (mode == 1) {
                typo_variant(text, q, sizeof(q));
            } else if (mode == 2) {
                /* The first three words and half of the fourth, as typed so far. */
                size_t n = 0, words = 0, len = strlen(text);
                while (n < len && words < 3)
                    if (text[n++] == ' ')
                        words++;
                size_t rest = strcspn(text + n, " ");
                n += rest > 1 ? rest / 2 + 1 : rest;
                if (n >= sizeof(q))
                    n = sizeof(q) - 1;
                memcpy(q, text, n);
                q[n] = '\0';
                m = KB_SEARCH_PREFIX;
            } else {
                snprintf(q, sizeof(q), "%s", text);
            }
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
                free(ms);
                free(cpu);
                free(tq);
                free(qtext);
                store_release(s, db);
                goto out;
            }
            hits += nh;
            /* Article id i + 1 was generated from question i % nrows. */
            for (int k = 0; k < nh; k++) {
                int same = h[k].id >= 1 && rows[(h[k].id - 1) % nrows].intent == rows[qrow].intent;
                agree[0] += k == 0 && same;
                agree[1] += same;
            }
            kb_hits_free(h, nh);
        }
        report(mode == 0   ? "full"
               : mode == 1 ? "full_typos"
                           : "prefix",
               ms, cpu, (int)nqueries, hits, agree);
        if (nslow) {
            qsort(tq, (size_t)nqueries, sizeof(*tq), cmp_timed);
            for (long k = 0; k < nslow; k++)
                printf("  slow %8.3f ms  \"%s\"\n", tq[k].ms, qtext[tq[k].qi]);
        }
    }
    free(ms);
    free(cpu);
    free(tq);
    free(qtext);
    store_release(s, db);
    status = 0;
out:
    store_close(s);
    if (data)
        return status;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "kb_search: could not remove %s\n", dir);
    return status;
}
