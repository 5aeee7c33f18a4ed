/*
 * mail_intake in-process: routing by recipient, threading (In-Reply-To, References, the
 * [FD-n] tag), the "sender must be the requester or a participant" rule, closed tickets,
 * duplicates, automatic mail and bounces, and that a failing intake stores nothing.
 */
#include "core/err.h"
#include "mail_helpers.h"
#include "mail/mail.h"
#include "tickets/tickets.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static struct fixture fx;
static struct mail_config cfg;

static void setup(void)
{
    fixture_open(&fx);
    fixture_mail_config(&fx, &cfg);
}

static void teardown(void)
{
    fixture_close(&fx);
}

TestSuite(mail_intake, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers ---- */

/* A raw message: the headers given one per argument (NULL-terminated), then a body. */
static char *msg(const char *body, ...)
{
    static char raw[8192];
    size_t n = 0;
    va_list ap;
    va_start(ap, body);
    for (const char *h = va_arg(ap, const char *); h; h = va_arg(ap, const char *))
        n += (size_t)snprintf(raw + n, sizeof(raw) - n, "%s\r\n", h);
    va_end(ap);
    snprintf(raw + n, sizeof(raw) - n,
             "Date: Mon, 11 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
             body);
    return raw;
}

static struct mail_intake_result in_ok(const char *raw, const char *address)
{
    struct mail_intake_result r;
    struct fd_error err = {0};
    int rc = mail_intake(fx.db, &cfg, raw, strlen(raw), "pipe", address, &r, &err);
    cr_assert_eq(rc, 0, "mail_intake: %s (%s)", fd_strerror(rc), err.message);
    return r;
}

static struct ticket_rec *ticket(int64_t id)
{
    static struct ticket_rec t;
    cr_assert_eq(store_ticket_get(fx.db, id, &t), 0);
    return &t;
}

static int count_cb(void *ctx, const struct message_rec *m)
{
    (void)m;
    (*(int *)ctx)++;
    return 0;
}

static int messages(int64_t ticket_id, int internal)
{
    int n = 0;
    cr_assert_eq(store_message_list(fx.db, ticket_id, internal, count_cb, &n), 0);
    return n;
}

static int64_t count(const char *sql)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db, sql, &st), 0, "%s", db_errmsg(fx.db));
    cr_assert_eq(db_step(st), 1);
    int64_t v = db_col_int64(st, 0);
    db_finalize(st);
    return v;
}

static int has_tag(const struct ticket_rec *t, const char *tag)
{
    for (int i = 0; i < t->ntags; i++)
        if (strcmp(t->tags[i], tag) == 0)
            return 1;
    return 0;
}

static void set_status(int64_t id, const char *status)
{
    struct ticket_rec *t = ticket(id);
    snprintf(t->status, sizeof(t->status), "%s", status);
    cr_assert_eq(db_begin_write(fx.db), 0);
    cr_assert_eq(store_ticket_update(fx.db, t), 0);
    cr_assert_eq(db_commit(fx.db), 0);
}

/* Opens a ticket from `from` with Message-ID <id>; returns its id. */
static int64_t open_ticket(const char *from, const char *id, const char *extra)
{
    char f[300], m[300];
    snprintf(f, sizeof(f), "From: %s", from);
    snprintf(m, sizeof(m), "Message-ID: <%s>", id);
    struct mail_intake_result r =
        in_ok(msg("My deposit is missing.", f, "To: deposits@frontdesk.test", m,
                  "Subject: Deposit missing", extra ? extra : "X-Nothing: 1", NULL),
              NULL);
    cr_assert_str_eq(r.status, "ticket");
    cr_assert_gt(r.ticket_id, 0);
    return r.ticket_id;
}

/* ---- routing and new tickets ---- */

Test(mail_intake, new_ticket_routes_by_recipient_and_is_acknowledged)
{
    struct mail_intake_result r =
        in_ok(msg("Hello", "From: Zoe <Zoe@Cust.test>", "To: Trading <trading@frontdesk.test>",
                  "Message-ID: <n1@cust.test>", "Subject: Order", NULL),
              NULL);
    cr_assert_str_eq(r.status, "ticket");
    cr_assert_eq(r.duplicate, 0);
    cr_assert_eq(r.acknowledged, 1);
    cr_assert_gt(r.mail_id, 0);
    struct ticket_rec *t = ticket(r.ticket_id);
    cr_assert_str_eq(t->department, "trading");
    cr_assert_str_eq(t->channel, "email");
    cr_assert_str_eq(t->requester_email, "zoe@cust.test");
    cr_assert_str_eq(t->subject, "Order");
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE kind = 'ack'"), 1);
    /* the raw bytes are kept */
    struct mail_rec rec;
    cr_assert_eq(store_mail_find(fx.db, "in", "n1@cust.test", &rec), 0);
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_raw_get(&cfg, rec.sha256, &raw, &len), 0);
    cr_assert_eq(len, rec.size);
    free(raw);
}

