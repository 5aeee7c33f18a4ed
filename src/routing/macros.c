/* Macros: named agent replies with placeholders and optional actions. */
#include "routing.h"

#include "../core/buf.h"
#include "../core/timeutil.h"
#include "../safety/scan.h"
#include "../tickets/tickets.h"
#include "routing_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const placeholders[] = {
    "customer.name",     "customer.email", "ticket.ref", "ticket.subject",
    "ticket.department", "agent.name",     NULL};

/* Checks every {{...}} names a known placeholder. */
static int check_placeholders(const char *body, struct fd_error *err)
{
    const char *p = body;
    while ((p = strstr(p, "{{"))) {
        const char *end = strstr(p + 2, "}}");
        if (!end)
            return fd_fail(err, FD_EINVAL, "body", "body: \"{{\" without a closing \"}}\"");
        char name[40];
        size_t n = (size_t)(end - (p + 2));
        while (n && p[2] == ' ') {
            p++;
            n--;
        }
        while (n && p[2 + n - 1] == ' ')
            n--;
        snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), p + 2);
        if (n >= sizeof(name) || !routing__one_of(name, placeholders))
            return fd_fail(err, FD_EINVAL, "body",
                           "body: unknown placeholder {{%s}} (known: customer.name, "
                           "customer.email, ticket.ref, ticket.subject, ticket.department, "
                           "agent.name)",
                           name);
        p = end + 2;
    }
    return 0;
}

char *routing_macro_render(const char *body, const struct ticket_rec *t, const char *agent_name)
{
    struct buf b;
    buf_init(&b, FD_BODY_MAX);
    char ref[32];
    tickets_format_ref(t->id, ref, sizeof(ref));
    const char *p = body;
    int rc = 0;
    while (rc == 0 && *p) {
        const char *open = strstr(p, "{{");
        const char *end = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !end) {
            rc = buf_append(&b, p, strlen(p));
            break;
        }
        if ((rc = buf_append(&b, p, (size_t)(open - p))))
            break;
        const char *s = open + 2;
        size_t n = (size_t)(end - s);
        while (n && *s == ' ') {
            s++;
            n--;
        }
        while (n && s[n - 1] == ' ')
            n--;
        const char *v = NULL;
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, n) == 0)
        if (IS("customer.name"))
            v = t->requester_name;
        else if (IS("customer.email"))
            v = t->requester_email;
        else if (IS("ticket.ref"))
            v = ref;
        else if (IS("ticket.subject"))
            v = t->subject;
        else if (IS("ticket.department"))
            v = t->department;
        else if (IS("agent.name"))
            v = agent_name ? agent_name : "";
#undef IS
        if (v)
            rc = buf_append(&b, v, strlen(v));
        else
            rc = buf_append(&b, open, (size_t)(end + 2 - open));
        p = end + 2;
    }
    if (rc) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

int routing__macro_actions_check(json_t *actions, const char *field, struct fd_error *err)
{
    if (!json_is_object(actions))
        return fd_fail(err, FD_EINVAL, field, "%s must be an object", field);
    const char *k;
    json_t *v;
    json_object_foreach(actions, k, v)
    {
        char f[48];
        snprintf(f, sizeof(f), "%s.%.30s", field, k);
        if (strcmp(k, "status") == 0) {
            if (!json_is_string(v) || fd_status_index(json_string_value(v)) < 0)
                return fd_fail(err, FD_EINVAL, f,
                               "%s must be new, open, pending, on_hold, solved or closed", f);
        } else if (strcmp(k, "priority") == 0) {
            if (!json_is_string(v) || !routing__one_of(json_string_value(v), routing__priorities))
                return fd_fail(err, FD_EINVAL, f, "%s must be low, normal, high or urgent", f);
        } else if (strcmp(k, "add_tags") == 0) {
            if (!json_is_array(v) || json_array_size(v) > FD_TAGS_MAX)
                return fd_fail(err, FD_EINVAL, f, "%s must be an array of at most %d tags", f,
                               FD_TAGS_MAX);
            size_t i;
            json_t *t;
            json_array_foreach(v, i, t)
            {
                int rc;
                if (!json_is_string(t))
                    return fd_fail(err, FD_EINVAL, f, "%s[%zu] must be a string", f, i);
                if ((rc = tickets_check_tag(json_string_value(t), err))) {
                    snprintf(err->field, sizeof(err->field), "%s", f);
                    return rc;
                }
            }
        } else {
            return fd_fail(err, FD_EINVAL, f,
                           "unknown macro action \"%.30s\" (status, priority, add_tags)", k);
        }
    }
    return 0;
}

static json_t *macro_json(const struct macro_rec *m)
{
    json_t *acts = json_loads(m->actions ? m->actions : "{}", 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:o, s:I, s:I}", "id", (json_int_t)m->id, "name", m->name,
                     "body", m->body ? m->body : "", "actions", acts ? acts : json_object(),
                     "created_at", (json_int_t)m->created_at, "updated_at",
                     (json_int_t)m->updated_at);
}

