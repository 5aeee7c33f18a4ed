/*
 * auth.c: inbound mail authentication, DKIM + SPF + DMARC (see auth.h and docs/mail.md).
 *
 * DKIM: libopendkim verifies every signature (rsa-sha256 and ed25519 as the library
 * supports); "pass" when at least one signature's header hash and body hash verified.
 * SPF: libspf2 evaluates the MAIL FROM identity (postmaster@HELO for a null sender) for
 * the client IP. DMARC (RFC 7489): the _dmarc TXT record of the From domain, else of its
 * organizational domain (then sp= applies); pass when a passing DKIM domain or the SPF
 * domain after an SPF pass is aligned (adkim/aspf, relaxed by default).
 */
#include "mail/auth.h"

#include "core/err.h"
#include "core/xalloc.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <opendkim/dkim.h>
#include <pthread.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_resolv.h>
#include <spf2/spf_dns_zone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PSL_PATH "/usr/share/publicsuffix/public_suffix_list.dat"
#define ZONE_LINE_MAX 8192
#define ZONE_MAX_RECORDS 10000
#define TXT_MAX 4096
#define DMARC_MAX_TXT 8

/* ---- configuration (set once at start-up, read-only afterwards) ---- */

struct zrec {
    char *name; /* lower case, no trailing dot */
    int type;   /* ns_t_txt, ns_t_a, ns_t_aaaa, ns_t_mx */
    char *value;
};

static int auth_enabled;
static struct zrec *zone;
static size_t nzone;
static int zone_on;
static DKIM_LIB *vlib;

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void zone_free(void)
{
    for (size_t i = 0; i < nzone; i++) {
        free(zone[i].name);
        free(zone[i].value);
    }
    free(zone);
    zone = NULL;
    nzone = 0;
    zone_on = 0;
}

/* A TXT value: "a" "b" joined as ab; an unquoted value as is. */
static char *txt_value(const char *v)
{
    if (*v != '"')
        return xstrdup(v);
    char *out = xmalloc(strlen(v) + 1);
    size_t j = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '"')
            break;
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            out[j++] = *p++;
        }
        if (*p == '"')
            p++;
    }
    out[j] = '\0';
    return out;
}

static int zone_load(const char *path, struct fd_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fd_fail(err, FD_EIO, "mail_auth_dns_file", "cannot open %.200s: %s", path,
                       strerror(errno));
    char line[ZONE_LINE_MAX];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#' || *p == ';')
            continue;
        char *name = p;
        p += strcspn(p, " \t");
        if (*p)
            *p++ = '\0';
        p += strspn(p, " \t");
        if (strncasecmp(p, "IN", 2) == 0 && (p[2] == ' ' || p[2] == '\t')) {
            p += 2;
            p += strspn(p, " \t");
        }
        char *type = p;
        p += strcspn(p, " \t");
        if (*p)
            *p++ = '\0';
        p += strspn(p, " \t");
        size_t vl = strlen(p);
        while (vl > 0 && (p[vl - 1] == ' ' || p[vl - 1] == '\t'))
            p[--vl] = '\0';
        int t = strcasecmp(type, "TXT") == 0    ? ns_t_txt
                : strcasecmp(type, "A") == 0    ? ns_t_a
                : strcasecmp(type, "AAAA") == 0 ? ns_t_aaaa
                : strcasecmp(type, "MX") == 0   ? ns_t_mx
                                                : -1;
        if (t < 0 || *p == '\0' || *name == '\0' || nzone >= ZONE_MAX_RECORDS) {
            rc =
                fd_fail(err, FD_EINVAL, "mail_auth_dns_file",
                        "%.200s line %d: expected \"name [IN] TXT|A|AAAA|MX value\"", path, lineno);
            break;
        }
        zone = xrealloc(zone, (nzone + 1) * sizeof(*zone));
        size_t nl = strlen(name);
        if (nl > 1 && name[nl - 1] == '.')
            name[nl - 1] = '\0';
        zone[nzone].name = xstrdup(name);
        lower(zone[nzone].name);
        zone[nzone].type = t;
        if (t == ns_t_mx) { /* "10 mx.example.com": libspf2 wants the host only */
            char *h = p + strspn(p, "0123456789");
            h += strspn(h, " \t");
            zone[nzone].value = xstrdup(*h ? h : p);
        } else {
            zone[nzone].value = t == ns_t_txt ? txt_value(p) : xstrdup(p);
        }
        nzone++;
    }
    fclose(f);
    if (rc == 0)
        zone_on = 1;
    return rc;
}

