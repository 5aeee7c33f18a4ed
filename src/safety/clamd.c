/*
 * clamd.c: virus scanning through clamd's INSTREAM command (clamd(8)): the command
 * "zINSTREAM\0", then the file as chunks each preceded by its length as a 4-byte
 * big-endian integer, then a zero length; clamd answers "stream: OK\0" or
 * "stream: <signature> FOUND\0", or an error line ("... ERROR").
 */
#include "safety/clamd.h"

#include "core/err.h"
#include "core/log.h"
#include "mail/mail.h"
#include "tickets/tickets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CLAMD_SPEC_MAX 512
#define CLAMD_CHUNK (64 * 1024)
#define CLAMD_REPLY_MAX 512

/* Set once at start-up (safety_clamd_configure), read-only afterwards. */
static char clamd_spec[CLAMD_SPEC_MAX];
static int clamd_fail_open;
static long clamd_timeout_ms = 30000;

int safety_clamd_configure(const char *spec, int fail_open, long timeout_ms, struct fd_error *err)
{
    if (spec == NULL)
        spec = "";
    if (strlen(spec) >= sizeof(clamd_spec))
        return fd_fail(err, FD_EINVAL, "clamd_socket", "too long");
    if (*spec && spec[0] != '/') {
        const char *hp = strncmp(spec, "tcp://", 6) == 0 ? spec + 6 : spec;
        const char *colon = strrchr(hp, ':');
        if (colon == NULL || colon == hp || colon[1] == '\0')
            return fd_fail(err, FD_EINVAL, "clamd_socket",
                           "expected /path/to/clamd.ctl or host:port, got %.200s", spec);
        char *end = NULL;
        long port = strtol(colon + 1, &end, 10);
        if (*end != '\0' || port < 1 || port > 65535)
            return fd_fail(err, FD_EINVAL, "clamd_socket", "bad port in %.200s", spec);
    } else if (*spec && strlen(spec) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        return fd_fail(err, FD_EINVAL, "clamd_socket", "UNIX socket path too long");
    }
    snprintf(clamd_spec, sizeof(clamd_spec), "%s", spec);
    clamd_fail_open = fail_open != 0;
    clamd_timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    return 0;
}

int safety_clamd_enabled(void)
{
    return clamd_spec[0] != '\0';
}

