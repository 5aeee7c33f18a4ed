/*
 * Unit tests of the chat hub's pure parts (src/chat/hub_int.h): client message
 * validation, the rate limiter, the send-queue cap, frame byte accounting; and of the
 * WebSocket handshake helpers of src/http (header checks, Sec-WebSocket-Accept, Origin).
 */
#include "chat/hub_int.h"
#include "http/http_int.h"

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
