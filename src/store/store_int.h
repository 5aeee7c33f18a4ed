#ifndef FD_STORE_INT_H
#define FD_STORE_INT_H
/* Helpers shared by the store's query files. */
#include "store.h"

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
