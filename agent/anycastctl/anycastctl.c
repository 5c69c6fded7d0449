/* anycastctl: the operator's client for anycastd's control socket.  It
 * sends one request per connection (protocol in ctl.h and anycastctl(8)),
 * prints the reply and maps failures to exit codes in the manner of systemctl
 * and birdc.  Every wait is bounded: connecting, sending and reading share a
 * deadline, and "drain --wait" polls the daemon until the withdrawal is
 * confirmed or its own timeout passes.  It waits client-side, by polling, so
 * that the daemon holds no connection open for long, and so that a restart of
 * anycastd during the wait (the drain persists) costs only a retry.
 *
 * Several agents may run on one host (anycastd@NAME.service, one per
 * anycast service).  -i NAME picks one; without -i or -s, anycastctl looks
 * for live sockets (the default one and CTL_RUN_DIR/NAME/) and talks to the
 * only one, or lists them and stops: with two services on a host, guessing
 * would drain the wrong one.  --server-unit UNIT and --all address every
 * instance that watches UNIT, or every one. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "duration.h"
#include "text.h"

#ifndef ANYCASTD_VERSION
#define ANYCASTD_VERSION "unknown"
#endif

#define EXIT_OK		0
#define EXIT_FAIL	1	/* the daemon refused or failed */
#define EXIT_USAGE	2
#define EXIT_NOT_RUNNING 3	/* no socket, or nobody listening */
#define EXIT_DENIED	4	/* no permission on the socket */
#define EXIT_TIMEOUT	5	/* no reply in time, or --wait timed out */

#define REQUEST_TIMEOUT_MS	5000
#define MAX_INSTANCES		256
#define WAIT_POLL_MS		200
#define RETRY_FIRST_MS		20
#define RETRY_MAX_MS		320
/* "zones" lists every zone: 100,000 of them fit. */
#define REPLY_MAX		((size_t)16 * 1024 * 1024)

