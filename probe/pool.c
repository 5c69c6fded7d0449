/* The c-ares channels that probes send on, and the delivery of reports.
 *
 * One channel per server, port and timeout carries every UDP probe aimed
 * there, however many: a thousand probes of one server cost one channel
 * (about 75 kB) and one socket, not a thousand.  A UDP channel keeps its
 * socket open between cycles (ARES_FLAG_STAYOPEN), which saves a socket(),
 * connect(), close() and two epoll_ctl() per probe and cycle; a dead server
 * is still seen at once, since a connected UDP socket gets ECONNREFUSED from
 * the ICMP port unreachable, and c-ares then closes it and opens a fresh one
 * at the next query.  A TCP probe has a channel of its own without
 * STAYOPEN, so that each query opens a connection and exercises the
 * server's accept path (a hung named still accepts; its answer times out).
 *
 * c-ares 1.18 behaviour relied on (its ares_send.c, ares_process.c and
 * ares_init.c, measured with tests/reply):
 * - ares_send() keeps the ID in our buffer; later versions choose their own.
 *   The ID is therefore taken from the octets that really left, when c-ares
 *   writes them inside ares_send() (a UDP socket that is open); otherwise
 *   ours is what went out.
 * - process_answer() drops a reply whose ID or question matches no query,
 *   and read_udp_packets() one from another address: such a reply ends as a
 *   timeout.  Each datagram is processed as soon as it is read, so the size
 *   the recvfrom hook saw last is the one of the reply being judged.
 * - Every socket failure ends the queries on that socket with
 *   ARES_ECONNREFUSED, whatever errno was; our hooks record the real errno
 *   (per socket, hence per channel), which decides between refused and
 *   another socket error.
 * - With ARES_OPT_SERVERS (empty), DOMAINS (empty), LOOKUPS, SORTLIST,
 *   NDOTS, TRIES and TIMEOUTMS all given, ares_init_options() skips
 *   resolv.conf altogether.
 * - ares_timeout() rounds down to whole milliseconds; we add one so that the
 *   timer does not spin while the last sub-millisecond passes.
 * - ares_destroy() calls outstanding callbacks with ARES_EDESTRUCTION.
 * - c-ares >= 1.23 caches replies unless told not to; a health probe must
 *   never be answered from a cache. */
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

#include "log.h"
#include "loop.h"
#include "probe.h"
#include "probe_priv.h"

/* Sockets of one channel: a UDP one, and a TCP one for a TCP probe. */
#define MAX_SOCKS	2
/* Room for the replies to a thousand queries sent at once. */
#define UDP_RCVBUF	(4 * 1024 * 1024)

struct psock {
	struct pchan	*chan;
	int		 fd;		/* -1: slot free */
	bool		 stream;
	bool		 watched;
	size_t		 sent;		/* stream octets sent so far */
};

struct chan_io {
	struct pchan		 c;
	/* c-ares keeps a pointer to this, so it lives as long as we do. */
	struct ares_socket_functions sockfuncs;
	struct psock		 socks[MAX_SOCKS];
	struct loop_timer	*timer;
};

struct probe_pool {
	struct loop		*loop;
	struct pchan		*chans;
	struct probe		*done, *done_tail;	/* to deliver */
	struct loop_timer	*deliver;
	struct probe		*wait, *wait_tail;	/* to send */
	struct loop_timer	*pace;
	uint64_t		 burst_us;	/* start of the current burst */
	int			 burst_n;	/* queries sent in it */
};

static struct chan_io *
io_of(struct pchan *c)
{
	return (struct chan_io *)(void *)c;
}

static struct psock *
sock_find(struct chan_io *io, int fd)
{
	int i;

	for (i = 0; i < MAX_SOCKS; i++)
		if (io->socks[i].fd == fd)
			return &io->socks[i];
	return NULL;
}

static void
note_errno(struct pchan *c, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS ||
	    err == EINTR)
		return;
	if (c->sock_errno == 0)
		c->sock_errno = err;
}

/*
 * Socket hooks.  Besides recording errno they give every fd
 * SOCK_CLOEXEC|SOCK_NONBLOCK atomically, and connect to our own copy of the
 * server address, which keeps an IPv6 scope id that c-ares 1.18's server
 * list has no room for.  With hooks installed c-ares sets no socket options
 * itself, so TCP_NODELAY and the UDP receive buffer are ours to set.
 */
