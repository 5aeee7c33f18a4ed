#ifndef FD_SCHED_SCHED_H
#define FD_SCHED_SCHED_H
/*
 * The scheduler: persisted jobs (table jobs: kind, due time, payload, state, attempts)
 * worked by one thread in `frontdesk serve`.
 *
 * A job is claimed and its handler's effect written in ONE write transaction: the
 * handler runs inside the transaction that read the job, and the job is marked done in
 * it before the commit. So a job whose effect is committed is never run again, and a
 * job that was due while the server was down runs at the next start (nothing is
 * missed). A handler that fails has its transaction rolled back; the job is retried
 * later with a doubling delay and fails for good after SCHED_MAX_ATTEMPTS.
 *
 * Other modules add job kinds with sched_register() before sched_start() (or before
 * sched_run_due() in tests), and queue jobs with sched_schedule() inside their own
 * write transactions, so that a job exists exactly when the change that needs it does.
 *
 * Threads: the registry is written at start-up only. sched_run_due may be called from
 * any thread with its own connection; the database serializes claims (BEGIN IMMEDIATE),
 * so two runners never run one job twice.
 */
#include <stdint.h>

struct db;
struct store;

#define SCHED_MAX_KINDS 32
#define SCHED_MAX_ATTEMPTS 8
#define SCHED_RETRY_BASE_MS 1000
#define SCHED_RETRY_MAX_MS (3600 * 1000)

struct sched_job {
    int64_t id;
    const char *kind;
    const char *key; /* "" when none */
    int64_t due_at;
    const char *payload; /* JSON text */
    int attempts;        /* failed attempts so far */
};

/*
 * Runs one job inside the write transaction that claimed it (db, at time now). Return 0
 * when done; set *again_at (> now) to run the same job again then (a handler that sets
 * it must not also queue a job under the job's own key). A negative FD_E code
 * rolls the effect back and schedules a retry. Handlers must not begin or commit.
 */
typedef int (*sched_handler)(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                             int64_t *again_at);

/* Registers the handler of a job kind (a later registration of the kind replaces it).
 * Returns 0 or FD_ELIMIT. Not thread-safe: call at start-up. */
int sched_register(const char *kind, sched_handler fn, void *ctx);

/* Queues a job inside the caller's write transaction. key (may be NULL) deduplicates:
 * a queued job with the same key is replaced, so "check ticket 7 at T" can be moved.
 * Returns 0, FD_EDB. */
int sched_schedule(struct db *db, const char *kind, const char *key, int64_t due_at,
                   const char *payload);
/* Drops the queued job with this key, if any. */
int sched_cancel(struct db *db, const char *key);

/* Runs the jobs due at fd_now_ms(), oldest due first, at most max of them, each in its
 * own transaction. *ran (may be NULL) gets how many were run (done, retried or failed).
 * Returns 0 or FD_EDB when the database cannot be used. */
int sched_run_due(struct store *s, int max, int *ran);

struct sched;
/* Starts the scheduler thread: it runs due jobs at once (catching up after a restart),
 * then every poll_ms. Returns 0 or FD_EIO. */
int sched_start(struct store *s, long poll_ms, struct sched **out);
/* Stops and joins the thread (a job in progress finishes first). Accepts NULL. */
void sched_stop(struct sched *sc);

#endif
