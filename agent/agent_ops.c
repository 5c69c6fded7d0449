/* What operators see and say.  The status snapshot (status.c) is
 * refreshed from the agent, rendered for the control socket and the metrics
 * file, and summarised for systemd's STATUS=; BIRD's own view (agent/bird)
 * is judged against the intended state (bird_check.c); the control
 * commands (ctl.c carries them) drain and undrain, persistently (drain.c).
 * None of these may stop the agent once it runs: their failures are logged
 * and survived. */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
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

/* A poll that takes longer than this has failed: BIRD answers in
 * milliseconds, and a hung BIRD must not look like a quiet one. */
#define BIRD_TIMEOUT_US		2000000u

/* --- systemd ----------------------------------------------------------- */

void
notify_update(struct agent *a)
{
	char dur[DUR_FMT_MAX];
	int i, ok = 0;

	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].have && a->slots[i].last.result == PROBE_OK)
			ok++;
	dur_fmt_us(a->last_cycle_dur_us, dur, sizeof(dur));
	notify_status(a->notify, "%s%s; %d/%d probes ok; link %s %s; "
	    "last cycle %s", fleet_target_str(a->fleet.target),
	    a->health.drained ? " (drained)" : "", ok, a->nslots,
	    a->conf->interface, nl_state_str(nl_link_state(a->main.link)),
	    a->cycles ? dur : "pending");
}

/* --- operations: status, metrics, BIRD, drain, control socket ---------- */

static enum status_state
current_state(const struct agent *a)
{
	if (a->health.drained)
		return STATUS_DRAINED;
	switch (a->fleet.target) {
	case FLEET_ANNOUNCED:
		return STATUS_ANNOUNCED;
	case FLEET_DEGRADED:
		return STATUS_DEGRADED;
	default:
		return STATUS_WITHDRAWN;
	}
}

/* The graceful link and the fleet as the status shows them. */
static void
status_refresh_fleet(struct agent *a, struct status *st)
{
	int i;

	st->graceful = a->gs.link != NULL;
	if (st->graceful) {
		snprintf(st->gs_ifname, sizeof(st->gs_ifname), "%s",
		    a->gs.ifname);
		st->gs_link = nl_link_state(a->gs.link);
	}
	st->guard = a->conf->fleet != NULL;
	st->fleet_known = a->fleet_known;
	st->healthy_peers = a->healthy_peers;
	st->min_healthy = a->conf->fleet != NULL ?
	    a->conf->fleet->min_healthy : 0;
	st->fleet_why = fleet_why_str(a->fleet.why);
	st->fleet_why_key = fleet_why_key(a->fleet.why);
	snprintf(st->fleet_unknown, sizeof(st->fleet_unknown), "%s",
	    a->fleet_unknown);
	st->npeers = a->npeers;
	for (i = 0; i < a->npeers && i < STATUS_MAX_PEERS; i++) {
		struct status_peer *sp = &st->peers[i];

		snprintf(sp->name, sizeof(sp->name), "%s", a->peers[i].name);
		sp->health = a->peers[i].established ?
		    fleet_target_str(a->peers[i].health) : "down";
		sp->healthy = a->peers[i].established &&
		    a->peers[i].health == FLEET_ANNOUNCED;
		sp->since_us = a->peers[i].since_us;
	}
	st->socket_events = a->events;
	st->netlink_resyncs = nl_link_overflows(a->main.link) +
	    nl_link_overflows(a->gs.link);
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
	st->link = nl_link_state(a->main.link);
	st->ifindex = nl_link_index(a->main.link);
	st->ifflags = nl_link_flags(a->main.link);
	if (nl_link_addrs(a->main.link, st->addrs, sizeof(st->addrs)) < 0)
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
	st->instance = cf->instance;
	st->bird_socket = a->bird != NULL ? bird_path(a->bird) : NULL;
	st->bird = a->bird == NULL ? NULL : a->conf->fleet != NULL ?
	    &a->upview : bird_view(a->bird);
	st->bird_grace_us = ms_to_us(cf->bird_grace_ms);
	status_refresh_fleet(a, st);
	st->fresh = a->sweep != NULL ? sweep_fresh(a->sweep) : NULL;
	if (a->sweep != NULL)
		sweep_get_info(a->sweep, &st->sweep);
}

void
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

static const struct bird_view *upstream_view(struct agent *,
		    const struct bird_view *);

