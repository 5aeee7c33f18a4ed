/*
 * Incident mode (see status.h): linking new tickets to live incidents, agents' manual
 * links, and banner views for the deflection report.
 */
#include "status.h"

#include "../core/timeutil.h"
#include "../core/xalloc.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct live {
    int n;
    struct status_incident_rec v[STATUS_LIVE_MAX];
};

static int add_live(void *ctx, const struct status_incident_rec *r)
{
    struct live *l = ctx;
    if (l->n < STATUS_LIVE_MAX)
        l->v[l->n++] = *r;
    return 0;
}

struct terms {
    int n;
    struct status_affected_rec v[STATUS_COMPONENTS_MAX];
};

static int add_term(void *ctx, const struct status_affected_rec *a)
{
    struct terms *t = ctx;
    if (t->n < STATUS_COMPONENTS_MAX)
        t->v[t->n++] = *a;
    return 0;
}

/* Whether word (len n) is one of the comma-separated items of list (case-insensitive,
 * spaces around items ignored). */
static int in_csv(const char *list, const char *word, size_t n)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *end = e;
        while (end > p && end[-1] == ' ')
            end--;
        if ((size_t)(end - p) == n && n && strncasecmp(p, word, n) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static int word_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Whether text contains kw (kn bytes) as a whole word, case-insensitive. */
static int has_word(const char *text, const char *kw, size_t kn)
{
    if (!text || !kn)
        return 0;
    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, kw, kn) != 0)
            continue;
        if ((p == text || !word_char((unsigned char)p[-1])) && !word_char((unsigned char)p[kn]))
            return 1;
    }
    return 0;
}

/* The first keyword of the incident found in subject or body, into out; 0 if none. */
static int keyword_hit(const char *keywords, const char *subject, const char *body, char *out,
                       size_t n)
{
    const char *p = keywords;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *end = e;
        while (end > p && end[-1] == ' ')
            end--;
        size_t kn = (size_t)(end - p);
        if (kn && (has_word(subject, p, kn) || has_word(body, p, kn))) {
            snprintf(out, n, "keyword: %.*s", (int)(kn < 40 ? kn : 40), p);
            return 1;
        }
        p = e;
    }
    return 0;
}

static int ticket_event(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type,
                        int64_t incident_id, const char *how, const char *reason, int64_t now)
{
    json_t *d = json_pack("{s:{s:I, s:s, s:s}}", "after", "incident", (json_int_t)incident_id,
                          "how", how, "reason", reason);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, actor_id, type, text, now);
    free(text);
    return rc;
}

static void incident_tag(int64_t id, char *out, size_t n)
{
    snprintf(out, n, "incident-%lld", (long long)id);
}

int status_ticket_autolink(struct db *db, const struct ticket_rec *t, const char *body, int64_t now,
                           int *linked)
{
    struct live *live = xcalloc(1, sizeof(*live));
    struct terms *terms = xcalloc(1, sizeof(*terms));
    int count = 0;
    int rc = store_status_incident_live(db, now, STATUS_LIVE_MAX, add_live, live);
    for (int i = 0; rc == 0 && i < live->n; i++) {
        const struct status_incident_rec *inc = &live->v[i];
        char reason[64] = "";
        terms->n = 0;
        if ((rc = store_status_affected_list(db, inc->id, add_term, terms)))
            break;
        for (int k = 0; !reason[0] && k < terms->n; k++) {
            if (t->network[0] && in_csv(terms->v[k].terms, t->network, strlen(t->network)))
                snprintf(reason, sizeof(reason), "network: %.40s", t->network);
            else if (t->asset[0] && in_csv(terms->v[k].terms, t->asset, strlen(t->asset)))
                snprintf(reason, sizeof(reason), "asset: %.40s", t->asset);
        }
        if (!reason[0])
            keyword_hit(inc->keywords, t->subject, body, reason, sizeof(reason));
        if (!reason[0])
            continue;
        struct status_link_rec l;
        memset(&l, 0, sizeof(l));
        l.incident_id = inc->id;
        l.ticket_id = t->id;
        snprintf(l.how, sizeof(l.how), "auto");
        snprintf(l.reason, sizeof(l.reason), "%s", reason);
        l.created_at = now;
        char tag[32];
        incident_tag(inc->id, tag, sizeof(tag));
        if ((rc = store_status_link_insert(db, &l)) ||
            (rc = store_status_ticket_tag(db, t->id, tag, 1)) ||
            (rc = ticket_event(db, t->id, 0, "incident_linked", inc->id, "auto", reason, now)))
            break;
        count++;
    }
    free(live);
    free(terms);
    if (rc == 0 && linked)
        *linked = count;
    return rc;
}

