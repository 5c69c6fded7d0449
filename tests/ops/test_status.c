/* Status rendering: a populated snapshot rendered as text and JSON (the JSON
 * checked by a strict RFC 8259 syntax checker and for its documented keys),
 * the "drain --wait" condition, and, with "metrics FILE", the metrics file
 * that tests/ops/metrics.sh hands to promtool.  "json-check" validates
 * stdin, for the lab tests. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "status.h"
#include "prefix.h"

CHECK_STATE;


/* ---- a strict JSON syntax checker (RFC 8259), for the test only ---- */

static const char *jp;

static int json_value(int depth);

static void
ws(void)
{
	while (*jp == ' ' || *jp == '\t' || *jp == '\n' || *jp == '\r')
		jp++;
}

static int
json_string(void)
{
	if (*jp++ != '"')
		return -1;
	while (*jp != '"') {
		if ((unsigned char)*jp < 0x20)
			return -1;
		if (*jp == '\\') {
			jp++;
			if (*jp == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)jp[i]))
						return -1;
				jp += 5;
				continue;
			}
			if (strchr("\"\\/bfnrt", *jp) == NULL || *jp == '\0')
				return -1;
		}
		jp++;
	}
	jp++;
	return 0;
}

static int
json_number(void)
{
	const char *s = jp;

	if (*jp == '-')
		jp++;
	if (*jp == '0')
		jp++;
	else if (isdigit((unsigned char)*jp))
		while (isdigit((unsigned char)*jp))
			jp++;
	else
		return -1;
	if (*jp == '.') {
		jp++;
		if (!isdigit((unsigned char)*jp))
			return -1;
		while (isdigit((unsigned char)*jp))
			jp++;
	}
	return jp > s ? 0 : -1;
}

static int
json_value(int depth)
{
	if (depth > 32)
		return -1;
	ws();
	if (*jp == '{') {
		jp++;
		ws();
		if (*jp == '}') {
			jp++;
			return 0;
		}
		for (;;) {
			ws();
			if (json_string() == -1)
				return -1;
			ws();
			if (*jp++ != ':' || json_value(depth + 1) == -1)
				return -1;
			ws();
			if (*jp == '}') {
				jp++;
				return 0;
			}
			if (*jp++ != ',')
				return -1;
		}
	}
	if (*jp == '[') {
		jp++;
		ws();
		if (*jp == ']') {
			jp++;
			return 0;
		}
		for (;;) {
			if (json_value(depth + 1) == -1)
				return -1;
			ws();
			if (*jp == ']') {
				jp++;
				return 0;
			}
			if (*jp++ != ',')
				return -1;
		}
	}
	if (*jp == '"')
		return json_string();
	if (strncmp(jp, "true", 4) == 0 || strncmp(jp, "null", 4) == 0) {
		jp += 4;
		return 0;
	}
	if (strncmp(jp, "false", 5) == 0) {
		jp += 5;
		return 0;
	}
	return json_number();
}

static int
json_valid(const char *s)
{
	jp = s;
	if (json_value(0) == -1)
		return 0;
	ws();
	return *jp == '\0';
}

/* ---- fixtures ---- */

static struct bird_view view;

