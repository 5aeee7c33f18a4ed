/* Live chat domain: availability, queue, routing, messages, lifecycle and access. */
#include "chat/chat.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "helpers.h"

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
}
static void teardown(void)
{
    fixture_close(&fx);
}

TestSuite(chat, .init = setup, .fini = teardown);

static struct auth_actor agent(const char *email, int tier, int capacity)
{
    struct auth_actor a = fixture_actor(&fx, email, ROLE_AGENT, "deposits", tier);
    struct fd_error err = {0};
    cr_assert_eq(chat_agent_set_status(fx.db, &a, "online", capacity, &err), 0, "%s", err.message);
    return a;
}

static int64_t start_visitor(const char *email, char token[CHAT_TOKEN_HEX + 1])
{
    struct chat_rec c;
    struct fd_error err = {0};
    int rc = chat_start(fx.db, NULL, email, "Visitor", "deposits", "My deposit is missing", &c,
                        token, &err);
    cr_assert_eq(rc, 0, "start: %s", err.message);
    cr_assert_str_eq(c.status, "queued");
    return c.id;
}

static int route(int64_t *ids, int max)
{
    int n = -1;
    cr_assert_eq(chat_route(fx.db, ids, max, &n), 0);
    return n;
}

static struct chat_rec get(int64_t id)
{
    struct auth_actor sup = {0};
    sup.user.role = ROLE_SUPERVISOR;
    sup.user.id = 999999;
    struct chat_who w = {&sup, NULL};
    struct chat_rec c;
    cr_assert_eq(chat_get(fx.db, &w, id, &c), 0);
    return c;
}

Test(chat, availability_reasons)
{
    struct chat_availability av;
    struct fd_error err = {0};
    int64_t now = fd_now_ms();
    cr_assert_eq(chat_availability(fx.db, "deposits", now, &av, &err), 0);
    cr_assert_str_eq(av.reason, "no_agents");
    cr_assert_eq(av.online, 0);
    cr_assert_eq(chat_availability(fx.db, "nope", now, &av, &err), FD_EINVAL);

    struct auth_actor a = agent("a1@x.test", 1, 1);
    cr_assert_eq(chat_availability(fx.db, "deposits", now, &av, &err), 0);
    cr_assert_str_eq(av.reason, "ok");
    cr_assert_eq(av.online, 1);
    cr_assert_eq(av.agents_available, 1);

    /* 2026-11-25 is a Wednesday (3); 12:00 UTC. Open 09:00-17:00 at UTC+1 Wednesdays. */
    int64_t wed_noon = 1795608000000LL;
    struct chat_hours h = {3, 9 * 60, 17 * 60};
    cr_assert_eq(chat_hours_set(fx.db, "deposits", &h, 1, 60, &err), 0, "%s", err.message);
    cr_assert_eq(chat_availability(fx.db, "deposits", wed_noon, &av, &err), 0);
    cr_assert_str_eq(av.reason, "ok");
    /* 16:30 UTC is 17:30 at UTC+1: closed. */
    cr_assert_eq(chat_availability(fx.db, "deposits", wed_noon + 270 * 60000LL, &av, &err), 0);
    cr_assert_str_eq(av.reason, "closed");
    /* Thursday noon: closed. */
    cr_assert_eq(chat_availability(fx.db, "deposits", wed_noon + 86400000LL, &av, &err), 0);
    cr_assert_str_eq(av.reason, "closed");
    cr_assert_eq(chat_hours_set(fx.db, "deposits", NULL, 0, 0, &err), 0);
    struct chat_hours bad = {3, 600, 500};
    cr_assert_eq(chat_hours_set(fx.db, "deposits", &bad, 1, 0, &err), FD_EINVAL);

    /* At capacity: full; a new chat may still wait in the queue (not assigned). */
    char tok[CHAT_TOKEN_HEX + 1];
    start_visitor("v1@c.test", tok);
    int64_t ids[4];
    cr_assert_eq(route(ids, 4), 1);
    cr_assert_eq(chat_availability(fx.db, "deposits", fd_now_ms(), &av, &err), 0);
    cr_assert_str_eq(av.reason, "full");
    struct chat_rec c;
    cr_assert_eq(chat_start(fx.db, NULL, "v2@c.test", NULL, "deposits", "hi", &c, tok, &err), 0);
    cr_assert_str_eq(c.status, "queued");
    cr_assert_eq(route(ids, 4), 0, "capacity respected: nobody is assigned the second chat");
    (void)a;
}

