/*
 * mail_ingest: the email channel's intake rate over the public email corpus (1,000
 * SpamAssassin + 47 python-test-email messages), with threaded replies added: after
 * every 10th corpus message comes a reply (at most --replies, default 100) to an earlier
 * message, From its sender, with In-Reply-To and References naming its Message-ID, so
 * intake threads it onto that ticket. The same sequence is then ingested two ways:
 *
 *   (a) gate: one `frontdesk mailgate --url URL --address ADDR` process per message,
 *       the raw bytes on its standard input, exactly as an MTA pipes mail, against a
 *       running server (bench/mail_ingest.sh starts it on 127.0.0.1 and passes
 *       FRONTDESK_MAILGATE_TOKEN). Per-message latency is spawn to exit. Afterwards the
 *       server's database is opened read-only: its inbound records must equal the
 *       deliveries that exited 0 less the repeated Message-IDs among them.
 *   (b) in process: mail_intake on a fresh store in a temporary directory.
 *
 * Usage: mail_ingest --corpus DIR [--replies N] [--seconds S] [--tmp DIR]
 *                    [--bin FRONTDESK --url URL --data-dir SERVER_DATA_DIR]
 *                    [--address ADDR]
 * Without --url only (b) runs. Both loops are bounded by the message count and by
 * --seconds each (default 120). The temporary store of (b) is removed at the end.
 * Output: human-readable lines, a summary block, and RESULT lines for scripts.
 */
#include "core/config.h"
#include "core/err.h"
#include "mail/mail.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_FILES 4096
#define MAX_REPLIES 1000
#define REPLY_EVERY 10
#define MAX_STATUSES 24

struct msg {
    const char *name; /* file path, or "reply N" */
    char *raw;
    size_t len;
    char *message_id; /* as intake will see it (mail_parse) */
    char *from;       /* sender's addr-spec, "" if none */
    char *subject;
    int normal; /* kind normal, parsed: a reply can be built from it */
    int replied;
    int reply_to; /* for replies: index of the original in msgs[], else -1 */
};

static struct msg msgs[MAX_FILES + MAX_REPLIES];
static int nmsgs;
static char *paths[MAX_FILES];
static int npaths;

struct tally {
    char key[24];
    int n;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void count_key(struct tally *t, int *nt, const char *key)
{
    for (int i = 0; i < *nt; i++)
        if (strcmp(t[i].key, key) == 0) {
            t[i].n++;
            return;
        }
    if (*nt == MAX_STATUSES)
        return;
    snprintf(t[*nt].key, sizeof(t[0].key), "%s", key);
    t[(*nt)++].n = 1;
}

static int tally_get(const struct tally *t, int nt, const char *key)
{
    for (int i = 0; i < nt; i++)
        if (strcmp(t[i].key, key) == 0)
            return t[i].n;
    return 0;
}

static void print_tally(const char *label, const struct tally *t, int nt)
{
    printf("%s", label);
    for (int i = 0; i < nt; i++)
        printf(" %s %d", t[i].key, t[i].n);
    printf("\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, double p)
{
    if (n == 0)
        return 0;
    int i = (int)(p * (n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* ---- the message sequence ---- */

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_F && npaths < MAX_FILES)
        paths[npaths++] = strdup(path);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int list_dir(const char *dir, const char *sub)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    int first = npaths;
    if (nftw(path, collect, 16, FTW_PHYS) != 0) {
        fprintf(stderr, "mail_ingest: cannot read the corpus %s\n", path);
        return -1;
    }
    qsort(paths + first, (size_t)(npaths - first), sizeof(paths[0]), by_name);
    return npaths - first;
}

static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *raw = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (raw = malloc((size_t)size + 1)) != NULL &&
        fread(raw, 1, (size_t)size, f) != (size_t)size) {
        free(raw);
        raw = NULL;
    }
    fclose(f);
    if (raw) {
        raw[size] = '\0';
        *len = (size_t)size;
    }
    return raw;
}

/* Fills the parsed fields of m from its bytes (the same parser intake uses). */
static int describe(struct msg *m)
{
    struct mail_parsed p;
    if (mail_parse(m->raw, m->len, &p) != 0)
        return -1;
    m->message_id = strdup(p.message_id);
    m->from = strdup(p.from.email ? p.from.email : "");
    m->subject = strdup(p.subject ? p.subject : "");
    m->normal = p.kind == MAIL_NORMAL && !p.parse_error;
    mail_parsed_release(&p);
    return m->message_id && m->from && m->subject ? 0 : -1;
}

/* An address that can go into a header as it is. */
static int plain_address(const char *s)
{
    if (!*s || !strchr(s, '@') || strlen(s) > 200)
        return 0;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              strchr("@.-_+%", *s)))
            return 0;
    return 1;
}

