#ifndef FD_ROUTING_ROUTING_H
#define FD_ROUTING_ROUTING_H
/*
 * Routing: ordered rules that route a new ticket (department, priority, tier, tags,
 * assignment, an automatic reply from a macro), macros that agents apply to tickets,
 * and automatic assignment within a department and tier (round-robin or least-loaded
 * among online agents, within each agent's ticket capacity).
 *
 * Rules run once, when a ticket is created on any channel (tickets_create_in_txn and
 * tickets_create call routing_ticket_created inside their transaction). The first
 * matching enabled rule wins unless it says "continue". Every applied rule and every
 * change it makes is an event row on the ticket.
 *
 * Presence is the live-chat notion (agent_presence: online/away/offline): an agent
 * takes tickets only while online. When they go away or offline, or are disabled,
 * their new/open tickets are reassigned by the same algorithm (or pooled until someone
 * of that department and tier comes online).
 *
 * Managing rules, macros and settings is for admins (FD_EFORBIDDEN otherwise);
 * listing and applying macros is for staff. No HTTP here. Errors about input are
 * FD_EINVAL with err naming the field.
 */
#include "../store/records.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct auth_actor;
struct fd_error;

#define ROUTING_RULES_MAX 200  /* rules in total */
#define ROUTING_CONDS_MAX 20   /* conditions per group (all / any) */
#define ROUTING_VALUE_MAX 200  /* a condition's text value or pattern, bytes */
#define ROUTING_TEXT_MAX 16384 /* bytes of a body that conditions look at */
#define ROUTING_MACRO_BODY_MAX 8192
#define ROUTING_CAPACITY_MAX 1000

/* What conditions look at: a ticket (its current fields, changed by earlier rules that
 * continued), the first message, the address a mail came to and the customer. */
struct routing_subject {
    struct ticket_rec *t;
    const char *body;      /* may be NULL */
    const char *recipient; /* "" or NULL when not mail */
    int vip_level;
    const char *language; /* "" when unknown */
};

/*
 * Checks a rule's conditions ({"all":[...],"any":[...]}) and actions (object) as a
 * client sent them; db is used to check departments, agents and macros exist.
 * Returns 0 or FD_EINVAL with err->field such as "conditions.all[0].value".
 */
int routing_rule_check(struct db *db, json_t *conditions, json_t *actions, struct fd_error *err);

/*
 * Evaluates a conditions object against s. Returns 1 (match) or 0. When explain is
 * not NULL, one object per condition is appended to it: {group, field, op, value,
 * actual, result}. conditions must have passed routing_rule_check.
 */
int routing_conditions_match(json_t *conditions, const struct routing_subject *s, json_t *explain);

/* Picks an agent among n candidates: those below capacity; least_loaded takes the
 * smallest load first; both then take the longest since their last assignment (the
 * smallest last_seq), then the smallest id. Returns the index, or -1 when nobody can
 * take one. Pure (unit-tested). */
struct routing_agent_rec;
int routing_pick(const struct routing_agent_rec *v, int n, int least_loaded, int64_t exclude_id);

/* ---- admin: rules ---- */
/* Creates a rule at the end of the order. *out gets its JSON. */
int routing_rule_create(struct db *db, const struct auth_actor *a, json_t *rule, json_t **out,
                        struct fd_error *err);
/* Changes the fields present in patch (name, enabled, continue, conditions, actions). */
int routing_rule_update(struct db *db, const struct auth_actor *a, int64_t id, json_t *patch,
                        json_t **out, struct fd_error *err);
int routing_rule_delete(struct db *db, const struct auth_actor *a, int64_t id,
                        struct fd_error *err);
/* ids must name every rule exactly once; they get positions 1..n in that order. */
int routing_rule_reorder(struct db *db, const struct auth_actor *a, const int64_t *ids, int n,
                         struct fd_error *err);
int routing_rule_list(struct db *db, const struct auth_actor *a, json_t **out);

