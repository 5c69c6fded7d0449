/* The agent decides; this file holds its life cycle.  It owns the loop,
 * the signals (signalfd), the cycle timer and the systemd watchdog timer.
 * The watchdog is fed only while cycles complete, so a stuck loop or a stuck
 * probe lets systemd restart us.  SIGHUP reloads: the new configuration is
 * parsed aside and swapped in only when it is whole.  At the end of every
 * loop turn, publish() writes out what the turn changed (STATUS=, the
 * metrics file, the IPv6 addresses, a BIRD poll), once.
 *
 * A cycle is in cycle.c, the link in agent_link.c, what operators see and
 * say in agent_ops.c; agent_priv.h lists what they share.  The agent does
 * not talk DNS, netlink, BIRD or sd_notify itself: probe/, netlink/,
 * agent/bird and systemd/ do, and report back through callbacks. */
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
#include "fleet.h"
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
	if (d & DIRTY_ADDR6) {
		addr6_save(a);
		drain_retry(a);
	}
	if (d & DIRTY_NOTIFY) {
		notify_update(a);
		a->status_sent = loop_now_us();
	}
	if ((d & DIRTY_BIRD) && a->bird != NULL)
		bird_poll_now(a->bird);
	if (d & DIRTY_METRICS)
		metrics_update(a);
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

/* Each error is logged; the first is kept in arg (a char[CONF_ERR_MAX],
 * may be NULL) for the reload-failed event's reason. */
#define CONF_ERR_MAX	512
static void
log_conf_error(void *arg, const char *file, int line, const char *msg)
{
	char *first = arg;

	if (line > 0)
		log_warnx("%s:%d: %s", file, line, msg);
	else
		log_warnx("%s: %s", file, msg);
	if (first != NULL && first[0] == '\0') {
		if (line > 0)
			snprintf(first, CONF_ERR_MAX, "%s:%d: %s", file, line,
			    msg);
		else
			snprintf(first, CONF_ERR_MAX, "%s: %s", file, msg);
	}
}

static void
reload_failed(struct agent *a, const char *path, const char *why)
{
	const struct event ev = { JOURNAL_RELOAD_FAILED, LOG_WARNING, why,
	    NULL, NULL };

	event_say(a, &ev, "%s: reload failed, still running the previous "
	    "configuration", path);
}

static bool
links_down(const struct agent *a)
{
	return nl_link_state(a->main.link) != NL_UP && (a->gs.link == NULL ||
	    nl_link_state(a->gs.link) != NL_UP);
}

/* confirm must exceed how old the fleet view can be: one BIRD poll plus
 * iBGP's propagation (milliseconds, docs/bird/README.md). */
static void
fleet_check_timing(const struct conf *c)
{
	if (c->fleet != NULL && c->fleet->confirm_ms <= c->bird_poll_ms)
		log_warnx("[fleet] confirm %u ms is not longer than [bird] poll "
		    "%u ms: nodes failing together may not see each other "
		    "degrade in time, and could all withdraw",
		    c->fleet->confirm_ms, c->bird_poll_ms);
}

static void
fleet_params_from(const struct agent *a, struct fleet_params *p)
{
	const struct conf *c = a->conf;

	memset(p, 0, sizeof(*p));
	p->graceful = c->graceful_interface[0] != '\0';
	p->graceful_us = ms_to_us(c->graceful_time_ms);
	if (c->fleet != NULL) {
		p->guard = true;
		p->min_healthy = c->fleet->min_healthy;
		p->confirm_us = ms_to_us(c->fleet->confirm_ms);
		p->unknown_withdraw = c->fleet->unknown_withdraw;
	}
}

/* The graceful link, followed like the anycast one.  0, or -1 after
 * logging (netlink could not be set up). */
static int
graceful_open(struct agent *a)
{
	struct port *p = &a->gs;

	p->ifname = a->conf->graceful_interface;
	if (p->ifname[0] == '\0')
		return 0;
	if ((p->link = nl_link_new(a->loop, p->ifname, link_changed, p)) ==
	    NULL) {
		log_warn("%s: cannot open netlink", p->ifname);
		return -1;
	}
	p->seen = nl_link_state(p->link);
	if (p->seen == NL_ABSENT)
		log_warnx("%s: graceful interface does not exist; the node "
		    "cannot degrade until it appears", p->ifname);
	return 0;
}

