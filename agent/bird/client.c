/* The I/O half of the BIRD client: one poll is a short sequence of commands
 * on one connection to BIRD's control socket ("show protocols", then for
 * every BGP protocol whether each anycast prefix is exported to it, then
 * "show route table T all" for each fleet table, if any), kept
 * open between polls so BIRD is not asked to greet us every second.  The
 * view of a poll is built aside and swapped in only when the poll ends, so
 * the status never shows half a poll.  Replies are framed and parsed by
 * reply.c.  The module reports what BIRD says; the agent decides whether
 * that is a problem.  It never runs birdc. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bird.h"
#include "bird_reply.h"
#include "log.h"
#include "loop.h"
#include "prefix.h"
#include "text.h"

#define BIRD_REPLY_MAX	((size_t)1024 * 1024)	/* "show protocols" of a big config */
#define BIRD_LINE_MAX	512

enum bird_step {
	STEP_IDLE = 0,		/* no poll running */
	STEP_GREETING,		/* connected, waiting for 0001 */
	STEP_PROTOCOLS,		/* "show protocols" sent */
	STEP_EXPORT,		/* "show route P export X" sent */
	STEP_COUNT,		/* "show route export X count" sent */
	STEP_FLEET,		/* "show route table T all" sent */
};

struct bird {
	struct loop		*loop;
	char			*path;
	uint64_t		 interval_us, timeout_us;
	bird_cb			*cb;
	void			*arg;
	int			 fd;
	char			 version[32];	/* of the current connection */
	struct loop_timer	*tick, *deadline;
	enum bird_step		 step;
	char			*in;
	size_t			 inlen, incap;
	size_t			 scanned;	/* complete lines already framed */
	char			 out[BIRD_LINE_MAX];
	size_t			 outlen, outoff;
	int			 proto_i, prefix_i, table_i;	/* progress of a poll */
	struct bird_view	 view, next;
	struct prefix		 prefixes[BIRD_MAX_PREFIXES];
	int			 nprefixes;
	char			 tables[BIRD_MAX_FLEET_TABLES][BIRD_TABLE_NAME_MAX];
	int			 ntables;
};


static void	bird_io(struct loop *, int, void *, int);

static void
bird_close(struct bird *b)
{
	if (b->fd != -1) {
		loop_del_fd(b->loop, b->fd);
		close(b->fd);
		b->fd = -1;
	}
	b->inlen = b->scanned = 0;
	b->outlen = b->outoff = 0;
	b->version[0] = '\0';
}

/* Ends the running poll, good or bad, and publishes its view. */
static void
poll_end(struct bird *b, const char *error)
{
	loop_timer_disarm(b->deadline);
	b->step = STEP_IDLE;
	b->next.done_us = loop_now_us();
	if (error != NULL) {
		bird_close(b);
		b->next.reachable = false;
		text_copy(b->next.error, sizeof(b->next.error), error);
		b->next.nprotos = 0;
		b->next.truncated = false;
		b->next.nfleet = 0;
		b->next.fleet_truncated = false;
		b->next.fleet_ok = false;
		if (b->next.nfleet_tables > 0)
			text_copy(b->next.fleet_error,
			    sizeof(b->next.fleet_error), error);
	} else {
		b->next.reachable = true;
		b->next.error[0] = '\0';
		text_copy(b->next.version, sizeof(b->next.version), b->version);
	}
	if (!b->view.reachable != !b->next.reachable || (error != NULL &&
	    strcmp(b->view.error, b->next.error) != 0)) {
		if (error != NULL)
			log_warnx("BIRD %s: %s", b->path, error);
		else
			log_info("BIRD %s: reachable, version %s", b->path,
			    b->next.version);
	}
	/* The fleet tables fail on their own (a table missing from BIRD's
	 * config): said once per change, like reachability. */
	if (error == NULL && b->next.nfleet_tables > 0 &&
	    (b->view.fleet_ok != b->next.fleet_ok ||
	    strcmp(b->view.fleet_error, b->next.fleet_error) != 0)) {
		if (!b->next.fleet_ok)
			log_warnx("BIRD %s: fleet %s", b->path,
			    b->next.fleet_error);
		else
			log_info("BIRD %s: fleet tables read, %d routes",
			    b->path, b->next.nfleet);
	}
	b->view = b->next;
	if (b->cb != NULL)
		b->cb(b->arg, &b->view);
}

