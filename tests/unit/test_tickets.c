#include "core/err.h"
#include "helpers.h"
#include "tickets/tickets.h"

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
}
static void teardown(void)
{
    fixture_close(&fx);
}

TestSuite(tickets, .init = setup, .fini = teardown);

static const char *HEX64 = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

static struct ticket_input input(const char *subject)
{
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = subject;
    in.body = "My withdrawal has not arrived after three hours.";
    in.department = "deposits";
    return in;
}

Test(validate, txid_formats_per_network)
{
    struct fd_error e = {0};
    cr_assert_eq(tickets_check_txid("bitcoin", HEX64, &e), 0);
    cr_assert_eq(tickets_check_txid("bitcoin", "abc", &e), FD_EINVAL);
    cr_assert(strstr(e.message, "64") != NULL, "%s", e.message);
    cr_assert_str_eq(e.field, "exchange.txid");
    char evm[80];
    snprintf(evm, sizeof(evm), "0x%s", HEX64);
    cr_assert_eq(tickets_check_txid("ethereum", evm, &e), 0);
    cr_assert_eq(tickets_check_txid("ethereum", HEX64, &e), FD_EINVAL);
    cr_assert_eq(tickets_check_txid(NULL, evm, &e), 0);
    char nonhex[65];
    memcpy(nonhex, HEX64, 65);
    nonhex[10] = 'g';
    cr_assert_eq(tickets_check_txid("tron", nonhex, &e), FD_EINVAL);
    cr_assert_eq(tickets_check_txid("solana",
                                    "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR"
                                    "4tjF3ZpRzrFmBV6UjKdiSZkQUW",
                                    &e),
                 0);
    cr_assert_eq(tickets_check_txid("solana", "0OIl", &e), FD_EINVAL);
}

Test(validate, exchange_fields)
{
    struct fd_error e = {0};
    struct ticket_input in = input("x");
    in.amount = "0.25";
    in.exchange_uid = "12345678";
    in.asset = "USDT";
    in.network = "tron";
    in.order_id = "ord_1-2";
    cr_assert_eq(tickets_check_exchange(&in, &e), 0);
    const char *bad_amounts[] = {"-1",  "0", "1.", ".5", "1e5", "01", "0.1234567890123456789",
                                 "1,5", ""};
    for (size_t i = 0; i < sizeof(bad_amounts) / sizeof(*bad_amounts); i++) {
        in.amount = bad_amounts[i];
        cr_assert_eq(tickets_check_exchange(&in, &e), FD_EINVAL, "amount %s", bad_amounts[i]);
        cr_assert_str_eq(e.field, "exchange.amount");
    }
    in.amount = NULL;
    in.exchange_uid = "12ab";
    cr_assert_eq(tickets_check_exchange(&in, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "exchange.uid");
    in.exchange_uid = NULL;
    in.asset = "usdt";
    cr_assert_eq(tickets_check_exchange(&in, &e), FD_EINVAL);
}

Test(validate, references_and_transitions)
{
    int64_t id;
    char ref[32];
    tickets_format_ref(42, ref, sizeof(ref));
    cr_assert_str_eq(ref, "FD-10042");
    cr_assert_eq(tickets_parse_ref("FD-10042", &id), 0);
    cr_assert_eq(id, 42);
    cr_assert_eq(tickets_parse_ref("10042", &id), 0);
    cr_assert_eq(tickets_parse_ref("FD-42x", &id), FD_ENOTFOUND);
    cr_assert_eq(tickets_parse_ref("FD-10000", &id), FD_ENOTFOUND);
    cr_assert_eq(tickets_parse_ref("../etc", &id), FD_ENOTFOUND);
    cr_assert(tickets_transition_ok("new", "open"));
    cr_assert(tickets_transition_ok("solved", "closed"));
    cr_assert_not(tickets_transition_ok("closed", "open"));
    cr_assert_not(tickets_transition_ok("new", "closed"));
    cr_assert_not(tickets_transition_ok("pending", "new"));
}

static int count_msgs(void *ctx, const struct message_rec *m)
{
    (void)m;
    (*(int *)ctx)++;
    return 0;
}

static int count_events(void *ctx, const struct event_rec *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

Test(tickets, create_writes_ticket_message_and_events)
{
    struct auth_actor cust = fixture_actor(&fx, "alice@example.com", ROLE_CUSTOMER, NULL, 0);
    struct ticket_input in = input("BTC withdrawal stuck");
    in.txid = HEX64;
    in.network = "bitcoin";
    in.asset = "BTC";
    struct ticket_rec t;
    struct fd_error e = {0};
    int64_t mid = 0;
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, &mid, &e), 0, "%s", e.message);
    cr_assert_str_eq(t.status, "new");
    cr_assert_str_eq(t.department, "deposits");
    cr_assert_str_eq(t.txid, HEX64);
    cr_assert_str_eq(t.channel, "web");
    cr_assert_eq(t.requester_id, cust.user.id);
    cr_assert_gt(mid, 0);
    int n = 0;
    cr_assert_eq(store_event_list(fx.db, t.id, count_events, &n), 0);
    cr_assert_eq(n, 2); /* created + message_added */
}

