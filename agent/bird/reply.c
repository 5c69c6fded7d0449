/* The pure half of the BIRD client: framing and parsing the replies of
 * BIRD's control socket (the protocol birdc speaks; BIRD's doc/prog "CLI" and
 * client/client.c).  BIRD greets with "0001 BIRD x.y ready.", every reply
 * line starts with a 4-digit code followed by '-' when more lines follow or
 * ' ' on the last one, a line starting with a space continues the previous
 * code, and "0000" ends a successful reply.  Errors end with their own code
 * (8001 "Network not found", 9001 "syntax error" or "No valid tables"),
 * without a 0000.  No I/O, no clock: unit-tested on replies captured from
 * BIRD 2.0.12 (tests/ops/bird-replies). */
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
