/* Table tests for the zone freshness policy (agent/fresh.c): RFC 1982
 * serial comparison at its edges, the lag clock counted from when the
 * primary was first seen ahead, missing zones, the primary unreachable
 * (verdicts kept, the lag clock restarted) except for EXPIRE, the primary
 * behind, max_stale as a count and as a percentage rounded down, and a
 * reload's merge of the zone list. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fresh.h"

CHECK_STATE;

#define MS	UINT64_C(1000)
#define T0	(UINT64_C(1000000) * 1000)	/* a monotonic clock well past 0 */

static const struct {
	uint32_t a, b;
	int want;
} serials[] = {
	{ 0, 0, 0 },
	{ 1, 2, -1 },
	{ 2, 1, 1 },
	{ 0xffffffffu, 0, -1 },		/* wraps: 0 follows 2^32 - 1 */
	{ 0, 0xffffffffu, 1 },
	{ 0xfffffff0u, 5, -1 },
	{ 0, 0x7fffffffu, -1 },		/* 2^31 - 1 apart: still defined */
	{ 0x7fffffffu, 0, 1 },
	{ 0, 0x80000000u, FRESH_UNDEFINED },	/* 2^31 apart: undefined */
	{ 0x80000000u, 0, FRESH_UNDEFINED },
	{ 1, 0x80000001u, FRESH_UNDEFINED },
	{ 0, 0x80000001u, 1 },		/* 2^31 + 1 ahead is behind */
	{ 2026120101u, 2026120103u, -1 },
};

/* One round of one zone: what each server said, and what must follow. */
enum o { NONE, OK, MISS, FAIL };
struct step {
	uint64_t	 t_ms;
	enum o		 local;
	uint32_t	 lserial;
	enum o		 prim;
	uint32_t	 pserial;
	enum fresh_state want;
	unsigned	 ev;		/* FRESH_EV_* that must be set */
	int		 up;		/* the primary's reachability: -1 down */
};

struct zcase {
	const char	*name;
	uint64_t	 max_lag_ms;
	uint32_t	 expire_s;
	struct step	 steps[12];
};

#define F FRESH_FRESH
#define S FRESH_STALE
#define M FRESH_MISSING
#define U FRESH_UNKNOWN
#define CH FRESH_EV_CHANGED
#define BH FRESH_EV_BEHIND
#define EX FRESH_EV_EXPIRED
#define END { UINT64_MAX, NONE, 0, NONE, 0, U, 0, 0 }

