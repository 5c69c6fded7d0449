/* DNS reply evaluation: decides whether one raw DNS reply is the healthy
 * answer to the query we sent, and if not, says why in a short phrase an
 * operator can act on.  It parses the whole message (RFC 1035 4.1) with
 * every read bounds-checked: names with compression pointers (4.1.4), which
 * must point strictly backwards so that no loop is possible, the question,
 * and every RR of the answer, authority and additional sections, including
 * the rdata of the types that carry names or have a fixed size.  An EDNS OPT
 * RR (RFC 6891) extends the rcode.  For a resolver check it also judges
 * the header bits of recursion (RD echoed, RA) and of validation (AD).  It
 * does no I/O and knows nothing of c-ares, sockets or time.  It also holds
 * the one table of rcode and qtype mnemonics: the config parser reads and
 * prints rcode and type with it, and the messages here use it, so all of
 * them spell a value the same way. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"

#define HDR_LEN		12
#define T_OPT		41
#define T_ANY		255

/* IANA "DNS RCODEs"; 12..15 are unassigned.  16 is BADVERS in an OPT RR and
 * BADSIG in a TSIG RR; we never send TSIG, so BADVERS is what we can see. */
static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
	NULL, NULL, NULL, NULL,
	"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG",
	"BADTRUNC", "BADCOOKIE",
};

static const struct {
	uint16_t	 type;
	const char	*name;
} qtypes[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" },
	{ 29, "LOC" }, { 33, "SRV" }, { 35, "NAPTR" }, { 39, "DNAME" },
	{ 41, "OPT" }, { 43, "DS" }, { 44, "SSHFP" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 59, "CDS" }, { 60, "CDNSKEY" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 251, "IXFR" },
	{ 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
};

const char *
dns_rcode_str(int rcode)
{
	if (rcode < 0 || rcode >= (int)(sizeof(rcode_names) /
	    sizeof(rcode_names[0])))
		return NULL;
	return rcode_names[rcode];
}

/* The mnemonic, else prefix and number: what the _parse functions read. */
static const char *
mnemonic_fmt(const char *name, const char *prefix, long v, char *buf,
    size_t len)
{
	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s%ld", prefix, v);
	return buf;
}

const char *
dns_rcode_fmt(int rcode, char *buf, size_t len)
{
	return mnemonic_fmt(dns_rcode_str(rcode), "", rcode, buf, len);
}

/* Decimal 0..max without sign, spaces or leading junk; -1 otherwise. */
static long
parse_decimal(const char *s, long max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > max)
		return -1;
	return v;
}

int
dns_rcode_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(rcode_names) / sizeof(rcode_names[0]); i++)
		if (rcode_names[i] != NULL && strcasecmp(s, rcode_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "BADSIG") == 0)
		return 16;
	/* 12-bit extended rcode, RFC 6891 6.1.3. */
	return (int)parse_decimal(s, 4095);
}

const char *
dns_qtype_str(uint16_t qtype)
{
	size_t i;

	for (i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (qtypes[i].type == qtype)
			return qtypes[i].name;
	return NULL;
}

const char *
dns_qtype_fmt(uint16_t qtype, char *buf, size_t len)
{
	/* Types without a mnemonic in RFC 3597 section 5's generic form. */
	return mnemonic_fmt(dns_qtype_str(qtype), "TYPE", qtype, buf, len);
}

int
dns_qtype_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (strcasecmp(s, qtypes[i].name) == 0)
			return qtypes[i].type;
	/* Unknown types in the RFC 3597 5 generic form. */
	if (strncasecmp(s, "TYPE", 4) == 0)
		return (int)parse_decimal(s + 4, 65535);
	return -1;
}

