/*
 * Status page domain: computing component states from incidents and maintenance
 * windows at a given time, and publishing incidents and their updates (see status.h).
 */
#include "status.h"

#include "../core/timeutil.h"
#include "../core/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const status_states[5] = {"operational", "maintenance", "degraded", "partial_outage",
                                      "major_outage"};

static const char *const INCIDENT_STATUSES[] = {"investigating", "identified", "monitoring",
                                                "resolved", NULL};
static const char *const MAINT_STATUSES[] = {"scheduled", "completed", "cancelled", NULL};

static int in_list(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

int status_state_rank(const char *state)
{
    for (int i = 0; state && i < 5; i++)
        if (strcmp(state, status_states[i]) == 0)
            return i;
    return -1;
}

const char *status_state_label(const char *state)
{
    static const char *const labels[5] = {"Operational", "Under maintenance",
                                          "Degraded performance", "Partial outage", "Major outage"};
    int r = status_state_rank(state);
    return r < 0 ? "Unknown" : labels[r];
}

const char *status_overall_label(const char *state)
{
    static const char *const labels[5] = {
        "All systems operational", "Scheduled maintenance in progress", "Some systems are degraded",
        "Partial outage", "Major outage"};
    int r = status_state_rank(state);
    return r < 0 ? "Unknown" : labels[r];
}

int status_can_publish(const struct auth_actor *a)
{
    return a && auth_sees_all(a);
}

int status_parse_time(const char *s, int64_t *out)
{
    if (!s)
        return FD_EINVAL;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return FD_EINVAL;
    int64_t ms = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (digits < 3)
                ms = ms * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (digits == 0)
            return FD_EINVAL;
        for (; digits < 3; digits++)
            ms *= 10;
    }
    if (strcmp(p, "Z") != 0)
        return FD_EINVAL;
    time_t t = timegm(&tm);
    if (t < 0)
        return FD_EINVAL;
    *out = (int64_t)t * 1000 + ms;
    return 0;
}

/* ---- snapshots --------------------------------------------------------------------- */

static const char *phase_of(const struct status_incident_rec *r, int64_t now, int *live)
{
    *live = 0;
    if (strcmp(r->kind, "maintenance") != 0) {
        *live = strcmp(r->status, "resolved") != 0;
        for (int i = 0; INCIDENT_STATUSES[i]; i++)
            if (strcmp(r->status, INCIDENT_STATUSES[i]) == 0)
                return INCIDENT_STATUSES[i];
        return "resolved";
    }
    if (strcmp(r->status, "cancelled") == 0)
        return "cancelled";
    if (strcmp(r->status, "completed") == 0 || now >= r->ends_at)
        return "completed";
    if (now >= r->starts_at) {
        *live = 1;
        return "in_progress";
    }
    return "scheduled";
}

static int add_affected(void *ctx, const struct status_affected_rec *a)
{
    struct status_incident *inc = ctx;
    if (inc->naffected < STATUS_COMPONENTS_MAX)
        inc->affected[inc->naffected++] = *a;
    return 0;
}

struct upd_list {
    struct status_incident *inc;
    int cap;
};

static int add_update(void *ctx, const struct status_update_rec *u)
{
    struct upd_list *l = ctx;
    struct status_incident *inc = l->inc;
    if (inc->nupdates >= STATUS_UPDATES_MAX)
        return 0;
    if (inc->nupdates == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        inc->updates = xrealloc(inc->updates, (size_t)l->cap * sizeof(*inc->updates));
    }
    struct status_update *d = &inc->updates[inc->nupdates++];
    memset(d, 0, sizeof(*d));
    d->id = u->id;
    snprintf(d->status, sizeof(d->status), "%s", u->status);
    d->body = xstrdup(u->body ? u->body : "");
    snprintf(d->author, sizeof(d->author), "%s", u->author);
    d->created_at = u->created_at;
    return 0;
}

/* Fills the affected components and updates of inc (whose rec is set). */
static int load_details(struct db *db, struct status_incident *inc, int64_t now)
{
    inc->phase = phase_of(&inc->rec, now, &inc->live);
    int rc = store_status_affected_list(db, inc->rec.id, add_affected, inc);
    if (rc)
        return rc;
    struct upd_list l = {inc, 0};
    return store_status_update_list(db, inc->rec.id, add_update, &l);
}

void status_incident_release(struct status_incident *inc)
{
    if (!inc)
        return;
    for (int i = 0; i < inc->nupdates; i++)
        free(inc->updates[i].body);
    FD_FREE(inc->updates);
    inc->nupdates = 0;
}

