/* Ticket lifecycle, replies, assignment and lists; every change with its event rows. */
#include "tickets.h"

#include "../auth/auth.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../sla/sla.h"
#include "../routing/routing.h"
#include "../status/status.h"
#include "../safety/scan.h"
#include "../store/store.h"
#include "../triage/triage.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const priorities[] = {"low", "normal", "high", "urgent", NULL};
static const char *const channels[] = {"web", "email", "chat", "social", "api", NULL};

static int one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* Writes one event row: data is {"before":before,"after":after} (either may be NULL). */
static int event(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type,
                 json_t *before, json_t *after, int64_t now)
{
    json_t *d = json_object();
    if (before)
        json_object_set_new(d, "before", before);
    if (after)
        json_object_set_new(d, "after", after);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, actor_id, type, text, now);
    free(text);
    return rc;
}

static int check_text(const char *s, const char *field, size_t max, struct fd_error *err)
{
    if (!s)
        return fd_fail(err, FD_EINVAL, field, "%s is required", field);
    size_t n = strlen(s);
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!*p)
        return fd_fail(err, FD_EINVAL, field, "%s must not be empty", field);
    if (n > max)
        return fd_fail(err, FD_EINVAL, field, "%s is too long (%zu bytes, at most %zu)", field, n,
                       max);
    return 0;
}

/* Finds or creates the customer a staff member opens a ticket for. */
static int requester_for(struct db *db, const char *email, const char *name, struct user_rec *u,
                         struct fd_error *err)
{
    char norm[FD_EMAIL_MAX + 1];
    int rc = auth_email_normalize(email, norm, sizeof(norm), err);
    if (rc) {
        snprintf(err->field, sizeof(err->field), "requester_email");
        return rc;
    }
    rc = store_user_by_email(db, norm, u, NULL, 0);
    if (rc != FD_ENOTFOUND)
        return rc;
    memset(u, 0, sizeof(*u));
    snprintf(u->email, sizeof(u->email), "%s", norm);
    snprintf(u->name, sizeof(u->name), "%.120s", name && *name ? name : norm);
    u->role = ROLE_CUSTOMER;
    u->created_at = fd_now_ms();
    /* No password: the customer sets one through sign-up's reset flow later. The
     * stored value is not an argon2 string, so no password can ever match it. */
    return store_user_insert(db, u, "!", &u->id);
}

/*
 * channel: set by a trusted channel (mail intake) for any requester; NULL for the API,
 * where only staff may set in->channel. in_txn: the caller holds a write transaction.
 */
static int create_impl(struct db *db, const struct auth_actor *a, const struct ticket_input *in,
                       const char *channel, int in_txn, struct ticket_rec *out, int64_t *message_id,
                       struct fd_error *err)
{
    int rc;
    if ((rc = check_text(in->subject, "subject", FD_SUBJECT_MAX, err)) ||
        (rc = check_text(in->body, "body", FD_BODY_MAX, err)))
        return rc;
    if (!in->department)
        return fd_fail(err, FD_EINVAL, "department", "department is required");
    if (in->priority && !one_of(in->priority, priorities))
        return fd_fail(err, FD_EINVAL, "priority", "priority must be low, normal, high or urgent");
    if (in->channel && !one_of(in->channel, channels))
        return fd_fail(err, FD_EINVAL, "channel",
                       "channel must be web, email, chat, social or api");
    if (!auth_is_staff(a) && ((in->channel && !channel) || in->requester_email))
        return fd_fail(err, FD_EFORBIDDEN, in->channel ? "channel" : "requester_email",
                       "only agents may set %s", in->channel ? "channel" : "requester_email");
    if (in->ntags > FD_TAGS_MAX)
        return fd_fail(err, FD_EINVAL, "tags", "at most %d tags", FD_TAGS_MAX);
    for (int i = 0; i < in->ntags; i++)
        if ((rc = tickets_check_tag(in->tags[i], err)))
            return rc;
    if ((rc = tickets_check_exchange(in, err)))
        return rc;

