/*
 * Demo data of the desk's operations, created through each module's own functions (so
 * every change has its events, as if an admin had clicked it): business calendars and
 * SLA policies, customers' VIP levels and languages, routing rules, macros and
 * assignment methods, formal complaints in several states with a compliance officer,
 * the status page's history and next maintenance, satisfaction answers and an escalated
 * ticket.
 *
 * demo__ops_before runs before the tickets are played (so every ticket gets its clocks
 * and VIP customers their policy at creation); demo__ops_after runs after them. Times
 * in the past are made by driving the process clock (fd_clock_set); demo_load returns
 * it to the real clock (or FRONTDESK_CLOCK_FILE) when it is done.
 */
#include "demo.h"
#include "demo_int.h"

#include "../auth/auth.h"
#include "../complaints/complaints.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../reports/reports.h"
#include "../routing/routing.h"
#include "../sla/sla.h"
#include "../status/status.h"
#include "../store/store.h"
#include "../tickets/tickets.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

static struct auth_actor actor(const struct user_rec *u)
{
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    a.user = *u;
    a.scopes = SCOPE_ALL;
    return a;
}

static int failed(FILE *log, const char *what, int rc, const struct fd_error *err)
{
    if (log)
        fprintf(log, "demo: %s failed: %s%s%s%s%s\n", what, fd_strerror(rc),
                err && err->field[0] ? " (" : "", err && err->field[0] ? err->field : "",
                err && err->field[0] ? ")" : "", err && err->message[0] ? err->message : "");
    return rc;
}

/* ---- before the tickets ------------------------------------------------------------- */

/* "Support hours": Europe/Malta, Mon-Fri 08:00-20:00, Malta's two December holidays of
 * the current year; "Around the clock": 24x7 for Account & Security, where a stolen
 * account cannot wait for Monday. */