Test(mail_intake, address_then_cc_then_delivered_to_then_default)
{
    struct mail_intake_result r;
    r = in_ok(msg("x", "From: a@cust.test", "To: kyc@frontdesk.test", "Message-ID: <r1@c.test>",
                  "Subject: s", NULL),
              "withdrawals@frontdesk.test");
    cr_assert_str_eq(ticket(r.ticket_id)->department, "deposits");
    r = in_ok(msg("x", "From: a@cust.test", "To: x@elsewhere.test", "Cc: kyc@frontdesk.test",
                  "Message-ID: <r2@c.test>", "Subject: s", NULL),
              NULL);
    cr_assert_str_eq(ticket(r.ticket_id)->department, "kyc");
    r = in_ok(msg("x", "From: a@cust.test", "To: list@lists.test",
                  "Delivered-To: technical@frontdesk.test", "Message-ID: <r3@c.test>", "Subject: s",
                  NULL),
              NULL);
    cr_assert_str_eq(ticket(r.ticket_id)->department, "technical");
    r = in_ok(msg("x", "From: a@cust.test", "To: who@frontdesk.test", "Message-ID: <r4@c.test>",
                  "Subject: s", NULL),
              NULL);
    cr_assert_str_eq(ticket(r.ticket_id)->department, "account");
}

/* ---- threading ---- */

Test(mail_intake, in_reply_to_references_and_subject_tag_thread)
{
    int64_t id = open_ticket("ann@cust.test", "t1@cust.test", NULL);
    char tagged[200], ref[32];
    tickets_format_ref(id, ref, sizeof(ref));
    struct mail_intake_result r;
    r = in_ok(msg("more", "From: ann@cust.test", "To: deposits@frontdesk.test",
                  "Message-ID: <t2@cust.test>", "In-Reply-To: <t1@cust.test>", "Subject: other",
                  NULL),
              NULL);
    cr_assert_eq(r.ticket_id, id);
    cr_assert_str_eq(r.status, "reply");
    cr_assert_eq(r.acknowledged, 0);
    r = in_ok(msg("more", "From: ann@cust.test", "To: deposits@frontdesk.test",
                  "Message-ID: <t3@cust.test>", "References: <zz@x.test> <t2@cust.test>",
                  "Subject: other", NULL),
              NULL);
    cr_assert_eq(r.ticket_id, id);
    snprintf(tagged, sizeof(tagged), "Subject: AW: WG: [%s] Deposit missing", ref);
    r = in_ok(msg("more", "From: ann@cust.test", "To: deposits@frontdesk.test",
                  "Message-ID: <t4@cust.test>", tagged, NULL),
              NULL);
    cr_assert_eq(r.ticket_id, id);
    cr_assert_eq(messages(id, 0), 4);
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE kind = 'ack'"), 1);
}

Test(mail_intake, sender_not_participant_opens_a_linked_ticket)
{
    int64_t id = open_ticket("ann@cust.test", "p1@cust.test", NULL);
    struct ticket_rec before = *ticket(id);
    struct mail_intake_result r =
        in_ok(msg("send me your seed phrase", "From: mallory@evil.test",
                  "To: deposits@frontdesk.test", "Message-ID: <p2@evil.test>",
                  "In-Reply-To: <p1@cust.test>", "Subject: Re: Deposit missing", NULL),
              NULL);
    cr_assert_str_eq(r.status, "mismatch");
    cr_assert_neq(r.ticket_id, id);
    struct ticket_rec *n = ticket(r.ticket_id);
    cr_assert_eq(n->follow_up_of, id);
    cr_assert(has_tag(n, "sender-mismatch"));
    cr_assert_str_eq(n->requester_email, "mallory@evil.test");
    cr_assert_eq(messages(id, 1), 1, "the original ticket is unchanged");
    cr_assert_eq(ticket(id)->updated_at, before.updated_at);
    cr_assert_str_eq(ticket(id)->status, before.status);
}

