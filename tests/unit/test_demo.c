/*
 * Unit tests of src/demo: loads the demo data into a fresh store in a temporary
 * directory and checks what the README promises (the admin and alice's accounts, about
 * 200 tickets in every department, internal notes, a mix of statuses), plus the
 * formats of the generated transaction ids and the repeatability of the generator.
 * The load runs under a fixed clock (FRONTDESK_CLOCK_FILE: Wednesday 25 November 2026,
 * 14:00 in Malta, inside the support hours), so the SLA clocks it leaves are repeatable;
 * then the operations' demo content is checked: calendars and policies, clocks running,
 * due soon and breached, VIP customers, routing rules (by a dry run), macros and methods,
 * complaints in their states, the status page, CSAT answers and an escalation.
 */
#include "demo/demo.h"
#include "demo/demo_int.h"

#include "auth/auth.h"
#include "complaints/complaints.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "routing/routing.h"
#include "status/status.h"
#include "store/store.h"
#include "store/store_reports.h"
#include "store/store_routing.h"
#include "tickets/tickets.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2026-11-25T13:00:00Z: a Wednesday, 14:00 in Malta. */
#define DEMO_TEST_NOW 1795611600000LL

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
    /* Before anything reads the clock: the variable is read once per process. */
    char clock[96];
    snprintf(clock, sizeof(clock), "%s/clock", dir);
    FILE *cf = fopen(clock, "w");
    cr_assert_not_null(cf);
    fprintf(cf, "%lld\n", DEMO_TEST_NOW);
    fclose(cf);
    cr_assert_eq(setenv("FRONTDESK_CLOCK_FILE", clock, 1), 0);
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

static struct auth_actor actor_of(const char *email)
{
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    cr_assert_eq(store_user_by_email(db, email, &a.user, NULL, 0), 0, "%s", email);
    a.scopes = SCOPE_ALL;
    return a;
}

struct cal_seen {
    int n, office_default;
    int64_t office, allday;
};

static int cal_cb(void *ctx, const struct sla_calendar_rec *c)
{
    struct cal_seen *s = ctx;
    s->n++;
    if (strcmp(c->name, "Support hours") == 0) {
        s->office = c->id;
        s->office_default = c->is_default;
        cr_assert_not_null(strstr(c->spec, "Europe/Malta"));
        cr_assert_not_null(strstr(c->spec, "2026-12-25"));
    }
    if (strcmp(c->name, "Around the clock") == 0)
        s->allday = c->id;
    return 0;
}

struct pol_seen {
    int n, vip, urgent_tier;
    int prio[4];
};

static int pol_cb(void *ctx, const struct sla_policy_rec *p)
{
    static const char *const prios[] = {"low", "normal", "high", "urgent"};
    struct pol_seen *s = ctx;
    s->n++;
    cr_assert(p->enabled);
    cr_assert_gt(p->first_reply_min, 0);
    cr_assert_gt(p->next_reply_min, 0);
    cr_assert_gt(p->resolution_min, 0);
    cr_assert_gt(p->warn_min, 0);
    if (p->vip_min >= 3)
        s->vip++;
    else
        for (int i = 0; i < 4; i++)
            s->prio[i] += strcmp(p->priority, prios[i]) == 0;
    if (strcmp(p->priority, "urgent") == 0 && p->vip_min < 0)
        s->urgent_tier = p->escalate_tier;
    return 0;
}

struct clocks {
    int64_t now;
    int running, soon, breached;
};

static int clock_cb(void *ctx, const struct ticket_sla_rec *r)
{
    struct clocks *c = ctx;
    if (strcmp(r->state, "running") != 0)
        return 0;
    c->running++;
    if (r->due_at <= c->now) {
        c->breached++;
        cr_assert_gt(r->breached_at, 0, "ticket %lld: overdue %s clock not stamped breached",
                     (long long)r->ticket_id, r->metric);
    } else if (r->due_at <= c->now + 2 * 3600000LL) {
        c->soon++;
    }
    return 0;
}

struct compl_seen {
    int n, received, investigating, decided;
};

