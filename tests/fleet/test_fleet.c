/* Table tests for the fleet policy (agent/fleet.c), in two parts:
 *
 * - one node, fed what it would know at each step, with the target and the
 *   reason it must give;
 * - a simulated fleet of nodes, each running its own policy on a view of the
 *   others that lags by the propagation delay (iBGP plus a BIRD poll), to
 *   show the properties the guard exists for: a single sick node leaves; a
 *   fleet-wide failure never empties the fleet; nodes failing one after
 *   another leave one by one, and come back when the last one degrades. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fleet.h"

CHECK_STATE;

#define MS	UINT64_C(1000)

enum op { STEP, END };

struct in {
	int		healthy, drained, refused, known, peers;
};

struct step {
	enum op		 op;
	uint64_t	 t_ms;
	struct in	 in;
	enum fleet_target target;
	enum fleet_why	 why;
};

struct tcase {
	const char		*name;
	struct fleet_params	 p;		/* times in ms here */
	enum fleet_target	 start;
	struct step		 steps[16];
};

#define A FLEET_ANNOUNCED
#define D FLEET_DEGRADED
#define W FLEET_WITHDRAWN
/* healthy, drained, refused, known, healthy peers */
#define OK	{ 1, 0, 0, 1, 2 }
#define SICK(n)	{ 0, 0, 0, 1, (n) }
#define DEAD(n)	{ 0, 0, 1, 1, (n) }
#define BLIND	{ 0, 0, 0, 0, 0 }
#define DRAIN(n) { 1, 1, 0, 1, (n) }

