/* Complaint lifecycle, access, notices, breaches and corrections; every change with its
 * complaint_events rows in one write transaction. */
#include "complaints.h"

#include "../auth/auth.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../mail/mail.h"
#include "../sched/sched.h"
#include "../store/store.h"
#include "../tickets/tickets.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const complaints_services[] = {"account", "deposits", "withdrawals", "trading",
                                           "fees",    "kyc",      "security",    "custody",
                                           "staking", "support",  "other",       NULL};
const char *const complaints_statuses[] = {"received", "acknowledged", "under_investigation",
                                           "decided",  "closed",       NULL};

static int one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

void complaints_format_ref(int64_t id, char *out, size_t n)
{
    snprintf(out, n, COMPLAINT_REF_FMT, (long long)id);
}

int complaints_parse_ref(const char *s, int64_t *id)
{
    if (strncmp(s, "CMP-", 4) == 0)
        s += 4;
    if (!isdigit((unsigned char)*s))
        return FD_ENOTFOUND;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 1)
        return FD_ENOTFOUND;
    *id = v;
    return 0;
}

int complaints_transition_ok(const char *from, const char *to)
{
    static const char *const allowed[][2] = {
        {"received", "acknowledged"}, {"acknowledged", "under_investigation"},
        {"acknowledged", "closed"},   {"under_investigation", "decided"},
        {"decided", "closed"},
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (strcmp(allowed[i][0], from) == 0 && strcmp(allowed[i][1], to) == 0)
            return 1;
    return 0;
}

int complaints_event_public(const char *type)
{
    static const char *const pub[] = {"filed", "status_changed", "decision_delayed",
                                      "customer_notified", NULL};
    return one_of(type, pub);
}

/* Writes one complaint event; takes data (may be NULL = {}). */
static int event(struct db *db, int64_t complaint_id, int64_t actor_id, const char *type,
                 json_t *data, int64_t now)
{
    if (!data)
        data = json_object();
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!text)
        return FD_ENOMEM;
    int rc = store_complaint_event_insert(db, complaint_id, actor_id, type, text, now);
    free(text);
    return rc;
}

/* Checks a text field: required ones must be non-blank; all within max bytes. */
static int check_text(const char *s, const char *field, size_t max, int required,
                      struct fd_error *err)
{
    if (!s || !*s) {
        if (required)
            return fd_fail(err, FD_EINVAL, field, "%s is required", field);
        return 0;
    }
    size_t n = strlen(s);
    if (n > max)
        return fd_fail(err, FD_EINVAL, field, "%s: at most %zu bytes", field, max);
    int blank = 1;
    for (size_t i = 0; i < n && blank; i++)
        blank = isspace((unsigned char)s[i]) != 0;
    if (blank && required)
        return fd_fail(err, FD_EINVAL, field, "%s must not be blank", field);
    return 0;
}

static int check_input(const struct complaint_input *in, int portal, struct fd_error *err)
{
    int rc;
    if ((rc = check_text(in->complainant_name, "complainant_name", FD_NAME_MAX, portal, err)) ||
        (rc = check_text(in->complainant_contact, "complainant_contact", FD_EMAIL_MAX, portal,
                         err)) ||
        (rc = check_text(in->account_uid, "account_uid", COMPLAINT_UID_MAX, 0, err)) ||
        (rc = check_text(in->on_behalf_of, "on_behalf_of", FD_NAME_MAX, in->on_behalf, err)) ||
        (rc = check_text(in->description, "description", COMPLAINT_TEXT_MAX, portal, err)) ||
        (rc = check_text(in->incident_dates, "incident_dates", COMPLAINT_DATES_MAX, 0, err)) ||
        (rc = check_text(in->request, "request", COMPLAINT_SHORT_MAX, portal, err)))
        return rc;
    if (in->account_uid)
        for (const char *p = in->account_uid; *p; p++)
            if (!isalnum((unsigned char)*p))
                return fd_fail(err, FD_EINVAL, "account_uid",
                               "account_uid must be letters and digits only");
    if (in->on_behalf_of && *in->on_behalf_of && !in->on_behalf)
        return fd_fail(err, FD_EINVAL, "on_behalf_of",
                       "on_behalf_of is only for a complaint made on behalf of someone");
    if ((portal || in->service) && (!in->service || !one_of(in->service, complaints_services)))
        return fd_fail(err, FD_EINVAL, "service",
                       "service must be one of account, deposits, withdrawals, trading, fees, "
                       "kyc, security, custody, staking, support, other");
    if (in->nlinked < 0 || in->nlinked > COMPLAINT_LINKS_MAX)
        return fd_fail(err, FD_EINVAL, "linked_tickets", "at most %d linked tickets",
                       COMPLAINT_LINKS_MAX);
    return 0;
}

