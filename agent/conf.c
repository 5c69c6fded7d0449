/* The configuration file: read with inih, validated, printed normalized.
 *
 * Debian's inih (r55) is built without INI_HANDLER_LINENO, so the handler is
 * not told which line it is looking at.  We feed inih through
 * ini_parse_stream() with our own reader: inih reads one line, handles it
 * completely (calling the handler at most once) and only then reads the next,
 * so the reader's line count is the line of every handler call.  inih tells
 * the handler nothing about section headers (INI_CALL_HANDLER_ON_NEW_SECTION
 * is off) nor about syntax errors beyond the first, so the reader also
 * mirrors inih's classification of each line: comment, continuation, section
 * header or key.  That is how empty sections, the line of each header and
 * every syntax error are known.  inih's reader buffer holds INI_MAX_LINE
 * (200) bytes and would silently split a longer line in two, so the reader
 * rejects such lines itself.
 *
 * Errors are collected with their line and reported once everything,
 * including the cross-checks between keys, is done, sorted by line.  This
 * module reads the file and prints; it does not look up groups, interfaces
 * or paths, which belong to whoever uses them at start-up.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include <ini.h>

#include "conf.h"
#include "ctl_proto.h"
#include "dns.h"
#include "duration.h"
#include "prefix.h"
#include "text.h"

/* inih's MAX_SECTION: the section name it passes is cut to 49 bytes. */
#define INIH_MAX_SECTION	50

#define SOCKPATH_MAX	(sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)
#define GROUP_NAME_MAX	32
#define KEYS_MAX	16	/* keys of the largest section; checked below */
#define PRINT_WRAP	78	/* column where printed prefix lists wrap */

#define MS_MIN		((uint64_t)60000)
#define MS_SEC		((uint64_t)1000)

enum ktype {
	K_IFNAME, K_INT, K_PORT, K_DUR, K_BOOL, K_ONEXIT, K_PATH, K_SOCKPATH,
	K_GROUP, K_PREFIXES, K_ADDR, K_QNAME, K_QTYPE, K_TRANSPORT, K_RCODE,
	K_NAMES, K_PATTERNS, K_UNKNOWN, K_UNIT, K_PRIMARIES, K_SERVER, K_ZONES,
	K_MAXSTALE, K_ZFILE,
};

struct key {
	const char	*name;
	size_t		 off;		/* into struct conf or struct conf_probe */
	int64_t		 min, max;	/* K_INT, K_PORT; milliseconds for K_DUR */
	enum ktype	 type;
	bool		 required;
};

#define CA(f) offsetof(struct conf, f)
#define CP(f) offsetof(struct conf_probe, f)

static const struct key agent_keys[] = {
	{ "interface", CA(interface), 0, 0, K_IFNAME, true },
	{ "rise", CA(rise), 1, 100, K_INT, false },
	{ "fall", CA(fall), 1, 100, K_INT, false },
	{ "interval", CA(interval_ms), 10, 60 * MS_MIN, K_DUR, false },
	{ "fast_interval", CA(fast_interval_ms), 10, 60 * MS_MIN, K_DUR, false },
	{ "confirm_interval", CA(confirm_interval_ms), 1, 60 * MS_MIN, K_DUR,
	  false },
	{ "hold_down", CA(hold_down_ms), 0, 60 * MS_MIN, K_DUR, false },
	{ "graceful_interface", CA(graceful_interface), 0, 0, K_IFNAME, false },
	{ "graceful_time", CA(graceful_time_ms), 0, 60 * MS_MIN, K_DUR, false },
	{ "on_exit", CA(on_exit), 0, 0, K_ONEXIT, false },
	{ "control_socket", CA(control_socket), 0, 0, K_SOCKPATH, false },
	{ "control_group", CA(control_group), 0, 0, K_GROUP, false },
	{ "state_dir", CA(state_dir), 0, 0, K_PATH, false },
	{ "metrics_file", CA(metrics_file), 0, 0, K_PATH, false },
	{ "server_unit", CA(server_unit), 0, 0, K_UNIT, false },
};

static const struct key bird_keys[] = {
	{ "socket", CA(bird_socket), 0, 0, K_SOCKPATH, true },
	{ "prefixes", 0, 0, 0, K_PREFIXES, false },
	{ "grace", CA(bird_grace_ms), 0, 60 * MS_MIN, K_DUR, false },
	{ "poll", CA(bird_poll_ms), 100, 60 * MS_SEC, K_DUR, false },
};

#define CF(f) offsetof(struct conf_fleet, f)
static const struct key fleet_keys[] = {
	{ "asn", CF(asn), 1, 65535, K_INT, true },
	{ "healthy", CF(healthy), 0, 65535, K_INT, false },
	{ "degraded", CF(degraded), 0, 65535, K_INT, false },
	{ "tables", CF(tables), 0, 0, K_NAMES, false },
	{ "peers", CF(peers), 0, 0, K_PATTERNS, true },
	{ "min_healthy", CF(min_healthy), 0, 100, K_INT, false },
	{ "confirm", CF(confirm_ms), 1, 10 * MS_MIN, K_DUR, false },
	{ "unknown", CF(unknown_withdraw), 0, 0, K_UNKNOWN, false },
};

#define CZ(f) offsetof(struct conf_fresh, f)
static const struct key fresh_keys[] = {
	{ "primary", 0, 0, 0, K_PRIMARIES, true },
	{ "server", 0, 0, 0, K_SERVER, false },
	{ "zones", 0, 0, 0, K_ZONES, false },
	{ "zones_file", CZ(zones_file), 0, 0, K_ZFILE, false },
	{ "interval", CZ(interval_ms), 1000, 60 * MS_MIN, K_DUR, false },
	{ "max_lag", CZ(max_lag_ms), 0, 1440 * MS_MIN, K_DUR, false },
	{ "max_stale", 0, 0, 0, K_MAXSTALE, false },
	{ "timeout", CZ(timeout_ms), 10, 30 * MS_SEC, K_DUR, false },
};

static const struct key probe_keys[] = {
	{ "server", 0, 0, 0, K_ADDR, true },
	{ "port", CP(port), 1, 65535, K_PORT, false },
	{ "name", CP(pc.qname), 0, 0, K_QNAME, true },
	{ "type", CP(pc.qtype), 0, 0, K_QTYPE, false },
	{ "transport", CP(pc.tcp), 0, 0, K_TRANSPORT, false },
	{ "timeout", CP(pc.timeout_ms), 1, MS_MIN, K_DUR, false },
	{ "rcode", CP(pc.rcode), 0, 0, K_RCODE, false },
	{ "authoritative", CP(pc.authoritative), 0, 0, K_BOOL, false },
	{ "answer", CP(pc.answer), 0, 0, K_BOOL, false },
	{ "recursion", CP(pc.recursion), 0, 0, K_BOOL, false },
	{ "dnssec", CP(pc.dnssec), 0, 0, K_BOOL, false },
};

#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))
_Static_assert(NKEYS(agent_keys) <= KEYS_MAX, "KEYS_MAX: [agent]");
_Static_assert(NKEYS(bird_keys) <= KEYS_MAX, "KEYS_MAX: [bird]");
_Static_assert(NKEYS(fleet_keys) <= KEYS_MAX, "KEYS_MAX: [fleet]");
_Static_assert(NKEYS(probe_keys) <= KEYS_MAX, "KEYS_MAX: [probe]");
_Static_assert(NKEYS(fresh_keys) <= KEYS_MAX, "KEYS_MAX: [freshness]");

/* Defaults that the printed example and the man page repeat. */
#define DEF_RISE		2
#define DEF_FALL		3
#define DEF_INTERVAL_MS		1000
#define DEF_FAST_INTERVAL_MS	200
/* 5 ms: fall 3 then spans 10 ms of refusals after the first, so a listener
 * that a server replaces (a reconfig) does not look dead, while a kill -9
 * is withdrawn within about 15 ms of the kernel's event. */
#define DEF_CONFIRM_INTERVAL_MS	5
#define DEF_HOLD_DOWN_MS	10000
#define DEF_STATE_DIR		"/var/lib/anycastd"
/* The unit whose stop drains this agent (named.service.d/anycastd-drain.conf
 * asks every instance, and only those that name named.service drain). */
#define DEF_SERVER_UNIT		"named.service"
#define UNIT_NAME_MAX		255	/* systemd's UNIT_NAME_MAX */
#define DEF_GRACE_MS		5000
#define DEF_POLL_MS		1000
/* Long enough for the upstream's peers to move traffic away after they
 * see GRACEFUL_SHUTDOWN (RFC 8326), short enough not to hold a drain. */
#define DEF_GRACEFUL_TIME_MS	5000
/* More than iBGP propagation (milliseconds) plus one BIRD poll (1 s). */
#define DEF_CONFIRM_MS		2000
#define DEF_PORT		53
/* 100 ms, not more: a probe must finish inside the default fast_interval
 * (200 ms), and a local named answers in well under a millisecond. */
#define DEF_TIMEOUT_MS		100
/* [freshness]: the defaults.  2 s for one SOA query: the primary
 * is often far away, and a sweep waits for nobody. */
#define DEF_FRESH_INTERVAL_MS	30000
#define DEF_FRESH_MAX_LAG_MS	300000
#define DEF_FRESH_TIMEOUT_MS	2000

/* One section as written in the file, with where each key was set. */
struct section {
	const struct key	*keys;
	size_t			 nkeys;
	void			*base;		/* struct conf or struct conf_probe */
	int			 line;		/* of the header, 0: absent */
	int			 seen[KEYS_MAX];	/* line of each key, 0: defaulted */
	bool			 bad[KEYS_MAX];		/* its value was rejected */
	char			 label[CONF_PROBE_NAME_MAX + 10];	/* "[probe soa]" */
};

struct perr {
	char		*file;		/* NULL: the config file; else the zones file */
	int		 line;
	size_t		 seq;		/* keeps the sort stable */
	char		*msg;
};

