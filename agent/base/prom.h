/* A tiny emitter of the Prometheus text exposition format (version 0.0.4,
 * what node_exporter's textfile collector reads), after bgpctl's
 * ometric.h: a family is announced once with its HELP and TYPE, then its
 * samples follow, each with labels given as a NULL-terminated list of
 * key, value pairs:
 *
 *	prom_family(p, "anycastd_probe_latency_seconds", "...", PROM_HISTOGRAM);
 *	prom_uint(p, "_count", (const char *[]){ "probe", name, NULL }, n);
 *
 * Label values are escaped as the format requires and sanitised as text.h
 * does, so a probe or protocol name cannot break the file or a terminal. */
#ifndef ANYCASTD_PROM_H
#define ANYCASTD_PROM_H

#include <stdint.h>
#include <stdio.h>

#define PROM_NAME_MAX	128

enum prom_type {
	PROM_GAUGE = 0,
	PROM_COUNTER,
	PROM_HISTOGRAM,
};

struct prom;

/* Writes to f, which the caller keeps.  NULL on allocation failure. */
struct prom	*prom_new(FILE *f);
void		 prom_free(struct prom *);
/* Labels every later sample starts with (a NULL-terminated key, value
 * list that the caller keeps until prom_free; NULL: none): anycastd -i
 * NAME labels its samples instance="NAME", so that the files of several
 * instances can sit in one textfile collector directory. */
void		 prom_set_labels(struct prom *, const char *const *labels);
/* 0 if every name was valid, every sample had a family and the stream did
 * not fail; -1 otherwise. */
int		 prom_finish(const struct prom *);

/* Starts a family: "# HELP" and "# TYPE", once (the same family again in
 * a row writes nothing). */
void		 prom_family(struct prom *, const char *name, const char *help,
		    enum prom_type);
/* One sample of the current family.  The sample's name is the family's
 * followed by suffix ("_bucket", "_sum", "_count"; NULL for none);
 * labels may be NULL. */
void		 prom_uint(struct prom *, const char *suffix,
		    const char *const *labels, uint64_t);
void		 prom_int(struct prom *, const char *suffix,
		    const char *const *labels, int64_t);
/* Infinities are +Inf and -Inf, NaN is NaN. */
void		 prom_double(struct prom *, const char *suffix,
		    const char *const *labels, double);
/* v / 10^decimals, exactly (see json_fixed()). */
void		 prom_fixed(struct prom *, const char *suffix,
		    const char *const *labels, uint64_t v, unsigned decimals);

#endif
