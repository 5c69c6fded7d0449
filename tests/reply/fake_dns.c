/* fake_dns: a deliberately broken DNS server for probe_live.  It answers
 * every query on ADDR PORT (UDP and TCP) in one way chosen by MODE, to show
 * what reaches our reply evaluation through c-ares and what c-ares itself
 * filters out:
 *
 *	wrongid	 reply with the ID plus one
 *	wrongq	 reply to another question (qtype plus one)
 *	qr0	 echo the query back unchanged (QR=0)
 *	tc	 header and question with TC=1, nothing else
 *	garbage	 right ID and question, ANCOUNT=1 and a cut RR
 *	big	 a 700-octet TXT answer over UDP, without TC
 *	close	 TCP: read the query and close; UDP: never answer
 *	dump	 print the query's header and what follows the question
 *		 ("query flags=0100 qd=1 an=0 ns=0 ar=1 tail=00002902..."),
 *		 then answer with the question only, RD copied, RA=1 when RD=1
 *		 and AD=1 when the query has an OPT RR with DO=1
 *	nord	 the question only, RA=1, and RD not copied
 *
 * It prints "ready" once both sockets are bound and serves until killed.
 * Test code: no hardening beyond not crashing on short input. */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *mode;

/* Builds the reply to query q[0..qlen) in r; returns its length or 0 for
 * no reply.  Only the question is copied, so the reply is header + question
 * + whatever the mode adds. */
static size_t
reply(const unsigned char *q, size_t qlen, unsigned char *r, size_t rsize)
{
	size_t off = 12, n, i;

	if (qlen < 12 || strcmp(mode, "close") == 0)
		return 0;
	while (off < qlen && q[off] != 0)
		off += 1 + (size_t)q[off];
	off += 1 + 4;
	if (off > qlen || off > rsize)
		return 0;
	memcpy(r, q, off);
	if (strcmp(mode, "qr0") == 0)
		return qlen <= rsize ? (memcpy(r, q, qlen), qlen) : 0;
	r[2] = (unsigned char)(0x84 | (q[2] & 0x01));	/* QR AA, RD copied */
	r[3] = 0;
	r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
	n = off;
	if (strcmp(mode, "nord") == 0) {
		r[2] &= (unsigned char)~0x01;	/* RD not copied */
		r[3] |= 0x80;			/* RA */
		return n;
	}
	if (strcmp(mode, "dump") == 0) {
		printf("query flags=%02x%02x qd=%d an=%d ns=%d ar=%d tail=",
		    q[2], q[3], q[4] << 8 | q[5], q[6] << 8 | q[7],
		    q[8] << 8 | q[9], q[10] << 8 | q[11]);
		for (i = off; i < qlen; i++)
			printf("%02x", q[i]);
		printf("\n");
		fflush(stdout);
		if (q[2] & 0x01)
			r[3] |= 0x80;	/* RA */
		/* An OPT RR right after the question: root, type 41, class,
		 * then the TTL whose third octet holds DO. */
		if (qlen >= off + 11 && q[off] == 0 && q[off + 1] == 0 &&
		    q[off + 2] == 41 && (q[off + 7] & 0x80))
			r[3] |= 0x20;	/* AD */
		return n;
	}
	if (strcmp(mode, "wrongid") == 0) {
		r[1]++;
		if (r[1] == 0)
			r[0]++;
	} else if (strcmp(mode, "wrongq") == 0)
		r[off - 3]++;
	else if (strcmp(mode, "tc") == 0)
		r[2] |= 0x02;
	else if (strcmp(mode, "garbage") == 0) {
		r[7] = 1;
		r[n++] = 0xc0;
		r[n++] = 12;
		r[n++] = 0;
		r[n++] = 6;	/* type SOA, then nothing: cut */
	} else if (strcmp(mode, "big") == 0) {
		if (n + 12 + 700 > rsize)
			return 0;
		r[7] = 1;
		r[n++] = 0xc0;
		r[n++] = 12;
		r[n++] = 0;
		r[n++] = 16;	/* TXT */
		r[n++] = 0;
		r[n++] = 1;
		r[n++] = 0;
		r[n++] = 0;
		r[n++] = 0;
		r[n++] = 60;
		r[n++] = (unsigned char)(700 >> 8);
		r[n++] = (unsigned char)(700 & 0xff);
		for (i = 0; i < 700; i += 175) {
			r[n++] = 174;
			memset(r + n, 'x', 174);
			n += 174;
		}
	}
	return n;
}

static void
serve_tcp(int fd)
{
	unsigned char q[65536 + 2], r[4096];
	size_t got = 0, want = 2, n;

	while (got < want) {
		ssize_t k;

		if ((k = read(fd, q + got, want - got)) <= 0)
			return;
		got += (size_t)k;
		if (got == 2)
			want = 2 + (size_t)(q[0] << 8 | q[1]);
	}
	if ((n = reply(q + 2, got - 2, r + 2, sizeof(r) - 2)) == 0)
		return;
	r[0] = (unsigned char)(n >> 8);
	r[1] = (unsigned char)n;
	if (write(fd, r, n + 2) == -1)
		perror("fake_dns: write");
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints, *ai;
	struct pollfd pfd[2];
	unsigned char q[4096], r[4096];
	struct sockaddr_storage from;
	socklen_t fromlen;
	size_t n;
	int u, t, c, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: fake_dns addr port mode\n");
		return 2;
	}
	mode = argv[3];
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
		fprintf(stderr, "fake_dns: bad address\n");
		return 2;
	}
	u = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	t = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (u == -1 || t == -1 ||
	    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(u, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    bind(t, ai->ai_addr, ai->ai_addrlen) == -1 || listen(t, 8) == -1) {
		perror("fake_dns");
		return 1;
	}
	freeaddrinfo(ai);
	printf("ready\n");
	fflush(stdout);
	pfd[0].fd = u;
	pfd[0].events = POLLIN;
	pfd[1].fd = t;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1)
			return 1;
		if (pfd[0].revents & POLLIN) {
			ssize_t k;

			fromlen = sizeof(from);
			k = recvfrom(u, q, sizeof(q), 0,
			    (struct sockaddr *)&from, &fromlen);
			if (k > 0 && (n = reply(q, (size_t)k, r, sizeof(r))) > 0)
				(void)sendto(u, r, n, 0,
				    (struct sockaddr *)&from, fromlen);
		}
		if (pfd[1].revents & POLLIN) {
			if ((c = accept(t, NULL, NULL)) != -1) {
				serve_tcp(c);
				close(c);
			}
		}
	}
}
