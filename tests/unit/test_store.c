#include "core/err.h"
#include "helpers.h"

Test(store, migrate_is_idempotent_and_versioned)
{
    struct fixture fx;
    fixture_open(&fx);
    int applied = -1, v = 0;
    cr_assert_eq(store_migrate(fx.db, &applied), 0);
    cr_assert_eq(applied, 0);
    cr_assert_eq(store_schema_version(fx.db, &v), 0);
    cr_assert_eq(v, store_schema_latest());
    fixture_close(&fx);
}

Test(store, refuses_newer_schema)
{
    struct fixture fx;
    fixture_open(&fx);
    cr_assert_eq(db_exec(fx.db, "INSERT INTO schema_migrations VALUES (9999, 'future')"), 0);
    int applied;
    cr_assert_eq(store_migrate(fx.db, &applied), FD_ECONFLICT);
    fixture_close(&fx);
}

Test(store, unique_violation_is_conflict_and_rollback_keeps_nothing)
{
    struct fixture fx;
    fixture_open(&fx);
    struct user_rec u;
    memset(&u, 0, sizeof(u));
    snprintf(u.email, sizeof(u.email), "x@example.com");
    snprintf(u.name, sizeof(u.name), "X");
    int64_t id;
    cr_assert_eq(store_user_insert(fx.db, &u, "h", &id), 0);
    cr_assert_eq(store_user_insert(fx.db, &u, "h", &id), FD_ECONFLICT);
    cr_assert_eq(db_begin_write(fx.db), 0);
    snprintf(u.email, sizeof(u.email), "y@example.com");
    cr_assert_eq(store_user_insert(fx.db, &u, "h", &id), 0);
    db_rollback(fx.db);
    struct user_rec got;
    cr_assert_eq(store_user_by_email(fx.db, "y@example.com", &got, NULL, 0), FD_ENOTFOUND);
    cr_assert_eq(store_user_by_email(fx.db, "x@example.com", &got, NULL, 0), 0);
    fixture_close(&fx);
}

Test(store, data_survives_reopen)
{
    struct fixture fx;
    fixture_open(&fx);
    struct department_rec d;
    cr_assert_eq(store_department_by_slug(fx.db, "kyc", &d), 0);
    cr_assert_str_eq(d.name, "KYC & Verification");
    cr_assert_eq(store_event_insert(fx.db, 0, 0, "probe", "{}", 1), 0);
    store_release(fx.store, fx.db);
    store_close(fx.store);
    cr_assert_eq(store_open(fx.dir, 2, &fx.store), 0);
    fx.db = store_acquire(fx.store);
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, "SELECT count(*) FROM events WHERE type = 'probe'", &st), 0);
    cr_assert_eq(db_step(st), 1);
    cr_assert_eq(db_col_int64(st, 0), 1);
    db_finalize(st);
    fixture_close(&fx);
}

/* A database that has a later migration but lacks an earlier one (branches developed in
 * parallel can land a lower number after a higher one) gets the missing one applied. */
Test(store, migrate_applies_a_missing_lower_version)
{
    struct fixture fx;
    fixture_open(&fx);
    cr_assert_eq(db_exec(fx.db, "ALTER TABLE users DROP COLUMN language"), 0);
    cr_assert_eq(db_exec(fx.db, "ALTER TABLE users DROP COLUMN vip_level"), 0);
    cr_assert_eq(db_exec(fx.db, "DELETE FROM schema_migrations WHERE version = 6"), 0);
    int applied = -1, v = 0;
    cr_assert_eq(store_migrate(fx.db, &applied), 0);
    cr_assert_eq(applied, 1);
    cr_assert_eq(store_schema_version(fx.db, &v), 0);
    cr_assert_eq(v, store_schema_latest());
    cr_assert_eq(db_exec(fx.db, "UPDATE users SET vip_level = 2, language = 'de'"), 0);
    cr_assert_eq(store_migrate(fx.db, &applied), 0);
    cr_assert_eq(applied, 0);
    fixture_close(&fx);
}
