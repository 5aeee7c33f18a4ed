#include "auth.h"

#include "../store/store_security.h"
#include "auth_int.h"
#include "totp.h"

#include "../core/err.h"
#include "../core/timeutil.h"
#include "../store/store.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int auth_email_normalize(const char *in, char *out, size_t n, struct fd_error *err)
{
    size_t len = strlen(in);
    if (len < 3 || len > FD_EMAIL_MAX || len >= n)
        return fd_fail(err, FD_EINVAL, "email", "email must be 3 to %d characters", FD_EMAIL_MAX);
    const char *at = strchr(in, '@');
    if (!at || at == in || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
        in[len - 1] == '.')
        return fd_fail(err, FD_EINVAL, "email", "email is not a valid address");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',')
            return fd_fail(err, FD_EINVAL, "email", "email contains an invalid character");
        out[i] = (char)tolower(c);
    }
    out[len] = '\0';
    return 0;
}

int auth_password_hash(const char *pw, char *out, size_t n, struct fd_error *err)
{
    size_t len = strlen(pw);
    if (len < AUTH_PASSWORD_MIN)
        return fd_fail(err, FD_EINVAL, "password", "password must be at least %d characters",
                       AUTH_PASSWORD_MIN);
    if (len > AUTH_PASSWORD_MAX)
        return fd_fail(err, FD_EINVAL, "password", "password must be at most %d characters",
                       AUTH_PASSWORD_MAX);
    if (n < crypto_pwhash_STRBYTES)
        return FD_EINVAL;
    if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return fd_fail(err, FD_ENOMEM, NULL, "out of memory while hashing the password");
    return 0;
}

void auth__token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

void auth__random_hex(char out[AUTH_TOKEN_HEX + 1])
{
    unsigned char r[32];
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(out, AUTH_TOKEN_HEX + 1, r, sizeof(r));
    sodium_memzero(r, sizeof(r));
}

int auth_user_create(struct db *db, const char *email, const char *name, enum fd_role role,
                     const char *department, int tier, const char *password, struct user_rec *out,
                     struct fd_error *err)
{
    struct user_rec u;
    memset(&u, 0, sizeof(u));
    int rc = auth_email_normalize(email, u.email, sizeof(u.email), err);
    if (rc)
        return rc;
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > FD_NAME_MAX)
        return fd_fail(err, FD_EINVAL, "name", "name must be 1 to %d characters", FD_NAME_MAX);
    snprintf(u.name, sizeof(u.name), "%s", name);
    u.role = role;
    if (role == ROLE_CUSTOMER && ((department && *department) || tier))
        return fd_fail(err, FD_EINVAL, "role", "customers have no department or tier");
    if (role == ROLE_AGENT && (!department || !*department))
        return fd_fail(err, FD_EINVAL, "department", "an agent needs a department");
    if (tier < 0 || tier > 3)
        return fd_fail(err, FD_EINVAL, "tier", "tier must be 1, 2 or 3");
    if (role == ROLE_AGENT && !tier)
        tier = 1;
    u.tier = tier;
    char hash[crypto_pwhash_STRBYTES];
    rc = auth_password_hash(password, hash, sizeof(hash), err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    if (department && *department) {
        struct department_rec d;
        rc = store_department_by_slug(db, department, &d);
        if (rc) {
            db_rollback(db);
            return rc == FD_ENOTFOUND ? fd_fail(err, FD_EINVAL, "department",
                                                "unknown department \"%s\"", department)
                                      : rc;
        }
        u.department_id = d.id;
        snprintf(u.department, sizeof(u.department), "%s", d.slug);
    }
    u.created_at = fd_now_ms();
    rc = store_user_insert(db, &u, hash, &u.id);
    if (rc == 0) {
        char data[160];
        snprintf(data, sizeof(data), "{\"user_id\":%lld,\"role\":\"%s\"}", (long long)u.id,
                 fd_role_name(role));
        rc = store_event_insert(db, 0, u.id, "user_created", data, u.created_at);
    }
    if (rc == 0)
        rc = db_commit(db);
    if (rc) {
        db_rollback(db);
        return rc == FD_ECONFLICT
                   ? fd_fail(err, FD_ECONFLICT, "email", "an account with this email exists")
                   : rc;
    }
    if (out)
        *out = u;
    return 0;
}