static int add_macro(void *ctx, const struct macro_rec *m)
{
    json_array_append_new(ctx, macro_json(m));
    return 0;
}

int routing_macro_list(struct db *db, const struct auth_actor *a, json_t **out)
{
    if (!auth_is_staff(a))
        return FD_EFORBIDDEN;
    json_t *arr = json_array();
    int rc = store_macro_list(db, add_macro, arr);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* Reads name, body and actions present in o into m. */
static int macro_fields(json_t *o, struct macro_rec *m, int creating, struct fd_error *err)
{
    if (!json_is_object(o))
        return fd_fail(err, FD_EINVAL, NULL, "a macro must be an object");
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "name") && strcmp(k, "body") && strcmp(k, "actions"))
            return fd_fail(err, FD_EINVAL, k, "unknown field \"%.40s\"", k);
    }
    json_t *name = json_object_get(o, "name");
    if (name || creating) {
        if (!json_is_string(name) || json_string_length(name) == 0)
            return fd_fail(err, FD_EINVAL, "name", "name is required (a non-empty string)");
        if (json_string_length(name) > ROUTING_NAME_MAX)
            return fd_fail(err, FD_EINVAL, "name", "name is too long (at most %d bytes)",
                           ROUTING_NAME_MAX);
        snprintf(m->name, sizeof(m->name), "%s", json_string_value(name));
    }
    json_t *body = json_object_get(o, "body");
    if (body || creating) {
        if (!json_is_string(body) || json_string_length(body) == 0)
            return fd_fail(err, FD_EINVAL, "body", "body is required (a non-empty string)");
        if (json_string_length(body) > ROUTING_MACRO_BODY_MAX)
            return fd_fail(err, FD_EINVAL, "body", "body is too long (at most %d bytes)",
                           ROUTING_MACRO_BODY_MAX);
        if (strlen(json_string_value(body)) != json_string_length(body))
            return fd_fail(err, FD_EINVAL, "body", "body must not contain NUL");
        int rc = check_placeholders(json_string_value(body), err);
        /* The outbound guard: a macro must never ask for a recovery phrase, private key,
         * password or 2FA code (rules can send macros without anyone reading them). */
        if (rc == 0)
            rc = safety_outbound_check(json_string_value(body), "body", err);
        if (rc)
            return rc;
        char *b = strdup(json_string_value(body));
        if (!b)
            return FD_ENOMEM;
        free(m->body);
        m->body = b;
    }
    json_t *acts = json_object_get(o, "actions");
    if (acts) {
        int rc = routing__macro_actions_check(acts, "actions", err);
        if (rc)
            return rc;
        char *s = json_dumps(acts, JSON_COMPACT | JSON_SORT_KEYS);
        if (!s)
            return FD_ENOMEM;
        free(m->actions);
        m->actions = s;
    } else if (creating) {
        m->actions = strdup("{}");
        if (!m->actions)
            return FD_ENOMEM;
    }
    return 0;
}

int routing_macro_create(struct db *db, const struct auth_actor *a, json_t *o, json_t **out,
                         struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    struct macro_rec m;
    memset(&m, 0, sizeof(m));
    if ((rc = macro_fields(o, &m, 1, err)))
        goto out;
    int64_t now = fd_now_ms();
    m.updated_by = a->user.id;
    m.created_at = m.updated_at = now;
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = store_macro_insert(db, &m)) ||
        (rc = routing__event(db, 0, a->user.id, "macro_created", macro_json(&m), now)) ||
        (rc = db_commit(db)))
        goto out;
    *out = macro_json(&m);
out:
    db_rollback(db);
    free(m.body);
    free(m.actions);
    return rc;
}

int routing_macro_update(struct db *db, const struct auth_actor *a, int64_t id, json_t *patch,
                         json_t **out, struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    struct macro_rec m;
    memset(&m, 0, sizeof(m));
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = store_macro_get(db, id, &m)))
        goto out;
    json_t *before = macro_json(&m);
    if ((rc = macro_fields(patch, &m, 0, err))) {
        json_decref(before);
        goto out;
    }
    int64_t now = fd_now_ms();
    m.updated_by = a->user.id;
    m.updated_at = now;
    json_t *change = json_pack("{s:o, s:o}", "before", before, "after", macro_json(&m));
    if ((rc = store_macro_update(db, &m))) {
        json_decref(change);
        goto out;
    }
    if ((rc = routing__event(db, 0, a->user.id, "macro_changed", change, now)) ||
        (rc = db_commit(db)))
        goto out;
    *out = macro_json(&m);
out:
    db_rollback(db);
    free(m.body);
    free(m.actions);
    return rc;
}

int routing_macro_delete(struct db *db, const struct auth_actor *a, int64_t id,
                         struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    struct macro_rec m;
    memset(&m, 0, sizeof(m));
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = store_macro_get(db, id, &m)) || (rc = store_macro_delete(db, id)) ||
        (rc = routing__event(db, 0, a->user.id, "macro_deleted",
                             json_pack("{s:o}", "before", macro_json(&m)), fd_now_ms())) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    free(m.body);
    free(m.actions);
    return rc;
}

