#ifndef FD_STATUS_STATUS_H
#define FD_STATUS_STATUS_H
/*
 * The status page's domain (issue 8): components in groups, incidents with a timeline of
 * updates, and scheduled maintenance windows.
 *
 * A component's state is computed, never stored: the worst state any live incident or
 * maintenance window gives it at `now`, else operational. An incident is live until its
 * status is resolved. A maintenance window is live (its components "maintenance") while
 * now is in [starts_at, ends_at) and it was neither completed early nor cancelled, so a
 * test that moves the clock (fd_clock_set, FRONTDESK_CLOCK_FILE) moves the page.
 *
 * Only supervisors and admins publish (FD_EFORBIDDEN otherwise). Every change writes an
 * event row (ticket_id NULL, type status.*) in the same transaction. No HTTP here.
 * Threads: any; each call uses only the db connection it is given.
 */
#include "../auth/auth.h"
#include "../core/err.h"
#include "../mail/mail.h"
#include "../store/store_status.h"

#include <stdint.h>

#define STATUS_COMPONENTS_MAX 64                    /* components shown; more are ignored */
#define STATUS_LIST_MAX 50                          /* incidents in a snapshot */
#define STATUS_UPDATES_MAX 100                      /* updates kept per incident in a snapshot */
#define STATUS_BODY_MAX 5000                        /* bytes of one update's text */
#define STATUS_HISTORY_MS (14LL * 24 * 3600 * 1000) /* closed incidents shown this long */

/* The component states, best first: operational, maintenance, degraded, partial_outage,
 * major_outage (the order is the severity used to combine them). */
extern const char *const status_states[5];
/* The rank of a state in status_states, or -1 when it is not one. */
int status_state_rank(const char *state);
/* A sentence for a state ("Major outage"...). */
const char *status_state_label(const char *state);

/* 1 when the actor may publish incidents and maintenance (supervisor, admin). */
int status_can_publish(const struct auth_actor *a);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" into Unix ms. Returns 0 or FD_EINVAL. */
int status_parse_time(const char *s, int64_t *out);

struct status_component {
    struct status_component_rec rec;
    const char *state; /* one of status_states (static) */
};

struct status_update {
    int64_t id;
    char status[16];
    char *body; /* owned */
    char author[STATUS_NAME_MAX + 1];
    int64_t created_at;
};

struct status_incident {
    struct status_incident_rec rec;
    /* investigating, identified, monitoring, resolved; or for maintenance: scheduled,
     * in_progress, completed, cancelled (computed from the clock). Static string. */
    const char *phase;
    int live; /* gives its components their state now */
    int naffected;
    struct status_affected_rec affected[STATUS_COMPONENTS_MAX];
    int nupdates;
    struct status_update *updates; /* oldest first */
};

struct status_snapshot {
    int64_t now;
    int ncomponents;
    struct status_component comps[STATUS_COMPONENTS_MAX];
    int nincidents;
    struct status_incident *incidents; /* newest first */
    const char *overall;               /* worst component state */
};

/*
 * Loads what the status page shows at now: every component with its state, every live
 * or upcoming incident/maintenance and those closed within history_ms, with their
 * affected components and updates. Release with status_snapshot_release (also after a
 * failure). Returns 0 or FD_EDB.
 */
int status_snapshot_load(struct db *db, int64_t now, int64_t history_ms,
                         struct status_snapshot *out);
void status_snapshot_release(struct status_snapshot *s);
/* Loads one incident (any age) with its components and updates. Release with
 * status_incident_release. Returns 0, FD_ENOTFOUND, FD_EDB. */
int status_incident_load(struct db *db, int64_t id, int64_t now, struct status_incident *out);
void status_incident_release(struct status_incident *inc);
/* A sentence for the overall state ("All systems operational"...). */
const char *status_overall_label(const char *state);

struct status_component_input {
    const char *slug;
    const char *state; /* incidents: degraded..major_outage (operational in an update) */
};

struct status_incident_input {
    const char *kind;           /* "incident" (default) or "maintenance" */
    const char *title;          /* required */
    const char *status;         /* incident: investigating (default), identified, monitoring */
    const char *body;           /* required: the first update's text */
    const char *keywords;       /* optional, comma-separated (incident linking) */
    int64_t starts_at, ends_at; /* maintenance: required, starts < ends, ends in the future */
    int ncomponents;
    struct status_component_input components[STATUS_COMPONENTS_MAX];
};

/*
 * Publishes an incident or a maintenance window with its first update. *id gets it.
 * mail (NULL: nobody is mailed) queues the update to every confirmed subscriber of an
 * affected component, in the same transaction. Returns 0, FD_EFORBIDDEN, FD_EINVAL (err
 * says which field), FD_EDB, or a mail error.
 */
int status_incident_create(struct db *db, const struct auth_actor *a,
                           const struct mail_config *mail, const struct status_incident_input *in,
                           int64_t *id, struct fd_error *err);