#define SET(field, v) snprintf((field), sizeof(field), "%s", (v) ? (v) : "")

/* Fills c from in (given fields only) and checks the linked tickets are the actor's. */
static int apply_input(struct db *db, const struct auth_actor *a, const struct complaint_input *in,
                       struct complaint_rec *c, struct fd_error *err)
{
    if (in->complainant_name && *in->complainant_name)
        SET(c->complainant_name, in->complainant_name);
    if (in->complainant_contact && *in->complainant_contact)
        SET(c->complainant_contact, in->complainant_contact);
    if (in->account_uid && *in->account_uid)
        SET(c->account_uid, in->account_uid);
    c->on_behalf = in->on_behalf ? 1 : 0;
    SET(c->on_behalf_of, in->on_behalf_of);
    if (in->service)
        SET(c->service, in->service);
    if (in->description && *in->description)
        SET(c->description, in->description);
    if (in->incident_dates && *in->incident_dates)
        SET(c->incident_dates, in->incident_dates);
    if (in->request && *in->request)
        SET(c->request, in->request);
    size_t len = strlen(c->linked_tickets);
    for (int i = 0; i < in->nlinked; i++) {
        struct ticket_rec *t = xmalloc(sizeof(*t));
        int rc = tickets_get(db, a, in->linked[i], t);
        free(t);
        char ref[32];
        tickets_format_ref(in->linked[i], ref, sizeof(ref));
        if (rc == FD_ENOTFOUND)
            return fd_fail(err, FD_EINVAL, "linked_tickets", "%s is not one of your tickets", ref);
        if (rc)
            return rc;
        int dup = 0;
        for (int k = 0; k < i; k++)
            dup |= in->linked[k] == in->linked[i];
        if (dup)
            continue;
        char idtxt[24];
        snprintf(idtxt, sizeof(idtxt), "%lld", (long long)in->linked[i]);
        int w = snprintf(c->linked_tickets + len, sizeof(c->linked_tickets) - len, "%s%s",
                         len ? " " : "", idtxt);
        if (w < 0 || (size_t)w >= sizeof(c->linked_tickets) - len)
            return fd_fail(err, FD_EINVAL, "linked_tickets", "too many linked tickets");
        len += (size_t)w;
    }
    return 0;
}

/* Sets the clocks of a complaint received at now. */
static int start_clocks(const struct complaints_cfg *cfg, struct complaint_rec *c, int64_t now,
                        struct fd_error *err)
{
    c->received_at = now;
    int rc = complaints_business_deadline(now, cfg->ack_business_days, cfg->timezone, cfg->holidays,
                                          &c->ack_due_at, err);
    if (rc)
        return rc;
    c->decision_due_at = c->decision_due_original = complaints_add_months(now, 2);
    c->updated_at = now;
    snprintf(c->status, sizeof(c->status), "received");
    return 0;
}

/*
 * Tells the customer: an email through the outbox (when mail is configured) and, in any
 * case, a "customer_notified" event the portal shows. Inside the caller's transaction.
 */
static int notify(struct db *db, const struct complaints_cfg *cfg, const struct complaint_rec *c,
                  int64_t actor_id, const char *what, const char *text, int64_t now)
{
    char ref[32], subject[FD_SUBJECT_MAX + 1];
    complaints_format_ref(c->id, ref, sizeof(ref));
    snprintf(subject, sizeof(subject), "[%s] Your complaint: %s", ref, what);
    int emailed = 0;
    if (cfg && cfg->mail) {
        int64_t dept = 0;
        if (c->ticket_id) {
            struct ticket_rec *t = xmalloc(sizeof(*t));
            if (store_ticket_get(db, c->ticket_id, t) == 0)
                dept = t->department_id;
            free(t);
        }
        if (!dept) {
            struct department_rec d;
            int rc = store_department_by_slug(db, cfg->mail->default_department, &d);
            if (rc)
                return rc;
            dept = d.id;
        }
        struct mail_notice n = {0};
        n.department_id = dept;
        n.to_name = c->customer_name;
        n.to_email = c->customer_email;
        n.subject = subject;
        n.text = text;
        n.kind = "notice";
        n.auto_submitted = 1;
        int rc = mail_queue(db, cfg->mail, &n);
        if (rc)
            return rc;
        emailed = 1;
    }
    json_t *channels = json_array();
    json_array_append_new(channels, json_string("portal"));
    if (emailed)
        json_array_append_new(channels, json_string("email"));
    return event(
        db, c->id, actor_id, "customer_notified",
        json_pack("{s:s, s:s, s:o}", "subject", subject, "text", text, "channels", channels), now);
}

