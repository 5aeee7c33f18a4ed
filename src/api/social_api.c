/*
 * Social webhooks (docs/social.md):
 *   POST /api/v1/social/telegram   Telegram Bot API updates (secret token header)
 *   GET  /api/v1/social/x          X's CRC check (?crc_token=)
 *   POST /api/v1/social/x          X account activity events (signed body)
 * Refused calls (not configured 404, unsigned 401, wrongly signed 403) are answered with a
 * JSON error, logged once with the request id, and change nothing.
 */
#include "../core/config.h"
#include "../core/log.h"
#include "../social/social.h"
#include "api_int.h"

#include <string.h>

#define WEBHOOK_BODY_MAX (1024 * 1024)

static void refuse(struct http_req *req, struct http_resp *resp, const char *platform, int rc)
{
    const char *why = rc == FD_ENOTFOUND ? "not configured"
                      : rc == FD_EAUTH   ? "unsigned"
                                         : "bad signature";
    log_printf(LOG_WARN, "social", "req=%s msg=\"webhook refused\" platform=%s reason=\"%s\" ip=%s",
               req->request_id, platform, why, req->remote_ip ? req->remote_ip : "");
    if (rc == FD_ENOTFOUND)
        http_resp_error(resp, 404, "not_found", "%s is not configured on this server", platform);
    else if (rc == FD_EAUTH)
        http_resp_error(resp, 401, "unauthorized", "the %s webhook call is not signed", platform);
    else
        http_resp_error(resp, 403, "forbidden", "the %s webhook signature is wrong", platform);
}

static json_t *parse(struct http_req *req, struct http_resp *resp)
{
    json_error_t e;
    json_t *j = json_loadb(req->body ? req->body : "", req->body_len, 0, &e);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        http_resp_error(resp, 400, "bad_json", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static void answer(struct http_req *req, struct http_resp *resp, const char *platform, int rc,
                   const struct social_result *r, const struct fd_error *e)
{
    if (rc) {
        log_printf(LOG_WARN, "social", "req=%s msg=\"webhook failed\" platform=%s error=%s",
                   req->request_id, platform, fd_strerror(rc));
        api_fail(resp, rc, e);
        return;
    }
    http_resp_json(resp, 200,
                   json_pack("{s:i, s:i, s:i, s:i}", "created", r->created, "threaded", r->threaded,
                             "duplicates", r->duplicates, "ignored", r->ignored));
}

static void telegram(struct http_req *req, struct http_resp *resp)
{
    struct social_config c;
    social_config_from(API_APP(req)->cfg, &c);
    int rc = social_telegram_check(&c, http_req_header(req, "X-Telegram-Bot-Api-Secret-Token"));
    if (rc) {
        refuse(req, resp, "telegram", rc);
        return;
    }
    json_t *j = parse(req, resp);
    if (!j)
        return;
    struct social_result r;
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    rc = social_telegram_intake(db, &c, j, &r, &e);
    store_release(st, db);
    json_decref(j);
    answer(req, resp, "telegram", rc, &r, &e);
}

static void x_crc(struct http_req *req, struct http_resp *resp)
{
    struct social_config c;
    social_config_from(API_APP(req)->cfg, &c);
    const char *token = http_req_query(req, "crc_token");
    char sig[SOCIAL_SIG_MAX];
    if (!c.x_consumer_secret[0]) {
        refuse(req, resp, "x", FD_ENOTFOUND);
        return;
    }
    if (!token || !*token) {
        http_resp_error(resp, 400, "missing_field", "crc_token is required");
        return;
    }
    social_x_sign(&c, token, strlen(token), sig);
    http_resp_json(resp, 200, json_pack("{s:s}", "response_token", sig));
}

static void x_events(struct http_req *req, struct http_resp *resp)
{
    struct social_config c;
    social_config_from(API_APP(req)->cfg, &c);
    int rc = social_x_check(&c, http_req_header(req, "x-twitter-webhooks-signature"), req->body,
                            req->body_len);
    if (rc) {
        refuse(req, resp, "x", rc);
        return;
    }
    json_t *j = parse(req, resp);
    if (!j)
        return;
    struct social_result r;
    struct fd_error e = {0};
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    rc = social_x_intake(db, &c, j, &r, &e);
    store_release(st, db);
    json_decref(j);
    answer(req, resp, "x", rc, &r, &e);
}

void api_social_register(void)
{
    http_route("POST", "/api/v1/social/telegram", telegram);
    http_route("GET", "/api/v1/social/x", x_crc);
    http_route("POST", "/api/v1/social/x", x_events);
    http_route_body_max("POST", "/api/v1/social/telegram", WEBHOOK_BODY_MAX);
    http_route_body_max("POST", "/api/v1/social/x", WEBHOOK_BODY_MAX);
}
