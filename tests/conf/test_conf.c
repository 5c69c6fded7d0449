/* Unit tests for agent/conf.c: what inih does that the parser relies on,
 * the values each key takes or refuses, the loaded struct, error lines and
 * counts, the helpers, and the print round trip.  The exact messages are
 * pinned by the golden files next to this one; here we check what goldens
 * cannot see: struct contents, callback arguments, and invariants over
 * many generated inputs. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "check.h"
#include "conf.h"
#include "dns.h"
#include "duration.h"
#include "prefix.h"

CHECK_STATE;


/* ---- Error capture ---- */

struct err {
	int	 line;
	char	 file[256];
	char	 msg[512];
};

struct errs {
	struct err	 e[256];
	int		 n;
};

static void
capture(void *arg, const char *file, int line, const char *msg)
{
	struct errs *es = arg;

	if (es->n == (int)(sizeof(es->e) / sizeof(es->e[0])))
		return;
	es->e[es->n].line = line;
	snprintf(es->e[es->n].file, sizeof(es->e[0].file), "%s", file);
	snprintf(es->e[es->n].msg, sizeof(es->e[0].msg), "%s", msg);
	es->n++;
}

static char tmpdir[] = "/tmp/test_conf.XXXXXX";

static const char *
write_file(const char *name, const char *text, size_t len)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static struct conf *
load_text(const char *text, struct errs *es)
{
	const char *path = write_file("t.conf", text, strlen(text));

	memset(es, 0, sizeof(*es));
	return conf_load(path, capture, es);
}

static bool
has_error(const struct errs *es, int line, const char *needle)
{
	for (int i = 0; i < es->n; i++)
		if (es->e[i].line == line && strstr(es->e[i].msg, needle))
			return true;
	return false;
}

static void
dump(const struct errs *es)
{
	for (int i = 0; i < es->n; i++)
		fprintf(stderr, "    %d: %s\n", es->e[i].line, es->e[i].msg);
}

/* ---- inih's behaviour that conf.c depends on ---- */

struct trace {
	const char	*text;
	size_t		 off;
	int		 lines;		/* lines handed to inih */
	int		 num;		/* the buffer size inih offers */
	int		 calls;
	int		 call_line[16];
	char		 call_name[16][64];
	char		 call_value[16][256];
};

static char *
trace_reader(char *str, int num, void *stream)
{
	struct trace *t = stream;
	size_t n = 0;

	t->num = num;
	if (t->text[t->off] == '\0')
		return NULL;
	while (t->text[t->off] != '\0' && n < (size_t)num - 1) {
		str[n++] = t->text[t->off++];
		if (str[n - 1] == '\n')
			break;
	}
	str[n] = '\0';
	t->lines++;
	return str;
}

static int
trace_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct trace *t = user;

	(void)section;
	if (t->calls < 16) {
		t->call_line[t->calls] = t->lines;
		snprintf(t->call_name[t->calls], 64, "%s", name);
		snprintf(t->call_value[t->calls], 256, "%s", value);
	}
	t->calls++;
	return 1;
}

static void
test_inih_contract(void)
{
	struct trace t = { 0 };
	char longline[400];
	int rc;

	/* One line is read and fully handled before the next is read, so
	 * a reader's count is the handler's line.  A continuation (indented
	 * line after a key) calls the handler with the previous key. */
	t.text = "[a]\nk1 = v1\n\n; c\nk2 = v2 ; inline\n  more\n[b]\n"
	    "  k3 = v3\n";
	rc = ini_parse_stream(trace_reader, &t, trace_handler, &t);
	CHECKF(rc == 0, "rc %d", rc);
	CHECKF(t.calls == 4, "calls %d", t.calls);
	CHECKF(t.call_line[0] == 2 && !strcmp(t.call_name[0], "k1"), "k1 line %d",
	    t.call_line[0]);
	CHECKF(t.call_line[1] == 5 && !strcmp(t.call_value[1], "v2"),
	    "k2 line %d value '%s'", t.call_line[1], t.call_value[1]);
	CHECKF(t.call_line[2] == 6 && !strcmp(t.call_name[2], "k2"),
	    "continuation line %d name '%s'", t.call_line[2], t.call_name[2]);
	/* After a header, an indented key is a key, not a continuation. */
	CHECKF(t.call_line[3] == 8 && !strcmp(t.call_name[3], "k3"),
	    "k3 line %d name '%s'", t.call_line[3], t.call_name[3]);

	/* The buffer is INI_MAX_LINE (200): a longer line arrives in pieces
	 * that inih counts as lines, which is why conf.c's reader refuses
	 * long lines itself.  The goldens' "at most 198" depends on it. */
	memset(&t, 0, sizeof(t));
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[a]\nk = ", 8);
	memcpy(longline + 300, "\nk2 = v\n", 9);
	t.text = longline;
	rc = ini_parse_stream(trace_reader, &t, trace_handler, &t);
	CHECKF(t.num == 200, "inih offers %d bytes, expected 200", t.num);
	CHECKF(t.lines == 4, "a 296-byte line became %d lines", t.lines - 2);
	CHECKF(t.calls >= 1 && strlen(t.call_value[0]) < 200, "first piece");
	(void)rc;
}

