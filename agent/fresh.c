/* Zone freshness, the pure policy (fresh.h).
 *
 * A zone is compared each round from what the local server and the primary
 * said.  The node is at fault only for what the local server does: it does
 * not serve the zone (missing), or its serial has stayed behind the
 * primary's for longer than max_lag, counted from when the primary was
 * first seen ahead, so that a primary bumping its serial every minute does
 * not keep resetting the clock, and a secondary that transfers within
 * seconds never shows.  A primary that cannot be asked is everyone's
 * problem: the zones keep their verdicts, and the lag clock restarts when
 * it is back, since no node could transfer while it was gone.  The one
 * exception is EXPIRE (RFC 1035 3.3.13): a zone not confirmed fresh for
 * longer than its own SOA EXPIRE is one the local server is about to stop
 * serving, primary or not.  A primary behind the node (restored from a
 * backup) is warned about and never failed.  Serials are compared with RFC
 * 1982 arithmetic; at exactly 2^31 apart, where the order is undefined, the
 * zone counts as behind: the primary is the source of truth, and a
 * secondary need not transfer from it then (RFC 1982 3.2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "fresh.h"

struct fresh {
	struct fresh_params	 p;
	struct fresh_zone	*z;
	int			 n;
	int			 count[FRESH_STATE_MAX];
	int			 nahead;	/* zones with ahead_since set */
	bool			 primary_up;
	int			 primary_fails;	/* in a row */
	uint64_t		 primary_since;
	char			 primary_why[48];
};

static const char *const state_names[FRESH_STATE_MAX] = {
	[FRESH_UNKNOWN] = "unknown",
	[FRESH_FRESH] = "fresh",
	[FRESH_STALE] = "stale",
	[FRESH_MISSING] = "missing",
};

const char *
fresh_state_str(enum fresh_state s)
{
	return (unsigned)s < FRESH_STATE_MAX ? state_names[s] : "?";
}

int
fresh_serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = b - a;	/* mod 2^32 */

	if (d == 0)
		return 0;
	if (d == UINT32_C(0x80000000))
		return FRESH_UNDEFINED;
	return d < UINT32_C(0x80000000) ? -1 : 1;
}

struct fresh *
fresh_new(const struct fresh_params *p)
{
	struct fresh *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->p = *p;
	f->primary_up = true;	/* until shown otherwise */
	return f;
}

void
fresh_free(struct fresh *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < f->n; i++)
		free(f->z[i].name);
	free(f->z);
	free(f);
}

void
fresh_set_params(struct fresh *f, const struct fresh_params *p)
{
	f->p = *p;
}

