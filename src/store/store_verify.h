#ifndef FD_STORE_STORE_VERIFY_H
#define FD_STORE_STORE_VERIFY_H
/*
 * Queries for protection from fake support (015_antiphishing.sql): customers'
 * anti-phishing codes, the registry of official contacts, and the agents' code secret.
 * Each returns 0, FD_ENOTFOUND, FD_ECONFLICT or FD_EDB and runs inside the caller's
 * transaction; callers write the event row in the same transaction.
 */
#include <stddef.h>
#include <stdint.h>

struct db;

#define VERIFY_VALUE_MAX 253
#define VERIFY_NOTE_MAX 200

struct verify_entry_rec {
    int64_t id;
    char kind[16];
    char value[VERIFY_VALUE_MAX * 4 + 1]; /* UTF-8 */
    char note[VERIFY_NOTE_MAX * 4 + 1];
    int64_t created_by;
    int64_t created_at;
};

/* The code of the customer with this user id / e-mail address (code >= 21 bytes). */
int store_antiphish_get(struct db *db, int64_t user_id, char *code, size_t n);
int store_antiphish_by_email(struct db *db, const char *email, char *code, size_t n);
/* Sets (or, with code NULL, removes) a customer's code. */
int store_antiphish_put(struct db *db, int64_t user_id, const char *code, int64_t set_by,
                        int64_t now);

/* Adds an entry (sets e->id); FD_ECONFLICT when kind+value exists. */
int store_verify_entry_insert(struct db *db, struct verify_entry_rec *e);
int store_verify_entry_delete(struct db *db, int64_t id, struct verify_entry_rec *old);
/* Every entry (kind NULL) or those of one kind, oldest first. */
int store_verify_entry_list(struct db *db, const char *kind,
                            int (*cb)(void *ctx, const struct verify_entry_rec *e), void *ctx);

/* The agents' code key, created (random) on first use: hex of 32 bytes into out (>= 65). */
int store_verify_secret(struct db *db, char *out, size_t n);

#endif
