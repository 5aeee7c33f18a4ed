#ifndef FD_SOCIAL_SOCIAL_H
#define FD_SOCIAL_SOCIAL_H
/*
 * Social channels (issue 8, docs/social.md): Telegram (Bot API webhooks) and X (account
 * activity webhooks). Direct messages and mentions become tickets on channel "telegram" or
 * "x" with one customer record per handle; later messages from the same handle thread onto
 * its ticket (until it is closed). Agents' public replies, and incident updates when
 * cross-posting is configured, go out through a persisted queue (social_outbox) worked by a
 * background thread with retries and exponential backoff (libcurl).
 *
 * Authenticity: Telegram calls carry the configured secret in
 * X-Telegram-Bot-Api-Secret-Token; X calls carry x-twitter-webhooks-signature =
 * "sha256=" base64(HMAC-SHA256(consumer secret, body)) and X's CRC check is answered the
 * same way over crc_token. Both are compared in constant time (libsodium). Replayed
 * update/event ids change nothing. No HTTP here: the API layer maps the codes.
 */
#include "../core/err.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct store;
struct fd_config;

struct social_config {
    const char *telegram_bot_token, *telegram_secret, *telegram_api_url, *telegram_channel;
    const char *x_consumer_secret, *x_bearer_token, *x_api_url;
    int x_crosspost;
    const char *department; /* new social tickets go here */
    const char *base_url;   /* links in cross-posts */
    long poll_ms, retry_base_s;
    int max_attempts;
};

/* Fills c from the server configuration (pointers into cfg). */
void social_config_from(const struct fd_config *cfg, struct social_config *c);

#define SOCIAL_TEXT_MAX 10000 /* longer inbound text is cut (at a UTF-8 boundary) */
#define SOCIAL_SIG_MAX 64     /* "sha256=" + base64 of 32 bytes, NUL included */

/* Checks a Telegram webhook's secret header. Returns 0, FD_ENOTFOUND (Telegram is not
 * configured), FD_EAUTH (no header), FD_EFORBIDDEN (wrong secret). */
int social_telegram_check(const struct social_config *c, const char *header);
/* "sha256=<base64 HMAC-SHA256(x_consumer_secret, data)>" into out (SOCIAL_SIG_MAX).
 * Returns 0, FD_ENOTFOUND (X is not configured). */
int social_x_sign(const struct social_config *c, const void *data, size_t len, char *out);
/* Checks an X webhook's signature header over the raw body. Returns 0, FD_ENOTFOUND,
 * FD_EAUTH (no header), FD_EFORBIDDEN (wrong signature). */
int social_x_check(const struct social_config *c, const char *header, const void *body, size_t len);

struct social_result {
    int created;       /* tickets opened */
    int threaded;      /* messages added to an existing ticket */
    int duplicates;    /* ids seen before: nothing done */
    int ignored;       /* not for us (our own messages, bots, no text, other update kinds) */
    int64_t ticket_id; /* the last ticket touched, 0 if none */
};

/* Takes one Telegram Update object (already authenticated) in one write transaction.
 * Returns 0, FD_EINVAL (not an Update: err says why), FD_EDB. */
int social_telegram_intake(struct db *db, const struct social_config *c, json_t *update,
                           struct social_result *res, struct fd_error *err);
/* Takes one X account-activity payload (direct_message_events, tweet_create_events). */
int social_x_intake(struct db *db, const struct social_config *c, json_t *payload,
                    struct social_result *res, struct fd_error *err);

/* ---- the outbound worker (worker.c) ---- */
struct social_worker;
/* Starts the thread when Telegram or X is configured (*out NULL otherwise). c and the
 * strings it points to must outlive the worker. */
int social_worker_start(struct store *s, const struct social_config *c, struct social_worker **out);
void social_worker_stop(struct social_worker *w); /* accepts NULL */
/* One pass now: queue what happened since the last pass, then send what is due. */
int social_worker_run_once(struct store *s, const struct social_config *c);

#endif
