/* The transitions operators search for afterwards: withdrawn, announced,
 * degraded, drained, undrained, reload ok or failed, a link fought over.
 * The agent has decided; this file words the line once and says where it
 * goes.  Under systemd (stderr is the journal: JOURNAL_STREAM names it, see
 * log.c) the line goes to journald natively, with a MESSAGE_ID per kind and
 * the ANYCASTD_* fields (systemd/journal.c), and not also to stderr, which
 * would only log it twice.  Elsewhere, or if journald refuses the entry, it
 * is the plain log line it always was. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent_priv.h"
#include "conf.h"
#include "fleet.h"
#include "journal.h"
#include "log.h"
#include "probe.h"
#include "text.h"

/* The probes that failed their last query, "a,b", for ANYCASTD_PROBE;
 * NULL when none did. */
static const char *
failing_probes(const struct agent *a, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < a->nslots && off < len; i++) {
		const struct slot *s = &a->slots[i];

		if (!s->have || s->last.result == PROBE_OK)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off ? "," : "", probe_name(s->probe));
	}
	return buf[0] != '\0' ? buf : NULL;
}

void
event_say(struct agent *a, const struct event *ev, const char *fmt, ...)
{
	char raw[1024], msg[1024], reason[600], probes[256];
	const char *probe;
	struct journal_event je;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (a->journal) {
		/* What leaves the process is scrubbed, as log.c does. */
		probe = ev->probe != NULL ? ev->probe :
		    ev->kind == JOURNAL_WITHDRAWN || ev->kind == JOURNAL_DEGRADED ?
		    failing_probes(a, probes, sizeof(probes)) : NULL;
		memset(&je, 0, sizeof(je));
		je.kind = ev->kind;
		je.priority = ev->priority;
		je.message = text_scrub(msg, sizeof(msg), raw);
		je.state = fleet_target_str(a->fleet.target);
		je.reason = ev->reason != NULL ? text_scrub(reason,
		    sizeof(reason), ev->reason) : NULL;
		/* Probe, interface and instance names are checked by the
		 * config parser: nothing to scrub. */
		je.probe = probe;
		je.interface = ev->interface != NULL ? ev->interface :
		    a->conf->interface;
		je.instance = a->conf->instance;
		if (journal_send(&je) == 0)
			return;
		log_rl_warn(&a->rl_journal, "journal: cannot send; logging "
		    "to stderr");
	}
	log_at(ev->priority, "%s", raw);
}
