/* The anycast interface over rtnetlink (libmnl): find it by name, follow it,
 * and set it administratively up or down.  It reports what the kernel says and
 * does what it is told; it never decides whether the node should announce. */
#ifndef ANYCASTD_LINK_H
#define ANYCASTD_LINK_H

#include <stdbool.h>

struct loop;
struct nl_link;

enum nl_state {
	NL_ABSENT = 0,	/* no interface of that name */
	NL_DOWN,	/* exists, IFF_UP clear */
	NL_UP,		/* exists, IFF_UP set */
};

/* Called whenever the interface's state or index changes, whoever caused it
 * (including our own requests, a resync after ENOBUFS, deletion, creation). */
typedef void nl_link_cb(void *arg, enum nl_state state, int ifindex, unsigned flags);

struct nl_link	*nl_link_new(struct loop *, const char *ifname, nl_link_cb *, void *arg);
void		 nl_link_free(struct nl_link *);
enum nl_state	 nl_link_state(const struct nl_link *);
unsigned	 nl_link_flags(const struct nl_link *);
int		 nl_link_index(const struct nl_link *);
const char	*nl_link_name(const struct nl_link *);
/* Acknowledged RTM_NEWLINK setting or clearing IFF_UP.  0, or -1 with errno
 * (ENODEV when absent).  After setting it up, missing IPv6 addresses that the
 * kernel flushed on the way down are restored. */
int		 nl_link_set_up(struct nl_link *, bool up);
/* 0 if this process may change links (CAP_NET_ADMIN in its effective set). */
int		 nl_can_admin(void);
const char	*nl_state_str(enum nl_state);	/* "absent", "down", "up" */

#endif