int
dns_name_to_wire(const char *name, unsigned char *wire, size_t size)
{
	const char *p = name;
	size_t n = 0;
	int v;

	if (name == NULL || *name == '\0')
		return -1;
	if (strcmp(name, ".") == 0)
		p++;
	while (*p != '\0') {
		size_t lab = n++;	/* length octet, filled in below */
		while (*p != '\0' && *p != '.') {
			if (*p == '\\') {
				p++;
				if (isdigit((unsigned char)p[0])) {
					if (!isdigit((unsigned char)p[1]) ||
					    !isdigit((unsigned char)p[2]))
						return -1;
					v = (p[0] - '0') * 100 +
					    (p[1] - '0') * 10 + (p[2] - '0');
					if (v > 255)
						return -1;
					p += 3;
				} else if (*p != '\0')
					v = (unsigned char)*p++;
				else
					return -1;
			} else
				v = (unsigned char)*p++;
			if (n - lab - 1 >= DNS_MAX_LABEL || n + 1 >= size ||
			    n + 1 >= DNS_MAX_NAME)
				return -1;
			wire[n++] = (unsigned char)v;
		}
		if (n - lab - 1 == 0)
			return -1;	/* empty label: "a..b" or ".a" */
		wire[lab] = (unsigned char)(n - lab - 1);
		if (*p == '.')
			p++;
	}
	if (n >= size)
		return -1;
	wire[n++] = 0;
	return (int)n;
}

/* Uncompressed wire name to presentation form for messages, with anything
 * unprintable escaped as \DDD so that a hostile reply cannot put control
 * characters in our log.  Truncates silently to size. */
static void
name_to_text(const unsigned char *wire, char *buf, size_t size)
{
	size_t o = 0, i;
	unsigned len;
	int c;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (wire[0] == 0) {
		snprintf(buf, size, ".");
		return;
	}
	while ((len = *wire++) != 0) {
		for (i = 0; i < len; i++) {
			c = *wire++;
			if (c == '.' || c == '\\')
				o += (size_t)snprintf(buf + o, size - o,
				    "\\%c", c);
			else if (c <= ' ' || c >= 0x7f)
				o += (size_t)snprintf(buf + o, size - o,
				    "\\%03d", c);
			else
				o += (size_t)snprintf(buf + o, size - o,
				    "%c", c);
			if (o >= size)
				return;
		}
		o += (size_t)snprintf(buf + o, size - o, ".");
		if (o >= size)
			return;
	}
}

/* Reads the possibly compressed name at *off.  On success it returns NULL,
 * moves *off past the name's in-place octets and leaves the uncompressed
 * name in wire[DNS_MAX_NAME].  Otherwise it returns why.
 *
 * Every pointer must point before the start of the run of labels it ends
 * (the name's first octet, or the previous pointer's target).  Real encoders
 * only point back at a suffix written earlier, so nothing valid is lost, and
 * positions then strictly decrease from jump to jump, so parsing always
 * terminates: no hop counter is needed to break loops. */
static const char *
read_name(const unsigned char *pkt, size_t len, size_t *off,
    unsigned char *wire)
{
	size_t pos = *off, end = 0, n = 0, target;
	size_t start = pos;

	for (;;) {
		unsigned c;

		if (pos >= len)
			return "name overruns reply";
		c = pkt[pos];
		if (c == 0) {
			wire[n] = 0;
			if (end == 0)
				end = pos + 1;
			*off = end;
			return NULL;
		}
		switch (c & 0xc0) {
		case 0x00:
			if (pos + 1 + c > len)
				return "name overruns reply";
			/* Room for this label and the root label. */
			if (n + 1 + c + 1 > DNS_MAX_NAME)
				return "name longer than 255 octets";
			memcpy(wire + n, pkt + pos, 1 + c);
			n += 1 + c;
			pos += 1 + c;
			break;
		case 0xc0:
			if (pos + 2 > len)
				return "name overruns reply";
			target = (size_t)(c & 0x3f) << 8 | pkt[pos + 1];
			if (end == 0)
				end = pos + 2;
			if (target > pos)
				return "forward compression pointer";
			if (target >= start)
				return "compression loop";
			if (target < HDR_LEN)
				return "compression pointer into header";
			pos = start = target;
			break;
		default:
			/* 01 was EDNS extended labels (RFC 6891 dropped
			 * them), 10 is reserved; a label length >= 64 lands
			 * here too. */
			return "bad label type";
		}
	}
}

static int
name_equal(const unsigned char *a, const unsigned char *b)
{
	/* Case-insensitive for ASCII letters only, RFC 4343. */
	for (;;) {
		unsigned len, i;

		if (*a != *b)
			return 0;
		if ((len = *a) == 0)
			return 1;
		a++;
		b++;
		for (i = 0; i < len; i++, a++, b++)
			if (tolower(*a) != tolower(*b))
				return 0;
	}
}