static void
graceful_reload(struct agent *a, const struct conf *old)
{
	if (strcmp(old->graceful_interface, a->conf->graceful_interface) == 0) {
		a->gs.ifname = a->conf->graceful_interface;
		return;
	}
	if (a->gs.link != NULL)
		log_notice("graceful interface %s is no longer used; it is "
		    "left %s", old->graceful_interface,
		    nl_state_str(nl_link_state(a->gs.link)));
	port_clear(&a->gs);
	if (graceful_open(a) == 0)
		addr6_recall(a, &a->gs);
}

/* graceful_time or confirm has run out. */
static void
fleet_tick(struct loop *l, void *arg)
{
	(void)l;
	decide(arg, NULL, false);
}

/* After a reload: a cycle that probes_free() aborted runs again now;
 * otherwise the next one keeps its time.  A reload must not add a cycle:
 * an extra good one would count towards `rise` sooner than fast_interval
 * allows (SIGHUP 70 ms after a start announced with rise 2 and 100 ms). */
static void
cycle_resume(struct agent *a, bool aborted)
{
	uint64_t next = a->cycle_start_us + health_next_interval(&a->health);

	if (aborted || next < loop_now_us())
		(void)loop_timer_arm(a->cycle_timer, 0);
	else
		(void)loop_timer_arm_at(a->cycle_timer, next);
}

/* An instance's fail-safe (anycastd-withdraw@NAME.service) reads the
 * interface from the state directory: the config may be what broke. */
static void
withdraw_env_save(const struct agent *a)
{
	if (a->conf->instance != NULL && store_withdraw_env_save(
	    a->conf->state_dir, a->conf->interface) == -1)
		log_warn("%s/%s: cannot save; anycastd-withdraw@%s.service will "
		    "not know the interface", a->conf->state_dir,
		    STORE_WITHDRAW_ENV, a->conf->instance);
}

