/*
 * Demo data loader: the staff of every department and tier, customers, and a desk of
 * tickets played through the domain modules (auth_user_create, tickets_create,
 * tickets_reply, tickets_update), so that every row has its events exactly as if people
 * had typed it. The conversations come from the scenarios in demo_tickets.c; this file
 * owns the accounts, the seeded generator and the loader that plays each script.
 */
#include "demo.h"
#include "demo_int.h"

#include "../auth/auth.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../store/store.h"
#include "../tickets/tickets.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_SEED 0x5eed0f20d35c1a7bULL
#define DEMO_TICKETS 200
#define DEMO_NDEPTS 5
#define DEMO_NTIERS 3

/* ---- generator ------------------------------------------------------------------ */

uint64_t demo__rand(struct demo__rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int demo__pick(struct demo__rng *r, int n)
{
    if (n <= 0)
        return 0;
    return (int)(demo__rand(r) % (uint64_t)n);
}

int demo__chance(struct demo__rng *r, int percent)
{
    return demo__pick(r, 100) < percent;
}

long demo__range(struct demo__rng *r, long lo, long hi)
{
    return lo + (long)(demo__rand(r) % (uint64_t)(hi - lo + 1));
}

const char *demo__one(struct demo__rng *r, const char *const *list, size_t n)
{
    return list[demo__pick(r, (int)n)];
}

static void random_bytes(struct demo__rng *r, unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(demo__rand(r) >> 56);
}

static void hex(struct demo__rng *r, char *out, size_t nbytes)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < nbytes; i++) {
        unsigned v = (unsigned)(demo__rand(r) >> 56);
        out[2 * i] = digits[v >> 4];
        out[2 * i + 1] = digits[v & 15];
    }
    out[2 * nbytes] = '\0';
}

static const char base58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58 of a big-endian number, as Bitcoin and Solana write it. out >= 2 * n bytes. */
static void base58_encode(const unsigned char *in, size_t n, char *out)
{
    unsigned char num[64];
    char tmp[128];
    size_t len = 0;
    memcpy(num, in, n);
    for (;;) {
        int zero = 1;
        unsigned rem = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned cur = rem * 256 + num[i];
            num[i] = (unsigned char)(cur / 58);
            rem = cur % 58;
            zero &= num[i] == 0;
        }
        tmp[len++] = base58[rem];
        if (zero)
            break;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = tmp[len - 1 - i];
    out[len] = '\0';
}

void demo__txid(struct demo__rng *r, const char *network, char *out, size_t n)
{
    char buf[132];
    if (strcmp(network, "solana") == 0) {
        /* A 64-byte signature; a first byte >= 8 keeps it at 87 or 88 characters. */
        unsigned char sig[64];
        random_bytes(r, sig, sizeof(sig));
        sig[0] = (unsigned char)(8 + sig[0] % 248);
        base58_encode(sig, sizeof(sig), buf);
    } else if (strcmp(network, "bitcoin") == 0 || strcmp(network, "tron") == 0 ||
               strcmp(network, "xrp") == 0 || strcmp(network, "litecoin") == 0 ||
               strcmp(network, "stellar") == 0) {
        hex(r, buf, 32);
    } else { /* EVM chains */
        buf[0] = '0';
        buf[1] = 'x';
        hex(r, buf + 2, 32);
    }
    snprintf(out, n, "%s", buf);
}

