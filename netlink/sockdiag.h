/* Socket destruction reported by the kernel (NETLINK_SOCK_DIAG destroy
 * groups): tells the caller at once that a watched DNS listener went away,
 * so that it can probe now instead of at the next interval.  It reports; it
 * never decides that the server is dead. */
#ifndef ANYCASTD_SOCKDIAG_H
#define ANYCASTD_SOCKDIAG_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct nlmsghdr;
struct nl_sockdiag;

/* The most watches one nl_sockdiag takes (a server has a handful). */
#define NL_SOCKDIAG_MAX_WATCHES	64

/* A listener to watch: the address and port the probe sends to. */
struct nl_sockwatch {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order; AF_INET uses 4 */
	uint16_t	port;		/* host order, not 0 */
	int		proto;		/* IPPROTO_UDP or IPPROTO_TCP */
};

/* One destroyed socket, as the kernel described it. */
struct nl_sock_event {
	int		family;		/* AF_INET or AF_INET6 */
	int		proto;		/* IPPROTO_UDP, IPPROTO_TCP, ... */
	uint8_t		laddr[16];	/* local; network order */
	uint16_t	lport;		/* host order */
	uint8_t		raddr[16];	/* remote, zero if none */
	uint16_t	rport;		/* host order, 0 if none */
	int		state;		/* TCP_* from netinet/tcp.h */
	uint32_t	inode;		/* often 0: the file is gone first */
};

/* Called once per watch that a destroyed socket matches (one socket can
 * match several, e.g. [::]:53 an IPv4 and an IPv6 watch), with the index in
 * the last nl_sockdiag_set_watches() list.  watch -1 and ev NULL: events
 * were lost (the socket overflowed), so one of them may have been ours. */
typedef void nl_sockdiag_cb(void *arg, int watch,
    const struct nl_sock_event *ev);

/* Joins the four destroy groups and registers with loop, watching nothing
 * yet.  NULL with errno: EPERM where the kernel wants CAP_NET_ADMIN for
 * them (6.18 does not), EPROTONOSUPPORT without NETLINK_SOCK_DIAG.  The
 * caller then has no event path and relies on its probes alone.  Events
 * come from the caller's network namespace only. */
struct nl_sockdiag *nl_sockdiag_new(struct loop *, nl_sockdiag_cb *, void *arg);
void		 nl_sockdiag_free(struct nl_sockdiag *);
/* Replace the watch list (on reload).  0, or -1 with EINVAL (bad family,
 * proto or port, more than NL_SOCKDIAG_MAX_WATCHES), the old list kept. */
int		 nl_sockdiag_set_watches(struct nl_sockdiag *,
		    const struct nl_sockwatch *, int n);
/* SO_RCVBUF of the event socket (tests shrink it to provoke overflow). */
int		 nl_sockdiag_set_rcvbuf(struct nl_sockdiag *, int bytes);

/* Decode one SOCK_DIAG_BY_FAMILY message.  0, or -1 with EBADMSG. */
int		 nl_sock_event_decode(const struct nlmsghdr *,
		    struct nl_sock_event *);
/* Whether ev is the end of a listener that w's server was reached on. */
bool		 nl_sockwatch_match(const struct nl_sockwatch *w,
		    const struct nl_sock_event *ev);

#endif