int auth_session_start(struct db *db, const struct auth_limits *lim, const struct user_rec *u,
                       struct auth_actor *out, char *token_out)
{
    char hash[65];
    memset(out, 0, sizeof(*out));
    auth__random_hex(token_out);
    auth__random_hex(out->csrf);
    auth__token_hash(token_out, hash);
    int64_t now = fd_now_ms();
    int rc = store_session_insert(db, hash, out->csrf, u->id, now, now + lim->session_ttl_ms);
    if (rc)
        return rc;
    out->user = *u;
    out->scopes = SCOPE_ALL;
    return 0;
}

int auth_login(struct db *db, const struct auth_limits *lim, const char *email,
               const char *password, struct auth_actor *out, char *token_out, struct fd_error *err)
{
    return auth_login_ex(db, lim, email, password, NULL, out, token_out, NULL, err);
}

/* Records one failed sign-in (durably, also for unknown emails, so that probing for
 * accounts is limited as well) and answers the same for every reason. */
static int login_failed(struct db *db, const char *norm, const char *ip, int64_t now,
                        struct fd_error *err)
{
    int rc = store_login_failure_add_ip(db, norm, ip, now);
    if (rc == 0)
        rc = db_commit(db);
    if (rc == 0)
        rc = fd_fail(err, FD_EAUTH, NULL, "wrong email or password");
    return rc;
}

