/*
 * Customer satisfaction surveys. When a ticket is first solved, the mail worker's
 * csat_mail_step creates its survey row and mails the requester a link carrying a
 * token: "<ticket id>.<nonce>.<HMAC-SHA256(key, "csat:<id>:<nonce>")>" (libsodium), the
 * key being a random secret kept in report_keys. The token works without signing in,
 * once: answering marks it used. On the portal the signed-in requester may answer, and
 * replace the answer for CSAT_CHANGE_DAYS after the first one. Every answer writes a
 * csat_answered event in the same transaction.
 */
#include "reports.h"

#include "../auth/auth.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../mail/mail.h"
#include "../store/store.h"
#include "../store/store_reports.h"
#include "../tickets/tickets.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSAT_CURSOR "csat_survey"
#define NONCE_BYTES 16
#define MAC_HEX (crypto_auth_hmacsha256_BYTES * 2)

/* The HMAC key, created on first use (inside the caller's transaction). */
static int csat_key(struct db *db, unsigned char key[crypto_auth_hmacsha256_KEYBYTES])
{
    unsigned char fresh[crypto_auth_hmacsha256_KEYBYTES];
    char fresh_hex[sizeof(fresh) * 2 + 1], hex[sizeof(fresh) * 2 + 1];
    crypto_auth_hmacsha256_keygen(fresh);
    sodium_bin2hex(fresh_hex, sizeof(fresh_hex), fresh, sizeof(fresh));
    int rc = store_report_key(db, "csat", fresh_hex, hex, sizeof(hex));
    sodium_memzero(fresh, sizeof(fresh));
    sodium_memzero(fresh_hex, sizeof(fresh_hex));
    if (rc)
        return rc;
    size_t n = 0;
    if (sodium_hex2bin(key, crypto_auth_hmacsha256_KEYBYTES, hex, strlen(hex), NULL, &n, NULL) ||
        n != crypto_auth_hmacsha256_KEYBYTES)
        rc = FD_EDB;
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

static int mac_hex(struct db *db, int64_t ticket_id, const char *nonce, char out[MAC_HEX + 1])
{
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES], mac[crypto_auth_hmacsha256_BYTES];
    int rc = csat_key(db, key);
    if (rc)
        return rc;
    char msg[96];
    int len = snprintf(msg, sizeof(msg), "csat:%lld:%s", (long long)ticket_id, nonce);
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)len, key);
    sodium_memzero(key, sizeof(key));
    sodium_bin2hex(out, MAC_HEX + 1, mac, sizeof(mac));
    return 0;
}

int csat_survey_create(struct db *db, int64_t ticket_id, int64_t sent_at, char *token, size_t n)
{
    unsigned char raw[NONCE_BYTES];
    char nonce[NONCE_BYTES * 2 + 1], mac[MAC_HEX + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(nonce, sizeof(nonce), raw, sizeof(raw));
    int rc = store_csat_insert(db, ticket_id, nonce, sent_at, fd_now_ms());
    if (rc == 0)
        rc = mac_hex(db, ticket_id, nonce, mac);
    if (rc == 0 && token)
        snprintf(token, n, "%lld.%s.%s", (long long)ticket_id, nonce, mac);
    return rc;
}

/* Splits and checks a token against its survey row (loaded into r). Returns 0,
 * FD_EAUTH (malformed, unknown or forged), FD_EDB. */
static int token_check(struct db *db, const char *token, struct csat_rec *r)
{
    if (!token || strlen(token) > CSAT_TOKEN_MAX)
        return FD_EAUTH;
    char *end;
    errno = 0;
    long long id = strtoll(token, &end, 10);
    if (errno || end == token || *end != '.' || id <= 0)
        return FD_EAUTH;
    const char *nonce = end + 1;
    const char *dot = strchr(nonce, '.');
    if (!dot || dot - nonce != NONCE_BYTES * 2 || strlen(dot + 1) != MAC_HEX)
        return FD_EAUTH;
    char nonce_s[NONCE_BYTES * 2 + 1];
    memcpy(nonce_s, nonce, NONCE_BYTES * 2);
    nonce_s[NONCE_BYTES * 2] = '\0';
    int rc = store_csat_get(db, id, r);
    if (rc == FD_ENOTFOUND)
        return FD_EAUTH;
    if (rc)
        return rc;
    char want[MAC_HEX + 1];
    if ((rc = mac_hex(db, id, r->token_nonce, want))) {
        csat_rec_release(r);
        return rc;
    }
    if (sodium_memcmp(nonce_s, r->token_nonce, NONCE_BYTES * 2) != 0 ||
        sodium_memcmp(dot + 1, want, MAC_HEX) != 0) {
        csat_rec_release(r);
        return FD_EAUTH;
    }
    return 0;
}

static int check_answer(int rating, const char *comment, struct fd_error *err)
{
    if (rating < 1 || rating > 5)
        return fd_fail(err, FD_EINVAL, "rating", "rating must be an integer from 1 to 5");
    if (comment && strlen(comment) > CSAT_COMMENT_MAX)
        return fd_fail(err, FD_EINVAL, "comment", "comment is too long (at most %d bytes)",
                       CSAT_COMMENT_MAX);
    return 0;
}

static int answer_event(struct db *db, int64_t ticket_id, int64_t actor, int rating,
                        const char *via, int replaced, int64_t now)
{
    json_t *d = json_pack("{s:i, s:s, s:b}", "rating", rating, "via", via, "replaced", replaced);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, actor, "csat_answered", text, now);
    free(text);
    return rc;
}

