/*
 * The help center's server-rendered pages (see help_pages.h and docs/kb.md).
 *
 * Each handler takes one connection from the pool for the whole request, runs a
 * bounded number of queries (lists are read once and grouped in memory, never one
 * query per row of a long list) and builds the page in one struct buf. Everything
 * that came from the database or the request is written through html_text(); the only raw
 * HTML inserted is kb_render()'s output (safe mode: raw HTML dropped, dangerous links
 * removed) and search snippets (escaped by the search module, with <mark> added).
 *
 * The vote form posts to /help/articles/{slug}/vote and is answered 303 back to the
 * article, so "Was this helpful?" works with JavaScript off.
 */
#include "help_pages.h"

#include "../core/buf.h"
#include "../core/timeutil.h"
#include "../core/xalloc.h"
#include "../kb/kb.h"
#include "../kb/search.h"
#include "api_int.h"
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PAGE_MAX (2 * 1024 * 1024) /* a page larger than this is a bug: answer 500 */
#define POPULAR_MAX 8
#define LIST_MAX 300 /* articles shown on a category or section page */
#define RELATED_MAX 5
#define SEARCH_MAX 20
#define FAQ_MAX 150
#define ACCEPT_LANG_TRIES 4

static const char HTML_TYPE[] = "text/html; charset=utf-8";
static const char CSP[] = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                          "script-src 'self'; frame-ancestors 'none'";

/* ---- page buffer ----------------------------------------------------------------------- */

struct page {
    struct html h;
    char locale[8];      /* the visitor's locale */
    int explicit_locale; /* chosen with ?locale=: internal links carry it along */
    const struct auth_actor *actor;
    struct store *store; /* for the incident banner (api_status_banner_html) */
};

/* "?locale=xx" (sep '?') or "&amp;locale=xx" (sep '&') when the locale was chosen in
 * the URL, so that following a link keeps it. */
static void lq(struct page *p, char sep)
{
    if (p->explicit_locale)
        html_fmt(&p->h, "%slocale=%s", sep == '?' ? "?" : "&amp;", p->locale);
}

/* Link suffix for an article in locale loc: nothing for English unless the page's
 * locale was explicit. */
static void article_href(struct page *p, const char *slug, const char *loc)
{
    html_raw(&p->h, "/help/articles/");
    html_text(&p->h, slug);
    if (strcmp(loc, "en") != 0 || p->explicit_locale)
        html_fmt(&p->h, "?locale=%s", loc);
}

static int slug_ok(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return n >= 1 && n <= KB_SLUG_MAX;
}

static int locale_ok(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        if (s[n] < 'a' || s[n] > 'z')
            return 0;
    }
    return n == 2 || n == 3;
}

static const char *locale_name(const char *loc)
{
    static const char *const names[][2] = {
        {"en", "English"},    {"es", "Español"}, {"fr", "Français"},   {"de", "Deutsch"},
        {"pt", "Português"},  {"ru", "Русский"}, {"tr", "Türkçe"},     {"zh", "中文"},
        {"ja", "日本語"},     {"ko", "한국어"},  {"it", "Italiano"},   {"vi", "Tiếng Việt"},
        {"id", "Indonesia"},  {"ar", "العربية"}, {"uk", "Українська"}, {"pl", "Polski"},
        {"nl", "Nederlands"}, {"th", "ไทย"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(names[i][0], loc) == 0)
            return names[i][1];
    }
    return loc;
}

static void date_text(int64_t ms, char *out, size_t n)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, n, "-");
        return;
    }
    snprintf(out, n, "%d %s %d", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900);
}

/* ---- collected lists ------------------------------------------------------------------- */

struct alist {
    struct kb_article_rec *v;
    size_t n, cap;
};

static int alist_add(void *ctx, const struct kb_article_rec *a)
{
    struct alist *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n] = *a;
    l->v[l->n].body = NULL; /* lists never own a body */
    l->n++;
    return 0;
}

static void alist_release(struct alist *l)
{
    FD_FREE(l->v);
    l->n = l->cap = 0;
}

struct sec_item {
    struct kb_section_rec s;
    int64_t published;
};

/* Every category and section (two queries), for grouping and for names. */
struct taxo {
    struct kb_category_rec *cats;
    size_t ncats, capc;
    struct sec_item *secs;
    size_t nsecs, caps;
};

static int taxo_cat(void *ctx, const struct kb_category_rec *c)
{
    struct taxo *t = ctx;
    if (t->ncats == t->capc) {
        t->capc = t->capc ? t->capc * 2 : 16;
        t->cats = xrealloc(t->cats, t->capc * sizeof(*t->cats));
    }
    t->cats[t->ncats++] = *c;
    return 0;
}

static int taxo_sec(void *ctx, const struct kb_section_rec *s, int64_t published)
{
    struct taxo *t = ctx;
    if (t->nsecs == t->caps) {
        t->caps = t->caps ? t->caps * 2 : 32;
        t->secs = xrealloc(t->secs, t->caps * sizeof(*t->secs));
    }
    t->secs[t->nsecs].s = *s;
    t->secs[t->nsecs].published = published;
    t->nsecs++;
    return 0;
}

static int taxo_load(struct db *db, const char *locale, struct taxo *t)
{
    memset(t, 0, sizeof(*t));
    int rc = kb_category_list(db, taxo_cat, t);
    if (rc == 0)
        rc = kb_section_list(db, NULL, locale, taxo_sec, t);
    return rc;
}

static void taxo_release(struct taxo *t)
{
    FD_FREE(t->cats);
    FD_FREE(t->secs);
}

static const struct kb_category_rec *taxo_find_cat(const struct taxo *t, const char *slug)
{
    for (size_t i = 0; i < t->ncats; i++) {
        if (strcmp(t->cats[i].slug, slug) == 0)
            return &t->cats[i];
    }
    return NULL;
}

