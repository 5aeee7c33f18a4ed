#ifndef FD_CHAT_HUB_INT_H
#define FD_CHAT_HUB_INT_H
/*
 * The pure parts of the hub (no sockets, no database), shared with
 * tests/unit/test_hub.c: client message validation, the per-connection rate limiter,
 * the send-queue cap and the frame byte accounting that lets the hub free an idle
 * connection's wslay context; and the group commit of a round's messages
 * (chat_batch.c, the one part here that uses the database).
 */
#include "../core/err.h"
#include "chat.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* WebSocket close codes used by the hub. */
#define HUB_CLOSE_NORMAL 1000
#define HUB_CLOSE_GOING_AWAY 1001
#define HUB_CLOSE_MALFORMED 1007
#define HUB_CLOSE_POLICY 1008
#define HUB_CLOSE_TOO_BIG 1009
#define HUB_CLOSE_ERROR 1011

#define HUB_CLIENT_ID_MAX 64

enum hub_type { HUB_HELLO = 1, HUB_MESSAGE, HUB_TYPING, HUB_READ };

/* A parsed client message. Strings are borrowed from root (json_decref(root) when done). */
struct hub_in {
    enum hub_type type;
    int64_t chat; /* 0 = absent (hello with agent:true only) */
    int64_t last_seq;
    int64_t seq;
    int agent;
    const char *body;
    const char *client_id; /* NULL = none */
    json_t *root;
};

enum hub_parse_result {
    HUB_PARSE_OK = 0,
    HUB_PARSE_MALFORMED = 1, /* not JSON, not an object, wrong field types → close 1007 */
    HUB_PARSE_UNKNOWN = 2,   /* a type the protocol does not have → close 1008 */
};

/* Parses and validates one client text message. err gets a reason (for the close frame,
 * <= 120 bytes). On HUB_PARSE_OK, in->root must be released by the caller. */
int hub__parse(const char *text, size_t len, struct hub_in *in, char *err, size_t errlen);

/* Token bucket: at most rate messages per second, bursts up to rate. */
struct hub_rate {
    int64_t last_ms;
    int32_t milli; /* tokens × 1000 */
};
void hub__rate_init(struct hub_rate *r, int rate, int64_t now_ms);
/* Takes one token: 1 allowed, 0 over the limit. */
int hub__rate_take(struct hub_rate *r, int rate, int64_t now_ms);

/* 1 when queueing add more bytes on top of queued would pass cap (the client is too
 * slow and is closed instead). A message larger than the cap on an empty queue passes. */
int hub__sendq_full(size_t queued, size_t add, size_t cap);

/* Bytes of a client→server frame header for a payload length (masked frames). */
size_t hub__frame_header_len(uint64_t payload_len);

/*
 * Group commit (chat_batch.c): posts the messages of one hub round in ONE write
 * transaction (one fsync), each item with chat_post's rules and in order (per-chat seq =
 * last_seq + 1, client_id idempotence also within the batch, the event row). Nothing is
 * sent from here: the caller acknowledges and delivers only after this returns, i.e.
 * after the commit. Outputs per item: rc (0 or chat_post's codes: FD_EINVAL, FD_ENOTFOUND,
 * FD_EFORBIDDEN, FD_ECONFLICT, or a store failure), err, seq, duplicate, and json (the
 * stored message's chat_hub_message_json, malloc'd, NULL for a duplicate or failure; the
 * caller frees it). When the shared transaction fails, each item is retried in its own.
 * Returns 0, or the last store failure.
 */
struct chat_batch_item {
    struct chat_who who;
    int64_t chat_id;
    const char *body;
    const char *client_id; /* NULL = none */
    int rc;
    struct fd_error err;
    int64_t seq;
    int duplicate;
    char *json;
    unsigned secrets; /* safety kinds removed from body (the ack carries the warning) */
};
int chat_post_batch(struct db *db, struct chat_batch_item *items, size_t n);

#endif
