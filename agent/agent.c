/* The agent decides.  Once per cycle it starts every probe; when the last one
 * has reported, the cycle is good if all passed, and the state machine in
 * health.c says whether to announce or withdraw.  The agent then makes the
 * link match that decision, and keeps it matched: whoever else changes the
 * link (an operator's `ip`, systemd-networkd), the agent puts it back.
 *
 * It owns the loop, the signals (signalfd), the cycle timer and the systemd
 * watchdog timer.  The watchdog is fed only while cycles complete, so a stuck
 * loop or a stuck probe lets systemd restart us.
 *
 * Operations hang off the same loop: the control socket (ctl.c) whose
 * commands are defined here (status, drain, undrain, withdrawn), the
 * persistent drain (drain.c), BIRD's own view (bird.c) with the warning when
 * it disagrees with us for longer than the grace period, the status snapshot
 * (status.c) and the metrics file (metrics.c).  None of these may stop the
 * agent once it runs: their failures are logged and survived.
 *
 * It does not talk DNS, netlink or sd_notify itself: probe/, netlink/ and
 * systemd/ do, and report back through callbacks. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
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

/* BIRD is polled on its own clock: fast enough for "drain --wait" and the
 * status, slow enough to cost BIRD nothing. */
#define BIRD_POLL_US		1000000u
#define BIRD_TIMEOUT_US		2000000u

struct agent;

struct slot {
	struct agent		*agent;
	struct probe		*probe;
	struct probe_report	 last;
	bool			 have;		/* last is meaningful */
	bool			 done;		/* reported in this cycle */
};

struct agent {
	struct loop		*loop;
	struct conf		*conf;
	struct notify		*notify;
	struct nl_link		*link;
	struct probe_pool	*pool;
	struct health		 health;
	struct slot		*slots;
	int			 nslots;

	struct loop_timer	*cycle_timer;
	struct loop_timer	*wd_timer;
	int			 sigfd;
	sigset_t		 oldmask;

	bool			 in_cycle;
	bool			 again;		/* cycle again as soon as done */
	int			 outstanding;
	uint64_t		 cycle_start_us;
	uint64_t		 last_cycle_done_us;
	uint64_t		 last_cycle_dur_us;
	uint64_t		 cycles;
	uint64_t		 wd_stale_us;	/* no ping when cycles are older */

	enum nl_state		 seen_link;	/* last state we logged */
	uint64_t		 fight_start;	/* re-asserts in this 1 s window */
	int			 fight_n;
	uint64_t		 status_sent;	/* last STATUS= from a cycle */
	char			*addr6;		/* IPv6 addresses as saved */
	int			 exit_code;

	/* What changed during this loop turn, published once before the
	 * loop sleeps (publish()). */
	unsigned		 dirty;
	/* Every message that can repeat goes through one limiter each. */
	struct log_rl		 rl_addr6, rl_metrics, rl_prefixes, rl_fight,
				 rl_watchdog, rl_hold;

	struct status		 st;		/* what status and metrics show */
	struct drain_info	 drain;		/* as persisted in state_dir */
	struct ctl		*ctl;		/* NULL if it could not be set up */
	struct bird		*bird;		/* NULL: [bird] socket unset */
	struct nl_sockdiag	*sockdiag;	/* NULL: no event path, poll only */
	uint64_t		 events;	/* listener deaths seen */
};

/* The dirty bits: what publish() does at the end of a loop turn. */
#define DIRTY_NOTIFY	0x1	/* STATUS= to systemd */
#define DIRTY_METRICS	0x2	/* the metrics file */
#define DIRTY_ADDR6	0x4	/* the IPv6 addresses in the state directory */
#define DIRTY_BIRD	0x8	/* ask BIRD now: the intended state changed */
#define DIRTY_ALL	(DIRTY_NOTIFY | DIRTY_METRICS | DIRTY_ADDR6)

static void	 cycle_start(struct loop *, void *);
static void	 enforce(struct agent *, const char *why);
static void	 hold_save(struct agent *);

static uint64_t
ms_to_us(uint32_t ms)
{
	return (uint64_t)ms * 1000u;
}

static void
health_params_from(const struct conf *c, struct health_params *p)
{
	p->rise = c->rise;
	p->fall = c->fall;
	p->interval_us = ms_to_us(c->interval_ms);
	p->fast_interval_us = ms_to_us(c->fast_interval_ms);
	p->hold_down_us = ms_to_us(c->hold_down_ms);
	p->confirm_interval_us = ms_to_us(c->confirm_interval_ms);
}

/* --- probes ------------------------------------------------------------ */

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
	return cycle;
}

/* The log line and the status of a change, with how long the node had
 * been in the state it leaves. */
static void
cycle_say(struct agent *a, enum health_verdict v, enum health_state before,
    uint64_t since, const char *reason, uint64_t now)
{
	const struct health *h = &a->health;
	char dur[DUR_FMT_MAX], text[600];

	dur_fmt_us(now - since, dur, sizeof(dur));
	if (v == HEALTH_WITHDRAW) {
		log_notice("withdrawn: %d failed cycles%s (was %s for %s)",
		    h->bad, reason, health_state_str(before), dur);
		snprintf(text, sizeof(text), "%d failed cycles%s", h->bad,
		    reason);
		status_transition(&a->st, STATUS_WITHDRAWN, STATUS_REASON_FALL,
		    text, now);
	} else if (v == HEALTH_ANNOUNCE) {
		log_notice("announced: %d good cycles, %d probe%s ok "
		    "(was %s for %s)", h->good, a->nslots,
		    a->nslots == 1 ? "" : "s", health_state_str(before), dur);
		snprintf(text, sizeof(text), "%d good cycles, %d probe%s ok",
		    h->good, a->nslots, a->nslots == 1 ? "" : "s");
		status_transition(&a->st, STATUS_ANNOUNCED, STATUS_REASON_RISE,
		    text, now);
	}
}

