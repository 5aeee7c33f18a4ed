/* Learned triage: features, training, determinism, save/load, probabilities, CSV, and the
 * service hook on a real store. */
#include "core/buf.h"
#include "core/timeutil.h"
#include "helpers.h"
#include "store/store_triage.h"
#include "tickets/tickets.h"
#include "triage/triage.h"

#include <math.h>

static struct triage_params small_params(void)
{
    struct triage_params p;
    triage_params_default(&p);
    p.dim_bits = 14; /* small and fast under the sanitizers */
    p.epochs = 8;
    return p;
}

/* ---- features --------------------------------------------------------------------- */

Test(triage, normalize)
{
    char out[64];
    cr_assert_eq(triage_normalize("  Hasn't ARRIVED, yet!! 123 ", out, sizeof(out)), 21);
    cr_assert_str_eq(out, "hasnt arrived yet 000");
    cr_assert_eq(triage_normalize("Café--über", out, sizeof(out)), strlen("café über"));
    cr_assert_str_eq(out, "café über");
    cr_assert_eq(triage_normalize("?!", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "");
    /* Truncation keeps the NUL inside the buffer. */
    cr_assert_eq(triage_normalize("abcdef", out, 4), 3);
    cr_assert_str_eq(out, "abc");
}

static double norm2(const struct triage_feature *f, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)f[i].value * f[i].value;
    return s;
}

Test(triage, features_sorted_merged_normalised)
{
    struct triage_params p = small_params();
    struct triage_feature *f = NULL;
    size_t n = 0;
    cr_assert_eq(triage_features("card card card arrived", &p, &f, &n), 0);
    cr_assert_gt(n, 0);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(f[i - 1].index, f[i].index, "sorted and without duplicates");
    for (size_t i = 0; i < n; i++)
        cr_assert_lt(f[i].index, 1u << p.dim_bits);
    cr_assert_float_eq(norm2(f, n), 1.0, 1e-5);
    /* Case, punctuation and repeated spaces do not change the features. */
    struct triage_feature *g = NULL;
    size_t m = 0;
    cr_assert_eq(triage_features("  CARD, card card!!! Arrived. ", &p, &g, &m), 0);
    cr_assert_eq(m, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(f[i].index, g[i].index);
        cr_assert_float_eq(f[i].value, g[i].value, 1e-7);
    }
    free(g);
    free(f);
}

Test(triage, features_count_each_kind)
{
    /* Without char n-grams and bigrams: exactly one feature per distinct word (barring a
     * hash collision, which 2^20 buckets make unlikely for three words). */
    struct triage_params p = small_params();
    p.dim_bits = 20;
    p.char_min = p.char_max = 0;
    p.word_bigrams = 0;
    struct triage_feature *f = NULL;
    size_t n = 0;
    cr_assert_eq(triage_features("one two two three", &p, &f, &n), 0);
    cr_assert_eq(n, 3);
    /* Sublinear tf: "two" twice weighs 1 + ln 2 before normalisation. */
    float hi = 0, lo = 1;
    for (size_t i = 0; i < n; i++) {
        hi = f[i].value > hi ? f[i].value : hi;
        lo = f[i].value < lo ? f[i].value : lo;
    }
    cr_assert_float_eq(hi / lo, 1.0f + logf(2.0f), 1e-5);
    free(f);
    p.word_bigrams = 1;
    cr_assert_eq(triage_features("one two two three", &p, &f, &n), 0);
    cr_assert_eq(n, 6, "3 words + 3 distinct bigrams (one two, two two, two three)");
    free(f);
    /* "<ab>" with 2..3-grams: <a ab b> (3) + <ab ab> (2) = 5, plus the word itself. */
    p.word_bigrams = 0;
    p.char_min = 2;
    p.char_max = 3;
    cr_assert_eq(triage_features("ab", &p, &f, &n), 0);
    cr_assert_eq(n, 6);
    free(f);
    cr_assert_eq(triage_features("", &p, &f, &n), 0);
    cr_assert_eq(n, 0);
    free(f);
}

/* ---- training --------------------------------------------------------------------- */

