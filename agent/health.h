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

enum verdict {
	VERDICT_NONE = 0,	/* no change */
	VERDICT_ANNOUNCE,
	VERDICT_WITHDRAW,
};

struct health_params {
	int		rise;		/* good cycles to announce */
	int		fall;		/* bad cycles to withdraw */
	uint64_t	interval_us;	/* cycle period when settled */
	uint64_t	fast_interval_us; /* cycle period while a change is pending */
	uint64_t	hold_down_us;	/* min time withdrawn before announcing */
};

struct health {
	struct health_params	p;
	enum health_state	state;
	int			good;		/* consecutive good cycles */
	int			bad;		/* consecutive bad cycles */
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
enum verdict	 health_step(struct health *, bool good, uint64_t now_us);
/* Operator drain: forces withdrawal now, and holds it until undrained. */
enum verdict	 health_drain(struct health *, bool drained, uint64_t now_us);
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
