#include "core/err.h"
#include "helpers.h"
#include "kb/kb.h"
#include "kb/search.h"

static struct fixture fx;
static void setup(void)
{
    fixture_open(&fx);
    cr_assert_eq(store_on_connect(fx.store, kb_search_connect), 0);
    cr_assert_eq(kb_search_init(fx.db), 0);
    struct fd_error e = {0};
    cr_assert_eq(
        kb_category_put(fx.db, "deposits-withdrawals", "Deposits & Withdrawals", "", 1, &e), 0,
        "%s", e.message);
    cr_assert_eq(kb_section_put(fx.db, "deposits-withdrawals", "withdrawal-delays",
                                "Withdrawal delays", "", 1, &e),
                 0, "%s", e.message);
}
static void teardown(void)
{
    fixture_close(&fx);
}
TestSuite(kb, .init = setup, .fini = teardown);

static struct kb_article_input article(const char *slug, const char *status)
{
    struct kb_article_input in = {0};
    in.category = "deposits-withdrawals";
    in.section = "withdrawal-delays";
    in.slug = slug;
    in.title = "Why is my Bitcoin withdrawal delayed?";
    in.body = "Withdrawals wait for **network confirmations**.\n\n| chain | confirmations |\n"
              "|---|---|\n| BTC | 2 |\n";
    in.status = status;
    return in;
}

Test(markdown, renders_gfm_and_drops_raw_html_and_js_links)
{
    const char *md = "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
                     "[click](javascript:alert(3)) ~~old~~ https://example.com\n\n"
                     "| a | b |\n|---|---|\n| 1 | 2 |\n";
    char *html = NULL;
    cr_assert_eq(kb_render(md, strlen(md), &html), 0);
    cr_assert(strstr(html, "<table>") != NULL, "%s", html);
    cr_assert(strstr(html, "<del>old</del>") != NULL, "%s", html);
    cr_assert(strstr(html, "<a href=\"https://example.com\"") != NULL, "%s", html);
    cr_assert(strstr(html, "<script") == NULL, "%s", html);
    cr_assert(strstr(html, "onerror") == NULL, "%s", html);
    cr_assert(strstr(html, "javascript:") == NULL, "%s", html);
    free(html);
}

Test(kb, drafts_are_hidden_from_customers_and_anonymous)
{
    struct auth_actor cust = fixture_actor(&fx, "c@example.com", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct kb_article_input in = article("btc-delays", "draft");
    struct kb_article_rec a = {0};
    struct fd_error e = {0};
    cr_assert_eq(kb_article_create(fx.db, &cust, &in, &a, &e), FD_EFORBIDDEN);
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), 0, "%s", e.message);
    kb_article_release(&a);
    cr_assert_eq(kb_article_get(fx.db, NULL, "en", "btc-delays", &a), FD_ENOTFOUND);
    cr_assert_eq(kb_article_get(fx.db, &cust, "en", "btc-delays", &a), FD_ENOTFOUND);
    cr_assert_eq(kb_article_get(fx.db, &sup, "en", "btc-delays", &a), 0);
    kb_article_release(&a);
    struct kb_hit *hits = NULL;
    int n = 0;
    cr_assert_eq(
        kb_search_run(fx.db, "bitcoin withdrawal", NULL, 10, KB_SEARCH_FULL, &hits, &n, &e), 0);
    cr_assert_eq(n, 0, "a draft must not be searchable");
    kb_hits_free(hits, n);
    struct kb_article_input pub = {0};
    pub.status = "published";
    cr_assert_eq(kb_article_update(fx.db, &sup, "en", "btc-delays", &pub, &a, &e), 0);
    cr_assert_eq(a.revision, 2);
    kb_article_release(&a);
    cr_assert_eq(kb_article_get(fx.db, NULL, "en", "btc-delays", &a), 0);
    kb_article_release(&a);
    cr_assert_eq(
        kb_search_run(fx.db, "bitcoin withdrawals", NULL, 10, KB_SEARCH_FULL, &hits, &n, &e), 0);
    cr_assert_eq(n, 1);
    kb_hits_free(hits, n);
}

Test(kb, revisions_and_restore)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct kb_article_input in = article("btc-delays", "published");
    struct kb_article_rec a = {0};
    struct fd_error e = {0};
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), 0);
    kb_article_release(&a);
    struct kb_article_input ch = {0};
    ch.title = "Bitcoin withdrawals: what takes time";
    ch.body = "Rewritten body.";
    cr_assert_eq(kb_article_update(fx.db, &sup, "en", "btc-delays", &ch, &a, &e), 0);
    cr_assert_str_eq(a.title, "Bitcoin withdrawals: what takes time");
    kb_article_release(&a);
    cr_assert_eq(kb_article_restore(fx.db, &sup, "en", "btc-delays", 1, &a, &e), 0, "%s",
                 e.message);
    cr_assert_eq(a.revision, 3);
    cr_assert_str_eq(a.title, "Why is my Bitcoin withdrawal delayed?");
    cr_assert(strstr(a.body, "network confirmations") != NULL);
    kb_article_release(&a);
    struct kb_revision_rec r = {0};
    cr_assert_eq(kb_revision_get(fx.db, &sup, "en", "btc-delays", 2, &r), 0);
    cr_assert_str_eq(r.body, "Rewritten body.");
    free(r.body);
}