static const char *const WORDS[3][6] = {
    {"deposit", "withdrawal", "txid", "wallet", "blockchain", "network"},
    {"order", "futures", "leverage", "liquidation", "spot", "margin"},
    {"passport", "selfie", "identity", "document", "verification", "address"},
};
static const char *const LABELS[3] = {"deposits", "trading", "kyc"};

/* 3 classes x 40 examples, each a few words of its class's vocabulary plus filler shared
 * by all classes: separable by words. Texts live in buf (n * 96 bytes). */
static size_t synthetic(struct triage_example *ex, char (*buf)[96], int per_class)
{
    size_t n = 0;
    static const char *const filler[] = {"hello", "please", "help", "my", "urgent", "thanks"};
    for (int i = 0; i < per_class; i++)
        for (int c = 0; c < 3; c++) {
            snprintf(buf[n], 96, "%s %s %s %s %s", filler[i % 6], WORDS[c][i % 6],
                     filler[(i + 2) % 6], WORDS[c][(i * 5 + 1) % 6], filler[(i + 4) % 6]);
            ex[n].text = buf[n];
            ex[n].label = LABELS[c];
            n++;
        }
    return n;
}

Test(triage, separable_data_reaches_100_percent)
{
    struct triage_example ex[120];
    char buf[120][96];
    size_t n = synthetic(ex, buf, 40);
    struct triage_params p = small_params();
    struct triage_model *m = NULL;
    cr_assert_eq(triage_model_train(ex, n, &p, &m), 0);
    cr_assert_eq(triage_model_nlabels(m), 3);
    struct triage_heldout h;
    triage_model_heldout(m, 0, &h);
    cr_assert_eq(h.n, 0, "120 examples: no calibration pass");
    cr_assert_str_eq(triage_model_label(m, 0), "deposits", "labels in order of appearance");
    cr_assert_str_eq(triage_model_label(m, 2), "kyc");
    cr_assert_null(triage_model_label(m, 3));
    float probs[3];
    for (size_t i = 0; i < n; i++) {
        int g = triage_model_classify(m, ex[i].text, probs);
        cr_assert_str_eq(triage_model_label(m, g), ex[i].label, "%s", ex[i].text);
    }
    /* Unseen combinations of the class words are classified too. */
    cr_assert_str_eq(triage_model_label(m, triage_model_classify(m, "margin spot", probs)),
                     "trading");
    cr_assert_str_eq(triage_model_label(m, triage_model_classify(m, "Selfie and PASSPORT?", probs)),
                     "kyc");
    triage_model_free(m);
}

Test(triage, averaged_and_cross_word_variants_also_separate)
{
    struct triage_example ex[120];
    char buf[120][96];
    size_t n = synthetic(ex, buf, 40);
    struct triage_params p = small_params();
    p.average = 1;
    p.cross_chars = 1;
    p.bigram_weight = 0.5f;
    struct triage_model *m = NULL;
    cr_assert_eq(triage_model_train(ex, n, &p, &m), 0);
    float probs[3];
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(triage_model_label(m, triage_model_classify(m, ex[i].text, probs)),
                         ex[i].label, "%s", ex[i].text);
    /* The options travel with the saved model: a loaded copy computes the same features. */
    struct buf s;
    buf_init(&s, 0);
    cr_assert_eq(triage_model_save(m, &s), 0);
    struct triage_model *l = NULL;
    cr_assert_eq(triage_model_load(s.ptr, s.len, &l), 0);
    float pl[3];
    triage_model_classify(m, "wallet txid order", probs);
    triage_model_classify(l, "wallet txid order", pl);
    cr_assert_eq(memcmp(probs, pl, sizeof(pl)), 0);
    buf_release(&s);
    triage_model_free(l);
    triage_model_free(m);
}

