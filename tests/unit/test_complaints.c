#include "complaints/complaints.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "sched/sched.h"
#include "tickets/tickets.h"

#include <time.h>

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
}
static void teardown(void)
{
    fd_clock_set(0);
    fixture_close(&fx);
}

TestSuite(complaints, .init = setup, .fini = teardown);

#define DAY 86400000LL

/* Unix ms of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000;
}

static const int64_t END = DAY - 1; /* the last millisecond of a day */

static struct complaints_cfg cfg(const char *holidays)
{
    struct complaints_cfg c = {5, NULL, holidays, NULL};
    return c;
}

static struct complaint_input form(void)
{
    struct complaint_input in;
    memset(&in, 0, sizeof(in));
    in.complainant_name = "Alice Able";
    in.complainant_contact = "alice@fd.test";
    in.service = "withdrawals";
    in.description = "Withdrawal held for nine days.";
    in.incident_dates = "2026-11-10";
    in.request = "Release it.";
    return in;
}

/* ---- clocks ---------------------------------------------------------------------- */

Test(complaints, clock_business_days_skip_weekends)
{
    int64_t due;
    struct fd_error e = {0};
    /* Monday 10:00 + 5 business days = end of next Monday. */
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 23, 10, 0, 0), 5, NULL, NULL, &due, &e),
                 0);
    cr_assert_eq(due, utc(2026, 11, 30, 0, 0, 0) + END);
    /* Friday 23:59 + 1 = end of Monday (the weekend does not count). */
    cr_assert_eq(
        complaints_business_deadline(utc(2026, 11, 27, 23, 59, 0), 1, NULL, NULL, &due, &e), 0);
    cr_assert_eq(due, utc(2026, 11, 30, 0, 0, 0) + END);
    /* Received on a Saturday: Monday is the first business day after it. */
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 28, 9, 0, 0), 1, NULL, NULL, &due, &e),
                 0);
    cr_assert_eq(due, utc(2026, 11, 30, 0, 0, 0) + END);
    /* Sunday + 5 = Friday. */
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 29, 9, 0, 0), 5, NULL, NULL, &due, &e),
                 0);
    cr_assert_eq(due, utc(2026, 12, 4, 0, 0, 0) + END);
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 29, 9, 0, 0), 0, NULL, NULL, &due, &e),
                 FD_EINVAL);
}

Test(complaints, clock_holidays_are_skipped)
{
    int64_t due;
    struct fd_error e = {0};
    /* Christmas week 2026: Fri 25 Dec and Mon 28 Dec off. Received Wed 23 Dec + 5:
     * Thu 24, Tue 29, Wed 30, Thu 31, Fri 1 Jan -> but 1 Jan is a holiday too: Mon 4 Jan. */
    const char *hol = "2026-12-25, 2026-12-28,2027-01-01";
    cr_assert_eq(complaints_business_deadline(utc(2026, 12, 23, 15, 0, 0), 5, NULL, hol, &due, &e),
                 0);
    cr_assert_eq(due, utc(2027, 1, 4, 0, 0, 0) + END);
    /* A holiday on a weekend changes nothing. */
    cr_assert_eq(
        complaints_business_deadline(utc(2026, 11, 23, 10, 0, 0), 5, NULL, "2026-11-28", &due, &e),
        0);
    cr_assert_eq(due, utc(2026, 11, 30, 0, 0, 0) + END);
    cr_assert_eq(
        complaints_business_deadline(utc(2026, 11, 23, 10, 0, 0), 5, NULL, "2026-13-01", &due, &e),
        FD_EINVAL);
    cr_assert_str_eq(e.field, "holidays");
    cr_assert_eq(complaints_holidays_check("2027-02-29", &e), FD_EINVAL, "not a leap year");
    cr_assert_eq(complaints_holidays_check("2028-02-29,2026-01-01", &e), 0);
    cr_assert_eq(complaints_holidays_check("", &e), 0);
    cr_assert_eq(complaints_holidays_check("26-1-1", &e), FD_EINVAL);
}

