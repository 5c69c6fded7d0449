/* The addresses of the followed interface, and keeping its IPv6 addresses
 * across a withdrawal.
 *
 * Linux flushes every IPv6 address of an interface when it is set down,
 * unless net.ipv6.conf.<if>.keep_addr_on_down=1 (IPv4 addresses stay).  A
 * withdrawal would therefore lose the IPv6 anycast address for good, and a
 * hardened daemon (CAP_NET_ADMIN only, read-only /proc/sys) cannot set that
 * sysctl.  So this table remembers the interface's addresses and puts back
 * the IPv6 ones the kernel flushed:
 *
 *  - It learns them from an RTM_GETADDR dump (at start, when the interface
 *    appears, after ENOBUFS) and from RTM_NEWADDR events.  IPv4 addresses
 *    and every IPv6 one except link-local (the kernel regenerates fe80::/64)
 *    are listed; only permanent IPv6 addresses (IFA_F_PERMANENT, i.e. set by
 *    an operator, not by SLAAC or DHCPv6 with lifetimes) are restored.
 *  - An RTM_DELADDR of a remembered IPv6 address marks it missing and
 *    pending.  Once the event socket is drained, link.c settles it: if the
 *    link went down in that batch, or the kernel says now (acked RTM_GETLINK)
 *    that it is not up, the deletion was the kernel's flush and the address
 *    is kept; only a deletion while the link is really up is the operator's,
 *    and that address is forgotten.
 *  - When the link is set up by us, or is seen coming up, every remembered
 *    IPv6 address that is missing is added again with an acked RTM_NEWADDR:
 *    same prefix length, scope, flags, metric and protocol, plus
 *    IFA_F_NODAD so that it is usable at once (no tentative period during
 *    which BIND cannot bind it and BIRD does not export it).  EEXIST means
 *    it was there after all.  Each restored address is logged.  They go in
 *    batches, one sendmsg for up to NL_BATCH_MAX of them.
 *  - Everything is forgotten when the interface is deleted or renamed.
 *
 * Event order, measured on Linux 6.18 (ip monitor, and this module's debug
 * log in tests/netlink/netlink_live.sh) for both RTM_NEWLINK and
 * SIOCSIFFLAGS: the link's RTM_NEWLINK without IFF_UP comes first, then one
 * RTM_DELADDR per IPv6 address (global, then link-local); on deletion,
 * RTM_NEWLINK (down), the RTM_DELADDRs, then RTM_DELLINK.  The flag is
 * cleared before the NETDEV_DOWN notifier flushes, so the acked RTM_GETLINK
 * also reads "down" during the flush.  Settling after the whole drained batch,
 * rather than per message, keeps this right whichever order a kernel uses and
 * when the link was brought straight back up (systemd-networkd does that).
 *
 * A deletion lost in an ENOBUFS overflow is never seen, so after a resync a
 * remembered IPv6 address missing from an up link is restored: only an
 * RTM_DELADDR seen while the link is up makes us forget one.
 *
 * This file does not decide whether the link is up and never changes IPv4
 * addresses. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nlpriv.h"

/* Flags the kernel accepts in RTM_NEWADDR that describe the address rather
 * than its current DAD or lifetime state. */
#define RESTORE_FLAGS	(IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | \
			 IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)

struct nl_addr {
	unsigned char	 family;
	unsigned char	 prefixlen;
	unsigned char	 scope;
	unsigned char	 proto;
	uint32_t	 flags;
	uint32_t	 metric;
	unsigned char	 local[16];
	unsigned char	 peer[16];
	bool		 has_peer;
	bool		 has_metric;
	bool		 has_proto;
	bool		 restore;	/* IPv6, permanent: survives the flush */
	bool		 present;	/* the kernel has it now */
	bool		 pending;	/* deleted; flush or operator? */
};

struct nl_addrs {
	const char	*ifname;
	struct nl_addr	*v;
	size_t		 n, cap;
	unsigned	 gen;		/* bumped by every change */
};

struct addr_dump {
	struct nl_addrs	*a;
	int		 ifindex;
};

static size_t
family_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static const char *
addr_str(const struct nl_addr *e, bool prefix, char *buf, size_t len)
{
	unsigned char a[16];
	char ip[INET6_ADDRSTRLEN];
	size_t alen = family_len(e->family);

	memcpy(a, e->local, alen);
	if (prefix) {
		for (size_t i = 0; i < alen; i++) {
			if (e->prefixlen >= (i + 1) * 8)
				continue;
			if (e->prefixlen <= i * 8)
				a[i] = 0;
			else
				a[i] &= (unsigned char)(0xff << (8 - e->prefixlen % 8));
		}
	}
	if (inet_ntop(e->family, a, ip, sizeof(ip)) == NULL)
		(void)snprintf(ip, sizeof(ip), "?");
	(void)snprintf(buf, len, "%s/%u", ip, e->prefixlen);
	return buf;
}

