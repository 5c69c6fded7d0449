/* Atomic small files.  Writes go to PATH.tmp.XXXXXX (random, O_EXCL), are
 * optionally fsynced, then renamed over PATH, and the directory is fsynced so
 * the rename survives a power cut.  Once the rename (or unlink) has happened
 * the change is made: a failing directory fsync is then only logged, because
 * reporting failure would make the caller believe the old state is still on
 * disk.  Every open is O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, so a symlink or FIFO
 * that someone with write access to the directory planted cannot redirect
 * the write or hang the single event loop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "log.h"

static void
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		log_warn("%s: cannot fsync the directory; the change may not "
		    "survive a power cut", dir);
	if (fd != -1)
		close(fd);
}

int
file_read(const char *path, char *buf, size_t size, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd, saved;

	*len = 0;
	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
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

/* A fresh temporary next to path; the name is random so that nobody can
 * plant something there in advance, and O_EXCL refuses whatever is there. */
static int
open_tmp(const char *path, char *tmp, size_t tmplen)
{
	unsigned char r[6];
	int fd, n, tries;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
			return -1;
		n = snprintf(tmp, tmplen, "%s.tmp.%02x%02x%02x%02x%02x%02x",
		    path, r[0], r[1], r[2], r[3], r[4], r[5]);
		if (n < 0 || (size_t)n >= tmplen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW | O_NONBLOCK, 0644);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int
file_write(const char *path, const void *data, size_t len, int flags)
{
	char tmp[PATH_MAX];
	const char *p = data;
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd = -1, saved;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open_tmp(path, tmp, sizeof(tmp))) == -1)
		return -1;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if ((flags & FILE_SYNC) && fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	if (flags & FILE_SYNC)
		sync_dir_of(path);
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
file_remove(const char *path, int flags)
{
	if (unlink(path) == -1)
		return errno == ENOENT ? 0 : -1;
	if (flags & FILE_SYNC)
		sync_dir_of(path);
	return 0;
}
