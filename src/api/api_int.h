#ifndef FD_API_INT_H
#define FD_API_INT_H
/* Helpers shared by the API's resource files. */
#include "../core/err.h"
#include "../http/http.h"
#include "../store/store.h"
#include "api.h"

#include <jansson.h>

#define API_APP(req) ((struct app *)(req)->app)

/* The signed-in actor, or NULL. */
static inline const struct auth_actor *api_actor(const struct http_req *req)
{
    return (const struct auth_actor *)req->auth;
}

/* Answers 401 and returns NULL when nobody is signed in; checks a token's scope. */
const struct auth_actor *api_require(struct http_req *req, struct http_resp *resp, unsigned scope);
/* Answers 403 unless the actor is staff. Returns 1 when allowed. */
int api_require_staff(const struct auth_actor *a, struct http_resp *resp);

/* Parses the body as a JSON object no deeper than the configured limit and with only
 * the allowed keys (NULL-terminated). Answers 400 and returns NULL on failure. */
json_t *api_body_object(struct http_req *req, struct http_resp *resp, const char *const *allowed);

/*
 * Typed field readers. Each returns 0 (absent fields leave *out untouched), or answers
 * 400 invalid_field / missing_field and returns -1.
 */
int api_str(json_t *o, const char *key, int required, const char **out, struct http_resp *resp);
int api_int(json_t *o, const char *key, int required, int64_t *out, int *present,
            struct http_resp *resp);
int api_bool(json_t *o, const char *key, int *out, struct http_resp *resp);

/* Answers with a stored file (ticket or chat attachment) as a download: its bytes, the
 * Content-Type to serve it with (tickets_attachment_serve_type), Content-Disposition
 * attachment, nosniff and a sandbox CSP; 500 when the file is missing or short. */
void api_send_stored_file(struct http_resp *resp, const char *path, int64_t size,
                          const char *content_type, const char *filename);

/* Adds "mail_auth" (DKIM/SPF/DMARC verdicts) to the inbound-email messages of a ticket's
 * message array, for staff only (mailauth_api.c). Returns 0 or FD_EDB. */
int api_mailauth_annotate(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                          json_t *messages);

/* Maps a domain error to an HTTP error answer (err may be NULL). */
void api_fail(struct http_resp *resp, int rc, const struct fd_error *err);

json_t *api_user_json(const struct user_rec *u);
json_t *api_ticket_json(const struct ticket_rec *t);
/* Parses a query integer in [lo, hi]; answers 400 and returns -1 when bad. */
int api_query_int(struct http_req *req, struct http_resp *resp, const char *name, int64_t lo,
                  int64_t hi, int64_t *out);
void api_iso(int64_t ms, char out[32]);

/* Safety (safety_api.c). The warning object ({kinds, message}) for customer text that
 * held secrets, or NULL; api_safety_warn adds it to an answer as "safety_warning".
 * api_safety_guard answers 422 asks_for_secret and returns -1 when a staff member's
 * text for a customer asks for a secret (customers' text passes). */
json_t *api_safety_warning(const char *a, const char *b);
void api_safety_warn(json_t *answer, const char *a, const char *b);
int api_safety_guard(struct http_resp *resp, const struct auth_actor *actor, const char *text,
                     const char *field);

/* Resource registration (one per file). */
void api_auth_register(void);
void api_tickets_register(size_t attachment_max);
void api_directory_register(void);
void api_kb_register(void);
void api_mail_register(size_t mail_max);
void api_chat_register(size_t attachment_max);
void api_complaints_register(void);
void api_sla_register(void);
void api_routing_register(void);
void api_reports_register(void);
void api_csat_register(void);
void api_status_register(void);
void api_social_register(void);
/* The status page's no-JavaScript forms (subscribe, confirm, unsubscribe): 1 for them. */
int status_csrf_exempt(const char *route);
struct buf;
/* Appends the incident banner (live incidents and maintenance in progress; nothing when
 * all is well) as escaped HTML to b, for server-rendered pages such as /help, and counts
 * the view (user_id: the signed-in customer, 0 for visitors and staff). Takes its own
 * connection: call it without holding one. A database failure leaves the banner out.
 * Returns 0 or FD_ELIMIT (b is full). */
int api_status_banner_html(struct store *st, int64_t user_id, struct buf *b);
void api_triage_register(void);
void api_safety_register(void);
void api_verify_register(void);
/* Account security (security_api.c). api_security_limit answers 429 (Retry-After) and
 * returns -1 when a public endpoint's rate limit is used up (actor NULL: by address and,
 * for sign-in, by email; else by account). api_security_gate answers 403 and returns -1
 * when 2FA is enforced and the actor has not enrolled. api_client_ip is the peer address,
 * or X-Forwarded-For's last hop from the trusted proxy; api_request_is_tls is 1 when
 * base_url is https or the trusted proxy says X-Forwarded-Proto: https. */
void api_security_register(void);
int api_security_limit(struct http_req *req, struct http_resp *resp,
                       const struct auth_actor *actor);
int api_security_gate(struct http_req *req, struct http_resp *resp, const struct auth_actor *a);
void api_client_ip(const struct http_req *req, char *out, size_t n);
int api_request_is_tls(const struct http_req *req);

#endif
