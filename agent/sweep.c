/* The freshness sweep.
 *
 * A round asks every zone once of the local server and once of the
 * primary, zone k at start + k * interval / n, so that the primary sees a
 * steady trickle (10,000 zones every 30 s: one query per 3 ms), never a
 * burst, and never more than one query per zone and round per primary
 * address.  A primary address that fails is left for the next one, for
 * that zone and for the zones after it; the primary counts as unreachable
 * only when every address has failed.  One c-ares channel per server
 * carries all of its queries.
 *
 * "anycastctl sweep" asks the local server alone for every zone at once,
 * NOW_WINDOW queries in flight: the local server never has more than that
 * many of ours queued (named's UDP buffer holds some 270), and the sweep
 * runs as fast as it answers.  The primary is not asked again: each zone is
 * judged against the primary's last answer, so an operator's sweep cannot
 * turn into a burst against a hidden primary that serves every node.
 *
 * This module does I/O and keeps time; what an answer means is fresh.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "duration.h"
#include "fresh.h"
#include "log.h"
#include "loop.h"
#include "soa.h"
#include "sweep.h"
#include "text.h"

#define NOW_WINDOW	128		/* immediate sweep: queries in flight */
/* The round's timer, at most 50 Hz, which is also how often replies are
 * read (SOA_POLL_US): 10,000 zones every 30 s are 7 zones a tick. */
#define TICK_MIN_US	20000u

#define WAIT_LOCAL	0x1
#define WAIT_PRIMARY	0x2

/* Tags: the round (or immediate sweep) in the upper 32 bits, the zone's
 * index below it, the kind in the lowest two; an index that no longer
 * names the zone (a reload moved it) is looked up by name. */
#define TAG_ROUND	0u
#define TAG_NOW		1u
#define TAG(round, i, kind) \
	((uint64_t)(round) << 32 | (uint64_t)(uint32_t)(i) << 2 | (kind))
#define TAG_INDEX(t)	((int)((t) >> 2 & 0x3fffffff))

struct ep {
	struct sweep		*s;
	int			 idx;		/* -1: the local server */
	struct soa_chan		*ch;
	struct sockaddr_storage	 sa;
	socklen_t		 len;
	char			 str[64];
};

struct sweep {
	struct loop		*loop;
	struct probe_pool	*pool;
	sweep_changed_cb	*changed;
	void			*arg;
	struct fresh		*f;
	struct ep		 local;
	struct ep		 prim[CONF_MAX_PRIMARIES];
	int			 nprim;
	int			 cur;		/* primary address tried first */
	uint64_t		 interval_us;
	uint32_t		 timeout_ms;

	struct loop_timer	*tick;
	uint32_t		 round;
	uint64_t		 round_start;
	int			 next;		/* next zone of the round */
	int			 pending;	/* zones of the round unanswered */

	struct loop_timer	*now_timer;
	bool			 now_running;
	int			 now_next, now_pending;
	uint64_t		 now_start;

	struct sweep_info	 info;
	struct log_rl		 rl_behind, rl_zone, rl_send;
};

static void	tick(struct loop *, void *);
static void	now_pump(struct loop *, void *);

const struct fresh *
sweep_fresh(const struct sweep *s)
{
	return s->f;
}

void
sweep_get_info(const struct sweep *s, struct sweep_info *i)
{
	*i = s->info;
	i->now_running = s->now_running;
}

bool
sweep_failing(const struct sweep *s, char *reason, size_t len)
{
	return fresh_failing(s->f, loop_now_us(), reason, len);
}

static void
obs_of(const struct soa_reply *r, bool local, struct fresh_obs *o)
{
	memset(o, 0, sizeof(*o));
	text_copy(o->why, sizeof(o->why), r->detail[0] ? r->detail :
	    soa_result_str(r->result));
	switch (r->result) {
	case SOA_OK:
		o->kind = FRESH_OBS_OK;
		o->serial = r->serial;
		o->expire = r->expire;
		break;
	case SOA_REFUSED:
	case SOA_SERVFAIL:
	case SOA_NXDOMAIN:
	case SOA_NOT_AUTH:
	case SOA_NO_SOA:
		/* The local server answers, but not for this zone.  From
		 * the primary, the zone cannot be compared this round. */
		o->kind = local ? FRESH_OBS_MISSING : FRESH_OBS_FAILED;
		break;
	default:
		o->kind = FRESH_OBS_FAILED;
		break;
	}
}

/* Whether a primary's failure says it cannot be reached (rather than that
 * it does not know the zone). */
