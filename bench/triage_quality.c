/*
 * bench/triage_quality: how well the triage classifier learns Banking77 intents.
 *
 *   build/bench/triage_quality [--train FILE.csv] [--test FILE.csv] [--holdout PCT]
 *                              [--dim-bits N] [--epochs N] [--lr X] [--l2 X]
 *                              [--char-min N] [--char-max N] [--no-bigrams] [--no-calibrate]
 *
 * Trains on --train (default ../shared/corpora/banking77/train.csv, columns text,category)
 * and evaluates on --test, or, without --test, on a stratified held-out split of the
 * training file that the model never sees (every k-th example of each class, k from
 * --holdout, default 20 %). Prints accuracy, macro-F1, expected calibration error, the
 * training time, the saved model size and the per-text classification time, then a
 * RESULT line for scripts.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "triage/triage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rows {
    struct triage_example *ex;
    size_t n, cap;
};

static int add_row(void *ctx, const char *text, const char *label)
{
    struct rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->ex = realloc(r->ex, r->cap * sizeof(*r->ex));
        if (!r->ex)
            return FD_ENOMEM;
    }
    r->ex[r->n].text = strdup(text);
    r->ex[r->n].label = strdup(label);
    r->n++;
    return 0;
}

static void load(const char *path, struct rows *r)
{
    long line = 0;
    int rc = triage_csv_read(path, add_row, r, &line);
    if (rc) {
        fprintf(stderr, "triage_quality: %s: %s (line %ld)\n", path, fd_strerror(rc), line);
        exit(1);
    }
}

static int num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *train_path = "../shared/corpora/banking77/train.csv", *test_path = NULL;
    double holdout = 20;
    struct triage_params p;
    triage_params_default(&p);
    for (int i = 1; i < argc; i++) {
        double v;
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (strcmp(a, "--train") == 0 && next)
            train_path = argv[++i];
        else if (strcmp(a, "--test") == 0 && next)
            test_path = argv[++i];
        else if (strcmp(a, "--holdout") == 0 && next)
            bad = num(argv[++i], 1, 50, &holdout);
        else if (strcmp(a, "--dim-bits") == 0 && next && !(bad = num(argv[++i], 10, 22, &v)))
            p.dim_bits = (unsigned)v;
        else if (strcmp(a, "--epochs") == 0 && next && !(bad = num(argv[++i], 1, 1000, &v)))
            p.epochs = (int)v;
        else if (strcmp(a, "--lr") == 0 && next && !(bad = num(argv[++i], 1e-6, 99, &v)))
            p.lr = (float)v;
        else if (strcmp(a, "--l2") == 0 && next && !(bad = num(argv[++i], 0, 0.5, &v)))
            p.l2 = (float)v;
        else if (strcmp(a, "--char-min") == 0 && next && !(bad = num(argv[++i], 0, 8, &v)))
            p.char_min = (int)v;
        else if (strcmp(a, "--char-max") == 0 && next && !(bad = num(argv[++i], 0, 8, &v)))
            p.char_max = (int)v;
        else if (strcmp(a, "--word-weight") == 0 && next && !(bad = num(argv[++i], 0.01, 100, &v)))
            p.word_weight = (float)v;
        else if (strcmp(a, "--bigram-weight") == 0 && next &&
                 !(bad = num(argv[++i], 0.01, 100, &v)))
            p.bigram_weight = (float)v;
        else if (strcmp(a, "--average") == 0)
            p.average = 1;
        else if (strcmp(a, "--cross-chars") == 0)
            p.cross_chars = 1;
        else if (strcmp(a, "--no-bigrams") == 0)
            p.word_bigrams = 0;
        else if (strcmp(a, "--no-calibrate") == 0)
            p.calibrate = 0;
        else {
            fprintf(stderr,
                    "usage: triage_quality [--train FILE.csv] [--test FILE.csv] [--holdout PCT]\n"
                    "       [--dim-bits N] [--epochs N] [--lr X] [--l2 X] [--char-min N]\n"
                    "       [--char-max N] [--no-bigrams] [--no-calibrate] [--word-weight X]\n"
                    "       [--bigram-weight X] [--cross-chars] [--average]\n");
            return strcmp(a, "--help") == 0 ? 0 : 2;
        }
        if (bad) {
            fprintf(stderr, "triage_quality: bad value for %s\n", a);
            return 2;
        }
    }

    struct rows all = {0}, train = {0}, test = {0};
    load(train_path, &all);
    if (test_path) {
        train = all;
        load(test_path, &test);
    } else {
        /* Stratified split: within each class, every k-th example (in file order) is held
         * out, so each class keeps its share in both halves. */
        size_t k = (size_t)llround(100.0 / holdout);
        train.ex = malloc(all.n * sizeof(*train.ex));
        test.ex = malloc(all.n * sizeof(*test.ex));
        for (size_t i = 0; i < all.n; i++) {
            size_t seen = 0;
            for (size_t j = 0; j < i; j++)
                seen += strcmp(all.ex[j].label, all.ex[i].label) == 0;
            if (seen % k == k - 1)
                test.ex[test.n++] = all.ex[i];
            else
                train.ex[train.n++] = all.ex[i];
        }
    }
    if (train.n == 0 || test.n == 0) {
        fprintf(stderr, "triage_quality: nothing to train on or to test\n");
        return 1;
    }

    int64_t t0 = fd_mono_us();
    struct triage_model *m = NULL;
    int rc = triage_model_train(train.ex, train.n, &p, &m);
    int64_t t1 = fd_mono_us();
    if (rc) {
        fprintf(stderr, "triage_quality: training failed: %s\n", fd_strerror(rc));
        return 1;
    }
    struct buf saved;
    buf_init(&saved, 0);
    if (triage_model_save(m, &saved)) {
        fprintf(stderr, "triage_quality: save failed\n");
        return 1;
    }
    int64_t t2 = fd_mono_us();
    struct triage_model *loaded = NULL;
    if (triage_model_load(saved.ptr, saved.len, &loaded)) {
        fprintf(stderr, "triage_quality: load failed\n");
        return 1;
    }
    int64_t t3 = fd_mono_us();

    int K = triage_model_nlabels(m);
    long *tp = calloc((size_t)K, sizeof(long)), *fp = calloc((size_t)K, sizeof(long));
    long *fn = calloc((size_t)K, sizeof(long));
    long correct = 0, unknown = 0;
    float *probs = malloc((size_t)K * sizeof(float));
    /* Calibration: 10 confidence bins. */
    double bin_conf[10] = {0}, bin_acc[10] = {0};
    long bin_n[10] = {0};
    int64_t c0 = fd_mono_us();
    for (size_t i = 0; i < test.n; i++) {
        int y = -1;
        for (int c = 0; c < K && y < 0; c++)
            if (strcmp(triage_model_label(m, c), test.ex[i].label) == 0)
                y = c;
        int g = triage_model_classify(loaded, test.ex[i].text, probs);
        int b = (int)(probs[g] * 10);
        b = b > 9 ? 9 : b;
        bin_n[b]++;
        bin_conf[b] += probs[g];
        bin_acc[b] += g == y;
        if (y < 0)
            unknown++;
        if (g == y) {
            correct++;
            tp[g]++;
        } else {
            fp[g]++;
            if (y >= 0)
                fn[y]++;
        }
    }
    int64_t c1 = fd_mono_us();
    double f1sum = 0;
    int classes = 0;
    for (int c = 0; c < K; c++) {
        if (tp[c] + fn[c] == 0)
            continue; /* a class absent from the test set */
        double prec = tp[c] + fp[c] ? (double)tp[c] / (double)(tp[c] + fp[c]) : 0;
        double rec = (double)tp[c] / (double)(tp[c] + fn[c]);
        f1sum += prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
        classes++;
    }
    double ece = 0;
    for (int b = 0; b < 10; b++)
        if (bin_n[b])
            ece += fabs(bin_acc[b] - bin_conf[b]) / (double)test.n;
    double acc = (double)correct / (double)test.n, macro = classes ? f1sum / classes : 0;
    double train_s = (double)(t1 - t0) / 1e6, classify_us = (double)(c1 - c0) / (double)test.n;

    printf("triage quality (learned intents, softmax regression over hashed n-grams)\n");
    printf("  train: %s, %zu examples, %d classes\n", train_path, train.n, K);
    if (test_path)
        printf("  test:  %s, %zu examples\n", test_path, test.n);
    else
        printf("  test:  stratified held-out %.0f%% of the same file, %zu examples, never trained "
               "on\n",
               holdout, test.n);
    printf("  features: 2^%u buckets, word unigrams%s, char n-grams %d-%d; %d epochs, lr %g, "
           "l2 %g, seed fixed\n",
           p.dim_bits, p.word_bigrams ? " + bigrams" : "", p.char_min, p.char_max, p.epochs,
           (double)p.lr, (double)p.l2);
    printf("  accuracy  %.2f %%   (%ld/%zu%s)\n", 100 * acc, correct, test.n,
           unknown ? ", some test labels unseen in training" : "");
    printf("  macro-F1  %.2f %%\n", 100 * macro);
    printf("  calibration: temperature %.3f, expected calibration error %.3f\n",
           (double)triage_model_temperature(m), ece);
    printf("  training  %.2f s (including the calibration pass)\n", train_s);
    printf("  model     %.2f MB saved, %.1f ms to load\n", (double)saved.len / 1e6,
           (double)(t3 - t2) / 1e3);
    printf("  classify  %.1f us per text (features + scoring, one thread)\n", classify_us);
    printf("RESULT triage_accuracy=%.4f macro_f1=%.4f ece=%.4f train_s=%.2f model_bytes=%zu "
           "classify_us=%.1f\n",
           acc, macro, ece, train_s, saved.len, classify_us);
    buf_release(&saved);
    triage_model_free(m);
    triage_model_free(loaded);
    free(tp);
    free(fp);
    free(fn);
    free(probs);
    return 0;
}
