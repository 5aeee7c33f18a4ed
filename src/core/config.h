#ifndef FD_CORE_CONFIG_H
#define FD_CORE_CONFIG_H
/*
 * struct fd_config: every setting of the server, with its default, in one place.
 * Order of precedence: defaults < config file < FRONTDESK_* environment < command line.
 * The result is validated by config_validate() and read-only afterwards.
 * See docs/config.md for every key.
 */
#include <stddef.h>

#define FD_PATH_MAX 1024

struct fd_config {
    char listen[128];           /* host:port; port 0 = any free port */
    char data_dir[FD_PATH_MAX]; /* holds frontdesk.db and attachments/ */
    char web_dir[FD_PATH_MAX];  /* static files */
    char base_url[256];         /* public URL, used in links */
    long threads;               /* HTTP worker threads */
    long timeout_s;             /* idle connection timeout */
    long body_max;              /* max request body, bytes */
    long header_max;            /* per-connection memory for headers, bytes */
    long json_depth;            /* max JSON nesting */
    long attachment_max;        /* max attachment size, bytes */
    long session_ttl_s;         /* session lifetime */
    long login_max_failures;    /* failed logins per email before 429 */
    long login_window_s;        /* window for the above */
    char log_level[16];
    /* email */
    char mail_domain[128];            /* for Message-IDs */
    char phishing_address[256];       /* phishing reports; "" = phishing@mail_domain */
    char mail_default_department[32]; /* unknown recipients go here */
    long mail_max;                    /* largest inbound message, bytes */
    long mail_ack_per_hour;           /* acknowledgements to one sender per hour */
    char smtp_url[256];               /* "" = no outgoing mail (it waits in the outbox) */
    char smtp_username[128];
    char smtp_password[128];
    long mail_poll_ms;      /* background worker period */
    long mail_retry_base_s; /* first retry delay, doubling */
    long mail_max_attempts;
    char imap_urls[1024]; /* comma-separated mailbox URLs, "" = none */
    long imap_poll_ms;    /* mailbox polling period */
    char imap_username[128];
    char imap_password[128];
    char dkim_domain[128]; /* DKIM signing when all three are set */
    char dkim_selector[64];
    char dkim_key[FD_PATH_MAX];
    /* formal complaints (docs/complaints.md) */
    long complaint_ack_business_days; /* acknowledgement due within this many business days */
    long complaint_retention_years;   /* complaint records kept at least this long (>= 5) */
    char complaint_timezone[64];      /* IANA zone of complaint business days */
    char complaint_holidays[1024];    /* YYYY-MM-DD,... not counted as business days */
    /* scheduler and SLA (docs/sla.md) */
    long sched_poll_ms;  /* how often the scheduler looks for due jobs */
    long autoclose_days; /* solved tickets close after this many days; 0 = never */
    long reminder_days;  /* one reminder after this many days pending; 0 = never */
    /* social channels (docs/social.md) */
    char telegram_bot_token[128]; /* "" = Telegram off */
    char telegram_secret[128];    /* X-Telegram-Bot-Api-Secret-Token */
    char telegram_api_url[256];
    char telegram_channel[64];   /* cross-post incident updates here; "" = no */
    char x_consumer_secret[128]; /* "" = X off */
    char x_bearer_token[256];
    char x_api_url[256];
    long x_crosspost;
    long social_poll_ms;
    long social_retry_base_s;
    long social_max_attempts;
    char triage_auto_confidence[16]; /* 0..1 (as text); above 1 = never auto-apply */
    /* account security and rate limits (docs/security.md) */
    long session_idle_s;        /* a session unused this long ends; 0 = never */
    long login_ip_max_failures; /* failed sign-ins per address in login_window_s */
    long lockout_failures;      /* failures of one account that lock it; 0 = never */
    long lockout_window_s;      /* ... counted over this window */
    long twofactor_challenge_s; /* how long the code step of a sign-in waits */
    char trusted_proxy[64];     /* peer address whose X-Forwarded-* headers are believed */
    char rate_signin_ip[24];    /* "N/S": N requests per S seconds; "0/1" = off */
    char rate_signin_account[24];
    char rate_signup_ip[24];
    char rate_tickets_ip[24];
    char rate_tickets_account[24];
    char rate_search_ip[24];
    char rate_search_account[24];
    char rate_chat_ip[24];
    char rate_chat_account[24];
    char rate_verify_ip[24];

    /* virus scanning of files (docs/security-attachments.md) */
    char clamd_socket[512]; /* "" = no scanning; /path or host:port */
    long clamd_fail_open;   /* 1: keep files when clamd is unavailable */
    long clamd_timeout_ms;
    /* inbound mail authentication (docs/mail.md) */
    long mail_auth;                       /* 1: check DKIM, SPF and DMARC */
    char mail_auth_dns_file[FD_PATH_MAX]; /* "" = real DNS; else a zone file */
};

/* Sets every default. */
void config_defaults(struct fd_config *c);
/*
 * Reads an ini file (key = value, sections ignored). Returns 0, FD_EIO if it cannot be
 * read, FD_EINVAL on an unknown key or a bad value (err names the line).
 */
int config_load_file(struct fd_config *c, const char *path, char *err, size_t errlen);
/* Applies FRONTDESK_<KEY> environment variables. Returns 0 or FD_EINVAL (err says which). */
int config_load_env(struct fd_config *c, char *err, size_t errlen);
/* Sets one key from a string. Returns 0 or FD_EINVAL. */
int config_set(struct fd_config *c, const char *key, const char *value, char *err, size_t errlen);
/* Checks ranges and consistency. Returns 0 or FD_EINVAL. */
int config_validate(const struct fd_config *c, char *err, size_t errlen);
/* Writes every key with its value and description (for --help and docs). */
void config_print_keys(const struct fd_config *c, void *file);

#endif
