/* SOA queries for the zone freshness check.
 *
 * A soa_chan asks one server for many zones' SOA records on one c-ares
 * channel (pool.c's, shared with any probe aimed at the same server, port
 * and timeout), with as many queries in flight as the caller sends: ten
 * thousand zones cost one channel and one socket, not ten thousand.  The
 * caller paces; this module only sends, matches and reports.  Queries are
 * encoded here (RD=0, no EDNS: an SOA answer fits in 512 octets) with
 * dns.c's name encoder, and replies are judged by dns_eval(), the same
 * evaluator as the health probes', which also reads the SOA's serial and
 * EXPIRE.  c-ares matches a reply to its query by ID and question before we
 * see it, so dns_eval() is not given the ID (c-ares >= 1.20 picks its own).
 *
 * The channel is polled (pool.c's pchan_poll()): its socket is read every
 * poll period (20 ms by default) rather than at every datagram, so that
 * replies are read in batches; a poll period of 0 reads on readiness, for
 * the immediate sweep, which wants speed.  At 10,000 zones every 30 s, waking for each
 * of the 667 replies a second cost more than the queries themselves; the
 * lost precision is only the latency, which nobody here measures.
 *
 * Reports reach the callback from the loop, never from inside soa_query()
 * or c-ares, so the callback may send again or free the channel.  A query
 * cannot be taken back from c-ares without ending its channel's other
 * queries, so one that outlives its soa_chan is orphaned: it holds the
 * channel until c-ares ends it, and reports to nobody. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "probe_priv.h"
#include "soa.h"

#define T_SOA	6

struct soa_q {
	struct soa_chan		*sc;		/* NULL: orphaned */
	struct pchan		*chan;		/* holds a reference */
	struct soa_q		*prev, *next;	/* in flight, or done */
	uint64_t		 started_us;
	struct soa_reply	 rep;
	char			 zone[];
};

struct soa_chan {
	struct probe_pool	*pool;
	struct pchan		*chan;
	uint32_t		 timeout_ms;
	soa_cb			*cb;
	void			*arg;
	struct soa_q		*live;		/* in flight */
	struct soa_q		*done, *done_tail;	/* to deliver */
	struct loop_timer	*deliver;
	struct loop_timer	*poll;
	uint64_t		 poll_us;
	unsigned		 inflight;	/* live and done */
	bool			 delivering, dead;
};

static const char *const result_names[SOA_RESULT_MAX] = {
	[SOA_OK] = "ok",
	[SOA_TIMEOUT] = "timeout",
	[SOA_UNREACHABLE] = "unreachable",
	[SOA_REFUSED] = "refused",
	[SOA_SERVFAIL] = "servfail",
	[SOA_NXDOMAIN] = "nxdomain",
	[SOA_NOT_AUTH] = "not authoritative",
	[SOA_NO_SOA] = "no SOA",
	[SOA_MALFORMED] = "malformed",
};

const char *
soa_result_str(enum soa_result r)
{
	if ((unsigned)r >= SOA_RESULT_MAX)
		return "unknown";
	return result_names[r];
}

unsigned
soa_inflight(const struct soa_chan *sc)
{
	return sc->inflight;
}