    struct safety_hit hit = {0};
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (!t)
        return FD_ENOMEM;
    if (!in_txn && (rc = db_begin_write(db)))
        goto out;
    struct department_rec d;
    rc = store_department_by_slug(db, in->department, &d);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_EINVAL, "department", "unknown department \"%s\"", in->department);
    if (rc)
        goto out;
    struct user_rec requester = a->user;
    if (in->requester_email &&
        (rc = requester_for(db, in->requester_email, in->requester_name, &requester, err)))
        goto out;
    int64_t now = fd_now_ms();
    snprintf(t->subject, sizeof(t->subject), "%s", in->subject);
    snprintf(t->status, sizeof(t->status), "new");
    snprintf(t->priority, sizeof(t->priority), "%s", in->priority ? in->priority : "normal");
    t->department_id = d.id;
    snprintf(t->department, sizeof(t->department), "%s", d.slug);
    t->tier = 1;
    const char *ch = channel ? channel : in->channel ? in->channel : a->via_token ? "api" : "web";
    snprintf(t->channel, sizeof(t->channel), "%s", ch);
    t->requester_id = requester.id;
#define COPY_OPT(f, src) snprintf(t->f, sizeof(t->f), "%s", (src) ? (src) : "")
    COPY_OPT(exchange_uid, in->exchange_uid);
    COPY_OPT(txid, in->txid);
    COPY_OPT(asset, in->asset);
    COPY_OPT(network, in->network);
    COPY_OPT(amount, in->amount);
    COPY_OPT(order_id, in->order_id);
#undef COPY_OPT
    for (int i = 0; i < in->ntags; i++)
        snprintf(t->tags[t->ntags++], FD_TAG_MAX + 1, "%s", in->tags[i]);
    t->created_at = t->updated_at = now;
    if (channel && in->follow_up_of)
        t->follow_up_of = in->follow_up_of;
    const char *body = in->body;
    if ((rc = safety_ticket_redact(db, t, &body, &hit)) || (rc = store_ticket_insert(db, t)))
        goto out;
    struct message_rec m = {0};
    m.ticket_id = t->id;
    m.author_id = a->user.id;
    m.body = (char *)body;
    m.created_at = now;
    if ((rc = store_message_insert(db, &m)))
        goto out;
    json_t *after = json_pack("{s:s, s:s, s:s, s:s, s:I}", "subject", t->subject, "status",
                              t->status, "priority", t->priority, "department", t->department,
                              "requester_id", (json_int_t)t->requester_id);
    if ((rc = event(db, t->id, a->user.id, "created", NULL, after, now)))
        goto out;
    if ((rc = event(db, t->id, a->user.id, "message_added", NULL,
                    json_pack("{s:I, s:b}", "message_id", (json_int_t)m.id, "internal", 0), now)))
        goto out;
    /* A ticket that carried a secret stays with Account & Security at the priority the
     * safety rule gave it: neither triage nor the routing rules may move it. Otherwise
     * learned triage suggests (or, when confident, sets) the department and the admins'
     * routing rules come after it and win. Then incident mode links and tags, and the SLA
     * clocks follow from the resulting department, priority and tier. Every step sees
     * the redacted text only. */
    if (hit.kinds) {
        if ((rc = safety_ticket_record(db, t, a->user.id, &hit, now)))
            goto out;
    } else if ((rc = triage_ticket_created(db, a, t, body, now)) ||
               (rc = routing_ticket_created(db, t, body, in->recipient))) {
        goto out;
    }
    if ((rc = status_ticket_autolink(db, t, body, now, NULL)) || /* incident mode */
        (rc = sla_ticket_changed(db, t->id, now)))
        goto out;
    if (!in_txn && (rc = db_commit(db)))
        goto out;
    if (message_id)
        *message_id = m.id;
    rc = store_ticket_get(db, t->id, out);
out:
    if (!in_txn)
        db_rollback(db);
    safety_hit_release(&hit);
    free(t);
    return rc;
}

int tickets_customer_for_email(struct db *db, const char *email, const char *name,
                               struct user_rec *out, struct fd_error *err)
{
    struct fd_error local = {0};
    return requester_for(db, email, name, out, err ? err : &local);
}

int tickets_create(struct db *db, const struct auth_actor *a, const struct ticket_input *in,
                   struct ticket_rec *out, int64_t *message_id, struct fd_error *err)
{
    return create_impl(db, a, in, NULL, 0, out, message_id, err);
}

int tickets_create_in_txn(struct db *db, const struct auth_actor *a, const char *channel,
                          const struct ticket_input *in, struct ticket_rec *out,
                          int64_t *message_id, struct fd_error *err)
{
    return create_impl(db, a, in, channel, 1, out, message_id, err);
}

int tickets_get(struct db *db, const struct auth_actor *a, int64_t id, struct ticket_rec *out)
{
    int rc = store_ticket_get(db, id, out);
    if (rc)
        return rc;
    return auth_can_view_ticket(a, out) ? 0 : FD_ENOTFOUND;
}

