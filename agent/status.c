/* The status record and its two renderings.  The agent owns one struct
 * status and updates it as things happen (probe reports, cycles, state
 * changes); what it cannot keep current cheaply (link, streaks, hold-down) it
 * copies in just before rendering.  The text is for a person at 3 a.m.: short,
 * fixed columns like "birdc show protocols".  The JSON is for programs: its
 * keys are documented in anycastctl(8) and only ever added to, never renamed.
 * Nothing here reads a clock or does I/O beyond the FILE it is given. */
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"

static const char *const state_names[STATUS_STATE_MAX] = {
	[STATUS_WITHDRAWN] = "withdrawn",
	[STATUS_ANNOUNCED] = "announced",
	[STATUS_DRAINED] = "drained",
};

static const char *const reason_keys[STATUS_REASON_MAX] = {
	[STATUS_REASON_FALL] = "fall",
	[STATUS_REASON_RISE] = "rise",
	[STATUS_REASON_DRAIN] = "drain",
	[STATUS_REASON_UNDRAIN] = "undrain",
};

/* Stable keys for JSON and metric labels, independent of the human strings
 * of probe_result_str(), which may be reworded. */
static const char *const result_keys[PROBE_RESULT_MAX] = {
	[PROBE_OK] = "ok",
	[PROBE_TIMEOUT] = "timeout",
	[PROBE_REFUSED] = "refused",
	[PROBE_RCODE] = "rcode",
	[PROBE_NOT_AUTH] = "not_authoritative",
	[PROBE_NO_ANSWER] = "no_answer",
	[PROBE_MALFORMED] = "malformed",
	[PROBE_TRUNCATED] = "truncated",
	[PROBE_SOCKET_ERROR] = "socket_error",
};
_Static_assert(PROBE_RESULT_MAX == 9, "update result_keys for new results");

/* Probe latency bucket bounds: a local DNS server answers in well under a
 * millisecond; timeouts are hundreds of milliseconds. */
static const uint64_t bucket_le_us[STATUS_LAT_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 500000,
	UINT64_MAX
};

const char *
status_state_str(enum status_state s)
{
	return (unsigned)s < STATUS_STATE_MAX ? state_names[s] : "unknown";
}

const char *
status_reason_key(enum status_reason r)
{
	return (unsigned)r < STATUS_REASON_MAX ? reason_keys[r] : "unknown";
}

const char *
status_result_key(enum probe_result r)
{
	return (unsigned)r < PROBE_RESULT_MAX ? result_keys[r] : "unknown";
}

uint64_t
status_bucket_le_us(int i)
{
	return i >= 0 && i < STATUS_LAT_BUCKETS ? bucket_le_us[i] : UINT64_MAX;
}

static void
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= dstlen)
		n = dstlen - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void
status_init(struct status *s, const char *version, pid_t pid, uint64_t now_us)
{
	memset(s, 0, sizeof(*s));
	s->version = version;
	s->pid = pid;
	s->started_us = now_us;
	s->since_us = now_us;
}

void
status_set_probe(struct status *s, int i, const char *name, const char *target)
{
	struct status_probe keep, *p;
	int j;

	if (i < 0 || i >= STATUS_MAX_PROBES)
		return;
	p = &s->probes[i];
	if (strcmp(p->name, name) != 0) {
		memset(&keep, 0, sizeof(keep));
		/* A probe that moved in the list keeps its counters. */
		for (j = 0; j < s->nprobes; j++)
			if (strcmp(s->probes[j].name, name) == 0) {
				keep = s->probes[j];
				break;
			}
		/* Its old slot may be read later in this reload; keep the
		 * swap symmetric so no counter is lost or duplicated. */
		if (j < s->nprobes)
			s->probes[j] = *p;
		*p = keep;
		copy_str(p->name, sizeof(p->name), name);
	}
	copy_str(p->target, sizeof(p->target), target);
}

void
status_set_nprobes(struct status *s, int n)
{
	int i;

	if (n > STATUS_MAX_PROBES)
		n = STATUS_MAX_PROBES;
	for (i = n; i < STATUS_MAX_PROBES; i++)
		memset(&s->probes[i], 0, sizeof(s->probes[i]));
	s->nprobes = n;
}

