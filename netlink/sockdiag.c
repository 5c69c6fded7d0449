/* Socket destruction events from NETLINK_SOCK_DIAG.
 *
 * When a socket of this network namespace is freed, the kernel multicasts
 * its inet_diag description (SOCK_DIAG_BY_FAMILY) to the SKNLGRP_INET*_
 * {TCP,UDP}_DESTROY groups.  A DNS server that dies, however it dies, has
 * its listeners freed by the kernel, so this is the earliest news of a crash
 * that needs no polling: the caller is told which watched listener went
 * away and runs a probe now instead of at the next interval.  The news
 * takes a few milliseconds (a dying multithreaded server closes its files
 * when its last thread exits, and the kernel broadcasts from a workqueue
 * after an RCU grace period), and by then the socket is long unhashed, so
 * the probe it triggers is refused at once.
 *
 * Only listeners count (see nl_sockwatch_match()): every probe's own client
 * sockets and every accepted TCP connection to the server are destroyed
 * too, and must not look like the server going away.
 *
 * A classic BPF filter on the socket keeps out, in the kernel, everything
 * that has a peer or another local port: on a busy host every closed
 * connection is broadcast, and without it each one would wake us up.  The
 * filter is only a sieve; the matcher below decides.  If events are lost
 * anyway (ENOBUFS), the caller is told so, as "maybe one was ours", since a
 * lost event must not become a lost detection.
 *
 * Nothing here knows whether the server is dead: a reload may close one of
 * several SO_REUSEPORT listeners while the others keep serving, and a hung
 * server destroys nothing.  The probes decide; this only says "look now".
 * It neither dumps existing sockets nor requests anything from the kernel. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <linux/filter.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "log.h"
#include "loop.h"
#include "nlpriv.h"
#include "sockdiag.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

/* At most one ENOBUFS line per this many microseconds; the others are
 * counted and the count is given with the next line. */
#define ENOBUFS_LOG_US		UINT64_C(10000000)
/* Messages handled per wakeup: a flood must not starve the probes (the loop
 * is level-triggered, so the rest is read at the next turn). */
#define READ_BATCH		256
/* Where the filter finds the ports: the nlmsghdr, then inet_diag_msg. */
#define OFF_SPORT	(NLMSG_HDRLEN + offsetof(struct inet_diag_msg, id) + \
			    offsetof(struct inet_diag_sockid, idiag_sport))
#define OFF_DPORT	(NLMSG_HDRLEN + offsetof(struct inet_diag_msg, id) + \
			    offsetof(struct inet_diag_sockid, idiag_dport))

struct nl_sockdiag {
	struct loop		*loop;
	nl_sockdiag_cb		*cb;
	void			*arg;
	struct mnl_socket	*sock;
	int			 fd;
	bool			 registered;	/* fd is in loop */
	char			*buf;
	struct nl_sockwatch	*watches;
	int			 nwatches;
	unsigned		 gen;		/* bumped by set_watches */
	bool			 filtered;
	struct log_rl		 rl_enobufs;
};

static const char *
proto_str(int proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_TCP:
		return "tcp";
	default:
		return "?";
	}
}

static bool
all_zero(const uint8_t *a, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != 0)
			return false;
	return true;
}

/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2): an IPv6 socket's view of IPv4. */
static bool
v4mapped(const uint8_t *a6, const uint8_t *a4)
{
	static const uint8_t prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	return memcmp(a6, prefix, sizeof(prefix)) == 0 &&
	    memcmp(a6 + 12, a4, 4) == 0;
}

/* Whether a socket bound to ev's local address receives what is sent to
 * w's address. */
static bool
addr_covers(const struct nl_sockwatch *w, const struct nl_sock_event *ev)
{
	static const uint8_t any4[4];

	if (w->family == AF_INET6)
		return ev->family == AF_INET6 &&
		    (memcmp(ev->laddr, w->addr, 16) == 0 ||
		    all_zero(ev->laddr, 16));
	if (ev->family == AF_INET)
		return memcmp(ev->laddr, w->addr, 4) == 0 ||
		    all_zero(ev->laddr, 4);
	/* [::]:53 without IPV6_V6ONLY serves IPv4 too, and the event does
	 * not say whether the option was set: assume it serves ours, since a
	 * needless probe costs little and a missed one costs a detection. */
	return all_zero(ev->laddr, 16) || v4mapped(ev->laddr, w->addr) ||
	    v4mapped(ev->laddr, any4);
}

