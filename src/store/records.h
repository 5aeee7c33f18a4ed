#ifndef FD_STORE_RECORDS_H
#define FD_STORE_RECORDS_H
/*
 * Plain records exchanged between the store and the domain modules. Fixed-size
 * fields are bounded by the validation limits of the domain (e.g. a subject is at most
 * FD_SUBJECT_MAX bytes), so copying never truncates valid data. Message bodies are the
 * only heap strings (owned by the record; see the *_release functions).
 */
#include <stdint.h>

#define FD_EMAIL_MAX 254
#define FD_NAME_MAX 120
#define FD_SUBJECT_MAX 200
#define FD_TAG_MAX 40
#define FD_TAGS_MAX 16
#define FD_BODY_MAX (64 * 1024)

enum fd_role { ROLE_CUSTOMER = 0, ROLE_AGENT = 1, ROLE_SUPERVISOR = 2, ROLE_ADMIN = 3 };

struct user_rec {
    int64_t id;
    char email[FD_EMAIL_MAX + 1];
    char name[FD_NAME_MAX + 1];
    enum fd_role role;
    int64_t department_id; /* 0 = none */
    char department[32];   /* slug, "" = none */
    int tier;              /* 0 = none */
    int disabled;
    int kb_editor; /* may edit help-center articles (agents; admins/supervisors always) */
    int64_t created_at;
};

struct department_rec {
    int64_t id;
    char slug[32];
    char name[64];
};

struct ticket_rec {
    int64_t id;
    char subject[FD_SUBJECT_MAX + 1];
    char status[16];
    char priority[16];
    int64_t department_id;
    char department[32];
    int tier;
    char channel[16];
    int64_t requester_id;
    char requester_name[FD_NAME_MAX + 1];
    char requester_email[FD_EMAIL_MAX + 1];
    int64_t assignee_id; /* 0 = unassigned */
    char assignee_name[FD_NAME_MAX + 1];
    /* Exchange fields; "" = not given. */
    char exchange_uid[24];
    char txid[132];
    char asset[16];
    char network[24];
    char amount[48];
    char order_id[72];
    int64_t follow_up_of; /* 0 = none */
    int64_t created_at;
    int64_t updated_at;
    char tags[FD_TAGS_MAX][FD_TAG_MAX + 1];
    int ntags;
};

struct message_rec {
    int64_t id;
    int64_t ticket_id;
    int64_t author_id;
    char author_name[FD_NAME_MAX + 1];
    enum fd_role author_role;
    char *body; /* owned */
    int internal;
    int64_t created_at;
};

struct attachment_rec {
    int64_t id;
    int64_t ticket_id;
    int64_t message_id; /* 0 = not yet linked */
    int64_t uploader_id;
    char sha256[65];
    char filename[128];
    char content_type[64];
    int64_t size;
    int64_t created_at;
};

struct event_rec {
    int64_t id;
    int64_t ticket_id;
    int64_t actor_id; /* 0 = system */
    char actor_name[FD_NAME_MAX + 1];
    char type[32];
    const char *data; /* JSON text; borrowed during the callback */
    int64_t created_at;
};

/* ---- help center ---- */
#define KB_SLUG_MAX 80
#define KB_TITLE_MAX 200
#define KB_BODY_MAX (64 * 1024)
#define KB_TAGS_TEXT_MAX (FD_TAGS_MAX * (FD_TAG_MAX + 1))

struct kb_category_rec {
    int64_t id;
    char slug[KB_SLUG_MAX + 1];
    char name[121];
    char description[301];
    int position;
};

struct kb_section_rec {
    int64_t id;
    int64_t category_id;
    char category[KB_SLUG_MAX + 1]; /* category slug */
    char slug[KB_SLUG_MAX + 1];
    char name[121];
    char description[301];
    int position;
};

struct kb_article_rec {
    int64_t id;
    int64_t section_id;
    char category[KB_SLUG_MAX + 1];
    char section[KB_SLUG_MAX + 1];
    char kind[8];   /* article | faq */
    char locale[8]; /* en, es, zh ... */
    char slug[KB_SLUG_MAX + 1];
    char title[KB_TITLE_MAX + 1];
    char *body;                      /* Markdown; owned (kb_article_release) */
    char tags[KB_TAGS_TEXT_MAX + 1]; /* space-separated */
    char status[12];                 /* draft | published | archived */
    char intent[64];                 /* "" = none */
    int64_t translation_of;          /* 0 = original */
    int64_t author_id;
    char author_name[FD_NAME_MAX + 1];
    int revision;
    int64_t views, helpful_yes, helpful_no;
    int64_t created_at, updated_at;
};