static void
populate(struct status *s, struct status_clock *c)
{
	c->mono_us = 10000000000ull;		/* 10000 s after boot */
	c->wall_us = 1763766000000000ll;	/* 2025-11-21 23:00:00 UTC */
	status_init(s, "0.1.0", 4242, c->mono_us - 3723000000ull);
	snprintf(s->ifname, sizeof(s->ifname), "anycast0");
	s->ifindex = 5;
	s->link = NL_UP;
	s->ifflags = 0x1 | 0x2 | 0x80 | 0x40;	/* UP BROADCAST NOARP RUNNING */
	snprintf(s->addrs, sizeof(s->addrs), "198.51.100.1/24 2001:db8:abcd::1/48");
	s->rise = 2;
	s->fall = 3;
	s->good = 7;
	s->interval_us = 1000000;
	s->fast_interval_us = 200000;
	s->hold_down_us = 10000000;
	status_set_nprobes(s, 2);
	status_set_probe(s, 0, "soa", "127.0.0.1 port 53 udp SOA example.test.");
	status_set_probe(s, 1, "tcp \"q\"", "::1 port 53 tcp A www.example.test.");
	status_probe_record(s, 0, PROBE_OK, 310, "", c->mono_us - 400000);
	status_probe_record(s, 0, PROBE_TIMEOUT, 500000, "timeout after 500ms",
	    c->mono_us - 300000);
	status_probe_record(s, 0, PROBE_OK, 280, "", c->mono_us - 200000);
	status_probe_record(s, 1, PROBE_RCODE, 1200, "rcode SERVFAIL",
	    c->mono_us - 200000);
	status_cycle_done(s, true, c->mono_us - 201200, c->mono_us - 200000);
	status_transition(s, STATUS_WITHDRAWN, STATUS_REASON_FALL,
	    "3 bad cycles: probe soa: timeout after 500ms", c->mono_us - 90000000);
	status_transition(s, STATUS_ANNOUNCED, STATUS_REASON_RISE,
	    "2 good cycles", c->mono_us - 61500000);

	memset(&view, 0, sizeof(view));
	view.reachable = true;
	view.polled_us = c->mono_us - 500000;
	view.done_us = view.polled_us + 800;
	snprintf(view.version, sizeof(view.version), "2.0.12");
	view.nprefixes = 2;
	(void)prefix_parse("198.51.100.0/24", &view.prefixes[0]);
	(void)prefix_parse("2001:db8:abcd::/48", &view.prefixes[1]);
	view.nprotos = 2;
	snprintf(view.protos[0].name, 64, "upstream");
	snprintf(view.protos[0].state, 16, "up");
	snprintf(view.protos[0].info, 96, "Established");
	view.protos[0].established = true;
	view.protos[0].exported = 3;
	snprintf(view.protos[1].name, 64, "upstream2");
	snprintf(view.protos[1].state, 16, "start");
	snprintf(view.protos[1].info, 96, "Idle");
	s->bird_socket = "/run/bird/bird.ctl";
	s->bird = &view;
}

static char *
render(int (*fn)(const struct status *, const struct status_clock *, FILE *),
    const struct status *s, const struct status_clock *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL || fn(s, c, f) != 0 || fclose(f) != 0)
		exit(1);
	return buf;
}

