#ifndef FD_AUTH_TOTP_H
#define FD_AUTH_TOTP_H
/*
 * Two-factor sign-in for staff: TOTP (RFC 6238, HMAC-SHA1, 30-second steps, 6 digits,
 * accepted one step either side) computed by liboath, secrets from libsodium's
 * randombytes, ten single-use recovery codes stored as BLAKE2b hashes, and the
 * desk-wide "staff must use 2FA" setting.
 *
 * A code is accepted at most once: the step of the last accepted code is remembered
 * and a code of that step or an earlier one is refused. The time is fd_now_ms().
 * Thread-safe; state is in the database. Functions taking db open their own write
 * transaction unless they say otherwise.
 */
#include "auth.h"

#include <stddef.h>
#include <stdint.h>

#define TOTP_STEP_S 30
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1
#define TOTP_SECRET_BYTES 20
#define TOTP_RECOVERY_CODES 10
#define TOTP_RECOVERY_LEN 11 /* "xxxxx-xxxxx" */
#define TOTP_B32_MAX 64
#define TOTP_URI_MAX 1280

/* Initializes liboath once (thread-safe). Returns 0 or FD_EIO. */
int totp_lib_init(void);

/*
 * The code of key at unix_s (digits 6 to 8; sha 1, 256 or 512), into out (>= digits+1).
 * Returns 0 or FD_EINVAL. Used by the checks and by the RFC 6238 vector tests.
 */
int totp_generate(const unsigned char *key, size_t keylen, int64_t unix_s, unsigned digits, int sha,
                  char *out);
/*
 * Checks a 6-digit code of key at now_ms, one step either side. *counter gets the time
 * step that matched. Returns 0 or FD_EAUTH.
 */
int totp_check(const unsigned char *key, size_t keylen, int64_t now_ms, const char *code,
               int64_t *counter);

struct totp_enrolment {
    char secret_b32[TOTP_B32_MAX]; /* what a person types into an authenticator app */
    char uri[TOTP_URI_MAX];        /* otpauth://totp/... for a QR code */
};

/* Starts (or restarts) enrolment of a staff member: a new unconfirmed secret replaces
 * any earlier unconfirmed one. issuer names the desk in the app. Returns 0,
 * FD_EFORBIDDEN (a customer), FD_ECONFLICT (2FA already on), FD_EDB. */
int auth_totp_enrol(struct db *db, const struct user_rec *u, const char *issuer,
                    struct totp_enrolment *out, struct fd_error *err);
/* Confirms enrolment with a valid code and issues the recovery codes (plain text into
 * codes, shown once). Returns 0, FD_EAUTH (wrong code), FD_ECONFLICT (nothing to
 * confirm), FD_EDB. */
int auth_totp_confirm(struct db *db, const struct user_rec *u, const char *code,
                      char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1], struct fd_error *err);
/*
 * Checks a second factor of user_id: a TOTP code (6 digits) or an unused recovery code,
 * and consumes it (counter or code). Runs inside the caller's write transaction.
 * *recovery is set to 1 when a recovery code was used. Returns 0, FD_EAUTH, FD_EDB.
 */
int auth_totp_verify_in(struct db *db, int64_t user_id, const char *code, int *recovery);
/* Whether user_id has confirmed 2FA, and how many recovery codes are left. */
int auth_totp_status(struct db *db, int64_t user_id, int *enabled, int64_t *codes_left);
/* Turns 2FA off for target. A person turning off their own needs a valid code or
 * recovery code; an admin may turn off anyone's without one (actor != target).
 * Returns 0, FD_EAUTH (wrong code), FD_EFORBIDDEN, FD_ENOTFOUND, FD_EDB. */
int auth_totp_disable(struct db *db, const struct user_rec *actor, int64_t target, const char *code,
                      struct fd_error *err);
/* Desk-wide: staff must enrol before they can do anything else. */
int auth_2fa_enforced(struct db *db, int *on);
int auth_2fa_set_enforced(struct db *db, const struct user_rec *admin, int on);

/*
 * Second step of a staff sign-in: the challenge handed out by auth_login_ex, and a code.
 * Wrong codes count as failed sign-ins of the account; after AUTH_CHALLENGE_ATTEMPTS the
 * challenge is gone. On success the challenge is deleted and a session starts.
 * Returns 0, FD_EAUTH, FD_EDB.
 */
#define AUTH_CHALLENGE_ATTEMPTS 5
int auth_login_code(struct db *db, const struct auth_limits *lim, const char *challenge,
                    const char *code, const char *ip, struct auth_actor *out, char *token_out,
                    struct fd_error *err);

#endif
