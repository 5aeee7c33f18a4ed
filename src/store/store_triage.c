/* Learned triage queries: models, training rows, ticket suggestions. */
#include "store_triage.h"

#include "store_int.h"

#include <stdlib.h>

int store_triage_model_insert(struct db *db, struct triage_model_rec *m)
{
    struct db_stmt *st;
    int64_t version = 0;
    if (db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM triage_models WHERE kind = ?", &st))
        return FD_EDB;
    db_bind_text(st, 1, m->kind);
    int rc = db_step(st);
    if (rc == 1)
        version = db_col_int64(st, 0) + 1;
    db_finalize(st);
    if (rc != 1)
        return rc < 0 ? rc : FD_EDB;
    if (db_prepare(db,
                   "INSERT INTO triage_models (kind, version, sha256, size, labels, examples, "
                   "info, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, m->kind);
    db_bind_int64(st, 2, version);
    db_bind_text(st, 3, m->sha256);
    db_bind_int64(st, 4, m->size);
    db_bind_int64(st, 5, m->labels);
    db_bind_int64(st, 6, m->examples);
    db_bind_text(st, 7, m->info);
    db_bind_int64(st, 8, m->created_at);
    int64_t id;
    if ((rc = store__step_id(st, &id)))
        return rc;
    m->id = id;
    m->version = version;
    return 0;
}

int store_triage_model_latest(struct db *db, const char *kind, struct triage_model_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT id, kind, version, sha256, size, labels, examples, info, created_at "
                   "FROM triage_models WHERE kind = ? ORDER BY version DESC LIMIT 1",
                   &st))
        return FD_EDB;
    db_bind_text(st, 1, kind);
    int rc = db_step(st);
    if (rc == 1) {
        out->id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->kind);
        out->version = db_col_int64(st, 2);
        STORE_COPY(st, 3, out->sha256);
        out->size = db_col_int64(st, 4);
        out->labels = db_col_int64(st, 5);
        out->examples = db_col_int64(st, 6);
        STORE_COPY(st, 7, out->info);
        out->created_at = db_col_int64(st, 8);
    }
    return store__finish_row(st, rc);
}

int store_triage_training_tickets(struct db *db,
                                  int (*cb)(void *ctx, const char *subject, const char *body,
                                            const char *department),
                                  void *ctx)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT t.subject, (SELECT m.body FROM messages m WHERE m.ticket_id = t.id "
                   "AND m.author_id = t.requester_id AND m.internal = 0 ORDER BY m.id LIMIT 1), "
                   "d.slug FROM tickets t JOIN departments d ON d.id = t.department_id "
                   "WHERE t.status IN ('solved', 'closed') ORDER BY t.id",
                   &st))
        return FD_EDB;
    int rc;
    while ((rc = db_step(st)) == 1) {
        const char *subject = db_col_text(st, 0), *body = db_col_text(st, 1);
        int stop = cb(ctx, subject ? subject : "", body ? body : "", db_col_text(st, 2));
        if (stop) {
            rc = stop;
            break;
        }
    }
    db_finalize(st);
    return rc;
}

int store_triage_suggestion_insert(struct db *db, const struct ticket_triage_rec *r)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO ticket_triage (ticket_id, department, department_p, suggestion, "
                   "auto_applied, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, r->ticket_id);
    store__bind_opt(st, 2, r->department);
    if (r->department[0])
        db_bind_int64(st, 3, r->department_p);
    else
        db_bind_null(st, 3);
    db_bind_text(st, 4, r->suggestion);
    db_bind_int64(st, 5, r->auto_applied);
    db_bind_int64(st, 6, r->created_at);
    return store__step_done(st);
}

int store_triage_suggestion_get(struct db *db, int64_t ticket_id, struct ticket_triage_rec *out)
{
    struct db_stmt *st;
    if (db_prepare(db,
                   "SELECT ticket_id, department, department_p, suggestion, auto_applied, "
                   "applied_by, applied_at, created_at FROM ticket_triage WHERE ticket_id = ?",
                   &st))
        return FD_EDB;
    db_bind_int64(st, 1, ticket_id);
    int rc = db_step(st);
    if (rc == 1) {
        const char *s = db_col_text(st, 3);
        char *copy = strdup(s ? s : "{}");
        if (!copy) {
            db_finalize(st);
            return FD_ENOMEM;
        }
        out->ticket_id = db_col_int64(st, 0);
        STORE_COPY(st, 1, out->department);
        out->department_p = db_col_int64(st, 2);
        out->suggestion = copy;
        out->auto_applied = (int)db_col_int64(st, 4);
        out->applied_by = db_col_int64(st, 5);
        out->applied_at = db_col_int64(st, 6);
        out->created_at = db_col_int64(st, 7);
    }
    return store__finish_row(st, rc);
}

int store_triage_suggestion_applied(struct db *db, int64_t ticket_id, int64_t by, int64_t now)
{
    struct db_stmt *st;
    if (db_prepare(
            db, "UPDATE ticket_triage SET applied_by = ?, applied_at = ? WHERE ticket_id = ?", &st))
        return FD_EDB;
    db_bind_int64(st, 1, by);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, ticket_id);
    int rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    return db_changes(db) == 1 ? 0 : FD_ENOTFOUND;
}
