/*
 * The intake path shared by the mailgate and IMAP: raw bytes in, a threaded ticket
 * message out, with the raw message kept as the record.
 *
 * Order of work, so that nothing is lost and nothing is doubled:
 *   1. the raw bytes are written durably (content-addressed) before the transaction;
 *   2. one write transaction records the message (unique by Message-ID: a second
 *      delivery is a duplicate), threads it, writes the ticket message, attachments,
 *      participants and the acknowledgement's outbox row;
 *   3. only the commit acknowledges the delivery to the caller (mailgate exit 0, IMAP
 *      \\Seen flag).
 */
#include "mail.h"

#include "../auth/auth.h"
#include "../core/blob.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../safety/phish_report.h"
#include "../safety/clamd.h"
#include "../safety/scan.h"
#include "../store/store.h"
#include "../store/store_mailauth.h"
#include "../tickets/tickets.h"
#include "auth.h"
#include "mail_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mail__system_user(struct db *db, struct user_rec *out)
{
    static const char *email = "system@frontdesk.invalid";
    int rc = store_user_by_email(db, email, out, NULL, 0);
    if (rc != FD_ENOTFOUND)
        return rc;
    /* A disabled account with no usable password: it authors automatic notes (bounces,
     * delivery failures) and can never sign in. */
    memset(out, 0, sizeof(*out));
    snprintf(out->email, sizeof(out->email), "%s", email);
    snprintf(out->name, sizeof(out->name), "Frontdesk");
    out->role = ROLE_SUPERVISOR;
    out->disabled = 1;
    out->created_at = fd_now_ms();
    return store_user_insert(db, out, "!", &out->id);
}

#define UNKNOWN_SENDER "unknown-sender@frontdesk.invalid"

static void mail_dir(const struct mail_config *cfg, char *out, size_t n)
{
    snprintf(out, n, "%s/mail", cfg->data_dir);
}

int mail_raw_get(const struct mail_config *cfg, const char *sha256, char **raw, size_t *len)
{
    char dir[2048];
    mail_dir(cfg, dir, sizeof(dir));
    return fd_blob_get(dir, sha256, raw, len);
}

int mail__raw_put(const struct mail_config *cfg, const char *raw, size_t len, char *sha)
{
    char dir[2048];
    mail_dir(cfg, dir, sizeof(dir));
    fd_sha256_hex(raw, len, sha);
    return fd_blob_put(dir, sha, raw, len);
}

/* The ticket reference in a subject: "[FD-10042]" anywhere (after any Re:/AW:/答复:
 * prefixes, which therefore need no special handling). */
int mail__subject_ticket(const char *subject, int64_t *id)
{
    for (const char *p = strstr(subject, "[FD-"); p; p = strstr(p + 1, "[FD-")) {
        const char *q = p + 4;
        int64_t v = 0;
        int digits = 0;
        while (isdigit((unsigned char)*q) && digits < 15) {
            v = v * 10 + (*q - '0');
            q++;
            digits++;
        }
        char ref[32];
        snprintf(ref, sizeof(ref), "FD-%lld", (long long)v);
        if (digits && *q == ']' && tickets_parse_ref(ref, id) == 0)
            return 1;
    }
    return 0;
}

/* Finds the ticket a reply belongs to by its In-Reply-To / References ids. */
static int thread_by_ids(struct db *db, const struct mail_parsed *m, int64_t *ticket)
{
    struct mail_rec r;
    if (m->in_reply_to && store_mail_find(db, NULL, m->in_reply_to, &r) == 0 && r.ticket_id) {
        *ticket = r.ticket_id;
        return 1;
    }
    for (int i = m->nreferences - 1; i >= 0; i--) {
        if (store_mail_find(db, NULL, m->references[i], &r) == 0 && r.ticket_id) {
            *ticket = r.ticket_id;
            return 1;
        }
    }
    return 0;
}

/* The department of the first recipient that is one of ours, else the default. */
static int route(struct db *db, const struct mail_config *cfg, const struct mail_parsed *m,
                 const char *address, struct department_rec *d)
{
    if (address && store_mail_address_department(db, address, d) == 0)
        return 0;
    for (int i = 0; i < m->nrecipients; i++)
        if (m->recipients[i].email &&
            store_mail_address_department(db, m->recipients[i].email, d) == 0)
            return 0;
    return store_department_by_slug(db, cfg->default_department, d);
}

