/*
 * libFuzzer target for the help center's Markdown rendering (src/kb/markdown.c):
 * bytes -> kb_render and kb_excerpt. Invariants: rendering never fails on any input, and
 * the HTML is safe (raw HTML dropped, so no <script> or event-handler markup survives and
 * no javascript: link is made). Every crash becomes a unit test in tests/unit/test_kb.c.
 */
#include "kb/kb.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *html = NULL;
    if (kb_render((const char *)data, size, &html) != 0 || !html)
        abort();
    if (contains_ci(html, "<script") || contains_ci(html, "href=\"javascript:") ||
        contains_ci(html, "<iframe") || contains_ci(html, "<img src=\"javascript:"))
        abort();
    free(html);
    char *md = malloc(size + 1);
    if (!md)
        abort();
    memcpy(md, data, size);
    md[size] = 0;
    char *ex = kb_excerpt(md, 160);
    if (ex && strlen(ex) > 160 + 3)
        abort();
    free(ex);
    free(md);
    return 0;
}
