/*
 * chat_load: live-chat load on a running server (docs/chat.md, GET /api/v1/chat/ws).
 *
 * One epoll loop, non-blocking sockets, a minimal WebSocket client (RFC 6455: the
 * handshake checked with SHA-1 + base64 from libcrypto, masked text frames out,
 * unmasked frames in, pings answered with pongs).
 *
 * Input (--setup FILE), written by bench/chat_load.sh after it made agents and chats via
 * the CLI and REST, one chat per line:  "<chat_id> <visitor_token> <agent_cookie>"
 * (the cookie of the agent the chat was routed to, "fd_session=...").
 *
 * Phases:
 *  1. one agent socket per chat (the agent's session cookie, hello for that chat);
 *  2. N customer sockets, spread round-robin over the chats, each authenticated as the
 *     chat's anonymous visitor (?chat=ID&token=T) and subscribed with hello last_seq 0;
 *     a customer counts as connected when its chat's first message arrives;
 *     the server's VmRSS (/proc/PID/status) is read before phase 1, between 1 and 2 and
 *     after 2: RSS per customer connection = (after 2 - after 1) / N;
 *  3. for --seconds, the agent sockets send --rate messages per second in total (round
 *     robin over the chats; each agent socket stays far under the 20 messages/s limit);
 *     every message carries its send time; each customer socket of that chat records
 *     the latency when the message reaches it (agent send → customer receive: the
 *     server stores the message durably, then fans it out).
 *
 * Usage: chat_load --port P --pid SERVER_PID --setup FILE [--conns N (default 10000)]
 *        [--rate M msgs/s (default 200)] [--seconds S (default 20)]
 *        [--connect-timeout S (default 120)]
 * Output: human-readable lines, then "RESULT {json}". Exit 0 when every connection was
 * established and every message reached every subscriber, 1 otherwise, 2 on usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define RBUF_INIT 2048
#define FRAME_MAX (1 << 20)
#define CONNECT_INFLIGHT 256
#define TOKEN_MAX 128
#define COOKIE_MAX 256

enum state { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_CLOSED };
enum role { ROLE_AGENT, ROLE_CUSTOMER };

struct chat {
    long id;
    char token[TOKEN_MAX];
    char cookie[COOKIE_MAX];
    int agent_conn; /* index into conns */
};

struct conn {
    int fd;
    enum state state;
    enum role role;
    int chat; /* index into chats */
    int ready;
    char key[32];
    char *rbuf;
    size_t rlen, rcap;
    char *wbuf;
    size_t wlen, woff;
};

static struct chat *chats;
static int nchats;
static struct conn *conns;
static int nconns;
static int epfd;
static int port;
static long long ready_customers, ready_agents;
static long long failed_conns, closed_by_server, close_codes[5000];
static long long sent_msgs, acks, delivered, foreign_frames;
static double *lat;
static size_t nlat, caplat;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "chat_load: out of memory\n");
        exit(1);
    }
    return q;
}

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static void arm(struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - conns)};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        perror("epoll_ctl mod");
}

static void conn_close(struct conn *c, int failed)
{
    if (c->state == ST_CLOSED || c->state == ST_IDLE)
        return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    if (failed && !c->ready)
        failed_conns++;
    c->state = ST_CLOSED;
    free(c->rbuf);
    c->rbuf = NULL;
    c->rlen = c->rcap = 0;
    free(c->wbuf);
    c->wbuf = NULL;
    c->wlen = c->woff = 0;
}

/* Writes what it can now; keeps the rest for EPOLLOUT. */
static void conn_write(struct conn *c, const void *data, size_t len)
{
    if (c->state == ST_CLOSED)
        return;
    if (c->wlen == c->woff) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            conn_close(c, 1);
            return;
        }
        if (n < 0)
            n = 0;
        if ((size_t)n == len)
            return;
        data = (const char *)data + n;
        len -= (size_t)n;
        c->wlen = c->woff = 0;
    }
    c->wbuf = xrealloc(c->wbuf, c->wlen + len);
    memcpy(c->wbuf + c->wlen, data, len);
    c->wlen += len;
    arm(c, EPOLLIN | EPOLLOUT);
}

