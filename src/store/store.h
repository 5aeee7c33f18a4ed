#ifndef FD_STORE_STORE_H
#define FD_STORE_STORE_H
/*
 * The store: the only module that knows a database exists. It offers
 *   - a connection pool (struct store) over one backend (SQLite today; the same
 *     interface is meant for a PostgreSQL backend: no SQLite type appears here),
 *   - portable statements (struct db_stmt) with `?` placeholders and bound parameters,
 *   - transactions, and the numbered migrations in src/store/migrations/.
 * SQL text lives in src/store/ only (store_*.c); domain modules call the typed
 * functions declared in the store_*.h headers.
 *
 * Threads: a struct store may be used from any thread. A struct db (one connection)
 * belongs to the thread that acquired it until it is released.
 */
#include <stddef.h>
#include <stdint.h>

struct store;
struct db;
struct db_stmt;

/* Opens (creating if needed) DATA_DIR/frontdesk.db with a pool of `conns` connections.
 * Returns 0, FD_EIO (cannot create/open), FD_EDB. */
int store_open(const char *data_dir, int conns, struct store **out);
/* Closes every connection (checkpointing the WAL). Accepts NULL. */
void store_close(struct store *s);
/*
 * Runs fn on every connection of the pool now and remembers it for none later (the pool
 * is fixed-size and opened by store_open). Used by backend-specific modules that must
 * prepare each connection (the FTS5 tokenizer). Returns the first failure.
 */
int store_on_connect(struct store *s, int (*fn)(struct db *db));
/* The backend's native connection handle (sqlite3 *), for backend-specific modules such
 * as kb/search_fts5.c only. Domain code never calls this. */
void *db_native(struct db *db);

/* Takes a connection from the pool, waiting if all are busy. Never NULL. */
struct db *store_acquire(struct store *s);
void store_release(struct store *s, struct db *db);

/* Schema version this binary knows (the highest migration number). */
int store_schema_latest(void);
/* The version recorded in the database (0 for an empty database). */
int store_schema_version(struct db *db, int *out);
/* Applies pending migrations, each in its own transaction. *applied gets their count.
 * Returns FD_ECONFLICT when the database is newer than this binary. */
int store_migrate(struct db *db, int *applied);

/* Transactions. db_begin_write takes the write lock at once (BEGIN IMMEDIATE on
 * SQLite), so a writer never fails half-way on a lock upgrade. Commit is durable
 * when it returns 0. */
