#include "core/err.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "mail/mail.h"
#include "safety/scan.h"
#include "tickets/tickets.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CORPUS "../shared/corpora/email/"

/* A path under the repository root (the tests may run from elsewhere). */
static const char *path(const char *rel)
{
    static char buf[8][2048];
    static int next;
    char root[1024];
    fixture_repo_root(root, sizeof(root));
    char *out = buf[next++ % 8];
    snprintf(out, sizeof(buf[0]), "%s/%s", root, rel);
    return out;
}

/* Scans s; returns the kinds and (if red) the redacted text or a copy when nothing found. */
static unsigned scan(const char *s, char **red)
{
    unsigned kinds = 99;
    char *out = (char *)"x";
    cr_assert_eq(safety_scan(s, strlen(s), &kinds, &out, NULL), 0);
    cr_assert((kinds == 0) == (out == NULL), "output iff found: %s", s);
    if (red)
        *red = out ? out : strdup(s);
    else
        free(out);
    return kinds;
}

static json_t *load(const char *name)
{
    json_error_t e;
    json_t *j = json_load_file(name, JSON_ALLOW_NUL, &e);
    cr_assert_not_null(j, "%s: %s", name, e.text);
    return j;
}

/* Scans in, expects the kinds and the redacted text, and that scanning the redacted text
 * again finds nothing (the hooks of several layers may see the same text). */
static void expect(const char *in, unsigned kinds, const char *out)
{
    char *red = NULL;
    unsigned k = scan(in, &red);
    cr_expect_eq(k, kinds, "kinds %u, want %u: %s", k, kinds, in);
    cr_expect_str_eq(red, out, "input: %s", in);
    cr_expect_eq(scan(red, NULL), 0, "redacted text flagged again: %s", red);
    free(red);
}

/* ------------------------------------------------------------------ BIP-39 */

Test(safety, every_bip39_english_vector_is_removed)
{
    json_t *v = load(path("tests/data/secrets/bip39-english-vectors.json"));
    json_t *en = json_object_get(v, "english");
    cr_assert_eq(json_array_size(en), 24);
    size_t i;
    json_t *row;
    json_array_foreach(en, i, row)
    {
        const char *m = json_string_value(json_array_get(row, 1));
        char in[512], want[] = "Hi, my words are [removed: recovery phrase]. Help!";
        snprintf(in, sizeof(in), "Hi, my words are %s. Help!", m);
        expect(in, SAFETY_SEED, want);
        /* The BIP-32 root xprv of the same vector is a private key. */
        snprintf(in, sizeof(in), "root %s", json_string_value(json_array_get(row, 3)));
        expect(in, SAFETY_PRIVKEY, "root [removed: private key]");
    }
    json_decref(v);
}

Test(safety, phrase_separators_numbering_and_case)
{
    const char *want = "seed: [removed: recovery phrase]\nthanks";
    expect("seed: abandon, abandon, abandon, abandon, abandon, abandon, abandon, abandon, "
           "abandon, abandon, abandon, about\nthanks",
           SAFETY_SEED, want);
    expect("seed: 1. abandon 2. abandon 3. abandon 4. abandon 5. abandon 6. abandon 7. abandon "
           "8. abandon 9. abandon 10. abandon 11. abandon 12. about\nthanks",
           SAFETY_SEED, want);
    expect("seed: ABANDON Abandon abandon\nabandon abandon abandon\nabandon abandon abandon\n"
           "abandon abandon about\nthanks",
           SAFETY_SEED, want);
    expect("seed: 1) legal 2) winner 3) thank 4) year 5) wave 6) sausage 7) worth 8) useful "
           "9) legal 10) winner 11) thank 12) yellow\nthanks",
           SAFETY_SEED, want);
    /* Text around it survives; two phrases in one message are both removed. */
    expect("a: abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
           "abandon about; b: legal winner thank year wave sausage worth useful legal winner "
           "thank yellow.",
           SAFETY_SEED, "a: [removed: recovery phrase]; b: [removed: recovery phrase].");
}

Test(safety, likely_mistyped_phrases_are_removed)
{
    /* Twelve or more list words in a row whose checksum fails: a phrase with a word wrong
     * (prose never has such runs: the email-corpus test below holds that to zero). */
    expect("my words: abandon abandon abandon abandon abandon abandon abandon abandon abandon "
           "abandon abandon abandon!",
           SAFETY_SEED, "my words: [removed: recovery phrase]!");
    expect("abandon ability able about above absent absorb abstract absurd abuse access accident",
           SAFETY_SEED, "[removed: recovery phrase]");
}

