/* The status snapshot: everything "anycastctl status" shows and the metrics
 * file exports, in one plain struct that the agent keeps up to date, and the
 * check behind "drain --wait".  Counters live here too, so that the text,
 * the JSON and the metrics can never disagree.  The renderers are in
 * status_text.c, status_json.c and metrics.c; they take the clocks as
 * arguments, so they are pure. */
#ifndef ANYCASTD_STATUS_H
#define ANYCASTD_STATUS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bird.h"
#include "bird_check.h"
#include "drain.h"
#include "link.h"
#include "probe.h"
#include "sweep.h"

#define STATUS_LAT_BUCKETS	12	/* the last one is +Inf */

enum status_state {
	STATUS_WITHDRAWN = 0,
	STATUS_ANNOUNCED,
	STATUS_DRAINED,		/* withdrawn by the operator, whatever probes say */
	STATUS_DEGRADED,	/* announced as the least preferred path */
	STATUS_STATE_MAX
};

/* Why the state changed; each has a counter (and a metric label). */
enum status_reason {
	STATUS_REASON_FALL = 0,	/* `fall` bad cycles: withdrawn */
	STATUS_REASON_RISE,	/* `rise` good cycles: announced */
	STATUS_REASON_DRAIN,	/* operator drain */
	STATUS_REASON_UNDRAIN,	/* operator undrain: back to health-driven */
	STATUS_REASON_GUARD,	/* the fleet policy: left, back, or landed */
	STATUS_REASON_MAX
};

struct status_clock {
	uint64_t	mono_us;	/* loop_now_us() */
	int64_t		wall_us;	/* CLOCK_REALTIME, for display only */
};

struct status_probe {
	char		name[64];
	char		target[160];	/* "127.0.0.1 port 53 udp SOA example.com." */
	bool		ran;		/* has reported at least once */
	enum probe_result last;
	char		detail[128];
	uint64_t	latency_us;
	uint64_t	at_us;		/* monotonic time of the last report */
	uint64_t	results[PROBE_RESULT_MAX];
	uint64_t	buckets[STATUS_LAT_BUCKETS];	/* not cumulative */
	uint64_t	lat_sum_us;
	uint64_t	lat_count;
};

/* A fleet peer, as the agent judged it from BIRD's fleet tables. */
#define STATUS_MAX_PEERS	64
struct status_peer {
	char		 name[64];	/* BIRD protocol */
	const char	*health;	/* "announced", "degraded", "withdrawn", "down" */
	bool		 healthy;
	uint64_t	 since_us;	/* monotonic: health unchanged since */
};

struct status {
	const char	*version;
	pid_t		 pid;
	uint64_t	 started_us;

	enum status_state state;
	uint64_t	 since_us;	/* monotonic */
	char		 reason[640];	/* of the last change, for humans */
	uint64_t	 transitions[STATUS_REASON_MAX];

	char		 ifname[IF_NAMESIZE];
	int		 ifindex;	/* 0: absent */
	enum nl_state	 link;
	unsigned	 ifflags;	/* IFF_* */
	char		 addrs[512];	/* "198.51.100.1/24 2001:db8:abcd::1/48" */

	int		 rise, fall;	/* thresholds */
	int		 good, bad;	/* current streaks */
	bool		 pending;	/* a change is pending: fast cycles */
	uint64_t	 interval_us, fast_interval_us;
	uint64_t	 hold_down_us, hold_remaining_us;

	uint64_t	 cycles;	/* completed */
	uint64_t	 cycle_at_us;	/* monotonic end of the last one */
	uint64_t	 cycle_dur_us;
	bool		 cycle_good;

	int		 nprobes;
	int		 probes_alloc;	/* slots past nprobes are all zero */
	struct status_probe *probes;	/* as many as the config declares */

	struct drain_info drain;

	const char	*instance;	/* anycastd -i NAME; NULL: the default */
	const char	*bird_socket;	/* NULL: [bird] not configured */
	const struct bird_view *bird;	/* NULL until a client exists */
	struct bird_mismatch bird_mismatch;
	uint64_t	 bird_grace_us;

