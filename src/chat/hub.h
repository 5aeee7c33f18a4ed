#ifndef FD_CHAT_HUB_H
#define FD_CHAT_HUB_H
/*
 * The live-chat hub: one thread that owns every WebSocket of /api/v1/chat/ws in its own
 * epoll loop, frames them with wslay and speaks the protocol of docs/chat.md (hello,
 * message, typing, read; pings; limits; close codes).
 *
 * Other threads never touch a chat socket. They talk to the hub through a mutex-protected
 * queue and an eventfd: chat_hub_adopt (from the HTTP upgrade callback) hands a socket
 * over; chat_hub_publish_* (from REST handlers and background work) push server events
 * to the connections concerned. All of these are thread-safe and never block on I/O.
 *
 * The hub calls the chat domain (chat.h) with a connection acquired from the store for
 * each operation; those are short SQLite calls that block the hub thread while they run.
 * Client "message" frames are group-committed: all those read in one epoll round are
 * stored in one write transaction (chat_post_batch, hub_int.h), and only then acked and
 * delivered.
 */
#include "../auth/auth.h"
#include "chat.h"

#include <stddef.h>
#include <stdint.h>

struct store;
struct chat_hub;
struct http_upgrade;

struct chat_hub_config {
    int ping_s;        /* server ping period (30) */
    int idle_s;        /* a connection silent this long is closed (75) */
    size_t msg_max;    /* largest client message, bytes (16 KiB; larger → close 1009) */
    int rate_per_s;    /* client messages per second (20; more → close 1008) */
    size_t sendq_max;  /* bytes queued to one client before it is closed as too slow */
    int close_wait_ms; /* how long a closing connection may take to finish (2000) */
};

void chat_hub_config_defaults(struct chat_hub_config *c);

/*
 * Who a WebSocket belongs to, decided at the upgrade: a signed-in user (the actor copied,
 * has_actor = 1) or an anonymous visitor holding one chat's token. name/role/id are what
 * "who" shows in typing and read relays.
 */
struct chat_hub_ident {
    int has_actor;
    struct auth_actor actor;
    int64_t visitor_chat;
    char token[CHAT_TOKEN_HEX + 1];
    int64_t who_id;
    char who_name[FD_NAME_MAX + 1];
    char who_role[16];
};

/* Starts the hub thread (raising RLIMIT_NOFILE to its hard limit). cfg NULL = defaults.
 * Returns 0, FD_EIO (epoll/eventfd/thread failure). */
int chat_hub_start(struct store *s, const struct chat_hub_config *cfg, struct chat_hub **out);
/*
 * Closes every WebSocket (close 1001 "going away", then the socket is given back to the
 * HTTP server) and joins the thread. Sockets adopted afterwards are closed at once. Call
 * it before http_server_stop (which cannot stop while an upgraded socket is open), and
 * chat_hub_free after http_server_stop. Accepts NULL.
 */
void chat_hub_stop(struct chat_hub *h);
void chat_hub_free(struct chat_hub *h);

/*
 * Hands an upgraded socket to the hub (called from the HTTP upgrade callback; never
 * blocks). The hub owns ident (malloc'd; freed with free()), sock and u from now on;
 * extra (bytes already read after the handshake) is copied.
 */
void chat_hub_adopt(struct chat_hub *h, struct chat_hub_ident *ident, int sock, const char *extra,
                    size_t extra_len, struct http_upgrade *u);

/*
 * Server events (json: one JSON object, copied). _chat: to every connection subscribed
 * to the chat (hello); a {"type":"message",...,"seq":N} event is not sent twice to a
 * connection that already got seq N while resuming, and one with "kind":"note" (an
 * internal note) goes to staff connections only. _user: to every connection of that
 * signed-in user. _agents: to agents' connections that sent hello with agent:true, of
 * the department (NULL or "" = every department). Return 0, or FD_EINVAL for a NULL hub
 * or text. Thread-safe.
 */
int chat_hub_publish_chat(struct chat_hub *h, int64_t chat_id, const char *json);
int chat_hub_publish_user(struct chat_hub *h, int64_t user_id, const char *json);
int chat_hub_publish_agents(struct chat_hub *h, const char *department, const char *json);

/* The WebSocket/REST form of a stored message:
 * {"type":"message","chat","seq","author":{id,name,role},"body","kind","created_at",
 *  "attachment"?:{id,filename,content_type,size,url}}. Malloc'd text (free()), or NULL. */
char *chat_hub_message_json(const struct chat_msg_rec *m);

/* Counters for /metrics. */
struct chat_hub_stats {
    long connections;
    long long messages_in, messages_out, closed_slow, closed_policy;
};
void chat_hub_stats(struct chat_hub *h, struct chat_hub_stats *out);

#endif
