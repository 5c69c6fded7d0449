/* Small files in the state directory, written atomically: a reader (or the
 * next boot) sees the old content or the new one, never a mix. */
#ifndef ANYCASTD_STATEFILE_H
#define ANYCASTD_STATEFILE_H

#include <stddef.h>

/* Reads DIR/NAME into buf (at most size - 1 bytes, NUL-terminated) and sets
 * *len.  0, or -1 with errno: ENOENT when there is no file, EFBIG when it
 * does not fit. */
int	statefile_read(const char *dir, const char *name, char *buf,
	    size_t size, size_t *len);
/* Writes DIR/NAME through NAME.tmp, fsync and rename; creates DIR (one
 * level) if missing.  0, or -1 with errno and the old file untouched. */
int	statefile_write(const char *dir, const char *name, const char *data,
	    size_t len);
/* Removes DIR/NAME; no file is success.  0, or -1 with errno. */
int	statefile_remove(const char *dir, const char *name);

#endif
