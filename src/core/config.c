#include "config.h"

#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_LONG };

struct key {
    const char *name;
    enum kind kind;
    size_t off;
    size_t size; /* for strings */
    long min, max;
    const char *help;
};

#define S(f, h)                                                                                    \
    {                                                                                              \
#f, K_STR, offsetof(struct fd_config, f), sizeof(((struct fd_config *)0)->f), 0, 0, h      \
    }
#define L(f, lo, hi, h)                                                                            \
    {                                                                                              \
#f, K_LONG, offsetof(struct fd_config, f), 0, lo, hi, h                                    \
    }

static const struct key keys[] = {
    S(listen, "address to listen on, host:port"),
    S(data_dir, "directory for frontdesk.db and attachments"),
    S(web_dir, "directory of the static web files"),
    S(base_url, "public base URL used in links"),
    L(threads, 1, 256, "HTTP worker threads"),
    L(timeout_s, 1, 3600, "idle connection timeout, seconds"),
    L(body_max, 1024, 1L << 30, "maximum request body, bytes"),
    L(header_max, 8192, 1L << 24, "per-connection memory for request headers, bytes"),
    L(json_depth, 2, 512, "maximum JSON nesting depth"),
    L(attachment_max, 1024, 1L << 30, "maximum attachment size, bytes"),
    L(session_ttl_s, 60, 365L * 86400, "session lifetime, seconds"),
    L(login_max_failures, 1, 1000, "failed logins per email before rate limiting"),
    L(login_window_s, 1, 86400, "window for counting failed logins, seconds"),
    S(log_level, "err, warn, info or debug"),
    S(mail_domain, "domain of Frontdesk's Message-IDs"),
    S(phishing_address, "address for phishing reports (empty: phishing@mail_domain)"),
    S(mail_default_department, "department for mail to unknown addresses"),
    L(mail_max, 1024, 1L << 30, "largest inbound email, bytes"),
    L(mail_ack_per_hour, 0, 1000, "acknowledgements sent to one address per hour"),
    S(smtp_url, "SMTP server for outgoing mail, e.g. smtp://127.0.0.1:25 (empty: none)"),
    S(smtp_username, "SMTP user name (optional)"),
    S(smtp_password, "SMTP password (optional)"),
    L(mail_poll_ms, 50, 3600000, "how often the mail worker runs, milliseconds"),
    L(mail_retry_base_s, 1, 86400, "first delay before retrying a delivery, seconds"),
    L(mail_max_attempts, 1, 100, "delivery attempts before a message fails for good"),
    S(imap_urls, "IMAP mailboxes to poll, comma-separated (imap://host:port/INBOX)"),
    L(imap_poll_ms, 50, 86400000, "how often IMAP mailboxes are polled, milliseconds"),
    S(imap_username, "IMAP user name"),
    S(imap_password, "IMAP password"),
    S(dkim_domain, "DKIM signing domain (with dkim_selector and dkim_key)"),
    S(dkim_selector, "DKIM selector"),
    S(dkim_key, "DKIM private key file (PEM)"),
    L(complaint_ack_business_days, 1, 60, "complaint acknowledgement due within N business days"),
    L(complaint_retention_years, 5, 100, "years complaint records are kept (at least 5)"),
    S(complaint_timezone, "IANA time zone of complaint business days, e.g. Europe/Malta"),
    S(complaint_holidays, "public holidays for complaint clocks, YYYY-MM-DD,YYYY-MM-DD..."),
    L(sched_poll_ms, 10, 3600000, "how often the scheduler runs due jobs, milliseconds"),
    L(autoclose_days, 0, 365, "days after which a solved ticket is closed (0: never)"),
    L(reminder_days, 0, 365, "days pending after which the customer gets one reminder (0: never)"),
    /* social channels (issue 8, docs/social.md) */
    S(telegram_bot_token, "Telegram bot token (\"\" = Telegram off)"),
    S(telegram_secret, "secret Telegram sends in X-Telegram-Bot-Api-Secret-Token"),
    S(telegram_api_url, "Telegram Bot API base URL"),
    S(telegram_channel, "Telegram chat id incident updates are cross-posted to (\"\" = none)"),
    S(x_consumer_secret, "X app consumer secret: webhook CRC and signatures (\"\" = X off)"),
    S(x_bearer_token, "X token used to send replies and direct messages"),
    S(x_api_url, "X API base URL"),
    L(x_crosspost, 0, 1, "1: post incident updates on X"),
    L(social_poll_ms, 50, 86400000, "how often the social outbox is worked, milliseconds"),
    L(social_retry_base_s, 1, 86400, "first delay before retrying a social send, seconds"),
    L(social_max_attempts, 1, 100, "social send attempts before a message fails for good"),
    L(session_idle_s, 0, 365L * 86400, "a session unused this long ends, seconds; 0 = never"),
    L(login_ip_max_failures, 0, 100000, "failed sign-ins per address in login_window_s; 0 = off"),
    L(lockout_failures, 0, 100000, "failed sign-ins that lock an account until an admin unlocks"),
    L(lockout_window_s, 60, 365L * 86400, "window for counting lockout failures, seconds"),
    L(twofactor_challenge_s, 30, 3600, "how long a sign-in waits for the two-factor code"),
    S(trusted_proxy, "address of a reverse proxy whose X-Forwarded-For/-Proto are trusted"),
    S(rate_signin_ip, "sign-in requests per address, N/S (N per S seconds)"),
    S(rate_signin_account, "sign-in requests per account (email), N/S"),
    S(rate_signup_ip, "sign-ups per address, N/S"),
    S(rate_tickets_ip, "ticket creations per address, N/S"),
    S(rate_tickets_account, "ticket creations per signed-in account, N/S"),
    S(rate_search_ip, "help-center searches, suggestions and deflections per address, N/S"),
    S(rate_search_account, "the same per signed-in account, N/S"),
    S(rate_chat_ip, "chat starts per address, N/S"),
    S(rate_chat_account, "chat starts per signed-in account, N/S"),
    S(rate_verify_ip, "/verify lookups per address, N/S"),
    S(clamd_socket, "clamd socket for virus scanning: /path/clamd.ctl or host:port (\"\" = off)"),
    L(clamd_fail_open, 0, 1, "1: keep files when clamd is unavailable (default 0: refuse, 503)"),
    L(clamd_timeout_ms, 100, 600000, "clamd connect/scan timeout, milliseconds"),
    L(mail_auth, 0, 1, "1: check DKIM, SPF and DMARC of inbound mail"),
    S(mail_auth_dns_file, "zone file answering the DNS lookups of mail_auth (\"\" = real DNS)"),
    S(triage_auto_confidence,
      "apply a triage department at this probability or above (0..1; 2 = never)"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void config_defaults(struct fd_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8080");
    snprintf(c->data_dir, sizeof(c->data_dir), "./data");
    snprintf(c->web_dir, sizeof(c->web_dir), "./web");
    snprintf(c->base_url, sizeof(c->base_url), "http://127.0.0.1:8080");
    c->threads = 4;
    c->timeout_s = 30;
    c->body_max = 1L << 20;
    c->header_max = 16 * 1024;
    c->json_depth = 32;
    c->attachment_max = 10L << 20;
    c->session_ttl_s = 7L * 86400;
    c->login_max_failures = 5;
    c->login_window_s = 15 * 60;
    snprintf(c->log_level, sizeof(c->log_level), "info");
    snprintf(c->mail_domain, sizeof(c->mail_domain), "frontdesk.test");
    snprintf(c->mail_default_department, sizeof(c->mail_default_department), "account");
    c->mail_max = 25L << 20;
    c->mail_ack_per_hour = 3;
    snprintf(c->triage_auto_confidence, sizeof(c->triage_auto_confidence), "0.85");
    c->session_idle_s = 0;
    c->login_ip_max_failures = 50;
    c->lockout_failures = 20;
    c->lockout_window_s = 86400;
    c->twofactor_challenge_s = 300;
    snprintf(c->rate_signin_ip, sizeof(c->rate_signin_ip), "60/60");
    snprintf(c->rate_signin_account, sizeof(c->rate_signin_account), "20/60");
    snprintf(c->rate_signup_ip, sizeof(c->rate_signup_ip), "30/3600");
    snprintf(c->rate_tickets_ip, sizeof(c->rate_tickets_ip), "600/3600");
    snprintf(c->rate_tickets_account, sizeof(c->rate_tickets_account), "120/3600");
    snprintf(c->rate_search_ip, sizeof(c->rate_search_ip), "300/60");
    snprintf(c->rate_search_account, sizeof(c->rate_search_account), "120/60");
    snprintf(c->rate_chat_ip, sizeof(c->rate_chat_ip), "60/600");
    snprintf(c->rate_chat_account, sizeof(c->rate_chat_account), "20/600");
    snprintf(c->rate_verify_ip, sizeof(c->rate_verify_ip), "60/600");
    c->mail_poll_ms = 1000;
    c->mail_retry_base_s = 60;
    c->mail_max_attempts = 8;
    c->imap_poll_ms = 60000;
    c->complaint_ack_business_days = 5;
    c->complaint_retention_years = 5;
    snprintf(c->complaint_timezone, sizeof(c->complaint_timezone), "UTC");
    c->sched_poll_ms = 1000;
    c->autoclose_days = 4;
    c->reminder_days = 3;
    snprintf(c->telegram_api_url, sizeof(c->telegram_api_url), "https://api.telegram.org");
    snprintf(c->x_api_url, sizeof(c->x_api_url), "https://api.twitter.com");
    c->social_poll_ms = 1000;
    c->social_retry_base_s = 30;
    c->social_max_attempts = 8;
    c->clamd_timeout_ms = 30000;
    c->mail_auth = 1;
}

int config_set(struct fd_config *c, const char *name, const char *value, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        if (strcmp(k->name, name) != 0)
            continue;
        char *p = (char *)c + k->off;
        if (k->kind == K_STR) {
            if (strlen(value) >= k->size) {
                snprintf(err, errlen, "%s: value too long (max %zu)", name, k->size - 1);
                return FD_EINVAL;
            }
            snprintf(p, k->size, "%s", value);
            return 0;
        }
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < k->min || v > k->max) {
            snprintf(err, errlen, "%s: expected an integer from %ld to %ld, got \"%s\"", name,
                     k->min, k->max, value);
            return FD_EINVAL;
        }
        memcpy(p, &v, sizeof(v));
        return 0;
    }
    snprintf(err, errlen, "unknown setting \"%s\"", name);
    return FD_EINVAL;
}