bool
nl_sockwatch_match(const struct nl_sockwatch *w, const struct nl_sock_event *ev)
{
	size_t alen;

	/* A UDP watch does not match a TCP listener (nor the reverse): the
	 * caller watches each protocol it probes, and the watch's index then
	 * says which probe to run; a server dying closes both anyway. */
	if (ev->proto != w->proto || ev->lport != w->port)
		return false;
	if (ev->family != AF_INET && ev->family != AF_INET6)
		return false;
	/* A listener has no peer.  That rules out the probe's own sockets
	 * (remote port 53), connected UDP and accepted TCP connections (a
	 * remote client), whatever their state.  A TCP listener is no longer
	 * in TCP_LISTEN when it is freed: tcp_close() has set it TCP_CLOSE. */
	alen = ev->family == AF_INET ? 4 : 16;
	if (ev->rport != 0 || !all_zero(ev->raddr, alen))
		return false;
	if (ev->proto == IPPROTO_TCP && ev->state != TCP_LISTEN &&
	    ev->state != TCP_CLOSE)
		return false;
	return addr_covers(w, ev);
}

static int
event_attr(const struct nlattr *attr, void *arg)
{
	const struct nlattr **proto = arg;

	if (mnl_attr_get_type(attr) == INET_DIAG_PROTOCOL &&
	    mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
		*proto = attr;
	return MNL_CB_OK;
}

int
nl_sock_event_decode(const struct nlmsghdr *nlh, struct nl_sock_event *ev)
{
	const struct inet_diag_msg *m;
	const struct nlattr *proto = NULL;
	size_t alen;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		goto fail;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		goto fail;
	/* The destroy message carries the protocol as an attribute (the
	 * header has none); without it, we cannot tell UDP from TCP. */
	if (mnl_attr_parse(nlh, sizeof(*m), event_attr, &proto) < 0 ||
	    proto == NULL)
		goto fail;
	memset(ev, 0, sizeof(*ev));
	ev->family = m->idiag_family;
	ev->proto = mnl_attr_get_u8(proto);
	alen = ev->family == AF_INET ? 4 : 16;
	memcpy(ev->laddr, m->id.idiag_src, alen);
	memcpy(ev->raddr, m->id.idiag_dst, alen);
	ev->lport = ntohs(m->id.idiag_sport);
	ev->rport = ntohs(m->id.idiag_dport);
	ev->state = m->idiag_state;
	ev->inode = m->idiag_inode;
	return 0;
fail:
	errno = EBADMSG;
	return -1;
}

/* Let through only what has no peer and a watched local port.  Classic BPF
 * loads halfwords in network order, so the ports compare in host order. */
static int
set_filter(int fd, const struct nl_sockwatch *w, int n)
{
	struct sock_filter code[4 + NL_SOCKDIAG_MAX_WATCHES + 1];
	struct sock_fprog prog = { .filter = code };
	uint16_t ports[NL_SOCKDIAG_MAX_WATCHES];
	int i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k && ports[j] != w[i].port; j++)
			;
		if (j == k)
			ports[k++] = w[i].port;
	}
	/* 0: dport; 1: has a peer -> drop; 2: sport; 3..3+k-1: a watched
	 * port -> accept; 3+k: drop; 4+k: accept. */
	code[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
	    OFF_DPORT);
	code[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0,
	    (uint8_t)(k + 1));
	code[2] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
	    OFF_SPORT);
	for (j = 0; j < k; j++)
		code[3 + j] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, ports[j], (uint8_t)(k - j), 0);
	code[3 + k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	/* cppcheck-suppress unreadVariable ; read through prog.filter */
	code[4 + k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
	prog.len = (unsigned short)(5 + k);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		return -1;
	return 0;
}

int
nl_sockdiag_set_watches(struct nl_sockdiag *s, const struct nl_sockwatch *w,
    int n)
{
	struct nl_sockwatch *copy = NULL;
	int i;

	if (n < 0 || n > NL_SOCKDIAG_MAX_WATCHES || (n > 0 && w == NULL))
		goto inval;
	for (i = 0; i < n; i++)
		if ((w[i].family != AF_INET && w[i].family != AF_INET6) ||
		    (w[i].proto != IPPROTO_UDP && w[i].proto != IPPROTO_TCP) ||
		    w[i].port == 0)
			goto inval;
	if (n > 0) {
		if ((copy = calloc((size_t)n, sizeof(*copy))) == NULL)
			return -1;
		memcpy(copy, w, (size_t)n * sizeof(*copy));
	}
	/* Without a filter every destruction in the namespace reaches us;
	 * that costs wakeups, not correctness, so carry on.  But the old one
	 * must go, or it would hide the new ports. */
	if (set_filter(s->fd, w, n) == -1) {
		int one = 1;

		if (setsockopt(s->fd, SOL_SOCKET, SO_DETACH_FILTER, &one,
		    sizeof(one)) == -1 && errno != ENOENT) {
			free(copy);
			return -1;
		}
		if (s->filtered)
			log_warn("sock_diag: cannot filter destroy events in "
			    "the kernel; filtering them here");
		s->filtered = false;
	} else
		s->filtered = true;
	free(s->watches);
	s->watches = copy;
	s->nwatches = n;
	s->gen++;
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

static void
overflow(struct nl_sockdiag *s)
{
	log_rl_warnx(&s->rl_enobufs, "sock_diag: socket destroy events lost "
	    "(ENOBUFS)");
}

static int
event_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_sockdiag *s = arg;
	struct nl_sock_event ev;
	unsigned gen = s->gen;
	int i;
	bool any = false;

	if (nl_sock_event_decode(nlh, &ev) == -1) {
		log_debug("sock_diag: ignored message type %u, %u bytes",
		    nlh->nlmsg_type, nlh->nlmsg_len);
		return MNL_CB_OK;
	}
	/* The callback may replace the list; the old indices then mean
	 * nothing, so this event stops there. */
	for (i = 0; i < s->nwatches && gen == s->gen; i++) {
		if (!nl_sockwatch_match(&s->watches[i], &ev))
			continue;
		any = true;
		if (s->cb != NULL)
			s->cb(s->arg, i, &ev);
	}
	if (!any) {
		char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

		if (inet_ntop(ev.family, ev.laddr, l, sizeof(l)) == NULL ||
		    inet_ntop(ev.family, ev.raddr, r, sizeof(r)) == NULL)
			l[0] = r[0] = '\0';
		log_debug("sock_diag: %s %s port %u peer %s port %u state %d "
		    "destroyed, not watched", proto_str(ev.proto), l, ev.lport,
		    r, ev.rport, ev.state);
	}
	return MNL_CB_OK;
}

static void
event_read(struct loop *loop, int fd, void *arg, int mask)
{
	struct nl_sockdiag *s = arg;
	bool lost = false;
	int i;

	(void)loop;
	(void)mask;
	for (i = 0; i < READ_BATCH; i++) {
		ssize_t n = nl_recv(fd, s->buf, NL_BUF_SIZE);

		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == ENOSPC) {
				overflow(s);
				lost = true;
				continue;
			}
			log_warn("sock_diag: event socket");
			break;
		}
		if (n > 0 && mnl_cb_run(s->buf, (size_t)n, 0, 0, event_msg,
		    s) == MNL_CB_ERROR)
			log_debug("sock_diag: malformed message: %s",
			    strerror(errno));
	}
	/* Once per wakeup, after what did arrive: one cycle answers them. */
	if (lost && s->cb != NULL)
		s->cb(s->arg, -1, NULL);
}