/* The last probe has reported: judge, decide, act; publishing waits for
 * the end of the loop turn (publish()). */
static void
cycle_done(struct agent *a)
{
	struct health *h = &a->health;
	uint64_t now = loop_now_us(), next, since = h->since;
	enum health_state before = h->state;
	enum health_cycle cycle;
	enum health_verdict v;
	char reason[512];

	a->in_cycle = false;
	a->cycles++;
	a->last_cycle_done_us = now;
	a->last_cycle_dur_us = now - a->cycle_start_us;

	cycle = cycle_judge(a, reason, sizeof(reason));
	v = health_step(h, cycle, now);
	status_cycle_done(&a->st, cycle == HEALTH_CYCLE_GOOD,
	    a->cycle_start_us, now);
	if (v != HEALTH_KEEP) {
		cycle_say(a, v, before, since, reason, now);
		enforce(a, "state change");
	} else if (nl_link_state(a->link) != NL_ABSENT &&
	    (nl_link_state(a->link) == NL_UP) != (h->state == HEALTH_ANNOUNCED))
		/* A previous attempt failed; try again every cycle. */
		enforce(a, "retry");
	/* Act first, then persist: the withdrawal must not wait for two
	 * fsyncs.  A crash between the two loses only the hold-down record,
	 * and a start with the link down waits for `rise` good cycles
	 * anyway. */
	if (v == HEALTH_WITHDRAW)
		hold_save(a);

	(void)log_rl_clear(&a->rl_watchdog);
	/* STATUS= goes to PID 1: on every change, but the per-cycle figures
	 * only once a second. */
	a->dirty |= DIRTY_METRICS | DIRTY_ADDR6;
	if (v != HEALTH_KEEP || now - a->status_sent >= 1000000u)
		a->dirty |= DIRTY_NOTIFY;
	if (v != HEALTH_KEEP)
		a->dirty |= DIRTY_BIRD;

	next = a->cycle_start_us + health_next_interval(h);
	if (a->again) {
		/* An event came during this cycle: it may postdate the
		 * probes' answers, so look again now. */
		a->again = false;
		next = now;
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

static void
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

static void
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

static int
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
		(void)loop_timer_arm(a->cycle_timer, 0);
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
static void
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

static void
sockdiag_setup(struct agent *a)
{
	if ((a->sockdiag = nl_sockdiag_new(a->loop, sock_event, a)) == NULL) {
		log_warn("socket events unavailable; a dead server is found "
		    "at the next interval");
		return;
	}
	sockwatch_update(a);
}

/* --- the link ---------------------------------------------------------- */

static void
enforce(struct agent *a, const char *why)
{
	bool want = a->health.state == HEALTH_ANNOUNCED;
	enum nl_state st = nl_link_state(a->link);

	/* netlink/ has said that it is gone; link_changed() acts when it
	 * appears. */
	if (st == NL_ABSENT)
		return;
	if ((st == NL_UP) == want)
		return;
	if (nl_link_set_up(a->link, want) == -1) {
		log_warn("%s: cannot set link %s (%s)", a->conf->interface,
		    want ? "up" : "down", why);
		return;
	}
	log_debug("%s: set %s (%s)", a->conf->interface, want ? "up" : "down",
	    why);
}

/* --- IPv6 addresses across restarts -------------------------------------
 *
 * Linux flushes IPv6 addresses when a link goes down; netlink/ remembers
 * them and puts them back when the link comes up.  That memory dies with the
 * process, so an agent restarted while withdrawn (upgrade, crash, watchdog)
 * would announce IPv4 only.  The permanent IPv6 addresses are therefore kept
 * in the state directory (store.h), one "addr/len" per line, and handed back to
 * netlink/ at start when the link is down.  When the link is up at start the
 * kernel's own list is the truth and the file is rewritten from it. */

/* The interface's IPv6 addresses, one "addr/len" per line, in a buffer
 * that grows to fit: no fixed size may silently drop state.  NULL when out
 * of memory (errno set). */
static char *
addr6_list(struct agent *a)
{
	char *buf = NULL, *out = NULL, *tok, *save = NULL, *nb;
	size_t size = 2048, off = 0;

	for (;;) {
		if ((nb = realloc(buf, size)) == NULL)
			goto fail;
		buf = nb;
		if (nl_link_addrs(a->link, buf, size) >= 0)
			break;
		if (errno != ENOSPC)
			goto fail;
		size *= 2;
	}
	/* Each IPv6 line is no longer than its token plus a newline. */
	if ((out = malloc(strlen(buf) + 2)) == NULL)
		goto fail;
	out[0] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strchr(tok, ':') == NULL)
			continue;
		off += (size_t)sprintf(out + off, "%s\n", tok);
	}
	free(buf);
	return out;
fail:
	free(buf);
	free(out);
	return NULL;
}

