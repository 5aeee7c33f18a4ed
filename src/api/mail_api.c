/* The mail intake route used by `frontdesk mailgate`, and the mail record of a ticket. */
#include "../mail/mail.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * POST /api/v1/mail/inbound[?address=support@...]: the raw message as the body. 201 when
 * it was stored, 200 when it had been stored before (a duplicate delivery). The answer
 * comes only after the commit, so a 2xx means the message is durably kept.
 */
static void inbound(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a)
        return;
    if (!auth_has_scope(a, SCOPE_MAIL_INGEST) ||
        (a->via_token == 0 && a->user.role != ROLE_ADMIN)) {
        http_resp_error(resp, 403, "forbidden", "mail intake needs a token with mail:ingest");
        return;
    }
    if (req->body_len == 0) {
        http_resp_error(resp, 400, "invalid_field", "the body must be the raw message");
        return;
    }
    struct app *app = API_APP(req);
    const char *address = http_req_query(req, "address");
    /* The SMTP session as the MTA saw it: trusted because only the MTA holds a mail:ingest
     * token; never taken from the message's own headers. */
    struct mail_envelope env = {http_req_query(req, "client_ip"), http_req_query(req, "helo"),
                                http_req_query(req, "mail_from")};
    if (env.client_ip && *env.client_ip) {
        unsigned char ip[16];
        if (inet_pton(AF_INET, env.client_ip, ip) != 1 &&
            inet_pton(AF_INET6, env.client_ip, ip) != 1) {
            http_resp_error(resp, 400, "invalid_field", "client_ip is not an IP address");
            return;
        }
    }
    if ((env.helo && strlen(env.helo) > 255) || (env.mail_from && strlen(env.mail_from) > 320)) {
        http_resp_error(resp, 400, "invalid_field", "helo or mail_from is too long");
        return;
    }
    struct mail_intake_result r;
    struct fd_error err = {0};
    struct db *db = store_acquire(app->store);
    int rc = mail_intake_env(db, &app->mail, req->body, req->body_len, "pipe",
                             address && *address ? address : NULL, &env, &r, &err);
    store_release(app->store, db);
    if (rc) {
        /* 5xx: the mailgate exits EX_TEMPFAIL and the MTA retries later. */
        http_resp_error(resp, 503, "unavailable", "the message was not stored (%s); retry later",
                        fd_strerror(rc));
        return;
    }
    char ref[32] = "";
    if (r.ticket_id)
        tickets_format_ref(r.ticket_id, ref, sizeof(ref));
    json_t *j = json_pack("{s:I, s:s, s:b, s:b}", "mail_id", (json_int_t)r.mail_id, "status",
                          r.status, "duplicate", r.duplicate, "acknowledged", r.acknowledged);
    json_object_set_new(j, "ticket", r.ticket_id ? json_string(ref) : json_null());
    http_resp_json(resp, r.duplicate ? 200 : 201, j);
}

/* GET /api/v1/mail/{id}/raw: the recorded bytes, for agents who may see the ticket. */
static void raw(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a || !api_require_staff(a, resp))
        return;
    char *end;
    long long id = strtoll(req->params[0], &end, 10);
    if (*end || id < 1) {
        http_resp_error(resp, 404, "not_found", "no such message");
        return;
    }
    struct app *app = API_APP(req);
    struct db *db = store_acquire(app->store);
    struct db_stmt *st;
    int rc = db_prepare(db, "SELECT sha256, ticket_id FROM mail_messages WHERE id = ?", &st);
    char sha[65] = "";
    int64_t ticket = 0;
    if (rc == 0) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        if (rc == 1) {
            const char *s = db_col_text(st, 0);
            snprintf(sha, sizeof(sha), "%s", s ? s : "");
            ticket = db_col_int64(st, 1);
        }
        db_finalize(st);
        rc = rc == 1 ? 0 : rc == 0 ? FD_ENOTFOUND : rc;
    }
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (rc == 0 && ticket)
        rc = tickets_get(db, a, ticket, t);
    else if (rc == 0 && !auth_sees_all(a))
        rc = FD_ENOTFOUND; /* mail without a ticket: supervisors and admins only */
    free(t);
    store_release(app->store, db);
    char *data = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = mail_raw_get(&app->mail, sha, &data, &len);
    if (rc) {
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_bytes(resp, 200, "message/rfc822", data, len);
    free(data);
    http_resp_header(resp, "Content-Disposition", "attachment; filename=\"message.eml\"");
}

void api_mail_register(size_t mail_max)
{
    http_route("POST", "/api/v1/mail/inbound", inbound);
    http_route("GET", "/api/v1/mail/{id}/raw", raw);
    http_route_body_max("POST", "/api/v1/mail/inbound", mail_max);
}