void demo__address(struct demo__rng *r, const char *network, char *out, size_t n)
{
    static const char bech32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    char buf[80];
    size_t len = 0;
    if (strcmp(network, "bitcoin") == 0) {
        len = (size_t)snprintf(buf, sizeof(buf), "bc1q");
        for (int i = 0; i < 38; i++)
            buf[len++] = bech32[demo__pick(r, 32)];
    } else if (strcmp(network, "tron") == 0) {
        buf[len++] = 'T';
        for (int i = 0; i < 33; i++)
            buf[len++] = base58[demo__pick(r, 58)];
    } else if (strcmp(network, "xrp") == 0) {
        buf[len++] = 'r';
        for (int i = 0; i < 33; i++)
            buf[len++] = base58[demo__pick(r, 58)];
    } else if (strcmp(network, "stellar") == 0) {
        buf[len++] = 'G';
        for (int i = 0; i < 55; i++)
            buf[len++] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[demo__pick(r, 32)];
    } else if (strcmp(network, "solana") == 0) {
        for (int i = 0; i < 44; i++)
            buf[len++] = base58[demo__pick(r, 58)];
    } else {
        buf[len++] = '0';
        buf[len++] = 'x';
        hex(r, buf + len, 20);
        len += 40;
    }
    buf[len] = '\0';
    snprintf(out, n, "%s", buf);
}

void demo__amount(struct demo__rng *r, char *out, size_t n, long lo, long hi, int scale)
{
    long v = demo__range(r, lo, hi);
    long div = 1;
    for (int i = 0; i < scale; i++)
        div *= 10;
    if (scale == 0) {
        snprintf(out, n, "%ld", v);
        return;
    }
    int w = snprintf(out, n, "%ld.%0*ld", v / div, scale, v % div);
    if (w <= 0 || (size_t)w >= n)
        return;
    while (w > 0 && out[w - 1] == '0')
        out[--w] = '\0';
    if (w > 0 && out[w - 1] == '.')
        out[--w] = '\0';
}

void demo__digits(struct demo__rng *r, char *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + (i == 0 ? 1 + demo__pick(r, 9) : demo__pick(r, 10)));
    out[n] = '\0';
}

/* ---- script builders ------------------------------------------------------------ */

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    char *s = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(s, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    return s;
}

static struct demo__step *add_step(struct demo__plan *p, enum demo__step_kind kind)
{
    /* Scripts are written by hand in demo_tickets.c: overflowing one is a bug there. */
    if (p->nsteps >= DEMO__STEPS_MAX)
        abort();
    struct demo__step *s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    return s;
}

void demo__subject(struct demo__plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->subject, sizeof(p->subject), fmt, ap);
    va_end(ap);
}

void demo__open(struct demo__plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(p->body);
    p->body = vformat(fmt, ap);
    va_end(ap);
}

void demo__customer(struct demo__plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_step(p, DEMO__CUSTOMER)->text = vformat(fmt, ap);
    va_end(ap);
}

void demo__agent(struct demo__plan *p, const char *status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct demo__step *s = add_step(p, DEMO__AGENT);
    s->text = vformat(fmt, ap);
    s->status = status;
    va_end(ap);
}

void demo__note(struct demo__plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_step(p, DEMO__NOTE)->text = vformat(fmt, ap);
    va_end(ap);
}

void demo__escalate(struct demo__plan *p, int tier, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct demo__step *s = add_step(p, DEMO__ESCALATE);
    s->text = vformat(fmt, ap);
    s->tier = tier;
    va_end(ap);
}

void demo__transfer(struct demo__plan *p, const char *dept, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct demo__step *s = add_step(p, DEMO__TRANSFER);
    s->text = vformat(fmt, ap);
    s->dept = dept;
    va_end(ap);
}

void demo__status(struct demo__plan *p, const char *status)
{
    add_step(p, DEMO__STATUS)->status = status;
}

void demo__followup(struct demo__plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(p->followup);
    p->followup = vformat(fmt, ap);
    va_end(ap);
}

void demo__tag(struct demo__plan *p, const char *tag)
{
    for (int i = 0; i < p->ntags; i++)
        if (strcmp(p->tags[i], tag) == 0)
            return;
    if (p->ntags < DEMO__TAGS_MAX)
        p->tags[p->ntags++] = tag;
}

void demo__plan_release(struct demo__plan *p)
{
    free(p->body);
    free(p->followup);
    for (int i = 0; i < p->nsteps; i++)
        free(p->steps[i].text);
    memset(p, 0, sizeof(*p));
}

/* ---- accounts ------------------------------------------------------------------- */

