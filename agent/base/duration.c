/* Durations.  The canonical form exists so that a printed config parses back
 * to the same value; the human form keeps status lines short. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

#define MS_SEC	1000u
#define MS_MIN	60000u

int
dur_parse_ms(const char *s, uint64_t *ms)
{
	uint64_t v = 0, mult;
	bool overflow = false;

	if (!isdigit((unsigned char)*s))
		goto inval;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (*s == '\0' || strcmp(s, "s") == 0)
		mult = MS_SEC;
	else if (strcmp(s, "ms") == 0)
		mult = 1;
	else if (strcmp(s, "m") == 0)
		mult = MS_MIN;
	else
		goto inval;
	if (overflow || v > UINT64_MAX / mult) {
		errno = ERANGE;
		return -1;
	}
	*ms = v * mult;
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

const char *
dur_fmt_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0s");
	else if (ms % MS_MIN == 0)
		snprintf(buf, len, "%" PRIu64 "m", ms / MS_MIN);
	else if (ms % MS_SEC == 0)
		snprintf(buf, len, "%" PRIu64 "s", ms / MS_SEC);
	else
		snprintf(buf, len, "%" PRIu64 "ms", ms);
	return buf;
}

const char *
dur_fmt_us(uint64_t us, char *buf, size_t len)
{
	uint64_t s = us / 1000000u;

	if (us < 1000)
		snprintf(buf, len, "%" PRIu64 "us", us);
	else if (us < 1000000)
		snprintf(buf, len, "%.1fms", (double)us / 1000.0);
	else if (s < 10)
		/* Milliseconds still matter here: a hold-down or a failover
		 * is judged against them. */
		snprintf(buf, len, "%.3fs", (double)us / 1e6);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", (double)us / 1e6);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
		    s % 86400 / 3600);
	return buf;
}