Test(chat, queue_order_positions_and_routing)
{
    struct auth_actor a = agent("a1@x.test", 1, 2);
    struct auth_actor b = agent("a2@x.test", 1, 1);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c1 = start_visitor("v1@c.test", tok);
    int64_t c2 = start_visitor("v2@c.test", tok);
    int64_t c3 = start_visitor("v3@c.test", tok);
    int64_t c4 = start_visitor("v4@c.test", tok);
    int pos;
    int64_t est;
    struct chat_rec r = get(c3);
    cr_assert_eq(chat_position(fx.db, &r, &pos, &est), 0);
    cr_assert_eq(pos, 2);
    /* No ended chats: 300 s mean; 2 agents online: ceil(2/2) * 300. */
    cr_assert_eq(est, 300);
    r = get(c4);
    cr_assert_eq(chat_position(fx.db, &r, &pos, &est), 0);
    cr_assert_eq(pos, 3);
    cr_assert_eq(est, 600);

    int64_t ids[8];
    /* Capacity 2 + 1: three chats are assigned, in queue order, c4 waits. */
    cr_assert_eq(route(ids, 8), 3);
    cr_assert_eq(ids[0], c1);
    cr_assert_eq(ids[1], c2);
    cr_assert_eq(ids[2], c3);
    /* c1 → a (tie on load and last assignment: lower id), c2 → b (least loaded),
     * c3 → a (b is at capacity). */
    cr_assert_eq(get(c1).agent_id, a.user.id);
    cr_assert_eq(get(c2).agent_id, b.user.id);
    cr_assert_eq(get(c3).agent_id, a.user.id);
    r = get(c4);
    cr_assert_str_eq(r.status, "queued");
    cr_assert_eq(chat_position(fx.db, &r, &pos, &est), 0);
    cr_assert_eq(pos, 0);
    cr_assert_eq(est, 0);

    /* The customer's batch size limit: route returns at most max. */
    struct fd_error err = {0};
    struct chat_who wa = {&a, NULL};
    cr_assert_eq(chat_end(fx.db, &wa, c1, &err), 0);
    cr_assert_eq(route(ids, 8), 1);
    cr_assert_eq(ids[0], c4);
    cr_assert_eq(get(c4).agent_id, a.user.id);
    cr_assert_eq(route(ids, 8), 0);
}

Test(chat, tie_break_longest_since_last_assignment)
{
    struct auth_actor a = agent("a1@x.test", 1, 1);
    struct auth_actor b = agent("a2@x.test", 1, 1);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c1 = start_visitor("v1@c.test", tok);
    int64_t ids[4];
    cr_assert_eq(route(ids, 4), 1);
    cr_assert_eq(get(c1).agent_id, a.user.id);
    struct chat_who wa = {&a, NULL};
    struct fd_error err = {0};
    cr_assert_eq(chat_end(fx.db, &wa, c1, &err), 0);
    /* Both idle now; b has waited longer (never assigned). */
    int64_t c2 = start_visitor("v2@c.test", tok);
    cr_assert_eq(route(ids, 4), 1);
    cr_assert_eq(get(c2).agent_id, b.user.id);
}

Test(chat, nobody_skipped_and_tiers)
{
    agent("a1@x.test", 2, 3);
    struct auth_actor t1 = agent("t1@x.test", 1, 1);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c1 = start_visitor("v1@c.test", tok);
    int64_t c2 = start_visitor("v2@c.test", tok);
    int64_t ids[4];
    /* Only the tier-1 agent takes tier-1 chats, one at a time, oldest first. */
    cr_assert_eq(route(ids, 4), 1);
    cr_assert_eq(ids[0], c1);
    cr_assert_eq(get(c1).agent_id, t1.user.id);
    cr_assert_str_eq(get(c2).status, "queued");
}

Test(chat, messages_seq_idempotence_and_access)
{
    struct auth_actor a = agent("a1@x.test", 1, 2);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c = start_visitor("v1@c.test", tok);
    struct chat_who vis = {NULL, tok};
    struct chat_who wrong = {NULL,
                             "0000000000000000000000000000000000000000000000000000000000000000"};
    struct chat_who wa = {&a, NULL};
    struct fd_error err = {0};
    int64_t seq = 0, seq2 = 0;
    int dup = -1;
    struct chat_rec r;
    cr_assert_eq(chat_get(fx.db, &vis, c, &r), 0);
    cr_assert_eq(chat_get(fx.db, &wrong, c, &r), FD_ENOTFOUND);
    /* Not yet assigned: the agent does not see it. */
    cr_assert_eq(chat_get(fx.db, &wa, c, &r), FD_ENOTFOUND);
    struct auth_actor other = fixture_actor(&fx, "other@c.test", ROLE_CUSTOMER, NULL, 0);
    struct chat_who wo = {&other, NULL};
    cr_assert_eq(chat_get(fx.db, &wo, c, &r), FD_ENOTFOUND);
    cr_assert_eq(chat_post(fx.db, &wo, c, "hi", NULL, 0, &seq, &dup, &err), FD_ENOTFOUND);

    cr_assert_eq(chat_post(fx.db, &vis, c, "still there?", "cid-1", 0, &seq, &dup, &err), 0);
    cr_assert_eq(seq, 2);
    cr_assert_eq(dup, 0);
    cr_assert_eq(chat_post(fx.db, &vis, c, "still there?", "cid-1", 0, &seq2, &dup, &err), 0);
    cr_assert_eq(seq2, 2);
    cr_assert_eq(dup, 1);
    int64_t ids[2];
    cr_assert_eq(route(ids, 2), 1);
    cr_assert_eq(chat_post(fx.db, &wa, c, "Hello", "cid-1", 0, &seq, &dup, &err), 0);
    cr_assert_eq(seq, 4, "the join message is seq 3");
    cr_assert_eq(dup, 0);
    cr_assert_eq(chat_post(fx.db, &wa, c, "", NULL, 0, &seq, &dup, &err), FD_EINVAL);
    cr_assert_eq(chat_read(fx.db, &vis, c, 4), 0);
    cr_assert_eq(get(c).last_seq, 4);
}

