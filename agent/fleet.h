/* The announcement policy on top of health.c: which of the three states
 * the node's links should be in, given its own health, the operator's
 * drain and what it sees of the fleet.  A pure state machine like health.c:
 * no I/O, no clock of its own.  Table-tested in tests/fleet.
 *
 *   announced   anycast0 up: the plain route
 *   degraded    the graceful link up, anycast0 down: still announced, as the
 *               least preferred path (GRACEFUL_SHUTDOWN, AS-path prepend)
 *   withdrawn   both down
 *
 * Without a graceful link an unhealthy node is withdrawn, as before.  With
 * one but no fleet guard, it degrades first and withdraws graceful_time
 * later (a soft landing).  With the guard, it withdraws only once at least
 * min_healthy other nodes have stayed healthy for confirm, counted from its
 * own degrade: nodes that fail together see each other degrade within
 * confirm, so none of them leaves.  A node that left by that rule comes
 * back, degraded, when the healthy count drops below min_healthy, unless
 * it is drained or its server refuses outright. */
#ifndef ANYCASTD_FLEET_H
#define ANYCASTD_FLEET_H

#include <stdbool.h>
#include <stdint.h>

enum fleet_target {
	FLEET_ANNOUNCED = 0,
	FLEET_DEGRADED,
	FLEET_WITHDRAWN,
	FLEET_TARGET_MAX
};

/* Why the target is what it is: for the log, status and metrics. */
enum fleet_why {
	FLEET_WHY_HEALTHY = 0,	/* announced: the probes pass */
	FLEET_WHY_FAILED,	/* withdrawn: unhealthy, no graceful link */
	FLEET_WHY_LANDING,	/* degraded, withdrawing after graceful_time */
	FLEET_WHY_LANDED,	/* withdrawn after graceful_time */
	FLEET_WHY_SHORT,	/* guard: staying, too few healthy peers */
	FLEET_WHY_CONFIRMING,	/* guard: enough peers, not yet for confirm */
	FLEET_WHY_LEFT,		/* guard: withdrawn, enough healthy peers */
	FLEET_WHY_HOLD,		/* guard: fleet unknown, staying (hold) */
	FLEET_WHY_UNKNOWN,	/* guard: fleet unknown, withdrawn */
	FLEET_WHY_READMITTED,	/* guard: back, degraded: the fleet is short */
	FLEET_WHY_STAYS_OUT,	/* guard: short, but refused or drained */
	FLEET_WHY_DRAINED,	/* withdrawn by the operator */
	FLEET_WHY_MAX
};

struct fleet_params {
	bool		graceful;	/* a graceful link exists */
	bool		guard;		/* [fleet]: the guard decides */
	int		min_healthy;	/* other nodes that must stay healthy */
	uint64_t	confirm_us;	/* ... for this long, from our degrade */
	uint64_t	graceful_us;	/* soft landing: degraded this long */
	bool		unknown_withdraw; /* fleet unknown: withdraw, not hold */
};

/* What the node knows at a step. */
struct fleet_input {
	bool		healthy;	/* health.c says announced */
	bool		drained;
	bool		refused;	/* its server refuses: nothing listens */
	bool		known;		/* the fleet view can be trusted */
	int		healthy_peers;	/* other nodes announced and healthy */
};

struct fleet {
	struct fleet_params	p;
	enum fleet_target	target;
	enum fleet_why		why;
	uint64_t		since;		/* target last changed */
	uint64_t		degraded_at;	/* start of this degrade */
	bool			enough;		/* healthy_peers >= min_healthy */
	uint64_t		enough_since;	/* ... continuously since */
	bool			by_guard;	/* withdrawn by the guard's rule */
};

/* Start from the links as they are. */
void		 fleet_init(struct fleet *, const struct fleet_params *,
		    enum fleet_target start, uint64_t now_us);
void		 fleet_set_params(struct fleet *, const struct fleet_params *);
/* The target after what the node knows now. */
enum fleet_target fleet_step(struct fleet *, const struct fleet_input *,
		    uint64_t now_us);
/* When the target may change without new input (graceful_time or confirm
 * running out); UINT64_MAX if never. */
uint64_t	 fleet_due(const struct fleet *);
const char	*fleet_target_str(enum fleet_target);
const char	*fleet_why_str(enum fleet_why);	/* a short phrase */
const char	*fleet_why_key(enum fleet_why);	/* "short", for metrics */

#endif