static void
addr6_save(struct agent *a)
{
	char *now;

	/* An absent interface says nothing about the addresses it had. */
	if (nl_link_state(a->link) == NL_ABSENT)
		return;
	if ((now = addr6_list(a)) == NULL) {
		log_rl_warn(&a->rl_addr6, "%s: cannot list the IPv6 addresses",
		    a->conf->interface);
		return;
	}
	if (a->addr6 != NULL && strcmp(now, a->addr6) == 0) {
		free(now);
		return;
	}
	if (store_addr6_save(a->conf->state_dir, now) == -1) {
		log_rl_warn(&a->rl_addr6, "%s/%s: cannot save the IPv6 "
		    "addresses", a->conf->state_dir, STORE_ADDR6);
		free(now);
		return;
	}
	if (log_rl_clear(&a->rl_addr6))
		log_info("%s/%s: saved again", a->conf->state_dir, STORE_ADDR6);
	free(a->addr6);
	a->addr6 = now;
}

static void
addr6_recall(struct agent *a)
{
	char *buf, *tok, *save = NULL;
	int n = 0;

	if ((buf = store_addr6_load(a->conf->state_dir)) == NULL) {
		if (errno != ENOENT)
			log_warn("%s/%s: cannot read the IPv6 addresses",
			    a->conf->state_dir, STORE_ADDR6);
		return;
	}
	free(a->addr6);
	if ((a->addr6 = strdup(buf)) == NULL) {
		free(buf);
		return;
	}
	if (nl_link_state(a->link) != NL_DOWN) {
		free(buf);
		return;
	}
	for (tok = strtok_r(buf, "\n", &save); tok != NULL;
	    tok = strtok_r(NULL, "\n", &save)) {
		if (nl_link_expect_addr6(a->link, tok) == -1)
			log_warnx("%s/%s: ignoring '%s': not an IPv6 "
			    "address/length", a->conf->state_dir, STORE_ADDR6,
			    tok);
		else
			n++;
	}
	free(buf);
	if (n > 0)
		log_info("%s: link is down; %d IPv6 address%s from the last "
		    "run will be restored when it comes up", a->conf->interface,
		    n, n == 1 ? "" : "es");
}

/* --- hold-down across restarts ------------------------------------------
 *
 * A withdrawal's hold-down must not end because the agent restarted (a crash
 * loop, a watchdog kill while named flaps).  Every health withdrawal records
 * its wall-clock time in the state directory; a start with the link down
 * honours what is left of it.  Wall clock, because the monotonic clock
 * starts again at boot; a clock step only shortens or lengthens one hold. */

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
hold_save(struct agent *a)
{
	if (a->conf->hold_down_ms == 0)
		return;
	if (store_hold_save(a->conf->state_dir, wall_ms()) == -1)
		log_rl_warn(&a->rl_hold, "%s/%s: cannot record the withdrawal; "
		    "a restart would cut its hold-down short",
		    a->conf->state_dir, STORE_HOLD);
	else
		(void)log_rl_clear(&a->rl_hold);
}

static void
hold_recall(struct agent *a)
{
	char left[DUR_FMT_MAX];
	uint64_t now = wall_ms(), ago, then;

	if (a->health.state != HEALTH_WITHDRAWN || a->conf->hold_down_ms == 0)
		return;
	if (store_hold_load(a->conf->state_dir, &then) == -1) {
		if (errno == EINVAL)
			log_warnx("%s/%s: not a time in ms; ignored",
			    a->conf->state_dir, STORE_HOLD);
		else if (errno != ENOENT)
			log_warn("%s/%s: cannot read", a->conf->state_dir,
			    STORE_HOLD);
		return;
	}
	if (then > now || now - then >= a->conf->hold_down_ms)
		return;
	ago = now - then;
	health_restore_hold(&a->health, loop_now_us() - ago * 1000u);
	dur_fmt_us(health_hold_remaining(&a->health, loop_now_us()), left,
	    sizeof(left));
	log_info("%s: withdrawn %llu ms ago by the previous run; hold-down "
	    "has %s left", a->conf->interface, (unsigned long long)ago, left);
}

/* The anycast prefixes BIRD's export is checked for: [bird] prefixes, or
 * else the networks of the interface's addresses (including IPv6 ones the
 * kernel flushed while the link is down, which netlink/ restores).  An empty
 * list (interface absent) keeps the previous one. */
static void
bird_prefixes_update(struct agent *a)
{
	struct prefix p[BIRD_MAX_PREFIXES];
	int n;

	if (a->bird == NULL)
		return;
	if (a->conf->bird_nprefixes > 0) {
		(void)bird_set_prefixes(a->bird, a->conf->bird_prefix,
		    a->conf->bird_nprefixes);
		return;
	}
	if ((n = nl_link_prefixes(a->link, p, BIRD_MAX_PREFIXES)) == -1) {
		log_rl_warn(&a->rl_prefixes, "%s: BIRD's export is checked "
		    "for the first %d prefixes only", a->conf->interface,
		    BIRD_MAX_PREFIXES);
		n = BIRD_MAX_PREFIXES;
	}
	if (n > 0)
		(void)bird_set_prefixes(a->bird, p, n);
}

