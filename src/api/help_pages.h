#ifndef FD_API_HELP_PAGES_H
#define FD_API_HELP_PAGES_H
/*
 * The help center's server-rendered pages: /help, /help/{category},
 * /help/{category}/{section}, /help/articles/{slug} (and its vote form),
 * /help/search and /help/faq. They are plain HTML that reads without JavaScript;
 * /static/help.js only adds suggestions as you type.
 *
 * Every page uses one database connection for the whole request and a bounded number
 * of queries. Text from the database is HTML-escaped on output; the article body is
 * kb_render()'s HTML and search snippets are the search module's escaped HTML, both
 * safe by construction.
 */

/* Registers the page routes with the HTTP router; call before http_server_start. */
void api_help_register(void);

#endif
