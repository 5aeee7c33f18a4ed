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
    /* Live chat fan-out: set by main when the chat hub runs (NULL: nobody to tell).
     * publish_chat reaches a chat's subscribers, publish_user one user's connections;
     * json is a complete frame, copied by the hub. */
    void *hub;
    void (*publish_chat)(void *hub, int64_t chat_id, const char *json);
    void (*publish_user)(void *hub, int64_t user_id, const char *json);
};

/* attachment_max: the largest upload accepted by the attachment route; mail_max: the
 * largest message the mail intake route accepts. */
void api_register(size_t attachment_max, size_t mail_max);
/* Fills the account-security limits (idle sessions, lockout...) from the config. */
void api_security_limits(const struct fd_config *cfg, struct auth_limits *lim);

#endif
