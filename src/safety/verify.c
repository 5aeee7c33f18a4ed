/*
 * "Is this really support?": the answers of /verify and GET /api/v1/verify, the registry
 * of official contacts behind them, and agents' rotating chat codes.
 */
#include "verify.h"

#include "../core/err.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../store/store.h"
#include "../store/store_verify.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24 * 3600 * 1000LL)
#define QUERY_MAX 1000

const char *const verify_kinds[VERIFY_KIND_COUNT] = {"email", "domain", "phone", "telegram", "x"};

static int kind_known(const char *k)
{
    for (int i = 0; i < VERIFY_KIND_COUNT; i++) {
        if (!strcmp(verify_kinds[i], k))
            return 1;
    }
    return 0;
}

/* ---- normalization ------------------------------------------------------------------- */

static void trim(const char *in, char *out, size_t n)
{
    while (*in && isspace((unsigned char)*in))
        in++;
    size_t len = strlen(in);
    while (len && isspace((unsigned char)in[len - 1]))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(out, in, len);
    out[len] = '\0';
}

static int norm_phone(const char *in, char *out, size_t n)
{
    size_t w = 0, digits = 0;
    for (const char *p = in; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (w + 2 > n)
                return FD_EINVAL;
            out[w++] = *p;
            digits++;
        } else if (*p == '+' && w == 0) {
            out[w++] = '+';
        } else if (!strchr(" -().", *p)) {
            return FD_EINVAL;
        }
    }
    out[w] = '\0';
    return digits >= 6 && digits <= 15 ? 0 : FD_EINVAL;
}

/* A handle: without the @, lower-case ASCII; other characters (look-alikes) are kept. */
static int norm_handle(const char *in, char *out, size_t n)
{
    if (*in == '@')
        in++;
    size_t w = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x80 && !(isalnum(c) || c == '_'))
            return FD_EINVAL;
        if (w + 2 > n)
            return FD_EINVAL;
        out[w++] = (char)tolower(c);
    }
    out[w] = '\0';
    return w ? 0 : FD_EINVAL;
}

static int norm_email(const char *in, char *out, size_t n)
{
    const char *at = strrchr(in, '@');
    if (!at || at == in || strchr(in, ' '))
        return FD_EINVAL;
    char host[VERIFY_HOST_MAX * 4 + 1];
    if (verify_host_normalize(at + 1, host, sizeof(host)))
        return FD_EINVAL;
    size_t ll = (size_t)(at - in);
    int len = snprintf(out, n, "%.*s@%s", (int)ll, in, host);
    if (len < 0 || (size_t)len >= n)
        return FD_EINVAL;
    for (size_t i = 0; i < ll; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    return 0;
}

int verify_entry_normalize(const char *kind, const char *value, char *value_out, size_t n,
                           struct fd_error *err)
{
    char v[QUERY_MAX + 1];
    if (!kind_known(kind))
        return fd_fail(err, FD_EINVAL, "kind", "kind must be email, domain, phone, telegram or x");
    if (strlen(value) > QUERY_MAX)
        return fd_fail(err, FD_EINVAL, "value", "value is too long");
    trim(value, v, sizeof(v));
    int rc = FD_EINVAL;
    const char *why = "";
    if (!strcmp(kind, "email")) {
        rc = norm_email(v, value_out, n);
        why = "value is not an e-mail address";
    } else if (!strcmp(kind, "domain")) {
        rc = verify_host_normalize(v, value_out, n);
        why = "value is not a domain name (example.com)";
    } else if (!strcmp(kind, "phone")) {
        rc = norm_phone(v, value_out, n);
        why = "value is not a phone number (+ and 6 to 15 digits)";
    } else {
        rc = norm_handle(v, value_out, n);
        /* official handles are plain ASCII */
        for (const char *p = value_out; rc == 0 && *p; p++) {
            if ((unsigned char)*p >= 0x80)
                rc = FD_EINVAL;
        }
        why = "value is not a handle (letters, digits and _)";
    }
    return rc ? fd_fail(err, FD_EINVAL, "value", "%s", why) : 0;
}

/* ---- the registry ------------------------------------------------------------------- */

int verify_entry_add(struct db *db, int64_t actor_id, const char *kind, const char *value,
                     const char *note, struct verify_entry_rec *out, struct fd_error *err)
{
    struct verify_entry_rec e;
    memset(&e, 0, sizeof(e));
    if (!kind_known(kind))
        return fd_fail(err, FD_EINVAL, "kind", "kind must be email, domain, phone, telegram or x");
    int rc = verify_entry_normalize(kind, value, e.value, sizeof(e.value), err);
    if (rc)
        return rc;
    if (note && strlen(note) > VERIFY_NOTE_MAX)
        return fd_fail(err, FD_EINVAL, "note", "note is longer than %d bytes", VERIFY_NOTE_MAX);
    snprintf(e.kind, sizeof(e.kind), "%s", kind);
    snprintf(e.note, sizeof(e.note), "%s", note ? note : "");
    e.created_by = actor_id;
    e.created_at = fd_now_ms();
    if ((rc = db_begin_write(db)))
        return rc;
    rc = store_verify_entry_insert(db, &e);
    if (rc == FD_ECONFLICT) {
        db_rollback(db);
        return fd_fail(err, FD_ECONFLICT, "value", "this %s is already in the registry", kind);
    }
    if (rc == 0) {
        json_t *j =
            json_pack("{s:I, s:s, s:s}", "id", (json_int_t)e.id, "kind", e.kind, "value", e.value);
        char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        rc = data ? store_event_insert(db, 0, actor_id, "verify_entry_added", data, e.created_at)
                  : FD_ENOMEM;
        free(data);
    }
    if (rc == 0)
        rc = db_commit(db);
    if (rc) {
        db_rollback(db);
        return rc;
    }
    if (out)
        *out = e;
    return 0;
}

int verify_entry_remove(struct db *db, int64_t actor_id, int64_t id)
{
    int rc = db_begin_write(db);
    if (rc)
        return rc;
    struct verify_entry_rec old;
    rc = store_verify_entry_delete(db, id, &old);
    if (rc == 0) {
        json_t *j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "kind", old.kind, "value",
                              old.value);
        char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        rc = data ? store_event_insert(db, 0, actor_id, "verify_entry_removed", data, fd_now_ms())
                  : FD_ENOMEM;
        free(data);
    }
    if (rc == 0)
        rc = db_commit(db);
    if (rc)
        db_rollback(db);
    return rc;
}