static const struct sec_item *taxo_find_sec(const struct taxo *t, const char *cat, const char *slug)
{
    for (size_t i = 0; i < t->nsecs; i++) {
        if (strcmp(t->secs[i].s.category, cat) == 0 && strcmp(t->secs[i].s.slug, slug) == 0)
            return &t->secs[i];
    }
    return NULL;
}

/* ---- locale ---------------------------------------------------------------------------- */

static int count_one(void *ctx, const struct kb_article_rec *a)
{
    (void)a;
    (*(int *)ctx)++;
    return 1; /* one is enough */
}

static int has_content(struct db *db, const char *locale)
{
    struct kb_filter f = {0};
    f.locale = locale;
    f.status = "published";
    f.limit = 1;
    int n = 0;
    kb_article_list(db, NULL, &f, count_one, &n);
    return n > 0;
}

/* ?locale=xx, else the first Accept-Language tag with published content, else en. */
static void choose_locale(struct http_req *req, struct db *db, struct page *p)
{
    snprintf(p->locale, sizeof(p->locale), "en");
    const char *q = http_req_query(req, "locale");
    if (q && locale_ok(q)) {
        snprintf(p->locale, sizeof(p->locale), "%s", q);
        p->explicit_locale = 1;
        return;
    }
    const char *al = http_req_header(req, "Accept-Language");
    int tries = 0;
    while (al && *al && tries < ACCEPT_LANG_TRIES) {
        while (*al == ' ' || *al == ',')
            al++;
        char tag[4];
        size_t n = 0;
        int bad = 0;
        for (; *al && *al != ',' && *al != ';' && *al != '-' && *al != ' '; al++) {
            char c = *al;
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c < 'a' || c > 'z' || n == 3)
                bad = 1;
            else
                tag[n++] = c;
        }
        tag[n] = '\0';
        int q0 = 0;
        const char *end = strchr(al, ',');
        const char *qpos = strstr(al, "q=0");
        if (qpos && (!end || qpos < end)) {
            /* "q=0" or "q=0.000": refused; "q=0.5": accepted. */
            const char *d = qpos + 3;
            q0 = 1;
            if (*d == '.') {
                for (d++; *d >= '0' && *d <= '9'; d++) {
                    if (*d != '0')
                        q0 = 0;
                }
            }
        }
        al = end;
        if (bad || n < 2 || q0)
            continue;
        tries++;
        if (strcmp(tag, "en") == 0)
            return;
        if (has_content(db, tag)) {
            snprintf(p->locale, sizeof(p->locale), "%s", tag);
            return;
        }
    }
}

/* ---- layout ---------------------------------------------------------------------------- */

static void search_form(struct page *p, const char *q, int hero)
{
    html_fmt(&p->h,
             "<form class=\"help-search%s\" role=\"search\" action=\"/help/search\" method=\"get\">"
             "<label class=\"visually-hidden\" for=\"help-q\">Search the help center</label>"
             "<div class=\"help-search-box\">"
             "<svg class=\"help-search-icon\" aria-hidden=\"true\" viewBox=\"0 0 24 24\" "
             "width=\"20\" height=\"20\"><circle cx=\"11\" cy=\"11\" r=\"7\" fill=\"none\" "
             "stroke=\"currentColor\" stroke-width=\"2\"/><path d=\"M20 20l-4-4\" "
             "stroke=\"currentColor\" stroke-width=\"2\" stroke-linecap=\"round\"/></svg>",
             hero ? " help-search-hero" : "");
    html_raw(&p->h, "<input type=\"search\" id=\"help-q\" name=\"q\" maxlength=\"200\" "
                    "autocomplete=\"off\" spellcheck=\"false\" data-suggest "
                    "placeholder=\"Search for answers\" value=\"");
    html_text(&p->h, q ? q : "");
    html_fmt(&p->h, "\" data-locale=\"%s\">", p->locale);
    if (p->explicit_locale)
        html_fmt(&p->h, "<input type=\"hidden\" name=\"locale\" value=\"%s\">", p->locale);
    html_raw(&p->h,
             "</div><button type=\"submit\" class=\"btn btn-primary\">Search</button></form>");
}

static void page_start(struct page *p, const char *title, const char *description, int hero,
                       const char *q)
{
    /* The top navigation marks the home page (hero) and the FAQ as current. */
    int faq = title && strcmp(title, "Frequently asked questions") == 0;
    html_fmt(&p->h, "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
             p->locale);
    html_raw(&p->h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"referrer\" content=\"same-origin\">\n<title>");
    if (title && *title) {
        html_text(&p->h, title);
        html_raw(&p->h, " — ");
    }
    html_raw(&p->h, "Frontdesk Help Center</title>\n");
    if (description && *description) {
        html_raw(&p->h, "<meta name=\"description\" content=\"");
        html_text(&p->h, description);
        html_raw(&p->h, "\">\n");
    }
    html_raw(&p->h, "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
                    "<link rel=\"stylesheet\" href=\"/static/help.css\">\n"
                    "<script type=\"module\" src=\"/static/help.js\"></script>\n"
                    "<script type=\"module\" src=\"/static/chat-widget.js\"></script>\n</head>\n"
                    "<body class=\"app-help\">\n"
                    "<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n"
                    "<header class=\"topbar\"><div class=\"topbar-inner\">"
                    "<a class=\"brand\" href=\"/help");
    lq(p, '?');
    html_raw(&p->h, "\"><span class=\"brand-mark\" aria-hidden=\"true\">FD</span>"
                    "<span class=\"brand-name\">Frontdesk</span>"
                    "<span class=\"brand-product\">Help Center</span></a>"
                    "<nav class=\"topnav\" aria-label=\"Main\"><a href=\"/help");
    lq(p, '?');
    html_raw(&p->h, hero ? "\" aria-current=\"page\">Help center</a><a href=\"/help/faq"
                         : "\">Help center</a><a href=\"/help/faq");
    lq(p, '?');
    html_raw(&p->h, faq ? "\" aria-current=\"page\">FAQ</a>" : "\">FAQ</a>");
    html_raw(&p->h, "<a href=\"/support#/tickets\">My tickets</a></nav>"
                    "<div class=\"userbox\"><a class=\"btn btn-primary btn-sm help-contact\" "
                    "href=\"/support\">Contact support</a></div></div></header>\n");
    if (hero) {
        html_raw(&p->h, "<div class=\"help-hero\"><div class=\"container\">"
                        "<h1>How can we help?</h1>"
                        "<p class=\"help-hero-sub\">Answers about your account, deposits and "
                        "withdrawals, trading and security.</p>");
        search_form(p, q, 1);
        html_raw(&p->h, "</div></div>\n");
    } else {
        html_raw(&p->h, "<div class=\"help-band\"><div class=\"container\">");
        search_form(p, q, 0);
        html_raw(&p->h, "</div></div>\n");
    }
    if (api_status_banner_html(
            p->store, p->actor && !auth_is_staff(p->actor) ? p->actor->user.id : 0, &p->h.b) != 0)
        p->h.overflow = 1;
    html_raw(&p->h, "<main id=\"main\" class=\"main help-main\" tabindex=\"-1\">"
                    "<div class=\"container\">\n");
}

