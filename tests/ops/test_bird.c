/* BIRD reply parsing on replies captured byte for byte from BIRD 2.0.12
 * (bird-replies/README says how), plus the decision helpers. */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "bird.h"
#include "bird_check.h"
#include "bird_reply.h"
#include "loop.h"
#include "metrics.h"
#include "prefix.h"
#include "status.h"
#include "text.h"

static const char *dir;
CHECK_STATE;


static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s.raw", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
test_framing(void)
{
	static const char *names[] = { "greeting", "protocols",
	    "protocols_isolong", "export_up", "export_idle", "export_nosuch",
	    "export_prefix", "export_prefix6", "export_prefix_none",
	    "export_count", "bad", "down_count", "down_export_prefix",
	    "down_export_up", "down_protocols", "fleet4_healthy",
	    "fleet6_healthy", "fleet4_both", "fleet6_both", "fleet4_degraded",
	    "fleet6_degraded", "fleet4_own_degraded", "fleet6_own_degraded",
	    "fleet4_withdrawn", "fleet6_withdrawn", "fleet4_empty",
	    "fleet6_empty", "fleet4_count", "fleet_nosuch" };
	size_t i, len, k;
	char *r;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		r = slurp(names[i], &len);
		/* Each capture is exactly one reply. */
		CHECK(bird_reply_end(r, len) == (ssize_t)len);
		/* Any prefix of it is incomplete, never a wrong "complete". */
		for (k = 0; k < len; k++)
			CHECK(bird_reply_end(r, k) == 0);
		free(r);
	}
	CHECK(bird_reply_end("0000 \n", 6) == 6);
	CHECK(bird_reply_end("0000\n", 5) == 5);
	CHECK(bird_reply_end("1007-a\n 0000 x\n", 15) == 0);
	CHECK(bird_reply_end("1007-a\n0000 \nextra", 19) == 13);
	CHECK(bird_reply_end("hello\n", 6) == -1);
	CHECK(bird_reply_end("12a4 x\n", 7) == -1);
	CHECK(bird_reply_end("1234x\n", 6) == -1);
}

static void
test_greeting_protocols(void)
{
	struct bird_view v;
	char ver[32], err[160];
	size_t len;
	char *r;

	r = slurp("greeting", &len);
	CHECK(bird_parse_greeting(r, len, ver, sizeof(ver)) == 0);
	CHECK(strcmp(ver, "2.0.12") == 0);
	free(r);
	CHECK(bird_parse_greeting("0000 \n", 6, ver, sizeof(ver)) == -1);

	for (int iso = 0; iso < 2; iso++) {
		memset(&v, 0, sizeof(v));
		r = slurp(iso ? "protocols_isolong" : "protocols", &len);
		CHECK(bird_parse_protocols(r, len, &v, err, sizeof(err)) == 0);
		CHECK(v.nprotos == 2);
		CHECK(strcmp(v.protos[0].name, "upstream") == 0);
		CHECK(strcmp(v.protos[0].state, "up") == 0);
		CHECK(strcmp(v.protos[0].info, "Established") == 0);
		CHECK(v.protos[0].established);
		CHECK(strcmp(v.protos[1].name, "upstream2") == 0);
		CHECK(strcmp(v.protos[1].state, "start") == 0);
		CHECK(strcmp(v.protos[1].info, "Idle") == 0);
		CHECK(!v.protos[1].established);
		free(r);
	}
	memset(&v, 0, sizeof(v));
	r = slurp("bad", &len);
	CHECK(bird_parse_protocols(r, len, &v, err, sizeof(err)) == -1);
	CHECK(strstr(err, "9001") != NULL && strstr(err, "syntax error"));
	free(r);
	/* A BGP line with an error text after the state. */
	{
		const char *x = "2002-Name Proto Table State Since Info\n"
		    "1002-bgp1 BGP --- start 12:00:00.000 Active Socket: "
		    "Connection refused\n0000 \n";

		memset(&v, 0, sizeof(v));
		CHECK(bird_parse_protocols(x, strlen(x), &v, err,
		    sizeof(err)) == 0);
		CHECK(v.nprotos == 1);
		CHECK(strcmp(v.protos[0].info,
		    "Active Socket: Connection refused") == 0);
	}
}