static ares_socket_t
hook_socket(int domain, int type, int protocol, void *arg)
{
	struct chan_io *io = arg;
	struct psock *s;
	int fd, one = 1, buf = UDP_RCVBUF;

	if ((s = sock_find(io, -1)) == NULL) {
		errno = EMFILE;
		note_errno(&io->c, errno);
		return ARES_SOCKET_BAD;
	}
	/* A new socket: what the old one suffered is history. */
	io->c.sock_errno = 0;
	io->c.eof = false;
	fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
	if (fd == -1) {
		note_errno(&io->c, errno);
		return ARES_SOCKET_BAD;
	}
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	else if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf,
	    sizeof(buf)) == -1)
		/* Without CAP_NET_ADMIN: as much as rmem_max allows. */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	s->fd = fd;
	s->stream = type == SOCK_STREAM;
	s->watched = false;
	s->sent = 0;
	return fd;
}

static int
hook_close(ares_socket_t fd, void *arg)
{
	struct chan_io *io = arg;
	struct psock *s;

	if ((s = sock_find(io, fd)) != NULL) {
		if (s->watched)
			loop_del_fd(pool_loop(io->c.pool), fd);
		s->fd = -1;
		s->watched = false;
	}
	return close(fd);
}

static int
hook_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
    void *arg)
{
	struct chan_io *io = arg;
	int rv;

	if (sa->sa_family == io->c.server.ss_family)
		rv = connect(fd, (struct sockaddr *)&io->c.server,
		    io->c.server_len);
	else
		rv = connect(fd, sa, len);
	if (rv == -1)
		note_errno(&io->c, errno);
	return rv;
}

static ares_ssize_t
hook_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	struct chan_io *io = arg;
	struct psock *s = sock_find(io, fd);
	ssize_t n;

	n = recvfrom(fd, buf, len, flags, from, fromlen);
	if (n == -1)
		note_errno(&io->c, errno);
	else if (n == 0 && s != NULL && s->stream)
		io->c.eof = true;
	else if (s != NULL && !s->stream)
		io->c.udp_len = (size_t)n;
	return n;
}

/* The ID is the first two octets of a datagram, or stream octets 2 and 3
 * after the TCP length prefix; only a write made inside ares_send() for a
 * known probe is attributed. */
static void
capture_id(struct chan_io *io, struct psock *s, const struct iovec *iov,
    int iovcnt, size_t written)
{
	size_t base = s->stream ? s->sent : 0, idpos = s->stream ? 2 : 0;
	size_t pos = base, k;
	unsigned char id[2];
	unsigned seen = 0;
	int i;

	if (io->c.sending == NULL)
		return;
	for (i = 0; i < iovcnt && pos < base + written; i++)
		for (k = 0; k < iov[i].iov_len && pos < base + written;
		    k++, pos++) {
			if (pos == idpos || pos == idpos + 1) {
				id[pos - idpos] =
				    ((const unsigned char *)iov[i].iov_base)[k];
				seen |= 1u << (pos - idpos);
			}
		}
	if (seen == 3)
		pchan_capture(&io->c, id);
}

static ares_ssize_t
hook_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	struct chan_io *io = arg;
	struct psock *s = sock_find(io, fd);
	ssize_t n;

	n = writev(fd, iov, iovcnt);
	if (n == -1) {
		note_errno(&io->c, errno);
		return n;
	}
	if (s != NULL) {
		capture_id(io, s, iov, iovcnt, (size_t)n);
		if (s->stream)
			s->sent += (size_t)n;
	}
	return n;
}

void
pchan_capture(struct pchan *c, const unsigned char *id2)
{
	if (c->sending != NULL)
		probe_wire_id(c->sending, id2);
}

void
pchan_rearm(struct pchan *c)
{
	struct chan_io *io = io_of(c);
	struct timeval tvbuf, *tv;

	if (c->running == 0 ||
	    (tv = ares_timeout(c->channel, NULL, &tvbuf)) == NULL) {
		loop_timer_disarm(io->timer);
		return;
	}
	/* +1 ms: ares_timeout() truncates to whole milliseconds. */
	(void)loop_timer_arm(io->timer, (uint64_t)tv->tv_sec * 1000000u +
	    (uint64_t)tv->tv_usec + 1000u);
}

