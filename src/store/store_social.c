/* Social channels' tables: seen ids, handles, threads, the outbound queue. */
#include "store_social.h"

#include "../core/err.h"
#include "store_int.h"

#include <string.h>

int store_social_seen(struct db *db, const char *platform, const char *event_id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT 1 FROM social_seen WHERE platform = ? AND event_id = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, event_id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return FD_ECONFLICT;
    if (db_prepare(db, "INSERT INTO social_seen (platform, event_id, received_at) VALUES (?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, event_id);
    db_bind_int64(st, 3, now);
    return store__step_done(st);
}

int store_social_handle_user(struct db *db, const char *platform, const char *handle_id,
                             int64_t *user_id)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT user_id FROM social_handles WHERE platform = ? AND handle_id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, handle_id);
    int rc = db_step(st);
    if (rc == 1)
        *user_id = db_col_int64(st, 0);
    return store__finish_row(st, rc);
}

int store_social_handle_insert(struct db *db, const char *platform, const char *handle_id,
                               const char *handle, int64_t user_id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO social_handles (platform, handle_id, handle, user_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, handle_id);
    db_bind_text(st, 3, handle);
    db_bind_int64(st, 4, user_id);
    db_bind_int64(st, 5, now);
    return store__step_done(st);
}

#define THREAD_COLS "s.ticket_id, s.platform, s.handle_id, s.kind, s.target, s.reply_to "

static void read_thread(struct db_stmt *st, struct social_thread_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->ticket_id = db_col_int64(st, 0);
    STORE_COPY(st, 1, r->platform);
    STORE_COPY(st, 2, r->handle_id);
    STORE_COPY(st, 3, r->kind);
    STORE_COPY(st, 4, r->target);
    STORE_COPY(st, 5, r->reply_to);
}

int store_social_thread_open(struct db *db, const char *platform, const char *handle_id,
                             struct social_thread_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " THREAD_COLS "FROM social_threads s JOIN tickets t "
                   "ON t.id = s.ticket_id WHERE s.platform = ? AND s.handle_id = ? "
                   "AND t.status <> 'closed' ORDER BY s.ticket_id DESC LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, platform);
    db_bind_text(st, 2, handle_id);
    int rc = db_step(st);
    if (rc == 1)
        read_thread(st, out);
    return store__finish_row(st, rc);
}

int store_social_thread_get(struct db *db, int64_t ticket_id, struct social_thread_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " THREAD_COLS "FROM social_threads s WHERE s.ticket_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc = db_step(st);
    if (rc == 1)
        read_thread(st, out);
    return store__finish_row(st, rc);
}

int store_social_thread_put(struct db *db, const struct social_thread_rec *r, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO social_threads (ticket_id, platform, handle_id, kind, target, "
                   "reply_to, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (ticket_id) DO UPDATE SET kind = excluded.kind, "
                   "target = excluded.target, reply_to = excluded.reply_to, "
                   "updated_at = excluded.updated_at",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, r->ticket_id);
    db_bind_text(st, 2, r->platform);
    db_bind_text(st, 3, r->handle_id);
    db_bind_text(st, 4, r->kind);
    db_bind_text(st, 5, r->target);
    db_bind_text(st, 6, r->reply_to);
    db_bind_int64(st, 7, now);
    return store__step_done(st);
}

int store_social_out_insert(struct db *db, const char *kind, const char *target,
                            const char *reply_to, const char *body, int64_t ticket_id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO social_outbox (kind, target, reply_to, body, ticket_id, status, "
                   "next_attempt_at, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, target);
    db_bind_text(st, 3, reply_to ? reply_to : "");
    db_bind_text(st, 4, body);
    if (ticket_id)
        db_bind_int64(st, 5, ticket_id);
    else
        db_bind_null(st, 5);
    db_bind_int64(st, 6, now);
    db_bind_int64(st, 7, now);
    db_bind_int64(st, 8, now);
    return store__step_done(st);
}

int store_social_out_due(struct db *db, int64_t now, int limit,
                         int (*cb)(void *, const struct social_out_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, kind, target, reply_to, body, ticket_id, status, attempts, "
                   "next_attempt_at FROM social_outbox WHERE status = 'queued' "
                   "AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, limit);
    int rc;
    struct social_out_rec r;
    while ((rc = db_step(st)) == 1) {
        memset(&r, 0, sizeof(r));
        r.id = db_col_int64(st, 0);
        STORE_COPY(st, 1, r.kind);
        STORE_COPY(st, 2, r.target);
        STORE_COPY(st, 3, r.reply_to);
        r.body = (char *)db_col_text(st, 4);
        r.ticket_id = db_col_int64(st, 5);
        STORE_COPY(st, 6, r.status);
        r.attempts = (int)db_col_int64(st, 7);
        r.next_attempt_at = db_col_int64(st, 8);
        if ((rc = cb(ctx, &r)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_social_out_attempt(struct db *db, int64_t id, const char *status, int attempts,
                             int64_t next_attempt_at, const char *error, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE social_outbox SET status = ?, attempts = ?, next_attempt_at = ?, "
                   "last_error = ?, updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, attempts);
    db_bind_int64(st, 3, next_attempt_at);
    db_bind_text(st, 4, error ? error : "");
    db_bind_int64(st, 5, now);
    db_bind_int64(st, 6, id);
    return store__step_done(st);
}
