/* Table tests for the sock_diag matcher and decoder (netlink/sockdiag.c):
 * which destroyed sockets count as the end of a watched DNS listener.  The
 * cases that must not match are the ones that would make every probe look
 * like a crash: the probe's own client sockets, accepted TCP connections,
 * connected UDP, other ports, other addresses, the other protocol. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "check.h"
#include "sockdiag.h"

CHECK_STATE;


struct mwatch {
	int		 proto;
	const char	*addr;
	uint16_t	 port;
};

struct mev {
	int		 proto;
	const char	*laddr;
	uint16_t	 lport;
	const char	*raddr;
	uint16_t	 rport;
	int		 state;		/* as the kernel reports it */
};

struct mcase {
	const char	*name;
	struct mwatch	 w;
	struct mev	 ev;
	int		 match;
};

#define UDP	IPPROTO_UDP
#define TCP	IPPROTO_TCP
#define UDPLITE	IPPROTO_UDPLITE

static const struct mcase cases[] = {
	/* What a dying named destroys, and listeners that serve the watch. */
	{ "udp listener on the address",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_CLOSE }, 1 },
	{ "tcp listener, freed in TCP_CLOSE",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_CLOSE }, 1 },
	{ "tcp listener reported in TCP_LISTEN",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_LISTEN }, 1 },
	{ "udp 0.0.0.0 wildcard",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "0.0.0.0", 53, "0.0.0.0", 0, TCP_CLOSE }, 1 },
	{ "udp [::] dual-stack serves IPv4",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "::", 53, "::", 0, TCP_CLOSE }, 1 },
	{ "udp v4-mapped ::ffff:127.0.0.1",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "::ffff:127.0.0.1", 53, "::", 0, TCP_CLOSE }, 1 },
	{ "udp v4-mapped any ::ffff:0.0.0.0",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "::ffff:0.0.0.0", 53, "::", 0, TCP_CLOSE }, 1 },
	{ "udp ::1 listener",
	    { UDP, "::1", 53 },
	    { UDP, "::1", 53, "::", 0, TCP_CLOSE }, 1 },
	{ "tcp [::] listener, IPv6 watch",
	    { TCP, "::1", 53 },
	    { TCP, "::", 53, "::", 0, TCP_CLOSE }, 1 },
	{ "watched 5353, listener on 53",
	    { UDP, "127.0.0.1", 5353 },
	    { UDP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_CLOSE }, 0 },
	/* Not the server's listeners. */
	{ "probe's udp client socket (remote 53)",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "127.0.0.1", 40000, "127.0.0.1", 53, TCP_ESTABLISHED }, 0 },
	{ "probe's tcp client socket (remote 53)",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 40000, "127.0.0.1", 53, TCP_CLOSE }, 0 },
	{ "accepted tcp connection, closed",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "127.0.0.1", 40000, TCP_CLOSE }, 0 },
	{ "accepted tcp connection, established",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "127.0.0.1", 40000, TCP_ESTABLISHED }, 0 },
	{ "accepted, SO_LINGER 0: port cleared, peer kept (measured)",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "127.0.0.1", 0, TCP_CLOSE }, 0 },
	{ "accepted, SO_LINGER 0, wildcard listener (measured)",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "0.0.0.0", 53, "127.0.0.1", 0, TCP_CLOSE }, 0 },
	{ "accepted, SO_LINGER 0, IPv6 (peer kept)",
	    { TCP, "::1", 53 },
	    { TCP, "::1", 53, "::1", 0, TCP_CLOSE }, 0 },
	{ "connected udp on port 53",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "127.0.0.1", 53, "127.0.0.1", 40000, TCP_ESTABLISHED }, 0 },
	{ "tcp socket in SYN_SENT from 53",
	    { TCP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_SYN_SENT }, 0 },
	{ "other address",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "127.0.0.2", 53, "0.0.0.0", 0, TCP_CLOSE }, 0 },
	{ "other port",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "127.0.0.1", 5353, "0.0.0.0", 0, TCP_CLOSE }, 0 },
	{ "tcp listener, udp watch",
	    { UDP, "127.0.0.1", 53 },
	    { TCP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_CLOSE }, 0 },
	{ "udp listener, tcp watch",
	    { TCP, "127.0.0.1", 53 },
	    { UDP, "127.0.0.1", 53, "0.0.0.0", 0, TCP_CLOSE }, 0 },
	{ "IPv4 listener, IPv6 watch",
	    { UDP, "::1", 53 },
	    { UDP, "0.0.0.0", 53, "0.0.0.0", 0, TCP_CLOSE }, 0 },
	{ "other IPv6 address",
	    { UDP, "::1", 53 },
	    { UDP, "2001:db8::1", 53, "::", 0, TCP_CLOSE }, 0 },
	{ "v4-mapped other address",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "::ffff:127.0.0.2", 53, "::", 0, TCP_CLOSE }, 0 },
	{ "IPv6 listener not covering IPv4",
	    { UDP, "127.0.0.1", 53 },
	    { UDP, "::1", 53, "::", 0, TCP_CLOSE }, 0 },
	{ "udplite listener",
	    { UDP, "127.0.0.1", 53 },
	    { UDPLITE, "127.0.0.1", 53, "0.0.0.0", 0, TCP_CLOSE }, 0 },
};

