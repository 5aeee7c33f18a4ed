#ifndef FD_CHAT_CHAT_H
#define FD_CHAT_CHAT_H
/*
 * Live chat, the domain part (no sockets here; see hub.h): chats and their messages with
 * per-chat sequence numbers, agents' presence and capacity, business hours, the queue
 * with position and wait estimate, routing, transfer, escalation, conversion to a ticket,
 * rating and transcripts. docs/chat.md is the contract.
 *
 * Every function writes in its own write transaction with an event row, so a message is
 * stored before anyone is told about it. Access: the chat's customer (session or the
 * visitor token), its agent, and supervisors/admins; anyone else gets FD_ENOTFOUND.
 */
#include "../store/records.h"

#include <stddef.h>
#include <stdint.h>

struct db;
struct auth_actor;
struct fd_error;

#define CHAT_BODY_MAX 4000
#define CHAT_TOKEN_HEX 64

/* struct chat_rec and struct chat_msg_rec live in store/records.h (the store fills them).
 * chat_msg_rec.kind is "message", "system" (everyone sees it) or "note" (an internal
 * system message, e.g. an escalation note: staff only, never sent to customers). */

/* Who is talking: a signed-in user, or an anonymous visitor holding a chat's token. */
struct chat_who {
    const struct auth_actor *actor; /* NULL for a visitor */
    const char *token;              /* the visitor token (hex), or NULL */
};

struct chat_availability {
    int online;
    const char *reason; /* "ok", "no_agents", "closed", "full" */
    int agents_available;
    int queue_length;
    int64_t estimate_s;
};

int chat_availability(struct db *db, const char *department, int64_t now_ms,
                      struct chat_availability *out, struct fd_error *err);

/* Starts a chat (queued). actor NULL = anonymous visitor with email/name; token_out
 * (CHAT_TOKEN_HEX+1 bytes) receives the visitor's token. FD_ECONFLICT (with
 * err->field "department") when chat is not available now. */
int chat_start(struct db *db, const struct auth_actor *a, const char *email, const char *name,
               const char *department, const char *message, struct chat_rec *out, char *token_out,
               struct fd_error *err);
/* Reads a chat who may see. */
int chat_get(struct db *db, const struct chat_who *w, int64_t id, struct chat_rec *out);
/* The queued chat's position (0 = next) and estimate. */
int chat_position(struct db *db, const struct chat_rec *c, int *position, int64_t *estimate_s);

/* Posts a message (stored before it is delivered). client_id (may be NULL) makes it
 * idempotent: a repeated client_id returns the first seq with *duplicate = 1.
 * attachment_id 0 = none. */
int chat_post(struct db *db, const struct chat_who *w, int64_t chat_id, const char *body,
              const char *client_id, int64_t attachment_id, int64_t *seq, int *duplicate,
              struct fd_error *err);
typedef int (*chat_msg_cb)(void *ctx, const struct chat_msg_rec *m);
/* Messages with seq > after, in order. Access is checked. */
int chat_messages(struct db *db, const struct chat_who *w, int64_t chat_id, int64_t after,
                  chat_msg_cb cb, void *ctx);
int chat_read(struct db *db, const struct chat_who *w, int64_t chat_id, int64_t seq);

/* Agents. */
int chat_agent_set_status(struct db *db, const struct auth_actor *a, const char *status,
                          int capacity, struct fd_error *err);
int chat_agent_get_status(struct db *db, int64_t agent_id, char *status, size_t n, int *capacity,
                          int *active);

/* Assigns queued chats to available agents, in queue order, least-loaded first.
 * assigned[] gets up to max chat ids that were assigned now. */
int chat_route(struct db *db, int64_t *assigned, int max, int *n);

int chat_transfer(struct db *db, const struct auth_actor *a, int64_t chat_id, int64_t to_agent,
                  struct fd_error *err);
int chat_escalate(struct db *db, const struct auth_actor *a, int64_t chat_id, const char *note,
                  struct fd_error *err);
/* Makes a ticket of the chat (the transcript becomes its thread) and ends the chat. */
int chat_convert(struct db *db, const struct auth_actor *a, int64_t chat_id, int64_t *ticket_id,
                 struct fd_error *err);
int chat_end(struct db *db, const struct chat_who *w, int64_t chat_id, struct fd_error *err);
int chat_rate(struct db *db, const struct chat_who *w, int64_t chat_id, int rating,
              const char *comment, struct fd_error *err);

/* Business hours of a department: n ranges (day 0 = Sunday, minutes since midnight in
 * the department's offset). n = 0 means always open. */
