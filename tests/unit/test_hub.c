/*
 * Unit tests of the chat hub's pure parts (src/chat/hub_int.h): client message
 * validation, the rate limiter, the send-queue cap, frame byte accounting; and of the
 * WebSocket handshake helpers of src/http (header checks, Sec-WebSocket-Accept, Origin);
 * and the hub's group commit (chat_post_batch, src/chat/chat_batch.c) on a test database.
 */
#include "chat/hub_int.h"
#include "helpers.h"
#include "http/http_int.h"

#include <stdlib.h>

#include <criterion/criterion.h>
#include <string.h>

static int parse(const char *s, struct hub_in *in)
{
    char err[128];
    int rc = hub__parse(s, strlen(s), in, err, sizeof(err));
    if (rc == HUB_PARSE_OK)
        cr_assert_not_null(in->root);
    else
        cr_assert(err[0] != '\0');
    return rc;
}

Test(hub_parse, hello)
{
    struct hub_in in;
    cr_assert_eq(parse("{\"type\":\"hello\",\"chat\":7,\"last_seq\":3}", &in), HUB_PARSE_OK);
    cr_assert_eq(in.type, HUB_HELLO);
    cr_assert_eq(in.chat, 7);
    cr_assert_eq(in.last_seq, 3);
    cr_assert_eq(in.agent, 0);
    json_decref(in.root);
    cr_assert_eq(parse("{\"type\":\"hello\",\"agent\":true}", &in), HUB_PARSE_OK);
    cr_assert_eq(in.agent, 1);
    cr_assert_eq(in.chat, 0);
    json_decref(in.root);
    /* neither a chat nor agent:true */
    cr_assert_eq(parse("{\"type\":\"hello\"}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"hello\",\"agent\":1}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"hello\",\"chat\":1,\"last_seq\":-1}", &in),
                 HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"hello\",\"chat\":\"1\"}", &in), HUB_PARSE_MALFORMED);
}

Test(hub_parse, message)
{
    struct hub_in in;
    cr_assert_eq(
        parse("{\"type\":\"message\",\"chat\":2,\"body\":\"hi\",\"client_id\":\"c-1\"}", &in),
        HUB_PARSE_OK);
    cr_assert_eq(in.type, HUB_MESSAGE);
    cr_assert_str_eq(in.body, "hi");
    cr_assert_str_eq(in.client_id, "c-1");
    json_decref(in.root);
    cr_assert_eq(parse("{\"type\":\"message\",\"chat\":2,\"body\":\"\"}", &in), HUB_PARSE_OK);
    cr_assert_null(in.client_id); /* an empty body is the domain's call (error frame) */
    json_decref(in.root);
    cr_assert_eq(parse("{\"type\":\"message\",\"chat\":2}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"message\",\"body\":\"x\"}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"message\",\"chat\":2,\"body\":\"a\\u0000b\"}", &in),
                 HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"message\",\"chat\":2,\"body\":\"x\",\"client_id\":5}", &in),
                 HUB_PARSE_MALFORMED);
    char big[200];
    snprintf(big, sizeof(big),
             "{\"type\":\"message\",\"chat\":2,\"body\":\"x\",\"client_id\":\"%0*d\"}", 65, 0);
    cr_assert_eq(parse(big, &in), HUB_PARSE_MALFORMED);
}

