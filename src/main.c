/*
 * frontdesk: one binary, many commands. Parses the command line, loads the config
 * (defaults < file < FRONTDESK_* environment < flags), and runs the command.
 */
#include "audit/audit.h"
#include "api/api.h"
#include "api/chat_ws.h"
#include "chat/hub.h"
#include "complaints/complaints.h"
#include "reports/reports.h"
#include "sched/sched.h"
#include "sla/sla.h"
#include "social/social.h"
#include "auth/auth.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "demo/demo.h"
#include "http/http.h"
#include "kb/kb.h"
#include "kb/search.h"
#include "mail/mail.h"
#include "routing/routing.h"
#include "mail/auth.h"
#include "safety/clamd.h"

#include <curl/curl.h>
#include "store/store.h"
#include "triage/triage.h"

#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f,
            "frontdesk %s — customer support desk for a cryptocurrency exchange\n\n"
            "Usage: frontdesk <command> [options]\n\n"
            "Commands:\n"
            "  serve     run the HTTP server (API, pages, background work)\n"
            "  migrate   create or upgrade the database schema\n"
            "  demo      load demo departments, agents, customers and tickets\n"
            "  user      add, list, disable, enable users or change a password\n"
            "  kb        import, export or reindex the help center\n"
            "  mailgate  deliver one email from an MTA (stdin) to the running server\n"
            "  token     create an API token (e.g. for the mailgate)\n"
            "  dkim      generate a DKIM key and print its DNS record\n"
            "  triage    train the ticket classifier (departments, intents)\n"
            "  audit     verify the tamper-evident record, or print its head to anchor\n"
            "  config    print every setting with its value and environment variable\n\n"
            "Run 'frontdesk <command> --help' for a command's options.\n"
            "Common options: --config FILE, --data-dir DIR (env FRONTDESK_DATA_DIR).\n",
            VERSION);
}

/* Options every command understands. */
struct common {
    struct fd_config cfg;
    const char *config_file;
};

enum {
    OPT_CONFIG = 1000,
    OPT_DATA_DIR,
    OPT_LISTEN,
    OPT_EMAIL,
    OPT_NAME,
    OPT_ROLE,
    OPT_DEPT,
    OPT_TIER,
    OPT_PW_STDIN,
    OPT_HELP,
    OPT_KB_EDITOR,
    OPT_VIP_LEVEL,
    OPT_LANGUAGE,
    OPT_KB_DIR,
    OPT_URL,
    OPT_ADDRESS,
    OPT_TOKEN_FILE,
    OPT_SCOPES,
    OPT_DOMAIN,
    OPT_SELECTOR,
    OPT_KEY
};

static int load_config(struct common *c, int argc, char **argv)
{
    /* The config file may come from --config anywhere on the line, or FRONTDESK_CONFIG. */
    config_defaults(&c->cfg);
    c->config_file = getenv("FRONTDESK_CONFIG");
    for (int i = 1; i < argc - 1; i++)
        if (strcmp(argv[i], "--config") == 0)
            c->config_file = argv[i + 1];
    char err[300];
    if (c->config_file && config_load_file(&c->cfg, c->config_file, err, sizeof(err))) {
        fprintf(stderr, "frontdesk: %s\n", err);
        return -1;
    }
    if (config_load_env(&c->cfg, err, sizeof(err))) {
        fprintf(stderr, "frontdesk: %s\n", err);
        return -1;
    }
    return 0;
}

static int finish_config(struct common *c)
{
    char err[300];
    if (config_validate(&c->cfg, err, sizeof(err))) {
        fprintf(stderr, "frontdesk: %s\n", err);
        return -1;
    }
    enum log_level lvl;
    if (log_level_parse(c->cfg.log_level, &lvl) == 0)
        log_set_level(lvl);
    return 0;
}

/*
 * Finds a folder of the repository (web, demo/kb): "./REL" from the current directory,
 * else REL beside one of the binary's ancestors (build/frontdesk, build/san/frontdesk),
 * so that tests and service managers may start the binary from anywhere.
 * Returns 0 and fills out, or -1.
 */
static int find_repo_dir(const char *rel, const char *probe_file, char *out, size_t n)
{
    char probe[FD_PATH_MAX + 64];
    snprintf(probe, sizeof(probe), "./%s/%s", rel, probe_file);
    if (access(probe, R_OK) == 0) {
        snprintf(out, n, "./%s", rel);
        return 0;
    }
    char exe[FD_PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return -1;
        *slash = '\0';
        int m = snprintf(probe, sizeof(probe), "%.900s/%s/%s", exe, rel, probe_file);
        if (m > 0 && (size_t)m < sizeof(probe) && access(probe, R_OK) == 0) {
            snprintf(out, n, "%.900s/%s", exe, rel);
            return 0;
        }
    }
    return -1;
}

/* The default web_dir "./web" is looked up like any repository folder; a configured
 * web_dir is used as given. */
static void resolve_web_dir(struct fd_config *cfg)
{
    if (strcmp(cfg->web_dir, "./web") == 0)
        find_repo_dir("web", "support/index.html", cfg->web_dir, sizeof(cfg->web_dir));
}

static int kb_import_run(struct db *db, const char *path);

