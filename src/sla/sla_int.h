#ifndef FD_SLA_SLA_INT_H
#define FD_SLA_SLA_INT_H
/* Declarations shared between the files of src/sla/ only. */
#include <stddef.h>
#include <stdint.h>

/* A time zone read from a TZif file (RFC 8536): its transitions plus the footer's POSIX
 * TZ rule for instants after the last transition. Immutable after loading. */
struct sla_tz;

/* Loads /usr/share/zoneinfo/<name> (or $FRONTDESK_ZONEINFO/<name> when set, for tests).
 * Returns 0; FD_EINVAL (name not a plausible zone name, or no such file); FD_EPARSE. */
int sla__tz_load(const char *name, struct sla_tz **out);
/* Parses a TZif image. Returns 0 or FD_EPARSE. */
int sla__tz_parse(const unsigned char *p, size_t n, struct sla_tz **out);
void sla__tz_free(struct sla_tz *tz);
/* UTC offset in seconds (east positive) at Unix second t. */
int32_t sla__tz_offset(const struct sla_tz *tz, int64_t t);

/* Proleptic Gregorian day numbers (days since 1970-01-01). */
int64_t sla__days_from_civil(int64_t y, unsigned m, unsigned d);
void sla__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* 0 = Sunday. */
int sla__weekday(int64_t days);

#endif