static void
test_render(void)
{
	struct status s;
	struct status_clock c;
	char *t, *j, why[256];

	populate(&s, &c);
	t = render(status_render_text, &s, &c);
	printf("---- text, announced ----\n%s", t);
	CHECK(strstr(t, "anycastd 0.1.0, pid 4242, up 1h02m\n") != NULL);
	CHECK(strstr(t, "State:       announced for 1m01s (since ") != NULL);
	CHECK(strstr(t, "Reason:      2 good cycles\n") != NULL);
	CHECK(strstr(t, "anycast0 (index 5) up <UP,BROADCAST,NOARP,LOWER_UP> "
	    "198.51.100.1/24 2001:db8:abcd::1/48\n") != NULL);
	CHECK(strstr(t, "good 7/2 (rise), bad 0/3 (fall)\n") != NULL);
	CHECK(strstr(t, "Cycles:      1, every 1.000s, last 200.0ms ago (good, "
	    "took 1.2ms)") != NULL);
	CHECK(strstr(t, "Drain:       no\n") != NULL);
	CHECK(strstr(t, "Transitions: fall 1, rise 1, drain 0, undrain 0, guard 0\n"));
	CHECK(strstr(t, "soa          ok                 280us") != NULL);
	CHECK(strstr(t, "rcode              1.2ms     rcode SERVFAIL") != NULL);
	CHECK(strstr(t, "/run/bird/bird.ctl 2.0.12, polled 500.0ms ago") != NULL);
	CHECK(strstr(t, "Mismatch:    no, BIRD agrees") != NULL);
	CHECK(strstr(t, "upstream     up     Established    198.51.100.0/24 "
	    "2001:db8:abcd::/48\n") != NULL);
	CHECK(strstr(t, "upstream2    start  Idle           -\n") != NULL);
	free(t);

	j = render(status_render_json, &s, &c);
	printf("---- json, announced ----\n%s", j);
	CHECK(json_valid(j));
	CHECK(strstr(j, "{\"version\":1,\"anycastd\":\"0.1.0\",\"pid\":4242,") == j);
	CHECK(strstr(j, "\"state\":\"announced\"") != NULL);
	CHECK(strstr(j, "\"for_seconds\":61.500000") != NULL);
	CHECK(strstr(j, "\"flags\":[\"UP\",\"BROADCAST\",\"NOARP\",\"LOWER_UP\"]"));
	CHECK(strstr(j, "\"addresses\":[\"198.51.100.1/24\",\"2001:db8:abcd::1/48\"]"));
	CHECK(strstr(j, "\"name\":\"tcp \\\"q\\\"\"") != NULL);
	CHECK(strstr(j, "\"results\":{\"ok\":2,\"timeout\":1,") != NULL);
	CHECK(strstr(j, "\"transitions\":{\"fall\":1,\"rise\":1,\"drain\":0,"
	    "\"undrain\":0,\"guard\":0}") != NULL);
	CHECK(strstr(j, "\"exported\":[\"198.51.100.0/24\",\"2001:db8:abcd::/48\"]"));
	CHECK(strstr(j, "\"agrees\":true") != NULL);
	CHECK(strstr(j, "\"withdrawn\":{\"complete\":false,") != NULL);
	free(j);
	CHECK(!status_withdrawn(&s, why, sizeof(why)));
	CHECK(strcmp(why, "anycast0 is still up") == 0);

	/* Drained, link down, but BIRD's last poll predates the drain. */
	s.drain.drained = true;
	s.drain.uid = 1000;
	s.drain.pid = 777;
	s.drain.since = 1763765990;
	snprintf(s.drain.reason, sizeof(s.drain.reason),
	    "kernel \"upgrade\"\\ \xc3\xa9t\xe9 \x01");	/* é then bad UTF-8 */
	s.link = NL_DOWN;
	s.ifflags &= ~1u;
	status_transition(&s, STATUS_DRAINED, STATUS_REASON_DRAIN,
	    "drained by uid 1000 pid 777", c.mono_us - 10000000);
	view.polled_us = c.mono_us - 11000000;
	CHECK(!status_withdrawn(&s, why, sizeof(why)));
	CHECK(strstr(why, "waiting for a BIRD poll") != NULL);
	/* A fresh poll still sees the export (BIRD not caught up). */
	view.polled_us = c.mono_us - 100000;
	CHECK(!status_withdrawn(&s, why, sizeof(why)));
	CHECK(strcmp(why, "BIRD exports 198.51.100.0/24 to upstream") == 0);
	t = render(status_render_text, &s, &c);
	printf("---- text, drained, BIRD lagging ----\n%s", t);
	CHECK(strstr(t, "State:       drained for 10.0s") != NULL);
	CHECK(strstr(t, "Drain:       yes, since ") != NULL);
	/* text.h's sanitiser: the é stays, the lone Latin-1 0xe9 (not UTF-8,
	 * which the old put_text() let through to the terminal) and the
	 * control character become '?'. */
	CHECK(strstr(t, "by uid 1000 pid 777: kernel \"upgrade\"\\ \xc3\xa9t"
	    "? ?\n") != NULL);
	CHECK(strstr(t, "Mismatch:    not yet (grace): BIRD exports "
	    "198.51.100.0/24 to upstream") != NULL);
	free(t);
	/* BIRD caught up. */
	view.protos[0].exported = 0;
	CHECK(status_withdrawn(&s, why, sizeof(why)));
	j = render(status_render_json, &s, &c);
	printf("---- json, drained ----\n%s", j);
	CHECK(json_valid(j));
	CHECK(strstr(j, "\"reason\":\"kernel \\\"upgrade\\\"\\\\ \xc3\xa9t"
	    "\\ufffd \\u0001\"") != NULL);
	CHECK(strstr(j, "\"drained\":true,") != NULL);
	CHECK(strstr(j, "\"uid\":1000,\"pid\":777,\"since\":1763765990") != NULL);
	CHECK(strstr(j, "\"withdrawn\":{\"complete\":true,") != NULL);
	free(j);

	/* BIRD unreachable, mismatch flagged. */
	view.reachable = false;
	snprintf(view.error, sizeof(view.error), "connect: Connection refused");
	CHECK(!status_withdrawn(&s, why, sizeof(why)));
	CHECK(strstr(why, "BIRD unreachable: connect: Connection refused"));
	s.bird_mismatch.flagged = true;
	s.bird_mismatch.since_us = c.mono_us - 7000000;
	snprintf(s.bird_mismatch.why, sizeof(s.bird_mismatch.why),
	    "BIRD unreachable: connect: Connection refused");
	t = render(status_render_text, &s, &c);
	printf("---- text, BIRD unreachable ----\n%s", t);
	CHECK(strstr(t, "unreachable (100.0ms ago): connect: Connection "
	    "refused\n") != NULL);
	CHECK(strstr(t, "Mismatch:    YES for 7.000s: BIRD unreachable") != NULL);
	CHECK(strstr(t, "Protocol") == NULL);
	free(t);
	j = render(status_render_json, &s, &c);
	CHECK(json_valid(j));
	CHECK(strstr(j, "\"reachable\":false,\"error\":\"connect: Connection "
	    "refused\"") != NULL);
	CHECK(strstr(j, "\"mismatch\":true,\"mismatch_seconds\":7.000000"));
	free(j);

	/* Not configured; link absent; nothing run yet. */
	status_free(&s);
	populate(&s, &c);
	s.bird_socket = NULL;
	s.link = NL_ABSENT;
	s.cycles = 0;
	s.probes[1].ran = false;
	s.state = STATUS_DRAINED;
	CHECK(status_withdrawn(&s, why, sizeof(why)));
	CHECK(strstr(why, "BIRD not configured") != NULL);
	t = render(status_render_text, &s, &c);
	CHECK(strstr(t, "Interface:   anycast0 absent\n") != NULL);
	CHECK(strstr(t, "BIRD:        not configured\n") != NULL);
	CHECK(strstr(t, "Cycles:      none yet") != NULL);
	free(t);
	j = render(status_render_json, &s, &c);
	CHECK(json_valid(j));
	CHECK(strstr(j, "\"bird\":null") != NULL);
	CHECK(strstr(j, "\"result\":null") != NULL);
	free(j);

	/* The checker itself rejects what it must. */
	CHECK(!json_valid("{\"a\":1,}"));
	CHECK(!json_valid("{\"a\":\"\x01\"}"));
	CHECK(!json_valid("[1 2]"));
	CHECK(json_valid("{\"a\":[1,2.5,-0,true,null,\"\\u00e9\"]}"));
	status_free(&s);
}

