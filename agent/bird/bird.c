/* A client of BIRD's control socket, the protocol birdc speaks (BIRD's
 * doc/prog "CLI" and client/client.c): BIRD greets with "0001 BIRD x.y
 * ready.", every reply line starts with a 4-digit code followed by '-' when
 * more lines follow or ' ' on the last one, a line starting with a space
 * continues the previous code, and "0000" ends a successful reply.  Errors
 * end with their own code (8001 "Network not found", 9001 "syntax error" or
 * "No valid tables"), without a 0000.
 *
 * One poll is a short sequence of commands on one connection, which is kept
 * open between polls so BIRD is not asked to greet us every second.  The view
 * of a poll is built aside and swapped in only when the poll ends, so the
 * status never shows half a poll.  The module reports what BIRD says; the
 * agent decides whether that is a problem.  It never runs birdc. */
#include <arpa/inet.h>
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
#include "log.h"
#include "loop.h"

#define BIRD_REPLY_MAX	((size_t)1024 * 1024)	/* "show protocols" of a big config */
#define BIRD_LINE_MAX	512

enum bird_step {
	STEP_IDLE = 0,		/* no poll running */
	STEP_GREETING,		/* connected, waiting for 0001 */
	STEP_PROTOCOLS,		/* "show protocols" sent */
	STEP_EXPORT,		/* "show route P export X" sent */
	STEP_COUNT,		/* "show route export X count" sent */
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
	char			 out[BIRD_LINE_MAX];
	size_t			 outlen, outoff;
	int			 proto_i, prefix_i;	/* progress of a poll */
	struct bird_view	 view, next;
	struct bird_view	 conf;	/* only the prefixes are used */
};

/* ---- reply framing ---- */

struct bird_line {
	int		 code;
	bool		 last;
	const char	*text;
	size_t		 len;
};

/* Next complete line of a reply; 1 if one was read, 0 at the end or on an
 * incomplete line, -1 on a malformed line.  *code carries the code of the
 * previous line for " " continuations. */
