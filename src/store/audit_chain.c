/*
 * The hash chain over the record tables: the canonical encoding of a row, its BLAKE2b
 * hash, and the verifier that walks a chain and names the first row that does not fit.
 * See audit_chain.h and docs/audit.md.
 */
#include "audit_chain.h"

#include "../core/err.h"
#include "store.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const store_audit_tables[] = {"events", "complaint_events"};
const size_t store_audit_table_count = sizeof(store_audit_tables) / sizeof(store_audit_tables[0]);

/* Domain separation: a version tag, so that a future encoding cannot collide with this one. */
static const char ENCODING_TAG[] = "frontdesk-audit-chain-v1";

static void put_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    crypto_generichash_update(h, b, sizeof(b));
}

/* An optional integer: a presence byte, then 8 big-endian bytes (zero when absent). */
static void put_opt_int(crypto_generichash_state *h, int present, int64_t v)
{
    unsigned char p = present ? 1 : 0;
    crypto_generichash_update(h, &p, 1);
    put_u64(h, present ? (uint64_t)v : 0);
}

/* Optional text: a presence byte, the byte length (8 bytes big-endian), the bytes. The
 * length prefix keeps field boundaries unambiguous. */
static void put_opt_text(crypto_generichash_state *h, const char *s)
{
    unsigned char p = s ? 1 : 0;
    crypto_generichash_update(h, &p, 1);
    size_t n = s ? strlen(s) : 0;
    put_u64(h, (uint64_t)n);
    if (n)
        crypto_generichash_update(h, (const unsigned char *)s, n);
}

int store_audit_hash(const char *table, const char *prev_hex, int64_t id, int has_ref, int64_t ref,
                     int has_actor, int64_t actor, const char *type, const char *data,
                     int64_t created_at, char *out)
{
    unsigned char prev[AUDIT_HASH_BYTES] = {0};
    if (prev_hex) {
        size_t got = 0;
        const char *end = NULL;
        if (strlen(prev_hex) != AUDIT_HEX_LEN ||
            sodium_hex2bin(prev, sizeof(prev), prev_hex, AUDIT_HEX_LEN, NULL, &got, &end) != 0 ||
            got != sizeof(prev))
            return FD_EINVAL;
    }
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, AUDIT_HASH_BYTES);
    put_opt_text(&h, ENCODING_TAG);
    put_opt_text(&h, table);
    crypto_generichash_update(&h, prev, sizeof(prev));
    put_u64(&h, (uint64_t)id);
    put_opt_int(&h, has_ref, ref);
    put_opt_int(&h, has_actor, actor);
    put_opt_text(&h, type);
    put_opt_text(&h, data);
    put_u64(&h, (uint64_t)created_at);
    unsigned char digest[AUDIT_HASH_BYTES];
    crypto_generichash_final(&h, digest, sizeof(digest));
    sodium_bin2hex(out, AUDIT_HEX_LEN + 1, digest, sizeof(digest));
    return 0;
}

/* SQL per table: the same columns in the same order (ref = ticket_id / complaint_id). */
struct chain_sql {
    const char *table;
    const char *walk;
    const char *head;
};

static const struct chain_sql chains[] = {
    {"events",
     "SELECT id, ticket_id, actor_id, type, data, created_at, prev_hash, hash FROM events "
     "ORDER BY id",
     "SELECT count(*), coalesce(max(id), 0), "
     "(SELECT hash FROM events ORDER BY id DESC LIMIT 1) FROM events"},
    {"complaint_events",
     "SELECT id, complaint_id, actor_id, type, data, created_at, prev_hash, hash "
     "FROM complaint_events ORDER BY id",
     "SELECT count(*), coalesce(max(id), 0), "
     "(SELECT hash FROM complaint_events ORDER BY id DESC LIMIT 1) FROM complaint_events"},
};

static const struct chain_sql *chain_for(const char *table)
{
    for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++)
        if (strcmp(chains[i].table, table) == 0)
            return &chains[i];
    return NULL;
}