int db_begin_read(struct db *db);
int db_begin_write(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Prepares sql (which must outlive the statement: use string literals; statements
 * are cached per connection by this pointer). Returns 0 or FD_EDB. */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* Binding indexes start at 1. db_bind_text with NULL binds SQL NULL; text is copied. */
int db_bind_int64(struct db_stmt *st, int idx, int64_t v);
int db_bind_text(struct db_stmt *st, int idx, const char *s);
int db_bind_null(struct db_stmt *st, int idx);
/* Returns 1 when a row is ready, 0 when done, FD_ECONFLICT on a constraint
 * violation, FD_EDB otherwise. */
int db_step(struct db_stmt *st);
int64_t db_col_int64(struct db_stmt *st, int col);
/* Borrowed until the next step/finalize; NULL for SQL NULL. */
const char *db_col_text(struct db_stmt *st, int col);
int db_col_is_null(struct db_stmt *st, int col);
/* Returns the statement to the cache. Accepts NULL. */
void db_finalize(struct db_stmt *st);
/* Runs one statement without parameters, ignoring rows. */
int db_exec(struct db *db, const char *sql);
/* Rows changed by the last write on this connection. */
int64_t db_changes(struct db *db);
/* The last error text from the backend (for logs; never shown to clients). */
const char *db_errmsg(struct db *db);

/* ---- typed queries (store_users.c, store_tickets.c) -------------------------
 * Each returns 0, FD_ENOTFOUND, FD_ECONFLICT (unique/constraint violation) or FD_EDB.
 * They run inside whatever transaction the caller opened on db.
 */
#include "records.h"

/* Callbacks for lists: return 0 to continue, non-zero to stop (returned by the lister). */
typedef int (*store_user_cb)(void *ctx, const struct user_rec *u);
typedef int (*store_dept_cb)(void *ctx, const struct department_rec *d);
typedef int (*store_message_cb)(void *ctx, const struct message_rec *m);
typedef int (*store_event_cb)(void *ctx, const struct event_rec *e);
typedef int (*store_attachment_cb)(void *ctx, const struct attachment_rec *a);

int store_department_by_slug(struct db *db, const char *slug, struct department_rec *out);
int store_department_list(struct db *db, store_dept_cb cb, void *ctx);

int store_user_insert(struct db *db, const struct user_rec *u, const char *pwhash, int64_t *id);
int store_user_get(struct db *db, int64_t id, struct user_rec *out);
/* pwhash (may be NULL) receives the stored argon2id string. */
int store_user_by_email(struct db *db, const char *email, struct user_rec *out, char *pwhash,
                        size_t pwhash_len);
int store_user_set_disabled(struct db *db, int64_t id, int disabled);
int store_user_set_password(struct db *db, int64_t id, const char *pwhash);
/* staff_only: agents, supervisors and admins only. */
int store_user_list(struct db *db, int staff_only, store_user_cb cb, void *ctx);

int store_session_insert(struct db *db, const char *token_hash, const char *csrf, int64_t user_id,
                         int64_t now, int64_t expires);
/* Finds a live session (not expired at now, user not disabled). */
int store_session_lookup(struct db *db, const char *token_hash, int64_t now, struct user_rec *user,
                         char *csrf, size_t csrf_len);
int store_session_delete(struct db *db, const char *token_hash);
int store_session_delete_user(struct db *db, int64_t user_id);

int store_token_insert(struct db *db, const char *token_hash, int64_t user_id, const char *name,
                       const char *scopes, int64_t now, int64_t *id);
int store_token_lookup(struct db *db, const char *token_hash, struct user_rec *user, char *scopes,
                       size_t scopes_len);

int store_login_failure_add(struct db *db, const char *email, int64_t at);
int store_login_failure_count(struct db *db, const char *email, int64_t since, int64_t *count);
int store_login_failure_clear(struct db *db, const char *email);

/* Tickets. */
int store_ticket_insert(struct db *db, struct ticket_rec *t); /* sets t->id */
int store_ticket_get(struct db *db, int64_t id, struct ticket_rec *out);
/* Writes every mutable column of t (subject..follow_up_of, updated_at) and its tags. */
int store_ticket_update(struct db *db, const struct ticket_rec *t);

struct ticket_filter {
    unsigned status_mask;      /* bit i = status i of fd_ticket_statuses; 0 = any */
    int64_t department_id;     /* 0 = any */
    int64_t assignee_id;       /* 0 = any; -1 = unassigned */
    int64_t requester_id;      /* 0 = any */
    const char *tag;           /* NULL = any */
    const char *text;          /* NULL = any; matched in subject and message bodies */
    int include_internal_text; /* whether text may match internal notes */
    int64_t before_id;         /* cursor: only ids below; 0 = from the newest */
    int limit;
};
/* Calls cb with each matching ticket, newest first, at most f->limit. */
typedef int (*store_ticket_cb)(void *ctx, const struct ticket_rec *t);
int store_ticket_list(struct db *db, const struct ticket_filter *f, store_ticket_cb cb, void *ctx);
/* counts[i] = tickets in status i (ignores f->status_mask, before_id, limit). */
int store_ticket_counts(struct db *db, const struct ticket_filter *f, int64_t counts[6]);

int store_message_insert(struct db *db, struct message_rec *m); /* sets m->id */
/* *internal gets the message's internal flag. */
int store_message_is_internal(struct db *db, int64_t id, int *internal);
int store_message_list(struct db *db, int64_t ticket_id, int include_internal, store_message_cb cb,
                       void *ctx);

int store_event_insert(struct db *db, int64_t ticket_id, int64_t actor_id, const char *type,
                       const char *data_json, int64_t now);
int store_event_list(struct db *db, int64_t ticket_id, store_event_cb cb, void *ctx);

int store_attachment_insert(struct db *db, struct attachment_rec *a); /* sets a->id */
int store_attachment_get(struct db *db, int64_t id, struct attachment_rec *out);
int store_attachment_link(struct db *db, int64_t id, int64_t message_id);
int store_attachment_list(struct db *db, int64_t ticket_id, store_attachment_cb cb, void *ctx);

/* ---- help center (store_kb.c) ---------------------------------------------- */
int store_kb_category_put(struct db *db, struct kb_category_rec *c); /* upsert by slug */
int store_kb_section_put(struct db *db, struct kb_section_rec *s);   /* upsert by cat+slug */
int store_kb_category_get(struct db *db, const char *slug, struct kb_category_rec *out);
int store_kb_section_get(struct db *db, const char *category, const char *slug,
                         struct kb_section_rec *out);
int store_kb_category_list(struct db *db, int (*cb)(void *, const struct kb_category_rec *),
                           void *ctx);
/* Sections (of one category or all) with their published-article count in locale. */
int store_kb_section_list(struct db *db, const char *category, const char *locale,
                          int (*cb)(void *, const struct kb_section_rec *, int64_t), void *ctx);

/* Sets a->id. Body, tags etc. from a. */
int store_kb_article_insert(struct db *db, struct kb_article_rec *a);
/* Writes every mutable column of a. */
int store_kb_article_update(struct db *db, const struct kb_article_rec *a);
/* with_body: load a->body (owned, free it). */
int store_kb_article_get(struct db *db, const char *locale, const char *slug, int with_body,
                         struct kb_article_rec *out);
/* The article with this slug in any locale (English first), published first. */
int store_kb_article_get_any(struct db *db, const char *slug, struct kb_article_rec *out);
int store_kb_article_get_id(struct db *db, int64_t id, int with_body, struct kb_article_rec *out);

struct kb_list_filter {
    const char *category, *section, *locale, *kind, *status, *intent;
    int order_by_views;
    int64_t after_id;
    int limit;
    int64_t translation_group; /* 0 = any; else articles with id or translation_of = this */
};
/* Lists without bodies (a->body NULL). */
int store_kb_article_list(struct db *db, const struct kb_list_filter *f,
                          int (*cb)(void *, const struct kb_article_rec *), void *ctx);

int store_kb_revision_insert(struct db *db, const struct kb_article_rec *a);
int store_kb_revision_list(struct db *db, int64_t article_id,
                           int (*cb)(void *, const struct kb_revision_rec *), void *ctx);
/* out->body owned by the caller. */
int store_kb_revision_get(struct db *db, int64_t article_id, int revision,
                          struct kb_revision_rec *out);

int store_kb_article_viewed(struct db *db, int64_t id);
int store_kb_vote_insert(struct db *db, int64_t article_id, int helpful, int64_t user_id,
                         int64_t now);

int store_kb_deflection_insert(struct db *db, const char *token, int64_t user_id,
                               const char *channel, const char *query, const char *shown_json,
                               int64_t now);
/* Updates shown/query of a user's own record; FD_ENOTFOUND if the token is not theirs. */
int store_kb_deflection_update(struct db *db, const char *token, int64_t user_id, const char *query,
                               const char *shown_json, int64_t now);
int store_kb_deflection_set(struct db *db, const char *token, const char *column, int64_t v,
                            int64_t now);
int store_kb_deflection_stats(struct db *db, int64_t out[4]);

int store_user_set_kb_editor(struct db *db, int64_t id, int on);

/* ---- email (store_mail.c) ---------------------------------------------------- */
/* The department an address belongs to. FD_ENOTFOUND if it is not ours. */
int store_mail_address_department(struct db *db, const char *email, struct department_rec *out);
/* The primary address of a department, into out (>= FD_EMAIL_MAX + 1). */
int store_mail_primary_address(struct db *db, int64_t department_id, char *out, size_t n);
/* direction NULL = either. */
int store_mail_find(struct db *db, const char *direction, const char *message_id,
                    struct mail_rec *out);
int store_mail_insert(struct db *db, struct mail_rec *m); /* sets m->id */
int store_mail_set_ticket(struct db *db, int64_t mail_id, int64_t ticket_id, int64_t message_row_id,
                          const char *status);
/* Message-IDs of a ticket's mail, newest first (for References). */
int store_mail_ticket_ids(struct db *db, int64_t ticket_id, int (*cb)(void *, const char *),
                          void *ctx);
int store_participant_add(struct db *db, int64_t ticket_id, const char *email);
int store_participant_is(struct db *db, int64_t ticket_id, const char *email, int *yes);

int store_outbox_insert(struct db *db, int64_t mail_id, int64_t ticket_id, const char *kind,
                        const char *mail_from, const char *rcpt, int64_t now);
/* Due queued deliveries (next_attempt_at <= now), oldest first. */
int store_outbox_due(struct db *db, int64_t now, int limit,
                     int (*cb)(void *, const struct outbox_rec *), void *ctx);
/* Records one attempt and the delivery's new state. */
int store_outbox_attempt(struct db *db, int64_t id, int ok, const char *error, const char *status,
                         int64_t next_attempt_at, int64_t now);
int store_outbox_count_since(struct db *db, const char *rcpt, const char *kind, int64_t since,
                             int64_t *count);
/* Marks the delivery of the outgoing mail with this Message-ID failed (a bounce). */
int store_outbox_bounced(struct db *db, const char *message_id, const char *error, int64_t now);

int store_cursor_get(struct db *db, const char *name, int64_t *last);
int store_cursor_set(struct db *db, const char *name, int64_t last);
/* Starts the cursor name at the newest event (its first run follows only what happens from
 * now on, not the history) and stores that id in *last. Inside the caller's write. */
int store_cursor_start(struct db *db, const char *name, int64_t *last);
/* Events with id > after, oldest first, at most limit. */
int store_event_list_after(struct db *db, int64_t after, int limit, store_event_cb cb, void *ctx);

/* ---- live chat (store_chat.c) ----------------------------------------------- */
/* Sets c->id; inserts department_id, tier, customer_id, status, created_at, queued_at,
 * estimate_s. token_hash (hex BLAKE2b of a visitor's token) may be NULL. */
int store_chat_insert(struct db *db, struct chat_rec *c, const char *token_hash);
int store_chat_get(struct db *db, int64_t id, struct chat_rec *out);
/* The visitor token's hash ("" when the chat has none). */
int store_chat_token_hash(struct db *db, int64_t id, char *out, size_t n);
/* Writes department_id, tier, agent_id, status, queued_at, assigned_at, ended_at,
 * estimate_s and ticket_id (0 = NULL). */
int store_chat_update(struct db *db, const struct chat_rec *c);
/* Sets the rating once: FD_ECONFLICT when the chat was already rated. */
int store_chat_rate(struct db *db, int64_t id, int rating, const char *comment);
/* Increments chats.last_seq and returns the new value. */
int store_chat_next_seq(struct db *db, int64_t id, int64_t *seq);
/* client_id may be NULL; a repeated (chat, author, client_id) is FD_ECONFLICT. */
int store_chat_msg_insert(struct db *db, const struct chat_msg_rec *m, const char *client_id);
int store_chat_msg_by_client(struct db *db, int64_t chat_id, int64_t author_id,
                             const char *client_id, int64_t *seq);
/* Messages with seq > after in order; kind 'note' only with include_notes. */
int store_chat_msg_list(struct db *db, int64_t chat_id, int64_t after, int include_notes,
                        int (*cb)(void *, const struct chat_msg_rec *), void *ctx);
/* Moves the user's read mark forward to seq. */
int store_chat_read_set(struct db *db, int64_t chat_id, int64_t user_id, int64_t seq);
/* Queued chats oldest first (queued_at, id): of one department and tier, or all when
 * department_id is 0. */
int store_chat_queue(struct db *db, int64_t department_id, int tier,
                     int (*cb)(void *, const struct chat_rec *), void *ctx);
/* How many queued chats of c's department and tier are ahead of c. */
int store_chat_queue_ahead(struct db *db, const struct chat_rec *c, int *ahead);
int store_chat_agent_active(struct db *db, int64_t agent_id,
                            int (*cb)(void *, const struct chat_rec *), void *ctx);
/* A customer's chats, newest first (at most 50). */
int store_chat_customer_list(struct db *db, int64_t customer_id,
                             int (*cb)(void *, const struct chat_rec *), void *ctx);
/* Mean assigned→ended time of the department's last 20 ended chats; *n = how many. */
int store_chat_handling_ms(struct db *db, int64_t department_id, int64_t *mean_ms, int *n);
/* Chats matching s, newest first (id descending), at most s->limit. The text is
 * matched with LIKE (wildcards in it are escaped). */
int store_chat_search(struct db *db, const struct chat_search *s,
                      int (*cb)(void *, const struct chat_rec *), void *ctx);
/* Sets f->id. */
int store_chat_file_insert(struct db *db, struct chat_file_rec *f);
/* The file id of chat chat_id: FD_ENOTFOUND when it belongs to another chat. */
int store_chat_file_get(struct db *db, int64_t chat_id, int64_t id, struct chat_file_rec *out);
/* Chats that were assigned, newest first, at most limit. */
int store_chat_report(struct db *db, int limit, int (*cb)(void *, const struct chat_rec *),
                      void *ctx);

int store_agent_presence_get(struct db *db, int64_t user_id, char *status, size_t n, int *capacity,
                             int *active);
int store_agent_presence_set(struct db *db, int64_t user_id, const char *status, int capacity,
                             int64_t now);
int store_agent_assigned(struct db *db, int64_t user_id, int64_t now);
/* Online, enabled staff of the department and tier with their load, least loaded first,
 * ties by the oldest last assignment, then by id. */
int store_chat_agents(struct db *db, int64_t department_id, int tier,
                      int (*cb)(void *, const struct chat_agent_rec *), void *ctx);

int store_dept_hours_replace(struct db *db, int64_t department_id, const struct dept_hours_rec *h,
                             int n);
int store_dept_hours_list(struct db *db, int64_t department_id,
                          int (*cb)(void *, const struct dept_hours_rec *), void *ctx);
/* Canned responses for everyone and for the department: cb(ctx, id, title, body). */
int store_canned_list(struct db *db, int64_t department_id,
                      int (*cb)(void *, int64_t, const char *, const char *), void *ctx);

/* ---- SLA: calendars, policies, ticket clocks, jobs, notifications (store_sla.c) ----
 * Times are Unix ms; 0 stands for SQL NULL in the int64 fields below. */
#define SLA_NAME_MAX 120

struct sla_calendar_rec {
    int64_t id;
    char name[SLA_NAME_MAX + 1];
    char *spec; /* JSON text, owned by the record: free() it */
    int is_default;
    int64_t created_at, updated_at;
};
struct sla_policy_rec {
    int64_t id;
    char name[SLA_NAME_MAX + 1];
    char priority[16];
    int64_t department_id; /* 0 = any */
    char department[32];
    int vip_min;         /* -1 = any */
    int64_t calendar_id; /* 0 = the department's, else the default */
    int first_reply_min; /* -1 = no target */
    int next_reply_min;  /* -1 = no target */
    int resolution_min;  /* -1 = no target */
    int warn_min;
    char escalate_priority[16]; /* "" = none */
    int escalate_tier;          /* 0 = none */
    int notify, enabled;
    int64_t created_at, updated_at;
};
struct ticket_sla_rec {
    int64_t ticket_id;
    char metric[16]; /* first_reply, next_reply, resolution */
    int64_t policy_id;
    int target_min;
    int64_t started_at;
    char state[12]; /* running, paused, met */
    int64_t due_at, remaining_ms, stopped_at, warned_at, breached_at;
};
struct job_rec {
    int64_t id;
    char kind[48];
    char dedupe_key[96];
    int64_t due_at;
    char *payload; /* owned by the record: free() it */
    int attempts;
};
struct notification_rec {
    int64_t id, user_id, ticket_id;
    char kind[32];
    char text[512];
    int64_t created_at, read_at;
};

int store_sla_calendar_insert(struct db *db, const char *name, const char *spec, int64_t now,
                              int64_t *id);
int store_sla_calendar_update(struct db *db, int64_t id, const char *name, const char *spec,
                              int64_t now);
/* Makes id the only default calendar. */
int store_sla_calendar_set_default(struct db *db, int64_t id);
int store_sla_calendar_get(struct db *db, int64_t id, struct sla_calendar_rec *out);
int store_sla_calendar_get_default(struct db *db, struct sla_calendar_rec *out);
/* cb gets records whose spec is borrowed during the call. */
int store_sla_calendar_list(struct db *db, int (*cb)(void *, const struct sla_calendar_rec *),
                            void *ctx);
/* calendar_id 0 removes the department's calendar. */
int store_dept_calendar_set(struct db *db, int64_t department_id, int64_t calendar_id);
/* Every department with a calendar: cb(ctx, department slug, calendar id). */
int store_dept_calendar_list(struct db *db, int (*cb)(void *, const char *, int64_t), void *ctx);
/* FD_ENOTFOUND when the department has none. */
int store_dept_calendar_get(struct db *db, int64_t department_id, int64_t *calendar_id);

int store_sla_policy_insert(struct db *db, const struct sla_policy_rec *p, int64_t *id);
int store_sla_policy_update(struct db *db, const struct sla_policy_rec *p);
int store_sla_policy_delete(struct db *db, int64_t id);
int store_sla_policy_get(struct db *db, int64_t id, struct sla_policy_rec *out);
int store_sla_policy_list(struct db *db, int (*cb)(void *, const struct sla_policy_rec *),
                          void *ctx);
/* The most specific enabled policy for a ticket: department set beats any department,
 * then the higher vip_min, then the lower id. FD_ENOTFOUND when none applies. */
int store_sla_policy_match(struct db *db, const char *priority, int64_t department_id,
                           int vip_level, struct sla_policy_rec *out);
int store_user_vip_level(struct db *db, int64_t user_id, int *vip);

int store_ticket_sla_put(struct db *db, const struct ticket_sla_rec *r);
int store_ticket_sla_get(struct db *db, int64_t ticket_id, const char *metric,
                         struct ticket_sla_rec *out);
int store_ticket_sla_delete(struct db *db, int64_t ticket_id, const char *metric);
int store_ticket_sla_list(struct db *db, int64_t ticket_id,
                          int (*cb)(void *, const struct ticket_sla_rec *), void *ctx);
/* Tickets with a running clock due before `before` (breached ones included), soonest
 * first: cb(ctx, ticket_id, due_at). */
int store_ticket_sla_due(struct db *db, int64_t before, int limit,
                         int (*cb)(void *, int64_t, int64_t), void *ctx);
/* The status timeline: cb(ctx, at, data) for each status_changed event in order; data is
 * the event's JSON text ({"before":..,"after":..}), borrowed during the call. */
int store_ticket_status_changes(struct db *db, int64_t ticket_id,
                                int (*cb)(void *, int64_t, const char *), void *ctx);
/* Messages of a ticket in order: cb(ctx, id, by_staff, internal, at). */
int store_ticket_message_times(struct db *db, int64_t ticket_id,
                               int (*cb)(void *, int64_t, int, int, int64_t), void *ctx);
/* Ids of tickets that are not closed, above after_id, ascending, at most limit. */
int store_ticket_ids_unclosed(struct db *db, int64_t after_id, int limit,
                              int (*cb)(void *, int64_t), void *ctx);
/* Events of type on the ticket at or after since. */
int store_event_count_since(struct db *db, int64_t ticket_id, const char *type, int64_t since,
                            int64_t *count);
/* Enabled supervisors of the department; when there is none, the enabled admins. */
int store_dept_supervisors(struct db *db, int64_t department_id,
                           int (*cb)(void *, const struct user_rec *), void *ctx);

/* Queues a job; a queued job with the same dedupe_key (when not NULL) is replaced. */
int store_job_put(struct db *db, const char *kind, const char *dedupe_key, int64_t due_at,
                  const char *payload, int64_t now, int64_t *id);
int store_job_cancel(struct db *db, const char *dedupe_key);
/* The queued job due first at or before now. FD_ENOTFOUND when none. */
int store_job_next(struct db *db, int64_t now, struct job_rec *out);
/* state: queued (a retry at due_at), done or failed. */
int store_job_finish(struct db *db, int64_t id, const char *state, int attempts, int64_t due_at,
                     const char *error, int64_t now);
/* cb(ctx, id, kind, key, due_at, state, attempts) for every job, oldest first. */
int store_job_list(struct db *db,
                   int (*cb)(void *, int64_t, const char *, const char *, int64_t, const char *,
                             int),
                   void *ctx);

int store_notification_insert(struct db *db, int64_t user_id, int64_t ticket_id, const char *kind,
                              const char *text, int64_t now);
/* Newest first, at most limit. */
int store_notification_list(struct db *db, int64_t user_id, int unread_only, int limit,
                            int (*cb)(void *, const struct notification_rec *), void *ctx);
/* FD_ENOTFOUND unless the notification is the user's. */
int store_notification_read(struct db *db, int64_t user_id, int64_t id, int64_t now);

#endif
