/* DNS health probes through c-ares, driven by our own event loop.  A probe
 * owns one c-ares channel aimed at exactly one server, sends one query when
 * told to, and reports one result: it never retries, never caches, never
 * decides what a result means for the node.  The query is built once with
 * ares_create_query() (RD=0, no EDNS: a SOA or A answer from the zone apex
 * fits in 512 octets, and a reply that does not is reported as truncated,
 * which is what an operator probing over UDP needs to know) and sent with
 * ares_send(); the raw reply is judged by dns_eval(), not by c-ares.
 *
 * c-ares 1.18 behaviour this file relies on (read in its ares_send.c,
 * ares_process.c and ares_init.c, and measured with tests/reply):
 * - ares_send() keeps the ID in our buffer (query->qid = the header's ID);
 *   later versions choose their own.  We therefore take the expected ID from
 *   the bytes that really left through our asendv hook, so that dns_eval()'s
 *   ID check compares with what was on the wire whichever c-ares is used.
 * - process_answer() silently drops a reply shorter than a header, or whose
 *   ID or question does not match an outstanding query, and
 *   read_udp_packets() one from another address; such a reply ends as a
 *   timeout, not as "malformed" (tests/reply/probe_live.sh shows it).
 *   Our own checks stay as a second line for newer versions.
 * - Every socket failure (connect, send, receive, TCP EOF) ends the query
 *   with ARES_ECONNREFUSED, whatever errno was: the status alone cannot tell
 *   "nobody listening" from "no route".  Our socket hooks record the real
 *   errno, and that decides between PROBE_REFUSED and PROBE_SOCKET_ERROR.
 *   Measured on loopback: UDP gets ECONNREFUSED from recvfrom() (ICMP port
 *   unreachable on the connected socket); TCP gets EINPROGRESS from
 *   connect() and ECONNREFUSED from the first writev().  A socket that fails
 *   at once (EMFILE, ENETUNREACH at connect) ends the query inside
 *   ares_send() itself.
 * - With ARES_OPT_SERVERS (empty), DOMAINS (empty), LOOKUPS, SORTLIST, NDOTS,
 *   TRIES and TIMEOUTMS all given, ares_init_options() skips resolv.conf
 *   altogether, and LOCALDOMAIN/RES_OPTIONS only fill fields left unset.
 * - Without ARES_FLAG_STAYOPEN the sockets close when the query ends, so
 *   every probe uses a fresh socket: a new UDP source port, and a new TCP
 *   connection that exercises the server's accept path.
 * - c-ares does not look at QR, opcode or rcode (with NOCHECKRESP), nor at
 *   anything after the question: those are ours.  With IGNTC it cuts a UDP
 *   reply longer than 512 octets to 512 before handing it over.
 * - ares_timeout() rounds down to whole milliseconds; we add one so that the
 *   timer does not spin while the last sub-millisecond passes.
 * - ares_destroy() calls outstanding callbacks with ARES_EDESTRUCTION; we
 *   ignore that, so probe_free() never reports. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ares.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

#define MAX_SOCKS	2	/* one server: at most a UDP and a TCP socket */

enum probe_state {
	PROBE_IDLE,
	PROBE_RUNNING,		/* query handed to c-ares */
	PROBE_DONE		/* report ready, delivery timer armed */
};

struct probe_sock {
	int		 fd;		/* -1: slot free */
	int		 stream;	/* SOCK_STREAM: 2-octet length prefix */
	int		 watched;	/* registered in our loop */
	size_t		 sent;		/* stream octets sent so far */
};

struct probe {
	struct loop		*loop;
	char			*name;
	char			*qname;
	struct sockaddr_storage	 server;
	socklen_t		 server_len;
	uint16_t		 qtype;
	bool			 tcp;
	uint32_t		 timeout_ms;
	int			 rcode;
	bool			 authoritative;
	bool			 answer;
	probe_cb		*cb;
	void			*arg;