int complaints_is_handler(struct db *db, const struct auth_actor *a, int *yes)
{
    if (!auth_is_staff(a)) {
        *yes = 0;
        return 0;
    }
    if (auth_sees_all(a)) {
        *yes = 1;
        return 0;
    }
    int on = 0;
    int rc = store_user_compliance_get(db, a->user.id, &on);
    if (rc)
        return rc;
    *yes = on;
    return 0;
}

static int require_handler(struct db *db, const struct auth_actor *a, struct fd_error *err)
{
    int yes = 0;
    int rc = complaints_is_handler(db, a, &yes);
    if (rc)
        return rc;
    if (!yes)
        return fd_fail(err, FD_EFORBIDDEN, NULL,
                       "only compliance officers and supervisors handle complaints");
    return 0;
}

int complaints_set_handler(struct db *db, const struct auth_actor *a, int64_t user_id, int on,
                           struct fd_error *err)
{
    if (a->user.role != ROLE_ADMIN)
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only admins grant the compliance permission");
    int rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct user_rec u;
    if ((rc = store_user_get(db, user_id, &u)))
        goto out;
    if (u.role == ROLE_CUSTOMER) {
        rc = fd_fail(err, FD_EINVAL, "user_id", "customers cannot handle complaints");
        goto out;
    }
    int was = 0;
    if ((rc = store_user_compliance_get(db, user_id, &was)))
        goto out;
    if (was != (on ? 1 : 0)) {
        if ((rc = store_user_compliance_set(db, user_id, on)))
            goto out;
        json_t *d = json_pack("{s:I, s:b, s:b}", "user_id", (json_int_t)user_id, "before", was,
                              "after", on ? 1 : 0);
        char *text = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = text ? store_event_insert(db, 0, a->user.id, "compliance_changed", text, fd_now_ms())
                  : FD_ENOMEM;
        free(text);
        if (rc)
            goto out;
    }
    rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}

static json_t *input_summary(const struct complaint_rec *c)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I}", "channel", c->channel, "service", c->service,
                     "received_at", (json_int_t)c->received_at, "ack_due_at",
                     (json_int_t)c->ack_due_at, "decision_due_at", (json_int_t)c->decision_due_at);
}

/* ---- the scheduled clock checks ------------------------------------------------- */

#define CLOCK_JOB "complaint.clock"

/* Queues (or moves) the check of one step of c just after its due time, inside the
 * caller's transaction: the job's key is per complaint and step. */
static int schedule_check(struct db *db, const struct complaint_rec *c, int ack)
{
    char key[64], payload[64];
    snprintf(key, sizeof(key), "complaint:%lld:%s", (long long)c->id, ack ? "ack" : "decision");
    snprintf(payload, sizeof(payload), "{\"complaint_id\":%lld}", (long long)c->id);
    return sched_schedule(db, CLOCK_JOB, key, (ack ? c->ack_due_at : c->decision_due_at) + 1,
                          payload);
}

static int cancel_check(struct db *db, const struct complaint_rec *c, int ack)
{
    char key[64];
    snprintf(key, sizeof(key), "complaint:%lld:%s", (long long)c->id, ack ? "ack" : "decision");
    return sched_cancel(db, key);
}

static int mark_late(struct db *db, struct complaint_rec *c, int64_t now, int *changed);

/* The job: marks whatever step of the complaint is late now (nothing when it was done in
 * time or already marked). Runs inside the scheduler's transaction. */
