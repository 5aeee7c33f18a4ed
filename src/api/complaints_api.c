/*
 * /api/v1/complaints (formal complaints), /api/v1/reports/complaints, the complaints
 * register, the compliance permission of staff, and ticket escalation
 * (/api/v1/tickets/{ref}/escalate, /escalations, /complaint).
 */
#include "../complaints/complaints.h"
#include "../core/config.h"
#include "../core/buf.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000.0

static void cfg_of(struct http_req *req, struct complaints_cfg *c)
{
    struct app *app = API_APP(req);
    c->ack_business_days = (int)app->cfg->complaint_ack_business_days;
    c->timezone = app->cfg->complaint_timezone;
    c->holidays = app->cfg->complaint_holidays;
    c->mail = &app->mail;
}

static int ref_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    if (req->nparams < 1 || complaints_parse_ref(req->params[0], id)) {
        http_resp_error(resp, 404, "not_found", "no such complaint");
        return -1;
    }
    return 0;
}

static int ticket_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], id)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return -1;
    }
    return 0;
}

static json_t *iso_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char at[32];
    api_iso(ms, at);
    return json_string(at);
}

static json_t *opt(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* "12 40" -> ["FD-10012", "FD-10040"]. */
static json_t *linked_json(const char *ids)
{
    json_t *arr = json_array();
    const char *p = ids;
    while (*p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        char ref[32];
        tickets_format_ref(v, ref, sizeof(ref));
        json_array_append_new(arr, json_string(ref));
        p = end;
        while (*p == ' ')
            p++;
    }
    return arr;
}

/* The complaint as the actor may see it; staff get the handling details too. */
static json_t *complaint_json(const struct complaint_rec *c, int staff)
{
    char ref[32];
    complaints_format_ref(c->id, ref, sizeof(ref));
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id, "reference", ref,
                          "status", c->status, "service", c->service, "channel", c->channel);
    json_object_set_new(j, "complainant",
                        json_pack("{s:s, s:s, s:o, s:b, s:o}", "name", c->complainant_name,
                                  "contact", c->complainant_contact, "account_uid",
                                  opt(c->account_uid), "on_behalf", c->on_behalf, "on_behalf_of",
                                  opt(c->on_behalf_of)));
    json_object_set_new(j, "description", json_string(c->description));
    json_object_set_new(j, "incident_dates", opt(c->incident_dates));
    json_object_set_new(j, "request", json_string(c->request));
    json_object_set_new(j, "linked_tickets", linked_json(c->linked_tickets));
    json_object_set_new(j, "received_at", iso_or_null(c->received_at));
    json_object_set_new(j, "acknowledgement_due_at", iso_or_null(c->ack_due_at));
    json_object_set_new(j, "acknowledged_at", iso_or_null(c->acknowledged_at));
    json_object_set_new(j, "admissibility", opt(c->admissibility));
    json_object_set_new(j, "admissibility_reason", opt(c->admissibility_reason));
    json_object_set_new(j, "decision_due_at", iso_or_null(c->decision_due_at));
    json_object_set_new(j, "decision_due_original", iso_or_null(c->decision_due_original));
    json_object_set_new(j, "delay_reason", opt(c->delay_reason));
    json_object_set_new(j, "investigation_started_at", iso_or_null(c->investigation_at));
    json_object_set_new(j, "decision",
                        c->decided_at
                            ? json_pack("{s:s, s:s, s:s, s:o}", "outcome", c->outcome, "reasons",
                                        c->decision_reasons, "remedies", c->remedies, "decided_at",
                                        iso_or_null(c->decided_at))
                            : json_null());
    json_object_set_new(j, "closed_at", iso_or_null(c->closed_at));
    json_object_set_new(j, "updated_at", iso_or_null(c->updated_at));
    if (staff) {
        json_object_set_new(j, "customer",
                            json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->customer_id, "name",
                                      c->customer_name, "email", c->customer_email));
        char tref[32];
        tickets_format_ref(c->ticket_id, tref, sizeof(tref));
        json_object_set_new(j, "ticket", c->ticket_id ? json_string(tref) : json_null());
        json_object_set_new(j, "breaches",
                            json_pack("{s:b, s:b}", "acknowledgement", c->ack_breached, "decision",
                                      c->decision_breached));
    }
    return j;
}

struct record_ctx {
    json_t *history, *notices, *corrections;
    int staff;
};

