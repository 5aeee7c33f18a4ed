/* The ticket desk's safety hook: redact before storing, then flag and route the ticket. */
#include "scan.h"

#include "../core/err.h"
#include "../store/records.h"
#include "../store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int priority_rank(const char *p)
{
    static const char *const order[] = {"low", "normal", "high", "urgent"};
    for (int i = 0; i < 4; i++)
        if (strcmp(p, order[i]) == 0)
            return i;
    return 1;
}

static void add_tag(struct ticket_rec *t)
{
    for (int i = 0; i < t->ntags; i++)
        if (strcmp(t->tags[i], SAFETY_TAG) == 0)
            return;
    /* The flag matters more than the last free-form tag. */
    int at = t->ntags < FD_TAGS_MAX ? t->ntags++ : FD_TAGS_MAX - 1;
    snprintf(t->tags[at], sizeof(t->tags[at]), "%s", SAFETY_TAG);
}

/* Flags t (in memory; the caller stores it): tag, department, priority. */
static int route(struct db *db, struct ticket_rec *t, struct safety_hit *hit)
{
    snprintf(hit->before_priority, sizeof(hit->before_priority), "%s", t->priority);
    snprintf(hit->before_department, sizeof(hit->before_department), "%s", t->department);
    const char *want = safety_priority(hit->kinds);
    if (priority_rank(want) > priority_rank(t->priority))
        snprintf(t->priority, sizeof(t->priority), "%s", want);
    if (strcmp(t->department, SAFETY_DEPARTMENT) != 0) {
        struct department_rec d;
        int rc = store_department_by_slug(db, SAFETY_DEPARTMENT, &d);
        if (rc == 0) {
            t->department_id = d.id;
            snprintf(t->department, sizeof(t->department), "%s", d.slug);
        } else if (rc != FD_ENOTFOUND) {
            return rc; /* a deployment without the department keeps the ticket where it is */
        }
    }
    add_tag(t);
    return 0;
}

int safety_ticket_redact(struct db *db, struct ticket_rec *t, const char **body,
                         struct safety_hit *hit)
{
    memset(hit, 0, sizeof(*hit));
    char *subject = NULL;
    unsigned kinds = 0, skinds = 0;
    int rc = safety_scan(t->subject, strlen(t->subject), &skinds, &subject, NULL);
    if (rc)
        return rc;
    if (*body && (rc = safety_scan(*body, strlen(*body), &kinds, &hit->body, NULL))) {
        free(subject);
        return rc;
    }
    hit->kinds = kinds | skinds;
    if (subject) {
        /* The marker may make it longer than the column allows: cut at a UTF-8 boundary. */
        size_t n = strlen(subject);
        if (n >= sizeof(t->subject)) {
            n = sizeof(t->subject) - 1;
            while (n > 0 && ((unsigned char)subject[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(t->subject, subject, n);
        t->subject[n] = 0;
        free(subject);
    }
    if (hit->body)
        *body = hit->body;
    return hit->kinds ? route(db, t, hit) : 0;
}

int safety_ticket_record(struct db *db, const struct ticket_rec *t, int64_t actor_id,
                         const struct safety_hit *hit, int64_t now)
{
    if (!hit->kinds)
        return 0;
    json_t *kinds = json_array();
    for (unsigned bit = 1; bit < (1u << SAFETY_NKINDS); bit <<= 1)
        if (hit->kinds & bit)
            json_array_append_new(kinds, json_string(safety_kind_slug(bit)));
    json_t *d =
        json_pack("{s:{s:s, s:s}, s:{s:o, s:s, s:s, s:s}}", "before", "priority",
                  hit->before_priority, "department", hit->before_department, "after", "kinds",
                  kinds, "tag", SAFETY_TAG, "priority", t->priority, "department", t->department);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, t->id, actor_id, "secret_removed", text, now);
    free(text);
    return rc;
}

int safety_ticket_flag(struct db *db, struct ticket_rec *t, int64_t actor_id, unsigned kinds,
                       int64_t now)
{
    if (!kinds)
        return 0;
    struct safety_hit hit = {.kinds = kinds};
    int rc = route(db, t, &hit);
    if (rc == 0)
        rc = store_ticket_update(db, t);
    if (rc == 0)
        rc = safety_ticket_record(db, t, actor_id, &hit, now);
    return rc;
}

void safety_hit_release(struct safety_hit *hit)
{
    free(hit->body);
    hit->body = NULL;
}
