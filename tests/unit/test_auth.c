#include "core/err.h"
#include "helpers.h"

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
}
static void teardown(void)
{
    fixture_close(&fx);
}
TestSuite(auth, .init = setup, .fini = teardown);

static const struct auth_limits lim = {
    .session_ttl_ms = 3600 * 1000, .login_max_failures = 3, .login_window_ms = 60 * 1000};

Test(auth, email_normalized_and_checked)
{
    char out[300];
    struct fd_error e = {0};
    cr_assert_eq(auth_email_normalize("Alice@Example.COM", out, sizeof(out), &e), 0);
    cr_assert_str_eq(out, "alice@example.com");
    cr_assert_eq(auth_email_normalize("no-at-sign", out, sizeof(out), &e), FD_EINVAL);
    cr_assert_eq(auth_email_normalize("a@b", out, sizeof(out), &e), FD_EINVAL);
    cr_assert_eq(auth_email_normalize("a b@c.de", out, sizeof(out), &e), FD_EINVAL);
}

Test(auth, login_session_and_logout)
{
    fixture_actor(&fx, "alice@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor a, b;
    char token[AUTH_TOKEN_HEX + 1];
    struct fd_error e = {0};
    cr_assert_eq(
        auth_login(fx.db, &lim, "ALICE@example.com", "correct-horse-battery", &a, token, &e), 0,
        "%s", e.message);
    cr_assert_eq(strlen(token), AUTH_TOKEN_HEX);
    cr_assert_eq(strlen(a.csrf), AUTH_TOKEN_HEX);
    cr_assert_eq(auth_session_resolve(fx.db, token, &b), 0);
    cr_assert_str_eq(b.user.email, "alice@example.com");
    cr_assert_str_eq(b.csrf, a.csrf);
    /* The database holds only a hash of the token. */
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT count(*) FROM sessions WHERE token_hash = ?", &st), 0);
    db_bind_text(st, 1, token);
    cr_assert_eq(db_step(st), 1);
    cr_assert_eq(db_col_int64(st, 0), 0);
    db_finalize(st);
    cr_assert_eq(auth_logout(fx.db, token), 0);
    cr_assert_eq(auth_session_resolve(fx.db, token, &b), FD_EAUTH);
}

Test(auth, wrong_password_then_rate_limit)
{
    fixture_actor(&fx, "alice@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor a;
    char token[AUTH_TOKEN_HEX + 1];
    struct fd_error e = {0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(auth_login(fx.db, &lim, "alice@example.com", "wrong-password!", &a, token, &e),
                     FD_EAUTH);
    cr_assert_eq(
        auth_login(fx.db, &lim, "alice@example.com", "correct-horse-battery", &a, token, &e),
        FD_ERATE);
}

Test(auth, disabled_user_loses_sessions)
{
    fixture_actor(&fx, "agent@ex.test", ROLE_AGENT, "kyc", 2);
    struct auth_actor a;
    char token[AUTH_TOKEN_HEX + 1];
    struct fd_error e = {0};
    cr_assert_eq(auth_login(fx.db, &lim, "agent@ex.test", "correct-horse-battery", &a, token, &e),
                 0);
    cr_assert_eq(a.user.tier, 2);
    cr_assert_str_eq(a.user.department, "kyc");
    cr_assert_eq(auth_user_set_disabled(fx.db, "agent@ex.test", 1, &e), 0);
    cr_assert_eq(auth_session_resolve(fx.db, token, &a), FD_EAUTH);
    cr_assert_eq(auth_login(fx.db, &lim, "agent@ex.test", "correct-horse-battery", &a, token, &e),
                 FD_EAUTH);
}

Test(auth, tokens_carry_scopes_and_only_staff_create_them)
{
    struct auth_actor cust = fixture_actor(&fx, "c@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor agent = fixture_actor(&fx, "agent@ex.test", ROLE_AGENT, "kyc", 1);
    char tok[AUTH_TOKEN_HEX + 8];
    int64_t id;
    cr_assert_eq(auth_token_create(fx.db, &cust, "x", SCOPE_TICKETS_READ, tok, &id), FD_EFORBIDDEN);
    cr_assert_eq(auth_token_create(fx.db, &agent, "ci", SCOPE_TICKETS_READ, tok, &id), 0);
    struct auth_actor got;
    cr_assert_eq(auth_token_resolve(fx.db, tok, &got), 0);
    cr_assert(got.via_token);
    cr_assert(auth_has_scope(&got, SCOPE_TICKETS_READ));
    cr_assert_not(auth_has_scope(&got, SCOPE_TICKETS_WRITE));
    tok[10] ^= 1;
    cr_assert_eq(auth_token_resolve(fx.db, tok, &got), FD_EAUTH);
}

Test(auth, user_create_checks_roles)
{
    struct user_rec u;
    struct fd_error e = {0};
    cr_assert_eq(auth_user_create(fx.db, "x@example.com", "X", ROLE_AGENT, NULL, 1,
                                  "correct-horse-battery", &u, &e),
                 FD_EINVAL);
    cr_assert_str_eq(e.field, "department");
    cr_assert_eq(auth_user_create(fx.db, "x@example.com", "X", ROLE_AGENT, "mars", 1,
                                  "correct-horse-battery", &u, &e),
                 FD_EINVAL);
    cr_assert_eq(
        auth_user_create(fx.db, "x@example.com", "X", ROLE_CUSTOMER, NULL, 0, "short", &u, &e),
        FD_EINVAL);
    cr_assert_str_eq(e.field, "password");
    cr_assert_eq(auth_user_create(fx.db, "x@example.com", "X", ROLE_CUSTOMER, NULL, 0,
                                  "correct-horse-battery", &u, &e),
                 0);
    cr_assert_eq(auth_user_create(fx.db, "X@example.com", "X", ROLE_CUSTOMER, NULL, 0,
                                  "correct-horse-battery", &u, &e),
                 FD_ECONFLICT);
}