static int add_record(void *ctx, const struct event_rec *e)
{
    struct record_ctx *x = ctx;
    if (!x->staff && !complaints_event_public(e->type) && strcmp(e->type, "corrected") != 0)
        return 0;
    json_t *data = e->data ? json_loads(e->data, 0, NULL) : NULL;
    if (!data)
        data = json_object();
    char at[32];
    api_iso(e->created_at, at);
    if (strcmp(e->type, "corrected") == 0) {
        json_array_append_new(x->corrections,
                              json_pack("{s:O, s:O, s:O, s:O, s:s}", "field",
                                        json_object_get(data, "field"), "original",
                                        json_object_get(data, "before"), "corrected",
                                        json_object_get(data, "after"), "reason",
                                        json_object_get(data, "reason"), "at", at));
    }
    if (strcmp(e->type, "customer_notified") == 0)
        json_array_append_new(x->notices, json_pack("{s:O, s:O, s:O, s:s}", "subject",
                                                    json_object_get(data, "subject"), "text",
                                                    json_object_get(data, "text"), "channels",
                                                    json_object_get(data, "channels"), "at", at));
    json_t *actor = json_null();
    if (x->staff && e->actor_id)
        actor = json_pack("{s:I, s:s}", "id", (json_int_t)e->actor_id, "name", e->actor_name);
    if (!x->staff) {
        /* Customers read what happened and when, not who on the staff did it. */
        json_object_del(data, "reason");
    }
    json_array_append_new(x->history,
                          json_pack("{s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)e->id, "type",
                                    e->type, "actor", actor, "created_at", at, "data", data));
    return 0;
}

/* Runs the breach check (breaches are computed on read). Logs nothing: callers answer. */
static int refresh(struct db *db)
{
    return complaints_check_breaches(db, fd_now_ms(), NULL);
}

/* Answers with one complaint and its record. */
static void answer_one(struct http_req *req, struct http_resp *resp, int status, int64_t id)
{
    const struct auth_actor *a = api_actor(req);
    struct app *app = API_APP(req);
    struct complaint_rec *c = xmalloc(sizeof(*c));
    struct record_ctx x = {json_array(), json_array(), json_array(), 0};
    struct db *db = store_acquire(app->store);
    int rc = db_begin_read(db);
    int handler = 0;
    if (rc == 0)
        rc = complaints_get(db, a, id, c);
    if (rc == 0)
        rc = complaints_is_handler(db, a, &handler);
    x.staff = handler;
    if (rc == 0)
        rc = store_complaint_event_list(db, id, add_record, &x);
    db_rollback(db);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
    } else {
        json_t *j = complaint_json(c, handler);
        json_object_set_new(j, "notices", x.notices);
        json_object_set_new(j, "corrections", x.corrections);
        json_object_set_new(j, "history", x.history);
        x.notices = x.corrections = x.history = NULL;
        http_resp_json(resp, status, json_pack("{s:o}", "complaint", j));
    }
    json_decref(x.history);
    json_decref(x.notices);
    json_decref(x.corrections);
    free(c);
}

/* Reads the template fields shared by filing and converting. */
static int read_input(json_t *o, struct complaint_input *in, struct http_resp *resp)
{
    if (api_str(o, "complainant_name", 0, &in->complainant_name, resp) ||
        api_str(o, "complainant_contact", 0, &in->complainant_contact, resp) ||
        api_str(o, "account_uid", 0, &in->account_uid, resp) ||
        api_bool(o, "on_behalf", &in->on_behalf, resp) ||
        api_str(o, "on_behalf_of", 0, &in->on_behalf_of, resp) ||
        api_str(o, "service", 0, &in->service, resp) ||
        api_str(o, "description", 0, &in->description, resp) ||
        api_str(o, "incident_dates", 0, &in->incident_dates, resp) ||
        api_str(o, "request", 0, &in->request, resp))
        return -1;
    json_t *v = json_object_get(o, "linked_tickets");
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > COMPLAINT_LINKS_MAX) {
        http_resp_error(resp, 400, "invalid_field",
                        "linked_tickets must be an array of at most %d ticket references",
                        COMPLAINT_LINKS_MAX);
        return -1;
    }
    size_t i;
    json_t *t;
    json_array_foreach(v, i, t)
    {
        if (!json_is_string(t) || tickets_parse_ref(json_string_value(t), &in->linked[i])) {
            http_resp_error(resp, 400, "invalid_field",
                            "linked_tickets[%zu] must be a ticket reference like FD-10001", i);
            return -1;
        }
    }
    in->nlinked = (int)json_array_size(v);
    return 0;
}

