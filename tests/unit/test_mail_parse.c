/*
 * mail_parse: fixtures in tests/data/mail/ with precise expectations, generated hostile
 * input (limits), the text helpers, and a corpus run over the public test messages in
 * ../shared/corpora/email (FD_CORPUS_DIR overrides) that must parse without a crash or a
 * leak and always yield a message id and valid UTF-8 text.
 */
#include "mail/mail.h"

#include "core/buf.h"
#include "helpers.h"
#include "mail/mail_int.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    struct buf b;
    buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        cr_assert_eq(buf_append(&b, chunk, n), 0);
    fclose(f);
    return buf_detach(&b, len);
}

static char *fixture(const char *name, size_t *len)
{
    char root[1024], path[2048];
    fixture_repo_root(root, sizeof(root));
    snprintf(path, sizeof(path), "%s/tests/data/mail/%s", root, name);
    return read_path(path, len);
}

static void parse_fixture(const char *name, struct mail_parsed *m)
{
    size_t len;
    char *raw = fixture(name, &len);
    cr_assert_eq(mail_parse(raw, len, m), 0);
    free(raw);
}

static void parse_str(const char *raw, struct mail_parsed *m)
{
    cr_assert_eq(mail_parse(raw, strlen(raw), m), 0);
}

static int is_synthesized(const char *id)
{
    if (strlen(id) != 32 + strlen("@frontdesk.invalid"))
        return 0;
    for (int i = 0; i < 32; i++)
        if (!g_ascii_isxdigit(id[i]) || g_ascii_isupper(id[i]))
            return 0;
    return !strcmp(id + 32, "@frontdesk.invalid");
}

static void assert_utf8(const char *s, const char *what)
{
    cr_assert_not_null(s, "%s is NULL", what);
    cr_assert(g_utf8_validate(s, -1, NULL), "%s is not valid UTF-8", what);
}

/* Every string of a parse result is valid UTF-8 and the never-NULL ones are set. */
static void assert_well_formed(const struct mail_parsed *m)
{
    assert_utf8(m->message_id, "message_id");
    cr_assert_gt(strlen(m->message_id), 0);
    assert_utf8(m->text, "text");
    assert_utf8(m->subject, "subject");
    assert_utf8(m->from.email, "from.email");
    assert_utf8(m->from.name, "from.name");
    cr_assert_leq(m->nrecipients, MAIL_MAX_ADDRS);
    cr_assert_leq(m->nreferences, MAIL_MAX_REFS);
    cr_assert_leq(m->nattachments, MAIL_MAX_ATTACHMENTS);
    for (int i = 0; i < m->nrecipients; i++) {
        assert_utf8(m->recipients[i].email, "recipient email");
        assert_utf8(m->recipients[i].name, "recipient name");
    }
    for (int i = 0; i < m->nreferences; i++)
        assert_utf8(m->references[i], "reference");
    for (int i = 0; i < m->nattachments; i++) {
        assert_utf8(m->attachments[i].filename, "filename");
        assert_utf8(m->attachments[i].content_type, "content_type");
        cr_assert(m->attachments[i].len == 0 || m->attachments[i].data);
    }
    if (m->html)
        assert_utf8(m->html, "html");
    if (m->in_reply_to)
        assert_utf8(m->in_reply_to, "in_reply_to");
    if (m->return_path)
        assert_utf8(m->return_path, "return_path");
}

/* ---- fixtures ---- */