struct nl_sockdiag *
nl_sockdiag_new(struct loop *loop, nl_sockdiag_cb *cb, void *arg)
{
	static const unsigned groups[] = {
		SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET_UDP_DESTROY,
		SKNLGRP_INET6_TCP_DESTROY, SKNLGRP_INET6_UDP_DESTROY,
	};
	struct nl_sockdiag *s;
	size_t i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->loop = loop;
	s->cb = cb;
	s->arg = arg;
	s->fd = -1;
	s->rl_enobufs = (struct log_rl)LOG_RL(ENOBUFS_LOG_US, 1);
	if ((s->buf = malloc(NL_BUF_SIZE)) == NULL)
		goto fail;
	s->sock = mnl_socket_open2(NETLINK_SOCK_DIAG,
	    SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s->sock == NULL ||
	    mnl_socket_bind(s->sock, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	s->fd = mnl_socket_get_fd(s->sock);
	/* Watching nothing yet: drop everything until set_watches. */
	if (set_filter(s->fd, NULL, 0) == 0)
		s->filtered = true;
	else
		log_warn("sock_diag: cannot filter destroy events in the "
		    "kernel; filtering them here");
	/* Joining is where a kernel that wants CAP_NET_ADMIN says EPERM
	 * (6.18 lets anyone join: measured). */
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) == -1)
			goto fail;
	if (loop_add_fd(loop, s->fd, LOOP_READ, event_read, s) == -1)
		goto fail;
	s->registered = true;
	return s;
fail:
	nl_sockdiag_free(s);
	return NULL;
}

void
nl_sockdiag_free(struct nl_sockdiag *s)
{
	int saved = errno;

	if (s == NULL)
		return;
	if (s->registered)
		loop_del_fd(s->loop, s->fd);
	if (s->sock != NULL)
		mnl_socket_close(s->sock);
	free(s->watches);
	free(s->buf);
	free(s);
	errno = saved;
}

int
nl_sockdiag_set_rcvbuf(struct nl_sockdiag *s, int bytes)
{
	return setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}