static const char *const input_fields[] = {"complainant_name",
                                           "complainant_contact",
                                           "account_uid",
                                           "on_behalf",
                                           "on_behalf_of",
                                           "service",
                                           "description",
                                           "incident_dates",
                                           "request",
                                           "linked_tickets",
                                           NULL};

static void file(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    if (!a)
        return;
    json_t *o = api_body_object(req, resp, input_fields);
    if (!o)
        return;
    struct complaint_input in = {0};
    if (read_input(o, &in, resp) == 0) {
        struct complaints_cfg cfg;
        cfg_of(req, &cfg);
        struct fd_error err = {0};
        struct complaint_rec *c = xmalloc(sizeof(*c));
        struct db *db = store_acquire(API_APP(req)->store);
        int rc = complaints_file(db, &cfg, a, &in, c, &err);
        store_release(API_APP(req)->store, db);
        if (rc)
            api_fail(resp, rc, &err);
        else
            answer_one(req, resp, 201, c->id);
        free(c);
    }
    json_decref(o);
}

static void convert(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t tid;
    if (!a || !api_require_staff(a, resp) || ticket_param(req, resp, &tid))
        return;
    json_t *o = req->body_len ? api_body_object(req, resp, input_fields) : json_object();
    if (!o)
        return;
    struct complaint_input in = {0};
    if (read_input(o, &in, resp) == 0) {
        struct complaints_cfg cfg;
        cfg_of(req, &cfg);
        struct fd_error err = {0};
        struct complaint_rec *c = xmalloc(sizeof(*c));
        struct db *db = store_acquire(API_APP(req)->store);
        int rc = complaints_convert(db, &cfg, a, tid, &in, c, &err);
        int handler = 0;
        if (rc == 0)
            rc = complaints_is_handler(db, a, &handler);
        store_release(API_APP(req)->store, db);
        if (rc)
            api_fail(resp, rc, &err);
        else if (handler)
            answer_one(req, resp, 201, c->id);
        else /* the agent who converted may not read complaints: only what was made */
            http_resp_json(resp, 201, json_pack("{s:o}", "complaint", complaint_json(c, 0)));
        free(c);
    }
    json_decref(o);
}

struct list_ctx {
    json_t *arr;
    int staff;
    int64_t last_id;
};

static int add_complaint(void *ctx, const struct complaint_rec *c)
{
    struct list_ctx *x = ctx;
    json_array_append_new(x->arr, complaint_json(c, x->staff));
    x->last_id = c->id;
    return 0;
}

static int status_query(struct http_req *req, struct http_resp *resp, const char **out)
{
    const char *s = http_req_query(req, "status");
    if (!s)
        return 0;
    for (int i = 0; complaints_statuses[i]; i++)
        if (strcmp(s, complaints_statuses[i]) == 0) {
            *out = complaints_statuses[i];
            return 0;
        }
    http_resp_error(resp, 400, "invalid_field",
                    "status must be received, acknowledged, under_investigation, decided or "
                    "closed");
    return -1;
}

static void list(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    const char *status = NULL;
    int64_t limit = 50, cursor = 0;
    if (!a || status_query(req, resp, &status) ||
        api_query_int(req, resp, "limit", 1, 200, &limit) ||
        api_query_int(req, resp, "cursor", 1, INT64_MAX, &cursor))
        return;
    struct app *app = API_APP(req);
    struct list_ctx x = {json_array(), auth_is_staff(a), 0};
    struct db *db = store_acquire(app->store);
    int rc = refresh(db);
    if (rc == 0)
        rc = db_begin_read(db);
    if (rc == 0)
        rc = complaints_list(db, a, status, cursor, (int)limit, add_complaint, &x);
    db_rollback(db);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, NULL);
    } else {
        char next[24];
        snprintf(next, sizeof(next), "%lld", (long long)x.last_id);
        int more = (int64_t)json_array_size(x.arr) == limit;
        http_resp_json(resp, 200,
                       json_pack("{s:O, s:o}", "complaints", x.arr, "next_cursor",
                                 more ? json_string(next) : json_null()));
    }
    json_decref(x.arr);
}

static void get_one(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    int rc = refresh(db);
    store_release(app->store, db);
    if (rc)
        api_fail(resp, rc, NULL);
    else
        answer_one(req, resp, 200, id);
}

