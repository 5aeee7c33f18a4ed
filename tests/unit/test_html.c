/* The pages' writer (src/api/html.c): the one HTML/XML escape and the overflow flag. */
#include "api/html.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *text_of(const char *in, size_t max, int *overflow)
{
    struct html h;
    html_init(&h, max);
    html_text(&h, in);
    *overflow = h.overflow;
    char *out = strdup(h.b.ptr ? h.b.ptr : "");
    html_release(&h);
    return out;
}

Test(html, escapes_all_five_specials)
{
    int ov = 0;
    char *s = text_of("a&b<c>d\"e'f", 0, &ov);
    cr_assert_str_eq(s, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    cr_assert_eq(ov, 0);
    free(s);
    s = text_of("&&<<>>\"\"''", 0, &ov);
    cr_assert_str_eq(s, "&amp;&amp;&lt;&lt;&gt;&gt;&quot;&quot;&#39;&#39;");
    free(s);
    s = text_of("&amp;", 0, &ov); /* already-escaped text is escaped again */
    cr_assert_str_eq(s, "&amp;amp;");
    free(s);
}

Test(html, utf8_and_plain_text_pass_through)
{
    int ov = 0;
    const char *in = "Привет — 你好 🙂 café naïve\tline\r\nend";
    char *s = text_of(in, 0, &ov);
    cr_assert_str_eq(s, in);
    cr_assert_eq(ov, 0);
    free(s);
    s = text_of("", 0, &ov);
    cr_assert_str_eq(s, "");
    free(s);
}

Test(html, xml_forbidden_controls_are_dropped)
{
    int ov = 0;
    char *s = text_of("a\x01"
                      "b\x08"
                      "c\x0b"
                      "d\x1f"
                      "e\x7f"
                      "f",
                      0, &ov);
    cr_assert_str_eq(s, "abcde\x7f"
                        "f"); /* DEL is allowed in XML 1.0 */
    free(s);
}

Test(html, null_text_writes_nothing)
{
    struct html h;
    html_init(&h, 0);
    html_raw(&h, "x");
    html_text(&h, NULL);
    html_raw(&h, NULL);
    cr_assert_eq(h.b.len, 1);
    cr_assert_eq(h.overflow, 0);
    html_release(&h);
}

Test(html, raw_and_fmt_append_unescaped)
{
    struct html h;
    html_init(&h, 0);
    html_raw(&h, "<p>");
    html_fmt(&h, "%d-%s", 42, "<b>");
    html_rawn(&h, "</p>xyz", 4);
    cr_assert_str_eq(h.b.ptr, "<p>42-<b></p>");
    cr_assert_eq(h.overflow, 0);
    html_release(&h);
}

Test(html, overflow_flag_set_and_sticky)
{
    struct html h;
    html_init(&h, 16);
    html_raw(&h, "0123456789");
    cr_assert_eq(h.overflow, 0);
    html_text(&h, "<<<"); /* 12 bytes escaped: does not fit */
    cr_assert_eq(h.overflow, 1);
    cr_assert(h.b.len <= 16);
    html_raw(&h, "a"); /* still fits, but the flag stays */
    cr_assert_eq(h.overflow, 1);
    html_release(&h);

    html_init(&h, 0);
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    html_fmt(&h, "%s", big); /* longer than the bounded printf allows */
    cr_assert_eq(h.overflow, 1);
    cr_assert_eq(h.b.len, 0);
    html_release(&h);
}

Test(html, long_text)
{
    size_t n = 200000;
    char *in = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        in[i] = (i % 10 == 9) ? '&' : 'a';
    in[n] = 0;
    int ov = 0;
    char *s = text_of(in, 0, &ov);
    cr_assert_eq(ov, 0);
    cr_assert_eq(strlen(s), n + (n / 10) * 4); /* each & grows by 4 bytes */
    cr_assert_eq(strncmp(s, "aaaaaaaaa&amp;aaaaaaaaa&amp;", 28), 0);
    cr_assert_eq(strcmp(s + strlen(s) - 5, "&amp;"), 0);
    free(s);
    free(in);

    /* the same text in a buffer too small: flagged, never a partial escape past max */
    char *s2 = text_of("aaaa&", 6, &ov);
    cr_assert_eq(ov, 1);
    free(s2);
}
