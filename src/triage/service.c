/*
 * The triage service: models stored as files named by triage_models rows, the hook run
 * when a ticket is created, an agent applying a suggestion, and training from the store.
 */
#include "triage.h"

#include "../auth/auth.h"
#include "../core/blob.h"
#include "../core/buf.h"
#include "../core/config.h"
#include "../core/err.h"
#include "../core/timeutil.h"
#include "../store/store.h"
#include "../store/store_triage.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KIND_DEPARTMENT, KIND_INTENT, NKINDS };
static const char *const kind_names[NKINDS] = {"department", "intent"};

struct slot {
    struct triage_model *m;
    int64_t id, version;
};

static struct {
    pthread_mutex_t lock;
    int started;
    char dir[FD_PATH_MAX + 16];
    double auto_confidence;
    struct slot slots[NKINDS];
} svc = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void model_dir(const char *data_dir, char *out, size_t n)
{
    snprintf(out, n, "%s/triage", data_dir);
}

void triage_service_start(const char *data_dir, double auto_confidence)
{
    pthread_mutex_lock(&svc.lock);
    model_dir(data_dir, svc.dir, sizeof(svc.dir));
    svc.auto_confidence = auto_confidence;
    svc.started = 1;
    pthread_mutex_unlock(&svc.lock);
}

void triage_service_stop(void)
{
    pthread_mutex_lock(&svc.lock);
    for (int k = 0; k < NKINDS; k++) {
        triage_model_free(svc.slots[k].m);
        memset(&svc.slots[k], 0, sizeof(svc.slots[k]));
    }
    svc.started = 0;
    pthread_mutex_unlock(&svc.lock);
}

/* Brings slot k up to the newest stored model (svc.lock held). A model file that is
 * missing or unreadable keeps the previous model: triage must never block a ticket. */
static int refresh(struct db *db, int k)
{
    struct triage_model_rec r;
    int rc = store_triage_model_latest(db, kind_names[k], &r);
    if (rc == FD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (r.id == svc.slots[k].id)
        return 0;
    char *data = NULL;
    size_t len = 0;
    struct triage_model *m = NULL;
    if (fd_blob_get(svc.dir, r.sha256, &data, &len) == 0 && triage_model_load(data, len, &m) == 0) {
        triage_model_free(svc.slots[k].m);
        svc.slots[k].m = m;
        svc.slots[k].id = r.id;
        svc.slots[k].version = r.version;
    }
    free(data);
    return 0;
}

/* ======================================================================================
 * Ticket creation
 * ==================================================================================== */

static int put_event(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type,
                     json_t *data, int64_t now)
{
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, ticket_id, actor_id, type, text, now);
    free(text);
    return rc;
}

/* Rounds a probability to 4 decimals for JSON. */
static double p4(float p)
{
    return (double)(int64_t)((double)p * 10000 + 0.5) / 10000;
}

