#ifndef FD_CORE_XALLOC_H
#define FD_CORE_XALLOC_H
/*
 * Allocation wrappers: they log and abort on failure, so callers never handle NULL
 * from an allocation. Input-driven growth is bounded elsewhere (struct buf's max).
 */
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Formats into a new string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Frees and sets the pointer to NULL. */
#define FD_FREE(p)                                                                                 \
    do {                                                                                           \
        free(p);                                                                                   \
        (p) = NULL;                                                                                \
    } while (0)

#endif