static int clock_job(struct db *db, const struct sched_job *job, int64_t now, void *ctx,
                     int64_t *again_at)
{
    (void)ctx;
    (void)again_at;
    json_t *p = json_loads(job->payload, 0, NULL);
    json_int_t id = p ? json_integer_value(json_object_get(p, "complaint_id")) : 0;
    json_decref(p);
    if (id <= 0)
        return 0; /* a malformed job has nothing to do; retrying would not help */
    struct complaint_rec *c = xmalloc(sizeof(*c));
    int changed = 0;
    int rc = store_complaint_get(db, id, c);
    if (rc == FD_ENOTFOUND)
        rc = 0;
    else if (rc == 0 && (rc = mark_late(db, c, now, &changed)) == 0 && changed)
        rc = store_complaint_update(db, c);
    free(c);
    return rc;
}

int complaints_file(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                    const struct complaint_input *in, struct complaint_rec *out,
                    struct fd_error *err)
{
    if (auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL,
                       "staff open a complaint by converting the customer's ticket");
    int rc = check_input(in, 1, err);
    if (rc)
        return rc;
    struct complaint_rec *c = xcalloc(1, sizeof(*c));
    if ((rc = db_begin_write(db)))
        goto out;
    c->customer_id = a->user.id;
    snprintf(c->channel, sizeof(c->channel), "portal");
    int64_t now = fd_now_ms();
    if ((rc = apply_input(db, a, in, c, err)) || (rc = start_clocks(cfg, c, now, err)) ||
        (rc = store_complaint_insert(db, c)) ||
        (rc = event(db, c->id, a->user.id, "filed", input_summary(c), now)) ||
        (rc = schedule_check(db, c, 1)) || (rc = schedule_check(db, c, 0)) || (rc = db_commit(db)))
        goto out;
    rc = store_complaint_get(db, c->id, out);
out:
    db_rollback(db);
    free(c);
    return rc;
}

/* Whether a complaint was already made from this ticket. */
static int find_by_ticket(void *ctx, const struct complaint_rec *c)
{
    int64_t *want = ctx;
    if (c->ticket_id == want[0]) {
        want[1] = c->id;
        return 1;
    }
    return 0;
}

int complaints_convert(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                       int64_t ticket_id, const struct complaint_input *in,
                       struct complaint_rec *out, struct fd_error *err)
{
    if (!auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only agents convert a ticket into a complaint");
    int rc = check_input(in, 0, err);
    if (rc)
        return rc;
    if (in->nlinked)
        return fd_fail(err, FD_EINVAL, "linked_tickets",
                       "a converted complaint is linked to its ticket");
    struct complaint_rec *c = xcalloc(1, sizeof(*c));
    struct ticket_rec *t = xmalloc(sizeof(*t));
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = tickets_get(db, a, ticket_id, t)))
        goto out;
    int64_t found[2] = {ticket_id, 0};
    if ((rc = store_complaint_list(db, t->requester_id, NULL, find_by_ticket, found)))
        goto out;
    if (found[1]) {
        char ref[32];
        complaints_format_ref(found[1], ref, sizeof(ref));
        rc = fd_fail(err, FD_ECONFLICT, "ticket", "this ticket is already complaint %s", ref);
        goto out;
    }
    c->customer_id = t->requester_id;
    c->ticket_id = t->id;
    snprintf(c->linked_tickets, sizeof(c->linked_tickets), "%lld", (long long)t->id);
    snprintf(c->channel, sizeof(c->channel), "agent");
    SET(c->complainant_name, t->requester_name);
    SET(c->complainant_contact, t->requester_email);
    SET(c->account_uid, t->exchange_uid);
    snprintf(c->service, sizeof(c->service), "%.23s",
             one_of(t->department, complaints_services) ? t->department : "other");
    SET(c->description, t->subject);
    SET(c->request, "(to be confirmed with the customer)");
    if ((rc = apply_input(db, a, in, c, err)))
        goto out;
    int64_t now = fd_now_ms();
    if ((rc = start_clocks(cfg, c, now, err)) || (rc = store_complaint_insert(db, c)) ||
        (rc = schedule_check(db, c, 1)) || (rc = schedule_check(db, c, 0)))
        goto out;
    char ref[32], tref[32];
    complaints_format_ref(c->id, ref, sizeof(ref));
    tickets_format_ref(t->id, tref, sizeof(tref));
    json_t *d = input_summary(c);
    json_object_set_new(d, "ticket", json_string(tref));
    if ((rc = event(db, c->id, a->user.id, "filed", d, now)))
        goto out;
    json_t *td = json_pack("{s:{s:s}}", "after", "complaint", ref);
    char *text = json_dumps(td, JSON_COMPACT);
    json_decref(td);
    rc =
        text ? store_event_insert(db, t->id, a->user.id, "complaint_opened", text, now) : FD_ENOMEM;
    free(text);
    if (rc)
        goto out;
    if (strcmp(t->status, "closed") != 0) {
        char note[160];
        snprintf(note, sizeof(note),
                 "Converted into formal complaint %s; it is handled by compliance.", ref);
        struct ticket_rec *t2 = xmalloc(sizeof(*t2));
        rc = tickets_reply_in_txn(db, a, NULL, t->id, note, 1, t2, NULL, err);
        free(t2);
        if (rc)
            goto out;
    }
    if ((rc = db_commit(db)))
        goto out;
    rc = store_complaint_get(db, c->id, out);
