/*
 * The public email corpus through the one intake path, in process, into one store: every
 * message must be taken (mail_intake returns 0), its recorded raw bytes must read back
 * identical to the file, and a second delivery must be a duplicate that changes nothing.
 *
 * The corpus is ../shared/corpora/email relative to the repository root (FD_CORPUS_DIR
 * overrides): spamassassin/ (1,000 messages) and python-test-email/ (47).
 *
 * Which messages: all 1,047 (every intake keeps its durability: two fsyncs). Under ASan
 * on a 2-core machine this takes about 4 s (measured; the budget was 60 s), so no sample
 * is needed; bench/mail_ingest.c measures the same corpus, in process and through the
 * mailgate, with threaded replies added.
 */
#include "core/err.h"
#include "mail_helpers.h"
#include "mail/mail.h"

#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 4096
#define AGAIN 50

struct item {
    char *path;
    char *raw;
    size_t len;
    int64_t mail_id;
    int duplicate;
    int failed; /* mail_intake did not return 0 */
    char status[20];
};

static struct fixture fx;
static struct mail_config cfg;
static char *paths[MAX_FILES];
static int npaths;

static void setup(void)
{
    fixture_open(&fx);
    fixture_mail_config(&fx, &cfg);
}

static void teardown(void)
{
    fixture_close(&fx);
}

TestSuite(mail_corpus, .init = setup, .fini = teardown, .timeout = 180);

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

/* The sorted files of one corpus folder, appended to paths[]; returns how many. */
static int list_dir(const char *dir, const char *sub)
{
    char path[2200];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    int first = npaths;
    cr_assert_eq(nftw(path, collect, 16, FTW_PHYS), 0, "corpus %s is missing (set FD_CORPUS_DIR)",
                 path);
    cr_assert_lt(npaths, MAX_FILES);
    qsort(paths + first, (size_t)(npaths - first), sizeof(paths[0]), by_name);
    return npaths - first;
}

static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
    char *raw = malloc((size_t)size + 1);
    cr_assert_not_null(raw);
    cr_assert_eq(fread(raw, 1, (size_t)size, f), (size_t)size, "short read: %s", path);
    fclose(f);
    raw[size] = '\0';
    *len = (size_t)size;
    return raw;
}

static int64_t count(const char *sql)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, sql, &st), 0, "%s", db_errmsg(fx.db));
    cr_assert_eq(db_step(st), 1);
    int64_t v = db_col_int64(st, 0);
    db_finalize(st);
    return v;
}

/* The sha256 recorded for mail_messages row id. */
static void sha_of(int64_t id, char sha[65])
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT sha256 FROM mail_messages WHERE id = ?", &st), 0);
    db_bind_int64(st, 1, id);
    cr_assert_eq(db_step(st), 1, "no mail_messages row %lld", (long long)id);
    const char *s = db_col_text(st, 0);
    snprintf(sha, 65, "%s", s ? s : "");
    db_finalize(st);
}