static const struct zcase zcases[] = {
	{ "equal serials are fresh", 2000, 0, {
		{ 0, OK, 7, OK, 7, F, CH, 0 },
		{ 1000, OK, 7, OK, 7, F, 0, 0 },
		END } },
	{ "behind: fresh up to max_lag, stale after", 2000, 0, {
		{ 0, OK, 1, OK, 2, F, CH, 0 },
		{ 1000, OK, 1, OK, 2, F, 0, 0 },
		{ 2000, OK, 1, OK, 2, F, 0, 0 },	/* = max_lag */
		{ 2001, OK, 1, OK, 2, S, CH, 0 },
		{ 2500, OK, 1, OK, 3, S, 0, 0 },	/* bumped again */
		{ 3000, OK, 3, OK, 3, F, CH, 0 },	/* caught up */
		END } },
	{ "lag from first seen ahead, not from the serial gap", 2000, 0, {
		{ 0, OK, 1, OK, 2, F, CH, 0 },
		{ 1000, OK, 2, OK, 3, F, 0, 0 },	/* moving, never level */
		{ 2000, OK, 3, OK, 4, F, 0, 0 },
		{ 2100, OK, 4, OK, 5, S, CH, 0 },
		{ 2200, OK, 5, OK, 5, F, CH, 0 },
		{ 2300, OK, 5, OK, 6, F, 0, 0 },	/* a new clock */
		{ 4301, OK, 5, OK, 6, S, CH, 0 },
		END } },
	{ "max_lag 0: stale at the second look", 0, 0, {
		{ 0, OK, 1, OK, 2, F, CH, 0 },
		{ 1, OK, 1, OK, 2, S, CH, 0 },
		END } },
	{ "wrap: 2^32-1 is behind 1; 5 is ahead of 2^32-2", 1000, 0, {
		{ 0, OK, 0xffffffffu, OK, 1, F, CH, 0 },
		{ 1001, OK, 0xffffffffu, OK, 1, S, CH, 0 },
		{ 2000, OK, 5, OK, 0xfffffffeu, F, CH | BH, 0 },
		END } },
	{ "2^31 apart: undefined, counted as behind", 1000, 0, {
		{ 0, OK, 0, OK, 0x80000000u, F, CH, 0 },
		{ 1001, OK, 0, OK, 0x80000000u, S, CH, 0 },
		END } },
	{ "primary behind: a warning, never stale", 1000, 0, {
		{ 0, OK, 10, OK, 9, F, CH | BH, 0 },
		{ 5000, OK, 10, OK, 9, F, BH, 0 },
		END } },
	{ "missing, and back", 1000, 0, {
		{ 0, MISS, 0, OK, 3, M, CH, 0 },
		{ 1000, MISS, 0, OK, 3, M, 0, 0 },
		{ 2000, OK, 3, OK, 3, F, CH, 0 },
		END } },
	{ "missing while the primary is unreachable", 1000, 0, {
		{ 0, OK, 3, OK, 3, F, CH, 0 },
		{ 1000, OK, 3, FAIL, 0, F, 0, -1 },
		{ 2000, MISS, 0, FAIL, 0, M, CH, -1 },
		{ 3000, OK, 3, FAIL, 0, F, CH, -1 },	/* as last seen */
		END } },
	{ "unreachable: verdicts kept, the lag clock restarts", 2000, 0, {
		{ 0, OK, 1, OK, 2, F, CH, 0 },
		{ 1000, OK, 1, FAIL, 0, F, 0, -1 },
		{ 5000, OK, 1, FAIL, 0, F, 0, -1 },	/* past max_lag */
		{ 6000, OK, 1, OK, 2, F, 0, 1 },	/* clock from here */
		{ 8000, OK, 1, OK, 2, F, 0, 0 },
		{ 8001, OK, 1, OK, 2, S, CH, 0 },
		{ 9000, OK, 1, FAIL, 0, S, 0, -1 },	/* stale stays */
		END } },
	{ "unreachable past EXPIRE: stale", 1000, 10, {
		{ 0, OK, 4, OK, 4, F, CH, 0 },
		{ 5000, OK, 4, FAIL, 0, F, 0, -1 },
		{ 10000, OK, 4, FAIL, 0, F, 0, -1 },	/* = EXPIRE */
		{ 10001, OK, 4, FAIL, 0, S, CH | EX, -1 },
		{ 11000, OK, 4, OK, 4, F, CH, 1 },
		END } },
	{ "not asked (a local sweep): the last answer counts", 1000, 0, {
		{ 0, OK, 1, OK, 2, F, CH, 0 },
		{ 500, OK, 2, NONE, 0, F, 0, 0 },
		{ 600, OK, 2, NONE, 0, F, 0, 0 },
		END } },
	{ "a local timeout keeps the verdict", 1000, 0, {
		{ 0, OK, 1, OK, 1, F, CH, 0 },
		{ 1000, FAIL, 0, OK, 2, F, 0, 0 },
		END } },
};

static void
obs(struct fresh_obs *o, enum o kind, uint32_t serial, uint32_t expire)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind == OK ? FRESH_OBS_OK : kind == MISS ?
	    FRESH_OBS_MISSING : kind == FAIL ? FRESH_OBS_FAILED :
	    FRESH_OBS_NONE;
	o->serial = serial;
	o->expire = expire;
	snprintf(o->why, sizeof(o->why), "%s", kind == MISS ? "rcode REFUSED" :
	    "timeout after 2000ms");
}

