/*
 * Business hours for the reports and expectations: durations are measured with the
 * business calendar of the ticket's department (src/sla/calendar.h) when one is set, else
 * with the default calendar (department 0), else in wall-clock time.
 *
 * The table is small (one entry per department) and guarded by a mutex; the calendars are
 * owned here once set and are immutable, so reading them needs no further locking.
 */
#include "reports.h"

#include "../core/err.h"
#include "../core/xalloc.h"
#include "../sla/calendar.h"
#include "../sla/sla.h"
#include "../store/store.h"

#include <pthread.h>
#include <stdlib.h>

#define CALENDARS_MAX 256

static struct {
    pthread_mutex_t mu;
    int64_t dept[CALENDARS_MAX];
    struct sla_calendar *cal[CALENDARS_MAX];
    int n;
    /* Replaced calendars: a reader may still hold one, so they live until clear. */
    struct sla_calendar **retired;
    size_t nretired;
} hours = {PTHREAD_MUTEX_INITIALIZER, {0}, {NULL}, 0, NULL, 0};

int reports_calendar_set(int64_t department_id, struct sla_calendar *cal)
{
    pthread_mutex_lock(&hours.mu);
    int i;
    for (i = 0; i < hours.n && hours.dept[i] != department_id; i++)
        ;
    if (i == hours.n) {
        if (hours.n == CALENDARS_MAX) {
            pthread_mutex_unlock(&hours.mu);
            sla_calendar_free(cal);
            return FD_ELIMIT;
        }
        hours.dept[hours.n] = department_id;
        hours.cal[hours.n++] = NULL;
    }
    /* A reader may still hold the old calendar; replacing one is rare (an admin change),
     * so the old one is retired and freed only by reports_calendars_clear. */
    if (hours.cal[i]) {
        hours.retired = xrealloc(hours.retired, (hours.nretired + 1) * sizeof(*hours.retired));
        hours.retired[hours.nretired++] = hours.cal[i];
    }
    hours.cal[i] = cal;
    pthread_mutex_unlock(&hours.mu);
    reports_expect_reset();
    return 0;
}

void reports_calendars_clear(void)
{
    pthread_mutex_lock(&hours.mu);
    for (int i = 0; i < hours.n; i++)
        sla_calendar_free(hours.cal[i]);
    hours.n = 0;
    for (size_t i = 0; i < hours.nretired; i++)
        sla_calendar_free(hours.retired[i]);
    free(hours.retired);
    hours.retired = NULL;
    hours.nretired = 0;
    pthread_mutex_unlock(&hours.mu);
    reports_expect_reset();
}

static const struct sla_calendar *find(int64_t department_id)
{
    const struct sla_calendar *c = NULL, *fallback = NULL;
    pthread_mutex_lock(&hours.mu);
    for (int i = 0; i < hours.n; i++) {
        if (hours.dept[i] == department_id)
            c = hours.cal[i];
        else if (hours.dept[i] == 0)
            fallback = hours.cal[i];
    }
    pthread_mutex_unlock(&hours.mu);
    return c ? c : fallback;
}

int reports_business_hours(void)
{
    pthread_mutex_lock(&hours.mu);
    int on = hours.n > 0;
    pthread_mutex_unlock(&hours.mu);
    return on;
}

int64_t reports_elapsed(int64_t department_id, int64_t start, int64_t end)
{
    if (end <= start)
        return 0;
    const struct sla_calendar *c = find(department_id);
    return c ? sla_calendar_elapsed(c, start, end) : end - start;
}

static int load_department(void *ctx, const struct department_rec *d)
{
    struct sla_calendar *c = sla_calendar_load(ctx, 0, d->id);
    return c ? reports_calendar_set(d->id, c) : FD_ENOMEM;
}

int reports_calendars_refresh(struct db *db)
{
    struct sla_calendar *c = sla_calendar_load(db, 0, 0);
    int rc = c ? reports_calendar_set(0, c) : FD_ENOMEM;
    if (rc == 0)
        rc = store_department_list(db, load_department, db);
    return rc;
}
