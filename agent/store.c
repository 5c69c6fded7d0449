/* The state directory (see store.h).  Paths are built here and nowhere
 * else; the atomic write itself is the base's (file.c), so the state files
 * and the metrics file share one careful implementation.  Reads refuse
 * symlinks and FIFOs planted in the directory (O_NOFOLLOW, O_NONBLOCK). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "store.h"

/* A list of 1,000 long IPv6 addresses fits; a bigger file is refused
 * loudly (EFBIG), never cut short. */
#define ADDR6_MAX	65536

static int
path_join(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
store_read(const char *dir, const char *name, char *buf, size_t size,
    size_t *len)
{
	char path[PATH_MAX];

	*len = 0;
	if (path_join(path, sizeof(path), dir, name) == -1)
		return -1;
	return file_read(path, buf, size, len);
}

int
store_write(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, name) == -1)
		return -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return file_write(path, data, len, FILE_SYNC);
}

int
store_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, name) == -1)
		return -1;
	return file_remove(path, FILE_SYNC);
}

int
store_hold_save(const char *dir, uint64_t wall_ms)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)wall_ms);
	return store_write(dir, STORE_HOLD, buf, (size_t)n);
}

int
store_withdraw_env_save(const char *dir, const char *ifname)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "ANYCASTD_INTERFACE=%s\n", ifname);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return store_write(dir, STORE_WITHDRAW_ENV, buf, (size_t)n);
}

int
store_hold_load(const char *dir, uint64_t *wall_ms)
{
	char buf[32], *end;
	unsigned long long v;
	size_t len;

	if (store_read(dir, STORE_HOLD, buf, sizeof(buf), &len) == -1)
		return -1;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0')) {
		errno = EINVAL;
		return -1;
	}
	*wall_ms = v;
	return 0;
}

int
store_addr6_save(const char *dir, const char *name, const char *lines)
{
	if (lines[0] == '\0')
		return store_remove(dir, name);
	return store_write(dir, name, lines, strlen(lines));
}

char *
store_addr6_load(const char *dir, const char *name)
{
	char *buf;
	size_t len;
	int saved;

	if ((buf = malloc(ADDR6_MAX)) == NULL)
		return NULL;
	if (store_read(dir, name, buf, ADDR6_MAX, &len) == -1) {
		saved = errno;
		free(buf);
		errno = saved;
		return NULL;
	}
	return buf;
}