static bool
primary_down_kind(enum soa_result r)
{
	return r == SOA_TIMEOUT || r == SOA_UNREACHABLE || r == SOA_REFUSED ||
	    r == SOA_SERVFAIL;
}

static void
judged(struct sweep *s, int i, unsigned ev)
{
	const struct fresh_zone *z = fresh_zone_c(s->f, i);
	char why[96];

	if (ev & FRESH_EV_BEHIND)
		log_rl_warnx(&s->rl_behind, "freshness: primary behind: %s "
		    "serial %u on the primary, %u here (restored from a "
		    "backup?)", z->name, z->primary, z->local);
	if (ev & FRESH_EV_CHANGED) {
		if (z->state == FRESH_STALE || z->state == FRESH_MISSING) {
			fresh_zone_why(z, loop_now_us(), why, sizeof(why));
			log_rl_warnx(&s->rl_zone, "freshness: %s %s %s",
			    z->name, fresh_state_str(z->state), why);
		}
		s->changed(s->arg);
	}
}

static void
round_zone_done(struct sweep *s, int i)
{
	struct fresh_zone *z = fresh_zone(s->f, i);

	judged(s, i, fresh_judge(s->f, i, &z->r_local, &z->r_primary,
	    loop_now_us()));
	if (--s->pending == 0 && s->next >= fresh_nzones(s->f)) {
		s->info.rounds++;
		s->info.last_end_us = loop_now_us();
		s->info.last_dur_us = s->info.last_end_us - s->round_start;
		s->changed(s->arg);
	}
}

static void
send_primary(struct sweep *s, struct fresh_zone *z, int i, uint32_t round)
{
	struct ep *e = &s->prim[(z->r_addr + z->r_try) % s->nprim];

	s->info.queries_primary++;
	if (soa_query(e->ch, z->name, TAG(round, i, TAG_ROUND)) == -1)
		log_rl_warn(&s->rl_send, "freshness: %s: query %s", e->str,
		    z->name);
}

static void
on_reply(void *arg, const struct soa_reply *r)
{
	struct ep *e = arg;
	struct sweep *s = e->s;
	struct fresh_zone *z;
	struct fresh_obs o;
	int i, up;

	i = TAG_INDEX(r->tag);
	if ((i >= fresh_nzones(s->f) ||
	    strcmp(fresh_zone(s->f, i)->name, r->zone) != 0) &&
	    (i = fresh_find(s->f, r->zone)) == -1)
		return;		/* dropped by a reload */
	z = fresh_zone(s->f, i);
	if (e->idx < 0 && (r->tag & 3) == TAG_NOW) {
		static const struct fresh_obs none;

		obs_of(r, true, &o);
		judged(s, i, fresh_judge(s->f, i, &o, &none, loop_now_us()));
		s->now_pending--;
		now_pump(s->loop, s);
		return;
	}
	if ((uint32_t)(r->tag >> 32) != z->r_round)
		return;		/* a round restarted by a reload */
	if (e->idx < 0) {
		if (!(z->r_wait & WAIT_LOCAL))
			return;
		obs_of(r, true, &z->r_local);
		z->r_wait &= (uint8_t)~WAIT_LOCAL;
	} else {
		if (!(z->r_wait & WAIT_PRIMARY))
			return;
		if (r->result != SOA_OK && primary_down_kind(r->result)) {
			if (s->cur == e->idx)
				s->cur = (e->idx + 1) % s->nprim;
			if (++z->r_try < s->nprim) {
				send_primary(s, z, i, z->r_round);
				return;
			}
		}
		obs_of(r, false, &z->r_primary);
		z->r_wait &= (uint8_t)~WAIT_PRIMARY;
		up = fresh_primary_seen(s->f, !primary_down_kind(r->result),
		    z->r_primary.why, loop_now_us());
		if (up < 0) {
			log_warnx("freshness: primary unreachable: %s %s (%s); "
			    "no zone counts against this node", e->str,
			    z->r_primary.why, s->nprim > 1 ? "every address" :
			    "its only address");
			s->changed(s->arg);
		} else if (up > 0) {
			log_notice("freshness: primary reachable again (%s)",
			    e->str);
			s->changed(s->arg);
		}
	}
	if (z->r_wait == 0)
		round_zone_done(s, i);
}

