#ifndef FD_SLA_CALENDAR_H
#define FD_SLA_CALENDAR_H
/*
 * Business-hours calendars: pure date arithmetic, no database, no HTTP.
 *
 * A calendar is an IANA time zone (read from the TZif files under /usr/share/zoneinfo by
 * our own RFC 8536 reader, so no setenv("TZ")/localtime and no global state), weekly
 * opening hours (per weekday zero or more [open, close) intervals in local minutes since
 * midnight; close may be 1440 = midnight at the end of the day) and holidays (whole local
 * dates on which the calendar is closed).
 *
 * All instants are Unix milliseconds (UTC). Local times that fall into a DST gap are
 * mapped with the offset in force before the gap; a local time that occurs twice (the
 * repeated hour in autumn) is taken at its first occurrence.
 *
 * Non-goals: partial-day holidays, per-date exceptional hours.
 *
 * Threads: a calendar is immutable once built; any number of threads may read it. The
 * builder functions (sla_calendar_set_zone, _add_hours, _add_holiday) must not run while
 * another thread reads the same calendar.
 */
#include <stdint.h>

struct fd_error;
struct json_t;

/* Weekdays as in struct tm and the chat's department hours: 0 = Sunday ... 6 = Saturday. */
enum { SLA_SUNDAY = 0, SLA_SATURDAY = 6 };
#define SLA_DAY_MIN 1440
/* Limits for input-driven growth. */
#define SLA_MAX_INTERVALS 64
#define SLA_MAX_HOLIDAYS 1000
#define SLA_TZ_NAME_MAX 64
/* Searches forward for an opening give up after this many days (~10 years): a calendar
 * with hours but every one of them on a holiday cannot loop for ever. */
#define SLA_MAX_SCAN_DAYS 3700

struct sla_calendar;

/* A new calendar: UTC, open 24x7, no holidays. Never NULL (aborts on OOM). */
struct sla_calendar *sla_calendar_new(void);
void sla_calendar_free(struct sla_calendar *c);

/* Sets the time zone by IANA name ("Europe/Malta", "UTC"). Reads the TZif file now.
 * Returns 0; FD_EINVAL (bad or unknown name, field "timezone"); FD_EPARSE (corrupt file). */
int sla_calendar_set_zone(struct sla_calendar *c, const char *tzname, struct fd_error *err);
/* The zone's name; borrowed from c. */
const char *sla_calendar_zone(const struct sla_calendar *c);

/* The first call replaces the 24x7 default; later calls add. Overlapping or touching
 * intervals of one weekday are merged. open_min < close_min <= 1440.
 * Returns 0, FD_EINVAL (field "hours"), FD_ELIMIT (more than SLA_MAX_INTERVALS). */
int sla_calendar_add_hours(struct sla_calendar *c, int weekday, int open_min, int close_min,
                           struct fd_error *err);
/* Adds a holiday, "YYYY-MM-DD" (a local date). Duplicates are ignored.
 * Returns 0, FD_EINVAL (field "holidays"), FD_ELIMIT. */
int sla_calendar_add_holiday(struct sla_calendar *c, const char *date, struct fd_error *err);

/*
 * Builds a calendar from its JSON form (the API body and the stored form):
 *   {"timezone": "Europe/Malta",
 *    "hours": [{"day": "mon", "open": "09:00", "close": "18:00"}, ...]  or  "24x7",
 *    "holidays": ["2026-12-25", ...]}
 * A missing "timezone" means UTC, missing "hours" means 24x7, missing "holidays" none.
 * An empty "hours" array is rejected (a calendar that is never open has no deadlines).
 * Returns 0 with *out the caller's; FD_EINVAL with err naming the field.
 */
int sla_calendar_from_json(const struct json_t *j, struct sla_calendar **out, struct fd_error *err);
/* The JSON form above (timezone, hours as an array, holidays); the caller owns it. */
struct json_t *sla_calendar_to_json(const struct sla_calendar *c);

/* 1 when the calendar is open at the instant, else 0. */
int sla_calendar_is_open(const struct sla_calendar *c, int64_t at_ms);
/* Business milliseconds between two instants (0 when to_ms <= from_ms). */
int64_t sla_calendar_elapsed(const struct sla_calendar *c, int64_t from_ms, int64_t to_ms);
/*
 * The instant at which business_ms business milliseconds after start_ms have passed. When
 * the budget runs out exactly at a closing time, that closing time is the answer (not the
 * next opening). business_ms <= 0 gives start_ms.
 * Returns 0, FD_ELIMIT (no opening within SLA_MAX_SCAN_DAYS).
 */
int sla_calendar_add(const struct sla_calendar *c, int64_t start_ms, int64_t business_ms,
                     int64_t *out_ms);
/*
 * The end (last closing time) of the nth business day after start_ms. A business day is a
 * local date that is no holiday and has opening hours. Days are counted from the day after
 * start_ms's local date: received Monday, n = 5 gives the close of next Monday in a
 * Monday-Friday calendar. n = 0 gives the close of start_ms's own date when that is a
 * business day and still open at or after start_ms, else of the next business day.
 * Returns 0, FD_EINVAL (n < 0), FD_ELIMIT.
 */
int sla_calendar_nth_day_end(const struct sla_calendar *c, int64_t start_ms, int n,
                             int64_t *out_ms);

/* The zone's UTC offset in seconds at the instant (east positive). */
int sla_calendar_offset(const struct sla_calendar *c, int64_t at_ms);

#endif
