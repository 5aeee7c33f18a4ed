#ifndef FD_STORE_INT_H
#define FD_STORE_INT_H
/* Helpers shared by the store's query files. */
#include "store.h"

#include "../core/err.h"

#include <stdio.h>
#include <string.h>

/* Copies a nullable column into a fixed array ("" for NULL). */
static inline void store__copy_col(struct db_stmt *st, int col, char *dst, size_t n)
{
    const char *s = db_col_text(st, col);
    snprintf(dst, n, "%s", s ? s : "");
}

/* Binds "" as NULL: optional text fields are stored as NULL. */
static inline int store__bind_opt(struct db_stmt *st, int idx, const char *s)
{
    return (s && *s) ? db_bind_text(st, idx, s) : db_bind_null(st, idx);
}

#define STORE_COPY(st, col, field) store__copy_col((st), (col), (field), sizeof(field))

/* Ends a one-row lookup: 0 when the row was read (rc 1), FD_ENOTFOUND when there was
 * none (rc 0), else the step's error. Finalizes st. */
static inline int store__finish_row(struct db_stmt *st, int rc)
{
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
}

/* Runs a statement that returns no rows we need. Finalizes st. Returns 0 or the error. */
static inline int store__step_done(struct db_stmt *st)
{
    int rc = db_step(st);
    db_finalize(st);
    return rc < 0 ? rc : 0;
}

/* Runs an INSERT ... RETURNING id: *id gets the new row's id. Finalizes st. Returns 0,
 * FD_ECONFLICT (a constraint), FD_EDB. */
static inline int store__step_id(struct db_stmt *st, int64_t *id)
{
    int rc = db_step(st);
    if (rc == 1)
        *id = db_col_int64(st, 0);
    db_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? FD_EDB : rc;
}

/* A LIKE pattern "%text%" with %, _ and the backslash escaped (use ESCAPE '\\').
 * Caller frees. */
char *store__like_pattern(const char *text);

/* The columns of an event row with its actor's name, read by read_event_row. */
#define STORE_EVENT_COLS                                                                           \
    "e.id, e.ticket_id, e.actor_id, u.name, e.type, e.data, e.created_at "                         \
    "FROM events e LEFT JOIN users u ON u.id = e.actor_id "

/* Reads an event row selected with STORE_EVENT_COLS; e->data is borrowed until the next
 * step of st. */
static inline void store__read_event(struct db_stmt *st, struct event_rec *e)
{
    memset(e, 0, sizeof(*e));
    e->id = db_col_int64(st, 0);
    e->ticket_id = db_col_int64(st, 1);
    e->actor_id = db_col_int64(st, 2);
    STORE_COPY(st, 3, e->actor_name);
    STORE_COPY(st, 4, e->type);
    e->data = db_col_text(st, 5);
    e->created_at = db_col_int64(st, 6);
}

#endif
