/* Social channels: webhook authenticity and intake (see social.h). */
#include "social.h"

#include "../auth/auth.h"
#include "../core/config.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../store/store_social.h"
#include "../tickets/tickets.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void social_config_from(const struct fd_config *cfg, struct social_config *c)
{
    memset(c, 0, sizeof(*c));
    c->telegram_bot_token = cfg->telegram_bot_token;
    c->telegram_secret = cfg->telegram_secret;
    c->telegram_api_url = cfg->telegram_api_url;
    c->telegram_channel = cfg->telegram_channel;
    c->x_consumer_secret = cfg->x_consumer_secret;
    c->x_bearer_token = cfg->x_bearer_token;
    c->x_api_url = cfg->x_api_url;
    c->x_crosspost = cfg->x_crosspost != 0;
    c->department = cfg->mail_default_department;
    c->base_url = cfg->base_url;
    c->poll_ms = cfg->social_poll_ms;
    c->retry_base_s = cfg->social_retry_base_s;
    c->max_attempts = (int)cfg->social_max_attempts;
}

/* ---- authenticity -------------------------------------------------------------------- */

static int same(const char *a, const char *b)
{
    size_t n = strlen(b);
    return strlen(a) == n && sodium_memcmp(a, b, n) == 0;
}

int social_telegram_check(const struct social_config *c, const char *header)
{
    if (!c->telegram_bot_token[0] || !c->telegram_secret[0])
        return FD_ENOTFOUND;
    if (!header || !*header)
        return FD_EAUTH;
    return same(header, c->telegram_secret) ? 0 : FD_EFORBIDDEN;
}

