/* Following the anycast interface through rtnetlink.
 *
 * The interface is known by name.  Its index changes when it is deleted and
 * created again, so we watch RTM_NEWLINK/RTM_DELLINK on an event socket
 * (RTNLGRP_LINK plus the IPv4 and IPv6 address groups) registered in the
 * agent's loop, adopt whichever index carries the name, and report every
 * change of state, index or flags through the callback.  Requests (setting
 * IFF_UP, dumps, the flag check below) go through a second socket, req.c,
 * each acknowledged and bounded in time.  Only messages sent by the kernel
 * are believed.  When the event socket overflows (ENOBUFS) events were lost:
 * we log it, rate-limited, and rebuild everything from dumps, as BIRD does.
 * The addresses, and restoring the IPv6 ones that the kernel flushes when the
 * link goes down, live in addr.c, whose header comment explains the rules.
 *
 * Nothing here decides whether the link should be up: it reports and it
 * executes.  It works with any link type (dummy, ifb, veth, ...). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "link.h"
#include "log.h"
#include "loop.h"
#include "nlpriv.h"

/* At most one ENOBUFS line per this many microseconds; the others are
 * counted and the count is given with the next line (log_rl). */
#define ENOBUFS_LOG_US		UINT64_C(10000000)
/* After a failed resync, try again this much later. */
#define RESYNC_RETRY_US		UINT64_C(1000000)

struct nl_link {
	struct loop		*loop;
	char			 name[IFNAMSIZ];
	nl_link_cb		*cb;
	void			*arg;
	struct nl_req		*req;
	struct mnl_socket	*ev;
	int			 evfd;
	char			*evbuf;
	struct nl_addrs		*addrs;
	struct loop_timer	*retry;

	enum nl_state		 state;
	int			 ifindex;
	unsigned		 flags;
	/* What the callback was last told. */
	enum nl_state		 rep_state;
	int			 rep_index;
	unsigned		 rep_flags;

	bool			 started;	/* first sync done */
	bool			 saw_down;	/* since the last settle */
	bool			 need_resync;
	unsigned long long	 overflows;	/* ENOBUFS seen on the event socket */
	struct log_rl		 rl_enobufs;
};

struct link_info {
	const char	*name;		/* match by name, or */
	int		 ifindex;	/* by index */
	bool		 found;
	int		 found_index;
	unsigned	 found_flags;
};

const char *
nl_state_str(enum nl_state s)
{
	switch (s) {
	case NL_ABSENT:
		return "absent";
	case NL_DOWN:
		return "down";
	case NL_UP:
		return "up";
	}
	return "?";
}

static int
link_attr(const struct nlattr *attr, void *arg)
{
	const struct nlattr **tb = arg;

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == IFLA_IFNAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[IFLA_IFNAME] = attr;
	return MNL_CB_OK;
}

/* Parse an RTM_NEWLINK/RTM_DELLINK.  *name is NULL if it carried none. */
static int
parse_link(const struct nlmsghdr *nlh, int *ifindex, unsigned *flags,
    const char **name)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -1;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb) < 0)
		return -1;
	*ifindex = ifi->ifi_index;
	*flags = ifi->ifi_flags;
	*name = tb[IFLA_IFNAME] != NULL ? mnl_attr_get_str(tb[IFLA_IFNAME]) :
	    NULL;
	return 0;
}

static void
report(struct nl_link *l)
{
	if (l->state == l->rep_state && l->ifindex == l->rep_index &&
	    l->flags == l->rep_flags)
		return;
	l->rep_state = l->state;
	l->rep_index = l->ifindex;
	l->rep_flags = l->flags;
	if (l->cb != NULL && l->started)
		l->cb(l->arg, l->state, l->ifindex, l->flags);
}

