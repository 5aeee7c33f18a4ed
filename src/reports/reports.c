/* Supervisor reports in the shared report shape, and their CSV (docs/reports.md). */
#include "reports.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../store/store_reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arithmetic ------------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t reports_percentile(int64_t *v, size_t n, int pct)
{
    if (n == 0)
        return -1;
    if (pct < 1)
        pct = 1;
    if (pct > 100)
        pct = 100;
    qsort(v, n, sizeof(*v), cmp_i64);
    /* rank = ceil(pct/100 * n), 1-based */
    size_t rank = ((size_t)pct * n + 99) / 100;
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

int reports_age_bucket(int64_t age_ms)
{
    if (age_ms < REPORTS_DAY_MS)
        return 0;
    if (age_ms < 3 * REPORTS_DAY_MS)
        return 1;
    if (age_ms < 7 * REPORTS_DAY_MS)
        return 2;
    return 3;
}

int64_t reports_minutes(int64_t ms)
{
    if (ms < 0)
        return -((-ms + 30000) / 60000);
    return (ms + 30000) / 60000;
}

int64_t reports_day_start(int64_t ms)
{
    int64_t d = ms / REPORTS_DAY_MS;
    if (ms % REPORTS_DAY_MS < 0)
        d--;
    return d * REPORTS_DAY_MS;
}

/* Howard Hinnant's civil-from-days and days-from-civil (proleptic Gregorian, UTC). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void reports_day_format(int64_t ms, char *out, size_t n)
{
    int y;
    unsigned m, d;
    civil_from_days(reports_day_start(ms) / REPORTS_DAY_MS, &y, &m, &d);
    snprintf(out, n, "%04d-%02u-%02u", y, m, d);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int reports_day_parse(const char *s, int64_t *out)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
        digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
        return FD_EINVAL;
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return FD_EINVAL;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return FD_EINVAL;
    *out = days_from_civil(y, (unsigned)m, (unsigned)d) * REPORTS_DAY_MS;
    return 0;
}

void reports_duration_text(int64_t minutes, char *out, size_t n)
{
    if (minutes < 1)
        minutes = 1;
    if (minutes < 60) {
        snprintf(out, n, "%lld minute%s", (long long)minutes, minutes == 1 ? "" : "s");
    } else if (minutes <= 48 * 60) {
        int64_t h = (minutes + 59) / 60;
        snprintf(out, n, "%lld hour%s", (long long)h, h == 1 ? "" : "s");
    } else {
        int64_t d = (minutes + 1439) / 1440;
        snprintf(out, n, "%lld days", (long long)d);
    }
}

/* ---- the query -------------------------------------------------------------------- */

int reports_query_parse(struct db *db, const char *from, const char *to, const char *department,
                        struct report_query *q, struct fd_error *err)
{
    memset(q, 0, sizeof(*q));
    int64_t today = reports_day_start(fd_now_ms());
    int64_t last = today, first;
    if (to && *to && reports_day_parse(to, &last))
        return fd_fail(err, FD_EINVAL, "to", "to must be a date like 2026-11-30");
    if (from && *from) {
        if (reports_day_parse(from, &first))
            return fd_fail(err, FD_EINVAL, "from", "from must be a date like 2026-11-01");
    } else {
        first = last - (REPORTS_DEFAULT_DAYS - 1) * REPORTS_DAY_MS;
    }
    if (first > last)
        return fd_fail(err, FD_EINVAL, "from", "from must not be after to");
    if ((last - first) / REPORTS_DAY_MS + 1 > REPORTS_MAX_DAYS)
        return fd_fail(err, FD_EINVAL, "from", "the period is at most %d days", REPORTS_MAX_DAYS);
    q->from = first;
    q->to = last + REPORTS_DAY_MS;
    if (department && *department) {
        struct department_rec d;
        int rc = store_department_by_slug(db, department, &d);
        if (rc == FD_ENOTFOUND)
            return fd_fail(err, FD_EINVAL, "department", "no department %.40s", department);
        if (rc)
            return rc;
        q->department_id = d.id;
        snprintf(q->department, sizeof(q->department), "%s", d.slug);
    }
    return 0;
}

/* ---- report builders ---------------------------------------------------------------- */

const char *const reports_names[] = {
    "volume-channel", "volume-department", "first-reply", "resolution", "backlog",
    "csat",           "deflection",        NULL};

static json_t *report_new(const char *title, const char *unit, const char *chart)
{
    return json_pack("{s:s, s:s, s:s, s:[], s:[]}", "title", title, "unit", unit, "chart", chart,
                     "columns", "rows");
}

static size_t ndays(const struct report_query *q)
{
    return (size_t)((q->to - q->from) / REPORTS_DAY_MS);
}

static json_t *day_cell(const struct report_query *q, size_t i)
{
    char day[16];
    reports_day_format(q->from + (int64_t)i * REPORTS_DAY_MS, day, sizeof(day));
    return json_string(day);
}

/* A growable list of names (channels, departments) that become columns. */
struct names {
    char (*v)[32];
    size_t n, cap;
};

static size_t names_index(struct names *l, const char *s, int add)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return i;
    if (!add)
        return (size_t)-1;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    snprintf(l->v[l->n], sizeof(l->v[0]), "%s", s);
    return l->n++;
}

