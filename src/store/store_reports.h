#ifndef FD_STORE_STORE_REPORTS_H
#define FD_STORE_STORE_REPORTS_H
/*
 * Queries behind the reports, the reply-time expectations and CSAT surveys
 * (store_reports.c). Read-only queries run inside whatever transaction the caller
 * opened; the CSAT writes expect the caller's write transaction (the caller also
 * writes the event row). Times are Unix ms; department_id 0 means every department.
 */
#include <stddef.h>
#include <stdint.h>

struct db;

/* One ticket-level observation: a ticket with a start and an end instant. */
struct report_sample {
    int64_t ticket_id;
    int64_t department_id;
    char department[32];
    char channel[16];
    char priority[16];
    int64_t start; /* the ticket's created_at */
    int64_t end;   /* the observed instant (first reply, solved...); 0 if none */
    int rating;    /* resolutions only: the CSAT rating given, 0 = none */
};
typedef int (*store_sample_cb)(void *ctx, const struct report_sample *s);

/* Tickets whose first public staff reply happened in [from, to): end = that reply. */
int store_reports_first_replies(struct db *db, int64_t from, int64_t to, int64_t department_id,
                                store_sample_cb cb, void *ctx);
/* Tickets first marked solved in [from, to): end = that status change. */
int store_reports_resolutions(struct db *db, int64_t from, int64_t to, int64_t department_id,
                              store_sample_cb cb, void *ctx);
/* Tickets created in [from, to) (end = 0). */
int store_reports_created(struct db *db, int64_t from, int64_t to, int64_t department_id,
                          store_sample_cb cb, void *ctx);
/* Tickets not solved or closed (end = 0). */
int store_reports_open(struct db *db, int64_t department_id, store_sample_cb cb, void *ctx);

/* Deflection prompts created in [from, to): created_at, whether an article was opened,
 * whether a ticket was still filed. */
/* SLA clocks (first reply, resolution) that finished in [from, to) — at their stop time,
 * late when the due time came before it — and clocks still running that breached in the
 * period (at their breach time). metric is "first_reply" or "resolution". */
typedef int (*store_sla_clock_cb)(void *ctx, const char *metric, int64_t at, int late);
int store_reports_sla(struct db *db, int64_t from, int64_t to, int64_t department_id,
                      store_sla_clock_cb cb, void *ctx);
typedef int (*store_deflection_cb)(void *ctx, int64_t created_at, int opened, int filed);
int store_reports_deflections(struct db *db, int64_t from, int64_t to, store_deflection_cb cb,
                              void *ctx);

/* ---- CSAT ---- */
struct csat_rec {
    int64_t ticket_id;
    char token_nonce[33];
    int64_t sent_at;       /* 0 = no mail sent */
    int64_t token_used_at; /* 0 = unused */
    int rating;            /* 0 = no answer yet */
    char *comment;         /* owned, NULL if none */
    int64_t answered_at, first_answered_at, answered_by;
    int64_t created_at;
};
void csat_rec_release(struct csat_rec *r);

int store_csat_get(struct db *db, int64_t ticket_id, struct csat_rec *out);
/* Inserts the survey row of a ticket (FD_ECONFLICT if it exists). */
int store_csat_insert(struct db *db, int64_t ticket_id, const char *nonce, int64_t sent_at,
                      int64_t now);
int store_csat_set_sent(struct db *db, int64_t ticket_id, int64_t sent_at);
/* Records an answer; token_used (0/1) also marks the token used at now. */
int store_csat_answer(struct db *db, int64_t ticket_id, int rating, const char *comment, int64_t by,
                      int token_used, int64_t now);
/* Answers to surveys of tickets in department (0 = all) answered in [from, to). */
typedef int (*store_csat_cb)(void *ctx, int64_t answered_at, int rating);
int store_csat_answers(struct db *db, int64_t from, int64_t to, int64_t department_id,
                       store_csat_cb cb, void *ctx);

/* The named secret key as hex (created with create_hex if missing, inside the caller's
 * write transaction). out gets at most n bytes. */
int store_report_key(struct db *db, const char *name, const char *create_hex, char *out, size_t n);

#endif