static void
send_cmd(struct bird *b, enum bird_step step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
send_cmd(struct bird *b, enum bird_step step, const char *fmt, ...)
{
	va_list ap;
	ssize_t n;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(b->out, sizeof(b->out), fmt, ap);
	va_end(ap);
	if (len <= 0 || (size_t)len >= sizeof(b->out)) {
		poll_end(b, "command too long");
		return;
	}
	/* A protocol name comes from BIRD's own reply: one with a control
	 * character (which no BIRD symbol has) must not reach BIRD's command
	 * line, where a newline would start a second command. */
	b->out[len - 1] = '\0';
	if (!text_clean(b->out)) {
		poll_end(b, "BIRD named a protocol with a control character");
		return;
	}
	b->out[len - 1] = '\n';
	b->step = step;
	b->outlen = (size_t)len;
	b->outoff = 0;
	b->inlen = b->scanned = 0;
	n = send(b->fd, b->out, b->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		char e[160];

		snprintf(e, sizeof(e), "send: %s", strerror(errno));
		poll_end(b, e);
		return;
	}
	if (n > 0)
		b->outoff = (size_t)n;
	(void)loop_mod_fd(b->loop, b->fd, b->outoff < b->outlen ?
	    LOOP_READ | LOOP_WRITE : LOOP_READ);
}

/* Sends the next fleet table query of the poll, or ends the poll. */
static void
next_table(struct bird *b)
{
	struct bird_view *v = &b->next;

	if (b->table_i < v->nfleet_tables) {
		send_cmd(b, STEP_FLEET, "show route table %s all\n",
		    v->fleet_tables[b->table_i]);
		return;
	}
	v->fleet_ok = v->nfleet_tables > 0;
	poll_end(b, NULL);
}

/* Sends the next export query of the poll, or moves on to the tables. */
static void
next_query(struct bird *b)
{
	struct bird_view *v = &b->next;

	while (b->proto_i < v->nprotos) {
		/* Names are single tokens of BIRD's own output; one that needs
		 * quoting would come back as a syntax error, which fails the
		 * poll loudly rather than hiding an export. */
		const char *n = v->protos[b->proto_i].name;

		if (v->nprefixes == 0) {
			send_cmd(b, STEP_COUNT, "show route export %s count\n", n);
			return;
		}
		if (b->prefix_i < v->nprefixes) {
			char net[PREFIX_STRLEN];

			send_cmd(b, STEP_EXPORT, "show route %s export %s\n",
			    prefix_fmt(&v->prefixes[b->prefix_i], net,
			    sizeof(net)), n);
			return;
		}
		b->proto_i++;
		b->prefix_i = 0;
	}
	next_table(b);
}

static void
handle_reply(struct bird *b, const char *r, size_t len)
{
	char err[160];
	struct bird_proto *bp;
	struct bird_view *v = &b->next;
	long n;
	int rc, i, n0;

	switch (b->step) {
	case STEP_GREETING:
		if (bird_parse_greeting(r, len, b->version,
		    sizeof(b->version)) == -1) {
			poll_end(b, "unexpected greeting");
			return;
		}
		send_cmd(b, STEP_PROTOCOLS, "show protocols\n");
		return;
	case STEP_PROTOCOLS:
		if (bird_parse_protocols(r, len, &b->next, err,
		    sizeof(err)) == -1) {
			poll_end(b, err);
			return;
		}
		b->proto_i = b->prefix_i = b->table_i = 0;
		next_query(b);
		return;
	case STEP_EXPORT:
		bp = &b->next.protos[b->proto_i];
		rc = bird_parse_export(r, len, &b->next.prefixes[b->prefix_i],
		    err, sizeof(err));
		if (rc == -1) {
			poll_end(b, err);
			return;
		}
		if (rc == 1)
			bp->exported |= (uint64_t)1 << b->prefix_i;
		b->prefix_i++;
		next_query(b);
		return;
	case STEP_COUNT:
		if ((n = bird_parse_count(r, len, err, sizeof(err))) == -1) {
			poll_end(b, err);
			return;
		}
		b->next.protos[b->proto_i].routes = n;
		b->proto_i++;
		next_query(b);
		return;
	case STEP_FLEET:
		/* A table BIRD does not know is a fleet error, not an
		 * unreachable BIRD: the rest of the view stands, and the
		 * routes of this poll are dropped, so that the view never
		 * holds a fleet seen in part. */
		n0 = v->nfleet;
		if (bird_parse_routes(r, len, v->fleet, BIRD_MAX_FLEET_ROUTES,
		    &v->nfleet, &v->fleet_truncated, err, sizeof(err)) == -1) {
			snprintf(v->fleet_error, sizeof(v->fleet_error),
			    "table %.63s: %.120s", v->fleet_tables[b->table_i], err);
			v->nfleet = 0;
			v->fleet_truncated = false;
			v->fleet_ok = false;
			poll_end(b, NULL);
			return;
		}
		for (i = n0; i < v->nfleet; i++)
			v->fleet[i].table = (uint8_t)b->table_i;
		b->table_i++;
		next_table(b);
		return;
	case STEP_IDLE:
		break;
	}
}

static void
bird_io(struct loop *l, int fd, void *arg, int mask)
{
	struct bird *b = arg;
	char e[160], *nin;
	ssize_t n, end;

	(void)l;
	(void)fd;
	if ((mask & LOOP_WRITE) && b->outoff < b->outlen) {
		n = send(b->fd, b->out + b->outoff, b->outlen - b->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			snprintf(e, sizeof(e), "send: %s", strerror(errno));
			poll_end(b, e);
			return;
		}
		if (n > 0)
			b->outoff += (size_t)n;
		if (b->outoff == b->outlen)
			(void)loop_mod_fd(b->loop, b->fd, LOOP_READ);
	}
	if (!(mask & LOOP_READ))
		return;
	if (b->incap - b->inlen < 4096) {
		if (b->incap >= BIRD_REPLY_MAX) {
			poll_end(b, "reply too long");
			return;
		}
		if ((nin = realloc(b->in, b->incap + 65536)) == NULL) {
			poll_end(b, "out of memory");
			return;
		}
		b->in = nin;
		b->incap += 65536;
	}
	n = recv(b->fd, b->in + b->inlen, b->incap - b->inlen, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == 0)
			snprintf(e, sizeof(e), "connection closed by BIRD");
		else
			snprintf(e, sizeof(e), "recv: %s", strerror(errno));
		if (b->step == STEP_IDLE) {
			/* Between polls: reconnect at the next one. */
			bird_close(b);
			return;
		}
		poll_end(b, e);
		return;
	}
	b->inlen += (size_t)n;
	if (b->step == STEP_IDLE) {
		b->inlen = b->scanned = 0;	/* nothing was asked; ignore */
		return;
	}
	end = bird_reply_scan(b->in, b->inlen, &b->scanned);
	if (end == -1) {
		poll_end(b, "malformed reply");
		return;
	}
	if (end == 0)
		return;
	handle_reply(b, b->in, (size_t)end);
}