Test(safety, short_runs_are_not_flagged)
{
    /* Eleven words of a valid phrase. */
    cr_expect_eq(scan("abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                      "abandon about",
                      NULL),
                 0);
    /* A word that is not on the list breaks the run. */
    cr_expect_eq(scan("abandon abandon abandon abandon abandon abandon the abandon abandon "
                      "abandon abandon abandon about",
                      NULL),
                 0);
}

/* ------------------------------------------------------------------ keys */

Test(safety, base58_private_keys_removed_addresses_kept)
{
    json_t *v = load(path("tests/data/secrets/base58-keys-valid.json"));
    size_t i, nkeys = 0, naddrs = 0;
    json_t *row;
    json_array_foreach(v, i, row)
    {
        const char *s = json_string_value(json_array_get(row, 0));
        int priv = json_is_true(json_object_get(json_array_get(row, 2), "isPrivkey"));
        char in[256];
        snprintf(in, sizeof(in), "here: %s ok", s);
        if (priv) {
            expect(in, SAFETY_PRIVKEY, "here: [removed: private key] ok");
            nkeys++;
        } else {
            expect(in, 0, in);
            naddrs++;
        }
    }
    cr_expect_eq(nkeys, 24);
    cr_expect_eq(naddrs, 26);
    json_decref(v);
    v = load(path("tests/data/secrets/base58-keys-invalid.json"));
    json_array_foreach(v, i, row)
    {
        char in[256];
        /* Neutral context: only Base58Check validation could flag these. */
        snprintf(in, sizeof(in), "see %s", json_string_value(json_array_get(row, 0)));
        cr_expect_eq(scan(in, NULL), 0, "%s", in);
    }
    json_decref(v);
}

Test(safety, extended_private_keys_removed_public_kept)
{
    json_t *v = load(path("tests/data/secrets/bip32-test-vectors.json"));
    size_t i, j, n = 0;
    json_t *vec, *ch;
    json_array_foreach(json_object_get(v, "valid"), i, vec)
    {
        json_array_foreach(json_object_get(vec, "chains"), j, ch)
        {
            char in[256];
            snprintf(in, sizeof(in), "%s", json_string_value(json_object_get(ch, "xprv")));
            expect(in, SAFETY_PRIVKEY, "[removed: private key]");
            snprintf(in, sizeof(in), "%s", json_string_value(json_object_get(ch, "xpub")));
            expect(in, 0, in);
            n++;
        }
    }
    cr_expect_eq(n, 17);
    /* Invalid keys (bad checksum, version or length) are not flagged as keys unless the
     * Base58Check payload validates; those that do validate are still private-key shaped. */
    json_array_foreach(json_object_get(v, "invalid"), i, vec)
    {
        const char *k = json_string_value(json_object_get(vec, "key"));
        const char *why = json_string_value(json_object_get(vec, "reason"));
        if (strstr(why, "checksum"))
            cr_expect_eq(scan(k, NULL), 0, "%s (%s)", k, why);
    }
    json_decref(v);
    /* BIP-49/84 forms derived from "abandon ... about". */
    expect("zprvAWgYBBk7JR8Gjrh4UJQ2uJdG1r3WNRRfURiABBE3RvMXYSrRJL62XuezvGdPvG6GFBZduosCc1YP5wixPo"
           "x7zhZLfiUm8aunE96BBa4Kei5",
           SAFETY_PRIVKEY, "[removed: private key]");
}

Test(safety, bip38_encrypted_keys_and_their_wif)
{
    json_t *v = load(path("tests/data/secrets/bip38-test-vectors.json"));
    size_t i, n = 0;
    json_t *t;
    json_array_foreach(json_object_get(v, "tests"), i, t)
    {
        /* The BIP's sections label the same fields differently. */
        const char *enc = NULL, *wif = NULL, *k;
        json_t *val;
        json_object_foreach(t, k, val)
        {
            if (strncmp(k, "Encrypted", 9) == 0)
                enc = json_string_value(val);
            if (strstr(k, "(WIF)"))
                wif = json_string_value(val);
        }
        if (enc) {
            expect(enc, SAFETY_PRIVKEY, "[removed: private key]");
            n++;
        }
        if (wif)
            expect(wif, SAFETY_PRIVKEY, "[removed: private key]");
    }
    cr_expect_eq(n, 9);
    json_decref(v);
}

