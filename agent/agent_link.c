/* The links made to match the decision, and kept matched: whoever else
 * changes them (an operator's `ip`, systemd-networkd), the agent puts them
 * back, without fighting flat out.  Two links at most: the anycast
 * interface, up while announced, and the graceful one, up while degraded.
 * The order of a change matters: to degrade, the graceful link comes up
 * before the anycast one goes down, and to restore, the anycast link comes
 * up before the graceful one goes down, so that BIRD replaces the route
 * in place and the upstream never sees a withdrawal in between.
 *
 * Also what of the links must survive a restart of the agent: the IPv6
 * addresses the kernel flushes on the way down (one file per link), and
 * the hold-down of the last withdrawal (both in the state directory,
 * store.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent_priv.h"
#include "bird.h"
#include "conf.h"
#include "duration.h"
#include "file.h"
#include "fleet.h"
#include "health.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "prefix.h"
#include "store.h"

/* --- the links ---------------------------------------------------------- */

/* Whether port should be up for the current target. */
static bool
port_want(const struct agent *a, const struct port *p)
{
	return a->fleet.target == (p->graceful ? FLEET_DEGRADED :
	    FLEET_ANNOUNCED);
}

/* 0, or -1 when the kernel refused (logged). */
static int
port_set(struct agent *a, struct port *p, const char *why)
{
	bool want = port_want(a, p);
	enum nl_state st;

	if (p->link == NULL)
		return 0;
	/* netlink/ has said that it is gone; link_changed() acts when it
	 * appears. */
	if ((st = nl_link_state(p->link)) == NL_ABSENT || (st == NL_UP) == want)
		return 0;
	if (nl_link_set_up(p->link, want) == -1) {
		log_warn("%s: cannot set link %s (%s)", p->ifname,
		    want ? "up" : "down", why);
		return -1;
	}
	log_debug("%s: set %s (%s)", p->ifname, want ? "up" : "down", why);
	return 0;
}

int
enforce(struct agent *a, const char *why)
{
	int rc;

	/* The link that will carry the route comes up first. */
	if (a->fleet.target == FLEET_DEGRADED) {
		rc = port_set(a, &a->gs, why);
		return port_set(a, &a->main, why) | rc;
	}
	rc = port_set(a, &a->main, why);
	return port_set(a, &a->gs, why) | rc;
}

bool
links_match(const struct agent *a)
{
	const struct port *ports[] = { &a->main, &a->gs };
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct port *p = ports[i];
		enum nl_state st;

		if (p->link == NULL ||
		    (st = nl_link_state(p->link)) == NL_ABSENT)
			continue;
		if ((st == NL_UP) != port_want(a, p))
			return false;
	}
	return true;
}

/* --- IPv6 addresses across restarts -------------------------------------
 *
 * Linux flushes IPv6 addresses when a link goes down; netlink/ remembers
 * them and puts them back when the link comes up.  That memory dies with the
 * process, so an agent restarted while withdrawn (upgrade, crash, watchdog)
 * would announce IPv4 only.  The permanent IPv6 addresses are therefore kept
 * in the state directory (store.h), one "addr/len" per line, and handed back
 * to netlink/ at start when the link is down.  When the link is up at start
 * the kernel's own list is the truth and the file is rewritten from it. */

/* The link's IPv6 addresses, one "addr/len" per line, in a buffer that
 * grows to fit: no fixed size may silently drop state.  NULL when out of
 * memory (errno set). */
