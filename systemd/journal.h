/* anycastd's transitions as structured journal entries (sd_journal_sendv,
 * the native protocol of systemd-journald).  The agent decides that
 * something happened and how to word it; this leaf only reports it, with a
 * fixed MESSAGE_ID per kind of event (listed in anycastd(8)) and the
 * ANYCASTD_* fields, so that `journalctl MESSAGE_ID=...` or
 * `journalctl ANYCASTD_STATE=withdrawn` finds every one. */
#ifndef ANYCASTD_JOURNAL_H
#define ANYCASTD_JOURNAL_H

#include <stddef.h>
#include <sys/uio.h>

enum journal_kind {
	JOURNAL_WITHDRAWN = 0,
	JOURNAL_ANNOUNCED,
	JOURNAL_DEGRADED,
	JOURNAL_DRAINED,
	JOURNAL_UNDRAINED,
	JOURNAL_RELOAD_OK,
	JOURNAL_RELOAD_FAILED,
	JOURNAL_LINK_FOUGHT,
	JOURNAL_KIND_MAX,
};

/* One event.  Strings may be NULL (the field is then left out); they go
 * out as they are (the agent scrubs what came from outside). */
struct journal_event {
	enum journal_kind	 kind;
	int			 priority;	/* syslog(3) LOG_* */
	const char		*message;	/* MESSAGE=, the line stderr would get */
	const char		*state;		/* ANYCASTD_STATE: announced, degraded, withdrawn */
	const char		*reason;	/* ANYCASTD_REASON */
	const char		*probe;		/* ANYCASTD_PROBE: failing probes, "a,b" */
	const char		*interface;	/* ANYCASTD_INTERFACE */
	const char		*instance;	/* ANYCASTD_INSTANCE; NULL: the default */
};

#define JOURNAL_FIELDS_MAX	11
#define JOURNAL_BUF_MAX		4096

/* The kind's MESSAGE_ID (32 lower-case hex digits) and its name
 * ("withdrawn", "reload-failed"); NULL for an unknown kind. */
const char	*journal_kind_id(enum journal_kind);
const char	*journal_kind_str(enum journal_kind);

/* Pure: lays out the entry's "FIELD=value" strings in buf and points iov
 * at them (at most JOURNAL_FIELDS_MAX).  The number of fields, or -1 for
 * an unknown kind or a buffer too small. */
int		 journal_format(const struct journal_event *, char *buf,
		    size_t size, struct iovec *iov, int niov);

/* Sends one entry to journald.  0, or -1 with errno set (the caller logs
 * the line some other way). */
int		 journal_send(const struct journal_event *);

#endif