/* Sends the zones of the round that are due by now. */
static void
tick(struct loop *l, void *arg)
{
	struct sweep *s = arg;
	int n = fresh_nzones(s->f);
	uint64_t now = loop_now_us(), due, next;

	(void)l;
	if (s->local.ch == NULL)
		return;		/* no channels: a reload failed to open them */
	if (s->next >= n && now - s->round_start >= s->interval_us) {
		/* A new round.  Zones still unanswered from the last (their
		 * timeout is shorter than the interval, so only after a
		 * reload) are forgotten. */
		s->round++;
		s->round_start = now;
		s->next = 0;
		s->pending = 0;
	}
	while (s->next < n) {
		struct fresh_zone *z;

		due = s->round_start + s->interval_us * (uint64_t)s->next /
		    (uint64_t)n;
		if (due > now)
			break;
		z = fresh_zone(s->f, s->next);
		z->r_round = s->round;
		z->r_wait = WAIT_LOCAL | WAIT_PRIMARY;
		z->r_addr = (uint8_t)s->cur;
		z->r_try = 0;
		memset(&z->r_local, 0, sizeof(z->r_local));
		memset(&z->r_primary, 0, sizeof(z->r_primary));
		s->pending++;
		s->next++;
		s->info.queries_local++;
		if (soa_query(s->local.ch, z->name, TAG(s->round, s->next - 1,
		    TAG_ROUND)) == -1)
			log_rl_warn(&s->rl_send, "freshness: %s: query %s",
			    s->local.str, z->name);
		send_primary(s, z, s->next - 1, s->round);
	}
	if (s->next < n)
		next = s->round_start + s->interval_us * (uint64_t)s->next /
		    (uint64_t)n;
	else
		next = s->round_start + s->interval_us;
	if (next < now + TICK_MIN_US && s->next < n)
		next = now + TICK_MIN_US;
	(void)loop_timer_arm_at(s->tick, next);
}

/* The immediate sweep: keeps NOW_WINDOW queries in flight. */
static void
now_pump(struct loop *l, void *arg)
{
	struct sweep *s = arg;
	int n = fresh_nzones(s->f);

	(void)l;
	if (!s->now_running)
		return;
	while (s->now_next < n && s->now_pending < NOW_WINDOW) {
		const struct fresh_zone *z = fresh_zone_c(s->f, s->now_next);

		s->info.queries_local++;
		if (soa_query(s->local.ch, z->name, TAG(s->info.now_id,
		    s->now_next++, TAG_NOW)) == -1) {
			log_rl_warn(&s->rl_send, "freshness: %s: query %s",
			    s->local.str, z->name);
			continue;
		}
		s->now_pending++;
	}
	if (s->now_next >= n && s->now_pending <= 0) {
		s->now_running = false;
		s->info.now_done_id = s->info.now_id;
		s->info.now_dur_us = loop_now_us() - s->now_start;
		s->info.last_end_us = loop_now_us();
		s->info.last_dur_us = s->info.now_dur_us;
		soa_chan_set_poll(s->local.ch, SOA_POLL_US);
		s->changed(s->arg);
	}
}

uint64_t
sweep_now(struct sweep *s)
{
	if (s->now_running || s->local.ch == NULL)
		return s->info.now_id;
	s->info.now_id++;
	s->now_running = true;
	s->now_next = 0;
	s->now_pending = 0;
	s->now_start = loop_now_us();
	/* Replies read as they come: polling would make the window of
	 * NOW_WINDOW queries wait for the clock. */
	soa_chan_set_poll(s->local.ch, 0);
	(void)loop_timer_arm(s->now_timer, 0);
	return s->info.now_id;
}

static int
ep_open(struct sweep *s, struct ep *e, int idx, const struct conf_addr *a,
    uint32_t timeout_ms)
{
	e->s = s;
	e->idx = idx;
	memcpy(&e->sa, &a->sa, a->len);
	e->len = a->len;
	snprintf(e->str, sizeof(e->str), "%s", a->str);
	if ((e->ch = soa_chan_new(s->pool, &a->sa, a->len, timeout_ms,
	    on_reply, e)) == NULL) {
		log_warn("freshness: %s: cannot set up a channel", a->str);
		return -1;
	}
	return 0;
}

static void
eps_close(struct sweep *s)
{
	soa_chan_free(s->local.ch);
	s->local.ch = NULL;
	for (int i = 0; i < s->nprim; i++) {
		soa_chan_free(s->prim[i].ch);
		s->prim[i].ch = NULL;
	}
	s->nprim = 0;
}

static int
eps_open(struct sweep *s, const struct conf_fresh *c)
{
	if (ep_open(s, &s->local, -1, &c->server, c->timeout_ms) == -1)
		return -1;
	for (int i = 0; i < c->nprimary; i++) {
		if (ep_open(s, &s->prim[i], i, &c->primary[i], c->timeout_ms)
		    == -1)
			return -1;
		s->nprim = i + 1;
	}
	s->cur = 0;
	s->timeout_ms = c->timeout_ms;
	return 0;
}