/* Someone else changed the link.  Put it back at once, but if something
 * keeps fighting (systemd-networkd without ActivationPolicy=manual), do not
 * fight flat out: after FIGHT_MAX changes within a second, leave the retry
 * to the next cycle, and log one line per 10 s with a count. */
#define FIGHT_MAX	5
static void
reassert(struct agent *a, enum nl_state st)
{
	bool want = a->health.state == HEALTH_ANNOUNCED;
	uint64_t now = loop_now_us();

	if (now - a->fight_start >= 1000000u) {
		a->fight_start = now;
		a->fight_n = 0;
	}
	if (++a->fight_n <= FIGHT_MAX) {
		log_warnx("%s: link was set %s behind our back while %s; "
		    "setting it %s again", a->conf->interface, nl_state_str(st),
		    health_state_str(a->health.state), want ? "up" : "down");
		enforce(a, "re-assert");
		return;
	}
	/* A fight: the next cycle puts the link back; say so now and then. */
	log_rl_warnx(&a->rl_fight, "%s: something keeps setting the link %s "
	    "(more than %d times a second); putting it back once per cycle; "
	    "is systemd-networkd's ActivationPolicy=manual set?",
	    a->conf->interface, nl_state_str(st), FIGHT_MAX);
}

static void
link_changed(void *arg, enum nl_state st, int ifindex, unsigned flags)
{
	struct agent *a = arg;
	bool appeared;

	(void)flags;
	/* netlink/ has logged the interface appearing or going away. */
	appeared = a->seen_link == NL_ABSENT && st != NL_ABSENT;
	a->seen_link = st;
	if (st == NL_ABSENT) {
		a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS;
		return;
	}
	bird_prefixes_update(a);
	if ((st == NL_UP) != (a->health.state == HEALTH_ANNOUNCED)) {
		if (appeared) {
			log_info("%s: (index %d) appeared %s while %s; setting it "
			    "%s", a->conf->interface, ifindex, nl_state_str(st),
			    health_state_str(a->health.state),
			    st == NL_UP ? "down" : "up");
			enforce(a, "appeared");
		} else
			reassert(a, st);
	}
	a->dirty |= DIRTY_ALL | DIRTY_BIRD;
}

/* --- systemd ----------------------------------------------------------- */

static void
notify_update(struct agent *a)
{
	char dur[DUR_FMT_MAX];
	int i, ok = 0;

	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].have && a->slots[i].last.result == PROBE_OK)
			ok++;
	dur_fmt_us(a->last_cycle_dur_us, dur, sizeof(dur));
	notify_status(a->notify, "%s%s; %d/%d probes ok; link %s %s; "
	    "last cycle %s",
	    health_state_str(a->health.state),
	    a->health.drained ? " (drained)" : "", ok, a->nslots,
	    a->conf->interface, nl_state_str(nl_link_state(a->link)),
	    a->cycles ? dur : "pending");
}

/* --- operations: status, metrics, BIRD, drain, control socket ---------- */

static enum status_state
current_state(const struct agent *a)
{
	if (a->health.drained)
		return STATUS_DRAINED;
	return a->health.state == HEALTH_ANNOUNCED ? STATUS_ANNOUNCED :
	    STATUS_WITHDRAWN;
}

/* Copies in what is cheaper to read than to track: link, streaks, timers. */
static void
status_refresh(struct agent *a, struct status_clock *c)
{
	struct status *st = &a->st;
	const struct conf *cf = a->conf;
	struct timespec ts;

	c->mono_us = loop_now_us();
	clock_gettime(CLOCK_REALTIME, &ts);
	c->wall_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	st->state = current_state(a);
	snprintf(st->ifname, sizeof(st->ifname), "%s", cf->interface);
	st->link = nl_link_state(a->link);
	st->ifindex = nl_link_index(a->link);
	st->ifflags = nl_link_flags(a->link);
	if (nl_link_addrs(a->link, st->addrs, sizeof(st->addrs)) < 0)
		st->addrs[0] = '\0';
	st->rise = cf->rise;
	st->fall = cf->fall;
	st->good = a->health.good;
	st->bad = a->health.bad;
	st->pending = health_pending(&a->health);
	st->interval_us = ms_to_us(cf->interval_ms);
	st->fast_interval_us = ms_to_us(cf->fast_interval_ms);
	st->hold_down_us = ms_to_us(cf->hold_down_ms);
	st->hold_remaining_us = health_hold_remaining(&a->health, c->mono_us);
	st->drain = a->drain;
	st->bird_socket = a->bird != NULL ? bird_path(a->bird) : NULL;
	st->bird = a->bird != NULL ? bird_view(a->bird) : NULL;
	st->bird_grace_us = ms_to_us(cf->bird_grace_ms);
}

static void
metrics_update(struct agent *a)
{
	struct status_clock c;

	if (a->conf->metrics_file == NULL)
		return;
	status_refresh(a, &c);
	if (metrics_write(a->conf->metrics_file, &a->st, &c) == -1)
		log_rl_warn(&a->rl_metrics, "metrics file %s: cannot write",
		    a->conf->metrics_file);
	else if (log_rl_clear(&a->rl_metrics))
		log_info("metrics file %s: written again",
		    a->conf->metrics_file);
}

