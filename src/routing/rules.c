/* Routing rules: validation, matching, administration, dry runs and the creation hook. */
#include "routing.h"

#include "../core/timeutil.h"
#include "../tickets/tickets.h"
#include "routing_int.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const routing__priorities[] = {"low", "normal", "high", "urgent", NULL};

static const char *const text_fields[] = {"channel",  "recipient", "subject", "body",
                                          "text",     "asset",     "network", "department",
                                          "priority", "language",  NULL};
static const char *const text_ops[] = {"is",      "is_not", "contains", "not_contains",
                                       "matches", "in",     NULL};
static const char *const num_ops[] = {"is", "is_not", "gt", "gte", "lt", "lte", "in", NULL};
static const char *const tag_ops[] = {"is", "is_not", NULL};

int routing__one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

int routing__event(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type, json_t *d,
                   int64_t now)
{
    if (!d)
        d = json_object();
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, actor_id, type, text, now);
    free(text);
    return rc;
}

int routing__admin(const struct auth_actor *a, struct fd_error *err)
{
    if (a && a->user.role == ROLE_ADMIN)
        return 0;
    return fd_fail(err, FD_EFORBIDDEN, NULL, "only admins may manage routing");
}

int routing__add_tag(struct ticket_rec *t, const char *tag)
{
    for (int i = 0; i < t->ntags; i++)
        if (strcmp(t->tags[i], tag) == 0)
            return 0;
    if (t->ntags >= FD_TAGS_MAX)
        return 0;
    snprintf(t->tags[t->ntags++], FD_TAG_MAX + 1, "%s", tag);
    return 1;
}

/* ---- validation ---------------------------------------------------------------- */

static int check_regex(const char *pattern, const char *field, struct fd_error *err)
{
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (rc) {
        char msg[128];
        regerror(rc, &re, msg, sizeof(msg));
        regfree(&re);
        return fd_fail(err, FD_EINVAL, field, "%s: bad regular expression: %s", field, msg);
    }
    regfree(&re);
    return 0;
}

static int check_text_value(json_t *v, const char *field, struct fd_error *err)
{
    if (!json_is_string(v))
        return fd_fail(err, FD_EINVAL, field, "%s must be a string", field);
    size_t n = json_string_length(v);
    if (n == 0)
        return fd_fail(err, FD_EINVAL, field, "%s must not be empty", field);
    if (n > ROUTING_VALUE_MAX)
        return fd_fail(err, FD_EINVAL, field, "%s is too long (at most %d bytes)", field,
                       ROUTING_VALUE_MAX);
    if (strlen(json_string_value(v)) != n)
        return fd_fail(err, FD_EINVAL, field, "%s must not contain NUL", field);
    return 0;
}

static int check_vip_value(json_t *v, const char *field, struct fd_error *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 5)
        return fd_fail(err, FD_EINVAL, field, "%s must be a VIP level from 0 to 5", field);
    return 0;
}

static int check_condition(json_t *c, const char *where, struct fd_error *err)
{
    char f[64];
    if (!json_is_object(c))
        return fd_fail(err, FD_EINVAL, where, "%s must be an object {field, op, value}", where);
    const char *k;
    json_t *v;
    json_object_foreach(c, k, v)
    {
        if (strcmp(k, "field") && strcmp(k, "op") && strcmp(k, "value"))
            return fd_fail(err, FD_EINVAL, where, "%s: unknown key \"%.40s\"", where, k);
    }
    const char *field = json_string_value(json_object_get(c, "field"));
    const char *op = json_string_value(json_object_get(c, "op"));
    json_t *value = json_object_get(c, "value");
    snprintf(f, sizeof(f), "%s.field", where);
    int is_vip = field && strcmp(field, "vip_level") == 0;
    int is_tag = field && strcmp(field, "tag") == 0;
    if (!field || (!is_vip && !is_tag && !routing__one_of(field, text_fields)))
        return fd_fail(err, FD_EINVAL, f,
                       "%s must be one of channel, recipient, subject, body, text, asset, "
                       "network, department, priority, language, vip_level, tag",
                       f);
    snprintf(f, sizeof(f), "%s.op", where);
    const char *const *ops = is_vip ? num_ops : is_tag ? tag_ops : text_ops;
    if (!op || !routing__one_of(op, ops)) {
        char list[128] = "";
        size_t used = 0;
        for (const char *const *o = ops; *o; o++) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *o);
            if (w < 0 || (size_t)w >= sizeof(list) - used)
                break;
            used += (size_t)w;
        }
        return fd_fail(err, FD_EINVAL, f, "%s for %s must be one of %s", f, field, list);
    }
    snprintf(f, sizeof(f), "%s.value", where);
    if (!value)
        return fd_fail(err, FD_EINVAL, f, "%s is required", f);
    if (strcmp(op, "in") == 0) {
        if (!json_is_array(value) || json_array_size(value) == 0 ||
            json_array_size(value) > ROUTING_CONDS_MAX)
            return fd_fail(err, FD_EINVAL, f, "%s must be an array of 1 to %d values", f,
                           ROUTING_CONDS_MAX);
        size_t i;
        json_t *x;
        json_array_foreach(value, i, x)
        {
            int rc = is_vip ? check_vip_value(x, f, err) : check_text_value(x, f, err);
            if (rc)
                return rc;
        }
        return 0;
    }
    int rc = is_vip ? check_vip_value(value, f, err) : check_text_value(value, f, err);
    if (rc == 0 && strcmp(op, "matches") == 0)
        rc = check_regex(json_string_value(value), f, err);
    return rc;
}

