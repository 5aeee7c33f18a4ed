#ifndef FD_SAFETY_SCAN_H
#define FD_SAFETY_SCAN_H
/*
 * Customer safety: the secrets scanner for inbound customer text and the outbound guard
 * for staff text.
 *
 * The scanner finds wallet and account secrets a customer pasted by mistake and replaces
 * each with a marker such as "[removed: recovery phrase]", before anything is stored or
 * logged. What it finds:
 *   - BIP-39 recovery phrases (12/15/18/21/24 words of the English list) whose checksum
 *     validates; separators such as commas, newlines and numbering ("1. abandon 2. ...")
 *     are tolerated;
 *   - private keys: WIF (5/K/L, testnet 9/c) and BIP-38 (6P) keys, extended private keys
 *     (xprv/yprv/zprv/tprv/uprv/vprv), all Base58Check-validated; and 64 hex digits
 *     (optionally 0x) when "private key", "privkey" or "secret" precedes them;
 *   - passwords, 2FA/OTP codes and exchange API secrets stated in context
 *     ("my password is hunter22", "2FA code: 123456", "API secret: ...").
 * Public things (addresses, transaction ids, xpubs) are never flagged.
 *
 * Non-goals: other-language word lists, SLIP-39 shares, images and attachments.
 *
 * Time is linear in the input: one tokenising pass, a bounded amount of work per token
 * (at most five SHA-256 checksums per wordlist word, Base58 decoding only of tokens of
 * the exact key lengths). Thread-safe: no mutable global state.
 */
#include <stddef.h>
#include <stdint.h>

struct db;
struct fd_error;
struct mail_parsed;
struct ticket_rec;

enum safety_kind {
    SAFETY_SEED = 1u << 0,       /* recovery phrase */
    SAFETY_PRIVKEY = 1u << 1,    /* private key */
    SAFETY_PASSWORD = 1u << 2,   /* password */
    SAFETY_OTP = 1u << 3,        /* 2FA code */
    SAFETY_API_SECRET = 1u << 4, /* API secret */
};
#define SAFETY_NKINDS 5

/* The tag a ticket gets when something was removed from it. */
#define SAFETY_TAG "secret-removed"
/* The department that handles such tickets (Account & Security). */
#define SAFETY_DEPARTMENT "account"

/*
 * Scans len bytes of text. On success *kinds is the set of kinds found (0 for none).
 * When something was found and out is non-NULL, *out receives a malloc'd, NUL-terminated
 * copy of the text with each finding replaced by its marker (the caller frees it) and
 * *outlen (if non-NULL) its length; when nothing was found *out is set to NULL.
 * Returns 0 or FD_ENOMEM (outputs untouched).
 */
int safety_scan(const char *text, size_t len, unsigned *kinds, char **out, size_t *outlen);

/*
 * Redacts a NUL-terminated string in place of the pointer: when something is found,
 * *s is replaced by the redacted copy, which is appended to the caller's list of owned
 * strings via *owned (freed by the caller with free()); otherwise *s is unchanged and
 * *owned is NULL. NULL *s is accepted. Returns the kinds found.
 */
unsigned safety_redact(const char **s, char **owned);

/* "recovery phrase", "private key", ... for one kind bit; NULL for an unknown bit. */
const char *safety_kind_name(unsigned kind);
/* "recovery_phrase", "private_key", ... (for events and API responses). */
const char *safety_kind_slug(unsigned kind);
/* The marker text for one kind: "[removed: recovery phrase]". */
const char *safety_marker(unsigned kind);
/* "urgent" when a recovery phrase or private key was found, otherwise "high". */
const char *safety_priority(unsigned kinds);
/* The customer-facing warning, a static string. */
const char *safety_warning_text(unsigned kinds);
/* The warning as API answers carry it: {"kinds":[slugs], "message":text} (new reference). */
struct json_t *safety_warning_json(unsigned kinds);

/*
 * Outbound guard for staff text sent to a customer (public replies, chat messages,
 * macros, templates): a sentence that asks for a recovery phrase, private key, password
 * or 2FA code ("please send us your seed phrase", "what is your 12-word phrase",
 * "confirm your 2FA code") is refused; a warning that mentions them ("we will never ask
 * for your seed phrase") passes. Returns 0, or FD_EINVAL with err (field `field`)
 * explaining the refusal.
 */
int safety_outbound_check(const char *text, const char *field, struct fd_error *err);

/*
 * The ticket desk's hook (src/tickets), run for every message before it is stored:
 *
 *   struct safety_hit hit = {0};
 *   safety_ticket_redact(db, t, &body, &hit);    before the ticket/message is written
 *   ...store the ticket and the message...
 *   safety_ticket_record(db, t, actor, &hit, now);   same transaction
 *   safety_hit_release(&hit);
 *
 * safety_ticket_redact replaces t->subject and *body (when secrets are found; *body then
 * points into hit, valid until safety_hit_release) and routes t: tag SAFETY_TAG, the
 * Account & Security department, priority raised to high (urgent for a recovery phrase or
 * private key). The caller then stores t. safety_ticket_record writes the
 * "secret_removed" event naming the kinds found (never the secret) when hit found any.
 * Both return 0 or FD_EDB / FD_ENOMEM; on failure the caller rolls back.
 */
struct safety_hit {
    unsigned kinds;
    char *body; /* the redacted body, owned */
    char before_priority[16], before_department[32];
};
int safety_ticket_redact(struct db *db, struct ticket_rec *t, const char **body,
                         struct safety_hit *hit);
int safety_ticket_record(struct db *db, const struct ticket_rec *t, int64_t actor_id,
                         const struct safety_hit *hit, int64_t now);
void safety_hit_release(struct safety_hit *hit);
/* For a channel that removed secrets itself before the ticket saw the text (mail):
 * flags and routes the stored ticket t, writes it back and records the event, inside
 * the caller's transaction. Returns 0 or FD_EDB. */
int safety_ticket_flag(struct db *db, struct ticket_rec *t, int64_t actor_id, unsigned kinds,
                       int64_t now);

/*
 * Live chat's hook, around storing a customer's or agent's message: safety_chat_redact
 * replaces *body by a redacted copy (owned by *owned, freed by the caller; NULL when
 * nothing was found) and sets *kinds; after the message is stored,
 * safety_chat_record (when kinds != 0) writes the "secret_removed" event and a system
 * message with the warning. Return 0 or FD_ENOMEM / FD_EDB.
 */
int safety_chat_redact(const char **body, char **owned, unsigned *kinds);
int safety_chat_record(struct db *db, int64_t chat_id, int64_t author_id, unsigned kinds,
                       int64_t now);

/*
 * Mail intake's hook, right after parsing and before anything is stored: when the
 * subject, text, HTML or a text attachment holds secrets, the raw message is rewritten
 * with GMime (text parts redacted and re-encoded, Subject re-set) and m is replaced by
 * the parse of the rewritten bytes; *raw and *len then point at them (owned by *owned,
 * which the caller frees; NULL when nothing was found). *kinds gets the kinds found.
 * Returns 0 or FD_ENOMEM.
 */
int safety_mail_redact(struct mail_parsed *m, const char **raw, size_t *len, char **owned,
                       unsigned *kinds);

#endif
