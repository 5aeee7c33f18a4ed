/*
 * The clamd client (src/safety/clamd.c) without a daemon: socket specifications, scanning
 * off, fail-closed and fail-open when nothing listens, and a fake clamd on a UNIX socket
 * that answers OK / FOUND / an error line (the real daemon is driven by
 * tests/api/clamd.test.mjs).
 */
#include "core/err.h"
#include "safety/clamd.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

Test(clamd, socket_specs)
{
    struct fd_error err = {0};
    cr_assert_eq(safety_clamd_configure("", 0, 1000, &err), 0);
    cr_assert_not(safety_clamd_enabled());
    cr_assert_eq(safety_clamd_scan("x", 1, NULL, 0, &err), 0, "scanning off: everything passes");
    cr_assert_eq(safety_clamd_configure("/run/clamav/clamd.ctl", 0, 1000, &err), 0);
    cr_assert(safety_clamd_enabled());
    cr_assert_eq(safety_clamd_configure("127.0.0.1:3310", 0, 1000, &err), 0);
    cr_assert_eq(safety_clamd_configure("tcp://[::1]:3310", 0, 1000, &err), 0);
    cr_assert_eq(safety_clamd_configure("localhost", 0, 1000, &err), FD_EINVAL);
    cr_assert_eq(safety_clamd_configure("localhost:0", 0, 1000, &err), FD_EINVAL);
    cr_assert_eq(safety_clamd_configure("localhost:99999", 0, 1000, &err), FD_EINVAL);
    cr_assert_eq(safety_clamd_configure("host:12ab", 0, 1000, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "clamd_socket");
}

Test(clamd, nothing_listening_fails_closed_or_open)
{
    struct fd_error err = {0};
    cr_assert_eq(safety_clamd_configure("/nonexistent/clamd.sock", 0, 500, &err), 0);
    cr_assert_eq(safety_clamd_scan("hello", 5, NULL, 0, &err), FD_EUNAVAIL);
    cr_assert(strstr(err.message, "unavailable") != NULL, "%s", err.message);
    cr_assert_eq(safety_clamd_configure("/nonexistent/clamd.sock", 1, 500, &err), 0);
    cr_assert_eq(safety_clamd_scan("hello", 5, NULL, 0, &err), 0, "fail-open keeps the file");
}

/* A one-connection fake clamd: reads the INSTREAM conversation, checks its framing, and
 * answers with `answer`. */
struct fake {
    int lfd;
    const char *answer;
    size_t got; /* bytes of file content received */
    int framing_ok;
};

static int read_full(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    char cmd[10];
    f->framing_ok = read_full(fd, cmd, sizeof(cmd)) == 0 && memcmp(cmd, "zINSTREAM", 10) == 0;
    for (;;) {
        unsigned char len[4];
        if (read_full(fd, len, 4) != 0) {
            f->framing_ok = 0;
            break;
        }
        uint32_t n =
            (uint32_t)len[0] << 24 | (uint32_t)len[1] << 16 | (uint32_t)len[2] << 8 | len[3];
        if (n == 0)
            break;
        char *buf = malloc(n);
        if (read_full(fd, buf, n) != 0)
            f->framing_ok = 0;
        free(buf);
        f->got += n;
    }
    (void)write(fd, f->answer, strlen(f->answer) + 1);
    close(fd);
    return NULL;
}

static void scan_with(const char *answer, size_t size, int *rc, char *virus, size_t vlen,
                      struct fd_error *err, struct fake *f)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/fd-fakeclamd-%d.sock", (int)getpid());
    unlink(path);
    f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    cr_assert_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(f->lfd, 1), 0);
    f->answer = answer;
    pthread_t th;
    pthread_create(&th, NULL, fake_main, f);
    cr_assert_eq(safety_clamd_configure(path, 0, 5000, err), 0);
    char *data = calloc(1, size);
    *rc = safety_clamd_scan(data, size, virus, vlen, err);
    free(data);
    pthread_join(th, NULL);
    close(f->lfd);
    unlink(path);
}

Test(clamd, fake_daemon_answers)
{
    struct fd_error err = {0};
    struct fake f = {0};
    char virus[128];
    int rc;
    /* 200 KiB: more than one 64 KiB chunk */
    scan_with("stream: OK", 200 * 1024, &rc, virus, sizeof(virus), &err, &f);
    cr_assert_eq(rc, 0);
    cr_assert(f.framing_ok);
    cr_assert_eq(f.got, 200 * 1024);
    cr_assert_str_eq(virus, "");

    memset(&f, 0, sizeof(f));
    scan_with("stream: Win.Test.EICAR_HDB-1 FOUND", 68, &rc, virus, sizeof(virus), &err, &f);
    cr_assert_eq(rc, FD_EINFECTED);
    cr_assert_str_eq(virus, "Win.Test.EICAR_HDB-1");
    cr_assert(strstr(err.message, "Win.Test.EICAR_HDB-1") != NULL, "%s", err.message);

    memset(&f, 0, sizeof(f));
    scan_with("INSTREAM size limit exceeded. ERROR", 10, &rc, virus, sizeof(virus), &err, &f);
    cr_assert_eq(rc, FD_EUNAVAIL, "an error answer is not a clean verdict");
}