static int window_open(const struct csat_rec *r, int64_t now)
{
    return !r->first_answered_at || now - r->first_answered_at <= CSAT_CHANGE_DAYS * REPORTS_DAY_MS;
}

int csat_answer_token(struct db *db, const char *token, int rating, const char *comment,
                      struct fd_error *err)
{
    int rc = check_answer(rating, comment, err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct csat_rec r;
    if ((rc = token_check(db, token, &r))) {
        if (rc == FD_EAUTH)
            fd_fail(err, rc, "token", "this survey link is not valid");
        db_rollback(db);
        return rc;
    }
    int64_t now = fd_now_ms();
    struct ticket_rec *t = xmalloc(sizeof(*t));
    if (r.token_used_at || !window_open(&r, now)) {
        rc = fd_fail(err, FD_ECONFLICT, "token", "this survey link has already been used");
    } else if ((rc = store_ticket_get(db, r.ticket_id, t)) == 0 &&
               (rc = store_csat_answer(db, r.ticket_id, rating, comment, t->requester_id, 1,
                                       now)) == 0 &&
               (rc = answer_event(db, r.ticket_id, t->requester_id, rating, "link", r.rating != 0,
                                  now)) == 0) {
        rc = db_commit(db);
    }
    db_rollback(db);
    free(t);
    csat_rec_release(&r);
    return rc;
}

int csat_token_lookup(struct db *db, const char *token, json_t **out)
{
    /* A read transaction: a token only checks out when its survey row exists, and the
     * key was created together with the first row. */
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    struct csat_rec r;
    if ((rc = token_check(db, token, &r)) == 0) {
        char ref[32];
        tickets_format_ref(r.ticket_id, ref, sizeof(ref));
        *out = json_pack("{s:s, s:o, s:o, s:b}", "reference", ref, "rating",
                         r.rating ? json_integer(r.rating) : json_null(), "comment",
                         r.comment ? json_string(r.comment) : json_null(), "used",
                         r.token_used_at != 0);
        csat_rec_release(&r);
    }
    db_rollback(db);
    return rc;
}

static int closed_enough(const char *status)
{
    return strcmp(status, "solved") == 0 || strcmp(status, "closed") == 0;
}

int csat_answer_portal(struct db *db, const struct auth_actor *a, int64_t ticket_id, int rating,
                       const char *comment, struct fd_error *err)
{
    int rc = check_answer(rating, comment, err);
    if (rc)
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct ticket_rec *t = xmalloc(sizeof(*t));
    struct csat_rec r = {0};
    int64_t now = fd_now_ms();
    if ((rc = tickets_get(db, a, ticket_id, t)))
        goto out;
    if (t->requester_id != a->user.id) {
        rc = fd_fail(err, FD_EFORBIDDEN, NULL, "only the customer who asked may rate a ticket");
        goto out;
    }
    if (!closed_enough(t->status)) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a ticket can be rated once it is solved");
        goto out;
    }
    rc = store_csat_get(db, ticket_id, &r);
    if (rc == FD_ENOTFOUND) {
        memset(&r, 0, sizeof(r));
        rc = csat_survey_create(db, ticket_id, 0, NULL, 0);
    }
    if (rc)
        goto out;
    if (!window_open(&r, now)) {
        rc = fd_fail(err, FD_ECONFLICT, "rating",
                     "the rating can only be changed within %d days of the first answer",
                     CSAT_CHANGE_DAYS);
        goto out;
    }
    if ((rc = store_csat_answer(db, ticket_id, rating, comment, a->user.id, 0, now)) ||
        (rc = answer_event(db, ticket_id, a->user.id, rating, "portal", r.rating != 0, now)))
        goto out;
    rc = db_commit(db);
out:
    db_rollback(db);
    csat_rec_release(&r);
    free(t);
    return rc;
}

