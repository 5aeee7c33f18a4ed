/* Account security: TOTP, recovery codes, sign-in challenges, settings, session
 * metadata and the audit view (migration 014). */
#include "store_security.h"

#include "../core/err.h"
#include "store.h"
#include "store_int.h"

#include <string.h>

/* ---- TOTP ------------------------------------------------------------------ */

int store_totp_put(struct db *db, int64_t user_id, const char *secret_hex, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM totp_secrets WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db,
                   "INSERT INTO totp_secrets (user_id, secret, confirmed, last_counter, "
                   "created_at) VALUES (?, ?, 0, -1, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, secret_hex);
    db_bind_int64(st, 3, now);
    return store__step_done(st);
}

int store_totp_get(struct db *db, int64_t user_id, struct totp_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT user_id, secret, confirmed, last_counter FROM totp_secrets "
                   "WHERE user_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->user_id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->secret_hex);
        out->confirmed = (int)db_col_int64(st, 2);
        out->last_counter = db_col_int64(st, 3);
    }
    return store__finish_row(st, rc);
}

int store_totp_confirm(struct db *db, int64_t user_id, int64_t counter)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE totp_secrets SET confirmed = 1, last_counter = ? "
                   "WHERE user_id = ? AND confirmed = 0",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, counter);
    db_bind_int64(st, 2, user_id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) != 1)
        rc = FD_ECONFLICT;
    return rc;
}

int store_totp_accept(struct db *db, int64_t user_id, int64_t counter)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE totp_secrets SET last_counter = ? "
                   "WHERE user_id = ? AND confirmed = 1 AND last_counter < ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, counter);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, counter);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) != 1)
        rc = FD_ECONFLICT;
    return rc;
}

int store_totp_delete(struct db *db, int64_t user_id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM totp_secrets WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db, "DELETE FROM totp_recovery_codes WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    return store__step_done(st);
}

int store_recovery_code_add(struct db *db, int64_t user_id, const char *code_hash)
{
    struct db_stmt *st;
    if (db_prepare(db, "INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES (?, ?)", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, code_hash);
    return store__step_done(st);
}

int store_recovery_code_use(struct db *db, int64_t user_id, const char *code_hash, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE totp_recovery_codes SET used_at = ? WHERE id = (SELECT id FROM "
                   "totp_recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NULL "
                   "LIMIT 1)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, code_hash);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) != 1)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_recovery_code_unused(struct db *db, int64_t user_id, int64_t *count)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = ? AND used_at IS NULL",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1)
        *count = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

/* ---- challenges -------------------------------------------------------------- */

int store_challenge_insert(struct db *db, const char *token_hash, int64_t user_id, int64_t now,
                           int64_t expires)
{
    struct db_stmt *st;
    /* Old challenges of anyone are swept here, so the table stays small. */
    if (db_prepare(db, "DELETE FROM login_challenges WHERE expires_at <= ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db,
                   "INSERT INTO login_challenges (token_hash, user_id, attempts, created_at, "
                   "expires_at) VALUES (?, ?, 0, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, expires);
    return store__step_done(st);
}

int store_challenge_get(struct db *db, const char *token_hash, int64_t now, int64_t *user_id,
                        int64_t *attempts)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT user_id, attempts FROM login_challenges WHERE token_hash = ? AND "
                   "expires_at > ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    db_bind_int64(st, 2, now);
    int rc = db_step(st);
    if (rc == 1) {
        *user_id = db_col_int64(st, 0);
        *attempts = db_col_int64(st, 1);
    }
    return store__finish_row(st, rc);
}

int store_challenge_attempt(struct db *db, const char *token_hash)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    return store__step_done(st);
}

int store_challenge_delete(struct db *db, const char *token_hash)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM login_challenges WHERE token_hash = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    return store__step_done(st);
}

/* ---- settings and failures ---------------------------------------------------- */

int store_security_setting_get(struct db *db, const char *name, char *out, size_t n,
                               const char *def)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT value FROM security_settings WHERE name = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    int rc = db_step(st);
    if (rc == 1)
        store__copy_col(st, 0, out, n);
    else if (rc == 0)
        snprintf(out, n, "%s", def);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_security_setting_put(struct db *db, const char *name, const char *value)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM security_settings WHERE name = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    int rc = store__step_done(st);
    if (rc)
        return rc;
    if (db_prepare(db, "INSERT INTO security_settings (name, value) VALUES (?, ?)", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, value);
    return store__step_done(st);
}

int store_login_failure_add_ip(struct db *db, const char *email, const char *ip, int64_t at)
{
    struct db_stmt *st;
    if (db_prepare(db, "INSERT INTO login_failures (email, ip, at) VALUES (?, ?, ?)", &st))
        return FD_EDB;
    db_bind_text(st, 1, email);
    store__bind_opt(st, 2, ip);
    db_bind_int64(st, 3, at);
    return store__step_done(st);
}

int store_login_failure_count_ip(struct db *db, const char *ip, int64_t since, int64_t *count)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at >= ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, ip);
    db_bind_int64(st, 2, since);
    int rc = db_step(st);
    if (rc == 1)
        *count = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