static void
reload(struct agent *a)
{
	struct conf *nc, *old = a->conf;
	struct health_params p;
	struct fleet_params fp;
	struct nl_link *nl = NULL;
	bool aborted = a->in_cycle;
	char first[CONF_ERR_MAX] = "";

	notify_reloading(a->notify);
	log_info("%s: reloading", old->path);
	if ((nc = conf_load_instance(old->path, old->instance, log_conf_error,
	    first)) == NULL) {
		reload_failed(a, old->path, first);
		goto done;
	}
	if (strcmp(nc->interface, old->interface) != 0) {
		nl = nl_link_new(a->loop, nc->interface, link_changed, &a->main);
		if (nl == NULL) {
			snprintf(first, sizeof(first), "%s: cannot watch the "
			    "interface: %s", nc->interface, strerror(errno));
			log_warnx("%s", first);
			conf_free(nc);
			reload_failed(a, old->path, first);
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
		reload_failed(a, old->path, "cannot create the probes");
		cycle_resume(a, aborted);
		goto done;
	}
	if (nl != NULL) {
		log_notice("interface changed from %s to %s; %s is left %s",
		    old->interface, nc->interface, old->interface,
		    nl_state_str(nl_link_state(a->main.link)));
		port_clear(&a->main);
		a->main.link = nl;
		a->main.seen = nl_link_state(nl);
	}
	a->main.ifname = nc->interface;
	graceful_reload(a, old);
	ops_reload(a, old);
	(void)freshness_setup(a);
	sockwatch_update(a);
	if (strcmp(old->interface, nc->interface) != 0)
		withdraw_env_save(a);
	conf_free(old);
	health_params_from(a->conf, &p);
	health_set_params(&a->health, &p);
	fleet_params_from(a, &fp);
	fleet_set_params(&a->fleet, &fp);
	fleet_check_timing(a->conf);
	watchdog_setup(a);
	{
		const struct event ev = { JOURNAL_RELOAD_OK, LOG_INFO, NULL,
		    NULL, NULL };

		event_say(a, &ev, "%s: reloaded, %d probe%s", a->conf->path,
		    a->nslots, a->nslots == 1 ? "" : "s");
	}
	decide(a, NULL, false);
	enforce(a, "reload");
	cycle_resume(a, aborted);
done:
	notify_ready(a->notify);
	a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS;
}

static void
stop(struct agent *a, int signo)
{
	notify_stopping(a->notify);
	if (a->conf->on_exit == CONF_EXIT_WITHDRAW && !links_down(a)) {
		a->fleet.target = FLEET_WITHDRAWN;
		if (enforce(a, "on_exit") == -1)
			log_warnx("%s: cannot withdraw on exit",
			    a->conf->interface);
		else {
			const struct event ev = { JOURNAL_WITHDRAWN,
			    LOG_NOTICE, "anycastd stopping (on_exit = withdraw)",
			    NULL, NULL };

			event_say(a, &ev, "withdrawn: anycastd stopping on %s "
			    "(on_exit = withdraw)", strsignal(signo));
		}
	} else
		log_notice("stopping on %s; %s left %s (on_exit = %s)",
		    strsignal(signo), a->conf->interface,
		    nl_state_str(nl_link_state(a->main.link)),
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
	struct fleet_params fp;
	enum fleet_target start;
	enum nl_state st, gs;

	addr6_recall(a, &a->main);
	addr6_recall(a, &a->gs);
	st = a->main.seen = nl_link_state(a->main.link);
	gs = a->gs.link != NULL ? nl_link_state(a->gs.link) : NL_ABSENT;
	start = st == NL_UP ? FLEET_ANNOUNCED : gs == NL_UP ? FLEET_DEGRADED :
	    FLEET_WITHDRAWN;
	health_params_from(conf, &p);
	health_init(&a->health, &p, st == NL_UP, loop_now_us());
	fleet_params_from(a, &fp);
	fleet_init(&a->fleet, &fp, start, loop_now_us());
	if (st == NL_ABSENT)
		log_warnx("%s: interface does not exist; starting withdrawn, "
		    "will act when it appears", conf->interface);
	else if (start == FLEET_DEGRADED)
		log_info("%s: link is down and %s up at start: staying "
		    "degraded until probes pass or the fleet guard says",
		    conf->interface, a->gs.ifname);
	else
		log_info("%s: link is %s at start: %s", conf->interface,
		    nl_state_str(st), st == NL_UP ?
		    "staying announced unless probes fail" :
		    "staying withdrawn until probes pass");
	hold_recall(a);
	withdraw_env_save(a);
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
	a->rl_drain = (struct log_rl)LOG_RL(60000000u, 1);
	a->rl_watchdog = (struct log_rl)LOG_RL(10000000u, 1);
	a->rl_journal = (struct log_rl)LOG_RL(60000000u, 1);
	/* Under systemd the transitions go to the journal natively. */
	a->journal = log_to_journal();
	a->main = (struct port){ .agent = a, .ifname = conf->interface,
	    .store = STORE_ADDR6, .rl_fight = LOG_RL(10000000u, 1) };
	a->gs = (struct port){ .agent = a, .graceful = true,
	    .ifname = conf->graceful_interface, .store = STORE_ADDR6_GS,
	    .rl_fight = LOG_RL(10000000u, 1) };
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
	    (a->wd_timer = loop_timer_new(a->loop, watchdog_tick, a)) == NULL ||
	    (a->fleet_timer = loop_timer_new(a->loop, fleet_tick, a)) == NULL) {
		log_warn("timers");
		goto fail;
	}
	/* First the control socket and its lock: a second anycastd on the
	 * same socket stops here, before it opens netlink or looks at the
	 * link.  Requests are served only once the loop runs. */
	if (ctl_setup(a) == -1)
		goto fail;
	if ((a->main.link = nl_link_new(a->loop, conf->interface,
	    link_changed, &a->main)) == NULL) {
		log_warn("%s: cannot open netlink", conf->interface);
		goto fail;
	}
	if (graceful_open(a) == -1)
		goto fail;
	if ((a->pool = probe_pool_new(a->loop)) == NULL) {
		log_warn("probes");
		goto fail;
	}
	if (probes_new(a) == -1)
		goto fail;
	if (freshness_setup(a) == -1)
		goto fail;
	adopt_link(a);
	if (drain_start(a) == -1)
		goto fail;
	bird_setup(a);
	sockdiag_setup(a);
	fleet_check_timing(conf);
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
	sweep_free(a->sweep);
	probe_pool_free(a->pool);
	port_clear(&a->main);
	port_clear(&a->gs);
	loop_timer_free(a->cycle_timer);
	loop_timer_free(a->wd_timer);
	loop_timer_free(a->fleet_timer);
	notify_free(a->notify);
	if (a->sigfd != -1) {
		if (a->loop != NULL)
			loop_del_fd(a->loop, a->sigfd);
		close(a->sigfd);
		(void)sigprocmask(SIG_SETMASK, &a->oldmask, NULL);
	}
	loop_free(a->loop);
	conf_free(a->conf);
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