struct samples {
    struct report_sample *v;
    size_t n, cap;
};

static int collect_sample(void *ctx, const struct report_sample *s)
{
    struct samples *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = *s;
    return 0;
}

static int dept_name(void *ctx, const struct department_rec *d)
{
    names_index(ctx, d->slug, 1);
    return 0;
}

/* Tickets created per day, one column per channel or per department. */
static int volume(struct db *db, const struct report_query *q, int by_department, json_t *r)
{
    struct samples s = {0};
    struct names cols = {0};
    int rc = store_reports_created(db, q->from, q->to, q->department_id, collect_sample, &s);
    if (rc)
        goto out;
    if (by_department) {
        if (q->department_id)
            names_index(&cols, q->department, 1);
        else if ((rc = store_department_list(db, dept_name, &cols)))
            goto out;
    } else {
        /* The usual channels always have a column, so charts keep their colours. */
        names_index(&cols, "web", 1);
        names_index(&cols, "email", 1);
        names_index(&cols, "chat", 1);
        for (size_t i = 0; i < s.n; i++)
            names_index(&cols, s.v[i].channel, 1);
    }
    size_t nd = ndays(q);
    int64_t *counts = xcalloc(nd * (cols.n ? cols.n : 1), sizeof(*counts));
    for (size_t i = 0; i < s.n; i++) {
        size_t d = (size_t)((s.v[i].start - q->from) / REPORTS_DAY_MS);
        size_t c = names_index(&cols, by_department ? s.v[i].department : s.v[i].channel, 0);
        if (d < nd && c != (size_t)-1)
            counts[d * cols.n + c]++;
    }
    json_t *columns = json_object_get(r, "columns"), *rows = json_object_get(r, "rows");
    json_array_append_new(columns, json_string("day"));
    for (size_t c = 0; c < cols.n; c++)
        json_array_append_new(columns, json_string(cols.v[c]));
    for (size_t d = 0; d < nd; d++) {
        json_t *row = json_array();
        json_array_append_new(row, day_cell(q, d));
        for (size_t c = 0; c < cols.n; c++)
            json_array_append_new(row, json_integer(counts[d * cols.n + c]));
        json_array_append_new(rows, row);
    }
    char note[128];
    snprintf(note, sizeof(note), "%zu tickets created in the period", s.n);
    json_object_set_new(r, "note", json_string(note));
    free(counts);
out:
    free(s.v);
    free(cols.v);
    return rc;
}

static json_t *minutes_or_null(int64_t ms)
{
    return ms < 0 ? json_null() : json_integer(reports_minutes(ms));
}

