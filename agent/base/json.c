/* The JSON emitter.  It keeps one small frame per open object or array (is
 * it an array, has it a member yet) and writes the comma, the key and the
 * colon in front of each value itself.  Misuse (a value without its key in
 * an object, a key in an array, an unbalanced end, nesting deeper than
 * JSON_MAX_DEPTH) is not fatal: it is remembered and json_finish() reports
 * it, so that a renderer returns an error instead of half a document
 * passing for a whole one.  It writes only to the FILE it is given, as it
 * goes, and keeps no copy of the output. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "text.h"

struct json {
	FILE		*f;
	int		 depth;		/* open objects and arrays, written */
	int		 overflow;	/* opened beyond the limit, not written */
	bool		 bad;
	bool		 top_done;	/* the one top-level value began */
	struct {
		bool	 array;
		bool	 first;		/* no member yet */
	}		 lvl[JSON_MAX_DEPTH];
};

struct json *
json_new(FILE *f)
{
	struct json *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->f = f;
	return j;
}

void
json_free(struct json *j)
{
	free(j);
}

int
json_finish(const struct json *j)
{
	if (j->bad || j->depth != 0 || j->overflow != 0 || !j->top_done ||
	    ferror(j->f))
		return -1;
	return 0;
}

int
json_done(struct json *j)
{
	FILE *f = j->f;
	int rc = json_finish(j);

	json_free(j);
	fputc('\n', f);
	return rc == 0 && !ferror(f) ? 0 : -1;
}

/* RFC 8259 section 7.  The short escapes are used only for the two
 * characters common in free text; other controls, DEL included, take the
 * \u form.  A byte that text_char_len() refuses and that is not one of
 * those controls is a C1 control or not UTF-8: it becomes U+FFFD, which a
 * consumer prints harmlessly, where the raw C1 byte would reach the
 * terminal of whoever runs jq -r. */
static void
put_string(FILE *f, const char *s)
{
	unsigned char c;
	size_t n;

	fputc('"', f);
	for (; *s != '\0'; s += n) {
		c = (unsigned char)*s;
		n = 1;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if ((n = text_char_len(s)) == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else
			fwrite(s, 1, n, f);
	}
	fputc('"', f);
}

/* Writes what precedes a value: the comma, then the key in an object.
 * False if the value must not be written (inside an overflowed level). */
static bool
value_start(struct json *j, const char *key)
{
	if (j->overflow > 0)
		return false;
	if (j->depth == 0) {
		if (key != NULL || j->top_done)
			j->bad = true;
		j->top_done = true;
		return true;
	}
	if (!j->lvl[j->depth - 1].first)
		fputc(',', j->f);
	j->lvl[j->depth - 1].first = false;
	if (j->lvl[j->depth - 1].array) {
		if (key != NULL)
			j->bad = true;
		return true;
	}
	if (key == NULL) {
		j->bad = true;
		key = "";
	}
	put_string(j->f, key);
	fputc(':', j->f);
	return true;
}

static void
open_level(struct json *j, const char *key, bool array)
{
	if (j->overflow > 0 || j->depth == JSON_MAX_DEPTH) {
		j->overflow++;
		j->bad = true;
		return;
	}
	value_start(j, key);
	j->lvl[j->depth].array = array;
	j->lvl[j->depth].first = true;
	j->depth++;
	fputc(array ? '[' : '{', j->f);
}

void
json_object(struct json *j, const char *key)
{
	open_level(j, key, false);
}

void
json_array(struct json *j, const char *key)
{
	open_level(j, key, true);
}

void
json_end(struct json *j)
{
	if (j->overflow > 0) {
		j->overflow--;
		return;
	}
	if (j->depth == 0) {
		j->bad = true;
		return;
	}
	j->depth--;
	fputc(j->lvl[j->depth].array ? ']' : '}', j->f);
}

/* A NULL string is written as "", as an empty C string would be. */
void
json_string(struct json *j, const char *key, const char *v)
{
	if (value_start(j, key))
		put_string(j->f, v != NULL ? v : "");
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	if (value_start(j, key))
		fprintf(j->f, "%" PRId64, v);
}

void
json_uint(struct json *j, const char *key, uint64_t v)
{
	if (value_start(j, key))
		fprintf(j->f, "%" PRIu64, v);
}

/* 17 significant digits read back as the same double; JSON has no
 * spelling for NaN or infinity. */
void
json_double(struct json *j, const char *key, double v)
{
	if (!value_start(j, key))
		return;
	if (isfinite(v))
		fprintf(j->f, "%.17g", v);
	else
		fputs("null", j->f);
}

void
json_fixed(struct json *j, const char *key, uint64_t v, unsigned decimals)
{
	uint64_t p = 1;
	unsigned i;

	if (decimals > 19) {	/* 10^20 does not fit in 64 bits */
		j->bad = true;
		return;
	}
	if (!value_start(j, key))
		return;
	for (i = 0; i < decimals; i++)
		p *= 10;
	if (decimals == 0)
		fprintf(j->f, "%" PRIu64, v);
	else
		fprintf(j->f, "%" PRIu64 ".%0*" PRIu64, v / p, (int)decimals,
		    v % p);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	if (value_start(j, key))
		fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j, const char *key)
{
	if (value_start(j, key))
		fputs("null", j->f);
}