static void
set_absent(struct nl_link *l, const char *why)
{
	/* Once per disappearance.  At start the caller reads the state and
	 * says what it means. */
	if (l->started && l->state != NL_ABSENT)
		log_warnx("interface %s %s; waiting for it to appear",
		    l->name, why);
	nl_addrs_clear(l->addrs);
	l->state = NL_ABSENT;
	l->ifindex = 0;
	l->flags = 0;
}

/* The link called l->name has index ifindex and these flags now. */
static void
set_present(struct nl_link *l, int ifindex, unsigned flags)
{
	bool was_up = l->state == NL_UP;

	if (l->state == NL_ABSENT || ifindex != l->ifindex) {
		/* Another interface than the one we knew: its addresses are
		 * not the old one's, and it may carry some already. */
		nl_addrs_clear(l->addrs);
		if (l->started)
			log_info("interface %s appeared (index %d, %s)",
			    l->name, ifindex, flags & IFF_UP ? "up" : "down");
		l->ifindex = ifindex;
		l->flags = flags;
		l->state = (flags & IFF_UP) ? NL_UP : NL_DOWN;
		if (nl_addrs_dump(l->addrs, l->req, ifindex) == -1) {
			log_warn("interface %s: cannot list its addresses",
			    l->name);
			l->need_resync = true;
		}
		return;
	}
	l->flags = flags;
	l->state = (flags & IFF_UP) ? NL_UP : NL_DOWN;
	if (l->state == NL_DOWN)
		l->saw_down = true;
	if (!was_up && l->state == NL_UP)
		(void)nl_addrs_restore(l->addrs, l->req, l->ifindex, false);
}

static void
link_event(struct nl_link *l, const struct nlmsghdr *nlh)
{
	const char *name;
	unsigned flags;
	int ifindex;

	if (parse_link(nlh, &ifindex, &flags, &name) == -1)
		return;
	if (l->state != NL_ABSENT && ifindex == l->ifindex) {
		log_debug("%s: %s index %d flags 0x%x", l->name,
		    nlh->nlmsg_type == RTM_NEWLINK ? "RTM_NEWLINK" :
		    "RTM_DELLINK", ifindex, flags);
		if (nlh->nlmsg_type == RTM_DELLINK)
			set_absent(l, "was deleted");
		else if (name != NULL && strcmp(name, l->name) != 0)
			set_absent(l, "was renamed");
		else
			set_present(l, ifindex, flags);
		report(l);
		return;
	}
	if (nlh->nlmsg_type == RTM_NEWLINK && name != NULL &&
	    strcmp(name, l->name) == 0) {
		log_debug("%s: RTM_NEWLINK index %d flags 0x%x (new index)",
		    l->name, ifindex, flags);
		set_present(l, ifindex, flags);
		report(l);
	}
}

static int
event_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_link *l = arg;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		link_event(l, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (l->state != NL_ABSENT)
			nl_addrs_event(l->addrs, nlh, l->ifindex);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int
info_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct link_info *li = arg;
	const char *name;
	unsigned flags;
	int ifindex;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    parse_link(nlh, &ifindex, &flags, &name) == -1)
		return MNL_CB_OK;
	if (li->name != NULL ? name != NULL && strcmp(name, li->name) == 0 :
	    ifindex == li->ifindex) {
		li->found = true;
		li->found_index = ifindex;
		li->found_flags = flags;
	}
	return MNL_CB_OK;
}

/* The kernel's flags for our index right now: an acked RTM_GETLINK. */
static int
query_flags(struct nl_link *l, unsigned *flags)
{
	struct link_info li = { .ifindex = l->ifindex };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = mnl_nlmsg_put_header(nl_req_buf(l->req));
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l->ifindex;
	if (nl_req_run(l->req, nlh, info_cb, &li) == -1)
		return -1;
	if (!li.found) {
		errno = ENODEV;
		return -1;
	}
	*flags = li.found_flags;
	return 0;
}

