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

enum drain_key { K_VERSION = 1, K_SINCE = 2, K_UID = 4, K_PID = 8,
    K_REASON = 16 };

static int
key_bit(const char *key)
{
	static const struct { const char *name; int bit; } keys[] = {
		{ "version", K_VERSION }, { "since", K_SINCE }, { "uid", K_UID },
		{ "pid", K_PID }, { "reason", K_REASON },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i].name) == 0)
			return keys[i].bit;
	return 0;
}

/* One "key value" line into d; NULL, or what is wrong with it. */
static const char *
parse_value(int bit, const char *val, struct drain_info *d)
{
	int64_t v;

	switch (bit) {
	case K_VERSION:
		return strcmp(val, "1") == 0 ? NULL : "unsupported version";
	case K_SINCE:
		if (parse_int(val, 0, INT64_MAX, &v) == -1)
			return "bad number";
		d->since = v;
		return NULL;
	case K_UID:
		if (parse_int(val, 0, UINT32_MAX - 1, &v) == -1)
			return "bad number";
		d->uid = (uid_t)v;
		return NULL;
	case K_PID:
		if (parse_int(val, 0, INT32_MAX, &v) == -1)
			return "bad number";
		d->pid = (pid_t)v;
		return NULL;
	default:
		if (strlen(val) >= sizeof(d->reason))
			return "reason too long";
		if (!text_clean(val))
			return "reason is not printable UTF-8";
		snprintf(d->reason, sizeof(d->reason), "%s", val);
		return NULL;
	}
}

/* One line (NUL-terminated, newline removed) into d, keeping track of the
 * keys seen; NULL, or what is wrong with it. */
static const char *
parse_line(char *line, size_t n, int *seen, struct drain_info *d)
{
	char *val;
	size_t i;
	int bit;

	/* A tab or DEL too: drain_print() writes the reason as it is, and
	 * only what it can write reads back (the reason is one line of
	 * text.h's printable text, as the control socket takes it). */
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return "control character";
	if (n == 0 || line[0] == '#')
		return NULL;
	if ((val = strchr(line, ' ')) == NULL) {
		if (strcmp(line, "reason") != 0)
			return "expected \"key value\"";
		val = line + n;
	} else
		*val++ = '\0';
	if ((bit = key_bit(line)) == 0)
		return "unknown key";
	if (*seen & bit)
		return "duplicate key";
	*seen |= bit;
	return parse_value(bit, val, d);
}

int
drain_parse(const char *buf, size_t len, struct drain_info *d, char *err,
    size_t errlen)
{
	char line[DRAIN_FILE_MAX + 1];
	const char *p = buf, *end = buf + len, *nl, *why;
	int seen = 0, lineno = 0;
	size_t n;

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
		if ((why = parse_line(line, n, &seen, d)) != NULL) {
			set_err(err, errlen, why, lineno);
			return -1;
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
}

void
drain_print(const struct drain_info *d, FILE *f)
{
	fprintf(f, "# anycastd drain state: while this file exists the node stays\n"
	    "# withdrawn.  Undo with \"anycastctl undrain\".\n");
	fprintf(f, "version 1\nsince %" PRId64 "\nuid %u\npid %d\nreason ",
	    d->since, (unsigned)d->uid, (int)d->pid);
	/* The reason is printable text (the control socket and
	 * drain_parse() take nothing else), so it is written as it is and
	 * reads back the same.  text_put() only guards the file, read with
	 * cat, against a caller that broke that rule. */
	text_put(f, d->reason);
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
