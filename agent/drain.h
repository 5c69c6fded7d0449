/* The operator's drain, kept on disk so that it survives a restart of
 * anycastd and a reboot.  One file, "drain", in the state directory: present
 * means drained.  It is written atomically; a file that cannot be read or
 * parsed counts as drained, because that is the safe side. */
#ifndef ANYCASTD_DRAIN_H
#define ANYCASTD_DRAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DRAIN_REASON_MAX	256

struct drain_info {
	bool		drained;
	char		reason[DRAIN_REASON_MAX];	/* free text, may be "" */
	uid_t		uid;		/* who drained (SO_PEERCRED) */
	pid_t		pid;
	int64_t		since;		/* wall clock, unix seconds */
	bool		corrupt;	/* loaded from a bad file: reason says why */
};

/* Reads STATE_DIR/drain into *d.  No file: not drained, 0.  A readable,
 * valid file: drained, 0.  Anything else (unreadable, malformed, too big):
 * d->drained and d->corrupt are set, d->reason says what is wrong, and -1 is
 * returned with err holding "FILE: what is wrong" for the log. */
int	drain_load(const char *state_dir, struct drain_info *d, char *err,
	    size_t errlen);
/* Persists *d: drained writes the file (tmp, fsync, rename, fsync of the
 * directory), not drained removes it (and fsyncs the directory).  Creates
 * state_dir (one level, 0755) if missing.  0, or -1 with errno. */
int	drain_save(const char *state_dir, const struct drain_info *d);
/* The file format: drain_save() prints with drain_print() and drain_load()
 * parses with drain_parse(); both are exposed for the round-trip tests. */
int	drain_parse(const char *buf, size_t len, struct drain_info *d,
	    char *err, size_t errlen);
void	drain_print(const struct drain_info *d, FILE *);

#endif
