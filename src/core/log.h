#ifndef FD_CORE_LOG_H
#define FD_CORE_LOG_H
/*
 * Structured logging: one key=value line per event on stderr. Callers pass the
 * message fields as a printf format (e.g. "msg=\"started\" port=%d"). Never log
 * passwords, tokens, session ids or message bodies. Thread-safe.
 */

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Only events at or above this level are written (default LOG_INFO). */
void log_set_level(enum log_level level);
/* Parses "err", "warn", "info", "debug". Returns 0 or FD_EINVAL. */
int log_level_parse(const char *s, enum log_level *out);

void log_printf(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