static int is_ours(struct db *db, const char *email)
{
    struct department_rec d;
    return store_mail_address_department(db, email, &d) == 0;
}

static int add_participants(struct db *db, int64_t ticket, const struct mail_parsed *m,
                            const char *sender)
{
    int rc = store_participant_add(db, ticket, sender);
    for (int i = 0; rc == 0 && i < m->nrecipients; i++) {
        const char *e = m->recipients[i].email;
        if (e && *e && !is_ours(db, e))
            rc = store_participant_add(db, ticket, e);
    }
    return rc;
}

typedef char virus_name[SAFETY_VIRUS_NAME_MAX];

static int save_attachments(struct db *db, const struct mail_config *cfg,
                            const struct mail_parsed *m, const virus_name *virus, int64_t uploader,
                            int64_t ticket, int64_t message, struct fd_error *err)
{
    for (int i = 0; i < m->nattachments; i++) {
        const struct mail_attachment *a = &m->attachments[i];
        if (a->len == 0 || virus[i][0])
            continue; /* an infected file is never kept as an attachment */
        int rc = tickets_attach_in_txn(db, uploader, ticket, message, cfg->data_dir, a->filename,
                                       a->data, a->len, cfg->attachment_max, err);
        if (rc == FD_ELIMIT)
            continue; /* too large to keep as a file; the raw message still has it */
        if (rc)
            return rc;
    }
    return 0;
}

/* An internal note naming the attachments that were not kept and why (none: nothing is
 * written). */
static int note_infected(struct db *db, int64_t ticket, const struct mail_parsed *m,
                         const virus_name *virus, struct fd_error *err)
{
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < m->nattachments; i++)
        if (virus[i][0])
            (void)buf_printf(
                &b, "%s\"%.200s\": %s", b.len ? "; " : "",
                *m->attachments[i].filename ? m->attachments[i].filename : "attachment", virus[i]);
    if (b.len == 0) {
        buf_release(&b);
        return 0;
    }
    char *list = buf_detach(&b, NULL);
    struct buf note;
    buf_init(&note, 0);
    (void)buf_printf(&note,
                     "Attachment not kept (virus scanner and executable check): %s. It was not "
                     "stored with this ticket; the original email keeps it as the record. Do not "
                     "open it, and do not ask the customer to send it again.",
                     list);
    free(list);
    char *text = buf_detach(&note, NULL);
    struct user_rec sys;
    int rc = mail__system_user(db, &sys);
    if (rc == 0) {
        struct auth_actor a = {.user = sys, .scopes = SCOPE_ALL};
        struct ticket_rec *t = xmalloc(sizeof(*t));
        int64_t msg = 0;
        rc = tickets_reply_in_txn(db, &a, "email", ticket, text, 1, t, &msg, err);
        free(t);
    }
    free(text);
    return rc;
}

#define LONG_NOTE                                                                                  \
    "\n\n[Shortened: the email is longer than a ticket message may be. The whole message "         \
    "is kept as the original email of this ticket.]"

/*
 * Body text for a ticket message: the text, a note when there is none, or the text cut
 * to fit a ticket message (on a UTF-8 boundary) with a note — a long email must never
 * be refused, since the MTA would then retry it for days. *owned (freed by the caller)
 * holds a shortened copy.
 */