static int calendars(struct db *db, const struct auth_actor *a, FILE *log, int64_t *office,
                     int64_t *allday)
{
    time_t now = (time_t)(fd_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    char h1[24], h2[24];
    snprintf(h1, sizeof(h1), "%04d-12-08", tm.tm_year + 1900);
    snprintf(h2, sizeof(h2), "%04d-12-25", tm.tm_year + 1900);
    json_t *hours = json_array();
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri"};
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
        json_array_append_new(
            hours, json_pack("{s:s, s:s, s:s}", "day", days[i], "open", "08:00", "close", "20:00"));
    json_t *c1 = json_pack("{s:s, s:s, s:o, s:[s,s], s:b}", "name", "Support hours", "timezone",
                           "Europe/Malta", "hours", hours, "holidays", h1, h2, "default", 1);
    json_t *c2 = json_pack("{s:s, s:s, s:s, s:[]}", "name", "Around the clock", "timezone", "UTC",
                           "hours", "24x7", "holidays");
    struct fd_error err = {0};
    int rc = sla_calendar_create(db, a, c1, office, &err);
    if (rc == 0)
        rc = sla_calendar_create(db, a, c2, allday, &err);
    json_decref(c1);
    json_decref(c2);
    if (rc)
        return failed(log, "SLA calendar", rc, &err);
    static const char *const office_depts[] = {"deposits", "trading", "technical", "kyc"};
    for (size_t i = 0; rc == 0 && i < sizeof(office_depts) / sizeof(office_depts[0]); i++)
        rc = sla_department_calendar_set(db, a, office_depts[i], *office, &err);
    if (rc == 0)
        rc = sla_department_calendar_set(db, a, "account", *allday, &err);
    return rc ? failed(log, "department calendar", rc, &err) : 0;
}

static int policy(struct db *db, const struct auth_actor *a, FILE *log, json_t *p)
{
    struct fd_error err = {0};
    int64_t id = 0;
    int rc = p ? sla_policy_create(db, a, p, &id, &err) : FD_ENOMEM;
    json_decref(p);
    return rc ? failed(log, "SLA policy", rc, &err) : 0;
}

/* Targets in business minutes of each ticket's department calendar. A breach raises the
 * priority one step (urgent ones go to tier 2) and tells the department's supervisors. */
static int policies(struct db *db, const struct auth_actor *a, FILE *log)
{
    static const struct {
        const char *name, *priority;
        int first, next, resolution, warn;
        const char *escalate;
        int tier;
    } rows[] = {
        {"Urgent", "urgent", 30, 60, 8 * 60, 10, NULL, 2},
        {"High", "high", 60, 120, 16 * 60, 20, "urgent", 0},
        {"Normal", "normal", 4 * 60, 6 * 60, 3 * 12 * 60, 30, "high", 0},
        {"Low", "low", 8 * 60, 12 * 60, 5 * 12 * 60, 60, "normal", 0},
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(rows) / sizeof(rows[0]); i++) {
        json_t *p = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:b}", "name", rows[i].name,
                              "priority", rows[i].priority, "first_reply_min", rows[i].first,
                              "next_reply_min", rows[i].next, "resolution_min", rows[i].resolution,
                              "warn_min", rows[i].warn, "notify", 1);
        if (p && rows[i].escalate)
            json_object_set_new(p, "escalate_priority", json_string(rows[i].escalate));
        if (p && rows[i].tier)
            json_object_set_new(p, "escalate_tier", json_integer(rows[i].tier));
        rc = policy(db, a, log, p);
    }
    /* VIP customers (level 3 and up) get a quicker answer on normal and high tickets. */
    if (rc == 0)
        rc = policy(db, a, log,
                    json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:b}", "name", "VIP normal",
                              "priority", "normal", "vip_min", 3, "first_reply_min", 60,
                              "next_reply_min", 120, "resolution_min", 24 * 60, "warn_min", 15,
                              "escalate_priority", "high", "notify", 1));
    if (rc == 0)
        rc = policy(db, a, log,
                    json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:i, s:b}", "name",
                              "VIP high", "priority", "high", "vip_min", 3, "first_reply_min", 30,
                              "next_reply_min", 60, "resolution_min", 8 * 60, "warn_min", 10,
                              "escalate_priority", "urgent", "escalate_tier", 2, "notify", 1));
    return rc;
}

/* Customers whose VIP level and language the routing rules and the VIP policy use. */
static const struct {
    const char *email;
    int vip;
    const char *language;
} customer_attrs[] = {
    {"alice@example.com", 3, "en"},           {"gustav@example.com", 4, "sv"},
    {"hana.kobayashi@example.org", 5, "ja"},  {"gabriela.souza@example.net", 3, "pt-BR"},
    {"julia.schneider@example.com", 1, "de"}, {"mateo.rossi@example.com", 0, "it"},
    {"camille.laurent@example.org", 2, "fr"},
};

int demo__ops_before(struct db *db, FILE *log, const struct user_rec *admin)
{
    struct auth_actor a = actor(admin);
    struct fd_error err = {0};
    int64_t office = 0, allday = 0;
    int rc = calendars(db, &a, log, &office, &allday);
    if (rc == 0)
        rc = policies(db, &a, log);
    for (size_t i = 0; rc == 0 && i < sizeof(customer_attrs) / sizeof(customer_attrs[0]); i++)
        if ((rc = routing_user_set_attrs(db, &a, customer_attrs[i].email, customer_attrs[i].vip,
                                         customer_attrs[i].language, &err)))
            failed(log, customer_attrs[i].email, rc, &err);
    if (rc == 0 && log)
        fprintf(log,
                "demo: 2 business calendars, 6 SLA policies, %d customers with VIP level "
                "and language\n",
                (int)(sizeof(customer_attrs) / sizeof(customer_attrs[0])));
    return rc;
}

/* ---- routing ---------------------------------------------------------------------------- */

