/* Durations, the one parser and the two formatters everyone uses: the
 * config's canonical form ("500ms", "30s", "2m") and the short human form of
 * status lines and logs ("850us", "1.2ms", "3.405s", "12.3s", "5m07s",
 * "2h03m"). */
#ifndef ANYCASTD_DURATION_H
#define ANYCASTD_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DUR_FMT_MAX	24	/* enough for either form of any uint64_t */

/* Digits, then "ms", "s", "m" or nothing (seconds).  0, or -1 with errno
 * EINVAL (not a duration) or ERANGE (does not fit in milliseconds). */
int		 dur_parse_ms(const char *, uint64_t *ms);
/* Canonical: the largest unit of m, s, ms that keeps it whole; 0 is "0s".
 * dur_parse_ms() reads it back to the same value.  Returns buf. */
const char	*dur_fmt_ms(uint64_t ms, char *buf, size_t len);
/* For humans, rounded to about three digits.  Returns buf. */
const char	*dur_fmt_us(uint64_t us, char *buf, size_t len);

#endif
