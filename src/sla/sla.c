/* Ticket clocks: recomputation, warnings, breaches, escalation; auto-close, reminders. */
#include "sla/sla.h"

#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "mail/mail.h"
#include "sched/sched.h"
#include "sla/calendar.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 512
#define MAX_MESSAGES 4096
#define NO_DUE INT64_MAX

static struct sla_settings settings;

void sla_configure(const struct sla_settings *s)
{
    settings = *s;
}

static const char *const metrics[3] = {"first_reply", "next_reply", "resolution"};

/* ---- loading what a computation needs ---------------------------------------------- */

struct sla_calendar *sla_calendar_load(struct db *db, int64_t calendar_id, int64_t department_id)
{
    struct sla_calendar_rec rec = {0};
    int rc = FD_ENOTFOUND;
    if (calendar_id)
        rc = store_sla_calendar_get(db, calendar_id, &rec);
    if (rc && department_id) {
        int64_t cid = 0;
        if (store_dept_calendar_get(db, department_id, &cid) == 0)
            rc = store_sla_calendar_get(db, cid, &rec);
    }
    if (rc)
        rc = store_sla_calendar_get_default(db, &rec);
    struct sla_calendar *c = NULL;
    if (rc == 0) {
        json_t *j = json_loads(rec.spec, 0, NULL);
        /* A stored calendar was valid when saved; if its zone has since vanished from
         * the system, 24x7 UTC keeps tickets moving rather than failing every change. */
        if (!j || sla_calendar_from_json(j, &c, NULL) != 0)
            c = NULL;
        json_decref(j);
        free(rec.spec);
    }
    return c ? c : sla_calendar_new();
}

struct seg {
    int64_t at;
    char status[16];
};

struct timeline {
    struct seg s[MAX_SEGMENTS];
    int n;
};

static int add_status(void *ctx, int64_t at, const char *data)
{
    struct timeline *tl = ctx;
    json_t *j = json_loads(data, 0, NULL);
    const char *after = json_string_value(json_object_get(j, "after"));
    if (after && tl->n < MAX_SEGMENTS) {
        tl->s[tl->n].at = at;
        snprintf(tl->s[tl->n].status, sizeof(tl->s[0].status), "%s", after);
        tl->n++;
    } else if (after) {
        /* Keep the latest status: overwrite the last segment. */
        tl->s[tl->n - 1].at = at;
        snprintf(tl->s[tl->n - 1].status, sizeof(tl->s[0].status), "%s", after);
    }
    json_decref(j);
    return 0;
}

struct msg {
    int64_t id, at;
    int staff, internal;
};

struct msgs {
    struct msg m[MAX_MESSAGES];
    int n;
};

static int add_msg(void *ctx, int64_t id, int staff, int internal, int64_t at)
{
    struct msgs *ms = ctx;
    if (ms->n >= MAX_MESSAGES)
        return 1;
    ms->m[ms->n++] = (struct msg){id, at, staff, internal};
    return 0;
}

/* Pending waits on the customer; solved and closed are done: the clocks pause. On hold
 * (waiting on a third party or another team) keeps them running: the customer is still
 * waiting on us. */
static int active(const char *status)
{
    return strcmp(status, "new") == 0 || strcmp(status, "open") == 0 ||
           strcmp(status, "on_hold") == 0;
}

struct clock {
    int64_t start, stop; /* stop 0 = still running */
    int64_t target_ms;
    int64_t due;       /* 0 = none yet (paused with budget left) */
    int64_t remaining; /* business ms left at the end of the timeline */
    const char *state;
};