static int macros(struct db *db, const struct auth_actor *a, FILE *log, int64_t *withdrawal_macro)
{
    static const struct {
        const char *name, *body, *status, *tag;
    } rows[] = {
        {"Withdrawal pending on chain",
         "Hello {{customer.name}},\n\nThank you for your patience with {{ticket.ref}}. Your "
         "withdrawal has left our hot wallet and is waiting for confirmations on its network. "
         "The time this takes depends on the chain: Bitcoin needs 2 confirmations (usually "
         "20-40 minutes), Ethereum and ERC-20 tokens 64 blocks (about 15 minutes), TRON 20 "
         "blocks (about a minute) and Solana is final within seconds. You can follow it with "
         "the transaction id (TXID) shown in your withdrawal history on the network's "
         "explorer.\n\nIf it is not confirmed within 2 hours, simply reply here and we will "
         "check it with the wallet team.\n\n{{agent.name}}\n{{ticket.department}}",
         "pending", "withdrawal-pending"},
        {"KYC documents needed",
         "Hello {{customer.name}},\n\nTo finish the verification of your account "
         "({{ticket.ref}}) we need:\n\n1. a colour photo of both sides of a valid passport or "
         "national identity card;\n2. a proof of address dated within the last 3 months (a "
         "utility bill or bank statement, showing your name and address);\n3. a selfie "
         "holding the same document.\n\nPlease upload them in the app under Profile > "
         "Verification (never by email or chat): the upload is encrypted and only our "
         "compliance team sees it.\n\n{{agent.name}}",
         "pending", "kyc-docs-requested"},
        {"Password reset steps",
         "Hello {{customer.name}},\n\nTo reset your password:\n\n1. open the sign-in page "
         "from our official app or by typing our address yourself (never from a link in a "
         "message);\n2. choose \"Forgot password\" and enter {{customer.email}};\n3. follow "
         "the link in the email within 30 minutes and enter your 2FA code.\n\nFor your "
         "safety, withdrawals are paused for 24 hours after a password change.\n\n"
         "{{agent.name}}",
         "pending", NULL},
        {"Anti-phishing reminder",
         "Hello {{customer.name}},\n\nA reminder that keeps accounts safe: our staff will "
         "never ask for your password, 2FA codes, seed phrase or remote access to your "
         "computer, and never ask you to move funds to a \"safe\" wallet. Every email from "
         "us shows the anti-phishing code you set in Security settings; a message without "
         "it is not from us. If you are unsure, reply on this ticket ({{ticket.ref}}) and we "
         "will check.\n\n{{agent.name}}",
         NULL, "phishing-reminder"},
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(rows) / sizeof(rows[0]); i++) {
        json_t *acts = json_object();
        if (rows[i].status)
            json_object_set_new(acts, "status", json_string(rows[i].status));
        if (rows[i].tag)
            json_object_set_new(acts, "add_tags", json_pack("[s]", rows[i].tag));
        json_t *m = json_pack("{s:s, s:s, s:o}", "name", rows[i].name, "body", rows[i].body,
                              "actions", acts);
        json_t *out = NULL;
        struct fd_error err = {0};
        rc = routing_macro_create(db, a, m, &out, &err);
        if (rc == 0 && i == 0)
            *withdrawal_macro = json_integer_value(json_object_get(out, "id"));
        json_decref(m);
        json_decref(out);
        if (rc)
            failed(log, rows[i].name, rc, &err);
    }
    return rc;
}

static int rule(struct db *db, const struct auth_actor *a, FILE *log, json_t *r)
{
    json_t *out = NULL;
    struct fd_error err = {0};
    int rc = r ? routing_rule_create(db, a, r, &out, &err) : FD_ENOMEM;
    json_decref(out);
    json_decref(r);
    return rc ? failed(log, "routing rule", rc, &err) : 0;
}

/* Rules are created after the demo tickets were played, so that the scripted tickets
 * keep the department and priority their conversations were written for; every new
 * ticket from now on is routed by them. */