Test(mail_parse, plain_message_fields)
{
    struct mail_parsed m;
    parse_fixture("plain.eml", &m);
    assert_well_formed(&m);
    cr_assert_eq(m.parse_error, 0);
    cr_assert_str_eq(m.message_id, "plain-1@example.com");
    cr_assert_str_eq(m.in_reply_to, "ack-7@frontdesk.test");
    cr_assert_eq(m.nreferences, 0);
    cr_assert_str_eq(m.subject, "My withdrawal is stuck");
    cr_assert_str_eq(m.from.name, "Alice Sender");
    cr_assert_str_eq(m.from.email, "alice.sender@example.com");
    cr_assert_str_eq(m.reply_to.name, "Alice Replies");
    cr_assert_str_eq(m.reply_to.email, "alice.replies@example.com");
    /* To, Cc, Delivered-To, X-Original-To; lower-cased and deduplicated. */
    cr_assert_eq(m.nrecipients, 4);
    cr_assert_str_eq(m.recipients[0].email, "support@frontdesk.test");
    cr_assert_str_eq(m.recipients[0].name, "Support");
    cr_assert_str_eq(m.recipients[1].email, "bob@example.org");
    cr_assert_str_eq(m.recipients[1].name, "Bob");
    cr_assert_str_eq(m.recipients[2].email, "carol@example.net");
    cr_assert_str_eq(m.recipients[2].name, "");
    cr_assert_str_eq(m.recipients[3].email, "support+account@frontdesk.test");
    cr_assert_str_eq(m.return_path, "Alice.Sender@Example.COM");
    cr_assert_eq(m.date_ms, INT64_C(1709632800000)); /* 2024-03-05T10:00:00Z */
    cr_assert_str_eq(m.text, "Hello,\n\nmy withdrawal of 0.5 BTC has been pending for two days.\n"
                             "Transaction id: abc123.\n\nThanks, Alice");
    cr_assert_null(m.html);
    cr_assert_eq(m.nattachments, 0);
    cr_assert_eq(m.kind, MAIL_NORMAL);
    cr_assert_null(m.bounced_message_id);
    mail_parsed_release(&m);
    cr_assert_null(m.text);
}