out:
    db_rollback(db);
    free(c);
    free(t);
    return rc;
}

int complaints_get(struct db *db, const struct auth_actor *a, int64_t id, struct complaint_rec *out)
{
    int rc = store_complaint_get(db, id, out);
    if (rc)
        return rc;
    if (!auth_is_staff(a))
        return out->customer_id == a->user.id ? 0 : FD_ENOTFOUND;
    int yes = 0;
    if ((rc = complaints_is_handler(db, a, &yes)))
        return rc;
    return yes ? 0 : FD_ENOTFOUND;
}

int complaints_list(struct db *db, const struct auth_actor *a, const char *status,
                    int64_t before_id, int limit,
                    int (*cb)(void *ctx, const struct complaint_rec *c), void *ctx)
{
    if (!auth_is_staff(a))
        return store_complaint_page(db, a->user.id, status, before_id, limit, cb, ctx);
    int rc = require_handler(db, a, NULL);
    if (rc)
        return rc;
    return store_complaint_page(db, 0, status, before_id, limit, cb, ctx);
}

/* Marks a late step once (inside the caller's transaction). */
static int mark_breach(struct db *db, struct complaint_rec *c, int64_t actor_id, int ack,
                       int64_t now)
{
    int *flag = ack ? &c->ack_breached : &c->decision_breached;
    if (*flag)
        return 0;
    *flag = 1;
    return event(db, c->id, actor_id, "breached",
                 json_pack("{s:s, s:I}", "step", ack ? "acknowledgement" : "decision", "due_at",
                           (json_int_t)(ack ? c->ack_due_at : c->decision_due_at)),
                 now);
}

static void fmt_date(int64_t ms, char *out, size_t n)
{
    char iso[32];
    fd_iso8601(ms, iso, sizeof(iso));
    snprintf(out, n, "%.10s", iso);
}

static int step_acknowledge(struct db *db, const struct complaints_cfg *cfg,
                            const struct auth_actor *a, struct complaint_rec *c,
                            const struct complaint_step *s, int64_t now, struct fd_error *err)
{
    int rc;
    if (!s->admissibility || (strcmp(s->admissibility, "admissible") != 0 &&
                              strcmp(s->admissibility, "inadmissible") != 0))
        return fd_fail(err, FD_EINVAL, "admissibility",
                       "admissibility must be admissible or inadmissible");
    int inadmissible = strcmp(s->admissibility, "inadmissible") == 0;
    if ((rc = check_text(s->reason, "reason", COMPLAINT_SHORT_MAX, inadmissible, err)))
        return rc;
    SET(c->admissibility, s->admissibility);
    SET(c->admissibility_reason, s->reason);
    c->acknowledged_at = now;
    if (now > c->ack_due_at && (rc = mark_breach(db, c, a->user.id, 1, now)))
        return rc;
    char text[COMPLAINT_SHORT_MAX + 600], due[16];
    fmt_date(c->decision_due_at, due, sizeof(due));
    if (inadmissible)
        snprintf(text, sizeof(text),
                 "We have received your complaint and assessed it as not admissible as a "
                 "complaint, for this reason:\n\n%s\n\nYou may contact us again with more "
                 "information, or refer the matter to the competent authority.",
                 c->admissibility_reason);
    else
        snprintf(text, sizeof(text),
                 "We have received your complaint and accepted it for investigation. You will "
                 "have our decision by %s at the latest.",
                 due);
    return notify(db, cfg, c, a->user.id, "acknowledged", text, now);
}