int
fresh_set_zones(struct fresh *f, char *const *names, int n, uint64_t now)
{
	struct fresh_zone *nz;
	int i, j = 0, c;

	if ((nz = calloc(n > 0 ? (size_t)n : 1, sizeof(*nz))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((nz[i].name = strdup(names[i])) == NULL) {
			while (i-- > 0)
				free(nz[i].name);
			free(nz);
			errno = ENOMEM;
			return -1;
		}
	/* Both lists are sorted: one merge keeps every known zone's state. */
	memset(f->count, 0, sizeof(f->count));
	f->nahead = 0;
	for (i = 0; i < n; i++) {
		while (j < f->n && (c = strcmp(f->z[j].name, nz[i].name)) < 0)
			j++;
		if (j < f->n && c == 0) {
			char *name = nz[i].name;

			nz[i] = f->z[j];
			nz[i].name = name;
			j++;
		} else
			nz[i].state_since = now;
		f->count[nz[i].state]++;
		f->nahead += nz[i].ahead_since != 0;
	}
	for (i = 0; i < f->n; i++)
		free(f->z[i].name);
	free(f->z);
	f->z = nz;
	f->n = n;
	if (n < FRESH_DOWN_AFTER && f->primary_fails >= n && n > 0)
		f->primary_up = false;
	return 0;
}

int
fresh_nzones(const struct fresh *f)
{
	return f->n;
}

struct fresh_zone *
fresh_zone(struct fresh *f, int i)
{
	return &f->z[i];
}

const struct fresh_zone *
fresh_zone_c(const struct fresh *f, int i)
{
	return &f->z[i];
}

int
fresh_find(const struct fresh *f, const char *name)
{
	int lo = 0, hi = f->n - 1, mid, c;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(f->z[mid].name, name)) == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int
fresh_lower_bound(const struct fresh *f, const char *name)
{
	int lo = 0, hi = f->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(f->z[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static unsigned
set_state(struct fresh *f, struct fresh_zone *z, enum fresh_state s,
    uint64_t now)
{
	if (z->state == s)
		return 0;
	f->count[z->state]--;
	f->count[s]++;
	z->state = s;
	z->state_since = now;
	return FRESH_EV_CHANGED;
}

/* Not confirmed fresh for longer than its own EXPIRE. */
static bool
expired(const struct fresh_zone *z, uint64_t now)
{
	return z->fresh_at != 0 && z->expire_s != 0 &&
	    now - z->fresh_at > (uint64_t)z->expire_s * 1000000u;
}

unsigned
fresh_judge(struct fresh *f, int i, const struct fresh_obs *l,
    const struct fresh_obs *pr, uint64_t now)
{
	struct fresh_zone *z = &f->z[i];
	unsigned ev = 0;
	bool usable;
	int cmp;

	if (pr->kind == FRESH_OBS_OK) {
		z->have_primary = true;
		z->primary = pr->serial;
	}
	if (l->kind == FRESH_OBS_MISSING) {
		snprintf(z->why, sizeof(z->why), "%s", l->why);
		z->have_local = false;
		return set_state(f, z, FRESH_MISSING, now);
	}
	if (l->kind != FRESH_OBS_OK) {
		/* The local server did not answer at all: the health probes
		 * judge a dead server; this zone's verdict stands. */
		if (z->state != FRESH_MISSING && expired(z, now)) {
			z->expired = true;
			ev |= set_state(f, z, FRESH_STALE, now);
		}
		return ev;
	}
	z->have_local = true;
	z->local = l->serial;
	z->expire_s = l->expire;
	/* This round's answer of the primary, or, when it was not asked,
	 * the last one while it is reachable. */
	usable = pr->kind == FRESH_OBS_OK || (pr->kind == FRESH_OBS_NONE &&
	    f->primary_up && z->have_primary);
	if (!usable) {
		if (z->ahead_since != 0)
			z->lag_paused = true;
		if (z->state == FRESH_MISSING || z->state == FRESH_UNKNOWN) {
			/* Back, or new: what can be said without the
			 * primary is only that it matches the last seen. */
			if (z->have_primary &&
			    fresh_serial_cmp(z->local, z->primary) >= 0 &&
			    fresh_serial_cmp(z->local, z->primary) !=
			    FRESH_UNDEFINED) {
				z->fresh_at = now;
				ev |= set_state(f, z, FRESH_FRESH, now);
			} else
				ev |= set_state(f, z, FRESH_UNKNOWN, now);
		}
		if (expired(z, now)) {
			z->expired = true;
			ev |= FRESH_EV_EXPIRED | set_state(f, z, FRESH_STALE, now);
		}
		return ev;
	}
	cmp = fresh_serial_cmp(z->local, z->primary);
	z->undefined = cmp == FRESH_UNDEFINED;
	z->expired = false;
	if (cmp == 0 || cmp == 1) {
		z->primary_behind = cmp == 1;
		if (z->ahead_since != 0)
			f->nahead--;
		z->ahead_since = 0;
		z->lag_paused = false;
		z->fresh_at = now;
		if (cmp == 1)
			ev |= FRESH_EV_BEHIND;
		return ev | set_state(f, z, FRESH_FRESH, now);
	}
	/* Behind, or undefined. */
	z->primary_behind = false;
	if (z->ahead_since == 0 || z->lag_paused) {
		if (z->ahead_since == 0)
			f->nahead++;
		z->ahead_since = now;
		z->lag_paused = false;
	}
	if (now - z->ahead_since > f->p.max_lag_us)
		return set_state(f, z, FRESH_STALE, now);
	if (expired(z, now)) {
		z->expired = true;
		return FRESH_EV_EXPIRED | set_state(f, z, FRESH_STALE, now);
	}
	if (z->state != FRESH_STALE)
		ev |= set_state(f, z, FRESH_FRESH, now);
	return ev;
}

int
fresh_primary_seen(struct fresh *f, bool answered, const char *why,
    uint64_t now)
{
	int need = f->n < FRESH_DOWN_AFTER ? (f->n > 0 ? f->n : 1) :
	    FRESH_DOWN_AFTER;

	if (answered) {
		f->primary_fails = 0;
		if (f->primary_up)
			return 0;
		f->primary_up = true;
		f->primary_since = now;
		return 1;
	}
	snprintf(f->primary_why, sizeof(f->primary_why), "%s", why);
	if (++f->primary_fails < need || !f->primary_up)
		return 0;
	f->primary_up = false;
	f->primary_since = now;
	return -1;
}

bool
fresh_primary_up(const struct fresh *f)
{
	return f->primary_up;
}

const char *
fresh_primary_why(const struct fresh *f)
{
	return f->primary_why;
}

uint64_t
fresh_primary_since(const struct fresh *f)
{
	return f->primary_since;
}

int
fresh_count(const struct fresh *f, enum fresh_state s)
{
	return (unsigned)s < FRESH_STATE_MAX ? f->count[s] : 0;
}

int
fresh_allowed(const struct fresh *f)
{
	if (f->p.max_stale_pct)
		return (int)((uint64_t)f->n * f->p.max_stale / 10000u);
	return (int)f->p.max_stale;
}

void
fresh_zone_why(const struct fresh_zone *z, uint64_t now, char *buf,
    size_t len)
{
	char d[DUR_FMT_MAX], e[DUR_FMT_MAX];

	if (z->state == FRESH_MISSING)
		snprintf(buf, len, "(missing: %s)", z->why);
	else if (z->expired)
		snprintf(buf, len, "(serial %u, not confirmed for %s, "
		    "EXPIRE %s)", z->local, dur_fmt_us(now - z->fresh_at, d,
		    sizeof(d)), dur_fmt_ms((uint64_t)z->expire_s * 1000u, e,
		    sizeof(e)));
	else if (z->ahead_since != 0)
		snprintf(buf, len, "(serial %u %s %u for %s)", z->local,
		    z->undefined ? "<>" : "<", z->primary,
		    dur_fmt_us(now - z->ahead_since, d, sizeof(d)));
	else if (z->primary_behind)
		snprintf(buf, len, "(primary behind: serial %u > %u)",
		    z->local, z->primary);
	else
		buf[0] = '\0';
}

bool
fresh_failing(const struct fresh *f, uint64_t now, char *reason, size_t len)
{
	int bad = f->count[FRESH_STALE] + f->count[FRESH_MISSING], shown = 0;
	size_t off;
	char why[96], name[256];

	if (bad <= fresh_allowed(f))
		return false;
	off = (size_t)snprintf(reason, len, "%d zone%s stale", bad,
	    bad == 1 ? "" : "s");
	for (int i = 0; i < f->n && shown < 3 && off < len; i++) {
		const struct fresh_zone *z = &f->z[i];
		size_t nl;

		if (z->state != FRESH_STALE && z->state != FRESH_MISSING)
			continue;
		/* Without the final dot, as operators write zones. */
		snprintf(name, sizeof(name), "%s", z->name);
		if ((nl = strlen(name)) > 1 && name[nl - 1] == '.')
			name[nl - 1] = '\0';
		fresh_zone_why(z, now, why, sizeof(why));
		off += (size_t)snprintf(reason + off, len - off, "%s %s %s",
		    shown ? "," : ":", name, why);
		shown++;
	}
	if (bad > shown && off < len)
		(void)snprintf(reason + off, len - off, ", ...");
	return true;
}

uint64_t
fresh_lag_max_us(const struct fresh *f, uint64_t now)
{
	uint64_t m = 0;

	/* Metrics ask every cycle: with nobody behind, skip the walk. */
	for (int i = 0; f->nahead > 0 && i < f->n; i++)
		if (f->z[i].ahead_since != 0 && now - f->z[i].ahead_since > m)
			m = now - f->z[i].ahead_since;
	return m;
}
