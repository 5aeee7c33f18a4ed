#ifndef FD_AUTH_AUTH_H
#define FD_AUTH_AUTH_H
/*
 * Accounts and access: password hashing (argon2id via libsodium), sessions (random
 * 256-bit tokens, stored only as BLAKE2b hashes), API tokens with scopes, login rate
 * limiting, and the authorization policy — every "who may do what" decision of the
 * ticket desk is a function here, so that the rules live in one place.
 *
 * No HTTP here: callers pass tokens as strings and get error codes. sodium_init()
 * must have been called (main does it). Thread-safe: all state is in the database.
 */
#include "../store/records.h"

#include <stddef.h>
#include <stdint.h>

struct db;
struct fd_error;

#define AUTH_TOKEN_HEX 64 /* 32 random bytes as hex */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256

enum auth_scope {
    SCOPE_TICKETS_READ = 1u << 0,
    SCOPE_TICKETS_WRITE = 1u << 1,
    SCOPE_USERS_READ = 1u << 2,
    SCOPE_MAIL_INGEST = 1u << 3, /* the mailgate: POST /api/v1/mail/inbound */
    /* customers' settings (anti-phishing code) */
    SCOPE_CUSTOMERS_WRITE = 1u << 4,
    SCOPE_ALL = 0xffu,
};

/* Who is acting: a user, signed in by a session (scopes = SCOPE_ALL) or a token. */
struct auth_actor {
    struct user_rec user;
    int via_token;
    unsigned scopes;
    char csrf[AUTH_TOKEN_HEX + 1]; /* "" for tokens */
    int64_t session_id;            /* 0 for tokens */
    int must_enrol;                /* 2FA is enforced and this staff member has none */
};

struct auth_limits {
    int64_t session_ttl_ms;
    int64_t login_max_failures;
    int64_t login_window_ms;
    /* docs/security.md */
    int64_t session_idle_ms;       /* a session unused this long ends (0 = never) */
    int64_t login_ip_max_failures; /* failed sign-ins per address in login_window_ms */
    int64_t lockout_failures;      /* failures of one account that lock it */
    int64_t lockout_window_ms;     /* ... counted over this window */
    int64_t challenge_ttl_ms;      /* how long the "password ok" step waits for the code */
};

/* Lower-cases and checks an email address. Returns 0 or FD_EINVAL (err says why). */
int auth_email_normalize(const char *in, char *out, size_t n, struct fd_error *err);
/* argon2id string into out (>= 128 bytes). Returns 0, FD_EINVAL (too short/long), FD_ENOMEM. */
int auth_password_hash(const char *pw, char *out, size_t n, struct fd_error *err);

/*
 * Creates a user. role/department/tier are checked (agents need a department and a
 * tier). Returns 0, FD_EINVAL, FD_ECONFLICT (email taken), FD_EDB. Runs in its own
 * write transaction.
 */
int auth_user_create(struct db *db, const char *email, const char *name, enum fd_role role,
                     const char *department, int tier, const char *password, struct user_rec *out,
                     struct fd_error *err);

/*
 * Signs in: checks the rate limit, the password and that the user is enabled, then
 * creates a session. token_out/csrf_out get AUTH_TOKEN_HEX+1 bytes. Returns 0,
 * FD_EAUTH (bad email or password, or disabled), FD_ERATE, FD_EDB.
 */
int auth_login(struct db *db, const struct auth_limits *lim, const char *email,
               const char *password, struct auth_actor *out, char *token_out, struct fd_error *err);
/*
 * Signs in with the per-address and per-account checks: ip (may be NULL) is throttled
 * after login_ip_max_failures, and an account with lockout_failures failures in
 * lockout_window_ms is locked until an admin lifts it (FD_EFORBIDDEN, err->field
 * "locked"; the same answer for unknown emails, so that it tells nothing). A staff
 * member with 2FA gets *need_code = 1 and token_out holds a challenge for
 * auth_login_code instead of a session token; with need_code NULL such a sign-in fails.
 */
int auth_login_ex(struct db *db, const struct auth_limits *lim, const char *email,
                  const char *password, const char *ip, struct auth_actor *out, char *token_out,
                  int *need_code, struct fd_error *err);
/* Changes the signed-in user's password after checking the current one, and ends every
 * other session of theirs (keep_session stays; *revoked gets how many ended).
 * Returns 0, FD_EAUTH (current password wrong), FD_EINVAL (new one too short/long), FD_EDB. */
int auth_password_change(struct db *db, const struct user_rec *u, const char *current,
                         const char *password, int64_t keep_session, int64_t *revoked,
                         struct fd_error *err);
/* Lifts the lockout of an account (admin). Returns 0, FD_ENOTFOUND, FD_EDB. */
int auth_user_unlock(struct db *db, const struct user_rec *admin, int64_t user_id);
/* Resolves a session with idle expiry, records activity, and sets must_enrol. */
int auth_session_resolve_ex(struct db *db, const struct auth_limits *lim, const char *token,
                            struct auth_actor *out);
/* Records where a new session comes from. */
int auth_session_describe(struct db *db, const char *token, const char *ip, const char *ua);
/* Starts a session for a user already verified (signup). */
int auth_session_start(struct db *db, const struct auth_limits *lim, const struct user_rec *u,
                       struct auth_actor *out, char *token_out);
/* Resolves a session token. Returns 0, FD_EAUTH (unknown, expired or disabled), FD_EDB. */
int auth_session_resolve(struct db *db, const char *token, struct auth_actor *out);
int auth_logout(struct db *db, const char *token);

/* Creates an API token for actor (staff only). scopes is a bit set. token_out gets
 * "fdt_" + 64 hex + NUL (69 bytes). Returns 0, FD_EFORBIDDEN, FD_EDB. */
int auth_token_create(struct db *db, const struct auth_actor *actor, const char *name,
                      unsigned scopes, char *token_out, int64_t *id);
int auth_token_resolve(struct db *db, const char *token, struct auth_actor *out);
/* Parses a scope name ("tickets:read"...). Returns the bit or 0. */
unsigned auth_scope_parse(const char *s);

/* Command-line administration (each in its own transaction). */
int auth_user_set_disabled(struct db *db, const char *email, int disabled, struct fd_error *err);
int auth_user_set_kb_editor(struct db *db, const char *email, int on, struct fd_error *err);
int auth_user_set_password(struct db *db, const char *email, const char *password,
                           struct fd_error *err);

/* ---- policy ---------------------------------------------------------------- */

static inline int auth_is_staff(const struct auth_actor *a)
{
    return a->user.role != ROLE_CUSTOMER;
}
static inline int auth_sees_all(const struct auth_actor *a)
{
    return a->user.role == ROLE_SUPERVISOR || a->user.role == ROLE_ADMIN;
}
static inline int auth_has_scope(const struct auth_actor *a, unsigned scope)
{
    return (a->scopes & scope) == scope;
}
/* Whether the actor may see the ticket at all (customers: their own; agents: their
 * department's or assigned to them; supervisors and admins: all). */
int auth_can_view_ticket(const struct auth_actor *a, const struct ticket_rec *t);
/* Internal notes, events and the requester's other tickets are for staff only. */
static inline int auth_can_see_internal(const struct auth_actor *a)
{
    return auth_is_staff(a);
}

#endif
