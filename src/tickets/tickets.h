#ifndef FD_TICKETS_TICKETS_H
#define FD_TICKETS_TICKETS_H
/*
 * The ticket desk: creating tickets, the status lifecycle, replies and internal notes,
 * assignment, attachments, lists and the event log. Every change is written in one
 * write transaction together with its event rows, and is durable when the call returns 0.
 *
 * Access is decided by auth_can_view_ticket(): a ticket the actor may not see is
 * reported as FD_ENOTFOUND, never FD_EFORBIDDEN, so its existence is not revealed.
 * Errors about input come back as FD_EINVAL (or FD_ECONFLICT for transitions) with
 * err naming the field.
 */
#include "../store/records.h"

#include <stddef.h>
#include <stdint.h>

struct db;
struct auth_actor;
struct fd_error;

#define TICKET_REF_BASE 10000 /* FD-10001 is ticket id 1 */

/* Optional strings are NULL when not given. */
struct ticket_input {
    const char *subject;
    const char *body;
    const char *department; /* slug */
    const char *priority;
    const char *channel;         /* staff only; default "web" (or "api" for tokens) */
    const char *requester_email; /* staff only: open on behalf of a customer */
    const char *requester_name;
    const char *exchange_uid, *txid, *asset, *network, *amount, *order_id;
    const char *tags[FD_TAGS_MAX];
    int ntags;
    int64_t follow_up_of;  /* channels only (tickets_create_in_txn): link to this ticket */
    const char *recipient; /* mail: the department address it came to (routing rules) */
};

struct ticket_patch {
    const char *status, *priority, *department, *subject;
    int has_tier, tier;
    int has_assignee;
    int64_t assignee_id; /* 0 = unassign */
    int has_tags;
    const char *tags[FD_TAGS_MAX];
    int ntags;
};

/* "FD-10042" or "10042" → id. Returns 0 or FD_ENOTFOUND. */
int tickets_parse_ref(const char *ref, int64_t *id);
void tickets_format_ref(int64_t id, char *out, size_t n);

/* Field checks, exposed for unit tests and for other channels (mail, chat). */
int tickets_check_txid(const char *network, const char *txid, struct fd_error *err);
int tickets_check_exchange(const struct ticket_input *in, struct fd_error *err);
int tickets_check_tag(const char *tag, struct fd_error *err);
/* Whether status `from` may move to `to` (both names). */
int tickets_transition_ok(const char *from, const char *to);

/* Creates a ticket with its first message. Returns 0, FD_EINVAL, FD_EFORBIDDEN, FD_EDB. */
int tickets_create(struct db *db, const struct auth_actor *a, const struct ticket_input *in,
                   struct ticket_rec *out, int64_t *message_id, struct fd_error *err);
/* Reads a ticket the actor may see. Returns 0, FD_ENOTFOUND. */
int tickets_get(struct db *db, const struct auth_actor *a, int64_t id, struct ticket_rec *out);
int tickets_update(struct db *db, const struct auth_actor *a, int64_t id,
                   const struct ticket_patch *p, struct ticket_rec *out, struct fd_error *err);
/*
 * Adds a public reply or an internal note, linking the given attachments (which must
 * belong to the ticket and be unlinked). A customer's reply to a closed ticket opens a
 * follow-up ticket: *out is then that new ticket. Returns 0, FD_EINVAL, FD_EFORBIDDEN
 * (a customer posting an internal note), FD_ENOTFOUND, FD_EDB.
 */
int tickets_reply(struct db *db, const struct auth_actor *a, int64_t id, const char *body,
                  int internal, const int64_t *attachment_ids, int nattachments,
                  struct ticket_rec *out, int64_t *message_id, struct fd_error *err);

/*
 * For other channels (mail intake): the same operations inside the caller's write
 * transaction, so that a channel's own records commit atomically with the ticket.
 * channel ("email", "chat", "social") is set for the ticket whoever the requester is.
 * On failure the caller must roll back. A reply to a closed ticket opens the follow-up
 * as in tickets_reply.
 */
int tickets_create_in_txn(struct db *db, const struct auth_actor *a, const char *channel,
                          const struct ticket_input *in, struct ticket_rec *out,
                          int64_t *message_id, struct fd_error *err);
/* Finds the user with this email, or creates a customer without a usable password
 * (inside the caller's transaction). */
int tickets_customer_for_email(struct db *db, const char *email, const char *name,
                               struct user_rec *out, struct fd_error *err);
/* The channel has decided that a's message belongs on ticket id (mail threading checks
 * the sender against the requester and participants), so visibility is not rechecked. */
int tickets_reply_in_txn(struct db *db, const struct auth_actor *a, const char *channel, int64_t id,
                         const char *body, int internal, struct ticket_rec *out,
                         int64_t *message_id, struct fd_error *err);
/* Stores a file for a message inside the caller's write transaction (type sniffed; any
 * type is kept, since mail attachments are the record). Returns 0, FD_ELIMIT, FD_EIO. */
int tickets_attach_in_txn(struct db *db, int64_t uploader_id, int64_t ticket_id, int64_t message_id,
                          const char *data_dir, const char *filename, const void *data, size_t len,
                          size_t max, struct fd_error *err);

/* Lists within the actor's scope (f's scope fields are overridden for customers/agents). */
typedef int (*tickets_cb)(void *ctx, const struct ticket_rec *t);
struct ticket_filter;
int tickets_list(struct db *db, const struct auth_actor *a, struct ticket_filter *f, tickets_cb cb,
                 void *ctx);
int tickets_counts(struct db *db, const struct auth_actor *a, struct ticket_filter *f,
                   int64_t counts[FD_NSTATUS]);

/* Stores an attachment for a ticket (content-addressed under data_dir/attachments).
 * The content type is sniffed from the bytes; it must be an image, PDF or plain text.
 * Returns 0, FD_ENOTFOUND, FD_ELIMIT, FD_ETYPE, FD_EIO, FD_EDB. */
int tickets_attachment_add(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                           const char *data_dir, const char *filename, const void *data, size_t len,
                           size_t max, struct attachment_rec *out, struct fd_error *err);
/* Whether a declared Content-Type (parameters such as "; charset=" ignored) is one of
 * the attachment types accepted. */
int tickets_attachment_type_allowed(const char *content_type);
/* The Content-Type to serve a stored file with: the allowed type itself, as a static
 * string (responses keep the pointer), or "application/octet-stream". */
const char *tickets_attachment_serve_type(const char *content_type);
/* The MIME type of data as libmagic sniffs it ("image/png"), into out (n bytes).
 * Returns 0, or FD_ETYPE when it cannot tell. Thread-safe (one handle, a mutex). */
int tickets_sniff_type(const void *data, size_t len, char *out, size_t n);
/* Finds an attachment the actor may see; path gets its file path. */
int tickets_attachment_get(struct db *db, const struct auth_actor *a, int64_t id,
                           const char *data_dir, struct attachment_rec *out, char *path,
                           size_t pathlen);

/* Calls visible-message/attachment/event listers with the actor's visibility. */
int tickets_messages(struct db *db, const struct auth_actor *a, const struct ticket_rec *t,
                     int (*cb)(void *ctx, const struct message_rec *m), void *ctx);

#endif
