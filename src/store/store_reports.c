/* Queries behind reports, reply-time expectations and CSAT surveys. */
#include "store_reports.h"

#include "../core/xalloc.h"
#include "store.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define SAMPLE_COLS "t.id, t.department_id, d.slug, t.channel, t.priority, t.created_at "
#define SAMPLE_FROM "FROM tickets t JOIN departments d ON d.id = t.department_id "
#define SAMPLE_GROUP "GROUP BY t.id, t.department_id, d.slug, t.channel, t.priority, t.created_at "

static void read_sample(struct db_stmt *st, struct report_sample *s)
{
    memset(s, 0, sizeof(*s));
    s->ticket_id = db_col_int64(st, 0);
    s->department_id = db_col_int64(st, 1);
    STORE_COPY(st, 2, s->department);
    STORE_COPY(st, 3, s->channel);
    STORE_COPY(st, 4, s->priority);
    s->start = db_col_int64(st, 5);
}

/* Steps st, calling cb per row; column 6 (if any) is the end, column 7 the rating. */
static int run_samples(struct db_stmt *st, int ncols, store_sample_cb cb, void *ctx)
{
    int rc;
    while ((rc = db_step(st)) == 1) {
        struct report_sample s;
        read_sample(st, &s);
        if (ncols > 6 && !db_col_is_null(st, 6))
            s.end = db_col_int64(st, 6);
        if (ncols > 7 && !db_col_is_null(st, 7))
            s.rating = (int)db_col_int64(st, 7);
        if (cb(ctx, &s)) {
            rc = 0;
            break;
        }
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_reports_first_replies(struct db *db, int64_t from, int64_t to, int64_t department_id,
                                store_sample_cb cb, void *ctx)
{
    /* The first public message by staff that is not the ticket's opening message (a
     * ticket opened by an agent on a customer's behalf has not been answered yet). */
    struct db_stmt *st;
    if (db_prepare(
            db,
            "SELECT " SAMPLE_COLS ", min(m.created_at) " SAMPLE_FROM
            "JOIN messages m ON m.ticket_id = t.id JOIN users u ON u.id = m.author_id "
            "WHERE m.internal = 0 AND u.role <> 'customer' AND (? = 0 OR t.department_id = ?) "
            "AND m.created_at < ? AND t.created_at < ? "
            "AND m.id > (SELECT min(m2.id) FROM messages m2 WHERE m2.ticket_id = "
            "t.id) " SAMPLE_GROUP "HAVING min(m.created_at) >= ? AND min(m.created_at) < ? "
            "ORDER BY t.id",
            &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, department_id);
    /* Messages after the period cannot be a first reply inside it (a smaller minimum
     * would be before them), so they are left out early. */
    db_bind_int64(st, 3, to);
    db_bind_int64(st, 4, to);
    db_bind_int64(st, 5, from);
    db_bind_int64(st, 6, to);
    return run_samples(st, 7, cb, ctx);
}

int store_reports_resolutions(struct db *db, int64_t from, int64_t to, int64_t department_id,
                              store_sample_cb cb, void *ctx)
{
    /* Event data of a status change is {"before":"x","after":"solved"} (jansson keeps
     * insertion order), so the LIKE pattern is exact and portable. */
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SAMPLE_COLS ", min(e.created_at), max(c.rating) " SAMPLE_FROM
                   "JOIN events e ON e.ticket_id = t.id "
                   "LEFT JOIN csat_surveys c ON c.ticket_id = t.id "
                   "WHERE e.type = 'status_changed' AND e.data LIKE '%\"after\":\"solved\"%' "
                   "AND (? = 0 OR t.department_id = ?) " SAMPLE_GROUP
                   "HAVING min(e.created_at) >= ? AND min(e.created_at) < ? ORDER BY t.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, department_id);
    db_bind_int64(st, 3, from);
    db_bind_int64(st, 4, to);
    return run_samples(st, 8, cb, ctx);
}

int store_reports_created(struct db *db, int64_t from, int64_t to, int64_t department_id,
                          store_sample_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SAMPLE_COLS SAMPLE_FROM "WHERE t.created_at >= ? AND t.created_at < ? "
                   "AND (? = 0 OR t.department_id = ?) ORDER BY t.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, from);
    db_bind_int64(st, 2, to);
    db_bind_int64(st, 3, department_id);
    db_bind_int64(st, 4, department_id);
    return run_samples(st, 6, cb, ctx);
}

int store_reports_sla(struct db *db, int64_t from, int64_t to, int64_t department_id,
                      store_sla_clock_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT s.metric, CASE WHEN s.state = 'met' THEN s.stopped_at "
                   "ELSE s.breached_at END, "
                   "CASE WHEN s.state = 'met' THEN (s.due_at IS NOT NULL AND s.due_at > 0 "
                   "AND s.due_at <= s.stopped_at) ELSE 1 END "
                   "FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id "
                   "WHERE s.metric IN ('first_reply', 'resolution') "
                   "AND ((s.state = 'met' AND s.stopped_at >= ? AND s.stopped_at < ?) "
                   "OR (s.state <> 'met' AND s.breached_at >= ? AND s.breached_at < ?)) "
                   "AND (? = 0 OR t.department_id = ?) ORDER BY s.ticket_id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, from);
    db_bind_int64(st, 2, to);
    db_bind_int64(st, 3, from);
    db_bind_int64(st, 4, to);
    db_bind_int64(st, 5, department_id);
    db_bind_int64(st, 6, department_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        char metric[16];
        STORE_COPY(st, 0, metric);
        if (cb(ctx, metric, db_col_int64(st, 1), (int)db_col_int64(st, 2))) {
            rc = 0;
            break;
        }
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_reports_open(struct db *db, int64_t department_id, store_sample_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT " SAMPLE_COLS SAMPLE_FROM "WHERE t.status NOT IN ('solved', 'closed') "
                   "AND (? = 0 OR t.department_id = ?) ORDER BY t.id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, department_id);
    db_bind_int64(st, 2, department_id);
    return run_samples(st, 6, cb, ctx);
}

int store_reports_deflections(struct db *db, int64_t from, int64_t to, store_deflection_cb cb,
                              void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT created_at, opened_article_id IS NOT NULL, ticket_id IS NOT NULL "
                   "FROM kb_deflections WHERE created_at >= ? AND created_at < ? ORDER BY id",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, from);
    db_bind_int64(st, 2, to);
    int rc;
    while ((rc = db_step(st)) == 1) {
        if (cb(ctx, db_col_int64(st, 0), (int)db_col_int64(st, 1), (int)db_col_int64(st, 2))) {
            rc = 0;
            break;
        }
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* ---- CSAT ---------------------------------------------------------------------- */

void csat_rec_release(struct csat_rec *r)
{
    if (r)
        FD_FREE(r->comment);
}

static int64_t col_opt(struct db_stmt *st, int col)
{
    return db_col_is_null(st, col) ? 0 : db_col_int64(st, col);
}

int store_csat_get(struct db *db, int64_t ticket_id, struct csat_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT ticket_id, token_nonce, sent_at, token_used_at, rating, comment, "
                   "answered_at, first_answered_at, answered_by, created_at "
                   "FROM csat_surveys WHERE ticket_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc = db_step(st);
    if (rc == 1) {
        memset(out, 0, sizeof(*out));
        out->ticket_id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->token_nonce);
        out->sent_at = col_opt(st, 2);
        out->token_used_at = col_opt(st, 3);
        out->rating = (int)col_opt(st, 4);
        const char *c = db_col_text(st, 5);
        out->comment = c ? xstrdup(c) : NULL;
        out->answered_at = col_opt(st, 6);
        out->first_answered_at = col_opt(st, 7);
        out->answered_by = col_opt(st, 8);
        out->created_at = db_col_int64(st, 9);
    }
    return store__finish_row(st, rc);
}

int store_csat_insert(struct db *db, int64_t ticket_id, const char *nonce, int64_t sent_at,
                      int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO csat_surveys (ticket_id, token_nonce, sent_at, created_at, "
                   "updated_at) VALUES (?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    db_bind_text(st, 2, nonce);
    if (sent_at)
        db_bind_int64(st, 3, sent_at);
    else
        db_bind_null(st, 3);
    db_bind_int64(st, 4, now);
    db_bind_int64(st, 5, now);
    return store__step_done(st);
}

int store_csat_set_sent(struct db *db, int64_t ticket_id, int64_t sent_at)
{
    struct db_stmt *st;
    if (db_prepare(db, "UPDATE csat_surveys SET sent_at = ?, updated_at = ? WHERE ticket_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, sent_at);
    db_bind_int64(st, 2, sent_at);
    db_bind_int64(st, 3, ticket_id);
    return store__step_done(st);
}

int store_csat_answer(struct db *db, int64_t ticket_id, int rating, const char *comment, int64_t by,
                      int token_used, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "UPDATE csat_surveys SET rating = ?, comment = ?, answered_at = ?, "
                   "first_answered_at = coalesce(first_answered_at, ?), answered_by = ?, "
                   "token_used_at = CASE WHEN ? = 1 THEN ? ELSE token_used_at END, "
                   "updated_at = ? WHERE ticket_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, rating);
    store__bind_opt(st, 2, comment);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, now);
    db_bind_int64(st, 5, by);
    db_bind_int64(st, 6, token_used);
    db_bind_int64(st, 7, now);
    db_bind_int64(st, 8, now);
    db_bind_int64(st, 9, ticket_id);
    int rc = store__step_done(st);
    if (rc == 0 && db_changes(db) == 0)
        rc = FD_ENOTFOUND;
    return rc;
}

int store_csat_answers(struct db *db, int64_t from, int64_t to, int64_t department_id,
                       store_csat_cb cb, void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT c.answered_at, c.rating FROM csat_surveys c "
                   "JOIN tickets t ON t.id = c.ticket_id WHERE c.rating IS NOT NULL "
                   "AND c.answered_at >= ? AND c.answered_at < ? "
                   "AND (? = 0 OR t.department_id = ?) ORDER BY c.answered_at",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, from);
    db_bind_int64(st, 2, to);
    db_bind_int64(st, 3, department_id);
    db_bind_int64(st, 4, department_id);
    int rc;
    while ((rc = db_step(st)) == 1) {
        if (cb(ctx, db_col_int64(st, 0), (int)db_col_int64(st, 1))) {
            rc = 0;
            break;
        }
    }
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_report_key(struct db *db, const char *name, const char *create_hex, char *out, size_t n)
{
    struct db_stmt *st;
    if (db_prepare(db, "SELECT key_hex FROM report_keys WHERE name = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    int rc = db_step(st);
    if (rc == 1) {
        store__copy_col(st, 0, out, n);
        db_finalize(st);
        return 0;
    }
    db_finalize(st);
    if (rc < 0)
        return rc;
    if (db_prepare(db, "INSERT INTO report_keys (name, key_hex, created_at) VALUES (?, ?, 0)", &st))
        return FD_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, create_hex);
    if ((rc = store__step_done(st)))
        return rc;
    snprintf(out, n, "%s", create_hex);
    return 0;
}