static void
bird_polled(void *arg, const struct bird_view *v)
{
	struct agent *a = arg;
	/* Degraded is announced too: BIRD exports the graceful route. */
	bool want = a->fleet.target != FLEET_WITHDRAWN;
	struct bird_mismatch *m = &a->st.bird_mismatch;

	if (a->conf->fleet != NULL) {
		fleet_view_update(a, v);
		decide(a, NULL, false);
	}
	v = upstream_view(a, v);
	switch (bird_mismatch_step(m, v, want, loop_now_us(),
	    ms_to_us(a->conf->bird_grace_ms))) {
	case BIRD_MISMATCH_RAISED:
		log_warnx("BIRD disagrees with anycastd (intended: %s) for "
		    "more than %u ms: %s", current_state(a) == STATUS_DRAINED ?
		    "drained" : fleet_target_str(a->fleet.target),
		    a->conf->bird_grace_ms, m->why);
		break;
	case BIRD_MISMATCH_CLEARED:
		log_info("BIRD agrees with anycastd again (%s)",
		    fleet_target_str(a->fleet.target));
		break;
	case BIRD_MISMATCH_NONE:
		break;
	}
}

/* --- the fleet, as BIRD's fleet tables show it ---------------------------
 *
 * A peer is a BIRD protocol that [fleet] peers names.  It is healthy when
 * it announces every anycast prefix of its family with the healthy
 * community and none with the degraded one.  Protocols are per family
 * (a node's IPv4 and IPv6 sessions are two), so the healthy count is the
 * least over the families: each must keep enough healthy nodes. */

static bool
peer_named(const struct conf_fleet *f, const char *name)
{
	int i;

	for (i = 0; i < f->peers.n; i++)
		if (fnmatch(f->peers.v[i], name, 0) == 0)
			return true;
	return false;
}

static bool
has_community(const struct bird_route *r, int asn, int value)
{
	int i;

	for (i = 0; i < r->ncommunities; i++)
		if (r->communities[i].asn == asn &&
		    r->communities[i].value == value)
			return true;
	return false;
}

/* How name announces the prefixes of family fam: FLEET_ANNOUNCED (all,
 * healthy), FLEET_DEGRADED (any degraded), FLEET_WITHDRAWN; *seen: any
 * route of that family at all. */
static enum fleet_target
peer_health(const struct conf_fleet *f, const struct bird_view *v,
    const char *name, int fam, bool *seen)
{
	bool all = true, degraded = false;
	int i, j;

	*seen = false;
	for (i = 0; i < v->nprefixes; i++) {
		bool healthy = false;

		if (v->prefixes[i].family != fam)
			continue;
		for (j = 0; j < v->nfleet; j++) {
			const struct bird_route *r = &v->fleet[j];

			if (strcmp(r->proto, name) != 0 ||
			    !prefix_equal(&r->net, &v->prefixes[i]))
				continue;
			*seen = true;
			if (has_community(r, f->asn, f->degraded))
				degraded = true;
			else if (has_community(r, f->asn, f->healthy))
				healthy = true;
		}
		all = all && healthy;
	}
	if (degraded)
		return FLEET_DEGRADED;
	return *seen && all ? FLEET_ANNOUNCED : FLEET_WITHDRAWN;
}

static void
fleet_unknown(struct agent *a, const char *why)
{
	if (a->fleet_known || strcmp(a->fleet_unknown, why) != 0)
		log_warnx("fleet view unknown: %s", why);
	a->fleet_known = false;
	snprintf(a->fleet_unknown, sizeof(a->fleet_unknown), "%s", why);
}

/* One peer's entry, keeping since_us while its health holds. */
static void
peer_record(struct agent *a, struct peer *old, int nold,
    const struct bird_proto *bp, enum fleet_target h, uint64_t now)
{
	struct peer *p = &a->peers[a->npeers++];
	int i;

	snprintf(p->name, sizeof(p->name), "%s", bp->name);
	p->health = h;
	p->established = bp->established;
	p->since_us = now;
	for (i = 0; i < nold; i++)
		if (strcmp(old[i].name, p->name) == 0 &&
		    old[i].health == h && old[i].established == p->established)
			p->since_us = old[i].since_us;
}

