/*
 * HTTP metrics: a request counter per (route pattern, method, status) and one latency
 * histogram, written in the Prometheus text format on each scrape of /metrics.
 *
 * Label values come from bounded sets (registered patterns plus a few fixed names,
 * methods folded to a known list, statuses 100..599), so the number of series is
 * bounded; past HTTP__MAX_SERIES the rest is counted under route="other". One mutex
 * guards everything: recording is a few comparisons and increments.
 */
#include "http.h"
#include "http_int.h"

#include "core/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MAX_SERIES 1024
#define ROUTE_MAX 128

struct series {
    char route[ROUTE_MAX];
    const char *method; /* static string */
    int status;
    unsigned long long count;
};

static const int64_t bucket_us[] = {1000,   5000,   10000,   25000,   50000,  100000,
                                    250000, 500000, 1000000, 2500000, 5000000};
static const char *const bucket_le[] = {"0.001", "0.005", "0.01", "0.025", "0.05", "0.1",
                                        "0.25",  "0.5",   "1",    "2.5",   "5"};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static int nseries;
static unsigned long long buckets[NBUCKETS + 1]; /* last one: above every bound */
static unsigned long long total;
static int64_t sum_us;

static http_metrics_fn app_fn;

void http_set_metrics_fn(http_metrics_fn fn)
{
    app_fn = fn;
}

static const char *method_label(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (m && strcmp(m, known[i]) == 0)
            return known[i];
    }
    return "other";
}

void http__metrics_record(const char *route, const char *method, int status, int64_t us)
{
    const char *ml = method_label(method);
    if (!route)
        route = "unmatched";
    if (status < 100 || status > 599)
        status = 0;
    if (us < 0)
        us = 0;
    pthread_mutex_lock(&lock);
    struct series *s = NULL;
    for (int i = 0; i < nseries; i++) {
        if (series[i].status == status && series[i].method == ml &&
            strcmp(series[i].route, route) == 0) {
            s = &series[i];
            break;
        }
    }
    if (!s) {
        if (nseries < MAX_SERIES - 1) {
            s = &series[nseries++];
            snprintf(s->route, sizeof(s->route), "%s", route);
            s->method = ml;
            s->status = status;
        } else {
            /* The last slot collects everything past the limit. */
            s = &series[MAX_SERIES - 1];
            if (nseries < MAX_SERIES) {
                nseries = MAX_SERIES;
                snprintf(s->route, sizeof(s->route), "other");
                s->method = "other";
                s->status = 0;
            }
        }
    }
    s->count++;
    size_t b = 0;
    while (b < NBUCKETS && us > bucket_us[b])
        b++;
    buckets[b]++;
    total++;
    sum_us += us;
    pthread_mutex_unlock(&lock);
}

void http__metrics_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(series, 0, sizeof(series));
    nseries = 0;
    memset(buckets, 0, sizeof(buckets));
    total = 0;
    sum_us = 0;
    pthread_mutex_unlock(&lock);
}

/* Writes a label value with '\\', '"' and newlines escaped as Prometheus requires. */
static void put_label(struct buf *b, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\')
            buf_puts(b, "\\\\");
        else if (*p == '"')
            buf_puts(b, "\\\"");
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, p, 1);
    }
}

void http__metrics_write(struct buf *b, void *app)
{
    /* Copy under the lock, format outside it: a scrape never blocks requests for long. */
    static struct series snap[MAX_SERIES];
    static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
    unsigned long long bk[NBUCKETS + 1];
    unsigned long long n;
    int64_t sum;

    pthread_mutex_lock(&snap_lock);
    pthread_mutex_lock(&lock);
    int ns = nseries;
    memcpy(snap, series, sizeof(series[0]) * (size_t)ns);
    memcpy(bk, buckets, sizeof(bk));
    n = total;
    sum = sum_us;
    pthread_mutex_unlock(&lock);

    buf_puts(b, "# HELP frontdesk_http_requests_total HTTP requests by route pattern, method "
                "and status.\n"
                "# TYPE frontdesk_http_requests_total counter\n");
    for (int i = 0; i < ns; i++) {
        buf_puts(b, "frontdesk_http_requests_total{route=\"");
        put_label(b, snap[i].route);
        buf_printf(b, "\",method=\"%s\",status=\"%d\"} %llu\n", snap[i].method, snap[i].status,
                   snap[i].count);
    }
    pthread_mutex_unlock(&snap_lock);

    buf_puts(b, "# HELP frontdesk_http_request_duration_seconds Time from the request headers "
                "to the end of the response.\n"
                "# TYPE frontdesk_http_request_duration_seconds histogram\n");
    unsigned long long cum = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        cum += bk[i];
        buf_printf(b, "frontdesk_http_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
                   bucket_le[i], cum);
    }
    buf_printf(b, "frontdesk_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", n);
    buf_printf(b, "frontdesk_http_request_duration_seconds_sum %lld.%06lld\n",
               (long long)(sum / 1000000), (long long)(sum % 1000000));
    buf_printf(b, "frontdesk_http_request_duration_seconds_count %llu\n", n);

    if (app_fn)
        app_fn(app, b);
}
