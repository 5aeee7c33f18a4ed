#ifndef FD_MAIL_AUTH_H
#define FD_MAIL_AUTH_H
/*
 * Inbound mail authentication (auth.c): DKIM (libopendkim verify), SPF (libspf2) for
 * the connecting IP / HELO / MAIL FROM the MTA reports, and DMARC alignment of both with
 * the From domain, with the policy read from the _dmarc TXT record. docs/mail.md.
 *
 * DNS: real DNS by default (opendkim's own resolver for DKIM keys, libspf2's libresolv
 * layer for SPF and DMARC records). With a zone file configured, every lookup (DKIM
 * keys, SPF, DMARC, and A/AAAA/MX for SPF mechanisms) is answered from that file only:
 * for tests and for closed networks.
 *
 * Organizational domain (for relaxed alignment): the longest matching rule of the Public
 * Suffix List (Debian's publicsuffix package) plus one label; without the list, the
 * last two labels (an approximation that is wrong for e.g. co.uk).
 *
 * Threads: configure once at start-up; checks are then thread-safe (each check makes
 * its own handles; the configuration is read-only).
 */
#include "mail.h" /* struct mail_envelope */

#include <stddef.h>

struct fd_error;

#define MAIL_AUTH_DOMAIN_MAX 256

struct mail_auth_result {
    int checked;                            /* 0: authentication is off */
    char dkim[12];                          /* pass, fail, none */
    char dkim_domain[MAIL_AUTH_DOMAIN_MAX]; /* d= of the (first passing, else first) signature */
    char spf[12]; /* pass, fail, softfail, neutral, none, temperror, permerror */
    char spf_domain[MAIL_AUTH_DOMAIN_MAX];  /* the MAIL FROM domain (or HELO) checked */
    char dmarc[12];                         /* pass, fail, none (no record), temperror */
    char dmarc_policy[12];                  /* none, quarantine, reject; "" without record */
    char from_domain[MAIL_AUTH_DOMAIN_MAX]; /* domain of the From address */
};

/*
 * enabled 0 turns checking off. zone_file: "" or NULL for real DNS, else a file of
 * lines "name [IN] TYPE value" (TYPE TXT, A, AAAA or MX; TXT values may be split into
 * "quoted" "strings" as `frontdesk dkim keygen` prints them; # starts a comment).
 * Returns 0, FD_EIO (unreadable), FD_EINVAL (a bad line: err names it).
 */
int mail_auth_configure(int enabled, const char *zone_file, struct fd_error *err);

/*
 * Checks raw (the message as received, before any change) whose From domain is
 * from_domain (may be NULL). env may be NULL. Never fails on hostile input: results
 * say fail/none. Returns 0 or FD_ENOMEM.
 */
int mail_auth_check(const char *raw, size_t len, const char *from_domain,
                    const struct mail_envelope *env, struct mail_auth_result *out);

/* Whether a result counts as failed authentication: DMARC fail, or DKIM fail together
 * with SPF fail. */
int mail_auth_failed(const struct mail_auth_result *r);

/* The organizational domain of name (lower case) into out. */
void mail_auth_org_domain(const char *name, char *out, size_t n);

/* The DMARC alignment rule: strict (1) needs equal domains, relaxed equal
 * organizational domains. */
int mail_auth_aligned(const char *a, const char *b, int strict);

/* Frees the configuration (zone, suffix list). For tests and shutdown. */
void mail_auth_reset(void);

#endif