struct rr {
	unsigned char	 owner[DNS_MAX_NAME];
	uint16_t	 type;
	uint16_t	 class;
	uint32_t	 ttl;
	size_t		 rdoff;
	size_t		 rdlen;
};

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A name inside rdata [*off, rdend); it may point outside the rdata (RFC
 * 1035 allows compression in NS, CNAME, PTR, MX and SOA rdata), but its own
 * octets must stay inside. */
static const char *
rdata_name(const unsigned char *pkt, size_t len, size_t *off, size_t rdend)
{
	unsigned char scratch[DNS_MAX_NAME];
	const char *why;

	if ((why = read_name(pkt, len, off, scratch)) != NULL)
		return why;
	if (*off > rdend)
		return "name overruns rdata";
	return NULL;
}

/* Checks the rdata of the types we know the shape of: a short A record or a
 * broken name in an SOA is as malformed as a broken header. */
static const char *
check_rdata(const unsigned char *pkt, size_t len, const struct rr *rr)
{
	size_t off = rr->rdoff, end = rr->rdoff + rr->rdlen;
	const char *why;
	unsigned i;

	switch (rr->type) {
	case 1:		/* A */
		return rr->rdlen == 4 ? NULL : "A rdata not 4 octets";
	case 28:	/* AAAA */
		return rr->rdlen == 16 ? NULL : "AAAA rdata not 16 octets";
	case 2:		/* NS */
	case 5:		/* CNAME */
	case 12:	/* PTR */
	case 39:	/* DNAME */
		if ((why = rdata_name(pkt, len, &off, end)) != NULL)
			return why;
		break;
	case 15:	/* MX: preference, exchange */
	case 33:	/* SRV: priority, weight, port, target */
		off += rr->type == 15 ? 2 : 6;
		if (off > end)
			return "rdata too short";
		if ((why = rdata_name(pkt, len, &off, end)) != NULL)
			return why;
		break;
	case 6:		/* SOA: mname, rname, five 32-bit numbers */
		for (i = 0; i < 2; i++)
			if ((why = rdata_name(pkt, len, &off, end)) != NULL)
				return why;
		off += 20;
		break;
	case 16:	/* TXT: one or more <character-string>s */
		if (rr->rdlen == 0)
			return "empty TXT rdata";
		while (off < end)
			off += 1 + (size_t)pkt[off];
		break;
	case 257:	/* CAA: flags, tag length >= 1, tag, value */
		if (rr->rdlen < 2 || pkt[off + 1] == 0)
			return "bad CAA rdata";
		off += 2 + (size_t)pkt[off + 1];
		if (off > end)
			return "bad CAA rdata";
		off = end;
		break;
	case 43:	/* DS: key tag, algorithm, digest type, digest */
	case 48:	/* DNSKEY: flags, protocol, algorithm, key */
		if (rr->rdlen < 4)
			return "rdata too short";
		off = end;
		break;
	default:
		off = end;	/* opaque, RFC 3597 */
		break;
	}
	if (off != end)
		return "rdata length mismatch";
	return NULL;
}

static const char *
read_rr(const unsigned char *pkt, size_t len, size_t *off, struct rr *rr)
{
	const char *why;

	if ((why = read_name(pkt, len, off, rr->owner)) != NULL)
		return why;
	if (*off + 10 > len)
		return "RR overruns reply";
	rr->type = get16(pkt + *off);
	rr->class = get16(pkt + *off + 2);
	rr->ttl = (uint32_t)get16(pkt + *off + 4) << 16 |
	    get16(pkt + *off + 6);
	rr->rdlen = get16(pkt + *off + 8);
	rr->rdoff = *off + 10;
	if (rr->rdoff + rr->rdlen > len)
		return "RR overruns reply";
	*off = rr->rdoff + rr->rdlen;
	return check_rdata(pkt, len, rr);
}

