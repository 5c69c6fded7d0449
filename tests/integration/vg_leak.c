/* The positive control of the valgrind runs: a program with one definite
 * leak and one read of uninitialised memory, which core.sh's valgrind
 * verdict must reject. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	char *lost = malloc(64), *junk = malloc(16);

	if (lost == NULL || junk == NULL)
		return 1;
	strcpy(lost, "never freed");
	// cppcheck-suppress memleak
	lost = NULL;
	if (junk[3] == 'x')	/* uninitialised */
		puts("x");
	free(junk);
	return 0;
}
