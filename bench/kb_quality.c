/*
 * kb_quality: relevance of help-center search, measured in process with the Banking77
 * questions. Indexes the published articles of the JSON Lines files (default: demo/kb/,
 * every *.jsonl in name order) into a fresh store, then sends every question of the CSV
 * (columns text,category; default /work/shared/corpora/banking77/train.csv) through
 * kb_search_run (FULL mode, locale en, limit 10) once with KB_RANK_PLAIN_BM25 and once
 * with KB_RANK_FINAL. An article is relevant when its "intent" equals the question's
 * category. Prints recall@1, recall@5 and MRR@10 side by side, and RESULT lines.
 *
 * The HTTP route GET /api/v1/kb/search calls the same kb_search_run, so these figures are
 * those of the server started with FRONTDESK_KB_RANK=plain|final.
 *
 * Usage: kb_quality [--queries FILE.csv] [--kb DIR|FILE.jsonl] [--max N]
 */
#include "core/err.h"
#include "kb/search.h"
#include "store/store.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ARTICLES 5000
#define MAX_QUERIES 20000
#define LINE_CAP (256 * 1024)

static char *intent_of[MAX_ARTICLES + 1]; /* by article id */
static int64_t narticles;

struct question {
    char *text, *category;
};
static struct question qs[MAX_QUERIES];
static int nq;

