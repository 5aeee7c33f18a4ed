/* Complaint clocks: business-day deadlines (weekdays minus holidays, in the configured
 * time zone, through the SLA module's calendars) and calendar months (UTC civil dates). */
#include "complaints.h"

#include "../core/err.h"
#include "../sla/calendar.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Parses "YYYY-MM-DD" at s (exactly 10 characters) into a day number. */
static int parse_date(const char *s, size_t len, int64_t *day)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int v[3] = {0, 0, 0};
    const int start[3] = {0, 5, 8}, width[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++)
        for (int i = 0; i < width[f]; i++) {
            char c = s[start[f] + i];
            if (c < '0' || c > '9')
                return -1;
            v[f] = v[f] * 10 + (c - '0');
        }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1]))
        return -1;
    *day = days_from_civil(v[0], v[1], v[2]);
    return 0;
}

/* A complaints calendar: the zone, Monday to Friday all day (or every day), and the
 * holidays. The caller frees it. Returns 0 or FD_EINVAL (err names "timezone" or
 * "holidays"). */
static int build_calendar(const char *tz, const char *holidays, int weekdays_only,
                          struct sla_calendar **out, struct fd_error *err)
{
    struct sla_calendar *c = sla_calendar_new();
    int rc = 0, n = 0;
    if (tz && *tz && (rc = sla_calendar_set_zone(c, tz, err)))
        goto fail;
    for (int d = 1; weekdays_only && d <= 5; d++)
        if ((rc = sla_calendar_add_hours(c, d, 0, SLA_DAY_MIN, err)))
            goto fail;
    const char *p = holidays ? holidays : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", ");
        char date[16];
        int64_t day;
        if (len != 10 || parse_date(p, len, &day)) {
            rc = fd_fail(err, FD_EINVAL, "holidays",
                         "holidays must be YYYY-MM-DD dates separated by commas");
            goto fail;
        }
        if (++n > COMPLAINT_HOLIDAYS_MAX) {
            rc = fd_fail(err, FD_EINVAL, "holidays", "at most %d holidays", COMPLAINT_HOLIDAYS_MAX);
            goto fail;
        }
        snprintf(date, sizeof(date), "%.10s", p);
        if ((rc = sla_calendar_add_holiday(c, date, err)))
            goto fail;
        p += len;
    }
    *out = c;
    return 0;
fail:
    sla_calendar_free(c);
    return rc;
}

int complaints_clock_check(const char *tz, const char *holidays, struct fd_error *err)
{
    struct sla_calendar *c = NULL;
    int rc = build_calendar(tz, holidays, 1, &c, err);
    sla_calendar_free(c);
    return rc;
}

int complaints_holidays_check(const char *holidays, struct fd_error *err)
{
    return complaints_clock_check(NULL, holidays, err);
}

int complaints_business_deadline(int64_t start_ms, int n, const char *tz, const char *holidays,
                                 int64_t *out, struct fd_error *err)
{
    if (n < 1)
        return fd_fail(err, FD_EINVAL, "business_days", "the number of business days must be >= 1");
    struct sla_calendar *c = NULL;
    int rc = build_calendar(tz, holidays, 1, &c, err);
    int64_t end = 0;
    if (rc == 0 && (rc = sla_calendar_nth_day_end(c, start_ms, n, &end)) == FD_ELIMIT)
        fd_fail(err, rc, "holidays", "no business day found");
    sla_calendar_free(c);
    if (rc == 0)
        *out = end - 1; /* the last millisecond of that day, not the next midnight */
    return rc;
}

int complaints_date_end(const char *tz, const char *date, int64_t *out)
{
    int64_t day;
    if (!date || parse_date(date, strlen(date), &day))
        return FD_EINVAL;
    struct sla_calendar *c = NULL;
    int rc = build_calendar(tz, NULL, 0, &c, NULL);
    int64_t end = 0;
    /* Noon UTC of the date lies on the same local date in every zone within +-12 h; the
     * close of that local day (open all day) is the midnight that ends it. */
    if (rc == 0)
        rc = sla_calendar_nth_day_end(c, day * DAY_MS + DAY_MS / 2, 0, &end);
    sla_calendar_free(c);
    if (rc == 0)
        *out = end - 1;
    return rc ? FD_EINVAL : 0;
}

int64_t complaints_add_months(int64_t ms, int months)
{
    int64_t day = floor_div(ms, DAY_MS);
    int64_t tod = ms - day * DAY_MS;
    int64_t y;
    int m, d;
    civil_from_days(day, &y, &m, &d);
    int64_t mi = (int64_t)(m - 1) + months;
    y += floor_div(mi, 12);
    m = (int)(mi - floor_div(mi, 12) * 12) + 1;
    int dim = days_in_month(y, m);
    if (d > dim)
        d = dim;
    return days_from_civil(y, m, d) * DAY_MS + tod;
}