static int
next_line(const char **pp, const char *end, int *code, struct bird_line *l)
{
	const char *p = *pp, *nl;
	size_t n;

	if (p >= end || (nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return 0;
	n = (size_t)(nl - p);
	*pp = nl + 1;
	if (n > 0 && p[0] == ' ') {
		l->code = *code;
		l->last = false;
		l->text = p + 1;
		l->len = n - 1;
		return 1;
	}
	if (n < 4 || !isdigit((unsigned char)p[0]) ||
	    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    !isdigit((unsigned char)p[3]))
		return -1;
	if (n > 4 && p[4] != ' ' && p[4] != '-')
		return -1;
	l->code = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
	    (p[2] - '0') * 10 + (p[3] - '0');
	l->last = (n == 4 || p[4] == ' ');
	l->text = n > 5 ? p + 5 : p + n;
	l->len = n > 5 ? n - 5 : 0;
	*code = l->code;
	return 1;
}

ssize_t
bird_reply_end(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	struct bird_line l;
	int code = 0, rc;

	while ((rc = next_line(&p, end, &code, &l)) == 1)
		if (l.last)
			return p - buf;
	return rc;
}

/* Copies a line's text, NUL-terminated and without trailing blanks. */
static void
line_str(const struct bird_line *l, char *out, size_t outlen)
{
	size_t n = l->len < outlen - 1 ? l->len : outlen - 1;

	memcpy(out, l->text, n);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
}

static void
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
reply_error(const struct bird_line *l, char *err, size_t errlen)
{
	char text[BIRD_LINE_MAX];

	line_str(l, text, sizeof(text));
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "BIRD replied %04d %s", l->code, text);
}

int
bird_parse_greeting(const char *reply, size_t len, char *version,
    size_t versionlen)
{
	const char *p = reply;
	struct bird_line l;
	char text[BIRD_LINE_MAX], *v, *e;
	int code = 0;

	if (next_line(&p, reply + len, &code, &l) != 1 || l.code != 1)
		return -1;
	line_str(&l, text, sizeof(text));
	if (strncmp(text, "BIRD ", 5) != 0)
		return -1;
	v = text + 5;
	if ((e = strchr(v, ' ')) != NULL)
		*e = '\0';
	copy_str(version, versionlen, v);
	return 0;
}

/* A date or time column of "show protocols": digits, ':', '.', '-'. */
static bool
is_time_token(const char *t)
{
	if (*t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (!isdigit((unsigned char)*t) && *t != ':' && *t != '.' &&
		    *t != '-')
			return false;
	return true;
}

static char *
next_token(char **sp)
{
	char *s = *sp, *t;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	t = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return t;
}

int
bird_parse_protocols(const char *reply, size_t len, struct bird_view *v,
    char *err, size_t errlen)
{
	const char *p = reply, *end = reply + len;
	char text[BIRD_LINE_MAX], *s, *name, *proto, *table, *state, *t;
	struct bird_proto *bp;
	struct bird_line l;
	int code = 0, rc;

	while ((rc = next_line(&p, end, &code, &l)) == 1) {
		if (l.code >= 8000) {
			reply_error(&l, err, errlen);
			return -1;
		}
		/* 1002 is a protocol line; 2002 the header; 0000 the end. */
		if (l.code == 1002) {
			line_str(&l, text, sizeof(text));
			s = text;
			name = next_token(&s);
			proto = next_token(&s);
			table = next_token(&s);
			state = next_token(&s);
			if (name == NULL || proto == NULL || table == NULL ||
			    state == NULL) {
				if (err != NULL && errlen > 0)
					snprintf(err, errlen,
					    "unexpected protocol line");
				return -1;
			}
			if (strcmp(proto, "BGP") == 0) {
				if (v->nprotos == BIRD_MAX_PROTOS) {
					v->truncated = true;
					continue;
				}
				bp = &v->protos[v->nprotos++];
				memset(bp, 0, sizeof(*bp));
				copy_str(bp->name, sizeof(bp->name), name);
				copy_str(bp->state, sizeof(bp->state), state);
				/* "Since" is one or two columns depending on
				 * BIRD's timeformat; what follows is Info. */
				while (*s == ' ')
					s++;
				for (;;) {
					t = s;
					while (*t != '\0' && *t != ' ')
						t++;
					if (t == s)
						break;
					if (*t == ' ') {
						*t = '\0';
						if (!is_time_token(s)) {
							*t = ' ';
							break;
						}
						s = t + 1;
						while (*s == ' ')
							s++;
					} else {
						if (is_time_token(s))
							s = t;
						break;
					}
				}
				copy_str(bp->info, sizeof(bp->info), s);
				bp->established = strcmp(state, "up") == 0;
			}
		}
		if (l.last)
			return 0;
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s reply to show protocols",
		    rc == -1 ? "malformed" : "incomplete");
	return -1;
}

int
bird_parse_export(const char *reply, size_t len, const char *prefix,
    char *err, size_t errlen)
{
	const char *p = reply, *end = reply + len;
	char text[BIRD_LINE_MAX], net[BIRD_PREFIX_LEN], *s, *tok;
	struct bird_line l;
	int code = 0, rc, found = 0;

	while ((rc = next_line(&p, end, &code, &l)) == 1) {
		if (l.code == 8001)
			return 0;
		if (l.code == 9001) {
			line_str(&l, text, sizeof(text));
			if (strcmp(text, "No valid tables") == 0)
				return 0;
		}
		if (l.code >= 8000) {
			reply_error(&l, err, errlen);
			return -1;
		}
		if (l.code == 1007 && l.len > 0 && !isspace((unsigned char)l.text[0])) {
			line_str(&l, text, sizeof(text));
			s = text;
			tok = next_token(&s);
			/* "Table master4:" lines name the table, not a net. */
			if (tok != NULL && strcmp(tok, "Table") != 0 &&
			    bird_prefix_normalize(tok, net, sizeof(net)) == 0 &&
			    strcmp(net, prefix) == 0)
				found = 1;
		}
		if (l.last)
			return found;
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s reply to show route",
		    rc == -1 ? "malformed" : "incomplete");
	return -1;
}

long
bird_parse_count(const char *reply, size_t len, char *err, size_t errlen)
{
	const char *p = reply, *end = reply + len;
	char text[BIRD_LINE_MAX], *num_end;
	struct bird_line l;
	int code = 0, rc;
	long n;

	while ((rc = next_line(&p, end, &code, &l)) == 1) {
		line_str(&l, text, sizeof(text));
		if (l.code == 9001 && strcmp(text, "No valid tables") == 0)
			return 0;
		if (l.code >= 8000) {
			reply_error(&l, err, errlen);
			return -1;
		}
		/* "0014 Total: 2 of 2 routes for 2 networks in 2 tables" */
		if (l.code == 14 && strncmp(text, "Total: ", 7) == 0) {
			n = strtol(text + 7, &num_end, 10);
			if (num_end != text + 7 &&
			    strncmp(num_end, " of", 3) == 0 &&
			    n >= 0)
				return n;
		}
		if (l.last)
			break;
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s reply to show route count",
		    rc == -1 ? "malformed" : "unexpected");
	return -1;
}

int
bird_prefix_normalize(const char *in, char *out, size_t outlen)
{
	unsigned char a[16];
	char addr[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN];
	const char *slash;
	char *end;
	long plen, max, i;
	int af;
	size_t n;

	slash = strchr(in, '/');
	n = slash ? (size_t)(slash - in) : strlen(in);
	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, in, n);
	addr[n] = '\0';
	af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	max = af == AF_INET6 ? 128 : 32;
	if (inet_pton(af, addr, a) != 1)
		return -1;
	plen = max;
	if (slash != NULL) {
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || errno != 0 ||
		    plen < 0 || plen > max)
			return -1;
	}
	for (i = 0; i < max / 8; i++) {
		if (i * 8 >= plen)
			a[i] = 0;
		else if (i * 8 + 8 > plen)
			a[i] &= (unsigned char)(0xff << (8 - (plen - i * 8)));
	}
	if (inet_ntop(af, a, txt, sizeof(txt)) == NULL)
		return -1;
	if ((size_t)snprintf(out, outlen, "%s/%ld", txt, plen) >= outlen)
		return -1;
	return 0;
}