/* Opens the store and checks (or applies) the schema. */
static int open_store(const struct fd_config *cfg, int conns, int migrate, struct store **out)
{
    struct store *s;
    int rc = store_open(cfg->data_dir, conns, &s);
    if (rc) {
        fprintf(stderr, "frontdesk: cannot open the database in %s: %s\n", cfg->data_dir,
                fd_strerror(rc));
        return -1;
    }
    /* Every connection gets the search tokenizer before anything touches the index. */
    rc = store_on_connect(s, kb_search_connect);
    if (rc) {
        fprintf(stderr, "frontdesk: cannot prepare the search index: %s\n", fd_strerror(rc));
        store_close(s);
        return -1;
    }
    struct db *db = store_acquire(s);
    int version = 0, applied = 0;
    rc = store_schema_version(db, &version);
    if (rc == 0 && version > store_schema_latest()) {
        fprintf(stderr,
                "frontdesk: the database schema is version %d, newer than this binary knows "
                "(%d); upgrade frontdesk\n",
                version, store_schema_latest());
        rc = FD_ECONFLICT;
    } else if (rc == 0 && (migrate || version < store_schema_latest())) {
        rc = store_migrate(db, &applied);
        if (rc)
            fprintf(stderr, "frontdesk: migration failed: %s (%s)\n", fd_strerror(rc),
                    db_errmsg(db));
        else if (applied)
            log_printf(LOG_INFO, "store", "msg=\"schema migrated\" applied=%d version=%d", applied,
                       store_schema_latest());
    }
    if (rc == 0 && version <= store_schema_latest() && (rc = kb_search_init(db)))
        fprintf(stderr, "frontdesk: cannot create the search index: %s (%s)\n", fd_strerror(rc),
                db_errmsg(db));
    store_release(s, db);
    if (rc) {
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

static int parse_common(struct common *c, int ch, const char *arg)
{
    char err[300];
    const char *key = ch == OPT_DATA_DIR ? "data_dir" : ch == OPT_LISTEN ? "listen" : NULL;
    if (!key)
        return 1;
    if (config_set(&c->cfg, key, arg, err, sizeof(err))) {
        fprintf(stderr, "frontdesk: %s\n", err);
        return -1;
    }
    return 0;
}

/* ---- mail settings ------------------------------------------------------------ */

static void mail_config_from(const struct fd_config *cfg, struct mail_config *m)
{
    mail_init();
    memset(m, 0, sizeof(*m));
    m->data_dir = cfg->data_dir;
    m->domain = cfg->mail_domain;
    m->default_department = cfg->mail_default_department;
    m->base_url = cfg->base_url;
    m->attachment_max = (size_t)cfg->attachment_max;
    m->mail_max = (size_t)cfg->mail_max;
    m->ack_per_hour = (int)cfg->mail_ack_per_hour;
    m->phishing_address = cfg->phishing_address;
}

/* Splits imap_urls (comma-separated) into a NULL-terminated list; the caller frees both. */
static void worker_config_from(const struct fd_config *cfg, const struct mail_config *m,
                               struct mail_worker_config *w, char **buf, const char ***urls)
{
    memset(w, 0, sizeof(*w));
    w->mail = *m;
    w->smtp.url = cfg->smtp_url[0] ? cfg->smtp_url : NULL;
    w->smtp.username = cfg->smtp_username[0] ? cfg->smtp_username : NULL;
    w->smtp.password = cfg->smtp_password[0] ? cfg->smtp_password : NULL;
    w->smtp.timeout_s = 30;
    w->poll_ms = cfg->mail_poll_ms;
    w->retry_base_s = cfg->mail_retry_base_s;
    w->max_attempts = (int)cfg->mail_max_attempts;
    w->imap_poll_ms = cfg->imap_poll_ms;
    w->imap_username = cfg->imap_username[0] ? cfg->imap_username : NULL;
    w->imap_password = cfg->imap_password[0] ? cfg->imap_password : NULL;
    *buf = strdup(cfg->imap_urls);
    size_t n = 1;
    for (const char *p = cfg->imap_urls; *p; p++)
        n += *p == ',';
    *urls = calloc(n + 1, sizeof(char *));
    size_t k = 0;
    char *save = NULL;
    for (char *t = strtok_r(*buf, ",", &save); t && k < n; t = strtok_r(NULL, ",", &save))
        if (*t)
            (*urls)[k++] = t;
    w->imap_urls = *urls;
}

static int dkim_setup(const struct fd_config *cfg)
{
    if (!cfg->dkim_domain[0] && !cfg->dkim_selector[0] && !cfg->dkim_key[0])
        return 0;
    struct fd_error err = {0};
    if (!cfg->dkim_domain[0] || !cfg->dkim_selector[0] || !cfg->dkim_key[0] ||
        mail_dkim_configure(cfg->dkim_domain, cfg->dkim_selector, cfg->dkim_key, &err)) {
        fprintf(stderr, "frontdesk: DKIM: %s\n",
                err.message[0] ? err.message
                               : "set dkim_domain, dkim_selector and dkim_key together");
        return -1;
    }
    return 0;
}

/* Virus scanning of files and inbound mail authentication (docs/security-attachments.md,
 * docs/mail.md). */
static int mailsec_setup(const struct fd_config *cfg)
{
    struct fd_error err = {0};
    if (safety_clamd_configure(cfg->clamd_socket, (int)cfg->clamd_fail_open, cfg->clamd_timeout_ms,
                               &err)) {
        fprintf(stderr, "frontdesk: %s: %s\n", err.field, err.message);
        return -1;
    }
    if (mail_auth_configure((int)cfg->mail_auth, cfg->mail_auth_dns_file, &err)) {
        fprintf(stderr, "frontdesk: %s: %s\n", err.field, err.message);
        return -1;
    }
    return 0;
}

/* The API layer knows the hub only through these two pointers (api.h). */
static void publish_chat(void *hub, int64_t chat_id, const char *json)
{
    chat_hub_publish_chat(hub, chat_id, json);
}

static void publish_user(void *hub, int64_t user_id, const char *json)
{
    chat_hub_publish_user(hub, user_id, json);
}

/* ---- serve ----------------------------------------------------------------- */

static void metrics_fn(void *appv, void *bufv)
{
    struct app *app = appv;
    struct buf *b = bufv;
    struct ticket_filter f;
    memset(&f, 0, sizeof(f));
    int64_t counts[FD_NSTATUS];
    struct db *db = store_acquire(app->store);
    int rc = store_ticket_counts(db, &f, counts);
    store_release(app->store, db);
    if (rc)
        return;
    buf_puts(b, "# HELP frontdesk_tickets Tickets by status.\n# TYPE frontdesk_tickets gauge\n");
    for (int i = 0; i < FD_NSTATUS; i++)
        buf_printf(b, "frontdesk_tickets{status=\"%s\"} %lld\n", fd_ticket_statuses[i],
                   (long long)counts[i]);
}

/* SLA settings and job kinds: before any thread can change a ticket. */
static void configure_sla(const struct fd_config *cfg, const struct app *app)
{
    struct sla_settings st = {.autoclose_ms = cfg->autoclose_days * 86400000LL,
                              .reminder_ms = cfg->reminder_days * 86400000LL,
                              .mail = &app->mail};
    sla_configure(&st);
    if (sla_register_jobs())
        log_printf(LOG_ERR, "main", "msg=\"cannot register the SLA jobs\"");
}

/* The scheduler thread (SLA clocks, auto-close, reminders). It starts by running every
 * job that became due while the server was down. */
static struct sched *start_scheduler(const struct fd_config *cfg, struct store *store)
{
    struct sched *sc = NULL;
    if (sched_start(store, cfg->sched_poll_ms, &sc))
        log_printf(LOG_ERR, "main", "msg=\"cannot start the scheduler\"");
    return sc;
}

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, OPT_LISTEN},
                                         {"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            printf("Usage: frontdesk serve [--listen HOST:PORT] [--data-dir DIR] [--config "
                   "FILE]\n\n"
                   "Serves the API, the customer portal (/support), the agent console "
                   "(/agent),\n/healthz and /metrics. Applies pending migrations first. Stops "
                   "cleanly on\nSIGTERM or SIGINT. Settings (config file key, environment "
                   "variable, default):\n");
            config_print_keys(&c.cfg, stdout);
            return 0;
        }
        if (ch == OPT_CONFIG)
            continue;
        if (parse_common(&c, ch, optarg) != 0)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "frontdesk serve: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (finish_config(&c))
        return 2;
    resolve_web_dir(&c.cfg);
    if (fd_clock_is_fake())
        log_printf(LOG_WARN, "main",
                   "msg=\"wall clock driven by FRONTDESK_CLOCK_FILE (tests only)\"");
    /* Block the stop signals before any thread starts (the store,
     * the chat hub, the mail worker and the HTTP pool all inherit this mask), so only sigwait sees
     * them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct store *store;
    if (open_store(&c.cfg, (int)c.cfg.threads + 2, 0, &store))
        return 1;
    if (complaints_init(store, c.cfg.complaint_retention_years, c.cfg.complaint_timezone,
                        c.cfg.complaint_holidays)) {
        store_close(store);
        return 1;
    }
    struct app app = {.cfg = &c.cfg, .store = store};
    app.limits.session_ttl_ms = c.cfg.session_ttl_s * 1000;
    app.limits.login_max_failures = c.cfg.login_max_failures;
    app.limits.login_window_ms = c.cfg.login_window_s * 1000;
    api_security_limits(&c.cfg, &app.limits);
    mail_config_from(&c.cfg, &app.mail);
    configure_sla(&c.cfg, &app);
    {
        /* Reports and expectations measure time in the departments' business hours. */
        struct db *db = store_acquire(store);
        if (reports_calendars_refresh(db))
            log_printf(LOG_WARN, "main", "msg=\"reports measure wall-clock time\"");
        store_release(store, db);
    }
    api_register((size_t)c.cfg.attachment_max, (size_t)c.cfg.mail_max);
    triage_service_start(c.cfg.data_dir, strtod(c.cfg.triage_auto_confidence, NULL));
    http_set_metrics_fn(metrics_fn);
    if (dkim_setup(&c.cfg) || mailsec_setup(&c.cfg)) {
        store_close(store);
        return 1;
    }
    struct chat_hub_config hcfg;
    chat_hub_config_defaults(&hcfg);
    struct chat_hub *hub = NULL;
    if (chat_hub_start(store, &hcfg, &hub) != 0) { /* also raises RLIMIT_NOFILE */
        fprintf(stderr, "frontdesk: cannot start the chat hub\n");
        store_close(store);
        return 1;
    }
    app.hub = hub;
    app.publish_chat = publish_chat;
    app.publish_user = publish_user;
    api_chat_ws_register(hub);

    struct http_server *srv;
    int port = 0;
    int rc = http_server_start(&c.cfg, &app, &srv, &port);
    if (rc) {
        fprintf(stderr, "frontdesk: cannot listen on %s: %s\n", c.cfg.listen, fd_strerror(rc));
        chat_hub_stop(hub);
        chat_hub_free(hub);
        store_close(store);
        return 1;
    }
    struct mail_worker_config wcfg;
    char *imap_buf = NULL;
    const char **imap = NULL;
    worker_config_from(&c.cfg, &app.mail, &wcfg, &imap_buf, &imap);
    struct mail_worker *worker = NULL;
    if (mail_worker_start(store, &wcfg, &worker))
        log_printf(LOG_ERR, "main", "msg=\"cannot start the mail worker\"");
    struct sched *sched = start_scheduler(&c.cfg, store);
    struct social_config scfg;
    struct social_worker *social = NULL;
    social_config_from(&c.cfg, &scfg);
    if (social_worker_start(store, &scfg, &social))
        log_printf(LOG_ERR, "main", "msg=\"cannot start the social worker\"");
    char host[128];
    snprintf(host, sizeof(host), "%s", c.cfg.listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    printf("frontdesk %s listening on http://%s:%d\n", VERSION, host, port);
    printf("  customer portal: http://%s:%d/support\n  agent console:   http://%s:%d/agent\n", host,
           port, host, port);
    fflush(stdout);
    log_printf(LOG_INFO, "main", "msg=\"serving\" listen=%s:%d data_dir=%s", host, port,
               c.cfg.data_dir);
    int sig = 0;
    sigwait(&set, &sig);
    log_printf(LOG_INFO, "main", "msg=\"stopping\" signal=%d", sig);
    /* The hub gives the upgraded sockets back first: libmicrohttpd cannot stop while an
     * upgraded connection is open. */
    chat_hub_stop(hub);
    http_server_stop(srv);
    chat_hub_free(hub);
    mail_worker_stop(worker);
    sched_stop(sched);
    social_worker_stop(social);
    free(imap);
    free(imap_buf);
    store_close(store);
    reports_calendars_clear();
    mail_shutdown();
    log_printf(LOG_INFO, "main", "msg=\"stopped\"");
    return 0;
}

