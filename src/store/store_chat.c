/* Live chat: chats, their sequenced messages, read marks, agents' presence, business
 * hours and canned responses. */
#include "store.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static void bind_id_or_null(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

/* Steps a statement that returns no rows and finalizes it. */
static int step_done(struct db_stmt *st)
{
    return store__step_done(st);
}

#define CHAT_COLS                                                                                  \
    "c.id, c.department_id, d.slug, c.tier, c.customer_id, cu.name, cu.email, c.agent_id, "        \
    "ag.name, c.status, c.created_at, c.queued_at, c.assigned_at, c.ended_at, c.estimate_s, "      \
    "c.rating, c.ticket_id, c.last_seq "
#define CHAT_FROM                                                                                  \
    "FROM chats c JOIN departments d ON d.id = c.department_id "                                   \
    "JOIN users cu ON cu.id = c.customer_id LEFT JOIN users ag ON ag.id = c.agent_id "

static void read_chat(struct db_stmt *st, struct chat_rec *c)
{
    memset(c, 0, sizeof(*c));
    c->id = db_col_int64(st, 0);
    c->department_id = db_col_int64(st, 1);
    STORE_COPY(st, 2, c->department);
    c->tier = (int)db_col_int64(st, 3);
    c->customer_id = db_col_int64(st, 4);
    STORE_COPY(st, 5, c->customer_name);
    STORE_COPY(st, 6, c->customer_email);
    c->agent_id = db_col_int64(st, 7);
    STORE_COPY(st, 8, c->agent_name);
    STORE_COPY(st, 9, c->status);
    c->created_at = db_col_int64(st, 10);
    c->queued_at = db_col_int64(st, 11);
    c->assigned_at = db_col_int64(st, 12);
    c->ended_at = db_col_int64(st, 13);
    c->estimate_s = db_col_int64(st, 14);
    c->rating = (int)db_col_int64(st, 15);
    c->ticket_id = db_col_int64(st, 16);
    c->last_seq = db_col_int64(st, 17);
}

int store_chat_insert(struct db *db, struct chat_rec *c, const char *token_hash)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO chats (department_id, tier, customer_id, status, token_hash, "
                   "created_at, queued_at, estimate_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, c->department_id);
    db_bind_int64(st, 2, c->tier);
    db_bind_int64(st, 3, c->customer_id);
    db_bind_text(st, 4, c->status);
    db_bind_text(st, 5, token_hash);
    db_bind_int64(st, 6, c->created_at);
    db_bind_int64(st, 7, c->queued_at);
    db_bind_int64(st, 8, c->estimate_s);
    return store__step_id(st, &c->id);
}