enum lkind {
	L_NONE,		/* comment, blank, or a line already dealt with */
	L_KEY,		/* inih calls the handler with a key */
	L_CONT,		/* inih calls the handler with a continuation */
	L_CONT_HEADER,	/* inih calls the handler, but we took it as a header */
};

struct parser {
	struct conf		*conf;
	FILE			*fp;
	char			*buf;		/* getline's */
	size_t			 bufsz;
	int			 lineno;
	int			 read_errno;
	bool			 oom;
	enum lkind		 kind;		/* of the line inih is handling */
	bool			 prev_name;	/* mirrors inih's prev_name[0] != '\0' */
	char			 inih_section[INIH_MAX_SECTION];
	bool			 diverged;	/* our section is not inih's */
	bool			 sync_reported;
	struct section		*cur;		/* NULL: outside any section */
	bool			 skip;		/* ignore keys: the header was at fault */
	const struct key	*last_key;	/* what a continuation continues */
	struct section		 agent, bird, fleet, fresh;
	struct section		*probes;	/* one for each of conf->probes */
	size_t			 probecap;	/* of both arrays */
	int			 nprobe_headers;
	struct perr		*errs;
	size_t			 nerrs, errcap;
};

static void	conf_error(struct parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void	conf_error_in(struct parser *, const char *, int,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static void	conf_verror(struct parser *, const char *, int, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));

static void
conf_error(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verror(p, NULL, line, fmt, ap);
	va_end(ap);
}

/* An error in another file the config names (the zones file). */
static void
conf_error_in(struct parser *p, const char *file, int line, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verror(p, file, line, fmt, ap);
	va_end(ap);
}

static void
conf_verror(struct parser *p, const char *file, int line, const char *fmt,
    va_list ap)
{
	char raw[512], msg[512];
	struct perr *n;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Messages quote values from the file, for a terminal or the
	 * journal. */
	text_scrub(msg, sizeof(msg), raw);
	if (p->nerrs == p->errcap) {
		size_t cap = p->errcap ? p->errcap * 2 : 16;

		n = reallocarray(p->errs, cap, sizeof(*n));
		if (n == NULL) {
			p->oom = true;
			return;
		}
		p->errs = n;
		p->errcap = cap;
	}
	p->errs[p->nerrs].file = NULL;
	if ((p->errs[p->nerrs].msg = strdup(msg)) == NULL ||
	    (file != NULL && (p->errs[p->nerrs].file = strdup(file)) == NULL)) {
		free(p->errs[p->nerrs].msg);
		p->oom = true;
		return;
	}
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	p->nerrs++;
}

static bool
error_at(const struct parser *p, int line)
{
	for (size_t i = 0; i < p->nerrs; i++)
		if (p->errs[i].line == line && p->errs[i].file == NULL)
			return true;
	return false;
}

static char *
xstrdup(struct parser *p, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		p->oom = true;
	return d;
}

static char *xprintf(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static char *
xprintf(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char *d;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&d, fmt, ap);
	va_end(ap);
	if (n == -1) {
		p->oom = true;
		return NULL;
	}
	return d;
}

/* The three string helpers below behave exactly as inih's own, so that our
 * view of each line is the one inih acts on. */
static char *
rstrip(char *s)
{
	char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *
lskip(char *s)
{
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	return s;
}

/* First of chars, or of an inline ';' comment (one that follows
 * whitespace), or the terminating NUL. */
static char *
find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* ---- Values ---- */

/* An integer as written, sign allowed so that "-1" is out of range rather
 * than not a number; too large for int64_t is INT64_MAX, out of range too.
 * -1: not a number. */
static int
parse_int(const char *s, int64_t *out)
{
	const char *d = s + (*s == '-');
	unsigned long long v;
	char *end;

	/* strtoull() would take spaces and a sign of its own. */
	if (!isdigit((unsigned char)*d))
		return -1;
	errno = 0;
	v = strtoull(d, &end, 10);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE || v > INT64_MAX)
		v = INT64_MAX;
	*out = *s == '-' ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int
value_int(struct parser *p, const struct key *k, const char *v, int64_t *out)
{
	if (parse_int(v, out) == -1) {
		conf_error(p, p->lineno, "%s: '%s' is not a number", k->name, v);
		return -1;
	}
	if (*out < k->min || *out > k->max) {
		conf_error(p, p->lineno, "%s: %s is out of range %" PRId64 "..%"
		    PRId64, k->name, v, k->min, k->max);
		return -1;
	}
	return 0;
}

static int
value_duration(struct parser *p, const struct key *k, const char *v,
    uint32_t *out)
{
	uint64_t ms = 0;
	int rc;

	if (*v == '-') {
		conf_error(p, p->lineno, "%s: '%s' is negative", k->name, v);
		return -1;
	}
	rc = dur_parse_ms(v, &ms);
	if (rc == -1 && errno == EINVAL) {
		conf_error(p, p->lineno, "%s: '%s' is not a duration (a whole "
		    "number with ms, s or m, as in 500ms, 2s, 1m; bare means "
		    "seconds)", k->name, v);
		return -1;
	}
	if (rc == -1 || ms < (uint64_t)k->min || ms > (uint64_t)k->max) {
		char lo[DUR_FMT_MAX], hi[DUR_FMT_MAX];

		conf_error(p, p->lineno, "%s: %s is out of range %s..%s",
		    k->name, v, dur_fmt_ms((uint64_t)k->min, lo,
		    sizeof(lo)), dur_fmt_ms((uint64_t)k->max, hi,
		    sizeof(hi)));
		return -1;
	}
	*out = (uint32_t)ms;
	return 0;
}

static int
value_bool(struct parser *p, const struct key *k, const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < NKEYS(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	conf_error(p, p->lineno, "%s: '%s' is not a boolean (yes/no, "
	    "true/false, on/off, 1/0)", k->name, v);
	return -1;
}

/* Linux's dev_valid_name(): shorter than IFNAMSIZ, not "." or "..", and
 * no '/', ':' or whitespace. */
static int
value_ifname(struct parser *p, const struct key *k, const char *v, char *out)
{
	if (strlen(v) >= IF_NAMESIZE) {
		conf_error(p, p->lineno, "%s: '%s' is too long (at most %d "
		    "characters)", k->name, v, IF_NAMESIZE - 1);
		return -1;
	}
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0 ||
	    strpbrk(v, "/: \t\n\v\f\r") != NULL) {
		conf_error(p, p->lineno, "%s: '%s' is not a valid interface "
		    "name (no '/', ':' or whitespace)", k->name, v);
		return -1;
	}
	snprintf(out, IF_NAMESIZE, "%s", v);
	return 0;
}

static int
set_string(struct parser *p, char **dst, const char *v)
{
	char *s = xstrdup(p, v);

	if (s == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

static int
value_path(struct parser *p, const struct key *k, const char *v, char **out)
{
	if (v[0] != '/') {
		conf_error(p, p->lineno, "%s: '%s' is not an absolute path",
		    k->name, v);
		return -1;
	}
	if (k->type == K_SOCKPATH && strlen(v) > SOCKPATH_MAX) {
		conf_error(p, p->lineno, "%s: '%s' is too long for a socket "
		    "(at most %zu bytes)", k->name, v, SOCKPATH_MAX);
		return -1;
	}
	return set_string(p, out, v);
}

/* A systemd service name as systemd.unit(5) allows it ("named.service",
 * "unbound.service", "knot@main.service"); it is only compared, never
 * started or looked up. */
static int
value_unit(struct parser *p, const struct key *k, const char *v, char **out)
{
	size_t n = strlen(v), suffix = strlen(".service");
	bool ok = n > suffix && n <= UNIT_NAME_MAX &&
	    strcmp(v + n - suffix, ".service") == 0;

	for (size_t i = 0; ok && i < n - suffix; i++)
		ok = isalnum((unsigned char)v[i]) || strchr(":-_.@\\", v[i]) != NULL;
	if (!ok) {
		conf_error(p, p->lineno, "%s: '%s' is not a service unit name "
		    "(such as named.service)", k->name, v);
		return -1;
	}
	return set_string(p, out, v);
}

/* A group name as useradd(8) takes it by default, or a numeric gid.  It is
 * looked up when the socket is created, not here. */
static int
value_group(struct parser *p, const struct key *k, const char *v, char **out)
{
	size_t n = strlen(v);
	bool ok = n >= 1 && n <= GROUP_NAME_MAX &&
	    (isalnum((unsigned char)v[0]) || v[0] == '_');

	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)v[i]) || v[i] == '_' ||
		    v[i] == '-' || v[i] == '.' || (v[i] == '$' && i == n - 1);
	if (!ok) {
		conf_error(p, p->lineno, "%s: '%s' is not a group name or gid",
		    k->name, v);
		return -1;
	}
	return set_string(p, out, v);
}

static int
value_addr(struct parser *p, const struct key *k, const char *v,
    struct conf_probe *pr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&pr->pc.server;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&pr->pc.server;
	char norm[INET6_ADDRSTRLEN];

	memset(&pr->pc.server, 0, sizeof(pr->pc.server));
	if (inet_pton(AF_INET, v, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		pr->pc.server_len = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, norm, sizeof(norm));
	} else if (inet_pton(AF_INET6, v, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		pr->pc.server_len = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, norm, sizeof(norm));
	} else {
		conf_error(p, p->lineno, "%s: '%s' is not an IPv4 or IPv6 "
		    "address", k->name, v);
		return -1;
	}
	/* A link-local address needs a scope (an interface), which we do
	 * not take; the unspecified address is nobody's. */
	if (sin->sin_family == AF_INET ?
	    sin->sin_addr.s_addr == htonl(INADDR_ANY) :
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
		conf_error(p, p->lineno, "%s: %s is the unspecified address",
		    k->name, v);
		return -1;
	}
	if (sin6->sin6_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) {
		conf_error(p, p->lineno, "%s: %s is link-local, which needs a "
		    "scope; use a global or loopback address", k->name, v);
		return -1;
	}
	return set_string(p, &pr->server_str, norm);
}

/* Presentation form limited to what a health probe needs: letters, digits,
 * '-' and '_' (RFC 2181 allows more, but no zone we probe needs escapes). */
/* *out is a probe_conf's qname, owned by the conf. */
/* Why v is not a name we take, or NULL; bad gets an offending character. */
static const char *
name_why(const char *v, char bad[2])
{
	const char *why = NULL;

	bad[0] = bad[1] = '\0';
	if (strcmp(v, ".") != 0) {
		size_t label = 0, wire = 1;

		for (const char *c = v; *c != '\0' && why == NULL; c++) {
			if (*c == '.') {
				if (label == 0)
					why = "empty label";
				wire += label + 1;
				label = 0;
			} else if (!isalnum((unsigned char)*c) && *c != '-' &&
			    *c != '_') {
				bad[0] = *c;
				why = "bad character";
			} else if (++label > 63)
				why = "label longer than 63 octets";
		}
		wire += label ? label + 1 : 0;
		if (why == NULL && wire > 255)
			why = "longer than 255 octets";
	}
	return why;
}

static int
value_qname(struct parser *p, const struct key *k, const char *v,
    const char **out)
{
	size_t n = strlen(v);
	const char *why;
	char bad[2];
	char *s;

	if ((why = name_why(v, bad)) != NULL) {
		conf_error(p, p->lineno, "%s: '%s' is not a valid DNS name "
		    "(%s%s%s%s)", k->name, v, why, bad[0] ? " '" : "", bad,
		    bad[0] ? "'" : "");
		return -1;
	}
	if ((s = malloc(n + 2)) == NULL) {
		p->oom = true;
		return -1;
	}
	memcpy(s, v, n + 1);
	if (s[n - 1] != '.')
		memcpy(s + n, ".", 2);
	free((char *)*out);
	*out = s;
	return 0;
}

static int
value_qtype(struct parser *p, const struct key *k, const char *v,
    uint16_t *out)
{
	/* Type 0 is reserved (RFC 6895 section 3.1) and never a question. */
	int t = dns_qtype_parse(v);

	if (t <= 0) {
		conf_error(p, p->lineno, "%s: unknown record type '%s'",
		    k->name, v);
		return -1;
	}
	/* OPT and the meta types 128..254 are not questions a zone answers
	 * (RFC 6895 section 3.1); ANY (255) is. */
	if (t == ns_t_opt || (t >= 128 && t <= 254)) {
		conf_error(p, p->lineno, "%s: %s is a meta type and cannot be "
		    "probed", k->name, v);
		return -1;
	}
	*out = (uint16_t)t;
	return 0;
}

static int
value_rcode(struct parser *p, const struct key *k, const char *v, int *out)
{
	int r = dns_rcode_parse(v);

	/* The header has 4 bits; the rest of an extended rcode travels in an
	 * OPT RR (RFC 6891 6.1.3), and the probe's queries carry none. */
	if (r < 0 || r > 15) {
		conf_error(p, p->lineno, "%s: '%s' is not an rcode (NOERROR, "
		    "NXDOMAIN, SERVFAIL, REFUSED, ... or 0..15)", k->name, v);
		return -1;
	}
	*out = r;
	return 0;
}

/* One "addr/len" of [bird] prefixes.  prefix_parse() clears host bits and
 * takes a bare address for a host route; in a list that is matched against
 * BIRD's routes both are more likely a typo, so they are refused here. */
static int
add_prefix(struct parser *p, const struct key *k, const char *tok)
{
	struct conf *c = p->conf;
	struct prefix pf, host, *n;
	char addr[INET6_ADDRSTRLEN + 8], norm[PREFIX_STRLEN];
	const char *slash = strchr(tok, '/');
	size_t alen;

	if (slash == NULL) {
		conf_error(p, p->lineno, "%s: '%s' lacks a length, as in "
		    "198.51.100.0/24", k->name, tok);
		return -1;
	}
	alen = (size_t)(slash - tok);
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, tok, alen);
	addr[alen] = '\0';
	/* The address alone, a host route: its family and all its bits. */
	if (prefix_parse(addr, &host) == -1)
		goto bad;
	if (prefix_parse(tok, &pf) == -1) {
		conf_error(p, p->lineno, "%s: '%s' has a bad length (0..%u)",
		    k->name, tok, (unsigned)host.len);
		return -1;
	}
	prefix_fmt(&pf, norm, sizeof(norm));
	if (memcmp(pf.addr, host.addr, sizeof(pf.addr)) != 0) {
		conf_error(p, p->lineno, "%s: '%s' has host bits set (the "
		    "prefix is %s)", k->name, tok, norm);
		return -1;
	}
	for (int i = 0; i < c->bird_nprefixes; i++)
		if (prefix_equal(&c->bird_prefix[i], &pf)) {
			conf_error(p, p->lineno, "%s: %s is listed twice",
			    k->name, norm);
			return -1;
		}
	if (c->bird_nprefixes == CONF_MAX_PREFIXES) {
		conf_error(p, p->lineno, "%s: more than %d prefixes", k->name,
		    CONF_MAX_PREFIXES);
		return -1;
	}
	n = reallocarray(c->bird_prefix, (size_t)c->bird_nprefixes + 1,
	    sizeof(*n));
	if (n == NULL) {
		p->oom = true;
		return -1;
	}
	c->bird_prefix = n;
	c->bird_prefix[c->bird_nprefixes++] = pf;
	return 0;
bad:
	conf_error(p, p->lineno, "%s: '%s' is not an IPv4 or IPv6 prefix",
	    k->name, tok);
	return -1;
}

/* A value already stripped by inih; value may be empty. */
static int
value_prefixes(struct parser *p, const struct key *k, const char *v)
{
	char tok[INI_MAX_LINE + 1];
	int rc = 0;

	while (*v != '\0') {
		size_t n;

		while (isspace((unsigned char)*v))
			v++;
		n = strcspn(v, " \t\n\v\f\r");
		if (n == 0)
			break;
		if (n >= sizeof(tok))
			n = sizeof(tok) - 1;
		memcpy(tok, v, n);
		tok[n] = '\0';
		if (add_prefix(p, k, tok) == -1)
			rc = -1;
		v += strcspn(v, " \t\n\v\f\r");
	}
	return rc;
}

/* BIRD's names: letters, digits and '_' (a BIRD symbol); patterns may
 * also hold fnmatch(3)'s '*', '?' and '[...]'. */
static bool
name_ok(const char *s, bool pattern)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' &&
		    !(pattern && strchr("*?[]!", *s) != NULL))
			return false;
	return true;
}

