/* The metrics file.  Names follow the Prometheus conventions: an
 * "anycastd_" prefix, base units (seconds), "_total" on counters, HELP and
 * TYPE for every family, and every label set present from the start (a
 * counter that appears only at its first increment breaks rate()).  The file
 * is rendered on the prom.h emitter, which escapes and sanitises the label
 * values (probe and protocol names come from the config and from BIRD).  It
 * is rewritten whole after every cycle or change; it is small, so there is
 * no incremental update.  The write is file_write()'s: a fresh temporary
 * with a random name, renamed over the file, so a scrape never sees half a
 * file and nothing planted at the temporary name is opened.  It is not
 * fsynced: node_exporter reads it from the page cache, a crash loses nothing
 * that the next cycle does not rewrite, and an fsync a second would cost
 * disk writes for nothing. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "file.h"
#include "metrics.h"
#include "prom.h"
#include "prefix.h"
#include "status.h"

static void
usecs(struct prom *p, const char *suffix, const char *const *labels,
    uint64_t us)
{
	prom_fixed(p, suffix, labels, us, 6);
}

/* A wall-clock time; before the epoch cannot happen, but must not wrap. */
static uint64_t
wall(const struct status_clock *c, uint64_t mono_us)
{
	int64_t w = status_wall_us(c, mono_us);

	return w < 0 ? 0 : (uint64_t)w;
}

static void
metrics_state(struct prom *p, const struct status *s,
    const struct status_clock *c)
{
	int i;

	prom_family(p, "anycastd_state",
	    "Current state: 1 for the state the node is in, 0 for the others.",
	    PROM_GAUGE);
	for (i = 0; i < STATUS_STATE_MAX; i++)
		prom_uint(p, NULL, (const char *[]){ "state",
		    status_state_str(i), NULL }, s->state == (enum status_state)i);
	prom_family(p, "anycastd_state_change_timestamp_seconds",
	    "Unix time of the last state change.", PROM_GAUGE);
	usecs(p, NULL, NULL, wall(c, s->since_us));
	prom_family(p, "anycastd_transitions_total",
	    "State transitions since start, by reason.", PROM_COUNTER);
	for (i = 0; i < STATUS_REASON_MAX; i++)
		prom_uint(p, NULL, (const char *[]){ "reason",
		    status_reason_key(i), NULL }, s->transitions[i]);
	prom_family(p, "anycastd_drained",
	    "1 while the operator has drained the node.", PROM_GAUGE);
	prom_uint(p, NULL, NULL, s->drain.drained);
	prom_family(p, "anycastd_link_up",
	    "1 while the anycast interface is administratively up.", PROM_GAUGE);
	prom_uint(p, NULL, NULL, s->link == NL_UP);
	prom_family(p, "anycastd_hold_down_remaining_seconds",
	    "Time left before a withdrawn node may announce again.", PROM_GAUGE);
	usecs(p, NULL, NULL, s->hold_remaining_us);

	prom_family(p, "anycastd_cycles_total", "Completed probe cycles.",
	    PROM_COUNTER);
	prom_uint(p, NULL, NULL, s->cycles);
	prom_family(p, "anycastd_last_cycle_timestamp_seconds",
	    "Unix time the last probe cycle completed (0: none yet); "
	    "alert when it stops moving.", PROM_GAUGE);
	if (s->cycles == 0)
		prom_uint(p, NULL, NULL, 0);
	else
		usecs(p, NULL, NULL, wall(c, s->cycle_at_us));
	prom_family(p, "anycastd_last_cycle_duration_seconds",
	    "How long the last probe cycle took.", PROM_GAUGE);
	usecs(p, NULL, NULL, s->cycle_dur_us);
}

static void
metrics_histogram(struct prom *p, const struct status_probe *sp)
{
	const char *const probe[] = { "probe", sp->name, NULL };
	char le[32];
	uint64_t cum = 0;
	int i;

	for (i = 0; i < STATUS_LAT_BUCKETS; i++) {
		cum += sp->buckets[i];
		if (status_bucket_le_us(i) == UINT64_MAX)
			snprintf(le, sizeof(le), "+Inf");
		else
			snprintf(le, sizeof(le), "%g",
			    (double)status_bucket_le_us(i) / 1e6);
		prom_uint(p, "_bucket", (const char *[]){ "probe", sp->name,
		    "le", le, NULL }, cum);
	}
	usecs(p, "_sum", probe, sp->lat_sum_us);
	prom_uint(p, "_count", probe, sp->lat_count);
}

static void
metrics_probes(struct prom *p, const struct status *s)
{
	const struct status_probe *sp;
	int j, r;

	prom_family(p, "anycastd_probe_results_total",
	    "Probe results, by probe and result.", PROM_COUNTER);
	for (j = 0; j < s->nprobes; j++) {
		sp = &s->probes[j];
		for (r = 0; r < PROBE_RESULT_MAX; r++)
			prom_uint(p, NULL, (const char *[]){ "probe", sp->name,
			    "result", status_result_key(r), NULL },
			    sp->results[r]);
	}
	prom_family(p, "anycastd_probe_latency_seconds",
	    "Time from query to result, by probe.", PROM_HISTOGRAM);
	for (j = 0; j < s->nprobes; j++)
		metrics_histogram(p, &s->probes[j]);
}

