/* nl_cli: drives the netlink module from the shell, for netlink_live.sh and
 * for measuring by hand.  It prints one line per thing that happened, so a
 * test can wait for and match lines; the module's own log goes to stderr.
 *
 *   nl_cli [-d] [-r BYTES] watch IFNAME
 *	Follow IFNAME.  Prints "init state=S index=N flags=0xF", then
 *	"event state=S index=N flags=0xF" for every callback.  Reads commands,
 *	one per line, on stdin: up, down (one acked request each, answered
 *	"up: ok" or "up: ENODEV (No such device)"), addrs, prefixes, state,
 *	quit.  SIGTERM and SIGINT stop it cleanly.  -r shrinks the event
 *	socket's receive buffer (to provoke ENOBUFS).  "downup" sets the link
 *	down then up with no event handled in between, then prints the
 *	kernel's addresses ("kaddrs: ...", read with getifaddrs, not through
 *	the module): what nl_link_set_up() restores on its own.
 *   nl_cli [-d] set IFNAME up|down
 *	One acked request; prints "set IFNAME up: ok" (exit 0) or the error
 *	(exit 1).
 *   nl_cli [-d] addrs IFNAME
 *	Prints "state=S index=N", "addrs: ..." and "prefixes: ...".
 *   nl_cli caps
 *	Prints "CAP_NET_ADMIN: yes" (exit 0) or "CAP_NET_ADMIN: no" (exit 1).
 *   nl_cli forge IFNAME INDEX
 *	Multicasts, from this process (not the kernel), an RTM_NEWLINK saying
 *	IFNAME with INDEX is down, to check that watchers ignore it.  Needs
 *	CAP_NET_ADMIN.
 *
 * -d turns on the module's debug log, which shows each netlink event it
 * handles in the order the kernel sent them. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/signalfd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "log.h"
#include "loop.h"
#include "prefix.h"

struct cli {
	struct loop	*loop;
	struct nl_link	*link;
	const char	*ifname;
	char		 line[256];
	size_t		 len;
	bool		 stdin_watched;
};

static void
usage(void)
{
	fprintf(stderr, "usage: nl_cli [-d] [-r BYTES] watch IFNAME\n"
	    "       nl_cli [-d] set IFNAME up|down\n"
	    "       nl_cli [-d] addrs IFNAME\n"
	    "       nl_cli caps\n"
	    "       nl_cli forge IFNAME INDEX\n");
	exit(2);
}

static const char *
err_str(int e)
{
	static char buf[128];
	const char *name = strerrorname_np(e);

	(void)snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "?",
	    strerror(e));
	return buf;
}

static void
print_state(const char *what, enum nl_state s, int ifindex, unsigned flags)
{
	printf("%s state=%s index=%d flags=0x%x\n", what, nl_state_str(s),
	    ifindex, flags);
}

static void
on_link(void *arg, enum nl_state s, int ifindex, unsigned flags)
{
	(void)arg;
	print_state("event", s, ifindex, flags);
}

/* The module's prefixes, space-separated as BIRD prints them. */
static int
prefixes_str(const struct nl_link *l, char *buf, size_t len)
{
	struct prefix p[64];
	char one[PREFIX_STRLEN];
	size_t off = 0;
	int i, n;

	buf[0] = '\0';
	if ((n = nl_link_prefixes(l, p, 64)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "",
		    prefix_fmt(&p[i], one, sizeof(one)));

		if (w < 0 || (size_t)w >= len - off) {
			errno = ENOSPC;
			return -1;
		}
		off += (size_t)w;
	}
	return n;
}

/* The kernel's addresses of ifname, IPv6 link-local left out. */
static void
print_kernel_addrs(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	char s[INET6_ADDRSTRLEN];
	const void *a;

	if (getifaddrs(&ifa) == -1) {
		printf("kaddrs: %s\n", err_str(errno));
		return;
	}
	printf("kaddrs:");
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((const struct sockaddr_in *)(const void *)
			    i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6) {
			a = &((const struct sockaddr_in6 *)(const void *)
			    i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)a))
				continue;
		} else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, s, sizeof(s)) != NULL)
			printf(" %s", s);
	}
	printf("\n");
	freeifaddrs(ifa);
}

static void
command(struct cli *c, const char *cmd)
{
	char buf[1024];
	int n;

	if (strcmp(cmd, "up") == 0 || strcmp(cmd, "down") == 0) {
		if (nl_link_set_up(c->link, strcmp(cmd, "up") == 0) == 0)
			printf("%s: ok\n", cmd);
		else
			printf("%s: %s\n", cmd, err_str(errno));
	} else if (strcmp(cmd, "downup") == 0) {
		if (nl_link_set_up(c->link, false) == -1 ||
		    nl_link_set_up(c->link, true) == -1)
			printf("downup: %s\n", err_str(errno));
		else
			printf("downup: ok\n");
		print_kernel_addrs(c->ifname);
	} else if (strcmp(cmd, "addrs") == 0 || strcmp(cmd, "prefixes") == 0) {
		n = cmd[0] == 'a' ? nl_link_addrs(c->link, buf, sizeof(buf)) :
		    prefixes_str(c->link, buf, sizeof(buf));
		if (n == -1)
			printf("%s: %s\n", cmd, err_str(errno));
		else
			printf("%s: %s\n", cmd, buf);
	} else if (strcmp(cmd, "state") == 0) {
		print_state("now", nl_link_state(c->link),
		    nl_link_index(c->link), nl_link_flags(c->link));
	} else if (strcmp(cmd, "quit") == 0) {
		printf("bye\n");
		loop_stop(c->loop);
	} else if (*cmd != '\0')
		printf("error: unknown command '%s'\n", cmd);
}