/* The before-sleep hook: publish, once per loop turn, what the turn's
 * events changed (Redis's beforeSleep).  The events themselves only mark
 * what they changed; a cycle's path stays probe, decide, link. */
static void
publish(struct loop *l, void *arg)
{
	struct agent *a = arg;
	unsigned d = a->dirty;

	(void)l;
	a->dirty = 0;
	if (d & DIRTY_ADDR6)
		addr6_save(a);
	if (d & DIRTY_NOTIFY) {
		notify_update(a);
		a->status_sent = loop_now_us();
	}
	if ((d & DIRTY_BIRD) && a->bird != NULL)
		bird_poll_now(a->bird);
	if (d & DIRTY_METRICS)
		metrics_update(a);
}

static void
bird_polled(void *arg, const struct bird_view *v)
{
	struct agent *a = arg;
	bool want = a->health.state == HEALTH_ANNOUNCED;
	struct bird_mismatch *m = &a->st.bird_mismatch;

	switch (bird_mismatch_step(m, v, want, loop_now_us(),
	    ms_to_us(a->conf->bird_grace_ms))) {
	case BIRD_MISMATCH_RAISED:
		log_warnx("BIRD disagrees with anycastd (intended: %s) for "
		    "more than %u ms: %s", current_state(a) == STATUS_DRAINED ?
		    "drained" : health_state_str(a->health.state),
		    a->conf->bird_grace_ms, m->why);
		break;
	case BIRD_MISMATCH_CLEARED:
		log_info("BIRD agrees with anycastd again (%s)",
		    health_state_str(a->health.state));
		break;
	case BIRD_MISMATCH_NONE:
		break;
	}
}

static void
bird_setup(struct agent *a)
{
	if (a->conf->bird_socket == NULL)
		return;
	a->bird = bird_new(a->loop, a->conf->bird_socket, BIRD_POLL_US,
	    BIRD_TIMEOUT_US, bird_polled, a);
	if (a->bird == NULL) {
		log_warn("BIRD %s: cannot set up the client",
		    a->conf->bird_socket);
		return;
	}
	bird_prefixes_update(a);
}

static const char *
who(const struct ctl_peer *p, char *buf, size_t len)
{
	snprintf(buf, len, "uid %u pid %d", (unsigned)p->uid, (int)p->pid);
	return buf;
}

static int
cmd_drain(struct agent *a, const char *reason, const struct ctl_peer *p,
    FILE *out)
{
	uint64_t now = loop_now_us();
	enum health_state before = a->health.state;
	char by[64], text[DRAIN_REASON_MAX + 96];
	struct drain_info d;
	bool saved = true;

	if (strlen(reason) >= sizeof(d.reason)) {
		fprintf(out, "reason too long (at most %zu bytes)\n",
		    sizeof(d.reason) - 1);
		return CTL_BAD_REQUEST;
	}
	if (a->health.drained) {
		fprintf(out, "already drained (%s)\n", a->drain.reason[0] ?
		    a->drain.reason : "no reason given");
		return CTL_OK;
	}
	memset(&d, 0, sizeof(d));
	d.drained = true;
	snprintf(d.reason, sizeof(d.reason), "%s", reason);
	d.uid = p->uid;
	d.pid = p->pid;
	d.since = (int64_t)time(NULL);
	/* Withdrawing is the safe side: drain now even if the file cannot
	 * be written, and say that it will not survive a restart. */
	a->drain = d;
	if (health_drain(&a->health, true, now) == HEALTH_WITHDRAW)
		enforce(a, "drain");
	/* Act first, then persist (the disk may be slow). */
	if (drain_save(a->conf->state_dir, &d) == -1) {
		log_warn("%s/%s: cannot save the drain; it will not survive a "
		    "restart", a->conf->state_dir, STORE_DRAIN);
		saved = false;
	}
	log_notice("drained by %s: %s (was %s)", who(p, by, sizeof(by)),
	    reason[0] ? reason : "no reason given", health_state_str(before));
	snprintf(text, sizeof(text), "drained by %s: %s", by,
	    reason[0] ? reason : "no reason given");
	status_transition(&a->st, STATUS_DRAINED, STATUS_REASON_DRAIN, text, now);
	fprintf(out, "drained (was %s)%s\n", health_state_str(before),
	    saved ? "" : "; WARNING: not saved, will not survive a restart");
	a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS | DIRTY_BIRD;
	return CTL_OK;
}

static int
cmd_undrain(struct agent *a, const char *if_reason, const struct ctl_peer *p,
    FILE *out)
{
	uint64_t now = loop_now_us();
	struct drain_info d;
	char by[64], text[128];

	if (!a->health.drained) {
		fprintf(out, "not drained\n");
		return CTL_OK;
	}
	if (if_reason != NULL && (a->drain.corrupt ||
	    strcmp(if_reason, a->drain.reason) != 0)) {
		fprintf(out, "drained for another reason (%s); left drained\n",
		    a->drain.reason[0] ? a->drain.reason : "no reason given");
		return CTL_CONFLICT;
	}
	memset(&d, 0, sizeof(d));
	/* Keep the drain if its file cannot be removed: a restart would
	 * bring it back anyway, and the operator must know. */
	if (drain_save(a->conf->state_dir, &d) == -1) {
		log_warn("%s/%s: cannot remove; still drained",
		    a->conf->state_dir, STORE_DRAIN);
		fprintf(out, "cannot remove %s/%s: %s; still drained\n",
		    a->conf->state_dir, STORE_DRAIN, strerror(errno));
		return CTL_FAILED;
	}
	a->drain = d;
	(void)health_drain(&a->health, false, now);
	log_notice("undrained by %s: announcing after %d good cycles",
	    who(p, by, sizeof(by)), a->conf->rise);
	snprintf(text, sizeof(text), "undrained by %s; announcing after %d "
	    "good cycles", by, a->conf->rise);
	status_transition(&a->st, current_state(a), STATUS_REASON_UNDRAIN,
	    text, now);
	fprintf(out, "undrained: announcing after %d good cycles\n",
	    a->conf->rise);
	/* Start counting `rise` now rather than at the next slow cycle. */
	if (!a->in_cycle)
		(void)loop_timer_arm(a->cycle_timer, 0);
	a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS;
	return CTL_OK;
}