int csat_ticket_json(struct db *db, int64_t ticket_id, const char *status, json_t **out)
{
    struct csat_rec r;
    int rc = store_csat_get(db, ticket_id, &r);
    if (rc && rc != FD_ENOTFOUND)
        return rc;
    int found = rc == 0;
    json_t *j = json_pack("{s:b, s:o, s:o}", "eligible", closed_enough(status), "rating",
                          found && r.rating ? json_integer(r.rating) : json_null(), "comment",
                          found && r.comment ? json_string(r.comment) : json_null());
    char at[32];
    if (found && r.answered_at) {
        fd_iso8601(r.answered_at, at, sizeof(at));
        json_object_set_new(j, "answered_at", json_string(at));
    } else {
        json_object_set_new(j, "answered_at", json_null());
    }
    if (found && r.sent_at) {
        fd_iso8601(r.sent_at, at, sizeof(at));
        json_object_set_new(j, "survey_sent_at", json_string(at));
    } else {
        json_object_set_new(j, "survey_sent_at", json_null());
    }
    int64_t now = fd_now_ms();
    json_object_set_new(j, "can_answer",
                        json_boolean(closed_enough(status) && (!found || window_open(&r, now))));
    if (found)
        csat_rec_release(&r);
    *out = j;
    return 0;
}

/* ---- the survey mail ----------------------------------------------------------- */

struct step {
    struct db *db;
    const struct mail_config *cfg;
    int64_t last;
    int rc;
};

static int survey_event(void *ctx, const struct event_rec *e)
{
    struct step *s = ctx;
    s->last = e->id;
    if (strcmp(e->type, "status_changed") != 0 || !e->ticket_id || !e->data ||
        !strstr(e->data, "\"after\":\"solved\""))
        return 0;
    struct csat_rec r;
    int rc = store_csat_get(s->db, e->ticket_id, &r);
    if (rc == 0) {
        csat_rec_release(&r);
        return 0; /* surveyed (or rated) before: a re-solved ticket is not asked again */
    }
    if (rc != FD_ENOTFOUND) {
        s->rc = rc;
        return 1;
    }
    struct ticket_rec *t = xmalloc(sizeof(*t));
    if ((rc = store_ticket_get(s->db, e->ticket_id, t)) == 0 && strrchr(t->requester_email, '@') &&
        strcmp(strrchr(t->requester_email, '@'), "@frontdesk.invalid") != 0) {
        char token[CSAT_TOKEN_MAX + 1], ref[32];
        int64_t now = fd_now_ms();
        tickets_format_ref(t->id, ref, sizeof(ref));
        if ((rc = csat_survey_create(s->db, t->id, now, token, sizeof(token))) == 0) {
            char *text = xasprintf(
                "Hello %s,\n\nYour request %s (\"%s\") has been marked solved.\n\n"
                "How did we do? Rate our help from 1 to 5 (one click, no sign-in needed):\n"
                "%s/support#/csat/%s\n\nThe link works once. If the problem is not "
                "solved, simply reply to this email and the request reopens.\n\n"
                "Frontdesk staff will never ask for your password, 2FA codes, seed phrase or "
                "private keys, and will never ask you to move funds.\n",
                t->requester_name, ref, t->subject, s->cfg->base_url, token);
            rc = mail_queue_ticket(s->db, s->cfg, t, "notice", text, NULL, 1);
            free(text);
            if (rc == 0)
                rc = store_event_insert(s->db, t->id, 0, "csat_sent", "{}", now);
        }
    } else if (rc == FD_ENOTFOUND) {
        rc = 0;
    }
    free(t);
    if (rc) {
        s->rc = rc;
        return 1;
    }
    return 0;
}

int csat_mail_step(struct db *db, const struct mail_config *cfg)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    int64_t last = 0;
    if ((rc = store_cursor_get(db, CSAT_CURSOR, &last)))
        goto out;
    if (last < 0) {
        /* First run: tickets solved before this feature existed are not surveyed. */
        rc = store_cursor_start(db, CSAT_CURSOR, &last);
    } else {
        struct step s = {db, cfg, last, 0};
        if ((rc = store_event_list_after(db, last, 200, survey_event, &s)) || (rc = s.rc))
            goto out;
        if (s.last != last)
            rc = store_cursor_set(db, CSAT_CURSOR, s.last);
    }
    if (rc == 0)
        rc = db_commit(db);
out:
    db_rollback(db);
    return rc;
}
