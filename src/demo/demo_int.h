#ifndef FD_DEMO_DEMO_INT_H
#define FD_DEMO_DEMO_INT_H
/*
 * Shared between demo.c (accounts, the loader that plays a ticket's script through the
 * domain modules) and demo_tickets.c (the scenarios that write those scripts).
 *
 * A scenario fills a struct demo__plan: the ticket's fields and first message, then a
 * linear script of steps (customer replies, agent replies, internal notes, status
 * changes, escalations, transfers). The loader cuts the script at a point chosen to give
 * the desk a realistic mix of statuses, so every scenario must read coherently when cut
 * after any step. Everything is driven by one seeded generator, so a load is repeatable.
 */
#include <stddef.h>
#include <stdint.h>

#define DEMO__STEPS_MAX 12
#define DEMO__TAGS_MAX 8

/* splitmix64; never rand(), so that the content does not depend on the C library. */
struct demo__rng {
    uint64_t s;
};

uint64_t demo__rand(struct demo__rng *r);
/* Uniform in [0, n); 0 when n <= 0. */
int demo__pick(struct demo__rng *r, int n);
/* 1 with probability percent/100. */
int demo__chance(struct demo__rng *r, int percent);
/* Uniform in [lo, hi]. */
long demo__range(struct demo__rng *r, long lo, long hi);
/* One of n strings. */
const char *demo__one(struct demo__rng *r, const char *const *list, size_t n);
#define DEMO__ONE(r, ...)                                                                          \
    demo__one((r), (const char *const[]){__VA_ARGS__},                                             \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* A transaction id in the format of the network ("bitcoin", "ethereum", "tron", "xrp",
 * "solana", EVM chains ...), into out (>= 100 bytes). */
void demo__txid(struct demo__rng *r, const char *network, char *out, size_t n);
/* A wallet address in the usual look of the network (not checksummed; for prose only). */
void demo__address(struct demo__rng *r, const char *network, char *out, size_t n);
/* Decimal amount lo..hi in units of 10^-scale, trailing zeros trimmed ("0.0841"). */
void demo__amount(struct demo__rng *r, char *out, size_t n, long lo, long hi, int scale);
/* A string of n decimal digits, the first non-zero. out >= n + 1 bytes. */
void demo__digits(struct demo__rng *r, char *out, int n);

/* The customer a scenario writes for. */
struct demo__persona {
    const char *email;
    const char *name;
    char first[40]; /* first name, for greetings */
    char uid[12];   /* exchange account uid, 8 to 10 digits */
};

enum demo__step_kind {
    DEMO__CUSTOMER, /* public reply by the requester */
    DEMO__AGENT,    /* public reply by the ticket's current agent */
    DEMO__NOTE,     /* internal note by the current agent */
    DEMO__STATUS,   /* status change by the current agent */
    DEMO__ESCALATE, /* note by the current agent, then tier and assignee change */
    DEMO__TRANSFER, /* note by the current agent, then department change (tier 1) */
};

struct demo__step {
    enum demo__step_kind kind;
    char *text;         /* owned; NULL for DEMO__STATUS */
    const char *status; /* status after the step, or NULL */
    int tier;           /* DEMO__ESCALATE */
    const char *dept;   /* DEMO__TRANSFER */
};

struct demo__plan {
    const char *dept;     /* department the ticket is filed under */
    const char *priority; /* chosen by the customer at creation */
    const char *triage;   /* priority the agent sets when taking the ticket, or NULL */
    char subject[201];
    char *body; /* owned */
    char uid[24], txid[132], asset[16], network[24], amount[48], order_id[72];
    const char *tags[DEMO__TAGS_MAX];
    int ntags;
    int no_staff_channel; /* the scenario only makes sense typed by the customer */
    struct demo__step steps[DEMO__STEPS_MAX];
    int nsteps;
    char *followup; /* owned; a customer reply after closing (opens a follow-up), or NULL */
};

/* First name of the demo agent of dept at tier (1..3). */
const char *demo__agent_first(const char *dept, int tier);

/* Script builders (formats are printf formats; text is copied). */
void demo__subject(struct demo__plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void demo__open(struct demo__plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void demo__customer(struct demo__plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void demo__agent(struct demo__plan *p, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void demo__note(struct demo__plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void demo__escalate(struct demo__plan *p, int tier, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void demo__transfer(struct demo__plan *p, const char *dept, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void demo__status(struct demo__plan *p, const char *status);
void demo__followup(struct demo__plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void demo__tag(struct demo__plan *p, const char *tag);
void demo__plan_release(struct demo__plan *p);

typedef void (*demo__scenario_fn)(struct demo__plan *p, struct demo__rng *r,
                                  const struct demo__persona *c);

struct demo__scenario {
    const char *name;
    const char *dept;
    int weight;
    demo__scenario_fn fn;
};

extern const struct demo__scenario demo__scenarios[];
extern const int demo__nscenarios;

/* ---- demo_ops.c: the desk's operations, through each module's own functions ---- */
#include <stdio.h>

struct db;
struct user_rec;

#define DEMO__COMPLIANCE_EMAIL "compliance@frontdesk.test"

/* Before the tickets: business calendars, SLA policies (so every ticket gets its clocks
 * as it is played), customers' VIP levels and languages. Returns 0 or an FD_E code. */
int demo__ops_before(struct db *db, FILE *log, const struct user_rec *admin);
/* After the tickets, at the real time t0: an escalation with a reason, CSAT answers,
 * routing rules, macros and methods, the compliance officer and three complaints, the
 * status page's history and maintenance, and the SLA checks due by t0. Drives the process
 * clock (fd_clock_set) and leaves it at t0. Returns 0 or an FD_E code. */
int demo__ops_after(struct db *db, FILE *log, const struct user_rec *admin,
                    const struct user_rec *supervisor, int64_t t0);

#endif
