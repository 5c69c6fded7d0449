/* The status record.  The agent owns one struct status and updates it as
 * things happen (probe reports, cycles, state changes); what it cannot keep
 * current cheaply (link, streaks, hold-down) it copies in just before
 * rendering.  This file keeps the record, its stable keys and the "drain
 * --wait" condition; it renders nothing (status_text.c, status_json.c and
 * metrics.c do), reads no clock and does no I/O. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "text.h"

static const char *const state_names[STATUS_STATE_MAX] = {
	[STATUS_WITHDRAWN] = "withdrawn",
	[STATUS_ANNOUNCED] = "announced",
	[STATUS_DRAINED] = "drained",
	[STATUS_DEGRADED] = "degraded",
};

static const char *const reason_keys[STATUS_REASON_MAX] = {
	[STATUS_REASON_FALL] = "fall",
	[STATUS_REASON_RISE] = "rise",
	[STATUS_REASON_DRAIN] = "drain",
	[STATUS_REASON_UNDRAIN] = "undrain",
	[STATUS_REASON_GUARD] = "guard",
};

/* Stable keys for JSON and metric labels, independent of the human strings
 * of probe_result_str(), which may be reworded. */
static const char *const result_keys[PROBE_RESULT_MAX] = {
	[PROBE_OK] = "ok",
	[PROBE_TIMEOUT] = "timeout",
	[PROBE_REFUSED] = "refused",
	[PROBE_RCODE] = "rcode",
	[PROBE_NOT_AUTH] = "not_authoritative",
	[PROBE_NO_ANSWER] = "no_answer",
	[PROBE_MALFORMED] = "malformed",
	[PROBE_TRUNCATED] = "truncated",
	[PROBE_SOCKET_ERROR] = "socket_error",
	[PROBE_NO_RECURSION] = "no_recursion",
	[PROBE_NOT_VALIDATED] = "not_validated",
};
_Static_assert(PROBE_RESULT_MAX == 11, "update result_keys for new results");

/* Probe latency bucket bounds: a local DNS server answers in well under a
 * millisecond; timeouts are hundreds of milliseconds. */
static const uint64_t bucket_le_us[STATUS_LAT_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 500000,
	UINT64_MAX
};

const char *
status_state_str(enum status_state s)
{
	return (unsigned)s < STATUS_STATE_MAX ? state_names[s] : "unknown";
}

const char *
status_reason_key(enum status_reason r)
{
	return (unsigned)r < STATUS_REASON_MAX ? reason_keys[r] : "unknown";
}

const char *
status_result_key(enum probe_result r)
{
	return (unsigned)r < PROBE_RESULT_MAX ? result_keys[r] : "unknown";
}

uint64_t
status_bucket_le_us(int i)
{
	return i >= 0 && i < STATUS_LAT_BUCKETS ? bucket_le_us[i] : UINT64_MAX;
}

static const struct {
	unsigned	 flag;
	const char	*name;
} if_flags[] = {
	{ IFF_UP, "UP" }, { IFF_BROADCAST, "BROADCAST" },
	{ IFF_LOOPBACK, "LOOPBACK" }, { IFF_POINTOPOINT, "POINTOPOINT" },
	{ IFF_NOARP, "NOARP" }, { IFF_MULTICAST, "MULTICAST" },
	{ IFF_RUNNING, "LOWER_UP" },
};
_Static_assert(sizeof(if_flags) / sizeof(if_flags[0]) <= STATUS_IF_FLAGS_MAX,
    "STATUS_IF_FLAGS_MAX too small");

size_t
status_if_flags(unsigned flags, const char *names[STATUS_IF_FLAGS_MAX])
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(if_flags) / sizeof(if_flags[0]); i++)
		if (flags & if_flags[i].flag)
			names[n++] = if_flags[i].name;
	return n;
}

uint64_t
status_age_us(const struct status_clock *c, uint64_t mono_us)
{
	return c->mono_us > mono_us ? c->mono_us - mono_us : 0;
}

int64_t
status_wall_us(const struct status_clock *c, uint64_t mono_us)
{
	return c->wall_us - (int64_t)status_age_us(c, mono_us);
}

void
status_init(struct status *s, const char *version, pid_t pid, uint64_t now_us)
{
	memset(s, 0, sizeof(*s));
	s->version = version;
	s->pid = pid;
	s->started_us = now_us;
	s->since_us = now_us;
}

void
status_free(struct status *s)
{
	free(s->probes);
	s->probes = NULL;
	s->nprobes = s->probes_alloc = 0;
}

/* Room for n probes; new slots are zero.  It never shrinks: a reload that
 * drops probes keeps the room for the next one that adds them back. */
