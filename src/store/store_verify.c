/* Anti-phishing codes, the registry of official contacts and the agents' code secret. */
#include "store_verify.h"

#include "store_int.h"

#include <sodium.h>
#include <stdio.h>

int store_antiphish_get(struct db *db, int64_t user_id, char *code, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT code FROM antiphish_codes WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1)
        store__copy_col(st, 0, code, n);
    return store__finish_row(st, rc);
}

int store_antiphish_by_email(struct db *db, const char *email, char *code, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT a.code FROM antiphish_codes a JOIN users u ON u.id = a.user_id "
                   "WHERE u.email = ? AND u.role = 'customer'",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    int rc = db_step(st);
    if (rc == 1)
        store__copy_col(st, 0, code, n);
    return store__finish_row(st, rc);
}

int store_antiphish_put(struct db *db, int64_t user_id, const char *code, int64_t set_by,
                        int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM antiphish_codes WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = store__step_done(st);
    if (rc || !code)
        return rc;
    if (db_prepare(db,
                   "INSERT INTO antiphish_codes (user_id, code, set_by, updated_at) "
                   "VALUES (?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, code);
    if (set_by)
        db_bind_int64(st, 3, set_by);
    else
        db_bind_null(st, 3);
    db_bind_int64(st, 4, now);
    return store__step_done(st);
}

int store_verify_entry_insert(struct db *db, struct verify_entry_rec *e)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO verify_entries (kind, value, note, created_by, created_at) "
                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, e->kind);
    db_bind_text(st, 2, e->value);
    db_bind_text(st, 3, e->note);
    if (e->created_by)
        db_bind_int64(st, 4, e->created_by);
    else
        db_bind_null(st, 4);
    db_bind_int64(st, 5, e->created_at);
    return store__step_id(st, &e->id);
}

static void read_entry(struct db_stmt *st, struct verify_entry_rec *e)
{
    e->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, e->kind);
    STORE_COPY(st, 2, e->value);
    STORE_COPY(st, 3, e->note);
    e->created_by = db_col_int64(st, 4);
    e->created_at = db_col_int64(st, 5);
}

int store_verify_entry_delete(struct db *db, int64_t id, struct verify_entry_rec *old)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, kind, value, note, created_by, created_at FROM verify_entries "
                   "WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_entry(st, old);
    if ((rc = store__finish_row(st, rc)))
        return rc;
    if (db_prepare(db, "DELETE FROM verify_entries WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    return store__step_done(st);
}

int store_verify_entry_list(struct db *db, const char *kind,
                            int (*cb)(void *ctx, const struct verify_entry_rec *e), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, kind, value, note, created_by, created_at FROM verify_entries "
                   "WHERE ? IS NULL OR kind = ? ORDER BY id",
                   &st))
        return FD_EDB;
    store__bind_opt(st, 1, kind);
    store__bind_opt(st, 2, kind);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct verify_entry_rec e;
        read_entry(st, &e);
        int stop = cb(ctx, &e);
        if (stop) {
            rc = stop;
            break;
        }
    }
    db_finalize(st);
    return rc;
}

int store_verify_secret(struct db *db, char *out, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT key_hex FROM verify_secret WHERE id = 1", &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1) {
        store__copy_col(st, 0, out, n);
        db_finalize(st);
        return 0;
    }
    db_finalize(st);
    if (rc < 0)
        return rc;
    unsigned char key[32];
    char hex[65];
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
    if (db_prepare(db, "INSERT INTO verify_secret (id, key_hex) VALUES (1, ?)", &st))
        return FD_EDB;
    db_bind_text(st, 1, hex);
    rc = store__step_done(st);
    sodium_memzero(key, sizeof(key));
    if (rc == FD_ECONFLICT) {
        /* another connection created it first: use that one */
        if (db_prepare(db, "SELECT key_hex FROM verify_secret WHERE id = 1", &st))
            return FD_EDB;
        rc = db_step(st);
        if (rc == 1)
            store__copy_col(st, 0, out, n);
        return store__finish_row(st, rc);
    }
    if (rc)
        return rc;
    snprintf(out, n, "%s", hex);
    sodium_memzero(hex, sizeof(hex));
    return 0;
}