/* The control commands; the protocol is in ctl.h and anycastctl(8). */
static int
ctl_command(void *arg, const char *cmd, const char *args,
    const struct ctl_peer *p, FILE *out)
{
	struct agent *a = arg;
	struct status_clock c;
	char why[256];
	bool done;

	if (strcmp(cmd, "status") == 0) {
		status_refresh(a, &c);
		if (args[0] == '\0' || strcmp(args, "text") == 0)
			return status_render_text(&a->st, &c, out) == 0 ?
			    CTL_OK : CTL_FAILED;
		if (strcmp(args, "json") == 0)
			return status_render_json(&a->st, &c, out) == 0 ?
			    CTL_OK : CTL_FAILED;
		fprintf(out, "status takes \"text\" or \"json\"\n");
		return CTL_BAD_REQUEST;
	}
	if (strcmp(cmd, "drain") == 0)
		return cmd_drain(a, args, p, out);
	if (strcmp(cmd, "undrain") == 0) {
		if (args[0] != '\0') {
			fprintf(out, "undrain takes no argument\n");
			return CTL_BAD_REQUEST;
		}
		return cmd_undrain(a, NULL, p, out);
	}
	if (strcmp(cmd, "undrain-if") == 0)
		return cmd_undrain(a, args, p, out);
	if (strcmp(cmd, "withdrawn") == 0) {
		status_refresh(a, &c);
		done = status_withdrawn(&a->st, why, sizeof(why));
		fprintf(out, "%s %s %s\n", done ? "yes" : "no",
		    status_state_str(a->st.state), why);
		return CTL_OK;
	}
	fprintf(out, "unknown command \"%s\"\n", cmd);
	return CTL_NOT_FOUND;
}

/* 0, or -1 if another anycastd already answers on the socket. */
static int
ctl_setup(struct agent *a)
{
	a->ctl = ctl_new(a->loop, a->conf->control_socket,
	    a->conf->control_group, ctl_command, a);
	if (a->ctl == NULL && errno == EADDRINUSE)
		return -1;
	if (a->ctl == NULL)
		log_warnx("running without a control socket; fix it and "
		    "reload (SIGHUP)");
	return 0;
}

static bool
str_differs(const char *x, const char *y)
{
	if (x == NULL || y == NULL)
		return x != y;
	return strcmp(x, y) != 0;
}

/* After a reload: re-create what the new configuration changed. */
static void
ops_reload(struct agent *a, const struct conf *old)
{
	const struct conf *nc = a->conf;

	if (a->ctl == NULL || str_differs(old->control_socket,
	    nc->control_socket) || str_differs(old->control_group,
	    nc->control_group)) {
		ctl_free(a->ctl);
		a->ctl = NULL;
		(void)ctl_setup(a);
	}
	if (str_differs(old->bird_socket, nc->bird_socket)) {
		bird_free(a->bird);
		a->bird = NULL;
		memset(&a->st.bird_mismatch, 0, sizeof(a->st.bird_mismatch));
		bird_setup(a);
	} else
		bird_prefixes_update(a);
	if (str_differs(old->state_dir, nc->state_dir) && a->health.drained &&
	    drain_save(nc->state_dir, &a->drain) == -1)
		log_warn("%s/%s: cannot save the drain", nc->state_dir,
		    STORE_DRAIN);
}

static uint64_t
max_timeout_us(const struct conf *c)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < c->nprobes; i++)
		if (c->probes[i].pc.timeout_ms > m)
			m = c->probes[i].pc.timeout_ms;
	return ms_to_us(m);
}

static void
watchdog_setup(struct agent *a)
{
	uint64_t wd = notify_watchdog_usec(a->notify);
	uint64_t need = ms_to_us(a->conf->interval_ms) + max_timeout_us(a->conf);

	if (wd == 0)
		return;
	/* Cycles complete at least every interval + timeout; allow half a
	 * watchdog period on top for scheduling noise. */
	a->wd_stale_us = need + wd / 2;
	if (need >= wd)
		log_warnx("WatchdogSec is %llu ms but a cycle may take %llu ms "
		    "(interval + timeout): systemd will kill anycastd",
		    (unsigned long long)(wd / 1000),
		    (unsigned long long)(need / 1000));
}

