/*
 * lab-dnsloop: a client that asks one DNS question over and over (by default
 * every 5 ms) and records who answered each query and when.  The lab runs it
 * in the client namespace against the anycast address, asking for
 * whoami.example.test TXT, so every answer names the node that served it.
 *
 * From those records it reports what a user of the service would have seen
 * during a failover: queries lost, and the outage, measured from the last
 * answer from the node that failed to the first answer from the next one.
 * It measures; it asserts nothing.  Test tool only; not installed.
 *
 * It sends each query from one connected UDP socket (so ICMP errors such as
 * "host unreachable" are reported, and counted as errors), with a sequence
 * number as the DNS ID, and schedules sends on CLOCK_MONOTONIC.  Printed
 * times are CLOCK_REALTIME microseconds so the lab can line them up with the
 * shell's $EPOCHREALTIME.
 *
 * Output (stdout), after SIGTERM/SIGINT or -d elapsed, and -w more ms for
 * late answers:
 *   summary sent=N answered=N lost=N errors=N bad=N max_rtt_us=N
 *   node name=node-a answers=N first_us=T last_us=T
 *   switch from=node-a to=node-b last_old_us=T first_new_us=T outage_us=N lost_between=N
 *   lostrun first_seq=N count=N first_sent_us=T
 * "bad" counts answers without a TXT (e.g. SERVFAIL).  With -l FILE, one line
 * per query: seq sent_us recv_us(or -) answer(or - / rcodeN).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_MAX	32
#define MAX_NODES	16

struct query {
	int64_t	sent_us;		/* realtime */
	int64_t	recv_us;		/* realtime, 0 if no answer */
	char	answer[ANSWER_MAX];	/* TXT string, or "rcodeN" */
	bool	good;			/* a TXT answer */
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t
now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Encodes "a.b.c" as DNS labels; returns the length or -1. */
static int
encode_name(const char *name, uint8_t *out, size_t cap)
{
	size_t pos = 0;
	const char *p = name;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len == 0 || len > 63 || pos + len + 2 > cap)
			return -1;
		out[pos++] = (uint8_t)len;
		memcpy(out + pos, p, len);
		pos += len;
		p += len;
		if (*p == '.')
			p++;
	}
	out[pos++] = 0;
	return (int)pos;
}

