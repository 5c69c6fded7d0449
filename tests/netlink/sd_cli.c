/* sd_cli: runs the sock_diag module (netlink/sockdiag.c) on a loop, for
 * sockdiag_live.sh and for measuring by hand.  One line per thing that
 * happened, with CLOCK_MONOTONIC times, so that a test can wait for lines
 * and a person can read delays; the module's log goes to stderr.
 *
 *   sd_cli [-d] [-n COUNT] [-t MS] [-r BYTES] [-s MS] [-k PID] WATCH...
 *	WATCH is udp:ADDR:PORT or tcp:ADDR:PORT, ADDR IPv4 or IPv6 (in
 *	brackets or not: the port is after the last colon).  Prints
 *	"ready watches=N t_us=T" once the module listens, then for each
 *	callback "event watch=I PROTO ADDR:PORT state=S inode=N t_us=T" or
 *	"lost t_us=T" (events were lost), each followed by " delay_us=D" once
 *	something was killed.  Exits 0 after COUNT callbacks (0: never), or
 *	prints "timeout callbacks=K" after MS and exits 0 if COUNT is 0, else
 *	1.  A failing nl_sockdiag_new prints "error: ..." and exits 3.
 *	-k kills PID with SIGKILL right after "ready", taking the time just
 *	before kill(2) and printing "killed pid=P t_us=T".  Commands on stdin,
 *	one a line: "kill PID" (the same), "mark" ("mark t_us=T"), "quit".
 *	-r sets the socket's SO_RCVBUF; -s stalls MS milliseconds after
 *	"ready" without reading, so that a burst can overflow it.
 *	SIGTERM and SIGINT stop it cleanly. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/signalfd.h>

#include "log.h"
#include "loop.h"
#include "sockdiag.h"

struct cli {
	struct loop		*loop;
	struct loop_timer	*timeout;
	struct nl_sockdiag	*sd;
	struct nl_sockwatch	 w[NL_SOCKDIAG_MAX_WATCHES];
	int			 nw;
	long			 count;		/* exit after this many */
	long			 seen;
	uint64_t		 killed_at;	/* 0: nothing killed yet */
	bool			 reached;
	bool			 stdin_watched;
	char			 line[256];
	size_t			 len;
};

static void
usage(void)
{
	fprintf(stderr, "usage: sd_cli [-d] [-n COUNT] [-t MS] [-r BYTES] "
	    "[-s MS] [-k PID] udp|tcp:ADDR:PORT ...\n");
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

/* "udp:127.0.0.1:53", "tcp:[::1]:53" or "tcp:::1:53". */
static int
parse_watch(const char *arg, struct nl_sockwatch *w)
{
	char buf[INET6_ADDRSTRLEN + 16], *addr, *port;
	size_t len;

	memset(w, 0, sizeof(*w));
	if (strncmp(arg, "udp:", 4) == 0)
		w->proto = IPPROTO_UDP;
	else if (strncmp(arg, "tcp:", 4) == 0)
		w->proto = IPPROTO_TCP;
	else
		return -1;
	if (snprintf(buf, sizeof(buf), "%s", arg + 4) >= (int)sizeof(buf) ||
	    (port = strrchr(buf, ':')) == NULL)
		return -1;
	*port++ = '\0';
	addr = buf;
	len = strlen(addr);
	if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
		addr[len - 1] = '\0';
		addr++;
	}
	w->port = (uint16_t)number(port, 1, 65535);
	if (inet_pton(AF_INET, addr, w->addr) == 1)
		w->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, w->addr) == 1)
		w->family = AF_INET6;
	else
		return -1;
	return 0;
}

static void
print_delay(const struct cli *c, uint64_t now)
{
	if (c->killed_at != 0)
		printf(" delay_us=%" PRIu64, now - c->killed_at);
	printf("\n");
}

static void
counted(struct cli *c)
{
	if (c->count > 0 && ++c->seen == c->count) {
		c->reached = true;
		loop_stop(c->loop);
	} else if (c->count == 0)
		c->seen++;
}

static void
on_event(void *arg, int watch, const struct nl_sock_event *ev)
{
	struct cli *c = arg;
	uint64_t now = loop_now_us();
	char a[INET6_ADDRSTRLEN];

	if (watch == -1) {
		printf("lost t_us=%" PRIu64, now);
		print_delay(c, now);
		counted(c);
		return;
	}
	if (inet_ntop(ev->family, ev->laddr, a, sizeof(a)) == NULL)
		(void)snprintf(a, sizeof(a), "?");
	printf("event watch=%d %s %s%s%s:%u state=%d inode=%" PRIu32
	    " t_us=%" PRIu64, watch, ev->proto == IPPROTO_TCP ? "tcp" : "udp",
	    ev->family == AF_INET6 ? "[" : "", a,
	    ev->family == AF_INET6 ? "]" : "", ev->lport, ev->state, ev->inode,
	    now);
	print_delay(c, now);
	counted(c);
}