static void
watchdog_tick(struct loop *l, void *arg)
{
	struct agent *a = arg;
	uint64_t wd = notify_watchdog_usec(a->notify), now = loop_now_us();

	(void)l;
	if (now - a->last_cycle_done_us < a->wd_stale_us)
		notify_watchdog(a->notify);
	else
		log_rl_warnx(&a->rl_watchdog, "no probe cycle completed for "
		    "%llu ms: not feeding the watchdog",
		    (unsigned long long)((now - a->last_cycle_done_us) / 1000));
	(void)loop_timer_arm(a->wd_timer, wd / 2);
}

/* --- reload and signals ------------------------------------------------ */

static void
log_conf_error(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	if (line > 0)
		log_warnx("%s:%d: %s", file, line, msg);
	else
		log_warnx("%s: %s", file, msg);
}

static void
reload(struct agent *a)
{
	struct conf *nc, *old = a->conf;
	struct health_params p;
	struct nl_link *nl = NULL;

	notify_reloading(a->notify);
	log_info("%s: reloading", old->path);
	if ((nc = conf_load(old->path, log_conf_error, NULL)) == NULL) {
		log_warnx("%s: reload failed, still running the previous "
		    "configuration", old->path);
		goto done;
	}
	if (strcmp(nc->interface, old->interface) != 0) {
		nl = nl_link_new(a->loop, nc->interface, link_changed, a);
		if (nl == NULL) {
			log_warn("%s: cannot watch interface, still running "
			    "the previous configuration", nc->interface);
			conf_free(nc);
			goto done;
		}
	}
	probes_free(a);
	a->conf = nc;
	if (probes_new(a) == -1) {
		/* Out of memory or sockets: fall back to the old probes. */
		a->conf = old;
		nl_link_free(nl);
		conf_free(nc);
		if (probes_new(a) == -1)
			fatalx("cannot recreate probes after a failed reload");
		log_warnx("%s: reload failed, still running the previous "
		    "configuration", old->path);
		/* probes_free() aborted the cycle in flight. */
		(void)loop_timer_arm(a->cycle_timer, 0);
		goto done;
	}
	if (nl != NULL) {
		log_notice("interface changed from %s to %s; %s is left %s",
		    old->interface, nc->interface, old->interface,
		    nl_state_str(nl_link_state(a->link)));
		nl_link_free(a->link);
		a->link = nl;
		a->seen_link = nl_link_state(nl);
		}
	ops_reload(a, old);
	sockwatch_update(a);
	conf_free(old);
	health_params_from(a->conf, &p);
	health_set_params(&a->health, &p);
	watchdog_setup(a);
	log_info("%s: reloaded, %d probe%s", a->conf->path, a->nslots,
	    a->nslots == 1 ? "" : "s");
	enforce(a, "reload");
	/* The cycle in flight was aborted with the old probes. */
	(void)loop_timer_arm(a->cycle_timer, 0);
done:
	notify_ready(a->notify);
	a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS;
}

static void
stop(struct agent *a, int signo)
{
	notify_stopping(a->notify);
	if (a->conf->on_exit == CONF_EXIT_WITHDRAW &&
	    nl_link_state(a->link) == NL_UP) {
		if (nl_link_set_up(a->link, false) == -1)
			log_warn("%s: cannot withdraw on exit",
			    a->conf->interface);
		else
			log_notice("withdrawn: anycastd stopping on %s "
			    "(on_exit = withdraw)", strsignal(signo));
	} else
		log_notice("stopping on %s; %s left %s (on_exit = %s)",
		    strsignal(signo), a->conf->interface,
		    nl_state_str(nl_link_state(a->link)),
		    a->conf->on_exit == CONF_EXIT_WITHDRAW ? "withdraw" : "keep");
	loop_stop(a->loop);
}

static void
signal_read(struct loop *l, int fd, void *arg, int mask)
{
	struct agent *a = arg;
	struct signalfd_siginfo si;

	(void)l;
	(void)mask;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(a);
			break;
		case SIGTERM:
		case SIGINT:
			stop(a, (int)si.ssi_signo);
			return;
		}
	}
}

/* --- life cycle -------------------------------------------------------- */

/* A drain survives restarts: load it before the first enforce, and take an
 * up link down at once (the one case where start-up withdraws without
 * `fall` bad cycles).  A file that cannot be understood counts as drained. */
static int
drain_start(struct agent *a)
{
	char err[PATH_MAX + 256], when[32];
	struct tm tm;
	time_t t;

	if (drain_load(a->conf->state_dir, &a->drain, err, sizeof(err)) == -1)
		log_warnx("%s; treating the node as drained, since that is the "
		    "safe side (\"anycastctl undrain\" removes it)", err);
	if (!a->drain.drained)
		return 0;
	t = (time_t)a->drain.since;
	if (a->drain.corrupt || localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "unknown time");
	if (!a->drain.corrupt)
		log_notice("drained since %s by uid %u (%s): staying withdrawn "
		    "until \"anycastctl undrain\"", when,
		    (unsigned)a->drain.uid, a->drain.reason[0] ?
		    a->drain.reason : "no reason given");
	if (health_drain(&a->health, true, loop_now_us()) == HEALTH_WITHDRAW) {
		log_notice("%s: link is up but the node is drained: setting it "
		    "down now", a->conf->interface);
		enforce(a, "drained at start");
	}
	a->st.state = STATUS_DRAINED;
	snprintf(a->st.reason, sizeof(a->st.reason), "drained at start: %s",
	    a->drain.reason[0] ? a->drain.reason : "no reason given");
	return 0;
}