/* ---- migrate / demo -------------------------------------------------------- */

static int simple_cmd(int argc, char **argv, const char *name, const char *help,
                      int (*run)(struct common *c))
{
    static const struct option opts[] = {{"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            printf("Usage: frontdesk %s [--data-dir DIR] [--config FILE]\n\n%s\n", name, help);
            return 0;
        }
        if (ch == OPT_CONFIG)
            continue;
        if (parse_common(&c, ch, optarg) != 0)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "frontdesk %s: unexpected argument \"%s\"\n", name, argv[optind]);
        return 2;
    }
    if (finish_config(&c))
        return 2;
    return run(&c);
}

static int run_migrate(struct common *c)
{
    struct store *s;
    if (open_store(&c->cfg, 1, 1, &s))
        return 1;
    struct db *db = store_acquire(s);
    int v = 0;
    store_schema_version(db, &v);
    store_release(s, db);
    store_close(s);
    printf("schema version %d\n", v);
    return 0;
}

static int run_demo(struct common *c)
{
    struct store *s;
    if (open_store(&c->cfg, 1, 1, &s))
        return 1;
    struct db *db = store_acquire(s);
    int present = 0, rc = demo_present(db, &present);
    if (rc == 0 && present) {
        printf("demo data is already loaded in %s\n", c->cfg.data_dir);
    } else if (rc == 0) {
        rc = demo_load(db, stderr);
        if (rc)
            fprintf(stderr, "frontdesk demo: %s (%s)\n", fd_strerror(rc), db_errmsg(db));
        char kb[FD_PATH_MAX];
        if (rc == 0 && find_repo_dir("demo/kb", "10_structure.jsonl", kb, sizeof(kb)) == 0)
            rc = kb_import_run(db, kb);
        else if (rc == 0)
            fprintf(stderr, "frontdesk demo: demo/kb not found; the help center stays empty\n");
    }
    store_release(s, db);
    store_close(s);
    if (rc)
        return 1;
    demo_print_accounts(stdout);
    return 0;
}