int social_x_sign(const struct social_config *c, const void *data, size_t len, char *out)
{
    if (!c->x_consumer_secret[0])
        return FD_ENOTFOUND;
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)c->x_consumer_secret,
                                strlen(c->x_consumer_secret));
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2base64(out + 7, SOCIAL_SIG_MAX - 7, mac, sizeof(mac),
                      sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int social_x_check(const struct social_config *c, const char *header, const void *body, size_t len)
{
    char want[SOCIAL_SIG_MAX];
    int rc = social_x_sign(c, body, len, want);
    if (rc)
        return rc;
    if (!header || !*header)
        return FD_EAUTH;
    return same(header, want) ? 0 : FD_EFORBIDDEN;
}

/* ---- intake ------------------------------------------------------------------------- */

struct inbound {
    const char *platform;  /* telegram | x (also the ticket channel) */
    const char *event_id;  /* for replay protection */
    const char *handle_id; /* the platform's stable user id */
    const char *handle;    /* @name or display name */
    const char *kind;      /* telegram | x_dm | x_mention */
    const char *target, *reply_to;
    const char *text;
};

/* A copy of s cut to at most max bytes at a UTF-8 character boundary. */
static char *cut_utf8(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *out = xmalloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

/* The ticket subject: the first line of the text, cut. */
static void subject_of(const struct inbound *in, char *out, size_t n)
{
    const char *nl = strchr(in->text, '\n');
    size_t len = nl ? (size_t)(nl - in->text) : strlen(in->text);
    if (len > 80) {
        len = 80;
        while (len && ((unsigned char)in->text[len] & 0xC0) == 0x80)
            len--;
    }
    snprintf(out, n, "%.*s", (int)len, in->text);
    if (!out[0])
        snprintf(out, n, "%s message from %s", in->platform, in->handle);
}

/* One message inside the caller's write transaction. */
static int take(struct db *db, const struct social_config *c, const struct inbound *in,
                struct social_result *res, struct fd_error *err)
{
    int64_t now = fd_now_ms();
    int rc = store_social_seen(db, in->platform, in->event_id, now);
    if (rc == FD_ECONFLICT) {
        res->duplicates++;
        return 0;
    }
    if (rc)
        return rc;
    if (!in->text || !*in->text) {
        res->ignored++;
        return 0;
    }
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    a.scopes = SCOPE_ALL;
    int64_t uid = 0;
    rc = store_social_handle_user(db, in->platform, in->handle_id, &uid);
    if (rc == 0) {
        rc = store_user_get(db, uid, &a.user);
    } else if (rc == FD_ENOTFOUND) {
        char email[FD_EMAIL_MAX + 1];
        snprintf(email, sizeof(email), "%s-%.64s@frontdesk.invalid", in->platform, in->handle_id);
        rc = tickets_customer_for_email(db, email, in->handle, &a.user, err);
        if (rc == 0)
            rc = store_social_handle_insert(db, in->platform, in->handle_id, in->handle, a.user.id,
                                            now);
    }
    if (rc)
        return rc;
    char *text = cut_utf8(in->text, SOCIAL_TEXT_MAX);
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    struct social_thread_rec th;
    int64_t mid = 0;
    rc = store_social_thread_open(db, in->platform, in->handle_id, &th);
    if (rc == 0) {
        rc = tickets_reply_in_txn(db, &a, in->platform, th.ticket_id, text, 0, t, &mid, err);
        if (rc == 0)
            res->threaded++;
    } else if (rc == FD_ENOTFOUND) {
        char subject[100];
        subject_of(in, subject, sizeof(subject));
        struct ticket_input ti;
        memset(&ti, 0, sizeof(ti));
        ti.department = c->department;
        ti.subject = subject;
        ti.body = text;
        rc = tickets_create_in_txn(db, &a, in->platform, &ti, t, &mid, err);
        if (rc == 0)
            res->created++;
    }
    if (rc == 0) {
        memset(&th, 0, sizeof(th));
        th.ticket_id = t->id;
        snprintf(th.platform, sizeof(th.platform), "%s", in->platform);
        snprintf(th.handle_id, sizeof(th.handle_id), "%s", in->handle_id);
        snprintf(th.kind, sizeof(th.kind), "%s", in->kind);
        snprintf(th.target, sizeof(th.target), "%s", in->target);
        snprintf(th.reply_to, sizeof(th.reply_to), "%s", in->reply_to ? in->reply_to : "");
        rc = store_social_thread_put(db, &th, now);
        res->ticket_id = t->id;
    }
    free(t);
    free(text);
    return rc;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

int social_telegram_intake(struct db *db, const struct social_config *c, json_t *update,
                           struct social_result *res, struct fd_error *err)
{
    memset(res, 0, sizeof(*res));
    json_t *uid = json_object_get(update, "update_id");
    if (!json_is_object(update) || !json_is_integer(uid))
        return fd_fail(err, FD_EINVAL, "update_id", "not a Telegram Update: no update_id");
    char event_id[32];
    snprintf(event_id, sizeof(event_id), "%lld", (long long)json_integer_value(uid));
    json_t *msg = json_object_get(update, "message");
    json_t *from = json_object_get(msg, "from"), *chat = json_object_get(msg, "chat");
    json_t *fid = json_object_get(from, "id"), *cid = json_object_get(chat, "id");
    json_t *mid = json_object_get(msg, "message_id");
    int usable = json_is_object(msg) && json_is_integer(fid) && json_is_integer(cid) &&
                 json_is_integer(mid) && !json_is_true(json_object_get(from, "is_bot"));
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    if (!usable) {
        /* Other kinds of update (edits, callbacks...) are acknowledged and remembered. */
        rc = store_social_seen(db, "telegram", event_id, fd_now_ms());
        if (rc == FD_ECONFLICT) {
            res->duplicates++;
            rc = 0;
        } else if (rc == 0) {
            res->ignored++;
        }
    } else {
        char handle_id[32], target[32], reply_to[32], handle[128];
        snprintf(handle_id, sizeof(handle_id), "%lld", (long long)json_integer_value(fid));
        snprintf(target, sizeof(target), "%lld", (long long)json_integer_value(cid));
        snprintf(reply_to, sizeof(reply_to), "%lld", (long long)json_integer_value(mid));
        const char *user = str_or(from, "username", NULL);
        if (user)
            snprintf(handle, sizeof(handle), "@%.100s", user);
        else
            snprintf(handle, sizeof(handle), "%.100s", str_or(from, "first_name", "Telegram user"));
        struct inbound in = {
            "telegram", event_id, handle_id, handle,
            "telegram", target,   reply_to,  str_or(msg, "text", str_or(msg, "caption", ""))};
        rc = take(db, c, &in, res, err);
    }
    if (rc == 0)
        rc = db_commit(db);
    if (rc)
        db_rollback(db);
    return rc;
}

int social_x_intake(struct db *db, const struct social_config *c, json_t *payload,
                    struct social_result *res, struct fd_error *err)
{
    memset(res, 0, sizeof(*res));
    if (!json_is_object(payload))
        return fd_fail(err, FD_EINVAL, "", "not an account activity payload");
    const char *me = str_or(payload, "for_user_id", "");
    json_t *dms = json_object_get(payload, "direct_message_events");
    json_t *tweets = json_object_get(payload, "tweet_create_events");
    json_t *users = json_object_get(payload, "users");
    if ((dms && !json_is_array(dms)) || (tweets && !json_is_array(tweets)))
        return fd_fail(err, FD_EINVAL, "", "event lists must be arrays");
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    size_t i;
    json_t *ev;
    json_array_foreach(dms, i, ev)
    {
        json_t *mc = json_object_get(ev, "message_create");
        const char *id = str_or(ev, "id", NULL);
        const char *sender = str_or(mc, "sender_id", NULL);
        const char *text = str_or(json_object_get(mc, "message_data"), "text", "");
        if (!id || !sender || strcmp(str_or(ev, "type", ""), "message_create") != 0) {
            res->ignored++;
            continue;
        }
        if (strcmp(sender, me) == 0) { /* our own DMs come back as events too */
            res->ignored++;
            continue;
        }
        char handle[128];
        const char *sn = str_or(json_object_get(users, sender), "screen_name", NULL);
        snprintf(handle, sizeof(handle), "@%.100s", sn ? sn : sender);
        char event_id[96];
        snprintf(event_id, sizeof(event_id), "dm:%.80s", id);
        struct inbound in = {"x", event_id, sender, handle, "x_dm", sender, id, text};
        if ((rc = take(db, c, &in, res, err)))
            goto out;
    }
    json_array_foreach(tweets, i, ev)
    {
        json_t *user = json_object_get(ev, "user");
        const char *id = str_or(ev, "id_str", NULL);
        const char *uid = str_or(user, "id_str", NULL);
        const char *sn = str_or(user, "screen_name", NULL);
        const char *text = str_or(ev, "text", "");
        if (!id || !uid || !sn || strcmp(uid, me) == 0) {
            res->ignored++;
            continue;
        }
        char handle[128], event_id[96];
        snprintf(handle, sizeof(handle), "@%.100s", sn);
        snprintf(event_id, sizeof(event_id), "tweet:%.80s", id);
        struct inbound in = {"x", event_id, uid, handle, "x_mention", sn, id, text};
        if ((rc = take(db, c, &in, res, err)))
            goto out;
    }
    rc = db_commit(db);
out:
    if (rc)
        db_rollback(db);
    return rc;
}
