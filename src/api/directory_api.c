/* /api/v1/departments and /api/v1/agents. */
#include "api_int.h"

static int add_dept(void *ctx, const struct department_rec *d)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s}", "slug", d->slug, "name", d->name));
    return 0;
}

/* Public: visitors choose a department in the chat widget before signing in. */
static void departments(struct http_req *req, struct http_resp *resp)
{
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_department_list(db, add_dept, arr);
    store_release(API_APP(req)->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "departments", arr));
}

static int add_agent(void *ctx, const struct user_rec *u)
{
    if (!u->disabled)
        json_array_append_new(ctx, api_user_json(u));
    return 0;
}

static void agents(struct http_req *req, struct http_resp *resp)
{
    const struct auth_actor *a = api_require(req, resp, 0);
    if (!a || !api_require_staff(a, resp))
        return;
    if (a->via_token && !auth_has_scope(a, SCOPE_USERS_READ)) {
        http_resp_error(resp, 403, "forbidden", "the API token lacks the users:read scope");
        return;
    }
    json_t *arr = json_array();
    struct db *db = store_acquire(API_APP(req)->store);
    int rc = store_user_list(db, 1, add_agent, arr);
    store_release(API_APP(req)->store, db);
    if (rc) {
        json_decref(arr);
        api_fail(resp, rc, NULL);
        return;
    }
    http_resp_json(resp, 200, json_pack("{s:o}", "agents", arr));
}

void api_directory_register(void)
{
    http_route("GET", "/api/v1/departments", departments);
    http_route("GET", "/api/v1/agents", agents);
}