/* ---- user ------------------------------------------------------------------ */

static int read_password(char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin)) {
        fprintf(stderr, "frontdesk user: no password on standard input\n");
        return -1;
    }
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int print_user(void *ctx, const struct user_rec *u)
{
    (void)ctx;
    printf("%-6lld %-36s %-10s %-10s %-4s %s%s\n", (long long)u->id, u->email,
           fd_role_name(u->role), u->department[0] ? u->department : "-",
           u->tier ? (const char *[]){"1", "2", "3"}[u->tier - 1] : "-", u->name,
           u->disabled ? " (disabled)" : "");
    return 0;
}

static int cmd_user(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk user <add|list|disable|enable|passwd|attrs> [options]\n\n"
        "  add      --email E --name N --role customer|agent|supervisor|admin\n"
        "           [--department SLUG] [--tier 1|2|3] [--kb-editor] --password-stdin\n"
        "           (--kb-editor: the agent may edit the help center)\n"
        "  list     lists every user\n"
        "  disable  --email E   (also ends the user's sessions)\n"
        "  enable   --email E\n"
        "  passwd   --email E --password-stdin\n"
        "  attrs    --email E [--vip-level 0-5] [--language TAG|\"\"]  (used by routing rules)\n\n"
        "Common: --data-dir DIR, --config FILE. Passwords are read from standard input\n"
        "(one line) so that they never appear in the process list or shell history.\n"
        "Departments: account, deposits, trading, technical, kyc.\n";
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "disable") &&
        strcmp(sub, "enable") && strcmp(sub, "passwd") && strcmp(sub, "attrs")) {
        fprintf(stderr, "frontdesk user: unknown subcommand \"%s\"\n\n%s", sub, help);
        return 2;
    }
    static const struct option opts[] = {{"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"email", required_argument, 0, OPT_EMAIL},
                                         {"name", required_argument, 0, OPT_NAME},
                                         {"role", required_argument, 0, OPT_ROLE},
                                         {"department", required_argument, 0, OPT_DEPT},
                                         {"tier", required_argument, 0, OPT_TIER},
                                         {"password-stdin", no_argument, 0, OPT_PW_STDIN},
                                         {"kb-editor", no_argument, 0, OPT_KB_EDITOR},
                                         {"vip-level", required_argument, 0, OPT_VIP_LEVEL},
                                         {"language", required_argument, 0, OPT_LANGUAGE},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    const char *email = NULL, *name = NULL, *role = "customer", *dept = NULL;
    int tier = 0, pw_stdin = 0, kb_editor = 0, ch, vip_level = -1;
    const char *language = NULL;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_HELP: fputs(help, stdout); return 0;
        case OPT_CONFIG: break;
        case OPT_EMAIL: email = optarg; break;
        case OPT_NAME: name = optarg; break;
        case OPT_ROLE: role = optarg; break;
        case OPT_DEPT: dept = optarg; break;
        case OPT_TIER:
            if (strlen(optarg) != 1 || optarg[0] < '1' || optarg[0] > '3') {
                fprintf(stderr, "frontdesk user: --tier must be 1, 2 or 3\n");
                return 2;
            }
            tier = optarg[0] - '0';
            break;
        case OPT_PW_STDIN: pw_stdin = 1; break;
        case OPT_KB_EDITOR: kb_editor = 1; break;
        case OPT_VIP_LEVEL:
            if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '5') {
                fprintf(stderr, "frontdesk user: --vip-level must be from 0 to 5\n");
                return 2;
            }
            vip_level = optarg[0] - '0';
            break;
        case OPT_LANGUAGE: language = optarg; break;
        default:
            if (parse_common(&c, ch, optarg) != 0)
                return 2;
        }
    }
    if (finish_config(&c))
        return 2;
    enum fd_role r;
    if (fd_role_parse(role, &r)) {
        fprintf(stderr, "frontdesk user: --role must be customer, agent, supervisor or admin\n");
        return 2;
    }
    int needs_email = strcmp(sub, "list") != 0;
    if (needs_email && !email) {
        fprintf(stderr, "frontdesk user %s: --email is required\n", sub);
        return 2;
    }
    int needs_pw = strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0;
    if (needs_pw && !pw_stdin) {
        fprintf(stderr,
                "frontdesk user %s: give the password on standard input with "
                "--password-stdin\n",
                sub);
        return 2;
    }
    char pw[AUTH_PASSWORD_MAX + 8] = "";
    if (needs_pw && read_password(pw, sizeof(pw)))
        return 2;
    struct store *s;
    if (open_store(&c.cfg, 1, 0, &s))
        return 1;
    struct db *db = store_acquire(s);
    struct fd_error err = {0};
    int rc = 0;
    if (strcmp(sub, "add") == 0) {
        struct user_rec u;
        rc = auth_user_create(db, email, name ? name : email, r, dept, tier, pw, &u, &err);
        if (rc == 0 && kb_editor)
            rc = auth_user_set_kb_editor(db, email, 1, &err);
        if (rc == 0)
            printf("added user %lld %s (%s)\n", (long long)u.id, u.email, fd_role_name(u.role));
    } else if (strcmp(sub, "list") == 0) {
        rc = store_user_list(db, 0, print_user, NULL);
    } else if (strcmp(sub, "attrs") == 0) {
        rc = routing_user_set_attrs(db, NULL, email, vip_level, language, &err);
        if (rc == 0)
            printf("attributes changed for %s\n", email);
    } else if (strcmp(sub, "passwd") == 0) {
        rc = auth_user_set_password(db, email, pw, &err);
        if (rc == 0)
            printf("password changed for %s; their sessions were ended\n", email);
    } else {
        int disable = strcmp(sub, "disable") == 0;
        rc = auth_user_set_disabled(db, email, disable, &err);
        if (rc == 0 && disable) /* their open tickets go to other agents */
            rc = routing_agent_release_email(db, email, NULL);
        if (rc == 0)
            printf("%s %s\n", disable ? "disabled" : "enabled", email);
    }
    sodium_memzero(pw, sizeof(pw));
    store_release(s, db);
    store_close(s);
    if (rc) {
        fprintf(stderr, "frontdesk user %s: %s\n", sub,
                err.message[0] ? err.message : fd_strerror(rc));
        return 1;
    }
    return 0;
}