static void flush_out(struct conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            conn_close(c, 1);
            return;
        }
        c->woff += (size_t)n;
    }
    c->wlen = c->woff = 0;
    if (c->state == ST_CONNECTING)
        return;
    arm(c, EPOLLIN);
}

/* A masked client frame. */
static void send_frame(struct conn *c, int opcode, const char *payload, size_t len)
{
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        hdr[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    unsigned char mask[4];
    uint32_t r = (uint32_t)random();
    memcpy(mask, &r, 4);
    memcpy(hdr + h, mask, 4);
    h += 4;
    char stackbuf[1024];
    char *buf = h + len <= sizeof(stackbuf) ? stackbuf : xrealloc(NULL, h + len);
    memcpy(buf, hdr, h);
    for (size_t i = 0; i < len; i++)
        buf[h + i] = (char)(payload[i] ^ mask[i & 3]);
    conn_write(c, buf, h + len);
    if (buf != stackbuf)
        free(buf);
}

static void send_text(struct conn *c, const char *s)
{
    send_frame(c, 1, s, strlen(s));
}

static void start_connect(struct conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("socket");
        failed_conns++;
        c->state = ST_CLOSED;
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = fd;
    c->state = ST_CONNECTING;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)(c - conns)};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        perror("epoll_ctl add");
        close(fd);
        c->state = ST_CLOSED;
        failed_conns++;
        return;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        conn_close(c, 1);
        return;
    }
}

