/* The scheduler: persisted jobs, claim + effect in one transaction, retries, dedupe keys,
 * the thread. */
#include "core/timeutil.h"
#include "helpers.h"
#include "sched/sched.h"

#include <time.h>

#define T0 1795000000000LL /* 2026-11-18 */

static struct fixture fx;

static void setup(void)
{
    fixture_open(&fx);
    fd_clock_set(T0);
}

static void teardown(void)
{
    fd_clock_set(0);
    fixture_close(&fx);
}

static int64_t count_events(struct db *db, const char *type)
{
    int64_t n = -1;
    struct db_stmt *st;
    cr_assert_eq(db_prepare(db, "SELECT COUNT(*) FROM events WHERE type = ?", &st), 0);
    db_bind_text(st, 1, type);
    cr_assert_eq(db_step(st), 1);
    n = db_col_int64(st, 0);
    db_finalize(st);
    return n;
}

static int job_state(struct db *db, int64_t *attempts, int64_t *due, char *state, size_t n)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(db, "SELECT state, attempts, due_at FROM jobs ORDER BY id DESC", &st),
                 0);
    int rc = db_step(st);
    if (rc == 1) {
        snprintf(state, n, "%s", db_col_text(st, 0));
        *attempts = db_col_int64(st, 1);
        *due = db_col_int64(st, 2);
    }
    db_finalize(st);
    return rc;
}

/* The effect: one event row, written in the claiming transaction. */
static int effect(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                  int64_t *again)
{
    int *calls = ctx;
    (*calls)++;
    return store_event_insert(db, 0, 0, "test_effect", job->payload, now);
}

static int failing(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                   int64_t *again)
{
    int rc = store_event_insert(db, 0, 0, "test_partial", "{}", now);
    return rc ? rc : FD_EIO;
}

static void queue(const char *kind, const char *key, int64_t due, const char *payload)
{
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(sched_schedule(fx.db, kind, key, due, payload), 0);
    cr_assert_eq(db_commit(fx.db), 0);
}

static int run(void)
{
    /* sched_run_due takes its own connection: give the fixture's back meanwhile. */
    store_release(fx.store, fx.db);
    int ran = -1;
    cr_assert_eq(sched_run_due(fx.store, 100, &ran), 0);
    fx.db = store_acquire(fx.store);
    return ran;
}

Test(sched, runs_once_when_due_and_never_again, .init = setup, .fini = teardown)
{
    static int calls;
    calls = 0;
    cr_assert_eq(sched_register("test.effect", effect, &calls), 0);
    queue("test.effect", NULL, T0 + 60000, "{\"n\":1}");
    cr_assert_eq(run(), 0, "ran before it was due");
    cr_assert_eq(count_events(fx.db, "test_effect"), 0);
    fd_clock_set(T0 + 59999);
    cr_assert_eq(run(), 0);
    fd_clock_set(T0 + 60000);
    cr_assert_eq(run(), 1);
    cr_assert_eq(count_events(fx.db, "test_effect"), 1);
    fd_clock_set(T0 + 3600000);
    cr_assert_eq(run(), 0, "a done job ran again");
    cr_assert_eq(count_events(fx.db, "test_effect"), 1);
    cr_assert_eq(calls, 1);
    char state[16];
    int64_t attempts, due;
    cr_assert_eq(job_state(fx.db, &attempts, &due, state, sizeof(state)), 1);
    cr_assert_str_eq(state, "done");
}

Test(sched, missed_jobs_run_after_a_restart, .init = setup, .fini = teardown)
{
    static int calls;
    calls = 0;
    sched_register("test.effect", effect, &calls);
    queue("test.effect", NULL, T0 + 1000, "{\"n\":1}");
    queue("test.effect", NULL, T0 + 2000, "{\"n\":2}");
    /* "Down" for a day: reopen the store, as a restarted server would. */
    store_release(fx.store, fx.db);
    store_close(fx.store);
    cr_assert_eq(store_open(fx.dir, 1, &fx.store), 0);
    fx.db = store_acquire(fx.store);
    fd_clock_set(T0 + 86400000);
    cr_assert_eq(run(), 2);
    cr_assert_eq(run(), 0);
    cr_assert_eq(count_events(fx.db, "test_effect"), 2);
}