/* ---- kb -------------------------------------------------------------------- */

static void progress_bar(size_t done, size_t total)
{
    if (!isatty(STDERR_FILENO) || total == 0)
        return;
    int width = 30, fill = (int)((double)done / (double)total * width);
    fprintf(stderr, "\rimporting [%.*s%*s] %zu/%zu lines", fill, "##############################",
            width - fill, "", done, total);
    if (done >= total)
        fputc('\n', stderr);
}

static int kb_import_run(struct db *db, const char *path)
{
    struct fd_error err = {0};
    size_t n = 0;
    int rc = kb_import_path(db, path, progress_bar, &n, &err);
    if (rc) {
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        fprintf(stderr, "frontdesk kb import: %s\nnothing was imported\n",
                err.message[0] ? err.message : fd_strerror(rc));
        return 1;
    }
    printf("imported %zu records from %s\n", n, path);
    return 0;
}

static int cmd_kb(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk kb <import|export|reindex> [options]\n\n"
        "  import FILE.jsonl|DIR  imports categories, sections and articles (JSON Lines,\n"
        "                         see docs/kb.md); all or nothing: the first bad line stops\n"
        "                         it with FILE:LINE and a reason, and nothing is imported\n"
        "  export                 writes the whole help center to stdout in the same format\n"
        "  reindex                rebuilds the search index from the articles\n\n"
        "Common: --data-dir DIR, --config FILE.\n";
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "import") && strcmp(sub, "export") && strcmp(sub, "reindex")) {
        fprintf(stderr, "frontdesk kb: unknown subcommand \"%s\"\n\n%s", sub, help);
        return 2;
    }
    static const struct option opts[] = {{"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            fputs(help, stdout);
            return 0;
        }
        if (ch == OPT_CONFIG)
            continue;
        if (parse_common(&c, ch, optarg) != 0)
            return 2;
    }
    int want_path = strcmp(sub, "import") == 0;
    if (want_path != (optind < argc) || optind + want_path < argc) {
        fprintf(stderr,
                want_path ? "frontdesk kb import: give one FILE.jsonl or DIR\n"
                          : "frontdesk kb %s: unexpected argument\n",
                sub);
        return 2;
    }
    if (finish_config(&c))
        return 2;
    struct store *s;
    if (open_store(&c.cfg, 1, 0, &s))
        return 1;
    struct db *db = store_acquire(s);
    int rc = 0;
    if (want_path) {
        rc = kb_import_run(db, argv[optind]);
    } else if (strcmp(sub, "export") == 0) {
        rc = kb_export(db, stdout) ? 1 : 0;
        if (rc)
            fprintf(stderr, "frontdesk kb export: %s\n", db_errmsg(db));
    } else {
        int64_t n = 0;
        int r = db_begin_write(db);
        if (r == 0)
            r = kb_search_rebuild(db, &n);
        if (r == 0)
            r = db_commit(db);
        db_rollback(db);
        if (r)
            fprintf(stderr, "frontdesk kb reindex: %s\n", fd_strerror(r));
        else
            printf("indexed %lld published articles\n", (long long)n);
        rc = r ? 1 : 0;
    }
    store_release(s, db);
    store_close(s);
    return rc;
}

