/*
 * bench-linkwatch: times how long a health checker takes to set a link down
 * after the server it checks is killed or hung.  It enters a network
 * namespace, subscribes to RTMGRP_LINK, reads the link's current state, and
 * then sends the signal itself, so the clock starts right before kill() and
 * stops when the kernel's notification that IFF_UP cleared is read.  Nothing
 * is polled: one rtnetlink socket, one poll().
 *
 *   bench-linkwatch -n NETNS -i IFACE -p PID -s SIG [-t TIMEOUT_MS]
 *	sends SIG to PID, waits for IFACE to go down.  Prints
 *	  down US		IFF_UP cleared (or the link was deleted) US
 *				microseconds after kill()
 *	  timeout US		still up after TIMEOUT_MS
 *	  notup 0		the link was not up to begin with (no signal
 *				is sent)
 *   bench-linkwatch -n NETNS -i IFACE -u [-t TIMEOUT_MS]
 *	waits for IFACE to be up (the checker announced).  Prints "up US"
 *	(0 when it already was) or "timeout US".
 *
 * Exit status: 0 on down/up, 2 on timeout, 3 on notup, 1 on errors.  Times
 * are CLOCK_MONOTONIC.  Test tool only; not installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

struct watch {
	unsigned int	 ifindex;
	unsigned int	 seq;		/* of our RTM_GETLINK */
	bool		 have_state;	/* the GETLINK reply was read */
	bool		 up;
	bool		 gone;		/* RTM_DELLINK seen */
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-linkwatch -n netns -i iface"
	    " (-p pid -s signal | -u) [-t timeout_ms]\n");
	exit(1);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static int
signal_number(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "KILL", SIGKILL }, { "STOP", SIGSTOP }, { "TERM", SIGTERM },
		{ "INT", SIGINT }, { "HUP", SIGHUP }, { "CONT", SIGCONT },
	};

	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return (int)number(s, 1, 64);
}

static int
on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct watch *w = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if ((unsigned int)ifi->ifi_index != w->ifindex)
		return MNL_CB_OK;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		w->gone = true;
		w->up = false;
	} else
		w->up = (ifi->ifi_flags & IFF_UP) != 0;
	if (nlh->nlmsg_seq == w->seq && w->seq != 0)
		w->have_state = true;
	return MNL_CB_OK;
}

/*
 * Reads what is queued (waiting at most timeout_ms), updating *w.  Returns
 * the CLOCK_MONOTONIC time the batch was read, 0 on timeout, -1 on error.
 */
static int64_t
read_batch(struct mnl_socket *nl, struct watch *w, int timeout_ms)
{
	static char buf[65536];
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	ssize_t n;
	int64_t t;
	int r;

	r = poll(&pfd, 1, timeout_ms);
	if (r == -1)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	t = now_us();
	if (n == -1) {
		perror("bench-linkwatch: recv");
		return -1;
	}
	/*
	 * Our request's ACK or error ends with an NLMSG_ERROR; with seq 0
	 * and portid 0, notifications and replies both pass.
	 */
	r = mnl_cb_run(buf, (size_t)n, 0, 0, on_msg, w);
	if (r == MNL_CB_ERROR) {
		perror("bench-linkwatch: netlink");
		return -1;
	}
	return t;
}

int
main(int argc, char *argv[])
{
	const char *netns = NULL, *iface = NULL;
	long pid = 0, timeout_ms = 30000;
	int sig = 0, ch, fd;
	bool wait_up = false;
	char path[PATH_MAX], req[512];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct watch w;
	int64_t start, t, deadline;
	int rcvbuf = 1 << 20;

	while ((ch = getopt(argc, argv, "n:i:p:s:t:u")) != -1) {
		switch (ch) {
		case 'n':
			netns = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'p':
			pid = number(optarg, 2, INT_MAX);
			break;
		case 's':
			sig = signal_number(optarg);
			break;
		case 't':
			timeout_ms = number(optarg, 1, 3600 * 1000);
			break;
		case 'u':
			wait_up = true;
			break;
		default:
			usage();
		}
	}
	if (netns == NULL || iface == NULL || optind != argc ||
	    wait_up == (pid != 0) || (pid != 0) != (sig != 0))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || setns(fd, CLONE_NEWNET) == -1) {
		fprintf(stderr, "bench-linkwatch: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	close(fd);
	memset(&w, 0, sizeof(w));
	w.ifindex = if_nametoindex(iface);
	if (w.ifindex == 0) {
		fprintf(stderr, "bench-linkwatch: %s: %s\n", iface,
		    strerror(errno));
		return 1;
	}

	/* Subscribe first, then ask: no change can fall between the two. */
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL || mnl_socket_bind(nl, RTMGRP_LINK,
	    MNL_SOCKET_AUTOPID) == -1) {
		perror("bench-linkwatch: netlink socket");
		return 1;
	}
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = w.seq = (unsigned int)time(NULL) | 1;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)w.ifindex;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1) {
		perror("bench-linkwatch: RTM_GETLINK");
		return 1;
	}
	deadline = now_us() + 5 * 1000000;
	while (!w.have_state && !w.gone) {
		t = read_batch(nl, &w, 1000);
		if (t == -1 || now_us() > deadline) {
			fprintf(stderr, "bench-linkwatch: no RTM_GETLINK reply\n");
			return 1;
		}
	}

	if (wait_up) {
		start = now_us();
		deadline = start + timeout_ms * 1000;
		t = start;
		while (!w.up) {
			int64_t left = (deadline - now_us()) / 1000;

			if (left <= 0 || w.gone) {
				printf("timeout %lld\n", (long long)(now_us() - start));
				return 2;
			}
			t = read_batch(nl, &w, (int)left + 1);
			if (t == -1)
				return 1;
		}
		printf("up %lld\n", (long long)(t - start));
		return 0;
	}

	if (!w.up) {
		printf("notup 0\n");
		return 3;
	}
	start = now_us();
	if (kill((pid_t)pid, sig) == -1) {
		fprintf(stderr, "bench-linkwatch: kill %ld: %s\n", pid,
		    strerror(errno));
		return 1;
	}
	deadline = start + timeout_ms * 1000;
	t = start;
	while (w.up) {
		int64_t left = (deadline - now_us()) / 1000;

		if (left <= 0) {
			printf("timeout %lld\n", (long long)(now_us() - start));
			return 2;
		}
		t = read_batch(nl, &w, (int)left + 1);
		if (t == -1)
			return 1;
	}
	printf("down %lld\n", (long long)(t - start));
	mnl_socket_close(nl);
	return 0;
}
