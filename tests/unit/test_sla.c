/* Business-hours calendars: time zones (TZif + POSIX footer), weekends, holidays, DST. */
#include "core/err.h"
#include "sla/calendar.h"
#include "sla/sla_int.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS (60 * 1000LL)
#define HOUR_MS (60 * MIN_MS)

/* Unix ms of a UTC wall-clock time. */
static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi)
{
    return (sla__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static struct sla_calendar *cal(const char *json)
{
    json_error_t je;
    json_t *j = json_loads(json, 0, &je);
    cr_assert_not_null(j, "bad test JSON: %s", je.text);
    struct sla_calendar *c = NULL;
    struct fd_error err = {0};
    int rc = sla_calendar_from_json(j, &c, &err);
    json_decref(j);
    cr_assert_eq(rc, 0, "calendar rejected: %s %s", err.field, err.message);
    return c;
}

static const char *MALTA_OFFICE = "{\"timezone\":\"Europe/Malta\",\"hours\":["
                                  "{\"day\":\"mon\",\"open\":\"09:00\",\"close\":\"18:00\"},"
                                  "{\"day\":\"tue\",\"open\":\"09:00\",\"close\":\"18:00\"},"
                                  "{\"day\":\"wed\",\"open\":\"09:00\",\"close\":\"18:00\"},"
                                  "{\"day\":\"thu\",\"open\":\"09:00\",\"close\":\"18:00\"},"
                                  "{\"day\":\"fri\",\"open\":\"09:00\",\"close\":\"18:00\"}],"
                                  "\"holidays\":[\"2026-12-08\"]}";

Test(calendar, civil_dates_and_weekdays)
{
    cr_assert_eq(sla__days_from_civil(1970, 1, 1), 0);
    cr_assert_eq(sla__weekday(0), 4); /* Thursday */
    cr_assert_eq(sla__weekday(sla__days_from_civil(2026, 11, 26)), 4);
    cr_assert_eq(sla__weekday(sla__days_from_civil(2026, 11, 1)), 0);
    int64_t y;
    unsigned m, d;
    sla__civil_from_days(sla__days_from_civil(2028, 2, 29), &y, &m, &d);
    cr_assert(y == 2028 && m == 2 && d == 29);
}

Test(calendar, default_is_utc_24x7)
{
    struct sla_calendar *c = sla_calendar_new();
    int64_t t0 = utc(2026, 11, 28, 23, 30); /* a Saturday night */
    cr_assert_eq(sla_calendar_elapsed(c, t0, t0 + 50 * HOUR_MS), 50 * HOUR_MS);
    int64_t out = 0;
    cr_assert_eq(sla_calendar_add(c, t0, 90 * MIN_MS, &out), 0);
    cr_assert_eq(out, t0 + 90 * MIN_MS);
    cr_assert(sla_calendar_is_open(c, t0));
    cr_assert_str_eq(sla_calendar_zone(c), "UTC");
    sla_calendar_free(c);
}

Test(calendar, office_hours_across_a_weekend)
{
    struct sla_calendar *c = cal(MALTA_OFFICE);
    /* Friday 2026-11-27 17:00 CET (16:00Z) + 2 business hours = Monday 10:00 CET. */
    int64_t out = 0;
    cr_assert_eq(sla_calendar_add(c, utc(2026, 11, 27, 16, 0), 2 * HOUR_MS, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 30, 9, 0));
    cr_assert_eq(sla_calendar_elapsed(c, utc(2026, 11, 27, 16, 0), utc(2026, 11, 30, 9, 0)),
                 2 * HOUR_MS);
    /* Exactly one business day's budget from the opening ends at that day's close,
     * not at the next opening. */
    cr_assert_eq(sla_calendar_add(c, utc(2026, 11, 30, 8, 0), 9 * HOUR_MS, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 30, 17, 0));
    /* Started on a Sunday: the clock starts on Monday morning. */
    cr_assert_eq(sla_calendar_add(c, utc(2026, 11, 29, 12, 0), 1 * MIN_MS, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 30, 8, 1));
    sla_calendar_free(c);
}

Test(calendar, is_open_to_the_minute)
{
    struct sla_calendar *c = cal(MALTA_OFFICE);
    cr_assert_not(sla_calendar_is_open(c, utc(2026, 11, 30, 7, 59)));
    cr_assert(sla_calendar_is_open(c, utc(2026, 11, 30, 8, 0)));
    cr_assert(sla_calendar_is_open(c, utc(2026, 11, 30, 17, 0) - 1));
    cr_assert_not(sla_calendar_is_open(c, utc(2026, 11, 30, 17, 0)));
    cr_assert_not(sla_calendar_is_open(c, utc(2026, 11, 28, 12, 0))); /* Saturday */
    cr_assert_not(sla_calendar_is_open(c, utc(2026, 12, 8, 10, 0)));  /* holiday */
    cr_assert(sla_calendar_is_open(c, utc(2026, 12, 9, 10, 0)));
    sla_calendar_free(c);
}

Test(calendar, holiday_is_skipped)
{
    struct sla_calendar *c = cal(MALTA_OFFICE);
    /* Monday 2026-12-07 17:30 CET + 1h: 30 min on Monday, Tuesday is a holiday, so
     * Wednesday 09:30 CET. */
    int64_t out = 0;
    cr_assert_eq(sla_calendar_add(c, utc(2026, 12, 7, 16, 30), HOUR_MS, &out), 0);
    cr_assert_eq(out, utc(2026, 12, 9, 8, 30));
    cr_assert_eq(sla_calendar_elapsed(c, utc(2026, 12, 7, 0, 0), utc(2026, 12, 10, 0, 0)),
                 18 * HOUR_MS);
    sla_calendar_free(c);
}

Test(calendar, nth_business_day_end)
{
    struct sla_calendar *c = cal(MALTA_OFFICE);
    int64_t out = 0;
    /* Received Monday 2026-11-30 10:00 CET: 5 business days -> Monday 2026-12-07 18:00. */
    cr_assert_eq(sla_calendar_nth_day_end(c, utc(2026, 11, 30, 9, 0), 5, &out), 0);
    cr_assert_eq(out, utc(2026, 12, 7, 17, 0));
    /* 6 -> skips the holiday on Tuesday 12-08 -> Wednesday 12-09 18:00. */
    cr_assert_eq(sla_calendar_nth_day_end(c, utc(2026, 11, 30, 9, 0), 6, &out), 0);
    cr_assert_eq(out, utc(2026, 12, 9, 17, 0));
    /* n = 0: today's close while open, else the next business day's close. */
    cr_assert_eq(sla_calendar_nth_day_end(c, utc(2026, 11, 30, 9, 0), 0, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 30, 17, 0));
    cr_assert_eq(sla_calendar_nth_day_end(c, utc(2026, 11, 28, 9, 0), 0, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 30, 17, 0));
    cr_assert_eq(sla_calendar_nth_day_end(c, 0, -1, &out), FD_EINVAL);
    sla_calendar_free(c);
}

Test(calendar, dst_autumn_new_york)
{
    /* DST ends in New York on Sunday 2026-11-01 at 02:00 EDT: that local day has 25 h. */
    struct sla_calendar *c = cal("{\"timezone\":\"America/New_York\",\"hours\":\"24x7\"}");
    cr_assert_eq(sla_calendar_offset(c, utc(2026, 10, 31, 12, 0)), -4 * 3600);
    cr_assert_eq(sla_calendar_offset(c, utc(2026, 11, 2, 12, 0)), -5 * 3600);
    cr_assert_eq(sla_calendar_elapsed(c, utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 5, 0)),
                 25 * HOUR_MS);
    int64_t out = 0;
    /* Close of the "0th" day of Sunday = local midnight Monday = 05:00Z. */
    cr_assert_eq(sla_calendar_nth_day_end(c, utc(2026, 11, 1, 4, 0), 0, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 2, 5, 0));
    sla_calendar_free(c);

    /* Office hours across the change: Friday 16:00 EDT + 2h = Monday 10:00 EST. */
    c = cal("{\"timezone\":\"America/New_York\",\"hours\":["
            "{\"day\":\"mon\",\"open\":\"09:00\",\"close\":\"17:00\"},"
            "{\"day\":\"fri\",\"open\":\"09:00\",\"close\":\"17:00\"}]}");
    cr_assert_eq(sla_calendar_add(c, utc(2026, 10, 30, 20, 0), 2 * HOUR_MS, &out), 0);
    cr_assert_eq(out, utc(2026, 11, 2, 15, 0));
    sla_calendar_free(c);
}

Test(calendar, dst_spring_malta)
{
    /* DST starts in Malta on Sunday 2027-03-28 at 02:00 CET: that local day has 23 h. */
    struct sla_calendar *c = cal("{\"timezone\":\"Europe/Malta\"}");
    cr_assert_eq(sla_calendar_elapsed(c, utc(2027, 3, 27, 23, 0), utc(2027, 3, 28, 22, 0)),
                 23 * HOUR_MS);
    cr_assert_eq(sla_calendar_offset(c, utc(2027, 3, 28, 0, 59)), 3600);
    cr_assert_eq(sla_calendar_offset(c, utc(2027, 3, 28, 1, 0)), 7200);
    sla_calendar_free(c);
    /* A 09:00-18:00 day the Monday after is 9 hours, at 07:00Z-16:00Z. */
    c = cal(MALTA_OFFICE);
    cr_assert(sla_calendar_is_open(c, utc(2027, 3, 29, 7, 0)));
    cr_assert_not(sla_calendar_is_open(c, utc(2027, 3, 29, 6, 59)));
    cr_assert_eq(sla_calendar_elapsed(c, utc(2027, 3, 29, 0, 0), utc(2027, 3, 30, 0, 0)),
                 9 * HOUR_MS);
    sla_calendar_free(c);
}

Test(calendar, posix_footer_rule_beyond_the_table)
{
    /* Far beyond the transitions stored in the file: the footer rule decides. */
    struct sla_calendar *c = cal("{\"timezone\":\"America/New_York\"}");
    cr_assert_eq(sla_calendar_offset(c, utc(2061, 7, 1, 12, 0)), -4 * 3600);
    cr_assert_eq(sla_calendar_offset(c, utc(2061, 1, 15, 12, 0)), -5 * 3600);
    /* 2061-03-13 is the second Sunday of March: DST from 07:00Z. */
    cr_assert_eq(sla_calendar_offset(c, utc(2061, 3, 13, 6, 59)), -5 * 3600);
    cr_assert_eq(sla_calendar_offset(c, utc(2061, 3, 13, 7, 0)), -4 * 3600);
    sla_calendar_free(c);
    c = cal("{\"timezone\":\"Australia/Sydney\"}"); /* southern hemisphere */
    cr_assert_eq(sla_calendar_offset(c, utc(2061, 1, 15, 0, 0)), 11 * 3600);
    cr_assert_eq(sla_calendar_offset(c, utc(2061, 7, 15, 0, 0)), 10 * 3600);
    sla_calendar_free(c);
}

Test(calendar, add_and_elapsed_agree)
{
    struct sla_calendar *c = cal(MALTA_OFFICE);
    srand(42);
    for (int i = 0; i < 300; i++) {
        int64_t start = utc(2026, 1, 1, 0, 0) + (int64_t)(rand() % (700 * 24 * 60)) * MIN_MS;
        int64_t budget = (int64_t)(rand() % (60 * 60)) * MIN_MS + 1;
        int64_t due = 0;
        cr_assert_eq(sla_calendar_add(c, start, budget, &due), 0);
        cr_assert_eq(sla_calendar_elapsed(c, start, due), budget, "start %lld budget %lld",
                     (long long)start, (long long)budget);
        cr_assert(sla_calendar_is_open(c, due - 1));
    }
    sla_calendar_free(c);
}

Test(calendar, overlapping_hours_are_merged)
{
    struct sla_calendar *c =
        cal("{\"hours\":[{\"day\":\"mon\",\"open\":\"09:00\",\"close\":\"12:00\"},"
            "{\"day\":\"mon\",\"open\":\"11:00\",\"close\":\"14:00\"},"
            "{\"day\":\"mon\",\"open\":\"15:00\",\"close\":\"24:00\"}]}");
    cr_assert_eq(sla_calendar_elapsed(c, utc(2026, 11, 30, 0, 0), utc(2026, 12, 1, 0, 0)),
                 14 * HOUR_MS);
    json_t *j = sla_calendar_to_json(c);
    cr_assert_eq(json_array_size(json_object_get(j, "hours")), 2);
    struct sla_calendar *c2 = NULL;
    cr_assert_eq(sla_calendar_from_json(j, &c2, NULL), 0);
    cr_assert_eq(sla_calendar_elapsed(c2, utc(2026, 11, 30, 0, 0), utc(2026, 12, 1, 0, 0)),
                 14 * HOUR_MS);
    json_decref(j);
    sla_calendar_free(c2);
    sla_calendar_free(c);
}

static void rejects(const char *json, const char *field)
{
    json_t *j = json_loads(json, 0, NULL);
    cr_assert_not_null(j);
    struct sla_calendar *c = NULL;
    struct fd_error err = {0};
    int rc = sla_calendar_from_json(j, &c, &err);
    json_decref(j);
    cr_assert_eq(rc, FD_EINVAL, "accepted %s", json);
    cr_assert_null(c);
    cr_assert_str_eq(err.field, field, "%s: field %s", json, err.field);
}

Test(calendar, bad_input_is_rejected_with_the_field)
{
    rejects("{\"timezone\":\"Mars/Olympus\"}", "timezone");
    rejects("{\"timezone\":\"../../etc/passwd\"}", "timezone");
    rejects("{\"timezone\":\"/etc/passwd\"}", "timezone");
    rejects("{\"timezone\":7}", "timezone");
    rejects("{\"hours\":[]}", "hours");
    rejects("{\"hours\":\"always\"}", "hours");
    rejects("{\"hours\":[{\"day\":\"mon\",\"open\":\"18:00\",\"close\":\"09:00\"}]}", "hours");
    rejects("{\"hours\":[{\"day\":\"funday\",\"open\":\"08:00\",\"close\":\"09:00\"}]}", "hours");
    rejects("{\"hours\":[{\"day\":\"mon\",\"open\":\"24:00\",\"close\":\"24:00\"}]}", "hours");
    rejects("{\"hours\":[{\"day\":\"mon\",\"open\":\"9:00\",\"close\":\"17:00\"}]}", "hours");
    rejects("{\"holidays\":[\"2026-02-30\"]}", "holidays");
    rejects("{\"holidays\":[\"tomorrow\"]}", "holidays");
    rejects("{\"holidays\":\"2026-12-25\"}", "holidays");
}

Test(calendar, corrupt_tzif_is_a_parse_error)
{
    struct sla_tz *tz = NULL;
    const unsigned char junk[] = "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\xff";
    cr_assert_eq(sla__tz_parse(junk, sizeof(junk), &tz), FD_EPARSE);
    cr_assert_eq(sla__tz_parse((const unsigned char *)"hello", 5, &tz), FD_EPARSE);
    cr_assert_null(tz);
}

Test(calendar, never_open_gives_a_limit_not_a_loop)
{
    struct sla_calendar *c =
        cal("{\"hours\":[{\"day\":\"mon\",\"open\":\"09:00\",\"close\":\"10:00\"}]}");
    /* Ten years of Mondays is enough hours for 100 h. */
    int64_t out = 0;
    cr_assert_eq(sla_calendar_add(c, 0, 100 * HOUR_MS, &out), 0);
    cr_assert_eq(sla_calendar_add(c, 0, 100000 * HOUR_MS, &out), FD_ELIMIT);
    sla_calendar_free(c);
}