Test(sched, a_key_replaces_the_queued_job, .init = setup, .fini = teardown)
{
    static int calls;
    calls = 0;
    sched_register("test.effect", effect, &calls);
    queue("test.effect", "k:1", T0 + 1000, "{\"v\":\"first\"}");
    queue("test.effect", "k:1", T0 + 5000, "{\"v\":\"second\"}");
    fd_clock_set(T0 + 4000);
    cr_assert_eq(run(), 0, "the replaced job still ran");
    fd_clock_set(T0 + 5000);
    cr_assert_eq(run(), 1);
    cr_assert_eq(count_events(fx.db, "test_effect"), 1);
    /* Once done, the key is free for the next schedule. */
    queue("test.effect", "k:1", T0 + 6000, "{}");
    fd_clock_set(T0 + 6000);
    cr_assert_eq(run(), 1);
    cr_assert_eq(calls, 2);
}

Test(sched, failures_roll_back_and_retry_then_give_up, .init = setup, .fini = teardown)
{
    sched_register("test.fail", failing, NULL);
    queue("test.fail", NULL, T0, "{}");
    cr_assert_eq(run(), 1);
    cr_assert_eq(count_events(fx.db, "test_partial"), 0, "a failed job's effect was kept");
    char state[16];
    int64_t attempts, due;
    job_state(fx.db, &attempts, &due, state, sizeof(state));
    cr_assert_str_eq(state, "queued");
    cr_assert_eq(attempts, 1);
    cr_assert_eq(due, T0 + SCHED_RETRY_BASE_MS);
    cr_assert_eq(run(), 0, "retried before its delay");
    int64_t now = T0;
    for (int i = 1; i < SCHED_MAX_ATTEMPTS; i++) {
        now = due;
        fd_clock_set(now);
        cr_assert_eq(run(), 1);
        job_state(fx.db, &attempts, &due, state, sizeof(state));
    }
    cr_assert_str_eq(state, "failed");
    cr_assert_eq(attempts, SCHED_MAX_ATTEMPTS);
    fd_clock_set(now + 86400000);
    cr_assert_eq(run(), 0);
}

Test(sched, unknown_kind_fails_at_once, .init = setup, .fini = teardown)
{
    queue("test.nobody", NULL, T0, "{}");
    cr_assert_eq(run(), 1);
    char state[16];
    int64_t attempts, due;
    job_state(fx.db, &attempts, &due, state, sizeof(state));
    cr_assert_str_eq(state, "failed");
}

Test(sched, the_thread_runs_due_jobs, .init = setup, .fini = teardown)
{
    static int calls;
    calls = 0;
    sched_register("test.effect", effect, &calls);
    queue("test.effect", NULL, T0 + 1000, "{}");
    store_release(fx.store, fx.db);
    struct sched *sc = NULL;
    cr_assert_eq(sched_start(fx.store, 20, &sc), 0);
    struct timespec d = {0, 50 * 1000000L};
    nanosleep(&d, NULL);
    fx.db = store_acquire(fx.store);
    cr_assert_eq(count_events(fx.db, "test_effect"), 0);
    store_release(fx.store, fx.db);
    fd_clock_set(T0 + 1000);
    int64_t n = 0;
    for (int i = 0; i < 200 && n == 0; i++) {
        nanosleep(&d, NULL);
        fx.db = store_acquire(fx.store);
        n = count_events(fx.db, "test_effect");
        store_release(fx.store, fx.db);
    }
    sched_stop(sc);
    fx.db = store_acquire(fx.store);
    cr_assert_eq(n, 1);
}