static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = clamd_timeout_ms / 1000,
                         .tv_usec = (clamd_timeout_ms % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Connects to clamd; returns the socket or -1. SO_SNDTIMEO also bounds connect(). */
static int clamd_connect(void)
{
    if (clamd_spec[0] == '/') {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        size_t n = strlen(clamd_spec); /* checked against sun_path at configure */
        if (n >= sizeof(sa.sun_path))
            return -1;
        memcpy(sa.sun_path, clamd_spec, n + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        set_timeouts(fd);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    const char *hp = strncmp(clamd_spec, "tcp://", 6) == 0 ? clamd_spec + 6 : clamd_spec;
    char host[CLAMD_SPEC_MAX];
    const char *colon = strrchr(hp, ':');
    snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1]:3310 */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        set_timeouts(fd);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Streams the file and reads clamd's answer into reply (NUL-terminated). Returns 0 when
 * an answer was read, -1 when the conversation failed. An answer may come early (clamd
 * stops reading at StreamMaxLength and says so), so a failed send still reads. */
static int converse(int fd, const unsigned char *data, size_t len, char *reply, size_t n)
{
    static const char cmd[] = "zINSTREAM";
    int sent = send_all(fd, cmd, sizeof(cmd)) == 0; /* with its NUL */
    for (size_t off = 0; sent && off < len;) {
        size_t c = len - off < CLAMD_CHUNK ? len - off : CLAMD_CHUNK;
        uint32_t be = htonl((uint32_t)c);
        sent = send_all(fd, &be, 4) == 0 && send_all(fd, data + off, c) == 0;
        off += c;
    }
    uint32_t zero = 0;
    if (sent)
        sent = send_all(fd, &zero, 4) == 0;
    size_t got = 0;
    while (got + 1 < n) {
        ssize_t r = recv(fd, reply + got, n - 1 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(reply, '\0', got))
            break;
    }
    reply[got] = '\0';
    while (got > 0 && (reply[got - 1] == '\n' || reply[got - 1] == '\r'))
        reply[--got] = '\0';
    return got > 0 ? 0 : -1;
}

static int unavailable(struct fd_error *err, const char *why)
{
    if (clamd_fail_open) {
        log_printf(LOG_WARN, "clamd", "event=scan_skipped reason=\"%s\" fail_open=1", why);
        return 0;
    }
    log_printf(LOG_ERR, "clamd", "event=scan_failed reason=\"%s\"", why);
    return fd_fail(err, FD_EUNAVAIL, "body",
                   "the virus scanner is unavailable, so the file was not accepted; please "
                   "try again later");
}

int safety_clamd_scan(const void *data, size_t len, char *virus, size_t virus_len,
                      struct fd_error *err)
{
    if (virus && virus_len)
        virus[0] = '\0';
    if (!safety_clamd_enabled())
        return 0;
    int fd = clamd_connect();
    if (fd < 0)
        return unavailable(err, "cannot connect to clamd");
    char reply[CLAMD_REPLY_MAX];
    int rc = converse(fd, data, len, reply, sizeof(reply));
    close(fd);
    if (rc != 0)
        return unavailable(err, "no answer from clamd");
    const char *r = strncmp(reply, "stream: ", 8) == 0 ? reply + 8 : reply;
    if (strcmp(r, "OK") == 0)
        return 0;
    size_t n = strlen(r);
    if (n > 6 && strcmp(r + n - 6, " FOUND") == 0) {
        int nl = (int)(n - 6);
        if (virus && virus_len)
            snprintf(virus, virus_len, "%.*s", nl, r);
        log_printf(LOG_WARN, "clamd", "event=infected signature=\"%.*s\" size=%zu", nl, r, len);
        return fd_fail(err, FD_EINFECTED, "body",
                       "the file was refused: the virus scanner found %.*s in it", nl, r);
    }
    char why[CLAMD_REPLY_MAX + 32];
    snprintf(why, sizeof(why), "clamd answered: %.200s", r);
    return unavailable(err, why);
}

/* Types libmagic gives programs and installers: never kept from mail. */
static const char *const executable_types[] = {"application/x-executable",
                                               "application/x-pie-executable",
                                               "application/x-sharedlib",
                                               "application/x-dosexec",
                                               "application/x-mach-binary",
                                               "application/vnd.microsoft.portable-executable",
                                               "application/x-msdownload",
                                               "application/x-msi",
                                               "application/x-ms-shortcut",
                                               "text/x-shellscript",
                                               "application/x-shellscript",
                                               "text/x-msdos-batch",
                                               "application/x-bat",
                                               "application/java-archive",
                                               "application/x-java-applet",
                                               "application/vnd.ms-cab-compressed",
                                               "application/x-elf",
                                               "application/hta",
                                               NULL};

int safety_file_is_executable(const char *mime)
{
    for (int i = 0; executable_types[i]; i++)
        if (strcmp(mime, executable_types[i]) == 0)
            return 1;
    return 0;
}

int safety_clamd_scan_mail(const struct mail_parsed *m, char (*refused)[SAFETY_VIRUS_NAME_MAX],
                           struct fd_error *err)
{
    for (int i = 0; i < m->nattachments; i++) {
        refused[i][0] = '\0';
        const struct mail_attachment *a = &m->attachments[i];
        if (a->len == 0)
            continue;
        char virus[SAFETY_VIRUS_NAME_MAX - 32];
        int rc = safety_clamd_scan(a->data, a->len, virus, sizeof(virus), err);
        if (rc == FD_EINFECTED) {
            snprintf(refused[i], SAFETY_VIRUS_NAME_MAX, "the virus scanner found %s", virus);
            continue;
        }
        if (rc)
            return rc;
        char type[96];
        if (tickets_sniff_type(a->data, a->len, type, sizeof(type)) == 0 &&
            safety_file_is_executable(type))
            snprintf(refused[i], SAFETY_VIRUS_NAME_MAX, "it is an executable program (%s)", type);
    }
    return 0;
}
