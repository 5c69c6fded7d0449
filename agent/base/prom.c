/* The Prometheus text format emitter.  It remembers the current family, so
 * that HELP and TYPE are written once and a sample's name is always its
 * family's (plus a histogram's suffix).  Names and label names are checked
 * against the format's grammar; a bad one is remembered and reported by
 * prom_finish() rather than written into a file that node_exporter would
 * then refuse whole.  Label values and HELP text are escaped as the format
 * says (backslash, newline, and in values the double quote); anything else
 * that text.h would not let out becomes '?'.  It does not sort, buffer or
 * deduplicate samples: the renderer writes them in order, once. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "text.h"

struct prom {
	FILE		*f;
	char		 family[PROM_NAME_MAX];	/* "": none yet */
	const char *const *labels;		/* before every sample's own */
	bool		 bad;
};

static const char *const type_names[] = {
	[PROM_GAUGE] = "gauge",
	[PROM_COUNTER] = "counter",
	[PROM_HISTOGRAM] = "histogram",
};

struct prom *
prom_new(FILE *f)
{
	struct prom *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->f = f;
	return p;
}

void
prom_free(struct prom *p)
{
	free(p);
}

void
prom_set_labels(struct prom *p, const char *const *labels)
{
	p->labels = labels;
}

int
prom_finish(const struct prom *p)
{
	return p->bad || ferror(p->f) ? -1 : 0;
}

/* Metric names are [a-zA-Z_:][a-zA-Z0-9_:]*, label names the same without
 * ':'; a suffix continues a name, so it may start with a digit. */
static bool
name_ok(const char *s, bool colon, bool continues)
{
	if (*s == '\0' && !continues)
		return false;
	if (!continues && isdigit((unsigned char)*s))
		return false;
	for (; *s != '\0'; s++)
		if (!((isascii((unsigned char)*s) &&
		    isalnum((unsigned char)*s)) || *s == '_' ||
		    (colon && *s == ':')))
			return false;
	return true;
}

static void
put_escaped(FILE *f, const char *s, bool quote)
{
	size_t n;

	for (; *s != '\0'; s += n) {
		n = 1;
		if (*s == '\\' || (quote && *s == '"')) {
			fputc('\\', f);
			fputc(*s, f);
		} else if (*s == '\n')
			fputs("\\n", f);
		else if ((n = text_char_len(s)) == 0) {
			fputc('?', f);
			n = 1;
		} else
			fwrite(s, 1, n, f);
	}
}

void
prom_family(struct prom *p, const char *name, const char *help,
    enum prom_type type)
{
	if (!name_ok(name, true, false) || strlen(name) >= sizeof(p->family) ||
	    (unsigned)type >= sizeof(type_names) / sizeof(type_names[0])) {
		p->bad = true;
		p->family[0] = '\0';
		return;
	}
	if (strcmp(name, p->family) == 0)
		return;
	text_copy(p->family, sizeof(p->family), name);
	fprintf(p->f, "# HELP %s ", name);
	put_escaped(p->f, help != NULL ? help : "", false);
	fprintf(p->f, "\n# TYPE %s %s\n", name, type_names[type]);
}

/* Writes the sample's name and labels and the space before the value.
 * False if there is no family to write it in. */
/* Writes one list of labels, each preceded by "{" for the first label of
 * the sample and "," after; returns how many it wrote. */
static size_t
put_labels(struct prom *p, const char *const *labels, size_t before)
{
	size_t i;

	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		if (labels[i + 1] == NULL ||
		    !name_ok(labels[i], false, false)) {
			p->bad = true;
			break;
		}
		fprintf(p->f, "%s%s=\"", before + i == 0 ? "{" : ",", labels[i]);
		put_escaped(p->f, labels[i + 1], true);
		fputc('"', p->f);
	}
	return i;
}

static bool
sample_start(struct prom *p, const char *suffix, const char *const *labels)
{
	size_t n;

	if (p->family[0] == '\0' || (suffix != NULL &&
	    !name_ok(suffix, true, true))) {
		p->bad = true;
		return false;
	}
	fprintf(p->f, "%s%s", p->family, suffix != NULL ? suffix : "");
	n = put_labels(p, p->labels, 0);
	n += put_labels(p, labels, n);
	if (n > 0)
		fputc('}', p->f);
	fputc(' ', p->f);
	return true;
}

void
prom_uint(struct prom *p, const char *suffix, const char *const *labels,
    uint64_t v)
{
	if (sample_start(p, suffix, labels))
		fprintf(p->f, "%" PRIu64 "\n", v);
}

void
prom_int(struct prom *p, const char *suffix, const char *const *labels,
    int64_t v)
{
	if (sample_start(p, suffix, labels))
		fprintf(p->f, "%" PRId64 "\n", v);
}

void
prom_double(struct prom *p, const char *suffix, const char *const *labels,
    double v)
{
	if (!sample_start(p, suffix, labels))
		return;
	if (isnan(v))
		fputs("NaN\n", p->f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", p->f);
	else
		fprintf(p->f, "%.17g\n", v);
}

void
prom_fixed(struct prom *p, const char *suffix, const char *const *labels,
    uint64_t v, unsigned decimals)
{
	uint64_t scale = 1;
	unsigned i;

	if (decimals > 19) {	/* 10^20 does not fit in 64 bits */
		p->bad = true;
		return;
	}
	if (!sample_start(p, suffix, labels))
		return;
	for (i = 0; i < decimals; i++)
		scale *= 10;
	if (decimals == 0)
		fprintf(p->f, "%" PRIu64 "\n", v);
	else
		fprintf(p->f, "%" PRIu64 ".%0*" PRIu64 "\n", v / scale,
		    (int)decimals, v % scale);
}