static void page_end(struct page *p)
{
    html_raw(&p->h,
             "</div></main>\n<footer class=\"help-footer\"><div class=\"container\">"
             "<div class=\"help-footer-cta\"><div><h2>Still need help?</h2>"
             "<p>Our support team answers every ticket. We will never ask for your password, "
             "2FA codes, seed phrase or private keys.</p></div>"
             "<a class=\"btn btn-primary\" href=\"/support#/new\">Contact support</a></div>"
             "<p class=\"help-footer-links\"><a href=\"/help");
    lq(p, '?');
    html_raw(&p->h, "\">Help center</a> · <a href=\"/help/faq");
    lq(p, '?');
    html_raw(&p->h, "\">FAQ</a> · <a href=\"/support\">Support portal</a></p>"
                    "</div></footer>\n</body>\n</html>\n");
}

static void send_page(struct http_resp *resp, int status, struct page *p)
{
    if (p->h.overflow) {
        buf_release(&p->h.b);
        static const char body[] = "<!doctype html><title>Error</title>"
                                   "<p>The page could not be built. Please try again.</p>";
        http_resp_bytes(resp, 500, HTML_TYPE, body, sizeof(body) - 1);
    } else {
        http_resp_bytes(resp, status, HTML_TYPE, p->h.b.ptr, p->h.b.len);
        buf_release(&p->h.b);
    }
    http_resp_header(resp, "Cache-Control", "no-cache");
    http_resp_header(resp, "Content-Security-Policy", CSP);
}

static void page_init(struct page *p, struct http_req *req)
{
    memset(p, 0, sizeof(*p));
    buf_init(&p->h.b, PAGE_MAX);
    snprintf(p->locale, sizeof(p->locale), "en");
    p->actor = api_actor(req);
    p->store = API_APP(req)->store;
}

static void crumbs_open(struct page *p)
{
    html_raw(&p->h, "<nav class=\"help-crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/help");
    lq(p, '?');
    html_raw(&p->h, "\">Help center</a></li>");
}

static void crumb_cat(struct page *p, const char *slug, const char *name)
{
    html_raw(&p->h, "<li><a href=\"/help/");
    html_text(&p->h, slug);
    lq(p, '?');
    html_raw(&p->h, "\">");
    html_text(&p->h, name);
    html_raw(&p->h, "</a></li>");
}

static void crumb_sec(struct page *p, const char *cat, const char *slug, const char *name)
{
    html_raw(&p->h, "<li><a href=\"/help/");
    html_text(&p->h, cat);
    html_raw(&p->h, "/");
    html_text(&p->h, slug);
    lq(p, '?');
    html_raw(&p->h, "\">");
    html_text(&p->h, name);
    html_raw(&p->h, "</a></li>");
}

static void crumb_here(struct page *p, const char *name)
{
    html_raw(&p->h, "<li><span aria-current=\"page\">");
    html_text(&p->h, name);
    html_raw(&p->h, "</span></li></ol></nav>\n");
}

/* An article link in a list, with a small FAQ marker. */
static void article_li(struct page *p, const struct kb_article_rec *a)
{
    html_raw(&p->h, "<li><a href=\"");
    article_href(p, a->slug, a->locale);
    html_raw(&p->h, "\">");
    html_text(&p->h, a->title);
    html_raw(&p->h, "</a>");
    if (strcmp(a->kind, "faq") == 0)
        html_raw(&p->h, " <span class=\"help-kind\">FAQ</span>");
    if (strcmp(a->status, "published") != 0) {
        html_raw(&p->h, " <span class=\"help-kind help-kind-draft\">");
        html_text(&p->h, a->status);
        html_raw(&p->h, "</span>");
    }
    html_raw(&p->h, "</li>");
}

static void not_found(struct page *p, struct http_resp *resp, const char *what)
{
    page_start(p, "Not found", NULL, 0, NULL);
    html_raw(&p->h,
             "<section class=\"help-empty card\"><h1>We couldn&#39;t find that page</h1><p>");
    html_text(&p->h, what);
    html_raw(&p->h, " Try searching above, or go back to the <a href=\"/help");
    lq(p, '?');
    html_raw(&p->h, "\">help center</a>.</p></section>\n");
    page_end(p);
    send_page(resp, 404, p);
}

static void failure(struct page *p, struct http_resp *resp, int rc)
{
    buf_reset(&p->h.b);
    p->h.overflow = 0;
    if (rc == FD_ENOTFOUND) {
        not_found(p, resp, "The page you asked for does not exist.");
        return;
    }
    page_start(p, "Something went wrong", NULL, 0, NULL);
    html_raw(&p->h, "<section class=\"help-empty card\"><h1>Something went wrong</h1>"
                    "<p>The help center could not load this page. Please try again in a moment.</p>"
                    "</section>\n");
    page_end(p);
    send_page(resp, 500, p);
}

/* ---- /help ----------------------------------------------------------------------------- */

