/* A cycle: every probe is started at once; when the last one has reported,
 * the cycle is judged (good, bad, or refused: hard evidence), the pure
 * policy in health.c decides, and the link is made to match (agent_link.c).
 * Publishing waits for the end of the loop turn (publish() in agent.c).
 *
 * The kernel's socket events (netlink/sockdiag.c) start a cycle at once
 * when a listener of a probed server is destroyed; an event never decides
 * anything by itself. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agent_priv.h"
#include "bird.h"
#include "bird_check.h"
#include "conf.h"
#include "ctl.h"
#include "dns.h"
#include "drain.h"
#include "duration.h"
#include "health.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "prefix.h"
#include "probe.h"
#include "sockdiag.h"
#include "status.h"
#include "store.h"
#include "sweep.h"

/* BIRD is polled on its own clock: fast enough for "drain --wait" and the
 * status, slow enough to cost BIRD nothing. */
#define BIRD_POLL_US		1000000u
#define BIRD_TIMEOUT_US		2000000u

struct agent;


/* --- probes ------------------------------------------------------------ */

/* named has several listeners per address (SO_REUSEPORT, and one per
 * family) and they die within about 50 us of each other.  A probe sent on
 * the first event can still reach a sibling that is dying, and be lost
 * without an ICMP error: a whole timeout instead of a refusal (seen in 2 of
 * 50 lab runs without it, none in 60 with it; a 1 ms wait still lost one
 * probe of 50 in the benchmark). */
#define EVENT_SETTLE_US	2000u

/* How the cycle went, and for a bad one the first failures' details. */
static enum health_cycle
cycle_judge(const struct agent *a, char *reason, size_t len)
{
	enum health_cycle cycle = HEALTH_CYCLE_GOOD;
	size_t off = 0;
	int i, bad = 0;

	reason[0] = '\0';
	for (i = 0; i < a->nslots; i++) {
		const struct slot *s = &a->slots[i];

		if (s->last.result == PROBE_OK)
			continue;
		/* One server refusing is hard evidence, whatever the others
		 * say: the cycle fails either way. */
		if (s->last.result == PROBE_REFUSED)
			cycle = HEALTH_CYCLE_REFUSED;
		else if (cycle == HEALTH_CYCLE_GOOD)
			cycle = HEALTH_CYCLE_BAD;
		if (bad++ < 4 && off < len)
			off += (size_t)snprintf(reason + off, len - off,
			    ", probe %s: %s", probe_name(s->probe), s->last.detail);
	}
	/* Too many stale zones: every cycle is bad while it lasts. */
	if (a->sweep != NULL && off + 3 < len &&
	    sweep_failing(a->sweep, reason + off + 2, len - off - 2)) {
		memcpy(reason + off, ", ", 2);
		if (cycle == HEALTH_CYCLE_GOOD)
			cycle = HEALTH_CYCLE_BAD;
	}
	return cycle;
}

/* The status's state and the counted reason of a change to target t. */
static void
status_of(const struct agent *a, enum fleet_target t, enum status_state *st,
    enum status_reason *r)
{
	static const enum status_state states[FLEET_TARGET_MAX] = {
		[FLEET_ANNOUNCED] = STATUS_ANNOUNCED,
		[FLEET_DEGRADED] = STATUS_DEGRADED,
		[FLEET_WITHDRAWN] = STATUS_WITHDRAWN,
	};

	*st = a->health.drained ? STATUS_DRAINED : states[t];
	switch (a->fleet.why) {
	case FLEET_WHY_HEALTHY:
		*r = STATUS_REASON_RISE;
		break;
	case FLEET_WHY_DRAINED:
		*r = STATUS_REASON_DRAIN;
		break;
	case FLEET_WHY_FAILED:
	case FLEET_WHY_SHORT:
	case FLEET_WHY_CONFIRMING:
	case FLEET_WHY_HOLD:
		*r = STATUS_REASON_FALL;
		break;
	default:
		*r = a->health.drained ? STATUS_REASON_DRAIN :
		    STATUS_REASON_GUARD;
		break;
	}
}

/* The log line and the status of a change, with how long the node had
 * been in the state it leaves.  reason says what happened; without one, the
 * fleet policy's own words do. */