static void transition(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    /* Handlers only: a customer is refused before the body is read (authz before input). */
    if (!a || !api_require_staff(a, resp) || ref_param(req, resp, &id))
        return;
    static const char *const fields[] = {"to",      "admissibility", "reason",
                                         "outcome", "remedies",      NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    struct complaint_step s = {0};
    if (api_str(o, "to", 1, &s.to, resp) == 0 &&
        api_str(o, "admissibility", 0, &s.admissibility, resp) == 0 &&
        api_str(o, "reason", 0, &s.reason, resp) == 0 &&
        api_str(o, "outcome", 0, &s.outcome, resp) == 0 &&
        api_str(o, "remedies", 0, &s.remedies, resp) == 0) {
        struct complaints_cfg cfg;
        cfg_of(req, &cfg);
        struct fd_error err = {0};
        struct complaint_rec *c = xmalloc(sizeof(*c));
        struct db *db = store_acquire(API_APP(req)->store);
        int rc = refresh(db);
        if (rc == 0)
            rc = complaints_transition(db, &cfg, a, id, &s, c, &err);
        store_release(API_APP(req)->store, db);
        if (rc)
            api_fail(resp, rc, &err);
        else
            answer_one(req, resp, 200, id);
        free(c);
    }
    json_decref(o);
}

static void delay(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    /* Handlers only: a customer is refused before the body is read (authz before input). */
    if (!a || !api_require_staff(a, resp) || ref_param(req, resp, &id))
        return;
    static const char *const fields[] = {"reason", "new_due_date", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *reason = NULL, *date = NULL;
    int64_t due = 0;
    if (api_str(o, "reason", 1, &reason, resp) || api_str(o, "new_due_date", 1, &date, resp))
        goto out;
    if (complaints_date_end(API_APP(req)->cfg->complaint_timezone, date, &due)) {
        http_resp_error(resp, 400, "invalid_field", "new_due_date must be a date YYYY-MM-DD");
        goto out;
    }
    struct complaints_cfg cfg;
    cfg_of(req, &cfg);
    struct fd_error err = {0};
    struct complaint_rec *c = xmalloc(sizeof(*c));
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = complaints_delay(db, &cfg, a, id, reason, due, c, &err);
    store_release(API_APP(req)->store, db);
    if (rc)
        api_fail(resp, rc, &err);
    else
        answer_one(req, resp, 200, id);
    free(c);
out:
    json_decref(o);
}

static void correct(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    /* Handlers only: a customer is refused before the body is read (authz before input). */
    if (!a || !api_require_staff(a, resp) || ref_param(req, resp, &id))
        return;
    static const char *const fields[] = {"field", "value", "reason", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *field = NULL, *value = NULL, *reason = NULL;
    if (api_str(o, "field", 1, &field, resp) == 0 && api_str(o, "value", 1, &value, resp) == 0 &&
        api_str(o, "reason", 1, &reason, resp) == 0) {
        struct fd_error err = {0};
        struct complaint_rec *c = xmalloc(sizeof(*c));
        struct db *db = store_acquire(API_APP(req)->store);
        int rc = complaints_correct(db, a, id, field, value, reason, c, &err);
        store_release(API_APP(req)->store, db);
        if (rc)
            api_fail(resp, rc, &err);
        else
            answer_one(req, resp, 200, id);
        free(c);
    }
    json_decref(o);
}

/* ---- CSV (RFC 4180) ---------------------------------------------------------------- */

/* One field: quoted when needed; a leading = + - @ (a spreadsheet formula) is defused
 * with an apostrophe, since registers are opened in spreadsheets. */
static void csv_field(struct buf *b, const char *s, int first)
{
    if (!first)
        buf_puts(b, ",");
    if (!s)
        return;
    int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        buf_puts(b, s);
        return;
    }
    buf_puts(b, "\"");
    if (formula)
        buf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_puts(b, "\"\"");
        else
            buf_append(b, p, 1);
    }
    buf_puts(b, "\"");
}

/* A JSON scalar as CSV text (null = empty). */
static void csv_json(struct buf *b, json_t *v, int first)
{
    char num[64];
    if (json_is_string(v)) {
        csv_field(b, json_string_value(v), first);
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        csv_field(b, num, first);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.2f", json_real_value(v));
        csv_field(b, num, first);
    } else if (json_is_boolean(v)) {
        csv_field(b, json_is_true(v) ? "true" : "false", first);
    } else {
        csv_field(b, NULL, first);
    }
}

static void send_csv(struct http_resp *resp, struct buf *b, const char *filename)
{
    http_resp_bytes(resp, 200, "text/csv; charset=utf-8", b->ptr, b->len);
    char disp[128];
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
    http_resp_header(resp, "Content-Disposition", disp);
}

static int format_query(struct http_req *req, struct http_resp *resp, int *csv)
{
    const char *f = http_req_query(req, "format");
    *csv = 0;
    if (!f || strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "csv") == 0) {
        *csv = 1;
        return 0;
    }
    http_resp_error(resp, 400, "invalid_field", "format must be json or csv");
    return -1;
}