static void
poll_start(struct bird *b)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char e[160];

	if (b->step != STEP_IDLE)
		return;
	memset(&b->next, 0, sizeof(b->next));
	b->next.nprefixes = b->nprefixes;
	memcpy(b->next.prefixes, b->prefixes, sizeof(b->next.prefixes));
	b->next.nfleet_tables = b->ntables;
	memcpy(b->next.fleet_tables, b->tables, sizeof(b->next.fleet_tables));
	b->next.polled_us = loop_now_us();
	loop_timer_arm(b->deadline, b->timeout_us);
	if (b->fd != -1) {
		send_cmd(b, STEP_PROTOCOLS, "show protocols\n");
		return;
	}
	if (strlen(b->path) >= sizeof(sun.sun_path)) {
		poll_end(b, "socket path too long");
		return;
	}
	memcpy(sun.sun_path, b->path, strlen(b->path) + 1);
	b->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (b->fd == -1) {
		snprintf(e, sizeof(e), "socket: %s", strerror(errno));
		poll_end(b, e);
		return;
	}
	/* A Unix connect completes at once or fails; EAGAIN means BIRD's
	 * backlog is full, which for us is as good as not answering. */
	if (connect(b->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(e, sizeof(e), "connect: %s", strerror(errno));
		close(b->fd);
		b->fd = -1;
		poll_end(b, e);
		return;
	}
	if (loop_add_fd(b->loop, b->fd, LOOP_READ, bird_io, b) == -1) {
		snprintf(e, sizeof(e), "loop: %s", strerror(errno));
		close(b->fd);
		b->fd = -1;
		poll_end(b, e);
		return;
	}
	b->step = STEP_GREETING;
	b->inlen = b->scanned = 0;
}