/* Walks the status timeline from c->start, spending the budget in active periods. */
static void run_clock(const struct sla_calendar *cal, const struct timeline *tl, struct clock *c)
{
    int64_t left = c->target_ms;
    c->due = 0;
    int last_active = 0;
    for (int i = 0; i < tl->n; i++) {
        int64_t a = tl->s[i].at, b = i + 1 < tl->n ? tl->s[i + 1].at : NO_DUE;
        if (a < c->start)
            a = c->start;
        if (c->stop && b > c->stop)
            b = c->stop;
        last_active = active(tl->s[i].status);
        if (b <= a || !active(tl->s[i].status) || c->due)
            continue;
        int64_t d = 0;
        if (sla_calendar_add(cal, a, left, &d) == 0 && d <= b) {
            c->due = d;
            left = 0;
        } else if (b != NO_DUE) {
            left -= sla_calendar_elapsed(cal, a, b);
        }
    }
    c->remaining = left > 0 ? left : 0;
    c->state = c->stop ? "met" : last_active ? "running" : "paused";
}

struct ticket_ctx {
    struct ticket_rec t;
    struct timeline tl;
    struct msgs ms;
};

static int load_ticket(struct db *db, int64_t id, struct ticket_ctx *x)
{
    int rc = store_ticket_get(db, id, &x->t);
    if (rc)
        return rc;
    x->tl.n = 1;
    x->tl.s[0].at = x->t.created_at;
    snprintf(x->tl.s[0].status, sizeof(x->tl.s[0].status), "new");
    x->ms.n = 0;
    if ((rc = store_ticket_status_changes(db, id, add_status, &x->tl)))
        return rc;
    return store_ticket_message_times(db, id, add_msg, &x->ms);
}

/* Fills start/stop of a metric from the messages and the timeline. Returns 0 when the
 * metric has no clock now (next reply before any customer follow-up). */
static int metric_window(const struct ticket_ctx *x, int metric, int64_t *start, int64_t *stop)
{
    *stop = 0;
    if (metric == 0 || metric == 2)
        *start = x->t.created_at;
    if (metric == 0) {
        /* The first public staff message after the opening one. */
        for (int i = 1; i < x->ms.n; i++) {
            if (x->ms.m[i].staff && !x->ms.m[i].internal) {
                *stop = x->ms.m[i].at;
                break;
            }
        }
        return 1;
    }
    if (metric == 2) {
        const struct seg *last = &x->tl.s[x->tl.n - 1];
        if (strcmp(last->status, "solved") == 0 || strcmp(last->status, "closed") == 0)
            *stop = last->at > x->t.created_at ? last->at : x->t.created_at;
        return 1;
    }
    /* Next reply: after the first staff reply, each customer message that follows a
     * staff reply opens a cycle, closed by the next staff reply. The latest cycle counts. */
    int replied = 0;
    int64_t open_since = 0, cyc_start = 0, cyc_stop = 0;
    for (int i = 1; i < x->ms.n; i++) {
        const struct msg *m = &x->ms.m[i];
        if (m->internal)
            continue;
        if (m->staff) {
            if (open_since) {
                cyc_start = open_since;
                cyc_stop = m->at;
                open_since = 0;
            }
            replied = 1;
        } else if (replied && !open_since) {
            open_since = m->at;
        }
    }
    if (open_since) {
        *start = open_since;
        return 1;
    }
    if (cyc_start) {
        *start = cyc_start;
        *stop = cyc_stop;
        return 1;
    }
    return 0;
}

static int target_of(const struct sla_policy_rec *p, int metric)
{
    return metric == 0 ? p->first_reply_min : metric == 1 ? p->next_reply_min : p->resolution_min;
}

/* ---- scheduling ---------------------------------------------------------------------- */

static int schedule(struct db *db, const char *kind, const char *prefix, int64_t ticket_id,
                    int64_t due, const char *field, int64_t since)
{
    char key[64];
    snprintf(key, sizeof(key), "%s:%lld", prefix, (long long)ticket_id);
    if (due == NO_DUE)
        return sched_cancel(db, key);
    char payload[128];
    if (field)
        snprintf(payload, sizeof(payload), "{\"ticket_id\":%lld,\"%s\":%lld}", (long long)ticket_id,
                 field, (long long)since);
    else
        snprintf(payload, sizeof(payload), "{\"ticket_id\":%lld}", (long long)ticket_id);
    return sched_schedule(db, kind, key, due, payload);
}