/* ---- Loading ---- */

#define AGENT	"[agent]\ninterface = anycast0\n"
#define PROBE	"[probe soa]\nserver = 127.0.0.1\nname = example.com.\n"

static void
test_defaults(void)
{
	struct errs es;
	struct conf *c = load_text(AGENT PROBE, &es);
	const struct conf_probe *p;
	const struct sockaddr_in *sin;

	CHECKF(c != NULL && es.n == 0, "minimal config refused");
	if (c == NULL) {
		dump(&es);
		return;
	}
	CHECKF(!strcmp(c->interface, "anycast0"), "interface");
	CHECKF(c->rise == 2 && c->fall == 3, "rise %d fall %d", c->rise, c->fall);
	CHECKF(c->interval_ms == 1000 && c->fast_interval_ms == 200 &&
	    c->hold_down_ms == 10000, "durations");
	CHECKF(c->on_exit == CONF_EXIT_KEEP, "on_exit");
	CHECKF(!strcmp(c->control_socket, "/run/anycastd/anycastd.sock"),
	    "control_socket");
	CHECKF(c->control_group == NULL && c->metrics_file == NULL, "unset");
	CHECKF(!strcmp(c->state_dir, "/var/lib/anycastd"), "state_dir");
	CHECKF(c->bird_socket == NULL && c->bird_prefix == NULL &&
	    c->bird_nprefixes == 0 && c->bird_grace_ms == 5000, "bird");
	CHECKF(c->nprobes == 1, "nprobes %d", c->nprobes);
	p = &c->probes[0];
	CHECKF(!strcmp(p->pc.name, "soa") &&
	    !strcmp(p->pc.qname, "example.com."), "names");
	CHECKF(p->port == 53 && p->pc.qtype == ns_t_soa && !p->pc.tcp &&
	    p->pc.timeout_ms == 100 && p->pc.rcode == ns_r_noerror &&
	    p->pc.authoritative && p->pc.answer && !p->pc.recursion &&
	    !p->pc.dnssec, "probe defaults");
	CHECKF(p->line == 3, "probe line %d", p->line);
	sin = (const struct sockaddr_in *)&p->pc.server;
	CHECKF(sin->sin_family == AF_INET && p->pc.server_len == sizeof(*sin) &&
	    sin->sin_port == htons(53) &&
	    sin->sin_addr.s_addr == htonl(0x7f000001), "sockaddr");
	CHECKF(strlen(c->path) > 7 &&
	    !strcmp(c->path + strlen(c->path) - 7, "/t.conf"), "path '%s'",
	    c->path);
	conf_free(c);
}

static void
test_full(void)
{
	static const char text[] =
	    "[agent]\ninterface = eth1\nrise = 5\nfall = 1\ninterval = 2m\n"
	    "fast_interval = 1500ms\nhold_down = 0\non_exit = withdraw\n"
	    "control_socket = /run/x.sock\ncontrol_group = ops\n"
	    "state_dir = /srv/s\nmetrics_file = /m.prom\n"
	    "[bird]\nsocket = /run/bird/bird.ctl\n"
	    "prefixes = 198.51.100.0/24\n  2001:DB8:53::/48 ; c\ngrace = 1\n"
	    "[probe v6]\nserver = 2001:db8::0:53\nport = 5353\n"
	    "name = example.org\ntype = aaaa\ntransport = tcp\n"
	    "timeout = 1s\nrcode = nxdomain\nauthoritative = no\n"
	    "answer = off\n";
	struct errs es;
	struct conf *c = load_text(text, &es);
	const struct conf_probe *p;
	const struct sockaddr_in6 *sin6;
	struct in6_addr a6;
	char pbuf[PREFIX_STRLEN] = "";

	CHECKF(c != NULL, "full config refused");
	if (c == NULL) {
		dump(&es);
		return;
	}
	CHECKF(!strcmp(c->interface, "eth1") && c->rise == 5 && c->fall == 1,
	    "agent ints");
	CHECKF(c->interval_ms == 120000 && c->fast_interval_ms == 1500 &&
	    c->hold_down_ms == 0, "agent durations");
	CHECKF(c->on_exit == CONF_EXIT_WITHDRAW, "on_exit");
	CHECKF(!strcmp(c->control_socket, "/run/x.sock") &&
	    !strcmp(c->control_group, "ops") && !strcmp(c->state_dir, "/srv/s")
	    && !strcmp(c->metrics_file, "/m.prom"), "agent strings");
	CHECKF(!strcmp(c->bird_socket, "/run/bird/bird.ctl") &&
	    c->bird_grace_ms == 1000, "bird");
	CHECKF(c->bird_nprefixes == 2 &&
	    !strcmp(prefix_fmt(&c->bird_prefix[0], pbuf, sizeof(pbuf)),
	    "198.51.100.0/24") &&
	    !strcmp(prefix_fmt(&c->bird_prefix[1], pbuf, sizeof(pbuf)),
	    "2001:db8:53::/48"), "prefixes: %d, last '%s'", c->bird_nprefixes,
	    pbuf);
	CHECKF(c->bird_nprefixes == 2 && c->bird_prefix[0].family == AF_INET &&
	    c->bird_prefix[0].len == 24 && c->bird_prefix[0].addr[0] == 198 &&
	    c->bird_prefix[1].family == AF_INET6 &&
	    c->bird_prefix[1].len == 48 && c->bird_prefix[1].addr[5] == 0x53,
	    "parsed prefixes");
	p = &c->probes[0];
	sin6 = (const struct sockaddr_in6 *)&p->pc.server;
	inet_pton(AF_INET6, "2001:db8::53", &a6);
	CHECKF(sin6->sin6_family == AF_INET6 && p->pc.server_len == sizeof(*sin6)
	    && sin6->sin6_port == htons(5353) &&
	    !memcmp(&sin6->sin6_addr, &a6, sizeof(a6)), "v6 sockaddr");
	CHECKF(!strcmp(p->server_str, "2001:db8::53"), "server_str '%s'",
	    p->server_str);
	CHECKF(!strcmp(p->pc.qname, "example.org.") &&
	    p->pc.qtype == ns_t_aaaa && p->pc.tcp && p->pc.timeout_ms == 1000 &&
	    p->pc.rcode == ns_r_nxdomain && !p->pc.authoritative &&
	    !p->pc.answer, "probe");
	conf_free(c);
}

