#ifndef FD_REPORTS_REPORTS_H
#define FD_REPORTS_REPORTS_H
/*
 * Reports, reply-time expectations and customer satisfaction (issue 6).
 *
 *   reports.c  the supervisor reports, each built from the event log and stored records
 *              into the shared report shape (docs/reports.md): a JSON object with
 *              title, unit, chart, columns, rows and an optional note; and its CSV.
 *   expect.c   "We usually reply within ...": p50/p90 of the first-reply times of the
 *              last 7 days per department, channel and priority, with an honest
 *              fallback (department, then everything) and a one-minute cache.
 *   csat.c     satisfaction surveys: the signed single-use link mailed when a ticket is
 *              solved, the answers (portal or link), and the mail step that sends them.
 *
 * No HTTP here. Functions take a struct db and return FD_E codes; who may call them is
 * checked by the caller with auth.h (reports: supervisors and admins). Times are Unix
 * ms from fd_now_ms(); days are UTC days. Durations are business minutes when a business
 * calendar is set (hours.c, src/sla/calendar.h), else wall-clock minutes. Thread-safe: the
 * expectation cache has a mutex.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct fd_error;
struct auth_actor;
struct mail_config;
struct sla_calendar;

#define REPORTS_DAY_MS 86400000LL
#define REPORTS_MAX_DAYS 366
#define REPORTS_DEFAULT_DAYS 30

/* ---- arithmetic (exposed for unit tests) ---- */

/* The nearest-rank percentile (pct in 1..100) of v[0..n): the smallest value with at
 * least pct% of the values at or below it; always a value that was observed. Sorts v in
 * place. Returns -1 when n is 0. */
int64_t reports_percentile(int64_t *v, size_t n, int pct);
/* Backlog age bucket of an open ticket: 0 (<1 day), 1 (1-3 days), 2 (3-7), 3 (>=7). */
int reports_age_bucket(int64_t age_ms);
/* Milliseconds rounded to whole minutes (half up). */
int64_t reports_minutes(int64_t ms);
/* Midnight UTC of the day holding ms (also for times before 1970). */
int64_t reports_day_start(int64_t ms);
/* "2026-11-01" for the UTC day of ms into out (>= 11 bytes). */
void reports_day_format(int64_t ms, char *out, size_t n);
/* Parses "YYYY-MM-DD" (a real calendar date) to its midnight UTC. Returns 0 or FD_EINVAL. */
int reports_day_parse(const char *s, int64_t *out);
/* "20 minutes", "2 hours", "3 days": a duration rounded up to its unit. */
void reports_duration_text(int64_t minutes, char *out, size_t n);

/* ---- business hours (hours.c) ---- */

/*
 * Sets the business calendar durations of department_id are measured with (0 = the
 * default for departments without their own). Takes ownership of cal. Call at start-up
 * or when an admin changes calendars (the SLA module's department calendars); until one is
 * set, durations are wall-clock. Drops the expectation cache. Returns 0 or FD_ELIMIT.
 */
int reports_calendar_set(int64_t department_id, struct sla_calendar *cal);
/* Frees every calendar (shutdown, tests). No reader may run concurrently. */
void reports_calendars_clear(void);
/* Loads the default calendar and every department's (src/sla) into the table above; run at
 * start-up and after an admin changes a calendar or a department's calendar. */
struct db;
int reports_calendars_refresh(struct db *db);
/* 1 when durations are measured in business hours (a calendar is set). */
int reports_business_hours(void);
/* Business (or wall-clock) milliseconds from start to end for a ticket of the department. */
int64_t reports_elapsed(int64_t department_id, int64_t start, int64_t end);

/* ---- reports ---- */

struct report_query {
    int64_t from;          /* midnight UTC of the first day */
    int64_t to;            /* midnight UTC after the last day (exclusive) */
    int64_t department_id; /* 0 = all */
    char department[32];   /* its slug, "" = all */
};

