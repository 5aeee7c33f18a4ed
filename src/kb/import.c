/*
 * JSON Lines import and export of the help center (format in docs/kb.md). An import
 * runs in one write transaction: the first bad line rolls everything back, so a
 * malformed file never leaves a half-imported help center.
 */
#include "../core/err.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "kb_int.h"
#include "search.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Checks that every key of o is in allowed and every present field has the right type. */
static int check_keys(json_t *o, const char *const *allowed, struct fd_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        int ok = 0;
        for (const char *const *p = allowed; *p && !ok; p++)
            ok = strcmp(*p, k) == 0;
        if (!ok)
            return fd_fail(err, FD_EINVAL, k, "unknown field \"%s\"", k);
        if (strcmp(k, "tags") == 0) {
            if (!json_is_array(v) && !json_is_null(v))
                return fd_fail(err, FD_EINVAL, k, "tags must be an array of strings");
        } else if (strcmp(k, "position") == 0) {
            if (!json_is_integer(v))
                return fd_fail(err, FD_EINVAL, k, "position must be an integer");
        } else if (!json_is_string(v) && !json_is_null(v)) {
            return fd_fail(err, FD_EINVAL, k, "%s must be a string", k);
        }
    }
    return 0;
}

static int need(json_t *o, const char *k, struct fd_error *err)
{
    const char *s = str(o, k);
    if (!s || !*s)
        return fd_fail(err, FD_EINVAL, k, "%s is required", k);
    return 0;
}

static int import_line(struct db *db, json_t *o, struct fd_error *err)
{
    const char *type = str(o, "type");
    int rc;
    int pos = (int)json_integer_value(json_object_get(o, "position"));
    const char *desc = str(o, "description");
    if (type && strcmp(type, "category") == 0) {
        static const char *const keys[] = {"type", "slug", "name", "description", "position", NULL};
        if ((rc = check_keys(o, keys, err)) || (rc = need(o, "slug", err)) ||
            (rc = need(o, "name", err)))
            return rc;
        return kb_category_put(db, str(o, "slug"), str(o, "name"), desc ? desc : "", pos, err);
    }
    if (type && strcmp(type, "section") == 0) {
        static const char *const keys[] = {"type",        "category", "slug", "name",
                                           "description", "position", NULL};
        if ((rc = check_keys(o, keys, err)) || (rc = need(o, "category", err)) ||
            (rc = need(o, "slug", err)) || (rc = need(o, "name", err)))
            return rc;
        return kb_section_put(db, str(o, "category"), str(o, "slug"), str(o, "name"),
                              desc ? desc : "", pos, err);
    }
    if (type && strcmp(type, "article") == 0) {
        static const char *const keys[] = {"type",   "category",       "section", "kind", "locale",
                                           "slug",   "title",          "body",    "tags", "status",
                                           "intent", "translation_of", NULL};
        if ((rc = check_keys(o, keys, err)) || (rc = need(o, "category", err)) ||
            (rc = need(o, "section", err)) || (rc = need(o, "slug", err)) ||
            (rc = need(o, "title", err)) || (rc = need(o, "body", err)))
            return rc;
        struct kb_article_input in = {0};
        in.category = str(o, "category");
        in.section = str(o, "section");
        in.kind = str(o, "kind");
        in.locale = str(o, "locale");
        in.slug = str(o, "slug");
        in.title = str(o, "title");
        in.body = str(o, "body");
        in.status = str(o, "status");
        in.intent = str(o, "intent");
        in.translation_of = str(o, "translation_of");
        json_t *tags = json_object_get(o, "tags");
        size_t i;
        json_t *t;
        in.has_tags = 1;
        json_array_foreach(tags, i, t)
        {
            if (!json_is_string(t))
                return fd_fail(err, FD_EINVAL, "tags", "tags[%zu] must be a string", i);
            if (in.ntags == FD_TAGS_MAX)
                return fd_fail(err, FD_EINVAL, "tags", "at most %d tags", FD_TAGS_MAX);
            in.tags[in.ntags++] = json_string_value(t);
        }
        return kb__article_put_locked(db, &in, err);
    }
    return fd_fail(err, FD_EINVAL, "type", "type must be category, section or article");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files to import: path itself, or the *.jsonl files of a directory in name order. */
static int list_files(const char *path, char ***files, size_t *n, struct fd_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return fd_fail(err, FD_EIO, NULL, "%s: cannot read it", path);
    *n = 0;
    *files = NULL;
    if (!S_ISDIR(sb.st_mode)) {
        *files = xmalloc(sizeof(char *));
        (*files)[(*n)++] = xstrdup(path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d)
        return fd_fail(err, FD_EIO, NULL, "%s: cannot open the directory", path);
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 6, ".jsonl") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *files = xrealloc(*files, cap * sizeof(char *));
        }
        (*files)[(*n)++] = xasprintf("%s/%s", path, e->d_name);
    }
    closedir(d);
    if (*n == 0)
        return fd_fail(err, FD_EINVAL, NULL, "%s: no .jsonl files in it", path);
    qsort(*files, *n, sizeof(char *), cmp_str);
    return 0;
}