static const char *const dept_slugs[DEMO_NDEPTS] = {"account", "deposits", "trading", "technical",
                                                    "kyc"};

/* Agents by department (in dept_slugs order), tiers 1 to 3. */
static const char *const agent_names[DEMO_NDEPTS][DEMO_NTIERS] = {
    {"Priya Raman", "Tomás Herrera", "Grace Whitfield"},
    {"Kenji Watanabe", "Lucia Ferraro", "Daniel Mensah"},
    {"Sofia Petrova", "Marcus Bell", "Hannah Adeyemi"},
    {"Omar Haddad", "Chloe Martin", "Viktor Novak"},
    {"Aisha Rahman", "Jonas Becker", "Mei Lin Tan"},
};

static const struct {
    const char *email, *name;
} customer_list[] = {
    {"alice@example.com", "Alice Nakamura"},
    {"ben.cole@example.org", "Benjamin Cole"},
    {"carlos.mendoza@example.net", "Carlos Mendoza"},
    {"deepa.k@example.com", "Deepa Krishnan"},
    {"emeka.obi@example.org", "Emeka Obi"},
    {"fatima.elamrani@example.net", "Fatima El Amrani"},
    {"gustav@example.com", "Gustav Lindgren"},
    {"hana.kobayashi@example.org", "Hana Kobayashi"},
    {"ibrahim.yusuf@example.net", "Ibrahim Yusuf"},
    {"julia.schneider@example.com", "Julia Schneider"},
    {"kwame.asante@example.org", "Kwame Asante"},
    {"laura.bianchi@example.net", "Laura Bianchi"},
    {"mateo.rossi@example.com", "Mateo Rossi"},
    {"nadia.p@example.org", "Nadia Petrenko"},
    {"oliver.grant@example.net", "Oliver Grant"},
    {"paulina.nowak@example.com", "Paulina Nowak"},
    {"quentin.dubois@example.org", "Quentin Dubois"},
    {"rania.aziz@example.net", "Rania Aziz"},
    {"seb.wolff@example.com", "Sebastian Wolff"},
    {"tanvir.ahmed@example.org", "Tanvir Ahmed"},
    {"ulla.virtanen@example.net", "Ulla Virtanen"},
    {"victor.almeida@example.com", "Victor Almeida"},
    {"wei.zhang@example.org", "Wei Zhang"},
    {"ximena.torres@example.net", "Ximena Torres"},
    {"yasmin.farouk@example.com", "Yasmin Farouk"},
    {"zoltan.kiss@example.org", "Zoltán Kiss"},
    {"amelia.brooks@example.net", "Amelia Brooks"},
    {"bilal.q@example.com", "Bilal Qureshi"},
    {"camille.laurent@example.org", "Camille Laurent"},
    {"dmitri.volkov@example.net", "Dmitri Volkov"},
    {"elena.garcia@example.com", "Elena García"},
    {"finn.osullivan@example.org", "Finn O'Sullivan"},
    {"gabriela.souza@example.net", "Gabriela Souza"},
    {"hiroshi.tanaka@example.com", "Hiroshi Tanaka"},
    {"isabel.fernandez@example.org", "Isabel Fernández"},
    {"jakub.dvorak@example.net", "Jakub Dvořák"},
    {"kateryna.bondar@example.com", "Kateryna Bondar"},
    {"luca.moretti@example.org", "Luca Moretti"},
    {"maya.goldberg@example.net", "Maya Goldberg"},
    {"nikhil.sharma@example.com", "Nikhil Sharma"},
};
#define DEMO_NCUSTOMERS ((int)(sizeof(customer_list) / sizeof(customer_list[0])))

static int dept_index(const char *slug)
{
    for (int i = 0; i < DEMO_NDEPTS; i++)
        if (strcmp(dept_slugs[i], slug) == 0)
            return i;
    return -1;
}