static int
value_names(struct parser *p, const struct key *k, const char *v,
    struct conf_names *out, bool pattern)
{
	char tok[INI_MAX_LINE + 1];
	char **nv;
	size_t n;

	/* A key given twice replaces the list, like any other key. */
	for (int i = 0; i < out->n; i++)
		free(out->v[i]);
	out->n = 0;
	while (*v != '\0') {
		while (isspace((unsigned char)*v))
			v++;
		if ((n = strcspn(v, " \t\n\v\f\r")) == 0)
			break;
		if (n >= sizeof(tok))
			n = sizeof(tok) - 1;
		memcpy(tok, v, n);
		tok[n] = '\0';
		v += strcspn(v, " \t\n\v\f\r");
		if (!name_ok(tok, pattern)) {
			conf_error(p, p->lineno, "%s: '%s' is not a BIRD %s", k->name,
			    tok, pattern ? "protocol name or pattern" : "name");
			return -1;
		}
		if ((nv = reallocarray(out->v, (size_t)out->n + 1,
		    sizeof(*nv))) == NULL) {
			p->oom = true;
			return -1;
		}
		out->v = nv;
		if ((out->v[out->n] = strdup(tok)) == NULL) {
			p->oom = true;
			return -1;
		}
		out->n++;
	}
	if (out->n == 0) {
		conf_error(p, p->lineno, "%s: empty", k->name);
		return -1;
	}
	return 0;
}

/* ---- [freshness] values ---- */

static void
addr_str(struct conf_addr *a)
{
	const struct sockaddr_in *sin = (const void *)&a->sa;
	const struct sockaddr_in6 *sin6 = (const void *)&a->sa;
	char h[INET6_ADDRSTRLEN];
	unsigned port;

	if (a->sa.ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h));
		port = ntohs(sin->sin_port);
		if (port == DEF_PORT)
			snprintf(a->str, sizeof(a->str), "%s", h);
		else
			snprintf(a->str, sizeof(a->str), "%s:%u", h, port);
	} else {
		inet_ntop(AF_INET6, &sin6->sin6_addr, h, sizeof(h));
		port = ntohs(sin6->sin6_port);
		if (port == DEF_PORT)
			snprintf(a->str, sizeof(a->str), "%s", h);
		else
			snprintf(a->str, sizeof(a->str), "[%s]:%u", h, port);
	}
}

/* "10.53.0.1", "10.53.0.1:5353", "fd53::1" or "[fd53::1]:5353". */
static int
parse_addr_port(const char *v, struct conf_addr *out, const char **why)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon;
	int64_t n = DEF_PORT;
	size_t len;

	*why = "not an IPv4 or IPv6 address";
	memset(out, 0, sizeof(*out));
	if (v[0] == '[') {
		const char *end = strchr(v, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		len = (size_t)(end - v - 1);
		if (end[1] == ':')
			port = end + 2;
	} else if ((colon = strchr(v, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		len = (size_t)(colon - v);
		port = colon + 1;
	} else
		len = strlen(v);
	if (len >= sizeof(host))
		return -1;
	memcpy(host, v + (v[0] == '['), len);
	host[len] = '\0';
	if (port != NULL && (parse_int(port, &n) == -1 || n < 1 || n > 65535)) {
		*why = "bad port";
		return -1;
	}
	if (v[0] != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)n);
		out->len = sizeof(*sin);
	} else if ((v[0] == '[' || port == NULL) &&
	    inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)n);
		out->len = sizeof(*sin6);
		if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) {
			*why = "link-local, which needs a scope";
			return -1;
		}
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
			*why = "the unspecified address";
			return -1;
		}
	} else
		return -1;
	if (sin->sin_family == AF_INET && sin->sin_addr.s_addr ==
	    htonl(INADDR_ANY)) {
		*why = "the unspecified address";
		return -1;
	}
	addr_str(out);
	return 0;
}

