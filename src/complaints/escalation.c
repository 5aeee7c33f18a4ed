/* Escalation of a ticket to the next tier or another department, with its reason. */
#include "complaints.h"

#include "../auth/auth.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../tickets/tickets.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESCALATION_REASON_MAX 2000

/* What the customer reads: no tier, department or reason. */
static const char customer_notice[] =
    "A specialist team has your case now. They will review it and reply here; you do not need "
    "to do anything meanwhile.";

int complaints_escalate_ticket(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                               int to_tier, const char *to_department, const char *reason,
                               struct ticket_rec *out, struct fd_error *err)
{
    if (!auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only agents escalate tickets");
    int blank = 1;
    for (const char *p = reason; p && *p && blank; p++)
        blank = isspace((unsigned char)*p) != 0;
    if (!reason || blank)
        return fd_fail(err, FD_EINVAL, "reason", "reason is required");
    if (strlen(reason) > ESCALATION_REASON_MAX)
        return fd_fail(err, FD_EINVAL, "reason", "reason: at most %d bytes", ESCALATION_REASON_MAX);
    if (to_tier > 3)
        return fd_fail(err, FD_ELIMIT, "tier",
                       "tier 3 is the highest tier; escalate to another department or raise a "
                       "complaint instead");
    if (to_tier < 0)
        return fd_fail(err, FD_EINVAL, "tier", "tier must be 1, 2 or 3");
    if (!to_tier && !to_department)
        return fd_fail(err, FD_EINVAL, "tier", "give the tier or the department to escalate to");
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct ticket_rec *scratch = xmalloc(sizeof(*scratch));
    int rc;
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = tickets_get(db, a, ticket_id, t)))
        goto out;
    if (strcmp(t->status, "closed") == 0) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a closed ticket cannot be escalated");
        goto out;
    }
    struct department_rec d = {0};
    if (to_department) {
        rc = store_department_by_slug(db, to_department, &d);
        if (rc == FD_ENOTFOUND)
            rc = fd_fail(err, FD_EINVAL, "department", "unknown department \"%s\"", to_department);
        if (rc)
            goto out;
    }
    int new_tier = to_tier ? to_tier : t->tier;
    int dept_changes = to_department && d.id != t->department_id;
    if (to_tier && to_tier < t->tier) {
        rc = fd_fail(err, FD_EINVAL, "tier", "escalation goes up: the ticket is at tier %d",
                     t->tier);
        goto out;
    }
    if (new_tier == t->tier && !dept_changes) {
        rc = fd_fail(err, FD_ECONFLICT, "tier",
                     "the ticket is already at tier %d in %s: nothing to escalate", t->tier,
                     t->department);
        goto out;
    }
    /* The internal note keeps the reason with the thread; the public reply tells the
     * customer without details. Both go through the ticket desk (message events, mail). */
    char *note = xmalloc(ESCALATION_REASON_MAX + 200);
    snprintf(note, ESCALATION_REASON_MAX + 200, "Escalated from tier %d (%s) to tier %d (%s): %s",
             t->tier, t->department, new_tier, dept_changes ? d.slug : t->department, reason);
    rc = tickets_reply_in_txn(db, a, NULL, ticket_id, note, 1, scratch, NULL, err);
    free(note);
    if (rc ||
        (rc = tickets_reply_in_txn(db, a, NULL, ticket_id, customer_notice, 0, scratch, NULL, err)))
        goto out;
    if ((rc = store_ticket_get(db, ticket_id, t)))
        goto out;
    int64_t now = fd_now_ms();
    json_t *data = json_pack("{s:{s:i, s:s}, s:{s:i, s:s}, s:s, s:o}", "before", "tier", t->tier,
                             "department", t->department, "after", "tier", new_tier, "department",
                             dept_changes ? d.slug : t->department, "reason", reason, "unassigned",
                             t->assignee_id ? json_integer(t->assignee_id) : json_null());
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    rc = text ? store_event_insert(db, ticket_id, a->user.id, "escalated", text, now) : FD_ENOMEM;
    free(text);
    if (rc)
        goto out;
    t->tier = new_tier;
    if (dept_changes) {
        t->department_id = d.id;
        snprintf(t->department, sizeof(t->department), "%s", d.slug);
    }
    t->assignee_id = 0;
    t->updated_at = now;
    if ((rc = store_ticket_update(db, t)) || (rc = db_commit(db)))
        goto out;
    rc = store_ticket_get(db, ticket_id, out);
out:
    db_rollback(db);
    free(t);
    free(scratch);
    return rc;
}

struct esc_ctx {
    int (*cb)(void *ctx, const struct event_rec *e);
    void *ctx;
};

static int only_escalations(void *ctx, const struct event_rec *e)
{
    struct esc_ctx *x = ctx;
    return strcmp(e->type, "escalated") == 0 ? x->cb(x->ctx, e) : 0;
}

int complaints_escalations(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                           int (*cb)(void *ctx, const struct event_rec *e), void *ctx)
{
    struct ticket_rec *t = xmalloc(sizeof(*t));
    int rc = tickets_get(db, a, ticket_id, t);
    free(t);
    if (rc)
        return rc;
    if (!auth_is_staff(a))
        return FD_EFORBIDDEN;
    struct esc_ctx x = {cb, ctx};
    return store_event_list(db, ticket_id, only_escalations, &x);
}