static int set_status(struct db *db, struct ticket_rec *t, int64_t actor_id, const char *to,
                      int64_t now)
{
    if (strcmp(t->status, to) == 0)
        return 0;
    int rc =
        event(db, t->id, actor_id, "status_changed", json_string(t->status), json_string(to), now);
    snprintf(t->status, sizeof(t->status), "%s", to);
    return rc;
}

int tickets_update(struct db *db, const struct auth_actor *a, int64_t id,
                   const struct ticket_patch *p, struct ticket_rec *out, struct fd_error *err)
{
    int rc;
    if (!auth_is_staff(a)) {
        /* A customer may only mark their own ticket solved. */
        if (p->priority || p->department || p->subject || p->has_tier || p->has_assignee ||
            p->has_tags || (p->status && strcmp(p->status, "solved") != 0))
            return fd_fail(err, FD_EFORBIDDEN, NULL,
                           "customers may only mark their ticket as solved");
    }
    if (p->status && fd_status_index(p->status) < 0)
        return fd_fail(err, FD_EINVAL, "status",
                       "status must be new, open, pending, on_hold, solved or closed");
    if (p->priority && !one_of(p->priority, priorities))
        return fd_fail(err, FD_EINVAL, "priority", "priority must be low, normal, high or urgent");
    if (p->has_tier && (p->tier < 1 || p->tier > 3))
        return fd_fail(err, FD_EINVAL, "tier", "tier must be 1, 2 or 3");
    if (p->subject && (rc = check_text(p->subject, "subject", FD_SUBJECT_MAX, err)))
        return rc;
    if (p->has_tags) {
        if (p->ntags > FD_TAGS_MAX)
            return fd_fail(err, FD_EINVAL, "tags", "at most %d tags", FD_TAGS_MAX);
        for (int i = 0; i < p->ntags; i++)
            if ((rc = tickets_check_tag(p->tags[i], err)))
                return rc;
    }
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (!t)
        return FD_ENOMEM;
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = tickets_get(db, a, id, t)))
        goto out;
    int64_t now = fd_now_ms();
    int64_t me = a->user.id;
    if (p->status && strcmp(p->status, t->status) != 0) {
        if (!tickets_transition_ok(t->status, p->status)) {
            rc = fd_fail(err, FD_ECONFLICT, "status", "a %s ticket cannot become %s", t->status,
                         p->status);
            goto out;
        }
        if ((rc = set_status(db, t, me, p->status, now)))
            goto out;
    }
    if (strcmp(t->status, "closed") == 0 && !p->status) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a closed ticket cannot be changed");
        goto out;
    }
    if (p->priority && strcmp(p->priority, t->priority) != 0) {
        if ((rc = event(db, id, me, "priority_changed", json_string(t->priority),
                        json_string(p->priority), now)))
            goto out;
        snprintf(t->priority, sizeof(t->priority), "%s", p->priority);
    }
    if (p->subject && strcmp(p->subject, t->subject) != 0) {
        if ((rc = event(db, id, me, "subject_changed", json_string(t->subject),
                        json_string(p->subject), now)))
            goto out;
        snprintf(t->subject, sizeof(t->subject), "%s", p->subject);
    }
    if (p->department && strcmp(p->department, t->department) != 0) {
        struct department_rec d;
        rc = store_department_by_slug(db, p->department, &d);
        if (rc == FD_ENOTFOUND)
            rc = fd_fail(err, FD_EINVAL, "department", "unknown department \"%s\"", p->department);
        if (rc)
            goto out;
        if ((rc = event(db, id, me, "department_changed", json_string(t->department),
                        json_string(d.slug), now)))
            goto out;
        t->department_id = d.id;
        snprintf(t->department, sizeof(t->department), "%s", d.slug);
    }
    if (p->has_tier && p->tier != t->tier) {
        if ((rc = event(db, id, me, "tier_changed", json_integer(t->tier), json_integer(p->tier),
                        now)))
            goto out;
        t->tier = p->tier;
    }
    if (p->has_assignee && p->assignee_id != t->assignee_id) {
        if (p->assignee_id) {
            struct user_rec u;
            rc = store_user_get(db, p->assignee_id, &u);
            if (rc == FD_ENOTFOUND || (rc == 0 && (u.role == ROLE_CUSTOMER || u.disabled)))
                rc = fd_fail(err, FD_EINVAL, "assignee_id",
                             "assignee_id %lld is not an active agent", (long long)p->assignee_id);
            if (rc)
                goto out;
        }
        json_t *before = t->assignee_id ? json_integer(t->assignee_id) : json_null();
        json_t *after = p->assignee_id ? json_integer(p->assignee_id) : json_null();
        if ((rc = event(db, id, me, "assigned", before, after, now)))
            goto out;
        t->assignee_id = p->assignee_id;
    }
    if (p->has_tags) {
        json_t *before = json_array(), *after = json_array();
        for (int i = 0; i < t->ntags; i++)
            json_array_append_new(before, json_string(t->tags[i]));
        t->ntags = 0;
        for (int i = 0; i < p->ntags; i++) {
            int dup = 0;
            for (int j = 0; j < t->ntags; j++)
                dup |= strcmp(t->tags[j], p->tags[i]) == 0;
            if (dup)
                continue;
            snprintf(t->tags[t->ntags++], FD_TAG_MAX + 1, "%s", p->tags[i]);
            json_array_append_new(after, json_string(p->tags[i]));
        }
        if ((rc = event(db, id, me, "tags_changed", before, after, now)))
            goto out;
    }
    t->updated_at = now;
    if ((rc = store_ticket_update(db, t)) || (rc = sla_ticket_changed(db, id, now)) ||
        (rc = db_commit(db)))
        goto out;
    rc = store_ticket_get(db, id, out);