static int compl_cb(void *ctx, const struct complaint_rec *c)
{
    struct compl_seen *s = ctx;
    s->n++;
    if (strcmp(c->status, "received") == 0)
        s->received++;
    if (strcmp(c->status, "under_investigation") == 0) {
        s->investigating++;
        cr_assert_str_eq(c->admissibility, "admissible");
        cr_assert_neq(c->delay_reason[0], '\0', "the late-decision notice has a reason");
        cr_assert_gt(c->decision_due_at, c->decision_due_original);
    }
    if (strcmp(c->status, "decided") == 0) {
        s->decided++;
        cr_assert_str_eq(c->outcome, "partly_upheld");
        cr_assert_neq(c->decision_reasons[0], '\0');
        cr_assert_neq(c->remedies[0], '\0');
    }
    cr_assert_eq(c->ack_breached, 0);
    cr_assert_eq(c->decision_breached, 0);
    return 0;
}

static int csat_cb(void *ctx, int64_t answered_at, int rating)
{
    (void)answered_at;
    cr_assert(rating >= 1 && rating <= 5);
    (*(int *)ctx)++;
    return 0;
}

/* ids: the count, then every ticket id (from the load test). */
static void check_operations(const int64_t *ids)
{
    int64_t now = fd_now_ms();
    cr_assert_eq(now, DEMO_TEST_NOW, "the load leaves the clock as it found it");

    /* SLA: the default 24x7 calendar, Support hours (now the default) and 24x7 for
     * Account & Security; four policies by priority and two for VIP customers. */
    struct cal_seen cs = {0};
    cr_assert_eq(store_sla_calendar_list(db, cal_cb, &cs), 0);
    cr_assert_eq(cs.n, 3);
    cr_assert_gt(cs.office, 0);
    cr_assert_gt(cs.allday, 0);
    cr_assert_eq(cs.office_default, 1);
    struct department_rec d;
    int64_t cal = 0;
    cr_assert_eq(store_department_by_slug(db, "account", &d), 0);
    cr_assert_eq(store_dept_calendar_get(db, d.id, &cal), 0);
    cr_assert_eq(cal, cs.allday);
    cr_assert_eq(store_department_by_slug(db, "kyc", &d), 0);
    cr_assert_eq(store_dept_calendar_get(db, d.id, &cal), 0);
    cr_assert_eq(cal, cs.office);
    struct pol_seen ps = {0};
    cr_assert_eq(store_sla_policy_list(db, pol_cb, &ps), 0);
    cr_assert_eq(ps.n, 6);
    cr_assert_eq(ps.vip, 2);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(ps.prio[i], 1, "one policy for priority %d", i);
    cr_assert_eq(ps.urgent_tier, 2);

    /* Clocks: countdowns on the queue, some due within two hours, a few breached (and
     * stamped so, as the scheduler would have). */
    struct clocks ck = {.now = now};
    for (int64_t i = 0; i < ids[0]; i++)
        cr_assert_eq(store_ticket_sla_list(db, ids[1 + i], clock_cb, &ck), 0);
    cr_assert_geq(ck.running, 40, "%d running clocks", ck.running);
    cr_assert_geq(ck.soon, 1, "no clock due within two hours");
    cr_assert_geq(ck.breached, 1, "no breached clock");
    cr_assert_lt(ck.breached * 5, ck.running, "%d of %d running clocks breached", ck.breached,
                 ck.running);

    /* Customers' attributes. */
    struct user_rec u;
    int vip = -1;
    char lang[16];
    cr_assert_eq(store_user_by_email(db, "hana.kobayashi@example.org", &u, NULL, 0), 0);
    cr_assert_eq(store_routing_user_attrs(db, u.id, &vip, lang, sizeof(lang)), 0);
    cr_assert_eq(vip, 5);
    cr_assert_str_eq(lang, "ja");
    cr_assert_eq(store_user_by_email(db, "alice@example.com", &u, NULL, 0), 0);
    cr_assert_eq(store_routing_user_attrs(db, u.id, &vip, lang, sizeof(lang)), 0);
    cr_assert_eq(vip, 3);

    /* Routing: the rules route a new "hacked" ticket and a VIP withdrawal as promised. */
    struct auth_actor admin = actor_of("admin@frontdesk.test");
    json_t *list = NULL;
    cr_assert_eq(routing_rule_list(db, &admin, &list), 0);
    cr_assert_eq(json_array_size(list), 4);
    json_decref(list);
    cr_assert_eq(routing_macro_list(db, &admin, &list), 0);
    cr_assert_eq(json_array_size(list), 4);
    json_decref(list);
    cr_assert_eq(routing_settings(db, &admin, &list), 0);
    json_t *dv;
    size_t di;
    int least = 0;
    json_array_foreach(json_object_get(list, "departments"), di, dv) least +=
        strcmp(json_string_value(json_object_get(dv, "method")), "least_loaded") == 0;
    cr_assert_eq(least, 2);
    json_decref(list);

    struct ticket_rec *t = calloc(1, sizeof(*t));
    cr_assert_not_null(t);
    snprintf(t->subject, sizeof(t->subject), "My account was hacked");
    snprintf(t->department, sizeof(t->department), "trading");
    snprintf(t->priority, sizeof(t->priority), "normal");
    snprintf(t->channel, sizeof(t->channel), "web");
    t->tier = 1;
    struct routing_subject subj = {.t = t, .body = "Someone logged in.", .language = ""};
    json_t *dry = NULL;
    cr_assert_eq(routing_dry_run(db, &admin, &subj, &dry), 0);
    json_t *res = json_object_get(dry, "result");
    cr_assert_str_eq(json_string_value(json_object_get(res, "department")), "account");
    cr_assert_str_eq(json_string_value(json_object_get(res, "priority")), "urgent");
    json_decref(dry);
    snprintf(t->subject, sizeof(t->subject), "Withdrawal stuck");
    snprintf(t->department, sizeof(t->department), "technical");
    subj.vip_level = 3;
    cr_assert_eq(routing_dry_run(db, &admin, &subj, &dry), 0);
    res = json_object_get(dry, "result");
    cr_assert_str_eq(json_string_value(json_object_get(res, "department")), "deposits");
    cr_assert_eq(json_integer_value(json_object_get(res, "tier")), 2);
    json_decref(dry);
    /* The dry run works on t itself (as rules that continue do): start again. */
    subj.vip_level = 0;
    snprintf(t->department, sizeof(t->department), "technical");
    snprintf(t->priority, sizeof(t->priority), "normal");
    t->tier = 1;
    t->ntags = 0;
    cr_assert_eq(routing_dry_run(db, &admin, &subj, &dry), 0);
    res = json_object_get(dry, "result");
    cr_assert_str_eq(json_string_value(json_object_get(res, "department")), "technical",
                     "a regular customer's withdrawal is not moved");
    json_decref(dry);
    free(t);

    /* Complaints: the compliance officer handles them; three in different states. */
    struct auth_actor officer = actor_of("compliance@frontdesk.test");
    int yes = 0;
    cr_assert_eq(complaints_is_handler(db, &officer, &yes), 0);
    cr_assert_eq(yes, 1);
    struct compl_seen cps = {0};
    cr_assert_eq(complaints_list(db, &officer, NULL, 0, 50, compl_cb, &cps), 0);
    cr_assert_eq(cps.n, 3);
    cr_assert_eq(cps.received, 1);
    cr_assert_eq(cps.investigating, 1);
    cr_assert_eq(cps.decided, 1);

    /* Status page: all operational (no banner), a resolved incident with its timeline,
     * a maintenance window ahead. */
    struct status_snapshot snap;
    cr_assert_eq(status_snapshot_load(db, now, STATUS_HISTORY_MS, &snap), 0);
    cr_assert_str_eq(snap.overall, "operational");
    int resolved = 0, scheduled = 0;
    for (int i = 0; i < snap.nincidents; i++) {
        const struct status_incident *inc = &snap.incidents[i];
        cr_assert_eq(inc->live, 0, "%s is live", inc->rec.title);
        if (strcmp(inc->phase, "resolved") == 0) {
            resolved++;
            cr_assert_eq(inc->nupdates, 4);
        }
        if (strcmp(inc->phase, "scheduled") == 0) {
            scheduled++;
            cr_assert_gt(inc->rec.starts_at, now);
        }
    }
    status_snapshot_release(&snap);
    cr_assert_eq(resolved, 1);
    cr_assert_eq(scheduled, 1);

    /* CSAT answers and one escalation with its reason. */
    int answers = 0;
    cr_assert_eq(store_csat_answers(db, 0, now + 1, 0, csat_cb, &answers), 0);
    cr_assert_eq(answers, 6);
    int64_t escalations = 0;
    for (int64_t i = 0; i < ids[0]; i++) {
        int64_t n = 0;
        cr_assert_eq(store_event_count_since(db, ids[1 + i], "escalated", 0, &n), 0);
        escalations += n;
    }
    cr_assert_eq(escalations, 1);
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

    check_operations(ids);
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
    cr_assert_not_null(strstr(text, "compliance@frontdesk.test"));
    free(text);
}
