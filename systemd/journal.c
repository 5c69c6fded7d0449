/* Structured journal entries for anycastd's transitions.  Only what is
 * sent is decided here (the fields and their layout); whether an event
 * happened, and whether the journal is the place for it, is the agent's
 * business.  MESSAGE_IDs are fixed forever: operators' queries, alerts and
 * journald catalogs key on them.  Generated once with Python's uuid4. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-journal.h>

#include "journal.h"

static const struct {
	const char	*name;
	const char	*id;
} kinds[JOURNAL_KIND_MAX] = {
	[JOURNAL_WITHDRAWN] = { "withdrawn", "f0f70a3a83c7492dad24d487c89bab2b" },
	[JOURNAL_ANNOUNCED] = { "announced", "5d32a7bfb54c496e81bf679b28e581ea" },
	[JOURNAL_DEGRADED] = { "degraded", "77908569e687429ca1e17f861dd12c7a" },
	[JOURNAL_DRAINED] = { "drained", "c6275712295e4941902ac773b1373308" },
	[JOURNAL_UNDRAINED] = { "undrained", "189fa154b9e747b09bb721677e5f6dc3" },
	[JOURNAL_RELOAD_OK] = { "reload-ok", "f7c2a01a7b12490cbf3818e911a4cada" },
	[JOURNAL_RELOAD_FAILED] = { "reload-failed",
	    "ec9b7caf328a48059ed5ab4e933e5565" },
	[JOURNAL_LINK_FOUGHT] = { "link-fought",
	    "24c0238287e14bf6942c9cead762ebab" },
};

const char *
journal_kind_id(enum journal_kind k)
{
	return (unsigned)k < JOURNAL_KIND_MAX ? kinds[k].id : NULL;
}

const char *
journal_kind_str(enum journal_kind k)
{
	return (unsigned)k < JOURNAL_KIND_MAX ? kinds[k].name : NULL;
}

/* Appends "key=value" as one field (NUL-terminated in buf, the NUL not
 * counted in the iovec); -1 when full. */
static int
put(char *buf, size_t size, size_t *off, struct iovec *iov, int niov, int *n,
    const char *key, const char *value)
{
	int w;

	if (value == NULL)
		return 0;
	if (*n >= niov || *off >= size)
		return -1;
	w = snprintf(buf + *off, size - *off, "%s=%s", key, value);
	if (w < 0 || (size_t)w >= size - *off)
		return -1;
	iov[*n].iov_base = buf + *off;
	iov[*n].iov_len = (size_t)w;
	*off += (size_t)w + 1;
	(*n)++;
	return 0;
}

int
journal_format(const struct journal_event *ev, char *buf, size_t size,
    struct iovec *iov, int niov)
{
	char pri[4];
	size_t off = 0;
	int n = 0;

	if ((unsigned)ev->kind >= JOURNAL_KIND_MAX || size == 0 ||
	    ev->priority < 0 || ev->priority > 7)
		return -1;
	snprintf(pri, sizeof(pri), "%d", ev->priority);
	if (put(buf, size, &off, iov, niov, &n, "MESSAGE", ev->message ?
	    ev->message : kinds[ev->kind].name) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "MESSAGE_ID",
	    kinds[ev->kind].id) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "PRIORITY", pri) == -1 ||
	    /* What the stderr lines of the unit carry, so that -t finds both. */
	    put(buf, size, &off, iov, niov, &n, "SYSLOG_IDENTIFIER",
	    "anycastd") == -1 ||
	    put(buf, size, &off, iov, niov, &n, "ANYCASTD_EVENT",
	    kinds[ev->kind].name) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "ANYCASTD_STATE",
	    ev->state) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "ANYCASTD_REASON",
	    ev->reason) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "ANYCASTD_PROBE",
	    ev->probe) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "ANYCASTD_INTERFACE",
	    ev->interface) == -1 ||
	    put(buf, size, &off, iov, niov, &n, "ANYCASTD_INSTANCE",
	    ev->instance) == -1)
		return -1;
	return n;
}

int
journal_send(const struct journal_event *ev)
{
	struct iovec iov[JOURNAL_FIELDS_MAX];
	char buf[JOURNAL_BUF_MAX];
	int n, rc;

	if ((n = journal_format(ev, buf, sizeof(buf), iov, JOURNAL_FIELDS_MAX))
	    == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = sd_journal_sendv(iov, n)) < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
