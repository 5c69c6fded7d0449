/* Text that leaves the process: the one sanitiser.  Anything shown to an
 * operator (status, logs, metrics labels, anycastctl's output) may have come
 * from outside: a drain reason, BIRD's error line, a config value.  Such text
 * must not carry terminal control sequences: C0 controls and DEL, C1
 * controls (U+0080..U+009F, e.g. CSI as 0xC2 0x9B), or bytes that are not
 * valid UTF-8 (a lone 0x9B is a CSI on some terminals).  Each of those is
 * shown as '?'.  Valid UTF-8 otherwise passes unchanged. */
#ifndef ANYCASTD_TEXT_H
#define ANYCASTD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid, printable UTF-8 sequence at s (1..4), or 0 if the
 * next character is a control, a C1 control or not valid UTF-8.  s must be
 * NUL-terminated; *s must not be NUL. */
size_t		 text_char_len(const char *s);
/* True if every character of s is printable (see above). */
bool		 text_clean(const char *s);
/* Copies src into dst (dstlen > 0), replacing what is not printable with
 * '?' and truncating at a character boundary.  Returns dst. */
char		*text_scrub(char *dst, size_t dstlen, const char *src);
/* The same in place, for text of several lines: each '\n' is kept, and
 * everything else that is not printable becomes '?'.  Returns s. */
char		*text_scrub_lines(char *s);
/* Writes s to f with the same replacement. */
void		 text_put(FILE *f, const char *s);
/* strlcpy: copies with truncation, always NUL-terminated (dstlen > 0);
 * returns strlen(src), so that >= dstlen means truncated. */
size_t		 text_copy(char *dst, size_t dstlen, const char *src);

#endif
