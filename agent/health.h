/* The announce/withdraw policy: a pure state machine.  No I/O, no clock of
 * its own: the caller passes the time.  Table-tested in tests/health. */
#ifndef ANYCASTD_HEALTH_H
#define ANYCASTD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

enum health_state {
	HEALTH_WITHDRAWN = 0,
	HEALTH_ANNOUNCED,
};

/* How a cycle went.  REFUSED is hard evidence that nothing listens (a
 * probe got ECONNREFUSED): the cycles that confirm it run at
 * confirm_interval rather than fast_interval, since the kernel has already
 * said what a timeout would only suggest.  Any other failure is BAD. */
enum health_cycle {
	HEALTH_CYCLE_GOOD = 0,
	HEALTH_CYCLE_BAD,
	HEALTH_CYCLE_REFUSED,
};

enum health_verdict {
	HEALTH_KEEP = 0,	/* no change */
	HEALTH_ANNOUNCE,
	HEALTH_WITHDRAW,
};

struct health_params {
	int		rise;		/* good cycles to announce */
	int		fall;		/* bad cycles to withdraw */
	uint64_t	interval_us;	/* cycle period when settled */
	uint64_t	fast_interval_us; /* cycle period while a change is pending */
	uint64_t	hold_down_us;	/* min time withdrawn before announcing */
	uint64_t	confirm_interval_us; /* fast_interval, confirming a refusal */
};

struct health {
	struct health_params	p;
	enum health_state	state;
	int			good;		/* consecutive good cycles */
	int			bad;		/* consecutive bad cycles */
	bool			refused;	/* the last bad cycle was refused */
	bool			drained;	/* operator forced withdrawal */
	bool			held;		/* withdrawn_at is meaningful */
	uint64_t		withdrawn_at;	/* when the last withdrawal happened */
	uint64_t		since;		/* when state last changed */
};

/* Start-up: adopt the link's current state.  An up link stays announced
 * until `fall` bad cycles; a down (or absent) link needs `rise` good ones. */
void		 health_init(struct health *, const struct health_params *,
		    bool link_up, uint64_t now_us);
/* Start-up after an earlier run withdrew at withdrawn_at (on this machine's
 * monotonic scale, possibly before the process started): the hold-down of
 * that withdrawal still applies, so a crash loop cannot shorten it.  Only
 * meaningful when the link is down at start. */
void		 health_restore_hold(struct health *, uint64_t withdrawn_at_us);
/* Feed one completed cycle. */
enum health_verdict	 health_step(struct health *, enum health_cycle,
		    uint64_t now_us);
/* Operator drain: forces withdrawal now, and holds it until undrained. */
enum health_verdict	 health_drain(struct health *, bool drained, uint64_t now_us);
/* Adopts new parameters (reload) without changing state or counters. */
void		 health_set_params(struct health *, const struct health_params *);
/* True while the streak disagrees with the state (or hold-down delays it). */
bool		 health_pending(const struct health *);
/* Delay until the next cycle should start. */
uint64_t	 health_next_interval(const struct health *);
/* Hold-down time left at now_us, 0 if none. */
uint64_t	 health_hold_remaining(const struct health *, uint64_t now_us);
const char	*health_state_str(enum health_state);

#endif