/* Text from outside (a probe's detail, BIRD's names and version) with an
 * ESC, a C1 CSI (0xc2 0x9b) and a byte that is not UTF-8: the text shows
 * '?' for each byte, and still pads its columns; the JSON escapes the ESC
 * and replaces the others with U+FFFD, and stays valid. */
static void
test_outside_text(void)
{
	struct status s;
	struct status_clock c;
	char *t, *j;

	populate(&s, &c);
	status_probe_record(&s, 1, PROBE_RCODE, 1200,
	    "rcode \x1b[2J\xc2\x9b\xff", c.mono_us - 1000);
	snprintf(view.version, sizeof(view.version), "2\xc2\x9b");
	snprintf(view.protos[1].name, 64, "up\x1b" "2");
	t = render(status_render_text, &s, &c);
	CHECK(strstr(t, "1.2ms     rcode ?[2J???\n") != NULL);
	CHECK(strstr(t, "/run/bird/bird.ctl 2??, polled") != NULL);
	CHECK(strstr(t, "\nup?2         start  Idle") != NULL);
	CHECK(strchr(t, '\x1b') == NULL && strstr(t, "\xc2\x9b") == NULL);
	free(t);
	j = render(status_render_json, &s, &c);
	CHECK(json_valid(j));
	CHECK(strstr(j, "\"detail\":\"rcode \\u001b[2J"
	    "\\ufffd\\ufffd\\ufffd\"") != NULL);
	CHECK(strstr(j, "\"version\":\"2\\ufffd\\ufffd\"") != NULL);
	CHECK(strstr(j, "\"name\":\"up\\u001b2\"") != NULL);
	free(j);
	status_free(&s);
}