struct kb_revision_rec {
    int64_t article_id;
    int revision;
    int64_t section_id;
    char kind[8];
    char title[KB_TITLE_MAX + 1];
    char *body; /* borrowed in callbacks; owned when returned by value (free it) */
    char tags[KB_TAGS_TEXT_MAX + 1];
    char status[12];
    int64_t author_id;
    char author_name[FD_NAME_MAX + 1];
    int64_t created_at;
};

/* ---- email ---- */
struct mail_rec {
    int64_t id;
    char direction[4]; /* in | out */
    char message_id[256];
    int64_t ticket_id;
    int64_t message_row_id;
    char sha256[65];
    int64_t size;
    char from_email[FD_EMAIL_MAX + 1];
    char to_email[FD_EMAIL_MAX + 1];
    char subject[256];
    char status[20];
    char kind[16];
    int parse_error;
    char source[16];
    int64_t created_at;
};

struct outbox_rec {
    int64_t id;
    int64_t mail_id;
    int64_t ticket_id;
    char kind[12];
    char mail_from[FD_EMAIL_MAX + 1];
    char rcpt[FD_EMAIL_MAX + 1];
    char status[12];
    int attempts;
    int64_t next_attempt_at;
    char last_error[256];
    char sha256[65]; /* of the raw message */
};

/* ---- live chat (store_chat.c; the domain is src/chat/chat.h) ---- */
struct chat_rec {
    int64_t id;
    int64_t department_id;
    char department[32];
    int tier;
    int64_t customer_id;
    char customer_name[FD_NAME_MAX + 1];
    char customer_email[FD_EMAIL_MAX + 1];
    int64_t agent_id; /* 0 = none yet */
    char agent_name[FD_NAME_MAX + 1];
    char status[12]; /* queued, active, ended, converted */
    int64_t created_at, queued_at, assigned_at, ended_at;
    int64_t estimate_s; /* the wait estimated when it was queued */
    int rating;         /* 0 = none */
    int64_t ticket_id;  /* converted to, or left-message ticket */
    int64_t last_seq;
};

struct chat_msg_rec {
    int64_t chat_id;
    int64_t seq;
    int64_t author_id; /* 0 = the system */
    char author_name[FD_NAME_MAX + 1];
    enum fd_role author_role;
    char kind[8];     /* message | system | note (staff only) */
    const char *body; /* borrowed during callbacks */
    /* The chat file sent with the message (chat_files.id, column chat_messages.
     * chat_file_id; 0 = none) and what the store read of it. */
    int64_t attachment_id;
    char attachment_filename[128];
    char attachment_content_type[64];
    int64_t attachment_size;
    char attachment_sha256[65];
    int64_t created_at;
};

/* A file sent in a chat (chat_files): the bytes are the content-addressed blob sha256
 * under DATA_DIR/attachments, shared with ticket attachments. */
struct chat_file_rec {
    int64_t id;
    int64_t chat_id;
    int64_t uploader_id;
    char sha256[65];
    char filename[128];
    char content_type[64];
    int64_t size;
    int64_t created_at;
};

/* A chat search (store_chat_search): 0 / NULL fields do not filter. */
struct chat_search {
    const char *text;      /* in message bodies, the customer's name or email */
    int include_notes;     /* text also matches internal notes */
    const char *status;    /* queued, active, ended, converted */
    int64_t department_id; /* one department */
    int64_t customer_id;   /* one customer's chats */
    int64_t before_id;     /* cursor: chats with a smaller id */
    int limit;
};

/* An agent who can take chats, with their load. */
struct chat_agent_rec {
    int64_t id;
    char name[FD_NAME_MAX + 1];
    int capacity;
    int active; /* chats assigned now (status active) */
    int64_t last_assigned_at;
};

/* One business-hours range of a department (minutes in the department's offset). */
struct dept_hours_rec {
    int day; /* 0 = Sunday */
    int open_min, close_min;
    int offset_min; /* minutes east of UTC */
};

#define FD_NSTATUS 6
/* "new", "open", "pending", "on_hold", "solved", "closed": index = status number. */
extern const char *const fd_ticket_statuses[FD_NSTATUS];
/* Returns the index of a status name, or -1. */
int fd_status_index(const char *s);

const char *fd_role_name(enum fd_role r);
/* Returns 0 and sets *out, or FD_EINVAL. */
int fd_role_parse(const char *s, enum fd_role *out);

#endif
