/*
 * Markdown → HTML with cmark-gfm: GFM tables, autolinks and strikethrough, in safe mode
 * (cmark-gfm's default since 0.29: raw HTML is replaced by a comment and links or images
 * with javascript:, vbscript:, file: or data: URLs lose their target).
 */
#include "kb.h"

#include "../core/err.h"
#include "../core/xalloc.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

int kb_render(const char *md, size_t len, char **html)
{
    pthread_once(&once, register_extensions);
    /* CMARK_OPT_UNSAFE is never set: that is what keeps raw HTML out. */
    int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
    cmark_parser *p = cmark_parser_new(opts);
    if (!p)
        return FD_ENOMEM;
    static const char *const exts[] = {"table", "autolink", "strikethrough"};
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
        if (e)
            cmark_parser_attach_syntax_extension(p, e);
    }
    cmark_parser_feed(p, md, len);
    cmark_node *doc = cmark_parser_finish(p);
    char *out = doc ? cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p)) : NULL;
    if (doc)
        cmark_node_free(doc);
    cmark_parser_free(p);
    if (!out)
        return FD_ENOMEM;
    *html = out;
    return 0;
}

char *kb_excerpt(const char *md, size_t max)
{
    /* The first paragraph-like line that is not a heading, list, table or fence,
     * with the commonest inline markup characters removed. */
    const char *p = md;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        const char *s = p;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        int skip = n == 0 || *s == '#' || *s == '|' || *s == '-' || *s == '*' || *s == '>' ||
                   (*s >= '0' && *s <= '9') || strncmp(s, "```", 3) == 0;
        if (!skip) {
            char *out = xmalloc(max + 4);
            size_t o = 0;
            for (size_t i = 0; i < n && o < max; i++) {
                char c = s[i];
                if (c == '*' || c == '_' || c == '`' || c == '[' || c == ']')
                    continue;
                if (c == '(' && i > 0 && s[i - 1] == ']') {
                    while (i < n && s[i] != ')')
                        i++;
                    continue;
                }
                out[o++] = c;
            }
            /* Do not cut a UTF-8 sequence in half. */
            while (o > 0 && o >= max && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
                o--;
            if (o >= max && o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
                o--;
            out[o] = '\0';
            return out;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return xstrdup("");
}