int triage_ticket_created(struct db *db, const struct auth_actor *a, struct ticket_rec *t,
                          const char *body, int64_t now)
{
    struct triage_guess dept = {-1, 0}, intents[TRIAGE_TOP_INTENTS];
    char dept_slug[32] = "", intent_labels[TRIAGE_TOP_INTENTS][TRIAGE_LABEL_MAX + 1];
    int nintents = 0, rc = 0;
    int64_t versions[NKINDS] = {0};
    double threshold = 2;
    struct buf text;
    buf_init(&text, 0);
    if (buf_puts(&text, t->subject) || buf_puts(&text, "\n") ||
        buf_append(&text, body, strnlen(body, TRIAGE_TEXT_MAX))) {
        buf_release(&text);
        return FD_ENOMEM;
    }

    pthread_mutex_lock(&svc.lock);
    if (!svc.started)
        goto unlock;
    for (int k = 0; k < NKINDS && !rc; k++)
        rc = refresh(db, k);
    if (rc)
        goto unlock;
    threshold = svc.auto_confidence;
    if (svc.slots[KIND_DEPARTMENT].m) {
        const struct triage_model *m = svc.slots[KIND_DEPARTMENT].m;
        triage_model_top(m, text.ptr, &dept, 1);
        snprintf(dept_slug, sizeof(dept_slug), "%s", triage_model_label(m, dept.label));
        versions[KIND_DEPARTMENT] = svc.slots[KIND_DEPARTMENT].version;
    }
    if (svc.slots[KIND_INTENT].m) {
        const struct triage_model *m = svc.slots[KIND_INTENT].m;
        nintents = triage_model_top(m, text.ptr, intents, TRIAGE_TOP_INTENTS);
        for (int i = 0; i < nintents; i++)
            snprintf(intent_labels[i], sizeof(intent_labels[i]), "%s",
                     triage_model_label(m, intents[i].label));
        versions[KIND_INTENT] = svc.slots[KIND_INTENT].version;
    }
unlock:
    pthread_mutex_unlock(&svc.lock);
    buf_release(&text);
    if (rc || (!dept_slug[0] && nintents == 0))
        return rc;

    /* Auto-apply only what a customer's channel chose: an agent who picked a department
     * when opening a ticket on someone's behalf meant it. */
    struct ticket_triage_rec rec;
    memset(&rec, 0, sizeof(rec));
    rec.ticket_id = t->id;
    rec.created_at = now;
    char before[32];
    snprintf(before, sizeof(before), "%s", t->department);
    if (dept_slug[0]) {
        snprintf(rec.department, sizeof(rec.department), "%s", dept_slug);
        rec.department_p = (int64_t)((double)dept.p * 10000 + 0.5);
        if (!auth_is_staff(a) && (double)dept.p >= threshold) {
            struct department_rec d;
            rc = store_department_by_slug(db, dept_slug, &d);
            if (rc == 0) {
                rec.auto_applied = 1;
                if (d.id != t->department_id) {
                    t->department_id = d.id;
                    snprintf(t->department, sizeof(t->department), "%s", d.slug);
                    t->updated_at = now;
                    if ((rc = store_ticket_update(db, t)))
                        return rc;
                }
            } else if (rc != FD_ENOTFOUND) {
                return rc; /* a department the model knows but the desk no longer has */
            }
            rc = 0;
        }
    }

    json_t *sug = json_object();
    json_t *ints = json_array();
    for (int i = 0; i < nintents; i++)
        json_array_append_new(
            ints, json_pack("{s:s, s:f}", "intent", intent_labels[i], "p", p4(intents[i].p)));
    json_object_set_new(sug, "intents", ints);
    if (dept_slug[0])
        json_object_set_new(sug, "department",
                            json_pack("{s:s, s:f}", "slug", dept_slug, "p", p4(dept.p)));
    json_object_set_new(sug, "threshold", json_real(threshold));
    json_object_set_new(sug, "models",
                        json_pack("{s:I, s:I}", "department", (json_int_t)versions[0], "intent",
                                  (json_int_t)versions[1]));
    rec.suggestion = json_dumps(sug, JSON_COMPACT);
    if (!rec.suggestion) {
        json_decref(sug);
        return FD_ENOMEM;
    }
    rc = store_triage_suggestion_insert(db, &rec);
    free(rec.suggestion);
    if (rc) {
        json_decref(sug);
        return rc;
    }
    /* The event: "triage: department=deposits p=0.93" plus the structured suggestion. */
    char note[160];
    if (dept_slug[0])
        snprintf(note, sizeof(note), "triage: department=%s p=%.2f%s", dept_slug, (double)dept.p,
                 rec.auto_applied ? (strcmp(before, t->department) ? " (applied)" : " (confirmed)")
                                  : " (suggested)");
    else
        snprintf(note, sizeof(note), "triage: intent=%s p=%.2f", intent_labels[0],
                 (double)intents[0].p);
    json_object_set_new(sug, "note", json_string(note));
    json_object_set_new(sug, "applied", json_boolean(rec.auto_applied));
    json_object_set_new(sug, "before", json_string(before));
    json_object_set_new(sug, "after", json_string(t->department));
    return put_event(db, t->id, 0, "triage", sug, now);
}

/* ======================================================================================
 * An agent applies a suggestion
 * ==================================================================================== */

