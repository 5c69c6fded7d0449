/* The log must never stall the loop: under systemd stderr is a stream
 * socket to journald, and a journald that stops reading would block a
 * plain write once the socket buffer is full.  Here stderr is a socket that
 * nobody reads: 20000 lines must return at once (an alarm fails the test if
 * a write blocks), the lines that did not fit are dropped and counted, and
 * once the reader drains the socket the count is logged and every line that
 * did arrive is whole. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "loop.h"

CHECK_STATE;

static char got[1 << 20];

static size_t
drain(int fd, size_t off)
{
	ssize_t n;

	while (off < sizeof(got) - 1 &&
	    (n = recv(fd, got + off, sizeof(got) - 1 - off, MSG_DONTWAIT)) > 0)
		off += (size_t)n;
	got[off] = '\0';
	return off;
}

int
main(void)
{
	int sv[2], saved, buf = 4096, i, whole = 1, lines = 0;
	unsigned long dropped = 0;
	uint64_t t0, t;
	size_t len;
	char *p, *nl;

	saved = dup(2);
	if (saved == -1 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 1;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	alarm(5);	/* a blocking write never returns: fail, not hang */
	dup2(sv[0], 2);
	log_init("tlog", 0);
	t0 = loop_now_us();
	for (i = 0; i < 20000; i++)
		log_info("line %d of a journal that does not read, padded to "
		    "look like a real message about anycast0 and BIRD", i);
	t = loop_now_us() - t0;
	alarm(0);
	len = drain(sv[1], 0);
	log_info("the journal reads again");
	len = drain(sv[1], len);
	dup2(saved, 2);
	for (p = got; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		lines++;
		if (strncmp(p, "tlog: ", 6) != 0 && strncmp(p, "anycastd: ", 10))
			whole = 0;
		if (sscanf(p, "anycastd: %lu log lines dropped", &dropped) == 1)
			continue;
	}
	printf("figure: 20000 lines in %.1f ms into an unread socket; %d "
	    "arrived, %lu dropped and counted\n", (double)t / 1000.0, lines - 2,
	    dropped);
	CHECK(whole);			/* no fragment, no interleaving */
	CHECK(*p == '\0');		/* nothing after the last newline */
	CHECK(dropped > 0 && dropped + (unsigned long)lines - 2 == 20000);
	CHECK(strstr(got, "tlog: the journal reads again\n") != NULL);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_log: all checks passed\n");
	return 0;
}