struct reply {
	int	 code;		/* ctl_code, or 0 if none came */
	char	 text[64];	/* the reply line's text, "conflict" */
	char	*body;		/* NUL-terminated */
	int	 exit;		/* exit code if code == 0 */
	char	 err[256];	/* why, if code == 0 */
	bool	 busy;		/* connect: the listen queue was full */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
fail_set(struct reply *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_set(struct reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	r->exit = code;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

/* Waits for events on fd until the deadline; 1 ready, 0 timed out. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now;
	int rc;

	for (;;) {
		now = now_ms();
		if (now >= deadline)
			return 0;
		rc = poll(&pfd, 1, (int)(deadline - now));
		if (rc == -1 && errno == EINTR)
			continue;
		return rc != 0;
	}
}

/* One request, one reply.  Fills r; returns 0 if a reply came. */
static int
connect_ctl(const char *sock, struct reply *r)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fail_set(r, EXIT_USAGE, "socket path too long: %s", sock);
		return -1;
	}
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		fail_set(r, EXIT_FAIL, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR)
		fail_set(r, EXIT_NOT_RUNNING, "anycastd is not running "
		    "(socket %s)", sock);
	else if (errno == EACCES || errno == EPERM)
		fail_set(r, EXIT_DENIED, "permission denied on %s (root or the "
		    "control group only)", sock);
	else if (errno == EAGAIN) {
		r->busy = true;
		fail_set(r, EXIT_TIMEOUT, "anycastd is not accepting "
		    "connections (socket %s busy)", sock);
	} else
		fail_set(r, EXIT_FAIL, "connect %s: %s", sock, strerror(errno));
	close(fd);
	return -1;
}

/* 0, -1 (r says why) or -2 (the deadline passed). */
static int
send_line(int fd, const char *line, uint64_t deadline, struct reply *r)
{
	size_t off = 0, llen = strlen(line);
	ssize_t n;

	while (off < llen) {
		if (!wait_fd(fd, POLLOUT, deadline))
			return -2;
		n = send(fd, line + off, llen - off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		/* A daemon that refuses at once ("busy") may have closed
		 * already; its one-line reply is still there to read. */
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return 0;
		if (n == -1) {
			fail_set(r, EXIT_FAIL, "send: %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Reads until the server closes: 0 with *bufp (NUL-terminated) and *lenp,
 * -1 (r says why) or -2 (the deadline passed). */
static int
recv_all(int fd, uint64_t deadline, char **bufp, size_t *lenp,
    struct reply *r)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (cap - len < 4096) {
			if (cap >= REPLY_MAX) {
				fail_set(r, EXIT_FAIL, "reply too large");
				goto fail;
			}
			if ((nb = realloc(buf, cap + 65536)) == NULL) {
				fail_set(r, EXIT_FAIL, "out of memory");
				goto fail;
			}
			buf = nb;
			cap += 65536;
		}
		if (!wait_fd(fd, POLLIN, deadline)) {
			free(buf);
			return -2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			fail_set(r, EXIT_FAIL, "recv: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	return -1;
}

/* "anycastd/1 CODE TEXT" LF body: buf becomes r->body.  0 or -1. */
static int
parse_reply(char *buf, size_t len, struct reply *r)
{
	char *nl, *sp;

	if (len == 0) {
		fail_set(r, EXIT_FAIL, "anycastd closed the connection "
		    "without a reply");
		return -1;
	}
	if ((nl = strchr(buf, '\n')) == NULL ||
	    strncmp(buf, CTL_VERSION " ", strlen(CTL_VERSION) + 1) != 0) {
		fail_set(r, EXIT_FAIL, "unexpected reply from anycastd");
		return -1;
	}
	*nl = '\0';
	sp = buf + strlen(CTL_VERSION) + 1;
	r->code = (int)strtol(sp, NULL, 10);
	if (r->code < 100 || r->code > 599) {
		fail_set(r, EXIT_FAIL, "unexpected reply from anycastd");
		r->code = 0;
		return -1;
	}
	while (*sp >= '0' && *sp <= '9')
		sp++;
	snprintf(r->text, sizeof(r->text), "%s", *sp == ' ' ? sp + 1 : sp);
	memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
	/* Everything printed from here on comes from these two: the one
	 * place where the daemon's words enter, scrubbed by the base's
	 * sanitiser, so that whatever answers on the socket (an older
	 * anycastd, or something else bound there) cannot drive the
	 * terminal. */
	text_scrub_lines(r->text);
	text_scrub_lines(buf);
	r->body = buf;
	return 0;
}

/* One attempt: connect, send, read until the server closes.  0 if a reply
 * came. */
static int
attempt(const char *sock, const char *line, uint64_t deadline,
    struct reply *r)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if ((fd = connect_ctl(sock, r)) == -1)
		return -1;
	if ((rc = send_line(fd, line, deadline, r)) == 0)
		rc = recv_all(fd, deadline, &buf, &len, r);
	close(fd);
	if (rc == -2)
		fail_set(r, EXIT_TIMEOUT, "no reply from anycastd within %ds "
		    "(socket %s)", REQUEST_TIMEOUT_MS / 1000, sock);
	if (rc != 0)
		return -1;
	if (parse_reply(buf, len, r) == -1) {
		free(buf);
		return -1;
	}
	return 0;
}

/* A request, retried while the daemon says it is busy (503) or its listen
 * queue is full (EAGAIN at connect): both mean it did not look at the
 * request, so a retry cannot do anything twice.  The backoff doubles from
 * RETRY_FIRST_MS to RETRY_MAX_MS, with jitter so that many clients refused
 * together do not come back together, and every retry stays within the
 * request's REQUEST_TIMEOUT_MS. */
static int
request(const char *sock, const char *line, struct reply *r)
{
	uint64_t deadline = now_ms() + REQUEST_TIMEOUT_MS, now, pause;
	unsigned backoff = RETRY_FIRST_MS;
	struct timespec ts;
	uint32_t seed;

	/* Jitter, not secrecy: a cheap generator seeded per process. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
	for (;;) {
		if (attempt(sock, line, deadline, r) == 0) {
			if (r->code != CTL_BUSY)
				return 0;
		} else if (!(r->exit == EXIT_TIMEOUT && r->busy))
			return -1;
		now = now_ms();
		seed = seed * 1103515245u + 12345u;
		pause = backoff / 2 + (seed >> 8) % (backoff / 2 + 1);
		if (now + pause >= deadline)
			return r->code == CTL_BUSY ? 0 : -1;
		if (r->code == CTL_BUSY)
			free(r->body);
		usleep((useconds_t)(pause * 1000));
		if (backoff < RETRY_MAX_MS)
			backoff *= 2;
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: anycastctl [-i NAME | -s SOCKET | --all | --server-unit UNIT]"
	    " COMMAND\n"
	    "  status [--json]              state, probes, drain and BIRD's view\n"
	    "  drain [--reason TEXT] [--force] [--wait [--timeout T]]\n"
	    "                               withdraw now and stay withdrawn\n"
	    "                               (--force: even if the fleet would be\n"
	    "                               left short of healthy nodes)\n"
	    "  undrain [--if-reason TEXT]   back to health-driven operation\n"
	    "  zones [--stale] [--json]     every zone's freshness (--stale: the\n"
	    "                               stale and missing ones)\n"
	    "  sweep [--wait [--timeout T]] ask the local server for every zone\n"
	    "                               now (--wait: until it is done)\n"
	    "options:\n"
	    "  -i, --instance NAME  instance NAME (anycastd@NAME.service, socket\n"
	    "              " CTL_RUN_DIR "/NAME/" CTL_SOCKET_NAME ")\n"
	    "  -s SOCKET   control socket (default " CTL_DEFAULT_SOCKET ", or\n"
	    "              the only instance running; with several, anycastctl\n"
	    "              lists them and asks for -i)\n"
	    "  --all       every running instance\n"
	    "  --server-unit UNIT  every running instance whose server_unit is\n"
	    "              UNIT (the named.service drop-in: named.service)\n"
	    "  -h, --help  this help;  --version  print the version\n"
	    "T is a duration: 500ms, 30s, 2m or plain seconds (default 30s).\n"
	    "exit: 0 ok, 1 failed, 2 usage, 3 not running, 4 permission "
	    "denied, 5 timeout\n");
}

#define TIMEOUT_MAX_MS	86400000	/* a day: longer is a typo */

/* "500ms", "30s", "2m", "30" (the config's durations): milliseconds, or
 * -1. */
static long long
parse_timeout(const char *s)
{
	uint64_t ms;

	if (dur_parse_ms(s, &ms) == -1 || ms > TIMEOUT_MAX_MS)
		return -1;
	return (long long)ms;
}

/* Prints the server's error body as one line and returns the exit code. */
static int
report_error(const struct reply *r)
{
	size_t n;

	if (r->code == 0) {
		fprintf(stderr, "anycastctl: %s\n", r->err);
		return r->exit;
	}
	n = strlen(r->body);
	while (n > 0 && r->body[n - 1] == '\n')
		r->body[--n] = '\0';
	fprintf(stderr, "anycastctl: %s (%d %s)\n", n ? r->body : "failed",
	    r->code, r->text);
	return EXIT_FAIL;
}

static int
simple(const char *sock, const char *line, FILE *to)
{
	struct reply r;
	int rc;

	if (request(sock, line, &r) == -1)
		return report_error(&r);
	if (r.code != CTL_OK) {
		rc = report_error(&r);
		free(r.body);
		return rc;
	}
	fputs(r.body, to);
	free(r.body);
	return fflush(to) == EOF ? EXIT_FAIL : EXIT_OK;
}

/* Polls "withdrawn" until it says yes; a daemon restart in between is only
 * a retry, since the drain is persistent. */
static int
wait_withdrawn(const char *sock, long long timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	char last[512] = "no answer yet";
	struct reply r;
	uint64_t now;
	size_t n;

	for (;;) {
		if (request(sock, CTL_VERSION " withdrawn\n", &r) == 0) {
			if (r.code != CTL_OK) {
				int rc = report_error(&r);

				free(r.body);
				return rc;
			}
			n = strlen(r.body);
			while (n > 0 && r.body[n - 1] == '\n')
				r.body[--n] = '\0';
			/* "yes STATE DETAIL" or "no STATE DETAIL" */
			if (strncmp(r.body, "yes ", 4) == 0) {
				printf("withdrawn: %s\n", strchr(r.body + 4, ' ') ?
				    strchr(r.body + 4, ' ') + 1 : r.body + 4);
				free(r.body);
				return EXIT_OK;
			}
			if (strncmp(r.body, "no drained ", 11) != 0 &&
			    strncmp(r.body, "no ", 3) == 0) {
				fprintf(stderr, "anycastctl: no longer drained "
				    "while waiting: %s\n", r.body + 3);
				free(r.body);
				return EXIT_FAIL;
			}
			snprintf(last, sizeof(last), "%s", r.body +
			    (strncmp(r.body, "no drained ", 11) == 0 ? 11 : 0));
			free(r.body);
		} else {
			if (r.exit == EXIT_DENIED || r.exit == EXIT_USAGE)
				return report_error(&r);
			snprintf(last, sizeof(last), "%s", r.err);
		}
		now = now_ms();
		if (now >= deadline)
			break;
		/* The last look is at the deadline itself. */
		usleep((useconds_t)((deadline - now < WAIT_POLL_MS ?
		    deadline - now : WAIT_POLL_MS) * 1000));
	}
	fprintf(stderr, "anycastctl: timed out after %.1fs waiting for the "
	    "withdrawal: %s\n", (double)timeout_ms / 1000.0, last);
	return EXIT_TIMEOUT;
}

struct opts {
	const char	*sock, *cmd, *reason, *instance, *server_unit;
	long long	 timeout_ms;
	bool		 json, wait, timeout_set, force, all, stale;
};

/* One request whose body is returned (NUL-terminated, without the final
 * newline); NULL after reporting, with *rc the exit code. */
static char *
ask(const char *sock, const char *line, int *rc)
{
	struct reply r;
	size_t n;

	if (request(sock, line, &r) == -1) {
		*rc = report_error(&r);
		return NULL;
	}
	if (r.code != CTL_OK) {
		*rc = report_error(&r);
		free(r.body);
		return NULL;
	}
	n = strlen(r.body);
	while (n > 0 && r.body[n - 1] == '\n')
		r.body[--n] = '\0';
	return r.body;
}

/* "sweep": starts one and says its id; with wait, polls "sweep-status ID"
 * until the daemon says it is done, and prints how long it took. */
static int
sweep(const struct opts *o, const char *sock, bool wait)
{
	uint64_t deadline = now_ms() + (uint64_t)o->timeout_ms;
	char line[128], *body;
	unsigned long long id, us;
	int rc = EXIT_FAIL;

	if ((body = ask(sock, CTL_VERSION " sweep\n", &rc)) == NULL)
		return rc;
	id = strtoull(body, NULL, 10);
	free(body);
	if (!wait) {
		printf("sweep %llu started\n", id);
		return EXIT_OK;
	}
	snprintf(line, sizeof(line), "%s sweep-status %llu\n", CTL_VERSION, id);
	for (;;) {
		if ((body = ask(sock, line, &rc)) == NULL)
			return rc;
		/* "done ID USECS" or "running ID" */
		if (strncmp(body, "done ", 5) == 0 &&
		    strchr(body + 5, ' ') != NULL) {
			us = strtoull(strchr(body + 5, ' ') + 1, NULL, 10);
			free(body);
			printf("sweep %llu done in %llu.%06llus\n", id,
			    us / 1000000, us % 1000000);
			return EXIT_OK;
		}
		free(body);
		if (now_ms() >= deadline)
			break;
		/* Finer than drain's: a local sweep takes well under 1 s. */
		usleep(10000);
	}
	fprintf(stderr, "anycastctl: timed out after %.1fs waiting for sweep "
	    "%llu\n", (double)o->timeout_ms / 1000.0, id);
	return EXIT_TIMEOUT;
}

/* A running agent as found by its socket and its "info" reply. */
struct target {
	char	 sock[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char	 name[CTL_INSTANCE_MAX + 1];	/* "" for the default */
	char	 interface[64], server_unit[256];
	int	 exit;		/* EXIT_OK if it answered "info" */
	char	 err[256];
};

/* "anycastd.service" or "anycastd@NAME.service", as systemctl names it. */
static void
target_unit(const struct target *t, char *buf, size_t len)
{
	if (t->name[0] == '\0')
		snprintf(buf, len, "anycastd.service");
	else
		snprintf(buf, len, "anycastd@%s.service", t->name);
}

static void
info_field(const char *body, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *l = body;

	out[0] = '\0';
	while (l != NULL && *l != '\0') {
		if (strncmp(l, key, klen) == 0 && l[klen] == ' ') {
			snprintf(out, len, "%.*s", (int)strcspn(l + klen + 1,
			    "\n"), l + klen + 1);
			return;
		}
		if ((l = strchr(l, '\n')) != NULL)
			l++;
	}
}

/* Asks t->sock who it is.  A socket that nobody answers is not an agent;
 * one we may not use is listed anyway, so that the operator sees it. */
static void
target_probe(struct target *t)
{
	char name[CTL_INSTANCE_MAX + 1];
	struct reply r;

	if (request(t->sock, CTL_VERSION " info\n", &r) == -1) {
		t->exit = r.exit;
		snprintf(t->err, sizeof(t->err), "%s", r.err);
		return;
	}
	if (r.code != CTL_OK) {
		/* An agent that predates "info" still is one. */
		t->exit = EXIT_OK;
		free(r.body);
		return;
	}
	t->exit = EXIT_OK;
	/* -s names a socket, not an instance: the agent says which it is. */
	info_field(r.body, "instance", name, sizeof(name));
	if (name[0] != '\0' && strcmp(name, "-") != 0 && ctl_instance_ok(name))
		(void)text_copy(t->name, sizeof(t->name), name);
	info_field(r.body, "interface", t->interface, sizeof(t->interface));
	info_field(r.body, "server_unit", t->server_unit,
	    sizeof(t->server_unit));
	free(r.body);
}

/* Every running agent on this host: the default socket, then each
 * CTL_RUN_DIR/NAME/ holding a socket, in name order.  Sockets that refuse
 * (stale, nobody listening) are left out. */
static int
discover(struct target *ts, int max)
{
	struct dirent **ents = NULL;
	struct stat st;
	int i, n = 0, ne;

	memset(&ts[0], 0, sizeof(ts[0]));
	snprintf(ts[0].sock, sizeof(ts[0].sock), "%s", CTL_DEFAULT_SOCKET);
	if (stat(ts[0].sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
		target_probe(&ts[0]);
		if (ts[0].exit == EXIT_OK || ts[0].exit == EXIT_DENIED)
			n++;
	}
	if ((ne = scandir(CTL_RUN_DIR, &ents, NULL, alphasort)) == -1)
		return n;
	for (i = 0; i < ne; i++) {
		struct target *t = &ts[n];

		if (n < max && ctl_instance_ok(ents[i]->d_name)) {
			memset(t, 0, sizeof(*t));
			(void)text_copy(t->name, sizeof(t->name),
			    ents[i]->d_name);
			snprintf(t->sock, sizeof(t->sock), "%s/%s/%s",
			    CTL_RUN_DIR, t->name, CTL_SOCKET_NAME);
			if (stat(t->sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
				target_probe(t);
				if (t->exit == EXIT_OK || t->exit == EXIT_DENIED)
					n++;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return n;
}

static void
list_targets(FILE *f, const struct target *ts, int n)
{
	char unit[CTL_INSTANCE_MAX + 32];
	int i;

	fprintf(f, "%-28s %-10s %-18s %s\n", "UNIT", "INSTANCE", "INTERFACE",
	    "SERVER UNIT");
	for (i = 0; i < n; i++) {
		target_unit(&ts[i], unit, sizeof(unit));
		if (ts[i].exit != EXIT_OK)
			fprintf(f, "%-28s %-10s (%s)\n", unit, ts[i].name[0] ?
			    ts[i].name : "-", ts[i].err);
		else
			fprintf(f, "%-28s %-10s %-18s %s\n", unit,
			    ts[i].name[0] ? ts[i].name : "-",
			    ts[i].interface[0] ? ts[i].interface : "?",
			    ts[i].server_unit[0] ? ts[i].server_unit : "?");
	}
}

/* Options before the command.  The index of the command, or -1 - the
 * exit code when there is nothing more to do. */
static int
parse_global(int argc, char *argv[], struct opts *o)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return -1 - EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("anycastctl %s (protocol %s)\n", ANYCASTD_VERSION,
			    CTL_VERSION);
			return -1 - EXIT_OK;
		} else if ((strcmp(argv[i], "-i") == 0 ||
		    strcmp(argv[i], "--instance") == 0) && i + 1 < argc) {
			o->instance = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--all") == 0) {
			o->all = true;
			i++;
		} else if (strcmp(argv[i], "--server-unit") == 0 &&
		    i + 1 < argc) {
			o->server_unit = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			o->sock = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "-s", 2) == 0 && argv[i][2] != '\0') {
			o->sock = argv[i] + 2;
			i++;
		} else {
			fprintf(stderr, "anycastctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return -1 - EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return -1 - EXIT_USAGE;
	}
	if (o->instance != NULL && !ctl_instance_ok(o->instance)) {
		fprintf(stderr, "anycastctl: bad instance name %s\n",
		    o->instance);
		return -1 - EXIT_USAGE;
	}
	if ((o->instance != NULL) + (o->sock != NULL) + o->all > 1) {
		fprintf(stderr, "anycastctl: -i, -s and --all exclude each "
		    "other\n");
		return -1 - EXIT_USAGE;
	}
	return i;
}

/* The command's own arguments; EXIT_OK, or the exit code of a usage
 * error (already reported). */
static int
parse_command(int argc, char *argv[], int i, struct opts *o)
{
	const char *cmd = o->cmd;

	for (; i < argc; i++) {
		if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "zones") == 0) &&
		    strcmp(argv[i], "--json") == 0)
			o->json = true;
		else if (strcmp(cmd, "zones") == 0 &&
		    strcmp(argv[i], "--stale") == 0)
			o->stale = true;
		else if ((strcmp(cmd, "drain") == 0 &&
		    strcmp(argv[i], "--reason") == 0) ||
		    (strcmp(cmd, "undrain") == 0 &&
		    strcmp(argv[i], "--if-reason") == 0)) {
			if (++i >= argc)
				goto missing;
			o->reason = argv[i];
		} else if ((strcmp(cmd, "drain") == 0 ||
		    strcmp(cmd, "sweep") == 0) && strcmp(argv[i], "--wait") == 0)
			o->wait = true;
		else if (strcmp(cmd, "drain") == 0 &&
		    strcmp(argv[i], "--force") == 0)
			o->force = true;
		else if ((strcmp(cmd, "drain") == 0 ||
		    strcmp(cmd, "sweep") == 0) &&
		    strcmp(argv[i], "--timeout") == 0) {
			if (++i >= argc)
				goto missing;
			if ((o->timeout_ms = parse_timeout(argv[i])) < 0) {
				fprintf(stderr, "anycastctl: bad --timeout "
				    "%s\n", argv[i]);
				return EXIT_USAGE;
			}
			o->timeout_set = true;
		} else {
			fprintf(stderr, "anycastctl: %s: unexpected argument "
			    "%s\n", cmd, argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (o->timeout_set && !o->wait) {
		fprintf(stderr, "anycastctl: --timeout needs --wait\n");
		return EXIT_USAGE;
	}
	if (o->reason != NULL && (!text_clean(o->reason) ||
	    strlen(o->reason) > CTL_REQUEST_MAX - 64)) {
		fprintf(stderr, "anycastctl: the reason must be one printable "
		    "line of at most %d bytes\n", CTL_REQUEST_MAX - 64);
		return EXIT_USAGE;
	}
	return EXIT_OK;
missing:
	fprintf(stderr, "anycastctl: %s needs a value\n", argv[i - 1]);
	return EXIT_USAGE;
}

static bool
known_command(const char *cmd)
{
	return strcmp(cmd, "status") == 0 || strcmp(cmd, "drain") == 0 ||
	    strcmp(cmd, "undrain") == 0 || strcmp(cmd, "zones") == 0 ||
	    strcmp(cmd, "sweep") == 0;
}

/* The command against one socket; with wait false, drain does not wait
 * (the caller waits for several at once). */
static int
run(const struct opts *o, const char *sock, bool wait)
{
	char line[CTL_REQUEST_MAX + 64];
	int rc;

	if (strcmp(o->cmd, "status") == 0) {
		snprintf(line, sizeof(line), "%s status %s\n", CTL_VERSION,
		    o->json ? "json" : "text");
		return simple(sock, line, stdout);
	}
	if (strcmp(o->cmd, "drain") == 0) {
		snprintf(line, sizeof(line), "%s %s%s%s\n", CTL_VERSION,
		    o->force ? "drain-force" : "drain", o->reason ? " " : "",
		    o->reason ? o->reason : "");
		rc = simple(sock, line, stdout);
		if (rc != EXIT_OK || !wait)
			return rc;
		return wait_withdrawn(sock, o->timeout_ms);
	}
	if (strcmp(o->cmd, "zones") == 0) {
		snprintf(line, sizeof(line), "%s zones%s%s\n", CTL_VERSION,
		    o->stale ? " stale" : "", o->json ? " json" : "");
		return simple(sock, line, stdout);
	}
	if (strcmp(o->cmd, "sweep") == 0)
		/* A local sweep takes well under a second: with --all, each
		 * instance's is waited for in turn. */
		return sweep(o, sock, o->wait);
	if (o->reason != NULL)
		snprintf(line, sizeof(line), "%s undrain-if %s\n",
		    CTL_VERSION, o->reason);
	else
		snprintf(line, sizeof(line), "%s undrain\n", CTL_VERSION);
	return simple(sock, line, stdout);
}

/* --all or --server-unit: the command on every chosen instance, its
 * output under or after the unit's name; drains first, then the waits, so
 * that the withdrawals run at the same time.  The worst exit code. */
static int
run_many(const struct opts *o, struct target *ts, int n)
{
	char unit[CTL_INSTANCE_MAX + 32];
	int i, rc, worst = EXIT_OK, chosen = 0;
	bool pick[MAX_INSTANCES];

	for (i = 0; i < n; i++) {
		pick[i] = o->server_unit == NULL ||
		    strcmp(ts[i].server_unit, o->server_unit) == 0;
		if (!pick[i])
			continue;
		target_unit(&ts[i], unit, sizeof(unit));
		/* A status is a page: the unit on a line of its own above
		 * it.  The other replies are one line: the unit in front. */
		if (strcmp(o->cmd, "status") == 0)
			printf("%s%s:\n", chosen ? "\n" : "", unit);
		else
			printf("%s: ", unit);
		chosen++;
		fflush(stdout);
		if (ts[i].exit != EXIT_OK) {
			printf("%s\n", ts[i].err);
			rc = ts[i].exit;
		} else
			rc = run(o, ts[i].sock, false);
		if (rc != EXIT_OK) {
			pick[i] = false;
			worst = worst > rc ? worst : rc;
		}
	}
	if (chosen == 0) {
		if (o->server_unit != NULL)
			printf("no running anycastd has server_unit %s\n",
			    o->server_unit);
		else
			printf("no anycastd is running\n");
		return o->server_unit != NULL ? EXIT_OK : EXIT_NOT_RUNNING;
	}
	if (strcmp(o->cmd, "drain") != 0 || !o->wait)
		return worst;
	for (i = 0; i < n; i++) {
		if (!pick[i])
			continue;
		target_unit(&ts[i], unit, sizeof(unit));
		printf("%s: ", unit);
		fflush(stdout);
		rc = wait_withdrawn(ts[i].sock, o->timeout_ms);
		if (rc != EXIT_OK)
			worst = worst > rc ? worst : rc;
	}
	return worst;
}

int
main(int argc, char *argv[])
{
	static struct target ts[MAX_INSTANCES];
	struct opts o = { .timeout_ms = 30000 };
	char sock[sizeof(ts[0].sock)];
	int i, n, rc;

	if ((i = parse_global(argc, argv, &o)) < 0)
		return -1 - i;
	o.cmd = argv[i];
	if (!known_command(o.cmd)) {
		fprintf(stderr, "anycastctl: unknown command %s\n", o.cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = parse_command(argc, argv, i + 1, &o)) != EXIT_OK)
		return rc;
	if (o.instance != NULL) {
		snprintf(sock, sizeof(sock), "%s/%s/%s", CTL_RUN_DIR,
		    o.instance, CTL_SOCKET_NAME);
		o.sock = sock;
	}
	if (o.sock != NULL && o.server_unit == NULL)
		return run(&o, o.sock, o.wait);
	if (o.sock != NULL) {
		/* One socket, drained only if it watches the unit. */
		memset(&ts[0], 0, sizeof(ts[0]));
		(void)text_copy(ts[0].sock, sizeof(ts[0].sock), o.sock);
		(void)text_copy(ts[0].name, sizeof(ts[0].name),
		    o.instance != NULL ? o.instance : "");
		target_probe(&ts[0]);
		return run_many(&o, ts, 1);
	}
	n = discover(ts, MAX_INSTANCES);
	if (o.all || o.server_unit != NULL)
		return run_many(&o, ts, n);
	if (n == 0)	/* says "not running", naming the default socket */
		return run(&o, CTL_DEFAULT_SOCKET, o.wait);
	if (n == 1)
		return run(&o, ts[0].sock, o.wait);
	fprintf(stderr, "anycastctl: %d anycastd instances are running; choose "
	    "one with -i NAME (or --all):\n", n);
	list_targets(stderr, ts, n);
	return EXIT_USAGE;
}