static int routing(struct db *db, const struct auth_actor *a, FILE *log)
{
    int64_t macro = 0;
    int rc = macros(db, a, log, &macro);
    static const char *const depts[] = {"account", "deposits", "trading", "technical", "kyc"};
    for (size_t i = 0; rc == 0 && i < sizeof(depts) / sizeof(depts[0]); i++) {
        struct fd_error err = {0};
        /* Long investigations pile up in deposits and KYC: give new work to whoever has
         * least; round-robin elsewhere. */
        const char *method = strcmp(depts[i], "deposits") == 0 || strcmp(depts[i], "kyc") == 0
                                 ? "least_loaded"
                                 : "round_robin";
        if ((rc = routing_dept_set_method(db, a, depts[i], method, &err)))
            failed(log, "assignment method", rc, &err);
    }
    if (rc == 0)
        rc = rule(db, a, log,
                  json_pack("{s:s, s:b, s:b, s:{s:[{s:s, s:s, s:s}]}, s:{s:s, s:s, s:[s]}}", "name",
                            "Account takeover reports go to Account & Security", "enabled", 1,
                            "continue", 0, "conditions", "any", "field", "text", "op", "matches",
                            "value", "hack|stolen|unauthori[sz]ed|drained", "actions", "department",
                            "account", "priority", "urgent", "add_tags", "account-takeover"));
    if (rc == 0)
        rc = rule(db, a, log,
                  json_pack("{s:s, s:b, s:b, s:{s:[{s:s, s:s, s:s}]}, s:{s:s, s:s, s:[s]}}", "name",
                            "Mail to security@ goes to Account & Security", "enabled", 1,
                            "continue", 0, "conditions", "all", "field", "recipient", "op", "is",
                            "value", "security@frontdesk.test", "actions", "department", "account",
                            "priority", "high", "add_tags", "security-mailbox"));
    if (rc == 0)
        rc = rule(db, a, log,
                  json_pack("{s:s, s:b, s:b, s:{s:[{s:s, s:s, s:i}, {s:s, s:s, s:s}]}, s:{s:s, "
                            "s:i, s:s, s:[s], s:s}}",
                            "name", "VIP withdrawals go to tier 2", "enabled", 1, "continue", 0,
                            "conditions", "all", "field", "vip_level", "op", "gte", "value", 3,
                            "field", "subject", "op", "matches", "value", "withdraw", "actions",
                            "priority", "high", "tier", 2, "department", "deposits", "add_tags",
                            "vip", "assign", "auto"));
    if (rc == 0) {
        json_t *r = json_pack(
            "{s:s, s:b, s:b, s:{s:[{s:s, s:s, s:[s,s]}, {s:s, s:s, s:s}]}, s:{s:s, s:[s]}}", "name",
            "TRON and USDT-TRC20 deposits", "enabled", 1, "continue", 1, "conditions", "any",
            "field", "network", "op", "in", "value", "tron", "trc20", "field", "text", "op",
            "matches", "value", "trc-?20", "actions", "department", "deposits", "add_tags",
            "chain-tron");
        rc = rule(db, a, log, r);
    }
    (void)macro;
    if (rc == 0 && log)
        fprintf(log, "demo: 4 macros, 4 routing rules, assignment methods set\n");
    return rc;
}

/* ---- complaints ------------------------------------------------------------------------- */

struct pick {
    int64_t id;
    int64_t requester_id;
    const char *status; /* wanted, or NULL */
    int tier;           /* wanted, 0 = any */
    int64_t skip[4];
    int nskip;
};

static int pick_cb(void *ctx, const struct ticket_rec *t)
{
    struct pick *p = ctx;
    if (p->id)
        return 0;
    for (int i = 0; i < p->nskip; i++)
        if (p->skip[i] == t->id)
            return 0;
    if (p->status && strcmp(t->status, p->status) != 0)
        return 0;
    if (p->tier && t->tier != p->tier)
        return 0;
    p->id = t->id;
    p->requester_id = t->requester_id;
    return 0;
}

