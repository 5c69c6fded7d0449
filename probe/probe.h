/* DNS health probes through c-ares.  A probe sends one query when told to and
 * reports one result; it never decides what a result means for the node. */
#ifndef ANYCASTD_PROBE_H
#define ANYCASTD_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct probe;
struct probe_pool;

enum probe_result {
	PROBE_OK = 0,
	PROBE_TIMEOUT,		/* no answer within timeout */
	PROBE_REFUSED,		/* ECONNREFUSED (nobody listening) */
	PROBE_RCODE,		/* rcode differs from the expected one */
	PROBE_NOT_AUTH,		/* AA=0 while authoritative = yes */
	PROBE_NO_ANSWER,	/* no record of the queried type, answer = yes */
	PROBE_MALFORMED,	/* unparsable, QR=0, wrong ID or question */
	PROBE_TRUNCATED,	/* TC=1 over UDP */
	PROBE_SOCKET_ERROR,	/* any other socket error */
	PROBE_NO_RECURSION,	/* RA=0 while recursion = yes */
	PROBE_NOT_VALIDATED,	/* AD=0 while dnssec = yes */
	PROBE_RESULT_MAX
};

struct probe_conf {
	const char		*name;		/* [probe NAME] */
	struct sockaddr_storage	 server;	/* port included */
	socklen_t		 server_len;
	const char		*qname;		/* "example.com." */
	uint16_t		 qtype;		/* ns_t_soa, ... */
	bool			 tcp;
	uint32_t		 timeout_ms;
	int			 rcode;		/* expected rcode */
	bool			 authoritative;
	bool			 answer;
	bool			 recursion;	/* RD=1; require RA=1, RD echoed */
	bool			 dnssec;	/* EDNS DO=1; require AD=1 */
};

struct probe_report {
	enum probe_result	 result;
	int			 rcode;		/* rcode seen, or -1 */
	int			 sys_errno;	/* for PROBE_SOCKET_ERROR/REFUSED */
	uint64_t		 latency_us;	/* send to result */
	char			 detail[128];	/* "rcode SERVFAIL", "timeout after 500ms" */
};

typedef void probe_cb(void *arg, struct probe *, const struct probe_report *);

/* The channels that probes share: one per server, port and timeout for UDP
 * probes, one per TCP probe.  Free every probe before its pool. */
struct probe_pool *probe_pool_new(struct loop *);
void		 probe_pool_free(struct probe_pool *);

/* The probe copies what it needs from conf. */
struct probe	*probe_new(struct probe_pool *, const struct probe_conf *,
		    probe_cb *, void *arg);
void		 probe_free(struct probe *);
/* Sends one query; the callback fires exactly once per successful call,
 * never from inside probe_start, and never after probe_free.  -1 with
 * EBUSY if a query is already in flight. */
int		 probe_start(struct probe *);
const char	*probe_name(const struct probe *);
const char	*probe_result_str(enum probe_result);	/* "ok", "timeout", ... */

#endif