/* One key in a valid config: accepted (and stored as want) or refused with
 * exactly one error on its line. */
struct vcase {
	const char	*section;	/* "agent", "bird", "probe" */
	const char	*key;
	const char	*value;
	long long	 want;		/* -1: refused */
};

static long long
field(const struct conf *c, const char *key)
{
	const struct conf_probe *p = &c->probes[0];

	if (!strcmp(key, "rise")) return c->rise;
	if (!strcmp(key, "fall")) return c->fall;
	if (!strcmp(key, "interval")) return c->interval_ms;
	if (!strcmp(key, "fast_interval")) return c->fast_interval_ms;
	if (!strcmp(key, "hold_down")) return c->hold_down_ms;
	if (!strcmp(key, "grace")) return c->bird_grace_ms;
	if (!strcmp(key, "port")) return p->port;
	if (!strcmp(key, "type")) return p->pc.qtype;
	if (!strcmp(key, "timeout")) return p->pc.timeout_ms;
	if (!strcmp(key, "rcode")) return p->pc.rcode;
	if (!strcmp(key, "authoritative")) return p->pc.authoritative;
	if (!strcmp(key, "answer")) return p->pc.answer;
	if (!strcmp(key, "recursion")) return p->pc.recursion;
	if (!strcmp(key, "dnssec")) return p->pc.dnssec;
	if (!strcmp(key, "transport")) return p->pc.tcp;
	if (!strcmp(key, "on_exit")) return c->on_exit;
	if (!strcmp(key, "prefixes")) return c->bird_nprefixes;
	return 0;	/* strings: only acceptance is checked */
}

