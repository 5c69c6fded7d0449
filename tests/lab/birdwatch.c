/*
 * lab-birdwatch: watches which routes a BIRD has for some prefixes, polling
 * its control socket in a tight loop, and prints every change with a
 * timestamp.  The lab runs it against the upstream router to see the exact
 * moment a node's route disappears (scenario 2) or to prove that it never
 * does (scenario 7).
 *
 * It speaks BIRD's CLI protocol itself rather than forking birdc, so one poll
 * costs a round trip on a Unix socket (tens of microseconds), not a process.
 * A route is identified by the protocol it came from and the time BIRD
 * stamped it with, so a withdrawal followed by a re-announcement between two
 * polls still shows up: the stamp changes.
 *
 * BIRD keeps route times on a monotonic clock and converts them to wall-clock
 * time when it prints them, so the same route's printed stamp can jitter by a
 * millisecond between two polls.  Stamps that differ by less than STAMP_SLOP_MS
 * are therefore the same route; a route withdrawn and re-announced later
 * gets a new stamp well outside that.
 *
 * It does not interpret the routes: the lab's scripts decide what a change
 * means.  Test tool only; not installed.
 *
 * Output, one line per change (times are CLOCK_REALTIME microseconds, to be
 * compared with the shell's $EPOCHREALTIME):
 *   change T_US PREFIX ROUTES
 * where ROUTES is "-" for no route, else comma-separated PROTO[*]@STAMP
 * ("*" marks BIRD's best route).  At exit (SIGTERM, SIGINT, or -d elapsed):
 *   summary polls=N errors=N max_gap_us=N
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PREFIXES	4
#define REPLY_MAX	65536
#define STAMP_SLOP_MS	5

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t
now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
bird_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Reads one complete reply into buf: BIRD ends a reply with a line whose
 * 4-digit code is followed by a space ("0000 " or, say, "8001 Network not
 * found").  Continuation lines have "-" after the code or start with a space.
 * Returns 0, or -1 on error, EOF or a 1 s stall.
 */
static int
read_reply(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	const char *line;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		char *nl;

		if (len + 1 >= cap)
			return -1;
		if (poll(&pfd, 1, 1000) != 1)
			return -1;
		r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		if (len == 0 || buf[len - 1] != '\n')
			continue;
		/* Look at the last complete line. */
		buf[len - 1] = '\0';
		nl = strrchr(buf, '\n');
		line = nl ? nl + 1 : buf;
		buf[len - 1] = '\n';
		if (strlen(line) >= 5 && line[4] == ' ' &&
		    line[0] >= '0' && line[0] <= '9')
			return 0;
	}
}

/*
 * Turns a `show route PREFIX` reply into "PROTO[*]@STAMP,..." (or "-").
 * Route lines look like
 *   1007- 198.51.100.0/24 unicast [na4 2024-01-01 12:00:00.123] * (100) [AS65010i]
 *                         unicast [nb4 2024-01-01 12:00:00.456] (100) [AS65010i]
 */
static void
summarize(const char *reply, char *out, size_t cap)
{
	const char *p = reply;
	size_t used = 0;

	out[0] = '\0';
	while ((p = strchr(p, '[')) != NULL) {
		const char *name = p + 1, *sp, *end;
		bool best;
		int n;

		end = strchr(name, ']');
		sp = strchr(name, ' ');
		if (end == NULL)
			break;
		/* "[AS65010i]" has no space before ']': not a route header. */
		if (sp == NULL || sp > end) {
			p = end;
			continue;
		}
		best = strncmp(end + 1, " * ", 3) == 0;
		n = snprintf(out + used, cap - used, "%s%.*s%s@%.*s",
		    used ? "," : "", (int)(sp - name), name, best ? "*" : "",
		    (int)(end - sp - 1), sp + 1);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
		p = end;
	}
	/* Stamps contain a space between date and time: keep one token. */
	for (char *s = out; *s; s++)
		if (*s == ' ')
			*s = '_';
	if (used == 0)
		snprintf(out, cap, "-");
}

