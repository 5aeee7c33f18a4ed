/*
 * Outbound mail: compose (parsed back with GMime), Message-IDs, DKIM keygen + signing
 * (verified with opendkim's file query method, no DNS), and SMTP against
 * tests/tools/smtp_sink.py (Debian's python3-aiosmtpd) on an ephemeral port.
 */
#include "core/err.h"
#include "mail/mail.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <netinet/in.h>
#include <opendkim/dkim.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SINK_SCRIPT "tests/tools/smtp_sink.py"
#define SUBJECT "[FD-10042] Auszahlung hängt – 出金が届かない"

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    mail_init();
}

static void stop_active_sink(void);

static void teardown(void)
{
    stop_active_sink();
}

TestSuite(mail_out, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers ---- */

static const char *const refs3[] = {"root.1@customer.example", "fd-1@support.example",
                                    "reply.2@customer.example"};

static struct mail_out sample(void)
{
    struct mail_out m;
    memset(&m, 0, sizeof(m));
    m.from_name = "Exchange Support – Withdrawals";
    m.from_email = "withdrawals@support.example";
    m.to_name = "Zoë Müller";
    m.to_email = "zoe@customer.example";
    m.subject = SUBJECT;
    m.text =
        "Hello Zoë,\n\nyour withdrawal is being checked. Größe: 1 BTC.\n"
        ".a line starting with a dot\n"
        "From the start of a line\n"
        "A long line: "
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "\n-- \nSupport\n";
    m.message_id = "0123456789abcdef@support.example";
    m.in_reply_to = "reply.2@customer.example";
    m.references = refs3;
    m.nreferences = 3;
    return m;
}

static GMimeMessage *parse_raw(const char *raw, size_t len)
{
    GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(st);
    GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
    g_object_unref(p);
    g_object_unref(st);
    cr_assert_not_null(msg, "GMime could not parse the composed message");
    return msg;
}

/* Every CR is followed by LF and every LF preceded by CR; no line over 998 octets. */
static void assert_crlf(const char *raw, size_t len)
{
    size_t line = 0;
    for (size_t i = 0; i < len; i++) {
        if (raw[i] == '\r')
            cr_assert(i + 1 < len && raw[i + 1] == '\n', "bare CR at %zu", i);
        if (raw[i] == '\n') {
            cr_assert(i > 0 && raw[i - 1] == '\r', "bare LF at %zu", i);
            line = 0;
        } else {
            line++;
            cr_assert_leq(line, 999, "line over 998 octets at %zu", i);
        }
    }
    cr_assert(len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n');
}

/* The decoded content of a leaf part, CRs dropped (the caller's strings use LF). */
static char *part_content(GMimeObject *obj)
{
    GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
    cr_assert_not_null(w);
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, out);
    GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    char *s = malloc(arr->len + 1);
    cr_assert_not_null(s);
    size_t j = 0;
    for (size_t i = 0; i < arr->len; i++)
        if (arr->data[i] != '\r')
            s[j++] = (char)arr->data[i];
    s[j] = '\0';
    g_object_unref(out);
    return s;
}

static size_t part_bytes(GMimeObject *obj, unsigned char *dst, size_t cap)
{
    GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, out);
    GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    size_t n = arr->len < cap ? arr->len : cap;
    memcpy(dst, arr->data, n);
    size_t total = arr->len;
    g_object_unref(out);
    return total;
}

static void assert_type(GMimeObject *obj, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    cr_assert(g_mime_content_type_is_type(ct, type, subtype), "expected %s/%s, got %s/%s", type,
              subtype, g_mime_content_type_get_media_type(ct),
              g_mime_content_type_get_media_subtype(ct));
}

/* The header block of raw, for looking at the bytes as written. */
static char *raw_headers(const char *raw)
{
    const char *end = strstr(raw, "\r\n\r\n");
    cr_assert_not_null(end);
    return strndup(raw, (size_t)(end - raw) + 2);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap + 1);
    cr_assert_not_null(p);
    size_t r;
    while ((r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap + 1);
            cr_assert_not_null(p);
        }
    }
    fclose(f);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

