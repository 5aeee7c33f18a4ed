/*
 * Protection from fake support (src/safety/verify.h): the look-alike table, host
 * normalization, agent codes, the registry's answers, anti-phishing codes and the one
 * outbound check in mail_queue.
 */
#include "core/timeutil.h"
#include "mail_helpers.h"
#include "safety/verify.h"
#include "store/store_verify.h"

static struct fixture fx;

static void setup(void)
{
    fixture_open(&fx);
    fd_clock_set(1764000000000LL);
}

static void teardown(void)
{
    fixture_close(&fx);
}

/* ---- look-alikes ---- */

struct look_case {
    const char *cand, *official;
    int is_domain;
    enum verify_look want;
};

Test(verify, lookalike_table)
{
    static const struct look_case cases[] = {
        /* the same name, and unrelated names, are not look-alikes */
        {"frontdesk.example", "frontdesk.example", 1, VERIFY_LOOK_NONE},
        {"google.com", "frontdesk.example", 1, VERIFY_LOOK_NONE},
        {"coinbase.com", "frontdesk.example", 1, VERIFY_LOOK_NONE},
        {"frontdesk_support", "frontdesk_support", 0, VERIFY_LOOK_NONE},
        {"alice", "frontdesk", 0, VERIFY_LOOK_NONE},
        /* homoglyphs: Cyrillic а, е, о; 0/o; 1/l/I; rn/m */
        {"fr\xd0\xbentd\xd0\xb5sk.example", "frontdesk.example", 1, VERIFY_LOOK_HOMOGLYPH},
        {"fr0ntdesk.example", "frontdesk.example", 1, VERIFY_LOOK_HOMOGLYPH},
        {"\xd0\xb0pple.com", "apple.com", 1, VERIFY_LOOK_HOMOGLYPH},
        {"paypa1.com", "paypal.com", 1, VERIFY_LOOK_HOMOGLYPH},
        {"paypaI.com", "paypal.com", 1, VERIFY_LOOK_HOMOGLYPH},
        {"exarnple.com", "example.com", 1, VERIFY_LOOK_HOMOGLYPH},
        {"frontdesk_supp0rt", "frontdesk_support", 0, VERIFY_LOOK_HOMOGLYPH},
        /* one or two edits */
        {"frontdesks.example", "frontdesk.example", 1, VERIFY_LOOK_EDIT},
        {"frnotdesk.example", "frontdesk.example", 1, VERIFY_LOOK_EDIT},
        {"frontdesk_suport", "frontdesk_support", 0, VERIFY_LOOK_EDIT},
        /* extra words, another TLD, the name embedded in a longer host */
        {"frontdesk-support.com", "frontdesk.example", 1, VERIFY_LOOK_WORDS},
        {"help-frontdesk.net", "frontdesk.example", 1, VERIFY_LOOK_WORDS},
        {"frontdesksupport.com", "frontdesk.example", 1, VERIFY_LOOK_WORDS},
        {"frontdesk.io", "frontdesk.example", 1, VERIFY_LOOK_TLD},
        {"frontdesk.example.evil.io", "frontdesk.example", 1, VERIFY_LOOK_EMBEDS},
        {"frontdesk_help_official", "frontdesk_support", 0, VERIFY_LOOK_WORDS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum verify_look got =
            verify_lookalike(cases[i].cand, cases[i].official, cases[i].is_domain);
        cr_expect_eq(got, cases[i].want, "%s vs %s: got %d want %d", cases[i].cand,
                     cases[i].official, got, cases[i].want);
    }
}

Test(verify, host_normalize_punycode_and_case)
{
    char out[1024];
    cr_assert_eq(verify_host_normalize("FrontDesk.Example.", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "frontdesk.example");
    /* xn--80ak6aa92e.com is "аррӏе.com" in Cyrillic */
    cr_assert_eq(verify_host_normalize("XN--80AK6AA92E.COM", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.com");
    cr_expect_eq(verify_lookalike(out, "apple.com", 1), VERIFY_LOOK_HOMOGLYPH);
    cr_expect_eq(verify_host_normalize("not a host", out, sizeof(out)), FD_EINVAL);
    cr_expect_eq(verify_host_normalize("", out, sizeof(out)), FD_EINVAL);
}

Test(verify, skeleton)
{
    char out[256];
    cr_assert_eq(verify_skeleton("rn0b1Ie", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "moblle");
}

/* ---- codes ---- */

Test(verify, antiphish_code_rules_and_line)
{
    struct fd_error err = {0};
    cr_expect_eq(antiphish_code_check("Abc1", &err), 0);
    cr_expect_eq(antiphish_code_check("ABCDEFGHIJ0123456789", &err), 0);
    cr_expect_eq(antiphish_code_check("abc", &err), FD_EINVAL);
    cr_expect_eq(antiphish_code_check("ABCDEFGHIJ01234567890", &err), FD_EINVAL);
    cr_expect_eq(antiphish_code_check("with space", &err), FD_EINVAL);
    cr_expect_eq(antiphish_code_check("k\xc3\xa4se", &err), FD_EINVAL);
    cr_expect_str_eq(err.field, "code");
    char line[64];
    antiphish_line("BlueOwl42", line, sizeof(line));
    cr_expect_str_eq(line, "Your anti-phishing code: BlueOwl42");
}

Test(verify, agent_code_format_and_rotation)
{
    const char *key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    char a[16], b[16], c[16], d[16];
    verify_agent_code_render(key, 7, 20000, a, sizeof(a));
    verify_agent_code_render(key, 7, 20000, b, sizeof(b));
    verify_agent_code_render(key, 7, 20001, c, sizeof(c));
    verify_agent_code_render(key, 8, 20000, d, sizeof(d));
    cr_expect_eq(strlen(a), VERIFY_AGENT_CODE_LEN);
    cr_expect_eq(a[4], '-');
    for (int i = 0; i < 7; i++) {
        if (i != 4)
            cr_expect(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", a[i]) != NULL, "%s", a);
    }
    cr_expect_str_eq(a, b);
    cr_expect_str_neq(a, c, "a new day gives a new code");
    cr_expect_str_neq(a, d, "each agent has their own code");
}

/* ---- the registry ---- */

static void add(const char *kind, const char *value, const char *note)
{
    struct fd_error err = {0};
    cr_assert_eq(verify_entry_add(fx.db, 0, kind, value, note, NULL, &err), 0, "%s %s: %s", kind,
                 value, err.message);
}

static struct verify_answer ask(const char *q, const char *kind)
{
    struct verify_answer a;
    struct fd_error err = {0};
    cr_assert_eq(verify_query(fx.db, q, kind, &a, &err), 0, "%s: %s", q, err.message);
    return a;
}

Test(verify, registry_answers, .init = setup, .fini = teardown)
{
    add("domain", "FrontDesk.Example", "our website");
    add("email", "support@frontdesk.example", "support mailbox");
    add("phone", "+1 (555) 010-2000", "hotline");
    add("telegram", "@frontdesk_support", "Telegram channel");
    add("x", "FrontdeskHQ", "X account");

    struct verify_answer a = ask("https://help.frontdesk.example/login?x=1", NULL);
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL);
    cr_expect_str_eq(a.kind, "url");
    cr_expect_str_eq(a.value, "help.frontdesk.example");
    a = ask("https://xn--frntdesk-obh.example/", NULL); /* Cyrillic о */
    cr_expect_eq(a.verdict, VERIFY_LOOKALIKE, "%s", a.message);
    cr_expect_str_eq(a.matched, "frontdesk.example");
    a = ask("frontdesk-support.com", NULL);
    cr_expect_eq(a.verdict, VERIFY_LOOKALIKE);
    cr_expect_str_eq(a.kind, "domain");
    cr_expect(strstr(a.message, "NOT ours") != NULL);
    a = ask("Support@FrontDesk.example", NULL);
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL);
    cr_expect_str_eq(a.value, "support@frontdesk.example");
    a = ask("support@fr0ntdesk.example", NULL);
    cr_expect_eq(a.verdict, VERIFY_LOOKALIKE);
    a = ask("someone@gmail.com", NULL);
    cr_expect_eq(a.verdict, VERIFY_NOT_OFFICIAL);
    cr_expect(strstr(a.message, "Not official") != NULL);
    a = ask("+15550102000", NULL);
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL);
    cr_expect_str_eq(a.kind, "phone");
    a = ask("+1 555 010 2001", NULL);
    cr_expect_eq(a.verdict, VERIFY_NOT_OFFICIAL);
    a = ask("@frontdesk_supp0rt", NULL);
    cr_expect_eq(a.verdict, VERIFY_LOOKALIKE);
    cr_expect_str_eq(a.kind, "telegram");
    a = ask("https://t.me/frontdesk_support", NULL);
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL);
    cr_expect_str_eq(a.kind, "telegram");
    a = ask("@frontdeskhq", "x");
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL);
    /* on Telegram the same name is not ours, and it imitates our Telegram account */
    a = ask("@frontdeskhq", "telegram");
    cr_expect_eq(a.verdict, VERIFY_LOOKALIKE, "an X handle is not a Telegram account");
    cr_expect_str_eq(a.matched, "frontdesk_support");
    a = ask("@satoshi_fan", NULL);
    cr_expect_eq(a.verdict, VERIFY_NOT_OFFICIAL);
    cr_expect_str_eq(a.kind, "handle");

    struct fd_error err = {0};
    cr_expect_eq(verify_query(fx.db, "   ", NULL, &a, &err), FD_EINVAL);
    cr_expect_eq(verify_query(fx.db, "x", "fax", &a, &err), FD_EINVAL);
    cr_expect_str_eq(err.field, "kind");
    cr_expect_eq(verify_entry_add(fx.db, 0, "domain", "frontdesk.example", "", NULL, &err),
                 FD_ECONFLICT);
    cr_expect_eq(verify_entry_add(fx.db, 0, "phone", "call me", "", NULL, &err), FD_EINVAL);
}

Test(verify, agent_code_answers, .init = setup, .fini = teardown)
{
    struct auth_actor ag = fixture_actor(&fx, "alice@frontdesk.test", ROLE_AGENT, "account", 1);
    char code[16];
    cr_assert_eq(verify_agent_code(fx.db, ag.user.id, code, sizeof(code)), 0);
    struct verify_answer a = ask(code, NULL);
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL, "%s", a.message);
    cr_expect_str_eq(a.kind, "agent");
    cr_expect_eq(a.agent_id, ag.user.id);
    cr_expect(strstr(a.message, "alice@frontdesk.test") != NULL, "%s", a.message);
    /* lower case and without the dash is the same code */
    char lower[16];
    snprintf(lower, sizeof(lower), "%.4s%.2s", code, code + 5);
    for (char *p = lower; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    a = ask(lower, "agent");
    cr_expect_eq(a.verdict, VERIFY_OFFICIAL);
    /* two days later the code has rotated */
    fd_clock_set(1764000000000LL + 2 * 86400000LL);
    a = ask(code, NULL);
    cr_expect_eq(a.verdict, VERIFY_NOT_OFFICIAL);
}

/* ---- anti-phishing codes and the outbound check ---- */

static int64_t events_of(const char *type)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT COUNT(*) FROM events WHERE type = ?", &st), 0);
    db_bind_text(st, 1, type);
    cr_assert_eq(db_step(st), 1);
    int64_t n = db_col_int64(st, 0);
    db_finalize(st);
    return n;
}

