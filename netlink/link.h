/* The anycast interface over rtnetlink (libmnl): find it by name, follow it,
 * and set it administratively up or down.  It reports what the kernel says and
 * does what it is told; it never decides whether the node should announce. */
#ifndef ANYCASTD_LINK_H
#define ANYCASTD_LINK_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct prefix;
struct nl_link;

enum nl_state {
	NL_ABSENT = 0,	/* no interface of that name */
	NL_DOWN,	/* exists, IFF_UP clear */
	NL_UP,		/* exists, IFF_UP set */
};

/* Called whenever the interface's state, index or flags (ifi_flags) change,
 * whoever caused it (including our own requests, a resync after ENOBUFS,
 * deletion, creation); never from nl_link_new() (read nl_link_state() after
 * it).  The callback may call nl_link_set_up() but must not free the link. */
typedef void nl_link_cb(void *arg, enum nl_state state, int ifindex, unsigned flags);

/* nl_link_new() learns the current state before it returns; an absent
 * interface is no error (it is followed when it appears).  NULL with errno
 * when the netlink sockets cannot be set up.
 *
 * Who logs: this module logs what only it sees and survives on its own (the
 * interface appearing or going away after start, lost events and the
 * resync); what it returns, errors and the state at start, the caller
 * logs. */
struct nl_link	*nl_link_new(struct loop *, const char *ifname, nl_link_cb *, void *arg);
void		 nl_link_free(struct nl_link *);
enum nl_state	 nl_link_state(const struct nl_link *);
unsigned	 nl_link_flags(const struct nl_link *);
int		 nl_link_index(const struct nl_link *);
/* Acknowledged RTM_NEWLINK setting or clearing IFF_UP on the interface of
 * that name.  0, or -1 with errno from the kernel's NLMSG_ERROR (ENODEV when
 * absent, EPERM without CAP_NET_ADMIN) or ETIMEDOUT after 1 s without an
 * answer.  After setting it up, the IPv6 addresses that the kernel flushed
 * on the way down are restored (a failure there is logged, not returned). */
int		 nl_link_set_up(struct nl_link *, bool up);
/* The interface's addresses, space-separated, IPv4 first:
 * "198.51.100.1/24 2001:db8:abcd::1/48".  IPv6 link-local ones are left out;
 * IPv6 ones the kernel flushed while the link is down are listed, since they
 * will be restored when it comes up.  Returns the number printed (0 when
 * absent), or -1 with ENOSPC when buf is too small. */
int		 nl_link_addrs(const struct nl_link *, char *buf, size_t len);
/* Changes whenever the addresses may have changed: the caller can skip
 * re-reading them when it has not. */
unsigned	 nl_link_addrs_gen(const struct nl_link *);
/* The same addresses' networks, host bits cleared and duplicates merged
 * (198.51.100.0/24, 2001:db8:abcd::/48): the routes BIRD's `protocol
 * direct` exports.  The count (0 when absent), or -1 with ENOSPC when there
 * are more than max. */
int		 nl_link_prefixes(const struct nl_link *, struct prefix *, int max);
/* Remember an IPv6 "addr/len" that an earlier run saw on the interface and
 * the kernel flushed when the link went down while nobody was watching; it
 * is restored, like any flushed address, when the link comes up.  0, or -1
 * with errno. */
int		 nl_link_expect_addr6(struct nl_link *, const char *text);
/* How many times the event socket overflowed (ENOBUFS) and everything was
 * rebuilt from dumps: the log says it once per 10 s, this counts them all.
 * 0 for NULL. */
unsigned long long nl_link_overflows(const struct nl_link *);
/* Tests only: shrink the event socket's receive buffer (SO_RCVBUF) so that a
 * burst of events overflows it and exercises the ENOBUFS resync. */
int		 nl_link_set_rcvbuf(struct nl_link *, int bytes);
/* 0 if this process may change links (CAP_NET_ADMIN in its effective set). */
int		 nl_can_admin(void);
const char	*nl_state_str(enum nl_state);	/* "absent", "down", "up" */

#endif