static int check_conditions(json_t *conds, struct fd_error *err)
{
    if (!json_is_object(conds))
        return fd_fail(err, FD_EINVAL, "conditions",
                       "conditions must be an object {\"all\": [...], \"any\": [...]}");
    const char *k;
    json_t *v;
    json_object_foreach(conds, k, v)
    {
        if (strcmp(k, "all") && strcmp(k, "any"))
            return fd_fail(err, FD_EINVAL, "conditions",
                           "conditions: unknown key \"%.40s\" (use all and any)", k);
        char where[48];
        snprintf(where, sizeof(where), "conditions.%s", k);
        if (!json_is_array(v) || json_array_size(v) > ROUTING_CONDS_MAX)
            return fd_fail(err, FD_EINVAL, where, "%s must be an array of at most %d conditions",
                           where, ROUTING_CONDS_MAX);
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c)
        {
            snprintf(where, sizeof(where), "conditions.%s[%zu]", k, i);
            int rc = check_condition(c, where, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int check_actions(struct db *db, json_t *actions, struct fd_error *err)
{
    if (!json_is_object(actions) || json_object_size(actions) == 0)
        return fd_fail(err, FD_EINVAL, "actions",
                       "actions must be an object with at least one "
                       "action");
    const char *k;
    json_t *v;
    int rc;
    json_object_foreach(actions, k, v)
    {
        char f[48];
        snprintf(f, sizeof(f), "actions.%.30s", k);
        if (strcmp(k, "department") == 0) {
            struct department_rec d;
            if (!json_is_string(v))
                return fd_fail(err, FD_EINVAL, f, "%s must be a department slug", f);
            rc = store_department_by_slug(db, json_string_value(v), &d);
            if (rc == FD_ENOTFOUND)
                return fd_fail(err, FD_EINVAL, f, "%s: unknown department \"%.40s\"", f,
                               json_string_value(v));
            if (rc)
                return rc;
        } else if (strcmp(k, "priority") == 0) {
            if (!json_is_string(v) || !routing__one_of(json_string_value(v), routing__priorities))
                return fd_fail(err, FD_EINVAL, f, "%s must be low, normal, high or urgent", f);
        } else if (strcmp(k, "tier") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3)
                return fd_fail(err, FD_EINVAL, f, "%s must be 1, 2 or 3", f);
        } else if (strcmp(k, "add_tags") == 0) {
            if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > FD_TAGS_MAX)
                return fd_fail(err, FD_EINVAL, f, "%s must be an array of 1 to %d tags", f,
                               FD_TAGS_MAX);
            size_t i;
            json_t *t;
            json_array_foreach(v, i, t)
            {
                if (!json_is_string(t))
                    return fd_fail(err, FD_EINVAL, f, "%s[%zu] must be a string", f, i);
                if ((rc = tickets_check_tag(json_string_value(t), err))) {
                    snprintf(err->field, sizeof(err->field), "%s", f);
                    return rc;
                }
            }
        } else if (strcmp(k, "assign") == 0) {
            if (!json_is_string(v))
                return fd_fail(err, FD_EINVAL, f, "%s must be \"auto\" or an agent's email", f);
            if (strcmp(json_string_value(v), "auto") == 0)
                continue;
            struct user_rec u;
            rc = store_user_by_email(db, json_string_value(v), &u, NULL, 0);
            if (rc == FD_ENOTFOUND || (rc == 0 && (u.role == ROLE_CUSTOMER || u.disabled)))
                return fd_fail(err, FD_EINVAL, f, "%s: \"%.60s\" is not an active agent", f,
                               json_string_value(v));
            if (rc)
                return rc;
        } else if (strcmp(k, "macro") == 0) {
            struct macro_rec m;
            if (!json_is_integer(v))
                return fd_fail(err, FD_EINVAL, f, "%s must be a macro id", f);
            rc = store_macro_get(db, json_integer_value(v), &m);
            if (rc == FD_ENOTFOUND)
                return fd_fail(err, FD_EINVAL, f, "%s: no macro %lld", f,
                               (long long)json_integer_value(v));
            if (rc)
                return rc;
            free(m.body);
            free(m.actions);
        } else {
            return fd_fail(err, FD_EINVAL, f,
                           "unknown action \"%.30s\" (department, priority, tier, add_tags, "
                           "assign, macro)",
                           k);
        }
    }
    return 0;
}

int routing_rule_check(struct db *db, json_t *conditions, json_t *actions, struct fd_error *err)
{
    int rc = check_conditions(conditions, err);
    return rc ? rc : check_actions(db, actions, err);
}

/* ---- matching ------------------------------------------------------------------ */

/* The text a field names ("" when absent); *tmp is freed by the caller. */
static const char *field_text(const struct routing_subject *s, const char *field, char **tmp)
{
    const struct ticket_rec *t = s->t;
    *tmp = NULL;
    if (!strcmp(field, "channel"))
        return t->channel;
    if (!strcmp(field, "recipient"))
        return s->recipient ? s->recipient : "";
    if (!strcmp(field, "subject"))
        return t->subject;
    if (!strcmp(field, "asset"))
        return t->asset;
    if (!strcmp(field, "network"))
        return t->network;
    if (!strcmp(field, "department"))
        return t->department;
    if (!strcmp(field, "priority"))
        return t->priority;
    if (!strcmp(field, "language"))
        return s->language ? s->language : "";
    /* body and text: bounded, so that a pattern never runs over a whole large body */
    const char *body = s->body ? s->body : "";
    size_t bl = strnlen(body, ROUTING_TEXT_MAX);
    int with_subject = !strcmp(field, "text");
    size_t sl = with_subject ? strlen(t->subject) + 1 : 0;
    char *p = malloc(sl + bl + 1);
    if (!p)
        return "";
    if (with_subject) {
        memcpy(p, t->subject, sl - 1);
        p[sl - 1] = '\n';
    }
    memcpy(p + sl, body, bl);
    p[sl + bl] = '\0';
    *tmp = p;
    return p;
}

static int text_test(const char *op, const char *actual, json_t *value)
{
    if (!strcmp(op, "in")) {
        size_t i;
        json_t *x;
        json_array_foreach(value, i, x)
        {
            if (strcasecmp(actual, json_string_value(x)) == 0)
                return 1;
        }
        return 0;
    }
    const char *v = json_string_value(value);
    if (!strcmp(op, "is"))
        return strcasecmp(actual, v) == 0;
    if (!strcmp(op, "is_not"))
        return strcasecmp(actual, v) != 0;
    if (!strcmp(op, "contains"))
        return strcasestr(actual, v) != NULL;
    if (!strcmp(op, "not_contains"))
        return strcasestr(actual, v) == NULL;
    /* matches: validated on save; a pattern that no longer compiles matches nothing */
    regex_t re;
    if (regcomp(&re, v, REG_EXTENDED | REG_ICASE | REG_NOSUB))
        return 0;
    int r = regexec(&re, actual, 0, NULL, 0) == 0;
    regfree(&re);
    return r;
}

static int num_test(const char *op, int64_t actual, json_t *value)
{
    if (!strcmp(op, "in")) {
        size_t i;
        json_t *x;
        json_array_foreach(value, i, x)
        {
            if (json_integer_value(x) == actual)
                return 1;
        }
        return 0;
    }
    int64_t v = json_integer_value(value);
    if (!strcmp(op, "is"))
        return actual == v;
    if (!strcmp(op, "is_not"))
        return actual != v;
    if (!strcmp(op, "gt"))
        return actual > v;
    if (!strcmp(op, "gte"))
        return actual >= v;
    if (!strcmp(op, "lt"))
        return actual < v;
    return actual <= v; /* lte */
}

static int condition_test(json_t *c, const struct routing_subject *s, json_t **actual)
{
    const char *field = json_string_value(json_object_get(c, "field"));
    const char *op = json_string_value(json_object_get(c, "op"));
    json_t *value = json_object_get(c, "value");
    if (!field || !op || !value)
        return 0;
    if (!strcmp(field, "vip_level")) {
        *actual = json_integer(s->vip_level);
        return num_test(op, s->vip_level, value);
    }
    if (!strcmp(field, "tag")) {
        const char *v = json_string_value(value);
        int has = 0;
        *actual = json_array();
        for (int i = 0; i < s->t->ntags; i++) {
            json_array_append_new(*actual, json_string(s->t->tags[i]));
            has |= v && strcasecmp(s->t->tags[i], v) == 0;
        }
        return strcmp(op, "is") == 0 ? has : !has;
    }
    char *tmp;
    const char *text = field_text(s, field, &tmp);
    int r = text_test(op, text, value);
    /* The explanation shows a short prefix of long texts. */
    *actual = json_stringn_nocheck(text, strnlen(text, 120));
    if (!json_is_string(*actual)) {
        json_decref(*actual);
        *actual = json_string("");
    }
    free(tmp);
    return r;
}

static int group_match(json_t *conds, const char *group, int all, const struct routing_subject *s,
                       json_t *explain)
{
    json_t *arr = json_object_get(conds, group);
    size_t n = json_array_size(arr);
    if (n == 0)
        return 1;
    int result = all;
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
    {
        json_t *actual = NULL;
        int r = condition_test(c, s, &actual);
        if (explain) {
            json_t *e = json_deep_copy(c);
            json_object_set_new(e, "group", json_string(group));
            json_object_set_new(e, "actual", actual ? actual : json_null());
            json_object_set_new(e, "result", json_boolean(r));
            json_array_append_new(explain, e);
        } else {
            json_decref(actual);
        }
        if (all && !r)
            result = 0;
        if (!all && r)
            result = 1;
        /* Without an explanation, stop at the first decisive condition. */
        if (!explain && result != all)
            break;
    }
    return result;
}

int routing_conditions_match(json_t *conditions, const struct routing_subject *s, json_t *explain)
{
    int all = group_match(conditions, "all", 1, s, explain);
    if (!all && !explain)
        return 0;
    int any = group_match(conditions, "any", 0, s, explain);
    return all && any;
}

/* ---- rule records as JSON ----------------------------------------------------- */

static json_t *rule_json(const struct routing_rule_rec *r)
{
    json_t *conds = json_loads(r->conditions ? r->conditions : "{}", 0, NULL);
    json_t *acts = json_loads(r->actions ? r->actions : "{}", 0, NULL);
    return json_pack("{s:I, s:i, s:s, s:b, s:b, s:o, s:o, s:I, s:I, s:I}", "id", (json_int_t)r->id,
                     "position", r->position, "name", r->name, "enabled", r->enabled, "continue",
                     r->cont, "conditions", conds ? conds : json_object(), "actions",
                     acts ? acts : json_object(), "updated_by", (json_int_t)r->updated_by,
                     "created_at", (json_int_t)r->created_at, "updated_at",
                     (json_int_t)r->updated_at);
}

static int add_rule_json(void *ctx, const struct routing_rule_rec *r)
{
    json_array_append_new(ctx, rule_json(r));
    return 0;
}

int routing_rule_list(struct db *db, const struct auth_actor *a, json_t **out)
{
    int rc = routing__admin(a, NULL);
    if (rc)
        return rc;
    json_t *arr = json_array();
    if ((rc = store_routing_rule_list(db, add_rule_json, arr))) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* Reads name/enabled/continue/conditions/actions from o into r (present keys only). */
static int rule_fields(struct db *db, json_t *o, struct routing_rule_rec *r, int creating,
                       struct fd_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "name") && strcmp(k, "enabled") && strcmp(k, "continue") &&
            strcmp(k, "conditions") && strcmp(k, "actions"))
            return fd_fail(err, FD_EINVAL, k, "unknown field \"%.40s\"", k);
    }
    json_t *name = json_object_get(o, "name");
    if (name || creating) {
        if (!json_is_string(name))
            return fd_fail(err, FD_EINVAL, "name", "name is required (a string)");
        const char *s = json_string_value(name);
        size_t n = json_string_length(name);
        if (n == 0 || strspn(s, " \t") == n)
            return fd_fail(err, FD_EINVAL, "name", "name must not be empty");
        if (n > ROUTING_NAME_MAX)
            return fd_fail(err, FD_EINVAL, "name", "name is too long (at most %d bytes)",
                           ROUTING_NAME_MAX);
        snprintf(r->name, sizeof(r->name), "%s", s);
    }
    json_t *en = json_object_get(o, "enabled");
    if (en) {
        if (!json_is_boolean(en))
            return fd_fail(err, FD_EINVAL, "enabled", "enabled must be true or false");
        r->enabled = json_is_true(en);
    }
    json_t *co = json_object_get(o, "continue");
    if (co) {
        if (!json_is_boolean(co))
            return fd_fail(err, FD_EINVAL, "continue", "continue must be true or false");
        r->cont = json_is_true(co);
    }
    json_t *conds = json_object_get(o, "conditions");
    json_t *acts = json_object_get(o, "actions");
    if (creating && !conds)
        return fd_fail(err, FD_EINVAL, "conditions", "conditions is required");
    if (creating && !acts)
        return fd_fail(err, FD_EINVAL, "actions", "actions is required");
    json_t *old_c = NULL, *old_a = NULL;
    if (!conds)
        conds = old_c = json_loads(r->conditions ? r->conditions : "{}", 0, NULL);
    if (!acts)
        acts = old_a = json_loads(r->actions ? r->actions : "{}", 0, NULL);
    int rc = routing_rule_check(db, conds, acts, err);
    if (rc == 0) {
        char *c = json_dumps(conds, JSON_COMPACT | JSON_SORT_KEYS);
        char *ac = json_dumps(acts, JSON_COMPACT | JSON_SORT_KEYS);
        if (!c || !ac) {
            free(c);
            free(ac);
            rc = FD_ENOMEM;
        } else {
            free(r->conditions);
            free(r->actions);
            r->conditions = c;
            r->actions = ac;
        }
    }
    json_decref(old_c);
    json_decref(old_a);
    return rc;
}

