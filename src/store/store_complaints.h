#ifndef FD_STORE_STORE_COMPLAINTS_H
#define FD_STORE_STORE_COMPLAINTS_H
/*
 * Formal complaints (migration 008): the complaint rows, their append-only record
 * (complaint_events), the compliance permission of staff and the retention setting.
 * Every function runs inside whatever transaction the caller opened on db and returns 0,
 * FD_ENOTFOUND, FD_ECONFLICT (a constraint, or the retention guard) or FD_EDB.
 */
#include "records.h"

#include <stdint.h>

struct db;

#define COMPLAINT_TEXT_MAX 8000  /* description, decision reasons */
#define COMPLAINT_SHORT_MAX 2000 /* request, remedies, admissibility and delay reasons */
#define COMPLAINT_DATES_MAX 200
#define COMPLAINT_LINKS_MAX 16 /* linked tickets */
#define COMPLAINT_UID_MAX 23

struct complaint_rec {
    int64_t id;
    int64_t customer_id;
    char customer_name[FD_NAME_MAX + 1];
    char customer_email[FD_EMAIL_MAX + 1];
    int64_t ticket_id; /* 0 = not converted from a ticket */
    char channel[8];   /* portal | agent */
    char status[24];   /* received | acknowledged | under_investigation | decided | closed */
    char complainant_name[FD_NAME_MAX + 1];
    char complainant_contact[FD_EMAIL_MAX + 1];
    char account_uid[COMPLAINT_UID_MAX + 1];
    int on_behalf;
    char on_behalf_of[FD_NAME_MAX + 1];
    char service[24];
    char description[COMPLAINT_TEXT_MAX + 1];
    char incident_dates[COMPLAINT_DATES_MAX + 1];
    char request[COMPLAINT_SHORT_MAX + 1];
    char linked_tickets[COMPLAINT_LINKS_MAX * 12]; /* ticket ids, space-separated */
    char admissibility[16];                        /* "" | admissible | inadmissible */
    char admissibility_reason[COMPLAINT_SHORT_MAX + 1];
    char outcome[16]; /* "" | upheld | partly_upheld | rejected */
    char decision_reasons[COMPLAINT_TEXT_MAX + 1];
    char remedies[COMPLAINT_SHORT_MAX + 1];
    int64_t received_at, ack_due_at, decision_due_at, decision_due_original;
    char delay_reason[COMPLAINT_SHORT_MAX + 1];
    int64_t acknowledged_at, investigation_at, decided_at, closed_at; /* 0 = not yet */
    int ack_breached, decision_breached;
    int64_t updated_at;
};

/* Sets c->id. */
int store_complaint_insert(struct db *db, struct complaint_rec *c);
int store_complaint_get(struct db *db, int64_t id, struct complaint_rec *out);
/* Writes every mutable column (status .. updated_at). */
int store_complaint_update(struct db *db, const struct complaint_rec *c);
/* Complaints oldest first; customer_id 0 = everyone's, status NULL = any. Each row is
 * passed in a buffer reused for the next one. */
int store_complaint_list(struct db *db, int64_t customer_id, const char *status,
                         int (*cb)(void *ctx, const struct complaint_rec *c), void *ctx);
/* One page, newest first: ids below before_id (0 = from the newest), at most limit. */
int store_complaint_page(struct db *db, int64_t customer_id, const char *status, int64_t before_id,
                         int limit, int (*cb)(void *ctx, const struct complaint_rec *c), void *ctx);
/* Ids of complaints with an open step past its due time at now that is not yet marked
 * (not acknowledged by ack_due_at; not decided by decision_due_at, unless inadmissible
 * or closed), oldest first, at most limit. */
int store_complaint_overdue(struct db *db, int64_t now, int limit, int (*cb)(void *ctx, int64_t id),
                            void *ctx);
/* Deletes a complaint and its record: FD_ECONFLICT (the retention guard) while it is
 * younger than the retention period. Only a retention purge may call this. */
int store_complaint_delete(struct db *db, int64_t id);

/* The complaint's record. e->ticket_id carries the complaint id in the callback. */
int store_complaint_event_insert(struct db *db, int64_t complaint_id, int64_t actor_id,
                                 const char *type, const char *data_json, int64_t now);
int store_complaint_event_list(struct db *db, int64_t complaint_id,
                               int (*cb)(void *ctx, const struct event_rec *e), void *ctx);

/* users.compliance: staff who handle complaints. */
int store_user_compliance_get(struct db *db, int64_t user_id, int *on);
int store_user_compliance_set(struct db *db, int64_t user_id, int on);

/* complaint_settings.retention_ms (FD_ECONFLICT below the 5-year minimum). */
int store_complaint_retention_set(struct db *db, int64_t retention_ms);

#endif
