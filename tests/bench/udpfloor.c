/* udpfloor: the least CPU a health check can spend per cycle here.  One
 * connected UDP socket, and per cycle: sleep the interval in epoll, send one
 * SOA query, wait for the answer in epoll, read it.  No DNS library, no
 * parsing, no state: what is left is the kernel's cost of a loopback round
 * trip and two wakeups, which any checker pays.  The benchmark reports
 * every checker's CPU per cycle against this figure, measured in the same
 * run, since the machine's speed and noise move both alike.
 *
 * usage: udpfloor COUNT INTERVAL_US ZONE   (server 127.0.0.1 port 53)
 * prints: floor_us_per_cycle=N.N answered=N */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* "svc.test" -> a query for SOA svc.test, RD=0; the length, or -1. */
static int
build(const char *zone, unsigned char *q, size_t size)
{
	size_t off = 12, n;
	const char *p = zone;

	if (size < 12 + strlen(zone) + 6)
		return -1;
	memset(q, 0, 12);
	q[0] = 0x12;
	q[1] = 0x34;
	q[5] = 1;		/* QDCOUNT */
	while (*p != '\0') {
		n = strcspn(p, ".");
		if (n == 0 || n > 63)
			return -1;
		q[off++] = (unsigned char)n;
		memcpy(q + off, p, n);
		off += n;
		p += n;
		if (*p == '.')
			p++;
	}
	q[off++] = 0;
	q[off++] = 0;
	q[off++] = 6;		/* SOA */
	q[off++] = 0;
	q[off++] = 1;		/* IN */
	return (int)off;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct epoll_event ev = { .events = EPOLLIN }, e;
	struct timespec t0, t1, iv;
	unsigned char q[300], buf[4096];
	long count, us;
	int fd, ep, qlen, answered = 0;

	if (argc != 4 || (count = strtol(argv[1], NULL, 10)) <= 0 ||
	    (us = strtol(argv[2], NULL, 10)) < 0 ||
	    (qlen = build(argv[3], q, sizeof(q))) < 0) {
		fprintf(stderr, "usage: udpfloor COUNT INTERVAL_US ZONE\n");
		return 2;
	}
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (fd == -1 || ep == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("udpfloor");
		return 1;
	}
	ev.data.fd = fd;
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	iv.tv_sec = us / 1000000;
	iv.tv_nsec = (us % 1000000) * 1000;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (long i = 0; i < count; i++) {
		struct timespec one = { 1, 0 };

		(void)epoll_pwait2(ep, &e, 1, &iv, NULL);	/* the interval */
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;	/* a late answer from the last cycle */
		if (send(fd, q, (size_t)qlen, 0) == -1)
			continue;
		if (epoll_pwait2(ep, &e, 1, &one, NULL) == 1 &&
		    recv(fd, buf, sizeof(buf), 0) > 0)
			answered++;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("floor_us_per_cycle=%.1f answered=%d\n",
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / (double)count, answered);
	return answered > 0 ? 0 : 1;
}
