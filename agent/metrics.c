/* The metrics file.  Names follow the Prometheus conventions: an
 * "anycastd_" prefix, base units (seconds), "_total" on counters, HELP and
 * TYPE for every family, and every label set present from the start (a
 * counter that appears only at its first increment breaks rate()).  The file
 * is rewritten whole after every cycle or change; it is small, so there is no
 * incremental update.  It is not fsynced: node_exporter reads it from the
 * page cache, a crash loses nothing that the next cycle does not rewrite, and
 * an fsync a second would cost disk writes for nothing.  Atomicity comes from
 * rename(2), so a scrape never sees half a file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "status.h"

/* A label value: backslash, double quote and newline escaped. */
static void
label(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
secs(FILE *f, uint64_t us)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
}

int
metrics_render(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	const struct status_probe *p;
	const struct bird_view *v = s->bird;
	uint64_t cum;
	int i, j, r;

	family(f, "anycastd_state", "gauge",
	    "Current state: 1 for the state the node is in, 0 for the others.");
	for (i = 0; i < STATUS_STATE_MAX; i++)
		fprintf(f, "anycastd_state{state=\"%s\"} %d\n",
		    status_state_str(i), s->state == (enum status_state)i);
	family(f, "anycastd_state_change_timestamp_seconds", "gauge",
	    "Unix time of the last state change.");
	fprintf(f, "anycastd_state_change_timestamp_seconds ");
	secs(f, (uint64_t)(c->wall_us - (int64_t)(c->mono_us - s->since_us)));
	fputc('\n', f);
	family(f, "anycastd_transitions_total", "counter",
	    "State transitions since start, by reason.");
	for (i = 0; i < STATUS_REASON_MAX; i++)
		fprintf(f, "anycastd_transitions_total{reason=\"%s\"} %" PRIu64
		    "\n", status_reason_key(i), s->transitions[i]);
	family(f, "anycastd_drained", "gauge",
	    "1 while the operator has drained the node.");
	fprintf(f, "anycastd_drained %d\n", s->drain.drained);
	family(f, "anycastd_link_up", "gauge",
	    "1 while the anycast interface is administratively up.");
	fprintf(f, "anycastd_link_up %d\n", s->link == NL_UP);
	family(f, "anycastd_hold_down_remaining_seconds", "gauge",
	    "Time left before a withdrawn node may announce again.");
	fprintf(f, "anycastd_hold_down_remaining_seconds ");
	secs(f, s->hold_remaining_us);
	fputc('\n', f);

	family(f, "anycastd_cycles_total", "counter",
	    "Completed probe cycles.");
	fprintf(f, "anycastd_cycles_total %" PRIu64 "\n", s->cycles);
	family(f, "anycastd_last_cycle_timestamp_seconds", "gauge",
	    "Unix time the last probe cycle completed (0: none yet); "
	    "alert when it stops moving.");
	fprintf(f, "anycastd_last_cycle_timestamp_seconds ");
	if (s->cycles == 0)
		fputs("0", f);
	else
		secs(f, (uint64_t)(c->wall_us -
		    (int64_t)(c->mono_us - s->cycle_at_us)));
	fputc('\n', f);
	family(f, "anycastd_last_cycle_duration_seconds", "gauge",
	    "How long the last probe cycle took.");
	fprintf(f, "anycastd_last_cycle_duration_seconds ");
	secs(f, s->cycle_dur_us);
	fputc('\n', f);

	family(f, "anycastd_probe_results_total", "counter",
	    "Probe results, by probe and result.");
	for (j = 0; j < s->nprobes; j++) {
		p = &s->probes[j];
		for (r = 0; r < PROBE_RESULT_MAX; r++) {
			fputs("anycastd_probe_results_total{probe=\"", f);
			label(f, p->name);
			fprintf(f, "\",result=\"%s\"} %" PRIu64 "\n",
			    status_result_key(r), p->results[r]);
		}
	}
	family(f, "anycastd_probe_latency_seconds", "histogram",
	    "Time from query to result, by probe.");
	for (j = 0; j < s->nprobes; j++) {
		p = &s->probes[j];
		cum = 0;
		for (i = 0; i < STATUS_LAT_BUCKETS; i++) {
			cum += p->buckets[i];
			fputs("anycastd_probe_latency_seconds_bucket{probe=\"", f);
			label(f, p->name);
			fputs("\",le=\"", f);
			if (status_bucket_le_us(i) == UINT64_MAX)
				fputs("+Inf", f);
			else
				fprintf(f, "%g", (double)status_bucket_le_us(i) / 1e6);
			fprintf(f, "\"} %" PRIu64 "\n", cum);
		}
		fputs("anycastd_probe_latency_seconds_sum{probe=\"", f);
		label(f, p->name);
		fputs("\"} ", f);
		secs(f, p->lat_sum_us);
		fputs("\nanycastd_probe_latency_seconds_count{probe=\"", f);
		label(f, p->name);
		fprintf(f, "\"} %" PRIu64 "\n", p->lat_count);
	}

	if (s->bird_socket == NULL)
		goto out;
	family(f, "anycastd_bird_reachable", "gauge",
	    "1 if the last poll of BIRD's control socket succeeded.");
	fprintf(f, "anycastd_bird_reachable %d\n",
	    v != NULL && v->polled_us != 0 && v->reachable);
	family(f, "anycastd_bird_mismatch", "gauge",
	    "1 while BIRD's export has disagreed with the intended state "
	    "for longer than the grace period.");
	fprintf(f, "anycastd_bird_mismatch %d\n", s->bird_mismatch.flagged);
	if (v == NULL || !v->reachable || v->polled_us == 0)
		goto out;
	family(f, "anycastd_bird_protocol_up", "gauge",
	    "1 if the BGP protocol is Established.");
	for (j = 0; j < v->nprotos; j++) {
		fputs("anycastd_bird_protocol_up{protocol=\"", f);
		label(f, v->protos[j].name);
		fprintf(f, "\"} %d\n", v->protos[j].established);
	}
	if (v->nprefixes == 0) {
		family(f, "anycastd_bird_exported_routes", "gauge",
		    "Routes BIRD exports to the BGP protocol.");
		for (j = 0; j < v->nprotos; j++) {
			fputs("anycastd_bird_exported_routes{protocol=\"", f);
			label(f, v->protos[j].name);
			fprintf(f, "\"} %ld\n", v->protos[j].routes);
		}
		goto out;
	}
	family(f, "anycastd_bird_prefix_exported", "gauge",
	    "1 if BIRD exports the anycast prefix to the BGP protocol.");
	for (j = 0; j < v->nprotos; j++)
		for (i = 0; i < v->nprefixes; i++) {
			fputs("anycastd_bird_prefix_exported{protocol=\"", f);
			label(f, v->protos[j].name);
			fprintf(f, "\",prefix=\"%s\"} %d\n", v->prefixes[i],
			    (v->protos[j].exported & ((uint64_t)1 << i)) != 0);
		}
out:
	return ferror(f) ? -1 : 0;
}

int
metrics_write(const char *path, const struct status *s,
    const struct status_clock *c)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, saved;

	/* The textfile collector ignores files not ending in ".prom", so the
	 * temporary name is invisible to it even before the rename. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path,
	    (int)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (metrics_render(s, c, f) == -1 || fflush(f) == EOF) {
		saved = errno;
		fclose(f);
		goto fail;
	}
	if (fclose(f) == EOF) {
		saved = errno;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmp);
	errno = saved;
	return -1;
}
