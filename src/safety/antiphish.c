/*
 * Customers' anti-phishing codes. A customer picks a word only they and Frontdesk know;
 * every message Frontdesk sends them carries "Your anti-phishing code: WORD", so a
 * message without it is not from us. The code is never logged and never written to an
 * event row; mail_queue is the one place outbound mail passes, and it calls
 * antiphish_mail_apply, which adds the line and refuses a message that would still lack
 * it.
 */
#include "verify.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../store/store.h"
#include "../store/store_verify.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PW_WINDOW_MS (15 * 60 * 1000LL)
#define PW_MAX_FAILURES 10

int antiphish_code_check(const char *code, struct fd_error *err)
{
    size_t len = strlen(code);
    if (len < ANTIPHISH_MIN || len > ANTIPHISH_MAX)
        return fd_fail(err, FD_EINVAL, "code", "the code must be %d to %d letters or digits",
                       ANTIPHISH_MIN, ANTIPHISH_MAX);
    for (const char *p = code; *p; p++) {
        if (!isalnum((unsigned char)*p))
            return fd_fail(err, FD_EINVAL, "code",
                           "the code may hold only letters A-Z and digits 0-9");
    }
    return 0;
}

void antiphish_line(const char *code, char *out, size_t n)
{
    snprintf(out, n, ANTIPHISH_LABEL "%s", code);
}

int antiphish_get(struct db *db, int64_t user_id, char *code, size_t n)
{
    char tmp[ANTIPHISH_MAX + 1];
    int rc = store_antiphish_get(db, user_id, tmp, sizeof(tmp));
    if (rc == 0 && code)
        snprintf(code, n, "%s", tmp);
    sodium_memzero(tmp, sizeof(tmp));
    return rc;
}

int antiphish_set(struct db *db, int64_t user_id, const char *code, const char *password,
                  int64_t actor_id, struct fd_error *err)
{
    int rc;
    if (code && (rc = antiphish_code_check(code, err)))
        return rc;
    if ((rc = db_begin_write(db)))
        return rc;
    struct user_rec u;
    rc = store_user_get(db, user_id, &u);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_ENOTFOUND, "user", "no such customer");
    if (rc)
        goto out;
    if (u.role != ROLE_CUSTOMER) {
        rc = fd_fail(err, FD_EINVAL, "user", "anti-phishing codes are for customers");
        goto out;
    }
    if (password) {
        int64_t now = fd_now_ms(), failures = 0;
        if ((rc = store_login_failure_count(db, u.email, now - PW_WINDOW_MS, &failures)))
            goto out;
        if (failures >= PW_MAX_FAILURES) {
            rc = fd_fail(err, FD_ERATE, "password", "too many wrong passwords; try again later");
            goto out;
        }
        char hash[crypto_pwhash_STRBYTES];
        struct user_rec again;
        if ((rc = store_user_by_email(db, u.email, &again, hash, sizeof(hash))))
            goto out;
        if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) {
            /* a wrong password counts like a failed sign-in, durably */
            rc = store_login_failure_add(db, u.email, now);
            if (rc == 0)
                rc = db_commit(db);
            if (rc)
                goto out;
            return fd_fail(err, FD_EAUTH, "password", "the password is wrong");
        }
    }
    char had[ANTIPHISH_MAX + 1];
    int existed = store_antiphish_get(db, user_id, had, sizeof(had)) == 0;
    sodium_memzero(had, sizeof(had));
    int64_t now = fd_now_ms();
    if ((rc = store_antiphish_put(db, user_id, code, actor_id, now)))
        goto out;
    char data[96];
    snprintf(data, sizeof(data), "{\"user_id\":%lld,\"by\":%lld}", (long long)user_id,
             (long long)actor_id);
    rc = store_event_insert(db, 0, actor_id,
                            !code     ? "antiphish_code_removed"
                            : existed ? "antiphish_code_changed"
                                      : "antiphish_code_set",
                            data, now);
    if (rc == 0)
        rc = db_commit(db);
out:
    if (rc)
        db_rollback(db);
    return rc;
}

/* Whether the code line appears in s. */
static int has_line(const char *s, const char *line)
{
    return s && strstr(s, line) != NULL;
}

int antiphish_mail_apply(struct db *db, const char *to_email, const char *kind, const char *text,
                         const char *html, char **text_out)
{
    *text_out = NULL;
    char code[ANTIPHISH_MAX + 1];
    int rc = store_antiphish_by_email(db, to_email, code, sizeof(code));
    if (rc == FD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    char line[sizeof(ANTIPHISH_LABEL) + ANTIPHISH_MAX + 1];
    antiphish_line(code, line, sizeof(line));
    sodium_memzero(code, sizeof(code));
    char *added = NULL;
    if (!has_line(text, line)) {
        struct buf b;
        buf_init(&b, 0);
        if (buf_puts(&b, line) || buf_puts(&b, "\n\n") || buf_puts(&b, text ? text : "")) {
            buf_release(&b);
            return FD_ENOMEM;
        }
        added = buf_detach(&b, NULL);
    }
    const char *final_text = added ? added : text;
    /* The HTML, when the caller brought its own, must show the code as well: the
     * composer cannot place a line in arbitrary markup, so such a message is refused. */
    if (!has_line(final_text, line) || (html && !has_line(html, line))) {
        sodium_memzero(line, sizeof(line));
        free(added);
        log_printf(LOG_WARN, "antiphish",
                   "event=refused kind=%s reason=code_missing msg=\"outbound message to a "
                   "customer with an anti-phishing code lacks it\"",
                   kind ? kind : "?");
        return FD_EINVAL;
    }
    sodium_memzero(line, sizeof(line));
    *text_out = added;
    return 0;
}

int antiphish_text_apply(struct db *db, int64_t user_id, const char *text, char **out)
{
    *out = NULL;
    char code[ANTIPHISH_MAX + 1];
    int rc = store_antiphish_get(db, user_id, code, sizeof(code));
    if (rc == FD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    char line[sizeof(ANTIPHISH_LABEL) + ANTIPHISH_MAX + 1];
    antiphish_line(code, line, sizeof(line));
    sodium_memzero(code, sizeof(code));
    struct buf b;
    buf_init(&b, 0);
    rc = buf_puts(&b, line) || buf_puts(&b, "\n\n") || buf_puts(&b, text) ? FD_ENOMEM : 0;
    sodium_memzero(line, sizeof(line));
    if (rc) {
        buf_release(&b);
        return rc;
    }
    *out = buf_detach(&b, NULL);
    return 0;
}
