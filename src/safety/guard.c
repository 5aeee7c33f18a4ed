/* The outbound guard: staff text that asks a customer for a secret is refused. */
#include "scan.h"

#include "../core/err.h"

#include <stdio.h>
#include <string.h>

#define GUARD_WORDS_MAX 512 /* words per sentence considered */
#define GUARD_WORD_MAX 24
#define GUARD_REACH 6 /* the secret must follow the request within this many words */

/*
 * A sentence is refused when a request cue ("send", "what is", "we need", ...) is followed
 * within GUARD_REACH words by a secret ("seed phrase", "private key", "2FA code", ...)
 * and no negation ("never", "do not", ...) comes before it. The reach keeps unrelated
 * clauses apart ("please provide a screenshot; you can reset your password at ...").
 */
static const char *const cues[] = {
    "send",       "share",      "provide",      "give",       "tell",         "confirm",
    "submit",     "paste",      "forward",      "upload",     "include",      "attach",
    "dm",         "reply with", "respond with", "what is",    "what's",       "whats",
    "what are",   "we need",    "i need",       "we'll need", "we will need", "we require",
    "may i have", "can i have", "email us",     "read out",   "verify with",  "type in",
    NULL};

static const char *const secrets[] = {"seed",
                                      "recovery phrase",
                                      "recovery words",
                                      "secret phrase",
                                      "secret words",
                                      "backup phrase",
                                      "wallet phrase",
                                      "mnemonic",
                                      "12-word",
                                      "24-word",
                                      "12 word",
                                      "24 word",
                                      "12 words",
                                      "24 words",
                                      "twelve word",
                                      "twelve words",
                                      "private key",
                                      "private keys",
                                      "privkey",
                                      "password",
                                      "passwords",
                                      "passcode",
                                      "2fa code",
                                      "2fa codes",
                                      "2fa token",
                                      "otp",
                                      "one-time code",
                                      "one time code",
                                      "authenticator",
                                      "verification code",
                                      "sms code",
                                      "security code",
                                      "6-digit code",
                                      "6 digit code",
                                      "api secret",
                                      "secret key",
                                      NULL};

static const char *const negations[] = {
    "never",    "not",     "don't",  "dont",  "won't",     "nobody",  "no one", "without",
    "under no", "no need", "cannot", "can't", "shouldn't", "mustn't", "avoid",  NULL};

struct words {
    char w[GUARD_WORDS_MAX][GUARD_WORD_MAX];
    int n;
};

static int word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '\'' || c == '-';
}

/* Whether the phrase (space-separated words) starts at word i. */
static int phrase_at(const struct words *ws, int i, const char *phrase)
{
    const char *p = phrase;
    for (int k = i;; k++) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (k >= ws->n || strlen(ws->w[k]) != len || memcmp(ws->w[k], p, len) != 0)
            return 0;
        if (!sp)
            return 1;
        p = sp + 1;
    }
}

static int any_at(const struct words *ws, int i, const char *const *list)
{
    for (int k = 0; list[k]; k++)
        if (phrase_at(ws, i, list[k]))
            return 1;
    return 0;
}

/* A negation counts only before the secret: "never send your seed phrase" passes,
 * "send your seed phrase, it is not risky" does not. */
static int sentence_asks(const struct words *ws)
{
    int negated = 0;
    for (int i = 0; i < ws->n; i++) {
        negated |= any_at(ws, i, negations);
        if (negated || !any_at(ws, i, cues))
            continue;
        for (int j = i + 1; j < ws->n && j <= i + GUARD_REACH; j++) {
            if (any_at(ws, j, negations))
                break;
            if (any_at(ws, j, secrets))
                return 1;
        }
    }
    return 0;
}

int safety_outbound_check(const char *text, const char *field, struct fd_error *err)
{
    static __thread struct words ws;
    if (!text)
        return 0;
    const char *sentence = text;
    ws.n = 0;
    for (const char *p = text;; p++) {
        unsigned char c = (unsigned char)*p;
        if (word_char(c)) {
            const char *s = p;
            while (word_char((unsigned char)p[1]))
                p++;
            size_t len = (size_t)(p - s) + 1;
            if (ws.n < GUARD_WORDS_MAX) {
                if (len >= GUARD_WORD_MAX)
                    len = GUARD_WORD_MAX - 1;
                for (size_t k = 0; k < len; k++) {
                    char ch = s[k];
                    ws.w[ws.n][k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
                }
                ws.w[ws.n][len] = 0;
                ws.n++;
            }
            continue;
        }
        if (c == 0 || c == '.' || c == '!' || c == '?' || c == ';' || c == '\n') {
            if (sentence_asks(&ws)) {
                int n = (int)(p - sentence);
                while (n > 0 && (*sentence == ' ' || *sentence == '\n')) {
                    sentence++;
                    n--;
                }
                return fd_fail(err, FD_EINVAL, field,
                               "%s asks the customer for a recovery phrase, private key, "
                               "password or 2FA code (\"%.*s\"); support never asks for "
                               "these. Rephrase it, for example \"we will never ask for your "
                               "recovery phrase\"",
                               field, n > 120 ? 120 : n, sentence);
            }
            ws.n = 0;
            sentence = p + 1;
            if (c == 0)
                break;
        }
    }
    return 0;
}
