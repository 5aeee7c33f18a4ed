/*
 * sla_bench: cost of the SLA arithmetic and of the per-change recomputation, in process.
 *   - loading a time zone (TZif file read + parse),
 *   - sla_calendar_add (an 8-hour budget) and sla_calendar_elapsed (a 30-day span) on a
 *     Europe/Malta Mon-Fri 09:00-18:00 calendar with holidays, from random instants,
 *   - sla_ticket_changed on a ticket with M messages (a policy with three targets), inside
 *     a write transaction that is rolled back (so the store does not grow), i.e. the
 *     extra work every ticket change pays.
 * Prints ns or us per operation (wall and thread CPU time).
 *
 * Build and run (optimized objects, like the other in-process benchmarks):
 *   make -f Makefile -f bench/kb_search.mk build/bench/sla_bench && build/bench/sla_bench
 * Usage: sla_bench [--ops N] [--messages M]. Loops are bounded by N; the temporary store
 * is removed at the end.
 */
#include "auth/auth.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "sla/calendar.h"
#include "sla/sla.h"
#include "store/store.h"
#include "tickets/tickets.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *CAL =
    "{\"timezone\":\"Europe/Malta\",\"hours\":["
    "{\"day\":\"mon\",\"open\":\"09:00\",\"close\":\"18:00\"},"
    "{\"day\":\"tue\",\"open\":\"09:00\",\"close\":\"18:00\"},"
    "{\"day\":\"wed\",\"open\":\"09:00\",\"close\":\"18:00\"},"
    "{\"day\":\"thu\",\"open\":\"09:00\",\"close\":\"18:00\"},"
    "{\"day\":\"fri\",\"open\":\"09:00\",\"close\":\"18:00\"}],"
    "\"holidays\":[\"2026-12-08\",\"2026-12-25\",\"2027-01-01\",\"2027-03-19\"]}";

static void report(const char *what, int n, double wall, double cpu, double unit, const char *u)
{
    printf("%-44s %9.2f %s/op wall  %9.2f %s/op cpu  (n=%d)\n", what, wall / n * unit, u,
           cpu / n * unit, u, n);
}

int main(int argc, char **argv)
{
    int ops = 200000, msgs = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        long v = strtol(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--ops") == 0 && v > 0 && v <= 10000000)
            ops = (int)v;
        else if (strcmp(argv[i], "--messages") == 0 && v >= 0 && v <= 2000)
            msgs = (int)v;
    }
    if (sodium_init() < 0)
        return 1;
    srand(7);

    /* Zone loading. */
    int nz = 2000;
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < nz; i++) {
        struct sla_calendar *c = sla_calendar_new();
        if (sla_calendar_set_zone(c, i % 2 ? "Europe/Malta" : "America/New_York", NULL))
            return 1;
        sla_calendar_free(c);
    }
    report("load a zone (TZif read+parse)", nz, now_s(CLOCK_MONOTONIC) - w0,
           now_s(CLOCK_THREAD_CPUTIME_ID) - c0, 1e6, "us");

    json_t *j = json_loads(CAL, 0, NULL);
    struct sla_calendar *cal = NULL;
    if (sla_calendar_from_json(j, &cal, NULL))
        return 1;
    json_decref(j);
    const int64_t base = 1793491200000LL; /* 2026-11-01 */
    int64_t sink = 0;
    w0 = now_s(CLOCK_MONOTONIC);
    c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < ops; i++) {
        int64_t start = base + (int64_t)(rand() % (365 * 24 * 60)) * 60000, out = 0;
        sla_calendar_add(cal, start, 8 * 3600000LL, &out);
        sink += out;
    }
    report("calendar add (8 business hours)", ops, now_s(CLOCK_MONOTONIC) - w0,
           now_s(CLOCK_THREAD_CPUTIME_ID) - c0, 1e9, "ns");
    w0 = now_s(CLOCK_MONOTONIC);
    c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < ops; i++) {
        int64_t start = base + (int64_t)(rand() % (365 * 24 * 60)) * 60000;
        sink += sla_calendar_elapsed(cal, start, start + 30 * 86400000LL);
    }
    report("calendar elapsed (30-day span)", ops, now_s(CLOCK_MONOTONIC) - w0,
           now_s(CLOCK_THREAD_CPUTIME_ID) - c0, 1e9, "ns");
    sla_calendar_free(cal);

    /* Recomputation on a real store. */
    char dir[] = "/tmp/fd-sla-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct store *st = NULL;
    int applied = 0, rc = store_open(dir, 1, &st);
    struct db *db = rc ? NULL : store_acquire(st);
    if (rc || store_migrate(db, &applied))
        return 1;
    fd_clock_set(base + 9 * 3600000LL);
    struct fd_error err = {0};
    struct auth_actor admin = {0}, cust = {0}, agent = {0};
    admin.scopes = cust.scopes = agent.scopes = SCOPE_ALL;
    if (auth_user_create(db, "admin@b.test", "A", ROLE_ADMIN, NULL, 0, "correct-horse-battery",
                         &admin.user, &err) ||
        auth_user_create(db, "cust@b.test", "C", ROLE_CUSTOMER, NULL, 0, "correct-horse-battery",
                         &cust.user, &err) ||
        auth_user_create(db, "agent@b.test", "G", ROLE_AGENT, "deposits", 1,
                         "correct-horse-battery", &agent.user, &err)) {
        fprintf(stderr, "users: %s\n", err.message);
        return 1;
    }
    j = json_loads(CAL, 0, NULL);
    json_object_set_new(j, "name", json_string("Malta"));
    int64_t cal_id = 0, pol_id = 0;
    if (sla_calendar_create(db, &admin, j, &cal_id, &err))
        return 1;
    json_decref(j);
    j = json_pack("{s:s, s:s, s:I, s:i, s:i, s:i}", "name", "std", "priority", "normal",
                  "calendar_id", (json_int_t)cal_id, "first_reply_min", 60, "next_reply_min", 120,
                  "resolution_min", 480);
    if (sla_policy_create(db, &admin, j, &pol_id, &err))
        return 1;
    json_decref(j);
    struct ticket_input in = {0};
    in.subject = "bench";
    in.body = "body";
    in.department = "deposits";
    struct ticket_rec t;
    if (tickets_create(db, &cust, &in, &t, NULL, &err))
        return 1;
    for (int i = 0; i < msgs; i++) {
        fd_clock_set(base + 9 * 3600000LL + (int64_t)(i + 1) * 600000);
        if (tickets_reply(db, i % 2 ? &cust : &agent, t.id, "a reply", 0, NULL, 0, &t, NULL, &err))
            return 1;
    }
    int nr = ops / 100 > 0 ? ops / 100 : 1;
    w0 = now_s(CLOCK_MONOTONIC);
    c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; i < nr; i++) {
        if (db_begin_write(db) || sla_ticket_changed(db, t.id, fd_now_ms()))
            return 1;
        db_rollback(db);
    }
    char what[64];
    snprintf(what, sizeof(what), "recompute a ticket (%d messages)", msgs + 1);
    report(what, nr, now_s(CLOCK_MONOTONIC) - w0, now_s(CLOCK_THREAD_CPUTIME_ID) - c0, 1e6, "us");
    store_release(st, db);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    printf("(checksum %lld)\n", (long long)(sink & 0xffff));
    return 0;
}
