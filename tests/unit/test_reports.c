/* Reports: percentiles, day buckets and dates, CSV, the report query, CSAT tokens and the
 * expectation fallbacks, against a temporary store with the clock set by fd_clock_set. */
#include "core/err.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "reports/reports.h"
#include "sla/calendar.h"
#include "store/store_reports.h"
#include "tickets/tickets.h"

#include <jansson.h>

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
    reports_expect_reset();
}
static void teardown(void)
{
    fd_clock_set(0);
    fixture_close(&fx);
}

#define MIN 60000LL
#define T0 1794301200000LL /* 2026-11-10T09:00:00Z */

Test(percentile, nearest_rank_of_observed_values)
{
    int64_t v[] = {60, 10, 20};
    cr_assert_eq(reports_percentile(v, 3, 50), 20);
    cr_assert_eq(reports_percentile(v, 3, 90), 60);
    cr_assert_eq(v[0], 10, "sorted in place");
    int64_t one[] = {7};
    cr_assert_eq(reports_percentile(one, 1, 50), 7);
    cr_assert_eq(reports_percentile(one, 1, 90), 7);
    cr_assert_eq(reports_percentile(NULL, 0, 50), -1);
    int64_t ten[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    cr_assert_eq(reports_percentile(ten, 10, 50), 5);
    cr_assert_eq(reports_percentile(ten, 10, 90), 9);
    cr_assert_eq(reports_percentile(ten, 10, 100), 10);
    int64_t four[] = {0, 10, 20, 60};
    cr_assert_eq(reports_percentile(four, 4, 50), 10);
    cr_assert_eq(reports_percentile(four, 4, 90), 60);
}

Test(buckets, backlog_ages_and_minutes)
{
    int64_t h = 3600000;
    cr_assert_eq(reports_age_bucket(0), 0);
    cr_assert_eq(reports_age_bucket(24 * h - 1), 0);
    cr_assert_eq(reports_age_bucket(24 * h), 1);
    cr_assert_eq(reports_age_bucket(72 * h - 1), 1);
    cr_assert_eq(reports_age_bucket(72 * h), 2);
    cr_assert_eq(reports_age_bucket(7 * 24 * h - 1), 2);
    cr_assert_eq(reports_age_bucket(7 * 24 * h), 3);
    cr_assert_eq(reports_minutes(20 * MIN), 20);
    cr_assert_eq(reports_minutes(20 * MIN + 29999), 20);
    cr_assert_eq(reports_minutes(20 * MIN + 30000), 21);
}

Test(days, format_parse_and_day_start)
{
    char s[16];
    cr_assert_eq(reports_day_start(T0), T0 - 9 * 60 * MIN);
    reports_day_format(T0, s, sizeof(s));
    cr_assert_str_eq(s, "2026-11-10");
    int64_t d;
    cr_assert_eq(reports_day_parse("2026-11-10", &d), 0);
    cr_assert_eq(d, reports_day_start(T0));
    cr_assert_eq(reports_day_parse("2024-02-29", &d), 0);
    reports_day_format(d, s, sizeof(s));
    cr_assert_str_eq(s, "2024-02-29");
    cr_assert_eq(reports_day_parse("2026-02-29", &d), FD_EINVAL);
    cr_assert_eq(reports_day_parse("2026-13-01", &d), FD_EINVAL);
    cr_assert_eq(reports_day_parse("2026-1-01", &d), FD_EINVAL);
    cr_assert_eq(reports_day_parse("2026-11-10T00", &d), FD_EINVAL);
    cr_assert_eq(reports_day_parse("", &d), FD_EINVAL);
    reports_day_format(-1, s, sizeof(s));
    cr_assert_str_eq(s, "1969-12-31");
}

Test(days, duration_text_rounds_up)
{
    char s[32];
    reports_duration_text(20, s, sizeof(s));
    cr_assert_str_eq(s, "20 minutes");
    reports_duration_text(60, s, sizeof(s));
    cr_assert_str_eq(s, "1 hour");
    reports_duration_text(61, s, sizeof(s));
    cr_assert_str_eq(s, "2 hours");
    reports_duration_text(3 * 1440 + 1, s, sizeof(s));
    cr_assert_str_eq(s, "4 days");
}

Test(csv, rfc4180_quoting_nulls_and_formula_cells)
{
    json_t *r = json_pack("{s:[s, s], s:[[s, i], [s, n], [s, f], [s, s]]}", "columns", "name",
                          "value", "rows", "plain", 3, "with, comma", "say \"hi\"", 1.5,
                          "line\nbreak", "=HYPERLINK(\"x\")");
    char *csv;
    size_t len;
    cr_assert_eq(reports_csv(r, &csv, &len), 0);
    cr_assert_str_eq(csv, "name,value\r\nplain,3\r\n\"with, comma\",\r\n\"say \"\"hi\"\"\",1.50\r\n"
                          "\"line\nbreak\",\"'=HYPERLINK(\"\"x\"\")\"\r\n");
    cr_assert_eq(len, strlen(csv));
    free(csv);
    json_decref(r);
    json_t *bad = json_pack("{s:s}", "rows", "x");
    cr_assert_eq(reports_csv(bad, &csv, &len), FD_EINVAL);
    json_decref(bad);
}

TestSuite(query, .init = setup, .fini = teardown);

Test(query, defaults_limits_and_errors)
{
    struct report_query q;
    struct fd_error err = {0};
    fd_clock_set(T0);
    cr_assert_eq(reports_query_parse(fx.db, NULL, NULL, NULL, &q, &err), 0);
    cr_assert_eq(q.to, reports_day_start(T0) + REPORTS_DAY_MS);
    cr_assert_eq((q.to - q.from) / REPORTS_DAY_MS, REPORTS_DEFAULT_DAYS);
    cr_assert_eq(q.department_id, 0);
    cr_assert_eq(reports_query_parse(fx.db, "2026-11-01", "2026-11-01", "kyc", &q, &err), 0);
    cr_assert_eq(q.to - q.from, REPORTS_DAY_MS);
    cr_assert_str_eq(q.department, "kyc");
    cr_assert_eq(reports_query_parse(fx.db, "2026-11-02", "2026-11-01", NULL, &q, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "from");
    cr_assert_eq(reports_query_parse(fx.db, "2025-01-01", "2026-11-01", NULL, &q, &err), FD_EINVAL);
    cr_assert_eq(reports_query_parse(fx.db, NULL, "11/01/2026", NULL, &q, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "to");
    cr_assert_eq(reports_query_parse(fx.db, NULL, NULL, "nope", &q, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "department");
    json_t *r;
    cr_assert_eq(reports_build(fx.db, "nope", &q, &r), FD_ENOTFOUND);
}

/* A ticket created at `at` in dept, answered by agent after `minutes`. */
static int64_t answered(struct auth_actor *cust, struct auth_actor *agent, const char *dept,
                        int64_t at, int64_t minutes)
{
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = "help";
    in.body = "my deposit is missing";
    in.department = dept;
    struct ticket_rec t;
    struct fd_error err = {0};
    fd_clock_set(at);
    cr_assert_eq(tickets_create(fx.db, cust, &in, &t, NULL, &err), 0, "%s", err.message);
    fd_clock_set(at + minutes * MIN);
    cr_assert_eq(tickets_reply(fx.db, agent, t.id, "On it", 0, NULL, 0, &t, NULL, &err), 0, "%s",
                 err.message);
    return t.id;
}

TestSuite(expect, .init = setup, .fini = teardown);

Test(expect, fallbacks_and_no_invented_numbers)
{
    struct auth_actor cust = fixture_actor(&fx, "c@x.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor dep = fixture_actor(&fx, "d@x.test", ROLE_AGENT, "deposits", 1);
    struct fd_error err = {0};
    json_t *j;
    fd_clock_set(T0);
    cr_assert_eq(reports_expect(fx.db, "deposits", "web", "normal", &j, &err), 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "basis")), "none");
    cr_assert(json_is_null(json_object_get(j, "p50_minutes")));
    json_decref(j);
    char s[200];
    reports_expect_sentence(fx.db, "deposits", NULL, NULL, s, sizeof(s));
    cr_assert_str_eq(s, "");

    answered(&cust, &dep, "deposits", T0, 10);
    answered(&cust, &dep, "deposits", T0, 20);
    answered(&cust, &dep, "deposits", T0, 60);
    fd_clock_set(T0 + 61 * MIN + REPORTS_EXPECT_CACHE_MS);
    cr_assert_eq(reports_expect(fx.db, "deposits", "web", "normal", &j, &err), 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "basis")), "exact");
    cr_assert_eq(json_integer_value(json_object_get(j, "p50_minutes")), 20);
    cr_assert_eq(json_integer_value(json_object_get(j, "p90_minutes")), 60);
    json_decref(j);
    cr_assert_eq(reports_expect(fx.db, "deposits", "chat", NULL, &j, &err), 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "basis")), "department");
    json_decref(j);
    cr_assert_eq(reports_expect(fx.db, "kyc", NULL, NULL, &j, &err), 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "basis")), "all");
    cr_assert_eq(json_integer_value(json_object_get(j, "samples")), 3);
    json_decref(j);
    reports_expect_sentence(fx.db, "deposits", "email", "normal", s, sizeof(s));
    cr_assert_str_eq(s, "We usually reply within 20 minutes; 9 in 10 customers get a first reply "
                        "within 1 hour.");
    cr_assert_eq(reports_expect(fx.db, "x", NULL, NULL, &j, &err), FD_EINVAL);
    cr_assert_eq(reports_expect(fx.db, NULL, "pigeon", NULL, &j, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "channel");
}

