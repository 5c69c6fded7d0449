/* fault_dns: a misbehaving DNS server in front of a real one, for the fault
 * matrix.  It listens on ADDR PORT (UDP), forwards each query to the real
 * server at UP_ADDR UP_PORT (named), and answers the prober in one of these
 * ways, so that every answer that does come is named's own:
 *
 *   fault_dns ADDR PORT UP_ADDR UP_PORT MODEFILE
 *
 *	delay MS	named's answer, sent MS milliseconds after the query
 *			arrived (close to, or past, the probe's timeout)
 *	drop N		every Nth query is dropped (N = 2: half of them),
 *			the others answered at once
 *	othersrc ADDR	named's answer, sent from ADDR (same port) instead
 *			of the address the query went to
 *	garbage		the query's ID followed by 40 pseudo-random octets
 *	junk		the query's header (QR set, one answer) and question,
 *			then 30 pseudo-random octets where the answer should be
 *
 * The mode is one line in MODEFILE, read again for every query.  One query
 * at a time (a health probe sends one per cycle).  It prints "ready" once
 * bound and serves until killed.  Test tool; not installed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
bound(const char *addr, const char *port, int connect_to)
{
	struct addrinfo hints, *ai;
	int fd, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(addr, port, &hints, &ai) != 0) {
		fprintf(stderr, "fault_dns: bad address %s %s\n", addr, port);
		exit(2);
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    (connect_to ? connect(fd, ai->ai_addr, ai->ai_addrlen) :
	    bind(fd, ai->ai_addr, ai->ai_addrlen)) == -1) {
		perror("fault_dns");
		exit(1);
	}
	freeaddrinfo(ai);
	return fd;
}

/* Named's answer to q, or -1 after a second without one. */
static ssize_t
ask(int up, const unsigned char *q, size_t qlen, unsigned char *r,
    size_t rsize)
{
	struct pollfd pfd = { .fd = up, .events = POLLIN };

	if (send(up, q, qlen, 0) == -1)
		return -1;
	for (;;) {
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0)
			return -1;
		if ((n = recv(up, r, rsize, 0)) == -1)
			return -1;
		/* A late answer to an earlier query is not this one's. */
		if (n >= 2 && r[0] == q[0] && r[1] == q[1])
			return n;
	}
}

struct mode {
	char		 name[16];
	char		 arg[64];
	int		 delay;
	unsigned long	 every;
};

/* "MODE [ARG]" into m; -1 when it is not one. */
static int
parse_mode(const char *text, struct mode *m)
{
	memset(m, 0, sizeof(*m));
	if (sscanf(text, "%15s %63s", m->name, m->arg) < 1)
		return -1;
	if (strcmp(m->name, "delay") == 0 && m->arg[0] != '\0')
		m->delay = atoi(m->arg);
	else if (strcmp(m->name, "drop") == 0 && m->arg[0] != '\0')
		m->every = strtoul(m->arg, NULL, 10);
	else if (strcmp(m->name, "othersrc") == 0 && m->arg[0] != '\0')
		;
	else if (strcmp(m->name, "garbage") != 0 &&
	    strcmp(m->name, "junk") != 0)
		return -1;
	return 0;
}

/* The mode file, read again for every query, so that a test switches the
 * behaviour without a restart (a restart leaves a gap in which queries are
 * refused, which is a fault of its own). */
static void
read_mode(const char *path, struct mode *m)
{
	char line[128];
	struct mode nm;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL && parse_mode(line, &nm) == 0)
		*m = nm;
	fclose(f);
}

int
main(int argc, char *argv[])
{
	unsigned char q[4096], r[4096];
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct mode m;
	const char *modefile;
	char altaddr[64] = "";
	unsigned long count = 0;
	uint32_t seed = 12345;
	int s, up, alt = -1;

	if (argc != 6) {
		fprintf(stderr, "usage: fault_dns addr port up_addr up_port "
		    "MODEFILE\n  MODEFILE holds one line: delay MS | drop N | "
		    "othersrc ADDR | garbage | junk\n");
		return 2;
	}
	modefile = argv[5];
	memset(&m, 0, sizeof(m));
	read_mode(modefile, &m);
	if (m.name[0] == '\0') {
		fprintf(stderr, "fault_dns: %s: no valid mode\n", modefile);
		return 2;
	}
	s = bound(argv[1], argv[2], 0);
	up = bound(argv[3], argv[4], 1);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int64_t t;
		ssize_t k, n;
		int i;

		fromlen = sizeof(from);
		k = recvfrom(s, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &fromlen);
		if (k < 12)
			continue;
		t = now_ms();
		read_mode(modefile, &m);
		if (strcmp(m.name, "othersrc") == 0 &&
		    strcmp(m.arg, altaddr) != 0) {
			if (alt != -1)
				close(alt);
			alt = bound(m.arg, argv[2], 0);
			snprintf(altaddr, sizeof(altaddr), "%s", m.arg);
		}
		count++;
		if (m.every > 0 && count % m.every == 0)
			continue;
		if (strcmp(m.name, "garbage") == 0) {
			r[0] = q[0];
			r[1] = q[1];
			for (i = 2; i < 42; i++) {
				seed = seed * 1103515245u + 12345u;
				r[i] = (unsigned char)(seed >> 16);
			}
			(void)sendto(s, r, 42, 0, (struct sockaddr *)&from,
			    fromlen);
			continue;
		}
		if (strcmp(m.name, "junk") == 0 && (size_t)k + 30 <= sizeof(r)) {
			memcpy(r, q, (size_t)k);
			r[2] |= 0x80;
			r[6] = 0;
			r[7] = 1;
			for (i = 0; i < 30; i++) {
				seed = seed * 1103515245u + 12345u;
				r[k + i] = (unsigned char)(seed >> 16);
			}
			(void)sendto(s, r, (size_t)k + 30, 0,
			    (struct sockaddr *)&from, fromlen);
			continue;
		}
		if ((n = ask(up, q, (size_t)k, r, sizeof(r))) == -1)
			continue;
		if (m.delay > 0) {
			int64_t left = t + m.delay - now_ms();

			if (left > 0)
				(void)poll(NULL, 0, (int)left);
		}
		(void)sendto(strcmp(m.name, "othersrc") == 0 ? alt : s, r,
		    (size_t)n, 0,
		    (struct sockaddr *)&from, fromlen);
	}
}