/* ---- answering ------------------------------------------------------------------------ */

struct scan {
    const char *value; /* normalized query (for e-mail: the whole address) */
    const char *host;  /* the host to compare with domains, or NULL */
    unsigned kinds;    /* bit i: compare with entries of verify_kinds[i] */
    struct verify_answer *a;
    enum verify_look best_look;
    int exact; /* an entry equal to the query was found */
};

static int kind_bit(const char *k)
{
    for (int i = 0; i < VERIFY_KIND_COUNT; i++) {
        if (!strcmp(verify_kinds[i], k))
            return 1 << i;
    }
    return 0;
}

/* host equals dom or is a subdomain of it */
static int host_under(const char *host, const char *dom)
{
    size_t hl = strlen(host), dl = strlen(dom);
    if (hl == dl)
        return strcmp(host, dom) == 0;
    return hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, dom) == 0;
}

static void set_match(struct verify_answer *a, const struct verify_entry_rec *e)
{
    snprintf(a->matched, sizeof(a->matched), "%s", e->value);
    snprintf(a->matched_kind, sizeof(a->matched_kind), "%s", e->kind);
    snprintf(a->note, sizeof(a->note), "%s", e->note);
}

static int scan_entry(void *ctx, const struct verify_entry_rec *e)
{
    struct scan *s = ctx;
    struct verify_answer *a = s->a;
    if (s->exact)
        return 0;
    int bit = kind_bit(e->kind);
    int is_dom = !strcmp(e->kind, "domain");
    /* exact: the entry itself, which beats an address merely at an official domain */
    if ((s->kinds & (unsigned)bit) && !strcmp(s->value, e->value)) {
        a->verdict = VERIFY_OFFICIAL;
        set_match(a, e);
        s->exact = 1;
        return 0;
    }
    if (a->verdict == VERIFY_OFFICIAL)
        return 0;
    if (is_dom && s->host && host_under(s->host, e->value)) {
        a->verdict = VERIFY_OFFICIAL;
        set_match(a, e);
        return 0;
    }
    if (!strcmp(e->kind, "phone"))
        return 0; /* numbers are official or not: no look-alikes */
    /* look-alikes: a host against domains (and the domains of official addresses), an
     * address against addresses, a handle against handles of its kind */
    enum verify_look l = VERIFY_LOOK_NONE;
    if (s->host && is_dom) {
        l = verify_lookalike(s->host, e->value, 1);
    } else if (s->host && !strcmp(e->kind, "email")) {
        const char *at = strrchr(e->value, '@');
        if (at && !host_under(s->host, at + 1))
            l = verify_lookalike(s->host, at + 1, 1);
        if (!l && (s->kinds & (unsigned)bit))
            l = verify_lookalike(s->value, e->value, 1);
    } else if (s->kinds & (unsigned)bit) {
        l = verify_lookalike(s->value, e->value, 0);
    }
    if (l && !s->best_look) {
        s->best_look = l;
        a->verdict = VERIFY_LOOKALIKE;
        a->look = l;
        set_match(a, e);
    }
    return 0;
}