static void home(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    choose_locale(req, db, &p);
    struct taxo t;
    struct alist pop = {0};
    int rc = taxo_load(db, p.locale, &t);
    if (rc == 0) {
        struct kb_filter f = {0};
        f.locale = p.locale;
        f.kind = "article";
        f.status = "published";
        f.order_by_views = 1;
        f.limit = POPULAR_MAX;
        rc = kb_article_list(db, NULL, &f, alist_add, &pop);
    }
    store_release(st, db);
    if (rc) {
        taxo_release(&t);
        alist_release(&pop);
        failure(&p, resp, rc);
        return;
    }

    page_start(&p, NULL, "Answers to questions about your exchange account.", 1, NULL);
    html_raw(&p.h, "<div class=\"help-home\"><section class=\"help-topics\" "
                   "aria-labelledby=\"topics-h\"><h2 id=\"topics-h\" class=\"help-h2\">"
                   "Browse by topic</h2><div class=\"help-cats\">");
    int shown = 0;
    for (size_t i = 0; i < t.ncats; i++) {
        const struct kb_category_rec *c = &t.cats[i];
        int64_t total = 0;
        for (size_t j = 0; j < t.nsecs; j++) {
            if (t.secs[j].s.category_id == c->id)
                total += t.secs[j].published;
        }
        if (total == 0)
            continue;
        shown++;
        html_raw(&p.h, "<section class=\"help-cat card\"><h3><a href=\"/help/");
        html_text(&p.h, c->slug);
        lq(&p, '?');
        html_raw(&p.h, "\">");
        html_text(&p.h, c->name);
        html_raw(&p.h, "</a></h3>");
        if (c->description[0]) {
            html_raw(&p.h, "<p class=\"help-cat-desc\">");
            html_text(&p.h, c->description);
            html_raw(&p.h, "</p>");
        }
        html_raw(&p.h, "<ul class=\"help-secs\">");
        for (size_t j = 0; j < t.nsecs; j++) {
            const struct sec_item *s = &t.secs[j];
            if (s->s.category_id != c->id || s->published == 0)
                continue;
            html_raw(&p.h, "<li><a href=\"/help/");
            html_text(&p.h, c->slug);
            html_raw(&p.h, "/");
            html_text(&p.h, s->s.slug);
            lq(&p, '?');
            html_raw(&p.h, "\">");
            html_text(&p.h, s->s.name);
            html_fmt(&p.h,
                     "</a><span class=\"help-count\" aria-label=\"%lld articles\">%lld</span></li>",
                     (long long)s->published, (long long)s->published);
        }
        html_raw(&p.h, "</ul></section>");
    }
    html_raw(&p.h, "</div>");
    if (!shown)
        html_raw(&p.h, "<p class=\"help-empty-note\">No articles have been published yet.</p>");
    html_raw(&p.h, "</section><div class=\"help-home-side\">");

    if (pop.n) {
        html_raw(&p.h, "<section class=\"help-popular card\" aria-labelledby=\"pop-h\">"
                       "<h2 id=\"pop-h\" class=\"help-h2\">Popular articles</h2>"
                       "<ol class=\"help-list help-list-numbered\">");
        for (size_t i = 0; i < pop.n; i++)
            article_li(&p, &pop.v[i]);
        html_raw(&p.h, "</ol></section>");
    }
    html_raw(&p.h, "<section class=\"help-faq-cta card\"><h2 class=\"help-h2\">Frequently asked "
                   "questions</h2><p>Short answers to the questions we hear most.</p>"
                   "<a class=\"btn btn-secondary\" href=\"/help/faq");
    lq(&p, '?');
    html_raw(&p.h, "\">Browse the FAQ</a></section></div></div>\n");
    page_end(&p);
    taxo_release(&t);
    alist_release(&pop);
    send_page(resp, 200, &p);
}

/* ---- /help/{category} ------------------------------------------------------------------ */

static void category_page(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    const char *cslug = req->params[0];
    if (!slug_ok(cslug)) {
        not_found(&p, resp, "There is no such topic.");
        return;
    }
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    choose_locale(req, db, &p);
    struct taxo t;
    struct alist l = {0};
    int rc = taxo_load(db, p.locale, &t);
    const struct kb_category_rec *c = rc == 0 ? taxo_find_cat(&t, cslug) : NULL;
    if (rc == 0 && !c)
        rc = FD_ENOTFOUND;
    if (rc == 0) {
        struct kb_filter f = {0};
        f.category = cslug;
        f.locale = p.locale;
        f.status = "published";
        f.limit = LIST_MAX;
        rc = kb_article_list(db, NULL, &f, alist_add, &l);
    }
    store_release(st, db);
    if (rc) {
        taxo_release(&t);
        alist_release(&l);
        if (rc == FD_ENOTFOUND)
            not_found(&p, resp, "There is no such topic.");
        else
            failure(&p, resp, rc);
        return;
    }
    page_start(&p, c->name, c->description, 0, NULL);
    crumbs_open(&p);
    crumb_here(&p, c->name);
    html_raw(&p.h, "<header class=\"help-head\"><h1>");
    html_text(&p.h, c->name);
    html_raw(&p.h, "</h1>");
    if (c->description[0]) {
        html_raw(&p.h, "<p class=\"help-lead\">");
        html_text(&p.h, c->description);
        html_raw(&p.h, "</p>");
    }
    html_raw(&p.h, "</header><div class=\"help-sec-grid\">");
    int any = 0;
    for (size_t j = 0; j < t.nsecs; j++) {
        const struct sec_item *s = &t.secs[j];
        if (s->s.category_id != c->id || s->published == 0)
            continue;
        any = 1;
        html_raw(&p.h,
                 "<section class=\"card help-sec-card\"><h2 class=\"help-h2\"><a href=\"/help/");
        html_text(&p.h, c->slug);
        html_raw(&p.h, "/");
        html_text(&p.h, s->s.slug);
        lq(&p, '?');
        html_raw(&p.h, "\">");
        html_text(&p.h, s->s.name);
        html_raw(&p.h, "</a></h2><ul class=\"help-list\">");
        int k = 0;
        for (size_t i = 0; i < l.n && k < 6; i++) {
            if (strcmp(l.v[i].section, s->s.slug) == 0) {
                article_li(&p, &l.v[i]);
                k++;
            }
        }
        html_raw(&p.h, "</ul>");
        if (s->published > k) {
            html_raw(&p.h, "<a class=\"help-more\" href=\"/help/");
            html_text(&p.h, c->slug);
            html_raw(&p.h, "/");
            html_text(&p.h, s->s.slug);
            lq(&p, '?');
            html_fmt(&p.h, "\">See all %lld articles</a>", (long long)s->published);
        }
        html_raw(&p.h, "</section>");
    }
    html_raw(&p.h, "</div>");
    if (!any)
        html_raw(&p.h, "<p class=\"help-empty-note\">No articles in this topic yet.</p>");
    page_end(&p);
    taxo_release(&t);
    alist_release(&l);
    send_page(resp, 200, &p);
}

