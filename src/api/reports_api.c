/*
 * GET /api/v1/reports/<name> (supervisors and admins; ?format=csv for CSV) and the
 * public GET /api/v1/expectations. Each report is registered as a literal path so that
 * other modules can serve /api/v1/reports/<their name> in the same shape
 * (docs/reports.md).
 */
#include "../core/xalloc.h"
#include "../reports/reports.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const report_paths[] = {"/api/v1/reports/volume-channel",
                                           "/api/v1/reports/volume-department",
                                           "/api/v1/reports/first-reply",
                                           "/api/v1/reports/resolution",
                                           "/api/v1/reports/backlog",
                                           "/api/v1/reports/csat",
                                           "/api/v1/reports/deflection",
                                           "/api/v1/reports/sla",
                                           NULL};

static void report(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a)
        return;
    if (!auth_sees_all(a)) {
        http_resp_error(resp, 403, "forbidden", "reports are for supervisors and admins");
        return;
    }
    const char *format = http_req_query(req, "format");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        http_resp_error(resp, 400, "invalid_field", "format must be json or csv");
        return;
    }
    const char *name = strrchr(req->route, '/') + 1;
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    struct report_query q;
    json_t *r = NULL;
    struct db *db = store_acquire(app->store);
    int rc = reports_query_parse(db, http_req_query(req, "from"), http_req_query(req, "to"),
                                 http_req_query(req, "department"), &q, &err);
    if (rc == 0)
        rc = reports_build(db, name, &q, &r);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    if (format && strcmp(format, "csv") == 0) {
        char *csv = NULL;
        size_t len = 0;
        if ((rc = reports_csv(r, &csv, &len))) {
            json_decref(r);
            api_fail(resp, rc, NULL);
            return;
        }
        char disp[160], from[16], to[16];
        snprintf(from, sizeof(from), "%s", json_string_value(json_object_get(r, "from")));
        snprintf(to, sizeof(to), "%s", json_string_value(json_object_get(r, "to")));
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s_%s_%s%s%s.csv\"", name, from, to,
                 q.department[0] ? "_" : "", q.department);
        http_resp_bytes(resp, 200, "text/csv; charset=utf-8; header=present", csv, len);
        http_resp_header(resp, "Content-Disposition", disp);
        http_resp_header(resp, "Cache-Control", "no-store");
        free(csv);
        json_decref(r);
        return;
    }
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_json(resp, 200, r);
}

/* The list of reports this server has, for the reports page. */
static void list(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, SCOPE_TICKETS_READ);
    if (!a)
        return;
    if (!auth_sees_all(a)) {
        http_resp_error(resp, 403, "forbidden", "reports are for supervisors and admins");
        return;
    }
    json_t *names = json_array();
    for (int i = 0; reports_names[i]; i++)
        json_array_append_new(names, json_string(reports_names[i]));
    http_resp_json(resp, 200, json_pack("{s:o}", "reports", names));
}

static void expectations(struct http_req *req, struct http_resp *resp)
{
    struct app *app = API_APP(req);
    struct fd_error err = {0};
    json_t *j = NULL;
    struct db *db = store_acquire(app->store);
    int rc = reports_expect(db, http_req_query(req, "department"), http_req_query(req, "channel"),
                            http_req_query(req, "priority"), &j, &err);
    store_release(app->store, db);
    if (rc) {
        api_fail(resp, rc, &err);
        return;
    }
    /* The figures change at most once a minute; let browsers reuse them that long. */
    http_resp_header(resp, "Cache-Control", "public, max-age=60");
    http_resp_json(resp, 200, j);
}

void api_reports_register(void)
{
    for (int i = 0; report_paths[i]; i++)
        http_route("GET", report_paths[i], report);
    http_route("GET", "/api/v1/reports", list);
    http_route("GET", "/api/v1/expectations", expectations);
}
