/* "anycastctl status": the status for a person at 3 a.m.  Short lines and
 * fixed columns like "birdc show protocols"; the wording may change, which
 * is why programs read the JSON instead.  Every string that came from
 * outside the daemon (the config, a probe's detail, a drain reason, BIRD)
 * goes through text.h on its way out, so that a control sequence in it
 * reaches no terminal; a column is scrubbed before it is padded, so the
 * padding counts what is shown.  Nothing here reads a clock or does I/O
 * beyond the FILE it is given. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "prefix.h"
#include "status.h"
#include "text.h"

static void
fmt_wall(char *buf, size_t len, int64_t wall_s)
{
	struct tm tm;
	time_t t = (time_t)wall_s;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "@%" PRId64, wall_s);
}

/* "Label:       " then outside text on the rest of the line. */
static void
put_line(FILE *f, const char *label, const char *text)
{
	fputs(label, f);
	text_put(f, text);
	fputc('\n', f);
}

static void
text_interface(const struct status *s, FILE *f)
{
	const char *flags[STATUS_IF_FLAGS_MAX];
	char name[IF_NAMESIZE];
	size_t i, n;

	text_scrub(name, sizeof(name), s->ifname[0] ? s->ifname : "?");
	fprintf(f, "Interface:   %s", name);
	if (s->link == NL_ABSENT) {
		fprintf(f, " absent\n");
		return;
	}
	fprintf(f, " (index %d) %s <", s->ifindex, nl_state_str(s->link));
	n = status_if_flags(s->ifflags, flags);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", flags[i]);
	fprintf(f, "> %s\n", s->addrs[0] ? s->addrs : "no address");
}

/* Health, cycles, drain and transitions: the policy's side. */
static void
text_policy(const struct status *s, const struct status_clock *c, FILE *f)
{
	char d1[DUR_FMT_MAX], d2[DUR_FMT_MAX], w[32];
	int j;

	fprintf(f, "Health:      good %d/%d (rise), bad %d/%d (fall)",
	    s->good, s->rise, s->bad, s->fall);
	if (s->hold_remaining_us > 0)
		fprintf(f, ", hold-down %s left",
		    dur_fmt_us(s->hold_remaining_us, d1, sizeof(d1)));
	fprintf(f, "%s\n", s->pending ? ", change pending" : "");
	dur_fmt_us(s->pending ? s->fast_interval_us : s->interval_us, d1,
	    sizeof(d1));
	if (s->cycles == 0)
		fprintf(f, "Cycles:      none yet, every %s\n", d1);
	else
		fprintf(f, "Cycles:      %" PRIu64 ", every %s, last %s ago "
		    "(%s, took %s)\n", s->cycles, d1, dur_fmt_us(
		    status_age_us(c, s->cycle_at_us), d2, sizeof(d2)),
		    s->cycle_good ? "good" : "bad",
		    dur_fmt_us(s->cycle_dur_us, w, sizeof(w)));
	if (s->drain.drained) {
		fmt_wall(w, sizeof(w), s->drain.since);
		if (s->drain.corrupt)
			fputs("Drain:       yes: ", f);
		else
			fprintf(f, "Drain:       yes, since %s by uid %u "
			    "pid %d: ", w, (unsigned)s->drain.uid,
			    (int)s->drain.pid);
		put_line(f, "", s->drain.reason[0] ? s->drain.reason :
		    "(no reason given)");
	} else
		fprintf(f, "Drain:       no\n");
	fprintf(f, "Transitions:");
	for (j = 0; j < STATUS_REASON_MAX; j++)
		fprintf(f, "%s %s %" PRIu64, j ? "," : "", status_reason_key(j),
		    s->transitions[j]);
	fputc('\n', f);
}

static void
text_probes(const struct status *s, FILE *f)
{
	const struct status_probe *p;
	char name[sizeof(p->name)], what[sizeof(p->target)], lat[DUR_FMT_MAX];
	char res[32];
	size_t i;
	int j;

	fprintf(f, "\n%-12s %-18s %-9s %s\n", "Probe", "Result", "Latency",
	    "Detail");
	for (j = 0; j < s->nprobes; j++) {
		p = &s->probes[j];
		text_scrub(name, sizeof(name), p->name);
		if (!p->ran) {
			fprintf(f, "%-12s %-18s %-9s %s\n", name, "-", "-",
			    text_scrub(what, sizeof(what), p->target));
			continue;
		}
		/* The key with spaces reads well; detail has the specifics. */
		text_copy(res, sizeof(res), status_result_key(p->last));
		for (i = 0; res[i] != '\0'; i++)
			if (res[i] == '_')
				res[i] = ' ';
		fprintf(f, "%-12s %-18s %-9s %s\n", name, res,
		    dur_fmt_us(p->latency_us, lat, sizeof(lat)),
		    text_scrub(what, sizeof(what),
		    p->detail[0] ? p->detail : p->target));
	}
}