int triage_ticket_apply(struct db *db, const struct auth_actor *a, int64_t id,
                        struct ticket_rec *out, struct fd_error *err)
{
    if (!auth_is_staff(a))
        return fd_fail(err, FD_EFORBIDDEN, NULL, "triage suggestions are for agents");
    struct ticket_rec *t = calloc(1, sizeof(*t));
    struct ticket_triage_rec rec = {0};
    int rc;
    if (!t)
        return FD_ENOMEM;
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = store_ticket_get(db, id, t)))
        goto out;
    if (!auth_can_view_ticket(a, t)) {
        rc = FD_ENOTFOUND;
        goto out;
    }
    rc = store_triage_suggestion_get(db, id, &rec);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_ENOTFOUND, NULL, "this ticket has no triage suggestion");
    if (rc)
        goto out;
    if (!rec.department[0]) {
        rc = fd_fail(err, FD_ECONFLICT, "department", "no department was suggested");
        goto out;
    }
    if (strcmp(t->status, "closed") == 0) {
        rc = fd_fail(err, FD_ECONFLICT, "status", "a closed ticket cannot be changed");
        goto out;
    }
    if (strcmp(t->department, rec.department) == 0) {
        rc =
            fd_fail(err, FD_ECONFLICT, "department", "the ticket is already in %s", rec.department);
        goto out;
    }
    struct department_rec d;
    rc = store_department_by_slug(db, rec.department, &d);
    if (rc == FD_ENOTFOUND)
        rc = fd_fail(err, FD_ECONFLICT, "department", "department \"%s\" no longer exists",
                     rec.department);
    if (rc)
        goto out;
    int64_t now = fd_now_ms();
    json_t *ev = json_pack("{s:s, s:s, s:s, s:f}", "before", t->department, "after", d.slug,
                           "source", "triage", "p", (double)rec.department_p / 10000);
    if ((rc = put_event(db, id, a->user.id, "department_changed", ev, now)))
        goto out;
    t->department_id = d.id;
    snprintf(t->department, sizeof(t->department), "%s", d.slug);
    t->updated_at = now;
    if ((rc = store_ticket_update(db, t)) ||
        (rc = store_triage_suggestion_applied(db, id, a->user.id, now)) || (rc = db_commit(db)))
        goto out;
    rc = store_ticket_get(db, id, out);
out:
    db_rollback(db);
    free(rec.suggestion);
    free(t);
    return rc;
}

/* ======================================================================================
 * Training
 * ==================================================================================== */

struct examples {
    struct triage_example *ex;
    size_t n, cap;
    int err;
};

static int add_example(struct examples *e, const char *text, const char *label)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        struct triage_example *x = realloc(e->ex, cap * sizeof(*x));
        if (!x)
            return FD_ENOMEM;
        e->ex = x;
        e->cap = cap;
    }
    char *t = strdup(text), *l = strdup(label);
    if (!t || !l) {
        free(t);
        free(l);
        return FD_ENOMEM;
    }
    e->ex[e->n].text = t;
    e->ex[e->n].label = l;
    e->n++;
    return 0;
}

static void examples_release(struct examples *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free((char *)e->ex[i].text);
        free((char *)e->ex[i].label);
    }
    free(e->ex);
    memset(e, 0, sizeof(*e));
}

static int ticket_row(void *ctx, const char *subject, const char *body, const char *department)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = buf_puts(&b, subject);
    rc = rc ? rc : buf_puts(&b, "\n");
    rc = rc ? rc : buf_append(&b, body, strnlen(body, TRIAGE_TEXT_MAX));
    rc = rc ? rc : add_example(ctx, b.ptr, department);
    buf_release(&b);
    return rc;
}

static int csv_row(void *ctx, const char *text, const char *label)
{
    if (!label[0] || strlen(label) > TRIAGE_LABEL_MAX)
        return FD_EPARSE;
    return add_example(ctx, text, label);
}

static int distinct_labels(const struct examples *e)
{
    int n = 0;
    for (size_t i = 0; i < e->n; i++) {
        size_t j = 0;
        while (j < i && strcmp(e->ex[j].label, e->ex[i].label) != 0)
            j++;
        n += j == i;
        if (n > 2)
            break; /* only "fewer than two" matters */
    }
    return n;
}

