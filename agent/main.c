/* anycastd's entry point: options, the configuration check (-n, -nv), the
 * capability check, then the agent.  Everything after start-up lives in
 * agent.c. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "conf.h"
#include "ctl_proto.h"
#include "link.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: anycastd [-dnv] [-i name] [-c file]\n"
	    "  -c file    configuration file (default " CONF_DEFAULT_PATH ",\n"
	    "             with -i: /etc/anycastd/NAME.conf)\n"
	    "  -i name    run as instance NAME (anycastd@NAME.service): control\n"
	    "             socket " CTL_RUN_DIR "/NAME/" CTL_SOCKET_NAME
	    ", state in\n"
	    "             /var/lib/anycastd/NAME, unless the file says otherwise\n"
	    "  -d         debug logging\n"
	    "  -n         check the configuration and exit\n"
	    "  -v         with -n, print the configuration normalized\n"
	    "  --version  print the version and exit\n"
	    "  -h         this help\n");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "instance", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *instance = NULL;
	char ipath[sizeof("/etc/anycastd/.conf") + CTL_INSTANCE_MAX];
	int ch, debug = 0, check = 0, verbose = 0, rc;
	struct conf *conf;
	struct agent *agent;

	while ((ch = getopt_long(argc, argv, "c:dhi:nv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'i':
			instance = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("anycastd %s\n", ANYCASTD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (instance != NULL && !ctl_instance_ok(instance)) {
		fprintf(stderr, "anycastd: -i %s: an instance name is letters, "
		    "digits, '_', '-' and '.', at most %d bytes, not starting "
		    "with '.'\n", instance, CTL_INSTANCE_MAX);
		return 2;
	}
	if (path == NULL && instance != NULL) {
		snprintf(ipath, sizeof(ipath), "/etc/anycastd/%s.conf", instance);
		path = ipath;
	} else if (path == NULL)
		path = CONF_DEFAULT_PATH;
	log_init("anycastd", debug);

	/* Errors go to stderr as FILE:LINE: message, without the log prefix:
	 * the form editors and the golden tests understand. */
	if ((conf = conf_load_instance(path, instance, conf_err_print,
	    NULL)) == NULL) {
		if (!check)
			log_warnx("%s: configuration invalid, not starting", path);
		return 1;
	}
	if (check) {
		if (verbose)
			conf_print(conf, stdout);
		else
			printf("configuration OK\n");
		conf_free(conf);
		return 0;
	}

	/* Fail now, not at the first withdrawal hours from now. */
	if (nl_can_admin() == -1) {
		log_warnx("CAP_NET_ADMIN is missing: cannot set %s up or down; "
		    "run as root or with AmbientCapabilities=CAP_NET_ADMIN",
		    conf->interface);
		conf_free(conf);
		return 1;
	}
	/* Peers that hang up (control clients) must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);

	if ((agent = agent_new(conf)) == NULL)
		return 1;
	rc = agent_run(agent);
	agent_free(agent);
	return rc;
}