TestSuite(csat, .init = setup, .fini = teardown);

Test(csat, token_is_signed_and_single_use)
{
    struct auth_actor cust = fixture_actor(&fx, "c@x.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor dep = fixture_actor(&fx, "d@x.test", ROLE_AGENT, "deposits", 1);
    int64_t id = answered(&cust, &dep, "deposits", T0, 5);
    char token[CSAT_TOKEN_MAX + 1];
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(csat_survey_create(fx.db, id, T0, token, sizeof(token)), 0);
    cr_assert_eq(csat_survey_create(fx.db, id, T0, NULL, 0), FD_ECONFLICT);
    cr_assert_eq(db_commit(fx.db), 0);

    struct fd_error err = {0};
    char bad[CSAT_TOKEN_MAX + 1];
    snprintf(bad, sizeof(bad), "%s", token);
    size_t n = strlen(bad);
    bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
    cr_assert_eq(csat_answer_token(fx.db, bad, 4, NULL, &err), FD_EAUTH);
    cr_assert_eq(csat_answer_token(fx.db, "", 4, NULL, &err), FD_EAUTH);
    cr_assert_eq(csat_answer_token(fx.db, token, 9, NULL, &err), FD_EINVAL);
    cr_assert_eq(csat_answer_token(fx.db, token, 4, "good", &err), 0, "%s", err.message);
    cr_assert_eq(csat_answer_token(fx.db, token, 1, NULL, &err), FD_ECONFLICT);

    struct csat_rec r;
    cr_assert_eq(store_csat_get(fx.db, id, &r), 0);
    cr_assert_eq(r.rating, 4);
    cr_assert_str_eq(r.comment, "good");
    cr_assert_neq(r.token_used_at, 0);
    csat_rec_release(&r);
}

TestSuite(hours, .init = setup, .fini = teardown);

Test(hours, durations_in_business_hours_of_the_department)
{
    /* Mon-Fri 09:00-17:00 UTC for deposits; a ticket opened Friday 16:50 and answered
     * Monday 09:10 waited 20 business minutes (not 2 days and 20 minutes). */
    struct sla_calendar *cal = sla_calendar_new();
    struct fd_error err = {0};
    for (int d = 1; d <= 5; d++)
        cr_assert_eq(sla_calendar_add_hours(cal, d, 9 * 60, 17 * 60, &err), 0);
    struct department_rec dep;
    cr_assert_eq(store_department_by_slug(fx.db, "deposits", &dep), 0);
    cr_assert_eq(reports_calendar_set(dep.id, cal), 0);
    cr_assert(reports_business_hours());

    struct auth_actor cust = fixture_actor(&fx, "c@x.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor agent = fixture_actor(&fx, "d@x.test", ROLE_AGENT, "deposits", 1);
    struct auth_actor tagent = fixture_actor(&fx, "t@x.test", ROLE_AGENT, "trading", 1);
    int64_t fri = 1794588600000LL;                  /* 2026-11-13T16:50:00Z, a Friday */
    int64_t weekend = (2 * 24 * 60 + 16 * 60 + 20); /* to Monday 09:10 */
    for (int i = 0; i < 3; i++)
        answered(&cust, &agent, "deposits", fri, weekend);
    cr_assert_eq(reports_elapsed(dep.id, fri, fri + weekend * MIN), 20 * MIN);
    /* Trading has no calendar of its own and there is no default: wall-clock. */
    answered(&cust, &tagent, "trading", fri, weekend);

    json_t *j;
    fd_clock_set(fri + weekend * MIN + 1);
    cr_assert_eq(reports_expect(fx.db, "deposits", NULL, NULL, &j, &err), 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "basis")), "exact");
    cr_assert_eq(json_integer_value(json_object_get(j, "p50_minutes")), 20);
    cr_assert(json_is_true(json_object_get(j, "business_hours")));
    json_decref(j);

    struct report_query q;
    cr_assert_eq(reports_query_parse(fx.db, "2026-11-16", "2026-11-16", NULL, &q, &err), 0);
    cr_assert_eq(reports_build(fx.db, "first-reply", &q, &j), 0);
    json_t *row = json_array_get(json_object_get(j, "rows"), 0);
    cr_assert_eq(json_integer_value(json_array_get(row, 1)), 20);
    cr_assert_eq(json_integer_value(json_array_get(row, 2)), weekend, "trading: wall-clock");
    cr_assert(strstr(json_string_value(json_object_get(j, "note")), "business hours"));
    json_decref(j);
    reports_calendars_clear();
    cr_assert_not(reports_business_hours());
}