struct next_ctx {
    int warn_min;
    int64_t next;
};

static int next_cb(void *ctx, const struct ticket_sla_rec *r)
{
    struct next_ctx *n = ctx;
    if (!r->due_at || r->breached_at)
        return 0;
    if (r->stopped_at && r->stopped_at < r->due_at)
        return 0; /* met in time: before the due instant */
    int64_t t = r->due_at;
    if (!r->warned_at && !r->stopped_at && strcmp(r->state, "running") == 0)
        t = r->due_at - (int64_t)n->warn_min * 60000;
    if (t < n->next)
        n->next = t;
    return 0;
}

static int schedule_check(struct db *db, int64_t ticket_id, int warn_min)
{
    struct next_ctx n = {warn_min, NO_DUE};
    int rc = store_ticket_sla_list(db, ticket_id, next_cb, &n);
    if (rc)
        return rc;
    return schedule(db, "sla.check", "sla", ticket_id, n.next, NULL, 0);
}

/* ---- recomputation ------------------------------------------------------------------- */

int sla_ticket_changed(struct db *db, int64_t ticket_id, int64_t now)
{
    struct ticket_ctx *x = xcalloc(1, sizeof(*x));
    struct sla_calendar *cal = NULL;
    int rc = load_ticket(db, ticket_id, x);
    if (rc)
        goto out;
    int vip = 0;
    if ((rc = store_user_vip_level(db, x->t.requester_id, &vip)))
        goto out;
    struct sla_policy_rec p;
    memset(&p, 0, sizeof(p));
    rc = store_sla_policy_match(db, x->t.priority, x->t.department_id, vip, &p);
    if (rc == FD_ENOTFOUND) {
        /* No policy for the new priority or department (an escalation to a priority
         * nobody wrote targets for): the ticket keeps the policy it had. */
        struct ticket_sla_rec cur;
        for (int m = 0; m < 3 && rc == FD_ENOTFOUND; m++)
            if (store_ticket_sla_get(db, ticket_id, metrics[m], &cur) == 0 && cur.policy_id)
                rc = store_sla_policy_get(db, cur.policy_id, &p);
    }
    int have_policy = rc == 0;
    if (rc && rc != FD_ENOTFOUND)
        goto out;
    rc = 0;
    if (have_policy)
        cal = sla_calendar_load(db, p.calendar_id, x->t.department_id);
    for (int m = 0; m < 3; m++) {
        int64_t start = 0, stop = 0;
        int target = have_policy ? target_of(&p, m) : -1;
        if (target < 0 || !metric_window(x, m, &start, &stop)) {
            if ((rc = store_ticket_sla_delete(db, ticket_id, metrics[m])))
                goto out;
            continue;
        }
        struct clock c = {.start = start, .stop = stop, .target_ms = (int64_t)target * 60000};
        run_clock(cal, &x->tl, &c);
        struct ticket_sla_rec old, r;
        memset(&r, 0, sizeof(r));
        rc = store_ticket_sla_get(db, ticket_id, metrics[m], &old);
        if (rc && rc != FD_ENOTFOUND)
            goto out;
        if (rc == 0 && old.started_at == start) {
            r.warned_at = old.warned_at;
            r.breached_at = old.breached_at;
        }
        rc = 0;
        r.ticket_id = ticket_id;
        snprintf(r.metric, sizeof(r.metric), "%s", metrics[m]);
        r.policy_id = p.id;
        r.target_min = target;
        r.started_at = start;
        snprintf(r.state, sizeof(r.state), "%s", c.state);
        r.due_at = c.due;
        r.remaining_ms = c.remaining;
        r.stopped_at = stop;
        if ((rc = store_ticket_sla_put(db, &r)))
            goto out;
    }
    if ((rc = schedule_check(db, ticket_id, have_policy ? p.warn_min : 0)))
        goto out;
    /* Housekeeping: auto-close solved tickets, remind customers on pending ones. */
    const struct seg *last = &x->tl.s[x->tl.n - 1];
    int solved = strcmp(x->t.status, "solved") == 0;
    int pending = strcmp(x->t.status, "pending") == 0;
    if ((rc = schedule(db, "ticket.autoclose", "autoclose", ticket_id,
                       solved && settings.autoclose_ms ? last->at + settings.autoclose_ms : NO_DUE,
                       "solved_at", last->at)))
        goto out;
    rc = schedule(db, "ticket.remind", "remind", ticket_id,
                  pending && settings.reminder_ms ? last->at + settings.reminder_ms : NO_DUE,
                  "pending_since", last->at);
    (void)now;
out:
    sla_calendar_free(cal);
    free(x);
    return rc;
}