	/* The graceful link and the fleet guard, when configured. */
	bool		 graceful;
	char		 gs_ifname[IF_NAMESIZE];
	enum nl_state	 gs_link;
	bool		 guard;
	bool		 fleet_known;
	char		 fleet_unknown[128];	/* why not */
	int		 healthy_peers, min_healthy;
	const char	*fleet_why;		/* fleet_why_str() */
	const char	*fleet_why_key;		/* fleet_why_key() */
	int		 npeers;
	struct status_peer peers[STATUS_MAX_PEERS];
	uint64_t	 socket_events;		/* listener deaths seen */
	uint64_t	 netlink_resyncs;	/* link events lost (ENOBUFS) */

	/* [freshness]: the policy's table (NULL: off) and the sweep's
	 * figures (status_fresh.c renders them). */
	const struct fresh *fresh;
	struct sweep_info sweep;
};

/* status_init() starts an empty record; status_free() releases what the
 * status_set_*() calls allocated (the record itself is the caller's). */
void		 status_init(struct status *, const char *version, pid_t,
		    uint64_t now_us);
void		 status_free(struct status *);
/* (Re)declares the probes after a (re)load: status_set_probe() for each,
 * then status_set_nprobes() with their number.  A probe whose name is kept
 * keeps its counters, wherever it moved; the others start from zero.  The
 * array grows as needed: 0, or -1 with errno ENOMEM, and then the probes
 * that did not fit are not shown (status_set_nprobes() keeps as many as
 * there is room for). */
int		 status_set_probe(struct status *, int i, const char *name,
		    const char *target);
int		 status_set_nprobes(struct status *, int n);
/* Records one probe report: last result, counters, latency histogram. */
void		 status_probe_record(struct status *, int i, enum probe_result,
		    uint64_t latency_us, const char *detail, uint64_t now_us);
void		 status_cycle_done(struct status *, bool good, uint64_t start_us,
		    uint64_t end_us);
/* A state change: counts it under reason and keeps text for humans. */
void		 status_transition(struct status *, enum status_state,
		    enum status_reason, const char *text, uint64_t now_us);

const char	*status_state_str(enum status_state);
const char	*status_reason_key(enum status_reason);	/* "fall", ... */
const char	*status_result_key(enum probe_result);	/* "ok", "not_authoritative" */
/* Upper bounds of the latency buckets in microseconds; UINT64_MAX = +Inf. */
uint64_t	 status_bucket_le_us(int i);

/* For the renderers.  How long ago a monotonic instant was (0 if it is in
 * the future), and its wall-clock time in microseconds. */
uint64_t	 status_age_us(const struct status_clock *, uint64_t mono_us);
int64_t		 status_wall_us(const struct status_clock *, uint64_t mono_us);
/* The names of the IFF_* flags set in flags that status shows ("UP",
 * "BROADCAST", ..., "LOWER_UP"), in a fixed order; returns how many. */
#define STATUS_IF_FLAGS_MAX	8
size_t		 status_if_flags(unsigned flags,
		    const char *names[STATUS_IF_FLAGS_MAX]);

/* The "drain --wait" condition: the link is not up and, when BIRD is
 * configured, a BIRD poll that started after the withdrawal found no anycast
 * prefix exported to any BGP protocol.  why says what is still missing,
 * sanitised by text.h (it may quote BIRD), for anycastctl to print as is. */
bool		 status_withdrawn(const struct status *, char *why, size_t whylen);

/* Renderers (status_text.c, status_json.c): 0, or -1 if the stream
 * failed. */
int		 status_render_text(const struct status *, const struct status_clock *,
		    FILE *);
int		 status_render_json(const struct status *, const struct status_clock *,
		    FILE *);

/* status_fresh.c: the freshness parts of the above and of the metrics,
 * and "anycastctl zones" (every zone, or the stale and missing ones). */
struct json;
struct prom;
void		 status_fresh_text(const struct status *,
		    const struct status_clock *, FILE *);
void		 status_fresh_json(struct json *, const struct status *,
		    const struct status_clock *);
void		 metrics_fresh(struct prom *, const struct status *,
		    const struct status_clock *);
int		 status_render_zones(const struct status *,
		    const struct status_clock *, bool stale_only, bool json,
		    FILE *);

#endif