/*
 * Dry run: which rules would match s and why, without changing anything. *out gets
 * {"rules":[{id,name,enabled,matched,applied,conditions:[...]}], "matched_rule_ids":[...],
 * "result":{department,priority,tier,tags,assign,macro}}.
 */
int routing_dry_run(struct db *db, const struct auth_actor *a, const struct routing_subject *s,
                    json_t **out);

/*
 * The creation hook: runs the rules on the ticket t just inserted (with its first
 * message body and, for mail, the recipient address) inside the caller's write
 * transaction, applying actions and writing events; t is updated. Returns 0 or FD_EDB /
 * FD_ENOMEM (the caller rolls back). Actions that cannot apply now (a disabled agent,
 * a deleted macro) are skipped and recorded in the "routed" event.
 */
int routing_ticket_created(struct db *db, struct ticket_rec *t, const char *body,
                           const char *recipient);

/* ---- assignment ---- */
/* Assigns t to an available agent of its department and tier (in the caller's write
 * transaction; writes t and an "assigned" event). *agent_id gets 0 and the ticket is
 * pooled when nobody is available. exclude_id: an agent not to choose (0 = none). */
int routing_assign_auto(struct db *db, struct ticket_rec *t, int64_t actor_id, int64_t exclude_id,
                        const char *reason, int64_t *agent_id);
/*
 * The agent's availability changed (status "online", "away", "offline" or "disabled")
 * inside the caller's write transaction: when not online, their new/open tickets are
 * reassigned (or pooled); when online, the pool of their department and tier is
 * drained. *moved (may be NULL) gets the number of tickets that changed hands.
 */
int routing_agent_availability(struct db *db, int64_t agent_id, const char *status,
                               int64_t actor_id, int *moved);
/* The same in its own transaction, for an agent found by email (the CLI's disable). */
int routing_agent_release_email(struct db *db, const char *email, int *moved);

/* Admin settings. method: round_robin | least_loaded. */
int routing_dept_set_method(struct db *db, const struct auth_actor *a, const char *dept,
                            const char *method, struct fd_error *err);
int routing_settings(struct db *db, const struct auth_actor *a, json_t **out);
int routing_agent_set_capacity(struct db *db, const struct auth_actor *a, int64_t user_id,
                               int capacity, struct fd_error *err);
/* A customer's attributes used by rules. language NULL = leave; "" = clear;
 * vip_level < 0 = leave. Writes a "user_attrs_changed" event. */
int routing_user_set_attrs(struct db *db, const struct auth_actor *a, const char *email,
                           int vip_level, const char *language, struct fd_error *err);

/* ---- macros ---- */
/* Placeholders: {{customer.name}}, {{customer.email}}, {{ticket.ref}},
 * {{ticket.subject}}, {{ticket.department}}, {{agent.name}}. */
int routing_macro_create(struct db *db, const struct auth_actor *a, json_t *m, json_t **out,
                         struct fd_error *err);
int routing_macro_update(struct db *db, const struct auth_actor *a, int64_t id, json_t *patch,
                         json_t **out, struct fd_error *err);
int routing_macro_delete(struct db *db, const struct auth_actor *a, int64_t id,
                         struct fd_error *err);
int routing_macro_list(struct db *db, const struct auth_actor *a, json_t **out);
/* Renders body for ticket t with the agent's name. Returns a string to free, or NULL
 * when it would be longer than FD_BODY_MAX. */
char *routing_macro_render(const char *body, const struct ticket_rec *t, const char *agent_name);
/*
 * Applies macro macro_id to ticket id as agent a: posts the rendered reply publicly and
 * applies its actions (status, priority, add_tags), all in one transaction. Returns 0,
 * FD_ENOTFOUND (ticket not visible or no macro), FD_EFORBIDDEN, FD_ECONFLICT (a status
 * the ticket cannot take, a closed ticket), FD_EDB. *out gets the ticket after.
 */
int routing_macro_apply(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                        int64_t macro_id, struct ticket_rec *out, int64_t *message_id,
                        struct fd_error *err);

#endif