static const struct vcase vcases[] = {
	{ "agent", "rise", "1", 1 },
	{ "agent", "rise", "100", 100 },
	{ "agent", "rise", "007", 7 },
	{ "agent", "rise", "0", -1 },
	{ "agent", "rise", "101", -1 },
	{ "agent", "rise", "+1", -1 },
	{ "agent", "rise", "1 2", -1 },
	{ "agent", "rise", "0x10", -1 },
	{ "agent", "fall", "-0", -1 },
	{ "agent", "interval", "1", 1000 },
	{ "agent", "fast_interval", "101ms", 101 },
	{ "agent", "interval", "199ms", -1 },	/* < fast_interval */
	{ "agent", "fast_interval", "9ms", -1 },
	{ "agent", "interval", "60m", 3600000 },
	{ "agent", "interval", "3600s", 3600000 },
	{ "agent", "interval", "3601s", -1 },
	{ "agent", "interval", "1h", -1 },
	{ "agent", "interval", "1S", -1 },
	{ "agent", "interval", "1 s", -1 },
	{ "agent", "interval", "s", -1 },
	{ "agent", "interval", "ms", -1 },
	{ "agent", "interval", "1sm", -1 },
	{ "agent", "interval", "1e3ms", -1 },
	{ "agent", "interval", "-1", -1 },
	{ "agent", "interval", "18446744073709551616ms", -1 },
	{ "agent", "interval", "307445734561825861m", -1 },
	{ "agent", "hold_down", "0", 0 },
	{ "agent", "hold_down", "0ms", 0 },
	{ "agent", "hold_down", "0m", 0 },
	{ "agent", "hold_down", "90s", 90000 },
	{ "agent", "on_exit", "Keep", CONF_EXIT_KEEP },
	{ "agent", "on_exit", "withdrawn", -1 },
	{ "agent", "interface", "a", 0 },
	{ "agent", "interface", "abcdefghijklmno", 0 },
	{ "agent", "interface", "abcdefghijklmnop", -1 },
	{ "agent", "interface", "a\tb", -1 },
	{ "agent", "interface", ".", -1 },
	{ "agent", "interface", "...", 0 },
	{ "agent", "interface", "a;b", 0 },
	{ "agent", "interface", "#x", 0 },
	{ "agent", "interface", "=x", 0 },
	{ "agent", "interface", "[x]", 0 },
	{ "agent", "control_group", "anycast-ops", 0 },
	{ "agent", "control_group", "machine$", 0 },
	{ "agent", "control_group", "1000", 0 },
	{ "agent", "control_group", "a$b", -1 },
	{ "agent", "control_group", "abcdefghijklmnopqrstuvwxyz0123456", -1 },
	{ "agent", "control_socket", "/", 0 },
	{ "agent", "control_socket", "~/x", -1 },
	{ "agent", "state_dir", "./x", -1 },
	{ "bird", "grace", "0", 0 },
	{ "bird", "grace", "61m", -1 },
	{ "bird", "prefixes", "", 0 },
	{ "bird", "prefixes", "0.0.0.0/0 ::/0", 2 },
	{ "bird", "prefixes", "10.0.0.0/8\t10.1.0.0/16", 2 },
	{ "bird", "prefixes", "10.0.0.0/08", 1 },
	{ "bird", "prefixes", "10.0.0.0/", -1 },
	{ "bird", "prefixes", "10.0.0.0/33", -1 },
	{ "bird", "prefixes", "10.0.0.0/-1", -1 },
	{ "bird", "prefixes", "10.0.0.1/32", 1 },
	{ "bird", "prefixes", "10.0.0.1/31", -1 },
	{ "bird", "prefixes", "::1/128", 1 },
	{ "bird", "prefixes", "::1/127", -1 },
	{ "probe", "port", "1", 1 },
	{ "probe", "port", "65535", 65535 },
	{ "probe", "port", "65536", -1 },
	{ "probe", "port", "0", -1 },
	{ "probe", "port", "53 ", 53 },
	{ "probe", "type", "a", ns_t_a },
	{ "probe", "type", "Caa", ns_t_caa },
	{ "probe", "type", "DS", ns_t_ds },
	{ "probe", "type", "TYPE1", ns_t_a },
	{ "probe", "type", "type65535", 65535 },
	{ "probe", "type", "TYPE65536", -1 },
	{ "probe", "type", "TYPE", -1 },
	{ "probe", "type", "TYPE-1", -1 },
	{ "probe", "type", "TYPE41", -1 },
	{ "probe", "type", "TYPE128", -1 },
	{ "probe", "type", "TYPE255", ns_t_any },
	{ "probe", "type", "TYPE256", 256 },
	{ "probe", "type", "AXFR", -1 },
	{ "probe", "type", "IXFR", -1 },
	{ "probe", "type", "OPT", -1 },
	{ "probe", "type", "TYPE0", -1 },
	{ "probe", "type", "tlsa", 52 },
	{ "probe", "type", "HTTPS", 65 },
	{ "probe", "type", "TYPE65", 65 },
	{ "probe", "type", "NSEC3PARAM", 51 },
	{ "probe", "rcode", "0", 0 },
	{ "probe", "rcode", "15", 15 },
	{ "probe", "rcode", "16", -1 },
	{ "probe", "rcode", "NotImp", ns_r_notimpl },
	{ "probe", "rcode", "yxrrset", ns_r_yxrrset },
	{ "probe", "rcode", "BADVERS", -1 },
	{ "probe", "rcode", "BADSIG", -1 },
	{ "probe", "rcode", "DSOTYPENI", 11 },
	{ "probe", "rcode", "4095", -1 },
	{ "probe", "timeout", "199ms", 199 },
	{ "probe", "timeout", "200ms", -1 },	/* not < fast_interval */
	{ "probe", "timeout", "0", -1 },
	{ "probe", "transport", "TCP", 1 },
	{ "probe", "transport", "dot", -1 },
	{ "probe", "authoritative", "YES", 1 },
	{ "probe", "authoritative", "True", 1 },
	{ "probe", "authoritative", "on", 1 },
	{ "probe", "authoritative", "1", 1 },
	{ "probe", "answer", "no", 0 },
	{ "probe", "answer", "FALSE", 0 },
	{ "probe", "answer", "Off", 0 },
	{ "probe", "answer", "0", 0 },
	{ "probe", "answer", "2", -1 },
	{ "probe", "answer", "y", -1 },
	{ "probe", "recursion", "yes", 1 },
	{ "probe", "recursion", "Off", 0 },
	{ "probe", "recursion", "rd", -1 },
	{ "probe", "dnssec", "on", 1 },
	{ "probe", "dnssec", "0", 0 },
	{ "probe", "dnssec", "ad", -1 },
	{ "probe", "server", "127.0.0.1", 0 },
	{ "probe", "server", "::1", 0 },
	{ "probe", "server", "::ffff:127.0.0.1", 0 },
	{ "probe", "server", "localhost", -1 },
	{ "probe", "server", "1.2.3", -1 },
	{ "probe", "server", "01.2.3.4", -1 },
	{ "probe", "server", "fe80::1", -1 },
	{ "probe", "name", "a", 0 },
	{ "probe", "name", ".", 0 },
	{ "probe", "name", "a.", 0 },
	{ "probe", "name", "*.a", -1 },
	{ "probe", "name", "a\\.b", -1 },
	{ "probe", "name", "..", -1 },
};

