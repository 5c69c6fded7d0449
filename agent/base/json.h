/* A tiny streaming JSON emitter (RFC 8259), after bgpctl's json.h: the
 * renderer says what comes next and the emitter writes the punctuation, so
 * no renderer ever counts commas.  Inside an object every value takes its
 * key; inside an array, and at the top, the key is NULL.  Strings are
 * escaped, and what text.h would not let out (C1 controls, bytes that are
 * not UTF-8) becomes U+FFFD, so the output is always valid UTF-8 JSON. */
#ifndef ANYCASTD_JSON_H
#define ANYCASTD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json;

/* Writes to f, which the caller keeps.  NULL on allocation failure. */
struct json	*json_new(FILE *f);
void		 json_free(struct json *);
/* 0 if every object and array was closed, every value had a key exactly
 * where one belongs and the stream did not fail; -1 otherwise. */
int		 json_finish(const struct json *);
/* Ends a document: writes the newline after it, frees the emitter and
 * returns 0 if json_finish() would and the stream has not failed, else -1.
 * Every renderer's last word, so none forgets the newline or the check. */
int		 json_done(struct json *);

void		 json_object(struct json *, const char *key);
void		 json_array(struct json *, const char *key);
void		 json_end(struct json *);	/* closes the innermost */

void		 json_string(struct json *, const char *key, const char *);
void		 json_int(struct json *, const char *key, int64_t);
void		 json_uint(struct json *, const char *key, uint64_t);
/* 17 significant digits, which read back as the same double; NaN and the
 * infinities, which JSON cannot spell, are null. */
void		 json_double(struct json *, const char *key, double);
/* v / 10^decimals, exactly, with that many decimals: (1500000, 6) is
 * 1.500000.  For microseconds shown as seconds without rounding. */
void		 json_fixed(struct json *, const char *key, uint64_t v,
		    unsigned decimals);
void		 json_bool(struct json *, const char *key, bool);
void		 json_null(struct json *, const char *key);

#endif
