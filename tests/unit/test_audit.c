/* The tamper-evident record: hash encoding, chaining by trigger, and the verifier finding
 * altered, deleted, inserted and truncated rows (store/audit_chain.c, migration 017). */
#include "helpers.h"
#include "store/audit_chain.h"
#include "store/store_complaints.h"

#define ZERO_HEX "0000000000000000000000000000000000000000000000000000000000000000"

static struct fixture F;

static void setup(void)
{
    fixture_open(&F);
}

static void teardown(void)
{
    fixture_close(&F);
}

TestSuite(audit, .init = setup, .fini = teardown);

/* Writes n events through the store's own insert, in one transaction. */
static void add_events(int n)
{
    cr_assert_eq(db_begin_write(F.db), 0);
    for (int i = 0; i < n; i++) {
        char data[64];
        snprintf(data, sizeof(data), "{\"n\":%d}", i);
        cr_assert_eq(store_event_insert(F.db, 0, 0, "test_event", data, 1000 + i), 0);
    }
    cr_assert_eq(db_commit(F.db), 0);
}

static struct audit_result verify(const struct audit_head *anchor)
{
    struct audit_result r;
    cr_assert_eq(store_audit_verify(F.db, "events", anchor, &r), 0);
    return r;
}

static void sql(const char *s)
{
    cr_assert_eq(db_exec(F.db, s), 0, "%s: %s", s, db_errmsg(F.db));
}

Test(audit, hash_covers_every_field)
{
    char a[AUDIT_HEX_LEN + 1], b[AUDIT_HEX_LEN + 1];
    cr_assert_eq(store_audit_hash("events", NULL, 1, 1, 7, 1, 3, "t", "{}", 5, a), 0);
    cr_assert_eq(strlen(a), AUDIT_HEX_LEN);
    cr_assert_eq(store_audit_hash("events", NULL, 1, 1, 7, 1, 3, "t", "{}", 5, b), 0);
    cr_assert_str_eq(a, b, "the hash is deterministic");
    /* Each variation must change the hash. */
    struct {
        const char *table, *prev;
        int64_t id;
        int has_ref;
        int64_t ref;
        int has_actor;
        int64_t actor;
        const char *type, *data;
        int64_t at;
    } v[] = {
        {"complaint_events", NULL, 1, 1, 7, 1, 3, "t", "{}", 5},
        {"events", ZERO_HEX, 1, 1, 7, 1, 3, "t", "{}", 5}, /* explicit zero prev is fine */
        {"events", NULL, 2, 1, 7, 1, 3, "t", "{}", 5},
        {"events", NULL, 1, 0, 0, 1, 3, "t", "{}", 5},
        {"events", NULL, 1, 1, 8, 1, 3, "t", "{}", 5},
        {"events", NULL, 1, 1, 7, 0, 3, "t", "{}", 5},
        {"events", NULL, 1, 1, 7, 1, 4, "t", "{}", 5},
        {"events", NULL, 1, 1, 7, 1, 3, "u", "{}", 5},
        {"events", NULL, 1, 1, 7, 1, 3, NULL, "{}", 5},
        {"events", NULL, 1, 1, 7, 1, 3, "t", "{ }", 5},
        {"events", NULL, 1, 1, 7, 1, 3, "t", NULL, 5},
        {"events", NULL, 1, 1, 7, 1, 3, "t", "{}", 6},
        /* Moving bytes between fields must not collide (length prefixes). */
        {"events", NULL, 1, 1, 7, 1, 3, "t{", "}", 5},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        cr_assert_eq(store_audit_hash(v[i].table, v[i].prev, v[i].id, v[i].has_ref, v[i].ref,
                                      v[i].has_actor, v[i].actor, v[i].type, v[i].data, v[i].at, b),
                     0);
        if (i == 1)
            cr_assert_str_eq(a, b, "a NULL prev hashes as 32 zero bytes");
        else
            cr_assert_str_neq(a, b, "variation %zu did not change the hash", i);
    }
    cr_assert_eq(store_audit_hash("events", "abc", 1, 0, 0, 0, 0, "t", "{}", 5, b), FD_EINVAL);
    cr_assert_eq(store_audit_hash("events", ZERO_HEX "00", 1, 0, 0, 0, 0, "t", "{}", 5, b),
                 FD_EINVAL);
}

