/* Tickets, tags, messages, attachments and the event log. */
#include "store.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define TICKET_COLS                                                                                \
    "t.id, t.subject, t.status, t.priority, t.department_id, d.slug, t.tier, t.channel, "          \
    "t.requester_id, r.name, r.email, t.assignee_id, a.name, t.exchange_uid, t.txid, t.asset, "    \
    "t.network, t.amount, t.order_id, t.follow_up_of, t.created_at, t.updated_at "
#define TICKET_FROM                                                                                \
    "FROM tickets t JOIN departments d ON d.id = t.department_id "                                 \
    "JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assignee_id "

static void read_ticket(struct db_stmt *st, struct ticket_rec *t)
{
    memset(t, 0, sizeof(*t));
    t->id = db_col_int64(st, 0);
    STORE_COPY(st, 1, t->subject);
    STORE_COPY(st, 2, t->status);
    STORE_COPY(st, 3, t->priority);
    t->department_id = db_col_int64(st, 4);
    STORE_COPY(st, 5, t->department);
    t->tier = (int)db_col_int64(st, 6);
    STORE_COPY(st, 7, t->channel);
    t->requester_id = db_col_int64(st, 8);
    STORE_COPY(st, 9, t->requester_name);
    STORE_COPY(st, 10, t->requester_email);
    t->assignee_id = db_col_int64(st, 11);
    STORE_COPY(st, 12, t->assignee_name);
    STORE_COPY(st, 13, t->exchange_uid);
    STORE_COPY(st, 14, t->txid);
    STORE_COPY(st, 15, t->asset);
    STORE_COPY(st, 16, t->network);
    STORE_COPY(st, 17, t->amount);
    STORE_COPY(st, 18, t->order_id);
    t->follow_up_of = db_col_int64(st, 19);
    t->created_at = db_col_int64(st, 20);
    t->updated_at = db_col_int64(st, 21);
}

