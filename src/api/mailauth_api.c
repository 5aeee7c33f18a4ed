/* Inbound mail authentication results on a ticket's messages, for staff only. */
#include "../auth/auth.h"
#include "../store/store_mailauth.h"
#include "api_int.h"

#include <string.h>

static int annotate_one(void *ctx, const struct mailauth_rec *r)
{
    json_t *messages = ctx;
    size_t i;
    json_t *m;
    json_array_foreach(messages, i, m)
    {
        if (json_integer_value(json_object_get(m, "id")) != r->message_row_id)
            continue;
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "dkim", r->dkim, "spf", r->spf, "dmarc",
                      r->dmarc, "from_domain", r->from_domain, "dmarc_policy", r->dmarc_policy);
        json_object_set_new(o, "dkim_domain",
                            r->dkim_domain[0] ? json_string(r->dkim_domain) : json_null());
        json_object_set_new(o, "spf_domain",
                            r->spf_domain[0] ? json_string(r->spf_domain) : json_null());
        json_object_set_new(o, "client_ip",
                            r->client_ip[0] ? json_string(r->client_ip) : json_null());
        json_object_set_new(m, "mail_auth", o);
    }
    return 0;
}

int api_mailauth_annotate(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                          json_t *messages)
{
    if (!auth_can_see_internal(a))
        return 0; /* customers never see authentication results */
    return store_mailauth_for_ticket(db, ticket_id, annotate_one, messages);
}
