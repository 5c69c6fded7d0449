/* The sanitiser for text that leaves the process (see text.h).  UTF-8 is
 * decoded by RFC 3629's table: overlong forms, surrogates and code points
 * above U+10FFFF are invalid. */
#include <string.h>

#include "text.h"

size_t
text_char_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned cp;
	size_t n, i;

	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

bool
text_clean(const char *s)
{
	size_t n;

	while (*s != '\0') {
		if ((n = text_char_len(s)) == 0)
			return false;
		s += n;
	}
	return true;
}

char *
text_scrub(char *dst, size_t dstlen, const char *src)
{
	size_t off = 0, n;

	while (*src != '\0') {
		n = text_char_len(src);
		if (n == 0) {
			if (off + 1 >= dstlen)
				break;
			dst[off++] = '?';
			src++;
			continue;
		}
		if (off + n >= dstlen)
			break;
		memcpy(dst + off, src, n);
		off += n;
		src += n;
	}
	dst[off] = '\0';
	return dst;
}

char *
text_scrub_lines(char *s)
{
	size_t n;
	char *p;

	/* In place: a character is kept as it is or becomes one '?', so
	 * nothing moves. */
	for (p = s; *p != '\0'; p += n) {
		if (*p == '\n') {
			n = 1;
			continue;
		}
		if ((n = text_char_len(p)) == 0) {
			*p = '?';
			n = 1;
		}
	}
	return s;
}

void
text_put(FILE *f, const char *s)
{
	size_t n;

	while (*s != '\0') {
		if ((n = text_char_len(s)) == 0) {
			fputc('?', f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
}

size_t
text_copy(char *dst, size_t dstlen, const char *src)
{
	size_t len = strlen(src), n = len < dstlen - 1 ? len : dstlen - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}