/* Skips a possibly compressed name; returns the new offset or -1. */
static int
skip_name(const uint8_t *m, int len, int off)
{
	while (off < len) {
		uint8_t c = m[off];

		if (c == 0)
			return off + 1;
		if ((c & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		off += c + 1;
	}
	return -1;
}

/*
 * Parses a reply: on NOERROR with a TXT answer, copies its first string and
 * returns 1; returns 0 for any other well-formed reply (answer set to
 * "rcodeN"), -1 for garbage.  *id receives the DNS ID.
 */
static int
parse_reply(const uint8_t *m, int len, uint16_t *id, char *answer)
{
	int off, qd, an, rcode;

	if (len < 12)
		return -1;
	*id = (uint16_t)(m[0] << 8 | m[1]);
	if ((m[2] & 0x80) == 0)
		return -1;
	rcode = m[3] & 0x0f;
	qd = m[4] << 8 | m[5];
	an = m[6] << 8 | m[7];
	snprintf(answer, ANSWER_MAX, "rcode%d", rcode);
	if (rcode != 0)
		return 0;
	off = 12;
	for (int i = 0; i < qd; i++) {
		off = skip_name(m, len, off);
		if (off < 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	for (int i = 0; i < an; i++) {
		int type, rdlen;

		off = skip_name(m, len, off);
		if (off < 0 || off + 10 > len)
			return -1;
		type = m[off] << 8 | m[off + 1];
		rdlen = m[off + 8] << 8 | m[off + 9];
		off += 10;
		if (off + rdlen > len)
			return -1;
		if (type == 16 && rdlen >= 1 && m[off] + 1 <= rdlen) {
			int n = m[off] < ANSWER_MAX - 1 ? m[off] : ANSWER_MAX - 1;

			memcpy(answer, m + off + 1, (size_t)n);
			answer[n] = '\0';
			return 1;
		}
		off += rdlen;
	}
	snprintf(answer, ANSWER_MAX, "noanswer");
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: lab-dnsloop -s server [-p port] [-q name]"
	    " [-i interval_us] [-d duration_ms] [-w wait_ms] [-l logfile]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *server = NULL, *qname = "whoami.example.test", *logpath = NULL;
	long interval_us = 5000, duration_ms = 0, wait_ms = 500, port = 53;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct query *q = NULL;
	size_t nq = 0, capq = 0;
	uint8_t pkt[512], buf[4096];
	int qlen, fd, ch;
	uint64_t errors = 0;
	int64_t start, next, stop_at = 0;
	struct sigaction sa;

	while ((ch = getopt(argc, argv, "s:p:q:i:d:w:l:")) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 'q':
			qname = optarg;
			break;
		case 'i':
			interval_us = strtol(optarg, NULL, 10);
			break;
		case 'd':
			duration_ms = strtol(optarg, NULL, 10);
			break;
		case 'w':
			wait_ms = strtol(optarg, NULL, 10);
			break;
		case 'l':
			logpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (server == NULL || interval_us < 100 || port <= 0 || port > 65535)
		usage();

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, server, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, server,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sslen = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "lab-dnsloop: bad address %s\n", server);
		return 2;
	}

	/* Header: RD=0, one question, TXT IN. */
	memset(pkt, 0, 12);
	pkt[5] = 1;
	qlen = encode_name(qname, pkt + 12, sizeof(pkt) - 16);
	if (qlen < 0) {
		fprintf(stderr, "lab-dnsloop: bad name %s\n", qname);
		return 2;
	}
	qlen += 12;
	pkt[qlen++] = 0;
	pkt[qlen++] = 16;
	pkt[qlen++] = 0;
	pkt[qlen++] = 1;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&ss, sslen) == -1) {
		perror("lab-dnsloop: socket");
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	start = next = now_us(CLOCK_MONOTONIC);
	for (;;) {
		int64_t t = now_us(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts;
		bool sending = stop_at == 0;
		int64_t until;

		if (sending && (stop_requested ||
		    (duration_ms > 0 && t - start >= duration_ms * 1000))) {
			stop_at = t + wait_ms * 1000;
			sending = false;
		}
		if (!sending && t >= stop_at)
			break;
		if (sending && t >= next) {
			uint16_t id = (uint16_t)(nq & 0xffff);

			if (nq == capq) {
				size_t ncap = capq ? capq * 2 : 4096;
				struct query *nqv = realloc(q, ncap * sizeof(*q));

				if (nqv == NULL) {
					perror("lab-dnsloop: realloc");
					return 1;
				}
				q = nqv;
				capq = ncap;
			}
			memset(&q[nq], 0, sizeof(q[nq]));
			pkt[0] = (uint8_t)(id >> 8);
			pkt[1] = (uint8_t)id;
			q[nq].sent_us = now_us(CLOCK_REALTIME);
			if (send(fd, pkt, (size_t)qlen, 0) == -1)
				errors++;
			nq++;
			next += interval_us;
			if (next < t)	/* we fell behind: do not burst */
				next = t + interval_us;
		}
		until = sending ? next : stop_at;
		t = now_us(CLOCK_MONOTONIC);
		ts.tv_sec = until > t ? (until - t) / 1000000 : 0;
		ts.tv_nsec = until > t ? ((until - t) % 1000000) * 1000 : 0;
		if (ppoll(&pfd, 1, &ts, NULL) <= 0)
			continue;
		for (;;) {
			char answer[ANSWER_MAX];
			uint16_t id;
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			int good;
			size_t seq, diff;

			if (r == -1) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				errors++;	/* ICMP: refused, unreachable */
				continue;
			}
			good = parse_reply(buf, (int)r, &id, answer);
			if (good < 0 || nq == 0)
				continue;
			/* The newest query with this ID (IDs wrap at 65536). */
			diff = (((nq - 1) & 0xffff) - id) & 0xffff;
			if (diff > nq - 1)
				continue;
			seq = nq - 1 - diff;
			if (q[seq].recv_us != 0)
				continue;
			q[seq].recv_us = now_us(CLOCK_REALTIME);
			q[seq].good = good == 1;
			snprintf(q[seq].answer, ANSWER_MAX, "%s", answer);
		}
	}

	/* Report. */
	{
		struct { char name[ANSWER_MAX]; uint64_t n; int64_t first, last; }
		    nodes[MAX_NODES];
		int nnodes = 0;
		uint64_t answered = 0, lost = 0, bad = 0;
		int64_t max_rtt = 0;
		FILE *log = logpath ? fopen(logpath, "w") : NULL;
		ssize_t prev = -1;	/* last good answer */
		size_t i;

		for (i = 0; i < nq; i++) {
			if (log != NULL)
				fprintf(log, "%zu %lld %lld %s\n", i,
				    (long long)q[i].sent_us,
				    (long long)q[i].recv_us,
				    q[i].recv_us ? q[i].answer : "-");
			if (q[i].recv_us == 0) {
				lost++;
				continue;
			}
			answered++;
			if (q[i].recv_us - q[i].sent_us > max_rtt)
				max_rtt = q[i].recv_us - q[i].sent_us;
			if (!q[i].good) {
				bad++;
				continue;
			}
			int k;
			for (k = 0; k < nnodes; k++)
				if (strcmp(nodes[k].name, q[i].answer) == 0)
					break;
			if (k == nnodes && nnodes < MAX_NODES) {
				snprintf(nodes[k].name, ANSWER_MAX, "%s", q[i].answer);
				nodes[k].n = 0;
				nodes[k].first = q[i].recv_us;
				nnodes++;
			}
			if (k < nnodes) {
				nodes[k].n++;
				nodes[k].last = q[i].recv_us;
			}
			if (prev >= 0 && strcmp(q[prev].answer, q[i].answer) != 0) {
				uint64_t between = 0;

				for (size_t j = (size_t)prev + 1; j < i; j++)
					if (q[j].recv_us == 0)
						between++;
				printf("switch from=%s to=%s last_old_us=%lld"
				    " first_new_us=%lld outage_us=%lld"
				    " lost_between=%llu\n", q[prev].answer,
				    q[i].answer, (long long)q[prev].recv_us,
				    (long long)q[i].recv_us,
				    (long long)(q[i].recv_us - q[prev].recv_us),
				    (unsigned long long)between);
			}
			prev = (ssize_t)i;
		}
		for (i = 0; i < nq; i++) {
			size_t j = i;

			if (q[i].recv_us != 0)
				continue;
			while (j < nq && q[j].recv_us == 0)
				j++;
			printf("lostrun first_seq=%zu count=%zu first_sent_us=%lld\n",
			    i, j - i, (long long)q[i].sent_us);
			i = j;
		}
		for (int k = 0; k < nnodes; k++)
			printf("node name=%s answers=%llu first_us=%lld last_us=%lld\n",
			    nodes[k].name, (unsigned long long)nodes[k].n,
			    (long long)nodes[k].first, (long long)nodes[k].last);
		printf("summary sent=%zu answered=%llu lost=%llu errors=%llu bad=%llu"
		    " max_rtt_us=%lld\n", nq, (unsigned long long)answered,
		    (unsigned long long)lost, (unsigned long long)errors,
		    (unsigned long long)bad, (long long)max_rtt);
		if (log != NULL)
			fclose(log);
	}
	free(q);
	close(fd);
	return 0;
}