static void
test_values(void)
{
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const struct vcase *v = &vcases[i];
		char text[1024];
		struct errs es;
		struct conf *c;
		int line;

		/* The key sits on line 4 in every layout. */
		if (!strcmp(v->section, "agent")) {
			snprintf(text, sizeof(text), "[agent]\n%s\n\n%s = %s\n"
			    "\n" PROBE, strcmp(v->key, "interface") ?
			    "interface = anycast0" : "", v->key, v->value);
		} else if (!strcmp(v->section, "bird")) {
			snprintf(text, sizeof(text), AGENT "[bird]\n"
			    "%s = %s\nsocket = /b\n" PROBE, v->key, v->value);
		} else {
			snprintf(text, sizeof(text), AGENT "[probe soa]\n"
			    "%s = %s\n%s%s", v->key, v->value,
			    strcmp(v->key, "server") ? "server = ::1\n" : "",
			    strcmp(v->key, "name") ? "name = example.com\n" : "");
		}
		line = 4;
		c = load_text(text, &es);
		if (v->want >= 0) {
			CHECKF(c != NULL, "%s %s = '%s' refused", v->section,
			    v->key, v->value);
			if (c == NULL)
				dump(&es);
			else
				CHECKF(field(c, v->key) == v->want, "%s = '%s': "
				    "%lld, expected %lld", v->key, v->value,
				    field(c, v->key), v->want);
		} else {
			CHECKF(c == NULL && es.n == 1 && es.e[0].line == line,
			    "%s %s = '%s': %d errors, expected 1 on line %d",
			    v->section, v->key, v->value, es.n, line);
			if (es.n != 1 || es.e[0].line != line)
				dump(&es);
		}
		conf_free(c);
	}
}

/* Errors: all of them, each once, sorted, with the file's name. */
static void
test_errors(void)
{
	static const char text[] =
	    "[agent]\n"			/* 1 */
	    "interface = a/b\n"		/* 2 */
	    "rise = 0\n"		/* 3 */
	    "rise = 1\n"		/* 4 */
	    "[probe x]\n"		/* 5 */
	    "server = nope\n"		/* 6 */
	    "timeout = 5s\n"		/* 7 */
	    "bogus\n"			/* 8 */
	    "[probe x]\n"		/* 9 */
	    "  indented = 1\n"		/* 10: a key (first after header) */
	    "  more\n";			/* 11: continuation of 'indented' */
	struct errs es;
	struct conf *c = load_text(text, &es);
	int want_lines[] = { 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 10 };
	size_t nwant = sizeof(want_lines) / sizeof(want_lines[0]);

	CHECKF(c == NULL, "accepted");
	CHECKF(es.n == (int)nwant, "%d errors, expected %zu", es.n, nwant);
	for (int i = 0; i < es.n && i < (int)nwant; i++)
		CHECKF(es.e[i].line == want_lines[i], "error %d on line %d, "
		    "expected %d: %s", i, es.e[i].line, want_lines[i],
		    es.e[i].msg);
	for (int i = 0; i < es.n; i++) {
		CHECKF(strstr(es.e[i].file, "/t.conf") != NULL, "file '%s'",
		    es.e[i].file);
		for (int j = 0; j < i; j++)
			CHECKF(es.e[i].line != es.e[j].line ||
			    strcmp(es.e[i].msg, es.e[j].msg),
			    "reported twice: %s", es.e[i].msg);
	}
	CHECKF(has_error(&es, 5, "lacks required key 'name'"), "name missing");
	CHECKF(has_error(&es, 7, "timeout: 5s must be shorter"), "timeout");
	CHECKF(has_error(&es, 9, "duplicate [probe x], first at line 5"), "dup");
	CHECKF(has_error(&es, 10, "unknown key 'indented' in [probe x]"),
	    "indented first key");
	if (es.n != (int)nwant)
		dump(&es);
	conf_free(c);

	/* A value that starts with ';' would not read back as printed,
	 * "interface = ;x"; after white space it is a comment already. */
	c = load_text("[agent]\ninterface =;x\n" PROBE, &es);
	CHECKF(c == NULL && es.n == 1 && has_error(&es, 2, "starts with ';'"),
	    "interface =;x: %d errors", es.n);
	conf_free(c);
	c = load_text("[agent]\ninterface = ;x\n" PROBE, &es);
	CHECKF(c == NULL && es.n == 1 && has_error(&es, 2, "empty value"),
	    "interface = ;x: %d errors", es.n);
	conf_free(c);

	/* The file at fault: one error on line 0. */
	memset(&es, 0, sizeof(es));
	c = conf_load("/nonexistent/anycastd.conf", capture, &es);
	CHECKF(c == NULL && es.n == 1 && es.e[0].line == 0 &&
	    !strcmp(es.e[0].msg, "cannot open: No such file or directory") &&
	    !strcmp(es.e[0].file, "/nonexistent/anycastd.conf"),
	    "missing file: %d errors", es.n);

	/* Line numbers stay right after the lines inih never sees. */
	{
		char buf[1024];
		int n;

		/* Built by hand: the NUL byte ends any string function. */
		memset(buf, 0, sizeof(buf));
		n = 0;
		n += sprintf(buf + n, "\xef\xbb\xbf[agent]\r\n");
		n += sprintf(buf + n, "interface = x\r\n");
		memcpy(buf + n, "rise = 2\0z\n", 11);
		n += 11;
		n += sprintf(buf + n, "state_dir = /%0199d\n", 0);
		n += sprintf(buf + n, "fall = 0\n" PROBE);
		memset(&es, 0, sizeof(es));
		c = conf_load(write_file("nul.conf", buf, (size_t)n), capture,
		    &es);
		CHECKF(c == NULL && es.n == 3, "%d errors", es.n);
		CHECKF(has_error(&es, 3, "NUL byte"), "NUL on 3");
		CHECKF(has_error(&es, 4, "too long (212 bytes, at most 198)"),
		    "long on 4");
		CHECKF(has_error(&es, 5, "fall: 0 is out of range"), "fall on 5");
		if (es.n != 3)
			dump(&es);
		conf_free(c);
	}
}

