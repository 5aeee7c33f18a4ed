#ifndef FD_SAFETY_VERIFY_H
#define FD_SAFETY_VERIFY_H
/*
 * Protection from fake support (issue 7), next to the secrets scanner (scan.h):
 *
 *   lookalike.c  host normalization (IDNA/punycode-aware, lower-case) and the look-alike
 *                test of a domain or handle against an official one: homoglyphs
 *                (Cyrillic/Greek letters, 0/o, 1/l/I, rn/m, vv/w), edit distance <= 2,
 *                extra words ("-support", "-help"...) and the official name embedded in a
 *                longer one. Pure functions, no database.
 *   verify.c     "is this really support?": classifies a query (e-mail address, domain,
 *                URL, phone, Telegram or X handle, agent code) and answers official /
 *                look-alike / not official from the registry kept by admins; agents'
 *                rotating chat codes (per agent and per UTC day, keyed by a random secret
 *                kept in the database).
 *   antiphish.c  customers' anti-phishing codes: checking, setting (with an event row),
 *                and the one check every outbound customer message passes through
 *                (antiphish_mail_apply, called by mail_queue).
 *
 * Non-goals: no network lookups (no DNS, no WHOIS); the registry is the only truth.
 * Thread-safe: all state is in the database. The code itself is never logged and never
 * written to an event row.
 */
#include <stddef.h>
#include <stdint.h>

struct db;
struct fd_error;
struct user_rec;

/* ---- look-alikes (lookalike.c) ---- */

#define VERIFY_HOST_MAX 253

enum verify_look {
    VERIFY_LOOK_NONE = 0,
    VERIFY_LOOK_HOMOGLYPH, /* the same once confusable characters are folded */
    VERIFY_LOOK_EDIT,      /* one or two characters changed, added or removed */
    VERIFY_LOOK_WORDS,     /* the official name with extra words (-support, -help...) */
    VERIFY_LOOK_EMBEDS,    /* the official name inside a longer name or host */
    VERIFY_LOOK_TLD,       /* the official name under another ending (.io for .com) */
};

/* Lower-cases a host name and decodes punycode labels (xn--) to Unicode (UTF-8) with
 * libidn2; a trailing dot is dropped. out gets at most n bytes. Returns 0 or FD_EINVAL
 * (not a valid host name). */
int verify_host_normalize(const char *in, char *out, size_t n);
/* The confusable skeleton of a lower-case UTF-8 name: homoglyphs folded to one ASCII
 * letter each (Cyrillic а->a, 0->o, 1/i/I->l, rn->m, vv->w ...). Returns 0 or FD_ELIMIT. */
int verify_skeleton(const char *in, char *out, size_t n);
/* Whether cand (normalized) imitates official (normalized): VERIFY_LOOK_NONE when they are
 * equal or unrelated. is_domain: compare the names without their last label (the TLD)
 * too, and split words at '.', '-', '_'. */
enum verify_look verify_lookalike(const char *cand, const char *official, int is_domain);
/* A short English reason for a look-alike ("uses look-alike characters"...). */
const char *verify_look_reason(enum verify_look l);

/* ---- answers (verify.c) ---- */

enum verify_verdict {
    VERIFY_NOT_OFFICIAL = 0,
    VERIFY_OFFICIAL,
    VERIFY_LOOKALIKE,
};

#define VERIFY_KIND_COUNT 5
/* The registry kinds: email, domain, phone, telegram, x. */
extern const char *const verify_kinds[VERIFY_KIND_COUNT];

struct verify_answer {
    enum verify_verdict verdict;
    char kind[16];      /* what the query was taken as: email, domain, url, phone,
                           telegram, x, handle (telegram or x), agent */
    char value[1024];   /* the normalized query (a URL: its host) */
    char matched[1024]; /* official: the entry; look-alike: the entry imitated */
    char matched_kind[16];
    char note[801]; /* the entry's note / the agent's name and department */
    enum verify_look look;
    char message[2048]; /* the sentence shown to the customer */
    int64_t agent_id;   /* agent codes */
    int agent_in_chat;  /* the agent is in a live chat now */
};