Test(complaints, clock_business_days_in_the_configured_zone)
{
    int64_t due;
    struct fd_error e = {0};
    /* Friday 27 Nov 2026 23:30 UTC is Saturday 00:30 in Malta (UTC+1): the first business
     * day after it is Monday 30, which ends at 23:00 UTC. */
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 27, 23, 30, 0), 1, "Europe/Malta", NULL,
                                              &due, &e),
                 0, "%s", e.message);
    cr_assert_eq(due, utc(2026, 11, 30, 23, 0, 0) - 1);
    /* Thursday 26 Nov 23:30 UTC is Friday 00:30 in Malta: 1 business day after Friday is
     * Monday there, while in UTC it is Friday. */
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 26, 23, 30, 0), 1, "Europe/Malta", NULL,
                                              &due, &e),
                 0);
    cr_assert_eq(due, utc(2026, 11, 30, 23, 0, 0) - 1);
    cr_assert_eq(
        complaints_business_deadline(utc(2026, 11, 26, 23, 30, 0), 1, NULL, NULL, &due, &e), 0);
    cr_assert_eq(due, utc(2026, 11, 27, 0, 0, 0) + END);
    /* A local holiday; dates in the zone. */
    cr_assert_eq(complaints_business_deadline(utc(2026, 11, 26, 23, 30, 0), 1, "Europe/Malta",
                                              "2026-11-30", &due, &e),
                 0);
    cr_assert_eq(due, utc(2026, 12, 1, 23, 0, 0) - 1);
    int64_t end;
    cr_assert_eq(complaints_date_end("Europe/Malta", "2027-07-15", &end), 0);
    cr_assert_eq(end, utc(2027, 7, 15, 22, 0, 0) - 1, "summer time: UTC+2");
    cr_assert_eq(complaints_clock_check("Mars/Olympus", NULL, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "timezone");
}

Test(complaints, clock_calendar_months_clamp_to_month_end)
{
    cr_assert_eq(complaints_add_months(utc(2026, 11, 23, 10, 0, 0), 2), utc(2027, 1, 23, 10, 0, 0));
    cr_assert_eq(complaints_add_months(utc(2026, 12, 31, 8, 0, 0), 2), utc(2027, 2, 28, 8, 0, 0));
    cr_assert_eq(complaints_add_months(utc(2027, 12, 31, 8, 0, 0), 2), utc(2028, 2, 29, 8, 0, 0));
    cr_assert_eq(complaints_add_months(utc(2026, 8, 31, 0, 0, 0), 2), utc(2026, 10, 31, 0, 0, 0));
    cr_assert_eq(complaints_add_months(utc(2026, 7, 31, 0, 0, 0), 2), utc(2026, 9, 30, 0, 0, 0));
    int64_t end;
    cr_assert_eq(complaints_date_end(NULL, "2027-02-15", &end), 0);
    cr_assert_eq(end, utc(2027, 2, 15, 23, 59, 59) + 999);
    cr_assert_eq(complaints_date_end(NULL, "2027-02-30", &end), FD_EINVAL);
}

/* ---- lifecycle ------------------------------------------------------------------- */

Test(complaints, lifecycle_transitions_table)
{
    cr_assert(complaints_transition_ok("received", "acknowledged"));
    cr_assert(complaints_transition_ok("acknowledged", "under_investigation"));
    cr_assert(complaints_transition_ok("acknowledged", "closed"));
    cr_assert(complaints_transition_ok("under_investigation", "decided"));
    cr_assert(complaints_transition_ok("decided", "closed"));
    cr_assert_not(complaints_transition_ok("received", "decided"));
    cr_assert_not(complaints_transition_ok("received", "closed"));
    cr_assert_not(complaints_transition_ok("closed", "received"));
    cr_assert_not(complaints_transition_ok("decided", "under_investigation"));
    int64_t id;
    cr_assert_eq(complaints_parse_ref("CMP-00042", &id), 0);
    cr_assert_eq(id, 42);
    cr_assert_eq(complaints_parse_ref("CMP-", &id), FD_ENOTFOUND);
    cr_assert_eq(complaints_parse_ref("-3", &id), FD_ENOTFOUND);
}

