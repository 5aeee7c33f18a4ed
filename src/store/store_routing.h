#ifndef FD_STORE_STORE_ROUTING_H
#define FD_STORE_STORE_ROUTING_H
/*
 * Routing rules, macros, department assignment settings, agents' ticket capacity and
 * the assignment pool (store_routing.c, migration 009). Conditions and actions are JSON
 * text validated by src/routing; the store does not look inside them. Each function
 * runs inside whatever transaction the caller opened and returns 0, FD_ENOTFOUND,
 * FD_ECONFLICT or FD_EDB.
 */
#include "store.h"

#define ROUTING_NAME_MAX 120

struct routing_rule_rec {
    int64_t id;
    int position;
    char name[ROUTING_NAME_MAX + 1];
    int enabled;
    int cont;         /* continue with the next rule after this one matched */
    char *conditions; /* JSON text; borrowed in callbacks, owned when returned by get */
    char *actions;
    int64_t updated_by;
    int64_t created_at, updated_at;
};

struct macro_rec {
    int64_t id;
    char name[ROUTING_NAME_MAX + 1];
    char *body;    /* borrowed in callbacks, owned when returned by get */
    char *actions; /* JSON text */
    int64_t updated_by;
    int64_t created_at, updated_at;
};

/* An agent who may take tickets of a department and tier, with their load. */
struct routing_agent_rec {
    int64_t id;
    char name[FD_NAME_MAX + 1];
    int capacity;
    int load; /* tickets assigned now in status new or open */
    int64_t last_seq;
};

/* Sets r->id; position is taken from r. */
int store_routing_rule_insert(struct db *db, struct routing_rule_rec *r);
/* Writes name, enabled, cont, conditions, actions, updated_by, updated_at. */
int store_routing_rule_update(struct db *db, const struct routing_rule_rec *r);
int store_routing_rule_set_position(struct db *db, int64_t id, int position);
int store_routing_rule_delete(struct db *db, int64_t id);
/* out->conditions and out->actions are owned by the caller (free them). */
int store_routing_rule_get(struct db *db, int64_t id, struct routing_rule_rec *out);
/* Every rule by position then id. */
int store_routing_rule_list(struct db *db, int (*cb)(void *, const struct routing_rule_rec *),
                            void *ctx);
/* The next free position (1 + the largest). */
int store_routing_rule_next_position(struct db *db, int *out);

int store_macro_insert(struct db *db, struct macro_rec *m);
int store_macro_update(struct db *db, const struct macro_rec *m);
int store_macro_delete(struct db *db, int64_t id);
int store_macro_get(struct db *db, int64_t id, struct macro_rec *out);
int store_macro_list(struct db *db, int (*cb)(void *, const struct macro_rec *), void *ctx);

/* The department's method into out ("round_robin" when it has none). */
int store_routing_dept_method(struct db *db, int64_t department_id, char *out, size_t n);
int store_routing_dept_set_method(struct db *db, int64_t department_id, const char *method);

/* A customer's vip_level and language ("" when unknown). */
int store_routing_user_attrs(struct db *db, int64_t user_id, int *vip_level, char *language,
                             size_t n);
/* language NULL or "" stores NULL. */
int store_routing_user_set_attrs(struct db *db, int64_t user_id, int vip_level,
                                 const char *language);

/* Agents' ticket capacity (default 10 when they have no row). */
int store_routing_agent_capacity(struct db *db, int64_t user_id, int *capacity);
int store_routing_agent_set_capacity(struct db *db, int64_t user_id, int capacity);
/* Records an automatic assignment: the agent moves to the end of the rotation. */
int store_routing_agent_assigned(struct db *db, int64_t user_id, int64_t now);
/* Online (agent_presence), enabled staff of the department and tier, by id. */
int store_routing_agents(struct db *db, int64_t department_id, int tier,
                         int (*cb)(void *, const struct routing_agent_rec *), void *ctx);
/* Ids of the tickets assigned to user in status new or open, oldest first. */
int store_routing_open_tickets(struct db *db, int64_t user_id, int (*cb)(void *, int64_t ticket_id),
                               void *ctx);

int store_routing_pool_add(struct db *db, int64_t ticket_id, int64_t now);
int store_routing_pool_remove(struct db *db, int64_t ticket_id);
/* Pooled tickets of the department and tier, oldest first. */
int store_routing_pool_list(struct db *db, int64_t department_id, int tier,
                            int (*cb)(void *, int64_t ticket_id), void *ctx);

#endif
