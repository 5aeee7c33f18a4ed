/*
 * Attachments: content-addressed blobs (core/blob.h) under DATA_DIR/attachments, made
 * durable before the row that points to them is committed, so an acknowledged
 * attachment is never a dangling row.
 */
#include "tickets.h"

#include "../auth/auth.h"
#include "../core/blob.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../safety/clamd.h"
#include "../store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const allowed_types[] = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", NULL};

/* libmagic handles are not thread-safe: one shared handle behind a mutex. */
static pthread_mutex_t magic_mu = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_handle;

int tickets_sniff_type(const void *data, size_t len, char *out, size_t n)
{
    int rc = FD_ETYPE;
    pthread_mutex_lock(&magic_mu);
    if (!magic_handle) {
        magic_handle = magic_open(MAGIC_MIME_TYPE);
        if (magic_handle && magic_load(magic_handle, NULL) != 0) {
            magic_close(magic_handle);
            magic_handle = NULL;
        }
    }
    if (magic_handle) {
        const char *t = magic_buffer(magic_handle, data, len);
        if (t) {
            snprintf(out, n, "%s", t);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&magic_mu);
    return rc;
}

int tickets_attachment_type_allowed(const char *content_type)
{
    size_t n = strcspn(content_type, "; ");
    for (int i = 0; allowed_types[i]; i++)
        if (strlen(allowed_types[i]) == n && strncasecmp(allowed_types[i], content_type, n) == 0)
            return 1;
    return 0;
}

const char *tickets_attachment_serve_type(const char *content_type)
{
    size_t n = strcspn(content_type, "; ");
    for (int i = 0; allowed_types[i]; i++)
        if (strlen(allowed_types[i]) == n && strncasecmp(allowed_types[i], content_type, n) == 0)
            return allowed_types[i];
    return "application/octet-stream";
}

static int safe_filename(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (const char *p = in; *p && j + 1 < n; p++) {
        unsigned char c = (unsigned char)*p;
        /* Keep printable ASCII except separators and quotes; the name goes into a
         * Content-Disposition header. */
        if (c < 0x20 || c >= 0x7f || c == '/' || c == '\\' || c == '"' || c == ';')
            out[j++] = '_';
        else
            out[j++] = (char)c;
    }
    out[j] = '\0';
    return j ? 0 : FD_EINVAL;
}

static void blob_dir(const char *data_dir, char *out, size_t n)
{
    snprintf(out, n, "%s/attachments", data_dir);
}

int tickets_attachment_add(struct db *db, const struct auth_actor *a, int64_t ticket_id,
                           const char *data_dir, const char *filename, const void *data, size_t len,
                           size_t max, struct attachment_rec *out, struct fd_error *err)
{
    if (len == 0)
        return fd_fail(err, FD_EINVAL, "body", "the attachment is empty");
    if (len > max)
        return fd_fail(err, FD_ELIMIT, "body", "attachments may be at most %zu bytes", max);
    struct attachment_rec att;
    memset(&att, 0, sizeof(att));
    if (safe_filename(filename && *filename ? filename : "attachment", att.filename,
                      sizeof(att.filename)))
        return fd_fail(err, FD_EINVAL, "filename", "filename is empty");
    int rc = tickets_sniff_type(data, len, att.content_type, sizeof(att.content_type));
    int ok = 0;
    for (int i = 0; rc == 0 && allowed_types[i]; i++)
        ok |= strcmp(att.content_type, allowed_types[i]) == 0;
    if (!ok)
        return fd_fail(err, FD_ETYPE, "body",
                       "attachments must be PNG, JPEG, GIF, WebP, PDF or plain text (this "
                       "file is %s)",
                       rc == 0 ? att.content_type : "of an unknown type");
    /* Stored only when clamd says it is clean (when scanning is configured). */
    if ((rc = safety_clamd_scan(data, len, NULL, 0, err)))
        return rc;
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (!t)
        return FD_ENOMEM;
    if ((rc = tickets_get(db, a, ticket_id, t)))
        goto out;
    char dir[2048];
    blob_dir(data_dir, dir, sizeof(dir));
    fd_sha256_hex(data, len, att.sha256);
    if ((rc = fd_blob_put(dir, att.sha256, data, len)))
        goto out;
    att.ticket_id = ticket_id;
    att.uploader_id = a->user.id;
    att.size = (int64_t)len;
    att.created_at = fd_now_ms();
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = store_attachment_insert(db, &att)))
        goto out;
    char data_json[256];
    snprintf(data_json, sizeof(data_json),
             "{\"after\":{\"attachment_id\":%lld,\"size\":%lld,\"content_type\":\"%s\"}}",
             (long long)att.id, (long long)att.size, att.content_type);
    if ((rc = store_event_insert(db, ticket_id, a->user.id, "attachment_added", data_json,
                                 att.created_at)))
        goto out;
    if ((rc = db_commit(db)))
        goto out;
    *out = att;
out:
    db_rollback(db);
    free(t);
    return rc;
}

int tickets_attachment_get(struct db *db, const struct auth_actor *a, int64_t id,
                           const char *data_dir, struct attachment_rec *out, char *path,
                           size_t pathlen)
{
    struct attachment_rec att;
    int rc = store_attachment_get(db, id, &att);
    if (rc)
        return rc;
    struct ticket_rec *t = calloc(1, sizeof(*t));
    if (!t)
        return FD_ENOMEM;
    rc = tickets_get(db, a, att.ticket_id, t);
    free(t);
    if (rc)
        return rc;
    if (!auth_can_see_internal(a)) {
        /* Customers see the files of public messages, and the ones they uploaded
         * themselves; never those of internal notes or of agents' drafts. */
        int internal = 0;
        if (att.message_id)
            rc = store_message_is_internal(db, att.message_id, &internal);
        else
            internal = att.uploader_id != a->user.id;
        if (rc)
            return rc;
        if (internal)
            return FD_ENOTFOUND;
    }
    *out = att;
    char dir[2048];
    blob_dir(data_dir, dir, sizeof(dir));
    fd_blob_path(dir, att.sha256, path, pathlen);
    return 0;
}

int tickets_attach_in_txn(struct db *db, int64_t uploader_id, int64_t ticket_id, int64_t message_id,
                          const char *data_dir, const char *filename, const void *data, size_t len,
                          size_t max, struct fd_error *err)
{
    if (len > max)
        return fd_fail(err, FD_ELIMIT, "attachment", "attachment larger than %zu bytes", max);
    struct attachment_rec att;
    memset(&att, 0, sizeof(att));
    if (safe_filename(filename && *filename ? filename : "attachment", att.filename,
                      sizeof(att.filename)))
        snprintf(att.filename, sizeof(att.filename), "attachment");
    /* Mail attachments are kept whatever their type (they are part of the record); the
     * download route serves types outside the allowed list as octet-stream. */
    if (tickets_sniff_type(data, len, att.content_type, sizeof(att.content_type)))
        snprintf(att.content_type, sizeof(att.content_type), "application/octet-stream");
    char dir[2048];
    blob_dir(data_dir, dir, sizeof(dir));
    fd_sha256_hex(data, len, att.sha256);
    int rc = fd_blob_put(dir, att.sha256, data, len);
    if (rc)
        return rc;
    att.ticket_id = ticket_id;
    att.message_id = message_id;
    att.uploader_id = uploader_id;
    att.size = (int64_t)len;
    att.created_at = fd_now_ms();
    return store_attachment_insert(db, &att);
}