static int
value_server(struct parser *p, const struct key *k, const char *v,
    struct conf_addr *out)
{
	const char *why;

	if (parse_addr_port(v, out, &why) == -1) {
		conf_error(p, p->lineno, "%s: '%s': %s", k->name, v, why);
		return -1;
	}
	return 0;
}

/* Space or comma separated tokens of v, one call of fn each; -1 if fn
 * failed for one. */
static int
each_token(struct parser *p, const struct key *k, const char *v, void *arg,
    int (*fn)(struct parser *, const struct key *, const char *, void *))
{
	char tok[INI_MAX_LINE + 1];
	size_t n;
	int rc = 0;

	while (*v != '\0') {
		v += strspn(v, " \t,");
		if ((n = strcspn(v, " \t,")) == 0)
			break;
		if (n >= sizeof(tok))
			n = sizeof(tok) - 1;
		memcpy(tok, v, n);
		tok[n] = '\0';
		v += strcspn(v, " \t,");
		if (fn(p, k, tok, arg) == -1)
			rc = -1;
	}
	return rc;
}

static int
one_primary(struct parser *p, const struct key *k, const char *tok, void *arg)
{
	struct conf_fresh *f = arg;

	if (f->nprimary == CONF_MAX_PRIMARIES) {
		conf_error(p, p->lineno, "%s: more than %d addresses", k->name,
		    CONF_MAX_PRIMARIES);
		return -1;
	}
	if (value_server(p, k, tok, &f->primary[f->nprimary]) == -1)
		return -1;
	for (int i = 0; i < f->nprimary; i++)
		if (strcmp(f->primary[i].str, f->primary[f->nprimary].str) == 0) {
			conf_error(p, p->lineno, "%s: %s is listed twice",
			    k->name, f->primary[i].str);
			return -1;
		}
	f->nprimary++;
	return 0;
}

static int
value_primaries(struct parser *p, const struct key *k, const char *v,
    struct conf_fresh *f)
{
	f->nprimary = 0;
	if (each_token(p, k, v, f, one_primary) == -1)
		return -1;
	if (f->nprimary == 0) {
		conf_error(p, p->lineno, "%s: empty", k->name);
		return -1;
	}
	return 0;
}

/* A zone's canonical form: lower case, with the final dot.  NULL (after
 * reporting at file:line) if it is not a name. */
static char *
zone_norm(struct parser *p, const char *file, int line, const char *what,
    const char *v)
{
	const char *why;
	char bad[2] = "", *s;
	size_t n = strlen(v);

	if (n == 0)
		why = "empty";
	else if (strcmp(v, ".") == 0)
		why = "the root is not a zone we check";
	else
		why = name_why(v, bad);
	if (why != NULL) {
		conf_error_in(p, file, line, "%s'%s' is not a valid zone name "
		    "(%s%s%s%s)", what, v, why, bad[0] ? " '" : "", bad,
		    bad[0] ? "'" : "");
		return NULL;
	}
	if ((s = malloc(n + 2)) == NULL) {
		p->oom = true;
		return NULL;
	}
	for (size_t i = 0; i <= n; i++)
		s[i] = (char)tolower((unsigned char)v[i]);
	if (s[n - 1] != '.')
		memcpy(s + n, ".", 2);
	return s;
}

static int
names_push(struct parser *p, struct conf_names *n, char *s)
{
	char **nv;

	if ((nv = reallocarray(n->v, (size_t)n->n + 1, sizeof(*nv))) == NULL) {
		free(s);
		p->oom = true;
		return -1;
	}
	n->v = nv;
	n->v[n->n++] = s;
	return 0;
}

static int
one_zone(struct parser *p, const struct key *k, const char *tok, void *arg)
{
	char what[32], *s;

	snprintf(what, sizeof(what), "%s: ", k->name);
	if ((s = zone_norm(p, NULL, p->lineno, what, tok)) == NULL)
		return -1;
	return names_push(p, arg, s);
}

