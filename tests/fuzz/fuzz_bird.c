/* BIRD's side: the reply framer and parsers (reply.c) and the client's
 * state machine (client.c) against a fake BIRD that says whatever the
 * fuzzer wants, then the view rendered the way operators see it: status
 * text, status JSON, the metrics, and the "drain --wait" explanation.
 *
 * Input: byte 0 configures the client (bit 0: anycast prefixes set, else
 * every exported route counts; bit 1: the fleet tables fleet4 and fleet6);
 * the rest is the greeting and then one reply per command the client
 * sends, separated by two NUL bytes.  The fake BIRD, in the same loop,
 * answers each command with the next reply; after the last one, or after
 * one that is not a complete reply (the client would wait for the rest),
 * it shuts down its side, so that a poll always ends without a timeout.
 *
 * Properties: every poll ends (one callback); every command the client
 * sends is one printable line; framing a reply whole and byte by byte
 * gives the same length; and every output rendered from the view is
 * printable lines: no ESC, no C1 control, no invalid UTF-8 from BIRD gets
 * to a terminal or into the metrics. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bird.h"
#include "bird_check.h"
#include "bird_reply.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "status.h"

struct part {
	const char	*p;
	size_t		 len;
};

#define MAX_PARTS	64

static struct {
	struct part	 parts[MAX_PARTS];
	int		 nparts, next;
	int		 lfd, sfd;	/* the fake BIRD: listening, served */
	char		 cmd[1024];
	size_t		 cmdlen;
	int		 polls;
	struct bird_view view;
} fk;

static char	dir[64], sock[96];

static void
cleanup(void)
{
	(void)unlink(sock);
	(void)rmdir(dir);
}

static void
on_view(void *arg, const struct bird_view *v)
{
	(void)arg;
	fk.polls++;
	fk.view = *v;
}

static void
on_turn(struct loop *l, void *arg)
{
	(void)arg;
	if (fk.polls > 0)
		loop_stop(l);
}

static void
on_guard(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	fprintf(stderr, "the poll did not end within 5 s\n");
	abort();
}

/* Framing all at once and one byte more at a time agree. */
static ssize_t
check_framing(const char *p, size_t len)
{
	size_t scanned = 0, i;
	ssize_t whole = bird_reply_end(p, len), inc = 0;

	for (i = 1; i <= len; i++)
		if ((inc = bird_reply_scan(p, i, &scanned)) != 0)
			break;
	FUZZ_CHECK(whole == inc);
	return whole;
}

/* Sends the next reply; shuts down after the last, or after one the
 * client cannot finish reading. */
static void
serve_next(void)
{
	const struct part *pt;
	ssize_t n;

	if (fk.next >= fk.nparts) {
		(void)shutdown(fk.sfd, SHUT_WR);
		return;
	}
	pt = &fk.parts[fk.next++];
	n = send(fk.sfd, pt->p, pt->len, MSG_NOSIGNAL);
	FUZZ_CHECK(n == (ssize_t)pt->len);
	if (fk.next >= fk.nparts || check_framing(pt->p, pt->len) <= 0)
		(void)shutdown(fk.sfd, SHUT_WR);
}

static void
served_io(struct loop *l, int fd, void *arg, int mask)
{
	char *nl;
	ssize_t n;

	(void)arg;
	(void)mask;
	n = recv(fd, fk.cmd + fk.cmdlen, sizeof(fk.cmd) - fk.cmdlen - 1,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		loop_del_fd(l, fd);
		close(fd);
		fk.sfd = -1;
		return;
	}
	fk.cmdlen += (size_t)n;
	fk.cmd[fk.cmdlen] = '\0';
	while ((nl = memchr(fk.cmd, '\n', fk.cmdlen)) != NULL) {
		*nl = '\0';
		FUZZ_CHECK(strlen(fk.cmd) == (size_t)(nl - fk.cmd));
		FUZZ_CHECK(fuzz_clean(fk.cmd));
		FUZZ_CHECK(strncmp(fk.cmd, "show ", 5) == 0);
		fk.cmdlen -= (size_t)(nl + 1 - fk.cmd);
		memmove(fk.cmd, nl + 1, fk.cmdlen + 1);
		serve_next();
	}
	FUZZ_CHECK(fk.cmdlen < sizeof(fk.cmd) - 1);
}

static void
on_accept(struct loop *l, int fd, void *arg, int mask)
{
	(void)arg;
	(void)mask;
	fk.sfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	FUZZ_CHECK(fk.sfd != -1);
	FUZZ_CHECK(loop_add_fd(l, fk.sfd, LOOP_READ, served_io, NULL) == 0);
	serve_next();		/* the greeting */
}

