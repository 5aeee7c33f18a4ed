/* Business-hours calendars: time zones (TZif + POSIX footer), weekends, holidays, DST. */
#include "core/err.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "sched/sched.h"
#include "sla/calendar.h"
#include "sla/sla.h"
#include "sla/sla_int.h"
#include "tickets/tickets.h"

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

/* ---- ticket clocks ------------------------------------------------------------------ */

static struct fixture fx;
static struct auth_actor admin, cust, agent, sup;

static void clock_setup(void)
{
    fixture_open(&fx);
    fd_clock_set(utc(2026, 11, 20, 12, 0));
    admin = fixture_actor(&fx, "admin@ex.test", ROLE_ADMIN, NULL, 0);
    cust = fixture_actor(&fx, "alice@example.com", ROLE_CUSTOMER, NULL, 0);
    agent = fixture_actor(&fx, "agent@ex.test", ROLE_AGENT, "deposits", 1);
    sup = fixture_actor(&fx, "sup@ex.test", ROLE_SUPERVISOR, "deposits", 3);
    struct sla_settings st = {.autoclose_ms = 4 * 86400000LL, .reminder_ms = 12 * HOUR_MS};
    sla_configure(&st);
    cr_assert_eq(sla_register_jobs(), 0);
}

static void clock_teardown(void)
{
    struct sla_settings st = {0};
    sla_configure(&st);
    fd_clock_set(0);
    fixture_close(&fx);
}

static int64_t make_calendar(const char *name, const char *spec)
{
    json_t *j = json_loads(spec, 0, NULL);
    json_object_set_new(j, "name", json_string(name));
    int64_t id = 0;
    struct fd_error err = {0};
    cr_assert_eq(sla_calendar_create(fx.db, &admin, j, &id, &err), 0, "%s", err.message);
    json_decref(j);
    return id;
}

static int64_t make_policy(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_error_t je;
    json_t *j = json_loads(buf, 0, &je);
    cr_assert_not_null(j, "%s: %s", buf, je.text);
    int64_t id = 0;
    struct fd_error err = {0};
    int rc = sla_policy_create(fx.db, &admin, j, &id, &err);
    json_decref(j);
    cr_assert_eq(rc, 0, "%s: %s %s", buf, err.field, err.message);
    return id;
}

static struct ticket_sla_rec clock_of(int64_t ticket, const char *metric)
{
    struct ticket_sla_rec r;
    memset(&r, 0, sizeof(r));
    cr_assert_eq(store_ticket_sla_get(fx.db, ticket, metric, &r), 0, "no %s clock", metric);
    return r;
}

static int64_t events_of(int64_t ticket, const char *type)
{
    int64_t n = -1;
    cr_assert_eq(store_event_count_since(fx.db, ticket, type, 0, &n), 0);
    return n;
}

static int run_jobs(void)
{
    store_release(fx.store, fx.db);
    int ran = 0;
    cr_assert_eq(sched_run_due(fx.store, 100, &ran), 0);
    fx.db = store_acquire(fx.store);
    return ran;
}

static void at(int64_t ms)
{
    fd_clock_set(ms);
    run_jobs();
}

static int count_notifications(int64_t user)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT COUNT(*) FROM notifications WHERE user_id = ?", &st), 0);
    db_bind_int64(st, 1, user);
    cr_assert_eq(db_step(st), 1);
    int n = (int)db_col_int64(st, 0);
    db_finalize(st);
    return n;
}

static void set_status(int64_t id, const char *status, struct auth_actor *who)
{
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    p.status = status;
    struct ticket_rec t;
    struct fd_error err = {0};
    cr_assert_eq(tickets_update(fx.db, who, id, &p, &t, &err), 0, "%s", err.message);
}

static void reply(int64_t id, struct auth_actor *who, const char *body)
{
    struct ticket_rec t;
    struct fd_error err = {0};
    cr_assert_eq(tickets_reply(fx.db, who, id, body, 0, NULL, 0, &t, NULL, &err), 0, "%s",
                 err.message);
}

static int64_t open_ticket(const char *priority)
{
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = "Withdrawal stuck";
    in.body = "My BTC withdrawal has not arrived.";
    in.department = "deposits";
    in.priority = priority;
    struct ticket_rec t;
    struct fd_error err = {0};
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, &err), 0, "%s", err.message);
    return t.id;
}