static void
test_export(void)
{
	static const struct {
		const char	*name, *prefix;
		int		 want;
	} cases[] = {
		{ "export_prefix", "198.51.100.0/24", 1 },
		{ "export_prefix", "198.51.100.0/25", 0 },
		{ "export_prefix6", "2001:db8:abcd::/48", 1 },
		{ "export_prefix_none", "203.0.113.0/24", 0 },
		{ "export_idle", "198.51.100.0/24", 0 },	/* No valid tables */
		{ "export_up", "198.51.100.0/24", 1 },
		{ "export_up", "2001:db8:abcd::/48", 1 },
		{ "export_up", "192.0.2.0/24", 0 },
		{ "down_export_prefix", "198.51.100.0/24", 0 },
		{ "down_export_prefix6", "2001:db8:abcd::/48", 0 },
		{ "down_export_up", "198.51.100.0/24", 0 },
		{ "export_nosuch", "198.51.100.0/24", -1 },	/* syntax error */
		{ "export_count", "198.51.100.0/24", 0 },	/* no route lines */
	};
	struct prefix pfx;
	char err[160];
	size_t i, len;
	char *r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = slurp(cases[i].name, &len);
		err[0] = '\0';
		CHECK(prefix_parse(cases[i].prefix, &pfx) == 0);
		if (bird_parse_export(r, len, &pfx, err,
		    sizeof(err)) != cases[i].want) {
			fprintf(stderr, "export %s %s: want %d (%s)\n",
			    cases[i].name, cases[i].prefix, cases[i].want, err);
			failures++;
		}
		free(r);
	}
	r = slurp("export_count", &len);
	CHECK(bird_parse_count(r, len, err, sizeof(err)) == 2);
	free(r);
	r = slurp("down_count", &len);
	CHECK(bird_parse_count(r, len, err, sizeof(err)) == 0);
	free(r);
	r = slurp("export_idle", &len);
	CHECK(bird_parse_count(r, len, err, sizeof(err)) == 0);
	free(r);
	r = slurp("bad", &len);
	CHECK(bird_parse_count(r, len, err, sizeof(err)) == -1);
	free(r);
}

/* Prefixes are parsed once, by the config, with the base's parser; these
 * are the forms BIRD prints and the reply parser compares against. */
static void
norm_is(const char *in, const char *want)
{
	struct prefix p;
	char out[PREFIX_STRLEN];

	if (want == NULL) {
		CHECK(prefix_parse(in, &p) == -1);
		return;
	}
	CHECK(prefix_parse(in, &p) == 0);
	prefix_fmt(&p, out, sizeof(out));
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "prefix %s: got %s, want %s\n", in, out, want);
		failures++;
	}
}

static void
test_prefixes(void)
{
	norm_is("198.51.100.1/24", "198.51.100.0/24");
	norm_is("2001:db8:abcd::1/48", "2001:db8:abcd::/48");
	norm_is("2001:DB8:ABCD:0:0::/47", "2001:db8:abcc::/47");
	norm_is("10.1.2.3", "10.1.2.3/32");
	norm_is("10.255.255.255/9", "10.128.0.0/9");
	norm_is("0.0.0.0/0", "0.0.0.0/0");
	norm_is("10.0.0.0/33", NULL);
	norm_is("10.0.0.0/", NULL);
	norm_is("10.0.0/8", NULL);
	norm_is("Table", NULL);
	norm_is("::/129", NULL);
}

/* A reply fed piece by piece is framed as when it comes whole, and the
 * resumable scan never goes back over complete lines. */
static void
test_scan(void)
{
	static const char r[] = "1002-\n1002-bgp1 BGP --- up\n 1002 more\n"
	    "1002-bgp2 BGP --- up\n0000 \n";
	size_t len = sizeof(r) - 1, k, scanned = 0, prev = 0;
	ssize_t end = 0;

	for (k = 1; k <= len; k++) {
		end = bird_reply_scan(r, k, &scanned);
		CHECK(scanned >= prev && scanned <= k);
		prev = scanned;
		if (k < len)
			CHECK(end == 0);
	}
	CHECK(end == (ssize_t)len);
	scanned = 0;
	CHECK(bird_reply_scan("1007-a\n12a4 x\n", 15, &scanned) == -1);
}

static struct bird_view
view2(bool est0, uint64_t exp0, bool est1, uint64_t exp1)
{
	struct bird_view v;

	memset(&v, 0, sizeof(v));
	v.reachable = true;
	v.polled_us = 1;
	v.nprefixes = 2;
	CHECK(prefix_parse("198.51.100.0/24", &v.prefixes[0]) == 0);
	CHECK(prefix_parse("2001:db8:abcd::/48", &v.prefixes[1]) == 0);
	v.nprotos = 2;
	strcpy(v.protos[0].name, "a");
	v.protos[0].established = est0;
	v.protos[0].exported = exp0;
	strcpy(v.protos[1].name, "b");
	v.protos[1].established = est1;
	v.protos[1].exported = exp1;
	return v;
}