static int step_decide(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                       struct complaint_rec *c, const struct complaint_step *s, int64_t now,
                       struct fd_error *err)
{
    static const char *const outcomes[] = {"upheld", "partly_upheld", "rejected", NULL};
    int rc;
    if (!s->outcome || !one_of(s->outcome, outcomes))
        return fd_fail(err, FD_EINVAL, "outcome",
                       "outcome must be upheld, partly_upheld or rejected");
    if ((rc = check_text(s->reason, "reason", COMPLAINT_TEXT_MAX, 1, err)) ||
        (rc = check_text(s->remedies, "remedies", COMPLAINT_SHORT_MAX, 1, err)))
        return rc;
    SET(c->outcome, s->outcome);
    SET(c->decision_reasons, s->reason);
    SET(c->remedies, s->remedies);
    c->decided_at = now;
    if (now > c->decision_due_at && (rc = mark_breach(db, c, a->user.id, 0, now)))
        return rc;
    char *text = xmalloc(COMPLAINT_TEXT_MAX + COMPLAINT_SHORT_MAX + 300);
    snprintf(text, COMPLAINT_TEXT_MAX + COMPLAINT_SHORT_MAX + 300,
             "We have decided on your complaint: %s.\n\nReasons:\n%s\n\nIf you are not "
             "satisfied, these remedies are open to you:\n%s",
             strcmp(c->outcome, "partly_upheld") == 0 ? "partly upheld" : c->outcome,
             c->decision_reasons, c->remedies);
    rc = notify(db, cfg, c, a->user.id, "our decision", text, now);
    free(text);
    return rc;
}

int complaints_transition(struct db *db, const struct complaints_cfg *cfg,
                          const struct auth_actor *a, int64_t id, const struct complaint_step *s,
                          struct complaint_rec *out, struct fd_error *err)
{
    if (!s->to || !one_of(s->to, complaints_statuses))
        return fd_fail(err, FD_EINVAL, "to",
                       "to must be acknowledged, under_investigation, decided or closed");
    struct complaint_rec *c = xcalloc(1, sizeof(*c));
    int rc;
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = complaints_get(db, a, id, c)) || (rc = require_handler(db, a, err)))
        goto out;
    if (!complaints_transition_ok(c->status, s->to)) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a complaint that is %s cannot become %s",
                     c->status, s->to);
        goto out;
    }
    int inadmissible = strcmp(c->admissibility, "inadmissible") == 0;
    if (strcmp(s->to, "under_investigation") == 0 && inadmissible) {
        rc = fd_fail(err, FD_ECONFLICT, "status",
                     "an inadmissible complaint is closed, not investigated");
        goto out;
    }
    if (strcmp(c->status, "acknowledged") == 0 && strcmp(s->to, "closed") == 0 && !inadmissible) {
        rc = fd_fail(err, FD_ECONFLICT, "status",
                     "an admissible complaint needs a decision before it is closed");
        goto out;
    }
    int64_t now = fd_now_ms();
    if (strcmp(s->to, "acknowledged") == 0) {
        rc = step_acknowledge(db, cfg, a, c, s, now, err);
        if (rc == 0)
            rc = cancel_check(db, c, 1);
        if (rc == 0 && strcmp(c->admissibility, "inadmissible") == 0)
            rc = cancel_check(db, c, 0); /* no decision clock */
    } else if (strcmp(s->to, "under_investigation") == 0) {
        c->investigation_at = now;
    } else if (strcmp(s->to, "decided") == 0) {
        rc = step_decide(db, cfg, a, c, s, now, err);
        if (rc == 0)
            rc = cancel_check(db, c, 0);
    } else {
        c->closed_at = now;
    }
    if (rc)
        goto out;
    json_t *d = json_pack("{s:s, s:s}", "before", c->status, "after", s->to);
    if (strcmp(s->to, "acknowledged") == 0)
        json_object_set_new(d, "admissibility", json_string(c->admissibility));
    if (strcmp(s->to, "decided") == 0)
        json_object_set_new(d, "outcome", json_string(c->outcome));
    if ((rc = event(db, c->id, a->user.id, "status_changed", d, now)))
        goto out;
    snprintf(c->status, sizeof(c->status), "%s", s->to);
    c->updated_at = now;
    if ((rc = store_complaint_update(db, c)) || (rc = db_commit(db)))
        goto out;
    rc = store_complaint_get(db, id, out);
out:
    db_rollback(db);
    free(c);
    return rc;
}

