/*
 * The triage classifier: features, Adagrad training of softmax regression, temperature
 * calibration, classification and (de)serialisation. See triage.h.
 */
#include "triage.h"

#include "../core/buf.h"
#include "../core/err.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAGIC "FDTRIAGE"
#define MODEL_VERSION 1u
#define WORDS_MAX 1024 /* words of one text looked at */

struct triage_model {
    struct triage_params p;
    int nlabels;
    char (*labels)[TRIAGE_LABEL_MAX + 1];
    float temperature;
    float *w; /* [dim][nlabels]: the weights of one feature are contiguous */
    float *b; /* [nlabels] */
    /* The calibration pass's held-out examples: top probability and whether that class
     * was right. Only for reports after training; not saved. */
    float *held_p;
    unsigned char *held_ok;
    size_t nheld;
};

void triage_params_default(struct triage_params *p)
{
    memset(p, 0, sizeof(*p));
    /* 2^16 buckets: on Banking77, 2^17 and 2^18 scored within noise of it (docs/triage.md)
     * at twice and four times the memory. */
    p->dim_bits = 16;
    p->epochs = 12;
    p->lr = 0.2f;
    p->l2 = 1e-5f;
    p->char_min = 2;
    p->char_max = 5;
    p->word_bigrams = 1;
    p->word_weight = 2;
    p->bigram_weight = 1;
    p->cross_chars = 0;
    p->average = 0;
    p->calibrate = 1;
    p->seed = 0x5eed7a1a6eULL;
}

static int params_ok(const struct triage_params *p)
{
    return p->dim_bits >= 10 && p->dim_bits <= 22 && p->epochs >= 1 && p->epochs <= 1000 &&
           p->lr > 0 && p->lr < 100 && p->l2 >= 0 && p->l2 < 1 && p->char_min >= 0 &&
           p->char_max >= p->char_min && p->char_max <= 8 &&
           (p->char_min == 0) == (p->char_max == 0);
}

/* ======================================================================================
 * Features
 * ==================================================================================== */