Test(complaints, lifecycle_file_acknowledge_decide_close_with_record)
{
    struct auth_actor cust = fixture_actor(&fx, "alice@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor sup = fixture_actor(&fx, "sup@fd.test", ROLE_SUPERVISOR, NULL, 0);
    struct complaints_cfg c = cfg("2026-11-26");
    struct complaint_input in = form();
    struct complaint_rec *r = malloc(sizeof(*r));
    struct fd_error e = {0};
    fd_clock_set(utc(2026, 11, 23, 10, 0, 0));
    cr_assert_eq(complaints_file(fx.db, &c, &cust, &in, r, &e), 0, "%s", e.message);
    cr_assert_str_eq(r->status, "received");
    /* Thursday 26 is a holiday: Tue 24, Wed 25, Fri 27, Mon 30, Tue 1 Dec. */
    cr_assert_eq(r->ack_due_at, utc(2026, 12, 1, 0, 0, 0) + END);
    cr_assert_eq(r->decision_due_at, utc(2027, 1, 23, 10, 0, 0));
    int64_t id = r->id;

    /* Staff cannot file; customers cannot move the lifecycle. */
    cr_assert_eq(complaints_file(fx.db, &c, &sup, &in, r, &e), FD_EFORBIDDEN);
    struct complaint_step ack = {.to = "acknowledged", .admissibility = "admissible"};
    cr_assert_eq(complaints_transition(fx.db, &c, &cust, id, &ack, r, &e), FD_EFORBIDDEN);
    struct complaint_step bad = {
        .to = "decided", .outcome = "upheld", .reason = "r", .remedies = "m"};
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &bad, r, &e), FD_ECONFLICT);
    cr_assert_str_eq(e.field, "status");

    fd_clock_set(utc(2026, 11, 24, 9, 0, 0));
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &ack, r, &e), 0, "%s", e.message);
    cr_assert_eq(r->acknowledged_at, utc(2026, 11, 24, 9, 0, 0));
    cr_assert_eq(r->ack_breached, 0);
    struct complaint_step inv = {.to = "under_investigation"};
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &inv, r, &e), 0);
    struct complaint_step dec = {.to = "decided",
                                 .outcome = "rejected",
                                 .reason = "Lawful hold.",
                                 .remedies = "Competent authority; ADR body."};
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &dec, r, &e), 0);
    cr_assert_str_eq(r->outcome, "rejected");
    cr_assert_str_eq(r->remedies, "Competent authority; ADR body.");
    struct complaint_step cl = {.to = "closed"};
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &cl, r, &e), 0);
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &ack, r, &e), FD_ECONFLICT);

    /* The record: filed, 4 status changes and 2 notices (acknowledgement, decision). */
    int counts[3] = {0, 0, 0};
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db,
                            "SELECT type, count(*) FROM complaint_events WHERE complaint_id = ? "
                            "GROUP BY type ORDER BY type",
                            &st),
                 0);
    db_bind_int64(st, 1, id);
    while (db_step(st) == 1) {
        const char *t = db_col_text(st, 0);
        int n = (int)db_col_int64(st, 1);
        if (!strcmp(t, "filed"))
            counts[0] = n;
        else if (!strcmp(t, "status_changed"))
            counts[1] = n;
        else if (!strcmp(t, "customer_notified"))
            counts[2] = n;
    }
    db_finalize(st);
    cr_assert_eq(counts[0], 1);
    cr_assert_eq(counts[1], 4);
    cr_assert_eq(counts[2], 2);
    free(r);
}