static int count_rule(void *ctx, const struct routing_rule_rec *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

int routing_rule_create(struct db *db, const struct auth_actor *a, json_t *rule, json_t **out,
                        struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    if (!json_is_object(rule))
        return fd_fail(err, FD_EINVAL, NULL, "a rule must be an object");
    struct routing_rule_rec r;
    memset(&r, 0, sizeof(r));
    r.enabled = 1;
    if ((rc = db_begin_write(db)))
        return rc;
    int n = 0;
    if ((rc = rule_fields(db, rule, &r, 1, err)) ||
        (rc = store_routing_rule_list(db, count_rule, &n)))
        goto out;
    if (n >= ROUTING_RULES_MAX) {
        rc = fd_fail(err, FD_ECONFLICT, NULL, "at most %d routing rules", ROUTING_RULES_MAX);
        goto out;
    }
    int64_t now = fd_now_ms();
    r.updated_by = a->user.id;
    r.created_at = r.updated_at = now;
    if ((rc = store_routing_rule_next_position(db, &r.position)) ||
        (rc = store_routing_rule_insert(db, &r)) ||
        (rc = routing__event(db, 0, a->user.id, "routing_rule_created", rule_json(&r), now)) ||
        (rc = db_commit(db)))
        goto out;
    *out = rule_json(&r);
out:
    db_rollback(db);
    free(r.conditions);
    free(r.actions);
    return rc;
}

int routing_rule_update(struct db *db, const struct auth_actor *a, int64_t id, json_t *patch,
                        json_t **out, struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    if (!json_is_object(patch))
        return fd_fail(err, FD_EINVAL, NULL, "a rule must be an object");
    struct routing_rule_rec r;
    memset(&r, 0, sizeof(r));
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = store_routing_rule_get(db, id, &r)))
        goto out;
    json_t *before = rule_json(&r);
    if ((rc = rule_fields(db, patch, &r, 0, err))) {
        json_decref(before);
        goto out;
    }
    int64_t now = fd_now_ms();
    r.updated_by = a->user.id;
    r.updated_at = now;
    json_t *change = json_pack("{s:o, s:o}", "before", before, "after", rule_json(&r));
    if ((rc = store_routing_rule_update(db, &r))) {
        json_decref(change);
        goto out;
    }
    if ((rc = routing__event(db, 0, a->user.id, "routing_rule_changed", change, now)) ||
        (rc = db_commit(db)))
        goto out;
    *out = rule_json(&r);