/* p50/p90 per day of (end - start), bucketed by the day of end. */
static int durations(struct db *db, const struct report_query *q, int resolution, json_t *r)
{
    struct samples s = {0};
    int rc =
        resolution
            ? store_reports_resolutions(db, q->from, q->to, q->department_id, collect_sample, &s)
            : store_reports_first_replies(db, q->from, q->to, q->department_id, collect_sample, &s);
    if (rc) {
        free(s.v);
        return rc;
    }
    size_t nd = ndays(q);
    int64_t *all = xcalloc(s.n ? s.n : 1, sizeof(*all));
    int64_t *day = xcalloc(s.n ? s.n : 1, sizeof(*day));
    json_t *columns = json_object_get(r, "columns"), *rows = json_object_get(r, "rows");
    json_array_append_new(columns, json_string("day"));
    json_array_append_new(columns, json_string("p50"));
    json_array_append_new(columns, json_string("p90"));
    for (size_t i = 0; i < s.n; i++)
        all[i] = reports_elapsed(s.v[i].department_id, s.v[i].start, s.v[i].end);
    for (size_t d = 0; d < nd; d++) {
        int64_t lo = q->from + (int64_t)d * REPORTS_DAY_MS, hi = lo + REPORTS_DAY_MS;
        size_t n = 0;
        for (size_t i = 0; i < s.n; i++)
            if (s.v[i].end >= lo && s.v[i].end < hi)
                day[n++] = all[i];
        int64_t p50 = reports_percentile(day, n, 50), p90 = reports_percentile(day, n, 90);
        json_array_append_new(rows, json_pack("[o, o, o]", day_cell(q, d), minutes_or_null(p50),
                                              minutes_or_null(p90)));
    }
    char note[200];
    if (s.n) {
        int64_t p50 = reports_percentile(all, s.n, 50), p90 = reports_percentile(all, s.n, 90);
        snprintf(note, sizeof(note),
                 "%zu tickets; over the whole period p50 %lld and p90 %lld minutes (%s)", s.n,
                 (long long)reports_minutes(p50), (long long)reports_minutes(p90),
                 reports_business_hours() ? "business hours" : "wall-clock");
        json_object_set_new(r, "summary",
                            json_pack("{s:I, s:I, s:I}", "tickets", (json_int_t)s.n, "p50",
                                      (json_int_t)reports_minutes(p50), "p90",
                                      (json_int_t)reports_minutes(p90)));
    } else {
        snprintf(note, sizeof(note), "no tickets in the period");
        json_object_set_new(r, "summary", json_pack("{s:i, s:n, s:n}", "tickets", 0, "p50", "p90"));
    }
    json_object_set_new(r, "note", json_string(note));
    free(all);
    free(day);
    free(s.v);
    return 0;
}

static int backlog(struct db *db, const struct report_query *q, json_t *r)
{
    struct samples s = {0};
    int rc = store_reports_open(db, q->department_id, collect_sample, &s);
    if (rc) {
        free(s.v);
        return rc;
    }
    int64_t counts[4] = {0}, now = fd_now_ms();
    for (size_t i = 0; i < s.n; i++)
        counts[reports_age_bucket(now - s.v[i].start)]++;
    static const char *const labels[4] = {"<1d", "1-3d", "3-7d", ">7d"};
    json_t *columns = json_object_get(r, "columns"), *rows = json_object_get(r, "rows");
    json_array_append_new(columns, json_string("age"));
    json_array_append_new(columns, json_string("tickets"));
    for (int i = 0; i < 4; i++)
        json_array_append_new(rows, json_pack("[s, I]", labels[i], (json_int_t)counts[i]));
    char note[160];
    snprintf(note, sizeof(note),
             "%zu open tickets now, by age since creation; the period "
             "does not apply",
             s.n);
    json_object_set_new(r, "note", json_string(note));
    free(s.v);
    return 0;
}

struct csat_acc {
    int64_t dist[6];
    int64_t n, sum;
};

static int csat_add(void *ctx, int64_t at, int rating)
{
    (void)at;
    struct csat_acc *a = ctx;
    if (rating >= 1 && rating <= 5) {
        a->dist[rating]++;
        a->n++;
        a->sum += rating;
    }
    return 0;
}

static int csat(struct db *db, const struct report_query *q, json_t *r)
{
    struct csat_acc a = {0};
    struct samples s = {0};
    int rc = store_csat_answers(db, q->from, q->to, q->department_id, csat_add, &a);
    if (rc == 0)
        rc = store_reports_resolutions(db, q->from, q->to, q->department_id, collect_sample, &s);
    if (rc) {
        free(s.v);
        return rc;
    }
    int64_t rated = 0;
    for (size_t i = 0; i < s.n; i++)
        rated += s.v[i].rating > 0;
    json_t *columns = json_object_get(r, "columns"), *rows = json_object_get(r, "rows");
    json_array_append_new(columns, json_string("rating"));
    json_array_append_new(columns, json_string("responses"));
    for (int i = 1; i <= 5; i++)
        json_array_append_new(rows, json_pack("[i, I]", i, (json_int_t)a.dist[i]));
    json_t *sum = json_pack("{s:I, s:I, s:I}", "responses", (json_int_t)a.n, "solved",
                            (json_int_t)s.n, "rated", (json_int_t)rated);
    char note[256], avg[32] = "no answers", rate[64] = "no tickets solved";
    if (a.n) {
        double v = (double)a.sum / (double)a.n;
        json_object_set_new(sum, "average", json_real((double)(int64_t)(v * 100 + 0.5) / 100));
        snprintf(avg, sizeof(avg), "average %.2f", v);
    } else {
        json_object_set_new(sum, "average", json_null());
    }
    if (s.n) {
        int64_t pct = (rated * 100 + (int64_t)s.n / 2) / (int64_t)s.n;
        json_object_set_new(sum, "response_rate", json_integer(pct));
        snprintf(rate, sizeof(rate), "response rate %lld%% (%lld of %zu)", (long long)pct,
                 (long long)rated, s.n);
    } else {
        json_object_set_new(sum, "response_rate", json_null());
    }
    if (a.n)
        snprintf(note, sizeof(note),
                 "%s from %lld answers in the period; %s of the tickets first solved in the "
                 "period",
                 avg, (long long)a.n, rate);
    else
        snprintf(note, sizeof(note),
                 "no answers in the period; %s of the tickets first solved in the period", rate);
    json_object_set_new(r, "summary", sum);
    json_object_set_new(r, "note", json_string(note));
    free(s.v);
    return 0;
}