Test(tickets, bad_input_changes_nothing)
{
    struct auth_actor cust = fixture_actor(&fx, "alice@example.com", ROLE_CUSTOMER, NULL, 0);
    struct ticket_input in = input("x");
    struct ticket_rec t;
    struct fd_error e = {0};
    in.department = "nope";
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "department");
    in = input("   ");
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "subject");
    in = input("x");
    in.channel = "email";
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, &e), FD_EFORBIDDEN);
    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    int64_t counts[FD_NSTATUS];
    cr_assert_eq(store_ticket_counts(fx.db, &f, counts), 0);
    for (int i = 0; i < FD_NSTATUS; i++)
        cr_assert_eq(counts[i], 0);
}

Test(tickets, visibility_by_role_and_department)
{
    struct auth_actor a = fixture_actor(&fx, "a@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor b = fixture_actor(&fx, "b@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor dep = fixture_actor(&fx, "dep@ex.test", ROLE_AGENT, "deposits", 1);
    struct auth_actor kyc = fixture_actor(&fx, "kyc@ex.test", ROLE_AGENT, "kyc", 1);
    struct auth_actor sup = fixture_actor(&fx, "sup@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct ticket_input in = input("stuck");
    struct ticket_rec t, got;
    cr_assert_eq(tickets_create(fx.db, &a, &in, &t, NULL, NULL), 0);
    cr_assert_eq(tickets_get(fx.db, &a, t.id, &got), 0);
    cr_assert_eq(tickets_get(fx.db, &b, t.id, &got), FD_ENOTFOUND);
    cr_assert_eq(tickets_get(fx.db, &dep, t.id, &got), 0);
    cr_assert_eq(tickets_get(fx.db, &kyc, t.id, &got), FD_ENOTFOUND);
    cr_assert_eq(tickets_get(fx.db, &sup, t.id, &got), 0);
    struct fd_error e = {0};
    cr_assert_eq(tickets_reply(fx.db, &b, t.id, "hi", 0, NULL, 0, &got, NULL, &e), FD_ENOTFOUND);
    /* Assigning to the KYC agent makes it visible to them. */
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    p.has_assignee = 1;
    p.assignee_id = kyc.user.id;
    cr_assert_eq(tickets_update(fx.db, &sup, t.id, &p, &got, &e), 0, "%s", e.message);
    cr_assert_eq(tickets_get(fx.db, &kyc, t.id, &got), 0);
}

Test(tickets, internal_notes_hidden_from_customers)
{
    struct auth_actor cust = fixture_actor(&fx, "a@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor agent = fixture_actor(&fx, "dep@ex.test", ROLE_AGENT, "deposits", 1);
    struct ticket_input in = input("stuck");
    struct ticket_rec t;
    struct fd_error e = {0};
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, NULL), 0);
    cr_assert_eq(tickets_reply(fx.db, &agent, t.id, "check the node", 1, NULL, 0, &t, NULL, &e), 0);
    cr_assert_str_eq(t.status, "new"); /* a note does not change the status */
    cr_assert_eq(tickets_reply(fx.db, &cust, t.id, "note?", 1, NULL, 0, &t, NULL, &e),
                 FD_EFORBIDDEN);
    int seen_cust = 0, seen_agent = 0;
    cr_assert_eq(tickets_messages(fx.db, &cust, &t, count_msgs, &seen_cust), 0);
    cr_assert_eq(tickets_messages(fx.db, &agent, &t, count_msgs, &seen_agent), 0);
    cr_assert_eq(seen_cust, 1);
    cr_assert_eq(seen_agent, 2);
}

Test(tickets, lifecycle_and_follow_up)
{
    struct auth_actor cust = fixture_actor(&fx, "a@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor agent = fixture_actor(&fx, "dep@ex.test", ROLE_AGENT, "deposits", 1);
    struct ticket_input in = input("stuck");
    struct ticket_rec t;
    struct fd_error e = {0};
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, NULL), 0);
    int64_t id = t.id;
    cr_assert_eq(tickets_reply(fx.db, &agent, id, "Looking", 0, NULL, 0, &t, NULL, &e), 0);
    cr_assert_str_eq(t.status, "open");
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    p.status = "pending";
    cr_assert_eq(tickets_update(fx.db, &agent, id, &p, &t, &e), 0);
    cr_assert_eq(tickets_reply(fx.db, &cust, id, "Here is the TXID", 0, NULL, 0, &t, NULL, &e), 0);
    cr_assert_str_eq(t.status, "open");
    p.status = "closed";
    cr_assert_eq(tickets_update(fx.db, &agent, id, &p, &t, &e), FD_ECONFLICT);
    cr_assert_str_eq(e.field, "status");
    cr_assert_eq(tickets_get(fx.db, &agent, id, &t), 0);
    cr_assert_str_eq(t.status, "open");
    p.status = "solved";
    cr_assert_eq(tickets_update(fx.db, &agent, id, &p, &t, &e), 0);
    p.status = "closed";
    cr_assert_eq(tickets_update(fx.db, &agent, id, &p, &t, &e), 0);
    p.status = "open";
    cr_assert_eq(tickets_update(fx.db, &agent, id, &p, &t, &e), FD_ECONFLICT);
    /* A reply to a closed ticket opens a linked follow-up. */
    cr_assert_eq(tickets_reply(fx.db, &cust, id, "It happened again", 0, NULL, 0, &t, NULL, &e), 0);
    cr_assert_neq(t.id, id);
    cr_assert_eq(t.follow_up_of, id);
    cr_assert_str_eq(t.status, "new");
    struct ticket_rec old;
    cr_assert_eq(tickets_get(fx.db, &agent, id, &old), 0);
    cr_assert_str_eq(old.status, "closed");
}

