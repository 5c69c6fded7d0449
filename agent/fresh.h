/* Zone freshness: the pure policy.  Each zone's local SOA serial against
 * the primary's, compared with RFC 1982 serial arithmetic; local failures
 * (the node does not serve the zone) told apart from shared ones (the
 * primary cannot be asked).  No I/O, no clock of its own: the caller passes
 * what the servers said and the time.  Table-tested in tests/fresh. */
#ifndef ANYCASTD_FRESH_H
#define ANYCASTD_FRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fresh_state {
	FRESH_UNKNOWN = 0,	/* not compared yet */
	FRESH_FRESH,		/* serials equal, or behind for at most max_lag */
	FRESH_STALE,		/* behind for longer than max_lag, or expired */
	FRESH_MISSING,		/* the local server does not serve it */
	FRESH_STATE_MAX
};

/* What one server said about one zone in one round. */
enum fresh_obs_kind {
	FRESH_OBS_NONE = 0,	/* not asked this round */
	FRESH_OBS_OK,		/* NOERROR, AA, the SOA: serial and expire */
	FRESH_OBS_MISSING,	/* REFUSED, SERVFAIL, NXDOMAIN, no AA, no SOA */
	FRESH_OBS_FAILED,	/* no usable answer: timeout, unreachable, ... */
};

struct fresh_obs {
	enum fresh_obs_kind	 kind;
	uint32_t		 serial, expire;
	char			 why[48];	/* MISSING, FAILED: "rcode REFUSED" */
};

/* RFC 1982 3.2: -1 if a < b, 0 if equal, 1 if a > b, and FRESH_UNDEFINED
 * when they are 2^31 apart, where the RFC leaves the order undefined. */
#define FRESH_UNDEFINED	2
int		 fresh_serial_cmp(uint32_t a, uint32_t b);

struct fresh_zone {
	char			*name;		/* "example.com." */
	enum fresh_state	 state;
	uint64_t		 state_since;
	bool			 have_local, have_primary;
	uint32_t		 local, primary;	/* last serials seen */
	uint32_t		 expire_s;		/* the local SOA's EXPIRE */
	uint64_t		 ahead_since;	/* primary first seen ahead; 0: not */
	bool			 lag_paused;	/* the primary was not usable since */
	uint64_t		 fresh_at;	/* last confirmed fresh; 0: never */
	bool			 primary_behind;	/* the primary's serial is lower */
	bool			 undefined;	/* 2^31 apart: taken as behind */
	bool			 expired;	/* stale because of EXPIRE */
	char			 why[48];	/* of MISSING */
	/* The sweep's round, kept here so that a reload's merge keeps it. */
	struct fresh_obs	 r_local, r_primary;
	uint32_t		 r_round;	/* the round it was asked in */
	uint8_t			 r_wait;	/* answers still awaited */
	uint8_t			 r_addr;	/* first primary address tried */
	uint8_t			 r_try;		/* addresses tried so far */
};

struct fresh_params {
	uint64_t	 max_lag_us;
	uint32_t	 max_stale;	/* a count, or hundredths of a percent */
	bool		 max_stale_pct;
};

/* What fresh_judge() did. */
#define FRESH_EV_CHANGED	0x1	/* the zone's state changed */
#define FRESH_EV_BEHIND		0x2	/* the primary is behind the node */
#define FRESH_EV_EXPIRED	0x4	/* stale by EXPIRE */

struct fresh;

struct fresh	*fresh_new(const struct fresh_params *);
void		 fresh_free(struct fresh *);
void		 fresh_set_params(struct fresh *, const struct fresh_params *);
/* The zone list, sorted by strcmp() and unique (conf.c's); a zone already
 * known keeps its state, a new one starts unknown, a dropped one is
 * forgotten.  0, or -1 with errno ENOMEM (and nothing changed). */
int		 fresh_set_zones(struct fresh *, char *const *names, int n,
		    uint64_t now_us);
int		 fresh_nzones(const struct fresh *);
struct fresh_zone *fresh_zone(struct fresh *, int i);
const struct fresh_zone *fresh_zone_c(const struct fresh *, int i);
/* Index of the zone, or -1. */
int		 fresh_find(const struct fresh *, const char *name);
/* Index of the first zone not before name (fresh_nzones() if none). */
int		 fresh_lower_bound(const struct fresh *, const char *name);

/* One round for zone i: what the local server and the primary said (NONE
 * for the primary: not asked, e.g. a local-only sweep).  Returns
 * FRESH_EV_* bits. */
unsigned	 fresh_judge(struct fresh *, int i, const struct fresh_obs *local,
		    const struct fresh_obs *primary, uint64_t now_us);
/* One answer or failure of the primary (after every address was tried).
 * The primary is unreachable after FRESH_DOWN_AFTER failures in a row
 * (fewer with fewer zones) and reachable again at the first answer.
 * Returns 1 when it comes back, -1 when it goes, 0 otherwise. */
#define FRESH_DOWN_AFTER	3
int		 fresh_primary_seen(struct fresh *, bool answered, const char *why,
		    uint64_t now_us);
bool		 fresh_primary_up(const struct fresh *);
const char	*fresh_primary_why(const struct fresh *);	/* of the last failure */
uint64_t	 fresh_primary_since(const struct fresh *);

int		 fresh_count(const struct fresh *, enum fresh_state);
/* Stale and missing zones that max_stale allows: rounded down. */
int		 fresh_allowed(const struct fresh *);
/* True while more zones are stale or missing than allowed; reason then
 * says "N zones stale: example.com (serial 1 < 3 for 6m12s), ...". */
bool		 fresh_failing(const struct fresh *, uint64_t now_us,
		    char *reason, size_t len);
/* One zone's line for humans: "(serial 1 < 3 for 6m12s)", "(missing:
 * rcode REFUSED)". */
void		 fresh_zone_why(const struct fresh_zone *, uint64_t now_us,
		    char *buf, size_t len);
/* The longest time a zone has been behind the primary, in microseconds. */
uint64_t	 fresh_lag_max_us(const struct fresh *, uint64_t now_us);
const char	*fresh_state_str(enum fresh_state);

#endif
