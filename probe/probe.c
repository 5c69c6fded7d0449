/* DNS health probes through c-ares, driven by our own event loop.  A probe
 * sends one query when told to and reports one result: it never retries,
 * never caches, never decides what a result means for the node.  The query
 * is built once with ares_create_query() (RD=0 unless recursion = yes; no
 * EDNS unless dnssec = yes, and then a 512-octet payload size: a SOA or A
 * answer from the zone apex fits in 512 octets, and a reply that does not is
 * reported as truncated, which is what an operator probing over UDP needs to
 * know) and sent with ares_send() on its pool's channel for the server
 * (pool.c); the raw reply is judged by dns_eval(), not by c-ares.
 *
 * A probe freed while its query is in flight cannot take the query back
 * without cancelling its channel's other queries, so it lingers, silent,
 * until c-ares ends that query (answer, timeout or the pool's end). */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ares.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "probe_priv.h"

enum probe_state {
	PROBE_IDLE,
	PROBE_RUNNING,		/* query handed to c-ares */
	PROBE_DONE		/* report queued for delivery */
};

struct probe {
	struct probe_pool	*pool;
	struct pchan		*chan;
	char			*name;
	char			*qname;
	uint16_t		 qtype;
	bool			 tcp;
	uint32_t		 timeout_ms;
	int			 rcode;
	bool			 authoritative;
	bool			 answer;
	bool			 recursion;
	bool			 dnssec;
	probe_cb		*cb;
	void			*arg;

	unsigned char		*query;
	size_t			 qlen;
	enum probe_state	 state;
	bool			 freed;		/* lingering for its query */
	struct probe		*next_done;

	/* Per query. */
	uint64_t		 started_us;
	unsigned char		 wire_id[2];
	bool			 wire_id_seen;
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
	[PROBE_NO_RECURSION] = "no recursion",
	[PROBE_NOT_VALIDATED] = "not validated",
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

struct probe *
probe_next_done(struct probe *p)
{
	return p->next_done;
}

void
probe_set_next_done(struct probe *p, struct probe *next)
{
	p->next_done = next;
}

void
probe_wire_id(struct probe *p, const unsigned char *id2)
{
	memcpy(p->wire_id, id2, 2);
	p->wire_id_seen = true;
}

static void
destroy(struct probe *p)
{
	pchan_put(p->chan);
	free(p->query);
	free(p->qname);
	free(p->name);
	free(p);
}

static void
socket_result(struct probe *p, int status)
{
	struct probe_report *r = &p->report;
	const struct pchan *c = p->chan;

	r->sys_errno = c->sock_errno;
	if (c->sock_errno == ECONNREFUSED) {
		r->result = PROBE_REFUSED;
		snprintf(r->detail, sizeof(r->detail), "refused");
	} else if (c->sock_errno != 0) {
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail), "socket error: %s",
		    strerror(c->sock_errno));
	} else if (c->eof) {
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail),
		    "socket error: connection closed by server");
	} else {
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail),
		    "socket error: c-ares: %s", ares_strerror(status));
	}
}

static void
evaluate(struct probe *p, const unsigned char *abuf, int alen)
{
	struct probe_report *r = &p->report;
	struct dns_expect exp;
	struct dns_eval_info info;

	/* With IGNTC, c-ares 1.18 passes on at most the first 512 octets of
	 * a longer UDP reply; without EDNS, or with our OPT's 512, the server
	 * had no right to send more (RFC 1035 4.2.1, RFC 6891 6.2.3), so say
	 * that rather than what the cut left. */
	if (!p->tcp && alen >= 0 && p->chan->udp_len > (size_t)alen) {
		r->result = PROBE_MALFORMED;
		snprintf(r->detail, sizeof(r->detail), "malformed: %zu-octet "
		    "UDP reply, limit 512 %s", p->chan->udp_len, p->dnssec ?
		    "as our EDNS OPT says" : "without EDNS");
		return;
	}
	memset(&exp, 0, sizeof(exp));
	exp.id = p->wire_id_seen ? p->wire_id[0] << 8 | p->wire_id[1] :
	    p->query[0] << 8 | p->query[1];
	exp.qname = p->qname;
	exp.qtype = p->qtype;
	exp.qclass = DNS_CLASS_IN;
	exp.tcp = p->tcp;
	exp.rcode = p->rcode;
	exp.authoritative = p->authoritative;
	exp.answer = p->answer;
	exp.recursion = p->recursion;
	exp.dnssec = p->dnssec;
	r->result = dns_eval(abuf, alen > 0 ? (size_t)alen : 0, &exp, &info);
	r->rcode = info.rcode;
	memcpy(r->detail, info.detail, sizeof(r->detail));
}

/* c-ares' completion callback.  It may run inside ares_send() (a socket
 * that fails at once) or inside ares_process_fd(); either way it only
 * queues the report, so that the user's callback never runs inside
 * probe_start() or inside c-ares, and may free the probe. */
static void
on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct probe *p = arg;
	struct probe_report *r = &p->report;

	(void)timeouts;
	p->chan->running--;
	if (p->freed) {
		destroy(p);
		return;
	}
	if (p->state != PROBE_RUNNING)
		return;
	r->latency_us = loop_now_us() - p->started_us;
	r->rcode = -1;
	switch (status) {
	case ARES_SUCCESS:
		evaluate(p, abuf, alen);
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
	case ARES_EDESTRUCTION:
		return;		/* the pool is going away: nobody to tell */
	default:
		r->result = PROBE_SOCKET_ERROR;
		snprintf(r->detail, sizeof(r->detail), "socket error: c-ares: %s",
		    ares_strerror(status));
		break;
	}
	p->state = PROBE_DONE;
	pool_deliver(p->pool, p);
}