const char *demo__agent_first(const char *dept, int tier)
{
    static char first[DEMO_NDEPTS][DEMO_NTIERS][40];
    int d = dept_index(dept);
    if (d < 0 || tier < 1 || tier > DEMO_NTIERS)
        return "the team";
    char *f = first[d][tier - 1];
    if (!f[0]) {
        const char *name = agent_names[d][tier - 1];
        size_t n = strcspn(name, " ");
        snprintf(f, sizeof(first[0][0]), "%.*s", (int)n, name);
    }
    return f;
}

struct loader {
    struct db *db;
    FILE *log;
    struct demo__rng rng;
    struct user_rec admin, supervisor;
    struct user_rec agents[DEMO_NDEPTS][DEMO_NTIERS];
    struct user_rec customers[DEMO_NCUSTOMERS];
    struct demo__persona personas[DEMO_NCUSTOMERS];
    int64_t tickets, messages, notes, users;
    int64_t by_status[FD_NSTATUS];
    int64_t t0;             /* the real time of the load; tickets are played before it */
    struct demo__rng clock; /* ages of the tickets (apart, so the content stays the same) */
};

static void fail_log(struct loader *L, const char *what, int rc, const struct fd_error *err)
{
    if (!L->log)
        return;
    fprintf(L->log, "demo: %s failed: %s%s%s\n", what, fd_strerror(rc), err->message[0] ? ": " : "",
            err->message);
}

static int make_user(struct loader *L, const char *email, const char *name, enum fd_role role,
                     const char *dept, int tier, struct user_rec *out)
{
    struct fd_error err;
    memset(&err, 0, sizeof(err));
    int rc = auth_user_create(L->db, email, name, role, dept, tier, DEMO_PASSWORD, out, &err);
    /* Tier-2 and tier-3 agents keep the help center up to date. */
    if (rc == 0 && role == ROLE_AGENT && tier >= 2 &&
        (rc = auth_user_set_kb_editor(L->db, email, 1, &err)) == 0)
        out->kb_editor = 1;
    if (rc)
        fail_log(L, email, rc, &err);
    else
        L->users++;
    return rc;
}

static int load_users(struct loader *L)
{
    int rc;
    if ((rc = make_user(L, "admin@frontdesk.test", "Ada Admin", ROLE_ADMIN, NULL, 0, &L->admin)) ||
        (rc = make_user(L, "supervisor@frontdesk.test", "Marta Lindqvist", ROLE_SUPERVISOR, NULL, 0,
                        &L->supervisor)))
        return rc;
    for (int d = 0; d < DEMO_NDEPTS; d++) {
        for (int t = 0; t < DEMO_NTIERS; t++) {
            char email[64];
            snprintf(email, sizeof(email), "t%d.%s@frontdesk.test", t + 1, dept_slugs[d]);
            if ((rc = make_user(L, email, agent_names[d][t], ROLE_AGENT, dept_slugs[d], t + 1,
                                &L->agents[d][t])))
                return rc;
        }
    }
    for (int i = 0; i < DEMO_NCUSTOMERS; i++) {
        struct demo__persona *c = &L->personas[i];
        c->email = customer_list[i].email;
        c->name = customer_list[i].name;
        size_t n = strcspn(c->name, " ");
        snprintf(c->first, sizeof(c->first), "%.*s", (int)n, c->name);
        demo__digits(&L->rng, c->uid, 8 + demo__pick(&L->rng, 3));
        if ((rc = make_user(L, c->email, c->name, ROLE_CUSTOMER, NULL, 0, &L->customers[i])))
            return rc;
    }
    if (L->log)
        fprintf(L->log, "demo: %lld users\n", (long long)L->users);
    return 0;
}

/* ---- playing a script ----------------------------------------------------------- */

static struct auth_actor actor_of(const struct user_rec *u)
{
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    a.user = *u;
    a.scopes = SCOPE_ALL;
    return a;
}

