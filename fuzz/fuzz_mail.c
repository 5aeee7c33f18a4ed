/*
 * libFuzzer target for MIME intake: raw bytes -> mail_parse -> mail_parsed_release.
 * Build and run: see fuzz/README.md. Every crash it finds becomes a unit test in
 * tests/unit/test_mail_parse.c.
 */
#include "mail/mail.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mail_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mail_parsed m;
    if (mail_parse((const char *)data, size, &m) != 0)
        abort();
    /* Invariants every caller relies on. */
    if (!m.message_id || !*m.message_id || !m.text || !m.subject || !m.from.email || !m.from.name ||
        m.nattachments > MAIL_MAX_ATTACHMENTS || m.nrecipients > MAIL_MAX_ADDRS ||
        m.nreferences > MAIL_MAX_REFS)
        abort();
    /* Touch every byte handed out so ASan sees any bad length. */
    volatile size_t sum = strlen(m.text) + strlen(m.subject);
    for (int i = 0; i < m.nattachments; i++)
        for (size_t k = 0; k < m.attachments[i].len; k++)
            sum += m.attachments[i].data[k];
    (void)sum;
    mail_parsed_release(&m);
    return 0;
}
