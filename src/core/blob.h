#ifndef FD_CORE_BLOB_H
#define FD_CORE_BLOB_H
/*
 * Content-addressed files: DIR/xx/<sha256 hex>. A blob is written to a temporary file,
 * fsync'd, renamed and its directory fsync'd, so once fd_blob_put returns 0 the bytes
 * survive a crash; a row that names the blob may then be committed.
 */
#include <stddef.h>

#define FD_SHA256_HEX 65 /* 64 hex digits + NUL */

/* SHA-256 of data as lower-case hex. */
void fd_sha256_hex(const void *data, size_t len, char out[FD_SHA256_HEX]);
/* Stores data under dir (created if needed). Returns 0 or FD_EIO. */
int fd_blob_put(const char *dir, const char *sha, const void *data, size_t len);
/* The path of a blob. */
void fd_blob_path(const char *dir, const char *sha, char *out, size_t n);
/* Reads a whole blob (caller frees *data). Returns 0, FD_ENOTFOUND, FD_EIO. */
int fd_blob_get(const char *dir, const char *sha, char **data, size_t *len);

#endif