static void
names_free(struct conf_names *n)
{
	for (int i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

static int
value_zones(struct parser *p, const struct key *k, const char *v,
    struct conf_fresh *f)
{
	names_free(&f->cfg_zones);
	if (each_token(p, k, v, &f->cfg_zones, one_zone) == -1)
		return -1;
	if (f->cfg_zones.n == 0) {
		conf_error(p, p->lineno, "%s: empty", k->name);
		return -1;
	}
	return 0;
}

/* A count 0..CONF_MAX_ZONES, or a percentage with at most two decimals. */
static int
value_max_stale(struct parser *p, const struct key *k, const char *v,
    struct conf_fresh *f)
{
	size_t n = strlen(v), ip;
	int64_t whole = 0, frac = 0;
	const char *dot;

	if (n > 0 && v[n - 1] == '%') {
		ip = (dot = memchr(v, '.', n)) != NULL ? (size_t)(dot - v) :
		    n - 1;
		if (ip == 0 || ip > 3 || strspn(v, "0123456789") != ip)
			goto bad;
		for (size_t i = 0; i < ip; i++)
			whole = whole * 10 + (v[i] - '0');
		if (dot != NULL) {
			size_t fl = n - 1 - ip - 1;

			if (fl < 1 || fl > 2 || strspn(dot + 1, "0123456789")
			    != fl)
				goto bad;
			frac = (dot[1] - '0') * 10 + (fl == 2 ? dot[2] - '0' : 0);
		}
		if (whole * 100 + frac > 10000) {
			conf_error(p, p->lineno, "%s: %s is more than 100%%",
			    k->name, v);
			return -1;
		}
		f->max_stale = (uint32_t)(whole * 100 + frac);
		f->max_stale_pct = true;
		return 0;
	}
	if (parse_int(v, &whole) == -1)
		goto bad;
	if (whole < 0 || whole > CONF_MAX_ZONES) {
		conf_error(p, p->lineno, "%s: %s is out of range 0..%d",
		    k->name, v, CONF_MAX_ZONES);
		return -1;
	}
	f->max_stale = (uint32_t)whole;
	f->max_stale_pct = false;
	return 0;
bad:
	conf_error(p, p->lineno, "%s: '%s' is not a count or a percentage "
	    "(as in 3, 1%% or 0.5%%)", k->name, v);
	return -1;
}

static int
parse_value(struct parser *p, const struct key *k, void *base, const char *v)
{
	char *field = (char *)base + k->off;
	int64_t n;

	switch (k->type) {
	case K_IFNAME:
		return value_ifname(p, k, v, field);
	case K_INT:
		if (value_int(p, k, v, &n) == -1)
			return -1;
		*(int *)(void *)field = (int)n;
		return 0;
	case K_PORT:
		if (value_int(p, k, v, &n) == -1)
			return -1;
		*(uint16_t *)(void *)field = (uint16_t)n;
		return 0;
	case K_DUR:
		return value_duration(p, k, v, (uint32_t *)(void *)field);
	case K_BOOL:
		return value_bool(p, k, v, (bool *)(void *)field);
	case K_ONEXIT:
		if (strcasecmp(v, "keep") == 0)
			p->conf->on_exit = CONF_EXIT_KEEP;
		else if (strcasecmp(v, "withdraw") == 0)
			p->conf->on_exit = CONF_EXIT_WITHDRAW;
		else {
			conf_error(p, p->lineno, "%s: '%s' is not keep or "
			    "withdraw", k->name, v);
			return -1;
		}
		return 0;
	case K_PATH:
	case K_SOCKPATH:
		return value_path(p, k, v, (char **)(void *)field);
	case K_GROUP:
		return value_group(p, k, v, (char **)(void *)field);
	case K_UNIT:
		return value_unit(p, k, v, (char **)(void *)field);
	case K_PREFIXES:
		return value_prefixes(p, k, v);
	case K_ADDR:
		return value_addr(p, k, v, base);
	case K_QNAME:
		return value_qname(p, k, v, (const char **)(void *)field);
	case K_QTYPE:
		return value_qtype(p, k, v, (uint16_t *)(void *)field);
	case K_TRANSPORT:
		if (strcasecmp(v, "udp") == 0)
			*(bool *)(void *)field = false;
		else if (strcasecmp(v, "tcp") == 0)
			*(bool *)(void *)field = true;
		else {
			conf_error(p, p->lineno, "%s: '%s' is not udp or tcp",
			    k->name, v);
			return -1;
		}
		return 0;
	case K_RCODE:
		return value_rcode(p, k, v, (int *)(void *)field);
	case K_NAMES:
	case K_PATTERNS:
		return value_names(p, k, v, (struct conf_names *)(void *)field,
		    k->type == K_PATTERNS);
	case K_PRIMARIES:
		return value_primaries(p, k, v, base);
	case K_SERVER:
		if (value_server(p, k, v, &((struct conf_fresh *)base)->server)
		    == -1)
			return -1;
		((struct conf_fresh *)base)->server_set = true;
		return 0;
	case K_ZONES:
		return value_zones(p, k, v, base);
	case K_MAXSTALE:
		return value_max_stale(p, k, v, base);
	case K_ZFILE:
		/* Relative: to the config file's directory (zones_file_read). */
		return set_string(p, (char **)(void *)field, v);
	case K_UNKNOWN:
		if (strcasecmp(v, "hold") == 0)
			*(bool *)(void *)field = false;
		else if (strcasecmp(v, "withdraw") == 0)
			*(bool *)(void *)field = true;
		else {
			conf_error(p, p->lineno, "%s: '%s' is not hold or "
			    "withdraw", k->name, v);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* ---- Sections and keys ---- */

static void
section_init(struct section *s, const struct key *keys, size_t nkeys,
    void *base, int line, const char *label)
{
	memset(s, 0, sizeof(*s));
	s->keys = keys;
	s->nkeys = nkeys;
	s->base = base;
	s->line = line;
	snprintf(s->label, sizeof(s->label), "%s", label);
}

static void
section_single(struct parser *p, struct section *s, const struct key *keys,
    size_t nkeys, const char *label)
{
	if (s->line != 0) {
		conf_error(p, p->lineno, "duplicate section %s, first at line %d",
		    label, s->line);
		return;
	}
	section_init(s, keys, nkeys, p->conf, p->lineno, label);
	p->cur = s;
	p->skip = false;
}

static bool
probe_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len < 1 || len > CONF_PROBE_NAME_MAX)
		return false;
	return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") == len;
}

/* Room for one more probe in conf->probes and p->probes, which grow
 * together. */
static int
probes_grow(struct parser *p)
{
	struct conf *c = p->conf;
	struct conf_probe *np;
	struct section *ns;
	size_t cap;

	if ((size_t)c->nprobes < p->probecap)
		return 0;
	cap = p->probecap ? p->probecap * 2 : 8;
	if ((np = reallocarray(c->probes, cap, sizeof(*np))) == NULL)
		goto oom;
	c->probes = np;
	/* The sections point into the array that may just have moved. */
	for (int i = 0; i < c->nprobes; i++)
		p->probes[i].base = &c->probes[i];
	if ((ns = reallocarray(p->probes, cap, sizeof(*ns))) == NULL)
		goto oom;
	p->probes = ns;
	p->probecap = cap;
	return 0;
oom:
	p->oom = true;
	return -1;
}

static void
section_probe(struct parser *p, const char *name)
{
	struct conf *c = p->conf;
	struct conf_probe *pr;
	struct section *s;
	char label[CONF_PROBE_NAME_MAX + 10] = "[probe]";

	p->nprobe_headers++;
	if (c->nprobes == CONF_MAX_PROBES) {
		conf_error(p, p->lineno, "too many probes (at most %d)",
		    CONF_MAX_PROBES);
		return;
	}
	if (probes_grow(p) == -1)
		return;
	pr = &c->probes[c->nprobes];
	s = &p->probes[c->nprobes];
	c->nprobes++;
	memset(pr, 0, sizeof(*pr));
	pr->line = p->lineno;
	pr->port = DEF_PORT;
	pr->pc.qtype = ns_t_soa;
	pr->pc.tcp = false;
	pr->pc.timeout_ms = DEF_TIMEOUT_MS;
	pr->pc.rcode = ns_r_noerror;
	pr->pc.authoritative = true;
	pr->pc.answer = true;
	if (*name == '\0')
		conf_error(p, p->lineno, "[probe] needs a name, as in "
		    "[probe soa]");
	else if (!probe_name_ok(name))
		conf_error(p, p->lineno, "bad probe name '%s' (1 to %d of "
		    "A-Z a-z 0-9 _ . -)", name, CONF_PROBE_NAME_MAX);
	else {
		snprintf(label, sizeof(label), "[probe %s]", name);
		for (int i = 0; i < c->nprobes - 1; i++)
			if (c->probes[i].pc.name != NULL &&
			    strcmp(c->probes[i].pc.name, name) == 0) {
				conf_error(p, p->lineno, "duplicate [probe %s], "
				    "first at line %d", name, c->probes[i].line);
				name = NULL;
				break;
			}
		if (name != NULL)
			pr->pc.name = xstrdup(p, name);
	}
	section_init(s, probe_keys, NKEYS(probe_keys), pr, p->lineno, label);
	p->cur = s;
	p->skip = false;
}

static int
names_set(struct parser *p, struct conf_names *n, const char *const *v,
    int count)
{
	if ((n->v = calloc((size_t)count, sizeof(*n->v))) == NULL) {
		p->oom = true;
		return -1;
	}
	for (n->n = 0; n->n < count; n->n++)
		if ((n->v[n->n] = xstrdup(p, v[n->n])) == NULL)
			return -1;
	return 0;
}

static void
section_fleet(struct parser *p)
{
	static const char *const tables[] = { "fleet4", "fleet6" };
	struct conf_fleet *f;

	if (p->fleet.line != 0) {
		conf_error(p, p->lineno, "duplicate section [fleet], first at "
		    "line %d", p->fleet.line);
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		p->oom = true;
		return;
	}
	p->conf->fleet = f;
	f->healthy = 1;
	f->degraded = 0;
	f->min_healthy = 1;
	f->confirm_ms = DEF_CONFIRM_MS;
	f->line = p->lineno;
	(void)names_set(p, &f->tables, tables, 2);
	section_init(&p->fleet, fleet_keys, NKEYS(fleet_keys), f, p->lineno,
	    "[fleet]");
	p->cur = &p->fleet;
	p->skip = false;
}

static void
section_fresh(struct parser *p)
{
	struct conf_fresh *f;

	if (p->fresh.line != 0) {
		conf_error(p, p->lineno, "duplicate section [freshness], first "
		    "at line %d", p->fresh.line);
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		p->oom = true;
		return;
	}
	p->conf->fresh = f;
	f->interval_ms = DEF_FRESH_INTERVAL_MS;
	f->max_lag_ms = DEF_FRESH_MAX_LAG_MS;
	f->timeout_ms = DEF_FRESH_TIMEOUT_MS;
	f->line = p->lineno;
	section_init(&p->fresh, fresh_keys, NKEYS(fresh_keys), f, p->lineno,
	    "[freshness]");
	p->cur = &p->fresh;
	p->skip = false;
}

/* raw is what inih took as the section name: between '[' and ']'. */
static void
section_begin(struct parser *p, char *raw)
{
	char *s = rstrip(lskip(raw));

	p->cur = NULL;
	p->skip = true;
	p->last_key = NULL;
	if (strcmp(s, "agent") == 0)
		section_single(p, &p->agent, agent_keys, NKEYS(agent_keys),
		    "[agent]");
	else if (strcmp(s, "bird") == 0)
		section_single(p, &p->bird, bird_keys, NKEYS(bird_keys),
		    "[bird]");
	else if (strcmp(s, "fleet") == 0)
		section_fleet(p);
	else if (strcmp(s, "freshness") == 0)
		section_fresh(p);
	else if (strncmp(s, "probe", 5) == 0 &&
	    (s[5] == '\0' || isspace((unsigned char)s[5])))
		section_probe(p, lskip(s + 5));
	else
		conf_error(p, p->lineno, "unknown section [%s]", s);
}

/* A "[...]" line; s points at the '['. */
static void
header(struct parser *p, char *s, bool indented)
{
	char *end = find_chars_or_comment(s + 1, "]"), *rest;

	if (indented)
		conf_error(p, p->lineno, "indented section header is taken as "
		    "a continuation of the previous value; remove the "
		    "indentation");
	if (*end != ']') {
		conf_error(p, p->lineno, "section header lacks ']'");
		/* inih stays in the previous section; ignoring the keys
		 * that follow avoids one error per key. */
		p->cur = NULL;
		p->skip = true;
		p->last_key = NULL;
		p->diverged = true;
		return;
	}
	*end = '\0';
	rest = lskip(end + 1);
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		conf_error(p, p->lineno, "unexpected text after ']'");
	if (!indented) {
		snprintf(p->inih_section, sizeof(p->inih_section), "%s", s + 1);
		p->prev_name = false;
		p->diverged = false;
	} else
		p->diverged = true;
	section_begin(p, s + 1);
}

/* Every value is printable UTF-8 by text.h's measure (anycastd -nv and
 * the logs show them): no control character, no C1 control, no invalid
 * UTF-8.  A tab may separate the words of a list, which is printed with
 * spaces. */
static bool
value_text(const struct key *k, const char *v)
{
	bool list = k->type == K_PREFIXES || k->type == K_NAMES ||
	    k->type == K_PATTERNS;
	size_t n;

	for (; *v != '\0'; v += n)
		if ((n = text_char_len(v)) == 0) {
			if (!list || *v != '\t')
				return false;
			n = 1;
		}
	return true;
}

/* What conf_print() could not write so that it reads back the same.  inih
 * takes a ';' after white space for the start of a comment, and we print
 * "key = value": a value read from "key=;x" would come back empty.  A ';'
 * further in always follows a non-blank (inih cut the value at any other)
 * and a '#' starts a comment only at the start of a line, so both are
 * fine there. */
static int
value_printable(struct parser *p, const struct key *k, const char *v)
{
	if (*v == '\0' && k->type != K_PREFIXES) {
		conf_error(p, p->lineno, "%s: empty value", k->name);
		return -1;
	}
	if (*v == ';') {
		conf_error(p, p->lineno, "%s: '%s' starts with ';', which "
		    "begins a comment after white space", k->name, v);
		return -1;
	}
	if (!value_text(k, v)) {
		conf_error(p, p->lineno, "%s: '%s' is not printable UTF-8 "
		    "text", k->name, v);
		return -1;
	}
	return 0;
}

static const struct key *
key_lookup(const struct section *s, const char *name)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

/* value NULL: the line was rejected already, only note the key as set. */
static void
key_value(struct parser *p, const char *name, const char *value)
{
	struct section *s = p->cur;
	const struct key *k;
	size_t i;

	p->last_key = NULL;
	if (*name == '\0') {
		conf_error(p, p->lineno, "missing key name before '='");
		return;
	}
	if (p->skip)
		return;
	if (s == NULL) {
		conf_error(p, p->lineno, "key '%s' is outside any section",
		    name);
		return;
	}
	if ((k = key_lookup(s, name)) == NULL) {
		conf_error(p, p->lineno, "unknown key '%s' in %s", name,
		    s->label);
		return;
	}
	i = (size_t)(k - s->keys);
	if (s->seen[i] != 0) {
		conf_error(p, p->lineno, "duplicate key '%s', first set at "
		    "line %d", name, s->seen[i]);
		return;
	}
	s->seen[i] = p->lineno;
	p->last_key = k;
	/* value NULL: the line was too long and is already reported. */
	if (value == NULL || value_printable(p, k, value) == -1 ||
	    parse_value(p, k, s->base, value) == -1)
		s->bad[i] = true;
}

static void
continuation(struct parser *p, const char *value)
{
	char buf[INI_MAX_LINE + 1];

	if (p->last_key == NULL)
		return;		/* continues a line that was reported */
	if (p->last_key->type != K_PREFIXES &&
	    p->last_key->type != K_ZONES) {
		conf_error(p, p->lineno, "indented line continues the value of "
		    "'%s' (only prefixes and zones may span lines); remove the "
		    "indentation", p->last_key->name);
		return;
	}
	/* r55 keeps inline comments on continuation lines; later inih
	 * releases strip them.  Strip them the same way either way. */
	snprintf(buf, sizeof(buf), "%s", value);
	*find_chars_or_comment(buf, NULL) = '\0';
	if (p->last_key->type == K_ZONES) {
		if (each_token(p, p->last_key, rstrip(buf),
		    &((struct conf_fresh *)p->cur->base)->cfg_zones,
		    one_zone) == -1)
			p->cur->bad[p->last_key - p->cur->keys] = true;
		return;
	}
	if (value_prefixes(p, p->last_key, rstrip(buf)) == -1)
		p->cur->bad[p->last_key - p->cur->keys] = true;
}

/* Mirrors inih's view of line, which we may modify.  Sets p->kind to what
 * inih is about to do with it. */
static void
classify(struct parser *p, char *line)
{
	char *s = line, *end;

	p->kind = L_NONE;
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	s = lskip(rstrip(s));
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (p->prev_name && s > line) {
		/* Python-configparser style continuation (INI_ALLOW_MULTILINE). */
		if (*s == '[') {
			header(p, s, true);
			p->kind = L_CONT_HEADER;
		} else
			p->kind = L_CONT;
		return;
	}
	if (*s == '[') {
		header(p, s, false);
		return;
	}
	end = find_chars_or_comment(s, "=:");
	if (*end != '=' && *end != ':') {
		conf_error(p, p->lineno, "expected 'key = value'");
		return;
	}
	*end = '\0';
	p->prev_name = *rstrip(s) != '\0';
	p->kind = L_KEY;
}

/* A line inih will not see.  Keep our view consistent as far as it can be:
 * a lost header starts a section whose keys are ignored, a lost key counts
 * as set (so it is not also reported missing). */
static void
line_lost(struct parser *p, char *line)
{
	char *s = line, *end;

	p->kind = L_NONE;
	if (line == NULL)
		return;
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	s = lskip(rstrip(s));
	if (*s == '\0' || *s == ';' || *s == '#' ||
	    (p->prev_name && s > line))
		return;
	if (*s == '[') {
		p->cur = NULL;
		p->skip = true;
		p->last_key = NULL;
		p->diverged = true;
		return;
	}
	end = find_chars_or_comment(s, "=:");
	if (*end == '=' || *end == ':') {
		*end = '\0';
		if (*rstrip(s) != '\0')
			key_value(p, s, NULL);
	}
	p->last_key = NULL;
}

static char *
conf_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	ssize_t n;
	size_t len;

	errno = 0;
	n = getline(&p->buf, &p->bufsz, p->fp);
	if (n < 0) {
		if (ferror(p->fp))
			p->read_errno = errno != 0 ? errno : EIO;
		return NULL;
	}
	p->lineno++;
	len = (size_t)n;
	if (len > 0 && p->buf[len - 1] == '\n')
		len--;
	if (memchr(p->buf, '\0', (size_t)n) != NULL) {
		conf_error(p, p->lineno, "line contains a NUL byte");
		line_lost(p, NULL);
	} else if (num < 3 || len > (size_t)num - 2) {
		/* inih would read it in pieces and take each for a line. */
		conf_error(p, p->lineno, "line is too long (%zu bytes, at most "
		    "%d)", len, num - 2);
		line_lost(p, p->buf);
	} else {
		memcpy(str, p->buf, (size_t)n + 1);
		classify(p, p->buf);
		return str;
	}
	if (num >= 2)
		memcpy(str, "\n", 2);
	return str;
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parser *p = user;
	enum lkind kind = p->kind;

	/* Exactly one handler call for each line we saw as key or
	 * continuation, in the section we think it is in. */
	p->kind = L_NONE;
	if (kind == L_NONE ||
	    (!p->diverged && strcmp(section, p->inih_section) != 0)) {
		if (!p->sync_reported)
			conf_error(p, p->lineno, "internal error: out of step "
			    "with inih on this line");
		p->sync_reported = true;
		return 1;
	}
	if (kind == L_KEY)
		key_value(p, name, value);
	else if (kind == L_CONT)
		continuation(p, value);
	return 1;	/* errors are ours to report, not inih's */
}

/* ---- Checks across keys, after the whole file is read ---- */

static void
require_keys(struct parser *p, const struct section *s)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (s->keys[i].required && s->seen[i] == 0)
			conf_error(p, s->line, "%s lacks required key '%s'",
			    s->label, s->keys[i].name);
}

static size_t
key_index(const struct key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	abort();	/* a typo in this file */
}

/* The graceful link and the guard: what each needs of the rest. */
static void
validate_fleet(struct parser *p)
{
	const struct conf *c = p->conf;
	const struct conf_fleet *f = c->fleet;
	const struct section *a = &p->agent, *fs = &p->fleet;
	size_t gi = key_index(agent_keys, NKEYS(agent_keys),
	    "graceful_interface");
	size_t hi = key_index(fleet_keys, NKEYS(fleet_keys), "healthy");
	size_t di = key_index(fleet_keys, NKEYS(fleet_keys), "degraded");

	if (a->line != 0 && c->graceful_interface[0] != '\0' &&
	    strcmp(c->graceful_interface, c->interface) == 0)
		conf_error(p, a->seen[gi], "graceful_interface: '%s' is the "
		    "anycast interface itself; it must be a second one",
		    c->graceful_interface);
	if (f == NULL)
		return;
	if (c->graceful_interface[0] == '\0')
		conf_error(p, f->line, "[fleet] needs [agent] "
		    "graceful_interface: a node the guard keeps announced "
		    "must be able to degrade");
	if (c->bird_socket == NULL)
		conf_error(p, f->line, "[fleet] needs [bird] socket: the "
		    "fleet is read from BIRD's fleet tables");
	if (!fs->bad[hi] && !fs->bad[di] && f->healthy == f->degraded)
		conf_error(p, fs->seen[di] ? fs->seen[di] : fs->seen[hi] ?
		    fs->seen[hi] : f->line, "degraded: (%d,%d) is also the "
		    "healthy community", f->asn, f->degraded);
}

static void	validate_fresh(struct parser *);

static void
validate(struct parser *p)
{
	struct conf *c = p->conf;
	const struct section *a = &p->agent;
	size_t ii = key_index(agent_keys, NKEYS(agent_keys), "interval");
	size_t fi = key_index(agent_keys, NKEYS(agent_keys), "fast_interval");
	size_t ci = key_index(agent_keys, NKEYS(agent_keys), "confirm_interval");
	size_t ti = key_index(probe_keys, NKEYS(probe_keys), "timeout");
	size_t pi = key_index(probe_keys, NKEYS(probe_keys), "port");
	char b1[DUR_FMT_MAX], b2[DUR_FMT_MAX];

	if (a->line == 0)
		conf_error(p, 1, "missing [agent] section");
	else
		require_keys(p, a);
	if (p->bird.line != 0)
		require_keys(p, &p->bird);
	if (p->fleet.line != 0)
		require_keys(p, &p->fleet);
	if (p->nprobe_headers == 0)
		conf_error(p, a->line ? a->line : 1, "no [probe NAME] section; "
		    "at least one probe is required");
	for (int i = 0; i < c->nprobes; i++)
		require_keys(p, &p->probes[i]);

	if (a->line != 0 && !a->bad[ii] && !a->bad[fi] &&
	    c->fast_interval_ms > c->interval_ms) {
		if (a->seen[fi] != 0)
			conf_error(p, a->seen[fi], "fast_interval: %s is longer "
			    "than interval %s", dur_fmt_ms(
			    c->fast_interval_ms, b1, sizeof(b1)),
			    dur_fmt_ms(c->interval_ms, b2, sizeof(b2)));
		else
			conf_error(p, a->seen[ii], "interval: %s is shorter than "
			    "fast_interval %s (the default)", dur_fmt_ms(
			    c->interval_ms, b1, sizeof(b1)), dur_fmt_ms(
			    c->fast_interval_ms, b2, sizeof(b2)));
	}
	validate_fleet(p);
	/* The default (5ms) is below fast_interval's minimum (10ms), so only
	 * a confirm_interval that was set can be too long. */
	if (a->line != 0 && !a->bad[fi] && !a->bad[ci] && a->seen[ci] != 0 &&
	    c->confirm_interval_ms > c->fast_interval_ms)
		conf_error(p, a->seen[ci], "confirm_interval: %s is longer "
		    "than fast_interval %s", dur_fmt_ms(c->confirm_interval_ms,
		    b1, sizeof(b1)), dur_fmt_ms(c->fast_interval_ms, b2,
		    sizeof(b2)));
	for (int i = 0; i < c->nprobes; i++) {
		const struct section *s = &p->probes[i];
		struct conf_probe *pr = &c->probes[i];

		/* A cycle must end before the next one starts. */
		if (!a->bad[fi] && !s->bad[ti] &&
		    pr->pc.timeout_ms >= c->fast_interval_ms) {
			dur_fmt_ms(pr->pc.timeout_ms, b1, sizeof(b1));
			dur_fmt_ms(c->fast_interval_ms, b2, sizeof(b2));
			if (s->seen[ti] != 0)
				conf_error(p, s->seen[ti], "timeout: %s must be "
				    "shorter than fast_interval %s", b1, b2);
			else
				conf_error(p, s->line, "%s: the default timeout "
				    "%s must be shorter than fast_interval %s; "
				    "set timeout", s->label, b1, b2);
		}
		if (pr->server_str == NULL || s->bad[pi])
			continue;
		if (pr->pc.server.ss_family == AF_INET)
			((struct sockaddr_in *)&pr->pc.server)->sin_port =
			    htons(pr->port);
		else
			((struct sockaddr_in6 *)&pr->pc.server)->sin6_port =
			    htons(pr->port);
	}
	/* After the probes' ports: the default server is the first's. */
	validate_fresh(p);
}

/* ---- [freshness]: the zones file and the checks ---- */

static int
zone_cmp(const void *va, const void *vb)
{
	return strcmp(*(char *const *)va, *(char *const *)vb);
}

/* One zone per line; '#' starts a comment; blank lines are fine. */
static void
zones_file_read(struct parser *p, struct conf_fresh *f, struct conf_names *out)
{
	char *buf = NULL, *s, *end, path[4096];
	const char *slash = strrchr(p->conf->path, '/');
	size_t cap = 0;
	int line = 0;
	FILE *fp;

	if (f->zones_file[0] == '/' || slash == NULL)
		snprintf(path, sizeof(path), "%s", f->zones_file);
	else
		snprintf(path, sizeof(path), "%.*s/%s",
		    (int)(slash - p->conf->path), p->conf->path, f->zones_file);
	if ((fp = fopen(path, "re")) == NULL) {
		conf_error_in(p, path, 0, "cannot open: %s", strerror(errno));
		return;
	}
	while (getline(&buf, &cap, fp) >= 0) {
		line++;
		if ((s = strchr(buf, '#')) != NULL)
			*s = '\0';
		s = lskip(rstrip(buf));
		if (*s == '\0')
			continue;
		end = s + strcspn(s, " \t");
		if (*end != '\0') {
			conf_error_in(p, path, line, "one zone per "
			    "line, found '%s'", s);
			continue;
		}
		if (out->n == CONF_MAX_ZONES) {
			conf_error_in(p, path, line, "more than %d "
			    "zones", CONF_MAX_ZONES);
			break;
		}
		if ((s = zone_norm(p, path, line, "", s)) != NULL &&
		    names_push(p, out, s) == 0)
			f->file_zones++;
	}
	if (ferror(fp))
		conf_error_in(p, path, 0, "read error: %s",
		    strerror(errno));
	free(buf);
	fclose(fp);
}

static void
validate_fresh(struct parser *p)
{
	struct conf *c = p->conf;
	struct conf_fresh *f = c->fresh;
	const struct section *s = &p->fresh;
	size_t zi = key_index(fresh_keys, NKEYS(fresh_keys), "zones");
	size_t fi = key_index(fresh_keys, NKEYS(fresh_keys), "zones_file");
	size_t ti = key_index(fresh_keys, NKEYS(fresh_keys), "timeout");
	size_t ii = key_index(fresh_keys, NKEYS(fresh_keys), "interval");
	struct conf_names all = { NULL, 0 };
	char b1[DUR_FMT_MAX], b2[DUR_FMT_MAX];
	int i, n;

	if (f == NULL)
		return;
	require_keys(p, s);
	if (s->seen[zi] == 0 && s->seen[fi] == 0)
		conf_error(p, f->line, "[freshness] needs zones or zones_file "
		    "(or both)");
	if (!s->bad[ti] && !s->bad[ii] && f->timeout_ms >= f->interval_ms)
		conf_error(p, s->seen[ti] ? s->seen[ti] : s->seen[ii],
		    "timeout: %s must be shorter than interval %s",
		    dur_fmt_ms(f->timeout_ms, b1, sizeof(b1)),
		    dur_fmt_ms(f->interval_ms, b2, sizeof(b2)));
	if (!f->server_set && c->nprobes > 0 &&
	    c->probes[0].pc.server_len > 0) {
		memcpy(&f->server.sa, &c->probes[0].pc.server,
		    c->probes[0].pc.server_len);
		f->server.len = c->probes[0].pc.server_len;
		addr_str(&f->server);
	}
	for (i = 0; i < f->cfg_zones.n; i++) {
		char *z = xstrdup(p, f->cfg_zones.v[i]);

		if (z == NULL || names_push(p, &all, z) == -1)
			goto done;
	}
	if (f->zones_file != NULL && !s->bad[fi])
		zones_file_read(p, f, &all);
	if (all.n > CONF_MAX_ZONES) {
		conf_error(p, f->line, "more than %d zones", CONF_MAX_ZONES);
		goto done;
	}
	if (all.n > 1)
		qsort(all.v, (size_t)all.n, sizeof(*all.v), zone_cmp);
	/* A zone in both lists, or twice in the file, is checked once. */
	for (i = 0, n = 0; i < all.n; i++) {
		if (n > 0 && strcmp(all.v[n - 1], all.v[i]) == 0) {
			free(all.v[i]);
			continue;
		}
		all.v[n++] = all.v[i];
	}
	f->zones = all.v;
	f->nzones = n;
	return;
done:
	names_free(&all);
}

/* ---- Loading ---- */

static int
perr_cmp(const void *va, const void *vb)
{
	const struct perr *a = va, *b = vb;

	if ((a->file != NULL) != (b->file != NULL))
		return a->file != NULL ? 1 : -1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
defaults(struct parser *p)
{
	struct conf *c = p->conf;

	c->rise = DEF_RISE;
	c->fall = DEF_FALL;
	c->interval_ms = DEF_INTERVAL_MS;
	c->fast_interval_ms = DEF_FAST_INTERVAL_MS;
	c->confirm_interval_ms = DEF_CONFIRM_INTERVAL_MS;
	c->hold_down_ms = DEF_HOLD_DOWN_MS;
	c->on_exit = CONF_EXIT_KEEP;
	if (c->instance == NULL) {
		c->control_socket = xstrdup(p, CTL_DEFAULT_SOCKET);
		c->state_dir = xstrdup(p, DEF_STATE_DIR);
	} else {
		/* anycastd@NAME.service: RuntimeDirectory=anycastd/%i and
		 * StateDirectory=anycastd/%i. */
		c->control_socket = xprintf(p, CTL_RUN_DIR "/%s/" CTL_SOCKET_NAME,
		    c->instance);
		c->state_dir = xprintf(p, DEF_STATE_DIR "/%s", c->instance);
	}
	c->server_unit = xstrdup(p, DEF_SERVER_UNIT);
	c->bird_grace_ms = DEF_GRACE_MS;
	c->bird_poll_ms = DEF_POLL_MS;
	c->graceful_time_ms = DEF_GRACEFUL_TIME_MS;
}

struct conf *
conf_load(const char *path, conf_err_fn *errfn, void *arg)
{
	return conf_load_instance(path, NULL, errfn, arg);
}

struct conf *
conf_load_instance(const char *path, const char *instance, conf_err_fn *errfn,
    void *arg)
{
	struct parser p;
	bool failed;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((p.conf = calloc(1, sizeof(*p.conf))) == NULL) {
		errfn(arg, path, 0, "out of memory");
		return NULL;
	}
	p.conf->path = xstrdup(&p, path);
	if (instance != NULL && !ctl_instance_ok(instance)) {
		errfn(arg, path, 0, "bad instance name (letters, digits, "
		    "'_', '-' and '.', at most " CTL_INSTANCE_MAX_STR " bytes, "
		    "not starting with '.')");
		conf_free(p.conf);
		return NULL;
	}
	if (instance != NULL)
		p.conf->instance = xstrdup(&p, instance);
	defaults(&p);
	if ((p.fp = fopen(path, "re")) == NULL) {
		conf_error(&p, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	rc = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	if (p.read_errno != 0) {
		/* Checks on a partial file would only add noise. */
		conf_error(&p, 0, "read error: %s", strerror(p.read_errno));
		goto done;
	}
	if (rc < 0)
		p.oom = true;
	else if (rc > 0 && !error_at(&p, rc))
		conf_error(&p, rc, "syntax error");
	validate(&p);
done:
	if (p.fp != NULL)
		fclose(p.fp);
	free(p.buf);
	free(p.probes);
	if (p.nerrs > 1)
		qsort(p.errs, p.nerrs, sizeof(*p.errs), perr_cmp);
	if (p.oom)
		errfn(arg, path, 0, "out of memory");
	for (size_t i = 0; i < p.nerrs; i++) {
		errfn(arg, p.errs[i].file != NULL ? p.errs[i].file : path,
		    p.errs[i].line, p.errs[i].msg);
		free(p.errs[i].msg);
		free(p.errs[i].file);
	}
	free(p.errs);
	failed = p.oom || p.nerrs > 0;
	if (failed) {
		conf_free(p.conf);
		return NULL;
	}
	return p.conf;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->nprobes; i++) {
		/* const for the probe, which only reads them; ours. */
		free((char *)c->probes[i].pc.name);
		free((char *)c->probes[i].pc.qname);
		free(c->probes[i].server_str);
	}
	free(c->probes);
	free(c->path);
	free(c->control_socket);
	free(c->control_group);
	free(c->state_dir);
	free(c->metrics_file);
	free(c->server_unit);
	free(c->instance);
	free(c->bird_socket);
	free(c->bird_prefix);
	if (c->fresh != NULL) {
		names_free(&c->fresh->cfg_zones);
		for (int i = 0; i < c->fresh->nzones; i++)
			free(c->fresh->zones[i]);
		free(c->fresh->zones);
		free(c->fresh->zones_file);
		free(c->fresh);
	}
	if (c->fleet != NULL) {
		names_free(&c->fleet->tables);
		names_free(&c->fleet->peers);
		free(c->fleet);
	}
	free(c);
}

void
conf_err_print(void *arg, const char *file, int line, const char *msg)
{
	FILE *fp = arg != NULL ? arg : stderr;

	if (line > 0)
		fprintf(fp, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(fp, "%s: %s\n", file, msg);
}

/* ---- Printing ---- */

#define KV	"%-14s = "

/* Aligned, unless that would make the line longer than inih reads whole:
 * "key=value" is never longer than the line the value was read from. */
static void
print_kv(FILE *fp, const char *key, const char *value)
{
	if (17 + strlen(value) > INI_MAX_LINE - 2)
		fprintf(fp, "%s=%s\n", key, value);
	else
		fprintf(fp, KV "%s\n", key, value);
}

static void
print_prefixes(const struct conf *c, FILE *fp)
{
	char s[PREFIX_STRLEN];
	int col, n;

	col = fprintf(fp, KV, "prefixes");
	for (int i = 0; i < c->bird_nprefixes; i++) {
		n = (int)strlen(prefix_fmt(&c->bird_prefix[i], s, sizeof(s)));
		/* Wrap onto indented continuation lines, which inih joins
		 * back, so a long list stays under INI_MAX_LINE. */
		if (col > 17 && col + 1 + n > PRINT_WRAP)
			col = fprintf(fp, "\n%17s", "") - 1;
		else if (col > 17)
			col += fprintf(fp, " ");
		col += fprintf(fp, "%s", s);
	}
	fprintf(fp, "\n");
}

static void
print_names(FILE *fp, const char *key, const struct conf_names *n)
{
	fprintf(fp, KV, key);
	for (int i = 0; i < n->n; i++)
		fprintf(fp, "%s%s", i ? " " : "", n->v[i]);
	fputc('\n', fp);
}

static void
print_fleet(const struct conf_fleet *f, FILE *fp)
{
	char b[DUR_FMT_MAX];

	fprintf(fp, "\n[fleet]\n");
	fprintf(fp, KV "%d\n", "asn", f->asn);
	fprintf(fp, KV "%d\n", "healthy", f->healthy);
	fprintf(fp, KV "%d\n", "degraded", f->degraded);
	print_names(fp, "tables", &f->tables);
	print_names(fp, "peers", &f->peers);
	fprintf(fp, KV "%d\n", "min_healthy", f->min_healthy);
	fprintf(fp, KV "%s\n", "confirm", dur_fmt_ms(f->confirm_ms, b,
	    sizeof(b)));
	fprintf(fp, KV "%s\n", "unknown", f->unknown_withdraw ? "withdraw" :
	    "hold");
}

static void
print_fresh(const struct conf_fresh *f, FILE *fp)
{
	char b[DUR_FMT_MAX];
	int col, n;

	fprintf(fp, "\n[freshness]\n");
	fprintf(fp, KV, "primary");
	for (int i = 0; i < f->nprimary; i++)
		fprintf(fp, "%s%s", i ? " " : "", f->primary[i].str);
	fputc('\n', fp);
	fprintf(fp, KV "%s\n", "server", f->server.str);
	if (f->cfg_zones.n > 0) {
		col = fprintf(fp, KV, "zones");
		for (int i = 0; i < f->cfg_zones.n; i++) {
			n = (int)strlen(f->cfg_zones.v[i]);
			/* Continuation lines, as for prefixes. */
			if (col > 17 && col + 1 + n > PRINT_WRAP)
				col = fprintf(fp, "\n%17s", "") - 1;
			else if (col > 17)
				col += fprintf(fp, " ");
			col += fprintf(fp, "%s", f->cfg_zones.v[i]);
		}
		fputc('\n', fp);
	}
	if (f->zones_file != NULL) {
		print_kv(fp, "zones_file", f->zones_file);
		fprintf(fp, "# zones_file: %d zone%s; %d zones in all\n",
		    f->file_zones, f->file_zones == 1 ? "" : "s", f->nzones);
	}
	fprintf(fp, KV "%s\n", "interval", dur_fmt_ms(f->interval_ms, b,
	    sizeof(b)));
	fprintf(fp, KV "%s\n", "max_lag", dur_fmt_ms(f->max_lag_ms, b,
	    sizeof(b)));
	if (f->max_stale_pct && f->max_stale % 100 == 0)
		fprintf(fp, KV "%u%%\n", "max_stale", f->max_stale / 100);
	else if (f->max_stale_pct && f->max_stale % 10 == 0)
		fprintf(fp, KV "%u.%u%%\n", "max_stale", f->max_stale / 100,
		    f->max_stale % 100 / 10);
	else if (f->max_stale_pct)
		fprintf(fp, KV "%u.%02u%%\n", "max_stale", f->max_stale / 100,
		    f->max_stale % 100);
	else
		fprintf(fp, KV "%u\n", "max_stale", f->max_stale);
	fprintf(fp, KV "%s\n", "timeout", dur_fmt_ms(f->timeout_ms, b,
	    sizeof(b)));
}

void
conf_print(const struct conf *c, FILE *fp)
{
	char b[DUR_FMT_MAX], d[DNS_FMT_MAX];

	fprintf(fp, "[agent]\n");
	fprintf(fp, KV "%s\n", "interface", c->interface);
	fprintf(fp, KV "%d\n", "rise", c->rise);
	fprintf(fp, KV "%d\n", "fall", c->fall);
	fprintf(fp, KV "%s\n", "interval",
	    dur_fmt_ms(c->interval_ms, b, sizeof(b)));
	fprintf(fp, KV "%s\n", "fast_interval",
	    dur_fmt_ms(c->fast_interval_ms, b, sizeof(b)));
	fprintf(fp, KV "%s\n", "confirm_interval",
	    dur_fmt_ms(c->confirm_interval_ms, b, sizeof(b)));
	fprintf(fp, KV "%s\n", "hold_down",
	    dur_fmt_ms(c->hold_down_ms, b, sizeof(b)));
	if (c->graceful_interface[0] != '\0') {
		fprintf(fp, KV "%s\n", "graceful_interface",
		    c->graceful_interface);
		fprintf(fp, KV "%s\n", "graceful_time",
		    dur_fmt_ms(c->graceful_time_ms, b, sizeof(b)));
	} else
		fprintf(fp, "# graceful_interface unset: an unhealthy node "
		    "withdraws without degrading first\n");
	fprintf(fp, KV "%s\n", "on_exit",
	    c->on_exit == CONF_EXIT_WITHDRAW ? "withdraw" : "keep");
	print_kv(fp, "control_socket", c->control_socket);
	if (c->control_group != NULL)
		print_kv(fp, "control_group", c->control_group);
	else
		fprintf(fp, "# control_group unset: only root may use the "
		    "control socket\n");
	print_kv(fp, "state_dir", c->state_dir);
	if (c->metrics_file != NULL)
		print_kv(fp, "metrics_file", c->metrics_file);
	else
		fprintf(fp, "# metrics_file unset: no metrics\n");
	print_kv(fp, "server_unit", c->server_unit);

	fprintf(fp, "\n");
	if (c->bird_socket != NULL) {
		fprintf(fp, "[bird]\n");
		print_kv(fp, "socket", c->bird_socket);
		if (c->bird_nprefixes > 0)
			print_prefixes(c, fp);
		else
			fprintf(fp, "# prefixes unset: every exported route "
			    "counts\n");
		fprintf(fp, KV "%s\n", "grace",
		    dur_fmt_ms(c->bird_grace_ms, b, sizeof(b)));
		fprintf(fp, KV "%s\n", "poll",
		    dur_fmt_ms(c->bird_poll_ms, b, sizeof(b)));
	} else
		fprintf(fp, "# [bird] unset: BIRD's view is off\n");
	if (c->fleet != NULL)
		print_fleet(c->fleet, fp);
	if (c->fresh != NULL)
		print_fresh(c->fresh, fp);

	for (int i = 0; i < c->nprobes; i++) {
		const struct conf_probe *pr = &c->probes[i];

		fprintf(fp, "\n[probe %s]\n", pr->pc.name);
		fprintf(fp, KV "%s\n", "server", pr->server_str);
		fprintf(fp, KV "%u\n", "port", (unsigned)pr->port);
		if (strlen("name=") + strlen(pr->pc.qname) > INI_MAX_LINE - 2)
			/* The one way it fits: as read, without the dot. */
			fprintf(fp, "name=%.*s\n", (int)strlen(pr->pc.qname) - 1,
			    pr->pc.qname);
		else
			print_kv(fp, "name", pr->pc.qname);
		fprintf(fp, KV "%s\n", "type",
		    dns_qtype_fmt(pr->pc.qtype, d, sizeof(d)));
		fprintf(fp, KV "%s\n", "transport", pr->pc.tcp ? "tcp" : "udp");
		fprintf(fp, KV "%s\n", "timeout",
		    dur_fmt_ms(pr->pc.timeout_ms, b, sizeof(b)));
		fprintf(fp, KV "%s\n", "rcode",
		    dns_rcode_fmt(pr->pc.rcode, d, sizeof(d)));
		fprintf(fp, KV "%s\n", "authoritative",
		    pr->pc.authoritative ? "yes" : "no");
		fprintf(fp, KV "%s\n", "answer", pr->pc.answer ? "yes" : "no");
		fprintf(fp, KV "%s\n", "recursion",
		    pr->pc.recursion ? "yes" : "no");
		fprintf(fp, KV "%s\n", "dnssec", pr->pc.dnssec ? "yes" : "no");
	}
}