Test(verify, antiphish_set_needs_password, .init = setup, .fini = teardown)
{
    struct auth_actor c = fixture_actor(&fx, "carol@example.org", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor ag = fixture_actor(&fx, "alice@frontdesk.test", ROLE_AGENT, "account", 1);
    struct fd_error err = {0};
    cr_expect_eq(antiphish_set(fx.db, c.user.id, "BlueOwl42", "wrong-password!", c.user.id, &err),
                 FD_EAUTH);
    cr_expect_eq(antiphish_get(fx.db, c.user.id, NULL, 0), FD_ENOTFOUND);
    cr_expect_eq(antiphish_set(fx.db, c.user.id, "no", "correct-horse-battery", c.user.id, &err),
                 FD_EINVAL);
    cr_assert_eq(
        antiphish_set(fx.db, c.user.id, "BlueOwl42", "correct-horse-battery", c.user.id, &err), 0);
    char code[32];
    cr_assert_eq(antiphish_get(fx.db, c.user.id, code, sizeof(code)), 0);
    cr_expect_str_eq(code, "BlueOwl42");
    cr_expect_eq(events_of("antiphish_code_set"), 1);
    cr_assert_eq(antiphish_set(fx.db, c.user.id, "RedFox7", NULL, 0, &err), 0);
    cr_expect_eq(events_of("antiphish_code_changed"), 1);
    /* the code is never in the event log */
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db,
                            "SELECT COUNT(*) FROM events WHERE data LIKE '%Owl%' OR "
                            "data LIKE '%RedFox%'",
                            &st),
                 0);
    cr_assert_eq(db_step(st), 1);
    cr_expect_eq(db_col_int64(st, 0), 0);
    db_finalize(st);
    /* staff have no code */
    cr_expect_eq(antiphish_set(fx.db, ag.user.id, "Agent123", NULL, 0, &err), FD_EINVAL);
}

