#ifndef FD_STORE_STORE_SECURITY_H
#define FD_STORE_STORE_SECURITY_H
/*
 * Account security (migration 014): TOTP secrets and recovery codes, sign-in
 * challenges, desk-wide security settings, per-address sign-in failures, session
 * metadata and the audit view over the event log. Every function runs inside whatever
 * transaction the caller opened on db and returns 0, FD_ENOTFOUND, FD_ECONFLICT or
 * FD_EDB.
 */
#include "records.h"

#include <stddef.h>
#include <stdint.h>

struct db;

struct totp_rec {
    int64_t user_id;
    char secret_hex[129]; /* raw key as hex */
    int confirmed;
    int64_t last_counter; /* -1: no code accepted yet */
};

/* Replaces the user's secret with an unconfirmed one. */
int store_totp_put(struct db *db, int64_t user_id, const char *secret_hex, int64_t now);
int store_totp_get(struct db *db, int64_t user_id, struct totp_rec *out);
int store_totp_confirm(struct db *db, int64_t user_id, int64_t counter);
/* Sets last_counter only when counter is higher (FD_ECONFLICT otherwise: a replay). */
int store_totp_accept(struct db *db, int64_t user_id, int64_t counter);
/* Removes the secret and every recovery code. */
int store_totp_delete(struct db *db, int64_t user_id);

int store_recovery_code_add(struct db *db, int64_t user_id, const char *code_hash);
/* Marks an unused code used. FD_ENOTFOUND when there is none with that hash. */
int store_recovery_code_use(struct db *db, int64_t user_id, const char *code_hash, int64_t now);
int store_recovery_code_unused(struct db *db, int64_t user_id, int64_t *count);

int store_challenge_insert(struct db *db, const char *token_hash, int64_t user_id, int64_t now,
                           int64_t expires);
/* A live challenge: *user_id and *attempts. */
int store_challenge_get(struct db *db, const char *token_hash, int64_t now, int64_t *user_id,
                        int64_t *attempts);
int store_challenge_attempt(struct db *db, const char *token_hash);
int store_challenge_delete(struct db *db, const char *token_hash);

/* Settings: *out gets the value or def when unset. */
int store_security_setting_get(struct db *db, const char *name, char *out, size_t n,
                               const char *def);
int store_security_setting_put(struct db *db, const char *name, const char *value);

int store_login_failure_add_ip(struct db *db, const char *email, const char *ip, int64_t at);
int store_login_failure_count_ip(struct db *db, const char *ip, int64_t since, int64_t *count);

/* ---- sessions ---- */
struct session_rec {
    int64_t id;
    int64_t user_id;
    char token_hash[65];
    char ip[64];
    char user_agent[256];
    int64_t created_at;
    int64_t last_seen_at;
    int64_t expires_at;
};
int store_session_set_meta(struct db *db, const char *token_hash, const char *ip,
                           const char *user_agent, int64_t now);
int store_session_by_hash(struct db *db, const char *token_hash, struct session_rec *out);
int store_session_touch(struct db *db, int64_t id, int64_t now);
int store_session_list_user(struct db *db, int64_t user_id, int64_t now,
                            int (*cb)(void *, const struct session_rec *), void *ctx);
int store_session_delete_id(struct db *db, int64_t user_id, int64_t id);
/* Deletes every session of the user except keep_id; *n gets how many went. */
int store_session_delete_others(struct db *db, int64_t user_id, int64_t keep_id, int64_t *n);

/* ---- audit ---- */
struct audit_filter {
    int64_t actor_id;  /* 0 = any */
    const char *type;  /* NULL = any */
    int64_t since;     /* created_at >= since (0 = any) */
    int64_t until;     /* created_at < until (0 = any) */
    int64_t before_id; /* paging: id < before_id (0 = from the newest) */
    int limit;
};
/* Events without a ticket (configuration, accounts, sessions), newest first. */
int store_audit_list(struct db *db, const struct audit_filter *f,
                     int (*cb)(void *, const struct event_rec *), void *ctx);

#endif
