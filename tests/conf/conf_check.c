/* A stand-in for `anycastd -n` / `anycastd -nv` that links only the config
 * module, so the config goldens run before (and independently of) the
 * daemon.  It must print exactly what anycastd prints:
 *   -n   "configuration OK" on stdout, exit 0; or the errors, exit 1
 *   -nv  the normalized config on stdout and nothing else, exit 0
 * Errors go to stderr, one "FILE:LINE: message" (or "FILE: message") each. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

int
main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_PATH;
	int ch, check = 0, verbose = 0;
	struct conf *c;

	while ((ch = getopt(argc, argv, "c:nv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: conf_check -n [-v] [-c FILE]\n");
			return 2;
		}
	}
	if (!check || optind != argc) {
		fprintf(stderr, "usage: conf_check -n [-v] [-c FILE]\n");
		return 2;
	}
	if ((c = conf_load(path, conf_err_print, NULL)) == NULL)
		return 1;
	if (verbose)
		conf_print(c, stdout);
	else
		printf("configuration OK\n");
	conf_free(c);
	return fflush(stdout) == 0 ? 0 : 1;
}
