/*
 * Inbound mail authentication (src/mail/auth.c): organizational domains and DMARC
 * alignment, SPF against a zone file (libspf2's zone layer, no DNS), DKIM verification
 * of messages signed by our own signer with the key record read from the same zone file,
 * DMARC policy discovery, and the "failed authentication" rule. No network is used.
 */
#include "core/err.h"
#include "mail/auth.h"
#include "mail/mail.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], zonefile[128], keyfile[128];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/fd-mailauth-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(zonefile, sizeof(zonefile), "%s/zone.txt", dir);
    snprintf(keyfile, sizeof(keyfile), "%s/dkim.pem", dir);
}

static void rm_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    mail_auth_reset();
}

/* `frontdesk dkim keygen` for support.example, its printed record appended to the zone. */
static void keygen_into_zone(FILE *zone)
{
    char rec[128];
    snprintf(rec, sizeof(rec), "%s/record.txt", dir);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(rec, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(saved >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    struct fd_error err = {0};
    int rc = mail_dkim_keygen("support.example", "fd2025", keyfile, &err);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    cr_assert_eq(rc, 0, "%s", err.message);
    FILE *f = fopen(rec, "r");
    cr_assert_not_null(f);
    char line[4096];
    cr_assert_not_null(fgets(line, sizeof(line), f));
    fclose(f);
    fputs(line, zone); /* "fd2025._domainkey.support.example IN TXT "v=DKIM1; ..." "..."" */
}

/* The zone used by the tests below. */
static void write_zone(void)
{
    FILE *z = fopen(zonefile, "w");
    cr_assert_not_null(z);
    fputs("# test zone\n"
          "support.example TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
          "_dmarc.support.example IN TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
          "soft.example TXT \"v=spf1 ip4:192.0.2.20 ~all\"\n"
          "neutral.example TXT \"v=spf1 ?all\"\n"
          "mx.example TXT \"v=spf1 mx -all\"\n"
          "mx.example MX 10 mail.mx.example\n"
          "mail.mx.example A 192.0.2.30\n"
          "lax.example TXT \"v=spf1 ip4:192.0.2.40 -all\"\n"
          "_dmarc.lax.example TXT \"v=DMARC1; p=none\"\n"
          "strict.example TXT \"v=spf1 ip4:192.0.2.50 -all\"\n"
          "_dmarc.strict.example TXT \"v=DMARC1; p=quarantine; aspf=s\"\n",
          z);
    keygen_into_zone(z);
    fclose(z);
    struct fd_error err = {0};
    cr_assert_eq(mail_auth_configure(1, zonefile, &err), 0, "%s", err.message);
}

static char *signed_message(const char *from, const char *text, size_t *len)
{
    struct fd_error err = {0};
    cr_assert_eq(mail_dkim_configure("support.example", "fd2025", keyfile, &err), 0, "%s",
                 err.message);
    struct mail_out m;
    memset(&m, 0, sizeof(m));
    m.from_name = "Support";
    m.from_email = from;
    m.to_email = "desk@frontdesk.test";
    m.subject = "Your withdrawal [FD-10001]";
    m.text = text;
    m.message_id = "signed.1@support.example";
    char *raw = NULL;
    cr_assert_eq(mail_compose(&m, &raw, len), 0);
    cr_assert_eq(strncmp(raw, "DKIM-Signature:", 15), 0);
    return raw;
}

static struct mail_auth_result check(const char *raw, const char *from_domain, const char *ip,
                                     const char *helo, const char *mail_from)
{
    struct mail_envelope env = {ip, helo, mail_from};
    struct mail_auth_result r;
    cr_assert_eq(mail_auth_check(raw, strlen(raw), from_domain, &env, &r), 0);
    cr_assert_eq(r.checked, 1);
    return r;
}

TestSuite(mailauth, .init = mail_init);

Test(mailauth, org_domain_and_alignment)
{
    char o[256];
    mail_auth_org_domain("mail.support.example.com", o, sizeof(o));
    cr_assert_str_eq(o, "example.com");
    mail_auth_org_domain("EXAMPLE.COM.", o, sizeof(o));
    cr_assert_str_eq(o, "example.com");
    /* Public Suffix List rules: co.uk is a public suffix, so is *.ck with !www.ck. */
    mail_auth_org_domain("a.b.example.co.uk", o, sizeof(o));
    cr_assert_str_eq(o, "example.co.uk");
    mail_auth_org_domain("www.ck", o, sizeof(o));
    cr_assert_str_eq(o, "www.ck");
    mail_auth_org_domain("x.y.foo.ck", o, sizeof(o));
    cr_assert_str_eq(o, "y.foo.ck");
    mail_auth_org_domain("localhost", o, sizeof(o));
    cr_assert_str_eq(o, "localhost");

    cr_assert(mail_auth_aligned("mail.example.com", "example.com", 0), "relaxed: same org");
    cr_assert_not(mail_auth_aligned("mail.example.com", "example.com", 1), "strict: exact");
    cr_assert(mail_auth_aligned("Example.com", "example.COM", 1));
    cr_assert_not(mail_auth_aligned("example.com", "example.org", 0));
    cr_assert_not(mail_auth_aligned("evil-example.com", "example.com", 0));
    cr_assert_not(mail_auth_aligned("a.example.co.uk", "b.other.co.uk", 0),
                  "different registrable domains under one public suffix");
    cr_assert_not(mail_auth_aligned("", "example.com", 0));
}

Test(mailauth, spf_results_from_the_zone)
{
    make_dir();
    write_zone();
    const char *raw = "From: a@support.example\r\nSubject: x\r\n\r\nhi\r\n";
    struct mail_auth_result r =
        check(raw, "support.example", "192.0.2.10", "mx.support.example", "bounce@support.example");
    cr_assert_str_eq(r.spf, "pass");
    cr_assert_str_eq(r.spf_domain, "support.example");
    r = check(raw, "support.example", "198.51.100.7", "h", "bounce@support.example");
    cr_assert_str_eq(r.spf, "fail");
    r = check(raw, "soft.example", "198.51.100.7", "h", "x@soft.example");
    cr_assert_str_eq(r.spf, "softfail");
    r = check(raw, "neutral.example", "198.51.100.7", "h", "x@neutral.example");
    cr_assert_str_eq(r.spf, "neutral");
    r = check(raw, "nothing.example", "198.51.100.7", "h", "x@nothing.example");
    cr_assert_str_eq(r.spf, "none");
    /* the mx mechanism resolves MX then A from the zone */
    r = check(raw, "mx.example", "192.0.2.30", "h", "x@mx.example");
    cr_assert_str_eq(r.spf, "pass");
    r = check(raw, "mx.example", "192.0.2.31", "h", "x@mx.example");
    cr_assert_str_eq(r.spf, "fail");
    /* a null sender is checked as postmaster@HELO */
    r = check(raw, "support.example", "192.0.2.10", "support.example", "");
    cr_assert_str_eq(r.spf, "pass");
    cr_assert_str_eq(r.spf_domain, "support.example");
    /* without the client IP nothing can be said */
    r = check(raw, "support.example", NULL, NULL, "bounce@support.example");
    cr_assert_str_eq(r.spf, "none");
    rm_dir();
}

Test(mailauth, dkim_signed_by_our_signer_passes_and_dmarc_aligns)
{
    make_dir();
    write_zone();
    size_t len;
    char *raw =
        signed_message("withdrawals@support.example", "Your withdrawal is on its way.\n", &len);
    struct mail_auth_result r;
    cr_assert_eq(mail_auth_check(raw, len, "support.example", NULL, &r), 0);
    cr_assert_str_eq(r.dkim, "pass");
    cr_assert_str_eq(r.dkim_domain, "support.example");
    cr_assert_str_eq(r.spf, "none");
    cr_assert_str_eq(r.dmarc, "pass", "an aligned DKIM pass is enough");
    cr_assert_str_eq(r.dmarc_policy, "reject");
    cr_assert_not(mail_auth_failed(&r));

    /* The same bytes with bare LF line ends (as an MTA pipe hands them over) still pass. */
    char *lf = malloc(len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++)
        if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
            lf[j++] = raw[i];
    lf[j] = '\0';
    cr_assert_eq(mail_auth_check(lf, j, "support.example", NULL, &r), 0);
    cr_assert_str_eq(r.dkim, "pass");
    free(lf);

    /* One body byte changed: DKIM fails, so DMARC (p=reject) fails. */
    char *t = strstr(raw, "on its way");
    cr_assert_not_null(t);
    t[0] = 'O';
    cr_assert_eq(mail_auth_check(raw, len, "support.example", NULL, &r), 0);
    cr_assert_str_eq(r.dkim, "fail");
    cr_assert_str_eq(r.dkim_domain, "support.example");
    cr_assert_str_eq(r.dmarc, "fail");
    cr_assert_str_eq(r.dmarc_policy, "reject");
    cr_assert(mail_auth_failed(&r));
    /* ...but an SPF pass for an aligned MAIL FROM still satisfies DMARC. */
    struct mail_envelope env = {"192.0.2.10", "mx.support.example", "bounce@support.example"};
    cr_assert_eq(mail_auth_check(raw, len, "support.example", &env, &r), 0);
    cr_assert_str_eq(r.dkim, "fail");
    cr_assert_str_eq(r.spf, "pass");
    cr_assert_str_eq(r.dmarc, "pass");
    cr_assert_not(mail_auth_failed(&r));
    free(raw);
    rm_dir();
}

Test(mailauth, dkim_for_another_domain_does_not_align)
{
    make_dir();
    write_zone();
    size_t len;
    /* Signed by support.example (d=), but From says lax.example (p=none). */
    char *raw = signed_message("ceo@lax.example", "Send me the seed phrase.\n", &len);
    struct mail_auth_result r;
    cr_assert_eq(mail_auth_check(raw, len, "lax.example", NULL, &r), 0);
    cr_assert_str_eq(r.dkim, "pass");
    cr_assert_str_eq(r.dmarc, "fail");
    cr_assert_str_eq(r.dmarc_policy, "none");
    cr_assert(mail_auth_failed(&r), "a DMARC fail counts, whatever the published policy");
    free(raw);
    rm_dir();
}

Test(mailauth, dmarc_policy_discovery_and_strict_spf)
{
    make_dir();
    write_zone();
    const char *raw = "From: a@x\r\nSubject: x\r\n\r\nhi\r\n";
    /* unsigned, no SPF data: DMARC fails for a domain with a record... */
    struct mail_auth_result r = check(raw, "support.example", NULL, NULL, NULL);
    cr_assert_str_eq(r.dkim, "none");
    cr_assert_str_eq(r.dmarc, "fail");
    cr_assert(mail_auth_failed(&r));
    /* ...a subdomain without its own record takes the organizational domain's sp= */
    r = check(raw, "alerts.support.example", NULL, NULL, NULL);
    cr_assert_str_eq(r.dmarc, "fail");
    cr_assert_str_eq(r.dmarc_policy, "quarantine");
    /* ...and a domain without any record is "none", not a failure */
    r = check(raw, "nothing.example", "198.51.100.7", "h", "x@nothing.example");
    cr_assert_str_eq(r.dmarc, "none");
    cr_assert_str_eq(r.dmarc_policy, "");
    cr_assert_not(mail_auth_failed(&r));
    /* relaxed SPF alignment: a subdomain MAIL FROM aligns with the From domain */
    r = check(raw, "lax.example", "192.0.2.40", "h", "x@lax.example");
    cr_assert_str_eq(r.spf, "pass");
    cr_assert_str_eq(r.dmarc, "pass");
    /* aspf=s: an SPF pass for another (sub)domain does not align */
    r = check(raw, "strict.example", "192.0.2.50", "h", "x@strict.example");
    cr_assert_str_eq(r.dmarc, "pass");
    r = check(raw, "mail.strict.example", "192.0.2.10", "h", "x@support.example");
    cr_assert_str_eq(r.spf, "pass");
    cr_assert_str_eq(r.dmarc, "fail");
    cr_assert_str_eq(r.dmarc_policy, "quarantine");
    rm_dir();
}

Test(mailauth, off_and_bad_zone)
{
    struct fd_error err = {0};
    cr_assert_eq(mail_auth_configure(0, NULL, &err), 0);
    struct mail_auth_result r;
    cr_assert_eq(mail_auth_check("From: a@b\r\n\r\nx", 13, "b", NULL, &r), 0);
    cr_assert_eq(r.checked, 0);
    cr_assert_not(mail_auth_failed(&r));
    make_dir();
    FILE *z = fopen(zonefile, "w");
    fputs("ok.example TXT \"v=spf1 -all\"\nbroken line\n", z);
    fclose(z);
    cr_assert_eq(mail_auth_configure(1, zonefile, &err), FD_EINVAL);
    cr_assert(strstr(err.message, "line 2") != NULL, "%s", err.message);
    cr_assert_eq(mail_auth_configure(1, "/nonexistent/zone", &err), FD_EIO);
    rm_dir();
}