	ares_channel		 channel;
	/* c-ares keeps a pointer to this, so it lives as long as we do. */
	struct ares_socket_functions sockfuncs;
	unsigned char		*query;
	size_t			 qlen;
	struct loop_timer	*timer;
	enum probe_state	 state;
	int			 destroying;
	struct probe_sock	 socks[MAX_SOCKS];

	/* Per query. */
	uint64_t		 started_us;
	unsigned char		 wire_id[2];
	unsigned		 wire_id_seen;	/* bit 0, bit 1: octet captured */
	int			 sock_errno;	/* first hard socket error */
	int			 eof;		/* TCP closed by the server */
	size_t			 udp_len;	/* size of the last datagram */
	struct probe_report	 report;
};

static const char *const result_names[PROBE_RESULT_MAX] = {
	[PROBE_OK] = "ok",
	[PROBE_TIMEOUT] = "timeout",
	[PROBE_REFUSED] = "refused",
	[PROBE_RCODE] = "rcode",
	[PROBE_NOT_AUTH] = "not authoritative",
	[PROBE_NO_ANSWER] = "no answer",
	[PROBE_MALFORMED] = "malformed",
	[PROBE_TRUNCATED] = "truncated",
	[PROBE_SOCKET_ERROR] = "socket error",
};

const char *
probe_result_str(enum probe_result r)
{
	if ((unsigned)r >= PROBE_RESULT_MAX)
		return "unknown";
	return result_names[r];
}

const char *
probe_name(const struct probe *p)
{
	return p->name;
}

static struct probe_sock *
sock_find(struct probe *p, int fd)
{
	int i;

	for (i = 0; i < MAX_SOCKS; i++)
		if (p->socks[i].fd == fd)
			return &p->socks[i];
	return NULL;
}

static void
note_errno(struct probe *p, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS ||
	    err == EINTR)
		return;
	if (p->sock_errno == 0)
		p->sock_errno = err;
}

/*
 * Socket hooks.  Besides recording errno (see above) they give every fd
 * SOCK_CLOEXEC|SOCK_NONBLOCK atomically, and connect to our own copy of the
 * server address, which keeps an IPv6 scope id that c-ares 1.18's server
 * list has no room for.  With hooks installed c-ares sets no socket options
 * itself, so TCP_NODELAY is ours to set.
 */
static ares_socket_t
hook_socket(int domain, int type, int protocol, void *arg)
{
	struct probe *p = arg;
	struct probe_sock *s;
	int fd, one = 1;

	if ((s = sock_find(p, -1)) == NULL) {
		errno = EMFILE;
		note_errno(p, errno);
		return ARES_SOCKET_BAD;
	}
	fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
	if (fd == -1) {
		note_errno(p, errno);
		return ARES_SOCKET_BAD;
	}
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	s->fd = fd;
	s->stream = type == SOCK_STREAM;
	s->watched = 0;
	s->sent = 0;
	return fd;
}

static int
hook_close(ares_socket_t fd, void *arg)
{
	struct probe *p = arg;
	struct probe_sock *s;

	if ((s = sock_find(p, fd)) != NULL) {
		if (s->watched)
			loop_del_fd(p->loop, fd);
		s->fd = -1;
		s->watched = 0;
	}
	return close(fd);
}

static int
hook_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
    void *arg)
{
	struct probe *p = arg;
	int rv;

	if (sa->sa_family == p->server.ss_family)
		rv = connect(fd, (struct sockaddr *)&p->server, p->server_len);
	else
		rv = connect(fd, sa, len);
	if (rv == -1)
		note_errno(p, errno);
	return rv;
}

static ares_ssize_t
hook_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	struct probe *p = arg;
	struct probe_sock *s = sock_find(p, fd);
	ssize_t n;

	n = recvfrom(fd, buf, len, flags, from, fromlen);
	if (n == -1)
		note_errno(p, errno);
	else if (n == 0 && s != NULL && s->stream)
		p->eof = 1;
	else if (s != NULL && !s->stream)
		p->udp_len = (size_t)n;
	return n;
}

