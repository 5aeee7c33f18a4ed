#include "records.h"

#include "../core/err.h"

#include <string.h>

const char *const fd_ticket_statuses[FD_NSTATUS] = {"new",     "open",   "pending",
                                                    "on_hold", "solved", "closed"};

int fd_status_index(const char *s)
{
    for (int i = 0; i < FD_NSTATUS; i++)
        if (strcmp(s, fd_ticket_statuses[i]) == 0)
            return i;
    return -1;
}

static const char *const roles[] = {"customer", "agent", "supervisor", "admin"};

const char *fd_role_name(enum fd_role r)
{
    return (unsigned)r < 4 ? roles[r] : "unknown";
}

int fd_role_parse(const char *s, enum fd_role *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, roles[i]) == 0) {
            *out = (enum fd_role)i;
            return 0;
        }
    }
    return FD_EINVAL;
}