static const char *body_of(const struct mail_parsed *m, char **owned)
{
    const char *p = m->text;
    while (p && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    if (!p || !*p)
        return m->nattachments ? "(no text; see the attachments)" : "(empty message)";
    size_t n = strlen(m->text);
    if (n <= FD_BODY_MAX)
        return m->text;
    if (!*owned) {
        size_t keep = FD_BODY_MAX - sizeof(LONG_NOTE);
        while (keep > 0 && ((unsigned char)m->text[keep] & 0xC0) == 0x80)
            keep--;
        *owned = xmalloc(keep + sizeof(LONG_NOTE));
        memcpy(*owned, m->text, keep);
        memcpy(*owned + keep, LONG_NOTE, sizeof(LONG_NOTE));
    }
    return *owned;
}

/* Keeps the authentication verdicts of an inbound message that was recorded. */
static int record_auth(struct db *db, const struct mail_rec *rec, const struct mail_auth_result *a,
                       const struct mail_envelope *env, int64_t actor)
{
    if (!a->checked)
        return 0;
    struct mailauth_rec r;
    memset(&r, 0, sizeof(r));
    r.mail_id = rec->id;
    snprintf(r.dkim, sizeof(r.dkim), "%s", a->dkim);
    snprintf(r.dkim_domain, sizeof(r.dkim_domain), "%s", a->dkim_domain);
    snprintf(r.spf, sizeof(r.spf), "%s", a->spf);
    snprintf(r.spf_domain, sizeof(r.spf_domain), "%s", a->spf_domain);
    snprintf(r.dmarc, sizeof(r.dmarc), "%s", a->dmarc);
    snprintf(r.dmarc_policy, sizeof(r.dmarc_policy), "%s", a->dmarc_policy);
    snprintf(r.from_domain, sizeof(r.from_domain), "%s", a->from_domain);
    snprintf(r.client_ip, sizeof(r.client_ip), "%s", env && env->client_ip ? env->client_ip : "");
    r.created_at = rec->created_at;
    return store_mailauth_insert(db, &r, rec->ticket_id, actor);
}

int mail_intake(struct db *db, const struct mail_config *cfg, const char *raw, size_t len,
                const char *source, const char *address, struct mail_intake_result *res,
                struct fd_error *err)
{
    return mail_intake_env(db, cfg, raw, len, source, address, NULL, res, err);
}

int mail_intake_env(struct db *db, const struct mail_config *cfg, const char *raw, size_t len,
                    const char *source, const char *address, const struct mail_envelope *env,
                    struct mail_intake_result *res, struct fd_error *err)
{
    memset(res, 0, sizeof(*res));
    int raced = 0;
    char *long_body = NULL;
    struct mail_parsed m;
    int rc = mail_parse(raw, len, &m);
    if (rc)
        return rc;
    /* Authentication looks at the bytes exactly as received (DNS lookups happen here,
     * before the transaction). */
    struct mail_auth_result auth;
    const char *at = m.from.email ? strrchr(m.from.email, '@') : NULL;
    (void)mail_auth_check(raw, len, at ? at + 1 : NULL, env, &auth);
    int auth_failed = mail_auth_failed(&auth);
    /* Secrets leave the message (parsed and raw) before anything is stored. */
    char *clean_raw = NULL;
    unsigned secrets = 0;
    struct mail_rec rec;
    memset(&rec, 0, sizeof(rec));
    virus_name *virus = xcalloc(MAIL_MAX_ATTACHMENTS, sizeof(*virus));
    /* Attachments are scanned before the transaction (clamd may take a while); clamd
     * unavailable and not fail-open: the delivery fails temporarily and is retried. */
    if ((rc = safety_clamd_scan_mail(&m, virus, err)))
        goto done;
    if ((rc = safety_mail_redact(&m, &raw, &len, &clean_raw, &secrets)))
        goto done;
    if ((rc = mail__raw_put(cfg, raw, len, rec.sha256))) {
        fd_fail(err, rc, NULL, "cannot store the raw message");
        goto done;
    }
    snprintf(rec.direction, sizeof(rec.direction), "in");
    snprintf(rec.message_id, sizeof(rec.message_id), "%s", m.message_id);
    rec.size = (int64_t)len;
    /* A sender we cannot use (none, or not an address) is recorded under a placeholder
     * that is never mailed; the message is still kept and ticketed. */
    char sender_buf[FD_EMAIL_MAX + 1];
    const char *sender = UNKNOWN_SENDER;
    if (m.from.email && *m.from.email &&
        auth_email_normalize(m.from.email, sender_buf, sizeof(sender_buf), NULL) == 0)
        sender = sender_buf;
    snprintf(rec.from_email, sizeof(rec.from_email), "%s", sender);
    snprintf(rec.to_email, sizeof(rec.to_email), "%s",
             address         ? address
             : m.nrecipients ? m.recipients[0].email
                             : "");
    snprintf(rec.subject, sizeof(rec.subject), "%s", m.subject);
    snprintf(rec.kind, sizeof(rec.kind), "%s",
             m.kind == MAIL_BOUNCE       ? "bounce"
             : m.kind == MAIL_AUTO_REPLY ? "auto_reply"
                                         : "message");
    rec.parse_error = m.parse_error;
    snprintf(rec.source, sizeof(rec.source), "%s", source ? source : "");
    rec.created_at = fd_now_ms();

    if ((rc = db_begin_write(db)))
        goto done;
    struct mail_rec old;
    rc = store_mail_find(db, "in", m.message_id, &old);
    if (rc == 0) {
        res->duplicate = 1;
        res->mail_id = old.id;
        res->ticket_id = old.ticket_id;
        snprintf(res->status, sizeof(res->status), "duplicate");
        goto done;
    }
    if (rc != FD_ENOTFOUND)
        goto done;
    if (store_mail_find(db, "out", m.message_id, &old) == 0) {
        /* One of our own messages came back in (a forwarding loop): record, no ticket. */
        snprintf(rec.status, sizeof(rec.status), "loop");
        rc = store_mail_insert(db, &rec);
        goto commit;
    }

    if (m.kind == MAIL_BOUNCE) {
        struct mail_rec orig;
        int found = m.bounced_message_id &&
                    store_mail_find(db, "out", m.bounced_message_id, &orig) == 0 && orig.ticket_id;
        snprintf(rec.status, sizeof(rec.status), found ? "bounce" : "bounce_unmatched");
        if (found) {
            rec.ticket_id = orig.ticket_id;
            char note[600];
            snprintf(note, sizeof(note),
                     "Delivery failed: the email to %.254s (Message-ID <%.200s>) bounced. "
                     "The bounce report is attached.",
                     orig.to_email, orig.message_id);
            if ((rc = store_outbox_bounced(db, orig.message_id, "bounced", rec.created_at)))
                goto done;
            struct user_rec sys;
            if ((rc = mail__system_user(db, &sys)))
                goto done;
            struct auth_actor a = {.user = sys, .scopes = SCOPE_ALL};
            struct ticket_rec *t = xmalloc(sizeof(*t));
            int64_t msg = 0;
            rc = tickets_reply_in_txn(db, &a, "email", orig.ticket_id, note, 1, t, &msg, err);
            free(t);
            if (rc == 0)
                rc = save_attachments(db, cfg, &m, virus, sys.id, orig.ticket_id, msg, err);
            rec.message_row_id = msg;
            if (rc)
                goto done;
        }
        rc = store_mail_insert(db, &rec);
        goto commit;
    }

    struct user_rec user;
    const char *name = m.from.name && *m.from.name ? m.from.name : NULL;
    if ((rc = tickets_customer_for_email(db, sender, name, &user, err)))
        goto done;
    if (user.disabled) {
        snprintf(rec.status, sizeof(rec.status), "sender_disabled");
        rc = store_mail_insert(db, &rec);
        goto commit;
    }
    struct auth_actor actor = {.user = user, .scopes = SCOPE_ALL};

    int64_t candidate = 0;
    int by_ids = thread_by_ids(db, &m, &candidate);
    int threaded = by_ids || mail__subject_ticket(m.subject, &candidate);
    struct ticket_rec *t = xcalloc(1, sizeof(*t));
    int64_t msg = 0;
    int new_ticket = 0, phishing = 0;
    struct user_rec sys;
    if (threaded && store_ticket_get(db, candidate, t) != 0)
        threaded = 0; /* a tag naming no ticket: a new request */
    if (threaded) {
        int allowed = strcmp(t->requester_email, sender) == 0;
        if (!allowed && (rc = store_participant_is(db, t->id, sender, &allowed)))
            goto ticket_done;
        /* No exception for staff addresses: From is trivially forged, and agents answer
         * in the console, which mails the customer itself. */
        /* A message that failed authentication joins a ticket only by a reference to one
         * of the ticket's Message-IDs, never by the subject tag alone: the tag is public
         * (it is in every reply's subject), the From line is forged. */
        int forged = allowed && auth_failed && !by_ids;
        if (forged)
            allowed = 0;
        if (allowed) {
            int was_closed = strcmp(t->status, "closed") == 0;
            rc = tickets_reply_in_txn(db, &actor, "email", t->id, body_of(&m, &long_body), 0, t,
                                      &msg, err);
            snprintf(rec.status, sizeof(rec.status), was_closed ? "follow_up" : "reply");
            new_ticket = was_closed;
        } else {
            /*
             * The sender is neither the requester nor a participant. Joining would let
             * anyone who knows or guesses a reference write into someone else's
             * conversation (and receive its replies), so a new ticket is opened, linked
             * to the one it named and tagged for an agent to look at.
             */
            struct ticket_input in = {0};
            in.subject = *m.subject ? m.subject : "(no subject)";
            in.body = body_of(&m, &long_body);
            in.department = t->department;
            if (!forged)
                in.tags[in.ntags++] = "sender-mismatch";
            if (auth_failed)
                in.tags[in.ntags++] = "auth-failed";
            in.follow_up_of = t->id;
            rc = tickets_create_in_txn(db, &actor, "email", &in, t, &msg, err);
            snprintf(rec.status, sizeof(rec.status), forged ? "auth_failed" : "mismatch");
            new_ticket = 1;
        }
    } else {
        struct department_rec d;
        if ((rc = route(db, cfg, &m, address, &d)))
            goto ticket_done;
        struct ticket_input in = {0};
        in.subject = *m.subject ? m.subject : "(no subject)";
        in.body = body_of(&m, &long_body);
        in.department = d.slug;
        if (m.kind == MAIL_AUTO_REPLY)
            in.tags[in.ntags++] = "auto-reply";
        if (m.parse_error)
            in.tags[in.ntags++] = "unparsed-mail";
        if (auth_failed)
            in.tags[in.ntags++] = "auth-failed";
        in.recipient = address ? address : m.nrecipients ? m.recipients[0].email : NULL;
        if ((phishing = phish_report_match(cfg->phishing_address, cfg->domain, &m, address))) {
            in.department = PHISH_REPORT_DEPARTMENT;
            in.tags[in.ntags++] = PHISH_REPORT_TAG;
        }
        rc = tickets_create_in_txn(db, &actor, "email", &in, t, &msg, err);
        snprintf(rec.status, sizeof(rec.status), "ticket");
        new_ticket = 1;
    }
    if (rc || (rc = safety_ticket_flag(db, t, user.id, secrets, rec.created_at)))
        goto ticket_done;
    rec.ticket_id = t->id;
    rec.message_row_id = msg;
    if ((rc = save_attachments(db, cfg, &m, virus, user.id, t->id, msg, err)) ||
        (rc = note_infected(db, t->id, &m, virus, err)) ||
        (rc = add_participants(db, t->id, &m, sender)))
        goto ticket_done;
    if (phishing &&
        ((rc = mail__system_user(db, &sys)) || (rc = phish_report_post(db, &sys, t->id, &m, err))))
        goto ticket_done;
    if ((rc = store_mail_insert(db, &rec)) == FD_ECONFLICT)
        raced = 1;
    if (rc || (rc = record_auth(db, &rec, &auth, env, user.id)))
        goto ticket_done;
    if (new_ticket && m.kind == MAIL_NORMAL && !is_ours(db, sender) &&
        strcmp(sender, UNKNOWN_SENDER) != 0) {
        int queued = 0;
        rc = mail__queue_ack(db, cfg, t, &m, &queued);
        res->acknowledged = queued;
    }
    if (rc == 0 && secrets && !is_ours(db, sender) && strcmp(sender, UNKNOWN_SENDER) != 0)
        rc = mail_queue_ticket(db, cfg, t, "notice", safety_warning_text(secrets), m.message_id, 1);
ticket_done:
    free(t);
    if (rc)
        goto done;
commit:
    if (rc == 0 && (rc = db_commit(db)) == 0) {
        res->mail_id = rec.id;
        res->ticket_id = rec.ticket_id;
        snprintf(res->status, sizeof(res->status), "%s", rec.status);
    }
done:
    db_rollback(db);
    mail_parsed_release(&m);
    free(virus);
    free(long_body);
    free(clean_raw);
    if (raced) {
        /* Another delivery of the same Message-ID committed first: a duplicate. */
        res->duplicate = 1;
        snprintf(res->status, sizeof(res->status), "duplicate");
        rc = 0;
    }
    return rc;
}