/* Captures the query ID from the octets actually written: the first two of
 * a datagram, or stream octets 2 and 3 after the TCP length prefix. */
static void
capture_id(struct probe *p, struct probe_sock *s, const struct iovec *iov,
    int iovcnt, size_t written)
{
	size_t base = s->stream ? s->sent : 0, idpos = s->stream ? 2 : 0;
	size_t pos = base, k;
	int i;

	for (i = 0; i < iovcnt && pos < base + written; i++) {
		for (k = 0; k < iov[i].iov_len && pos < base + written;
		    k++, pos++) {
			if (pos == idpos || pos == idpos + 1) {
				p->wire_id[pos - idpos] =
				    ((const unsigned char *)iov[i].iov_base)[k];
				p->wire_id_seen |= 1u << (pos - idpos);
			}
			if (pos > idpos + 1)
				return;
		}
	}
}

static ares_ssize_t
hook_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	struct probe *p = arg;
	struct probe_sock *s = sock_find(p, fd);
	ssize_t n;

	n = writev(fd, iov, iovcnt);
	if (n == -1) {
		note_errno(p, errno);
		return n;
	}
	if (s != NULL) {
		capture_id(p, s, iov, iovcnt, (size_t)n);
		if (s->stream)
			s->sent += (size_t)n;
	}
	return n;
}

static void
rearm(struct probe *p)
{
	struct timeval tvbuf, *tv;

	if (p->state != PROBE_RUNNING)
		return;
	if ((tv = ares_timeout(p->channel, NULL, &tvbuf)) == NULL) {
		loop_timer_disarm(p->timer);
		return;
	}
	/* +1 ms: ares_timeout() truncates to whole milliseconds. */
	if (loop_timer_arm(p->timer, (uint64_t)tv->tv_sec * 1000000u +
	    (uint64_t)tv->tv_usec + 1000u) == -1)
		log_warn("probe %s: timer", p->name);
}

static void
on_fd(struct loop *l, int fd, void *arg, int mask)
{
	struct probe *p = arg;

	(void)l;
	ares_process_fd(p->channel,
	    (mask & LOOP_READ) ? fd : ARES_SOCKET_BAD,
	    (mask & LOOP_WRITE) ? fd : ARES_SOCKET_BAD);
	rearm(p);
}

static void
on_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct probe *p = arg;
	struct probe_sock *s;
	int mask = (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0);

	if ((s = sock_find(p, fd)) == NULL) {
		/* Every c-ares socket comes from hook_socket(). */
		log_warnx("probe %s: c-ares reported unknown fd %d", p->name,
		    fd);
		return;
	}
	if (mask == 0) {
		if (s->watched)
			loop_del_fd(p->loop, fd);
		s->watched = 0;
	} else if (!s->watched) {
		if (loop_add_fd(p->loop, fd, mask, on_fd, p) == -1)
			/* The query then ends by timeout, which is true:
			 * we cannot hear the server. */
			log_warn("probe %s: watch fd %d", p->name, fd);
		else
			s->watched = 1;
	} else if (loop_mod_fd(p->loop, fd, mask) == -1)
		log_warn("probe %s: watch fd %d", p->name, fd);
}

static void
socket_result(struct probe *p, int status)
{
	struct probe_report *r = &p->report;

	r->sys_errno = p->sock_errno;
	if (p->sock_errno == ECONNREFUSED) {
		r->result = PROBE_REFUSED;
		snprintf(r->detail, sizeof(r->detail), "refused");
	} else if (p->sock_errno != 0) {
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail), "socket error: %s",
		    strerror(p->sock_errno));
	} else if (p->eof) {
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail),
		    "socket error: connection closed by server");
	} else {
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail),
		    "socket error: c-ares: %s", ares_strerror(status));
	}
}