struct chat_hours {
    int day, open_min, close_min;
};
int chat_hours_set(struct db *db, const char *department, const struct chat_hours *h, int n,
                   int offset_min, struct fd_error *err);

/* ---- additions (chat.c) ---------------------------------------------------- */
struct mail_config;
struct ticket_rec;

/* The "leave a message" path of the widget: opens a ticket (channel chat) for the
 * signed-in customer a, or for the anonymous visitor's email (found or created as a
 * customer). Visitors get an acknowledgement by mail when mail is non-NULL. subject may
 * be NULL. Staff get FD_EFORBIDDEN. Returns 0, FD_EINVAL, FD_EFORBIDDEN, FD_EDB. */
int chat_leave_message(struct db *db, const struct mail_config *mail, const struct auth_actor *a,
                       const char *email, const char *name, const char *department,
                       const char *subject, const char *message, struct ticket_rec *out,
                       struct fd_error *err);
/* Queues the transcript (without internal notes) as an email to the chat's customer.
 * Only the chat's customer may ask (others: FD_ENOTFOUND/FD_EFORBIDDEN); a customer
 * without a deliverable address gets FD_ECONFLICT. */
int chat_transcript_mail(struct db *db, const struct mail_config *mail, const struct chat_who *w,
                         int64_t chat_id, struct fd_error *err);
/* Who w is for the chat: CHAT_ROLE_* (0 = may not see it). *user_id gets the acting
 * user (the customer's id for a visitor). For the hub's subscription checks. */
enum { CHAT_ROLE_NONE = 0, CHAT_ROLE_CUSTOMER = 1, CHAT_ROLE_AGENT = 2, CHAT_ROLE_SUPERVISOR = 3 };
int chat_role(struct db *db, const struct chat_who *w, const struct chat_rec *c, int64_t *user_id);
/* The wait estimate of docs/chat.md for a chat with `position` chats ahead: 0 when an
 * online agent of the tier has a free slot for it, else the rounds of chat endings it
 * waits for times the mean handling time. */
int chat_estimate(struct db *db, int64_t department_id, int tier, int position,
                  int64_t *estimate_s);
/* Routing may stop after max assignments: call chat_route again while *n == max. */

/* ---- files and search (chat.c) ---------------------------------------------- */
struct json_t;

/* Stores a file (a screenshot) sent in chat chat_id by its customer (session or visitor
 * token) or its agent, and posts it as a message whose body is the file name: the bytes
 * go to the content-addressed store under data_dir/attachments (as ticket attachments
 * do) and are durable before the row is committed. The type is sniffed from the bytes
 * and must be one tickets_attachment_type_allowed accepts. data is borrowed; *out gets
 * the file's row and *seq the message's seq. Returns 0, FD_ENOTFOUND (no such chat for
 * w), FD_EFORBIDDEN (supervisors read only), FD_ECONFLICT (the chat is closed),
 * FD_EINVAL (empty), FD_ELIMIT (more than max bytes), FD_ETYPE, FD_EIO, FD_EDB. */
int chat_attach(struct db *db, const struct chat_who *w, int64_t chat_id, const char *data_dir,
                const char *filename, const void *data, size_t len, size_t max,
                struct chat_file_rec *out, int64_t *seq, struct fd_error *err);
/* Finds file file_id of chat chat_id for someone who may see the chat; path (pathlen
 * bytes) gets the blob's path. Returns 0, FD_ENOTFOUND, FD_EDB. */
int chat_file_get(struct db *db, const struct chat_who *w, int64_t chat_id, int64_t file_id,
                  const char *data_dir, struct chat_file_rec *out, char *path, size_t pathlen);
/* The download URL of a chat file: /api/v1/chat/CHAT/attachments/ID. */
void chat_file_url(int64_t chat_id, int64_t file_id, char *out, size_t n);
/* A message's "attachment" as JSON, the same in REST answers and WebSocket frames:
 * {id, filename, content_type, size, url}, or JSON null. New reference. */
struct json_t *chat_attachment_json(const struct chat_msg_rec *m);

/* Searches the chats a may see, newest first: customers their own, agents their
 * department's, supervisors and admins all. department (a slug, may be NULL) and the
 * fields of s filter; s->customer_id, s->include_notes and (for agents)
 * s->department_id are set here from a. Returns 0, FD_EINVAL (unknown department or
 * status, text too long), FD_EDB. */
int chat_search(struct db *db, const struct auth_actor *a, const char *department,
                struct chat_search *s, int (*cb)(void *, const struct chat_rec *), void *ctx,
                struct fd_error *err);
#define CHAT_SEARCH_TEXT_MAX 200

#endif