struct defl_acc {
    const struct report_query *q;
    int64_t (*v)[4];
    int64_t tot[4];
};

static int defl_add(void *ctx, int64_t at, int opened, int filed)
{
    struct defl_acc *a = ctx;
    size_t d = (size_t)((at - a->q->from) / REPORTS_DAY_MS);
    if (d >= ndays(a->q))
        return 0;
    int64_t inc[4] = {1, opened, opened && filed, opened && !filed};
    for (int i = 0; i < 4; i++) {
        a->v[d][i] += inc[i];
        a->tot[i] += inc[i];
    }
    return 0;
}

static int deflection(struct db *db, const struct report_query *q, json_t *r)
{
    size_t nd = ndays(q);
    struct defl_acc a = {q, xcalloc(nd, sizeof(*a.v)), {0}};
    int rc = store_reports_deflections(db, q->from, q->to, defl_add, &a);
    if (rc == 0) {
        json_t *columns = json_object_get(r, "columns"), *rows = json_object_get(r, "rows");
        static const char *const cols[] = {"day", "suggested", "opened", "opened_then_filed",
                                           "deflected"};
        for (int i = 0; i < 5; i++)
            json_array_append_new(columns, json_string(cols[i]));
        for (size_t d = 0; d < nd; d++)
            json_array_append_new(rows, json_pack("[o, I, I, I, I]", day_cell(q, d),
                                                  (json_int_t)a.v[d][0], (json_int_t)a.v[d][1],
                                                  (json_int_t)a.v[d][2], (json_int_t)a.v[d][3]));
        char note[320];
        snprintf(note, sizeof(note),
                 "%lld suggestion prompts; %lld with an article opened, of which %lld still "
                 "filed a ticket and %lld did not (deflected)%s",
                 (long long)a.tot[0], (long long)a.tot[1], (long long)a.tot[2], (long long)a.tot[3],
                 q->department_id ? "; deflection is not recorded per department, so the "
                                    "department filter does not apply"
                                  : "");
        json_object_set_new(r, "note", json_string(note));
    }
    free(a.v);
    return rc;
}

/* SLA compliance: per day, first-reply and resolution clocks met in time and late. */
struct sla_acc {
    const struct report_query *q;
    int64_t (*v)[4]; /* first reply met, late; resolution met, late */
    int64_t tot[4];
};

static int sla_add(void *ctx, const char *metric, int64_t at, int late)
{
    struct sla_acc *a = ctx;
    size_t d = (size_t)((at - a->q->from) / REPORTS_DAY_MS);
    if (at < a->q->from || d >= ndays(a->q))
        return 0;
    int i = (strcmp(metric, "resolution") == 0 ? 2 : 0) + (late ? 1 : 0);
    a->v[d][i]++;
    a->tot[i]++;
    return 0;
}

static json_t *pct_or_null(int64_t met, int64_t late)
{
    return met + late ? json_integer((met * 100 + (met + late) / 2) / (met + late)) : json_null();
}

static int sla_compliance(struct db *db, const struct report_query *q, json_t *r)
{
    size_t nd = ndays(q);
    struct sla_acc a = {q, xcalloc(nd, sizeof(*a.v)), {0}};
    int rc = store_reports_sla(db, q->from, q->to, q->department_id, sla_add, &a);
    if (rc == 0) {
        json_t *columns = json_object_get(r, "columns"), *rows = json_object_get(r, "rows");
        static const char *const cols[] = {"day", "first_reply_met", "first_reply_breached",
                                           "resolution_met", "resolution_breached"};
        for (int i = 0; i < 5; i++)
            json_array_append_new(columns, json_string(cols[i]));
        for (size_t d = 0; d < nd; d++)
            json_array_append_new(rows, json_pack("[o, I, I, I, I]", day_cell(q, d),
                                                  (json_int_t)a.v[d][0], (json_int_t)a.v[d][1],
                                                  (json_int_t)a.v[d][2], (json_int_t)a.v[d][3]));
        json_object_set_new(r, "summary",
                            json_pack("{s:o, s:o}", "first_reply_pct",
                                      pct_or_null(a.tot[0], a.tot[1]), "resolution_pct",
                                      pct_or_null(a.tot[2], a.tot[3])));
        char note[320];
        snprintf(note, sizeof(note),
                 "first reply: %lld in time, %lld breached; resolution: %lld in time, %lld "
                 "breached. A clock counts on the day it stopped, or, while still running, "
                 "on the day it breached; next-reply clocks restart with every reply and are "
                 "not counted",
                 (long long)a.tot[0], (long long)a.tot[1], (long long)a.tot[2],
                 (long long)a.tot[3]);
        json_object_set_new(r, "note", json_string(note));
    }
    free(a.v);
    return rc;
}