/* c-ares' completion callback.  It may run inside ares_send() (a socket
 * that fails at once) or inside ares_process_fd(); either way we only store
 * the report and let a 0-delay timer deliver it from the loop, so that the
 * user's callback never runs inside probe_start() or inside c-ares, and may
 * free the probe. */
static void
on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct probe *p = arg;
	struct probe_report *r = &p->report;
	struct dns_expect exp;
	struct dns_eval_info info;

	(void)timeouts;
	if (p->destroying || p->state != PROBE_RUNNING)
		return;
	r->latency_us = loop_now_us() - p->started_us;
	r->rcode = -1;
	switch (status) {
	case ARES_SUCCESS:
		/* With IGNTC, c-ares 1.18 passes on at most the first 512
		 * octets of a longer UDP reply; without EDNS the server had no
		 * right to send more (RFC 1035 4.2.1), so say that rather than
		 * what the cut left. */
		if (!p->tcp && alen >= 0 && p->udp_len > (size_t)alen) {
			r->result = PROBE_MALFORMED;
			snprintf(r->detail, sizeof(r->detail),
			    "malformed: %zu-octet UDP reply, limit 512 "
			    "without EDNS", p->udp_len);
			break;
		}
		memset(&exp, 0, sizeof(exp));
		exp.id = p->wire_id_seen == 3 ?
		    p->wire_id[0] << 8 | p->wire_id[1] :
		    p->query[0] << 8 | p->query[1];
		exp.qname = p->qname;
		exp.qtype = p->qtype;
		exp.qclass = DNS_CLASS_IN;
		exp.tcp = p->tcp;
		exp.rcode = p->rcode;
		exp.authoritative = p->authoritative;
		exp.answer = p->answer;
		r->result = dns_eval(abuf, alen > 0 ? (size_t)alen : 0, &exp,
		    &info);
		r->rcode = info.rcode;
		memcpy(r->detail, info.detail, sizeof(r->detail));
		break;
	case ARES_ETIMEOUT:
		r->result = PROBE_TIMEOUT;
		snprintf(r->detail, sizeof(r->detail), "timeout after %ums",
		    p->timeout_ms);
		break;
	case ARES_ECONNREFUSED:
		socket_result(p, status);
		break;
	case ARES_ENOMEM:
		r->result = PROBE_SOCKET_ERROR;
		r->sys_errno = ENOMEM;
		snprintf(r->detail, sizeof(r->detail), "socket error: %s",
		    strerror(ENOMEM));
		break;
	default:
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail), "socket error: c-ares: %s",
		    ares_strerror(status));
		break;
	}
	p->state = PROBE_DONE;
	if (loop_timer_arm(p->timer, 0) == -1)
		log_warn("probe %s: timer", p->name);
}

static void
on_timer(struct loop *l, void *arg)
{
	struct probe *p = arg;
	struct probe_report r;

	(void)l;
	if (p->state == PROBE_DONE) {
		p->state = PROBE_IDLE;
		r = p->report;
		/* Last use of p: the callback may free it or start again. */
		p->cb(p->arg, p, &r);
		return;
	}
	if (p->state == PROBE_RUNNING) {
		ares_process_fd(p->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		rearm(p);
	}
}

static int
random_id(struct probe *p)
{
	uint16_t id;

	/* IDs guard against off-path spoofing (RFC 5452), so they come from
	 * the kernel; the clock is only a fallback for a getrandom() that
	 * would block early at boot. */
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) == (ssize_t)sizeof(id))
		return id;
	return (int)((loop_now_us() ^ (uintptr_t)p) & 0xffff);
}

/* Builds the query once.  The name is checked against our own encoder so
 * that dns_eval() compares the reply with exactly the question we send (c-ares
 * 1.18 does not decode \DDD escapes, for one). */