out:
    db_rollback(db);
    free(r.conditions);
    free(r.actions);
    return rc;
}

int routing_rule_delete(struct db *db, const struct auth_actor *a, int64_t id, struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    struct routing_rule_rec r;
    memset(&r, 0, sizeof(r));
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = store_routing_rule_get(db, id, &r)) || (rc = store_routing_rule_delete(db, id)) ||
        (rc = routing__event(db, 0, a->user.id, "routing_rule_deleted",
                             json_pack("{s:o}", "before", rule_json(&r)), fd_now_ms())) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    free(r.conditions);
    free(r.actions);
    return rc;
}

struct id_list {
    int64_t *v;
    int n, cap;
};

static int collect_rule_id(void *ctx, const struct routing_rule_rec *r)
{
    struct id_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        int64_t *v = realloc(l->v, (size_t)cap * sizeof(*v));
        if (!v)
            return FD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = r->id;
    return 0;
}

int routing_rule_reorder(struct db *db, const struct auth_actor *a, const int64_t *ids, int n,
                         struct fd_error *err)
{
    int rc = routing__admin(a, err);
    if (rc)
        return rc;
    struct id_list l = {0};
    if ((rc = db_begin_write(db)))
        return rc;
    if ((rc = store_routing_rule_list(db, collect_rule_id, &l)))
        goto out;
    if (n != l.n) {
        rc =
            fd_fail(err, FD_EINVAL, "ids", "ids must list all %d rules once each (got %d)", l.n, n);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        int found = 0, dup = 0;
        for (int j = 0; j < l.n; j++)
            found |= l.v[j] == ids[i];
        for (int j = 0; j < i; j++)
            dup |= ids[j] == ids[i];
        if (!found || dup) {
            rc = fd_fail(err, FD_EINVAL, "ids", "ids[%d]: rule %lld %s", i, (long long)ids[i],
                         dup ? "is listed twice" : "does not exist");
            goto out;
        }
    }
    json_t *before = json_array(), *after = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(before, json_integer(l.v[i]));
        json_array_append_new(after, json_integer(ids[i]));
    }
    for (int i = 0; i < n && rc == 0; i++)
        rc = store_routing_rule_set_position(db, ids[i], i + 1);
    if (rc) {
        json_decref(before);
        json_decref(after);
        goto out;
    }
    if ((rc = routing__event(db, 0, a->user.id, "routing_rules_reordered",
                             json_pack("{s:o, s:o}", "before", before, "after", after),
                             fd_now_ms())) ||
        (rc = db_commit(db)))
        goto out;
