/* The safety warning in API answers and the outbound guard for staff text. */
#include "../auth/auth.h"
#include "../safety/scan.h"
#include "api_int.h"

#include <string.h>

json_t *api_safety_warning(const char *a, const char *b)
{
    const char *texts[] = {a, b};
    unsigned kinds = 0;
    for (int i = 0; i < 2; i++) {
        unsigned k = 0;
        if (texts[i] && safety_scan(texts[i], strlen(texts[i]), &k, NULL, NULL) == 0)
            kinds |= k;
    }
    if (!kinds)
        return NULL;
    json_t *list = json_array();
    for (unsigned bit = 1; bit < (1u << SAFETY_NKINDS); bit <<= 1)
        if (kinds & bit)
            json_array_append_new(list, json_string(safety_kind_slug(bit)));
    return json_pack("{s:o, s:s}", "kinds", list, "message", safety_warning_text(kinds));
}

void api_safety_warn(json_t *answer, const char *a, const char *b)
{
    json_t *w = api_safety_warning(a, b);
    if (w)
        json_object_set_new(answer, "safety_warning", w);
}

int api_safety_guard(struct http_resp *resp, const struct auth_actor *actor, const char *text,
                     const char *field)
{
    if (!actor || !auth_is_staff(actor))
        return 0;
    struct fd_error err = {0};
    if (safety_outbound_check(text, field, &err) == 0)
        return 0;
    http_resp_error(resp, 422, "asks_for_secret", "%s", err.message);
    return -1;
}
