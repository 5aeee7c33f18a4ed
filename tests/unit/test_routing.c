/* Routing: condition matching, rule order / first match / continue, round-robin and
 * least-loaded assignment with capacity, reassignment, macros. */
#include "chat/chat.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "routing/routing.h"
#include "store/store_routing.h"
#include "tickets/tickets.h"

#include <jansson.h>

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
    fd_clock_set(1700000000000);
}
static void teardown(void)
{
    fd_clock_set(0);
    fixture_close(&fx);
}

TestSuite(routing, .init = setup, .fini = teardown);

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    cr_assert_not_null(j, "bad test JSON: %s", e.text);
    return j;
}

static int match(const char *conds, struct ticket_rec *t, const char *body, int vip)
{
    json_t *c = J(conds);
    struct fd_error err = {0};
    json_t *acts = J("{\"priority\":\"high\"}");
    cr_assert_eq(routing_rule_check(fx.db, c, acts, &err), 0, "%s", err.message);
    struct routing_subject s = {t, body, "withdrawals@fd.test", vip, "pt-BR"};
    int r = routing_conditions_match(c, &s, NULL);
    json_decref(c);
    json_decref(acts);
    return r;
}

static void ticket(struct ticket_rec *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->subject, sizeof(t->subject), "Withdrawal STUCK for hours");
    snprintf(t->channel, sizeof(t->channel), "email");
    snprintf(t->department, sizeof(t->department), "deposits");
    snprintf(t->priority, sizeof(t->priority), "normal");
    snprintf(t->asset, sizeof(t->asset), "USDT");
    snprintf(t->network, sizeof(t->network), "tron");
    snprintf(t->tags[t->ntags++], FD_TAG_MAX + 1, "withdrawal");
    t->tier = 1;
}

Test(routing, contains_is_case_insensitive_and_bounded)
{
    struct ticket_rec t;
    ticket(&t);
    cr_assert(match("{\"all\":[{\"field\":\"subject\",\"op\":\"contains\",\"value\":\"stuck\"}]}",
                    &t, "", 0));
    cr_assert(
        !match("{\"all\":[{\"field\":\"subject\",\"op\":\"contains\",\"value\":\"deposit\"}]}", &t,
               "", 0));
    cr_assert(match("{\"all\":[{\"field\":\"subject\",\"op\":\"not_contains\",\"value\":\"kyc\"}]}",
                    &t, "", 0));
    /* Text beyond ROUTING_TEXT_MAX bytes of the body is not looked at. */
    char *body = malloc(ROUTING_TEXT_MAX + 64);
    memset(body, 'a', ROUTING_TEXT_MAX + 63);
    memcpy(body + ROUTING_TEXT_MAX + 10, "NEEDLE", 6);
    body[ROUTING_TEXT_MAX + 63] = '\0';
    cr_assert(!match("{\"all\":[{\"field\":\"body\",\"op\":\"contains\",\"value\":\"needle\"}]}",
                     &t, body, 0));
    memcpy(body + 100, "NEEDLE", 6);
    cr_assert(match("{\"all\":[{\"field\":\"body\",\"op\":\"contains\",\"value\":\"needle\"}]}", &t,
                    body, 0));
    free(body);
}