size_t triage_normalize(const char *text, char *out, size_t n)
{
    size_t o = 0;
    int space = 1; /* suppress leading and repeated spaces */
    if (n == 0)
        return 0;
    for (size_t i = 0; text[i] && i < TRIAGE_TEXT_MAX && o + 1 < n; i++) {
        unsigned char c = (unsigned char)text[i];
        char k;
        if (c >= 'A' && c <= 'Z')
            k = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || c >= 0x80)
            k = (char)c;
        else if (c >= '0' && c <= '9')
            k = '0';
        else if (c == '\'')
            continue; /* "hasn't" and "hasnt" are one word */
        else
            k = ' ';
        if (k == ' ') {
            if (space)
                continue;
            space = 1;
        } else {
            space = 0;
        }
        out[o++] = k;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

/* FNV-1a, 64 bit, folded; seed separates the feature kinds. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint32_t bucket(uint64_t h, unsigned bits)
{
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (uint32_t)(h & ((1ULL << bits) - 1));
}

struct fvec {
    struct triage_feature *f;
    size_t n, cap;
};

static int fvec_add(struct fvec *v, uint32_t index, float weight)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct triage_feature *f = realloc(v->f, cap * sizeof(*f));
        if (!f)
            return FD_ENOMEM;
        v->f = f;
        v->cap = cap;
    }
    v->f[v->n].index = index;
    v->f[v->n].value = weight;
    v->n++;
    return 0;
}

static int cmp_feature(const void *a, const void *b)
{
    uint32_t x = ((const struct triage_feature *)a)->index;
    uint32_t y = ((const struct triage_feature *)b)->index;
    return x < y ? -1 : x > y;
}

#define SEED_WORD 0xcbf29ce484222325ULL
#define SEED_BIGRAM 0x84222325cbf29ce4ULL
#define SEED_CHAR 0x9ce484222325cbf2ULL

int triage_features(const char *text, const struct triage_params *p, struct triage_feature **out,
                    size_t *count)
{
    char norm[TRIAGE_TEXT_MAX + 1];
    size_t len = triage_normalize(text, norm, sizeof(norm));
    struct fvec v = {0};
    int rc = 0;
    /* Word boundaries. */
    size_t ws[WORDS_MAX], we[WORDS_MAX];
    size_t nw = 0;
    for (size_t i = 0; i < len && nw < WORDS_MAX;) {
        while (i < len && norm[i] == ' ')
            i++;
        if (i >= len)
            break;
        ws[nw] = i;
        while (i < len && norm[i] != ' ')
            i++;
        we[nw++] = i;
    }
    char pad[TRIAGE_TEXT_MAX + 3];
    for (size_t k = 0; k < nw; k++) {
        size_t wl = we[k] - ws[k];
        if ((rc = fvec_add(&v, bucket(fnv(SEED_WORD, norm + ws[k], wl), p->dim_bits),
                           p->word_weight)))
            goto out;
        if (p->word_bigrams && k + 1 < nw) {
            uint64_t h = fnv(SEED_BIGRAM, norm + ws[k], wl);
            h = fnv(h, " ", 1);
            h = fnv(h, norm + ws[k + 1], we[k + 1] - ws[k + 1]);
            if ((rc = fvec_add(&v, bucket(h, p->dim_bits), p->bigram_weight)))
                goto out;
        }
        if (p->char_max > 0 && !p->cross_chars) {
            /* "<word>"; the whole padded word is the unigram already. */
            pad[0] = '<';
            memcpy(pad + 1, norm + ws[k], wl);
            pad[wl + 1] = '>';
            size_t pl = wl + 2;
            for (int g = p->char_min; g <= p->char_max; g++) {
                size_t gl = (size_t)g;
                if (gl >= pl)
                    break;
                for (size_t s = 0; s + gl <= pl; s++) {
                    /* Skip n-grams that start inside a UTF-8 sequence. */
                    if (((unsigned char)pad[s] & 0xc0) == 0x80)
                        continue;
                    uint64_t h = fnv(SEED_CHAR + gl, pad + s, gl);
                    if ((rc = fvec_add(&v, bucket(h, p->dim_bits), 1)))
                        goto out;
                }
            }
        }
    }
    if (p->char_max > 0 && p->cross_chars && len > 0) {
        /* Char n-grams over " text " as a whole: they also span word boundaries. */
        pad[0] = ' ';
        memcpy(pad + 1, norm, len);
        pad[len + 1] = ' ';
        size_t pl = len + 2;
        for (int g = p->char_min; g <= p->char_max; g++) {
            size_t gl = (size_t)g;
            for (size_t s = 0; s + gl <= pl; s++) {
                if (((unsigned char)pad[s] & 0xc0) == 0x80)
                    continue;
                uint64_t h = fnv(SEED_CHAR + gl, pad + s, gl);
                if ((rc = fvec_add(&v, bucket(h, p->dim_bits), 1)))
                    goto out;
            }
        }
    }
    /* Merge duplicates: value = 1 + ln(tf); then L2-normalise. */
    size_t n = 0;
    if (v.n) {
        qsort(v.f, v.n, sizeof(*v.f), cmp_feature);
        for (size_t i = 0; i < v.n;) {
            size_t j = i;
            while (j < v.n && v.f[j].index == v.f[i].index)
                j++;
            float weight = v.f[i].value; /* of the first; kinds rarely collide */
            v.f[n].index = v.f[i].index;
            v.f[n].value = weight * (1.0f + logf((float)(j - i)));
            n++;
            i = j;
        }
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (double)v.f[i].value * v.f[i].value;
        float inv = (float)(1.0 / sqrt(ss));
        for (size_t i = 0; i < n; i++)
            v.f[i].value *= inv;
    }
    *out = v.f;
    *count = n;
    v.f = NULL;
out:
    free(v.f);
    return rc;
}

/* ======================================================================================
 * Scoring
 * ==================================================================================== */

static void logits(const struct triage_model *m, const struct triage_feature *f, size_t nf,
                   float *z)
{
    int K = m->nlabels;
    memcpy(z, m->b, (size_t)K * sizeof(*z));
    for (size_t j = 0; j < nf; j++) {
        const float *w = m->w + (size_t)f[j].index * (size_t)K;
        float x = f[j].value;
        for (int k = 0; k < K; k++)
            z[k] += x * w[k];
    }
}

/* probs = softmax(z / t); returns the argmax. */
static int softmax(const float *z, int K, float t, float *probs)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (z[k] > z[best])
            best = k;
    double sum = 0;
    for (int k = 0; k < K; k++) {
        probs[k] = expf((z[k] - z[best]) / t);
        sum += probs[k];
    }
    for (int k = 0; k < K; k++)
        probs[k] = (float)(probs[k] / sum);
    return best;
}