void
status_probe_record(struct status *s, int i, enum probe_result r,
    uint64_t latency_us, const char *detail, uint64_t now_us)
{
	struct status_probe *p;
	int b;

	if (i < 0 || i >= s->nprobes || (unsigned)r >= PROBE_RESULT_MAX)
		return;
	p = &s->probes[i];
	p->ran = true;
	p->last = r;
	p->latency_us = latency_us;
	p->at_us = now_us;
	copy_str(p->detail, sizeof(p->detail), detail);
	p->results[r]++;
	for (b = 0; b < STATUS_LAT_BUCKETS - 1; b++)
		if (latency_us <= bucket_le_us[b])
			break;
	p->buckets[b]++;
	p->lat_sum_us += latency_us;
	p->lat_count++;
}

void
status_cycle_done(struct status *s, bool good, uint64_t start_us,
    uint64_t end_us)
{
	s->cycles++;
	s->cycle_good = good;
	s->cycle_at_us = end_us;
	s->cycle_dur_us = end_us >= start_us ? end_us - start_us : 0;
}

void
status_transition(struct status *s, enum status_state st,
    enum status_reason r, const char *text, uint64_t now_us)
{
	s->state = st;
	s->since_us = now_us;
	copy_str(s->reason, sizeof(s->reason), text);
	if ((unsigned)r < STATUS_REASON_MAX)
		s->transitions[r]++;
}

bool
status_withdrawn(const struct status *s, char *why, size_t whylen)
{
	char w[192];

	if (s->link == NL_UP) {
		snprintf(why, whylen, "%s is still up",
		    s->ifname[0] ? s->ifname : "the interface");
		return false;
	}
	if (s->bird_socket == NULL) {
		snprintf(why, whylen, "%s is %s; BIRD not configured, "
		    "only the link was checked", s->ifname,
		    nl_state_str(s->link));
		return true;
	}
	if (s->bird == NULL || s->bird->polled_us == 0 ||
	    s->bird->polled_us < s->since_us) {
		snprintf(why, whylen, "waiting for a BIRD poll after the "
		    "withdrawal");
		return false;
	}
	if (!s->bird->reachable) {
		snprintf(why, whylen, "BIRD unreachable: %s", s->bird->error);
		return false;
	}
	if (bird_view_exports(s->bird, w, sizeof(w))) {
		snprintf(why, whylen, "%s", w);
		return false;
	}
	snprintf(why, whylen, "%s is %s and BIRD exports no anycast prefix",
	    s->ifname, nl_state_str(s->link));
	return true;
}

/* ---- helpers for both renderers ---- */

static const struct {
	unsigned	 flag;
	const char	*name;
} if_flags[] = {
	{ IFF_UP, "UP" }, { IFF_BROADCAST, "BROADCAST" },
	{ IFF_LOOPBACK, "LOOPBACK" }, { IFF_POINTOPOINT, "POINTOPOINT" },
	{ IFF_NOARP, "NOARP" }, { IFF_MULTICAST, "MULTICAST" },
	{ IFF_RUNNING, "LOWER_UP" },
};

/* "850us", "1.2ms", "3.4s", "5m07s", "2h03m", "3d04h" */
static void
fmt_dur(char *buf, size_t len, uint64_t us)
{
	uint64_t s = us / 1000000u;

	if (us < 1000)
		snprintf(buf, len, "%" PRIu64 "us", us);
	else if (us < 1000000)
		snprintf(buf, len, "%.1fms", (double)us / 1000.0);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", (double)us / 1e6);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
		    s % 86400 / 3600);
}

static uint64_t
age(const struct status_clock *c, uint64_t mono_us)
{
	return c->mono_us > mono_us ? c->mono_us - mono_us : 0;
}

/* Wall time of a monotonic instant, in microseconds. */
static int64_t
wall_of(const struct status_clock *c, uint64_t mono_us)
{
	return c->wall_us - (int64_t)age(c, mono_us);
}

static void
fmt_wall(char *buf, size_t len, int64_t wall_s)
{
	struct tm tm;
	time_t t = (time_t)wall_s;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "@%" PRId64, wall_s);
}

/* ---- text ---- */

/* Free text from outside (a drain reason, BIRD's error) on one line: a
 * control character would break the layout or the terminal. */
static void
put_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