static void make_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/fd-mailout-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_tree(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- compose ---- */

Test(mail_out, compose_text_only_headers_and_threading)
{
    struct mail_out m = sample();
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    cr_assert_eq(strlen(raw), len);
    assert_crlf(raw, len);

    char *hdrs = raw_headers(raw);
    for (const char *p = hdrs; *p; p++)
        cr_assert((unsigned char)*p < 0x80, "non-ASCII byte in the header block");
    cr_assert_null(strstr(hdrs, "Auto-Submitted"));
    cr_assert_not_null(strstr(hdrs, "MIME-Version: 1.0\r\n"));
    cr_assert(strncmp(hdrs, "Date: ", 6) == 0 || strstr(hdrs, "\r\nDate: ") != NULL);
    free(hdrs);

    GMimeMessage *msg = parse_raw(raw, len);
    GMimeObject *obj = GMIME_OBJECT(msg);
    cr_assert_str_eq(g_mime_message_get_message_id(msg), m.message_id);
    cr_assert_str_eq(g_mime_object_get_header(obj, "In-Reply-To"), "<reply.2@customer.example>");
    GMimeReferences *refs =
        g_mime_references_parse(NULL, g_mime_object_get_header(obj, "References"));
    cr_assert_eq(g_mime_references_length(refs), 3);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(g_mime_references_get_message_id(refs, i), refs3[i]);
    g_mime_references_free(refs);
    cr_assert_str_eq(g_mime_message_get_subject(msg), SUBJECT);
    cr_assert_not_null(g_mime_message_get_date(msg));

    InternetAddressList *from = g_mime_message_get_from(msg);
    cr_assert_eq(internet_address_list_length(from), 1);
    InternetAddress *fa = internet_address_list_get_address(from, 0);
    cr_assert_str_eq(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(fa)),
                     "withdrawals@support.example");
    cr_assert_str_eq(internet_address_get_name(fa), "Exchange Support – Withdrawals");
    InternetAddressList *to = g_mime_message_get_to(msg);
    cr_assert_eq(internet_address_list_length(to), 1);
    InternetAddress *ta = internet_address_list_get_address(to, 0);
    cr_assert_str_eq(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ta)),
                     "zoe@customer.example");
    cr_assert_str_eq(internet_address_get_name(ta), "Zoë Müller");

    GMimeObject *body = g_mime_message_get_mime_part(msg);
    assert_type(body, "text", "plain");
    cr_assert_str_eq(g_mime_object_get_content_type_parameter(body, "charset"), "utf-8");
    cr_assert_eq(g_mime_part_get_content_encoding(GMIME_PART(body)),
                 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    char *text = part_content(body);
    cr_assert_str_eq(text, m.text);
    free(text);
    g_object_unref(msg);
    free(raw);
}