int status_chat_autolink(struct db *db, int64_t chat_id, const char *message, int64_t now,
                         int *linked)
{
    struct live *live = xcalloc(1, sizeof(*live));
    int count = 0;
    int rc = store_status_incident_live(db, now, STATUS_LIVE_MAX, add_live, live);
    for (int i = 0; rc == 0 && i < live->n; i++) {
        char reason[64] = "";
        if (!keyword_hit(live->v[i].keywords, "", message, reason, sizeof(reason)))
            continue;
        json_t *d = json_pack("{s:I, s:I, s:s}", "incident", (json_int_t)live->v[i].id, "chat",
                              (json_int_t)chat_id, "reason", reason);
        char *text = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        if (!text) {
            rc = FD_ENOMEM;
            break;
        }
        rc = store_status_chat_link_insert(db, live->v[i].id, chat_id, reason, now);
        if (rc == 0)
            rc = store_event_insert(db, 0, 0, "status.chat_linked", text, now);
        free(text);
        if (rc == 0)
            count++;
    }
    free(live);
    if (rc == 0 && linked)
        *linked = count;
    return rc;
}

/* Loads the ticket and checks the actor may work on it. */
static int visible_ticket(struct db *db, const struct auth_actor *a, int64_t id,
                          struct fd_error *err)
{
    if (!a || !auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, "", "only agents link tickets to incidents");
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    int rc = store_ticket_get(db, id, t);
    if (rc == 0 && !auth_can_view_ticket(a, t))
        rc = FD_ENOTFOUND;
    free(t);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, rc, "", "no such ticket");
    return rc;
}

int status_ticket_link(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                       int64_t incident_id, int link, struct fd_error *err)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    if ((rc = visible_ticket(db, a, ticket_id, err)))
        goto fail;
    struct status_incident_rec inc;
    rc = store_status_incident_get(db, incident_id, &inc);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, rc, "incident_id", "no such incident");
    if (rc)
        goto fail;
    int64_t now = fd_now_ms();
    char tag[32];
    incident_tag(incident_id, tag, sizeof(tag));
    if (link) {
        struct status_link_rec l;
        memset(&l, 0, sizeof(l));
        l.incident_id = incident_id;
        l.ticket_id = ticket_id;
        snprintf(l.how, sizeof(l.how), "manual");
        l.linked_by = a->user.id;
        l.created_at = now;
        rc = store_status_link_insert(db, &l);
        if (rc == FD_ECONFLICT)
            rc = fd_fail(err, rc, "incident_id", "the ticket is already linked to this incident");
        if (rc || (rc = store_status_ticket_tag(db, ticket_id, tag, 1)) ||
            (rc = ticket_event(db, ticket_id, a->user.id, "incident_linked", incident_id, "manual",
                               "", now)))
            goto fail;
    } else {
        rc = store_status_link_delete(db, incident_id, ticket_id);
        if (rc == FD_ENOTFOUND)
            rc = fd_fail(err, rc, "incident_id", "the ticket is not linked to this incident");
        if (rc || (rc = store_status_ticket_tag(db, ticket_id, tag, 0)) ||
            (rc = ticket_event(db, ticket_id, a->user.id, "incident_unlinked", incident_id,
                               "manual", "", now)))
            goto fail;
    }
    if ((rc = db_commit(db)))
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int status_ticket_links(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                        int (*cb)(void *, const struct status_link_rec *), void *ctx)
{
    struct fd_error e;
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    rc = visible_ticket(db, a, ticket_id, &e);
    if (rc == 0)
        rc = store_status_link_list_ticket(db, ticket_id, cb, ctx);
    db_rollback(db);
    return rc;
}

int status_banner_viewed(struct db *db, int64_t user_id, const char *surface, int64_t now)
{
    struct live *live = xcalloc(1, sizeof(*live));
    int rc = db_begin_write(db);
    if (rc == 0)
        rc = store_status_incident_live(db, now, STATUS_LIVE_MAX, add_live, live);
    for (int i = 0; rc == 0 && i < live->n; i++)
        rc = store_status_banner_view(db, live->v[i].id, user_id, surface, now);
    if (rc == 0)
        rc = db_commit(db);
    if (rc)
        db_rollback(db);
    free(live);
    return rc;
}