static int index_file(struct db *db, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = malloc(LINE_CAP);
    int rc = 0;
    while (rc == 0 && fgets(line, LINE_CAP, f)) {
        if (line[0] == '\n' || (line[0] == '/' && line[1] == '/'))
            continue;
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o)
            continue;
        const char *type = json_string_value(json_object_get(o, "type"));
        const char *status = json_string_value(json_object_get(o, "status"));
        if (type && strcmp(type, "article") == 0 && (!status || strcmp(status, "published") == 0) &&
            narticles < MAX_ARTICLES) {
            char tags[1024] = "";
            size_t tl = 0, i;
            json_t *t;
            json_array_foreach(json_object_get(o, "tags"), i, t)
            {
                const char *s = json_string_value(t);
                int n = s ? snprintf(tags + tl, sizeof(tags) - tl, "%s ", s) : 0;
                if (n > 0 && (size_t)n < sizeof(tags) - tl)
                    tl += (size_t)n;
            }
            const char *loc = json_string_value(json_object_get(o, "locale"));
            struct kb_doc d = {++narticles, loc ? loc : "en",
                               json_string_value(json_object_get(o, "title")),
                               json_string_value(json_object_get(o, "body")), tags};
            const char *intent = json_string_value(json_object_get(o, "intent"));
            intent_of[narticles] = intent ? strdup(intent) : NULL;
            rc = kb_search_put(db, &d);
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int index_path(struct db *db, const char *path)
{
    size_t n = strlen(path);
    if (n > 6 && strcmp(path + n - 6, ".jsonl") == 0)
        return index_file(db, path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    char *names[256];
    int nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 256) {
        size_t l = strlen(de->d_name);
        if (l > 6 && strcmp(de->d_name + l - 6, ".jsonl") == 0)
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)nn, sizeof(char *), cmp_str);
    int rc = 0;
    for (int i = 0; i < nn; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", path, names[i]);
        if (rc == 0)
            rc = index_file(db, p);
        free(names[i]);
    }
    return rc;
}

static int load_csv(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[2048];
    int first = 1;
    while (nq < MAX_QUERIES && fgets(line, sizeof(line), f)) {
        if (first) {
            first = 0;
            continue;
        }
        line[strcspn(line, "\r\n")] = '\0';
        char text[2048];
        size_t t = 0, i = 0;
        if (line[0] == '"') {
            for (i = 1; line[i]; i++) {
                if (line[i] == '"' && line[i + 1] == '"')
                    text[t++] = line[++i];
                else if (line[i] == '"') {
                    i++;
                    break;
                } else
                    text[t++] = line[i];
            }
        } else {
            for (; line[i] && line[i] != ','; i++)
                text[t++] = line[i];
        }
        text[t] = '\0';
        if (line[i] != ',' || t == 0)
            continue;
        qs[nq].text = strdup(text);
        qs[nq].category = strdup(line + i + 1);
        nq++;
    }
    fclose(f);
    return nq > 0 ? 0 : -1;
}

struct score {
    double r1, r5, mrr;
    int errors;
};

static struct score evaluate(struct db *db, enum kb_rank rank)
{
    struct score s = {0};
    kb_search_set_rank(rank);
    for (int i = 0; i < nq; i++) {
        struct kb_hit *h = NULL;
        int n = 0;
        struct fd_error err = {0};
        char q[KB_QUERY_MAX + 1];
        snprintf(q, sizeof(q), "%s", qs[i].text);
        if (kb_search_run(db, q, "en", 10, KB_SEARCH_FULL, &h, &n, &err)) {
            s.errors++;
            continue;
        }
        for (int k = 0; k < n; k++) {
            const char *in = h[k].id > 0 && h[k].id <= narticles ? intent_of[h[k].id] : NULL;
            if (in && strcmp(in, qs[i].category) == 0) {
                s.r1 += k < 1;
                s.r5 += k < 5;
                s.mrr += 1.0 / (k + 1);
                break;
            }
        }
        kb_hits_free(h, n);
    }
    s.r1 /= nq;
    s.r5 /= nq;
    s.mrr /= nq;
    return s;
}

int main(int argc, char **argv)
{
    const char *csv = "/work/shared/corpora/banking77/train.csv", *kb = "demo/kb";
    long max = MAX_QUERIES;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
            csv = argv[++i];
        else if (strcmp(argv[i], "--kb") == 0 && i + 1 < argc)
            kb = argv[++i];
        else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
            max = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: kb_quality [--queries FILE.csv] [--kb DIR|FILE.jsonl] "
                            "[--max N]\n");
            return 2;
        }
    }
    if (load_csv(csv)) {
        fprintf(stderr, "kb_quality: cannot read %s\n", csv);
        return 1;
    }
    if (max > 0 && max < nq)
        nq = (int)max;
    char dir[] = "/tmp/fd-kbquality-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    int status = 1;
    struct store *s = NULL;
    struct db *db = NULL;
    int applied;
    if (store_open(dir, 1, &s) || store_on_connect(s, kb_search_connect)) {
        fprintf(stderr, "kb_quality: cannot open a store\n");
        goto out;
    }
    db = store_acquire(s);
    if (store_migrate(db, &applied) || kb_search_init(db) || db_begin_write(db)) {
        fprintf(stderr, "kb_quality: cannot prepare the store\n");
        goto out;
    }
    if (index_path(db, kb) || db_commit(db)) {
        fprintf(stderr, "kb_quality: cannot index %s\n", kb);
        db_rollback(db);
        goto out;
    }
    int with_intent = 0;
    for (int64_t i = 1; i <= narticles; i++)
        with_intent += intent_of[i] != NULL;
    printf("kb_quality: %d questions from %s; %lld articles from %s (%d with an intent)\n", nq, csv,
           (long long)narticles, kb, with_intent);
    struct score p = evaluate(db, KB_RANK_PLAIN_BM25);
    struct score f = evaluate(db, KB_RANK_FINAL);
    printf("%-10s %10s %10s\n", "", "plain", "final");
    printf("%-10s %10.3f %10.3f\n", "recall@1", p.r1, f.r1);
    printf("%-10s %10.3f %10.3f\n", "recall@5", p.r5, f.r5);
    printf("%-10s %10.3f %10.3f\n", "MRR@10", p.mrr, f.mrr);
    if (p.errors || f.errors)
        printf("errors: plain %d, final %d\n", p.errors, f.errors);
    printf("RESULT kb_quality plain_r1=%.3f plain_r5=%.3f plain_mrr=%.3f final_r1=%.3f "
           "final_r5=%.3f final_mrr=%.3f\n",
           p.r1, p.r5, p.mrr, f.r1, f.r5, f.mrr);
    status = p.errors || f.errors;
out:
    if (db)
        store_release(s, db);
    store_close(s);
    for (int64_t i = 1; i <= narticles; i++)
        free(intent_of[i]);
    for (int i = 0; i < nq; i++) {
        free(qs[i].text);
        free(qs[i].category);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "kb_quality: could not remove %s\n", dir);
    return status;
}