static int is_agent_code(const char *q, char *norm)
{
    size_t w = 0;
    for (const char *p = q; *p; p++) {
        char c = (char)toupper((unsigned char)*p);
        if (c == '-' || c == ' ')
            continue;
        if (!isalnum((unsigned char)c) || w >= 6)
            return 0;
        /* Crockford base32: O reads as 0, I and L as 1 */
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        else if (c == 'U')
            return 0;
        norm[w++] = c;
    }
    norm[w] = '\0';
    return w == 6;
}

static const char CROCKFORD[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void verify_agent_code_render(const char *key_hex, int64_t agent_id, int64_t day, char *out,
                              size_t n)
{
    unsigned char key[32] = {0}, h[8];
    size_t kl = 0;
    sodium_hex2bin(key, sizeof(key), key_hex, strlen(key_hex), NULL, &kl, NULL);
    char msg[64];
    int ml = snprintf(msg, sizeof(msg), "agent:%lld:%lld", (long long)agent_id, (long long)day);
    crypto_generichash(h, sizeof(h), (const unsigned char *)msg, (size_t)ml, key, sizeof(key));
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | h[i];
    char c[7];
    for (int i = 0; i < 6; i++) {
        c[i] = CROCKFORD[v & 31];
        v >>= 5;
    }
    snprintf(out, n, "%.4s-%.2s", c, c + 4);
    sodium_memzero(key, sizeof(key));
}

int verify_agent_code(struct db *db, int64_t agent_id, char *out, size_t n)
{
    char key[65];
    int rc = store_verify_secret(db, key, sizeof(key));
    if (rc)
        return rc;
    verify_agent_code_render(key, agent_id, fd_now_ms() / DAY_MS, out, n);
    sodium_memzero(key, sizeof(key));
    return 0;
}

struct agent_scan {
    const char *key;
    const char *code; /* normalized, 6 characters */
    int64_t day;
    struct user_rec found;
    int hit;
};

static int scan_agent(void *ctx, const struct user_rec *u)
{
    struct agent_scan *s = ctx;
    if (u->disabled || s->hit)
        return 0;
    /* today's code, and yesterday's for a chat that began before midnight (UTC) */
    for (int64_t d = s->day; d >= s->day - 1; d--) {
        char c[16];
        verify_agent_code_render(s->key, u->id, d, c, sizeof(c));
        if (!memcmp(c, s->code, 4) && !memcmp(c + 5, s->code + 4, 2)) {
            s->found = *u;
            s->hit = 1;
        }
    }
    return 0;
}

static int count_chat(void *ctx, const struct chat_rec *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

static int answer_agent(struct db *db, const char *code, struct verify_answer *a)
{
    struct agent_scan s;
    memset(&s, 0, sizeof(s));
    char key[65];
    int rc = store_verify_secret(db, key, sizeof(key));
    if (rc)
        return rc;
    s.key = key;
    s.code = code;
    s.day = fd_now_ms() / DAY_MS;
    rc = store_user_list(db, 1, scan_agent, &s);
    sodium_memzero(key, sizeof(key));
    if (rc)
        return rc;
    snprintf(a->kind, sizeof(a->kind), "agent");
    snprintf(a->value, sizeof(a->value), "%.4s-%.2s", code, code + 4);
    if (!s.hit) {
        a->verdict = VERIFY_NOT_OFFICIAL;
        snprintf(a->message, sizeof(a->message),
                 "Agent code %.8s does not belong to any of our agents today. Whoever gave it "
                 "to you is not Frontdesk support: stop the conversation, do not share "
                 "passwords, 2FA codes or your seed phrase, and contact us through /support.",
                 a->value);
        return 0;
    }
    int active = 0;
    if ((rc = store_chat_agent_active(db, s.found.id, count_chat, &active)))
        return rc;
    a->verdict = VERIFY_OFFICIAL;
    a->agent_id = s.found.id;
    a->agent_in_chat = active > 0;
    snprintf(a->matched, sizeof(a->matched), "%s", s.found.name);
    snprintf(a->matched_kind, sizeof(a->matched_kind), "agent");
    struct department_rec d;
    memset(&d, 0, sizeof(d));
    if (s.found.department[0])
        store_department_by_slug(db, s.found.department, &d);
    snprintf(a->note, sizeof(a->note), "%s", d.name[0] ? d.name : "Frontdesk support");
    snprintf(a->message, sizeof(a->message),
             "Agent code %s: this is %.200s from Frontdesk support (%.200s)%s.", a->value,
             s.found.name, a->note,
             active ? ", in a live chat right now" : ", not in a live chat at the moment");
    return 0;
}

/* Takes the host (and for t.me / x.com links, the handle) out of a URL with libcurl's
 * URL parser. */
static int url_parts(const char *q, char *host, size_t hn, char *path, size_t pn)
{
    CURLU *u = curl_url();
    if (!u)
        return FD_ENOMEM;
    int rc = FD_EINVAL;
    char *h = NULL, *p = NULL;
    if (curl_url_set(u, CURLUPART_URL, q, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK) {
        if (verify_host_normalize(h, host, hn) == 0) {
            snprintf(path, pn, "%s", p);
            rc = 0;
        }
    }
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

static void finish_message(struct verify_answer *a)
{
    const char *what = a->kind;
    if (!strcmp(what, "url"))
        what = "web address";
    else if (!strcmp(what, "email"))
        what = "e-mail address";
    else if (!strcmp(what, "x"))
        what = "X account";
    else if (!strcmp(what, "telegram"))
        what = "Telegram account";
    else if (!strcmp(what, "handle"))
        what = "account";
    else if (!strcmp(what, "phone"))
        what = "phone number";
    switch (a->verdict) {
    case VERIFY_OFFICIAL:
        snprintf(a->message, sizeof(a->message),
                 "Official: %.300s is an official Frontdesk %s%s%.400s.", a->value, what,
                 a->note[0] ? " — " : "", a->note);
        break;
    case VERIFY_LOOKALIKE:
        snprintf(
            a->message, sizeof(a->message),
            "Warning: %.300s looks like our official %.300s but it is NOT ours: it %s. This is how "
            "scammers pass for support. Do not reply, do not open its links, never share "
            "passwords, 2FA codes or your seed phrase, and report it to us through /support.",
            a->value, a->matched, verify_look_reason(a->look));
        break;
    case VERIFY_NOT_OFFICIAL:
        snprintf(a->message, sizeof(a->message),
                 "Not official: %.300s is not one of our official contacts. Frontdesk support will "
                 "never ask for your password, 2FA codes or seed phrase, or ask you to move "
                 "funds. Do not trust it; contact us through /support if it claims to be us.",
                 a->value);
        break;
    }
}

int verify_query(struct db *db, const char *q, const char *kind, struct verify_answer *out,
                 struct fd_error *err)
{
    char v[QUERY_MAX + 1];
    if (!q || strlen(q) > QUERY_MAX)
        return fd_fail(err, FD_EINVAL, "q", "q must be 1 to %d characters", QUERY_MAX);
    trim(q, v, sizeof(v));
    if (!v[0])
        return fd_fail(err, FD_EINVAL, "q", "q is empty: enter an address, number or handle");
    if (kind && !*kind)
        kind = NULL;
    static const char *const kinds_ok[] = {"email",    "domain", "url",    "phone",
                                           "telegram", "x",      "handle", "agent"};
    if (kind) {
        int ok = 0;
        for (size_t i = 0; i < sizeof(kinds_ok) / sizeof(kinds_ok[0]); i++)
            ok |= !strcmp(kinds_ok[i], kind);
        if (!ok)
            return fd_fail(err, FD_EINVAL, "kind",
                           "kind must be email, domain, url, phone, telegram, x, handle or agent");
    }
    struct verify_answer a;
    memset(&a, 0, sizeof(a));
    char code[8], host[VERIFY_HOST_MAX * 4 + 1] = "", path[QUERY_MAX + 1] = "";
    struct scan s = {0};
    s.a = &a;
    int rc;

    if ((!kind && is_agent_code(v, code) && strchr(v, '-')) || (kind && !strcmp(kind, "agent"))) {
        if (!is_agent_code(v, code))
            return fd_fail(err, FD_EINVAL, "q", "an agent code looks like 7KQ2-9M");
        if ((rc = answer_agent(db, code, &a)))
            return rc;
        *out = a;
        return 0;
    }

    const char *k = kind;
    if (!k) {
        if (strstr(v, "://") || (strchr(v, '/') && strchr(v, '.')))
            k = "url";
        else if (strchr(v + 1, '@'))
            k = "email";
        else if (v[0] == '@')
            k = "handle";
        else if (norm_phone(v, a.value, sizeof(a.value)) == 0)
            k = "phone";
        else if (strchr(v, '.'))
            k = "domain";
        else
            k = "handle";
    }
    snprintf(a.kind, sizeof(a.kind), "%s", k);
    if (!strcmp(k, "url")) {
        if (url_parts(v, host, sizeof(host), path, sizeof(path)))
            return fd_fail(err, FD_EINVAL, "q", "this is not a web address we can read");
        /* profile links: t.me/name, x.com/name */
        const char *tg = NULL, *xk = NULL;
        if (!strcmp(host, "t.me") || !strcmp(host, "telegram.me"))
            tg = path + 1;
        else if (!strcmp(host, "x.com") || !strcmp(host, "twitter.com"))
            xk = path + 1;
        char h[256];
        if ((tg || xk) && strlen(tg ? tg : xk) < sizeof(h)) {
            snprintf(h, sizeof(h), "%.255s", tg ? tg : xk);
            h[strcspn(h, "/?#")] = '\0';
            if (norm_handle(h, a.value, sizeof(a.value)) == 0) {
                snprintf(a.kind, sizeof(a.kind), "%s", tg ? "telegram" : "x");
                s.kinds = (unsigned)kind_bit(a.kind);
                goto scan;
            }
        }
        snprintf(a.value, sizeof(a.value), "%s", host);
        s.host = host;
        s.kinds = (unsigned)kind_bit("domain");
    } else if (!strcmp(k, "email")) {
        if (norm_email(v, a.value, sizeof(a.value)))
            return fd_fail(err, FD_EINVAL, "q", "this is not an e-mail address");
        snprintf(host, sizeof(host), "%s", strrchr(a.value, '@') + 1);
        s.host = host;
        s.kinds = (unsigned)kind_bit("email");
    } else if (!strcmp(k, "domain")) {
        if (verify_host_normalize(v, host, sizeof(host)))
            return fd_fail(err, FD_EINVAL, "q", "this is not a domain name");
        snprintf(a.value, sizeof(a.value), "%s", host);
        s.host = host;
        s.kinds = (unsigned)kind_bit("domain");
    } else if (!strcmp(k, "phone")) {
        if (norm_phone(v, a.value, sizeof(a.value)))
            return fd_fail(err, FD_EINVAL, "q", "this is not a phone number");
        s.kinds = (unsigned)kind_bit("phone");
    } else {
        if (norm_handle(v, a.value, sizeof(a.value)))
            return fd_fail(err, FD_EINVAL, "q", "a handle has letters, digits and _ only");
        s.kinds = !strcmp(k, "handle") ? (unsigned)(kind_bit("telegram") | kind_bit("x"))
                                       : (unsigned)kind_bit(k);
    }
scan:
    s.value = a.value;
    if ((rc = store_verify_entry_list(db, NULL, scan_entry, &s)))
        return rc;
    if (!strcmp(a.kind, "handle") && a.verdict != VERIFY_NOT_OFFICIAL)
        snprintf(a.kind, sizeof(a.kind), "%s", a.matched_kind);
    finish_message(&a);
    *out = a;
    return 0;
}

int verify_chat_greeting(struct db *db, int64_t agent_id, int64_t customer_id, const char *intro,
                         char *out, size_t n)
{
    char code[16];
    int rc = verify_agent_code(db, agent_id, code, sizeof(code));
    if (rc)
        return rc;
    char base[600];
    snprintf(base, sizeof(base),
             "%.400s Agent code %s: check it at /verify to be sure you are talking to "
             "Frontdesk support.",
             intro, code);
    char *coded = NULL;
    if ((rc = antiphish_text_apply(db, customer_id, base, &coded)))
        return rc;
    snprintf(out, n, "%s", coded ? coded : base);
    free(coded);
    return 0;
}
