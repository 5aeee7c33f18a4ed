#ifndef FD_CORE_BUF_H
#define FD_CORE_BUF_H
/*
 * struct buf: a growable byte buffer, always NUL-terminated, that may hold binary.
 * `max` bounds growth (0 = unbounded); appends past it return FD_ELIMIT and leave the
 * buffer unchanged. buf_init/buf_release for embedded buffers; buf_detach hands the
 * array to the caller.
 */
#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Appends n bytes. Returns 0 or FD_ELIMIT. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the array (caller frees; never NULL) and leaves b empty. */
char *buf_detach(struct buf *b, size_t *len);

/* struct str: a non-owning view of bytes. */
struct str {
    const char *ptr;
    size_t len;
};

#endif