struct ini_ctx {
    struct fd_config *c;
    char *err;
    size_t errlen;
    int failed;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    (void)section;
    struct ini_ctx *x = user;
    if (x->failed)
        return 0;
    if (config_set(x->c, name, value, x->err, x->errlen)) {
        x->failed = 1;
        return 0;
    }
    return 1;
}

int config_load_file(struct fd_config *c, const char *path, char *err, size_t errlen)
{
    struct ini_ctx x = {c, err, errlen, 0};
    int rc = ini_parse(path, on_ini, &x);
    if (rc == -1) {
        snprintf(err, errlen, "%s: cannot read the config file", path);
        return FD_EIO;
    }
    if (x.failed || rc != 0) {
        if (!x.failed)
            snprintf(err, errlen, "line %d: cannot parse", rc);
        char tmp[300];
        snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
        snprintf(err, errlen, "%s", tmp);
        return FD_EINVAL;
    }
    return 0;
}

int config_load_env(struct fd_config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char env[64] = "FRONTDESK_";
        size_t n = strlen(env);
        for (const char *s = keys[i].name; *s && n < sizeof(env) - 1; s++)
            env[n++] = (char)toupper((unsigned char)*s);
        env[n] = '\0';
        const char *v = getenv(env);
        if (v && config_set(c, keys[i].name, v, err, errlen)) {
            char tmp[300];
            snprintf(tmp, sizeof(tmp), "%s: %s", env, err);
            snprintf(err, errlen, "%s", tmp);
            return FD_EINVAL;
        }
    }
    return 0;
}

