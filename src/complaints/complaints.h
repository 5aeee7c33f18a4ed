#ifndef FD_COMPLAINTS_COMPLAINTS_H
#define FD_COMPLAINTS_COMPLAINTS_H
/*
 * Formal complaints (MiCA Art. 31, the ESMA/EBA complaint-handling guidelines) and
 * agent escalation of tickets.
 *
 * A complaint is filed by a customer (portal) or converted from a ticket by an agent. It
 * moves received -> acknowledged (admissible, or inadmissible with a reason) ->
 * under_investigation -> decided (upheld / partly_upheld / rejected, with reasons and the
 * remedies open to the customer) -> closed; an inadmissible complaint goes from
 * acknowledged straight to closed. Any other move is FD_ECONFLICT (err->field "status").
 *
 * Clocks: the acknowledgement is due at the end of the Nth business day after receipt
 * (weekdays that are not holidays, in the configured zone); the decision two calendar months after
 * receipt. A handler who cannot decide in time records why and the new date; the
 * customer is told (portal and email) and that notice is recorded. Breaches are stored
 * on the complaint and evented once: by a scheduled "complaint.clock" job just after each
 * due time (src/sched/), by complaints_check_breaches (run on reads), or when a step is
 * done late.
 *
 * Who: customers see and file only their own complaints (another's is FD_ENOTFOUND).
 * Handlers are supervisors, admins and agents with the compliance permission; agents
 * without it may only convert a ticket they can see.
 *
 * Every change runs in its own write transaction with its complaint_events rows and is
 * durable when the call returns 0. No HTTP here.
 */
#include "../store/store_complaints.h"

#include <stddef.h>
#include <stdint.h>

struct db;
struct auth_actor;
struct fd_error;
struct mail_config;

#define COMPLAINT_REF_FMT "CMP-%05lld"
#define COMPLAINT_HOLIDAYS_MAX 400

/* Settings the domain needs, from the config; read-only. */
struct complaints_cfg {
    int ack_business_days;          /* acknowledgement due within this many business days */
    const char *timezone;           /* IANA zone of business days and dates; NULL = UTC */
    const char *holidays;           /* "YYYY-MM-DD,..." or NULL */
    const struct mail_config *mail; /* NULL: no email notices (unit tests) */
};

/* The template a complainant fills in. Strings are borrowed; NULL = not given. */
struct complaint_input {
    const char *complainant_name, *complainant_contact, *account_uid;
    int on_behalf;
    const char *on_behalf_of;
    const char *service; /* one of complaints_services */
    const char *description, *incident_dates, *request;
    int64_t linked[COMPLAINT_LINKS_MAX]; /* ticket ids */
    int nlinked;
};

/* One lifecycle step. */
struct complaint_step {
    const char *to;            /* the new status */
    const char *admissibility; /* acknowledged: admissible | inadmissible */
    const char *reason;        /* inadmissible: why; decided: the reasons */
    const char *outcome;       /* decided: upheld | partly_upheld | rejected */
    const char *remedies;      /* decided: the remedies open to the customer */
};

/* The topic categories (services), NULL-terminated. */
extern const char *const complaints_services[];
/* The statuses in lifecycle order, NULL-terminated. */
extern const char *const complaints_statuses[];

void complaints_format_ref(int64_t id, char *out, size_t n);
/* "CMP-00042" or "42" -> 42. Returns 0 or FD_ENOTFOUND. */
int complaints_parse_ref(const char *s, int64_t *id);
/* Whether status from may move to to. */
int complaints_transition_ok(const char *from, const char *to);

/* ---- clocks (clock.c) ---- */
/*
 * The end of the nth business day after start_ms: Monday to Friday in time zone tz (an
 * IANA name; NULL or "" = UTC), the holidays (local dates) skipped; received on a
 * Monday, n = 5 gives the end of the next Monday. The end of a day is its last
 * millisecond (23:59:59.999 local). Uses the SLA module's calendars. holidays may be NULL.
 * Returns 0, FD_EINVAL (n < 1, an unknown zone, a malformed holiday list: err names
 * the field).
 */
int complaints_business_deadline(int64_t start_ms, int n, const char *tz, const char *holidays,
                                 int64_t *out, struct fd_error *err);
/* ms plus the given calendar months (UTC), the day clamped to the month's last day:
 * 31 December + 2 months = 28 (or 29) February, same time of day. */
int64_t complaints_add_months(int64_t ms, int months);
/* "YYYY-MM-DD" -> the last millisecond of that date in zone tz (NULL = UTC). Returns 0
 * or FD_EINVAL. */
int complaints_date_end(const char *tz, const char *date, int64_t *out);
/* Checks a holiday list. Returns 0 or FD_EINVAL. */
int complaints_holidays_check(const char *holidays, struct fd_error *err);
/* Checks the zone and the holiday list together. Returns 0 or FD_EINVAL. */
int complaints_clock_check(const char *tz, const char *holidays, struct fd_error *err);

