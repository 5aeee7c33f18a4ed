/*
 * E-mail subscriptions to the status page (see status.h): double opt-in requests, signed
 * confirmation and unsubscribe links, and the mail sent to subscribers on each update.
 */
#include "status.h"

#include "../core/buf.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_NAME "subscription_hmac"
#define MAIL_DEPARTMENT "technical" /* status mail comes from this department's address */
#define MAIL_MAX (64 * 1024)

/* The HMAC key, made on first use inside the caller's write transaction. */
static int hmac_key(struct db *db, unsigned char key[crypto_auth_hmacsha256_KEYBYTES])
{
    char hex[2 * crypto_auth_hmacsha256_KEYBYTES + 1];
    int rc = store_status_secret_get(db, KEY_NAME, hex, sizeof(hex));
    if (rc == FD_ENOTFOUND) {
        randombytes_buf(key, crypto_auth_hmacsha256_KEYBYTES);
        sodium_bin2hex(hex, sizeof(hex), key, crypto_auth_hmacsha256_KEYBYTES);
        return store_status_secret_put(db, KEY_NAME, hex);
    }
    if (rc)
        return rc;
    size_t n = 0;
    if (sodium_hex2bin(key, crypto_auth_hmacsha256_KEYBYTES, hex, strlen(hex), NULL, &n, NULL) !=
            0 ||
        n != crypto_auth_hmacsha256_KEYBYTES)
        return FD_EDB;
    return 0;
}

int status_subscription_token(struct db *db, const char *purpose,
                              const struct status_subscription_rec *r, char *out)
{
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    int rc = hmac_key(db, key);
    if (rc)
        return rc;
    struct buf msg;
    buf_init(&msg, 4096);
    /* The pending components are part of a confirmation: a newer request voids it. */
    int brc = buf_printf(&msg, "%s\n%lld\n%s\n%s", purpose, (long long)r->id, r->email,
                         strcmp(purpose, "confirm") == 0 ? r->pending : "");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    if (brc == 0)
        crypto_auth_hmacsha256(mac, (const unsigned char *)msg.ptr, msg.len, key);
    buf_release(&msg);
    sodium_memzero(key, sizeof(key));
    if (brc)
        return brc;
    sodium_bin2hex(out, STATUS_TOKEN_HEX + 1, mac, sizeof(mac));
    return 0;
}

static int token_ok(struct db *db, const char *purpose, const struct status_subscription_rec *r,
                    const char *token)
{
    char want[STATUS_TOKEN_HEX + 1];
    if (!token || strlen(token) != STATUS_TOKEN_HEX)
        return 0;
    if (status_subscription_token(db, purpose, r, want) != 0)
        return -1;
    return sodium_memcmp(want, token, STATUS_TOKEN_HEX) == 0;
}

static int sub_event(struct db *db, const char *type, int64_t id, const char *components,
                     int64_t now)
{
    json_t *d = json_pack("{s:I, s:s}", "subscription", (json_int_t)id, "components", components);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, 0, 0, type, text, now);
    free(text);
    return rc;
}

static int department_id(struct db *db, const struct mail_config *mail, int64_t *id)
{
    struct department_rec d;
    int rc = store_department_by_slug(db, MAIL_DEPARTMENT, &d);
    if (rc == FD_ENOTFOUND && mail->default_department)
        rc = store_department_by_slug(db, mail->default_department, &d);
    if (rc == 0)
        *id = d.id;
    return rc;
}

static void base_url(const struct mail_config *mail, char *out, size_t n)
{
    const char *b = mail->base_url ? mail->base_url : "";
    size_t len = strlen(b);
    while (len && b[len - 1] == '/')
        len--;
    snprintf(out, n, "%.*s", (int)len, b);
}