/* ---- Helpers ---- */

static void
test_helpers(void)
{
	char buf[DUR_FMT_MAX], d[DNS_FMT_MAX];
	uint64_t ms;
	int r;
	static const struct { uint64_t ms; const char *s; } durs[] = {
		{ 0, "0s" }, { 1, "1ms" }, { 999, "999ms" }, { 1000, "1s" },
		{ 1500, "1500ms" }, { 59000, "59s" }, { 60000, "1m" },
		{ 90000, "90s" }, { 3600000, "60m" }, { 86400000, "1440m" },
	};
	char line[128];
	FILE *fp;

	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		dur_fmt_ms(durs[i].ms, buf, sizeof(buf));
		CHECKF(!strcmp(buf, durs[i].s), "%llu ms printed '%s'",
		    (unsigned long long)durs[i].ms, buf);
		CHECKF(dur_parse_ms(buf, &ms) == 0 && ms == durs[i].ms,
		    "'%s' does not parse back", buf);
	}
	CHECKF(dur_parse_ms("5", &ms) == 0 && ms == 5000, "bare");
	errno = 0;
	CHECKF(dur_parse_ms("99999999999999999999", &ms) == -1 &&
	    errno == ERANGE, "overflow");
	errno = 0;
	CHECKF(dur_parse_ms("", &ms) == -1 && errno == EINVAL, "empty");

	/* rcodes and types come from probe/dns.c's one table; what it
	 * prints is what the config reads back. */
	for (r = 0; r <= 15; r++) {
		dns_rcode_fmt(r, d, sizeof(d));
		CHECKF(dns_rcode_parse(d) == r, "rcode %d printed '%s'", r, d);
	}
	CHECKF(!strcmp(dns_rcode_str(ns_r_servfail), "SERVFAIL"), "SERVFAIL");
	CHECKF(dns_rcode_str(12) == NULL, "rcode 12 has no name");
	for (uint32_t q = 1; q <= 65535; q++) {
		dns_qtype_fmt((uint16_t)q, d, sizeof(d));
		if (dns_qtype_parse(d) != (int)q) {
			CHECKF(0, "type %u printed '%s'", q, d);
			break;
		}
	}
	CHECKF(!strcmp(dns_qtype_str(ns_t_soa), "SOA"), "SOA");
	CHECKF(!strcmp(dns_qtype_str(65), "HTTPS"), "65 is HTTPS");
	CHECKF(dns_qtype_str(65280) == NULL, "65280 has no name");

	/* The exact forms anycastd -n prints. */
	fp = tmpfile();
	conf_err_print(fp, "f.conf", 3, "boom");
	conf_err_print(fp, "f.conf", 0, "cannot open: x");
	rewind(fp);
	CHECKF(fgets(line, sizeof(line), fp) && !strcmp(line, "f.conf:3: boom\n"),
	    "line form '%s'", line);
	CHECKF(fgets(line, sizeof(line), fp) &&
	    !strcmp(line, "f.conf: cannot open: x\n"), "file form '%s'", line);
	fclose(fp);

	conf_free(NULL);
}