static int count_kind(void *ctx, const struct chat_msg_rec *m)
{
    int *n = ctx;
    if (strcmp(m->kind, "note") == 0)
        n[0]++;
    n[1]++;
    return 0;
}

Test(chat, transfer_and_escalate)
{
    struct auth_actor a = agent("a1@x.test", 1, 1);
    struct auth_actor b = fixture_actor(&fx, "b@x.test", ROLE_AGENT, "deposits", 1);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c = start_visitor("v1@c.test", tok);
    int64_t ids[2];
    cr_assert_eq(route(ids, 2), 1);
    struct fd_error err = {0};
    struct chat_who vis = {NULL, tok};
    struct auth_actor cust = {0};
    cust.user = (struct user_rec){0};
    /* b is offline: 409. */
    cr_assert_eq(chat_transfer(fx.db, &a, c, b.user.id, &err), FD_ECONFLICT);
    cr_assert_eq(chat_agent_set_status(fx.db, &b, "online", 1, &err), 0);
    cr_assert_eq(chat_transfer(fx.db, &a, c, b.user.id, &err), 0, "%s", err.message);
    cr_assert_eq(get(c).agent_id, b.user.id);
    /* a no longer handles it. */
    cr_assert_eq(chat_transfer(fx.db, &a, c, a.user.id, &err), FD_ENOTFOUND);
    /* b is at capacity now: transferring to b from elsewhere would be refused. */
    cr_assert_eq(chat_transfer(fx.db, &b, c, 424242, &err), FD_EINVAL);

    cr_assert_eq(chat_escalate(fx.db, &b, c, "needs on-chain check", &err), 0, "%s", err.message);
    struct chat_rec r = get(c);
    cr_assert_eq(r.tier, 2);
    cr_assert_str_eq(r.status, "queued");
    cr_assert_eq(r.agent_id, 0);
    /* The note is for staff only. */
    int nv[2] = {0, 0}, ns[2] = {0, 0};
    cr_assert_eq(chat_messages(fx.db, &vis, c, 0, count_kind, nv), 0);
    struct auth_actor sup = fixture_actor(&fx, "sup@x.test", ROLE_SUPERVISOR, NULL, 0);
    struct chat_who ws = {&sup, NULL};
    cr_assert_eq(chat_messages(fx.db, &ws, c, 0, count_kind, ns), 0);
    cr_assert_eq(nv[0], 0);
    cr_assert_eq(ns[0], 1);
    cr_assert_eq(ns[1], nv[1] + 1);
    /* No tier-2 agent: stays queued. Escalating past tier 3 is refused. */
    cr_assert_eq(route(ids, 2), 0);
    cr_assert_eq(chat_escalate(fx.db, &sup, c, NULL, &err), 0);
    cr_assert_eq(chat_escalate(fx.db, &sup, c, NULL, &err), FD_ECONFLICT);
    (void)cust;
}

