/*
 * libFuzzer target for the API's request bodies: bytes -> JSON parsed as the API parses
 * it (jansson, duplicates rejected) -> the fields read as POST /api/v1/tickets and
 * POST /api/v1/tickets/{ref}/messages read them -> the domain's validation functions
 * (tickets_check_tag, tickets_check_exchange) and the whole create and reply path
 * (tickets_create / tickets_reply with the safety hook) on a real temporary store.
 * Invariants: a refusal is FD_EINVAL (or FD_EFORBIDDEN) naming a field and changes
 * nothing; what is stored never holds a secret the scanner finds. Every crash becomes a
 * unit test in tests/unit/test_tickets.c or test_safety.c.
 */
#include "auth/auth.h"
#include "core/err.h"
#include "safety/scan.h"
#include "store/store.h"
#include "tickets/tickets.h"

#include <ftw.h>
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;
static struct db *db;
static struct auth_actor customer, agent;
static int64_t last_ticket;
static char dir[] = "/tmp/fd-fuzz-api-XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The temporary store goes when the fuzzer exits normally (a crash keeps it to look at). */
static void cleanup(void)
{
    store_release(store, db);
    store_close(store);
    nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int applied = 0;
    if (sodium_init() < 0 || !mkdtemp(dir) || store_open(dir, 1, &store) ||
        !(db = store_acquire(store)) || store_migrate(db, &applied))
        abort();
    struct fd_error err = {0};
    if (auth_user_create(db, "c@fuzz.test", "C", ROLE_CUSTOMER, NULL, 0, "correct-horse-battery",
                         &customer.user, &err) ||
        auth_user_create(db, "a@fuzz.test", "A", ROLE_AGENT, "deposits", 1, "correct-horse-battery",
                         &agent.user, &err))
        abort();
    customer.scopes = agent.scopes = SCOPE_ALL;
    atexit(cleanup);
    return 0;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static int holds_secret(const char *s)
{
    unsigned k = 0;
    if (s && safety_scan(s, strlen(s), &k, NULL, NULL) != 0)
        abort();
    return k != 0;
}

static int check_message(void *ctx, const struct message_rec *m)
{
    (void)ctx;
    if (holds_secret(m->body))
        abort();
    return 0;
}

static void check_refusal(int rc, const struct fd_error *err)
{
    if (rc == FD_EINVAL && !err->field[0] && !err->message[0])
        abort();
    if (rc != FD_EINVAL && rc != FD_EFORBIDDEN && rc != FD_ECONFLICT && rc != FD_ENOTFOUND)
        abort(); /* nothing else may come out of bad input */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
    if (!o)
        return 0;
    if (!json_is_object(o)) {
        json_decref(o);
        return 0;
    }
    struct ticket_input in;
    memset(&in, 0, sizeof(in));
    in.subject = str(o, "subject");
    in.body = str(o, "body");
    in.department = str(o, "department");
    in.priority = str(o, "priority");
    json_t *tags = json_object_get(o, "tags");
    struct fd_error err = {0};
    if (json_is_array(tags)) {
        size_t i;
        json_t *v;
        json_array_foreach(tags, i, v)
        {
            if (in.ntags == FD_TAGS_MAX || !json_is_string(v))
                break;
            in.tags[in.ntags] = json_string_value(v);
            int rc = tickets_check_tag(in.tags[in.ntags], &err);
            if (rc && (rc != FD_EINVAL || strcmp(err.field, "tags") != 0))
                abort();
            in.ntags++;
        }
    }
    json_t *ex = json_object_get(o, "exchange");
    if (json_is_object(ex)) {
        in.exchange_uid = str(ex, "uid");
        in.txid = str(ex, "txid");
        in.asset = str(ex, "asset");
        in.network = str(ex, "network");
        in.amount = str(ex, "amount");
        in.order_id = str(ex, "order_id");
        int rc = tickets_check_exchange(&in, &err);
        if (rc && (rc != FD_EINVAL || strncmp(err.field, "exchange.", 9) != 0))
            abort();
    }
    int staff = json_is_true(json_object_get(o, "as_agent"));
    const struct auth_actor *a = staff ? &agent : &customer;
    struct ticket_rec t;
    int64_t mid = 0;
    memset(&err, 0, sizeof(err));
    int rc;
    if (json_is_true(json_object_get(o, "reply")) && last_ticket) {
        int internal = json_is_true(json_object_get(o, "internal"));
        rc = tickets_reply(db, a, last_ticket, in.body, internal, NULL, 0, &t, &mid, &err);
    } else {
        rc = tickets_create(db, a, &in, &t, &mid, &err);
        if (rc == 0)
            last_ticket = t.id;
    }
    if (rc == 0) {
        if (holds_secret(t.subject))
            abort();
        if (store_message_list(db, t.id, 1, check_message, NULL))
            abort();
    } else {
        check_refusal(rc, &err);
    }
    json_decref(o);
    return 0;
}
