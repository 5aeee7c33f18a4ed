#ifndef FD_CORE_ERR_H
#define FD_CORE_ERR_H
/*
 * Error codes shared by every layer. A function that can fail returns int: 0 on
 * success or one of these negative codes. Lower layers return codes and never log;
 * the edge (HTTP, CLI) maps a code to a status or an exit code and logs it once.
 */

enum {
    FD_OK = 0,
    FD_ENOMEM = -1,     /* allocation failed */
    FD_EINVAL = -2,     /* invalid input (message in the caller's error detail) */
    FD_ENOTFOUND = -3,  /* no such object, or not visible to the caller */
    FD_ECONFLICT = -4,  /* state does not allow the change (duplicate, bad transition) */
    FD_EPARSE = -5,     /* malformed input that could not be parsed */
    FD_ELIMIT = -6,     /* a configured limit was exceeded */
    FD_EAUTH = -7,      /* not authenticated */
    FD_EFORBIDDEN = -8, /* authenticated but not allowed */
    FD_EDB = -9,        /* database failure */
    FD_EIO = -10,       /* file or socket failure */
    FD_ERATE = -11,     /* rate limited */
    FD_ETYPE = -12,     /* unsupported content type */
    FD_EINFECTED = -13, /* the virus scanner found malware (message names it) */
    FD_EUNAVAIL = -14,  /* a required service (the virus scanner) cannot be reached */
};

/* Returns a static, human-readable name for an error code. */
const char *fd_strerror(int err);

/*
 * struct fd_error carries a caller-facing message for FD_EINVAL and friends, so that
 * domain code can say which field was wrong without knowing about HTTP.
 */
struct fd_error {
    int code;
    char field[64];
    char message[256];
};

/* Sets e (if non-NULL) and returns code, so callers can write `return fd_fail(...)`. */
int fd_fail(struct fd_error *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
