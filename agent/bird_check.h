/* The agent's judgement of BIRD's view (bird_check.c). */
#ifndef ANYCASTD_BIRD_CHECK_H
#define ANYCASTD_BIRD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bird_view;

/* Does BIRD do what anycastd intends?  Announced: every anycast prefix is
 * exported to at least one Established BGP protocol.  Withdrawn: no anycast
 * prefix is exported to any BGP protocol.  An unreachable BIRD disagrees; a
 * view never polled agrees (nothing is known yet).  why explains a "no". */
bool		 bird_view_agrees(const struct bird_view *, bool want_announced,
		    char *why, size_t whylen);
/* True if some anycast prefix is exported to some BGP protocol; why names
 * the first such prefix and protocol. */
bool		 bird_view_exports(const struct bird_view *, char *why,
		    size_t whylen);

/* Disagreement that lasts longer than a grace period, reported once. */
struct bird_mismatch {
	bool		want;		/* intended state the clock runs for */
	bool		disagree;
	bool		flagged;	/* disagreeing for longer than grace */
	uint64_t	since_us;	/* start of the disagreement */
	char		why[192];
};

enum bird_mismatch_event {
	BIRD_MISMATCH_NONE = 0,
	BIRD_MISMATCH_RAISED,	/* log a warning, once */
	BIRD_MISMATCH_CLEARED,	/* log that it is resolved */
};

/* Feeds the latest view.  A change of intended state restarts the clock,
 * since BIRD needs a moment to follow any change. */
enum bird_mismatch_event bird_mismatch_step(struct bird_mismatch *,
		    const struct bird_view *, bool want_announced,
		    uint64_t now_us, uint64_t grace_us);

#endif