/* "Bitcoin (BTC), Spot trading" for a slug list ("*": all components). */
static int describe(struct db *db, const char *list, struct buf *out)
{
    if (strcmp(list, "*") == 0)
        return buf_puts(out, "all components");
    const char *p = list;
    int first = 1;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char slug[STATUS_SLUG_MAX + 1];
        snprintf(slug, sizeof(slug), "%.*s", (int)(n < STATUS_SLUG_MAX ? n : STATUS_SLUG_MAX), p);
        struct status_component_rec c;
        int rc = store_status_component_by_slug(db, slug, &c);
        if (rc == 0 && (rc = buf_printf(out, "%s%s", first ? "" : ", ", c.name)) != 0)
            return rc;
        if (rc && rc != FD_ENOTFOUND)
            return rc;
        first = 0;
        p = comma ? comma + 1 : p + n;
    }
    return 0;
}

int status_subscribe(struct db *db, const struct mail_config *mail, const char *email, int n,
                     const char *const *slugs, struct fd_error *err)
{
    char addr[FD_EMAIL_MAX + 1];
    int rc;
    if (!email)
        return fd_fail(err, FD_EINVAL, "email", "email is required");
    if ((rc = auth_email_normalize(email, addr, sizeof(addr), err)))
        return rc;
    if (n < 0 || n > STATUS_COMPONENTS_MAX)
        return fd_fail(err, FD_EINVAL, "components", "at most %d components",
                       STATUS_COMPONENTS_MAX);
    int64_t now = fd_now_ms();
    struct status_subscription_rec *r = xcalloc(1, sizeof(*r));
    struct buf list, text;
    buf_init(&list, STATUS_SUB_COMPONENTS_MAX);
    buf_init(&text, MAIL_MAX);
    if ((rc = db_begin_write(db)))
        goto out;
    for (int i = 0; i < n; i++) {
        struct status_component_rec c;
        rc = store_status_component_by_slug(db, slugs[i] ? slugs[i] : "", &c);
        if (rc == FD_ENOTFOUND) {
            rc = fd_fail(err, FD_EINVAL, "components", "unknown component \"%.48s\"",
                         slugs[i] ? slugs[i] : "");
            goto fail;
        }
        if (rc)
            goto fail;
        for (int j = 0; j < i; j++)
            if (strcmp(slugs[j], c.slug) == 0) {
                rc = fd_fail(err, FD_EINVAL, "components", "component \"%.48s\" is listed twice",
                             c.slug);
                goto fail;
            }
        if (buf_printf(&list, "%s%s", i ? "," : "", c.slug) != 0) {
            rc = fd_fail(err, FD_EINVAL, "components", "too many components");
            goto fail;
        }
    }
    if (n == 0 && buf_puts(&list, "*") != 0) {
        rc = FD_ENOMEM;
        goto fail;
    }
    int64_t sent = 0;
    if ((rc = store_outbox_count_since(db, addr, "status_confirm", now - 3600 * 1000LL, &sent)))
        goto fail;
    if (sent >= STATUS_CONFIRM_PER_HOUR) {
        rc = fd_fail(err, FD_ERATE, "email",
                     "too many confirmation mails to this address; try again in an hour");
        goto fail;
    }
    rc = store_status_sub_by_email(db, addr, r);
    if (rc == FD_ENOTFOUND) {
        memset(r, 0, sizeof(*r));
        snprintf(r->email, sizeof(r->email), "%s", addr);
        snprintf(r->pending, sizeof(r->pending), "%s", list.ptr);
        r->created_at = now;
        rc = store_status_sub_insert(db, r);
    } else if (rc == 0) {
        snprintf(r->pending, sizeof(r->pending), "%s", list.ptr);
        rc = store_status_sub_update(db, r);
    }
    if (rc)
        goto fail;
    char token[STATUS_TOKEN_HEX + 1], base[300];
    if ((rc = status_subscription_token(db, "confirm", r, token)))
        goto fail;
    base_url(mail, base, sizeof(base));
    int brc = buf_puts(&text, "Someone, hopefully you, asked for e-mail from the Frontdesk "
                              "status page about incidents and maintenance affecting: ");
    if (!brc)
        brc = describe(db, list.ptr, &text);
    if (!brc)
        brc = buf_printf(&text,
                         ".\n\nTo confirm, open this link and press the button:\n"
                         "%s/status/confirm?id=%lld&t=%s\n\n"
                         "If it was not you, ignore this mail: nothing more will be sent.\n"
                         "Frontdesk support will never ask for your password, 2FA codes, "
                         "seed phrase or private keys.\n",
                         base, (long long)r->id, token);
    if (brc) {
        rc = brc;
        goto fail;
    }
    struct mail_notice nt = {0};
    if ((rc = department_id(db, mail, &nt.department_id)))
        goto fail;
    nt.to_name = "";
    nt.to_email = addr;
    nt.subject = "Confirm your Frontdesk status subscription";
    nt.text = text.ptr;
    nt.kind = "status_confirm";
    nt.auto_submitted = 1;
    if ((rc = mail_queue(db, mail, &nt)))
        goto fail;
    if ((rc = sub_event(db, "status.subscription_requested", r->id, list.ptr, now)))
        goto fail;
    rc = db_commit(db);
    if (rc)
        goto fail;
    goto out;
fail:
    db_rollback(db);
out:
    buf_release(&list);
    buf_release(&text);
    free(r);
    return rc;
}

