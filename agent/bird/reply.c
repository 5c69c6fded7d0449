/* The pure half of the BIRD client: framing and parsing the replies of
 * BIRD's control socket (the protocol birdc speaks; BIRD's doc/prog "CLI" and
 * client/client.c).  BIRD greets with "0001 BIRD x.y ready.", every reply
 * line starts with a 4-digit code followed by '-' when more lines follow or
 * ' ' on the last one, a line starting with a space continues the previous
 * code, and "0000" ends a successful reply.  Errors end with their own code
 * (8001 "Network not found", 9001 "syntax error" or "No valid tables"),
 * without a 0000.  The route lists of "show route ... all" are read into
 * routes (net, protocol, primary, standard communities): what a table
 * holds, never what it means.  No I/O, no clock: unit-tested on replies
 * captured from BIRD 2.0.12 (tests/ops/bird-replies). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "bird.h"
#include "bird_reply.h"
#include "prefix.h"
#include "text.h"

#define BIRD_LINE_MAX	512

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
bird_reply_scan(const char *buf, size_t len, size_t *scanned)
{
	const char *p = buf + *scanned, *end = buf + len;
	struct bird_line l;
	int code = 0, rc;

	/* Resumes after the complete lines seen by the previous call, so a
	 * reply that arrives in many pieces is scanned once, not once per
	 * piece (a 1 MiB reply in 4 KiB reads would be 256 rescans).  A " "
	 * continuation cannot end a reply, so the code carried between
	 * lines is not needed across calls. */
	while ((rc = next_line(&p, end, &code, &l)) == 1) {
		if (l.last)
			return p - buf;
		*scanned = (size_t)(p - buf);
	}
	return rc;
}

