/* SOA queries for the zone freshness check: many zones asked of one server
 * on one c-ares channel, many queries in flight at once.  A result says
 * what the server answered (rcode, AA, serial, EXPIRE) or how it failed; it
 * never says whether the zone is fresh: the agent compares. */
#ifndef ANYCASTD_SOA_H
#define ANYCASTD_SOA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct probe_pool;
struct soa_chan;

enum soa_result {
	SOA_OK = 0,		/* NOERROR, AA, the zone's SOA in the answer */
	SOA_TIMEOUT,		/* no answer within the timeout */
	SOA_UNREACHABLE,	/* ECONNREFUSED or another socket error */
	SOA_REFUSED,		/* rcode REFUSED */
	SOA_SERVFAIL,		/* rcode SERVFAIL */
	SOA_NXDOMAIN,		/* rcode NXDOMAIN */
	SOA_NOT_AUTH,		/* AA=0: a referral, or a cache */
	SOA_NO_SOA,		/* NOERROR with AA but no SOA of the zone */
	SOA_MALFORMED,		/* unparsable, truncated, another rcode */
	SOA_RESULT_MAX
};

struct soa_reply {
	enum soa_result	 result;
	int		 rcode;		/* -1: no reply */
	bool		 aa;
	uint32_t	 serial, expire;	/* SOA_OK only */
	uint64_t	 latency_us;
	const char	*zone;		/* as queried, "example.com." */
	uint64_t	 tag;		/* as given to soa_query() */
	char		 detail[128];	/* "rcode REFUSED", "timeout after 2000ms" */
};

typedef void soa_cb(void *arg, const struct soa_reply *);

/* A channel to one server (port included), on the pool's loop.  Replies
 * are handed to cb from the loop, never from inside soa_query().  NULL
 * with errno after logging. */
struct soa_chan	*soa_chan_new(struct probe_pool *, const struct sockaddr_storage *,
		    socklen_t, uint32_t timeout_ms, soa_cb *, void *arg);
/* How often replies are read (default SOA_POLL_US); 0: as they come,
 * for a sweep that wants speed more than few wakeups. */
#define SOA_POLL_US	20000u
void		 soa_chan_set_poll(struct soa_chan *, uint64_t poll_us);
/* Queries still in flight end silently: cb is never called again. */
void		 soa_chan_free(struct soa_chan *);
/* Asks for zone's SOA (absolute name).  0, or -1 with errno (EINVAL: not
 * a name; ENOMEM). */
int		 soa_query(struct soa_chan *, const char *zone, uint64_t tag);
/* Queries sent whose reply has not been delivered yet. */
unsigned	 soa_inflight(const struct soa_chan *);
const char	*soa_result_str(enum soa_result);	/* "ok", "timeout", ... */

#endif
