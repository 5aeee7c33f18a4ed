#include "sla/calendar.h"

#include "core/err.h"
#include "core/xalloc.h"
#include "sla/sla_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct interval {
    int day, open_min, close_min;
};

struct sla_calendar {
    char zone[SLA_TZ_NAME_MAX];
    struct sla_tz *tz; /* NULL = UTC */
    int default_hours; /* still the 24x7 default */
    struct interval iv[SLA_MAX_INTERVALS];
    int niv;           /* sorted by (day, open_min), disjoint */
    int64_t *holidays; /* local day numbers, sorted, unique */
    int nhol;
};

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static void set_24x7(struct sla_calendar *c)
{
    c->niv = 7;
    for (int d = 0; d < 7; d++)
        c->iv[d] = (struct interval){d, 0, SLA_DAY_MIN};
    c->default_hours = 1;
}

struct sla_calendar *sla_calendar_new(void)
{
    struct sla_calendar *c = xcalloc(1, sizeof(*c));
    snprintf(c->zone, sizeof(c->zone), "UTC");
    set_24x7(c);
    return c;
}

void sla_calendar_free(struct sla_calendar *c)
{
    if (!c)
        return;
    sla__tz_free(c->tz);
    free(c->holidays);
    free(c);
}

int sla_calendar_set_zone(struct sla_calendar *c, const char *tzname, struct fd_error *err)
{
    if (!tzname || strlen(tzname) >= SLA_TZ_NAME_MAX)
        return fd_fail(err, FD_EINVAL, "timezone", "timezone must be an IANA zone name");
    struct sla_tz *tz = NULL;
    int rc = sla__tz_load(tzname, &tz);
    if (rc == FD_EINVAL)
        return fd_fail(err, rc, "timezone", "unknown time zone '%s'", tzname);
    if (rc)
        return fd_fail(err, rc, "timezone", "time zone '%s' cannot be read", tzname);
    sla__tz_free(c->tz);
    c->tz = tz;
    snprintf(c->zone, sizeof(c->zone), "%s", tzname);
    return 0;
}

const char *sla_calendar_zone(const struct sla_calendar *c)
{
    return c->zone;
}

static int cmp_iv(const void *a, const void *b)
{
    const struct interval *x = a, *y = b;
    if (x->day != y->day)
        return x->day - y->day;
    return x->open_min - y->open_min;
}

int sla_calendar_add_hours(struct sla_calendar *c, int weekday, int open_min, int close_min,
                           struct fd_error *err)
{
    if (weekday < 0 || weekday > 6 || open_min < 0 || close_min > SLA_DAY_MIN ||
        open_min >= close_min)
        return fd_fail(err, FD_EINVAL, "hours",
                       "hours need a weekday and open < close within 00:00-24:00");
    if (c->default_hours) {
        c->niv = 0;
        c->default_hours = 0;
    }
    if (c->niv >= SLA_MAX_INTERVALS)
        return fd_fail(err, FD_ELIMIT, "hours", "at most %d intervals", SLA_MAX_INTERVALS);
    c->iv[c->niv++] = (struct interval){weekday, open_min, close_min};
    qsort(c->iv, (size_t)c->niv, sizeof(c->iv[0]), cmp_iv);
    /* Merge overlapping or touching intervals of a day so that time is never counted
     * twice. */
    int w = 0;
    for (int i = 0; i < c->niv; i++) {
        if (w > 0 && c->iv[w - 1].day == c->iv[i].day &&
            c->iv[i].open_min <= c->iv[w - 1].close_min) {
            if (c->iv[i].close_min > c->iv[w - 1].close_min)
                c->iv[w - 1].close_min = c->iv[i].close_min;
            continue;
        }
        c->iv[w++] = c->iv[i];
    }
    c->niv = w;
    return 0;
}