/* The status after each prefix of the script: st[0] after creation, st[k] after k steps. */
static void simulate(const struct demo__plan *p, const char *st[DEMO__STEPS_MAX + 1])
{
    const char *cur = "new";
    st[0] = cur;
    for (int i = 0; i < p->nsteps; i++) {
        const struct demo__step *s = &p->steps[i];
        if (s->kind == DEMO__AGENT && strcmp(cur, "new") == 0)
            cur = "open";
        if (s->kind == DEMO__CUSTOMER &&
            (strcmp(cur, "pending") == 0 || strcmp(cur, "solved") == 0))
            cur = "open";
        if (s->status)
            cur = s->status;
        st[i + 1] = cur;
    }
}

/* How long ago a ticket that ends in status was opened: new ones are recent, closed ones
 * days old, so that the SLA clocks show a desk in mid-flow. */
static int64_t ticket_age_ms(struct loader *L, const char *status)
{
    static const struct {
        const char *status;
        long lo, hi; /* minutes */
    } ages[] = {
        {"new", 10, 180},      {"open", 30, 480},     {"pending", 120, 4320},
        {"on_hold", 60, 1440}, {"solved", 360, 7200}, {"closed", 1440, 20160},
    };
    for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++)
        if (strcmp(ages[i].status, status) == 0)
            return (int64_t)demo__range(&L->clock, ages[i].lo, ages[i].hi) * 60000;
    return 3600000;
}

/* Where to stop the script: a weighted mix of final statuses, as on a real desk. */
static int choose_cut(struct loader *L, const struct demo__plan *p)
{
    static const int weights[FD_NSTATUS] = {9, 18, 18, 28, 16, 29};
    const char *st[DEMO__STEPS_MAX + 1];
    simulate(p, st);
    int total = 0;
    for (int i = 0; i < FD_NSTATUS; i++)
        total += weights[i];
    /* Draw again when the script never passes through the drawn status (not every case
     * goes on hold), so that the mix follows the weights over the statuses it has. */
    for (int attempt = 0; attempt < 8; attempt++) {
        int x = demo__pick(&L->rng, total), target = 0;
        while (x >= weights[target])
            x -= weights[target++];
        int cands[DEMO__STEPS_MAX + 1], n = 0;
        for (int k = 0; k <= p->nsteps; k++)
            if (strcmp(st[k], fd_ticket_statuses[target]) == 0)
                cands[n++] = k;
        if (n)
            return cands[demo__pick(&L->rng, n)];
    }
    return p->nsteps;
}

struct play {
    struct loader *L;
    struct demo__plan *p;
    int cust;
    int64_t id;
    int dept, tier;
    int assigned;
    struct ticket_rec t;
    struct fd_error err;
};

static const struct user_rec *current_agent(struct play *g)
{
    return &g->L->agents[g->dept][g->tier - 1];
}

static int update(struct play *g, const struct user_rec *who, const struct ticket_patch *patch)
{
    struct auth_actor a = actor_of(who);
    int rc = tickets_update(g->L->db, &a, g->id, patch, &g->t, &g->err);
    if (rc)
        fail_log(g->L, "ticket update", rc, &g->err);
    return rc;
}

static int reply(struct play *g, const struct user_rec *who, const char *body, int internal)
{
    struct auth_actor a = actor_of(who);
    int rc = tickets_reply(g->L->db, &a, g->id, body, internal, NULL, 0, &g->t, NULL, &g->err);
    if (rc) {
        fail_log(g->L, "ticket reply", rc, &g->err);
        return rc;
    }
    g->L->messages++;
    g->L->notes += internal;
    return 0;
}

static int set_status(struct play *g, const char *status)
{
    if (!status || strcmp(g->t.status, status) == 0)
        return 0;
    struct ticket_patch patch;
    memset(&patch, 0, sizeof(patch));
    /* A customer's "thanks" after a solution reopens the ticket; it is solved again
     * before it is closed. */
    if (!tickets_transition_ok(g->t.status, status) && strcmp(status, "closed") == 0) {
        patch.status = "solved";
        int rc = update(g, current_agent(g), &patch);
        if (rc)
            return rc;
    }
    patch.status = status;
    return update(g, current_agent(g), &patch);
}

