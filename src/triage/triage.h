#ifndef FD_TRIAGE_TRIAGE_H
#define FD_TRIAGE_TRIAGE_H
/*
 * Learned triage: a text classifier that suggests a department and an intent for a
 * ticket, with a calibrated probability.
 *
 * The model is multinomial logistic regression (softmax) over hashed sparse features of
 * the normalised text: word unigrams, word bigrams and character n-grams taken inside
 * word boundaries ("<word>"), with sublinear term frequency (1 + ln tf) and an L2-normalised
 * feature vector. It is trained by Adagrad SGD with L2 regularisation and a fixed seed, so
 * the same examples and parameters give bit-identical weights. Probabilities are
 * calibrated by one temperature fitted on a held-out tenth of the training set (the
 * final model is then trained on everything and keeps that temperature).
 *
 * Non-goals: no deep model, no external ML library, no online learning.
 *
 * Threads: a trained or loaded model is read-only; any number of threads may call
 * triage_model_classify on it at once. Training is single-threaded.
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct triage_model;

#define TRIAGE_LABEL_MAX 64      /* bytes of a label, NUL excluded */
#define TRIAGE_LABELS_MAX 512    /* classes in one model */
#define TRIAGE_TEXT_MAX 8192     /* bytes of text looked at; the rest is ignored */
#define TRIAGE_CALIBRATE_MIN 300 /* examples needed for the calibration pass */

struct triage_params {
    unsigned dim_bits;      /* 2^dim_bits hash buckets (10..22) */
    int epochs;             /* passes over the data */
    float lr;               /* Adagrad base learning rate */
    float l2;               /* L2 regularisation per update */
    int char_min, char_max; /* char n-gram lengths, 0 = no char n-grams */
    int word_bigrams;       /* 1 = add word bigrams */
    float word_weight;      /* weight of a word unigram relative to a char n-gram */
    float bigram_weight;    /* weight of a word bigram relative to a char n-gram */
    int cross_chars;        /* 1 = char n-grams over the whole text, across words */
    int average;            /* 1 = keep the average of the weights over all steps */
    int calibrate;          /* 1 = fit a temperature on a held-out tenth */
    uint64_t seed;
};

/* The defaults used by `frontdesk triage train` and bench/triage_quality. */
void triage_params_default(struct triage_params *p);

/* One labelled example; both strings are borrowed. */
struct triage_example {
    const char *text;
    const char *label;
};

/*
 * Trains a model on n examples (n >= 1, at least one label). Labels are ordered by first
 * appearance. Returns 0, FD_EINVAL (no examples, a label too long or more than
 * TRIAGE_LABELS_MAX labels, parameters out of range), FD_ENOMEM. *out is the caller's to
 * free with triage_model_free.
 */
int triage_model_train(const struct triage_example *ex, size_t n, const struct triage_params *p,
                       struct triage_model **out);
void triage_model_free(struct triage_model *m);

/* Number of classes and the label of class i (borrowed from m). */
int triage_model_nlabels(const struct triage_model *m);
const char *triage_model_label(const struct triage_model *m, int i);
/* The calibration temperature (1 when not calibrated). */
float triage_model_temperature(const struct triage_model *m);

/* How the model trained on nine tenths did on the held-out tenth of the calibration pass
 * (after calibration): all of them, and those whose top probability reached threshold.
 * n = 0 when no calibration pass ran (or for a loaded model: this is not saved). */
struct triage_heldout {
    size_t n, correct;
    size_t above, above_correct;
};
void triage_model_heldout(const struct triage_model *m, double threshold,
                          struct triage_heldout *out);

/*
 * Probabilities of every class for text (NUL-terminated, at most TRIAGE_TEXT_MAX bytes
 * looked at) into probs[triage_model_nlabels(m)]; they sum to 1. Returns the index of
 * the most probable class.
 */
int triage_model_classify(const struct triage_model *m, const char *text, float *probs);

struct triage_guess {
    int label; /* class index */
    float p;
};
/* The k most probable classes, best first (k is clamped to the number of classes).
 * Returns how many were written. */
int triage_model_top(const struct triage_model *m, const char *text, struct triage_guess *out,
                     int k);

/* Serialises m (little-endian, versioned, with a checksum-free length check) into out. */
int triage_model_save(const struct triage_model *m, struct buf *out);
/* Parses a saved model. Returns 0, FD_EPARSE (not a model, truncated, bad sizes),
 * FD_ENOMEM. */
