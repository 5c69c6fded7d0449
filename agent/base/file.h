/* Small files, read whole and replaced atomically: a reader (or the next
 * boot) sees the old content or the new one, never a mix.  The one atomic
 * write that every file the daemon writes goes through (state directory,
 * metrics). */
#ifndef ANYCASTD_FILE_H
#define ANYCASTD_FILE_H

#include <stddef.h>

#define FILE_SYNC	0x1	/* fsync the file and its directory */

/* Reads path into buf (at most size - 1 bytes, NUL-terminated) and sets
 * *len.  0, or -1 with errno: ENOENT when there is no file, EFBIG when it
 * does not fit, EINVAL when it is not a regular file.  A symlink is not
 * followed (ELOOP) and a FIFO cannot block the caller. */
int	file_read(const char *path, char *buf, size_t size, size_t *len);
/* Writes data to a new, unpredictably named file next to path (created
 * with O_EXCL, so nothing planted there is opened), then renames it over
 * path.  A target that exists and is not a regular file is refused with
 * EINVAL and left alone.  With FILE_SYNC the data and the rename are
 * fsynced.  0, or -1 with errno and the old file untouched. */
int	file_write(const char *path, const void *data, size_t len, int flags);
/* Removes path; no file is success.  With FILE_SYNC the directory is
 * fsynced.  0, or -1 with errno. */
int	file_remove(const char *path, int flags);

#endif