/* BGP protocols as BIRD names them, and the anycast prefixes exported. */
static void
text_bird_protos(const struct bird_view *v, FILE *f)
{
	const struct bird_proto *bp;
	char name[sizeof(bp->name)], state[sizeof(bp->state)];
	char info[sizeof(bp->info)], net[PREFIX_STRLEN];
	int j, k, n;

	fprintf(f, "%-12s %-6s %-14s %s\n", "Protocol", "State", "Info",
	    "Exported");
	for (j = 0; j < v->nprotos; j++) {
		bp = &v->protos[j];
		fprintf(f, "%-12s %-6s %-14s",
		    text_scrub(name, sizeof(name), bp->name),
		    text_scrub(state, sizeof(state), bp->state),
		    text_scrub(info, sizeof(info),
		    bp->info[0] ? bp->info : "-"));
		n = 0;
		if (v->nprefixes == 0) {
			fprintf(f, " %ld route(s)", bp->routes);
			n = 1;
		}
		for (k = 0; k < v->nprefixes; k++)
			if (bp->exported & ((uint64_t)1 << k)) {
				fprintf(f, " %s", prefix_fmt(&v->prefixes[k],
				    net, sizeof(net)));
				n++;
			}
		fprintf(f, "%s\n", n ? "" : " -");
	}
	if (v->nprotos == 0)
		fprintf(f, "(no BGP protocol)\n");
	if (v->truncated)
		fprintf(f, "(more BGP protocols than shown)\n");
}

static void
text_bird(const struct status *s, const struct status_clock *c, FILE *f)
{
	const struct bird_view *v = s->bird;
	char d1[DUR_FMT_MAX], d2[DUR_FMT_MAX], why[192], sock[256];
	char version[sizeof(v->version)];

	if (s->bird_socket == NULL) {
		fprintf(f, "\nBIRD:        not configured\n");
		return;
	}
	text_scrub(sock, sizeof(sock), s->bird_socket);
	fprintf(f, "\nBIRD:        ");
	if (v == NULL || v->polled_us == 0) {
		fprintf(f, "%s, not polled yet\n", sock);
		return;
	}
	dur_fmt_us(status_age_us(c, v->polled_us), d1, sizeof(d1));
	if (!v->reachable) {
		fprintf(f, "%s unreachable (%s ago): ", sock, d1);
		put_line(f, "", v->error);
	} else
		fprintf(f, "%s %s, polled %s ago\n", sock,
		    text_scrub(version, sizeof(version), v->version), d1);
	if (s->bird_mismatch.flagged) {
		dur_fmt_us(status_age_us(c, s->bird_mismatch.since_us), d2,
		    sizeof(d2));
		fprintf(f, "Mismatch:    YES for %s: ", d2);
		put_line(f, "", s->bird_mismatch.why);
	} else if (!bird_view_agrees(v, s->state == STATUS_ANNOUNCED ||
	    s->state == STATUS_DEGRADED, why,
	    sizeof(why)))
		put_line(f, "Mismatch:    not yet (grace): ", why);
	else
		fprintf(f, "Mismatch:    no, BIRD agrees\n");
	if (v->reachable)
		text_bird_protos(v, f);
}

/* The graceful link and the fleet, when configured. */
static void
text_fleet(const struct status *s, const struct status_clock *c, FILE *f)
{
	char d[DUR_FMT_MAX], name[IF_NAMESIZE], peer[64];
	int i;

	if (s->graceful) {
		text_scrub(name, sizeof(name), s->gs_ifname);
		fprintf(f, "Graceful:    %s %s\n", name, nl_state_str(s->gs_link));
	}
	if (!s->guard)
		return;
	if (s->fleet_known)
		fprintf(f, "Fleet:       %d healthy peer%s (min_healthy %d)",
		    s->healthy_peers, s->healthy_peers == 1 ? "" : "s",
		    s->min_healthy);
	else {
		fprintf(f, "Fleet:       unknown (");
		text_put(f, s->fleet_unknown[0] ? s->fleet_unknown : "not polled yet");
		fputc(')', f);
	}
	fprintf(f, "%s%s\n", s->state == STATUS_ANNOUNCED ? "" : "; ",
	    s->state == STATUS_ANNOUNCED ? "" : s->fleet_why);
	for (i = 0; i < s->npeers && i < STATUS_MAX_PEERS; i++) {
		const struct status_peer *p = &s->peers[i];

		text_scrub(peer, sizeof(peer), p->name);
		fprintf(f, "  %-14s %-10s for %s\n", peer, p->health,
		    dur_fmt_us(status_age_us(c, p->since_us), d, sizeof(d)));
	}
}

int
status_render_text(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	char d1[DUR_FMT_MAX], w[32];

	dur_fmt_us(status_age_us(c, s->started_us), d1, sizeof(d1));
	fprintf(f, "anycastd %s, pid %d, up %s\n",
	    s->version ? s->version : "?", (int)s->pid, d1);
	fmt_wall(w, sizeof(w), status_wall_us(c, s->since_us) / 1000000);
	fprintf(f, "State:       %s for %s (since %s)\n",
	    status_state_str(s->state),
	    dur_fmt_us(status_age_us(c, s->since_us), d1, sizeof(d1)), w);
	put_line(f, "Reason:      ", s->reason[0] ? s->reason : "-");
	text_interface(s, f);
	text_fleet(s, c, f);
	text_policy(s, c, f);
	text_probes(s, f);
	text_bird(s, c, f);
	status_fresh_text(s, c, f);
	return ferror(f) ? -1 : 0;
}