static void
test_probe_slots(void)
{
	struct status s;
	struct status_clock c;

	populate(&s, &c);
	/* Reload that swaps the two probes and adds one: counters follow
	 * the names. */
	status_set_probe(&s, 0, "tcp \"q\"", "x");
	status_set_probe(&s, 1, "soa", "y");
	status_set_probe(&s, 2, "new", "z");
	status_set_nprobes(&s, 3);
	CHECK(s.probes[0].results[PROBE_RCODE] == 1);
	CHECK(s.probes[1].results[PROBE_OK] == 2);
	CHECK(s.probes[2].lat_count == 0 && strcmp(s.probes[2].name, "new") == 0);
	CHECK(s.probes[1].buckets[2] == 2 && s.probes[1].buckets[10] == 1);
	status_set_nprobes(&s, 1);
	CHECK(s.nprobes == 1 && s.probes[1].name[0] == '\0');
	status_free(&s);
	CHECK(s.probes == NULL && s.nprobes == 0);
	status_free(&s);	/* twice is harmless */
}

/* More probes than the old fixed array held (32), as many as the config
 * will allow: the array grows, and a reload that reverses the order and
 * drops the first half keeps every counter with its name. */
static void
test_many_probes(void)
{
	struct status s;
	struct status_clock c;
	char name[16], *j;
	int i, n = 1024;

	populate(&s, &c);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		CHECK(status_set_probe(&s, i, name, "t") == 0);
	}
	CHECK(status_set_nprobes(&s, n) == 0 && s.nprobes == n);
	for (i = 0; i < n; i++)
		status_probe_record(&s, i, PROBE_OK, 100, "", c.mono_us);
	status_probe_record(&s, 1000, PROBE_TIMEOUT, 500000, "", c.mono_us);
	for (i = 0; i < n / 2; i++) {
		snprintf(name, sizeof(name), "p%d", n - 1 - i);
		CHECK(status_set_probe(&s, i, name, "u") == 0);
	}
	CHECK(status_set_nprobes(&s, n / 2) == 0 && s.nprobes == n / 2);
	CHECK(strcmp(s.probes[23].name, "p1000") == 0 &&
	    s.probes[23].results[PROBE_TIMEOUT] == 1 &&
	    s.probes[23].results[PROBE_OK] == 1);
	for (i = 0; i < n / 2; i++) {
		snprintf(name, sizeof(name), "p%d", n - 1 - i);
		CHECK(strcmp(s.probes[i].name, name) == 0 &&
		    s.probes[i].lat_count == (i == 23 ? 2 : 1));
	}
	CHECK(s.probes[n / 2].name[0] == '\0' && s.probes[n - 1].lat_count == 0);
	/* Out of range is refused, not written. */
	CHECK(status_set_probe(&s, -1, "x", "y") == -1);
	j = render(status_render_json, &s, &c);
	CHECK(json_valid(j));
	free(j);
	status_free(&s);
}

int
main(int argc, char *argv[])
{
	struct status s;
	struct status_clock c;
	int rc;

	if (argc == 2 && strcmp(argv[1], "json-check") == 0) {
		/* For the lab tests: is stdin one valid JSON document? */
		static char in[1 << 20];
		size_t n = fread(in, 1, sizeof(in) - 1, stdin);

		in[n] = '\0';
		if (!json_valid(in)) {
			fprintf(stderr, "invalid JSON near: %.40s\n", jp);
			return 1;
		}
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "metrics") == 0) {
		populate(&s, &c);
		/* After a withdraw/announce cycle, BIRD exporting v4 only. */
		view.protos[0].exported = 1;
		rc = metrics_write(argv[2], &s, &c);
		status_free(&s);
		return rc == 0 ? 0 : 1;
	}
	test_render();
	test_outside_text();
	test_probe_slots();
	test_many_probes();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_status: all checks passed\n");
	return 0;
}
