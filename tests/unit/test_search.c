/* Help-center search (src/kb/search_fts5.c): tokenizer, ranking, typo tolerance, prefix,
 * query safety and snippets, on a real store in a temporary directory. */
#include "core/err.h"
#include "helpers.h"
#include "kb/search.h"

#include <stdio.h>
#include <string.h>

static struct fixture fx;

static void setup(void)
{
    fixture_open(&fx);
    cr_assert_eq(store_on_connect(fx.store, kb_search_connect), 0);
    cr_assert_eq(kb_search_init(fx.db), 0);
    cr_assert_eq(kb_search_init(fx.db), 0, "init is idempotent");
    kb_search_set_rank(KB_RANK_FINAL);
}

static void teardown(void)
{
    fixture_close(&fx);
}

TestSuite(search, .init = setup, .fini = teardown);

static void put(int64_t id, const char *locale, const char *title, const char *body,
                const char *tags)
{
    struct kb_doc d = {id, locale, title, body, tags};
    cr_assert_eq(kb_search_put(fx.db, &d), 0, "put %lld", (long long)id);
}

/* Runs q and returns the number of hits; ids get up to 10 of them. */
static int run(const char *q, const char *locale, enum kb_search_mode mode, int64_t ids[10])
{
    struct kb_hit *h = NULL;
    int n = -1;
    struct fd_error err = {0};
    int rc = kb_search_run(fx.db, q, locale, 10, mode, &h, &n, &err);
    cr_assert_eq(rc, 0, "query '%s': rc %d %s", q, rc, err.message);
    for (int i = 0; i < n && i < 10; i++)
        ids[i] = h[i].id;
    for (int i = 1; i < n; i++)
        cr_assert_geq(h[i - 1].score, h[i].score, "best first");
    kb_hits_free(h, n);
    return n;
}

static int finds(const char *q, const char *locale, enum kb_search_mode mode, int64_t id)
{
    int64_t ids[10];
    int n = run(q, locale, mode, ids);
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static void corpus(void)
{
    put(1, "en", "Withdrawal delays", "Why a **withdrawal** can stay pending and what to do.",
        "withdrawal pending");
    put(2, "en", "Identity verification levels",
        "Complete the verification of your identity to raise your limits.", "kyc");
    put(3, "fr", "Le café des traders", "Un café pour parler de bitcoin.", "");
    put(4, "zh", "提现延迟怎么办", "如果您的提现延迟超过24小时，请联系客服。", "提现");
    put(5, "ja", "出金が遅れている場合", "出金の処理には時間がかかることがあります。", "");
    put(6, "en", "Deposit address", "Where to find the address for a deposit.", "deposit");
    put(7, "en", "Network fees",
        "Fees depend on the network you choose for a deposit or a "
        "withdrawal; a deposit itself is free.",
        "fees");
    put(8, "es", "Retiros pendientes", "Por qué un retiro de bitcoin tarda.", "retiro");
    put(9, "en", "Card payments", "Paying with your card. <script>alert(1)</script> is just text.",
        "card");
}

Test(search, stemming_finds_inflected_forms)
{
    corpus();
    cr_assert(finds("withdrawals", "en", KB_SEARCH_FULL, 1));
    cr_assert(finds("delayed withdrawal", NULL, KB_SEARCH_FULL, 1));
    int64_t ids[10];
    cr_assert_gt(run("withdrawals", "en", KB_SEARCH_FULL, ids), 0);
    cr_assert_eq(ids[0], 1, "the titled article comes first");
    cr_assert(finds("retiro", "es", KB_SEARCH_FULL, 8), "Spanish stemming: retiro ~ retiros");
}

Test(search, diacritics_are_folded)
{
    corpus();
    cr_assert(finds("cafe", NULL, KB_SEARCH_FULL, 3));
    cr_assert(finds("CAFÉ", "fr", KB_SEARCH_FULL, 3));
}

Test(search, cjk_bigrams)
{
    corpus();
    cr_assert(finds("提现", NULL, KB_SEARCH_FULL, 4));
    cr_assert(finds("提现延迟", "zh", KB_SEARCH_FULL, 4));
    cr_assert(finds("出金", NULL, KB_SEARCH_FULL, 5));
    cr_assert(finds("出金 遅れ", "ja", KB_SEARCH_FULL, 5));
    cr_assert(finds("提", NULL, KB_SEARCH_FULL, 4), "a lone character");
    cr_assert_not(finds("提现", "ja", KB_SEARCH_FULL, 4), "locale filter");
}

Test(search, typo_tolerance)
{
    corpus();
    cr_assert(finds("withdrawl", NULL, KB_SEARCH_FULL, 1));
    cr_assert(finds("withdrawl delay", "en", KB_SEARCH_FULL, 1));
    cr_assert(finds("verfication", "en", KB_SEARCH_FULL, 2));
    cr_assert(finds("idnetity", "en", KB_SEARCH_FULL, 2), "transposition");
    int64_t ids[10];
    cr_assert_eq(run("xqzvbnmw", NULL, KB_SEARCH_FULL, ids), 0, "nothing close");
}

Test(search, prefix_mode)
{
    corpus();
    cr_assert(finds("withdr", "en", KB_SEARCH_PREFIX, 1));
    cr_assert(finds("withdrawa", "en", KB_SEARCH_PREFIX, 1), "prefix longer than the stem");
    cr_assert(finds("network fe", NULL, KB_SEARCH_PREFIX, 7));
    cr_assert(finds("提", NULL, KB_SEARCH_PREFIX, 4));
}

Test(search, fts_syntax_in_input_never_fails)
{
    corpus();
    static const char *qs[] = {
        "\"",          "*",           "AND OR NOT",     "(",       "title:x",  "NEAR(a b)",
        "withdrawal*", "-withdrawal", "^withdrawal",    "a\"b\"c", "{title}",  "body : x",
        "\"\"\"\"",    "+",           "NOT withdrawal", ")(",      "\x01\x1f", "'; DROP TABLE x",
    };
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        int64_t ids[10];
        run(qs[i], NULL, KB_SEARCH_FULL, ids);
        run(qs[i], "en", KB_SEARCH_PREFIX, ids);
    }
    cr_assert(finds("NOT withdrawal", NULL, KB_SEARCH_FULL, 1), "NOT is a word, not an operator");
}