/* The agent of the ticket's department and tier takes it (and sets its priority). */
static int take(struct play *g)
{
    if (g->assigned)
        return 0;
    struct ticket_patch patch;
    memset(&patch, 0, sizeof(patch));
    patch.has_assignee = 1;
    patch.assignee_id = current_agent(g)->id;
    patch.priority = g->p->triage;
    g->assigned = 1;
    return update(g, current_agent(g), &patch);
}

static int escalate(struct play *g, int tier)
{
    struct ticket_patch patch;
    memset(&patch, 0, sizeof(patch));
    const struct user_rec *from = current_agent(g);
    g->tier = tier;
    patch.has_tier = 1;
    patch.tier = tier;
    patch.has_assignee = 1;
    patch.assignee_id = current_agent(g)->id;
    /* The patch must not point into g->t, which the update overwrites. */
    char tags[FD_TAGS_MAX][FD_TAG_MAX + 1];
    patch.has_tags = 1;
    for (int i = 0; i < g->t.ntags && patch.ntags < FD_TAGS_MAX - 1; i++) {
        snprintf(tags[i], sizeof(tags[i]), "%s", g->t.tags[i]);
        patch.tags[patch.ntags++] = tags[i];
    }
    patch.tags[patch.ntags++] = "escalated";
    return update(g, from, &patch);
}

static int transfer(struct play *g, const char *dept)
{
    struct ticket_patch patch;
    memset(&patch, 0, sizeof(patch));
    const struct user_rec *from = current_agent(g);
    int d = dept_index(dept);
    if (d < 0)
        return FD_EINVAL;
    g->dept = d;
    g->tier = 1;
    patch.department = dept;
    patch.has_tier = 1;
    patch.tier = 1;
    patch.has_assignee = 1;
    patch.assignee_id = current_agent(g)->id;
    return update(g, from, &patch);
}

static int create(struct play *g)
{
    struct loader *L = g->L;
    struct demo__plan *p = g->p;
    const struct demo__persona *c = &L->personas[g->cust];
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = p->subject;
    in.department = p->dept;
    in.priority = p->priority;
    in.exchange_uid = p->uid[0] ? p->uid : NULL;
    in.txid = p->txid[0] ? p->txid : NULL;
    in.asset = p->asset[0] ? p->asset : NULL;
    in.network = p->network[0] ? p->network : NULL;
    in.amount = p->amount[0] ? p->amount : NULL;
    in.order_id = p->order_id[0] ? p->order_id : NULL;
    for (int i = 0; i < p->ntags; i++)
        in.tags[in.ntags++] = p->tags[i];

    /* Most customers write in on the web; some reach an agent by live chat or on social
     * media first, and the agent opens the ticket for them with what they said. */
    char *body = NULL;
    struct auth_actor a;
    int via = p->no_staff_channel ? 0 : demo__pick(&L->rng, 100);
    if (via < 18) {
        const struct user_rec *agent = current_agent(g);
        a = actor_of(agent);
        in.channel = via < 13 ? "chat" : "social";
        in.requester_email = c->email;
        in.requester_name = c->name;
        if (via < 13)
            body = xasprintf("Opened from live chat; the customer's messages, as written:\n\n%s\n\n"
                             "Chat closed before we could finish, continuing here. — %s",
                             p->body, demo__agent_first(p->dept, g->tier));
        else
            body = xasprintf("The customer posted about this publicly and we moved it to a "
                             "private conversation. What they sent us by direct message:\n\n%s",
                             p->body);
        in.body = body;
    } else {
        a = actor_of(&L->customers[g->cust]);
        in.body = p->body;
    }
    int rc = tickets_create(L->db, &a, &in, &g->t, NULL, &g->err);
    free(body);
    if (rc) {
        fail_log(L, "ticket create", rc, &g->err);
        return rc;
    }
    g->id = g->t.id;
    L->tickets++;
    L->messages++;
    return 0;
}

