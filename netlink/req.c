/* The rtnetlink request socket.  Every change we make and every question we
 * ask goes through it, one at a time, and waits for the kernel's answer: the
 * NLMSG_ERROR ack (error 0 or an errno) or, for a dump, NLMSG_DONE.  The
 * socket is non-blocking and each wait is bounded by poll(), so a lost reply
 * costs at most NL_REQ_TIMEOUT_MS and never wedges the event loop.  It is kept
 * apart from the event socket (as BIRD does) so that replies never interleave
 * with multicast notifications, and it joins no multicast group.  It does
 * not interpret the replies; the caller's callback does. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>

#include "loop.h"
#include "nlpriv.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif

struct nl_req {
	struct mnl_socket	*sock;
	unsigned		 portid;
	unsigned		 seq;
	char			 errmsg[128];
	char			*buf;		/* NL_BUF_SIZE, replies */
	char			*out;		/* NL_BUF_SIZE, the request */
};

/* What the callbacks of one request share. */
struct req_ctx {
	struct nl_req	*r;
	mnl_cb_t	 cb;
	void		*arg;
};

ssize_t
nl_recv(int fd, void *buf, size_t len)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	if ((n = recvmsg(fd, &msg, 0)) == -1)
		return -1;
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	/* Only the kernel (port 0) speaks for the kernel: any local process
	 * may send us a forged RTM_NEWLINK otherwise. */
	if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK ||
	    from.nl_pid != 0)
		return 0;
	return n;
}

struct nl_req *
nl_req_new(void)
{
	struct nl_req *r;
	int one = 1;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->buf = malloc(NL_BUF_SIZE)) == NULL ||
	    (r->out = malloc(NL_BUF_SIZE)) == NULL)
		goto fail;
	r->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (r->sock == NULL)
		goto fail;
	if (mnl_socket_bind(r->sock, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	/* Extended acks carry the kernel's reason ("Unknown device type");
	 * capped acks spare echoing our request back.  Both are optional. */
	(void)mnl_socket_setsockopt(r->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(r->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	r->portid = mnl_socket_get_portid(r->sock);
	r->seq = (unsigned)time(NULL);
	return r;
fail:
	nl_req_free(r);
	return NULL;
}

void
nl_req_free(struct nl_req *r)
{
	int saved = errno;

	if (r == NULL)
		return;
	if (r->sock != NULL)
		mnl_socket_close(r->sock);
	free(r->buf);
	free(r->out);
	free(r);
	errno = saved;
}

void *
nl_req_buf(struct nl_req *r)
{
	memset(r->out, 0, NL_BUF_SIZE);
	return r->out;
}

const char *
nl_req_errmsg(const struct nl_req *r)
{
	return r->errmsg;
}

static int
extack_attr(const struct nlattr *a, void *arg)
{
	struct nl_req *r = arg;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		(void)snprintf(r->errmsg, sizeof(r->errmsg), "%s",
		    mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int
req_error(const struct nlmsghdr *nlh, void *arg)
{
	struct req_ctx *c = arg;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			(void)mnl_attr_parse(nlh, (unsigned)off, extack_attr,
			    c->r);
	}
	/* Subsystems disagree on the sign; libmnl's default does the same. */
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

static int
req_done(const struct nlmsghdr *nlh, void *arg)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	(void)arg;
	/* A dump that failed part-way says so in NLMSG_DONE's payload. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err) && *err < 0) {
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int
req_data(const struct nlmsghdr *nlh, void *arg)
{
	struct req_ctx *c = arg;

	return c->cb != NULL ? c->cb(nlh, c->arg) : MNL_CB_OK;
}

int
nl_req_run(struct nl_req *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = req_error,
		[NLMSG_DONE] = req_done,
	};
	struct req_ctx c = { r, cb, arg };
	struct pollfd pfd;
	const struct nlmsghdr *first;
	uint64_t deadline;
	int64_t left;
	int ret;

	r->errmsg[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	nlh->nlmsg_seq = ++r->seq;
	if (mnl_socket_sendto(r->sock, nlh, nlh->nlmsg_len) == -1)
		return -1;
	pfd.fd = mnl_socket_get_fd(r->sock);
	pfd.events = POLLIN;
	deadline = loop_now_us() + (uint64_t)NL_REQ_TIMEOUT_MS * 1000u;
	for (;;) {
		ssize_t n = nl_recv(pfd.fd, r->buf, NL_BUF_SIZE);

		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			left = (int64_t)(deadline - loop_now_us());
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			ret = poll(&pfd, 1, (int)((left + 999) / 1000));
			if (ret == -1 && errno != EINTR)
				return -1;
			continue;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0 || (size_t)n < sizeof(*first))
			continue;
		/* A reply to an earlier request that timed out: skip it here
		 * rather than let libmnl call it EPROTO, which the kernel
		 * could also have answered. */
		first = (const struct nlmsghdr *)(const void *)r->buf;
		if (first->nlmsg_seq != nlh->nlmsg_seq)
			continue;
		ret = mnl_cb_run2(r->buf, (size_t)n, nlh->nlmsg_seq, r->portid,
		    req_data, &c, ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return -1;	/* errno from the kernel or libmnl */
		if (ret == MNL_CB_STOP)
			return 0;
	}
}