Test(triage, probabilities_sum_to_one_and_top_is_sorted)
{
    struct triage_example ex[120];
    char buf[120][96];
    size_t n = synthetic(ex, buf, 40);
    struct triage_params p = small_params();
    struct triage_model *m = NULL;
    cr_assert_eq(triage_model_train(ex, n, &p, &m), 0);
    const char *texts[] = {"txid wallet", "", "zzz qqq", "order passport deposit"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        float probs[3];
        int g = triage_model_classify(m, texts[i], probs);
        double s = 0;
        for (int k = 0; k < 3; k++) {
            cr_assert(probs[k] >= 0 && probs[k] <= 1);
            cr_assert(probs[g] >= probs[k]);
            s += probs[k];
        }
        cr_assert_float_eq(s, 1.0, 1e-5, "%s", texts[i]);
        struct triage_guess top[5];
        cr_assert_eq(triage_model_top(m, texts[i], top, 5), 3, "clamped to the classes");
        cr_assert_eq(top[0].label, g);
        cr_assert(top[0].p >= top[1].p && top[1].p >= top[2].p);
        cr_assert_neq(top[0].label, top[1].label);
        cr_assert_neq(top[1].label, top[2].label);
    }
    /* A clear text is confident; an empty one is not. */
    float probs[3];
    int g = triage_model_classify(m, "withdrawal txid blockchain", probs);
    cr_assert_gt(probs[g], 0.8);
    g = triage_model_classify(m, "", probs);
    cr_assert_lt(probs[g], 0.6);
    triage_model_free(m);
}

static void save(const struct triage_model *m, struct buf *b)
{
    buf_init(b, 0);
    cr_assert_eq(triage_model_save(m, b), 0);
}

Test(triage, same_seed_same_model_other_seed_differs)
{
    struct triage_example ex[120];
    char buf[120][96];
    size_t n = synthetic(ex, buf, 40);
    struct triage_params p = small_params();
    struct triage_model *a = NULL, *b = NULL, *c = NULL;
    cr_assert_eq(triage_model_train(ex, n, &p, &a), 0);
    cr_assert_eq(triage_model_train(ex, n, &p, &b), 0);
    p.seed += 1;
    cr_assert_eq(triage_model_train(ex, n, &p, &c), 0);
    struct buf sa, sb, sc;
    save(a, &sa);
    save(b, &sb);
    save(c, &sc);
    cr_assert_eq(sa.len, sb.len);
    cr_assert_eq(memcmp(sa.ptr, sb.ptr, sa.len), 0, "bit-identical with the same seed");
    cr_assert(sa.len != sc.len || memcmp(sa.ptr, sc.ptr, sa.len) != 0,
              "another seed shuffles differently");
    buf_release(&sa);
    buf_release(&sb);
    buf_release(&sc);
    triage_model_free(a);
    triage_model_free(b);
    triage_model_free(c);
}

Test(triage, save_load_round_trip_identical_predictions)
{
    struct triage_example ex[300];
    char buf[300][96];
    size_t n = synthetic(ex, buf, 100); /* 300 examples: the calibration pass runs */
    struct triage_params p = small_params();
    struct triage_model *m = NULL, *l = NULL;
    cr_assert_eq(triage_model_train(ex, n, &p, &m), 0);
    cr_assert_neq(triage_model_temperature(m), 1.0f, "a temperature was fitted");
    /* The held-out tenth (10 of each class's 100) was classified, all right. */
    struct triage_heldout h;
    triage_model_heldout(m, 0, &h);
    cr_assert_eq(h.n, 30);
    cr_assert_eq(h.correct, 30);
    cr_assert_eq(h.above, 30);
    triage_model_heldout(m, 1.01, &h);
    cr_assert_eq(h.above, 0, "no probability exceeds 1");
    struct buf s;
    save(m, &s);
    cr_assert_eq(triage_model_load(s.ptr, s.len, &l), 0);
    cr_assert_eq(triage_model_nlabels(l), 3);
    cr_assert_eq(triage_model_temperature(l), triage_model_temperature(m));
    triage_model_heldout(l, 0, &h);
    cr_assert_eq(h.n, 0, "held-out figures are not saved");
    for (int k = 0; k < 3; k++)
        cr_assert_str_eq(triage_model_label(l, k), triage_model_label(m, k));
    const char *texts[] = {"txid wallet", "", "order passport deposit", "ünïcode wallet"};
    for (size_t i = 0; i < 4; i++) {
        float pm[3], pl[3];
        cr_assert_eq(triage_model_classify(m, texts[i], pm),
                     triage_model_classify(l, texts[i], pl));
        cr_assert_eq(memcmp(pm, pl, sizeof(pm)), 0, "bit-identical probabilities");
    }
    /* Saving the loaded model gives the same bytes. */
    struct buf s2;
    save(l, &s2);
    cr_assert_eq(s2.len, s.len);
    cr_assert_eq(memcmp(s.ptr, s2.ptr, s.len), 0);
    /* Damaged input is refused, never half-loaded. */
    struct triage_model *bad = NULL;
    cr_assert_eq(triage_model_load(s.ptr, s.len - 1, &bad), FD_EPARSE);
    cr_assert_eq(triage_model_load(s.ptr, 20, &bad), FD_EPARSE);
    cr_assert_eq(triage_model_load("FDTRIAGX", 8, &bad), FD_EPARSE);
    s.ptr[8] = 9; /* version */
    cr_assert_eq(triage_model_load(s.ptr, s.len, &bad), FD_EPARSE);
    cr_assert_null(bad);
    buf_release(&s);
    buf_release(&s2);
    triage_model_free(m);
    triage_model_free(l);
}

