/* The two output emitters of the base, json.h and prom.h, rendered into
 * memory and compared byte for byte: JSON nesting and the commas the
 * emitter places itself, string escaping (quotes, backslash, controls as
 * \uXXXX, C1 controls and bytes that are not UTF-8 as U+FFFD), misuse
 * reported by json_finish(); Prometheus HELP/TYPE once per family, label
 * escaping, the same replacement of what text.h refuses, by '?', and
 * names the format does not allow. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "prom.h"

CHECK_STATE;


struct sink {
	FILE	*f;
	char	*buf;
	size_t	 len;
};

static void
sink_open(struct sink *k)
{
	k->buf = NULL;
	k->len = 0;
	if ((k->f = open_memstream(&k->buf, &k->len)) == NULL)
		exit(1);
}

/* Closes the stream and compares what was written with want. */
static int
sink_is(struct sink *k, const char *want)
{
	int same;

	if (fclose(k->f) != 0)
		exit(1);
	same = strcmp(k->buf, want) == 0;
	if (!same)
		fprintf(stderr, "got  %s\nwant %s\n", k->buf, want);
	free(k->buf);
	return same;
}

static void
test_json_nesting(void)
{
	struct sink k;
	struct json *j;

	sink_open(&k);
	if ((j = json_new(k.f)) == NULL)
		exit(1);
	json_object(j, NULL);
	json_int(j, "i", -3);
	json_uint(j, "u", 18446744073709551615ull);
	json_array(j, "a");
	json_bool(j, NULL, true);
	json_null(j, NULL);
	json_object(j, NULL);
	json_end(j);
	json_array(j, NULL);
	json_end(j);
	json_double(j, NULL, 0.5);
	json_double(j, NULL, NAN);
	json_end(j);
	json_object(j, "o");
	json_fixed(j, "s", 1500000, 6);
	json_fixed(j, "z", 7, 6);
	json_fixed(j, "n", 42, 0);
	json_bool(j, "f", false);
	json_end(j);
	json_string(j, "e", NULL);
	json_end(j);
	CHECK(json_finish(j) == 0);
	json_free(j);
	CHECK(sink_is(&k, "{\"i\":-3,\"u\":18446744073709551615,"
	    "\"a\":[true,null,{},[],0.5,null],"
	    "\"o\":{\"s\":1.500000,\"z\":0.000007,\"n\":42,\"f\":false},"
	    "\"e\":\"\"}"));
}