int config_validate(const struct fd_config *c, char *err, size_t errlen)
{
    const char *colon = strrchr(c->listen, ':');
    if (!colon || colon == c->listen || !colon[1]) {
        snprintf(err, errlen, "listen: expected host:port, got \"%s\"", c->listen);
        return FD_EINVAL;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        snprintf(err, errlen, "listen: bad port in \"%s\"", c->listen);
        return FD_EINVAL;
    }
    if (!c->data_dir[0]) {
        snprintf(err, errlen, "data_dir: must not be empty");
        return FD_EINVAL;
    }
    const char *levels[] = {"err", "warn", "info", "debug"};
    int ok = 0;
    for (int i = 0; i < 4; i++)
        ok |= strcmp(c->log_level, levels[i]) == 0;
    if (!ok) {
        snprintf(err, errlen, "log_level: expected err, warn, info or debug");
        return FD_EINVAL;
    }
    const char *const rules[] = {
        c->rate_signin_ip,       c->rate_signin_account, c->rate_signup_ip,      c->rate_tickets_ip,
        c->rate_tickets_account, c->rate_search_ip,      c->rate_search_account, c->rate_chat_ip,
        c->rate_chat_account,    c->rate_verify_ip};
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        long long rn = strtoll(rules[i], &end, 10);
        const char *w = end;
        long long rs = *w == '/' ? strtoll(w + 1, &end, 10) : 0;
        if (w == rules[i] || *w != '/' || end == w + 1 || *end || rn < 0 || rs < 1) {
            snprintf(err, errlen, "rate limit \"%s\": expected N/S (N requests per S seconds)",
                     rules[i]);
            return FD_EINVAL;
        }
    }
    double conf = strtod(c->triage_auto_confidence, &end);
    if (end == c->triage_auto_confidence || *end || !(conf >= 0 && conf <= 2)) {
        snprintf(err, errlen, "triage_auto_confidence: expected a number from 0 to 2");
        return FD_EINVAL;
    }
    return 0;
}

void config_print_keys(const struct fd_config *c, void *file)
{
    FILE *f = file;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        char env[64] = "FRONTDESK_";
        size_t n = strlen(env);
        for (const char *s = k->name; *s && n < sizeof(env) - 1; s++)
            env[n++] = (char)toupper((unsigned char)*s);
        env[n] = '\0';
        const char *p = (const char *)c + k->off;
        if (k->kind == K_STR && strstr(k->name, "password")) {
            /* Secrets are never printed: only whether one is set. */
            fprintf(f, "  %-20s %-30s %s (%s)\n", k->name, env, k->help, *p ? "set" : "not set");
        } else if (k->kind == K_STR) {
            fprintf(f, "  %-20s %-30s %s (default \"%s\")\n", k->name, env, k->help, p);
        } else {
            long v;
            memcpy(&v, p, sizeof(v));
            fprintf(f, "  %-20s %-30s %s (default %ld)\n", k->name, env, k->help, v);
        }
    }
}