Test(triage, train_rejects_bad_input)
{
    struct triage_params p = small_params();
    struct triage_model *m = NULL;
    struct triage_example ex[2] = {{"a", "x"}, {"b", ""}};
    cr_assert_eq(triage_model_train(ex, 0, &p, &m), FD_EINVAL);
    cr_assert_eq(triage_model_train(ex, 2, &p, &m), FD_EINVAL, "empty label");
    p.dim_bits = 30;
    cr_assert_eq(triage_model_train(ex, 1, &p, &m), FD_EINVAL, "dim_bits out of range");
    cr_assert_null(m);
}

/* ---- CSV -------------------------------------------------------------------------- */

struct rows {
    char text[8][128], label[8][64];
    int n;
};

static int row(void *ctx, const char *text, const char *label)
{
    struct rows *r = ctx;
    if (r->n == 8)
        return 99;
    snprintf(r->text[r->n], 128, "%s", text);
    snprintf(r->label[r->n], 64, "%s", label);
    r->n++;
    return 0;
}

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(s, f);
    fclose(f);
}

Test(triage, csv_quotes_commas_crlf)
{
    char path[] = "/tmp/fd-triage-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    write_file(path, "text,category\r\n"
                     "plain,card_arrival\r\n"
                     "\"with, comma\",pending_transfer\n"
                     "\"say \"\"hi\"\"\nnext line\",x,extra\n"
                     "\n"
                     "last,y");
    struct rows r = {0};
    long line = 0;
    cr_assert_eq(triage_csv_read(path, row, &r, &line), 0);
    cr_assert_eq(r.n, 4);
    cr_assert_str_eq(r.text[0], "plain");
    cr_assert_str_eq(r.label[0], "card_arrival");
    cr_assert_str_eq(r.text[1], "with, comma");
    cr_assert_str_eq(r.text[2], "say \"hi\"\nnext line");
    cr_assert_str_eq(r.label[2], "x");
    cr_assert_str_eq(r.label[3], "y");

    write_file(path, "text,category\nok,a\n\"open quote,b\n");
    memset(&r, 0, sizeof(r));
    cr_assert_eq(triage_csv_read(path, row, &r, &line), FD_EPARSE);
    cr_assert_eq(line, 3);
    write_file(path, "text,category\nok,a\nnocomma\n");
    cr_assert_eq(triage_csv_read(path, row, &r, &line), FD_EPARSE);
    cr_assert_eq(line, 3);
    unlink(path);
    cr_assert_eq(triage_csv_read(path, row, &r, &line), FD_EIO);
}

/* ---- service on a store ------------------------------------------------------------ */