/* ---- Print round trip over generated configs ---- */

static char *
print_to_string(const struct conf *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	conf_print(c, fp);
	fclose(fp);
	return s;
}

static void
test_roundtrip(void)
{
	/* Values a generator can vary independently of each other. */
	static const char *const durs[] = { "10ms", "199ms", "1", "90s", "2m" };
	static const char *const types[] = { "soa", "TYPE99", "any", "A" };
	static const char *const servers[] = { "127.0.0.1", "::1",
	    "2001:DB8::0:1", "::ffff:10.0.0.1" };
	/* Characters inih gives a meaning to elsewhere on a line. */
	static const char *const ifnames[] = { "if", "a;", "#", "=", "[",
	    "x;#" };
	int tried = 0, ok = 0;

	for (int i = 0; i < 200; i++) {
		char text[4096];
		struct errs es;
		struct conf *c, *c2;
		char *p1;
		int n = 0, nprobes = 1 + i % 4;
		char ifname[32];

		snprintf(ifname, sizeof(ifname), "%s%d", ifnames[i % 6], i);
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    "[agent]\ninterface %s %s\nrise = %d\nfall = %d\n"
		    "interval = %s\nhold_down = %s\n%s", i % 4 ? "=" : ":",
		    ifname, 1 + i % 100,
		    1 + (i * 7) % 100, i % 2 ? "2m" : "90s", durs[i % 5],
		    i % 3 ? "control_group = g\n" : "");
		if (i % 2)
			n += snprintf(text + n, sizeof(text) - (size_t)n,
			    "[bird]\nsocket = /b%d\nprefixes = 10.%d.0.0/16 "
			    "2001:db8:%x::/48\n", i, i % 256, i);
		for (int j = 0; j < nprobes; j++)
			n += snprintf(text + n, sizeof(text) - (size_t)n,
			    "[probe p%d]\nserver = %s\nport = %d\n"
			    "name = z%d.example\ntype = %s\nrcode = %d\n"
			    "timeout = %dms\nanswer = %s\n", j,
			    servers[(i + j) % 4], 1 + (i * 131 + j) % 65535, j,
			    types[(i + j) % 4], (i + j) % 16, 1 + (i + j) % 150,
			    (i + j) % 2 ? "no" : "yes");
		tried++;
		if ((c = load_text(text, &es)) == NULL) {
			CHECKF(0, "generated config %d refused", i);
			dump(&es);
			continue;
		}
		p1 = print_to_string(c);
		c2 = load_text(p1, &es);
		CHECKF(c2 != NULL, "print of config %d refused", i);
		if (c2 != NULL) {
			char *p2 = print_to_string(c2);

			CHECKF(!strcmp(p1, p2), "config %d prints differently",
			    i);
			ok += !strcmp(p1, p2);
			free(p2);
		} else
			dump(&es);
		free(p1);
		conf_free(c);
		conf_free(c2);
	}
	CHECKF(ok == tried, "%d of %d round trips", ok, tried);
}

/* The probes array grows as sections come: the limit holds, every probe
 * keeps its own values after the array moved, and the sections' errors
 * still land on the right probe. */
