#ifndef FD_SAFETY_PHISH_REPORT_H
#define FD_SAFETY_PHISH_REPORT_H
/*
 * Phishing reports (docs/verify.md): mail to the phishing address (config key
 * phishing_address; default phishing@<mail_domain>) becomes an Account & Security ticket
 * tagged phishing-report, with an internal note analysing the forwarded message
 * (message/rfc822 attachments): sender domains, authentication headers and link hosts,
 * each checked against the registry of official contacts (verify.h). Called by mail
 * intake inside its write transaction.
 */
#include <stdint.h>

struct db;
struct fd_error;
struct mail_parsed;
struct user_rec;

#define PHISH_REPORT_TAG "phishing-report"
#define PHISH_REPORT_DEPARTMENT "account"

/* Whether the message was sent to the phishing address (the MTA's address or any
 * recipient). phishing_address NULL or "": phishing@mail_domain. */
int phish_report_match(const char *phishing_address, const char *mail_domain,
                       const struct mail_parsed *m, const char *address);
/* The analysis text of m's forwarded messages (*note is the caller's). Returns 0 or
 * FD_ENOMEM. */
int phish_report_analyze(struct db *db, const struct mail_parsed *m, char **note);
/* Posts the analysis as an internal note by system_user on the ticket. Returns 0 or an
 * FD_E code. */
int phish_report_post(struct db *db, const struct user_rec *system_user, int64_t ticket_id,
                      const struct mail_parsed *m, struct fd_error *err);

#endif
