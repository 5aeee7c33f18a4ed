#ifndef FD_STORE_STORE_MAILAUTH_H
#define FD_STORE_STORE_MAILAUTH_H
/*
 * Inbound mail authentication results (migration 016), one row per checked inbound
 * message. Every function runs inside the caller's transaction and returns 0,
 * FD_ECONFLICT (a row for that message exists) or FD_EDB.
 */
#include <stdint.h>

struct db;

struct mailauth_rec {
    int64_t mail_id;
    int64_t message_row_id; /* the ticket message it became (0: none); read only */
    char dkim[12];
    char dkim_domain[256];
    char spf[12];
    char spf_domain[256];
    char dmarc[12];
    char dmarc_policy[12];
    char from_domain[256];
    char client_ip[64];
    int64_t created_at;
};

/* Records r for r->mail_id, with an event "mail_authenticated" on ticket_id (0: none)
 * in the same transaction. */
int store_mailauth_insert(struct db *db, const struct mailauth_rec *r, int64_t ticket_id,
                          int64_t actor_id);

typedef int (*store_mailauth_cb)(void *ctx, const struct mailauth_rec *r);
/* Every result of the inbound mail of a ticket that became a ticket message, oldest
 * first. A non-zero return of cb stops and is returned. */
int store_mailauth_for_ticket(struct db *db, int64_t ticket_id, store_mailauth_cb cb, void *ctx);

#endif