static void
test_limits(void)
{
	size_t cap = 128 + (size_t)(CONF_MAX_PROBES + 1) * 80;
	char *text = malloc(cap), *p1, needle[64];
	struct errs es;
	struct conf *c;
	int n, line;

	if (text == NULL) {
		CHECKF(0, "out of memory");
		return;
	}
	for (int extra = 0; extra <= 1; extra++) {
		n = snprintf(text, cap, "%s", AGENT);
		line = 3;	/* of the next header */
		for (int i = 1; i <= CONF_MAX_PROBES + extra; i++) {
			n += snprintf(text + n, cap - (size_t)n, "[probe p%d]\n"
			    "server = 10.0.%d.%d\nname = z%d.example\n"
			    "port = %d\n", i, i / 256, i % 256, i, i);
			line += 4;
		}
		c = load_text(text, &es);
		if (extra) {
			/* The last header is the one too many. */
			CHECKF(c == NULL && es.n == 1 && es.e[0].line == line - 4 &&
			    strstr(es.e[0].msg, "too many probes") != NULL,
			    "%d probes: %d errors", CONF_MAX_PROBES + 1, es.n);
			conf_free(c);
			continue;
		}
		CHECKF(c != NULL && c->nprobes == CONF_MAX_PROBES, "%d probes "
		    "refused", CONF_MAX_PROBES);
		if (c == NULL) {
			dump(&es);
			continue;
		}
		for (int i = 0; i < c->nprobes; i++) {
			const struct conf_probe *p = &c->probes[i];
			const struct sockaddr_in *sin =
			    (const struct sockaddr_in *)&p->pc.server;
			char want[32];

			snprintf(want, sizeof(want), "p%d", i + 1);
			if (strcmp(p->pc.name, want) != 0 ||
			    p->port != i + 1 || sin->sin_port != htons(i + 1) ||
			    ntohl(sin->sin_addr.s_addr) !=
			    (0x0a000000u | (unsigned)(i + 1)) ||
			    p->line != 3 + 4 * i) {
				CHECKF(0, "probe %d: %s port %u line %d", i,
				    p->pc.name, p->port, p->line);
				break;
			}
		}
		p1 = print_to_string(c);
		conf_free(c);
		c = load_text(p1, &es);
		CHECKF(c != NULL && c->nprobes == CONF_MAX_PROBES,
		    "printed %d probes refused", CONF_MAX_PROBES);
		if (c != NULL) {
			char *p2 = print_to_string(c);

			CHECKF(!strcmp(p1, p2), "%d probes print differently",
			    CONF_MAX_PROBES);
			free(p2);
		}
		free(p1);
		conf_free(c);
	}

	/* CONF_MAX_PREFIXES prefixes, on continuation lines. */
	for (int extra = 0; extra <= 1; extra++) {
		n = snprintf(text, cap, AGENT "[bird]\nsocket = /b\nprefixes =");
		for (int i = 0; i < CONF_MAX_PREFIXES + extra; i++)
			n += snprintf(text + n, cap - (size_t)n, "%s 10.%d.0.0/16",
			    i % 8 == 0 ? "\n " : "", i);
		snprintf(text + n, cap - (size_t)n, "\n" PROBE);
		c = load_text(text, &es);
		snprintf(needle, sizeof(needle), "more than %d prefixes",
		    CONF_MAX_PREFIXES);
		if (extra)
			CHECKF(c == NULL && es.n == 1 &&
			    strstr(es.e[0].msg, needle) != NULL,
			    "%d prefixes: %d errors", CONF_MAX_PREFIXES + 1, es.n);
		else
			CHECKF(c != NULL && c->bird_nprefixes == CONF_MAX_PREFIXES
			    && c->bird_prefix[CONF_MAX_PREFIXES - 1].addr[1] ==
			    CONF_MAX_PREFIXES - 1, "%d prefixes refused",
			    CONF_MAX_PREFIXES);
		conf_free(c);
	}
	free(text);
}

/* anycastd -i NAME: the defaults move under NAME, the file still wins,
 * and a name that is not one path component is refused. */
static void
test_instance(void)
{
	static const char base[] = "[agent]\ninterface = anycast1\n"
	    "[probe p]\nserver = 127.0.0.1\nname = resolver.test.\n";
	static const char set[] = "[agent]\ninterface = anycast1\n"
	    "control_socket = /run/x.sock\nstate_dir = /var/lib/x\n"
	    "server_unit = unbound.service\n"
	    "[probe p]\nserver = 127.0.0.1\nname = resolver.test.\n";
	const char *path = write_file("t.conf", base, strlen(base));
	struct errs es;
	struct conf *c;

	memset(&es, 0, sizeof(es));
	c = conf_load_instance(path, "resolver", capture, &es);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK(strcmp(c->instance, "resolver") == 0);
		CHECK(strcmp(c->control_socket,
		    "/run/anycastd/resolver/anycastd.sock") == 0);
		CHECK(strcmp(c->state_dir, "/var/lib/anycastd/resolver") == 0);
		CHECK(strcmp(c->server_unit, "named.service") == 0);
		CHECK(c->metrics_file == NULL);
	}
	conf_free(c);
	c = conf_load(path, capture, &es);
	CHECK(c != NULL && c->instance == NULL &&
	    strcmp(c->control_socket, "/run/anycastd/anycastd.sock") == 0 &&
	    strcmp(c->state_dir, "/var/lib/anycastd") == 0);
	conf_free(c);
	path = write_file("t.conf", set, strlen(set));
	c = conf_load_instance(path, "resolver", capture, &es);
	CHECK(c != NULL && strcmp(c->control_socket, "/run/x.sock") == 0 &&
	    strcmp(c->state_dir, "/var/lib/x") == 0 &&
	    strcmp(c->server_unit, "unbound.service") == 0);
	conf_free(c);
	for (const char *const *bad = (const char *const []){ "", ".x", "a/b",
	    "a b", "..", "0123456789012345678901234567890123456789012345678901"
	    "2345678901234", NULL }; *bad != NULL; bad++) {
		memset(&es, 0, sizeof(es));
		c = conf_load_instance(path, *bad, capture, &es);
		CHECKF(c == NULL && es.n == 1 && es.e[0].line == 0 &&
		    strstr(es.e[0].msg, "instance name") != NULL,
		    "instance '%s' accepted", *bad);
		conf_free(c);
	}
	c = conf_load_instance(path, "a-b_c.1", capture, &es);
	CHECK(c != NULL);
	conf_free(c);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_inih_contract();
	test_defaults();
	test_full();
	test_values();
	test_errors();
	test_helpers();
	test_roundtrip();
	test_limits();
	test_instance();
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/t.conf", tmpdir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
		unlink(path);
		rmdir(tmpdir);
	}
	printf("test_conf: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
