/*
 * SQLite backend of the store: connection pool, statement cache, transactions and
 * migrations. WAL mode with synchronous=FULL: a commit has reached the disk when
 * db_commit returns, so an acknowledged write survives a crash or power loss.
 */
#include "store.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "audit_chain.h"
#include "migrations.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STMT_CACHE 96

struct db_stmt {
    sqlite3_stmt *st;
    const char *sql;
    int in_use;
};

struct db {
    sqlite3 *h;
    struct db_stmt cache[STMT_CACHE];
    int busy;
    int writing; /* holds the store's write mutex */
    struct store *store;
};

/*
 * SQLite allows one writer at a time. Writers of this process queue on write_mu
 * instead of spinning in SQLite's busy handler (which sleeps in growing steps and made
 * p99 latency jump under concurrent writes); the busy timeout still covers writers in
 * other processes (the CLI).
 */
struct store {
    struct db *conns;
    int n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t write_mu;
};

/*
 * fd_chain_hash(table, prev_hash, id, ref, actor, type, data, created_at): the hash of one
 * record row (audit_chain.c), for the chain triggers of migration 017. NULL in, NULL out
 * for a malformed prev_hash, so the row is left without a hash and verify names it.
 */
static void sql_chain_hash(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
    (void)argc;
    const char *table = (const char *)sqlite3_value_text(v[0]);
    const char *prev = (const char *)sqlite3_value_text(v[1]);
    char out[AUDIT_HEX_LEN + 1];
    if (!table ||
        store_audit_hash(
            table, prev, sqlite3_value_int64(v[2]), sqlite3_value_type(v[3]) != SQLITE_NULL,
            sqlite3_value_int64(v[3]), sqlite3_value_type(v[4]) != SQLITE_NULL,
            sqlite3_value_int64(v[4]), (const char *)sqlite3_value_text(v[5]),
            (const char *)sqlite3_value_text(v[6]), sqlite3_value_int64(v[7]), out) != 0) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_text(ctx, out, AUDIT_HEX_LEN, SQLITE_TRANSIENT);
}

