/* DNS reply evaluation and the one table of DNS mnemonics.  Pure functions
 * on bytes and strings: no I/O, no clock, no allocation, no c-ares, so that
 * the agent's config parser can link them (library anycastd_dns) without
 * c-ares.  The config parses and prints rcodes and record types with the
 * mnemonic helpers; probe.c uses dns_eval(). */
#ifndef ANYCASTD_DNS_H
#define ANYCASTD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define DNS_CLASS_IN	1
#define DNS_MAX_NAME	255	/* wire octets, RFC 1035 2.3.4 */
#define DNS_MAX_LABEL	63
#define DNS_FMT_MAX	16	/* for the _fmt helpers: "NSEC3PARAM", "TYPE65535" */

/* What a passing reply must look like. */
struct dns_expect {
	int		 id;		/* query ID 0..65535, or -1 if unknown */
	const char	*qname;		/* presentation form, "example.com." */
	uint16_t	 qtype;
	uint16_t	 qclass;	/* DNS_CLASS_IN */
	bool		 tcp;		/* reply came over TCP: TC=1 is ignored */
	int		 rcode;		/* expected rcode, 0..4095 */
	bool		 authoritative;	/* require AA=1 */
	bool		 answer;	/* require an answer RR of qtype */
	bool		 recursion;	/* RD=1 was sent: require RD=1 (echo)
					 * and RA=1 */
	bool		 dnssec;	/* DO=1 was sent: require AD=1 */
};

/* What dns_eval() saw, filled in whatever the verdict. */
struct dns_eval_info {
	int		 rcode;		/* rcode incl. EDNS extension, or -1
					 * when the header was not ours */
	bool		 aa;
	bool		 tc;
	bool		 rd;
	bool		 ra;
	bool		 ad;
	unsigned	 ancount;	/* answer RRs parsed */
	unsigned	 matching;	/* of those, of qtype and qclass */
	/* The first SOA of the answer owned by the queried name. */
	bool		 soa;
	uint32_t	 soa_serial, soa_expire;
	char		 detail[128];	/* "" on PROBE_OK, else the reason */
};

/* Evaluates one raw reply (no TCP length prefix) against exp.  Returns
 * PROBE_OK, PROBE_RCODE, PROBE_NOT_AUTH, PROBE_NO_RECURSION,
 * PROBE_NOT_VALIDATED, PROBE_NO_ANSWER, PROBE_MALFORMED or PROBE_TRUNCATED,
 * and explains anything but PROBE_OK in out->detail: "rcode SERVFAIL", "not
 * authoritative", "recursion not available", "not validated", "no answer",
 * "truncated", "malformed: <why>".  After the message's form, the checks
 * run in the order rcode, RD copied (malformed), AA, RA, AD, answer: a
 * resolver that refuses or fails says so by its rcode, whatever its flags.
 * Every RR of every section is parsed with bounds checks, so a reply that
 * passes is well-formed throughout.  out may be NULL. */
enum probe_result dns_eval(const unsigned char *reply, size_t len,
		    const struct dns_expect *exp, struct dns_eval_info *out);

/* Presentation name ("example.com.", "." or without the final dot; escapes
 * "\." and "\DDD" as in RFC 1035 5.1) to uncompressed wire form.  Returns the
 * wire length (1..255) or -1 if the name is empty, has an empty or over-long
 * label, a bad escape, or does not fit in size. */
int		 dns_name_to_wire(const char *name, unsigned char *wire,
		    size_t size);

/* Mnemonics.  The _str functions return a static string, or NULL for a
 * value without a mnemonic.  The _fmt functions always write something the
 * _parse functions read back to the same value: the mnemonic, else the
 * number ("12") or RFC 3597's generic form ("TYPE65280"); they return buf,
 * for which DNS_FMT_MAX bytes are enough.  The _parse functions are
 * case-insensitive and return -1 for an unknown string. */
const char	*dns_rcode_str(int rcode);	/* 0..23; BADVERS for 16 */
const char	*dns_rcode_fmt(int rcode, char *buf, size_t len);
int		 dns_rcode_parse(const char *);	/* mnemonic or 0..4095 */
const char	*dns_qtype_str(uint16_t qtype);
const char	*dns_qtype_fmt(uint16_t qtype, char *buf, size_t len);
int		 dns_qtype_parse(const char *);	/* mnemonic or TYPE0..TYPE65535 */

#endif
