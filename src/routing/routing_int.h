#ifndef FD_ROUTING_INT_H
#define FD_ROUTING_INT_H
/* Declarations shared by the files of src/routing. */
#include "../auth/auth.h"
#include "../core/err.h"
#include "../store/store.h"
#include "../store/store_routing.h"
#include "routing.h"

/* Writes one event row with data d (taken; NULL = {}). ticket_id 0 = not a ticket's. */
int routing__event(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type, json_t *d,
                   int64_t now);
/* FD_EFORBIDDEN (with err) unless the actor is an admin. */
int routing__admin(const struct auth_actor *a, struct fd_error *err);
/* Whether s is one of the NULL-terminated list. */
int routing__one_of(const char *s, const char *const *list);
extern const char *const routing__priorities[];
/* Checks a macro's actions object (status, priority, add_tags). */
int routing__macro_actions_check(json_t *actions, const char *field, struct fd_error *err);
/* Adds tag to t unless present or full; returns 1 when added. */
int routing__add_tag(struct ticket_rec *t, const char *tag);
/* Posts macro id's rendered reply on t as author (inside the caller's transaction) and
 * applies its actions. t is re-read after. */
int routing__macro_send(struct db *db, const struct auth_actor *author, struct ticket_rec *t,
                        int64_t macro_id, int64_t *message_id, struct fd_error *err);

#endif
