/* Table tests for the announce/withdraw state machine (agent/health.c).
 * Each case starts the machine from a link state and feeds it a sequence of
 * events at given times; every step states the verdict, the resulting state
 * and the delay to the next cycle that it must produce. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

#define MS UINT64_C(1000)

enum op { GOOD, BAD, REFUSED, DRAIN, UNDRAIN, END };

struct step {
	enum op			op;
	uint64_t		t_ms;
	enum health_verdict		verdict;
	enum health_state	state;
	uint64_t		next_ms;	/* health_next_interval */
};

struct tcase {
	const char		*name;
	struct health_params	 p;	/* in ms here, scaled below */
	int			 link_up;
	struct step		 steps[24];
};

#define A HEALTH_ANNOUNCED
#define W HEALTH_WITHDRAWN
#define N HEALTH_KEEP
#define UP HEALTH_ANNOUNCE
#define DN HEALTH_WITHDRAW

/* rise, fall, interval, fast_interval, hold_down, confirm_interval (ms) */
static const struct tcase cases[] = {
	{ "start down: rise good cycles announce", { 2, 3, 1000, 200, 0, 200 }, 0, {
		{ GOOD, 0, N, W, 200 },
		{ GOOD, 200, UP, A, 1000 },
		{ GOOD, 1200, N, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "start down: bad cycles keep it down, settled interval", { 2, 3, 1000, 200, 0, 200 }, 0, {
		{ BAD, 0, N, W, 1000 },
		{ BAD, 1000, N, W, 1000 },
		{ GOOD, 2000, N, W, 200 },
		{ BAD, 2200, N, W, 1000 },
		{ GOOD, 3200, N, W, 200 },
		{ GOOD, 3400, UP, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "start up (agent restart): stays announced, no flap", { 2, 3, 1000, 200, 10000, 200 }, 1, {
		{ GOOD, 0, N, A, 1000 },
		{ BAD, 1000, N, A, 200 },
		{ GOOD, 1200, N, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "start up: fall bad cycles withdraw, fast while pending", { 2, 3, 1000, 200, 0, 200 }, 1, {
		{ BAD, 0, N, A, 200 },
		{ BAD, 200, N, A, 200 },
		{ BAD, 400, DN, W, 1000 },
		{ BAD, 1400, N, W, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "fall counts consecutive cycles only", { 2, 3, 1000, 200, 0, 200 }, 1, {
		{ BAD, 0, N, A, 200 },
		{ BAD, 200, N, A, 200 },
		{ GOOD, 400, N, A, 1000 },
		{ BAD, 1400, N, A, 200 },
		{ BAD, 1600, N, A, 200 },
		{ BAD, 1800, DN, W, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "hold-down delays announce after a withdrawal", { 2, 1, 1000, 200, 5000, 200 }, 1, {
		{ BAD, 0, DN, W, 1000 },
		{ GOOD, 1000, N, W, 200 },
		{ GOOD, 1200, N, W, 200 },	/* rise met, held */
		{ GOOD, 4800, N, W, 200 },	/* 200 ms left */
		{ GOOD, 5000, UP, A, 1000 },	/* exactly served */
		{ END, 0, 0, 0, 0 } } },
	{ "hold-down: a bad cycle while held resets the rise streak", { 2, 1, 1000, 200, 3000, 200 }, 1, {
		{ BAD, 0, DN, W, 1000 },
		{ GOOD, 1000, N, W, 200 },
		{ GOOD, 1200, N, W, 200 },
		{ BAD, 2900, N, W, 1000 },
		{ GOOD, 3900, N, W, 200 },	/* hold served, streak 1 */
		{ GOOD, 4100, UP, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "no hold-down at start-up with the link down", { 1, 3, 1000, 200, 60000, 200 }, 0, {
		{ GOOD, 0, UP, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "rise 1 fall 1 flips every cycle without hold-down", { 1, 1, 100, 100, 0, 100 }, 1, {
		{ BAD, 0, DN, W, 100 },
		{ GOOD, 100, UP, A, 100 },
		{ BAD, 200, DN, W, 100 },
		{ END, 0, 0, 0, 0 } } },
	{ "drain withdraws at once and wins over good probes", { 2, 3, 1000, 200, 10000, 200 }, 1, {
		{ DRAIN, 0, DN, W, 1000 },
		{ GOOD, 1000, N, W, 1000 },
		{ GOOD, 2000, N, W, 1000 },
		{ GOOD, 3000, N, W, 1000 },
		{ UNDRAIN, 3100, N, W, 1000 },
		{ GOOD, 4000, N, W, 200 },	/* rise counts from undrain */
		{ GOOD, 4200, UP, A, 1000 },	/* no hold-down after a drain */
		{ END, 0, 0, 0, 0 } } },
	{ "drain while withdrawn changes nothing but holds it", { 1, 1, 1000, 200, 0, 200 }, 0, {
		{ DRAIN, 0, N, W, 1000 },
		{ DRAIN, 10, N, W, 1000 },
		{ GOOD, 1000, N, W, 1000 },
		{ UNDRAIN, 1500, N, W, 1000 },
		{ UNDRAIN, 1600, N, W, 1000 },
		{ GOOD, 2500, UP, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "refused: confirming cycles at confirm_interval, fall still counts", { 2, 3, 1000, 200, 0, 5 }, 1, {
		{ REFUSED, 0, N, A, 5 },
		{ REFUSED, 5, N, A, 5 },
		{ REFUSED, 10, DN, W, 1000 },	/* withdrawn: settled again */
		{ REFUSED, 1010, N, W, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "refused then a timeout: back to fast_interval", { 2, 3, 1000, 200, 0, 5 }, 1, {
		{ REFUSED, 0, N, A, 5 },
		{ BAD, 5, N, A, 200 },
		{ REFUSED, 205, DN, W, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "refused then good: no withdrawal, settled", { 2, 3, 1000, 200, 0, 5 }, 1, {
		{ REFUSED, 0, N, A, 5 },
		{ GOOD, 5, N, A, 1000 },
		{ BAD, 1005, N, A, 200 },	/* the refusal is forgotten */
		{ END, 0, 0, 0, 0 } } },
	{ "withdrawn: rise is not hurried by confirm_interval", { 2, 3, 1000, 200, 0, 5 }, 0, {
		{ REFUSED, 0, N, W, 1000 },
		{ GOOD, 1000, N, W, 200 },
		{ GOOD, 1200, UP, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "refused while drained: nothing pending", { 2, 3, 1000, 200, 0, 5 }, 1, {
		{ DRAIN, 0, DN, W, 1000 },
		{ REFUSED, 1000, N, W, 1000 },
		{ END, 0, 0, 0, 0 } } },
	{ "bad cycles while drained still withdraw nothing twice", { 2, 2, 1000, 200, 0, 200 }, 1, {
		{ DRAIN, 0, DN, W, 1000 },
		{ BAD, 1000, N, W, 1000 },
		{ BAD, 2000, N, W, 1000 },
		{ UNDRAIN, 2500, N, W, 1000 },
		{ BAD, 3000, N, W, 1000 },
		{ GOOD, 4000, N, W, 200 },
		{ GOOD, 4200, UP, A, 1000 },
		{ END, 0, 0, 0, 0 } } },
};

static const char *
vstr(enum health_verdict v)
{
	return v == HEALTH_ANNOUNCE ? "announce" :
	    v == HEALTH_WITHDRAW ? "withdraw" : "none";
}

static int
run_case(const struct tcase *c)
{
	struct health_params p = c->p;
	struct health h;
	const struct step *s;
	enum health_verdict v;
	int i, fails = 0;

	p.interval_us *= MS;
	p.fast_interval_us *= MS;
	p.hold_down_us *= MS;
	p.confirm_interval_us *= MS;
	health_init(&h, &p, c->link_up, 0);
	for (i = 0; c->steps[i].op != END; i++) {
		uint64_t now;

		s = &c->steps[i];
		now = s->t_ms * MS;
		switch (s->op) {
		case GOOD:
			v = health_step(&h, HEALTH_CYCLE_GOOD, now);
			break;
		case BAD:
			v = health_step(&h, HEALTH_CYCLE_BAD, now);
			break;
		case REFUSED:
			v = health_step(&h, HEALTH_CYCLE_REFUSED, now);
			break;
		case DRAIN:
		case UNDRAIN:
			v = health_drain(&h, s->op == DRAIN, now);
			break;
		default:
			v = HEALTH_KEEP;
		}
		if (v != s->verdict || h.state != s->state ||
		    health_next_interval(&h) != s->next_ms * MS) {
			printf("FAIL %s: step %d (t=%llu ms): got %s/%s/next %llu ms,"
			    " want %s/%s/next %llu ms\n", c->name, i,
			    (unsigned long long)s->t_ms, vstr(v),
			    health_state_str(h.state),
			    (unsigned long long)(health_next_interval(&h) / MS),
			    vstr(s->verdict), health_state_str(s->state),
			    (unsigned long long)s->next_ms);
			fails++;
		}
	}
	return fails;
}

static int
check_hold_remaining(void)
{
	struct health_params p = { 1, 1, 1000 * MS, 200 * MS, 5000 * MS, 200 * MS };
	struct health h;
	int fails = 0;

	health_init(&h, &p, 1, 0);
	if (health_hold_remaining(&h, 0) != 0)
		fails++;
	(void)health_step(&h, HEALTH_CYCLE_BAD, 1000 * MS);
	if (health_hold_remaining(&h, 1000 * MS) != 5000 * MS)
		fails++;
	if (health_hold_remaining(&h, 4000 * MS) != 2000 * MS)
		fails++;
	if (health_hold_remaining(&h, 7000 * MS) != 0)
		fails++;
	/* A reload that turns hold-down off frees the node at once. */
	p.hold_down_us = 0;
	health_set_params(&h, &p);
	if (health_hold_remaining(&h, 2000 * MS) != 0)
		fails++;
	if (fails)
		printf("FAIL hold remaining: %d checks\n", fails);
	return fails;
}

static int
check_restored_hold(void)
{
	struct health_params p = { 1, 1, 1000 * MS, 200 * MS, 5000 * MS, 200 * MS };
	struct health h;
	int fails = 0;

	/* Restarted 2 s after a withdrawal with a 5 s hold-down: a good cycle
	 * at 12 s (4 s after the withdrawal) stays down; the one
	 * at 13 s, when the 5 s hold is served, announces. */
	health_init(&h, &p, 0, 10000 * MS);
	health_restore_hold(&h, 8000 * MS);
	if (health_hold_remaining(&h, 10000 * MS) != 3000 * MS)
		fails++;
	if (health_step(&h, HEALTH_CYCLE_GOOD, 12000 * MS) != HEALTH_KEEP)
		fails++;
	if (health_step(&h, HEALTH_CYCLE_GOOD, 13000 * MS) != HEALTH_ANNOUNCE)
		fails++;
	/* A link that is up at start is not held: nothing to restore. */
	health_init(&h, &p, 1, 10000 * MS);
	health_restore_hold(&h, 8000 * MS);
	if (h.held || health_hold_remaining(&h, 10000 * MS) != 0)
		fails++;
	if (fails)
		printf("FAIL restored hold-down: %d checks\n", fails);
	return fails;
}

int
main(void)
{
	size_t i;
	int passed = 0, failed = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (run_case(&cases[i]) == 0) {
			printf("ok   %s\n", cases[i].name);
			passed++;
		} else
			failed++;
	}
	if (check_hold_remaining() == 0) {
		printf("ok   hold-down remaining\n");
		passed++;
	} else
		failed++;
	if (check_restored_hold() == 0) {
		printf("ok   hold-down restored across a restart\n");
		passed++;
	} else
		failed++;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