static void
say_change(struct agent *a, enum fleet_target before, enum fleet_target t,
    uint64_t since, const char *reason, bool quiet, uint64_t now)
{
	char dur[DUR_FMT_MAX], text[700], peers[64] = "";
	enum status_state st;
	enum status_reason r;
	const char *why = fleet_why_str(a->fleet.why);

	dur_fmt_us(now - since, dur, sizeof(dur));
	if (a->fleet.p.guard && t != FLEET_ANNOUNCED)
		snprintf(peers, sizeof(peers), "; %d healthy peer%s%s",
		    a->healthy_peers, a->healthy_peers == 1 ? "" : "s",
		    a->fleet_known ? "" : " (fleet view unknown)");
	if (reason != NULL && t == FLEET_DEGRADED)
		snprintf(text, sizeof(text), "%s; %s%s", reason, why, peers);
	else if (reason != NULL)
		snprintf(text, sizeof(text), "%s", reason);
	else
		snprintf(text, sizeof(text), "%s%s", why, peers);
	if (!quiet) {
		static const enum journal_kind kinds[FLEET_TARGET_MAX] = {
			[FLEET_ANNOUNCED] = JOURNAL_ANNOUNCED,
			[FLEET_DEGRADED] = JOURNAL_DEGRADED,
			[FLEET_WITHDRAWN] = JOURNAL_WITHDRAWN,
		};
		const struct event ev = { kinds[t], LOG_NOTICE, text, NULL,
		    NULL };

		event_say(a, &ev, "%s: %s (was %s for %s)", fleet_target_str(t),
		    text, fleet_target_str(before), dur);
	}
	status_of(a, t, &st, &r);
	status_transition(&a->st, st, r, text, now);
}

/* Health (health.c) and the fleet view into what the links should be
 * (fleet.c), and the links made to match.  reason: what just happened, for
 * the log; quiet: the caller has said it already. */
void
decide(struct agent *a, const char *reason, bool quiet)
{
	const struct health *h = &a->health;
	struct fleet_input in = {
		.healthy = h->state == HEALTH_ANNOUNCED,
		.drained = h->drained,
		.refused = h->refused,
		.known = a->fleet_known,
		.healthy_peers = a->healthy_peers,
	};
	enum fleet_target before = a->fleet.target, t;
	enum fleet_why why_before = a->fleet.why;
	uint64_t now = loop_now_us(), since = a->fleet.since, due;

	t = fleet_step(&a->fleet, &in, now);
	if (t != before) {
		say_change(a, before, t, since, reason, quiet, now);
		enforce(a, "state change");
		a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS | DIRTY_BIRD;
	} else {
		if (a->fleet.why != why_before && t != FLEET_ANNOUNCED &&
		    a->fleet.p.guard && !quiet)
			/* Once per change of mind: "staying", "confirming". */
			log_notice("%s: %s; %d healthy peer%s%s",
			    fleet_target_str(t), fleet_why_str(a->fleet.why),
			    a->healthy_peers, a->healthy_peers == 1 ? "" : "s",
			    t == FLEET_DEGRADED && a->fleet_known &&
			    a->healthy_peers == 0 ?
			    "; the whole fleet is degraded" : "");
		if (!links_match(a))
			/* A previous attempt failed; try again. */
			enforce(a, "retry");
	}
	if ((due = fleet_due(&a->fleet)) != UINT64_MAX)
		(void)loop_timer_arm_at(a->fleet_timer, due);
	else
		loop_timer_disarm(a->fleet_timer);
}

/* The last probe has reported: judge, decide, act; publishing waits for
 * the end of the loop turn (publish()). */