/* ---- organizational domain (Public Suffix List) ---- */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static char **psl;
static size_t npsl;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void psl_load(void)
{
    FILE *f = fopen(PSL_PATH, "r");
    if (!f)
        return;
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, " \t\r\n")] = '\0';
        if (line[0] == '\0' || (line[0] == '/' && line[1] == '/'))
            continue;
        if (npsl == cap) {
            cap = cap ? cap * 2 : 1024;
            psl = xrealloc(psl, cap * sizeof(*psl));
        }
        lower(line);
        psl[npsl++] = xstrdup(line);
    }
    fclose(f);
    qsort(psl, npsl, sizeof(*psl), cmp_str);
}

static int psl_has(const char *s)
{
    return psl && bsearch(&s, psl, npsl, sizeof(*psl), cmp_str) != NULL;
}

void mail_auth_org_domain(const char *name, char *out, size_t n)
{
    pthread_once(&psl_once, psl_load);
    char d[MAIL_AUTH_DOMAIN_MAX];
    snprintf(d, sizeof(d), "%s", name ? name : "");
    lower(d);
    size_t dl = strlen(d);
    if (dl && d[dl - 1] == '.')
        d[--dl] = '\0';
    /* Label start offsets, leftmost first. */
    size_t start[128];
    int nl = 0;
    start[nl++] = 0;
    for (size_t i = 0; i < dl && nl < 128; i++)
        if (d[i] == '.')
            start[nl++] = i + 1;
    int ps = nl - 1; /* default rule "*": the last label is the public suffix */
    if (psl) {
        char probe[MAIL_AUTH_DOMAIN_MAX + 2];
        for (int i = 0; i < nl; i++) {
            const char *s = d + start[i];
            snprintf(probe, sizeof(probe), "!%s", s);
            if (psl_has(probe)) {
                ps = i + 1 < nl ? i + 1 : i;
                break;
            }
            if (psl_has(s)) {
                ps = i;
                break;
            }
            if (i + 1 < nl) {
                snprintf(probe, sizeof(probe), "*.%s", d + start[i + 1]);
                if (psl_has(probe)) {
                    ps = i;
                    break;
                }
            }
        }
    } else if (nl >= 2) {
        ps = nl - 1; /* without the list: the last two labels (an approximation) */
    }
    int org = ps > 0 ? ps - 1 : 0;
    snprintf(out, n, "%s", d + start[org]);
}

int mail_auth_aligned(const char *a, const char *b, int strict)
{
    if (!a || !b || !*a || !*b)
        return 0;
    if (strcasecmp(a, b) == 0)
        return 1;
    if (strict)
        return 0;
    char oa[MAIL_AUTH_DOMAIN_MAX], ob[MAIL_AUTH_DOMAIN_MAX];
    mail_auth_org_domain(a, oa, sizeof(oa));
    mail_auth_org_domain(b, ob, sizeof(ob));
    return strcmp(oa, ob) == 0;
}

/* ---- DNS ---- */

/* TXT records of name into out[] (each malloc'd). Returns the count, 0 for none
 * (NXDOMAIN / no data), -1 for a temporary failure. */
static int lookup_txt(SPF_dns_server_t *dns, const char *name, char **out, int max)
{
    int n = 0;
    if (zone_on) {
        for (size_t i = 0; i < nzone && n < max; i++)
            if (zone[i].type == ns_t_txt && strcasecmp(zone[i].name, name) == 0)
                out[n++] = xstrdup(zone[i].value);
        return n;
    }
    if (!dns)
        return -1;
    SPF_dns_rr_t *rr = SPF_dns_lookup(dns, name, ns_t_txt, 0);
    if (!rr)
        return -1;
    if (rr->herrno == NETDB_SUCCESS)
        for (int i = 0; i < rr->num_rr && n < max; i++)
            out[n++] = xstrdup(rr->rr[i]->txt);
    int temp = rr->herrno == TRY_AGAIN;
    SPF_dns_rr_free(rr);
    return temp && n == 0 ? -1 : n;
}

static SPF_dns_server_t *dns_new(void)
{
    if (!zone_on)
        return SPF_dns_resolv_new(NULL, "resolv", 0);
    SPF_dns_server_t *z = SPF_dns_zone_new(NULL, "frontdesk", 0);
    for (size_t i = 0; z && i < nzone; i++)
        (void)SPF_dns_zone_add_str(z, zone[i].name, (ns_type)zone[i].type, NETDB_SUCCESS,
                                   zone[i].value);
    return z;
}

