/* The WebSocket upgrade route of the live chat: authentication, then hand-over to the hub. */
#include "chat_ws.h"

#include "../chat/chat.h"
#include "../chat/hub.h"
#include "../core/config.h"
#include "../core/xalloc.h"
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct chat_hub *ws_hub;

static int is_hex_token(const char *s)
{
    if (!s || strlen(s) != CHAT_TOKEN_HEX)
        return 0;
    return strspn(s, "0123456789abcdefABCDEF") == CHAT_TOKEN_HEX;
}

static void ws_check(struct http_req *req, struct http_resp *resp)
{
    struct app *app = API_APP(req);
    if (!ws_hub) {
        http_resp_error(resp, 503, "unavailable", "live chat is not running");
        return;
    }
    if (!http_req_origin_ok(req, app->cfg->base_url)) {
        http_resp_error(resp, 403, "forbidden", "the Origin header is not this server's origin");
        return;
    }
    struct chat_hub_ident *id = xcalloc(1, sizeof(*id));
    const struct auth_actor *a = api_actor(req);
    if (a) {
        id->has_actor = 1;
        id->actor = *a;
        id->who_id = a->user.id;
        snprintf(id->who_name, sizeof(id->who_name), "%s", a->user.name);
        snprintf(id->who_role, sizeof(id->who_role), "%s", fd_role_name(a->user.role));
        req->upgrade_ctx = id;
        return;
    }
    const char *chat = http_req_query(req, "chat");
    const char *token = http_req_query(req, "token");
    if (!chat || !token) {
        free(id);
        http_resp_error(resp, 401, "unauthorized", "sign in, or pass chat and token");
        return;
    }
    char *end;
    errno = 0;
    long long cid = strtoll(chat, &end, 10);
    struct chat_rec rec;
    int rc = FD_ENOTFOUND;
    if (!errno && end != chat && !*end && cid > 0 && is_hex_token(token)) {
        snprintf(id->token, sizeof(id->token), "%s", token);
        struct chat_who w = {NULL, id->token};
        struct db *db = store_acquire(app->store);
        rc = chat_get(db, &w, cid, &rec);
        store_release(app->store, db);
    }
    if (rc) {
        free(id);
        http_resp_error(resp, 401, "unauthorized", "unknown chat or wrong token");
        return;
    }
    id->visitor_chat = cid;
    id->who_id = rec.customer_id;
    snprintf(id->who_name, sizeof(id->who_name), "%s", rec.customer_name);
    snprintf(id->who_role, sizeof(id->who_role), "customer");
    req->upgrade_ctx = id;
}

static void ws_upgrade(void *app, void *ctx, int sock, const char *extra_in, size_t extra_in_size,
                       struct http_upgrade *u)
{
    (void)app;
    chat_hub_adopt(ws_hub, ctx, sock, extra_in, extra_in_size, u);
}

void api_chat_ws_register(struct chat_hub *hub)
{
    ws_hub = hub;
    http_route_upgrade("/api/v1/chat/ws", ws_check, ws_upgrade);
}
