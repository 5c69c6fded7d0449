/* Prometheus metrics in the text format that node_exporter's textfile
 * collector reads, rendered from the status snapshot and replaced
 * atomically (write a temporary file, rename it over the old one). */
#ifndef ANYCASTD_METRICS_H
#define ANYCASTD_METRICS_H

#include <stdio.h>

struct status;
struct status_clock;

/* Renders every metric; 0, or -1 if the stream failed. */
int	metrics_render(const struct status *, const struct status_clock *,
	    FILE *);
/* Renders into PATH.tmp.PID in the same directory and renames it to PATH.
 * 0, or -1 with errno (the old file is left as it was). */
int	metrics_write(const char *path, const struct status *,
	    const struct status_clock *);

#endif
