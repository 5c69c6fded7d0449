/* What operators see of the zone freshness check: the "zones:" part of
 * the status (text and JSON), "anycastctl zones", and the metrics.  Pure
 * renderers over the policy's table (fresh.h) and the sweep's figures,
 * with the clocks passed in.  Zone names come from the config and the
 * zones file, and the reasons quote what a server said: every string goes
 * out through text.h's sanitiser (json.h and prom.h apply it too). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "fresh.h"
#include "json.h"
#include "prom.h"
#include "status.h"
#include "sweep.h"
#include "text.h"

/* Stale zones the status lists; "anycastctl zones --stale" has them all. */
#define STATUS_STALE_SHOWN	20

static bool
bad(const struct fresh_zone *z)
{
	return z->state == FRESH_STALE || z->state == FRESH_MISSING;
}

static uint64_t
behind_us(const struct fresh_zone *z, uint64_t now)
{
	return z->ahead_since != 0 ? now - z->ahead_since : 0;
}

void
status_fresh_text(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	const struct fresh *fr = s->fresh;
	char d[DUR_FMT_MAX], why[128], line[512];
	int n, shown = 0, nbad;

	if (fr == NULL)
		return;
	n = fresh_nzones(fr);
	nbad = fresh_count(fr, FRESH_STALE) + fresh_count(fr, FRESH_MISSING);
	fprintf(f, "\nzones: %d checked, %d fresh, %d stale, %d missing",
	    n - fresh_count(fr, FRESH_UNKNOWN), fresh_count(fr, FRESH_FRESH),
	    fresh_count(fr, FRESH_STALE), fresh_count(fr, FRESH_MISSING));
	if (fresh_count(fr, FRESH_UNKNOWN) > 0)
		fprintf(f, ", %d unknown", fresh_count(fr, FRESH_UNKNOWN));
	if (fresh_primary_up(fr))
		fprintf(f, "; primary reachable");
	else {
		text_scrub(why, sizeof(why), fresh_primary_why(fr));
		fprintf(f, "; primary unreachable for %s (%s)",
		    dur_fmt_us(status_age_us(c, fresh_primary_since(fr)), d,
		    sizeof(d)), why);
	}
	if (s->sweep.last_end_us != 0)
		fprintf(f, "; last sweep %s ago", dur_fmt_us(status_age_us(c,
		    s->sweep.last_end_us), d, sizeof(d)));
	else
		fprintf(f, "; no sweep yet");
	fprintf(f, "\n");
	if (nbad > fresh_allowed(fr))
		fprintf(f, "  failing: %d stale or missing, max_stale allows "
		    "%d\n", nbad, fresh_allowed(fr));
	for (int i = 0; i < n && shown < STATUS_STALE_SHOWN; i++) {
		const struct fresh_zone *z = fresh_zone_c(fr, i);

		if (!bad(z))
			continue;
		fresh_zone_why(z, c->mono_us, why, sizeof(why));
		snprintf(line, sizeof(line), "  %s %s %s", z->name,
		    fresh_state_str(z->state), why);
		text_put(f, line);
		fputc('\n', f);
		shown++;
	}
	if (nbad > shown)
		fprintf(f, "  ... %d more: anycastctl zones --stale\n",
		    nbad - shown);
}

static void
json_zone(struct json *j, const struct fresh_zone *z, uint64_t now)
{
	char why[128];

	json_object(j, NULL);
	json_string(j, "zone", z->name);
	json_string(j, "state", fresh_state_str(z->state));
	if (z->have_local)
		json_uint(j, "local_serial", z->local);
	else
		json_null(j, "local_serial");
	if (z->have_primary)
		json_uint(j, "primary_serial", z->primary);
	else
		json_null(j, "primary_serial");
	json_fixed(j, "behind_seconds", behind_us(z, now), 6);
	json_bool(j, "primary_behind", z->primary_behind);
	json_bool(j, "expired", z->expired);
	fresh_zone_why(z, now, why, sizeof(why));
	json_string(j, "why", why);
	json_end(j);
}

void
status_fresh_json(struct json *j, const struct status *s,
    const struct status_clock *c)
{
	const struct fresh *fr = s->fresh;
	int n, shown = 0;

	if (fr == NULL) {
		json_null(j, "freshness");
		return;
	}
	n = fresh_nzones(fr);
	json_object(j, "freshness");
	json_int(j, "zones", n);
	for (int st = 0; st < FRESH_STATE_MAX; st++)
		json_int(j, fresh_state_str(st), fresh_count(fr, st));
	json_int(j, "allowed", fresh_allowed(fr));
	json_bool(j, "failing", fresh_count(fr, FRESH_STALE) +
	    fresh_count(fr, FRESH_MISSING) > fresh_allowed(fr));
	json_bool(j, "primary_reachable", fresh_primary_up(fr));
	json_string(j, "primary_error", fresh_primary_up(fr) ? "" :
	    fresh_primary_why(fr));
	json_fixed(j, "lag_max_seconds", fresh_lag_max_us(fr, c->mono_us), 6);
	if (s->sweep.last_end_us != 0) {
		json_fixed(j, "last_sweep_age_seconds", status_age_us(c,
		    s->sweep.last_end_us), 6);
		json_fixed(j, "last_sweep_duration_seconds",
		    s->sweep.last_dur_us, 6);
	} else {
		json_null(j, "last_sweep_age_seconds");
		json_null(j, "last_sweep_duration_seconds");
	}
	json_uint(j, "rounds", s->sweep.rounds);
	json_uint(j, "queries_local", s->sweep.queries_local);
	json_uint(j, "queries_primary", s->sweep.queries_primary);
	json_array(j, "stale_zones");
	for (int i = 0; i < n && shown < STATUS_STALE_SHOWN; i++)
		if (bad(fresh_zone_c(fr, i))) {
			json_zone(j, fresh_zone_c(fr, i), c->mono_us);
			shown++;
		}
	json_end(j);
	json_end(j);
}