/* Trains one kind, stores its file and row (with an event) in one transaction. */
static int train_store(struct db *db, const char *data_dir, int kind, const struct examples *e,
                       const char *source, double threshold, FILE *report)
{
    struct triage_params p;
    triage_params_default(&p);
    struct triage_model *m = NULL;
    struct buf saved;
    buf_init(&saved, 0);
    int64_t t0 = fd_mono_us();
    int rc = triage_model_train(e->ex, e->n, &p, &m);
    int64_t ms = (fd_mono_us() - t0) / 1000;
    if (rc || (rc = triage_model_save(m, &saved)))
        goto out;
    char dir[FD_PATH_MAX + 16], sha[FD_SHA256_HEX];
    model_dir(data_dir, dir, sizeof(dir));
    fd_sha256_hex(saved.ptr, saved.len, sha);
    if ((rc = fd_blob_put(dir, sha, saved.ptr, saved.len)))
        goto out;
    struct triage_model_rec r;
    memset(&r, 0, sizeof(r));
    snprintf(r.kind, sizeof(r.kind), "%s", kind_names[kind]);
    snprintf(r.sha256, sizeof(r.sha256), "%s", sha);
    r.size = (int64_t)saved.len;
    r.labels = triage_model_nlabels(m);
    r.examples = (int64_t)e->n;
    r.created_at = fd_now_ms();
    struct triage_heldout h;
    triage_model_heldout(m, threshold, &h);
    json_t *info =
        json_pack("{s:s, s:i, s:I, s:f}", "source", source, "dim_bits", (int)p.dim_bits, "train_ms",
                  (json_int_t)ms, "temperature", (double)triage_model_temperature(m));
    if (h.n)
        json_object_set_new(info, "heldout",
                            json_pack("{s:I, s:I, s:f, s:I, s:I}", "n", (json_int_t)h.n, "correct",
                                      (json_int_t)h.correct, "threshold", threshold, "above",
                                      (json_int_t)h.above, "above_correct",
                                      (json_int_t)h.above_correct));
    char *s = json_dumps(info, JSON_COMPACT);
    json_decref(info);
    if (!s) {
        rc = FD_ENOMEM;
        goto out;
    }
    snprintf(r.info, sizeof(r.info), "%s", s);
    free(s);
    if ((rc = db_begin_write(db)))
        goto out;
    if ((rc = store_triage_model_insert(db, &r))) {
        db_rollback(db);
        goto out;
    }
    json_t *ev = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "kind", r.kind, "version",
                           (json_int_t)r.version, "examples", (json_int_t)r.examples, "labels",
                           (json_int_t)r.labels, "sha256", r.sha256, "source", source);
    if ((rc = put_event(db, 0, 0, "triage_model_trained", ev, r.created_at)) ||
        (rc = db_commit(db))) {
        db_rollback(db);
        goto out;
    }
    if (report) {
        fprintf(report,
                "triage: %s model version %lld: %zu examples, %d labels, %.2f MB, trained in "
                "%lld ms (temperature %.3f)\n",
                r.kind, (long long)r.version, e->n, triage_model_nlabels(m),
                (double)saved.len / 1e6, (long long)ms, (double)triage_model_temperature(m));
        if (h.n)
            fprintf(report,
                    "triage:   held-out tenth: %.1f %% right of %zu; at p >= %.2f: %.1f %% of "
                    "them, %.1f %% right\n",
                    100.0 * (double)h.correct / (double)h.n, h.n, threshold,
                    100.0 * (double)h.above / (double)h.n,
                    h.above ? 100.0 * (double)h.above_correct / (double)h.above : 0.0);
        else
            fprintf(report, "triage:   (under %d examples: no held-out check, no calibration)\n",
                    TRIAGE_CALIBRATE_MIN);
    }
out:
    buf_release(&saved);
    triage_model_free(m);
    return rc;
}

int triage_train(struct db *db, const char *data_dir, const char *intents_csv, double threshold,
                 void *report, struct fd_error *err)
{
    FILE *out = report;
    struct examples dept = {0}, intent = {0};
    int rc, trained = 0;
    if ((rc = db_begin_read(db)))
        return rc;
    rc = store_triage_training_tickets(db, ticket_row, &dept);
    db_rollback(db);
    if (rc)
        goto out;
    if (distinct_labels(&dept) >= 2) {
        if ((rc = train_store(db, data_dir, KIND_DEPARTMENT, &dept, "tickets", threshold, out)))
            goto out;
        trained++;
    } else if (out) {
        fprintf(out,
                "triage: department model not trained: %zu solved or closed tickets, in fewer "
                "than two departments\n",
                dept.n);
    }
    if (intents_csv) {
        long line = 0;
        rc = triage_csv_read(intents_csv, csv_row, &intent, &line);
        if (rc) {
            rc = fd_fail(err, rc, "intents", "%s: %s at line %ld", intents_csv, fd_strerror(rc),
                         line);
            goto out;
        }
        if (intent.n == 0) {
            rc = fd_fail(err, FD_EINVAL, "intents", "%s has no rows", intents_csv);
            goto out;
        }
        if ((rc = train_store(db, data_dir, KIND_INTENT, &intent, "csv", threshold, out)))
            goto out;
        trained++;
    }
    if (!trained)
        rc = fd_fail(err, FD_EINVAL, NULL,
                     "nothing to train on: resolve tickets in at least two departments, or "
                     "give --intents FILE.csv");
out:
    examples_release(&dept);
    examples_release(&intent);
    return rc;
}