Test(clocks, weekend_pause_warning_breach_escalation_autoclose, .init = clock_setup,
     .fini = clock_teardown)
{
    int64_t cal = make_calendar("Malta office", MALTA_OFFICE);
    make_policy("{\"name\":\"std\",\"priority\":\"normal\",\"calendar_id\":%lld,"
                "\"first_reply_min\":60,\"next_reply_min\":120,\"resolution_min\":480,"
                "\"warn_min\":30,\"escalate_priority\":\"urgent\",\"escalate_tier\":2}",
                (long long)cal);
    make_policy("{\"name\":\"urgent\",\"priority\":\"urgent\",\"calendar_id\":%lld,"
                "\"first_reply_min\":30,\"next_reply_min\":60,\"resolution_min\":240}",
                (long long)cal);

    /* Friday 2026-11-27 17:30 CET. */
    fd_clock_set(utc(2026, 11, 27, 16, 30));
    int64_t id = open_ticket("normal");
    struct ticket_sla_rec fr = clock_of(id, "first_reply");
    cr_assert_str_eq(fr.state, "running");
    cr_assert_eq(fr.due_at, utc(2026, 11, 30, 8, 30), "first reply due Monday 09:30 CET");
    cr_assert_eq(clock_of(id, "resolution").due_at, utc(2026, 11, 30, 15, 30));
    cr_assert_neq(store_ticket_sla_get(fx.db, id, "next_reply", &fr), 0);

    /* Nothing over the weekend; the warning exactly 30 minutes before the due time. */
    at(utc(2026, 11, 30, 7, 59));
    cr_assert_eq(events_of(id, "sla_warning"), 0);
    at(utc(2026, 11, 30, 8, 0));
    cr_assert_eq(events_of(id, "sla_warning"), 1);
    cr_assert_eq(clock_of(id, "first_reply").warned_at, utc(2026, 11, 30, 8, 0));
    at(utc(2026, 11, 30, 8, 10));
    cr_assert_eq(events_of(id, "sla_warning"), 1, "warned twice");

    /* The breach at the due minute: escalation to urgent and tier 2, supervisor told. */
    at(utc(2026, 11, 30, 8, 29));
    cr_assert_eq(events_of(id, "sla_breached"), 0);
    at(utc(2026, 11, 30, 8, 30));
    cr_assert_eq(events_of(id, "sla_breached"), 1);
    struct ticket_rec t;
    cr_assert_eq(store_ticket_get(fx.db, id, &t), 0);
    cr_assert_str_eq(t.priority, "urgent");
    cr_assert_eq(t.tier, 2);
    cr_assert_eq(count_notifications(sup.user.id), 2, "warning + breach to the supervisor");
    cr_assert_eq(clock_of(id, "first_reply").breached_at, utc(2026, 11, 30, 8, 30));
    /* The urgent policy now applies: resolution 240 min = 30 Friday + 210 Monday. */
    cr_assert_eq(clock_of(id, "resolution").due_at, utc(2026, 11, 30, 11, 30));
    at(utc(2026, 11, 30, 8, 40));
    cr_assert_eq(events_of(id, "sla_breached"), 1, "breached twice");

    /* The agent answers late (the clock stops, still breached), then waits on the customer. */
    fd_clock_set(utc(2026, 11, 30, 8, 45));
    reply(id, &agent, "Could you send the txid?");
    fr = clock_of(id, "first_reply");
    cr_assert_str_eq(fr.state, "met");
    cr_assert_eq(fr.stopped_at, utc(2026, 11, 30, 8, 45));
    cr_assert_eq(fr.breached_at, utc(2026, 11, 30, 8, 30));
    fd_clock_set(utc(2026, 11, 30, 9, 0));
    set_status(id, "pending", &agent);
    struct ticket_sla_rec res = clock_of(id, "resolution");
    cr_assert_str_eq(res.state, "paused");
    cr_assert_eq(res.due_at, 0);
    cr_assert_eq(res.remaining_ms, 150 * MIN_MS, "240 - (30 Friday + 60 Monday)");

    /* Paused: the old resolution due time passes without a breach; one reminder after
     * 12 h pending. */
    at(utc(2026, 11, 30, 20, 59));
    cr_assert_eq(events_of(id, "reminder_sent"), 0);
    at(utc(2026, 11, 30, 21, 0));
    cr_assert_eq(events_of(id, "sla_breached"), 1);
    cr_assert_eq(events_of(id, "reminder_sent"), 1);
    at(utc(2026, 12, 1, 8, 0));
    cr_assert_eq(events_of(id, "reminder_sent"), 1, "reminded twice");

    /* Tuesday 10:00 CET the customer answers: the clock resumes; next reply starts. */
    fd_clock_set(utc(2026, 12, 1, 9, 0));
    reply(id, &cust, "txid is abc");
    res = clock_of(id, "resolution");
    cr_assert_str_eq(res.state, "running");
    cr_assert_eq(res.due_at, utc(2026, 12, 1, 11, 30), "150 min left from Tuesday 10:00 CET");
    struct ticket_sla_rec nr = clock_of(id, "next_reply");
    cr_assert_eq(nr.started_at, utc(2026, 12, 1, 9, 0));
    cr_assert_eq(nr.due_at, utc(2026, 12, 1, 10, 0));

    /* Solved in time: no breach of resolution; closed 4 days later by the scheduler. */
    fd_clock_set(utc(2026, 12, 1, 9, 30));
    reply(id, &agent, "Found it, credited.");
    set_status(id, "solved", &agent);
    cr_assert_str_eq(clock_of(id, "resolution").state, "met");
    cr_assert_str_eq(clock_of(id, "next_reply").state, "met");
    at(utc(2026, 12, 5, 9, 29));
    cr_assert_eq(store_ticket_get(fx.db, id, &t), 0);
    cr_assert_str_eq(t.status, "solved");
    at(utc(2026, 12, 5, 9, 30));
    cr_assert_eq(store_ticket_get(fx.db, id, &t), 0);
    cr_assert_str_eq(t.status, "closed");
    cr_assert_eq(events_of(id, "sla_breached"), 1);
}

