/* The control socket: a Unix stream socket that anycastctl talks to.
 *
 * Protocol, version 1.  The client connects, sends one request line and
 * reads one reply; the server closes the connection after the reply.
 *
 *   request  = "anycastd/1" SP command [SP argument] LF
 *   reply    = "anycastd/1" SP code SP text LF body
 *
 * The request is at most CTL_REQUEST_MAX bytes including the LF and holds no
 * control characters; command is lower-case letters and '-'; argument is the
 * rest of the line, verbatim.  code is one of the CTL_* values below (HTTP-
 * like: 2xx success, 4xx the request's fault, 5xx the server's), text a fixed
 * word or two for it.  On success the body is the command's output; on
 * failure it is one line saying why.  A client that sends nothing, sends too
 * much or does not read its reply is disconnected after CTL_TIMEOUT_MS.
 * A connection beyond the limits below gets "anycastd/1 503 busy" at once,
 * before its request is read, and then EOF: it was not acted upon, so the
 * client may send the same request again.
 * Access is controlled by the socket's mode (0660, group control_group) or
 * 0600 root only; every request carries the caller's SO_PEERCRED.
 *
 * This header is all that anycastctl shares with the daemon. */
#ifndef ANYCASTD_CTL_PROTO_H
#define ANYCASTD_CTL_PROTO_H

#include <stdbool.h>
#include <string.h>

#define CTL_VERSION		"anycastd/1"
#define CTL_DEFAULT_SOCKET	"/run/anycastd/anycastd.sock"

/* Instances (anycastd@NAME.service, anycastd -i NAME) listen on
 * CTL_RUN_DIR/NAME/CTL_SOCKET_NAME; the default instance (anycastd.service)
 * on CTL_DEFAULT_SOCKET.  anycastctl finds instances by these paths. */
#define CTL_RUN_DIR		"/run/anycastd"
#define CTL_SOCKET_NAME		"anycastd.sock"
#define CTL_INSTANCE_MAX	64
#define CTL_INSTANCE_MAX_STR	"64"
#define CTL_REQUEST_MAX		4096
#define CTL_TIMEOUT_MS		2000
/* Connections served at once: at most CTL_MAX_PER_UID per uid, and the
 * last CTL_RESERVED only to root (and the daemon's own uid), so that a drain
 * run as root gets through whatever the control group's members hold.  A
 * connection beyond these is answered CTL_BUSY before its request is read,
 * and the client may retry (anycastctl does, within its timeout). */
#define CTL_MAX_CLIENTS		32
#define CTL_MAX_PER_UID		8
#define CTL_RESERVED		8
#define CTL_MAX_REFUSED		64

enum ctl_code {
	CTL_OK = 200,
	CTL_BAD_REQUEST = 400,	/* malformed request line */
	CTL_NOT_FOUND = 404,	/* unknown command */
	CTL_CONFLICT = 409,	/* refused in the current state */
	CTL_TOO_LARGE = 413,	/* request longer than CTL_REQUEST_MAX */
	CTL_FAILED = 500,	/* the server could not do it */
	CTL_BUSY = 503,		/* too many clients at once: retry */
	CTL_BAD_VERSION = 505,	/* not "anycastd/1" */
};

/* An instance name: [A-Za-z0-9_.-]{1,64}, not starting with '.', so that
 * it is one path component and one systemd instance string as it is. */
static inline bool
ctl_instance_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CTL_INSTANCE_MAX || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

#endif