int auth_login_ex(struct db *db, const struct auth_limits *lim, const char *email,
                  const char *password, const char *ip, struct auth_actor *out, char *token_out,
                  int *need_code, struct fd_error *err)
{
    char norm[FD_EMAIL_MAX + 1];
    if (need_code)
        *need_code = 0;
    int64_t now = fd_now_ms();
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t failures = 0;
    if (ip && *ip && lim->login_ip_max_failures > 0) {
        rc = store_login_failure_count_ip(db, ip, now - lim->login_window_ms, &failures);
        if (rc)
            goto out;
        if (failures >= lim->login_ip_max_failures) {
            rc = fd_fail(err, FD_ERATE, NULL,
                         "too many failed sign-ins from this address; try again in %lld minutes",
                         (long long)(lim->login_window_ms / 60000));
            goto out;
        }
    }
    if (auth_email_normalize(email, norm, sizeof(norm), NULL)) {
        rc = login_failed(db, "", ip, now, err);
        goto out;
    }
    rc = store_login_failure_count(db, norm, now - lim->login_window_ms, &failures);
    if (rc)
        goto out;
    if (failures >= lim->login_max_failures) {
        rc = fd_fail(err, FD_ERATE, NULL, "too many failed sign-ins; try again in %lld minutes",
                     (long long)(lim->login_window_ms / 60000));
        goto out;
    }
    if (lim->lockout_failures > 0) {
        rc = store_login_failure_count(db, norm, now - lim->lockout_window_ms, &failures);
        if (rc)
            goto out;
        if (failures >= lim->lockout_failures) {
            rc = fd_fail(err, FD_EFORBIDDEN, "locked",
                         "sign-in is locked after too many failed attempts; ask an "
                         "administrator to unlock it");
            goto out;
        }
    }
    struct user_rec u;
    char hash[crypto_pwhash_STRBYTES];
    rc = store_user_by_email(db, norm, &u, hash, sizeof(hash));
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    int ok =
        rc == 0 && !u.disabled && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    if (!ok) {
        rc = login_failed(db, norm, ip, now, err);
        goto out;
    }
    struct totp_rec t;
    rc = auth_is_staff(&(struct auth_actor){.user = u}) ? store_totp_get(db, u.id, &t)
                                                        : FD_ENOTFOUND;
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    if (rc == 0 && t.confirmed) {
        /* The password is right; the session waits for the second factor. */
        if (!need_code) {
            rc = fd_fail(err, FD_EAUTH, NULL, "this account needs a two-factor code");
            goto out;
        }
        char hash2[65];
        auth__random_hex(token_out);
        auth__token_hash(token_out, hash2);
        rc = store_challenge_insert(db, hash2, u.id, now, now + lim->challenge_ttl_ms);
        if (rc == 0)
            rc = db_commit(db);
        if (rc == 0) {
            memset(out, 0, sizeof(*out));
            out->user = u;
            *need_code = 1;
        }
        goto out;
    }
    rc = store_login_failure_clear(db, norm);
    if (rc == 0)
        rc = auth_session_start(db, lim, &u, out, token_out);
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

int auth_password_change(struct db *db, const struct user_rec *u, const char *current,
                         const char *password, int64_t keep_session, int64_t *revoked,
                         struct fd_error *err)
{
    char hash[crypto_pwhash_STRBYTES], old[crypto_pwhash_STRBYTES];
    int rc = auth_password_hash(password, hash, sizeof(hash), err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct user_rec cur;
    rc = store_user_by_email(db, u->email, &cur, old, sizeof(old));
    if (rc == 0 && crypto_pwhash_str_verify(old, current, strlen(current)) != 0)
        rc = FD_EAUTH;
    if (rc == 0)
        rc = store_user_set_password(db, u->id, hash);
    if (rc == 0)
        rc = store_session_delete_others(db, u->id, keep_session, revoked);
    if (rc == 0)
        rc = store_event_insert(db, 0, u->id, "password_changed", "{}", fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int auth_user_unlock(struct db *db, const struct user_rec *admin, int64_t user_id)
{
    struct user_rec u;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = store_user_get(db, user_id, &u);
    if (rc == 0)
        rc = store_login_failure_clear(db, u.email);
    if (rc == 0) {
        char data[64];
        snprintf(data, sizeof(data), "{\"user_id\":%lld}", (long long)user_id);
        rc = store_event_insert(db, 0, admin->id, "account_unlocked", data, fd_now_ms());
    }
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int auth_session_resolve_ex(struct db *db, const struct auth_limits *lim, const char *token,
                            struct auth_actor *out)
{
    int rc = auth_session_resolve(db, token, out);
    if (rc)
        return rc;
    char hash[65];
    auth__token_hash(token, hash);
    struct session_rec s;
    rc = store_session_by_hash(db, hash, &s);
    if (rc == FD_ENOTFOUND)
        return FD_EAUTH;
    if (rc)
        return rc;
    out->session_id = s.id;
    int64_t now = fd_now_ms();
    if (lim->session_idle_ms > 0 && now - s.last_seen_at >= lim->session_idle_ms) {
        store_session_delete(db, hash);
        return FD_EAUTH;
    }
    /* Activity is written at most once a minute per session. */
    if (now - s.last_seen_at >= 60000)
        store_session_touch(db, s.id, now);
    if (auth_is_staff(out)) {
        int on = 0, enabled = 0;
        int64_t left = 0;
        rc = auth_2fa_enforced(db, &on);
        if (rc == 0 && on)
            rc = auth_totp_status(db, out->user.id, &enabled, &left);
        if (rc)
            return rc;
        out->must_enrol = on && !enabled;
    }
    return 0;
}

int auth_session_describe(struct db *db, const char *token, const char *ip, const char *ua)
{
    char hash[65], uab[256];
    auth__token_hash(token, hash);
    snprintf(uab, sizeof(uab), "%s", ua ? ua : "");
    return store_session_set_meta(db, hash, ip, uab, fd_now_ms());
}

int auth_session_resolve(struct db *db, const char *token, struct auth_actor *out)
{
    if (strlen(token) != AUTH_TOKEN_HEX)
        return FD_EAUTH;
    char hash[65];
    auth__token_hash(token, hash);
    memset(out, 0, sizeof(*out));
    int rc = store_session_lookup(db, hash, fd_now_ms(), &out->user, out->csrf, sizeof(out->csrf));
    if (rc == FD_ENOTFOUND)
        return FD_EAUTH;
    if (rc)
        return rc;
    out->scopes = SCOPE_ALL;
    return 0;
}

int auth_logout(struct db *db, const char *token)
{
    char hash[65];
    auth__token_hash(token, hash);
    return store_session_delete(db, hash);
}

unsigned auth_scope_parse(const char *s)
{
    if (strcmp(s, "tickets:read") == 0)
        return SCOPE_TICKETS_READ;
    if (strcmp(s, "tickets:write") == 0)
        return SCOPE_TICKETS_WRITE;
    if (strcmp(s, "users:read") == 0)
        return SCOPE_USERS_READ;
    if (strcmp(s, "mail:ingest") == 0)
        return SCOPE_MAIL_INGEST;
    if (strcmp(s, "customers:write") == 0)
        return SCOPE_CUSTOMERS_WRITE;
    return 0;
}

static void scopes_text(unsigned scopes, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s%s", (scopes & SCOPE_TICKETS_READ) ? "tickets:read " : "",
             (scopes & SCOPE_TICKETS_WRITE) ? "tickets:write " : "",
             (scopes & SCOPE_USERS_READ) ? "users:read " : "",
             (scopes & SCOPE_MAIL_INGEST) ? "mail:ingest " : "",
             (scopes & SCOPE_CUSTOMERS_WRITE) ? "customers:write " : "");
}

int auth_token_create(struct db *db, const struct auth_actor *actor, const char *name,
                      unsigned scopes, char *token_out, int64_t *id)
{
    if (!auth_is_staff(actor) || actor->via_token)
        return FD_EFORBIDDEN;
    char raw[AUTH_TOKEN_HEX + 1], hash[65], text[128];
    auth__random_hex(raw);
    snprintf(token_out, AUTH_TOKEN_HEX + 5, "fdt_%s", raw);
    auth__token_hash(token_out, hash);
    scopes_text(scopes, text, sizeof(text));
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = store_token_insert(db, hash, actor->user.id, name, text, fd_now_ms(), id);
    if (rc == 0)
        rc = store_event_insert(db, 0, actor->user.id, "token_created", "{}", fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int auth_token_resolve(struct db *db, const char *token, struct auth_actor *out)
{
    if (strncmp(token, "fdt_", 4) != 0 || strlen(token) != AUTH_TOKEN_HEX + 4)
        return FD_EAUTH;
    char hash[65], scopes[128];
    auth__token_hash(token, hash);
    memset(out, 0, sizeof(*out));
    int rc = store_token_lookup(db, hash, &out->user, scopes, sizeof(scopes));
    if (rc == FD_ENOTFOUND)
        return FD_EAUTH;
    if (rc)
        return rc;
    out->via_token = 1;
    char *save = NULL;
    for (char *s = strtok_r(scopes, " ", &save); s; s = strtok_r(NULL, " ", &save))
        out->scopes |= auth_scope_parse(s);
    return 0;
}

static int user_by_email(struct db *db, const char *email, struct user_rec *u, struct fd_error *err)
{
    char norm[FD_EMAIL_MAX + 1];
    int rc = auth_email_normalize(email, norm, sizeof(norm), err);
    if (rc)
        return rc;
    rc = store_user_by_email(db, norm, u, NULL, 0);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, FD_ENOTFOUND, "email", "no user with email %s", norm);
    return rc;
}

int auth_user_set_disabled(struct db *db, const char *email, int disabled, struct fd_error *err)
{
    struct user_rec u;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = user_by_email(db, email, &u, err);
    if (rc == 0)
        rc = store_user_set_disabled(db, u.id, disabled);
    if (rc == 0 && disabled)
        rc = store_session_delete_user(db, u.id);
    if (rc == 0)
        rc = store_event_insert(db, 0, 0, disabled ? "user_disabled" : "user_enabled", "{}",
                                fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int auth_user_set_kb_editor(struct db *db, const char *email, int on, struct fd_error *err)
{
    struct user_rec u;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = user_by_email(db, email, &u, err);
    if (rc == 0)
        rc = store_user_set_kb_editor(db, u.id, on);
    if (rc == 0)
        rc = store_event_insert(db, 0, u.id, on ? "kb_editor_granted" : "kb_editor_revoked", "{}",
                                fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int auth_user_set_password(struct db *db, const char *email, const char *password,
                           struct fd_error *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc = auth_password_hash(password, hash, sizeof(hash), err);
    if (rc)
        return rc;
    struct user_rec u;
    if ((rc = db_begin_write(db)))
        return rc;
    rc = user_by_email(db, email, &u, err);
    if (rc == 0)
        rc = store_user_set_password(db, u.id, hash);
    if (rc == 0)
        rc = store_session_delete_user(db, u.id);
    if (rc == 0)
        rc = store_event_insert(db, 0, u.id, "password_changed", "{}", fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int auth_can_view_ticket(const struct auth_actor *a, const struct ticket_rec *t)
{
    switch (a->user.role) {
    case ROLE_CUSTOMER: return t->requester_id == a->user.id;
    case ROLE_AGENT:
        return (a->user.department_id && t->department_id == a->user.department_id) ||
               t->assignee_id == a->user.id;
    case ROLE_SUPERVISOR:
    case ROLE_ADMIN: return 1;
    }
    return 0;
}
