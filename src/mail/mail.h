#ifndef FD_MAIL_MAIL_H
#define FD_MAIL_MAIL_H
/*
 * The email channel.
 *   parse.c   raw RFC 5322 bytes → struct mail_parsed (GMime): decoded headers, the
 *             addresses, threading ids, a UTF-8 text body (text/plain preferred, HTML
 *             converted to text), attachments, and the auto-reply / bounce signals.
 *   intake.c  one intake path for every way in (mailgate, IMAP): dedupe by Message-ID,
 *             keep the raw message as the record, route to a department by recipient,
 *             thread onto a ticket, and queue an acknowledgement.
 *   compose.c struct mail_out → raw RFC 5322 bytes (GMime), optionally DKIM-signed.
 *   smtp.c    hands raw bytes to an SMTP server (libcurl).
 *   outbox.c  the persistent outbox worked by a background thread with backoff.
 *   imap.c    polls department mailboxes (libcurl IMAP).
 * Thread safety: call mail_init() once before any thread uses this module.
 */
#include "../store/records.h"

#include <stddef.h>
#include <stdint.h>

struct db;
struct fd_error;

/* Once per process: initialises GMime and libcurl. */
void mail_init(void);
void mail_shutdown(void);

/* ---- parsing (parse.c) ---- */

#define MAIL_MAX_ADDRS 32
#define MAIL_MAX_REFS 64
#define MAIL_MAX_ATTACHMENTS 32

struct mail_addr {
    char *name;  /* decoded display name, UTF-8, may be "" */
    char *email; /* lower-cased addr-spec */
};

struct mail_attachment {
    char *filename;     /* decoded; "" if none */
    char *content_type; /* e.g. "image/png" */
    unsigned char *data;
    size_t len;
    int inline_part; /* Content-Disposition inline (e.g. an image in HTML) */
};

enum mail_kind {
    MAIL_NORMAL = 0,
    MAIL_AUTO_REPLY = 1, /* Auto-Submitted != no, Precedence bulk/junk/list, X-Autoreply... */
    MAIL_BOUNCE = 2,     /* multipart/report; report-type=delivery-status (or an empty
                            Return-Path <> with a DSN body) */
};

struct mail_parsed {
    char *message_id;  /* without <>; synthesized from a hash of the bytes if missing */
    char *in_reply_to; /* without <>; NULL if none */
    char *references[MAIL_MAX_REFS]; /* without <>, oldest first */
    int nreferences;
    char *subject; /* decoded UTF-8, "" if none */
    struct mail_addr from;
    struct mail_addr reply_to;                   /* email NULL if none */
    struct mail_addr recipients[MAIL_MAX_ADDRS]; /* To, Cc, Delivered-To, X-Original-To */
    int nrecipients;
    char *return_path; /* as given, "" for <>; NULL if the header is absent */
    int64_t date_ms;   /* 0 if absent or unparsable */
    char *text;        /* the body as UTF-8 text (never NULL) */
    char *html;        /* the HTML part if any, raw (display only after sanitising) */
    struct mail_attachment attachments[MAIL_MAX_ATTACHMENTS];
    int nattachments;
    enum mail_kind kind;
    /* For bounces: the Message-ID of the message that bounced, if found. */
    char *bounced_message_id;
    int parse_error; /* 1 when GMime could not parse it: only raw bytes are reliable */
};

/* Parses raw bytes. Never fails on bad input: a message it cannot parse comes back with
 * parse_error = 1 and what could be found. Returns 0 or FD_ENOMEM. */
int mail_parse(const char *raw, size_t len, struct mail_parsed *out);
void mail_parsed_release(struct mail_parsed *m);

/* ---- SMTP (smtp.c) ---- */

struct mail_smtp {
    const char *url;                 /* smtp://127.0.0.1:2525 or smtps://... */
    const char *username, *password; /* NULL for none */
    long timeout_s;
};
/* Sends raw bytes from mail_from to one recipient. Returns 0; FD_EIO for a temporary
 * failure (connection refused, 4xx: retry later); FD_EINVAL for a permanent one (5xx).
 * err->message gets the server's answer. */
int mail_smtp_send(const struct mail_smtp *s, const char *mail_from, const char *rcpt,
                   const char *raw, size_t len, struct fd_error *err);

/* ---- intake (intake.c) ---- */

/* What the channel needs to know; read-only after start-up. */
struct mail_config {
    const char *data_dir;           /* raw messages go to DATA_DIR/mail */
    const char *domain;             /* for our Message-IDs */
    const char *default_department; /* slug, for unknown recipients */
    const char *base_url;           /* links to the portal */
    size_t attachment_max;
    size_t mail_max;  /* largest message taken in, bytes */
    int ack_per_hour; /* acknowledgements to one sender per hour */
    /* phishing reports (NULL or "": phishing@domain) */
    const char *phishing_address;
};

struct mail_intake_result {
    int64_t mail_id;
    int64_t ticket_id; /* 0 if none (an unmatched bounce, a looped message) */
    char status[20];   /* see mail_messages.status in 003_mail.sql, or "duplicate" */
    int duplicate;
    int acknowledged; /* an acknowledgement was queued */
};

/*
 * The one intake path: stores the raw bytes durably, then in one write transaction
 * records the message, threads it (In-Reply-To / References, then the [FD-n] subject
 * tag; the sender must be the requester or a participant, else a linked ticket is
 * opened), adds it to a ticket or opens one, keeps attachments, and queues an
 * acknowledgement for new tickets unless the message is automatic or the sender was
 * acknowledged too often. address (may be NULL) is the recipient the MTA delivered to.
 * Returns 0 (also for a duplicate: res->duplicate), FD_EIO, FD_EDB.
 */
