#ifndef FD_STORE_AUDIT_CHAIN_H
#define FD_STORE_AUDIT_CHAIN_H
/*
 * The tamper-evident record (migration 017, docs/audit.md): each row of the chained
 * tables (events, complaint_events) carries
 *     hash = BLAKE2b-256(prev_hash || canonical encoding of the row's fields)
 * where prev_hash is the hash of the row before it in the same table. Rows get their
 * hashes from an AFTER INSERT trigger calling fd_chain_hash(), an SQL function that the
 * backend registers on every connection; so every writer is covered without touching
 * its call site. This file holds the hash itself (backend-neutral) and the verifier.
 *
 * Non-goals: it does not stop someone with write access to the database file from
 * rewriting the whole chain; that is caught only against a head anchored elsewhere
 * (store_audit_head, then store_audit_verify with the anchor).
 *
 * Threads: any; each call uses only the db it is given.
 */
#include <stddef.h>
#include <stdint.h>

struct db;

#define AUDIT_HASH_BYTES 32
#define AUDIT_HEX_LEN (2 * AUDIT_HASH_BYTES) /* without the NUL */
#define AUDIT_MSG_MAX 400

/* The chained tables, in the order verify walks them. */
extern const char *const store_audit_tables[];
extern const size_t store_audit_table_count;

/*
 * Computes the hash of one row into out (AUDIT_HEX_LEN + 1 bytes, lower-case hex).
 * table names the chain (domain separation); prev_hex is the previous row's hash, or
 * NULL for the first row; ref and actor may be absent (has_ref / has_actor 0); type and
 * data may be NULL (encoded as absent, distinct from ""). Returns 0, or FD_EINVAL when
 * prev_hex is not 64 hex digits.
 */
int store_audit_hash(const char *table, const char *prev_hex, int64_t id, int has_ref, int64_t ref,
                     int has_actor, int64_t actor, const char *type, const char *data,
                     int64_t created_at, char *out);

/* The head of one chained table: its newest row. rows = 0 and an empty hash when the
 * table is empty. */
struct audit_head {
    int64_t rows;
    int64_t id;
    char hash[AUDIT_HEX_LEN + 1];
};

/* What verify found. ok = 1: the chain is intact (head is its head). ok = 0: bad_id names
 * the first row found altered, inserted or (for a deletion) missing; message says which
 * and why, in one line. */
struct audit_result {
    int ok;
    int64_t bad_id;
    struct audit_head head;
    char message[AUDIT_MSG_MAX];
};

/* Reads the head of table (one of store_audit_tables). Returns 0, FD_EINVAL (unknown
 * table) or FD_EDB. */
int store_audit_head(struct db *db, const char *table, struct audit_head *out);

/*
 * Walks table's chain, oldest row first, recomputing every hash. anchor (may be NULL) is
 * a head recorded earlier (store_audit_head); when given, the chain must still contain
 * that row with that hash, which is what reveals a deleted tail. Returns 0 with *out
 * filled whether or not the chain is intact, FD_EINVAL (unknown table) or FD_EDB.
 * Runs inside whatever transaction the caller opened (a read transaction gives one
 * consistent snapshot).
 */
int store_audit_verify(struct db *db, const char *table, const struct audit_head *anchor,
                       struct audit_result *out);

#endif