/* opendkim's key lookup when a zone file is configured: selector._domainkey.domain. */
static DKIM_CBSTAT key_from_zone(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    (void)d;
    const char *sel = (const char *)dkim_sig_getselector(sig);
    const char *dom = (const char *)dkim_sig_getdomain(sig);
    if (!sel || !dom)
        return DKIM_CBSTAT_NOTFOUND;
    char name[MAIL_AUTH_DOMAIN_MAX * 2];
    snprintf(name, sizeof(name), "%s._domainkey.%s", sel, dom);
    for (size_t i = 0; i < nzone; i++)
        if (zone[i].type == ns_t_txt && strcasecmp(zone[i].name, name) == 0) {
            if (strlen(zone[i].value) >= buflen)
                return DKIM_CBSTAT_ERROR;
            snprintf((char *)buf, buflen, "%s", zone[i].value);
            return DKIM_CBSTAT_CONTINUE;
        }
    return DKIM_CBSTAT_NOTFOUND;
}

int mail_auth_configure(int enabled, const char *zone_file, struct fd_error *err)
{
    mail_auth_reset();
    auth_enabled = enabled != 0;
    if (!auth_enabled)
        return 0;
    int rc = 0;
    if (zone_file && *zone_file && (rc = zone_load(zone_file, err))) {
        zone_free();
        auth_enabled = 0;
        return rc;
    }
    vlib = dkim_init(NULL, NULL);
    if (!vlib) {
        auth_enabled = 0;
        return fd_fail(err, FD_EIO, "mail_auth", "opendkim initialisation failed");
    }
    /* Messages piped by an MTA often have bare LF line ends. */
    u_int flags = 0;
    (void)dkim_options(vlib, DKIM_OP_GETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
    flags |= DKIM_LIBFLAGS_FIXCRLF;
    (void)dkim_options(vlib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
    if (zone_on)
        (void)dkim_set_key_lookup(vlib, key_from_zone);
    return 0;
}

void mail_auth_reset(void)
{
    if (vlib)
        dkim_close(vlib);
    vlib = NULL;
    zone_free();
    auth_enabled = 0;
}

/* ---- DKIM ---- */

/* Hands one header field to opendkim with CRLF folds (the field may use bare LF). */
static DKIM_STAT feed_field(DKIM *d, const char *f, size_t n)
{
    if (memchr(f, '\n', n) == NULL)
        return dkim_header(d, (u_char *)f, n);
    u_char *c = xmalloc(2 * n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i] == '\n' && (i == 0 || f[i - 1] != '\r'))
            c[j++] = '\r';
        c[j++] = (u_char)f[i];
    }
    DKIM_STAT st = dkim_header(d, c, j);
    free(c);
    return st;
}

/* Feeds header fields one at a time (with folded continuations, without the final line
 * end), LF or CRLF. Returns the body offset, or len when there is no body. */
static size_t feed_headers(DKIM *d, const char *raw, size_t len, int *ok)
{
    size_t field = 0, i = 0;
    *ok = 1;
    while (i < len) {
        const char *nl = memchr(raw + i, '\n', len - i);
        size_t eol = nl ? (size_t)(nl - raw) : len;
        size_t next = nl ? eol + 1 : len;
        size_t end = eol > i && raw[eol - 1] == '\r' ? eol - 1 : eol;
        if (end == i) { /* the empty line */
            size_t fe = i;
            while (fe > field && (raw[fe - 1] == '\n' || raw[fe - 1] == '\r'))
                fe--;
            if (fe > field && feed_field(d, raw + field, fe - field) != DKIM_STAT_OK)
                *ok = 0;
            return next;
        }
        if (i > field && raw[i] != ' ' && raw[i] != '\t') {
            /* a new field starts: hand over the previous one, minus its line end */
            size_t fe = i;
            while (fe > field && (raw[fe - 1] == '\n' || raw[fe - 1] == '\r'))
                fe--;
            if (feed_field(d, raw + field, fe - field) != DKIM_STAT_OK) {
                *ok = 0;
                return len;
            }
            field = i;
        }
        i = next;
    }
    return len;
}