Test(audit, empty_table_verifies)
{
    struct audit_result r = verify(NULL);
    cr_assert(r.ok);
    cr_assert_eq(r.head.rows, 0);
    struct audit_head h;
    cr_assert_eq(store_audit_head(F.db, "complaint_events", &h), 0);
    cr_assert_eq(h.rows, 0);
    cr_assert_str_eq(h.hash, "");
    cr_assert_eq(store_audit_head(F.db, "messages", &h), FD_EINVAL);
}

Test(audit, inserts_are_chained_and_verify)
{
    add_events(5);
    /* Every row's hash is the hash of its fields chained to the row before. */
    struct db_stmt *st;
    cr_assert_eq(db_prepare(F.db,
                            "SELECT id, ticket_id, actor_id, type, data, created_at, prev_hash, "
                            "hash FROM events ORDER BY id",
                            &st),
                 0);
    char prev[AUDIT_HEX_LEN + 1] = "";
    int n = 0;
    while (db_step(st) == 1) {
        char want[AUDIT_HEX_LEN + 1];
        const char *row_prev = db_col_text(st, 6);
        if (n == 0)
            cr_assert_null(row_prev);
        else
            cr_assert_str_eq(row_prev, prev);
        cr_assert_eq(store_audit_hash("events", row_prev, db_col_int64(st, 0), 0, 0, 0, 0,
                                      db_col_text(st, 3), db_col_text(st, 4), db_col_int64(st, 5),
                                      want),
                     0);
        cr_assert_str_eq(db_col_text(st, 7), want);
        snprintf(prev, sizeof(prev), "%s", want);
        n++;
    }
    db_finalize(st);
    cr_assert_eq(n, 5);
    struct audit_result r = verify(NULL);
    cr_assert(r.ok, "%s", r.message);
    cr_assert_eq(r.head.rows, 5);
    cr_assert_eq(r.head.id, 5);
    cr_assert_str_eq(r.head.hash, prev);
    struct audit_head h;
    cr_assert_eq(store_audit_head(F.db, "events", &h), 0);
    cr_assert_eq(h.id, 5);
    cr_assert_str_eq(h.hash, prev);
    cr_assert(verify(&h).ok, "the current head is its own anchor");
}

Test(audit, store_refuses_update_and_delete)
{
    add_events(3);
    cr_assert_neq(db_exec(F.db, "UPDATE events SET data = '{}' WHERE id = 2"), 0);
    cr_assert_neq(db_exec(F.db, "DELETE FROM events WHERE id = 2"), 0);
    cr_assert_neq(db_exec(F.db, "UPDATE events SET hash = NULL WHERE id = 2"), 0);
    cr_assert(verify(NULL).ok);
}

Test(audit, altered_payload_is_named)
{
    add_events(6);
    sql("DROP TRIGGER events_append_only");
    sql("UPDATE events SET data = '{\"n\":99}' WHERE id = 4");
    struct audit_result r = verify(NULL);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 4);
    cr_assert(strstr(r.message, "altered"), "%s", r.message);
}

Test(audit, altered_time_or_actor_is_named)
{
    add_events(6);
    sql("DROP TRIGGER events_append_only");
    sql("UPDATE events SET created_at = created_at + 1 WHERE id = 2");
    cr_assert_eq(verify(NULL).bad_id, 2);
    sql("UPDATE events SET created_at = created_at - 1 WHERE id = 2");
    cr_assert(verify(NULL).ok, "restoring the value restores the chain");
    sql("UPDATE events SET type = 'other' WHERE id = 5");
    cr_assert_eq(verify(NULL).bad_id, 5);
}

Test(audit, rewritten_row_with_new_hash_breaks_the_next_link)
{
    add_events(6);
    sql("DROP TRIGGER events_append_only");
    /* A forger who recomputes the altered row's own hash still breaks row 4's link. */
    sql("UPDATE events SET data = '{\"n\":77}', hash = fd_chain_hash('events', prev_hash, id, "
        "ticket_id, actor_id, type, '{\"n\":77}', created_at) WHERE id = 3");
    struct audit_result r = verify(NULL);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 4);
    cr_assert(strstr(r.message, "row 3"), "%s", r.message);
}

