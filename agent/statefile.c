/* Atomic small files in the state directory, shared by the drain record and
 * the remembered IPv6 addresses.  Writes go to NAME.tmp, are fsynced, then
 * renamed over NAME, and the directory is fsynced so the rename survives a
 * power cut.  Once the rename (or unlink) has happened the change is made:
 * a failing directory fsync is then only logged, because reporting failure
 * would make the caller believe the old state is still on disk.  Files are
 * opened O_NOFOLLOW|O_NONBLOCK so a symlink or FIFO planted in the state
 * directory cannot redirect or hang us. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "statefile.h"

static int
path_join(char *out, size_t outlen, const char *dir, const char *name,
    const char *suffix)
{
	int n = snprintf(out, outlen, "%s/%s%s", dir, name, suffix);

	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
sync_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		log_warn("%s: cannot fsync the directory; the change may not "
		    "survive a power cut", dir);
	if (fd != -1)
		close(fd);
}

int
statefile_read(const char *dir, const char *name, char *buf, size_t size,
    size_t *len)
{
	char path[PATH_MAX];
	ssize_t n;
	size_t off = 0;
	int fd, saved;

	*len = 0;
	if (size == 0 || path_join(path, sizeof(path), dir, name, "") == -1)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return -1;
	for (;;) {
		n = read(fd, buf + off, size - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		off += (size_t)n;
		if (off == size - 1) {
			char c;

			if (read(fd, &c, 1) == 1) {
				errno = EFBIG;
				goto fail;
			}
			break;
		}
	}
	close(fd);
	buf[off] = '\0';
	*len = off;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
statefile_write(const char *dir, const char *name, const char *data,
    size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	ssize_t n;
	size_t off = 0;
	int fd = -1, saved;

	if (path_join(path, sizeof(path), dir, name, "") == -1 ||
	    path_join(tmp, sizeof(tmp), dir, name, ".tmp") == -1)
		return -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		return -1;
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	sync_dir(dir);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	errno = saved;
	return -1;
}

int
statefile_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, name, "") == -1)
		return -1;
	if (unlink(path) == -1)
		return errno == ENOENT ? 0 : -1;
	sync_dir(dir);
	return 0;
}
