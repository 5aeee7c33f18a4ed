/* Account security: TOTP against RFC 6238, enrolment, reuse, recovery codes, the
 * two-step sign-in, lockout, idle sessions, and the rate limiter. */
#include "auth/ratelimit.h"
#include "auth/totp.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "store/store_security.h"

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
}
static void teardown(void)
{
    fd_clock_set(0);
    fixture_close(&fx);
}
TestSuite(security, .init = setup, .fini = teardown);

/* RFC 6238 appendix B: 8-digit codes for SHA1, SHA256 and SHA512 at six times. */
Test(security, totp_rfc6238_vectors)
{
    static const int64_t times[] = {59,         1111111109, 1111111111,
                                    1234567890, 2000000000, 20000000000};
    static const char *const sha1[] = {"94287082", "07081804", "14050471",
                                       "89005924", "69279037", "65353130"};
    static const char *const sha256[] = {"46119246", "68084774", "67062674",
                                         "91819424", "90698825", "77737706"};
    static const char *const sha512[] = {"90693936", "25091201", "99943326",
                                         "93441116", "38618901", "47863826"};
    const char *k1 = "12345678901234567890";
    const char *k256 = "12345678901234567890123456789012";
    const char *k512 = "1234567890123456789012345678901234567890123456789012345678901234";
    for (int i = 0; i < 6; i++) {
        char out[16];
        cr_assert_eq(totp_generate((const unsigned char *)k1, 20, times[i], 8, 1, out), 0);
        cr_assert_str_eq(out, sha1[i], "sha1 at %lld", (long long)times[i]);
        cr_assert_eq(totp_generate((const unsigned char *)k256, 32, times[i], 8, 256, out), 0);
        cr_assert_str_eq(out, sha256[i], "sha256 at %lld", (long long)times[i]);
        cr_assert_eq(totp_generate((const unsigned char *)k512, 64, times[i], 8, 512, out), 0);
        cr_assert_str_eq(out, sha512[i], "sha512 at %lld", (long long)times[i]);
    }
}

/* The 6-digit code is the last six digits of the RFC's 8-digit one; it is accepted one
 * step either side and no further. */
Test(security, totp_check_window)
{
    const unsigned char *k = (const unsigned char *)"12345678901234567890";
    int64_t ctr = 0;
    /* At 1111111109 the 8-digit code is 07081804: step 37037036. */
    cr_assert_eq(totp_check(k, 20, 1111111109000LL, "081804", &ctr), 0);
    cr_assert_eq(ctr, 37037036);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL + 30000, "081804", &ctr), 0);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL - 30000, "081804", &ctr), 0);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL + 61000, "081804", &ctr), FD_EAUTH);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL - 61000, "081804", &ctr), FD_EAUTH);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL, "081805", &ctr), FD_EAUTH);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL, "08180a", &ctr), FD_EAUTH);
    cr_assert_eq(totp_check(k, 20, 1111111109000LL, "", &ctr), FD_EAUTH);
}

static void secret_of(int64_t uid, unsigned char key[20])
{
    struct totp_rec t;
    cr_assert_eq(store_totp_get(fx.db, uid, &t), 0);
    size_t len = 0;
    cr_assert_eq(sodium_hex2bin(key, 20, t.secret_hex, strlen(t.secret_hex), NULL, &len, NULL), 0);
    cr_assert_eq(len, 20);
}

static void code_at(const unsigned char key[20], int64_t ms, char out[8])
{
    char c8[16];
    cr_assert_eq(totp_generate(key, 20, ms / 1000, 6, 1, c8), 0);
    memcpy(out, c8, 7);
    out[7] = 0;
}

static const struct auth_limits lim = {
    .session_ttl_ms = 3600 * 1000,
    .login_max_failures = 100,
    .login_window_ms = 60 * 1000,
    .lockout_failures = 6,
    .lockout_window_ms = 24 * 3600 * 1000LL,
    .challenge_ttl_ms = 5 * 60 * 1000,
    .session_idle_ms = 30 * 60 * 1000,
};

