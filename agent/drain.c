/* The persistent drain flag.  The file is tiny and line-based ("key value"),
 * so an operator can read it with cat and a broken one is easy to explain.
 * Writing goes through a temporary file, fsync, rename and an fsync of the
 * directory, so that after a crash the file is either the old or the new
 * one, never half of each.  Loading never fails open: whatever cannot be
 * understood is reported and treated as drained, since a node that stays dark
 * by mistake loses nothing while one that announces by mistake may blackhole
 * queries.  This module does not decide what draining does; the agent does. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drain.h"
#include "store.h"
#include "text.h"

#define DRAIN_FILE_MAX	4096	/* a valid file is far smaller */

static void
set_err(char *err, size_t errlen, const char *msg, int line)
{
	if (err == NULL || errlen == 0)
		return;
	if (line > 0)
		snprintf(err, errlen, "line %d: %s", line, msg);
	else
		snprintf(err, errlen, "%s", msg);
}

static int
parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
drain_parse(const char *buf, size_t len, struct drain_info *d, char *err,
    size_t errlen)
{
	enum { K_VERSION = 1, K_SINCE = 2, K_UID = 4, K_PID = 8, K_REASON = 16 };
	char line[DRAIN_FILE_MAX + 1];
	const char *p = buf, *end = buf + len, *nl, *val;
	int seen = 0, bit, lineno = 0;
	int64_t v;
	size_t n, i;

	memset(d, 0, sizeof(*d));
	if (len > DRAIN_FILE_MAX) {
		set_err(err, errlen, "file too large", 0);
		return -1;
	}
	if (len == 0) {
		set_err(err, errlen, "empty file", 0);
		return -1;
	}
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			/* A missing final newline means a truncated write. */
			set_err(err, errlen, "truncated (no newline at end)", lineno);
			return -1;
		}
		n = (size_t)(nl - p);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
				set_err(err, errlen, "control character", lineno);
				return -1;
			}
		if (n == 0 || line[0] == '#')
			continue;
		if ((val = strchr(line, ' ')) == NULL) {
			if (strcmp(line, "reason") != 0) {
				set_err(err, errlen, "expected \"key value\"", lineno);
				return -1;
			}
			val = line + n;
		} else
			line[val++ - line] = '\0';
		if (strcmp(line, "version") == 0)
			bit = K_VERSION;
		else if (strcmp(line, "since") == 0)
			bit = K_SINCE;
		else if (strcmp(line, "uid") == 0)
			bit = K_UID;
		else if (strcmp(line, "pid") == 0)
			bit = K_PID;
		else if (strcmp(line, "reason") == 0)
			bit = K_REASON;
		else {
			set_err(err, errlen, "unknown key", lineno);
			return -1;
		}
		if (seen & bit) {
			set_err(err, errlen, "duplicate key", lineno);
			return -1;
		}
		seen |= bit;
		switch (bit) {
		case K_VERSION:
			if (strcmp(val, "1") != 0) {
				set_err(err, errlen, "unsupported version", lineno);
				return -1;
			}
			break;
		case K_SINCE:
			if (parse_int(val, 0, INT64_MAX, &v) == -1)
				goto badnum;
			d->since = v;
			break;
		case K_UID:
			if (parse_int(val, 0, UINT32_MAX - 1, &v) == -1)
				goto badnum;
			d->uid = (uid_t)v;
			break;
		case K_PID:
			if (parse_int(val, 0, INT32_MAX, &v) == -1)
				goto badnum;
			d->pid = (pid_t)v;
			break;
		case K_REASON:
			if (strlen(val) >= sizeof(d->reason)) {
				set_err(err, errlen, "reason too long", lineno);
				return -1;
			}
			snprintf(d->reason, sizeof(d->reason), "%s", val);
			break;
		}
	}
	if ((seen & K_VERSION) == 0) {
		set_err(err, errlen, "missing \"version\"", 0);
		return -1;
	}
	if ((seen & (K_SINCE | K_UID | K_PID)) != (K_SINCE | K_UID | K_PID)) {
		set_err(err, errlen, "missing \"since\", \"uid\" or \"pid\"", 0);
		return -1;
	}
	d->drained = true;
	return 0;
badnum:
	set_err(err, errlen, "bad number", lineno);
	return -1;
}

void
drain_print(const struct drain_info *d, FILE *f)
{
	const char *s;
	size_t n;

	fprintf(f, "# anycastd drain state: while this file exists the node stays\n"
	    "# withdrawn.  Undo with \"anycastctl undrain\".\n");
	fprintf(f, "version 1\nsince %" PRId64 "\nuid %u\npid %d\nreason ",
	    d->since, (unsigned)d->uid, (int)d->pid);
	/* The reason came from a client and the file is read with cat: keep
	 * it on one printable line, by text.h's measure.  What is not
	 * printable becomes a space rather than text_scrub()'s '?', so that a
	 * tab reads back as the word break it was. */
	for (s = d->reason; *s != '\0'; s += n) {
		if ((n = text_char_len(s)) == 0) {
			fputc(' ', f);
			n = 1;
		} else
			fwrite(s, 1, n, f);
	}
	fputc('\n', f);
}

int
drain_load(const char *state_dir, struct drain_info *d, char *err,
    size_t errlen)
{
	/* One byte more than a valid file may have, so that an oversized one
	 * reaches drain_parse and is reported as such. */
	char buf[DRAIN_FILE_MAX + 2], why[192];
	size_t len = 0;

	memset(d, 0, sizeof(*d));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (store_read(state_dir, STORE_DRAIN, buf, sizeof(buf), &len) == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == EFBIG)
			len = sizeof(buf) - 1;	/* too big: let parse say so */
		else {
			snprintf(why, sizeof(why), "cannot read: %s",
			    strerror(errno));
			goto fail;
		}
	}
	if (drain_parse(buf, len, d, why, sizeof(why)) == 0)
		return 0;
fail:
	memset(d, 0, sizeof(*d));
	d->drained = true;
	d->corrupt = true;
	/* The path is in the log line; the reason stays short for status. */
	snprintf(d->reason, sizeof(d->reason), "corrupt state file: %.*s",
	    (int)(sizeof(d->reason) - 32), why);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s/%s: %s", state_dir, STORE_DRAIN, why);
	return -1;
}

int
drain_save(const char *state_dir, const struct drain_info *d)
{
	char buf[DRAIN_FILE_MAX + DRAIN_REASON_MAX];
	FILE *f;
	long len;

	if (!d->drained)
		return store_remove(state_dir, STORE_DRAIN);
	if ((f = fmemopen(buf, sizeof(buf), "w")) == NULL)
		return -1;
	drain_print(d, f);
	len = ftell(f);
	if (fclose(f) == EOF || len <= 0 || (size_t)len >= sizeof(buf)) {
		errno = ENOSPC;
		return -1;
	}
	return store_write(state_dir, STORE_DRAIN, buf, (size_t)len);
}