/* ---- /help/{category}/{section} -------------------------------------------------------- */

static void section_page(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    const char *cslug = req->params[0], *sslug = req->params[1];
    if (!slug_ok(cslug) || !slug_ok(sslug)) {
        not_found(&p, resp, "There is no such section.");
        return;
    }
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    choose_locale(req, db, &p);
    struct kb_category_rec c;
    struct kb_section_rec s;
    struct alist l = {0};
    int rc = kb_category_get(db, cslug, &c);
    if (rc == 0)
        rc = kb_section_get(db, cslug, sslug, &s);
    if (rc == 0) {
        struct kb_filter f = {0};
        f.category = cslug;
        f.section = sslug;
        f.locale = p.locale;
        /* Editors also see drafts here (marked), so they can check a section. */
        f.status = kb_can_edit(p.actor) ? NULL : "published";
        f.limit = LIST_MAX;
        rc = kb_article_list(db, p.actor, &f, alist_add, &l);
    }
    store_release(st, db);
    if (rc) {
        alist_release(&l);
        if (rc == FD_ENOTFOUND)
            not_found(&p, resp, "There is no such section.");
        else
            failure(&p, resp, rc);
        return;
    }
    page_start(&p, s.name, s.description, 0, NULL);
    crumbs_open(&p);
    crumb_cat(&p, c.slug, c.name);
    crumb_here(&p, s.name);
    html_raw(&p.h, "<header class=\"help-head\"><h1>");
    html_text(&p.h, s.name);
    html_raw(&p.h, "</h1>");
    if (s.description[0]) {
        html_raw(&p.h, "<p class=\"help-lead\">");
        html_text(&p.h, s.description);
        html_raw(&p.h, "</p>");
    }
    html_raw(&p.h, "</header><section class=\"card help-section-list\">");
    if (l.n) {
        html_raw(&p.h, "<ul class=\"help-list help-list-lg\">");
        for (size_t i = 0; i < l.n; i++)
            article_li(&p, &l.v[i]);
        html_raw(&p.h, "</ul>");
        if (l.n == LIST_MAX)
            html_raw(&p.h, "<p class=\"muted\">Showing the first articles only; use the search box "
                           "to find others.</p>");
    } else {
        html_raw(&p.h, "<p class=\"help-empty-note\">No articles in this section yet.</p>");
    }
    html_raw(&p.h, "</section>\n");
    page_end(&p);
    alist_release(&l);
    send_page(resp, 200, &p);
}

/* ---- /help/articles/{slug} ------------------------------------------------------------- */

static int add_translation(void *ctx, const struct kb_article_rec *a)
{
    return alist_add(ctx, a);
}

static void vote_block(struct page *p, const struct kb_article_rec *a, int voted)
{
    html_raw(&p->h, "<section class=\"help-vote\" id=\"vote\" aria-labelledby=\"vote-h\">");
    if (voted) {
        html_raw(&p->h, "<p class=\"help-vote-thanks\" role=\"status\" id=\"vote-h\">"
                        "Thanks for your feedback!</p>");
    } else {
        html_raw(&p->h, "<h2 id=\"vote-h\" class=\"help-vote-q\">Was this article helpful?</h2>"
                        "<div class=\"help-vote-buttons\">");
        for (int yes = 1; yes >= 0; yes--) {
            html_raw(&p->h, "<form method=\"post\" action=\"/help/articles/");
            html_text(&p->h, a->slug);
            html_raw(&p->h, "/vote");
            if (strcmp(a->locale, "en") != 0)
                html_fmt(&p->h, "?locale=%s", a->locale);
            html_fmt(&p->h,
                     "\"><input type=\"hidden\" name=\"helpful\" value=\"%s\">"
                     "<button type=\"submit\" class=\"btn btn-secondary help-vote-%s\">%s</button>"
                     "</form>",
                     yes ? "yes" : "no", yes ? "yes" : "no", yes ? "Yes" : "No");
        }
        html_raw(&p->h, "</div>");
    }
    int64_t total = a->helpful_yes + a->helpful_no;
    if (total > 0)
        html_fmt(&p->h, "<p class=\"help-vote-stat\">%lld of %lld found this helpful</p>",
                 (long long)a->helpful_yes, (long long)total);
    html_raw(&p->h, "</section>");
}