void
fleet_view_update(struct agent *a, const struct bird_view *v)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	const struct conf_fleet *f = a->conf->fleet;
	struct peer old[AGENT_MAX_PEERS];
	int nold = a->npeers, healthy[2] = { 0, 0 }, i, k, up = 0;
	bool fam_used[2] = { false, false }, seen;
	uint64_t now = loop_now_us();

	memcpy(old, a->peers, sizeof(old));
	a->npeers = 0;
	for (i = 0; i < v->nprefixes; i++)
		fam_used[v->prefixes[i].family == AF_INET6] = true;
	for (i = 0; i < v->nprotos && a->npeers < AGENT_MAX_PEERS; i++) {
		const struct bird_proto *bp = &v->protos[i];
		enum fleet_target h = FLEET_WITHDRAWN, hf;

		if (!peer_named(f, bp->name))
			continue;
		up += bp->established;
		for (k = 0; k < 2; k++) {
			hf = peer_health(f, v, bp->name, fams[k], &seen);
			if (!seen)
				continue;
			h = hf;
			healthy[k] += bp->established && hf == FLEET_ANNOUNCED;
		}
		peer_record(a, old, nold, bp, h, now);
	}
	if (!v->reachable)
		fleet_unknown(a, "BIRD unreachable");
	else if (!v->fleet_ok)
		fleet_unknown(a, v->fleet_error[0] ? v->fleet_error :
		    "the fleet tables could not be read");
	else if (a->npeers == 0)
		fleet_unknown(a, "no BGP protocol matches [fleet] peers");
	else if (up == 0)
		fleet_unknown(a, "every fleet session is down");
	else if (!fam_used[0] && !fam_used[1])
		fleet_unknown(a, "no anycast prefix known");
	else {
		if (!a->fleet_known && a->fleet_unknown[0] != '\0')
			log_info("fleet view known again");
		a->fleet_known = true;
		a->fleet_unknown[0] = '\0';
	}
	a->healthy_peers = fam_used[0] && fam_used[1] ?
	    (healthy[0] < healthy[1] ? healthy[0] : healthy[1]) :
	    fam_used[0] ? healthy[0] : healthy[1];
	a->dirty |= DIRTY_METRICS;
}

/* BIRD's view without the fleet's own iBGP sessions: what the upstream is
 * sent.  A degraded node still exports to them, and an Established fleet
 * session must not pass for an announcement to the upstream. */
static const struct bird_view *
upstream_view(struct agent *a, const struct bird_view *v)
{
	struct bird_view *u = &a->upview;
	int i;

	if (a->conf->fleet == NULL)
		return v;
	*u = *v;
	u->nprotos = 0;
	for (i = 0; i < v->nprotos; i++)
		if (!peer_named(a->conf->fleet, v->protos[i].name))
			u->protos[u->nprotos++] = v->protos[i];
	return u;
}

void
bird_setup(struct agent *a)
{
	if (a->conf->bird_socket == NULL)
		return;
	a->bird = bird_new(a->loop, a->conf->bird_socket,
	    ms_to_us(a->conf->bird_poll_ms), BIRD_TIMEOUT_US, bird_polled, a);
	if (a->bird == NULL) {
		log_warn("BIRD %s: cannot set up the client",
		    a->conf->bird_socket);
		return;
	}
	bird_prefixes_update(a);
	if (a->conf->fleet != NULL &&
	    bird_set_fleet_tables(a->bird, (const char *const *)
	    a->conf->fleet->tables.v, a->conf->fleet->tables.n) == -1)
		log_warn("BIRD: cannot follow the fleet tables");
}

static const char *
who(const struct ctl_peer *p, char *buf, size_t len)
{
	snprintf(buf, len, "uid %u pid %d", (unsigned)p->uid, (int)p->pid);
	return buf;
}