static void send_handshake(struct conn *c)
{
    unsigned char raw[16];
    RAND_bytes(raw, sizeof(raw));
    EVP_EncodeBlock((unsigned char *)c->key, raw, sizeof(raw));
    const struct chat *ch = &chats[c->chat];
    char req[1024];
    int n;
    if (c->role == ROLE_AGENT)
        n = snprintf(req, sizeof(req),
                     "GET /api/v1/chat/ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\nCookie: %s\r\n\r\n",
                     port, c->key, ch->cookie);
    else
        n = snprintf(req, sizeof(req),
                     "GET /api/v1/chat/ws?chat=%ld&token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     ch->id, ch->token, port, c->key);
    c->state = ST_HANDSHAKE;
    arm(c, EPOLLIN);
    conn_write(c, req, (size_t)n);
}

static int check_accept(const struct conn *c, const char *resp)
{
    char in[128], want[64];
    unsigned char sha[EVP_MAX_MD_SIZE];
    unsigned int shalen = 0;
    int n = snprintf(in, sizeof(in), "%s%s", c->key, WS_GUID);
    if (!EVP_Digest(in, (size_t)n, sha, &shalen, EVP_sha1(), NULL))
        return 0;
    EVP_EncodeBlock((unsigned char *)want, sha, (int)shalen);
    const char *h = strcasestr(resp, "\r\nSec-WebSocket-Accept:");
    if (!h)
        return 0;
    h += strlen("\r\nSec-WebSocket-Accept:");
    while (*h == ' ')
        h++;
    return strncmp(h, want, strlen(want)) == 0;
}

static void on_open(struct conn *c)
{
    char msg[128];
    snprintf(msg, sizeof(msg), "{\"type\":\"hello\",\"chat\":%ld,\"last_seq\":0}",
             chats[c->chat].id);
    send_text(c, msg);
}

static void add_latency(double ms)
{
    if (nlat == caplat) {
        caplat = caplat ? 2 * caplat : 65536;
        lat = xrealloc(lat, caplat * sizeof(*lat));
    }
    lat[nlat++] = ms;
}

/* One text frame from the server (JSON; we only look for a few fields). */
static void on_text(struct conn *c, const char *s, size_t len)
{
    (void)len;
    if (strstr(s, "\"type\":\"message\"")) {
        if (!c->ready) {
            c->ready = 1;
            if (c->role == ROLE_CUSTOMER)
                ready_customers++;
            else
                ready_agents++;
        }
        if (c->role == ROLE_CUSTOMER) {
            const char *b = strstr(s, "\"body\":\"lt:");
            if (b) {
                long long t = strtoll(b + strlen("\"body\":\"lt:"), NULL, 10);
                add_latency((double)(now_ns() - t) / 1e6);
                delivered++;
            }
        }
    } else if (strstr(s, "\"type\":\"ack\"")) {
        acks++;
    } else if (strstr(s, "\"type\":\"error\"")) {
        foreign_frames++;
        if (foreign_frames <= 5)
            fprintf(stderr, "chat_load: error frame: %.300s\n", s);
    }
}

/* Parses complete frames in rbuf. */
static void parse_frames(struct conn *c)
{
    size_t off = 0;
    while (c->state == ST_OPEN) {
        if (c->rlen - off < 2)
            break;
        const unsigned char *p = (const unsigned char *)c->rbuf + off;
        int opcode = p[0] & 0x0f;
        int masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (c->rlen - off < 4)
                break;
            len = ((uint64_t)p[2] << 8) | p[3];
            h = 4;
        } else if (len == 127) {
            if (c->rlen - off < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | p[2 + i];
            h = 10;
        }
        if (masked || len > FRAME_MAX) {
            fprintf(stderr, "chat_load: bad frame from the server\n");
            conn_close(c, 1);
            return;
        }
        if (c->rlen - off < h + len)
            break;
        char *payload = c->rbuf + off + h;
        if (opcode == 1) {
            char save = payload[len];
            payload[len] = 0; /* there is always room: rcap > rlen */
            on_text(c, payload, (size_t)len);
            payload[len] = save;
        } else if (opcode == 9) {
            send_frame(c, 10, payload, (size_t)len);
        } else if (opcode == 8) {
            int code = len >= 2 ? ((unsigned char)payload[0] << 8) | (unsigned char)payload[1] : 0;
            if (code >= 0 && code < 5000)
                close_codes[code]++;
            closed_by_server++;
            send_frame(c, 8, payload, len >= 2 ? 2 : 0);
            conn_close(c, 1);
            return;
        }
        off += h + (size_t)len;
    }
    if (c->state == ST_CLOSED)
        return;
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
}

static void on_readable(struct conn *c)
{
    for (;;) {
        if (c->rcap - c->rlen < 1024) {
            c->rcap = c->rcap ? 2 * c->rcap : RBUF_INIT;
            c->rbuf = xrealloc(c->rbuf, c->rcap);
        }
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen - 1, 0);
        if (n == 0) {
            closed_by_server++;
            conn_close(c, 1);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            conn_close(c, 1);
            return;
        }
        c->rlen += (size_t)n;
        if (c->state == ST_HANDSHAKE) {
            c->rbuf[c->rlen] = 0;
            char *end = strstr(c->rbuf, "\r\n\r\n");
            if (!end)
                continue;
            if (strncmp(c->rbuf, "HTTP/1.1 101", 12) != 0 || !check_accept(c, c->rbuf)) {
                if (failed_conns < 5)
                    fprintf(stderr, "chat_load: upgrade refused: %.200s\n", c->rbuf);
                conn_close(c, 1);
                return;
            }
            size_t hl = (size_t)(end + 4 - c->rbuf);
            memmove(c->rbuf, c->rbuf + hl, c->rlen - hl);
            c->rlen -= hl;
            c->state = ST_OPEN;
            on_open(c);
        }
        if (c->state == ST_OPEN)
            parse_frames(c);
        if (c->state != ST_OPEN)
            return;
    }
}

static void on_event(struct conn *c, uint32_t ev)
{
    if (c->state == ST_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err || (ev & (EPOLLERR | EPOLLHUP))) {
            if (failed_conns < 5)
                fprintf(stderr, "chat_load: connect: %s\n", strerror(err ? err : ECONNRESET));
            conn_close(c, 1);
            return;
        }
        if (ev & EPOLLOUT)
            send_handshake(c);
        return;
    }
    if (ev & EPOLLOUT)
        flush_out(c);
    if (c->state != ST_CLOSED && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        on_readable(c);
}

static void poll_once(int timeout_ms)
{
    struct epoll_event evs[512];
    int n = epoll_wait(epfd, evs, 512, timeout_ms);
    for (int i = 0; i < n; i++)
        on_event(&conns[evs[i].data.u32], evs[i].events);
}

static int in_flight(int from, int to)
{
    int k = 0;
    for (int i = from; i < to; i++)
        if (conns[i].state == ST_CONNECTING || conns[i].state == ST_HANDSHAKE ||
            (conns[i].state == ST_OPEN && !conns[i].ready))
            k++;
    return k;
}