int reports_build(struct db *db, const char *name, const struct report_query *q, json_t **out)
{
    json_t *r;
    int kind;
    if (strcmp(name, "volume-channel") == 0)
        r = report_new("Tickets by channel", "tickets", "line"), kind = 0;
    else if (strcmp(name, "volume-department") == 0)
        r = report_new("Tickets by department", "tickets", "line"), kind = 1;
    else if (strcmp(name, "first-reply") == 0)
        r = report_new("First reply time", "minutes", "line"), kind = 2;
    else if (strcmp(name, "resolution") == 0)
        r = report_new("Resolution time", "minutes", "line"), kind = 3;
    else if (strcmp(name, "backlog") == 0)
        r = report_new("Open tickets by age", "tickets", "bar"), kind = 4;
    else if (strcmp(name, "csat") == 0)
        r = report_new("Customer satisfaction", "rating", "bar"), kind = 5;
    else if (strcmp(name, "deflection") == 0)
        r = report_new("Help-center deflection", "tickets", "line"), kind = 6;
    else if (strcmp(name, "sla") == 0)
        r = report_new("SLA compliance", "tickets", "line"), kind = 7;
    else
        return FD_ENOTFOUND;
    int rc = db_begin_read(db);
    if (rc == 0) {
        switch (kind) {
        case 0: rc = volume(db, q, 0, r); break;
        case 1: rc = volume(db, q, 1, r); break;
        case 2: rc = durations(db, q, 0, r); break;
        case 3: rc = durations(db, q, 1, r); break;
        case 4: rc = backlog(db, q, r); break;
        case 5: rc = csat(db, q, r); break;
        case 7: rc = sla_compliance(db, q, r); break;
        default: rc = deflection(db, q, r); break;
        }
        db_rollback(db);
    }
    if (rc) {
        json_decref(r);
        return rc;
    }
    char from[16], to[16];
    reports_day_format(q->from, from, sizeof(from));
    reports_day_format(q->to - REPORTS_DAY_MS, to, sizeof(to));
    json_object_set_new(r, "from", json_string(from));
    json_object_set_new(r, "to", json_string(to));
    json_object_set_new(r, "department",
                        q->department[0] ? json_string(q->department) : json_null());
    *out = r;
    return 0;
}

/* ---- CSV ---------------------------------------------------------------------------- */

static void csv_cell(struct buf *b, const json_t *v)
{
    char num[64];
    if (json_is_null(v) || !v)
        return;
    if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        buf_puts(b, num);
        return;
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.2f", json_real_value(v));
        buf_puts(b, num);
        return;
    }
    if (json_is_true(v) || json_is_false(v)) {
        buf_puts(b, json_is_true(v) ? "true" : "false");
        return;
    }
    const char *s = json_string_value(v);
    if (!s)
        return;
    int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_puts(b, "\"");
    if (formula)
        buf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_puts(b, "\"\"");
        else
            buf_append(b, p, 1);
    }
    if (quote)
        buf_puts(b, "\"");
}

static void csv_row(struct buf *b, const json_t *row)
{
    size_t i;
    json_t *v;
    json_array_foreach(row, i, v)
    {
        if (i)
            buf_puts(b, ",");
        csv_cell(b, v);
    }
    buf_puts(b, "\r\n");
}

int reports_csv(const json_t *report, char **out, size_t *len)
{
    const json_t *columns = json_object_get(report, "columns");
    const json_t *rows = json_object_get(report, "rows");
    if (!json_is_array(columns) || !json_is_array(rows))
        return FD_EINVAL;
    struct buf b;
    buf_init(&b, 0);
    csv_row(&b, columns);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (json_is_array(row))
            csv_row(&b, row);
    }
    *out = buf_detach(&b, len);
    return 0;
}
