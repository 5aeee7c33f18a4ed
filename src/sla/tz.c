/* A reader for TZif time-zone files (RFC 8536) and the POSIX TZ rule in their footer.
 * Only what a business calendar needs: the UTC offset in force at an instant. */
#include "sla/sla_int.h"

#include "core/err.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZIF_MAX_FILE (256 * 1024)
#define TZ_DIR_DEFAULT "/usr/share/zoneinfo"

/* One end of a POSIX DST rule: Mm.w.d, Jn or n, and the local time of the change. */
struct tz_rule_end {
    char kind; /* 'M', 'J' or 'n' */
    int m, w, d, n;
    int32_t secs;
};

struct sla_tz {
    int64_t *trans; /* transition instants, ascending */
    uint8_t *idx;   /* type index in force from trans[i] */
    int32_t *utoff; /* per type */
    uint8_t *isdst;
    size_t ntrans, ntypes;
    int has_rule, rule_has_dst;
    int32_t std_off, dst_off; /* east positive */
    struct tz_rule_end start, end;
};

/* ---- calendar arithmetic (Howard Hinnant's civil-date algorithms) ---------------- */

int64_t sla__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sla__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int sla__weekday(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ---- the POSIX TZ string of the footer ------------------------------------------- */

static int parse_name(const char **s)
{
    const char *p = *s;
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return -1;
        *s = p + 1;
        return 0;
    }
    int n = 0;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        p++;
        n++;
    }
    if (n < 3)
        return -1;
    *s = p;
    return 0;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extension). */
static int parse_time(const char **s, int32_t *out)
{
    const char *p = *s;
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    int32_t parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return -1;
        int32_t v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) {
            v = v * 10 + (*p - '0');
            p++;
            digits++;
        }
        parts[i] = v;
        if (*p != ':' || i == 2)
            break;
        p++;
    }
    if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59)
        return -1;
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    *s = p;
    return 0;
}

static int parse_int(const char **s, int lo, int hi, int *out)
{
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return -1;
    int v = 0;
    while (*p >= '0' && *p <= '9' && v <= hi) {
        v = v * 10 + (*p - '0');
        p++;
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    *s = p;
    return 0;
}

static int parse_rule_end(const char **s, struct tz_rule_end *r)
{
    const char *p = *s;
    memset(r, 0, sizeof(*r));
    if (*p == 'M') {
        p++;
        r->kind = 'M';
        if (parse_int(&p, 1, 12, &r->m) || *p++ != '.' || parse_int(&p, 1, 5, &r->w) ||
            *p++ != '.' || parse_int(&p, 0, 6, &r->d))
            return -1;
    } else if (*p == 'J') {
        p++;
        r->kind = 'J';
        if (parse_int(&p, 1, 365, &r->n))
            return -1;
    } else {
        r->kind = 'n';
        if (parse_int(&p, 0, 365, &r->n))
            return -1;
    }
    r->secs = 7200;
    if (*p == '/') {
        p++;
        if (parse_time(&p, &r->secs))
            return -1;
    }
    *s = p;
    return 0;
}

static int parse_posix(struct sla_tz *tz, const char *s)
{
    int32_t off;
    if (parse_name(&s) || parse_time(&s, &off))
        return -1;
    tz->std_off = -off; /* POSIX offsets are west positive */
    tz->has_rule = 1;
    if (*s == '\0')
        return 0;
    if (parse_name(&s))
        return -1;
    tz->dst_off = tz->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (parse_time(&s, &off))
            return -1;
        tz->dst_off = -off;
    }
    if (*s != ',')
        return -1; /* a DST name without rules: no default rules here */
    s++;
    if (parse_rule_end(&s, &tz->start) || *s++ != ',' || parse_rule_end(&s, &tz->end) || *s != '\0')
        return -1;
    tz->rule_has_dst = 1;
    return 0;
}

/* The local day number of a rule's date in year y. */
static int64_t rule_day(const struct tz_rule_end *r, int64_t y)
{
    int64_t jan1 = sla__days_from_civil(y, 1, 1);
    if (r->kind == 'J') {
        int64_t n = r->n; /* 1..365, Feb 29 never counted */
        if (is_leap(y) && n >= 60)
            n++;
        return jan1 + n - 1;
    }
    if (r->kind == 'n')
        return jan1 + r->n;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = sla__days_from_civil(y, (unsigned)r->m, 1);
    int len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
    int64_t day = first + ((r->d - sla__weekday(first) + 7) % 7) + (int64_t)(r->w - 1) * 7;
    while (day >= first + len)
        day -= 7;
    return day;
}

static int32_t rule_offset(const struct sla_tz *tz, int64_t t)
{
    if (!tz->rule_has_dst)
        return tz->std_off;
    int64_t y;
    unsigned m, d;
    sla__civil_from_days(floor_div(t + tz->std_off, 86400), &y, &m, &d);
    /* Start is given in standard local time, end in daylight local time. */
    int64_t start = rule_day(&tz->start, y) * 86400 + tz->start.secs - tz->std_off;
    int64_t end = rule_day(&tz->end, y) * 86400 + tz->end.secs - tz->dst_off;
    int dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
    return dst ? tz->dst_off : tz->std_off;
}