Test(mail_parse, rfc2047_utf8_base64_subject_and_name)
{
    struct mail_parsed m;
    parse_fixture("subject_b64.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.subject, "Konto gesperrt \xE2\x80\x93 bitte helfen \xF0\x9F\x94\x93");
    cr_assert_str_eq(m.from.name, "J\xC3\xBCrgen M\xC3\xBCller");
    cr_assert_str_eq(m.text, "Gr\xC3\xBC\xC3\x9F"
                             "e aus M\xC3\xBCnchen \xE2\x80\x94 mein Konto ist gesperrt.");
    mail_parsed_release(&m);
}

Test(mail_parse, rfc2047_latin1_q_subject_and_qp_body)
{
    struct mail_parsed m;
    parse_fixture("subject_q.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.subject, "Probl\xC3\xA8me de d\xC3\xA9p\xC3\xB4t \xC3\xA0 v\xC3\xA9rifier");
    cr_assert_str_eq(m.from.name, "Fran\xC3\xA7ois Dupr\xC3\xA9");
    cr_assert_str_eq(m.text, "Mon d\xC3\xA9p\xC3\xB4t n'appara\xC3\xAEt pas.");
    mail_parsed_release(&m);
}

Test(mail_parse, windows_1252_body)
{
    struct mail_parsed m;
    parse_fixture("cp1252.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "The fee was \xE2\x82\xAC"
                             "20 \xE2\x80\x93 that\xE2\x80\x99s \xE2\x80\x9Ctoo much\xE2\x80\x9D.");
    mail_parsed_release(&m);
}

Test(mail_parse, html_only_is_converted_to_text)
{
    struct mail_parsed m;
    parse_fixture("html_only.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "Hello support,\n\nMy balance shows 5 < 10 & fees \"high\" "
                             "\xE2\x82\xAC"
                             "A\n\n- one\n- two\n\nLine\nbreak bold");
    cr_assert_not_null(m.html);
    cr_assert_not_null(strstr(m.html, "<script type=\"text/javascript\">alert(\"x\");</script>"));
    cr_assert_null(strstr(m.text, "alert"));
    cr_assert_null(strstr(m.text, "Ignored title"));
    cr_assert_null(strstr(m.text, "color"));
    cr_assert_null(strstr(m.text, "comment"));
    mail_parsed_release(&m);
}

Test(mail_parse, alternative_prefers_plain_and_keeps_html)
{
    struct mail_parsed m;
    parse_fixture("alternative.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "The plain version");
    cr_assert_not_null(m.html);
    cr_assert_not_null(strstr(m.html, "<p>The <b>HTML</b> version</p>"));
    cr_assert_eq(m.nattachments, 0);
    mail_parsed_release(&m);
}

Test(mail_parse, inline_image_and_attachment)
{
    struct mail_parsed m;
    parse_fixture("inline_image.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "See the screenshot.");
    cr_assert_not_null(m.html);
    cr_assert_not_null(strstr(m.html, "cid:shot@x"));
    cr_assert_eq(m.nattachments, 2);
    const struct mail_attachment *img = &m.attachments[0];
    cr_assert_str_eq(img->filename, "shot.png");
    cr_assert_str_eq(img->content_type, "image/png");
    cr_assert_eq(img->inline_part, 1);
    cr_assert_eq(img->len, 70);
    cr_assert_eq(memcmp(img->data, "\x89PNG\r\n\x1a\n", 8), 0);
    const struct mail_attachment *pdf = &m.attachments[1];
    cr_assert_str_eq(pdf->filename, "Kontoauszug M\xC3\xA4rz.pdf");
    cr_assert_str_eq(pdf->content_type, "application/pdf");
    cr_assert_eq(pdf->inline_part, 0);
    const char want[] = "%PDF-1.4\n% fake pdf for tests\n%%EOF\n";
    cr_assert_eq(pdf->len, sizeof(want) - 1);
    cr_assert_eq(memcmp(pdf->data, want, pdf->len), 0);
    mail_parsed_release(&m);
}

Test(mail_parse, signed_keeps_signature_as_attachment)
{
    struct mail_parsed m;
    parse_fixture("signed.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "This message is signed.");
    cr_assert_eq(m.nattachments, 1);
    cr_assert_str_eq(m.attachments[0].content_type, "application/pgp-signature");
    cr_assert_str_eq(m.attachments[0].filename, "signature.asc");
    cr_assert_not_null(
        memmem(m.attachments[0].data, m.attachments[0].len, "BEGIN PGP SIGNATURE", 19));
    mail_parsed_release(&m);
}

Test(mail_parse, smime_payload_is_an_attachment)
{
    struct mail_parsed m;
    parse_fixture("smime.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "");
    cr_assert_eq(m.nattachments, 1);
    cr_assert_str_eq(m.attachments[0].content_type, "application/pkcs7-mime");
    cr_assert_str_eq(m.attachments[0].filename, "smime.p7m");
    cr_assert_eq(m.attachments[0].data[0], 0x30); /* DER SEQUENCE, base64-decoded */
    mail_parsed_release(&m);
}

Test(mail_parse, dsn_bounce_with_rfc822_headers)
{
    struct mail_parsed m;
    parse_fixture("dsn.eml", &m);
    assert_well_formed(&m);
    cr_assert_eq(m.kind, MAIL_BOUNCE);
    cr_assert_str_eq(m.bounced_message_id, "fd-out-42@frontdesk.test");
    cr_assert_str_eq(m.return_path, "");
    cr_assert_str_eq(m.from.email, "mailer-daemon@mx.example.org");
    cr_assert_not_null(strstr(m.text, "550 5.1.1 User unknown"));
    cr_assert_eq(m.nattachments, 2);
    cr_assert_str_eq(m.attachments[0].content_type, "message/delivery-status");
    cr_assert_str_eq(m.attachments[1].content_type, "text/rfc822-headers");
    mail_parsed_release(&m);
}

Test(mail_parse, bounce_with_message_rfc822_and_empty_return_path)
{
    struct mail_parsed m;
    parse_fixture("dsn_rfc822.eml", &m);
    assert_well_formed(&m);
    cr_assert_eq(m.kind, MAIL_BOUNCE);
    cr_assert_str_eq(m.bounced_message_id, "fd-out-7@frontdesk.test");
    cr_assert_eq(m.nattachments, 2);
    cr_assert_str_eq(m.attachments[1].content_type, "message/rfc822");
    cr_assert_str_eq(m.attachments[1].filename, "[FD-7] Re: Help.eml");
    mail_parsed_release(&m);
}

Test(mail_parse, qmail_text_bounce)
{
    struct mail_parsed m;
    parse_fixture("bounce_qmail.eml", &m);
    assert_well_formed(&m);
    cr_assert_eq(m.kind, MAIL_BOUNCE);
    cr_assert_str_eq(m.bounced_message_id, "fd-out-99@frontdesk.test");
    mail_parsed_release(&m);
}

Test(mail_parse, auto_reply_signals)
{
    static const struct {
        const char *file;
        enum mail_kind kind;
    } cases[] = {
        {"auto_submitted.eml", MAIL_AUTO_REPLY},  {"auto_submitted_no.eml", MAIL_NORMAL},
        {"precedence_bulk.eml", MAIL_AUTO_REPLY}, {"x_autoreply.eml", MAIL_AUTO_REPLY},
        {"list_id.eml", MAIL_AUTO_REPLY},         {"ms_oof.eml", MAIL_AUTO_REPLY},
        {"ms_suppress_rn.eml", MAIL_NORMAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mail_parsed m;
        parse_fixture(cases[i].file, &m);
        assert_well_formed(&m);
        cr_assert_eq(m.kind, cases[i].kind, "%s: kind %d", cases[i].file, m.kind);
        cr_assert_null(m.bounced_message_id);
        cr_assert_str_eq(m.text, "I am out of the office.");
        mail_parsed_release(&m);
    }
}

Test(mail_parse, read_receipt_report_is_auto_reply)
{
    struct mail_parsed m;
    parse_str("From: a@example.com\nTo: support@frontdesk.test\nSubject: Read: hi\n"
              "Message-ID: <mdn-1@example.com>\nMIME-Version: 1.0\n"
              "Content-Type: multipart/report; report-type=disposition-notification; "
              "boundary=R\n\n--R\nContent-Type: text/plain\n\nYour message was read.\n"
              "--R\nContent-Type: message/disposition-notification\n\n"
              "Final-Recipient: rfc822; a@example.com\nDisposition: manual-action/"
              "MDN-sent-manually; displayed\n--R--\n",
              &m);
    assert_well_formed(&m);
    cr_assert_eq(m.kind, MAIL_AUTO_REPLY);
    cr_assert_str_eq(m.text, "Your message was read.");
    mail_parsed_release(&m);
}

Test(mail_parse, missing_message_id_is_synthesized_and_stable)
{
    struct mail_parsed a, b, c;
    size_t len;
    char *raw = fixture("no_message_id.eml", &len);
    cr_assert_eq(mail_parse(raw, len, &a), 0);
    cr_assert_eq(mail_parse(raw, len, &b), 0);
    cr_assert_eq(mail_parse(raw, len - 1, &c), 0);
    assert_well_formed(&a);
    cr_assert(is_synthesized(a.message_id), "%s", a.message_id);
    cr_assert_str_eq(a.message_id, b.message_id);
    cr_assert_str_neq(a.message_id, c.message_id);
    /* The prefix is the SHA-256 of the bytes. */
    gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw, len);
    cr_assert_eq(strncmp(a.message_id, hex, 32), 0);
    g_free(hex);
    cr_assert_str_eq(a.text, "This message has no Message-ID.");
    mail_parsed_release(&a);
    mail_parsed_release(&b);
    mail_parsed_release(&c);
    free(raw);
}

Test(mail_parse, junk_message_id_is_replaced)
{
    struct mail_parsed m;
    parse_str("From: a@example.com\nMessage-ID: <>\nSubject: x\n\nbody\n", &m);
    cr_assert(is_synthesized(m.message_id), "%s", m.message_id);
    mail_parsed_release(&m);
}

Test(mail_parse, references_chain)
{
    struct mail_parsed m;
    parse_fixture("references.eml", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.message_id, "r3@example.com");
    cr_assert_str_eq(m.in_reply_to, "r2@frontdesk.test");
    cr_assert_eq(m.nreferences, 3);
    cr_assert_str_eq(m.references[0], "r0@example.com");
    cr_assert_str_eq(m.references[1], "r1@frontdesk.test");
    cr_assert_str_eq(m.references[2], "r2@frontdesk.test");
    mail_parsed_release(&m);
}

Test(mail_parse, references_keep_the_newest)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From: a@example.com\nMessage-ID: <x@example.com>\nReferences:");
    for (int i = 0; i < MAIL_MAX_REFS + 6; i++)
        buf_printf(&b, " <ref%d@example.com>\n", i);
    buf_puts(&b, "\nbody\n");
    struct mail_parsed m;
    cr_assert_eq(mail_parse(b.ptr, b.len, &m), 0);
    cr_assert_eq(m.nreferences, MAIL_MAX_REFS);
    cr_assert_str_eq(m.references[0], "ref6@example.com");
    cr_assert_str_eq(m.references[MAIL_MAX_REFS - 1], "ref69@example.com");
    mail_parsed_release(&m);
    buf_release(&b);
}

Test(mail_parse, attached_message_becomes_eml)
{
    struct mail_parsed m;
    parse_fixture("rfc822_attached.eml", &m);
    assert_well_formed(&m);
    cr_assert_eq(m.kind, MAIL_NORMAL);
    cr_assert_null(m.bounced_message_id);
    cr_assert_str_eq(m.text, "Is this phishing?");
    cr_assert_eq(m.nattachments, 1);
    const struct mail_attachment *a = &m.attachments[0];
    cr_assert_str_eq(a->filename, "Verify your wallet.eml");
    cr_assert_str_eq(a->content_type, "message/rfc822");
    cr_assert_not_null(memmem(a->data, a->len, "Message-ID: <phish-1@evil.example>", 34));
    cr_assert_not_null(memmem(a->data, a->len, "Send us your seed phrase.", 25));
    mail_parsed_release(&m);
}

Test(mail_parse, attached_message_name_has_no_path_separators)
{
    struct mail_parsed m;
    parse_str("From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n"
              "\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n"
              "Content-Type: message/rfc822\n\nFrom: b@example.com\nSubject: ../Invoice 1/2\n\nx\n"
              "--B\nContent-Type: application/octet-stream\n"
              "Content-Disposition: attachment; filename=\"../../etc/passwd\"\n\nroot\n--B--\n",
              &m);
    assert_well_formed(&m);
    cr_assert_eq(m.nattachments, 2);
    cr_assert_str_eq(m.attachments[0].filename, ".._Invoice 1_2.eml");
    cr_assert_str_eq(m.attachments[1].filename, "passwd");
    mail_parsed_release(&m);
}

Test(mail_parse, garbage_bytes)
{
    struct mail_parsed a, b;
    size_t len;
    char *raw = fixture("garbage.eml", &len);
    cr_assert_eq(mail_parse(raw, len, &a), 0);
    cr_assert_eq(mail_parse(raw, len, &b), 0);
    assert_well_formed(&a);
    cr_assert_eq(a.parse_error, 1);
    cr_assert(is_synthesized(a.message_id));
    cr_assert_str_eq(a.message_id, b.message_id);
    cr_assert_gt(strlen(a.text), 0);
    cr_assert_str_eq(a.subject, "");
    cr_assert_str_eq(a.from.email, "");
    mail_parsed_release(&a);
    mail_parsed_release(&b);
    free(raw);
}

Test(mail_parse, empty_and_null_input)
{
    struct mail_parsed m;
    cr_assert_eq(mail_parse("", 0, &m), 0);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "");
    cr_assert(is_synthesized(m.message_id));
    mail_parsed_release(&m);
    cr_assert_eq(mail_parse(NULL, 0, &m), 0);
    assert_well_formed(&m);
    mail_parsed_release(&m);
    mail_parsed_release(NULL);
}

Test(mail_parse, headerless_text_is_a_parse_error_with_the_raw_text)
{
    struct mail_parsed m;
    parse_str("just some text\r\nwith no headers at all\r\n", &m);
    assert_well_formed(&m);
    cr_assert_eq(m.parse_error, 1);
    cr_assert_str_eq(m.text, "just some text\nwith no headers at all\n");
    mail_parsed_release(&m);
}

Test(mail_parse, mbox_from_line_is_ignored)
{
    const char *msg = "From: a@example.com\nSubject: hi\n\nbody\n";
    char *with = g_strconcat("From a@example.com  Sun Jul 29 16:38:01 2001\n", msg, NULL);
    struct mail_parsed a, b;
    parse_str(msg, &a);
    parse_str(with, &b);
    cr_assert_eq(b.parse_error, 0);
    cr_assert_str_eq(b.subject, "hi");
    cr_assert_str_eq(b.from.email, "a@example.com");
    cr_assert_str_eq(a.message_id, b.message_id);
    mail_parsed_release(&a);
    mail_parsed_release(&b);
    g_free(with);
}

Test(mail_parse, invalid_bytes_and_unknown_charsets_never_break_utf8)
{
    struct mail_parsed m;
    /* Declared UTF-8 with invalid bytes and a NUL. */
    const char raw1[] =
        "From: a@example.com\nSubject: ok\nContent-Type: text/plain; charset=utf-8\n"
        "\nbad \xC3\x28 and \xFF and \0 nul\n";
    cr_assert_eq(mail_parse(raw1, sizeof(raw1) - 1, &m), 0);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "bad \xEF\xBF\xBD( and \xEF\xBF\xBD and \xEF\xBF\xBD nul");
    mail_parsed_release(&m);
    /* An unknown charset: 8-bit text is read as Windows-1252. */
    parse_str("From: a@example.com\nContent-Type: text/plain; charset=x-no-such-charset\n"
              "\ncaf\xE9\n",
              &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "caf\xC3\xA9");
    mail_parsed_release(&m);
    /* Undeclared 8-bit header: valid UTF-8 is kept. */
    parse_str("From: a@example.com\nSubject: Gr\xC3\xBC\xC3\x9F\x65\n\nx\n", &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.subject, "Gr\xC3\xBC\xC3\x9F\x65");
    mail_parsed_release(&m);
    /* A stateful charset. */
    parse_str("From: a@example.com\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
              "\x1B$B$3$s$K$A$O\x1B(B\n",
              &m);
    assert_well_formed(&m);
    cr_assert_str_eq(m.text, "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF");
    mail_parsed_release(&m);
}

/* ---- limits ---- */

Test(mail_parse, attachments_are_capped)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From: a@example.com\nMessage-ID: <many@example.com>\nMIME-Version: 1.0\n"
                 "Content-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain\n\n"
                 "body\n");
    for (int i = 0; i < MAIL_MAX_ATTACHMENTS + 8; i++)
        buf_printf(&b,
                   "--M\nContent-Type: application/octet-stream\n"
                   "Content-Disposition: attachment; filename=\"f%d.bin\"\n\nbytes %d\n",
                   i, i);
    buf_puts(&b, "--M--\n");
    struct mail_parsed m;
    cr_assert_eq(mail_parse(b.ptr, b.len, &m), 0);
    assert_well_formed(&m);
    cr_assert_eq(m.nattachments, MAIL_MAX_ATTACHMENTS);
    cr_assert_str_eq(m.attachments[0].filename, "f0.bin");
    cr_assert_str_eq(m.attachments[MAIL_MAX_ATTACHMENTS - 1].filename, "f31.bin");
    cr_assert_eq(m.attachments[0].len, 7);
    cr_assert_eq(memcmp(m.attachments[0].data, "bytes 0", 7), 0);
    cr_assert_str_eq(m.text, "body");
    mail_parsed_release(&m);
    buf_release(&b);
}

Test(mail_parse, body_text_is_capped_with_a_note)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n");
    /* 3 MiB of two-byte characters, so a cut at 1 MiB could split one. */
    for (int i = 0; i < 3 * 1024 * 1024 / 64; i++)
        buf_puts(&b, "x\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3"
                     "\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3"
                     "\xA9\xC3\xA9\xC3\xA9\n");
    struct mail_parsed m;
    cr_assert_eq(mail_parse(b.ptr, b.len, &m), 0);
    assert_well_formed(&m);
    size_t n = strlen(m.text);
    cr_assert_leq(n, 1024 * 1024 + 100);
    cr_assert_gt(n, 1024 * 1024 - 100);
    cr_assert_not_null(strstr(m.text, "[Message truncated"));
    mail_parsed_release(&m);
    buf_release(&b);
}