static int
build_query(struct probe *p)
{
	unsigned char want[DNS_MAX_NAME], *buf = NULL;
	int status, len, wlen;

	if ((wlen = dns_name_to_wire(p->qname, want, sizeof(want))) == -1) {
		log_warnx("probe %s: bad name \"%s\"", p->name, p->qname);
		errno = EINVAL;
		return -1;
	}
	status = ares_create_query(p->qname, DNS_CLASS_IN, p->qtype, 0, 0,
	    &buf, &len, 0);
	if (status != ARES_SUCCESS) {
		log_warnx("probe %s: cannot build query for \"%s\": %s",
		    p->name, p->qname, ares_strerror(status));
		errno = status == ARES_ENOMEM ? ENOMEM : EINVAL;
		return -1;
	}
	if (len != 12 + wlen + 4 || memcmp(buf + 12, want, (size_t)wlen) != 0) {
		log_warnx("probe %s: c-ares encodes \"%s\" differently",
		    p->name, p->qname);
		ares_free_string(buf);
		errno = EINVAL;
		return -1;
	}
	if ((p->query = malloc((size_t)len)) == NULL) {
		ares_free_string(buf);
		return -1;
	}
	memcpy(p->query, buf, (size_t)len);
	p->qlen = (size_t)len;
	ares_free_string(buf);
	return 0;
}

static int
init_channel(struct probe *p)
{
	struct ares_options opts;
	struct ares_addr_port_node srv;
	char lookups[] = "b";
	int mask, status, port;

	memset(&opts, 0, sizeof(opts));
	/* IGNTC: hand a TC reply to us instead of retrying over TCP, so that
	 * we can say "truncated".  NOCHECKRESP: hand us SERVFAIL, NOTIMP and
	 * REFUSED instead of trying the next server (there is none).  The
	 * others keep search lists and HOSTALIASES out. */
	opts.flags = ARES_FLAG_IGNTC | ARES_FLAG_NOCHECKRESP |
	    ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NORECURSE |
	    (p->tcp ? ARES_FLAG_USEVC : ARES_FLAG_STAYOPEN);
	opts.timeout = (int)p->timeout_ms;
	opts.tries = 1;
	opts.ndots = 1;
	if (p->server.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&p->server)->sin_port);
	else
		port = ntohs(((struct sockaddr_in6 *)&p->server)->sin6_port);
	opts.udp_port = (unsigned short)port;
	opts.tcp_port = (unsigned short)port;
	opts.servers = NULL;
	opts.nservers = 0;
	opts.domains = NULL;
	opts.ndomains = 0;
	opts.lookups = lookups;
	opts.sortlist = NULL;
	opts.nsort = 0;
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = p;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_NDOTS | ARES_OPT_UDP_PORT | ARES_OPT_TCP_PORT |
	    ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS |
	    ARES_OPT_SORTLIST | ARES_OPT_NOROTATE | ARES_OPT_SOCK_STATE_CB;
#ifdef ARES_OPT_QUERY_CACHE
	/* c-ares >= 1.23 caches replies by default; a health probe answered
	 * from a cache would say nothing about the server. */
	opts.qcache_max_ttl = 0;
	mask |= ARES_OPT_QUERY_CACHE;
#endif
	if ((status = ares_init_options(&p->channel, &opts, mask)) !=
	    ARES_SUCCESS) {
		p->channel = NULL;
		goto fail;
	}
	p->sockfuncs.asocket = hook_socket;
	p->sockfuncs.aclose = hook_close;
	p->sockfuncs.aconnect = hook_connect;
	p->sockfuncs.arecvfrom = hook_recvfrom;
	p->sockfuncs.asendv = hook_sendv;
	ares_set_socket_functions(p->channel, &p->sockfuncs, p);

	memset(&srv, 0, sizeof(srv));
	srv.family = p->server.ss_family;
	if (srv.family == AF_INET)
		memcpy(&srv.addr.addr4,
		    &((struct sockaddr_in *)&p->server)->sin_addr,
		    sizeof(srv.addr.addr4));
	else
		memcpy(&srv.addr.addr6,
		    &((struct sockaddr_in6 *)&p->server)->sin6_addr,
		    sizeof(srv.addr.addr6));
	srv.udp_port = port;
	srv.tcp_port = port;
	if ((status = ares_set_servers_ports(p->channel, &srv)) !=
	    ARES_SUCCESS)
		goto fail;
	return 0;