Test(hub_parse, typing_read_unknown_malformed)
{
    struct hub_in in;
    cr_assert_eq(parse("{\"type\":\"typing\",\"chat\":4}", &in), HUB_PARSE_OK);
    cr_assert_eq(in.type, HUB_TYPING);
    json_decref(in.root);
    cr_assert_eq(parse("{\"type\":\"read\",\"chat\":4,\"seq\":9}", &in), HUB_PARSE_OK);
    cr_assert_eq(in.seq, 9);
    json_decref(in.root);
    cr_assert_eq(parse("{\"type\":\"read\",\"chat\":4}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"typing\",\"chat\":0}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"dance\"}", &in), HUB_PARSE_UNKNOWN);
    cr_assert_eq(parse("{\"type\":3}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("[1,2]", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{not json", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("{\"type\":\"typing\",\"chat\":1,\"chat\":2}", &in), HUB_PARSE_MALFORMED);
    cr_assert_eq(parse("", &in), HUB_PARSE_MALFORMED);
}

Test(hub_rate, bucket)
{
    struct hub_rate r;
    hub__rate_init(&r, 20, 1000);
    for (int i = 0; i < 20; i++)
        cr_assert_eq(hub__rate_take(&r, 20, 1000), 1, "message %d", i);
    cr_assert_eq(hub__rate_take(&r, 20, 1000), 0, "the 21st in the same instant");
    cr_assert_eq(hub__rate_take(&r, 20, 1049), 0, "not yet a whole token after 49 ms");
    cr_assert_eq(hub__rate_take(&r, 20, 1050), 1, "one token back after 50 ms");
    cr_assert_eq(hub__rate_take(&r, 20, 1050), 0);
    /* a long pause refills to the burst size, not beyond */
    for (int i = 0; i < 20; i++)
        cr_assert_eq(hub__rate_take(&r, 20, 60000), 1);
    cr_assert_eq(hub__rate_take(&r, 20, 60000), 0);
    /* a steady 20/s is always allowed */
    hub__rate_init(&r, 20, 0);
    for (int i = 0; i < 200; i++)
        cr_assert_eq(hub__rate_take(&r, 20, (int64_t)i * 50), 1);
}

Test(hub_sendq, cap)
{
    cr_assert_eq(hub__sendq_full(0, 10, 100), 0);
    cr_assert_eq(hub__sendq_full(0, 1000, 100), 0, "one big frame on an empty queue passes");
    cr_assert_eq(hub__sendq_full(90, 10, 100), 0);
    cr_assert_eq(hub__sendq_full(90, 11, 100), 1);
    cr_assert_eq(hub__sendq_full(200, 1, 100), 1);
    cr_assert_eq(hub__sendq_full(1, (size_t)-1, 100), 1, "no overflow");
}

Test(hub_frame, header_len)
{
    cr_assert_eq(hub__frame_header_len(0), 6);
    cr_assert_eq(hub__frame_header_len(125), 6);
    cr_assert_eq(hub__frame_header_len(126), 8);
    cr_assert_eq(hub__frame_header_len(65535), 8);
    cr_assert_eq(hub__frame_header_len(65536), 14);
}

Test(ws_handshake, check)
{
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", "13", key), 0);
    cr_assert_eq(http__ws_handshake_check("WebSocket", "keep-alive, Upgrade", "13", key), 0);
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", "8", key), 2);
    cr_assert_eq(http__ws_handshake_check(NULL, "Upgrade", "13", key), 1);
    cr_assert_eq(http__ws_handshake_check("h2c", "Upgrade", "13", key), 1);
    cr_assert_eq(http__ws_handshake_check("websocket", "keep-alive", "13", key), 1);
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", NULL, key), 1);
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", "13", NULL), 1);
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", "13", "short=="), 1);
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", "13", "dGhlIHNhbXBsZSBub25jZR=="),
                 1, "non-zero padding bits");
    cr_assert_eq(http__ws_handshake_check("websocket", "Upgrade", "13", "dGhlIHNhbXBsZSBub2*jZQ=="),
                 1);
}

Test(ws_handshake, accept)
{
    char out[32];
    /* RFC 6455 section 1.3 */
    cr_assert_eq(http__ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    cr_assert_eq(http__ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out, 10), -1);
}