/* graceful, guard, min_healthy, confirm, graceful_time, unknown_withdraw */
#define GUARD	{ true, true, 1, 2000, 5000, false }
static const struct tcase cases[] = {
	{ "no graceful link: withdrawn at once, as before",
	  { false, false, 1, 2000, 5000, false }, A, {
		{ STEP, 0, SICK(2), W, FLEET_WHY_FAILED },
		{ STEP, 100, OK, A, FLEET_WHY_HEALTHY },
		{ END, 0, OK, A, 0 } } },
	{ "graceful, no fleet: degrade, then withdraw after graceful_time",
	  { true, false, 1, 2000, 5000, false }, A, {
		{ STEP, 0, SICK(0), D, FLEET_WHY_LANDING },
		{ STEP, 4999, SICK(0), D, FLEET_WHY_LANDING },
		{ STEP, 5000, SICK(0), W, FLEET_WHY_LANDED },
		{ STEP, 6000, OK, A, FLEET_WHY_HEALTHY },
		{ END, 0, OK, A, 0 } } },
	{ "single failure: degrade, leave after confirm with healthy peers",
	  GUARD, A, {
		{ STEP, 0, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 1999, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 2000, SICK(2), W, FLEET_WHY_LEFT },
		{ STEP, 3000, SICK(2), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
	{ "all failing at once: the peers degrade too, nobody leaves",
	  GUARD, A, {
		{ STEP, 0, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 300, SICK(0), D, FLEET_WHY_SHORT },
		{ STEP, 5000, SICK(0), D, FLEET_WHY_SHORT },
		{ STEP, 60000, SICK(0), D, FLEET_WHY_SHORT },
		{ END, 0, OK, A, 0 } } },
	{ "last node standing: no healthy peer, stays degraded",
	  GUARD, A, {
		{ STEP, 0, DEAD(0), D, FLEET_WHY_SHORT },
		{ STEP, 10000, DEAD(0), D, FLEET_WHY_SHORT },
		{ END, 0, OK, A, 0 } } },
	{ "confirm counts from our degrade, however long the peers were healthy",
	  GUARD, A, {
		{ STEP, 0, OK, A, FLEET_WHY_HEALTHY },
		{ STEP, 60000, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 60010, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 61999, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 62000, SICK(2), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
	{ "confirm counts from when peers became healthy, if after our degrade",
	  GUARD, A, {
		{ STEP, 0, SICK(0), D, FLEET_WHY_SHORT },
		{ STEP, 3000, SICK(1), D, FLEET_WHY_CONFIRMING },
		{ STEP, 4999, SICK(1), D, FLEET_WHY_CONFIRMING },
		{ STEP, 5000, SICK(1), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
	{ "a peer that flaps restarts the confirmation",
	  GUARD, A, {
		{ STEP, 0, SICK(1), D, FLEET_WHY_CONFIRMING },
		{ STEP, 1500, SICK(0), D, FLEET_WHY_SHORT },
		{ STEP, 1600, SICK(1), D, FLEET_WHY_CONFIRMING },
		{ STEP, 3500, SICK(1), D, FLEET_WHY_CONFIRMING },
		{ STEP, 3600, SICK(1), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
	{ "re-admission: left by the rule, back degraded when the fleet runs short",
	  GUARD, A, {
		{ STEP, 0, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 2000, SICK(2), W, FLEET_WHY_LEFT },
		{ STEP, 9000, SICK(0), D, FLEET_WHY_READMITTED },
		{ STEP, 9100, SICK(0), D, FLEET_WHY_SHORT },
		/* The fleet recovers: this node leaves again after confirm. */
		{ STEP, 12000, SICK(1), D, FLEET_WHY_CONFIRMING },
		{ STEP, 14000, SICK(1), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
	{ "re-admission refused: a server that refuses stays out",
	  GUARD, A, {
		{ STEP, 0, DEAD(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 2000, DEAD(2), W, FLEET_WHY_LEFT },
		{ STEP, 9000, DEAD(0), W, FLEET_WHY_STAYS_OUT },
		{ STEP, 9500, SICK(0), D, FLEET_WHY_READMITTED },
		{ END, 0, OK, A, 0 } } },
	{ "started withdrawn: not re-admitted, waits for rise",
	  GUARD, W, {
		{ STEP, 0, SICK(0), W, FLEET_WHY_FAILED },
		{ STEP, 1000, OK, A, FLEET_WHY_HEALTHY },
		{ END, 0, OK, A, 0 } } },
	{ "fleet view unknown, unknown = hold: stays degraded",
	  GUARD, A, {
		{ STEP, 0, BLIND, D, FLEET_WHY_HOLD },
		{ STEP, 60000, BLIND, D, FLEET_WHY_HOLD },
		{ STEP, 61000, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 63000, SICK(2), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
	{ "fleet view unknown, unknown = withdraw: withdraws",
	  { true, true, 1, 2000, 5000, true }, A, {
		{ STEP, 0, BLIND, W, FLEET_WHY_UNKNOWN },
		{ STEP, 1000, BLIND, W, FLEET_WHY_UNKNOWN },
		/* Known again and short: back, degraded. */
		{ STEP, 2000, SICK(0), D, FLEET_WHY_READMITTED },
		{ END, 0, OK, A, 0 } } },
	{ "drain while the fleet is short: the guard does not stop it",
	  GUARD, A, {
		{ STEP, 0, DRAIN(0), D, FLEET_WHY_LANDING },
		{ STEP, 5000, DRAIN(0), W, FLEET_WHY_DRAINED },
		{ STEP, 9000, DRAIN(0), W, FLEET_WHY_DRAINED },
		{ END, 0, OK, A, 0 } } },
	{ "drain of a degraded node: withdrawn graceful_time after its degrade",
	  GUARD, A, {
		{ STEP, 0, SICK(0), D, FLEET_WHY_SHORT },
		{ STEP, 4000, DRAIN(0), D, FLEET_WHY_LANDING },
		{ STEP, 5000, DRAIN(0), W, FLEET_WHY_DRAINED },
		{ END, 0, OK, A, 0 } } },
	{ "recovery: degraded or withdrawn, back to announced when healthy",
	  GUARD, A, {
		{ STEP, 0, SICK(0), D, FLEET_WHY_SHORT },
		{ STEP, 1000, OK, A, FLEET_WHY_HEALTHY },
		{ STEP, 2000, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 4000, SICK(2), W, FLEET_WHY_LEFT },
		{ STEP, 5000, OK, A, FLEET_WHY_HEALTHY },
		{ END, 0, OK, A, 0 } } },
	{ "min_healthy 2: one healthy peer is not enough",
	  { true, true, 2, 2000, 5000, false }, A, {
		{ STEP, 0, SICK(1), D, FLEET_WHY_SHORT },
		{ STEP, 9000, SICK(2), D, FLEET_WHY_CONFIRMING },
		{ STEP, 11000, SICK(2), W, FLEET_WHY_LEFT },
		{ END, 0, OK, A, 0 } } },
};

static void
run_case(const struct tcase *c)
{
	struct fleet_params p = c->p;
	struct fleet f;
	int i;

	p.confirm_us *= MS;
	p.graceful_us *= MS;
	fleet_init(&f, &p, c->start, 0);
	for (i = 0; c->steps[i].op != END; i++) {
		const struct step *s = &c->steps[i];
		struct fleet_input in = {
			.healthy = s->in.healthy, .drained = s->in.drained,
			.refused = s->in.refused, .known = s->in.known,
			.healthy_peers = s->in.peers,
		};
		enum fleet_target t = fleet_step(&f, &in, s->t_ms * MS);

		CHECKF(t == s->target && f.why == s->why,
		    "%s: step %d (t=%llu ms): got %s (%s), want %s (%s)",
		    c->name, i, (unsigned long long)s->t_ms,
		    fleet_target_str(t), fleet_why_key(f.why),
		    fleet_target_str(s->target), fleet_why_key(s->why));
	}
}

/* fleet_due() says when a timed change is due, so the agent can wake. */
static void
check_due(void)
{
	struct fleet_params p = { true, true, 1, 2000 * MS, 5000 * MS, false };
	struct fleet_input sick2 = { false, false, false, true, 2 };
	struct fleet_input sick0 = { false, false, false, true, 0 };
	struct fleet f;

	fleet_init(&f, &p, FLEET_ANNOUNCED, 0);
	CHECK(fleet_due(&f) == UINT64_MAX);
	(void)fleet_step(&f, &sick2, 1000 * MS);
	CHECK(fleet_due(&f) == 3000 * MS);
	(void)fleet_step(&f, &sick0, 1500 * MS);
	CHECK(fleet_due(&f) == UINT64_MAX);
	p.guard = false;
	fleet_init(&f, &p, FLEET_ANNOUNCED, 0);
	(void)fleet_step(&f, &sick0, 1000 * MS);
	CHECK(fleet_due(&f) == 6000 * MS);
}

/* --- a simulated fleet ---------------------------------------------------
 *
 * Node i's view of node j at time t is j's target at t - lag: what iBGP and
 * a BIRD poll deliver.  A node is "healthy" to the others while announced.
 * Each node steps every 10 ms. */

#define NODES	3
#define TICK	(10 * MS)
#define LAG	(300 * MS)
#define SPAN	(30000 * MS)
#define HIST	((int)(SPAN / TICK) + 1)

struct sim {
	struct fleet	 f[NODES];
	enum fleet_target hist[NODES][HIST];
	uint64_t	 fail_at[NODES];	/* UINT64_MAX: never */
	bool		 refused[NODES];
	int		 min_announced;		/* fewest nodes in the route */
	int		 withdrawals[NODES];
};

static void
sim_run(struct sim *s)
{
	struct fleet_params p = { true, true, 1, 2000 * MS, 5000 * MS, false };
	int i, j, k;

	s->min_announced = NODES;
	for (i = 0; i < NODES; i++) {
		fleet_init(&s->f[i], &p, FLEET_ANNOUNCED, 0);
		s->withdrawals[i] = 0;
	}
	for (k = 0; k < HIST; k++) {
		uint64_t now = (uint64_t)k * TICK;
		int seen = k - (int)(LAG / TICK), up = 0;

		for (i = 0; i < NODES; i++) {
			struct fleet_input in = { .known = true };
			enum fleet_target before = s->f[i].target;

			in.healthy = now < s->fail_at[i];
			in.refused = !in.healthy && s->refused[i];
			for (j = 0; j < NODES; j++)
				if (j != i && (seen < 0 ||
				    s->hist[j][seen] == FLEET_ANNOUNCED))
					in.healthy_peers++;
			s->hist[i][k] = fleet_step(&s->f[i], &in, now);
			if (s->hist[i][k] == FLEET_WITHDRAWN &&
			    before != FLEET_WITHDRAWN)
				s->withdrawals[i]++;
			if (s->hist[i][k] != FLEET_WITHDRAWN)
				up++;
		}
		if (up < s->min_announced)
			s->min_announced = up;
	}
}

static void
check_sim(void)
{
	static struct sim s;
	int i;

	/* A single sick node leaves; the others stay. */
	memset(&s, 0, sizeof(s));
	s.fail_at[0] = 1000 * MS;
	s.fail_at[1] = s.fail_at[2] = UINT64_MAX;
	sim_run(&s);
	CHECK(s.hist[0][HIST - 1] == FLEET_WITHDRAWN);
	CHECK(s.hist[1][HIST - 1] == FLEET_ANNOUNCED);
	CHECK(s.min_announced == 2);

	/* All fail at once, after a long healthy spell: all degrade, none
	 * withdraws, ever. */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < NODES; i++)
		s.fail_at[i] = 10000 * MS;
	sim_run(&s);
	for (i = 0; i < NODES; i++) {
		CHECKF(s.withdrawals[i] == 0, "node %d withdrew %d times", i,
		    s.withdrawals[i]);
		CHECK(s.hist[i][HIST - 1] == FLEET_DEGRADED);
	}
	CHECK(s.min_announced == NODES);

	/* One after another, 5 s apart: the first two leave while another is
	 * healthy; when the last degrades, they come back, degraded.  The
	 * fleet is never empty. */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < NODES; i++)
		s.fail_at[i] = (uint64_t)(1000 + 5000 * i) * MS;
	sim_run(&s);
	CHECK(s.withdrawals[0] >= 1 && s.withdrawals[1] >= 1);
	CHECK(s.withdrawals[2] == 0);
	for (i = 0; i < NODES; i++)
		CHECKF(s.hist[i][HIST - 1] == FLEET_DEGRADED, "node %d ends %s",
		    i, fleet_target_str(s.hist[i][HIST - 1]));
	CHECK(s.min_announced >= 1);

	/* Killed on two, then the third: the two leave and stay out (their
	 * servers refuse); the last stays degraded. */
	memset(&s, 0, sizeof(s));
	s.fail_at[0] = s.fail_at[1] = 1000 * MS;
	s.fail_at[2] = 8000 * MS;
	s.refused[0] = s.refused[1] = s.refused[2] = true;
	sim_run(&s);
	CHECK(s.hist[0][HIST - 1] == FLEET_WITHDRAWN);
	CHECK(s.hist[1][HIST - 1] == FLEET_WITHDRAWN);
	CHECK(s.hist[2][HIST - 1] == FLEET_DEGRADED);
	CHECK(s.min_announced >= 1);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	check_due();
	check_sim();
	return CHECK_REPORT("test_fleet");
}
