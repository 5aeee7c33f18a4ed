/*
 * "We usually reply within ...": the p50 and p90 of real first-reply times of the last
 * REPORTS_EXPECT_WINDOW_DAYS days, for the most specific group with enough data:
 * department + channel + priority, else the department, else everything; with fewer
 * than REPORTS_EXPECT_MIN_SAMPLES replies anywhere, no number at all.
 *
 * The samples are loaded at most once per REPORTS_EXPECT_CACHE_MS of fd_now_ms() (a
 * public endpoint must not cost a query per call), under one mutex.
 */
#include "reports.h"

#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../store/store_reports.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPECT_SAMPLES_MAX 500000

struct sample {
    char department[32];
    char channel[16];
    char priority[16];
    int64_t ms;
};

static struct {
    pthread_mutex_t mu;
    int loaded;
    int64_t computed_at;
    struct sample *v;
    size_t n, cap;
} cache = {PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL, 0, 0};

static const char *const channels[] = {"web", "email", "chat", "api", "social", NULL};
static const char *const priorities[] = {"low", "normal", "high", "urgent", NULL};

static int one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int add_sample(void *ctx, const struct report_sample *s)
{
    (void)ctx;
    if (cache.n >= EXPECT_SAMPLES_MAX)
        return 1;
    if (cache.n == cache.cap) {
        cache.cap = cache.cap ? cache.cap * 2 : 256;
        cache.v = xrealloc(cache.v, cache.cap * sizeof(*cache.v));
    }
    struct sample *x = &cache.v[cache.n++];
    snprintf(x->department, sizeof(x->department), "%s", s->department);
    snprintf(x->channel, sizeof(x->channel), "%s", s->channel);
    snprintf(x->priority, sizeof(x->priority), "%s", s->priority);
    x->ms = reports_elapsed(s->department_id, s->start, s->end);
    return 0;
}

/* Reloads the samples when the cache is older than its lifetime. Caller holds mu. */
static int refresh(struct db *db, int64_t now)
{
    if (cache.loaded && now >= cache.computed_at &&
        now - cache.computed_at < REPORTS_EXPECT_CACHE_MS)
        return 0;
    cache.n = 0;
    /* One statement, so no transaction of its own: this also runs inside the caller's
     * (the acknowledgement mail is queued in the intake's write transaction). */
    int rc = store_reports_first_replies(db, now - REPORTS_EXPECT_WINDOW_DAYS * REPORTS_DAY_MS,
                                         now + 1, 0, add_sample, NULL);
    if (rc) {
        cache.loaded = 0;
        return rc;
    }
    cache.loaded = 1;
    cache.computed_at = now;
    return 0;
}

void reports_expect_reset(void)
{
    pthread_mutex_lock(&cache.mu);
    cache.loaded = 0;
    cache.n = 0;
    pthread_mutex_unlock(&cache.mu);
}

struct figures {
    const char *basis; /* exact, department, all, none */
    size_t n;
    int64_t p50, p90; /* ms; -1 when none */
    int64_t computed_at;
};

/* Percentiles of the samples matching (NULL = any). Caller holds mu. */
static size_t group(const char *dept, const char *channel, const char *priority, int64_t *tmp,
                    int64_t *p50, int64_t *p90)
{
    size_t n = 0;
    for (size_t i = 0; i < cache.n; i++) {
        const struct sample *s = &cache.v[i];
        if ((dept && strcmp(dept, s->department) != 0) ||
            (channel && strcmp(channel, s->channel) != 0) ||
            (priority && strcmp(priority, s->priority) != 0))
            continue;
        tmp[n++] = s->ms;
    }
    *p90 = reports_percentile(tmp, n, 90);
    *p50 = reports_percentile(tmp, n, 50);
    return n;
}

