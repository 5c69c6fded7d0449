/* test_reply: dns_eval() on crafted packets, and the DNS mnemonic helpers.
 * Each case builds a reply byte by byte, so the test does not trust any DNS
 * encoder but its own few lines here.  Failures print the case and the
 * difference; the exit status is the number of failed checks (capped). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dns.h"

CHECK_STATE;


static unsigned char *
xmalloc(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	return p;
}

/* ---- a tiny packet writer ---- */

struct pkt {
	unsigned char	 b[1024];
	size_t		 n;
};

static void
put8(struct pkt *p, unsigned v)
{
	if (p->n < sizeof(p->b))
		p->b[p->n++] = (unsigned char)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8 & 0xff);
	put8(p, v & 0xff);
}

static void
put32(struct pkt *p, unsigned long v)
{
	put16(p, (unsigned)(v >> 16 & 0xffff));
	put16(p, (unsigned)(v & 0xffff));
}

/* Labels from "a.b.c" (no escapes), then the root label unless ptr >= 0,
 * in which case a compression pointer to ptr ends the name. */
static void
putname(struct pkt *p, const char *name, int ptr)
{
	const char *s = name, *dot;

	while (*s != '\0') {
		size_t len;

		dot = strchr(s, '.');
		len = dot ? (size_t)(dot - s) : strlen(s);
		put8(p, (unsigned)len);
		while (len-- > 0)
			put8(p, (unsigned char)*s++);
		if (*s == '.')
			s++;
	}
	if (ptr >= 0)
		put16(p, 0xc000u | (unsigned)ptr);
	else
		put8(p, 0);
}

#define QR	0x8000u
#define AA	0x0400u
#define TC	0x0200u
#define RD	0x0100u
#define RA	0x0080u
#define AD	0x0020u
#define CD	0x0010u