static int read_tags(struct db *db, struct ticket_rec *t)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag", &st))
        return FD_EDB;
    db_bind_int64(st, 1, t->id);
    int rc;
    t->ntags = 0;
    while ((rc = db_step(st)) == 1 && t->ntags < FD_TAGS_MAX) {
        STORE_COPY(st, 0, t->tags[t->ntags]);
        t->ntags++;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

static int write_tags(struct db *db, const struct ticket_rec *t)
{
    struct db_stmt *st;
    if (db_prepare(db, "DELETE FROM ticket_tags WHERE ticket_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, t->id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    for (int i = 0; i < t->ntags; i++) {
        if (db_prepare(db, "INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", &st))
            return FD_EDB;
        db_bind_int64(st, 1, t->id);
        db_bind_text(st, 2, t->tags[i]);
        rc = db_step(st);
        db_finalize(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void bind_id_or_null(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int64(st, idx, v);
    else
        db_bind_null(st, idx);
}

/* Binds the 16 mutable columns, in the order of the INSERT and UPDATE below. */
static void bind_mutable(struct db_stmt *st, const struct ticket_rec *t)
{
    db_bind_text(st, 1, t->subject);
    db_bind_text(st, 2, t->status);
    db_bind_text(st, 3, t->priority);
    db_bind_int64(st, 4, t->department_id);
    db_bind_int64(st, 5, t->tier);
    db_bind_text(st, 6, t->channel);
    bind_id_or_null(st, 7, t->assignee_id);
    store__bind_opt(st, 8, t->exchange_uid);
    store__bind_opt(st, 9, t->txid);
    store__bind_opt(st, 10, t->asset);
    store__bind_opt(st, 11, t->network);
    store__bind_opt(st, 12, t->amount);
    store__bind_opt(st, 13, t->order_id);
    bind_id_or_null(st, 14, t->follow_up_of);
    db_bind_int64(st, 15, t->updated_at);
}

int store_ticket_insert(struct db *db, struct ticket_rec *t)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO tickets (subject, status, priority, department_id, tier, channel, "
                   "assignee_id, exchange_uid, txid, asset, network, amount, order_id, "
                   "follow_up_of, updated_at, requester_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    bind_mutable(st, t);
    db_bind_int64(st, 16, t->requester_id);
    db_bind_int64(st, 17, t->created_at);
    int rc = db_step(st);
    if (rc == 1)
        t->id = db_col_int64(st, 0);
    db_finalize(st);
    if (rc != 1)
        return rc == 0 ? FD_EDB : rc;
    return write_tags(db, t);
}

int store_ticket_update(struct db *db, const struct ticket_rec *t)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE tickets SET subject = ?, status = ?, priority = ?, department_id = ?, "
                   "tier = ?, channel = ?, assignee_id = ?, exchange_uid = ?, txid = ?, "
                   "asset = ?, network = ?, amount = ?, order_id = ?, follow_up_of = ?, "
                   "updated_at = ? WHERE id = ?",
                   &st))
        return FD_EDB;
    bind_mutable(st, t);
    db_bind_int64(st, 16, t->id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    if (db_changes(db) == 0)
        return FD_ENOTFOUND;
    return write_tags(db, t);
}

int store_ticket_get(struct db *db, int64_t id, struct ticket_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " TICKET_COLS TICKET_FROM "WHERE t.id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_ticket(st, out);
    db_finalize(st);
    if (rc != 1)
        return rc == 0 ? FD_ENOTFOUND : rc;
    return read_tags(db, out);
}

/* The filter part shared by list and counts. Parameters 1..16, see bind_filter. */
#define FILTER_SQL                                                                                 \
    "WHERE (? = 0 OR t.department_id = ?) "                                                        \
    "AND (? = 0 OR (? = -1 AND t.assignee_id IS NULL) OR t.assignee_id = ?) "                      \
    "AND (? = 0 OR t.requester_id = ?) "                                                           \
    "AND (? IS NULL OR EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id "              \
    "AND g.tag = ?)) "                                                                             \
    "AND (? IS NULL OR t.subject LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m "          \
    "WHERE m.ticket_id = t.id AND (? = 1 OR m.internal = 0) AND m.body LIKE ? ESCAPE '\\')) "

char *store__like_pattern(const char *text)
{
    size_t n = strlen(text);
    char *p = xmalloc(2 * n + 3);
    size_t j = 0;
    p[j++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '%' || text[i] == '_' || text[i] == '\\')
            p[j++] = '\\';
        p[j++] = text[i];
    }
    p[j++] = '%';
    p[j] = '\0';
    return p;
}

static void bind_filter(struct db_stmt *st, const struct ticket_filter *f, const char *like)
{
    db_bind_int64(st, 1, f->department_id);
    db_bind_int64(st, 2, f->department_id);
    db_bind_int64(st, 3, f->assignee_id);
    db_bind_int64(st, 4, f->assignee_id);
    db_bind_int64(st, 5, f->assignee_id);
    db_bind_int64(st, 6, f->requester_id);
    db_bind_int64(st, 7, f->requester_id);
    db_bind_text(st, 8, f->tag);
    db_bind_text(st, 9, f->tag);
    db_bind_text(st, 10, like);
    db_bind_text(st, 11, like);
    db_bind_int64(st, 12, f->include_internal_text ? 1 : 0);
    db_bind_text(st, 13, like);
}

int store_ticket_list(struct db *db, const struct ticket_filter *f, store_ticket_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " TICKET_COLS TICKET_FROM FILTER_SQL
                   "AND t.status IN (?, ?, ?, ?, ?, ?) AND (? = 0 OR t.id < ?) "
                   "ORDER BY t.id DESC LIMIT ?",
                   &st))
        return FD_EDB;
    char *like = f->text ? store__like_pattern(f->text) : NULL;
    bind_filter(st, f, like);
    for (int i = 0; i < FD_NSTATUS; i++) {
        int on = !f->status_mask || (f->status_mask & (1u << i));
        if (on)
            db_bind_text(st, 14 + i, fd_ticket_statuses[i]);
        else
            db_bind_null(st, 14 + i);
    }
    db_bind_int64(st, 20, f->before_id);
    db_bind_int64(st, 21, f->before_id);
    db_bind_int64(st, 22, f->limit);
    int rc;
    struct ticket_rec *t = xmalloc(sizeof(*t));
    while ((rc = db_step(st)) == 1) {
        read_ticket(st, t);
        if ((rc = read_tags(db, t)) != 0)
            break;
        if ((rc = cb(ctx, t)) != 0)
            break;
    }
    free(t);
    free(like);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_ticket_counts(struct db *db, const struct ticket_filter *f, int64_t counts[6])
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT t.status, count(*) FROM tickets t " FILTER_SQL "GROUP BY t.status",
                   &st))
        return FD_EDB;
    char *like = f->text ? store__like_pattern(f->text) : NULL;
    bind_filter(st, f, like);
    memset(counts, 0, 6 * sizeof(counts[0]));
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *s = db_col_text(st, 0);
        int i = s ? fd_status_index(s) : -1;
        if (i >= 0)
            counts[i] = db_col_int64(st, 1);
    }
    free(like);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_message_insert(struct db *db, struct message_rec *m)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO messages (ticket_id, author_id, body, internal, created_at) "
                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, m->ticket_id);
    db_bind_int64(st, 2, m->author_id);
    db_bind_text(st, 3, m->body);
    db_bind_int64(st, 4, m->internal);
    db_bind_int64(st, 5, m->created_at);
    return store__step_id(st, &m->id);
}

