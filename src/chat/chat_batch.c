/*
 * Group commit for the hub (hub_int.h, chat_post_batch): the messages of one epoll round
 * in one write transaction, with chat_post's rules for each.
 *
 * The rules, item by item and in order, are chat_post's (chat.c): the body and client_id
 * checks, the access check (only the chat's customer and agent write; a supervisor gets
 * FD_EFORBIDDEN), client_id idempotence (a repeated client_id answers the first seq; the
 * lookup sees the earlier items of the same transaction), the open-status check, then the
 * message with the chat's next seq and its "chat_message" event row. A rejected item
 * writes nothing, so it does not spoil the others. Any other failure (a database error
 * half-way through an item) rolls the whole batch back, and the items are then posted one
 * transaction each, so one bad item cannot take the round's other messages with it.
 */
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../safety/scan.h"
#include "../store/store.h"
#include "chat.h"
#include "hub.h"
#include "hub_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same checks as chat.c's check_text and client_id rule. */
static int check_item(const struct chat_batch_item *it, struct fd_error *err)
{
    const char *s = it->body;
    if (!s)
        return fd_fail(err, FD_EINVAL, "body", "body is required");
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!*p)
        return fd_fail(err, FD_EINVAL, "body", "body must not be empty");
    size_t n = strlen(s);
    if (n > CHAT_BODY_MAX)
        return fd_fail(err, FD_EINVAL, "body", "body is too long (%zu bytes, at most %d)", n,
                       CHAT_BODY_MAX);
    if (it->client_id && (!*it->client_id || strlen(it->client_id) > HUB_CLIENT_ID_MAX))
        return fd_fail(err, FD_EINVAL, "client_id", "client_id must be 1 to %d characters",
                       HUB_CLIENT_ID_MAX);
    return 0;
}

struct readback {
    int64_t seq;
    char *json;
};

static int readback_cb(void *ctx, const struct chat_msg_rec *m)
{
    struct readback *r = ctx;
    if (m->seq == r->seq && !r->json)
        r->json = chat_hub_message_json(m);
    return 0;
}

/* One item inside the open transaction. Returns 0 (it->rc holds the item's own answer)
 * or a failure that spoils the transaction. */
static int post_one(struct db *db, struct chat_batch_item *it, int64_t now)
{
    it->rc = check_item(it, &it->err);
    if (it->rc)
        return 0;
    struct chat_rec c;
    int rc = store_chat_get(db, it->chat_id, &c);
    if (rc == FD_ENOTFOUND) {
        it->rc = FD_ENOTFOUND;
        return 0;
    }
    if (rc)
        return rc;
    int64_t me = 0;
    int role = chat_role(db, &it->who, &c, &me);
    if (role == CHAT_ROLE_NONE) {
        it->rc = FD_ENOTFOUND;
        return 0;
    }
    if (role == CHAT_ROLE_SUPERVISOR) {
        it->rc =
            fd_fail(&it->err, FD_EFORBIDDEN, NULL, "only the chat's customer and agent may write");
        return 0;
    }
    if (it->client_id) {
        int64_t first = 0;
        rc = store_chat_msg_by_client(db, it->chat_id, me, it->client_id, &first);
        if (rc == 0) {
            it->seq = first;
            it->duplicate = 1;
            return 0;
        }
        if (rc != FD_ENOTFOUND)
            return rc;
    }
    int open = role == CHAT_ROLE_CUSTOMER
                   ? strcmp(c.status, "queued") == 0 || strcmp(c.status, "active") == 0
                   : strcmp(c.status, "active") == 0;
    if (!open) {
        it->rc = fd_fail(&it->err, FD_ECONFLICT, "status", "the chat is %s", c.status);
        return 0;
    }
    if (role != CHAT_ROLE_CUSTOMER && safety_outbound_check(it->body, "body", &it->err)) {
        it->rc = FD_EINVAL;
        return 0;
    }
    struct chat_msg_rec m;
    memset(&m, 0, sizeof(m));
    const char *body = it->body;
    char *clean = NULL;
    unsigned secrets = 0;
    if ((rc = safety_chat_redact(&body, &clean, &secrets)) ||
        (rc = store_chat_next_seq(db, it->chat_id, &m.seq))) {
        free(clean);
        return rc;
    }
    m.chat_id = it->chat_id;
    m.author_id = me;
    snprintf(m.kind, sizeof(m.kind), "%s", "message");
    m.body = body;
    m.created_at = now;
    rc = store_chat_msg_insert(db, &m, it->client_id);
    free(clean);
    it->secrets = secrets;
    if (rc || (rc = safety_chat_record(db, it->chat_id, me, secrets, now)))
        return rc;
    char data[64];
    snprintf(data, sizeof(data), "{\"seq\":%lld,\"chat_id\":%lld}", (long long)m.seq,
             (long long)it->chat_id);
    if ((rc = store_event_insert(db, 0, me, "chat_message", data, now)))
        return rc;
    it->seq = m.seq;
    /* The stored form (author's name and role as the store has them), read inside the
     * transaction; it is only sent once the commit has returned. */
    struct readback r = {m.seq, NULL};
    if ((rc = store_chat_msg_list(db, it->chat_id, m.seq - 1, 1, readback_cb, &r))) {
        free(r.json);
        return rc;
    }
    it->json = r.json;
    return 0;
}

static void reset(struct chat_batch_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].json);
        items[i].json = NULL;
        items[i].rc = 0;
        items[i].seq = 0;
        items[i].duplicate = 0;
        items[i].secrets = 0;
        memset(&items[i].err, 0, sizeof(items[i].err));
    }
}

static int run(struct db *db, struct chat_batch_item *items, size_t n)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t now = fd_now_ms();
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = post_one(db, &items[i], now);
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    if (rc)
        reset(items, n);
    return rc;
}

int chat_post_batch(struct db *db, struct chat_batch_item *items, size_t n)
{
    if (n == 0)
        return 0;
    reset(items, n);
    int rc = run(db, items, n);
    if (rc == 0)
        return 0;
    if (n == 1) {
        items[0].rc = rc;
        return rc;
    }
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        int r = run(db, &items[i], 1);
        if (r) {
            items[i].rc = r;
            last = r;
        }
    }
    return last;
}
