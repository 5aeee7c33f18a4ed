/* store_mailauth.c: the mail_auth table (migration 016). */
#include "store_mailauth.h"

#include "../core/err.h"
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

int store_mailauth_insert(struct db *db, const struct mailauth_rec *r, int64_t ticket_id,
                          int64_t actor_id)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "INSERT INTO mail_auth (mail_id, dkim, dkim_domain, spf, spf_domain, "
                        "dmarc, dmarc_policy, from_domain, client_ip, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        &st);
    if (rc)
        return rc;
    db_bind_int64(st, 1, r->mail_id);
    db_bind_text(st, 2, r->dkim);
    db_bind_text(st, 3, r->dkim_domain);
    db_bind_text(st, 4, r->spf);
    db_bind_text(st, 5, r->spf_domain);
    db_bind_text(st, 6, r->dmarc);
    db_bind_text(st, 7, r->dmarc_policy);
    db_bind_text(st, 8, r->from_domain);
    db_bind_text(st, 9, r->client_ip);
    db_bind_int64(st, 10, r->created_at);
    rc = db_step(st);
    db_finalize(st);
    if (rc < 0)
        return rc;
    if (!ticket_id)
        return 0;
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "mail_id", (json_int_t)r->mail_id, "dkim",
                  r->dkim, "dkim_domain", r->dkim_domain, "spf", r->spf, "spf_domain",
                  r->spf_domain, "dmarc", r->dmarc, "dmarc_policy", r->dmarc_policy);
    if (!j)
        return FD_ENOMEM;
    char *data = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!data)
        return FD_ENOMEM;
    rc = store_event_insert(db, ticket_id, actor_id, "mail_authenticated", data, r->created_at);
    free(data);
    return rc;
}

int store_mailauth_for_ticket(struct db *db, int64_t ticket_id, store_mailauth_cb cb, void *ctx)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT a.mail_id, m.message_row_id, a.dkim, a.dkim_domain, a.spf, "
                        "a.spf_domain, a.dmarc, a.dmarc_policy, a.from_domain, a.client_ip, "
                        "a.created_at FROM mail_auth a JOIN mail_messages m ON m.id = a.mail_id "
                        "WHERE m.ticket_id = ? AND m.message_row_id IS NOT NULL ORDER BY a.mail_id",
                        &st);
    if (rc)
        return rc;
    db_bind_int64(st, 1, ticket_id);
    while ((rc = db_step(st)) == 1) {
        struct mailauth_rec r;
        memset(&r, 0, sizeof(r));
        r.mail_id = db_col_int64(st, 0);
        r.message_row_id = db_col_int64(st, 1);
        COPY(r.dkim, db_col_text(st, 2));
        COPY(r.dkim_domain, db_col_text(st, 3));
        COPY(r.spf, db_col_text(st, 4));
        COPY(r.spf_domain, db_col_text(st, 5));
        COPY(r.dmarc, db_col_text(st, 6));
        COPY(r.dmarc_policy, db_col_text(st, 7));
        COPY(r.from_domain, db_col_text(st, 8));
        COPY(r.client_ip, db_col_text(st, 9));
        r.created_at = db_col_int64(st, 10);
        if ((rc = cb(ctx, &r)))
            break;
    }
    db_finalize(st);
    return rc;
}