static void article_page(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    const char *slug = req->params[0];
    if (!slug_ok(slug)) {
        not_found(&p, resp, "There is no such article.");
        return;
    }
    const char *voted_q = http_req_query(req, "voted");
    int voted = voted_q && strcmp(voted_q, "1") == 0;
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    choose_locale(req, db, &p);
    struct kb_article_rec a;
    memset(&a, 0, sizeof(a));
    struct kb_category_rec c;
    struct kb_section_rec s;
    struct alist rel = {0}, tr = {0};
    char *html = NULL;
    int have_article = 0;
    int rc = kb_article_get(db, p.actor, p.locale, slug, &a);
    if (rc == FD_ENOTFOUND && strcmp(p.locale, "en") != 0)
        rc = kb_article_get(db, p.actor, "en", slug, &a);
    if (rc == FD_ENOTFOUND) /* a slug shared from another language's page */
        rc = kb_article_get_any(db, p.actor, slug, &a);
    if (rc == 0)
        have_article = 1;
    if (rc == 0)
        rc = kb_category_get(db, a.category, &c);
    if (rc == 0)
        rc = kb_section_get(db, a.category, a.section, &s);
    if (rc == 0)
        rc = kb_render(a.body ? a.body : "", a.body ? strlen(a.body) : 0, &html);
    int published = have_article && strcmp(a.status, "published") == 0;
    if (rc == 0) {
        /* Related: the rest of the section, else what search finds for the title. */
        struct kb_filter f = {0};
        f.category = a.category;
        f.section = a.section;
        f.locale = a.locale;
        f.status = "published";
        f.limit = RELATED_MAX + 1;
        kb_article_list(db, NULL, &f, alist_add, &rel);
        size_t others = 0;
        for (size_t i = 0; i < rel.n; i++)
            others += rel.v[i].id != a.id;
        if (others < 2) {
            struct kb_hit *hits = NULL;
            int nh = 0;
            struct fd_error err = {0};
            if (kb_search_run(db, a.title, a.locale, RELATED_MAX + 1, KB_SEARCH_FULL, &hits, &nh,
                              &err) == 0) {
                for (int i = 0; i < nh && rel.n < RELATED_MAX + 1; i++) {
                    int dup = hits[i].id == a.id;
                    for (size_t k = 0; k < rel.n && !dup; k++)
                        dup = rel.v[k].id == hits[i].id;
                    struct kb_article_rec o;
                    if (!dup && kb_article_get_id(db, NULL, hits[i].id, &o) == 0) {
                        alist_add(&rel, &o);
                        kb_article_release(&o);
                    }
                }
                kb_hits_free(hits, nh);
            }
        }
        kb_translations(db, &a, add_translation, &tr);
        if (published && !voted)
            kb_article_viewed(db, a.id);
    }
    store_release(st, db);
    if (rc) {
        if (have_article)
            kb_article_release(&a);
        free(html);
        alist_release(&rel);
        alist_release(&tr);
        if (rc == FD_ENOTFOUND)
            not_found(&p, resp, "There is no such article, or it is not published.");
        else
            failure(&p, resp, rc);
        return;
    }
    snprintf(p.locale, sizeof(p.locale), "%s", a.locale);
    char *excerpt = kb_excerpt(a.body ? a.body : "", 160);
    page_start(&p, a.title, excerpt, 0, NULL);
    free(excerpt);
    crumbs_open(&p);
    crumb_cat(&p, c.slug, c.name);
    crumb_sec(&p, c.slug, s.slug, s.name);
    crumb_here(&p, a.title);
    html_raw(&p.h, "<div class=\"help-layout\"><article class=\"help-article card\">");
    if (!published) {
        html_raw(&p.h, "<p class=\"help-draft-banner\" role=\"note\"><strong>");
        html_text(&p.h, a.status);
        html_raw(&p.h, "</strong> — only help-center editors can see this article.</p>");
    }
    html_raw(&p.h, "<h1 class=\"help-title\">");
    html_text(&p.h, a.title);
    char iso[32], when[32];
    fd_iso8601(a.updated_at, iso, sizeof(iso));
    date_text(a.updated_at, when, sizeof(when));
    html_raw(&p.h, "</h1><p class=\"help-meta\">");
    if (strcmp(a.kind, "faq") == 0)
        html_raw(&p.h, "<span class=\"help-kind\">FAQ</span> ");
    html_fmt(&p.h, "Updated <time datetime=\"%s\">%s</time>", iso, when);
    if (kb_can_edit(p.actor)) {
        html_raw(&p.h, " · <a href=\"/agent#/kb/edit/");
        html_text(&p.h, a.slug);
        html_fmt(&p.h, "?locale=%s\">Edit in console</a>", a.locale);
    }
    html_raw(&p.h, "</p>\n<div class=\"help-body\">\n");
    html_raw(&p.h, html); /* kb_render: safe by construction */
    html_raw(&p.h, "\n</div>\n");
    if (published)
        vote_block(&p, &a, voted);
    html_raw(&p.h, "</article><aside class=\"help-aside\">");
    if (tr.n) {
        html_raw(&p.h,
                 "<section class=\"card help-side-card\"><h2 class=\"help-h3\">Other languages"
                 "</h2><ul class=\"help-langs\">");
        for (size_t i = 0; i < tr.n; i++) {
            html_fmt(&p.h, "<li><a lang=\"%s\" hreflang=\"%s\" href=\"", tr.v[i].locale,
                     tr.v[i].locale);
            html_raw(&p.h, "/help/articles/");
            html_text(&p.h, tr.v[i].slug);
            html_fmt(&p.h, "?locale=%s\">", tr.v[i].locale);
            html_text(&p.h, locale_name(tr.v[i].locale));
            html_raw(&p.h, "</a></li>");
        }
        html_raw(&p.h, "</ul></section>");
    }
    int nrel = 0;
    for (size_t i = 0; i < rel.n; i++) {
        if (rel.v[i].id == a.id || nrel == RELATED_MAX)
            continue;
        if (!nrel)
            html_raw(&p.h, "<section class=\"card help-side-card\"><h2 class=\"help-h3\">Related "
                           "articles</h2><ul class=\"help-list\">");
        article_li(&p, &rel.v[i]);
        nrel++;
    }
    if (nrel)
        html_raw(&p.h, "</ul></section>");
    html_raw(&p.h, "<section class=\"card help-side-card help-contact-card\"><h2 class=\"help-h3\">"
                   "Didn&#39;t find your answer?</h2><p>Open a ticket and our team will look into "
                   "your account.</p><a class=\"btn btn-primary btn-block\" href=\"/support#/new\">"
                   "Contact support</a></section></aside></div>\n");
    page_end(&p);
    kb_article_release(&a);
    free(html);
    alist_release(&rel);
    alist_release(&tr);
    send_page(resp, 200, &p);
}

