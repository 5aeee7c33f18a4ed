#ifndef FD_SAFETY_CLAMD_H
#define FD_SAFETY_CLAMD_H
/*
 * Virus scanning of uploaded and mailed files through a running clamd (ClamAV's
 * daemon), with its INSTREAM command over a UNIX socket or TCP. docs/security-attachments.md.
 *
 * When no socket is configured, nothing is scanned (safety_clamd_scan returns 0). When
 * one is, a file is kept only if clamd answers "OK". When clamd cannot be reached (or
 * answers an error, e.g. a file over its StreamMaxLength), the file is refused with
 * FD_EUNAVAIL unless fail-open was configured, in which case it is kept and a warning is
 * logged.
 *
 * Non-goals: scanning archives ourselves (clamd does), a local libclamav (a daemon keeps
 * the signature database loaded once for every process).
 *
 * Threads: configure once at start-up before any thread scans; scanning is thread-safe
 * (one connection per scan).
 */
#include <stddef.h>

struct fd_error;
struct mail_parsed;

#define SAFETY_VIRUS_NAME_MAX 192

/*
 * Sets the clamd socket: "/path/to/clamd.ctl" (UNIX), or "host:port" / "tcp://host:port".
 * "" or NULL turns scanning off. fail_open: 1 keeps files when clamd is unavailable.
 * timeout_ms bounds connect, send and the answer. Returns 0 or FD_EINVAL (bad spec).
 */
int safety_clamd_configure(const char *socket_spec, int fail_open, long timeout_ms,
                           struct fd_error *err);

/* Whether a socket is configured. */
int safety_clamd_enabled(void);

/*
 * Scans len bytes. Returns 0 when clean (or scanning is off, or clamd is unavailable
 * and fail-open is set); FD_EINFECTED when clamd found something (err's message names
 * it, and virus, if non-NULL, gets the signature name); FD_EUNAVAIL when clamd cannot be
 * reached or answered with an error and fail-open is not set. data is borrowed.
 */
int safety_clamd_scan(const void *data, size_t len, char *virus, size_t virus_len,
                      struct fd_error *err);

/*
 * Checks every attachment of a parsed mail before the intake transaction: clamd (when
 * configured) and the sniffed type (executables are never kept). refused[i] gets why
 * attachment i must not be kept ("the virus scanner found X", "it is an executable
 * program (type)"), or "" when it may be. Returns 0, or FD_EUNAVAIL (clamd unavailable
 * and not fail-open: the message should be retried later).
 */
int safety_clamd_scan_mail(const struct mail_parsed *m, char (*refused)[SAFETY_VIRUS_NAME_MAX],
                           struct fd_error *err);

/* Whether a sniffed MIME type is a program, installer or script (ELF, PE, Mach-O, MSI,
 * shell and batch scripts, Java archives, ...). */
int safety_file_is_executable(const char *mime);

#endif