int
status_render_zones(const struct status *s, const struct status_clock *c,
    bool stale_only, bool as_json, FILE *f)
{
	const struct fresh *fr = s->fresh;
	char why[128], d[DUR_FMT_MAX], ls[16], ps[16], behind[40], line[512];
	struct json *j = NULL;

	if (as_json) {
		if ((j = json_new(f)) == NULL)
			return -1;
		json_object(j, NULL);
		json_array(j, "zones");
	}
	for (int i = 0; fr != NULL && i < fresh_nzones(fr); i++) {
		const struct fresh_zone *z = fresh_zone_c(fr, i);

		if (stale_only && !bad(z))
			continue;
		if (j != NULL) {
			json_zone(j, z, c->mono_us);
			continue;
		}
		snprintf(ls, sizeof(ls), z->have_local ? "%" PRIu32 : "-",
		    z->local);
		snprintf(ps, sizeof(ps), z->have_primary ? "%" PRIu32 : "-",
		    z->primary);
		behind[0] = '\0';
		if (z->ahead_since != 0)
			snprintf(behind, sizeof(behind), " behind %s",
			    dur_fmt_us(behind_us(z, c->mono_us), d, sizeof(d)));
		why[0] = '\0';
		if (z->state == FRESH_MISSING || z->expired ||
		    z->primary_behind)
			fresh_zone_why(z, c->mono_us, why, sizeof(why));
		snprintf(line, sizeof(line), "%s %s %s %s%s%s%s", z->name,
		    fresh_state_str(z->state), ls, ps, behind, why[0] ? " " :
		    "", why);
		text_put(f, line);
		fputc('\n', f);
	}
	if (j != NULL) {
		json_end(j);
		json_end(j);
		return json_done(j);
	}
	return ferror(f) ? -1 : 0;
}

void
metrics_fresh(struct prom *p, const struct status *s,
    const struct status_clock *c)
{
	const struct fresh *fr = s->fresh;
	int64_t w;

	if (fr == NULL)
		return;
	prom_family(p, "anycastd_zones", "Zones checked for freshness, by "
	    "state.", PROM_GAUGE);
	for (int st = 0; st < FRESH_STATE_MAX; st++)
		prom_uint(p, NULL, (const char *[]){ "state",
		    fresh_state_str(st), NULL }, (uint64_t)fresh_count(fr, st));
	prom_family(p, "anycastd_freshness_primary_up", "1 while the primary "
	    "answers SOA queries, 0 while it is unreachable.", PROM_GAUGE);
	prom_uint(p, NULL, NULL, fresh_primary_up(fr));
	prom_family(p, "anycastd_zone_lag_max_seconds", "The longest time a "
	    "zone has been behind the primary.", PROM_GAUGE);
	prom_fixed(p, NULL, NULL, fresh_lag_max_us(fr, c->mono_us), 6);
	prom_family(p, "anycastd_zone_serial_behind", "Serials the local "
	    "server is behind the primary, for stale zones only.", PROM_GAUGE);
	for (int i = 0; fresh_count(fr, FRESH_STALE) > 0 &&
	    i < fresh_nzones(fr); i++) {
		const struct fresh_zone *z = fresh_zone_c(fr, i);

		if (z->state != FRESH_STALE || !z->have_local ||
		    !z->have_primary)
			continue;
		prom_uint(p, NULL, (const char *[]){ "zone", z->name, NULL },
		    (uint32_t)(z->primary - z->local));
	}
	prom_family(p, "anycastd_freshness_last_sweep_timestamp_seconds",
	    "Unix time the last sweep ended; 0 before the first.", PROM_GAUGE);
	w = s->sweep.last_end_us != 0 ? status_wall_us(c,
	    s->sweep.last_end_us) : 0;
	prom_fixed(p, NULL, NULL, w > 0 ? (uint64_t)w : 0, 6);
	prom_family(p, "anycastd_freshness_sweep_duration_seconds",
	    "How long the last sweep took.", PROM_GAUGE);
	prom_fixed(p, NULL, NULL, s->sweep.last_dur_us, 6);
}
