/* Users, departments, sessions, API tokens and login failures. */
#include "store.h"

#include "../core/err.h"
#include "store_int.h"

#include <string.h>

int store_department_by_slug(struct db *db, const char *slug, struct department_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT id, slug, name FROM departments WHERE slug = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, slug);
    int rc = db_step(st);
    if (rc == 1) {
        out->id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->slug);
        STORE_COPY(st, 2, out->name);
    }
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_department_list(struct db *db, store_dept_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT id, slug, name FROM departments ORDER BY id", &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct department_rec d;
        d.id = db_col_int64(st, 0);
        STORE_COPY(st, 1, d.slug);
        STORE_COPY(st, 2, d.name);
        if ((rc = cb(ctx, &d)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

#define USER_COLS                                                                                  \
    "u.id, u.email, u.name, u.role, u.department_id, d.slug, u.tier, u.disabled, u.created_at, "   \
    "u.kb_editor "
#define USER_FROM "FROM users u LEFT JOIN departments d ON d.id = u.department_id "

static void read_user(struct db_stmt *st, int c, struct user_rec *u)
{
    memset(u, 0, sizeof(*u));
    u->id = db_col_int64(st, c + 0);
    STORE_COPY(st, c + 1, u->email);
    STORE_COPY(st, c + 2, u->name);
    const char *role = db_col_text(st, c + 3);
    if (!role || fd_role_parse(role, &u->role))
        u->role = ROLE_CUSTOMER;
    u->department_id = db_col_int64(st, c + 4);
    STORE_COPY(st, c + 5, u->department);
    u->tier = (int)db_col_int64(st, c + 6);
    u->disabled = (int)db_col_int64(st, c + 7);
    u->created_at = db_col_int64(st, c + 8);
    u->kb_editor = (int)db_col_int64(st, c + 9);
}

int store_user_insert(struct db *db, const struct user_rec *u, const char *pwhash, int64_t *id)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO users (email, name, role, department_id, tier, password_hash, "
                   "disabled, created_at, kb_editor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, u->email);
    db_bind_text(st, 2, u->name);
    db_bind_text(st, 3, fd_role_name(u->role));
    if (u->department_id)
        db_bind_int64(st, 4, u->department_id);
    else
        db_bind_null(st, 4);
    if (u->tier)
        db_bind_int64(st, 5, u->tier);
    else
        db_bind_null(st, 5);
    db_bind_text(st, 6, pwhash);
    db_bind_int64(st, 7, u->disabled);
    db_bind_int64(st, 8, u->created_at);
    db_bind_int64(st, 9, u->kb_editor);
    return store__step_id(st, id);
}

int store_user_get(struct db *db, int64_t id, struct user_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " USER_COLS USER_FROM "WHERE u.id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_user(st, 0, out);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_user_by_email(struct db *db, const char *email, struct user_rec *out, char *pwhash,
                        size_t pwhash_len)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " USER_COLS ", u.password_hash " USER_FROM "WHERE u.email = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    int rc = db_step(st);
    if (rc == 1) {
        read_user(st, 0, out);
        if (pwhash)
            store__copy_col(st, 10, pwhash, pwhash_len);
    }
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

static int exec_id_text(struct db *db, const char *sql, int64_t id, const char *text, int64_t v)
{
    struct db_stmt *st;
    if (db_prepare(db, sql, &st))
        return FD_EDB;
    if (text)
        db_bind_text(st, 1, text);
    else
        db_bind_int64(st, 1, v);
    db_bind_int64(st, 2, id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) > 0 ? 0 : FD_ENOTFOUND;
}

int store_user_set_disabled(struct db *db, int64_t id, int disabled)
{
    return exec_id_text(db, "UPDATE users SET disabled = ? WHERE id = ?", id, NULL, disabled);
}

int store_user_set_kb_editor(struct db *db, int64_t id, int on)
{
    return exec_id_text(db, "UPDATE users SET kb_editor = ? WHERE id = ?", id, NULL, on);
}

int store_user_set_password(struct db *db, int64_t id, const char *pwhash)
{
    return exec_id_text(db, "UPDATE users SET password_hash = ? WHERE id = ?", id, pwhash, 0);
}

int store_user_list(struct db *db, int staff_only, store_user_cb cb, void *ctx)
{
    struct db_stmt *st;
    const char *sql = staff_only ? "SELECT " USER_COLS USER_FROM
                                   "WHERE u.role <> 'customer' ORDER BY u.id"
                                 : "SELECT " USER_COLS USER_FROM "ORDER BY u.id";
    if (db_prepare(db, sql, &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct user_rec u;
        read_user(st, 0, &u);
        if ((rc = cb(ctx, &u)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_session_insert(struct db *db, const char *token_hash, const char *csrf, int64_t user_id,
                         int64_t now, int64_t expires)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO sessions (token_hash, csrf_token, user_id, created_at, expires_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    db_bind_text(st, 2, csrf);
    db_bind_int64(st, 3, user_id);
    db_bind_int64(st, 4, now);
    db_bind_int64(st, 5, expires);
    return store__step_done(st);
}

int store_session_lookup(struct db *db, const char *token_hash, int64_t now, struct user_rec *user,
                         char *csrf, size_t csrf_len)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " USER_COLS ", s.csrf_token FROM sessions s "
                   "JOIN users u ON u.id = s.user_id "
                   "LEFT JOIN departments d ON d.id = u.department_id "
                   "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    db_bind_int64(st, 2, now);
    int rc = db_step(st);
    if (rc == 1) {
        read_user(st, 0, user);
        store__copy_col(st, 10, csrf, csrf_len);
    }
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_session_delete(struct db *db, const char *token_hash)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    return store__step_done(st);
}

int store_session_delete_user(struct db *db, int64_t user_id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM sessions WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    return store__step_done(st);
}

int store_token_insert(struct db *db, const char *token_hash, int64_t user_id, const char *name,
                       const char *scopes, int64_t now, int64_t *id)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO api_tokens (token_hash, user_id, name, scopes, created_at) "
                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    db_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, name);
    db_bind_text(st, 4, scopes);
    db_bind_int64(st, 5, now);
    return store__step_id(st, id);
}

int store_token_lookup(struct db *db, const char *token_hash, struct user_rec *user, char *scopes,
                       size_t scopes_len)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " USER_COLS ", t.scopes FROM api_tokens t "
                   "JOIN users u ON u.id = t.user_id "
                   "LEFT JOIN departments d ON d.id = u.department_id "
                   "WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    int rc = db_step(st);
    if (rc == 1) {
        read_user(st, 0, user);
        store__copy_col(st, 10, scopes, scopes_len);
    }
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_login_failure_add(struct db *db, const char *email, int64_t at)
{
    struct db_stmt *st;
    if (db_prepare(db, "INSERT INTO login_failures (email, at) VALUES (?, ?)", &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    db_bind_int64(st, 2, at);
    return store__step_done(st);
}

int store_login_failure_count(struct db *db, const char *email, int64_t since, int64_t *count)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT count(*) FROM login_failures WHERE email = ? AND at > ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    db_bind_int64(st, 2, since);
    int rc = db_step(st);
    *count = rc == 1 ? db_col_int64(st, 0) : 0;
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_login_failure_clear(struct db *db, const char *email)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM login_failures WHERE email = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    return store__step_done(st);
}