static void check_dkim(const char *raw, size_t len, const char *from_domain,
                       struct mail_auth_result *out, char (*passed)[MAIL_AUTH_DOMAIN_MAX],
                       int *npassed, int maxpassed)
{
    snprintf(out->dkim, sizeof(out->dkim), "none");
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM *d = dkim_verify(vlib, (const unsigned char *)"frontdesk", NULL, &st);
    if (!d)
        return;
    int ok = 1;
    size_t body = feed_headers(d, raw, len, &ok);
    st = ok ? dkim_eoh(d) : DKIM_STAT_SYNTAX;
    if (st == DKIM_STAT_NOSIG || !ok)
        goto out;
    if (st == DKIM_STAT_OK && body < len)
        st = dkim_body(d, (u_char *)(raw + body), len - body);
    if (st == DKIM_STAT_OK)
        (void)dkim_eom(d, NULL);
    DKIM_SIGINFO **sigs = NULL;
    int nsigs = 0;
    if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0)
        goto out;
    snprintf(out->dkim, sizeof(out->dkim), "fail");
    for (int i = 0; i < nsigs; i++) {
        const char *dom = (const char *)dkim_sig_getdomain(sigs[i]);
        if (!dom)
            continue;
        if (i == 0)
            snprintf(out->dkim_domain, sizeof(out->dkim_domain), "%s", dom);
        if (DKIM_SIG_CHECK(sigs[i])) {
            if (strcmp(out->dkim, "pass") != 0 || mail_auth_aligned(dom, from_domain, 0))
                snprintf(out->dkim_domain, sizeof(out->dkim_domain), "%s", dom);
            snprintf(out->dkim, sizeof(out->dkim), "pass");
            if (*npassed < maxpassed)
                snprintf(passed[(*npassed)++], MAIL_AUTH_DOMAIN_MAX, "%s", dom);
        }
    }
out:
    dkim_free(d);
}

/* ---- SPF ---- */

static const char *spf_name(SPF_result_t r)
{
    switch (r) {
    case SPF_RESULT_PASS: return "pass";
    case SPF_RESULT_FAIL: return "fail";
    case SPF_RESULT_SOFTFAIL: return "softfail";
    case SPF_RESULT_NEUTRAL: return "neutral";
    case SPF_RESULT_TEMPERROR: return "temperror";
    case SPF_RESULT_PERMERROR: return "permerror";
    default: return "none";
    }
}

static void check_spf(SPF_dns_server_t *dns, const struct mail_envelope *env,
                      struct mail_auth_result *out)
{
    snprintf(out->spf, sizeof(out->spf), "none");
    if (!env || !env->client_ip || !*env->client_ip || !dns)
        return;
    const char *mf = env->mail_from;
    char sender[MAIL_AUTH_DOMAIN_MAX + 16];
    if (mf && *mf && strchr(mf, '@'))
        snprintf(sender, sizeof(sender), "%s", mf);
    else if (env->helo && *env->helo)
        snprintf(sender, sizeof(sender), "postmaster@%s", env->helo);
    else
        return;
    const char *at = strrchr(sender, '@');
    snprintf(out->spf_domain, sizeof(out->spf_domain), "%s", at + 1);
    lower(out->spf_domain);
    SPF_server_t *srv = SPF_server_new_dns(dns, 0);
    if (!srv)
        return;
    SPF_request_t *req = SPF_request_new(srv);
    SPF_response_t *resp = NULL;
    int ip_ok = strchr(env->client_ip, ':') ? SPF_request_set_ipv6_str(req, env->client_ip) == 0
                                            : SPF_request_set_ipv4_str(req, env->client_ip) == 0;
    if (ip_ok && env->helo && *env->helo)
        (void)SPF_request_set_helo_dom(req, env->helo);
    if (ip_ok && SPF_request_set_env_from(req, sender) == 0) {
        (void)SPF_request_query_mailfrom(req, &resp);
        if (resp)
            snprintf(out->spf, sizeof(out->spf), "%s", spf_name(SPF_response_result(resp)));
    } else {
        snprintf(out->spf, sizeof(out->spf), "permerror");
    }
    if (resp)
        SPF_response_free(resp);
    SPF_request_free(req);
    /* The DNS layer belongs to the caller: detach it so SPF_server_free leaves it. */
    srv->resolver = NULL;
    SPF_server_free(srv);
}

/* ---- DMARC ---- */

struct dmarc_rec {
    char p[64], sp[64];
    int adkim_strict, aspf_strict;
};