Test(mail_out, compose_html_and_attachments_structure)
{
    struct mail_out m = sample();
    m.html = "<p>Hello <b>Zoë</b></p>\n";
    unsigned char png[300];
    for (size_t i = 0; i < sizeof(png); i++)
        png[i] = (unsigned char)(i * 7 + 3); /* includes NUL, CR and LF bytes */
    struct mail_attachment atts[2] = {
        {.filename = "Kontoauszug März.png",
         .content_type = "image/png",
         .data = png,
         .len = sizeof(png)},
        {.filename = "../../etc/notes.txt",
         .content_type = "bogus type\r\nX: y",
         .data = (unsigned char *)"a\nb",
         .len = 3,
         .inline_part = 1},
    };
    m.attachments = atts;
    m.nattachments = 2;
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    assert_crlf(raw, len);
    cr_assert_null(strstr(raw, "\r\nX: y"));

    GMimeMessage *msg = parse_raw(raw, len);
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    assert_type(top, "multipart", "mixed");
    GMimeMultipart *mixed = GMIME_MULTIPART(top);
    cr_assert_eq(g_mime_multipart_get_count(mixed), 3);

    GMimeObject *alt = g_mime_multipart_get_part(mixed, 0);
    assert_type(alt, "multipart", "alternative");
    cr_assert_eq(g_mime_multipart_get_count(GMIME_MULTIPART(alt)), 2);
    GMimeObject *plain = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 0);
    GMimeObject *html = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 1);
    assert_type(plain, "text", "plain");
    assert_type(html, "text", "html");
    char *s = part_content(html);
    cr_assert_str_eq(s, m.html);
    free(s);
    s = part_content(plain);
    cr_assert_str_eq(s, m.text);
    free(s);

    GMimeObject *a0 = g_mime_multipart_get_part(mixed, 1);
    assert_type(a0, "image", "png");
    cr_assert_str_eq(g_mime_part_get_filename(GMIME_PART(a0)), "Kontoauszug März.png");
    cr_assert_str_eq(g_mime_object_get_disposition(a0), "attachment");
    cr_assert_eq(g_mime_part_get_content_encoding(GMIME_PART(a0)), GMIME_CONTENT_ENCODING_BASE64);
    unsigned char back[400];
    cr_assert_eq(part_bytes(a0, back, sizeof(back)), sizeof(png));
    cr_assert_eq(memcmp(back, png, sizeof(png)), 0);

    GMimeObject *a1 = g_mime_multipart_get_part(mixed, 2);
    assert_type(a1, "application", "octet-stream");
    cr_assert_str_eq(g_mime_part_get_filename(GMIME_PART(a1)), "notes.txt");
    cr_assert_str_eq(g_mime_object_get_disposition(a1), "inline");
    cr_assert_eq(part_bytes(a1, back, sizeof(back)), 3);
    cr_assert_eq(memcmp(back, "a\nb", 3), 0);
    g_object_unref(msg);
    free(raw);
}

Test(mail_out, compose_html_without_attachments_is_alternative)
{
    struct mail_out m = sample();
    m.html = "<p>hi</p>";
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    GMimeMessage *msg = parse_raw(raw, len);
    assert_type(g_mime_message_get_mime_part(msg), "multipart", "alternative");
    g_object_unref(msg);
    free(raw);
}