Test(triage, service_hook_applies_suggests_and_agent_applies)
{
    struct fixture f;
    fixture_open(&f);
    fd_clock_set(1700000000000);
    struct auth_actor cust = fixture_actor(&f, "c@fd.test", ROLE_CUSTOMER, NULL, 0);
    struct auth_actor sup = fixture_actor(&f, "s@fd.test", ROLE_SUPERVISOR, NULL, 0);
    static const char *const depts[3] = {"deposits", "trading", "kyc"};
    struct fd_error err = {0};
    /* Resolved tickets to learn from. */
    for (int i = 0; i < 12; i++)
        for (int c = 0; c < 3; c++) {
            char subject[64], body[128];
            snprintf(subject, sizeof(subject), "%s issue", WORDS[c][i % 6]);
            snprintf(body, sizeof(body), "my %s and %s", WORDS[c][(i + 1) % 6],
                     WORDS[c][(i + 3) % 6]);
            struct ticket_input in = {.subject = subject, .body = body, .department = depts[c]};
            struct ticket_rec t;
            cr_assert_eq(tickets_create(f.db, &cust, &in, &t, NULL, &err), 0, "%s", err.message);
            struct ticket_patch pt = {.status = "solved"};
            cr_assert_eq(tickets_update(f.db, &sup, t.id, &pt, &t, &err), 0, "%s", err.message);
        }
    /* Without a started service the hook does nothing. */
    struct ticket_input in = {
        .subject = "withdrawal", .body = "txid wallet blockchain", .department = "technical"};
    struct ticket_rec t;
    cr_assert_eq(tickets_create(f.db, &cust, &in, &t, NULL, &err), 0);
    struct ticket_triage_rec r = {0};
    cr_assert_eq(store_triage_suggestion_get(f.db, t.id, &r), FD_ENOTFOUND);

    FILE *report = tmpfile();
    cr_assert_eq(triage_train(f.db, f.dir, NULL, 0.85, report, &err), 0, "%s", err.message);
    fclose(report);
    struct triage_model_rec mr;
    cr_assert_eq(store_triage_model_latest(f.db, "department", &mr), 0);
    cr_assert_eq(mr.version, 1);
    cr_assert_eq(mr.examples, 36);
    cr_assert_eq(mr.labels, 3);
    cr_assert_eq(store_triage_model_latest(f.db, "intent", &mr), FD_ENOTFOUND);

    /* Threshold 0.5: a clear text moves; an agent's own choice stays. */
    triage_service_start(f.dir, 0.5);
    cr_assert_eq(tickets_create(f.db, &cust, &in, &t, NULL, &err), 0);
    cr_assert_str_eq(t.department, "deposits");
    cr_assert_eq(store_triage_suggestion_get(f.db, t.id, &r), 0);
    cr_assert_str_eq(r.department, "deposits");
    cr_assert_eq(r.auto_applied, 1);
    cr_assert_geq(r.department_p, 5000);
    free(r.suggestion);
    r.suggestion = NULL;
    in.requester_email = "c@fd.test";
    cr_assert_eq(tickets_create(f.db, &sup, &in, &t, NULL, &err), 0, "%s", err.message);
    cr_assert_str_eq(t.department, "technical");
    cr_assert_eq(store_triage_suggestion_get(f.db, t.id, &r), 0);
    cr_assert_eq(r.auto_applied, 0);
    free(r.suggestion);
    r.suggestion = NULL;

    /* The agent applies it; a customer may not; twice is a conflict. */
    struct ticket_rec after;
    cr_assert_eq(triage_ticket_apply(f.db, &cust, t.id, &after, &err), FD_EFORBIDDEN);
    cr_assert_eq(triage_ticket_apply(f.db, &sup, t.id, &after, &err), 0, "%s", err.message);
    cr_assert_str_eq(after.department, "deposits");
    cr_assert_eq(triage_ticket_apply(f.db, &sup, t.id, &after, &err), FD_ECONFLICT);
    cr_assert_eq(store_triage_suggestion_get(f.db, t.id, &r), 0);
    cr_assert_eq(r.applied_by, sup.user.id);
    cr_assert_eq(r.applied_at, 1700000000000);
    free(r.suggestion);

    /* A threshold above 1 never applies. */
    triage_service_start(f.dir, 2);
    in.requester_email = NULL;
    cr_assert_eq(tickets_create(f.db, &cust, &in, &t, NULL, &err), 0);
    cr_assert_str_eq(t.department, "technical");
    triage_service_stop();
    fd_clock_set(0);
    fixture_close(&f);
}