static char *nested(int depth)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n");
    for (int i = 0; i < depth; i++)
        buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
    buf_puts(&b, "Content-Type: text/plain\n\ndeep body\n");
    for (int i = depth - 1; i >= 0; i--)
        buf_printf(&b, "--b%d--\n", i);
    return buf_detach(&b, NULL);
}

Test(mail_parse, nesting_is_bounded)
{
    struct mail_parsed m;
    char *shallow = nested(10);
    parse_str(shallow, &m);
    cr_assert_eq(m.parse_error, 0);
    cr_assert_str_eq(m.text, "deep body");
    mail_parsed_release(&m);
    free(shallow);
    /* Deeper than the walk: parsed, but the body is not reached. */
    char *deep = nested(200);
    parse_str(deep, &m);
    assert_well_formed(&m);
    cr_assert_eq(m.parse_error, 0);
    cr_assert_str_eq(m.subject, "deep");
    cr_assert_str_eq(m.text, "");
    mail_parsed_release(&m);
    free(deep);
    /* Too many boundaries: only the headers are parsed; the body is the raw text. */
    char *hostile = nested(3000);
    parse_str(hostile, &m);
    assert_well_formed(&m);
    cr_assert_eq(m.parse_error, 1);
    cr_assert_str_eq(m.subject, "deep");
    cr_assert_str_eq(m.from.email, "a@example.com");
    cr_assert_not_null(strstr(m.text, "deep body"));
    mail_parsed_release(&m);
    free(hostile);
}