/* Writes a field change event like the ticket desk does: {"before":..,"after":..}. */
static int change_event(struct db *db, int64_t ticket_id, int64_t actor, const char *type,
                        json_t *before, json_t *after, int64_t macro_id, int64_t now)
{
    return routing__event(db, ticket_id, actor, type,
                          json_pack("{s:o, s:o, s:I}", "before", before, "after", after, "macro_id",
                                    (json_int_t)macro_id),
                          now);
}

int routing__macro_send(struct db *db, const struct auth_actor *author, struct ticket_rec *t,
                        int64_t macro_id, int64_t *message_id, struct fd_error *err)
{
    struct macro_rec m;
    memset(&m, 0, sizeof(m));
    /* The stored ticket, with its requester's name and email: the caller's record may be
     * one still being built (the creation hook). */
    int rc = store_ticket_get(db, t->id, t);
    if (rc)
        return rc;
    rc = store_macro_get(db, macro_id, &m);
    if (rc == FD_ENOTFOUND)
        return fd_fail(err, FD_ENOTFOUND, "macro", "no macro %lld", (long long)macro_id);
    if (rc)
        return rc;
    char *text = NULL;
    json_t *acts = json_loads(m.actions, 0, NULL);
    json_t *status = json_object_get(acts, "status");
    /* Everything that can refuse is checked before anything is written. */
    if (strcmp(t->status, "closed") == 0) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "the ticket is closed");
        goto out;
    }
    /* A staff reply moves a new ticket to open first. */
    const char *after_reply = strcmp(t->status, "new") == 0 ? "open" : t->status;
    if (status && strcmp(json_string_value(status), after_reply) &&
        !tickets_transition_ok(after_reply, json_string_value(status))) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a %s ticket cannot become %s", after_reply,
                     json_string_value(status));
        goto out;
    }
    text = routing_macro_render(m.body, t, author->user.name);
    if (!text) {
        rc = fd_fail(err, FD_EINVAL, "body", "the rendered reply is too long");
        goto out;
    }
    int64_t mid = 0, now = fd_now_ms();
    if ((rc = tickets_reply_in_txn(db, author, NULL, t->id, text, 0, t, &mid, err)))
        goto out;
    int64_t me = author->user.id;
    int changed = 0;
    if (status && strcmp(json_string_value(status), t->status)) {
        if ((rc = change_event(db, t->id, me, "status_changed", json_string(t->status),
                               json_copy(status), macro_id, now)))
            goto out;
        snprintf(t->status, sizeof(t->status), "%s", json_string_value(status));
        changed = 1;
    }
    json_t *prio = json_object_get(acts, "priority");
    if (prio && strcmp(json_string_value(prio), t->priority)) {
        if ((rc = change_event(db, t->id, me, "priority_changed", json_string(t->priority),
                               json_copy(prio), macro_id, now)))
            goto out;
        snprintf(t->priority, sizeof(t->priority), "%s", json_string_value(prio));
        changed = 1;
    }
    json_t *tags = json_object_get(acts, "add_tags");
    if (json_array_size(tags)) {
        json_t *before = json_array();
        for (int i = 0; i < t->ntags; i++)
            json_array_append_new(before, json_string(t->tags[i]));
        size_t i;
        json_t *tag;
        int added = 0;
        json_array_foreach(tags, i, tag) added += routing__add_tag(t, json_string_value(tag));
        json_t *after = json_array();
        for (int k = 0; k < t->ntags; k++)
            json_array_append_new(after, json_string(t->tags[k]));
        if (added) {
            if ((rc = change_event(db, t->id, me, "tags_changed", before, after, macro_id, now)))
                goto out;
            changed = 1;
        } else {
            json_decref(before);
            json_decref(after);
        }
    }
    if (changed) {
        t->updated_at = now;
        if ((rc = store_ticket_update(db, t)))
            goto out;
    }
    if ((rc = routing__event(db, t->id, me, "macro_applied",
                             json_pack("{s:I, s:s, s:I}", "macro_id", (json_int_t)macro_id, "name",
                                       m.name, "message_id", (json_int_t)mid),
                             now)))
        goto out;
    if (message_id)
        *message_id = mid;
    rc = store_ticket_get(db, t->id, t);
out:
    json_decref(acts);
    free(text);
    free(m.body);
    free(m.actions);
    return rc;
}

int routing_macro_apply(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                        int64_t macro_id, struct ticket_rec *out, int64_t *message_id,
                        struct fd_error *err)
{
    if (!auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "only agents apply macros");
    struct ticket_rec *t = malloc(sizeof(*t));
    if (!t)
        return FD_ENOMEM;
    int rc = db_begin_write(db);
    if (rc)
        goto out;
    if ((rc = tickets_get(db, a, ticket_id, t)) ||
        (rc = routing__macro_send(db, a, t, macro_id, message_id, err)) || (rc = db_commit(db)))
        goto out;
    *out = *t;
out:
    db_rollback(db);
    free(t);
    return rc;
}