static int play(struct loader *L, struct demo__plan *p, int cust)
{
    struct play *g = xcalloc(1, sizeof(*g));
    g->L = L;
    g->p = p;
    g->cust = cust;
    g->dept = dept_index(p->dept);
    g->tier = 1;
    int cut = choose_cut(L, p);
    const char *st[DEMO__STEPS_MAX + 1];
    simulate(p, st);
    /* The conversation is spread over the first three quarters of the ticket's age. */
    int64_t age = ticket_age_ms(L, st[cut]), start = L->t0 - age;
    int64_t gap = cut ? age * 3 / 4 / cut : 0;
    fd_clock_set(start);
    int rc = g->dept < 0 ? FD_EINVAL : create(g);
    if (rc == 0 && cut == 0 && demo__chance(&L->rng, 30))
        rc = take(g); /* triaged but not yet answered */
    for (int i = 0; rc == 0 && i < cut; i++) {
        const struct demo__step *s = &p->steps[i];
        fd_clock_set(start + (i + 1) * gap);
        if (s->kind != DEMO__CUSTOMER && (rc = take(g)))
            break;
        switch (s->kind) {
        case DEMO__CUSTOMER: rc = reply(g, &L->customers[cust], s->text, 0); break;
        case DEMO__AGENT:
            rc = reply(g, current_agent(g), s->text, 0);
            if (rc == 0)
                rc = set_status(g, s->status);
            break;
        case DEMO__NOTE: rc = reply(g, current_agent(g), s->text, 1); break;
        case DEMO__STATUS: rc = set_status(g, s->status); break;
        case DEMO__ESCALATE:
            rc = reply(g, current_agent(g), s->text, 1);
            if (rc == 0)
                rc = escalate(g, s->tier);
            break;
        case DEMO__TRANSFER:
            rc = reply(g, current_agent(g), s->text, 1);
            if (rc == 0)
                rc = transfer(g, s->dept);
            break;
        }
    }
    if (rc == 0) {
        int si = fd_status_index(g->t.status);
        if (si >= 0)
            L->by_status[si]++;
    }
    /* Now and then the customer writes again after closing: that opens a follow-up. */
    if (rc == 0 && p->followup && strcmp(g->t.status, "closed") == 0 && demo__chance(&L->rng, 35)) {
        fd_clock_set(L->t0 - age / 8);
        rc = reply(g, &L->customers[cust], p->followup, 0);
        if (rc == 0) {
            L->tickets++;
            L->by_status[fd_status_index("new")]++;
        }
    }
    free(g);
    return rc;
}

/* Chooses a scenario by weight, among those of dept when dept is not NULL. */
static const struct demo__scenario *choose_scenario(struct loader *L, const char *dept)
{
    int total = 0;
    for (int i = 0; i < demo__nscenarios; i++)
        if (!dept || strcmp(demo__scenarios[i].dept, dept) == 0)
            total += demo__scenarios[i].weight;
    if (total <= 0)
        return &demo__scenarios[0];
    int x = demo__pick(&L->rng, total);
    for (int i = 0; i < demo__nscenarios; i++) {
        const struct demo__scenario *s = &demo__scenarios[i];
        if (dept && strcmp(s->dept, dept) != 0)
            continue;
        if (x < s->weight)
            return s;
        x -= s->weight;
    }
    return &demo__scenarios[0];
}