static void
on_fd(struct loop *l, int fd, void *arg, int mask)
{
	struct psock *s = arg;
	struct pchan *c = s->chan;

	(void)l;
	c->refs++;	/* the queries' callbacks may drop the last other ref */
	ares_process_fd(c->channel,
	    (mask & LOOP_READ) ? fd : ARES_SOCKET_BAD,
	    (mask & LOOP_WRITE) ? fd : ARES_SOCKET_BAD);
	pchan_rearm(c);
	pchan_put(c);
}

void
pchan_poll(struct pchan *c)
{
	struct chan_io *io = io_of(c);
	int i;

	c->refs++;
	for (i = 0; i < MAX_SOCKS; i++)
		if (io->socks[i].fd != -1)
			ares_process_fd(c->channel, io->socks[i].fd,
			    ARES_SOCKET_BAD);
	pchan_rearm(c);
	pchan_put(c);
}

void
pchan_set_polled(struct pchan *c, bool polled)
{
	struct chan_io *io = io_of(c);
	struct loop *l = pool_loop(c->pool);
	int i;

	if (!c->own || c->polled == polled)
		return;
	c->polled = polled;
	/* A UDP socket of c-ares always wants to be read while it is open. */
	for (i = 0; i < MAX_SOCKS; i++) {
		struct psock *s = &io->socks[i];

		if (s->fd == -1)
			continue;
		s->chan = c;
		if (polled && s->watched) {
			loop_del_fd(l, s->fd);
			s->watched = false;
		} else if (!polled && !s->watched) {
			if (loop_add_fd(l, s->fd, LOOP_READ, on_fd, s) == -1)
				log_warn("probe: watch fd %d", s->fd);
			else
				s->watched = true;
		}
	}
}

static void
on_timeout(struct loop *l, void *arg)
{
	struct pchan *c = arg;

	(void)l;
	c->refs++;
	ares_process_fd(c->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	pchan_rearm(c);
	pchan_put(c);
}

static void
on_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct chan_io *io = arg;
	struct loop *l = pool_loop(io->c.pool);
	struct psock *s;
	int mask = (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0);

	if ((s = sock_find(io, fd)) == NULL) {
		/* Every c-ares socket comes from hook_socket(). */
		log_warnx("probe: c-ares reported unknown fd %d", fd);
		return;
	}
	s->chan = &io->c;
	if (io->c.polled)
		mask &= ~LOOP_READ;	/* pchan_poll() reads */
	if (mask == 0) {
		if (s->watched)
			loop_del_fd(l, fd);
		s->watched = false;
	} else if (!s->watched) {
		if (loop_add_fd(l, fd, mask, on_fd, s) == -1)
			/* The queries then end by timeout, which is true:
			 * we cannot hear the server. */
			log_warn("probe: watch fd %d", fd);
		else
			s->watched = true;
	} else if (loop_mod_fd(l, fd, mask) == -1)
		log_warn("probe: watch fd %d", fd);
}

static int
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
}

static int
init_channel(struct chan_io *io)
{
	struct pchan *c = &io->c;
	struct ares_options opts;
	struct ares_addr_port_node srv;
	char lookups[] = "b";
	int mask, status, port = port_of(&c->server);

	memset(&opts, 0, sizeof(opts));
	/* IGNTC: hand a TC reply to us instead of retrying over TCP, so that
	 * we can say "truncated".  NOCHECKRESP: hand us SERVFAIL, NOTIMP and
	 * REFUSED instead of trying the next server (there is none).  The
	 * others keep search lists and HOSTALIASES out. */
	opts.flags = ARES_FLAG_IGNTC | ARES_FLAG_NOCHECKRESP |
	    ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NORECURSE |
	    (c->tcp ? ARES_FLAG_USEVC : ARES_FLAG_STAYOPEN);
	opts.timeout = (int)c->timeout_ms;
	opts.tries = 1;
	opts.ndots = 1;
	opts.udp_port = (unsigned short)port;
	opts.tcp_port = (unsigned short)port;
	opts.lookups = lookups;
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = io;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_NDOTS | ARES_OPT_UDP_PORT | ARES_OPT_TCP_PORT |
	    ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS |
	    ARES_OPT_SORTLIST | ARES_OPT_NOROTATE | ARES_OPT_SOCK_STATE_CB;
#ifdef ARES_OPT_QUERY_CACHE
	opts.qcache_max_ttl = 0;
	mask |= ARES_OPT_QUERY_CACHE;
#endif
	if ((status = ares_init_options(&c->channel, &opts, mask)) !=
	    ARES_SUCCESS) {
		c->channel = NULL;
		goto fail;
	}
	io->sockfuncs.asocket = hook_socket;
	io->sockfuncs.aclose = hook_close;
	io->sockfuncs.aconnect = hook_connect;
	io->sockfuncs.arecvfrom = hook_recvfrom;
	io->sockfuncs.asendv = hook_sendv;
	ares_set_socket_functions(c->channel, &io->sockfuncs, io);

	memset(&srv, 0, sizeof(srv));
	srv.family = c->server.ss_family;
	if (srv.family == AF_INET)
		memcpy(&srv.addr.addr4,
		    &((struct sockaddr_in *)&c->server)->sin_addr,
		    sizeof(srv.addr.addr4));
	else
		memcpy(&srv.addr.addr6,
		    &((struct sockaddr_in6 *)&c->server)->sin6_addr,
		    sizeof(srv.addr.addr6));
	srv.udp_port = port;
	srv.tcp_port = port;
	if ((status = ares_set_servers_ports(c->channel, &srv)) !=
	    ARES_SUCCESS)
		goto fail;
	return 0;
fail:
	log_warnx("probe: c-ares: %s", ares_strerror(status));
	errno = status == ARES_ENOMEM ? ENOMEM : EINVAL;
	return -1;
}