int status_incident_load(struct db *db, int64_t id, int64_t now, struct status_incident *out)
{
    memset(out, 0, sizeof(*out));
    int rc = store_status_incident_get(db, id, &out->rec);
    if (rc == 0)
        rc = load_details(db, out, now);
    return rc;
}

static int add_component(void *ctx, const struct status_component_rec *c)
{
    struct status_snapshot *s = ctx;
    if (s->ncomponents < STATUS_COMPONENTS_MAX) {
        s->comps[s->ncomponents].rec = *c;
        s->comps[s->ncomponents].state = status_states[0];
        s->ncomponents++;
    }
    return 0;
}

struct inc_list {
    struct status_snapshot *s;
    int64_t since;
};

static int add_incident(void *ctx, const struct status_incident_rec *r)
{
    struct inc_list *l = ctx;
    struct status_snapshot *s = l->s;
    if (s->nincidents >= STATUS_LIST_MAX)
        return 1;
    int live;
    const char *phase = phase_of(r, s->now, &live);
    /* A window left "scheduled" after it ended is completed; show it only while recent. */
    if (strcmp(phase, "completed") == 0 && strcmp(r->status, "scheduled") == 0 &&
        r->ends_at < l->since)
        return 0;
    struct status_incident *inc = &s->incidents[s->nincidents++];
    memset(inc, 0, sizeof(*inc));
    inc->rec = *r;
    return 0;
}

void status_snapshot_release(struct status_snapshot *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nincidents; i++)
        status_incident_release(&s->incidents[i]);
    FD_FREE(s->incidents);
    s->nincidents = 0;
}

int status_snapshot_load(struct db *db, int64_t now, int64_t history_ms,
                         struct status_snapshot *out)
{
    memset(out, 0, sizeof(*out));
    out->now = now;
    out->overall = status_states[0];
    out->incidents = xcalloc(STATUS_LIST_MAX, sizeof(*out->incidents));
    int rc = db_begin_read(db);
    if (rc)
        return rc;
    rc = store_status_component_list(db, add_component, out);
    struct inc_list l = {out, history_ms > 0 && now > history_ms ? now - history_ms : 0};
    if (rc == 0)
        rc = store_status_incident_list(db, l.since, STATUS_LIST_MAX, add_incident, &l);
    for (int i = 0; rc == 0 && i < out->nincidents; i++)
        rc = load_details(db, &out->incidents[i], now);
    db_rollback(db);
    if (rc)
        return rc;
    /* Each component takes the worst state any live incident or window gives it. */
    for (int i = 0; i < out->nincidents; i++) {
        const struct status_incident *inc = &out->incidents[i];
        if (!inc->live)
            continue;
        int maint = strcmp(inc->rec.kind, "maintenance") == 0;
        for (int j = 0; j < inc->naffected; j++) {
            const char *st = maint ? "maintenance" : inc->affected[j].state;
            int r = status_state_rank(st);
            for (int k = 0; k < out->ncomponents; k++) {
                struct status_component *c = &out->comps[k];
                if (c->rec.id == inc->affected[j].component_id && r > status_state_rank(c->state))
                    c->state = status_states[r];
            }
        }
    }
    for (int k = 0; k < out->ncomponents; k++)
        if (status_state_rank(out->comps[k].state) > status_state_rank(out->overall))
            out->overall = out->comps[k].state;
    return 0;
}

/* ---- publishing -------------------------------------------------------------------- */

static int check_text(const char *s, const char *field, size_t max, struct fd_error *err)
{
    if (!s)
        return fd_fail(err, FD_EINVAL, field, "%s is required", field);
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (!*p)
        return fd_fail(err, FD_EINVAL, field, "%s must not be empty", field);
    size_t n = strlen(s);
    if (n > max)
        return fd_fail(err, FD_EINVAL, field, "%s is too long (%zu bytes, at most %zu)", field, n,
                       max);
    return 0;
}

/* Resolves the component slugs of an input into ids, checking each state. allow_ok:
 * "operational" is accepted (an update marking a component recovered). */