/* ---- warnings, breaches, escalation ---------------------------------------------------- */

static int ticket_event(struct db *db, int64_t ticket_id, const char *type, json_t *data,
                        int64_t now)
{
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, 0, type, text, now);
    free(text);
    return rc;
}

struct notify_ctx {
    struct db *db;
    const struct ticket_rec *t;
    const char *kind;
    const char *text;
    int64_t now;
    json_t *ids;
    int rc;
};

static int notify_one(void *ctx, const struct user_rec *u)
{
    struct notify_ctx *n = ctx;
    n->rc = store_notification_insert(n->db, u->id, n->t->id, n->kind, n->text, n->now);
    if (n->rc)
        return 1;
    json_array_append_new(n->ids, json_integer(u->id));
    return 0;
}

/* Notifies the department's supervisors (in the console, and by email when mail is set
 * up) and records who was told. */
static int notify_supervisors(struct db *db, const struct ticket_rec *t, const char *kind,
                              const char *text, int64_t now)
{
    struct notify_ctx n = {db, t, kind, text, now, json_array(), 0};
    int rc = store_dept_supervisors(db, t->department_id, notify_one, &n);
    if (rc == 0)
        rc = n.rc;
    if (rc == 0 && settings.mail) {
        size_t i;
        json_t *v;
        json_array_foreach(n.ids, i, v)
        {
            struct user_rec u;
            if ((rc = store_user_get(db, json_integer_value(v), &u)))
                break;
            char subject[160];
            snprintf(subject, sizeof(subject), "[FD-%lld] %s", (long long)(t->id + 10000), kind);
            struct mail_notice mn = {0};
            mn.ticket_id = t->id;
            mn.department_id = t->department_id;
            mn.to_name = u.name;
            mn.to_email = u.email;
            mn.subject = subject;
            mn.text = text;
            mn.kind = "notice";
            mn.auto_submitted = 1;
            if ((rc = mail_queue(db, settings.mail, &mn)))
                break;
        }
    }
    if (rc == 0)
        rc = ticket_event(db, t->id, "sla_notified",
                          json_pack("{s:s, s:O}", "kind", kind, "user_ids", n.ids), now);
    json_decref(n.ids);
    return rc;
}

static int prio_rank(const char *p)
{
    static const char *const order[] = {"low", "normal", "high", "urgent"};
    for (int i = 0; i < 4; i++)
        if (strcmp(p, order[i]) == 0)
            return i;
    return -1;
}