static int open_conn(const char *path, struct db *db)
{
    memset(db, 0, sizeof(*db));
    int rc = sqlite3_open_v2(
        path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return FD_EIO;
    sqlite3_busy_timeout(db->h, 10000);
    static const char *pragmas = "PRAGMA journal_mode=WAL;"
                                 "PRAGMA synchronous=FULL;"
                                 "PRAGMA foreign_keys=ON;"
                                 "PRAGMA temp_store=MEMORY;";
    if (sqlite3_exec(db->h, pragmas, NULL, NULL, NULL) != SQLITE_OK)
        return FD_EDB;
    if (sqlite3_create_function_v2(db->h, "fd_chain_hash", 8, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   NULL, sql_chain_hash, NULL, NULL, NULL) != SQLITE_OK)
        return FD_EDB;
    return 0;
}

static void close_conn(struct db *db)
{
    for (int i = 0; i < STMT_CACHE; i++)
        sqlite3_finalize(db->cache[i].st);
    sqlite3_close(db->h);
    db->h = NULL;
}

int store_open(const char *data_dir, int conns, struct store **out)
{
    if (mkdir(data_dir, 0700) != 0) {
        struct stat sb;
        if (stat(data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return FD_EIO;
    }
    char path[2048];
    int n = snprintf(path, sizeof(path), "%s/frontdesk.db", data_dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return FD_EINVAL;
    if (conns < 1)
        conns = 1;
    struct store *s = xcalloc(1, sizeof(*s));
    s->conns = xcalloc((size_t)conns, sizeof(struct db));
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    for (int i = 0; i < conns; i++) {
        int rc = open_conn(path, &s->conns[i]);
        s->conns[i].store = s;
        s->n = i + 1;
        if (rc) {
            store_close(s);
            return rc;
        }
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        close_conn(&s->conns[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->write_mu);
    free(s->conns);
    free(s);
}

int store_on_connect(struct store *s, int (*fn)(struct db *db))
{
    for (int i = 0; i < s->n; i++) {
        int rc = fn(&s->conns[i]);
        if (rc)
            return rc;
    }
    return 0;
}

void *db_native(struct db *db)
{
    return db->h;
}

struct db *store_acquire(struct store *s)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->n; i++) {
            if (!s->conns[i].busy) {
                s->conns[i].busy = 1;
                pthread_mutex_unlock(&s->mu);
                return &s->conns[i];
            }
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

void store_release(struct store *s, struct db *db)
{
    db_rollback(db); /* ends a forgotten transaction and releases the write lock */
    pthread_mutex_lock(&s->mu);
    db->busy = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int db_exec(struct db *db, const char *sql)
{
    return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : FD_EDB;
}

int db_begin_read(struct db *db)
{
    return db_exec(db, "BEGIN");
}

static void end_write(struct db *db)
{
    if (db->writing) {
        db->writing = 0;
        pthread_mutex_unlock(&db->store->write_mu);
    }
}

int db_begin_write(struct db *db)
{
    pthread_mutex_lock(&db->store->write_mu);
    db->writing = 1;
    int rc = db_exec(db, "BEGIN IMMEDIATE");
    if (rc)
        end_write(db);
    return rc;
}

int db_commit(struct db *db)
{
    int rc = db_exec(db, "COMMIT");
    if (rc == 0 || sqlite3_get_autocommit(db->h))
        end_write(db);
    return rc;
}

void db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    end_write(db);
}

const char *db_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->h);
}

int64_t db_changes(struct db *db)
{
    return sqlite3_changes64(db->h);
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct db_stmt *free_slot = NULL;
    for (int i = 0; i < STMT_CACHE; i++) {
        struct db_stmt *c = &db->cache[i];
        if (c->sql == sql && c->st && !c->in_use) {
            c->in_use = 1;
            *out = c;
            return 0;
        }
        if (!c->st && !free_slot)
            free_slot = c;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(db->h, sql, -1, free_slot ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
        SQLITE_OK)
        return FD_EDB;
    if (!free_slot) {
        /* Cache full: a one-off statement, finalized by db_finalize. */
        struct db_stmt *o = xcalloc(1, sizeof(*o));
        o->st = st;
        o->sql = NULL;
        o->in_use = 2;
        *out = o;
        return 0;
    }
    free_slot->st = st;
    free_slot->sql = sql;
    free_slot->in_use = 1;
    *out = free_slot;
    return 0;
}

void db_finalize(struct db_stmt *st)
{
    if (!st)
        return;
    if (st->in_use == 2) {
        sqlite3_finalize(st->st);
        free(st);
        return;
    }
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
    st->in_use = 0;
}

int db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
    return sqlite3_bind_int64(st->st, idx, v) == SQLITE_OK ? 0 : FD_EDB;
}

int db_bind_text(struct db_stmt *st, int idx, const char *s)
{
    if (!s)
        return db_bind_null(st, idx);
    return sqlite3_bind_text(st->st, idx, s, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : FD_EDB;
}

int db_bind_null(struct db_stmt *st, int idx)
{
    return sqlite3_bind_null(st->st, idx) == SQLITE_OK ? 0 : FD_EDB;
}

int db_step(struct db_stmt *st)
{
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return FD_ECONFLICT;
    return FD_EDB;
}

int64_t db_col_int64(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(st->st, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->st, col);
}

int db_col_is_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

/* ---- migrations ---------------------------------------------------------- */

int store_schema_latest(void)
{
    return fd_migrations[fd_migrations_count - 1].version;
}

int store_schema_version(struct db *db, int *out)
{
    struct db_stmt *st;
    *out = 0;
    /* sqlite_master is the backend-specific part; PostgreSQL asks information_schema. */
    if (db_prepare(db, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'", &st))
        return FD_EDB;
    int exists = db_step(st) == 1 && db_col_int64(st, 0) > 0;
    db_finalize(st);
    if (!exists)
        return 0;
    if (db_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", &st))
        return FD_EDB;
    int rc = db_step(st);
    if (rc == 1)
        *out = (int)db_col_int64(st, 0);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_migrate(struct db *db, int *applied)
{
    *applied = 0;
    if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"))
        return FD_EDB;
    int cur;
    int rc = store_schema_version(db, &cur);
    if (rc)
        return rc;
    if (cur > store_schema_latest())
        return FD_ECONFLICT;
    /* Every known version not applied yet, in order, not only those above the highest
     * applied: branches developed in parallel may land a lower number after a higher one. */
    for (size_t i = 0; i < fd_migrations_count; i++) {
        const struct fd_migration *m = &fd_migrations[i];
        struct db_stmt *q;
        if (db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version = ?", &q))
            return FD_EDB;
        db_bind_int64(q, 1, m->version);
        int done = db_step(q);
        db_finalize(q);
        if (done < 0)
            return FD_EDB;
        if (done == 1)
            continue;
        if (db_begin_write(db))
            return FD_EDB;
        if (db_exec(db, m->sql)) {
            db_rollback(db);
            return FD_EDB;
        }
        struct db_stmt *st;
        if (db_prepare(db,
                       "INSERT INTO schema_migrations (version, applied_at) "
                       "VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                       &st)) {
            db_rollback(db);
            return FD_EDB;
        }
        db_bind_int64(st, 1, m->version);
        rc = db_step(st);
        db_finalize(st);
        if (rc < 0 || db_commit(db)) {
            db_rollback(db);
            return FD_EDB;
        }
        (*applied)++;
    }
    return 0;
}
