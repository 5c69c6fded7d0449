/* sd_notify(3) for anycastd: readiness, status, watchdog.  Outside systemd
 * (no NOTIFY_SOCKET) every call is a cheap no-op. */
#ifndef ANYCASTD_NOTIFY_H
#define ANYCASTD_NOTIFY_H

#include <stdint.h>

struct notify;

struct notify	*notify_new(void);
void		 notify_free(struct notify *);
/* WATCHDOG_USEC for this process, or 0 when no watchdog is requested. */
uint64_t	 notify_watchdog_usec(const struct notify *);
void		 notify_ready(struct notify *);
void		 notify_reloading(struct notify *);
void		 notify_stopping(struct notify *);
void		 notify_watchdog(struct notify *);
/* Sends STATUS= only when the text differs from the last one sent. */
void		 notify_status(struct notify *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