static int check_components(struct db *db, int n, const struct status_component_input *in,
                            int maintenance, int allow_ok, int64_t *ids, struct fd_error *err)
{
    if (n < 0 || n > STATUS_COMPONENTS_MAX)
        return fd_fail(err, FD_EINVAL, "components", "at most %d components",
                       STATUS_COMPONENTS_MAX);
    for (int i = 0; i < n; i++) {
        struct status_component_rec c;
        if (!in[i].slug)
            return fd_fail(err, FD_EINVAL, "components", "components[%d].component is required", i);
        int rc = store_status_component_by_slug(db, in[i].slug, &c);
        if (rc == FD_ENOTFOUND)
            return fd_fail(err, FD_EINVAL, "components", "unknown component \"%.48s\"", in[i].slug);
        if (rc)
            return rc;
        for (int j = 0; j < i; j++)
            if (ids[j] == c.id)
                return fd_fail(err, FD_EINVAL, "components", "component \"%.48s\" is listed twice",
                               in[i].slug);
        ids[i] = c.id;
        const char *st = in[i].state;
        if (maintenance) {
            if (st && strcmp(st, "maintenance") != 0)
                return fd_fail(err, FD_EINVAL, "components",
                               "components of a maintenance window are in state maintenance");
            continue;
        }
        int r = status_state_rank(st);
        if (r < 0)
            return fd_fail(err, FD_EINVAL, "components",
                           "components[%d].state must be degraded, partial_outage or "
                           "major_outage%s",
                           i, allow_ok ? " (or operational)" : "");
        if (r == 1 || (r == 0 && !allow_ok))
            return fd_fail(err, FD_EINVAL, "components",
                           "components[%d].state must be degraded, partial_outage or "
                           "major_outage%s",
                           i, allow_ok ? " (or operational)" : "");
    }
    return 0;
}

static int event(struct db *db, int64_t actor_id, const char *type, json_t *data, int64_t now)
{
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, 0, actor_id, type, text, now);
    free(text);
    return rc;
}

static json_t *components_json(int n, const struct status_component_input *in, int maintenance)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s}", "component", in[i].slug, "state",
                                             maintenance ? "maintenance" : in[i].state));
    return arr;
}