int status_subscription_confirm(struct db *db, int64_t id, const char *token,
                                struct status_subscription_rec *out, struct fd_error *err)
{
    struct status_subscription_rec *r = xcalloc(1, sizeof(*r));
    int rc = db_begin_write(db);
    if (rc)
        goto out;
    rc = store_status_sub_get(db, id, r);
    if (rc == 0 && !r->pending[0])
        rc = FD_ENOTFOUND; /* nothing waits for confirmation: the link was used or replaced */
    int ok = 0;
    if (rc == 0 && (ok = token_ok(db, "confirm", r, token)) < 0)
        rc = FD_EDB;
    if (rc == FD_ENOTFOUND || (rc == 0 && !ok))
        rc = fd_fail(err, FD_EAUTH, "token",
                     "this confirmation link is not valid (it may have been used already)");
    if (rc)
        goto fail;
    int64_t now = fd_now_ms();
    snprintf(r->components, sizeof(r->components), "%s", r->pending);
    r->pending[0] = '\0';
    r->confirmed_at = now;
    r->unsubscribed_at = 0;
    if ((rc = store_status_sub_update(db, r)) ||
        (rc = sub_event(db, "status.subscription_confirmed", r->id, r->components, now)) ||
        (rc = db_commit(db)))
        goto fail;
    if (out)
        *out = *r;
    goto out;
fail:
    db_rollback(db);
out:
    free(r);
    return rc;
}

int status_unsubscribe(struct db *db, int64_t id, const char *token, struct fd_error *err)
{
    struct status_subscription_rec *r = xcalloc(1, sizeof(*r));
    int rc = db_begin_write(db);
    if (rc)
        goto out;
    rc = store_status_sub_get(db, id, r);
    int ok = 0;
    if (rc == 0 && (ok = token_ok(db, "unsubscribe", r, token)) < 0)
        rc = FD_EDB;
    if (rc == FD_ENOTFOUND || (rc == 0 && !ok))
        rc = fd_fail(err, FD_EAUTH, "token", "this unsubscribe link is not valid");
    if (rc)
        goto fail;
    if (r->unsubscribed_at) {
        db_rollback(db); /* already done: nothing changes */
        goto out;
    }
    int64_t now = fd_now_ms();
    r->unsubscribed_at = now;
    r->pending[0] = '\0';
    if ((rc = store_status_sub_update(db, r)) ||
        (rc = sub_event(db, "status.unsubscribed", r->id, r->components, now)) ||
        (rc = db_commit(db)))
        goto fail;
    goto out;
fail:
    db_rollback(db);
out:
    free(r);
    return rc;
}

/* ---- mail on each update ------------------------------------------------------------- */

struct affected {
    int n;
    struct status_affected_rec v[STATUS_COMPONENTS_MAX];
};