Test(mail_out, compose_auto_submitted)
{
    struct mail_out m = sample();
    m.auto_submitted = 1;
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    GMimeMessage *msg = parse_raw(raw, len);
    cr_assert_str_eq(g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted"), "auto-replied");
    g_object_unref(msg);
    free(raw);
}

Test(mail_out, compose_rejects_bad_own_fields_and_drops_bad_threading_ids)
{
    char *raw = NULL;
    size_t len = 0;
    struct mail_out m = sample();
    m.from_email = "not an address";
    cr_assert_eq(mail_compose(&m, &raw, &len), FD_EINVAL);
    m = sample();
    m.to_email = "a@b.example>\r\nBcc: x@evil.example";
    cr_assert_eq(mail_compose(&m, &raw, &len), FD_EINVAL);
    m = sample();
    m.message_id = "abc>@x";
    cr_assert_eq(mail_compose(&m, &raw, &len), FD_EINVAL);
    m = sample();
    m.nattachments = MAIL_MAX_ATTACHMENTS + 1;
    cr_assert_eq(mail_compose(&m, &raw, &len), FD_EINVAL);
    cr_assert_null(raw);

    /* Customer-supplied ids that are malformed are left out; the reply still goes. */
    static const char *const bad_refs[] = {"ok.1@x.example", "bad id@x.example", "ok.2@x.example"};
    m = sample();
    m.in_reply_to = "no-at-sign";
    m.references = bad_refs;
    m.subject = "[FD-10042] line\r\nBcc: injected@evil.example";
    m.to_name = "Eve\r\nBcc: injected@evil.example";
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    char *hdrs = raw_headers(raw);
    cr_assert_null(strstr(hdrs, "\r\nBcc:"));
    free(hdrs);
    GMimeMessage *msg = parse_raw(raw, len);
    cr_assert_null(g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"));
    cr_assert_null(g_mime_object_get_header(GMIME_OBJECT(msg), "Bcc"));
    GMimeReferences *refs =
        g_mime_references_parse(NULL, g_mime_object_get_header(GMIME_OBJECT(msg), "References"));
    cr_assert_eq(g_mime_references_length(refs), 2);
    cr_assert_str_eq(g_mime_references_get_message_id(refs, 1), "ok.2@x.example");
    g_mime_references_free(refs);
    g_object_unref(msg);
    free(raw);
}

Test(mail_out, compose_caps_long_reference_chains)
{
    enum { N = 150 };
    static char ids[N][48];
    static const char *ptrs[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "message.number.%03d@customer.example", i);
        ptrs[i] = ids[i];
    }
    struct mail_out m = sample();
    m.references = ptrs;
    m.nreferences = N;
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    assert_crlf(raw, len);
    GMimeMessage *msg = parse_raw(raw, len);
    GMimeReferences *refs =
        g_mime_references_parse(NULL, g_mime_object_get_header(GMIME_OBJECT(msg), "References"));
    cr_assert_eq(g_mime_references_length(refs), MAIL_MAX_REFS);
    cr_assert_str_eq(g_mime_references_get_message_id(refs, 0), ids[0]);
    cr_assert_str_eq(g_mime_references_get_message_id(refs, MAIL_MAX_REFS - 1), ids[N - 1]);
    cr_assert_str_eq(g_mime_references_get_message_id(refs, 1), ids[N - MAIL_MAX_REFS + 1]);
    g_mime_references_free(refs);
    g_object_unref(msg);
    free(raw);
}

Test(mail_out, new_message_id)
{
    char a[128], b[128];
    mail_new_message_id("support.example", a, sizeof(a));
    mail_new_message_id("support.example", b, sizeof(b));
    cr_assert_eq(strlen(a), 32 + 1 + strlen("support.example"));
    cr_assert_str_neq(a, b);
    for (int i = 0; i < 32; i++)
        cr_assert(strchr("0123456789abcdef", a[i]) != NULL);
    cr_assert_str_eq(a + 32, "@support.example");
    mail_new_message_id("bad domain>", a, sizeof(a));
    cr_assert_str_eq(a + 32, "@frontdesk.invalid");
}

/* ---- DKIM ---- */

/* Feeds raw to opendkim's verifier with the key record in a file; returns dkim_eom's
 * status (DKIM_STAT_OK for a good signature). */
static DKIM_STAT dkim_check(const char *keyfile, const char *raw, size_t len)
{
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    cr_assert_not_null(lib);
    dkim_query_t qm = DKIM_QUERY_FILE;
    cr_assert_eq(dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm, sizeof(qm)),
                 DKIM_STAT_OK);
    cr_assert_eq(
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, (void *)keyfile, strlen(keyfile)),
        DKIM_STAT_OK);
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM *d = dkim_verify(lib, (const unsigned char *)"test", NULL, &st);
    cr_assert_not_null(d);
    size_t field = 0, body = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (raw[i] != '\r' || raw[i + 1] != '\n')
            continue;
        if (i == field) {
            body = i + 2;
            break;
        }
        if (raw[i + 2] == ' ' || raw[i + 2] == '\t')
            continue;
        cr_assert_eq(dkim_header(d, (u_char *)(raw + field), i - field), DKIM_STAT_OK);
        field = i + 2;
    }
    cr_assert_gt(body, 0);
    st = dkim_eoh(d);
    if (st == DKIM_STAT_OK) {
        cr_assert_eq(dkim_body(d, (u_char *)(raw + body), len - body), DKIM_STAT_OK);
        st = dkim_eom(d, NULL);
    }
    dkim_free(d);
    dkim_close(lib);
    return st;
}

