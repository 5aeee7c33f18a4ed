#ifndef FD_API_API_H
#define FD_API_API_H
/*
 * The JSON API under /api/v1/: one file per resource turns JSON into domain calls and
 * domain results into JSON. api_register() adds every route and the auth hooks to the
 * HTTP router; it must run before http_server_start().
 */
#include "../auth/auth.h"
#include "../mail/mail.h"

struct fd_config;
struct store;

/* What every handler can reach through req->app. Read-only after start-up. */
struct app {
    const struct fd_config *cfg;
    struct store *store;
    struct auth_limits limits;
    struct mail_config mail;
};

/* attachment_max: the largest upload accepted by the attachment route; mail_max: the
 * largest message the mail intake route accepts. */
void api_register(size_t attachment_max, size_t mail_max);

#endif