int triage_model_classify(const struct triage_model *m, const char *text, float *probs)
{
    struct triage_feature *f = NULL;
    size_t nf = 0;
    if (triage_features(text, &m->p, &f, &nf))
        nf = 0; /* out of memory: score the bias alone rather than fail */
    float z[TRIAGE_LABELS_MAX];
    logits(m, f, nf, z);
    free(f);
    return softmax(z, m->nlabels, m->temperature, probs);
}

int triage_model_top(const struct triage_model *m, const char *text, struct triage_guess *out,
                     int k)
{
    float probs[TRIAGE_LABELS_MAX];
    triage_model_classify(m, text, probs);
    if (k > m->nlabels)
        k = m->nlabels;
    unsigned char used[TRIAGE_LABELS_MAX] = {0};
    for (int i = 0; i < k; i++) {
        int best = -1;
        for (int c = 0; c < m->nlabels; c++)
            if (!used[c] && (best < 0 || probs[c] > probs[best]))
                best = c;
        used[best] = 1;
        out[i].label = best;
        out[i].p = probs[best];
    }
    return k < 0 ? 0 : k;
}

int triage_model_nlabels(const struct triage_model *m)
{
    return m->nlabels;
}

const char *triage_model_label(const struct triage_model *m, int i)
{
    return i >= 0 && i < m->nlabels ? m->labels[i] : NULL;
}

void triage_model_heldout(const struct triage_model *m, double threshold,
                          struct triage_heldout *out)
{
    memset(out, 0, sizeof(*out));
    out->n = m->nheld;
    for (size_t i = 0; i < m->nheld; i++) {
        out->correct += m->held_ok[i];
        if ((double)m->held_p[i] >= threshold) {
            out->above++;
            out->above_correct += m->held_ok[i];
        }
    }
}

float triage_model_temperature(const struct triage_model *m)
{
    return m->temperature;
}

void triage_model_free(struct triage_model *m)
{
    if (!m)
        return;
    free(m->labels);
    free(m->w);
    free(m->b);
    free(m->held_p);
    free(m->held_ok);
    free(m);
}

static struct triage_model *model_alloc(const struct triage_params *p, int nlabels)
{
    struct triage_model *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->p = *p;
    m->nlabels = nlabels;
    m->temperature = 1;
    size_t dim = (size_t)1 << p->dim_bits;
    m->labels = calloc((size_t)nlabels, sizeof(*m->labels));
    m->w = calloc(dim * (size_t)nlabels, sizeof(*m->w));
    m->b = calloc((size_t)nlabels, sizeof(*m->b));
    if (!m->labels || !m->w || !m->b) {
        triage_model_free(m);
        return NULL;
    }
    return m;
}

/* ======================================================================================
 * Training
 * ==================================================================================== */

struct sample {
    struct triage_feature *f;
    size_t nf;
    int y;
};

