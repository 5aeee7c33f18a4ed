#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fd_strerror(int err)
{
    switch (err) {
    case FD_OK: return "ok";
    case FD_ENOMEM: return "out of memory";
    case FD_EINVAL: return "invalid input";
    case FD_ENOTFOUND: return "not found";
    case FD_ECONFLICT: return "conflict";
    case FD_EPARSE: return "parse error";
    case FD_ELIMIT: return "limit exceeded";
    case FD_EAUTH: return "not authenticated";
    case FD_EFORBIDDEN: return "forbidden";
    case FD_EDB: return "database error";
    case FD_EIO: return "i/o error";
    case FD_ERATE: return "rate limited";
    case FD_ETYPE: return "unsupported type";
    case FD_EINFECTED: return "infected";
    case FD_EUNAVAIL: return "service unavailable";
    default: return "unknown error";
    }
}

int fd_fail(struct fd_error *e, int code, const char *field, const char *fmt, ...)
{
    if (e) {
        e->code = code;
        snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
    }
    return code;
}
