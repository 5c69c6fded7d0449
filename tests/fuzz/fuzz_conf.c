/* The config parser on arbitrary files, and the normalized print.
 *
 * Properties: every error message is printable text with a line number
 * within the file (0 for the file as a whole); a config that loads prints
 * as printable lines, that print loads again without an error, and the
 * second print is byte for byte the first (print -> load -> print is the
 * identity, which is what -nv promises). */
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

static char	 path[64];
static int	 nlines;

static void
cleanup(void)
{
	(void)unlink(path);
}

static void
on_error(void *arg, const char *file, int line, const char *msg)
{
	int *n = arg;

	(*n)++;
	/* The config's path, or a file it names ([freshness] zones_file). */
	FUZZ_CHECK(file != NULL && fuzz_clean(file));
	FUZZ_CHECK(line >= 0 && line <= nlines + 1);
	FUZZ_CHECK(fuzz_clean(msg));
}

static void
on_error_reload(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	fprintf(stderr, "printed config rejected: %s:%d: %s\n", file, line,
	    msg);
}

static void
put_file(const void *data, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "we")) == NULL ||
	    (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		abort();
}

static char *
print(const struct conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL)
		abort();
	conf_print(c, f);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c, *c2;
	char *p1, *p2;
	size_t l1, l2, i;
	int nerr = 0;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/dev/shm/fuzz_conf.%d.conf",
		    (int)getpid());
		atexit(cleanup);
	}
	nlines = 0;
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			nlines++;
	put_file(data, size);
	c = conf_load(path, on_error, &nerr);
	FUZZ_CHECK((c == NULL) == (nerr > 0));
	if (c == NULL)
		return 0;
	p1 = print(c, &l1);
	FUZZ_CHECK(fuzz_lines_clean(p1, l1));
	put_file(p1, l1);
	c2 = conf_load(path, on_error_reload, NULL);
	FUZZ_CHECK(c2 != NULL);
	p2 = print(c2, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		fprintf(stderr, "---- first print\n%s---- second print\n%s",
		    p1, p2);
	FUZZ_CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
	free(p1);
	free(p2);
	conf_free(c);
	conf_free(c2);
	return 0;
}
