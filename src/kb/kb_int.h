#ifndef FD_KB_INT_H
#define FD_KB_INT_H
/* Declarations shared by the kb module's files (kb.c, import.c). */
#include "kb.h"

int kb__check_slug(const char *s, const char *field, struct fd_error *err);
int kb__check_locale(const char *s, struct fd_error *err);
/* Inside an open write transaction: */
int kb__article_create_locked(struct db *db, const struct auth_actor *a,
                              const struct kb_article_input *in, struct kb_article_rec *out,
                              struct fd_error *err);
/* Creates or updates (new revision) by locale + slug, as the system (import). */
int kb__article_put_locked(struct db *db, const struct kb_article_input *in, struct fd_error *err);

#endif
