/* Live chat domain: availability, queue, routing, messages, lifecycle and access. */
#include "chat/chat.h"
#include "core/err.h"
#include "tickets/tickets.h"
#include "core/timeutil.h"
#include "helpers.h"

#include <jansson.h>

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
    /* Not routed yet: 2 + 1 free slots, so c1..c3 are taken at once. */
    cr_assert_eq(est, 0);
    r = get(c4);
    cr_assert_eq(chat_position(fx.db, &r, &pos, &est), 0);
    cr_assert_eq(pos, 3);
    /* c4 waits for the first end: ceil((3 - 3 free + 1) / 2 agents) * 300 s (no ended
     * chats yet). */
    cr_assert_eq(est, 300);

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
    /* Head of the queue, every agent busy: it waits for the first of two agents to end
     * a chat, ceil((0 + 1) / 2) * 300 s. */
    cr_assert_eq(est, 300);

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
    struct auth_actor a = agent("a1@x.test", 1, 1);
    char tok[CHAT_TOKEN_HEX + 1];
    int64_t c1 = start_visitor("v1@c.test", tok);
    int64_t c2 = start_visitor("v2@c.test", tok);
    struct chat_rec r = get(c1);
    (void)c2;
    /* Two ended chats of the department: handled in 100 s and 200 s → mean 150 s. */
    cr_assert_eq(db_exec(fx.db, "UPDATE chats SET status = 'ended', assigned_at = 1000, "
                                "ended_at = 101000 WHERE id = 1"),
                 0);
    cr_assert_eq(db_exec(fx.db, "UPDATE chats SET status = 'ended', assigned_at = 1000, "
                                "ended_at = 201000 WHERE id = 2"),
                 0);
    int64_t est = -1;
    /* a has a free slot: the next chat is taken at once. */
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 0, &est), 0);
    cr_assert_eq(est, 0);
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 1, &est), 0);
    cr_assert_eq(est, 150, "one free slot, one ahead: ceil((1 - 1 + 1) / 1) * 150");
    /* a busy: the head of the queue waits for a's chat to end. */
    int64_t c3 = start_visitor("v3@c.test", tok);
    int64_t ids[2];
    cr_assert_eq(route(ids, 2), 1);
    cr_assert_eq(get(c3).agent_id, a.user.id);
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 0, &est), 0);
    cr_assert_eq(est, 150, "head of the queue, nobody free: ceil((0 + 1) / 1) * 150");
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 3, &est), 0);
    cr_assert_eq(est, 600, "one agent: ceil((3 + 1) / 1) * 150");
    /* A second agent, busy too: chats end twice as fast. */
    struct auth_actor b = agent("a2@x.test", 1, 1);
    int64_t c4 = start_visitor("v4@c.test", tok);
    cr_assert_eq(route(ids, 2), 1);
    cr_assert_eq(get(c4).agent_id, b.user.id);
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 0, &est), 0);
    cr_assert_eq(est, 150, "two agents: ceil((0 + 1) / 2) * 150");
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 3, &est), 0);
    cr_assert_eq(est, 300, "two agents: ceil((3 + 1) / 2) * 150");
    cr_assert_eq(chat_estimate(fx.db, r.department_id, 1, 4, &est), 0);
    cr_assert_eq(est, 450, "two agents: ceil((4 + 1) / 2) * 150");
    /* The stored estimate of a chat that queues behind busy agents is not 0. */
    struct chat_rec q;
    struct fd_error err = {0};
    cr_assert_eq(chat_start(fx.db, NULL, "v5@c.test", NULL, "deposits", "hi", &q, tok, &err), 0);
    cr_assert_eq(q.estimate_s, 150);
    int pos = -1;
    cr_assert_eq(chat_position(fx.db, &q, &pos, &est), 0);
    cr_assert_eq(pos, 0);
    cr_assert_eq(est, 150);
}

/* ---- files ----------------------------------------------------------------------- */

