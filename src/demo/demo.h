#ifndef FD_DEMO_DEMO_H
#define FD_DEMO_DEMO_H
/*
 * Demo data: departments' agents in each tier, a supervisor, an admin, customers, and
 * about 200 realistic exchange tickets with conversations, created through the domain
 * modules (so every row has its events, exactly as if people had typed it).
 * Every demo account's password is DEMO_PASSWORD.
 */
#include <stdio.h>

struct db;

#define DEMO_PASSWORD "frontdesk-demo"

/* Whether the database already holds demo data (or any tickets). */
int demo_present(struct db *db, int *present);
/* Loads the demo data. Progress goes to log (may be NULL). Returns 0 or an FD_E code. */
int demo_load(struct db *db, FILE *log);
/* Prints the demo accounts (email, role, department, tier) to out. */
void demo_print_accounts(FILE *out);

#endif
