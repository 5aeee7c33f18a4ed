#ifndef FD_API_HTML_H
#define FD_API_HTML_H
/*
 * struct html: the one writer for the server-rendered pages (help center, status page
 * and its Atom feed, /verify). A struct buf plus an overflow flag: any append that does
 * not fit sets `overflow` and the caller answers 500 instead of sending a truncated page.
 *
 *   html_raw/html_rawn  trusted markup, copied as is
 *   html_fmt            a short (< 512 bytes) printf for trusted formats and numbers
 *   html_text           the one escape for HTML and XML text and attribute values alike:
 *                       & < > " ' become entities, and the C0 control characters that
 *                       XML 1.0 forbids (all but tab, LF, CR) are dropped; every other
 *                       byte (UTF-8 included) passes through unchanged.
 */
#include "../core/buf.h"

#include <stddef.h>

struct html {
    struct buf b;
    int overflow;
};

void html_init(struct html *h, size_t max);
void html_release(struct html *h);
void html_raw(struct html *h, const char *s);
void html_rawn(struct html *h, const char *s, size_t n);
void html_fmt(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void html_text(struct html *h, const char *s);

#endif