static void
run_zcase(const struct zcase *c)
{
	struct fresh_params p = { c->max_lag_ms * MS, 0, false };
	char *names[] = { "z.test." };
	struct fresh *f = fresh_new(&p);
	struct fresh_obs l, pr;
	unsigned ev;
	int up;

	CHECK(f != NULL && fresh_set_zones(f, names, 1, T0) == 0);
	for (const struct step *s = c->steps; s->t_ms != UINT64_MAX; s++) {
		uint64_t now = T0 + s->t_ms * MS;

		obs(&l, s->local, s->lserial, c->expire_s);
		obs(&pr, s->prim, s->pserial, 0);
		up = 0;
		if (s->prim == OK || s->prim == FAIL)
			up = fresh_primary_seen(f, s->prim == OK,
			    "timeout after 2000ms", now);
		ev = fresh_judge(f, 0, &l, &pr, now);
		CHECKF(fresh_zone(f, 0)->state == s->want,
		    "%s, t=%llu ms: state %s, want %s", c->name,
		    (unsigned long long)s->t_ms,
		    fresh_state_str(fresh_zone(f, 0)->state),
		    fresh_state_str(s->want));
		CHECKF((ev & s->ev) == s->ev && !(ev & CH && !(s->ev & CH)),
		    "%s, t=%llu ms: events 0x%x, want 0x%x", c->name,
		    (unsigned long long)s->t_ms, ev, s->ev);
		CHECKF(s->up == 0 || up == s->up || (s->up == -1 &&
		    !fresh_primary_up(f)), "%s, t=%llu ms: primary %d", c->name,
		    (unsigned long long)s->t_ms, up);
		CHECKF(fresh_count(f, s->want) == 1, "%s: counts", c->name);
	}
	fresh_free(f);
}

/* max_stale: allowed stale zones of n, and failing only above it. */
static const struct {
	uint32_t max_stale;
	bool	 pct;
	int	 nzones, allowed;
} stale_cases[] = {
	{ 0, false, 10, 0 },
	{ 3, false, 10, 3 },
	{ 100, true, 150, 1 },		/* 1% of 150 = 1.5: 1 */
	{ 100, true, 99, 0 },		/* 0.99: 0 */
	{ 100, true, 100, 1 },
	{ 50, true, 1000, 5 },		/* 0.5% */
	{ 50, true, 199, 0 },		/* 0.995: 0 */
	{ 3333, true, 3, 0 },		/* 33.33% of 3 = 0.9999 */
	{ 3334, true, 3, 1 },
	{ 10000, true, 7, 7 },		/* 100% */
	{ 1, true, 10000, 1 },		/* 0.01% of 10,000 */
};

static void
test_max_stale(void)
{
	char name[32], *names[1000], reason[512];
	struct fresh_obs l, pr;

	for (size_t k = 0; k < sizeof(stale_cases) / sizeof(stale_cases[0]);
	    k++) {
		struct fresh_params p = { 0, stale_cases[k].max_stale,
		    stale_cases[k].pct };
		int n = stale_cases[k].nzones > 1000 ? 1000 :
		    stale_cases[k].nzones, want = stale_cases[k].allowed;
		struct fresh *f = fresh_new(&p);

		if (stale_cases[k].nzones > 1000) {
			/* fresh_allowed() only needs the count. */
			n = 0;
		}
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "z%04d.test.", i);
			names[i] = strdup(name);
		}
		CHECK(fresh_set_zones(f, names, n, T0) == 0);
		if (stale_cases[k].nzones > 1000) {
			fresh_free(f);
			CHECK((uint64_t)stale_cases[k].nzones *
			    stale_cases[k].max_stale / 10000u == (uint64_t)want);
			continue;
		}
		CHECKF(fresh_allowed(f) == want, "max_stale %u%s of %d: %d, "
		    "want %d", stale_cases[k].max_stale, stale_cases[k].pct ?
		    "bp" : "", n, fresh_allowed(f), want);
		/* Missing counts as stale: make zones missing one by one. */
		obs(&l, MISS, 0, 0);
		obs(&pr, OK, 1, 0);
		for (int i = 0; i < n && i <= want + 1; i++) {
			CHECKF(fresh_failing(f, T0, reason, sizeof(reason)) ==
			    (i > want), "%d of %d stale, %d allowed", i, n, want);
			(void)fresh_judge(f, i, &l, &pr, T0);
		}
		for (int i = 0; i < n; i++)
			free(names[i]);
		fresh_free(f);
	}
}