Test(clocks, most_specific_policy_wins, .init = clock_setup, .fini = clock_teardown)
{
    make_policy("{\"name\":\"any\",\"priority\":\"high\",\"first_reply_min\":100}");
    make_policy("{\"name\":\"vip\",\"priority\":\"high\",\"vip_min\":3,\"first_reply_min\":20}");
    make_policy("{\"name\":\"dept\",\"priority\":\"high\",\"department\":\"deposits\","
                "\"first_reply_min\":50}");
    make_policy("{\"name\":\"dept vip\",\"priority\":\"high\",\"department\":\"deposits\","
                "\"vip_min\":2,\"first_reply_min\":10}");
    struct sla_policy_rec p;
    cr_assert_eq(store_sla_policy_match(fx.db, "high", 1, 0, &p), 0);
    cr_assert_str_eq(p.name, "any");
    cr_assert_eq(store_sla_policy_match(fx.db, "high", 1, 4, &p), 0);
    cr_assert_str_eq(p.name, "vip");
    struct department_rec d;
    cr_assert_eq(store_department_by_slug(fx.db, "deposits", &d), 0);
    cr_assert_eq(store_sla_policy_match(fx.db, "high", d.id, 0, &p), 0);
    cr_assert_str_eq(p.name, "dept");
    cr_assert_eq(store_sla_policy_match(fx.db, "high", d.id, 2, &p), 0);
    cr_assert_str_eq(p.name, "dept vip");
    cr_assert_eq(store_sla_policy_match(fx.db, "low", d.id, 2, &p), FD_ENOTFOUND);

    /* A ticket gets the 24x7 default calendar: due exactly 50 minutes later. */
    fd_clock_set(utc(2026, 11, 28, 23, 0));
    int64_t id = open_ticket("high");
    cr_assert_eq(clock_of(id, "first_reply").due_at, utc(2026, 11, 28, 23, 50));
    /* Lowering the priority to one without a policy keeps the policy it had. */
    struct ticket_patch pt;
    memset(&pt, 0, sizeof(pt));
    pt.priority = "low";
    struct ticket_rec t;
    cr_assert_eq(tickets_update(fx.db, &agent, id, &pt, &t, NULL), 0);
    cr_assert_eq(clock_of(id, "first_reply").due_at, utc(2026, 11, 28, 23, 50));
}

Test(clocks, admin_only_and_bad_policies_rejected, .init = clock_setup, .fini = clock_teardown)
{
    json_t *j =
        json_pack("{s:s, s:s, s:i}", "name", "x", "priority", "normal", "first_reply_min", 10);
    int64_t id = 0;
    struct fd_error err = {0};
    cr_assert_eq(sla_policy_create(fx.db, &sup, j, &id, &err), FD_EFORBIDDEN);
    json_object_set_new(j, "priority", json_string("asap"));
    cr_assert_eq(sla_policy_create(fx.db, &admin, j, &id, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "priority");
    json_object_set_new(j, "priority", json_string("normal"));
    json_object_set_new(j, "first_reply_min", json_integer(0));
    cr_assert_eq(sla_policy_create(fx.db, &admin, j, &id, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "first_reply_min");
    json_object_set_new(j, "first_reply_min", json_integer(10));
    json_object_set_new(j, "calendar_id", json_integer(999));
    cr_assert_eq(sla_policy_create(fx.db, &admin, j, &id, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "calendar_id");
    json_decref(j);
    int n = 0;
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT COUNT(*) FROM sla_policies", &st), 0);
    cr_assert_eq(db_step(st), 1);
    n = (int)db_col_int64(st, 0);
    db_finalize(st);
    cr_assert_eq(n, 0, "a rejected policy was stored");
}
