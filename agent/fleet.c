/* The announcement policy (see fleet.h).  Pure: the agent passes what it
 * knows and the time, and carries out the target.
 *
 * Why the guard counts from the node's own degrade, not from when the peers
 * were last seen healthy: a fleet-wide failure (the same bad zone pushed
 * everywhere) makes every node degrade within a few milliseconds of each
 * other.  Each node's view of the others lags by iBGP propagation plus one
 * poll of BIRD, which confirm must exceed.  Counting from its own degrade,
 * every node then sees the others degrade before its confirm runs out, and
 * none withdraws.  Nodes that fail one after another leave one by one while
 * others are still healthy.  Timing-based staggering alone could not give
 * this: whoever waited longest would still leave the fleet empty. */
#include <stddef.h>

#include "fleet.h"

static const char *const target_names[FLEET_TARGET_MAX] = {
	[FLEET_ANNOUNCED] = "announced",
	[FLEET_DEGRADED] = "degraded",
	[FLEET_WITHDRAWN] = "withdrawn",
};

static const struct {
	const char	*key;
	const char	*text;
} whys[FLEET_WHY_MAX] = {
	[FLEET_WHY_HEALTHY] = { "healthy", "the probes pass" },
	[FLEET_WHY_FAILED] = { "failed", "the probes fail" },
	[FLEET_WHY_LANDING] = { "landing",
	    "degraded, withdrawing after graceful_time" },
	[FLEET_WHY_LANDED] = { "landed", "withdrawn after graceful_time" },
	[FLEET_WHY_SHORT] = { "short",
	    "fleet guard: staying announced (degraded), too few healthy peers" },
	[FLEET_WHY_CONFIRMING] = { "confirming",
	    "fleet guard: degraded, confirming that the peers stay healthy" },
	[FLEET_WHY_LEFT] = { "left",
	    "fleet guard: withdrawn, enough healthy peers" },
	[FLEET_WHY_HOLD] = { "hold",
	    "fleet guard: fleet view unknown, staying announced (degraded)" },
	[FLEET_WHY_UNKNOWN] = { "unknown",
	    "fleet guard: fleet view unknown, withdrawn (unknown = withdraw)" },
	[FLEET_WHY_READMITTED] = { "readmitted",
	    "fleet guard: back as degraded, the fleet is short of healthy nodes" },
	[FLEET_WHY_STAYS_OUT] = { "stays_out",
	    "fleet guard: the fleet is short, but this node's server refuses" },
	[FLEET_WHY_DRAINED] = { "drained", "drained by the operator" },
};

static void
go(struct fleet *f, enum fleet_target t, uint64_t now)
{
	if (t == f->target)
		return;
	if (t == FLEET_DEGRADED)
		f->degraded_at = now;
	f->target = t;
	f->since = now;
}

void
fleet_init(struct fleet *f, const struct fleet_params *p,
    enum fleet_target start, uint64_t now)
{
	f->p = *p;
	f->target = start;
	f->why = start == FLEET_ANNOUNCED ? FLEET_WHY_HEALTHY : FLEET_WHY_FAILED;
	f->since = f->degraded_at = now;
	f->enough = false;
	f->enough_since = 0;
	/* A node that starts withdrawn was not taken out by the guard: it
	 * waits for rise good cycles, not for the fleet to run short. */
	f->by_guard = false;
}

void
fleet_set_params(struct fleet *f, const struct fleet_params *p)
{
	f->p = *p;
}

/* Degraded, then withdrawn graceful_time later: a drain, or a failure
 * without the guard. */
static enum fleet_target
land(struct fleet *f, bool drained, uint64_t now)
{
	f->by_guard = false;
	if (f->target == FLEET_ANNOUNCED)
		go(f, FLEET_DEGRADED, now);
	if (f->target == FLEET_DEGRADED &&
	    now - f->degraded_at >= f->p.graceful_us)
		go(f, FLEET_WITHDRAWN, now);
	if (f->target == FLEET_DEGRADED)
		f->why = FLEET_WHY_LANDING;
	else
		f->why = drained ? FLEET_WHY_DRAINED : FLEET_WHY_LANDED;
	return f->target;
}

