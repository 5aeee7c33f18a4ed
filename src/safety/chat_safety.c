/* Live chat's safety hook: redact a message before it is stored, then record the finding
 * and warn the customer in the chat itself. */
#include "scan.h"

#include "../core/err.h"
#include "../store/records.h"
#include "../store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int safety_chat_redact(const char **body, char **owned, unsigned *kinds)
{
    *owned = NULL;
    *kinds = 0;
    if (!*body)
        return 0;
    int rc = safety_scan(*body, strlen(*body), kinds, owned, NULL);
    if (rc == 0 && *owned)
        *body = *owned;
    return rc;
}

json_t *safety_warning_json(unsigned kinds)
{
    json_t *list = json_array();
    for (unsigned bit = 1; bit < (1u << SAFETY_NKINDS); bit <<= 1)
        if (kinds & bit)
            json_array_append_new(list, json_string(safety_kind_slug(bit)));
    return json_pack("{s:o, s:s}", "kinds", list, "message", safety_warning_text(kinds));
}

int safety_chat_record(struct db *db, int64_t chat_id, int64_t author_id, unsigned kinds,
                       int64_t now)
{
    if (!kinds)
        return 0;
    json_t *list = json_array();
    for (unsigned bit = 1; bit < (1u << SAFETY_NKINDS); bit <<= 1)
        if (kinds & bit)
            json_array_append_new(list, json_string(safety_kind_slug(bit)));
    json_t *d = json_pack("{s:I, s:{s:o, s:s}}", "chat_id", (json_int_t)chat_id, "after", "kinds",
                          list, "priority", safety_priority(kinds));
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return FD_ENOMEM;
    int rc = store_event_insert(db, 0, author_id, "secret_removed", text, now);
    free(text);
    if (rc)
        return rc;
    /* The warning, as a system message right after the redacted one. */
    struct chat_msg_rec m;
    memset(&m, 0, sizeof(m));
    if ((rc = store_chat_next_seq(db, chat_id, &m.seq)))
        return rc;
    m.chat_id = chat_id;
    snprintf(m.kind, sizeof(m.kind), "system");
    m.body = safety_warning_text(kinds);
    m.created_at = now;
    return store_chat_msg_insert(db, &m, NULL);
}
