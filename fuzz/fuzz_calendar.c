/*
 * libFuzzer target for the business-calendar inputs we parse ourselves:
 *   - first byte even: the bytes are a TZif file (RFC 8536) -> sla__tz_parse, then
 *     offsets at instants across four centuries (the table and the POSIX footer rule);
 *   - first byte odd: the bytes are a calendar JSON body (as POST /api/v1/sla/calendars
 *     takes) -> sla_calendar_from_json, then add/elapsed/nth-day/is-open, checking that
 *     add and elapsed agree.
 * Build and run: see fuzz/README.md. Every crash it finds becomes a unit test in
 * tests/unit/test_sla.c.
 */
#include "sla/calendar.h"
#include "sla/sla_int.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        struct sla_tz *tz = NULL;
        if (sla__tz_parse(data + 1, size - 1, &tz) == 0) {
            for (int64_t t = -5000000000LL; t < 8000000000LL; t += 123456789)
                (void)sla__tz_offset(tz, t);
            sla__tz_free(tz);
        }
        return 0;
    }
    json_t *j = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    struct sla_calendar *c = NULL;
    if (j && sla_calendar_from_json(j, &c, NULL) == 0) {
        int64_t start = 1790000000000LL, out = 0;
        for (int i = 0; i < 4; i++) {
            int64_t budget = (int64_t)(i * 7 + 1) * 3600000;
            if (sla_calendar_add(c, start, budget, &out) == 0 &&
                sla_calendar_elapsed(c, start, out) != budget)
                abort();
            (void)sla_calendar_nth_day_end(c, start, i, &out);
            (void)sla_calendar_is_open(c, start);
            start += 86400000LL * 3 + 3600000LL * i;
        }
        json_t *back = sla_calendar_to_json(c);
        json_decref(back);
        sla_calendar_free(c);
    }
    json_decref(j);
    return 0;
}