static int escalate(struct db *db, struct ticket_rec *t, const struct sla_policy_rec *p,
                    const char *metric, int64_t now, int *changed)
{
    int rc = 0;
    if (p->escalate_priority[0] && prio_rank(p->escalate_priority) > prio_rank(t->priority)) {
        rc = ticket_event(db, t->id, "priority_changed",
                          json_pack("{s:s, s:s, s:s, s:s}", "before", t->priority, "after",
                                    p->escalate_priority, "reason", "sla_breach", "metric", metric),
                          now);
        snprintf(t->priority, sizeof(t->priority), "%s", p->escalate_priority);
        *changed = 1;
    }
    if (rc == 0 && p->escalate_tier > t->tier) {
        rc = ticket_event(db, t->id, "tier_changed",
                          json_pack("{s:i, s:i, s:s, s:s}", "before", t->tier, "after",
                                    p->escalate_tier, "reason", "sla_breach", "metric", metric),
                          now);
        t->tier = p->escalate_tier;
        *changed = 1;
    }
    return rc;
}

struct rows {
    struct ticket_sla_rec r[3];
    int n;
};

static int collect(void *ctx, const struct ticket_sla_rec *r)
{
    struct rows *rs = ctx;
    if (rs->n < 3)
        rs->r[rs->n++] = *r;
    return 0;
}

static const char *metric_label(const char *m)
{
    return strcmp(m, "first_reply") == 0  ? "first reply"
           : strcmp(m, "next_reply") == 0 ? "next reply"
                                          : "resolution";
}

int sla_ticket_check(struct db *db, int64_t ticket_id, int64_t now)
{
    struct rows rs = {0};
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    int rc = store_ticket_get(db, ticket_id, t);
    if (rc)
        goto out;
    if ((rc = store_ticket_sla_list(db, ticket_id, collect, &rs)))
        goto out;
    int changed = 0, warn_min = 0;
    for (int i = 0; i < rs.n; i++) {
        struct ticket_sla_rec *r = &rs.r[i];
        if (!r->due_at || r->breached_at)
            continue;
        struct sla_policy_rec p;
        memset(&p, 0, sizeof(p));
        if (r->policy_id && (rc = store_sla_policy_get(db, r->policy_id, &p)) && rc != FD_ENOTFOUND)
            goto out;
        rc = 0;
        if (r->policy_id)
            warn_min = p.warn_min;
        char due[32], text[400];
        fd_iso8601(r->due_at, due, sizeof(due));
        /* Due means "answered before this instant": at the due instant it is late. */
        int late = r->stopped_at ? r->due_at <= r->stopped_at : r->due_at <= now;
        if (late && r->due_at <= now) {
            r->breached_at = r->due_at;
            if ((rc = ticket_event(db, ticket_id, "sla_breached",
                                   json_pack("{s:s, s:s, s:i, s:I}", "metric", r->metric, "due_at",
                                             due, "target_min", r->target_min, "policy_id",
                                             (json_int_t)r->policy_id),
                                   now)))
                goto out;
            if ((rc = escalate(db, t, &p, r->metric, now, &changed)))
                goto out;
            snprintf(text, sizeof(text), "FD-%lld \"%.150s\": %s target breached (due %s)",
                     (long long)(ticket_id + 10000), t->subject, metric_label(r->metric), due);
            if (p.notify && (rc = notify_supervisors(db, t, "SLA breached", text, now)))
                goto out;
        } else if (!r->warned_at && !r->stopped_at && strcmp(r->state, "running") == 0 &&
                   r->due_at - (int64_t)p.warn_min * 60000 <= now) {
            r->warned_at = now;
            if ((rc = ticket_event(db, ticket_id, "sla_warning",
                                   json_pack("{s:s, s:s, s:i}", "metric", r->metric, "due_at", due,
                                             "warn_min", p.warn_min),
                                   now)))
                goto out;
            snprintf(text, sizeof(text), "FD-%lld \"%.150s\": %s due %s",
                     (long long)(ticket_id + 10000), t->subject, metric_label(r->metric), due);
            if (t->assignee_id)
                rc = store_notification_insert(db, t->assignee_id, ticket_id, "SLA warning", text,
                                               now);
            else if (p.notify)
                rc = notify_supervisors(db, t, "SLA warning", text, now);
            if (rc)
                goto out;
        } else {
            continue;
        }
        if ((rc = store_ticket_sla_put(db, r)))
            goto out;
    }
    if (changed) {
        t->updated_at = now;
        if ((rc = store_ticket_update(db, t)))
            goto out;
        /* A new priority or tier may select another policy. */
        rc = sla_ticket_changed(db, ticket_id, now);
    } else {
        rc = schedule_check(db, ticket_id, warn_min);
    }
out:
    free(t);
    return rc;
}