static void assert_record_is(int64_t id, const struct item *it)
{
    char sha[65];
    sha_of(id, sha);
    char *got = NULL;
    size_t n = 0;
    cr_assert_eq(mail_raw_get(&cfg, sha, &got, &n), 0, "%s: no raw bytes for %s", it->path, sha);
    cr_assert_eq(n, it->len, "%s: recorded %zu bytes, the file has %zu", it->path, n, it->len);
    cr_assert_eq(memcmp(got, it->raw, n), 0, "%s: the recorded bytes differ", it->path);
    free(got);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct tally {
    char status[20];
    int n;
};

Test(mail_corpus, every_message_is_taken_and_kept_byte_for_byte)
{
    char root[1024], dir[2048];
    const char *env = getenv("FD_CORPUS_DIR");
    fixture_repo_root(root, sizeof(root));
    if (env && *env)
        snprintf(dir, sizeof(dir), "%s", env);
    else
        snprintf(dir, sizeof(dir), "%s/../shared/corpora/email", root);
    int npy = list_dir(dir, "python-test-email");
    int nsa = list_dir(dir, "spamassassin");
    cr_assert_geq(npy, 47);
    cr_assert_geq(nsa, 1000);

    /* python-test-email first, then SpamAssassin, each in name order. */
    struct item *items = calloc((size_t)npaths, sizeof(*items));
    cr_assert_not_null(items);
    int n = npaths;
    for (int i = 0; i < n; i++) {
        items[i].path = paths[i];
        items[i].raw = read_path(paths[i], &items[i].len);
    }

    struct tally tallies[16];
    int ntallies = 0, acknowledged = 0, dup_identical = 0, dup_different = 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        struct item *it = &items[i];
        struct mail_intake_result r;
        struct fd_error err = {0};
        int rc = mail_intake(fx.db, &cfg, it->raw, it->len, "pipe",
                             i % 2 ? "deposits@frontdesk.test" : NULL, &r, &err);
        /* cr_expect: every refused message is reported, not only the first. */
        cr_expect_eq(rc, 0, "%s: mail_intake: %s (%s)", it->path, fd_strerror(rc), err.message);
        if (rc) {
            it->failed = 1;
            snprintf(r.status, sizeof(r.status), "error:%s", fd_strerror(rc));
            r.status[sizeof(r.status) - 1] = '\0';
        } else {
            cr_assert_gt(r.mail_id, 0, "%s: no mail id", it->path);
        }
        it->mail_id = r.mail_id;
        it->duplicate = r.duplicate;
        snprintf(it->status, sizeof(it->status), "%s", r.status);
        acknowledged += r.acknowledged;
        if (!r.duplicate)
            cr_assert_str_neq(r.status, "duplicate");
        int k = 0;
        while (k < ntallies && strcmp(tallies[k].status, r.status) != 0)
            k++;
        if (k == ntallies) {
            cr_assert_lt(ntallies, 16);
            snprintf(tallies[ntallies].status, sizeof(tallies[0].status), "%s", r.status);
            tallies[ntallies++].n = 0;
        }
        tallies[k].n++;
    }
    double took = now_s() - t0;

    /* Every record reads back as the bytes of the file that made it: checked after all the
     * intakes, so no later message (or duplicate delivery) overwrote an earlier record. */
    int fresh = 0;
    for (int i = 0; i < n; i++) {
        const struct item *it = &items[i];
        if (it->failed)
            continue;
        if (!it->duplicate) {
            fresh++;
            assert_record_is(it->mail_id, it);
            continue;
        }
        /* A duplicate points at the record of the first message with its Message-ID. */
        int first = -1;
        for (int j = 0; j < i && first < 0; j++)
            if (!items[j].duplicate && !items[j].failed && items[j].mail_id == it->mail_id)
                first = j;
        cr_assert_geq(first, 0, "%s: duplicate of no earlier message", it->path);
        assert_record_is(it->mail_id, &items[first]);
        if (items[first].len == it->len && memcmp(items[first].raw, it->raw, it->len) == 0)
            dup_identical++;
        else
            dup_different++;
    }
    cr_assert_eq(count("SELECT count(*) FROM mail_messages WHERE direction = 'in'"), fresh);

    /* A second delivery of the first AGAIN messages: duplicates, nothing new. */
    int64_t tickets_before = count("SELECT count(*) FROM tickets");
    int64_t mail_before = count("SELECT count(*) FROM mail_messages");
    int64_t messages_before = count("SELECT count(*) FROM messages");
    int again = n < AGAIN ? n : AGAIN;
    for (int i = 0; i < again; i++) {
        if (items[i].failed)
            continue;
        struct mail_intake_result r;
        struct fd_error err = {0};
        int rc = mail_intake(fx.db, &cfg, items[i].raw, items[i].len, "pipe", NULL, &r, &err);
        cr_assert_eq(rc, 0, "%s: again: %s (%s)", items[i].path, fd_strerror(rc), err.message);
        cr_assert_eq(r.duplicate, 1, "%s: a second delivery was not a duplicate", items[i].path);
        cr_assert_str_eq(r.status, "duplicate");
        cr_assert_eq(r.mail_id, items[i].mail_id, "%s: the duplicate names another record",
                     items[i].path);
    }
    cr_assert_eq(count("SELECT count(*) FROM tickets"), tickets_before);
    cr_assert_eq(count("SELECT count(*) FROM mail_messages"), mail_before);
    cr_assert_eq(count("SELECT count(*) FROM messages"), messages_before);

    fprintf(stderr,
            "mail corpus intake: %d messages (%d python-test-email, %d SpamAssassin) in %.1f s "
            "(%.1f/s)\n ",
            n, npy, nsa, took, n / took);
    for (int k = 0; k < ntallies; k++)
        fprintf(stderr, " %s %d", tallies[k].status, tallies[k].n);
    fprintf(stderr,
            "\n  %d records, %lld tickets, %d acknowledgements queued; duplicates: %d identical "
            "bytes, %d different bytes; %d second deliveries all duplicates\n",
            fresh, (long long)tickets_before, acknowledged, dup_identical, dup_different, again);

    for (int i = 0; i < n; i++)
        free(items[i].raw);
    free(items);
    for (int i = 0; i < npaths; i++)
        free(paths[i]);
    npaths = 0;
}