struct nl_addrs *
nl_addrs_new(const char *ifname)
{
	struct nl_addrs *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->ifname = ifname;
	return a;
}

void
nl_addrs_free(struct nl_addrs *a)
{
	if (a == NULL)
		return;
	free(a->v);
	free(a);
}

void
nl_addrs_clear(struct nl_addrs *a)
{
	a->gen++;
	a->n = 0;
}

static struct nl_addr *
find(struct nl_addrs *a, const struct nl_addr *k)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].family == k->family &&
		    a->v[i].prefixlen == k->prefixlen &&
		    memcmp(a->v[i].local, k->local, family_len(k->family)) == 0)
			return &a->v[i];
	return NULL;
}

static void
drop(struct nl_addrs *a, struct nl_addr *e)
{
	size_t i = (size_t)(e - a->v);

	memmove(e, e + 1, (a->n - i - 1) * sizeof(*e));
	a->n--;
}

static int
addr_attr(const struct nlattr *attr, void *arg)
{
	const struct nlattr **tb = arg;
	int type = mnl_attr_get_type(attr);
	enum mnl_attr_data_type dt;

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
		dt = MNL_TYPE_BINARY;
		break;
	case IFA_FLAGS:
	case IFA_RT_PRIORITY:
		dt = MNL_TYPE_U32;
		break;
	case IFA_PROTO:
		dt = MNL_TYPE_U8;
		break;
	default:
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, dt) < 0)
		return MNL_CB_OK;	/* malformed: ignore the attribute */
	tb[type] = attr;
	return MNL_CB_OK;
}

/* Parse an RTM_NEWADDR/RTM_DELADDR into e.  -1 if it is not one we list. */
static int
parse(const struct nlmsghdr *nlh, struct nl_addr *e, int *ifindex)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa;
	const struct nlattr *loc, *adr;
	size_t alen;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -1;
	ifa = mnl_nlmsg_get_payload(nlh);
	alen = family_len(ifa->ifa_family);
	if (alen == 0 || ifa->ifa_prefixlen > alen * 8)
		return -1;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb) < 0)
		return -1;
	loc = tb[IFA_LOCAL];
	adr = tb[IFA_ADDRESS];
	if ((loc != NULL && mnl_attr_get_payload_len(loc) != alen) ||
	    (adr != NULL && mnl_attr_get_payload_len(adr) != alen))
		return -1;
	if (loc == NULL && (loc = adr) == NULL)
		return -1;
	/* Link-local IPv6 is the kernel's own, regenerated on every up. */
	if (ifa->ifa_family == AF_INET6 && ifa->ifa_scope == RT_SCOPE_LINK)
		return -1;

	memset(e, 0, sizeof(*e));
	e->family = ifa->ifa_family;
	e->prefixlen = ifa->ifa_prefixlen;
	e->scope = ifa->ifa_scope;
	e->flags = tb[IFA_FLAGS] != NULL ?
	    mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	memcpy(e->local, mnl_attr_get_payload(loc), alen);
	/* IFA_LOCAL and IFA_ADDRESS differ only on point-to-point addresses. */
	if (adr != NULL && adr != loc &&
	    memcmp(mnl_attr_get_payload(adr), e->local, alen) != 0) {
		memcpy(e->peer, mnl_attr_get_payload(adr), alen);
		e->has_peer = true;
	}
	if (tb[IFA_RT_PRIORITY] != NULL) {
		e->metric = mnl_attr_get_u32(tb[IFA_RT_PRIORITY]);
		e->has_metric = true;
	}
	if (tb[IFA_PROTO] != NULL) {
		e->proto = mnl_attr_get_u8(tb[IFA_PROTO]);
		e->has_proto = true;
	}
	e->restore = e->family == AF_INET6 && (e->flags & IFA_F_PERMANENT);
	*ifindex = (int)ifa->ifa_index;
	return 0;
}

static void
upsert(struct nl_addrs *a, const struct nl_addr *k)
{
	struct nl_addr *e, *nv;

	if ((e = find(a, k)) == NULL) {
		if (a->n == a->cap) {
			size_t ncap = a->cap ? a->cap * 2 : 4;

			if ((nv = reallocarray(a->v, ncap, sizeof(*nv))) == NULL) {
				log_warn("%s: cannot remember an address",
				    a->ifname);
				return;
			}
			a->v = nv;
			a->cap = ncap;
		}
		e = &a->v[a->n++];
	}
	*e = *k;
	e->present = true;
	e->pending = false;
}

