/* Field formats of tickets: references, exchange fields, tags, status transitions. */
#include "tickets.h"

#include "../core/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tickets_format_ref(int64_t id, char *out, size_t n)
{
    snprintf(out, n, "FD-%lld", (long long)(id + TICKET_REF_BASE));
}

int tickets_parse_ref(const char *ref, int64_t *id)
{
    const char *p = ref;
    if ((p[0] == 'F' || p[0] == 'f') && (p[1] == 'D' || p[1] == 'd') && p[2] == '-')
        p += 3;
    if (!isdigit((unsigned char)*p))
        return FD_ENOTFOUND;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno || *end || v <= TICKET_REF_BASE)
        return FD_ENOTFOUND;
    *id = v - TICKET_REF_BASE;
    return 0;
}

static int all_of(const char *s, size_t from, const char *set_name)
{
    for (size_t i = from; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        int ok = 0;
        if (strcmp(set_name, "hex") == 0)
            ok = isxdigit(c);
        else if (strcmp(set_name, "digit") == 0)
            ok = isdigit(c);
        else if (strcmp(set_name, "base58") == 0)
            ok = isalnum(c) && c != '0' && c != 'O' && c != 'I' && c != 'l';
        else if (strcmp(set_name, "alnum") == 0)
            ok = isalnum(c);
        else if (strcmp(set_name, "upper") == 0)
            ok = isupper(c) || isdigit(c);
        else if (strcmp(set_name, "slug") == 0)
            ok = islower(c) || isdigit(c) || c == '-';
        else if (strcmp(set_name, "orderid") == 0)
            ok = isalnum(c) || c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

static const char *const hex64_chains[] = {"bitcoin",  "litecoin",     "tron", "xrp",
                                           "dogecoin", "bitcoin-cash", NULL};
static const char *const evm_chains[] = {"ethereum", "bsc",  "polygon",   "arbitrum",
                                         "optimism", "base", "avalanche", NULL};

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int is_hex64(const char *t)
{
    return strlen(t) == 64 && all_of(t, 0, "hex");
}

static int is_evm(const char *t)
{
    return strlen(t) == 66 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && all_of(t, 2, "hex");
}

int tickets_check_txid(const char *network, const char *txid, struct fd_error *err)
{
    size_t n = strlen(txid);
    if (!network || !*network) {
        if (is_hex64(txid) || is_evm(txid))
            return 0;
        return fd_fail(err, FD_EINVAL, "exchange.txid",
                       "txid must be 64 hexadecimal characters (or 0x followed by 64 for "
                       "EVM chains); give exchange.network for other chains");
    }
    if (in_list(network, hex64_chains)) {
        if (is_hex64(txid))
            return 0;
        return fd_fail(err, FD_EINVAL, "exchange.txid",
                       "txid for %s must be exactly 64 hexadecimal characters (got %zu "
                       "characters%s)",
                       network, n, all_of(txid, 0, "hex") ? "" : ", not all hexadecimal");
    }
    if (in_list(network, evm_chains)) {
        if (is_evm(txid))
            return 0;
        return fd_fail(err, FD_EINVAL, "exchange.txid",
                       "txid for %s must be 0x followed by 64 hexadecimal characters", network);
    }
    if (strcmp(network, "solana") == 0) {
        if (n >= 43 && n <= 88 && all_of(txid, 0, "base58"))
            return 0;
        return fd_fail(err, FD_EINVAL, "exchange.txid",
                       "txid for solana must be a base58 signature of 43 to 88 characters");
    }
    if (n >= 8 && n <= 128 && all_of(txid, 0, "alnum"))
        return 0;
    return fd_fail(err, FD_EINVAL, "exchange.txid", "txid must be 8 to 128 letters and digits");
}

int tickets_check_exchange(const struct ticket_input *in, struct fd_error *err)
{
    if (in->exchange_uid) {
        size_t n = strlen(in->exchange_uid);
        if (n < 6 || n > 20 || !all_of(in->exchange_uid, 0, "digit"))
            return fd_fail(err, FD_EINVAL, "exchange.uid", "uid must be 6 to 20 digits");
    }
    if (in->asset) {
        size_t n = strlen(in->asset);
        if (n < 2 || n > 10 || !all_of(in->asset, 0, "upper"))
            return fd_fail(err, FD_EINVAL, "exchange.asset",
                           "asset must be 2 to 10 upper-case letters or digits, like BTC");
    }
    if (in->network) {
        size_t n = strlen(in->network);
        if (n < 2 || n > 20 || !all_of(in->network, 0, "slug"))
            return fd_fail(err, FD_EINVAL, "exchange.network",
                           "network must be 2 to 20 lower-case letters, digits or '-', "
                           "like bitcoin or ethereum");
    }
    if (in->txid) {
        int rc = tickets_check_txid(in->network, in->txid, err);
        if (rc)
            return rc;
    }
    if (in->amount) {
        const char *s = in->amount;
        size_t n = strlen(s), digits = 0, decimals = 0;
        int dot = 0, nonzero = 0, ok = n > 0 && n <= 40;
        for (size_t i = 0; ok && i < n; i++) {
            if (s[i] == '.') {
                ok = !dot && i > 0 && i + 1 < n;
                dot = 1;
            } else if (isdigit((unsigned char)s[i])) {
                digits++;
                decimals += (size_t)dot;
                nonzero |= s[i] != '0';
            } else {
                ok = 0;
            }
        }
        if (!ok || !nonzero || decimals > 18 || (digits > 1 && s[0] == '0' && s[1] != '.'))
            return fd_fail(err, FD_EINVAL, "exchange.amount",
                           "amount must be a positive decimal number with at most 18 "
                           "decimals, like 0.25");
    }
    if (in->order_id) {
        size_t n = strlen(in->order_id);
        if (n < 1 || n > 64 || !all_of(in->order_id, 0, "orderid"))
            return fd_fail(err, FD_EINVAL, "exchange.order_id",
                           "order_id must be 1 to 64 letters, digits, '_' or '-'");
    }
    return 0;
}

int tickets_check_tag(const char *tag, struct fd_error *err)
{
    size_t n = strlen(tag);
    if (n < 1 || n > FD_TAG_MAX)
        return fd_fail(err, FD_EINVAL, "tags", "each tag must be 1 to %d characters", FD_TAG_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tag[i];
        if (!(islower(c) || isdigit(c) || c == '-' || c == '_' || c == ':'))
            return fd_fail(err, FD_EINVAL, "tags",
                           "tag \"%s\": use lower-case letters, digits, '-', '_' or ':'", tag);
    }
    return 0;
}

int tickets_transition_ok(const char *from, const char *to)
{
    static const char *const allowed[][2] = {
        {"new", "open"},        {"new", "pending"},    {"new", "on_hold"},   {"new", "solved"},
        {"open", "pending"},    {"open", "on_hold"},   {"open", "solved"},   {"pending", "open"},
        {"pending", "on_hold"}, {"pending", "solved"}, {"on_hold", "open"},  {"on_hold", "pending"},
        {"on_hold", "solved"},  {"solved", "open"},    {"solved", "closed"},
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (strcmp(allowed[i][0], from) == 0 && strcmp(allowed[i][1], to) == 0)
            return 1;
    return 0;
}
