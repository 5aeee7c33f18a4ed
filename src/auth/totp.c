#include "totp.h"

#include "../core/err.h"
#include "../core/timeutil.h"
#include "../store/store.h"
#include "../store/store_security.h"
#include "auth_int.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_init_rc = -1;

static void oath_start(void)
{
    oath_init_rc = oath_init();
}

int totp_lib_init(void)
{
    pthread_once(&oath_once, oath_start);
    return oath_init_rc == OATH_OK ? 0 : FD_EIO;
}

int totp_generate(const unsigned char *key, size_t keylen, int64_t unix_s, unsigned digits, int sha,
                  char *out)
{
    if (totp_lib_init() || digits < 6 || digits > 8 || unix_s < 0)
        return FD_EINVAL;
    int flags = sha == 256 ? OATH_TOTP_HMAC_SHA256 : sha == 512 ? OATH_TOTP_HMAC_SHA512 : 0;
    if (sha != 1 && !flags)
        return FD_EINVAL;
    int rc = oath_totp_generate2((const char *)key, keylen, (time_t)unix_s, TOTP_STEP_S,
                                 OATH_TOTP_DEFAULT_START_TIME, digits, flags, out);
    return rc == OATH_OK ? 0 : FD_EINVAL;
}

int totp_check(const unsigned char *key, size_t keylen, int64_t now_ms, const char *code,
               int64_t *counter)
{
    if (totp_lib_init() || strlen(code) != TOTP_DIGITS || now_ms < 0)
        return FD_EAUTH;
    for (const char *p = code; *p; p++)
        if (*p < '0' || *p > '9')
            return FD_EAUTH;
    int pos = 0;
    uint64_t ctr = 0;
    int rc = oath_totp_validate3((const char *)key, keylen, (time_t)(now_ms / 1000), TOTP_STEP_S,
                                 OATH_TOTP_DEFAULT_START_TIME, TOTP_WINDOW, &pos, &ctr, code);
    if (rc < 0)
        return FD_EAUTH;
    *counter = (int64_t)ctr;
    return 0;
}

/* ---- enrolment ------------------------------------------------------------- */

/* Percent-encodes s for a URI path or query value. */
static void uri_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