static void
metrics_bird(struct prom *p, const struct status *s)
{
	const struct bird_view *v = s->bird;
	int i, j;

	prom_family(p, "anycastd_bird_reachable",
	    "1 if the last poll of BIRD's control socket succeeded.", PROM_GAUGE);
	prom_uint(p, NULL, NULL, v != NULL && v->polled_us != 0 && v->reachable);
	prom_family(p, "anycastd_bird_mismatch",
	    "1 while BIRD's export has disagreed with the intended state "
	    "for longer than the grace period.", PROM_GAUGE);
	prom_uint(p, NULL, NULL, s->bird_mismatch.flagged);
	if (v == NULL || !v->reachable || v->polled_us == 0)
		return;
	prom_family(p, "anycastd_bird_protocol_up",
	    "1 if the BGP protocol is Established.", PROM_GAUGE);
	for (j = 0; j < v->nprotos; j++)
		prom_uint(p, NULL, (const char *[]){ "protocol",
		    v->protos[j].name, NULL }, v->protos[j].established);
	if (v->nprefixes == 0) {
		prom_family(p, "anycastd_bird_exported_routes",
		    "Routes BIRD exports to the BGP protocol.", PROM_GAUGE);
		for (j = 0; j < v->nprotos; j++)
			prom_int(p, NULL, (const char *[]){ "protocol",
			    v->protos[j].name, NULL }, v->protos[j].routes);
		return;
	}
	prom_family(p, "anycastd_bird_prefix_exported",
	    "1 if BIRD exports the anycast prefix to the BGP protocol.",
	    PROM_GAUGE);
	for (i = 0; i < v->nprefixes; i++) {
		char net[PREFIX_STRLEN];

		prefix_fmt(&v->prefixes[i], net, sizeof(net));
		for (j = 0; j < v->nprotos; j++)
			prom_uint(p, NULL, (const char *[]){ "protocol",
			    v->protos[j].name, "prefix", net, NULL },
			    (v->protos[j].exported & ((uint64_t)1 << i)) != 0);
	}
}

static void
metrics_fleet(struct prom *p, const struct status *s,
    const struct status_clock *c)
{
	int i;

	if (s->graceful) {
		prom_family(p, "anycastd_graceful_link_up",
		    "1 while the graceful interface is up (the node degraded).",
		    PROM_GAUGE);
		prom_uint(p, NULL, NULL, s->gs_link == NL_UP);
	}
	if (!s->guard)
		return;
	prom_family(p, "anycastd_fleet_known",
	    "1 while the fleet view from BIRD's fleet tables can be trusted.",
	    PROM_GAUGE);
	prom_uint(p, NULL, NULL, s->fleet_known);
	prom_family(p, "anycastd_fleet_healthy_peers",
	    "Other nodes announcing every anycast prefix as healthy.",
	    PROM_GAUGE);
	prom_int(p, NULL, NULL, s->healthy_peers);
	prom_family(p, "anycastd_fleet_min_healthy",
	    "min_healthy: the other healthy nodes a withdrawal needs.",
	    PROM_GAUGE);
	prom_int(p, NULL, NULL, s->min_healthy);
	prom_family(p, "anycastd_fleet_decision",
	    "1 for the fleet policy's current reason.", PROM_GAUGE);
	prom_uint(p, NULL, (const char *[]){ "decision", s->fleet_why_key,
	    NULL }, 1);
	prom_family(p, "anycastd_fleet_peer_healthy",
	    "1 if the fleet peer (a BIRD protocol) announces healthy.",
	    PROM_GAUGE);
	for (i = 0; i < s->npeers && i < STATUS_MAX_PEERS; i++)
		prom_uint(p, NULL, (const char *[]){ "peer", s->peers[i].name,
		    "health", s->peers[i].health, NULL }, s->peers[i].healthy);
	prom_family(p, "anycastd_fleet_peer_age_seconds",
	    "How long the fleet peer's health has not changed.", PROM_GAUGE);
	for (i = 0; i < s->npeers && i < STATUS_MAX_PEERS; i++)
		usecs(p, NULL, (const char *[]){ "peer", s->peers[i].name, NULL },
		    status_age_us(c, s->peers[i].since_us));
}

int
metrics_render(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	/* At function scope: prom keeps the pointer until prom_free. */
	const char *const instance[] = { "instance", s->instance, NULL };
	struct prom *p;
	int rc;

	if ((p = prom_new(f)) == NULL)
		return -1;
	if (s->instance != NULL)
		prom_set_labels(p, instance);
	metrics_state(p, s, c);
	metrics_probes(p, s);
	if (s->bird_socket != NULL)
		metrics_bird(p, s);
	metrics_fleet(p, s, c);
	metrics_fresh(p, s, c);
	prom_family(p, "anycastd_socket_events_total",
	    "Destroyed listeners of probed servers reported by the kernel.",
	    PROM_COUNTER);
	prom_uint(p, NULL, NULL, s->socket_events);
	prom_family(p, "anycastd_netlink_resyncs_total",
	    "Times link events were lost (ENOBUFS) and the links were read "
	    "again from the kernel.", PROM_COUNTER);
	prom_uint(p, NULL, NULL, s->netlink_resyncs);
	rc = prom_finish(p);
	prom_free(p);
	return rc;
}

int
metrics_write(const char *path, const struct status *s,
    const struct status_clock *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1, saved;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return -1;
	if (metrics_render(s, c, f) == -1) {
		saved = errno;
		(void)fclose(f);
		errno = saved != 0 ? saved : EIO;
		goto out;
	}
	if (fclose(f) == EOF)
		goto out;
	/* file_write()'s temporary name ends in ".tmp.XXXXXXXXXXXX", not
	 * ".prom", so the textfile collector ignores it until the rename. */
	rc = file_write(path, buf, len, 0);
out:
	saved = errno;
	free(buf);
	errno = saved;
	return rc;
}