/* ---- POST /help/articles/{slug}/vote --------------------------------------------------- */

/* Reads helpful=yes|no from an application/x-www-form-urlencoded body: 1, 0, or -1. */
static int form_helpful(const char *body, size_t len)
{
    const char *p = body, *end = body + len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
        if (n == 11 && memcmp(p, "helpful=yes", 11) == 0)
            return 1;
        if (n == 10 && memcmp(p, "helpful=no", 10) == 0)
            return 0;
        p = amp ? amp + 1 : NULL;
    }
    return -1;
}

static void vote(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    const char *slug = req->params[0];
    if (!slug_ok(slug)) {
        not_found(&p, resp, "There is no such article.");
        return;
    }
    const char *loc = http_req_query(req, "locale");
    if (!loc || !locale_ok(loc))
        loc = "en";
    int helpful = form_helpful(req->body ? req->body : "", req->body_len);
    if (helpful < 0) {
        page_start(&p, "Bad request", NULL, 0, NULL);
        html_raw(&p.h, "<section class=\"help-empty card\"><h1>That did not work</h1>"
                       "<p>Send helpful=yes or helpful=no. <a href=\"");
        article_href(&p, slug, loc);
        html_raw(&p.h, "\">Back to the article</a>.</p></section>");
        page_end(&p);
        send_page(resp, 400, &p);
        return;
    }
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    struct kb_article_rec a;
    int rc = kb_article_get(db, NULL, loc, slug, &a); /* published only */
    if (rc == 0) {
        rc = kb_article_vote(db, p.actor, a.id, helpful);
        kb_article_release(&a);
    }
    store_release(st, db);
    if (rc) {
        if (rc == FD_ENOTFOUND)
            not_found(&p, resp, "There is no such article, or it is not published.");
        else
            failure(&p, resp, rc);
        return;
    }
    char loc_buf[64];
    if (strcmp(loc, "en") != 0)
        snprintf(loc_buf, sizeof(loc_buf), "?locale=%s&voted=1#vote", loc);
    else
        snprintf(loc_buf, sizeof(loc_buf), "?voted=1#vote");
    char *where = xasprintf("/help/articles/%s%s", slug, loc_buf);
    html_raw(&p.h, "<!doctype html><title>Thanks</title><p><a href=\"");
    html_text(&p.h, where);
    html_raw(&p.h, "\">Back to the article</a></p>");
    send_page(resp, 303, &p);
    http_resp_header(resp, "Location", where);
    free(where);
}

/* ---- /help/search ---------------------------------------------------------------------- */

static void search_page(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    const char *raw = http_req_query(req, "q");
    char q[KB_QUERY_MAX * 4 + 1];
    q[0] = '\0';
    int too_long = 0;
    if (raw) {
        while (*raw == ' ' || *raw == '\t' || *raw == '\n' || *raw == '\r')
            raw++;
        size_t n = strlen(raw);
        while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\n' ||
                     raw[n - 1] == '\r'))
            n--;
        if (n > KB_QUERY_MAX) {
            too_long = 1;
            n = KB_QUERY_MAX; /* shown back cut, not searched */
            while (n && ((unsigned char)raw[n] & 0xC0) == 0x80)
                n--; /* do not cut a UTF-8 sequence */
        }
        memcpy(q, raw, n);
        q[n] = '\0';
    }
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    choose_locale(req, db, &p);
    struct kb_hit *hits = NULL;
    int nh = 0, rc = 0, status = 200;
    struct alist found = {0};
    struct taxo t;
    memset(&t, 0, sizeof(t));
    if (q[0] && !too_long) {
        struct fd_error err = {0};
        rc = kb_search_run(db, q, p.locale, SEARCH_MAX, KB_SEARCH_FULL, &hits, &nh, &err);
        if (rc == 0 && nh == 0 && strcmp(p.locale, "en") != 0) {
            kb_hits_free(hits, nh);
            hits = NULL;
            rc = kb_search_run(db, q, NULL, SEARCH_MAX, KB_SEARCH_FULL, &hits, &nh, &err);
        }
        if (rc == FD_ELIMIT) {
            too_long = 1;
            rc = 0;
        } else if (rc == FD_EINVAL) {
            q[0] = '\0';
            rc = 0;
        }
        for (int i = 0; rc == 0 && i < nh; i++) {
            struct kb_article_rec o;
            if (kb_article_get_id(db, NULL, hits[i].id, &o) == 0) {
                alist_add(&found, &o);
                kb_article_release(&o);
            } else {
                /* Indexed but gone: keep positions aligned with hits. */
                struct kb_article_rec none;
                memset(&none, 0, sizeof(none));
                alist_add(&found, &none);
            }
        }
        if (rc == 0 && nh)
            rc = taxo_load(db, p.locale, &t);
    }
    store_release(st, db);
    if (rc) {
        kb_hits_free(hits, nh);
        alist_release(&found);
        taxo_release(&t);
        failure(&p, resp, rc);
        return;
    }
    page_start(&p, q[0] ? q : "Search", NULL, 0, q);
    crumbs_open(&p);
    crumb_here(&p, "Search");
    html_raw(&p.h, "<header class=\"help-head\"><h1>");
    if (too_long) {
        status = 400;
        html_fmt(&p.h,
                 "Your search is too long</h1><p class=\"help-lead\">Please use at most %d "
                 "characters: a few words describing the problem work best.</p>",
                 KB_QUERY_MAX);
    } else if (!q[0]) {
        html_raw(&p.h, "Search the help center</h1><p class=\"help-lead\">Type a few words about "
                       "your question, for example &#8220;deposit not credited&#8221;.</p>");
    } else {
        html_raw(&p.h, "Results for &#8220;");
        html_text(&p.h, q);
        html_fmt(&p.h, "&#8221;</h1><p class=\"help-lead\" role=\"status\">%d %s</p>", nh,
                 nh == 1 ? "article found" : "articles found");
    }
    html_raw(&p.h, "</header>");
    if (q[0] && !too_long) {
        if (nh) {
            html_raw(&p.h, "<ol class=\"help-results\">");
            for (int i = 0; i < nh; i++) {
                const struct kb_article_rec *o = &found.v[i];
                if (!o->id)
                    continue;
                html_raw(&p.h, "<li class=\"help-result card\"><h2 class=\"help-result-title\"><a "
                               "href=\"");
                article_href(&p, o->slug, o->locale);
                html_raw(&p.h, "\">");
                html_text(&p.h, o->title);
                html_raw(&p.h, "</a></h2>");
                const struct kb_category_rec *c = taxo_find_cat(&t, o->category);
                const struct sec_item *s = taxo_find_sec(&t, o->category, o->section);
                if (c && s) {
                    html_raw(&p.h, "<p class=\"help-result-path\">");
                    html_text(&p.h, c->name);
                    html_raw(&p.h, " › ");
                    html_text(&p.h, s->s.name);
                    html_raw(&p.h, "</p>");
                }
                if (hits[i].snippet && *hits[i].snippet) {
                    html_raw(&p.h, "<p class=\"help-snippet\">");
                    html_raw(&p.h, hits[i].snippet); /* escaped by the search module */
                    html_raw(&p.h, "</p>");
                }
                html_raw(&p.h, "</li>");
            }
            html_raw(&p.h, "</ol>");
        } else {
            html_raw(&p.h, "<section class=\"card help-empty\"><h2 class=\"help-h2\">No articles "
                           "match your search</h2><p>Try other words, check the spelling, or "
                           "<a href=\"/help/faq");
            lq(&p, '?');
            html_raw(&p.h, "\">browse the FAQ</a>. You can also <a href=\"/support#/new\">contact "
                           "support</a>.</p></section>");
        }
    }
    page_end(&p);
    kb_hits_free(hits, nh);
    alist_release(&found);
    taxo_release(&t);
    send_page(resp, status, &p);
}