/* Rebuild our view from dumps: at start and after events were lost. */
static int
link_sync(struct nl_link *l)
{
	struct link_info li = { .name = l->name };
	struct ifinfomsg *ifi;
	int tries;

	for (tries = 0;; tries++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_req_buf(l->req));

		li.found = false;
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_DUMP;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		if (nl_req_run(l->req, nlh, info_cb, &li) == 0)
			break;
		if (errno != EINTR || tries == 3)
			return -1;
	}
	if (!li.found) {
		set_absent(l, "does not exist");
	} else {
		/* Addresses first, so that an up transition below restores
		 * from a fresh list; set_present() dumps a new index's. */
		if (l->state != NL_ABSENT && li.found_index == l->ifindex &&
		    nl_addrs_dump(l->addrs, l->req, l->ifindex) == -1)
			return -1;
		set_present(l, li.found_index, li.found_flags);
		if (l->state == NL_UP)
			(void)nl_addrs_restore(l->addrs, l->req, l->ifindex,
			    false);
	}
	log_debug("%s: synchronised: %s, index %d, flags 0x%x", l->name,
	    nl_state_str(l->state), l->ifindex, l->flags);
	return 0;
}

static void
resync(struct nl_link *l)
{
	l->need_resync = false;
	if (link_sync(l) == -1) {
		log_warn("interface %s: resynchronising failed, retrying",
		    l->name);
		l->need_resync = true;
		(void)loop_timer_arm(l->retry, RESYNC_RETRY_US);
	}
	report(l);
}

static void
retry_timer(struct loop *loop, void *arg)
{
	struct nl_link *l = arg;

	(void)loop;
	if (l->need_resync)
		resync(l);
}

static void
overflow(struct nl_link *l)
{
	l->need_resync = true;
	l->overflows++;
	log_rl_warnx(&l->rl_enobufs, "interface %s: netlink events lost "
	    "(ENOBUFS); resynchronising", l->name);
}

/* Decide the IPv6 deletions seen in the batch just drained (see addr.c). */
static void
settle(struct nl_link *l)
{
	unsigned flags;

	if (nl_addrs_pending(l->addrs)) {
		bool flushed = l->saw_down;

		if (!flushed) {
			if (query_flags(l, &flags) == -1) {
				/* Gone (its deletion follows) or unknown:
				 * keeping costs a restore, forgetting would
				 * lose the anycast address. */
				log_debug("%s: link flags: %s", l->name,
				    strerror(errno));
				flushed = true;
			} else
				flushed = !(flags & IFF_UP);
		}
		nl_addrs_settle(l->addrs, flushed);
	}
	l->saw_down = false;
}

static void
event_read(struct loop *loop, int fd, void *arg, int mask)
{
	struct nl_link *l = arg;
	bool drained = false;

	(void)loop;
	(void)mask;
	for (;;) {
		ssize_t n = nl_recv(fd, l->evbuf, NL_BUF_SIZE);

		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				drained = true;
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == ENOSPC) {
				overflow(l);
				continue;
			}
			log_warn("interface %s: netlink event socket", l->name);
			l->need_resync = true;
			break;
		}
		if (n > 0 && mnl_cb_run(l->evbuf, (size_t)n, 0, 0, event_msg,
		    l) == MNL_CB_ERROR)
			log_debug("%s: malformed netlink event: %s", l->name,
			    strerror(errno));
	}
	/* Only a drained socket tells the whole story of a flush. */
	if (drained)
		settle(l);
	if (l->need_resync)
		resync(l);
}