int complaints_delay(struct db *db, const struct complaints_cfg *cfg, const struct auth_actor *a,
                     int64_t id, const char *reason, int64_t new_due_ms, struct complaint_rec *out,
                     struct fd_error *err)
{
    int rc = check_text(reason, "reason", COMPLAINT_SHORT_MAX, 1, err);
    if (rc)
        return rc;
    struct complaint_rec *c = xcalloc(1, sizeof(*c));
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = complaints_get(db, a, id, c)) || (rc = require_handler(db, a, err)))
        goto out;
    if (strcmp(c->status, "received") != 0 && strcmp(c->status, "acknowledged") != 0 &&
        strcmp(c->status, "under_investigation") != 0) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a %s complaint has no decision pending",
                     c->status);
        goto out;
    }
    if (strcmp(c->admissibility, "inadmissible") == 0) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "an inadmissible complaint needs no decision");
        goto out;
    }
    int64_t now = fd_now_ms();
    if (new_due_ms <= c->decision_due_at || new_due_ms <= now) {
        rc = fd_fail(err, FD_EINVAL, "new_due_at",
                     "new_due_at must be later than the current due date and than now");
        goto out;
    }
    int64_t before = c->decision_due_at;
    c->decision_due_at = new_due_ms;
    SET(c->delay_reason, reason);
    if ((rc = schedule_check(db, c, 0)))
        goto out;
    if ((rc = event(db, c->id, a->user.id, "decision_delayed",
                    json_pack("{s:I, s:I, s:s}", "before", (json_int_t)before, "after",
                              (json_int_t)new_due_ms, "reason", reason),
                    now)))
        goto out;
    char text[COMPLAINT_SHORT_MAX + 400], due[16];
    fmt_date(new_due_ms, due, sizeof(due));
    snprintf(text, sizeof(text),
             "We are sorry: we cannot give you our decision on your complaint in time, for "
             "this reason:\n\n%s\n\nYou will have our decision by %s at the latest.",
             reason, due);
    if ((rc = notify(db, cfg, c, a->user.id, "our decision will take longer", text, now)))
        goto out;
    c->updated_at = now;
    if ((rc = store_complaint_update(db, c)) || (rc = db_commit(db)))
        goto out;
    rc = store_complaint_get(db, id, out);
out:
    db_rollback(db);
    free(c);
    return rc;
}

int complaints_correct(struct db *db, const struct auth_actor *a, int64_t id, const char *field,
                       const char *value, const char *reason, struct complaint_rec *out,
                       struct fd_error *err)
{
    int rc;
    if (!field)
        return fd_fail(err, FD_EINVAL, "field", "field is required");
    if ((rc = check_text(reason, "reason", COMPLAINT_SHORT_MAX, 1, err)))
        return rc;
    struct complaint_rec *c = xcalloc(1, sizeof(*c));
    struct {
        const char *name;
        char *dst;
        size_t size;
        int required;
    } fields[] = {
        {"complainant_name", c->complainant_name, sizeof(c->complainant_name), 1},
        {"complainant_contact", c->complainant_contact, sizeof(c->complainant_contact), 1},
        {"account_uid", c->account_uid, sizeof(c->account_uid), 0},
        {"incident_dates", c->incident_dates, sizeof(c->incident_dates), 0},
        {"service", c->service, sizeof(c->service), 1},
        {"admissibility_reason", c->admissibility_reason, sizeof(c->admissibility_reason), 0},
        {"decision_reasons", c->decision_reasons, sizeof(c->decision_reasons), 1},
        {"remedies", c->remedies, sizeof(c->remedies), 1},
    };
    size_t k = 0, nf = sizeof(fields) / sizeof(fields[0]);
    while (k < nf && strcmp(fields[k].name, field) != 0)
        k++;
    if (k == nf) {
        rc = fd_fail(err, FD_EINVAL, "field", "%s cannot be corrected", field);
        goto out;
    }
    if ((rc = check_text(value, "value", fields[k].size - 1, fields[k].required, err)))
        goto out;
    if (strcmp(field, "service") == 0 && !one_of(value, complaints_services)) {
        rc = fd_fail(err, FD_EINVAL, "value", "not a known service");
        goto out;
    }
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = complaints_get(db, a, id, c)) || (rc = require_handler(db, a, err)))
        goto out;
    if (strcmp(field, "decision_reasons") == 0 || strcmp(field, "remedies") == 0) {
        if (!c->decided_at) {
            rc = fd_fail(err, FD_ECONFLICT, "status", "there is no decision to correct yet");
            goto out;
        }
    }
    if (strcmp(fields[k].dst, value ? value : "") == 0) {
        rc = fd_fail(err, FD_EINVAL, "value", "the value is unchanged");
        goto out;
    }
    int64_t now = fd_now_ms();
    if ((rc = event(db, c->id, a->user.id, "corrected",
                    json_pack("{s:s, s:s, s:s, s:s}", "field", field, "before", fields[k].dst,
                              "after", value ? value : "", "reason", reason),
                    now)))
        goto out;
    snprintf(fields[k].dst, fields[k].size, "%s", value ? value : "");
    c->updated_at = now;
    if ((rc = store_complaint_update(db, c)) || (rc = db_commit(db)))
        goto out;
    rc = store_complaint_get(db, id, out);
