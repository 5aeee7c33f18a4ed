/* The server-rendered pages' writer (see html.h). */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void html_init(struct html *h, size_t max)
{
    buf_init(&h->b, max);
    h->overflow = 0;
}

void html_release(struct html *h)
{
    buf_release(&h->b);
}

void html_rawn(struct html *h, const char *s, size_t n)
{
    if (buf_append(&h->b, s, n) != 0)
        h->overflow = 1;
}

void html_raw(struct html *h, const char *s)
{
    if (s)
        html_rawn(h, s, strlen(s));
}

void html_fmt(struct html *h, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        h->overflow = 1; /* only short, trusted formats go through here */
        return;
    }
    html_rawn(h, tmp, (size_t)n);
}

void html_text(struct html *h, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                rep = ""; /* not allowed in XML 1.0, a parse error in HTML */
            else
                continue;
        }
        html_rawn(h, run, (size_t)(s - run));
        html_raw(h, rep);
        run = s + 1;
    }
    html_rawn(h, run, (size_t)(s - run));
}
