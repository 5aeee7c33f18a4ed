#ifndef FD_STORE_STORE_TRIAGE_H
#define FD_STORE_STORE_TRIAGE_H
/*
 * Typed queries for learned triage (migration 010): trained model rows, the training
 * rows drawn from resolved tickets, and per-ticket suggestions. Like every store query,
 * each runs inside whatever transaction the caller opened and returns 0, FD_ENOTFOUND,
 * FD_ECONFLICT or FD_EDB.
 */
#include <stddef.h>
#include <stdint.h>

struct db;

#define STORE_TRIAGE_KIND_MAX 16

struct triage_model_rec {
    int64_t id;
    char kind[STORE_TRIAGE_KIND_MAX];
    int64_t version;
    char sha256[65];
    int64_t size, labels, examples;
    char info[512]; /* JSON */
    int64_t created_at;
};

/* Inserts a model row with the next version of its kind; sets m->id and m->version. */
int store_triage_model_insert(struct db *db, struct triage_model_rec *m);
/* The newest model of a kind. */
int store_triage_model_latest(struct db *db, const char *kind, struct triage_model_rec *out);

/* Calls cb(ctx, subject, first public message of the requester, department slug) for
 * every solved or closed ticket, oldest first. Strings are borrowed for the call. */
int store_triage_training_tickets(struct db *db,
                                  int (*cb)(void *ctx, const char *subject, const char *body,
                                            const char *department),
                                  void *ctx);

struct ticket_triage_rec {
    int64_t ticket_id;
    char department[32];  /* "" when no department model */
    int64_t department_p; /* probability in 1/10000 */
    char *suggestion;     /* JSON; owned by the record when read (free it) */
    int auto_applied;
    int64_t applied_by, applied_at; /* 0 when not applied by an agent */
    int64_t created_at;
};

int store_triage_suggestion_insert(struct db *db, const struct ticket_triage_rec *r);
/* out->suggestion is malloc'd. */
int store_triage_suggestion_get(struct db *db, int64_t ticket_id, struct ticket_triage_rec *out);
int store_triage_suggestion_applied(struct db *db, int64_t ticket_id, int64_t by, int64_t now);

#endif