int
status_render_text(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	char d1[32], d2[32], w[32], why[192];
	const struct status_probe *p;
	const struct bird_view *v = s->bird;
	size_t i;
	int j, k, n;

	fmt_dur(d1, sizeof(d1), age(c, s->started_us));
	fprintf(f, "anycastd %s, pid %d, up %s\n", s->version ? s->version : "?",
	    (int)s->pid, d1);
	fmt_dur(d1, sizeof(d1), age(c, s->since_us));
	fmt_wall(w, sizeof(w), wall_of(c, s->since_us) / 1000000);
	fprintf(f, "State:       %s for %s (since %s)\n",
	    status_state_str(s->state), d1, w);
	fputs("Reason:      ", f);
	put_text(f, s->reason[0] ? s->reason : "-");
	fputc('\n', f);
	fprintf(f, "Interface:   %s", s->ifname[0] ? s->ifname : "?");
	if (s->link == NL_ABSENT)
		fprintf(f, " absent\n");
	else {
		fprintf(f, " (index %d) %s <", s->ifindex, nl_state_str(s->link));
		for (i = 0, n = 0; i < sizeof(if_flags) / sizeof(if_flags[0]); i++)
			if (s->ifflags & if_flags[i].flag)
				fprintf(f, "%s%s", n++ ? "," : "", if_flags[i].name);
		fprintf(f, "> %s\n", s->addrs[0] ? s->addrs : "no address");
	}
	fprintf(f, "Health:      good %d/%d (rise), bad %d/%d (fall)",
	    s->good, s->rise, s->bad, s->fall);
	if (s->hold_remaining_us > 0) {
		fmt_dur(d1, sizeof(d1), s->hold_remaining_us);
		fprintf(f, ", hold-down %s left", d1);
	}
	fprintf(f, "%s\n", s->pending ? ", change pending" : "");
	fmt_dur(d1, sizeof(d1), s->pending ? s->fast_interval_us : s->interval_us);
	if (s->cycles == 0)
		fprintf(f, "Cycles:      none yet, every %s\n", d1);
	else {
		fmt_dur(d2, sizeof(d2), age(c, s->cycle_at_us));
		fmt_dur(w, sizeof(w), s->cycle_dur_us);
		fprintf(f, "Cycles:      %" PRIu64 ", every %s, last %s ago "
		    "(%s, took %s)\n", s->cycles, d1, d2,
		    s->cycle_good ? "good" : "bad", w);
	}
	if (s->drain.drained) {
		fmt_wall(w, sizeof(w), s->drain.since);
		if (s->drain.corrupt)
			fputs("Drain:       yes: ", f);
		else
			fprintf(f, "Drain:       yes, since %s by uid %u pid %d: ",
			    w, (unsigned)s->drain.uid, (int)s->drain.pid);
		put_text(f, s->drain.reason[0] ? s->drain.reason :
		    "(no reason given)");
		fputc('\n', f);
	} else
		fprintf(f, "Drain:       no\n");
	fprintf(f, "Transitions:");
	for (j = 0; j < STATUS_REASON_MAX; j++)
		fprintf(f, "%s %s %" PRIu64, j ? "," : "", reason_keys[j],
		    s->transitions[j]);
	fprintf(f, "\n\n%-12s %-18s %-9s %s\n", "Probe", "Result", "Latency",
	    "Detail");
	for (j = 0; j < s->nprobes; j++) {
		p = &s->probes[j];
		if (!p->ran) {
			fprintf(f, "%-12s %-18s %-9s %s\n", p->name, "-", "-",
			    p->target);
			continue;
		}
		fmt_dur(d1, sizeof(d1), p->latency_us);
		/* The key with spaces reads well; detail has the specifics. */
		snprintf(w, sizeof(w), "%s", status_result_key(p->last));
		for (i = 0; w[i] != '\0'; i++)
			if (w[i] == '_')
				w[i] = ' ';
		fprintf(f, "%-12s %-18s %-9s %s\n", p->name, w, d1,
		    p->detail[0] ? p->detail : p->target);
	}
	if (s->bird_socket == NULL) {
		fprintf(f, "\nBIRD:        not configured\n");
		goto out;
	}
	fprintf(f, "\nBIRD:        ");
	if (v == NULL || v->polled_us == 0) {
		fprintf(f, "%s, not polled yet\n", s->bird_socket);
		goto out;
	}
	fmt_dur(d1, sizeof(d1), age(c, v->polled_us));
	if (!v->reachable) {
		fprintf(f, "%s unreachable (%s ago): ", s->bird_socket, d1);
		put_text(f, v->error);
		fputc('\n', f);
	} else
		fprintf(f, "%s %s, polled %s ago\n", s->bird_socket,
		    v->version, d1);
	if (s->bird_mismatch.flagged) {
		fmt_dur(d2, sizeof(d2), age(c, s->bird_mismatch.since_us));
		fprintf(f, "Mismatch:    YES for %s: ", d2);
		put_text(f, s->bird_mismatch.why);
		fputc('\n', f);
	} else if (!bird_view_agrees(v, s->state == STATUS_ANNOUNCED, why,
	    sizeof(why))) {
		fputs("Mismatch:    not yet (grace): ", f);
		put_text(f, why);
		fputc('\n', f);
	} else
		fprintf(f, "Mismatch:    no, BIRD agrees\n");
	if (!v->reachable)
		goto out;
	fprintf(f, "%-12s %-6s %-14s %s\n", "Protocol", "State", "Info",
	    "Exported");
	for (j = 0; j < v->nprotos; j++) {
		const struct bird_proto *bp = &v->protos[j];

		fprintf(f, "%-12s %-6s %-14s", bp->name, bp->state,
		    bp->info[0] ? bp->info : "-");
		n = 0;
		if (v->nprefixes == 0) {
			fprintf(f, " %ld route(s)", bp->routes);
			n = 1;
		}
		for (k = 0; k < v->nprefixes; k++)
			if (bp->exported & ((uint64_t)1 << k)) {
				fprintf(f, " %s", v->prefixes[k]);
				n++;
			}
		fprintf(f, "%s\n", n ? "" : " -");
	}
	if (v->nprotos == 0)
		fprintf(f, "(no BGP protocol)\n");
	if (v->truncated)
		fprintf(f, "(more BGP protocols than shown)\n");
out:
	return ferror(f) ? -1 : 0;
}