/* ?from=YYYY-MM-DD&to=YYYY-MM-DD (inclusive) on the receipt date. */
static int period_query(struct http_req *req, struct http_resp *resp, int64_t *from, int64_t *to)
{
    const char *f = http_req_query(req, "from"), *t = http_req_query(req, "to");
    *from = 0;
    *to = INT64_MAX;
    const char *tz = API_APP(req)->cfg->complaint_timezone;
    if (f && complaints_date_end(tz, f, from)) {
        http_resp_error(resp, 400, "invalid_field", "from must be a date YYYY-MM-DD");
        return -1;
    }
    if (f)
        *from -= 86400000LL - 1; /* the start of that day */
    if (t && complaints_date_end(tz, t, to)) {
        http_resp_error(resp, 400, "invalid_field", "to must be a date YYYY-MM-DD");
        return -1;
    }
    return 0;
}

/* Only handlers (supervisors, admins, compliance) read reports and the register. */
static int require_handler(struct http_req *req, struct http_resp *resp, struct db *db)
{
    int yes = 0;
    int rc = complaints_is_handler(db, api_actor(req), &yes);
    if (rc) {
        api_fail(resp, rc, NULL);
        return -1;
    }
    if (!yes) {
        http_resp_error(resp, 403, "forbidden",
                        "only compliance officers and supervisors read the complaints");
        return -1;
    }
    return 0;
}

/* ---- the register ------------------------------------------------------------------ */

static const char *const register_columns[] = {
    "reference",
    "received_at",
    "channel",
    "customer_id",
    "customer_email",
    "complainant_name",
    "complainant_contact",
    "account_uid",
    "on_behalf",
    "on_behalf_of",
    "service",
    "description",
    "incident_dates",
    "request",
    "linked_tickets",
    "ticket",
    "status",
    "acknowledgement_due_at",
    "acknowledged_at",
    "admissibility",
    "admissibility_reason",
    "investigation_started_at",
    "decision_due_original",
    "decision_due_at",
    "delay_reason",
    "outcome",
    "decision_reasons",
    "remedies",
    "decided_at",
    "closed_at",
    "acknowledgement_breached",
    "decision_breached",
    "corrections",
    NULL,
};

struct register_ctx {
    struct db *db;
    json_t *arr;
    int rc;
};

static int add_register_row(void *ctx, const struct complaint_rec *c)
{
    struct register_ctx *x = ctx;
    struct record_ctx r = {json_array(), json_array(), json_array(), 1};
    x->rc = store_complaint_event_list(x->db, c->id, add_record, &r);
    json_t *j = complaint_json(c, 1);
    json_object_set_new(j, "corrections", r.corrections);
    json_object_set_new(j, "notices", r.notices);
    json_decref(r.history);
    json_array_append_new(x->arr, j);
    return x->rc;
}