int
bird_prefixes_parse(const char *list, struct bird_view *v, char *err,
    size_t errlen)
{
	char buf[1024], *s = buf, *tok, net[BIRD_PREFIX_LEN];
	int i;

	v->nprefixes = 0;
	if (list == NULL)
		return 0;
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "prefix list too long");
		return -1;
	}
	copy_str(buf, sizeof(buf), list);
	while ((tok = next_token(&s)) != NULL) {
		if (bird_prefix_normalize(tok, net, sizeof(net)) == -1) {
			snprintf(err, errlen, "%s: not a prefix", tok);
			return -1;
		}
		for (i = 0; i < v->nprefixes; i++)
			if (strcmp(v->prefixes[i], net) == 0)
				break;
		if (i < v->nprefixes)
			continue;
		if (v->nprefixes == BIRD_MAX_PREFIXES) {
			snprintf(err, errlen, "more than %d prefixes",
			    BIRD_MAX_PREFIXES);
			return -1;
		}
		copy_str(v->prefixes[v->nprefixes++], BIRD_PREFIX_LEN, net);
	}
	return 0;
}

/* ---- the decision helpers ---- */

bool
bird_view_exports(const struct bird_view *v, char *why, size_t whylen)
{
	int i, j;

	for (i = 0; i < v->nprotos; i++) {
		if (v->nprefixes == 0 && v->protos[i].routes > 0) {
			snprintf(why, whylen, "BIRD exports %ld route(s) to %s",
			    v->protos[i].routes, v->protos[i].name);
			return true;
		}
		for (j = 0; j < v->nprefixes; j++)
			if (v->protos[i].exported & ((uint64_t)1 << j)) {
				snprintf(why, whylen, "BIRD exports %s to %s",
				    v->prefixes[j], v->protos[i].name);
				return true;
			}
	}
	return false;
}

bool
bird_view_agrees(const struct bird_view *v, bool want_announced, char *why,
    size_t whylen)
{
	int i, j;
	bool any;

	if (whylen > 0)
		why[0] = '\0';
	if (v->polled_us == 0)
		return true;
	if (!v->reachable) {
		snprintf(why, whylen, "BIRD unreachable: %s", v->error);
		return false;
	}
	if (!want_announced)
		return !bird_view_exports(v, why, whylen);
	if (v->nprotos == 0) {
		snprintf(why, whylen, "BIRD has no BGP protocol");
		return false;
	}
	if (v->nprefixes == 0) {
		for (i = 0; i < v->nprotos; i++)
			if (v->protos[i].established && v->protos[i].routes > 0)
				return true;
		snprintf(why, whylen,
		    "BIRD exports no route to an established BGP protocol");
		return false;
	}
	for (j = 0; j < v->nprefixes; j++) {
		any = false;
		for (i = 0; i < v->nprotos; i++)
			if (v->protos[i].established &&
			    (v->protos[i].exported & ((uint64_t)1 << j)))
				any = true;
		if (!any) {
			snprintf(why, whylen, "BIRD exports %s to no "
			    "established BGP protocol", v->prefixes[j]);
			return false;
		}
	}
	return true;
}

