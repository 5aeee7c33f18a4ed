#ifndef FD_MAIL_INT_H
#define FD_MAIL_INT_H
/* Declarations shared by the mail module's files. */
#include "../store/records.h"
#include "mail.h"

#include <stddef.h>
#include <stdint.h>

/* DKIM-signs raw bytes when a key is configured (dkim.c): *out is then a new buffer with
 * the DKIM-Signature header in front; with no key *out is NULL. Returns 0 or FD_EIO. */
int mail__dkim_sign(const char *raw, size_t len, char **out, size_t *outlen);
/* The disabled system account that authors automatic internal notes. */
int mail__system_user(struct db *db, struct user_rec *out);
/* Stores raw bytes under DATA_DIR/mail; sha gets the hex digest (65 bytes). */
int mail__raw_put(const struct mail_config *cfg, const char *raw, size_t len, char *sha);
/* Whether a subject carries a ticket tag [FD-n]; *id gets the ticket id. */
int mail__subject_ticket(const char *subject, int64_t *id);
/* Queues an acknowledgement for a new ticket t opened by message m (rate limited per
 * sender: *queued says whether it was). Inside the caller's transaction. */
int mail__queue_ack(struct db *db, const struct mail_config *cfg, const struct ticket_rec *t,
                    const struct mail_parsed *m, int *queued);

/* ---- text helpers for the parser (parse_text.c) ---- */
struct buf;
/* Converts n bytes in `charset` (NULL or unknown: UTF-8 when the bytes are valid UTF-8,
 * else Windows-1252) to UTF-8 appended to out. Invalid or unconvertible bytes and NULs
 * become U+FFFD; it never fails on bad input. Stops after about limit output bytes
 * (0 = no limit) and then returns 1, else 0. */
int mail__to_utf8(const char *charset, const char *in, size_t n, struct buf *out, size_t limit);
/* Appends bytes as valid UTF-8: each invalid byte and each NUL becomes U+FFFD. */
void mail__utf8_sanitize(const char *in, size_t n, struct buf *out);
/* HTML (UTF-8) to readable text appended to out: tags stripped; script, style, title and
 * comments dropped; entities decoded; block elements become line breaks; whitespace
 * collapsed. Stops once it has appended more than limit bytes (0 = none), returning 1. */
int mail__html_to_text(const char *in, size_t n, struct buf *out, size_t limit);
/* Rewrites CRLF and lone CR as LF in place; returns the new length. */
size_t mail__unix_newlines(char *s, size_t n);

struct store;
/* Polls one mailbox (imap.c): every unseen message goes through mail_intake, and is
 * flagged \\Seen only after its transaction committed. A message that fails is left
 * unseen and logged; the ones after it are still processed. */
int mail__imap_poll(struct store *s, const struct mail_worker_config *cfg, const char *url);

#endif