static void
header(struct pkt *p, unsigned id, unsigned flags, unsigned qd, unsigned an,
    unsigned ns, unsigned ar)
{
	p->n = 0;
	put16(p, id);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

static void
set_flags(struct pkt *p, unsigned flags)
{
	p->b[2] = (unsigned char)(flags >> 8);
	p->b[3] = (unsigned char)flags;
}

/* RR header up to and including rdlength. */
static void
rrhead(struct pkt *p, const char *owner, int ptr, unsigned type,
    unsigned class, unsigned rdlen)
{
	putname(p, owner, ptr);
	put16(p, type);
	put16(p, class);
	put32(p, 3600);
	put16(p, rdlen);
}

#define ID	0x1234
#define Q_OFF	12	/* the question's name, for pointers */

static void
question(struct pkt *p, const char *name, unsigned type, unsigned class)
{
	putname(p, name, -1);
	put16(p, type);
	put16(p, class);
}

static void
soa_rdata(struct pkt *p)
{
	/* "ns1" + pointer to example.com, "hostmaster" + pointer. */
	putname(p, "ns1", Q_OFF);
	putname(p, "hostmaster", Q_OFF);
	put32(p, 2024010101ul);
	put32(p, 3600);
	put32(p, 600);
	put32(p, 86400);
	put32(p, 300);
}

/* The healthy reply to "example.com. SOA": AA, one SOA answer, one NS in
 * authority, an A glue record in additional.  All names compressed. */
static void
good_soa(struct pkt *p, unsigned flags)
{
	size_t rdl;

	header(p, ID, flags, 1, 1, 1, 1);
	question(p, "example.com", 6, 1);
	rrhead(p, "", Q_OFF, 6, 1, 0);
	rdl = p->n;
	soa_rdata(p);
	p->b[rdl - 2] = (unsigned char)((p->n - rdl) >> 8);
	p->b[rdl - 1] = (unsigned char)(p->n - rdl);
	rrhead(p, "", Q_OFF, 2, 1, 6);
	putname(p, "ns1", Q_OFF);
	rrhead(p, "ns1", Q_OFF, 1, 1, 4);
	put32(p, 0xc6336401ul);
}

static struct dns_expect
expect(const char *name, unsigned type)
{
	struct dns_expect e;

	memset(&e, 0, sizeof(e));
	e.id = ID;
	e.qname = name;
	e.qtype = (uint16_t)type;
	e.qclass = DNS_CLASS_IN;
	e.rcode = 0;
	e.authoritative = true;
	e.answer = true;
	return e;
}

static void
expect_result(int line, const char *what, const struct pkt *p,
    const struct dns_expect *e, enum probe_result want, const char *detail)
{
	struct dns_eval_info info;
	enum probe_result got;

	got = dns_eval(p->b, p->n, e, &info);
	if (got != want || (detail != NULL && strcmp(info.detail, detail) != 0)
	    || (got != PROBE_OK && info.detail[0] == '\0') ||
	    (got == PROBE_OK && info.detail[0] != '\0')) {
		failures++;
		printf("FAIL line %d: %s: got %s \"%s\", want %s \"%s\"\n",
		    line, what, probe_result_str(got), info.detail,
		    probe_result_str(want), detail ? detail : "*");
	}
}

#define EXPECT(what, p, e, want, detail) \
	expect_result(__LINE__, what, p, e, want, detail)

/* ---- the cases ---- */

static void
test_header(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;
	struct dns_eval_info info;

	good_soa(&p, QR | AA);
	EXPECT("good reply", &p, &e, PROBE_OK, "");
	CHECKF(dns_eval(p.b, p.n, &e, &info) == PROBE_OK && info.rcode == 0 &&
	    info.aa && !info.tc && info.ancount == 1 && info.matching == 1,
	    "info rcode %d aa %d an %u match %u", info.rcode, info.aa,
	    info.ancount, info.matching);
	CHECKF(dns_eval(p.b, p.n, &e, NULL) == PROBE_OK, "NULL info");

	e.qname = "example.com";
	EXPECT("expected name without final dot", &p, &e, PROBE_OK, "");
	e.qname = "ExAmPlE.CoM.";
	EXPECT("case-insensitive name", &p, &e, PROBE_OK, "");
	e = expect("example.com.", 6);

	e.id = ID + 1;
	EXPECT("wrong ID", &p, &e, PROBE_MALFORMED,
	    "malformed: ID 4660, expected 4661");
	e.id = -1;
	EXPECT("ID unknown", &p, &e, PROBE_OK, "");
	e.id = ID;

	set_flags(&p, AA);
	EXPECT("QR=0", &p, &e, PROBE_MALFORMED, "malformed: QR=0");
	set_flags(&p, QR | AA | 2u << 11);
	EXPECT("opcode STATUS", &p, &e, PROBE_MALFORMED,
	    "malformed: opcode 2, expected QUERY");
	set_flags(&p, QR | AA | 5u << 11);
	EXPECT("opcode UPDATE", &p, &e, PROBE_MALFORMED,
	    "malformed: opcode 5, expected QUERY");
	set_flags(&p, QR | AA | RD);
	EXPECT("RD echoed is fine", &p, &e, PROBE_OK, "");

	p.n = 0;
	EXPECT("empty", &p, &e, PROBE_MALFORMED,
	    "malformed: short reply (0 bytes)");
	good_soa(&p, QR | AA);
	p.n = 11;
	EXPECT("11 bytes", &p, &e, PROBE_MALFORMED,
	    "malformed: short reply (11 bytes)");

	good_soa(&p, QR | AA);
	p.b[p.n++] = 0;
	EXPECT("trailing byte", &p, &e, PROBE_MALFORMED,
	    "malformed: 1 bytes after the last RR");
}

static void
test_question(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "www.example.com", 6, 1);
	e.answer = false;
	EXPECT("other name", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: name www.example.com.");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "example.co", 6, 1);
	EXPECT("shorter name", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: name example.co.");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "", 6, 1);
	EXPECT("root name", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: name .");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "ex\x01mple.com", 6, 1);
	EXPECT("unprintable name escaped", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: name ex\\001mple.com.");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "a\\b.c", 6, 1);
	EXPECT("backslash escaped", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: name a\\\\b.c.");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "example.com", 1, 1);
	EXPECT("other type", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: type A");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "example.com", 65280, 1);
	EXPECT("other unknown type", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: type TYPE65280");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "example.com", 6, 3);
	EXPECT("class CH", &p, &e, PROBE_MALFORMED,
	    "malformed: question mismatch: class 3");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "example.com", 6, 1);
	EXPECT("question alone, answer = no", &p, &e, PROBE_OK, "");

	header(&p, ID, QR | AA, 0, 0, 0, 0);
	EXPECT("qdcount 0", &p, &e, PROBE_MALFORMED,
	    "malformed: 0 questions, expected 1");
	header(&p, ID, QR | 5, 0, 0, 0, 0);
	EXPECT("qdcount 0 with REFUSED", &p, &e, PROBE_RCODE,
	    "rcode REFUSED");
	header(&p, ID, QR | 1, 0, 0, 0, 0);
	EXPECT("qdcount 0 with FORMERR", &p, &e, PROBE_RCODE,
	    "rcode FORMERR");
	e.rcode = 5;
	header(&p, ID, QR | 5, 0, 0, 0, 0);
	EXPECT("qdcount 0 with the expected REFUSED", &p, &e, PROBE_MALFORMED,
	    "malformed: 0 questions, expected 1");
	e.rcode = 0;
	header(&p, ID, QR | AA, 2, 0, 0, 0);
	question(&p, "example.com", 6, 1);
	question(&p, "example.com", 6, 1);
	EXPECT("qdcount 2", &p, &e, PROBE_MALFORMED,
	    "malformed: 2 questions, expected 1");
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	putname(&p, "example.com", -1);
	put16(&p, 6);
	EXPECT("question without class", &p, &e, PROBE_MALFORMED,
	    "malformed: question overruns reply");
}

static void
test_rcodes(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;
	char want[64];
	const char *s;
	int rc, ext;

	/* Every 4-bit header rcode against NOERROR expected. */
	for (rc = 0; rc < 16; rc++) {
		good_soa(&p, QR | AA | (unsigned)rc);
		s = dns_rcode_str(rc);
		if (s != NULL)
			snprintf(want, sizeof(want), "rcode %s", s);
		else
			snprintf(want, sizeof(want), "rcode %d", rc);
		EXPECT(want, &p, &e, rc == 0 ? PROBE_OK : PROBE_RCODE,
		    rc == 0 ? "" : want);
		/* The same rcode expected passes. */
		e.rcode = rc;
		EXPECT("expected rcode", &p, &e, PROBE_OK, "");
		e.rcode = 0;
	}
	/* Extended rcodes through an OPT RR: 16..23 and beyond. */
	for (ext = 16; ext <= 24; ext++) {
		header(&p, ID, QR | AA | (unsigned)(ext & 0xf), 1, 0, 0, 1);
		question(&p, "example.com", 6, 1);
		putname(&p, "", -1);
		put16(&p, 41);
		put16(&p, 1232);
		put32(&p, (unsigned long)(ext >> 4) << 24);
		put16(&p, 0);
		s = dns_rcode_str(ext);
		if (s != NULL)
			snprintf(want, sizeof(want), "rcode %s", s);
		else
			snprintf(want, sizeof(want), "rcode %d", ext);
		EXPECT(want, &p, &e, PROBE_RCODE, want);
	}
	/* NXDOMAIN expected. */
	e.rcode = 3;
	e.answer = false;
	header(&p, ID, QR | AA | 3, 1, 0, 1, 0);
	question(&p, "nope.example.com", 1, 1);
	rrhead(&p, "example.com", -1, 6, 1, 0);
	{
		size_t rdl = p.n;

		putname(&p, "ns1", 34);
		putname(&p, "hostmaster", 34);
		put32(&p, 1);
		put32(&p, 2);
		put32(&p, 3);
		put32(&p, 4);
		put32(&p, 5);
		p.b[rdl - 1] = (unsigned char)(p.n - rdl);
	}
	e.qname = "nope.example.com.";
	e.qtype = 1;
	EXPECT("NXDOMAIN expected", &p, &e, PROBE_OK, "");
	p.b[3] = (unsigned char)(AA & 0xff);
	EXPECT("NOERROR when NXDOMAIN expected", &p, &e, PROBE_RCODE,
	    "rcode NOERROR, expected NXDOMAIN");
	p.b[3] = 2;
	EXPECT("SERVFAIL when NXDOMAIN expected", &p, &e, PROBE_RCODE,
	    "rcode SERVFAIL, expected NXDOMAIN");
	e.rcode = 12;
	EXPECT("unnamed rcode expected", &p, &e, PROBE_RCODE,
	    "rcode SERVFAIL, expected 12");
}

static void
test_aa_answer(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;
	size_t target;

	good_soa(&p, QR);
	EXPECT("AA=0, authoritative yes", &p, &e, PROBE_NOT_AUTH,
	    "not authoritative");
	e.authoritative = false;
	EXPECT("AA=0, authoritative no", &p, &e, PROBE_OK, "");
	e.authoritative = true;
	good_soa(&p, QR | 2);
	EXPECT("rcode checked before AA", &p, &e, PROBE_RCODE,
	    "rcode SERVFAIL");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	question(&p, "example.com", 6, 1);
	EXPECT("empty answer", &p, &e, PROBE_NO_ANSWER, "no answer");
	e.answer = false;
	EXPECT("empty answer, answer = no", &p, &e, PROBE_OK, "");
	e.answer = true;

	header(&p, ID, QR, 1, 0, 0, 0);
	question(&p, "example.com", 6, 1);
	EXPECT("AA checked before answer", &p, &e, PROBE_NOT_AUTH,
	    "not authoritative");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 1, 1, 4);
	put32(&p, 0xc0000201ul);
	EXPECT("A only for SOA", &p, &e, PROBE_NO_ANSWER,
	    "no answer: only A (1 RR), no SOA");

	e = expect("www.example.com.", 1);
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "www.example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 5, 1, 12);
	putname(&p, "elsewhere", 16);	/* -> example.com */
	EXPECT("CNAME only", &p, &e, PROBE_NO_ANSWER,
	    "no answer: only CNAME (1 RR), no A");

	header(&p, ID, QR | AA, 1, 2, 0, 0);
	question(&p, "www.example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 5, 1, 12);
	target = p.n;
	putname(&p, "elsewhere", 16);
	rrhead(&p, "", (int)target, 1, 1, 4);	/* owner: the CNAME target */
	put32(&p, 0xc0000201ul);
	EXPECT("CNAME then A", &p, &e, PROBE_OK, "");

	header(&p, ID, QR | AA, 1, 2, 0, 0);
	question(&p, "www.example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 28, 1, 16);
	put32(&p, 0x20010db8ul);
	put32(&p, 0);
	put32(&p, 0);
	put32(&p, 1);
	rrhead(&p, "", Q_OFF, 16, 1, 4);
	put8(&p, 3);
	put8(&p, 'a');
	put8(&p, 'b');
	put8(&p, 'c');
	EXPECT("two other types", &p, &e, PROBE_NO_ANSWER,
	    "no answer: 2 RRs, none of type A");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "www.example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 1, 3, 4);
	put32(&p, 0xc0000201ul);
	EXPECT("A of class CH", &p, &e, PROBE_NO_ANSWER,
	    "no answer: A not in class IN");

	e = expect("www.example.com.", 255);
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "www.example.com", 255, 1);
	rrhead(&p, "", Q_OFF, 16, 1, 2);
	put8(&p, 1);
	put8(&p, 'x');
	EXPECT("ANY takes any type", &p, &e, PROBE_OK, "");
}

/* A resolver's reply to "local.example. A": one A record, and an OPT RR
 * with DO=1 when opt is set, as a validating resolver sends it back. */
static void
resolver_a(struct pkt *p, unsigned flags, bool opt, unsigned nanswers)
{
	unsigned i;

	header(p, ID, flags, 1, nanswers, 0, opt ? 1 : 0);
	question(p, "local.example", 1, 1);
	for (i = 0; i < nanswers; i++) {
		rrhead(p, "", Q_OFF, 1, 1, 4);
		put32(p, 0xc0000201ul);
	}
	if (opt) {
		put8(p, 0);		/* root */
		put16(p, 41);
		put16(p, 1232);
		put32(p, 0x8000ul);	/* version 0, DO */
		put16(p, 0);
	}
}

static void
test_resolver(void)
{
	static const struct {
		const char	*what;
		unsigned	 flags;		/* header bits, rcode included */
		bool		 opt;
		unsigned	 nanswers;
		bool		 recursion, dnssec, authoritative;
		int		 rcode;		/* expected */
		enum probe_result want;
		const char	*detail;
	} cases[] = {
		{ "resolver answer", QR | RD | RA, false, 1,
		    true, false, false, 0, PROBE_OK, "" },
		{ "RA missing", QR | RD, false, 1,
		    true, false, false, 0, PROBE_NO_RECURSION,
		    "recursion not available" },
		{ "RA missing, recursion = no", QR, false, 1,
		    false, false, false, 0, PROBE_OK, "" },
		{ "RD not echoed", QR | RA, false, 1,
		    true, false, false, 0, PROBE_MALFORMED,
		    "malformed: RD not copied" },
		{ "RD not echoed, RA missing: malformed first", QR, false, 1,
		    true, false, false, 0, PROBE_MALFORMED,
		    "malformed: RD not copied" },
		{ "RD echoed to an RD=0 query is not checked", QR | RD, false,
		    1, false, false, false, 0, PROBE_OK, "" },
		{ "REFUSED with RA=0: the rcode says it", QR | RD | 5, false, 0,
		    true, false, false, 0, PROBE_RCODE, "rcode REFUSED" },
		{ "SERVFAIL (bogus) with RA: rcode", QR | RD | RA | 2, true, 0,
		    true, true, false, 0, PROBE_RCODE, "rcode SERVFAIL" },
		{ "validated", QR | RD | RA | AD, true, 1,
		    true, true, false, 0, PROBE_OK, "" },
		{ "validated, no OPT echoed", QR | RD | RA | AD, false, 1,
		    true, true, false, 0, PROBE_OK, "" },
		{ "AD missing", QR | RD | RA, true, 1,
		    true, true, false, 0, PROBE_NOT_VALIDATED, "not validated" },
		{ "AD missing, CD set", QR | RD | RA | CD, true, 1,
		    true, true, false, 0, PROBE_NOT_VALIDATED, "not validated" },
		{ "AD missing, dnssec = no", QR | RD | RA, true, 1,
		    true, false, false, 0, PROBE_OK, "" },
		{ "AD without RA: recursion checked first", QR | RD | AD, true,
		    1, true, true, false, 0, PROBE_NO_RECURSION,
		    "recursion not available" },
		{ "dnssec without recursion", QR | AD, true, 1,
		    false, true, false, 0, PROBE_OK, "" },
		{ "AD checked before the answer", QR | RD | RA, true, 0,
		    true, true, false, 0, PROBE_NOT_VALIDATED, "not validated" },
		{ "validated, no answer", QR | RD | RA | AD, true, 0,
		    true, true, false, 0, PROBE_NO_ANSWER, "no answer" },
		{ "validated NXDOMAIN expected", QR | RD | RA | AD | 3, true, 0,
		    true, true, false, 3, PROBE_OK, "" },
		{ "AA required: checked before RA", QR | RD, false, 1,
		    true, false, true, 0, PROBE_NOT_AUTH, "not authoritative" },
		{ "local data with AA, RD and RA", QR | AA | RD | RA, false, 1,
		    true, false, true, 0, PROBE_OK, "" },
	};
	struct dns_expect e;
	struct pkt p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = expect("local.example.", 1);
		e.recursion = cases[i].recursion;
		e.dnssec = cases[i].dnssec;
		e.authoritative = cases[i].authoritative;
		e.rcode = cases[i].rcode;
		e.answer = cases[i].rcode == 0;
		resolver_a(&p, cases[i].flags, cases[i].opt,
		    cases[i].nanswers);
		EXPECT(cases[i].what, &p, &e, cases[i].want, cases[i].detail);
	}
}

static void
test_tc(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;
	size_t full;

	good_soa(&p, QR | AA | TC);
	EXPECT("TC over UDP", &p, &e, PROBE_TRUNCATED, "truncated");
	e.tcp = true;
	EXPECT("TC over TCP is ignored", &p, &e, PROBE_OK, "");
	e.tcp = false;
	header(&p, ID, QR | AA | TC, 0, 0, 0, 0);
	EXPECT("TC, header only", &p, &e, PROBE_TRUNCATED, "truncated");
	/* A cut reply with TC says truncated, not malformed. */
	good_soa(&p, QR | AA | TC);
	full = p.n;
	p.n = full - 7;
	EXPECT("TC, cut RR", &p, &e, PROBE_TRUNCATED, "truncated");
	/* The ID is checked first: a stray TC reply is not ours. */
	e.id = ID + 1;
	EXPECT("TC, wrong ID", &p, &e, PROBE_MALFORMED,
	    "malformed: ID 4660, expected 4661");
}

/* Every proper prefix of a valid reply is malformed, never OK, never a
 * crash (ASan watches the reads). */
static void
test_prefixes(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct dns_eval_info info;
	struct pkt p;
	size_t full, n;
	unsigned char *copy;

	good_soa(&p, QR | AA);
	full = p.n;
	for (n = 0; n < full; n++) {
		enum probe_result r;

		/* An exact-size heap copy, so that ASan sees any overread. */
		copy = xmalloc(n);
		memcpy(copy, p.b, n);
		r = dns_eval(copy, n, &e, &info);
		CHECKF(r == PROBE_MALFORMED, "prefix %zu/%zu: %s \"%s\"", n,
		    full, probe_result_str(r), info.detail);
		CHECKF(strncmp(info.detail, "malformed: ", 11) == 0,
		    "prefix %zu: detail \"%s\"", n, info.detail);
		free(copy);
	}
	/* The last octet of the glue A record missing. */
	p.n = full - 1;
	EXPECT("rdata one octet short of the end", &p, &e, PROBE_MALFORMED,
	    "malformed: additional RR 1: RR overruns reply");
	copy = xmalloc(full);
	memcpy(copy, p.b, full);
	CHECKF(dns_eval(copy, full, &e, &info) == PROBE_OK, "full %s",
	    info.detail);
	free(copy);
}

/* Random bytes, and a valid header followed by random bytes: no crash, and
 * a failure always has a reason. */
static void
test_garbage(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct dns_eval_info info;
	unsigned long seed = 12345;
	size_t i;
	enum probe_result r;
	int iter, ok = 0;
	struct pkt p;

	good_soa(&p, QR | AA);
	for (iter = 0; iter < 20000; iter++) {
		unsigned char *buf;
		size_t len;

		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		len = (seed >> 33) % 300;
		buf = xmalloc(len);
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ul +
			    1442695040888963407ul;
			buf[i] = (unsigned char)(seed >> 56);
		}
		/* Half the time keep a plausible start so parsing goes
		 * deeper than the header. */
		if (iter % 2 && len >= 30)
			memcpy(buf, p.b, 12 + (seed >> 40) % 18);
		r = dns_eval(buf, len, &e, &info);
		CHECKF((unsigned)r < PROBE_RESULT_MAX, "result %d", r);
		CHECKF(r == PROBE_OK || info.detail[0] != '\0',
		    "iteration %d: no detail", iter);
		ok += r == PROBE_OK;
		free(buf);
	}
	CHECKF(ok == 0, "%d random packets passed", ok);

	/* Mutate every byte of a good reply in turn. */
	for (i = 0; i < p.n; i++) {
		struct pkt m = p;

		m.b[i] ^= 0xff;
		r = dns_eval(m.b, m.n, &e, &info);
		CHECKF(r == PROBE_OK || info.detail[0] != '\0', "byte %zu", i);
	}
}

static void
test_names(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;
	size_t a;
	int i;

	/* The question's name is a pointer to itself. */
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	put16(&p, 0xc000u | Q_OFF);
	put16(&p, 6);
	put16(&p, 1);
	EXPECT("pointer to itself", &p, &e, PROBE_MALFORMED,
	    "malformed: question: compression loop");

	/* Label, then a pointer back to the label: a cycle. */
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	putname(&p, "a", Q_OFF);
	put16(&p, 6);
	put16(&p, 1);
	EXPECT("two-step loop", &p, &e, PROBE_MALFORMED,
	    "malformed: question: compression loop");

	/* Answer owner "x" then a pointer forward. */
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	a = p.n;
	put8(&p, 1);				/* a: "x" */
	put8(&p, 'x');
	put16(&p, 0xc000u | (unsigned)(a + 4));	/* a+2: -> a+4, forward */
	put16(&p, 0xc000u | (unsigned)a);	/* a+4: -> a */
	put16(&p, 6);
	put16(&p, 1);
	put32(&p, 0);
	put16(&p, 0);
	EXPECT("answer name via forward pointer", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: forward compression pointer");

	/* Answer owner "x" then a pointer back to "x". */
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	a = p.n;
	put8(&p, 1);
	put8(&p, 'x');
	put16(&p, 0xc000u | (unsigned)a);
	put16(&p, 6);
	put16(&p, 1);
	put32(&p, 0);
	put16(&p, 0);
	EXPECT("answer owner loop", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: compression loop");

	/* A loop made only of pointers that each point backwards from where
	 * they stand: RR 2's owner at r+10 is "x" then a pointer to r; at r
	 * (RR 1's opaque rdata) "y" and a 7-octet label lead back to r+10.
	 * A "target < pointer" rule alone would go round until the name grew
	 * past 255 octets. */
	header(&p, ID, QR | AA, 1, 2, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 65280, 1, 10);
	a = p.n;
	put8(&p, 1);
	put8(&p, 'y');
	put8(&p, 7);
	for (i = 0; i < 7; i++)
		put8(&p, 'f');
	put8(&p, 1);				/* a+10: "x" */
	put8(&p, 'x');
	put16(&p, 0xc000u | (unsigned)a);	/* a+12: -> a */
	put16(&p, 6);
	put16(&p, 1);
	put32(&p, 0);
	put16(&p, 0);
	EXPECT("loop of backward pointers", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 2: compression loop");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	put16(&p, 0xc000u | 300);
	put16(&p, 6);
	put16(&p, 1);
	EXPECT("pointer past the end", &p, &e, PROBE_MALFORMED,
	    "malformed: question: forward compression pointer");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", 4, 6, 1, 0);
	EXPECT("pointer into header", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: compression pointer into header");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	put8(&p, 0xc0);
	EXPECT("half a pointer", &p, &e, PROBE_MALFORMED,
	    "malformed: question: name overruns reply");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	put8(&p, 64);
	for (i = 0; i < 64; i++)
		put8(&p, 'a');
	put8(&p, 0);
	put16(&p, 6);
	put16(&p, 1);
	EXPECT("64-octet label", &p, &e, PROBE_MALFORMED,
	    "malformed: question: bad label type");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	put8(&p, 0x80);
	put8(&p, 0);
	EXPECT("label type 10", &p, &e, PROBE_MALFORMED,
	    "malformed: question: bad label type");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	put8(&p, 7);
	put8(&p, 'e');
	EXPECT("label past the end", &p, &e, PROBE_MALFORMED,
	    "malformed: question: name overruns reply");

	header(&p, ID, QR | AA, 1, 0, 0, 0);
	putname(&p, "example.com", -1);
	p.n--;
	EXPECT("no root label", &p, &e, PROBE_MALFORMED,
	    "malformed: question: name overruns reply");

	/* 4 x 63-octet labels = 256 octets with the root: too long. */
	header(&p, ID, QR | AA, 1, 0, 0, 0);
	for (i = 0; i < 4; i++) {
		int k;

		put8(&p, 63);
		for (k = 0; k < 63; k++)
			put8(&p, 'a');
	}
	put8(&p, 0);
	put16(&p, 6);
	put16(&p, 1);
	EXPECT("256-octet name", &p, &e, PROBE_MALFORMED,
	    "malformed: question: name longer than 255 octets");

	/* Same limit when the length is reached through a pointer:
	 * 3 x 64 + 51 + "example.com" (13) = 256. */
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	for (i = 0; i < 4; i++) {
		int k, len = i < 3 ? 63 : 50;

		put8(&p, (unsigned)len);
		for (k = 0; k < len; k++)
			put8(&p, 'b');
	}
	put16(&p, 0xc000u | Q_OFF);
	put16(&p, 6);
	put16(&p, 1);
	put32(&p, 0);
	put16(&p, 0);
	EXPECT("long name through pointer", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: name longer than 255 octets");

	/* 255 octets exactly is fine (in the additional section). */
	header(&p, ID, QR | AA, 1, 1, 0, 1);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 6, 1, 0);
	{
		size_t rdl = p.n;

		soa_rdata(&p);
		p.b[rdl - 1] = (unsigned char)(p.n - rdl);
	}
	for (i = 0; i < 3; i++) {
		int k;

		put8(&p, 63);
		for (k = 0; k < 63; k++)
			put8(&p, 'c');
	}
	put8(&p, 49);
	for (i = 0; i < 49; i++)
		put8(&p, 'd');
	put16(&p, 0xc000u | Q_OFF);	/* 192 + 50 + 13 = 255 */
	put16(&p, 16);
	put16(&p, 1);
	put32(&p, 0);
	put16(&p, 1);
	put8(&p, 0);
	EXPECT("255-octet name", &p, &e, PROBE_OK, "");
}

static void
test_rrs(void)
{
	struct dns_expect e = expect("example.com.", 6);
	struct pkt p;
	size_t rdl;

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 6, 1, 200);
	soa_rdata(&p);
	EXPECT("rdlength past the end", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: RR overruns reply");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	putname(&p, "", Q_OFF);
	put16(&p, 6);
	put16(&p, 1);
	EXPECT("RR header cut", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: RR overruns reply");

	header(&p, ID, QR | AA, 1, 2, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 6, 1, 0);
	rdl = p.n;
	soa_rdata(&p);
	p.b[rdl - 1] = (unsigned char)(p.n - rdl);
	EXPECT("ANCOUNT larger than the answers", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 2: name overruns reply");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 6, 1, 0);
	rdl = p.n;
	soa_rdata(&p);
	p.n -= 1;
	p.b[rdl - 1] = (unsigned char)(p.n - rdl);
	EXPECT("SOA rdata one short", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: rdata length mismatch");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 6, 1, 0);
	rdl = p.n;
	put8(&p, 60);	/* mname label runs past the rdata */
	p.b[rdl - 1] = 1;
	EXPECT("SOA name past the reply", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: name overruns reply");

	header(&p, ID, QR | AA, 1, 1, 1, 0);
	question(&p, "example.com", 6, 1);
	rrhead(&p, "", Q_OFF, 5, 1, 2);	/* CNAME rdata: 2 of 5 octets */
	putname(&p, "ab", -1);
	rrhead(&p, "", Q_OFF, 2, 1, 2);
	put16(&p, 0xc000u | Q_OFF);
	e.answer = false;
	EXPECT("CNAME name past its rdata", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: name overruns rdata");
	e.answer = true;

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 1, 1, 3);
	put8(&p, 1);
	put8(&p, 2);
	put8(&p, 3);
	e.qtype = 1;
	EXPECT("A with 3 octets", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: A rdata not 4 octets");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 28, 1, 4);
	put32(&p, 1);
	EXPECT("AAAA with 4 octets", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: AAAA rdata not 16 octets");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 16, 1, 3);
	put8(&p, 5);
	put8(&p, 'a');
	put8(&p, 'b');
	EXPECT("TXT string past its rdata", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: rdata length mismatch");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 15, 1, 1);
	put8(&p, 0);
	EXPECT("MX too short", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: rdata too short");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 257, 1, 3);
	put8(&p, 0);
	put8(&p, 5);
	put8(&p, 'i');
	EXPECT("CAA tag past its rdata", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: bad CAA rdata");

	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 48, 1, 3);
	put8(&p, 1);
	put8(&p, 1);
	put8(&p, 3);
	EXPECT("DNSKEY too short", &p, &e, PROBE_MALFORMED,
	    "malformed: answer RR 1: rdata too short");

	/* OPT in the answer section, and two OPTs. */
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", -1, 41, 1232, 0);
	EXPECT("OPT in answer", &p, &e, PROBE_MALFORMED,
	    "malformed: misplaced OPT RR");
	header(&p, ID, QR | AA, 1, 0, 0, 2);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", -1, 41, 1232, 0);
	rrhead(&p, "", -1, 41, 1232, 0);
	e.answer = false;
	EXPECT("two OPTs", &p, &e, PROBE_MALFORMED,
	    "malformed: misplaced OPT RR");
	header(&p, ID, QR | AA, 1, 0, 0, 1);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", -1, 41, 1232, 0);
	EXPECT("one OPT", &p, &e, PROBE_OK, "");
	header(&p, ID, QR | AA, 1, 0, 0, 1);
	question(&p, "example.com", 1, 1);
	rrhead(&p, "", Q_OFF, 41, 1232, 0);
	EXPECT("OPT not owned by the root", &p, &e, PROBE_MALFORMED,
	    "malformed: misplaced OPT RR");

	/* Unknown types are opaque. */
	header(&p, ID, QR | AA, 1, 1, 0, 0);
	question(&p, "example.com", 65280, 1);
	rrhead(&p, "", Q_OFF, 65280, 1, 3);
	put8(&p, 1);
	put8(&p, 2);
	put8(&p, 3);
	e.qtype = 65280;
	e.answer = true;
	EXPECT("unknown type", &p, &e, PROBE_OK, "");
}

static void
test_mnemonics(void)
{
	static const char *const rc[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE", "DSOTYPENI", NULL, NULL, NULL, NULL, "BADVERS",
		"BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG",
		"BADTRUNC", "BADCOOKIE",
	};
	static const struct {
		const char	*s;
		int		 v;
	} types[] = {
		{ "SOA", 6 }, { "A", 1 }, { "AAAA", 28 }, { "NS", 2 },
		{ "TXT", 16 }, { "MX", 15 }, { "CNAME", 5 }, { "PTR", 12 },
		{ "SRV", 33 }, { "CAA", 257 }, { "DS", 43 }, { "DNSKEY", 48 },
		{ "ANY", 255 },
	};
	const char *s;
	size_t i;

	for (i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
		s = dns_rcode_str((int)i);
		if (rc[i] == NULL) {
			CHECKF(s == NULL, "rcode %zu: %s", i, s);
			continue;
		}
		CHECKF(s != NULL && strcmp(s, rc[i]) == 0, "rcode %zu: %s", i,
		    s ? s : "NULL");
		CHECKF(dns_rcode_parse(rc[i]) == (int)i, "parse %s", rc[i]);
	}
	CHECKF(dns_rcode_str(24) == NULL, "24");
	CHECKF(dns_rcode_str(-1) == NULL, "-1");
	CHECKF(dns_rcode_parse("servfail") == 2, "lower case");
	CHECKF(dns_rcode_parse("NxDomain") == 3, "mixed case");
	CHECKF(dns_rcode_parse("BADSIG") == 16, "BADSIG");
	CHECKF(dns_rcode_parse("0") == 0, "0");
	CHECKF(dns_rcode_parse("12") == 12, "12");
	CHECKF(dns_rcode_parse("4095") == 4095, "4095");
	CHECKF(dns_rcode_parse("4096") == -1, "4096");
	CHECKF(dns_rcode_parse("-1") == -1, "-1");
	CHECKF(dns_rcode_parse("+1") == -1, "+1");
	CHECKF(dns_rcode_parse(" 1") == -1, "space");
	CHECKF(dns_rcode_parse("1x") == -1, "1x");
	CHECKF(dns_rcode_parse("") == -1, "empty");
	CHECKF(dns_rcode_parse("NOERRORS") == -1, "NOERRORS");
	CHECKF(dns_rcode_parse(NULL) == -1, "NULL");

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int v = dns_qtype_parse(types[i].s);

		CHECKF(v == types[i].v, "%s: %d", types[i].s, v);
		s = dns_qtype_str((uint16_t)types[i].v);
		CHECKF(s != NULL && strcmp(s, types[i].s) == 0, "%d: %s",
		    types[i].v, s ? s : "NULL");
	}
	CHECKF(dns_qtype_parse("soa") == 6, "soa");
	CHECKF(dns_qtype_parse("Aaaa") == 28, "Aaaa");
	CHECKF(dns_qtype_parse("TYPE65280") == 65280, "TYPE65280");
	CHECKF(dns_qtype_parse("type1") == 1, "type1");
	CHECKF(dns_qtype_parse("TYPE65535") == 65535, "TYPE65535");
	CHECKF(dns_qtype_parse("TYPE65536") == -1, "TYPE65536");
	CHECKF(dns_qtype_parse("TYPE") == -1, "TYPE");
	CHECKF(dns_qtype_parse("TYPE-1") == -1, "TYPE-1");
	CHECKF(dns_qtype_parse("TYPE1a") == -1, "TYPE1a");
	CHECKF(dns_qtype_parse("6") == -1, "6");
	CHECKF(dns_qtype_parse("") == -1, "empty");
	CHECKF(dns_qtype_parse("AAAAA") == -1, "AAAAA");
	CHECKF(dns_qtype_parse(NULL) == -1, "NULL");
	CHECKF(dns_qtype_str(65280) == NULL, "65280");
	CHECKF(dns_qtype_str(0) == NULL, "0");

	/* The _fmt forms are what the config prints: each parses back. */
	{
		char buf[DNS_FMT_MAX];
		uint32_t q;
		int r;

		for (r = 0; r <= 4095; r++) {
			dns_rcode_fmt(r, buf, sizeof(buf));
			if (dns_rcode_parse(buf) != r) {
				CHECKF(0, "rcode %d printed '%s'", r, buf);
				break;
			}
		}
		for (q = 0; q <= 65535; q++) {
			dns_qtype_fmt((uint16_t)q, buf, sizeof(buf));
			if (dns_qtype_parse(buf) != (int)q) {
				CHECKF(0, "type %u printed '%s'", q, buf);
				break;
			}
		}
		CHECKF(strcmp(dns_rcode_fmt(12, buf, sizeof(buf)), "12") == 0,
		    "rcode 12: %s", buf);
		CHECKF(strcmp(dns_rcode_fmt(11, buf, sizeof(buf)), "DSOTYPENI")
		    == 0, "rcode 11: %s", buf);
		CHECKF(strcmp(dns_qtype_fmt(65280, buf, sizeof(buf)),
		    "TYPE65280") == 0, "65280: %s", buf);
		CHECKF(strcmp(dns_qtype_fmt(52, buf, sizeof(buf)), "TLSA") == 0,
		    "52: %s", buf);
		CHECKF(strcmp(dns_qtype_fmt(51, buf, sizeof(buf)),
		    "NSEC3PARAM") == 0, "51: %s", buf);
	}
}

static void
wire_is(int line, const char *name, const char *want, int wantlen)
{
	unsigned char buf[DNS_MAX_NAME + 10];
	int n = dns_name_to_wire(name, buf, sizeof(buf));

	if (n != wantlen ||
	    (want != NULL && n > 0 && memcmp(buf, want, (size_t)n) != 0)) {
		failures++;
		printf("FAIL line %d: dns_name_to_wire(\"%s\") = %d, want %d\n",
		    line, name, n, wantlen);
	}
}

static void
test_wire(void)
{
	char name[400], want[300];
	unsigned char small[5];
	int i;

	wire_is(__LINE__, "example.com.", "\7example\3com", 13);
	wire_is(__LINE__, "example.com", "\7example\3com", 13);
	wire_is(__LINE__, ".", "", 1);
	wire_is(__LINE__, "a\\.b.c.", "\3a.b\1c", 7);
	wire_is(__LINE__, "\\065\\098c.", "\3Abc", 5);
	wire_is(__LINE__, "a\\\\b.", "\3a\\b", 5);
	wire_is(__LINE__, "", NULL, -1);
	wire_is(__LINE__, "..", NULL, -1);
	wire_is(__LINE__, "a..b", NULL, -1);
	wire_is(__LINE__, ".a", NULL, -1);
	wire_is(__LINE__, "\\256.", NULL, -1);
	wire_is(__LINE__, "\\06.", NULL, -1);
	wire_is(__LINE__, "a\\", NULL, -1);
	CHECKF(dns_name_to_wire(NULL, small, sizeof(small)) == -1, "NULL");
	CHECKF(dns_name_to_wire("abc.", small, sizeof(small)) == 5, "fits");
	CHECKF(dns_name_to_wire("abcd.", small, sizeof(small)) == -1,
	    "too small");

	/* 63-octet label fine, 64 not. */
	memset(name, 'x', 64);
	name[64] = '\0';
	wire_is(__LINE__, name, NULL, -1);
	name[63] = '\0';
	want[0] = 63;
	memset(want + 1, 'x', 63);
	want[64] = 0;
	wire_is(__LINE__, name, want, 65);

	/* 253 characters = 255 wire octets; one more is too long. */
	for (i = 0; i < 4; i++) {
		memset(name + i * 64, 'y', 63);
		name[i * 64 + 63] = '.';
	}
	name[253] = '\0';	/* 3 x 63 + 61 */
	{
		unsigned char buf[300];

		CHECKF(dns_name_to_wire(name, buf, sizeof(buf)) == 255,
		    "253 chars: %d", dns_name_to_wire(name, buf, sizeof(buf)));
		name[253] = '.';
		name[254] = '\0';
		CHECKF(dns_name_to_wire(name, buf, sizeof(buf)) == 255,
		    "253 chars and a dot");
		name[253] = 'y';
		CHECKF(dns_name_to_wire(name, buf, sizeof(buf)) == -1,
		    "254 chars");
	}
}

int
main(void)
{
	test_header();
	test_question();
	test_rcodes();
	test_aa_answer();
	test_resolver();
	test_tc();
	test_prefixes();
	test_garbage();
	test_names();
	test_rrs();
	test_mnemonics();
	test_wire();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("test_reply: all checks passed\n");
	return 0;
}