/* ---- audit (src/audit, docs/audit.md) ------------------------------------------ */

static int cmd_audit(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk audit <verify|head> [options]\n\n"
        "  verify [--anchor TABLE:ID:HASH]...  walks the hash chains of the record (events,\n"
        "         complaint_events); exits 1 naming the first altered, inserted or deleted\n"
        "         row, else prints each chain's rows and head. An anchor (a line printed\n"
        "         earlier by `audit head`) must still be in the chain: only an anchored\n"
        "         head reveals a deleted tail or a rewritten chain\n"
        "  head   prints each chain's head as TABLE:ID:HASH, to keep somewhere else\n\n"
        "Common: --data-dir DIR, --config FILE.\n";
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int verify = strcmp(sub, "verify") == 0;
    if (!verify && strcmp(sub, "head") != 0) {
        fprintf(stderr, "frontdesk audit: unknown subcommand \"%s\"\n\n%s", sub, help);
        return 2;
    }
    static const struct option opts[] = {{"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"anchor", required_argument, 0, 'a'},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    char *anchors[8];
    int n_anchors = 0, ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            fputs(help, stdout);
            return 0;
        }
        if (ch == OPT_CONFIG)
            continue;
        if (ch == 'a') {
            if (!verify || n_anchors == (int)(sizeof(anchors) / sizeof(anchors[0]))) {
                fprintf(stderr, "frontdesk audit: --anchor is for verify, at most 8 times\n");
                return 2;
            }
            anchors[n_anchors++] = optarg;
            continue;
        }
        if (parse_common(&c, ch, optarg) != 0)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "frontdesk audit %s: unexpected argument \"%s\"\n", sub, argv[optind]);
        return 2;
    }
    if (finish_config(&c))
        return 2;
    struct store *s;
    if (open_store(&c.cfg, 1, 0, &s))
        return AUDIT_EXIT_ERROR;
    struct db *db = store_acquire(s);
    int rc = verify ? audit_verify_print(db, anchors, n_anchors, stdout, stderr)
                    : audit_head_print(db, stdout, stderr);
    store_release(s, db);
    store_close(s);
    return rc;
}

/* ---- triage ------------------------------------------------------------------- */

static int cmd_triage(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk triage train [--intents FILE.csv] [options]\n\n"
        "Trains the ticket classifier (docs/triage.md) and stores the models; a running\n"
        "server uses them for the next ticket, without a restart.\n"
        "  department model: from every solved or closed ticket (subject + the\n"
        "                    customer's first message -> its department)\n"
        "  --intents FILE    intent model from a CSV with a header and text,label rows\n"
        "                    (e.g. ../shared/corpora/banking77/train.csv)\n\n"
        "Common: --data-dir DIR, --config FILE.\n";
    if (argc < 2 || strcmp(argv[1], "train") != 0) {
        int h = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fputs(help, h ? stdout : stderr);
        return h ? 0 : 2;
    }
    enum { OPT_INTENTS = 2000 };
    static const struct option opts[] = {{"intents", required_argument, 0, OPT_INTENTS},
                                         {"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    const char *intents = NULL;
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            fputs(help, stdout);
            return 0;
        }
        if (ch == OPT_INTENTS) {
            intents = optarg;
            continue;
        }
        if (ch == OPT_CONFIG)
            continue;
        if (parse_common(&c, ch, optarg) != 0)
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "frontdesk triage train: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (finish_config(&c))
        return 2;
    struct store *s;
    if (open_store(&c.cfg, 1, 0, &s))
        return 1;
    struct db *db = store_acquire(s);
    struct fd_error err = {0};
    int rc = triage_train(db, c.cfg.data_dir, intents, strtod(c.cfg.triage_auto_confidence, NULL),
                          stdout, &err);
    if (rc)
        fprintf(stderr, "frontdesk triage train: %s\n",
                err.message[0] ? err.message : fd_strerror(rc));
    store_release(s, db);
    store_close(s);
    return rc ? 1 : 0;
}

/* ---- mailgate ----------------------------------------------------------------- */

/* sysexits.h: the MTA keeps a message on EX_TEMPFAIL and bounces it on EX_DATAERR. */
#define EX_OK_ 0
#define EX_DATAERR_ 65
#define EX_TEMPFAIL_ 75

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    if (buf_append(b, p, size * n) != 0)
        return 0;
    return size * n;
}