int mail_intake(struct db *db, const struct mail_config *cfg, const char *raw, size_t len,
                const char *source, const char *address, struct mail_intake_result *res,
                struct fd_error *err);

/* What the MTA told us about the SMTP session; any field may be NULL (unknown). Only
 * the MTA (the mailgate, with a mail:ingest token) may state these; never taken from the
 * message's own headers. */
struct mail_envelope {
    const char *client_ip; /* the connecting client's address, IPv4 or IPv6 */
    const char *helo;      /* its HELO/EHLO name */
    const char *mail_from; /* the SMTP MAIL FROM (envelope sender), "" for <> */
};
/* mail_intake with what the MTA said about the SMTP session (client IP, HELO, MAIL FROM;
 * env may be NULL), for SPF. Authentication (DKIM, SPF, DMARC: auth.h) is recorded with
 * the message; a message that failed it joins a ticket only through In-Reply-To or
 * References, never by its [FD-n] tag alone (a linked ticket tagged auth-failed instead). */
int mail_intake_env(struct db *db, const struct mail_config *cfg, const char *raw, size_t len,
                    const char *source, const char *address, const struct mail_envelope *env,
                    struct mail_intake_result *res, struct fd_error *err);

/* An outgoing message to queue: From is the department's primary address. */
struct mail_notice {
    int64_t ticket_id;     /* 0 = none */
    int64_t department_id; /* picks the From address */
    const char *to_name, *to_email;
    const char *subject, *text;
    const char *kind; /* outbox kind: reply, ack, notice */
    const char *in_reply_to;
    const char *const *references;
    int nreferences;
    int auto_submitted;
    const char *html; /* NULL: an HTML alternative is made from text */
    const struct mail_attachment *attachments;
    int nattachments;
};
/* Composes the message, stores it as the record and queues its delivery, inside the
 * caller's write transaction. Returns 0 or an FD_E code. */
int mail_queue(struct db *db, const struct mail_config *cfg, const struct mail_notice *n);

/*
 * Composes and records an outgoing message for ticket t and queues its delivery: the
 * department's address as From, the [FD-n] tag in the subject, In-Reply-To/References
 * from the ticket's mail. kind: reply, ack, notice. Inside the caller's transaction.
 */
int mail_queue_ticket(struct db *db, const struct mail_config *cfg, const struct ticket_rec *t,
                      const char *kind, const char *text, const char *in_reply_to,
                      int auto_submitted);

/* Reads back the raw bytes of a recorded message (caller frees). */
int mail_raw_get(const struct mail_config *cfg, const char *sha256, char **raw, size_t *len);

/* ---- the outbox worker (outbox.c) ---- */

struct mail_worker_config {
    struct mail_config mail;
    struct mail_smtp smtp;        /* url NULL: nothing is sent, deliveries wait */
    long poll_ms;                 /* how often the worker looks for work */
    long retry_base_s;            /* first retry delay; doubles per attempt */
    int max_attempts;             /* then the delivery fails for good */
    const char *const *imap_urls; /* mailboxes to poll, NULL-terminated, may be NULL */
    long imap_poll_ms;            /* how often mailboxes are polled (a login each time) */
    const char *imap_username, *imap_password;
};

struct mail_worker;
struct store;
/* Starts the background thread (outbound notifications, deliveries, IMAP polling). */
int mail_worker_start(struct store *s, const struct mail_worker_config *cfg,
                      struct mail_worker **out);
/* Stops it after the current step. Accepts NULL. */
void mail_worker_stop(struct mail_worker *w);
/* One pass of every step now (for tests and the CLI). Returns 0 or an FD_E code. */
int mail_worker_run_once(struct store *s, const struct mail_worker_config *cfg);

/* ---- composing (compose.c) ---- */

struct mail_out {
    const char *from_name, *from_email;
    const char *to_name, *to_email;
    const char *subject;           /* already carrying the [FD-10042] tag */
    const char *text;              /* plain-text body (UTF-8) */
    const char *html;              /* optional HTML alternative */
    const char *message_id;        /* without <> */
    const char *in_reply_to;       /* without <>, or NULL */
    const char *const *references; /* without <>, oldest first */
    int nreferences;
    const struct mail_attachment *attachments;
    int nattachments;
    int auto_submitted; /* 1: Auto-Submitted: auto-replied (acknowledgements) */
};

/* Builds the raw message (CRLF line ends). *raw is the caller's. DKIM-signs it when a
 * key was set with mail_dkim_configure (never sends unsigned then: signing failure is
 * FD_EIO). Returns 0, FD_EINVAL, FD_EIO, FD_ENOMEM. */
int mail_compose(const struct mail_out *m, char **raw, size_t *len);
/* Makes a new Message-ID "<random>@domain" without the brackets into out (>= 128). */
void mail_new_message_id(const char *domain, char *out, size_t n);

/* DKIM: domain, selector and a PEM private key file. Returns 0, FD_EIO, FD_EINVAL. */
int mail_dkim_configure(const char *domain, const char *selector, const char *key_path,
                        struct fd_error *err);
/* `frontdesk dkim keygen`: writes a new RSA key to key_path and prints the DNS TXT record
 * for selector._domainkey.domain to stdout. Returns 0, FD_ECONFLICT (the key file exists:
 * it is never overwritten), or another FD_E code. */
int mail_dkim_keygen(const char *domain, const char *selector, const char *key_path,
                     struct fd_error *err);

#endif
