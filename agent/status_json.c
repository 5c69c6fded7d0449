/* "anycastctl status --json": the status for programs, on the json.h
 * emitter.  The keys are documented in anycastctl(8) and only ever added
 * to, never renamed or reordered; times are Unix seconds and durations
 * seconds, both with six decimals, and what is not known yet is null.
 * Outside text is escaped by the emitter, which also keeps C1 controls and
 * bytes that are not UTF-8 out.  Nothing here reads a clock or does I/O
 * beyond the FILE it is given. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "prefix.h"
#include "status.h"

static void
secs(struct json *j, const char *key, uint64_t us)
{
	json_fixed(j, key, us, 6);
}

/* A wall-clock time; before the epoch cannot happen, but must not wrap. */
static void
wall(struct json *j, const char *key, int64_t wall_us)
{
	json_fixed(j, key, wall_us < 0 ? 0 : (uint64_t)wall_us, 6);
}

static void
secs_or_null(struct json *j, const char *key, bool known, uint64_t us)
{
	if (known)
		secs(j, key, us);
	else
		json_null(j, key);
}

/* "198.51.100.1/24 2001:db8:abcd::1/48" as an array of strings. */
static void
words(struct json *j, const char *key, const char *list)
{
	const char *p = list, *e;
	char w[128];

	json_array(j, key);
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if ((e = strchr(p, ' ')) == NULL)
			e = p + strlen(p);
		snprintf(w, sizeof(w), "%.*s", (int)(e - p), p);
		json_string(j, NULL, w);
		p = e;
	}
	json_end(j);
}

static void
json_interface(struct json *j, const struct status *s)
{
	const char *flags[STATUS_IF_FLAGS_MAX];
	size_t i, n;

	json_object(j, "interface");
	json_string(j, "name", s->ifname);
	json_int(j, "index", s->ifindex);
	json_string(j, "state", nl_state_str(s->link));
	json_array(j, "flags");
	n = s->link != NL_ABSENT ? status_if_flags(s->ifflags, flags) : 0;
	for (i = 0; i < n; i++)
		json_string(j, NULL, flags[i]);
	json_end(j);
	words(j, "addresses", s->addrs);
	json_end(j);
}

static void
json_policy(struct json *j, const struct status *s,
    const struct status_clock *c)
{
	json_object(j, "health");
	json_int(j, "rise", s->rise);
	json_int(j, "fall", s->fall);
	json_int(j, "good", s->good);
	json_int(j, "bad", s->bad);
	json_bool(j, "pending", s->pending);
	secs(j, "interval_seconds", s->interval_us);
	secs(j, "fast_interval_seconds", s->fast_interval_us);
	secs(j, "hold_down_seconds", s->hold_down_us);
	secs(j, "hold_down_remaining_seconds", s->hold_remaining_us);
	json_end(j);

	json_object(j, "cycles");
	json_uint(j, "count", s->cycles);
	if (s->cycles)
		wall(j, "last", status_wall_us(c, s->cycle_at_us));
	else
		json_null(j, "last");
	secs_or_null(j, "last_age_seconds", s->cycles != 0,
	    status_age_us(c, s->cycle_at_us));
	secs(j, "duration_seconds", s->cycle_dur_us);
	json_bool(j, "good", s->cycles && s->cycle_good);
	json_end(j);
}

