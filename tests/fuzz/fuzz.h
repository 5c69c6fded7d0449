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

/* True if buf[0..len) is lines of printable text: every byte but '\n' is
 * part of a character text_char_len() accepts, and no NUL. */
static inline bool
fuzz_lines_clean(const char *buf, size_t len)
{
	size_t i = 0, n;
	char *copy;
	bool ok = true;

	if ((copy = malloc(len + 1)) == NULL)
		abort();
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (strlen(copy) != len)
		ok = false;
	while (ok && i < len) {
		if (copy[i] == '\n') {
			i++;
			continue;
		}
		if ((n = text_char_len(copy + i)) == 0)
			ok = false;
		i += n;
	}
	free(copy);
	return ok;
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