Test(complaints, lifecycle_other_customers_and_plain_agents_do_not_see_it)
{
    struct auth_actor a = fixture_actor(&fx, "a@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor b = fixture_actor(&fx, "b@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor agent = fixture_actor(&fx, "ag@fd.test", ROLE_AGENT, "deposits", 1);
    struct complaints_cfg c = cfg(NULL);
    struct complaint_input in = form();
    struct complaint_rec *r = malloc(sizeof(*r));
    struct fd_error e = {0};
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    int64_t id = r->id;
    cr_assert_eq(complaints_get(fx.db, &a, id, r), 0);
    cr_assert_eq(complaints_get(fx.db, &b, id, r), FD_ENOTFOUND);
    cr_assert_eq(complaints_get(fx.db, &agent, id, r), FD_ENOTFOUND);
    int yes = -1;
    cr_assert_eq(complaints_is_handler(fx.db, &agent, &yes), 0);
    cr_assert_eq(yes, 0);
    cr_assert_eq(store_user_compliance_set(fx.db, agent.user.id, 1), 0);
    cr_assert_eq(complaints_is_handler(fx.db, &agent, &yes), 0);
    cr_assert_eq(yes, 1);
    cr_assert_eq(complaints_get(fx.db, &agent, id, r), 0);
    free(r);
}

Test(complaints, lifecycle_validation_changes_nothing)
{
    struct auth_actor a = fixture_actor(&fx, "a@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct complaints_cfg c = cfg(NULL);
    struct complaint_rec *r = malloc(sizeof(*r));
    struct fd_error e = {0};
    struct complaint_input in = form();
    in.request = NULL;
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "request");
    in = form();
    in.service = "lambo";
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "service");
    in = form();
    in.on_behalf = 1;
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "on_behalf_of");
    in = form();
    in.linked[0] = 999;
    in.nlinked = 1;
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "linked_tickets");
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT count(*) FROM complaints", &st), 0);
    cr_assert_eq(db_step(st), 1);
    cr_assert_eq(db_col_int64(st, 0), 0);
    db_finalize(st);
    free(r);
}

/* ---- clocks on complaints: breaches and delays --------------------------------------- */