Test(security, enrol_sign_in_reuse_and_recovery)
{
    int64_t t0 = 1800000000000LL;
    fd_clock_set(t0);
    struct auth_actor a = fixture_actor(&fx, "agent@example.com", ROLE_AGENT, "account", 1);
    struct totp_enrolment en;
    struct fd_error err = {0};
    cr_assert_eq(auth_totp_enrol(fx.db, &a.user, "Frontdesk", &en, &err), 0);
    cr_assert_eq(strlen(en.secret_b32), 32);
    cr_assert(strstr(en.uri, "otpauth://totp/Frontdesk:agent@example.com?secret="));
    cr_assert(strstr(en.uri, en.secret_b32));
    unsigned char key[20];
    secret_of(a.user.id, key);
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1];
    cr_assert_eq(auth_totp_confirm(fx.db, &a.user, "000000", codes, &err) == 0 ? -1 : 0, 0);
    char c[8];
    code_at(key, t0, c);
    cr_assert_eq(auth_totp_confirm(fx.db, &a.user, c, codes, &err), 0);
    cr_assert_eq(strlen(codes[0]), TOTP_RECOVERY_LEN);
    cr_assert_str_neq(codes[0], codes[1]);
    /* A second enrolment is refused while 2FA is on. */
    cr_assert_eq(auth_totp_enrol(fx.db, &a.user, "Frontdesk", &en, &err), FD_ECONFLICT);

    /* Password alone no longer starts a session. */
    struct auth_actor out;
    char tok[AUTH_TOKEN_HEX + 1];
    int need = 0;
    cr_assert_eq(
        auth_login(fx.db, &lim, "agent@example.com", "correct-horse-battery", &out, tok, &err),
        FD_EAUTH);
    cr_assert_eq(auth_login_ex(fx.db, &lim, "agent@example.com", "correct-horse-battery", "1.2.3.4",
                               &out, tok, &need, &err),
                 0);
    cr_assert_eq(need, 1);
    struct auth_actor r;
    cr_assert_eq(auth_session_resolve(fx.db, tok, &r), FD_EAUTH, "a challenge is no session");
    /* The code used to confirm cannot sign in (same step). */
    char sess[AUTH_TOKEN_HEX + 1];
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, c, "1.2.3.4", &out, sess, &err), FD_EAUTH);
    /* The next step's code works once. */
    fd_clock_set(t0 + 30000);
    code_at(key, t0 + 30000, c);
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, c, "1.2.3.4", &out, sess, &err), 0);
    cr_assert_eq(auth_session_resolve(fx.db, sess, &r), 0);
    cr_assert_eq(r.user.id, a.user.id);
    /* The challenge is single-use. */
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, c, "1.2.3.4", &out, sess, &err), FD_EAUTH);
    /* The same code again with a fresh challenge: refused (reuse). */
    cr_assert_eq(auth_login_ex(fx.db, &lim, "agent@example.com", "correct-horse-battery", NULL,
                               &out, tok, &need, &err),
                 0);
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, c, NULL, &out, sess, &err), FD_EAUTH);
    /* A recovery code works once, upper case too. */
    char upper[TOTP_RECOVERY_LEN + 1];
    for (int i = 0; i <= TOTP_RECOVERY_LEN; i++)
        upper[i] =
            (char)((codes[3][i] >= 'a' && codes[3][i] <= 'z') ? codes[3][i] - 32 : codes[3][i]);
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, upper, NULL, &out, sess, &err), 0);
    int on = 0;
    int64_t left = 0;
    cr_assert_eq(auth_totp_status(fx.db, a.user.id, &on, &left), 0);
    cr_assert_eq(on, 1);
    cr_assert_eq(left, 9);
    cr_assert_eq(auth_login_ex(fx.db, &lim, "agent@example.com", "correct-horse-battery", NULL,
                               &out, tok, &need, &err),
                 0);
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, codes[3], NULL, &out, sess, &err), FD_EAUTH);

    /* Disabling one's own 2FA needs a code; an admin needs none. */
    cr_assert_eq(auth_totp_disable(fx.db, &a.user, a.user.id, "123", &err), FD_EAUTH);
    struct auth_actor adm = fixture_actor(&fx, "admin@example.com", ROLE_ADMIN, NULL, 0);
    struct auth_actor other = fixture_actor(&fx, "other@example.com", ROLE_AGENT, "account", 1);
    cr_assert_eq(auth_totp_disable(fx.db, &other.user, a.user.id, NULL, &err), FD_EFORBIDDEN);
    cr_assert_eq(auth_totp_disable(fx.db, &adm.user, a.user.id, NULL, &err), 0);
    cr_assert_eq(auth_totp_status(fx.db, a.user.id, &on, &left), 0);
    cr_assert_eq(on, 0);
}