ssize_t
bird_reply_end(const char *buf, size_t len)
{
	size_t scanned = 0;

	return bird_reply_scan(buf, len, &scanned);
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
	text_copy(version, versionlen, v);
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
				text_copy(bp->name, sizeof(bp->name), name);
				text_copy(bp->state, sizeof(bp->state), state);
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
				text_copy(bp->info, sizeof(bp->info), s);
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
bird_parse_export(const char *reply, size_t len, const struct prefix *prefix,
    char *err, size_t errlen)
{
	const char *p = reply, *end = reply + len;
	char text[BIRD_LINE_MAX], *s, *tok;
	struct prefix net;
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
			    prefix_parse(tok, &net) == 0 &&
			    prefix_equal(&net, prefix))
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

/* ---- show route ... all ---- */

/* Skips blanks in [p, end). */
static const char *
skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "(65010,1) (65535,0) ..." in [p, end), appended to r.  Past
 * BIRD_MAX_COMMUNITIES they are counted out (communities_truncated).  0,
 * or -1 on anything that is not a list of (u16,u16). */
static int
parse_communities(const char *p, const char *end, struct bird_route *r)
{
	unsigned long v[2];
	int k;

	for (;;) {
		p = skip_blanks(p, end);
		if (p == end)
			return 0;
		if (*p++ != '(')
			return -1;
		for (k = 0; k < 2; k++) {
			if (p == end || !isdigit((unsigned char)*p))
				return -1;
			v[k] = 0;
			while (p < end && isdigit((unsigned char)*p)) {
				v[k] = v[k] * 10 + (unsigned long)(*p++ - '0');
				if (v[k] > 65535)
					return -1;
			}
			if (p == end || *p++ != (k == 0 ? ',' : ')'))
				return -1;
		}
		if (r->ncommunities == BIRD_MAX_COMMUNITIES) {
			r->communities_truncated = true;
			continue;
		}
		r->communities[r->ncommunities].asn = (uint16_t)v[0];
		r->communities[r->ncommunities].value = (uint16_t)v[1];
		r->ncommunities++;
	}
}

/* A route line's text from the bracket on: "[PROTO TIME ...] * (PREF)".
 * The protocol name is the first word in the brackets; "*" right after
 * them marks the primary route.  0, or -1. */
static int
parse_route_head(const char *p, const char *end, struct bird_route *r)
{
	const char *name, *close;
	size_t n;

	if ((p = memchr(p, '[', (size_t)(end - p))) == NULL)
		return -1;
	name = ++p;
	while (p < end && *p != ' ' && *p != ']')
		p++;
	n = (size_t)(p - name);
	if (n == 0 || n >= sizeof(r->proto) ||
	    (close = memchr(p, ']', (size_t)(end - p))) == NULL)
		return -1;
	memcpy(r->proto, name, n);
	r->proto[n] = '\0';
	p = close + 1;
	r->primary = end - p >= 2 && p[0] == ' ' && p[1] == '*' &&
	    (end - p == 2 || p[2] == ' ');
	return 0;
}

/* What bird_parse_routes carries from one line to the next. */
struct routes_state {
	struct bird_route	*routes, *r;	/* r: the route being read */
	int			 max, *n;
	bool			*truncated;
	struct prefix		 net;
	bool			 have_net, in_route, in_comm;
};

/* A 1007 line: "Table T:", a route, or (a tab first) a next hop.  NULL, or
 * why it is malformed. */
static const char *
route_line(struct routes_state *st, const char *t, const char *te)
{
	char tok[PREFIX_STRLEN + 1];
	const char *sp;
	size_t k;

	st->in_comm = false;
	if (t == te || t[0] == '\t')
		return NULL;
	if (te - t > 6 && strncmp(t, "Table ", 6) == 0 && te[-1] == ':') {
		st->have_net = st->in_route = false;
		return NULL;
	}
	if (!isspace((unsigned char)t[0])) {
		sp = memchr(t, ' ', (size_t)(te - t));
		k = (size_t)((sp != NULL ? sp : te) - t);
		if (k >= sizeof(tok))
			return "unexpected network in show route";
		memcpy(tok, t, k);
		tok[k] = '\0';
		if (prefix_parse(tok, &st->net) == -1)
			return "unexpected network in show route";
		st->have_net = true;
	} else if (!st->have_net)
		return "route without a network in show route";
	st->in_route = true;
	if (*st->n == st->max) {
		*st->truncated = true;
		st->r = NULL;
		return NULL;
	}
	st->r = &st->routes[*st->n];
	memset(st->r, 0, sizeof(*st->r));
	st->r->net = st->net;
	if (parse_route_head(t, te, st->r) == -1)
		return "malformed route line in show route";
	(*st->n)++;
	return NULL;
}

/* A 1008 or 1012 line: an attribute of the route being read.  Only
 * BGP.community and the lines that continue it are read. */
static const char *
attr_line(struct routes_state *st, const char *t, const char *te)
{
	static const char comm[] = "\tBGP.community:";
	size_t n = (size_t)(te - t);

	if (!st->in_route)
		return "attribute without a route in show route";
	if (n >= sizeof(comm) - 1 && memcmp(t, comm, sizeof(comm) - 1) == 0) {
		st->in_comm = true;
		t += sizeof(comm) - 1;
	} else if (!(st->in_comm && n >= 2 && t[0] == '\t' && t[1] == '\t')) {
		st->in_comm = false;
		return NULL;
	}
	if (st->r != NULL && parse_communities(t, te, st->r) == -1)
		return "malformed community in show route";
	return NULL;
}

int
bird_parse_routes(const char *reply, size_t len, struct bird_route *routes,
    int max, int *n, bool *truncated, char *err, size_t errlen)
{
	struct routes_state st = { .routes = routes, .max = max, .n = n,
	    .truncated = truncated };
	const char *p = reply, *end = reply + len, *why = NULL;
	struct bird_line l;
	int code = 0, rc, n0 = *n;
	bool tr0 = *truncated;

	/* Route lines are 1007: the net (or blanks: the same net as the
	 * line before), the route type, "[proto time ...]", "*" for the
	 * primary; lines under them that start with a tab are next hops.
	 * 1008 is "Type:", 1012 the attributes; a long community list goes
	 * on over lines that start with two tabs (BIRD's ea_show_int_set). */
	while ((rc = next_line(&p, end, &code, &l)) == 1) {
		if (l.code >= 8000) {
			reply_error(&l, err, errlen);
			goto fail;
		}
		if (l.code == 1007)
			why = route_line(&st, l.text, l.text + l.len);
		else if (l.code == 1008 || l.code == 1012)
			why = attr_line(&st, l.text, l.text + l.len);
		if (why != NULL)
			break;
		if (l.last) {
			if (l.code == 0)
				return 0;
			why = "unexpected end of show route";
			break;
		}
	}
	if (why == NULL)
		why = rc == -1 ? "malformed reply to show route" :
		    "incomplete reply to show route";
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
fail:
	*n = n0;
	*truncated = tr0;
	return -1;
}
