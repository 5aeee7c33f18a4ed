/* The safety warning in API answers and the outbound guard for staff text. */
#include "../auth/auth.h"
#include "../safety/scan.h"
#include "api_int.h"

#include <string.h>

json_t *api_safety_warning(const char *a, const char *b)
{
    const char *texts[] = {a, b};
    unsigned kinds = 0;
    for (int i = 0; i < 2; i++) {
        unsigned k = 0;
        if (texts[i] && safety_scan(texts[i], strlen(texts[i]), &k, NULL, NULL) == 0)
            kinds |= k;
    }
    return kinds ? safety_warning_json(kinds) : NULL;
}

void api_safety_warn(json_t *answer, const char *a, const char *b)
{
    json_t *w = api_safety_warning(a, b);
    if (w)
        json_object_set_new(answer, "safety_warning", w);
}

int api_safety_guard(struct http_resp *resp, const struct auth_actor *actor, const char *text,
                     const char *field)
{
    if (!actor || !auth_is_staff(actor))
        return 0;
    struct fd_error err = {0};
    if (safety_outbound_check(text, field, &err) == 0)
        return 0;
    http_resp_error(resp, 422, "asks_for_secret", "%s", err.message);
    return -1;
}

/*
 * POST /api/v1/safety/check {"text": "..."} (staff): what the guard and the scanner say
 * about a draft before it is sent (the console checks replies, macros and templates with
 * it). 200 {"asks_for_secret": bool, "message": string|null, "secrets": [kinds]}.
 */
static void check(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_WRITE);
    if (!a || !api_require_staff(a, resp))
        return;
    static const char *const fields[] = {"text", NULL};
    json_t *o = api_body_object(req, resp, fields);
    if (!o)
        return;
    const char *text = NULL;
    if (api_str(o, "text", 1, &text, resp) == 0) {
        struct fd_error err = {0};
        int asks = safety_outbound_check(text, "text", &err) != 0;
        json_t *w = api_safety_warning(text, NULL);
        json_t *kinds = w ? json_incref(json_object_get(w, "kinds")) : json_array();
        json_decref(w);
        http_resp_json(resp, 200,
                       json_pack("{s:b, s:o, s:o}", "asks_for_secret", asks, "message",
                                 asks ? json_string(err.message) : json_null(), "secrets", kinds));
    }
    json_decref(o);
}

void api_safety_register(void)
{
    http_route("POST", "/api/v1/safety/check", check);
}