static void
cycle_done(struct agent *a)
{
	struct health *h = &a->health;
	uint64_t now = loop_now_us(), next;
	enum health_cycle cycle;
	enum health_verdict v;
	char reason[512], text[600];

	a->in_cycle = false;
	a->cycles++;
	a->last_cycle_done_us = now;
	a->last_cycle_dur_us = now - a->cycle_start_us;

	cycle = cycle_judge(a, reason, sizeof(reason));
	v = health_step(h, cycle, now);
	status_cycle_done(&a->st, cycle == HEALTH_CYCLE_GOOD,
	    a->cycle_start_us, now);
	if (v == HEALTH_WITHDRAW)
		snprintf(text, sizeof(text), "%d failed cycles%s", h->bad,
		    reason);
	else if (v == HEALTH_ANNOUNCE)
		snprintf(text, sizeof(text), "%d good cycles, %d probe%s ok",
		    h->good, a->nslots, a->nslots == 1 ? "" : "s");
	/* The hold-down record goes in place before the link goes down and
	 * is fsynced after: the withdrawal never waits for the disk, and a
	 * crash of the agent in between still honours the hold-down. */
	if (v == HEALTH_WITHDRAW)
		hold_note(a);
	decide(a, v != HEALTH_KEEP ? text : NULL, false);
	if (v == HEALTH_WITHDRAW)
		hold_save(a);

	(void)log_rl_clear(&a->rl_watchdog);
	/* STATUS= goes to PID 1: on every change, but the per-cycle figures
	 * only once a second. */
	a->dirty |= DIRTY_METRICS | DIRTY_ADDR6;
	if (v != HEALTH_KEEP || now - a->status_sent >= 1000000u)
		a->dirty |= DIRTY_NOTIFY;

	next = a->cycle_start_us + health_next_interval(h);
	if (a->again) {
		/* An event came during this cycle: it may postdate the
		 * probes' answers, so look again soon. */
		a->again = false;
		next = now + EVENT_SETTLE_US;
	}
	(void)loop_timer_arm_at(a->cycle_timer, next > now ? next : now);
}

static void
probe_done(void *arg, struct probe *p, const struct probe_report *r)
{
	struct slot *s = arg;
	struct agent *a = s->agent;

	(void)p;
	s->last = *r;
	s->have = true;
	status_probe_record(&a->st, (int)(s - a->slots), r->result,
	    r->latency_us, r->detail, loop_now_us());
	if (s->done || !a->in_cycle)
		return;
	s->done = true;
	log_debug("probe %s: %s (%llu us)", probe_name(s->probe),
	    r->detail[0] ? r->detail : probe_result_str(r->result),
	    (unsigned long long)r->latency_us);
	if (--a->outstanding == 0)
		cycle_done(a);
}

void
cycle_start(struct loop *l, void *arg)
{
	struct agent *a = arg;
	int i;

	(void)l;
	if (a->in_cycle)
		return;
	a->in_cycle = true;
	a->cycle_start_us = loop_now_us();
	a->outstanding = a->nslots;
	for (i = 0; i < a->nslots; i++)
		a->slots[i].done = false;
	for (i = 0; i < a->nslots; i++) {
		struct slot *s = &a->slots[i];

		if (probe_start(s->probe) == 0)
			continue;
		/* Cannot start (still in flight): count it as a failure of
		 * this cycle rather than stall the cycle. */
		memset(&s->last, 0, sizeof(s->last));
		s->last.result = PROBE_SOCKET_ERROR;
		s->last.rcode = -1;
		snprintf(s->last.detail, sizeof(s->last.detail),
		    "could not start the query");
		status_probe_record(&a->st, i, s->last.result, 0,
		    s->last.detail, a->cycle_start_us);
		s->have = true;
		s->done = true;
		if (--a->outstanding == 0)
			cycle_done(a);
	}
}

void
probes_free(struct agent *a)
{
	int i;

	for (i = 0; i < a->nslots; i++)
		probe_free(a->slots[i].probe);
	free(a->slots);
	a->slots = NULL;
	a->nslots = 0;
	a->in_cycle = false;
}

/* Names the probes in the status; a probe kept across a reload keeps its
 * counters. */
static void
probes_to_status(struct agent *a)
{
	const struct conf *c = a->conf;
	char target[160], qt[DNS_FMT_MAX];
	int i;

	for (i = 0; i < c->nprobes; i++) {
		const struct conf_probe *cp = &c->probes[i];

		snprintf(target, sizeof(target), "%s port %u %s %s %s",
		    cp->server_str, (unsigned)cp->port, cp->pc.tcp ? "tcp" : "udp",
		    dns_qtype_fmt(cp->pc.qtype, qt, sizeof(qt)), cp->pc.qname);
		(void)status_set_probe(&a->st, i, cp->pc.name, target);
	}
	if (status_set_nprobes(&a->st, c->nprobes) == -1)
		log_warn("status: only %d of %d probes shown", a->st.nprobes,
		    c->nprobes);
}