static void
test_agrees(void)
{
	struct bird_view v;
	struct bird_mismatch m;
	char why[192];

	v = view2(true, 3, false, 0);
	CHECK(bird_view_agrees(&v, true, why, sizeof(why)));
	CHECK(!bird_view_agrees(&v, false, why, sizeof(why)));
	CHECK(strcmp(why, "BIRD exports 198.51.100.0/24 to a") == 0);
	/* Split across two sessions still covers both prefixes. */
	v = view2(true, 1, true, 2);
	CHECK(bird_view_agrees(&v, true, why, sizeof(why)));
	/* Link up, but the only session that exports is down. */
	v = view2(false, 3, true, 0);
	CHECK(!bird_view_agrees(&v, true, why, sizeof(why)));
	CHECK(strstr(why, "198.51.100.0/24 to no established") != NULL);
	/* IPv6 missing (e.g. flushed and not restored). */
	v = view2(true, 1, false, 0);
	CHECK(!bird_view_agrees(&v, true, why, sizeof(why)));
	CHECK(strstr(why, "2001:db8:abcd::/48") != NULL);
	v = view2(true, 0, true, 0);
	CHECK(bird_view_agrees(&v, false, why, sizeof(why)));
	/* Withdrawn but still exported through a session not Established
	 * any more counts as exported: BIRD says so. */
	v = view2(false, 0, false, 2);
	CHECK(!bird_view_agrees(&v, false, why, sizeof(why)));
	v.reachable = false;
	strcpy(v.error, "connect: No such file or directory");
	CHECK(!bird_view_agrees(&v, false, why, sizeof(why)));
	CHECK(strstr(why, "unreachable") != NULL);
	v.polled_us = 0;
	CHECK(bird_view_agrees(&v, true, why, sizeof(why)));
	/* No prefixes known: routes count. */
	v = view2(true, 0, false, 0);
	v.nprefixes = 0;
	v.protos[0].routes = 2;
	CHECK(bird_view_agrees(&v, true, why, sizeof(why)));
	CHECK(!bird_view_agrees(&v, false, why, sizeof(why)));
	v.nprotos = 0;
	CHECK(!bird_view_agrees(&v, true, why, sizeof(why)));

	/* Mismatch: raised once after grace, cleared once. */
	memset(&m, 0, sizeof(m));
	v = view2(false, 0, false, 0);
	CHECK(bird_mismatch_step(&m, &v, true, 1000, 5000) == BIRD_MISMATCH_NONE);
	CHECK(m.disagree && !m.flagged);
	CHECK(bird_mismatch_step(&m, &v, true, 5999, 5000) == BIRD_MISMATCH_NONE);
	CHECK(bird_mismatch_step(&m, &v, true, 6000, 5000) == BIRD_MISMATCH_RAISED);
	CHECK(m.flagged);
	CHECK(bird_mismatch_step(&m, &v, true, 9000, 5000) == BIRD_MISMATCH_NONE);
	v = view2(true, 3, false, 0);
	CHECK(bird_mismatch_step(&m, &v, true, 9500, 5000) == BIRD_MISMATCH_CLEARED);
	CHECK(!m.flagged && !m.disagree);
	CHECK(bird_mismatch_step(&m, &v, true, 9600, 5000) == BIRD_MISMATCH_NONE);
	/* A change of intent restarts the clock. */
	CHECK(bird_mismatch_step(&m, &v, false, 10000, 5000) == BIRD_MISMATCH_NONE);
	CHECK(m.disagree && m.since_us == 10000);
	CHECK(bird_mismatch_step(&m, &v, true, 12000, 5000) == BIRD_MISMATCH_NONE);
	CHECK(!m.disagree);
}


/* ---- show route table T all */

static const struct bird_route *
route_of(const struct bird_route *r, int n, const char *proto)
{
	for (int i = 0; i < n; i++)
		if (strcmp(r[i].proto, proto) == 0)
			return &r[i];
	return NULL;
}

/* The route from proto is there, primary or not, with exactly the
 * communities listed ("65010,1 65535,0"; "" for none). */
static void
route_is(const char *reply, const struct bird_route *r, int n,
    const char *proto, const char *net, bool primary, const char *comms)
{
	const struct bird_route *x = route_of(r, n, proto);
	char got[256] = "", pfx[PREFIX_STRLEN];
	size_t used = 0;

	CHECKF(x != NULL, "%s: no route from %s", reply, proto);
	if (x == NULL)
		return;
	CHECKF(strcmp(prefix_fmt(&x->net, pfx, sizeof(pfx)), net) == 0,
	    "%s: %s: net %s, want %s", reply, proto, pfx, net);
	CHECKF(x->primary == primary, "%s: %s: primary %d", reply, proto,
	    x->primary);
	for (int i = 0; i < x->ncommunities; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%u,%u",
		    i ? " " : "", x->communities[i].asn, x->communities[i].value);
	CHECKF(strcmp(got, comms) == 0, "%s: %s: communities '%s', want '%s'",
	    reply, proto, got, comms);
	CHECK(!x->communities_truncated);
}