/* ---- TZif ---------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
    int version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_hdr(const unsigned char *p, size_t n, struct tzif_hdr *h)
{
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->version = p[4] == 0 ? 1 : p[4] - '0';
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > 100000 || h->leapcnt > 10000 ||
        h->charcnt > 100000 || (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
        return -1;
    return 0;
}

static size_t block_len(const struct tzif_hdr *h, size_t tsize)
{
    return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
           h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

void sla__tz_free(struct sla_tz *tz)
{
    if (!tz)
        return;
    free(tz->trans);
    free(tz->idx);
    free(tz->utoff);
    free(tz->isdst);
    free(tz);
}

int sla__tz_parse(const unsigned char *p, size_t n, struct sla_tz **out)
{
    struct tzif_hdr h;
    if (read_hdr(p, n, &h))
        return FD_EPARSE;
    size_t tsize = 4;
    const unsigned char *b = p + 44;
    size_t left = n - 44;
    if (h.version >= 2) {
        size_t skip = block_len(&h, 4);
        if (skip > left)
            return FD_EPARSE;
        b += skip;
        left -= skip;
        if (read_hdr(b, left, &h))
            return FD_EPARSE;
        b += 44;
        left -= 44;
        tsize = 8;
    }
    size_t need = block_len(&h, tsize);
    if (need > left)
        return FD_EPARSE;
    struct sla_tz *tz = xcalloc(1, sizeof(*tz));
    tz->ntrans = h.timecnt;
    tz->ntypes = h.typecnt;
    tz->trans = xcalloc(h.timecnt + 1, sizeof(int64_t));
    tz->idx = xcalloc(h.timecnt + 1, 1);
    tz->utoff = xcalloc(h.typecnt, sizeof(int32_t));
    tz->isdst = xcalloc(h.typecnt, 1);
    const unsigned char *q = b;
    for (size_t i = 0; i < h.timecnt; i++, q += tsize) {
        tz->trans[i] = tsize == 8 ? be64(q) : (int64_t)(int32_t)be32(q);
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
            goto bad;
    }
    for (size_t i = 0; i < h.timecnt; i++, q++) {
        if (*q >= h.typecnt)
            goto bad;
        tz->idx[i] = *q;
    }
    for (size_t i = 0; i < h.typecnt; i++, q += 6) {
        int32_t off = (int32_t)be32(q);
        if (off < -25 * 3600 || off > 26 * 3600)
            goto bad;
        tz->utoff[i] = off;
        tz->isdst[i] = q[4];
    }
    if (h.version >= 2) {
        const unsigned char *f = b + need;
        size_t flen = left - need;
        if (flen >= 2 && f[0] == '\n') {
            const unsigned char *nl = memchr(f + 1, '\n', flen - 1);
            if (!nl)
                goto bad;
            size_t slen = (size_t)(nl - (f + 1));
            if (slen > 0) {
                char s[128];
                if (slen >= sizeof(s))
                    goto bad;
                memcpy(s, f + 1, slen);
                s[slen] = '\0';
                if (parse_posix(tz, s))
                    goto bad;
            }
        }
    }
    *out = tz;
    return 0;
bad:
    sla__tz_free(tz);
    return FD_EPARSE;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= 64 || name[0] == '/' || name[0] == '.' || strstr(name, ".."))
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+'))
            return 0;
    }
    return 1;
}

int sla__tz_load(const char *name, struct sla_tz **out)
{
    if (!name || !valid_name(name))
        return FD_EINVAL;
    const char *dir = getenv("FRONTDESK_ZONEINFO");
    char path[512];
    int w = snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : TZ_DIR_DEFAULT, name);
    if (w < 0 || (size_t)w >= sizeof(path))
        return FD_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return FD_EINVAL;
    unsigned char *data = xmalloc(TZIF_MAX_FILE);
    size_t n = fread(data, 1, TZIF_MAX_FILE, f);
    int rc = ferror(f) ? FD_EINVAL : 0;
    fclose(f);
    if (rc == 0)
        rc = n == TZIF_MAX_FILE ? FD_EPARSE : sla__tz_parse(data, n, out);
    free(data);
    return rc;
}

int32_t sla__tz_offset(const struct sla_tz *tz, int64_t t)
{
    if (tz->ntrans == 0 || t < tz->trans[0]) {
        if (tz->ntrans == 0 && tz->has_rule)
            return rule_offset(tz, t);
        return tz->utoff[0];
    }
    if (t >= tz->trans[tz->ntrans - 1] && tz->has_rule)
        return rule_offset(tz, t);
    size_t lo = 0, hi = tz->ntrans; /* last i with trans[i] <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->utoff[tz->idx[lo]];
}