static void
bird_tick(struct loop *l, void *arg)
{
	struct bird *b = arg;

	(void)l;
	loop_timer_arm(b->tick, b->interval_us);
	poll_start(b);
}

static void
bird_deadline(struct loop *l, void *arg)
{
	struct bird *b = arg;
	char e[96];

	(void)l;
	snprintf(e, sizeof(e), "no reply within %llums",
	    (unsigned long long)(b->timeout_us / 1000));
	poll_end(b, e);
}

struct bird *
bird_new(struct loop *l, const char *path, uint64_t interval_us,
    uint64_t timeout_us, bird_cb *cb, void *arg)
{
	struct bird *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->loop = l;
	b->fd = -1;
	b->interval_us = interval_us;
	b->timeout_us = timeout_us;
	b->cb = cb;
	b->arg = arg;
	if ((b->path = strdup(path)) == NULL)
		goto fail;
	if ((b->tick = loop_timer_new(l, bird_tick, b)) == NULL)
		goto fail;
	if ((b->deadline = loop_timer_new(l, bird_deadline, b)) == NULL)
		goto fail;
	if (loop_timer_arm(b->tick, 0) == -1)
		goto fail;
	return b;
fail:
	bird_free(b);
	return NULL;
}

void
bird_free(struct bird *b)
{
	if (b == NULL)
		return;
	bird_close(b);
	loop_timer_free(b->tick);
	loop_timer_free(b->deadline);
	free(b->in);
	free(b->path);
	free(b);
}

int
bird_set_prefixes(struct bird *b, const struct prefix *p, int n)
{
	int i, j;

	b->nprefixes = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < b->nprefixes; j++)
			if (prefix_equal(&b->prefixes[j], &p[i]))
				break;
		if (j < b->nprefixes)
			continue;
		if (b->nprefixes == BIRD_MAX_PREFIXES) {
			errno = E2BIG;
			return -1;
		}
		b->prefixes[b->nprefixes++] = p[i];
	}
	return 0;
}

int
bird_set_fleet_tables(struct bird *b, const char *const *tables, int n)
{
	const char *c;
	int i;

	if (n > BIRD_MAX_FLEET_TABLES) {
		errno = E2BIG;
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* The name goes into a command: a single token of BIRD's
		 * symbol characters, or it would be a syntax error at best. */
		if (tables[i][0] == '\0' ||
		    strlen(tables[i]) >= BIRD_TABLE_NAME_MAX)
			goto inval;
		for (c = tables[i]; *c != '\0'; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				goto inval;
	}
	for (i = 0; i < n; i++)
		text_copy(b->tables[i], sizeof(b->tables[i]), tables[i]);
	b->ntables = n;
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

void
bird_poll_now(struct bird *b)
{
	poll_start(b);
}

const struct bird_view *
bird_view(const struct bird *b)
{
	return &b->view;
}

const char *
bird_path(const struct bird *b)
{
	return b->path;
}