static int
cmd_drain(struct agent *a, const char *reason, bool force,
    const struct ctl_peer *p, FILE *out)
{
	uint64_t now = loop_now_us();
	enum fleet_target before = a->fleet.target;
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
	/* A drain is an order, but one that would leave the fleet short of
	 * healthy nodes is asked twice.  A degraded node counts too: in a
	 * short fleet it is what the guard keeps announced, and draining the
	 * last ones would leave the prefix announced by nobody. */
	if (!force && a->conf->fleet != NULL && before != FLEET_WITHDRAWN &&
	    (!a->fleet_known || a->healthy_peers < a->conf->fleet->min_healthy)) {
		fprintf(out, "draining would leave %d other healthy node%s%s, "
		    "fewer than min_healthy %d; drain --force to do it anyway\n",
		    a->healthy_peers, a->healthy_peers == 1 ? "" : "s",
		    a->fleet_known ? "" : " (fleet view unknown)",
		    a->conf->fleet->min_healthy);
		return CTL_CONFLICT;
	}
	memset(&d, 0, sizeof(d));
	d.drained = true;
	snprintf(d.reason, sizeof(d.reason), "%s", reason);
	d.uid = p->uid;
	d.pid = p->pid;
	d.since = (int64_t)time(NULL);
	/* Withdrawing is the safe side: drain now even if the file cannot
	 * be written (a full or read-only state directory), say so, and
	 * keep trying once per cycle (drain_retry()). */
	a->drain = d;
	(void)health_drain(&a->health, true, now);
	snprintf(text, sizeof(text), "drained by %s: %s", who(p, by,
	    sizeof(by)), reason[0] ? reason : "no reason given");
	decide(a, text, true);
	/* Act first, then persist (the disk may be slow). */
	if (drain_save(a->conf->state_dir, &d) == -1) {
		log_rl_warn(&a->rl_drain, "%s/%s: cannot save the drain; a "
		    "restart now would lose it; retrying every cycle",
		    a->conf->state_dir, STORE_DRAIN);
		a->drain_unsaved = true;
		saved = false;
	}
	{
		const struct event ev = { JOURNAL_DRAINED, LOG_NOTICE,
		    reason[0] ? reason : "no reason given", NULL, NULL };

		event_say(a, &ev, "%s%s (was %s)", text, force ? " (forced)" :
		    "", fleet_target_str(before));
	}
	status_transition(&a->st, STATUS_DRAINED, STATUS_REASON_DRAIN, text, now);
	fprintf(out, "drained (was %s)%s%s\n", fleet_target_str(before),
	    a->fleet.target == FLEET_DEGRADED ? "; degraded now, withdrawn "
	    "after graceful_time" : "",
	    saved ? "" : "; WARNING: not saved yet (retrying every cycle), a "
	    "restart before it is would lose it");
	a->dirty |= DIRTY_NOTIFY | DIRTY_METRICS | DIRTY_BIRD;
	return CTL_OK;
}