/* Parses "v=DMARC1; p=reject; ..." Returns 1 when it is a DMARC record. */
static int dmarc_parse(const char *txt, struct dmarc_rec *r)
{
    memset(r, 0, sizeof(*r));
    const char *p = txt;
    int first = 1, valid = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        if (!*p)
            break;
        const char *k = p;
        size_t kl = strcspn(p, "=;");
        p += kl;
        while (kl > 0 && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
            kl--;
        char v[64] = "";
        if (*p == '=') {
            p++;
            p += strspn(p, " \t");
            size_t vl = strcspn(p, ";");
            size_t keep = vl;
            while (keep > 0 && (p[keep - 1] == ' ' || p[keep - 1] == '\t'))
                keep--;
            snprintf(v, sizeof(v), "%.*s", (int)(keep < sizeof(v) ? keep : sizeof(v) - 1), p);
            p += vl;
        }
        lower(v);
        if (first) {
            if (kl != 1 || k[0] != 'v' || strcmp(v, "dmarc1") != 0)
                return 0;
            valid = 1;
            first = 0;
            continue;
        }
        if (kl == 1 && k[0] == 'p')
            snprintf(r->p, sizeof(r->p), "%s", v);
        else if (kl == 2 && strncmp(k, "sp", 2) == 0)
            snprintf(r->sp, sizeof(r->sp), "%s", v);
        else if (kl == 5 && strncmp(k, "adkim", 5) == 0)
            r->adkim_strict = strcmp(v, "s") == 0;
        else if (kl == 4 && strncmp(k, "aspf", 4) == 0)
            r->aspf_strict = strcmp(v, "s") == 0;
    }
    return valid;
}

static int policy_ok(const char *p)
{
    return strcmp(p, "none") == 0 || strcmp(p, "quarantine") == 0 || strcmp(p, "reject") == 0;
}

/* Finds the DMARC record for domain: 1 found, 0 none, -1 temporary failure. */
static int dmarc_find(SPF_dns_server_t *dns, const char *domain, struct dmarc_rec *r)
{
    char name[MAIL_AUTH_DOMAIN_MAX + 16];
    snprintf(name, sizeof(name), "_dmarc.%s", domain);
    char *txt[DMARC_MAX_TXT];
    int n = lookup_txt(dns, name, txt, DMARC_MAX_TXT);
    if (n < 0)
        return -1;
    int found = 0;
    for (int i = 0; i < n; i++) {
        struct dmarc_rec tmp;
        if (dmarc_parse(txt[i], &tmp)) {
            /* More than one DMARC record: none applies (RFC 7489 6.6.3). */
            found = found ? 2 : 1;
            *r = tmp;
        }
        free(txt[i]);
    }
    return found == 1 ? 1 : 0;
}

static void check_dmarc(SPF_dns_server_t *dns, struct mail_auth_result *out,
                        char (*passed)[MAIL_AUTH_DOMAIN_MAX], int npassed)
{
    snprintf(out->dmarc, sizeof(out->dmarc), "none");
    if (!out->from_domain[0])
        return;
    struct dmarc_rec r;
    int sub = 0;
    int f = dmarc_find(dns, out->from_domain, &r);
    if (f == 0) {
        char org[MAIL_AUTH_DOMAIN_MAX];
        mail_auth_org_domain(out->from_domain, org, sizeof(org));
        if (strcmp(org, out->from_domain) != 0) {
            f = dmarc_find(dns, org, &r);
            sub = 1;
        }
    }
    if (f < 0) {
        snprintf(out->dmarc, sizeof(out->dmarc), "temperror");
        return;
    }
    if (f == 0)
        return;
    const char *pol = sub && r.sp[0] ? r.sp : r.p;
    snprintf(out->dmarc_policy, sizeof(out->dmarc_policy), "%.11s", policy_ok(pol) ? pol : "none");
    int aligned = 0;
    for (int i = 0; i < npassed && !aligned; i++)
        aligned = mail_auth_aligned(passed[i], out->from_domain, r.adkim_strict);
    if (!aligned && strcmp(out->spf, "pass") == 0)
        aligned = mail_auth_aligned(out->spf_domain, out->from_domain, r.aspf_strict);
    snprintf(out->dmarc, sizeof(out->dmarc), "%s", aligned ? "pass" : "fail");
}

/* ---- the check ---- */

#define MAX_PASSED 8

int mail_auth_check(const char *raw, size_t len, const char *from_domain,
                    const struct mail_envelope *env, struct mail_auth_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!auth_enabled)
        return 0;
    out->checked = 1;
    snprintf(out->from_domain, sizeof(out->from_domain), "%s", from_domain ? from_domain : "");
    lower(out->from_domain);
    char passed[MAX_PASSED][MAIL_AUTH_DOMAIN_MAX];
    int npassed = 0;
    check_dkim(raw, len, out->from_domain, out, passed, &npassed, MAX_PASSED);
    SPF_dns_server_t *dns = dns_new();
    check_spf(dns, env, out);
    check_dmarc(dns, out, passed, npassed);
    if (dns)
        SPF_dns_free(dns);
    return 0;
}

int mail_auth_failed(const struct mail_auth_result *r)
{
    if (!r->checked)
        return 0;
    return strcmp(r->dmarc, "fail") == 0 ||
           (strcmp(r->dkim, "fail") == 0 && strcmp(r->spf, "fail") == 0);
}