out:
    db_rollback(db);
    free(l.v);
    return rc;
}

/* ---- running the rules ------------------------------------------------------- */

struct rule_list {
    struct routing_rule_rec *v;
    int n, cap;
};

static int collect_rule(void *ctx, const struct routing_rule_rec *r)
{
    struct rule_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        struct routing_rule_rec *v = realloc(l->v, (size_t)cap * sizeof(*v));
        if (!v)
            return FD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    struct routing_rule_rec *d = &l->v[l->n];
    *d = *r;
    d->conditions = strdup(r->conditions ? r->conditions : "{}");
    d->actions = strdup(r->actions ? r->actions : "{}");
    if (!d->conditions || !d->actions) {
        free(d->conditions);
        free(d->actions);
        return FD_ENOMEM;
    }
    l->n++;
    return 0;
}

static void rule_list_free(struct rule_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].conditions);
        free(l->v[i].actions);
    }
    free(l->v);
}

/*
 * Applies the field actions of one rule to t in memory (department, priority, tier,
 * tags) and records what changed in changes. db looks up departments. Assignment and
 * macros are returned through *assign / *macro for the caller to do last.
 */
static int apply_fields(struct db *db, json_t *acts, struct ticket_rec *t, json_t *changes,
                        json_t *skipped)
{
    json_t *v;
    if ((v = json_object_get(acts, "department"))) {
        struct department_rec d;
        int rc = store_department_by_slug(db, json_string_value(v), &d);
        if (rc == FD_ENOTFOUND) {
            json_array_append_new(skipped, json_pack("{s:s, s:s}", "action", "department", "reason",
                                                     "no such department"));
        } else if (rc) {
            return rc;
        } else if (d.id != t->department_id) {
            json_object_set_new(changes, "department",
                                json_pack("{s:s, s:s}", "before", t->department, "after", d.slug));
            t->department_id = d.id;
            snprintf(t->department, sizeof(t->department), "%s", d.slug);
        }
    }
    if ((v = json_object_get(acts, "priority")) && strcmp(json_string_value(v), t->priority)) {
        json_object_set_new(
            changes, "priority",
            json_pack("{s:s, s:s}", "before", t->priority, "after", json_string_value(v)));
        snprintf(t->priority, sizeof(t->priority), "%s", json_string_value(v));
    }
    if ((v = json_object_get(acts, "tier")) && json_integer_value(v) != t->tier) {
        json_object_set_new(
            changes, "tier",
            json_pack("{s:i, s:I}", "before", t->tier, "after", json_integer_value(v)));
        t->tier = (int)json_integer_value(v);
    }
    if ((v = json_object_get(acts, "add_tags"))) {
        json_t *added = json_array();
        size_t i;
        json_t *tag;
        json_array_foreach(v, i, tag)
        {
            if (routing__add_tag(t, json_string_value(tag)))
                json_array_append(added, tag);
        }
        if (json_array_size(added))
            json_object_set_new(changes, "tags_added", added);
        else
            json_decref(added);
    }
    return 0;
}