/* Opens conns [from, to) with at most CONNECT_INFLIGHT handshakes at a time; waits until
 * each is ready (first message after hello) or closed, or the deadline passes. */
static void open_range(int from, int to, double deadline)
{
    int next = from;
    while (now_s() < deadline) {
        int fl = in_flight(from, next);
        while (next < to && fl < CONNECT_INFLIGHT) {
            start_connect(&conns[next++]);
            fl++;
        }
        if (next == to && fl == 0)
            return;
        poll_once(10);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!nlat)
        return 0;
    size_t i = (size_t)(p * (double)(nlat - 1) + 0.5);
    return lat[i];
}

static void usage(void)
{
    fprintf(stderr, "usage: chat_load --port P --pid SERVER_PID --setup FILE [--conns N] "
                    "[--rate M] [--seconds S] [--connect-timeout S]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int pid = 0, nconn = 10000;
    double rate = 200, secs = 20, ctimeout = 120;
    const char *setup = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            port = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--pid"))
            pid = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--setup"))
            setup = argv[i + 1];
        else if (!strcmp(argv[i], "--conns"))
            nconn = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--rate"))
            rate = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--seconds"))
            secs = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--connect-timeout"))
            ctimeout = strtod(argv[i + 1], NULL);
        else
            usage();
    }
    if (!port || !pid || !setup || nconn < 1 || nconn > 100000 || rate <= 0 || rate > 100000 ||
        secs <= 0 || secs > 600)
        usage();

    /* chats */
    FILE *f = fopen(setup, "r");
    if (!f) {
        perror(setup);
        return 2;
    }
    char line[1024];
    int cap = 0;
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL;
        char *id = strtok_r(line, " \n", &save), *tok = strtok_r(NULL, " \n", &save),
             *cookie = strtok_r(NULL, " \n", &save);
        if (!id || !tok || !cookie)
            continue;
        if (nchats == cap) {
            cap = cap ? 2 * cap : 256;
            chats = xrealloc(chats, (size_t)cap * sizeof(*chats));
        }
        struct chat *ch = &chats[nchats++];
        ch->id = strtol(id, NULL, 10);
        snprintf(ch->token, sizeof(ch->token), "%s", tok);
        snprintf(ch->cookie, sizeof(ch->cookie), "%s", cookie);
    }
    fclose(f);
    if (nchats == 0) {
        fprintf(stderr, "chat_load: no chats in %s\n", setup);
        return 2;
    }

    /* file descriptors: raise the soft limit to the hard one */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if ((long long)rl.rlim_cur < (long long)nconn + nchats + 64) {
        fprintf(stderr, "chat_load: RLIMIT_NOFILE %llu is too low for %d + %d sockets\n",
                (unsigned long long)rl.rlim_cur, nconn, nchats);
        return 1;
    }
    srandom((unsigned)now_ns());

    nconns = nchats + nconn;
    conns = calloc((size_t)nconns, sizeof(*conns));
    if (!conns)
        return 1;
    for (int i = 0; i < nconns; i++) {
        conns[i].fd = -1;
        conns[i].role = i < nchats ? ROLE_AGENT : ROLE_CUSTOMER;
        conns[i].chat = i < nchats ? i : (i - nchats) % nchats;
    }
    for (int i = 0; i < nchats; i++)
        chats[i].agent_conn = i;
    epfd = epoll_create1(EPOLL_CLOEXEC);

    long rss0 = rss_kib(pid);
    double t0 = now_s();
    open_range(0, nchats, t0 + ctimeout);
    double t1 = now_s();
    usleep(500000);
    long rss1 = rss_kib(pid);
    open_range(nchats, nconns, t1 + ctimeout);
    double t2 = now_s();
    /* let the server settle (hello answers flushed), keep serving pings meanwhile */
    for (double until = now_s() + 1.0; now_s() < until;)
        poll_once(50);
    long rss2 = rss_kib(pid);
    printf("connections: %d chats (one agent socket each), %lld/%d agent sockets ready in "
           "%.1f s\n",
           nchats, ready_agents, nchats, t1 - t0);
    printf("connections: %lld/%d customer sockets ready in %.1f s (%.0f per chat), %lld "
           "failed\n",
           ready_customers, nconn, t2 - t1, (double)nconn / nchats, failed_conns);
    double per_conn = ready_customers ? (double)(rss2 - rss1) * 1024.0 / ready_customers : 0;
    printf("server RSS: %.1f MiB before, %.1f MiB with the agent sockets, %.1f MiB with the "
           "customer sockets → %.1f KiB per customer connection\n",
           rss0 / 1024.0, rss1 / 1024.0, rss2 / 1024.0, per_conn / 1024.0);
    fflush(stdout);

    /* messages */
    long long expected = 0;
    int *subs = calloc((size_t)nchats, sizeof(int));
    for (int i = nchats; i < nconns; i++)
        if (conns[i].state == ST_OPEN && conns[i].ready)
            subs[conns[i].chat]++;
    double m0 = now_s();
    int rr = 0;
    char msg[256];
    while (now_s() - m0 < secs) {
        long long due = (long long)((now_s() - m0) * rate);
        while (sent_msgs < due) {
            int tries = 0;
            struct conn *a = &conns[chats[rr].agent_conn];
            while ((a->state != ST_OPEN || !a->ready) && tries++ < nchats) {
                rr = (rr + 1) % nchats;
                a = &conns[chats[rr].agent_conn];
            }
            if (a->state != ST_OPEN) {
                fprintf(stderr, "chat_load: no agent socket left\n");
                goto done;
            }
            snprintf(msg, sizeof(msg),
                     "{\"type\":\"message\",\"chat\":%ld,\"body\":\"lt:%lld\","
                     "\"client_id\":\"b%lld\"}",
                     chats[rr].id, now_ns(), sent_msgs);
            send_text(a, msg);
            expected += subs[rr];
            sent_msgs++;
            rr = (rr + 1) % nchats;
        }
        poll_once(1);
    }