static int
parse_capture(const char *name, struct bird_route *r, int max, int *n,
    bool *trunc, char *err, size_t errlen)
{
	size_t len;
	char *buf = slurp(name, &len);
	int rc;

	*n = 0;
	*trunc = false;
	err[0] = '\0';
	rc = bird_parse_routes(buf, len, r, max, n, trunc, err, errlen);
	free(buf);
	return rc;
}

static void
test_routes_captured(void)
{
	/* What each capture holds: its route count, then one route per row
	 * (absent: no route from proto at all). */
	static const struct {
		const char	*capture;
		int		 n;
		const char	*proto;
		bool		 primary, absent;
		const char	*comms;
	} cases[] = {
		/* b, everyone healthy: its own route (piped, primary). */
		{ "fleet4_healthy", 3, "anycast", true, false, "65010,1" },
		{ "fleet4_healthy", 3, "fleet_a4", false, false, "65010,1" },
		{ "fleet4_healthy", 3, "fleet_c4", false, false, "65010,1" },
		{ "fleet6_healthy", 3, "anycast", true, false, "65010,1" },
		{ "fleet6_healthy", 3, "fleet_a6", false, false, "65010,1" },
		{ "fleet6_healthy", 3, "fleet_c6", false, false, "65010,1" },
		/* a, both links up: both own routes, anycast primary. */
		{ "fleet4_both", 4, "anycast", true, false, "65010,1" },
		{ "fleet4_both", 4, "anycast_gs", false, false, "65010,0" },
		{ "fleet4_both", 4, "fleet_b4", false, false, "65010,1" },
		{ "fleet4_both", 4, "fleet_c4", false, false, "65010,1" },
		{ "fleet6_both", 4, "anycast_gs", false, false, "65010,0" },
		/* b while a is degraded; a itself. */
		{ "fleet4_degraded", 3, "fleet_a4", false, false, "65010,0" },
		{ "fleet4_degraded", 3, "fleet_c4", false, false, "65010,1" },
		{ "fleet6_degraded", 3, "fleet_a6", false, false, "65010,0" },
		{ "fleet4_own_degraded", 3, "anycast_gs", true, false, "65010,0" },
		{ "fleet4_own_degraded", 3, "anycast", false, true, NULL },
		{ "fleet6_own_degraded", 3, "anycast_gs", true, false, "65010,0" },
		/* a withdrawn: b has no route from it. */
		{ "fleet4_withdrawn", 2, "fleet_a4", false, true, NULL },
		{ "fleet6_withdrawn", 2, "fleet_a6", false, true, NULL },
		/* A table with nothing: "Table fleet4:" and the end. */
		{ "fleet4_empty", 0, NULL, false, false, NULL },
		{ "fleet6_empty", 0, NULL, false, false, NULL },
		/* Not a fleet table, but a route list all the same. */
		{ "export_up", 2, "anycast", true, false, "" },
	};
	struct bird_route r[BIRD_MAX_FLEET_ROUTES];
	char err[192];
	bool trunc;
	int n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *c = cases[i].capture;

		CHECKF(parse_capture(c, r, 16, &n, &trunc, err,
		    sizeof(err)) == 0, "%s: %s", c, err);
		CHECKF(n == cases[i].n && !trunc, "%s: %d routes", c, n);
		if (cases[i].proto == NULL)
			continue;
		if (cases[i].absent)
			CHECKF(route_of(r, n, cases[i].proto) == NULL,
			    "%s: a route from %s", c, cases[i].proto);
		else
			route_is(c, r, n, cases[i].proto,
			    c[5] == '6' ? "2001:db8:abcd::/48" :
			    "198.51.100.0/24", cases[i].primary,
			    cases[i].comms);
	}
	/* BIRD lists the primary route first. */
	CHECK(parse_capture("fleet4_healthy", r, 16, &n, &trunc, err,
	    sizeof(err)) == 0 && strcmp(r[0].proto, "anycast") == 0);

	/* A table BIRD does not know is a syntax error; a count reply is not
	 * a route list. */
	CHECK(parse_capture("fleet_nosuch", r, 16, &n, &trunc, err,
	    sizeof(err)) == -1);
	CHECKF(strstr(err, "9001") != NULL && strstr(err, "syntax error") != NULL,
	    "%s", err);
	CHECK(n == 0);
	CHECK(parse_capture("fleet4_count", r, 16, &n, &trunc, err,
	    sizeof(err)) == -1);
	CHECK(parse_capture("bad", r, 16, &n, &trunc, err, sizeof(err)) == -1);

	/* Full: the first max are kept, the rest flagged. */
	CHECK(parse_capture("fleet4_both", r, 2, &n, &trunc, err,
	    sizeof(err)) == 0);
	CHECK(n == 2 && trunc);
	CHECK(strcmp(r[0].proto, "anycast") == 0 && r[1].proto[0] != '\0');
}