static void
live_unlink(struct soa_chan *sc, struct soa_q *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		sc->live = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

static void
evaluate(struct soa_q *q, const unsigned char *abuf, int alen)
{
	struct soa_reply *r = &q->rep;
	struct dns_expect exp;
	struct dns_eval_info info;
	enum probe_result pr;

	/* As in probe.c: c-ares 1.18 with IGNTC cuts a longer datagram to
	 * 512 octets, and without EDNS a server may not send more. */
	if (alen >= 0 && q->chan->udp_len > (size_t)alen) {
		r->result = SOA_MALFORMED;
		snprintf(r->detail, sizeof(r->detail), "malformed: %zu-octet "
		    "UDP reply", q->chan->udp_len);
		return;
	}
	memset(&exp, 0, sizeof(exp));
	exp.id = -1;
	exp.qname = q->zone;
	exp.qtype = T_SOA;
	exp.qclass = DNS_CLASS_IN;
	exp.rcode = 0;
	exp.authoritative = true;
	exp.answer = true;
	pr = dns_eval(abuf, alen > 0 ? (size_t)alen : 0, &exp, &info);
	r->rcode = info.rcode;
	r->aa = info.aa;
	memcpy(r->detail, info.detail, sizeof(r->detail));
	switch (pr) {
	case PROBE_OK:
		if (!info.soa) {
			/* An SOA, but of another owner. */
			r->result = SOA_NO_SOA;
			snprintf(r->detail, sizeof(r->detail), "no SOA of %s",
			    q->zone);
			break;
		}
		r->result = SOA_OK;
		r->serial = info.soa_serial;
		r->expire = info.soa_expire;
		break;
	case PROBE_RCODE:
		r->result = info.rcode == 5 ? SOA_REFUSED : info.rcode == 2 ?
		    SOA_SERVFAIL : info.rcode == 3 ? SOA_NXDOMAIN :
		    SOA_MALFORMED;
		break;
	case PROBE_NOT_AUTH:
		r->result = SOA_NOT_AUTH;
		break;
	case PROBE_NO_ANSWER:
		r->result = SOA_NO_SOA;
		break;
	default:
		r->result = SOA_MALFORMED;
		break;
	}
}

static void
on_deliver(struct loop *l, void *arg)
{
	struct soa_chan *sc = arg;
	struct soa_q *q;

	(void)l;
	sc->delivering = true;
	while (!sc->dead && (q = sc->done) != NULL) {
		sc->done = q->next;
		if (sc->done == NULL)
			sc->done_tail = NULL;
		sc->inflight--;
		sc->cb(sc->arg, &q->rep);
		free(q);
	}
	sc->delivering = false;
	if (sc->dead)
		soa_chan_free(sc);
}

static void
on_poll(struct loop *l, void *arg)
{
	struct soa_chan *sc = arg;

	pchan_poll(sc->chan);
	/* Not inside c-ares any more: hand the replies over now. */
	loop_timer_disarm(sc->deliver);
	if (sc->inflight > 0 && sc->poll_us != 0)
		(void)loop_timer_arm(sc->poll, sc->poll_us);
	on_deliver(l, sc);
}

void
soa_chan_set_poll(struct soa_chan *sc, uint64_t poll_us)
{
	sc->poll_us = poll_us;
	pchan_set_polled(sc->chan, poll_us != 0);
	if (poll_us == 0)
		loop_timer_disarm(sc->poll);
	else if (sc->inflight > 0)
		(void)loop_timer_arm(sc->poll, sc->poll_us);
}

/* c-ares' completion callback, inside ares_send() or ares_process_fd():
 * it only queues the report. */
static void
on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct soa_q *q = arg;
	struct soa_chan *sc = q->sc;
	struct soa_reply *r = &q->rep;
	struct pchan *c = q->chan;

	(void)timeouts;
	c->running--;
	if (status == ARES_EDESTRUCTION || sc == NULL) {
		/* The pool is going away, or nobody is listening. */
		if (sc != NULL) {
			live_unlink(sc, q);
			sc->inflight--;
		}
		pchan_put(c);
		free(q);
		return;
	}
	r->latency_us = loop_now_us() - q->started_us;
	r->rcode = -1;
	switch (status) {
	case ARES_SUCCESS:
		evaluate(q, abuf, alen);
		break;
	case ARES_ETIMEOUT:
		r->result = SOA_TIMEOUT;
		snprintf(r->detail, sizeof(r->detail), "timeout after %ums",
		    sc->timeout_ms);
		break;
	default:
		r->result = SOA_UNREACHABLE;
		if (c->sock_errno != 0)
			snprintf(r->detail, sizeof(r->detail), "%s",
			    c->sock_errno == ECONNREFUSED ? "connection refused" :
			    strerror(c->sock_errno));
		else
			snprintf(r->detail, sizeof(r->detail), "c-ares: %s",
			    ares_strerror(status));
		break;
	}
	live_unlink(sc, q);
	pchan_put(c);
	q->chan = NULL;
	q->next = NULL;
	if (sc->done_tail != NULL)
		sc->done_tail->next = q;
	else
		sc->done = q;
	sc->done_tail = q;
	(void)loop_timer_arm(sc->deliver, 0);
}

int
soa_query(struct soa_chan *sc, const char *zone, uint64_t tag)
{
	unsigned char buf[12 + DNS_MAX_NAME + 4];
	struct pchan *c = sc->chan;
	struct soa_q *q;
	size_t zl = strlen(zone);
	uint16_t id;
	int wl;

	if ((wl = dns_name_to_wire(zone, buf + 12, DNS_MAX_NAME)) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((q = calloc(1, sizeof(*q) + zl + 1)) == NULL)
		return -1;
	memcpy(q->zone, zone, zl + 1);
	q->sc = sc;
	q->chan = c;
	q->rep.zone = q->zone;
	q->rep.tag = tag;
	id = pchan_next_id(c);
	/* ID, flags 0 (QUERY, RD=0), one question. */
	memset(buf, 0, 12);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[5] = 1;
	buf[12 + wl] = 0;
	buf[12 + wl + 1] = T_SOA;
	buf[12 + wl + 2] = 0;
	buf[12 + wl + 3] = DNS_CLASS_IN;
	q->next = sc->live;
	if (sc->live != NULL)
		sc->live->prev = q;
	sc->live = q;
	sc->inflight++;
	c->refs++;
	c->running++;
	q->started_us = loop_now_us();
	/* Not a probe's query: nothing to capture the wire ID for. */
	c->sending = NULL;
	ares_send(c->channel, buf, 12 + wl + 4, on_reply, q);
	pchan_rearm(c);
	if (sc->inflight == 1 && sc->poll_us != 0)
		(void)loop_timer_arm(sc->poll, sc->poll_us);
	return 0;
}

struct soa_chan *
soa_chan_new(struct probe_pool *pool, const struct sockaddr_storage *server,
    socklen_t len, uint32_t timeout_ms, soa_cb *cb, void *arg)
{
	struct soa_chan *sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	sc->pool = pool;
	sc->timeout_ms = timeout_ms;
	sc->cb = cb;
	sc->arg = arg;
	sc->poll_us = SOA_POLL_US;
	if ((sc->deliver = loop_timer_new(pool_loop(pool), on_deliver, sc)) ==
	    NULL ||
	    (sc->poll = loop_timer_new(pool_loop(pool), on_poll, sc)) == NULL)
		goto fail;
	if ((sc->chan = pchan_get(pool, server, len, false, true, timeout_ms,
	    "freshness")) == NULL)
		goto fail;
	return sc;
fail:
	loop_timer_free(sc->deliver);
	loop_timer_free(sc->poll);
	free(sc);
	return NULL;
}

void
soa_chan_free(struct soa_chan *sc)
{
	struct soa_q *q;

	if (sc == NULL)
		return;
	if (sc->delivering) {
		sc->dead = true;	/* on_deliver() finishes the job */
		return;
	}
	for (q = sc->live; q != NULL; q = q->next)
		q->sc = NULL;
	while ((q = sc->done) != NULL) {
		sc->done = q->next;
		free(q);
	}
	loop_timer_free(sc->deliver);
	loop_timer_free(sc->poll);
	pchan_put(sc->chan);
	free(sc);
}