/* ---- sessions ------------------------------------------------------------------ */

#define SESSION_COLS                                                                               \
    "id, user_id, token_hash, ip, user_agent, created_at, COALESCE(last_seen_at, created_at), "    \
    "expires_at FROM sessions "

static void read_session(struct db_stmt *st, struct session_rec *s)
{
    memset(s, 0, sizeof(*s));
    s->id = db_col_int64(st, 0);
    s->user_id = db_col_int64(st, 1);
    STORE_COPY(st, 2, s->token_hash);
    STORE_COPY(st, 3, s->ip);
    STORE_COPY(st, 4, s->user_agent);
    s->created_at = db_col_int64(st, 5);
    s->last_seen_at = db_col_int64(st, 6);
    s->expires_at = db_col_int64(st, 7);
}

int store_session_set_meta(struct db *db, const char *token_hash, const char *ip,
                           const char *user_agent, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE sessions SET ip = ?, user_agent = ?, last_seen_at = ? "
                   "WHERE token_hash = ?",
                   &st))
        return FD_EDB;
    store__bind_opt(st, 1, ip);
    store__bind_opt(st, 2, user_agent);
    db_bind_int64(st, 3, now);
    db_bind_text(st, 4, token_hash);
    return store__step_done(st);
}

int store_session_by_hash(struct db *db, const char *token_hash, struct session_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " SESSION_COLS "WHERE token_hash = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, token_hash);
    int rc = db_step(st);
    if (rc == 1)
        read_session(st, out);
    return store__finish_row(st, rc);
}

int store_session_touch(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, id);
    return store__step_done(st);
}

int store_session_list_user(struct db *db, int64_t user_id, int64_t now,
                            int (*cb)(void *, const struct session_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SESSION_COLS "WHERE user_id = ? AND expires_at > ? "
                   "ORDER BY COALESCE(last_seen_at, created_at) DESC, id DESC",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, now);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct session_rec s;
        read_session(st, &s);
        if ((rc = cb(ctx, &s)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_session_delete_id(struct db *db, int64_t user_id, int64_t id)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM sessions WHERE user_id = ? AND id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) != 1)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_session_delete_others(struct db *db, int64_t user_id, int64_t keep_id, int64_t *n)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, keep_id);
    int rc = store__step_done(st);
    if (rc == 0 && n)
        *n = db_changes(db);
    return rc;
}

/* ---- audit ----------------------------------------------------------------------- */

int store_audit_list(struct db *db, const struct audit_filter *f,
                     int (*cb)(void *, const struct event_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " STORE_EVENT_COLS "WHERE e.ticket_id IS NULL "
                   "AND (? = 0 OR e.actor_id = ?) AND (? IS NULL OR e.type = ?) "
                   "AND e.created_at >= ? AND (? = 0 OR e.created_at < ?) "
                   "AND (? = 0 OR e.id < ?) "
                   /* Conversation and subscriber traffic is not administration: it is
                    * left out unless asked for by type. */
                   "AND (? IS NOT NULL OR e.type NOT IN ('chat_message', 'chat_agent_status', "
                   "'secret_removed', 'status.subscription_requested', "
                   "'status.subscription_confirmed', 'status.unsubscribed', "
                   "'status.chat_linked')) "
                   "ORDER BY e.id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, f->actor_id);
    db_bind_int64(st, 2, f->actor_id);
    db_bind_text(st, 3, f->type);
    db_bind_text(st, 4, f->type);
    db_bind_int64(st, 5, f->since);
    db_bind_int64(st, 6, f->until);
    db_bind_int64(st, 7, f->until);
    db_bind_int64(st, 8, f->before_id);
    db_bind_int64(st, 9, f->before_id);
    db_bind_text(st, 10, f->type);
    db_bind_int64(st, 11, f->limit);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct event_rec e;
        store__read_event(st, &e);
        if ((rc = cb(ctx, &e)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}
