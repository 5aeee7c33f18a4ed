/*
 * bench/triage_hook: what the triage hook adds to ticket creation, in process.
 *
 *   build/bench/triage_hook [--intents FILE.csv] [--every K] [--n N] [--tmp DIR]
 *
 * Builds a temporary store with 120 resolved tickets in three departments, trains the
 * department model from them and the intent model from every K-th row (default 3, all
 * 77 intents of Banking77 stay) of --intents (default ../shared/corpora/banking77/train.csv), then
 * times triage_ticket_created itself (inside a write transaction that is rolled back, so only the
 * hook is measured: model check, classification, suggestion row and event), and whole
 * tickets_create calls without and with the service (durable commits).
 */
#include "auth/auth.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "store/store.h"
#include "tickets/tickets.h"
#include "triage/triage.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

struct sample {
    FILE *out;
    long every, k;
};

/* Writes every k-th row, quoted (RFC 4180). */
static int sample_row(void *ctx, const char *text, const char *label)
{
    struct sample *s = ctx;
    if (s->k++ % s->every != 0)
        return 0;
    fputc('"', s->out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', s->out);
        fputc(*p, s->out);
    }
    fprintf(s->out, "\",%s\n", label);
    return 0;
}

static void die(const char *what, int rc, const struct fd_error *err)
{
    fprintf(stderr, "triage_hook: %s: %s %s\n", what, fd_strerror(rc), err ? err->message : "");
    exit(1);
}

static void report(const char *label, int64_t *us, int n)
{
    qsort(us, (size_t)n, sizeof(*us), cmp_i64);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += (double)us[i];
    printf("  %-34s mean %7.1f us   p50 %7lld us   p99 %7lld us\n", label, sum / n,
           (long long)us[n / 2], (long long)us[n * 99 / 100]);
}

int main(int argc, char **argv)
{
    const char *intents = "../shared/corpora/banking77/train.csv", *tmp = "/tmp";
    long every = 3, n = 300;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--intents") == 0 && i + 1 < argc)
            intents = argv[++i];
        else if (strcmp(argv[i], "--tmp") == 0 && i + 1 < argc)
            tmp = argv[++i];
        else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc &&
                 (every = strtol(argv[++i], &end, 10)) >= 1 && !*end && every <= 1000)
            continue;
        else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc &&
                 (n = strtol(argv[++i], &end, 10)) >= 10 && !*end && n <= 100000)
            continue;
        else {
            fprintf(stderr, "usage: triage_hook [--intents FILE.csv] [--every K] [--n N] "
                            "[--tmp DIR]\n");
            return 2;
        }
    }
    if (sodium_init() < 0)
        return 1;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/fd-triage-hook-XXXXXX", tmp);
    if (!mkdtemp(dir))
        die("mkdtemp", FD_EIO, NULL);
    struct store *s;
    int rc, applied;
    if ((rc = store_open(dir, 1, &s)))
        die("store_open", rc, NULL);
    struct db *db = store_acquire(s);
    if ((rc = store_migrate(db, &applied)))
        die("migrate", rc, NULL);
    struct fd_error err = {0};
    struct auth_actor cust = {0}, sup = {0};
    cust.scopes = sup.scopes = SCOPE_ALL;
    if ((rc = auth_user_create(db, "c@fd.test", "C", ROLE_CUSTOMER, NULL, 0, "customer-pass-1",
                               &cust.user, &err)) ||
        (rc = auth_user_create(db, "s@fd.test", "S", ROLE_SUPERVISOR, NULL, 0, "supervisor-pass",
                               &sup.user, &err)))
        die("users", rc, &err);
    static const char *const depts[3] = {"deposits", "trading", "kyc"};
    static const char *const words[3][5] = {
        {"withdrawal", "deposit", "txid", "blockchain", "wallet"},
        {"order", "futures", "leverage", "liquidation", "margin"},
        {"passport", "selfie", "identity", "document", "verification"}};
    for (int i = 0; i < 40; i++)
        for (int c = 0; c < 3; c++) {
            char subject[64], body[128];
            snprintf(subject, sizeof(subject), "%s issue", words[c][i % 5]);
            snprintf(body, sizeof(body), "my %s and %s need help", words[c][(i + 1) % 5],
                     words[c][(i + 3) % 5]);
            struct ticket_input in = {.subject = subject, .body = body, .department = depts[c]};
            struct ticket_rec t;
            struct ticket_patch p = {.status = "solved"};
            if ((rc = tickets_create(db, &cust, &in, &t, NULL, &err)) ||
                (rc = tickets_update(db, &sup, t.id, &p, &t, &err)))
                die("ticket", rc, &err);
        }
    /* Every K-th row of the intent file, rewritten as CSV (texts may hold newlines). */
    char sub[1200];
    snprintf(sub, sizeof(sub), "%s/intents.csv", dir);
    struct sample smp = {fopen(sub, "w"), every, 0};
    if (!smp.out)
        die(sub, FD_EIO, NULL);
    fputs("text,category\n", smp.out);
    long bad_line = 0;
    if ((rc = triage_csv_read(intents, sample_row, &smp, &bad_line)))
        die(intents, rc, NULL);
    fclose(smp.out);
    int64_t t0 = fd_mono_us();
    if ((rc = triage_train(db, dir, sub, 0.85, stdout, &err)))
        die("train", rc, &err);
    printf("  (training both: %.1f s)\n", (double)(fd_mono_us() - t0) / 1e6);

    int64_t *us = malloc((size_t)n * sizeof(*us));
    const char *body = "my withdrawal txid is still pending, the wallet shows nothing, what now?";
    struct ticket_input tin = {
        .subject = "withdrawal pending", .body = body, .department = "technical"};
    struct ticket_rec t;
    for (long i = 0; i < n; i++) {
        int64_t a = fd_mono_us();
        if ((rc = tickets_create(db, &cust, &tin, &t, NULL, &err)))
            die("create", rc, &err);
        us[i] = fd_mono_us() - a;
    }
    printf("triage hook cost (N=%ld each; one connection, durable commits)\n", n);
    report("tickets_create, no triage service", us, (int)n);
    struct ticket_rec plain = t; /* no suggestion row: the hook can run on it in full */
    triage_service_start(dir, 0.85);
    for (long i = 0; i < n; i++) {
        int64_t a = fd_mono_us();
        if ((rc = tickets_create(db, &cust, &tin, &t, NULL, &err)))
            die("create", rc, &err);
        us[i] = fd_mono_us() - a;
    }
    report("tickets_create, with both models", us, (int)n);
    if (strcmp(t.department, "deposits") != 0)
        die("the hook did not apply deposits", FD_EINVAL, NULL);
    for (long i = 0; i < n; i++) {
        struct ticket_rec copy = plain;
        if ((rc = db_begin_write(db)))
            die("begin", rc, NULL);
        int64_t a = fd_mono_us();
        rc = triage_ticket_created(db, &cust, &copy, body, fd_now_ms());
        us[i] = fd_mono_us() - a;
        db_rollback(db);
        if (rc || strcmp(copy.department, "deposits") != 0)
            die("hook", rc ? rc : FD_EINVAL, NULL);
    }
    report("triage_ticket_created alone", us, (int)n);
    printf("RESULT triage_hook_us=%lld\n", (long long)us[n / 2]);
    triage_service_stop();
    free(us);
    store_release(s, db);
    store_close(s);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