int store_audit_head(struct db *db, const char *table, struct audit_head *out)
{
    const struct chain_sql *c = chain_for(table);
    if (!c)
        return FD_EINVAL;
    struct db_stmt *st;
    if (db_prepare(db, c->head, &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->rows = db_col_int64(st, 0);
        out->id = db_col_int64(st, 1);
        const char *h = db_col_text(st, 2);
        if (h)
            snprintf(out->hash, sizeof(out->hash), "%s", h);
        rc = 0;
    } else if (rc == 0) {
        rc = FD_EDB;
    }
    db_finalize(st);
    return rc;
}

static int same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static void fail(struct audit_result *r, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct audit_result *r, int64_t id, const char *fmt, ...)
{
    r->ok = 0;
    r->bad_id = id;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

int store_audit_verify(struct db *db, const char *table, const struct audit_head *anchor,
                       struct audit_result *out)
{
    const struct chain_sql *c = chain_for(table);
    if (!c)
        return FD_EINVAL;
    struct audit_result r;
    memset(&r, 0, sizeof(r));
    r.ok = 1;
    struct db_stmt *st;
    if (db_prepare(db, c->walk, &st))
        return FD_EDB;
    int64_t prev_id = 0;
    char prev_hash[AUDIT_HEX_LEN + 1] = "";
    int have_prev = 0, anchor_seen = 0, rc;
    while ((rc = db_step(st)) == 1) {
        int64_t id = db_col_int64(st, 0);
        const char *row_prev = db_col_text(st, 6);
        const char *row_hash = db_col_text(st, 7);
        char want[AUDIT_HEX_LEN + 1];
        if (!row_hash) {
            fail(&r, id, "row %lld has no chain hash: it was written outside frontdesk (inserted)",
                 (long long)id);
            break;
        }
        if (store_audit_hash(table, row_prev, id, !db_col_is_null(st, 1), db_col_int64(st, 1),
                             !db_col_is_null(st, 2), db_col_int64(st, 2), db_col_text(st, 3),
                             db_col_text(st, 4), db_col_int64(st, 5), want) != 0 ||
            strcmp(want, row_hash) != 0) {
            fail(&r, id,
                 "row %lld was altered: its content does not match its hash (or it was "
                 "forged)",
                 (long long)id);
            break;
        }
        if (!same(row_prev, have_prev ? prev_hash : NULL)) {
            if (id > prev_id + 1)
                fail(&r, prev_id + 1,
                     "row %lld was deleted: row %lld no longer follows the row it was chained to",
                     (long long)(prev_id + 1), (long long)id);
            else
                fail(&r, id,
                     "row %lld was inserted, or row %lld before it was rewritten with a new hash",
                     (long long)id, (long long)prev_id);
            break;
        }
        if (have_prev && id != prev_id + 1) {
            /* Linked correctly yet ids skip: ids are never reused or skipped by the store. */
            fail(&r, id, "row %lld was inserted: ids jump from %lld", (long long)id,
                 (long long)prev_id);
            break;
        }
        if (anchor && id == anchor->id) {
            anchor_seen = 1;
            if (strcmp(row_hash, anchor->hash) != 0) {
                fail(&r, id,
                     "row %lld does not match the anchored head: the chain was rewritten up to "
                     "it",
                     (long long)id);
                break;
            }
        }
        prev_id = id;
        snprintf(prev_hash, sizeof(prev_hash), "%s", row_hash);
        have_prev = 1;
        r.head.rows++;
    }
    db_finalize(st);
    if (rc < 0)
        return FD_EDB;
    if (r.ok && anchor && anchor->id > 0 && !anchor_seen)
        fail(&r, prev_id + 1,
             "row %lld was deleted: the chain ends at row %lld, before the anchored head",
             (long long)(prev_id + 1), (long long)prev_id);
    r.head.id = prev_id;
    snprintf(r.head.hash, sizeof(r.head.hash), "%s", prev_hash);
    *out = r;
    return 0;
}