/* ---- access ---- */
/* *yes = 1 when the actor handles complaints (supervisor, admin, compliance agent). */
int complaints_is_handler(struct db *db, const struct auth_actor *a, int *yes);
/* Grants or revokes the compliance permission of a staff user (admins only). Evented in
 * the event log. Returns 0, FD_EFORBIDDEN, FD_ENOTFOUND, FD_EINVAL (a customer). */
int complaints_set_handler(struct db *db, const struct auth_actor *a, int64_t user_id, int on,
                           struct fd_error *err);

/* ---- lifecycle (complaints.c) ---- */
/* A customer files a complaint for themselves (free of charge; linked tickets must be
 * their own). Staff cannot file through this (they convert a ticket).
 * Returns 0, FD_EINVAL, FD_EFORBIDDEN, FD_EDB. */
int complaints_file(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                    const struct complaint_input *in, struct complaint_rec *out,
                    struct fd_error *err);
/* An agent turns ticket_id into a complaint of its requester; fields not given in `in`
 * come from the ticket (subject and first message). A ticket becomes at most one
 * complaint (FD_ECONFLICT). The ticket gets a "complaint_opened" event and an internal
 * note. Returns 0, FD_ENOTFOUND (no ticket the agent may see), FD_EFORBIDDEN, FD_EINVAL,
 * FD_ECONFLICT, FD_EDB. */
int complaints_convert(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                       int64_t ticket_id, const struct complaint_input *in,
                       struct complaint_rec *out, struct fd_error *err);
/* Reads a complaint the actor may see. Returns 0, FD_ENOTFOUND. */
int complaints_get(struct db *db, const struct auth_actor *a, int64_t id,
                   struct complaint_rec *out);
/* A page of the actor's complaints, newest first, ids below before_id (0 = from the
 * newest), at most limit (customers: their own; handlers: all; others FD_EFORBIDDEN). */
int complaints_list(struct db *db, const struct auth_actor *a, const char *status,
                    int64_t before_id, int limit,
                    int (*cb)(void *ctx, const struct complaint_rec *c), void *ctx);
/* A lifecycle step by a handler. Returns 0, FD_EINVAL, FD_ECONFLICT, FD_EFORBIDDEN,
 * FD_ENOTFOUND, FD_EDB. */
int complaints_transition(struct db *db, const struct complaints_cfg *cfg,
                          const struct auth_actor *a, int64_t id, const struct complaint_step *s,
                          struct complaint_rec *out, struct fd_error *err);
/* Records that the decision will be late: why, and the new due date (later than the
 * current one). Tells the customer by email and records the notice.
 * Returns 0, FD_EINVAL, FD_ECONFLICT (not open for a decision), FD_EFORBIDDEN, ... */
int complaints_delay(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                     int64_t id, const char *reason, int64_t new_due_ms, struct complaint_rec *out,
                     struct fd_error *err);
/* A handler corrects one field; the original stays in the record (a "corrected" event
 * with before and after). Correctable: complainant_name, complainant_contact,
 * account_uid, incident_dates, service, admissibility_reason, decision_reasons,
 * remedies. Returns 0, FD_EINVAL, FD_EFORBIDDEN, FD_ENOTFOUND, FD_EDB. */
int complaints_correct(struct db *db, const struct auth_actor *a, int64_t id, const char *field,
                       const char *value, const char *reason, struct complaint_rec *out,
                       struct fd_error *err);
/* Marks and events the steps that are late at now (acknowledgement or decision not done
 * by its due time, or done after it) that were not yet marked. *marked gets how many
 * (may be NULL). Runs in its own write transaction. */
int complaints_check_breaches(struct db *db, int64_t now, int *marked);
/* Whether the event type is shown to the customer (the lifecycle and notices). */
int complaints_event_public(const char *type);

/* ---- escalation of tickets (escalation.c) ---- */
/*
 * Escalates ticket_id to tier to_tier (0 = unchanged) and/or department to_department
 * (NULL = unchanged), with a required reason: the change and the reason are evented
 * ("escalated"), the reason is kept as an internal note, the assignment is cleared so the
 * new team picks it up, and the customer gets a public reply saying a specialist team
 * has the case (no internal details). Staff only. Returns 0; FD_EINVAL (reason missing,
 * nothing changes, unknown department); FD_ELIMIT (tier above 3: there is no higher
 * tier); FD_ECONFLICT (closed ticket); FD_ENOTFOUND; FD_EFORBIDDEN; FD_EDB.
 */
int complaints_escalate_ticket(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                               int to_tier, const char *to_department, const char *reason,
                               struct ticket_rec *out, struct fd_error *err);
/* The escalation path of a ticket: cb(ctx, event) for each "escalated" event, oldest
 * first. Staff only (FD_EFORBIDDEN). */
int complaints_escalations(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                           int (*cb)(void *ctx, const struct event_rec *e), void *ctx);

/* Writes the retention period (years, >= 5) to the store. */
int complaints_retention_set(struct db *db, int years);
struct store;
/* Start-up of `serve`, before the scheduler starts: checks the zone and holiday list,
 * registers the "complaint.clock" job kind and writes the retention period. Logs and
 * returns FD_EINVAL, FD_ELIMIT or the store's error. */
int complaints_init(struct store *s, long retention_years, const char *timezone,
                    const char *holidays);

#endif
