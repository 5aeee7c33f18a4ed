/*
 * `frontdesk audit verify` and `frontdesk audit head`: see audit.h and docs/audit.md.
 */
#include "audit.h"

#include "../core/err.h"
#include "../store/audit_chain.h"
#include "../store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parses "TABLE:ID:HASH" into table (must be a chained table) and head. */
static int parse_anchor(const char *s, const char **table, struct audit_head *head)
{
    const char *c1 = strchr(s, ':');
    if (!c1)
        return FD_EINVAL;
    const char *c2 = strchr(c1 + 1, ':');
    if (!c2)
        return FD_EINVAL;
    *table = NULL;
    for (size_t i = 0; i < store_audit_table_count; i++) {
        size_t n = strlen(store_audit_tables[i]);
        if ((size_t)(c1 - s) == n && strncmp(s, store_audit_tables[i], n) == 0)
            *table = store_audit_tables[i];
    }
    if (!*table)
        return FD_EINVAL;
    char *end = NULL;
    errno = 0;
    long long id = strtoll(c1 + 1, &end, 10);
    if (errno || end != c2 || id < 1)
        return FD_EINVAL;
    const char *hex = c2 + 1;
    if (strlen(hex) != AUDIT_HEX_LEN || strspn(hex, "0123456789abcdef") != AUDIT_HEX_LEN)
        return FD_EINVAL;
    memset(head, 0, sizeof(*head));
    head->id = id;
    memcpy(head->hash, hex, AUDIT_HEX_LEN + 1);
    return 0;
}

int audit_verify_print(struct db *db, char *const *anchors, int n, FILE *out, FILE *err)
{
    struct audit_head want[8];
    const char *want_table[8];
    if (n > (int)(sizeof(want) / sizeof(want[0]))) {
        fprintf(err, "frontdesk audit verify: at most %zu anchors\n",
                sizeof(want) / sizeof(want[0]));
        return AUDIT_EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        if (parse_anchor(anchors[i], &want_table[i], &want[i])) {
            fprintf(err,
                    "frontdesk audit verify: bad anchor \"%s\": expected TABLE:ID:HASH as "
                    "printed by `frontdesk audit head` (TABLE is events or complaint_events, "
                    "HASH 64 lower-case hex digits)\n",
                    anchors[i]);
            return AUDIT_EXIT_USAGE;
        }
    }
    if (db_begin_read(db)) {
        fprintf(err, "frontdesk audit verify: %s\n", db_errmsg(db));
        return AUDIT_EXIT_ERROR;
    }
    int code = AUDIT_EXIT_OK;
    for (size_t t = 0; t < store_audit_table_count && code == AUDIT_EXIT_OK; t++) {
        const char *table = store_audit_tables[t];
        const struct audit_head *anchor = NULL;
        for (int i = 0; i < n; i++)
            if (want_table[i] == table)
                anchor = &want[i];
        struct audit_result r;
        int rc = store_audit_verify(db, table, anchor, &r);
        if (rc) {
            fprintf(err, "frontdesk audit verify: %s: %s (%s)\n", table, fd_strerror(rc),
                    db_errmsg(db));
            code = AUDIT_EXIT_ERROR;
        } else if (!r.ok) {
            fprintf(out, "%s: TAMPERED at row %lld: %s\n", table, (long long)r.bad_id, r.message);
            code = AUDIT_EXIT_TAMPERED;
        } else {
            fprintf(out, "%s: intact, %lld rows%s, head %s:%lld:%s\n", table,
                    (long long)r.head.rows, anchor ? ", anchored head found" : "", table,
                    (long long)r.head.id, r.head.hash);
        }
    }
    db_rollback(db);
    return code;
}

int audit_head_print(struct db *db, FILE *out, FILE *err)
{
    if (db_begin_read(db)) {
        fprintf(err, "frontdesk audit head: %s\n", db_errmsg(db));
        return AUDIT_EXIT_ERROR;
    }
    int code = AUDIT_EXIT_OK;
    for (size_t t = 0; t < store_audit_table_count; t++) {
        struct audit_head h;
        int rc = store_audit_head(db, store_audit_tables[t], &h);
        if (rc) {
            fprintf(err, "frontdesk audit head: %s: %s\n", store_audit_tables[t], fd_strerror(rc));
            code = AUDIT_EXIT_ERROR;
            break;
        }
        fprintf(out, "%s:%lld:%s\n", store_audit_tables[t], (long long)h.id, h.hash);
    }
    db_rollback(db);
    return code;
}