static void
kill_pid(struct cli *c, const char *arg)
{
	pid_t pid = (pid_t)number(arg, 1, INT32_MAX);

	/* The time first: the kernel frees the sockets inside kill(2). */
	c->killed_at = loop_now_us();
	if (kill(pid, SIGKILL) == -1) {
		printf("kill: %s\n", err_str(errno));
		return;
	}
	printf("killed pid=%ld t_us=%" PRIu64 "\n", (long)pid, c->killed_at);
}

static void
command(struct cli *c, const char *cmd)
{
	if (strncmp(cmd, "kill ", 5) == 0)
		kill_pid(c, cmd + 5);
	else if (strcmp(cmd, "mark") == 0)
		printf("mark t_us=%" PRIu64 "\n", loop_now_us());
	else if (strcmp(cmd, "quit") == 0) {
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
		/* End of commands; keep watching until done or a signal. */
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

static void
on_timeout(struct loop *loop, void *arg)
{
	const struct cli *c = arg;

	printf("timeout callbacks=%ld\n", c->seen);
	loop_stop(loop);
}

int
main(int argc, char *argv[])
{
	struct cli c = { 0 };
	struct timespec ts;
	sigset_t set;
	const char *kill_arg = NULL;
	long timeout_ms = 0, stall_ms = 0;
	int ch, i, debug = 0, rcvbuf = 0, sfd = -1, ret = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt(argc, argv, "dn:t:r:s:k:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'n':
			c.count = number(optarg, 0, 1000000);
			break;
		case 't':
			timeout_ms = number(optarg, 0, 86400000);
			break;
		case 'r':
			rcvbuf = (int)number(optarg, 1, INT32_MAX);
			break;
		case 's':
			stall_ms = number(optarg, 0, 60000);
			break;
		case 'k':
			kill_arg = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > NL_SOCKDIAG_MAX_WATCHES)
		usage();
	for (i = 0; i < argc; i++)
		if (parse_watch(argv[i], &c.w[i]) == -1) {
			fprintf(stderr, "sd_cli: bad watch '%s'\n", argv[i]);
			usage();
		}
	c.nw = argc;
	log_init("sd_cli", debug);
	if ((c.loop = loop_new()) == NULL)
		fatal("loop_new");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    loop_add_fd(c.loop, sfd, LOOP_READ, on_signal, &c) == -1) {
		log_warn("signalfd");
		goto out;
	}
	if ((c.timeout = loop_timer_new(c.loop, on_timeout, &c)) == NULL)
		fatal("loop_timer_new");
	if ((c.sd = nl_sockdiag_new(c.loop, on_event, &c)) == NULL) {
		printf("error: nl_sockdiag_new: %s\n", err_str(errno));
		ret = 3;
		goto out;
	}
	if (rcvbuf > 0 && nl_sockdiag_set_rcvbuf(c.sd, rcvbuf) == -1) {
		log_warn("SO_RCVBUF");
		goto out;
	}
	if (nl_sockdiag_set_watches(c.sd, c.w, c.nw) == -1) {
		printf("error: nl_sockdiag_set_watches: %s\n", err_str(errno));
		goto out;
	}
	/* A FIFO or pipe can be watched; /dev/null or a file cannot. */
	c.stdin_watched = loop_add_fd(c.loop, 0, LOOP_READ, on_stdin, &c) == 0;
	if (timeout_ms > 0 &&
	    loop_timer_arm(c.timeout, (uint64_t)timeout_ms * 1000u) == -1)
		fatal("loop_timer_arm");
	printf("ready watches=%d t_us=%" PRIu64 "\n", c.nw, loop_now_us());
	if (stall_ms > 0) {
		ts.tv_sec = stall_ms / 1000;
		ts.tv_nsec = (stall_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	if (kill_arg != NULL)
		kill_pid(&c, kill_arg);
	if (loop_run(c.loop) == -1)
		goto out;
	ret = c.count == 0 || c.reached ? 0 : 1;
out:
	if (c.stdin_watched)
		loop_del_fd(c.loop, 0);
	nl_sockdiag_free(c.sd);
	loop_timer_free(c.timeout);
	if (sfd != -1) {
		loop_del_fd(c.loop, sfd);
		close(sfd);
	}
	loop_free(c.loop);
	return ret;
}