static void
split(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *q;

	fk.nparts = 0;
	while (fk.nparts < MAX_PARTS) {
		for (q = p; q + 1 < end && !(q[0] == '\0' && q[1] == '\0'); q++)
			;
		if (q + 1 >= end)
			q = end;
		fk.parts[fk.nparts].p = p;
		fk.parts[fk.nparts++].len = (size_t)(q - p);
		if (q == end)
			break;
		p = q + 2;
	}
}

static void
render(const struct bird_view *v, bool announced)
{
	static const char *const healths[] = { "announced", "degraded",
	    "withdrawn", "down" };
	struct status s;
	struct status_clock c = { 100000000, 1763765990000000 };
	char why[256], *buf = NULL;
	size_t len;
	FILE *f;
	int i;

	status_init(&s, "fuzz", 1, 0);
	s.state = announced ? STATUS_ANNOUNCED : STATUS_WITHDRAWN;
	s.bird_socket = sock;
	s.bird = v;
	s.bird_grace_us = 5000000;
	(void)bird_mismatch_step(&s.bird_mismatch, v, announced, 1000000, 0);
	(void)bird_mismatch_step(&s.bird_mismatch, v, announced, 2000000, 0);
	/* The fleet view as the agent would list it: peers named by BIRD. */
	s.guard = s.graceful = v->nfleet_tables > 0;
	s.fleet_known = v->fleet_ok;
	text_copy(s.fleet_unknown, sizeof(s.fleet_unknown), v->fleet_error);
	s.fleet_why = "fuzz";
	s.fleet_why_key = "fuzz";
	for (i = 0; i < v->nfleet && s.npeers < STATUS_MAX_PEERS; i++) {
		struct status_peer *p = &s.peers[s.npeers++];

		text_copy(p->name, sizeof(p->name), v->fleet[i].proto);
		p->health = healths[i % 4];
		p->healthy = i % 4 < 2;
	}
	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	FUZZ_CHECK(status_render_text(&s, &c, f) == 0);
	FUZZ_CHECK(status_render_json(&s, &c, f) == 0);
	FUZZ_CHECK(metrics_render(&s, &c, f) == 0);
	(void)status_withdrawn(&s, why, sizeof(why));
	fprintf(f, "%s\n", why);
	if (fclose(f) != 0)
		abort();
	if (!fuzz_lines_clean(buf, len))
		fprintf(stderr, "%s", buf);
	FUZZ_CHECK(fuzz_lines_clean(buf, len));
	free(buf);
	status_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tables[] = { "fleet4", "fleet6" };
	struct prefix pfx[2];
	struct loop *l;
	struct loop_timer *guard;
	struct bird *b;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (size < 1 || size > 256 * 1024)
		return 0;
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_bird.%d", (int)getpid());
		snprintf(sock, sizeof(sock), "%s/bird.ctl", dir);
		FUZZ_CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST);
		log_init("fuzz_bird", 0);
		atexit(cleanup);
	}
	split(data + 1, size - 1);
	fk.next = 0;
	fk.polls = 0;
	fk.cmdlen = 0;
	fk.sfd = -1;

	FUZZ_CHECK((l = loop_new()) != NULL);
	(void)unlink(sock);
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	fk.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	FUZZ_CHECK(fk.lfd != -1);
	FUZZ_CHECK(bind(fk.lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	FUZZ_CHECK(listen(fk.lfd, 4) == 0);
	FUZZ_CHECK(loop_add_fd(l, fk.lfd, LOOP_READ, on_accept, NULL) == 0);

	b = bird_new(l, sock, 60000000, 5000000, on_view, NULL);
	FUZZ_CHECK(b != NULL);
	if (data[0] & 1) {
		FUZZ_CHECK(prefix_parse("198.51.100.0/24", &pfx[0]) == 0);
		FUZZ_CHECK(prefix_parse("2001:db8:abcd::/48", &pfx[1]) == 0);
		FUZZ_CHECK(bird_set_prefixes(b, pfx, 2) == 0);
	}
	if (data[0] & 2)
		FUZZ_CHECK(bird_set_fleet_tables(b, tables, 2) == 0);
	guard = loop_timer_new(l, on_guard, NULL);
	loop_timer_arm(guard, 4000000);
	loop_set_before_sleep(l, on_turn, NULL);
	FUZZ_CHECK(loop_run(l) == 0);
	FUZZ_CHECK(fk.polls == 1);

	render(&fk.view, data[0] & 4);
	loop_timer_free(guard);
	bird_free(b);
	if (fk.sfd != -1) {
		loop_del_fd(l, fk.sfd);
		close(fk.sfd);
	}
	loop_del_fd(l, fk.lfd);
	close(fk.lfd);
	loop_free(l);
	return 0;
}