/* xorshift64*: a small generator whose sequence depends only on the seed. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static void shuffle(size_t *idx, size_t n, uint64_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(rng) % i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* Trains m's weights (zeroed) on samples idx[0..n). Returns 0 or FD_ENOMEM. */
static int fit(struct triage_model *m, const struct sample *s, const size_t *order, size_t n)
{
    int K = m->nlabels, avg = m->p.average;
    size_t dim = (size_t)1 << m->p.dim_bits;
    float *gw = calloc(dim * (size_t)K, sizeof(*gw));
    float *gb = calloc((size_t)K, sizeof(*gb));
    /* Averaging (Polyak) without touching every weight per step: with c the step count,
     * u accumulates c * delta, and the average of w over the steps is w - u / c. */
    float *uw = avg ? calloc(dim * (size_t)K, sizeof(*uw)) : NULL;
    float *ub = avg ? calloc((size_t)K, sizeof(*ub)) : NULL;
    size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
    if (!gw || !gb || !idx || (avg && (!uw || !ub))) {
        free(gw);
        free(gb);
        free(uw);
        free(ub);
        free(idx);
        return FD_ENOMEM;
    }
    memcpy(idx, order, n * sizeof(*idx));
    uint64_t rng = m->p.seed ? m->p.seed : 1;
    float z[TRIAGE_LABELS_MAX], pr[TRIAGE_LABELS_MAX];
    const float eps = 1e-8f, lr = m->p.lr, l2 = m->p.l2;
    float c = 1;
    for (int e = 0; e < m->p.epochs; e++) {
        shuffle(idx, n, &rng);
        for (size_t t = 0; t < n; t++, c += 1) {
            const struct sample *x = &s[idx[t]];
            logits(m, x->f, x->nf, z);
            softmax(z, K, 1, pr);
            pr[x->y] -= 1; /* gradient of the cross-entropy wrt the logits */
            for (int k = 0; k < K; k++) {
                float g = pr[k];
                gb[k] += g * g;
                float d = lr * g / (sqrtf(gb[k]) + eps);
                m->b[k] -= d;
                if (avg)
                    ub[k] -= c * d;
            }
            for (size_t j = 0; j < x->nf; j++) {
                size_t base = (size_t)x->f[j].index * (size_t)K;
                float v = x->f[j].value;
                float *w = m->w + base, *G = gw + base;
                for (int k = 0; k < K; k++) {
                    float g = pr[k] * v + l2 * w[k];
                    G[k] += g * g;
                    float d = lr * g / (sqrtf(G[k]) + eps);
                    w[k] -= d;
                    if (avg)
                        uw[base + (size_t)k] -= c * d;
                }
            }
        }
    }
    if (avg) {
        for (size_t i = 0; i < dim * (size_t)K; i++)
            m->w[i] -= uw[i] / c;
        for (int k = 0; k < K; k++)
            m->b[k] -= ub[k] / c;
    }
    free(gw);
    free(gb);
    free(uw);
    free(ub);
    free(idx);
    return 0;
}

/* The temperature minimising the negative log-likelihood of samples idx[0..n), by a
 * golden-section search over [0.25, 8] in log space. */
