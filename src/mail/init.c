/*
 * mail_init / mail_shutdown: the process-wide set-up of the libraries the email channel
 * uses. GMime keeps global tables (charsets, iconv cache, the GObject types) and libcurl
 * has a global init that is not thread-safe, so both are done exactly once, before any
 * thread parses, composes or sends mail.
 */
#include "mail/mail.h"

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <pthread.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int initialised;

static void init_libraries(void)
{
    g_mime_init();
    /* A failure here only means SMTP/IMAP will fail later with a clear error; parsing
     * does not need libcurl. */
    (void)curl_global_init(CURL_GLOBAL_DEFAULT);
    initialised = 1;
}

void mail_init(void)
{
    pthread_once(&init_once, init_libraries);
}

void mail_shutdown(void)
{
    if (!initialised)
        return;
    initialised = 0;
    g_mime_shutdown();
    curl_global_cleanup();
}