/* The newest ticket of dept in the given status (and tier), not one of skip. */
static int find_ticket(struct db *db, const char *dept, struct pick *p)
{
    struct department_rec d;
    int rc = store_department_by_slug(db, dept, &d);
    if (rc)
        return rc;
    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    f.department_id = d.id;
    f.limit = 500;
    p->id = 0;
    if ((rc = store_ticket_list(db, &f, pick_cb, p)))
        return rc;
    return p->id ? 0 : FD_ENOTFOUND;
}

struct complaint_plan {
    const char *dept, *ticket_status, *service, *description, *dates, *request;
    int64_t age_ms; /* received this long ago */
    int steps;      /* 0 received, 2 under investigation, 3 decided */
    int delayed;    /* a late-decision notice */
    const char *outcome, *reasons, *remedies;
};

static int complaint(struct db *db, FILE *log, const struct complaints_cfg *cfg,
                     const struct auth_actor *officer, const struct complaint_plan *cp, int64_t t0,
                     struct pick *used)
{
    int rc = find_ticket(db, cp->dept, used);
    if (rc)
        return failed(log, "complaint ticket", rc, NULL);
    used->skip[used->nskip++] = used->id;
    struct user_rec cust;
    if ((rc = store_user_get(db, used->requester_id, &cust)))
        return failed(log, "complaint customer", rc, NULL);
    struct auth_actor ca = actor(&cust);
    struct complaint_input in;
    memset(&in, 0, sizeof(in));
    in.complainant_name = cust.name;
    in.complainant_contact = cust.email;
    in.service = cp->service;
    in.description = cp->description;
    in.incident_dates = cp->dates;
    in.request = cp->request;
    in.linked[in.nlinked++] = used->id;
    struct complaint_rec *c = xcalloc(1, sizeof(*c));
    struct fd_error err = {0};
    int64_t at = t0 - cp->age_ms;
    fd_clock_set(at);
    rc = complaints_file(db, cfg, &ca, &in, c, &err);
    if (rc == 0 && cp->steps >= 1) {
        fd_clock_set(at + 2 * DAY_MS);
        struct complaint_step s = {.to = "acknowledged", .admissibility = "admissible"};
        rc = complaints_transition(db, cfg, officer, c->id, &s, c, &err);
    }
    if (rc == 0 && cp->steps >= 2) {
        fd_clock_set(at + 3 * DAY_MS);
        struct complaint_step s = {.to = "under_investigation"};
        rc = complaints_transition(db, cfg, officer, c->id, &s, c, &err);
    }
    if (rc == 0 && cp->delayed) {
        fd_clock_set(at + 20 * DAY_MS);
        rc = complaints_delay(db, cfg, officer, c->id,
                              "We are waiting for the counterparty exchange to confirm where the "
                              "funds were credited; their compliance team has promised an "
                              "answer within three weeks.",
                              c->decision_due_at + 21 * DAY_MS, c, &err);
    }
    if (rc == 0 && cp->steps >= 3) {
        fd_clock_set(at + 12 * DAY_MS);
        struct complaint_step s = {.to = "decided",
                                   .outcome = cp->outcome,
                                   .reason = cp->reasons,
                                   .remedies = cp->remedies};
        rc = complaints_transition(db, cfg, officer, c->id, &s, c, &err);
    }
    free(c);
    return rc ? failed(log, "complaint", rc, &err) : 0;
}

