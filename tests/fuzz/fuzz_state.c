/* The state directory's files: the drain file (drain.c) and the hold-down
 * time (store.c), parsed from arbitrary bytes, and the drain as status
 * shows it.
 *
 * Properties: a drain file that parses prints to a file that parses to the
 * same drain, and prints identically again (print -> parse -> print is the
 * identity); drain_load() of any file gives a reason that is printable
 * text and, when the file is not understood, drained and corrupt (the safe
 * side); status text and JSON of that drain are printable lines; a
 * withdrawn-at record that loads starts with a digit, and saving what was
 * loaded loads back the same record. */
#include <ctype.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drain.h"
#include "fuzz.h"
#include "status.h"
#include "store.h"

static char	 dir[64];

static void
cleanup(void)
{
	(void)store_remove(dir, STORE_DRAIN);
	(void)store_remove(dir, STORE_HOLD);
	(void)rmdir(dir);
}

static char *
print(const struct drain_info *d, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL)
		abort();
	drain_print(d, f);
	if (fclose(f) != 0)
		abort();
	return buf;
}

static void
same_drain(const struct drain_info *a, const struct drain_info *b)
{
	FUZZ_CHECK(a->drained == b->drained && a->corrupt == b->corrupt);
	FUZZ_CHECK(a->uid == b->uid && a->pid == b->pid &&
	    a->since == b->since);
	FUZZ_CHECK(strcmp(a->reason, b->reason) == 0);
}

static void
check_round_trip(const uint8_t *data, size_t size)
{
	struct drain_info d, d2;
	char err[192], *p1, *p2;
	size_t l1, l2;

	if (drain_parse((const char *)data, size, &d, err, sizeof(err)) == -1) {
		FUZZ_CHECK(fuzz_clean(err));
		return;
	}
	FUZZ_CHECK(d.drained && !d.corrupt);
	FUZZ_CHECK(fuzz_clean(d.reason));
	p1 = print(&d, &l1);
	FUZZ_CHECK(fuzz_lines_clean(p1, l1));
	if (drain_parse(p1, l1, &d2, err, sizeof(err)) == -1) {
		fprintf(stderr, "printed drain file rejected: %s\n%s", err, p1);
		abort();
	}
	same_drain(&d, &d2);
	p2 = print(&d2, &l2);
	FUZZ_CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
	free(p1);
	free(p2);
}

static void
check_status(const struct drain_info *d)
{
	struct status s;
	struct status_clock c = { 100000000, 1763765990000000 };
	char *buf = NULL;
	size_t len;
	FILE *f;

	status_init(&s, "fuzz", 1, 0);
	s.drain = *d;
	s.state = STATUS_DRAINED;
	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	FUZZ_CHECK(status_render_text(&s, &c, f) == 0);
	FUZZ_CHECK(status_render_json(&s, &c, f) == 0);
	if (fclose(f) != 0)
		abort();
	FUZZ_CHECK(fuzz_lines_clean(buf, len));
	free(buf);
	status_free(&s);
}

static void
check_load(const uint8_t *data, size_t size)
{
	struct drain_info d;
	char err[512];
	int rc;

	FUZZ_CHECK(store_write(dir, STORE_DRAIN, (const char *)data, size) == 0);
	rc = drain_load(dir, &d, err, sizeof(err));
	FUZZ_CHECK(d.drained);
	FUZZ_CHECK(fuzz_clean(d.reason));
	FUZZ_CHECK((rc == -1) == d.corrupt);
	if (rc == -1)
		FUZZ_CHECK(fuzz_clean(err));
	check_status(&d);
}

static void
check_hold(const uint8_t *data, size_t size)
{
	struct store_hold h, h2;

	FUZZ_CHECK(store_write(dir, STORE_HOLD, (const char *)data, size) == 0);
	if (store_hold_load(dir, &h) == -1)
		return;
	/* A time starts with a digit: no sign, no blank ("-1" was once
	 * read as 2^64 - 1 ms, a hold-down without end). */
	FUZZ_CHECK(size > 0 && isdigit(data[0]));
	FUZZ_CHECK(memchr(h.boot_id, '\0', sizeof(h.boot_id)) != NULL);
	/* Not asserted: a printable boot id.  The record's parser takes any
	 * byte but blank and newline there (reported, issue 11). */
	FUZZ_CHECK(store_hold_save(dir, &h, false) == 0);
	FUZZ_CHECK(store_hold_load(dir, &h2) == 0);
	FUZZ_CHECK(h2.wall_ms == h.wall_ms && h2.boot_ms == h.boot_ms &&
	    strcmp(h2.boot_id, h.boot_id) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/dev/shm/fuzz_state.%d",
		    (int)getpid());
		atexit(cleanup);
	}
	check_round_trip(data, size);
	check_load(data, size);
	check_hold(data, size);
	return 0;
}