/* Tables read one after the other append; a failed one leaves the list as
 * it was; any cut of a reply is incomplete, never a shorter list. */
static void
test_routes_append(void)
{
	struct bird_route r[8];
	char err[192], *a, *b;
	size_t alen, blen, k;
	bool trunc = false;
	int n = 0;

	a = slurp("fleet4_degraded", &alen);
	b = slurp("fleet6_degraded", &blen);
	CHECK(bird_parse_routes(a, alen, r, 8, &n, &trunc, err,
	    sizeof(err)) == 0);
	CHECK(bird_parse_routes(b, blen, r, 8, &n, &trunc, err,
	    sizeof(err)) == 0);
	CHECK(n == 6 && !trunc);
	CHECK(r[0].net.family != r[3].net.family);
	CHECK(bird_parse_routes(b, blen, r, 8, &n, &trunc, err,
	    sizeof(err)) == 0);
	CHECK(n == 8 && trunc);
	n = 3;
	trunc = false;
	for (k = 0; k < blen; k++) {
		CHECK(bird_parse_routes(b, k, r, 8, &n, &trunc, err,
		    sizeof(err)) == -1);
		CHECK(n == 3 && !trunc);
	}
	free(a);
	free(b);
}

static int
parse_str(const char *s, struct bird_route *r, int *n)
{
	char err[192];
	bool trunc = false;

	*n = 0;
	return bird_parse_routes(s, strlen(s), r, 8, n, &trunc, err,
	    sizeof(err));
}

static void
test_routes_synthetic(void)
{
	struct bird_route r[8];
	int n;

#define HEAD	"1007-Table fleet4:\n 198.51.100.0/24      unicast " \
		"[fleet_a4 12:00:00.000 from 192.0.2.1] * (100) [i]\n" \
		" \tvia 192.0.2.1 on fleet\n1008-\tType: BGP univ\n"
	/* A long community list goes on over lines with two tabs
	 * (ea_show_int_set in BIRD 2.0.12's nest/rt-attr.c); large and
	 * extended communities are not read. */
	CHECK(parse_str(HEAD "1012-\tBGP.origin: IGP\n"
	    " \tBGP.community: (65010,0) (65535,0)\n"
	    " \t\t(1,2) (65535,65535)\n"
	    " \tBGP.large_community: (65010, 1, 2)\n"
	    " \t\t(65010, 3, 4)\n0000 \n", r, &n) == 0);
	CHECK(n == 1 && strcmp(r[0].proto, "fleet_a4") == 0 && r[0].primary);
	CHECK(r[0].ncommunities == 4 && r[0].communities[2].asn == 1 &&
	    r[0].communities[2].value == 2 &&
	    r[0].communities[3].value == 65535);
	/* More communities than kept. */
	CHECK(parse_str(HEAD "1012-\tBGP.community: (1,1) (1,2) (1,3) (1,4) "
	    "(1,5) (1,6) (1,7) (1,8) (1,9) (1,10) (1,11) (1,12) (1,13) (1,14) "
	    "(1,15) (1,16) (1,17)\n0000 \n", r, &n) == 0);
	CHECK(n == 1 && r[0].ncommunities == BIRD_MAX_COMMUNITIES &&
	    r[0].communities_truncated);
	/* Two nets; a route type other than unicast. */
	CHECK(parse_str("1007-Table fleet4:\n 198.51.100.0/24 unreachable "
	    "[fleet_a4 12:00:00.000] (100) [i]\n"
	    " 203.0.113.0/24 unicast [fleet_b4 12:00:00.000] * (100) [i]\n"
	    "1007-                 unicast [fleet_c4 12:00:00.000] (100)\n"
	    "0000 \n", r, &n) == 0);
	CHECK(n == 3 && !r[0].primary && r[1].primary && !r[2].primary);
	CHECK(prefix_equal(&r[1].net, &r[2].net) &&
	    !prefix_equal(&r[0].net, &r[1].net));

	/* Malformed: each fails, and leaves the list empty. */
	static const char *const bad[] = {
		HEAD "1012-\tBGP.community: (65010,x)\n0000 \n",
		HEAD "1012-\tBGP.community: (65536,1)\n0000 \n",
		HEAD "1012-\tBGP.community: (65010,1\n0000 \n",
		HEAD "1012-\tBGP.community: 65010:1\n0000 \n",
		HEAD "1012-\tBGP.community: (65010,1)(\n0000 \n",
		"1007-Table fleet4:\n1012-\tBGP.community: (1,1)\n0000 \n",
		"1007-Table fleet4:\n 1007-   unicast [x 1] (1)\n0000 \n",
		"1007-Table fleet4:\n           unicast [x 1] (1)\n0000 \n",
		"1007-Table fleet4:\n 198.51.100.0/33 unicast [x 1] (1)\n0000 \n",
		"1007-Table fleet4:\n 198.51.100.0/24 unicast (1)\n0000 \n",
		"1007-Table fleet4:\n 198.51.100.0/24 unicast [] (1)\n0000 \n",
		"1007-Table fleet4:\n 198.51.100.0/24 unicast [x 1 (1)\n0000 \n",
		"1007-Table fleet4:\n 198.51.100.0/24 unicast [x 1] (1)\n",
		"1007-Table fleet4:\n 198.51.100.0/24 unicast [x 1] (1)\n1007 \n",
		"1007-Table fleet4:\nnot a reply\n0000 \n",
		"8001 Network not found\n",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_str(bad[i], r, &n);

		CHECKF(rc == -1 && n == 0, "malformed reply %zu parsed", i);
	}
#undef HEAD
}