static void
test_json_escaping(void)
{
	struct sink k;
	struct json *j;

	sink_open(&k);
	if ((j = json_new(k.f)) == NULL)
		exit(1);
	json_array(j, NULL);
	json_string(j, NULL, "q\"b\\s/");
	json_string(j, NULL, "nl\n tab\t cr\r bel\x07 esc\x1b" " del\x7f");
	/* Valid UTF-8 (é, €, U+1F600) passes as is. */
	json_string(j, NULL, "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* C1 CSI (U+009B), a lone 0x9b, Latin-1 é, a truncated sequence,
	 * an overlong '/', a surrogate, beyond U+10FFFF. */
	json_string(j, NULL, "\xc2\x9b|\x9b|\xe9|\xe2\x82|\xc0\xaf|"
	    "\xed\xa0\x80|\xf4\x90\x80\x80");
	json_end(j);
	CHECK(json_finish(j) == 0);
	json_free(j);
	CHECK(sink_is(&k, "[\"q\\\"b\\\\s/\","
	    "\"nl\\n tab\\t cr\\u000d bel\\u0007 esc\\u001b del\\u007f\","
	    "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
	    "\"\\ufffd\\ufffd|\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|"
	    "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd\"]"));
}

/* Each misuse is reported, and a correct document is not. */
static void
test_json_misuse(void)
{
	struct sink k;
	struct json *j;
	int i;

	for (i = 0; i < 6; i++) {
		sink_open(&k);
		if ((j = json_new(k.f)) == NULL)
			exit(1);
		json_object(j, NULL);
		if (i == 1)
			json_int(j, NULL, 1);	/* no key in an object */
		if (i == 2) {
			json_array(j, "a");
			json_int(j, "k", 1);		/* a key in an array */
			json_end(j);
		}
		if (i == 3) {
			json_end(j);
			json_end(j);			/* one end too many */
		} else if (i != 4)			/* 4: never closed */
			json_end(j);
		if (i == 5)
			json_null(j, NULL);		/* a second document */
		CHECK(json_finish(j) == (i == 0 ? 0 : -1));
		json_free(j);
		fclose(k.f);
		free(k.buf);
	}
}

static void
test_json_depth(void)
{
	struct sink k;
	struct json *j;
	int i;

	sink_open(&k);
	if ((j = json_new(k.f)) == NULL)
		exit(1);
	for (i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_array(j, NULL);
	json_int(j, NULL, 1);
	for (i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_end(j);
	CHECK(json_finish(j) == -1);
	json_free(j);
	/* What was written still balances: the levels beyond the limit and
	 * their contents are left out. */
	fflush(k.f);
	CHECK(strspn(k.buf, "[") == JSON_MAX_DEPTH &&
	    strcspn(k.buf, "]") == JSON_MAX_DEPTH &&
	    strlen(k.buf) == 2 * JSON_MAX_DEPTH);
	fclose(k.f);
	free(k.buf);
}

static void
test_prom(void)
{
	struct sink k;
	struct prom *p;

	sink_open(&k);
	if ((p = prom_new(k.f)) == NULL)
		exit(1);
	prom_family(p, "t_up", "1 if up.\\ Or \"not\".\nSecond line.",
	    PROM_GAUGE);
	prom_family(p, "t_up", "ignored", PROM_GAUGE);	/* once */
	prom_uint(p, NULL, NULL, 1);
	prom_int(p, NULL, (const char *[]){ "a", "x", NULL }, -2);
	prom_family(p, "t_lat_seconds", "Latency.", PROM_HISTOGRAM);
	prom_uint(p, "_bucket", (const char *[]){ "probe", "tcp \"q\"\\\n",
	    "le", "+Inf", NULL }, 3);
	prom_fixed(p, "_sum", (const char *[]){ "probe", "s", NULL }, 500590,
	    6);
	prom_fixed(p, "_count", NULL, 3, 0);
	prom_family(p, "t_total", "Counter.", PROM_COUNTER);
	prom_double(p, NULL, NULL, INFINITY);
	prom_double(p, NULL, NULL, -INFINITY);
	prom_double(p, NULL, NULL, NAN);
	prom_double(p, NULL, NULL, 0.25);
	/* C1 CSI, a lone 0x9b, ESC, a tab and Latin-1 in a label: '?'. */
	prom_uint(p, NULL, (const char *[]){ "p", "\xc2\x9b\x9b\x1b\t\xe9|"
	    "\xc3\xa9", NULL }, 0);
	CHECK(prom_finish(p) == 0);
	prom_free(p);
	CHECK(sink_is(&k,
	    "# HELP t_up 1 if up.\\\\ Or \"not\".\\nSecond line.\n"
	    "# TYPE t_up gauge\n"
	    "t_up 1\n"
	    "t_up{a=\"x\"} -2\n"
	    "# HELP t_lat_seconds Latency.\n"
	    "# TYPE t_lat_seconds histogram\n"
	    "t_lat_seconds_bucket{probe=\"tcp \\\"q\\\"\\\\\\n\","
	    "le=\"+Inf\"} 3\n"
	    "t_lat_seconds_sum{probe=\"s\"} 0.500590\n"
	    "t_lat_seconds_count 3\n"
	    "# HELP t_total Counter.\n"
	    "# TYPE t_total counter\n"
	    "t_total +Inf\nt_total -Inf\nt_total NaN\nt_total 0.25\n"
	    "t_total{p=\"??????|\xc3\xa9\"} 0\n"));
}

/* An instance's labels come first on every sample, with or without labels
 * of its own, and are escaped like them. */
static void
test_prom_instance(void)
{
	static const char *const inst[] = { "instance", "res\"1", NULL };
	struct sink k;
	struct prom *p;

	sink_open(&k);
	if ((p = prom_new(k.f)) == NULL)
		exit(1);
	prom_set_labels(p, inst);
	prom_family(p, "t_up", "Up.", PROM_GAUGE);
	prom_uint(p, NULL, NULL, 1);
	prom_int(p, NULL, (const char *[]){ "a", "x", "b", "y", NULL }, -2);
	CHECK(prom_finish(p) == 0);
	prom_free(p);
	CHECK(sink_is(&k,
	    "# HELP t_up Up.\n"
	    "# TYPE t_up gauge\n"
	    "t_up{instance=\"res\\\"1\"} 1\n"
	    "t_up{instance=\"res\\\"1\",a=\"x\",b=\"y\"} -2\n"));
}

/* Names outside the format's grammar, a sample before any family and an
 * odd label list are reported. */
static void
test_prom_misuse(void)
{
	struct sink k;
	struct prom *p;
	int i;

	for (i = 0; i < 7; i++) {
		sink_open(&k);
		if ((p = prom_new(k.f)) == NULL)
			exit(1);
		if (i != 1)
			prom_family(p, i == 2 ? "9bad" : i == 3 ? "b-d" : "ok",
			    "h", PROM_GAUGE);
		if (i == 4)
			prom_uint(p, "_x-", NULL, 1);
		else if (i == 5)
			prom_uint(p, NULL, (const char *[]){ "k", NULL }, 1);
		else if (i == 6)
			prom_uint(p, NULL,
			    (const char *[]){ "le:x", "1", NULL }, 1);
		else
			prom_uint(p, NULL, NULL, 1);
		CHECK(prom_finish(p) == (i == 0 ? 0 : -1));
		prom_free(p);
		fclose(k.f);
		free(k.buf);
	}
}

int
main(void)
{
	test_json_nesting();
	test_json_escaping();
	test_json_misuse();
	test_json_depth();
	test_prom();
	test_prom_instance();
	test_prom_misuse();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_emit: all checks passed\n");
	return 0;
}