done:;
    double m1 = now_s();
    /* drain: up to 5 s for the last deliveries */
    while (now_s() - m1 < 5.0 && (delivered < expected || acks < sent_msgs))
        poll_once(20);
    double mdur = m1 - m0;
    long rss3 = rss_kib(pid);
    qsort(lat, nlat, sizeof(*lat), cmp_double);
    double p50 = pct(0.50), p99 = pct(0.99), pmax = nlat ? lat[nlat - 1] : 0;
    printf("messages: %lld sent by agents in %.1f s (%.0f/s), %lld acked; %lld of %lld "
           "deliveries to customers (%.0f/s)\n",
           sent_msgs, mdur, sent_msgs / mdur, acks, delivered, expected, delivered / mdur);
    printf("latency agent → customer: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", p50, p99, pmax);
    printf("server RSS after the messages: %.1f MiB; closed by the server: %lld", rss3 / 1024.0,
           closed_by_server);
    for (int i = 0; i < 5000; i++)
        if (close_codes[i])
            printf(" [%d×%lld]", i, close_codes[i]);
    printf("; error frames: %lld\n", foreign_frames);
    int ok = ready_customers == nconn && ready_agents == nchats && delivered == expected &&
             acks == sent_msgs && closed_by_server == 0;
    printf("RESULT {\"conns\":%lld,\"conns_wanted\":%d,\"chats\":%d,\"rss_before_kib\":%ld,"
           "\"rss_agents_kib\":%ld,\"rss_customers_kib\":%ld,\"rss_after_msgs_kib\":%ld,"
           "\"kib_per_conn\":%.2f,\"connect_s\":%.2f,\"msgs_sent\":%lld,\"msgs_per_s\":%.1f,"
           "\"deliveries\":%lld,\"deliveries_expected\":%lld,\"deliveries_per_s\":%.1f,"
           "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"ok\":%s}\n",
           ready_customers, nconn, nchats, rss0, rss1, rss2, rss3, per_conn / 1024.0, t2 - t1,
           sent_msgs, sent_msgs / mdur, delivered, expected, delivered / mdur, p50, p99, pmax,
           ok ? "true" : "false");
    for (int i = 0; i < nconns; i++)
        conn_close(&conns[i], 0);
    free(subs);
    free(lat);
    free(conns);
    free(chats);
    return ok ? 0 : 1;
}
