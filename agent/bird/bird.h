/* BIRD's own view, read from its control socket (the protocol birdc
 * speaks), never by running birdc.  The client polls on its own timer: "show
 * protocols", then for every BGP protocol whether each anycast prefix is
 * exported to it.  It never blocks and never hangs: every poll has a deadline,
 * and an unreachable or silent BIRD is a view that says so. */
#ifndef ANYCASTD_BIRD_H
#define ANYCASTD_BIRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BIRD_MAX_PROTOS		64	/* BGP protocols tracked */
#define BIRD_MAX_PREFIXES	64	/* one bit each in bird_proto.exported */
#define BIRD_PREFIX_LEN		52	/* "ffff:...:ffff/128" and a NUL */

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

struct bird_view {
	bool		reachable;	/* the last poll completed */
	char		error[192];	/* why not, for status and the log */
	char		version[32];	/* from the "0001 BIRD x.y ready." greeting */
	uint64_t	polled_us;	/* monotonic start of that poll, 0: never */
	uint64_t	done_us;	/* monotonic end of that poll */
	int		nprefixes;	/* 0: count every exported route */
	char		prefixes[BIRD_MAX_PREFIXES][BIRD_PREFIX_LEN];
	int		nprotos;
	bool		truncated;	/* more BGP protocols than we track */
	struct bird_proto protos[BIRD_MAX_PROTOS];
};

/* Called after every poll, complete or failed, with the new view. */
typedef void bird_cb(void *arg, const struct bird_view *);

/* Polls path every interval_us, giving each poll timeout_us to finish.  The
 * first poll starts at once.  NULL on allocation failure. */
struct bird	*bird_new(struct loop *, const char *path, uint64_t interval_us,
		    uint64_t timeout_us, bird_cb *, void *arg);
void		 bird_free(struct bird *);
/* The anycast prefixes, a space-separated list of CIDRs; host bits are
 * cleared ("198.51.100.1/24" counts as 198.51.100.0/24).  NULL or "" means
 * none: every exported route counts.  0, or -1 with err naming the bad one. */
int		 bird_set_prefixes(struct bird *, const char *list, char *err,
		    size_t errlen);
/* Starts a poll now unless one is running (e.g. right after a withdrawal). */
void		 bird_poll_now(struct bird *);
const struct bird_view *bird_view(const struct bird *);
const char	*bird_path(const struct bird *);

/* --- Pure parts, unit-tested on replies captured from BIRD 2.0.12. --- */

/* Length of the first complete reply in buf (through the newline of its last
 * line: a 4-digit code followed by a space), 0 if incomplete, -1 if a line is
 * neither "DDDD-", "DDDD " nor a " " continuation. */
ssize_t		 bird_reply_end(const char *buf, size_t len);
/* "0001 BIRD 2.0.12 ready." -> "2.0.12".  0 or -1. */
int		 bird_parse_greeting(const char *reply, size_t len, char *version,
		    size_t versionlen);
/* "show protocols": appends every BGP protocol to v (name, state, info).
 * 0, or -1 with err holding BIRD's error line. */
int		 bird_parse_protocols(const char *reply, size_t len,
		    struct bird_view *v, char *err, size_t errlen);
/* "show route PREFIX export PROTO": 1 if a route for exactly prefix is
 * listed, 0 if not ("Network not found", or "No valid tables" for a protocol
 * whose channels are down), -1 with err on any other error. */
int		 bird_parse_export(const char *reply, size_t len,
		    const char *prefix, char *err, size_t errlen);
/* "show route export PROTO count": routes exported, or -1 with err. */
long		 bird_parse_count(const char *reply, size_t len, char *err,
		    size_t errlen);
/* "198.51.100.1/24" -> "198.51.100.0/24"; a bare address is a host route.
 * 0, or -1 if it is not an IPv4/IPv6 prefix. */
int		 bird_prefix_normalize(const char *in, char *out, size_t outlen);
/* Parses a list into v->prefixes; 0, or -1 with err. */
int		 bird_prefixes_parse(const char *list, struct bird_view *v,
		    char *err, size_t errlen);

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
