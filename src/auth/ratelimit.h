#ifndef FD_AUTH_RATELIMIT_H
#define FD_AUTH_RATELIMIT_H
/*
 * An in-memory token-bucket rate limiter keyed by strings ("signin:ip:1.2.3.4",
 * "tickets:user:42"). Each key holds a bucket of `limit` tokens that refills at
 * limit per window; a request takes one token. Memory is bounded: a fixed table of
 * slots, where a new key takes the least recently used slot of its probe run (a key
 * pushed out forgets its history, which only ever errs towards letting a client in).
 *
 * Per node: behind a load balancer each node limits on its own. Thread-safe (one
 * mutex). Time comes from the caller (fd_now_ms() in the server), so tests drive it.
 */
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* A table of `slots` buckets (rounded up to a power of two, at least 64). */
struct ratelimit *ratelimit_new(size_t slots);
void ratelimit_free(struct ratelimit *rl);

/*
 * Takes one token from key's bucket (limit tokens per window_ms) at now_ms. Returns 0
 * when allowed, FD_ERATE when not; then *retry_ms (if not NULL) gets how long until a
 * token is back. limit <= 0 means no limit.
 */
int ratelimit_take(struct ratelimit *rl, const char *key, int64_t limit, int64_t window_ms,
                   int64_t now_ms, int64_t *retry_ms);

/* Parses a rule "N/S" (N requests per S seconds; "0/…" = off). Returns 0 or FD_EINVAL. */
int ratelimit_rule_parse(const char *s, int64_t *limit, int64_t *window_ms);

#endif
