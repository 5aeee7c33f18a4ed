/* Shared by the mail unit tests: the intake configuration over a fixture's store. */
#ifndef FD_TEST_MAIL_HELPERS_H
#define FD_TEST_MAIL_HELPERS_H
#include "helpers.h"
#include "mail/mail.h"

static inline void fixture_mail_config(const struct fixture *f, struct mail_config *cfg)
{
    mail_init();
    memset(cfg, 0, sizeof(*cfg));
    cfg->data_dir = f->dir;
    cfg->domain = "frontdesk.test";
    cfg->default_department = "account";
    cfg->base_url = "http://127.0.0.1:8080";
    cfg->attachment_max = 10 << 20;
    cfg->mail_max = 25 << 20;
    cfg->ack_per_hour = 3;
}

#endif