int status_incident_create(struct db *db, const struct auth_actor *a,
                           const struct mail_config *mail, const struct status_incident_input *in,
                           int64_t *id, struct fd_error *err)
{
    if (!status_can_publish(a))
        return fd_fail(err, FD_EFORBIDDEN, "", "only supervisors and admins publish incidents");
    const char *kind = in->kind ? in->kind : "incident";
    int maint = strcmp(kind, "maintenance") == 0;
    if (!maint && strcmp(kind, "incident") != 0)
        return fd_fail(err, FD_EINVAL, "kind", "kind must be incident or maintenance");
    int rc;
    if ((rc = check_text(in->title, "title", STATUS_TITLE_MAX, err)) ||
        (rc = check_text(in->body, "body", STATUS_BODY_MAX, err)))
        return rc;
    if (in->keywords && strlen(in->keywords) > STATUS_KEYWORDS_MAX)
        return fd_fail(err, FD_EINVAL, "keywords", "keywords are too long (at most %d bytes)",
                       STATUS_KEYWORDS_MAX);
    int64_t now = fd_now_ms();
    struct status_incident_rec r;
    memset(&r, 0, sizeof(r));
    snprintf(r.kind, sizeof(r.kind), "%s", kind);
    snprintf(r.title, sizeof(r.title), "%s", in->title);
    snprintf(r.keywords, sizeof(r.keywords), "%s", in->keywords ? in->keywords : "");
    if (maint) {
        if (in->status && strcmp(in->status, "scheduled") != 0)
            return fd_fail(err, FD_EINVAL, "status", "a maintenance window starts as scheduled");
        if (!in->starts_at || !in->ends_at)
            return fd_fail(err, FD_EINVAL, in->starts_at ? "ends_at" : "starts_at",
                           "a maintenance window needs starts_at and ends_at");
        if (in->ends_at <= in->starts_at)
            return fd_fail(err, FD_EINVAL, "ends_at", "ends_at must be after starts_at");
        if (in->ends_at <= now)
            return fd_fail(err, FD_EINVAL, "ends_at", "ends_at is in the past");
        snprintf(r.status, sizeof(r.status), "scheduled");
        r.starts_at = in->starts_at;
        r.ends_at = in->ends_at;
    } else {
        const char *st = in->status ? in->status : "investigating";
        if (!in_list(st, INCIDENT_STATUSES) || strcmp(st, "resolved") == 0)
            return fd_fail(err, FD_EINVAL, "status",
                           "a new incident's status is investigating, identified or monitoring");
        if (in->starts_at || in->ends_at)
            return fd_fail(err, FD_EINVAL, "starts_at",
                           "starts_at and ends_at are for maintenance windows");
        snprintf(r.status, sizeof(r.status), "%s", st);
    }
    if (maint && in->ncomponents == 0)
        return fd_fail(err, FD_EINVAL, "components",
                       "a maintenance window names the components it takes down");
    int64_t ids[STATUS_COMPONENTS_MAX];
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = check_components(db, in->ncomponents, in->components, maint, 0, ids, err)))
        goto fail;
    r.created_by = a->user.id;
    r.created_at = r.updated_at = now;
    if ((rc = store_status_incident_insert(db, &r)))
        goto fail;
    for (int i = 0; i < in->ncomponents; i++)
        if ((rc = store_status_affected_set(db, r.id, ids[i],
                                            maint ? "maintenance" : in->components[i].state)))
            goto fail;
    int64_t uid;
    if ((rc = store_status_update_insert(db, r.id, r.status, in->body, a->user.id, now, &uid)))
        goto fail;
    json_t *d = json_pack("{s:I, s:s, s:s, s:s, s:o}", "incident", (json_int_t)r.id, "kind", r.kind,
                          "title", r.title, "status", r.status, "components",
                          components_json(in->ncomponents, in->components, maint));
    if ((rc = event(db, a->user.id, "status.incident_created", d, now)))
        goto fail;
    if (mail && (rc = status__notify(db, mail, &r, r.status, in->body)))
        goto fail;
    if ((rc = db_commit(db)))
        goto fail;
    *id = r.id;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int status_incident_update(struct db *db, const struct auth_actor *a,
                           const struct mail_config *mail, int64_t id,
                           const struct status_update_input *in, struct fd_error *err)
{
    if (!status_can_publish(a))
        return fd_fail(err, FD_EFORBIDDEN, "", "only supervisors and admins publish incidents");
    int rc;
    if ((rc = check_text(in->body, "body", STATUS_BODY_MAX, err)))
        return rc;
    if (!in->status)
        return fd_fail(err, FD_EINVAL, "status", "status is required");
    int64_t now = fd_now_ms();
    int64_t ids[STATUS_COMPONENTS_MAX];
    if ((rc = db_begin_write(db)))
        return rc;
    struct status_incident_rec r;
    if ((rc = store_status_incident_get(db, id, &r))) {
        if (rc == FD_ENOTFOUND)
            fd_fail(err, rc, "", "no such incident");
        goto fail;
    }
    int maint = strcmp(r.kind, "maintenance") == 0;
    int live;
    const char *phase = phase_of(&r, now, &live);
    if (strcmp(phase, "resolved") == 0 || strcmp(phase, "completed") == 0 ||
        strcmp(phase, "cancelled") == 0) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "this %s is already %s", r.kind, phase);
        goto fail;
    }
    if (!in_list(in->status, maint ? MAINT_STATUSES : INCIDENT_STATUSES)) {
        rc = fd_fail(err, FD_EINVAL, "status",
                     maint ? "status must be scheduled, completed or cancelled"
                           : "status must be investigating, identified, monitoring or resolved");
        goto fail;
    }
    if (maint && in->ncomponents) {
        rc = fd_fail(err, FD_EINVAL, "components",
                     "the components of a maintenance window cannot change");
        goto fail;
    }
    if ((rc = check_components(db, in->ncomponents, in->components, 0, 1, ids, err)))
        goto fail;
    json_t *before = json_pack("{s:s}", "status", r.status);
    snprintf(r.status, sizeof(r.status), "%s", in->status);
    r.updated_at = now;
    if (strcmp(r.status, "resolved") == 0 || strcmp(r.status, "completed") == 0 ||
        strcmp(r.status, "cancelled") == 0)
        r.resolved_at = now;
    if ((rc = store_status_incident_update(db, &r))) {
        json_decref(before);
        goto fail;
    }
    for (int i = 0; i < in->ncomponents; i++)
        if ((rc = store_status_affected_set(db, r.id, ids[i], in->components[i].state))) {
            json_decref(before);
            goto fail;
        }
    int64_t uid;
    if ((rc = store_status_update_insert(db, r.id, r.status, in->body, a->user.id, now, &uid))) {
        json_decref(before);
        goto fail;
    }
    json_t *d = json_pack("{s:I, s:I, s:o, s:{s:s, s:o}}", "incident", (json_int_t)r.id, "update",
                          (json_int_t)uid, "before", before, "after", "status", r.status,
                          "components", components_json(in->ncomponents, in->components, 0));
    if ((rc = event(db, a->user.id, "status.incident_updated", d, now)))
        goto fail;
    if (mail && (rc = status__notify(db, mail, &r, r.status, in->body)))
        goto fail;
    if ((rc = db_commit(db)))
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return rc;
}
