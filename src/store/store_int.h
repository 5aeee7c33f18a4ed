#ifndef FD_STORE_INT_H
#define FD_STORE_INT_H
/* Helpers shared by the store's query files. */
#include "store.h"

#include <stdio.h>

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

#endif