Test(mail_parse, part_count_is_bounded)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From: a@example.com\nSubject: parts\nMIME-Version: 1.0\n"
                 "Content-Type: multipart/mixed; boundary=B\n\n");
    for (int i = 0; i < 12000; i++)
        buf_printf(&b, "--B\nContent-Type: text/plain\n\npart %d\n", i);
    buf_puts(&b, "--B--\n");
    struct mail_parsed m;
    cr_assert_eq(mail_parse(b.ptr, b.len, &m), 0);
    assert_well_formed(&m);
    cr_assert_eq(m.parse_error, 1);
    cr_assert_str_eq(m.subject, "parts");
    cr_assert_eq(strncmp(m.text, "--B\nContent-Type: text/plain\n\npart 0\n", 36), 0);
    mail_parsed_release(&m);
    buf_release(&b);
}

/* ---- text helpers ---- */

static void check_html(const char *html, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    buf_append(&b, "", 0);
    mail__html_to_text(html, strlen(html), &b, 0);
    cr_assert_str_eq(b.ptr, want, "html %s gave [%s]", html, b.ptr);
    buf_release(&b);
}

Test(mail_text, html_to_text_edge_cases)
{
    check_html("", "");
    check_html("a &lt; b &gt; c &amp;amp; &quot;q&quot; &apos;", "a < b > c &amp; \"q\" '");
    check_html("&#65;&#x42;&#X43;&#0;&#xD800;&#99999999;&#1114112;",
               "ABC\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    check_html("&bogus; & &; &#; &#x;", "&bogus; & &; &#; &#x;");
    check_html("x&nbsp;&nbsp;y", "x y");
    check_html("a < b and 3<4", "a < b and 3<4");
    check_html("<script>never</script>after<style>x</style><SCRIPT>x</ScRiPt>", "after");
    check_html("before<script>unterminated", "before");
    check_html("<p>one</p><p>two</p><div>three</div>four<br/>five",
               "one\n\ntwo\n\nthree\nfour\nfive");
    check_html("  lots \n\n of\t\twhite   space  ", "lots of white space");
    check_html("<a href=\"x>y\" title='a>b'>link</a> text", "link text");
    check_html("<!-- hidden --> shown <!-- unterminated", "shown");
    check_html("<!DOCTYPE html><?xml x?>ok", "ok");
    check_html("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc");
    check_html("<unterminated tag", "");
    check_html("</", "</");
}

Test(mail_text, to_utf8_conversions)
{
    mail_init(); /* GMime's charset tables */
    struct buf b;
    buf_init(&b, 0);
    mail__to_utf8("iso-8859-1", "\xE9\x80", 2, &b, 0);
    cr_assert_str_eq(b.ptr, "\xC3\xA9\xE2\x82\xAC"); /* read as Windows-1252 */
    buf_reset(&b);
    mail__to_utf8(NULL, "plain \xC3\xA9", 8, &b, 0);
    cr_assert_str_eq(b.ptr, "plain \xC3\xA9");
    buf_reset(&b);
    mail__to_utf8("us-ascii", "\x93hi\x94", 4, &b, 0);
    cr_assert_str_eq(b.ptr, "\xE2\x80\x9Chi\xE2\x80\x9D");
    buf_reset(&b);
    /* Shift_JIS with a truncated double-byte sequence at the end. */
    mail__to_utf8("shift_jis", "\x82\xA0\x82", 3, &b, 0);
    cr_assert_str_eq(b.ptr, "\xE3\x81\x82\xEF\xBF\xBD");
    buf_reset(&b);
    /* UTF-16 with a NUL character. */
    mail__to_utf8("utf-16le", "A\0\0\0B\0", 6, &b, 0);
    cr_assert_str_eq(b.ptr, "A\xEF\xBF\xBD"
                            "B");
    buf_release(&b);
    char s[] = "a\r\nb\rc\n";
    cr_assert_eq(mail__unix_newlines(s, strlen(s)), 6);
    cr_assert_str_eq(s, "a\nb\nc\n");
}

/* ---- the corpus ---- */

static GPtrArray *corpus_files;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_F)
        g_ptr_array_add(corpus_files, g_strdup(path));
    return 0;
}

