/* Status page domain: computed component states, maintenance windows against the clock,
 * permissions, validation (nothing stored on error), events, time parsing. */
#include "core/timeutil.h"
#include "helpers.h"
#include "status/status.h"

#define T0 1799049600000LL /* 2027-01-04T08:00:00Z */
#define HOUR 3600000LL

static struct fixture fx;

static void setup(void)
{
    fixture_open(&fx);
    fd_clock_set(T0);
}

static void teardown(void)
{
    fd_clock_set(0);
    fixture_close(&fx);
}

TestSuite(status, .init = setup, .fini = teardown);

static const char *state_of(const char *slug)
{
    static char out[32];
    struct status_snapshot *s = calloc(1, sizeof(*s));
    cr_assert_eq(status_snapshot_load(fx.db, fd_now_ms(), STATUS_HISTORY_MS, s), 0);
    out[0] = '\0';
    for (int i = 0; i < s->ncomponents; i++)
        if (strcmp(s->comps[i].rec.slug, slug) == 0)
            snprintf(out, sizeof(out), "%s", s->comps[i].state);
    status_snapshot_release(s);
    free(s);
    return out;
}

static int64_t count_rows(const char *sql)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, sql, &st), 0);
    cr_assert_eq(db_step(st), 1);
    int64_t n = db_col_int64(st, 0);
    db_finalize(st);
    return n;
}

Test(status, parse_time)
{
    int64_t ms = 0;
    cr_assert_eq(status_parse_time("2027-01-04T08:00:00Z", &ms), 0);
    cr_assert_eq(ms, T0);
    cr_assert_eq(status_parse_time("2027-01-04T08:00:00.250Z", &ms), 0);
    cr_assert_eq(ms, T0 + 250);
    cr_assert_eq(status_parse_time("2027-01-04T08:00:00", &ms), FD_EINVAL);
    cr_assert_eq(status_parse_time("2027-01-04T08:00:00+02:00", &ms), FD_EINVAL);
    cr_assert_eq(status_parse_time("tomorrow", &ms), FD_EINVAL);
    cr_assert_eq(status_parse_time("2027-01-04T08:00:00.Z", &ms), FD_EINVAL);
}

Test(status, state_ranks)
{
    cr_assert_eq(status_state_rank("operational"), 0);
    cr_assert_gt(status_state_rank("major_outage"), status_state_rank("partial_outage"));
    cr_assert_gt(status_state_rank("degraded"), status_state_rank("maintenance"));
    cr_assert_eq(status_state_rank("broken"), -1);
    cr_assert_eq(status_state_rank(NULL), -1);
}

Test(status, only_supervisors_publish)
{
    struct auth_actor agent = fixture_actor(&fx, "a@ex.test", ROLE_AGENT, "deposits", 1);
    struct auth_actor cust = fixture_actor(&fx, "c@example.com", ROLE_CUSTOMER, NULL, 0);
    struct status_incident_input in = {.title = "t", .body = "b"};
    struct fd_error e = {0};
    int64_t id = 0;
    cr_assert_eq(status_incident_create(fx.db, &agent, NULL, &in, &id, &e), FD_EFORBIDDEN);
    cr_assert_eq(status_incident_create(fx.db, &cust, NULL, &in, &id, &e), FD_EFORBIDDEN);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM status_incidents"), 0);
}