static char *
addr6_list(const struct port *p)
{
	char *buf = NULL, *out = NULL, *tok, *save = NULL, *nb;
	size_t size = 2048, off = 0;

	for (;;) {
		if ((nb = realloc(buf, size)) == NULL)
			goto fail;
		buf = nb;
		if (nl_link_addrs(p->link, buf, size) >= 0)
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
port_addr6_save(struct agent *a, struct port *p)
{
	char *now;

	/* An absent interface says nothing about the addresses it had; an
	 * unchanged table needs no second look. */
	if (p->link == NULL || nl_link_state(p->link) == NL_ABSENT ||
	    (p->addr6_known && nl_link_addrs_gen(p->link) == p->addr6_gen))
		return;
	if ((now = addr6_list(p)) == NULL) {
		log_rl_warn(&a->rl_addr6, "%s: cannot list the IPv6 addresses",
		    p->ifname);
		return;
	}
	if (p->addr6 == NULL || strcmp(now, p->addr6) != 0) {
		if (store_addr6_save(a->conf->state_dir, p->store, now) == -1) {
			log_rl_warn(&a->rl_addr6, "%s/%s: cannot save the IPv6 "
			    "addresses", a->conf->state_dir, p->store);
			free(now);
			return;
		}
		if (log_rl_clear(&a->rl_addr6))
			log_info("%s/%s: saved again", a->conf->state_dir,
			    p->store);
		free(p->addr6);
		p->addr6 = now;
	} else
		free(now);
	p->addr6_gen = nl_link_addrs_gen(p->link);
	p->addr6_known = true;
}

void
addr6_save(struct agent *a)
{
	port_addr6_save(a, &a->main);
	port_addr6_save(a, &a->gs);
}

void
addr6_recall(struct agent *a, struct port *p)
{
	char *buf, *tok, *save = NULL;
	int n = 0;

	if (p->link == NULL)
		return;
	if ((buf = store_addr6_load(a->conf->state_dir, p->store)) == NULL) {
		if (errno != ENOENT)
			log_warn("%s/%s: cannot read the IPv6 addresses",
			    a->conf->state_dir, p->store);
		return;
	}
	free(p->addr6);
	if ((p->addr6 = strdup(buf)) == NULL || nl_link_state(p->link) !=
	    NL_DOWN) {
		free(buf);
		return;
	}
	for (tok = strtok_r(buf, "\n", &save); tok != NULL;
	    tok = strtok_r(NULL, "\n", &save)) {
		if (nl_link_expect_addr6(p->link, tok) == -1)
			log_warnx("%s/%s: ignoring '%s': not an IPv6 "
			    "address/length", a->conf->state_dir, p->store,
			    tok);
		else
			n++;
	}
	free(buf);
	if (n > 0)
		log_info("%s: link is down; %d IPv6 address%s from the last "
		    "run will be restored when it comes up", p->ifname,
		    n, n == 1 ? "" : "es");
}

void
port_clear(struct port *p)
{
	nl_link_free(p->link);
	p->link = NULL;
	free(p->addr6);
	p->addr6 = NULL;
	p->addr6_known = false;
}

/* --- hold-down across restarts ------------------------------------------
 *
 * A withdrawal's hold-down must not end because the agent restarted (a crash
 * loop, a watchdog kill while named flaps).  Every health withdrawal records
 * when it happened in the state directory; a start with the link down
 * honours what is left of it.  Within one boot (same kernel boot id) the
 * record's CLOCK_BOOTTIME is used, which no `date -s` or NTP step moves: a
 * wall-clock step must neither stretch nor cut a hold.  Across a reboot only
 * the wall clock is left; a record from the future then (the clock is
 * behind it) keeps the whole hold, the safe side, at most hold_down. */

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The kernel's boot id, or "" when it cannot be read (then only the wall
 * clock is recorded and trusted). */
static void
boot_id(char *out, size_t outlen)
{
	char buf[STORE_BOOT_ID_MAX];
	size_t len = 0;

	out[0] = '\0';
	if (file_read("/proc/sys/kernel/random/boot_id", buf, sizeof(buf),
	    &len) == -1)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	if (buf[0] != '\0' && strchr(buf, ' ') == NULL)
		snprintf(out, outlen, "%s", buf);
}

static void
hold_write(struct agent *a, bool sync)
{
	if (store_hold_save(a->conf->state_dir, &a->hold_rec, sync) == -1)
		log_rl_warn(&a->rl_hold, "%s/%s: cannot record the withdrawal; "
		    "a restart would cut its hold-down short",
		    a->conf->state_dir, STORE_HOLD);
	else
		(void)log_rl_clear(&a->rl_hold);
}

/* Before the link goes down: the record is in place (renamed, not yet
 * fsynced) so that a crash of the agent right after the withdrawal still
 * finds it; fault_sigkill saw a kill -9 between the two announce the node
 * 334 ms after it withdrew, inside a 400 ms hold-down. */
void
hold_note(struct agent *a)
{
	if (a->conf->hold_down_ms == 0)
		return;
	a->hold_rec.wall_ms = clock_ms(CLOCK_REALTIME);
	a->hold_rec.boot_ms = clock_ms(CLOCK_BOOTTIME);
	boot_id(a->hold_rec.boot_id, sizeof(a->hold_rec.boot_id));
	hold_write(a, false);
}

/* After the link went down: the same record made durable (fsync), so
 * that the withdrawal never waits for the disk. */
void
hold_save(struct agent *a)
{
	if (a->conf->hold_down_ms == 0)
		return;
	hold_write(a, true);
}

void
hold_recall(struct agent *a)
{
	char left[DUR_FMT_MAX], id[STORE_BOOT_ID_MAX];
	struct store_hold h;
	uint64_t now, ago;

	if (a->health.state != HEALTH_WITHDRAWN || a->conf->hold_down_ms == 0)
		return;
	if (store_hold_load(a->conf->state_dir, &h) == -1) {
		if (errno == EINVAL)
			log_warnx("%s/%s: not a withdrawal record; ignored",
			    a->conf->state_dir, STORE_HOLD);
		else if (errno != ENOENT)
			log_warn("%s/%s: cannot read", a->conf->state_dir,
			    STORE_HOLD);
		return;
	}
	boot_id(id, sizeof(id));
	if (h.boot_id[0] != '\0' && strcmp(h.boot_id, id) == 0 &&
	    (now = clock_ms(CLOCK_BOOTTIME)) >= h.boot_ms)
		ago = now - h.boot_ms;
	else if ((now = clock_ms(CLOCK_REALTIME)) >= h.wall_ms)
		ago = now - h.wall_ms;
	else
		ago = 0;
	if (ago >= a->conf->hold_down_ms)
		return;
	health_restore_hold(&a->health, loop_now_us() - ago * 1000u);
	/* The announce line's "was withdrawn for" counts from the
	 * withdrawal, not from this start. */
	if (a->fleet.target == FLEET_WITHDRAWN)
		a->fleet.since = loop_now_us() - ago * 1000u;
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
	if ((n = nl_link_prefixes(a->main.link, p, BIRD_MAX_PREFIXES)) == -1) {
		log_rl_warn(&a->rl_prefixes, "%s: BIRD's export is checked "
		    "for the first %d prefixes only", a->conf->interface,
		    BIRD_MAX_PREFIXES);
		n = BIRD_MAX_PREFIXES;
	}
	if (n > 0)
		(void)bird_set_prefixes(a->bird, p, n);
}

/* Someone else changed a link.  Put it back at once, but if something
 * keeps fighting (systemd-networkd without ActivationPolicy=manual), do not
 * fight flat out: after FIGHT_MAX changes within a second, leave the retry
 * to the next cycle, and log one line per 10 s with a count. */
#define FIGHT_MAX	5
static void
reassert(struct agent *a, struct port *p, enum nl_state st)
{
	bool want = port_want(a, p);
	uint64_t now = loop_now_us();

	if (now - p->fight_start >= 1000000u) {
		p->fight_start = now;
		p->fight_n = 0;
	}
	if (++p->fight_n <= FIGHT_MAX) {
		char why[64];
		const struct event ev = { JOURNAL_LINK_FOUGHT, LOG_WARNING,
		    why, NULL, p->ifname };

		snprintf(why, sizeof(why), "set %s behind our back",
		    nl_state_str(st));
		event_say(a, &ev, "%s: link was set %s behind our back while "
		    "%s; setting it %s again", p->ifname, nl_state_str(st),
		    fleet_target_str(a->fleet.target), want ? "up" : "down");
		enforce(a, "re-assert");
		return;
	}
	/* A fight: the next cycle puts the link back; say so now and then. */
	log_rl_warnx(&p->rl_fight, "%s: something keeps setting the link %s "
	    "(more than %d times a second); putting it back once per cycle; "
	    "is systemd-networkd's ActivationPolicy=manual set?",
	    p->ifname, nl_state_str(st), FIGHT_MAX);
}

void
link_changed(void *arg, enum nl_state st, int ifindex, unsigned flags)
{
	struct port *p = arg;
	struct agent *a = p->agent;
	bool appeared;

	(void)flags;
	/* netlink/ has logged the interface appearing or going away. */
	appeared = p->seen == NL_ABSENT && st != NL_ABSENT;
	p->seen = st;
	if (st == NL_ABSENT) {
		a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS;
		return;
	}
	if (!p->graceful)
		bird_prefixes_update(a);
	if ((st == NL_UP) != port_want(a, p)) {
		if (appeared) {
			log_info("%s: (index %d) appeared %s while %s; setting it "
			    "%s", p->ifname, ifindex, nl_state_str(st),
			    fleet_target_str(a->fleet.target),
			    st == NL_UP ? "down" : "up");
			enforce(a, "appeared");
		} else
			reassert(a, p, st);
	}
	a->dirty |= DIRTY_ALL | DIRTY_BIRD;
}