void
probe_deliver(struct probe *p)
{
	struct probe_report r;

	if (p->state != PROBE_DONE)
		return;
	p->state = PROBE_IDLE;
	r = p->report;
	/* Last use of p: the callback may free it or start again. */
	p->cb(p->arg, p, &r);
}

/* The EDNS OPT RR of a dnssec = yes query (RFC 6891 6.1.2): root owner,
 * type 41, a UDP payload size of 512 in the class, DO=1 (RFC 3225) in the
 * TTL's flags, no options.  512, because c-ares 1.18 passes on at most the
 * first 512 octets of a UDP reply to our channels (no ARES_FLAG_EDNS): a
 * larger answer must come back with TC=1, reported as truncated, not cut.
 * An RRSIG'd A or SOA fits; use transport = tcp for anything bigger. */
static const unsigned char opt_do[11] = {
	0, 0, 41, 512 >> 8, 512 & 0xff, 0, 0, 0x80, 0, 0, 0
};

/* Builds the query once.  The name is checked against our own encoder so
 * that dns_eval() compares the reply with exactly the question we send (c-ares
 * 1.18 does not decode \DDD escapes, for one).  RD and the OPT RR are set
 * here, not by c-ares: its flags only shape the queries it builds itself. */
static int
build_query(struct probe *p)
{
	unsigned char want[DNS_MAX_NAME], *buf = NULL;
	int status, len, wlen;
	size_t extra = p->dnssec ? sizeof(opt_do) : 0;

	if ((wlen = dns_name_to_wire(p->qname, want, sizeof(want))) == -1) {
		log_warnx("probe %s: bad name \"%s\"", p->name, p->qname);
		errno = EINVAL;
		return -1;
	}
	status = ares_create_query(p->qname, DNS_CLASS_IN, p->qtype, 0,
	    p->recursion ? 1 : 0, &buf, &len, 0);
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
	if ((p->query = malloc((size_t)len + extra)) == NULL) {
		ares_free_string(buf);
		return -1;
	}
	memcpy(p->query, buf, (size_t)len);
	ares_free_string(buf);
	/* The header's RD bit, whatever c-ares made of its argument. */
	if (p->recursion)
		p->query[2] |= 0x01;
	else
		p->query[2] &= (unsigned char)~0x01;
	if (extra > 0) {
		memcpy(p->query + len, opt_do, extra);
		p->query[10] = 0;
		p->query[11] = 1;	/* ARCOUNT */
	}
	p->qlen = (size_t)len + extra;
	return 0;
}

struct probe *
probe_new(struct probe_pool *pool, const struct probe_conf *conf, probe_cb *cb,
    void *arg)
{
	struct probe *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->pool = pool;
	p->cb = cb;
	p->arg = arg;
	p->qtype = conf->qtype;
	p->tcp = conf->tcp;
	p->timeout_ms = conf->timeout_ms;
	p->rcode = conf->rcode;
	p->authoritative = conf->authoritative;
	p->answer = conf->answer;
	p->recursion = conf->recursion;
	p->dnssec = conf->dnssec;
	if ((p->name = strdup(conf->name ? conf->name : "?")) == NULL ||
	    (p->qname = strdup(conf->qname ? conf->qname : "")) == NULL)
		goto fail;
	if ((conf->server.ss_family != AF_INET &&
	    conf->server.ss_family != AF_INET6) ||
	    conf->server_len < (conf->server.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ||
	    conf->server_len > sizeof(struct sockaddr_storage) ||
	    conf->timeout_ms == 0 || conf->timeout_ms > INT_MAX) {
		log_warnx("probe %s: bad server address or timeout", p->name);
		errno = EINVAL;
		goto fail;
	}
	if (build_query(p) == -1)
		goto fail;
	if ((p->chan = pchan_get(pool, &conf->server, conf->server_len,
	    p->tcp, false, p->timeout_ms, p->name)) == NULL)
		goto fail;
	return p;
fail:
	destroy(p);
	return NULL;
}

void
probe_free(struct probe *p)
{
	int saved = errno;

	if (p == NULL)
		return;
	if (p->state == PROBE_RUNNING && pool_unsubmit(p->pool, p))
		p->state = PROBE_IDLE;	/* never sent: nothing to wait for */
	if (p->state == PROBE_RUNNING) {
		/* c-ares still holds the query: linger until it ends. */
		p->freed = true;
		errno = saved;
		return;
	}
	if (p->state == PROBE_DONE)
		pool_undeliver(p->pool, p);
	destroy(p);
	errno = saved;
}

int
probe_start(struct probe *p)
{
	if (p->state != PROBE_IDLE) {
		errno = EBUSY;
		return -1;
	}
	memset(&p->report, 0, sizeof(p->report));
	p->state = PROBE_RUNNING;
	pool_submit(p->pool, p);
	return 0;
}

void
probe_send(struct probe *p)
{
	struct pchan *c = p->chan;
	uint16_t id;

	id = pchan_next_id(c);
	p->query[0] = (unsigned char)(id >> 8);
	p->query[1] = (unsigned char)id;
	p->wire_id_seen = false;
	p->started_us = loop_now_us();
	c->running++;
	c->sending = p;
	ares_send(c->channel, p->query, (int)p->qlen, on_reply, p);
	c->sending = NULL;
	pchan_rearm(c);
}