Test(mail_intake, cc_participant_may_reply)
{
    int64_t id = open_ticket("ann@cust.test", "c1@cust.test", "Cc: Bob <Bob@Cust.test>");
    struct mail_intake_result r = in_ok(
        msg("me too", "From: bob@cust.test", "To: deposits@frontdesk.test",
            "Message-ID: <c2@cust.test>", "In-Reply-To: <c1@cust.test>", "Subject: Re: x", NULL),
        NULL);
    cr_assert_eq(r.ticket_id, id);
    cr_assert_str_eq(r.status, "reply");
    /* our own address on Cc is no participant */
    int yes = 1;
    cr_assert_eq(store_participant_is(fx.db, id, "deposits@frontdesk.test", &yes), 0);
    cr_assert_eq(yes, 0);
}

Test(mail_intake, staff_address_is_no_pass_into_a_ticket)
{
    struct auth_actor agent = fixture_actor(&fx, "dora@fd.test", ROLE_AGENT, "deposits", 1);
    (void)agent;
    int64_t id = open_ticket("ann@cust.test", "s1@cust.test", NULL);
    char tagged[200], ref[32];
    tickets_format_ref(id, ref, sizeof(ref));
    snprintf(tagged, sizeof(tagged), "Subject: Re: [%s] Deposit missing", ref);
    /* From: is not authenticated: a forged agent address must not post a public reply. */
    struct mail_intake_result r =
        in_ok(msg("please send your private key", "From: Dora <dora@fd.test>",
                  "To: deposits@frontdesk.test", "Message-ID: <s2@evil.test>", tagged, NULL),
              NULL);
    cr_assert_eq(messages(id, 1), 1, "status %s: the forged reply went into the ticket", r.status);
    cr_assert_str_eq(r.status, "mismatch");
}

Test(mail_intake, reply_to_closed_ticket_opens_a_follow_up)
{
    int64_t id = open_ticket("ann@cust.test", "f1@cust.test", NULL);
    set_status(id, "closed");
    struct mail_intake_result r = in_ok(
        msg("again", "From: ann@cust.test", "To: deposits@frontdesk.test",
            "Message-ID: <f2@cust.test>", "In-Reply-To: <f1@cust.test>", "Subject: Re: x", NULL),
        NULL);
    cr_assert_str_eq(r.status, "follow_up");
    cr_assert_neq(r.ticket_id, id);
    struct ticket_rec *n = ticket(r.ticket_id);
    cr_assert_eq(n->follow_up_of, id);
    cr_assert_str_eq(n->channel, "email");
    cr_assert_str_eq(ticket(id)->status, "closed");
    cr_assert_eq(messages(id, 1), 1);
}

/* ---- duplicates, automatic mail, bounces ---- */

Test(mail_intake, duplicate_message_id_is_ingested_once)
{
    const char *raw = msg("hi", "From: dup@cust.test", "To: deposits@frontdesk.test",
                          "Message-ID: <d1@cust.test>", "Subject: dup", NULL);
    char *copy = strdup(raw);
    struct mail_intake_result a = in_ok(copy, NULL);
    struct mail_intake_result b = in_ok(copy, NULL);
    free(copy);
    cr_assert_eq(a.duplicate, 0);
    cr_assert_eq(b.duplicate, 1);
    cr_assert_str_eq(b.status, "duplicate");
    cr_assert_eq(b.mail_id, a.mail_id);
    cr_assert_eq(b.ticket_id, a.ticket_id);
    cr_assert_eq(count("SELECT count(*) FROM tickets"), 1);
    cr_assert_eq(count("SELECT count(*) FROM mail_messages WHERE direction = 'in'"), 1);
}

Test(mail_intake, automatic_mail_is_not_acknowledged)
{
    const char *kinds[] = {"Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes"};
    for (int i = 0; i < 3; i++) {
        char from[64], id[64];
        snprintf(from, sizeof(from), "From: auto%d@cust.test", i);
        snprintf(id, sizeof(id), "Message-ID: <auto%d@cust.test>", i);
        struct mail_intake_result r = in_ok(msg("I am away", from, "To: deposits@frontdesk.test",
                                                id, "Subject: Away", kinds[i], NULL),
                                            NULL);
        cr_assert_gt(r.ticket_id, 0, "%s", kinds[i]);
        cr_assert_eq(r.acknowledged, 0, "%s", kinds[i]);
    }
    cr_assert_eq(count("SELECT count(*) FROM outbox"), 0);
}

Test(mail_intake, acknowledgements_are_rate_limited)
{
    for (int i = 0; i < 5; i++) {
        char id[64], subj[64];
        snprintf(id, sizeof(id), "Message-ID: <rl%d@cust.test>", i);
        snprintf(subj, sizeof(subj), "Subject: request %d", i);
        struct mail_intake_result r = in_ok(
            msg("x", "From: flood@cust.test", "To: deposits@frontdesk.test", id, subj, NULL), NULL);
        cr_assert_eq(r.acknowledged, i < 3, "message %d", i);
    }
}