static enum probe_result
fail(struct dns_eval_info *out, enum probe_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum probe_result
fail(struct dns_eval_info *out, enum probe_result r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
	return r;
}

static enum probe_result
rcode_fail(struct dns_eval_info *out, int rcode, int expected)
{
	char seen[DNS_FMT_MAX], want[DNS_FMT_MAX];

	dns_rcode_fmt(rcode, seen, sizeof(seen));
	dns_rcode_fmt(expected, want, sizeof(want));
	/* NOERROR is the usual expectation; say it only when it is not. */
	if (expected == 0)
		return fail(out, PROBE_RCODE, "rcode %s", seen);
	return fail(out, PROBE_RCODE, "rcode %s, expected %s", seen, want);
}

static const char *const section_names[] = {
	"answer", "authority", "additional"
};

enum probe_result
dns_eval(const unsigned char *pkt, size_t len, const struct dns_expect *exp,
    struct dns_eval_info *out)
{
	struct dns_eval_info scratch;
	/* Zeroed only to help static analysers see they are initialised. */
	unsigned char want[DNS_MAX_NAME] = { 0 }, qname[DNS_MAX_NAME] = { 0 };
	char tbuf[DNS_FMT_MAX];
	unsigned counts[3], sec, i, nopt = 0, hrcode, other = 0;
	int rcode, id, other_type = -1;
	const char *why;
	struct rr rr;
	size_t off;

	if (out == NULL)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	out->rcode = -1;

	if (len < HDR_LEN)
		return fail(out, PROBE_MALFORMED,
		    "malformed: short reply (%zu bytes)", len);
	id = get16(pkt);
	if (exp->id >= 0 && id != exp->id)
		return fail(out, PROBE_MALFORMED,
		    "malformed: ID %d, expected %d", id, exp->id);
	if (!(pkt[2] & 0x80))
		return fail(out, PROBE_MALFORMED, "malformed: QR=0");
	if ((pkt[2] >> 3 & 0xf) != 0)
		return fail(out, PROBE_MALFORMED,
		    "malformed: opcode %u, expected QUERY", pkt[2] >> 3 & 0xf);
	hrcode = pkt[3] & 0xf;
	out->rcode = (int)hrcode;
	out->aa = (pkt[2] & 0x04) != 0;
	out->tc = (pkt[2] & 0x02) != 0;
	out->rd = (pkt[2] & 0x01) != 0;
	out->ra = (pkt[3] & 0x80) != 0;
	out->ad = (pkt[3] & 0x20) != 0;

	/* A truncated UDP reply may lack any part of the message, even the
	 * question (RFC 2181 9), so nothing after the header is trustworthy:
	 * say truncated rather than whatever the cut left behind.  Over TCP
	 * TC has no meaning and the message is judged as usual. */
	if (out->tc && !exp->tcp)
		return fail(out, PROBE_TRUNCATED, "truncated");

	if (get16(pkt + 4) != 1) {
		/* Servers answer FORMERR, NOTIMP or REFUSED without echoing
		 * the question; the rcode is then the better reason. */
		if (get16(pkt + 4) == 0 && hrcode != 0 &&
		    (int)hrcode != exp->rcode)
			return rcode_fail(out, (int)hrcode, exp->rcode);
		return fail(out, PROBE_MALFORMED,
		    "malformed: %u questions, expected 1", get16(pkt + 4));
	}
	if (dns_name_to_wire(exp->qname, want, sizeof(want)) == -1)
		return fail(out, PROBE_MALFORMED,
		    "malformed: cannot encode expected name");
	off = HDR_LEN;
	if ((why = read_name(pkt, len, &off, qname)) != NULL)
		return fail(out, PROBE_MALFORMED, "malformed: question: %s",
		    why);
	if (off + 4 > len)
		return fail(out, PROBE_MALFORMED,
		    "malformed: question overruns reply");
	if (!name_equal(qname, want)) {
		char text[80];

		name_to_text(qname, text, sizeof(text));
		return fail(out, PROBE_MALFORMED,
		    "malformed: question mismatch: name %s", text);
	}
	if (get16(pkt + off) != exp->qtype)
		return fail(out, PROBE_MALFORMED,
		    "malformed: question mismatch: type %s",
		    dns_qtype_fmt(get16(pkt + off), tbuf, sizeof(tbuf)));
	if (get16(pkt + off + 2) != exp->qclass)
		return fail(out, PROBE_MALFORMED,
		    "malformed: question mismatch: class %u",
		    get16(pkt + off + 2));
	off += 4;

	counts[0] = get16(pkt + 6);
	counts[1] = get16(pkt + 8);
	counts[2] = get16(pkt + 10);
	rcode = (int)hrcode;
	for (sec = 0; sec < 3; sec++) {
		for (i = 0; i < counts[sec]; i++) {
			if ((why = read_rr(pkt, len, &off, &rr)) != NULL)
				return fail(out, PROBE_MALFORMED,
				    "malformed: %s RR %u: %s",
				    section_names[sec], i + 1, why);
			if (rr.type == T_OPT) {
				/* RFC 6891 6.1.1: one OPT, in the additional
				 * section, owned by the root. */
				if (sec != 2 || nopt++ > 0 || rr.owner[0] != 0)
					return fail(out, PROBE_MALFORMED,
					    "malformed: misplaced OPT RR");
				/* Upper 8 bits of the 12-bit rcode. */
				rcode = (int)(rr.ttl >> 24 << 4 | hrcode);
				continue;
			}
			if (sec != 0)
				continue;
			out->ancount++;
			/* SOA rdata ends in serial, refresh, retry, expire
			 * and minimum (RFC 1035 3.3.13); check_rdata() has
			 * checked the shape. */
			if (rr.type == 6 && rr.class == exp->qclass &&
			    !out->soa && name_equal(rr.owner, want)) {
				const unsigned char *e = pkt + rr.rdoff +
				    rr.rdlen;

				out->soa = true;
				out->soa_serial = (uint32_t)get16(e - 20) << 16 |
				    get16(e - 18);
				out->soa_expire = (uint32_t)get16(e - 8) << 16 |
				    get16(e - 6);
			}
			if (rr.class == exp->qclass &&
			    (rr.type == exp->qtype || exp->qtype == T_ANY))
				out->matching++;
			else if (other_type == -1 || other_type == rr.type) {
				other_type = rr.type;
				other++;
			} else
				other_type = -2;	/* several types */
		}
	}
	if (off != len)
		return fail(out, PROBE_MALFORMED,
		    "malformed: %zu bytes after the last RR", len - off);
	out->rcode = rcode;

	if (rcode != exp->rcode)
		return rcode_fail(out, rcode, exp->rcode);
	/* RFC 1035 4.1.1: RD is copied into the response; a reply without it
	 * answers some other query. */
	if (exp->recursion && !out->rd)
		return fail(out, PROBE_MALFORMED, "malformed: RD not copied");
	if (exp->authoritative && !out->aa)
		return fail(out, PROBE_NOT_AUTH, "not authoritative");
	/* A resolver that answers with RA=0 has recursion turned off for us
	 * (an ACL, allow-recursion, a forgotten access-control line): it may
	 * still answer this name from its own data, but not our clients'. */
	if (exp->recursion && !out->ra)
		return fail(out, PROBE_NO_RECURSION, "recursion not available");
	/* RFC 4035 3.2.3, RFC 6840 5.7: a validating resolver sets AD on data
	 * it proved authentic when the query had DO=1.  AD=0 means it did not
	 * validate (validation off, no trust anchor, an insecure zone). */
	if (exp->dnssec && !out->ad)
		return fail(out, PROBE_NOT_VALIDATED, "not validated");
	if (exp->answer && out->matching == 0) {
		if (out->ancount == 0)
			return fail(out, PROBE_NO_ANSWER, "no answer");
		if (other_type == exp->qtype)
			return fail(out, PROBE_NO_ANSWER,
			    "no answer: %s not in class %s",
			    dns_qtype_fmt(exp->qtype, tbuf, sizeof(tbuf)),
			    exp->qclass == DNS_CLASS_IN ? "IN" : "queried");
		if (other_type >= 0) {
			char tbuf2[DNS_FMT_MAX];

			/* Typically a CNAME whose target is out of zone. */
			return fail(out, PROBE_NO_ANSWER,
			    "no answer: only %s (%u RR), no %s",
			    dns_qtype_fmt((uint16_t)other_type, tbuf,
			    sizeof(tbuf)), other, dns_qtype_fmt(exp->qtype,
			    tbuf2, sizeof(tbuf2)));
		}
		return fail(out, PROBE_NO_ANSWER,
		    "no answer: %u RRs, none of type %s", out->ancount,
		    dns_qtype_fmt(exp->qtype, tbuf, sizeof(tbuf)));
	}
	return PROBE_OK;
}