static enum fleet_target
guard_degraded(struct fleet *f, const struct fleet_input *in, uint64_t now)
{
	uint64_t from;

	if (!in->known) {
		if (f->p.unknown_withdraw) {
			go(f, FLEET_WITHDRAWN, now);
			f->by_guard = true;
			f->why = FLEET_WHY_UNKNOWN;
		} else
			f->why = FLEET_WHY_HOLD;
		return f->target;
	}
	if (!f->enough) {
		f->why = FLEET_WHY_SHORT;
		return f->target;
	}
	from = f->enough_since > f->degraded_at ? f->enough_since :
	    f->degraded_at;
	if (now - from >= f->p.confirm_us) {
		go(f, FLEET_WITHDRAWN, now);
		f->by_guard = true;
		f->why = FLEET_WHY_LEFT;
	} else
		f->why = FLEET_WHY_CONFIRMING;
	return f->target;
}

static enum fleet_target
guard(struct fleet *f, const struct fleet_input *in, uint64_t now)
{
	switch (f->target) {
	case FLEET_ANNOUNCED:
		go(f, FLEET_DEGRADED, now);
		return guard_degraded(f, in, now);
	case FLEET_DEGRADED:
		return guard_degraded(f, in, now);
	case FLEET_WITHDRAWN:
	case FLEET_TARGET_MAX:
		break;
	}
	if (!f->by_guard) {
		f->why = FLEET_WHY_FAILED;
		return f->target;
	}
	/* Re-admission: the fleet is short, and this node can still answer
	 * (a server that refuses cannot). */
	if (in->known && !f->enough) {
		if (in->refused) {
			f->why = FLEET_WHY_STAYS_OUT;
			return f->target;
		}
		go(f, FLEET_DEGRADED, now);
		f->why = FLEET_WHY_READMITTED;
		return f->target;
	}
	if (f->why != FLEET_WHY_UNKNOWN)
		f->why = FLEET_WHY_LEFT;
	return f->target;
}

enum fleet_target
fleet_step(struct fleet *f, const struct fleet_input *in, uint64_t now)
{
	bool enough = in->known && in->healthy_peers >= f->p.min_healthy;

	if (enough && !f->enough)
		f->enough_since = now;
	f->enough = enough;

	if (in->healthy && !in->drained) {
		go(f, FLEET_ANNOUNCED, now);
		f->by_guard = false;
		f->why = FLEET_WHY_HEALTHY;
		return f->target;
	}
	if (!f->p.graceful) {
		go(f, FLEET_WITHDRAWN, now);
		f->by_guard = false;
		f->why = in->drained ? FLEET_WHY_DRAINED : FLEET_WHY_FAILED;
		return f->target;
	}
	/* A drain is an operator's order: the guard does not stop it. */
	if (in->drained || !f->p.guard)
		return land(f, in->drained, now);
	return guard(f, in, now);
}

uint64_t
fleet_due(const struct fleet *f)
{
	uint64_t from;

	if (f->target != FLEET_DEGRADED)
		return UINT64_MAX;
	if (f->why == FLEET_WHY_LANDING)
		return f->degraded_at + f->p.graceful_us;
	if (f->why == FLEET_WHY_CONFIRMING) {
		from = f->enough_since > f->degraded_at ? f->enough_since :
		    f->degraded_at;
		return from + f->p.confirm_us;
	}
	return UINT64_MAX;
}

const char *
fleet_target_str(enum fleet_target t)
{
	if ((unsigned)t >= FLEET_TARGET_MAX)
		return "unknown";
	return target_names[t];
}

const char *
fleet_why_str(enum fleet_why w)
{
	if ((unsigned)w >= FLEET_WHY_MAX)
		return "unknown";
	return whys[w].text;
}

const char *
fleet_why_key(enum fleet_why w)
{
	if ((unsigned)w >= FLEET_WHY_MAX)
		return "unknown";
	return whys[w].key;
}