/* ---- the client's fleet polls, against a fake BIRD that answers with the
 * captures */

/* NULL: the captures; else the prefix of hostile replies (hostile_*.raw)
 * for the greeting and "show protocols". */
static const char *fake_variant;

static const char *
fake_reply(const char *cmd)
{
	static char name[64];
	size_t n = strlen(cmd);

	if (fake_variant != NULL && strcmp(cmd, "show protocols") == 0) {
		snprintf(name, sizeof(name), "%s_protocols", fake_variant);
		return name;
	}
	if (strcmp(cmd, "show protocols") == 0)
		return "protocols";
	if (strncmp(cmd, "show route export ", 18) == 0 && n > 6 &&
	    strcmp(cmd + n - 6, " count") == 0)
		return "export_count";
	if (strcmp(cmd, "show route table fleet4 all") == 0)
		return "fleet4_degraded";
	if (strcmp(cmd, "show route table fleet6 all") == 0)
		return "fleet6_degraded";
	if (strcmp(cmd, "show route table nosuch all") == 0)
		return "fleet_nosuch";
	return "bad";
}

/* A child process serving one connection after another: the greeting,
 * then a capture per command.  Every command it was sent goes to log. */
static pid_t
fake_bird(const char *path, const char *log)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[512], *buf;
	size_t len, used;
	FILE *lf;
	pid_t pid;
	int s, c;
	ssize_t r;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s == -1 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 4) == -1) {
		perror(path);
		exit(1);
	}
	if ((pid = fork()) != 0) {
		close(s);
		return pid;
	}
	if ((lf = fopen(log, "w")) == NULL)
		_exit(1);
	setvbuf(lf, NULL, _IOLBF, 0);
	while ((c = accept(s, NULL, NULL)) != -1) {
		buf = slurp(fake_variant != NULL &&
		    strcmp(fake_variant, "hostile") == 0 ? "hostile_greeting" :
		    "greeting", &len);
		(void)!write(c, buf, len);
		free(buf);
		used = 0;
		while ((r = read(c, line + used, sizeof(line) - used - 1)) > 0) {
			char *nl;

			used += (size_t)r;
			line[used] = '\0';
			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				fprintf(lf, "%s\n", line);
				buf = slurp(fake_reply(line), &len);
				(void)!write(c, buf, len);
				free(buf);
				used -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, used + 1);
			}
		}
		close(c);
	}
	_exit(0);
}

struct poll_result {
	struct bird_view	view;
	int			polls;
};

static void
on_view(void *arg, const struct bird_view *v)
{
	struct poll_result *pr = arg;

	pr->view = *v;
	pr->polls++;
}

static void
on_poll_turn(struct loop *l, void *arg)
{
	struct poll_result *pr = arg;

	if (pr->polls > 0)
		loop_stop(l);
}

static void
on_guard(struct loop *l, void *arg)
{
	(void)arg;
	fprintf(stderr, "fake BIRD: no poll completed in 5 s\n");
	failures++;
	loop_stop(l);
}

/* One poll of a client set to tables (n of them, or none). */
static void
poll_once(const char *path, const char *const *tables, int n,
    struct poll_result *pr)
{
	struct loop *l = loop_new();
	struct loop_timer *guard;
	struct bird *b;

	assert(l != NULL);
	memset(pr, 0, sizeof(*pr));
	b = bird_new(l, path, 60000000, 2000000, on_view, pr);
	assert(b != NULL);
	CHECK(bird_set_fleet_tables(b, tables, n) == 0);
	guard = loop_timer_new(l, on_guard, NULL);
	loop_timer_arm(guard, 5000000);
	loop_set_before_sleep(l, on_poll_turn, pr);
	CHECK(loop_run(l) == 0);
	loop_timer_free(guard);
	bird_free(b);
	loop_free(l);
}