static float fit_temperature(const struct triage_model *m, const struct sample *s,
                             const size_t *idx, size_t n)
{
    int K = m->nlabels;
    float *zs = malloc(n * (size_t)K * sizeof(*zs));
    if (!zs || n == 0) {
        free(zs);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        logits(m, s[idx[i]].f, s[idx[i]].nf, zs + i * (size_t)K);
    double lo = log(0.25), hi = log(8.0);
    const double gr = (sqrt(5.0) - 1) / 2;
    double best_t = 1;
    for (int it = 0; it < 40; it++) {
        double a = hi - gr * (hi - lo), b = lo + gr * (hi - lo);
        double nll[2];
        double ts[2] = {exp(a), exp(b)};
        for (int q = 0; q < 2; q++) {
            double sum = 0;
            for (size_t i = 0; i < n; i++) {
                const float *z = zs + i * (size_t)K;
                float mx = -FLT_MAX;
                for (int k = 0; k < K; k++)
                    if (z[k] > mx)
                        mx = z[k];
                double se = 0;
                for (int k = 0; k < K; k++)
                    se += exp((z[k] - mx) / ts[q]);
                sum += log(se) - (z[s[idx[i]].y] - mx) / ts[q];
            }
            nll[q] = sum;
        }
        if (nll[0] < nll[1])
            hi = b;
        else
            lo = a;
        best_t = exp((lo + hi) / 2);
    }
    free(zs);
    return (float)best_t;
}

int triage_model_train(const struct triage_example *ex, size_t n, const struct triage_params *p,
                       struct triage_model **out)
{
    if (n == 0 || !params_ok(p))
        return FD_EINVAL;
    int rc = 0;
    struct triage_model *m = NULL;
    struct sample *s = calloc(n, sizeof(*s));
    size_t *order = malloc(n * sizeof(*order));
    char(*labels)[TRIAGE_LABEL_MAX + 1] = calloc(TRIAGE_LABELS_MAX, sizeof(*labels));
    int nlabels = 0;
    if (!s || !order || !labels) {
        rc = FD_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ex[i].label || !ex[i].label[0] || strlen(ex[i].label) > TRIAGE_LABEL_MAX ||
            !ex[i].text) {
            rc = FD_EINVAL;
            goto out;
        }
        int y = -1;
        for (int k = nlabels - 1; k >= 0 && y < 0; k--)
            if (strcmp(labels[k], ex[i].label) == 0)
                y = k;
        if (y < 0) {
            if (nlabels == TRIAGE_LABELS_MAX) {
                rc = FD_EINVAL;
                goto out;
            }
            memcpy(labels[nlabels], ex[i].label, strlen(ex[i].label) + 1);
            y = nlabels++;
        }
        s[i].y = y;
        if ((rc = triage_features(ex[i].text, p, &s[i].f, &s[i].nf)))
            goto out;
        order[i] = i;
    }
    if (!(m = model_alloc(p, nlabels))) {
        rc = FD_ENOMEM;
        goto out;
    }
    memcpy(m->labels, labels, (size_t)nlabels * sizeof(*labels));
    float temperature = 1;
    /* A temperature fitted on a handful of examples is noise (and overconfident):
     * calibrate only with enough of them (a tenth is held out). */
    if (p->calibrate && n >= TRIAGE_CALIBRATE_MIN && nlabels > 1) {
        /* Every tenth example of each class (in input order) is held out. */
        size_t *train = malloc(n * sizeof(*train)), *held = malloc(n * sizeof(*held));
        int *seen = calloc((size_t)nlabels, sizeof(*seen));
        size_t nt = 0, nh = 0;
        if (!train || !held || !seen) {
            free(train);
            free(held);
            free(seen);
            rc = FD_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            if (seen[s[i].y]++ % 10 == 9)
                held[nh++] = i;
            else
                train[nt++] = i;
        }
        rc = fit(m, s, train, nt);
        if (rc == 0 && nh > 0) {
            temperature = fit_temperature(m, s, held, nh);
            m->held_p = malloc(nh * sizeof(*m->held_p));
            m->held_ok = malloc(nh);
            if (!m->held_p || !m->held_ok)
                rc = FD_ENOMEM;
            float z[TRIAGE_LABELS_MAX], pr[TRIAGE_LABELS_MAX];
            for (size_t i = 0; i < nh && rc == 0; i++) {
                logits(m, s[held[i]].f, s[held[i]].nf, z);
                int g = softmax(z, nlabels, temperature, pr);
                m->held_p[i] = pr[g];
                m->held_ok[i] = g == s[held[i]].y;
            }
            m->nheld = rc ? 0 : nh;
        }
        free(train);
        free(held);
        free(seen);
        if (rc)
            goto out;
        memset(m->w, 0, ((size_t)1 << p->dim_bits) * (size_t)nlabels * sizeof(*m->w));
        memset(m->b, 0, (size_t)nlabels * sizeof(*m->b));
    }
    if ((rc = fit(m, s, order, n)))
        goto out;
    m->temperature = temperature;
    *out = m;
    m = NULL;
out:
    if (s)
        for (size_t i = 0; i < n; i++)
            free(s[i].f);
    free(s);
    free(order);
    free(labels);
    triage_model_free(m);
    return rc;
}

/* ======================================================================================
 * Serialisation: "FDTRIAGE", u32 version, params, u32 nlabels, f32 temperature, labels
 * (u8 length + bytes), f32 bias[K], then only the non-zero rows of the weight matrix as
 * (u32 row, f32[K]) after a u32 row count: hashed features leave many buckets unused.
 * ==================================================================================== */

static int put_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return buf_append(b, x, 4);
}

static int put_f32(struct buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return put_u32(b, v);
}

