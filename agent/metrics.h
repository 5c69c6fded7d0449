/* Prometheus metrics in the text format that node_exporter's textfile
 * collector reads, rendered from the status snapshot and replaced
 * atomically with file_write(). */
#ifndef ANYCASTD_METRICS_H
#define ANYCASTD_METRICS_H

#include <stdio.h>

struct status;
struct status_clock;

/* Renders every metric; 0, or -1 if the stream failed (or, a bug, the
 * prom emitter refused a name). */
int	metrics_render(const struct status *, const struct status_clock *,
	    FILE *);
/* Renders into memory and replaces PATH with file_write() (not fsynced).
 * 0, or -1 with errno (the old file is left as it was; EINVAL if PATH
 * exists and is not a regular file). */
int	metrics_write(const char *path, const struct status *,
	    const struct status_clock *);

#endif