/* ---- JSON ---- */

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) ||
	    (p[0] == 0xed && p[1] >= 0xa0)))
		return 0;	/* overlong, or a UTF-16 surrogate */
	if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

/* A JSON string (RFC 8259): quotes, backslash and controls escaped; bytes
 * that are not UTF-8 become U+FFFD so the output always parses. */
static void
json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	fputc('"', f);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) == 0) {
			fputs("\\ufffd", f);
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

static void
json_key(FILE *f, int *first, const char *key)
{
	fprintf(f, "%s", *first ? "" : ",");
	*first = 0;
	json_str(f, key);
	fputc(':', f);
}

static void
json_secs(FILE *f, uint64_t us)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
}

static void
json_wall(FILE *f, int64_t wall_us)
{
	if (wall_us < 0)
		wall_us = 0;
	json_secs(f, (uint64_t)wall_us);
}

static void
json_words(FILE *f, const char *list)
{
	const char *p = list, *e;
	char w[128];
	int first = 1;

	fputc('[', f);
	if (p == NULL)
		p = "";
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(w, sizeof(w), "%.*s", (int)(e - p), p);
		fprintf(f, "%s", first ? "" : ",");
		first = 0;
		json_str(f, w);
		p = e;
	}
	fputc(']', f);
}

static void
json_bird(const struct status *s, const struct status_clock *c, FILE *f)
{
	const struct bird_view *v = s->bird;
	char why[192];
	int first = 1, j, k, n;
	bool agrees;

	if (s->bird_socket == NULL) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	json_key(f, &first, "socket");
	json_str(f, s->bird_socket);
	json_key(f, &first, "polled");
	fputs(v != NULL && v->polled_us != 0 ? "true" : "false", f);
	if (v == NULL || v->polled_us == 0) {
		fputc('}', f);
		return;
	}
	json_key(f, &first, "reachable");
	fputs(v->reachable ? "true" : "false", f);
	json_key(f, &first, "error");
	if (v->reachable)
		fputs("null", f);
	else
		json_str(f, v->error);
	json_key(f, &first, "version");
	json_str(f, v->version);
	json_key(f, &first, "age_seconds");
	json_secs(f, age(c, v->polled_us));
	json_key(f, &first, "prefixes");
	fputc('[', f);
	for (k = 0; k < v->nprefixes; k++) {
		fputs(k ? "," : "", f);
		json_str(f, v->prefixes[k]);
	}
	fputc(']', f);
	json_key(f, &first, "protocols");
	fputc('[', f);
	for (j = 0; j < v->nprotos; j++) {
		const struct bird_proto *bp = &v->protos[j];
		int pf = 1;

		fputs(j ? ",{" : "{", f);
		json_key(f, &pf, "name");
		json_str(f, bp->name);
		json_key(f, &pf, "state");
		json_str(f, bp->state);
		json_key(f, &pf, "info");
		json_str(f, bp->info);
		json_key(f, &pf, "established");
		fputs(bp->established ? "true" : "false", f);
		json_key(f, &pf, "exported");
		fputc('[', f);
		for (k = 0, n = 0; k < v->nprefixes; k++)
			if (bp->exported & ((uint64_t)1 << k)) {
				fputs(n++ ? "," : "", f);
				json_str(f, v->prefixes[k]);
			}
		fputc(']', f);
		json_key(f, &pf, "routes");
		if (v->nprefixes == 0)
			fprintf(f, "%ld", bp->routes);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputc(']', f);
	json_key(f, &first, "truncated");
	fputs(v->truncated ? "true" : "false", f);
	agrees = bird_view_agrees(v, s->state == STATUS_ANNOUNCED, why,
	    sizeof(why));
	json_key(f, &first, "agrees");
	fputs(agrees ? "true" : "false", f);
	json_key(f, &first, "disagreement");
	if (agrees)
		fputs("null", f);
	else
		json_str(f, why);
	json_key(f, &first, "mismatch");
	fputs(s->bird_mismatch.flagged ? "true" : "false", f);
	json_key(f, &first, "mismatch_seconds");
	if (s->bird_mismatch.flagged)
		json_secs(f, age(c, s->bird_mismatch.since_us));
	else
		fputs("null", f);
	fputc('}', f);
}

int
status_render_json(const struct status *s, const struct status_clock *c,
    FILE *f)
{
	const struct status_probe *p;
	char why[256];
	size_t i;
	int first = 1, sub, j, r, n;
	bool done;

	fputc('{', f);
	json_key(f, &first, "version");
	fputs("1", f);
	json_key(f, &first, "anycastd");
	json_str(f, s->version);
	json_key(f, &first, "pid");
	fprintf(f, "%d", (int)s->pid);
	json_key(f, &first, "time");
	json_wall(f, c->wall_us);
	json_key(f, &first, "uptime_seconds");
	json_secs(f, age(c, s->started_us));
	json_key(f, &first, "state");
	json_str(f, status_state_str(s->state));
	json_key(f, &first, "since");
	json_wall(f, wall_of(c, s->since_us));
	json_key(f, &first, "for_seconds");
	json_secs(f, age(c, s->since_us));
	json_key(f, &first, "reason");
	json_str(f, s->reason);

	json_key(f, &first, "interface");
	sub = 1;
	fputc('{', f);
	json_key(f, &sub, "name");
	json_str(f, s->ifname);
	json_key(f, &sub, "index");
	fprintf(f, "%d", s->ifindex);
	json_key(f, &sub, "state");
	json_str(f, nl_state_str(s->link));
	json_key(f, &sub, "flags");
	fputc('[', f);
	for (i = 0, n = 0; i < sizeof(if_flags) / sizeof(if_flags[0]); i++)
		if (s->link != NL_ABSENT && (s->ifflags & if_flags[i].flag)) {
			fputs(n++ ? "," : "", f);
			json_str(f, if_flags[i].name);
		}
	fputc(']', f);
	json_key(f, &sub, "addresses");
	json_words(f, s->addrs);
	fputc('}', f);

	json_key(f, &first, "health");
	sub = 1;
	fputc('{', f);
	json_key(f, &sub, "rise");
	fprintf(f, "%d", s->rise);
	json_key(f, &sub, "fall");
	fprintf(f, "%d", s->fall);
	json_key(f, &sub, "good");
	fprintf(f, "%d", s->good);
	json_key(f, &sub, "bad");
	fprintf(f, "%d", s->bad);
	json_key(f, &sub, "pending");
	fputs(s->pending ? "true" : "false", f);
	json_key(f, &sub, "interval_seconds");
	json_secs(f, s->interval_us);
	json_key(f, &sub, "fast_interval_seconds");
	json_secs(f, s->fast_interval_us);
	json_key(f, &sub, "hold_down_seconds");
	json_secs(f, s->hold_down_us);
	json_key(f, &sub, "hold_down_remaining_seconds");
	json_secs(f, s->hold_remaining_us);
	fputc('}', f);

	json_key(f, &first, "cycles");
	sub = 1;
	fputc('{', f);
	json_key(f, &sub, "count");
	fprintf(f, "%" PRIu64, s->cycles);
	json_key(f, &sub, "last");
	if (s->cycles)
		json_wall(f, wall_of(c, s->cycle_at_us));
	else
		fputs("null", f);
	json_key(f, &sub, "last_age_seconds");
	if (s->cycles)
		json_secs(f, age(c, s->cycle_at_us));
	else
		fputs("null", f);
	json_key(f, &sub, "duration_seconds");
	json_secs(f, s->cycle_dur_us);
	json_key(f, &sub, "good");
	fputs(s->cycles && s->cycle_good ? "true" : "false", f);
	fputc('}', f);

	json_key(f, &first, "probes");
	fputc('[', f);
	for (j = 0; j < s->nprobes; j++) {
		p = &s->probes[j];
		sub = 1;
		fputs(j ? ",{" : "{", f);
		json_key(f, &sub, "name");
		json_str(f, p->name);
		json_key(f, &sub, "target");
		json_str(f, p->target);
		json_key(f, &sub, "result");
		if (p->ran)
			json_str(f, status_result_key(p->last));
		else
			fputs("null", f);
		json_key(f, &sub, "detail");
		json_str(f, p->detail);
		json_key(f, &sub, "latency_seconds");
		if (p->ran)
			json_secs(f, p->latency_us);
		else
			fputs("null", f);
		json_key(f, &sub, "age_seconds");
		if (p->ran)
			json_secs(f, age(c, p->at_us));
		else
			fputs("null", f);
		json_key(f, &sub, "results");
		fputc('{', f);
		for (r = 0; r < PROBE_RESULT_MAX; r++)
			fprintf(f, "%s\"%s\":%" PRIu64, r ? "," : "",
			    result_keys[r], p->results[r]);
		fputc('}', f);
		fputc('}', f);
	}
	fputc(']', f);

	json_key(f, &first, "transitions");
	fputc('{', f);
	for (j = 0; j < STATUS_REASON_MAX; j++)
		fprintf(f, "%s\"%s\":%" PRIu64, j ? "," : "", reason_keys[j],
		    s->transitions[j]);
	fputc('}', f);

	json_key(f, &first, "drain");
	sub = 1;
	fputc('{', f);
	json_key(f, &sub, "drained");
	fputs(s->drain.drained ? "true" : "false", f);
	json_key(f, &sub, "reason");
	if (s->drain.drained)
		json_str(f, s->drain.reason);
	else
		fputs("null", f);
	json_key(f, &sub, "uid");
	if (s->drain.drained && !s->drain.corrupt)
		fprintf(f, "%u", (unsigned)s->drain.uid);
	else
		fputs("null", f);
	json_key(f, &sub, "pid");
	if (s->drain.drained && !s->drain.corrupt)
		fprintf(f, "%d", (int)s->drain.pid);
	else
		fputs("null", f);
	json_key(f, &sub, "since");
	if (s->drain.drained && !s->drain.corrupt)
		fprintf(f, "%" PRId64, s->drain.since);
	else
		fputs("null", f);
	json_key(f, &sub, "corrupt");
	fputs(s->drain.corrupt ? "true" : "false", f);
	fputc('}', f);

	json_key(f, &first, "bird");
	json_bird(s, c, f);

	done = status_withdrawn(s, why, sizeof(why));
	json_key(f, &first, "withdrawn");
	sub = 1;
	fputc('{', f);
	json_key(f, &sub, "complete");
	fputs(done ? "true" : "false", f);
	json_key(f, &sub, "detail");
	json_str(f, why);
	fputc('}', f);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}