/* Normalizes an entry for the registry (kind one of verify_kinds). value_out >= 1024
 * bytes. Returns 0 or FD_EINVAL (err says why). */
int verify_entry_normalize(const char *kind, const char *value, char *value_out, size_t n,
                           struct fd_error *err);

/* Answers a query (kind NULL or "" = guess from its form). Read-only; runs in the
 * caller's transaction (or none). Returns 0, FD_EINVAL (empty or unusable query, err
 * says why), FD_EDB. */
int verify_query(struct db *db, const char *q, const char *kind, struct verify_answer *out,
                 struct fd_error *err);

/* Adds/removes a registry entry with its event row, in its own write transaction. */
struct verify_entry_rec;
int verify_entry_add(struct db *db, int64_t actor_id, const char *kind, const char *value,
                     const char *note, struct verify_entry_rec *out, struct fd_error *err);
int verify_entry_remove(struct db *db, int64_t actor_id, int64_t id);

#define VERIFY_AGENT_CODE_LEN 7 /* "7KQ2-9M" */
/* Renders the agent code for (key, agent, UTC day) into out (>= 8 bytes): 6 characters of
 * Crockford base32 from a keyed BLAKE2b hash, as XXXX-XX. */
void verify_agent_code_render(const char *key_hex, int64_t agent_id, int64_t day, char *out,
                              size_t n);
/* Today's code of an agent (the key is created on first use: needs a write transaction
 * or autocommit). Returns 0 or FD_EDB. */
int verify_agent_code(struct db *db, int64_t agent_id, char *out, size_t n);

/* The system line a customer sees when an agent joins their chat: intro ("Alice joined
 * the chat.") then "Agent code 7KQ2-9M: check it at /verify ...", preceded by the
 * customer's anti-phishing code line when they have one. Inside the caller's write
 * transaction. Returns 0 or FD_EDB. */
int verify_chat_greeting(struct db *db, int64_t agent_id, int64_t customer_id, const char *intro,
                         char *out, size_t n);

/* ---- anti-phishing codes (antiphish.c) ---- */

#define ANTIPHISH_MIN 4
#define ANTIPHISH_MAX 20
#define ANTIPHISH_LABEL "Your anti-phishing code: "

/* Checks a code: 4-20 ASCII letters or digits. Returns 0 or FD_EINVAL (err says why). */
int antiphish_code_check(const char *code, struct fd_error *err);
/* The line shown in messages: "Your anti-phishing code: CODE". */
void antiphish_line(const char *code, char *out, size_t n);
/*
 * Sets a customer's code (code NULL: removes it) in its own write transaction with an
 * event row (never holding the code). password (customers changing their own code) is
 * checked against the account's when not NULL. Returns 0, FD_EINVAL (bad code; not a
 * customer), FD_EAUTH (wrong password), FD_ENOTFOUND, FD_EDB.
 */
int antiphish_set(struct db *db, int64_t user_id, const char *code, const char *password,
                  int64_t actor_id, struct fd_error *err);
/* Whether a customer has a code (code may be NULL; else >= ANTIPHISH_MAX + 1 bytes). */
int antiphish_get(struct db *db, int64_t user_id, char *code, size_t n);

/*
 * The single point every outbound message to a person passes (mail_queue): when the
 * recipient is a customer with a code, the code line is put at the top of the text
 * (*text_out, caller frees; NULL when unchanged) and the final text and HTML must both
 * hold it; html NULL means the HTML will be made from the text. Returns 0, FD_EINVAL
 * (refused: the message would reach the customer without the code; logged), FD_EDB.
 */
int antiphish_mail_apply(struct db *db, const char *to_email, const char *kind, const char *text,
                         const char *html, char **text_out);
/* Like antiphish_mail_apply for any other text shown to the customer (a chat greeting, a
 * portal notice): *out is the text with the code line first (caller frees) or NULL when
 * the user has no code. Returns 0 or FD_EDB. */
int antiphish_text_apply(struct db *db, int64_t user_id, const char *text, char **out);

#endif
