#ifndef FD_CORE_TIMEUTIL_H
#define FD_CORE_TIMEUTIL_H
/* Wall-clock and monotonic time helpers. Times are stored as Unix milliseconds.
 *
 * The wall clock is injectable so that tests can drive business hours, SLA timers and
 * complaint clocks exactly:
 *   - fd_clock_set(ms) (unit tests) freezes fd_now_ms() at ms; fd_clock_set(0) returns
 *     to the real clock.
 *   - The environment variable FRONTDESK_CLOCK_FILE (read once, at the first call) names
 *     a file holding a decimal Unix-ms value; fd_now_ms() then returns that value,
 *     re-reading the file on every call, so a test advances time by rewriting it — also
 *     across a restart of the server. An empty or malformed read (a test caught
 *     rewriting the file) returns the last value read; a file never read successfully
 *     falls back to the real clock. Never set it in production.
 * fd_mono_us() is never faked: timeouts and latency measurements stay real. */
#include <stddef.h>
#include <stdint.h>

int64_t fd_now_ms(void);
int64_t fd_mono_us(void);
void fd_clock_set(int64_t ms);
/* 1 when the clock is driven by fd_clock_set or FRONTDESK_CLOCK_FILE. */
int fd_clock_is_fake(void);
/* Formats Unix ms as "2026-11-25T21:48:00Z" into out (>= 21 bytes). */
void fd_iso8601(int64_t ms, char *out, size_t n);

#endif