static int
cmd_undrain(struct agent *a, const char *if_reason, const struct ctl_peer *p,
    FILE *out)
{
	uint64_t now = loop_now_us();
	struct drain_info d;
	char by[64], text[128], was[sizeof(d.reason)];

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
	/* The event's reason is the drain's that is lifted. */
	snprintf(was, sizeof(was), "%s", a->drain.reason);
	a->drain = d;
	if (a->drain_unsaved) {
		a->drain_unsaved = false;
		(void)log_rl_clear(&a->rl_drain);
	}
	(void)health_drain(&a->health, false, now);
	decide(a, NULL, true);
	{
		const struct event ev = { JOURNAL_UNDRAINED, LOG_NOTICE,
		    was[0] ? was : "no reason given", NULL, NULL };

		event_say(a, &ev, "undrained by %s: announcing after %d good "
		    "cycles", who(p, by, sizeof(by)), a->conf->rise);
	}
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

/* "zones [stale] [json]", "sweep" (starts an immediate local sweep and
 * says its id) and "sweep-status ID" ("running ID" or "done ID USECS"),
 * which "anycastctl sweep --wait" polls. */
static int
cmd_fresh(struct agent *a, const char *cmd, const char *args, FILE *out)
{
	struct status_clock c;
	struct sweep_info si;
	bool stale = false, json = false;
	char buf[64], *tok, *save = NULL;
	unsigned long long id;
	char *end;

	if (a->sweep == NULL) {
		fprintf(out, "no [freshness] section in the configuration\n");
		return CTL_CONFLICT;
	}
	if (strcmp(cmd, "zones") == 0) {
		snprintf(buf, sizeof(buf), "%s", args);
		for (tok = strtok_r(buf, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "stale") == 0)
				stale = true;
			else if (strcmp(tok, "json") == 0)
				json = true;
			else {
				fprintf(out, "zones takes \"stale\" and "
				    "\"json\"\n");
				return CTL_BAD_REQUEST;
			}
		}
		status_refresh(a, &c);
		return status_render_zones(&a->st, &c, stale, json, out) == 0 ?
		    CTL_OK : CTL_FAILED;
	}
	if (strcmp(cmd, "sweep") == 0) {
		if (args[0] != '\0') {
			fprintf(out, "sweep takes no argument\n");
			return CTL_BAD_REQUEST;
		}
		fprintf(out, "%llu\n", (unsigned long long)sweep_now(a->sweep));
		return CTL_OK;
	}
	id = strtoull(args, &end, 10);
	if (args[0] == '\0' || *end != '\0') {
		fprintf(out, "sweep-status takes a sweep id\n");
		return CTL_BAD_REQUEST;
	}
	sweep_get_info(a->sweep, &si);
	if (si.now_done_id >= id)
		fprintf(out, "done %llu %llu\n", id,
		    (unsigned long long)(si.now_done_id == id ? si.now_dur_us :
		    0));
	else
		fprintf(out, "running %llu\n", id);
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
		return cmd_drain(a, args, false, p, out);
	if (strcmp(cmd, "drain-force") == 0)
		return cmd_drain(a, args, true, p, out);
	if (strcmp(cmd, "undrain") == 0) {
		if (args[0] != '\0') {
			fprintf(out, "undrain takes no argument\n");
			return CTL_BAD_REQUEST;
		}
		return cmd_undrain(a, NULL, p, out);
	}
	if (strcmp(cmd, "undrain-if") == 0)
		return cmd_undrain(a, args, p, out);
	if (strcmp(cmd, "zones") == 0 || strcmp(cmd, "sweep") == 0 ||
	    strcmp(cmd, "sweep-status") == 0)
		return cmd_fresh(a, cmd, args, out);
	if (strcmp(cmd, "info") == 0) {
		/* Who this is, for anycastctl's list of instances and its
		 * --server-unit choice. */
		fprintf(out, "instance %s\ninterface %s\nserver_unit %s\n",
		    a->conf->instance != NULL ? a->conf->instance : "-",
		    a->conf->interface, a->conf->server_unit);
		return CTL_OK;
	}
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
int
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
void
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
	} else if (a->bird != NULL) {
		bird_prefixes_update(a);
		(void)bird_set_fleet_tables(a->bird, nc->fleet != NULL ?
		    (const char *const *)nc->fleet->tables.v : NULL,
		    nc->fleet != NULL ? nc->fleet->tables.n : 0);
	}
	if (a->conf->fleet == NULL) {
		a->fleet_known = false;
		a->npeers = 0;
	}
	if (str_differs(old->state_dir, nc->state_dir) && a->health.drained &&
	    drain_save(nc->state_dir, &a->drain) == -1)
		log_warn("%s/%s: cannot save the drain", nc->state_dir,
		    STORE_DRAIN);
}

/* A drain whose file could not be written (ENOSPC, EROFS) is written
 * again once per cycle until it is; the old file, if any, stays whole
 * meanwhile (the write is atomic), and the log says it once a minute. */
void
drain_retry(struct agent *a)
{
	if (!a->drain_unsaved)
		return;
	if (drain_save(a->conf->state_dir, &a->drain) == -1) {
		log_rl_warn(&a->rl_drain, "%s/%s: cannot save the drain; a "
		    "restart now would lose it; retrying every cycle",
		    a->conf->state_dir, STORE_DRAIN);
		return;
	}
	a->drain_unsaved = false;
	(void)log_rl_clear(&a->rl_drain);
	log_info("%s/%s: the drain is saved now", a->conf->state_dir,
	    STORE_DRAIN);
}

/* A drain survives restarts: load it before the first enforce, and take an
 * up link down at once (the one case where start-up withdraws without
 * `fall` bad cycles).  A file that cannot be understood counts as drained. */
int
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
	(void)health_drain(&a->health, true, loop_now_us());
	/* The operator's order outlived us: withdrawn at once, not after a
	 * graceful_time that was served before the restart. */
	a->fleet.target = FLEET_WITHDRAWN;
	a->fleet.why = FLEET_WHY_DRAINED;
	if (!links_match(a)) {
		log_notice("%s: link is up but the node is drained: setting it "
		    "down now", a->conf->interface);
		enforce(a, "drained at start");
	}
	a->st.state = STATUS_DRAINED;
	snprintf(a->st.reason, sizeof(a->st.reason), "drained at start: %s",
	    a->drain.reason[0] ? a->drain.reason : "no reason given");
	return 0;
}

