/*
 * dkim.c: DKIM signing of outbound mail (libopendkim) and `frontdesk dkim keygen`
 * (OpenSSL's libcrypto; opendkim itself links it).
 *
 * Signing: rsa-sha256, relaxed/relaxed, the whole body, opendkim's default header list
 * with From oversigned (so a second From cannot be added after signing). The
 * DKIM-Signature header is put in front of the raw message.
 *
 * Threads: mail_dkim_configure() replaces the configuration under a write lock; signing
 * takes the read lock, so any number of threads sign at once with per-message handles
 * from the one shared DKIM_LIB (which opendkim's own filter shares across threads too).
 * The library handle lives for the process.
 */
#include "mail/mail.h"
#include "mail/mail_int.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <opendkim/dkim.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DKIM_KEY_MAX (64 * 1024) /* a PEM private key file is a few KiB */
#define DKIM_KEYGEN_BITS 2048
#define DKIM_MIN_BITS 1024
#define DKIM_TXT_CHUNK 250 /* a DNS TXT character-string holds at most 255 bytes */
#define DKIM_SIG_PREFIX "DKIM-Signature: "

static pthread_rwlock_t dkim_lock = PTHREAD_RWLOCK_INITIALIZER;
static DKIM_LIB *dkim_lib; /* created by the first successful configure */
static char *dkim_domain, *dkim_selector;
static unsigned char *dkim_key; /* PEM text */

/* ---- signing ---- */

static int name_ok(const char *s, int allow_underscore)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || (allow_underscore && c == '_')))
            return 0;
    }
    return 1;
}

/* Feeds the header block (up to the blank line) to opendkim one field at a time, each
 * with its folded continuation lines and without its final CRLF. Returns the offset of
 * the body, or 0 when the message has no header/body separator. */
static size_t feed_headers(DKIM *d, const char *raw, size_t len, DKIM_STAT *st)
{
    size_t field = 0;
    *st = DKIM_STAT_OK;
    for (size_t i = 0; i + 1 < len; i++) {
        if (raw[i] != '\r' || raw[i + 1] != '\n')
            continue;
        size_t next = i + 2;
        if (i == field)
            return next; /* the empty line: the body follows */
        if (next < len && (raw[next] == ' ' || raw[next] == '\t'))
            continue; /* a folded continuation of the same field */
        *st = dkim_header(d, (u_char *)(raw + field), i - field);
        if (*st != DKIM_STAT_OK)
            return 0;
        field = next;
        i = next - 1;
    }
    return 0;
}

/* Signs with explicit parameters (configure uses this for a trial run before it commits
 * a key). *out gets "DKIM-Signature: ...\r\n" followed by raw. Returns 0 or FD_EIO. */
