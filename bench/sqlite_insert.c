/*
 * sqlite_insert: the floor under POST /api/v1/tickets. Writes the rows the server writes
 * for one ticket creation straight into a fresh SQLite database, with the server's
 * pragmas (WAL, synchronous=FULL, foreign_keys=ON, temp_store=MEMORY), one durable
 * transaction per ticket, and prints tickets per second and per-transaction latency.
 *
 * One transaction is what tickets_create() does between BEGIN IMMEDIATE and COMMIT:
 * look up the department by slug, insert the tickets row, clear its tags (the server's
 * write_tags), insert the messages row, insert the "created" and "message_added" events
 * rows. Statements are prepared once, as the server's statement cache does. The read
 * of the ticket that the server makes after COMMIT to build its answer is not included:
 * this measures the durable write only.
 *
 * Usage: sqlite_insert <db-path> <schema.sql> [count (1..100000, default 2000)]
 *        [max-seconds (default 20)]
 * The database file must not exist yet. Output: human-readable lines, then one line
 * "RESULT raw_tps=<n> count=<n> seconds=<n> p50_ms=<n> p99_ms=<n>".
 */
#define _POSIX_C_SOURCE 200809L

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SCHEMA_MAX (1L << 20)
#define COUNT_DEFAULT 2000
#define COUNT_MAX 100000
#define SECONDS_DEFAULT 20.0

/* The same shape of request body that bench/ticket_create.mjs sends. */
#define BODY_TEXT                                                                                  \
    "Hello, I sent BTC from my hardware wallet to my deposit address three hours ago. The "        \
    "transaction has more than 6 confirmations on the block explorer but the balance in my "       \
    "account still shows nothing and the deposit history is empty. I double-checked that I "       \
    "used the bitcoin network and the address shown on the deposit page. Could you please "        \
    "look into it and credit the deposit? Thank you."

struct stmts {
    sqlite3_stmt *dept;
    sqlite3_stmt *ticket;
    sqlite3_stmt *tags;
    sqlite3_stmt *message;
    sqlite3_stmt *event;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64: a fixed seed, so every run inserts the same txids. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static void random_hex64(uint64_t *s, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 64; i++)
        out[i] = hex[rng_next(s) & 15];
    out[64] = '\0';
}

/* Reads a whole file into a NUL-terminated heap string of at most SCHEMA_MAX bytes. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *p = malloc((size_t)SCHEMA_MAX + 1);
    size_t n = p ? fread(p, 1, (size_t)SCHEMA_MAX + 1, f) : 0;
    int bad = !p || ferror(f) || n > (size_t)SCHEMA_MAX;
    fclose(f);
    if (bad) {
        free(p);
        return NULL;
    }
    p[n] = '\0';
    return p;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, long n, double p)
{
    long i = (long)(p * (double)(n - 1) + 0.5);
    return sorted[i];
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    fprintf(stderr, "sqlite_insert: %s\n", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK)
        return 0;
    fprintf(stderr, "sqlite_insert: prepare: %s\n", sqlite3_errmsg(db));
    return -1;
}

/* Steps a statement to its end (or its one RETURNING row, copied to *id), then resets it. */
static int run(sqlite3 *db, sqlite3_stmt *st, int64_t *id)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && id)
        *id = sqlite3_column_int64(st, 0);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE)
        return 0;
    fprintf(stderr, "sqlite_insert: step: %s\n", sqlite3_errmsg(db));
    return -1;
}

