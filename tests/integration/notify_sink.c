/* A stand-in for systemd's notification socket: binds an AF_UNIX datagram
 * socket at the given path and prints every message it receives, one
 * variable per line, prefixed with the CLOCK_MONOTONIC time in ms, so a test
 * can check READY, STATUS, WATCHDOG cadence and STOPPING. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notify_sink PATH\n");
		return 2;
	}
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		char *line, *save = NULL;

		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) == -1)
			continue;
		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			printf("%.1f %s\n", now_ms(), line);
		fflush(stdout);
	}
}
