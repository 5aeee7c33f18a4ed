/* Complaint clocks: business-day deadlines (weekdays minus holidays, UTC) and calendar
 * months. Pure date arithmetic over UTC civil dates (no time zone database, no globals). */
#include "complaints.h"

#include "../core/err.h"

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

/* Parses the holiday list into days[] (at most COMPLAINT_HOLIDAYS_MAX). */
static int parse_holidays(const char *list, int64_t *days, int *n, struct fd_error *err)
{
    *n = 0;
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", ");
        if (*n >= COMPLAINT_HOLIDAYS_MAX)
            return fd_fail(err, FD_EINVAL, "holidays", "at most %d holidays",
                           COMPLAINT_HOLIDAYS_MAX);
        if (parse_date(p, len, &days[*n]))
            return fd_fail(err, FD_EINVAL, "holidays",
                           "holidays must be YYYY-MM-DD dates separated by commas");
        (*n)++;
        p += len;
    }
    return 0;
}

int complaints_date_end(const char *date, int64_t *out)
{
    int64_t day;
    if (!date || parse_date(date, strlen(date), &day))
        return FD_EINVAL;
    *out = (day + 1) * DAY_MS - 1;
    return 0;
}

int complaints_holidays_check(const char *holidays, struct fd_error *err)
{
    int64_t *days = malloc(sizeof(int64_t) * COMPLAINT_HOLIDAYS_MAX);
    if (!days)
        return FD_ENOMEM;
    int n;
    int rc = parse_holidays(holidays, days, &n, err);
    free(days);
    return rc;
}

static int is_business_day(int64_t day, const int64_t *hol, int nhol)
{
    /* 1970-01-01 was a Thursday: weekday 0 = Sunday. */
    int64_t wd = ((day % 7) + 7 + 4) % 7;
    if (wd == 0 || wd == 6)
        return 0;
    for (int i = 0; i < nhol; i++)
        if (hol[i] == day)
            return 0;
    return 1;
}

int complaints_business_deadline(int64_t start_ms, int n, const char *holidays, int64_t *out,
                                 struct fd_error *err)
{
    if (n < 1)
        return fd_fail(err, FD_EINVAL, "business_days", "the number of business days must be >= 1");
    int64_t *hol = malloc(sizeof(int64_t) * COMPLAINT_HOLIDAYS_MAX);
    if (!hol)
        return FD_ENOMEM;
    int nhol;
    int rc = parse_holidays(holidays, hol, &nhol, err);
    if (rc == 0) {
        int64_t day = floor_div(start_ms, DAY_MS);
        /* n >= 1 and at most COMPLAINT_HOLIDAYS_MAX holidays: the loop ends. */
        for (int left = n; left > 0;) {
            day++;
            if (is_business_day(day, hol, nhol))
                left--;
        }
        *out = (day + 1) * DAY_MS - 1;
    }
    free(hol);
    return rc;
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