/* Runs keygen with stdout captured into out_path. */
static int keygen_captured(const char *key, const char *out_path, struct fd_error *err)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(saved >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    int rc = mail_dkim_keygen("support.example", "fd2025", key, err);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

/* Turns the printed zone line into opendkim's key file: "name<TAB>value". */
static void write_keyfile(const char *printed, const char *keyfile)
{
    const char *prefix = "fd2025._domainkey.support.example IN TXT ";
    cr_assert_eq(strncmp(printed, prefix, strlen(prefix)), 0, "printed: %s", printed);
    char value[2048];
    size_t n = 0;
    int in = 0;
    for (const char *p = printed + strlen(prefix); *p && *p != '\n'; p++) {
        if (*p == '"') {
            in = !in;
            continue;
        }
        if (in && n + 1 < sizeof(value))
            value[n++] = *p;
    }
    value[n] = '\0';
    cr_assert_eq(strncmp(value, "v=DKIM1; k=rsa; p=MII", 21), 0, "value: %s", value);
    FILE *f = fopen(keyfile, "w");
    cr_assert_not_null(f);
    fprintf(f, "fd2025._domainkey.support.example\t%s\n", value);
    fclose(f);
}

Test(mail_out, dkim_keygen_sign_verify_and_tamper)
{
    char dir[64], key[96], out[96], keyfile[96];
    make_tmpdir(dir, sizeof(dir));
    snprintf(key, sizeof(key), "%s/dkim.pem", dir);
    snprintf(out, sizeof(out), "%s/record.txt", dir);
    snprintf(keyfile, sizeof(keyfile), "%s/keys.txt", dir);

    struct fd_error err = {0};
    cr_assert_eq(keygen_captured(key, out, &err), 0, "%s", err.message);
    struct stat stt;
    cr_assert_eq(stat(key, &stt), 0);
    cr_assert_eq(stt.st_mode & 0777, 0600);
    char *printed = read_file(out, NULL);
    cr_assert_not_null(printed);
    for (const char *q = printed; (q = strchr(q, '"')) != NULL;) {
        const char *e = strchr(q + 1, '"');
        cr_assert_not_null(e);
        cr_assert_leq(e - q - 1, 255, "TXT string longer than 255");
        q = e + 1;
    }
    write_keyfile(printed, keyfile);
    free(printed);

    /* A second keygen must not replace the key that is in DNS. */
    cr_assert_eq(keygen_captured(key, out, &err), FD_ECONFLICT);

    cr_assert_eq(mail_dkim_configure("support.example", "fd2025", key, &err), 0, "%s", err.message);
    struct mail_out m = sample();
    m.html = "<p>Hello</p>";
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    assert_crlf(raw, len);
    cr_assert_eq(strncmp(raw, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;", 53), 0,
                 "%.120s", raw);
    cr_assert_not_null(strstr(raw, "d=support.example;"));
    cr_assert_not_null(strstr(raw, "s=fd2025;"));
    cr_assert_eq(dkim_check(keyfile, raw, len), DKIM_STAT_OK);

    /* One body byte changed: the body hash no longer matches. */
    char *t = strstr(raw, "withdrawal is being checked");
    cr_assert_not_null(t);
    t[0] = 'W';
    cr_assert_eq(dkim_check(keyfile, raw, len), DKIM_STAT_BADSIG);
    t[0] = 'w';
    /* A header changed (the subject is signed). */
    char *subj = strstr(raw, "\r\nSubject: ");
    cr_assert_not_null(subj);
    char saved = subj[11];
    subj[11] = 'X';
    cr_assert_eq(dkim_check(keyfile, raw, len), DKIM_STAT_BADSIG);
    subj[11] = saved;
    cr_assert_eq(dkim_check(keyfile, raw, len), DKIM_STAT_OK);
    /* From is oversigned: a second From added after signing breaks the signature. */
    const char *extra = "From: attacker@evil.example\r\n";
    char *date = strstr(raw, "\r\nDate: ");
    cr_assert_not_null(date);
    size_t at = (size_t)(date - raw) + 2, elen = strlen(extra);
    char *forged = malloc(len + elen + 1);
    cr_assert_not_null(forged);
    memcpy(forged, raw, at);
    memcpy(forged + at, extra, elen);
    memcpy(forged + at + elen, raw + at, len - at + 1);
    cr_assert_neq(dkim_check(keyfile, forged, len + elen), DKIM_STAT_OK);
    free(forged);
    free(raw);
    remove_tree(dir);
}

Test(mail_out, dkim_configure_errors)
{
    char dir[64], path[96];
    make_tmpdir(dir, sizeof(dir));
    struct fd_error err = {0};
    snprintf(path, sizeof(path), "%s/missing.pem", dir);
    cr_assert_eq(mail_dkim_configure("support.example", "s1", path, &err), FD_EIO);
    snprintf(path, sizeof(path), "%s/garbage.pem", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    cr_assert_eq(mail_dkim_configure("support.example", "s1", path, &err), FD_EINVAL);
    cr_assert_eq(mail_dkim_configure("bad domain", "s1", path, &err), FD_EINVAL);
    cr_assert_eq(mail_dkim_keygen("support.example", "s 1", path, &err), FD_EINVAL);

    /* Nothing configured: compose does not sign. */
    struct mail_out m = sample();
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    cr_assert_null(strstr(raw, "DKIM-Signature"));
    free(raw);
    remove_tree(dir);
}

/* ---- SMTP ---- */

struct sink {
    pid_t pid;
    int port;
    char dir[64];
    char msgs[96];
    char fail[96];
};

/* The running sink, stopped by the suite's fini even when an assertion ended the test. */
static struct sink *active_sink;

static void sink_start(struct sink *s)
{
    memset(s, 0, sizeof(*s));
    make_tmpdir(s->dir, sizeof(s->dir));
    snprintf(s->msgs, sizeof(s->msgs), "%s/msgs", s->dir);
    snprintf(s->fail, sizeof(s->fail), "%s/FAIL", s->dir);
    cr_assert_eq(access(SINK_SCRIPT, R_OK), 0, "run the tests from the repository root");
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    posix_spawn_file_actions_addclose(&fa, pfd[1]);
    char *argv[] = {"/usr/bin/python3", SINK_SCRIPT, s->msgs, "--port", "0",
                    "--fail-file",      s->fail,     NULL};
    /* Debian's python with its own modules: nothing from a pyenv or virtualenv. */
    char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL};
    int rc = posix_spawn(&s->pid, "/usr/bin/python3", &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    cr_assert_eq(rc, 0, "posix_spawn: %s", strerror(rc));

    char line[32];
    size_t n = 0;
    while (n + 1 < sizeof(line)) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        cr_assert_gt(poll(&p, 1, 15000), 0, "smtp_sink.py did not print its port");
        ssize_t r = read(pfd[0], line + n, 1);
        cr_assert_gt(r, 0, "smtp_sink.py exited (is python3-aiosmtpd installed?)");
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(pfd[0]);
    char *end = NULL;
    long port = strtol(line, &end, 10);
    cr_assert(end != line && port > 0 && port < 65536, "bad port line '%s'", line);
    s->port = (int)port;
    active_sink = s;
}

static void sink_stop(struct sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int status;
        waitpid(s->pid, &status, 0);
        s->pid = 0;
    }
    if (s->dir[0] != '\0')
        remove_tree(s->dir);
    s->dir[0] = '\0';
    active_sink = NULL;
}

static void stop_active_sink(void)
{
    if (active_sink != NULL)
        sink_stop(active_sink);
}

static void sink_fail_mode(struct sink *s, const char *reply)
{
    FILE *f = fopen(s->fail, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s\n", reply);
    fclose(f);
}

static char *wait_file(const char *path, size_t *len)
{
    for (int i = 0; i < 200; i++) {
        char *p = read_file(path, len);
        if (p != NULL)
            return p;
        usleep(50 * 1000);
    }
    cr_assert_fail("%s did not appear", path);
    return NULL;
}

Test(mail_out, smtp_send_stores_exact_bytes_and_envelope)
{
    struct sink s;
    sink_start(&s);
    struct mail_out m = sample();
    m.html = "<p>Hi</p>";
    unsigned char data[] = ".dot\r\n.\r\n";
    struct mail_attachment att = {.filename = "dots.txt",
                                  .content_type = "text/plain",
                                  .data = data,
                                  .len = sizeof(data) - 1};
    m.attachments = &att;
    m.nattachments = 1;
    char *raw = NULL;
    size_t len = 0;
    cr_assert_eq(mail_compose(&m, &raw, &len), 0);
    /* A second message that starts with a lone "." line and lines starting with dots: the
     * sink only stores bytes, and they must survive SMTP dot-stuffing unchanged. */
    size_t xlen = len + 16;
    char *x = malloc(xlen + 1);
    cr_assert_not_null(x);
    memcpy(x, ".\r\n..two\r\n.x\r\n\r\n", 16);
    memcpy(x + 16, raw, len + 1);

    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", s.port);
    struct mail_smtp conf = {.url = url, .timeout_s = 10};
    struct fd_error err = {0};
    cr_assert_eq(
        mail_smtp_send(&conf, "bounces@support.example", "zoe@customer.example", raw, len, &err), 0,
        "%s", err.message);
    cr_assert_eq(
        mail_smtp_send(&conf, "bounces@support.example", "zoe@customer.example", x, xlen, &err), 0,
        "%s", err.message);

    char path[160];
    size_t got_len = 0;
    snprintf(path, sizeof(path), "%s/0001.json", s.msgs);
    char *meta = wait_file(path, NULL);
    cr_assert_not_null(strstr(meta, "\"mail_from\": \"bounces@support.example\""), "%s", meta);
    cr_assert_not_null(strstr(meta, "\"rcpt_tos\": [\"zoe@customer.example\"]"), "%s", meta);
    free(meta);
    snprintf(path, sizeof(path), "%s/0001.eml", s.msgs);
    char *got = read_file(path, &got_len);
    cr_assert_not_null(got);
    cr_assert_eq(got_len, len);
    cr_assert_eq(memcmp(got, raw, len), 0);
    free(got);

    snprintf(path, sizeof(path), "%s/0002.json", s.msgs);
    free(wait_file(path, NULL));
    snprintf(path, sizeof(path), "%s/0002.eml", s.msgs);
    got = read_file(path, &got_len);
    cr_assert_eq(got_len, xlen);
    cr_assert_eq(memcmp(got, x, xlen), 0);
    free(got);
    free(x);
    free(raw);
    sink_stop(&s);
}

Test(mail_out, smtp_refused_connection_is_temporary)
{
    /* A port that was just free: bind, read it, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(a.sin_port));
    struct mail_smtp conf = {.url = url, .timeout_s = 5};
    struct fd_error err = {0};
    const char *msg = "From: a@b.example\r\n\r\nx\r\n";
    cr_assert_eq(mail_smtp_send(&conf, "a@b.example", "c@d.example", msg, strlen(msg), &err),
                 FD_EIO);
    cr_assert_neq(err.message[0], '\0');
}

Test(mail_out, smtp_550_is_permanent_with_server_text)
{
    struct sink s;
    sink_start(&s);
    sink_fail_mode(&s, "550 5.1.1 <c@d.example>: No such user here");
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", s.port);
    struct mail_smtp conf = {.url = url, .timeout_s = 10};
    struct fd_error err = {0};
    const char *msg = "From: a@b.example\r\n\r\nx\r\n";
    cr_assert_eq(mail_smtp_send(&conf, "a@b.example", "c@d.example", msg, strlen(msg), &err),
                 FD_EINVAL);
    cr_assert_str_eq(err.message, "550 5.1.1 <c@d.example>: No such user here");
    sink_stop(&s);
}

Test(mail_out, smtp_451_is_temporary)
{
    struct sink s;
    sink_start(&s);
    sink_fail_mode(&s, "451 4.3.0 Greylisted, try again later");
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", s.port);
    struct mail_smtp conf = {.url = url, .timeout_s = 10};
    struct fd_error err = {0};
    const char *msg = "From: a@b.example\r\n\r\nx\r\n";
    cr_assert_eq(mail_smtp_send(&conf, "a@b.example", "c@d.example", msg, strlen(msg), &err),
                 FD_EIO);
    cr_assert_str_eq(err.message, "451 4.3.0 Greylisted, try again later");
    /* Once the server accepts again, the same message goes through. */
    cr_assert_eq(unlink(s.fail), 0);
    cr_assert_eq(mail_smtp_send(&conf, "a@b.example", "c@d.example", msg, strlen(msg), &err), 0,
                 "%s", err.message);
    sink_stop(&s);
}