Test(security, challenge_expires_and_limits_attempts)
{
    int64_t t0 = 1800000000000LL;
    fd_clock_set(t0);
    struct auth_actor a = fixture_actor(&fx, "sup@example.com", ROLE_SUPERVISOR, NULL, 0);
    struct totp_enrolment en;
    struct fd_error err = {0};
    cr_assert_eq(auth_totp_enrol(fx.db, &a.user, "Frontdesk", &en, &err), 0);
    unsigned char key[20];
    secret_of(a.user.id, key);
    char c[8], codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1];
    code_at(key, t0, c);
    cr_assert_eq(auth_totp_confirm(fx.db, &a.user, c, codes, &err), 0);
    struct auth_actor out;
    char tok[AUTH_TOKEN_HEX + 1], sess[AUTH_TOKEN_HEX + 1];
    int need = 0;
    cr_assert_eq(auth_login_ex(fx.db, &lim, "sup@example.com", "correct-horse-battery", NULL, &out,
                               tok, &need, &err),
                 0);
    fd_clock_set(t0 + lim.challenge_ttl_ms + 1000);
    code_at(key, t0 + lim.challenge_ttl_ms + 1000, c);
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, c, NULL, &out, sess, &err), FD_EAUTH);
    cr_assert_str_eq(err.field, "challenge");
    /* Five wrong codes end the challenge even before it expires. */
    cr_assert_eq(auth_login_ex(fx.db, &lim, "sup@example.com", "correct-horse-battery", NULL, &out,
                               tok, &need, &err),
                 0);
    for (int i = 0; i < AUTH_CHALLENGE_ATTEMPTS; i++)
        cr_assert_eq(auth_login_code(fx.db, &lim, tok, "000000", NULL, &out, sess, &err), FD_EAUTH);
    cr_assert_eq(auth_login_code(fx.db, &lim, tok, c, NULL, &out, sess, &err), FD_EAUTH);
    cr_assert_str_eq(err.field, "challenge");
}

Test(security, lockout_same_for_unknown_accounts_and_admin_unlock)
{
    fd_clock_set(1800000000000LL);
    struct auth_actor a = fixture_actor(&fx, "cust@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor adm = fixture_actor(&fx, "admin@example.com", ROLE_ADMIN, NULL, 0);
    struct auth_actor out;
    char tok[AUTH_TOKEN_HEX + 1];
    struct fd_error err = {0};
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(
            auth_login(fx.db, &lim, "cust@example.com", "wrong-password-x", &out, tok, &err),
            FD_EAUTH);
        cr_assert_eq(
            auth_login(fx.db, &lim, "nobody@example.com", "wrong-password-x", &out, tok, &err),
            FD_EAUTH);
    }
    struct fd_error e1 = {0}, e2 = {0};
    cr_assert_eq(
        auth_login(fx.db, &lim, "cust@example.com", "correct-horse-battery", &out, tok, &e1),
        FD_EFORBIDDEN);
    cr_assert_eq(
        auth_login(fx.db, &lim, "nobody@example.com", "correct-horse-battery", &out, tok, &e2),
        FD_EFORBIDDEN);
    cr_assert_str_eq(e1.message, e2.message);
    cr_assert_str_eq(e1.field, "locked");
    cr_assert_eq(auth_user_unlock(fx.db, &adm.user, a.user.id), 0);
    cr_assert_eq(
        auth_login(fx.db, &lim, "cust@example.com", "correct-horse-battery", &out, tok, &err), 0);
}