static int64_t outbox_to(const char *rcpt)
{
    int64_t n = 0;
    cr_assert_eq(store_outbox_count_since(fx.db, rcpt, "notice", 0, &n), 0);
    return n;
}

Test(verify, mail_queue_adds_code_or_refuses, .init = setup, .fini = teardown)
{
    struct mail_config cfg;
    fixture_mail_config(&fx, &cfg);
    struct auth_actor c = fixture_actor(&fx, "carol@example.org", ROLE_CUSTOMER, NULL, 0);
    struct fd_error err = {0};
    cr_assert_eq(antiphish_set(fx.db, c.user.id, "BlueOwl42", NULL, 0, &err), 0);
    struct department_rec d;
    cr_assert_eq(store_department_by_slug(fx.db, "account", &d), 0);

    struct mail_notice n = {0};
    n.department_id = d.id;
    n.to_name = "Carol";
    n.to_email = "carol@example.org";
    n.subject = "Hello";
    n.text = "Body text";
    n.kind = "notice";
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_expect_eq(mail_queue(fx.db, &cfg, &n), 0);
    /* a caller's own HTML without the code would reach the customer without it: refused */
    n.html = "<p>Body text</p>";
    cr_expect_eq(mail_queue(fx.db, &cfg, &n), FD_EINVAL);
    /* with the code in its HTML it goes */
    n.html = "<p>Your anti-phishing code: BlueOwl42</p><p>Body text</p>";
    cr_expect_eq(mail_queue(fx.db, &cfg, &n), 0);
    cr_assert_eq(db_commit(fx.db), 0);
    cr_expect_eq(outbox_to("carol@example.org"), 2);

    /* the recorded message carries the line */
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db,
                            "SELECT sha256 FROM mail_messages WHERE to_email = ? ORDER BY id "
                            "LIMIT 1",
                            &st),
                 0);
    db_bind_text(st, 1, "carol@example.org");
    cr_assert_eq(db_step(st), 1);
    char sha[80];
    snprintf(sha, sizeof(sha), "%s", db_col_text(st, 0));
    db_finalize(st);
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_raw_get(&cfg, sha, &raw, &len), 0);
    cr_expect(strstr(raw, "Your anti-phishing code: BlueOwl42") != NULL);
    free(raw);

    /* someone without a code gets the message as written */
    n.to_email = "dave@example.org";
    n.html = "<p>Body text</p>";
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_expect_eq(mail_queue(fx.db, &cfg, &n), 0);
    cr_assert_eq(db_commit(fx.db), 0);
}