struct nl_link *
nl_link_new(struct loop *loop, const char *ifname, nl_link_cb *cb, void *arg)
{
	unsigned groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	};
	struct nl_link *l;
	size_t i;
	int saved;

	if (ifname == NULL || *ifname == '\0' || strlen(ifname) >= IFNAMSIZ) {
		errno = EINVAL;
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->loop = loop;
	l->evfd = -1;
	l->rl_enobufs = (struct log_rl)LOG_RL(ENOBUFS_LOG_US, 1);
	l->cb = cb;
	l->arg = arg;
	memcpy(l->name, ifname, strlen(ifname) + 1);
	if ((l->evbuf = malloc(NL_BUF_SIZE)) == NULL ||
	    (l->addrs = nl_addrs_new(l->name)) == NULL ||
	    (l->req = nl_req_new()) == NULL ||
	    (l->retry = loop_timer_new(loop, retry_timer, l)) == NULL)
		goto fail;
	/* Join the groups before the first dump, so that no change can fall
	 * between the two: at worst we see it twice. */
	l->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (l->ev == NULL ||
	    mnl_socket_bind(l->ev, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (mnl_socket_setsockopt(l->ev, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) == -1)
			goto fail;
	l->evfd = mnl_socket_get_fd(l->ev);
	if (loop_add_fd(loop, l->evfd, LOOP_READ, event_read, l) == -1) {
		l->evfd = -1;
		goto fail;
	}
	/* Failures are the caller's to report (errno is kept). */
	if (link_sync(l) == -1)
		goto fail;
	l->rep_state = l->state;
	l->rep_index = l->ifindex;
	l->rep_flags = l->flags;
	l->started = true;
	return l;
fail:
	saved = errno;
	nl_link_free(l);
	errno = saved;
	return NULL;
}

void
nl_link_free(struct nl_link *l)
{
	int saved = errno;

	if (l == NULL)
		return;
	if (l->evfd != -1)
		loop_del_fd(l->loop, l->evfd);
	if (l->ev != NULL)
		mnl_socket_close(l->ev);
	loop_timer_free(l->retry);
	nl_req_free(l->req);
	nl_addrs_free(l->addrs);
	free(l->evbuf);
	free(l);
	errno = saved;
}

enum nl_state
nl_link_state(const struct nl_link *l)
{
	return l->state;
}

unsigned
nl_link_flags(const struct nl_link *l)
{
	return l->flags;
}

int
nl_link_index(const struct nl_link *l)
{
	return l->ifindex;
}

int
nl_link_set_up(struct nl_link *l, bool up)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = mnl_nlmsg_put_header(nl_req_buf(l->req));
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	/* By name, not by our index: the name is what the operator
	 * configured, and the kernel resolves it even if the interface was
	 * re-created and its event is still queued; ENODEV means absent. */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
	if (nl_req_run(l->req, nlh, NULL, NULL) == -1) {
		if (*nl_req_errmsg(l->req))
			log_debug("%s: set %s: %s", l->name, up ? "up" : "down",
			    nl_req_errmsg(l->req));
		return -1;
	}
	/* Our view may lag behind the kernel (events still queued), so try
	 * every remembered IPv6 address; EEXIST is quietly fine. */
	if (up && l->state != NL_ABSENT)
		(void)nl_addrs_restore(l->addrs, l->req, l->ifindex, true);
	return 0;
}

int
nl_link_addrs(const struct nl_link *l, char *buf, size_t len)
{
	return nl_addrs_print(l->addrs, buf, len);
}

int
nl_link_expect_addr6(struct nl_link *l, const char *text)
{
	return nl_addrs_expect(l->addrs, text);
}

unsigned
nl_link_addrs_gen(const struct nl_link *l)
{
	return nl_addrs_gen(l->addrs);
}

int
nl_link_prefixes(const struct nl_link *l, struct prefix *out, int max)
{
	return nl_addrs_prefixes(l->addrs, out, max);
}

unsigned long long
nl_link_overflows(const struct nl_link *l)
{
	return l != NULL ? l->overflows : 0;
}

int
nl_link_set_rcvbuf(struct nl_link *l, int bytes)
{
	return setsockopt(l->evfd, SOL_SOCKET, SO_RCVBUF, &bytes,
	    sizeof(bytes));
}