/* Signals arrive through a signalfd in the loop, never as handlers. */
static int
signals_setup(struct agent *a)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, &a->oldmask) == -1) {
		log_warn("sigprocmask");
		return -1;
	}
	if ((a->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1) {
		log_warn("signalfd");
		return -1;
	}
	if (loop_add_fd(a->loop, a->sigfd, LOOP_READ, signal_read, a) == -1) {
		log_warn("signalfd watch");
		return -1;
	}
	return 0;
}

/* Adopt the link as it is: an up link stays announced through an agent
 * restart, a down or missing one waits for `rise` good cycles. */
static void
adopt_link(struct agent *a)
{
	const struct conf *conf = a->conf;
	struct health_params p;
	enum nl_state st;

	addr6_recall(a);
	st = nl_link_state(a->link);
	a->seen_link = st;
	health_params_from(conf, &p);
	health_init(&a->health, &p, st == NL_UP, loop_now_us());
	if (st == NL_ABSENT)
		log_warnx("%s: interface does not exist; starting withdrawn, "
		    "will act when it appears", conf->interface);
	else
		log_info("%s: link is %s at start: %s", conf->interface,
		    nl_state_str(st), st == NL_UP ?
		    "staying announced unless probes fail" :
		    "staying withdrawn until probes pass");
	hold_recall(a);
	snprintf(a->st.reason, sizeof(a->st.reason), "started with %s %s",
	    conf->interface, nl_state_str(st));
}

struct agent *
agent_new(struct conf *conf)
{
	struct agent *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		log_warn("agent");
		conf_free(conf);
		return NULL;
	}
	a->conf = conf;
	a->sigfd = -1;
	/* A state that persists is said once a minute at most; a fight or
	 * a starving watchdog once every 10 s, after a short burst. */
	a->rl_addr6 = (struct log_rl)LOG_RL(60000000u, 1);
	a->rl_metrics = (struct log_rl)LOG_RL(60000000u, 1);
	a->rl_prefixes = (struct log_rl)LOG_RL(60000000u, 1);
	a->rl_hold = (struct log_rl)LOG_RL(60000000u, 1);
	a->rl_fight = (struct log_rl)LOG_RL(10000000u, 1);
	a->rl_watchdog = (struct log_rl)LOG_RL(10000000u, 1);
	status_init(&a->st, ANYCASTD_VERSION, getpid(), loop_now_us());

	if ((a->loop = loop_new()) == NULL) {
		log_warn("event loop");
		goto fail;
	}
	if (signals_setup(a) == -1)
		goto fail;
	if ((a->notify = notify_new()) == NULL) {
		log_warn("notify");
		goto fail;
	}
	if ((a->cycle_timer = loop_timer_new(a->loop, cycle_start, a)) == NULL ||
	    (a->wd_timer = loop_timer_new(a->loop, watchdog_tick, a)) == NULL) {
		log_warn("timers");
		goto fail;
	}
	if ((a->link = nl_link_new(a->loop, conf->interface, link_changed,
	    a)) == NULL) {
		log_warn("%s: cannot open netlink", conf->interface);
		goto fail;
	}
	if ((a->pool = probe_pool_new(a->loop)) == NULL) {
		log_warn("probes");
		goto fail;
	}
	if (probes_new(a) == -1)
		goto fail;
	adopt_link(a);
	if (drain_start(a) == -1 || ctl_setup(a) == -1)
		goto fail;
	bird_setup(a);
	sockdiag_setup(a);
	return a;
fail:
	agent_free(a);
	return NULL;
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	ctl_free(a->ctl);
	nl_sockdiag_free(a->sockdiag);
	bird_free(a->bird);
	probes_free(a);
	probe_pool_free(a->pool);
	nl_link_free(a->link);
	loop_timer_free(a->cycle_timer);
	loop_timer_free(a->wd_timer);
	notify_free(a->notify);
	if (a->sigfd != -1) {
		if (a->loop != NULL)
			loop_del_fd(a->loop, a->sigfd);
		close(a->sigfd);
		(void)sigprocmask(SIG_SETMASK, &a->oldmask, NULL);
	}
	loop_free(a->loop);
	conf_free(a->conf);
	free(a->addr6);
	status_free(&a->st);
	free(a);
}

int
agent_run(struct agent *a)
{
	uint64_t wd;

	a->last_cycle_done_us = loop_now_us();
	watchdog_setup(a);
	log_info("started: %s, %d probe%s, rise %d fall %d, interval %u ms, "
	    "fast %u ms, hold-down %u ms", a->conf->interface, a->nslots,
	    a->nslots == 1 ? "" : "s", a->conf->rise, a->conf->fall,
	    a->conf->interval_ms, a->conf->fast_interval_ms,
	    a->conf->hold_down_ms);
	a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS;
	loop_set_before_sleep(a->loop, publish, a);
	notify_ready(a->notify);
	if ((wd = notify_watchdog_usec(a->notify)) != 0) {
		notify_watchdog(a->notify);
		(void)loop_timer_arm(a->wd_timer, wd / 2);
	}
	(void)loop_timer_arm(a->cycle_timer, 0);
	if (loop_run(a->loop) == -1)
		a->exit_code = 1;
	return a->exit_code;
}