static int complaints(struct db *db, FILE *log, const struct user_rec *admin, int64_t t0)
{
    struct auth_actor a = actor(admin);
    struct fd_error err = {0};
    struct user_rec officer;
    int rc = auth_user_create(db, DEMO__COMPLIANCE_EMAIL, "Elif Demir", ROLE_AGENT, "account", 3,
                              DEMO_PASSWORD, &officer, &err);
    if (rc == 0)
        rc = complaints_set_handler(db, &a, officer.id, 1, &err);
    if (rc)
        return failed(log, DEMO__COMPLIANCE_EMAIL, rc, &err);
    struct auth_actor oa = actor(&officer);
    struct complaints_cfg cfg = {.ack_business_days = 5, .timezone = "UTC"};
    static const struct complaint_plan plans[] = {
        {"trading", "closed", "fees",
         "I was charged the taker fee on limit orders that rested on the book for minutes, "
         "which should have been maker orders. Over the month this is more than 300 USDT.",
         "The whole of last month", "A refund of the difference between taker and maker fees.",
         1 * DAY_MS, 0, 0, NULL, NULL, NULL},
        {"deposits", "closed", "deposits",
         "My USDT deposit was credited to the wrong account after your support told me to "
         "send it again with a memo. Support keeps telling me to wait.",
         "Three weeks ago, and the follow-up last week", "Credit the deposit to my account.",
         40 * DAY_MS, 2, 1, NULL, NULL, NULL},
        {"account", "closed", "withdrawals",
         "My withdrawals were frozen for 9 days for a security review without any explanation, "
         "and I missed a payment I had to make.",
         "The first half of this month", "An explanation and compensation for the delay.",
         20 * DAY_MS, 3, 0, "partly_upheld",
         "The review itself was required: the withdrawal followed a password reset and a new "
         "device sign-in within the hour, which our security policy holds for review. It should "
         "however have been finished within 72 hours, and you were not told why your funds "
         "were held. We have changed the review notice so customers are told at once.",
         "We have refunded the withdrawal fees of the period (12.40 USDT). If you disagree "
         "with this decision you may refer it to the Office of the Arbiter for Financial "
         "Services (Malta) or to the competent authority, free of charge."},
    };
    struct pick used;
    memset(&used, 0, sizeof(used));
    for (size_t i = 0; rc == 0 && i < sizeof(plans) / sizeof(plans[0]); i++) {
        used.status = plans[i].ticket_status;
        used.tier = 0;
        rc = complaint(db, log, &cfg, &oa, &plans[i], t0, &used);
    }
    fd_clock_set(t0);
    if (rc == 0 && log)
        fprintf(log,
                "demo: 3 complaints (received, under investigation with a late-decision "
                "notice, decided), compliance officer %s\n",
                DEMO__COMPLIANCE_EMAIL);
    return rc;
}

/* ---- status page ------------------------------------------------------------------------ */

