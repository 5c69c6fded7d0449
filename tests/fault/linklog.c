/* fault-linklog: the independent watcher of one link for the fault matrix.
 * It enters a network namespace, subscribes to RTMGRP_LINK with a large
 * receive buffer, dumps the link's state once, and prints one line per
 * change of IFF_UP (or of presence):
 *
 *	MS up | down | absent
 *
 * MS is CLOCK_REALTIME in milliseconds, taken when the kernel's message is
 * read, so that the test's own events (bash $EPOCHREALTIME) share the clock.
 * It exits 1 if events were lost (ENOBUFS): a watcher that may have missed
 * a change proves nothing.  Run it at real-time priority (chrt) so that the
 * time it reads a message is the time it was sent.
 *
 *   fault-linklog NETNS IFNAME [KILLFILE]
 *
 * With KILLFILE: whenever the link goes down while KILLFILE holds a PID, that
 * process is sent SIGKILL at once and the file removed, so that a test can
 * kill the daemon inside the moment between its withdrawal and what it does
 * right after (persisting the hold-down).
 *
 * Test tool only; not installed. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

struct watch {
	const char	*name;
	const char	*killfile;
	int		 ifindex;	/* 0: absent */
	int		 state;		/* -1 unknown, 0 absent, 1 down, 2 up */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
kill_now(const char *path)
{
	FILE *f;
	int pid;

	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fscanf(f, "%d", &pid) == 1 && pid > 1) {
		(void)kill(pid, SIGKILL);
		printf("%lld killed %d\n", now_ms(), pid);
	}
	fclose(f);
	(void)unlink(path);
}

static void
say(struct watch *w, int state)
{
	static const char *words[] = { "absent", "down", "up" };

	if (state == w->state)
		return;
	w->state = state;
	if (state == 1 && w->killfile != NULL)
		kill_now(w->killfile);
	printf("%lld %s\n", now_ms(), words[state]);
	fflush(stdout);
}

static int
attr_cb(const struct nlattr *attr, void *arg)
{
	const struct nlattr **tb = arg;

	if (mnl_attr_get_type(attr) == IFLA_IFNAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*tb = attr;
	return MNL_CB_OK;
}

static int
msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct watch *w = arg;
	const struct ifinfomsg *ifi;
	const struct nlattr *name = NULL;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	(void)mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &name);
	if (w->ifindex != 0 && ifi->ifi_index == w->ifindex) {
		if (nlh->nlmsg_type == RTM_DELLINK || (name != NULL &&
		    strcmp(mnl_attr_get_str(name), w->name) != 0)) {
			w->ifindex = 0;
			say(w, 0);
		} else
			say(w, (ifi->ifi_flags & IFF_UP) ? 2 : 1);
		return MNL_CB_OK;
	}
	if (nlh->nlmsg_type == RTM_NEWLINK && name != NULL &&
	    strcmp(mnl_attr_get_str(name), w->name) == 0) {
		w->ifindex = ifi->ifi_index;
		say(w, (ifi->ifi_flags & IFF_UP) ? 2 : 1);
	}
	return MNL_CB_OK;
}

int
main(int argc, char *argv[])
{
	char path[256], buf[65536];
	struct watch w = { .state = -1 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;
	int fd, size = 8 << 20;
	ssize_t n;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: fault-linklog NETNS IFNAME [KILLFILE]\n");
		return 2;
	}
	w.name = argv[2];
	w.killfile = argc == 4 ? argv[3] : NULL;
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    setns(fd, CLONE_NEWNET) == -1) {
		perror(path);
		return 1;
	}
	close(fd);
	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) == -1) {
		perror("netlink");
		return 1;
	}
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &size, sizeof(size));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1) {
		perror("dump");
		return 1;
	}
	for (;;) {
		if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: changes were lost. */
			perror("fault-linklog: recv");
			return 1;
		}
		/* Dump replies and events alike; the dump's NLMSG_DONE
		 * (MNL_CB_STOP) says whether the link exists at all. */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, msg_cb, &w) ==
		    MNL_CB_STOP && w.state == -1)
			say(&w, 0);
	}
}