out:
    db_rollback(db);
    free(t);
    return rc;
}

/* Opens the follow-up of a closed ticket (same requester, department, subject). */
static int follow_up(struct db *db, const struct auth_actor *a, struct ticket_rec *t,
                     const char *channel, int64_t now)
{
    int64_t old = t->id;
    t->follow_up_of = old;
    snprintf(t->status, sizeof(t->status), "new");
    t->assignee_id = 0;
    t->created_at = t->updated_at = now;
    snprintf(t->channel, sizeof(t->channel), "%s",
             channel        ? channel
             : a->via_token ? "api"
                            : "web");
    int rc = store_ticket_insert(db, t);
    if (rc)
        return rc;
    char ref[32];
    tickets_format_ref(old, ref, sizeof(ref));
    if ((rc = event(db, t->id, a->user.id, "created", NULL,
                    json_pack("{s:s, s:s}", "status", "new", "follow_up_of", ref), now)))
        return rc;
    tickets_format_ref(t->id, ref, sizeof(ref));
    return event(db, old, a->user.id, "follow_up_created", NULL,
                 json_pack("{s:s}", "follow_up", ref), now);
}

/* channel: set by a channel (mail intake) calling inside its transaction; NULL for the
 * API. A channel may add internal notes to a closed ticket (bounce and delivery reports
 * are part of its record); agents through the API may not. */