static void
test_reload_merge(void)
{
	struct fresh_params p = { 1000 * MS, 0, false };
	char *v1[] = { "a.test.", "b.test.", "c.test." };
	char *v2[] = { "b.test.", "d.test." };
	struct fresh *f = fresh_new(&p);
	struct fresh_obs l, pr;
	char reason[512];
	int b;

	CHECK(fresh_set_zones(f, v1, 3, T0) == 0);
	obs(&l, OK, 1, 0);
	obs(&pr, OK, 2, 0);
	(void)fresh_judge(f, 1, &l, &pr, T0);
	(void)fresh_judge(f, 1, &l, &pr, T0 + 1500 * MS);
	obs(&pr, OK, 1, 0);
	(void)fresh_judge(f, 0, &l, &pr, T0);
	CHECK(fresh_zone(f, 1)->state == FRESH_STALE);
	CHECK(fresh_count(f, FRESH_FRESH) == 1 &&
	    fresh_count(f, FRESH_UNKNOWN) == 1);
	CHECK(fresh_set_zones(f, v2, 2, T0 + 2000 * MS) == 0);
	CHECK(fresh_nzones(f) == 2);
	CHECK(fresh_find(f, "a.test.") == -1 && fresh_find(f, "c.test.") == -1);
	CHECK((b = fresh_find(f, "b.test.")) == 0);
	CHECK(fresh_find(f, "d.test.") == 1);
	/* Where a round resumes after a reload dropped its next zone. */
	CHECK(fresh_lower_bound(f, "a.test.") == 0);
	CHECK(fresh_lower_bound(f, "b.test.") == 0);
	CHECK(fresh_lower_bound(f, "c.test.") == 1);
	CHECK(fresh_lower_bound(f, "z.test.") == 2);
	CHECK(fresh_zone(f, b)->state == FRESH_STALE);
	CHECK(fresh_zone(f, b)->local == 1 && fresh_zone(f, b)->primary == 2);
	CHECK(fresh_zone(f, b)->ahead_since == T0);
	CHECK(fresh_zone(f, 1)->state == FRESH_UNKNOWN);
	CHECK(fresh_count(f, FRESH_STALE) == 1 &&
	    fresh_count(f, FRESH_UNKNOWN) == 1 &&
	    fresh_count(f, FRESH_FRESH) == 0);
	CHECK(fresh_failing(f, T0 + 6 * 60 * 1000 * MS + 12 * 1000 * MS,
	    reason, sizeof(reason)));
	CHECKF(strcmp(reason, "1 zone stale: b.test (serial 1 < 2 for "
	    "6m12s)") == 0, "reason \"%s\"", reason);
	CHECK(fresh_lag_max_us(f, T0 + 5000 * MS) == 5000 * MS);
	fresh_free(f);
}

static void
test_primary_reachability(void)
{
	struct fresh_params p = { 0, 0, false };
	char *v[] = { "a.", "b.", "c.", "d." }, *one[] = { "a." };
	struct fresh *f = fresh_new(&p);

	CHECK(fresh_set_zones(f, v, 4, T0) == 0);
	CHECK(fresh_primary_up(f));
	CHECK(fresh_primary_seen(f, false, "timeout", T0) == 0);
	CHECK(fresh_primary_seen(f, false, "timeout", T0) == 0);
	CHECK(fresh_primary_seen(f, true, "", T0) == 0);	/* resets */
	CHECK(fresh_primary_seen(f, false, "timeout", T0) == 0);
	CHECK(fresh_primary_seen(f, false, "timeout", T0) == 0);
	CHECK(fresh_primary_seen(f, false, "refused", T0 + 1) == -1);
	CHECK(!fresh_primary_up(f) && fresh_primary_since(f) == T0 + 1);
	CHECK(strcmp(fresh_primary_why(f), "refused") == 0);
	CHECK(fresh_primary_seen(f, false, "timeout", T0) == 0);	/* once */
	CHECK(fresh_primary_seen(f, true, "", T0 + 2) == 1);
	CHECK(fresh_primary_seen(f, true, "", T0 + 3) == 0);
	/* With one zone, one failure is all there is to go by. */
	CHECK(fresh_set_zones(f, one, 1, T0) == 0);
	CHECK(fresh_primary_seen(f, false, "timeout", T0) == -1);
	fresh_free(f);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(serials) / sizeof(serials[0]); i++)
		CHECKF(fresh_serial_cmp(serials[i].a, serials[i].b) ==
		    serials[i].want, "cmp(%u, %u) = %d, want %d", serials[i].a,
		    serials[i].b, fresh_serial_cmp(serials[i].a, serials[i].b),
		    serials[i].want);
	for (size_t i = 0; i < sizeof(zcases) / sizeof(zcases[0]); i++)
		run_zcase(&zcases[i]);
	test_max_stale();
	test_reload_merge();
	test_primary_reachability();
	return CHECK_REPORT("test_fresh");
}