static void
params_of(const struct conf_fresh *c, struct fresh_params *p)
{
	p->max_lag_us = (uint64_t)c->max_lag_ms * 1000u;
	p->max_stale = c->max_stale;
	p->max_stale_pct = c->max_stale_pct;
}

static bool
eps_same(const struct sweep *s, const struct conf_fresh *c)
{
	if (s->nprim != c->nprimary || s->timeout_ms != c->timeout_ms ||
	    strcmp(s->local.str, c->server.str) != 0)
		return false;
	for (int i = 0; i < c->nprimary; i++)
		if (strcmp(s->prim[i].str, c->primary[i].str) != 0)
			return false;
	return true;
}

/* Where the round goes on after a reload: at the zone it was about to
 * ask (or the one after it, if that zone is gone), so that a reload asks
 * no zone twice in a round.  The zones still awaited are counted again. */
static void
round_resume(struct sweep *s, const char *next_name)
{
	int n = fresh_nzones(s->f), i;

	s->next = next_name != NULL ? fresh_lower_bound(s->f, next_name) : n;
	s->pending = 0;
	for (i = 0; i < n; i++) {
		const struct fresh_zone *z = fresh_zone_c(s->f, i);

		if (z->r_wait != 0 && z->r_round == s->round)
			s->pending++;
	}
}

int
sweep_reload(struct sweep *s, const struct conf_fresh *c)
{
	struct fresh_params p;
	char *next_name = NULL;
	bool reopen = !eps_same(s, c);

	if (s->next < fresh_nzones(s->f) &&
	    (next_name = strdup(fresh_zone(s->f, s->next)->name)) == NULL) {
		log_warn("freshness: reload");
		return -1;
	}
	if (fresh_set_zones(s->f, c->zones, c->nzones, loop_now_us()) == -1) {
		log_warn("freshness: reload");
		free(next_name);
		return -1;
	}
	params_of(c, &p);
	fresh_set_params(s->f, &p);
	s->interval_us = (uint64_t)c->interval_ms * 1000u;
	if (reopen) {
		/* Queries in flight on the old channels end silently, and
		 * a new round starts at once. */
		eps_close(s);
		s->next = fresh_nzones(s->f);
		s->round_start = 0;
		s->pending = 0;
		if (eps_open(s, c) == -1) {
			/* No sweep until a reload can open them; every
			 * zone keeps its verdict meanwhile. */
			eps_close(s);
			loop_timer_disarm(s->tick);
			free(next_name);
			return -1;
		}
	} else
		round_resume(s, next_name);
	free(next_name);
	if (s->now_running) {
		/* Its answers may be lost with the old channels: call it
		 * done rather than keep "sweep --wait" waiting. */
		s->now_running = false;
		s->info.now_done_id = s->info.now_id;
		s->info.now_dur_us = loop_now_us() - s->now_start;
		soa_chan_set_poll(s->local.ch, SOA_POLL_US);
	}
	(void)loop_timer_arm(s->tick, 0);
	log_info("freshness: %d zone%s, primary %s%s, every %s", c->nzones,
	    c->nzones == 1 ? "" : "s", c->primary[0].str,
	    c->nprimary > 1 ? " and others" : "", dur_fmt_ms(c->interval_ms,
	    (char[DUR_FMT_MAX]){ 0 }, DUR_FMT_MAX));
	s->changed(s->arg);
	return 0;
}

struct sweep *
sweep_new(struct loop *loop, struct probe_pool *pool,
    const struct conf_fresh *c, sweep_changed_cb *changed, void *arg)
{
	struct fresh_params p;
	struct sweep *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->loop = loop;
	s->pool = pool;
	s->changed = changed;
	s->arg = arg;
	s->rl_behind = (struct log_rl)LOG_RL(60000000u, 3);
	s->rl_zone = (struct log_rl)LOG_RL(60000000u, 10);
	s->rl_send = (struct log_rl)LOG_RL(60000000u, 1);
	params_of(c, &p);
	if ((s->f = fresh_new(&p)) == NULL ||
	    (s->tick = loop_timer_new(loop, tick, s)) == NULL ||
	    (s->now_timer = loop_timer_new(loop, now_pump, s)) == NULL ||
	    eps_open(s, c) == -1 || sweep_reload(s, c) == -1) {
		sweep_free(s);
		return NULL;
	}
	return s;
}

void
sweep_free(struct sweep *s)
{
	if (s == NULL)
		return;
	eps_close(s);
	loop_timer_free(s->tick);
	loop_timer_free(s->now_timer);
	fresh_free(s->f);
	free(s);
}