Test(safety, hex_keys_need_context)
{
    FILE *f = fopen(path("tests/data/secrets/bip340-test-vectors.csv"), "r");
    cr_assert_not_null(f);
    char line[1024];
    int n = 0;
    cr_assert_not_null(fgets(line, sizeof(line), f));
    while (fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ',');
        if (!c1 || c1[1] == ',')
            continue; /* no secret key in this row */
        char hex[65];
        memcpy(hex, c1 + 1, 64);
        hex[64] = 0;
        char in[256];
        snprintf(in, sizeof(in), "my private key: %s", hex);
        expect(in, SAFETY_PRIVKEY, "my private key: [removed: private key]");
        snprintf(in, sizeof(in), "secret 0x%s please", hex);
        expect(in, SAFETY_PRIVKEY, "secret [removed: private key] please");
        /* Without context 64 hex digits are a transaction id. */
        snprintf(in, sizeof(in), "txid %s is stuck", hex);
        expect(in, 0, in);
        n++;
    }
    fclose(f);
    cr_expect_eq(n, 8);
}

/* ------------------------------------------------------------------ context rules */

Test(safety, passwords_codes_and_api_secrets_in_context)
{
    static const struct {
        const char *in;
        unsigned kinds;
        const char *out;
    } rows[] = {
        {"my password is hunter22 and it fails", SAFETY_PASSWORD,
         "my password is [removed: password] and it fails"},
        {"Password: Tr0ub4dor&3", SAFETY_PASSWORD, "Password: [removed: password]"},
        {"my password is \"correcthorse\".", SAFETY_PASSWORD, "my password is [removed: password]"},
        {"pwd=Secret!x", SAFETY_PASSWORD, "pwd=[removed: password]"},
        {"the password is now Abc12345!", SAFETY_PASSWORD,
         "the password is now [removed: password]"},
        {"2FA code: 123456", SAFETY_OTP, "2FA code: [removed: 2FA code]"},
        {"my google authenticator code is 123 456, hurry", SAFETY_OTP,
         "my google authenticator code is [removed: 2FA code], hurry"},
        {"The SMS code I got was 99887766", SAFETY_OTP,
         "The SMS code I got was [removed: 2FA code]"},
        {"API secret: 9fK2xP7qLm3Nz8Rt5Vw1Yb6Hc4Jd0Ge", SAFETY_API_SECRET,
         "API secret: [removed: API secret]"},
        {"api_secret=aB3dE5gH7jK9mN1pQ3sT5vX7", SAFETY_API_SECRET,
         "api_secret=[removed: API secret]"},
        {"secret key is c2VjcmV0LWtleS0xMjM0NTY3ODkw", SAFETY_API_SECRET,
         "secret key is [removed: API secret]"},
        {"password: hunter22, 2FA 654321", SAFETY_PASSWORD | SAFETY_OTP,
         "password: [removed: password] 2FA [removed: 2FA code]"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        expect(rows[i].in, rows[i].kinds, rows[i].out);
}

Test(safety, ordinary_support_text_is_not_flagged)
{
    static const char *const ok[] = {
        "I forgot my password and the reset link does not work.",
        "My password is not working since yesterday.",
        "My password is wrong, please help.",
        "Password reset email never arrived.",
        "I lost my 2FA device, how do I reset 2FA?",
        "My 2FA code is not accepted, my phone clock is right.",
        "The verification code expired.",
        "Withdrawal of 0.5 BTC to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq is stuck.",
        "txid 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b is pending",
        "Order 12345678 was filled at a bad price, 2 minutes after I placed it.",
        "I want to create an API key for my trading bot, where do I find the settings?",
        "My xpub is "
        "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8Y"
        "tGqsefD265TMg7usUDFdp6W1EGMcet8",
        "Never share your seed phrase or private key with anyone.",
        "Please tell me about the account, the wallet, the price and the fee, and also about "
        "the network, the bridge, the token, the address and the balance.",
        "abandon ability able about above absent absorb abstract absurd abuse access",
        "I am happy, the deposit arrived, thank you for the quick support today!",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_expect_eq(scan(ok[i], NULL), 0, "flagged: %s", ok[i]);
}

Test(safety, names_markers_priority)
{
    cr_expect_str_eq(safety_marker(SAFETY_SEED), "[removed: recovery phrase]");
    cr_expect_str_eq(safety_marker(SAFETY_PRIVKEY), "[removed: private key]");
    cr_expect_str_eq(safety_marker(SAFETY_PASSWORD), "[removed: password]");
    cr_expect_str_eq(safety_marker(SAFETY_OTP), "[removed: 2FA code]");
    cr_expect_str_eq(safety_marker(SAFETY_API_SECRET), "[removed: API secret]");
    cr_expect_str_eq(safety_priority(SAFETY_SEED | SAFETY_OTP), "urgent");
    cr_expect_str_eq(safety_priority(SAFETY_PRIVKEY), "urgent");
    cr_expect_str_eq(safety_priority(SAFETY_PASSWORD), "high");
    cr_expect_str_eq(safety_kind_slug(SAFETY_OTP), "2fa_code");
    cr_expect_null(safety_kind_name(1u << 9));
    const char *s = "no secret here";
    char *owned = (char *)"x";
    cr_expect_eq(safety_redact(&s, &owned), 0);
    cr_expect_null(owned);
    cr_expect_str_eq(s, "no secret here");
    s = "2fa 123456";
    cr_expect_eq(safety_redact(&s, &owned), SAFETY_OTP);
    cr_expect_str_eq(s, "2fa [removed: 2FA code]");
    free(owned);
}

/* ------------------------------------------------------------------ speed */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Worst case for the phrase search: nothing but wordlist words, so every position tries
 * all five phrase lengths. Doubling the input must roughly double the time. */
static double time_scan(size_t len)
{
    static const char *const words[] = {"legal ",   "winner ", "thank ",  "year ", "wave ",
                                        "sausage ", "worth ",  "useful ", "zoo ",  "able "};
    char *text = malloc(len + 16);
    size_t n = 0;
    for (unsigned i = 0; n < len; i = i * 7 + 3) {
        const char *w = words[i % 10];
        memcpy(text + n, w, strlen(w));
        n += strlen(w);
    }
    unsigned kinds;
    char *out = NULL;
    double t0 = seconds();
    cr_assert_eq(safety_scan(text, n, &kinds, &out, NULL), 0);
    double t = seconds() - t0;
    free(out);
    free(text);
    return t;
}

Test(safety, linear_time_on_large_input, .timeout = 120)
{
    double t1 = time_scan(256u << 10), t2 = time_scan(1u << 20);
    cr_log_info("256 KiB %.3fs, 1 MiB %.3fs (%.2f MB/s)", t1, t2, 1.048576 / t2);
    /* Linear: 4x the input takes about 4x the time (generous bound for a loaded machine). */
    cr_expect_lt(t2, t1 * 8 + 0.05, "256 KiB %.3fs, 1 MiB %.3fs", t1, t2);
}

/* ------------------------------------------------------------------ email corpus */

static void scan_dir(const char *dir, int *messages, int *flagged)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *raw = malloc(4u << 20);
        size_t n = fread(raw, 1, (4u << 20) - 1, f);
        fclose(f);
        struct mail_parsed m;
        if (mail_parse(raw, n, &m) == 0) {
            (*messages)++;
            const char *parts[] = {m.subject, m.text, m.html};
            for (int i = 0; i < 3; i++) {
                if (!parts[i])
                    continue;
                char *red = NULL;
                unsigned k = scan(parts[i], &red);
                if (k) {
                    (*flagged)++;
                    cr_log_warn("flagged %s (kinds %u)", path, k);
                }
                free(red);
            }
            mail_parsed_release(&m);
        }
        free(raw);
    }
    closedir(d);
}

Test(safety, no_false_positives_on_the_email_corpus, .timeout = 300)
{
    DIR *probe = opendir(path(CORPUS "spamassassin/ham"));
    if (!probe)
        cr_skip_test("email corpus not present at " CORPUS);
    closedir(probe);
    mail_init();
    int messages = 0, flagged = 0;
    scan_dir(path(CORPUS "spamassassin/ham"), &messages, &flagged);
    scan_dir(path(CORPUS "spamassassin/hard-ham"), &messages, &flagged);
    scan_dir(path(CORPUS "spamassassin/spam"), &messages, &flagged);
    scan_dir(path(CORPUS "python-test-email"), &messages, &flagged);
    cr_log_info("email corpus: %d messages, %d flagged parts", messages, flagged);
    cr_expect_geq(messages, 1000);
    cr_expect_eq(flagged, 0, "%d of %d messages flagged", flagged, messages);
}

/* ------------------------------------------------------------------ outbound guard */

Test(safety, outbound_guard_table)
{
    static const char *const refused[] = {
        "Please send us your seed phrase so we can verify the wallet.",
        "What is your 12-word phrase?",
        "Hello! To continue, confirm your 2FA code.",
        "Kindly share your recovery phrase with our security team",
        "We need your private key to recover the funds.",
        "Could you provide the password for your account?",
        "Thanks for waiting.\nReply with your 24 words and we will restore access.",
        "Please send your seed phrase, it is not risky.",
        "What's your Google Authenticator code right now?",
        "Please DM us your mnemonic",
        "Tell me the 6-digit code you just received by SMS code message",
        "Please type in your secret phrase here: https://example.com",
    };
    static const char *const allowed[] = {
        "We will never ask for your seed phrase.",
        "Never share your recovery phrase or private key with anyone, including us.",
        "Please do not send your password or 2FA code to anyone.",
        "Please send us a screenshot of the error; you can reset your password in Settings.",
        "Please provide the transaction ID of the withdrawal.",
        "Support will never ask you to send your 12-word phrase.",
        "Please enable 2FA in your security settings.",
        "Your seed phrase is the only backup of your wallet, keep it offline.",
        "You can reset your password from the login page.",
        "Please confirm the withdrawal address and the amount.",
        /* The acknowledgement every new email ticket gets (src/mail/outbox.c). */
        "Frontdesk staff will never ask for your password, 2FA codes, seed phrase or private "
        "keys, and will never ask you to move funds.",
        "",
    };
    struct fd_error err = {0};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        memset(&err, 0, sizeof(err));
        cr_expect_eq(safety_outbound_check(refused[i], "body", &err), FD_EINVAL, "passed: %s",
                     refused[i]);
        cr_expect_str_eq(err.field, "body");
        cr_expect_not_null(strstr(err.message, "never asks"), "%s", err.message);
    }
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        cr_expect_eq(safety_outbound_check(allowed[i], "body", &err), 0, "refused: %s: %s",
                     allowed[i], err.message);
}