/* Loads the rules in order. */
static int load_rules(struct db *db, struct rule_list *l)
{
    memset(l, 0, sizeof(*l));
    int rc = store_routing_rule_list(db, collect_rule, l);
    if (rc)
        rule_list_free(l);
    return rc;
}

int routing_dry_run(struct db *db, const struct auth_actor *a, const struct routing_subject *s,
                    json_t **out)
{
    int rc = routing__admin(a, NULL);
    if (rc)
        return rc;
    struct rule_list l;
    if ((rc = load_rules(db, &l)))
        return rc;
    json_t *rules = json_array(), *matched = json_array(), *result = json_object();
    json_t *skipped = json_array();
    int stopped = 0;
    for (int i = 0; i < l.n && rc == 0; i++) {
        struct routing_rule_rec *r = &l.v[i];
        json_t *conds = json_loads(r->conditions, 0, NULL);
        json_t *acts = json_loads(r->actions, 0, NULL);
        json_t *explain = json_array();
        int m = conds && routing_conditions_match(conds, s, explain);
        int applied = m && r->enabled && !stopped;
        json_array_append_new(
            rules, json_pack("{s:I, s:s, s:i, s:b, s:b, s:b, s:b, s:o, s:O}", "id",
                             (json_int_t)r->id, "name", r->name, "position", r->position, "enabled",
                             r->enabled, "continue", r->cont, "matched", m, "applied", applied,
                             "conditions", explain, "actions", acts ? acts : json_null()));
        if (applied) {
            json_array_append_new(matched, json_integer(r->id));
            json_t *changes = json_object();
            rc = apply_fields(db, acts, s->t, changes, skipped);
            json_decref(changes);
            json_t *v;
            if ((v = json_object_get(acts, "assign")))
                json_object_set(result, "assign", v);
            if ((v = json_object_get(acts, "macro")))
                json_object_set(result, "macro", v);
            if (!r->cont)
                stopped = 1;
        }
        json_decref(conds);
        json_decref(acts);
    }
    rule_list_free(&l);
    json_decref(skipped);
    if (rc) {
        json_decref(rules);
        json_decref(matched);
        json_decref(result);
        return rc;
    }
    json_t *tags = json_array();
    for (int i = 0; i < s->t->ntags; i++)
        json_array_append_new(tags, json_string(s->t->tags[i]));
    json_object_set_new(result, "department", json_string(s->t->department));
    json_object_set_new(result, "priority", json_string(s->t->priority));
    json_object_set_new(result, "tier", json_integer(s->t->tier));
    json_object_set_new(result, "tags", tags);
    *out =
        json_pack("{s:o, s:o, s:o}", "rules", rules, "matched_rule_ids", matched, "result", result);
    return 0;
}