static void
chan_destroy(struct chan_io *io)
{
	/* ares_destroy() ends queries in flight (ARES_EDESTRUCTION) and
	 * closes the sockets through our hooks, which take them out of the
	 * loop.  The probes those queries belonged to then let go of the
	 * channel, which must not destroy it twice. */
	io->c.dying = true;
	if (io->c.channel != NULL)
		ares_destroy(io->c.channel);
	loop_timer_free(io->timer);
	free(io);
}

struct pchan *
pchan_get(struct probe_pool *pool, const struct sockaddr_storage *server,
    socklen_t len, bool tcp, bool polled, uint32_t timeout_ms, const char *name)
{
	struct chan_io *io;
	struct pchan *c;
	uint16_t r[2];
	int i;

	for (c = pool->chans; c != NULL && !tcp; c = c->next)
		if (!c->tcp && !c->own && !polled && c->timeout_ms == timeout_ms &&
		    c->server_len == len && memcmp(&c->server, server, len) == 0) {
			c->refs++;
			return c;
		}
	if ((io = calloc(1, sizeof(*io))) == NULL)
		return NULL;
	c = &io->c;
	for (i = 0; i < MAX_SOCKS; i++)
		io->socks[i].fd = -1;
	c->pool = pool;
	c->refs = 1;
	memcpy(&c->server, server, len);
	c->server_len = len;
	c->tcp = tcp;
	c->polled = c->own = polled && !tcp;
	c->timeout_ms = timeout_ms;
	/* IDs guard against off-path spoofing (RFC 5452): a random start and
	 * a random odd step, so that consecutive IDs differ for 65536
	 * queries and one seen ID does not give away the next. */
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		r[0] = (uint16_t)loop_now_us();
		r[1] = (uint16_t)(loop_now_us() >> 16);
	}
	c->next_id = r[0];
	c->id_step = (uint16_t)(r[1] | 1u);
	if ((io->timer = loop_timer_new(pool->loop, on_timeout, c)) == NULL ||
	    init_channel(io) == -1) {
		log_warn("probe %s: cannot set up its channel", name);
		chan_destroy(io);
		return NULL;
	}
	c->next = pool->chans;
	pool->chans = c;
	return c;
}

