/* The link made to match the decision, and kept matched: whoever else
 * changes it (an operator's `ip`, systemd-networkd), the agent puts it back,
 * without fighting flat out.  Also what of the link must survive a restart
 * of the agent: the IPv6 addresses the kernel flushes on the way down, and
 * the hold-down of the last withdrawal (both in the state directory,
 * store.c). */
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

/* BIRD is polled on its own clock: fast enough for "drain --wait" and the
 * status, slow enough to cost BIRD nothing. */
#define BIRD_POLL_US		1000000u
#define BIRD_TIMEOUT_US		2000000u

struct agent;


/* --- the link ---------------------------------------------------------- */

void
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

void
addr6_save(struct agent *a)
{
	char *now;

	/* An absent interface says nothing about the addresses it had; an
	 * unchanged table needs no second look. */
	if (nl_link_state(a->link) == NL_ABSENT ||
	    (a->addr6_known && nl_link_addrs_gen(a->link) == a->addr6_gen))
		return;
	if ((now = addr6_list(a)) == NULL) {
		log_rl_warn(&a->rl_addr6, "%s: cannot list the IPv6 addresses",
		    a->conf->interface);
		return;
	}
	if (a->addr6 != NULL && strcmp(now, a->addr6) == 0) {
		free(now);
		a->addr6_gen = nl_link_addrs_gen(a->link);
		a->addr6_known = true;
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
	a->addr6_gen = nl_link_addrs_gen(a->link);
	a->addr6_known = true;
}

void
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

void
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

void
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
/* The config's limit is the BIRD client's (one bit each in a uint64_t);
 * the build, not a comment, keeps them in step. */
_Static_assert(CONF_MAX_PREFIXES <= BIRD_MAX_PREFIXES,
    "[bird] prefixes must fit in the BIRD client's view");

void
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

void
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

