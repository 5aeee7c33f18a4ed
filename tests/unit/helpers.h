/* Shared helpers for unit tests: a migrated store in a fresh temporary directory. */
#ifndef FD_TEST_HELPERS_H
#define FD_TEST_HELPERS_H
#include "auth/auth.h"
#include "core/err.h"
#include "store/store.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
    char dir[64];
    struct store *store;
    struct db *db;
};

static inline void fixture_open(struct fixture *f)
{
    cr_assert(sodium_init() >= 0);
    snprintf(f->dir, sizeof(f->dir), "/tmp/fd-unit-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    cr_assert_eq(store_open(f->dir, 1, &f->store), 0);
    f->db = store_acquire(f->store);
    int applied = 0;
    cr_assert_eq(store_migrate(f->db, &applied), 0);
    cr_assert_gt(applied, 0);
}

static inline void fixture_close(struct fixture *f)
{
    store_release(f->store, f->db);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    cr_assert_eq(system(cmd), 0);
}

/* Creates a user and returns an actor for it. */
static inline struct auth_actor fixture_actor(struct fixture *f, const char *email,
                                              enum fd_role role, const char *dept, int tier)
{
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    struct fd_error err = {0};
    int rc = auth_user_create(f->db, email, email, role, dept, tier, "correct-horse-battery",
                              &a.user, &err);
    cr_assert_eq(rc, 0, "create %s: %s", email, err.message);
    a.scopes = SCOPE_ALL;
    return a;
}

/* The repository root: from this header's __FILE__ when it is absolute, else from the
 * test binary's path (<root>/build/unit/test_x), else the working directory (make runs
 * the tests from the root). */
static inline void fixture_repo_root(char *out, size_t n)
{
    const char *file = __FILE__;
    const char *suffix = "/tests/unit/helpers.h";
    size_t fl = strlen(file), sl = strlen(suffix);
    if (file[0] == '/' && fl > sl && !strcmp(file + fl - sl, suffix)) {
        snprintf(out, n, "%.*s", (int)(fl - sl), file);
        return;
    }
    char exe[1024];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *p = strstr(exe, "/build/unit/");
        if (p) {
            *p = '\0';
            snprintf(out, n, "%s", exe);
            return;
        }
    }
    snprintf(out, n, ".");
}

#endif
