/*
 * The pure parts of the WebSocket opening handshake (RFC 6455 section 4.2): header
 * checks, Sec-WebSocket-Accept, and the Origin check. No libmicrohttpd here (the glue
 * is in server.c), so tests/unit/test_http.c and test_hub.c call these directly.
 */
#include "http.h"
#include "http_int.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

/* RFC 6455 section 1.3; its example: key "dGhlIHNhbXBsZSBub25jZQ==" gives
 * "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=". */
static const char WS_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* 1 if the comma-separated header value list contains token (case-insensitive). */
static int has_token(const char *list, const char *token)
{
    if (!list)
        return 0;
    size_t tlen = strlen(token);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tlen && strncasecmp(start, token, tlen) == 0)
            return 1;
    }
    return 0;
}

/* 1 if key is the base64 (with padding) of 16 bytes: 22 base64 characters then "==". */
static int key_ok(const char *key)
{
    if (!key || strlen(key) != 24 || strcmp(key + 22, "==") != 0)
        return 0;
    for (int i = 0; i < 22; i++) {
        char ch = key[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '/'))
            return 0;
    }
    /* The last character before the padding carries 2 bits: the low 4 must be zero. */
    return strchr("AQgw", key[21]) != NULL;
}

int http__ws_handshake_check(const char *upgrade, const char *connection, const char *version,
                             const char *key)
{
    if (!has_token(upgrade, "websocket") || !has_token(connection, "upgrade") || !key_ok(key) ||
        !version || !*version)
        return 1;
    return strcmp(version, "13") == 0 ? 0 : 2;
}

int http__ws_accept(const char *key, char *out, size_t n)
{
    char in[64];
    size_t klen = strlen(key);
    if (klen + sizeof(WS_GUID) > sizeof(in) ||
        n < sodium_base64_ENCODED_LEN(20, sodium_base64_VARIANT_ORIGINAL))
        return -1;
    memcpy(in, key, klen);
    memcpy(in + klen, WS_GUID, sizeof(WS_GUID) - 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(in, klen + sizeof(WS_GUID) - 1, md, &mdlen, EVP_sha1(), NULL) != 1 ||
        mdlen != 20)
        return -1;
    sodium_bin2base64(out, n, md, mdlen, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

/* Length of the "scheme://authority" prefix of url, or 0 when it has no "://". */
static size_t origin_len(const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return 0;
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    if (alen == 0)
        return 0;
    return (size_t)(auth - url) + alen;
}

int http__origin_ok(const char *origin, const char *host, const char *base_url)
{
    if (!origin)
        return 1;
    size_t olen = strlen(origin);
    while (olen && origin[olen - 1] == '/')
        olen--;
    if (base_url && *base_url) {
        size_t blen = origin_len(base_url);
        if (blen && blen == olen && strncasecmp(origin, base_url, blen) == 0)
            return 1;
    }
    if (host && *host) {
        const char *auth = NULL;
        if (strncasecmp(origin, "http://", 7) == 0)
            auth = origin + 7;
        else if (strncasecmp(origin, "https://", 8) == 0)
            auth = origin + 8;
        if (auth) {
            size_t alen = olen - (size_t)(auth - origin);
            if (alen == strlen(host) && strncasecmp(auth, host, alen) == 0)
                return 1;
        }
    }
    return 0;
}

int http_req_origin_ok(const struct http_req *req, const char *base_url)
{
    return http__origin_ok(http_req_header(req, "Origin"), http_req_header(req, "Host"), base_url);
}