/* ------------------------------------------------------------------ ticket hook */

/* Appends s and "|" to the 8 KiB buffer ctx. */
static void append(char *ctx, const char *s)
{
    size_t n = strlen(ctx);
    snprintf(ctx + n, 8192 - n, "%s|", s);
}

static int collect_body(void *ctx, const struct message_rec *m)
{
    append(ctx, m->body);
    return 0;
}

static int collect_event(void *ctx, const struct event_rec *e)
{
    if (strcmp(e->type, "secret_removed") == 0) {
        append(ctx, e->data);
    }
    return 0;
}

#define PHRASE "legal winner thank year wave sausage worth useful legal winner thank yellow"

Test(safety, tickets_store_no_secret_and_are_flagged_and_routed)
{
    struct fixture f;
    fixture_open(&f);
    struct auth_actor c = fixture_actor(&f, "cust@example.com", ROLE_CUSTOMER, NULL, 0);
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = "help, my password is Hunter22!";
    in.body = "My wallet words are " PHRASE ". Where are my coins?";
    in.department = "trading";
    struct ticket_rec t;
    struct fd_error err = {0};
    int64_t mid = 0;
    cr_assert_eq(tickets_create(f.db, &c, &in, &t, &mid, &err), 0, "%s", err.message);
    cr_expect_str_eq(t.subject, "help, my password is [removed: password]");
    cr_expect_str_eq(t.priority, "urgent");
    cr_expect_str_eq(t.department, "account");
    int tagged = 0;
    for (int i = 0; i < t.ntags; i++)
        tagged |= strcmp(t.tags[i], "secret-removed") == 0;
    cr_expect(tagged);
    static char bodies[8192], events[8192];
    bodies[0] = events[0] = 0;
    cr_assert_eq(store_message_list(f.db, t.id, 1, collect_body, bodies), 0);
    cr_expect_str_eq(bodies,
                     "My wallet words are [removed: recovery phrase]. Where are my coins?|");
    cr_assert_eq(store_event_list(f.db, t.id, collect_event, events), 0);
    cr_expect_not_null(strstr(events, "\"recovery_phrase\""), "%s", events);
    cr_expect_not_null(strstr(events, "\"password\""), "%s", events);
    cr_expect_null(strstr(events, "sausage"));
    cr_expect_null(strstr(events, "Hunter22"));

    /* A reply with a 2FA code on an ordinary ticket: removed, raised to high, routed. */
    in.subject = "deposit missing";
    in.body = "my deposit is missing";
    in.department = "deposits";
    cr_assert_eq(tickets_create(f.db, &c, &in, &t, &mid, &err), 0, "%s", err.message);
    cr_expect_str_eq(t.priority, "normal");
    cr_expect_eq(t.ntags, 0);
    struct ticket_rec r;
    cr_assert_eq(
        tickets_reply(f.db, &c, t.id, "here is my 2FA code: 123456", 0, NULL, 0, &r, &mid, &err), 0,
        "%s", err.message);
    cr_expect_str_eq(r.priority, "high");
    cr_expect_str_eq(r.department, "account");
    cr_expect_eq(r.ntags, 1);
    bodies[0] = events[0] = 0;
    cr_assert_eq(store_message_list(f.db, t.id, 1, collect_body, bodies), 0);
    cr_expect_str_eq(bodies, "my deposit is missing|here is my 2FA code: [removed: 2FA code]|");
    cr_assert_eq(store_event_list(f.db, t.id, collect_event, events), 0);
    cr_expect_not_null(strstr(events, "2fa_code"), "%s", events);
    cr_expect_null(strstr(events, "123456"));
    fixture_close(&f);
}