static int
probes_reserve(struct status *s, int n)
{
	struct status_probe *p;

	if (n <= s->probes_alloc)
		return 0;
	if ((p = reallocarray(s->probes, (size_t)n, sizeof(*p))) == NULL)
		return -1;
	memset(p + s->probes_alloc, 0,
	    (size_t)(n - s->probes_alloc) * sizeof(*p));
	s->probes = p;
	s->probes_alloc = n;
	return 0;
}

int
status_set_probe(struct status *s, int i, const char *name, const char *target)
{
	struct status_probe keep, *p;
	int j;

	if (i < 0 || i == INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (probes_reserve(s, i + 1) == -1)
		return -1;
	p = &s->probes[i];
	if (strcmp(p->name, name) != 0) {
		memset(&keep, 0, sizeof(keep));
		/* A probe that moved in the list keeps its counters. */
		for (j = 0; j < s->nprobes; j++)
			if (strcmp(s->probes[j].name, name) == 0) {
				keep = s->probes[j];
				break;
			}
		/* Its old slot may be read later in this reload; keep the
		 * swap symmetric so no counter is lost or duplicated. */
		if (j < s->nprobes)
			s->probes[j] = *p;
		*p = keep;
		text_copy(p->name, sizeof(p->name), name);
	}
	text_copy(p->target, sizeof(p->target), target);
	return 0;
}

int
status_set_nprobes(struct status *s, int n)
{
	int rc = 0;

	if (n < 0)
		n = 0;
	if (probes_reserve(s, n) == -1) {
		n = s->probes_alloc;
		rc = -1;
	}
	if (n < s->probes_alloc)
		memset(&s->probes[n], 0,
		    (size_t)(s->probes_alloc - n) * sizeof(s->probes[0]));
	s->nprobes = n;
	return rc;
}

void
status_probe_record(struct status *s, int i, enum probe_result r,
    uint64_t latency_us, const char *detail, uint64_t now_us)
{
	struct status_probe *p;
	int b;

	if (i < 0 || i >= s->nprobes || (unsigned)r >= PROBE_RESULT_MAX)
		return;
	p = &s->probes[i];
	p->ran = true;
	p->last = r;
	p->latency_us = latency_us;
	p->at_us = now_us;
	text_copy(p->detail, sizeof(p->detail),
	    detail != NULL ? detail : "");
	p->results[r]++;
	for (b = 0; b < STATUS_LAT_BUCKETS - 1; b++)
		if (latency_us <= bucket_le_us[b])
			break;
	p->buckets[b]++;
	p->lat_sum_us += latency_us;
	p->lat_count++;
}

void
status_cycle_done(struct status *s, bool good, uint64_t start_us,
    uint64_t end_us)
{
	s->cycles++;
	s->cycle_good = good;
	s->cycle_at_us = end_us;
	s->cycle_dur_us = end_us >= start_us ? end_us - start_us : 0;
}

void
status_transition(struct status *s, enum status_state st,
    enum status_reason r, const char *text, uint64_t now_us)
{
	s->state = st;
	s->since_us = now_us;
	text_copy(s->reason, sizeof(s->reason), text != NULL ? text : "");
	if ((unsigned)r < STATUS_REASON_MAX)
		s->transitions[r]++;
}

/* The condition, in words that may quote BIRD (its error, a protocol's
 * name). */
static bool
withdrawn(const struct status *s, char *why, size_t whylen)
{
	char w[192];

	if (s->link == NL_UP) {
		snprintf(why, whylen, "%s is still up",
		    s->ifname[0] ? s->ifname : "the interface");
		return false;
	}
	if (s->graceful && s->gs_link == NL_UP) {
		snprintf(why, whylen, "%s is still up (degraded)", s->gs_ifname);
		return false;
	}
	if (s->bird_socket == NULL) {
		snprintf(why, whylen, "%s is %s; BIRD not configured, "
		    "only the link was checked", s->ifname,
		    nl_state_str(s->link));
		return true;
	}
	if (s->bird == NULL || s->bird->polled_us == 0 ||
	    s->bird->polled_us < s->since_us) {
		snprintf(why, whylen, "waiting for a BIRD poll after the "
		    "withdrawal");
		return false;
	}
	if (!s->bird->reachable) {
		snprintf(why, whylen, "BIRD unreachable: %s", s->bird->error);
		return false;
	}
	if (bird_view_exports(s->bird, w, sizeof(w))) {
		snprintf(why, whylen, "%s", w);
		return false;
	}
	snprintf(why, whylen, "%s is %s and BIRD exports no anycast prefix",
	    s->ifname, nl_state_str(s->link));
	return true;
}

/* why goes to anycastctl's terminal as it is, so what BIRD said is
 * sanitised here, once, for every reader. */
bool
status_withdrawn(const struct status *s, char *why, size_t whylen)
{
	char raw[512];
	bool done;

	done = withdrawn(s, raw, sizeof(raw));
	text_scrub(why, whylen, raw);
	return done;
}