Test(ws_handshake, origin)
{
    cr_assert_eq(http__origin_ok(NULL, "x", "https://desk.example"), 1);
    cr_assert_eq(http__origin_ok("https://desk.example", NULL, "https://desk.example/"), 1);
    cr_assert_eq(http__origin_ok("https://DESK.example", NULL, "https://desk.example/app"), 1);
    cr_assert_eq(http__origin_ok("https://desk.example.evil", NULL, "https://desk.example"), 0);
    cr_assert_eq(http__origin_ok("http://desk.example", NULL, "https://desk.example"), 0);
    cr_assert_eq(http__origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080", ""), 1);
    cr_assert_eq(http__origin_ok("http://127.0.0.1:8081", "127.0.0.1:8080", ""), 0);
    cr_assert_eq(http__origin_ok("null", "127.0.0.1:8080", "http://127.0.0.1:8080"), 0);
    cr_assert_eq(http__origin_ok("https://evil.example", "desk.example", "https://desk.example"),
                 0);
}

/* ---- group commit (chat_post_batch) ------------------------------------------------ */

static struct fixture bfx;
static void batch_setup(void)
{
    fixture_open(&bfx);
}
static void batch_teardown(void)
{
    fixture_close(&bfx);
}

struct collected {
    int n;
    int64_t seq[16];
    char body[16][32];
};

static int collect(void *ctx, const struct chat_msg_rec *m)
{
    struct collected *c = ctx;
    if (c->n < 16) {
        c->seq[c->n] = m->seq;
        snprintf(c->body[c->n], sizeof(c->body[0]), "%s", m->body ? m->body : "");
        c->n++;
    }
    return 0;
}

Test(hub_batch, one_transaction_with_chat_post_rules, .init = batch_setup, .fini = batch_teardown)
{
    struct auth_actor a = fixture_actor(&bfx, "a1@x.test", ROLE_AGENT, "deposits", 1);
    struct fd_error err = {0};
    cr_assert_eq(chat_agent_set_status(bfx.db, &a, "online", 2, &err), 0, "%s", err.message);
    struct chat_rec c;
    char tok[CHAT_TOKEN_HEX + 1];
    cr_assert_eq(
        chat_start(bfx.db, NULL, "v1@c.test", "Visitor", "deposits", "hello", &c, tok, &err), 0,
        "%s", err.message);
    int64_t ids[2];
    int n = 0;
    cr_assert_eq(chat_route(bfx.db, ids, 2, &n), 0);
    cr_assert_eq(n, 1);
    struct chat_rec before;
    struct chat_who vis = {NULL, tok};
    cr_assert_eq(chat_get(bfx.db, &vis, c.id, &before), 0);
    int64_t base = before.last_seq;

    struct auth_actor sup = fixture_actor(&bfx, "s1@x.test", ROLE_SUPERVISOR, "deposits", 1);
    struct chat_who wa = {&a, NULL}, ws = {&sup, NULL};
    struct chat_who wrong = {NULL,
                             "0000000000000000000000000000000000000000000000000000000000000000"};
    struct chat_batch_item it[7];
    memset(it, 0, sizeof(it));
    struct {
        struct chat_who who;
        const char *body, *cid;
    } in[7] = {
        {vis, "first", "cid-1"}, {wa, "second", "cid-1"}, {wrong, "nope", NULL},
        {vis, "first", "cid-1"}, {wa, "  ", NULL},        {ws, "sup", NULL},
        {vis, "third", NULL},
    };
    for (int i = 0; i < 7; i++) {
        it[i].who = in[i].who;
        it[i].chat_id = c.id;
        it[i].body = in[i].body;
        it[i].client_id = in[i].cid;
    }
    cr_assert_eq(chat_post_batch(bfx.db, it, 7), 0);
    /* seq = last_seq + 1 in order; client_id is per author, also within the batch */
    cr_assert_eq(it[0].rc, 0);
    cr_assert_eq(it[0].seq, base + 1);
    cr_assert_eq(it[0].duplicate, 0);
    cr_assert_not_null(it[0].json);
    cr_assert(strstr(it[0].json, "\"body\":\"first\"") != NULL, "%s", it[0].json);
    cr_assert_eq(it[1].rc, 0);
    cr_assert_eq(it[1].seq, base + 2);
    cr_assert_eq(it[2].rc, FD_ENOTFOUND);
    cr_assert_null(it[2].json);
    cr_assert_eq(it[3].rc, 0);
    cr_assert_eq(it[3].duplicate, 1);
    cr_assert_eq(it[3].seq, base + 1);
    cr_assert_null(it[3].json);
    cr_assert_eq(it[4].rc, FD_EINVAL);
    cr_assert_eq(it[5].rc, FD_EFORBIDDEN);
    cr_assert_eq(it[6].rc, 0);
    cr_assert_eq(it[6].seq, base + 3);
    for (int i = 0; i < 7; i++)
        free(it[i].json);

    struct chat_rec after;
    cr_assert_eq(chat_get(bfx.db, &vis, c.id, &after), 0);
    cr_assert_eq(after.last_seq, base + 3);
    struct collected got = {0};
    cr_assert_eq(chat_messages(bfx.db, &vis, c.id, base, collect, &got), 0);
    cr_assert_eq(got.n, 3);
    cr_assert_str_eq(got.body[0], "first");
    cr_assert_str_eq(got.body[1], "second");
    cr_assert_str_eq(got.body[2], "third");

    /* The same client_id again in a later batch: the first seq, nothing stored. */
    struct chat_batch_item again = {0};
    again.who = vis;
    again.chat_id = c.id;
    again.body = "first";
    again.client_id = "cid-1";
    cr_assert_eq(chat_post_batch(bfx.db, &again, 1), 0);
    cr_assert_eq(again.duplicate, 1);
    cr_assert_eq(again.seq, base + 1);
    cr_assert_eq(chat_get(bfx.db, &vis, c.id, &after), 0);
    cr_assert_eq(after.last_seq, base + 3);
}
