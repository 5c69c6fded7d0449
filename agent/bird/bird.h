/* BIRD's own view, read from its control socket (the protocol birdc
 * speaks), never by running birdc.  The client polls on its own timer: "show
 * protocols", then for every BGP protocol whether each anycast prefix is
 * exported to it, then (if asked) every route of the fleet tables.  It never blocks and never hangs: every poll has a deadline,
 * and an unreachable or silent BIRD is a view that says so.  It reports; the
 * agent judges the view (agent/bird_check.h).  The reply parsers are in
 * bird_reply.h. */
#ifndef ANYCASTD_BIRD_H
#define ANYCASTD_BIRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "prefix.h"

#define BIRD_MAX_PROTOS		64	/* BGP protocols tracked */
#define BIRD_MAX_PREFIXES	64	/* one bit each in bird_proto.exported */
#define BIRD_MAX_FLEET_TABLES	4	/* e.g. fleet4, fleet6 */
#define BIRD_MAX_FLEET_ROUTES	256	/* routes of every fleet table together */
#define BIRD_MAX_COMMUNITIES	16	/* standard communities kept per route */
#define BIRD_TABLE_NAME_MAX	64

struct loop;
struct bird;

struct bird_proto {
	char		name[64];
	char		state[16];	/* BIRD's: "up", "start", "down", ... */
	char		info[96];	/* "Established", "Active", "Idle ..." */
	bool		established;	/* BGP: state "up" means Established */
	uint64_t	exported;	/* bit i: prefixes[i] exported to it */
	long		routes;		/* with no prefixes: routes exported */
};

/* A standard BGP community (RFC 1997), as BIRD prints it: (asn,value). */
struct bird_community {
	uint16_t	asn;
	uint16_t	value;
};

/* One route of a "show route table T all" reply.  Only BGP.community is
 * read; large (RFC 8092) and extended communities are ignored. */
struct bird_route {
	struct prefix	net;
	char		proto[64];	/* the BIRD protocol it came from */
	bool		primary;	/* BIRD's best route for net ("*") */
	uint8_t		table;		/* index into bird_view.fleet_tables */
	uint8_t		ncommunities;
	bool		communities_truncated;	/* more than we keep */
	struct bird_community communities[BIRD_MAX_COMMUNITIES];
};

struct bird_view {
	bool		reachable;	/* the last poll completed */
	char		error[192];	/* why not, for status and the log */
	char		version[32];	/* from the "0001 BIRD x.y ready." greeting */
	uint64_t	polled_us;	/* monotonic start of that poll, 0: never */
	uint64_t	done_us;	/* monotonic end of that poll */
	int		nprefixes;	/* 0: count every exported route */
	struct prefix	prefixes[BIRD_MAX_PREFIXES];
	int		nprotos;
	bool		truncated;	/* more BGP protocols than we track */
	struct bird_proto protos[BIRD_MAX_PROTOS];
	/* The fleet tables (bird_set_fleet_tables), read with "show route
	 * table T all" in every poll; none: fleet_ok stays false. */
	int		nfleet_tables;
	char		fleet_tables[BIRD_MAX_FLEET_TABLES][BIRD_TABLE_NAME_MAX];
	bool		fleet_ok;	/* this poll read every fleet table */
	char		fleet_error[192];	/* why not */
	int		nfleet;
	bool		fleet_truncated;	/* more routes than we keep */
	struct bird_route fleet[BIRD_MAX_FLEET_ROUTES];
};

/* Called after every poll, complete or failed, with the new view. */
typedef void bird_cb(void *arg, const struct bird_view *);

/* Polls path every interval_us, giving each poll timeout_us to finish.  The
 * first poll starts at once.  NULL on allocation failure. */
struct bird	*bird_new(struct loop *, const char *path, uint64_t interval_us,
		    uint64_t timeout_us, bird_cb *, void *arg);
void		 bird_free(struct bird *);
/* The anycast prefixes, as the config parsed them; duplicates are merged.
 * None (n 0) means every exported route counts.  0, or -1 with E2BIG when
 * there are more than BIRD_MAX_PREFIXES. */
int		 bird_set_prefixes(struct bird *, const struct prefix *, int n);
/* The tables to read routes from in every poll (the fleet's, e.g. "fleet4"
 * "fleet6"), names as in BIRD's config; n 0 turns it off (the default).
 * Takes effect at the next poll.  0, or -1 with E2BIG (more than
 * BIRD_MAX_FLEET_TABLES) or EINVAL (an empty name, one too long, or one
 * that is not a single token of letters, digits and '_'). */
int		 bird_set_fleet_tables(struct bird *, const char *const *tables,
		    int n);
/* Starts a poll now unless one is running (e.g. right after a withdrawal). */
void		 bird_poll_now(struct bird *);
const struct bird_view *bird_view(const struct bird *);
const char	*bird_path(const struct bird *);

#endif