static int by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

Test(mail_parse, corpus_parses_without_crash_or_leak, .timeout = 120)
{
    char root[1024], dir[2048];
    const char *env = getenv("FD_CORPUS_DIR");
    fixture_repo_root(root, sizeof(root));
    if (env && *env)
        snprintf(dir, sizeof(dir), "%s", env);
    else
        snprintf(dir, sizeof(dir), "%s/../shared/corpora/email", root);
    corpus_files = g_ptr_array_new_with_free_func(g_free);
    static const char *const subdirs[] = {"spamassassin", "python-test-email"};
    for (size_t i = 0; i < 2; i++) {
        char sub[2200];
        snprintf(sub, sizeof(sub), "%s/%s", dir, subdirs[i]);
        cr_assert_eq(nftw(sub, collect, 16, FTW_PHYS), 0,
                     "corpus %s is missing (set FD_CORPUS_DIR)", sub);
    }
    g_ptr_array_sort(corpus_files, by_name);
    int total = 0, errors = 0, bounces = 0, auto_replies = 0, html = 0, attachments = 0;
    for (guint i = 0; i < corpus_files->len; i++) {
        const char *path = g_ptr_array_index(corpus_files, i);
        size_t len;
        char *raw = read_path(path, &len);
        struct mail_parsed m;
        cr_assert_eq(mail_parse(raw, len, &m), 0, "%s", path);
        assert_well_formed(&m);
        total++;
        errors += m.parse_error;
        bounces += m.kind == MAIL_BOUNCE;
        auto_replies += m.kind == MAIL_AUTO_REPLY;
        html += m.html != NULL;
        attachments += m.nattachments;
        mail_parsed_release(&m);
        free(raw);
    }
    g_ptr_array_free(corpus_files, TRUE);
    fprintf(stderr,
            "mail corpus: %d messages, %d parse_error, %d bounce, %d auto-reply, %d with HTML, "
            "%d attachments\n",
            total, errors, bounces, auto_replies, html, attachments);
    cr_assert_geq(total, 1047);
    cr_assert_lt(errors, total / 50, "too many parse errors: %d", errors);
}