int store_chat_get(struct db *db, int64_t id, struct chat_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " CHAT_COLS CHAT_FROM "WHERE c.id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_chat(st, out);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_chat_token_hash(struct db *db, int64_t id, char *out, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT token_hash FROM chats WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        store__copy_col(st, 0, out, n);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_chat_update(struct db *db, const struct chat_rec *c)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE chats SET department_id = ?, tier = ?, agent_id = ?, status = ?, "
                   "queued_at = ?, assigned_at = ?, ended_at = ?, estimate_s = ?, ticket_id = ? "
                   "WHERE id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, c->department_id);
    db_bind_int64(st, 2, c->tier);
    bind_id_or_null(st, 3, c->agent_id);
    db_bind_text(st, 4, c->status);
    db_bind_int64(st, 5, c->queued_at);
    bind_id_or_null(st, 6, c->assigned_at);
    bind_id_or_null(st, 7, c->ended_at);
    db_bind_int64(st, 8, c->estimate_s);
    bind_id_or_null(st, 9, c->ticket_id);
    db_bind_int64(st, 10, c->id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ENOTFOUND;
}

int store_chat_rate(struct db *db, int64_t id, int rating, const char *comment)
{
    struct db_stmt *st;
    if (db_prepare(
            db, "UPDATE chats SET rating = ?, rating_comment = ? WHERE id = ? AND rating IS NULL",
            &st))
        return FD_EDB;
    db_bind_int64(st, 1, rating);
    store__bind_opt(st, 2, comment);
    db_bind_int64(st, 3, id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ECONFLICT;
}

int store_chat_next_seq(struct db *db, int64_t id, int64_t *seq)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE chats SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        *seq = db_col_int64(st, 0);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_chat_msg_insert(struct db *db, const struct chat_msg_rec *m, const char *client_id)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO chat_messages (chat_id, seq, author_id, kind, body, client_id, "
                   "chat_file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, m->chat_id);
    db_bind_int64(st, 2, m->seq);
    bind_id_or_null(st, 3, m->author_id);
    db_bind_text(st, 4, m->kind);
    db_bind_text(st, 5, m->body);
    store__bind_opt(st, 6, client_id);
    bind_id_or_null(st, 7, m->attachment_id);
    db_bind_int64(st, 8, m->created_at);
    return step_done(st);
}

int store_chat_msg_by_client(struct db *db, int64_t chat_id, int64_t author_id,
                             const char *client_id, int64_t *seq)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT seq FROM chat_messages WHERE chat_id = ? AND author_id = ? AND "
                   "client_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, chat_id);
    db_bind_int64(st, 2, author_id);
    db_bind_text(st, 3, client_id);
    int rc = db_step(st);
    if (rc == 1)
        *seq = db_col_int64(st, 0);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_chat_msg_list(struct db *db, int64_t chat_id, int64_t after, int include_notes,
                        int (*cb)(void *, const struct chat_msg_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT m.seq, m.author_id, u.name, u.role, m.kind, m.body, m.chat_file_id, "
                   "m.created_at, f.filename, f.content_type, f.size, f.sha256 "
                   "FROM chat_messages m LEFT JOIN users u ON u.id = m.author_id "
                   "LEFT JOIN chat_files f ON f.id = m.chat_file_id "
                   "WHERE m.chat_id = ? AND m.seq > ? AND (? = 1 OR m.kind <> 'note') "
                   "ORDER BY m.seq",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, chat_id);
    db_bind_int64(st, 2, after);
    db_bind_int64(st, 3, include_notes ? 1 : 0);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct chat_msg_rec m;
        memset(&m, 0, sizeof(m));
        m.chat_id = chat_id;
        m.seq = db_col_int64(st, 0);
        m.author_id = db_col_int64(st, 1);
        STORE_COPY(st, 2, m.author_name);
        const char *role = db_col_text(st, 3);
        if (!role || fd_role_parse(role, &m.author_role))
            m.author_role = ROLE_CUSTOMER;
        STORE_COPY(st, 4, m.kind);
        m.body = db_col_text(st, 5);
        if (!m.body)
            m.body = "";
        m.attachment_id = db_col_int64(st, 6);
        m.created_at = db_col_int64(st, 7);
        if (m.attachment_id) {
            STORE_COPY(st, 8, m.attachment_filename);
            STORE_COPY(st, 9, m.attachment_content_type);
            m.attachment_size = db_col_int64(st, 10);
            STORE_COPY(st, 11, m.attachment_sha256);
        }
        if ((rc = cb(ctx, &m)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_chat_read_set(struct db *db, int64_t chat_id, int64_t user_id, int64_t seq)
{
    /* Update first, then insert: portable where an upsert is not. A read mark only
     * moves forward. */
    struct db_stmt *st;
    if (db_prepare(
            db, "UPDATE chat_reads SET seq = ? WHERE chat_id = ? AND user_id = ? AND seq < ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, seq);
    db_bind_int64(st, 2, chat_id);
    db_bind_int64(st, 3, user_id);
    db_bind_int64(st, 4, seq);
    int rc = step_done(st);
    if (rc || db_changes(db))
        return rc;
    if (db_prepare(db, "SELECT 1 FROM chat_reads WHERE chat_id = ? AND user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, chat_id);
    db_bind_int64(st, 2, user_id);
    rc = db_step(st);
    db_finalize(st);
    if (rc != 0)
        return rc < 0 ? rc : 0; /* a mark at or past seq exists */
    if (db_prepare(db, "INSERT INTO chat_reads (chat_id, user_id, seq) VALUES (?, ?, ?)", &st))
        return FD_EDB;
    db_bind_int64(st, 1, chat_id);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, seq);
    return step_done(st);
}

/* Lists chats of one query with one or two integer parameters. */
static int list_chats(struct db *db, const char *sql, int64_t p1, int64_t p2, int nparams,
                      int (*cb)(void *, const struct chat_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, sql, &st))
        return FD_EDB;
    if (nparams > 0)
        db_bind_int64(st, 1, p1);
    if (nparams > 1)
        db_bind_int64(st, 2, p2);
    int rc;
    struct chat_rec c;
    while ((rc = db_step(st)) == 1) {
        read_chat(st, &c);
        if ((rc = cb(ctx, &c)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_chat_queue(struct db *db, int64_t department_id, int tier,
                     int (*cb)(void *, const struct chat_rec *), void *ctx)
{
    if (department_id == 0)
        return list_chats(db,
                          "SELECT " CHAT_COLS CHAT_FROM
                          "WHERE c.status = 'queued' ORDER BY c.queued_at, c.id",
                          0, 0, 0, cb, ctx);
    return list_chats(db,
                      "SELECT " CHAT_COLS CHAT_FROM
                      "WHERE c.status = 'queued' AND c.department_id = ? AND c.tier = ? "
                      "ORDER BY c.queued_at, c.id",
                      department_id, tier, 2, cb, ctx);
}

int store_chat_queue_ahead(struct db *db, const struct chat_rec *c, int *ahead)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT count(*) FROM chats WHERE status = 'queued' AND department_id = ? AND "
                   "tier = ? AND (queued_at < ? OR (queued_at = ? AND id < ?))",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, c->department_id);
    db_bind_int64(st, 2, c->tier);
    db_bind_int64(st, 3, c->queued_at);
    db_bind_int64(st, 4, c->queued_at);
    db_bind_int64(st, 5, c->id);
    int rc = db_step(st);
    if (rc == 1)
        *ahead = (int)db_col_int64(st, 0);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_EDB : rc;
}

int store_chat_agent_active(struct db *db, int64_t agent_id,
                            int (*cb)(void *, const struct chat_rec *), void *ctx)
{
    return list_chats(db,
                      "SELECT " CHAT_COLS CHAT_FROM
                      "WHERE c.agent_id = ? AND c.status = 'active' ORDER BY c.assigned_at, c.id",
                      agent_id, 0, 1, cb, ctx);
}

int store_chat_customer_list(struct db *db, int64_t customer_id,
                             int (*cb)(void *, const struct chat_rec *), void *ctx)
{
    return list_chats(db,
                      "SELECT " CHAT_COLS CHAT_FROM "WHERE c.customer_id = ? ORDER BY c.id DESC "
                      "LIMIT 50",
                      customer_id, 0, 1, cb, ctx);
}

int store_chat_handling_ms(struct db *db, int64_t department_id, int64_t *mean_ms, int *n)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT ended_at - assigned_at FROM chats WHERE department_id = ? AND "
                   "status IN ('ended', 'converted') AND assigned_at IS NOT NULL AND "
                   "ended_at IS NOT NULL ORDER BY ended_at DESC, id DESC LIMIT 20",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc, count = 0;
    int64_t sum = 0;
    while ((rc = db_step(st)) == 1) {
        int64_t v = db_col_int64(st, 0);
        sum += v > 0 ? v : 0;
        count++;
    }
    db_finalize(st);
    if (rc < 0)
        return rc;
    *n = count;
    *mean_ms = count ? sum / count : 0;
    return 0;
}

int store_chat_search(struct db *db, const struct chat_search *s,
                      int (*cb)(void *, const struct chat_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " CHAT_COLS CHAT_FROM
                   "WHERE (? IS NULL OR c.status = ?) AND (? = 0 OR c.department_id = ?) "
                   "AND (? = 0 OR c.customer_id = ?) AND (? = 0 OR c.id < ?) "
                   "AND (? IS NULL OR cu.name LIKE ? ESCAPE '\\' OR cu.email LIKE ? ESCAPE '\\' "
                   "OR EXISTS (SELECT 1 FROM chat_messages m WHERE m.chat_id = c.id AND "
                   "(? = 1 OR m.kind <> 'note') AND m.body LIKE ? ESCAPE '\\')) "
                   "ORDER BY c.id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    char *like = s->text && *s->text ? store__like_pattern(s->text) : NULL;
    db_bind_text(st, 1, s->status);
    db_bind_text(st, 2, s->status);
    db_bind_int64(st, 3, s->department_id);
    db_bind_int64(st, 4, s->department_id);
    db_bind_int64(st, 5, s->customer_id);
    db_bind_int64(st, 6, s->customer_id);
    db_bind_int64(st, 7, s->before_id);
    db_bind_int64(st, 8, s->before_id);
    db_bind_text(st, 9, like);
    db_bind_text(st, 10, like);
    db_bind_text(st, 11, like);
    db_bind_int64(st, 12, s->include_notes ? 1 : 0);
    db_bind_text(st, 13, like);
    db_bind_int64(st, 14, s->limit > 0 ? s->limit : 25);
    int rc;
    struct chat_rec c;
    while ((rc = db_step(st)) == 1) {
        read_chat(st, &c);
        if ((rc = cb(ctx, &c)) != 0)
            break;
    }
    db_finalize(st);
    free(like);
    return rc < 0 ? rc : 0;
}

int store_chat_file_insert(struct db *db, struct chat_file_rec *f)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO chat_files (chat_id, uploader_id, sha256, filename, content_type, "
                   "size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, f->chat_id);
    db_bind_int64(st, 2, f->uploader_id);
    db_bind_text(st, 3, f->sha256);
    db_bind_text(st, 4, f->filename);
    db_bind_text(st, 5, f->content_type);
    db_bind_int64(st, 6, f->size);
    db_bind_int64(st, 7, f->created_at);
    return store__step_id(st, &f->id);
}

int store_chat_file_get(struct db *db, int64_t chat_id, int64_t id, struct chat_file_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, chat_id, uploader_id, sha256, filename, content_type, size, "
                   "created_at FROM chat_files WHERE id = ? AND chat_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, chat_id);
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int64(st, 0);
        out->chat_id = db_col_int64(st, 1);
        out->uploader_id = db_col_int64(st, 2);
        STORE_COPY(st, 3, out->sha256);
        STORE_COPY(st, 4, out->filename);
        STORE_COPY(st, 5, out->content_type);
        out->size = db_col_int64(st, 6);
        out->created_at = db_col_int64(st, 7);
    }
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_chat_report(struct db *db, int limit, int (*cb)(void *, const struct chat_rec *),
                      void *ctx)
{
    return list_chats(db,
                      "SELECT " CHAT_COLS CHAT_FROM
                      "WHERE c.assigned_at IS NOT NULL ORDER BY c.id DESC LIMIT ?",
                      limit, 0, 1, cb, ctx);
}

/* ---- agents' presence ---- */

int store_agent_presence_get(struct db *db, int64_t user_id, char *status, size_t n, int *capacity,
                             int *active)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT p.status, p.capacity, (SELECT count(*) FROM chats c WHERE "
                   "c.agent_id = p.user_id AND c.status = 'active') FROM agent_presence p "
                   "WHERE p.user_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == 1) {
        store__copy_col(st, 0, status, n);
        *capacity = (int)db_col_int64(st, 1);
        *active = (int)db_col_int64(st, 2);
    }
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_agent_presence_set(struct db *db, int64_t user_id, const char *status, int capacity,
                             int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE agent_presence SET status = ?, capacity = ?, updated_at = ? "
                   "WHERE user_id = ?",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, capacity);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, user_id);
    int rc = step_done(st);
    if (rc || db_changes(db))
        return rc;
    if (db_prepare(db,
                   "INSERT INTO agent_presence (user_id, status, capacity, updated_at) "
                   "VALUES (?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, status);
    db_bind_int64(st, 3, capacity);
    db_bind_int64(st, 4, now);
    return step_done(st);
}

int store_agent_assigned(struct db *db, int64_t user_id, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE agent_presence SET last_assigned_at = ? WHERE user_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, user_id);
    return step_done(st);
}

int store_chat_agents(struct db *db, int64_t department_id, int tier,
                      int (*cb)(void *, const struct chat_agent_rec *), void *ctx)
{
    struct db_stmt *st;
    /* Least loaded first; ties: the longest since the last assignment, then the id. */
    if (db_prepare(db,
                   "SELECT u.id, u.name, p.capacity, p.last_assigned_at, (SELECT count(*) FROM "
                   "chats c WHERE c.agent_id = u.id AND c.status = 'active') AS active "
                   "FROM agent_presence p JOIN users u ON u.id = p.user_id "
                   "WHERE p.status = 'online' AND u.disabled = 0 AND u.role <> 'customer' AND "
                   "u.department_id = ? AND u.tier = ? "
                   "ORDER BY active, p.last_assigned_at, u.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, tier);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct chat_agent_rec a;
        memset(&a, 0, sizeof(a));
        a.id = db_col_int64(st, 0);
        STORE_COPY(st, 1, a.name);
        a.capacity = (int)db_col_int64(st, 2);
        a.last_assigned_at = db_col_int64(st, 3);
        a.active = (int)db_col_int64(st, 4);
        if ((rc = cb(ctx, &a)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* ---- business hours ---- */

int store_dept_hours_replace(struct db *db, int64_t department_id, const struct dept_hours_rec *h,
                             int n)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM department_hours WHERE department_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc = step_done(st);
    for (int i = 0; rc == 0 && i < n; i++) {
        if (db_prepare(db,
                       "INSERT INTO department_hours (department_id, day, open_min, close_min, "
                       "offset_min) VALUES (?, ?, ?, ?, ?)",
                       &st))
            return FD_EDB;
        db_bind_int64(st, 1, department_id);
        db_bind_int64(st, 2, h[i].day);
        db_bind_int64(st, 3, h[i].open_min);
        db_bind_int64(st, 4, h[i].close_min);
        db_bind_int64(st, 5, h[i].offset_min);
        rc = step_done(st);
    }
    return rc;
}

int store_dept_hours_list(struct db *db, int64_t department_id,
                          int (*cb)(void *, const struct dept_hours_rec *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT day, open_min, close_min, offset_min FROM department_hours "
                   "WHERE department_id = ? ORDER BY day, open_min",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct dept_hours_rec h;
        h.day = (int)db_col_int64(st, 0);
        h.open_min = (int)db_col_int64(st, 1);
        h.close_min = (int)db_col_int64(st, 2);
        h.offset_min = (int)db_col_int64(st, 3);
        if ((rc = cb(ctx, &h)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* ---- canned responses ---- */

int store_canned_list(struct db *db, int64_t department_id,
                      int (*cb)(void *, int64_t, const char *, const char *), void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, title, body FROM canned_responses WHERE department_id IS NULL OR "
                   "department_id = ? ORDER BY department_id IS NOT NULL, id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *title = db_col_text(st, 1), *body = db_col_text(st, 2);
        if ((rc = cb(ctx, db_col_int64(st, 0), title ? title : "", body ? body : "")) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}