static void
json_probes(struct json *j, const struct status *s,
    const struct status_clock *c)
{
	const struct status_probe *p;
	int i, r;

	json_array(j, "probes");
	for (i = 0; i < s->nprobes; i++) {
		p = &s->probes[i];
		json_object(j, NULL);
		json_string(j, "name", p->name);
		json_string(j, "target", p->target);
		if (p->ran)
			json_string(j, "result", status_result_key(p->last));
		else
			json_null(j, "result");
		json_string(j, "detail", p->detail);
		secs_or_null(j, "latency_seconds", p->ran, p->latency_us);
		secs_or_null(j, "age_seconds", p->ran,
		    status_age_us(c, p->at_us));
		json_object(j, "results");
		for (r = 0; r < PROBE_RESULT_MAX; r++)
			json_uint(j, status_result_key(r), p->results[r]);
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

static void
json_drain(struct json *j, const struct status *s)
{
	const struct drain_info *d = &s->drain;
	bool known = d->drained && !d->corrupt;	/* who and when */
	int i;

	json_object(j, "transitions");
	for (i = 0; i < STATUS_REASON_MAX; i++)
		json_uint(j, status_reason_key(i), s->transitions[i]);
	json_end(j);

	json_object(j, "drain");
	json_bool(j, "drained", d->drained);
	if (d->drained)
		json_string(j, "reason", d->reason);
	else
		json_null(j, "reason");
	if (known) {
		json_uint(j, "uid", (unsigned)d->uid);
		json_int(j, "pid", d->pid);
		json_int(j, "since", d->since);
	} else {
		json_null(j, "uid");
		json_null(j, "pid");
		json_null(j, "since");
	}
	json_bool(j, "corrupt", d->corrupt);
	json_end(j);
}

static void
json_bird_protos(struct json *j, const struct bird_view *v)
{
	const struct bird_proto *bp;
	char net[PREFIX_STRLEN];
	int i, k;

	json_array(j, "protocols");
	for (i = 0; i < v->nprotos; i++) {
		bp = &v->protos[i];
		json_object(j, NULL);
		json_string(j, "name", bp->name);
		json_string(j, "state", bp->state);
		json_string(j, "info", bp->info);
		json_bool(j, "established", bp->established);
		json_array(j, "exported");
		for (k = 0; k < v->nprefixes; k++)
			if (bp->exported & ((uint64_t)1 << k))
				json_string(j, NULL, prefix_fmt(&v->prefixes[k],
				    net, sizeof(net)));
		json_end(j);
		if (v->nprefixes == 0)
			json_int(j, "routes", bp->routes);
		else
			json_null(j, "routes");
		json_end(j);
	}
	json_end(j);
}

static void
json_bird(struct json *j, const struct status *s,
    const struct status_clock *c)
{
	const struct bird_view *v = s->bird;
	char why[192], net[PREFIX_STRLEN];
	bool agrees;
	int k;

	if (s->bird_socket == NULL) {
		json_null(j, "bird");
		return;
	}
	json_object(j, "bird");
	json_string(j, "socket", s->bird_socket);
	json_bool(j, "polled", v != NULL && v->polled_us != 0);
	if (v == NULL || v->polled_us == 0) {
		json_end(j);
		return;
	}
	json_bool(j, "reachable", v->reachable);
	if (v->reachable)
		json_null(j, "error");
	else
		json_string(j, "error", v->error);
	json_string(j, "version", v->version);
	secs(j, "age_seconds", status_age_us(c, v->polled_us));
	json_array(j, "prefixes");
	for (k = 0; k < v->nprefixes; k++)
		json_string(j, NULL, prefix_fmt(&v->prefixes[k], net,
		    sizeof(net)));
	json_end(j);
	json_bird_protos(j, v);
	json_bool(j, "truncated", v->truncated);
	agrees = bird_view_agrees(v, s->state == STATUS_ANNOUNCED ||
	    s->state == STATUS_DEGRADED, why,
	    sizeof(why));
	json_bool(j, "agrees", agrees);
	if (agrees)
		json_null(j, "disagreement");
	else
		json_string(j, "disagreement", why);
	json_bool(j, "mismatch", s->bird_mismatch.flagged);
	secs_or_null(j, "mismatch_seconds", s->bird_mismatch.flagged,
	    status_age_us(c, s->bird_mismatch.since_us));
	json_end(j);
}

/* null when neither a graceful link nor the guard is configured. */
static void
json_fleet(struct json *j, const struct status *s,
    const struct status_clock *c)
{
	int i;

	if (!s->graceful && !s->guard) {
		json_null(j, "fleet");
		return;
	}
	json_object(j, "fleet");
	if (s->graceful) {
		json_object(j, "graceful_interface");
		json_string(j, "name", s->gs_ifname);
		json_string(j, "state", nl_state_str(s->gs_link));
		json_end(j);
	} else
		json_null(j, "graceful_interface");
	json_bool(j, "guard", s->guard);
	json_string(j, "decision", s->fleet_why_key);
	json_string(j, "detail", s->fleet_why);
	json_bool(j, "known", s->fleet_known);
	if (s->fleet_known)
		json_null(j, "unknown_reason");
	else
		json_string(j, "unknown_reason", s->fleet_unknown);
	json_int(j, "healthy_peers", s->healthy_peers);
	json_int(j, "min_healthy", s->min_healthy);
	json_array(j, "peers");
	for (i = 0; i < s->npeers && i < STATUS_MAX_PEERS; i++) {
		json_object(j, NULL);
		json_string(j, "name", s->peers[i].name);
		json_string(j, "health", s->peers[i].health);
		json_bool(j, "healthy", s->peers[i].healthy);
		secs(j, "age_seconds", status_age_us(c, s->peers[i].since_us));
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

int
status_render_json(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	struct json *j;
	char why[256];
	bool done;

	if ((j = json_new(f)) == NULL)
		return -1;
	json_object(j, NULL);
	json_int(j, "version", 1);
	json_string(j, "anycastd", s->version);
	json_int(j, "pid", s->pid);
	wall(j, "time", c->wall_us);
	secs(j, "uptime_seconds", status_age_us(c, s->started_us));
	json_string(j, "state", status_state_str(s->state));
	wall(j, "since", status_wall_us(c, s->since_us));
	secs(j, "for_seconds", status_age_us(c, s->since_us));
	json_string(j, "reason", s->reason);
	json_interface(j, s);
	json_policy(j, s, c);
	json_probes(j, s, c);
	json_drain(j, s);
	json_bird(j, s, c);
	json_fleet(j, s, c);
	status_fresh_json(j, s, c);
	json_uint(j, "socket_events", s->socket_events);
	done = status_withdrawn(s, why, sizeof(why));
	json_object(j, "withdrawn");
	json_bool(j, "complete", done);
	json_string(j, "detail", why);
	json_end(j);
	json_end(j);
	return json_done(j);
}