static void
test_client_fleet(void)
{
	static const char *const both[] = { "fleet4", "fleet6" };
	static const char *const missing[] = { "fleet4", "nosuch" };
	static struct poll_result pr;
	char path[] = "/tmp/test_bird.XXXXXX", sock[64], log[64], cmds[4096];
	const struct bird_view *v = &pr.view;
	const struct bird_route *r;
	struct bird *b;
	size_t clen;
	FILE *f;
	pid_t pid;
	int st;

	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(sock, sizeof(sock), "%s/bird.ctl", path);
	snprintf(log, sizeof(log), "%s/commands", path);
	pid = fake_bird(sock, log);

	/* Off: today's poll, and no route is asked for. */
	poll_once(sock, NULL, 0, &pr);
	CHECK(v->reachable && v->nprotos == 2);
	CHECK(v->nfleet_tables == 0 && !v->fleet_ok && v->nfleet == 0);

	/* Both tables: every route, tagged with its table. */
	poll_once(sock, both, 2, &pr);
	CHECK(v->reachable && v->nprotos == 2 && v->protos[0].established);
	CHECKF(v->fleet_ok, "%s", v->fleet_error);
	CHECK(v->nfleet_tables == 2 && strcmp(v->fleet_tables[1], "fleet6") == 0);
	CHECK(v->nfleet == 6 && !v->fleet_truncated);
	r = route_of(v->fleet, v->nfleet, "fleet_a4");
	CHECK(r != NULL && r->table == 0 && r->ncommunities == 1 &&
	    r->communities[0].asn == 65010 && r->communities[0].value == 0);
	r = route_of(v->fleet, v->nfleet, "fleet_c6");
	CHECK(r != NULL && r->table == 1 && r->net.family == AF_INET6);

	/* A table BIRD does not have: the fleet fails, the rest stands. */
	poll_once(sock, missing, 2, &pr);
	CHECK(v->reachable && v->nprotos == 2);
	CHECK(!v->fleet_ok && v->nfleet == 0);
	CHECKF(strstr(v->fleet_error, "table nosuch") != NULL &&
	    strstr(v->fleet_error, "9001") != NULL, "%s", v->fleet_error);

	/* BIRD not there: unreachable, and the fleet with it. */
	poll_once("/nonexistent/bird.ctl", both, 2, &pr);
	CHECK(!v->reachable && !v->fleet_ok && v->nfleet == 0);
	CHECK(v->fleet_error[0] != '\0');

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	f = fopen(log, "r");
	assert(f != NULL);
	clen = fread(cmds, 1, sizeof(cmds) - 1, f);
	cmds[clen] = '\0';
	fclose(f);
	CHECKF(strcmp(cmds,
	    "show protocols\n"
	    "show route export upstream count\n"
	    "show route export upstream2 count\n"
	    "show protocols\n"
	    "show route export upstream count\n"
	    "show route export upstream2 count\n"
	    "show route table fleet4 all\n"
	    "show route table fleet6 all\n"
	    "show protocols\n"
	    "show route export upstream count\n"
	    "show route export upstream2 count\n"
	    "show route table fleet4 all\n"
	    "show route table nosuch all\n") == 0, "commands:\n%s", cmds);
	unlink(log);
	unlink(sock);
	rmdir(path);

	/* Names that are not one token, too many, too long. */
	{
		static const char *const sp[] = { "fleet 4" };
		static const char *const empty[] = { "" };
		static const char *const five[] = { "a", "b", "c", "d", "e" };
		char lng[BIRD_TABLE_NAME_MAX + 1];
		const char *lp[] = { lng };
		struct loop *l = loop_new();

		memset(lng, 'x', sizeof(lng) - 1);
		lng[sizeof(lng) - 1] = '\0';
		b = bird_new(l, "/nonexistent", 1000000, 1000000, NULL, NULL);
		assert(b != NULL);
		errno = 0;
		CHECK(bird_set_fleet_tables(b, sp, 1) == -1 && errno == EINVAL);
		CHECK(bird_set_fleet_tables(b, empty, 1) == -1 && errno == EINVAL);
		CHECK(bird_set_fleet_tables(b, lp, 1) == -1 && errno == EINVAL);
		CHECK(bird_set_fleet_tables(b, five, 5) == -1 && errno == E2BIG);
		CHECK(bird_set_fleet_tables(b, five, 4) == 0);
		CHECK(bird_set_fleet_tables(b, NULL, 0) == 0);
		bird_free(b);
		loop_free(l);
	}
}

