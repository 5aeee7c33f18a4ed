#include "sched/sched.h"

#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kind_entry {
    char kind[48];
    sched_handler fn;
    void *ctx;
};

static struct kind_entry kinds[SCHED_MAX_KINDS];
static int nkinds;

int sched_register(const char *kind, sched_handler fn, void *ctx)
{
    for (int i = 0; i < nkinds; i++) {
        if (strcmp(kinds[i].kind, kind) == 0) {
            kinds[i].fn = fn;
            kinds[i].ctx = ctx;
            return 0;
        }
    }
    if (nkinds >= SCHED_MAX_KINDS || strlen(kind) >= sizeof(kinds[0].kind))
        return FD_ELIMIT;
    snprintf(kinds[nkinds].kind, sizeof(kinds[nkinds].kind), "%s", kind);
    kinds[nkinds].fn = fn;
    kinds[nkinds].ctx = ctx;
    nkinds++;
    return 0;
}

static const struct kind_entry *find_kind(const char *kind)
{
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

int sched_schedule(struct db *db, const char *kind, const char *key, int64_t due_at,
                   const char *payload)
{
    return store_job_put(db, kind, key && *key ? key : NULL, due_at, payload, fd_now_ms(), NULL);
}

int sched_cancel(struct db *db, const char *key)
{
    return store_job_cancel(db, key);
}

static int64_t retry_delay(int attempts)
{
    int64_t d = SCHED_RETRY_BASE_MS;
    for (int i = 1; i < attempts && d < SCHED_RETRY_MAX_MS; i++)
        d *= 2;
    return d < SCHED_RETRY_MAX_MS ? d : SCHED_RETRY_MAX_MS;
}

/* Claims and runs the first due job. Returns 1 when one ran, 0 when none was due, or a
 * negative code when the database failed. */
static int run_one(struct db *db)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t now = fd_now_ms();
    struct job_rec j;
    rc = store_job_next(db, now, &j);
    if (rc) {
        db_rollback(db);
        return rc == FD_ENOTFOUND ? 0 : rc;
    }
    struct sched_job job = {j.id, j.kind, j.dedupe_key, j.due_at, j.payload, j.attempts};
    const struct kind_entry *k = find_kind(j.kind);
    int64_t again = 0;
    /* Marked done before the handler runs, in the same transaction: a handler may queue
     * a follow-up under the job's own key (the done row is no longer "queued", so it is
     * not replaced, and its id is not reused). */
    int hrc = store_job_finish(db, j.id, "done", j.attempts, j.due_at, NULL, now);
    if (hrc == 0)
        hrc = k ? k->fn(db, &job, now, k->ctx, &again) : FD_ENOTFOUND;
    if (hrc == 0) {
        if (again > now)
            rc = store_job_finish(db, j.id, "queued", 0, again, NULL, now);
        if (rc == 0)
            rc = db_commit(db);
        db_rollback(db);
        if (rc == 0) {
            free(j.payload);
            return 1;
        }
        hrc = rc;
    } else {
        db_rollback(db);
    }
    /* The effect is gone with the rollback; record the failed attempt on its own. */
    int attempts = j.attempts + 1;
    int give_up = !k || attempts >= SCHED_MAX_ATTEMPTS;
    char why[128];
    snprintf(why, sizeof(why), "%s", k ? fd_strerror(hrc) : "no handler for this kind");
    log_printf(LOG_WARN, "sched", "msg=\"job failed\" id=%lld kind=%s attempts=%d error=\"%s\"",
               (long long)j.id, j.kind, attempts, why);
    rc = db_begin_write(db);
    if (rc == 0)
        rc = store_job_finish(db, j.id, give_up ? "failed" : "queued", attempts,
                              give_up ? j.due_at : now + retry_delay(attempts), why, now);
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    free(j.payload);
    return rc ? rc : 1;
}

int sched_run_due(struct store *s, int max, int *ran)
{
    struct db *db = store_acquire(s);
    int n = 0, rc = 0;
    while (n < max) {
        rc = run_one(db);
        if (rc <= 0)
            break;
        n++;
    }
    store_release(s, db);
    if (ran)
        *ran = n;
    return rc < 0 ? rc : 0;
}

/* ---- the thread ------------------------------------------------------------------ */

struct sched {
    struct store *store;
    long poll_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
};

static void *loop(void *arg)
{
    struct sched *sc = arg;
    pthread_mutex_lock(&sc->mu);
    while (!sc->stop) {
        pthread_mutex_unlock(&sc->mu);
        int ran = 0;
        /* Batches keep one long catch-up from starving the stop request. */
        if (sched_run_due(sc->store, 100, &ran))
            log_printf(LOG_ERR, "sched", "msg=\"cannot run jobs\"");
        pthread_mutex_lock(&sc->mu);
        if (ran == 100 || sc->stop)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += sc->poll_ms / 1000;
        ts.tv_nsec += (sc->poll_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&sc->cv, &sc->mu, &ts);
    }
    pthread_mutex_unlock(&sc->mu);
    return NULL;
}

int sched_start(struct store *s, long poll_ms, struct sched **out)
{
    struct sched *sc = xcalloc(1, sizeof(*sc));
    sc->store = s;
    sc->poll_ms = poll_ms > 0 ? poll_ms : 1000;
    pthread_mutex_init(&sc->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sc->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&sc->thread, NULL, loop, sc) != 0) {
        pthread_cond_destroy(&sc->cv);
        pthread_mutex_destroy(&sc->mu);
        free(sc);
        return FD_EIO;
    }
    *out = sc;
    return 0;
}

void sched_stop(struct sched *sc)
{
    if (!sc)
        return;
    pthread_mutex_lock(&sc->mu);
    sc->stop = 1;
    pthread_cond_signal(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
    pthread_join(sc->thread, NULL);
    pthread_cond_destroy(&sc->cv);
    pthread_mutex_destroy(&sc->mu);
    free(sc);
}
