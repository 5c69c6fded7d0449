/* The one check macro of the unit tests.  A test program says CHECK_STATE
 * once at file scope (its counters live in the .c file, not here), then
 * CHECK(cond) or CHECKF(cond, fmt, ...) to say more on failure, and ends
 * with return CHECK_REPORT("name"): "name: N checks, M failed" and the
 * exit status. */
#ifndef ANYCASTD_TEST_CHECK_H
#define ANYCASTD_TEST_CHECK_H

#include <stdio.h>

#define CHECK_STATE	static int failures, checks

#define CHECKF(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__,	\
		    __LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK(cond)	CHECKF(cond, "%s", "as written")

#define CHECK_REPORT(name)						\
	(printf("%s: %d checks, %d failed\n", (name), checks, failures), \
	failures == 0 ? 0 : 1)

#endif