static int collect_affected(void *ctx, const struct status_affected_rec *a)
{
    struct affected *l = ctx;
    if (l->n < STATUS_COMPONENTS_MAX)
        l->v[l->n++] = *a;
    return 0;
}

struct subs {
    int n, cap;
    struct status_subscription_rec *v;
    const struct affected *aff;
};

/* A subscription matches when it takes everything or names an affected component. */
static int wants(const struct status_subscription_rec *s, const struct affected *aff)
{
    if (strcmp(s->components, "*") == 0)
        return 1;
    for (int i = 0; i < aff->n; i++) {
        size_t n = strlen(aff->v[i].slug);
        for (const char *p = s->components; (p = strstr(p, aff->v[i].slug)) != NULL; p += n)
            if ((p == s->components || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
                return 1;
    }
    return 0;
}

static int collect_sub(void *ctx, const struct status_subscription_rec *s)
{
    struct subs *l = ctx;
    if (!wants(s, l->aff))
        return 0;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, (size_t)l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = *s;
    return 0;
}

static const char *phase_word(const char *phase)
{
    static const char *const map[][2] = {
        {"investigating", "Investigating"}, {"identified", "Identified"},
        {"monitoring", "Monitoring"},       {"resolved", "Resolved"},
        {"scheduled", "Scheduled"},         {"completed", "Completed"},
        {"cancelled", "Cancelled"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], phase) == 0)
            return map[i][1];
    return phase;
}

int status__notify(struct db *db, const struct mail_config *mail,
                   const struct status_incident_rec *inc, const char *phase, const char *body)
{
    struct affected *aff = xcalloc(1, sizeof(*aff));
    struct subs subs = {0};
    struct buf text;
    buf_init(&text, MAIL_MAX);
    subs.aff = aff;
    int rc = store_status_affected_list(db, inc->id, collect_affected, aff);
    if (rc == 0)
        rc = store_status_sub_list_active(db, collect_sub, &subs);
    int64_t dept = 0;
    if (rc == 0 && subs.n)
        rc = department_id(db, mail, &dept);
    char base[300], subject[STATUS_TITLE_MAX + 64];
    base_url(mail, base, sizeof(base));
    snprintf(subject, sizeof(subject), "[Status] %s: %s", phase_word(phase), inc->title);
    for (int i = 0; rc == 0 && i < subs.n; i++) {
        const struct status_subscription_rec *s = &subs.v[i];
        char token[STATUS_TOKEN_HEX + 1];
        if ((rc = status_subscription_token(db, "unsubscribe", s, token)))
            break;
        buf_reset(&text);
        int brc = buf_printf(&text, "%s\nStatus: %s\n", inc->title, phase_word(phase));
        for (int k = 0; !brc && k < aff->n; k++)
            brc = buf_printf(&text, "%s %s: %s\n", k ? "         " : "Affected:", aff->v[k].name,
                             strcmp(inc->kind, "maintenance") == 0
                                 ? "Under maintenance"
                                 : status_state_label(aff->v[k].state));
        if (!brc)
            brc = buf_printf(&text,
                             "\n%s\n\nThe whole timeline: %s/status#incident-%lld\n\n"
                             "You get this mail because you subscribed to status updates "
                             "about: ",
                             body, base, (long long)inc->id);
        if (!brc)
            brc = describe(db, s->components, &text);
        if (!brc)
            brc = buf_printf(&text, ".\nUnsubscribe: %s/status/unsubscribe?id=%lld&t=%s\n", base,
                             (long long)s->id, token);
        if (brc) {
            rc = brc;
            break;
        }
        struct mail_notice nt = {0};
        nt.department_id = dept;
        nt.to_name = "";
        nt.to_email = s->email;
        nt.subject = subject;
        nt.text = text.ptr;
        nt.kind = "status_update";
        nt.auto_submitted = 1;
        rc = mail_queue(db, mail, &nt);
    }
    buf_release(&text);
    free(subs.v);
    free(aff);
    return rc;
}