static int figures_for(struct db *db, const char *dept, const char *channel, const char *priority,
                       struct figures *f)
{
    pthread_mutex_lock(&cache.mu);
    int rc = refresh(db, fd_now_ms());
    if (rc) {
        pthread_mutex_unlock(&cache.mu);
        return rc;
    }
    int64_t *tmp = xcalloc(cache.n ? cache.n : 1, sizeof(*tmp));
    f->computed_at = cache.computed_at;
    f->basis = "none";
    f->n = 0;
    f->p50 = f->p90 = -1;
    int specific = dept || channel || priority;
    int64_t p50, p90;
    size_t n;
    if (specific &&
        (n = group(dept, channel, priority, tmp, &p50, &p90)) >= REPORTS_EXPECT_MIN_SAMPLES) {
        f->basis = "exact";
    } else if (dept && (channel || priority) &&
               (n = group(dept, NULL, NULL, tmp, &p50, &p90)) >= REPORTS_EXPECT_MIN_SAMPLES) {
        f->basis = "department";
    } else if ((n = group(NULL, NULL, NULL, tmp, &p50, &p90)) >= REPORTS_EXPECT_MIN_SAMPLES) {
        f->basis = "all";
    }
    if (strcmp(f->basis, "none") != 0) {
        f->n = n;
        f->p50 = p50;
        f->p90 = p90;
    }
    free(tmp);
    pthread_mutex_unlock(&cache.mu);
    return 0;
}

static void sentence(const struct figures *f, char *out, size_t n)
{
    char a[32], b[32];
    reports_duration_text(reports_minutes(f->p50), a, sizeof(a));
    reports_duration_text(reports_minutes(f->p90), b, sizeof(b));
    snprintf(out, n, "We usually reply within %s; 9 in 10 customers get a first reply within %s.",
             a, b);
}

int reports_expect(struct db *db, const char *department, const char *channel, const char *priority,
                   json_t **out, struct fd_error *err)
{
    if (department && *department) {
        struct department_rec d;
        int rc = store_department_by_slug(db, department, &d);
        if (rc == FD_ENOTFOUND)
            return fd_fail(err, FD_EINVAL, "department", "no department %.40s", department);
        if (rc)
            return rc;
    } else {
        department = NULL;
    }
    if (channel && *channel && !one_of(channel, channels))
        return fd_fail(err, FD_EINVAL, "channel",
                       "channel must be web, email, chat, api or social");
    if (priority && *priority && !one_of(priority, priorities))
        return fd_fail(err, FD_EINVAL, "priority", "priority must be low, normal, high or urgent");
    if (channel && !*channel)
        channel = NULL;
    if (priority && !*priority)
        priority = NULL;
    struct figures f;
    int rc = figures_for(db, department, channel, priority, &f);
    if (rc)
        return rc;
    char at[32], text[256];
    fd_iso8601(f.computed_at, at, sizeof(at));
    json_t *j = json_pack("{s:o, s:o, s:o, s:s, s:I, s:i, s:i, s:b, s:s}", "department",
                          department ? json_string(department) : json_null(), "channel",
                          channel ? json_string(channel) : json_null(), "priority",
                          priority ? json_string(priority) : json_null(), "basis", f.basis,
                          "samples", (json_int_t)f.n, "window_days", REPORTS_EXPECT_WINDOW_DAYS,
                          "min_samples", REPORTS_EXPECT_MIN_SAMPLES, "business_hours",
                          reports_business_hours(), "computed_at", at);
    if (f.p50 >= 0) {
        json_object_set_new(j, "p50_minutes", json_integer(reports_minutes(f.p50)));
        json_object_set_new(j, "p90_minutes", json_integer(reports_minutes(f.p90)));
        sentence(&f, text, sizeof(text));
        json_object_set_new(j, "text", json_string(text));
    } else {
        json_object_set_new(j, "p50_minutes", json_null());
        json_object_set_new(j, "p90_minutes", json_null());
        json_object_set_new(j, "text", json_null());
    }
    const char *note = NULL;
    if (strcmp(f.basis, "department") == 0)
        note = "too few recent replies for this channel and priority; figures are for the "
               "whole department";
    else if (strcmp(f.basis, "all") == 0 && (department || channel || priority))
        note = "too few recent replies for this choice; figures are for all departments";
    else if (strcmp(f.basis, "none") == 0)
        note = "too few replies in the last 7 days to give an estimate";
    json_object_set_new(j, "note", note ? json_string(note) : json_null());
    *out = j;
    return 0;
}

void reports_expect_sentence(struct db *db, const char *department, const char *channel,
                             const char *priority, char *out, size_t n)
{
    struct figures f;
    out[0] = '\0';
    if (figures_for(db, department, channel, priority, &f) == 0 && f.p50 >= 0)
        sentence(&f, out, n);
}