Test(chat, convert_end_and_rating)
{
    struct auth_actor a = agent("a1@x.test", 1, 2);
    struct auth_actor cust = fixture_actor(&fx, "cust@c.test", ROLE_CUSTOMER, NULL, 0);
    struct chat_rec c;
    char tok[CHAT_TOKEN_HEX + 1] = "x";
    struct fd_error err = {0};
    cr_assert_eq(
        chat_start(fx.db, &cust, NULL, NULL, "deposits", "Withdrawal stuck", &c, tok, &err), 0);
    cr_assert_str_eq(tok, "", "signed-in customers get no token");
    int64_t ids[2];
    cr_assert_eq(route(ids, 2), 1);
    struct chat_who wc = {&cust, NULL}, wa = {&a, NULL};
    int64_t seq;
    int dup;
    cr_assert_eq(chat_post(fx.db, &wa, c.id, "Which network?", NULL, 0, &seq, &dup, &err), 0);
    cr_assert_eq(chat_post(fx.db, &wc, c.id, "Tron", NULL, 0, &seq, &dup, &err), 0);
    /* Customers cannot convert; rating before the end is refused. */
    cr_assert_eq(chat_convert(fx.db, &cust, c.id, NULL, &err), FD_EFORBIDDEN);
    cr_assert_eq(chat_rate(fx.db, &wc, c.id, 5, NULL, &err), FD_ECONFLICT);
    int64_t tid = 0;
    cr_assert_eq(chat_convert(fx.db, &a, c.id, &tid, &err), 0, "%s", err.message);
    cr_assert_gt(tid, 0);
    struct chat_rec r = get(c.id);
    cr_assert_str_eq(r.status, "converted");
    cr_assert_eq(r.ticket_id, tid);
    struct ticket_rec t;
    cr_assert_eq(store_ticket_get(fx.db, tid, &t), 0);
    cr_assert_str_eq(t.channel, "chat");
    cr_assert_eq(t.requester_id, cust.user.id);
    cr_assert_eq(t.assignee_id, a.user.id);
    /* The chat has ended: no more messages, no second end. */
    cr_assert_eq(chat_post(fx.db, &wc, c.id, "hello?", NULL, 0, &seq, &dup, &err), FD_ECONFLICT);
    cr_assert_eq(chat_end(fx.db, &wc, c.id, &err), FD_ECONFLICT);
    /* Rating: customer only, 1..5, once. */
    cr_assert_eq(chat_rate(fx.db, &wa, c.id, 5, NULL, &err), FD_EFORBIDDEN);
    cr_assert_eq(chat_rate(fx.db, &wc, c.id, 6, NULL, &err), FD_EINVAL);
    cr_assert_eq(chat_rate(fx.db, &wc, c.id, 4, "quick", &err), 0);
    cr_assert_eq(chat_rate(fx.db, &wc, c.id, 5, NULL, &err), FD_ECONFLICT);
    cr_assert_eq(get(c.id).rating, 4);
    /* Staff cannot start chats. */
    cr_assert_eq(chat_start(fx.db, &a, NULL, NULL, "deposits", "x", &c, tok, &err), FD_EFORBIDDEN);
}

Test(chat, estimate_uses_mean_handling_time)
{
    agent("a1@x.test", 1, 5);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c1 = start_visitor("v1@c.test", tok);
    int64_t c2 = start_visitor("v2@c.test", tok);
    struct chat_rec r = get(c1);
    (void)c2;
    /* Two ended chats of the department: handled in 100 s and 200 s → mean 150 s. */
    int64_t dept = r.department_id;
    (void)dept;
    cr_assert_eq(db_exec(fx.db, "UPDATE chats SET status = 'ended', assigned_at = 1000, "
                                "ended_at = 101000 WHERE id = 1"),
                 0);
    cr_assert_eq(db_exec(fx.db, "UPDATE chats SET status = 'ended', assigned_at = 1000, "
                                "ended_at = 201000 WHERE id = 2"),
                 0);
    int64_t est = -1;
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 0, &est), 0);
    cr_assert_eq(est, 0);
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 1, &est), 0);
    cr_assert_eq(est, 150);
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 3, &est), 0);
    cr_assert_eq(est, 450, "one agent: ceil(3/1) * 150");
    agent("a2@x.test", 1, 5);
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 3, &est), 0);
    cr_assert_eq(est, 300, "two agents: ceil(3/2) * 150");
}

Test(chat, leave_message_opens_a_chat_ticket)
{
    struct ticket_rec t;
    struct fd_error err = {0};
    cr_assert_eq(chat_leave_message(fx.db, NULL, NULL, "new@c.test", "New", "kyc", NULL,
                                    "Please call me back", &t, &err),
                 0, "%s", err.message);
    cr_assert_str_eq(t.channel, "chat");
    cr_assert_str_eq(t.requester_email, "new@c.test");
    cr_assert_eq(chat_leave_message(fx.db, NULL, NULL, NULL, NULL, "kyc", NULL, "x", &t, &err),
                 FD_EINVAL);
    struct auth_actor a = fixture_actor(&fx, "ag@x.test", ROLE_AGENT, "kyc", 1);
    cr_assert_eq(
        chat_leave_message(fx.db, NULL, NULL, "ag@x.test", NULL, "kyc", NULL, "x", &t, &err),
        FD_EFORBIDDEN, "a visitor cannot write as staff");
    (void)a;
}
