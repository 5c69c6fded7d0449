/* The control socket's request path (ctl.c): arbitrary bytes sent by a
 * client, read by the server in the daemon's loop, answered by a handler.
 *
 * The harness keeps one loop and one ctl listening in a directory of its
 * own; each input is one client that connects, sends the bytes (in two
 * writes, split where byte 0 says), shuts down its sending side and reads
 * until the server closes.  The handler echoes what it got and picks its
 * code from the argument, and "big" answers with more than a socket
 * buffer, so that the reply is written as the client reads.
 *
 * Properties: a request that is complete (a newline within CTL_REQUEST_MAX
 * bytes, or CTL_REQUEST_MAX bytes without one) gets exactly one reply, a
 * status line "anycastd/1 CODE TEXT" then the body, and nothing after; an
 * incomplete one gets nothing; the handler runs at most once, only for a
 * well-formed request, with a command of [a-z-] and printable arguments,
 * and then its code and body are what the client reads; every reply is
 * printable lines. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"

#define BIG	(512 * 1024)

struct run {
	int		 fd;		/* the client's end */
	char		*in;		/* what the client read */
	size_t		 inlen, incap;
	bool		 eof;
	int		 calls, code;
	char		*body;		/* what the handler wrote */
	size_t		 bodylen;
};

static struct loop	*loop;
static struct ctl	*ctl;
static struct run	 run;
static char		 dir[64], sock[96];

static void
cleanup(void)
{
	ctl_free(ctl);
	loop_free(loop);
	(void)rmdir(dir);
}

static int
handler(void *arg, const char *cmd, const char *args,
    const struct ctl_peer *peer, FILE *out)
{
	static const int codes[] = { CTL_OK, CTL_CONFLICT, CTL_FAILED,
	    CTL_NOT_FOUND };
	size_t i;

	(void)arg;
	(void)peer;
	run.calls++;
	FUZZ_CHECK(*cmd != '\0' && strspn(cmd, "abcdefghijklmnopqrstuvwxyz-") ==
	    strlen(cmd));
	FUZZ_CHECK(fuzz_clean(args));
	if (strcmp(cmd, "big") == 0)
		for (i = 0; i < BIG / 64; i++)
			fprintf(out, "%063zu\n", i);
	else
		fprintf(out, "cmd %s\nargs %s\n", cmd, args);
	run.code = codes[strlen(args) % (sizeof(codes) / sizeof(codes[0]))];
	return run.code;
}

static void
client_read(struct loop *l, int fd, void *arg, int mask)
{
	ssize_t n;

	(void)arg;
	(void)mask;
	for (;;) {
		if (run.incap - run.inlen < 65536) {
			run.incap += 65536 * 4;
			if ((run.in = realloc(run.in, run.incap)) == NULL)
				abort();
		}
		n = recv(fd, run.in + run.inlen, run.incap - run.inlen,
		    MSG_DONTWAIT);
		if (n > 0) {
			run.inlen += (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EOF, or ECONNRESET: the server is done with us. */
		run.eof = true;
		loop_del_fd(l, fd);
		loop_stop(l);
		return;
	}
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/fuzz_ctl.%d", (int)getpid());
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	log_init("fuzz_ctl", 0);
	if ((loop = loop_new()) == NULL)
		abort();
	if ((ctl = ctl_new(loop, sock, NULL, handler, NULL)) == NULL)
		abort();
	atexit(cleanup);
}

/* Sends what the socket takes now; the rest goes after loop turns. */
static void
send_all(const uint8_t *p, size_t len)
{
	struct pollfd pfd;
	ssize_t n;

	while (len > 0) {
		n = send(run.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN)
			return;		/* the server closed: fine */
		pfd.fd = run.fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, 10);
	}
}

/* Is data a complete request, and how long is its line? */
static bool
complete(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	size_t n = size < CTL_REQUEST_MAX ? size : CTL_REQUEST_MAX;

	nl = memchr(data, '\n', n);
	return nl != NULL || size >= CTL_REQUEST_MAX;
}

static void
check_reply(const uint8_t *data, size_t size)
{
	char *nl, *sp, text[64];
	int code, n;

	if (!complete(data, size)) {
		FUZZ_CHECK(run.inlen == 0 && run.calls == 0);
		return;
	}
	FUZZ_CHECK(run.calls <= 1);
	FUZZ_CHECK(run.inlen > 0);
	FUZZ_CHECK(fuzz_lines_clean(run.in, run.inlen));
	FUZZ_CHECK(run.in[run.inlen - 1] == '\n');
	nl = memchr(run.in, '\n', run.inlen);
	*nl = '\0';
	FUZZ_CHECK(strncmp(run.in, CTL_VERSION " ", 11) == 0);
	FUZZ_CHECK(sscanf(run.in + 11, "%3d%n", &code, &n) == 1 && n == 3);
	sp = run.in + 14;
	FUZZ_CHECK(*sp == ' ');
	snprintf(text, sizeof(text), "%s", ctl_code_text(code));
	FUZZ_CHECK(strcmp(sp + 1, text) == 0 && strcmp(text, "error") != 0);
	if (run.calls == 1) {
		FUZZ_CHECK(code == run.code);
		FUZZ_CHECK(run.inlen - (size_t)(nl + 1 - run.in) == run.bodylen);
		FUZZ_CHECK(memcmp(nl + 1, run.body, run.bodylen) == 0);
	} else {
		/* An error: one line saying why, and that is all. */
		FUZZ_CHECK(code >= 400);
		FUZZ_CHECK(memchr(nl + 1, '\n', run.inlen -
		    (size_t)(nl + 1 - run.in)) == run.in + run.inlen - 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t split;
	FILE *f;

	if (loop == NULL)
		setup();
	if (size < 1)
		return 0;
	split = data[0];
	data++;
	size--;
	if (size > CTL_REQUEST_MAX + 64)
		return 0;
	split = split < size ? split : size;
	free(run.in);
	free(run.body);
	memset(&run, 0, sizeof(run));
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	run.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	FUZZ_CHECK(run.fd != -1);
	FUZZ_CHECK(connect(run.fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	FUZZ_CHECK(loop_add_fd(loop, run.fd, LOOP_READ, client_read, NULL) == 0);
	send_all(data, split);
	send_all(data + split, size - split);
	(void)shutdown(run.fd, SHUT_WR);
	FUZZ_CHECK(loop_run(loop) == 0);
	FUZZ_CHECK(run.eof);
	close(run.fd);
	/* What the handler wrote, rebuilt the way it wrote it. */
	if (run.calls == 1) {
		const char *line = (const char *)data, *cmd, *args;
		char *copy = fuzz_strndup(data, size), *e;

		(void)line;
		e = strchr(copy, '\n');
		*e = '\0';
		cmd = strchr(copy, ' ') + 1;
		if ((e = strchr(cmd, ' ')) != NULL) {
			*e = '\0';
			args = e + 1;
		} else
			args = "";
		if ((f = open_memstream(&run.body, &run.bodylen)) == NULL)
			abort();
		if (strcmp(cmd, "big") == 0)
			for (size_t i = 0; i < BIG / 64; i++)
				fprintf(f, "%063zu\n", i);
		else
			fprintf(f, "cmd %s\nargs %s\n", cmd, args);
		fclose(f);
		free(copy);
	}
	check_reply(data, size);
	return 0;
}