/* The author of a rule's automatic reply: the agent the ticket is assigned to, else the
 * admin who last saved the rule. */
static int macro_author(struct db *db, const struct ticket_rec *t, int64_t rule_editor,
                        struct auth_actor *out)
{
    memset(out, 0, sizeof(*out));
    out->scopes = SCOPE_ALL;
    int64_t id = t->assignee_id ? t->assignee_id : rule_editor;
    if (!id)
        return FD_ENOTFOUND;
    int rc = store_user_get(db, id, &out->user);
    if (rc == 0 && (out->user.disabled || out->user.role == ROLE_CUSTOMER))
        rc = FD_ENOTFOUND;
    return rc;
}

int routing_ticket_created(struct db *db, struct ticket_rec *t, const char *body,
                           const char *recipient)
{
    struct rule_list l;
    int rc = load_rules(db, &l);
    if (rc || l.n == 0) {
        rule_list_free(&l);
        return rc;
    }
    char language[36] = "";
    struct routing_subject s = {t, body, recipient, 0, language};
    if ((rc = store_routing_user_attrs(db, t->requester_id, &s.vip_level, language,
                                       sizeof(language))) &&
        rc != FD_ENOTFOUND)
        goto out;
    rc = 0;
    int64_t now = fd_now_ms();
    const char *assign = NULL;
    int64_t assign_rule = 0, macro_id = 0, macro_rule = 0, macro_editor = 0;
    int applied = 0;
    json_t *keep = json_array(); /* holds the action objects assign points into */
    for (int i = 0; i < l.n && rc == 0; i++) {
        struct routing_rule_rec *r = &l.v[i];
        if (!r->enabled)
            continue;
        json_t *conds = json_loads(r->conditions, 0, NULL);
        int m = conds && routing_conditions_match(conds, &s, NULL);
        json_decref(conds);
        if (!m)
            continue;
        json_t *acts = json_loads(r->actions, 0, NULL);
        json_t *changes = json_object(), *skipped = json_array();
        if (acts && (rc = apply_fields(db, acts, t, changes, skipped)) == 0) {
            json_t *v;
            if ((v = json_object_get(acts, "assign"))) {
                assign = json_string_value(v);
                assign_rule = r->id;
            }
            if ((v = json_object_get(acts, "macro"))) {
                macro_id = json_integer_value(v);
                macro_rule = r->id;
                macro_editor = r->updated_by;
            }
            json_array_append(keep, acts);
            applied = 1;
            json_t *d = json_pack("{s:I, s:s, s:o}", "rule_id", (json_int_t)r->id, "rule", r->name,
                                  "changes", changes);
            if (json_array_size(skipped))
                json_object_set(d, "skipped", skipped);
            rc = routing__event(db, t->id, 0, "routed", d, now);
        } else {
            json_decref(changes);
        }
        json_decref(skipped);
        json_decref(acts);
        if (!r->cont)
            break;
    }
    /* Nothing matched: the ticket is left exactly as created (no write). */
    if (rc == 0 && applied)
        rc = store_ticket_update(db, t);
    if (rc == 0 && assign) {
        int64_t agent = 0;
        if (strcmp(assign, "auto") == 0) {
            char why[48];
            snprintf(why, sizeof(why), "rule #%lld", (long long)assign_rule);
            rc = routing_assign_auto(db, t, 0, 0, why, &agent);
        } else {
            struct user_rec u;
            int found = store_user_by_email(db, assign, &u, NULL, 0);
            if (found == 0 && !u.disabled && u.role != ROLE_CUSTOMER) {
                t->assignee_id = u.id;
                rc = store_ticket_update(db, t);
                if (rc == 0)
                    rc = routing__event(db, t->id, 0, "assigned",
                                        json_pack("{s:n, s:I, s:s, s:I}", "before", "after",
                                                  (json_int_t)u.id, "via", "rule", "rule_id",
                                                  (json_int_t)assign_rule),
                                        now);
            } else if (found && found != FD_ENOTFOUND) {
                rc = found;
            } else {
                rc = routing__event(db, t->id, 0, "routing_skipped",
                                    json_pack("{s:I, s:s, s:s}", "rule_id", (json_int_t)assign_rule,
                                              "action", "assign", "reason",
                                              "the agent is not active"),
                                    now);
            }
        }
    }
    if (rc == 0 && macro_id) {
        struct auth_actor author;
        int arc = macro_author(db, t, macro_editor, &author);
        struct fd_error err = {0};
        if (arc == 0)
            arc = routing__macro_send(db, &author, t, macro_id, NULL, &err);
        if (arc == FD_EDB || arc == FD_ENOMEM)
            rc = arc;
        else if (arc)
            rc =
                routing__event(db, t->id, 0, "routing_skipped",
                               json_pack("{s:I, s:s, s:I, s:s}", "rule_id", (json_int_t)macro_rule,
                                         "action", "macro", "macro", (json_int_t)macro_id, "reason",
                                         err.message[0] ? err.message : "no author or no macro"),
                               now);
    }
    json_decref(keep);
out:
    rule_list_free(&l);
    return rc;
}