/* The flat CSV row of a register entry (JSON from add_register_row). */
static void register_csv_row(struct buf *b, json_t *j)
{
    json_t *who = json_object_get(j, "complainant"), *dec = json_object_get(j, "decision");
    json_t *cust = json_object_get(j, "customer"), *br = json_object_get(j, "breaches");
    json_t *links = json_object_get(j, "linked_tickets");
    struct buf lk;
    buf_init(&lk, 0);
    size_t i;
    json_t *v;
    json_array_foreach(links, i, v) buf_printf(&lk, "%s%s", i ? " " : "", json_string_value(v));
    struct buf cr;
    buf_init(&cr, 0);
    json_array_foreach(json_object_get(j, "corrections"), i, v)
    {
        buf_printf(&cr, "%s%s: \"%s\" -> \"%s\" (%s, %s)", i ? "; " : "",
                   json_string_value(json_object_get(v, "field")),
                   json_string_value(json_object_get(v, "original")),
                   json_string_value(json_object_get(v, "corrected")),
                   json_string_value(json_object_get(v, "reason")),
                   json_string_value(json_object_get(v, "at")));
    }
    json_t *vals[] = {
        json_object_get(j, "reference"),
        json_object_get(j, "received_at"),
        json_object_get(j, "channel"),
        json_object_get(cust, "id"),
        json_object_get(cust, "email"),
        json_object_get(who, "name"),
        json_object_get(who, "contact"),
        json_object_get(who, "account_uid"),
        json_object_get(who, "on_behalf"),
        json_object_get(who, "on_behalf_of"),
        json_object_get(j, "service"),
        json_object_get(j, "description"),
        json_object_get(j, "incident_dates"),
        json_object_get(j, "request"),
        NULL, /* linked tickets */
        json_object_get(j, "ticket"),
        json_object_get(j, "status"),
        json_object_get(j, "acknowledgement_due_at"),
        json_object_get(j, "acknowledged_at"),
        json_object_get(j, "admissibility"),
        json_object_get(j, "admissibility_reason"),
        json_object_get(j, "investigation_started_at"),
        json_object_get(j, "decision_due_original"),
        json_object_get(j, "decision_due_at"),
        json_object_get(j, "delay_reason"),
        json_object_get(dec, "outcome"),
        json_object_get(dec, "reasons"),
        json_object_get(dec, "remedies"),
        json_object_get(dec, "decided_at"),
        json_object_get(j, "closed_at"),
        json_object_get(br, "acknowledgement"),
        json_object_get(br, "decision"),
        NULL, /* corrections */
    };
    size_t n = sizeof(vals) / sizeof(vals[0]);
    for (size_t k = 0; k < n; k++) {
        if (k == 14)
            csv_field(b, lk.ptr, 0);
        else if (k == n - 1)
            csv_field(b, cr.ptr, 0);
        else
            csv_json(b, vals[k], k == 0);
    }
    buf_puts(b, "\r\n");
    buf_release(&lk);
    buf_release(&cr);
}

static void register_export(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int csv;
    if (!a || format_query(req, resp, &csv))
        return;
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    struct register_ctx x = {db, json_array(), 0};
    int rc = 0;
    if (require_handler(req, resp, db))
        goto out;
    if ((rc = refresh(db)) == 0 && (rc = db_begin_read(db)) == 0)
        rc = store_complaint_list(db, 0, NULL, add_register_row, &x);
    if (rc == 0)
        rc = x.rc;
    db_rollback(db);
    if (rc) {
        api_fail(resp, rc, NULL);
        goto out;
    }
    if (!csv) {
        char now[32];
        api_iso(fd_now_ms(), now);
        http_resp_json(resp, 200,
                       json_pack("{s:s, s:O}", "generated_at", now, "complaints", x.arr));
        goto out;
    }
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; register_columns[i]; i++)
        csv_field(&b, register_columns[i], i == 0);
    buf_puts(&b, "\r\n");
    size_t i;
    json_t *v;
    json_array_foreach(x.arr, i, v) register_csv_row(&b, v);
    send_csv(resp, &b, "complaints-register.csv");
    buf_release(&b);
out:
    store_release(app->store, db);
    json_decref(x.arr);
}

/* ---- the report ---------------------------------------------------------------------- */

static const char *const report_columns[] = {"service",
                                             "complaints",
                                             "open",
                                             "inadmissible",
                                             "upheld",
                                             "partly_upheld",
                                             "rejected",
                                             "avg_days_received_to_acknowledged",
                                             "avg_days_acknowledged_to_decision",
                                             "avg_days_total",
                                             "acknowledgement_breaches",
                                             "decision_breaches",
                                             "decisions_delayed",
                                             NULL};

struct agg {
    const char *service;
    int64_t n, open, inadmissible, upheld, partly, rejected, ack_breaches, dec_breaches, delayed;
    double ack_sum, dec_sum, total_sum;
    int64_t ack_n, dec_n, total_n;
};

struct report_ctx {
    struct agg rows[16]; /* one per service; the last is "all" */
    int nservices;
    int64_t from, to;
};