/* Milliseconds of the day in a stamp ending in HH:MM:SS.mmm, or -1. */
static long
stamp_ms(const char *s, size_t len)
{
	static const char shape[] = "dd:dd:dd.ddd";
	long v[4] = { 0, 0, 0, 0 };
	int field = 0;

	if (len < 12)
		return -1;
	s += len - 12;
	for (int i = 0; i < 12; i++) {
		if (shape[i] != 'd') {
			if (s[i] != shape[i])
				return -1;
			field++;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v[field] = v[field] * 10 + (s[i] - '0');
	}
	return ((v[0] * 60 + v[1]) * 60 + v[2]) * 1000 + v[3];
}

/*
 * Whether two summaries describe the same routes: same protocols, same best,
 * and stamps within STAMP_SLOP_MS (anything unparsable must match exactly).
 */
static bool
same_routes(const char *a, const char *b)
{
	for (;;) {
		size_t la = strcspn(a, ","), lb = strcspn(b, ",");
		const char *ata = memchr(a, '@', la), *atb = memchr(b, '@', lb);
		long ma, mb;

		if (ata == NULL || atb == NULL) {
			if (la != lb || strncmp(a, b, la) != 0)
				return false;
		} else {
			if (ata - a != atb - b || strncmp(a, b, (size_t)(ata - a)) != 0)
				return false;
			ma = stamp_ms(ata + 1, la - (size_t)(ata + 1 - a));
			mb = stamp_ms(atb + 1, lb - (size_t)(atb + 1 - b));
			if (ma < 0 || mb < 0) {
				if (la != lb || strncmp(a, b, la) != 0)
					return false;
			} else if (labs(ma - mb) >= STAMP_SLOP_MS)
				return false;
		}
		if (a[la] == '\0' || b[lb] == '\0')
			return a[la] == b[lb];
		a += la + 1;
		b += lb + 1;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: lab-birdwatch -s socket -n prefix [-n prefix]"
	    " [-i interval_us] [-d duration_ms]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *sock = NULL, *prefixes[MAX_PREFIXES];
	static char reply[REPLY_MAX];
	char last[MAX_PREFIXES][4096], cur[4096], cmd[256];
	int nprefixes = 0, ch, fd = -1;
	long interval_us = 1000, duration_ms = 0;
	uint64_t polls = 0, errors = 0;
	int64_t start, last_poll = 0, max_gap = 0;
	struct sigaction sa;

	while ((ch = getopt(argc, argv, "s:n:i:d:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'n':
			if (nprefixes == MAX_PREFIXES)
				usage();
			prefixes[nprefixes++] = optarg;
			break;
		case 'i':
			interval_us = strtol(optarg, NULL, 10);
			break;
		case 'd':
			duration_ms = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || nprefixes == 0 || interval_us < 0)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < nprefixes; i++)
		last[i][0] = '\0';

	start = now_us(CLOCK_MONOTONIC);
	while (!stop_requested) {
		int64_t t;

		if (duration_ms > 0 &&
		    now_us(CLOCK_MONOTONIC) - start >= duration_ms * 1000)
			break;
		if (fd == -1) {
			fd = bird_connect(sock);
			if (fd == -1 || read_reply(fd, reply, sizeof(reply)) == -1) {
				/* BIRD not (yet) there: an error, not a change. */
				if (fd != -1)
					close(fd);
				fd = -1;
				errors++;
				usleep(10000);
				continue;
			}
		}
		for (int i = 0; i < nprefixes; i++) {
			int n = snprintf(cmd, sizeof(cmd), "show route %s\n",
			    prefixes[i]);

			if (write(fd, cmd, (size_t)n) != n ||
			    read_reply(fd, reply, sizeof(reply)) == -1) {
				close(fd);
				fd = -1;
				/* A signal asking us to stop is not an error. */
				if (!stop_requested)
					errors++;
				break;
			}
			summarize(reply, cur, sizeof(cur));
			if (!same_routes(cur, last[i])) {
				printf("change %lld %s %s\n",
				    (long long)now_us(CLOCK_REALTIME),
				    prefixes[i], cur);
				snprintf(last[i], sizeof(last[i]), "%s", cur);
			}
		}
		if (fd == -1)
			continue;
		polls++;
		t = now_us(CLOCK_MONOTONIC);
		if (last_poll != 0 && t - last_poll > max_gap)
			max_gap = t - last_poll;
		last_poll = t;
		if (interval_us > 0)
			usleep((useconds_t)interval_us);
	}
	if (fd != -1)
		close(fd);
	printf("summary polls=%llu errors=%llu max_gap_us=%lld\n",
	    (unsigned long long)polls, (unsigned long long)errors,
	    (long long)max_gap);
	return 0;
}