fail:
	log_warnx("probe %s: c-ares: %s", p->name, ares_strerror(status));
	errno = status == ARES_ENOMEM ? ENOMEM : EINVAL;
	return -1;
}

struct probe *
probe_new(struct loop *loop, const struct probe_conf *conf, probe_cb *cb,
    void *arg)
{
	struct probe *p;
	int i, status;

	/* c-ares counts ares_library_init() calls and on Linux does nothing
	 * else (it sets up Winsock elsewhere), so pairing one call per probe
	 * with ares_library_cleanup() in probe_free() is safe in our single
	 * thread and needs no global "initialised" flag of ours. */
	if ((status = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		log_warnx("c-ares: %s", ares_strerror(status));
		errno = ENOMEM;
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		ares_library_cleanup();
		return NULL;
	}
	for (i = 0; i < MAX_SOCKS; i++)
		p->socks[i].fd = -1;
	p->loop = loop;
	p->cb = cb;
	p->arg = arg;
	p->qtype = conf->qtype;
	p->tcp = conf->tcp;
	p->timeout_ms = conf->timeout_ms;
	p->rcode = conf->rcode;
	p->authoritative = conf->authoritative;
	p->answer = conf->answer;
	if ((p->name = strdup(conf->name ? conf->name : "?")) == NULL ||
	    (p->qname = strdup(conf->qname ? conf->qname : "")) == NULL)
		goto fail;
	if ((conf->server.ss_family != AF_INET &&
	    conf->server.ss_family != AF_INET6) ||
	    conf->server_len < (conf->server.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ||
	    conf->server_len > sizeof(p->server) ||
	    conf->timeout_ms == 0 || conf->timeout_ms > INT_MAX) {
		log_warnx("probe %s: bad server address or timeout", p->name);
		errno = EINVAL;
		goto fail;
	}
	memcpy(&p->server, &conf->server, conf->server_len);
	p->server_len = conf->server_len;
	if (build_query(p) == -1)
		goto fail;
	if ((p->timer = loop_timer_new(loop, on_timer, p)) == NULL) {
		log_warn("probe %s: timer", p->name);
		goto fail;
	}
	if (init_channel(p) == -1)
		goto fail;
	return p;
fail:
	probe_free(p);
	return NULL;
}

void
probe_free(struct probe *p)
{
	int saved = errno;

	if (p == NULL)
		return;
	/* ares_destroy() calls on_reply() with ARES_EDESTRUCTION for a query
	 * in flight and closes its sockets through our hooks, which also
	 * take them out of the loop. */
	p->destroying = 1;
	if (p->channel != NULL)
		ares_destroy(p->channel);
	loop_timer_free(p->timer);
	free(p->query);
	free(p->qname);
	free(p->name);
	free(p);
	ares_library_cleanup();
	errno = saved;
}

int
probe_start(struct probe *p)
{
	int id;

	if (p->state != PROBE_IDLE) {
		errno = EBUSY;
		return -1;
	}
	id = random_id(p);
	p->query[0] = (unsigned char)(id >> 8);
	p->query[1] = (unsigned char)id;
	p->wire_id_seen = 0;
	p->sock_errno = 0;
	p->eof = 0;
	p->udp_len = 0;
	memset(&p->report, 0, sizeof(p->report));
	p->state = PROBE_RUNNING;
	p->started_us = loop_now_us();
	ares_send(p->channel, p->query, (int)p->qlen, on_reply, p);
	rearm(p);
	return 0;
}
