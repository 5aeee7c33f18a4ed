#include "blob.h"

#include "err.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fd_sha256_hex(const void *data, size_t len, char out[FD_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, FD_SHA256_HEX, h, sizeof(h));
}

void fd_blob_path(const char *dir, const char *sha, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%s", dir, sha, sha);
}

static int mkdir_p(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return FD_EIO;
}

static void fsync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

int fd_blob_put(const char *dir, const char *sha, const void *data, size_t len)
{
    char sub[2048], path[2048], tmp[2100];
    if (mkdir_p(dir))
        return FD_EIO;
    snprintf(sub, sizeof(sub), "%s/%.2s", dir, sha);
    if (mkdir_p(sub))
        return FD_EIO;
    fd_blob_path(dir, sha, path, sizeof(path));
    struct stat sb;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == len)
        return 0; /* the same content is already stored */
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d.%u", path, (int)getpid(), randombytes_random());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return FD_EIO;
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return FD_EIO;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return FD_EIO;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return FD_EIO;
    }
    fsync_dir(sub);
    return 0;
}

int fd_blob_get(const char *dir, const char *sha, char **data, size_t *len)
{
    char path[2048];
    fd_blob_path(dir, sha, path, sizeof(path));
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? FD_ENOTFOUND : FD_EIO;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        fclose(f);
        return FD_EIO;
    }
    size_t n = (size_t)sb.st_size;
    char *buf = xmalloc(n + 1);
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    if (got != n) {
        free(buf);
        return FD_EIO;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}