/* A 1x1 PNG. */
static const unsigned char png1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0xe2, 0x21, 0xbc, 0x33, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static int find_att(void *ctx, const struct chat_msg_rec *m)
{
    struct chat_msg_rec *out = ctx;
    if (m->attachment_id)
        *out = *m;
    return 0;
}

static int count_atts(void *ctx, const struct attachment_rec *a)
{
    struct attachment_rec *out = ctx;
    *out = *a;
    out->created_at++; /* used as a counter below */
    return 0;
}

Test(chat, attach_download_and_convert)
{
    struct auth_actor a = agent("a1@x.test", 1, 2);
    char tok[CHAT_TOKEN_HEX + 1], tok2[CHAT_TOKEN_HEX + 1];
    int64_t c = start_visitor("v1@c.test", tok);
    int64_t other = start_visitor("v2@c.test", tok2);
    int64_t ids[4];
    cr_assert_eq(route(ids, 4), 2);
    struct chat_who vis = {NULL, tok}, vis2 = {NULL, tok2}, wa = {&a, NULL};
    struct chat_file_rec f;
    struct fd_error err = {0};
    int64_t seq = 0;
    cr_assert_eq(chat_attach(fx.db, &vis, c, fx.dir, "shot \"1\".png", png1, sizeof(png1), 1024, &f,
                             &seq, &err),
                 0, "%s", err.message);
    cr_assert_str_eq(f.content_type, "image/png");
    cr_assert_str_eq(f.filename, "shot _1_.png", "quotes never reach Content-Disposition");
    cr_assert_eq(f.size, (int64_t)sizeof(png1));
    cr_assert_gt(seq, 0);
    /* The message names the file; its JSON has the chat's download URL. */
    struct chat_msg_rec m;
    memset(&m, 0, sizeof(m));
    cr_assert_eq(chat_messages(fx.db, &vis, c, 0, find_att, &m), 0);
    cr_assert_eq(m.seq, seq);
    cr_assert_eq(m.attachment_id, f.id);
    cr_assert_str_eq(m.attachment_filename, f.filename);
    cr_assert_eq(m.attachment_size, f.size);
    json_t *j = chat_attachment_json(&m);
    char url[96];
    snprintf(url, sizeof(url), "/api/v1/chat/%lld/attachments/%lld", (long long)c, (long long)f.id);
    cr_assert_str_eq(json_string_value(json_object_get(j, "url")), url);
    cr_assert_str_eq(json_string_value(json_object_get(j, "content_type")), "image/png");
    json_decref(j);
    /* Download: the bytes under the path are the ones sent. */
    struct chat_file_rec g;
    char path[2048];
    cr_assert_eq(chat_file_get(fx.db, &wa, c, f.id, fx.dir, &g, path, sizeof(path)), 0);
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    unsigned char back[256];
    size_t n = fread(back, 1, sizeof(back), fp);
    fclose(fp);
    cr_assert_eq(n, sizeof(png1));
    cr_assert_eq(memcmp(back, png1, n), 0);
    /* Someone else's chat, or the file through another chat: not found. */
    cr_assert_eq(chat_file_get(fx.db, &vis2, c, f.id, fx.dir, &g, path, sizeof(path)),
                 FD_ENOTFOUND);
    cr_assert_eq(chat_file_get(fx.db, &vis2, other, f.id, fx.dir, &g, path, sizeof(path)),
                 FD_ENOTFOUND);
    cr_assert_eq(
        chat_attach(fx.db, &vis2, c, fx.dir, "x.png", png1, sizeof(png1), 1024, &f, &seq, &err),
        FD_ENOTFOUND);
    /* Too big, a type outside the list, empty, a supervisor (reads only). */
    cr_assert_eq(
        chat_attach(fx.db, &vis, c, fx.dir, "x.png", png1, sizeof(png1), 10, &f, &seq, &err),
        FD_ELIMIT);
    static const unsigned char elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1,    0, 0, 0, 0, 0,
                                        0,    0,   0,   0,   2, 0, 0x3e, 0, 1, 0, 0, 0};
    cr_assert_eq(
        chat_attach(fx.db, &vis, c, fx.dir, "x.bin", elf, sizeof(elf), 1024, &f, &seq, &err),
        FD_ETYPE);
    cr_assert_eq(chat_attach(fx.db, &vis, c, fx.dir, "x.txt", "", 0, 1024, &f, &seq, &err),
                 FD_EINVAL);
    struct auth_actor sup = fixture_actor(&fx, "sup@x.test", ROLE_SUPERVISOR, NULL, 0);
    struct chat_who ws = {&sup, NULL};
    cr_assert_eq(chat_attach(fx.db, &ws, c, fx.dir, "x.txt", "hello\n", 6, 1024, &f, &seq, &err),
                 FD_EFORBIDDEN);
    /* The agent sends a text file too. */
    struct chat_file_rec f2;
    cr_assert_eq(chat_attach(fx.db, &wa, c, fx.dir, "steps.txt", "1. sign in\n2. retry\n", 20, 1024,
                             &f2, &seq, &err),
                 0, "%s", err.message);
    cr_assert_str_eq(f2.content_type, "text/plain");

    /* Converted: the ticket carries both files (same blobs), on the thread's messages. */
    int64_t tid = 0;
    cr_assert_eq(chat_convert(fx.db, &a, c, &tid, &err), 0, "%s", err.message);
    struct attachment_rec last;
    memset(&last, 0, sizeof(last));
    cr_assert_eq(store_attachment_list(fx.db, tid, count_atts, &last), 0);
    cr_assert_str_eq(last.sha256, f2.sha256);
    cr_assert_str_eq(last.filename, "steps.txt");
    cr_assert_gt(last.message_id, 0);
    struct auth_actor cust = {0};
    cr_assert_eq(store_user_get(fx.db, get(c).customer_id, &cust.user), 0);
    cust.scopes = SCOPE_ALL;
    struct attachment_rec got;
    cr_assert_eq(tickets_attachment_get(fx.db, &cust, last.id, fx.dir, &got, path, sizeof(path)), 0,
                 "the customer sees the agent's file on the ticket");
    cr_assert_eq(
        tickets_attachment_get(fx.db, &cust, last.id - 1, fx.dir, &got, path, sizeof(path)), 0);
    cr_assert_str_eq(got.content_type, "image/png");
    cr_assert_eq(got.ticket_id, tid);
    fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    n = fread(back, 1, sizeof(back), fp);
    fclose(fp);
    cr_assert_eq(n, sizeof(png1));
    cr_assert_eq(memcmp(back, png1, n), 0);
}

