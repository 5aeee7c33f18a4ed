#ifndef FD_STORE_STORE_SOCIAL_H
#define FD_STORE_STORE_SOCIAL_H
/*
 * Social channels' tables (migration 013): seen webhook ids, handles, ticket threads and
 * the outbound queue. Each runs inside the caller's transaction and returns 0,
 * FD_ENOTFOUND, FD_ECONFLICT or FD_EDB.
 */
#include "store.h"

#include <stdint.h>

/* Records a platform's update/event id; FD_ECONFLICT when it was seen before. */
int store_social_seen(struct db *db, const char *platform, const char *event_id, int64_t now);

/* The customer of a handle; FD_ENOTFOUND if none yet. */
int store_social_handle_user(struct db *db, const char *platform, const char *handle_id,
                             int64_t *user_id);
int store_social_handle_insert(struct db *db, const char *platform, const char *handle_id,
                               const char *handle, int64_t user_id, int64_t now);

struct social_thread_rec {
    int64_t ticket_id;
    char platform[16];
    char handle_id[64];
    char kind[16];
    char target[128];
    char reply_to[64];
};
/* The newest ticket of this handle that is not closed; FD_ENOTFOUND if none. */
int store_social_thread_open(struct db *db, const char *platform, const char *handle_id,
                             struct social_thread_rec *out);
int store_social_thread_get(struct db *db, int64_t ticket_id, struct social_thread_rec *out);
/* Inserts or replaces the thread of r->ticket_id. */
int store_social_thread_put(struct db *db, const struct social_thread_rec *r, int64_t now);

struct social_out_rec {
    int64_t id;
    char kind[16];
    char target[128];
    char reply_to[64];
    char *body; /* owned by the lister's buffer: valid during the callback */
    int64_t ticket_id;
    char status[12];
    int attempts;
    int64_t next_attempt_at;
};
int store_social_out_insert(struct db *db, const char *kind, const char *target,
                            const char *reply_to, const char *body, int64_t ticket_id, int64_t now);
/* Due queued sends (next_attempt_at <= now), oldest first. */
int store_social_out_due(struct db *db, int64_t now, int limit,
                         int (*cb)(void *, const struct social_out_rec *), void *ctx);
int store_social_out_attempt(struct db *db, int64_t id, const char *status, int attempts,
                             int64_t next_attempt_at, const char *error, int64_t now);

#endif