Test(tickets, customer_may_only_solve)
{
    struct auth_actor cust = fixture_actor(&fx, "a@example.com", ROLE_CUSTOMER, NULL, 0);
    struct ticket_input in = input("stuck");
    struct ticket_rec t;
    struct fd_error e = {0};
    cr_assert_eq(tickets_create(fx.db, &cust, &in, &t, NULL, NULL), 0);
    struct ticket_patch p;
    memset(&p, 0, sizeof(p));
    p.priority = "urgent";
    cr_assert_eq(tickets_update(fx.db, &cust, t.id, &p, &t, &e), FD_EFORBIDDEN);
    memset(&p, 0, sizeof(p));
    p.status = "solved";
    cr_assert_eq(tickets_update(fx.db, &cust, t.id, &p, &t, &e), 0);
    cr_assert_str_eq(t.status, "solved");
}

static int collect_ids(void *ctx, const struct ticket_rec *t)
{
    int64_t *ids = ctx;
    ids[++ids[0]] = t->id;
    return 0;
}

Test(tickets, list_filters_and_cursor)
{
    struct auth_actor a = fixture_actor(&fx, "a@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor b = fixture_actor(&fx, "b@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor sup = fixture_actor(&fx, "sup@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct ticket_rec t;
    for (int i = 0; i < 7; i++) {
        struct ticket_input in = input(i % 2 ? "odd withdrawal" : "even deposit");
        const char *tags[] = {"vip"};
        if (i == 3) {
            in.tags[0] = tags[0];
            in.ntags = 1;
        }
        cr_assert_eq(tickets_create(fx.db, i < 5 ? &a : &b, &in, &t, NULL, NULL), 0);
    }
    int64_t ids[16] = {0};
    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    f.limit = 100;
    cr_assert_eq(tickets_list(fx.db, &a, &f, collect_ids, ids), 0);
    cr_assert_eq(ids[0], 5); /* only a's own */
    memset(ids, 0, sizeof(ids));
    memset(&f, 0, sizeof(f));
    f.limit = 3;
    cr_assert_eq(tickets_list(fx.db, &sup, &f, collect_ids, ids), 0);
    cr_assert_eq(ids[0], 3);
    cr_assert_eq(ids[1], 7);
    memset(&f, 0, sizeof(f));
    f.limit = 3;
    f.before_id = ids[3];
    memset(ids, 0, sizeof(ids));
    cr_assert_eq(tickets_list(fx.db, &sup, &f, collect_ids, ids), 0);
    cr_assert_eq(ids[1], 4);
    memset(&f, 0, sizeof(f));
    f.limit = 100;
    f.tag = "vip";
    memset(ids, 0, sizeof(ids));
    cr_assert_eq(tickets_list(fx.db, &sup, &f, collect_ids, ids), 0);
    cr_assert_eq(ids[0], 1);
    cr_assert_eq(ids[1], 4);
    memset(&f, 0, sizeof(f));
    f.limit = 100;
    f.text = "ODD WITH"; /* case-insensitive, in subjects */
    memset(ids, 0, sizeof(ids));
    cr_assert_eq(tickets_list(fx.db, &sup, &f, collect_ids, ids), 0);
    cr_assert_eq(ids[0], 3);
    memset(&f, 0, sizeof(f));
    f.limit = 100;
    f.text = "%";
    memset(ids, 0, sizeof(ids));
    cr_assert_eq(tickets_list(fx.db, &sup, &f, collect_ids, ids), 0);
    cr_assert_eq(ids[0], 0); /* LIKE wildcards in the query are literal */
}