Test(kb, bad_input_is_refused)
{
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct kb_article_rec a = {0};
    struct fd_error e = {0};
    struct kb_article_input in = article("Bad Slug", "published");
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "slug");
    in = article("ok", "live");
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), FD_EINVAL);
    cr_assert_str_eq(e.field, "status");
    in = article("ok", "published");
    in.section = "nope";
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), FD_EINVAL);
    in = article("ok", "published");
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), 0);
    kb_article_release(&a);
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), FD_ECONFLICT);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static int count_articles(void *ctx, const struct kb_article_rec *a)
{
    (void)a;
    (*(int *)ctx)++;
    return 0;
}

Test(kb, import_is_all_or_nothing_and_names_the_line)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/in.jsonl", fx.dir);
    write_file(
        path,
        "{\"type\":\"category\",\"slug\":\"api\",\"name\":\"API\"}\n"
        "{\"type\":\"section\",\"category\":\"api\",\"slug\":\"keys\",\"name\":\"Keys\"}\n"
        "// a comment\n"
        "{\"type\":\"article\",\"category\":\"api\",\"section\":\"keys\",\"slug\":\"create-"
        "key\",\"title\":\"Create an API key\",\"body\":\"Steps.\",\"status\":\"published\"}\n"
        "{\"type\":\"article\",\"category\":\"api\",\"section\":\"keys\",\"slug\":\"broken\"\n");
    struct fd_error e = {0};
    size_t n = 0;
    cr_assert_neq(kb_import_path(fx.db, path, NULL, &n, &e), 0);
    cr_assert(strstr(e.message, "in.jsonl:5:") != NULL, "%s", e.message);
    struct kb_category_rec c;
    cr_assert_eq(kb_category_get(fx.db, "api", &c), FD_ENOTFOUND, "nothing partial");
    /* Fixed, it imports; importing again updates instead of duplicating. */
    write_file(path,
               "{\"type\":\"category\",\"slug\":\"api\",\"name\":\"API\"}\n"
               "{\"type\":\"section\",\"category\":\"api\",\"slug\":\"keys\",\"name\":\"Keys\"}\n"
               "{\"type\":\"article\",\"category\":\"api\",\"section\":\"keys\",\"slug\":\"create-"
               "key\",\"title\":\"Create an API key\",\"body\":\"Steps.\",\"status\":\"published\","
               "\"tags\":[\"api\"]}\n");
    cr_assert_eq(kb_import_path(fx.db, path, NULL, &n, &e), 0, "%s", e.message);
    cr_assert_eq(n, 3);
    cr_assert_eq(kb_import_path(fx.db, path, NULL, &n, &e), 0, "%s", e.message);
    struct kb_article_rec a = {0};
    cr_assert_eq(kb_article_get(fx.db, NULL, "en", "create-key", &a), 0);
    cr_assert_eq(a.revision, 2);
    cr_assert_str_eq(a.tags, "api");
    kb_article_release(&a);
    int count = 0;
    struct kb_filter f = {0};
    f.limit = 100;
    cr_assert_eq(kb_article_list(fx.db, NULL, &f, count_articles, &count), 0);
    cr_assert_eq(count, 1);
    /* Export then import into the same store is a no-op in content. */
    char out[128];
    snprintf(out, sizeof(out), "%s/out.jsonl", fx.dir);
    FILE *fo = fopen(out, "w");
    cr_assert_eq(kb_export(fx.db, fo), 0);
    fclose(fo);
    cr_assert_eq(kb_import_path(fx.db, out, NULL, &n, &e), 0, "%s", e.message);
    /* Two categories and two sections (the fixture's and the file's), one article. */
    cr_assert_eq(n, 5);
}

Test(kb, deflection_counts)
{
    struct auth_actor cust = fixture_actor(&fx, "c@example.com", ROLE_CUSTOMER, NULL, 0);
    char tok[33], tok2[33];
    int64_t ids[1] = {0};
    cr_assert_eq(kb_deflection_shown(fx.db, &cust, NULL, "ticket", "withdrawal late", ids, 0, tok),
                 0);
    cr_assert_eq(strlen(tok), 32);
    cr_assert_eq(
        kb_deflection_shown(fx.db, &cust, tok, "ticket", "withdrawal late btc", ids, 0, tok2), 0);
    cr_assert_str_eq(tok, tok2, "the same draft keeps its token");
    cr_assert_eq(kb_deflection_shown(fx.db, NULL, NULL, "chat", "locked", ids, 0, tok2), 0);
    struct auth_actor sup = fixture_actor(&fx, "s@ex.test", ROLE_SUPERVISOR, NULL, 0);
    struct kb_article_input in = article("btc-delays", "published");
    struct kb_article_rec a = {0};
    struct fd_error e = {0};
    cr_assert_eq(kb_article_create(fx.db, &sup, &in, &a, &e), 0);
    cr_assert_eq(kb_deflection_opened(fx.db, tok2, a.id), 0);
    kb_article_release(&a);
    struct kb_deflection_stats st;
    cr_assert_eq(kb_deflection_stats(fx.db, &st), 0);
    cr_assert_eq(st.shown, 2);
    cr_assert_eq(st.opened, 1);
    cr_assert_eq(st.deflected, 1);
    cr_assert_eq(st.filed, 0);
}