int auth_totp_enrol(struct db *db, const struct user_rec *u, const char *issuer,
                    struct totp_enrolment *out, struct fd_error *err)
{
    if (u->role == ROLE_CUSTOMER)
        return fd_fail(err, FD_EFORBIDDEN, NULL, "two-factor sign-in is for staff accounts");
    if (totp_lib_init())
        return FD_EIO;
    unsigned char key[TOTP_SECRET_BYTES];
    char hex[TOTP_SECRET_BYTES * 2 + 1];
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
    char *b32 = NULL;
    size_t b32len = 0;
    if (oath_base32_encode((const char *)key, sizeof(key), &b32, &b32len) != OATH_OK) {
        sodium_memzero(key, sizeof(key));
        return FD_ENOMEM;
    }
    sodium_memzero(key, sizeof(key));
    /* 20 bytes are exactly 32 base32 characters: no padding. */
    snprintf(out->secret_b32, sizeof(out->secret_b32), "%.*s", (int)b32len, b32);
    sodium_memzero(b32, b32len);
    free(b32);
    int rc = db_begin_write(db);
    if (rc)
        goto out;
    struct totp_rec t;
    rc = store_totp_get(db, u->id, &t);
    if (rc == 0 && t.confirmed) {
        rc = fd_fail(err, FD_ECONFLICT, "two_factor", "two-factor sign-in is already on");
        goto out;
    }
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    rc = store_totp_put(db, u->id, hex, fd_now_ms());
    if (rc == 0)
        rc = store_event_insert(db, 0, u->id, "2fa_enrolment_started", "{}", fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    if (rc == 0) {
        char is[128], acct[FD_EMAIL_MAX * 3 + 1];
        uri_escape(issuer, is, sizeof(is));
        uri_escape(u->email, acct, sizeof(acct));
        snprintf(out->uri, sizeof(out->uri),
                 "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d", is,
                 acct, out->secret_b32, is, TOTP_DIGITS, TOTP_STEP_S);
    }
out:
    db_rollback(db);
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

static int key_of(const struct totp_rec *t, unsigned char key[TOTP_SECRET_BYTES * 2], size_t *len)
{
    if (sodium_hex2bin(key, TOTP_SECRET_BYTES * 2, t->secret_hex, strlen(t->secret_hex), NULL, len,
                       NULL) != 0)
        return FD_EDB;
    return 0;
}

/* A recovery code "abcde-12345" from 50 random bits, in a lower-case alphabet without
 * look-alikes. */
static void recovery_code(char out[TOTP_RECOVERY_LEN + 1])
{
    static const char alpha[] = "abcdefghjkmnpqrstuvwxyz23456789";
    for (int i = 0; i < TOTP_RECOVERY_LEN; i++)
        out[i] = i == 5 ? '-' : alpha[randombytes_uniform(sizeof(alpha) - 1)];
    out[TOTP_RECOVERY_LEN] = '\0';
}

int auth_totp_confirm(struct db *db, const struct user_rec *u, const char *code,
                      char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1], struct fd_error *err)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct totp_rec t;
    rc = store_totp_get(db, u->id, &t);
    if (rc == FD_ENOTFOUND || (rc == 0 && t.confirmed)) {
        rc = fd_fail(err, FD_ECONFLICT, "two_factor",
                     t.confirmed && rc == 0 ? "two-factor sign-in is already on"
                                            : "start enrolment first");
        goto out;
    }
    if (rc)
        goto out;
    unsigned char key[TOTP_SECRET_BYTES * 2];
    size_t klen = 0;
    int64_t counter = 0;
    if ((rc = key_of(&t, key, &klen)))
        goto out;
    rc = totp_check(key, klen, fd_now_ms(), code, &counter);
    sodium_memzero(key, sizeof(key));
    if (rc) {
        rc = fd_fail(err, FD_EAUTH, "code", "the code is not valid; check the time on your device");
        goto out;
    }
    rc = store_totp_confirm(db, u->id, counter);
    for (int i = 0; rc == 0 && i < TOTP_RECOVERY_CODES; i++) {
        char h[65];
        recovery_code(codes[i]);
        auth__token_hash(codes[i], h);
        rc = store_recovery_code_add(db, u->id, h);
    }
    if (rc == 0)
        rc = store_event_insert(db, 0, u->id, "2fa_enabled", "{}", fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

int auth_totp_verify_in(struct db *db, int64_t user_id, const char *code, int *recovery)
{
    *recovery = 0;
    struct totp_rec t;
    int rc = store_totp_get(db, user_id, &t);
    if (rc == FD_ENOTFOUND || (rc == 0 && !t.confirmed))
        return FD_EAUTH;
    if (rc)
        return rc;
    if (strlen(code) == TOTP_DIGITS) {
        unsigned char key[TOTP_SECRET_BYTES * 2];
        size_t klen = 0;
        int64_t counter = 0;
        if ((rc = key_of(&t, key, &klen)))
            return rc;
        rc = totp_check(key, klen, fd_now_ms(), code, &counter);
        sodium_memzero(key, sizeof(key));
        if (rc)
            return FD_EAUTH;
        rc = store_totp_accept(db, user_id, counter);
        return rc == FD_ECONFLICT ? FD_EAUTH : rc;
    }
    if (strlen(code) != TOTP_RECOVERY_LEN)
        return FD_EAUTH;
    char norm[TOTP_RECOVERY_LEN + 1], h[65];
    for (int i = 0; i <= TOTP_RECOVERY_LEN; i++)
        norm[i] = (char)((code[i] >= 'A' && code[i] <= 'Z') ? code[i] - 'A' + 'a' : code[i]);
    auth__token_hash(norm, h);
    rc = store_recovery_code_use(db, user_id, h, fd_now_ms());
    if (rc == FD_ENOTFOUND)
        return FD_EAUTH;
    if (rc == 0)
        *recovery = 1;
    return rc;
}

int auth_totp_status(struct db *db, int64_t user_id, int *enabled, int64_t *codes_left)
{
    struct totp_rec t;
    int rc = store_totp_get(db, user_id, &t);
    if (rc && rc != FD_ENOTFOUND)
        return rc;
    *enabled = rc == 0 && t.confirmed;
    *codes_left = 0;
    return *enabled ? store_recovery_code_unused(db, user_id, codes_left) : 0;
}

int auth_totp_disable(struct db *db, const struct user_rec *actor, int64_t target, const char *code,
                      struct fd_error *err)
{
    int self = actor->id == target;
    if (!self && actor->role != ROLE_ADMIN)
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only an admin may turn off another's 2FA");
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct totp_rec t;
    rc = store_totp_get(db, target, &t);
    if (rc == FD_ENOTFOUND) {
        rc = fd_fail(err, FD_ENOTFOUND, NULL, "two-factor sign-in is not on for this user");
        goto out;
    }
    if (rc)
        goto out;
    if (self && t.confirmed) {
        int rec = 0;
        rc = auth_totp_verify_in(db, target, code ? code : "", &rec);
        if (rc == FD_EAUTH)
            rc = fd_fail(err, FD_EAUTH, "code", "a valid code or recovery code is needed");
        if (rc)
            goto out;
    }
    rc = store_totp_delete(db, target);
    if (rc == 0) {
        char data[64];
        snprintf(data, sizeof(data), "{\"user_id\":%lld}", (long long)target);
        rc = store_event_insert(db, 0, actor->id, "2fa_disabled", data, fd_now_ms());
    }
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

int auth_2fa_enforced(struct db *db, int *on)
{
    char v[8];
    int rc = store_security_setting_get(db, "enforce_2fa", v, sizeof(v), "0");
    if (rc == 0)
        *on = strcmp(v, "1") == 0;
    return rc;
}

int auth_2fa_set_enforced(struct db *db, const struct user_rec *admin, int on)
{
    if (admin->role != ROLE_ADMIN)
        return FD_EFORBIDDEN;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    rc = store_security_setting_put(db, "enforce_2fa", on ? "1" : "0");
    if (rc == 0)
        rc = store_event_insert(db, 0, admin->id, on ? "2fa_enforced" : "2fa_enforcement_lifted",
                                "{}", fd_now_ms());
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

/* ---- sign-in, second step ----------------------------------------------------- */

int auth_login_code(struct db *db, const struct auth_limits *lim, const char *challenge,
                    const char *code, const char *ip, struct auth_actor *out, char *token_out,
                    struct fd_error *err)
{
    if (strlen(challenge) != AUTH_TOKEN_HEX)
        return fd_fail(err, FD_EAUTH, "challenge", "the sign-in expired; start again");
    char hash[65];
    auth__token_hash(challenge, hash);
    int64_t now = fd_now_ms();
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t uid = 0, attempts = 0;
    rc = store_challenge_get(db, hash, now, &uid, &attempts);
    if (rc == FD_ENOTFOUND || (rc == 0 && attempts >= AUTH_CHALLENGE_ATTEMPTS)) {
        rc = fd_fail(err, FD_EAUTH, "challenge", "the sign-in expired; start again");
        goto out;
    }
    if (rc)
        goto out;
    struct user_rec u;
    if ((rc = store_user_get(db, uid, &u)))
        goto out;
    int recovery = 0;
    rc = u.disabled ? FD_EAUTH : auth_totp_verify_in(db, uid, code, &recovery);
    if (rc == FD_EAUTH) {
        /* A wrong code counts against the account like a wrong password. */
        rc = store_challenge_attempt(db, hash);
        if (rc == 0)
            rc = store_login_failure_add_ip(db, u.email, ip, now);
        if (rc == 0)
            rc = db_commit(db);
        if (rc == 0)
            rc = fd_fail(err, FD_EAUTH, "code", "the code is not valid");
        goto out;
    }
    if (rc)
        goto out;
    rc = store_challenge_delete(db, hash);
    if (rc == 0)
        rc = store_login_failure_clear(db, u.email);
    if (rc == 0 && recovery) {
        char data[64];
        snprintf(data, sizeof(data), "{\"user_id\":%lld}", (long long)uid);
        rc = store_event_insert(db, 0, uid, "2fa_recovery_code_used", data, now);
    }
    if (rc == 0)
        rc = auth_session_start(db, lim, &u, out, token_out);
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}
