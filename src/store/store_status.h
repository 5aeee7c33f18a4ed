#ifndef FD_STORE_STORE_STATUS_H
#define FD_STORE_STORE_STATUS_H
/*
 * The status page's tables (migration 013): components, incidents and maintenance
 * windows, the components each one affects, their timeline of updates, and e-mail
 * subscriptions. Like every store_* function, each runs inside whatever transaction the
 * caller opened on db and returns 0, FD_ENOTFOUND, FD_ECONFLICT or FD_EDB.
 */
#include "store.h"

#include <stdint.h>

#define STATUS_SLUG_MAX 48
#define STATUS_NAME_MAX 96
#define STATUS_TITLE_MAX 200
#define STATUS_KEYWORDS_MAX 500

struct status_component_rec {
    int64_t id;
    char slug[STATUS_SLUG_MAX + 1];
    char name[STATUS_NAME_MAX + 1];
    char grp[STATUS_NAME_MAX + 1];
    int position;
};

struct status_incident_rec {
    int64_t id;
    char kind[16];   /* incident | maintenance */
    char status[16]; /* investigating..resolved | scheduled, completed, cancelled */
    char title[STATUS_TITLE_MAX + 1];
    char keywords[STATUS_KEYWORDS_MAX + 1]; /* comma-separated, "" = none */
    int64_t starts_at, ends_at;             /* maintenance windows; 0 otherwise */
    int64_t created_by;
    int64_t created_at, updated_at, resolved_at; /* resolved_at 0 while open */
};

struct status_affected_rec {
    int64_t incident_id;
    int64_t component_id;
    char slug[STATUS_SLUG_MAX + 1];
    char name[STATUS_NAME_MAX + 1];
    char state[20];
    char terms[200]; /* the component's match_terms */
};

struct status_update_rec {
    int64_t id;
    int64_t incident_id;
    char status[16];
    const char *body; /* borrowed until the callback returns */
    char author[STATUS_NAME_MAX + 1];
    int64_t created_at;
};

int store_status_component_list(struct db *db,
                                int (*cb)(void *, const struct status_component_rec *), void *ctx);
int store_status_component_by_slug(struct db *db, const char *slug,
                                   struct status_component_rec *out);

int store_status_incident_insert(struct db *db, struct status_incident_rec *r); /* sets r->id */
/* Writes title, status, keywords, starts_at, ends_at, updated_at and resolved_at. */
int store_status_incident_update(struct db *db, const struct status_incident_rec *r);
int store_status_incident_get(struct db *db, int64_t id, struct status_incident_rec *out);
/*
 * Incidents newest first, at most limit: every one not yet closed (status not resolved,
 * completed or cancelled), and closed ones whose resolved_at (or, for maintenance,
 * ends_at) is at or after since. since 0 = all.
 */
int store_status_incident_list(struct db *db, int64_t since, int limit,
                               int (*cb)(void *, const struct status_incident_rec *), void *ctx);

/* Sets (inserts or replaces) the state of one affected component. */
int store_status_affected_set(struct db *db, int64_t incident_id, int64_t component_id,
                              const char *state);
int store_status_affected_list(struct db *db, int64_t incident_id,
                               int (*cb)(void *, const struct status_affected_rec *), void *ctx);

int store_status_update_insert(struct db *db, int64_t incident_id, const char *status,
                               const char *body, int64_t author_id, int64_t now, int64_t *id);
/* Oldest first. */
int store_status_update_list(struct db *db, int64_t incident_id,
                             int (*cb)(void *, const struct status_update_rec *), void *ctx);

/* ---- subscriptions ---------------------------------------------------------------- */

#define STATUS_SUB_COMPONENTS_MAX 1024 /* bytes of a comma-separated slug list */

struct status_subscription_rec {
    int64_t id;
    char email[FD_EMAIL_MAX + 1];
    char components[STATUS_SUB_COMPONENTS_MAX + 1];    /* "*" = all; "" before confirmation */
    char pending[STATUS_SUB_COMPONENTS_MAX + 1];       /* awaiting confirmation; "" = none */
    int64_t created_at, confirmed_at, unsubscribed_at; /* 0 = not (yet) */
};

int store_status_sub_get(struct db *db, int64_t id, struct status_subscription_rec *out);
int store_status_sub_by_email(struct db *db, const char *email,
                              struct status_subscription_rec *out);
int store_status_sub_insert(struct db *db, struct status_subscription_rec *r); /* sets r->id */
/* Writes components, pending, confirmed_at and unsubscribed_at. */
int store_status_sub_update(struct db *db, const struct status_subscription_rec *r);
/* Confirmed subscriptions that were not cancelled, oldest first. */
int store_status_sub_list_active(struct db *db,
                                 int (*cb)(void *, const struct status_subscription_rec *),
                                 void *ctx);

/* ---- incident mode ---------------------------------------------------------------- */

/* Incidents that are live at now: open incidents, and maintenance windows scheduled
 * around now. Newest first, at most limit. */
int store_status_incident_live(struct db *db, int64_t now, int limit,
                               int (*cb)(void *, const struct status_incident_rec *), void *ctx);

struct status_link_rec {
    int64_t incident_id, ticket_id;
    char title[STATUS_TITLE_MAX + 1]; /* the incident's */
    char incident_status[16];
    char how[8]; /* auto | manual */
    char reason[64];
    int64_t linked_by, created_at;
};
/* FD_ECONFLICT when the link exists. */
int store_status_link_insert(struct db *db, const struct status_link_rec *l);
/* FD_ENOTFOUND when there was no link. */
int store_status_link_delete(struct db *db, int64_t incident_id, int64_t ticket_id);
int store_status_link_list_ticket(struct db *db, int64_t ticket_id,
                                  int (*cb)(void *, const struct status_link_rec *), void *ctx);
/* Ids of the linked tickets that are not solved or closed, oldest first. */
int store_status_link_open_tickets(struct db *db, int64_t incident_id,
                                   int (*cb)(void *, int64_t ticket_id), void *ctx);
/* Links a live chat to an incident. */
int store_status_chat_link_insert(struct db *db, int64_t incident_id, int64_t chat_id,
                                  const char *reason, int64_t now);
/* Adds (if missing) or removes a tag of a ticket directly (for incident-N tags). */
int store_status_ticket_tag(struct db *db, int64_t ticket_id, const char *tag, int add);

/* Records one banner view: user_id 0 = anonymous. surface: help, portal or chat. */
int store_status_banner_view(struct db *db, int64_t incident_id, int64_t user_id,
                             const char *surface, int64_t now);

struct status_report_row {
    int64_t id;
    char title[STATUS_TITLE_MAX + 1];
    char kind[16], status[16];
    int64_t created_at, resolved_at;
    int64_t linked, auto_linked; /* tickets linked; of them automatically */
    int64_t chats;               /* live chats linked when they started */
    int64_t banner_views;        /* every view, signed in or not */
    int64_t viewers, contacted;  /* eligible signed-in viewers; of them who still wrote */
};
/* Incidents created at or after since, newest first, at most limit, with their counts.
 * window_ms: how long after the first view a ticket or chat counts as "still wrote". */
int store_status_report(struct db *db, int64_t since, int64_t window_ms, int limit,
                        int (*cb)(void *, const struct status_report_row *), void *ctx);

/* A named secret (hex text) into out; FD_ENOTFOUND when not made yet. */
int store_status_secret_get(struct db *db, const char *name, char *out, size_t n);
int store_status_secret_put(struct db *db, const char *name, const char *value);

#endif
