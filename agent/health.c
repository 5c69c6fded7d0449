/* The announce/withdraw policy.  A pure state machine: it counts consecutive
 * good and bad cycles and decides when the node should announce or withdraw.
 * It performs no I/O and reads no clock; time comes in as an argument, so
 * tests/health can drive it with tables.  It does not know how a cycle was
 * judged, nor how an announcement is carried out. */
#include <stddef.h>

#include "health.h"

/* Streaks are capped so that a node healthy for years cannot overflow. */
#define STREAK_MAX	1000000

static void
change(struct health *h, enum health_state s, uint64_t now)
{
	h->state = s;
	h->since = now;
}

void
health_init(struct health *h, const struct health_params *p, bool link_up,
    uint64_t now)
{
	h->p = *p;
	h->good = h->bad = 0;
	h->refused = false;
	h->drained = false;
	/* A restart of the agent is not a withdrawal: no hold-down at start.
	 * A link that is up stays announced until `fall` bad cycles say
	 * otherwise, so restarting the agent never flaps a healthy node. */
	h->held = false;
	h->withdrawn_at = 0;
	change(h, link_up ? HEALTH_ANNOUNCED : HEALTH_WITHDRAWN, now);
}

void
health_restore_hold(struct health *h, uint64_t withdrawn_at)
{
	if (h->state != HEALTH_WITHDRAWN)
		return;
	h->held = true;
	h->withdrawn_at = withdrawn_at;
	h->since = withdrawn_at;
}

void
health_set_params(struct health *h, const struct health_params *p)
{
	h->p = *p;
}

uint64_t
health_hold_remaining(const struct health *h, uint64_t now)
{
	uint64_t end;

	if (!h->held || h->state != HEALTH_WITHDRAWN || h->p.hold_down_us == 0)
		return 0;
	end = h->withdrawn_at + h->p.hold_down_us;
	return now < end ? end - now : 0;
}

enum health_verdict
health_step(struct health *h, enum health_cycle c, uint64_t now)
{
	if (c == HEALTH_CYCLE_GOOD) {
		if (h->good < STREAK_MAX)
			h->good++;
		h->bad = 0;
		h->refused = false;
	} else {
		if (h->bad < STREAK_MAX)
			h->bad++;
		h->good = 0;
		h->refused = c == HEALTH_CYCLE_REFUSED;
	}

	if (h->drained)
		return HEALTH_KEEP;

	switch (h->state) {
	case HEALTH_ANNOUNCED:
		if (h->bad >= h->p.fall) {
			change(h, HEALTH_WITHDRAWN, now);
			h->withdrawn_at = now;
			h->held = true;
			return HEALTH_WITHDRAW;
		}
		break;
	case HEALTH_WITHDRAWN:
		if (h->good >= h->p.rise && health_hold_remaining(h, now) == 0) {
			change(h, HEALTH_ANNOUNCED, now);
			h->held = false;
			return HEALTH_ANNOUNCE;
		}
		break;
	}
	return HEALTH_KEEP;
}

enum health_verdict
health_drain(struct health *h, bool drained, uint64_t now)
{
	if (drained == h->drained)
		return HEALTH_KEEP;
	h->drained = drained;
	if (!drained) {
		/* Back to health-driven operation, which must earn `rise`
		 * good cycles from now on: cycles seen while drained do not
		 * count, because maintenance may have changed the server. */
		h->good = 0;
		return HEALTH_KEEP;
	}
	if (h->state == HEALTH_ANNOUNCED) {
		/* A planned drain is not a failure: no hold-down after it. */
		change(h, HEALTH_WITHDRAWN, now);
		h->held = false;
		return HEALTH_WITHDRAW;
	}
	return HEALTH_KEEP;
}

bool
health_pending(const struct health *h)
{
	if (h->drained)
		return false;
	if (h->state == HEALTH_ANNOUNCED)
		return h->bad > 0;
	return h->good > 0;
}

uint64_t
health_next_interval(const struct health *h)
{
	if (!health_pending(h))
		return h->p.interval_us;
	/* Confirming a withdrawal on hard evidence: `fall` still counts
	 * cycles, but they need not wait for fast_interval. */
	if (h->state == HEALTH_ANNOUNCED && h->refused)
		return h->p.confirm_interval_us;
	return h->p.fast_interval_us;
}

const char *
health_state_str(enum health_state s)
{
	switch (s) {
	case HEALTH_ANNOUNCED:
		return "announced";
	case HEALTH_WITHDRAWN:
		return "withdrawn";
	}
	return "unknown";
}