int store_message_is_internal(struct db *db, int64_t id, int *internal)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT internal FROM messages WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        *internal = (int)db_col_int64(st, 0);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_message_list(struct db *db, int64_t ticket_id, int include_internal, store_message_cb cb,
                       void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT m.id, m.ticket_id, m.author_id, u.name, u.role, m.body, m.internal, "
                   "m.created_at FROM messages m JOIN users u ON u.id = m.author_id "
                   "WHERE m.ticket_id = ? AND (? = 1 OR m.internal = 0) ORDER BY m.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_int64(st, 2, include_internal ? 1 : 0);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct message_rec m;
        memset(&m, 0, sizeof(m));
        m.id = db_col_int64(st, 0);
        m.ticket_id = db_col_int64(st, 1);
        m.author_id = db_col_int64(st, 2);
        STORE_COPY(st, 3, m.author_name);
        const char *role = db_col_text(st, 4);
        if (!role || fd_role_parse(role, &m.author_role))
            m.author_role = ROLE_CUSTOMER;
        m.body = (char *)db_col_text(st, 5); /* borrowed for the callback only */
        m.internal = (int)db_col_int64(st, 6);
        m.created_at = db_col_int64(st, 7);
        if ((rc = cb(ctx, &m)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_event_insert(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type,
                       const char *data_json, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO events (ticket_id, actor_id, type, data, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    bind_id_or_null(st, 1, ticket_id);
    bind_id_or_null(st, 2, actor_id);
    db_bind_text(st, 3, type);
    db_bind_text(st, 4, data_json);
    db_bind_int64(st, 5, now);
    return store__step_done(st);
}

int store_event_list(struct db *db, int64_t ticket_id, store_event_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " STORE_EVENT_COLS "WHERE e.ticket_id = ? ORDER BY e.id", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct event_rec e;
        store__read_event(st, &e);
        if ((rc = cb(ctx, &e)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

#define ATT_COLS                                                                                   \
    "id, ticket_id, message_id, uploader_id, sha256, filename, content_type, size, created_at "

static void read_attachment(struct db_stmt *st, struct attachment_rec *a)
{
    memset(a, 0, sizeof(*a));
    a->id = db_col_int64(st, 0);
    a->ticket_id = db_col_int64(st, 1);
    a->message_id = db_col_int64(st, 2);
    a->uploader_id = db_col_int64(st, 3);
    STORE_COPY(st, 4, a->sha256);
    STORE_COPY(st, 5, a->filename);
    STORE_COPY(st, 6, a->content_type);
    a->size = db_col_int64(st, 7);
    a->created_at = db_col_int64(st, 8);
}

int store_attachment_insert(struct db *db, struct attachment_rec *a)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO attachments (ticket_id, message_id, uploader_id, sha256, "
                   "filename, content_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, a->ticket_id);
    bind_id_or_null(st, 2, a->message_id);
    db_bind_int64(st, 3, a->uploader_id);
    db_bind_text(st, 4, a->sha256);
    db_bind_text(st, 5, a->filename);
    db_bind_text(st, 6, a->content_type);
    db_bind_int64(st, 7, a->size);
    db_bind_int64(st, 8, a->created_at);
    return store__step_id(st, &a->id);
}

int store_attachment_get(struct db *db, int64_t id, struct attachment_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " ATT_COLS "FROM attachments WHERE id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == 1)
        read_attachment(st, out);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

int store_attachment_link(struct db *db, int64_t id, int64_t message_id)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE attachments SET message_id = ? WHERE id = ? AND message_id IS NULL",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, message_id);
    db_bind_int64(st, 2, id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) ? 0 : FD_ECONFLICT;
}

int store_attachment_list(struct db *db, int64_t ticket_id, store_attachment_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT " ATT_COLS "FROM attachments WHERE ticket_id = ? ORDER BY id", &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct attachment_rec a;
        read_attachment(st, &a);
        if ((rc = cb(ctx, &a)) != 0)
            break;
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}