out:
    db_rollback(db);
    free(c);
    return rc;
}

#define BREACH_BATCH 256

static int collect_id(void *ctx, int64_t id)
{
    int64_t *ids = ctx;
    ids[++ids[0]] = id;
    return 0;
}

/* Marks the steps of c that are late at now (inside the caller's transaction); *changed
 * tells whether anything was marked. */
static int mark_late(struct db *db, struct complaint_rec *c, int64_t now, int *changed)
{
    int rc = 0;
    *changed = 0;
    if (!c->ack_breached && !c->acknowledged_at && now > c->ack_due_at) {
        rc = mark_breach(db, c, 0, 1, now);
        *changed = 1;
    }
    if (rc == 0 && strcmp(c->admissibility, "inadmissible") != 0 && !c->decision_breached &&
        !c->decided_at && !c->closed_at && now > c->decision_due_at) {
        rc = mark_breach(db, c, 0, 0, now);
        *changed = 1;
    }
    return rc;
}

int complaints_check_breaches(struct db *db, int64_t now, int *marked)
{
    /* Steps done late are marked when they are done; here only the open, overdue ones.
     * A read finds them first, so that the common case (none) takes no write lock. */
    int64_t *ids = xmalloc(sizeof(int64_t) * (BREACH_BATCH + 1));
    struct complaint_rec *c = xmalloc(sizeof(*c));
    int rc, total = 0;
    for (;;) {
        ids[0] = 0;
        if ((rc = db_begin_read(db)) == 0)
            rc = store_complaint_overdue(db, now, BREACH_BATCH, collect_id, ids);
        db_rollback(db);
        if (rc || ids[0] == 0)
            break;
        if ((rc = db_begin_write(db)))
            break;
        for (int64_t i = 1; i <= ids[0] && rc == 0; i++) {
            int changed = 0;
            if ((rc = store_complaint_get(db, ids[i], c)) == 0 &&
                (rc = mark_late(db, c, now, &changed)) == 0 && changed) {
                rc = store_complaint_update(db, c);
                total++;
            }
        }
        if (rc == 0)
            rc = db_commit(db);
        db_rollback(db);
        if (rc || ids[0] < BREACH_BATCH)
            break;
    }
    free(ids);
    free(c);
    if (rc == 0 && marked)
        *marked = total;
    return rc;
}

int complaints_retention_set(struct db *db, int years)
{
    if (years < 5)
        return FD_EINVAL;
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    /* 366 days a year: never shorter than the calendar years asked for. */
    rc = store_complaint_retention_set(db, (int64_t)years * 366 * 86400000LL);
    if (rc == 0)
        rc = db_commit(db);
    db_rollback(db);
    return rc;
}

int complaints_init(struct store *s, long retention_years, const char *timezone,
                    const char *holidays)
{
    struct fd_error err = {0};
    if (complaints_clock_check(timezone, holidays, &err)) {
        log_printf(LOG_ERR, "complaints", "msg=\"complaint_%s: %s\"", err.field, err.message);
        return FD_EINVAL;
    }
    int rc = sched_register(CLOCK_JOB, clock_job, NULL);
    if (rc) {
        log_printf(LOG_ERR, "complaints", "msg=\"cannot register the clock job\"");
        return rc;
    }
    struct db *db = store_acquire(s);
    rc = complaints_retention_set(db, (int)retention_years);
    store_release(s, db);
    if (rc)
        log_printf(LOG_ERR, "complaints", "msg=\"cannot store the retention period\" err=%s",
                   fd_strerror(rc));
    return rc;
}