/* ---- /help/faq ------------------------------------------------------------------------- */

static void faq_page(struct http_req *req, struct http_resp *resp)
{
    struct page p;
    page_init(&p, req);
    struct store *st = API_APP(req)->store;
    struct db *db = store_acquire(st);
    choose_locale(req, db, &p);
    struct alist l = {0};
    struct taxo t;
    int rc = taxo_load(db, p.locale, &t);
    if (rc == 0) {
        struct kb_filter f = {0};
        f.locale = p.locale;
        f.kind = "faq";
        f.status = "published";
        f.limit = FAQ_MAX;
        rc = kb_article_list(db, NULL, &f, alist_add, &l);
    }
    /*
     * Lists carry no bodies, so the answers are read one by one: bounded by FAQ_MAX and
     * all on this one connection. (A list call that loads bodies would make it one.)
     */
    char **answers = xcalloc(l.n ? l.n : 1, sizeof(*answers));
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        struct kb_article_rec o;
        if (kb_article_get_id(db, NULL, l.v[i].id, &o) == 0) {
            if (kb_render(o.body ? o.body : "", o.body ? strlen(o.body) : 0, &answers[i]) != 0)
                answers[i] = NULL;
            kb_article_release(&o);
        }
    }
    store_release(st, db);
    if (rc) {
        free(answers);
        alist_release(&l);
        taxo_release(&t);
        failure(&p, resp, rc);
        return;
    }
    page_start(&p, "Frequently asked questions", "Short answers to common questions.", 0, NULL);
    crumbs_open(&p);
    crumb_here(&p, "FAQ");
    html_raw(&p.h, "<header class=\"help-head\"><h1>Frequently asked questions</h1></header>");
    if (!l.n)
        html_raw(&p.h, "<p class=\"help-empty-note\">No questions have been published yet.</p>");
    /* Grouped by category, in category order; FAQs of unknown categories last. */
    for (size_t ci = 0; ci <= t.ncats; ci++) {
        const struct kb_category_rec *c = ci < t.ncats ? &t.cats[ci] : NULL;
        int opened = 0;
        for (size_t i = 0; i < l.n; i++) {
            const struct kb_article_rec *o = &l.v[i];
            int mine = c ? strcmp(o->category, c->slug) == 0 : !taxo_find_cat(&t, o->category);
            if (!mine)
                continue;
            if (!opened) {
                html_raw(&p.h, "<section class=\"help-faq-group\"><h2 class=\"help-h2\">");
                html_text(&p.h, c ? c->name : "Other questions");
                html_raw(&p.h, "</h2><div class=\"help-faq card card-flush\">");
                opened = 1;
            }
            html_raw(&p.h, "<details class=\"help-faq-item\" id=\"");
            html_text(&p.h, o->slug);
            html_raw(&p.h, "\"><summary>");
            html_text(&p.h, o->title);
            html_raw(&p.h, "</summary><div class=\"help-body help-faq-answer\">");
            if (answers[i])
                html_raw(&p.h, answers[i]); /* kb_render: safe by construction */
            html_raw(&p.h, "<p class=\"help-faq-link\"><a href=\"");
            article_href(&p, o->slug, o->locale);
            html_raw(&p.h, "\">Open as a page</a></p></div></details>");
        }
        if (opened)
            html_raw(&p.h, "</div></section>");
    }
    page_end(&p);
    for (size_t i = 0; i < l.n; i++)
        free(answers[i]);
    free(answers);
    alist_release(&l);
    taxo_release(&t);
    send_page(resp, 200, &p);
}

void api_help_register(void)
{
    http_route("GET", "/help", home);
    http_route("GET", "/help/faq", faq_page);
    http_route("GET", "/help/search", search_page);
    http_route("GET", "/help/{category}", category_page);
    http_route("GET", "/help/{category}/{section}", section_page);
    http_route("GET", "/help/articles/{slug}", article_page);
    http_route("POST", "/help/articles/{slug}/vote", vote);
    http_route_body_max("POST", "/help/articles/{slug}/vote", 1024);
}
