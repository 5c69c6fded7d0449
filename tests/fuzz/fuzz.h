/* What the libFuzzer harnesses share: a check that aborts (libFuzzer keeps
 * the input that made it fail), and the property every output must have:
 * lines of printable UTF-8 by text.h's measure, no control character but
 * the newline that ends a line. */
#ifndef ANYCASTD_FUZZ_H
#define ANYCASTD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The oracle: an implementation of its own, not text.h's (the code under
 * test does not check itself), and not instrumented for coverage (it is
 * the hot loop of every harness and would only feed libFuzzer noise).
 * Length of the printable UTF-8 character at s[0..len), 0 if there is
 * none: C0 controls, DEL, C1 (U+0080..U+009F), overlong forms, surrogates
 * and anything above U+10FFFF are not printable. */
__attribute__((no_sanitize("coverage")))
static inline size_t
fuzz_char_len(const unsigned char *s, size_t len)
{
	unsigned long cp;
	size_t n, i;

	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < (n == 2 ? 0x80ul : n == 3 ? 0x800ul : 0x10000ul) ||
	    cp > 0x10fffful || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* True if buf[0..len) is lines of printable text: every byte but '\n' is
 * part of a printable character, and there is no NUL. */
__attribute__((no_sanitize("coverage")))
static inline bool
fuzz_lines_clean(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] == '\n' || (s[i] >= 0x20 && s[i] < 0x7f)) {
			i++;
			continue;
		}
		if ((n = fuzz_char_len(s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* The same for a string that must be one line. */
__attribute__((no_sanitize("coverage")))
static inline bool
fuzz_clean(const char *s)
{
	size_t len = strlen(s);

	return memchr(s, '\n', len) == NULL && fuzz_lines_clean(s, len);
}

/* A NUL-terminated copy of data (the caller frees). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

#endif