int triage_model_save(const struct triage_model *m, struct buf *out)
{
    int K = m->nlabels;
    size_t dim = (size_t)1 << m->p.dim_bits;
    int rc = buf_append(out, MODEL_MAGIC, 8);
    rc = rc ? rc : put_u32(out, MODEL_VERSION);
    rc = rc ? rc : put_u32(out, m->p.dim_bits);
    rc = rc ? rc : put_u32(out, (uint32_t)m->p.char_min);
    rc = rc ? rc : put_u32(out, (uint32_t)m->p.char_max);
    rc = rc ? rc : put_u32(out, (uint32_t)m->p.word_bigrams);
    rc = rc ? rc : put_u32(out, (uint32_t)m->p.cross_chars);
    rc = rc ? rc : put_f32(out, m->p.word_weight);
    rc = rc ? rc : put_f32(out, m->p.bigram_weight);
    rc = rc ? rc : put_u32(out, (uint32_t)K);
    rc = rc ? rc : put_f32(out, m->temperature);
    for (int k = 0; k < K && !rc; k++) {
        unsigned char l = (unsigned char)strlen(m->labels[k]);
        rc = buf_append(out, &l, 1);
        rc = rc ? rc : buf_append(out, m->labels[k], l);
    }
    for (int k = 0; k < K && !rc; k++)
        rc = put_f32(out, m->b[k]);
    uint32_t rows = 0;
    for (size_t r = 0; r < dim; r++) {
        const float *w = m->w + r * (size_t)K;
        for (int k = 0; k < K; k++)
            if (w[k] != 0) {
                rows++;
                break;
            }
    }
    rc = rc ? rc : put_u32(out, rows);
    for (size_t r = 0; r < dim && !rc; r++) {
        const float *w = m->w + r * (size_t)K;
        int nz = 0;
        for (int k = 0; k < K; k++)
            nz |= w[k] != 0;
        if (!nz)
            continue;
        rc = put_u32(out, (uint32_t)r);
        for (int k = 0; k < K && !rc; k++)
            rc = put_f32(out, w[k]);
    }
    return rc;
}

struct reader {
    const unsigned char *p;
    size_t left;
};

static int get_u32(struct reader *r, uint32_t *v)
{
    if (r->left < 4)
        return FD_EPARSE;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
         (uint32_t)r->p[3] << 24;
    r->p += 4;
    r->left -= 4;
    return 0;
}

static int get_f32(struct reader *r, float *f)
{
    uint32_t v;
    int rc = get_u32(r, &v);
    if (rc == 0) {
        memcpy(f, &v, 4);
        if (!isfinite(*f))
            return FD_EPARSE;
    }
    return rc;
}

int triage_model_load(const void *data, size_t len, struct triage_model **out)
{
    struct reader r = {data, len};
    struct triage_params p;
    uint32_t version, bits, cmin, cmax, bigrams, cross, K, rows;
    float temperature, word_weight, bigram_weight;
    if (len < 8 || memcmp(data, MODEL_MAGIC, 8) != 0)
        return FD_EPARSE;
    r.p += 8;
    r.left -= 8;
    if (get_u32(&r, &version) || version != MODEL_VERSION || get_u32(&r, &bits) ||
        get_u32(&r, &cmin) || get_u32(&r, &cmax) || get_u32(&r, &bigrams) || get_u32(&r, &cross) ||
        get_f32(&r, &word_weight) || get_f32(&r, &bigram_weight) || get_u32(&r, &K) ||
        get_f32(&r, &temperature))
        return FD_EPARSE;
    triage_params_default(&p);
    p.dim_bits = bits;
    p.char_min = (int)cmin;
    p.char_max = (int)cmax;
    p.word_bigrams = bigrams != 0;
    p.cross_chars = cross != 0;
    p.word_weight = word_weight;
    p.bigram_weight = bigram_weight;
    if (!params_ok(&p) || K < 1 || K > TRIAGE_LABELS_MAX || !(temperature > 0))
        return FD_EPARSE;
    struct triage_model *m = model_alloc(&p, (int)K);
    if (!m)
        return FD_ENOMEM;
    m->temperature = temperature;
    int rc = FD_EPARSE;
    for (uint32_t k = 0; k < K; k++) {
        if (r.left < 1)
            goto out;
        unsigned char l = *r.p++;
        r.left--;
        if (l == 0 || l > TRIAGE_LABEL_MAX || r.left < l)
            goto out;
        memcpy(m->labels[k], r.p, l);
        m->labels[k][l] = '\0';
        r.p += l;
        r.left -= l;
    }
    for (uint32_t k = 0; k < K; k++)
        if (get_f32(&r, &m->b[k]))
            goto out;
    size_t dim = (size_t)1 << bits;
    if (get_u32(&r, &rows) || rows > dim || r.left != (size_t)rows * (4 + 4 * (size_t)K))
        goto out;
    for (uint32_t i = 0; i < rows; i++) {
        uint32_t row;
        if (get_u32(&r, &row) || row >= dim)
            goto out;
        float *w = m->w + (size_t)row * K;
        for (uint32_t k = 0; k < K; k++)
            if (get_f32(&r, &w[k]))
                goto out;
    }
    *out = m;
    m = NULL;
    rc = 0;
out:
    triage_model_free(m);
    return rc;
}