/* ---- jobs ---------------------------------------------------------------------------- */

static int64_t payload_int(const char *payload, const char *key)
{
    json_t *j = json_loads(payload, 0, NULL);
    int64_t v = json_integer_value(json_object_get(j, key));
    json_decref(j);
    return v;
}

static int job_check(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                     int64_t *again)
{
    int rc = sla_ticket_check(db, payload_int(job->payload, "ticket_id"), now);
    return rc == FD_ENOTFOUND ? 0 : rc;
}

/* The start of the ticket's current status, from its timeline. */
static int status_since(struct db *db, int64_t id, struct ticket_ctx *x, int64_t *since)
{
    int rc = load_ticket(db, id, x);
    if (rc == 0)
        *since = x->tl.s[x->tl.n - 1].at;
    return rc;
}

static int job_autoclose(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                         int64_t *again)
{
    int64_t id = payload_int(job->payload, "ticket_id");
    struct ticket_ctx *x = xcalloc(1, sizeof(*x));
    int64_t since = 0;
    int rc = status_since(db, id, x, &since);
    if (rc == 0 && strcmp(x->t.status, "solved") == 0 &&
        since == payload_int(job->payload, "solved_at")) {
        rc = ticket_event(db, id, "status_changed",
                          json_pack("{s:s, s:s, s:s}", "before", "solved", "after", "closed",
                                    "reason", "auto_close"),
                          now);
        snprintf(x->t.status, sizeof(x->t.status), "closed");
        x->t.updated_at = now;
        if (rc == 0)
            rc = store_ticket_update(db, &x->t);
        if (rc == 0)
            rc = sla_ticket_changed(db, id, now);
    }
    free(x);
    return rc == FD_ENOTFOUND ? 0 : rc;
}

static int job_remind(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                      int64_t *again)
{
    int64_t id = payload_int(job->payload, "ticket_id");
    struct ticket_ctx *x = xcalloc(1, sizeof(*x));
    int64_t since = 0, sent = 0;
    int rc = status_since(db, id, x, &since);
    if (rc == 0 && strcmp(x->t.status, "pending") == 0 &&
        since == payload_int(job->payload, "pending_since") &&
        (rc = store_event_count_since(db, id, "reminder_sent", since, &sent)) == 0 && sent == 0) {
        char text[600];
        snprintf(text, sizeof(text),
                 "Hello %s,\n\nwe are waiting for your answer on \"%.200s\" (FD-%lld). Reply to "
                 "this message, or on the support portal, so that we can continue.\n",
                 x->t.requester_name, x->t.subject, (long long)(id + 10000));
        int mailed = 0;
        if (settings.mail) {
            rc = mail_queue_ticket(db, settings.mail, &x->t, "notice", text, NULL, 1);
            mailed = rc == 0;
        }
        if (rc == 0)
            rc = ticket_event(
                db, id, "reminder_sent",
                json_pack("{s:I, s:b}", "pending_since", (json_int_t)since, "emailed", mailed),
                now);
    }
    free(x);
    return rc == FD_ENOTFOUND ? 0 : rc;
}

int sla_register_jobs(void)
{
    int rc = sched_register("sla.check", job_check, NULL);
    if (rc == 0)
        rc = sched_register("ticket.autoclose", job_autoclose, NULL);
    if (rc == 0)
        rc = sched_register("ticket.remind", job_remind, NULL);
    return rc;
}