enum bird_mismatch_event
bird_mismatch_step(struct bird_mismatch *m, const struct bird_view *v,
    bool want_announced, uint64_t now_us, uint64_t grace_us)
{
	char why[sizeof(m->why)];
	bool agrees, was_flagged = m->flagged;

	agrees = bird_view_agrees(v, want_announced, why, sizeof(why));
	if (want_announced != m->want) {
		m->want = want_announced;
		m->disagree = false;
	}
	if (agrees) {
		m->disagree = false;
		m->flagged = false;
		m->why[0] = '\0';
		return was_flagged ? BIRD_MISMATCH_CLEARED : BIRD_MISMATCH_NONE;
	}
	if (!m->disagree) {
		m->disagree = true;
		m->since_us = now_us;
	}
	copy_str(m->why, sizeof(m->why), why);
	if (was_flagged)
		return BIRD_MISMATCH_NONE;
	if (now_us - m->since_us >= grace_us) {
		m->flagged = true;
		return BIRD_MISMATCH_RAISED;
	}
	return BIRD_MISMATCH_NONE;
}

/* ---- the client ---- */

static void	bird_io(struct loop *, int, void *, int);

static void
bird_close(struct bird *b)
{
	if (b->fd != -1) {
		loop_del_fd(b->loop, b->fd);
		close(b->fd);
		b->fd = -1;
	}
	b->inlen = 0;
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
		copy_str(b->next.error, sizeof(b->next.error), error);
		b->next.nprotos = 0;
		b->next.truncated = false;
	} else {
		b->next.reachable = true;
		b->next.error[0] = '\0';
		copy_str(b->next.version, sizeof(b->next.version), b->version);
	}
	if (!b->view.reachable != !b->next.reachable || (error != NULL &&
	    strcmp(b->view.error, b->next.error) != 0)) {
		if (error != NULL)
			log_warnx("BIRD %s: %s", b->path, error);
		else
			log_info("BIRD %s: reachable, version %s", b->path,
			    b->next.version);
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
	if (len < 0 || (size_t)len >= sizeof(b->out)) {
		poll_end(b, "command too long");
		return;
	}
	b->step = step;
	b->outlen = (size_t)len;
	b->outoff = 0;
	b->inlen = 0;
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

/* Sends the next export query of the poll, or ends the poll. */
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
			send_cmd(b, STEP_EXPORT, "show route %s export %s\n",
			    v->prefixes[b->prefix_i], n);
			return;
		}
		b->proto_i++;
		b->prefix_i = 0;
	}
	poll_end(b, NULL);
}

static void
handle_reply(struct bird *b, const char *r, size_t len)
{
	char err[160];
	struct bird_proto *bp;
	long n;
	int rc;

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
		b->proto_i = b->prefix_i = 0;
		next_query(b);
		return;
	case STEP_EXPORT:
		bp = &b->next.protos[b->proto_i];
		rc = bird_parse_export(r, len, b->next.prefixes[b->prefix_i],
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
		b->inlen = 0;	/* nothing was asked; ignore */
		return;
	}
	end = bird_reply_end(b->in, b->inlen);
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
	b->next.nprefixes = b->conf.nprefixes;
	memcpy(b->next.prefixes, b->conf.prefixes, sizeof(b->next.prefixes));
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
	b->inlen = 0;
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
bird_set_prefixes(struct bird *b, const char *list, char *err, size_t errlen)
{
	struct bird_view v;

	memset(&v, 0, sizeof(v));
	if (bird_prefixes_parse(list, &v, err, errlen) == -1)
		return -1;
	b->conf.nprefixes = v.nprefixes;
	memcpy(b->conf.prefixes, v.prefixes, sizeof(v.prefixes));
	return 0;
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