/*
 * Fills q from the query strings (each may be NULL): from and to are ISO dates, both
 * days included; the default is the last REPORTS_DEFAULT_DAYS days up to today; at most
 * REPORTS_MAX_DAYS days. department is a slug. Returns 0, FD_EINVAL (err names the
 * field), FD_EDB.
 */
int reports_query_parse(struct db *db, const char *from, const char *to, const char *department,
                        struct report_query *q, struct fd_error *err);

/* The report names this module serves, NULL-terminated (see docs/reports.md). */
extern const char *const reports_names[];

/* Builds report `name` for q into *out (a new JSON object in the shared shape).
 * Returns 0, FD_ENOTFOUND (no such report), FD_EDB. Runs its own read transaction. */
int reports_build(struct db *db, const char *name, const struct report_query *q, json_t **out);

/* The report's columns and rows as RFC 4180 CSV (CRLF line ends; fields quoted when
 * needed; text cells starting with = + - @ get a leading ' so spreadsheets do not run
 * them). *out is the caller's (free). Returns 0 or FD_EINVAL (not a report object). */
int reports_csv(const json_t *report, char **out, size_t *len);

/* ---- expectations (expect.c) ---- */

#define REPORTS_EXPECT_WINDOW_DAYS 7
#define REPORTS_EXPECT_MIN_SAMPLES 3
#define REPORTS_EXPECT_CACHE_MS 60000

/*
 * The reply-time expectation for a department slug, channel and priority (each NULL =
 * any), as the JSON object of GET /api/v1/expectations. Returns 0, FD_EINVAL (unknown
 * department, channel or priority; err names it), FD_EDB.
 */
int reports_expect(struct db *db, const char *department, const char *channel, const char *priority,
                   json_t **out, struct fd_error *err);
/* One sentence for acknowledgement mail ("We usually reply within ..."), or "" when
 * there is too little data to say anything honest. */
void reports_expect_sentence(struct db *db, const char *department, const char *channel,
                             const char *priority, char *out, size_t n);
/* Drops the cache (tests). */
void reports_expect_reset(void);

/* ---- CSAT (csat.c) ---- */

#define CSAT_CHANGE_DAYS 7    /* an answer may be replaced for this long */
#define CSAT_COMMENT_MAX 2000 /* bytes */
#define CSAT_TOKEN_MAX 160

/* The survey state of ticket t for the JSON API (NULL-safe). Returns 0 or FD_EDB. */
int csat_ticket_json(struct db *db, int64_t ticket_id, const char *status, json_t **out);
/* The requester answers on the portal (ticket solved or closed). Returns 0, FD_EINVAL,
 * FD_EFORBIDDEN (not the requester), FD_ENOTFOUND, FD_ECONFLICT (not solved, or the
 * change window is over), FD_EDB. */
int csat_answer_portal(struct db *db, const struct auth_actor *a, int64_t ticket_id, int rating,
                       const char *comment, struct fd_error *err);
/* The survey a mailed token belongs to: {"reference","rating","comment","used"}.
 * Returns 0, FD_EAUTH (not a valid token), FD_EDB. */
int csat_token_lookup(struct db *db, const char *token, json_t **out);
/* Answers through a mailed token, which is then used up. Returns 0, FD_EINVAL,
 * FD_EAUTH (not a valid token), FD_ECONFLICT (already used), FD_EDB. */
int csat_answer_token(struct db *db, const char *token, int rating, const char *comment,
                      struct fd_error *err);
/* Creates the survey of ticket id with a new token; token gets CSAT_TOKEN_MAX bytes.
 * Inside the caller's write transaction. Returns 0, FD_ECONFLICT (exists), FD_EDB. */
int csat_survey_create(struct db *db, int64_t ticket_id, int64_t sent_at, char *token, size_t n);
/* The mail worker's step: queues a survey email for every ticket newly solved (by the
 * event log, from a cursor). Returns 0 or an FD_E code. */
int csat_mail_step(struct db *db, const struct mail_config *cfg);

#endif
