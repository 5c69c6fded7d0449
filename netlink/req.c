/* The rtnetlink request socket.  Every change we make and every question we
 * ask goes through it, one at a time (or one batch at a time), and waits for
 * the kernel's answer: the NLMSG_ERROR ack (error 0 or an errno) or, for a
 * dump, NLMSG_DONE.
 *
 * How long that can block the loop: rtnetlink handles a request inside our
 * sendmsg(2), under the RTNL mutex, and queues the ack before sendmsg
 * returns (measured on Linux 6.18: 1000 of 1000 acks were there at once,
 * and a batch of 64 requests had all 64 acks, errors included, queued when
 * sendto returned); a dump's next part is built inside our recvmsg(2).  So
 * the poll() below waits only for a reply that was lost (our receive buffer
 * overflowed, which one request or one batch of NL_BATCH_MAX cannot do) and
 * NL_REQ_TIMEOUT_MS is a safety net, not a wait that happens.  What can
 * block is sendmsg itself, for as long as another task holds RTNL (a big
 * routing change): that is the kernel's time, short, and no socket option
 * can bound it.  It is kept
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
	size_t			 outlen;	/* a batch: bytes used in out */
	unsigned		 nbatch;	/* a batch: messages in out */
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
	r->outlen = 0;
	r->nbatch = 0;
	return r->out;
}

struct nlmsghdr *
nl_req_batch_add(struct nl_req *r, size_t room)
{
	struct nlmsghdr *nlh;

	if (r->nbatch >= NL_BATCH_MAX || r->outlen + room > NL_BUF_SIZE)
		return NULL;
	nlh = mnl_nlmsg_put_header(r->out + r->outlen);
	r->nbatch++;
	return nlh;
}

void
nl_req_batch_next(struct nl_req *r, struct nlmsghdr *nlh)
{
	r->outlen += NLMSG_ALIGN(nlh->nlmsg_len);
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

/* An NLMSG_ERROR: 0 (an ack) or the errno it carries, with the extended
 * ack's text in r->errmsg. */
static int
ack_errno(struct nl_req *r, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	r->errmsg[0] = '\0';
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return EBADMSG;
	if (e->error == 0)
		return 0;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			(void)mnl_attr_parse(nlh, (unsigned)off, extack_attr,
			    r);
	}
	/* Subsystems disagree on the sign; libmnl's default does the same. */
	return e->error < 0 ? -e->error : e->error;
}

static int
req_error(const struct nlmsghdr *nlh, void *arg)
{
	struct req_ctx *c = arg;
	int err = ack_errno(c->r, nlh);

	if (err == 0)
		return MNL_CB_STOP;
	errno = err;
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

/* Waits (bounded) for the next datagram: its length, or -1 with errno
 * (ETIMEDOUT once the deadline has passed). */
static ssize_t
recv_until(struct nl_req *r, uint64_t deadline)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(r->sock),
	    .events = POLLIN };
	int64_t left;
	ssize_t n;

	for (;;) {
		n = nl_recv(pfd.fd, r->buf, NL_BUF_SIZE);
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR))
			return n;
		left = (int64_t)(deadline - loop_now_us());
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, (int)((left + 999) / 1000)) == -1 &&
		    errno != EINTR)
			return -1;
	}
}

int
nl_req_batch_run(struct nl_req *r, nl_ack_cb *cb, void *arg)
{
	struct nlmsghdr *nlh;
	uint64_t deadline, acked = 0;
	unsigned first = r->seq + 1, i, got = 0;
	size_t off;
	ssize_t n;
	int len;

	for (off = 0, i = 0; i < r->nbatch; i++) {
		nlh = (struct nlmsghdr *)(void *)(r->out + off);
		nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = ++r->seq;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (r->nbatch == 0)
		return 0;
	/* One sendmsg: the kernel runs the messages in order and acks each,
	 * a failed one included, so one failure costs no other. */
	if (mnl_socket_sendto(r->sock, r->out, r->outlen) == -1)
		return -1;
	deadline = loop_now_us() + (uint64_t)NL_REQ_TIMEOUT_MS * 1000u;
	while (got < r->nbatch) {
		if ((n = recv_until(r, deadline)) == -1)
			break;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)(void *)r->buf;
		    mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			i = nlh->nlmsg_seq - first;
			/* Not ours, or a stale reply of a timed-out request. */
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_pid != r->portid || i >= r->nbatch ||
			    (acked & (1ull << i)))
				continue;
			acked |= 1ull << i;
			got++;
			cb(i, ack_errno(r, nlh), r->errmsg, arg);
		}
	}
	if (got == r->nbatch)
		return 0;
	for (i = 0; i < r->nbatch; i++)
		if (!(acked & (1ull << i)))
			cb(i, errno, "", arg);
	return -1;
}