static void
on_stdin(struct loop *loop, int fd, void *arg, int mask)
{
	struct cli *c = arg;
	char buf[256];
	ssize_t n, i;

	(void)mask;
	if ((n = read(fd, buf, sizeof(buf))) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_warn("stdin");
	}
	if (n <= 0) {
		/* End of commands; keep watching until a signal. */
		loop_del_fd(loop, fd);
		c->stdin_watched = false;
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (c->len < sizeof(c->line) - 1)
				c->line[c->len++] = buf[i];
			continue;
		}
		c->line[c->len] = '\0';
		c->len = 0;
		command(c, c->line);
	}
}

static void
on_signal(struct loop *loop, int fd, void *arg, int mask)
{
	struct signalfd_siginfo si;

	(void)arg;
	(void)mask;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop_stop(loop);
}

static int
forge(const char *ifname, int ifindex)
{
	char buf[1024] = { 0 };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK,
	    .nl_groups = 1u << (RTNLGRP_LINK - 1) };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ret = 1;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = 0;		/* "down" */
	ifi->ifi_change = 0xffffffff;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("netlink socket");
		goto fail;
	}
	if (sendto(mnl_socket_get_fd(nl), nlh, nlh->nlmsg_len, 0,
	    (struct sockaddr *)&to, sizeof(to)) == -1) {
		printf("forge: %s\n", err_str(errno));
		goto fail;
	}
	printf("forge: sent\n");
	ret = 0;
fail:
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}

static int
watch(struct cli *c, int rcvbuf)
{
	sigset_t set;
	int sfd = -1, ret = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    loop_add_fd(c->loop, sfd, LOOP_READ, on_signal, c) == -1) {
		log_warn("signalfd");
		goto fail;
	}
	if (rcvbuf > 0 && nl_link_set_rcvbuf(c->link, rcvbuf) == -1) {
		log_warn("SO_RCVBUF");
		goto fail;
	}
	/* A FIFO or pipe can be watched; /dev/null or a file cannot, and
	 * then there are simply no commands. */
	c->stdin_watched = loop_add_fd(c->loop, 0, LOOP_READ, on_stdin, c) == 0;
	print_state("init", nl_link_state(c->link), nl_link_index(c->link),
	    nl_link_flags(c->link));
	/* The state at start is the caller's to report (link.h). */
	if (nl_link_state(c->link) == NL_ABSENT)
		log_warnx("interface %s does not exist; waiting for it to "
		    "appear", c->ifname);
	if (loop_run(c->loop) == -1)
		goto fail;
	ret = 0;
fail:
	if (c->stdin_watched)
		loop_del_fd(c->loop, 0);
	if (sfd != -1) {
		loop_del_fd(c->loop, sfd);
		close(sfd);
	}
	return ret;
}

int
main(int argc, char *argv[])
{
	struct cli c = { 0 };
	char buf[1024];
	int ch, debug = 0, rcvbuf = 0, ret = 1;
	bool up;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt(argc, argv, "dr:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'r':
			rcvbuf = (int)strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	log_init("nl_cli", debug);
	if (argc == 1 && strcmp(argv[0], "caps") == 0) {
		if (nl_can_admin() == 0) {
			printf("CAP_NET_ADMIN: yes\n");
			return 0;
		}
		printf("CAP_NET_ADMIN: no (%s)\n", err_str(errno));
		return 1;
	}
	if (argc == 3 && strcmp(argv[0], "forge") == 0)
		return forge(argv[1], (int)strtol(argv[2], NULL, 10));
	if (argc < 2)
		usage();
	if (strcmp(argv[0], "set") == 0 ? argc != 3 ||
	    (strcmp(argv[2], "up") != 0 && strcmp(argv[2], "down") != 0) :
	    argc != 2 || (strcmp(argv[0], "watch") != 0 &&
	    strcmp(argv[0], "addrs") != 0))
		usage();
	if ((c.loop = loop_new()) == NULL)
		fatal("loop_new");
	c.ifname = argv[1];
	if ((c.link = nl_link_new(c.loop, argv[1], on_link, &c)) == NULL) {
		log_warn("nl_link_new %s", argv[1]);
		goto out;
	}
	if (strcmp(argv[0], "watch") == 0) {
		ret = watch(&c, rcvbuf);
	} else if (strcmp(argv[0], "set") == 0) {
		up = strcmp(argv[2], "up") == 0;
		if (nl_link_set_up(c.link, up) == 0) {
			printf("set %s %s: ok\n", argv[1], argv[2]);
			ret = 0;
		} else
			printf("set %s %s: %s\n", argv[1], argv[2],
			    err_str(errno));
	} else {
		printf("state=%s index=%d\n", nl_state_str(nl_link_state(c.link)),
		    nl_link_index(c.link));
		if (nl_link_addrs(c.link, buf, sizeof(buf)) != -1)
			printf("addrs: %s\n", buf);
		if (prefixes_str(c.link, buf, sizeof(buf)) != -1)
			printf("prefixes: %s\n", buf);
		ret = 0;
	}
out:
	nl_link_free(c.link);
	loop_free(c.loop);
	return ret;
}