Test(security, per_address_throttle)
{
    fd_clock_set(1800000000000LL);
    struct auth_limits l = lim;
    l.login_ip_max_failures = 3;
    fixture_actor(&fx, "cust@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor out;
    char tok[AUTH_TOKEN_HEX + 1];
    struct fd_error err = {0};
    const char *emails[] = {"a@example.com", "b@example.com", "c@example.com"};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(auth_login_ex(fx.db, &l, emails[i], "wrong-password-x", "9.9.9.9", &out, tok,
                                   NULL, &err),
                     FD_EAUTH);
    cr_assert_eq(auth_login_ex(fx.db, &l, "cust@example.com", "correct-horse-battery", "9.9.9.9",
                               &out, tok, NULL, &err),
                 FD_ERATE);
    cr_assert_eq(auth_login_ex(fx.db, &l, "cust@example.com", "correct-horse-battery", "8.8.8.8",
                               &out, tok, NULL, &err),
                 0);
    fd_clock_set(1800000000000LL + l.login_window_ms + 1);
    cr_assert_eq(auth_login_ex(fx.db, &l, "cust@example.com", "correct-horse-battery", "9.9.9.9",
                               &out, tok, NULL, &err),
                 0);
}

Test(security, idle_sessions_end)
{
    int64_t t0 = 1800000000000LL;
    fd_clock_set(t0);
    fixture_actor(&fx, "cust@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor out, r;
    char tok[AUTH_TOKEN_HEX + 1];
    struct fd_error err = {0};
    cr_assert_eq(
        auth_login(fx.db, &lim, "cust@example.com", "correct-horse-battery", &out, tok, &err), 0);
    fd_clock_set(t0 + lim.session_idle_ms - 1000);
    cr_assert_eq(auth_session_resolve_ex(fx.db, &lim, tok, &r), 0, "activity keeps it alive");
    fd_clock_set(t0 + 2 * lim.session_idle_ms - 2000);
    cr_assert_eq(auth_session_resolve_ex(fx.db, &lim, tok, &r), 0);
    fd_clock_set(t0 + 3 * lim.session_idle_ms);
    cr_assert_eq(auth_session_resolve_ex(fx.db, &lim, tok, &r), FD_EAUTH);
    cr_assert_eq(auth_session_resolve(fx.db, tok, &r), FD_EAUTH, "an idle session is deleted");
}

Test(security, limiter_bucket_and_refill)
{
    struct ratelimit *rl = ratelimit_new(64);
    int64_t t = 1000000, retry = 0;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ratelimit_take(rl, "signin:ip:1.2.3.4", 3, 60000, t, &retry), 0);
    cr_assert_eq(ratelimit_take(rl, "signin:ip:1.2.3.4", 3, 60000, t, &retry), FD_ERATE);
    cr_assert(retry > 19000 && retry <= 20001, "retry %lld", (long long)retry);
    cr_assert_eq(ratelimit_take(rl, "signin:ip:5.6.7.8", 3, 60000, t, &retry), 0, "other key");
    cr_assert_eq(ratelimit_take(rl, "signin:ip:1.2.3.4", 3, 60000, t + 19000, &retry), FD_ERATE);
    cr_assert_eq(ratelimit_take(rl, "signin:ip:1.2.3.4", 3, 60000, t + 20001, &retry), 0);
    cr_assert_eq(ratelimit_take(rl, "signin:ip:1.2.3.4", 3, 60000, t + 20001, &retry), FD_ERATE);
    cr_assert_eq(ratelimit_take(rl, "x", 0, 60000, t, &retry), 0, "limit 0 is off");
    /* Many keys: the table stays bounded and keeps working. */
    char k[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(k, sizeof(k), "k%d", i);
        cr_assert_eq(ratelimit_take(rl, k, 1, 60000, t + i, NULL), 0);
    }
    ratelimit_free(rl);
    int64_t n = 0, w = 0;
    cr_assert_eq(ratelimit_rule_parse("20/60", &n, &w), 0);
    cr_assert_eq(n, 20);
    cr_assert_eq(w, 60000);
    cr_assert_eq(ratelimit_rule_parse("20", &n, &w), FD_EINVAL);
    cr_assert_eq(ratelimit_rule_parse("x/60", &n, &w), FD_EINVAL);
    cr_assert_eq(ratelimit_rule_parse("5/0", &n, &w), FD_EINVAL);
}
