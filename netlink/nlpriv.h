/* Private to netlink/: the request socket (req.c) and the address table
 * (addr.c) that link.c builds on.  Nothing outside netlink/ includes this. */
#ifndef ANYCASTD_NLPRIV_H
#define ANYCASTD_NLPRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

#include "prefix.h"

/* Large enough for any rtnetlink datagram, dumps included (the kernel sizes
 * dump skbs by the reader's buffer, up to 32 KiB). */
#define NL_BUF_SIZE	32768
/* A netlink request is answered by the kernel at once (inside our sendmsg:
 * see req.c); this bound only keeps a lost reply from stalling the event
 * loop. */
#define NL_REQ_TIMEOUT_MS	1000
/* Requests per batch: their acks (up to about 1 KiB of receive buffer each,
 * with the skb overhead) fit in the socket's default buffer. */
#define NL_BATCH_MAX		32

/* Read one datagram from a netlink socket.  Returns its length, 0 if it was
 * not sent by the kernel (ignored), or -1 with errno (ENOSPC if truncated). */
ssize_t		 nl_recv(int fd, void *buf, size_t len);

/* The request socket: one request at a time, acknowledged, bounded. */
struct nl_req;
struct nl_req	*nl_req_new(void);
void		 nl_req_free(struct nl_req *);
/* A zeroed buffer of NL_BUF_SIZE to build the next request in. */
void		*nl_req_buf(struct nl_req *);
/* Send nlh (built in nl_req_buf()), feed every reply to cb until the ack or
 * NLMSG_DONE.  0, or -1 with errno: the kernel's error from NLMSG_ERROR,
 * ETIMEDOUT, or EINTR when a dump was interrupted by a change (retry). */
int		 nl_req_run(struct nl_req *, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *arg);
/* A batch of requests sent in one sendmsg: nl_req_buf() starts it,
 * nl_req_batch_add() gives the next message's header (NULL when the batch
 * is full or has less than room bytes left), nl_req_batch_next() closes it
 * once built, and nl_req_batch_run() sends them all and calls cb once per
 * message, in any order, with 0 or the kernel's errno and its text (an
 * unanswered one: ETIMEDOUT).  0 if every message was answered, else -1. */
typedef void	 nl_ack_cb(unsigned idx, int err, const char *msg, void *arg);
struct nlmsghdr	*nl_req_batch_add(struct nl_req *, size_t room);
void		 nl_req_batch_next(struct nl_req *, struct nlmsghdr *);
int		 nl_req_batch_run(struct nl_req *, nl_ack_cb *, void *);
/* The kernel's extended-ack text for the last failed request, or "". */
const char	*nl_req_errmsg(const struct nl_req *);

/* The addresses of the followed interface. */
struct nl_addrs;
struct nl_addrs	*nl_addrs_new(const char *ifname);
void		 nl_addrs_free(struct nl_addrs *);
/* The interface is gone (deleted or renamed): forget everything. */
void		 nl_addrs_clear(struct nl_addrs *);
/* An RTM_NEWADDR or RTM_DELADDR event for ifindex; others are ignored. */
void		 nl_addrs_event(struct nl_addrs *, const struct nlmsghdr *,
		    int ifindex);
/* True while an IPv6 address deletion awaits nl_addrs_settle(). */
bool		 nl_addrs_pending(const struct nl_addrs *);
/* Decide pending deletions: flushed (the link went down) keeps them for
 * restoring; otherwise the operator deleted them and they are forgotten. */
void		 nl_addrs_settle(struct nl_addrs *, bool flushed);
/* Re-learn ifindex's addresses from an RTM_GETADDR dump. */
int		 nl_addrs_dump(struct nl_addrs *, struct nl_req *, int ifindex);
/* Re-add remembered IPv6 addresses; only those believed missing unless
 * all.  0, or -1 with errno of the last failure (each one is logged). */
int		 nl_addrs_restore(struct nl_addrs *, struct nl_req *, int ifindex,
		    bool all);
/* Remember an IPv6 "addr/len" the kernel flushed before we started (learned
 * from an earlier run), to restore it like one flushed under our eyes.  0, or
 * -1 with errno (EINVAL for bad text). */
int		 nl_addrs_expect(struct nl_addrs *, const char *text);
/* Space-separated "addr/len".  Returns the count, or -1 with ENOSPC when
 * buf is too small. */
int		 nl_addrs_print(const struct nl_addrs *, char *buf, size_t len);
/* Changes whenever the table may have changed (a cheap "anything new?"). */
unsigned	 nl_addrs_gen(const struct nl_addrs *);
/* The networks of the addresses (host bits cleared, duplicates merged),
 * IPv4 first.  The count, or -1 with ENOSPC when more than max. */
int		 nl_addrs_prefixes(const struct nl_addrs *, struct prefix *,
		    int max);

#endif
