/* probe_cli: runs the probe module from the command line against a real
 * server and prints one line per probe:
 *
 *	result=<str> rcode=<..> latency_us=<..> detail=<..>
 *
 * It exits 0 when every probe passed, 1 when one did not, 2 on a usage or
 * set-up error, and 3 when the probe broke its contract (callback inside
 * probe_start, twice, or after probe_free).  -F starts a probe and frees it
 * at once, then waits past the timeout to show the callback never comes
 * (run it under ASan to show nothing leaks).  -R sets recursion = yes and
 * -D dnssec = yes.  -M starves the process of
 * file descriptors during probe_start so that c-ares fails inside
 * ares_send(): the callback must still come later, from the loop. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

struct cli {
	struct loop	*loop;
	struct probe_pool *pool;
	struct probe	*probe;
	int		 in_start;
	int		 calls;
	int		 remaining;
	int		 failed;
	int		 broken;
};

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: probe_cli [-DFMRt] [-T timeout_ms] [-r rcode] "
	    "[-a yes|no] [-A yes|no] [-n count]\n"
	    "                 server port name type\n");
	exit(2);
}

static int
yesno(const char *s)
{
	if (strcmp(s, "yes") == 0)
		return 1;
	if (strcmp(s, "no") == 0)
		return 0;
	usage();
}

static void
done(void *arg, struct probe *p, const struct probe_report *r)
{
	struct cli *c = arg;
	const char *rc = dns_rcode_str(r->rcode);
	char num[16];

	c->calls++;
	if (c->in_start) {
		fprintf(stderr, "probe_cli: callback inside probe_start\n");
		c->broken = 1;
	}
	if (rc == NULL) {
		if (r->rcode < 0)
			snprintf(num, sizeof(num), "-");
		else
			snprintf(num, sizeof(num), "%d", r->rcode);
		rc = num;
	}
	printf("result=%s rcode=%s latency_us=%llu detail=%s\n",
	    probe_result_str(r->result), rc,
	    (unsigned long long)r->latency_us, r->detail);
	fflush(stdout);
	if (r->result != PROBE_OK)
		c->failed = 1;
	if (--c->remaining > 0) {
		c->in_start = 1;
		if (probe_start(p) == -1) {
			fprintf(stderr, "probe_cli: probe_start: %s\n",
			    strerror(errno));
			c->broken = 1;
			loop_stop(c->loop);
		}
		c->in_start = 0;
	} else
		loop_stop(c->loop);
}

static void
stop(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints, *ai = NULL;
	struct probe_conf conf;
	struct loop_timer *guard = NULL;
	struct cli c;
	struct rlimit rl, saved;
	int ch, qtype, free_in_flight = 0, starve = 0, count = 1, rv;

	log_init("probe_cli", 1);
	memset(&c, 0, sizeof(c));
	memset(&conf, 0, sizeof(conf));
	conf.name = "cli";
	conf.timeout_ms = 500;
	conf.authoritative = 1;
	conf.answer = 1;
	while ((ch = getopt(argc, argv, "A:a:DFMn:Rr:T:t")) != -1) {
		switch (ch) {
		case 'A':
			conf.answer = yesno(optarg);
			break;
		case 'a':
			conf.authoritative = yesno(optarg);
			break;
		case 'D':
			conf.dnssec = 1;
			break;
		case 'F':
			free_in_flight = 1;
			break;
		case 'M':
			starve = 1;
			break;
		case 'n':
			if ((count = atoi(optarg)) < 1)
				usage();
			break;
		case 'R':
			conf.recursion = 1;
			break;
		case 'r':
			if ((conf.rcode = dns_rcode_parse(optarg)) == -1)
				usage();
			break;
		case 'T':
			if ((conf.timeout_ms = (uint32_t)atoi(optarg)) == 0)
				usage();
			break;
		case 't':
			conf.tcp = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4 || (qtype = dns_qtype_parse(argv[3])) == -1)
		usage();
	conf.qname = argv[2];
	conf.qtype = (uint16_t)qtype;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rv = getaddrinfo(argv[0], argv[1], &hints, &ai)) != 0) {
		fprintf(stderr, "probe_cli: %s: %s\n", argv[0],
		    gai_strerror(rv));
		return 2;
	}
	memcpy(&conf.server, ai->ai_addr, ai->ai_addrlen);
	conf.server_len = ai->ai_addrlen;
	freeaddrinfo(ai);

	if ((c.loop = loop_new()) == NULL)
		fatal("loop_new");
	if ((c.pool = probe_pool_new(c.loop)) == NULL)
		fatal("probe_pool_new");
	if ((c.probe = probe_new(c.pool, &conf, done, &c)) == NULL)
		fatal("probe_new");
	c.remaining = count;
	if (starve) {
		int fd;

		/* The lowest free fd becomes the limit: socket() gets EMFILE. */
		if ((fd = dup(0)) == -1 || close(fd) == -1 ||
		    getrlimit(RLIMIT_NOFILE, &saved) == -1)
			fatal("rlimit");
		rl = saved;
		rl.rlim_cur = (rlim_t)fd;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			fatal("setrlimit");
	}
	c.in_start = 1;
	if (probe_start(c.probe) == -1)
		fatal("probe_start");
	/* done() reads in_start through the probe's arg pointer. */
	// cppcheck-suppress redundantAssignment
	c.in_start = 0;
	if (starve && setrlimit(RLIMIT_NOFILE, &saved) == -1)
		fatal("setrlimit");
	if (probe_start(c.probe) != -1 || errno != EBUSY) {
		fprintf(stderr, "probe_cli: second probe_start accepted\n");
		c.broken = 1;
	}
	if (free_in_flight) {
		probe_free(c.probe);
		c.probe = NULL;
		if ((guard = loop_timer_new(c.loop, stop, NULL)) == NULL ||
		    loop_timer_arm(guard, (uint64_t)conf.timeout_ms * 2000u +
		    100000u) == -1)
			fatal("guard timer");
	}
	if (loop_run(c.loop) == -1)
		fatal("loop_run");
	if (free_in_flight) {
		if (c.calls != 0) {
			fprintf(stderr, "probe_cli: callback after "
			    "probe_free\n");
			c.broken = 1;
		} else
			printf("free in flight: no callback\n");
	} else if (c.calls != count) {
		fprintf(stderr, "probe_cli: %d callbacks for %d probes\n",
		    c.calls, count);
		c.broken = 1;
	}
	loop_timer_free(guard);
	probe_free(c.probe);
	probe_pool_free(c.pool);
	loop_free(c.loop);
	if (c.broken)
		return 3;
	return c.failed ? 1 : 0;
}
