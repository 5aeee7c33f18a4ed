#ifndef FD_AUDIT_AUDIT_H
#define FD_AUDIT_AUDIT_H
/*
 * The operator's side of the tamper-evident record (docs/audit.md): the `frontdesk audit
 * verify` and `frontdesk audit head` commands, printing what store/audit_chain.c finds.
 * No HTTP here; main.c parses the command line and opens the store.
 *
 * An anchor is the text `audit head` prints for one chain, "TABLE:ID:HASH"; keeping it
 * somewhere the database's writers cannot reach is what lets verify notice a deleted
 * tail or a rewritten chain.
 */
#include <stdio.h>

struct db;

/* Exit codes of the audit commands. */
enum { AUDIT_EXIT_OK = 0, AUDIT_EXIT_TAMPERED = 1, AUDIT_EXIT_USAGE = 2, AUDIT_EXIT_ERROR = 3 };

/*
 * Verifies every chained table in one read snapshot. anchors (n of them, borrowed) are
 * "TABLE:ID:HASH" strings. Prints one summary line per table to out, or the first broken
 * row of a chain to out (naming its id); malformed anchors and database failures go to err.
 * Returns one of the AUDIT_EXIT_* codes.
 */
int audit_verify_print(struct db *db, char *const *anchors, int n, FILE *out, FILE *err);

/* Prints the head of every chained table, one "TABLE:ID:HASH" line each (ID 0 and an
 * empty hash for an empty table). Returns AUDIT_EXIT_OK or AUDIT_EXIT_ERROR. */
int audit_head_print(struct db *db, FILE *out, FILE *err);

#endif