/* Found by fuzz_scan: the words inside a marker ("2FA") were keywords again, and the marker
 * shortened the distance to a later number, so a second scan found a "new" 2FA code. */
Test(safety, fuzz_crash_markers_are_opaque)
{
    static const char in[] =
        "2FA googcode phrase.\n2FA code: 123 456\napiy\0\0\0r: \0\0\0 123 456\n";
    unsigned kinds = 0, again = 99;
    char *out = NULL;
    size_t outlen = 0;
    cr_assert_eq(safety_scan(in, sizeof(in) - 1, &kinds, &out, &outlen), 0);
    cr_expect_eq(kinds, SAFETY_OTP);
    cr_assert_not_null(out);
    cr_expect_eq(memcmp(out, "2FA googcode phrase.\n2FA code: [removed: 2FA code]\napiy", 55), 0);
    cr_assert_eq(safety_scan(out, outlen, &again, NULL, NULL), 0);
    cr_expect_eq(again, 0);
    free(out);
    cr_expect_eq(scan("2FA code: [removed: 2FA code] and later 654321", NULL), 0);
}

/* Found by fuzz_scan: a marker longer or shorter than what it replaced moved a keyword
 * ("secret") within reach of a 64-hex value, so a second scan found a private key. The
 * scanner now rescans its own output until nothing new is found. */
