/* Private to probe/: the channels of a pool (pool.c) that the probes
 * (probe.c) send their queries on.  Nothing outside probe/ includes this. */
#ifndef ANYCASTD_PROBE_PRIV_H
#define ANYCASTD_PROBE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ares.h>

struct loop;
struct probe;
struct probe_pool;

/* One c-ares channel aimed at one server, shared by every UDP probe with
 * the same server, port and timeout (a TCP probe has one of its own, so
 * that each of its queries opens a connection).  What the socket hooks saw
 * is kept here, since a socket serves all of the channel's queries. */
struct pchan {
	struct probe_pool	*pool;
	struct pchan		*next;
	int			 refs;
	bool			 dying;		/* being destroyed: refs no longer count */
	struct sockaddr_storage	 server;
	socklen_t		 server_len;
	bool			 tcp;
	bool			 own;		/* polled channel: never shared */
	bool			 polled;	/* read by pchan_poll(), not on readiness */
	uint32_t		 timeout_ms;
	ares_channel		 channel;
	int			 running;	/* queries in flight */
	/* The socket's last hard errno (reset when c-ares opens a new one),
	 * TCP EOF, and the size of the datagram being processed. */
	int			 sock_errno;
	bool			 eof;
	size_t			 udp_len;
	struct probe		*sending;	/* inside ares_send() for it */
	uint16_t		 next_id, id_step;
};

/* A channel for conf's server: a shared one, or a new one.  NULL with
 * errno after logging.  A polled channel (UDP only, never shared with
 * probes) is not watched for reading: its owner calls pchan_poll() on a
 * clock of its own, and every call reads whatever replies have queued up
 * in the socket, so a thousand answers a second cost a hundred wakeups,
 * not a thousand.  Only for queries whose latency nobody measures. */
struct pchan	*pchan_get(struct probe_pool *, const struct sockaddr_storage *,
		    socklen_t, bool tcp, bool polled, uint32_t timeout_ms,
		    const char *name);
void		 pchan_poll(struct pchan *);
/* Switches a polled channel to reading on readiness (false) and back. */
void		 pchan_set_polled(struct pchan *, bool);
void		 pchan_put(struct pchan *);
/* A query ID not in use on the channel: consecutive IDs on one channel
 * are distinct for 65536 queries. */
uint16_t	 pchan_next_id(struct pchan *);
/* After ares_send() or any processing: follow c-ares' next timeout. */
void		 pchan_rearm(struct pchan *);
/* The wire ID captured for the probe being sent, if c-ares wrote it
 * inside ares_send(). */
void		 pchan_capture(struct pchan *, const unsigned char *id2);

/* Queries leave at most POOL_BURST per POOL_BURST_US: a thousand probes
 * sent at once would overflow the server's socket buffer (named's is about
 * 200 kB, some 270 queries), and the dropped ones would time out.
 * pool_submit() sends at once when the budget allows, else queues;
 * pool_unsubmit() takes a queued probe back (true if it was queued). */
#define POOL_BURST	64
#define POOL_BURST_US	1000
void		 pool_submit(struct probe_pool *, struct probe *);
bool		 pool_unsubmit(struct probe_pool *, struct probe *);
void		 probe_send(struct probe *);

/* Reports are handed to their callbacks from the loop, never from inside
 * probe_start() or c-ares: probe.c queues a finished probe here. */
void		 pool_deliver(struct probe_pool *, struct probe *);
void		 pool_undeliver(struct probe_pool *, struct probe *);
struct loop	*pool_loop(struct probe_pool *);

/* probe.c's side of delivery and of the wire-ID capture. */
void		 probe_deliver(struct probe *);
void		 probe_wire_id(struct probe *, const unsigned char *id2);
struct probe	*probe_next_done(struct probe *);
void		 probe_set_next_done(struct probe *, struct probe *);

#endif