static int load_tickets(struct loader *L)
{
    /* alice@example.com, the account the README points to, gets one ticket in each
     * department first; then customers and scenarios are drawn at random. */
    int64_t start = L->tickets;
    for (int i = 0; i < DEMO_TICKETS; i++) {
        int cust;
        const struct demo__scenario *sc;
        if (i < DEMO_NDEPTS) {
            cust = 0;
            sc = choose_scenario(L, dept_slugs[i]);
        } else {
            cust = demo__chance(&L->rng, 3) ? 0 : 1 + demo__pick(&L->rng, DEMO_NCUSTOMERS - 1);
            sc = choose_scenario(L, NULL);
        }
        struct demo__plan p;
        memset(&p, 0, sizeof(p));
        p.dept = sc->dept;
        p.priority = "normal";
        sc->fn(&p, &L->rng, &L->personas[cust]);
        if (!p.uid[0])
            snprintf(p.uid, sizeof(p.uid), "%s", L->personas[cust].uid);
        int rc = play(L, &p, cust);
        demo__plan_release(&p);
        if (rc)
            return rc;
        if (L->log && (i + 1) % 50 == 0 && i + 1 < DEMO_TICKETS)
            fprintf(L->log, "demo: %lld tickets...\n", (long long)(L->tickets - start));
    }
    if (L->log)
        fprintf(L->log,
                "demo: %lld tickets (new %lld, open %lld, pending %lld, on hold %lld, solved "
                "%lld, closed %lld), %lld messages of which %lld internal notes\n",
                (long long)(L->tickets - start), (long long)L->by_status[0],
                (long long)L->by_status[1], (long long)L->by_status[2], (long long)L->by_status[3],
                (long long)L->by_status[4], (long long)L->by_status[5], (long long)L->messages,
                (long long)L->notes);
    return 0;
}

/* ---- interface ------------------------------------------------------------------ */

int demo_present(struct db *db, int *present)
{
    struct user_rec u;
    int rc = store_user_by_email(db, "admin@frontdesk.test", &u, NULL, 0);
    if (rc == 0) {
        *present = 1;
        return 0;
    }
    if (rc != FD_ENOTFOUND)
        return rc;
    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    int64_t counts[FD_NSTATUS];
    if ((rc = store_ticket_counts(db, &f, counts)))
        return rc;
    int64_t total = 0;
    for (int i = 0; i < FD_NSTATUS; i++)
        total += counts[i];
    *present = total > 0;
    return 0;
}

int demo_load(struct db *db, FILE *log)
{
    struct loader *L = xcalloc(1, sizeof(*L));
    L->db = db;
    L->log = log;
    L->rng.s = DEMO_SEED;
    L->clock.s = DEMO_SEED ^ 0xc10c;
    L->t0 = fd_now_ms();
    int rc = load_users(L);
    if (rc == 0)
        rc = demo__ops_before(db, log, &L->admin);
    if (rc == 0)
        rc = load_tickets(L);
    if (rc == 0)
        rc = demo__ops_after(db, log, &L->admin, &L->supervisor, L->t0);
    /* Back to the real clock (or FRONTDESK_CLOCK_FILE). */
    fd_clock_set(0);
    free(L);
    return rc;
}

void demo_print_accounts(FILE *out)
{
    static const struct {
        const char *email, *role, *dept, *tier;
    } rows[] = {
        {"admin@frontdesk.test", "admin", "-", "-"},
        {"supervisor@frontdesk.test", "supervisor", "-", "-"},
        {"t1.account@frontdesk.test", "agent", "account", "1"},
        {"t1.deposits@frontdesk.test", "agent", "deposits", "1"},
        {"t2.deposits@frontdesk.test", "agent", "deposits", "2"},
        {"t3.deposits@frontdesk.test", "agent", "deposits", "3"},
        {"t1.trading@frontdesk.test", "agent", "trading", "1"},
        {"t1.technical@frontdesk.test", "agent", "technical", "1"},
        {"t1.kyc@frontdesk.test", "agent", "kyc", "1"},
        {DEMO__COMPLIANCE_EMAIL, "agent", "account", "3 (compliance: handles complaints)"},
        {"alice@example.com", "customer", "-", "-"},
    };
    fprintf(out, "Demo accounts (password for all: %s)\n", DEMO_PASSWORD);
    fprintf(out, "  %-30s %-11s %-11s %s\n", "email", "role", "department", "tier");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        fprintf(out, "  %-30s %-11s %-11s %s\n", rows[i].email, rows[i].role, rows[i].dept,
                rows[i].tier);
    fprintf(out,
            "  Each department (account, deposits, trading, technical, kyc) has\n"
            "  t1., t2. and t3.<department>@frontdesk.test; %d more customers are at\n"
            "  example.com, example.org and example.net.\n",
            DEMO_NCUSTOMERS - 1);
}