int
probes_new(struct agent *a)
{
	const struct conf *c = a->conf;
	int i;

	if ((a->slots = calloc((size_t)c->nprobes, sizeof(*a->slots))) == NULL) {
		log_warn("probes");
		return -1;
	}
	for (i = 0; i < c->nprobes; i++) {
		const struct conf_probe *cp = &c->probes[i];

		a->slots[i].agent = a;
		a->slots[i].probe = probe_new(a->pool, &cp->pc, probe_done,
		    &a->slots[i]);
		if (a->slots[i].probe == NULL) {
			log_warn("probe %s: cannot create", cp->pc.name);
			a->nslots = i;
			probes_free(a);
			return -1;
		}
		a->nslots = i + 1;
	}
	probes_to_status(a);
	return 0;
}

/* --- zone freshness ---------------------------------------------------- */

static void
fresh_changed(void *arg)
{
	struct agent *a = arg;

	a->dirty |= DIRTY_METRICS;
}

/* [freshness] at start and after a reload: a sweep made, changed or
 * ended.  0, or -1 after logging (at start: fatal to the caller). */
int
freshness_setup(struct agent *a)
{
	const struct conf_fresh *c = a->conf->fresh;

	if (c == NULL) {
		if (a->sweep != NULL)
			log_info("freshness: off");
		sweep_free(a->sweep);
		a->sweep = NULL;
		return 0;
	}
	if (a->sweep != NULL)
		return sweep_reload(a->sweep, c);
	if ((a->sweep = sweep_new(a->loop, a->pool, c, fresh_changed, a)) ==
	    NULL) {
		log_warnx("freshness: cannot start the sweep");
		return -1;
	}
	return 0;
}

/* --- events: a listener died ------------------------------------------
 *
 * The kernel reports a destroyed socket the moment a server dies (about
 * 1.5 to 7 ms after kill -9 of named, most of it named's own exit).  An
 * event only starts a cycle; the probes decide, so a reconfig or restart
 * that replaces a listener costs a cycle, never a withdrawal. */

static void
cycle_now(struct agent *a)
{
	if (a->in_cycle)
		a->again = true;
	else
		(void)loop_timer_arm(a->cycle_timer, EVENT_SETTLE_US);
}

static void
sock_event(void *arg, int watch, const struct nl_sock_event *ev)
{
	struct agent *a = arg;

	a->events++;
	if (ev == NULL)
		log_debug("socket events lost: cycling now");
	else
		log_debug("listener %d (%s port %u) destroyed: cycling now",
		    watch, ev->proto == IPPROTO_TCP ? "tcp" : "udp",
		    (unsigned)ev->lport);
	cycle_now(a);
}

/* One watch per server, address and transport the probes use. */
void
sockwatch_update(struct agent *a)
{
	struct nl_sockwatch w[NL_SOCKDIAG_MAX_WATCHES];
	int i, j, n = 0;

	if (a->sockdiag == NULL)
		return;
	for (i = 0; i < a->conf->nprobes; i++) {
		const struct conf_probe *cp = &a->conf->probes[i];
		struct nl_sockwatch one;

		memset(&one, 0, sizeof(one));
		one.family = cp->pc.server.ss_family;
		if (one.family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)&cp->pc.server;

			memcpy(one.addr, &sin->sin_addr, 4);
			one.port = ntohs(sin->sin_port);
		} else {
			const struct sockaddr_in6 *sin6 = (const void *)&cp->pc.server;

			memcpy(one.addr, &sin6->sin6_addr, 16);
			one.port = ntohs(sin6->sin6_port);
		}
		one.proto = cp->pc.tcp ? IPPROTO_TCP : IPPROTO_UDP;
		for (j = 0; j < n; j++)
			if (w[j].family == one.family && w[j].port == one.port &&
			    w[j].proto == one.proto &&
			    memcmp(w[j].addr, one.addr, sizeof(one.addr)) == 0)
				break;
		if (j < n)
			continue;
		if (n == NL_SOCKDIAG_MAX_WATCHES) {
			log_warnx("more than %d servers: the others are "
			    "probed at the interval only",
			    NL_SOCKDIAG_MAX_WATCHES);
			break;
		}
		w[n++] = one;
	}
	if (nl_sockdiag_set_watches(a->sockdiag, w, n) == -1)
		log_warn("socket events: cannot watch the servers");
}

void
sockdiag_setup(struct agent *a)
{
	if ((a->sockdiag = nl_sockdiag_new(a->loop, sock_event, a)) == NULL) {
		log_warn("socket events unavailable; a dead server is found "
		    "at the next interval");
		return;
	}
	sockwatch_update(a);
}

