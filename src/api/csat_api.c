/*
 * Customer satisfaction: GET/PUT /api/v1/tickets/{ref}/csat (the signed-in requester
 * rates; staff who may see the ticket read the rating) and GET/POST /api/v1/csat/{token}
 * (the mailed single-use link; no sign-in). See docs/reports.md.
 */
#include "../core/xalloc.h"
#include "../reports/reports.h"
#include "../tickets/tickets.h"
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const answer_keys[] = {"rating", "comment", NULL};

/* Reads {rating, comment}; answers 400 and returns -1 when bad. */
static int read_answer(struct http_req *req, struct http_resp *resp, int *rating,
                       const char **comment, json_t **body)
{
    json_t *o = api_body_object(req, resp, answer_keys);
    if (!o)
        return -1;
    int64_t r = 0;
    int present = 0;
    *comment = NULL;
    if (api_int(o, "rating", 1, &r, &present, resp) || api_str(o, "comment", 0, comment, resp)) {
        json_decref(o);
        return -1;
    }
    if (r < 1 || r > 5) {
        json_decref(o);
        http_resp_error(resp, 400, "invalid_field", "rating must be an integer from 1 to 5");
        return -1;
    }
    *rating = (int)r;
    *body = o;
    return 0;
}

static int ref_param(struct http_req *req, struct http_resp *resp, int64_t *id)
{
    if (req->nparams < 1 || tickets_parse_ref(req->params[0], id)) {
        http_resp_error(resp, 404, "not_found", "no such ticket");
        return -1;
    }
    return 0;
}

static void ticket_get(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    struct app *app = API_APP(req);
    struct ticket_rec *t = xmalloc(sizeof(*t));
    json_t *j = NULL;
    struct db *db = store_acquire(app->store);
    int rc = db_begin_read(db);
    if (rc == 0)
        rc = tickets_get(db, a, id, t);
    if (rc == 0)
        rc = csat_ticket_json(db, id, t->status, &j);
    db_rollback(db);
    store_release(app->store, db);
    if (rc == 0 && !(auth_is_staff(a) || t->requester_id == a->user.id))
        rc = FD_ENOTFOUND;
    free(t);
    if (rc) {
        json_decref(j);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, j);
}

static void ticket_put(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    int64_t id;
    if (!a || ref_param(req, resp, &id))
        return;
    int rating;
    const char *comment;
    json_t *body;
    if (read_answer(req, resp, &rating, &comment, &body))
        return;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct ticket_rec *t = xmalloc(sizeof(*t));
    json_t *j = NULL;
    struct db *db = store_acquire(app->store);
    int rc = csat_answer_portal(db, a, id, rating, comment, &err);
    if (rc == 0 && (rc = db_begin_read(db)) == 0) {
        rc = store_ticket_get(db, id, t);
        if (rc == 0)
            rc = csat_ticket_json(db, id, t->status, &j);
        db_rollback(db);
    }
    store_release(app->store, db);
    json_decref(body);
    free(t);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 200, j);
}

static void token_fail(struct http_resp *resp, int rc, const struct fd_error *err)
{
    if (rc == FD_EAUTH)
        http_resp_error(resp, 403, "invalid_token", "this survey link is not valid");
    else
        api_fail(resp, rc, err);
}

static void token_get(struct http_req *req, struct http_resp *resp)
{
    struct app *app = API_APP(req);
    json_t *j = NULL;
    struct db *db = store_acquire(app->store);
    int rc = csat_token_lookup(db, req->nparams ? req->params[0] : "", &j);
    store_release(app->store, db);
    if (rc) {
        token_fail(resp, rc, NULL);
        return;
    }
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_json(resp, 200, j);
}

static void token_post(struct http_req *req, struct http_resp *resp)
{
    int rating;
    const char *comment;
    json_t *body;
    if (read_answer(req, resp, &rating, &comment, &body))
        return;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    json_t *j = NULL;
    struct db *db = store_acquire(app->store);
    const char *token = req->nparams ? req->params[0] : "";
    int rc = csat_answer_token(db, token, rating, comment, &err);
    if (rc == 0)
        rc = csat_token_lookup(db, token, &j);
    store_release(app->store, db);
    json_decref(body);
    if (rc) {
        token_fail(resp, rc, &err);
        return;
    }
    http_resp_json(resp, 200, j);
}

void api_csat_register(void)
{
    http_route("GET", "/api/v1/tickets/{ref}/csat", ticket_get);
    http_route("PUT", "/api/v1/tickets/{ref}/csat", ticket_put);
    http_route("GET", "/api/v1/csat/{token}", token_get);
    http_route("POST", "/api/v1/csat/{token}", token_post);
    http_route_body_max("POST", "/api/v1/csat/{token}", 8192);
    http_route_body_max("PUT", "/api/v1/tickets/{ref}/csat", 8192);
}