static int can_reply_to(const struct msg *m)
{
    return m->reply_to < 0 && m->normal && !m->replied && plain_address(m->from) &&
           strlen(m->message_id) < 400 && !strpbrk(m->message_id, "<> \t\r\n");
}

/* A reply to msgs[o] from its sender: In-Reply-To and References name it. */
static int make_reply(int o, int k, const char *address, struct msg *out)
{
    const struct msg *orig = &msgs[o];
    char subject[160];
    size_t n = 0;
    for (const char *p = orig->subject; *p && n < sizeof(subject) - 1; p++)
        subject[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?'; /* ASCII only, one line */
    subject[n] = '\0';
    char *raw = NULL;
    size_t cap = 2048 + 3 * strlen(orig->message_id);
    raw = malloc(cap);
    if (!raw)
        return -1;
    int len = snprintf(raw, cap,
                       "From: %s\r\nTo: %s\r\nSubject: Re: %s\r\n"
                       "Message-ID: <bench-reply-%d@bench.frontdesk.test>\r\n"
                       "In-Reply-To: <%s>\r\nReferences: <%s>\r\n"
                       "Date: Mon, 11 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                       "Thank you. One more detail: the transfer was made on Monday from my\r\n"
                       "main account. (bench reply %d to %s)\r\n",
                       orig->from, address, subject, k, orig->message_id, orig->message_id, k,
                       orig->name);
    if (len < 0 || (size_t)len >= cap) {
        free(raw);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->raw = raw;
    out->len = (size_t)len;
    out->reply_to = o;
    static char names[MAX_REPLIES][24];
    snprintf(names[k % MAX_REPLIES], sizeof(names[0]), "reply %d", k);
    out->name = names[k % MAX_REPLIES];
    return describe(out);
}

/* The corpus in name order (python-test-email, then SpamAssassin), a reply after every
 * REPLY_EVERY-th message to the nearest earlier message that can take one. */
static int build_sequence(const char *corpus, int max_replies, const char *address, int *ncorpus,
                          int *nreplies)
{
    if (list_dir(corpus, "python-test-email") < 0 || list_dir(corpus, "spamassassin") < 0)
        return -1;
    *ncorpus = npaths;
    *nreplies = 0;
    for (int i = 0; i < npaths; i++) {
        struct msg *m = &msgs[nmsgs];
        memset(m, 0, sizeof(*m));
        m->name = paths[i];
        m->reply_to = -1;
        if (!(m->raw = read_path(paths[i], &m->len)) || describe(m) != 0) {
            fprintf(stderr, "mail_ingest: cannot read or parse %s\n", paths[i]);
            return -1;
        }
        nmsgs++;
        if ((i + 1) % REPLY_EVERY != 0 || *nreplies >= max_replies)
            continue;
        /* Walk back from five messages ago (bounded: at most the messages seen). */
        for (int o = nmsgs - 6; o >= 0; o--) {
            if (!can_reply_to(&msgs[o]))
                continue;
            if (make_reply(o, *nreplies, address, &msgs[nmsgs]) != 0) {
                fprintf(stderr, "mail_ingest: cannot build reply %d\n", *nreplies);
                return -1;
            }
            msgs[o].replied = 1;
            nmsgs++;
            (*nreplies)++;
            break;
        }
    }
    return 0;
}

/* Whether msgs[i]'s Message-ID came earlier in delivered[] (1 = that one was delivered). */
static int seen_before(int i, const unsigned char *delivered)
{
    for (int j = 0; j < i; j++)
        if (delivered[j] && strcmp(msgs[j].message_id, msgs[i].message_id) == 0)
            return 1;
    return 0;
}

/* ---- (a) through the mailgate ---- */

struct gate_result {
    int sent, exit0, exit75, exit65, other, stopped_by_time;
    int dup_deliveries; /* exit 0 for a Message-ID that an earlier exit 0 delivered */
    double seconds, rate, p50, p99, max;
    long long recorded, recorded_distinct;
    struct tally db_status[MAX_STATUSES];
    int ndb_status;
    int ok;
};

/* Runs one mailgate process with m on its stdin; returns its exit status (or -1). */
static int run_gate(const char *bin, const char *url, const char *address, const struct msg *m,
                    int quiet)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)bin, "mailgate",      "--url", (char *)url,
                    "--address", (char *)address, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        return -1;
    }
    /* The mailgate reads all of stdin before it connects, so one writer is enough. */
    size_t off = 0;
    while (off < m->len) {
        ssize_t w = write(fds[1], m->raw + off, m->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* EPIPE: the child ended early; its exit status says why */
        off += (size_t)w;
    }
    close(fds[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int db_counts(const char *data_dir, struct gate_result *g)
{
    char path[4200];
    snprintf(path, sizeof(path), "file:%s/frontdesk.db?mode=ro", data_dir);
    sqlite3 *db = NULL;
    int ok = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        fprintf(stderr, "mail_ingest: cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), count(DISTINCT message_id) FROM mail_messages "
                           "WHERE direction = 'in'",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        g->recorded = sqlite3_column_int64(st, 0);
        g->recorded_distinct = sqlite3_column_int64(st, 1);
        ok = 1;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (ok && sqlite3_prepare_v2(db,
                                 "SELECT status, count(*) FROM mail_messages WHERE direction = "
                                 "'in' GROUP BY status ORDER BY count(*) DESC, status",
                                 -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && g->ndb_status < MAX_STATUSES) {
            struct tally *t = &g->db_status[g->ndb_status++];
            snprintf(t->key, sizeof(t->key), "%s", (const char *)sqlite3_column_text(st, 0));
            t->n = sqlite3_column_int(st, 1);
        }
    }
    sqlite3_finalize(st);
    if (!ok)
        fprintf(stderr, "mail_ingest: cannot count mail_messages: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return ok ? 0 : -1;
}

static int gate_phase(const char *bin, const char *url, const char *data_dir, const char *address,
                      double max_ms, struct gate_result *g)
{
    memset(g, 0, sizeof(*g));
    double *lat = calloc((size_t)nmsgs, sizeof(double));
    unsigned char *delivered = calloc((size_t)nmsgs, 1);
    if (!lat || !delivered) {
        free(lat);
        free(delivered);
        return -1;
    }
    int nlat = 0, shown = 0;
    double start = now_ms();
    for (int i = 0; i < nmsgs; i++) {
        if (now_ms() - start > max_ms) {
            g->stopped_by_time = 1;
            break;
        }
        double t0 = now_ms();
        int code = run_gate(bin, url, address, &msgs[i], 0);
        double ms = now_ms() - t0;
        g->sent++;
        if (code == 0) {
            g->exit0++;
            lat[nlat++] = ms;
            g->dup_deliveries += seen_before(i, delivered);
            delivered[i] = 1;
        } else {
            if (code == 75)
                g->exit75++;
            else if (code == 65)
                g->exit65++;
            else
                g->other++;
            if (shown++ < 5)
                printf("    mailgate exit %d for %s\n", code, msgs[i].name);
        }
    }
    g->seconds = (now_ms() - start) / 1e3;
    g->rate = g->sent / g->seconds;
    qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
    g->p50 = pct(lat, nlat, 0.50);
    g->p99 = pct(lat, nlat, 0.99);
    g->max = nlat ? lat[nlat - 1] : 0;
    free(lat);
    free(delivered);
    if (db_counts(data_dir, g) != 0)
        return -1;
    g->ok = g->recorded == g->exit0 - g->dup_deliveries && g->recorded == g->recorded_distinct &&
            g->other == 0;
    return 0;
}

/* The cost of the process alone: a mailgate given an empty message exits 65 after
 * reading its configuration and stdin, before GMime, libcurl or the network. */
static double spawn_floor(const char *bin, const char *url, const char *address, int runs)
{
    double lat[64];
    struct msg empty = {.name = "empty", .raw = "", .len = 0};
    int n = 0;
    for (int i = 0; i < runs && i < 64; i++) {
        double t0 = now_ms();
        int code = run_gate(bin, url, address, &empty, 1);
        if (code == 65)
            lat[n++] = now_ms() - t0;
    }
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    return pct(lat, n, 0.5);
}

/* ---- (b) in process ---- */

struct inproc_result {
    int sent, errors, duplicates, acknowledged, stopped_by_time;
    double seconds, rate, p50, p99, max;
    struct tally status[MAX_STATUSES];
    int nstatus;
    struct tally reply_status[MAX_STATUSES]; /* of the generated replies only */
    int nreply_status;
};

static int inproc_phase(const char *tmp, const char *address, double max_ms,
                        struct inproc_result *r)
{
    memset(r, 0, sizeof(*r));
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/fd-mail-ingest-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mail_ingest: cannot create a directory in %s\n", tmp);
        return -1;
    }
    struct fd_config fc;
    config_defaults(&fc);
    struct mail_config cfg = {0};
    cfg.data_dir = dir;
    cfg.domain = fc.mail_domain;
    cfg.default_department = fc.mail_default_department;
    cfg.base_url = fc.base_url;
    cfg.attachment_max = (size_t)fc.attachment_max;
    cfg.mail_max = (size_t)fc.mail_max;
    cfg.ack_per_hour = (int)fc.mail_ack_per_hour;

    struct store *s = NULL;
    struct db *db = NULL;
    int applied = 0, rc = -1;
    double *lat = calloc((size_t)nmsgs, sizeof(double));
    if (!lat || store_open(dir, 1, &s) != 0) {
        fprintf(stderr, "mail_ingest: cannot open a store in %s\n", dir);
        goto out;
    }
    db = store_acquire(s);
    if (store_migrate(db, &applied) != 0) {
        fprintf(stderr, "mail_ingest: migration failed\n");
        goto out;
    }
    int nlat = 0, shown = 0;
    double start = now_ms();
    for (int i = 0; i < nmsgs; i++) {
        if (now_ms() - start > max_ms) {
            r->stopped_by_time = 1;
            break;
        }
        struct mail_intake_result res;
        struct fd_error err = {0};
        double t0 = now_ms();
        int e = mail_intake(db, &cfg, msgs[i].raw, msgs[i].len, "pipe", address, &res, &err);
        lat[nlat++] = now_ms() - t0;
        r->sent++;
        if (e) {
            r->errors++;
            count_key(r->status, &r->nstatus, "error");
            if (shown++ < 5)
                printf("    mail_intake %s for %s: %s\n", fd_strerror(e), msgs[i].name,
                       err.message);
            continue;
        }
        r->duplicates += res.duplicate;
        r->acknowledged += res.acknowledged;
        count_key(r->status, &r->nstatus, res.status);
        if (msgs[i].reply_to >= 0)
            count_key(r->reply_status, &r->nreply_status, res.status);
    }
    r->seconds = (now_ms() - start) / 1e3;
    r->rate = r->sent / r->seconds;
    qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
    r->p50 = pct(lat, nlat, 0.50);
    r->p99 = pct(lat, nlat, 0.99);
    r->max = nlat ? lat[nlat - 1] : 0;
    rc = 0;
out:
    free(lat);
    if (db)
        store_release(s, db);
    if (s)
        store_close(s);
    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "mail_ingest: could not remove %s\n", dir);
    return rc;
}

/* ---- main ---- */

static const char *arg(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 1; i < argc - 1; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return dflt;
}

static long num_arg(int argc, char **argv, const char *name, long dflt, long lo, long hi)
{
    const char *v = arg(argc, argv, name, NULL);
    if (!v)
        return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi) {
        fprintf(stderr, "mail_ingest: %s must be %ld..%ld\n", name, lo, hi);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *corpus = arg(argc, argv, "--corpus", NULL);
    const char *tmp = arg(argc, argv, "--tmp", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    const char *bin = arg(argc, argv, "--bin", "build/frontdesk");
    const char *url = arg(argc, argv, "--url", NULL);
    const char *data_dir = arg(argc, argv, "--data-dir", NULL);
    const char *address = arg(argc, argv, "--address", "deposits@frontdesk.test");
    int max_replies = (int)num_arg(argc, argv, "--replies", 100, 0, MAX_REPLIES);
    double max_ms = 1e3 * (double)num_arg(argc, argv, "--seconds", 120, 1, 3600);
    if (!corpus || (url && !data_dir)) {
        fprintf(stderr, "usage: mail_ingest --corpus DIR [--replies N] [--seconds S] [--tmp DIR]"
                        " [--bin FRONTDESK --url URL --data-dir DIR] [--address ADDR]\n");
        return 2;
    }
    if (url && strncmp(url, "http://127.0.0.1:", 17) != 0) {
        fprintf(stderr, "mail_ingest: refusing a non-loopback URL %s\n", url);
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines in order with the children's stderr */
    mail_init();

    int ncorpus = 0, nreplies = 0, ok = 1;
    if (build_sequence(corpus, max_replies, address, &ncorpus, &nreplies) != 0)
        return 1;
    size_t bytes = 0;
    for (int i = 0; i < nmsgs; i++)
        bytes += msgs[i].len;
    printf("mail intake: %d corpus messages + %d threaded replies = %d deliveries, %.1f MB, "
           "to %s\n",
           ncorpus, nreplies, nmsgs, (double)bytes / 1e6, address);

    struct gate_result g;
    double floor_ms = 0;
    if (url) {
        printf("(a) mailgate: one `%s mailgate --url %s --address %s` per message\n", bin, url,
               address);
        floor_ms = spawn_floor(bin, url, address, 30);
        printf("  process floor: mailgate with an empty message (exit 65, no network), p50 of "
               "30: %.2f ms\n",
               floor_ms);
        if (gate_phase(bin, url, data_dir, address, max_ms, &g) != 0)
            return 1;
        printf("  %d sent in %.2f s%s: %.1f messages/s; per message p50 %.2f ms, p99 %.2f ms, "
               "max %.2f ms\n",
               g.sent, g.seconds, g.stopped_by_time ? " (stopped by the time limit)" : "", g.rate,
               g.p50, g.p99, g.max);
        printf("  exits: 0 x%d, 75 (tempfail) x%d, 65 (refused) x%d, other x%d\n", g.exit0,
               g.exit75, g.exit65, g.other);
        printf("  database (read-only): %lld inbound records (%lld distinct Message-IDs); "
               "expected %d exits 0 - %d repeated Message-IDs = %d: %s\n",
               g.recorded, g.recorded_distinct, g.exit0, g.dup_deliveries,
               g.exit0 - g.dup_deliveries, g.ok ? "OK" : "MISMATCH");
        print_tally("  recorded statuses:", g.db_status, g.ndb_status);
        ok &= g.ok;
    }

    struct inproc_result r;
    printf("(b) in process: mail_intake on a fresh store in %s\n", tmp);
    if (inproc_phase(tmp, address, max_ms, &r) != 0)
        return 1;
    printf("  %d taken in %.2f s%s: %.1f messages/s; per message p50 %.2f ms, p99 %.2f ms, "
           "max %.2f ms\n",
           r.sent, r.seconds, r.stopped_by_time ? " (stopped by the time limit)" : "", r.rate,
           r.p50, r.p99, r.max);
    print_tally("  statuses:", r.status, r.nstatus);
    print_tally("  of which the generated replies:", r.reply_status, r.nreply_status);
    printf("  %d errors, %d duplicates, %d acknowledgements queued\n", r.errors, r.duplicates,
           r.acknowledged);

    /* Both ways must agree: the same records by status (the gate's duplicates are not
     * records; the gate's non-zero exits are (b)'s errors). */
    int agree = 1, compared = 0;
    if (url && !g.stopped_by_time && !r.stopped_by_time) {
        compared = 1;
        for (int i = 0; i < g.ndb_status; i++)
            if (tally_get(r.status, r.nstatus, g.db_status[i].key) != g.db_status[i].n)
                agree = 0;
        agree &= g.recorded == r.sent - r.errors - r.duplicates;
        agree &= g.exit75 + g.exit65 + g.other == r.errors;
        ok &= agree;
    }

    int threaded =
        tally_get(r.status, r.nstatus, "reply") + tally_get(r.status, r.nstatus, "follow_up");
    printf("\n== mail intake summary (%d deliveries: %d corpus + %d replies) ==\n", nmsgs, ncorpus,
           nreplies);
    if (url)
        printf("(a) mailgate, 1 process/message  %7.1f messages/s   p50 %.2f ms  p99 %.2f ms"
               "   records %s (%lld)\n",
               g.rate, g.p50, g.p99, g.ok ? "= exits 0 - repeats" : "MISMATCH", g.recorded);
    if (url)
        printf("    of which process start-up (empty message, exit 65) p50 %.2f ms\n", floor_ms);
    printf("(b) mail_intake, in process     %7.1f messages/s   p50 %.2f ms  p99 %.2f ms\n", r.rate,
           r.p50, r.p99);
    if (url)
        printf("(a)/(b) %.2f; gate and in-process records by status %s\n", g.rate / r.rate,
               !compared ? "not compared (a phase stopped by the time limit)"
               : agree   ? "agree"
                         : "DIFFER");
    printf("threaded onto an earlier ticket: %d (reply/follow_up), %d errors (%s)\n", threaded,
           r.errors, r.errors ? "messages intake refused: see above" : "none");
    if (url)
        printf("RESULT gate_mps=%.1f gate_p50_ms=%.2f gate_p99_ms=%.2f recorded=%lld exit0=%d "
               "ok=%d\n",
               g.rate, g.p50, g.p99, g.recorded, g.exit0, g.ok);
    printf("RESULT inproc_mps=%.1f inproc_p50_ms=%.2f inproc_p99_ms=%.2f errors=%d\n", r.rate,
           r.p50, r.p99, r.errors);

    for (int i = 0; i < nmsgs; i++) {
        free(msgs[i].raw);
        free(msgs[i].message_id);
        free(msgs[i].from);
        free(msgs[i].subject);
    }
    for (int i = 0; i < npaths; i++)
        free(paths[i]);
    mail_shutdown();
    return ok ? 0 : 1;
}