static void free_files(char **files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int c;
    if (!f)
        return 0;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n + 1;
}

int kb_import_path(struct db *db, const char *path, void (*progress)(size_t done, size_t total),
                   size_t *imported, struct fd_error *err)
{
    char **files = NULL;
    size_t nfiles = 0;
    int rc = list_files(path, &files, &nfiles, err);
    if (rc)
        return rc;
    size_t total = 0, done = 0, count = 0;
    for (size_t i = 0; i < nfiles; i++)
        total += count_lines(files[i]);
    if ((rc = db_begin_write(db)))
        goto out;
    char *line = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < nfiles && rc == 0; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) {
            rc = fd_fail(err, FD_EIO, NULL, "%s: cannot read it", files[i]);
            break;
        }
        ssize_t len;
        size_t lineno = 0;
        while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
            lineno++;
            done++;
            const char *p = line;
            while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                p++;
            if (!*p || strncmp(p, "//", 2) == 0)
                continue;
            json_error_t je;
            json_t *o = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &je);
            struct fd_error e = {0};
            if (!o || !json_is_object(o)) {
                rc = fd_fail(&e, FD_EPARSE, NULL, "%s", o ? "not a JSON object" : je.text);
            } else {
                rc = import_line(db, o, &e);
                count += rc == 0;
            }
            json_decref(o);
            if (rc)
                fd_fail(err, rc, e.field, "%s:%zu: %s", files[i], lineno, e.message);
            if (progress && (done % 50 == 0 || done == total))
                progress(done, total);
        }
        fclose(f);
    }
    free(line);
    /* A bulk import leaves many small index segments; merge them once. */
    if (rc == 0 && count > 20)
        rc = kb_search_optimize(db);
    if (rc == 0)
        rc = db_commit(db);
    if (progress && rc == 0)
        progress(total, total);
out:
    db_rollback(db);
    free_files(files, nfiles);
    if (rc == 0 && imported)
        *imported = count;
    return rc;
}

/* ---- export ------------------------------------------------------------------ */

static void emit(FILE *out, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (s) {
        fputs(s, out);
        fputc('\n', out);
        free(s);
    }
}

static int export_category(void *ctx, const struct kb_category_rec *c)
{
    emit(ctx, json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "category", "slug", c->slug, "name",
                        c->name, "description", c->description, "position", c->position));
    return 0;
}

static int export_section(void *ctx, const struct kb_section_rec *s, int64_t n)
{
    (void)n;
    emit(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "type", "section", "category",
                        s->category, "slug", s->slug, "name", s->name, "description",
                        s->description, "position", s->position));
    return 0;
}

struct export_ctx {
    FILE *out;
    struct db *db;
    int64_t last_id;
    int n;
    int rc;
};

static int export_article(struct export_ctx *x, const struct kb_article_rec *a)
{
    struct kb_article_rec full;
    int rc = store_kb_article_get_id(x->db, a->id, 1, &full);
    if (rc) {
        x->rc = rc;
        return 1;
    }
    json_t *tags = json_array();
    char t[KB_TAGS_TEXT_MAX + 1], *save = NULL;
    snprintf(t, sizeof(t), "%s", a->tags);
    for (char *p = strtok_r(t, " ", &save); p; p = strtok_r(NULL, " ", &save))
        json_array_append_new(tags, json_string(p));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "type", "article",
                          "category", a->category, "section", a->section, "kind", a->kind, "locale",
                          a->locale, "slug", a->slug, "title", a->title, "body", full.body, "tags",
                          tags, "status", a->status);
    json_object_set_new(j, "intent", a->intent[0] ? json_string(a->intent) : json_null());
    if (a->translation_of) {
        struct kb_article_rec orig;
        if (store_kb_article_get_id(x->db, a->translation_of, 0, &orig) == 0)
            json_object_set_new(j, "translation_of", json_string(orig.slug));
    }
    kb_article_release(&full);
    emit(x->out, j);
    return 0;
}

static int export_original_cb(void *ctx, const struct kb_article_rec *a)
{
    struct export_ctx *x = ctx;
    x->last_id = a->id;
    x->n++;
    return a->translation_of ? 0 : export_article(x, a);
}

static int export_translation_cb(void *ctx, const struct kb_article_rec *a)
{
    struct export_ctx *x = ctx;
    x->last_id = a->id;
    x->n++;
    return a->translation_of ? export_article(x, a) : 0;
}

int kb_export(struct db *db, FILE *out)
{
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    if ((rc = store_kb_category_list(db, export_category, out)) ||
        (rc = store_kb_section_list(db, NULL, NULL, export_section, out)))
        goto done;
    /* Originals before translations, so that translation_of resolves on re-import. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        struct export_ctx x = {out, db, 0, 0, 0};
        do {
            struct kb_list_filter f = {0};
            f.after_id = x.last_id;
            f.limit = 500;
            x.n = 0;
            rc = store_kb_article_list(db, &f, pass ? export_translation_cb : export_original_cb,
                                       &x);
        } while (rc == 0 && x.rc == 0 && x.n == 500);
        if (rc == 0)
            rc = x.rc;
    }
done:
    db_rollback(db);
    return rc;
}