static int parse_date(const char *s, int64_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    int64_t z = sla__days_from_civil(y, m, d);
    int64_t yy;
    unsigned mm, dd;
    sla__civil_from_days(z, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
        return -1; /* 2026-02-30 */
    *out = z;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int is_holiday(const struct sla_calendar *c, int64_t day)
{
    return c->nhol > 0 &&
           bsearch(&day, c->holidays, (size_t)c->nhol, sizeof(int64_t), cmp_i64) != NULL;
}

int sla_calendar_add_holiday(struct sla_calendar *c, const char *date, struct fd_error *err)
{
    int64_t day;
    if (parse_date(date, &day))
        return fd_fail(err, FD_EINVAL, "holidays", "holiday '%s' is not a date YYYY-MM-DD",
                       date ? date : "");
    if (is_holiday(c, day))
        return 0;
    if (c->nhol >= SLA_MAX_HOLIDAYS)
        return fd_fail(err, FD_ELIMIT, "holidays", "at most %d holidays", SLA_MAX_HOLIDAYS);
    c->holidays = xrealloc(c->holidays, (size_t)(c->nhol + 1) * sizeof(int64_t));
    c->holidays[c->nhol++] = day;
    qsort(c->holidays, (size_t)c->nhol, sizeof(int64_t), cmp_i64);
    return 0;
}

/* ---- JSON form -------------------------------------------------------------------- */

/* "HH:MM" to minutes; "24:00" only when allow_24. */
static int parse_hhmm(const char *s, int allow_24, int *out)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    *out = h * 60 + m;
    return 0;
}

static int parse_day(const char *s)
{
    for (int d = 0; s && d < 7; d++)
        if (strcmp(s, day_names[d]) == 0)
            return d;
    return -1;
}

int sla_calendar_from_json(const struct json_t *cj, struct sla_calendar **out, struct fd_error *err)
{
    json_t *j = (json_t *)cj;
    if (!json_is_object(j))
        return fd_fail(err, FD_EINVAL, "calendar", "calendar must be an object");
    struct sla_calendar *c = sla_calendar_new();
    int rc = 0;
    json_t *tz = json_object_get(j, "timezone");
    if (tz && !json_is_null(tz)) {
        if (!json_is_string(tz)) {
            rc = fd_fail(err, FD_EINVAL, "timezone", "timezone must be a string");
            goto out;
        }
        if ((rc = sla_calendar_set_zone(c, json_string_value(tz), err)))
            goto out;
    }
    json_t *hours = json_object_get(j, "hours");
    if (json_is_string(hours)) {
        if (strcmp(json_string_value(hours), "24x7") != 0) {
            rc = fd_fail(err, FD_EINVAL, "hours", "hours must be an array or \"24x7\"");
            goto out;
        }
    } else if (hours && !json_is_null(hours)) {
        if (!json_is_array(hours) || json_array_size(hours) == 0) {
            rc = fd_fail(err, FD_EINVAL, "hours",
                         "hours must be a non-empty array of {day, open, close} or \"24x7\"");
            goto out;
        }
        size_t i;
        json_t *h;
        json_array_foreach(hours, i, h)
        {
            int day = parse_day(json_string_value(json_object_get(h, "day")));
            int o, cl;
            if (day < 0) {
                rc = fd_fail(err, FD_EINVAL, "hours",
                             "hours[%zu].day must be one of sun mon tue wed thu fri sat", i);
                goto out;
            }
            if (parse_hhmm(json_string_value(json_object_get(h, "open")), 0, &o) ||
                parse_hhmm(json_string_value(json_object_get(h, "close")), 1, &cl) || o >= cl) {
                rc = fd_fail(err, FD_EINVAL, "hours",
                             "hours[%zu] needs open and close as HH:MM with open < close", i);
                goto out;
            }
            if ((rc = sla_calendar_add_hours(c, day, o, cl, err)))
                goto out;
        }
    }
    json_t *hol = json_object_get(j, "holidays");
    if (hol && !json_is_null(hol)) {
        if (!json_is_array(hol)) {
            rc = fd_fail(err, FD_EINVAL, "holidays", "holidays must be an array of dates");
            goto out;
        }
        size_t i;
        json_t *d;
        json_array_foreach(hol, i, d)
        {
            if ((rc = sla_calendar_add_holiday(c, json_string_value(d), err)))
                goto out;
        }
    }
out:
    if (rc) {
        sla_calendar_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

struct json_t *sla_calendar_to_json(const struct sla_calendar *c)
{
    json_t *hours = json_array();
    for (int i = 0; i < c->niv; i++) {
        char o[16], cl[16];
        snprintf(o, sizeof(o), "%02d:%02d", c->iv[i].open_min / 60, c->iv[i].open_min % 60);
        snprintf(cl, sizeof(cl), "%02d:%02d", c->iv[i].close_min / 60, c->iv[i].close_min % 60);
        json_array_append_new(hours, json_pack("{s:s, s:s, s:s}", "day", day_names[c->iv[i].day],
                                               "open", o, "close", cl));
    }
    json_t *hol = json_array();
    for (int i = 0; i < c->nhol; i++) {
        int64_t y;
        unsigned m, d;
        sla__civil_from_days(c->holidays[i], &y, &m, &d);
        char s[16];
        snprintf(s, sizeof(s), "%04d-%02u-%02u", (int)y, m, d);
        json_array_append_new(hol, json_string(s));
    }
    return json_pack("{s:s, s:o, s:o}", "timezone", c->zone, "hours", hours, "holidays", hol);
}

/* ---- arithmetic --------------------------------------------------------------------- */

static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int32_t off_s(const struct sla_calendar *c, int64_t t_s)
{
    return c->tz ? sla__tz_offset(c->tz, t_s) : 0;
}

int sla_calendar_offset(const struct sla_calendar *c, int64_t at_ms)
{
    return off_s(c, fdiv(at_ms, 1000));
}

/* The UTC second of a local wall-clock second. See calendar.h for gaps and overlaps;
 * this assumes no two transitions within two days, which holds for every real zone. */
static int64_t local_to_utc(const struct sla_calendar *c, int64_t local_s)
{
    if (!c->tz)
        return local_s;
    int32_t oa = off_s(c, local_s - 86400), ob = off_s(c, local_s + 86400);
    int64_t ta = local_s - oa, tb = local_s - ob;
    int va = off_s(c, ta) == oa, vb = off_s(c, tb) == ob;
    if (va && vb)
        return ta < tb ? ta : tb;
    if (vb && !va)
        return tb;
    return ta; /* valid, or a gap: the offset in force before it */
}

static int64_t local_day(const struct sla_calendar *c, int64_t at_ms)
{
    int64_t t = fdiv(at_ms, 1000);
    return fdiv(t + off_s(c, t), 86400);
}

/* The UTC ms of minute m (0..1440) of local day d. */
static int64_t day_min_ms(const struct sla_calendar *c, int64_t d, int m)
{
    return local_to_utc(c, d * 86400 + (int64_t)m * 60) * 1000;
}

/* Index of the first interval of a weekday, and their count. */
static int day_range(const struct sla_calendar *c, int wd, int *first)
{
    int n = 0;
    *first = 0;
    for (int i = 0; i < c->niv; i++) {
        if (c->iv[i].day == wd) {
            if (n == 0)
                *first = i;
            n++;
        }
    }
    return n;
}

int sla_calendar_is_open(const struct sla_calendar *c, int64_t at_ms)
{
    int64_t d = local_day(c, at_ms);
    if (is_holiday(c, d))
        return 0;
    int first, n = day_range(c, sla__weekday(d), &first);
    for (int i = first; i < first + n; i++)
        if (at_ms >= day_min_ms(c, d, c->iv[i].open_min) &&
            at_ms < day_min_ms(c, d, c->iv[i].close_min))
            return 1;
    return 0;
}

int64_t sla_calendar_elapsed(const struct sla_calendar *c, int64_t from_ms, int64_t to_ms)
{
    if (to_ms <= from_ms)
        return 0;
    int64_t sum = 0;
    int64_t d1 = local_day(c, to_ms);
    for (int64_t d = local_day(c, from_ms); d <= d1; d++) {
        if (is_holiday(c, d))
            continue;
        int first, n = day_range(c, sla__weekday(d), &first);
        for (int i = first; i < first + n; i++) {
            int64_t a = day_min_ms(c, d, c->iv[i].open_min);
            int64_t b = day_min_ms(c, d, c->iv[i].close_min);
            if (a < from_ms)
                a = from_ms;
            if (b > to_ms)
                b = to_ms;
            if (b > a)
                sum += b - a;
        }
    }
    return sum;
}

int sla_calendar_add(const struct sla_calendar *c, int64_t start_ms, int64_t business_ms,
                     int64_t *out_ms)
{
    if (business_ms <= 0) {
        *out_ms = start_ms;
        return 0;
    }
    int64_t left = business_ms;
    int64_t d0 = local_day(c, start_ms);
    for (int64_t d = d0; d < d0 + SLA_MAX_SCAN_DAYS; d++) {
        if (is_holiday(c, d))
            continue;
        int first, n = day_range(c, sla__weekday(d), &first);
        for (int i = first; i < first + n; i++) {
            int64_t a = day_min_ms(c, d, c->iv[i].open_min);
            int64_t b = day_min_ms(c, d, c->iv[i].close_min);
            if (b <= start_ms)
                continue;
            if (a < start_ms)
                a = start_ms;
            if (left <= b - a) {
                *out_ms = a + left;
                return 0;
            }
            left -= b - a;
        }
        /* Budgets of years would scan for ever in a sparse calendar: the bound above
         * also bounds the work. */
    }
    return FD_ELIMIT;
}

/* The last closing time of local day d, or -1 when d is no business day. */
static int64_t day_close(const struct sla_calendar *c, int64_t d)
{
    if (is_holiday(c, d))
        return -1;
    int first, n = day_range(c, sla__weekday(d), &first);
    if (n == 0)
        return -1;
    return day_min_ms(c, d, c->iv[first + n - 1].close_min);
}

int sla_calendar_nth_day_end(const struct sla_calendar *c, int64_t start_ms, int n, int64_t *out_ms)
{
    if (n < 0)
        return FD_EINVAL;
    int64_t d0 = local_day(c, start_ms);
    if (n == 0) {
        for (int64_t d = d0; d < d0 + SLA_MAX_SCAN_DAYS; d++) {
            int64_t e = day_close(c, d);
            if (e >= 0 && e > start_ms) {
                *out_ms = e;
                return 0;
            }
        }
        return FD_ELIMIT;
    }
    int k = 0;
    for (int64_t d = d0 + 1; d < d0 + 1 + SLA_MAX_SCAN_DAYS; d++) {
        int64_t e = day_close(c, d);
        if (e >= 0 && ++k == n) {
            *out_ms = e;
            return 0;
        }
    }
    return FD_ELIMIT;
}