static int cmd_mailgate(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk mailgate --url URL [--address ADDR] [--token-file FILE]\n\n"
        "Reads one raw email on standard input and hands it to the running server\n"
        "(POST URL/api/v1/mail/inbound). Exits 0 only once the message is stored durably;\n"
        "75 (EX_TEMPFAIL) when the server is unreachable or answers 5xx, so the MTA retries\n"
        "later; 65 (EX_DATAERR) when the message is refused for good (e.g. too large).\n"
        "The token (scope mail:ingest, see 'frontdesk token create') comes from\n"
        "--token-file or FRONTDESK_MAILGATE_TOKEN. --address names the recipient the MTA\n"
        "delivered to, which picks the department. --client-ip, --helo and --mail-from\n"
        "pass the SMTP session (Postfix pipe: ${client_address}, ${client_helo}, ${sender})\n"
        "for SPF and DMARC checks (docs/mail.md).\n\n"
        "Postfix, /etc/aliases:   deposits: \"|/usr/local/bin/frontdesk mailgate --url "
        "http://127.0.0.1:8080 --address deposits@example.com --token-file "
        "/etc/frontdesk/mailgate.token\"\n"
        "or master.cf transport:  frontdesk unix - n n - - pipe flags=Rq user=frontdesk\n"
        "  argv=/usr/local/bin/frontdesk mailgate --url http://127.0.0.1:8080 --address "
        "${recipient}\n";
    enum { OPT_CLIENT_IP = 3000, OPT_HELO, OPT_MAIL_FROM };
    static const struct option opts[] = {{"url", required_argument, 0, OPT_URL},
                                         {"address", required_argument, 0, OPT_ADDRESS},
                                         {"client-ip", required_argument, 0, OPT_CLIENT_IP},
                                         {"helo", required_argument, 0, OPT_HELO},
                                         {"mail-from", required_argument, 0, OPT_MAIL_FROM},
                                         {"token-file", required_argument, 0, OPT_TOKEN_FILE},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return EX_TEMPFAIL_;
    const char *url = NULL, *address = NULL, *token_file = NULL;
    const char *env_q[3] = {NULL, NULL, NULL}; /* client_ip, helo, mail_from */
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_HELP: fputs(help, stdout); return 0;
        case OPT_URL: url = optarg; break;
        case OPT_ADDRESS: address = optarg; break;
        case OPT_TOKEN_FILE: token_file = optarg; break;
        case OPT_CLIENT_IP: env_q[0] = optarg; break;
        case OPT_HELO: env_q[1] = optarg; break;
        case OPT_MAIL_FROM: env_q[2] = optarg; break;
        case OPT_CONFIG: break;
        default: fputs(help, stderr); return EX_TEMPFAIL_;
        }
    }
    if (!url) {
        fprintf(stderr, "frontdesk mailgate: --url is required\n");
        return EX_TEMPFAIL_;
    }
    char token[256] = "";
    if (token_file) {
        FILE *f = fopen(token_file, "r");
        if (!f || !fgets(token, sizeof(token), f)) {
            fprintf(stderr, "frontdesk mailgate: cannot read the token file %s\n", token_file);
            if (f)
                fclose(f);
            return EX_TEMPFAIL_;
        }
        fclose(f);
    } else if (getenv("FRONTDESK_MAILGATE_TOKEN")) {
        snprintf(token, sizeof(token), "%s", getenv("FRONTDESK_MAILGATE_TOKEN"));
    }
    token[strcspn(token, "\r\n ")] = '\0';
    if (!token[0]) {
        fprintf(stderr,
                "frontdesk mailgate: no token (--token-file or FRONTDESK_MAILGATE_TOKEN)\n");
        return EX_TEMPFAIL_;
    }
    struct buf msg;
    buf_init(&msg, (size_t)c.cfg.mail_max);
    char chunk[65536];
    size_t n;
    int too_big = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (buf_append(&msg, chunk, n) != 0)
            too_big = 1;
    if (ferror(stdin)) {
        buf_release(&msg);
        fprintf(stderr, "frontdesk mailgate: cannot read the message from stdin\n");
        return EX_TEMPFAIL_;
    }
    if (too_big || msg.len == 0) {
        buf_release(&msg);
        fprintf(stderr, "frontdesk mailgate: %s\n",
                too_big ? "the message is larger than mail_max" : "empty message");
        return EX_DATAERR_;
    }
    mail_init();
    CURL *curl = curl_easy_init();
    struct buf answer;
    buf_init(&answer, 64 * 1024);
    struct buf q;
    buf_init(&q, 0);
    (void)buf_printf(&q, "%s/api/v1/mail/inbound", url);
    static const char *const qnames[] = {"address", "client_ip", "helo", "mail_from"};
    const char *qvals[] = {address, env_q[0], env_q[1], env_q[2]};
    for (int i = 0, first = 1; i < 4; i++) {
        if (!qvals[i])
            continue;
        char *esc = curl_easy_escape(curl, qvals[i], 0);
        (void)buf_printf(&q, "%c%s=%s", first ? '?' : '&', qnames[i], esc ? esc : "");
        curl_free(esc);
        first = 0;
    }
    char *full = buf_detach(&q, NULL);
    char *authz = xasprintf("Authorization: Bearer %s", token);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: message/rfc822");
    hdrs = curl_slist_append(hdrs, authz);
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, full);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, msg.ptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)msg.len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    int code;
    if (cc != CURLE_OK) {
        fprintf(stderr, "frontdesk mailgate: %s: %s; the MTA should retry\n", url,
                curl_easy_strerror(cc));
        code = EX_TEMPFAIL_;
    } else if (status == 200 || status == 201) {
        code = EX_OK_;
    } else if (status >= 500 || status == 429 || status == 408 || status == 401 || status == 403) {
        fprintf(stderr, "frontdesk mailgate: the server answered %ld: %.300s\n", status,
                answer.ptr ? answer.ptr : "");
        code = EX_TEMPFAIL_;
    } else {
        fprintf(stderr, "frontdesk mailgate: the message was refused (%ld): %.300s\n", status,
                answer.ptr ? answer.ptr : "");
        code = EX_DATAERR_;
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
    free(full);
    sodium_memzero(authz, strlen(authz));
    free(authz);
    sodium_memzero(token, sizeof(token));
    buf_release(&answer);
    buf_release(&msg);
    mail_shutdown();
    return code;
}

/* ---- token / dkim ----------------------------------------------------------------- */

