#include "timeutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static _Atomic int64_t fixed_ms;
/* The last value read from the clock file: a test rewriting the file (truncate, then
 * write) can be caught in between, and falling back to the real clock then would jump
 * months ahead and fire every timer. */
static _Atomic int64_t file_last_ms;
static pthread_once_t file_once = PTHREAD_ONCE_INIT;
static const char *clock_file;

static void clock_file_init(void)
{
    const char *p = getenv("FRONTDESK_CLOCK_FILE");
    clock_file = p && *p ? p : NULL;
}

/* Reads a decimal Unix-ms value from the clock file; 0 when absent or malformed. */
static int64_t clock_file_read(void)
{
    int fd = open(clock_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    while (*end == '\n' || *end == ' ' || *end == '\r')
        end++;
    return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

int64_t fd_now_ms(void)
{
    int64_t f = atomic_load(&fixed_ms);
    if (f > 0)
        return f;
    pthread_once(&file_once, clock_file_init);
    if (clock_file) {
        int64_t v = clock_file_read();
        if (v > 0) {
            atomic_store(&file_last_ms, v);
            return v;
        }
        v = atomic_load(&file_last_ms);
        if (v > 0)
            return v;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fd_clock_set(int64_t ms)
{
    atomic_store(&fixed_ms, ms > 0 ? ms : 0);
}

int fd_clock_is_fake(void)
{
    pthread_once(&file_once, clock_file_init);
    return atomic_load(&fixed_ms) > 0 || clock_file != NULL;
}

int64_t fd_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void fd_iso8601(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