Test(status, worst_state_wins_and_resolving_clears_it)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct status_incident_input a = {
        .title = "BTC slow", .body = "Investigating", .ncomponents = 1};
    a.components[0] = (struct status_component_input){"chain-btc", "degraded"};
    struct status_incident_input b = {.title = "BTC down", .body = "Down", .ncomponents = 2};
    b.components[0] = (struct status_component_input){"chain-btc", "major_outage"};
    b.components[1] = (struct status_component_input){"spot", "partial_outage"};
    struct fd_error e = {0};
    int64_t ida = 0, idb = 0;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &a, &ida, &e), 0, "%s", e.message);
    cr_assert_str_eq(state_of("chain-btc"), "degraded");
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &b, &idb, &e), 0, "%s", e.message);
    cr_assert_str_eq(state_of("chain-btc"), "major_outage");
    cr_assert_str_eq(state_of("spot"), "partial_outage");
    cr_assert_str_eq(state_of("chain-eth"), "operational");

    struct status_update_input u = {.status = "resolved", .body = "Fixed"};
    cr_assert_eq(status_incident_update(fx.db, &sup, NULL, idb, &u, &e), 0, "%s", e.message);
    cr_assert_str_eq(state_of("chain-btc"), "degraded", "the other incident still counts");
    cr_assert_str_eq(state_of("spot"), "operational");
    cr_assert_eq(status_incident_update(fx.db, &sup, NULL, idb, &u, &e), FD_ECONFLICT);
    cr_assert_str_eq(e.field, "status");
    /* Two creations and one update: three events, all with ticket_id NULL. */
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM events WHERE type LIKE 'status.%' "
                            "AND ticket_id IS NULL"),
                 3);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM status_updates"), 3);
}

Test(status, invalid_update_changes_nothing)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct status_incident_input a = {.title = "API errors", .body = "Looking", .ncomponents = 1};
    a.components[0] = (struct status_component_input){"api", "degraded"};
    struct fd_error e = {0};
    int64_t id = 0;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &a, &id, &e), 0);
    struct status_update_input u = {.status = "identified", .body = "x", .ncomponents = 2};
    u.components[0] = (struct status_component_input){"api", "major_outage"};
    u.components[1] = (struct status_component_input){"nope", "degraded"};
    cr_assert_eq(status_incident_update(fx.db, &sup, NULL, id, &u, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "components");
    cr_assert_str_eq(state_of("api"), "degraded");
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM status_updates"), 1);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM events WHERE type LIKE 'status.%'"), 1);
}

Test(status, maintenance_window_follows_the_clock)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct status_incident_input m = {.kind = "maintenance",
                                      .title = "SOL node upgrade",
                                      .body = "Paused",
                                      .starts_at = T0 + HOUR,
                                      .ends_at = T0 + 2 * HOUR,
                                      .ncomponents = 1};
    m.components[0] = (struct status_component_input){"chain-sol", NULL};
    struct fd_error e = {0};
    int64_t id = 0;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &m, &id, &e), 0, "%s", e.message);
    cr_assert_str_eq(state_of("chain-sol"), "operational");
    fd_clock_set(T0 + HOUR);
    cr_assert_str_eq(state_of("chain-sol"), "maintenance");
    fd_clock_set(T0 + 2 * HOUR - 1);
    cr_assert_str_eq(state_of("chain-sol"), "maintenance");
    fd_clock_set(T0 + 2 * HOUR);
    cr_assert_str_eq(state_of("chain-sol"), "operational");

    struct status_incident inc;
    cr_assert_eq(status_incident_load(fx.db, id, fd_now_ms(), &inc), 0);
    cr_assert_str_eq(inc.phase, "completed");
    cr_assert_eq(inc.live, 0);
    status_incident_release(&inc);
}

Test(status, maintenance_rejects_bad_windows)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct status_incident_input m = {.kind = "maintenance",
                                      .title = "x",
                                      .body = "y",
                                      .starts_at = T0 + 2 * HOUR,
                                      .ends_at = T0 + HOUR,
                                      .ncomponents = 1};
    m.components[0] = (struct status_component_input){"kyc", NULL};
    struct fd_error e = {0};
    int64_t id = 0;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &m, &id, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "ends_at");
    m.starts_at = T0 - 2 * HOUR;
    m.ends_at = T0 - HOUR;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &m, &id, &e), FD_EINVAL);
    m.ends_at = T0 + HOUR;
    m.components[0].state = "major_outage";
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &m, &id, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "components");
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM status_incidents"), 0);
}

#include "tickets/tickets.h"

