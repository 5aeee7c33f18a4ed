#ifndef FD_STORE_MIGRATIONS_H
#define FD_STORE_MIGRATIONS_H
/* The numbered migration files, embedded at build time by tools/embed_migrations.sh. */
#include <stddef.h>

struct fd_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct fd_migration fd_migrations[];
extern const size_t fd_migrations_count;

#endif