void
nl_addrs_event(struct nl_addrs *a, const struct nlmsghdr *nlh, int ifindex)
{
	struct nl_addr k, *e;
	char s[INET6_ADDRSTRLEN + 4];
	int idx;

	if (parse(nlh, &k, &idx) == -1 || idx != ifindex)
		return;
	a->gen++;
	log_debug("%s: %s %s", a->ifname, nlh->nlmsg_type == RTM_NEWADDR ?
	    "RTM_NEWADDR" : "RTM_DELADDR", addr_str(&k, false, s, sizeof(s)));
	if (nlh->nlmsg_type == RTM_NEWADDR) {
		upsert(a, &k);
		return;
	}
	if ((e = find(a, &k)) == NULL)
		return;
	if (!e->restore) {
		drop(a, e);
		return;
	}
	e->present = false;
	e->pending = true;
}

bool
nl_addrs_pending(const struct nl_addrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].pending)
			return true;
	return false;
}

void
nl_addrs_settle(struct nl_addrs *a, bool flushed)
{
	char s[INET6_ADDRSTRLEN + 4];
	size_t i = 0;

	a->gen++;
	while (i < a->n) {
		struct nl_addr *e = &a->v[i];

		if (!e->pending) {
			i++;
			continue;
		}
		e->pending = false;
		if (flushed) {
			log_debug("%s: %s flushed by the link going down; "
			    "will restore it when the link is up", a->ifname,
			    addr_str(e, false, s, sizeof(s)));
			i++;
			continue;
		}
		log_info("%s: %s was deleted while the link is up; "
		    "it will not be restored", a->ifname,
		    addr_str(e, false, s, sizeof(s)));
		drop(a, e);
	}
}

static int
dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_dump *d = arg;
	struct nl_addr k;
	int idx;

	if (nlh->nlmsg_type == RTM_NEWADDR && parse(nlh, &k, &idx) == 0 &&
	    idx == d->ifindex)
		upsert(d->a, &k);
	return MNL_CB_OK;
}

int
nl_addrs_dump(struct nl_addrs *a, struct nl_req *r, int ifindex)
{
	struct addr_dump d = { a, ifindex };
	struct ifaddrmsg *ifa;
	size_t i;
	int tries;

	a->gen++;
	for (i = 0; i < a->n; i++)
		a->v[i].present = false;
	for (tries = 0;; tries++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_req_buf(r));

		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
		ifa->ifa_index = (unsigned)ifindex;	/* a hint; we filter */
		if (nl_req_run(r, nlh, dump_cb, &d) == 0)
			break;
		/* Interrupted by a concurrent change: the dump may be torn. */
		if (errno != EINTR || tries == 3)
			return -1;
	}
	/* Addresses the dump did not list are gone, except the IPv6 ones kept
	 * for restoring (see the top of this file). */
	i = 0;
	while (i < a->n) {
		if (!a->v[i].present && !a->v[i].restore)
			drop(a, &a->v[i]);
		else
			i++;
	}
	return 0;
}

/* Puts one RTM_NEWADDR for e into the batch; -1 if the batch is full. */
static int
add_one(struct nl_req *r, const struct nl_addr *e, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t flags = (e->flags & RESTORE_FLAGS) | IFA_F_NODAD;
	size_t alen = family_len(e->family);

	/* header, ifaddrmsg, two addresses and three small attributes */
	if ((nlh = nl_req_batch_add(r, 256)) == NULL)
		return -1;
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = e->family;
	ifa->ifa_prefixlen = e->prefixlen;
	ifa->ifa_flags = (unsigned char)(flags & 0xff);
	ifa->ifa_scope = e->scope;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, e->local);
	if (e->has_peer)
		mnl_attr_put(nlh, IFA_ADDRESS, alen, e->peer);
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	if (e->has_metric)
		mnl_attr_put_u32(nlh, IFA_RT_PRIORITY, e->metric);
	if (e->has_proto)
		mnl_attr_put_u8(nlh, IFA_PROTO, e->proto);
	nl_req_batch_next(r, nlh);
	return 0;
}

struct restore {
	struct nl_addrs	*a;
	size_t		 idx[NL_BATCH_MAX];	/* batch message -> a->v */
	int		 err;			/* the last failure's errno */
};