static int
parse_addr(const char *s, int *family, uint8_t *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static void
run_case(const struct mcase *c)
{
	struct nl_sockwatch w;
	struct nl_sock_event ev;
	int rf, m;

	memset(&w, 0, sizeof(w));
	memset(&ev, 0, sizeof(ev));
	if (parse_addr(c->w.addr, &w.family, w.addr) == -1 ||
	    parse_addr(c->ev.laddr, &ev.family, ev.laddr) == -1 ||
	    parse_addr(c->ev.raddr, &rf, ev.raddr) == -1) {
		CHECKF(0, "%s: bad address in the table", c->name);
		return;
	}
	w.proto = c->w.proto;
	w.port = c->w.port;
	ev.proto = c->ev.proto;
	ev.lport = c->ev.lport;
	ev.rport = c->ev.rport;
	ev.state = c->ev.state;
	m = nl_sockwatch_match(&w, &ev);
	CHECKF(m == c->match, "%s: match %d, want %d", c->name, m, c->match);
}

/* A destroy message as the kernel builds it (inet_diag_handler_get_info):
 * the inet_diag_msg header, then INET_DIAG_PROTOCOL. */
static struct nlmsghdr *
build(char *buf, int family, const char *src, uint16_t sport, int proto,
    int with_proto)
{
	struct nlmsghdr *nlh;
	struct inet_diag_msg *m;

	memset(buf, 0, 1024);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = (uint8_t)family;
	m->idiag_state = TCP_CLOSE;
	m->id.idiag_sport = htons(sport);
	m->idiag_inode = 1234;
	(void)inet_pton(family, src, m->id.idiag_src);
	if (with_proto)
		mnl_attr_put_u8(nlh, INET_DIAG_PROTOCOL, (uint8_t)proto);
	return nlh;
}

static void
test_decode(void)
{
	char buf[1024];
	struct nl_sock_event ev;
	struct nlmsghdr *nlh;
	uint8_t lo4[4] = { 127, 0, 0, 1 };

	nlh = build(buf, AF_INET, "127.0.0.1", 53, IPPROTO_UDP, 1);
	CHECKF(nl_sock_event_decode(nlh, &ev) == 0, "decode udp4");
	CHECKF(ev.family == AF_INET && ev.proto == IPPROTO_UDP &&
	    ev.lport == 53 && ev.rport == 0 && ev.state == TCP_CLOSE &&
	    ev.inode == 1234 && memcmp(ev.laddr, lo4, 4) == 0,
	    "decoded udp4 fields");
	nlh = build(buf, AF_INET6, "::1", 53, IPPROTO_TCP, 1);
	CHECKF(nl_sock_event_decode(nlh, &ev) == 0 && ev.family == AF_INET6 &&
	    ev.proto == IPPROTO_TCP && ev.laddr[15] == 1, "decode tcp6");
	nlh = build(buf, AF_INET, "127.0.0.1", 53, IPPROTO_UDP, 0);
	CHECKF(nl_sock_event_decode(nlh, &ev) == -1,
	    "no INET_DIAG_PROTOCOL: rejected");
	nlh = build(buf, AF_UNIX, "127.0.0.1", 53, IPPROTO_UDP, 1);
	CHECKF(nl_sock_event_decode(nlh, &ev) == -1, "AF_UNIX: rejected");
	nlh = build(buf, AF_INET, "127.0.0.1", 53, IPPROTO_UDP, 1);
	nlh->nlmsg_type = NLMSG_ERROR;
	CHECKF(nl_sock_event_decode(nlh, &ev) == -1, "wrong type: rejected");
	nlh = build(buf, AF_INET, "127.0.0.1", 53, IPPROTO_UDP, 0);
	nlh->nlmsg_len = mnl_nlmsg_size(sizeof(struct inet_diag_msg) - 1);
	CHECKF(nl_sock_event_decode(nlh, &ev) == -1, "short: rejected");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_decode();
	if (failures == 0)
		printf("test_sockdiag: %zu match cases, decode: ok\n",
		    sizeof(cases) / sizeof(cases[0]));
	return failures != 0;
}