/* ---- issue 11, defect 7: what BIRD says reaches no terminal and no
 * metrics file raw.  A fake BIRD puts ESC, OSC, DCS, C1 controls (as UTF-8
 * and bare), a surrogate, a cut sequence and invalid UTF-8 in its version
 * and in the protocols' state and info.  The view keeps BIRD's bytes (it
 * reports); status text, JSON, metrics and the drain --wait explanation
 * show none of them.  A protocol name with a control character is never
 * sent back to BIRD in a command: the poll fails, saying why. */

/* No ESC, no C0 but newline, no DEL, no C1 (bare or UTF-8), valid UTF-8. */
static bool
output_clean(const char *t)
{
	const char *s = t;
	size_t n;

	while (*s != '\0') {
		if (*s == '\n') {
			s++;
			continue;
		}
		if ((n = text_char_len(s)) == 0)
			return false;
		s += n;
	}
	return strchr(t, '\x1b') == NULL && strstr(t, "\xc2\x9b") == NULL &&
	    strchr(t, 0x9b) == NULL && strchr(t, '\x07') == NULL;
}

static char *
render_all(const struct bird_view *v, const char *sock)
{
	struct status s;
	struct status_clock c = { 100000000, 1763765990000000 };
	char why[256], *buf = NULL;
	size_t len;
	FILE *f;

	status_init(&s, "test", 1, 0);
	s.state = STATUS_ANNOUNCED;
	s.bird_socket = sock;
	s.bird = v;
	(void)bird_mismatch_step(&s.bird_mismatch, v, true, 1000000, 0);
	(void)bird_mismatch_step(&s.bird_mismatch, v, true, 2000000, 0);
	f = open_memstream(&buf, &len);
	assert(f != NULL);
	CHECK(status_render_text(&s, &c, f) == 0);
	CHECK(status_render_json(&s, &c, f) == 0);
	CHECK(metrics_render(&s, &c, f) == 0);
	(void)status_withdrawn(&s, why, sizeof(why));
	fprintf(f, "%s\n", why);
	fclose(f);
	status_free(&s);
	return buf;
}

static void
test_client_hostile(void)
{
	static struct poll_result pr;
	char path[] = "/tmp/test_bird.XXXXXX", sock[64], log[64], cmds[4096];
	const struct bird_view *v = &pr.view;
	size_t clen;
	char *out;
	FILE *f;
	pid_t pid;
	int st;

	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(sock, sizeof(sock), "%s/bird.ctl", path);
	snprintf(log, sizeof(log), "%s/commands", path);

	fake_variant = "hostile";
	pid = fake_bird(sock, log);
	poll_once(sock, NULL, 0, &pr);
	CHECKF(v->reachable && v->nprotos == 2, "%s", v->error);
	/* The positive control: the view does hold BIRD's raw bytes. */
	CHECK(strchr(v->version, '\x1b') != NULL);
	CHECK(strchr(v->protos[0].state, '\x1b') != NULL);
	CHECK(strstr(v->protos[0].info, "\x1b]0;owned\x07") != NULL);
	CHECK(strstr(v->protos[1].info, "\x1bP+q") != NULL);
	out = render_all(v, sock);
	printf("---- hostile BIRD, as shown ----\n%s", out);
	CHECK(output_clean(out));
	CHECK(strstr(out, "Established?]0;owned? ??31m ?1m ??? ?") != NULL);
	CHECK(strstr(out, "up?[5m") != NULL);
	/* Printable UTF-8 passes: U+202E, the BOM and the accent stay. */
	CHECK(strstr(out, "\xe2\x80\xae\xef\xbb\xbf caf\xc3\xa9") != NULL);
	free(out);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);

	fake_variant = "hostile_name";
	pid = fake_bird(sock, log);
	poll_once(sock, NULL, 0, &pr);
	CHECK(!v->reachable);
	CHECKF(strstr(v->error, "control character") != NULL, "%s", v->error);
	out = render_all(v, sock);
	CHECK(output_clean(out));
	free(out);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	f = fopen(log, "r");
	assert(f != NULL);
	clen = fread(cmds, 1, sizeof(cmds) - 1, f);
	cmds[clen] = '\0';
	fclose(f);
	/* The name went into no command. */
	CHECKF(strcmp(cmds, "show protocols\n") == 0, "commands:\n%s", cmds);
	fake_variant = NULL;
	unlink(log);
	unlink(sock);
	rmdir(path);
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_bird REPLY-DIR\n");
		return 2;
	}
	dir = argv[1];
	test_framing();
	test_greeting_protocols();
	test_export();
	test_prefixes();
	test_scan();
	test_agrees();
	test_routes_captured();
	test_routes_append();
	test_routes_synthetic();
	test_client_fleet();
	test_client_hostile();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_bird: all checks passed\n");
	return 0;
}
