/*
 * Unit tests of src/demo: loads the demo data into a fresh store in a temporary
 * directory and checks what the README promises (the admin and alice's accounts, about
 * 200 tickets in every department, internal notes, a mix of statuses), plus the
 * formats of the generated transaction ids and the repeatability of the generator.
 */
#include "demo/demo.h"
#include "demo/demo_int.h"

#include "core/err.h"
#include "store/store.h"
#include "tickets/tickets.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static struct store *st;
static struct db *db;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/fd-test-demo-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_geq(sodium_init(), 0);
    cr_assert_eq(store_open(dir, 1, &st), 0);
    db = store_acquire(st);
    int applied = 0;
    cr_assert_eq(store_migrate(db, &applied), 0);
}

static void teardown(void)
{
    if (db)
        store_release(st, db);
    store_close(st);
    db = NULL;
    st = NULL;
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int count_msg(void *ctx, const struct message_rec *m)
{
    (void)m;
    (*(int *)ctx)++;
    return 0;
}

static int collect_ids(void *ctx, const struct ticket_rec *t)
{
    int64_t *ids = ctx;
    if (ids[0] < 1000)
        ids[1 + ids[0]++] = t->id;
    return 0;
}

static int64_t total(const int64_t c[FD_NSTATUS])
{
    int64_t n = 0;
    for (int i = 0; i < FD_NSTATUS; i++)
        n += c[i];
    return n;
}

Test(demo, load, .init = setup, .fini = teardown, .timeout = 300)
{
    int present = 1;
    cr_assert_eq(demo_present(db, &present), 0);
    cr_assert_eq(present, 0, "an empty database holds no demo data");

    cr_assert_eq(demo_load(db, stderr), 0);
    cr_assert_eq(demo_present(db, &present), 0);
    cr_assert_eq(present, 1);

    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    int64_t counts[FD_NSTATUS];
    cr_assert_eq(store_ticket_counts(db, &f, counts), 0);
    cr_assert_geq(total(counts), 180, "only %lld tickets", (long long)total(counts));
    cr_assert_gt(counts[fd_status_index("closed")], 0);
    cr_assert_gt(counts[fd_status_index("pending")], 0);
    cr_assert_gt(counts[fd_status_index("new")], 0);
    cr_assert_gt(counts[fd_status_index("open")], 0);
    cr_assert_gt(counts[fd_status_index("on_hold")], 0);
    cr_assert_gt(counts[fd_status_index("solved")], 0);

    static const char *const depts[] = {"account", "deposits", "trading", "technical", "kyc"};
    for (size_t i = 0; i < sizeof(depts) / sizeof(depts[0]); i++) {
        struct department_rec d;
        cr_assert_eq(store_department_by_slug(db, depts[i], &d), 0);
        memset(&f, 0, sizeof(f));
        f.department_id = d.id;
        cr_assert_eq(store_ticket_counts(db, &f, counts), 0);
        cr_assert_geq(total(counts), 10, "department %s has %lld tickets", depts[i],
                      (long long)total(counts));
    }

    struct user_rec u;
    cr_assert_eq(store_user_by_email(db, "alice@example.com", &u, NULL, 0), 0);
    cr_assert_eq(u.role, ROLE_CUSTOMER);
    memset(&f, 0, sizeof(f));
    f.requester_id = u.id;
    cr_assert_eq(store_ticket_counts(db, &f, counts), 0);
    cr_assert_geq(total(counts), 3, "alice has %lld tickets", (long long)total(counts));

    cr_assert_eq(store_user_by_email(db, "t2.deposits@frontdesk.test", &u, NULL, 0), 0);
    cr_assert_eq(u.role, ROLE_AGENT);
    cr_assert_eq(u.tier, 2);
    cr_assert_str_eq(u.department, "deposits");
    cr_assert_eq(store_user_by_email(db, "supervisor@frontdesk.test", &u, NULL, 0), 0);
    cr_assert_eq(u.role, ROLE_SUPERVISOR);

    /* Internal notes exist and are hidden from the customer's view of the ticket. */
    static int64_t ids[1 + 1000];
    memset(&f, 0, sizeof(f));
    f.limit = 1000;
    cr_assert_eq(store_ticket_list(db, &f, collect_ids, ids), 0);
    cr_assert_geq(ids[0], 180);
    int with_notes = 0, escalated = 0, longest = 0;
    for (int64_t i = 0; i < ids[0]; i++) {
        int all = 0, pub = 0;
        cr_assert_eq(store_message_list(db, ids[1 + i], 1, count_msg, &all), 0);
        cr_assert_eq(store_message_list(db, ids[1 + i], 0, count_msg, &pub), 0);
        cr_assert_geq(all, 1);
        with_notes += all != pub;
        longest = all > longest ? all : longest;
        struct ticket_rec t;
        cr_assert_eq(store_ticket_get(db, ids[1 + i], &t), 0);
        escalated += t.tier > 1;
        cr_assert_geq(t.ntags, 1, "ticket %lld has no tags", (long long)t.id);
    }
    cr_assert_gt(with_notes, 0);
    cr_assert_gt(escalated, 0);
    cr_assert_geq(longest, 4);
}

Test(demo, txid_formats)
{
    struct demo__rng r = {42};
    struct fd_error err;
    static const char *const nets[] = {"bitcoin", "ethereum", "tron", "solana", "xrp", "bsc"};
    char txid[132];
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
            demo__txid(&r, nets[i], txid, sizeof(txid));
            memset(&err, 0, sizeof(err));
            cr_assert_eq(tickets_check_txid(nets[i], txid, &err), 0, "%s: %s: %s", nets[i], txid,
                         err.message);
            size_t n = strlen(txid);
            if (strcmp(nets[i], "solana") == 0)
                cr_assert(n == 87 || n == 88, "solana signature of %zu characters", n);
        }
    }
}

Test(demo, deterministic)
{
    struct demo__rng a = {7}, b = {7};
    char x[132], y[132];
    for (int i = 0; i < 50; i++) {
        demo__txid(&a, "solana", x, sizeof(x));
        demo__txid(&b, "solana", y, sizeof(y));
        cr_assert_str_eq(x, y);
    }
    char amt[48];
    demo__amount(&a, amt, sizeof(amt), 150, 150, 5);
    cr_assert_str_eq(amt, "0.0015");
    demo__amount(&a, amt, sizeof(amt), 2500, 2500, 1);
    cr_assert_str_eq(amt, "250");
}

Test(demo, print_accounts)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    demo_print_accounts(out);
    fclose(out);
    cr_assert_not_null(strstr(text, "admin@frontdesk.test"));
    cr_assert_not_null(strstr(text, "alice@example.com"));
    cr_assert_not_null(strstr(text, DEMO_PASSWORD));
    free(text);
}
