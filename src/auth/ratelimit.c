#include "ratelimit.h"

#include "../core/err.h"
#include "../core/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RL_KEY_MAX 96
#define RL_PROBE 16

struct slot {
    char key[RL_KEY_MAX];
    double tokens;
    int64_t at; /* last refill, ms; 0 = empty slot */
};

struct ratelimit {
    pthread_mutex_t mu;
    size_t mask;
    struct slot *slots;
};

struct ratelimit *ratelimit_new(size_t slots)
{
    size_t n = 64;
    while (n < slots)
        n <<= 1;
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->mu, NULL);
    rl->mask = n - 1;
    rl->slots = xcalloc(n, sizeof(*rl->slots));
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->slots);
    free(rl);
}

/* FNV-1a: keys are not secret and the table is bounded, so a simple hash is enough. */
static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int ratelimit_take(struct ratelimit *rl, const char *key, int64_t limit, int64_t window_ms,
                   int64_t now_ms, int64_t *retry_ms)
{
    if (limit <= 0 || window_ms <= 0)
        return 0;
    char k[RL_KEY_MAX];
    size_t len = strlen(key);
    if (len >= sizeof(k))
        len = sizeof(k) - 1;
    memcpy(k, key, len);
    k[len] = '\0';
    if (now_ms <= 0)
        now_ms = 1;
    pthread_mutex_lock(&rl->mu);
    size_t h = (size_t)hash(k);
    struct slot *s = NULL, *victim = NULL;
    for (size_t i = 0; i < RL_PROBE; i++) {
        struct slot *c = &rl->slots[(h + i) & rl->mask];
        if (c->at && strcmp(c->key, k) == 0) {
            s = c;
            break;
        }
        if (!victim || c->at < victim->at)
            victim = c;
    }
    if (!s) {
        s = victim;
        memcpy(s->key, k, len + 1);
        s->tokens = (double)limit;
        s->at = now_ms;
    }
    double rate = (double)limit / (double)window_ms; /* tokens per ms */
    if (now_ms > s->at) {
        s->tokens += (double)(now_ms - s->at) * rate;
        if (s->tokens > (double)limit)
            s->tokens = (double)limit;
    }
    s->at = now_ms > s->at ? now_ms : s->at;
    int rc = 0;
    if (s->tokens >= 1.0) {
        s->tokens -= 1.0;
    } else {
        rc = FD_ERATE;
        if (retry_ms) {
            int64_t wait = (int64_t)((1.0 - s->tokens) / rate) + 1;
            *retry_ms = wait;
        }
    }
    pthread_mutex_unlock(&rl->mu);
    return rc;
}

int ratelimit_rule_parse(const char *s, int64_t *limit, int64_t *window_ms)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || *end != '/' || n < 0 || n > 1000000)
        return FD_EINVAL;
    const char *w = end + 1;
    long long secs = strtoll(w, &end, 10);
    if (errno || end == w || *end || secs < 1 || secs > 86400 * 7)
        return FD_EINVAL;
    *limit = n;
    *window_ms = secs * 1000;
    return 0;
}