Test(search, empty_and_long_queries)
{
    corpus();
    struct kb_hit *h = NULL;
    int n = 0;
    struct fd_error err = {0};
    cr_assert_eq(kb_search_run(fx.db, "", NULL, 10, KB_SEARCH_FULL, &h, &n, &err), FD_EINVAL);
    cr_assert_neq(err.message[0], '\0');
    memset(&err, 0, sizeof(err));
    cr_assert_eq(kb_search_run(fx.db, "  \t\n ", NULL, 10, KB_SEARCH_FULL, &h, &n, &err),
                 FD_EINVAL);
    cr_assert_neq(err.message[0], '\0');
    char big[KB_QUERY_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cr_assert_eq(kb_search_run(fx.db, big, NULL, 10, KB_SEARCH_FULL, &h, &n, &err), FD_ELIMIT);
    char fits[KB_QUERY_MAX + 8];
    memset(fits, 'a', KB_QUERY_MAX);
    memcpy(fits + KB_QUERY_MAX, "   ", 4); /* trailing blanks do not count */
    cr_assert_eq(kb_search_run(fx.db, fits, NULL, 10, KB_SEARCH_FULL, &h, &n, &err), 0);
    kb_hits_free(h, n);
}

Test(search, title_outranks_body)
{
    corpus();
    int64_t ids[10];
    cr_assert_geq(run("deposit", "en", KB_SEARCH_FULL, ids), 2);
    cr_assert_eq(ids[0], 6);
    kb_search_set_rank(KB_RANK_PLAIN_BM25);
    cr_assert_geq(run("deposit", "en", KB_SEARCH_FULL, ids), 2);
    cr_assert_eq(ids[0], 6);
}

Test(search, delete_and_replace)
{
    corpus();
    cr_assert(finds("withdrawal", NULL, KB_SEARCH_FULL, 1));
    cr_assert_eq(kb_search_delete(fx.db, 1), 0);
    cr_assert_not(finds("withdrawal", NULL, KB_SEARCH_FULL, 1));
    cr_assert_eq(kb_search_delete(fx.db, 1), 0, "deleting twice is fine");
    put(2, "en", "Staking rewards", "How rewards are paid.", "");
    cr_assert_not(finds("verification", NULL, KB_SEARCH_FULL, 2), "the old text is gone");
    cr_assert(finds("staking", NULL, KB_SEARCH_FULL, 2));
    /* The vocabulary followed: "verfication" has nothing left to be corrected to. */
    int64_t ids[10];
    cr_assert_eq(run("verfication", NULL, KB_SEARCH_FULL, ids), 0);
}

Test(search, locale_filter)
{
    corpus();
    cr_assert(finds("bitcoin", "es", KB_SEARCH_FULL, 8));
    cr_assert_not(finds("bitcoin", "es", KB_SEARCH_FULL, 3));
    cr_assert(finds("bitcoin", "fr", KB_SEARCH_FULL, 3));
    cr_assert(finds("bitcoin", NULL, KB_SEARCH_FULL, 3));
    cr_assert(finds("bitcoin", NULL, KB_SEARCH_FULL, 8));
    int64_t ids[10];
    cr_assert_eq(run("bitcoin", "de", KB_SEARCH_FULL, ids), 0);
}

/* An index of one locale drops the locale filter (every row has it): a document of
 * another locale put later must bring the filter back. */
Test(search, locale_filter_after_single_locale_index)
{
    put(1, "en", "Bitcoin withdrawals", "Sending bitcoin out.", "");
    put(2, "en", "Bitcoin deposits", "Receiving bitcoin.", "");
    cr_assert(finds("bitcoin", "en", KB_SEARCH_FULL, 1));
    put(3, "fr", "Retrait de bitcoin", "Envoyer du bitcoin.", "");
    cr_assert_not(finds("bitcoin", "en", KB_SEARCH_FULL, 3));
    cr_assert(finds("bitcoin", "en", KB_SEARCH_FULL, 2));
    cr_assert(finds("bitcoin", "fr", KB_SEARCH_FULL, 3));
}

/* The ranking reads column lengths from a cache: a rewritten document is scored with its
 * new lengths (a longer body lowers the weight of a body match). */
static double score_of(const char *q, int64_t id)
{
    struct kb_hit *h = NULL;
    int n = 0;
    struct fd_error err = {0};
    cr_assert_eq(kb_search_run(fx.db, q, "en", 10, KB_SEARCH_FULL, &h, &n, &err), 0);
    double s = -1;
    for (int i = 0; i < n; i++)
        if (h[i].id == id)
            s = h[i].score;
    kb_hits_free(h, n);
    return s;
}

Test(search, scores_follow_rewritten_lengths)
{
    put(1, "en", "Limits", "A refund takes a few days.", "");
    put(2, "en", "Fees", "No refund of fees.", "");
    double before = score_of("refund", 1);
    cr_assert_gt(before, 0);
    char body[4096];
    size_t len = (size_t)snprintf(body, sizeof(body), "A refund takes a few days.");
    for (int i = 0; i < 150 && len < sizeof(body); i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len, " Other words here.");
    put(1, "en", "Limits", body, "");
    double after = score_of("refund", 1);
    cr_assert_gt(after, 0);
    cr_assert_lt(after, before, "longer body: %f < %f", after, before);
}

Test(search, snippet_marks_and_escapes)
{
    corpus();
    struct kb_hit *h = NULL;
    int n = 0;
    struct fd_error err = {0};
    cr_assert_eq(kb_search_run(fx.db, "card text", "en", 5, KB_SEARCH_FULL, &h, &n, &err), 0);
    cr_assert_geq(n, 1);
    cr_assert_eq(h[0].id, 9);
    cr_assert_not_null(strstr(h[0].snippet, "<mark>"), "%s", h[0].snippet);
    cr_assert_not_null(strstr(h[0].snippet, "</mark>"));
    cr_assert_not_null(strstr(h[0].snippet, "&lt;script&gt;"), "%s", h[0].snippet);
    cr_assert_null(strstr(h[0].snippet, "<script>"));
    cr_assert_null(strchr(h[0].snippet, '\x1f'), "no locale marker leaks");
    kb_hits_free(h, n);
    /* Markdown emphasis is not shown raw. */
    cr_assert_eq(kb_search_run(fx.db, "pending", "en", 5, KB_SEARCH_FULL, &h, &n, &err), 0);
    cr_assert_geq(n, 1);
    cr_assert_null(strstr(h[0].snippet, "**"), "%s", h[0].snippet);
    kb_hits_free(h, n);
}

Test(search, synonyms_in_final_ranking)
{
    corpus();
    cr_assert(finds("top up", "en", KB_SEARCH_FULL, 6), "top up -> deposit");
    cr_assert(finds("verify", "en", KB_SEARCH_FULL, 2), "verify ~ verification");
}

Test(search, rebuild_from_articles)
{
    cr_assert_eq(db_exec(fx.db, "CREATE TABLE IF NOT EXISTS kb_articles (id INTEGER PRIMARY KEY,"
                                " locale TEXT, title TEXT, body_md TEXT, tags TEXT, status TEXT)"),
                 0);
    /* With migration 002 the table needs a section; insert one when the columns exist. */
    db_exec(fx.db, "INSERT INTO kb_categories (id, slug, name) VALUES (1, 'c', 'C')");
    db_exec(fx.db, "INSERT INTO kb_sections (id, category_id, slug, name) VALUES (1, 1, 's', 'S')");
    if (db_exec(fx.db, "INSERT INTO kb_articles (id, section_id, kind, locale, slug, title, "
                       "body_md, tags, status, created_at, updated_at) VALUES "
                       "(11, 1, 'article', 'en', 'a', 'Lost card', 'Freeze it.', 'card', "
                       "'published', 0, 0),"
                       "(12, 1, 'article', 'en', 'b', 'Lost phone', 'Reset 2FA.', '', "
                       "'draft', 0, 0)") != 0)
        cr_assert_eq(db_exec(fx.db, "INSERT INTO kb_articles VALUES "
                                    "(11, 'en', 'Lost card', 'Freeze it.', 'card', 'published'),"
                                    "(12, 'en', 'Lost phone', 'Reset 2FA.', '', 'draft')"),
                     0);
    corpus();
    int64_t count = -1;
    cr_assert_eq(kb_search_rebuild(fx.db, &count), 0);
    cr_assert_eq(count, 1);
    cr_assert(finds("lost", NULL, KB_SEARCH_FULL, 11));
    cr_assert_not(finds("lost", NULL, KB_SEARCH_FULL, 12), "drafts are not indexed");
    cr_assert_not(finds("withdrawal", NULL, KB_SEARCH_FULL, 1), "rebuild starts afresh");
}

Test(search, put_inside_a_rolled_back_transaction_leaves_nothing)
{
    corpus();
    cr_assert_eq(db_begin_write(fx.db), 0);
    put(20, "en", "Margin calls", "When margin runs low.", "");
    db_rollback(fx.db);
    cr_assert_not(finds("margin", NULL, KB_SEARCH_FULL, 20));
}

/* Stems are cached per tokenizer (search_tok.c): with more distinct words than fit without
 * collisions, every inflected form must still find the document of its other form, on the
 * first look-up of a word and on later ones. */
Test(search, stem_cache_collisions_keep_stems_right)
{
    enum { N = 600 };
    char w[32], title[64];
    cr_assert_eq(db_begin_write(fx.db), 0);
    for (int i = 0; i < N; i++) {
        snprintf(w, sizeof(w), "zor%c%c%cal", 'a' + i % 26, 'a' + i / 26 % 26, 'b' + i / 676);
        snprintf(title, sizeof(title), "%sed", w);
        put(i + 1, "en", title, "A note.", "");
    }
    cr_assert_eq(db_commit(fx.db), 0);
    for (int round = 0; round < 2; round++) {
        for (int i = round; i < N; i += 7) {
            int64_t ids[10];
            snprintf(w, sizeof(w), "zor%c%c%caling", 'a' + i % 26, 'a' + i / 26 % 26,
                     'b' + i / 676);
            int n = run(w, "en", KB_SEARCH_FULL, ids);
            cr_assert_eq(n, 1, "'%s' finds one document, not %d", w, n);
            cr_assert_eq(ids[0], i + 1, "'%s' finds document %d, not %lld", w, i + 1,
                         (long long)ids[0]);
        }
    }
}
