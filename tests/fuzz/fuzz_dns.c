/* dns_eval() and the name encoding on arbitrary bytes.
 *
 * Input: byte 0 and 1 choose the expectation (type, rcode, AA, answer, TCP,
 * whether the ID is checked); then a NUL-terminated presentation name; the
 * rest is the reply.  With bit 7 of byte 0 the harness writes a header and
 * a question made from the name's wire form in front of the rest, so that
 * the fuzzer reaches the sections and the checks after the question.
 *
 * Properties: dns_eval returns one of its documented results, detail is ""
 * exactly on PROBE_OK and is printable text otherwise; a name that encodes
 * is 1..255 octets of labels of 1..63 and matches itself as a question
 * (name -> wire -> question check is the identity); every type and rcode
 * prints to a mnemonic that parses back to it. */
#include <string.h>

#include "dns.h"
#include "fuzz.h"

static void
check_wire(const unsigned char *w, int n)
{
	int off = 0;

	FUZZ_CHECK(n >= 1 && n <= DNS_MAX_NAME);
	while (w[off] != 0) {
		FUZZ_CHECK(w[off] <= DNS_MAX_LABEL);
		off += 1 + w[off];
		FUZZ_CHECK(off < n);
	}
	FUZZ_CHECK(off == n - 1);
}

static void
check_mnemonics(uint16_t v)
{
	char buf[DNS_FMT_MAX];
	int rcode = v % 4096;

	FUZZ_CHECK(dns_qtype_parse(dns_qtype_fmt(v, buf, sizeof(buf))) == v);
	FUZZ_CHECK(dns_rcode_parse(dns_rcode_fmt(rcode, buf, sizeof(buf))) ==
	    rcode);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 6, 1, 28, 2, 15, 16, 5, 255, 65280 };
	static const int rcodes[] = { 0, 3, 2, 5, 16, 4095 };
	unsigned char wire[DNS_MAX_NAME], *pkt;
	struct dns_expect exp;
	struct dns_eval_info info;
	enum probe_result r;
	const uint8_t *nul, *rest;
	size_t restlen, plen = 0;
	char *name;
	int n;

	if (size < 2)
		return 0;
	check_mnemonics((uint16_t)(data[0] << 8 | data[1]));
	if ((nul = memchr(data + 2, '\0', size - 2)) == NULL)
		return 0;
	name = fuzz_strndup(data + 2, (size_t)(nul - data - 2));
	rest = nul + 1;
	restlen = size - (size_t)(rest - data);

	memset(&exp, 0, sizeof(exp));
	exp.qname = name;
	exp.qtype = types[(data[1] & 0x0f) % (sizeof(types) / sizeof(types[0]))];
	exp.qclass = DNS_CLASS_IN;
	exp.rcode = rcodes[(data[0] & 0x07) % (sizeof(rcodes) / sizeof(rcodes[0]))];
	exp.authoritative = data[0] & 0x08;
	exp.answer = data[0] & 0x10;
	exp.tcp = data[0] & 0x20;
	exp.id = data[0] & 0x40 ? 0x1234 : -1;

	n = dns_name_to_wire(name, wire, sizeof(wire));
	if (n != -1)
		check_wire(wire, n);
	if ((pkt = malloc(12 + DNS_MAX_NAME + 4 + restlen)) == NULL)
		abort();
	if ((data[0] & 0x80) && n != -1) {
		/* ID 0x1234, QR, AA per the input, one question. */
		static const unsigned char hdr[12] = { 0x12, 0x34, 0x84, 0, 0, 1 };

		memcpy(pkt, hdr, sizeof(hdr));
		plen = sizeof(hdr);
		memcpy(pkt + plen, wire, (size_t)n);
		plen += (size_t)n;
		pkt[plen++] = (unsigned char)(exp.qtype >> 8);
		pkt[plen++] = (unsigned char)exp.qtype;
		pkt[plen++] = 0;
		pkt[plen++] = DNS_CLASS_IN;
		/* The rest supplies flags, counts and the records: its first
		 * bytes overwrite the rcode byte and the section counts. */
		if (restlen >= 8) {
			pkt[2] = (unsigned char)(0x80 | (rest[0] & 0x07));
			pkt[3] = rest[1];
			memcpy(pkt + 6, rest + 2, 6);
			memcpy(pkt + plen, rest + 8, restlen - 8);
			plen += restlen - 8;
		}
	} else {
		memcpy(pkt, rest, restlen);
		plen = restlen;
	}
	r = dns_eval(pkt, plen, &exp, &info);
	FUZZ_CHECK(r == PROBE_OK || r == PROBE_RCODE || r == PROBE_NOT_AUTH ||
	    r == PROBE_NO_ANSWER || r == PROBE_MALFORMED ||
	    r == PROBE_TRUNCATED);
	FUZZ_CHECK((r == PROBE_OK) == (info.detail[0] == '\0'));
	FUZZ_CHECK(memchr(info.detail, '\0', sizeof(info.detail)) != NULL);
	FUZZ_CHECK(fuzz_clean(info.detail));
	FUZZ_CHECK(info.matching <= info.ancount);
	if (r == PROBE_OK)
		FUZZ_CHECK(info.rcode == exp.rcode);
	/* The question we wrote from the name's own wire form must match
	 * the name: an honest reply is never "question mismatch". */
	if ((data[0] & 0x80) && n != -1)
		FUZZ_CHECK(strstr(info.detail, "question mismatch") == NULL &&
		    strstr(info.detail, "cannot encode") == NULL &&
		    strstr(info.detail, "question:") == NULL);
	free(pkt);
	free(name);
	return 0;
}