static void agg_add(struct agg *g, const struct complaint_rec *c)
{
    g->n++;
    if (strcmp(c->status, "closed") != 0)
        g->open++;
    if (strcmp(c->admissibility, "inadmissible") == 0)
        g->inadmissible++;
    if (strcmp(c->outcome, "upheld") == 0)
        g->upheld++;
    else if (strcmp(c->outcome, "partly_upheld") == 0)
        g->partly++;
    else if (strcmp(c->outcome, "rejected") == 0)
        g->rejected++;
    g->ack_breaches += c->ack_breached;
    g->dec_breaches += c->decision_breached;
    g->delayed += c->decision_due_at != c->decision_due_original;
    if (c->acknowledged_at) {
        g->ack_sum += (double)(c->acknowledged_at - c->received_at) / DAY_MS;
        g->ack_n++;
    }
    if (c->acknowledged_at && c->decided_at) {
        g->dec_sum += (double)(c->decided_at - c->acknowledged_at) / DAY_MS;
        g->dec_n++;
    }
    /* The whole handling: to the decision, or to the closing of an inadmissible one. */
    int64_t end = c->decided_at ? c->decided_at : c->closed_at;
    if (end) {
        g->total_sum += (double)(end - c->received_at) / DAY_MS;
        g->total_n++;
    }
}

static int report_add(void *ctx, const struct complaint_rec *c)
{
    struct report_ctx *x = ctx;
    if (c->received_at < x->from || c->received_at >= x->to)
        return 0;
    for (int i = 0; i < x->nservices; i++)
        if (strcmp(x->rows[i].service, c->service) == 0)
            agg_add(&x->rows[i], c);
    agg_add(&x->rows[x->nservices], c);
    return 0;
}

static json_t *avg(double sum, int64_t n)
{
    /* Two decimals, so that JSON and CSV agree. */
    return n ? json_real((double)(int64_t)(sum / (double)n * 100.0 + 0.5) / 100.0) : json_null();
}

static void report(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int csv;
    struct report_ctx *x = xcalloc(1, sizeof(*x));
    struct app *app = API_APP(req);
    struct db *db = NULL;
    if (!a || format_query(req, resp, &csv) || period_query(req, resp, &x->from, &x->to))
        goto out;
    for (int i = 0; complaints_services[i]; i++)
        x->rows[x->nservices++].service = complaints_services[i];
    x->rows[x->nservices].service = "all";
    db = store_acquire(app->store);
    if (require_handler(req, resp, db))
        goto out;
    int rc = refresh(db);
    if (rc == 0 && (rc = db_begin_read(db)) == 0)
        rc = store_complaint_list(db, 0, NULL, report_add, x);
    db_rollback(db);
    if (rc) {
        api_fail(resp, rc, NULL);
        goto out;
    }
    json_t *cols = json_array(), *rows = json_array();
    for (int i = 0; report_columns[i]; i++)
        json_array_append_new(cols, json_string(report_columns[i]));
    for (int i = 0; i <= x->nservices; i++) {
        struct agg *g = &x->rows[i];
        if (!g->n && i < x->nservices)
            continue; /* services without complaints in the period are left out */
        json_array_append_new(
            rows, json_pack("[s, I, I, I, I, I, I, o, o, o, I, I, I]", g->service, (json_int_t)g->n,
                            (json_int_t)g->open, (json_int_t)g->inadmissible, (json_int_t)g->upheld,
                            (json_int_t)g->partly, (json_int_t)g->rejected,
                            avg(g->ack_sum, g->ack_n), avg(g->dec_sum, g->dec_n),
                            avg(g->total_sum, g->total_n), (json_int_t)g->ack_breaches,
                            (json_int_t)g->dec_breaches, (json_int_t)g->delayed));
    }
    if (!csv) {
        http_resp_json(resp, 200,
                       json_pack("{s:s, s:o, s:o, s:s}", "title",
                                 "Complaints: handling times, breaches and outcomes by service",
                                 "columns", cols, "rows", rows, "chart", "table"));
        goto out;
    }
    struct buf b;
    buf_init(&b, 0);
    size_t i, k;
    json_t *row, *v;
    json_array_foreach(cols, k, v) csv_json(&b, v, k == 0);
    buf_puts(&b, "\r\n");
    json_array_foreach(rows, i, row)
    {
        json_array_foreach(row, k, v) csv_json(&b, v, k == 0);
        buf_puts(&b, "\r\n");
    }
    send_csv(resp, &b, "complaints-report.csv");
    buf_release(&b);
    json_decref(cols);
    json_decref(rows);
out:
    if (db)
        store_release(app->store, db);
    free(x);
}

/* ---- staff: the compliance permission ----------------------------------------------- */

