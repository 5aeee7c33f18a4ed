/*
 * libFuzzer target for the secrets scanner (src/safety): bytes -> safety_scan, and the
 * same bytes as staff text -> safety_outbound_check. Invariants: an output exists exactly
 * when something was found, it is NUL-terminated at the stated length, scanning it again
 * finds nothing (the hooks of several layers may see the same text), and only known kinds
 * are reported. Every crash becomes a unit test in tests/unit/test_safety.c.
 */
#include "core/err.h"
#include "safety/scan.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned kinds = 0;
    char *out = NULL;
    size_t outlen = 0;
    if (safety_scan((const char *)data, size, &kinds, &out, &outlen) != 0)
        abort();
    if ((kinds == 0) != (out == NULL) || (kinds & ~((1u << SAFETY_NKINDS) - 1)))
        abort();
    if (out) {
        if (strlen(out) > outlen || out[outlen] != 0)
            abort();
        unsigned again = 0;
        if (safety_scan(out, outlen, &again, NULL, NULL) != 0 || again != 0)
            abort();
        free(out);
    }
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = 0;
    struct fd_error err = {0};
    int rc = safety_outbound_check(s, "body", &err);
    if (rc != 0 && (rc != FD_EINVAL || strcmp(err.field, "body") != 0 || !err.message[0]))
        abort();
    free(s);
    return 0;
}