void
pchan_put(struct pchan *c)
{
	struct pchan **pp;

	if (c == NULL || --c->refs > 0 || c->dying)
		return;
	for (pp = &c->pool->chans; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	chan_destroy(io_of(c));
}

uint16_t
pchan_next_id(struct pchan *c)
{
	c->next_id = (uint16_t)(c->next_id + c->id_step);
	return c->next_id;
}

/* --- pacing ------------------------------------------------------------ */

static bool
budget(struct probe_pool *pool, uint64_t now)
{
	if (now - pool->burst_us >= POOL_BURST_US) {
		pool->burst_us = now;
		pool->burst_n = 0;
	}
	return pool->burst_n < POOL_BURST;
}

static void
on_pace(struct loop *l, void *arg)
{
	struct probe_pool *pool = arg;
	uint64_t now = loop_now_us();
	struct probe *p;

	(void)l;
	while ((p = pool->wait) != NULL && budget(pool, now)) {
		pool->wait = probe_next_done(p);
		if (pool->wait == NULL)
			pool->wait_tail = NULL;
		probe_set_next_done(p, NULL);
		pool->burst_n++;
		probe_send(p);
	}
	if (pool->wait != NULL)
		(void)loop_timer_arm_at(pool->pace,
		    pool->burst_us + POOL_BURST_US);
}

void
pool_submit(struct probe_pool *pool, struct probe *p)
{
	if (pool->wait == NULL && budget(pool, loop_now_us())) {
		pool->burst_n++;
		probe_send(p);
		return;
	}
	/* The queue reuses the delivery link: a probe waits to be sent or
	 * waits to report, never both. */
	probe_set_next_done(p, NULL);
	if (pool->wait_tail != NULL)
		probe_set_next_done(pool->wait_tail, p);
	else
		pool->wait = p;
	pool->wait_tail = p;
	(void)loop_timer_arm_at(pool->pace, pool->burst_us + POOL_BURST_US);
}

static bool
unlink_from(struct probe **head, struct probe **tail, struct probe *p)
{
	struct probe *q, *prev = NULL;

	for (q = *head; q != NULL; prev = q, q = probe_next_done(q)) {
		if (q != p)
			continue;
		if (prev != NULL)
			probe_set_next_done(prev, probe_next_done(q));
		else
			*head = probe_next_done(q);
		if (*tail == q)
			*tail = prev;
		probe_set_next_done(q, NULL);
		return true;
	}
	return false;
}

bool
pool_unsubmit(struct probe_pool *pool, struct probe *p)
{
	return unlink_from(&pool->wait, &pool->wait_tail, p);
}

/* --- delivery ---------------------------------------------------------- */

static void
on_deliver(struct loop *l, void *arg)
{
	struct probe_pool *pool = arg;
	struct probe *p;

	(void)l;
	/* Take the whole list: callbacks may start probes, which can queue
	 * new reports (delivered at the next turn), or free probes, which
	 * unqueue them. */
	while ((p = pool->done) != NULL) {
		pool->done = probe_next_done(p);
		if (pool->done == NULL)
			pool->done_tail = NULL;
		probe_set_next_done(p, NULL);
		probe_deliver(p);
	}
}

void
pool_deliver(struct probe_pool *pool, struct probe *p)
{
	probe_set_next_done(p, NULL);
	if (pool->done_tail != NULL)
		probe_set_next_done(pool->done_tail, p);
	else
		pool->done = p;
	pool->done_tail = p;
	(void)loop_timer_arm(pool->deliver, 0);
}

void
pool_undeliver(struct probe_pool *pool, struct probe *p)
{
	(void)unlink_from(&pool->done, &pool->done_tail, p);
}

struct loop *
pool_loop(struct probe_pool *pool)
{
	return pool->loop;
}

struct probe_pool *
probe_pool_new(struct loop *loop)
{
	struct probe_pool *pool;
	int status;

	/* c-ares counts ares_library_init() calls and on Linux does nothing
	 * else, so one per pool, paired with ares_library_cleanup() in
	 * probe_pool_free(), needs no global "initialised" flag of ours. */
	if ((status = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		log_warnx("c-ares: %s", ares_strerror(status));
		errno = ENOMEM;
		return NULL;
	}
	if ((pool = calloc(1, sizeof(*pool))) == NULL)
		goto fail;
	pool->loop = loop;
	if ((pool->deliver = loop_timer_new(loop, on_deliver, pool)) == NULL ||
	    (pool->pace = loop_timer_new(loop, on_pace, pool)) == NULL)
		goto fail;
	return pool;
fail:
	if (pool != NULL)
		loop_timer_free(pool->deliver);
	free(pool);
	ares_library_cleanup();
	return NULL;
}

void
probe_pool_free(struct probe_pool *pool)
{
	struct pchan *c;

	if (pool == NULL)
		return;
	/* Probes are freed first; what is left are channels that freed
	 * probes' last queries still hold, ended here. */
	while ((c = pool->chans) != NULL) {
		pool->chans = c->next;
		chan_destroy(io_of(c));
	}
	loop_timer_free(pool->deliver);
	loop_timer_free(pool->pace);
	free(pool);
	ares_library_cleanup();
}