static int sign_with(DKIM_LIB *lib, const unsigned char *key, const char *selector,
                     const char *domain, const char *raw, size_t len, char **out, size_t *outlen)
{
    DKIM_STAT st = DKIM_STAT_OK;
    u_char *hdr = NULL;
    size_t hlen = 0;
    int rc = FD_EIO;
    DKIM *d = dkim_sign(lib, (const unsigned char *)"frontdesk", NULL, (dkim_sigkey_t)key,
                        (const unsigned char *)selector, (const unsigned char *)domain,
                        DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
    if (d == NULL)
        return FD_EIO;
    size_t body = feed_headers(d, raw, len, &st);
    if (body == 0 || st != DKIM_STAT_OK)
        goto out;
    if (dkim_eoh(d) != DKIM_STAT_OK)
        goto out;
    if (body < len && dkim_body(d, (u_char *)(raw + body), len - body) != DKIM_STAT_OK)
        goto out;
    if (dkim_eom(d, NULL) != DKIM_STAT_OK)
        goto out;
    if (dkim_getsighdr_d(d, strlen(DKIM_SIG_PREFIX), &hdr, &hlen) != DKIM_STAT_OK)
        goto out;

    /* opendkim folds the header with bare LF; the message is CRLF throughout. */
    struct buf b;
    buf_init(&b, 0);
    (void)buf_puts(&b, DKIM_SIG_PREFIX);
    for (size_t i = 0; i < hlen; i++) {
        if (hdr[i] == '\r')
            continue;
        if (hdr[i] == '\n')
            (void)buf_append(&b, "\r\n", 2);
        else
            (void)buf_append(&b, &hdr[i], 1);
    }
    (void)buf_append(&b, "\r\n", 2);
    (void)buf_append(&b, raw, len);
    *out = buf_detach(&b, outlen);
    rc = 0;
out:
    dkim_free(d); /* also frees hdr, which belongs to the handle */
    return rc;
}

int mail__dkim_sign(const char *raw, size_t len, char **out, size_t *outlen)
{
    int rc = 0;
    *out = NULL;
    pthread_rwlock_rdlock(&dkim_lock);
    if (dkim_lib != NULL && dkim_key != NULL)
        rc = sign_with(dkim_lib, dkim_key, dkim_selector, dkim_domain, raw, len, out, outlen);
    pthread_rwlock_unlock(&dkim_lock);
    return rc;
}

/* ---- configuration ---- */

static int read_key(const char *path, char **out, struct fd_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fd_fail(err, FD_EIO, "dkim_key", "cannot open %s: %s", path, strerror(errno));
    struct buf b;
    buf_init(&b, DKIM_KEY_MAX);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            rc = fd_fail(err, FD_EINVAL, "dkim_key", "%s is too large for a key", path);
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = fd_fail(err, FD_EIO, "dkim_key", "cannot read %s", path);
    fclose(f);
    if (rc != 0) {
        buf_release(&b);
        return rc;
    }
    *out = buf_detach(&b, NULL);
    return 0;
}

/* Checks that pem holds an RSA private key of a sensible size. */
static int check_key(const char *pem, const char *path, struct fd_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL)
        return fd_fail(err, FD_ENOMEM, "dkim_key", "out of memory");
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (pkey == NULL)
        return fd_fail(err, FD_EINVAL, "dkim_key", "%s holds no PEM private key", path);
    int rc = 0;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
        rc = fd_fail(err, FD_EINVAL, "dkim_key", "%s is not an RSA key", path);
    else if (EVP_PKEY_get_bits(pkey) < DKIM_MIN_BITS)
        rc = fd_fail(err, FD_EINVAL, "dkim_key", "%s: RSA key shorter than %d bits", path,
                     DKIM_MIN_BITS);
    EVP_PKEY_free(pkey);
    return rc;
}

static DKIM_LIB *lib_new(void)
{
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    if (lib == NULL)
        return NULL;
    /* opendkim takes the array itself with the size of a pointer, as its filter does, and
     * copies it. */
    static const char *oversign[] = {"from", NULL};
    (void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, (void *)oversign,
                       sizeof(char **));
    return lib;
}

int mail_dkim_configure(const char *domain, const char *selector, const char *key_path,
                        struct fd_error *err)
{
    if (!name_ok(domain, 0))
        return fd_fail(err, FD_EINVAL, "dkim_domain", "not a domain name");
    if (!name_ok(selector, 1))
        return fd_fail(err, FD_EINVAL, "dkim_selector", "not a DKIM selector");
    if (key_path == NULL || *key_path == '\0')
        return fd_fail(err, FD_EINVAL, "dkim_key", "no key file given");

    char *pem = NULL;
    int rc = read_key(key_path, &pem, err);
    if (rc != 0)
        return rc;
    rc = check_key(pem, key_path, err);
    if (rc != 0) {
        sodium_memzero(pem, strlen(pem));
        free(pem);
        return rc;
    }

    pthread_rwlock_wrlock(&dkim_lock);
    if (dkim_lib == NULL)
        dkim_lib = lib_new();
    if (dkim_lib == NULL) {
        rc = fd_fail(err, FD_EIO, "dkim_key", "opendkim initialisation failed");
        goto out;
    }
    /* A trial signature, so a key opendkim cannot use fails here and not on every mail. */
    static const char probe[] = "From: a@example.com\r\nSubject: probe\r\n\r\nprobe\r\n";
    char *signed_probe = NULL;
    size_t signed_len = 0;
    if (sign_with(dkim_lib, (const unsigned char *)pem, selector, domain, probe, sizeof(probe) - 1,
                  &signed_probe, &signed_len) != 0) {
        rc = fd_fail(err, FD_EINVAL, "dkim_key", "opendkim cannot sign with %s", key_path);
        goto out;
    }
    free(signed_probe);
    if (dkim_key != NULL) {
        sodium_memzero(dkim_key, strlen((char *)dkim_key));
        free(dkim_key);
    }
    free(dkim_domain);
    free(dkim_selector);
    dkim_key = (unsigned char *)pem;
    pem = NULL;
    dkim_domain = xstrdup(domain);
    dkim_selector = xstrdup(selector);
out:
    pthread_rwlock_unlock(&dkim_lock);
    if (pem != NULL) {
        sodium_memzero(pem, strlen(pem));
        free(pem);
    }
    return rc;
}