static int prepare_all(sqlite3 *db, struct stmts *s)
{
    return prepare(db, "SELECT id, slug, name FROM departments WHERE slug = ?", &s->dept) ||
           prepare(db,
                   "INSERT INTO tickets (subject, status, priority, department_id, tier, "
                   "channel, assignee_id, exchange_uid, txid, asset, network, amount, order_id, "
                   "follow_up_of, updated_at, requester_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &s->ticket) ||
           prepare(db, "DELETE FROM ticket_tags WHERE ticket_id = ?", &s->tags) ||
           prepare(db,
                   "INSERT INTO messages (ticket_id, author_id, body, internal, created_at) "
                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                   &s->message) ||
           prepare(db,
                   "INSERT INTO events (ticket_id, actor_id, type, data, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   &s->event);
}

static void finalize_all(struct stmts *s)
{
    sqlite3_finalize(s->dept);
    sqlite3_finalize(s->ticket);
    sqlite3_finalize(s->tags);
    sqlite3_finalize(s->message);
    sqlite3_finalize(s->event);
}

static int add_event(sqlite3 *db, struct stmts *s, int64_t ticket, int64_t actor, const char *type,
                     const char *data, int64_t now)
{
    sqlite3_bind_int64(s->event, 1, ticket);
    sqlite3_bind_int64(s->event, 2, actor);
    sqlite3_bind_text(s->event, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->event, 4, data, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->event, 5, now);
    return run(db, s->event, NULL);
}

/* One ticket creation, in one durable transaction. */
static int create_ticket(sqlite3 *db, struct stmts *s, long i, int64_t requester, uint64_t *seed)
{
    char subject[128], txid[65], amount[32], data[512];
    snprintf(subject, sizeof(subject), "BTC deposit not credited after 6 confirmations (#%ld)", i);
    random_hex64(seed, txid);
    snprintf(amount, sizeof(amount), "0.%08lu", (unsigned long)(rng_next(seed) % 99999999 + 1));
    if (exec(db, "BEGIN IMMEDIATE"))
        return -1;
    int64_t now = wall_ms(), dept = 0, ticket = 0, message = 0;
    sqlite3_bind_text(s->dept, 1, "deposits", -1, SQLITE_STATIC);
    if (run(db, s->dept, &dept) || dept == 0)
        goto fail;
    sqlite3_stmt *t = s->ticket;
    sqlite3_bind_text(t, 1, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(t, 2, "new", -1, SQLITE_STATIC);
    sqlite3_bind_text(t, 3, "normal", -1, SQLITE_STATIC);
    sqlite3_bind_int64(t, 4, dept);
    sqlite3_bind_int64(t, 5, 1);
    sqlite3_bind_text(t, 6, "web", -1, SQLITE_STATIC);
    sqlite3_bind_null(t, 7);
    sqlite3_bind_null(t, 8);
    sqlite3_bind_text(t, 9, txid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(t, 10, "BTC", -1, SQLITE_STATIC);
    sqlite3_bind_text(t, 11, "bitcoin", -1, SQLITE_STATIC);
    sqlite3_bind_text(t, 12, amount, -1, SQLITE_TRANSIENT);
    sqlite3_bind_null(t, 13);
    sqlite3_bind_null(t, 14);
    sqlite3_bind_int64(t, 15, now);
    sqlite3_bind_int64(t, 16, requester);
    sqlite3_bind_int64(t, 17, now);
    if (run(db, t, &ticket) || ticket == 0)
        goto fail;
    sqlite3_bind_int64(s->tags, 1, ticket);
    if (run(db, s->tags, NULL))
        goto fail;
    sqlite3_bind_int64(s->message, 1, ticket);
    sqlite3_bind_int64(s->message, 2, requester);
    sqlite3_bind_text(s->message, 3, BODY_TEXT, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->message, 4, 0);
    sqlite3_bind_int64(s->message, 5, now);
    if (run(db, s->message, &message) || message == 0)
        goto fail;
    int n = snprintf(data, sizeof(data),
                     "{\"after\":{\"subject\":\"%s\",\"status\":\"new\",\"priority\":\"normal\","
                     "\"department\":\"deposits\",\"requester_id\":%lld}}",
                     subject, (long long)requester);
    if (n < 0 || (size_t)n >= sizeof(data))
        goto fail;
    if (add_event(db, s, ticket, requester, "created", data, now))
        goto fail;
    n = snprintf(data, sizeof(data), "{\"after\":{\"message_id\":%lld,\"internal\":false}}",
                 (long long)message);
    if (n < 0 || (size_t)n >= sizeof(data))
        goto fail;
    if (add_event(db, s, ticket, requester, "message_added", data, now))
        goto fail;
    if (exec(db, "COMMIT"))
        goto fail;
    return 0;
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int main(int argc, char **argv)
{
    long count = COUNT_DEFAULT, max_s = (long)SECONDS_DEFAULT;
    if (argc < 3 || argc > 5 || (argc > 3 && parse_long(argv[3], 1, COUNT_MAX, &count)) ||
        (argc > 4 && parse_long(argv[4], 1, 3600, &max_s))) {
        fprintf(stderr, "usage: sqlite_insert <db-path> <schema.sql> [count 1..%d] [max-seconds]\n",
                COUNT_MAX);
        return 2;
    }
    struct stat sb;
    if (stat(argv[1], &sb) == 0) {
        fprintf(stderr, "sqlite_insert: %s exists; give a path for a fresh database\n", argv[1]);
        return 2;
    }
    char *schema = read_file(argv[2]);
    if (!schema) {
        fprintf(stderr, "sqlite_insert: cannot read %s\n", argv[2]);
        return 1;
    }
    int status = 1;
    sqlite3 *db = NULL;
    struct stmts s;
    memset(&s, 0, sizeof(s));
    double *lat = calloc((size_t)count, sizeof(*lat));
    if (!lat)
        goto out;
    if (sqlite3_open_v2(argv[1], &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_insert: cannot open %s\n", argv[1]);
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    /* The server's pragmas, from src/store/store_sqlite.c open_conn(). */
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                 "PRAGMA temp_store=MEMORY;"))
        goto out;
    if (exec(db, "BEGIN") || exec(db, schema) || exec(db, "COMMIT"))
        goto out;
    if (exec(db, "INSERT INTO users (email, name, role, password_hash, created_at) VALUES "
                 "('bench@example.com', 'Bench Customer', 'customer', '!', 0)"))
        goto out;
    int64_t requester = sqlite3_last_insert_rowid(db);
    if (prepare_all(db, &s))
        goto out;

    uint64_t seed = 0x9e3779b97f4a7c15u;
    long done = 0;
    double start = now_s(), deadline = start + (double)max_s;
    while (done < count) {
        double t0 = now_s();
        if (t0 >= deadline)
            break;
        if (create_ticket(db, &s, done + 1, requester, &seed))
            goto out;
        lat[done++] = (now_s() - t0) * 1000.0;
    }
    double secs = now_s() - start;

    sqlite3_stmt *chk;
    long rows[3] = {0, 0, 0};
    if (prepare(db,
                "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages), "
                "(SELECT count(*) FROM events)",
                &chk))
        goto out;
    if (sqlite3_step(chk) == SQLITE_ROW)
        for (int i = 0; i < 3; i++)
            rows[i] = (long)sqlite3_column_int64(chk, i);
    sqlite3_finalize(chk);
    if (rows[0] != done || rows[1] != done || rows[2] != 2 * done) {
        fprintf(stderr,
                "sqlite_insert: row check failed: %ld tickets, %ld messages, %ld events "
                "for %ld transactions\n",
                rows[0], rows[1], rows[2], done);
        goto out;
    }
    if (done == 0) {
        fprintf(stderr, "sqlite_insert: no transaction finished in %ld s\n", max_s);
        goto out;
    }

    qsort(lat, (size_t)done, sizeof(*lat), cmp_double);
    double tps = (double)done / secs, p50 = percentile(lat, done, 0.50),
           p99 = percentile(lat, done, 0.99);
    printf("raw SQLite %s (journal_mode=WAL, synchronous=FULL), 1 transaction per ticket\n",
           sqlite3_libversion());
    printf("  %ld tickets in %.2f s: %.0f tickets/s, p50 %.3f ms, p99 %.3f ms%s\n", done, secs, tps,
           p50, p99, done < count ? " (stopped by the time limit)" : "");
    printf("  rows written: %ld tickets, %ld messages, %ld events\n", rows[0], rows[1], rows[2]);
    printf("RESULT raw_tps=%.1f count=%ld seconds=%.3f p50_ms=%.3f p99_ms=%.3f\n", tps, done, secs,
           p50, p99);
    status = 0;
out:
    finalize_all(&s);
    sqlite3_close(db);
    free(lat);
    free(schema);
    return status;
}