static void
restored(unsigned i, int err, const char *msg, void *arg)
{
	struct restore *rs = arg;
	struct nl_addr *e = &rs->a->v[rs->idx[i]];
	char s[INET6_ADDRSTRLEN + 4];

	addr_str(e, false, s, sizeof(s));
	if (err == 0) {
		log_info("%s: restored %s, which the kernel flushed when the "
		    "link went down", rs->a->ifname, s);
		e->present = true;
	} else if (err == EEXIST)
		e->present = true;
	else {
		rs->err = err;
		errno = err;
		log_warn("%s: cannot restore %s%s%s", rs->a->ifname, s,
		    *msg ? ": " : "", msg);
	}
}

/* Every missing address goes back in batches of NL_BATCH_MAX RTM_NEWADDR,
 * one sendmsg each, instead of one request per address: the loop waits
 * once per batch, not once per address. */
int
nl_addrs_restore(struct nl_addrs *a, struct nl_req *r, int ifindex, bool all)
{
	struct restore rs = { .a = a };
	unsigned n = 0, nreq = 0, sent = 0;
	size_t i;

	a->gen++;
	if (ifindex <= 0)
		return 0;
	(void)nl_req_buf(r);
	for (i = 0; i <= a->n; i++) {
		if (i < a->n && (!a->v[i].restore || (a->v[i].present && !all)))
			continue;
		if (i < a->n && n < NL_BATCH_MAX &&
		    add_one(r, &a->v[i], ifindex) == 0) {
			rs.idx[n++] = i;
			continue;
		}
		if (n > 0) {
			(void)nl_req_batch_run(r, restored, &rs);
			nreq++;
			sent += n;
		}
		n = 0;
		(void)nl_req_buf(r);
		if (i < a->n && add_one(r, &a->v[i], ifindex) == 0)
			rs.idx[n++] = i;
	}
	if (nreq > 0)
		log_debug("%s: %u address%s re-added in %u request%s", a->ifname,
		    sent, sent == 1 ? "" : "es", nreq, nreq == 1 ? "" : "s");
	if (rs.err != 0) {
		errno = rs.err;
		return -1;
	}
	return 0;
}

int
nl_addrs_expect(struct nl_addrs *a, const char *text)
{
	char host[INET6_ADDRSTRLEN], *end;
	const char *slash = strchr(text, '/');
	struct nl_addr k, *e, *nv;
	unsigned long len;

	a->gen++;
	memset(&k, 0, sizeof(k));
	if (slash == NULL || (size_t)(slash - text) >= sizeof(host))
		goto bad;
	memcpy(host, text, (size_t)(slash - text));
	host[slash - text] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || len > 128 ||
	    inet_pton(AF_INET6, host, k.local) != 1)
		goto bad;
	k.family = AF_INET6;
	k.prefixlen = (unsigned char)len;
	k.scope = RT_SCOPE_UNIVERSE;
	k.flags = IFA_F_PERMANENT;
	k.restore = true;
	if (find(a, &k) != NULL)
		return 0;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 4;

		if ((nv = reallocarray(a->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	e = &a->v[a->n++];
	*e = k;		/* not present: restored when the link comes up */
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
nl_addrs_print(const struct nl_addrs *a, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN + 4];
	size_t i, off = 0;
	int fam, count = 0, n;

	if (len == 0) {
		errno = ENOSPC;
		return -1;
	}
	buf[0] = '\0';
	/* IPv4 first, then IPv6, each in the order learned. */
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < a->n; i++) {
			const struct nl_addr *e = &a->v[i];

			if (e->family != (fam == 0 ? AF_INET : AF_INET6))
				continue;
			addr_str(e, false, s, sizeof(s));
			n = snprintf(buf + off, len - off, "%s%s",
			    count ? " " : "", s);
			if (n < 0 || (size_t)n >= len - off) {
				errno = ENOSPC;
				return -1;
			}
			off += (size_t)n;
			count++;
		}
	}
	return count;
}

int
nl_addrs_prefixes(const struct nl_addrs *a, struct prefix *out, int max)
{
	struct prefix p;
	size_t i;
	int fam, count = 0, j;

	/* IPv4 first, then IPv6, each in the order learned; the networks of
	 * two addresses in one prefix are one route in BIRD. */
	for (fam = 0; fam < 2; fam++) {
		for (i = 0; i < a->n; i++) {
			const struct nl_addr *e = &a->v[i];

			if (e->family != (fam == 0 ? AF_INET : AF_INET6))
				continue;
			prefix_make(&p, e->family, e->local, e->prefixlen);
			for (j = 0; j < count; j++)
				if (prefix_equal(&out[j], &p))
					break;
			if (j < count)
				continue;
			if (count == max) {
				errno = ENOSPC;
				return -1;
			}
			out[count++] = p;
		}
	}
	return count;
}

unsigned
nl_addrs_gen(const struct nl_addrs *a)
{
	return a->gen;
}