Test(complaints, breaches_late_steps_are_marked_once)
{
    struct auth_actor a = fixture_actor(&fx, "a@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor sup = fixture_actor(&fx, "sup@fd.test", ROLE_SUPERVISOR, NULL, 0);
    struct complaints_cfg c = cfg(NULL);
    struct complaint_input in = form();
    struct complaint_rec *r = malloc(sizeof(*r));
    struct fd_error e = {0};
    /* Friday 27 Nov 2026 18:00: 5 business days end on Friday 4 December. */
    fd_clock_set(utc(2026, 11, 27, 18, 0, 0));
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    int64_t id = r->id;
    cr_assert_eq(r->ack_due_at, utc(2026, 12, 4, 0, 0, 0) + END);
    int n = -1;
    cr_assert_eq(complaints_check_breaches(fx.db, utc(2026, 12, 4, 23, 59, 59), &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(complaints_check_breaches(fx.db, utc(2026, 12, 5, 0, 0, 0), &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(complaints_check_breaches(fx.db, utc(2026, 12, 6, 0, 0, 0), &n), 0);
    cr_assert_eq(n, 0, "marked once");
    cr_assert_eq(store_complaint_get(fx.db, id, r), 0);
    cr_assert_eq(r->ack_breached, 1);
    cr_assert_eq(r->decision_breached, 0);

    /* The decision: delayed with a reason, then decided after the original date but
     * before the new one — no decision breach; past the new date it would be one. */
    fd_clock_set(utc(2026, 12, 7, 9, 0, 0));
    struct complaint_step ack = {.to = "acknowledged", .admissibility = "admissible"};
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, id, &ack, r, &e), 0);
    cr_assert_eq(
        complaints_delay(fx.db, &c, &sup, id, "Bank trace", utc(2027, 1, 1, 0, 0, 0), r, &e),
        FD_EINVAL, "earlier than the current due date");
    cr_assert_eq(complaints_delay(fx.db, &c, &sup, id, "", utc(2027, 3, 1, 0, 0, 0), r, &e),
                 FD_EINVAL);
    cr_assert_eq(
        complaints_delay(fx.db, &c, &sup, id, "Bank trace", utc(2027, 3, 1, 0, 0, 0), r, &e), 0,
        "%s", e.message);
    cr_assert_eq(r->decision_due_original, utc(2027, 1, 27, 18, 0, 0));
    cr_assert_eq(r->decision_due_at, utc(2027, 3, 1, 0, 0, 0));
    cr_assert_str_eq(r->delay_reason, "Bank trace");
    cr_assert_eq(complaints_check_breaches(fx.db, utc(2027, 2, 10, 0, 0, 0), &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(complaints_check_breaches(fx.db, utc(2027, 3, 1, 0, 0, 1), &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(store_complaint_get(fx.db, id, r), 0);
    cr_assert_eq(r->decision_breached, 1);
    free(r);
}

/* ---- retention ------------------------------------------------------------------- */

Test(complaints, retention_young_complaints_cannot_be_deleted)
{
    struct auth_actor a = fixture_actor(&fx, "a@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct complaints_cfg c = cfg(NULL);
    struct complaint_input in = form();
    struct complaint_rec *r = malloc(sizeof(*r));
    struct fd_error e = {0};
    /* One received now (the guard uses the database's own clock), one 6 years ago. */
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    int64_t young = r->id;
    fd_clock_set(fd_now_ms() - 6 * 366 * DAY);
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    int64_t old = r->id;
    fd_clock_set(0);

    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(store_complaint_delete(fx.db, young), FD_ECONFLICT);
    db_rollback(fx.db);
    cr_assert_eq(store_complaint_get(fx.db, young, r), 0, "still there");
    /* A direct DELETE of the row is refused too, and the record is append-only. */
    cr_assert_neq(db_exec(fx.db, "DELETE FROM complaints"), 0);
    cr_assert_neq(db_exec(fx.db, "UPDATE complaint_events SET type = 'x'"), 0);
    cr_assert_eq(store_complaint_get(fx.db, young, r), 0);

    /* Past the retention period a purge may remove it. */
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(store_complaint_delete(fx.db, old), 0);
    cr_assert_eq(db_commit(fx.db), 0);
    cr_assert_eq(store_complaint_get(fx.db, old, r), FD_ENOTFOUND);

    /* The retention period cannot go below five years; ten years protects the old one. */
    cr_assert_eq(complaints_retention_set(fx.db, 4), FD_EINVAL);
    cr_assert_eq(complaints_retention_set(fx.db, 10), 0);
    fd_clock_set(fd_now_ms() - 7 * 366 * DAY);
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    fd_clock_set(0);
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(store_complaint_delete(fx.db, r->id), FD_ECONFLICT);
    db_rollback(fx.db);
    free(r);
}

/* ---- conversion and escalation ------------------------------------------------------ */

Test(complaints, escalation_tier_department_reason_and_unassign)
{
    struct auth_actor cust = fixture_actor(&fx, "c@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor ag = fixture_actor(&fx, "ag@fd.test", ROLE_AGENT, "deposits", 1);
    struct ticket_input ti;
    memset(&ti, 0, sizeof(ti));
    ti.subject = "Stuck";
    ti.body = "My deposit is stuck.";
    ti.department = "deposits";
    struct ticket_rec *t = malloc(sizeof(*t));
    struct fd_error e = {0};
    cr_assert_eq(tickets_create(fx.db, &cust, &ti, t, NULL, &e), 0, "%s", e.message);
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    p.has_assignee = 1;
    p.assignee_id = ag.user.id;
    cr_assert_eq(tickets_update(fx.db, &ag, t->id, &p, t, &e), 0);
    cr_assert_eq(t->assignee_id, ag.user.id);
    cr_assert_eq(complaints_escalate_ticket(fx.db, &ag, t->id, 4, NULL, "why", t, &e), FD_ELIMIT);
    cr_assert_eq(complaints_escalate_ticket(fx.db, &ag, t->id, 2, NULL, NULL, t, &e), FD_EINVAL);
    cr_assert_eq(complaints_escalate_ticket(fx.db, &cust, t->id, 2, NULL, "x", t, &e),
                 FD_EFORBIDDEN);
    cr_assert_eq(complaints_escalate_ticket(fx.db, &ag, t->id, 2, "kyc", "Needs KYC L2", t, &e), 0,
                 "%s", e.message);
    cr_assert_eq(t->tier, 2);
    cr_assert_str_eq(t->department, "kyc");
    cr_assert_eq(t->assignee_id, 0);

    /* Converting it into a complaint, once. */
    struct complaints_cfg c = cfg(NULL);
    struct complaint_input in;
    memset(&in, 0, sizeof(in));
    struct complaint_rec *r = malloc(sizeof(*r));
    struct auth_actor sup = fixture_actor(&fx, "s@fd.test", ROLE_SUPERVISOR, NULL, 0);
    cr_assert_eq(complaints_convert(fx.db, &c, &sup, t->id, &in, r, &e), 0, "%s", e.message);
    cr_assert_eq(r->customer_id, cust.user.id);
    cr_assert_eq(r->ticket_id, t->id);
    cr_assert_str_eq(r->service, "kyc", "the ticket's department is the service");
    cr_assert_str_eq(r->description, "Stuck", "the ticket's subject describes it");
    cr_assert_eq(complaints_convert(fx.db, &c, &sup, t->id, &in, r, &e), FD_ECONFLICT);
    free(r);
    free(t);
}

/* ---- the scheduled clock checks ----------------------------------------------------- */

static int run_jobs(void)
{
    int ran = 0;
    store_release(fx.store, fx.db);
    cr_assert_eq(sched_run_due(fx.store, 100, &ran), 0);
    fx.db = store_acquire(fx.store);
    return ran;
}

Test(complaints, sched_marks_breaches_without_any_read)
{
    store_release(fx.store, fx.db);
    cr_assert_eq(complaints_init(fx.store, 5, "UTC", NULL), 0);
    fx.db = store_acquire(fx.store);
    struct auth_actor a = fixture_actor(&fx, "a@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor sup = fixture_actor(&fx, "sup@fd.test", ROLE_SUPERVISOR, NULL, 0);
    struct complaints_cfg c = cfg(NULL);
    struct complaint_input in = form();
    struct complaint_rec *r = malloc(sizeof(*r));
    struct fd_error e = {0};
    fd_clock_set(utc(2026, 11, 23, 10, 0, 0));
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    int64_t late = r->id;
    cr_assert_eq(complaints_file(fx.db, &c, &a, &in, r, &e), 0);
    int64_t on_time = r->id;
    /* Nothing is due yet. */
    cr_assert_eq(run_jobs(), 0);
    /* The second one is acknowledged in time: its acknowledgement check is dropped. */
    fd_clock_set(utc(2026, 11, 27, 9, 0, 0));
    struct complaint_step ack = {.to = "acknowledged", .admissibility = "admissible"};
    cr_assert_eq(complaints_transition(fx.db, &c, &sup, on_time, &ack, r, &e), 0);
    /* Just past the due time (end of Monday 30 November) only the first one's job runs. */
    fd_clock_set(utc(2026, 12, 1, 0, 0, 1));
    cr_assert_eq(run_jobs(), 1);
    cr_assert_eq(store_complaint_get(fx.db, late, r), 0);
    cr_assert_eq(r->ack_breached, 1);
    cr_assert_eq(r->decision_breached, 0);
    cr_assert_eq(store_complaint_get(fx.db, on_time, r), 0);
    cr_assert_eq(r->ack_breached, 0);
    /* A delay moves the decision check: not at the first due date, at the new one. */
    cr_assert_eq(
        complaints_delay(fx.db, &c, &sup, on_time, "Bank trace", utc(2027, 2, 10, 0, 0, 0), r, &e),
        0, "%s", e.message);
    fd_clock_set(utc(2027, 1, 23, 10, 0, 1));
    cr_assert_eq(run_jobs(), 1, "only the first complaint's decision check");
    cr_assert_eq(store_complaint_get(fx.db, late, r), 0);
    cr_assert_eq(r->decision_breached, 1);
    cr_assert_eq(store_complaint_get(fx.db, on_time, r), 0);
    cr_assert_eq(r->decision_breached, 0);
    fd_clock_set(utc(2027, 2, 10, 0, 0, 1));
    cr_assert_eq(run_jobs(), 1);
    cr_assert_eq(store_complaint_get(fx.db, on_time, r), 0);
    cr_assert_eq(r->decision_breached, 1);
    cr_assert_eq(run_jobs(), 0, "each job runs once");
    free(r);
}