/* ---- search ---------------------------------------------------------------------- */

struct found {
    int64_t ids[16];
    int n;
};

static int collect_found(void *ctx, const struct chat_rec *c)
{
    struct found *f = ctx;
    if (f->n < 16)
        f->ids[f->n++] = c->id;
    return 0;
}

static struct found search(const struct auth_actor *a, const char *dept, const char *text,
                           const char *status, int64_t before, int limit)
{
    struct chat_search s;
    memset(&s, 0, sizeof(s));
    s.text = text;
    s.status = status;
    s.before_id = before;
    s.limit = limit;
    struct found f;
    memset(&f, 0, sizeof(f));
    struct fd_error err = {0};
    cr_assert_eq(chat_search(fx.db, a, dept, &s, collect_found, &f, &err), 0, "%s", err.message);
    return f;
}

Test(chat, search_scope_text_and_paging)
{
    struct auth_actor a = agent("a1@x.test", 1, 5);
    struct auth_actor t = fixture_actor(&fx, "t1@x.test", ROLE_AGENT, "trading", 1);
    struct fd_error err = {0};
    cr_assert_eq(chat_agent_set_status(fx.db, &t, "online", 5, &err), 0);
    struct auth_actor sup = fixture_actor(&fx, "sup@x.test", ROLE_SUPERVISOR, NULL, 0);
    struct auth_actor cust = fixture_actor(&fx, "carol@c.test", ROLE_CUSTOMER, NULL, 0);
    struct chat_rec c1, c2, c3;
    char tok[CHAT_TOKEN_HEX + 1];
    cr_assert_eq(chat_start(fx.db, &cust, NULL, NULL, "deposits", "My USDT deposit is missing", &c1,
                            tok, &err),
                 0);
    cr_assert_eq(chat_start(fx.db, NULL, "dave@v.test", "Dave", "trading", "Order 50% filled", &c2,
                            tok, &err),
                 0);
    cr_assert_eq(chat_start(fx.db, NULL, "erin@v.test", "Erin", "deposits", "Where is my BTC?", &c3,
                            tok, &err),
                 0);
    int64_t ids[4];
    cr_assert_eq(route(ids, 4), 3);
    struct chat_who wa = {&a, NULL};
    int64_t seq;
    int dup;
    cr_assert_eq(chat_post(fx.db, &wa, c3.id, "Please send the TXID", NULL, 0, &seq, &dup, &err),
                 0);

    /* A word of a message (any case), the customer's email or name. */
    struct found f = search(&sup, NULL, "txid", NULL, 0, 25);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c3.id);
    f = search(&sup, NULL, "dave@v.test", NULL, 0, 25);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c2.id);
    f = search(&sup, NULL, "carol", NULL, 0, 25);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c1.id);
    /* Wildcards are literal: "%" matches the chat that has one, "_" none. */
    f = search(&sup, NULL, "%", NULL, 0, 25);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c2.id);
    cr_assert_eq(search(&sup, NULL, "_", NULL, 0, 25).n, 0);
    /* Supervisors see all, newest first; paging with the cursor. */
    f = search(&sup, NULL, NULL, NULL, 0, 2);
    cr_assert_eq(f.n, 2);
    cr_assert_eq(f.ids[0], c3.id);
    cr_assert_eq(f.ids[1], c2.id);
    f = search(&sup, NULL, NULL, NULL, f.ids[1], 2);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c1.id);
    /* Department and status filters. */
    cr_assert_eq(search(&sup, "trading", NULL, NULL, 0, 25).n, 1);
    cr_assert_eq(search(&sup, NULL, NULL, "active", 0, 25).n, 3);
    cr_assert_eq(search(&sup, NULL, NULL, "ended", 0, 25).n, 0);
    /* Agents: their department only. */
    f = search(&a, NULL, NULL, NULL, 0, 25);
    cr_assert_eq(f.n, 2);
    cr_assert_eq(f.ids[0], c3.id);
    cr_assert_eq(f.ids[1], c1.id);
    cr_assert_eq(search(&a, NULL, "dave", NULL, 0, 25).n, 0);
    cr_assert_eq(search(&a, "trading", NULL, NULL, 0, 25).n, 0);
    f = search(&t, NULL, NULL, NULL, 0, 25);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c2.id);
    /* Customers: their own chats only. */
    f = search(&cust, NULL, NULL, NULL, 0, 25);
    cr_assert_eq(f.n, 1);
    cr_assert_eq(f.ids[0], c1.id);
    cr_assert_eq(search(&cust, NULL, "TXID", NULL, 0, 25).n, 0);
    /* Bad filters. */
    struct chat_search s;
    memset(&s, 0, sizeof(s));
    s.status = "open";
    struct found none = {{0}, 0};
    cr_assert_eq(chat_search(fx.db, &sup, NULL, &s, collect_found, &none, &err), FD_EINVAL);
    s.status = NULL;
    cr_assert_eq(chat_search(fx.db, &sup, "nope", &s, collect_found, &none, &err), FD_EINVAL);
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
