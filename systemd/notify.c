/* Talks to systemd through sd_notify(3): READY, RELOADING, STOPPING,
 * WATCHDOG and STATUS.  It only reports; when to send what is decided by the
 * agent.  Outside systemd there is no NOTIFY_SOCKET and libsystemd turns
 * every call into a no-op, so the daemon runs the same in a terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "notify.h"

struct notify {
	uint64_t	watchdog_usec;
	char		status[256];
};

struct notify *
notify_new(void)
{
	struct notify *n;
	uint64_t usec = 0;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	/* unset_environment = 0: keep WATCHDOG_USEC visible for a reload
	 * that re-reads it; we never fork children that could misuse it. */
	if (sd_watchdog_enabled(0, &usec) > 0)
		n->watchdog_usec = usec;
	return n;
}

void
notify_free(struct notify *n)
{
	free(n);
}

uint64_t
notify_watchdog_usec(const struct notify *n)
{
	return n->watchdog_usec;
}

void
notify_ready(struct notify *n)
{
	(void)n;
	(void)sd_notify(0, "READY=1");
}

void
notify_reloading(struct notify *n)
{
	(void)n;
	(void)sd_notify(0, "RELOADING=1");
}

void
notify_stopping(struct notify *n)
{
	(void)n;
	(void)sd_notify(0, "STOPPING=1");
}

void
notify_watchdog(struct notify *n)
{
	(void)n;
	(void)sd_notify(0, "WATCHDOG=1");
}

void
notify_status(struct notify *n, const char *fmt, ...)
{
	char buf[sizeof(n->status)], msg[sizeof(n->status) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, n->status) == 0)
		return;
	memcpy(n->status, buf, sizeof(buf));
	snprintf(msg, sizeof(msg), "STATUS=%s", buf);
	(void)sd_notify(0, msg);
}
