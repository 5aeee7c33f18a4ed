#ifndef FD_SLA_SLA_H
#define FD_SLA_SLA_H
/*
 * Service-level targets of tickets: which policy applies, each ticket's clocks (first
 * reply, next reply, resolution) with their due times, pauses, warnings, breaches and
 * escalations; plus the ticket housekeeping jobs (auto-close of solved tickets,
 * reminders for pending ones). See docs/sla.md for the rules.
 *
 * The clocks are a pure function of the ticket's record (created_at, its status_changed
 * events, its messages), the policy and the calendar, so a recomputation is always
 * safe. What happens once (a warning, a breach and its escalation) is stamped on the
 * clock's row in the same transaction as its events, and only for the clock's current
 * cycle (started_at): it never happens twice.
 *
 * Threads: sla_configure() and sla_register_jobs() at start-up; the rest from any
 * thread, each with its own connection.
 */
#include <stdint.h>

struct db;
struct fd_error;
struct json_t;
struct auth_actor;
struct mail_config;
struct sla_calendar;

struct sla_settings {
    int64_t autoclose_ms;           /* solved -> closed after this long; 0 = never */
    int64_t reminder_ms;            /* one reminder when pending this long; 0 = never */
    const struct mail_config *mail; /* NULL: no email (notifications only) */
};

/* Read-only after start-up. Without a call: no auto-close, no reminders, no mail. */
void sla_configure(const struct sla_settings *s);
/* Registers the job kinds sla.check, ticket.autoclose and ticket.remind. */
int sla_register_jobs(void);

/*
 * Recomputes the ticket's clocks and (re)schedules its jobs, inside the caller's write
 * transaction, after the ticket row and its events are written. Called by the ticket
 * desk on creation, replies, and every update. Returns 0 or FD_EDB.
 */
int sla_ticket_changed(struct db *db, int64_t ticket_id, int64_t now);
/* The sla.check effect: warnings and breaches (with escalation) due at now, inside the
 * caller's write transaction. Exposed for tests. */
int sla_ticket_check(struct db *db, int64_t ticket_id, int64_t now);

/* The calendar a policy or department uses (policy's, else department's, else the
 * default, else 24x7 UTC). calendar_id and department_id may be 0. Caller frees. */
struct sla_calendar *sla_calendar_load(struct db *db, int64_t calendar_id, int64_t department_id);

/* ---- administration (sla_admin.c): admins only, each in its own transaction with an
 * event row (ticket_id NULL). Bodies are the JSON documented in docs/sla.md. Return 0,
 * FD_EFORBIDDEN, FD_EINVAL (err names the field), FD_ENOTFOUND, FD_ECONFLICT, FD_EDB. */
int sla_calendar_create(struct db *db, const struct auth_actor *a, struct json_t *body, int64_t *id,
                        struct fd_error *err);
int sla_calendar_update(struct db *db, const struct auth_actor *a, int64_t id, struct json_t *body,
                        struct fd_error *err);
/* calendar_id 0 = the default calendar again. */
int sla_department_calendar_set(struct db *db, const struct auth_actor *a, const char *slug,
                                int64_t calendar_id, struct fd_error *err);
int sla_policy_create(struct db *db, const struct auth_actor *a, struct json_t *body, int64_t *id,
                      struct fd_error *err);
/* Fields absent from body keep their value. */
int sla_policy_update(struct db *db, const struct auth_actor *a, int64_t id, struct json_t *body,
                      struct fd_error *err);
int sla_policy_delete(struct db *db, const struct auth_actor *a, int64_t id, struct fd_error *err);

#endif