static int has_tag(const struct ticket_rec *t, const char *tag)
{
    for (int i = 0; i < t->ntags; i++)
        if (strcmp(t->tags[i], tag) == 0)
            return 1;
    return 0;
}

static struct ticket_rec *open_ticket(struct auth_actor *cust, const char *subject,
                                      const char *body, const char *network)
{
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.department = "deposits";
    in.subject = subject;
    in.body = body;
    in.network = network;
    struct ticket_rec *t = calloc(1, sizeof(*t));
    struct fd_error e = {0};
    cr_assert_eq(tickets_create(fx.db, cust, &in, t, NULL, &e), 0, "%s", e.message);
    return t;
}

Test(status, autolink_by_network_and_whole_keyword_while_live)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct auth_actor cust = fixture_actor(&fx, "c@example.com", ROLE_CUSTOMER, NULL, 0);
    struct status_incident_input a = {.title = "SOL slow",
                                      .body = "Looking",
                                      .keywords = "delayed withdrawal, frozen",
                                      .ncomponents = 1};
    a.components[0] = (struct status_component_input){"chain-sol", "degraded"};
    struct fd_error e = {0};
    int64_t id = 0;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &a, &id, &e), 0, "%s", e.message);
    char tag[32];
    snprintf(tag, sizeof(tag), "incident-%lld", (long long)id);

    struct ticket_rec *t1 = open_ticket(&cust, "Deposit", "where is it", "solana");
    cr_assert(has_tag(t1, tag), "network solana matches chain-sol");
    struct ticket_rec *t2 = open_ticket(&cust, "Help", "My DELAYED WITHDRAWAL of USDC", NULL);
    cr_assert(has_tag(t2, tag), "a keyword phrase, any case");
    struct ticket_rec *t3 = open_ticket(&cust, "Solved?", "my account is unfrozen", "ethereum");
    cr_assert(!has_tag(t3, tag), "no whole-word keyword, other network");
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM status_incident_tickets"), 2);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM events WHERE type = 'incident_linked'"), 2);

    struct status_update_input u = {.status = "resolved", .body = "Fixed"};
    cr_assert_eq(status_incident_update(fx.db, &sup, NULL, id, &u, &e), 0);
    struct ticket_rec *t4 = open_ticket(&cust, "Deposit", "frozen", "solana");
    cr_assert(!has_tag(t4, tag), "a resolved incident links nothing");
    free(t1);
    free(t2);
    free(t3);
    free(t4);
}

Test(status, chat_autolink_by_keyword)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct auth_actor cust = fixture_actor(&fx, "c@example.com", ROLE_CUSTOMER, NULL, 0);
    struct status_incident_input a = {
        .title = "ETH slow", .body = "Looking", .keywords = "gas, stuck", .ncomponents = 1};
    a.components[0] = (struct status_component_input){"chain-eth", "degraded"};
    struct fd_error e = {0};
    int64_t id = 0;
    cr_assert_eq(status_incident_create(fx.db, &sup, NULL, &a, &id, &e), 0, "%s", e.message);
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db,
                            "INSERT INTO chats (department_id, customer_id, status, created_at, "
                            "queued_at) VALUES (1, ?, 'queued', 1, 1) RETURNING id",
                            &st),
                 0);
    db_bind_int64(st, 1, cust.user.id);
    cr_assert_eq(db_step(st), 1);
    int64_t chat = db_col_int64(st, 0);
    db_finalize(st);
    int linked = -1;
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(status_chat_autolink(fx.db, chat, "hello, my gasoline", fd_now_ms(), &linked), 0);
    cr_assert_eq(linked, 0, "gasoline is not the word gas");
    cr_assert_eq(status_chat_autolink(fx.db, chat, "My ETH is STUCK", fd_now_ms(), &linked), 0);
    cr_assert_eq(linked, 1);
    cr_assert_eq(db_commit(fx.db), 0);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM status_incident_chats"), 1);
    cr_assert_eq(count_rows("SELECT COUNT(*) FROM events WHERE type = 'status.chat_linked'"), 1);
}