static const char *bounce_for(const char *failed_id)
{
    static char raw[2048];
    snprintf(raw, sizeof(raw),
             "From: MAILER-DAEMON@mx.cust.test\r\nTo: deposits@frontdesk.test\r\n"
             "Return-Path: <>\r\nMessage-ID: <b-%s>\r\nSubject: Undelivered Mail\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
             "--B\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n"
             "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
             "Final-Recipient: rfc822; ann@cust.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
             "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <%s>\r\n"
             "To: ann@cust.test\r\n\r\n--B--\r\n",
             failed_id, failed_id);
    return raw;
}

static int first_out_id(char *out, size_t n)
{
    struct db_stmt *st;
    cr_assert_eq(db_prepare(fx.db,
                            "SELECT message_id FROM mail_messages WHERE direction = 'out' "
                            "ORDER BY id LIMIT 1",
                            &st),
                 0);
    int rc = db_step(st);
    if (rc == 1)
        snprintf(out, n, "%s", db_col_text(st, 0));
    db_finalize(st);
    return rc == 1;
}

Test(mail_intake, bounce_becomes_an_internal_note_and_fails_the_delivery)
{
    int64_t id = open_ticket("ann@cust.test", "bo1@cust.test", NULL);
    char ack[256];
    cr_assert(first_out_id(ack, sizeof(ack)));
    struct mail_intake_result r = in_ok(bounce_for(ack), NULL);
    cr_assert_str_eq(r.status, "bounce");
    cr_assert_eq(r.ticket_id, id);
    cr_assert_eq(r.acknowledged, 0);
    cr_assert_eq(messages(id, 1), 2);
    cr_assert_eq(messages(id, 0), 1, "the note is internal");
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE status = 'failed'"), 1);
}

Test(mail_intake, bounce_on_a_closed_ticket_is_still_stored)
{
    int64_t id = open_ticket("ann@cust.test", "bo2@cust.test", NULL);
    char ack[256];
    cr_assert(first_out_id(ack, sizeof(ack)));
    set_status(id, "closed");
    struct mail_intake_result r = in_ok(bounce_for(ack), NULL);
    cr_assert_eq(r.duplicate, 0, "a first bounce reported as a duplicate (status %s)", r.status);
    cr_assert_gt(r.mail_id, 0);
}

Test(mail_intake, a_message_without_a_usable_sender_is_still_stored)
{
    const char *raws[] = {
        "Subject: no from at all\r\nMessage-ID: <nf1@x.test>\r\n\r\nhello\r\n",
        "From: not an address\r\nSubject: bad from\r\nMessage-ID: <nf2@x.test>\r\n\r\nhello\r\n",
        "\xff\xfe\x00garbage\r\n\r\n\x80\x81",
    };
    size_t lens[] = {strlen(raws[0]), strlen(raws[1]), 13};
    for (int i = 0; i < 3; i++) {
        struct mail_intake_result r;
        struct fd_error err = {0};
        int rc = mail_intake(fx.db, &cfg, raws[i], lens[i], "imap", NULL, &r, &err);
        cr_assert_eq(rc, 0, "message %d: %s (%s)", i, fd_strerror(rc), err.message);
        cr_assert_gt(r.mail_id, 0, "message %d", i);
    }
}

/* ---- failures ---- */

Test(mail_intake, failing_intake_returns_an_error_and_stores_nothing)
{
    /* DATA_DIR/mail as a file: the raw bytes cannot be kept (this works as root too). */
    char path[128];
    snprintf(path, sizeof(path), "%s/mail", fx.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("not a directory", f);
    fclose(f);
    const char *raw = msg("hi", "From: fail@cust.test", "To: deposits@frontdesk.test",
                          "Message-ID: <x1@cust.test>", "Subject: will fail", NULL);
    struct mail_intake_result r;
    struct fd_error err = {0};
    int rc = mail_intake(fx.db, &cfg, raw, strlen(raw), "imap", NULL, &r, &err);
    cr_assert_neq(rc, 0);
    cr_assert_eq(r.duplicate, 0);
    cr_assert_eq(count("SELECT count(*) FROM mail_messages"), 0);
    cr_assert_eq(count("SELECT count(*) FROM tickets"), 0);
    cr_assert_eq(count("SELECT count(*) FROM outbox"), 0);
    /* once the directory is back, the same message goes through as new */
    cr_assert_eq(unlink(path), 0);
    struct mail_intake_result ok = in_ok(raw, NULL);
    cr_assert_eq(ok.duplicate, 0);
    cr_assert_str_eq(ok.status, "ticket");
}