struct status_update_input {
    /* incident: investigating, identified, monitoring, resolved; maintenance:
     * scheduled (a note), completed (ends it now), cancelled. Required. */
    const char *status;
    const char *body; /* required */
    int ncomponents;  /* incidents only: changed component states */
    struct status_component_input components[STATUS_COMPONENTS_MAX];
};

/* Adds an update to the timeline and mails subscribers like status_incident_create.
 * Returns 0, FD_EFORBIDDEN, FD_ENOTFOUND, FD_EINVAL, FD_ECONFLICT (already resolved,
 * completed or cancelled; err->field "status"), FD_EDB. */
int status_incident_update(struct db *db, const struct auth_actor *a,
                           const struct mail_config *mail, int64_t id,
                           const struct status_update_input *in, struct fd_error *err);

/* ---- e-mail subscriptions (subscribe.c) ---------------------------------------------
 * Double opt-in: a request mails a confirmation link; only a confirmed address gets
 * incident mail, and every such mail carries an unsubscribe link. Links carry the
 * subscription id and an HMAC-SHA256 (libsodium) over purpose, id, address (and, for a
 * confirmation, the components asked for) under a key made on first use and kept in the
 * database; they never expire, but a confirmation link stops working once a newer request
 * changed what is pending.
 */
#define STATUS_CONFIRM_PER_HOUR 3 /* confirmation mails to one address per hour */
#define STATUS_TOKEN_HEX 64

/*
 * Records a request for e-mail about the given components (n = 0: all) and queues a
 * confirmation mail to email. Answers the same whether the address was subscribed or not.
 * Returns 0, FD_EINVAL (bad address or unknown component), FD_ERATE (too many
 * confirmation mails to this address this hour), FD_EDB.
 */
int status_subscribe(struct db *db, const struct mail_config *mail, const char *email, int n,
                     const char *const *slugs, struct fd_error *err);
/* Confirms what is pending. out (may be NULL) gets the subscription. Returns 0,
 * FD_EAUTH (wrong or stale token, or nothing pending), FD_EDB. */
int status_subscription_confirm(struct db *db, int64_t id, const char *token,
                                struct status_subscription_rec *out, struct fd_error *err);
/* Ends a subscription. Returns 0 (also when it had ended), FD_EAUTH, FD_EDB. */
int status_unsubscribe(struct db *db, int64_t id, const char *token, struct fd_error *err);
/* The link tokens of a subscription (hex, STATUS_TOKEN_HEX + 1 bytes), inside the
 * caller's write transaction (the key may be made). purpose: "confirm" or "unsubscribe".
 * For tests and the mails. Returns 0 or FD_EDB. */
int status_subscription_token(struct db *db, const char *purpose,
                              const struct status_subscription_rec *r, char *out);
/* Queues the mail about one update of inc to the matching subscribers (status.c calls it
 * inside its write transaction). Returns 0 or an FD_E code. */
int status__notify(struct db *db, const struct mail_config *mail,
                   const struct status_incident_rec *inc, const char *phase, const char *body);

/* ---- incident mode (incident_mode.c) -------------------------------------------------
 * A new ticket that matches a live incident is linked to it and tagged incident-<id>:
 * its network or asset is one of an affected component's match_terms (TRC-20 USDT on
 * "tron" matches chain-tron), or its subject or first message contains one of the
 * incident's keywords as a whole word (case-insensitive). Agents link and unlink by hand.
 */
#define STATUS_LIVE_MAX 20 /* live incidents considered when linking */

/*
 * Links the new ticket t (first message body) to every live incident it matches, inside
 * the caller's write transaction (tickets_create_in_txn calls it), with a tag and an
 * event on the ticket. *linked (may be NULL) gets how many. Returns 0 or FD_EDB.
 */
int status_ticket_autolink(struct db *db, const struct ticket_rec *t, const char *body, int64_t now,
                           int *linked);
/*
 * Links a live chat that is starting (its first message) to every live incident whose
 * keywords it contains, inside the caller's write transaction (chat_start calls it), with
 * an event (status.chat_linked). A chat has no network or asset, so only keywords count.
 * Returns 0 or FD_EDB.
 */
int status_chat_autolink(struct db *db, int64_t chat_id, const char *message, int64_t now,
                         int *linked);
/* An agent links (link 1) or unlinks a ticket the actor may see. Returns 0,
 * FD_EFORBIDDEN (not staff), FD_ENOTFOUND (ticket or incident), FD_ECONFLICT (already
 * linked / closed incident for a new link), FD_EDB. */
int status_ticket_link(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                       int64_t incident_id, int link, struct fd_error *err);
/* The incidents a ticket is linked to (staff only: FD_EFORBIDDEN). */
int status_ticket_links(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                        int (*cb)(void *, const struct status_link_rec *), void *ctx);
/* Records a banner view of every live incident at now (user_id 0: anonymous). */
int status_banner_viewed(struct db *db, int64_t user_id, const char *surface, int64_t now);

#endif