static int cmd_token(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk token create --email E --name N --scopes S[,S...] [--data-dir DIR]\n\n"
        "Creates an API token for the staff user E and prints it once. Scopes:\n"
        "tickets:read, tickets:write, users:read, mail:ingest (the mailgate).\n";
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        int h = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fputs(help, h ? stdout : stderr);
        return h ? 0 : 2;
    }
    static const struct option opts[] = {{"data-dir", required_argument, 0, OPT_DATA_DIR},
                                         {"config", required_argument, 0, OPT_CONFIG},
                                         {"email", required_argument, 0, OPT_EMAIL},
                                         {"name", required_argument, 0, OPT_NAME},
                                         {"scopes", required_argument, 0, OPT_SCOPES},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    const char *email = NULL, *name = NULL, *scopes = NULL;
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_HELP: fputs(help, stdout); return 0;
        case OPT_CONFIG: break;
        case OPT_EMAIL: email = optarg; break;
        case OPT_NAME: name = optarg; break;
        case OPT_SCOPES: scopes = optarg; break;
        default:
            if (parse_common(&c, ch, optarg) != 0)
                return 2;
        }
    }
    if (!email || !name || !scopes) {
        fprintf(stderr, "frontdesk token create: --email, --name and --scopes are required\n");
        return 2;
    }
    unsigned bits = 0;
    char sc[256];
    snprintf(sc, sizeof(sc), "%s", scopes);
    char *save = NULL;
    for (char *s = strtok_r(sc, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        unsigned b = auth_scope_parse(s);
        if (!b) {
            fprintf(stderr, "frontdesk token create: unknown scope \"%s\"\n", s);
            return 2;
        }
        bits |= b;
    }
    if (finish_config(&c))
        return 2;
    struct store *s;
    if (open_store(&c.cfg, 1, 0, &s))
        return 1;
    struct db *db = store_acquire(s);
    struct auth_actor a;
    memset(&a, 0, sizeof(a));
    char norm[FD_EMAIL_MAX + 1];
    int rc = auth_email_normalize(email, norm, sizeof(norm), NULL);
    if (rc == 0)
        rc = store_user_by_email(db, norm, &a.user, NULL, 0);
    char token[AUTH_TOKEN_HEX + 8];
    int64_t id = 0;
    if (rc == 0)
        rc = auth_token_create(db, &a, name, bits, token, &id);
    store_release(s, db);
    store_close(s);
    if (rc) {
        fprintf(stderr, "frontdesk token create: %s\n",
                rc == FD_ENOTFOUND    ? "no such user"
                : rc == FD_EFORBIDDEN ? "only staff users may hold tokens"
                                      : fd_strerror(rc));
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static int cmd_dkim(int argc, char **argv)
{
    static const char *help =
        "Usage: frontdesk dkim keygen --domain D --selector S --key FILE\n\n"
        "Writes a new RSA private key to FILE (mode 0600) and prints the DNS TXT record to\n"
        "publish at S._domainkey.D. Then set dkim_domain, dkim_selector and dkim_key.\n";
    if (argc < 2 || strcmp(argv[1], "keygen") != 0) {
        int h = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fputs(help, h ? stdout : stderr);
        return h ? 0 : 2;
    }
    static const struct option opts[] = {{"domain", required_argument, 0, OPT_DOMAIN},
                                         {"selector", required_argument, 0, OPT_SELECTOR},
                                         {"key", required_argument, 0, OPT_KEY},
                                         {"help", no_argument, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    const char *domain = NULL, *selector = NULL, *key = NULL;
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_HELP: fputs(help, stdout); return 0;
        case OPT_DOMAIN: domain = optarg; break;
        case OPT_SELECTOR: selector = optarg; break;
        case OPT_KEY: key = optarg; break;
        default: fputs(help, stderr); return 2;
        }
    }
    if (!domain || !selector || !key) {
        fprintf(stderr, "frontdesk dkim keygen: --domain, --selector and --key are required\n");
        return 2;
    }
    mail_init();
    struct fd_error err = {0};
    int rc = mail_dkim_keygen(domain, selector, key, &err);
    mail_shutdown();
    if (rc) {
        fprintf(stderr, "frontdesk dkim keygen: %s\n",
                err.message[0] ? err.message : fd_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_config(int argc, char **argv)
{
    struct common c;
    if (load_config(&c, argc, argv))
        return 2;
    printf("Settings: config-file key, environment variable, meaning (current value).\n"
           "The config file (--config FILE or FRONTDESK_CONFIG) has lines 'key = value'.\n");
    config_print_keys(&c.cfg, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("frontdesk %s\n", VERSION);
        return 0;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "frontdesk: libsodium failed to initialise\n");
        return 1;
    }
    /* Each command parses argv[1..]: shift so getopt sees the command's own options. */
    argc--;
    argv++;
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return simple_cmd(argc, argv, "migrate",
                          "Creates DATA_DIR/frontdesk.db if needed and applies the numbered "
                          "migrations\nit lacks. Refuses a database newer than this binary.",
                          run_migrate);
    if (strcmp(cmd, "demo") == 0)
        return simple_cmd(argc, argv, "demo",
                          "Loads the demo data (departments' agents, customers, ~200 tickets) "
                          "into\nDATA_DIR, once. Every demo account's password is " DEMO_PASSWORD
                          ".",
                          run_demo);
    if (strcmp(cmd, "user") == 0)
        return cmd_user(argc, argv);
    if (strcmp(cmd, "config") == 0)
        return cmd_config(argc, argv);
    if (strcmp(cmd, "kb") == 0)
        return cmd_kb(argc, argv);
    if (strcmp(cmd, "mailgate") == 0)
        return cmd_mailgate(argc, argv);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(argc, argv);
    if (strcmp(cmd, "dkim") == 0)
        return cmd_dkim(argc, argv);
    if (strcmp(cmd, "triage") == 0)
        return cmd_triage(argc, argv);
    if (strcmp(cmd, "audit") == 0)
        return cmd_audit(argc, argv);
    fprintf(stderr, "frontdesk: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