Test(routing, regex_matches_and_bad_patterns_are_refused)
{
    struct ticket_rec t;
    ticket(&t);
    cr_assert(match("{\"all\":[{\"field\":\"text\",\"op\":\"matches\",\"value\":\"^withdrawal "
                    "(stuck|late)\"}]}",
                    &t, "", 0));
    cr_assert(match("{\"all\":[{\"field\":\"body\",\"op\":\"matches\",\"value\":\"tx[0-9]{3}\"}]}",
                    &t, "my TX123 is late", 0));
    cr_assert(!match("{\"all\":[{\"field\":\"body\",\"op\":\"matches\",\"value\":\"tx[0-9]{4}\"}]}",
                     &t, "my TX123 is late", 0));
    struct fd_error err = {0};
    json_t *c = J("{\"all\":[{\"field\":\"subject\",\"op\":\"matches\",\"value\":\"(unclosed\"}]}");
    json_t *a = J("{\"priority\":\"high\"}");
    cr_assert_eq(routing_rule_check(fx.db, c, a, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "conditions.all[0].value");
    cr_assert(strstr(err.message, "regular expression"), "%s", err.message);
    json_decref(c);
    c = J("{\"all\":[{\"field\":\"colour\",\"op\":\"is\",\"value\":\"red\"}]}");
    cr_assert_eq(routing_rule_check(fx.db, c, a, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "conditions.all[0].field");
    json_decref(c);
    c = J("{}");
    json_decref(a);
    a = J("{\"department\":\"nope\"}");
    cr_assert_eq(routing_rule_check(fx.db, c, a, &err), FD_EINVAL);
    cr_assert_str_eq(err.field, "actions.department");
    json_decref(c);
    json_decref(a);
}

Test(routing, vip_comparisons_language_exchange_fields_tags_and_any)
{
    struct ticket_rec t;
    ticket(&t);
    const char *gte3 = "{\"all\":[{\"field\":\"vip_level\",\"op\":\"gte\",\"value\":3}]}";
    cr_assert(match(gte3, &t, "", 3));
    cr_assert(match(gte3, &t, "", 5));
    cr_assert(!match(gte3, &t, "", 2));
    cr_assert(match("{\"all\":[{\"field\":\"vip_level\",\"op\":\"lt\",\"value\":1}]}", &t, "", 0));
    cr_assert(
        match("{\"all\":[{\"field\":\"vip_level\",\"op\":\"in\",\"value\":[2,4]}]}", &t, "", 4));
    cr_assert(
        match("{\"all\":[{\"field\":\"language\",\"op\":\"is\",\"value\":\"PT-br\"}]}", &t, "", 0));
    cr_assert(match("{\"all\":[{\"field\":\"asset\",\"op\":\"in\",\"value\":[\"BTC\",\"usdt\"]},"
                    "{\"field\":\"network\",\"op\":\"is\",\"value\":\"tron\"},"
                    "{\"field\":\"recipient\",\"op\":\"is\",\"value\":\"withdrawals@fd.test\"},"
                    "{\"field\":\"tag\",\"op\":\"is\",\"value\":\"withdrawal\"}]}",
                    &t, "", 0));
    cr_assert(!match("{\"all\":[{\"field\":\"tag\",\"op\":\"is_not\",\"value\":\"withdrawal\"}]}",
                     &t, "", 0));
    /* any: one is enough; combined with all, both groups must hold */
    const char *anyc = "{\"all\":[{\"field\":\"channel\",\"op\":\"is\",\"value\":\"email\"}],"
                       "\"any\":[{\"field\":\"vip_level\",\"op\":\"gte\",\"value\":3},"
                       "{\"field\":\"subject\",\"op\":\"contains\",\"value\":\"urgent\"}]}";
    cr_assert(match(anyc, &t, "", 4));
    cr_assert(!match(anyc, &t, "", 1));
    snprintf(t.subject, sizeof(t.subject), "URGENT please");
    cr_assert(match(anyc, &t, "", 1));
    snprintf(t.channel, sizeof(t.channel), "web");
    cr_assert(!match(anyc, &t, "", 4));
}

Test(routing, pick_round_robin_least_loaded_capacity_and_ties)
{
    struct routing_agent_rec v[3] = {
        {.id = 7, .capacity = 5, .load = 1, .last_seq = 9},
        {.id = 3, .capacity = 5, .load = 4, .last_seq = 2},
        {.id = 5, .capacity = 2, .load = 2, .last_seq = 0},
    };
    /* round-robin: longest since the last assignment among those with room (5 is full) */
    cr_assert_eq(routing_pick(v, 3, 0, 0), 1);
    /* least loaded: 7 has the smallest load */
    cr_assert_eq(routing_pick(v, 3, 1, 0), 0);
    /* excluded agent */
    cr_assert_eq(routing_pick(v, 3, 0, 3), 0);
    /* equal load and sequence: the smaller id */
    v[1].load = 1;
    v[1].last_seq = 9;
    cr_assert_eq(routing_pick(v, 3, 1, 0), 1);
    /* everyone full */
    v[0].load = 5;
    v[1].load = 5;
    cr_assert_eq(routing_pick(v, 3, 0, 0), -1);
}

static struct auth_actor admin(void)
{
    return fixture_actor(&fx, "admin@fd.test", ROLE_ADMIN, NULL, 0);
}

static int64_t add_rule(const struct auth_actor *a, const char *json)
{
    json_t *o = J(json), *out = NULL;
    struct fd_error err = {0};
    int rc = routing_rule_create(fx.db, a, o, &out, &err);
    cr_assert_eq(rc, 0, "%d %s %s", rc, err.message, db_errmsg(fx.db));
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(o);
    json_decref(out);
    return id;
}

static struct ticket_rec create(const struct auth_actor *cust, const char *subject)
{
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = subject;
    in.body = "Please help";
    in.department = "account";
    struct ticket_rec t;
    struct fd_error err = {0};
    cr_assert_eq(tickets_create(fx.db, cust, &in, &t, NULL, &err), 0, "%s", err.message);
    return t;
}

struct ev {
    char types[32][32];
    char data[32][512];
    int n;
};

static int collect_ev(void *ctx, const struct event_rec *e)
{
    struct ev *v = ctx;
    if (v->n < 32) {
        snprintf(v->types[v->n], 32, "%s", e->type);
        snprintf(v->data[v->n], 512, "%s", e->data);
        v->n++;
    }
    return 0;
}

static int has_event(int64_t ticket, const char *type, const char *needle)
{
    struct ev v = {0};
    cr_assert_eq(store_event_list(fx.db, ticket, collect_ev, &v), 0);
    for (int i = 0; i < v.n; i++)
        if (!strcmp(v.types[i], type) && (!needle || strstr(v.data[i], needle)))
            return 1;
    return 0;
}

Test(routing, first_match_wins_unless_continue_and_events_are_recorded)
{
    struct auth_actor adm = admin();
    struct auth_actor cust = fixture_actor(&fx, "c@fd.test", ROLE_CUSTOMER, NULL, 0);
    int64_t r1 = add_rule(&adm, "{\"name\":\"Withdrawals\",\"continue\":true,"
                                "\"conditions\":{\"all\":[{\"field\":\"subject\",\"op\":"
                                "\"contains\",\"value\":\"withdraw\"}]},"
                                "\"actions\":{\"department\":\"deposits\",\"add_tags\":[\"wd\"]}}");
    int64_t r2 = add_rule(&adm, "{\"name\":\"Deposits dept urgent\",\"conditions\":{\"all\":[{"
                                "\"field\":\"department\",\"op\":\"is\",\"value\":\"deposits\"}]},"
                                "\"actions\":{\"priority\":\"urgent\"}}");
    add_rule(&adm, "{\"name\":\"Never reached\",\"conditions\":{},"
                   "\"actions\":{\"add_tags\":[\"late\"]}}");
    struct ticket_rec t = create(&cust, "Withdrawal missing");
    cr_assert_str_eq(t.department, "deposits");
    cr_assert_str_eq(t.priority, "urgent");
    cr_assert_eq(t.ntags, 1);
    cr_assert_str_eq(t.tags[0], "wd");
    char needle[64];
    snprintf(needle, sizeof(needle), "\"rule_id\":%lld", (long long)r1);
    cr_assert(has_event(t.id, "routed", needle));
    snprintf(needle, sizeof(needle), "\"rule_id\":%lld", (long long)r2);
    cr_assert(has_event(t.id, "routed", needle));
    cr_assert(has_event(t.id, "routed", "Deposits dept urgent"));

    /* Not matching the first rule: the catch-all third rule wins alone. */
    struct ticket_rec u = create(&cust, "Password reset");
    cr_assert_str_eq(u.department, "account");
    cr_assert_str_eq(u.priority, "normal");
    cr_assert_eq(u.ntags, 1);
    cr_assert_str_eq(u.tags[0], "late");

    /* Reordered: the catch-all first now stops everything else. Disabled rules are
     * skipped. */
    json_t *list = NULL;
    cr_assert_eq(routing_rule_list(fx.db, &adm, &list), 0);
    cr_assert_eq(json_array_size(list), 3);
    int64_t r3 = json_integer_value(json_object_get(json_array_get(list, 2), "id"));
    json_decref(list);
    int64_t order[3] = {r3, r1, r2};
    struct fd_error err = {0};
    cr_assert_eq(routing_rule_reorder(fx.db, &adm, order, 3, &err), 0, "%s", err.message);
    struct ticket_rec w = create(&cust, "Withdrawal again");
    cr_assert_str_eq(w.department, "account");
    cr_assert_str_eq(w.tags[0], "late");
    json_t *patch = J("{\"enabled\":false}"), *out = NULL;
    cr_assert_eq(routing_rule_update(fx.db, &adm, r3, patch, &out, &err), 0, "%s", err.message);
    json_decref(patch);
    json_decref(out);
    struct ticket_rec x = create(&cust, "Withdrawal third");
    cr_assert_str_eq(x.department, "deposits");
    cr_assert_str_eq(x.priority, "urgent");
    /* A bad reorder changes nothing. */
    int64_t bad[3] = {r1, r1, r2};
    cr_assert_eq(routing_rule_reorder(fx.db, &adm, bad, 3, &err), FD_EINVAL);
    /* Only admins manage rules. */
    struct auth_actor agent = fixture_actor(&fx, "ag@fd.test", ROLE_AGENT, "account", 1);
    cr_assert_eq(routing_rule_list(fx.db, &agent, &list), FD_EFORBIDDEN);
}

Test(routing, vip_rule_reads_customer_attributes)
{
    struct auth_actor adm = admin();
    struct auth_actor cust = fixture_actor(&fx, "vip@fd.test", ROLE_CUSTOMER, NULL, 0);
    add_rule(&adm, "{\"name\":\"VIP\",\"conditions\":{\"all\":[{\"field\":\"vip_level\",\"op\":"
                   "\"gte\",\"value\":3}]},\"actions\":{\"tier\":2,\"priority\":\"high\"}}");
    struct ticket_rec t = create(&cust, "Hello");
    cr_assert_eq(t.tier, 1);
    struct fd_error err = {0};
    cr_assert_eq(routing_user_set_attrs(fx.db, &adm, "vip@fd.test", 4, "de", &err), 0, "%s",
                 err.message);
    cr_assert_eq(routing_user_set_attrs(fx.db, &adm, "vip@fd.test", 9, NULL, &err), FD_EINVAL);
    cr_assert_eq(routing_user_set_attrs(fx.db, &adm, "vip@fd.test", -1, "not a tag!", &err),
                 FD_EINVAL);
    t = create(&cust, "Hello again");
    cr_assert_eq(t.tier, 2);
    cr_assert_str_eq(t.priority, "high");
}

static struct auth_actor online_agent(const char *email, int capacity)
{
    struct auth_actor a = fixture_actor(&fx, email, ROLE_AGENT, "deposits", 1);
    struct fd_error err = {0};
    cr_assert_eq(chat_agent_set_status(fx.db, &a, "online", 0, &err), 0, "%s", err.message);
    cr_assert_eq(store_routing_agent_set_capacity(fx.db, a.user.id, capacity), 0);
    return a;
}

Test(routing, auto_assignment_round_robin_least_loaded_capacity_and_reassignment)
{
    struct auth_actor adm = admin();
    struct auth_actor cust = fixture_actor(&fx, "c@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor a1 = online_agent("a1@fd.test", 2);
    struct auth_actor a2 = online_agent("a2@fd.test", 2);
    add_rule(&adm, "{\"name\":\"Auto\",\"conditions\":{},"
                   "\"actions\":{\"department\":\"deposits\",\"assign\":\"auto\"}}");
    /* round-robin: a1 (never assigned, smaller id), a2, a1, a2, then everyone is full */
    int64_t want[4] = {a1.user.id, a2.user.id, a1.user.id, a2.user.id};
    int64_t ids[5];
    for (int i = 0; i < 4; i++) {
        struct ticket_rec t = create(&cust, "Deposit");
        cr_assert_eq(t.assignee_id, want[i], "ticket %d went to %lld", i, (long long)t.assignee_id);
        cr_assert(has_event(t.id, "assigned", "round_robin"));
        ids[i] = t.id;
    }
    struct ticket_rec full = create(&cust, "Deposit 5");
    cr_assert_eq(full.assignee_id, 0);
    cr_assert(has_event(full.id, "routing_pooled", NULL));
    ids[4] = full.id;

    /* a1 goes away: their two tickets go to a2 if it had room (it has not) → the pool. */
    struct fd_error err = {0};
    cr_assert_eq(chat_agent_set_status(fx.db, &a1, "away", 0, &err), 0, "%s", err.message);
    struct ticket_rec t;
    cr_assert_eq(store_ticket_get(fx.db, ids[0], &t), 0);
    cr_assert_eq(t.assignee_id, 0);
    cr_assert(has_event(ids[0], "assigned", "agent away"));
    /* A new agent comes online: the pool drains to them, oldest first, up to capacity. */
    struct auth_actor a3 = fixture_actor(&fx, "a3@fd.test", ROLE_AGENT, "deposits", 1);
    cr_assert_eq(store_routing_agent_set_capacity(fx.db, a3.user.id, 2), 0);
    cr_assert_eq(store_ticket_get(fx.db, ids[0], &t), 0);
    cr_assert_eq(t.assignee_id, 0, "nobody is online with room yet");
    cr_assert_eq(chat_agent_set_status(fx.db, &a3, "online", 0, &err), 0, "%s", err.message);
    cr_assert_eq(store_ticket_get(fx.db, ids[0], &t), 0);
    cr_assert_eq(t.assignee_id, a3.user.id);
    cr_assert_eq(store_ticket_get(fx.db, ids[2], &t), 0);
    cr_assert_eq(t.assignee_id, a3.user.id);
    cr_assert_eq(store_ticket_get(fx.db, ids[4], &t), 0);
    cr_assert_eq(t.assignee_id, 0, "a3 is full at 2");

    /* least-loaded: a2 is solved down to 0 open tickets, a3 keeps 2. */
    cr_assert_eq(routing_dept_set_method(fx.db, &adm, "deposits", "least_loaded", &err), 0);
    cr_assert_eq(routing_dept_set_method(fx.db, &adm, "deposits", "random", &err), FD_EINVAL);
    struct ticket_patch p = {0};
    p.status = "solved";
    cr_assert_eq(tickets_update(fx.db, &a2, ids[1], &p, &t, &err), 0, "%s", err.message);
    cr_assert_eq(tickets_update(fx.db, &a2, ids[3], &p, &t, &err), 0, "%s", err.message);
    cr_assert_eq(store_routing_agent_set_capacity(fx.db, a3.user.id, 5), 0);
    /* The next new ticket does not overtake the pool: the pooled ticket (ids[4]) is
     * assigned first, to the least loaded agent (a2, 0 open), then the new one (a2 has 1,
     * a3 has 2). */
    struct ticket_rec n = create(&cust, "Deposit 6");
    cr_assert_eq(store_ticket_get(fx.db, ids[4], &t), 0);
    cr_assert_eq(t.assignee_id, a2.user.id);
    cr_assert(has_event(ids[4], "assigned", "least_loaded"));
    cr_assert_eq(n.assignee_id, a2.user.id);
    cr_assert(has_event(n.id, "assigned", "least_loaded"));

    /* Disabled: a2's two open tickets move to a3 (capacity 5, load 2). */
    cr_assert_eq(auth_user_set_disabled(fx.db, "a2@fd.test", 1, &err), 0);
    int moved = 0;
    cr_assert_eq(routing_agent_release_email(fx.db, "a2@fd.test", &moved), 0);
    cr_assert_eq(moved, 2);
    cr_assert_eq(store_ticket_get(fx.db, n.id, &t), 0);
    cr_assert_eq(t.assignee_id, a3.user.id);
    cr_assert(has_event(n.id, "assigned", "agent disabled"));
    cr_assert_eq(store_ticket_get(fx.db, ids[4], &t), 0);
    cr_assert_eq(t.assignee_id, a3.user.id);
}

static int last_body(void *ctx, const struct message_rec *m)
{
    snprintf(ctx, 256, "%s", m->body);
    return 0;
}

Test(routing, macros_render_apply_and_rule_auto_reply)
{
    struct auth_actor adm = admin();
    struct auth_actor cust = fixture_actor(&fx, "c@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor agent = fixture_actor(&fx, "ag@fd.test", ROLE_AGENT, "account", 1);
    struct fd_error err = {0};
    json_t *out = NULL;
    json_t *bad = J("{\"name\":\"Bad\",\"body\":\"Hi {{customer.password}}\"}");
    cr_assert_eq(routing_macro_create(fx.db, &adm, bad, &out, &err), FD_EINVAL);
    cr_assert(strstr(err.message, "customer.password"), "%s", err.message);
    json_decref(bad);
    json_t *m = J("{\"name\":\"Need TXID\",\"body\":\"Hello {{customer.name}}, about {{ "
                  "ticket.ref }}: please send the TXID. {{agent.name}}\","
                  "\"actions\":{\"status\":\"pending\",\"add_tags\":[\"need-txid\"]}}");
    cr_assert_eq(routing_macro_create(fx.db, &agent, m, &out, &err), FD_EFORBIDDEN);
    cr_assert_eq(routing_macro_create(fx.db, &adm, m, &out, &err), 0, "%s", err.message);
    int64_t mid = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(m);

    struct ticket_rec t = create(&cust, "Where is my deposit");
    struct ticket_rec after;
    int64_t msg = 0;
    cr_assert_eq(routing_macro_apply(fx.db, &cust, t.id, mid, &after, &msg, &err), FD_EFORBIDDEN);
    cr_assert_eq(routing_macro_apply(fx.db, &agent, t.id, mid, &after, &msg, &err), 0, "%s",
                 err.message);
    cr_assert_str_eq(after.status, "pending");
    cr_assert_eq(after.ntags, 1);
    cr_assert_str_eq(after.tags[0], "need-txid");
    cr_assert(has_event(t.id, "macro_applied", "Need TXID"));
    char *text =
        routing_macro_render("{{customer.name}}/{{ticket.ref}}/{{agent.name}}", &after, "Ann");
    char want[128];
    snprintf(want, sizeof(want), "c@fd.test/FD-%lld/Ann", (long long)(10000 + t.id));
    cr_assert_str_eq(text, want);
    free(text);

    /* A rule sends the macro as an automatic public reply authored by the rule's editor. */
    char rule[256];
    snprintf(rule, sizeof(rule),
             "{\"name\":\"Ask TXID\",\"conditions\":{\"all\":[{\"field\":\"subject\",\"op\":"
             "\"contains\",\"value\":\"txid\"}]},\"actions\":{\"macro\":%lld}}",
             (long long)mid);
    add_rule(&adm, rule);
    struct ticket_rec r = create(&cust, "Missing TXID deposit");
    cr_assert_str_eq(r.status, "pending");
    cr_assert(has_event(r.id, "macro_applied", NULL));
    cr_assert(has_event(r.id, "message_added", "\"internal\":false"));
    /* The reply is rendered from the stored ticket (the requester's name is known). */
    char body[256] = "";
    cr_assert_eq(store_message_list(fx.db, r.id, 0, last_body, body), 0);
    snprintf(want, sizeof(want),
             "Hello c@fd.test, about FD-%lld: please send the TXID. admin@fd.test",
             (long long)(10000 + r.id));
    cr_assert_str_eq(body, want);
}
