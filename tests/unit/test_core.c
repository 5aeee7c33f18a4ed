#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Test(buf, appends_and_stays_terminated)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_puts(&b, "hello"), 0);
    cr_assert_eq(buf_printf(&b, " %d", 42), 0);
    cr_assert_str_eq(b.ptr, "hello 42");
    cr_assert_eq(b.len, 8);
    size_t len;
    char *p = buf_detach(&b, &len);
    cr_assert_eq(len, 8);
    cr_assert_null(b.ptr);
    free(p);
}

Test(buf, refuses_growth_past_max_and_keeps_content)
{
    struct buf b;
    buf_init(&b, 8);
    cr_assert_eq(buf_puts(&b, "12345"), 0);
    cr_assert_eq(buf_puts(&b, "6789"), FD_ELIMIT);
    cr_assert_str_eq(b.ptr, "12345");
    cr_assert_eq(buf_printf(&b, "%s", "abcd"), FD_ELIMIT);
    cr_assert_eq(buf_puts(&b, "678"), 0);
    cr_assert_str_eq(b.ptr, "12345678");
    buf_release(&b);
}

Test(buf, holds_binary)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_append(&b, "a\0b", 3), 0);
    cr_assert_eq(b.len, 3);
    cr_assert_eq(memcmp(b.ptr, "a\0b", 3), 0);
    buf_release(&b);
}

Test(config, defaults_validate)
{
    struct fd_config c;
    char err[200];
    config_defaults(&c);
    cr_assert_eq(config_validate(&c, err, sizeof(err)), 0);
    cr_assert_str_eq(c.listen, "127.0.0.1:8080");
    cr_assert_eq(c.body_max, 1 << 20);
}

Test(config, set_checks_types_and_ranges)
{
    struct fd_config c;
    char err[200];
    config_defaults(&c);
    cr_assert_eq(config_set(&c, "threads", "8", err, sizeof(err)), 0);
    cr_assert_eq(c.threads, 8);
    cr_assert_eq(config_set(&c, "threads", "eight", err, sizeof(err)), FD_EINVAL);
    cr_assert(strstr(err, "threads") != NULL);
    cr_assert_eq(c.threads, 8);
    cr_assert_eq(config_set(&c, "threads", "0", err, sizeof(err)), FD_EINVAL);
    cr_assert_eq(config_set(&c, "no_such_key", "1", err, sizeof(err)), FD_EINVAL);
    cr_assert(strstr(err, "no_such_key") != NULL);
}

Test(config, env_overrides_file)
{
    struct fd_config c;
    char err[300];
    config_defaults(&c);
    char path[] = "/tmp/fd-config-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "# comment\nlisten = 127.0.0.1:9000\n[limits]\nbody_max = 2048\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    cr_assert_eq(config_load_file(&c, path, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(c.listen, "127.0.0.1:9000");
    cr_assert_eq(c.body_max, 2048);
    setenv("FRONTDESK_LISTEN", "127.0.0.1:9100", 1);
    cr_assert_eq(config_load_env(&c, err, sizeof(err)), 0);
    unsetenv("FRONTDESK_LISTEN");
    cr_assert_str_eq(c.listen, "127.0.0.1:9100");
    unlink(path);
}

Test(config, bad_file_line_is_reported)
{
    struct fd_config c;
    char err[300];
    config_defaults(&c);
    char path[] = "/tmp/fd-config-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "body_max = lots\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    cr_assert_eq(config_load_file(&c, path, err, sizeof(err)), FD_EINVAL);
    cr_assert(strstr(err, "body_max") != NULL, "%s", err);
    cr_assert_eq(c.body_max, 1 << 20);
    unlink(path);
}

Test(config, validate_rejects_bad_listen)
{
    struct fd_config c;
    char err[200];
    config_defaults(&c);
    snprintf(c.listen, sizeof(c.listen), "localhost");
    cr_assert_eq(config_validate(&c, err, sizeof(err)), FD_EINVAL);
    snprintf(c.listen, sizeof(c.listen), "127.0.0.1:70000");
    cr_assert_eq(config_validate(&c, err, sizeof(err)), FD_EINVAL);
}

Test(clock, fixed_clock_overrides_and_restores_real_time)
{
    int64_t real = fd_now_ms();
    cr_assert_gt(real, 1700000000000LL);
    fd_clock_set(1767225600000LL); /* 2026-01-01T00:00:00Z */
    cr_assert_eq(fd_now_ms(), 1767225600000LL);
    cr_assert(fd_clock_is_fake());
    char iso[32];
    fd_iso8601(fd_now_ms(), iso, sizeof(iso));
    cr_assert_str_eq(iso, "2026-01-01T00:00:00Z");
    fd_clock_set(0);
    cr_assert_geq(fd_now_ms(), real);
}

/* Criterion runs each test in its own process, so the environment is read afresh here. */
Test(clock, clock_file_drives_time_and_survives_a_rewrite_in_progress)
{
    char path[] = "/tmp/fd-clock-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "1767225600000\n", 14), 14);
    close(fd);
    cr_assert_eq(setenv("FRONTDESK_CLOCK_FILE", path, 1), 0);
    cr_assert_eq(fd_now_ms(), 1767225600000LL);
    cr_assert(fd_clock_is_fake());
    /* A test rewriting the file truncates it first: the clock must not jump to real time. */
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(fd_now_ms(), 1767225600000LL);
    f = fopen(path, "w");
    fputs("1767229200000", f);
    fclose(f);
    cr_assert_eq(fd_now_ms(), 1767229200000LL);
    unlink(path);
    unsetenv("FRONTDESK_CLOCK_FILE");
}