Test(safety, fuzz_crash_rescan_until_stable)
{
    static const char in[] =
        "My dorsw: 1.123 456\x0a"
        "api\x00"
        "\x00"
        "\x00"
        "\x00"
        "\x00"
        "\x00"
        "\x00"
        "_secret=aB3i_secret=aB3dE5g ab. n aa1bdno2. about\x0a"
        "my password is Hunte\x89"
        "\xcd"
        "\xcd"
        "\xde"
        "\xf5"
        "\x8f"
        "\x8d"
        "\x96"
        "vkey 0x0000000000000000000000000000000000000000000000000000000000000003\x0a";
    unsigned kinds = 0, again = 99;
    char *out = NULL;
    size_t outlen = 0;
    cr_assert_eq(safety_scan(in, sizeof(in) - 1, &kinds, &out, &outlen), 0);
    cr_assert_not_null(out);
    cr_expect_eq(kinds & SAFETY_PASSWORD, SAFETY_PASSWORD);
    cr_expect_null(memmem(out, outlen, "0x0000000000", 12), "the hex value is removed");
    cr_assert_eq(safety_scan(out, outlen, &again, NULL, NULL), 0);
    cr_expect_eq(again, 0);
    free(out);
}

/* The built-in list is the official one: each of the 2,048 words of the shipped file is a
 * phrase word (twelve of it in a row, lower case, is a likely phrase) and nothing else is. */
Test(safety, builtin_wordlist_is_the_official_list)
{
    FILE *f = fopen(path("tests/data/secrets/bip39-english.txt"), "r");
    cr_assert_not_null(f);
    char w[32];
    int n = 0;
    while (fgets(w, sizeof(w), f)) {
        w[strcspn(w, "\n")] = 0;
        char in[512] = "";
        for (int i = 0; i < 12; i++) {
            size_t len = strlen(in);
            snprintf(in + len, sizeof(in) - len, "%s ", w);
        }
        cr_expect_eq(scan(in, NULL), SAFETY_SEED, "word %d \"%s\" not on the built-in list", n, w);
        n++;
    }
    fclose(f);
    cr_expect_eq(n, 2048);
    cr_expect_eq(
        scan("about about about about about about about abouts about about about about", NULL), 0);
}
