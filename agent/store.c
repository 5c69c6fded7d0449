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

static int
write_flags(const char *dir, const char *name, const char *data, size_t len,
    int flags)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, name) == -1)
		return -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return file_write(path, data, len, flags);
}

int
store_write(const char *dir, const char *name, const char *data, size_t len)
{
	return write_flags(dir, name, data, len, FILE_SYNC);
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
store_hold_save(const char *dir, const struct store_hold *h, bool sync)
{
	char buf[32 + 32 + STORE_BOOT_ID_MAX + 4];
	int n;

	n = snprintf(buf, sizeof(buf), "%llu %llu %s\n",
	    (unsigned long long)h->wall_ms, (unsigned long long)h->boot_ms,
	    h->boot_id[0] != '\0' ? h->boot_id : "-");
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	return write_flags(dir, STORE_HOLD, buf, (size_t)n, sync ? FILE_SYNC : 0);
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

static int
parse_ms(const char *s, char **end, uint64_t *out)
{
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno != 0)
		return -1;
	*out = v;
	return 0;
}

int
store_hold_load(const char *dir, struct store_hold *h)
{
	char buf[32 + 32 + STORE_BOOT_ID_MAX + 4], *p, *end;
	size_t len, idlen;

	memset(h, 0, sizeof(*h));
	if (store_read(dir, STORE_HOLD, buf, sizeof(buf), &len) == -1)
		return -1;
	if (parse_ms(buf, &end, &h->wall_ms) == -1)
		goto bad;
	if (*end == '\n' || *end == '\0')
		return 0;		/* the older format */
	if (*end != ' ' || parse_ms(end + 1, &end, &h->boot_ms) == -1 ||
	    *end != ' ')
		goto bad;
	p = end + 1;
	idlen = strcspn(p, " \n");
	if (idlen == 0 || idlen >= sizeof(h->boot_id) ||
	    (p[idlen] != '\n' && p[idlen] != '\0'))
		goto bad;
	if (!(idlen == 1 && *p == '-'))
		memcpy(h->boot_id, p, idlen);
	return 0;
bad:
	memset(h, 0, sizeof(*h));
	errno = EINVAL;
	return -1;
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