int triage_model_load(const void *data, size_t len, struct triage_model **out);

/* ---- features (exposed for tests) ------------------------------------------- */

/* Lower-cases ASCII, keeps letters, digits (as '0') and non-ASCII bytes, drops
 * apostrophes and turns everything else into single spaces; trims. Writes at most
 * n - 1 bytes and a NUL. Returns the length written. */
size_t triage_normalize(const char *text, char *out, size_t n);

struct triage_feature {
    uint32_t index;
    float value;
};
/*
 * The sparse feature vector of text under p: sorted by index, duplicates merged, values
 * 1 + ln(tf), L2-normalised. *out is malloc'd (caller frees); *count its length.
 * Returns 0 or FD_ENOMEM.
 */
int triage_features(const char *text, const struct triage_params *p, struct triage_feature **out,
                    size_t *count);

/* ---- CSV (text,label files such as Banking77's train.csv) -------------------- */

/*
 * Reads a CSV file with a header row and at least two columns (RFC 4180 quoting); calls
 * cb(ctx, text, label) for each data row with the first two fields. Returns 0, FD_EIO
 * (cannot open), FD_EPARSE (unterminated quote, a row with fewer than two fields; *line
 * gets its number), FD_ELIMIT (a field over 64 KiB), or the callback's non-zero value.
 */
int triage_csv_read(const char *path, int (*cb)(void *ctx, const char *text, const char *label),
                    void *ctx, long *line);

/* ======================================================================================
 * The triage service (service.c): trained models in the store, the suggestion made when
 * a ticket is created, and an agent applying it.
 *
 * Models are files DATA_DIR/triage/xx/<sha256> named by rows of triage_models; the
 * newest row of each kind ("department", "intent") is in use. A running server checks
 * the newest row id on every classification and loads a newer model when one appears,
 * so `frontdesk triage train` takes effect without a restart.
 *
 * Threads: after triage_service_start, any thread may call in; the loaded models sit
 * behind one mutex (a classification takes tens of microseconds).
 * ==================================================================================== */

struct db;
struct auth_actor;
struct ticket_rec;
struct fd_error;

#define TRIAGE_TOP_INTENTS 3

/* Turns the ticket-creation hook on: models are read from data_dir, and a department
 * suggestion with probability >= auto_confidence (0..1; above 1 = never) is applied
 * automatically. Without a start (unit tests of other modules, one-shot commands) the
 * hook does nothing. */
void triage_service_start(const char *data_dir, double auto_confidence);
/* Frees the loaded models; the hook does nothing afterwards. */
void triage_service_stop(void);

/*
 * The ticket-creation hook, inside the creator's write transaction, after the ticket and
 * its first message were written: classifies subject + body with the current models,
 * stores the suggestion (ticket_triage) with a "triage" event and, when the creator is a
 * customer and the department's probability reaches the threshold, moves the ticket to
 * that department (t is updated). Returns 0 when there is no model or the service is not
 * started; otherwise 0 or the store's error (the caller rolls back).
 */
int triage_ticket_created(struct db *db, const struct auth_actor *a, struct ticket_rec *t,
                          const char *body, int64_t now);

/*
 * An agent applies the stored department suggestion to ticket id, in one transaction
 * with a "department_changed" event (source "triage") and the suggestion marked
 * applied. Returns 0 (out = the ticket after), FD_EFORBIDDEN (not staff), FD_ENOTFOUND
 * (no such ticket visible, or no suggestion), FD_ECONFLICT (closed ticket, no department
 * suggested, or already in that department), FD_EDB.
 */
int triage_ticket_apply(struct db *db, const struct auth_actor *a, int64_t id,
                        struct ticket_rec *out, struct fd_error *err);

/*
 * Trains and stores the models: the department model from every solved or closed
 * ticket (subject + the requester's first message) when there are at least two
 * departments among them, and the intent model from intents_csv (text,label rows) when
 * given. Writes each model file under data_dir/triage and its row plus a
 * "triage_model_trained" event in one transaction. report (may be NULL) receives
 * one line per model, with its held-out accuracy and how many held-out texts reach
 * threshold (triage_auto_confidence) and how many of those are right. Returns 0, FD_EINVAL (nothing
 * to train on; err says why), FD_EIO/FD_EPARSE (the CSV), FD_ENOMEM, FD_EDB.
 */
int triage_train(struct db *db, const char *data_dir, const char *intents_csv, double threshold,
                 void *report, struct fd_error *err);

#endif
