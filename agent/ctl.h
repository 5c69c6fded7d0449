/* The control socket's server side (ctl.c): accepts connections, reads one
 * request line, hands it to a handler and writes the reply.  The protocol is
 * in ctl_proto.h.  The module knows nothing of what commands mean: a handler
 * does. */
#ifndef ANYCASTD_CTL_H
#define ANYCASTD_CTL_H

#include <stdio.h>
#include <sys/types.h>

#include "ctl_proto.h"

struct loop;
struct ctl;

struct ctl_peer {
	pid_t	pid;
	uid_t	uid;
	gid_t	gid;
};

/* Handles one request: returns a ctl_code and writes the body to out (for
 * an error, one line saying why).  args is "" when there is none. */
typedef int ctl_handler(void *arg, const char *cmd, const char *args,
    const struct ctl_peer *, FILE *out);

/* Listens on path, holding the lock PATH.lock while it does.  A stale
 * socket is replaced; another anycastd (the lock is held, or someone
 * answers) makes this fail with EADDRINUSE, a non-socket file there with
 * EEXIST, a directory that others could write to (not sticky and ours) or
 * owned by someone else with EPERM.  group NULL: mode 0600 (root only),
 * else 0660 and that group (ENOENT if it does not exist).  NULL on
 * failure, after logging. */
struct ctl	*ctl_new(struct loop *, const char *path, const char *group,
		    ctl_handler *, void *arg);
/* Closes every connection and removes the socket if it is still ours. */
void		 ctl_free(struct ctl *);
const char	*ctl_code_text(int code);

#endif