static int reply_impl(struct db *db, const struct auth_actor *a, const char *channel, int64_t id,
                      const char *body, int internal, const int64_t *attachment_ids,
                      int nattachments, int in_txn, struct ticket_rec *out, int64_t *message_id,
                      struct fd_error *err)
{
    int rc;
    if ((rc = check_text(body, "body", FD_BODY_MAX, err)))
        return rc;
    if (internal && !auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, "internal", "customers cannot post internal notes");
    struct safety_hit hit = {0};
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (!t)
        return FD_ENOMEM;
    if (!in_txn && (rc = db_begin_write(db)))
        goto out;
    if ((rc = in_txn ? store_ticket_get(db, id, t) : tickets_get(db, a, id, t)))
        goto out;
    int64_t now = fd_now_ms();
    int staff = auth_is_staff(a);
    if (strcmp(t->status, "closed") == 0 && internal && channel) {
        /* a channel's note on a closed ticket: recorded, nothing else changes */
    } else if (strcmp(t->status, "closed") == 0) {
        if (internal || staff) {
            rc = fd_fail(err, FD_ECONFLICT, "status",
                         "the ticket is closed; the customer's next reply opens a follow-up");
            goto out;
        }
        if ((rc = follow_up(db, a, t, channel, now)))
            goto out;
    } else if (!internal) {
        const char *to = NULL;
        if (!staff && (strcmp(t->status, "pending") == 0 || strcmp(t->status, "solved") == 0))
            to = "open";
        else if (staff && strcmp(t->status, "new") == 0)
            to = "open";
        if (to && (rc = set_status(db, t, a->user.id, to, now)))
            goto out;
    }
    if ((rc = safety_ticket_redact(db, t, &body, &hit)))
        goto out;
    struct message_rec m = {0};
    m.ticket_id = t->id;
    m.author_id = a->user.id;
    m.body = (char *)body;
    m.internal = internal;
    m.created_at = now;
    if ((rc = store_message_insert(db, &m)))
        goto out;
    for (int i = 0; i < nattachments; i++) {
        struct attachment_rec att;
        rc = store_attachment_get(db, attachment_ids[i], &att);
        if (rc == 0 && att.ticket_id != id)
            rc = FD_ENOTFOUND;
        if (rc == 0)
            rc = store_attachment_link(db, att.id, m.id);
        if (rc == FD_ENOTFOUND || rc == FD_ECONFLICT)
            rc = fd_fail(err, FD_EINVAL, "attachment_ids",
                         "attachment %lld is not an unused attachment of this ticket",
                         (long long)attachment_ids[i]);
        if (rc)
            goto out;
    }
    if ((rc = event(db, t->id, a->user.id, "message_added", NULL,
                    json_pack("{s:I, s:b}", "message_id", (json_int_t)m.id, "internal", internal),
                    now)) ||
        (rc = safety_ticket_record(db, t, a->user.id, &hit, now)))
        goto out;
    t->updated_at = now;
    if ((rc = store_ticket_update(db, t)) || (rc = sla_ticket_changed(db, t->id, now)) ||
        (!in_txn && (rc = db_commit(db))))
        goto out;
    if (message_id)
        *message_id = m.id;
    rc = store_ticket_get(db, t->id, out);
out:
    if (!in_txn)
        db_rollback(db);
    safety_hit_release(&hit);
    free(t);
    return rc;
}

int tickets_reply(struct db *db, const struct auth_actor *a, int64_t id, const char *body,
                  int internal, const int64_t *attachment_ids, int nattachments,
                  struct ticket_rec *out, int64_t *message_id, struct fd_error *err)
{
    return reply_impl(db, a, NULL, id, body, internal, attachment_ids, nattachments, 0, out,
                      message_id, err);
}

int tickets_reply_in_txn(struct db *db, const struct auth_actor *a, const char *channel, int64_t id,
                         const char *body, int internal, struct ticket_rec *out,
                         int64_t *message_id, struct fd_error *err)
{
    return reply_impl(db, a, channel, id, body, internal, NULL, 0, 1, out, message_id, err);
}

static void scope_filter(const struct auth_actor *a, struct ticket_filter *f)
{
    f->include_internal_text = auth_is_staff(a);
    if (a->user.role == ROLE_CUSTOMER)
        f->requester_id = a->user.id;
}

/* Agents see their department's tickets and those assigned to them; the store filter
 * has one department, so the assigned-elsewhere case is checked per row. */
struct scoped {
    const struct auth_actor *a;
    tickets_cb cb;
    void *ctx;
};

static int scoped_cb(void *ctx, const struct ticket_rec *t)
{
    struct scoped *s = ctx;
    if (!auth_can_view_ticket(s->a, t))
        return 0;
    return s->cb(s->ctx, t);
}

int tickets_list(struct db *db, const struct auth_actor *a, struct ticket_filter *f, tickets_cb cb,
                 void *ctx)
{
    scope_filter(a, f);
    if (a->user.role == ROLE_AGENT && !f->department_id && f->assignee_id != a->user.id)
        f->department_id = a->user.department_id;
    struct scoped s = {a, cb, ctx};
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    rc = store_ticket_list(db, f, scoped_cb, &s);
    db_rollback(db);
    return rc;
}

int tickets_counts(struct db *db, const struct auth_actor *a, struct ticket_filter *f,
                   int64_t counts[FD_NSTATUS])
{
    scope_filter(a, f);
    if (a->user.role == ROLE_AGENT && f->assignee_id != a->user.id) {
        if (f->department_id && f->department_id != a->user.department_id) {
            memset(counts, 0, FD_NSTATUS * sizeof(counts[0]));
            return 0;
        }
        f->department_id = a->user.department_id;
    }
    return store_ticket_counts(db, f, counts);
}

int tickets_messages(struct db *db, const struct auth_actor *a, const struct ticket_rec *t,
                     int (*cb)(void *ctx, const struct message_rec *m), void *ctx)
{
    return store_message_list(db, t->id, auth_can_see_internal(a), cb, ctx);
}
