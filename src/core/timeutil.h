#ifndef FD_CORE_TIMEUTIL_H
#define FD_CORE_TIMEUTIL_H
/* Wall-clock and monotonic time helpers. Times are stored as Unix milliseconds. */
#include <stddef.h>
#include <stdint.h>

int64_t fd_now_ms(void);
int64_t fd_mono_us(void);
/* Formats Unix ms as "2026-11-25T21:48:00Z" into out (>= 21 bytes). */
void fd_iso8601(int64_t ms, char *out, size_t n);

#endif