static int status_page(struct db *db, FILE *log, const struct user_rec *supervisor, int64_t t0)
{
    struct auth_actor a = actor(supervisor);
    struct fd_error err = {0};
    int64_t id = 0;
    /* Six days ago: TRON deposits were late for three hours (a node fell behind). */
    int64_t at = t0 - 6 * DAY_MS - 5 * HOUR_MS;
    struct status_incident_input in;
    memset(&in, 0, sizeof(in));
    in.kind = "incident";
    in.title = "Delayed TRC-20 deposits";
    in.status = "investigating";
    in.body = "Deposits on the TRON network (TRX and TRC-20 tokens such as USDT) are being "
              "credited late. Funds are safe; we are investigating.";
    in.keywords = "trc20,usdt,tron";
    in.ncomponents = 1;
    in.components[0].slug = "chain-tron";
    in.components[0].state = "degraded";
    fd_clock_set(at);
    int rc = status_incident_create(db, &a, NULL, &in, &id, &err);
    static const struct {
        int64_t after;
        const char *status, *body;
    } timeline[] = {
        {40 * MIN_MS, "identified",
         "Our TRON node fell behind the chain after a software upgrade. We are resyncing it "
         "from a snapshot; deposits will be credited once it has caught up."},
        {2 * HOUR_MS + 10 * MIN_MS, "monitoring",
         "The node is in sync and the delayed deposits have been credited. We are watching "
         "the deposit queue."},
        {3 * HOUR_MS, "resolved",
         "All TRON deposits are credited on time again. Every delayed deposit was credited in "
         "full; no action is needed from customers."},
    };
    for (size_t i = 0; rc == 0 && i < sizeof(timeline) / sizeof(timeline[0]); i++) {
        struct status_update_input u;
        memset(&u, 0, sizeof(u));
        u.status = timeline[i].status;
        u.body = timeline[i].body;
        if (strcmp(u.status, "resolved") == 0) {
            u.ncomponents = 1;
            u.components[0].slug = "chain-tron";
            u.components[0].state = "operational";
        }
        fd_clock_set(at + timeline[i].after);
        rc = status_incident_update(db, &a, NULL, id, &u, &err);
    }
    fd_clock_set(t0);
    if (rc == 0) {
        /* Next Tuesday 06:00-07:30 UTC (or the one after, when that is too close). */
        int64_t day0 = t0 - t0 % DAY_MS;
        int wday = (int)((day0 / DAY_MS + 4) % 7); /* 1970-01-01 was a Thursday */
        int ahead = (2 - wday + 7) % 7;
        if (ahead < 2)
            ahead += 7;
        memset(&in, 0, sizeof(in));
        in.kind = "maintenance";
        in.title = "Scheduled maintenance of the matching engine";
        in.body = "Spot and derivatives trading will be paused while we upgrade the matching "
                  "engine. Open orders stay on the book; deposits and withdrawals are not "
                  "affected.";
        in.starts_at = day0 + ahead * DAY_MS + 6 * HOUR_MS;
        in.ends_at = in.starts_at + 90 * MIN_MS;
        in.ncomponents = 2;
        in.components[0].slug = "spot";
        in.components[1].slug = "derivatives";
        rc = status_incident_create(db, &a, NULL, &in, &id, &err);
    }
    if (rc)
        return failed(log, "status page", rc, &err);
    if (log)
        fprintf(log, "demo: status page: 1 resolved incident, 1 scheduled maintenance\n");
    return 0;
}

/* ---- satisfaction and escalation --------------------------------------------------------- */

struct rated {
    int64_t ids[8], requesters[8];
    int n;
};

static int rated_cb(void *ctx, const struct ticket_rec *t)
{
    struct rated *r = ctx;
    if (r->n < 8 && (strcmp(t->status, "solved") == 0 || strcmp(t->status, "closed") == 0) &&
        t->follow_up_of == 0) {
        r->ids[r->n] = t->id;
        r->requesters[r->n++] = t->requester_id;
    }
    return 0;
}

static int csat(struct db *db, FILE *log)
{
    static const struct {
        int rating;
        const char *comment;
    } answers[] = {
        {5, "Fast and clear, thank you!"},
        {5, NULL},
        {4, "Solved, but I had to explain the problem twice."},
        {5, "Priya was great."},
        {2, "Took three days to get an answer about my own money."},
        {4, NULL},
    };
    struct rated r;
    memset(&r, 0, sizeof(r));
    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    f.status_mask = (1u << fd_status_index("solved")) | (1u << fd_status_index("closed"));
    f.limit = 60;
    int rc = store_ticket_list(db, &f, rated_cb, &r);
    int n = 0;
    for (int i = 0; rc == 0 && i < r.n && n < (int)(sizeof(answers) / sizeof(answers[0])); i++) {
        struct user_rec u;
        struct fd_error err = {0};
        if ((rc = store_user_get(db, r.requesters[i], &u)))
            break;
        struct auth_actor a = actor(&u);
        rc = csat_answer_portal(db, &a, r.ids[i], answers[n].rating, answers[n].comment, &err);
        if (rc)
            failed(log, "CSAT answer", rc, &err);
        else
            n++;
    }
    if (rc == 0 && log)
        fprintf(log, "demo: %d satisfaction answers\n", n);
    return rc;
}