static void set_compliance(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_USERS_READ | SCOPE_TICKETS_WRITE);
    if (!a)
        return;
    /* Refused before the body is read, so that a non-admin never learns more than "no". */
    if (a->user.role != ROLE_ADMIN) {
        http_resp_error(resp, 403, "forbidden", "only admins grant the compliance permission");
        return;
    }
    int64_t uid = 0;
    char *end = NULL;
    if (req->nparams >= 1)
        uid = strtoll(req->params[0], &end, 10);
    if (uid < 1 || !end || *end) {
        http_resp_error(resp, 404, "not_found", "no such user");
        return;
    }
    static const char *const fields[] = {"compliance", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int on = -1;
    if (api_bool(o, "compliance", &on, resp) == 0) {
        if (on < 0) {
            http_resp_error(resp, 400, "missing_field", "compliance is required (true or false)");
        } else {
            struct fd_error err = {0};
            struct db *db = store_acquire(API_APP(req)->store);
            int rc = complaints_set_handler(db, a, uid, on, &err);
            store_release(API_APP(req)->store, db);
            if (rc)
                api_fail(resp, rc, &err);
            else
                http_resp_json(
                    resp, 200,
                    json_pack("{s:I, s:b}", "user_id", (json_int_t)uid, "compliance", on));
        }
    }
    json_decref(o);
}

/* ---- escalation ---------------------------------------------------------------------- */

static void escalate(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    if (!a || !api_require_staff(a, resp) || ticket_param(req, resp, &id))
        return;
    static const char *const fields[] = {"tier", "department", "reason", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    int64_t tier = 0;
    int has_tier = 0;
    const char *dept = NULL, *reason = NULL;
    if (api_int(o, "tier", 0, &tier, &has_tier, resp) || api_str(o, "department", 0, &dept, resp) ||
        api_str(o, "reason", 1, &reason, resp))
        goto out;
    if (has_tier && tier < 1) {
        http_resp_error(resp, 400, "invalid_field", "tier must be 1, 2 or 3");
        goto out;
    }
    if (tier > 4)
        tier = 4; /* anything above 3 is refused the same way */
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = complaints_escalate_ticket(db, a, id, (int)tier, dept, reason, t, &err);
    store_release(API_APP(req)->store, db);
    if (rc == FD_ELIMIT)
        http_resp_error(resp, 422, "tier_limit", "%s", err.message);
    else if (rc)
        api_fail(resp, rc, &err);
    else
        http_resp_json(resp, 200, json_pack("{s:o}", "ticket", api_ticket_json(t)));
    free(t);
out:
    json_decref(o);
}

static int add_escalation(void *ctx, const struct event_rec *e)
{
    json_t *d = e->data ? json_loads(e->data, 0, NULL) : NULL;
    if (!d)
        d = json_object();
    char at[32];
    api_iso(e->created_at, at);
    json_t *by = e->actor_id
                     ? json_pack("{s:I, s:s}", "id", (json_int_t)e->actor_id, "name", e->actor_name)
                     : json_null();
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:o, s:O, s:O, s:O}", "id", (json_int_t)e->id,
                                         "at", at, "by", by, "from", json_object_get(d, "before"),
                                         "to", json_object_get(d, "after"), "reason",
                                         json_object_get(d, "reason")));
    json_decref(d);
    return 0;
}

static void escalations(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ticket_param(req, resp, &id))
        return;
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = db_begin_read(db);
    if (rc == 0)
        rc = complaints_escalations(db, a, id, add_escalation, arr);
    db_rollback(db);
    store_release(API_APP(req)->store, db);
    if (rc == FD_EFORBIDDEN)
        http_resp_error(resp, 403, "forbidden", "the escalation path is for agents");
    else if (rc)
        api_fail(resp, rc, NULL);
    else
        http_resp_json(resp, 200, json_pack("{s:O}", "escalations", arr));
    json_decref(arr);
}

void api_complaints_register(void)
{
    /* Literal segments before {ref}: the router takes the first match. */
    http_route("GET", "/api/v1/complaints/register", register_export);
    http_route("POST", "/api/v1/complaints", file);
    http_route("GET", "/api/v1/complaints", list);
    http_route("GET", "/api/v1/complaints/{ref}", get_one);
    http_route("POST", "/api/v1/complaints/{ref}/transition", transition);
    http_route("POST", "/api/v1/complaints/{ref}/delay", delay);
    http_route("POST", "/api/v1/complaints/{ref}/corrections", correct);
    http_route("GET", "/api/v1/reports/complaints", report);
    http_route("PUT", "/api/v1/users/{id}/compliance", set_compliance);
    http_route("POST", "/api/v1/tickets/{ref}/complaint", convert);
    http_route("POST", "/api/v1/tickets/{ref}/escalate", escalate);
    http_route("GET", "/api/v1/tickets/{ref}/escalations", escalations);
}