/* ---- keygen ---- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes pem to a new file with mode 0600; an existing file is never replaced, since
 * losing a key whose record is in DNS breaks every signature until DNS changes. */
static int write_key_file(const char *path, const char *pem, size_t n, struct fd_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return fd_fail(err, FD_ECONFLICT, "dkim_key", "%s exists; not replacing a key", path);
        return fd_fail(err, FD_EIO, "dkim_key", "cannot create %s: %s", path, strerror(errno));
    }
    int ok = fchmod(fd, 0600) == 0 && write_all(fd, pem, n) == 0 && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok) {
        unlink(path);
        return fd_fail(err, FD_EIO, "dkim_key", "cannot write %s", path);
    }
    return 0;
}

int mail_dkim_keygen(const char *domain, const char *selector, const char *key_path,
                     struct fd_error *err)
{
    if (!name_ok(domain, 0))
        return fd_fail(err, FD_EINVAL, "domain", "not a domain name");
    if (!name_ok(selector, 1))
        return fd_fail(err, FD_EINVAL, "selector", "not a DKIM selector");
    if (key_path == NULL || *key_path == '\0')
        return fd_fail(err, FD_EINVAL, "key", "no key file given");

    int rc = 0;
    BIO *mem = NULL;
    unsigned char *der = NULL;
    char *b64 = NULL;
    char *pem = NULL;
    long pem_len = 0;
    EVP_PKEY *pkey = EVP_RSA_gen(DKIM_KEYGEN_BITS);
    if (pkey == NULL) {
        rc = fd_fail(err, FD_EIO, "key", "RSA key generation failed");
        goto out;
    }
    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        rc = fd_fail(err, FD_EIO, "key", "cannot encode the private key");
        goto out;
    }
    pem_len = BIO_get_mem_data(mem, &pem);
    if (pem_len <= 0) {
        rc = fd_fail(err, FD_EIO, "key", "cannot encode the private key");
        goto out;
    }
    int der_len = i2d_PUBKEY(pkey, &der);
    if (der_len <= 0) {
        rc = fd_fail(err, FD_EIO, "key", "cannot encode the public key");
        goto out;
    }
    size_t b64_len = sodium_base64_ENCODED_LEN((size_t)der_len, sodium_base64_VARIANT_ORIGINAL);
    b64 = xmalloc(b64_len);
    sodium_bin2base64(b64, b64_len, der, (size_t)der_len, sodium_base64_VARIANT_ORIGINAL);

    rc = write_key_file(key_path, pem, (size_t)pem_len, err);
    if (rc != 0)
        goto out;

    /* One zone-file line. The value is split into quoted strings of at most 250 bytes
     * (a TXT string holds 255); DNS joins them back, as RFC 6376 section 3.6.2.2 says. */
    struct buf line;
    buf_init(&line, 0);
    (void)buf_printf(&line, "%s._domainkey.%s IN TXT \"v=DKIM1; k=rsa; p=", selector, domain);
    size_t first = DKIM_TXT_CHUNK - strlen("v=DKIM1; k=rsa; p=");
    size_t klen = strlen(b64);
    size_t off = klen < first ? klen : first;
    (void)buf_append(&line, b64, off);
    (void)buf_puts(&line, "\"");
    while (off < klen) {
        size_t n = klen - off < DKIM_TXT_CHUNK ? klen - off : DKIM_TXT_CHUNK;
        (void)buf_puts(&line, " \"");
        (void)buf_append(&line, b64 + off, n);
        (void)buf_puts(&line, "\"");
        off += n;
    }
    (void)buf_puts(&line, "\n");
    if (fwrite(line.ptr, 1, line.len, stdout) != line.len || fflush(stdout) != 0)
        rc = fd_fail(err, FD_EIO, "stdout", "cannot print the DNS record");
    buf_release(&line);

out:
    free(b64);
    OPENSSL_free(der);
    if (pem != NULL && pem_len > 0)
        OPENSSL_cleanse(pem, (size_t)pem_len); /* BIO_free does not clear the key */
    BIO_free(mem);
    EVP_PKEY_free(pkey);
    return rc;
}