static int escalation(struct db *db, FILE *log)
{
    struct pick p;
    memset(&p, 0, sizeof(p));
    p.status = "open";
    p.tier = 1;
    int rc = find_ticket(db, "deposits", &p);
    if (rc)
        return failed(log, "ticket to escalate", rc, NULL);
    struct user_rec agent;
    if ((rc = store_user_by_email(db, "t1.deposits@frontdesk.test", &agent, NULL, 0)))
        return failed(log, "t1.deposits", rc, NULL);
    struct auth_actor a = actor(&agent);
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    struct fd_error err = {0};
    rc = complaints_escalate_ticket(
        db, &a, p.id, 2, NULL,
        "The customer's transaction is confirmed on chain but no deposit record exists on our "
        "side; tier 1 cannot look into the wallet ledger. Needs a tier-2 check of the "
        "deposit scanner for this address.",
        t, &err);
    free(t);
    if (rc)
        return failed(log, "escalation", rc, &err);
    if (log)
        fprintf(log, "demo: 1 ticket escalated from tier 1 to tier 2 with a reason\n");
    return 0;
}

/* ---- SLA clocks ---------------------------------------------------------------------------- */

struct due {
    int64_t ids[256];
    int n;
};

static int due_cb(void *ctx, int64_t ticket_id, int64_t due_at)
{
    struct due *d = ctx;
    (void)due_at;
    for (int i = 0; i < d->n; i++)
        if (d->ids[i] == ticket_id)
            return 0;
    if (d->n < (int)(sizeof(d->ids) / sizeof(d->ids[0])))
        d->ids[d->n++] = ticket_id;
    return 0;
}

/* The breach events of the tickets in d. */
static int breaches(struct db *db, const struct due *d, int64_t *total)
{
    *total = 0;
    for (int i = 0; i < d->n; i++) {
        int64_t n = 0;
        int rc = store_event_count_since(db, d->ids[i], "sla_breached", 0, &n);
        if (rc)
            return rc;
        *total += n;
    }
    return 0;
}

/* Warnings and breaches that are due now are stamped (with their escalations) as the
 * scheduler would have done over the past days, and a recomputation is queued for the
 * server's first start. */
static int sla_clocks(struct db *db, FILE *log, int64_t t0)
{
    struct due d;
    int rc = 0;
    /* A breach's escalation may raise the priority, and the clocks of the new policy may
     * be overdue in turn: the scheduler checks again, and so does this, until a pass has
     * nothing new (a breach is stamped once, so a pass repeats nothing). */
    for (int pass = 0; rc == 0 && pass < 4; pass++) {
        int64_t before = 0, after = 0;
        memset(&d, 0, sizeof(d));
        rc = store_ticket_sla_due(db, t0, 256, due_cb, &d);
        if (rc == 0)
            rc = breaches(db, &d, &before);
        for (int i = 0; rc == 0 && i < d.n; i++) {
            if ((rc = db_begin_write(db)))
                break;
            if ((rc = sla_ticket_check(db, d.ids[i], t0)) == 0)
                rc = db_commit(db);
            db_rollback(db);
        }
        if (rc == 0)
            rc = breaches(db, &d, &after);
        if (rc || after == before)
            break;
    }
    if (rc == 0 && (rc = db_begin_write(db)) == 0) {
        if ((rc = sla_recompute_all(db)) == 0)
            rc = db_commit(db);
        db_rollback(db);
    }
    if (rc)
        return failed(log, "SLA clocks", rc, NULL);
    if (log)
        fprintf(log, "demo: SLA checked on %d tickets with a clock due\n", d.n);
    return 0;
}

int demo__ops_after(struct db *db, FILE *log, const struct user_rec *admin,
                    const struct user_rec *supervisor, int64_t t0)
{
    struct auth_actor a = actor(admin);
    fd_clock_set(t0);
    int rc = escalation(db, log);
    if (rc == 0)
        rc = csat(db, log);
    if (rc == 0)
        rc = routing(db, &a, log);
    if (rc == 0)
        rc = complaints(db, log, admin, t0);
    if (rc == 0)
        rc = status_page(db, log, supervisor, t0);
    if (rc == 0)
        rc = sla_clocks(db, log, t0);
    return rc;
}