Test(audit, deleted_middle_row_is_named)
{
    add_events(6);
    sql("DROP TRIGGER events_no_delete");
    sql("DELETE FROM events WHERE id = 3");
    struct audit_result r = verify(NULL);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 3);
    cr_assert(strstr(r.message, "deleted"), "%s", r.message);
}

Test(audit, forged_rows_are_named)
{
    add_events(4);
    sql("DROP TRIGGER events_chain");
    /* Without the chain trigger: no hash at all. */
    sql("INSERT INTO events (ticket_id, actor_id, type, data, created_at) "
        "VALUES (NULL, NULL, 'forged', '{}', 5)");
    struct audit_result r = verify(NULL);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 5);
    cr_assert(strstr(r.message, "inserted"), "%s", r.message);
}

Test(audit, forged_row_with_copied_link_is_named)
{
    add_events(4);
    sql("DROP TRIGGER events_chain");
    sql("INSERT INTO events (ticket_id, actor_id, type, data, created_at, prev_hash, hash) "
        "SELECT NULL, NULL, 'forged', '{}', 5, hash, hash FROM events WHERE id = 4");
    struct audit_result r = verify(NULL);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 5);
}

Test(audit, truncated_tail_needs_the_anchor)
{
    add_events(8);
    struct audit_head anchor;
    cr_assert_eq(store_audit_head(F.db, "events", &anchor), 0);
    sql("DROP TRIGGER events_no_delete");
    sql("DELETE FROM events WHERE id > 5");
    cr_assert(verify(NULL).ok, "without an anchor a shorter chain is still a valid chain");
    struct audit_result r = verify(&anchor);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 6);
    cr_assert(strstr(r.message, "deleted"), "%s", r.message);
}

Test(audit, rewritten_chain_fails_against_the_anchor)
{
    add_events(4);
    struct audit_head anchor;
    cr_assert_eq(store_audit_head(F.db, "events", &anchor), 0);
    /* Rewrite everything consistently from row 2 on: only the anchor can tell. */
    sql("DROP TRIGGER events_append_only");
    sql("UPDATE events SET data = '{\"n\":\"x\"}' WHERE id = 2");
    for (int id = 2; id <= 4; id++) {
        struct db_stmt *st;
        cr_assert_eq(db_prepare(F.db,
                                "UPDATE events SET prev_hash = (SELECT p.hash FROM events p "
                                "WHERE p.id = events.id - 1), hash = fd_chain_hash('events', "
                                "(SELECT p.hash FROM events p WHERE p.id = events.id - 1), id, "
                                "ticket_id, actor_id, type, data, created_at) WHERE id = ?",
                                &st),
                     0);
        db_bind_int64(st, 1, id);
        cr_assert_eq(db_step(st), 0);
        db_finalize(st);
    }
    cr_assert(verify(NULL).ok);
    struct audit_result r = verify(&anchor);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 4);
}

Test(audit, complaint_events_are_chained)
{
    /* The complaint rows themselves do not matter here: the record's chain does. */
    sql("PRAGMA foreign_keys = OFF");
    cr_assert_eq(db_begin_write(F.db), 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(store_complaint_event_insert(F.db, 1, 0, "noted", "{}", 100 + i), 0);
    cr_assert_eq(db_commit(F.db), 0);
    struct audit_result r;
    cr_assert_eq(store_audit_verify(F.db, "complaint_events", NULL, &r), 0);
    cr_assert(r.ok, "%s", r.message);
    cr_assert_eq(r.head.rows, 4);
    /* The append-only guard still refuses a content change ... */
    cr_assert_neq(db_exec(F.db, "UPDATE complaint_events SET data = '{\"x\":1}' WHERE id = 2"), 0);
    /* ... and once it is dropped, verify names the changed row. */
    sql("DROP TRIGGER complaint_events_append_only");
    sql("UPDATE complaint_events SET data = '{\"x\":1}' WHERE id = 2");
    cr_assert_eq(store_audit_verify(F.db, "complaint_events", NULL, &r), 0);
    cr_assert_not(r.ok);
    cr_assert_eq(r.bad_id, 2);
    /* The events chain is separate and untouched. */
    cr_assert(verify(NULL).ok);
}
