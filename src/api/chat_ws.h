#ifndef FD_API_CHAT_WS_H
#define FD_API_CHAT_WS_H
/*
 * GET /api/v1/chat/ws: the WebSocket upgrade of the live chat (docs/chat.md). The check
 * authenticates (session cookie or Bearer token via the API's before-hook, else
 * ?chat=ID&token=T for an anonymous visitor) and checks Origin; the socket then goes to
 * the hub. Call after api_register() and before http_server_start().
 */
struct chat_hub;

void api_chat_ws_register(struct chat_hub *hub);

#endif
